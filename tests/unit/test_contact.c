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

/* A TCP segment with flags from 198.51.100.1:sport to 192.0.2.1:dport
 * (answer true) or the other way (from the prober). */
static struct pkt segment(bool answer, uint8_t flags, uint16_t sport,
			  uint16_t dport, uint64_t ts)
{
	struct pkt p = syn(dport, ts, 0);

	if (answer) {
		struct ipaddr a = p.src;

		p.src = p.dst;
		p.dst = a;
	}
	p.sport = sport;
	p.dport = dport;
	p.tcp_flags = flags;
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

/* SYN, SYN-ACK, ACK: a success, decided by the ACK. */
static void handshake(struct contacts *c, uint64_t syn_us, uint64_t synack_us,
		      uint64_t ack_us)
{
	struct pkt p = syn(80, syn_us, 1);
	struct pkt sa = segment(true, TH_SYN | TH_ACK, 80, 40000, synack_us);
	struct pkt ack = segment(false, TH_ACK, 40000, 80, ack_us);

	contacts_probe(c, &p, false, NULL, false, NULL);
	contacts_packet(c, &sa);
	contacts_packet(c, &ack);
}

TEST(handshake_completes)
{
	struct seen s = { 0 };
	struct contacts *c = new_contacts(1024, &s);
	struct pkt data = segment(false, TH_ACK | TH_PSH, 40000, 80,
				  SECOND / 10);

	handshake(c, 0, SECOND / 100, SECOND / 50);
	CHECK_INT(s.n, 1);
	CHECK(s.last.result == CONTACT_SUCCESS);
	CHECK(strcmp(s.last.why, "handshake") == 0);
	contacts_packet(c, &data);	/* the connection's data: nothing */
	CHECK_INT(s.n, 1);
	contacts_free(c);
}

/* The half-open counts turn between the SYN-ACK and the ACK (a turn's
 * length: CONTACT_FLOOD_GAP_US + the timeout, from packet time 0): the
 * ACK still finds its contact. */
TEST(handshake_completes_across_a_turn)
{
	struct seen s = { 0 };
	struct contacts *c = new_contacts(1024, &s);
	uint64_t keep = CONTACT_FLOOD_GAP_US + 30 * SECOND;

	contacts_set_timeout(c, 30 * SECOND);
	handshake(c, keep - SECOND / 10, keep - SECOND / 20, keep + SECOND / 2);
	CHECK_INT(s.n, 1);
	CHECK(s.last.result == CONTACT_SUCCESS);
	contacts_free(c);
}

/* A SYN-ACK sent again counts its contact anew: two turns after the
 * first SYN-ACK the ACK is still looked up (the contact is still
 * pending here: no deadline is met in this test). */
TEST(synack_again_keeps_the_handshake_open)
{
	struct seen s = { 0 };
	struct contacts *c = new_contacts(1024, &s);
	uint64_t keep = CONTACT_FLOOD_GAP_US + 60 * SECOND;
	struct pkt p = syn(80, 0, 1);
	struct pkt sa = segment(true, TH_SYN | TH_ACK, 80, 40000, SECOND);
	struct pkt sa2 = segment(true, TH_SYN | TH_ACK, 80, 40000,
				 keep + 5 * SECOND);
	struct pkt ack = segment(false, TH_ACK, 40000, 80,
				 2 * keep + 10 * SECOND);

	contacts_set_timeout(c, 60 * SECOND);
	contacts_probe(c, &p, false, NULL, false, NULL);
	contacts_packet(c, &sa);
	contacts_packet(c, &sa2);
	contacts_packet(c, &ack);
	CHECK_INT(s.n, 1);
	CHECK(s.last.result == CONTACT_SUCCESS);
	contacts_free(c);
}

int main(void)
{
	RUN(timeout_decides_once_at_the_deadline);
	RUN(forgotten_contact_is_not_decided);
	RUN(forgotten_contact_made_anew_keeps_its_own_deadline);
	RUN(slot_taken_by_another_key_is_not_decided_for_it);
	RUN(many_deadlines_in_order);
	RUN(handshake_completes);
	RUN(handshake_completes_across_a_turn);
	RUN(synack_again_keeps_the_handshake_open);
	return unit_report(__FILE__);
}
