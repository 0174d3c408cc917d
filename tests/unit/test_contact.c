/* test_contact.c - first contacts: deadlines met once, and only for the
 * contact that set them. */
#include <stdlib.h>

#include "contact.h"
#include "unit.h"

static const struct sipkey test_key = { 0x0706050403020100ULL,
					0x0f0e0d0c0b0a0908ULL };

#define SECOND 1000000ULL

struct seen {
	int n;
	struct contact_outcome last;
};

static void on_outcome(void *arg, const struct contact_outcome *o)
{
	struct seen *s = arg;

	s->n++;
	s->last = *o;
}

/* A TCP SYN 192.0.2.1:40000 -> 198.51.100.1:dport at ts. */
static struct pkt syn(uint16_t dport, uint64_t ts, uint32_t seq)
{
	static const uint8_t src[4] = { 192, 0, 2, 1 };
	static const uint8_t dst[4] = { 198, 51, 100, 1 };
	struct pkt p;

	memset(&p, 0, sizeof p);
	p.ipver = 4;
	p.proto = PROTO_TCP;
	addr_from_v4(&p.src, src);
	addr_from_v4(&p.dst, dst);
	p.sport = 40000;
	p.dport = dport;
	p.tcp_flags = TH_SYN;
	p.tcp_flags_known = true;
	p.ts_us = ts;
	p.seq = seq;
	return p;
}

/* ICMP time exceeded from a router, quoting probe q: the probe never
 * arrived, its contact is forgotten. */
static struct pkt time_exceeded(const struct pkt *q, uint64_t ts)
{
	static const uint8_t router[4] = { 203, 0, 113, 1 };
	struct pkt p;

	memset(&p, 0, sizeof p);
	p.ipver = 4;
	p.proto = PROTO_ICMP;
	addr_from_v4(&p.src, router);
	p.dst = q->src;
	p.icmp_type = 11;
	p.quoted.valid = true;
	p.quoted.proto = PROTO_TCP;
	p.quoted.src = q->src;
	p.quoted.dst = q->dst;
	p.quoted.sport = q->sport;
	p.quoted.dport = q->dport;
	p.ts_us = ts;
	return p;
}

static struct contacts *new_contacts(size_t nslots, struct seen *s)
{
	struct contacts *c = contacts_new(nslots, &test_key, on_outcome, s);

	if (c)
		contacts_set_timeout(c, SECOND);
	return c;
}

TEST(timeout_decides_once_at_the_deadline)
{
	struct seen s = { 0 };
	struct contacts *c = new_contacts(1024, &s);
	struct pkt p = syn(80, 0, 7);

	CHECK(contacts_probe(c, &p, false, NULL, false, NULL).first);
	contacts_expire(c, SECOND / 2);
	CHECK_INT(s.n, 0);
	contacts_expire(c, SECOND);
	CHECK_INT(s.n, 1);
	CHECK(s.last.result == CONTACT_FAILURE);
	CHECK(strcmp(s.last.why, "timeout") == 0);
	CHECK(s.last.ts == SECOND);
	CHECK_INT(s.last.seq, 7);
	CHECK_INT(s.last.dport, 80);
	contacts_expire(c, 10 * SECOND);
	CHECK_INT(s.n, 1);
	contacts_free(c);
}

/* Forgotten: its deadline passes without an outcome. */
TEST(forgotten_contact_is_not_decided)
{
	struct seen s = { 0 };
	struct contacts *c = new_contacts(1024, &s);
	struct pkt p = syn(80, 0, 1), te = time_exceeded(&p, SECOND / 10);

	contacts_probe(c, &p, false, NULL, false, NULL);
	contacts_packet(c, &te);
	contacts_expire(c, 2 * SECOND);
	CHECK_INT(s.n, 0);
	contacts_free(c);
}

/* Forgotten, then probed again: the first deadline is not the new
 * contact's. */
TEST(forgotten_contact_made_anew_keeps_its_own_deadline)
{
	struct seen s = { 0 };
	struct contacts *c = new_contacts(1024, &s);
	struct pkt p = syn(80, 0, 1), te = time_exceeded(&p, SECOND / 10);
	struct pkt again = syn(80, SECOND / 2, 2);

	contacts_probe(c, &p, false, NULL, false, NULL);
	contacts_packet(c, &te);
	CHECK(contacts_probe(c, &again, false, NULL, false, NULL).first);
	contacts_expire(c, SECOND);
	CHECK_INT(s.n, 0);
	contacts_expire(c, SECOND + SECOND / 2);
	CHECK_INT(s.n, 1);
	CHECK(s.last.ts == SECOND + SECOND / 2);
	CHECK_INT(s.last.seq, 2);
	contacts_free(c);
}

/* One bucket: the slot a forgotten contact left is taken by another,
 * with the same deadline.  The first deadline names the slot but not its
 * key: only the second contact's own deadline decides it. */
TEST(slot_taken_by_another_key_is_not_decided_for_it)
{
	struct seen s = { 0 };
	struct contacts *c = new_contacts(8, &s);
	struct pkt a = syn(80, 0, 1), te = time_exceeded(&a, 0);
	struct pkt b = syn(443, 0, 2);

	contacts_probe(c, &a, false, NULL, false, NULL);
	contacts_packet(c, &te);
	CHECK(contacts_probe(c, &b, false, NULL, false, NULL).first);
	contacts_expire(c, SECOND);
	CHECK_INT(s.n, 1);
	CHECK_INT(s.last.dport, 443);
	CHECK_INT(s.last.seq, 2);
	contacts_free(c);
}

/* Many deadlines at once, more than are fetched ahead: each decided
 * once, in the order they were set. */
TEST(many_deadlines_in_order)
{
	struct seen s = { 0 };
	struct contacts *c = new_contacts(4096, &s);

	for (uint32_t i = 0; i < 100; i++) {
		struct pkt p = syn((uint16_t)(1000 + i), i, i + 1);

		contacts_probe(c, &p, false, NULL, false, NULL);
	}
	contacts_expire(c, SECOND + 49);
	CHECK_INT(s.n, 50);
	CHECK_INT(s.last.seq, 50);
	contacts_expire(c, 2 * SECOND);
	CHECK_INT(s.n, 100);
	CHECK_INT(s.last.seq, 100);
	CHECK_INT(s.last.dport, 1099);
	contacts_free(c);
}

int main(void)
{
	RUN(timeout_decides_once_at_the_deadline);
	RUN(forgotten_contact_is_not_decided);
	RUN(forgotten_contact_made_anew_keeps_its_own_deadline);
	RUN(slot_taken_by_another_key_is_not_decided_for_it);
	RUN(many_deadlines_in_order);
	return unit_report(__FILE__);
}
