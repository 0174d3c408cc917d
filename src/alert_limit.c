/*
 * alert_limit.c - AlertLimit: at most N alerts per interval to the logs,
 * and never silently (see alert.h for the rules).
 *
 * scanlogd's safe_log, five lines per 20 s and then "More possible port
 * scans follow", with two additions: what was held back is counted (by
 * kind and source, in a summary per interval and in the statistics), and
 * the alerts over the limit are not simply the ones that came last but
 * compete, so that spoofed noise cannot push a real scan out of the log.
 *
 * Bounded: a fixed pool, a fixed set of source hashes, no allocation.
 * The work is on the alert path, not the packet path: O(log pool) per
 * held alert, one ranking (pool log pool) per interval.
 */
#include "alert.h"

#include <stdlib.h>
#include <string.h>

/* ---- strength ------------------------------------------------------- */

/* Evidence, then a scanner's name, then end-of-scan over the rest: a
 * scan_end has its whole scan counted, a four-probe alert of a spoofed
 * source has four probes, and stays at four. */
static uint64_t strength(const struct alert_limiter *l, const struct alert *a)
{
	uint64_t probes = 0;

	switch (a->kind) {
	case ALERT_CONNECTION:
	case ALERT_SUPPRESSED:
	case ALERT_KIND_COUNT:
		break;
	case ALERT_OSPROBE:
		probes = a->packets;
		break;
	case ALERT_SCAN_END:
	case ALERT_DISTRIBUTED:
		probes = a->scan.count;
		break;
	case ALERT_PORTSCAN:
	case ALERT_SWEEP:
	case ALERT_FLOOD:
		probes = a->scan.count > a->probes ? a->scan.count : a->probes;
		if (l->probes_now) {
			uint32_t now = l->probes_now(l->probes_arg, a);

			if (now > probes)
				probes = now;
		}
		break;
	}
	return probes << 2 | (a->tool[0] ? 2u : 0u) |
	       (a->kind == ALERT_SCAN_END ? 1u : 0u);
}

static bool weaker(const struct pooled_alert *x, const struct pooled_alert *y)
{
	return x->strength < y->strength ||
	       (x->strength == y->strength && x->seq < y->seq);
}

/* ---- the pool: a min-heap, the weakest at pool[0] -------------------- */

static void swap(struct pooled_alert *x, struct pooled_alert *y)
{
	struct pooled_alert t = *x;

	*x = *y;
	*y = t;
}

static void sift_up(struct alert_limiter *l, size_t i)
{
	while (i > 0 && weaker(&l->pool[i], &l->pool[(i - 1) / 2])) {
		swap(&l->pool[i], &l->pool[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct alert_limiter *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->npool)
			return;
		if (c + 1 < l->npool && weaker(&l->pool[c + 1], &l->pool[c]))
			c++;
		if (!weaker(&l->pool[c], &l->pool[i]))
			return;
		swap(&l->pool[c], &l->pool[i]);
		i = c;
	}
}

/* ---- what was held back for good ------------------------------------ */

/* Distinct sources in a set of keyed 64-bit hashes: chosen addresses
 * cannot make collisions, and a full set says "at least". */
static void count_source(struct alert_limiter *l, const struct ipaddr *src)
{
	uint64_t h = siphash13(&l->key, src->b, sizeof src->b);
	size_t mask = ALERT_SOURCES_MAX - 1;

	if (h == 0)
		h = 1;			/* 0 marks an empty slot */
	for (size_t i = 0; i < ALERT_SOURCES_MAX; i++) {
		uint64_t *slot = &l->sources[(h + i) & mask];

		if (*slot == h)
			return;
		if (*slot == 0) {
			/* Kept at most 3/4 full, so that probes stay short. */
			if (l->cur.sources >= ALERT_SOURCES_MAX / 4 * 3)
				break;
			*slot = h;
			l->cur.sources++;
			return;
		}
	}
	l->cur.sources_at_least = true;
}

static void held_back(struct alert_limiter *l, const struct alert *a)
{
	unsigned k = (unsigned)a->kind < ALERT_KIND_COUNT ? a->kind : 0;

	l->cur.total++;
	l->cur.kind[k]++;
	l->held_back[k]++;
	count_source(l, &a->src);
}

/* ---- admitting and holding ------------------------------------------ */

void limiter_init(struct alert_limiter *l)
{
	memset(l, 0, sizeof *l);
	/* Without random bytes the set still counts, only predictably. */
	(void)sipkey_random(&l->key);
}

static void hold(struct alert_limiter *l, const struct alert *a)
{
	struct pooled_alert p;

	p.a = *a;
	p.strength = strength(l, a);
	p.seq = l->seq++;
	if (l->npool < ALERT_POOL_MAX) {
		l->pool[l->npool++] = p;
		sift_up(l, l->npool - 1);
		return;
	}
	/* Full: the weakest goes, but first ask whether it has grown. */
	for (int i = 0; i < ALERT_REFRESH_MAX; i++) {
		uint64_t s = strength(l, &l->pool[0].a);

		if (s <= l->pool[0].strength)
			break;
		l->pool[0].strength = s;
		sift_down(l, 0);
	}
	l->pool_full++;
	if (weaker(&p, &l->pool[0])) {
		held_back(l, a);
		return;
	}
	held_back(l, &l->pool[0].a);
	l->pool[0] = p;
	sift_down(l, 0);
}

static void open_interval(struct alert_limiter *l, uint64_t start,
			  uint32_t seconds)
{
	l->start_us = start;
	l->end_us = start + (uint64_t)(seconds ? seconds : 1) * 1000000;
	l->written = 0;
}

bool limiter_admit(struct alert_limiter *l, const struct alert *a,
		   uint32_t limit, uint32_t seconds, uint64_t now)
{
	if (now > l->now_us)
		l->now_us = now;
	if (limit == 0)
		return true;
	if (l->end_us == 0)
		open_interval(l, l->now_us, seconds);
	if (l->written < limit) {
		l->written++;
		return true;
	}
	hold(l, a);
	return false;
}

/* ---- closing an interval -------------------------------------------- */

static int stronger_first(const void *x, const void *y)
{
	const struct pooled_alert *a = x, *b = y;

	if (weaker(a, b))
		return 1;
	return weaker(b, a) ? -1 : 0;
}

static void summarise(const struct alert_limiter *l, uint32_t limit,
		      uint32_t seconds, uint64_t end, struct alert *s)
{
	memset(s, 0, sizeof *s);
	s->kind = ALERT_KIND_COUNT;
	if (l->cur.total == 0)
		return;
	s->kind = ALERT_SUPPRESSED;
	s->ts_us = end;
	s->held_back = l->cur;
	s->held_back.start_us = l->start_us;
	s->held_back.end_us = end;
	s->held_back.limit = limit;
	s->held_back.seconds = seconds;
}

bool limiter_close(struct alert_limiter *l, uint32_t limit, uint32_t seconds,
		   uint64_t now, bool finish, struct alert *summary)
{
	uint64_t end;
	size_t keep;

	if (now > l->now_us)
		l->now_us = now;
	if (l->end_us == 0 || (!finish && l->now_us < l->end_us))
		return false;
	end = l->now_us < l->end_us ? l->now_us : l->end_us;
	/* Ranked now: a scan's probes are counted as they are at the end. */
	for (size_t i = 0; i < l->npool; i++)
		l->pool[i].strength = strength(l, &l->pool[i].a);
	qsort(l->pool, l->npool, sizeof l->pool[0], stronger_first);
	keep = limit && limit < l->npool ? limit : l->npool;
	for (size_t i = keep; i < l->npool; i++)
		held_back(l, &l->pool[i].a);
	summarise(l, limit, seconds, end, summary);
	summary->held_back.follow = (uint32_t)keep;
	if (summary->kind == ALERT_SUPPRESSED)
		l->summaries++;
	l->delayed += keep;
	l->nrelease = keep;
	l->next_release = 0;
	l->npool = 0;
	if (l->cur.sources)
		memset(l->sources, 0, sizeof l->sources);
	memset(&l->cur, 0, sizeof l->cur);
	/* The released alerts are the next interval's first. */
	if (keep) {
		open_interval(l, end, seconds);
		l->written = (uint32_t)keep;
	} else {
		l->end_us = 0;
	}
	return true;
}

const struct alert *limiter_release(struct alert_limiter *l)
{
	if (l->next_release == l->nrelease) {
		l->nrelease = l->next_release = 0;
		return NULL;
	}
	return &l->pool[l->next_release++].a;
}
