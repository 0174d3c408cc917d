/*
 * detect_distributed.c - distributed port scans, told per destination.
 *
 * Many sources, each probing a few ports of one host, so that no source
 * alone looks like much: the host's side of it is DISTRIBUTED_PORTS
 * distinct ports whose first contacts failed, from DISTRIBUTED_SOURCES
 * distinct sources, within DISTRIBUTED_WINDOW_US.  Two things look alike
 * and are not one:
 *  - a spoofed SYN flood: thousands of sources, but one port (or a few);
 *  - the internet's background noise on a public host: unrelated
 *    scanners, each after the same popular ports (22, 23, 80, 443, 3389
 *    again and again).  A distributed scan shares the ports out, each
 *    port tried about once: at most DISTRIBUTED_REPEAT_HALVES / 2 failed
 *    contacts per distinct port;
 *  - one scanner among a few others: a distributed scan has no leader,
 *    at most DISTRIBUTED_PER_SOURCE failed contacts per source on
 *    average (the scanner itself is reported on its own);
 *  - a scan of many hosts from many sources (a grid, spoofed or not):
 *    its sources reach other hosts too, where a distributed scan's are
 *    given this one.  Failed contacts of a source known to have probed
 *    other hosts are not counted, and of the first DISTRIBUTED_SAMPLE
 *    sources, most must still have probed no other host when judged.
 * Each of these shows only after a while (the sources of a grid have
 * probed one host each at first), so a destination that crosses the
 * thresholds is judged DISTRIBUTED_SETTLE_US later, with its counts as
 * they are then.
 * Fed by the decided first contacts (contact.h), as the walk is; memory
 * is a fixed table of destinations.
 */
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "params.h"
#include "sketch.h"
#include "table.h"

/* What every failed contact reads first, then what it may write; the
 * sample and the summary last (a spoofed flood at many hosts passes
 * through here on every probe). */
struct target_entry {
	struct source_head head;	/* key: the destination, proto */
	uint64_t window_start;
	uint64_t due;			/* judged then; 0: not waiting */
	uint32_t failures;		/* in the window */
	uint8_t nsample;
	bool roaming;			/* judged a grid in this window */
	struct sketch ports, sources;	/* of failed contacts in the window */
	struct ipaddr sample[DISTRIBUTED_SAMPLE];	/* first sources */
	struct scan_summary sum;	/* of the reported scan */
	struct ipaddr first_src;
};

/* The entries of the destinations failed at last, by a fold of the
 * address: a flood or a scan fails at few destinations, again and
 * again, and a hit spares the table's hash.  A miss (two destinations
 * folding alike, an entry gone) only costs the lookup it replaces. */
#define TARGET_RECENT 256

struct distributed {
	struct detect_env *env;
	struct table *targets;
	struct target_entry *recent[TARGET_RECENT];
	struct source_key pending[DISTRIBUTED_PENDING];	/* waiting */
	size_t npending;
	uint64_t reported;
};

static void report(struct distributed *d, struct target_entry *e,
		   uint64_t ts)
{
	struct alert a;

	e->head.reported = true;
	table_set_level(d->targets, e, SOURCE_LEVEL_REPORTED);
	memset(&a, 0, sizeof a);
	a.kind = ALERT_DISTRIBUTED;
	a.ts_us = ts;
	a.proto = e->head.key.proto;
	a.src = e->first_src;
	a.dst = e->head.key.src;
	a.scan = e->sum;
	a.scan.kind = ALERT_DISTRIBUTED;
	a.scan.scan_type = e->head.key.proto == PROTO_UDP ? SCAN_UDP :
			   e->head.key.proto == PROTO_SCTP ? SCAN_SCTP_INIT :
							     SCAN_SYN;
	a.scan.ports = sketch_count(&e->ports);
	a.scan.sources = sketch_count(&e->sources);
	a.scan.hosts = 1;
	a.method = "distributed";
	a.probes = e->failures;
	alert_set_iface(d->env->out, &a, e->head.iface);
	d->reported++;
	alert_emit(d->env->out, &a);
}

static bool is_distributed(const struct target_entry *e)
{
	unsigned ports = sketch_count(&e->ports);

	unsigned sources = sketch_count(&e->sources);

	return ports >= DISTRIBUTED_PORTS && sources >= DISTRIBUTED_SOURCES &&
	       (uint64_t)e->failures * 2 <=
		       (uint64_t)DISTRIBUTED_REPEAT_HALVES * ports &&
	       e->failures <= (uint64_t)DISTRIBUTED_PER_SOURCE * sources;
}

/* Most of the first sources probed other hosts too: a grid. */
static bool sources_roam(const struct distributed *d,
			 const struct target_entry *e)
{
	unsigned roaming = 0;

	for (unsigned i = 0; i < e->nsample; i++)
		roaming += d->env->many_hosts(d->env, &e->sample[i],
					      e->head.key.proto);
	return roaming * 2 > e->nsample;
}

static void sample_source(struct target_entry *e, const struct ipaddr *src)
{
	if (e->nsample == DISTRIBUTED_SAMPLE)
		return;
	for (unsigned i = 0; i < e->nsample; i++)
		if (addr_equal(&e->sample[i], src))
			return;
	if (e->nsample < DISTRIBUTED_SAMPLE)
		e->sample[e->nsample++] = *src;
}

static void count_failure(struct target_entry *e,
			  const struct contact_outcome *o)
{
	struct scan_summary *s = &e->sum;

	if (us_since(o->ts, e->window_start) >= DISTRIBUTED_WINDOW_US) {
		memset(&e->ports, 0, sizeof e->ports);
		memset(&e->sources, 0, sizeof e->sources);
		e->failures = 0;
		e->roaming = false;
		e->window_start = o->ts;
		if (!e->head.reported) {
			memset(s, 0, sizeof *s);
			e->first_src = o->src;
		}
	}
	e->failures++;
	sample_source(e, &o->src);
	sketch_add(&e->ports, o->dport);
	sketch_add(&e->sources, addr_fold(&o->src));
	if (s->count == 0) {
		s->first_port = o->dport;
		s->first_ts = o->ts;
		e->first_src = o->src;
	}
	s->count++;
	s->last_port = o->dport;
	s->last_ts = o->ts;
	s->dst_multiple = false;
	e->head.last_ts = o->ts;
	e->head.iface = o->iface;
}

static struct target_entry *target(struct distributed *d,
				   const struct source_key *key, bool *created)
{
	struct target_entry **at = &d->recent[(addr_fold(&key->src) ^
					       key->proto) % TARGET_RECENT];
	struct target_entry *e = *at;

	if (e && table_live(d->targets, e) &&
	    memcmp(&e->head.key, key, sizeof *key) == 0) {
		*created = false;
		return e;
	}
	e = table_get(d->targets, key, created);
	*at = e;
	return e;
}

static void distributed_outcome(void *self, const struct contact_outcome *o)
{
	struct distributed *d = self;
	struct source_key key;
	struct target_entry *e;
	bool created;

	if (o->result != CONTACT_FAILURE ||
	    conf_scan_ignored(d->env->cfg, o->proto == PROTO_UDP ? CONF_UDP :
			      CONF_TCP, &o->src, o->sport, &o->dst, o->dport))
		return;
	/* A source that has probed other hosts is not this one's: a
	 * distributed scan gives each source its target. */
	if (d->env->many_hosts(d->env, &o->src, o->proto))
		return;
	source_key_make(&key, &o->dst, o->proto);
	e = target(d, &key, &created);
	if (!created && us_since(o->ts, e->head.last_ts) >= SCAN_EXPIRE_US) {
		memset(e, 0, sizeof *e);
		e->head.key = key;
	}
	/* A grid's target: nothing more to learn in this window. */
	if (e->roaming && us_since(o->ts, e->window_start) <
			  DISTRIBUTED_WINDOW_US)
		return;
	count_failure(e, o);
	if (e->head.reported) {
		e->sum.ports = sketch_count(&e->ports);
		return;
	}
	table_set_level(d->targets, e,
			source_level(&e->head, sketch_count(&e->ports)));
	if (!e->due && d->npending < DISTRIBUTED_PENDING && is_distributed(e)) {
		e->due = o->ts + DISTRIBUTED_SETTLE_US;
		d->pending[d->npending++] = e->head.key;
	}
}

/* The destinations waiting whose time has come (all at the end). */
static void judge_pending(struct distributed *d, uint64_t now, bool all)
{
	size_t kept = 0;

	for (size_t i = 0; i < d->npending; i++) {
		struct target_entry *e = table_find(d->targets,
						    &d->pending[i]);

		if (!e || !e->due)
			continue;	/* gone meanwhile */
		if (!all && now < e->due) {
			d->pending[kept++] = d->pending[i];
			continue;
		}
		e->due = 0;
		if (e->head.reported || !is_distributed(e))
			continue;
		if (sources_roam(d, e))
			e->roaming = true;
		else
			report(d, e, all ? e->head.last_ts : now);
	}
	d->npending = kept;
}

static void expire_idle(void *entry, uint64_t now, void *arg)
{
	(void)now;
	table_remove(((struct distributed *)arg)->targets, entry);
}

static void distributed_tick(void *self, uint64_t now_us)
{
	struct distributed *d = self;

	judge_pending(d, now_us, false);
	sources_sweep_idle(d->targets, now_us, expire_idle, d);
}

static void distributed_finish(void *self)
{
	judge_pending(self, 0, true);
}

static void *distributed_create(struct detect_env *env, char *err,
				size_t errlen)
{
	struct distributed *d = calloc(1, sizeof *d);

	if (d) {
		d->env = env;
		/* Keyed by destination; a reported one is kept over the
		 * others, and goes without an end record. */
		d->targets = sources_new(DISTRIBUTED_TABLE_SIZE,
					 sizeof(struct target_entry), 0, NULL, d,
					 &env->key);
		if (d->targets)
			return d;
	}
	free(d);
	detect_table_error(env->cfg, "SourceTableSize",
			   DISTRIBUTED_TABLE_SIZE, "distributed scan table",
			   err, errlen);
	return NULL;
}

static void distributed_stats(void *self, stat_fn put, void *arg)
{
	struct distributed *d = self;

	table_put_stats(d->targets, "distributed.targets", put, arg);
	put(arg, "distributed.scans", d->reported);
}

static void distributed_destroy(void *self)
{
	struct distributed *d = self;

	table_free(d->targets);
	free(d);
}

const struct detector detector_distributed = {
	.name = "distributed",
	.method = METHOD_TRW,
	.create = distributed_create,
	.outcome = distributed_outcome,
	.tick = distributed_tick,
	.finish = distributed_finish,
	.stats = distributed_stats,
	.destroy = distributed_destroy,
};
