/* frag.c - collect fragmented transport headers in a fixed pool. */
#include "frag.h"

#include <stdlib.h>
#include <string.h>

#include "table.h"

/* RFC 791 keys a datagram by source, destination, protocol and id.  In
 * IPv6 the protocol is left out: a datagram's later fragments name the
 * header after the Fragment header (perhaps Destination Options), its
 * first fragment the transport. */
struct frag_key {
	struct ipaddr src, dst;
	uint32_t id;
	uint8_t proto;			/* IPv4 only */
	uint8_t pad[3];
};

struct frag_entry {
	struct frag_key key;
	uint64_t first_ts;
	struct pkt first;		/* network-layer fields of the datagram */
	uint8_t head[FRAG_HEAD_BYTES];
	uint8_t have[FRAG_HEAD_BYTES / 8];	/* which 8-byte blocks arrived */
	uint16_t l4len;			/* from the last fragment, 0: unknown */
	uint8_t skip;			/* extension headers before L4 */
	bool have_first;
	bool done;
};

struct frag_pool {
	struct table *t;
	struct frag_stats st;
};

static void frag_evicted(void *entry, void *arg)
{
	struct frag_pool *fp = arg;

	(void)entry;
	fp->st.evicted++;
}

struct frag_pool *frag_new(size_t nslots, const struct sipkey *key)
{
	struct frag_pool *fp = calloc(1, sizeof *fp);
	struct table_ops ops = {
		.entry_size = sizeof(struct frag_entry),
		.key_size = sizeof(struct frag_key),
		.evict = frag_evicted,
	};

	if (!fp)
		return NULL;
	ops.arg = fp;
	fp->t = table_new(nslots, &ops, key);
	if (!fp->t) {
		free(fp);
		return NULL;
	}
	return fp;
}

void frag_free(struct frag_pool *fp)
{
	if (!fp)
		return;
	table_free(fp->t);
	free(fp);
}

/* Bytes of transport header detection needs, of the n at h: TCP the
 * whole header with its options (signatures look at them), UDP and ICMP
 * their 8 bytes. */
static size_t header_needed(uint8_t proto, const uint8_t *h, size_t n)
{
	size_t tcp_len;

	if (proto != PROTO_TCP)
		return 8;
	if (n < 20)
		return 20;
	tcp_len = (size_t)(h[12] >> 4) * 4;
	return tcp_len > 20 ? tcp_len : 20;
}

bool frag_header_complete(const struct pkt *p)
{
	size_t avail;

	if (!p->fragment)
		return true;
	if (p->frag_offset != 0 || !p->frag_data ||
	    p->frag_caplen < p->frag_l4_skip)
		return false;
	avail = p->frag_caplen - p->frag_l4_skip;
	return avail >= header_needed(p->proto, p->frag_data + p->frag_l4_skip,
				      avail);
}

/* Copy the part of this fragment that falls in the head, block by block
 * (fragment offsets are multiples of 8); held blocks are not rewritten. */
static void take_blocks(struct frag_pool *fp, struct frag_entry *e,
			const struct pkt *p)
{
	size_t off = p->frag_offset, len = p->frag_caplen;
	bool overlap = false;

	for (size_t b = off / 8; b < FRAG_HEAD_BYTES / 8; b++) {
		size_t start = b * 8, n;

		if (start >= off + len)
			break;
		n = off + len - start < 8 ? off + len - start : 8;
		if (e->have[b]) {
			overlap = true;
			continue;
		}
		memcpy(e->head + start, p->frag_data + (start - off), n);
		/* a partial block only counts when the datagram ends there */
		e->have[b] = n == 8 || !p->frag_more;
	}
	if (overlap)
		fp->st.overlaps++;
}

static size_t contiguous_bytes(const struct frag_entry *e)
{
	size_t n = 0;

	while (n < FRAG_HEAD_BYTES / 8 && e->have[n])
		n++;
	n *= 8;
	if (e->l4len && n > e->l4len)
		n = e->l4len;
	return n;
}

bool frag_offer(struct frag_pool *fp, const struct pkt *p, struct pkt *out)
{
	struct frag_key key;
	struct frag_entry *e;
	bool created;
	size_t have;

	fp->st.fragments++;
	/* Only the first FRAG_HEAD_BYTES matter: the later fragments of an
	 * ordinary fragmented datagram never take a slot. */
	if (!p->fragment || !p->frag_data || p->frag_offset >= FRAG_HEAD_BYTES)
		return false;
	memset(&key, 0, sizeof key);
	key.src = p->src;
	key.dst = p->dst;
	key.id = p->frag_id;
	key.proto = p->ipver == 4 ? p->proto : 0;
	e = table_get(fp->t, &key, &created);
	if (!created && p->ts_us > e->first_ts + FRAG_TIMEOUT_US) {
		memset((char *)e + sizeof key, 0, sizeof *e - sizeof key);
		created = true;
	}
	if (created)
		e->first_ts = p->ts_us;
	take_blocks(fp, e, p);		/* counts overlaps, also once done */
	if (e->done)
		return false;
	if (p->frag_offset == 0) {
		e->first = *p;
		e->first.frag_data = NULL;	/* the capture's: gone soon */
		e->skip = p->frag_l4_skip;
		e->have_first = true;
		fp->st.tiny++;
	}
	if (!p->frag_more)
		e->l4len = (uint16_t)(p->frag_offset + p->frag_payload);
	have = contiguous_bytes(e);
	if (!e->have_first || have < e->skip ||
	    have - e->skip < header_needed(e->first.proto, e->head + e->skip,
					   have - e->skip))
		return false;
	*out = e->first;
	out->ts_us = p->ts_us;
	out->tiny_fragment = true;
	if (decode_transport(out, e->head + e->skip, have - e->skip,
			     (e->l4len ? e->l4len : have) - e->skip) != DEC_OK)
		return false;
	e->done = true;
	fp->st.completed++;
	return true;
}

void frag_stats(const struct frag_pool *fp, struct frag_stats *st)
{
	*st = fp->st;
	st->slots = table_slots(fp->t);
	st->used = table_count(fp->t);
}
