/*
 * test_alert.c - the exact text of every log line (SPEC's formats) and
 * of every JSON event.
 */
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

	CHECK_STR(line(&t, ""), "port 21 connection attempt from 203.0.113.9");
	CHECK_STR(line(&u, ""), "UDP port 53 connection attempt from 203.0.113.9");
	CHECK_STR(line(&t, "DNSResolve yes\n"),
		  "port 21 connection attempt from host.example (203.0.113.9)");
	CHECK_STR(line(&t, "PortResolve yes\n"),
		  "ftp connection attempt from 203.0.113.9");
	CHECK_STR(line(&t, "LogDetails yes\n"),
		  "TCP 203.0.113.9(40001) -> 198.51.100.10(21)");
	CHECK_STR(line(&u, "LogDetails yes\nPortResolve yes\n"),
		  "UDP 203.0.113.9(40001) -> 198.51.100.10(domain)");
}

TEST(unknown_service_falls_back_to_number)
{
	struct alert t = connection(PROTO_TCP);

	t.dport = 4444;
	CHECK_STR(line(&t, "PortResolve yes\n"),
		  "port 4444 connection attempt from 203.0.113.9");
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

	CHECK_STR(line(&a, ""),
		  "End of port scan from 203.0.113.9 to 198.51.100.10: 40 probes, "
		  "first port 1 at 2023-11-14T22:13:20.000000Z, last port 40 at "
		  "2023-11-14T22:13:20.039000Z, SYN scan (40 SYN flags, 0 FIN flags)");
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
	CHECK_STR(line(&a, ""), "Possible nmap OS probe from 2001:db8::20");
	alert_format_json(&a, buf, sizeof buf);
	CHECK_STR(buf, "{\"event\":\"osprobe\",\"ts\":\"2023-11-14T22:13:20.000001Z\","
		       "\"proto\":\"tcp\",\"src\":\"2001:db8::20\",\"tool\":\"nmap\","
		       "\"packets\":7,\"flags\":[\"sx\",\"null\",\"fpu\"],"
		       "\"first_ts\":\"2023-11-14T22:13:20.000000Z\","
		       "\"method\":\"classic\"}");
}

TEST(json_events)
{
	struct alert a;
	char buf[1024];

	a = connection(PROTO_UDP);
	alert_format_json(&a, buf, sizeof buf);
	CHECK_STR(buf, "{\"event\":\"connection\",\"ts\":\"2023-11-14T22:13:20.123456Z\","
		       "\"proto\":\"udp\",\"src\":\"203.0.113.9\",\"dst\":\"198.51.100.10\","
		       "\"sport\":40001,\"dport\":53}");
	a = scan(ALERT_PORTSCAN, PROTO_TCP, true);
	alert_format_json(&a, buf, sizeof buf);
	CHECK_STR(buf, "{\"event\":\"portscan\",\"ts\":\"2023-11-14T22:13:20.123456Z\","
		       "\"proto\":\"tcp\",\"src\":\"203.0.113.9\",\"dst\":\"198.51.100.10\","
		       "\"count\":40,\"dst_multiple\":true,\"first_port\":1,"
		       "\"first_ts\":\"2023-11-14T22:13:20.000000Z\",\"last_port\":40,"
		       "\"last_ts\":\"2023-11-14T22:13:20.039000Z\",\"scan_type\":\"SYN\","
		       "\"syn\":40,\"fin\":0,\"method\":\"classic\"}");
	a = scan(ALERT_SCAN_END, PROTO_TCP, false);
	alert_format_json(&a, buf, sizeof buf);
	CHECK(strstr(buf, "\"event\":\"scan_end\"") != NULL);
	CHECK(strstr(buf, "\"kind\":\"portscan\"") != NULL);
	a = scan(ALERT_FLOOD, PROTO_TCP, false);
	alert_format_json(&a, buf, sizeof buf);
	CHECK(strstr(buf, "\"event\":\"flood\"") != NULL);
	CHECK(strstr(buf, "\"port\":80") != NULL);
}

TEST(ipv6_text_is_rfc5952)
{
	struct alert a = connection(PROTO_TCP);

	a.src = ip("2001:0db8:0000:0000:0000:0000:0000:0001");
	CHECK_STR(line(&a, ""), "port 21 connection attempt from 2001:db8::1");
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

int main(void)
{
	RUN(connection_lines_as_in_spec);
	RUN(unknown_service_falls_back_to_number);
	RUN(scan_lines_as_in_spec);
	RUN(scan_end_line);
	RUN(osprobe_line_and_json);
	RUN(json_events);
	RUN(ipv6_text_is_rfc5952);
	RUN(lines_are_bounded);
	return unit_report(__FILE__);
}
