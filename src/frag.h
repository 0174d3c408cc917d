/*
 * frag.h - just enough IP reassembly to read a fragmented transport header.
 *
 * nmap -f cuts each probe into 8-byte fragments, so the TCP flags are in
 * the second one and a decoder looking at the first sees only ports.  We
 * do not reassemble datagrams (we never look at payload): we collect the
 * first FRAG_HEAD_BYTES bytes of the transport layer of each fragmented
 * datagram whose first fragment was too short to show its header, and
 * hand the completed header on as a packet of its own.
 *
 * Memory is a fixed pool (FragTableSize entries) keyed by source,
 * destination, protocol and identification with the run's random key.
 * An entry lives FRAG_TIMEOUT_US of packet time; when its bucket is full
 * its entries are replaced in turn.  A fragment flood can therefore only
 * disturb the reassembly of other tiny fragments, never the decoding of
 * ordinary traffic (which never enters the pool).
 *
 * Overlap policy: the first bytes to arrive win; a later fragment that
 * overlaps bytes already held does not change them (and is counted).
 * This is deliberate: an attacker cannot rewrite the flags we have seen.
 */
#ifndef SCANDETD_FRAG_H
#define SCANDETD_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "siphash.h"

/* The transport header, options included, fits in 60 bytes. */
#define FRAG_HEAD_BYTES 64
#define FRAG_TIMEOUT_US (30 * 1000000ULL)

struct frag_pool;

struct frag_stats {
	uint64_t fragments;		/* fragments offered */
	uint64_t tiny;			/* first fragments cut inside the header */
	uint64_t completed;		/* headers handed on */
	uint64_t overlaps;		/* fragments overlapping held bytes */
	uint64_t evicted;		/* entries pushed out of a full bucket */
	uint64_t slots, used;
};

struct frag_pool *frag_new(size_t nslots, const struct sipkey *key);
void frag_free(struct frag_pool *fp);

/*
 * Offer a fragment (p->fragment set, p->frag_data valid).  When this
 * completes a header that was not yet known, *out is filled as the
 * whole packet (header fields, ports, flags; fragment false,
 * tiny_fragment telling how it came) and true is returned.  The pool
 * keeps copies of the bytes it needs: p->frag_data may go right after,
 * and *out points into nothing (frag_data NULL).  out must not be p.
 */
bool frag_offer(struct frag_pool *fp, const struct pkt *p, struct pkt *out);

/* Does a first fragment already show all that detection needs? */
bool frag_header_complete(const struct pkt *p);

void frag_stats(const struct frag_pool *fp, struct frag_stats *st);

#endif
