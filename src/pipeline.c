/*
 * pipeline.c - the decode stage (pipeline.h).
 */
#include "pipeline.h"

#include <string.h>

void pipeline_init(struct pipeline *pl, batch_fn deliver, void *arg)
{
	memset(pl, 0, sizeof *pl);
	pl->deliver = deliver;
	pl->deliver_arg = arg;
}

void pipeline_source(struct pipeline *pl, enum link_type link,
		     uint8_t iface)
{
	pl->link = link;
	pl->iface = iface;
}

void pipeline_flush(struct pipeline *pl)
{
	if (pl->nbatch)
		pl->deliver(pl->deliver_arg, pl->batch, pl->nbatch);
	pl->nbatch = 0;
}

static void count(struct pipeline_counts *c, uint32_t wire_len,
		  uint64_t ts_us)
{
	c->packets++;
	c->bytes += wire_len;
	c->now_us = ts_us;
	if (ts_us < c->first_us || c->packets == 1)
		c->first_us = ts_us;
	if (ts_us > c->last_us)
		c->last_us = ts_us;
}

void pipeline_packet(void *arg, const uint8_t *data, size_t caplen,
		     uint32_t wire_len, uint64_t ts_us)
{
	struct pipeline *pl = arg;
	struct pkt *p = &pl->batch[pl->nbatch];
	enum decode_result r;

	count(&pl->c, wire_len, ts_us);
	p->ts_us = ts_us;
	r = decode_packet(pl->link, data, caplen, p);
	p->wire_len = wire_len;
	p->iface = pl->iface;
	pl->c.decode_results[r]++;
	if (r != DEC_OK && r != DEC_SKIP_LATER_FRAGMENT && !p->ip_only)
		return;
	pl->nbatch++;
	/* A fragment's data points into the capture's buffer, valid only
	 * until the next packet: it goes now, after those before it. */
	if (p->fragment || pl->nbatch == PKT_BATCH)
		pipeline_flush(pl);
}

void pipeline_put_counts(const struct pipeline *pl, stat_fn put, void *arg)
{
	const uint64_t *res = pl->c.decode_results;
	uint64_t malformed = 0;

	for (int r = 0; r < DEC_RESULT_COUNT; r++)
		if (decode_is_malformed((enum decode_result)r))
			malformed += res[r];
	put(arg, "packets.seen", pl->c.packets);
	put(arg, "packets.decoded", res[DEC_OK]);
	put(arg, "packets.malformed", malformed);
}

void pipeline_put_reasons(const struct pipeline *pl, stat_fn put, void *arg,
			  bool every_reason)
{
	const uint64_t *res = pl->c.decode_results;

	for (int r = 1; r < DEC_RESULT_COUNT; r++)
		if (res[r] || every_reason)
			put(arg, decode_result_name((enum decode_result)r),
			    res[r]);
}
