/*
 * sketch.h - fixed-size distinct counters and the shape of a scan.
 *
 * A 256-bit sketch per dimension (linear counting): the number of bits set
 * grows with the number of distinct values, in 32 bytes whatever the
 * traffic.  Exact for a handful of values, saturating in the hundreds,
 * which is all that telling a scan's shape needs.
 */
#ifndef SCANDETD_SKETCH_H
#define SCANDETD_SKETCH_H

#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "alert.h"
#include "rd.h"

#define SKETCH_BITS 256
#define SKETCH_WORDS (SKETCH_BITS / 32)

/* In 32-bit words: 36 bytes, where 64-bit words padded the count to 40
 * (a source's walk entry keeps four: detect_trw.c). */
struct sketch {
	uint32_t w[SKETCH_WORDS];
	uint16_t n;			/* bits set, kept as they are set */
};

static inline void sketch_add(struct sketch *s, uint32_t h)
{
	unsigned bit = (h * 2654435761u) >> 24;
	uint32_t m = 1u << (bit & 31);

	s->n += !(s->w[bit >> 5] & m);
	s->w[bit >> 5] |= m;
}

static inline unsigned sketch_count(const struct sketch *s)
{
	return s->n;
}

/* Not a keyed hash: the attacker only shapes his own sketch.  The
 * address as four big-endian words, h = h * 31 + word, written out: a
 * packet asks it up to five times, and the loop took four times the
 * instructions. */
static inline uint32_t addr_fold(const struct ipaddr *a)
{
	uint32_t h = rd_get_be32(a->b);

	h = h * 31 + rd_get_be32(a->b + 4);
	h = h * 31 + rd_get_be32(a->b + 8);
	return h * 31 + rd_get_be32(a->b + 12);
}

/*
 * What a set of probes looks like: a vertical scan has few hosts and many
 * ports, a sweep few ports and many hosts; a grid (many hosts times many
 * ports) shows as contacts well beyond either dimension.  Contacts spread
 * one to one over hosts and ports alike are what peer-to-peer clients
 * make: ALERT_KIND_COUNT, undecided.  contacts 0 means unknown.
 */
static inline enum alert_kind scan_shape(unsigned hosts, unsigned ports,
					 unsigned contacts)
{
	unsigned most = hosts > ports ? hosts : ports;

	if (hosts * 2 <= ports)
		return ALERT_PORTSCAN;
	if (ports * 2 <= hosts)
		return ALERT_SWEEP;
	if (contacts && contacts >= 2 * most)
		return hosts >= ports ? ALERT_SWEEP : ALERT_PORTSCAN;
	return ALERT_KIND_COUNT;
}

#endif
