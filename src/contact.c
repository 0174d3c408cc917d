/* contact.c - first contacts, their outcomes and their deadlines. */
#include "contact.h"

#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "util.h"

/* The first contact's outcome.  Separately, each connection attempt
 * (a SYN from a new source port) is followed to its handshake, so that
 * completed connections keep resetting the flood count. */
enum contact_state {
	C_PENDING = 1,			/* asked, not decided yet */
	C_SUCCESS,
	C_FAILED,
};

struct contact_key {
	struct ipaddr src, dst;
	uint16_t dport;
	uint8_t proto;
	uint8_t pad;
};

/* One cache line: a flood makes a new contact per packet. */
struct contact {
	struct contact_key key;
	uint32_t attempts;
	uint64_t last_ts;
	uint64_t deadline;
	uint16_t last_sport;		/* of the current attempt */
	uint8_t state : 2;
	bool synack : 1;		/* current attempt answered SYN-ACK */
	bool by_signature : 1;
	bool open : 1;			/* a SYN-ACK came, some time */
	/* TCP with synack: the turn of the half-open counts that counted
	 * it (struct half_open). */
	uint32_t half_open_turn;
};
_Static_assert(sizeof(struct contact) <= 64, "a contact fits a cache line");

/* A deadline, and where its contact was put: found again without
 * hashing its key, and fetched ahead (EXPIRE_AHEAD).  The key and the
 * deadline say whether the slot still holds that contact. */
struct pending {
	struct contact_key key;
	uint32_t seq;			/* pkt.seq of the probe that set it */
	uint64_t deadline;
	struct contact *entry;
};

/* Deadlines are met in the order they were set: the contact EXPIRE_AHEAD
 * deadlines on is fetched while this one is decided (a flood's contacts
 * are in no cache by the time they expire). */
#define EXPIRE_AHEAD 4

/*
 * How many TCP contacts wait for the handshake's last step (synack), by
 * a keyed hash of their key: a segment with ACK and no SYN (every data
 * segment, most of any capture) needs the contact table only if it may
 * complete one, and almost none can.  Counted in two turns, the counts
 * since the last turn and those of the turn before; a turn comes after
 * keep_us more of packet time and drops the older counts.  So an entry
 * leaves its count only by its own step (the handshake completed, a new
 * attempt, the contact forgotten: it knows the turn that counted it) or
 * at least keep_us after its latest SYN-ACK, when its count goes with
 * its turn; an evicted contact's count goes the same way.  An ACK later
 * than that is no longer looked up, which changes nothing: its contact
 * was decided at its deadline, and the next attempt, at least
 * CONTACT_FLOOD_GAP_US later, restarts the count the ACK would have
 * reset.  A count shared with other contacts only costs the lookup that
 * every segment took before.  A count that reached 255 stays there
 * until its turn goes (it may count more than it says).
 */
#define HALF_OPEN_PLACES (1u << 17)

struct half_open_place {
	uint8_t now, before;		/* this turn's count, the previous */
};

struct half_open {
	struct half_open_place *at;	/* HALF_OPEN_PLACES of them */
	uint64_t salt;
	uint32_t turn;			/* turns so far */
	uint64_t turned_us;		/* packet time of the last turn */
	uint64_t keep_us;		/* a turn's length */
};

struct contacts {
	struct table *t;
	contact_fn fn;
	void *arg;
	uint64_t timeout_us;
	struct pending *ring;
	size_t ring_size, ring_first, ring_count;	/* size: power of two */
	struct contact_stats st;
	uint32_t expiring_seq;		/* contacts_expire: the head's seq */
	struct half_open half_open;
};

struct contacts *contacts_new(size_t nslots, const struct sipkey *key,
			      contact_fn fn, void *arg)
{
	struct contacts *c = zalloc_own_lines(sizeof *c);
	struct table_ops ops = {
		.entry_size = sizeof(struct contact),
		.key_size = sizeof(struct contact_key),
	};

	if (!c)
		return NULL;
	c->fn = fn;
	c->arg = arg;
	c->timeout_us = 5000000;
	c->t = table_new(nslots, &ops, key);
	if (!c->t)
		goto fail;
	c->ring_size = table_slots(c->t) / 2;
	c->ring = calloc(c->ring_size, sizeof *c->ring);
	if (!c->ring)
		goto fail;
	c->half_open.at = calloc(HALF_OPEN_PLACES, sizeof *c->half_open.at);
	if (!c->half_open.at)
		goto fail;
	c->half_open.salt = key->k0 ^ (key->k1 << 1);
	c->half_open.keep_us = CONTACT_FLOOD_GAP_US + c->timeout_us;
	return c;
fail:
	contacts_free(c);
	return NULL;
}

void contacts_free(struct contacts *c)
{
	if (!c)
		return;
	table_free(c->t);
	free(c->ring);
	free(c->half_open.at);
	free(c);
}

void contacts_set_timeout(struct contacts *c, uint64_t timeout_us)
{
	c->timeout_us = timeout_us;
	/* Never shorter: contacts waited for under a longer timeout may
	 * still be, and a turn must not outrun their deadline. */
	if (c->half_open.keep_us < CONTACT_FLOOD_GAP_US + timeout_us)
		c->half_open.keep_us = CONTACT_FLOOD_GAP_US + timeout_us;
}

static void key_make(struct contact_key *k, const struct ipaddr *src,
		     const struct ipaddr *dst, uint16_t dport, uint8_t proto)
{
	memset(k, 0, sizeof *k);
	k->src = *src;
	k->dst = *dst;
	k->dport = dport;
	k->proto = proto;
}

/* answer: the packet that told of a probe never seen (inferred), or
 * NULL. */
static void decide_inferred(struct contacts *c, struct contact *e,
			    enum contact_result result, const char *why,
			    uint64_t ts, const struct pkt *answer)
{
	struct contact_outcome o;

	e->state = result == CONTACT_SUCCESS ? C_SUCCESS : C_FAILED;
	table_set_level(c->t, e, 0);	/* decided: first to go */
	memset(&o, 0, sizeof o);
	o.src = e->key.src;
	o.dst = e->key.dst;
	o.sport = e->last_sport;
	o.dport = e->key.dport;
	o.proto = e->key.proto;
	o.result = result;
	o.why = why;
	o.by_signature = e->by_signature;
	o.inferred = answer != NULL;
	o.iface = answer ? answer->iface : 0;
	o.attempts = e->attempts;
	o.ts = ts;
	o.seq = c->expiring_seq;
	if (result == CONTACT_SUCCESS)
		c->st.successes++;
	else if (result == CONTACT_FAILURE)
		c->st.failures++;
	else
		c->st.weak_failures++;
	c->fn(c->arg, &o);
}

static void decide(struct contacts *c, struct contact *e,
		   enum contact_result result, const char *why, uint64_t ts)
{
	decide_inferred(c, e, result, why, ts, NULL);
}

static void push_deadline(struct contacts *c, struct contact *e,
			  uint32_t seq)
{
	struct pending *slot;

	if (c->ring_count == c->ring_size) {
		/* Full: the oldest pending contact stays undecided. */
		c->ring_first = (c->ring_first + 1) & (c->ring_size - 1);
		c->ring_count--;
		c->st.timeouts_dropped++;
	}
	slot = &c->ring[(c->ring_first + c->ring_count) & (c->ring_size - 1)];
	slot->key = e->key;
	slot->deadline = e->deadline;
	slot->seq = seq;
	slot->entry = e;
	c->ring_count++;
}

/* ---- half-open handshakes (struct half_open) ------------------------ */

static struct half_open_place *half_open_at(const struct half_open *h,
					    const struct ipaddr *src,
					    const struct ipaddr *dst,
					    uint16_t dport)
{
	uint64_t w[4], x = h->salt ^ dport;

	memcpy(w, src->b, sizeof src->b);
	memcpy(w + 2, dst->b, sizeof dst->b);
	for (size_t i = 0; i < 4; i++)
		x = (x ^ w[i]) * 0x9e3779b97f4a7c15ULL;
	x ^= x >> 29;
	return &h->at[x >> 47];		/* 17 bits: HALF_OPEN_PLACES */
}
_Static_assert(HALF_OPEN_PLACES == 1u << 17, "half_open_at takes 17 bits");

/* A turn, if its time has come. */
static void half_open_turn(struct half_open *h, uint64_t now_us)
{
	if (now_us < h->turned_us + h->keep_us)
		return;
	for (size_t i = 0; i < HALF_OPEN_PLACES; i++) {
		h->at[i].before = h->at[i].now;
		h->at[i].now = 0;
	}
	h->turned_us = now_us;
	h->turn++;
}

/* e (TCP) stops waiting for the handshake's last step, or goes. */
static void half_open_leave(struct half_open *h, const struct contact *e)
{
	struct half_open_place *at;
	uint8_t *n;

	if (!e->synack || e->key.proto != PROTO_TCP)
		return;
	if (e->half_open_turn != h->turn && e->half_open_turn + 1 != h->turn)
		return;			/* its count went with its turn */
	at = half_open_at(h, &e->key.src, &e->key.dst, e->key.dport);
	n = e->half_open_turn == h->turn ? &at->now : &at->before;
	if (*n > 0 && *n < UINT8_MAX)
		(*n)--;
}

/* A SYN-ACK: e (TCP) waits for the handshake's last step, counted in
 * this turn. */
static void half_open_enter(struct half_open *h, struct contact *e,
			    uint64_t now_us)
{
	struct half_open_place *at;

	half_open_turn(h, now_us);
	if (e->synack && e->half_open_turn == h->turn)
		return;			/* counted in this turn already */
	half_open_leave(h, e);
	at = half_open_at(h, &e->key.src, &e->key.dst, e->key.dport);
	if (at->now < UINT8_MAX)
		at->now++;
	e->half_open_turn = h->turn;
}

/* May a segment src -> dst:dport complete a handshake? */
static bool half_open_may(struct half_open *h, const struct ipaddr *src,
			  const struct ipaddr *dst, uint16_t dport,
			  uint64_t now_us)
{
	const struct half_open_place *at;

	half_open_turn(h, now_us);
	at = half_open_at(h, src, dst, dport);
	return at->now != 0 || at->before != 0;
}

static void set_synack(struct contacts *c, struct contact *e, bool synack,
		       uint64_t now_us)
{
	if (synack)
		half_open_enter(&c->half_open, e, now_us);
	else
		half_open_leave(&c->half_open, e);
	e->synack = synack;
}

/* A new attempt: a TCP SYN, or the first datagram of a UDP flow, from a
 * new source port (the same port again is a retransmission). */
static void count_attempt(struct contacts *c, struct contact *e,
			  const struct pkt *p)
{
	if (p->sport == e->last_sport)
		return;
	if (p->ts_us > e->last_ts + CONTACT_FLOOD_GAP_US)
		e->attempts = 0;
	e->attempts++;
	set_synack(c, e, false, p->ts_us);
}

struct contact_probe contacts_probe(struct contacts *c, const struct pkt *p,
				    bool failed_now, const char *why,
				    bool by_signature,
				    const struct table_hint *hint)
{
	struct contact_probe r = { false, 0 };
	struct contact_key k;
	struct contact *e;
	bool created;

	key_make(&k, &p->src, &p->dst, p->dport, p->proto);
	e = table_get_hinted(c->t, &k, hint, &created);
	if (created) {
		c->st.contacts++;
		r.first = true;
		e->attempts = 1;
		e->last_sport = p->sport;
		e->last_ts = p->ts_us;
		e->by_signature = by_signature;
		if (failed_now) {
			decide(c, e, CONTACT_FAILURE, why, p->ts_us);
		} else {
			e->state = C_PENDING;
			e->deadline = p->ts_us + c->timeout_us;
			push_deadline(c, e, p->seq);
			/* Waiting for its answer: kept before decided ones. */
			table_set_level(c->t, e, 1);
		}
	} else {
		count_attempt(c, e, p);
		if (failed_now && e->state == C_PENDING) {
			e->by_signature = by_signature;
			decide(c, e, CONTACT_FAILURE, why, p->ts_us);
		}
		e->last_sport = p->sport;
		e->last_ts = p->ts_us;
	}
	r.attempts = e->attempts;
	return r;
}

void contacts_prefetch(const struct contacts *c, const struct pkt *p,
		       bool entry, struct table_hint *hint)
{
	struct contact_key k;

	if (entry && table_hint_is_for(c->t, hint)) {
		table_prefetch(c->t, NULL, true, hint);
		return;
	}
	key_make(&k, &p->src, &p->dst, p->dport, p->proto);
	table_prefetch(c->t, &k, entry, hint);
}

static struct contact *find(struct contacts *c, const struct ipaddr *src,
			    const struct ipaddr *dst, uint16_t dport,
			    uint8_t proto)
{
	struct contact_key k;

	key_make(&k, src, dst, dport, proto);
	return table_find(c->t, &k);
}

static bool open_state(const struct contact *e)
{
	return e && e->state == C_PENDING;
}

/*
 * A RST without ACK answers a segment that carried ACK (RFC 9293 3.10.7.1):
 * from a closed port or an unknown connection, that is an ACK or FIN+ACK
 * probe.  Unless either side's connection is known, the other side probed.
 */
static void rst_to_ack_probe(struct contacts *c, const struct pkt *p)
{
	struct contact *e;
	bool created;
	struct contact_key k;

	if (find(c, &p->dst, &p->src, p->sport, PROTO_TCP) ||
	    find(c, &p->src, &p->dst, p->dport, PROTO_TCP))
		return;
	key_make(&k, &p->dst, &p->src, p->sport, PROTO_TCP);
	e = table_get(c->t, &k, &created);
	if (!created)
		return;
	c->st.contacts++;
	e->last_sport = p->dport;
	e->last_ts = p->ts_us;
	decide_inferred(c, e, CONTACT_FAILURE, "rst", p->ts_us, p);
}

static bool tcp_packet(struct contacts *c, const struct pkt *p)
{
	uint8_t f = p->tcp_flags;
	struct contact *e;
	bool first;

	if (f & TH_RST) {
		/* From the destination: the contact failed. */
		e = find(c, &p->dst, &p->src, p->sport, PROTO_TCP);
		if (open_state(e))
			decide(c, e, CONTACT_FAILURE, "rst", p->ts_us);
		else if (!e && !(f & TH_ACK))
			rst_to_ack_probe(c, p);
		/* From the source after a SYN-ACK: a half-open probe. */
		e = find(c, &p->src, &p->dst, p->dport, PROTO_TCP);
		if (open_state(e) && e->synack)
			decide(c, e, CONTACT_FAILURE, "half-open", p->ts_us);
		return false;
	}
	if ((f & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
		e = find(c, &p->dst, &p->src, p->sport, PROTO_TCP);
		if (!e || e->last_sport != p->dport)
			return false;
		set_synack(c, e, true, p->ts_us);
		first = !e->open;
		e->open = true;
		return first;
	}
	if ((f & (TH_SYN | TH_ACK)) == TH_ACK) {
		/* The handshake's last step completes the current attempt. */
		if (!half_open_may(&c->half_open, &p->src, &p->dst, p->dport,
				   p->ts_us))
			return false;
		e = find(c, &p->src, &p->dst, p->dport, PROTO_TCP);
		if (!e || !e->synack || e->last_sport != p->sport)
			return false;
		set_synack(c, e, false, p->ts_us);
		e->attempts = 0;
		if (e->state == C_PENDING)
			decide(c, e, CONTACT_SUCCESS, "handshake", p->ts_us);
	}
	return false;
}

/*
 * RFC 9260: an INIT is answered by INIT ACK (open) or ABORT (closed).
 * As for TCP, the association completes when the source goes on (COOKIE
 * ECHO), and a source that aborts after the INIT ACK only probed
 * (nmap -sY): half-open.
 */
#define SCTP_INIT_ACK    2
#define SCTP_ABORT       6
#define SCTP_COOKIE_ECHO 10

static void sctp_packet(struct contacts *c, const struct pkt *p)
{
	struct contact *e;

	if (p->sctp_chunk == SCTP_INIT_ACK || p->sctp_chunk == SCTP_ABORT) {
		e = find(c, &p->dst, &p->src, p->sport, PROTO_SCTP);
		if (!open_state(e))
			return;
		if (p->sctp_chunk == SCTP_INIT_ACK)
			e->synack = true;
		else
			decide(c, e, CONTACT_FAILURE, "abort", p->ts_us);
	}
	/* From the source after the INIT ACK: done, or only a probe. */
	e = find(c, &p->src, &p->dst, p->dport, PROTO_SCTP);
	if (!open_state(e) || !e->synack)
		return;
	if (p->sctp_chunk == SCTP_COOKIE_ECHO)
		decide(c, e, CONTACT_SUCCESS, "handshake", p->ts_us);
	else if (p->sctp_chunk == SCTP_ABORT)
		decide(c, e, CONTACT_FAILURE, "half-open", p->ts_us);
}

/* ICMP destination unreachable (type 3; ICMPv6 type 1) ends a contact;
 * time exceeded (type 11; ICMPv6 3) says the probe never arrived: the
 * contact is forgotten, it is evidence of nothing (traceroute). */
static void icmp_packet(struct contacts *c, const struct pkt *p)
{
	const struct quoted *q = &p->quoted;
	bool v6 = p->proto == PROTO_ICMPV6;
	struct contact *e;

	if (!q->valid || (q->proto != PROTO_TCP && q->proto != PROTO_UDP &&
			  q->proto != PROTO_SCTP))
		return;
	e = find(c, &q->src, &q->dst, q->dport, q->proto);
	if (!open_state(e))
		return;
	if (p->icmp_type == (v6 ? 1 : 3))
		decide(c, e, CONTACT_FAILURE, "unreachable", p->ts_us);
	else if (p->icmp_type == (v6 ? 3 : 11)) {
		half_open_leave(&c->half_open, e);
		table_remove(c->t, e);
	}
}

bool contacts_packet(struct contacts *c, const struct pkt *p)
{
	struct contact *e;

	switch (p->proto) {
	case PROTO_TCP:
		return p->tcp_flags_known && tcp_packet(c, p);
	case PROTO_UDP:
		/* Any answer: the contact succeeded, and a client that gets
		 * answers is not flooding. */
		e = find(c, &p->dst, &p->src, p->sport, PROTO_UDP);
		if (e)
			e->attempts = 0;
		if (e && e->state == C_PENDING)
			decide(c, e, CONTACT_SUCCESS, "reply", p->ts_us);
		break;
	case PROTO_SCTP:
		sctp_packet(c, p);
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		icmp_packet(c, p);
		break;
	}
	return false;
}

bool contacts_known(struct contacts *c, const struct pkt *p)
{
	return find(c, &p->src, &p->dst, p->dport, p->proto) ||
	       find(c, &p->dst, &p->src, p->sport, p->proto);
}

/* Does the slot p named still hold p's contact, undecided?  Not if it
 * was decided meanwhile, removed, or evicted for another key or made
 * anew with another deadline. */
static bool still_pending(const struct contacts *c, const struct pending *p)
{
	const struct contact *e = p->entry;

	return table_live(c->t, e) && open_state(e) &&
	       e->deadline == p->deadline &&
	       memcmp(&e->key, &p->key, sizeof e->key) == 0;
}

void contacts_expire(struct contacts *c, uint64_t now_us)
{
	size_t mask = c->ring_size - 1;

	while (c->ring_count > 0 && c->ring[c->ring_first].deadline <= now_us) {
		struct pending *head = &c->ring[c->ring_first];
		struct contact *e = head->entry;

		if (c->ring_count > EXPIRE_AHEAD)
			table_prefetch_entry(c->t, c->ring[(c->ring_first +
							    EXPIRE_AHEAD) & mask].entry);
		c->ring_first = (c->ring_first + 1) & mask;
		c->ring_count--;
		if (!still_pending(c, head))
			continue;
		/* Decided as of its deadline, whenever the next packet came. */
		c->expiring_seq = head->seq;
		if (e->key.proto == PROTO_UDP)
			decide(c, e, CONTACT_WEAK_FAILURE, "timeout",
			       head->deadline);
		else
			decide(c, e, CONTACT_FAILURE, e->synack ?
			       "no-handshake" : "timeout", head->deadline);
		c->expiring_seq = 0;
	}
}

void contacts_stats(const struct contacts *c, struct contact_stats *st)
{
	*st = c->st;
	st->slots = table_slots(c->t);
	st->used = table_count(c->t);
	st->evictions = table_evictions(c->t);
}
