/*
 * steps.c - the first steps of scandetd's packet path alone, to show
 * how much of the ceiling any detector has left once it has done them:
 *
 *   steps decode FILE   read FILE as scandetd -r does (its capture
 *                       stage, capture.h) and decode every packet
 *                       (decode.h) into a batch of struct pkt;
 *   steps lookup FILE   the same, then one lookup per decoded packet in
 *                       a table like the contacts' (table.h: a 36-byte
 *                       key of addresses, port and protocol, one line
 *                       per entry, DEFAULT_FLOW_TABLE_SIZE slots), made
 *                       if absent, with the buckets and entries fetched
 *                       ahead as detect_batch fetches them.
 *
 * The one table stands for the least state a detector keeps: something
 * per flow, so that a reply or a second packet finds the first.
 * scandetd itself does this and more (a source table, the detectors).
 * Prints the packets read, decoded and the entries made, so that
 * nothing is optimised away.  Linked with libscandetd.a: the code
 * measured is scandetd's own.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "decode.h"
#include "params.h"
#include "siphash.h"
#include "table.h"

/* detect_batch's distances (detect.c): buckets two steps ahead, entries
 * one step ahead. */
#define AHEAD 8
#define BATCH 32

struct flow_key {
	struct ipaddr src, dst;
	uint16_t dport;
	uint8_t proto;
	uint8_t pad;
};

struct flow {
	struct flow_key key;
	uint32_t packets;
	uint64_t first_ts, last_ts;
	uint8_t rest[64 - sizeof(struct flow_key) - 4 - 16];
};
_Static_assert(sizeof(struct flow) == 64, "one line per entry");

struct steps {
	bool lookup;
	enum link_type link;
	uint64_t read, decoded;
	struct pkt batch[BATCH];
	size_t n;
	struct table *flows;
	struct flow_key keys[BATCH];
	struct table_hint hints[BATCH];
};

static void key_of(struct flow_key *k, const struct pkt *p)
{
	memset(k, 0, sizeof *k);
	k->src = p->src;
	k->dst = p->dst;
	k->dport = p->dport;
	k->proto = p->proto;
}

static void look_up(struct steps *s, size_t i)
{
	struct flow *f;
	bool created;

	f = table_get_hinted(s->flows, &s->keys[i], &s->hints[i], &created);
	if (created)
		f->first_ts = s->batch[i].ts_us;
	f->packets++;
	f->last_ts = s->batch[i].ts_us;
}

/* Packet i + 2 AHEAD's bucket, i + AHEAD's entry, then packet i. */
static void flush(struct steps *s)
{
	if (s->lookup) {
		for (size_t i = 0; i < s->n + 2 * AHEAD; i++) {
			if (i < s->n) {
				key_of(&s->keys[i], &s->batch[i]);
				s->hints[i].len = 0;
				table_prefetch(s->flows, &s->keys[i], false,
					       &s->hints[i]);
			}
			if (i >= AHEAD && i - AHEAD < s->n)
				table_prefetch(s->flows, &s->keys[i - AHEAD],
					       true, &s->hints[i - AHEAD]);
			if (i >= 2 * AHEAD && i - 2 * AHEAD < s->n)
				look_up(s, i - 2 * AHEAD);
		}
	}
	s->n = 0;
}

static void on_packet(void *arg, const uint8_t *data, size_t caplen,
		      uint32_t wire_len, uint64_t ts_us)
{
	struct steps *s = arg;
	struct pkt *p = &s->batch[s->n];

	s->read++;
	p->ts_us = ts_us;
	p->wire_len = wire_len;
	if (decode_packet(s->link, data, caplen, p) != DEC_OK)
		return;
	s->decoded++;
	if (++s->n == BATCH)
		flush(s);
}

int main(int argc, char **argv)
{
	static struct steps s;
	const struct table_ops ops = {
		.entry_size = sizeof(struct flow),
		.key_size = sizeof(struct flow_key),
	};
	struct sipkey key;
	struct capture *c;
	char err[256];
	int n;

	if (argc != 3 || (strcmp(argv[1], "decode") != 0 &&
			  strcmp(argv[1], "lookup") != 0)) {
		fprintf(stderr, "usage: steps decode|lookup FILE\n");
		return 2;
	}
	s.lookup = strcmp(argv[1], "lookup") == 0;
	if (sipkey_random(&key) != 0) {
		perror("steps: getrandom");
		return 1;
	}
	s.flows = table_new(DEFAULT_FLOW_TABLE_SIZE, &ops, &key);
	c = capture_open_file(argv[2], NULL, err, sizeof err);
	if (!s.flows || !c) {
		fprintf(stderr, "steps: %s\n", c ? "out of memory" : err);
		return 1;
	}
	s.link = capture_link(c);
	while ((n = capture_dispatch(c, 4096, on_packet, &s, err,
				     sizeof err)) > 0)
		;
	flush(&s);
	capture_close(c);
	if (n == -2) {
		fprintf(stderr, "steps: %s\n", err);	/* err names the file */
		return 1;
	}
	printf("read %llu decoded %llu flows %zu\n",
	       (unsigned long long)s.read, (unsigned long long)s.decoded,
	       table_count(s.flows));
	table_free(s.flows);
	return 0;
}
