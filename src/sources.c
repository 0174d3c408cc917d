/*
 * sources.c - the per-source lifecycle the scan detectors share
 * (sources.h).
 */
#include "sources.h"

#include <stdio.h>
#include <string.h>

#include "detect.h"		/* us_since */
#include "params.h"

void source_key_make(struct source_key *k, const struct ipaddr *src,
		     uint8_t proto)
{
	memset(k, 0, sizeof *k);
	k->src = *src;
	k->proto = proto;
}

void sources_prefetch(const struct table *t, const struct pkt *p,
		      bool entry, struct table_hint *hint)
{
	struct source_key key;

	if (entry && table_hint_is_for(t, hint)) {
		table_prefetch(t, NULL, true, hint);
		return;
	}
	source_key_make(&key, &p->src, p->proto);
	table_prefetch(t, &key, entry, hint);
}

uint8_t source_level(const struct source_head *h, uint32_t evidence)
{
	if (h->reported)
		return SOURCE_LEVEL_REPORTED;
	return evidence > 254 ? 254 : (uint8_t)evidence;
}

struct idle_walk {
	uint64_t now;
	void (*fn)(void *entry, uint64_t now, void *arg);
	void *arg;
};

static bool is_idle(const void *entry, void *arg)
{
	const struct source_head *h = entry;
	const struct idle_walk *w = arg;

	return us_since(w->now, h->last_ts) >= SCAN_EXPIRE_US;
}

static bool is_reported(const void *entry, void *arg)
{
	const struct source_head *h = entry;

	(void)arg;
	return h->reported;
}

/* In the order the sources went quiet, then by source. */
static int by_last_ts(const void *a, const void *b)
{
	const struct source_head *x = a, *y = b;

	if (x->last_ts != y->last_ts)
		return x->last_ts < y->last_ts ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof x->key);
}

static void call_idle(void *entry, void *arg)
{
	struct idle_walk *w = arg;

	w->fn(entry, w->now, w->arg);
}

void sources_sweep_idle(struct table *t, uint64_t now,
			void (*fn)(void *entry, uint64_t now, void *arg),
			void *arg)
{
	struct idle_walk w = { now, fn, arg };

	/* The whole table each second of packet time (tags first: cheap),
	 * so a scan ends at the same tick whatever slot it hashed to. */
	table_sweep_ordered(t, table_slots(t), is_idle, by_last_ts, call_idle,
			    &w);
}

void sources_each_reported(struct table *t, void (*fn)(void *entry, void *arg),
			   void *arg)
{
	table_foreach_ordered(t, is_reported, by_last_ts, fn, arg);
}

struct table *sources_new(size_t slots, size_t entry_size, size_t fresh_size,
			  void (*evict)(void *entry, void *arg), void *arg,
			  const struct sipkey *key)
{
	struct table_ops ops = {
		.entry_size = entry_size,
		.fresh_size = fresh_size,
		.key_size = sizeof(struct source_key),
		.evict = evict,			/* only reported scans end */
		.evict_level = SOURCE_LEVEL_REPORTED,
		.arg = arg,
	};

	return table_new(slots, &ops, key);
}

void *sources_find(struct table *t, const struct ipaddr *src, uint8_t proto)
{
	struct source_key key;

	source_key_make(&key, src, proto);
	return table_find(t, &key);
}

void table_put_stats(const struct table *t, const char *name, stat_fn put,
		     void *arg)
{
	char key[64];

	snprintf(key, sizeof key, "%s.slots", name);
	put(arg, key, table_slots(t));
	snprintf(key, sizeof key, "%s.used", name);
	put(arg, key, table_count(t));
	snprintf(key, sizeof key, "%s.evictions", name);
	put(arg, key, table_evictions(t));
}
