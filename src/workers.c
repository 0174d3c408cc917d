/*
 * workers.c - classification spread over several threads (workers.h).
 */
#include "workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "conf.h"
#include "detect.h"
#include "log.h"
#include "params.h"

/* Packets per slab: the threads meet once per slab, so a slab must be
 * long enough that meeting costs little next to classifying it, and
 * short enough that a live capture's packets are not held long. */
#define WORKER_SLAB 512
/* Slabs in flight: one being filled while the others are classified. */
#define WORKER_SLABS 4

/* A packet no worker classifies: ARP, IP without a transport decoded. */
#define NO_OWNER 0xff
_Static_assert(WORKERS_MAX < NO_OWNER, "a worker's index fits a byte");

/* Where, among one packet's steps, detection takes an outcome (the
 * order detect_packet takes them in). */
enum outcome_step {
	STEP_EXPIRED,			/* a deadline passed, before the clock */
	STEP_DURING,			/* decided by the packet, beyond what
					 * waits for it (DETECT_QUEUED_OUTCOMES) */
	STEP_AFTER,			/* decided by the packet, after it */
};

struct tagged_outcome {
	uint32_t at;			/* the packet's index in its slab */
	uint8_t step;			/* enum outcome_step */
	struct contact_outcome o;
};

/* A worker's outcomes for one slab, in the order it decided them.  It
 * grows to the most one slab ever needed, then stays. */
struct outcome_list {
	struct tagged_outcome *v;
	size_t n, cap;
};

enum slab_kind { SLAB_PACKETS, SLAB_ADVANCE, SLAB_FINISH };

struct slab {
	struct pkt pkts[WORKER_SLAB];
	struct pkt_view views[WORKER_SLAB];	/* written by the owner */
	uint8_t owner[WORKER_SLAB];		/* a worker, or NO_OWNER */
	size_t n;
	enum slab_kind kind;
	uint64_t advance_us;			/* SLAB_ADVANCE */
	const struct config *cfg;		/* in force for this slab */
	bool mark;				/* at_mark after it */
	uint64_t mark_us;
	struct outcome_list out[WORKERS_MAX];
	struct classify_counts counts[WORKERS_MAX];
	unsigned remaining;			/* workers still on it (mu) */
};

struct worker {
	struct workers *pool;
	unsigned index;
	pthread_t thread;
	bool started;
	struct classifier *cls;
	const struct config *cfg;	/* the one cls was given */
	/* While classifying: where an outcome goes, and which step. */
	struct outcome_list *out;
	uint32_t at;
	enum outcome_step step;
	unsigned decided;		/* by the current packet so far */
};

struct workers {
	struct detect *d;
	struct sipkey key;
	unsigned n;
	struct worker w[WORKERS_MAX];
	struct slab *slabs;		/* WORKER_SLABS of them */
	const struct config *cfg;	/* for the next slab */
	mark_fn at_mark;
	void *mark_arg;
	uint32_t seq;			/* pkt.seq of the next packet */
	/* Slabs handed to the workers so far, and detected so far; the one
	 * being filled is slabs[published % WORKER_SLABS]. */
	uint64_t published, detected;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	bool quit;
};

static struct slab *slab_at(struct workers *ws, uint64_t i)
{
	return &ws->slabs[i % WORKER_SLABS];
}

/* ---- the pair a packet belongs to ------------------------------------ */

/* The same worker both ways: the two addresses in a fixed order. */
static uint8_t owner_of(const struct workers *ws, const struct pkt *p)
{
	struct ipaddr pair[2];

	if (p->arp || p->ip_only)
		return NO_OWNER;
	if (memcmp(&p->src, &p->dst, sizeof p->src) < 0) {
		pair[0] = p->src;
		pair[1] = p->dst;
	} else {
		pair[0] = p->dst;
		pair[1] = p->src;
	}
	return (uint8_t)(siphash13(&ws->key, pair, sizeof pair) % ws->n);
}

/* ---- a worker --------------------------------------------------------- */

static void outcome_push(struct outcome_list *l, uint32_t at,
			 enum outcome_step step,
			 const struct contact_outcome *o)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 1024;
		struct tagged_outcome *v = realloc(l->v, cap * sizeof *v);

		/* Dropping one would make the events depend on N. */
		if (!v)
			fatalx("workers: out of memory for %zu outcomes", cap);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].at = at;
	l->v[l->n].step = (uint8_t)step;
	l->v[l->n].o = *o;
	l->n++;
}

/* contact_fn: what one table would deliver at once or queue, tagged. */
static void on_outcome(void *arg, const struct contact_outcome *o)
{
	struct worker *w = arg;
	enum outcome_step step = w->step;

	if (step != STEP_EXPIRED)
		step = w->decided++ < DETECT_QUEUED_OUTCOMES ? STEP_AFTER :
			STEP_DURING;
	outcome_push(w->out, w->at, step, o);
}

static void classify_packets(struct worker *w, struct slab *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct pkt *p = &s->pkts[i];

		w->at = (uint32_t)i;
		w->step = STEP_EXPIRED;
		/* Every packet moves the clock, whoever owns it: contacts
		 * time out at the packet they would with one table. */
		classifier_expire(w->cls, p->ts_us);
		if (s->owner[i] != w->index)
			continue;
		memset(&s->views[i], 0, sizeof s->views[i]);
		s->views[i].p = p;
		w->step = STEP_DURING;
		w->decided = 0;
		classifier_packet(w->cls, &s->views[i], NULL);
	}
}

static void classify_slab(struct worker *w, struct slab *s)
{
	w->out = &s->out[w->index];
	w->out->n = 0;
	if (s->cfg != w->cfg) {
		classifier_set_config(w->cls, s->cfg);
		w->cfg = s->cfg;
	}
	w->at = 0;
	w->step = STEP_EXPIRED;
	switch (s->kind) {
	case SLAB_PACKETS:
		classify_packets(w, s);
		break;
	case SLAB_ADVANCE:
		classifier_expire(w->cls, s->advance_us);
		break;
	case SLAB_FINISH:
		classifier_expire(w->cls, UINT64_MAX);
		break;
	}
	classifier_counts(w->cls, &s->counts[w->index]);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct workers *ws = w->pool;
	uint64_t next = 0;

	for (;;) {
		struct slab *s;

		pthread_mutex_lock(&ws->mu);
		while (next == ws->published && !ws->quit)
			pthread_cond_wait(&ws->work, &ws->mu);
		if (next == ws->published) {
			pthread_mutex_unlock(&ws->mu);
			return NULL;
		}
		s = slab_at(ws, next);
		pthread_mutex_unlock(&ws->mu);
		classify_slab(w, s);
		next++;
		pthread_mutex_lock(&ws->mu);
		if (--s->remaining == 0)
			pthread_cond_signal(&ws->done);
		pthread_mutex_unlock(&ws->mu);
	}
}

/* ---- detection, in capture order ------------------------------------- */

/* Each worker's next outcome not yet delivered. */
struct cursors {
	size_t k[WORKERS_MAX];
};

static const struct tagged_outcome *next_of(const struct slab *s,
					    const struct cursors *c,
					    unsigned w, uint32_t at,
					    enum outcome_step step)
{
	const struct outcome_list *l = &s->out[w];

	if (c->k[w] == l->n || l->v[c->k[w]].at != at ||
	    l->v[c->k[w]].step != step)
		return NULL;
	return &l->v[c->k[w]];
}

/* The deadlines passed before packet at, from every worker, in the
 * order their probes came (one table's order): a merge by seq. */
static void deliver_expired(struct workers *ws, const struct slab *s,
			    struct cursors *c, uint32_t at)
{
	for (;;) {
		const struct tagged_outcome *best = NULL;
		unsigned from = 0;

		for (unsigned w = 0; w < ws->n; w++) {
			const struct tagged_outcome *t =
				next_of(s, c, w, at, STEP_EXPIRED);

			/* seq wraps: compare the distance, not the value. */
			if (t && (!best || (int32_t)(t->o.seq - best->o.seq) < 0)) {
				best = t;
				from = w;
			}
		}
		if (!best)
			return;
		detect_outcome(ws->d, &best->o);
		c->k[from]++;
	}
}

/* The packet's own outcomes at step, from its owner. */
static void deliver_decided(struct workers *ws, const struct slab *s,
			    struct cursors *c, uint32_t at,
			    enum outcome_step step)
{
	const struct outcome_list *l;
	size_t k;

	if (s->owner[at] == NO_OWNER)
		return;
	l = &s->out[s->owner[at]];
	/* DURING and AFTER outcomes interleave in the list: the first
	 * DETECT_QUEUED_OUTCOMES were AFTER.  Deliver this step's, and move
	 * the cursor past the packet once AFTER is done. */
	for (k = c->k[s->owner[at]]; k < l->n && l->v[k].at == at; k++)
		if (l->v[k].step == step)
			detect_outcome(ws->d, &l->v[k].o);
	if (step == STEP_AFTER)
		c->k[s->owner[at]] = k;
}

static void detect_packets_of(struct workers *ws, struct slab *s)
{
	struct cursors c;

	memset(&c, 0, sizeof c);
	for (size_t i = 0; i < s->n; i++) {
		const struct pkt *p = &s->pkts[i];
		struct pkt_view bare = { .p = p };

		deliver_expired(ws, s, &c, (uint32_t)i);
		detect_time(ws->d, p->ts_us);
		deliver_decided(ws, s, &c, (uint32_t)i, STEP_DURING);
		detect_classified(ws->d, s->owner[i] == NO_OWNER ? &bare :
				  &s->views[i]);
		deliver_decided(ws, s, &c, (uint32_t)i, STEP_AFTER);
	}
}

static void detect_slab(struct workers *ws, struct slab *s)
{
	struct classify_counts sum;
	struct cursors c;

	switch (s->kind) {
	case SLAB_PACKETS:
		detect_packets_of(ws, s);
		break;
	case SLAB_ADVANCE:
		memset(&c, 0, sizeof c);
		deliver_expired(ws, s, &c, 0);
		detect_time(ws->d, s->advance_us);
		break;
	case SLAB_FINISH:
		memset(&c, 0, sizeof c);
		deliver_expired(ws, s, &c, 0);
		detect_finish_detectors(ws->d);
		break;
	}
	memset(&sum, 0, sizeof sum);
	for (unsigned w = 0; w < ws->n; w++)
		classify_counts_add(&sum, &s->counts[w]);
	detect_set_counts(ws->d, &sum);
	if (s->mark)
		ws->at_mark(ws->mark_arg, s->mark_us);
}

/* Wait for the oldest slab in flight to be classified, and detect it. */
static void detect_oldest(struct workers *ws)
{
	struct slab *s = slab_at(ws, ws->detected);

	pthread_mutex_lock(&ws->mu);
	while (s->remaining > 0)
		pthread_cond_wait(&ws->done, &ws->mu);
	pthread_mutex_unlock(&ws->mu);
	detect_slab(ws, s);
	ws->detected++;
}

/* ---- the reading thread's side ---------------------------------------- */

/* The slab being filled, made ready to take packets. */
static struct slab *filling(struct workers *ws)
{
	return slab_at(ws, ws->published);
}

static void publish(struct workers *ws)
{
	struct slab *s = filling(ws);

	s->cfg = ws->cfg;
	pthread_mutex_lock(&ws->mu);
	s->remaining = ws->n;
	ws->published++;
	pthread_cond_broadcast(&ws->work);
	pthread_mutex_unlock(&ws->mu);
	/* The next slab to fill must be free: detect the oldest. */
	if (ws->published - ws->detected == WORKER_SLABS)
		detect_oldest(ws);
	s = filling(ws);
	s->n = 0;
	s->kind = SLAB_PACKETS;
	s->mark = false;
}

void workers_batch(void *arg, const struct pkt *batch, size_t n)
{
	struct workers *ws = arg;

	for (size_t i = 0; i < n; i++) {
		struct slab *s = filling(ws);

		s->pkts[s->n] = batch[i];
		s->pkts[s->n].seq = ws->seq++;
		s->owner[s->n] = owner_of(ws, &batch[i]);
		if (++s->n == WORKER_SLAB)
			publish(ws);
	}
}

void workers_mark(struct workers *ws, uint64_t now_us)
{
	struct slab *s = filling(ws);

	s->mark = true;
	s->mark_us = now_us;
	publish(ws);
}

void workers_flush(struct workers *ws)
{
	if (filling(ws)->n > 0)
		publish(ws);
	while (ws->detected < ws->published)
		detect_oldest(ws);
}

/* A slab without packets: the clock, or the end. */
static void publish_step(struct workers *ws, enum slab_kind kind,
			 uint64_t now_us)
{
	struct slab *s;

	workers_flush(ws);
	s = filling(ws);
	s->kind = kind;
	s->advance_us = now_us;
	publish(ws);
	workers_flush(ws);
}

void workers_advance(struct workers *ws, uint64_t now_us)
{
	publish_step(ws, SLAB_ADVANCE, now_us);
}

void workers_finish(struct workers *ws)
{
	publish_step(ws, SLAB_FINISH, 0);
}

void workers_set_config(struct workers *ws, const struct config *cfg)
{
	ws->cfg = cfg;
}

/* ---- start and stop --------------------------------------------------- */

void workers_stop(struct workers *ws)
{
	if (!ws)
		return;
	pthread_mutex_lock(&ws->mu);
	ws->quit = true;
	pthread_cond_broadcast(&ws->work);
	pthread_mutex_unlock(&ws->mu);
	for (unsigned i = 0; i < ws->n; i++) {
		if (ws->w[i].started)
			pthread_join(ws->w[i].thread, NULL);
		classifier_free(ws->w[i].cls);
	}
	for (size_t s = 0; ws->slabs && s < WORKER_SLABS; s++)
		for (unsigned i = 0; i < ws->n; i++)
			free(ws->slabs[s].out[i].v);
	free(ws->slabs);
	pthread_cond_destroy(&ws->work);
	pthread_cond_destroy(&ws->done);
	pthread_mutex_destroy(&ws->mu);
	free(ws);
}

/* Each worker's share of the tables, so that their sum is the
 * configured size. */
static bool make_classifiers(struct workers *ws, const struct config *cfg,
			     char *err, size_t errlen)
{
	size_t share = cfg->flow_table_size / ws->n;

	for (unsigned i = 0; i < ws->n; i++) {
		struct worker *w = &ws->w[i];

		w->pool = ws;
		w->index = i;
		w->cfg = cfg;
		w->cls = classifier_new(cfg, share, &ws->key,
					detect_signatures(ws->d), on_outcome,
					w);
		if (!w->cls) {
			detect_table_error(cfg, "FlowTableSize",
					   cfg->flow_table_size,
					   "workers' flow and contact tables",
					   err, errlen);
			return false;
		}
	}
	return true;
}

static bool start_threads(struct workers *ws, char *err, size_t errlen)
{
	for (unsigned i = 0; i < ws->n; i++) {
		int rc = pthread_create(&ws->w[i].thread, NULL, worker_main,
					&ws->w[i]);

		if (rc != 0) {
			snprintf(err, errlen, "workers: cannot start thread "
				 "%u of %u: %s", i + 1, ws->n, strerror(rc));
			return false;
		}
		ws->w[i].started = true;
	}
	return true;
}

struct workers *workers_start(const struct config *cfg, unsigned n,
			      struct detect *d, mark_fn at_mark,
			      void *mark_arg, char *err, size_t errlen)
{
	struct workers *ws = calloc(1, sizeof *ws);

	if (!ws || n < 2 || n > WORKERS_MAX) {
		snprintf(err, errlen, ws ? "workers: %u: not from 2 to %d" :
			 "workers: out of memory", n, WORKERS_MAX);
		free(ws);
		return NULL;
	}
	pthread_mutex_init(&ws->mu, NULL);
	pthread_cond_init(&ws->work, NULL);
	pthread_cond_init(&ws->done, NULL);
	ws->d = d;
	ws->n = n;
	ws->at_mark = at_mark;
	ws->mark_arg = mark_arg;
	ws->cfg = cfg;
	ws->key = *detect_hash_key(d);
	ws->slabs = calloc(WORKER_SLABS, sizeof *ws->slabs);
	if (!ws->slabs) {
		snprintf(err, errlen, "workers: out of memory");
		workers_stop(ws);
		return NULL;
	}
	if (!make_classifiers(ws, cfg, err, errlen) ||
	    !start_threads(ws, err, errlen)) {
		workers_stop(ws);
		return NULL;
	}
	return ws;
}
