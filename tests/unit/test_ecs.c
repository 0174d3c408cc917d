/*
 * test_ecs.c - JsonFormat ecs (alert_ecs.c) and the JSON string escaper
 * (strbuf.c): one whole document to the byte, then the parts that real
 * captures never reach: an interface name, ICMP over IPv6, hostile text
 * in the message, and the longest document there can be.
 *
 * "test_ecs --dump" prints those edge-case documents, one per line, for
 * tests/ecs/t_ecs.sh to check with a real JSON parser against the ECS
 * field reference.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "decode.h"
#include "params.h"
#include "strbuf.h"
#include "unit.h"

static const struct ecs_observer observer = { "sensor1", "2.0.0" };

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	addr_parse(s, &a);
	return a;
}

static struct alert connection(void)
{
	struct alert a;

	memset(&a, 0, sizeof a);
	a.kind = ALERT_CONNECTION;
	a.ts_us = 1700000000123456ULL;
	a.proto = PROTO_TCP;
	a.src = ip("203.0.113.9");
	a.dst = ip("198.51.100.10");
	a.sport = 40001;
	a.dport = 21;
	return a;
}

static struct alert scan(enum alert_kind kind, enum alert_kind of)
{
	struct alert a = connection();

	a.kind = kind;
	a.scan.kind = of;
	a.scan.count = 40;
	a.scan.first_port = 1;
	a.scan.last_port = 40;
	a.scan.first_ts = 1700000000000000ULL;
	a.scan.last_ts = 1700000000039000ULL;
	a.scan.syn = 40;
	a.scan.port = 80;
	a.method = "trw";
	return a;
}

static struct alert osprobe_v6_icmp(void)
{
	struct alert a = connection();

	a.kind = ALERT_OSPROBE;
	a.proto = PROTO_ICMP;		/* as detect_osfp.c says xprobe2's */
	a.src = ip("2001:db8::20");
	a.dst = ip("2001:db8::10");
	snprintf(a.tool, sizeof a.tool, "xprobe2");
	a.packets = 3;
	a.patterns = OSFP_ICMP_ECHO | OSFP_ICMP_TSTAMP | OSFP_ICMP_AMASK;
	a.scan.first_ts = 1700000000000000ULL;
	return a;
}

static const char *ecs(const struct alert *a, const char *line)
{
	static char buf[ECS_JSON_MAX];

	if (!alert_format_ecs(a, line, &observer, buf, sizeof buf))
		return "(did not fit)";
	return buf;
}

TEST(connection_document)
{
	struct alert a = connection();

	snprintf(a.iface, sizeof a.iface, "eth0");
	a.outcome = CONN_REFUSED;
	a.scan.first_ts = a.ts_us - 1000;	/* the SYN, 1 ms before */
	CHECK_STR(ecs(&a, "port 21 connection attempt from 203.0.113.9: refused"),
		  "{\"@timestamp\":\"2023-11-14T22:13:20.123456Z\","
		  "\"ecs\":{\"version\":\"9.4.0\"},"
		  "\"event\":{\"kind\":\"event\",\"category\":[\"network\"],"
		  "\"type\":[\"connection\",\"start\"],\"action\":\"connection\","
		  "\"module\":\"scandetd\",\"dataset\":\"scandetd.events\","
		  "\"severity\":1,\"outcome\":\"failure\","
		  "\"start\":\"2023-11-14T22:13:20.122456Z\","
		  "\"end\":\"2023-11-14T22:13:20.123456Z\",\"duration\":1000000},"
		  "\"source\":{\"ip\":\"203.0.113.9\",\"port\":40001},"
		  "\"destination\":{\"ip\":\"198.51.100.10\",\"port\":21},"
		  "\"network\":{\"type\":\"ipv4\",\"transport\":\"tcp\","
		  "\"iana_number\":\"6\"},"
		  "\"related\":{\"ip\":[\"203.0.113.9\",\"198.51.100.10\"]},"
		  "\"observer\":{\"product\":\"scandetd\",\"vendor\":\"scandetd\","
		  "\"type\":\"ids\",\"hostname\":\"sensor1\",\"version\":\"2.0.0\","
		  "\"ingress\":{\"interface\":{\"name\":\"eth0\"}}},"
		  "\"rule\":{\"name\":\"Connection attempt\"},"
		  "\"message\":\"port 21 connection attempt from 203.0.113.9: "
		  "refused\",\"scandetd\":{\"outcome\":\"refused\","
		  "\"first_ts\":\"2023-11-14T22:13:20.122456Z\"}}");
	/* event.outcome: success for a completed handshake */
	a.outcome = CONN_COMPLETED;
	CHECK(strstr(ecs(&a, "x"), "\"outcome\":\"success\"") != NULL);
}

TEST(interface_only_when_known)
{
	struct alert a = connection();

	CHECK(strstr(ecs(&a, "x"), "ingress") == NULL);	/* -r: unknown */
	/* IFNAMSIZ bytes and no NUL: all 16 kept, nothing read past them */
	memcpy(a.iface, "abcdefghijklmnop", sizeof a.iface);
	CHECK(strstr(ecs(&a, "x"), "{\"name\":\"abcdefghijklmnop\"}") != NULL);
}

TEST(scan_kinds_ports_and_techniques)
{
	struct alert a;
	const char *doc;

	a = scan(ALERT_PORTSCAN, ALERT_PORTSCAN);
	doc = ecs(&a, "x");
	CHECK(strstr(doc, "\"destination\":{\"ip\":\"198.51.100.10\"}") != NULL);
	CHECK(strstr(doc, "\"technique\":{\"id\":[\"T1046\"]") != NULL);
	CHECK(strstr(doc, "\"tactic\":{\"id\":[\"TA0007\"]") != NULL);
	CHECK(strstr(doc, "\"start\":\"2023-11-14T22:13:20.000000Z\"}") != NULL);
	CHECK(strstr(doc, "\"rule\":{\"name\":\"Port scan\"}") != NULL);
	a = scan(ALERT_SWEEP, ALERT_SWEEP);
	doc = ecs(&a, "x");
	CHECK(strstr(doc, "\"ip\":\"198.51.100.10\",\"port\":80}") != NULL);
	CHECK(strstr(doc, "[\"T1046\"]") != NULL);
	a = scan(ALERT_FLOOD, ALERT_FLOOD);
	doc = ecs(&a, "x");
	CHECK(strstr(doc, "\"port\":80}") != NULL);
	CHECK(strstr(doc, "[\"T1499\"]") != NULL);
	CHECK(strstr(doc, "[\"TA0040\"]") != NULL);
	/* a summary keeps its scan's rule and technique, with the span */
	a = scan(ALERT_SCAN_END, ALERT_FLOOD);
	doc = ecs(&a, "x");
	CHECK(strstr(doc, "\"action\":\"scan_end\"") != NULL);
	CHECK(strstr(doc, "\"rule\":{\"name\":\"Port flood\"}") != NULL);
	CHECK(strstr(doc, "[\"T1499\"]") != NULL);
	CHECK(strstr(doc, "\"port\":80}") != NULL);
	CHECK(strstr(doc, "\"end\":\"2023-11-14T22:13:20.039000Z\","
			  "\"duration\":39000000}") != NULL);
	CHECK(strstr(doc, "\"scandetd\":{\"kind\":\"flood\",\"count\":40,")
	      != NULL);
	a = scan(ALERT_SCAN_END, ALERT_PORTSCAN);
	CHECK(strstr(ecs(&a, "x"), "\"port\"") == NULL);
}

TEST(osprobe_over_ipv6_icmp)
{
	struct alert a = osprobe_v6_icmp();
	const char *doc = ecs(&a, "Possible xprobe2 OS probe from 2001:db8::20");

	CHECK(strstr(doc, "\"network\":{\"type\":\"ipv6\",\"transport\":"
			  "\"ipv6-icmp\",\"iana_number\":\"58\"}") != NULL);
	/* The target is named, with no port. */
	CHECK(strstr(doc, "\"destination\":{\"ip\":\"2001:db8::10\"}") != NULL);
	CHECK(strstr(doc, "\"related\":{\"ip\":[\"2001:db8::20\","
			  "\"2001:db8::10\"]}") != NULL);
	CHECK(strstr(doc, "\"severity\":7") != NULL);
	CHECK(strstr(doc, "\"technique\":{\"id\":[\"T1592\"],\"name\":"
			  "[\"Gather Victim Host Information\"]") != NULL);
	CHECK(strstr(doc, "\"scandetd\":{\"tool\":\"xprobe2\",\"packets\":3,"
			  "\"flags\":[\"icmp-echo\",\"icmp-timestamp\","
			  "\"icmp-addrmask\"]") != NULL);
	a.src = ip("192.0.2.7");
	CHECK(strstr(ecs(&a, "x"), "\"transport\":\"icmp\",\"iana_number\":"
				   "\"1\"") != NULL);
}

TEST(suppressed_has_no_network)
{
	struct alert a;
	const char *doc;

	memset(&a, 0, sizeof a);
	a.kind = ALERT_SUPPRESSED;
	a.ts_us = 1700000060000000ULL;
	a.held_back.start_us = 1700000000000000ULL;
	a.held_back.end_us = 1700000060000000ULL;
	a.held_back.limit = 120;
	a.held_back.seconds = 60;
	a.held_back.total = 3;
	a.held_back.kind[ALERT_PORTSCAN] = 3;
	a.held_back.sources = 3;
	doc = ecs(&a, "Held back 3 alerts");
	CHECK(strstr(doc, "\"kind\":\"event\",\"category\":"
			  "[\"intrusion_detection\"]") != NULL);
	CHECK(strstr(doc, "\"duration\":60000000000}") != NULL);
	CHECK(strstr(doc, "\"source\"") == NULL);
	CHECK(strstr(doc, "\"network\"") == NULL);
	CHECK(strstr(doc, "\"threat\"") == NULL);
	CHECK(strstr(doc, "\"kinds\":{\"portscan\":3}") != NULL);
}

/* Quotes, backslashes and control characters escaped; valid UTF-8 kept;
 * an invalid byte, a lone continuation, an overlong form and a surrogate
 * become U+FFFD. */
TEST(json_strings)
{
	char buf[256];
	struct strbuf sb;

	sb_init(&sb, buf, sizeof buf);
	sb_json_str(&sb, "a\"b\\c\nd\te\r\x01\x1f\x7f");
	CHECK_STR(buf, "\"a\\\"b\\\\c\\nd\\te\\r\\u0001\\u001f\x7f\"");
	sb_init(&sb, buf, sizeof buf);
	sb_json_str(&sb, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	CHECK_STR(buf, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	sb_init(&sb, buf, sizeof buf);
	sb_json_str(&sb, "\xff|\x80|\xc0\xaf|\xed\xa0\x80|\xc3");
	CHECK_STR(buf, "\"\\ufffd|\\ufffd|\\ufffd\\ufffd|"
		       "\\ufffd\\ufffd\\ufffd|\\ufffd\"");
	CHECK(sb_fits(&sb));
	/* cut, and said so */
	sb_init(&sb, buf, 8);
	sb_json_str(&sb, "0123456789");
	CHECK(!sb_fits(&sb));
	CHECK_INT(strlen(buf), 7);
}

static void fill(char *s, size_t n, char c)
{
	memset(s, c, n - 1);
	s[n - 1] = '\0';
}

/* Every field at its longest: the largest numbers, a 23-character tool,
 * the escaped message and host name at their worst (six bytes each). */
static void longest(struct alert *a, struct ecs_observer *o, char *line)
{
	memset(a, 0xff, sizeof *a);
	a->kind = ALERT_SCAN_END;
	a->scan.kind = ALERT_SWEEP;
	a->proto = PROTO_UDP;
	a->src = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	a->dst = ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	a->scan.dst_multiple = true;
	a->scan.scan_type = SCAN_NULL;
	a->scan.first_ts = 253402300799999999ULL;	/* 9999-12-31 */
	a->scan.last_ts = a->scan.first_ts;
	a->ts_us = a->scan.first_ts;
	a->method = "signature";
	fill(a->tool, sizeof a->tool, 'T');
	memset(o, 0, sizeof *o);
	fill(o->hostname, sizeof o->hostname, '\x01');
	fill(o->version, sizeof o->version, '9');
	fill(line, ALERT_LINE_MAX, '\x01');
}

TEST(longest_document_fits)
{
	static char buf[ECS_JSON_MAX];
	char line[ALERT_LINE_MAX];
	struct ecs_observer o;
	struct alert a;
	size_t n;

	longest(&a, &o, line);
	CHECK(alert_format_ecs(&a, line, &o, buf, sizeof buf));
	n = strlen(buf);
	CHECK(buf[n - 1] == '}');
	/* one byte less than it needs: refused, not cut */
	CHECK(!alert_format_ecs(&a, line, &o, buf, n));
	CHECK(alert_format_ecs(&a, line, &o, buf, n + 1));
	a.kind = ALERT_SUPPRESSED;
	a.held_back.sources_at_least = true;
	CHECK(alert_format_ecs(&a, line, &o, buf, sizeof buf));
	a.kind = ALERT_OSPROBE;
	a.patterns = 0xffff;
	CHECK(alert_format_ecs(&a, line, &o, buf, sizeof buf));
	a.kind = ALERT_KIND_COUNT;		/* not an alert: nothing */
	CHECK(!alert_format_ecs(&a, line, &o, buf, sizeof buf));
}

TEST(observer_from_the_host)
{
	struct ecs_observer o;
	char name[HOSTNAME_MAX] = "";

	ecs_observer_init(&o, "2.0.0");
	CHECK(gethostname(name, sizeof name - 1) == 0);
	CHECK_STR(o.hostname, name);
	CHECK_STR(o.version, "2.0.0");
}

/* The edge cases above as documents, one per line (see the top). */
static int dump(void)
{
	static char buf[ECS_JSON_MAX];
	char line[ALERT_LINE_MAX];
	struct ecs_observer o;
	struct alert a;

	a = connection();
	snprintf(a.iface, sizeof a.iface, "eth0");
	puts(ecs(&a, "quote \" backslash \\ tab \t del \x7f bad \xff "
		     "UTF-8 caf\xc3\xa9"));
	a = osprobe_v6_icmp();
	puts(ecs(&a, "Possible xprobe2 OS probe from 2001:db8::20"));
	longest(&a, &o, line);
	if (!alert_format_ecs(&a, line, &o, buf, sizeof buf))
		return 1;
	puts(buf);
	a.kind = ALERT_OSPROBE;
	a.patterns = 0xffff;
	if (!alert_format_ecs(&a, line, &o, buf, sizeof buf))
		return 1;
	puts(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--dump") == 0)
		return dump();
	RUN(connection_document);
	RUN(interface_only_when_known);
	RUN(scan_kinds_ports_and_techniques);
	RUN(osprobe_over_ipv6_icmp);
	RUN(suppressed_has_no_network);
	RUN(json_strings);
	RUN(longest_document_fits);
	RUN(observer_from_the_host);
	return unit_report(__FILE__);
}
