/*
 * test_signature.c - the signature table: one test per line of
 * data/signatures.txt (the packet the tool really sends, and a near miss
 * one field off), benign packets that match nothing, the order in which
 * overlapping signatures win, and the parser's error messages.
 *
 * Packets are built as struct pkt values the way the decoder fills them
 * (decode.h); a few are built as real frames and decoded, so that the
 * fields the table looks at come from the bytes on the wire.
 */
#include <stdlib.h>
#include <unistd.h>

#include "decode.h"
#include "signature.h"
#include "unit.h"

static struct signatures SIGS;		/* the built-in table */
static char err[512];

/* Names that a positive check has matched: every signature needs one. */
static char tested[SIGNATURE_MAX][32];
static size_t ntested;

static void mark_tested(const char *name)
{
	for (size_t i = 0; i < ntested; i++)
		if (strcmp(tested[i], name) == 0)
			return;
	if (ntested < SIGNATURE_MAX)
		snprintf(tested[ntested++], sizeof tested[0], "%s", name);
}

/* "020405b4" -> bytes; spaces and dots (a timestamp's "any") allowed:
 * dots become 0x5a. */
static size_t hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*s) {
		unsigned v;

		if (*s == ' ') {
			s++;
			continue;
		}
		if (s[0] == '.' && s[1] == '.') {
			v = 0x5a;
		} else if (sscanf(s, "%2x", &v) != 1) {
			printf("test bug: bad hex %s\n", s);
			abort();
		}
		if (n == max)
			abort();
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static struct ipaddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	const uint8_t x[4] = { a, b, c, d };
	struct ipaddr r;

	addr_from_v4(&r, x);
	return r;
}

/* An IPv4 TCP packet 203.0.113.9:sport -> 198.51.100.10:dport, no
 * payload, as decode_tcp fills it. */
static struct pkt tcp_pkt(uint8_t ttl, uint16_t ipid, uint8_t flags,
			  uint16_t win, const char *opthex)
{
	struct pkt p;

	memset(&p, 0, sizeof p);
	p.ts_us = 1000000;
	p.ipver = 4;
	p.proto = PROTO_TCP;
	p.ttl = ttl;
	p.ip_id = ipid;
	p.src = v4(203, 0, 113, 9);
	p.dst = v4(198, 51, 100, 10);
	p.sport = 45678;
	p.dport = 80;
	p.tcp_flags = flags;
	p.tcp_flags_known = true;
	p.tcp_window = win;
	p.tcp_seq = 0x01020304;
	p.tcp_optlen = (uint8_t)hex(opthex ? opthex : "", p.tcp_opts,
				    sizeof p.tcp_opts);
	p.ip_len = (uint16_t)(20 + 20 + p.tcp_optlen);
	p.wire_len = 14u + p.ip_len;
	p.payload_len = 0;
	return p;
}

/* An IPv4 UDP datagram with payload bytes of data. */
static struct pkt udp_pkt(uint8_t ttl, uint16_t sport, uint16_t dport,
			  uint16_t payload)
{
	struct pkt p;

	memset(&p, 0, sizeof p);
	p.ts_us = 1000000;
	p.ipver = 4;
	p.proto = PROTO_UDP;
	p.ttl = ttl;
	p.ip_id = 0x4321;
	p.src = v4(203, 0, 113, 9);
	p.dst = v4(198, 51, 100, 10);
	p.sport = sport;
	p.dport = dport;
	p.payload_len = payload;
	p.ip_len = (uint16_t)(20 + 8 + payload);
	p.wire_len = 14u + p.ip_len;
	return p;
}

static const char *name_of(const struct signature *s)
{
	return s ? s->name : "(no match)";
}

static const char *tool_of(const struct signature *s)
{
	return s ? s->tool : "(no match)";
}

/* The packet matches the signature NAME of TOOL (and it is the first). */
#define CHECK_SIG(pk, nm, tl) do {					\
	const struct pkt cs_p_ = (pk);					\
	const struct signature *cs_s_ = signature_match(&SIGS, &cs_p_);	\
	CHECK_STR(name_of(cs_s_), nm);					\
	CHECK_STR(tool_of(cs_s_), tl);					\
	if (cs_s_ && strcmp(cs_s_->name, nm) == 0)			\
		mark_tested(nm);					\
} while (0)

/* The packet matches no signature at all. */
#define CHECK_NOSIG(pk) do {						\
	const struct pkt cn_p_ = (pk);					\
	CHECK_STR(name_of(signature_match(&SIGS, &cn_p_)), "(no match)"); \
} while (0)

/* The packet does not match signature NAME (it may match another). */
#define CHECK_NOT(pk, nm) do {						\
	const struct pkt cx_p_ = (pk);					\
	const struct signature *cx_s_ = signature_match(&SIGS, &cx_p_);	\
	CHECK(cx_s_ == NULL || strcmp(cx_s_->name, nm) != 0);		\
} while (0)

static const struct signature *find_sig(const char *name)
{
	for (size_t i = 0; i < SIGS.n; i++)
		if (strcmp(SIGS.sig[i].name, name) == 0)
			return &SIGS.sig[i];
	return NULL;
}

/* ---- real option strings ------------------------------------------------ */

/* nmap -sS: exactly MSS 1460. */
#define NMAP_SYN_OPTS "020405b4"
/* nmap -O (osscan2.cc), the six SEQ probes, the ECN probe, T2-T7. */
#define SEQ1_OPTS "03030a01 020405b4 080affffffff00000000 0402"
#define SEQ2_OPTS "02040578 030300 0402 080affffffff00000000 00"
#define SEQ3_OPTS "080affffffff00000000 0101 030305 01 02040280"
#define SEQ4_OPTS "0402 080affffffff00000000 03030a 00"
#define SEQ5_OPTS "02040218 0402 080affffffff00000000 03030a 00"
#define SEQ6_OPTS "02040109 0402 080affffffff00000000"
#define ECN_OPTS  "03030a01 020405b4 0402 0101"
#define T_OPTS    "03030a01 02040109 080affffffff00000000 0402"
#define T7_OPTS   "03030f01 02040109 080affffffff00000000 0402"
/* unicornscan: MSS 1436, NOP NOP SACK-permitted NOP WS 0, NOP NOP TS. */
#define UNICORN_OPTS "0204059c 0101 0402 01 030300 0101 080a........00000000"
/* Linux 6.x: MSS 1460, SACK-permitted, TS, NOP, WS 7. */
#define LINUX_OPTS "020405b4 0402 080a........00000000 01 030307"
/* Windows 10/11: MSS 1460, NOP, WS 8, NOP, NOP, SACK-permitted. */
#define WINDOWS_OPTS "020405b4 01 030308 0101 0402"
/* iOS: MSS 1460, NOP, WS 6, NOP, NOP, TS, SACK-permitted, EOL, EOL. */
#define IOS_OPTS "020405b4 01 030306 0101 080a........00000000 0402 0000"

#define TH_XMAS (TH_FIN | TH_PSH | TH_URG)

/* ---- the built-in table ------------------------------------------------- */

/* Non-comment, non-blank lines of data/signatures.txt. */
static int count_file_signatures(const char *path)
{
	char line[1024];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		const char *p = line + strspn(line, " \t");

		if (*p != '#' && *p != '\n' && *p != '\r' && *p != '\0')
			n++;
	}
	fclose(f);
	return n;
}

TEST(builtin_loads)
{
	static struct signatures fromfile;
	int nfile = count_file_signatures("data/signatures.txt");

	err[0] = '\0';
	CHECK(signatures_builtin(&SIGS, err, sizeof err));
	CHECK_STR(err, "");
	CHECK(nfile > 0);
	CHECK_INT(SIGS.n, nfile);
	CHECK_INT(SIGS.n, 16);
	/* The built-in copy is the file: same names, tools, classes. */
	CHECK(signatures_load("data/signatures.txt", &fromfile, err,
			      sizeof err));
	CHECK_INT(fromfile.n, SIGS.n);
	for (size_t i = 0; i < SIGS.n && i < fromfile.n; i++) {
		CHECK_STR(SIGS.sig[i].name, fromfile.sig[i].name);
		CHECK_STR(SIGS.sig[i].tool, fromfile.sig[i].tool);
		CHECK_INT(SIGS.sig[i].cls, fromfile.sig[i].cls);
		CHECK(memcmp(&SIGS.sig[i], &fromfile.sig[i],
			     sizeof SIGS.sig[i]) == 0);
	}
	CHECK_INT(find_sig("traceroute") ? (int)find_sig("traceroute")->cls : -1,
		  SIG_BENIGN);
	for (size_t i = 0; i < SIGS.n; i++)
		if (strcmp(SIGS.sig[i].name, "traceroute") != 0)
			CHECK_INT(SIGS.sig[i].cls, SIG_SCAN);
}

/* ---- one test per signature ---------------------------------------------- */

TEST(spoofs)
{
	struct pkt p;

	/* syn, fin, null, xmas, ack: window 2048, TTL 64, no options. */
	CHECK_SIG(tcp_pkt(64, 0x7a31, TH_SYN, 2048, NULL), "spoofs", "spoofs");
	CHECK_SIG(tcp_pkt(64, 0x1c02, TH_FIN, 2048, NULL), "spoofs", "spoofs");
	CHECK_SIG(tcp_pkt(64, 0x9e11, 0, 2048, NULL), "spoofs", "spoofs");
	CHECK_SIG(tcp_pkt(64, 0x0457, TH_XMAS, 2048, NULL), "spoofs", "spoofs");
	CHECK_SIG(tcp_pkt(64, 0x3141, TH_ACK, 2048, NULL), "spoofs", "spoofs");
	/* Over IPv6 too (hop limit 64). */
	p = tcp_pkt(64, 0, TH_SYN, 2048, NULL);
	p.ipver = 6;
	CHECK_SIG(p, "spoofs", "spoofs");

	/* Near misses: TTL 65, window 2049, one option, a payload byte. */
	CHECK_NOSIG(tcp_pkt(65, 0x7a31, TH_SYN, 2048, NULL));
	CHECK_NOSIG(tcp_pkt(63, 0x7a31, TH_SYN, 2048, NULL));
	CHECK_NOSIG(tcp_pkt(64, 0x7a31, TH_SYN, 2049, NULL));
	CHECK_NOSIG(tcp_pkt(64, 0x7a31, TH_SYN, 2048, "01010101"));
	p = tcp_pkt(64, 0x7a31, TH_SYN, 2048, NULL);
	p.payload_len = 1;
	CHECK_NOSIG(p);
	/* A FIN of window 2048 with TTL 65 is still an nmap FIN scan's
	 * shape (newer nmap uses window 2048 too), not spoofs. */
	CHECK_SIG(tcp_pkt(65, 0x1c02, TH_FIN, 2048, NULL), "nmap-stealth",
		  "nmap");
}

TEST(hping3)
{
	struct pkt p;

	/* hping3 host (no flags), -S, -F, -A: window 512, no options. */
	CHECK_SIG(tcp_pkt(64, 0x2b1d, 0, 512, NULL), "hping3", "hping3");
	CHECK_SIG(tcp_pkt(64, 0x2b1e, TH_SYN, 512, NULL), "hping3", "hping3");
	CHECK_SIG(tcp_pkt(64, 0x2b1f, TH_FIN, 512, NULL), "hping3", "hping3");
	CHECK_SIG(tcp_pkt(64, 0x2b20, TH_ACK, 512, NULL), "hping3", "hping3");
	CHECK_SIG(tcp_pkt(64, 0x2b21, TH_XMAS, 512, NULL), "hping3", "hping3");

	/* Near misses: window 513, window 511, data (-d 1). */
	CHECK_NOSIG(tcp_pkt(64, 0x2b1e, TH_SYN, 513, NULL));
	CHECK_NOSIG(tcp_pkt(64, 0x2b1e, TH_SYN, 511, NULL));
	CHECK_NOSIG(tcp_pkt(64, 0x2b1d, 0, 513, NULL));
	p = tcp_pkt(64, 0x2b1e, TH_SYN, 512, NULL);
	p.payload_len = 1;
	CHECK_NOT(p, "hping3");
	/* An extra option on a non-SYN: nothing at all. */
	CHECK_NOSIG(tcp_pkt(64, 0x2b1d, 0, 512, "020405b4"));
	/* An extra option on a SYN: that is nmap's SEQ probe 6 shape
	 * (window 512, any options), see seq_512_order. */
	CHECK_NOT(tcp_pkt(64, 0x2b1e, TH_SYN, 512, "020405b4"), "hping3");
}

TEST(nmap_syn)
{
	/* nmap -sS: SYN, window 1024 (and newer 2048/3072/4096), MSS 1460
	 * only, random-ish TTL such as 43. */
	CHECK_SIG(tcp_pkt(43, 0xd431, TH_SYN, 1024, NMAP_SYN_OPTS),
		  "nmap-syn", "nmap");
	CHECK_SIG(tcp_pkt(51, 0x0b6e, TH_SYN, 2048, NMAP_SYN_OPTS),
		  "nmap-syn", "nmap");
	CHECK_SIG(tcp_pkt(38, 0x77c0, TH_SYN, 3072, NMAP_SYN_OPTS),
		  "nmap-syn", "nmap");
	CHECK_SIG(tcp_pkt(59, 0x5512, TH_SYN, 4096, NMAP_SYN_OPTS),
		  "nmap-syn", "nmap");
	/* Even with TTL 64 and window 2048 (spoofs' values): the option
	 * tells nmap. */
	CHECK_SIG(tcp_pkt(64, 0x5512, TH_SYN, 2048, NMAP_SYN_OPTS),
		  "nmap-syn", "nmap");

	/* Near misses: window 1025, an extra option, another MSS, ACK. */
	CHECK_NOSIG(tcp_pkt(43, 0xd431, TH_SYN, 1025, NMAP_SYN_OPTS));
	CHECK_NOSIG(tcp_pkt(43, 0xd431, TH_SYN, 1024, "020405b4 0402 0101"));
	CHECK_NOSIG(tcp_pkt(43, 0xd431, TH_SYN, 1024, "020405b5"));
	CHECK_NOSIG(tcp_pkt(43, 0xd431, TH_SYN | TH_ACK, 1024, NMAP_SYN_OPTS));
	CHECK_NOT(tcp_pkt(43, 0xd431, TH_SYN, 1024, NULL), "nmap-syn");
}

TEST(nmap_stealth)
{
	/* -sF, -sN, -sX, -sA/-sW, -sM: window 1024.., no options. */
	CHECK_SIG(tcp_pkt(43, 0x1111, TH_FIN, 1024, NULL), "nmap-stealth", "nmap");
	CHECK_SIG(tcp_pkt(44, 0x1112, 0, 1024, NULL), "nmap-stealth", "nmap");
	CHECK_SIG(tcp_pkt(45, 0x1113, TH_XMAS, 1024, NULL), "nmap-stealth", "nmap");
	CHECK_SIG(tcp_pkt(46, 0x1114, TH_ACK, 1024, NULL), "nmap-stealth", "nmap");
	CHECK_SIG(tcp_pkt(47, 0x1115, TH_FIN | TH_ACK, 1024, NULL),
		  "nmap-stealth", "nmap");
	CHECK_SIG(tcp_pkt(48, 0x1116, TH_FIN, 2048, NULL), "nmap-stealth", "nmap");
	CHECK_SIG(tcp_pkt(49, 0x1117, TH_ACK, 3072, NULL), "nmap-stealth", "nmap");
	CHECK_SIG(tcp_pkt(50, 0x1118, TH_XMAS, 4096, NULL), "nmap-stealth", "nmap");

	/* Near misses: window 1025, one option, another flag set. */
	CHECK_NOSIG(tcp_pkt(43, 0x1111, TH_FIN, 1025, NULL));
	CHECK_NOSIG(tcp_pkt(43, 0x1111, TH_FIN, 1024, "020405b4"));
	CHECK_NOSIG(tcp_pkt(43, 0x1111, TH_FIN | TH_PSH, 1024, NULL));
	CHECK_NOSIG(tcp_pkt(43, 0x1111, TH_RST, 1024, NULL));
	CHECK_NOT(tcp_pkt(43, 0x1111, TH_SYN, 1024, NULL), "nmap-stealth");
}

TEST(nmap_os_ecn)
{
	struct pkt p;

	/* SYN+ECE+CWR, the reserved bit, window 3, urgent 0xF7F5, no URG. */
	p = tcp_pkt(47, 0x6c3e, TH_SYN | TH_ECE | TH_CWR, 3, ECN_OPTS);
	p.tcp_reserved = 0x08;
	p.tcp_urgptr = 0xF7F5;
	CHECK_SIG(p, "nmap-os-ecn", "nmap");

	/* Near misses: urgent pointer one off, window 4, no CWR. */
	p.tcp_urgptr = 0xF7F4;
	CHECK_NOSIG(p);
	p.tcp_urgptr = 0xF7F5;
	p.tcp_window = 4;
	CHECK_NOSIG(p);
	p.tcp_window = 3;
	p.tcp_flags = TH_SYN | TH_ECE;
	CHECK_NOSIG(p);
}

TEST(nmap_os_seq)
{
	static const struct {
		uint16_t win;
		const char *opts;
	} seq[6] = {
		{ 1, SEQ1_OPTS }, { 63, SEQ2_OPTS }, { 4, SEQ3_OPTS },
		{ 4, SEQ4_OPTS }, { 16, SEQ5_OPTS }, { 512, SEQ6_OPTS },
	};

	for (int i = 0; i < 6; i++) {
		CHECK_SIG(tcp_pkt(52, (uint16_t)(0x4000 + i), TH_SYN, seq[i].win,
				  seq[i].opts), "nmap-os-seq", "nmap");
		/* One off in the window: nothing. */
		CHECK_NOSIG(tcp_pkt(52, (uint16_t)(0x4000 + i), TH_SYN,
				    (uint16_t)(seq[i].win + 1), seq[i].opts));
	}
	/* Window 2 or 64, and a SEQ window on a SYN/ACK: nothing. */
	CHECK_NOSIG(tcp_pkt(52, 0x4000, TH_SYN, 2, SEQ1_OPTS));
	CHECK_NOSIG(tcp_pkt(52, 0x4000, TH_SYN, 62, SEQ2_OPTS));
	CHECK_NOSIG(tcp_pkt(52, 0x4000, TH_SYN | TH_ACK, 63, SEQ2_OPTS));
}

/* A 512-window SYN with nmap's options is SEQ probe 6; the same SYN
 * without options is hping3 -S: hping3 comes first in the table. */
TEST(seq_512_order)
{
	CHECK_SIG(tcp_pkt(52, 0x4005, TH_SYN, 512, SEQ6_OPTS), "nmap-os-seq",
		  "nmap");
	CHECK_SIG(tcp_pkt(64, 0x4005, TH_SYN, 512, NULL), "hping3", "hping3");
	CHECK_SIG(tcp_pkt(52, 0x4005, TH_SYN, 512, NULL), "hping3", "hping3");
}

TEST(nmap_os_t2)
{
	/* T2: no flags, DF, window 128, the T options. */
	CHECK_SIG(tcp_pkt(50, 0x2222, 0, 128, T_OPTS), "nmap-os-t2", "nmap");
	CHECK_SIG(tcp_pkt(50, 0x2222, 0, 128, NULL), "nmap-os-t2", "nmap");
	CHECK_NOSIG(tcp_pkt(50, 0x2222, 0, 129, T_OPTS));
	CHECK_NOSIG(tcp_pkt(50, 0x2222, TH_FIN, 128, T_OPTS));
}

TEST(nmap_os_t3)
{
	/* T3: SYN+FIN+PSH+URG, window 256. */
	CHECK_SIG(tcp_pkt(50, 0x3333, TH_SYN | TH_FIN | TH_PSH | TH_URG, 256,
			  T_OPTS), "nmap-os-t3", "nmap");
	CHECK_NOSIG(tcp_pkt(50, 0x3333, TH_SYN | TH_FIN | TH_PSH | TH_URG, 257,
			    T_OPTS));
	CHECK_NOSIG(tcp_pkt(50, 0x3333, TH_SYN | TH_FIN | TH_PSH, 256, T_OPTS));
}

TEST(nmap_os_t4)
{
	/* T4: ACK, DF, window 1024, with the T options: nmap-stealth wants
	 * no options, so nmap-os-t4 names it. */
	CHECK_SIG(tcp_pkt(50, 0x4444, TH_ACK, 1024, T_OPTS), "nmap-os-t4", "nmap");
	/* The same ACK without options is an ACK scan, which comes first. */
	CHECK_SIG(tcp_pkt(50, 0x4444, TH_ACK, 1024, NULL), "nmap-stealth", "nmap");
	CHECK_NOSIG(tcp_pkt(50, 0x4444, TH_ACK, 1025, T_OPTS));
	CHECK_NOSIG(tcp_pkt(50, 0x4444, TH_ACK | TH_PSH, 1024, T_OPTS));
	/* Windows 2048.. are nmap-stealth's, not T4's. */
	CHECK_NOSIG(tcp_pkt(50, 0x4444, TH_ACK, 2048, T_OPTS));
}

TEST(nmap_os_t5)
{
	CHECK_SIG(tcp_pkt(50, 0x5555, TH_SYN, 31337, T_OPTS), "nmap-os-t5", "nmap");
	CHECK_NOSIG(tcp_pkt(50, 0x5555, TH_SYN, 31338, T_OPTS));
	CHECK_NOSIG(tcp_pkt(50, 0x5555, TH_ACK, 31337, T_OPTS));
}

TEST(nmap_os_t6)
{
	CHECK_SIG(tcp_pkt(50, 0x6666, TH_ACK, 32768, T_OPTS), "nmap-os-t6", "nmap");
	CHECK_NOSIG(tcp_pkt(50, 0x6666, TH_ACK, 32767, T_OPTS));
	CHECK_NOSIG(tcp_pkt(50, 0x6666, TH_SYN, 32768, T_OPTS));
}

TEST(nmap_os_t7)
{
	CHECK_SIG(tcp_pkt(50, 0x7777, TH_XMAS, 65535, T7_OPTS), "nmap-os-t7",
		  "nmap");
	CHECK_SIG(tcp_pkt(50, 0x7777, TH_XMAS, 65535, T_OPTS), "nmap-os-t7",
		  "nmap");
	CHECK_NOSIG(tcp_pkt(50, 0x7777, TH_XMAS, 65534, T7_OPTS));
	CHECK_NOSIG(tcp_pkt(50, 0x7777, TH_FIN | TH_PSH, 65535, T7_OPTS));
}

TEST(masscan_syn)
{
	/* SYN, window 1024, no options, TTL 252 (255 at the sender). */
	CHECK_SIG(tcp_pkt(252, 0x9c1f, TH_SYN, 1024, NULL), "masscan-syn",
		  "masscan");
	CHECK_NOSIG(tcp_pkt(252, 0x9c1f, TH_SYN, 1025, NULL));
	CHECK_NOSIG(tcp_pkt(252, 0x9c1f, TH_SYN | TH_ECE, 1024, NULL));
	/* One option more: MSS 1460 is nmap -sS's shape. */
	CHECK_SIG(tcp_pkt(252, 0x9c1f, TH_SYN, 1024, "020405b4"), "nmap-syn",
		  "nmap");
	/* Some other option: nothing. */
	CHECK_NOSIG(tcp_pkt(252, 0x9c1f, TH_SYN, 1024, "01010402"));
}

TEST(zmap_syn)
{
	struct pkt p;

	/* ip_id 54321, TTL 255, window 65535; zmap 2 sends no options,
	 * zmap 3+ may add some: the signature does not look. */
	CHECK_SIG(tcp_pkt(255, 54321, TH_SYN, 65535, NULL), "zmap-syn", "zmap");
	CHECK_SIG(tcp_pkt(250, 54321, TH_SYN, 65535, "020405b4"), "zmap-syn",
		  "zmap");
	/* Near misses: ip_id 54320, window 65534, SYN/ACK, IPv6. */
	CHECK_NOSIG(tcp_pkt(255, 54320, TH_SYN, 65535, NULL));
	CHECK_NOSIG(tcp_pkt(255, 54322, TH_SYN, 65535, NULL));
	CHECK_NOSIG(tcp_pkt(255, 54321, TH_SYN, 65534, NULL));
	CHECK_NOSIG(tcp_pkt(255, 54321, TH_SYN | TH_ACK, 65535, NULL));
	p = tcp_pkt(255, 54321, TH_SYN, 65535, NULL);
	p.ipver = 6;		/* no IP identification in IPv6 */
	CHECK_NOSIG(p);
}

TEST(unicornscan)
{
	/* Window 16384, MSS 1436, on the SYN and on the ACK probe. */
	CHECK_SIG(tcp_pkt(64, 0x0d0e, TH_SYN, 16384, UNICORN_OPTS),
		  "unicornscan", "unicornscan");
	CHECK_SIG(tcp_pkt(64, 0x0d0f, TH_ACK, 16384, UNICORN_OPTS),
		  "unicornscan", "unicornscan");
	/* MSS anywhere in the options counts. */
	CHECK_SIG(tcp_pkt(64, 0x0d0f, TH_SYN, 16384, "0101 0402 0204059c"),
		  "unicornscan", "unicornscan");
	/* Near misses: MSS 1460, window 16383, no options, MSS cut short. */
	CHECK_NOSIG(tcp_pkt(64, 0x0d0e, TH_SYN, 16384,
			    "020405b4 0101 0402 01 030300 0101 080a........00000000"));
	CHECK_NOSIG(tcp_pkt(64, 0x0d0e, TH_SYN, 16383, UNICORN_OPTS));
	CHECK_NOSIG(tcp_pkt(64, 0x0d0e, TH_SYN, 16384, NULL));
	CHECK_NOSIG(tcp_pkt(64, 0x0d0e, TH_SYN, 16384, "020405"));
	/* A NOP then an option length 1 ends the walk before the MSS. */
	CHECK_NOSIG(tcp_pkt(64, 0x0d0e, TH_SYN, 16384, "01 0801 0204059c"));
	/* EOL ends the options: an MSS after it does not count. */
	CHECK_NOSIG(tcp_pkt(64, 0x0d0e, TH_SYN, 16384, "00 0204059c"));
}

TEST(traceroute)
{
	struct pkt p;

	/* Linux traceroute: UDP 33434 + n with TTL 1..30, 32 bytes. */
	for (int ttl = 1; ttl <= 30; ttl++)
		for (int q = 0; q < 3; q++) {
			uint16_t dport = (uint16_t)(33434 + (ttl - 1) * 3 + q);

			CHECK_SIG(udp_pkt((uint8_t)ttl, (uint16_t)(40000 + q),
					  dport, 32), "traceroute",
				  "traceroute");
		}
	CHECK_SIG(udp_pkt(1, 40000, 33534, 32), "traceroute", "traceroute");
	CHECK_SIG(udp_pkt(32, 40000, 33434, 32), "traceroute", "traceroute");
	CHECK_INT(find_sig("traceroute")->cls, SIG_BENIGN);
	p = udp_pkt(3, 40000, 33440, 32);
	p.ipver = 6;
	CHECK_SIG(p, "traceroute", "traceroute");

	/* Near misses: port 33535 and 33433, TTL 64 and 33, TCP. */
	CHECK_NOSIG(udp_pkt(1, 40000, 33535, 32));
	CHECK_NOSIG(udp_pkt(1, 40000, 33433, 32));
	CHECK_NOSIG(udp_pkt(64, 40000, 33434, 32));
	CHECK_NOSIG(udp_pkt(33, 40000, 33434, 32));
	p = tcp_pkt(1, 0, TH_SYN, 5840, "020405b4");
	p.dport = 33434;
	CHECK_NOSIG(p);
}

/* Every line of the table has a positive test above. */
TEST(every_signature_tested)
{
	CHECK(SIGS.n > 0);
	for (size_t i = 0; i < SIGS.n; i++) {
		bool found = false;

		for (size_t j = 0; j < ntested; j++)
			if (strcmp(tested[j], SIGS.sig[i].name) == 0)
				found = true;
		if (!found)
			printf("untested signature: %s\n", SIGS.sig[i].name);
		CHECK(found);
	}
}

/* ---- benign traffic ------------------------------------------------------- */

TEST(benign_packets)
{
	struct pkt p;

	/* Linux SYN. */
	CHECK_NOSIG(tcp_pkt(64, 0x8a1b, TH_SYN, 64240, LINUX_OPTS));
	/* Windows SYN (TTL 128, random id). */
	CHECK_NOSIG(tcp_pkt(128, 0x5e4f, TH_SYN, 65535, WINDOWS_OPTS));
	CHECK_NOSIG(tcp_pkt(128, 0x5e4f, TH_SYN, 64240, WINDOWS_OPTS));
	/* iPhone ECN SYN: SYN+ECE+CWR, window 65535. */
	CHECK_NOSIG(tcp_pkt(64, 0, TH_SYN | TH_ECE | TH_CWR, 65535, IOS_OPTS));
	/* Its SYN/ACK answer and an ordinary ACK of window 512 with
	 * timestamps (hping3 wants no options). */
	CHECK_NOSIG(tcp_pkt(64, 0, TH_SYN | TH_ACK, 65160, LINUX_OPTS));
	CHECK_NOSIG(tcp_pkt(64, 0x1000, TH_ACK, 512,
			    "0101 080a........ ........"));
	p = tcp_pkt(64, 0x1000, TH_ACK | TH_PSH, 512, "0101 080a........ ........");
	p.payload_len = 517;
	CHECK_NOSIG(p);
	/* A DNS query, and a UDP datagram to 33434 with TTL 64. */
	CHECK_NOSIG(udp_pkt(64, 53124, 53, 29));
	CHECK_NOSIG(udp_pkt(64, 53124, 33434, 32));
	/* ICMP echo: no signature is about ICMP. */
	p = udp_pkt(1, 0, 0, 56);
	p.proto = PROTO_ICMP;
	p.icmp_type = 8;
	CHECK_NOSIG(p);
}

/* ---- from bytes on the wire ---------------------------------------------- */

struct frame {
	uint8_t b[256];
	size_t len;
};

static void put8(struct frame *f, unsigned v)
{
	if (f->len >= sizeof f->b)
		abort();
	f->b[f->len++] = (uint8_t)v;
}

static void put16(struct frame *f, unsigned v)
{
	put8(f, v >> 8 & 0xff);
	put8(f, v & 0xff);
}

static void put32(struct frame *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}

/* Ethernet + IPv4 + TCP with the given fields; options as hex. */
static void tcp_frame(struct frame *f, uint8_t ttl, uint16_t ipid,
		      uint8_t flags, uint8_t reserved, uint16_t win,
		      uint16_t urg, const char *opthex)
{
	uint8_t opts[40];
	size_t optlen = hex(opthex ? opthex : "", opts, sizeof opts);

	f->len = 0;
	for (int i = 0; i < 12; i++)
		put8(f, (unsigned)(0x10 + i));
	put16(f, 0x0800);
	put8(f, 0x45);
	put8(f, 0);
	put16(f, (unsigned)(20 + 20 + optlen));
	put16(f, ipid);
	put16(f, 0);
	put8(f, ttl);
	put8(f, PROTO_TCP);
	put16(f, 0);
	put32(f, 0xcb007109);		/* 203.0.113.9 */
	put32(f, 0xc633640a);		/* 198.51.100.10 */
	put16(f, 61234);
	put16(f, 443);
	put32(f, 0xa1b2c3d4);
	put32(f, 0);
	put8(f, (unsigned)((5 + optlen / 4) << 4 | reserved));
	put8(f, flags);
	put16(f, win);
	put16(f, 0);
	put16(f, urg);
	for (size_t i = 0; i < optlen; i++)
		put8(f, opts[i]);
}

/* Decode from a heap copy of exactly the frame's length. */
static enum decode_result decode_frame(const struct frame *f, struct pkt *p)
{
	uint8_t *buf = malloc(f->len);
	enum decode_result r;

	if (!buf)
		abort();
	memcpy(buf, f->b, f->len);
	memset(p, 0, sizeof *p);
	r = decode_packet(LINK_ETHERNET, buf, f->len, p);
	free(buf);
	return r;
}

TEST(decoded_frames)
{
	struct frame f;
	struct pkt p;

	tcp_frame(&f, 43, 0xd431, TH_SYN, 0, 1024, 0, NMAP_SYN_OPTS);
	CHECK_INT(decode_frame(&f, &p), DEC_OK);
	CHECK_SIG(p, "nmap-syn", "nmap");

	tcp_frame(&f, 47, 0x6c3e, TH_SYN | TH_ECE | TH_CWR, 0x08, 3, 0xF7F5,
		  ECN_OPTS);
	CHECK_INT(decode_frame(&f, &p), DEC_OK);
	CHECK_INT(p.tcp_reserved, 0x08);
	CHECK_SIG(p, "nmap-os-ecn", "nmap");

	tcp_frame(&f, 50, 0x4444, TH_ACK, 0, 1024, 0, T_OPTS);
	CHECK_INT(decode_frame(&f, &p), DEC_OK);
	CHECK_SIG(p, "nmap-os-t4", "nmap");

	tcp_frame(&f, 255, 54321, TH_SYN, 0, 65535, 0, NULL);
	CHECK_INT(decode_frame(&f, &p), DEC_OK);
	CHECK_SIG(p, "zmap-syn", "zmap");

	tcp_frame(&f, 64, 0x0d0e, TH_SYN, 0, 16384, 0, UNICORN_OPTS);
	CHECK_INT(decode_frame(&f, &p), DEC_OK);
	CHECK_INT(p.tcp_optlen, 24);
	CHECK_SIG(p, "unicornscan", "unicornscan");

	tcp_frame(&f, 252, 0x9c1f, TH_SYN, 0, 1024, 0, NULL);
	CHECK_INT(decode_frame(&f, &p), DEC_OK);
	CHECK_SIG(p, "masscan-syn", "masscan");

	tcp_frame(&f, 64, 0x8a1b, TH_SYN, 0, 64240, 0, LINUX_OPTS);
	CHECK_INT(decode_frame(&f, &p), DEC_OK);
	CHECK_NOSIG(p);
}

/* A first fragment cut before the flags matches no TCP signature. */
TEST(flags_unknown_never_match)
{
	struct pkt p = tcp_pkt(64, 0x7a31, 0, 2048, NULL);

	p.tcp_flags_known = false;
	p.fragment = true;
	p.frag_more = true;
	CHECK_NOSIG(p);
	p.tcp_window = 512;
	CHECK_NOSIG(p);
}

/* ---- the parser ------------------------------------------------------------ */

/* The error message for text (named "t"), or "(parsed)". */
static const char *parse_error(const char *text)
{
	static struct signatures s;

	err[0] = '\0';
	if (signatures_parse("t", text, &s, err, sizeof err))
		return "(parsed)";
	return err;
}

static size_t parse_count(const char *text, struct signatures *s)
{
	err[0] = '\0';
	if (!signatures_parse("t", text, s, err, sizeof err)) {
		printf("unexpected parse error: %s\n", err);
		return (size_t)-1;
	}
	return s->n;
}

TEST(parse_errors)
{
	/* Missing fields. */
	CHECK_STR(parse_error("x\n"), "t:1: expected NAME TOOL CLASS key=value...");
	CHECK_STR(parse_error("x y\n"), "t:1: expected NAME TOOL CLASS key=value...");
	CHECK_STR(parse_error("# c\n\nx y scan\n"), "t:3: proto= is required");
	CHECK_STR(parse_error("x y scan win=1024\n"), "t:1: proto= is required");
	/* Bad class. */
	CHECK_STR(parse_error("x y evil proto=tcp\n"),
		  "t:1: class must be scan or benign");
	CHECK_STR(parse_error("x y Scan proto=tcp\n"),
		  "t:1: class must be scan or benign");
	/* Bad key, a key without a value, a bad protocol. */
	CHECK_STR(parse_error("x y scan proto=tcp colour=red\n"),
		  "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp win\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=icmp\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp # comment\n"),
		  "t:1: bad key=value");
	/* Bad flag letters. */
	CHECK_STR(parse_error("x y scan proto=tcp flags=SX\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp flags=s\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp flags=S,N\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp flags=S,A,F,R,P,U,E,C,SA\n"),
		  "t:1: bad key=value");
	/* Numbers out of range. */
	CHECK_STR(parse_error("x y scan proto=tcp win=65536\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp win=-1\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp win=10x\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp win=1,2,3,4,5,6,7,8,9\n"),
		  "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp ttl=256\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp ttl=1,2,3,4,5\n"),
		  "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp ttlmax=256\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp ipid=65536\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp urg=65536\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp mss=65536\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp len=65536\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp mss=\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp reserved=zero\n"),
		  "t:1: bad key=value");
	/* Options: odd length, not hex, empty, more than 40 bytes. */
	CHECK_STR(parse_error("x y scan proto=tcp opts=020405b\n"),
		  "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp opts=0g\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp opts=0x0204\n"),
		  "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp opts=\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp opts="
			      "0101010101010101010101010101010101010101"
			      "0101010101010101010101010101010101010101"
			      "01\n"), "t:1: bad key=value");
	/* Port ranges: reversed, too large, half open. */
	CHECK_STR(parse_error("x y benign proto=udp dport=33534-33434\n"),
		  "t:1: bad key=value");
	CHECK_STR(parse_error("x y benign proto=udp dport=65536\n"),
		  "t:1: bad key=value");
	CHECK_STR(parse_error("x y benign proto=udp dport=1-65536\n"),
		  "t:1: bad key=value");
	CHECK_STR(parse_error("x y benign proto=udp dport=5-\n"),
		  "t:1: bad key=value");
	CHECK_STR(parse_error("x y benign proto=udp dport=-5\n"),
		  "t:1: bad key=value");
	/* Names: 31 characters fit, 32 do not; tools 23 and 24. */
	CHECK_STR(parse_error("abcdefghijklmnopqrstuvwxyz01234 y scan proto=tcp\n"),
		  "(parsed)");
	CHECK_STR(parse_error("abcdefghijklmnopqrstuvwxyz012345 y scan proto=tcp\n"),
		  "t:1: name or tool too long");
	CHECK_STR(parse_error("x abcdefghijklmnopqrstuvw scan proto=tcp\n"),
		  "(parsed)");
	CHECK_STR(parse_error("x abcdefghijklmnopqrstuvwx scan proto=tcp\n"),
		  "t:1: name or tool too long");
	/* The line number counts comments and blank lines. */
	CHECK_STR(parse_error("# one\n\n  \nok ok scan proto=tcp\n"
			      "\t# five\nbad ok scan proto=tcp win=70000\n"),
		  "t:6: bad key=value");
}

/* An empty value list (win=, flags=, ttl=) is not N[,N...]: the grammar
 * at the top of data/signatures.txt wants at least one item, as opts=
 * does.  See the report: these are accepted today. */
TEST(parse_empty_lists)
{
	CHECK_STR(parse_error("x y scan proto=tcp win=\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp flags=\n"), "t:1: bad key=value");
	CHECK_STR(parse_error("x y scan proto=tcp ttl=\n"), "t:1: bad key=value");
}

/* dport is copied into a 32-byte buffer before parsing: what does not
 * fit must not be cut off silently (here "junk" after a valid range). */
TEST(parse_long_dport)
{
	char text[128];

	/* "1-0x" + 25 zeros + "ff" is 31 characters: dport 1-255; the
	 * "junk" after it makes the value invalid. */
	snprintf(text, sizeof text, "x y benign proto=udp dport=1-0x%025dff%s\n",
		 0, "junk");
	CHECK_STR(parse_error(text), "t:1: bad key=value");
	snprintf(text, sizeof text, "x y benign proto=udp dport=1-0x%025dff\n", 0);
	CHECK_STR(parse_error(text), "(parsed)");
}

TEST(parse_limits)
{
	static struct signatures s;
	char *text = malloc(200 * 40);
	size_t len = 0;
	char line[600];

	if (!text)
		abort();
	/* 128 signatures fit, the 129th is an error naming its line. */
	text[0] = '\0';
	for (int i = 0; i < SIGNATURE_MAX; i++)
		len += (size_t)sprintf(text + len, "s%d t scan proto=tcp\n", i);
	CHECK_INT(parse_count(text, &s), SIGNATURE_MAX);
	len += (size_t)sprintf(text + len, "# a comment\n\n");
	CHECK_INT(parse_count(text, &s), SIGNATURE_MAX);
	sprintf(text + len, "one more scan proto=tcp\n");
	CHECK_STR(parse_error(text), "t:131: more than 128 signatures");
	free(text);

	/* A line of 511 characters is fine, of 512 too long. */
	memset(line, 0, sizeof line);
	strcpy(line, "x y scan proto=tcp");
	memset(line + strlen(line), ' ', 511 - strlen(line));
	CHECK_INT(strlen(line), 511);
	CHECK_STR(parse_error(line), "(parsed)");
	strcat(line, "\n");
	CHECK_STR(parse_error(line), "(parsed)");
	line[511] = ' ';
	line[512] = '\n';
	CHECK_STR(parse_error(line), "t:1: line too long");
	/* Even a comment. */
	line[0] = '#';
	CHECK_STR(parse_error(line), "t:1: line too long");
	/* And on line 2. */
	memmove(line + 2, line, 514);
	line[0] = '#';
	line[1] = '\n';
	CHECK_STR(parse_error(line), "t:2: line too long");
}

TEST(parse_comments_and_values)
{
	static struct signatures s;
	const struct signature *m;
	struct pkt p;

	/* Only comments and blank lines: no signatures, no error. */
	CHECK_INT(parse_count("", &s), 0);
	CHECK_INT(parse_count("# nothing\n\n   \n\t\n  # indented\n", &s), 0);
	/* The last line needs no newline; tabs separate too. */
	CHECK_INT(parse_count("# c\n  a\ttool\tscan\tproto=tcp  win=1\n"
			      "b tool benign proto=udp", &s), 2);
	CHECK_STR(s.sig[0].name, "a");
	CHECK_STR(s.sig[0].tool, "tool");
	CHECK_INT(s.sig[0].cls, SIG_SCAN);
	CHECK_STR(s.sig[1].name, "b");
	CHECK_INT(s.sig[1].cls, SIG_BENIGN);

	/* Keys the built-in table does not use: reserved, ttl lists, len,
	 * flags "none", numbers in hex. */
	CHECK_INT(parse_count(
		"r t scan proto=tcp reserved=nonzero\n"
		"l t scan proto=tcp ttl=10,20 len=5\n"
		"n t scan proto=tcp flags=none,SA win=0x10\n"
		"u t scan proto=udp dport=7 ttl=99\n", &s), 4);
	p = tcp_pkt(64, 1, TH_SYN, 999, NULL);
	CHECK(signature_match(&s, &p) == NULL);
	p.tcp_reserved = 0x01;
	m = signature_match(&s, &p);
	CHECK_STR(name_of(m), "r");
	p.tcp_reserved = 0;
	p.ttl = 20;
	p.payload_len = 5;
	CHECK_STR(name_of(signature_match(&s, &p)), "l");
	p.payload_len = 4;
	CHECK(signature_match(&s, &p) == NULL);
	p.tcp_flags = 0;
	p.tcp_window = 16;
	CHECK_STR(name_of(signature_match(&s, &p)), "n");
	p.tcp_flags = TH_SYN | TH_ACK;
	CHECK_STR(name_of(signature_match(&s, &p)), "n");
	p.tcp_flags = TH_ACK;
	CHECK(signature_match(&s, &p) == NULL);
	p = udp_pkt(99, 1, 7, 0);
	CHECK_STR(name_of(signature_match(&s, &p)), "u");
	p.dport = 8;
	CHECK(signature_match(&s, &p) == NULL);
	/* An empty table matches nothing. */
	CHECK_INT(parse_count("", &s), 0);
	CHECK(signature_match(&s, &p) == NULL);
}

/* ---- loading a file --------------------------------------------------------- */

static bool write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fwrite(text, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

TEST(load_file)
{
	static struct signatures s;
	char path[] = "/tmp/test_signature.XXXXXX";
	char want[600];
	const char *good = "# mine\nhome-scan scanner scan proto=tcp win=4321\n"
			   "\nudp-probe scanner benign proto=udp dport=9\n";
	const char *bad = "# mine\nhome-scan scanner scan proto=tcp win=99999\n";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);

	CHECK(write_file(path, good, strlen(good)));
	err[0] = '\0';
	CHECK(signatures_load(path, &s, err, sizeof err));
	CHECK_STR(err, "");
	CHECK_INT(s.n, 2);
	CHECK_STR(s.sig[0].name, "home-scan");
	CHECK_STR(s.sig[1].tool, "scanner");
	{
		struct pkt p = tcp_pkt(64, 1, TH_SYN, 4321, NULL);

		CHECK_STR(name_of(signature_match(&s, &p)), "home-scan");
	}

	/* An error names the file and the line. */
	CHECK(write_file(path, bad, strlen(bad)));
	CHECK(!signatures_load(path, &s, err, sizeof err));
	snprintf(want, sizeof want, "%s:2: bad key=value", path);
	CHECK_STR(err, want);

	/* A NUL byte inside. */
	CHECK(write_file(path, "a b scan proto=tcp\n\0x\n", 22));
	CHECK(!signatures_load(path, &s, err, sizeof err));
	snprintf(want, sizeof want, "%s: contains a NUL byte", path);
	CHECK_STR(err, want);

	/* An empty file is an empty table. */
	CHECK(write_file(path, "", 0));
	CHECK(signatures_load(path, &s, err, sizeof err));
	CHECK_INT(s.n, 0);

	unlink(path);

	/* A missing file: the error names the path and the reason. */
	CHECK(!signatures_load(path, &s, err, sizeof err));
	snprintf(want, sizeof want, "%s: No such file or directory", path);
	CHECK_STR(err, want);
}

/* Files up to the buffer size (256 KiB, less the terminating NUL) load;
 * larger ones are refused with "file too large". */
TEST(load_file_size_limit)
{
	static struct signatures s;
	char path[] = "/tmp/test_signature.XXXXXX";
	char want[600];
	const size_t limit = 256 * 1024 - 1;
	char *text = malloc(limit + 2);
	int fd = mkstemp(path);

	CHECK(fd >= 0 && text);
	if (fd < 0 || !text) {
		free(text);
		return;
	}
	close(fd);
	/* All comment lines of 100 bytes, and one signature at the end. */
	memset(text, '#', limit + 1);
	for (size_t i = 99; i < limit + 1; i += 100)
		text[i] = '\n';
	memcpy(text + limit - 21, "\na b scan proto=tcp\n", 20);
	text[limit - 1] = '\n';

	/* limit - 1 bytes. */
	CHECK(write_file(path, text, limit - 1));
	err[0] = '\0';
	CHECK(signatures_load(path, &s, err, sizeof err));
	CHECK_STR(err, "");
	/* Exactly limit bytes: fits the buffer with its NUL. */
	CHECK(write_file(path, text, limit));
	err[0] = '\0';
	CHECK(signatures_load(path, &s, err, sizeof err));
	CHECK_STR(err, "");
	/* One more: too large. */
	CHECK(write_file(path, text, limit + 1));
	CHECK(!signatures_load(path, &s, err, sizeof err));
	snprintf(want, sizeof want, "%s: file too large", path);
	CHECK_STR(err, want);
	unlink(path);
	free(text);
}

TEST(tool_names_are_plain_words)
{
	struct signatures *sigs = calloc(1, sizeof *sigs);
	char msg[256];

	CHECK(!signatures_parse("t", "x x\"},\"injected\":\"1 scan proto=tcp\n",
				sigs, msg, sizeof msg));
	CHECK(strstr(msg, "t:1: name and tool may hold only") == msg);
	CHECK(!signatures_parse("t", "a\x1b[2J b scan proto=tcp\n", sigs, msg,
				sizeof msg));
	CHECK(signatures_parse("t", "my-sig_1.0 tool.x scan proto=tcp\n", sigs,
			       msg, sizeof msg));
	free(sigs);
}

int main(void)
{
	RUN(tool_names_are_plain_words);
	RUN(builtin_loads);
	RUN(spoofs);
	RUN(hping3);
	RUN(nmap_syn);
	RUN(nmap_stealth);
	RUN(nmap_os_ecn);
	RUN(nmap_os_seq);
	RUN(seq_512_order);
	RUN(nmap_os_t2);
	RUN(nmap_os_t3);
	RUN(nmap_os_t4);
	RUN(nmap_os_t5);
	RUN(nmap_os_t6);
	RUN(nmap_os_t7);
	RUN(masscan_syn);
	RUN(zmap_syn);
	RUN(unicornscan);
	RUN(traceroute);
	RUN(every_signature_tested);
	RUN(benign_packets);
	RUN(decoded_frames);
	RUN(flags_unknown_never_match);
	RUN(parse_errors);
	RUN(parse_empty_lists);
	RUN(parse_long_dport);
	RUN(parse_limits);
	RUN(parse_comments_and_values);
	RUN(load_file);
	RUN(load_file_size_limit);
	return unit_report(__FILE__);
}
