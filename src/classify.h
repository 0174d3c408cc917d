/*
 * classify.h - the classification stage: what a packet is, before any
 * detector counts it.
 *
 * Per packet: its probe shape, its signature, whether the scan-ignore
 * rules drop it, its UDP flow (first datagram, reply, more of the same),
 * and the first contacts it opens, answers or decides (contact.c).
 * Everything it keeps is about one pair of hosts: a flow, a contact, is
 * between two addresses and never looks at another pair.  That is what
 * lets several workers classify at once (workers.h): each owns the pairs
 * that hash to it, and a packet's classification is the same whichever
 * worker made it.
 *
 * Decided contacts go to the caller's callback (contact_fn), in packet
 * time: during classifier_expire (deadlines passed) and during
 * classifier_packet (the packet decided them).
 */
#ifndef SCANDETD_CLASSIFY_H
#define SCANDETD_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "conf.h"
#include "contact.h"
#include "decode.h"
#include "signature.h"
#include "siphash.h"
#include "table.h"

struct pkt_view;
struct classifier;

/* A UDP flow, a TCP connection attempt or connection, keyed in the
 * direction of its first packet (the flow table here, connection
 * logging's table). */
struct flow_key {
	struct ipaddr src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t pad[3];
};

void flow_key_make(struct flow_key *k, const struct ipaddr *src,
		   uint16_t sport, const struct ipaddr *dst, uint16_t dport,
		   uint8_t proto);

/* flow_slots: the flow and contact tables' slots (FlowTableSize, or a
 * worker's share of it); sigs: read by every packet, owned by the
 * caller, which may change it between packets (a reload). */
struct classifier *classifier_new(const struct config *cfg,
				  size_t flow_slots, const struct sipkey *key,
				  const struct signatures *sigs,
				  contact_fn on_outcome, void *arg);
void classifier_free(struct classifier *c);
/* A new configuration (SIGHUP): scan-ignore rules, ContactTimeout. */
void classifier_set_config(struct classifier *c, const struct config *cfg);

/* Decide the contacts whose deadline is before now (UINT64_MAX: all,
 * at the end of input). */
void classifier_expire(struct classifier *c, uint64_t now_us);

/* Classify v->p, filling the rest of v; contact: the hint from
 * classifier_prefetch, or NULL. */
void classifier_packet(struct classifier *c, struct pkt_view *v,
		       const struct table_hint *contact);

/* May p open state (a flow, a contact)?  Only such packets are worth
 * fetching ahead: floods and scans are made of them. */
bool classifier_may_open(const struct classifier *c, const struct pkt *p);
/* Fetch ahead the contact p may open (contacts_prefetch). */
void classifier_prefetch(const struct classifier *c, const struct pkt *p,
			 bool entry, struct table_hint *hint);

/* What classification counted: detect.*, flows.*, contacts.*.  Workers
 * add theirs up (classify_counts_add) before they are put. */
struct classify_counts {
	uint64_t probes, scan_ignored, not_a_contact, signature_hits;
	uint64_t udp_new_flows, udp_replies, tcp_answered;
	uint64_t flow_slots, flows_used, flow_evictions;
	struct contact_stats contacts;
};

void classifier_counts(const struct classifier *c,
		       struct classify_counts *out);
void classify_counts_add(struct classify_counts *sum,
			 const struct classify_counts *add);
void classify_counts_put(const struct classify_counts *c, stat_fn put,
			 void *arg);

#endif
