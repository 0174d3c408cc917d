/*
 * pipeline.c - the stages before detection: decode, reassemble
 * (pipeline.h).
 */
#include "pipeline.h"

#include <string.h>

#include "detect.h"

bool pipeline_init(struct pipeline *pl, const struct config *cfg,
		   size_t frag_slots, batch_fn deliver, void *arg, char *err,
		   size_t errlen)
{
	struct sipkey key;

	memset(pl, 0, sizeof *pl);
	pl->deliver = deliver;
	pl->deliver_arg = arg;
	if (sipkey_for_run(&key, cfg->hash_key_fixed, &cfg->hash_key) != 0) {
		snprintf(err, errlen, "no random bytes for the hash key");
		return false;
	}
	pl->frags = frag_new(frag_slots, &key);
	if (!pl->frags) {
		detect_table_error(cfg, "FragTableSize", cfg->frag_table_size,
				   "fragment table", err, errlen);
		return false;
	}
	return true;
}

void pipeline_set_next(struct pipeline *pl, batch_fn deliver, void *arg)
{
	pipeline_flush(pl);
	pl->deliver = deliver;
	pl->deliver_arg = arg;
}

void pipeline_free(struct pipeline *pl)
{
	frag_free(pl->frags);
	pl->frags = NULL;
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

/*
 * The reassembly stage, on the packet in its batch slot.  A fragment
 * whose transport header is not all in it is offered to the pool; if it
 * completes a header, the whole packet takes the slot, else the slot
 * stays a fragment (its time only, pipeline.h).  A first fragment with
 * its whole header goes on as a whole packet.  Datagrams read no
 * further than their network layer (ip_only) are not reassembled.
 * Either way the fragment's bytes, the capture's, are not looked at
 * again.
 */
static void reassemble(struct pipeline *pl, struct pkt *p)
{
	struct pkt whole;

	if (!p->fragment)
		return;
	if (!p->ip_only) {
		if (frag_header_complete(p))
			p->fragment = false;
		else if (frag_offer(pl->frags, p, &whole))
			*p = whole;
	}
	p->frag_data = NULL;
	p->frag_caplen = 0;
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
	reassemble(pl, p);
	if (++pl->nbatch == PKT_BATCH)
		pipeline_flush(pl);
}

void pipeline_counts_add(struct pipeline_counts *sum,
			 const struct pipeline_counts *add)
{
	if (!sum->packets || (add->packets && add->first_us < sum->first_us))
		sum->first_us = add->first_us;
	if (add->last_us > sum->last_us)
		sum->last_us = add->last_us;
	if (add->now_us > sum->now_us)
		sum->now_us = add->now_us;
	sum->packets += add->packets;
	sum->bytes += add->bytes;
	for (int r = 0; r < DEC_RESULT_COUNT; r++)
		sum->decode_results[r] += add->decode_results[r];
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

void pipeline_put_frags(const struct pipeline *pl, stat_fn put, void *arg)
{
	struct frag_stats fs;

	frag_stats(pl->frags, &fs);
	frag_stats_put(&fs, put, arg);
}

void frag_stats_put(const struct frag_stats *fs, stat_fn put, void *arg)
{
	put(arg, "frags.slots", fs->slots);
	put(arg, "frags.used", fs->used);
	put(arg, "frags.fragments", fs->fragments);
	put(arg, "frags.tiny", fs->tiny);
	put(arg, "frags.completed", fs->completed);
	put(arg, "frags.overlaps", fs->overlaps);
	put(arg, "frags.evictions", fs->evicted);
}
