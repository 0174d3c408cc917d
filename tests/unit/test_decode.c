/*
 * test_decode.c - the packet decoder, one byte array at a time.
 *
 * Frames are assembled by small helpers (link header, IP, transport) and
 * then decoded from a heap copy of exactly the tested length, so that the
 * sanitizer build reports any read past the captured bytes.  Each bounds
 * check is tested with a frame exactly one byte short of what it needs,
 * next to the frame that is just long enough.
 */
#include <stdlib.h>

#include "decode.h"
#include "params.h"
#include "unit.h"

/* ---- frame assembly ---------------------------------------------------- */

struct frame {
	uint8_t b[1024];
	size_t len;
};

static const uint8_t V4_A[4] = { 192, 0, 2, 1 };
static const uint8_t V4_B[4] = { 198, 51, 100, 2 };
static const uint8_t V6_A[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t V6_B[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

#define SEQ 0x11223344u
#define ACK 0x55667788u

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_ARP  0x0806

#define NH_HOPOPTS  0
#define NH_ROUTING  43
#define NH_FRAGMENT 44
#define NH_ESP      50
#define NH_AH       51
#define NH_NONE     59
#define NH_DSTOPTS  60

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

static void putn(struct frame *f, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put8(f, p[i]);
}

static void fill(struct frame *f, unsigned v, size_t n)
{
	while (n--)
		put8(f, v);
}

static void set16(struct frame *f, size_t off, unsigned v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static void eth(struct frame *f, unsigned type)
{
	static const uint8_t macs[12] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
		0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb
	};

	putn(f, macs, sizeof macs);
	put16(f, type);
}

/* One 802.1Q tag after an ethertype/protocol field that named a TPID. */
static void vlan(struct frame *f, unsigned tci, unsigned next)
{
	put16(f, tci);
	put16(f, next);
}

/* Linux cooked v1: type, ARPHRD_ETHER, address length, address, proto. */
static void sll(struct frame *f, unsigned proto)
{
	put16(f, 0);
	put16(f, 1);
	put16(f, 6);
	fill(f, 0xee, 8);
	put16(f, proto);
}

/* Linux cooked v2: proto, reserved, ifindex, ARPHRD, type, addrlen, addr. */
static void sll2(struct frame *f, unsigned proto)
{
	put16(f, proto);
	put16(f, 0);
	put32(f, 2);
	put16(f, 1);
	put8(f, 4);
	put8(f, 6);
	fill(f, 0xee, 8);
}

static void bsd_family(struct frame *f, uint32_t af, int little_endian)
{
	if (little_endian) {
		put8(f, af & 0xff);
		put8(f, af >> 8 & 0xff);
		put8(f, af >> 16 & 0xff);
		put8(f, af >> 24);
	} else {
		put32(f, af);
	}
}

/* The link header for an IPv4 (ipver 4) or IPv6 packet. */
static void link_hdr(struct frame *f, enum link_type lt, int ipver)
{
	unsigned et = ipver == 4 ? ETH_IPV4 : ETH_IPV6;

	switch (lt) {
	case LINK_ETHERNET:
		eth(f, et);
		break;
	case LINK_LINUX_SLL:
		sll(f, et);
		break;
	case LINK_LINUX_SLL2:
		sll2(f, et);
		break;
	case LINK_RAW:
		break;
	case LINK_NULL:
		bsd_family(f, ipver == 4 ? 2 : 30, 1);
		break;
	case LINK_LOOP:
		bsd_family(f, ipver == 4 ? 2 : 24, 0);
		break;
	}
}

/* An IPv4 header with DF set and the total length still 0: ip_fix sets
 * it once what follows is known.  Returns its offset. */
static size_t ip4(struct frame *f, unsigned proto, const uint8_t src[4],
		  const uint8_t dst[4])
{
	size_t off = f->len;

	put8(f, 0x45);
	put8(f, 0);
	put16(f, 0);
	put16(f, 0x1234);
	put16(f, 0x4000);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	putn(f, src, 4);
	putn(f, dst, 4);
	return off;
}

static size_t ip6(struct frame *f, unsigned nxt, const uint8_t src[16],
		  const uint8_t dst[16])
{
	size_t off = f->len;

	put32(f, 0x60000000);
	put16(f, 0);
	put8(f, nxt);
	put8(f, 64);
	putn(f, src, 16);
	putn(f, dst, 16);
	return off;
}

/* Set the length of the IP header at off to cover up to end. */
static void ip_fix(struct frame *f, size_t off, size_t end)
{
	if (f->b[off] >> 4 == 4)
		set16(f, off + 2, (unsigned)(end - off));
	else
		set16(f, off + 4, (unsigned)(end - off - 40));
}

/* A generic IPv6 extension header of len bytes (a multiple of 8). */
static void ext6(struct frame *f, unsigned nh, size_t len)
{
	put8(f, nh);
	put8(f, (unsigned)(len / 8 - 1));
	fill(f, 0, len - 2);	/* Pad1 options */
}

static void frag6(struct frame *f, unsigned nh, unsigned off8, int more)
{
	put8(f, nh);
	put8(f, 0);
	put16(f, off8 << 3 | (more ? 1 : 0));
	put32(f, 0xcafe);
}

/* A TCP header with seq SEQ, ack ACK, window 1024; returns its offset. */
static size_t tcp(struct frame *f, unsigned sport, unsigned dport,
		  unsigned flags, const uint8_t *opts, size_t optlen)
{
	size_t off = f->len;

	put16(f, sport);
	put16(f, dport);
	put32(f, SEQ);
	put32(f, ACK);
	put8(f, (unsigned)(5 + optlen / 4) << 4);
	put8(f, flags);
	put16(f, 1024);
	put16(f, 0);
	put16(f, 0);
	putn(f, opts, optlen);
	return off;
}

static size_t udp(struct frame *f, unsigned sport, unsigned dport,
		  unsigned ulen)
{
	size_t off = f->len;

	put16(f, sport);
	put16(f, dport);
	put16(f, ulen);
	put16(f, 0);
	return off;
}

static size_t icmp(struct frame *f, unsigned type, unsigned code)
{
	size_t off = f->len;

	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put32(f, 0x00010002);
	return off;
}

static const uint8_t SYN_OPTS[8] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };

/* Link header, IPv4, TCP SYN 40000 -> 80 with 8 bytes of options and
 * 3 bytes of payload.  *l4 gets the TCP offset. */
static void v4_syn(struct frame *f, enum link_type lt, size_t *l4)
{
	size_t ip;

	f->len = 0;
	link_hdr(f, lt, 4);
	ip = ip4(f, PROTO_TCP, V4_A, V4_B);
	*l4 = tcp(f, 40000, 80, TH_SYN, SYN_OPTS, sizeof SYN_OPTS);
	fill(f, 0x5a, 3);
	ip_fix(f, ip, f->len);
}

/* Link header, IPv6, UDP 5353 -> 53 with 12 bytes of payload. */
static void v6_udp(struct frame *f, enum link_type lt, size_t *l4)
{
	size_t ip;

	f->len = 0;
	link_hdr(f, lt, 6);
	ip = ip6(f, PROTO_UDP, V6_A, V6_B);
	*l4 = udp(f, 5353, 53, 8 + 12);
	fill(f, 0x5a, 12);
	ip_fix(f, ip, f->len);
}

/* Decode the first caplen bytes of f from a heap copy of exactly that
 * size; a zero-length capture points just past a 1-byte block, so any
 * read at all is an overrun the sanitizer sees. */
static enum decode_result dec(const struct frame *f, enum link_type lt,
			      size_t caplen, struct pkt *p)
{
	uint8_t *buf = malloc(caplen ? caplen : 1);
	enum decode_result r;

	if (!buf)
		abort();
	if (caplen)
		memcpy(buf, f->b, caplen);
	r = decode_packet(lt, caplen ? buf : buf + 1, caplen, p);
	free(buf);
	return r;
}

static enum decode_result dec_all(const struct frame *f, enum link_type lt,
				  struct pkt *p)
{
	return dec(f, lt, f->len, p);
}

/* Compare results by name, so that a failure says which. */
#define CHECK_RES(a, b) CHECK_STR(decode_result_name(a), decode_result_name(b))

static int is_v4(const struct ipaddr *a, const uint8_t v4[4])
{
	return addr_is_v4(a) && memcmp(a->b + 12, v4, 4) == 0;
}

static int is_v6(const struct ipaddr *a, const uint8_t v6[16])
{
	return memcmp(a->b, v6, 16) == 0;
}

static int is_trunc(enum decode_result r)
{
	return r >= DEC_TRUNC_LINK && r <= DEC_TRUNC_ARP;
}

/* ---- result names ------------------------------------------------------ */

TEST(result_names)
{
	int i, j;

	for (i = 0; i < DEC_RESULT_COUNT; i++) {
		const char *n = decode_result_name((enum decode_result)i);

		CHECK(n != NULL && strncmp(n, "decoder.", 8) == 0);
		CHECK(n != NULL && strcmp(n, "decoder.unknown") != 0);
		for (j = 0; j < i; j++)
			CHECK(strcmp(n, decode_result_name(
					      (enum decode_result)j)) != 0);
	}
	CHECK_STR(decode_result_name(DEC_RESULT_COUNT), "decoder.unknown");
	CHECK_STR(decode_result_name(DEC_OK), "decoder.ok");
	CHECK_STR(decode_result_name(DEC_SKIP_NOT_IP), "decoder.skip.not_ip");
	CHECK_STR(decode_result_name(DEC_BAD_TCP_HLEN), "decoder.tcp.bad_hlen");
	CHECK(!decode_is_malformed(DEC_SKIP_LATER_FRAGMENT));
	CHECK(decode_is_malformed(DEC_TRUNC_LINK));
	CHECK(decode_is_malformed(DEC_BAD_UDP_LEN));
}

/* ---- valid packets ----------------------------------------------------- */

TEST(ethernet_ipv4_tcp)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v4_syn(&f, LINK_ETHERNET, &l4);
	f.b[l4 + 12] |= 0x01;		/* AE, a reserved bit */
	f.b[l4 + 13] = TH_SYN | TH_ECE | TH_CWR;
	set16(&f, l4 + 18, 7);		/* urgent pointer */
	p.ts_us = 123456789;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.ts_us, 123456789);
	CHECK_INT(p.ipver, 4);
	CHECK_INT(p.proto, PROTO_TCP);
	CHECK_INT(p.ttl, 64);
	CHECK_INT(p.ip_id, 0x1234);
	CHECK_INT(p.ip_len, 20 + 28 + 3);
	CHECK(is_v4(&p.src, V4_A));
	CHECK(is_v4(&p.dst, V4_B));
	CHECK(!p.fragment);
	CHECK_INT(p.frag_payload, 0);
	CHECK_INT(p.sport, 40000);
	CHECK_INT(p.dport, 80);
	CHECK_INT(p.tcp_flags, TH_SYN | TH_ECE | TH_CWR);
	CHECK_INT(p.tcp_reserved, 1);
	CHECK(p.tcp_flags_known);
	CHECK_INT(p.tcp_window, 1024);
	CHECK_INT(p.tcp_urgptr, 7);
	CHECK_INT(p.tcp_seq, SEQ);
	CHECK_INT(p.tcp_ack, ACK);
	CHECK_INT(p.tcp_optlen, 8);
	CHECK(memcmp(p.tcp_opts, SYN_OPTS, 8) == 0);
	CHECK_INT(p.payload_len, 3);
	CHECK(!p.quoted.valid);
}

TEST(reset_keeps_only_caller_fields)
{
	struct frame f = { .len = 0 };
	struct pkt p;

	eth(&f, ETH_ARP);
	fill(&f, 0, 28);
	memset(&p, 0xff, sizeof p);
	p.ts_us = 42;
	p.wire_len = 60;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_SKIP_NOT_IP);
	CHECK_INT(p.ts_us, 42);
	CHECK_INT(p.wire_len, 60);
	CHECK_INT(p.ipver, 0);
	CHECK_INT(p.sport, 0);
	CHECK_INT(p.tcp_optlen, 0);
	CHECK(!p.quoted.valid);
	CHECK(!p.tcp_flags_known);
}

TEST(ethernet_ipv4_udp)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_UDP, V4_A, V4_B);
	udp(&f, 33000, 53, 8 + 12);
	fill(&f, 0x5a, 12);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.proto, PROTO_UDP);
	CHECK_INT(p.sport, 33000);
	CHECK_INT(p.dport, 53);
	CHECK_INT(p.payload_len, 12);
	CHECK(!p.tcp_flags_known);
}

TEST(ethernet_ipv4_icmp_echo)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip, q;

	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_ICMP, V4_A, V4_B);
	icmp(&f, 8, 0);
	/* An IPv4 header as echo data must not be taken for a quote. */
	q = ip4(&f, PROTO_UDP, V4_B, V4_A);
	udp(&f, 1, 2, 8);
	ip_fix(&f, q, f.len);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.proto, PROTO_ICMP);
	CHECK_INT(p.icmp_type, 8);
	CHECK_INT(p.icmp_code, 0);
	CHECK_INT(p.payload_len, 28);
	CHECK(!p.quoted.valid);
}

TEST(vlan_single)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	eth(&f, 0x8100);
	vlan(&f, 943, ETH_IPV4);
	ip = ip4(&f, PROTO_TCP, V4_A, V4_B);
	tcp(&f, 40000, 443, TH_SYN, NULL, 0);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.dport, 443);
	CHECK_INT(p.tcp_flags, TH_SYN);
	CHECK(is_v4(&p.src, V4_A));
}

TEST(vlan_double)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	eth(&f, 0x88a8);
	vlan(&f, 10, 0x8100);
	vlan(&f, 20, ETH_IPV6);
	ip = ip6(&f, PROTO_UDP, V6_A, V6_B);
	udp(&f, 5353, 53, 8);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.ipver, 6);
	CHECK_INT(p.dport, 53);

	/* The pre-standard QinQ TPID works the same. */
	f.b[12] = 0x91;
	f.b[13] = 0x00;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.sport, 5353);
}

TEST(vlan_limit)
{
	struct frame f;
	struct pkt p;
	size_t ip;
	int tags, i;

	for (tags = 1; tags <= MAX_VLAN_TAGS + 1; tags++) {
		f.len = 0;
		eth(&f, 0x8100);
		for (i = 1; i < tags; i++)
			vlan(&f, (unsigned)i, 0x8100);
		vlan(&f, (unsigned)tags, ETH_IPV4);
		ip = ip4(&f, PROTO_TCP, V4_A, V4_B);
		tcp(&f, 1, 2, TH_SYN, NULL, 0);
		ip_fix(&f, ip, f.len);
		CHECK_RES(dec_all(&f, LINK_ETHERNET, &p),
			  tags <= MAX_VLAN_TAGS ? DEC_OK : DEC_BAD_LINK);
	}
}

TEST(not_ip)
{
	struct frame f = { .len = 0 };
	struct pkt p;

	eth(&f, ETH_ARP);
	fill(&f, 0, 28);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_SKIP_NOT_IP);

	/* 802.3 length field (LLC), not an ethertype. */
	f.len = 0;
	eth(&f, 46);
	fill(&f, 0x42, 46);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_SKIP_NOT_IP);

	/* ARP inside a VLAN. */
	f.len = 0;
	eth(&f, 0x8100);
	vlan(&f, 1, ETH_ARP);
	fill(&f, 0, 28);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_SKIP_NOT_IP);

	f.len = 0;
	sll(&f, ETH_ARP);
	fill(&f, 0, 28);
	CHECK_RES(dec_all(&f, LINK_LINUX_SLL, &p), DEC_SKIP_NOT_IP);

	f.len = 0;
	sll2(&f, 0x0004);	/* LINUX_SLL_P_802_2 */
	fill(&f, 0, 28);
	CHECK_RES(dec_all(&f, LINK_LINUX_SLL2, &p), DEC_SKIP_NOT_IP);
}

TEST(link_types_ipv4)
{
	static const enum link_type lts[] = {
		LINK_ETHERNET, LINK_LINUX_SLL, LINK_LINUX_SLL2, LINK_RAW,
		LINK_NULL, LINK_LOOP
	};
	struct frame f;
	struct pkt p;
	size_t i, l4;

	for (i = 0; i < sizeof lts / sizeof lts[0]; i++) {
		v4_syn(&f, lts[i], &l4);
		CHECK_RES(dec_all(&f, lts[i], &p), DEC_OK);
		CHECK_INT(p.ipver, 4);
		CHECK_INT(p.sport, 40000);
		CHECK_INT(p.tcp_optlen, 8);
		CHECK_INT(p.payload_len, 3);
		CHECK(is_v4(&p.dst, V4_B));
	}
}

TEST(link_types_ipv6)
{
	static const enum link_type lts[] = {
		LINK_ETHERNET, LINK_LINUX_SLL, LINK_LINUX_SLL2, LINK_RAW,
		LINK_NULL, LINK_LOOP
	};
	struct frame f;
	struct pkt p;
	size_t i, l4;

	for (i = 0; i < sizeof lts / sizeof lts[0]; i++) {
		v6_udp(&f, lts[i], &l4);
		CHECK_RES(dec_all(&f, lts[i], &p), DEC_OK);
		CHECK_INT(p.ipver, 6);
		CHECK_INT(p.proto, PROTO_UDP);
		CHECK_INT(p.ttl, 64);
		CHECK_INT(p.ip_id, 0);
		CHECK_INT(p.ip_len, 40 + 20);
		CHECK(is_v6(&p.src, V6_A));
		CHECK(is_v6(&p.dst, V6_B));
		CHECK(!addr_is_v4(&p.src));
		CHECK_INT(p.sport, 5353);
		CHECK_INT(p.payload_len, 12);
	}
}

TEST(sll_vlan)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	sll(&f, 0x8100);
	vlan(&f, 7, ETH_IPV4);
	ip = ip4(&f, PROTO_UDP, V4_A, V4_B);
	udp(&f, 1000, 2000, 8);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_LINUX_SLL, &p), DEC_OK);
	CHECK_INT(p.dport, 2000);

	f.len = 0;
	sll2(&f, 0x8100);
	vlan(&f, 7, ETH_IPV4);
	ip = ip4(&f, PROTO_UDP, V4_A, V4_B);
	udp(&f, 1000, 2000, 8);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_LINUX_SLL2, &p), DEC_OK);
	CHECK_INT(p.sport, 1000);
}

TEST(raw_version)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v4_syn(&f, LINK_RAW, &l4);
	f.b[0] = 0x55;
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_BAD_IP_VERSION);
	f.b[0] = 0x05;
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_BAD_IP_VERSION);
	CHECK_RES(dec(&f, LINK_RAW, 0, &p), DEC_TRUNC_IP);
}

/* BSD loopback: each AF_INET6 value, in either byte order for NULL. */
TEST(null_families)
{
	static const uint32_t fams[] = { 2, 24, 28, 30 };
	struct frame f;
	struct pkt p;
	size_t i, ip;
	int le;

	for (i = 0; i < sizeof fams / sizeof fams[0]; i++) {
		for (le = 0; le <= 1; le++) {
			f.len = 0;
			bsd_family(&f, fams[i], le);
			if (fams[i] == 2)
				ip = ip4(&f, PROTO_TCP, V4_A, V4_B);
			else
				ip = ip6(&f, PROTO_TCP, V6_A, V6_B);
			tcp(&f, 1, 22, TH_SYN, NULL, 0);
			ip_fix(&f, ip, f.len);
			CHECK_RES(dec_all(&f, LINK_NULL, &p), DEC_OK);
			CHECK_INT(p.ipver, fams[i] == 2 ? 4 : 6);
			CHECK_INT(p.dport, 22);
			/* LOOP is network byte order only. */
			CHECK_RES(dec_all(&f, LINK_LOOP, &p),
				  le ? DEC_SKIP_NOT_IP : DEC_OK);
		}
	}
	f.len = 0;
	bsd_family(&f, 7, 1);	/* ISO */
	fill(&f, 0, 40);
	CHECK_RES(dec_all(&f, LINK_NULL, &p), DEC_SKIP_NOT_IP);
	CHECK_RES(dec_all(&f, LINK_LOOP, &p), DEC_SKIP_NOT_IP);
}

TEST(unknown_link)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v4_syn(&f, LINK_RAW, &l4);
	CHECK_RES(dec_all(&f, (enum link_type)42, &p), DEC_BAD_LINK);
}

TEST(other_protocols)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	eth(&f, ETH_IPV4);
	ip = ip4(&f, 47, V4_A, V4_B);	/* GRE */
	fill(&f, 0, 24);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_SKIP_OTHER_PROTO);
	CHECK_INT(p.ipver, 4);
	CHECK_INT(p.proto, 47);
	CHECK(is_v4(&p.src, V4_A));
	CHECK(is_v4(&p.dst, V4_B));

	/* ICMPv6 is not a protocol of IPv4, nor ICMP of IPv6. */
	f.b[14 + 9] = PROTO_ICMPV6;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_SKIP_OTHER_PROTO);

	f.len = 0;
	ip = ip6(&f, PROTO_ICMP, V6_A, V6_B);
	icmp(&f, 3, 3);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_SKIP_OTHER_PROTO);
	CHECK_INT(p.ipver, 6);
	CHECK(is_v6(&p.src, V6_A));

	f.len = 0;
	ip = ip6(&f, NH_ESP, V6_A, V6_B);
	fill(&f, 0, 16);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_SKIP_OTHER_PROTO);
	CHECK_INT(p.proto, NH_ESP);

	f.len = 0;
	ip = ip6(&f, NH_DSTOPTS, V6_A, V6_B);
	ext6(&f, NH_NONE, 8);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_SKIP_NO_TRANSPORT);
	CHECK_INT(p.proto, NH_NONE);

	/* No Next Header with payload length 0 is not a jumbogram: a
	 * datagram without transport, which still names its protocol. */
	f.len = 0;
	ip6(&f, NH_NONE, V6_A, V6_B);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_SKIP_NO_TRANSPORT);
	CHECK(p.ip_only);
	CHECK_INT(p.proto, NH_NONE);
}

/* ---- one byte short ---------------------------------------------------- */

TEST(short_link_headers)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v4_syn(&f, LINK_ETHERNET, &l4);
	CHECK_RES(dec(&f, LINK_ETHERNET, 13, &p), DEC_TRUNC_LINK);
	CHECK_RES(dec(&f, LINK_ETHERNET, 14, &p), DEC_TRUNC_IP);

	f.len = 0;
	eth(&f, 0x8100);
	vlan(&f, 1, ETH_IPV4);
	fill(&f, 0, 40);
	CHECK_RES(dec(&f, LINK_ETHERNET, 17, &p), DEC_TRUNC_LINK);
	CHECK_RES(dec(&f, LINK_ETHERNET, 18, &p), DEC_TRUNC_IP);

	v4_syn(&f, LINK_LINUX_SLL, &l4);
	CHECK_RES(dec(&f, LINK_LINUX_SLL, 15, &p), DEC_TRUNC_LINK);
	CHECK_RES(dec(&f, LINK_LINUX_SLL, 16, &p), DEC_TRUNC_IP);

	v4_syn(&f, LINK_LINUX_SLL2, &l4);
	CHECK_RES(dec(&f, LINK_LINUX_SLL2, 19, &p), DEC_TRUNC_LINK);
	CHECK_RES(dec(&f, LINK_LINUX_SLL2, 20, &p), DEC_TRUNC_IP);

	v4_syn(&f, LINK_NULL, &l4);
	CHECK_RES(dec(&f, LINK_NULL, 3, &p), DEC_TRUNC_LINK);
	CHECK_RES(dec(&f, LINK_NULL, 4, &p), DEC_TRUNC_IP);

	v4_syn(&f, LINK_LOOP, &l4);
	CHECK_RES(dec(&f, LINK_LOOP, 3, &p), DEC_TRUNC_LINK);
	CHECK_RES(dec(&f, LINK_LOOP, 4, &p), DEC_TRUNC_IP);

	v4_syn(&f, LINK_RAW, &l4);
	CHECK_RES(dec(&f, LINK_RAW, 0, &p), DEC_TRUNC_IP);
	CHECK_RES(dec(&f, LINK_RAW, 1, &p), DEC_TRUNC_IP);
}

TEST(short_ipv4)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v4_syn(&f, LINK_ETHERNET, &l4);
	CHECK_RES(dec(&f, LINK_ETHERNET, 14 + 19, &p), DEC_TRUNC_IP);
	CHECK_RES(dec(&f, LINK_ETHERNET, 14 + 20, &p), DEC_TRUNC_TCP);
}

TEST(short_ipv4_options)
{
	static const uint8_t nops[4] = { 1, 1, 1, 1 };
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_TCP, V4_A, V4_B);
	f.b[ip] = 0x46;			/* IHL 6: 4 bytes of options */
	putn(&f, nops, 4);
	tcp(&f, 1, 80, TH_SYN, NULL, 0);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec(&f, LINK_ETHERNET, 14 + 23, &p), DEC_TRUNC_IP);
	CHECK_RES(dec(&f, LINK_ETHERNET, 14 + 24, &p), DEC_TRUNC_TCP);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.dport, 80);
	CHECK_INT(p.payload_len, 0);
	CHECK_INT(p.ip_len, 44);
}

TEST(short_tcp)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip, l4;

	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_TCP, V4_A, V4_B);
	l4 = tcp(&f, 1, 80, TH_SYN, NULL, 0);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec(&f, LINK_ETHERNET, l4 + 19, &p), DEC_TRUNC_TCP);
	CHECK_RES(dec(&f, LINK_ETHERNET, l4 + 20, &p), DEC_OK);
	CHECK_INT(p.tcp_optlen, 0);
}

/* A snaplen that cuts the options is not an error: copy what is there. */
TEST(short_tcp_options_snaplen)
{
	static const uint8_t opts[12] = {
		2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0
	};
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip, l4;

	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_TCP, V4_A, V4_B);
	l4 = tcp(&f, 1, 80, TH_SYN, opts, sizeof opts);
	fill(&f, 0x5a, 10);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec(&f, LINK_ETHERNET, l4 + 25, &p), DEC_OK);
	CHECK_INT(p.tcp_optlen, 5);
	CHECK(memcmp(p.tcp_opts, opts, 5) == 0);
	CHECK_INT(p.payload_len, 10);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.tcp_optlen, 12);
	CHECK(memcmp(p.tcp_opts, opts, 12) == 0);
}

TEST(tcp_max_options)
{
	uint8_t opts[40];
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip, i;

	for (i = 0; i < sizeof opts; i++)
		opts[i] = 1;		/* NOP */
	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_TCP, V4_A, V4_B);
	tcp(&f, 1, 80, TH_SYN, opts, sizeof opts);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.tcp_optlen, 40);
}

TEST(short_udp)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip, l4;

	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_UDP, V4_A, V4_B);
	l4 = udp(&f, 1, 53, 8);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec(&f, LINK_ETHERNET, l4 + 7, &p), DEC_TRUNC_UDP);
	CHECK_RES(dec(&f, LINK_ETHERNET, l4 + 8, &p), DEC_OK);
	CHECK_INT(p.payload_len, 0);
}

TEST(short_icmp)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip, l4;

	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_ICMP, V4_A, V4_B);
	l4 = icmp(&f, 13, 0);		/* timestamp request */
	fill(&f, 0, 12);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec(&f, LINK_ETHERNET, l4 + 7, &p), DEC_TRUNC_ICMP);
	CHECK_RES(dec(&f, LINK_ETHERNET, l4 + 8, &p), DEC_OK);
	CHECK_INT(p.icmp_type, 13);
	CHECK_INT(p.payload_len, 12);

	f.len = 0;
	ip = ip6(&f, PROTO_ICMPV6, V6_A, V6_B);
	l4 = icmp(&f, 128, 0);		/* echo request */
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec(&f, LINK_RAW, l4 + 7, &p), DEC_TRUNC_ICMP);
	CHECK_RES(dec(&f, LINK_RAW, l4 + 8, &p), DEC_OK);
	CHECK_INT(p.proto, PROTO_ICMPV6);
	CHECK_INT(p.icmp_type, 128);
	CHECK(!p.quoted.valid);
}

TEST(short_ipv6)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v6_udp(&f, LINK_ETHERNET, &l4);
	CHECK_RES(dec(&f, LINK_ETHERNET, 14 + 39, &p), DEC_TRUNC_IP);
	CHECK_RES(dec(&f, LINK_ETHERNET, 14 + 40, &p), DEC_TRUNC_UDP);
}

TEST(short_ipv6_ext)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	ip = ip6(&f, NH_HOPOPTS, V6_A, V6_B);
	ext6(&f, PROTO_TCP, 16);
	tcp(&f, 1, 80, TH_SYN, NULL, 0);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec(&f, LINK_RAW, 40, &p), DEC_TRUNC_IPV6_EXT);
	CHECK_RES(dec(&f, LINK_RAW, 41, &p), DEC_TRUNC_IPV6_EXT);
	CHECK_RES(dec(&f, LINK_RAW, 40 + 15, &p), DEC_TRUNC_IPV6_EXT);
	CHECK_RES(dec(&f, LINK_RAW, 40 + 16, &p), DEC_TRUNC_TCP);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_OK);

	f.len = 0;
	ip = ip6(&f, NH_FRAGMENT, V6_A, V6_B);
	frag6(&f, PROTO_TCP, 0, 0);
	tcp(&f, 1, 80, TH_SYN, NULL, 0);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec(&f, LINK_RAW, 40 + 7, &p), DEC_TRUNC_IPV6_EXT);
	CHECK_RES(dec(&f, LINK_RAW, 40 + 8, &p), DEC_TRUNC_TCP);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_OK);

	f.len = 0;
	ip = ip6(&f, NH_AH, V6_A, V6_B);
	put8(&f, PROTO_TCP);
	put8(&f, 4);			/* (4 + 2) * 4 = 24 bytes */
	fill(&f, 0, 22);
	tcp(&f, 1, 80, TH_SYN, NULL, 0);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec(&f, LINK_RAW, 40 + 23, &p), DEC_TRUNC_IPV6_EXT);
	CHECK_RES(dec(&f, LINK_RAW, 40 + 24, &p), DEC_TRUNC_TCP);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_OK);
	CHECK_INT(p.dport, 80);
}

/* ---- malformed values -------------------------------------------------- */

TEST(bad_ip_version)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v4_syn(&f, LINK_ETHERNET, &l4);
	f.b[14] = 0x65;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_IP_VERSION);

	/* An IPv4 packet under the IPv6 ethertype. */
	v4_syn(&f, LINK_ETHERNET, &l4);
	f.b[12] = 0x86;
	f.b[13] = 0xdd;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_IP_VERSION);
}

TEST(bad_ipv4_ihl)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v4_syn(&f, LINK_ETHERNET, &l4);
	f.b[14] = 0x44;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_IP_HLEN);
	f.b[14] = 0x40;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_IP_HLEN);
}

TEST(bad_ipv4_total_length)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v4_syn(&f, LINK_ETHERNET, &l4);
	set16(&f, 14 + 2, 19);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_IP_LEN);
	set16(&f, 14 + 2, 0);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_IP_LEN);
	/* IHL 6 needs at least 24. */
	f.b[14] = 0x46;
	set16(&f, 14 + 2, 23);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_IP_LEN);
	/* Exactly the header: no room for TCP (nmap -sO's bare headers). */
	f.b[14] = 0x45;
	set16(&f, 14 + 2, 20);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_SKIP_NO_TRANSPORT);
	CHECK(p.ip_only);
	CHECK_INT(p.proto, PROTO_TCP);
}

/* RFC 826 over Ethernet: a request, a reply, what is not IPv4's ARP. */
static void arp_frame(struct frame *f, unsigned pro, unsigned pln,
		      unsigned op, const uint8_t spa[4], const uint8_t tpa[4])
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };

	f->len = 0;
	eth(f, ETH_ARP);
	put16(f, 1);
	put16(f, pro);
	put8(f, 6);
	put8(f, pln);
	put16(f, op);
	putn(f, mac, 6);
	putn(f, spa, 4);
	fill(f, 0, 6);
	putn(f, tpa, 4);
}

TEST(arp)
{
	struct frame f;
	struct pkt p;

	arp_frame(&f, ETH_IPV4, 4, ARP_REQUEST, V4_A, V4_B);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(p.arp);
	CHECK(!p.ip_only);
	CHECK_INT(p.arp_op, ARP_REQUEST);
	CHECK_INT(p.proto, PROTO_ARP);
	CHECK(is_v4(&p.src, V4_A));
	CHECK(is_v4(&p.dst, V4_B));

	arp_frame(&f, ETH_IPV4, 4, ARP_REPLY, V4_B, V4_A);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.arp_op, ARP_REPLY);
	CHECK(is_v4(&p.src, V4_B));

	/* RARP's operations, another protocol, another address length. */
	arp_frame(&f, ETH_IPV4, 4, 3, V4_A, V4_B);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_SKIP_NOT_IP);
	arp_frame(&f, 0x86dd, 4, ARP_REQUEST, V4_A, V4_B);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_SKIP_NOT_IP);
	arp_frame(&f, ETH_IPV4, 16, ARP_REQUEST, V4_A, V4_B);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_SKIP_NOT_IP);

	/* Cut anywhere: truncated, never read past the capture. */
	arp_frame(&f, ETH_IPV4, 4, ARP_REQUEST, V4_A, V4_B);
	for (size_t len = 14; len < f.len; len++)
		CHECK_RES(dec(&f, LINK_ETHERNET, len, &p), DEC_TRUNC_ARP);
}

/* RFC 9260: the common header and the first chunk's type. */
TEST(sctp)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_SCTP, V4_A, V4_B);
	put16(&f, 40000);
	put16(&f, 80);
	put32(&f, 0);			/* INIT: verification tag 0 */
	put32(&f, 0);
	put8(&f, 1);			/* INIT */
	put8(&f, 0);
	put16(&f, 20);
	fill(&f, 0, 16);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.proto, PROTO_SCTP);
	CHECK_INT(p.sport, 40000);
	CHECK_INT(p.dport, 80);
	CHECK_INT(p.sctp_chunk, 1);
	/* The common header alone: no chunk (0xff). */
	f.len = ip + 20 + 12;
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.sctp_chunk, 0xff);
	f.len = ip + 20 + 11;
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_TRUNC_SCTP);
}

/* RFC 4861: a neighbour solicitation names its target. */
TEST(neighbour_solicitation)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	ip = ip6(&f, PROTO_ICMPV6, V6_A, V6_B);
	icmp(&f, 135, 0);
	putn(&f, V6_B, 16);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_OK);
	CHECK_INT(p.icmp_type, 135);
	CHECK(is_v6(&p.nd_target, V6_B));
	/* Cut before the target: no target, still the message. */
	f.len -= 8;
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_OK);
	CHECK(!is_v6(&p.nd_target, V6_B));
}

TEST(bad_tcp_data_offset)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v4_syn(&f, LINK_ETHERNET, &l4);
	f.b[l4 + 12] = 0x40;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_TCP_HLEN);
	f.b[l4 + 12] = 0x00;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_TCP_HLEN);
	f.b[l4 + 12] = 0x50;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.tcp_optlen, 0);
	CHECK_INT(p.payload_len, 8 + 3);
}

TEST(bad_udp_length)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip, l4;

	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_UDP, V4_A, V4_B);
	l4 = udp(&f, 1, 53, 8 + 4);
	fill(&f, 0x5a, 4);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.payload_len, 4);
	set16(&f, l4 + 4, 7);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_UDP_LEN);
	set16(&f, l4 + 4, 0);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_UDP_LEN);
	/* Longer than the IP payload that carries it. */
	set16(&f, l4 + 4, 13);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_UDP_LEN);
	/* Shorter is fine: the rest is padding inside IP. */
	set16(&f, l4 + 4, 8);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.payload_len, 0);
}

TEST(bad_ipv6_payload_length)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v6_udp(&f, LINK_RAW, &l4);
	set16(&f, 4, 0);		/* a jumbogram, not supported */
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_BAD_IP_LEN);
	/* The payload length covers less than the UDP header. */
	set16(&f, 4, 7);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_TRUNC_UDP);
}

TEST(ipv6_ip_len_saturates)
{
	struct frame f = { .len = 0 };
	struct pkt p;

	ip6(&f, PROTO_TCP, V6_A, V6_B);
	tcp(&f, 1, 80, TH_ACK, NULL, 0);
	set16(&f, 4, 0xffff);		/* captured only 60 of 65575 bytes */
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_OK);
	CHECK_INT(p.ip_len, 0xffff);
	CHECK_INT(p.payload_len, 0xffff - 20);
}

/* ---- IPv6 extension headers -------------------------------------------- */

TEST(ipv6_ext_chain)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	eth(&f, ETH_IPV6);
	ip = ip6(&f, NH_HOPOPTS, V6_A, V6_B);
	ext6(&f, NH_ROUTING, 8);
	ext6(&f, NH_DSTOPTS, 24);
	ext6(&f, PROTO_TCP, 16);
	tcp(&f, 50000, 22, TH_SYN, SYN_OPTS, sizeof SYN_OPTS);
	fill(&f, 0x5a, 5);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.proto, PROTO_TCP);
	CHECK_INT(p.sport, 50000);
	CHECK_INT(p.dport, 22);
	CHECK_INT(p.tcp_flags, TH_SYN);
	CHECK_INT(p.tcp_optlen, 8);
	CHECK_INT(p.payload_len, 5);
	CHECK_INT(p.ip_len, 40 + 48 + 28 + 5);
	CHECK(!p.fragment);
}

TEST(ipv6_ext_limit)
{
	struct frame f;
	struct pkt p;
	size_t ip;
	int n, i;

	for (n = MAX_IPV6_EXT_HEADERS - 1; n <= MAX_IPV6_EXT_HEADERS + 1;
	     n++) {
		f.len = 0;
		ip = ip6(&f, NH_DSTOPTS, V6_A, V6_B);
		for (i = 1; i < n; i++)
			ext6(&f, NH_DSTOPTS, 8);
		ext6(&f, PROTO_UDP, 8);
		udp(&f, 1, 2, 8);
		ip_fix(&f, ip, f.len);
		CHECK_RES(dec_all(&f, LINK_RAW, &p),
			  n <= MAX_IPV6_EXT_HEADERS ? DEC_OK :
			  DEC_BAD_IPV6_EXT);
	}
}

TEST(ipv6_ext_malformed)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	/* Destination options stating 32 bytes in a payload of 8. */
	ip = ip6(&f, NH_DSTOPTS, V6_A, V6_B);
	put8(&f, PROTO_TCP);
	put8(&f, 3);
	fill(&f, 0, 30);
	tcp(&f, 1, 2, TH_SYN, NULL, 0);
	ip_fix(&f, ip, ip + 40 + 8);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_BAD_IPV6_EXT);
	/* The same length is fine when the payload length covers it, and
	 * truncated when the capture ends inside it. */
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_OK);
	CHECK_RES(dec(&f, LINK_RAW, 40 + 31, &p), DEC_TRUNC_IPV6_EXT);

	/* One byte of payload: not even the two-byte header fits. */
	ip_fix(&f, ip, ip + 40 + 1);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_BAD_IPV6_EXT);

	/* Hop-by-Hop anywhere but first. */
	f.len = 0;
	ip = ip6(&f, NH_DSTOPTS, V6_A, V6_B);
	ext6(&f, NH_HOPOPTS, 8);
	ext6(&f, PROTO_TCP, 8);
	tcp(&f, 1, 2, TH_SYN, NULL, 0);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_BAD_IPV6_EXT);

	/* A fragment header longer than what is left. */
	f.len = 0;
	ip = ip6(&f, NH_FRAGMENT, V6_A, V6_B);
	frag6(&f, PROTO_UDP, 0, 1);
	ip_fix(&f, ip, f.len - 1);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_BAD_IPV6_EXT);
}

TEST(ipv6_ah)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	ip = ip6(&f, NH_AH, V6_A, V6_B);
	put8(&f, NH_DSTOPTS);
	put8(&f, 4);			/* (4 + 2) * 4 = 24 bytes */
	fill(&f, 0, 22);
	ext6(&f, PROTO_UDP, 8);
	udp(&f, 500, 500, 8 + 4);
	fill(&f, 0, 4);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_OK);
	CHECK_INT(p.proto, PROTO_UDP);
	CHECK_INT(p.dport, 500);
	CHECK_INT(p.payload_len, 4);
}

TEST(ipv6_fragments)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	/* First fragment of a 1000-byte UDP datagram. */
	ip = ip6(&f, NH_HOPOPTS, V6_A, V6_B);
	ext6(&f, NH_FRAGMENT, 8);
	frag6(&f, PROTO_UDP, 0, 1);
	udp(&f, 4000, 161, 1000);
	fill(&f, 0x5a, 24);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_OK);
	CHECK(p.fragment);
	CHECK_INT(p.frag_payload, 32);
	CHECK_INT(p.proto, PROTO_UDP);
	CHECK_INT(p.dport, 161);
	CHECK_INT(p.payload_len, 992);
	CHECK_INT(p.ip_id, 0);

	/* A later fragment: only what the IP layer says. */
	f.len = 0;
	ip = ip6(&f, NH_FRAGMENT, V6_A, V6_B);
	frag6(&f, PROTO_UDP, 4, 0);
	fill(&f, 0x5a, 24);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_SKIP_LATER_FRAGMENT);
	CHECK(p.fragment);
	CHECK_INT(p.ipver, 6);
	CHECK_INT(p.proto, PROTO_UDP);
	CHECK_INT(p.frag_payload, 24);
	CHECK(is_v6(&p.src, V6_A));
	CHECK_INT(p.sport, 0);

	/* An atomic fragment (offset 0, no M) is a whole datagram. */
	f.len = 0;
	ip = ip6(&f, NH_FRAGMENT, V6_A, V6_B);
	frag6(&f, PROTO_TCP, 0, 0);
	tcp(&f, 1, 25, TH_SYN, NULL, 0);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_OK);
	CHECK(!p.fragment);
	CHECK_INT(p.dport, 25);

	/* A first fragment with only 8 bytes of TCP. */
	f.len = 0;
	ip = ip6(&f, NH_FRAGMENT, V6_A, V6_B);
	frag6(&f, PROTO_TCP, 0, 1);
	tcp(&f, 1, 25, TH_SYN, NULL, 0);
	f.len -= 12;
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_RAW, &p), DEC_OK);
	CHECK(p.fragment);
	CHECK(!p.tcp_flags_known);
	CHECK_INT(p.dport, 25);
	CHECK_INT(p.tcp_seq, SEQ);
	CHECK_INT(p.frag_payload, 8);
}

/* ---- IPv4 fragments ---------------------------------------------------- */

/* Ethernet, IPv4 with the given fragment field, a TCP SYN 40000 -> 443
 * cut to tcplen bytes by the fragmentation. */
static void v4_tcp_frag(struct frame *f, unsigned fragfield, size_t tcplen,
			size_t *l4)
{
	size_t ip;

	f->len = 0;
	eth(f, ETH_IPV4);
	ip = ip4(f, PROTO_TCP, V4_A, V4_B);
	set16(f, ip + 6, fragfield);
	*l4 = tcp(f, 40000, 443, TH_SYN, NULL, 0);
	f->len = *l4 + tcplen;
	ip_fix(f, ip, f->len);
}

TEST(ipv4_first_fragment_8_bytes)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v4_tcp_frag(&f, 0x2000, 8, &l4);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(p.fragment);
	CHECK_INT(p.frag_payload, 8);
	CHECK_INT(p.sport, 40000);
	CHECK_INT(p.dport, 443);
	CHECK_INT(p.tcp_seq, SEQ);
	CHECK(!p.tcp_flags_known);
	CHECK_INT(p.tcp_flags, 0);
	CHECK_INT(p.payload_len, 0);
	CHECK_INT(p.ip_id, 0x1234);
	/* One byte short of the 8 the fragment states: truncated. */
	CHECK_RES(dec(&f, LINK_ETHERNET, l4 + 7, &p), DEC_TRUNC_TCP);
	/* A fragment of 8 TCP bytes that is not marked as one is short. */
	set16(&f, 14 + 6, 0x0000);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_TRUNC_TCP);
}

TEST(ipv4_first_fragment_16_bytes)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v4_tcp_frag(&f, 0x2000, 16, &l4);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(p.tcp_flags_known);
	CHECK_INT(p.tcp_flags, TH_SYN);
	CHECK_INT(p.tcp_ack, ACK);
	CHECK_INT(p.tcp_window, 1024);
	CHECK_RES(dec(&f, LINK_ETHERNET, l4 + 15, &p), DEC_TRUNC_TCP);
	f.b[l4 + 12] = 0x40;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_TCP_HLEN);
}

TEST(ipv4_tiny_fragment)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	/* RFC 1858: a first fragment too small for the ports. */
	v4_tcp_frag(&f, 0x2000, 4, &l4);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_TRUNC_TCP);
	CHECK(p.fragment);
}

TEST(ipv4_later_fragment)
{
	struct frame f;
	struct pkt p;
	size_t l4;

	v4_tcp_frag(&f, 0x0001, 12, &l4);
	p.ts_us = 9;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_SKIP_LATER_FRAGMENT);
	CHECK(p.fragment);
	CHECK_INT(p.frag_payload, 12);
	CHECK_INT(p.ipver, 4);
	CHECK_INT(p.proto, PROTO_TCP);
	CHECK_INT(p.ip_id, 0x1234);
	CHECK_INT(p.ts_us, 9);
	CHECK(is_v4(&p.src, V4_A));
	CHECK(is_v4(&p.dst, V4_B));
	CHECK_INT(p.sport, 0);
	/* With more fragments to follow, still later. */
	set16(&f, 14 + 6, 0x2001);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_SKIP_LATER_FRAGMENT);
}

TEST(ipv4_first_fragment_udp)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip;

	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_UDP, V4_A, V4_B);
	set16(&f, ip + 6, 0x2000);
	udp(&f, 7, 9, 1480);		/* longer than this fragment */
	fill(&f, 0, 16);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(p.fragment);
	CHECK_INT(p.frag_payload, 24);
	CHECK_INT(p.payload_len, 1472);
}

/* ---- link trailer ------------------------------------------------------ */

TEST(ethernet_padding_not_read)
{
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip, l4;

	/* A 54-byte SYN padded to 60 bytes. */
	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_TCP, V4_A, V4_B);
	tcp(&f, 1, 80, TH_SYN, NULL, 0);
	ip_fix(&f, ip, f.len);
	fill(&f, 0xaa, 6);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.payload_len, 0);
	CHECK_INT(p.tcp_optlen, 0);

	/* TCP says 12 bytes of options, IP carries 8: the other 4 would
	 * come from the trailer and must not be copied. */
	f.len = 0;
	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_TCP, V4_A, V4_B);
	l4 = tcp(&f, 1, 80, TH_SYN, SYN_OPTS, sizeof SYN_OPTS);
	f.b[l4 + 12] = 0x80;
	ip_fix(&f, ip, f.len);
	fill(&f, 0xaa, 16);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.tcp_optlen, 8);
	CHECK(memcmp(p.tcp_opts, SYN_OPTS, 8) == 0);
	CHECK_INT(p.payload_len, 0);

	/* UDP stating more than IP carries, the rest in the trailer. */
	f.len = 0;
	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_UDP, V4_A, V4_B);
	udp(&f, 1, 53, 8 + 10);
	fill(&f, 0x5a, 2);
	ip_fix(&f, ip, f.len);
	fill(&f, 0xaa, 16);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_BAD_UDP_LEN);

	/* An IPv6 SYN followed by an FCS. */
	f.len = 0;
	eth(&f, ETH_IPV6);
	ip = ip6(&f, PROTO_TCP, V6_A, V6_B);
	tcp(&f, 1, 80, TH_SYN, NULL, 0);
	ip_fix(&f, ip, f.len);
	fill(&f, 0xaa, 4);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.payload_len, 0);
	CHECK_INT(p.ip_len, 60);
}

/* ---- ICMP errors ------------------------------------------------------- */

/* 198.51.100.2 tells 192.0.2.1 that UDP 40000 -> 33434 was unreachable;
 * the quote is the IP header and 8 bytes of a 60-byte datagram. */
static void v4_port_unreach(struct frame *f, size_t *l4, size_t *quote)
{
	size_t ip;

	f->len = 0;
	eth(f, ETH_IPV4);
	ip = ip4(f, PROTO_ICMP, V4_B, V4_A);
	*l4 = icmp(f, 3, 3);
	*quote = ip4(f, PROTO_UDP, V4_A, V4_B);
	udp(f, 40000, 33434, 40);
	ip_fix(f, *quote, *quote + 60);
	ip_fix(f, ip, f->len);
}

TEST(icmp_port_unreachable)
{
	struct frame f;
	struct pkt p;
	size_t l4, q;

	v4_port_unreach(&f, &l4, &q);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.proto, PROTO_ICMP);
	CHECK_INT(p.icmp_type, 3);
	CHECK_INT(p.icmp_code, 3);
	CHECK(is_v4(&p.src, V4_B));
	CHECK(p.quoted.valid);
	CHECK_INT(p.quoted.proto, PROTO_UDP);
	CHECK(is_v4(&p.quoted.src, V4_A));
	CHECK(is_v4(&p.quoted.dst, V4_B));
	CHECK_INT(p.quoted.sport, 40000);
	CHECK_INT(p.quoted.dport, 33434);
	CHECK_INT(p.sport, 0);
}

/* A quote cut anywhere is no error, just no quote. */
TEST(icmp_quote_truncated)
{
	struct frame f;
	struct pkt p;
	size_t l4, q, cut;

	v4_port_unreach(&f, &l4, &q);
	for (cut = l4 + 8; cut < f.len; cut++) {
		CHECK_RES(dec(&f, LINK_ETHERNET, cut, &p), DEC_OK);
		CHECK(!p.quoted.valid);
		CHECK_INT(p.quoted.sport, 0);
	}
	/* Cut by the outer IP length, not the capture. */
	ip_fix(&f, 14, f.len - 1);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(!p.quoted.valid);
}

TEST(icmp_quote_variants)
{
	static const uint8_t nops[4] = { 1, 1, 1, 1 };
	struct frame f = { .len = 0 };
	struct pkt p;
	size_t ip, l4, q;

	/* Time exceeded quoting a TCP SYN with IP options. */
	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_ICMP, V4_B, V4_A);
	l4 = icmp(&f, 11, 0);
	q = ip4(&f, PROTO_TCP, V4_A, V4_B);
	f.b[q] = 0x46;
	putn(&f, nops, 4);
	tcp(&f, 40001, 8080, TH_SYN, NULL, 0);
	f.len -= 12;
	ip_fix(&f, q, q + 44);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.icmp_type, 11);
	CHECK(p.quoted.valid);
	CHECK_INT(p.quoted.proto, PROTO_TCP);
	CHECK_INT(p.quoted.sport, 40001);
	CHECK_INT(p.quoted.dport, 8080);

	/* Quoted total length too small for the 8 bytes it claims. */
	ip_fix(&f, q, q + 24 + 7);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(!p.quoted.valid);
	/* Quoted later fragment: its data is not a TCP header. */
	ip_fix(&f, q, q + 44);
	set16(&f, q + 6, 0x0010);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(!p.quoted.valid);
	/* Quoted packet that is not IPv4. */
	set16(&f, q + 6, 0);
	f.b[q] = 0x66;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(!p.quoted.valid);
	f.b[q] = 0x43;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(!p.quoted.valid);

	/* Unreachable quoting an ICMP echo: named, never decoded. */
	f.len = 0;
	eth(&f, ETH_IPV4);
	ip = ip4(&f, PROTO_ICMP, V4_B, V4_A);
	icmp(&f, 3, 1);
	q = ip4(&f, PROTO_ICMP, V4_A, V4_B);
	icmp(&f, 8, 0);
	ip_fix(&f, q, f.len);
	ip_fix(&f, ip, f.len);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(p.quoted.valid);
	CHECK_INT(p.quoted.proto, PROTO_ICMP);
	CHECK_INT(p.quoted.sport, 0);
	CHECK_INT(p.quoted.dport, 0);
	(void)l4;
}

/* 2001:db8::2 tells 2001:db8::1 that its SYN 40000 -> 443 (with a
 * destination options header) could not be delivered. */
static void v6_unreach_tcp(struct frame *f, size_t *l4, size_t *quote)
{
	size_t ip;

	f->len = 0;
	eth(f, ETH_IPV6);
	ip = ip6(f, PROTO_ICMPV6, V6_B, V6_A);
	*l4 = icmp(f, 1, 4);
	*quote = ip6(f, NH_DSTOPTS, V6_A, V6_B);
	ext6(f, PROTO_TCP, 8);
	tcp(f, 40000, 443, TH_SYN, SYN_OPTS, sizeof SYN_OPTS);
	ip_fix(f, *quote, f->len);
	ip_fix(f, ip, f->len);
}

TEST(icmpv6_unreachable_tcp)
{
	struct frame f;
	struct pkt p;
	size_t l4, q, cut;

	v6_unreach_tcp(&f, &l4, &q);
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK_INT(p.proto, PROTO_ICMPV6);
	CHECK_INT(p.icmp_type, 1);
	CHECK_INT(p.icmp_code, 4);
	CHECK(p.quoted.valid);
	CHECK_INT(p.quoted.proto, PROTO_TCP);
	CHECK(is_v6(&p.quoted.src, V6_A));
	CHECK(is_v6(&p.quoted.dst, V6_B));
	CHECK_INT(p.quoted.sport, 40000);
	CHECK_INT(p.quoted.dport, 443);

	/* Valid from 40 + 8 + 8 bytes of quote on. */
	for (cut = q; cut <= f.len; cut++) {
		CHECK_RES(dec(&f, LINK_ETHERNET, cut, &p), DEC_OK);
		CHECK_INT(p.quoted.valid, cut >= q + 56);
	}

	/* Packet too big (type 2) quotes too; echo (128) does not. */
	f.b[l4] = 2;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(p.quoted.valid);
	f.b[l4] = 128;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(!p.quoted.valid);

	/* A quoted IPv4 packet inside ICMPv6 is not valid. */
	f.b[l4] = 1;
	f.b[q] = 0x45;
	CHECK_RES(dec_all(&f, LINK_ETHERNET, &p), DEC_OK);
	CHECK(!p.quoted.valid);
}

/* ---- every prefix ------------------------------------------------------ */

struct prefix_case {
	const char *name;
	enum link_type lt;
	struct frame f;
	size_t need;		/* shortest prefix that decodes */
	size_t opts;		/* offset of the TCP options, or 0 */
	size_t quote;		/* shortest prefix with a valid quote, or 0 */
};

static int same_headers(const struct pkt *a, const struct pkt *b)
{
	return a->ipver == b->ipver && a->proto == b->proto &&
	       a->ttl == b->ttl && a->ip_id == b->ip_id &&
	       a->ip_len == b->ip_len && addr_equal(&a->src, &b->src) &&
	       addr_equal(&a->dst, &b->dst) && a->fragment == b->fragment &&
	       a->frag_payload == b->frag_payload &&
	       a->sport == b->sport && a->dport == b->dport &&
	       a->tcp_flags == b->tcp_flags &&
	       a->tcp_reserved == b->tcp_reserved &&
	       a->tcp_window == b->tcp_window &&
	       a->tcp_urgptr == b->tcp_urgptr &&
	       a->tcp_seq == b->tcp_seq && a->tcp_ack == b->tcp_ack &&
	       a->tcp_flags_known == b->tcp_flags_known &&
	       a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code &&
	       a->payload_len == b->payload_len;
}

static void check_prefixes(const struct prefix_case *c)
{
	struct pkt full, p;
	enum decode_result r;
	size_t len, want_opt;

	CHECK_RES(dec_all(&c->f, c->lt, &full), DEC_OK);
	for (len = 0; len <= c->f.len; len++) {
		r = dec(&c->f, c->lt, len, &p);
		if (len < c->need) {
			if (!is_trunc(r))
				printf("  %s: prefix %zu: %s\n", c->name, len,
				       decode_result_name(r));
			CHECK(is_trunc(r));
			continue;
		}
		if (r != DEC_OK || !same_headers(&p, &full))
			printf("  %s: prefix %zu: %s\n", c->name, len,
			       decode_result_name(r));
		CHECK_RES(r, DEC_OK);
		CHECK(same_headers(&p, &full));
		if (c->opts) {
			want_opt = len - c->opts;
			if (want_opt > full.tcp_optlen)
				want_opt = full.tcp_optlen;
			CHECK_INT(p.tcp_optlen, want_opt);
			CHECK(memcmp(p.tcp_opts, full.tcp_opts,
				     p.tcp_optlen) == 0);
		}
		if (c->quote) {
			CHECK_INT(p.quoted.valid, len >= c->quote);
			if (p.quoted.valid)
				CHECK(memcmp(&p.quoted, &full.quoted,
					     sizeof p.quoted) == 0);
		}
	}
}

TEST(every_prefix)
{
	static struct prefix_case c;
	size_t ip, l4, q;

	memset(&c, 0, sizeof c);
	c.name = "ethernet ipv4 tcp";
	c.lt = LINK_ETHERNET;
	v4_syn(&c.f, c.lt, &l4);
	c.need = l4 + 20;
	c.opts = l4 + 20;
	check_prefixes(&c);

	memset(&c, 0, sizeof c);
	c.name = "vlan ipv6 hop-by-hop udp";
	c.lt = LINK_ETHERNET;
	eth(&c.f, 0x8100);
	vlan(&c.f, 3, ETH_IPV6);
	ip = ip6(&c.f, NH_HOPOPTS, V6_A, V6_B);
	ext6(&c.f, PROTO_UDP, 8);
	l4 = udp(&c.f, 546, 547, 8 + 6);
	fill(&c.f, 0x5a, 6);
	ip_fix(&c.f, ip, c.f.len);
	c.need = l4 + 8;
	check_prefixes(&c);

	memset(&c, 0, sizeof c);
	c.name = "sll ipv4 icmp port unreachable";
	c.lt = LINK_LINUX_SLL;
	sll(&c.f, ETH_IPV4);
	ip = ip4(&c.f, PROTO_ICMP, V4_B, V4_A);
	l4 = icmp(&c.f, 3, 3);
	q = ip4(&c.f, PROTO_UDP, V4_A, V4_B);
	udp(&c.f, 40000, 33434, 40);
	ip_fix(&c.f, q, q + 60);
	ip_fix(&c.f, ip, c.f.len);
	c.need = l4 + 8;
	c.quote = q + 28;
	check_prefixes(&c);

	memset(&c, 0, sizeof c);
	c.name = "raw ipv4 first fragment, 8 bytes of tcp";
	c.lt = LINK_RAW;
	ip = ip4(&c.f, PROTO_TCP, V4_A, V4_B);
	set16(&c.f, ip + 6, 0x2000);
	l4 = tcp(&c.f, 40000, 443, TH_SYN, NULL, 0);
	c.f.len = l4 + 8;
	ip_fix(&c.f, ip, c.f.len);
	c.need = l4 + 8;
	check_prefixes(&c);

	memset(&c, 0, sizeof c);
	c.name = "null ipv6 fragment header tcp";
	c.lt = LINK_NULL;
	bsd_family(&c.f, 28, 0);
	ip = ip6(&c.f, NH_FRAGMENT, V6_A, V6_B);
	frag6(&c.f, PROTO_TCP, 0, 1);
	l4 = tcp(&c.f, 40000, 443, TH_SYN, SYN_OPTS, sizeof SYN_OPTS);
	fill(&c.f, 0x5a, 8);
	ip_fix(&c.f, ip, c.f.len);
	c.need = l4 + 20;
	c.opts = l4 + 20;
	check_prefixes(&c);

	memset(&c, 0, sizeof c);
	c.name = "sll2 ipv6 icmpv6 unreachable";
	c.lt = LINK_LINUX_SLL2;
	sll2(&c.f, ETH_IPV6);
	ip = ip6(&c.f, PROTO_ICMPV6, V6_B, V6_A);
	l4 = icmp(&c.f, 1, 4);
	q = ip6(&c.f, NH_DSTOPTS, V6_A, V6_B);
	ext6(&c.f, PROTO_TCP, 8);
	tcp(&c.f, 40000, 443, TH_SYN, NULL, 0);
	ip_fix(&c.f, q, c.f.len);
	ip_fix(&c.f, ip, c.f.len);
	c.need = l4 + 8;
	c.quote = q + 56;
	check_prefixes(&c);
}

int main(void)
{
	RUN(result_names);
	RUN(ethernet_ipv4_tcp);
	RUN(reset_keeps_only_caller_fields);
	RUN(ethernet_ipv4_udp);
	RUN(ethernet_ipv4_icmp_echo);
	RUN(vlan_single);
	RUN(vlan_double);
	RUN(vlan_limit);
	RUN(not_ip);
	RUN(link_types_ipv4);
	RUN(link_types_ipv6);
	RUN(sll_vlan);
	RUN(raw_version);
	RUN(null_families);
	RUN(unknown_link);
	RUN(other_protocols);
	RUN(short_link_headers);
	RUN(short_ipv4);
	RUN(short_ipv4_options);
	RUN(short_tcp);
	RUN(short_tcp_options_snaplen);
	RUN(tcp_max_options);
	RUN(short_udp);
	RUN(short_icmp);
	RUN(short_ipv6);
	RUN(short_ipv6_ext);
	RUN(bad_ip_version);
	RUN(bad_ipv4_ihl);
	RUN(bad_ipv4_total_length);
	RUN(bad_tcp_data_offset);
	RUN(bad_udp_length);
	RUN(bad_ipv6_payload_length);
	RUN(ipv6_ip_len_saturates);
	RUN(ipv6_ext_chain);
	RUN(ipv6_ext_limit);
	RUN(ipv6_ext_malformed);
	RUN(ipv6_ah);
	RUN(ipv6_fragments);
	RUN(ipv4_first_fragment_8_bytes);
	RUN(ipv4_first_fragment_16_bytes);
	RUN(ipv4_tiny_fragment);
	RUN(ipv4_later_fragment);
	RUN(ipv4_first_fragment_udp);
	RUN(ethernet_padding_not_read);
	RUN(icmp_port_unreachable);
	RUN(icmp_quote_truncated);
	RUN(icmp_quote_variants);
	RUN(icmpv6_unreachable_tcp);
	RUN(every_prefix);
	RUN(arp);
	RUN(sctp);
	RUN(neighbour_solicitation);
	return unit_report(__FILE__);
}
