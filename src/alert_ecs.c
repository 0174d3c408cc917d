/*
 * alert_ecs.c - JsonFormat ecs: an alert as an Elastic Common Schema
 * document, which Filebeat, Elastic Agent, OpenSearch and most SIEMs take
 * without a mapping of their own.
 *
 * Every field outside "scandetd" is an ECS 9.4 field of its ECS type, an
 * array where ECS says array (tests/ecs checks each against the ECS field
 * reference).  What only scandetd knows goes under "scandetd", with the
 * names and values of the default format, so that one mapping serves both.
 * Timestamps are packet times, like the default format's: a capture read
 * twice gives the same documents.
 */
#include "alert.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"
#include "strbuf.h"

/* The ECS version whose field reference the documents were checked
 * against (tests/ecs/data/fields-9.4.0.csv). */
#define ECS_VERSION	"9.4.0"

/* One MITRE ATT&CK (Enterprise) technique and its tactic. */
struct attack {
	const char *tactic_id, *tactic_name;
	const char *technique_id, *technique_name;
};

/* Port scans and sweeps: probing remote hosts for the services they
 * listen on is T1046 Network Service Discovery. */
static const struct attack attack_scan = {
	"TA0007", "Discovery", "T1046", "Network Service Discovery",
};

/* Host discovery (ICMP, ARP and neighbour-discovery sweeps): finding
 * which addresses are in use is T1018 Remote System Discovery. */
static const struct attack attack_hosts = {
	"TA0007", "Discovery", "T1018", "Remote System Discovery",
};

/* OS fingerprinting (nmap -O, xprobe2, queso): the prober learns the
 * target's operating system from outside, which ATT&CK files under T1592
 * Gather Victim Host Information (host configuration, operating system
 * among it; tactic Reconnaissance).  Not T1082 System Information
 * Discovery: that is a program on the host asking the host itself.  Not
 * T1595 Active Scanning: it names the means (probing), not what is learnt,
 * and its sub-techniques (IP blocks, vulnerabilities, wordlists) do not
 * fit a fingerprint. */
static const struct attack attack_osfp = {
	"TA0043", "Reconnaissance", "T1592", "Gather Victim Host Information",
};

/* Floods (one port, again and again): T1499 Endpoint Denial of Service,
 * whose OS Exhaustion Flood (T1499.001) is the SYN flood.  Not T1498
 * Network Denial of Service: that is about bandwidth, which scandetd does
 * not measure. */
static const struct attack attack_flood = {
	"TA0040", "Impact", "T1499", "Endpoint Denial of Service",
};

/* The ECS categorization of each kind (allowed values of event.kind,
 * event.category and event.type, which are arrays).  An IDS alert is
 * category intrusion_detection, type info; scandetd blocks nothing, so
 * never allowed or denied. */
struct ecs_kind {
	const char *kind;
	const char *category;		/* a JSON array */
	const char *type;		/* a JSON array */
	const char *rule;		/* rule.name */
};

#define NET_IDS	"[\"network\",\"intrusion_detection\"]"
#define INFO	"[\"info\"]"

static const struct ecs_kind ecs_kinds[ALERT_KIND_COUNT] = {
	[ALERT_CONNECTION] = { "event", "[\"network\"]",
			       "[\"connection\",\"start\"]",
			       "Connection attempt" },
	[ALERT_PORTSCAN] = { "alert", NET_IDS, INFO, "Port scan" },
	[ALERT_SWEEP] = { "alert", NET_IDS, INFO, "Port sweep" },
	[ALERT_FLOOD] = { "alert", NET_IDS, INFO, "Port flood" },
	[ALERT_DISTRIBUTED] = { "alert", NET_IDS, INFO,
				"Distributed port scan" },
	[ALERT_OSPROBE] = { "alert", NET_IDS, INFO,
			    "OS fingerprinting probe" },
	/* A summary of the scan: the scan's rule; event.action tells it. */
	[ALERT_SCAN_END] = { "alert", NET_IDS, INFO, NULL },
	/* What AlertLimit held back: no packet, no network. */
	[ALERT_SUPPRESSED] = { "event", "[\"intrusion_detection\"]", INFO,
			       "Alerts held back (AlertLimit)" },
};

void ecs_observer_init(struct ecs_observer *o, const char *version)
{
	memset(o, 0, sizeof *o);
	if (gethostname(o->hostname, sizeof o->hostname - 1) != 0)
		o->hostname[0] = '\0';
	snprintf(o->version, sizeof o->version, "%s", version ? version : "");
}

/* The kind a scan_end summarises; any other alert's own. */
static enum alert_kind scan_kind(const struct alert *a)
{
	return a->kind == ALERT_SCAN_END ? a->scan.kind : a->kind;
}

static const struct attack *attack_of(const struct alert *a)
{
	switch (scan_kind(a)) {
	case ALERT_PORTSCAN:
	case ALERT_DISTRIBUTED:
		return &attack_scan;
	case ALERT_SWEEP:
		return a->proto == PROTO_ICMP || a->proto == PROTO_ICMPV6 ||
		       a->proto == PROTO_ARP ? &attack_hosts : &attack_scan;
	case ALERT_FLOOD:
		return &attack_flood;
	case ALERT_OSPROBE:
		return &attack_osfp;
	default:
		return NULL;		/* connections, AlertLimit summaries */
	}
}

static void put_ts(struct strbuf *sb, const char *key, uint64_t ts)
{
	char t[40];

	format_ts(ts, t, sizeof t);
	sb_printf(sb, ",\"%s\":\"%s\"", key, t);
}

/* event.start, event.end and event.duration (nanoseconds) where the
 * alert has a span: a scan's first probe, its summary's first and last,
 * an AlertLimit interval. */
static void event_span(struct strbuf *sb, const struct alert *a)
{
	uint64_t start = a->scan.first_ts, end = 0;

	if (a->kind == ALERT_SUPPRESSED) {
		start = a->held_back.start_us;
		end = a->held_back.end_us;
	} else if (a->kind == ALERT_SCAN_END) {
		end = a->scan.last_ts;
	} else if (a->kind == ALERT_CONNECTION) {
		end = a->ts_us;		/* its outcome */
	}
	if (!start)
		return;
	put_ts(sb, "start", start);
	if (end && end >= start) {
		put_ts(sb, "end", end);
		sb_printf(sb, ",\"duration\":%llu",
			  (unsigned long long)(end - start) * 1000);
	}
}

/* event.outcome's allowed values: a completed handshake or a reply is a
 * success, a refused, unreachable, unanswered or half-open attempt a
 * failure. */
static const char *ecs_outcome(enum conn_outcome o)
{
	switch (o) {
	case CONN_COMPLETED:
	case CONN_ANSWERED:
		return "success";
	case CONN_UNKNOWN:
		return "unknown";
	default:
		return "failure";
	}
}

static void put_event(struct strbuf *sb, const struct alert *a)
{
	const struct ecs_kind *k = &ecs_kinds[a->kind];

	sb_printf(sb, ",\"event\":{\"kind\":\"%s\",\"category\":%s,"
		  "\"type\":%s,\"action\":\"%s\",\"module\":\"scandetd\","
		  "\"dataset\":\"scandetd.events\",\"severity\":%u", k->kind,
		  k->category, k->type, alert_kind_name(a->kind),
		  alert_severity(a));
	if (a->kind == ALERT_CONNECTION)
		sb_printf(sb, ",\"outcome\":\"%s\"", ecs_outcome(a->outcome));
	event_span(sb, a);
	sb_printf(sb, "}");
}

/* The destination port, where there is one: a connection's, a sweep's
 * or flood's (and their summaries'); a port scan has many. */
static bool dst_port(const struct alert *a, uint16_t *port)
{
	if (a->kind == ALERT_CONNECTION) {
		*port = a->dport;
		return true;
	}
	if ((a->kind == ALERT_SWEEP || a->kind == ALERT_FLOOD ||
	     a->kind == ALERT_SCAN_END) &&
	    (a->scan.kind == ALERT_SWEEP || a->scan.kind == ALERT_FLOOD) &&
	    (a->proto == PROTO_TCP || a->proto == PROTO_UDP ||
	     a->proto == PROTO_SCTP)) {
		*port = a->scan.port;
		return true;
	}
	return false;
}

/* network.transport is IANA's keyword for the protocol: ICMP over IPv6
 * is "ipv6-icmp" (number 58), whatever the detector called it.  An ARP
 * sweep has no transport (network.protocol "arp"), nor has an IP
 * protocol scan, which tries them all. */
static void put_network(struct strbuf *sb, const struct alert *a)
{
	bool v4 = addr_is_v4(&a->src);
	const char *name = proto_key(a->proto);
	unsigned number = a->proto;

	sb_printf(sb, ",\"network\":{\"type\":\"%s\"", v4 ? "ipv4" : "ipv6");
	if (a->proto == PROTO_ARP) {
		sb_printf(sb, ",\"protocol\":\"arp\"}");
		return;
	}
	if (a->proto == PROTO_IP) {
		sb_printf(sb, "}");
		return;
	}
	if (a->proto == PROTO_ICMP || a->proto == PROTO_ICMPV6) {
		name = v4 ? "icmp" : "ipv6-icmp";
		number = v4 ? PROTO_ICMP : PROTO_ICMPV6;
	}
	sb_printf(sb, ",\"transport\":\"%s\",\"iana_number\":\"%u\"}",
		  name, number);
}

/* source, destination, network and related.ip (every address, once). */
static void put_endpoints(struct strbuf *sb, const struct alert *a)
{
	char src[ADDR_STR_MAX], dst[ADDR_STR_MAX];
	uint16_t port;

	addr_to_str(&a->src, src, sizeof src);
	addr_to_str(&a->dst, dst, sizeof dst);
	sb_printf(sb, ",\"source\":{\"ip\":\"%s\"", src);
	if (a->kind == ALERT_CONNECTION)
		sb_printf(sb, ",\"port\":%u", a->sport);
	sb_printf(sb, "}");
	sb_printf(sb, ",\"destination\":{\"ip\":\"%s\"", dst);
	if (dst_port(a, &port))
		sb_printf(sb, ",\"port\":%u", port);
	sb_printf(sb, "}");
	put_network(sb, a);
	sb_printf(sb, ",\"related\":{\"ip\":[\"%s\"", src);
	if (!addr_equal(&a->src, &a->dst))
		sb_printf(sb, ",\"%s\"", dst);
	sb_printf(sb, "]}");
}

static void put_observer(struct strbuf *sb, const struct alert *a,
			 const struct ecs_observer *o)
{
	char iface[sizeof a->iface + 1];

	sb_printf(sb, ",\"observer\":{\"product\":\"scandetd\","
		  "\"vendor\":\"scandetd\",\"type\":\"ids\"");
	if (o->hostname[0]) {
		sb_printf(sb, ",\"hostname\":");
		sb_json_str(sb, o->hostname);
	}
	if (o->version[0]) {
		sb_printf(sb, ",\"version\":");
		sb_json_str(sb, o->version);
	}
	/* Copied: a name of IFNAMSIZ bytes need not end in a NUL. */
	memcpy(iface, a->iface, sizeof a->iface);
	iface[sizeof a->iface] = '\0';
	if (iface[0]) {
		sb_printf(sb, ",\"ingress\":{\"interface\":{\"name\":");
		sb_json_str(sb, iface);
		sb_printf(sb, "}}");
	}
	sb_printf(sb, "}");
}

static const char *rule_name(const struct alert *a)
{
	enum alert_kind k = scan_kind(a);

	if ((unsigned)k >= ALERT_KIND_COUNT || !ecs_kinds[k].rule)
		return "Port scan";
	return ecs_kinds[k].rule;
}

/* rule, and threat where the alert suggests an ATT&CK technique (ECS
 * keeps the technique and tactic fields as arrays). */
static void put_rule_threat(struct strbuf *sb, const struct alert *a)
{
	const struct attack *t = attack_of(a);

	sb_printf(sb, ",\"rule\":{\"name\":\"%s\"}", rule_name(a));
	if (!t)
		return;
	sb_printf(sb, ",\"threat\":{\"framework\":\"MITRE ATT&CK\","
		  "\"tactic\":{\"id\":[\"%s\"],\"name\":[\"%s\"],"
		  "\"reference\":[\"https://attack.mitre.org/tactics/%s/\"]},",
		  t->tactic_id, t->tactic_name, t->tactic_id);
	sb_printf(sb, "\"technique\":{\"id\":[\"%s\"],\"name\":[\"%s\"],"
		  "\"reference\":[\"https://attack.mitre.org/techniques/%s/\"]"
		  "}}", t->technique_id, t->technique_name, t->technique_id);
}

/* The default format's own members under "scandetd" (none for a plain
 * connection: then no "scandetd" at all).  false if they were cut. */
static bool put_details(struct strbuf *sb, const struct alert *a)
{
	char buf[ALERT_LINE_MAX * 2];
	struct strbuf d;

	sb_init(&d, buf, sizeof buf);
	alert_json_details(&d, a);
	if (d.used > 0)
		sb_printf(sb, ",\"scandetd\":{%s}", buf + 1); /* past ',' */
	return sb_fits(&d);
}

bool alert_format_ecs(const struct alert *a, const char *line,
		      const struct ecs_observer *o, char *buf, size_t len)
{
	struct strbuf sb;
	char ts[40];
	bool fits;

	if (len == 0 || (unsigned)a->kind >= ALERT_KIND_COUNT)
		return false;
	sb_init(&sb, buf, len);
	format_ts(a->ts_us, ts, sizeof ts);
	sb_printf(&sb, "{\"@timestamp\":\"%s\",\"ecs\":{\"version\":\"%s\"}",
		  ts, ECS_VERSION);
	put_event(&sb, a);
	if (a->kind != ALERT_SUPPRESSED)
		put_endpoints(&sb, a);
	put_observer(&sb, a, o);
	put_rule_threat(&sb, a);
	sb_printf(&sb, ",\"message\":");
	sb_json_str(&sb, line);
	fits = put_details(&sb, a);
	sb_printf(&sb, "}");
	return fits && sb_fits(&sb);
}
