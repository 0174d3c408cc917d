/* table.c - bucketed hash table with tags and bounded eviction. */
#include "table.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "params.h"
#include "util.h"

#define BUCKET TABLE_PROBE_LIMIT

/* What a lookup or an eviction reads of a bucket, in one cache line: the
 * entries themselves are read only on a tag match. */
struct bucket {
	_Alignas(64) uint32_t tag[BUCKET];	/* 0: slot empty */
	uint8_t level[BUCKET];		/* evidence level per slot */
	uint8_t turn;			/* where ties start */
};
_Static_assert(sizeof(struct bucket) == 64, "a bucket is one cache line");
_Static_assert(BUCKET < 32, "a bucket's slots are bits of an unsigned");

struct table {
	struct table_ops ops;
	struct sipkey key;
	size_t nslots;			/* power of two, multiple of BUCKET */
	size_t bucket_mask;		/* nbuckets - 1 */
	size_t count;
	size_t sweep_pos;
	/* entry_size = odd << slot_shift: an entry's slot is its offset
	 * shifted down, times the inverse of odd modulo 2^64 (the offset is
	 * an exact multiple, so no division is needed on the packet path). */
	unsigned slot_shift;
	size_t slot_inverse;
	uint64_t evictions;
	struct bucket *buckets;		/* nslots / BUCKET of them */
	void *buckets_mem, *entries_mem;	/* as allocated */
	unsigned char *entries;
	void **order;			/* for the ordered walks */
};

static size_t round_up_pow2(size_t n)
{
	size_t p = BUCKET;

	while (p < n && p < ((size_t)1 << 40))
		p <<= 1;
	return p;
}

/* Ask for huge pages where the kernel gives them only when asked
 * (transparent_hugepage "madvise", as here): a table's entries are
 * reached at random, so with 4 KiB pages nearly every packet's lookups
 * miss the TLB, and each miss walks the page tables, twice over on a
 * virtual machine.  make bench's (b), one thread, the builds taking
 * turns: 0.83-0.92 of the time.  The cost: a page touched is 2 MiB at
 * once, so a table takes the memory its size says sooner than traffic
 * alone would fill it.  Only the aligned middle of the block can be
 * huge; nothing is lost if the kernel says no. */
static void want_huge_pages(uintptr_t start, size_t size)
{
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t lo = (start + huge - 1) & ~(huge - 1);
	uintptr_t hi = (start + size) & ~(huge - 1);

	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

/* Zeroed memory starting on a cache line; *mem is what to free.  From
 * calloc rather than aligned_alloc and memset: the pages of a large
 * table stay untouched, and out of the RSS, until entries use them. */
static void *zalloc_lines(size_t size, void **mem)
{
	uintptr_t p;

	*mem = calloc(1, size + 63);
	if (!*mem)
		return NULL;
	p = ((uintptr_t)*mem + 63) & ~(uintptr_t)63;
	want_huge_pages(p, size);
	return (void *)p;
}

static void set_slot_division(struct table *t, size_t entry_size)
{
	size_t odd = entry_size, inv;

	t->slot_shift = 0;
	while (odd % 2 == 0) {
		odd /= 2;
		t->slot_shift++;
	}
	/* Newton's iteration doubles the correct low bits each step: odd is
	 * its own inverse modulo 8, so five steps give 96 >= 64 bits. */
	inv = odd;
	for (int i = 0; i < 5; i++)
		inv *= 2 - odd * inv;
	t->slot_inverse = inv;
}

struct table *table_new(size_t nslots, const struct table_ops *ops,
			const struct sipkey *key)
{
	struct table *t;

	/* same_key reads whole words; a fresh part holds at least the key. */
	if (ops->key_size % 4 || ops->key_size > ops->entry_size ||
	    ops->fresh_size > ops->entry_size ||
	    (ops->fresh_size && ops->fresh_size < ops->key_size))
		return NULL;
	t = zalloc_own_lines(sizeof *t);
	if (!t)
		return NULL;
	t->ops = *ops;
	if (!t->ops.fresh_size)
		t->ops.fresh_size = ops->entry_size;
	t->key = *key;
	t->nslots = round_up_pow2(nslots);
	set_slot_division(t, ops->entry_size);
	t->bucket_mask = t->nslots / BUCKET - 1;
	t->buckets = zalloc_lines(t->nslots / BUCKET * sizeof(struct bucket),
				  &t->buckets_mem);
	/* Aligned too, so that an entry of 64 bytes is one cache line. */
	t->entries = zalloc_lines(t->nslots * ops->entry_size, &t->entries_mem);
	if (!t->buckets || !t->entries) {
		table_free(t);
		return NULL;
	}
	return t;
}

void table_free(struct table *t)
{
	if (!t)
		return;
	free(t->buckets_mem);
	free(t->entries_mem);
	free(t->order);
	free(t);
}

static inline void *slot_entry(const struct table *t, size_t slot)
{
	return t->entries + slot * t->ops.entry_size;
}

static inline uint32_t *slot_tag(const struct table *t, size_t slot)
{
	return &t->buckets[slot / BUCKET].tag[slot % BUCKET];
}

static inline uint8_t *slot_level(const struct table *t, size_t slot)
{
	return &t->buckets[slot / BUCKET].level[slot % BUCKET];
}

static inline size_t entry_slot(const struct table *t, const void *entry)
{
	size_t offset = (size_t)((const unsigned char *)entry - t->entries);

	return (offset >> t->slot_shift) * t->slot_inverse;
}

/* Tag: the high half of the hash, never 0 (0 marks an empty slot). */
static inline uint32_t hash_tag(uint64_t h)
{
	return (uint32_t)(h >> 32) | 1;
}

static inline size_t hash_bucket(const struct table *t, uint64_t h)
{
	return (size_t)(h & t->bucket_mask) * BUCKET;
}

/* A bucket's slots as bits (bit i: slot i): those whose tag is tag (0:
 * the empty ones).  Without a branch per slot, so that where in the
 * bucket a key lies, which no predictor can guess, costs nothing: SSE2
 * compares where there is SSE2 (every x86-64), a loop elsewhere. */
#ifdef __SSE2__
_Static_assert(BUCKET == 8, "two vectors of four tags, eight levels");

static inline unsigned tag_slots(const struct bucket *b, uint32_t tag)
{
	__m128i want = _mm_set1_epi32((int)tag);
	__m128i lo = _mm_load_si128((const __m128i *)(const void *)&b->tag[0]);
	__m128i hi = _mm_load_si128((const __m128i *)(const void *)&b->tag[4]);

	return (unsigned)_mm_movemask_ps(_mm_castsi128_ps(
		       _mm_cmpeq_epi32(lo, want))) |
	       (unsigned)_mm_movemask_ps(_mm_castsi128_ps(
		       _mm_cmpeq_epi32(hi, want))) << 4;
}

/* The slots whose level is the bucket's lowest. */
static inline unsigned lowest_slots(const struct bucket *b)
{
	__m128i v = _mm_loadl_epi64((const __m128i *)(const void *)b->level);
	__m128i low;

	v = _mm_unpacklo_epi64(v, v);	/* the upper half: the same levels */
	low = _mm_min_epu8(v, _mm_srli_si128(v, 4));
	low = _mm_min_epu8(low, _mm_srli_si128(low, 2));
	low = _mm_min_epu8(low, _mm_srli_si128(low, 1));
	low = _mm_set1_epi8((char)_mm_cvtsi128_si32(low));
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, low)) & 0xff;
}
#else
static inline unsigned tag_slots(const struct bucket *b, uint32_t tag)
{
	unsigned m = 0;

	for (unsigned i = 0; i < BUCKET; i++)
		m |= (unsigned)(b->tag[i] == tag) << i;
	return m;
}

static inline unsigned lowest_slots(const struct bucket *b)
{
	unsigned low = UINT8_MAX, at = 0;

	for (unsigned i = 0; i < BUCKET; i++)
		low = b->level[i] < low ? b->level[i] : low;
	for (unsigned i = 0; i < BUCKET; i++)
		at |= (unsigned)(b->level[i] == low) << i;
	return at;
}
#endif

static inline size_t first_slot(unsigned mask)
{
	return (size_t)__builtin_ctz(mask);
}

/* Two keys of t alike?  Keys are whole 32-bit words (table_new), and
 * inline word compares cost a third of a call to memcmp, which a packet
 * made up to six times. */
static inline bool same_key(const struct table *t, const void *a,
			    const void *b)
{
	const unsigned char *x = a, *y = b;
	size_t i = 0, n = t->ops.key_size;

	for (; i + 8 <= n; i += 8) {
		uint64_t u, v;

		memcpy(&u, x + i, 8);
		memcpy(&v, y + i, 8);
		if (u != v)
			return false;
	}
	if (i < n) {
		uint32_t u, v;

		memcpy(&u, x + i, 4);
		memcpy(&v, y + i, 4);
		return u == v;
	}
	return true;
}

static void *find_in_bucket(struct table *t, const void *key, size_t base,
			    uint32_t tag)
{
	const struct bucket *b = &t->buckets[base / BUCKET];

	for (unsigned m = tag_slots(b, tag); m; m &= m - 1) {
		void *e = slot_entry(t, base + first_slot(m));

		if (same_key(t, e, key))
			return e;
	}
	return NULL;
}

void *table_find(struct table *t, const void *key)
{
	uint64_t h = siphash13(&t->key, key, t->ops.key_size);

	return find_in_bucket(t, key, hash_bucket(t, h), hash_tag(h));
}

static bool hint_holds(const struct table *t, const void *key,
		       const struct table_hint *hint)
{
	return hint && hint->t == t && hint->len == t->ops.key_size &&
	       same_key(t, hint->key, key);
}

/* The key's hash: from the hint if it is this key's in this table. */
static uint64_t hinted_hash(const struct table *t, const void *key,
			    const struct table_hint *hint)
{
	if (hint_holds(t, key, hint))
		return hint->hash;
	return siphash13(&t->key, key, t->ops.key_size);
}

/* The eviction victim of a full bucket, as an index in it: the lowest
 * level; among equal levels the first from the bucket's turn. */
static size_t lowest_level(const struct bucket *b)
{
	unsigned at = lowest_slots(b), turn = b->turn % BUCKET, from;

	/* The first of them from the turn on, wrapping. */
	from = (at >> turn | at << (BUCKET - turn)) & ((1u << BUCKET) - 1);
	return (first_slot(from) + turn) % BUCKET;
}

/* The slot table_get would use for a key not in its bucket: the first
 * empty one, else the victim. */
static size_t predict_new_slot(const struct table *t, size_t base)
{
	const struct bucket *b = &t->buckets[base / BUCKET];
	unsigned empty = tag_slots(b, 0);

	return base + (empty ? first_slot(empty) : lowest_level(b));
}

void table_prefetch(const struct table *t, const void *key, bool entry,
		    struct table_hint *hint)
{
	/* The second step takes the first's hash on trust: a hint of
	 * another key would only fetch lines that are not needed. */
	bool held = entry ? table_hint_is_for(t, hint) :
			    hint_holds(t, key, hint);
	uint64_t h = held ? hint->hash : siphash13(&t->key, key, t->ops.key_size);
	size_t base = hash_bucket(t, h), slot;
	const struct bucket *b = &t->buckets[base / BUCKET];
	const unsigned char *e, *end;
	unsigned match;

	if (hint && !held && t->ops.key_size <= sizeof hint->key) {
		hint->t = t;
		hint->hash = h;
		hint->len = t->ops.key_size;
		memcpy(hint->key, key, hint->len);
	}
	if (!entry) {
		__builtin_prefetch(b);
		return;
	}
	match = tag_slots(b, hash_tag(h));
	/* The first match is most likely the key; a new entry starts with
	 * its fresh part alone. */
	slot = match ? base + first_slot(match) : predict_new_slot(t, base);
	e = slot_entry(t, slot);
	end = e + (match ? t->ops.entry_size : t->ops.fresh_size);
	for (const unsigned char *line = e; line < end; line += 64)
		__builtin_prefetch(line, 1);
	__builtin_prefetch(end - 1, 1);
}

/* The slot to reuse in a full bucket (its turn then moves past it). */
static size_t victim_slot(struct table *t, size_t base)
{
	struct bucket *b = &t->buckets[base / BUCKET];
	size_t best = lowest_level(b);

	b->turn = (uint8_t)((best + 1) % BUCKET);
	return base + best;
}

void *table_get(struct table *t, const void *key, bool *created)
{
	return table_get_hinted(t, key, NULL, created);
}

void *table_get_hinted(struct table *t, const void *key,
		       const struct table_hint *hint, bool *created)
{
	uint64_t h = hinted_hash(t, key, hint);
	size_t base = hash_bucket(t, h), slot;
	uint32_t tag = hash_tag(h);
	struct bucket *b = &t->buckets[base / BUCKET];
	unsigned empty;
	void *e;

	/* The key; else the first empty slot, else a victim. */
	*created = false;
	e = find_in_bucket(t, key, base, tag);
	if (e)
		return e;
	empty = tag_slots(b, 0);
	if (empty) {
		slot = base + first_slot(empty);
		t->count++;
	} else {
		slot = victim_slot(t, base);
		if (t->ops.evict && *slot_level(t, slot) >= t->ops.evict_level)
			t->ops.evict(slot_entry(t, slot), t->ops.arg);
		t->evictions++;
	}
	e = slot_entry(t, slot);
	memset(e, 0, t->ops.fresh_size);
	memcpy(e, key, t->ops.key_size);
	*slot_tag(t, slot) = tag;
	*slot_level(t, slot) = 0;
	*created = true;
	return e;
}

void table_remove(struct table *t, void *entry)
{
	size_t slot = entry_slot(t, entry);

	if (*slot_tag(t, slot) == 0)
		return;
	*slot_tag(t, slot) = 0;
	t->count--;
}

void table_prefetch_entry(const struct table *t, const void *entry)
{
	const unsigned char *e = entry;

	__builtin_prefetch(&t->buckets[entry_slot(t, entry) / BUCKET], 1);
	for (size_t off = 0; off < t->ops.entry_size; off += 64)
		__builtin_prefetch(e + off, 1);
	__builtin_prefetch(e + t->ops.entry_size - 1, 1);
}

bool table_live(const struct table *t, const void *entry)
{
	return *slot_tag(t, entry_slot(t, entry)) != 0;
}

void table_set_level(struct table *t, const void *entry, uint8_t level)
{
	*slot_level(t, entry_slot(t, entry)) = level;
}

uint8_t table_level(const struct table *t, const void *entry)
{
	return *slot_level(t, entry_slot(t, entry));
}

/* The slots of b that hold an entry, as bits. */
static inline unsigned used_slots(const struct bucket *b)
{
	return ~tag_slots(b, 0) & ((1u << BUCKET) - 1);
}

/* Walks: the next slot holding an entry among the n slots from start
 * (wrapping), looking from the *i-th on; false when none is left.  A
 * bucket's slots in use are found at once, from its tags: the walks run
 * over mostly empty tables every second. */
static bool next_used(const struct table *t, size_t start, size_t n,
		      size_t *i, size_t *slot)
{
	while (*i < n) {
		size_t s = (start + *i) & (t->nslots - 1);
		size_t in = s % BUCKET, room = BUCKET - in;
		unsigned used = used_slots(&t->buckets[s / BUCKET]) >> in;

		if (room > n - *i) {
			room = n - *i;
			used &= (1u << room) - 1;
		}
		if (used) {
			size_t k = first_slot(used);

			*i += k + 1;
			*slot = s + k;
			return true;
		}
		*i += room;
	}
	return false;
}

void table_sweep(struct table *t, size_t n, void (*fn)(void *entry, void *arg),
		 void *arg)
{
	size_t start = t->sweep_pos, i = 0, slot;

	if (n > t->nslots)
		n = t->nslots;
	t->sweep_pos = (t->sweep_pos + n) & (t->nslots - 1);
	if (t->count == 0)
		return;			/* most detectors' tables, most of the time */
	while (next_used(t, start, n, &i, &slot))
		fn(slot_entry(t, slot), arg);
}

void table_foreach(struct table *t, void (*fn)(void *entry, void *arg),
		   void *arg)
{
	size_t i = 0, slot;

	while (next_used(t, 0, t->nslots, &i, &slot))
		fn(slot_entry(t, slot), arg);
}

/* qsort's comparator sees pointers to the array's elements: entries'
 * addresses; the owner's cmp wants the entries. */
static table_cmp_fn current_cmp;

static int cmp_indirect(const void *a, const void *b)
{
	return current_cmp(*(void *const *)a, *(void *const *)b);
}

static void ordered_walk(struct table *t, size_t start, size_t n,
			 table_pick_fn pick, table_cmp_fn cmp,
			 void (*fn)(void *entry, void *arg), void *arg)
{
	size_t found = 0, i = 0, slot;

	if (!t->order) {
		t->order = calloc(t->nslots, sizeof *t->order);
		if (!t->order) {	/* no memory: hash order, still correct */
			while (next_used(t, start, n, &i, &slot))
				if (pick(slot_entry(t, slot), arg))
					fn(slot_entry(t, slot), arg);
			return;
		}
	}
	while (next_used(t, start, n, &i, &slot))
		if (pick(slot_entry(t, slot), arg))
			t->order[found++] = slot_entry(t, slot);
	current_cmp = cmp;
	qsort(t->order, found, sizeof *t->order, cmp_indirect);
	for (size_t k = 0; k < found; k++)
		fn(t->order[k], arg);
}

void table_sweep_ordered(struct table *t, size_t n, table_pick_fn pick,
			 table_cmp_fn cmp, void (*fn)(void *entry, void *arg),
			 void *arg)
{
	size_t start = t->sweep_pos;

	if (n > t->nslots)
		n = t->nslots;
	t->sweep_pos = (t->sweep_pos + n) & (t->nslots - 1);
	if (t->count == 0)
		return;			/* most detectors' tables, most of the time */
	ordered_walk(t, start, n, pick, cmp, fn, arg);
}

void table_foreach_ordered(struct table *t, table_pick_fn pick,
			   table_cmp_fn cmp,
			   void (*fn)(void *entry, void *arg), void *arg)
{
	ordered_walk(t, 0, t->nslots, pick, cmp, fn, arg);
}

size_t table_slots(const struct table *t)
{
	return t->nslots;
}

size_t table_count(const struct table *t)
{
	return t->count;
}

uint64_t table_evictions(const struct table *t)
{
	return t->evictions;
}
