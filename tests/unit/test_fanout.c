/*
 * test_fanout.c - the classic BPF program that spreads a live capture
 * over the workers' sockets (capture_join_fanout).
 *
 * The kernel runs it on each packet's network header; here a small
 * interpreter of the instructions it uses does the same, so that what
 * Workers relies on is checked without a network: both directions of a
 * pair go to one socket, an ICMP or ICMPv6 error goes with the pair it
 * quotes, anything else to socket 0, every answer is below n, and the
 * pairs are spread.  That the kernel accepts the program is checked
 * live (tests/live/t_flood.sh runs with Workers 2).
 */
#include <linux/filter.h>
#include <stdlib.h>

#include "capture.h"
#include "unit.h"

#define PROG_MAX 256

/* ---- the interpreter -------------------------------------------------- */

struct frame {
	const uint8_t *net;		/* from the network header */
	size_t len;
	uint16_t proto;			/* skb->protocol: 0x0800, 0x86dd... */
};

/* A load at k (+ x): SKF_NET_OFF-relative or ancillary; false when out
 * of the packet (the kernel's program then returns 0). */
static bool load(const struct frame *f, uint32_t k, uint32_t x, int size,
		 uint32_t *a)
{
	uint32_t off;

	if (k == (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL)) {
		*a = f->proto;
		return true;
	}
	if (k < (uint32_t)SKF_NET_OFF)
		return false;		/* only network-relative loads here */
	off = k - (uint32_t)SKF_NET_OFF + x;
	if (off + (uint32_t)size > f->len)
		return false;
	*a = 0;
	for (int i = 0; i < size; i++)
		*a = *a << 8 | f->net[off + i];
	return true;
}

static int size_of(uint16_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W: return 4;
	case BPF_H: return 2;
	default: return 1;
	}
}

/* -1: an instruction the program should not use. */
static long run(const struct sock_filter *p, size_t n, const struct frame *f)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &p[pc];

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
			if (!load(f, i->k, 0, size_of(i->code), &a))
				return 0;
			break;
		case BPF_LD | BPF_W | BPF_IND:
		case BPF_LD | BPF_B | BPF_IND:
			if (!load(f, i->k, x, size_of(i->code), &a))
				return 0;
			break;
		case BPF_LD | BPF_MEM: a = mem[i->k]; break;
		case BPF_LDX | BPF_MEM: x = mem[i->k]; break;
		case BPF_ST: mem[i->k] = a; break;
		case BPF_MISC | BPF_TAX: x = a; break;
		case BPF_ALU | BPF_AND | BPF_K: a &= i->k; break;
		case BPF_ALU | BPF_LSH | BPF_K: a <<= i->k; break;
		case BPF_ALU | BPF_RSH | BPF_K: a >>= i->k; break;
		case BPF_ALU | BPF_XOR | BPF_X: a ^= x; break;
		case BPF_ALU | BPF_MUL | BPF_K: a *= i->k; break;
		case BPF_ALU | BPF_MOD | BPF_K: a %= i->k; break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == i->k ? i->jt : i->jf;
			break;
		case BPF_RET | BPF_A: return a;
		case BPF_RET | BPF_K: return i->k;
		default: return -1;
		}
	}
	return -1;			/* ran off the end */
}

/* ---- packets ---------------------------------------------------------- */

static void v4(uint8_t *h, uint8_t proto, uint32_t src, uint32_t dst)
{
	memset(h, 0, 20);
	h[0] = 0x45;
	h[9] = proto;
	for (int i = 0; i < 4; i++) {
		h[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		h[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
}

static void v6(uint8_t *h, uint8_t next, const uint8_t *src,
	       const uint8_t *dst)
{
	memset(h, 0, 40);
	h[0] = 0x60;
	h[6] = next;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
}

struct prog {
	struct sock_filter f[PROG_MAX];
	size_t n;
};

static long pick4(const struct prog *p, uint8_t proto, uint32_t s, uint32_t d)
{
	uint8_t h[60] = { 0 };
	struct frame f = { h, sizeof h, 0x0800 };

	v4(h, proto, s, d);
	return run(p->f, p->n, &f);
}

/* An ICMP error (type) from router about the datagram s -> d. */
static long pick4_error(const struct prog *p, uint8_t type, uint32_t router,
			uint32_t s, uint32_t d)
{
	uint8_t h[20 + 8 + 28] = { 0 };
	struct frame f = { h, sizeof h, 0x0800 };

	v4(h, 1, router, s);
	h[20] = type;
	v4(h + 28, 17, s, d);
	return run(p->f, p->n, &f);
}

static long pick6(const struct prog *p, uint8_t next, const uint8_t *s,
		  const uint8_t *d)
{
	uint8_t h[40 + 8 + 40] = { 0 };
	struct frame f = { h, sizeof h, 0x86dd };

	v6(h, next, s, d);
	return run(p->f, p->n, &f);
}

static long pick6_error(const struct prog *p, uint8_t type,
			const uint8_t *router, const uint8_t *s,
			const uint8_t *d)
{
	uint8_t h[40 + 8 + 40] = { 0 };
	struct frame f = { h, sizeof h, 0x86dd };

	v6(h, 58, router, s);
	h[40] = type;
	v6(h + 48, 6, s, d);
	return run(p->f, p->n, &f);
}

static uint32_t rnd(void)
{
	return (uint32_t)random() << 16 ^ (uint32_t)random();
}

/* 2001:db8::/32 with 96 random bits. */
static void rnd6(uint8_t *a)
{
	a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8;
	for (int i = 4; i < 16; i++)
		a[i] = (uint8_t)random();
}

static void make(struct prog *p, uint32_t key, unsigned n)
{
	p->n = capture_fanout_program(p->f, PROG_MAX, key, n);
}

/* ---- tests -------------------------------------------------------------- */

TEST(program_fits_and_ends_in_ret)
{
	struct prog p;

	make(&p, 1, 4);
	CHECK(p.n > 0 && p.n <= BPF_MAXINSNS);
	CHECK(BPF_CLASS(p.f[p.n - 1].code) == BPF_RET);
	CHECK_INT(capture_fanout_program(p.f, 10, 1, 4), 0);	/* too small */
}

TEST(both_directions_of_a_pair_meet)
{
	struct prog p;
	unsigned count[4] = { 0 };
	int bad = 0;

	make(&p, 0x9e3779b9u, 4);
	for (int i = 0; i < 2000; i++) {
		uint32_t a = rnd(), b = rnd();
		long x = pick4(&p, 6, a, b), y = pick4(&p, 6, b, a);

		bad += x != y || x < 0 || x >= 4;
		if (x >= 0 && x < 4)
			count[x]++;
	}
	CHECK_INT(bad, 0);
	/* Spread: each socket between 15% and 35% of the pairs. */
	for (int i = 0; i < 4; i++)
		CHECK(count[i] > 300 && count[i] < 700);
}

TEST(icmp_errors_go_with_the_pair_they_quote)
{
	struct prog p;
	int bad = 0, differs = 0;

	make(&p, 12345, 3);
	for (int i = 0; i < 500; i++) {
		uint32_t a = rnd(), b = rnd(), r = rnd();
		long pair = pick4(&p, 17, a, b);

		bad += pick4_error(&p, 3, r, a, b) != pair;	/* unreachable */
		bad += pick4_error(&p, 11, r, a, b) != pair;	/* time exceeded */
		/* An echo request is its own pair's. */
		bad += pick4(&p, 1, r, a) != pick4(&p, 1, a, r);
		differs += pick4(&p, 1, r, a) != pair;
	}
	CHECK_INT(bad, 0);
	CHECK(differs > 100);	/* the quote, not the outer pair, decided */
}

TEST(ipv6_pairs_and_icmpv6_errors)
{
	struct prog p;
	int bad = 0;
	unsigned count[2] = { 0 };

	make(&p, 777, 2);
	for (int i = 0; i < 500; i++) {
		uint8_t a[16], b[16], r[16];
		long pair;

		rnd6(a);
		rnd6(b);
		rnd6(r);
		pair = pick6(&p, 6, a, b);
		bad += pair < 0 || pair >= 2 || pick6(&p, 6, b, a) != pair;
		bad += pick6_error(&p, 1, r, a, b) != pair;
		bad += pick6_error(&p, 3, r, a, b) != pair;
		if (pair >= 0 && pair < 2)
			count[pair]++;
	}
	CHECK_INT(bad, 0);
	CHECK(count[0] > 150 && count[1] > 150);
}

TEST(the_rest_goes_to_socket_0)
{
	struct prog p;
	uint8_t junk[64];
	struct frame arp = { junk, sizeof junk, 0x0806 };
	struct frame cut = { junk, 10, 0x0800 };	/* no addresses */
	struct frame cut6 = { junk, 30, 0x86dd };

	memset(junk, 0xab, sizeof junk);
	make(&p, 5, 4);
	CHECK_INT(run(p.f, p.n, &arp), 0);
	CHECK_INT(run(p.f, p.n, &cut), 0);
	CHECK_INT(run(p.f, p.n, &cut6), 0);
}

TEST(the_key_changes_the_spread)
{
	struct prog p, q;
	int moved = 0;

	make(&p, 1, 4);
	make(&q, 0xdeadbeef, 4);
	for (int i = 0; i < 200; i++) {
		uint32_t a = rnd(), b = rnd();

		moved += pick4(&p, 6, a, b) != pick4(&q, 6, a, b);
	}
	CHECK(moved > 100);	/* about 3/4 of them */
}

int main(void)
{
	srandom(1);
	RUN(program_fits_and_ends_in_ret);
	RUN(both_directions_of_a_pair_meet);
	RUN(icmp_errors_go_with_the_pair_they_quote);
	RUN(ipv6_pairs_and_icmpv6_errors);
	RUN(the_rest_goes_to_socket_0);
	RUN(the_key_changes_the_spread);
	return unit_report(__FILE__);
}
