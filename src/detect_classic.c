/*
 * detect_classic.c - the original scandetd's port-scan and flood rule.
 *
 * Per source address and protocol, a counter goes up for each probe that
 * comes within CLASSIC_GAP_US (one second) of the previous probe from the
 * same source.  At CountThreshold the source is reported, at once and
 * once per scan.  The entry keeps counting; when it has been idle for
 * SCAN_EXPIRE_US an end-of-scan record with the final summary is written.
 * An entry idle that long that never reached the threshold starts afresh.
 * Contacts the destination answered (SYN-ACK, a UDP reply) are taken off
 * the count: a client whose connections succeed is not scanning.
 *
 * What the report calls it:
 *  - flood: more than half of the counted probes repeated the previous
 *    probe's destination and port (FloodDetection; with it off, such
 *    repeats are not counted at all);
 *  - sweep: the probes went to at least twice as many hosts as ports
 *    (one port across many hosts: zmap, masscan on a network, worms);
 *  - portscan: at least twice as many ports as hosts;
 *  - neither (contacts spread over many hosts and ports alike): not yet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "params.h"
#include "sketch.h"
#include "table.h"
#include "tally.h"

struct classic_entry {
	struct source_head head;	/* last_ts: any probe (the original's h->t) */
	struct scan_summary sum;
	struct ipaddr first_dst, prev_dst;
	uint16_t prev_port;
	uint16_t majority_port;		/* Boyer-Moore majority vote */
	uint32_t majority_votes;
	uint32_t repeats;		/* same destination and port as before */
	uint32_t xmas;
	uint32_t answered;		/* probes the destination answered */
	struct sketch port_sketch;
	struct sketch dst_sketch;
	struct tally tally;		/* ports, hosts, open ports */
};

struct classic {
	struct detect_env *env;
	struct table *sources;
	struct tally_pool *tallies;
	uint64_t reported[ALERT_KIND_COUNT];
	uint64_t ended;
};


static enum scan_type guess_scan_type(const struct classic_entry *e)
{
	if (e->head.key.proto == PROTO_UDP)
		return SCAN_UDP;
	if (e->xmas * 2 > e->sum.count)
		return SCAN_XMAS;
	/* The original's rule: no SYN and no FIN means NULL. */
	if (!e->sum.syn && !e->sum.fin)
		return SCAN_NULL;
	return e->sum.fin > e->sum.syn ? SCAN_FIN : SCAN_SYN;
}

/* The shape so far (sketch.h); ALERT_KIND_COUNT while undecided. */
static enum alert_kind guess_kind(const struct classic_entry *e)
{
	if (e->repeats * 2 > e->sum.count)
		return ALERT_FLOOD;
	return scan_shape(sketch_count(&e->dst_sketch),
			  sketch_count(&e->port_sketch), 0);
}

static void fill_alert(const struct classic *c, const struct classic_entry *e,
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
	a->scan.port = e->majority_port;
	tally_read(c->tallies, &e->tally, &a->scan, &a->open);
	a->method = "classic";
	alert_set_iface(c->env->out, a, e->head.iface);
}

static void end_scan(struct classic *c, struct classic_entry *e)
{
	struct alert a;

	if (!e->head.reported)
		return;
	fill_alert(c, e, ALERT_SCAN_END, e->head.last_ts, &a);
	c->ended++;
	alert_emit(c->env->out, &a);
	e->head.reported = false;
	tally_release(c->tallies, &e->tally);
}

static void start_count(struct classic_entry *e, const struct pkt *p)
{
	struct source_key key = e->head.key;

	memset(e, 0, sizeof *e);
	e->head.key = key;
	e->sum.first_port = p->dport;
	e->sum.first_ts = p->ts_us;
	e->first_dst = p->dst;
}

static void count_probe(struct classic *c, struct classic_entry *e,
			const struct pkt_view *v)
{
	const struct pkt *p = v->p;

	if (e->sum.count > 0 && addr_equal(&p->dst, &e->prev_dst) &&
	    p->dport == e->prev_port) {
		if (!c->env->cfg->flood_detection)
			return;
		e->repeats++;
	}
	if (!addr_equal(&p->dst, &e->first_dst))
		e->sum.dst_multiple = true;
	e->sum.count++;
	e->sum.last_port = p->dport;
	e->sum.last_ts = p->ts_us;
	if (p->proto == PROTO_TCP) {
		e->sum.syn += (p->tcp_flags & TH_SYN) ? 1 : 0;
		e->sum.fin += (p->tcp_flags & TH_FIN) ? 1 : 0;
		e->xmas += v->probe == PROBE_XMAS;
	}
	if (e->majority_votes == 0) {
		e->majority_port = p->dport;
		e->majority_votes = 1;
	} else if (e->majority_port == p->dport) {
		e->majority_votes++;
	} else {
		e->majority_votes--;
	}
	sketch_add(&e->port_sketch, p->dport);
	sketch_add(&e->dst_sketch, addr_fold(&p->dst));
	tally_probe(c->tallies, &e->tally, &p->dst, p->dport);
	e->prev_dst = p->dst;
	e->prev_port = p->dport;
}

static void report_if_due(struct classic *c, struct classic_entry *e,
			  uint64_t ts)
{
	struct alert a;
	enum alert_kind kind;

	/* Answered contacts are connections, not probes: a busy client
	 * whose connections succeed never reaches the threshold. */
	if (e->head.reported ||
	    e->sum.count - e->answered < c->env->cfg->count_threshold)
		return;
	kind = guess_kind(e);
	if (kind == ALERT_KIND_COUNT)
		return;
	e->head.reported = true;
	e->sum.kind = kind;
	tally_attach(c->tallies, &e->tally,
		     tally_extra(&e->port_sketch, e->tally.nports,
				 e->sum.count),
		     tally_extra(&e->dst_sketch, e->tally.nhosts,
				 e->sum.count));
	fill_alert(c, e, kind, ts, &a);
	c->reported[a.kind]++;
	alert_emit(c->env->out, &a);
}

/* The destination of an earlier probe answered it. */
static void count_answer(struct classic *c, const struct pkt_view *v)
{
	const struct pkt *p = v->p;
	struct source_key key;
	struct classic_entry *e;

	source_key_make(&key, &p->dst, p->proto);
	e = table_find(c->sources, &key);
	if (e && e->answered < e->sum.count) {
		e->answered++;
		tally_open(c->tallies, &e->tally, p->sport);
	}
}

static void classic_packet(void *self, const struct pkt_view *v)
{
	struct classic *c = self;
	const struct pkt *p = v->p;
	struct source_key key;
	struct classic_entry *e;
	bool created;
	uint64_t gap;

	if (v->contact_answered)
		count_answer(c, v);
	if (!probe_is_classic(v->probe) || v->scan_ignored)
		return;
	source_key_make(&key, &p->src, p->proto);
	e = table_get_hinted(c->sources, &key, v->source_hint, &created);
	gap = us_since(p->ts_us, e->head.last_ts);
	if (created) {
		start_count(e, p);
		count_probe(c, e, v);
	} else if (gap <= CLASSIC_GAP_US) {
		count_probe(c, e, v);
	} else if (gap >= SCAN_EXPIRE_US) {
		end_scan(c, e);
		start_count(e, p);
		count_probe(c, e, v);
	}
	e->head.last_ts = p->ts_us;
	e->head.iface = p->iface;
	report_if_due(c, e, p->ts_us);
	table_set_level(c->sources, e, source_level(&e->head, e->sum.count));
}

/* Idle for SCAN_EXPIRE_US: the scan ends, the entry goes. */
static void expire_idle(void *entry, uint64_t now, void *arg)
{
	struct classic *c = arg;

	(void)now;
	end_scan(c, entry);
	table_remove(c->sources, entry);
}

static void classic_tick(void *self, uint64_t now_us)
{
	struct classic *c = self;

	sources_sweep_idle(c->sources, now_us, expire_idle, c);
}

static void end_each(void *entry, void *arg)
{
	end_scan(arg, entry);
}

static void classic_finish(void *self)
{
	struct classic *c = self;

	sources_each_reported(c->sources, end_each, c);
}

static void evict_entry(void *entry, void *arg)
{
	end_scan(arg, entry);
}

static void *classic_create(struct detect_env *env, char *err, size_t errlen)
{
	struct classic *c = calloc(1, sizeof *c);

	if (!c)
		goto nomem;
	c->env = env;
	c->sources = sources_new(env->cfg->source_table_size,
				 sizeof(struct classic_entry), 0, evict_entry, c,
				 &env->key);
	c->tallies = tally_pool_new(TALLY_POOL_SIZE);
	if (!c->sources || !c->tallies)
		goto nomem;
	return c;
nomem:
	if (c) {
		table_free(c->sources);
		tally_pool_free(c->tallies);
	}
	free(c);
	detect_table_error(env->cfg, "SourceTableSize",
			   env->cfg->source_table_size, "source table", err,
			   errlen);
	return NULL;
}

static void classic_stats(void *self, stat_fn put, void *arg)
{
	struct classic *c = self;

	table_put_stats(c->sources, "classic.sources", put, arg);
	put(arg, "classic.portscans", c->reported[ALERT_PORTSCAN]);
	put(arg, "classic.sweeps", c->reported[ALERT_SWEEP]);
	put(arg, "classic.floods", c->reported[ALERT_FLOOD]);
	put(arg, "classic.ended", c->ended);
	tally_put_stats(c->tallies, "classic", put, arg);
}

static uint32_t classic_probes(void *self, const struct ipaddr *src,
			       uint8_t proto)
{
	struct classic *c = self;
	const struct classic_entry *e = sources_find(c->sources, src, proto);

	return e && e->head.reported ? e->sum.count : 0;
}

static void classic_destroy(void *self)
{
	struct classic *c = self;

	table_free(c->sources);
	tally_pool_free(c->tallies);
	free(c);
}

static void classic_prefetch(const void *self, const struct pkt *p, bool entry,
			 struct table_hint *hint)
{
	sources_prefetch(((const struct classic *)self)->sources, p, entry, hint);
}

const struct detector detector_classic = {
	.name = "classic",
	.method = METHOD_CLASSIC,
	.create = classic_create,
	.packet = classic_packet,
	.prefetch = classic_prefetch,
	.tick = classic_tick,
	.finish = classic_finish,
	.stats = classic_stats,
	.probes = classic_probes,
	.destroy = classic_destroy,
};
