/*
 * detect.c - runs the detectors over each packet.
 *
 * Per packet (split transport headers already put back together by the
 * reassembly stage, pipeline.h): the classification stage (classify.h)
 * says what it is, here or in the workers (workers.h), then every
 * detector of the configured method gets it.  Outcomes decided by a
 * packet reach the detectors after the packet itself, so a detector has
 * counted a probe before it hears how the probe ended.
 */
#include "detect.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "sources.h"
#include "params.h"
#include "table.h"

static const struct detector *const detectors[] = {
	&detector_connlog,
	&detector_classic,
	&detector_trw,
	&detector_osfp,
	&detector_discovery,
	&detector_ipproto,
	&detector_distributed,
};
#define NDETECTORS (sizeof detectors / sizeof detectors[0])


/* The detectors a hook calls, in order (detectors[]' indices). */
struct hook_list {
	size_t n;
	uint8_t det[NDETECTORS];
};

struct detect {
	struct detect_env env;
	void *state[NDETECTORS];
	/* Which detectors each step of the packet path calls under the
	 * configuration in force (choose_hooks): decided once, not for
	 * every packet. */
	struct hook_list on_packet, on_network, on_outcome, on_prefetch;
	struct hook_list on_many_hosts;
	/* Classification, here; NULL when workers classify (workers.h). */
	struct classifier *cls;
	struct signatures sigs;
	char *sig_file;			/* the SignatureFile loaded, or NULL */
	bool in_packet;
	struct contact_outcome queued[DETECT_QUEUED_OUTCOMES];
	size_t nqueued;
	uint64_t next_tick_us;
	uint64_t packets;
	struct classify_counts worker_counts;	/* with workers: theirs */
};

static bool method_on(const struct detect *d, const struct detector *det)
{
	return det->method < 0 || det->method == d->env.cfg->detection_method;
}

static void hook_add(struct hook_list *h, size_t i)
{
	h->det[h->n++] = (uint8_t)i;
}

/* The detectors of the method in force, by what they read. */
static void choose_hooks(struct detect *d)
{
	d->on_packet.n = d->on_network.n = 0;
	d->on_outcome.n = d->on_prefetch.n = d->on_many_hosts.n = 0;
	for (size_t i = 0; i < NDETECTORS; i++) {
		const struct detector *det = detectors[i];

		if (!method_on(d, det))
			continue;
		if (det->packet)
			hook_add(&d->on_packet, i);
		if (det->packet && det->network_layer)
			hook_add(&d->on_network, i);
		if (det->outcome)
			hook_add(&d->on_outcome, i);
		if (det->prefetch)
			hook_add(&d->on_prefetch, i);
		if (det->many_hosts)
			hook_add(&d->on_many_hosts, i);
	}
}

/* ---- outcomes and ticks -------------------------------------------- */

static void deliver_outcome(struct detect *d, const struct contact_outcome *o)
{
	for (size_t k = 0; k < d->on_outcome.n; k++) {
		size_t i = d->on_outcome.det[k];

		detectors[i]->outcome(d->state[i], o);
	}
}

static void on_outcome(void *arg, const struct contact_outcome *o)
{
	struct detect *d = arg;

	if (d->in_packet && d->nqueued < DETECT_QUEUED_OUTCOMES)
		d->queued[d->nqueued++] = *o;
	else
		deliver_outcome(d, o);
}

/* The detectors' clock: a tick once per second of packet time. */
static void run_ticks(struct detect *d, uint64_t now)
{
	/* Captures may jump in time (or start at 1970): never run more than
	 * one tick per packet, and restart the clock on a jump backwards. */
	if (d->next_tick_us == 0 || now + 2000000 < d->next_tick_us)
		d->next_tick_us = now + 1000000;
	if (now < d->next_tick_us)
		return;
	d->next_tick_us = now + 1000000;
	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->tick)
			detectors[i]->tick(d->state[i], now);
}

/* Packet time moves to now: contacts whose time is up are decided (their
 * outcomes delivered at once), then the detectors' tick. */
static void advance(struct detect *d, uint64_t now)
{
	if (d->cls)
		classifier_expire(d->cls, now);
	run_ticks(d, now);
}

/* Every detector of the method, or (network_layer: ARP, and IP
 * datagrams of a protocol not decoded) those that read that layer. */
static void run_detectors(struct detect *d, const struct pkt_view *v,
			  bool network_layer)
{
	const struct hook_list *h = network_layer ? &d->on_network :
						    &d->on_packet;

	for (size_t k = 0; k < h->n; k++) {
		size_t i = h->det[k];

		detectors[i]->packet(d->state[i], v);
	}
}

static void deliver_queued(struct detect *d)
{
	for (size_t i = 0; i < d->nqueued; i++)
		deliver_outcome(d, &d->queued[i]);
	d->nqueued = 0;
}

/* What the prefetch learnt of a packet's keys (detect_batch). */
struct packet_hints {
	struct table_hint contact, source;
};

/* Outcomes the packet decides reach the detectors after it (queued), so
 * that a detector has counted a probe before it hears how it ended. */
static void process(struct detect *d, const struct pkt *p,
		    const struct packet_hints *h)
{
	struct pkt_view v;

	memset(&v, 0, sizeof v);
	v.p = p;
	v.source_hint = h ? &h->source : NULL;
	d->in_packet = true;
	classifier_packet(d->cls, &v, h ? &h->contact : NULL);
	d->in_packet = false;
	run_detectors(d, &v, false);
	deliver_queued(d);
}

/* The protocols classification and the detectors read. */
static bool transport_known(const struct pkt *p)
{
	return p->proto == PROTO_TCP || p->proto == PROTO_UDP ||
	       p->proto == PROTO_SCTP || p->proto == PROTO_ICMP ||
	       p->proto == PROTO_ICMPV6;
}

static void packet_hinted(struct detect *d, const struct pkt *p,
			  const struct packet_hints *h)
{
	d->packets++;
	advance(d, p->ts_us);
	if (p->arp || p->ip_only) {
		struct pkt_view v = { .p = p };

		run_detectors(d, &v, true);
		return;
	}
	/* A fragment that completed no header: its time only (pipeline.h).
	 * Before the protocol test: an IPv6 later fragment names the header
	 * that follows its Fragment header, not the transport. */
	if (p->fragment)
		return;
	if (!transport_known(p))
		return;
	process(d, p, h);
}

void detect_packet(struct detect *d, const struct pkt *p)
{
	packet_hinted(d, p, NULL);
}

/* Packets ahead whose table lines are fetched: enough to cover a memory
 * read at a few hundred nanoseconds per packet, few enough that the
 * lines are still in the cache when their turn comes. */
#define PREFETCH_AHEAD 8

/* Only for packets that may open new state: floods and scans are made of
 * them, and they are what reaches all over the tables.  The rest of the
 * traffic (answers, connections) meets entries recently touched. */
static void prefetch(const struct detect *d, const struct pkt *p,
		     bool entry, struct packet_hints *h)
{
	if (!classifier_may_open(d->cls, p))
		return;
	if (d->cls)
		classifier_prefetch(d->cls, p, entry, &h->contact);
	detect_prefetch_source(d, p, entry, &h->source);
}

void detect_prefetch_source(const struct detect *d, const struct pkt *p,
			    bool entry, struct table_hint *hint)
{
	for (size_t k = 0; k < d->on_prefetch.n; k++) {
		size_t i = d->on_prefetch.det[k];

		detectors[i]->prefetch(d->state[i], p, entry, hint);
	}
}

/* Packets in flight between their first prefetch and their turn. */
#define HINT_RING 32
_Static_assert(HINT_RING > 2 * PREFETCH_AHEAD, "a hint outlives its packet");

/* Two steps ahead: buckets for packet i + 2 * PREFETCH_AHEAD, then,
 * with its bucket in the cache, the entry for packet i + PREFETCH_AHEAD;
 * each packet's keys are hashed once, at the first step. */
void detect_batch(struct detect *d, const struct pkt *p, size_t n)
{
	struct packet_hints ring[HINT_RING];

	for (size_t i = 0; i < n + 2 * PREFETCH_AHEAD; i++) {
		size_t mid = i - PREFETCH_AHEAD, now = i - 2 * PREFETCH_AHEAD;

		if (i < n) {
			ring[i % HINT_RING].contact.len = 0;
			ring[i % HINT_RING].source.len = 0;
			prefetch(d, &p[i], false, &ring[i % HINT_RING]);
		}
		if (i >= PREFETCH_AHEAD && mid < n)
			prefetch(d, &p[mid], true, &ring[mid % HINT_RING]);
		if (i >= 2 * PREFETCH_AHEAD && now < n)
			packet_hinted(d, &p[now], &ring[now % HINT_RING]);
	}
}

/* ---- set-up -------------------------------------------------------- */

/* sig_text: the SignatureFile's text, already read; NULL: read the file
 * (at start-up, before the sandbox) or take the built-in table. */
static bool load_signatures(struct detect *d, const struct config *cfg,
			    const char *sig_text, char *err, size_t errlen)
{
	struct signatures *sigs = malloc(sizeof *sigs);
	bool ok;

	if (!sigs) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	if (cfg->signature_file && sig_text)
		ok = signatures_parse(cfg->signature_file, sig_text, sigs, err,
				      errlen);
	else if (cfg->signature_file)
		ok = signatures_load(cfg->signature_file, sigs, err, errlen);
	else
		ok = signatures_builtin(sigs, err, errlen);
	if (ok) {
		d->sigs = *sigs;
		free(d->sig_file);
		d->sig_file = cfg->signature_file ?
			      strdup(cfg->signature_file) : NULL;
	}
	free(sigs);
	return ok;
}

/* classify: the classification stage too (no workers). */
static bool make_tables(struct detect *d, const struct config *cfg,
			bool classify, char *err, size_t errlen)
{
	if (classify) {
		d->cls = classifier_new(cfg, cfg->flow_table_size, &d->env.key,
					&d->sigs, on_outcome, d);
		if (!d->cls) {
			detect_table_error(cfg, "FlowTableSize",
					   cfg->flow_table_size,
					   "flow and contact tables", err,
					   errlen);
			return false;
		}
	}
	return true;
}

/* The AlertLimit ranks held scan alerts by their scans as they are now. */
static bool any_many_hosts(const struct detect_env *env,
			   const struct ipaddr *src, uint8_t proto)
{
	const struct detect *d = env->detect;

	for (size_t k = 0; k < d->on_many_hosts.n; k++) {
		size_t i = d->on_many_hosts.det[k];

		if (d->state[i] &&
		    detectors[i]->many_hosts(d->state[i], src, proto))
			return true;
	}
	return false;
}

static uint32_t probes_now(void *arg, const struct alert *a)
{
	struct detect *d = arg;
	uint32_t most = 0;

	for (size_t i = 0; i < NDETECTORS; i++) {
		uint32_t n;

		if (!detectors[i]->probes || !method_on(d, detectors[i]))
			continue;
		n = detectors[i]->probes(d->state[i], &a->src, a->proto);
		if (n > most)
			most = n;
	}
	return most;
}

static struct detect *detect_make(const struct config *cfg,
				  struct alert_router *out, bool classify,
				  char *err, size_t errlen)
{
	struct detect *d = calloc(1, sizeof *d);

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->env.cfg = cfg;
	choose_hooks(d);
	d->env.out = out;
	d->env.many_hosts = any_many_hosts;
	d->env.detect = d;
	d->env.sigs = &d->sigs;
	if (sipkey_for_run(&d->env.key, cfg->hash_key_fixed,
			   &cfg->hash_key) != 0) {
		snprintf(err, errlen, "no random bytes for the hash key");
		free(d);
		return NULL;
	}
	if (!load_signatures(d, cfg, NULL, err, errlen) ||
	    !make_tables(d, cfg, classify, err, errlen)) {
		detect_free(d);
		return NULL;
	}
	for (size_t i = 0; i < NDETECTORS; i++) {
		d->state[i] = detectors[i]->create(&d->env, err, errlen);
		if (!d->state[i]) {
			detect_free(d);
			return NULL;
		}
	}
	out->limit.probes_now = probes_now;
	out->limit.probes_arg = d;
	return d;
}

struct detect *detect_new(const struct config *cfg, struct alert_router *out,
			  char *err, size_t errlen)
{
	return detect_make(cfg, out, true, err, errlen);
}

struct detect *detect_new_unclassified(const struct config *cfg,
				       struct alert_router *out, char *err,
				       size_t errlen)
{
	return detect_make(cfg, out, false, err, errlen);
}

void detect_advance(struct detect *d, uint64_t now_us)
{
	advance(d, now_us);
}

/* ---- with workers: they classify, detection runs here ---------------- */

void detect_time(struct detect *d, uint64_t now_us)
{
	run_ticks(d, now_us);
}

void detect_outcome(struct detect *d, const struct contact_outcome *o)
{
	deliver_outcome(d, o);
}

void detect_classified(struct detect *d, const struct pkt_view *v)
{
	d->packets++;
	if (v->p->arp || v->p->ip_only)
		run_detectors(d, v, true);
	else if (!v->p->fragment && transport_known(v->p))
		run_detectors(d, v, false);
}

static bool same_path(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

void detect_table_error(const struct config *cfg, const char *option,
			unsigned slots, const char *what, char *err,
			size_t errlen)
{
	char where[PATH_MAX + 64];

	snprintf(err, errlen, "%s: cannot allocate the %s (%u slots): out of "
		 "memory", conf_where(cfg, option, where, sizeof where), what,
		 slots);
}

bool detect_set_config(struct detect *d, const struct config *cfg,
		       const char *sig_text, char *err, size_t errlen)
{
	/* A file's text is parsed again: it may have changed on disk. */
	if ((sig_text || !same_path(cfg->signature_file, d->sig_file)) &&
	    !load_signatures(d, cfg, sig_text, err, errlen))
		return false;
	d->env.cfg = cfg;
	choose_hooks(d);
	if (d->cls)
		classifier_set_config(d->cls, cfg);
	return true;
}

void detect_finish(struct detect *d)
{
	/* As in a live run whose traffic stops: every contact still waiting
	 * for an answer fails at its deadline. */
	if (d->cls)
		classifier_expire(d->cls, UINT64_MAX);
	detect_finish_detectors(d);
}

void detect_finish_detectors(struct detect *d)
{
	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->finish)
			detectors[i]->finish(d->state[i]);
}

const struct signatures *detect_signatures(const struct detect *d)
{
	return &d->sigs;
}

const struct sipkey *detect_hash_key(const struct detect *d)
{
	return &d->env.key;
}

void detect_set_counts(struct detect *d, const struct classify_counts *c)
{
	d->worker_counts = *c;
}

void detect_stats(struct detect *d, stat_fn put, void *arg)
{
	struct classify_counts cc;

	put(arg, "detect.packets", d->packets);
	if (d->cls)
		classifier_counts(d->cls, &cc);
	else
		cc = d->worker_counts;
	classify_counts_put(&cc, put, arg);
	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->stats)
			detectors[i]->stats(d->state[i], put, arg);
}

void detect_free(struct detect *d)
{
	if (!d)
		return;
	/* The router may outlive the stage: no calls into freed tables. */
	if (d->env.out && d->env.out->limit.probes_arg == d) {
		d->env.out->limit.probes_now = NULL;
		d->env.out->limit.probes_arg = NULL;
	}
	for (size_t i = 0; i < NDETECTORS; i++)
		if (d->state[i])
			detectors[i]->destroy(d->state[i]);
	classifier_free(d->cls);
	free(d->sig_file);
	free(d);
}
