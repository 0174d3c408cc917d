/*
 * gen.c - deterministic pcap files for the scandetd benchmark.
 *
 *   gen syn   -n PACKETS -S SOURCES [--seed N] -o FILE
 *   gen mix   -n PACKETS [--seed N] -o FILE
 *   gen vscan -H HOSTS [-n PACKETS] [--seed N] -o FILE
 *
 * syn:   a spoofed SYN flood.  Each packet comes from one of SOURCES
 *        distinct pseudo-random IPv4 addresses (a keyed bijection of
 *        0..SOURCES-1, so they are distinct and spread over the whole
 *        address space), chosen uniformly at random, to a random host of
 *        203.0.113.0/24 and a random port 1-65535.  1 us apart.
 * mix:   a realistic mix among 290 hosts: TCP connections (handshake,
 *        requests and responses with payload, FIN close), refused
 *        connections (RST), DNS and NTP exchanges, one-way syslog, and
 *        five scans (SYN scan with replies, sweep, UDP scan, FIN scan, an
 *        insider's SYN scan) woven in.  Full payloads (zeros), 1-400 us
 *        apart.
 * vscan: one source (192.0.2.66) sends a SYN to every port 1-65535 of
 *        HOSTS hosts of 198.51.100.0/24 (HOSTS a power of two, <= 256),
 *        in a pseudo-random order (a Feistel permutation), 1 us apart.
 *
 * The same arguments give the same bytes, and -n N gives the first N
 * packets of a longer run with the same arguments (prefixes for the fill
 * curve).  Headers are valid: Ethernet, IPv4 with its checksum, TCP or
 * UDP with theirs.  Classic pcap, microsecond timestamps, host byte order.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START_S		1700000000ULL
#define SNAPLEN		65535
#define MAX_PAYLOAD	1460

/* ---- random numbers: xoshiro256** seeded by splitmix64 ------------- */

struct rng {
	uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return result;
}

/* Uniform in [0, n), n <= 2^32 (multiply-shift; bias < 2^-32). */
static inline uint32_t rng_below(struct rng *r, uint64_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * n) >> 32);
}

/* Uniform in [lo, hi]. */
static inline uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, (uint64_t)hi - lo + 1);
}

/* A keyed bijection of 32-bit integers: distinct inputs, distinct and
 * well-spread outputs. */
static inline uint32_t perm32(uint32_t x, uint64_t key)
{
	x ^= (uint32_t)key;
	x *= 0x9e3779b1u;
	x ^= x >> 15;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	x += (uint32_t)(key >> 32);
	x *= 0xc2b2ae35u;
	x ^= x >> 16;
	return x;
}

/* ---- pcap writing -------------------------------------------------- */

struct out {
	FILE *f;
	uint64_t ts_us;			/* since START_S */
	uint64_t written;
	uint64_t limit;			/* stop after this many packets */
	uint8_t frame[14 + 20 + 20 + MAX_PAYLOAD];
};

static void fatal(const char *what)
{
	fprintf(stderr, "gen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);		/* host order, as the magic says */
}

static void out_open(struct out *o, const char *path, uint64_t limit)
{
	uint8_t h[24];
	static char buf[1 << 20];

	memset(o, 0, sizeof *o);
	o->limit = limit;
	o->f = fopen(path, "wb");
	if (!o->f)
		fatal(path);
	setvbuf(o->f, buf, _IOFBF, sizeof buf);
	put_le32(h, 0xa1b2c3d4);
	h[4] = 2; h[5] = 0; h[6] = 4; h[7] = 0;	/* version 2.4, LE */
	if (h[0] != 0xd4) {			/* big-endian host */
		h[4] = 0; h[5] = 2; h[6] = 0; h[7] = 4;
	}
	memset(h + 8, 0, 8);			/* thiszone, sigfigs */
	put_le32(h + 16, SNAPLEN);
	put_le32(h + 20, 1);			/* LINKTYPE_ETHERNET */
	if (fwrite(h, sizeof h, 1, o->f) != 1)
		fatal(path);
	/* Ethernet: 02:00:00:00:00:01 <- 02:00:00:00:00:02, IPv4. */
	memcpy(o->frame, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00", 14);
}

static void out_close(struct out *o)
{
	if (fflush(o->f) != 0 || fclose(o->f) != 0)
		fatal("write");
}

static bool out_full(const struct out *o)
{
	return o->written >= o->limit;
}

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

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* One packet as it is on the wire. */
struct pkt {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;			/* 6 or 17 */
	uint8_t flags;			/* TCP */
	uint16_t len;			/* payload bytes */
	uint16_t win;
	uint8_t ttl;
	uint32_t seq, ack;
};

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

/* The payload is zeros: it adds nothing to the checksums, so only the
 * headers are summed. */
static void out_packet(struct out *o, const struct pkt *p, uint16_t ip_id)
{
	uint8_t rec[16];
	uint8_t *ip = o->frame + 14, *l4 = ip + 20;
	size_t l4hdr = p->proto == 6 ? 20 : 8;
	size_t l4len = l4hdr + p->len;
	size_t iplen = 20 + l4len, caplen = 14 + iplen;
	uint64_t sec = START_S + o->ts_us / 1000000;
	uint32_t s;

	if (out_full(o))
		return;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint32_t)iplen);
	put16(ip + 4, ip_id);
	put16(ip + 6, p->proto == 6 ? 0x4000 : 0);	/* DF for TCP */
	ip[8] = p->ttl;
	ip[9] = p->proto;
	put16(ip + 10, 0);
	put32(ip + 12, p->src);
	put32(ip + 16, p->dst);
	put16(ip + 10, fold(sum16(ip, 20, 0)));
	put16(l4, p->sport);
	put16(l4 + 2, p->dport);
	if (p->proto == 6) {
		put32(l4 + 4, p->seq);
		put32(l4 + 8, p->ack);
		l4[12] = 5 << 4;
		l4[13] = p->flags;
		put16(l4 + 14, p->win);
		put16(l4 + 16, 0);
		put16(l4 + 18, 0);
	} else {
		put16(l4 + 4, (uint32_t)l4len);
		put16(l4 + 6, 0);
	}
	memset(l4 + l4hdr, 0, p->len);
	/* Pseudo-header: addresses, protocol, length. */
	s = sum16(ip + 12, 8, 0) + p->proto + (uint32_t)l4len;
	s = sum16(l4, l4hdr, s);
	{
		uint16_t c = fold(s);

		if (p->proto == 17 && c == 0)
			c = 0xffff;	/* RFC 768: 0 means "no checksum" */
		put16(l4 + (p->proto == 6 ? 16 : 6), c);
	}
	put_le32(rec, (uint32_t)sec);
	put_le32(rec + 4, (uint32_t)(o->ts_us % 1000000));
	put_le32(rec + 8, (uint32_t)caplen);
	put_le32(rec + 12, (uint32_t)caplen);
	if (fwrite(rec, sizeof rec, 1, o->f) != 1 ||
	    fwrite(o->frame, caplen, 1, o->f) != 1)
		fatal("write");
	o->written++;
}

static uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

/* ---- syn: the spoofed flood ---------------------------------------- */

static void gen_syn(struct out *o, struct rng *r, uint64_t sources,
		    uint64_t seed)
{
	uint64_t key = seed * 0x9e3779b97f4a7c15ULL + 0x5eed;
	struct pkt p;

	memset(&p, 0, sizeof p);
	p.proto = 6;
	p.flags = F_SYN;
	p.win = 1024;
	while (!out_full(o)) {
		p.src = perm32(rng_below(r, sources), key);
		p.dst = ip4(203, 0, 113, rng_below(r, 256));
		p.dport = (uint16_t)rng_range(r, 1, 65535);
		p.sport = (uint16_t)rng_range(r, 1024, 65535);
		p.seq = (uint32_t)rng_next(r);
		p.ttl = (uint8_t)rng_range(r, 32, 255);
		out_packet(o, &p, (uint16_t)rng_next(r));
		o->ts_us += 1;
	}
}

/* ---- vscan: one source, every port of HOSTS hosts ------------------ */

/* A Feistel permutation of [0, 2^(2*half)). */
static uint32_t feistel(uint32_t x, unsigned half, uint64_t key)
{
	uint32_t mask = (1u << half) - 1, l = x >> half, rr = x & mask;

	for (int round = 0; round < 4; round++) {
		uint32_t f = perm32(rr + ((uint32_t)round << 24),
				    key + (uint64_t)round) & mask;
		uint32_t t = l ^ f;

		l = rr;
		rr = t;
	}
	return l << half | rr;
}

static void gen_vscan(struct out *o, struct rng *r, unsigned hosts,
		      uint64_t seed)
{
	unsigned hbits = 0, bits, half;
	uint64_t key = seed * 0xd1342543de82ef95ULL + 1, domain;
	struct pkt p;

	while ((1u << hbits) < hosts)
		hbits++;
	bits = hbits + 16;
	half = (bits + 1) / 2;
	domain = (uint64_t)1 << bits;
	memset(&p, 0, sizeof p);
	p.proto = 6;
	p.flags = F_SYN;
	p.win = 1024;
	p.ttl = 52;
	p.src = ip4(192, 0, 2, 66);
	p.sport = (uint16_t)rng_range(r, 32768, 60999);	/* one per scan */
	for (uint64_t i = 0; i < ((uint64_t)1 << (2 * half)) && !out_full(o);
	     i++) {
		uint32_t x = feistel((uint32_t)i, half, key);

		if (x >= domain || (x & 0xffff) == 0)
			continue;	/* cycle-walk; port 0 is not scanned */
		p.dst = ip4(198, 51, 100, x >> 16);
		p.dport = (uint16_t)(x & 0xffff);
		p.seq = (uint32_t)rng_next(r);
		out_packet(o, &p, (uint16_t)rng_next(r));
		o->ts_us += 1;
	}
}

/* ---- mix: sessions woven together ---------------------------------- */

struct script {
	struct pkt *step;
	size_t n, cap, pos;
	bool is_scan;
};

static void push(struct script *s, const struct pkt *p)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->step = realloc(s->step, s->cap * sizeof *s->step);
		if (!s->step)
			fatal("realloc");
	}
	s->step[s->n++] = *p;
}

#define CLIENTS		250		/* 198.51.100.1-250 */
#define SERVERS		40		/* 203.0.113.1-40 */

static const uint16_t tcp_services[] = { 80, 443, 443, 443, 22, 25, 993,
					 3306, 8080, 5432 };

/* One packet of a TCP connection; a is the client's view. */
struct tcpconn {
	uint32_t cli, srv;
	uint16_t cport, sport;
	uint32_t cseq, sseq;		/* next sequence number of each side */
	uint8_t cttl, sttl;
};

static void tcp_step(struct script *s, struct tcpconn *c, bool from_client,
		     uint8_t flags, uint16_t len)
{
	struct pkt p;

	memset(&p, 0, sizeof p);
	p.proto = 6;
	p.flags = flags;
	p.len = len;
	if (from_client) {
		p.src = c->cli; p.dst = c->srv;
		p.sport = c->cport; p.dport = c->sport;
		p.seq = c->cseq; p.ack = (flags & F_ACK) ? c->sseq : 0;
		p.ttl = c->cttl; p.win = 64240;
		c->cseq += len + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
	} else {
		p.src = c->srv; p.dst = c->cli;
		p.sport = c->sport; p.dport = c->cport;
		p.seq = c->sseq; p.ack = (flags & F_ACK) ? c->cseq : 0;
		p.ttl = c->sttl; p.win = 65160;
		c->sseq += len + ((flags & (F_SYN | F_FIN)) ? 1 : 0);
	}
	push(s, &p);
}

static uint32_t client_addr(struct rng *r)
{
	return ip4(198, 51, 100, rng_range(r, 1, CLIENTS));
}

static uint32_t server_addr(struct rng *r)
{
	return ip4(203, 0, 113, rng_range(r, 1, SERVERS));
}

static void make_tcp(struct script *s, struct rng *r, bool refused)
{
	struct tcpconn c;
	unsigned rounds;

	c.cli = client_addr(r);
	c.srv = server_addr(r);
	c.cport = (uint16_t)rng_range(r, 32768, 60999);
	c.sport = tcp_services[rng_below(r, sizeof tcp_services /
					    sizeof tcp_services[0])];
	c.cseq = (uint32_t)rng_next(r);
	c.sseq = (uint32_t)rng_next(r);
	c.cttl = 64;
	c.sttl = (uint8_t)(64 - rng_below(r, 12));
	tcp_step(s, &c, true, F_SYN, 0);
	if (refused) {
		tcp_step(s, &c, false, F_RST | F_ACK, 0);
		return;
	}
	tcp_step(s, &c, false, F_SYN | F_ACK, 0);
	tcp_step(s, &c, true, F_ACK, 0);
	rounds = rng_range(r, 1, 4);
	for (unsigned i = 0; i < rounds; i++) {
		unsigned segs = rng_range(r, 1, 10);

		tcp_step(s, &c, true, F_PSH | F_ACK,
			 (uint16_t)rng_range(r, 80, 700));
		for (unsigned k = 1; k <= segs; k++) {
			bool last = k == segs;

			tcp_step(s, &c, false, last ? F_PSH | F_ACK : F_ACK,
				 (uint16_t)(last ? rng_range(r, 40, MAX_PAYLOAD)
						 : MAX_PAYLOAD));
			if (k % 2 == 0 || last)
				tcp_step(s, &c, true, F_ACK, 0);
		}
	}
	tcp_step(s, &c, true, F_FIN | F_ACK, 0);
	tcp_step(s, &c, false, F_FIN | F_ACK, 0);
	tcp_step(s, &c, true, F_ACK, 0);
}

/* Request and response (DNS, NTP), or one-way datagrams (syslog). */
static void make_udp(struct script *s, struct rng *r, unsigned kind)
{
	struct pkt p;
	unsigned n;

	memset(&p, 0, sizeof p);
	p.proto = 17;
	p.src = client_addr(r);
	p.sport = (uint16_t)rng_range(r, 32768, 60999);
	p.ttl = 64;
	switch (kind) {
	case 0:				/* DNS: to one of two resolvers */
		p.dst = ip4(203, 0, 113, 53 + rng_below(r, 2));
		p.dport = 53;
		p.len = (uint16_t)rng_range(r, 28, 60);
		push(s, &p);
		break;
	case 1:				/* NTP */
		p.dst = ip4(203, 0, 113, 123);
		p.dport = 123;
		p.sport = 123;
		p.len = 48;
		push(s, &p);
		break;
	default:			/* syslog, one-way, one flow */
		p.dst = ip4(203, 0, 113, 14);
		p.dport = 514;
		n = rng_range(r, 3, 20);
		for (unsigned i = 0; i < n; i++) {
			p.len = (uint16_t)rng_range(r, 60, 400);
			push(s, &p);
		}
		return;
	}
	/* The answer. */
	{
		struct pkt a = p;

		a.src = p.dst; a.dst = p.src;
		a.sport = p.dport; a.dport = p.sport;
		a.ttl = 60;
		a.len = kind == 0 ? (uint16_t)rng_range(r, 60, 300) : 48;
		push(s, &a);
	}
}

/* A scan: probes of ports [plo, phi] on hosts [h0, h0 + nhosts), in a
 * shuffled order; open ports answer SYN with SYN-ACK (the scanner
 * resets), closed ones with RST-ACK; UDP and FIN probes get no answer. */
static void make_scan(struct script *s, struct rng *r, uint32_t src,
		      uint32_t h0, unsigned nhosts, unsigned plo, unsigned phi,
		      uint8_t proto, uint8_t flags)
{
	unsigned nports = phi - plo + 1, total = nports * nhosts;
	uint32_t *order = malloc(total * sizeof *order);
	uint16_t sport = (uint16_t)rng_range(r, 32768, 60999);

	if (!order)
		fatal("malloc");
	for (unsigned i = 0; i < total; i++)
		order[i] = i;
	for (unsigned i = total - 1; i > 0; i--) {
		unsigned j = rng_below(r, i + 1);
		uint32_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (unsigned i = 0; i < total; i++) {
		struct pkt p;
		uint32_t dst = h0 + order[i] / nports;
		uint16_t port = (uint16_t)(plo + order[i] % nports);

		memset(&p, 0, sizeof p);
		p.proto = proto;
		p.flags = flags;
		p.src = src;
		p.dst = dst;
		p.sport = sport;
		p.dport = port;
		p.ttl = 47;
		p.win = 1024;
		p.seq = (uint32_t)rng_next(r);
		push(s, &p);
		if (proto == 6 && flags == F_SYN) {
			bool open = port == 22 || port == 80 || port == 443;
			struct pkt a = p;

			a.src = dst; a.dst = src;
			a.sport = port; a.dport = sport;
			a.ttl = 64;
			a.ack = p.seq + 1;
			a.seq = open ? (uint32_t)rng_next(r) : 0;
			a.flags = open ? F_SYN | F_ACK : F_RST | F_ACK;
			a.win = open ? 65160 : 0;
			push(s, &a);
			if (open) {
				struct pkt rst = p;

				rst.flags = F_RST;
				rst.seq = p.seq + 1;
				push(s, &rst);
			}
		}
	}
	free(order);
	s->is_scan = true;
}

static void make_normal(struct script *s, struct rng *r)
{
	unsigned x = rng_below(r, 100);

	s->n = s->pos = 0;
	s->is_scan = false;
	if (x < 62)
		make_tcp(s, r, false);
	else if (x < 65)
		make_tcp(s, r, true);
	else if (x < 90)
		make_udp(s, r, 0);
	else if (x < 95)
		make_udp(s, r, 1);
	else
		make_udp(s, r, 2);
}

#define ACTIVE		64		/* sessions in progress at once */
#define NSCANS		5

static void gen_mix(struct out *o, struct rng *r, uint64_t total)
{
	struct script act[ACTIVE + NSCANS];
	size_t nact = ACTIVE;
	unsigned next_scan = 0;
	uint16_t ip_id = 1;

	memset(act, 0, sizeof act);
	for (size_t i = 0; i < ACTIVE; i++)
		make_normal(&act[i], r);
	while (!out_full(o)) {
		size_t k;
		struct script *s;

		/* Start the scans at 10%, 28%, 46%, 64% and 82% of the run. */
		if (next_scan < NSCANS &&
		    o->written >= total / 10 + next_scan * (total * 18 / 100)) {
			s = &act[nact++];
			memset(s, 0, sizeof *s);
			switch (next_scan) {
			case 0:		/* nmap -sS top 1000-ish */
				make_scan(s, r, ip4(192, 0, 2, 10),
					  ip4(203, 0, 113, 5), 1, 1, 1000, 6,
					  F_SYN);
				break;
			case 1:		/* a sweep of port 445 */
				make_scan(s, r, ip4(192, 0, 2, 20),
					  ip4(198, 51, 100, 1), 254, 445, 445,
					  6, F_SYN);
				break;
			case 2:		/* a UDP scan */
				make_scan(s, r, ip4(192, 0, 2, 30),
					  ip4(203, 0, 113, 7), 1, 1, 200, 17,
					  0);
				break;
			case 3:		/* a FIN scan */
				make_scan(s, r, ip4(192, 0, 2, 40),
					  ip4(203, 0, 113, 9), 1, 1, 500, 6,
					  F_FIN);
				break;
			default:	/* an insider */
				make_scan(s, r, ip4(198, 51, 100, 77),
					  ip4(203, 0, 113, 12), 1, 1, 300, 6,
					  F_SYN);
				break;
			}
			next_scan++;
		}
		k = rng_below(r, nact);
		s = &act[k];
		out_packet(o, &s->step[s->pos++], ip_id++);
		o->ts_us += rng_range(r, 1, 400);
		if (s->pos < s->n)
			continue;
		if (!s->is_scan) {
			make_normal(s, r);
			continue;
		}
		free(s->step);
		*s = act[--nact];	/* a finished scan leaves the set */
	}
	for (size_t i = 0; i < nact; i++)
		free(act[i].step);
}

/* ---- main ---------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"usage: gen syn   -n PACKETS -S SOURCES [--seed N] -o FILE\n"
"       gen mix   -n PACKETS [--seed N] -o FILE\n"
"       gen vscan -H HOSTS [-n PACKETS] [--seed N] -o FILE\n");
}

static uint64_t num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0) {
		fprintf(stderr, "gen: bad number \"%s\"\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t n = 0, sources = 0, hosts = 0, seed = 1;
	const char *path = NULL, *mode;
	struct out o;
	struct rng r;
	int ch;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	mode = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "n:S:H:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n': n = num(optarg); break;
		case 'S': sources = num(optarg); break;
		case 'H': hosts = num(optarg); break;
		case 'o': path = optarg; break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	rng_seed(&r, seed);
	if (strcmp(mode, "syn") == 0) {
		if (!n || !sources || sources > 0xffffffffULL) {
			usage(stderr);
			return 2;
		}
		out_open(&o, path, n);
		gen_syn(&o, &r, sources, seed);
	} else if (strcmp(mode, "mix") == 0) {
		if (!n) {
			usage(stderr);
			return 2;
		}
		out_open(&o, path, n);
		gen_mix(&o, &r, n);
	} else if (strcmp(mode, "vscan") == 0) {
		if (!hosts || hosts > 256 || (hosts & (hosts - 1))) {
			fprintf(stderr, "gen: -H must be a power of two <= 256\n");
			return 2;
		}
		out_open(&o, path, n ? n : UINT64_MAX);
		gen_vscan(&o, &r, (unsigned)hosts, seed);
	} else {
		usage(stderr);
		return 2;
	}
	out_close(&o);
	printf("%llu\n", (unsigned long long)o.written);
	return 0;
}
