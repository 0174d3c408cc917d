/*
 * spoofs - emulate port scans and OS probes from a spoofed source address,
 * to test scandetd.  See spoofs(8).
 *
 *   spoofs -s 203.0.113.5 -d 198.51.100.10 -p 3-200
 *
 * sends one TCP SYN to each port 3..200 of 198.51.100.10 as if it came
 * from 203.0.113.5, through a raw socket (IPv4: IPPROTO_RAW + IP_HDRINCL;
 * IPv6: IPPROTO_RAW + IPV6_HDRINCL).  With -w FILE the same packets go to
 * a pcap file instead, with timestamps from --start spaced by the rate:
 * no privileges needed, and identical arguments give identical bytes.
 *
 * Every header is built here, checksums included: IPv4 (RFC 791),
 * IPv6 (RFC 8200), TCP (RFC 9293), UDP (RFC 768), ICMP echo (RFC 792,
 * RFC 4443).  The pcap file format is written directly, little-endian.
 *
 * Order of work: parse and check every argument, check the destination
 * is one we may send to (before any socket exists), then generate.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "addr.h"

#ifndef SPOOFS_VERSION
#define SPOOFS_VERSION "2.0"
#endif

/* ---- limits ------------------------------------------------------- */

/* Packets per second.  Live sending is capped so that a typo cannot
 * flood a network; a file may go up to its timestamp resolution (1 us). */
#define RATE_DEFAULT	1000
#define RATE_MAX_LIVE	100000
#define RATE_MAX_FILE	1000000
/* -c repetitions, and packets in one run (all repetitions together). */
#define COUNT_MAX	1000000
#define TOTAL_MAX_LIVE	10000000ULL
#define TOTAL_MAX_FILE	100000000ULL
/* --delay: at most a day between two packets. */
#define DELAY_MAX_US	(86400ULL * 1000000)
/* Default --start: 2023-11-14T22:13:20Z, so that files are reproducible. */
#define START_DEFAULT_S	1700000000ULL
/* Default --seed with -w; live runs draw a random seed, so that a second
 * run does not repeat the first one's source ports and sequence numbers. */
#define SEED_DEFAULT	1
/* Entries of an expanded -p list (every port once, or repeats). */
#define PORTS_MAX	65536

#define TTL		64
#define WIN		2048	/* window of plain probes, as the original */
#define SNAPLEN		65535
#define PKT_MAX		512	/* largest packet built: 40 + 8 + 300 */
#define ETH_LEN		14
#define REC_LEN		16	/* pcap record header */
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW	101

#define US		1000000ULL

/* TCP flags (RFC 9293, RFC 3168); x = ECE and y = CWR in scandetd terms. */
#define F_FIN	0x01
#define F_SYN	0x02
#define F_PSH	0x08
#define F_ACK	0x10
#define F_URG	0x20
#define F_ECE	0x40
#define F_CWR	0x80
#define XMAS	(F_FIN | F_PSH | F_URG)

/* ---- probe shapes --------------------------------------------------- */

struct probe {
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP or IPPROTO_ICMP */
	uint8_t flags;		/* TCP flags; ICMP echo: the code */
	uint8_t resv;		/* TCP reserved nibble (nmap's ECN probe: 8) */
	uint8_t tos;		/* IPv4 TOS, IPv6 traffic class */
	bool df;		/* IPv4 don't fragment */
	bool ack;		/* acknowledgment number from the set */
	uint8_t off;		/* added to the set's TCP seq / ICMP id, seq */
	uint16_t win, urp;
	uint16_t ipid;		/* fixed IPv4 ID; 0 = pseudo-random */
	uint16_t paylen;
	uint8_t fill;		/* payload byte */
	uint8_t optlen;
	const uint8_t *opt;
};

struct probe_set {
	const char *name;
	const struct probe *p;
	size_t n;
};

#define TCP(f, w)	.proto = IPPROTO_TCP, .flags = (f), .win = (w)
#define OPT(o)		.opt = (o), .optlen = sizeof(o)

static const struct probe probe_syn[]  = { { TCP(F_SYN, WIN) } };
static const struct probe probe_fin[]  = { { TCP(F_FIN, WIN) } };
static const struct probe probe_null[] = { { TCP(0, WIN) } };
static const struct probe probe_xmas[] = { { TCP(XMAS, WIN) } };
static const struct probe probe_ack[]  = { { TCP(F_ACK, WIN), .ack = true } };
static const struct probe probe_udp[]  = { { .proto = IPPROTO_UDP } };

/*
 * nmap -O (second generation OS detection), from nmap's osscan2.cc and
 * https://nmap.org/book/osdetect-methods.html: six SEQ SYNs, the ECN
 * probe, T2-T7, U1 and the IE echo pair.  TSval 0xFFFFFFFF as nmap sends.
 */
#define TSO	8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0
static const uint8_t nmap_o1[] = { 3, 3, 10, 1, 2, 4, 0x05, 0xb4, TSO, 4, 2 };
static const uint8_t nmap_o2[] = { 2, 4, 0x05, 0x78, 3, 3, 0, 4, 2, TSO, 0 };
static const uint8_t nmap_o3[] = { TSO, 1, 1, 3, 3, 5, 1, 2, 4, 0x02, 0x80 };
static const uint8_t nmap_o4[] = { 4, 2, TSO, 3, 3, 10, 0 };
static const uint8_t nmap_o5[] = { 2, 4, 0x02, 0x18, 4, 2, TSO, 3, 3, 10, 0 };
static const uint8_t nmap_o6[] = { 2, 4, 0x01, 0x09, 4, 2, TSO };
static const uint8_t nmap_ecn[] = { 3, 3, 10, 1, 2, 4, 0x05, 0xb4, 4, 2, 1, 1 };
static const uint8_t nmap_t[]  = { 3, 3, 10, 1, 2, 4, 0x01, 0x09, TSO, 4, 2 };
static const uint8_t nmap_t7[] = { 3, 3, 15, 1, 2, 4, 0x01, 0x09, TSO, 4, 2 };

#define SEQ(i, o, w)	{ TCP(F_SYN, w), .ack = true, .off = (i), OPT(o) }
#define TP(f, w, df_, o) { TCP(f, w), .df = (df_), .ack = true, OPT(o) }
static const struct probe probe_nmap[] = {
	SEQ(0, nmap_o1, 1), SEQ(1, nmap_o2, 63), SEQ(2, nmap_o3, 4),
	SEQ(3, nmap_o4, 4), SEQ(4, nmap_o5, 16), SEQ(5, nmap_o6, 512),
	/* ECN: reserved bit 8, an urgent pointer without URG, ack 0 */
	{ TCP(F_SYN | F_ECE | F_CWR, 3), .resv = 8, .urp = 0xF7F5,
	  OPT(nmap_ecn) },
	TP(0, 128, true, nmap_t),				/* T2 */
	TP(F_SYN | F_FIN | F_PSH | F_URG, 256, false, nmap_t),	/* T3 */
	TP(F_ACK, 1024, true, nmap_t),				/* T4 */
	TP(F_SYN, 31337, false, nmap_t),			/* T5 */
	TP(F_ACK, 32768, true, nmap_t),				/* T6 */
	TP(XMAS, 65535, false, nmap_t7),			/* T7 */
	/* U1: 300 bytes of 'C', nmap's fixed IP ID */
	{ .proto = IPPROTO_UDP, .ipid = 0x1042, .paylen = 300, .fill = 'C' },
	/* IE: echo code 9 with DF, then code 0 with TOS 4, id and seq + 1 */
	{ .proto = IPPROTO_ICMP, .flags = 9, .df = true, .paylen = 120 },
	{ .proto = IPPROTO_ICMP, .tos = 0x04, .off = 1, .paylen = 150 },
};

/* queso: S, SA, F, FA, SF, P and SYN with both reserved bits (x, y). */
static const struct probe probe_queso[] = {
	{ TCP(F_SYN, WIN) }, { TCP(F_SYN | F_ACK, WIN), .ack = true },
	{ TCP(F_FIN, WIN) }, { TCP(F_FIN | F_ACK, WIN), .ack = true },
	{ TCP(F_SYN | F_FIN, WIN) }, { TCP(F_PSH, WIN) },
	{ TCP(F_SYN | F_ECE | F_CWR, WIN) },
};

#define SET(name, a)	{ name, a, sizeof(a) / sizeof((a)[0]) }
static const struct probe_set probe_sets[] = {
	SET("syn", probe_syn), SET("fin", probe_fin), SET("null", probe_null),
	SET("xmas", probe_xmas), SET("ack", probe_ack), SET("udp", probe_udp),
	SET("nmap-os", probe_nmap), SET("queso", probe_queso),
};
#define N_SETS	(sizeof(probe_sets) / sizeof(probe_sets[0]))

/* ---- options -------------------------------------------------------- */

struct opts {
	struct ipprefix src, dst;
	const char *src_arg, *dst_arg, *file;
	const struct probe_set *set;
	uint16_t *ports;
	size_t nports;
	uint64_t rate, count, delay_us, start_us, seed;
	long sport;			/* -1: pseudo-random per probe */
	bool random_order, allow_any, dry_run, quiet, raw_link;
	bool seed_given, start_given, link_given, rate_given;
};

/* The plan worked out from the options. */
struct plan {
	uint64_t nsrc, ndst, total;
	bool v4;
};

enum { OPT_DELAY = 256, OPT_SPORT, OPT_RANDOM, OPT_START, OPT_SEED,
       OPT_LINK, OPT_ALLOW, OPT_VERSION };

static const struct option long_opts[] = {
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "sport", required_argument, NULL, OPT_SPORT },
	{ "random", no_argument, NULL, OPT_RANDOM },
	{ "start", required_argument, NULL, OPT_START },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "link", required_argument, NULL, OPT_LINK },
	{ "allow-any-destination", no_argument, NULL, OPT_ALLOW },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static void usage(FILE *f)
{
	fputs(
"usage: spoofs -s SRC[/LEN] -d DST[/LEN] -p PORTS [options]\n"
"\n"
"Emulate a port scan or an OS probe from a spoofed source, to test scandetd.\n"
"\n"
"  -s SRC[/LEN]   source address; a prefix rotates through its addresses\n"
"  -d DST[/LEN]   destination address; a prefix sweeps all its addresses\n"
"  -p PORTS       destination ports: 3-200 or a list like 22,80,8000-8100\n"
"  -t TYPE        syn (default), fin, null, xmas, ack, udp, nmap-os, queso\n"
"  -r RATE        packets per second (default 1000; at most 100000 live,\n"
"                 1000000 with -w)\n"
"  -c COUNT       repeat everything COUNT times (default 1)\n"
"  --delay SEC    seconds between packets, instead of -r (e.g. 2.5)\n"
"  --sport PORT   fixed source port (default: pseudo-random per probe)\n"
"  --random       shuffle the port order (again on each repetition)\n"
"  -w FILE        write a pcap file (- for standard output) instead of\n"
"                 sending; needs no privileges\n"
"  --link TYPE    link type of the file: ether (default) or raw\n"
"  --start TIME   time of the first packet in the file: epoch seconds\n"
"                 (1700000000.25) or ISO 8601 UTC (2023-11-14T22:13:20Z);\n"
"                 default 1700000000\n"
"  --seed N       seed of IP IDs, sequence numbers, source ports and order\n"
"                 (default 1 with -w, random when sending live)\n"
"  --allow-any-destination\n"
"                 send live to any destination (see SAFETY in spoofs(8))\n"
"  -n, --dry-run  check everything, say what would be sent, send nothing\n"
"  -q             do not print the closing line\n"
"  -h, --help     print this help\n"
"  --version      print the version\n"
"\n"
"example: spoofs -s 203.0.113.5 -d 198.51.100.10 -p 3-200\n", f);
}

/* ---- errors --------------------------------------------------------- */

static void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void vmsg(const char *fmt, va_list ap)
{
	fputs("spoofs: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* Something went wrong while running: exit 1. */
static void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(1);
}

/* The command line asks for something wrong or refused: exit 2. */
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(2);
}

static void warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

#define bad(what, arg, why)	usage_error("bad %s \"%s\": %s", what, arg, why)

/* ---- parsing -------------------------------------------------------- */

/* A decimal number that is all of s, lo..hi.  NULL, or why not. */
static const char *parse_num(const char *s, uint64_t lo, uint64_t hi,
			     uint64_t *out)
{
	static char why[80];
	uint64_t v = 0;
	bool big = false;
	const char *p;

	if (!*s)
		return "empty";
	for (p = s; *p; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (*p < '0' || *p > '9')
			return "not a decimal number";
		if (v > (UINT64_MAX - d) / 10)
			big = true;
		else
			v = v * 10 + d;
	}
	if (big || v < lo || v > hi) {
		snprintf(why, sizeof(why), "must be between %" PRIu64
			 " and %" PRIu64, lo, hi);
		return why;
	}
	*out = v;
	return NULL;
}

static uint64_t num_arg(const char *what, const char *s, uint64_t lo,
			uint64_t hi)
{
	uint64_t v = 0;
	const char *why = parse_num(s, lo, hi, &v);

	if (why)
		bad(what, s, why);
	return v;
}

/* Seconds with up to six decimals ("2.5") in microseconds. */
static const char *parse_seconds(const char *s, uint64_t max_s, uint64_t *us)
{
	uint64_t sec = 0, frac = 0;
	unsigned nfrac = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return "not a number of seconds";
	for (; *p >= '0' && *p <= '9'; p++) {
		sec = sec * 10 + (uint64_t)(*p - '0');
		if (sec > max_s)
			return "too large";
	}
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return "not a number of seconds";
		for (p++; *p >= '0' && *p <= '9'; p++, nfrac++) {
			if (nfrac == 6)
				return "more than 6 decimals (microseconds)";
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
	}
	if (*p)
		return "not a number of seconds";
	for (; nfrac < 6; nfrac++)
		frac *= 10;
	*us = sec * US + frac;
	return NULL;
}

/* n decimal digits, or -1. */
static int digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Days since 1970-01-01 of a date in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t yoe, doy;

	y -= m <= 2;
	yoe = y % 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return (int64_t)(y / 400) * 146097 + yoe * 365 + yoe / 4 - yoe / 100
		+ doy - 719468;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* YYYY-MM-DDTHH:MM:SS[.ffffff][Z], UTC. */
static const char *parse_iso(const char *s, uint64_t *us)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				       31, 30, 31 };
	const char *form = "not YYYY-MM-DDTHH:MM:SS[.ffffff][Z]";
	int y, mo, d, h, mi, se;
	uint64_t frac = 0;
	const char *rest;

	if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return form;
	y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
	if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0)
		return form;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 ||
	    se > 59 || d > mdays[mo - 1] + (mo == 2 && leap(y)))
		return "no such date or time";
	rest = s + 19;
	if (*rest == '.') {
		char buf[16];
		size_t n = strspn(rest + 1, "0123456789");

		if (n == 0 || n > 6)
			return "1 to 6 decimals after the seconds";
		snprintf(buf, sizeof(buf), "0.%.*s", (int)n, rest + 1);
		if (parse_seconds(buf, 0, &frac))
			return form;
		rest += 1 + n;
	}
	if (*rest == 'Z' || *rest == 'z')
		rest++;
	if (*rest)
		return form;
	*us = ((uint64_t)days_from_civil(y, mo, d) * 86400 +
	       (uint64_t)(h * 3600 + mi * 60 + se)) * US + frac;
	return NULL;
}

/* --start: epoch seconds or ISO 8601; must fit pcap's 32-bit seconds. */
static uint64_t start_arg(const char *s)
{
	uint64_t us = 0;
	const char *why;

	if (strlen(s) >= 10 && s[4] == '-')
		why = parse_iso(s, &us);
	else
		why = parse_seconds(s, UINT32_MAX, &us);
	if (!why && us / US > UINT32_MAX)
		why = "after 2106-02-07T06:28:15Z, beyond pcap timestamps";
	if (why)
		bad("start time", s, why);
	return us;
}

/* ADDR or ADDR/LEN. */
static void prefix_arg(const char *what, const char *arg, struct ipprefix *p)
{
	char buf[ADDR_STR_MAX];
	const char *slash = strchr(arg, '/');
	size_t alen = slash ? (size_t)(slash - arg) : strlen(arg);
	struct ipaddr a;
	uint64_t plen;

	if (alen >= sizeof(buf))
		bad(what, arg, "not an IPv4 or IPv6 address");
	memcpy(buf, arg, alen);
	buf[alen] = '\0';
	if (!addr_parse(buf, &a))
		bad(what, arg, "not an IPv4 or IPv6 address");
	plen = addr_is_v4(&a) ? 32 : 128;
	if (slash) {
		const char *why = parse_num(slash + 1, 0, plen, &plen);

		if (why) {
			usage_error("bad %s \"%s\": prefix length %s", what,
				    arg, why);
		}
	}
	prefix_make(p, &a, (unsigned)plen);
}

static uint16_t port_arg(const char *what, const char *item, const char *s)
{
	uint64_t v = 0;
	const char *why = parse_num(s, 0, 65535, &v);

	if (why)
		bad(what, item, why);
	return (uint16_t)v;
}

/* One item of a port list, N or LOW-HIGH (n chars at s), appended. */
static void port_item(struct opts *o, const char *s, size_t n)
{
	char item[24], low[24];
	const char *dash;
	uint16_t lo, hi;
	uint32_t p;

	if (n >= sizeof(item))
		usage_error("bad port \"%.*s\": not a port or LOW-HIGH range",
			    (int)n, s);
	memcpy(item, s, n);
	item[n] = '\0';
	dash = strchr(item, '-');
	if (!dash) {
		lo = hi = port_arg("port", item, item);
	} else {
		memcpy(low, item, (size_t)(dash - item));
		low[dash - item] = '\0';
		if (!*low || !dash[1])
			bad("port range", item, "not LOW-HIGH");
		lo = port_arg("port range", item, low);
		hi = port_arg("port range", item, dash + 1);
		if (lo > hi)
			bad("port range", item, "low above high");
	}
	if (o->nports + (size_t)(hi - lo) + 1 > PORTS_MAX)
		usage_error("bad port list: more than %d ports", PORTS_MAX);
	for (p = lo; p <= hi; p++)
		o->ports[o->nports++] = (uint16_t)p;
}

/* 22,80,8000-8100 */
static void ports_arg(struct opts *o, const char *arg)
{
	const char *s = arg;

	o->nports = 0;
	for (;;) {
		size_t n = strcspn(s, ",");

		if (n == 0)
			bad("port list", arg, "empty item");
		port_item(o, s, n);
		if (!s[n])
			break;
		s += n + 1;
	}
}

static const struct probe_set *type_arg(const char *s)
{
	size_t i;

	for (i = 0; i < N_SETS; i++)
		if (strcmp(s, probe_sets[i].name) == 0)
			return &probe_sets[i];
	bad("probe type", s,
	    "expected syn, fin, null, xmas, ack, udp, nmap-os or queso");
}

static uint64_t delay_arg(const char *arg)
{
	uint64_t us = 0;
	const char *why = parse_seconds(arg, DELAY_MAX_US / US, &us);

	if (!why && (us == 0 || us > DELAY_MAX_US))
		why = "must be more than 0 and at most 86400 seconds";
	if (why)
		bad("delay", arg, why);
	return us;
}

static void parse_option(struct opts *o, int c, const char *arg)
{
	switch (c) {
	case 's':
		o->src_arg = arg;
		prefix_arg("source address", arg, &o->src);
		break;
	case 'd':
		o->dst_arg = arg;
		prefix_arg("destination address", arg, &o->dst);
		break;
	case 'p':
		ports_arg(o, arg);
		break;
	case 't':
		o->set = type_arg(arg);
		break;
	case 'r':
		o->rate = num_arg("rate", arg, 1, RATE_MAX_FILE);
		o->rate_given = true;
		break;
	case 'c':
		o->count = num_arg("count", arg, 1, COUNT_MAX);
		break;
	case 'w':
		if (!*arg)
			bad("output file", arg, "empty name");
		o->file = arg;
		break;
	case 'n':
		o->dry_run = true;
		break;
	case 'q':
		o->quiet = true;
		break;
	case OPT_DELAY:
		o->delay_us = delay_arg(arg);
		break;
	case OPT_SPORT:
		o->sport = (long)num_arg("source port", arg, 0, 65535);
		break;
	case OPT_RANDOM:
		o->random_order = true;
		break;
	case OPT_START:
		o->start_us = start_arg(arg);
		o->start_given = true;
		break;
	case OPT_SEED:
		o->seed = num_arg("seed", arg, 0, UINT64_MAX);
		o->seed_given = true;
		break;
	case OPT_LINK:
		if (strcmp(arg, "ether") != 0 && strcmp(arg, "raw") != 0)
			bad("link type", arg, "expected ether or raw");
		o->raw_link = strcmp(arg, "raw") == 0;
		o->link_given = true;
		break;
	case OPT_ALLOW:
		o->allow_any = true;
		break;
	case 'h':
		usage(stdout);
		exit(0);
	case OPT_VERSION:
		printf("spoofs (scandetd) %s\n", SPOOFS_VERSION);
		exit(0);
	}
}

/* Options that only make sense together, and what every run needs. */
static void check_opts(const struct opts *o)
{
	if (!o->src_arg)
		usage_error("missing -s SRC (try 'spoofs --help')");
	if (!o->dst_arg)
		usage_error("missing -d DST (try 'spoofs --help')");
	if (!o->nports)
		usage_error("missing -p PORTS (try 'spoofs --help')");
	if (o->src.v4 != o->dst.v4)
		usage_error("source %s and destination %s are not of the same "
			    "address family", o->src_arg, o->dst_arg);
	if (o->rate_given && o->delay_us)
		usage_error("-r and --delay are exclusive");
	if (!o->file && (o->start_given || o->link_given))
		usage_error("--start and --link only apply to -w FILE");
	if (!o->file && o->rate > RATE_MAX_LIVE)
		usage_error("bad rate \"%" PRIu64 "\": at most %d packets per "
			    "second when sending live (%d with -w)", o->rate,
			    RATE_MAX_LIVE, RATE_MAX_FILE);
}

/* getopt found an unknown option or one without its argument. */
static void bad_option(int c, const char *last)
{
	char name[3] = { '-', (char)optopt, '\0' };
	const char *opt = optopt > 0 && optopt < 128 ? name : last;

	if (c == ':')
		usage_error("option %s needs an argument (try 'spoofs --help')",
			    opt);
	usage_error("unknown option %s (try 'spoofs --help')", opt);
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	static uint16_t ports[PORTS_MAX];
	int c;

	memset(o, 0, sizeof(*o));
	o->ports = ports;
	o->set = &probe_sets[0];
	o->rate = RATE_DEFAULT;
	o->count = 1;
	o->sport = -1;
	o->start_us = START_DEFAULT_S * US;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:d:p:t:r:c:w:nqh", long_opts,
				NULL)) != -1) {
		if (c == '?' || c == ':')
			bad_option(c, argv[optind - 1]);
		parse_option(o, c, optarg);
	}
	if (optind < argc)
		usage_error("unexpected argument \"%s\" (try 'spoofs --help')",
			    argv[optind]);
	check_opts(o);
}

/* ---- the plan ------------------------------------------------------- */

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* Addresses in a prefix, saturated. */
static uint64_t prefix_size(const struct ipprefix *p)
{
	unsigned host = (p->v4 ? 32u : 128u) - p->plen;

	return host >= 64 ? UINT64_MAX : 1ULL << host;
}

/* Microseconds from the first packet to packet i. */
static uint64_t offset_us(const struct opts *o, uint64_t i)
{
	return o->delay_us ? i * o->delay_us : i * US / o->rate;
}

static void make_plan(const struct opts *o, struct plan *pl)
{
	uint64_t max = o->file ? TOTAL_MAX_FILE : TOTAL_MAX_LIVE;

	pl->v4 = o->src.v4;
	pl->nsrc = prefix_size(&o->src);
	pl->ndst = prefix_size(&o->dst);
	pl->total = sat_mul(sat_mul(sat_mul(pl->ndst, o->nports), o->set->n),
			    o->count);
	if (pl->total > max)
		usage_error("too many packets: destinations x ports x probes "
			    "x count is above the limit of %" PRIu64 "%s", max,
			    o->file ? "" : " when sending live");
	if (o->file && (o->start_us + offset_us(o, pl->total - 1)) / US >
	    UINT32_MAX)
		usage_error("the last packet would be after 2106-02-07, beyond "
			    "pcap timestamps");
}

/* ---- safety: where we may send live --------------------------------- */

static const struct {
	const char *net;
	unsigned plen;
	const char *why;
} permitted[] = {
	{ "127.0.0.0", 8, "loopback" }, { "::1", 128, "loopback" },
	{ "10.0.0.0", 8, "private" }, { "172.16.0.0", 12, "private" },
	{ "192.168.0.0", 16, "private" }, { "fc00::", 7, "private" },
	{ "169.254.0.0", 16, "link-local" }, { "fe80::", 10, "link-local" },
	{ "192.0.2.0", 24, "documentation" },
	{ "198.51.100.0", 24, "documentation" },
	{ "203.0.113.0", 24, "documentation" },
	{ "2001:db8::", 32, "documentation" },
	{ "3fff::", 20, "documentation" },
};

static bool contains(const struct ipprefix *outer, const struct ipprefix *in)
{
	return outer->v4 == in->v4 && outer->plen <= in->plen &&
	       prefix_match(outer, &in->net);
}

/* A route: its prefix, and whether it reaches its network directly. */
struct route {
	struct ipprefix p;
	bool direct;
};

#define RTF_UP_		0x0001
#define RTF_GATEWAY_	0x0002
#define RTF_REJECT_	0x0200

/* One line of /proc/net/route; false for the header and junk. */
static bool route4_line(const char *line, struct route *r)
{
	char ifname[64];
	unsigned dst, gw, flags, mask, plen = 0;
	struct ipaddr a;

	if (sscanf(line, "%63s %x %x %x %*s %*s %*s %x", ifname, &dst, &gw,
		   &flags, &mask) != 5)
		return false;
	if (!(flags & RTF_UP_) || (flags & RTF_REJECT_))
		return false;
	for (; mask; mask &= mask - 1)
		plen++;
	addr_from_v4(&a, (const uint8_t *)&dst);	/* kernel byte order */
	prefix_make(&r->p, &a, plen);
	r->direct = gw == 0 && !(flags & RTF_GATEWAY_);
	return true;
}

static bool hex16(const char *s, uint8_t out[16])
{
	int i;

	for (i = 0; i < 16; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	return true;
}

/* One line of /proc/net/ipv6_route; multicast routes do not count. */
static bool route6_line(const char *line, struct route *r)
{
	char dst[33], gw[33];
	unsigned plen, flags;
	uint8_t d[16], g[16];
	static const uint8_t zero[16];
	struct ipaddr a;

	if (sscanf(line, "%32s %x %*s %*s %32s %*s %*s %*s %x", dst, &plen,
		   gw, &flags) != 4 || !hex16(dst, d) || !hex16(gw, g))
		return false;
	if (!(flags & RTF_UP_) || (flags & RTF_REJECT_) || d[0] == 0xff ||
	    plen > 128)
		return false;
	addr_from_v6(&a, d);
	prefix_make(&r->p, &a, plen);
	r->direct = !(flags & RTF_GATEWAY_) && memcmp(g, zero, 16) == 0;
	return true;
}

/* Is all of dst on a directly connected network?  The most specific
 * route covering it must have no gateway, and must not be a default. */
static bool on_connected_network(const struct ipprefix *dst)
{
	FILE *f = fopen(dst->v4 ? "/proc/net/route" : "/proc/net/ipv6_route",
			"r");
	char line[512];
	struct route r;
	int best = -1;			/* prefix length of the best route */
	bool direct = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		bool ok = dst->v4 ? route4_line(line, &r)
				  : route6_line(line, &r);

		if (ok && contains(&r.p, dst) && (int)r.p.plen > best) {
			best = r.p.plen;
			direct = r.direct;
		}
	}
	fclose(f);
	return best > 0 && direct;
}

/* Why we may send to dst, or NULL. */
static const char *destination_ok(const struct opts *o)
{
	size_t i;

	if (o->allow_any)
		return "any destination allowed";
	for (i = 0; i < sizeof(permitted) / sizeof(permitted[0]); i++) {
		struct ipaddr a;
		struct ipprefix p;

		if (!addr_parse(permitted[i].net, &a))
			continue;
		prefix_make(&p, &a, permitted[i].plen);
		if (contains(&p, &o->dst))
			return permitted[i].why;
	}
	if (on_connected_network(&o->dst))
		return "directly connected network";
	return NULL;
}

static const char *check_destination(const struct opts *o)
{
	const char *why = destination_ok(o);

	if (!why)
		usage_error("refusing to send live to %s: it is not loopback, "
			    "private, link-local or documentation space, nor "
			    "on a directly connected network; add "
			    "--allow-any-destination to send anyway, or use "
			    "-w FILE to write a capture", o->dst_arg);
	return why;
}

/* ---- pseudo-random numbers (splitmix64) ----------------------------- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void shuffle(uint16_t *v, size_t n, uint64_t *s)
{
	size_t i;

	for (i = n; i > 1; i--) {
		size_t j = (size_t)(rnd(s) % i);
		uint16_t t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* ---- packets -------------------------------------------------------- */

/* What varies from packet to packet. */
struct pktinfo {
	struct ipaddr src, dst;
	uint16_t sport, dport, ipid, icmp_id, icmp_seq;
	uint32_t seq, ack;
};

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* RFC 1071 one's complement sum, folded at the end by csum(). */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Pseudo-header sum of TCP, UDP and ICMPv6 (RFC 9293, RFC 8200 8.1). */
static uint32_t pseudo_sum(const struct pktinfo *k, bool v4, uint8_t proto,
			   size_t len)
{
	size_t off = v4 ? 12 : 0, n = v4 ? 4 : 16;

	return sum16(sum16(proto + (uint32_t)len, k->src.b + off, n),
		     k->dst.b + off, n);
}

static size_t build_tcp(uint8_t *l4, const struct probe *pr,
			const struct pktinfo *k)
{
	size_t hl = 20 + pr->optlen;

	put16(l4, k->sport);
	put16(l4 + 2, k->dport);
	put32(l4 + 4, k->seq);
	put32(l4 + 8, k->ack);
	l4[12] = (uint8_t)(hl / 4 << 4 | pr->resv);
	l4[13] = pr->flags;
	put16(l4 + 14, pr->win);
	put16(l4 + 16, 0);
	put16(l4 + 18, pr->urp);
	if (pr->optlen)
		memcpy(l4 + 20, pr->opt, pr->optlen);
	return hl;
}

static size_t build_udp(uint8_t *l4, const struct probe *pr,
			const struct pktinfo *k)
{
	put16(l4, k->sport);
	put16(l4 + 2, k->dport);
	put16(l4 + 4, 8u + pr->paylen);
	put16(l4 + 6, 0);
	memset(l4 + 8, pr->fill, pr->paylen);
	return 8u + pr->paylen;
}

static size_t build_echo(uint8_t *l4, const struct probe *pr,
			 const struct pktinfo *k, bool v4)
{
	l4[0] = v4 ? 8 : 128;		/* echo request */
	l4[1] = pr->flags;		/* code */
	put16(l4 + 2, 0);
	put16(l4 + 4, k->icmp_id);
	put16(l4 + 6, k->icmp_seq);
	memset(l4 + 8, pr->fill, pr->paylen);
	return 8u + pr->paylen;
}

/* The transport header and payload at l4, checksum included. */
static size_t build_l4(uint8_t *l4, const struct probe *pr,
		       const struct pktinfo *k, bool v4, uint8_t *proto)
{
	size_t len;
	uint16_t c;
	int at;

	*proto = pr->proto;
	switch (pr->proto) {
	case IPPROTO_TCP: len = build_tcp(l4, pr, k); at = 16; break;
	case IPPROTO_UDP: len = build_udp(l4, pr, k); at = 6; break;
	default:
		len = build_echo(l4, pr, k, v4);
		at = 2;
		if (v4) {
			put16(l4 + at, csum(sum16(0, l4, len)));
			return len;
		}
		*proto = IPPROTO_ICMPV6;
		break;
	}
	c = csum(sum16(pseudo_sum(k, v4, *proto, len), l4, len));
	if (c == 0 && pr->proto == IPPROTO_UDP)
		c = 0xffff;	/* RFC 768: zero means no checksum */
	put16(l4 + at, c);
	return len;
}

/* A whole IP packet at pkt; returns its length. */
static size_t build_packet(uint8_t *pkt, const struct probe *pr,
			   const struct pktinfo *k, bool v4)
{
	size_t hl = v4 ? 20 : 40, len;
	uint8_t proto;

	len = build_l4(pkt + hl, pr, k, v4, &proto);
	if (v4) {
		pkt[0] = 0x45;
		pkt[1] = pr->tos;
		put16(pkt + 2, (uint32_t)(hl + len));
		put16(pkt + 4, pr->ipid ? pr->ipid : k->ipid);
		put16(pkt + 6, pr->df ? 0x4000 : 0);
		pkt[8] = TTL;
		pkt[9] = proto;
		put16(pkt + 10, 0);
		memcpy(pkt + 12, k->src.b + 12, 4);
		memcpy(pkt + 16, k->dst.b + 12, 4);
		put16(pkt + 10, csum(sum16(0, pkt, 20)));
	} else {
		put32(pkt, 6u << 28 | (uint32_t)pr->tos << 20);
		put16(pkt + 4, (uint32_t)len);
		pkt[6] = proto;
		pkt[7] = TTL;
		memcpy(pkt + 8, k->src.b, 16);
		memcpy(pkt + 24, k->dst.b, 16);
	}
	return hl + len;
}

/* The i-th address of a prefix (i below its size). */
static struct ipaddr addr_nth(const struct ipaddr *base, uint64_t i)
{
	struct ipaddr a = *base;
	unsigned carry = 0;
	int b;

	for (b = 15; b >= 0 && (i || carry); b--, i >>= 8) {
		unsigned v = a.b[b] + (unsigned)(i & 0xff) + carry;

		a.b[b] = (uint8_t)v;
		carry = v >> 8;
	}
	return a;
}

/* ---- output: a pcap file or a raw socket ---------------------------- */

struct out {
	const struct opts *o;
	FILE *f;			/* pcap file, or NULL: send live */
	int fd;				/* raw socket */
	struct timespec t0;		/* live: when the first packet left */
	uint64_t n, failed;		/* packets written or sent, refused */
};

static void pcap_header(struct out *out)
{
	uint8_t h[24] = { 0 };

	put32le(h, 0xa1b2c3d4);		/* microsecond timestamps */
	h[4] = 2;			/* version 2.4 */
	h[6] = 4;
	put32le(h + 16, SNAPLEN);
	put32le(h + 20, out->o->raw_link ? LINKTYPE_RAW : LINKTYPE_ETHERNET);
	if (fwrite(h, sizeof(h), 1, out->f) != 1)
		fatal("%s: %s", out->o->file, strerror(errno));
}

static void open_file(struct out *out)
{
	const char *name = out->o->file;

	if (strcmp(name, "-") == 0) {
		if (isatty(STDOUT_FILENO))
			usage_error("refusing to write pcap to a terminal");
		out->f = stdout;
	} else if (!(out->f = fopen(name, "wb"))) {
		fatal("%s: %s", name, strerror(errno));
	}
	if (setvbuf(out->f, NULL, _IOFBF, 1 << 20) != 0)
		fatal("%s: cannot set a buffer", name);
	pcap_header(out);
}

static void close_file(struct out *out)
{
	const char *name = out->o->file;

	if (fflush(out->f) != 0 || ferror(out->f)) {
		int e = errno;

		if (out->f != stdout)
			unlink(name);
		fatal("%s: write error: %s", name, strerror(e));
	}
	if (out->f != stdout && fclose(out->f) != 0)
		fatal("%s: %s", name, strerror(errno));
}

/* frame: REC_LEN + ETH_LEN bytes of room, then the IP packet. */
static void write_packet(struct out *out, uint8_t *frame, size_t iplen,
			 bool v4)
{
	static const uint8_t macs[12] = { 0x02, 0, 0, 0, 0, 0x02,
					  0x02, 0, 0, 0, 0, 0x01 };
	uint64_t ts = out->o->start_us + offset_us(out->o, out->n);
	uint8_t *rec = frame;
	size_t caplen = iplen;

	if (out->o->raw_link) {
		rec += ETH_LEN;
	} else {
		memcpy(frame + REC_LEN, macs, 12);
		put16(frame + REC_LEN + 12, v4 ? 0x0800 : 0x86dd);
		caplen += ETH_LEN;
	}
	put32le(rec, (uint32_t)(ts / US));
	put32le(rec + 4, (uint32_t)(ts % US));
	put32le(rec + 8, (uint32_t)caplen);
	put32le(rec + 12, (uint32_t)caplen);
	if (fwrite(rec, REC_LEN + caplen, 1, out->f) != 1) {
		if (out->f != stdout)
			unlink(out->o->file);
		fatal("%s: write error: %s", out->o->file, strerror(errno));
	}
}

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL 36			/* Linux 4.5 and later */
#endif

static void open_socket(struct out *out, bool v4)
{
	int one = 1;

	out->fd = socket(v4 ? AF_INET : AF_INET6, SOCK_RAW, IPPROTO_RAW);
	if (out->fd < 0) {
		if (errno == EPERM || errno == EACCES)
			fatal("cannot open a raw socket: %s (sending needs "
			      "root or CAP_NET_RAW; -w FILE needs neither)",
			      strerror(errno));
		fatal("cannot open a raw socket: %s", strerror(errno));
	}
	/* IPPROTO_RAW implies both on Linux; say it anyway. */
	if (v4 && setsockopt(out->fd, IPPROTO_IP, IP_HDRINCL, &one,
			     sizeof(one)) < 0)
		fatal("IP_HDRINCL: %s", strerror(errno));
	if (!v4 && setsockopt(out->fd, IPPROTO_IPV6, IPV6_HDRINCL, &one,
			      sizeof(one)) < 0 && errno != ENOPROTOOPT)
		fatal("IPV6_HDRINCL: %s", strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &out->t0);
}

/* Sleep until packet n is due. */
static void pace(struct out *out)
{
	uint64_t off = offset_us(out->o, out->n);
	struct timespec due = out->t0, now;

	due.tv_sec += (time_t)(off / US);
	due.tv_nsec += (long)(off % US) * 1000;
	if (due.tv_nsec >= 1000000000L) {
		due.tv_sec++;
		due.tv_nsec -= 1000000000L;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > due.tv_sec ||
	    (now.tv_sec == due.tv_sec && now.tv_nsec >= due.tv_nsec))
		return;			/* late already: no system call */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL)
	       == EINTR)
		;
}

static void send_packet(struct out *out, const uint8_t *pkt, size_t len,
			const struct ipaddr *dst, bool v4)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	int tries = 0;

	if (v4) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, dst->b + 12, 4);
		sl = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, dst->b, 16);
		sl = sizeof(*sin6);
	}
	pace(out);
	while (sendto(out->fd, pkt, len, 0, (struct sockaddr *)&ss, sl) < 0) {
		char buf[ADDR_STR_MAX];

		if (errno == EINTR)
			continue;
		if (errno == ENOBUFS && ++tries < 1000) {
			usleep(1000);	/* queue full: let it drain */
			continue;
		}
		if (errno == EPERM && out->failed == 0)
			warning("a firewall may be dropping the packets");
		warning("sendto %s: %s", addr_to_str(dst, buf, sizeof(buf)),
			strerror(errno));
		if (++out->failed >= 10)
			fatal("giving up after 10 failed sends");
		return;
	}
}

static void emit(struct out *out, const struct probe *pr,
		 const struct pktinfo *k, bool v4)
{
	uint8_t frame[REC_LEN + ETH_LEN + PKT_MAX];
	uint8_t *pkt = frame + REC_LEN + ETH_LEN;
	size_t len = build_packet(pkt, pr, k, v4);

	if (out->f)
		write_packet(out, frame, len, v4);
	else
		send_packet(out, pkt, len, &k->dst, v4);
	out->n++;
}

/* ---- the run -------------------------------------------------------- */

/* One probe set from src to dst:dport. */
static void send_set(struct out *out, const struct plan *pl, uint64_t *rs,
		     const struct ipaddr *src, const struct ipaddr *dst,
		     uint16_t dport)
{
	const struct opts *o = out->o;
	uint64_t set_r1 = rnd(rs), set_r2 = rnd(rs);
	struct pktinfo k;
	size_t i;

	k.src = *src;
	k.dst = *dst;
	k.dport = dport;
	for (i = 0; i < o->set->n; i++) {
		const struct probe *pr = &o->set->p[i];
		uint64_t r = rnd(rs);

		k.ipid = (uint16_t)r;
		k.sport = o->sport >= 0 ? (uint16_t)o->sport
			: (uint16_t)(1024 + (r >> 16) % 64512);
		k.seq = (uint32_t)set_r1 + pr->off;
		k.ack = pr->ack ? (uint32_t)(set_r1 >> 32) : 0;
		k.icmp_id = (uint16_t)(set_r2 + pr->off);
		k.icmp_seq = (uint16_t)((set_r2 >> 16) + pr->off);
		emit(out, pr, &k, pl->v4);
	}
}

/* For each repetition, destination and port, a probe set; sources rotate
 * from one set to the next. */
static void run(struct out *out, const struct plan *pl, uint64_t seed)
{
	const struct opts *o = out->o;
	uint64_t rep, d, sets = 0, rs = seed;
	size_t p;

	for (rep = 0; rep < o->count; rep++) {
		if (o->random_order)
			shuffle(o->ports, o->nports, &rs);
		for (d = 0; d < pl->ndst; d++) {
			struct ipaddr dst = addr_nth(&o->dst.net, d);

			for (p = 0; p < o->nports; p++, sets++) {
				struct ipaddr src = addr_nth(&o->src.net,
							     sets % pl->nsrc);

				send_set(out, pl, &rs, &src, &dst, o->ports[p]);
			}
		}
	}
}

/* --seed, else a fixed seed for files and a random one for live runs. */
static uint64_t choose_seed(const struct opts *o)
{
	uint64_t s;

	if (o->seed_given)
		return o->seed;
	if (o->file)
		return SEED_DEFAULT;
	if (getrandom(&s, sizeof(s), 0) == (ssize_t)sizeof(s))
		return s;
	return (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct plan pl;
	struct out out = { 0 };
	const char *why = NULL;

	parse_args(&o, argc, argv);
	make_plan(&o, &pl);
	if (!o.file)
		why = check_destination(&o);	/* before any socket */
	if (o.dry_run) {
		printf("would %s %" PRIu64 " packets to %s from %s%s%s%s\n",
		       o.file ? "write" : "send", pl.total, o.dst_arg,
		       o.src_arg, why ? " (" : "", why ? why : "",
		       why ? ")" : "");
		return 0;
	}
	out.o = &o;
	if (o.file)
		open_file(&out);
	else
		open_socket(&out, pl.v4);
	run(&out, &pl, choose_seed(&o));
	if (o.file) {
		close_file(&out);
		return 0;
	}
	close(out.fd);
	if (!o.quiet)
		printf("Ok. I've sent %" PRIu64 " packets to host %s as host "
		       "%s\n", out.n - out.failed, o.dst_arg, o.src_arg);
	return out.failed ? 1 : 0;
}
