/*
 * pipeline.h - the decode stage: captured frames in, batches of decoded
 * packets out.
 *
 * The one packet path of scandetd, shared by the packet process
 * (engine.c, live and -r) and the fuzzers: each frame is decoded into the
 * next slot of a batch, counted by its decode result, and the batch goes
 * to the next stage (detect_batch, which fetches each packet's table
 * entries ahead) when it is full, when a fragment needs its bytes while
 * they are still the capture's (pkt.frag_data), and whenever the caller
 * flushes (before capture_dispatch returns: nothing waits for the next
 * packet).  What goes on: decoded packets, later fragments (detection
 * puts split headers together), and datagrams whose transport is not
 * decoded (pkt.ip_only: the protocols a source tries); the rest is only
 * counted.
 */
#ifndef SCANDETD_PIPELINE_H
#define SCANDETD_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "decode.h"
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
};

void pipeline_init(struct pipeline *pl, batch_fn deliver, void *arg);
/* The capture whose packets come next: its link type and the interface
 * its packets say (0: unknown). */
void pipeline_source(struct pipeline *pl, enum link_type link,
		     uint8_t iface);
/* capture_dispatch's callback; arg is the struct pipeline. */
void pipeline_packet(void *arg, const uint8_t *data, size_t caplen,
		     uint32_t wire_len, uint64_t ts_us);
/* Hand over the packets waiting. */
void pipeline_flush(struct pipeline *pl);
/* packets.seen, .decoded, .malformed. */
void pipeline_put_counts(const struct pipeline *pl, stat_fn put, void *arg);
/* decoder.* by reason; every_reason: also those still at zero. */
void pipeline_put_reasons(const struct pipeline *pl, stat_fn put, void *arg,
			  bool every_reason);

#endif
