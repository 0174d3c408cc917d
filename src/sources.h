/*
 * sources.h - the per-source lifecycle the scan detectors share.
 *
 * Each scan detector keeps one entry per source (and protocol) in a
 * fixed keyed table: made at the source's first packet, refreshed by
 * each later one, ended when the source has been quiet SCAN_EXPIRE_US
 * (sources_sweep_idle, in the order sources went quiet, so that output
 * depends on the traffic and not on where the hash put entries), when
 * the table needs its slot (an entry whose scan was reported ends it
 * first: sources_new), or at the end of input (sources_each_reported).
 * What an entry holds past its head is the detector's own.
 */
#ifndef SCANDETD_SOURCES_H
#define SCANDETD_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "alert.h"
#include "decode.h"
#include "siphash.h"
#include "table.h"

/*
 * An entry begins with this head: the table key (source and protocol),
 * the time of the source's latest activity, and whether its current
 * scan has been reported.
 */
struct source_key {
	struct ipaddr src;
	uint8_t proto;
	uint8_t pad[3];
};

struct source_head {
	struct source_key key;
	uint64_t last_ts;
	bool reported;
	/* pkt.iface of its latest probe: where its alerts say it was. */
	uint8_t iface;
};

void source_key_make(struct source_key *k, const struct ipaddr *src,
		     uint8_t proto);
/* Fetch ahead the entry of p's source (p: a packet that may be a probe). */
void sources_prefetch(const struct table *t, const struct pkt *p,
		      bool entry, struct table_hint *hint);
/* fn(entry, now, arg) for each entry idle for SCAN_EXPIRE_US at now. */
void sources_sweep_idle(struct table *t, uint64_t now,
			void (*fn)(void *entry, uint64_t now, void *arg),
			void *arg);
/* A table's statistics: NAME.slots, NAME.used, NAME.evictions. */
void table_put_stats(const struct table *t, const char *name, stat_fn put,
		     void *arg);
/* fn(entry, arg) for each entry whose scan was reported. */
void sources_each_reported(struct table *t, void (*fn)(void *entry, void *arg),
			   void *arg);
/* The eviction level of a source (table.h): reported scans highest, then
 * by evidence, so a source with evidence outlives any number of
 * one-packet sources. */
#define SOURCE_LEVEL_REPORTED 255
uint8_t source_level(const struct source_head *h, uint32_t evidence);

/* A table of slots entries of entry_size bytes, each beginning with a
 * struct source_head; evict(entry, arg) is called for an entry whose
 * scan was reported before the table gives its slot to another (the
 * others go silently: evidence ranks them, source_level).  A new entry
 * has its first fresh_size bytes zeroed (table_ops; 0: all of it). */
struct table *sources_new(size_t slots, size_t entry_size, size_t fresh_size,
			  void (*evict)(void *entry, void *arg), void *arg,
			  const struct sipkey *key);
/* The entry of src over proto, or NULL. */
void *sources_find(struct table *t, const struct ipaddr *src, uint8_t proto);

#endif
