/* test_table.c - the keyed tables: lookups, removal, levels, eviction. */
#include <stdlib.h>

#include "params.h"
#include "table.h"
#include "unit.h"

static const struct sipkey test_key = { 0x0706050403020100ULL,
					0x0f0e0d0c0b0a0908ULL };

/* Entries are entry_size bytes with a uint32_t key first. */
static struct table *new_table(size_t nslots, size_t entry_size,
			       void (*evict)(void *, void *), void *arg,
			       uint8_t evict_level)
{
	struct table_ops ops = {
		.entry_size = entry_size,
		.key_size = sizeof(uint32_t),
		.evict = evict,
		.evict_level = evict_level,
		.arg = arg,
	};

	return table_new(nslots, &ops, &test_key);
}

static void *get(struct table *t, uint32_t key, bool *created)
{
	return table_get(t, &key, created);
}

static uint32_t key_of(const void *entry)
{
	uint32_t k;

	memcpy(&k, entry, sizeof k);
	return k;
}

TEST(get_find_remove)
{
	struct table *t = new_table(64, 16, NULL, NULL, 0);
	uint32_t k = 42;
	bool created;
	void *e = get(t, k, &created);

	CHECK(created);
	CHECK_INT(key_of(e), 42);
	CHECK(table_find(t, &k) == e);
	CHECK(get(t, k, &created) == e);
	CHECK(!created);
	CHECK_INT(table_count(t), 1);
	CHECK(table_live(t, e));
	table_remove(t, e);
	CHECK(!table_live(t, e));
	CHECK(table_find(t, &k) == NULL);
	CHECK_INT(table_count(t), 0);
	table_remove(t, e);		/* twice: harmless */
	CHECK_INT(table_count(t), 0);
	table_free(t);
}

/* An entry's slot is found from its address without a division: check
 * it for entry sizes odd, even and with large powers of two in them. */
TEST(levels_follow_entries_of_any_size)
{
	static const size_t sizes[] = { 4, 5, 12, 17, 24, 64, 72, 96, 330, 4096 };

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		struct table *t = new_table(256, sizes[s], NULL, NULL, 0);
		void *entries[256];
		size_t n = 0;
		bool created;

		CHECK(t != NULL);
		if (!t)
			continue;
		/* Fewer keys than slots, so none is evicted. */
		for (uint32_t k = 1; k <= 100; k++) {
			entries[n] = get(t, k, &created);
			table_set_level(t, entries[n], (uint8_t)(k * 7));
			n++;
		}
		for (size_t i = 0; i < n; i++) {
			uint32_t k = key_of(entries[i]);

			CHECK_INT(table_level(t, entries[i]), (uint8_t)(k * 7));
			CHECK(table_find(t, &k) == entries[i]);
		}
		CHECK_INT(table_count(t), 100);
		/* Removal goes by the same address-to-slot mapping: a wrong
		 * slot would drop some other key. */
		for (size_t i = 0; i < n; i += 2)
			table_remove(t, entries[i]);
		for (size_t i = 0; i < n; i++) {
			uint32_t k = (uint32_t)i + 1;

			CHECK((table_find(t, &k) == NULL) == (i % 2 == 0));
		}
		CHECK_INT(table_count(t), 50);
		table_free(t);
	}
}

struct evict_log {
	uint32_t keys[64];
	size_t n;
};

static void log_evict(void *entry, void *arg)
{
	struct evict_log *log = arg;

	if (log->n < 64)
		log->keys[log->n++] = key_of(entry);
}

/* One bucket: the lowest level goes first; among equals, in turn. */
TEST(eviction_takes_the_lowest_level)
{
	struct evict_log log = { .n = 0 };
	struct table *t = new_table(TABLE_PROBE_LIMIT, 16, log_evict, &log, 0);
	bool created;

	for (uint32_t k = 1; k <= TABLE_PROBE_LIMIT; k++)
		table_set_level(t, get(t, k, &created), k == 3 ? 1 : 9);
	CHECK_INT(table_count(t), TABLE_PROBE_LIMIT);
	CHECK_INT(table_evictions(t), 0);
	get(t, 100, &created);		/* level 0: the next to go */
	CHECK(created);
	CHECK_INT(log.n, 1);
	CHECK_INT(log.keys[0], 3);
	CHECK_INT(table_evictions(t), 1);
	get(t, 101, &created);
	CHECK_INT(log.n, 2);
	CHECK_INT(log.keys[1], 100);
	/* Every one at 9 but the newest (level 0): it goes, and again the
	 * next newcomer, so a flood churns only the lowest slot. */
	for (uint32_t k = 200; k < 220; k++)
		get(t, k, &created);
	for (uint32_t k = 1; k <= TABLE_PROBE_LIMIT; k++) {
		if (k != 3)
			CHECK(table_find(t, &k) != NULL);
	}
	CHECK_INT(table_count(t), TABLE_PROBE_LIMIT);
	table_free(t);
}

/* Among equal levels the victims take turns: eight newcomers at level 0
 * replace eight entries at level 0, not one slot eight times. */
TEST(eviction_in_turn_among_equals)
{
	struct evict_log log = { .n = 0 };
	struct table *t = new_table(TABLE_PROBE_LIMIT, 16, log_evict, &log, 0);
	bool created;

	for (uint32_t k = 1; k <= TABLE_PROBE_LIMIT; k++)
		get(t, k, &created);
	for (uint32_t k = 100; k < 100 + TABLE_PROBE_LIMIT; k++)
		get(t, k, &created);
	CHECK_INT(log.n, TABLE_PROBE_LIMIT);
	for (uint32_t k = 1; k <= TABLE_PROBE_LIMIT; k++)
		CHECK(table_find(t, &k) == NULL);
	table_free(t);
}

/* The owner hears only of victims at evict_level or above; the table
 * counts every eviction. */
TEST(evict_callback_only_from_its_level)
{
	struct evict_log log = { .n = 0 };
	struct table *t = new_table(TABLE_PROBE_LIMIT, 24, log_evict, &log, 200);
	uint32_t five = 5;
	void *e;
	bool created;

	for (uint32_t k = 1; k <= TABLE_PROBE_LIMIT; k++)
		table_set_level(t, get(t, k, &created), k == 5 ? 255 : 0);
	for (uint32_t k = 10; k < 10 + 3 * TABLE_PROBE_LIMIT; k++)
		get(t, k, &created);	/* only level-0 entries go */
	CHECK_INT(log.n, 0);
	CHECK_INT(table_evictions(t), 3 * TABLE_PROBE_LIMIT);
	e = table_find(t, &five);
	CHECK(e != NULL);
	if (!e) {
		table_free(t);
		return;
	}
	/* 5 lowered to 200, each newcomer raised to 201: the seven level-0
	 * entries go unheard, then 5, at the callback's level, is heard. */
	table_set_level(t, e, 200);
	for (uint32_t k = 1000; k < 1000 + TABLE_PROBE_LIMIT; k++)
		table_set_level(t, get(t, k, &created), 201);
	CHECK_INT(log.n, 1);
	CHECK_INT(log.keys[0], 5);
	CHECK(table_find(t, &five) == NULL);
	table_free(t);
}

/* A hint saves hashing the key it was made for, in the table it was
 * made for; any other key or table ignores it. */
TEST(hints_serve_only_their_key_and_table)
{
	static const struct sipkey other_key = { 1, 2 };
	struct table_ops ops = { .entry_size = 16, .key_size = sizeof(uint32_t) };
	struct table *t = new_table(1024, 16, NULL, NULL, 0);
	struct table *u = table_new(1024, &ops, &other_key);
	struct table_hint hint;
	uint32_t k1 = 11, k2 = 22;
	bool created;
	void *e;

	memset(&hint, 0, sizeof hint);
	table_prefetch(t, &k1, false, &hint);
	CHECK_INT(hint.len, sizeof k1);
	table_prefetch(t, &k1, true, &hint);
	e = table_get_hinted(t, &k1, &hint, &created);
	CHECK(created);
	CHECK(table_find(t, &k1) == e);
	/* Another key with k1's hint: placed by its own hash. */
	e = table_get_hinted(t, &k2, &hint, &created);
	CHECK(created);
	CHECK(table_find(t, &k2) == e);
	/* Another table (another SipHash key) with k1's hint. */
	for (uint32_t k = 100; k < 400; k++) {
		table_prefetch(t, &k, false, &hint);
		e = table_get_hinted(u, &k, &hint, &created);
		CHECK(table_find(u, &k) == e);
	}
	CHECK_INT(table_count(u), 300);
	table_free(t);
	table_free(u);
}

static void count_entry(void *entry, void *arg)
{
	(void)entry;
	++*(size_t *)arg;
}

TEST(sweep_visits_every_slot_once_per_round)
{
	struct table *t = new_table(128, 12, NULL, NULL, 0);
	size_t seen = 0;
	bool created;

	for (uint32_t k = 0; k < 60; k++)
		get(t, k, &created);
	for (size_t i = 0; i < table_slots(t); i += 16)
		table_sweep(t, 16, count_entry, &seen);
	CHECK_INT(seen, table_count(t));
	seen = 0;
	table_foreach(t, count_entry, &seen);
	CHECK_INT(seen, table_count(t));
	table_free(t);
}

/* A new entry has its fresh part zeroed and the rest as its slot's
 * previous entry left it; a fresh part shorter than the key, or longer
 * than the entry, is refused. */
TEST(new_entry_zeroes_its_fresh_part_only)
{
	struct table_ops ops = {
		.entry_size = 64,
		.key_size = sizeof(uint32_t),
		.fresh_size = 16,
	};
	struct table *t = table_new(64, &ops, &test_key);
	unsigned char *e;
	uint32_t k = 7;
	bool created;

	CHECK(t != NULL);
	e = table_get(t, &k, &created);
	CHECK(created);
	memset(e + sizeof k, 0xa5, 64 - sizeof k);
	table_remove(t, e);
	CHECK(table_get(t, &k, &created) == e);	/* the same empty slot */
	CHECK(created);
	CHECK_INT(key_of(e), 7);
	CHECK_INT(e[sizeof k], 0);
	CHECK_INT(e[15], 0);
	CHECK_INT(e[16], 0xa5);
	CHECK_INT(e[63], 0xa5);
	table_free(t);
	ops.fresh_size = 2;
	CHECK(table_new(64, &ops, &test_key) == NULL);
	ops.fresh_size = 65;
	CHECK(table_new(64, &ops, &test_key) == NULL);
}

int main(void)
{
	RUN(get_find_remove);
	RUN(levels_follow_entries_of_any_size);
	RUN(eviction_takes_the_lowest_level);
	RUN(eviction_in_turn_among_equals);
	RUN(evict_callback_only_from_its_level);
	RUN(hints_serve_only_their_key_and_table);
	RUN(sweep_visits_every_slot_once_per_round);
	RUN(new_entry_zeroes_its_fresh_part_only);
	return unit_report(__FILE__);
}
