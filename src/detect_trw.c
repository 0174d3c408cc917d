/*
 * detect_trw.c - scans told by how their first contacts end.
 *
 * Threshold Random Walk (Jung, Paxson, Berger, Balakrishnan: "Fast
 * Portscan Detection Using Sequential Hypothesis Testing", IEEE S&P 2004).
 * Per source and protocol, every decided first contact (contact.h) moves
 * a log-likelihood ratio: a success by ln(theta1/theta0), a failure by
 * ln((1-theta1)/(1-theta0)), a weak failure (UDP without an answer) by
 * half of that.  At ln(PD/PF) the source is a scanner; at
 * ln((1-PD)/(1-PF)) it is taken as benign and the walk starts over.  With
 * the defaults, four failures and no success flag a source.  A probe with
 * a scanner's signature, a stealth probe or a tiny fragment has failed by
 * nature, so tools are flagged on their first few probes.
 *
 * Also here, in the same per-source entry:
 *  - slow scans: distinct failed contacts within SlowWindow, counted in a
 *    sketch, reach SlowThreshold (nmap -T1, --scan-delay);
 *  - floods: FloodThreshold connection attempts to one port that never
 *    complete a handshake (a client whose connections complete resets
 *    the count, and so is never a flood).
 *
 * A UDP client whose servers do not answer (an NTP client trying pool
 * server after pool server, a resolver whose upstreams are down) leaves
 * unanswered contacts to one port on its own schedule: one every few
 * seconds (systemd-timesyncd), or each server asked again and again,
 * every request from a new socket (chronyd: 20 servers every 4 s).  A
 * scanner sweeps a port as fast as it can, and asks each host once (or
 * again from the same port).  So an unanswered UDP contact is no
 * evidence (trw.client_unanswered counts them) when it was asked again
 * from another source port before ContactTimeout, or when it came
 * UDP_CLIENT_PACE_US or more after the source's previous unanswered one
 * to the same port.
 *
 * Several techniques against one port (nmap -sS, -sF, -sN, -sX; or -sA,
 * -sM, -sW) are one contact, but no stack sends such a mix: TECHNIQUES_MIN
 * kinds of crafted probe, or ACK and FIN+ACK in CRAFTED_MIN probes, is a
 * scan, when they span more than OSFP_WINDOW_US: nmap runs one technique
 * at a time.  An OS probe's odd packets come all at once (queso's FIN,
 * FIN+ACK, SYN+FIN and PSH within milliseconds): detect_osfp.c's.
 *
 * Whether a flagged source is a port scan or a sweep comes from the shape
 * of its failed contacts (sketch.h); contacts spread one to one over
 * hosts and ports (peer-to-peer fan-out) stay undecided and unreported.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "params.h"
#include "sketch.h"
#include "table.h"
#include "tally.h"

/* The failed contacts of the slow window, kept across episodes: their
 * number, and whether they all went to one host or to one port (an
 * episode's own sketches see one probe of a scan slower than an episode
 * lasts: a sweep at one SYN in five minutes). */
struct slow_window {
	uint64_t start;
	struct sketch contacts;
	struct ipaddr dst;		/* the window's first failed contact */
	uint16_t port;
	bool one_host, one_port;
};

/*
 * A source's entry: 7 cache lines, of which a new source writes the first
 * 4 (the table's fresh part).  A flood's spoofed sources each send one
 * probe that fails at once, and nothing more, so their failed contact is
 * kept there too: `lone` says the walk's sketches hold exactly the
 * contact of the first probe (first_dst, sum.first_port), failed at
 * lone_ts, and are not written yet.  The last 3 lines (struct trw_later)
 * are made at the second failed contact, a crafted probe, a report or a
 * new episode (later_of); until then, with `sketched` false, they hold
 * what the slot's previous source left.
 */
struct trw_later {
	struct sketch hosts, ports, contacts;	/* of failed contacts */
	uint32_t crafted;		/* crafted TCP probes, */
	uint64_t crafted_ts;		/* and the time of the first */
	struct slow_window slow;
};

struct trw_entry {
	struct source_head head;	/* last_ts: latest probe or outcome */
	double llr;			/* the walk, natural log */
	struct scan_summary sum;	/* count: probes from the source */
	struct ipaddr first_dst;
	uint32_t failures, successes, signature_failures;
	uint32_t xmas, acks;
	uint32_t cookies;		/* SCTP COOKIE ECHO probes */
	uint8_t techniques;		/* kinds of crafted probe (TECHNIQUE_*) */
	uint8_t method;			/* once reported: enum trw_method */
	bool sketched;			/* later holds this source's */
	bool lone;			/* one failed contact, not sketched */
	uint16_t majority_port;		/* Boyer-Moore majority vote: */
	uint16_t weak_port;		/* port and time of the latest UDP */
	uint32_t majority_votes;	/* a sweep's port */
	uint64_t weak_ts;		/* contact left unanswered */
	uint64_t lone_ts;
	char tool[24];
	struct tally tally;		/* ports, hosts, open ports */
	_Alignas(64) struct trw_later later;
};
#define TRW_FRESH offsetof(struct trw_entry, later)
/* Whole cache lines (the table's entries start on one): a new source
 * writes 4 lines, where zeroing the whole entry wrote 7
 * (bench/README.md). */
_Static_assert(sizeof(struct trw_entry) == 7 * 64,
	       "a source's entry is 7 cache lines");
_Static_assert(TRW_FRESH == 4 * 64, "a new source writes 4 lines");

/* A failed contact to dst:dport at ts, in the sketches and the slow
 * window of window_us. */
static void sketch_failure(struct trw_later *l, const struct ipaddr *dst,
			   uint16_t dport, uint64_t ts, uint64_t window_us)
{
	uint32_t contact = addr_fold(dst) * 65599u + dport;

	sketch_add(&l->hosts, addr_fold(dst));
	sketch_add(&l->ports, dport);
	sketch_add(&l->contacts, contact);
	if (us_since(ts, l->slow.start) >= window_us ||
	    sketch_count(&l->slow.contacts) == 0) {
		memset(&l->slow, 0, sizeof l->slow);
		l->slow.start = ts;
		l->slow.dst = *dst;
		l->slow.port = dport;
		l->slow.one_host = l->slow.one_port = true;
	}
	l->slow.one_host &= addr_equal(dst, &l->slow.dst);
	l->slow.one_port &= dport == l->slow.port;
	sketch_add(&l->slow.contacts, contact);
}

/* e's later lines, made now if they are not yet (struct trw_entry):
 * zero, with the lone failed contact, if any, sketched as add_failure
 * would have (into an empty window, which starts with it whatever its
 * length). */
static struct trw_later *later_of(struct trw_entry *e)
{
	if (!e->sketched) {
		memset(&e->later, 0, sizeof e->later);
		e->sketched = true;
		if (e->lone)
			sketch_failure(&e->later, &e->first_dst,
				       e->sum.first_port, e->lone_ts, 0);
		e->lone = false;
	}
	return &e->later;
}

/* What made the report: the walk, the walk mostly on signatures, the
 * slow window.  The names are the events' "method". */
enum trw_method { BY_WALK, BY_SIGNATURE, BY_SLOW, BY_TECHNIQUES,
		  TRW_METHODS };
static const char *const method_names[TRW_METHODS] = {
	"trw", "signature", "slow", "techniques",
};

struct trw {
	struct detect_env *env;
	struct table *sources;
	struct tally_pool *tallies;
	struct trw_entry *recent;	/* the last source looked up: a probe
					 * and its outcome come together */
	/* The walk's steps and bounds, for the configuration they were
	 * computed from (a reload may change the probabilities). */
	const struct config *steps_for;
	double fail, success, upper, lower;
	uint64_t reported[ALERT_KIND_COUNT];
	uint64_t by_method[TRW_METHODS];
	uint64_t ended;
	uint64_t client_unanswered;
};

/* ---- the walk's steps, from the configured probabilities ---------- */

static void update_steps(struct trw *t)
{
	const struct config *c = t->env->cfg;

	if (t->steps_for == c)
		return;
	t->steps_for = c;
	t->fail = log((1 - c->trw_theta1) / (1 - c->trw_theta0));
	t->success = log(c->trw_theta1 / c->trw_theta0);
	t->upper = log(c->trw_pd / c->trw_pf);
	t->lower = log((1 - c->trw_pd) / (1 - c->trw_pf));
}

/* ---- reporting ------------------------------------------------------ */

static enum scan_type guess_scan_type(const struct trw_entry *e)
{
	if (e->head.key.proto == PROTO_UDP)
		return SCAN_UDP;
	if (e->head.key.proto == PROTO_SCTP)
		return e->cookies * 2 > e->sum.count ? SCAN_SCTP_COOKIE :
						       SCAN_SCTP_INIT;
	if (e->xmas * 2 > e->sum.count)
		return SCAN_XMAS;
	if (e->acks * 2 > e->sum.count)
		return SCAN_ACK;	/* nmap -sA, -sW, -sM */
	if (!e->sum.syn && !e->sum.fin)
		return SCAN_NULL;
	return e->sum.fin > e->sum.syn ? SCAN_FIN : SCAN_SYN;
}

static void fill_alert(const struct trw *t, const struct trw_entry *e,
		       enum alert_kind kind, uint64_t ts, struct alert *a)
{
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->ts_us = ts;
	a->proto = e->head.key.proto;
	a->src = e->head.key.src;
	a->dst = e->first_dst;
	a->scan = e->sum;
	a->scan.scan_type = guess_scan_type(e);
	if (e->sum.kind == ALERT_SWEEP)
		a->scan.port = e->majority_port;
	tally_read(t->tallies, &e->tally, &a->scan, &a->open);
	a->method = method_names[e->method];
	a->probes = e->sum.count;
	memcpy(a->tool, e->tool, sizeof a->tool);
	alert_set_iface(t->env->out, a, e->head.iface);
}

static void set_level(struct trw *t, struct trw_entry *e)
{
	table_set_level(t->sources, e, source_level(&e->head, e->failures));
}

static void report(struct trw *t, struct trw_entry *e, enum alert_kind kind,
		   enum trw_method method, uint64_t ts)
{
	const struct trw_later *l = later_of(e);
	struct alert a;

	e->head.reported = true;
	set_level(t, e);
	e->sum.kind = kind;
	/* Before the report only failed contacts were sketched: nearly all
	 * of a scanner's. */
	tally_attach(t->tallies, &e->tally,
		     tally_extra(&l->ports, e->tally.nports, e->sum.count),
		     tally_extra(&l->hosts, e->tally.nhosts, e->sum.count));
	e->method = (uint8_t)method;
	fill_alert(t, e, kind, ts, &a);
	t->reported[kind]++;
	t->by_method[method]++;
	alert_emit(t->env->out, &a);
}

static void end_scan(struct trw *t, struct trw_entry *e)
{
	struct alert a;

	if (!e->head.reported)
		return;
	fill_alert(t, e, ALERT_SCAN_END, e->head.last_ts, &a);
	t->ended++;
	alert_emit(t->env->out, &a);
	tally_release(t->tallies, &e->tally);
}

/* A new episode: the walk and the summary start over; the slow window
 * keeps its memory. */
static void restart(struct trw_entry *e)
{
	struct source_key key = e->head.key;
	struct slow_window slow = later_of(e)->slow;

	memset(e, 0, sizeof *e);
	e->head.key = key;
	e->sketched = true;
	e->later.slow = slow;
}

static bool slow_scan_goes_on(const struct trw *t, const struct trw_entry *e,
			      uint64_t now)
{
	return e->head.reported && e->method == BY_SLOW &&
	       us_since(now, e->head.last_ts) <
		       (uint64_t)t->env->cfg->slow_window * 1000000;
}

/* hint: the source's hash from the prefetch, or NULL (table.h). */
static struct trw_entry *source(struct trw *t, const struct ipaddr *src,
				uint8_t proto, uint64_t ts,
				const struct table_hint *hint)
{
	struct source_key key;
	struct trw_entry *e;
	bool created = false;

	source_key_make(&key, src, proto);
	e = t->recent;
	if (!e || !table_live(t->sources, e) ||
	    memcmp(&e->head.key, &key, sizeof key) != 0) {
		e = table_get_hinted(t->sources, &key, hint, &created);
		t->recent = e;
	}
	if (!created && us_since(ts, e->head.last_ts) >= SCAN_EXPIRE_US &&
	    !(e->head.reported && slow_scan_goes_on(t, e, ts))) {
		end_scan(t, e);
		restart(e);
		set_level(t, e);
	}
	return e;
}

/* ---- packets: count the probes, watch for floods ------------------- */

static void vote_port(struct trw_entry *e, uint16_t port)
{
	if (e->majority_votes == 0) {
		e->majority_port = port;
		e->majority_votes = 1;
	} else if (e->majority_port == port) {
		e->majority_votes++;
	} else {
		e->majority_votes--;
	}
}

/* The summary's view of one probe to dst:dport at ts. */
static void summarise(struct trw *t, struct trw_entry *e,
		      const struct ipaddr *dst, uint16_t dport, uint64_t ts)
{
	tally_probe(t->tallies, &e->tally, dst, dport);
	vote_port(e, dport);
	if (e->sum.count == 0) {
		e->sum.first_port = dport;
		e->sum.first_ts = ts;
		e->first_dst = *dst;
	} else if (!addr_equal(dst, &e->first_dst)) {
		e->sum.dst_multiple = true;
	}
	e->sum.count++;
	e->sum.last_port = dport;
	e->sum.last_ts = ts;
	e->head.last_ts = ts;
}

static void count_probe(struct trw *t, struct trw_entry *e,
			const struct pkt_view *v)
{
	const struct pkt *p = v->p;

	summarise(t, e, &p->dst, p->dport, p->ts_us);
	e->head.iface = p->iface;
	if (p->proto == PROTO_TCP) {
		e->sum.syn += (p->tcp_flags & TH_SYN) ? 1 : 0;
		e->sum.fin += (p->tcp_flags & TH_FIN) ? 1 : 0;
		e->xmas += v->probe == PROBE_XMAS;
		e->acks += v->probe == PROBE_ACK ||
			   (v->technique & (TECHNIQUE_ACK | TECHNIQUE_FINACK));
	}
	e->cookies += v->probe == PROBE_SCTP_COOKIE;
	if (v->sig && v->sig->cls == SIG_SCAN && !e->tool[0])
		memcpy(e->tool, v->sig->tool, sizeof e->tool);
}

/* The destination of an earlier probe answered it: an open port. */
static void count_answer(struct trw *t, const struct pkt *p)
{
	struct source_key key;
	struct trw_entry *e;

	source_key_make(&key, &p->dst, p->proto);
	e = table_find(t->sources, &key);
	if (e)
		tally_open(t->tallies, &e->tally, p->sport);
}

/* ACK and FIN+ACK only: nmap -sA, -sW (the same ACK) and -sM. */
static bool ack_family(uint8_t techniques)
{
	return (techniques & ~(TECHNIQUE_ACK | TECHNIQUE_FINACK)) == 0;
}

/* Crafted probes of several kinds, whatever contacts they reach. */
static void count_technique(struct trw *t, struct trw_entry *e,
			    const struct pkt_view *v)
{
	struct trw_later *l = later_of(e);
	unsigned kinds;

	if (l->crafted++ == 0)
		l->crafted_ts = v->p->ts_us;
	e->techniques |= v->technique;
	kinds = (unsigned)__builtin_popcount(e->techniques);
	if (e->head.reported ||
	    us_since(v->p->ts_us, l->crafted_ts) <= OSFP_WINDOW_US ||
	    !(kinds >= TECHNIQUES_MIN || (ack_family(e->techniques) &&
					  kinds == 2 &&
					  l->crafted >= CRAFTED_MIN)))
		return;
	report(t, e, ALERT_PORTSCAN, BY_TECHNIQUES, v->p->ts_us);
}

static void trw_packet(void *self, const struct pkt_view *v)
{
	struct trw *t = self;
	const struct pkt *p = v->p;
	struct trw_entry *e;

	if (v->contact_answered)
		count_answer(t, p);
	if ((v->probe == PROBE_NONE && !v->technique) || v->scan_ignored)
		return;
	e = source(t, &p->src, p->proto, p->ts_us, v->source_hint);
	/* A crafted packet to a contact already known is a probe of its
	 * own only for the techniques' count. */
	if (v->probe == PROBE_NONE) {
		if (!e->head.reported) {
			count_probe(t, e, v);
			count_technique(t, e, v);
		}
		return;
	}
	count_probe(t, e, v);
	if (v->technique)
		count_technique(t, e, v);
	if (!e->head.reported && v->attempts >= t->env->cfg->flood_threshold) {
		e->sum.port = p->dport;
		report(t, e, ALERT_FLOOD, BY_WALK, p->ts_us);
	}
}

static void trw_prefetch(const void *self, const struct pkt *p, bool entry,
			 struct table_hint *hint)
{
	sources_prefetch(((const struct trw *)self)->sources, p, entry, hint);
}

/* ---- outcomes: the walk -------------------------------------------- */

static bool outcome_ignored(const struct config *cfg,
			    const struct contact_outcome *o)
{
	return conf_scan_ignored(cfg, o->proto == PROTO_UDP ? CONF_UDP :
				 CONF_TCP, &o->src, o->sport, &o->dst,
				 o->dport);
}

static void add_failure(struct trw_entry *e, const struct contact_outcome *o,
			uint64_t window_us)
{
	e->failures++;
	/* The first failed contact of a source not sketched yet, that of
	 * its first probe (a spoofed flood's every source): kept in the
	 * fresh lines. */
	if (!e->sketched && !e->lone && e->sum.count > 0 &&
	    o->dport == e->sum.first_port &&
	    addr_equal(&o->dst, &e->first_dst)) {
		e->lone = true;
		e->lone_ts = o->ts;
		return;
	}
	sketch_failure(later_of(e), &o->dst, o->dport, o->ts, window_us);
}

/* The slow window's shape, for an episode too short to have one. */
static enum alert_kind slow_shape(const struct trw_later *l)
{
	if (l->slow.one_port && !l->slow.one_host)
		return ALERT_SWEEP;
	if (l->slow.one_host && !l->slow.one_port)
		return ALERT_PORTSCAN;
	return ALERT_KIND_COUNT;
}

static enum alert_kind shape(const struct trw_later *l)
{
	return scan_shape(sketch_count(&l->hosts), sketch_count(&l->ports),
			  sketch_count(&l->contacts));
}

/* A scan slower than an episode is reported with what the slow window
 * saw of it: its failed contacts, its first, and their breadth. */
static void take_slow_window(struct trw_entry *e, enum alert_kind kind)
{
	struct trw_later *l = later_of(e);
	unsigned n = sketch_count(&l->slow.contacts);

	/* The tally counts the episode's own exactly; the window's others
	 * are an estimate beyond them (tally.h). */
	if (kind == ALERT_SWEEP) {
		l->hosts = l->slow.contacts;
		e->tally.hosts_over = true;
	} else {
		l->ports = l->slow.contacts;
		e->tally.ports_over = true;
	}
	e->first_dst = l->slow.dst;
	e->sum.first_port = l->slow.port;
	e->sum.first_ts = l->slow.start;
	e->sum.dst_multiple = !l->slow.one_host;
	if (e->sum.count < n)
		e->sum.count = n;
}

static void judge(struct trw *t, struct trw_entry *e, uint64_t ts)
{
	const struct config *c = t->env->cfg;
	enum alert_kind kind;

	/* An episode reports what it saw itself: not a slow window's memory
	 * carried over from before its probes.  One failed contact, lone
	 * or not, is never a scan: one host and one port have no shape,
	 * and a window of one is both one host and one port. */
	if (e->head.reported || e->sum.count == 0 || !e->sketched)
		return;
	kind = shape(&e->later);
	if (kind != ALERT_KIND_COUNT && e->llr >= t->upper) {
		report(t, e, kind, e->signature_failures * 2 > e->failures ?
		       BY_SIGNATURE : BY_WALK, ts);
		return;
	}
	if (sketch_count(&e->later.slow.contacts) < c->slow_threshold)
		return;
	if (kind == ALERT_KIND_COUNT) {
		kind = slow_shape(&e->later);
		if (kind == ALERT_KIND_COUNT)
			return;
		take_slow_window(e, kind);
	}
	report(t, e, kind, BY_SLOW, ts);
}

/* An unanswered UDP contact of a client on its own schedule (see the
 * top of the file): asked again from a new socket, or at a client's pace
 * after the source's previous one to the same port. */
static bool client_unanswered(struct trw_entry *e,
			      const struct contact_outcome *o)
{
	bool paced = e->weak_ts && e->weak_port == o->dport &&
		     us_since(o->ts, e->weak_ts) >= UDP_CLIENT_PACE_US;

	e->weak_port = o->dport;
	e->weak_ts = o->ts;
	return paced || o->attempts >= 2;
}

static void trw_outcome(void *self, const struct contact_outcome *o)
{
	struct trw *t = self;
	const struct config *c = t->env->cfg;
	struct trw_entry *e;

	if (outcome_ignored(c, o))
		return;
	e = source(t, &o->src, o->proto, o->ts, NULL);
	e->head.last_ts = o->ts;
	if (o->inferred) {
		summarise(t, e, &o->dst, o->dport, o->ts);
		e->head.iface = o->iface;
	}
	update_steps(t);
	if (o->result == CONTACT_SUCCESS) {
		e->successes++;
		e->llr += t->success;
		if (e->llr <= t->lower)
			e->llr = 0;	/* benign so far: a new walk */
		return;
	}
	if (o->result == CONTACT_WEAK_FAILURE && client_unanswered(e, o)) {
		t->client_unanswered++;
		return;
	}
	e->llr += o->result == CONTACT_WEAK_FAILURE ? t->fail / 2 : t->fail;
	add_failure(e, o, (uint64_t)c->slow_window * 1000000);
	if (o->by_signature)
		e->signature_failures++;
	set_level(t, e);
	judge(t, e, o->ts);
}

/* ---- expiry --------------------------------------------------------- */

/* Idle for SCAN_EXPIRE_US: a reported scan ends and a new episode may
 * begin; the entry stays for the slow window's memory, then goes.  A
 * scan the slow window reported goes on while its probes keep coming
 * within the window (one in five minutes is still one scan). */
static void expire_idle(void *entry, uint64_t now, void *arg)
{
	struct trw *t = arg;
	struct trw_entry *e = entry;
	uint64_t last = e->head.last_ts;

	if (e->head.reported && !slow_scan_goes_on(t, e, now)) {
		end_scan(t, e);
		restart(e);
		e->head.last_ts = last;
		set_level(t, e);
	}
	if (us_since(now, last) >= (uint64_t)t->env->cfg->slow_window * 1000000)
		table_remove(t->sources, e);
}

static void trw_tick(void *self, uint64_t now_us)
{
	struct trw *t = self;

	sources_sweep_idle(t->sources, now_us, expire_idle, t);
}

static void end_each(void *entry, void *arg)
{
	end_scan(arg, entry);
}

static void trw_finish(void *self)
{
	struct trw *t = self;

	sources_each_reported(t->sources, end_each, t);
}

static void evict_entry(void *entry, void *arg)
{
	end_scan(arg, entry);
}

static void *trw_create(struct detect_env *env, char *err, size_t errlen)
{
	struct trw *t = calloc(1, sizeof *t);

	if (t) {
		t->env = env;
		t->sources = sources_new(env->cfg->source_table_size,
					 sizeof(struct trw_entry), TRW_FRESH,
					 evict_entry, t, &env->key);
		t->tallies = tally_pool_new(TALLY_POOL_SIZE);
		if (t->sources && t->tallies)
			return t;
		table_free(t->sources);
		tally_pool_free(t->tallies);
	}
	free(t);
	detect_table_error(env->cfg, "SourceTableSize",
			   env->cfg->source_table_size, "source table", err,
			   errlen);
	return NULL;
}

static void trw_stats(void *self, stat_fn put, void *arg)
{
	struct trw *t = self;

	table_put_stats(t->sources, "trw.sources", put, arg);
	put(arg, "trw.portscans", t->reported[ALERT_PORTSCAN]);
	put(arg, "trw.sweeps", t->reported[ALERT_SWEEP]);
	put(arg, "trw.floods", t->reported[ALERT_FLOOD]);
	put(arg, "trw.by_walk", t->by_method[BY_WALK]);
	put(arg, "trw.by_signature", t->by_method[BY_SIGNATURE]);
	put(arg, "trw.by_slow_window", t->by_method[BY_SLOW]);
	put(arg, "trw.by_techniques", t->by_method[BY_TECHNIQUES]);
	put(arg, "trw.ended", t->ended);
	put(arg, "trw.client_unanswered", t->client_unanswered);
	tally_put_stats(t->tallies, "trw", put, arg);
}

static uint32_t trw_probes(void *self, const struct ipaddr *src,
			       uint8_t proto)
{
	struct trw *t = self;
	const struct trw_entry *e = sources_find(t->sources, src, proto);

	return e && e->head.reported ? e->sum.count : 0;
}

static bool trw_many_hosts(void *self, const struct ipaddr *src,
			   uint8_t proto)
{
	struct trw *t = self;
	struct source_key key;
	const struct trw_entry *e;

	source_key_make(&key, src, proto);
	/* Asked right after the walk took the same outcome: its entry is
	 * the one last looked up. */
	e = t->recent;
	if (!e || !table_live(t->sources, e) ||
	    memcmp(&e->head.key, &key, sizeof key) != 0)
		e = table_find(t->sources, &key);
	return e && e->sum.dst_multiple;
}

static void trw_destroy(void *self)
{
	struct trw *t = self;

	table_free(t->sources);
	tally_pool_free(t->tallies);
	free(t);
}

const struct detector detector_trw = {
	.name = "trw",
	.method = METHOD_TRW,
	.create = trw_create,
	.packet = trw_packet,
	.prefetch = trw_prefetch,
	.outcome = trw_outcome,
	.tick = trw_tick,
	.finish = trw_finish,
	.stats = trw_stats,
	.probes = trw_probes,
	.many_hosts = trw_many_hosts,
	.destroy = trw_destroy,
};
