/*
 * table.h - fixed-size hash tables for per-source and per-flow state.
 *
 * Allocated once; no allocation afterwards.  Positions come from SipHash
 * under a key drawn at random each run, so chosen addresses cannot force
 * collisions.  The slots are grouped in buckets of TABLE_PROBE_LIMIT: a key
 * lives in the bucket its hash names, so a lookup reads one small array of
 * tags (one cache line) and compares keys only on a tag match: O(1) work
 * per packet whatever the table holds.
 *
 * Eviction policy: each slot has an evidence level, 0..255, that its
 * owner raises as evidence accumulates (table_set_level).  When a new
 * key's bucket is full, the entry with the lowest level is evicted (the
 * owner's evict callback sees it first, e.g. to write an end-of-scan
 * record); among equal levels, in turn.  So a source that has been
 * reported, or has evidence counted, outlives any number of one-packet
 * sources, and choosing a victim reads one small array, not the entries.
 */
#ifndef SCANDETD_TABLE_H
#define SCANDETD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "siphash.h"

struct table_ops {
	size_t entry_size;		/* whole entry, key first */
	size_t key_size;		/* bytes of key at the start of the entry */
	/* Bytes at the start of an entry that table_get zeroes when it
	 * makes one, and that a prefetch for a new key fetches (0: the
	 * whole entry).  The rest keeps what the slot's previous entry
	 * left: an owner that knows a new entry needs only its first
	 * lines makes the rest itself when it needs it. */
	size_t fresh_size;
	/* Called on an entry about to be evicted (may be NULL), if its level
	 * is at least evict_level: an owner that only cares about some
	 * entries spares the table a read of every other victim. */
	void (*evict)(void *entry, void *arg);
	uint8_t evict_level;
	void *arg;
};

struct table;

/* nslots is rounded up to a power of two, at least one bucket. */
struct table *table_new(size_t nslots, const struct table_ops *ops,
			const struct sipkey *key);
void table_free(struct table *t);

/* The entry for key, or NULL. */
void *table_find(struct table *t, const void *key);

/*
 * What a prefetch learnt of a key for the lookups that follow it: the
 * key's hash, with the table and a copy of the key, so that a hint is
 * used only for that very key in that table (for any other it is simply
 * not used).  Empty when len is 0.
 */
#define TABLE_HINT_KEY_MAX 40
struct table_hint {
	const struct table *t;
	uint64_t hash;
	size_t len;
	unsigned char key[TABLE_HINT_KEY_MAX];
};

/*
 * Start fetching into the cache, without waiting, what a lookup of key a
 * little later will read: first (entry false) the bucket; then, once the
 * bucket is there (entry true), the entry that table_get would return or
 * make, for writing.  Changes no entry.  hint (may be NULL) keeps the
 * key's hash from one call to the next and for table_get_hinted; at the
 * second step, a hint the first filled for t is enough, and key is not
 * read (it may be NULL: table_hint_is_for).
 */
void table_prefetch(const struct table *t, const void *key, bool entry,
		    struct table_hint *hint);

/* Did table_prefetch's first step fill hint for t? */
static inline bool table_hint_is_for(const struct table *t,
				     const struct table_hint *hint)
{
	return hint && hint->t == t && hint->len > 0;
}

/* table_get, without hashing key again if hint holds it. */
void *table_get_hinted(struct table *t, const void *key,
		       const struct table_hint *hint, bool *created);

/* The entry for key; if absent, a new zeroed entry (level 0) holding key
 * is made, evicting the lowest-level entry of a full bucket.  *created
 * says which. */
void *table_get(struct table *t, const void *key, bool *created);

void table_remove(struct table *t, void *entry);

/* Start fetching, for writing, entry (a pointer the table gave out,
 * live or not) and its bucket's tags and levels: what table_live and
 * table_set_level will read. */
void table_prefetch_entry(const struct table *t, const void *entry);

/* Does entry (a pointer the table gave out) still hold a live entry? */
bool table_live(const struct table *t, const void *entry);

/* The entry's evidence level (see the eviction policy above). */
void table_set_level(struct table *t, const void *entry, uint8_t level);
uint8_t table_level(const struct table *t, const void *entry);

/* Visit the next n slots round-robin (a slice of the table), calling fn on
 * each entry there; fn may remove the entry.  Spreads expiry work evenly
 * over time instead of stopping to walk the whole table. */
void table_sweep(struct table *t, size_t n, void (*fn)(void *entry, void *arg),
		 void *arg);
/* Visit every entry (at shutdown, for statistics). */
void table_foreach(struct table *t, void (*fn)(void *entry, void *arg),
		   void *arg);

/*
 * The same, but fn sees the entries that pick() selects in the order cmp
 * gives rather than in hash order: output then depends on the traffic
 * only, not on the run's random key (the same capture, the same lines).
 * The ordering array is allocated once, on first use.
 */
typedef bool (*table_pick_fn)(const void *entry, void *arg);
typedef int (*table_cmp_fn)(const void *a, const void *b);
void table_sweep_ordered(struct table *t, size_t n, table_pick_fn pick,
			 table_cmp_fn cmp, void (*fn)(void *entry, void *arg),
			 void *arg);
void table_foreach_ordered(struct table *t, table_pick_fn pick,
			   table_cmp_fn cmp,
			   void (*fn)(void *entry, void *arg), void *arg);

size_t table_slots(const struct table *t);
size_t table_count(const struct table *t);
uint64_t table_evictions(const struct table *t);

#endif
