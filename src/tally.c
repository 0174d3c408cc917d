/* tally.c - distinct ports and hosts of a scan, and its open ports. */
#include "tally.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define PORT_WORDS (65536 / 64)
#define HOST_WORDS (TALLY_HOST_BITS / 64)

/* One reported scan, followed exactly (~10 KiB). */
struct tally_full {
	uint64_t ports[PORT_WORDS];	/* every port, one bit each */
	uint64_t hosts[HOST_WORDS];	/* linear counting */
	uint32_t nports, hosts_set;	/* bits set in each */
	uint32_t extra_ports, extra_hosts;	/* before the report, past
						 * the early lists: estimated */
	uint32_t answers;
	uint16_t open[SCAN_OPEN_LISTED];	/* distinct, in order seen */
	uint32_t nopen;
	uint32_t next_free;		/* free list: slot + 1, 0 ends it */
};

struct tally_pool {
	struct tally_full *slot;
	size_t n;
	uint32_t free_head;		/* slot + 1; 0: none free */
	size_t used;
	uint64_t exhausted;
};

struct tally_pool *tally_pool_new(size_t n)
{
	struct tally_pool *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	/* calloc: pages never used are never touched. */
	p->slot = n ? calloc(n, sizeof *p->slot) : NULL;
	if (n && !p->slot) {
		free(p);
		return NULL;
	}
	p->n = n;
	for (size_t i = n; i > 0; i--) {
		p->slot[i - 1].next_free = p->free_head;
		p->free_head = (uint32_t)i;
	}
	return p;
}

void tally_pool_free(struct tally_pool *p)
{
	if (!p)
		return;
	free(p->slot);
	free(p);
}

static struct tally_full *full_of(const struct tally_pool *p,
				  const struct tally *t)
{
	return t->full ? &p->slot[t->full - 1] : NULL;
}

uint32_t linear_count(uint32_t set, uint32_t bits)
{
	if (set >= bits)		/* saturated: at least this */
		return (uint32_t)(bits * log(bits) + 0.5);
	return (uint32_t)(-(double)bits * log(1.0 - (double)set / bits) + 0.5);
}

uint32_t tally_extra(const struct sketch *s, unsigned n, uint32_t probes)
{
	uint32_t seen = linear_count(sketch_count(s), SKETCH_BITS);

	/* Never more values than probes: a sweep's or a port range's
	 * neighbouring values collide less than random ones, and the
	 * estimate would overshoot. */
	if (seen > probes)
		seen = probes;
	return seen > n ? seen - n : 0;
}

/* Bits set, counted as they are set. */
static bool set_bit(uint64_t *words, uint32_t bit)
{
	uint64_t m = 1ULL << (bit & 63);
	bool was = words[bit >> 6] & m;

	words[bit >> 6] |= m;
	return !was;
}

static uint32_t host_bit(uint32_t fold)
{
	/* Fibonacci hashing: spreads neighbouring addresses (a sweep's)
	 * over the whole bitmap. */
	return (uint32_t)(((uint64_t)fold * 11400714819323198485ULL) >> 50) %
	       TALLY_HOST_BITS;
}

static void full_add_port(struct tally_full *f, uint16_t port)
{
	f->nports += set_bit(f->ports, port);
}

static void full_add_host(struct tally_full *f, uint32_t fold)
{
	f->hosts_set += set_bit(f->hosts, host_bit(fold));
}

static void full_add_open(struct tally_full *f, uint16_t port)
{
	f->answers++;
	for (uint32_t i = 0; i < f->nopen; i++)
		if (f->open[i] == port)
			return;
	if (f->nopen < SCAN_OPEN_LISTED)
		f->open[f->nopen] = port;
	f->nopen++;
}

static void early_add_port(struct tally *t, uint16_t port)
{
	for (unsigned i = 0; i < t->nports; i++)
		if (t->port[i] == port)
			return;
	if (t->nports < TALLY_EARLY_PORTS)
		t->port[t->nports++] = port;
	else
		t->ports_over = true;
}

static void early_add_host(struct tally *t, uint32_t fold)
{
	for (unsigned i = 0; i < t->nhosts; i++)
		if (t->host[i] == fold)
			return;
	if (t->nhosts < TALLY_EARLY_HOSTS)
		t->host[t->nhosts++] = fold;
	else
		t->hosts_over = true;
}

void tally_probe(struct tally_pool *p, struct tally *t,
		 const struct ipaddr *dst, uint16_t port)
{
	struct tally_full *f = full_of(p, t);
	uint32_t fold = addr_fold(dst);

	if (f) {
		full_add_port(f, port);
		full_add_host(f, fold);
		return;
	}
	early_add_port(t, port);
	early_add_host(t, fold);
}

void tally_open(struct tally_pool *p, struct tally *t, uint16_t port)
{
	struct tally_full *f = full_of(p, t);

	if (f) {
		full_add_open(f, port);
		return;
	}
	if (t->answers < UINT8_MAX)
		t->answers++;
	for (unsigned i = 0; i < t->nports; i++)
		if (t->port[i] == port)
			t->open_bits |= (uint8_t)(1u << i);
}

void tally_attach(struct tally_pool *p, struct tally *t,
		  uint32_t extra_ports, uint32_t extra_hosts)
{
	struct tally_full *f;
	uint32_t slot = p->free_head;

	if (t->full)
		return;
	if (!slot) {
		p->exhausted++;
		return;
	}
	f = &p->slot[slot - 1];
	p->free_head = f->next_free;
	p->used++;
	memset(f, 0, sizeof *f);
	for (unsigned i = 0; i < t->nports; i++) {
		full_add_port(f, t->port[i]);
		if (t->open_bits & (1u << i))
			full_add_open(f, t->port[i]);
	}
	f->answers = t->answers;
	for (unsigned i = 0; i < t->nhosts; i++)
		full_add_host(f, t->host[i]);
	f->extra_ports = t->ports_over ? extra_ports : 0;
	f->extra_hosts = t->hosts_over ? extra_hosts : 0;
	t->full = (uint16_t)slot;
}

void tally_release(struct tally_pool *p, struct tally *t)
{
	struct tally_full *f = full_of(p, t);

	if (f) {
		f->next_free = p->free_head;
		p->free_head = t->full;
		p->used--;
	}
	memset(t, 0, sizeof *t);
}

void tally_read(const struct tally_pool *p, const struct tally *t,
		struct scan_summary *s, struct open_list *o)
{
	const struct tally_full *f = full_of(p, t);

	if (!f) {
		s->ports = t->nports;
		s->hosts = t->nhosts;
		s->answered = t->answers;
		o->n = 0;
		for (unsigned i = 0; i < t->nports; i++)
			if (t->open_bits & (1u << i))
				o->port[o->n++] = t->port[i];
		s->open = o->n;
		return;
	}
	s->ports = f->nports + f->extra_ports;
	/* Exact while the bitmap has no collisions: for the few hosts of a
	 * port scan the estimate rounds to the count itself. */
	s->hosts = linear_count(f->hosts_set, TALLY_HOST_BITS) + f->extra_hosts;
	s->answered = f->answers;
	o->n = (uint8_t)(f->nopen < SCAN_OPEN_LISTED ? f->nopen :
			 SCAN_OPEN_LISTED);
	memcpy(o->port, f->open, o->n * sizeof f->open[0]);
	s->open = f->nopen;
}

void tally_put_stats(const struct tally_pool *p, const char *prefix,
		     stat_fn put, void *arg)
{
	char name[64];

	snprintf(name, sizeof name, "%s.tallies.slots", prefix);
	put(arg, name, p->n);
	snprintf(name, sizeof name, "%s.tallies.used", prefix);
	put(arg, name, p->used);
	snprintf(name, sizeof name, "%s.tallies.exhausted", prefix);
	put(arg, name, p->exhausted);
}
