/*
 * pipeline.h - the stages before detection: captured frames in,
 * batches of whole packets out.
 *
 *   capture -> decode -> reassemble -> [batch] -> detect -> alert -> sinks
 *
 * The one packet path of scandetd, shared by the packet process
 * (engine.c, live and -r) and the fuzzers.  Each frame is decoded into
 * the next slot of a batch and counted by its decode result.  Then
 * reassembly (frag.c): a fragment whose transport header is not all in
 * it goes to the fragment pool, and when it completes a header the
 * whole packet takes its slot.
 *
 * What goes on: decoded packets, datagrams whose transport is not
 * decoded (pkt.ip_only: the protocols a source tries), and fragments.
 * Past reassembly pkt.fragment means "no transport header here": a later
 * fragment, or a first fragment that completed none; detection uses
 * only its time (packet time moves on with it, as it did when detection
 * reassembled).  A first fragment that shows its whole header, and a
 * header put together (pkt.tiny_fragment), go on as whole packets,
 * fragment false.  No packet past this stage points into the capture's
 * buffer (pkt.frag_data is NULL), so a batch waits for more packets
 * across fragments: it goes to the next stage (detect_batch, which
 * fetches each packet's table entries ahead) only when it is full and
 * whenever the caller flushes (before capture_dispatch returns: nothing
 * waits for the next packet).  The rest is only counted.
 */
#ifndef SCANDETD_PIPELINE_H
#define SCANDETD_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "conf.h"
#include "decode.h"
#include "frag.h"
#include "params.h"

/* The next stage: n packets in capture order. */
typedef void (*batch_fn)(void *arg, const struct pkt *batch, size_t n);

struct pipeline_counts {
	uint64_t packets, bytes;
	uint64_t now_us;		/* time of the latest packet */
	uint64_t first_us, last_us;	/* the earliest and latest packet */
	uint64_t decode_results[DEC_RESULT_COUNT];
};

struct pipeline {
	batch_fn deliver;
	void *deliver_arg;
	enum link_type link;		/* of the capture being dispatched */
	uint8_t iface;			/* pkt.iface of its packets */
	struct pipeline_counts c;
	struct pkt batch[PKT_BATCH];
	size_t nbatch;
	struct frag_pool *frags;	/* the reassembly stage's pool */
};

/* The fragment pool has frag_slots entries (cfg's FragTableSize, or a
 * live worker's share of it) and cfg's key (sipkey_for_run: --hash-key
 * fixes it as for detection's tables).  False, with err set, when the
 * pool cannot be had. */
bool pipeline_init(struct pipeline *pl, const struct config *cfg,
		   size_t frag_slots, batch_fn deliver, void *arg, char *err,
		   size_t errlen);
void pipeline_free(struct pipeline *pl);
/* Send the batches to another next stage from now on (workers.h). */
void pipeline_set_next(struct pipeline *pl, batch_fn deliver, void *arg);
/* The capture whose packets come next: its link type and the interface
 * its packets say (0: unknown). */
void pipeline_source(struct pipeline *pl, enum link_type link,
		     uint8_t iface);
/* capture_dispatch's callback; arg is the struct pipeline. */
void pipeline_packet(void *arg, const uint8_t *data, size_t caplen,
		     uint32_t wire_len, uint64_t ts_us);
/* Hand over the packets waiting. */
void pipeline_flush(struct pipeline *pl);
/* Several pipelines' counts as one (workers.h). */
void pipeline_counts_add(struct pipeline_counts *sum,
			 const struct pipeline_counts *add);
/* packets.seen, .decoded, .malformed. */
void pipeline_put_counts(const struct pipeline *pl, stat_fn put, void *arg);
/* decoder.* by reason; every_reason: also those still at zero. */
void pipeline_put_reasons(const struct pipeline *pl, stat_fn put, void *arg,
			  bool every_reason);
/* frags.*: the reassembly stage (frag_stats_put: of stats summed). */
void pipeline_put_frags(const struct pipeline *pl, stat_fn put, void *arg);
void frag_stats_put(const struct frag_stats *fs, stat_fn put, void *arg);

#endif
