/*
 * alert.c - the text of alerts, and the router that hands them to sinks.
 */
#include "alert.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "decode.h"
#include "params.h"
#include "strbuf.h"

static const char *const kind_names[ALERT_KIND_COUNT] = {
	[ALERT_CONNECTION] = "connection",
	[ALERT_PORTSCAN] = "portscan",
	[ALERT_SWEEP] = "sweep",
	[ALERT_FLOOD] = "flood",
	[ALERT_OSPROBE] = "osprobe",
	[ALERT_DISTRIBUTED] = "distributed",
	[ALERT_SCAN_END] = "scan_end",
	[ALERT_SUPPRESSED] = "suppressed",
};

const char *alert_kind_name(enum alert_kind k)
{
	return (unsigned)k < ALERT_KIND_COUNT ? kind_names[k] : "unknown";
}

const char *scan_type_name(enum scan_type t)
{
	switch (t) {
	case SCAN_SYN: return "SYN";
	case SCAN_FIN: return "FIN";
	case SCAN_NULL: return "NULL";
	case SCAN_XMAS: return "Xmas";
	case SCAN_UDP: return "UDP";
	case SCAN_ACK: return "ACK";
	case SCAN_ECHO: return "echo";
	case SCAN_TIMESTAMP: return "timestamp";
	case SCAN_ADDRMASK: return "address-mask";
	case SCAN_ARP: return "ARP";
	case SCAN_ND: return "neighbour-solicitation";
	case SCAN_PROTOCOL: return "protocol";
	case SCAN_SCTP_INIT: return "INIT";
	case SCAN_SCTP_COOKIE: return "COOKIE-ECHO";
	case SCAN_TYPE_COUNT: break;
	}
	return "unknown";
}

const char *proto_key(uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP: return "tcp";
	case PROTO_UDP: return "udp";
	case PROTO_SCTP: return "sctp";
	case PROTO_ICMP: return "icmp";
	case PROTO_ICMPV6: return "icmpv6";
	case PROTO_ARP: return "arp";
	case PROTO_IP: return "ip";
	}
	return "ip";
}

const char *proto_label(uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP: return "TCP";
	case PROTO_UDP: return "UDP";
	case PROTO_SCTP: return "SCTP";
	case PROTO_ICMP: return "ICMP";
	case PROTO_ICMPV6: return "ICMPv6";
	case PROTO_ARP: return "ARP";
	}
	return "IP";
}

/* The kind a scan_end summarises; any other alert's own. */
static enum alert_kind own_kind(const struct alert *a)
{
	return a->kind == ALERT_SCAN_END ? a->scan.kind : a->kind;
}

unsigned alert_severity(const struct alert *a)
{
	const struct scan_summary *s = &a->scan;
	uint32_t breadth;

	switch (own_kind(a)) {
	case ALERT_SUPPRESSED: return 2;
	case ALERT_FLOOD: return 3;	/* one port: nothing learnt, and
					 * the easiest to spoof */
	case ALERT_OSPROBE: return 7;	/* aimed at one host's system */
	case ALERT_PORTSCAN:
	case ALERT_DISTRIBUTED: breadth = s->ports; break;
	case ALERT_SWEEP: breadth = s->hosts; break;
	default: return 1;		/* connections */
	}
	return 4 + (breadth >= SEVERITY_WIDE) + (breadth >= SEVERITY_VERY_WIDE) +
	       (s->open > 0) + (a->tool[0] != '\0');
}

const char *conn_outcome_name(enum conn_outcome o)
{
	switch (o) {
	case CONN_COMPLETED: return "completed";
	case CONN_REFUSED: return "refused";
	case CONN_UNREACHABLE: return "unreachable";
	case CONN_NO_ANSWER: return "no-answer";
	case CONN_HALF_OPEN: return "half-open";
	case CONN_ANSWERED: return "answered";
	case CONN_UNKNOWN: break;
	}
	return "unknown";
}

/* The words of the log line. */
static const char *conn_outcome_words(enum conn_outcome o)
{
	switch (o) {
	case CONN_NO_ANSWER: return "no answer";
	case CONN_HALF_OPEN: return "answered, never completed";
	case CONN_UNKNOWN: return "outcome unknown";
	default: return conn_outcome_name(o);
	}
}

void format_ts(uint64_t ts_us, char *buf, size_t len)
{
	time_t secs = (time_t)(ts_us / 1000000);
	struct tm tm;

	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, len, "?");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (unsigned)(ts_us % 1000000));
}

/* ---- text lines -------------------------------------------------- */

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static const char *host_name(const struct alert_names *names,
			     const struct ipaddr *a)
{
	return names && names->host ? names->host(names->arg, a) : NULL;
}

/* "name (1.2.3.4)" when DNSResolve knows a name, else "1.2.3.4". */
static void put_host(struct strbuf *sb, const struct config *cfg,
		     const struct alert_names *names, const struct ipaddr *a)
{
	char ip[ADDR_STR_MAX];
	const char *name = cfg->dns_resolve ? host_name(names, a) : NULL;

	addr_to_str(a, ip, sizeof ip);
	if (name)
		sb_printf(sb, "%s (%s)", name, ip);
	else
		sb_printf(sb, "%s", ip);
}

/* Service name with PortResolve, else the number ("port 21" when
 * with_word, as the original wrote it). */
static void put_port(struct strbuf *sb, const struct config *cfg,
		     const struct alert_names *names, uint16_t port,
		     uint8_t proto, bool with_word)
{
	const char *name = NULL;

	if (cfg->port_resolve && names && names->service)
		name = names->service(names->arg, port, proto);
	if (name)
		sb_printf(sb, "%s", name);
	else
		sb_printf(sb, with_word ? "port %u" : "%u", port);
}

static void line_connection(struct strbuf *sb, const struct alert *a,
			    const struct config *cfg,
			    const struct alert_names *names)
{
	bool udp = a->proto == PROTO_UDP;

	if (cfg->log_details) {
		sb_printf(sb, "%s ", udp ? "UDP" : "TCP");
		put_host(sb, cfg, names, &a->src);
		sb_printf(sb, "(");
		put_port(sb, cfg, names, a->sport, a->proto, false);
		sb_printf(sb, ") -> ");
		put_host(sb, cfg, names, &a->dst);
		sb_printf(sb, "(");
		put_port(sb, cfg, names, a->dport, a->proto, false);
		sb_printf(sb, "): %s", conn_outcome_words(a->outcome));
		return;
	}
	sb_printf(sb, "%s", udp ? "UDP " : "");
	put_port(sb, cfg, names, a->dport, a->proto, true);
	sb_printf(sb, " connection attempt from ");
	put_host(sb, cfg, names, &a->src);
	sb_printf(sb, ": %s", conn_outcome_words(a->outcome));
}

/* The tool, when a signature named it, at the end of a scan's lines:
 * " (nmap)".  The original's words come first, unchanged. */
static void put_tool(struct strbuf *sb, const struct alert *a)
{
	if (a->tool[0])
		sb_printf(sb, " (%s)", a->tool);
}

static const char *scan_word(enum alert_kind k)
{
	switch (k) {
	case ALERT_FLOOD: return "flood";
	case ALERT_SWEEP: return "sweep";
	default: return "scan";
	}
}

/* What was scanned: "port" (the SPEC's words for TCP), "UDP port",
 * "SCTP port", "ICMP host", "ARP host", "IP protocol". */
static void put_subject(struct strbuf *sb, uint8_t proto)
{
	switch (proto) {
	case PROTO_TCP:
		sb_printf(sb, "port");
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
	case PROTO_ARP:
		sb_printf(sb, "%s host", proto_label(proto));
		break;
	case PROTO_IP:
		sb_printf(sb, "IP protocol");
		break;
	default:
		sb_printf(sb, "%s port", proto_label(proto));
	}
}

static void line_scan(struct strbuf *sb, const struct alert *a,
		      const struct config *cfg, const struct alert_names *names)
{
	sb_printf(sb, "Possible ");
	put_subject(sb, a->proto);
	sb_printf(sb, " %s from ", scan_word(a->kind));
	put_host(sb, cfg, names, &a->src);
	sb_printf(sb, " to ");
	put_host(sb, cfg, names, &a->dst);
	if (a->scan.dst_multiple)
		sb_printf(sb, " (and others)");
	put_tool(sb, a);
}

/* "; 1000 ports, 1 host, 2 open (22, 80)", the open ports listed up to
 * SCAN_OPEN_IN_LINE (the JSON lists more). */
static void put_reach(struct strbuf *sb, const struct scan_summary *s,
		      const struct open_list *o)
{
	unsigned listed = o->n < SCAN_OPEN_IN_LINE ? o->n : SCAN_OPEN_IN_LINE;

	sb_printf(sb, "; %u port%s, %u host%s, %u open", s->ports,
		  plural(s->ports), s->hosts, plural(s->hosts), s->open);
	for (unsigned i = 0; i < listed; i++)
		sb_printf(sb, "%s%u", i ? ", " : " (", o->port[i]);
	if (listed)
		sb_printf(sb, "%s)", s->open > listed ? ", ..." : "");
}

static void line_scan_end(struct strbuf *sb, const struct alert *a,
			  const struct config *cfg,
			  const struct alert_names *names)
{
	const struct scan_summary *s = &a->scan;
	char first[40], last[40];

	format_ts(s->first_ts, first, sizeof first);
	format_ts(s->last_ts, last, sizeof last);
	sb_printf(sb, "End of ");
	put_subject(sb, a->proto);
	sb_printf(sb, " %s from ", scan_word(s->kind));
	put_host(sb, cfg, names, &a->src);
	sb_printf(sb, " to ");
	put_host(sb, cfg, names, &a->dst);
	if (s->dst_multiple)
		sb_printf(sb, " (and others)");
	sb_printf(sb, ": %u probes, first port %u at %s, last port %u at %s",
		  s->count, s->first_port, first, s->last_port, last);
	if (a->proto == PROTO_TCP)
		sb_printf(sb, ", %s scan (%u SYN flags, %u FIN flags)",
			  scan_type_name(s->scan_type), s->syn, s->fin);
	put_reach(sb, s, &a->open);
	sb_printf(sb, "; severity %u", alert_severity(a));
	put_tool(sb, a);
}

/* "Possible distributed port scan of 198.51.100.10 from 20 sources
 * (192.0.2.101 and others); 100 ports" */
static void line_distributed(struct strbuf *sb, const struct alert *a,
			     const struct config *cfg,
			     const struct alert_names *names)
{
	sb_printf(sb, "Possible distributed ");
	put_subject(sb, a->proto);
	sb_printf(sb, " scan of ");
	put_host(sb, cfg, names, &a->dst);
	sb_printf(sb, " from %u sources (", a->scan.sources);
	put_host(sb, cfg, names, &a->src);
	sb_printf(sb, " and others); %u ports", a->scan.ports);
}

static void line_osprobe(struct strbuf *sb, const struct alert *a,
			 const struct config *cfg,
			 const struct alert_names *names)
{
	sb_printf(sb, "Possible %s OS probe from ", a->tool);
	put_host(sb, cfg, names, &a->src);
	sb_printf(sb, " to ");
	put_host(sb, cfg, names, &a->dst);
}

/* "Held back 4900 alerts (4880 portscan, 20 scan_end) from 4900 sources
 * in the 60 s to TIME (AlertLimit 120 60); 120 held alerts follow,
 * strongest first; totals in the statistics" */
static void line_suppressed(struct strbuf *sb, const struct alert *a)
{
	const struct held_back *h = &a->held_back;
	uint64_t secs = (h->end_us - h->start_us + 999999) / 1000000;
	const char *sep = "";
	char end[40];

	format_ts(h->end_us, end, sizeof end);
	if (secs == 0)
		secs = 1;		/* a capture that ended at once */
	sb_printf(sb, "Held back %u alert%s (", h->total, plural(h->total));
	for (int k = 0; k < ALERT_KIND_COUNT; k++) {
		if (!h->kind[k])
			continue;
		sb_printf(sb, "%s%u %s", sep, h->kind[k],
			  alert_kind_name((enum alert_kind)k));
		sep = ", ";
	}
	sb_printf(sb, ") from %s%u source%s in the %llu s to %s (AlertLimit "
		  "%u %u); ", h->sources_at_least ? "at least " : "",
		  h->sources, plural(h->sources), (unsigned long long)secs,
		  end, h->limit, h->seconds);
	if (h->follow)
		sb_printf(sb, "%u held alert%s follow%s, strongest first; ",
			  h->follow, plural(h->follow),
			  h->follow == 1 ? "s" : "");
	sb_printf(sb, "totals in the statistics");
}

void alert_format_line(const struct alert *a, const struct config *cfg,
		       const struct alert_names *names, char *buf, size_t len)
{
	struct strbuf sb;

	if (len == 0)
		return;
	sb_init(&sb, buf, len);
	switch (a->kind) {
	case ALERT_CONNECTION:
		line_connection(&sb, a, cfg, names);
		break;
	case ALERT_PORTSCAN:
	case ALERT_SWEEP:
	case ALERT_FLOOD:
		line_scan(&sb, a, cfg, names);
		break;
	case ALERT_SCAN_END:
		line_scan_end(&sb, a, cfg, names);
		break;
	case ALERT_OSPROBE:
		line_osprobe(&sb, a, cfg, names);
		break;
	case ALERT_DISTRIBUTED:
		line_distributed(&sb, a, cfg, names);
		break;
	case ALERT_SUPPRESSED:
		line_suppressed(&sb, a);
		break;
	case ALERT_KIND_COUNT:
		break;
	}
}

/* ---- JSON ---------------------------------------------------------- */

static void json_addr(struct strbuf *sb, const char *key,
		      const struct ipaddr *a)
{
	char ip[ADDR_STR_MAX];

	sb_printf(sb, ",\"%s\":\"%s\"", key, addr_to_str(a, ip, sizeof ip));
}

static void json_ts(struct strbuf *sb, const char *key, uint64_t ts)
{
	char t[40];

	format_ts(ts, t, sizeof t);
	sb_printf(sb, ",\"%s\":\"%s\"", key, t);
}

static void json_summary(struct strbuf *sb, const struct alert *a)
{
	const struct scan_summary *s = &a->scan;

	sb_printf(sb, ",\"count\":%u,\"dst_multiple\":%s", s->count,
		  s->dst_multiple ? "true" : "false");
	sb_printf(sb, ",\"first_port\":%u", s->first_port);
	json_ts(sb, "first_ts", s->first_ts);
	sb_printf(sb, ",\"last_port\":%u", s->last_port);
	json_ts(sb, "last_ts", s->last_ts);
	sb_printf(sb, ",\"scan_type\":\"%s\",\"syn\":%u,\"fin\":%u",
		  scan_type_name(s->scan_type), s->syn, s->fin);
	/* ICMP and ARP sweeps reach hosts, not a port. */
	if ((s->kind == ALERT_SWEEP || s->kind == ALERT_FLOOD) &&
	    (a->proto == PROTO_TCP || a->proto == PROTO_UDP ||
	     a->proto == PROTO_SCTP))
		sb_printf(sb, ",\"port\":%u", s->port);
	sb_printf(sb, ",\"ports\":%u,\"hosts\":%u,\"answered\":%u,"
		  "\"open\":%u,\"open_ports\":[", s->ports, s->hosts,
		  s->answered, s->open);
	for (unsigned i = 0; i < a->open.n && i < SCAN_OPEN_LISTED; i++)
		sb_printf(sb, "%s%u", i ? "," : "", a->open.port[i]);
	sb_printf(sb, "]");
}

static void json_connection(struct strbuf *sb, const struct alert *a)
{
	sb_printf(sb, ",\"outcome\":\"%s\"", conn_outcome_name(a->outcome));
	if (a->scan.first_ts)
		json_ts(sb, "first_ts", a->scan.first_ts);
	if (a->retransmits)
		sb_printf(sb, ",\"retransmits\":%u", a->retransmits);
}

static void json_osprobe(struct strbuf *sb, const struct alert *a)
{
	const char *sep = "";

	/* tool names are ours (string constants), never from the network */
	sb_printf(sb, ",\"tool\":\"%s\",\"packets\":%u,\"flags\":[", a->tool,
		  a->packets);
	for (int i = 0; i < OSFP_PATTERN_COUNT; i++) {
		if (!(a->patterns & (1u << i)))
			continue;
		sb_printf(sb, "%s\"%s\"", sep, osfp_pattern_names[i]);
		sep = ",";
	}
	sb_printf(sb, "]");
	json_ts(sb, "first_ts", a->scan.first_ts);
}

static void json_suppressed(struct strbuf *sb, const struct alert *a)
{
	const struct held_back *h = &a->held_back;
	const char *sep = "";

	json_ts(sb, "interval_start", h->start_us);
	json_ts(sb, "interval_end", h->end_us);
	sb_printf(sb, ",\"limit\":%u,\"seconds\":%u,\"held_back\":%u,"
		  "\"kinds\":{", h->limit, h->seconds, h->total);
	for (int k = 0; k < ALERT_KIND_COUNT; k++) {
		if (!h->kind[k])
			continue;
		sb_printf(sb, "%s\"%s\":%u", sep,
			  alert_kind_name((enum alert_kind)k), h->kind[k]);
		sep = ",";
	}
	sb_printf(sb, "},\"sources\":%u,\"sources_at_least\":%s,"
		  "\"follow\":%u", h->sources,
		  h->sources_at_least ? "true" : "false", h->follow);
}

void alert_json_details(struct strbuf *sb, const struct alert *a)
{
	switch (a->kind) {
	case ALERT_SCAN_END:
		sb_printf(sb, ",\"kind\":\"%s\"", alert_kind_name(a->scan.kind));
		json_summary(sb, a);
		break;
	case ALERT_PORTSCAN:
	case ALERT_SWEEP:
	case ALERT_FLOOD:
		json_summary(sb, a);
		break;
	case ALERT_OSPROBE:
		json_osprobe(sb, a);
		break;
	case ALERT_DISTRIBUTED:
		json_summary(sb, a);
		sb_printf(sb, ",\"sources\":%u", a->scan.sources);
		break;
	case ALERT_SUPPRESSED:
		json_suppressed(sb, a);	/* no packet, nothing more */
		return;
	case ALERT_CONNECTION:
		json_connection(sb, a);
		break;
	case ALERT_KIND_COUNT:
		break;
	}
	if (a->kind != ALERT_OSPROBE && a->kind != ALERT_CONNECTION &&
	    a->tool[0])
		sb_printf(sb, ",\"tool\":\"%s\"", a->tool);
	if (a->method)
		sb_printf(sb, ",\"method\":\"%s\"", a->method);
	if (a->probes)
		sb_printf(sb, ",\"probes\":%u", a->probes);
}

void alert_format_json(const struct alert *a, const char *sensor, char *buf,
		       size_t len)
{
	struct strbuf sb;

	if (len == 0)
		return;
	sb_init(&sb, buf, len);
	sb_printf(&sb, "{\"event\":\"%s\"", alert_kind_name(a->kind));
	json_ts(&sb, "ts", a->ts_us);
	sb_printf(&sb, ",\"severity\":%u", alert_severity(a));
	if (sensor && sensor[0]) {
		sb_printf(&sb, ",\"sensor\":");
		sb_json_str(&sb, sensor);
	}
	if (a->kind != ALERT_SUPPRESSED) {	/* no packet, no addresses */
		sb_printf(&sb, ",\"proto\":\"%s\"", proto_key(a->proto));
		json_addr(&sb, "src", &a->src);
		json_addr(&sb, "dst", &a->dst);
		/* Names were checked when read (conf_interfaces_add): no
		 * quote or backslash to escape. */
		if (a->iface[0])
			sb_printf(&sb, ",\"interface\":\"%.*s\"",
				  (int)sizeof a->iface, a->iface);
	}
	if (a->kind == ALERT_CONNECTION)
		sb_printf(&sb, ",\"sport\":%u,\"dport\":%u", a->sport,
			  a->dport);
	alert_json_details(&sb, a);
	sb_printf(&sb, "}");
}

/* ---- the router ---------------------------------------------------- */

void alert_router_init(struct alert_router *r, const struct config *cfg)
{
	memset(r, 0, sizeof *r);
	r->cfg = cfg;
	limiter_init(&r->limit);
}

bool alert_router_add(struct alert_router *r, struct sink *s)
{
	if (!s || r->nsinks == ALERT_MAX_SINKS)
		return false;
	r->sinks[r->nsinks++] = s;
	return true;
}

_Static_assert(sizeof(((struct alert *)0)->iface) == IFACE_NAME_MAX,
	       "an alert holds any interface name");

void alert_router_name_iface(struct alert_router *r, uint8_t id,
			     const char *name)
{
	if (id >= 1 && id <= MAX_INTERFACES)
		snprintf(r->iface_names[id - 1], IFACE_NAME_MAX, "%s", name);
}

void alert_set_iface(const struct alert_router *r, struct alert *a,
		     uint8_t id)
{
	if (id >= 1 && id <= MAX_INTERFACES)
		memcpy(a->iface, r->iface_names[id - 1], sizeof a->iface);
	else
		a->iface[0] = '\0';
}

bool alert_is_logged(const struct alert *a, const struct config *cfg)
{
	int proto = a->proto == PROTO_UDP ? CONF_UDP : CONF_TCP;

	switch (a->kind) {
	case ALERT_PORTSCAN:
	case ALERT_SWEEP:
	case ALERT_FLOOD:
	case ALERT_SCAN_END:
		return cfg->proto[proto].log_scans;
	case ALERT_OSPROBE:
		return cfg->log_osfp;
	default:
		return true;
	}
}

/* To the log sinks (all_alerts false) only: those AlertLimit counts. */
static void write_logged(struct alert_router *r, const struct alert *a)
{
	char line[ALERT_LINE_MAX];

	alert_format_line(a, r->cfg, &r->names, line, sizeof line);
	for (size_t i = 0; i < r->nsinks; i++)
		if (!r->sinks[i]->all_alerts)
			r->sinks[i]->emit(r->sinks[i], a, line);
}

/* Close the AlertLimit intervals that have ended by now: each one's
 * summary, then the held alerts it lets through. */
static void limit_advance(struct alert_router *r, uint64_t now, bool finish)
{
	const struct alert_limit *lim = &r->cfg->alert_limit;
	const struct alert *a;
	struct alert summary;

	while (limiter_close(&r->limit, lim->count, lim->seconds, now, finish,
			     &summary)) {
		if (summary.kind == ALERT_SUPPRESSED)
			write_logged(r, &summary);
		while ((a = limiter_release(&r->limit)) != NULL)
			write_logged(r, a);
	}
}

static bool has_log_sink(const struct alert_router *r)
{
	for (size_t i = 0; i < r->nsinks; i++)
		if (!r->sinks[i]->all_alerts)
			return true;
	return false;
}

/* Whether the log sinks get a now: logged, and under the AlertLimit (if
 * not, the limiter holds it).  Sinks that take every alert (email) are
 * not limited here. */
static bool log_now(struct alert_router *r, const struct alert *a)
{
	const struct alert_limit *lim = &r->cfg->alert_limit;

	if (!alert_is_logged(a, r->cfg) || !has_log_sink(r))
		return false;
	limit_advance(r, a->ts_us, false);
	return limiter_admit(&r->limit, a, lim->count, lim->seconds, a->ts_us);
}

static void deliver(struct alert_router *r, const struct alert *a)
{
	char line[ALERT_LINE_MAX];
	bool logged = log_now(r, a);

	alert_format_line(a, r->cfg, &r->names, line, sizeof line);
	for (size_t i = 0; i < r->nsinks; i++)
		if (logged || r->sinks[i]->all_alerts)
			r->sinks[i]->emit(r->sinks[i], a, line);
}

/* Ask for the names this alert will show; true if any is on its way. */
static bool names_pending(struct alert_router *r, const struct alert *a)
{
	const struct alert_names *n = &r->names;
	bool pending = false;

	if (!r->cfg->dns_resolve || !n->host || !n->host_pending)
		return false;
	if (!n->host(n->arg, &a->src))
		pending |= n->host_pending(n->arg, &a->src);
	if (!n->host(n->arg, &a->dst))
		pending |= n->host_pending(n->arg, &a->dst);
	return pending;
}

static void deliver_oldest(struct alert_router *r)
{
	deliver(r, &r->held[r->held_first]);
	r->held_first = (r->held_first + 1) % ALERT_HOLD_MAX;
	r->held_count--;
}

static void hold(struct alert_router *r, const struct alert *a)
{
	size_t slot;

	if (r->held_count == ALERT_HOLD_MAX) {
		r->held_overflow++;
		deliver_oldest(r);
	}
	slot = (r->held_first + r->held_count) % ALERT_HOLD_MAX;
	r->held[slot] = *a;
	r->held_until[slot] = (r->clock_us ? r->clock_us() : 0) + ALERT_HOLD_US;
	r->held_count++;
	r->held_total++;
}

void alert_emit(struct alert_router *r, const struct alert *a)
{
	if ((unsigned)a->kind < ALERT_KIND_COUNT)
		r->count[a->kind]++;
	/* Order is kept: once one alert waits, the ones after it wait too. */
	if (names_pending(r, a) || r->held_count > 0)
		hold(r, a);
	else
		deliver(r, a);
}

size_t alert_router_release(struct alert_router *r, bool force)
{
	uint64_t now = r->clock_us ? r->clock_us() : UINT64_MAX;

	while (r->held_count > 0) {
		const struct alert *a = &r->held[r->held_first];

		if (!force && names_pending(r, a)) {
			if (now < r->held_until[r->held_first])
				break;
			r->held_timeouts++;
		}
		deliver_oldest(r);
	}
	return r->held_count;
}

void alert_router_tick(struct alert_router *r, uint64_t now_us)
{
	limit_advance(r, now_us, false);
}

void alert_router_finish(struct alert_router *r)
{
	alert_router_release(r, true);
	limit_advance(r, 0, true);
}

void alert_router_stats(const struct alert_router *r, stat_fn put, void *arg)
{
	const struct alert_limiter *l = &r->limit;
	char name[64];

	for (int k = 0; k < ALERT_SUPPRESSED; k++) {
		snprintf(name, sizeof name, "alerts.%s",
			 alert_kind_name((enum alert_kind)k));
		put(arg, name, r->count[k]);
	}
	for (int k = 0; k < ALERT_SUPPRESSED; k++) {
		snprintf(name, sizeof name, "alerts.held_back.%s",
			 alert_kind_name((enum alert_kind)k));
		put(arg, name, l->held_back[k]);
	}
	put(arg, "alerts.limit.summaries", l->summaries);
	put(arg, "alerts.limit.delayed", l->delayed);
	put(arg, "alerts.limit.pool_full", l->pool_full);
	for (size_t i = 0; i < r->nsinks; i++)
		if (r->sinks[i]->stats)
			r->sinks[i]->stats(r->sinks[i], put, arg);
}

void alert_router_flush(struct alert_router *r)
{
	for (size_t i = 0; i < r->nsinks; i++)
		if (r->sinks[i]->flush)
			r->sinks[i]->flush(r->sinks[i]);
}

void alert_router_close(struct alert_router *r)
{
	for (size_t i = 0; i < r->nsinks; i++)
		r->sinks[i]->close(r->sinks[i]);
	r->nsinks = 0;
}
