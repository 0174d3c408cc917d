/*
 * hashflood.c - hash flooding against the keyed tables of table.c.
 *
 * An attacker who knew the hash could choose source addresses that all
 * land in one bucket.  Our tables hash with SipHash-1-3 under a key drawn
 * at random each run, so collisions can only be chosen against a key that
 * is known: this program fixes one (FLOOD_KEY), brute-forces N IPv4
 * sources whose keys all fall in one bucket under it, and feeds them:
 *
 *  1. to a table keyed with FLOOD_KEY: they all pile into that bucket.
 *     The table must stay bounded: at most TABLE_PROBE_LIMIT of them live,
 *     every other insert evicts one of those, and no insert or lookup does
 *     more than one bucket's work (counted: evict callbacks per insert,
 *     table_count, table_evictions; never timed; choosing a victim reads
 *     only the bucket's evidence levels).
 *  2. to a table 32 times larger, same key: the low bits still agree, so
 *     they reach at most 32 buckets.
 *  3. to tables keyed otherwise (another fixed key; a random key from
 *     sipkey_random, as scandetd uses): the same sources spread over the
 *     buckets as any sources do, nearly all live at once.
 *
 * White-box: the bucket of a key is siphash13(key) & (nbuckets - 1), in
 * units of TABLE_PROBE_LIMIT slots, as table.c computes it (hash_bucket).
 * If table.c places keys differently, check 1 fails and bucket_of() below
 * must follow it.
 *
 * Prints "check NAME ok|FAIL detail" lines for t_hashflood.sh, and the
 * counts it measured.  Exit status 0 when every check passed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "params.h"
#include "siphash.h"
#include "table.h"

#define N_SOURCES	20000
#define SMALL_SLOTS	8192		/* 1024 buckets: the flooded table */
#define LARGE_SLOTS	262144		/* 32768 buckets: roomy for N */
#define TARGET_BUCKET	0

static const struct sipkey FLOOD_KEY = { 0x0706050403020100ULL,
					 0x0f0e0d0c0b0a0908ULL };
static const struct sipkey OTHER_KEY = { 0x1badb002c0ffee11ULL,
					 0x5eed5eed5eed5eedULL };

/* Shaped like detect_classic.c's per-source key: address and protocol. */
struct flood_key {
	struct ipaddr src;
	uint8_t proto;
	uint8_t pad[3];
};

struct flood_entry {
	struct flood_key key;
};

/* The work a table does for its owner, counted. */
static uint64_t evict_calls;

static void flood_evict(void *entry, void *arg)
{
	(void)entry;
	(void)arg;
	evict_calls++;
}

static const struct table_ops flood_ops = {
	.entry_size = sizeof(struct flood_entry),
	.key_size = sizeof(struct flood_key),
	.evict = flood_evict,
};

static int failures;

static void check(const char *name, bool ok, const char *fmt,
		  unsigned long long a, unsigned long long b)
{
	printf("check %s %s ", name, ok ? "ok" : "FAIL");
	printf(fmt, a, b);
	printf("\n");
	if (!ok)
		failures++;
}

static void key_v4(struct flood_key *k, uint32_t v4)
{
	uint8_t b[4] = { (uint8_t)(v4 >> 24), (uint8_t)(v4 >> 16),
			 (uint8_t)(v4 >> 8), (uint8_t)v4 };

	memset(k, 0, sizeof *k);
	addr_from_v4(&k->src, b);
	k->proto = 6;
}

static size_t bucket_of(const struct sipkey *key, const struct flood_key *k,
			size_t slots)
{
	size_t nbuckets = slots / TABLE_PROBE_LIMIT;

	return (size_t)(siphash13(key, k, sizeof *k) & (nbuckets - 1));
}

/* N sources in TARGET_BUCKET of a SMALL_SLOTS table under FLOOD_KEY,
 * taken in order from a pseudo-random walk of the IPv4 space. */
static uint64_t find_colliding(struct flood_key *out, size_t n)
{
	uint64_t tried = 0;
	uint32_t a = 0x5bd1e995;	/* any odd stride walks all 2^32 */
	size_t found = 0;

	while (found < n) {
		struct flood_key k;

		key_v4(&k, (uint32_t)(tried * a + 0x0a000001u));
		tried++;
		if (bucket_of(&FLOOD_KEY, &k, SMALL_SLOTS) == TARGET_BUCKET)
			out[found++] = k;
	}
	return tried;
}

struct feed_result {
	size_t count;			/* live entries afterwards */
	uint64_t evictions;
	uint64_t evict_calls;
	uint64_t max_evict_per_insert;
	uint64_t created;
	uint64_t found_after;		/* table_find hits, all N keys */
	uint64_t evict_calls_in_finds;
};

/* Insert every key once (levels rise, so the newest is kept longest),
 * then look every key up. */
static bool feed(const struct sipkey *key, size_t slots,
		 const struct flood_key *keys, size_t n, struct feed_result *r)
{
	struct table *t = table_new(slots, &flood_ops, key);
	uint64_t before;

	memset(r, 0, sizeof *r);
	if (!t)
		return false;
	evict_calls = 0;
	for (size_t i = 0; i < n; i++) {
		bool created;
		struct flood_entry *e;

		before = evict_calls;
		e = table_get(t, &keys[i], &created);
		if (evict_calls - before > r->max_evict_per_insert)
			r->max_evict_per_insert = evict_calls - before;
		r->created += created;
		table_set_level(t, e, (uint8_t)(i * 254 / n + 1));
	}
	r->evict_calls = evict_calls;
	r->count = table_count(t);
	r->evictions = table_evictions(t);
	before = evict_calls;
	for (size_t i = 0; i < n; i++)
		r->found_after += table_find(t, &keys[i]) != NULL;
	r->evict_calls_in_finds = evict_calls - before;
	table_free(t);
	return true;
}

static void show(const char *what, const struct feed_result *r)
{
	printf("%-34s live %6zu  evictions %6llu  (max %llu per insert)  "
	       "found afterwards %6llu\n", what,
	       r->count, (unsigned long long)r->evictions,
	       (unsigned long long)r->max_evict_per_insert,
	       (unsigned long long)r->found_after);
}

int main(void)
{
	struct flood_key *keys = calloc(N_SOURCES, sizeof *keys);
	const uint64_t n = N_SOURCES, live = TABLE_PROBE_LIMIT;
	struct feed_result fixed, fixed_large, other, rnd_small, rnd_large;
	struct sipkey rnd;
	uint64_t tried;

	if (!keys || sipkey_random(&rnd) != 0) {
		fprintf(stderr, "hashflood: no memory or no random key\n");
		return 2;
	}
	tried = find_colliding(keys, N_SOURCES);
	printf("%llu sources chosen from %llu tried: all in bucket %d of %d "
	       "under the fixed key\n", (unsigned long long)n,
	       (unsigned long long)tried, TARGET_BUCKET,
	       SMALL_SLOTS / TABLE_PROBE_LIMIT);
	if (!feed(&FLOOD_KEY, SMALL_SLOTS, keys, n, &fixed) ||
	    !feed(&FLOOD_KEY, LARGE_SLOTS, keys, n, &fixed_large) ||
	    !feed(&OTHER_KEY, LARGE_SLOTS, keys, n, &other) ||
	    !feed(&rnd, SMALL_SLOTS, keys, n, &rnd_small) ||
	    !feed(&rnd, LARGE_SLOTS, keys, n, &rnd_large)) {
		fprintf(stderr, "hashflood: table_new failed\n");
		return 2;
	}
	show("fixed key, 8192 slots:", &fixed);
	show("fixed key, 262144 slots:", &fixed_large);
	show("another fixed key, 262144 slots:", &other);
	show("random key, 8192 slots:", &rnd_small);
	show("random key, 262144 slots:", &rnd_large);

	/* 1. The flood, against the key it was chosen for. */
	check("flood_one_bucket", fixed.count == live,
	      "live %llu, expected %llu (one bucket)", fixed.count, live);
	check("flood_evicts_rest", fixed.evictions == n - live &&
	      fixed.evict_calls == n - live,
	      "evictions %llu, expected %llu", fixed.evictions, n - live);
	check("flood_insert_bounded", fixed.max_evict_per_insert <= 1,
	      "max evictions per insert %llu, limit %llu",
	      fixed.max_evict_per_insert, 1);
	check("flood_total_work_linear",
	      fixed.evict_calls == n - live,
	      "evict callbacks %llu, expected %llu (one per insert past full)",
	      fixed.evict_calls, n - live);
	check("flood_lookup_bounded", fixed.evict_calls_in_finds == 0 &&
	      fixed.found_after == live,
	      "lookups found %llu (expected the %llu live ones)",
	      fixed.found_after, live);
	/* 2. Same key, a bigger table: the chosen low bits still collide. */
	check("flood_large_table_bounded",
	      fixed_large.count <= live * (LARGE_SLOTS / SMALL_SLOTS) &&
	      fixed_large.max_evict_per_insert <= 1,
	      "live %llu, at most %llu (32 buckets)", fixed_large.count,
	      live * (LARGE_SLOTS / SMALL_SLOTS));
	/* 3. Keyed otherwise, the same sources are ordinary sources. */
	check("other_key_spreads", other.count + 16 >= n &&
	      other.max_evict_per_insert <= 1,
	      "live %llu of %llu", other.count, n);
	check("random_key_spreads", rnd_large.count + 16 >= n &&
	      rnd_large.max_evict_per_insert <= 1,
	      "live %llu of %llu", rnd_large.count, n);
	check("random_key_fills_small_table",
	      rnd_small.count >= SMALL_SLOTS - SMALL_SLOTS / 32,
	      "live %llu of %llu slots", rnd_small.count, SMALL_SLOTS);
	check("random_key_insert_bounded",
	      rnd_small.max_evict_per_insert <= 1,
	      "max evictions per insert %llu, limit %llu",
	      rnd_small.max_evict_per_insert, 1);
	free(keys);
	return failures ? 1 : 0;
}
