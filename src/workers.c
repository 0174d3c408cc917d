/*
 * workers.c - classification spread over several threads (workers.h).
 */
#include "workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <time.h>

#include "classify.h"
#include "conf.h"
#include "detect.h"
#include "log.h"
#include "params.h"
#include "pipeline.h"
#include "capture.h"
#include "frag.h"
#include "util.h"

/* Packets per slab: the threads meet once per slab, so a slab must be
 * long enough that meeting costs little next to classifying it (a
 * thread woken on a virtual machine may wait tens of microseconds: -w 2
 * read (a) of make bench in 0.87 of the time with 2048 as with 512, 4
 * slabs each).  A live lane hands over what each read gave it, full or
 * not, so its packets are not held for the slab to fill. */
#define WORKER_SLAB 2048
_Static_assert(WORKER_SLAB <= 65536, "a packet's index in its slab fits 16 bits");
/* Slabs in flight: one being filled while the others are classified
 * or detected. */
#define WORKER_SLABS 4

/* A packet no worker classifies (owner_of). */
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
/* One worker's: on a cache line of its own, as each worker appends to
 * its list at every outcome while the others append to theirs. */
struct outcome_list {
	_Alignas(64) struct tagged_outcome *v;
	size_t n, cap;
};

enum slab_kind { SLAB_PACKETS, SLAB_ADVANCE, SLAB_FINISH };

struct slab {
	/* Every worker reads every packet's time, and only that: apart, in
	 * 64 lines instead of one line of each packet. */
	uint64_t ts[WORKER_SLAB];
	struct pkt pkts[WORKER_SLAB];
	/* Written by the packet's owner, a line each: neighbours are
	 * other workers' packets as often as not. */
	struct view_line {
		_Alignas(64) struct pkt_view v;
	} views[WORKER_SLAB];
	uint8_t owner[WORKER_SLAB];		/* a worker, or NO_OWNER */
	/* The packets that may open state (classifier_may_open), in order:
	 * those whose table lines are fetched ahead.  Found once, by the
	 * reader, which has each packet at hand, rather than by every
	 * thread reading all the slab's packets from another core. */
	uint16_t opens[WORKER_SLAB];
	size_t n, nopens;
	enum slab_kind kind;
	uint64_t advance_us;			/* SLAB_ADVANCE */
	const struct config *cfg;		/* in force for this slab */
	bool mark;				/* at_mark after it */
	uint64_t mark_us;
	/* Live, a lane's slab: the lane's clock moved on without packets
	 * (its outcomes then are at index n); 0: it did not. */
	uint64_t idle_us;
	struct outcome_list out[WORKERS_MAX];
	struct classify_counts counts[WORKERS_MAX];
	unsigned remaining;			/* workers still on it (mu) */
};

/* Fetch ahead: the table lines of packet idx[j + 2 * AHEAD]'s bucket and
 * of idx[j + AHEAD]'s entry while packet idx[j] is handled (as
 * detect_batch does), for the packets that may open state. */
#define AHEAD 8

struct lookahead {
	uint16_t idx[WORKER_SLAB];	/* the packets fetched for */
	size_t n, done;
	struct table_hint hint[WORKER_SLAB];	/* by slab index */
};

typedef void (*fetch_fn)(void *arg, size_t i, bool entry,
			 struct table_hint *hint);

/* Before packet i is handled: fetch for the packets AHEAD after it. */
static void lookahead_step(struct lookahead *la, size_t i, fetch_fn fetch,
			   void *arg)
{
	if (la->done == la->n || la->idx[la->done] != i)
		return;
	if (la->done == 0) {		/* the first ones: both steps now */
		for (size_t j = 0; j < la->n && j < 2 * AHEAD; j++)
			fetch(arg, la->idx[j], false, &la->hint[la->idx[j]]);
		for (size_t j = 0; j < la->n && j < AHEAD; j++)
			fetch(arg, la->idx[j], true, &la->hint[la->idx[j]]);
	}
	if (la->done + 2 * AHEAD < la->n) {
		size_t k = la->idx[la->done + 2 * AHEAD];

		fetch(arg, k, false, &la->hint[k]);
	}
	if (la->done + AHEAD < la->n) {
		size_t k = la->idx[la->done + AHEAD];

		fetch(arg, k, true, &la->hint[k]);
	}
	la->done++;
}

static void lookahead_add(struct lookahead *la, size_t i)
{
	la->hint[i].len = 0;
	la->idx[la->n++] = (uint16_t)i;
}

/*
 * Live (workers_start_live): each worker reads its own sockets of a
 * PACKET_FANOUT group (capture_join_fanout: the kernel sends it whole
 * pairs of hosts), decodes, reassembles and classifies what it reads,
 * and hands its packets, in the order read, to the detecting thread in
 * its own ring of slabs.  The detecting thread (the caller's) merges the
 * lanes by packet time: it takes the earliest packet waiting, once
 * every other lane either has a packet waiting or has said that nothing
 * older will come (its watermark: the time it last found its sockets
 * empty, less CAPTURE_LATE_US for packets the kernel still holds in a
 * block, params.h).
 */
#define LANE_SLABS 4
#define LANE_POLL_MS 100

/* What a lane last said of itself, for the statistics. */
struct lane_report {
	struct pipeline_counts counts;
	struct frag_stats frags;
	struct capture_stats caps[MAX_INTERFACES];
};

struct lane {
	/* On lines of its own (zalloc_own_lines), apart from the next
	 * lane's: its thread writes here at every packet. */
	_Alignas(64) struct capture *caps[MAX_INTERFACES];
	size_t ncaps;
	bool named;				/* pkt.iface = 1 + index */
	struct pipeline pipe;			/* decode, reassemble */
	struct slab *slabs;			/* LANE_SLABS */
	/* Under mu: slabs published and taken, the watermark, whether it
	 * is paused, and its report. */
	uint64_t filled, taken;
	uint64_t watermark_us;
	bool paused;
	struct lane_report report;
	char error[256];			/* a capture failed */
	/* The detecting thread's place in the lane's oldest slab: on a
	 * line of its own, written at every packet by that thread. */
	_Alignas(64) size_t next;
	size_t k;
	bool idle_done;
	struct classify_counts counts;		/* as of its last slab */
};

/* Each on cache lines of its own: a worker writes its fields at every
 * packet, and another core's writes to the same line would take the
 * line away from it each time. */
struct worker {
	_Alignas(64) struct workers *pool;
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
	struct lookahead la;
	uint64_t cpu_us;		/* its thread's, after its last slab;
					 * worker 0 reading a file: both
					 * threads' that classified for it */
	uint64_t packets;		/* classified: how even the spread is */
	struct lane *lane;		/* live: its own sockets; else NULL */
};

struct workers {
	struct detect *d;
	struct sipkey key;
	unsigned n;			/* workers: shares of the pairs */
	unsigned threads;		/* reading a file: n + 1 */
	/* Reading a file, the pairs are dealt in ways (n rounded up to a
	 * power of two) and the first doubled workers take two ways each,
	 * with tables twice the size: together exactly FlowTableSize
	 * (whole_shares).  Live: n ways, one each. */
	unsigned ways, doubled;
	struct worker w[WORKERS_MAX];
	struct slab *slabs;		/* WORKER_SLABS of them */
	const struct config *cfg;	/* for the next slab */
	mark_fn at_mark;
	void *mark_arg;
	struct lookahead la;		/* detection's */
	uint64_t detect_cpu_us;		/* the detection thread's */
	uint64_t nslabs;		/* detected so far */
	uint32_t seq;			/* pkt.seq of the next packet */
	/* Slabs handed to the workers so far, and detected so far; the one
	 * being filled is slabs[published % WORKER_SLABS]. */
	uint64_t published, detected;
	/* Reading a file, worker 0's share of each slab is classified by
	 * the reading thread or by the detection thread (take_share0), in
	 * slab order: the next slab whose share is to be taken, whether one
	 * is being classified now, and the CPU time each thread spent on it
	 * (under mu). */
	uint64_t share0_next;
	bool share0_busy;
	uint64_t share0_reader_us, share0_detect_us;
	pthread_mutex_t mu;
	pthread_cond_t work;		/* to workers: a slab published */
	pthread_cond_t done;		/* to detection: a slab classified */
	pthread_cond_t freed;		/* to the reader: a slab detected */
	pthread_t detection;
	bool detection_started;
	bool quit;
	/* Live: the lanes (NULL otherwise); pause asks them to stop
	 * reading (a reload), wake is written when a lane publishes. */
	struct lane *lanes;
	bool pause;
	int wake_fd;
};

static struct slab *slab_at(struct workers *ws, uint64_t i)
{
	return &ws->slabs[i % WORKER_SLABS];
}

/* ---- the pair a packet belongs to ------------------------------------ */

/* Every bit of x moves every bit of the result (MurmurHash3's finaliser):
 * an address's varying bytes may be anywhere in it. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* An address folded to 64 bits. */
static uint64_t fold(const struct ipaddr *a)
{
	uint64_t hi, lo;

	memcpy(&hi, a->b, 8);
	memcpy(&lo, a->b + 8, 8);
	return hi ^ lo;
}

/* The same worker both ways: the two addresses added (the order does
 * not matter), then mixed with the run's key, so that nobody outside
 * can aim pairs at one worker.  An ICMP error is about the datagram it
 * quotes (a router may send it): it belongs to that datagram's pair,
 * whose contact it decides. */
static uint8_t owner_of(const struct workers *ws, const struct pkt *p)
{
	const struct ipaddr *a = &p->src, *b = &p->dst;
	unsigned way;
	uint64_t x;

	/* Nothing to classify: ARP, IP without its transport decoded, and a
	 * fragment that completed no header (pipeline.h: its time only). */
	if (p->arp || p->ip_only || p->fragment)
		return NO_OWNER;
	if (ws->n == 1)			/* one share: no need to hash */
		return 0;
	if ((p->proto == PROTO_ICMP || p->proto == PROTO_ICMPV6) &&
	    p->quoted.valid) {
		a = &p->quoted.src;
		b = &p->quoted.dst;
	}
	x = mix64((fold(a) + fold(b)) ^ ws->key.k0) ^ ws->key.k1;
	way = (unsigned)(mix64(x) % ws->ways);
	return (uint8_t)(way < 2 * ws->doubled ? way / 2 : way - ws->doubled);
}

/* ---- a worker --------------------------------------------------------- */

/* CPU time of the calling thread: what limits the scaling shows in it. */
static uint64_t thread_cpu_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

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

/* Contacts whose time is up before packet i of the slab. */
static void expire_at(struct worker *w, size_t i, uint64_t now_us)
{
	w->at = (uint32_t)i;
	w->step = STEP_EXPIRED;
	classifier_expire(w->cls, now_us);
}

/* Classify packet i of slab s into its view; contact: the hint. */
static void classify_at(struct worker *w, struct slab *s, size_t i,
			const struct table_hint *contact)
{
	w->packets++;
	memset(&s->views[i].v, 0, sizeof s->views[i].v);
	s->views[i].v.p = &s->pkts[i];
	w->step = STEP_DURING;
	w->decided = 0;
	classifier_packet(w->cls, &s->views[i].v, contact);
}

struct worker_fetch {
	struct worker *w;
	const struct slab *s;
};

static void fetch_contact(void *arg, size_t i, bool entry,
			  struct table_hint *hint)
{
	struct worker_fetch *f = arg;

	classifier_prefetch(f->w->cls, &f->s->pkts[i], entry, hint);
}

static void classify_packets(struct worker *w, struct slab *s)
{
	struct lookahead *la = &w->la;
	struct worker_fetch f = { w, s };

	la->n = la->done = 0;
	for (size_t k = 0; k < s->nopens; k++)
		if (s->owner[s->opens[k]] == w->index)
			lookahead_add(la, s->opens[k]);
	for (size_t i = 0; i < s->n; i++) {
		bool fetched = la->done < la->n && la->idx[la->done] == i;

		/* Every packet moves the clock, whoever owns it: contacts
		 * time out at the packet they would with one table. */
		expire_at(w, i, s->ts[i]);
		if (s->owner[i] != w->index)
			continue;
		lookahead_step(la, i, fetch_contact, &f);
		classify_at(w, s, i, fetched ? &la->hint[i] : NULL);
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
	switch (s->kind) {
	case SLAB_PACKETS:
		classify_packets(w, s);
		break;
	case SLAB_ADVANCE:
		expire_at(w, 0, s->advance_us);
		break;
	case SLAB_FINISH:
		expire_at(w, 0, UINT64_MAX);
		break;
	}
	classifier_counts(w->cls, &s->counts[w->index]);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct workers *ws = w->pool;
	uint64_t next = 0, cpu_us;

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
		cpu_us = thread_cpu_us();
		pthread_mutex_lock(&ws->mu);
		w->cpu_us = cpu_us;	/* the statistics read it under mu */
		if (--s->remaining == 0)
			pthread_cond_signal(&ws->done);	/* to detection */
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

/* Deliver the outcomes of list o at packet at and step, from cursor *k:
 * those before the clock (STEP_EXPIRED) come first in the list; after
 * them the packet's own, DURING and AFTER interleaved (the first
 * DETECT_QUEUED_OUTCOMES were AFTER).  The cursor moves past a step
 * once nothing later in the packet's outcomes is still to come. */
static void deliver_step(struct workers *ws, const struct outcome_list *o,
			 size_t *k, uint32_t at, enum outcome_step step)
{
	size_t i = *k;

	if (step == STEP_EXPIRED) {
		for (; i < o->n && o->v[i].at == at &&
		       o->v[i].step == STEP_EXPIRED; i++)
			detect_outcome(ws->d, &o->v[i].o);
		*k = i;
		return;
	}
	for (; i < o->n && o->v[i].at == at; i++)
		if (o->v[i].step == step)
			detect_outcome(ws->d, &o->v[i].o);
	if (step == STEP_AFTER)
		*k = i;
}

/* The packet's own outcomes at step, from its owner. */
static void deliver_decided(struct workers *ws, const struct slab *s,
			    struct cursors *c, uint32_t at,
			    enum outcome_step step)
{
	unsigned w = s->owner[at];

	if (w != NO_OWNER)
		deliver_step(ws, &s->out[w], &c->k[w], at, step);
}

struct detect_fetch {
	struct workers *ws;
	const struct slab *s;
};

static void fetch_source(void *arg, size_t i, bool entry,
			 struct table_hint *hint)
{
	struct detect_fetch *f = arg;

	detect_prefetch_source(f->ws->d, &f->s->pkts[i], entry, hint);
}

static void detect_packets_of(struct workers *ws, struct slab *s)
{
	struct lookahead *la = &ws->la;
	struct detect_fetch f = { ws, s };
	struct cursors c;

	memset(&c, 0, sizeof c);
	la->n = la->done = 0;
	for (size_t k = 0; k < s->nopens; k++)
		lookahead_add(la, s->opens[k]);
	for (size_t i = 0; i < s->n; i++) {
		const struct pkt *p = &s->pkts[i];
		struct pkt_view bare = { .p = p };
		bool fetched = la->done < la->n && la->idx[la->done] == i;

		lookahead_step(la, i, fetch_source, &f);
		if (fetched)
			s->views[i].v.source_hint = &la->hint[i];
		deliver_expired(ws, s, &c, (uint32_t)i);
		detect_time(ws->d, s->ts[i]);
		deliver_decided(ws, s, &c, (uint32_t)i, STEP_DURING);
		detect_classified(ws->d, s->owner[i] == NO_OWNER ? &bare :
				  &s->views[i].v);
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

/*
 * Reading a file, worker 0's share of a slab is classified by the
 * reading thread or by the detection thread, whichever has time for it,
 * so that neither waits while the other has work that either could do:
 * detection takes the share of the slab it has come to if nobody has
 * (it would wait for it otherwise); the reader takes it when detection
 * has another slab ready besides the one it is on, or when the reader
 * would wait for a free slab anyway.  On make bench's input (b), where
 * reading is the slower side, detection ends up classifying nearly
 * everything; on (a), where detecting is, the reader.  One share's slabs
 * are classified in order, one at a time.
 *
 * Under mu (released while classifying): classify worker 0's share of
 * the next slab, if it is one of those before upto and nobody is at it;
 * false if not.
 */
static bool take_share0(struct workers *ws, uint64_t upto, bool detection)
{
	struct worker *w0 = &ws->w[0];
	struct slab *s;
	uint64_t t0, used;

	if (ws->share0_busy || ws->share0_next >= upto)
		return false;
	s = slab_at(ws, ws->share0_next++);
	ws->share0_busy = true;
	pthread_mutex_unlock(&ws->mu);
	t0 = thread_cpu_us();
	classify_slab(w0, s);
	used = thread_cpu_us() - t0;
	pthread_mutex_lock(&ws->mu);
	ws->share0_busy = false;
	w0->cpu_us += used;
	if (detection) {
		ws->share0_detect_us += used;
		/* The reader, waiting for a free slab, may take the next. */
		pthread_cond_signal(&ws->freed);
	} else {
		ws->share0_reader_us += used;
	}
	if (--s->remaining == 0)
		pthread_cond_signal(&ws->done);		/* to detection */
	return true;
}

/* The detection thread: each slab, once classified, in order. */
static void *detection_main(void *arg)
{
	struct workers *ws = arg;

	for (;;) {
		struct slab *s;

		pthread_mutex_lock(&ws->mu);
		while (!ws->quit) {
			if (ws->detected < ws->published) {
				if (slab_at(ws, ws->detected)->remaining == 0)
					break;
				if (take_share0(ws, ws->detected + 1, true))
					continue;
			}
			pthread_cond_wait(&ws->done, &ws->mu);
		}
		if (ws->quit) {
			pthread_mutex_unlock(&ws->mu);
			return NULL;
		}
		s = slab_at(ws, ws->detected);
		pthread_mutex_unlock(&ws->mu);
		detect_slab(ws, s);
		pthread_mutex_lock(&ws->mu);
		ws->detect_cpu_us = thread_cpu_us();
		ws->nslabs++;
		ws->detected++;
		pthread_cond_signal(&ws->freed);
		pthread_mutex_unlock(&ws->mu);
	}
}

/* ---- the reading thread's side ---------------------------------------- */

/* The slab being filled, made ready to take packets. */
static struct slab *filling(struct workers *ws)
{
	return slab_at(ws, ws->published);
}

/* The reading thread classifies worker 0's share of the next slab whose
 * share is still to take if detection has gap slabs or more before it
 * (gap 1: detection is not at that slab and will not wait for it at
 * once; take_share0). */
static bool reader_takes_share0(struct workers *ws, uint64_t gap)
{
	return ws->share0_next >= ws->detected + gap &&
	       take_share0(ws, ws->published, false);
}

/* Hand the slab over: worker 0's share to whichever thread has time for
 * it (take_share0), the other shares to their threads. */
static void publish(struct workers *ws)
{
	struct slab *s = filling(ws);

	s->cfg = ws->cfg;
	pthread_mutex_lock(&ws->mu);
	s->remaining = ws->n;
	ws->published++;
	if (ws->n > 1)
		pthread_cond_broadcast(&ws->work);
	pthread_cond_signal(&ws->done);		/* detection may take it */
	while (reader_takes_share0(ws, 2))
		;
	/* The next slab to fill must be free: detected. */
	while (ws->published - ws->detected == WORKER_SLABS)
		if (!reader_takes_share0(ws, 1))
			pthread_cond_wait(&ws->freed, &ws->mu);
	pthread_mutex_unlock(&ws->mu);
	s = filling(ws);
	s->n = s->nopens = 0;
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
		s->ts[s->n] = batch[i].ts_us;
		s->owner[s->n] = owner_of(ws, &batch[i]);
		if (s->owner[s->n] != NO_OWNER &&
		    classifier_may_open(NULL, &batch[i]))
			s->opens[s->nopens++] = (uint16_t)s->n;
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

static void merge(struct workers *ws, bool all);

void workers_flush(struct workers *ws)
{
	if (ws->lanes) {		/* live: this thread detects */
		merge(ws, false);
		return;
	}
	if (filling(ws)->n > 0)
		publish(ws);
	pthread_mutex_lock(&ws->mu);
	while (ws->detected < ws->published)
		pthread_cond_wait(&ws->freed, &ws->mu);
	pthread_mutex_unlock(&ws->mu);
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
	if (!ws->lanes)		/* live: each lane moves its own clock */
		publish_step(ws, SLAB_ADVANCE, now_us);
}

static void join_threads(struct workers *ws);
static void finish_lanes(struct workers *ws);

void workers_finish(struct workers *ws)
{
	if (!ws->lanes) {
		publish_step(ws, SLAB_FINISH, 0);
		return;
	}
	join_threads(ws);
	merge(ws, true);
	finish_lanes(ws);
}

void workers_put_stats(struct workers *ws, stat_fn put, void *arg)
{
	uint64_t cpu[WORKERS_MAX], packets[WORKERS_MAX], reader_us, detect_us;
	char name[64];

	pthread_mutex_lock(&ws->mu);
	for (unsigned i = 0; i < ws->n; i++) {
		cpu[i] = ws->w[i].cpu_us;
		packets[i] = ws->w[i].packets;
	}
	/* Each thread's own, less what it classified for worker 0. */
	reader_us = ws->share0_reader_us;
	detect_us = ws->detect_cpu_us > ws->share0_detect_us ?
		    ws->detect_cpu_us - ws->share0_detect_us : 0;
	pthread_mutex_unlock(&ws->mu);
	put(arg, "workers.threads", ws->lanes ? ws->n : ws->threads);
	put(arg, "workers.slabs", ws->nslabs);
	if (ws->lanes) {		/* live: the workers read; we detect */
		put(arg, "workers.detect.cpu_us", thread_cpu_us());
	} else {
		put(arg, "workers.reader.cpu_us", thread_cpu_us() - reader_us);
		put(arg, "workers.detect.cpu_us", detect_us);
	}
	for (unsigned i = 0; i < ws->n; i++) {
		snprintf(name, sizeof name, "workers.classify.%u.cpu_us", i);
		put(arg, name, cpu[i]);
		snprintf(name, sizeof name, "workers.classify.%u.packets", i);
		put(arg, name, packets[i]);
	}
}

void workers_set_config(struct workers *ws, const struct config *cfg)
{
	ws->cfg = cfg;
}

/* ---- live: lanes ------------------------------------------------------- */

static struct slab *lane_slab(struct lane *l, uint64_t i)
{
	return &l->slabs[i % LANE_SLABS];
}

static void wake_detection(struct workers *ws)
{
	uint64_t one = 1;

	/* Full counter (EAGAIN): the detecting thread is woken already. */
	if (write(ws->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
		log_warn("workers: wake");
}

/* The lane's report, for the statistics, as of now (under mu). */
static void lane_report(struct worker *w)
{
	struct lane *l = w->lane;

	l->report.counts = l->pipe.c;
	frag_stats(l->pipe.frags, &l->report.frags);
	for (size_t i = 0; i < l->ncaps; i++)
		capture_stats(l->caps[i], &l->report.caps[i]);
}

/* Hand the slab being filled to the detecting thread; with a watermark
 * (not 0), say that nothing older will follow.  Waits for a free slab. */
static void lane_publish(struct worker *w, uint64_t watermark_us)
{
	struct workers *ws = w->pool;
	struct lane *l = w->lane;
	uint64_t cpu_us = thread_cpu_us();
	struct slab *s;

	classifier_counts(w->cls, &lane_slab(l, l->filled)->counts[w->index]);
	pthread_mutex_lock(&ws->mu);
	w->cpu_us = cpu_us;		/* the statistics read it under mu */
	l->filled++;
	if (watermark_us > l->watermark_us)
		l->watermark_us = watermark_us;
	lane_report(w);
	pthread_cond_broadcast(&ws->done);	/* a pause waits on it */
	while (l->filled - l->taken == LANE_SLABS && !ws->quit)
		pthread_cond_wait(&ws->freed, &ws->mu);
	pthread_mutex_unlock(&ws->mu);
	wake_detection(ws);
	s = lane_slab(l, l->filled);
	s->n = 0;
	s->idle_us = 0;
	s->out[w->index].n = 0;
	w->out = &s->out[w->index];
}

/* Classify packet i of the lane's slab, as it is read. */
static void lane_classify(struct worker *w, struct slab *s, size_t i)
{
	const struct pkt *p = &s->pkts[i];

	expire_at(w, i, p->ts_us);
	s->owner[i] = p->arp || p->ip_only || p->fragment ? NO_OWNER :
		      (uint8_t)w->index;
	if (s->owner[i] != NO_OWNER)
		classify_at(w, s, i, NULL);
}
/* The lane's pipeline's next stage (batch_fn). */
static void lane_batch(void *arg, const struct pkt *batch, size_t n)
{
	struct worker *w = arg;
	struct lane *l = w->lane;

	for (size_t j = 0; j < n; j++) {
		struct slab *s = lane_slab(l, l->filled);

		s->pkts[s->n] = batch[j];
		s->pkts[s->n].seq = (uint32_t)s->n;
		lane_classify(w, s, s->n);
		if (++s->n == WORKER_SLAB)
			lane_publish(w, 0);
	}
}

/* Paused (a reload) or stopped?  Waits while paused; false: stop. */
static bool lane_go_on(struct worker *w)
{
	struct workers *ws = w->pool;
	struct lane *l = w->lane;
	bool go;

	pthread_mutex_lock(&ws->mu);
	if (ws->pause && !ws->quit) {
		/* Nothing more will come until it goes on: the merge need
		 * not wait for this lane. */
		l->paused = true;
		l->watermark_us = UINT64_MAX;
		pthread_cond_broadcast(&ws->done);
		while (ws->pause && !ws->quit)
			pthread_cond_wait(&ws->work, &ws->mu);
		l->paused = false;
		l->watermark_us = 0;
		if (w->cfg != ws->cfg) {
			w->cfg = ws->cfg;
			classifier_set_config(w->cls, w->cfg);
		}
	}
	go = !ws->quit;
	pthread_mutex_unlock(&ws->mu);
	return go;
}

/* One round: every socket with packets hands over at most
 * CAPTURE_ROUND_PACKETS; the slab goes to detection at the end. */
static void lane_round(struct worker *w)
{
	struct lane *l = w->lane;
	struct pollfd pfd[MAX_INTERFACES];
	bool drained = true;
	uint64_t now;
	int rc;

	for (size_t i = 0; i < l->ncaps; i++) {
		pfd[i].fd = capture_fd(l->caps[i]);
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	rc = poll(pfd, l->ncaps, capture_poll_timeout(l->caps, l->ncaps,
						      LANE_POLL_MS));
	now = wall_us();
	for (size_t i = 0; i < l->ncaps; i++) {
		char err[256];
		int got;

		/* A capture with a poll limit is read every round: libpcap
		 * asked to be called (capture_poll_limit_ms). */
		if (!(rc > 0 && (pfd[i].revents & (POLLIN | POLLERR))) &&
		    capture_poll_limit_ms(l->caps[i]) < 0)
			continue;
		pipeline_source(&l->pipe, capture_link(l->caps[i]),
				l->named ? (uint8_t)(i + 1) : 0);
		got = capture_dispatch(l->caps[i], CAPTURE_ROUND_PACKETS,
				       pipeline_packet, &l->pipe, err,
				       sizeof err);
		pipeline_flush(&l->pipe);
		if (got == -2 && !l->error[0])
			snprintf(l->error, sizeof l->error, "%s", err);
		drained = drained && got < CAPTURE_ROUND_PACKETS;
	}
	if (rc == 0 && now > CAPTURE_LATE_US) {
		/* Nothing came: live packet time is wall time, as far as
		 * no packet can still come. */
		struct slab *s = lane_slab(l, l->filled);

		expire_at(w, s->n, now - CAPTURE_LATE_US);
		s->idle_us = now - CAPTURE_LATE_US;
	}
	lane_publish(w, drained && now > CAPTURE_LATE_US ?
		     now - CAPTURE_LATE_US : 0);
}

static void *lane_main(void *arg)
{
	struct worker *w = arg;

	while (lane_go_on(w))
		lane_round(w);
	return NULL;
}

/* ---- live: the detecting thread's merge ------------------------------- */

/* The time of the lane's next item, if one is waiting (filled: as read
 * under mu).  An item is a packet, or the clock of an idle round. */
static bool lane_next(struct lane *l, uint64_t filled, uint64_t *ts)
{
	while (l->taken < filled) {
		const struct slab *s = lane_slab(l, l->taken);

		if (l->next < s->n) {
			*ts = s->pkts[l->next].ts_us;
			return true;
		}
		if (s->idle_us && !l->idle_done) {
			*ts = s->idle_us;
			return true;
		}
		return false;		/* done: lane_advance takes it */
	}
	return false;
}

/* The lane's oldest slab is done: back to the lane. */
static void lane_retire(struct workers *ws, unsigned lane)
{
	struct lane *l = &ws->lanes[lane];
	struct slab *s = lane_slab(l, l->taken);
	struct classify_counts sum;

	l->counts = s->counts[lane];
	memset(&sum, 0, sizeof sum);
	for (unsigned i = 0; i < ws->n; i++)
		classify_counts_add(&sum, &ws->lanes[i].counts);
	detect_set_counts(ws->d, &sum);
	l->next = l->k = 0;
	l->idle_done = false;
	ws->nslabs++;
	pthread_mutex_lock(&ws->mu);
	l->taken++;
	pthread_cond_broadcast(&ws->freed);
	pthread_mutex_unlock(&ws->mu);
}

/* Outcomes of the lane's slab at index at and step. */
static void lane_outcomes(struct workers *ws, unsigned lane, uint32_t at,
			  enum outcome_step step)
{
	struct lane *l = &ws->lanes[lane];

	deliver_step(ws, &lane_slab(l, l->taken)->out[lane], &l->k, at, step);
}

/* Detect the lane's next item (lane_next said there is one). */
static void lane_deliver(struct workers *ws, unsigned lane)
{
	struct lane *l = &ws->lanes[lane];
	struct slab *s = lane_slab(l, l->taken);
	uint32_t at = (uint32_t)l->next;

	if (l->next == s->n) {		/* an idle round's clock */
		lane_outcomes(ws, lane, at, STEP_EXPIRED);
		detect_time(ws->d, s->idle_us);
		l->idle_done = true;
		return;
	}
	lane_outcomes(ws, lane, at, STEP_EXPIRED);
	detect_time(ws->d, s->pkts[at].ts_us);
	if (s->owner[at] == NO_OWNER) {
		struct pkt_view bare = { .p = &s->pkts[at] };

		detect_classified(ws->d, &bare);
	} else {
		lane_outcomes(ws, lane, at, STEP_DURING);
		detect_classified(ws->d, &s->views[at].v);
		lane_outcomes(ws, lane, at, STEP_AFTER);
	}
	l->next++;
}

/* Detect what the lanes have published, earliest first, as far as
 * their watermarks allow (all: every item, as when they are paused). */
static void merge(struct workers *ws, bool all)
{
	uint64_t filled[WORKERS_MAX], mark[WORKERS_MAX];

	pthread_mutex_lock(&ws->mu);
	for (unsigned i = 0; i < ws->n; i++) {
		filled[i] = ws->lanes[i].filled;
		mark[i] = all ? UINT64_MAX : ws->lanes[i].watermark_us;
	}
	pthread_mutex_unlock(&ws->mu);
	for (;;) {
		uint64_t ts[WORKERS_MAX], best_ts = UINT64_MAX;
		bool has[WORKERS_MAX], found = false;
		unsigned best = 0;

		for (unsigned i = 0; i < ws->n; i++) {
			struct lane *l = &ws->lanes[i];

			while (!(has[i] = lane_next(l, filled[i], &ts[i])) &&
			       l->taken < filled[i])
				lane_retire(ws, i);
			if (has[i] && (!found || ts[i] < best_ts)) {
				best_ts = ts[i];
				best = i;
				found = true;
			}
		}
		if (!found)
			return;
		for (unsigned i = 0; i < ws->n; i++)
			if (!has[i] && mark[i] < best_ts)
				return;	/* lane i may still send older */
		lane_deliver(ws, best);
	}
}

void workers_detect(struct workers *ws)
{
	uint64_t n;

	if (read(ws->wake_fd, &n, sizeof n) < 0 && errno != EAGAIN)
		log_warn("workers: wake");
	merge(ws, false);
}

uint64_t workers_clock(struct workers *ws)
{
	uint64_t t = UINT64_MAX;

	pthread_mutex_lock(&ws->mu);
	for (unsigned i = 0; i < ws->n; i++)
		if (ws->lanes[i].watermark_us < t)
			t = ws->lanes[i].watermark_us;
	pthread_mutex_unlock(&ws->mu);
	return t == UINT64_MAX ? 0 : t;
}

int workers_wake_fd(const struct workers *ws)
{
	return ws->wake_fd;
}

void workers_pause(struct workers *ws)
{
	uint64_t until = mono_ms() + CAPTURE_LATE_US / 1000, now;
	bool all;

	/* Packets that came before the pause may wait in the kernel's
	 * blocks for CAPTURE_LATE_US (params.h): the lanes read on that
	 * long before they stop. */
	while ((now = mono_ms()) < until) {
		struct pollfd pfd = { .fd = ws->wake_fd, .events = POLLIN };

		(void)poll(&pfd, 1, (int)(until - now));
		workers_detect(ws);
	}
	pthread_mutex_lock(&ws->mu);
	ws->pause = true;
	pthread_mutex_unlock(&ws->mu);
	/* Lanes blocked on a full ring go on once it drains. */
	do {
		merge(ws, false);
		pthread_mutex_lock(&ws->mu);
		all = true;
		for (unsigned i = 0; i < ws->n; i++)
			all = all && ws->lanes[i].paused;
		if (!all)
			pthread_cond_wait(&ws->done, &ws->mu);
		pthread_mutex_unlock(&ws->mu);
	} while (!all);
	merge(ws, true);
}

void workers_resume(struct workers *ws)
{
	pthread_mutex_lock(&ws->mu);
	ws->pause = false;
	pthread_cond_broadcast(&ws->work);
	pthread_mutex_unlock(&ws->mu);
}

/* The end of a live capture: the contacts still waiting, in every lane,
 * fail at their deadlines, in deadline order; then the detectors end. */
static void finish_lanes(struct workers *ws)
{
	struct outcome_list last[WORKERS_MAX];
	size_t k[WORKERS_MAX] = { 0 };

	memset(last, 0, sizeof last);
	for (unsigned i = 0; i < ws->n; i++) {
		ws->w[i].out = &last[i];
		expire_at(&ws->w[i], 0, UINT64_MAX);
	}
	for (;;) {
		const struct tagged_outcome *best = NULL;
		unsigned from = 0;

		for (unsigned i = 0; i < ws->n; i++)
			if (k[i] < last[i].n &&
			    (!best || last[i].v[k[i]].o.ts < best->o.ts)) {
				best = &last[i].v[k[i]];
				from = i;
			}
		if (!best)
			break;
		detect_outcome(ws->d, &best->o);
		k[from]++;
	}
	for (unsigned i = 0; i < ws->n; i++)
		free(last[i].v);
	detect_finish_detectors(ws->d);
}

/* ---- start and stop --------------------------------------------------- */

static void join_threads(struct workers *ws)
{
	pthread_mutex_lock(&ws->mu);
	ws->quit = true;
	pthread_cond_broadcast(&ws->work);
	pthread_cond_broadcast(&ws->done);
	pthread_cond_broadcast(&ws->freed);
	pthread_mutex_unlock(&ws->mu);
	if (ws->detection_started)
		pthread_join(ws->detection, NULL);
	ws->detection_started = false;
	for (unsigned i = 0; i < ws->n; i++) {
		if (ws->w[i].started)
			pthread_join(ws->w[i].thread, NULL);
		ws->w[i].started = false;
	}
}

void workers_stop(struct workers *ws)
{
	if (!ws)
		return;
	join_threads(ws);
	for (unsigned i = 0; i < ws->n; i++)
		classifier_free(ws->w[i].cls);
	for (size_t s = 0; ws->slabs && s < WORKER_SLABS; s++)
		for (unsigned i = 0; i < ws->n; i++)
			free(ws->slabs[s].out[i].v);
	free(ws->slabs);
	for (unsigned i = 0; ws->lanes && i < ws->n; i++) {
		struct lane *l = &ws->lanes[i];

		for (size_t s = 0; l->slabs && s < LANE_SLABS; s++)
			free(l->slabs[s].out[i].v);
		free(l->slabs);
		pipeline_free(&l->pipe);
	}
	free(ws->lanes);
	if (ws->wake_fd > 0)
		close(ws->wake_fd);
	pthread_cond_destroy(&ws->work);
	pthread_cond_destroy(&ws->done);
	pthread_cond_destroy(&ws->freed);
	pthread_mutex_destroy(&ws->mu);
	free(ws);
}

/* Each worker's share of the tables, so that together they take what
 * the configured size takes: a table's slots are a power of two
 * (table.c rounds up), so the share is the power of two that fits N
 * times in it (with N not a power of two, the workers have less). */
static size_t table_share(size_t slots, unsigned n)
{
	size_t total = 1, share = 1;

	while (total < slots)		/* what one table would take */
		total <<= 1;
	while (share * 2 * n <= total)
		share <<= 1;
	return share;
}

/* Reading a file, n workers of any number take the whole table between
 * them: with n not a power of two, the first doubled take two ways of
 * the pairs and twice the slots (3: a half and two quarters). */
static void whole_shares(struct workers *ws)
{
	ws->ways = 1;
	while (ws->ways < ws->n)
		ws->ways <<= 1;
	ws->doubled = ws->ways - ws->n;
}

static bool make_classifiers(struct workers *ws, const struct config *cfg,
			     char *err, size_t errlen)
{
	size_t share = table_share(cfg->flow_table_size, ws->ways);

	for (unsigned i = 0; i < ws->n; i++) {
		struct worker *w = &ws->w[i];

		w->pool = ws;
		w->index = i;
		w->cfg = cfg;
		w->cls = classifier_new(cfg, i < ws->doubled ? 2 * share :
					share, &ws->key,
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
	int rc = pthread_create(&ws->detection, NULL, detection_main, ws);

	if (rc != 0) {
		snprintf(err, errlen, "workers: cannot start the detection "
			 "thread: %s", strerror(rc));
		return false;
	}
	ws->detection_started = true;
	for (unsigned i = 1; i < ws->n; i++) {	/* 0: the reader */
		rc = pthread_create(&ws->w[i].thread, NULL, worker_main,
				    &ws->w[i]);
		if (rc != 0) {
			snprintf(err, errlen, "workers: cannot start thread "
				 "%u of %u: %s", i + 2, ws->threads,
				 strerror(rc));
			return false;
		}
		ws->w[i].started = true;
	}
	return true;
}

/* What both kinds share: the pool, and each worker's classifier. */
static struct workers *workers_new(const struct config *cfg, unsigned n,
				   bool whole, struct detect *d, char *err,
				   size_t errlen)
{
	struct workers *ws = zalloc_own_lines(sizeof *ws);

	if (!ws || n < 1 || n > WORKERS_MAX) {
		snprintf(err, errlen, ws ? "workers: %u: not from 1 to %d" :
			 "workers: out of memory", n, WORKERS_MAX);
		free(ws);
		return NULL;
	}
	pthread_mutex_init(&ws->mu, NULL);
	pthread_cond_init(&ws->work, NULL);
	pthread_cond_init(&ws->done, NULL);
	pthread_cond_init(&ws->freed, NULL);
	ws->d = d;
	ws->n = n;
	ws->ways = n;
	if (whole)
		whole_shares(ws);
	ws->cfg = cfg;
	ws->wake_fd = -1;
	ws->key = *detect_hash_key(d);
	if (!make_classifiers(ws, cfg, err, errlen)) {
		workers_stop(ws);
		return NULL;
	}
	return ws;
}

struct workers *workers_start(const struct config *cfg, unsigned n,
			      struct detect *d, mark_fn at_mark,
			      void *mark_arg, char *err, size_t errlen)
{
	struct workers *ws;

	/* n threads: this one, detection, and n - 2 more; n - 1 shares. */
	if (n < 2 || n > WORKERS_MAX) {
		snprintf(err, errlen, "workers: %u: not from 2 to %d", n,
			 WORKERS_MAX);
		return NULL;
	}
	ws = workers_new(cfg, n - 1, true, d, err, errlen);
	if (!ws)
		return NULL;
	ws->threads = n;
	ws->at_mark = at_mark;
	ws->mark_arg = mark_arg;
	ws->slabs = zalloc_own_lines(WORKER_SLABS * sizeof *ws->slabs);
	if (!ws->slabs) {
		snprintf(err, errlen, "workers: out of memory");
		workers_stop(ws);
		return NULL;
	}
	if (!start_threads(ws, err, errlen)) {
		workers_stop(ws);
		return NULL;
	}
	return ws;
}

static bool make_lane(struct workers *ws, unsigned i, struct capture **caps,
		      size_t ncaps, bool named, char *err, size_t errlen)
{
	struct lane *l = &ws->lanes[i];
	struct worker *w = &ws->w[i];

	w->lane = l;
	for (size_t c = 0; c < ncaps; c++)
		l->caps[c] = caps[c * ws->n + i];
	l->ncaps = ncaps;
	l->named = named;
	l->slabs = zalloc_own_lines(LANE_SLABS * sizeof *l->slabs);
	if (!l->slabs) {
		snprintf(err, errlen, "workers: out of memory");
		return false;
	}
	w->out = &l->slabs[0].out[i];
	/* Fragments of a datagram share its addresses, so one lane's. */
	return pipeline_init(&l->pipe, ws->cfg,
			     table_share(ws->cfg->frag_table_size, ws->n),
			     lane_batch, w, err, errlen);
}

struct workers *workers_start_live(const struct config *cfg, unsigned n,
				   struct detect *d, struct capture **caps,
				   size_t ncaps, bool named, char *err,
				   size_t errlen)
{
	struct workers *ws = workers_new(cfg, n, false, d, err, errlen);

	if (!ws)
		return NULL;
	ws->lanes = zalloc_own_lines(n * sizeof *ws->lanes);
	ws->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!ws->lanes || ws->wake_fd < 0) {
		snprintf(err, errlen, "workers: %s", ws->lanes ?
			 strerror(errno) : "out of memory");
		workers_stop(ws);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++)
		if (!make_lane(ws, i, caps, ncaps, named, err, errlen)) {
			workers_stop(ws);
			return NULL;
		}
	for (unsigned i = 0; i < n; i++) {
		int rc = pthread_create(&ws->w[i].thread, NULL, lane_main,
					&ws->w[i]);

		if (rc != 0) {
			snprintf(err, errlen, "workers: cannot start thread "
				 "%u of %u: %s", i + 1, n, strerror(rc));
			workers_stop(ws);
			return NULL;
		}
		ws->w[i].started = true;
	}
	return ws;
}

const char *workers_lane_error(struct workers *ws)
{
	const char *e = NULL;

	pthread_mutex_lock(&ws->mu);
	for (unsigned i = 0; ws->lanes && i < ws->n && !e; i++)
		if (ws->lanes[i].error[0])
			e = ws->lanes[i].error;
	pthread_mutex_unlock(&ws->mu);
	return e;
}

void workers_live_report(struct workers *ws, struct pipeline_counts *counts,
			 struct frag_stats *frags,
			 struct capture_stats *caps, size_t ncaps)
{
	memset(counts, 0, sizeof *counts);
	memset(frags, 0, sizeof *frags);
	memset(caps, 0, ncaps * sizeof *caps);
	pthread_mutex_lock(&ws->mu);
	for (unsigned i = 0; i < ws->n; i++) {
		const struct lane_report *r = &ws->lanes[i].report;

		pipeline_counts_add(counts, &r->counts);
		frags->fragments += r->frags.fragments;
		frags->tiny += r->frags.tiny;
		frags->completed += r->frags.completed;
		frags->overlaps += r->frags.overlaps;
		frags->evicted += r->frags.evicted;
		frags->slots += r->frags.slots;
		frags->used += r->frags.used;
		for (size_t c = 0; c < ncaps; c++) {
			caps[c].valid |= r->caps[c].valid;
			caps[c].received += r->caps[c].received;
			caps[c].dropped += r->caps[c].dropped;
			caps[c].if_dropped += r->caps[c].if_dropped;
		}
	}
	pthread_mutex_unlock(&ws->mu);
}
