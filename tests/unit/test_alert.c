/*
 * test_alert.c - the exact text of every log line (SPEC's formats) and
 * of every JSON event.
 */
#include <stdarg.h>
#include <string.h>

#include "alert.h"
#include "conf.h"
#include "decode.h"
#include "params.h"
#include "unit.h"

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	addr_parse(s, &a);
	return a;
}

static struct alert connection(uint8_t proto)
{
	struct alert a;

	memset(&a, 0, sizeof a);
	a.kind = ALERT_CONNECTION;
	a.ts_us = 1700000000123456ULL;
	a.proto = proto;
	a.src = ip("203.0.113.9");
	a.dst = ip("198.51.100.10");
	a.sport = 40001;
	a.dport = proto == PROTO_TCP ? 21 : 53;
	a.outcome = proto == PROTO_TCP ? CONN_REFUSED : CONN_ANSWERED;
	return a;
}

static const char *fake_host(void *arg, const struct ipaddr *a)
{
	(void)arg;
	return addr_is_v4(a) && a->b[15] == 9 ? "host.example" : NULL;
}

static const char *fake_service(void *arg, uint16_t port, uint8_t proto)
{
	(void)arg;
	if (port == 21 && proto == PROTO_TCP)
		return "ftp";
	if (port == 53)
		return "domain";
	return NULL;
}

static const struct alert_names names = {
	.host = fake_host, .service = fake_service,
};

static const char *line(const struct alert *a, const char *conf_text)
{
	static char buf[ALERT_LINE_MAX];
	struct config cfg;

	if (!conf_load_string("t", conf_text, &cfg, buf, sizeof buf))
		return buf;
	alert_format_line(a, &cfg, &names, buf, sizeof buf);
	conf_free(&cfg);
	return buf;
}

TEST(connection_lines_as_in_spec)
{
	struct alert t = connection(PROTO_TCP), u = connection(PROTO_UDP);

	/* The SPEC's words, then the outcome. */
	CHECK_STR(line(&t, ""),
		  "port 21 connection attempt from 203.0.113.9: refused");
	CHECK_STR(line(&u, ""),
		  "UDP port 53 connection attempt from 203.0.113.9: answered");
	CHECK_STR(line(&t, "DNSResolve yes\n"),
		  "port 21 connection attempt from host.example (203.0.113.9): "
		  "refused");
	CHECK_STR(line(&t, "PortResolve yes\n"),
		  "ftp connection attempt from 203.0.113.9: refused");
	CHECK_STR(line(&t, "LogDetails yes\n"),
		  "TCP 203.0.113.9(40001) -> 198.51.100.10(21): refused");
	CHECK_STR(line(&u, "LogDetails yes\nPortResolve yes\n"),
		  "UDP 203.0.113.9(40001) -> 198.51.100.10(domain): answered");
	t.outcome = CONN_COMPLETED;
	CHECK_STR(line(&t, ""),
		  "port 21 connection attempt from 203.0.113.9: completed");
	t.outcome = CONN_NO_ANSWER;
	CHECK_STR(line(&t, ""),
		  "port 21 connection attempt from 203.0.113.9: no answer");
	t.outcome = CONN_HALF_OPEN;
	CHECK_STR(line(&t, ""), "port 21 connection attempt from 203.0.113.9: "
		  "answered, never completed");
}

TEST(unknown_service_falls_back_to_number)
{
	struct alert t = connection(PROTO_TCP);

	t.dport = 4444;
	CHECK_STR(line(&t, "PortResolve yes\n"),
		  "port 4444 connection attempt from 203.0.113.9: refused");
}

static struct alert scan(enum alert_kind kind, uint8_t proto, bool others)
{
	struct alert a = connection(proto);

	a.kind = kind;
	a.scan.kind = kind == ALERT_SCAN_END ? ALERT_PORTSCAN : kind;
	a.scan.count = 40;
	a.scan.dst_multiple = others;
	a.scan.first_port = 1;
	a.scan.last_port = 40;
	a.scan.first_ts = 1700000000000000ULL;
	a.scan.last_ts = 1700000000039000ULL;
	a.scan.scan_type = proto == PROTO_UDP ? SCAN_UDP : SCAN_SYN;
	a.scan.syn = proto == PROTO_UDP ? 0 : 40;
	a.scan.port = 80;
	a.method = "classic";
	return a;
}

TEST(scan_lines_as_in_spec)
{
	struct alert a;

	a = scan(ALERT_PORTSCAN, PROTO_TCP, false);
	CHECK_STR(line(&a, ""),
		  "Possible port scan from 203.0.113.9 to 198.51.100.10");
	a = scan(ALERT_PORTSCAN, PROTO_UDP, false);
	CHECK_STR(line(&a, ""),
		  "Possible UDP port scan from 203.0.113.9 to 198.51.100.10");
	a = scan(ALERT_FLOOD, PROTO_TCP, false);
	CHECK_STR(line(&a, ""),
		  "Possible port flood from 203.0.113.9 to 198.51.100.10");
	a = scan(ALERT_PORTSCAN, PROTO_TCP, true);
	CHECK_STR(line(&a, ""), "Possible port scan from 203.0.113.9 to "
				"198.51.100.10 (and others)");
	a = scan(ALERT_SWEEP, PROTO_TCP, true);
	CHECK_STR(line(&a, ""), "Possible port sweep from 203.0.113.9 to "
				"198.51.100.10 (and others)");
}

TEST(scan_end_line)
{
	struct alert a = scan(ALERT_SCAN_END, PROTO_TCP, false);

	a.scan.ports = 40;
	a.scan.hosts = 1;
	CHECK_STR(line(&a, ""),
		  "End of port scan from 203.0.113.9 to 198.51.100.10: 40 probes, "
		  "first port 1 at 2023-11-14T22:13:20.000000Z, last port 40 at "
		  "2023-11-14T22:13:20.039000Z, SYN scan (40 SYN flags, 0 FIN flags); "
		  "40 ports, 1 host, 0 open; severity 5");
	/* Open ports listed up to SCAN_OPEN_IN_LINE; the tool last. */
	a.scan.open = a.open.n = SCAN_OPEN_IN_LINE + 1;
	for (int i = 0; i < SCAN_OPEN_IN_LINE + 1; i++)
		a.open.port[i] = (uint16_t)(20 + i);
	a.scan.ports = 1000;
	snprintf(a.tool, sizeof a.tool, "nmap");
	CHECK(strstr(line(&a, ""), "; 1000 ports, 1 host, 9 open (20, 21, 22, "
		      "23, 24, 25, 26, 27, ...); severity 8 (nmap)") != NULL);
}

/* Severity: the scale of scandetd(8), OUTPUT. */
TEST(severity_scale)
{
	struct alert a = connection(PROTO_TCP);

	CHECK_INT(alert_severity(&a), 1);
	a = scan(ALERT_FLOOD, PROTO_TCP, false);
	CHECK_INT(alert_severity(&a), 3);
	a = scan(ALERT_PORTSCAN, PROTO_TCP, false);
	a.scan.ports = 5;
	CHECK_INT(alert_severity(&a), 4);
	a.scan.ports = SEVERITY_WIDE;
	CHECK_INT(alert_severity(&a), 5);
	a.scan.ports = SEVERITY_VERY_WIDE;
	CHECK_INT(alert_severity(&a), 6);
	a.scan.open = 1;
	CHECK_INT(alert_severity(&a), 7);
	snprintf(a.tool, sizeof a.tool, "nmap");
	CHECK_INT(alert_severity(&a), 8);
	/* A sweep by its hosts, not its one port. */
	a = scan(ALERT_SWEEP, PROTO_TCP, true);
	a.scan.ports = 1;
	a.scan.hosts = SEVERITY_VERY_WIDE;
	CHECK_INT(alert_severity(&a), 6);
	/* A summary on its final counts, as the kind it summarises. */
	a.kind = ALERT_SCAN_END;
	CHECK_INT(alert_severity(&a), 6);
	a.kind = ALERT_OSPROBE;
	CHECK_INT(alert_severity(&a), 7);
}

TEST(osprobe_line_and_json)
{
	struct alert a;
	char buf[1024];

	memset(&a, 0, sizeof a);
	a.kind = ALERT_OSPROBE;
	a.ts_us = 1700000000000001ULL;
	a.proto = PROTO_TCP;
	a.src = ip("2001:db8::20");
	snprintf(a.tool, sizeof a.tool, "nmap");
	a.packets = 7;
	a.patterns = OSFP_SX | OSFP_NULL | OSFP_FPU;
	a.scan.first_ts = 1700000000000000ULL;
	a.method = "classic";
	a.dst = ip("2001:db8::10");
	CHECK_STR(line(&a, ""),
		  "Possible nmap OS probe from 2001:db8::20 to 2001:db8::10");
	alert_format_json(&a, NULL, buf, sizeof buf);
	CHECK_STR(buf, "{\"event\":\"osprobe\",\"ts\":\"2023-11-14T22:13:20.000001Z\","
		       "\"severity\":7,\"proto\":\"tcp\",\"src\":\"2001:db8::20\","
		       "\"dst\":\"2001:db8::10\",\"tool\":\"nmap\","
		       "\"packets\":7,\"flags\":[\"sx\",\"null\",\"fpu\"],"
		       "\"first_ts\":\"2023-11-14T22:13:20.000000Z\","
		       "\"method\":\"classic\"}");
}

TEST(json_events)
{
	struct alert a;
	char buf[1024];

	a = connection(PROTO_UDP);
	a.scan.first_ts = 1700000000000000ULL;
	a.retransmits = 2;
	alert_format_json(&a, "sensor-1", buf, sizeof buf);
	CHECK_STR(buf, "{\"event\":\"connection\",\"ts\":\"2023-11-14T22:13:20.123456Z\","
		       "\"severity\":1,\"sensor\":\"sensor-1\","
		       "\"proto\":\"udp\",\"src\":\"203.0.113.9\",\"dst\":\"198.51.100.10\","
		       "\"sport\":40001,\"dport\":53,\"outcome\":\"answered\","
		       "\"first_ts\":\"2023-11-14T22:13:20.000000Z\",\"retransmits\":2}");
	a = scan(ALERT_PORTSCAN, PROTO_TCP, true);
	a.scan.ports = 40;
	a.scan.hosts = 2;
	a.scan.answered = a.scan.open = a.open.n = 2;
	a.open.port[0] = 22;
	a.open.port[1] = 80;
	alert_format_json(&a, NULL, buf, sizeof buf);
	CHECK_STR(buf, "{\"event\":\"portscan\",\"ts\":\"2023-11-14T22:13:20.123456Z\","
		       "\"severity\":6,"
		       "\"proto\":\"tcp\",\"src\":\"203.0.113.9\",\"dst\":\"198.51.100.10\","
		       "\"count\":40,\"dst_multiple\":true,\"first_port\":1,"
		       "\"first_ts\":\"2023-11-14T22:13:20.000000Z\",\"last_port\":40,"
		       "\"last_ts\":\"2023-11-14T22:13:20.039000Z\",\"scan_type\":\"SYN\","
		       "\"syn\":40,\"fin\":0,\"ports\":40,\"hosts\":2,\"answered\":2,"
		       "\"open\":2,\"open_ports\":[22,80],\"method\":\"classic\"}");
	/* A sensor's name is a JSON string, escaped. */
	alert_format_json(&a, "a\"b", buf, sizeof buf);
	CHECK(strstr(buf, "\"sensor\":\"a\\\"b\"") != NULL);
	a = scan(ALERT_SCAN_END, PROTO_TCP, false);
	alert_format_json(&a, NULL, buf, sizeof buf);
	CHECK(strstr(buf, "\"event\":\"scan_end\"") != NULL);
	CHECK(strstr(buf, "\"kind\":\"portscan\"") != NULL);
	a = scan(ALERT_FLOOD, PROTO_TCP, false);
	alert_format_json(&a, NULL, buf, sizeof buf);
	CHECK(strstr(buf, "\"event\":\"flood\"") != NULL);
	CHECK(strstr(buf, "\"port\":80") != NULL);
}

/* The interface the packets came from: after the addresses, when known;
 * the text lines never show it. */
TEST(json_interface)
{
	struct alert_router r;
	struct config cfg;
	struct alert a;
	char buf[1024];

	conf_defaults(&cfg);
	alert_router_init(&r, &cfg);
	alert_router_name_iface(&r, 1, "eth0");
	alert_router_name_iface(&r, MAX_INTERFACES, "br-lan.100");
	alert_router_name_iface(&r, 0, "nothing");		/* ignored */
	alert_router_name_iface(&r, MAX_INTERFACES + 1, "nothing");
	a = connection(PROTO_TCP);
	alert_set_iface(&r, &a, 1);
	CHECK_STR(a.iface, "eth0");
	alert_format_json(&a, NULL, buf, sizeof buf);
	CHECK_STR(buf, "{\"event\":\"connection\",\"ts\":\"2023-11-14T22:13:20.123456Z\","
		       "\"severity\":1,"
		       "\"proto\":\"tcp\",\"src\":\"203.0.113.9\",\"dst\":\"198.51.100.10\","
		       "\"interface\":\"eth0\",\"sport\":40001,\"dport\":21,"
		       "\"outcome\":\"refused\"}");
	CHECK_STR(line(&a, ""),
		  "port 21 connection attempt from 203.0.113.9: refused");
	a = scan(ALERT_SCAN_END, PROTO_TCP, false);
	alert_set_iface(&r, &a, MAX_INTERFACES);
	alert_format_json(&a, NULL, buf, sizeof buf);
	CHECK(strstr(buf, "\"dst\":\"198.51.100.10\",\"interface\":\"br-lan.100\","
		      "\"kind\":\"portscan\"") != NULL);
	/* Unknown: 0 (a file, "any"), a number never named, out of range. */
	alert_set_iface(&r, &a, 0);
	CHECK_STR(a.iface, "");
	alert_format_json(&a, NULL, buf, sizeof buf);
	CHECK(strstr(buf, "interface") == NULL);
	alert_set_iface(&r, &a, 2);
	CHECK_STR(a.iface, "");
	alert_set_iface(&r, &a, MAX_INTERFACES + 1);
	CHECK_STR(a.iface, "");
	CHECK_STR(r.iface_names[0], "eth0");
	conf_free(&cfg);
}

TEST(ipv6_text_is_rfc5952)
{
	struct alert a = connection(PROTO_TCP);

	a.src = ip("2001:0db8:0000:0000:0000:0000:0000:0001");
	CHECK_STR(line(&a, ""),
		  "port 21 connection attempt from 2001:db8::1: refused");
}

TEST(lines_are_bounded)
{
	struct alert a = scan(ALERT_SCAN_END, PROTO_TCP, true);
	char small[16];

	alert_format_line(&a, NULL, NULL, small, 0);
	{
		struct config cfg;
		char err[64];

		conf_load_string("t", "", &cfg, err, sizeof err);
		alert_format_line(&a, &cfg, NULL, small, sizeof small);
		conf_free(&cfg);
	}
	CHECK_INT(strlen(small), sizeof small - 1);
	CHECK_STR(small, "End of port sca");
}

/* ---- AlertLimit ---------------------------------------------------------- */

#define T0 1700000000000000ULL	/* 2023-11-14T22:13:20Z */
#define SEC 1000000ULL
#define SEEN_MAX 4096

/* A sink that keeps what it is given: lines, kinds, sources, JSON. */
struct seen {
	struct sink sink;
	int n;
	int kind[ALERT_KIND_COUNT];
	char lines[SEEN_MAX][ALERT_LINE_MAX];
	struct alert alerts[SEEN_MAX];
};

static void seen_emit(struct sink *s, const struct alert *a, const char *l)
{
	struct seen *r = s->ctx;

	if (r->n < SEEN_MAX) {
		snprintf(r->lines[r->n], sizeof r->lines[0], "%s", l);
		r->alerts[r->n] = *a;
	}
	r->n++;
	r->kind[a->kind]++;
}

static void seen_close(struct sink *s)
{
	(void)s;
}

/* Big: not on the stack. */
static struct alert_router lr;

static char *fmt_line(const char *format, ...)
	__attribute__((format(printf, 1, 2)));

static char *fmt_line(const char *format, ...)
{
	static char buf[ALERT_LINE_MAX];
	va_list ap;

	va_start(ap, format);
	vsnprintf(buf, sizeof buf, format, ap);
	va_end(ap);
	return buf;
}
static struct seen logsink, mailsink;
static struct config lcfg;

/* A router with a log sink and a sink that takes every alert (as email
 * does), under the configuration text. */
static void limit_setup(const char *conf_text)
{
	char err[256];

	conf_free(&lcfg);
	if (!conf_load_string("t", conf_text, &lcfg, err, sizeof err)) {
		printf("config: %s\n", err);
		return;
	}
	alert_router_init(&lr, &lcfg);
	memset(&logsink, 0, sizeof logsink);
	memset(&mailsink, 0, sizeof mailsink);
	logsink.sink.ctx = &logsink;
	logsink.sink.emit = seen_emit;
	logsink.sink.close = seen_close;
	mailsink.sink = logsink.sink;
	mailsink.sink.ctx = &mailsink;
	mailsink.sink.all_alerts = true;
	alert_router_add(&lr, &logsink.sink);
	alert_router_add(&lr, &mailsink.sink);
}

/* Source 10.N/16-style addresses from a number. */
static struct ipaddr source(unsigned n)
{
	struct ipaddr a;
	uint8_t v4[4] = { 10, (uint8_t)(n >> 16), (uint8_t)(n >> 8),
			  (uint8_t)n };

	addr_from_v4(&a, v4);
	return a;
}

static bool from(const struct alert *a, unsigned n)
{
	struct ipaddr src = source(n);

	return addr_equal(&a->src, &src);
}

/* A spoofed-looking four-probe port scan from source n at ts. */
static struct alert four_probe(unsigned n, uint64_t ts)
{
	struct alert a = scan(ALERT_PORTSCAN, PROTO_TCP, false);

	a.ts_us = ts;
	a.src = source(n);
	a.scan.count = 4;
	a.probes = 4;
	a.method = "trw";
	return a;
}

static const char *find_line(const struct seen *r, const char *prefix)
{
	for (int i = 0; i < r->n && i < SEEN_MAX; i++)
		if (strncmp(r->lines[i], prefix, strlen(prefix)) == 0)
			return r->lines[i];
	return NULL;
}

static int count_lines(const struct seen *r, const char *prefix)
{
	int n = 0;

	for (int i = 0; i < r->n && i < SEEN_MAX; i++)
		n += strncmp(r->lines[i], prefix, strlen(prefix)) == 0;
	return n;
}

static uint64_t stat_value;
static const char *stat_wanted;

static void find_stat(void *arg, const char *name, uint64_t value)
{
	(void)arg;
	if (strcmp(name, stat_wanted) == 0)
		stat_value = value;
}

static uint64_t stat(const char *name)
{
	stat_wanted = name;
	stat_value = UINT64_MAX;
	alert_router_stats(&lr, find_stat, NULL);
	return stat_value;
}

TEST(limit_under_budget_everything_passes)
{
	struct alert a;

	limit_setup("AlertLimit 10 60\n");
	for (unsigned i = 0; i < 10; i++) {
		a = four_probe(i, T0 + i * SEC);
		alert_emit(&lr, &a);
	}
	alert_router_tick(&lr, T0 + 120 * SEC);
	alert_router_finish(&lr);
	CHECK_INT(logsink.n, 10);
	CHECK_INT(logsink.kind[ALERT_PORTSCAN], 10);
	CHECK_INT(logsink.kind[ALERT_SUPPRESSED], 0);
	CHECK_INT(mailsink.n, 10);
	CHECK_INT(stat("alerts.portscan"), 10);
	CHECK_INT(stat("alerts.held_back.portscan"), 0);
	CHECK_INT(stat("alerts.limit.summaries"), 0);
	/* A new interval begins with the next alert: ten more pass. */
	for (unsigned i = 0; i < 10; i++) {
		a = four_probe(100 + i, T0 + 200 * SEC);
		alert_emit(&lr, &a);
	}
	CHECK_INT(logsink.n, 20);
}

/* 5 per 10 s; in the first interval 20 four-probe scans from 15 sources
 * (5 send two) and 3 scan_ends: 5 written, 18 held; at the end 5 held
 * ones follow, 13 are held back for good. */
TEST(limit_over_budget_one_summary_with_exact_counts)
{
	struct alert a;
	char json[1024];
	const char *sum;

	limit_setup("AlertLimit 5 10\n");
	for (unsigned i = 0; i < 20; i++) {
		a = four_probe(i % 15, T0 + i * 100000);
		alert_emit(&lr, &a);
	}
	for (unsigned i = 0; i < 3; i++) {
		a = scan(ALERT_SCAN_END, PROTO_TCP, false);
		a.ts_us = T0 + 3 * SEC;
		a.src = source(500 + i);
		a.scan.count = 4;
		alert_emit(&lr, &a);
	}
	CHECK_INT(logsink.n, 5);
	CHECK_INT(mailsink.n, 23);	/* every alert, at once */
	/* Nothing more until the interval ends (packet time). */
	alert_router_tick(&lr, T0 + 10 * SEC - 1);
	CHECK_INT(logsink.n, 5);
	alert_router_tick(&lr, T0 + 10 * SEC);
	CHECK_INT(logsink.n, 5 + 1 + 5);
	CHECK_INT(logsink.kind[ALERT_SUPPRESSED], 1);
	CHECK_INT(logsink.alerts[5].kind, ALERT_SUPPRESSED);
	sum = logsink.lines[5];
	/* Held back: 15 portscans, the 3 scan_ends rank above four-probe
	 * scans and are among the 5 that follow, as are the 2 latest
	 * portscans (later is stronger among equals). */
	CHECK_STR(sum, "Held back 13 alerts (13 portscan) from 13 sources in "
		       "the 10 s to 2023-11-14T22:13:30.000000Z (AlertLimit 5 "
		       "10); 5 held alerts follow, strongest first; totals in "
		       "the statistics");
	alert_format_json(&logsink.alerts[5], NULL, json, sizeof json);
	CHECK_STR(json, "{\"event\":\"suppressed\","
		  "\"ts\":\"2023-11-14T22:13:30.000000Z\",\"severity\":2,"
		  "\"interval_start\":\"2023-11-14T22:13:20.000000Z\","
		  "\"interval_end\":\"2023-11-14T22:13:30.000000Z\","
		  "\"limit\":5,\"seconds\":10,\"held_back\":13,"
		  "\"kinds\":{\"portscan\":13},\"sources\":13,"
		  "\"sources_at_least\":false,\"follow\":5}");
	for (int i = 6; i < 9; i++)
		CHECK_INT(logsink.alerts[i].kind, ALERT_SCAN_END);
	CHECK_INT(logsink.alerts[9].kind, ALERT_PORTSCAN);
	CHECK(from(&logsink.alerts[9], 19 % 15));
	CHECK(from(&logsink.alerts[10], 18 % 15));
	CHECK_INT(stat("alerts.portscan"), 20);
	CHECK_INT(stat("alerts.scan_end"), 3);
	CHECK_INT(stat("alerts.held_back.portscan"), 13);
	CHECK_INT(stat("alerts.held_back.scan_end"), 0);
	CHECK_INT(stat("alerts.limit.summaries"), 1);
	CHECK_INT(stat("alerts.limit.delayed"), 5);
	/* The 5 that followed filled the next interval: one more is held
	 * and, when that interval ends, follows in the one after. */
	a = four_probe(900, T0 + 11 * SEC);
	alert_emit(&lr, &a);
	CHECK_INT(logsink.n, 11);
	alert_router_tick(&lr, T0 + 20 * SEC);
	CHECK_INT(logsink.n, 12);
	CHECK(from(&logsink.alerts[11], 900));
	CHECK_INT(stat("alerts.limit.summaries"), 1);	/* none held back */
	/* Log lines + held back for good = alerts made. */
	CHECK_INT(logsink.n - logsink.kind[ALERT_SUPPRESSED] +
		  stat("alerts.held_back.portscan"), 24);
}

TEST(limit_strongest_first)
{
	struct alert a;

	limit_setup("AlertLimit 1 60\n");
	a = four_probe(1, T0);
	alert_emit(&lr, &a);			/* the budget */
	a = four_probe(2, T0 + 1);		/* weakest */
	alert_emit(&lr, &a);
	a = four_probe(3, T0 + 2);		/* a signature */
	snprintf(a.tool, sizeof a.tool, "nmap");
	alert_emit(&lr, &a);
	a = four_probe(4, T0 + 3);		/* many probes */
	a.scan.count = a.probes = 900;
	alert_emit(&lr, &a);
	a = scan(ALERT_SCAN_END, PROTO_TCP, false);	/* 40 probes */
	a.ts_us = T0 + 4;
	a.src = source(5);
	alert_emit(&lr, &a);
	a = connection(PROTO_TCP);		/* weakest of all */
	a.ts_us = T0 + 5;
	alert_emit(&lr, &a);
	CHECK_INT(logsink.n, 1);
	/* Three intervals: each lets through the strongest one left. */
	alert_router_tick(&lr, T0 + 60 * SEC);
	CHECK_INT(logsink.n, 3);
	CHECK(find_line(&logsink, "Held back 4 alerts (1 connection, 2 "
				  "portscan, 1 scan_end) from 4 sources") != NULL);
	CHECK(from(&logsink.alerts[2], 4));
	CHECK_INT(logsink.alerts[2].scan.count, 900);
	CHECK_INT(stat("alerts.held_back.connection"), 1);
	CHECK_INT(stat("alerts.held_back.portscan"), 2);
	CHECK_INT(stat("alerts.held_back.scan_end"), 1);

	/* Ranking: probes, then a name, then scan_end, then later. */
	limit_setup("AlertLimit 6 60\n");
	for (unsigned i = 0; i < 6; i++) {
		a = four_probe(i, T0);
		alert_emit(&lr, &a);
	}
	a = four_probe(10, T0 + 1);
	alert_emit(&lr, &a);
	a = four_probe(11, T0 + 2);
	snprintf(a.tool, sizeof a.tool, "masscan");
	alert_emit(&lr, &a);
	a = scan(ALERT_SCAN_END, PROTO_TCP, false);
	a.scan.count = 4;
	a.ts_us = T0 + 3;
	a.src = source(12);
	alert_emit(&lr, &a);
	a = four_probe(13, T0 + 4);
	a.scan.count = a.probes = 5;
	alert_emit(&lr, &a);
	a = connection(PROTO_UDP);
	a.ts_us = T0 + 5;
	a.src = source(14);
	alert_emit(&lr, &a);
	a = four_probe(15, T0 + 6);
	alert_emit(&lr, &a);
	alert_router_finish(&lr);
	CHECK_INT(logsink.n, 6 + 6);		/* no summary: 6 follow */
	CHECK(from(&logsink.alerts[6], 13));
	CHECK(from(&logsink.alerts[7], 11));
	CHECK(from(&logsink.alerts[8], 12));
	CHECK(from(&logsink.alerts[9], 15));
	CHECK(from(&logsink.alerts[10], 10));
	CHECK(from(&logsink.alerts[11], 14));
	CHECK_INT(stat("alerts.limit.delayed"), 6);
}

/* The detection stage's count of a held scan's probes, as it is now. */
static uint32_t grown_source;

static uint32_t fake_probes_now(void *arg, const struct alert *a)
{
	(void)arg;
	return from(a, grown_source) ? 700 : 4;
}

/* A real scan reported as a four-probe alert among spoofed ones: ranked
 * by what its scan is when the interval ends, and kept by a full pool. */
TEST(limit_real_scan_survives_the_noise)
{
	struct alert a;
	unsigned n = ALERT_POOL_MAX * 3;

	limit_setup("AlertLimit 10 5\n");
	lr.limit.probes_now = fake_probes_now;
	grown_source = n / 2;
	for (unsigned i = 0; i < n; i++) {
		a = four_probe(i, T0 + i);
		alert_emit(&lr, &a);
	}
	alert_router_tick(&lr, T0 + 5 * SEC);
	CHECK_INT(logsink.n, 10 + 1 + 10);
	CHECK(from(&logsink.alerts[11], grown_source));
	CHECK_STR(logsink.lines[11], "Possible port scan from 10.0.6.0 to "
				     "198.51.100.10");
	CHECK_INT(stat("alerts.held_back.portscan"), n - 20);
	CHECK_INT(stat("alerts.limit.pool_full"), n - 10 - ALERT_POOL_MAX);

	/* Without the refresh it would have been one of the many. */
	limit_setup("AlertLimit 10 5\n");
	for (unsigned i = 0; i < n; i++) {
		a = four_probe(i, T0 + i);
		alert_emit(&lr, &a);
	}
	alert_router_tick(&lr, T0 + 5 * SEC);
	CHECK_INT(count_lines(&logsink, "Possible port scan from 10.0.6.0 "),
		  0);
}

TEST(limit_pool_overflow_counted)
{
	struct alert a;
	unsigned n = ALERT_POOL_MAX + 100;

	limit_setup("AlertLimit 20 60\n");
	for (unsigned i = 0; i < 20 + n; i++) {
		a = four_probe(i, T0 + i);
		alert_emit(&lr, &a);
	}
	CHECK_INT(logsink.n, 20);
	CHECK_INT(stat("alerts.limit.pool_full"), 100);
	CHECK_INT(stat("alerts.held_back.portscan"), 100);
	alert_router_finish(&lr);
	CHECK_INT(logsink.n, 20 + 1 + 20);
	CHECK_STR(logsink.lines[20],
		  "Held back 1104 alerts (1104 portscan) from 1104 sources in "
		  "the 1 s to 2023-11-14T22:13:20.001143Z (AlertLimit 20 60); "
		  "20 held alerts follow, strongest first; totals in the "
		  "statistics");
	CHECK_INT(stat("alerts.held_back.portscan"), n - 20);
	CHECK_INT(mailsink.n, 20 + n);
}

TEST(limit_sources_bounded)
{
	struct alert a;
	unsigned n = ALERT_SOURCES_MAX;		/* more than 3/4 of it */

	limit_setup("AlertLimit 1 60\n");
	for (unsigned i = 0; i <= n; i++) {
		a = four_probe(i, T0);
		alert_emit(&lr, &a);
	}
	/* One source many times: one source. */
	for (unsigned i = 0; i < 100; i++) {
		a = four_probe(7, T0);
		alert_emit(&lr, &a);
	}
	alert_router_finish(&lr);
	CHECK(find_line(&logsink, fmt_line("Held back %u alerts (%u portscan) "
			"from at least %u sources in ", n - 1 + 100,
			n - 1 + 100, ALERT_SOURCES_MAX / 4 * 3)) != NULL);
	CHECK_INT(logsink.alerts[1].held_back.sources_at_least, 1);

	limit_setup("AlertLimit 1 60\n");
	for (unsigned i = 0; i < 102; i++) {
		a = four_probe(i < 1 ? i : 7, T0);
		alert_emit(&lr, &a);
	}
	alert_router_finish(&lr);
	CHECK(find_line(&logsink, "Held back 100 alerts (100 portscan) from "
				  "1 source in the 1 s to ") != NULL);
}

TEST(limit_summary_at_finish_and_off)
{
	struct alert a;

	/* -r end or SIGTERM in the middle of an interval. */
	limit_setup("AlertLimit 2 60\n");
	for (unsigned i = 0; i < 5; i++) {
		a = four_probe(i, T0 + i * SEC);
		alert_emit(&lr, &a);
	}
	CHECK_INT(logsink.n, 2);
	alert_router_finish(&lr);
	CHECK_INT(logsink.n, 2 + 1 + 2);
	CHECK_STR(logsink.lines[2], "Held back 1 alert (1 portscan) from 1 "
				    "source in the 4 s to "
				    "2023-11-14T22:13:24.000000Z (AlertLimit 2 "
				    "60); 2 held alerts follow, strongest first; "
				    "totals in the statistics");
	alert_router_finish(&lr);		/* twice: nothing more */
	CHECK_INT(logsink.n, 5);

	/* AlertLimit 0: no limit. */
	limit_setup("AlertLimit 0 60\n");
	for (unsigned i = 0; i < 5000; i++) {
		a = four_probe(i, T0);
		alert_emit(&lr, &a);
	}
	alert_router_finish(&lr);
	CHECK_INT(logsink.n, 5000);
	CHECK_INT(logsink.kind[ALERT_SUPPRESSED], 0);

	/* Alerts that are not logged (LogScans no) use no budget. */
	limit_setup("AlertLimit 1 60\nLogScans no\n");
	for (unsigned i = 0; i < 5; i++) {
		a = four_probe(i, T0);
		alert_emit(&lr, &a);
	}
	a = connection(PROTO_TCP);
	alert_emit(&lr, &a);
	alert_router_finish(&lr);
	CHECK_INT(logsink.n, 1);
	CHECK_INT(logsink.kind[ALERT_CONNECTION], 1);
	CHECK_INT(mailsink.n, 6);
	conf_free(&lcfg);
}

int main(void)
{
	RUN(connection_lines_as_in_spec);
	RUN(unknown_service_falls_back_to_number);
	RUN(scan_lines_as_in_spec);
	RUN(scan_end_line);
	RUN(severity_scale);
	RUN(osprobe_line_and_json);
	RUN(json_interface);
	RUN(json_events);
	RUN(ipv6_text_is_rfc5952);
	RUN(lines_are_bounded);
	RUN(limit_under_budget_everything_passes);
	RUN(limit_over_budget_one_summary_with_exact_counts);
	RUN(limit_strongest_first);
	RUN(limit_real_scan_survives_the_noise);
	RUN(limit_pool_overflow_counted);
	RUN(limit_sources_bounded);
	RUN(limit_summary_at_finish_and_off);
	return unit_report(__FILE__);
}
