/*
 * detect_connlog.c - LogConnections and UdpLogConnections.
 *
 * Not detection, but it sits on the same packets.  Each TCP connection
 * attempt (a SYN without ACK) and each UDP flow (the first datagram of a
 * source address and port to a destination address and port) is logged
 * once, with its outcome, when the outcome is known:
 *   TCP  completed    the source acknowledged the SYN-ACK;
 *        refused      RST from the destination;
 *        half-open    SYN-ACK, then RST or nothing from the source (a
 *                     SYN scan meeting an open port);
 *   UDP  answered     a datagram came back;
 *   both unreachable  an ICMP destination unreachable came back;
 *        no-answer    nothing within ContactTimeout;
 *        unknown      not followed to its end: the table was full.
 * SYN retransmissions (the same addresses, ports and sequence number
 * within CONNLOG_RETRANSMIT_US) are the same attempt: counted, never
 * logged again.  A SYN with a new sequence number is a new attempt
 * (ports are reused); the one before it, if still waiting, then went
 * unanswered.  LogPorts, PortLogIgnore, HostLogIgnore and IgnoreHost
 * (conf_log_ignored) leave attempts out altogether.
 *
 * Memory is fixed: a keyed table of attempts (undecided ones kept before
 * decided ones, which stay only to recognise retransmissions) and a ring
 * of deadlines, like contact.c's.  When an undecided attempt must go to
 * make room, it is logged at once with the outcome unknown: every
 * attempt is logged exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "detect.h"
#include "params.h"
#include "table.h"

struct conn {
	struct flow_key key;
	uint64_t first_ts, last_ts;	/* first and latest SYN (datagram) */
	uint64_t deadline;
	uint32_t retransmits;
	uint32_t isn;			/* TCP: the SYN's sequence number */
	uint8_t iface;
	bool synack;			/* the destination answered SYN-ACK */
	bool decided;			/* logged */
};

struct deadline {
	struct flow_key key;
	uint64_t at;
};

struct connlog {
	struct detect_env *env;
	struct table *conns;
	struct deadline *ring;
	size_t ring_size, ring_first, ring_count;	/* size: power of two */
	uint64_t logged;
	uint64_t ignored;
	uint64_t retransmits;
	uint64_t unknown;
};

/* The attempt is over: log it once. */
static void decide(struct connlog *c, struct conn *e, enum conn_outcome how,
		   uint64_t ts)
{
	struct alert a;

	e->decided = true;
	table_set_level(c->conns, e, 0);	/* decided: first to go */
	memset(&a, 0, sizeof a);
	a.kind = ALERT_CONNECTION;
	a.ts_us = ts;
	a.scan.first_ts = e->first_ts;
	a.proto = e->key.proto;
	a.src = e->key.src;
	a.dst = e->key.dst;
	a.sport = e->key.sport;
	a.dport = e->key.dport;
	a.outcome = how;
	a.retransmits = e->retransmits;
	alert_set_iface(c->env->out, &a, e->iface);
	c->logged++;
	c->unknown += how == CONN_UNKNOWN;
	alert_emit(c->env->out, &a);
}

/* Evicted while undecided (table full): logged now, outcome unknown. */
static void evict_conn(void *entry, void *arg)
{
	struct conn *e = entry;
	struct connlog *c = arg;

	if (!e->decided)
		decide(c, e, CONN_UNKNOWN, e->last_ts);
}

static struct conn *find(struct connlog *c, const struct ipaddr *src,
			 uint16_t sport, const struct ipaddr *dst,
			 uint16_t dport, uint8_t proto)
{
	struct flow_key k;

	flow_key_make(&k, src, sport, dst, dport, proto);
	return table_find(c->conns, &k);
}

static struct conn *open_conn(struct connlog *c, const struct ipaddr *src,
			      uint16_t sport, const struct ipaddr *dst,
			      uint16_t dport, uint8_t proto)
{
	struct conn *e = find(c, src, sport, dst, dport, proto);

	return e && !e->decided ? e : NULL;
}

static void push_deadline(struct connlog *c, const struct conn *e)
{
	struct deadline *slot;

	/* Full: deadlines of attempts already decided go; if the oldest
	 * is still waiting, it is logged now. */
	while (c->ring_count == c->ring_size) {
		struct deadline *old = &c->ring[c->ring_first];
		struct conn *o = table_find(c->conns, &old->key);

		c->ring_first = (c->ring_first + 1) & (c->ring_size - 1);
		c->ring_count--;
		if (o && !o->decided && o->deadline == old->at) {
			decide(c, o, CONN_UNKNOWN, e->first_ts);
			break;
		}
	}
	slot = &c->ring[(c->ring_first + c->ring_count) & (c->ring_size - 1)];
	slot->key = e->key;
	slot->at = e->deadline;
	c->ring_count++;
}

/* Attempts whose ContactTimeout has passed by now, decided as of their
 * deadlines. */
static void expire(struct connlog *c, uint64_t now)
{
	while (c->ring_count > 0) {
		struct deadline *head = &c->ring[c->ring_first];
		struct conn *e;

		if (head->at > now)
			break;
		e = table_find(c->conns, &head->key);
		c->ring_first = (c->ring_first + 1) & (c->ring_size - 1);
		c->ring_count--;
		if (!e || e->decided || e->deadline != head->at)
			continue;	/* decided meanwhile, or made anew */
		decide(c, e, e->synack ? CONN_HALF_OPEN : CONN_NO_ANSWER,
		       head->at);
	}
}

static bool is_connection_attempt(const struct pkt *p)
{
	if (p->proto == PROTO_UDP)
		return true;
	return p->proto == PROTO_TCP && p->tcp_flags_known &&
	       (p->tcp_flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) == TH_SYN;
}

static bool logged_proto(const struct config *cfg, uint8_t proto)
{
	if (proto == PROTO_TCP)
		return cfg->proto[CONF_TCP].log_connections;
	if (proto == PROTO_UDP)
		return cfg->proto[CONF_UDP].log_connections;
	return false;
}

/* A SYN or a datagram from the side that began: a new attempt, or more
 * of one under way. */
static void attempt(struct connlog *c, const struct pkt *p)
{
	struct flow_key k;
	struct conn *e;
	bool created, ignored;

	flow_key_make(&k, &p->src, p->sport, &p->dst, p->dport, p->proto);
	e = table_find(c->conns, &k);
	if (e && us_since(p->ts_us, e->last_ts) < CONNLOG_RETRANSMIT_US &&
	    (p->proto == PROTO_UDP || p->tcp_seq == e->isn)) {
		e->last_ts = p->ts_us;
		if (p->proto == PROTO_TCP) {
			e->retransmits++;
			c->retransmits++;
		}
		return;
	}
	if (e && !e->decided)		/* given up on for a new attempt */
		decide(c, e, CONN_NO_ANSWER, p->ts_us);
	ignored = conf_log_ignored(c->env->cfg, p->proto == PROTO_UDP ?
				   CONF_UDP : CONF_TCP, &p->src, p->sport,
				   &p->dst, p->dport);
	if (ignored)
		c->ignored++;
	e = table_get(c->conns, &k, &created);
	if (!created && !e->decided)	/* lost its deadline: say so */
		decide(c, e, CONN_UNKNOWN, e->last_ts);
	memset((char *)e + sizeof e->key, 0, sizeof *e - sizeof e->key);
	e->first_ts = e->last_ts = p->ts_us;
	e->isn = p->tcp_seq;
	e->iface = p->iface;
	/* An ignored attempt is followed but never logged (born decided):
	 * its answers must not read as attempts of their own. */
	if (ignored) {
		e->decided = true;
		return;
	}
	e->deadline = p->ts_us +
		      (uint64_t)c->env->cfg->contact_timeout * 1000000;
	table_set_level(c->conns, e, 1);	/* waiting: kept first */
	push_deadline(c, e);
}

static void tcp_answer(struct connlog *c, const struct pkt *p)
{
	uint8_t f = p->tcp_flags;
	struct conn *e;

	/* From the destination: SYN-ACK or RST. */
	e = open_conn(c, &p->dst, p->dport, &p->src, p->sport, PROTO_TCP);
	if (e) {
		if (f & TH_RST)
			decide(c, e, CONN_REFUSED, p->ts_us);
		else if ((f & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
			e->synack = true;
		return;
	}
	/* From the source, after the SYN-ACK: the handshake's last step,
	 * or a RST that leaves it half open. */
	e = open_conn(c, &p->src, p->sport, &p->dst, p->dport, PROTO_TCP);
	if (!e || !e->synack)
		return;
	if (f & TH_RST)
		decide(c, e, CONN_HALF_OPEN, p->ts_us);
	else if ((f & (TH_SYN | TH_ACK)) == TH_ACK)
		decide(c, e, CONN_COMPLETED, p->ts_us);
}

/* ICMP destination unreachable (type 3; ICMPv6 type 1) quoting an
 * attempt we follow. */
static void icmp_answer(struct connlog *c, const struct pkt *p)
{
	const struct quoted *q = &p->quoted;
	struct conn *e;

	if (!q->valid || p->icmp_type != (p->proto == PROTO_ICMPV6 ? 1 : 3) ||
	    !logged_proto(c->env->cfg, q->proto))
		return;
	e = open_conn(c, &q->src, q->sport, &q->dst, q->dport, q->proto);
	if (e)
		decide(c, e, CONN_UNREACHABLE, p->ts_us);
}

static void connlog_packet(void *self, const struct pkt_view *v)
{
	struct connlog *c = self;
	const struct pkt *p = v->p;
	struct conn *e;

	expire(c, p->ts_us);
	if (p->proto == PROTO_ICMP || p->proto == PROTO_ICMPV6) {
		icmp_answer(c, p);
		return;
	}
	if (!logged_proto(c->env->cfg, p->proto))
		return;
	if (p->proto == PROTO_UDP) {
		/* A reply to a flow we follow, decided or not, is no flow
		 * of its own. */
		e = find(c, &p->dst, p->dport, &p->src, p->sport, PROTO_UDP);
		if (e && !e->decided)
			decide(c, e, CONN_ANSWERED, p->ts_us);
		else if (!e)
			attempt(c, p);
		return;
	}
	if (!p->tcp_flags_known)
		return;
	if (is_connection_attempt(p))
		attempt(c, p);
	else
		tcp_answer(c, p);
}

static void connlog_tick(void *self, uint64_t now_us)
{
	expire(self, now_us);
}

/* End of input: attempts still waiting fail at their deadlines, as if
 * time went on without traffic. */
static void connlog_finish(void *self)
{
	expire(self, UINT64_MAX);
}

static void connlog_destroy(void *self)
{
	struct connlog *c = self;

	if (!c)
		return;
	table_free(c->conns);
	free(c->ring);
	free(c);
}

static void *connlog_create(struct detect_env *env, char *err, size_t errlen)
{
	struct connlog *c = calloc(1, sizeof *c);
	struct table_ops ops = {
		.entry_size = sizeof(struct conn),
		.key_size = sizeof(struct flow_key),
		.evict = evict_conn,
		.evict_level = 1,	/* only undecided attempts */
	};

	if (c) {
		c->env = env;
		ops.arg = c;
		c->conns = table_new(CONNLOG_TABLE_SIZE, &ops, &env->key);
		if (c->conns) {
			/* A sixteenth: waiting attempts then never fill a
			 * bucket in practice (half a slot of eight each), so
			 * which of them is logged "unknown" depends on the
			 * order of the packets (the ring), not on the run's
			 * hash key: the same capture, the same lines. */
			c->ring_size = table_slots(c->conns) / 16;
			c->ring = calloc(c->ring_size, sizeof *c->ring);
		}
		if (c->ring)
			return c;
	}
	connlog_destroy(c);
	snprintf(err, errlen, "cannot allocate the connection table (%u "
		 "slots): out of memory", (unsigned)CONNLOG_TABLE_SIZE);
	return NULL;
}

static void connlog_stats(void *self, stat_fn put, void *arg)
{
	struct connlog *c = self;

	put(arg, "connlog.logged", c->logged);
	put(arg, "connlog.ignored", c->ignored);
	put(arg, "connlog.retransmits", c->retransmits);
	put(arg, "connlog.unknown", c->unknown);
	put(arg, "connlog.slots", table_slots(c->conns));
	put(arg, "connlog.used", table_count(c->conns));
}

const struct detector detector_connlog = {
	.name = "connlog",
	.method = -1,
	.create = connlog_create,
	.packet = connlog_packet,
	.tick = connlog_tick,
	.finish = connlog_finish,
	.stats = connlog_stats,
	.destroy = connlog_destroy,
};
