/* test_mail.c - email alerts: the wire format between the daemon and the
 * mailer, the text of the messages (headers, injection, encoding, line
 * lengths), the rate limit, and the daemon's sink (which alerts, never
 * waiting). */
#include <sys/socket.h>

#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "conf.h"
#include "decode.h"
#include "mail_text.h"
#include "mail_wire.h"
#include "mailer.h"
#include "sink_mail.h"
#include "unit.h"

/* struct alert's tool is a pointer in some versions and an array in
 * others: set it either way. */
static void set_tool(struct alert *a, const char *s)
{
	if (_Generic(a->tool, const char *: 1, default: 0)) {
		memcpy(&a->tool, &s, sizeof s);
	} else {
		size_t n = strlen(s) + 1;

		memcpy(&a->tool, s, n < sizeof a->tool ? n : sizeof a->tool);
	}
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	memset(&a, 0, sizeof a);
	if (!addr_parse(s, &a))
		printf("test bug: bad address %s\n", s);
	return a;
}

static struct alert scan_alert(void)
{
	struct alert a;

	memset(&a, 0, sizeof a);
	a.kind = ALERT_PORTSCAN;
	a.ts_us = 1700000000003000ULL;
	a.proto = PROTO_TCP;
	a.src = ip("203.0.113.5");
	a.dst = ip("198.51.100.10");
	a.scan.kind = ALERT_PORTSCAN;
	a.scan.count = 40;
	a.scan.dst_multiple = true;
	a.scan.first_port = 3;
	a.scan.last_port = 42;
	a.scan.first_ts = 1700000000000000ULL;
	a.scan.last_ts = 1700000000039000ULL;
	a.scan.scan_type = SCAN_SYN;
	a.scan.syn = 40;
	a.scan.fin = 0;
	a.method = "classic";
	return a;
}

static struct alert osprobe_alert(void)
{
	struct alert a;

	memset(&a, 0, sizeof a);
	a.kind = ALERT_OSPROBE;
	a.ts_us = 1774683870879725ULL;
	a.proto = PROTO_TCP;
	a.src = ip("192.0.2.14");
	set_tool(&a, "nmap");
	a.packets = 5;
	a.patterns = OSFP_SX | OSFP_NULL | OSFP_FSPU | OSFP_FPU;
	a.scan.first_ts = 1774683870728834ULL;
	a.method = "classic";
	return a;
}

static bool decode(const struct mail_wire *w, struct mail_event *ev,
		   const char **why)
{
	return mail_wire_decode(w, sizeof *w, ev, why);
}

static char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));

static char *fmt(const char *format, ...)
{
	static char bufs[4][4096];
	static int next;
	char *buf = bufs[next++ % 4];
	va_list ap;

	va_start(ap, format);
	vsnprintf(buf, sizeof bufs[0], format, ap);
	va_end(ap);
	return buf;
}

/* ---- the wire ---------------------------------------------------------- */

TEST(wire_round_trip_scan)
{
	struct alert a = scan_alert();
	struct mail_wire w;
	struct mail_event ev;
	const char *why = NULL;
	char ipbuf[ADDR_STR_MAX];

	mail_wire_encode(&a, "Possible port scan from 203.0.113.5 to "
			 "198.51.100.10 (and others)", "scanner.example", NULL,
			 &w);
	CHECK(decode(&w, &ev, &why));
	CHECK_INT(ev.kind, ALERT_PORTSCAN);
	CHECK_INT(ev.proto, PROTO_TCP);
	CHECK_INT(ev.ts_us, a.ts_us);
	CHECK_INT(ev.first_ts, a.scan.first_ts);
	CHECK_INT(ev.last_ts, a.scan.last_ts);
	CHECK_INT(ev.count, 40);
	CHECK(ev.dst_multiple);
	CHECK_INT(ev.first_port, 3);
	CHECK_INT(ev.last_port, 42);
	CHECK_INT(ev.scan_type, SCAN_SYN);
	CHECK_INT(ev.syn, 40);
	CHECK_INT(ev.fin, 0);
	CHECK_STR(addr_to_str(&ev.src, ipbuf, sizeof ipbuf), "203.0.113.5");
	CHECK_STR(addr_to_str(&ev.dst, ipbuf, sizeof ipbuf), "198.51.100.10");
	CHECK_STR(ev.src_name, "scanner.example");
	CHECK_STR(ev.dst_name, "");
	CHECK_STR(ev.method, "classic");
	CHECK_STR(ev.tool, "");
	CHECK_STR(ev.line, "Possible port scan from 203.0.113.5 to "
		  "198.51.100.10 (and others)");
}

TEST(wire_round_trip_osprobe_and_udp)
{
	struct alert a = osprobe_alert();
	struct mail_wire w;
	struct mail_event ev;

	mail_wire_encode(&a, "Possible nmap OS probe from 192.0.2.14", NULL,
			 NULL, &w);
	CHECK(decode(&w, &ev, NULL));
	CHECK_INT(ev.kind, ALERT_OSPROBE);
	CHECK_STR(ev.tool, "nmap");
	CHECK_INT(ev.packets, 5);
	CHECK_INT(ev.patterns, OSFP_SX | OSFP_NULL | OSFP_FSPU | OSFP_FPU);
	CHECK_INT(ev.first_ts, 1774683870728834ULL);

	a = scan_alert();
	a.kind = a.scan.kind = ALERT_FLOOD;
	a.proto = PROTO_UDP;
	a.scan.scan_type = SCAN_UDP;
	a.scan.port = 53;
	a.src = ip("2001:db8::99");
	a.dst = ip("2001:db8::10");
	mail_wire_encode(&a, "Possible UDP port flood from 2001:db8::99 to "
			 "2001:db8::10", NULL, NULL, &w);
	CHECK(decode(&w, &ev, NULL));
	CHECK_INT(ev.kind, ALERT_FLOOD);
	CHECK_INT(ev.proto, PROTO_UDP);
	CHECK_INT(ev.port, 53);
	CHECK_INT(ev.scan_type, SCAN_UDP);
}

/* What the daemon puts on the wire is always something the mailer
 * accepts: bad names are left out, the line is made printable. */
TEST(wire_encode_sanitises)
{
	static const char *const hostile[] = {
		"evil.example\r\nBcc: victim@example.org",
		"Bcc:victim@example.org", "192.0.2.1", "a b.example",
		"x.example\n", "-x.example", "\x1b[31m.example",
	};
	struct alert a = scan_alert();
	struct mail_wire w;
	struct mail_event ev;
	char longtool[64];
	size_t i;

	for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		mail_wire_encode(&a, "line", hostile[i], hostile[i], &w);
		CHECK(decode(&w, &ev, NULL));
		CHECK_STR(ev.src_name, "");
		CHECK_STR(ev.dst_name, "");
	}
	mail_wire_encode(&a, "Possible port scan\r\nBcc: x@example.org\x7f\xc3",
			 NULL, NULL, &w);
	CHECK(decode(&w, &ev, NULL));
	CHECK_STR(ev.line, "Possible port scan??Bcc: x@example.org??");
	mail_wire_encode(&a, "", NULL, NULL, &w);
	CHECK(decode(&w, &ev, NULL));
	CHECK_STR(ev.line, "(no text)");
	memset(longtool, 'x', sizeof longtool - 1);
	longtool[sizeof longtool - 1] = '\0';
	set_tool(&a, longtool);
	a.method = "Has Blanks";
	mail_wire_encode(&a, "line", NULL, NULL, &w);
	CHECK(decode(&w, &ev, NULL));
	CHECK_STR(ev.tool, "");
	CHECK_STR(ev.method, "");
}

/* Checked like network input: exact size, known type and kind,
 * NUL-terminated strings with nothing after the NUL. */
TEST(wire_decode_rejects)
{
	struct alert a = scan_alert();
	struct mail_wire good, w;
	struct mail_event ev;
	uint8_t big[sizeof good + 1];
	const char *why;

	mail_wire_encode(&a, "Possible port scan from 203.0.113.5", NULL, NULL,
			 &good);
	CHECK(decode(&good, &ev, &why));
	CHECK(!mail_wire_decode(&good, sizeof good - 1, &ev, &why));
	CHECK_STR(why, "wrong size");
	memset(big, 0, sizeof big);
	memcpy(big, &good, sizeof good);
	CHECK(!mail_wire_decode(big, sizeof big, &ev, &why));
	CHECK(!mail_wire_decode(&good, 0, &ev, &why));

#define REJECT(change, reason) do {					\
	w = good;							\
	change;								\
	CHECK(!decode(&w, &ev, &why));					\
	CHECK_STR(why, reason);						\
} while (0)
	REJECT(w.type = 0, "unknown type");
	REJECT(w.type = MAIL_MSG_DETACHED, "unknown type");
	REJECT(w.type = 2, "unknown type");		/* once READY */
	REJECT(w.kind = ALERT_CONNECTION, "unknown kind of alert");
	REJECT(w.kind = ALERT_SCAN_END, "bad kind of scan");
	REJECT((w.kind = ALERT_SCAN_END, w.scan_kind = ALERT_OSPROBE),
	       "bad kind of scan");
	REJECT(w.scan_kind = ALERT_PORTSCAN, "bad kind of scan");
	REJECT(w.kind = 200, "unknown kind of alert");
	REJECT(w.proto = 2, "unknown protocol");
	REJECT((w.kind = ALERT_OSPROBE, w.proto = PROTO_UDP),
	       "OS probe not over TCP or ICMP");
	REJECT((w.kind = ALERT_OSPROBE, w.patterns[0] = 0x80),
	       "unknown OS probe pattern");
	REJECT(w.scan_type = SCAN_TYPE_COUNT, "bad scan type or flag");
	REJECT(w.dst_multiple = 2, "bad scan type or flag");
	REJECT(w.zero2[0] = 1, "padding not zero");
	REJECT(w.open[0][1] = 22, "bad list of open ports");
	REJECT((w.nopen[3] = 2, w.open[0][1] = 22),
	       "bad list of open ports");
	REJECT((w.nopen[3] = 1, w.open[0][1] = 22, w.open[5][1] = 80),
	       "bad list of open ports");
	REJECT(memset(w.tool, 'a', sizeof w.tool), "bad tool or method");
	REJECT(memcpy(w.tool, "nm\0p", 4), "bad tool or method");
	REJECT(memcpy(w.tool, "nm ap", 5), "bad tool or method");
	REJECT(memcpy(w.method, "Classic", 7), "bad tool or method");
	REJECT(memcpy(w.src_name, "evil.example\r\nBcc:", 18),
	       "bad host name");
	REJECT(memcpy(w.src_name, "192.0.2.1", 9), "bad host name");
	REJECT(memcpy(w.dst_name, "a\0b", 3), "bad host name");
	REJECT(memset(w.dst_name, 'a', sizeof w.dst_name), "bad host name");
	REJECT(memset(w.line, 0, sizeof w.line), "bad text line");
	REJECT(w.line[3] = '\r', "bad text line");
	REJECT(w.line[3] = '\n', "bad text line");
	REJECT(w.line[3] = (char)0x80, "bad text line");
	REJECT(w.line[sizeof w.line - 1] = 'x', "bad text line");
	REJECT(memset(w.line, 'x', sizeof w.line), "bad text line");
#undef REJECT
}

/* The end of a scan crosses with the kind of scan that ended; an ACK
 * scan is a scan type like the others; a list of open ports within its
 * bounds passes. */
TEST(wire_scan_end_and_open_ports)
{
	struct alert a = scan_alert();
	struct mail_wire w;
	struct mail_event ev;

	a.kind = ALERT_SCAN_END;
	a.scan.kind = ALERT_SWEEP;
	a.scan.port = 80;
	a.scan.scan_type = SCAN_ACK;
	mail_wire_encode(&a, "End of port sweep from 203.0.113.5", NULL, NULL,
			 &w);
	CHECK(decode(&w, &ev, NULL));
	CHECK_INT(ev.kind, ALERT_SCAN_END);
	CHECK_INT(ev.scan_kind, ALERT_SWEEP);
	CHECK_INT(ev.scan_type, SCAN_ACK);
	CHECK_INT(ev.port, 80);
	/* Not known on this alert: 0, and left out of the mail. */
	CHECK_INT(ev.ports, 0);
	CHECK_INT(ev.hosts, 0);
	CHECK_INT(ev.nopen, 0);
	w.nopen[3] = 40;		/* more than MAIL_OPEN_MAX listed */
	for (int i = 0; i < MAIL_OPEN_MAX; i++)
		w.open[i][1] = (uint8_t)(i + 1);
	CHECK(decode(&w, &ev, NULL));
	CHECK_INT(ev.nopen, 40);
	CHECK_INT(ev.open[MAIL_OPEN_MAX - 1], MAIL_OPEN_MAX);
}

/* ---- subject and body ---------------------------------------------------- */

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static struct mail_event event_of(const struct alert *a, const char *line,
				  const char *src_name)
{
	struct mail_wire w;
	struct mail_event ev;

	mail_wire_encode(a, line, src_name, NULL, &w);
	if (!mail_wire_decode(&w, sizeof w, &ev, NULL))
		printf("test bug: event does not decode\n");
	return ev;
}

TEST(subject_expansion)
{
	struct alert a = scan_alert();
	struct mail_event ev = event_of(&a, "x", NULL);
	char out[256], small[12];

	mail_subject_expand("%p scan from %s", &ev, out, sizeof out);
	CHECK_STR(out, "TCP scan from 203.0.113.5");
	mail_subject_expand("%p: %s -> %d, 100%% sure", &ev, out, sizeof out);
	CHECK_STR(out, "TCP: 203.0.113.5 -> 198.51.100.10, 100% sure");
	mail_subject_expand("no escapes", &ev, out, sizeof out);
	CHECK_STR(out, "no escapes");
	/* Unknown escapes (the parser refuses them) are left as they are. */
	mail_subject_expand("%x %", &ev, out, sizeof out);
	CHECK_STR(out, "%x %");
	mail_subject_expand("%p scan from %s", &ev, small, sizeof small);
	CHECK_STR(small, "TCP scan fr");

	a.proto = PROTO_UDP;
	a.src = ip("2001:db8::99");
	a.dst = ip("2001:db8::10");
	ev = event_of(&a, "x", NULL);
	mail_subject_expand("%p scan from %s to %d", &ev, out, sizeof out);
	CHECK_STR(out, "UDP scan from 2001:db8::99 to 2001:db8::10");

	a = osprobe_alert();
	ev = event_of(&a, "x", NULL);
	mail_subject_expand("%p probe from %s to %d", &ev, out, sizeof out);
	CHECK_STR(out, "TCP probe from 192.0.2.14 to unknown");

	/* A scan's summary: the scan's subject, told apart. */
	a = scan_alert();
	a.kind = ALERT_SCAN_END;
	ev = event_of(&a, "x", NULL);
	mail_subject_expand("%p scan from %s", &ev, out, sizeof out);
	CHECK_STR(out, "TCP scan from 203.0.113.5 (ended)");
}

TEST(body_scan)
{
	struct alert a = scan_alert();
	struct mail_event ev = event_of(&a, "Possible port scan from "
					"scanner.example (203.0.113.5) to "
					"198.51.100.10 (and others)",
					"scanner.example");
	char body[4096];

	mail_body_alert(&ev, body, sizeof body);
	CHECK(starts_with(body, "Possible port scan from scanner.example "
			  "(203.0.113.5) to 198.51.100.10 (and others)\n\n"));
	CHECK(strstr(body, "\nEvent:         port scan (TCP)\n"));
	CHECK(strstr(body, "\nTime:          2023-11-14T22:13:20.003000Z\n"));
	CHECK(strstr(body, "\nSource:        scanner.example (203.0.113.5)\n"));
	CHECK(strstr(body, "\nDestination:   198.51.100.10 (and others)\n"));
	CHECK(strstr(body, "\nProbes:        40\n"));
	CHECK(strstr(body, "\nFirst port:    3 at 2023-11-14T22:13:20.000000Z\n"));
	CHECK(strstr(body, "\nLast port:     42 at 2023-11-14T22:13:20.039000Z\n"));
	CHECK(strstr(body, "\nScan type:     SYN (40 SYN flags, 0 FIN flags)\n"));
	CHECK(strstr(body, "\nDetection:     classic\n"));
	CHECK(!strstr(body, "\nPort:"));
	/* What it was so far, in words, before the fields. */
	CHECK(strstr(body, "(and others)\n\nA TCP SYN port scan of "
		     "198.51.100.10 and other hosts.\nSo far 40 probes.  A "
		     "summary follows when it ends.\n\nEvent:"));
	/* Not known on this alert: no such lines. */
	CHECK(!strstr(body, "\nHosts:"));
	CHECK(!strstr(body, "\nPorts:"));
	CHECK(!strstr(body, "\nOpen ports:"));

	a.kind = a.scan.kind = ALERT_SWEEP;
	a.proto = PROTO_UDP;
	a.scan.scan_type = SCAN_UDP;
	a.scan.port = 161;
	a.scan.dst_multiple = false;
	ev = event_of(&a, "sweep", NULL);
	mail_body_alert(&ev, body, sizeof body);
	CHECK(strstr(body, "\nEvent:         port sweep (UDP)\n"));
	CHECK(strstr(body, "\nSource:        203.0.113.5\n"));
	CHECK(strstr(body, "\nDestination:   198.51.100.10\n"));
	CHECK(strstr(body, "\nPort:          161\n"));
	CHECK(strstr(body, "\nScan type:     UDP\n"));
	CHECK(strstr(body, "\nA UDP port sweep of port 161 on 198.51.100.10."
		     "\nSo far 40 probes."));
}

/* The end of a scan: its kind, its size in all, how long it lasted; and
 * the distinct counts and open ports when the alert carries them. */
TEST(body_scan_end)
{
	struct alert a = scan_alert();
	struct mail_wire w;
	struct mail_event ev;
	char body[4096];

	a.kind = ALERT_SCAN_END;
	a.scan.kind = ALERT_PORTSCAN;
	a.scan.dst_multiple = false;
	set_tool(&a, "nmap");
	ev = event_of(&a, "End of port scan from 203.0.113.5", NULL);
	mail_body_alert(&ev, body, sizeof body);
	CHECK(starts_with(body, "End of port scan from 203.0.113.5\n\n"
			  "A TCP SYN port scan of 198.51.100.10 by nmap has "
			  "ended after 40 probes in 0.0 s.\n\n"));
	CHECK(strstr(body, "\nEvent:         end of port scan (TCP)\n"));
	CHECK(strstr(body, "\nProbes:        40\n"));
	CHECK(strstr(body, "\nTool:          nmap\n"));

	/* As the wire carries them once struct alert has them. */
	a.scan.last_ts = a.scan.first_ts + 2500000;
	mail_wire_encode(&a, "End of port scan from 203.0.113.5", NULL, NULL,
			 &w);
	w.ports[3] = 38;
	w.hosts[3] = 3;
	w.nopen[3] = 2;
	w.open[0][1] = 22;
	w.open[1][0] = 0x01;		/* 443 */
	w.open[1][1] = 0xbb;
	CHECK(decode(&w, &ev, NULL));
	mail_body_alert(&ev, body, sizeof body);
	CHECK(strstr(body, "\n\nA TCP SYN port scan of 198.51.100.10 and 2 "
		     "other hosts by nmap has ended after 40 probes, 38 "
		     "distinct ports, 2 open (answered) in 2.5 s.\n\n"));
	CHECK(strstr(body, "\nHosts:         3\n"));
	CHECK(strstr(body, "\nPorts:         38\n"));
	CHECK(strstr(body, "\nOpen ports:    22 443\n"));
}

TEST(body_osprobe)
{
	struct alert a = osprobe_alert();
	struct mail_event ev = event_of(&a, "Possible nmap OS probe from "
					"192.0.2.14", NULL);
	char body[4096];

	mail_body_alert(&ev, body, sizeof body);
	CHECK(starts_with(body, "Possible nmap OS probe from 192.0.2.14\n\n"));
	CHECK(strstr(body, "\nEvent:         OS fingerprinting probe (TCP)\n"));
	CHECK(strstr(body, "\nTime:          2026-03-28T07:44:30.879725Z\n"));
	CHECK(strstr(body, "\nSource:        192.0.2.14\n"));
	CHECK(strstr(body, "\nTool:          nmap\n"));
	CHECK(strstr(body, "\nPackets:       5\n"));
	CHECK(strstr(body, "\nFlag patterns: sx null fspu fpu\n"));
	CHECK(strstr(body, "\nFirst probe:   2026-03-28T07:44:30.728834Z\n"));
	CHECK(!strstr(body, "Destination"));
	a.patterns = 0;
	ev = event_of(&a, "x", NULL);
	mail_body_alert(&ev, body, sizeof body);
	CHECK(strstr(body, "\nFlag patterns: (none)\n"));
	/* xprobe2: ICMP queries. */
	a.proto = PROTO_ICMP;
	a.patterns = 1u << (OSFP_PATTERN_COUNT - 1);
	set_tool(&a, "xprobe2");
	ev = event_of(&a, "Possible xprobe2 OS probe from 192.0.2.14", NULL);
	mail_body_alert(&ev, body, sizeof body);
	CHECK(strstr(body, "\nEvent:         OS fingerprinting probe (ICMP)\n"));
	CHECK(strstr(body, "\nTool:          xprobe2\n"));
	CHECK(strstr(body, fmt("\nFlag patterns: %s\n",
			       osfp_pattern_names[OSFP_PATTERN_COUNT - 1])));
	mail_subject_expand("%p probe from %s", &ev, body, sizeof body);
	CHECK_STR(body, "ICMP probe from 192.0.2.14");
}

/* ---- whole messages ---------------------------------------------------- */

static char *rcpt_one[] = { "root@localhost" };

static char *build(const char *subject, const char *body, char **rcpt,
		   size_t nrcpt)
{
	struct mail_header_info h = {
		"scandetd@example.org", rcpt, nrcpt, subject,
		"<1700000000.1.1.0@example.org>", 1700000000,
	};
	size_t len = 0;
	char *m = mail_build(&h, body, &len);

	if (m && len != strlen(m))
		printf("build: length %zu, strlen %zu\n", len, strlen(m));
	return m;
}

/* Every line ends in CRLF, no bare CR or LF, none longer than 998. */
static bool crlf_ok(const char *m)
{
	const char *s = m, *line = m;

	for (; *s; s++) {
		if (*s == '\r' && s[1] != '\n')
			return false;
		if (*s == '\n' && (s == m || s[-1] != '\r'))
			return false;
		if (*s == '\n') {
			if (s - line - 1 > 998)
				return false;
			line = s + 1;
		}
	}
	return s > m && s[-1] == '\n';
}

static size_t longest_header_line(const char *m)
{
	const char *end = strstr(m, "\r\n\r\n"), *line = m, *s;
	size_t longest = 0;

	for (s = m; s < end; s++) {
		if (*s == '\r') {
			if ((size_t)(s - line) > longest)
				longest = (size_t)(s - line);
			line = s + 2;
		}
	}
	return longest;
}

/* The header block (up to the blank line) holds a line starting with
 * prefix. */
static bool header_line(const char *m, const char *prefix)
{
	const char *end = strstr(m, "\r\n\r\n"), *s = m;
	size_t n = strlen(prefix);

	while (s && s < end) {
		if (strncmp(s, prefix, n) == 0)
			return true;
		s = strstr(s, "\r\n");
		if (s)
			s += 2;
	}
	return false;
}

TEST(message_structure)
{
	char *m = build("TCP scan from 203.0.113.5",
			"Possible port scan\n\nTime: now\n", rcpt_one, 1);

	CHECK(m != NULL);
	CHECK(crlf_ok(m));
	CHECK_STR(m, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
		  "From: scandetd@example.org\r\n"
		  "To: root@localhost\r\n"
		  "Subject: TCP scan from 203.0.113.5\r\n"
		  "Message-ID: <1700000000.1.1.0@example.org>\r\n"
		  "MIME-Version: 1.0\r\n"
		  "Content-Type: text/plain; charset=UTF-8\r\n"
		  "Content-Transfer-Encoding: 7bit\r\n"
		  "Auto-Submitted: auto-generated\r\n"
		  "\r\n"
		  "Possible port scan\r\n\r\nTime: now\r\n");
	free(m);
}

TEST(message_date)
{
	char d[64];

	mail_format_date(0, d, sizeof d);
	CHECK_STR(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	mail_format_date(1700000000, d, sizeof d);
	CHECK_STR(d, "Tue, 14 Nov 2023 22:13:20 +0000");
	mail_format_date(1795737713, d, sizeof d);
	CHECK_STR(d, "Fri, 27 Nov 2026 00:01:53 +0000");
}

/* Nothing in a subject can start a header of its own. */
TEST(message_header_injection)
{
	static const char *const hostile[] = {
		"scan\r\nBcc: victim@example.org",
		"scan\nBcc: victim@example.org",
		"scan\rBcc: victim@example.org",
		"scan\r\n\r\nfake body",
		"scan\x0b\x0c\x1b\x7f\x00",
	};
	size_t i;

	for (i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
		char *m = build(hostile[i], "body\n", rcpt_one, 1);

		CHECK(m != NULL);
		if (!m)
			continue;
		CHECK(crlf_ok(m));
		CHECK(!header_line(m, "Bcc:"));
		CHECK(strstr(m, "\r\n\r\nbody\r\n") != NULL);
		CHECK(strstr(m, "fake body") == NULL ||
		      strstr(m, "Subject: scan    fake body\r\n") != NULL);
		free(m);
	}
	{
		char *m = build(hostile[0], "body\n", rcpt_one, 1);

		CHECK(strstr(m, "\r\nSubject: scan  Bcc: victim@example.org\r\n"));
		free(m);
	}
}

static size_t b64_decode(const char *in, size_t n, unsigned char *out)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
				  "rstuvwxyz0123456789+/";
	uint32_t acc = 0;
	size_t o = 0, i;
	int bits = 0;

	for (i = 0; i < n && in[i] != '='; i++) {
		const char *p = strchr(b64, in[i]);

		if (!p)
			return 0;
		acc = acc << 6 | (uint32_t)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return o;
}

/* Decode the encoded words of the Subject header back to text. */
static char *subject_text(const char *m, char *out, size_t len)
{
	const char *s = strstr(m, "\r\nSubject:"), *end;
	size_t o = 0;

	out[0] = '\0';
	if (!s)
		return out;
	end = strstr(s + 2, "\r\nMessage-ID:");
	while ((s = strstr(s, "=?UTF-8?B?")) && s < end) {
		const char *q = strstr(s + 10, "?=");

		if (!q || q - s > 75)
			return out;
		o += b64_decode(s + 10, (size_t)(q - s - 10),
				(unsigned char *)out + o);
		s = q + 2;
		if (o + 64 > len)
			break;
	}
	out[o] = '\0';
	return out;
}

TEST(message_non_ascii_subject)
{
	char text[2048], subj[1200], *m;
	size_t i;

	m = build("Scan von 203.0.113.5 \xc3\xbc\xe2\x82\xac", "b\n",
		  rcpt_one, 1);
	CHECK(header_line(m, "Subject: =?UTF-8?B?"));
	CHECK_STR(subject_text(m, text, sizeof text),
		  "Scan von 203.0.113.5 \xc3\xbc\xe2\x82\xac");
	CHECK(crlf_ok(m));
	free(m);
	/* Invalid UTF-8 becomes '?', so the header stays ASCII. */
	m = build("bad \xff\xc3 bytes \xed\xa0\x80", "b\n", rcpt_one, 1);
	CHECK(header_line(m, "Subject: bad ?? bytes ???\r\n"));
	free(m);
	/* Long: many encoded words, each line short, UTF-8 never split. */
	for (i = 0; i + 2 < 1000; i += 2)
		memcpy(subj + i, "\xc3\xa9", 2);
	subj[i] = '\0';
	m = build(subj, "b\n", rcpt_one, 1);
	CHECK(longest_header_line(m) <= 78);
	CHECK_STR(subject_text(m, text, sizeof text), subj);
	free(m);
}

TEST(message_folding)
{
	char subj[1500], *m, *rcpt[40], names[40][32];
	size_t i;

	/* A long ASCII subject folds at blanks, lines near 78. */
	subj[0] = '\0';
	for (i = 0; i < 60; i++)
		strcat(subj, "word12345 ");
	m = build(subj, "b\n", rcpt_one, 1);
	CHECK(crlf_ok(m));
	CHECK(longest_header_line(m) <= 78);
	free(m);
	/* One huge word cannot fold at a blank: cut under 998. */
	memset(subj, 'x', 1400);
	subj[1400] = '\0';
	m = build(subj, "b\n", rcpt_one, 1);
	CHECK(crlf_ok(m));
	CHECK(longest_header_line(m) <= 998);
	free(m);
	/* Many recipients: one To header over several lines. */
	for (i = 0; i < 40; i++) {
		snprintf(names[i], sizeof names[i], "admin%02zu@example.org", i);
		rcpt[i] = names[i];
	}
	m = build("s", "b\n", rcpt, 40);
	CHECK(crlf_ok(m));
	CHECK(longest_header_line(m) <= 78);
	CHECK(strstr(m, "To: admin00@example.org, admin01@example.org,"));
	CHECK(strstr(m, " admin39@example.org\r\nSubject: s\r\n"));
	free(m);
}

TEST(message_body)
{
	char body[3000], *m;

	/* Bare CR, control characters, a lone dot, a long line. */
	m = build("s", "a\rb\x01\tc\n.\n..\n", rcpt_one, 1);
	CHECK(strstr(m, "\r\n\r\nab?\tc\r\n. \r\n..\r\n"));
	CHECK(header_line(m, "Content-Transfer-Encoding: 7bit"));
	free(m);
	memset(body, 'y', 2500);
	body[2500] = '\0';
	m = build("s", body, rcpt_one, 1);
	CHECK(crlf_ok(m));
	free(m);
	/* UTF-8 in the body: 8bit; invalid bytes become '?'. */
	m = build("s", "caf\xc3\xa9 \xff\n", rcpt_one, 1);
	CHECK(header_line(m, "Content-Transfer-Encoding: 8bit"));
	CHECK(strstr(m, "\r\n\r\ncaf\xc3\xa9 ?\r\n"));
	free(m);
	/* No final newline: one is added. */
	m = build("s", "end", rcpt_one, 1);
	CHECK(strstr(m, "\r\n\r\nend\r\n"));
	free(m);
}

/* ---- the rate limit ----------------------------------------------------- */

TEST(rate_limit)
{
	struct mail_rate r;
	uint64_t t0 = 1000000;

	mail_rate_init(&r, 3);
	CHECK(mail_rate_allow(&r, t0));
	mail_rate_record(&r, t0);
	mail_rate_record(&r, t0 + 1000);
	CHECK(mail_rate_allow(&r, t0 + 2000));
	mail_rate_record(&r, t0 + 2000);
	CHECK(!mail_rate_allow(&r, t0 + 3000));
	CHECK(!mail_rate_allow(&r, t0 + 59999));
	CHECK_INT(mail_rate_next(&r, t0 + 3000), t0 + 60000);
	CHECK(mail_rate_allow(&r, t0 + 60000));
	CHECK_INT(mail_rate_next(&r, t0 + 60000), t0 + 60000);
	mail_rate_record(&r, t0 + 60000);
	/* The window slides: the second send leaves it at t0 + 61000. */
	CHECK(!mail_rate_allow(&r, t0 + 60500));
	CHECK_INT(mail_rate_next(&r, t0 + 60500), t0 + 61000);
	CHECK(mail_rate_allow(&r, t0 + 61000));

	mail_rate_init(&r, 0);			/* clamped to 1 */
	CHECK_INT(r.limit, 1);
	mail_rate_record(&r, t0);
	CHECK(!mail_rate_allow(&r, t0 + 1));
	mail_rate_init(&r, 100000);		/* clamped */
	CHECK_INT(r.limit, MAIL_RATE_MAX);
}

/* ---- the daemon's sink ---------------------------------------------------- */

static struct sink *sink_pair(const char *conf_text, int *peer)
{
	struct config cfg;
	struct sink *s;
	char err[256];
	int sv[2];

	if (!conf_load_string("t.conf", conf_text, &cfg, err, sizeof err)) {
		printf("test bug: %s\n", err);
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		return NULL;
	s = sink_mail_open_fd(sv[0], &cfg, NULL);
	conf_free(&cfg);		/* the sink keeps what it needs */
	*peer = sv[1];
	return s;
}

/* How many messages wait on fd (non-blocking), each checked. */
static int drain(int fd, enum alert_kind *kinds, int max)
{
	struct mail_wire w;
	struct mail_event ev;
	int n = 0;

	while (recv(fd, &w, sizeof w, MSG_DONTWAIT) == (ssize_t)sizeof w) {
		if (!mail_wire_decode(&w, sizeof w, &ev, NULL))
			return -1;
		if (n < max)
			kinds[n] = ev.kind;
		n++;
	}
	return n;
}

TEST(sink_chooses_alerts)
{
	int peer;
	struct sink *s = sink_pair("SendEmail yes\nUdpSendEmail no\n"
				   "OSFPSendMail yes\n", &peer);
	struct alert a;
	enum alert_kind kinds[8];
	struct sink_mail_stats st;

	CHECK(s != NULL);
	if (!s)
		return;
	CHECK(s->all_alerts);		/* mailed even when not logged */
	a = scan_alert();
	s->emit(s, &a, "tcp scan");
	a.proto = PROTO_UDP;
	s->emit(s, &a, "udp scan (not mailed)");
	a = osprobe_alert();
	s->emit(s, &a, "os probe");
	a = scan_alert();
	a.kind = ALERT_CONNECTION;
	s->emit(s, &a, "connection (never mailed)");
	a.kind = ALERT_SCAN_END;
	s->emit(s, &a, "end of tcp scan (its summary)");
	a.proto = PROTO_UDP;
	s->emit(s, &a, "end of udp scan (not mailed)");
	a.proto = PROTO_TCP;
	a.kind = ALERT_FLOOD;
	s->emit(s, &a, "tcp flood");
	a.kind = ALERT_SWEEP;
	s->emit(s, &a, "tcp sweep");
	CHECK_INT(drain(peer, kinds, 8), 5);
	CHECK_INT(kinds[0], ALERT_PORTSCAN);
	CHECK_INT(kinds[1], ALERT_OSPROBE);
	CHECK_INT(kinds[2], ALERT_SCAN_END);
	CHECK_INT(kinds[3], ALERT_FLOOD);
	CHECK_INT(kinds[4], ALERT_SWEEP);
	sink_mail_stats(s, &st);
	CHECK_INT(st.passed, 5);
	CHECK_INT(st.dropped, 0);
	s->close(s);
	close(peer);

	s = sink_pair("SendEmail no\nUdpSendEmail yes\nOSFPSendMail no\n",
		      &peer);
	a = scan_alert();
	s->emit(s, &a, "tcp scan (not mailed)");
	a.proto = PROTO_UDP;
	s->emit(s, &a, "udp scan");
	a = osprobe_alert();
	s->emit(s, &a, "os probe (not mailed)");
	CHECK_INT(drain(peer, kinds, 8), 1);
	CHECK_INT(kinds[0], ALERT_PORTSCAN);
	s->close(s);
	close(peer);
}

/* A mailer that reads nothing: the sink never waits, it counts. */
TEST(sink_never_waits)
{
	int peer, i;
	struct sink *s = sink_pair("SendEmail yes\n", &peer);
	struct alert a = scan_alert();
	struct sink_mail_stats st;
	enum alert_kind kinds[1];
	int got;

	if (!s)
		return;
	for (i = 0; i < 5000; i++)
		s->emit(s, &a, "tcp scan");
	sink_mail_stats(s, &st);
	CHECK(st.dropped > 0);
	CHECK(st.passed > 0);
	CHECK_INT(st.passed + st.dropped, 5000);
	CHECK(!st.mailer_gone);
	got = drain(peer, kinds, 1);
	CHECK_INT(got, (int)st.passed);
	/* The mailer goes away: counted, never a SIGPIPE. */
	close(peer);
	s->emit(s, &a, "tcp scan");
	s->emit(s, &a, "tcp scan");
	sink_mail_stats(s, &st);
	CHECK(st.mailer_gone);
	CHECK_INT(st.passed + st.dropped, 5002);
	s->close(s);
}

static struct sink *sink_down(const char *conf_text)
{
	struct config cfg;
	struct sink *s;
	char err[256];

	if (!conf_load_string("t.conf", conf_text, &cfg, err, sizeof err))
		return NULL;
	s = sink_mail_open_fd(-1, &cfg, NULL);
	conf_free(&cfg);
	return s;
}

/* The one message waiting on fd, decoded; false if not exactly one. */
static bool one_message(int fd, struct mail_event *ev)
{
	struct mail_wire w;

	if (recv(fd, &w, sizeof w, MSG_DONTWAIT) != (ssize_t)sizeof w ||
	    !mail_wire_decode(&w, sizeof w, ev, NULL))
		return false;
	return recv(fd, &w, sizeof w, MSG_DONTWAIT) == -1;
}

/* The mailer is down (fd -1), then restarted: what was lost meanwhile is
 * told to the new one first, as one DROPPED. */
TEST(sink_set_fd_after_a_restart)
{
	struct sink *s = sink_down("SendEmail yes\n");
	struct alert a = scan_alert();
	struct sink_mail_stats st;
	struct mail_event ev;
	int sv[2], i;

	CHECK(s != NULL);
	if (!s)
		return;
	for (i = 0; i < 3; i++)
		s->emit(s, &a, "tcp scan");
	sink_mail_stats(s, &st);
	CHECK(st.mailer_gone);
	CHECK_INT(st.passed, 0);
	CHECK_INT(st.dropped, 3);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	sink_mail_set_fd(s, sv[0]);
	sink_mail_stats(s, &st);
	CHECK(!st.mailer_gone);
	CHECK(one_message(sv[1], &ev));
	CHECK_INT(ev.type, MAIL_MSG_DROPPED);
	CHECK_INT(ev.count, 3);
	s->emit(s, &a, "tcp scan");
	CHECK(one_message(sv[1], &ev));
	CHECK_INT(ev.type, MAIL_MSG_ALERT);
	CHECK_INT(ev.kind, ALERT_PORTSCAN);
	/* It dies: two more lost, then a third mailer hears of them. */
	close(sv[1]);
	s->emit(s, &a, "tcp scan");
	s->emit(s, &a, "tcp scan");
	sink_mail_stats(s, &st);
	CHECK(st.mailer_gone);
	CHECK_INT(st.passed, 1);
	CHECK_INT(st.dropped, 5);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	sink_mail_set_fd(s, sv[0]);
	CHECK(one_message(sv[1], &ev));
	CHECK_INT(ev.type, MAIL_MSG_DROPPED);
	CHECK_INT(ev.count, 2);
	/* Known down again: the descriptor is closed at once. */
	sink_mail_set_fd(s, -1);
	CHECK_INT(recv(sv[1], &ev, 1, MSG_DONTWAIT), 0);
	close(sv[1]);
	s->close(s);
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The close ends the mailer's input, waits for DETACHED or its end of
 * file, and no longer than MAIL_STOP_WAIT_MS. */
TEST(sink_close_waits_for_the_mailer)
{
	struct mail_status st;
	struct mail_wire w;
	struct sink *s;
	uint64_t t0;
	int peer;

	/* DETACHED, already waiting: at once. */
	s = sink_pair("SendEmail yes\n", &peer);
	if (!s)
		return;
	mail_status_detached(&st);
	CHECK(send(peer, &st, sizeof st, 0) == (ssize_t)sizeof st);
	t0 = ms_now();
	s->close(s);
	CHECK(ms_now() - t0 < 500);
	CHECK_INT(recv(peer, &w, sizeof w, MSG_DONTWAIT), 0);	/* EOF */
	close(peer);
	CHECK(mail_status_is_detached(&st, sizeof st));
	CHECK(!mail_status_is_detached(&st, sizeof st - 1));
	st.text[3] = 'x';
	CHECK(!mail_status_is_detached(&st, sizeof st));

	/* The mailer closes its end: at once. */
	s = sink_pair("SendEmail yes\n", &peer);
	close(peer);
	t0 = ms_now();
	s->close(s);
	CHECK(ms_now() - t0 < 500);

	/* A mailer that says nothing: MAIL_STOP_WAIT_MS, no more. */
	s = sink_pair("SendEmail yes\n", &peer);
	t0 = ms_now();
	s->close(s);
	CHECK(ms_now() - t0 >= MAIL_STOP_WAIT_MS - 10);
	CHECK(ms_now() - t0 < MAIL_STOP_WAIT_MS + 1000);
	close(peer);
}

TEST(config_changes)
{
	struct config a, b;
	char err[256];

	conf_load_string("a", "RcptTo x@example.org\n", &a, err, sizeof err);
	conf_load_string("b", "RcptTo x@example.org\nLogScans no\n", &b, err,
			 sizeof err);
	CHECK(!mail_config_changed(&a, &b));
	CHECK(mail_wanted(&a));		/* OSFPSendMail: on, with RcptTo */
	conf_free(&b);
	conf_load_string("b", "RcptTo x@example.org\nRcptTo y@example.org\n",
			 &b, err, sizeof err);
	CHECK(mail_config_changed(&a, &b));
	conf_free(&b);
	conf_load_string("b", "RcptTo x@example.org\nMailTLS starttls\n", &b,
			 err, sizeof err);
	CHECK(mail_config_changed(&a, &b));
	conf_free(&b);
	conf_load_string("b", "RcptTo x@example.org\nOSFPSendMail no\n", &b,
			 err, sizeof err);
	CHECK(mail_config_changed(&a, &b));
	CHECK(!mail_wanted(&b));
	conf_free(&b);
	conf_free(&a);
	(void)fmt;
}

int main(void)
{
	RUN(wire_round_trip_scan);
	RUN(wire_round_trip_osprobe_and_udp);
	RUN(wire_encode_sanitises);
	RUN(wire_decode_rejects);
	RUN(subject_expansion);
	RUN(wire_scan_end_and_open_ports);
	RUN(body_scan);
	RUN(body_scan_end);
	RUN(body_osprobe);
	RUN(message_structure);
	RUN(message_date);
	RUN(message_header_injection);
	RUN(message_non_ascii_subject);
	RUN(message_folding);
	RUN(message_body);
	RUN(rate_limit);
	RUN(sink_chooses_alerts);
	RUN(sink_never_waits);
	RUN(sink_set_fd_after_a_restart);
	RUN(sink_close_waits_for_the_mailer);
	RUN(config_changes);
	return unit_report(__FILE__);
}
