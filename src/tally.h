/*
 * tally.h - what a scan reached: its distinct ports and hosts, and the
 * ports that answered (open).
 *
 * Memory stays fixed whatever the traffic.  Every source entry holds a
 * small struct tally: the first TALLY_EARLY_PORTS distinct ports and
 * TALLY_EARLY_HOSTS distinct hosts its probes reached, exactly, and the
 * early ports that answered.  A scan, once reported, takes a struct
 * tally_full from a fixed pool (TALLY_POOL_SIZE of them per detector):
 * a bitmap of all 65536 ports (8 KiB: exact), a linear-counting bitmap of
 * hosts (TALLY_HOST_BITS: exact in practice for tens of hosts, within 1%
 * up to ten thousand), and the open ports.  It goes back to the pool when
 * the scan ends.  Ports probed before the report beyond the early ones
 * (the classic method reports at its 40th probe) are estimated from the
 * detector's own sketch; with the trw method's reports, on the 4th to
 * 10th probe, the counts are exact.  A reported scan that finds the pool
 * empty (hundreds of scans at once: a spoofed flood) keeps counting in
 * its early tally, and its counts are then lower bounds.
 */
#ifndef SCANDETD_TALLY_H
#define SCANDETD_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "alert.h"
#include "params.h"
#include "sketch.h"

/* In every source entry (40 bytes). */
struct tally {
	uint16_t port[TALLY_EARLY_PORTS];
	uint32_t host[TALLY_EARLY_HOSTS];	/* addr_fold() of each */
	uint16_t full;			/* pool slot + 1; 0: none */
	uint8_t nports, nhosts;
	uint8_t open_bits;		/* bit i: port[i] answered */
	bool ports_over, hosts_over;	/* more than the early ones */
	uint8_t answers;		/* contacts that answered (saturates) */
};
_Static_assert(TALLY_EARLY_PORTS <= 8, "open_bits has a bit per early port");

struct tally_pool;

struct tally_pool *tally_pool_new(size_t n);
void tally_pool_free(struct tally_pool *p);

/* A probe of the source reached dst:port. */
void tally_probe(struct tally_pool *p, struct tally *t,
		 const struct ipaddr *dst, uint16_t port);
/* A contact to port was answered (SYN-ACK, a UDP reply): once per
 * contact (host and port). */
void tally_open(struct tally_pool *p, struct tally *t, uint16_t port);
/* The scan is reported: follow it exactly from now on.  extra_ports and
 * extra_hosts: how many more the detector's sketch saw than the early
 * lists hold (0 unless they overflowed). */
void tally_attach(struct tally_pool *p, struct tally *t,
		  uint32_t extra_ports, uint32_t extra_hosts);
/* The scan ended: its slot goes back to the pool; the tally is empty. */
void tally_release(struct tally_pool *p, struct tally *t);
/* ports, hosts and open of s, and the open ports listed in o, as
 * counted so far. */
void tally_read(const struct tally_pool *p, const struct tally *t,
		struct scan_summary *s, struct open_list *o);

/* Distinct values sketch s saw beyond the n that an early list holds,
 * among probes probes: what tally_attach's extra_ports and extra_hosts
 * want. */
uint32_t tally_extra(const struct sketch *s, unsigned n, uint32_t probes);

/* Linear counting (Whang et al. 1990): distinct values behind `set` of
 * `bits` bits set; saturates at bits * ln(bits). */
uint32_t linear_count(uint32_t set, uint32_t bits);

/* PREFIX.tallies.slots, .used, and .exhausted: scans reported when no
 * exact tally was left (their counts are early ones). */
void tally_put_stats(const struct tally_pool *p, const char *prefix,
		     stat_fn put, void *arg);

#endif
