/*
 * test_frag.c - collecting fragmented transport headers (frag.c).
 *
 * Every scenario runs twice: once with struct pkt values built directly
 * (the fields decode.h documents for fragments), once from real Ethernet
 * + IPv4/IPv6 frames run through decode_packet, so that the decoder's
 * fragment fields (frag_id, frag_offset, frag_more, frag_payload,
 * frag_data, frag_caplen) are exercised too.  Frames are decoded from a
 * heap copy of exactly their length, freed right after frag_offer, so
 * that the sanitizer build sees any read past the fragment.
 *
 * The last part runs frames through the reassembly stage itself
 * (pipeline.c): what the next stage receives, in what order, and that
 * none of it still points into a capture's buffer.
 */
#include <stdlib.h>

#include "conf.h"
#include "decode.h"
#include "frag.h"
#include "pipeline.h"
#include "signature.h"
#include "unit.h"

static const struct sipkey KEY = { 0x0706050403020100ULL,
				   0x0f0e0d0c0b0a0908ULL };

static const uint8_t SRC_A[4] = { 203, 0, 113, 9 };
static const uint8_t SRC_B[4] = { 203, 0, 113, 77 };
static const uint8_t DST4[4] = { 198, 51, 100, 10 };
static const uint8_t SRC6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				  0, 0, 0, 0, 0, 0, 0, 0x09 };
static const uint8_t DST6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
				  0, 0, 0, 0, 0, 0, 0, 0x10 };

#define T0 1700000000000000ULL
#define SEQ 0x0badcafeu

/* ---- datagrams ------------------------------------------------------------ */

/* The L4 bytes of one datagram, and who sends it. */
struct dgram {
	int ipver;
	const uint8_t *src, *dst;	/* 4 or 16 bytes */
	uint32_t id;
	uint8_t proto;
	uint8_t ttl;
	uint8_t data[1500];
	size_t len;
};

static void dg_init(struct dgram *d, int ipver, const uint8_t *src,
		    uint32_t id, uint8_t proto)
{
	memset(d, 0, sizeof *d);
	d->ipver = ipver;
	d->src = src;
	d->dst = ipver == 4 ? DST4 : DST6;
	d->id = id;
	d->proto = proto;
	d->ttl = 43;
}

static void set16(uint8_t *b, unsigned v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void set32(uint8_t *b, uint32_t v)
{
	set16(b, v >> 16);
	set16(b + 2, v & 0xffff);
}

/* A TCP segment of total bytes: header (with optlen bytes of options)
 * and a payload pattern. */
static void dg_tcp(struct dgram *d, uint16_t sport, uint16_t dport,
		   uint8_t flags, uint16_t win, const uint8_t *opts,
		   size_t optlen, size_t total)
{
	uint8_t *b = d->data;

	if (total > sizeof d->data || 20 + optlen > total || optlen % 4)
		abort();
	set16(b, sport);
	set16(b + 2, dport);
	set32(b + 4, SEQ);
	set32(b + 8, 0);
	b[12] = (uint8_t)((5 + optlen / 4) << 4);
	b[13] = flags;
	set16(b + 14, win);
	set16(b + 16, 0x1d2e);		/* checksum, not checked */
	set16(b + 18, 0);
	if (optlen)
		memcpy(b + 20, opts, optlen);
	for (size_t i = 20 + optlen; i < total; i++)
		b[i] = (uint8_t)(0xa5 ^ i);
	d->len = total;
}

/* A UDP datagram with ulen bytes in all. */
static void dg_udp(struct dgram *d, uint16_t sport, uint16_t dport,
		   size_t ulen)
{
	uint8_t *b = d->data;

	if (ulen > sizeof d->data || ulen < 8)
		abort();
	set16(b, sport);
	set16(b + 2, dport);
	set16(b + 4, (unsigned)ulen);
	set16(b + 6, 0);
	for (size_t i = 8; i < ulen; i++)
		b[i] = (uint8_t)i;
	d->len = ulen;
}

static struct ipaddr addr_of(int ipver, const uint8_t *a)
{
	struct ipaddr r;

	if (ipver == 4)
		addr_from_v4(&r, a);
	else
		addr_from_v6(&r, a);
	return r;
}

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* The fragment [off, off+len) of d as decode_packet would give it. */
static struct pkt frag_pkt(const struct dgram *d, size_t off, size_t len,
			   uint64_t ts)
{
	struct pkt p;

	memset(&p, 0, sizeof p);
	p.ts_us = ts;
	p.ipver = (uint8_t)d->ipver;
	p.proto = d->proto;
	p.ttl = d->ttl;
	p.ip_id = d->ipver == 4 ? (uint16_t)d->id : 0;
	p.ip_len = (uint16_t)((d->ipver == 4 ? 20 : 48) + len);
	p.src = addr_of(d->ipver, d->src);
	p.dst = addr_of(d->ipver, d->dst);
	p.fragment = true;
	p.frag_payload = (uint16_t)len;
	p.frag_id = d->id;
	p.frag_offset = (uint16_t)off;
	p.frag_more = off + len < d->len;
	p.frag_data = d->data + off;
	p.frag_caplen = (uint16_t)len;
	if (off == 0 && len >= 8) {
		p.sport = be16(d->data);
		p.dport = be16(d->data + 2);
	}
	if (off == 0 && d->proto == PROTO_TCP && len >= 16) {
		p.tcp_flags = d->data[13];
		p.tcp_window = be16(d->data + 14);
		p.tcp_flags_known = true;
	}
	return p;
}

/* Build the frame of a fragment: Ethernet, IPv4 (identification, MF,
 * offset) or IPv6 + Fragment header (32-bit id), then the bytes. */
static size_t frag_frame(const struct dgram *d, size_t off, size_t len,
			 uint8_t *f)
{
	size_t n = 0;
	bool more = off + len < d->len;

	for (int i = 0; i < 12; i++)
		f[n++] = (uint8_t)(0x20 + i);
	set16(f + n, d->ipver == 4 ? 0x0800 : 0x86dd);
	n += 2;
	if (d->ipver == 4) {
		f[n++] = 0x45;
		f[n++] = 0;
		set16(f + n, (unsigned)(20 + len));
		n += 2;
		set16(f + n, d->id & 0xffff);
		n += 2;
		set16(f + n, (unsigned)((more ? 0x2000 : 0) | off / 8));
		n += 2;
		f[n++] = d->ttl;
		f[n++] = d->proto;
		set16(f + n, 0);
		n += 2;
		memcpy(f + n, d->src, 4);
		memcpy(f + n + 4, d->dst, 4);
		n += 8;
	} else {
		set32(f + n, 0x60000000);
		set16(f + n + 4, (unsigned)(8 + len));
		f[n + 6] = 44;			/* Fragment header */
		f[n + 7] = d->ttl;
		memcpy(f + n + 8, d->src, 16);
		memcpy(f + n + 24, d->dst, 16);
		n += 40;
		f[n++] = d->proto;
		f[n++] = 0;
		set16(f + n, (unsigned)(off | (more ? 1 : 0)));
		n += 2;
		set32(f + n, d->id);
		n += 4;
	}
	memcpy(f + n, d->data + off, len);
	return n + len;
}

/*
 * Offer the fragment [off, off+len) of d to fp, as a built struct pkt
 * (wire false) or decoded from its frame (wire true).  On the wire path
 * the decoder's fragment fields are checked against what was sent.
 */
static bool offer(struct frag_pool *fp, bool wire, const struct dgram *d,
		  size_t off, size_t len, uint64_t ts, struct pkt *out)
{
	uint8_t f[14 + 48 + sizeof d->data];
	uint8_t *heap;
	size_t flen, hdr;
	struct pkt p;
	enum decode_result r;
	bool done;

	if (!wire) {
		p = frag_pkt(d, off, len, ts);
		return frag_offer(fp, &p, out);
	}
	flen = frag_frame(d, off, len, f);
	hdr = flen - len;
	heap = malloc(flen);
	if (!heap)
		abort();
	memcpy(heap, f, flen);
	memset(&p, 0, sizeof p);
	p.ts_us = ts;
	r = decode_packet(LINK_ETHERNET, heap, flen, &p);
	CHECK_STR(decode_result_name(r),
		  decode_result_name(off == 0 ? DEC_OK : DEC_SKIP_LATER_FRAGMENT));
	CHECK(p.fragment);
	CHECK_INT(p.ipver, d->ipver);
	CHECK_INT(p.proto, d->proto);
	CHECK_INT(p.frag_id, d->id);
	CHECK_INT(p.frag_offset, off);
	CHECK_INT(p.frag_more, off + len < d->len);
	CHECK_INT(p.frag_payload, len);
	CHECK_INT(p.frag_caplen, len);
	CHECK(p.frag_data == heap + hdr);
	CHECK_INT(p.ts_us, ts);
	done = frag_offer(fp, &p, out);
	free(heap);
	return done;
}

static struct frag_stats stats(const struct frag_pool *fp)
{
	struct frag_stats st;

	frag_stats(fp, &st);
	return st;
}

/* nmap -sS's MSS-only option, and the T2-T7 options (20 bytes). */
static const uint8_t MSS1460[4] = { 2, 4, 0x05, 0xb4 };
static const uint8_t T_OPTS[20] = {
	0x03, 0x03, 0x0a, 0x01, 0x02, 0x04, 0x01, 0x09, 0x08, 0x0a,
	0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x04, 0x02
};

/* ---- frag_header_complete ---------------------------------------------- */

TEST(header_complete)
{
	static struct dgram d;
	struct pkt p;
	uint8_t f[1600];
	size_t flen;

	dg_init(&d, 4, SRC_A, 0x1234, PROTO_TCP);
	dg_tcp(&d, 40000, 443, TH_SYN, 1024, NULL, 0, 224);

	/* Not a fragment at all. */
	p = frag_pkt(&d, 0, 224, T0);
	p.fragment = false;
	CHECK(frag_header_complete(&p));
	/* A first fragment with the whole TCP header (40 of 224 bytes). */
	p = frag_pkt(&d, 0, 40, T0);
	CHECK(frag_header_complete(&p));
	/* 8 bytes: ports, no flags. */
	p = frag_pkt(&d, 0, 8, T0);
	CHECK(!frag_header_complete(&p));
	/* A later fragment never is. */
	p = frag_pkt(&d, 8, 8, T0);
	CHECK(!frag_header_complete(&p));
	p = frag_pkt(&d, 64, 160, T0);
	CHECK(!frag_header_complete(&p));

	/* The same from the decoder. */
	flen = frag_frame(&d, 0, 224, f);
	set16(f + 14 + 6, 0);		/* not fragmented */
	CHECK_INT(decode_packet(LINK_ETHERNET, f, flen, &p), DEC_OK);
	CHECK(!p.fragment);
	CHECK(frag_header_complete(&p));
	flen = frag_frame(&d, 0, 40, f);
	CHECK_INT(decode_packet(LINK_ETHERNET, f, flen, &p), DEC_OK);
	CHECK(p.fragment);
	CHECK(frag_header_complete(&p));
	flen = frag_frame(&d, 0, 8, f);
	CHECK_INT(decode_packet(LINK_ETHERNET, f, flen, &p), DEC_OK);
	CHECK(p.fragment && !p.tcp_flags_known);
	CHECK_INT(p.dport, 443);
	CHECK(!frag_header_complete(&p));
	flen = frag_frame(&d, 8, 8, f);
	CHECK_INT(decode_packet(LINK_ETHERNET, f, flen, &p),
		  DEC_SKIP_LATER_FRAGMENT);
	CHECK(!frag_header_complete(&p));

	/* UDP: the 8-byte header is all there is to see. */
	dg_init(&d, 4, SRC_A, 0x1235, PROTO_UDP);
	dg_udp(&d, 5353, 53, 1000);
	p = frag_pkt(&d, 0, 8, T0);
	CHECK(frag_header_complete(&p));
	p.frag_caplen = 4;		/* a snaplen that cut the header */
	CHECK(!frag_header_complete(&p));
	flen = frag_frame(&d, 0, 8, f);
	CHECK_INT(decode_packet(LINK_ETHERNET, f, flen, &p), DEC_OK);
	CHECK(p.fragment);
	CHECK_INT(p.dport, 53);
	CHECK(frag_header_complete(&p));

	/* IPv6, 8 bytes of TCP. */
	dg_init(&d, 6, SRC6, 0x89abcdef, PROTO_TCP);
	dg_tcp(&d, 40000, 22, TH_SYN, 1024, NULL, 0, 24);
	flen = frag_frame(&d, 0, 8, f);
	CHECK_INT(decode_packet(LINK_ETHERNET, f, flen, &p), DEC_OK);
	CHECK(p.fragment);
	CHECK_INT(p.frag_id, 0x89abcdef);
	CHECK(!frag_header_complete(&p));
}

/* ---- nmap -f --------------------------------------------------------------- */

/* A 224-byte TCP SYN cut into 28 fragments of 8 bytes. */
static void nmap_f(bool wire)
{
	static struct dgram d;
	struct frag_pool *fp = frag_new(64, &KEY);
	struct pkt out;
	struct frag_stats st;

	dg_init(&d, 4, SRC_A, 0x1234, PROTO_TCP);
	dg_tcp(&d, 40000, 443, TH_SYN, 1024, NULL, 0, 224);
	CHECK(fp != NULL);
	if (!fp)
		return;
	CHECK(!offer(fp, wire, &d, 0, 8, T0, &out));
	CHECK(!offer(fp, wire, &d, 8, 8, T0 + 10, &out));
	memset(&out, 0, sizeof out);
	CHECK(offer(fp, wire, &d, 16, 8, T0 + 20, &out));
	CHECK(!out.fragment);
	CHECK(out.tiny_fragment);
	CHECK(out.tcp_flags_known);
	CHECK_INT(out.ipver, 4);
	CHECK_INT(out.proto, PROTO_TCP);
	CHECK_INT(out.ttl, 43);
	CHECK_INT(out.ip_id, 0x1234);
	{
		struct ipaddr a = addr_of(4, SRC_A), b = addr_of(4, DST4);

		CHECK(addr_equal(&out.src, &a));
		CHECK(addr_equal(&out.dst, &b));
	}
	CHECK_INT(out.sport, 40000);
	CHECK_INT(out.dport, 443);
	CHECK_INT(out.tcp_seq, SEQ);
	CHECK_INT(out.tcp_flags, TH_SYN);
	CHECK_INT(out.tcp_window, 1024);
	CHECK_INT(out.tcp_optlen, 0);
	CHECK_INT(out.ts_us, T0 + 20);
	CHECK(out.frag_data == NULL);

	/* The other 25 fragments change nothing. */
	for (size_t off = 24; off < 224; off += 8)
		CHECK(!offer(fp, wire, &d, off, 8, T0 + 30 + off, &out));
	st = stats(fp);
	CHECK_INT(st.fragments, 28);
	CHECK_INT(st.tiny, 1);
	CHECK_INT(st.completed, 1);
	CHECK_INT(st.overlaps, 0);
	CHECK_INT(st.evicted, 0);
	CHECK_INT(st.used, 1);
	CHECK_INT(st.slots, 64);
	/* A repeat of the first three does not complete it twice. */
	CHECK(!offer(fp, wire, &d, 16, 8, T0 + 300, &out));
	CHECK_INT(stats(fp).completed, 1);
	frag_free(fp);
}

TEST(nmap_f_in_order)
{
	nmap_f(false);
	nmap_f(true);
}

/* nmap -sS -f: the 24-byte SYN (MSS 1460) in 3 fragments, the last one
 * telling the length: the whole header, options included, and the
 * signature table names nmap. */
static void nmap_f_syn(bool wire)
{
	static struct dgram d;
	static struct signatures sigs;
	struct frag_pool *fp = frag_new(64, &KEY);
	const struct signature *s;
	struct pkt out;
	char err[256];

	dg_init(&d, 4, SRC_A, 0x5a5a, PROTO_TCP);
	dg_tcp(&d, 61000, 25, TH_SYN, 1024, MSS1460, 4, 24);
	CHECK(!offer(fp, wire, &d, 0, 8, T0, &out));
	CHECK(!offer(fp, wire, &d, 8, 8, T0 + 1, &out));
	CHECK(offer(fp, wire, &d, 16, 8, T0 + 2, &out));
	CHECK_INT(out.tcp_optlen, 4);
	CHECK(memcmp(out.tcp_opts, MSS1460, 4) == 0);
	CHECK_INT(out.payload_len, 0);
	CHECK(signatures_builtin(&sigs, err, sizeof err));
	s = signature_match(&sigs, &out);
	CHECK_STR(s ? s->name : "(none)", "nmap-syn");
	frag_free(fp);
}

TEST(nmap_f_syn_signature)
{
	nmap_f_syn(false);
	nmap_f_syn(true);
}

/* ---- out of order -------------------------------------------------------- */

static void out_of_order(bool wire)
{
	static struct dgram d;
	struct frag_pool *fp = frag_new(64, &KEY);
	struct pkt out;

	/* Fragment 2, then 3, then 1. */
	dg_init(&d, 4, SRC_A, 0x2222, PROTO_TCP);
	dg_tcp(&d, 40001, 80, TH_FIN | TH_PSH | TH_URG, 2048, NULL, 0, 224);
	CHECK(!offer(fp, wire, &d, 8, 8, T0, &out));
	CHECK(!offer(fp, wire, &d, 16, 8, T0 + 1, &out));
	CHECK(offer(fp, wire, &d, 0, 8, T0 + 2, &out));
	CHECK_INT(out.sport, 40001);
	CHECK_INT(out.dport, 80);
	CHECK_INT(out.tcp_flags, TH_FIN | TH_PSH | TH_URG);
	CHECK_INT(out.tcp_window, 2048);
	CHECK(out.tiny_fragment);
	CHECK_INT(out.ts_us, T0 + 2);

	/* 3, 1, 2. */
	dg_init(&d, 4, SRC_A, 0x2223, PROTO_TCP);
	dg_tcp(&d, 40002, 81, TH_ACK, 4096, NULL, 0, 224);
	CHECK(!offer(fp, wire, &d, 16, 8, T0, &out));
	CHECK(!offer(fp, wire, &d, 0, 8, T0 + 1, &out));
	CHECK(offer(fp, wire, &d, 8, 8, T0 + 2, &out));
	CHECK_INT(out.dport, 81);
	CHECK_INT(out.tcp_flags, TH_ACK);

	/* The last fragment first: the length is known, so is the payload:
	 * a 40-byte T2 probe (20 bytes of options) cut in 5. */
	dg_init(&d, 4, SRC_A, 0x2224, PROTO_TCP);
	dg_tcp(&d, 40003, 82, 0, 128, T_OPTS, 20, 40);
	CHECK(!offer(fp, wire, &d, 32, 8, T0, &out));
	CHECK(!offer(fp, wire, &d, 24, 8, T0 + 1, &out));
	CHECK(!offer(fp, wire, &d, 16, 8, T0 + 2, &out));
	CHECK(!offer(fp, wire, &d, 8, 8, T0 + 3, &out));
	CHECK(offer(fp, wire, &d, 0, 8, T0 + 4, &out));
	CHECK_INT(out.dport, 82);
	CHECK_INT(out.tcp_flags, 0);
	CHECK_INT(out.tcp_window, 128);
	CHECK_INT(out.tcp_optlen, 20);
	CHECK(memcmp(out.tcp_opts, T_OPTS, 20) == 0);
	CHECK_INT(out.payload_len, 0);

	/* A 20-byte header and 40 bytes of data, in 8-byte fragments
	 * ending with a 4-byte one: all present but the first, which
	 * completes it. */
	dg_init(&d, 4, SRC_A, 0x2225, PROTO_TCP);
	dg_tcp(&d, 40004, 83, TH_SYN, 512, NULL, 0, 60);
	for (size_t off = 56; off >= 8; off -= 8)
		CHECK(!offer(fp, wire, &d, off, off == 56 ? 4 : 8, T0, &out));
	CHECK(offer(fp, wire, &d, 0, 8, T0 + 1, &out));
	CHECK_INT(out.payload_len, 40);
	CHECK_INT(out.tcp_window, 512);
	frag_free(fp);
}

TEST(out_of_order)
{
	out_of_order(false);
	out_of_order(true);
}

/* ---- overlaps ------------------------------------------------------------- */

/* An overlapping fragment with other flags, before the header is
 * complete: the bytes that came first stay, the overlap is counted. */
static void overlap_first_wins(bool wire)
{
	static struct dgram d, evil;
	struct frag_pool *fp = frag_new(64, &KEY);
	struct pkt out;

	dg_init(&d, 4, SRC_A, 0x3333, PROTO_TCP);
	dg_tcp(&d, 40000, 443, TH_SYN, 1024, NULL, 0, 224);
	/* Same datagram, other flags and window. */
	evil = d;
	evil.data[13] = TH_FIN | TH_PSH | TH_URG;
	set16(evil.data + 14, 65535);

	CHECK(!offer(fp, wire, &d, 8, 8, T0, &out));
	CHECK_INT(stats(fp).overlaps, 0);
	/* 16 bytes at offset 8: block 8..15 overlaps, 16..23 is new. */
	CHECK(!offer(fp, wire, &evil, 8, 16, T0 + 1, &out));
	CHECK_INT(stats(fp).overlaps, 1);
	CHECK(offer(fp, wire, &d, 0, 8, T0 + 2, &out));
	CHECK_INT(out.tcp_flags, TH_SYN);
	CHECK_INT(out.tcp_window, 1024);
	CHECK_INT(stats(fp).overlaps, 1);

	/* Two first fragments with other ports: the first one's stay. */
	dg_init(&d, 4, SRC_A, 0x3334, PROTO_TCP);
	dg_tcp(&d, 40000, 443, TH_SYN, 1024, NULL, 0, 224);
	evil = d;
	set16(evil.data + 2, 8443);
	CHECK(!offer(fp, wire, &d, 0, 8, T0, &out));
	CHECK(!offer(fp, wire, &evil, 0, 8, T0 + 1, &out));
	CHECK_INT(stats(fp).overlaps, 2);
	CHECK(!offer(fp, wire, &d, 8, 8, T0 + 2, &out));
	CHECK(offer(fp, wire, &d, 16, 8, T0 + 3, &out));
	CHECK_INT(out.dport, 443);
	CHECK_INT(stats(fp).completed, 2);
	frag_free(fp);
}

TEST(overlap_first_wins)
{
	overlap_first_wins(false);
	overlap_first_wins(true);
}

/*
 * RFC 1858's overlapping-fragment attack: the header is complete, then
 * a fragment at offset 8 rewrites the flags.  We hand on nothing new
 * (first wins); frag.h says such a fragment "does not change them (and
 * is counted)".
 */
static void overlap_after_completion(bool wire)
{
	static struct dgram d, evil;
	struct frag_pool *fp = frag_new(64, &KEY);
	struct pkt out;

	dg_init(&d, 4, SRC_A, 0x4444, PROTO_TCP);
	dg_tcp(&d, 40000, 443, TH_SYN, 1024, NULL, 0, 224);
	evil = d;
	evil.data[13] = TH_ACK;
	CHECK(!offer(fp, wire, &d, 0, 8, T0, &out));
	CHECK(!offer(fp, wire, &d, 8, 8, T0 + 1, &out));
	CHECK(offer(fp, wire, &d, 16, 8, T0 + 2, &out));
	CHECK_INT(out.tcp_flags, TH_SYN);
	memset(&out, 0, sizeof out);
	CHECK(!offer(fp, wire, &evil, 8, 8, T0 + 3, &out));
	CHECK_INT(out.tcp_flags, 0);		/* untouched */
	CHECK_INT(stats(fp).completed, 1);
	CHECK_INT(stats(fp).overlaps, 1);
	frag_free(fp);
}

TEST(overlap_after_completion_counted)
{
	overlap_after_completion(false);
	overlap_after_completion(true);
}

/* ---- 16-byte first fragment ---------------------------------------------- */

/* nmap -f --mtu 16 style: flags in the first fragment, but not the
 * urgent pointer or the options; the second fragment completes it. */
static void first_16(bool wire)
{
	static struct dgram d;
	struct frag_pool *fp = frag_new(64, &KEY);
	struct pkt out;

	dg_init(&d, 4, SRC_A, 0x1616, PROTO_TCP);
	dg_tcp(&d, 40000, 443, TH_SYN, 1024, MSS1460, 4, 24);
	set16(d.data + 18, 0xF7F5);
	CHECK(!offer(fp, wire, &d, 0, 16, T0, &out));
	CHECK(offer(fp, wire, &d, 16, 8, T0 + 1, &out));
	CHECK_INT(out.tcp_flags, TH_SYN);
	CHECK_INT(out.tcp_window, 1024);
	CHECK_INT(out.tcp_urgptr, 0xF7F5);
	CHECK_INT(out.tcp_optlen, 4);
	CHECK(memcmp(out.tcp_opts, MSS1460, 4) == 0);
	CHECK(out.tiny_fragment);

	/* 16 bytes of a 224-byte segment, then 8 more. */
	dg_init(&d, 4, SRC_A, 0x1617, PROTO_TCP);
	dg_tcp(&d, 40000, 444, TH_FIN, 1024, NULL, 0, 224);
	CHECK(!offer(fp, wire, &d, 0, 16, T0, &out));
	CHECK(offer(fp, wire, &d, 16, 8, T0 + 1, &out));
	CHECK_INT(out.dport, 444);
	CHECK_INT(out.tcp_flags, TH_FIN);
	/* 16 then 16: the second overlaps nothing and completes. */
	dg_init(&d, 4, SRC_A, 0x1618, PROTO_TCP);
	dg_tcp(&d, 40000, 445, TH_SYN, 1024, NULL, 0, 224);
	CHECK(!offer(fp, wire, &d, 0, 16, T0, &out));
	CHECK(offer(fp, wire, &d, 16, 16, T0 + 1, &out));
	CHECK_INT(out.dport, 445);
	CHECK_INT(stats(fp).overlaps, 0);
	frag_free(fp);
}

TEST(first_fragment_16_bytes)
{
	first_16(false);
	first_16(true);
}

/* ---- IPv6 ------------------------------------------------------------------- */

static void ipv6(bool wire)
{
	static struct dgram x, y;
	struct frag_pool *fp = frag_new(64, &KEY);
	struct pkt out;
	struct ipaddr a = addr_of(6, SRC6);

	/* Two datagrams whose 32-bit ids differ only in the high half. */
	dg_init(&x, 6, SRC6, 0x0001cdef, PROTO_TCP);
	dg_tcp(&x, 50000, 22, TH_SYN, 1024, MSS1460, 4, 224);
	dg_init(&y, 6, SRC6, 0x0002cdef, PROTO_TCP);
	dg_tcp(&y, 50001, 23, TH_FIN | TH_PSH | TH_URG, 3072, NULL, 0, 224);
	x.ttl = 57;
	CHECK(!offer(fp, wire, &x, 0, 8, T0, &out));
	CHECK(!offer(fp, wire, &y, 0, 8, T0, &out));
	CHECK(!offer(fp, wire, &x, 8, 8, T0 + 1, &out));
	CHECK(!offer(fp, wire, &y, 8, 8, T0 + 1, &out));
	CHECK_INT(stats(fp).used, 2);
	CHECK(offer(fp, wire, &x, 16, 8, T0 + 2, &out));
	CHECK_INT(out.ipver, 6);
	CHECK(addr_equal(&out.src, &a));
	CHECK_INT(out.ttl, 57);
	CHECK_INT(out.frag_id, 0x0001cdef);
	CHECK_INT(out.sport, 50000);
	CHECK_INT(out.dport, 22);
	CHECK_INT(out.tcp_flags, TH_SYN);
	CHECK_INT(out.tcp_optlen, 4);
	CHECK(out.tiny_fragment);
	CHECK(offer(fp, wire, &y, 16, 8, T0 + 2, &out));
	CHECK_INT(out.sport, 50001);
	CHECK_INT(out.dport, 23);
	CHECK_INT(out.tcp_flags, TH_FIN | TH_PSH | TH_URG);
	CHECK_INT(out.tcp_window, 3072);
	CHECK_INT(stats(fp).completed, 2);

	/* A large id, out of order. */
	dg_init(&x, 6, SRC6, 0xfedcba98, PROTO_TCP);
	dg_tcp(&x, 50002, 24, TH_ACK, 1024, NULL, 0, 224);
	CHECK(!offer(fp, wire, &x, 16, 8, T0, &out));
	CHECK(!offer(fp, wire, &x, 8, 8, T0, &out));
	CHECK(offer(fp, wire, &x, 0, 8, T0, &out));
	CHECK_INT(out.dport, 24);
	CHECK_INT(out.tcp_flags, TH_ACK);
	frag_free(fp);
}

TEST(ipv6_fragments)
{
	ipv6(false);
	ipv6(true);
}

/*
 * RFC 8200 section 4.1: Destination Options (and AH) for the final
 * destination come after the Fragment header, so they are part of the
 * fragmentable part, and fragment offsets count from their start.  A
 * 32-byte fragmentable part, 8 bytes of Destination Options then a
 * 24-byte SYN, sent as 16 + 8 + 8: the first fragment holds the options
 * and TCP bytes 0..7, the second TCP 8..15, the third TCP 16..23.
 */
TEST(ipv6_dstopts_after_fragment_header)
{
	static struct dgram d;
	struct frag_pool *fp = frag_new(64, &KEY);
	static const size_t cut[4] = { 0, 16, 24, 32 };
	struct pkt out;
	int completed = 0;

	dg_init(&d, 6, SRC6, 0x00c0ffee, 60);	/* next header: DstOpts */
	d.data[0] = PROTO_TCP;		/* DstOpts: next header TCP, */
	d.data[1] = 0;			/* 8 bytes, */
	d.data[2] = 1;			/* PadN of 4 */
	d.data[3] = 4;
	{
		static struct dgram t;

		dg_init(&t, 6, SRC6, 0, PROTO_TCP);
		dg_tcp(&t, 50000, 22, TH_SYN, 1024, MSS1460, 4, 24);
		memcpy(d.data + 8, t.data, 24);
	}
	d.len = 32;
	memset(&out, 0, sizeof out);
	for (int i = 0; i < 3; i++) {
		uint8_t f[14 + 48 + 32], *heap;
		size_t flen = frag_frame(&d, cut[i], cut[i + 1] - cut[i], f);
		struct pkt p;
		enum decode_result r;

		heap = malloc(flen);
		if (!heap)
			abort();
		memcpy(heap, f, flen);
		memset(&p, 0, sizeof p);
		p.ts_us = T0 + (uint64_t)i;
		r = decode_packet(LINK_ETHERNET, heap, flen, &p);
		CHECK_STR(decode_result_name(r),
			  decode_result_name(i == 0 ? DEC_OK :
					     DEC_SKIP_LATER_FRAGMENT));
		if (i == 0) {
			CHECK_INT(p.proto, PROTO_TCP);
			CHECK_INT(p.dport, 22);
			CHECK(!p.tcp_flags_known);
			CHECK(!frag_header_complete(&p));
		}
		if (frag_offer(fp, &p, &out))
			completed++;
		free(heap);
	}
	CHECK_INT(completed, 1);
	CHECK_INT(out.tcp_flags, TH_SYN);
	CHECK_INT(out.dport, 22);
	frag_free(fp);
}

/* ---- interleaved datagrams --------------------------------------------------- */

static void interleaved(bool wire)
{
	static struct dgram a, b, c;
	struct frag_pool *fp = frag_new(64, &KEY);
	struct pkt out;
	struct ipaddr sa = addr_of(4, SRC_A), sb = addr_of(4, SRC_B);

	/* Same id, same destination, two sources. */
	dg_init(&a, 4, SRC_A, 0x7777, PROTO_TCP);
	dg_tcp(&a, 40000, 443, TH_SYN, 1024, NULL, 0, 224);
	dg_init(&b, 4, SRC_B, 0x7777, PROTO_TCP);
	dg_tcp(&b, 50000, 8080, TH_FIN | TH_PSH | TH_URG, 4096, NULL, 0, 224);
	/* And the same source and id, UDP. */
	dg_init(&c, 4, SRC_A, 0x7777, PROTO_UDP);
	dg_udp(&c, 53, 5353, 24);

	CHECK(!offer(fp, wire, &a, 0, 8, T0, &out));
	CHECK(!offer(fp, wire, &b, 0, 8, T0, &out));
	CHECK(!offer(fp, wire, &c, 8, 8, T0, &out));
	CHECK(!offer(fp, wire, &a, 8, 8, T0 + 1, &out));
	CHECK(!offer(fp, wire, &b, 8, 8, T0 + 1, &out));
	CHECK_INT(stats(fp).used, 3);
	CHECK_INT(stats(fp).overlaps, 0);
	CHECK(offer(fp, wire, &a, 16, 8, T0 + 2, &out));
	CHECK(addr_equal(&out.src, &sa));
	CHECK_INT(out.sport, 40000);
	CHECK_INT(out.dport, 443);
	CHECK_INT(out.tcp_flags, TH_SYN);
	CHECK_INT(out.tcp_window, 1024);
	CHECK(offer(fp, wire, &b, 16, 8, T0 + 2, &out));
	CHECK(addr_equal(&out.src, &sb));
	CHECK_INT(out.sport, 50000);
	CHECK_INT(out.dport, 8080);
	CHECK_INT(out.tcp_flags, TH_FIN | TH_PSH | TH_URG);
	CHECK_INT(out.tcp_window, 4096);
	/* The UDP datagram, 24 bytes: its last fragment, then the first. */
	CHECK(!offer(fp, wire, &c, 16, 8, T0 + 3, &out));
	CHECK(offer(fp, wire, &c, 0, 8, T0 + 4, &out));
	CHECK_INT(out.proto, PROTO_UDP);
	CHECK_INT(out.sport, 53);
	CHECK_INT(out.dport, 5353);
	CHECK_INT(out.payload_len, 16);
	CHECK(out.tiny_fragment);
	CHECK_INT(stats(fp).completed, 3);
	frag_free(fp);
}

TEST(interleaved_sources_same_id)
{
	interleaved(false);
	interleaved(true);
}

/* ---- timeout ------------------------------------------------------------------- */

static void timeout(bool wire)
{
	static struct dgram d;
	struct frag_pool *fp = frag_new(64, &KEY);
	struct pkt out;

	/* More than FRAG_TIMEOUT_US after the first: start over. */
	dg_init(&d, 4, SRC_A, 0x5555, PROTO_TCP);
	dg_tcp(&d, 40000, 443, TH_SYN, 1024, NULL, 0, 224);
	CHECK(!offer(fp, wire, &d, 0, 8, T0, &out));
	CHECK(!offer(fp, wire, &d, 8, 8, T0 + FRAG_TIMEOUT_US + 1, &out));
	CHECK(!offer(fp, wire, &d, 16, 8, T0 + FRAG_TIMEOUT_US + 2, &out));
	CHECK_INT(stats(fp).used, 1);
	CHECK_INT(stats(fp).completed, 0);
	/* The first fragment again, in time for the new start. */
	CHECK(offer(fp, wire, &d, 0, 8, T0 + FRAG_TIMEOUT_US + 3, &out));
	CHECK_INT(out.tcp_flags, TH_SYN);
	CHECK_INT(out.ts_us, T0 + FRAG_TIMEOUT_US + 3);

	/* Exactly FRAG_TIMEOUT_US is still in time. */
	dg_init(&d, 4, SRC_A, 0x5556, PROTO_TCP);
	dg_tcp(&d, 40000, 444, TH_SYN, 1024, NULL, 0, 224);
	CHECK(!offer(fp, wire, &d, 0, 8, T0, &out));
	CHECK(!offer(fp, wire, &d, 8, 8, T0 + FRAG_TIMEOUT_US, &out));
	CHECK(offer(fp, wire, &d, 16, 8, T0 + FRAG_TIMEOUT_US, &out));
	CHECK_INT(out.dport, 444);

	/* The same id reused after the timeout: a new datagram, handed on
	 * again even though the old one was complete. */
	dg_tcp(&d, 40000, 444, TH_FIN, 1024, NULL, 0, 224);
	CHECK(!offer(fp, wire, &d, 0, 8, T0 + 3 * FRAG_TIMEOUT_US, &out));
	CHECK(!offer(fp, wire, &d, 8, 8, T0 + 3 * FRAG_TIMEOUT_US, &out));
	CHECK(offer(fp, wire, &d, 16, 8, T0 + 3 * FRAG_TIMEOUT_US, &out));
	CHECK_INT(out.tcp_flags, TH_FIN);
	CHECK_INT(stats(fp).completed, 3);
	frag_free(fp);
}

TEST(timeout_starts_over)
{
	timeout(false);
	timeout(true);
}

/* ---- flood -------------------------------------------------------------------- */

static void flood(bool wire, unsigned n)
{
	static struct dgram d;
	uint8_t src[4] = { 10, 0, 0, 0 };
	struct frag_pool *fp = frag_new(64, &KEY);
	struct frag_stats st;
	struct pkt out;
	unsigned completed = 0;

	for (unsigned i = 0; i < n; i++) {
		src[1] = (uint8_t)(i >> 16);
		dg_init(&d, 4, src, i & 0xffff, PROTO_TCP);
		dg_tcp(&d, 1024, 80, TH_SYN, 1024, NULL, 0, 224);
		if (offer(fp, wire, &d, 0, 8, T0 + i, &out))
			completed++;
	}
	st = stats(fp);
	CHECK_INT(completed, 0);
	CHECK_INT(st.slots, 64);
	CHECK(st.used <= 64);
	CHECK(st.used > 0);
	CHECK(st.evicted > 0);
	CHECK_INT(st.evicted + st.used, n);
	CHECK_INT(st.fragments, n);
	CHECK_INT(st.tiny, n);
	CHECK_INT(st.completed, 0);

	/* A fresh datagram still goes through. */
	dg_init(&d, 4, SRC_A, 0xbeef, PROTO_TCP);
	dg_tcp(&d, 40000, 443, TH_SYN | TH_ECE | TH_CWR, 3, NULL, 0, 224);
	CHECK(!offer(fp, wire, &d, 0, 8, T0 + n, &out));
	CHECK(!offer(fp, wire, &d, 8, 8, T0 + n + 1, &out));
	CHECK(offer(fp, wire, &d, 16, 8, T0 + n + 2, &out));
	CHECK_INT(out.tcp_flags, TH_SYN | TH_ECE | TH_CWR);
	CHECK_INT(out.tcp_window, 3);
	CHECK(stats(fp).used <= 64);
	frag_free(fp);
}

TEST(flood_evicts_never_fails)
{
	flood(false, 100000);
	flood(true, 20000);
}

/* A pool smaller than a bucket is one bucket. */
TEST(pool_sizes)
{
	struct frag_pool *fp = frag_new(1, &KEY);

	CHECK(fp != NULL);
	CHECK_INT(stats(fp).slots, 8);
	CHECK_INT(stats(fp).used, 0);
	frag_free(fp);
	fp = frag_new(100, &KEY);
	CHECK_INT(stats(fp).slots, 128);
	frag_free(fp);
	frag_free(NULL);
}

/* ---- fragments past the head ---------------------------------------------------- */

static void far_fragments(bool wire)
{
	static struct dgram d;
	struct frag_pool *fp = frag_new(64, &KEY);
	struct pkt out, p;
	unsigned n = 0;

	dg_init(&d, 4, SRC_A, 0x6000, PROTO_TCP);
	dg_tcp(&d, 40000, 443, TH_SYN, 1024, NULL, 0, 1480);
	/* Offsets 64 and beyond, for many ids: no slot taken. */
	for (size_t off = 64; off < 1480; off += 8) {
		d.id = (uint32_t)(0x6000 + off);
		CHECK(!offer(fp, wire, &d, off, off + 8 < 1480 ? 8 : 1480 - off,
			     T0, &out));
		n++;
	}
	d.id = 0x6fff;
	CHECK(!offer(fp, wire, &d, 64, 1416, T0, &out));
	n++;
	CHECK_INT(stats(fp).used, 0);
	CHECK_INT(stats(fp).fragments, n);
	CHECK_INT(stats(fp).tiny, 0);

	/* The highest offset IPv4 can state (not decodable: built only). */
	p = frag_pkt(&d, 64, 8, T0);
	p.frag_offset = 65528;
	CHECK(!frag_offer(fp, &p, &out));
	/* Not a fragment, or no data: nothing. */
	p = frag_pkt(&d, 0, 8, T0);
	p.fragment = false;
	CHECK(!frag_offer(fp, &p, &out));
	p = frag_pkt(&d, 0, 8, T0);
	p.frag_data = NULL;
	CHECK(!frag_offer(fp, &p, &out));
	CHECK_INT(stats(fp).used, 0);

	/* Offset 56 is inside the head: it takes one. */
	d.id = 0x6001;
	CHECK(!offer(fp, wire, &d, 56, 8, T0, &out));
	CHECK_INT(stats(fp).used, 1);
	frag_free(fp);
}

TEST(far_fragments_take_no_slot)
{
	far_fragments(false);
	far_fragments(true);
}

/* ---- the reassembly stage (pipeline.c) ------------------------------------ */

/* What the next stage was handed: copies of the packets, in order, and
 * how many batches they came in. */
#define STAGE_MAX 64

struct stage_out {
	struct pkt p[STAGE_MAX];
	size_t n, batches;
};

static void stage_record(void *arg, const struct pkt *batch, size_t n)
{
	struct stage_out *o = arg;

	o->batches++;
	for (size_t i = 0; i < n && o->n < STAGE_MAX; i++)
		o->p[o->n++] = batch[i];
}

struct stage {
	struct config cfg;
	struct pipeline pl;
	struct stage_out out;
};

static void stage_open(struct stage *st)
{
	char err[256];

	memset(st, 0, sizeof *st);
	if (!conf_load_string("t", "FragTableSize 64\n", &st->cfg, err,
			      sizeof err))
		abort();
	st->cfg.hash_key_fixed = true;
	st->cfg.hash_key = KEY;
	CHECK(pipeline_init(&st->pl, &st->cfg, st->cfg.frag_table_size,
			    stage_record, &st->out, err,
			    sizeof err));
	pipeline_source(&st->pl, LINK_ETHERNET, 0);
}

static void stage_close(struct stage *st)
{
	pipeline_free(&st->pl);
	conf_free(&st->cfg);
}

/* The bytes [off, off+len) of d, framed, through the stage, from a heap
 * copy of exactly the frame's length that is overwritten and freed as
 * soon as the stage returns: as a capture's buffer is reused. */
static void stage_frame(struct stage *st, const struct dgram *d, size_t off,
			size_t len, uint64_t ts)
{
	uint8_t f[14 + 48 + sizeof d->data];
	size_t flen = frag_frame(d, off, len, f);
	uint8_t *heap = malloc(flen);

	if (!heap)
		abort();
	memcpy(heap, f, flen);
	pipeline_packet(&st->pl, heap, flen, (uint32_t)flen, ts);
	memset(heap, 0xee, flen);
	free(heap);
}

struct stat_pick {
	const char *name;
	uint64_t value;
	int seen;
};

static void stat_picked(void *arg, const char *name, uint64_t value)
{
	struct stat_pick *sp = arg;

	if (strcmp(name, sp->name) == 0) {
		sp->value = value;
		sp->seen++;
	}
}

static uint64_t stage_frag_stat(const struct stage *st, const char *name)
{
	struct stat_pick sp = { name, 0, 0 };

	pipeline_put_frags(&st->pl, stat_picked, &sp);
	CHECK_INT(sp.seen, 1);
	return sp.value;
}

/*
 * nmap -f's SYN (24 bytes with its MSS option) in three 8-byte fragments,
 * with other traffic between them: a whole UDP datagram, a first
 * fragment that shows its whole UDP header, a whole TCP segment.  Six
 * frames, six packets out in capture order, in one batch (no flush at
 * a fragment); the SYN whole where its last fragment was, the fragments
 * before it only their time.
 */
TEST(stage_tiny_header_in_order)
{
	static struct dgram syn, udp, first, ack;
	static struct stage st;
	const struct pkt *o = st.out.p;
	struct ipaddr syn_src = addr_of(4, SRC_A);

	dg_init(&syn, 4, SRC_A, 0x7001, PROTO_TCP);
	dg_tcp(&syn, 40000, 443, TH_SYN, 1024, MSS1460, 4, 24);
	dg_init(&udp, 4, SRC_B, 0x7002, PROTO_UDP);
	dg_udp(&udp, 5353, 53, 40);
	dg_init(&first, 4, SRC_B, 0x7003, PROTO_UDP);
	dg_udp(&first, 4444, 161, 1000);
	dg_init(&ack, 4, SRC_B, 0x7004, PROTO_TCP);
	dg_tcp(&ack, 50000, 80, TH_ACK, 512, NULL, 0, 20);

	stage_open(&st);
	stage_frame(&st, &syn, 0, 8, T0);
	stage_frame(&st, &udp, 0, udp.len, T0 + 1);
	stage_frame(&st, &syn, 8, 8, T0 + 2);
	stage_frame(&st, &first, 0, 16, T0 + 3);
	stage_frame(&st, &syn, 16, 8, T0 + 4);
	stage_frame(&st, &ack, 0, ack.len, T0 + 5);
	CHECK_INT(st.out.batches, 0);	/* nothing went on before the flush */
	pipeline_flush(&st.pl);
	CHECK_INT(st.out.batches, 1);
	CHECK_INT(st.out.n, 6);
	for (size_t i = 0; i < st.out.n; i++) {
		CHECK_INT(o[i].ts_us, T0 + i);
		CHECK(o[i].frag_data == NULL);
		CHECK_INT(o[i].frag_caplen, 0);
	}
	/* The fragments that completed nothing: their time only. */
	CHECK(o[0].fragment);
	CHECK(o[2].fragment);
	CHECK_INT(o[2].frag_offset, 8);
	/* The traffic between them, as it came. */
	CHECK(!o[1].fragment && o[1].proto == PROTO_UDP);
	CHECK_INT(o[1].dport, 53);
	CHECK(!o[3].fragment && !o[3].tiny_fragment);
	CHECK_INT(o[3].dport, 161);
	CHECK_INT(o[3].frag_id, 0x7003);
	CHECK(!o[5].fragment && o[5].proto == PROTO_TCP);
	CHECK_INT(o[5].tcp_flags, TH_ACK);
	/* The SYN, whole, in its last fragment's place: read from the
	 * pool's copies, since every frame was overwritten. */
	CHECK(!o[4].fragment);
	CHECK(o[4].tiny_fragment);
	CHECK(o[4].tcp_flags_known);
	CHECK_INT(o[4].tcp_flags, TH_SYN);
	CHECK_INT(o[4].sport, 40000);
	CHECK_INT(o[4].dport, 443);
	CHECK_INT(o[4].tcp_seq, SEQ);
	CHECK_INT(o[4].tcp_window, 1024);
	CHECK_INT(o[4].tcp_optlen, 4);
	CHECK(memcmp(o[4].tcp_opts, MSS1460, 4) == 0);
	CHECK(addr_equal(&o[4].src, &syn_src));
	CHECK_INT(o[4].ttl, 43);
	/* frags.*: the three SYN fragments only. */
	CHECK_INT(stage_frag_stat(&st, "frags.fragments"), 3);
	CHECK_INT(stage_frag_stat(&st, "frags.tiny"), 1);
	CHECK_INT(stage_frag_stat(&st, "frags.completed"), 1);
	CHECK_INT(stage_frag_stat(&st, "frags.slots"), 64);
	stage_close(&st);
}

/* Fragments no longer end a batch: a run of them fills batches of
 * PKT_BATCH like any traffic, and a header completed across a batch's
 * end comes out in the next one. */
TEST(stage_batches_across_fragments)
{
	static struct dgram syn;
	static struct stage st;
	size_t n = 0;

	stage_open(&st);
	dg_init(&syn, 6, SRC6, 0x9000, PROTO_TCP);
	dg_tcp(&syn, 40000, 22, TH_SYN, 1024, NULL, 0, 24);
	for (size_t i = 0; i < PKT_BATCH - 1; i++, n++)
		stage_frame(&st, &syn, 16, 8, T0 + n);	/* only the tail */
	syn.id = 0x9001;
	for (size_t off = 0; off < 24; off += 8, n++)
		stage_frame(&st, &syn, off, 8, T0 + n);
	CHECK_INT(st.out.batches, 1);
	CHECK_INT(st.out.n, PKT_BATCH);
	pipeline_flush(&st.pl);
	CHECK_INT(st.out.batches, 2);
	CHECK_INT(st.out.n, n);
	for (size_t i = 0; i + 1 < st.out.n; i++)
		CHECK(st.out.p[i].fragment && !st.out.p[i].frag_data);
	CHECK(!st.out.p[n - 1].fragment);
	CHECK(st.out.p[n - 1].tiny_fragment);
	CHECK_INT(st.out.p[n - 1].ipver, 6);
	CHECK_INT(st.out.p[n - 1].tcp_flags, TH_SYN);
	CHECK_INT(st.out.p[n - 1].dport, 22);
	CHECK_INT(stage_frag_stat(&st, "frags.completed"), 1);
	stage_close(&st);
}

/*
 * The same 16 + 8 split of nmap -sS's 24-byte SYN, through the stage: a
 * fragment goes to frag_offer() unless frag_header_complete() says it
 * shows all detection needs.  The 16-byte first fragment has the flags
 * and window but not the urgent pointer or the options, which the
 * signature table (opts=, mss=, urg=) needs, and frag_offer() itself
 * wants 20 bytes before it calls a TCP header complete.  Called
 * complete, the SYN would go on without its MSS option and the table
 * would name it masscan-syn (window 1024, no options), not nmap-syn; the
 * ECN probe cut the same way would lose its urgent pointer.
 */
TEST(header_complete_16_bytes)
{
	static struct dgram d;
	static struct signatures sigs;
	static struct stage st;
	const struct signature *s;
	const struct pkt *seen = &st.out.p[1];
	uint8_t f[14 + 20 + 16];
	struct pkt p;
	char err[256];

	CHECK(signatures_builtin(&sigs, err, sizeof err));
	dg_init(&d, 4, SRC_A, 0x1619, PROTO_TCP);
	dg_tcp(&d, 40000, 443, TH_SYN, 1024, MSS1460, 4, 24);
	memset(&p, 0, sizeof p);
	CHECK_INT(decode_packet(LINK_ETHERNET, f, frag_frame(&d, 0, 16, f),
				&p), DEC_OK);
	CHECK(p.tcp_flags_known);
	CHECK_INT(p.tcp_optlen, 0);
	CHECK(!frag_header_complete(&p));

	stage_open(&st);
	stage_frame(&st, &d, 0, 16, T0);
	stage_frame(&st, &d, 16, 8, T0 + 1);
	pipeline_flush(&st.pl);
	CHECK_INT(st.out.n, 2);
	CHECK(st.out.p[0].fragment);	/* held, not passed on as whole */
	CHECK(!seen->fragment);
	s = signature_match(&sigs, seen);
	CHECK_STR(s ? s->name : "(none)", "nmap-syn");
	CHECK_INT(seen->tcp_optlen, 4);
	CHECK(seen->tiny_fragment);
	stage_close(&st);
}

/* One choice of key for every table of a run (siphash.h). */
TEST(run_key)
{
	struct sipkey k = { 1, 2 }, r1, r2;

	CHECK_INT(sipkey_for_run(&r1, true, &KEY), 0);
	CHECK(r1.k0 == KEY.k0 && r1.k1 == KEY.k1);
	CHECK_INT(sipkey_for_run(&r1, false, &k), 0);
	CHECK_INT(sipkey_for_run(&r2, false, &k), 0);
	CHECK(r1.k0 != r2.k0 || r1.k1 != r2.k1);	/* 2^-128 to fail */
}

int main(void)
{
	RUN(header_complete);
	RUN(nmap_f_in_order);
	RUN(nmap_f_syn_signature);
	RUN(out_of_order);
	RUN(overlap_first_wins);
	RUN(overlap_after_completion_counted);
	RUN(first_fragment_16_bytes);
	RUN(header_complete_16_bytes);
	RUN(ipv6_fragments);
	RUN(ipv6_dstopts_after_fragment_header);
	RUN(interleaved_sources_same_id);
	RUN(timeout_starts_over);
	RUN(flood_evicts_never_fails);
	RUN(pool_sizes);
	RUN(far_fragments_take_no_slot);
	RUN(stage_tiny_header_in_order);
	RUN(stage_batches_across_fragments);
	RUN(run_key);
	return unit_report(__FILE__);
}
