/*
 * contact.h - first contacts and their outcomes.
 *
 * A contact is one source reaching one destination port over one protocol
 * (src -> dst:dport).  Watching both directions, we learn how each first
 * contact ended:
 *   TCP  success: the destination answered SYN-ACK and the source completed
 *                 the handshake;
 *        failure: RST from the destination, an ICMP/ICMPv6 unreachable, a
 *                 SYN-ACK the source never completed, no answer within
 *                 ContactTimeout; a stealth probe (FIN, NULL, Xmas, other
 *                 flag sets no stack sends outside a connection) at once;
 *                 an ACK or FIN+ACK outside any known connection that draws
 *                 a RST (nmap -sA, -sW, -sM).
 *   UDP  success: any datagram back from the destination port;
 *        failure: ICMP port unreachable; weak failure: no answer in time.
 * Outcomes are handed to a callback, in packet time.  Memory is fixed: a
 * keyed table of contacts (decided ones evicted before those still waiting
 * for an answer, in turn among equals) and a ring of pending
 * deadlines (when full, the oldest pending contact is dropped undecided:
 * no evidence either way, so an overload cannot fabricate failures), and
 * 256 KiB of counts of the TCP handshakes still open, so that the
 * segments of established connections skip the table (contact.c).
 */
#ifndef SCANDETD_CONTACT_H
#define SCANDETD_CONTACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "siphash.h"
#include "table.h"

enum contact_result {
	CONTACT_SUCCESS,
	CONTACT_FAILURE,
	CONTACT_WEAK_FAILURE,		/* UDP without an answer */
};

struct contact_outcome {
	struct ipaddr src, dst;
	uint16_t sport, dport;		/* sport: of the latest probe */
	uint8_t proto;
	enum contact_result result;
	const char *why;		/* "handshake", "rst", "unreachable", ... */
	bool by_signature;		/* failed for matching a scanner's signature */
	bool inferred;			/* the probe was only seen in its answer
					 * (an ACK probe told by its RST) */
	uint8_t iface;			/* inferred: where that answer was
					 * captured (pkt.iface); else 0 */
	uint32_t attempts;		/* contact_probe.attempts by then */
	uint64_t ts;			/* packet time of the decision */
	/* A deadline passed: pkt.seq of the probe that set it.  Workers
	 * (workers.h) put their outcomes in this order, as one table would
	 * have decided them. */
	uint32_t seq;
};

typedef void (*contact_fn)(void *arg, const struct contact_outcome *o);

/* What a probe packet meant for its contact. */
struct contact_probe {
	bool first;			/* the first packet of a new contact */
	uint32_t attempts;		/* attempts (distinct source ports: TCP
					 * SYNs, new UDP flows) with no completed
					 * handshake or answer between them,
					 * within CONTACT_FLOOD_GAP_US of each other */
};

#define CONTACT_FLOOD_GAP_US (10 * 1000000ULL)

struct contacts;

struct contacts *contacts_new(size_t nslots, const struct sipkey *key,
			      contact_fn fn, void *arg);
void contacts_free(struct contacts *c);
void contacts_set_timeout(struct contacts *c, uint64_t timeout_us);

/* A probe-shaped packet: a TCP SYN (stealth false), a stealth TCP probe
 * (failed by nature), or the first datagram of a UDP flow.  A contact
 * that is failed_now (stealth, or a scanner's signature) fails at once.
 * hint: from contacts_prefetch for this packet, or NULL. */
struct contact_probe contacts_probe(struct contacts *c, const struct pkt *p,
				    bool failed_now, const char *why,
				    bool by_signature,
				    const struct table_hint *hint);

/* Fetch ahead into the cache what contacts_probe will read for p, a
 * packet that may be a probe: the contact it opens or repeats.
 * Called twice per packet, with entry false then true (table_prefetch),
 * with the same hint. */
void contacts_prefetch(const struct contacts *c, const struct pkt *p,
		       bool entry, struct table_hint *hint);

/* Any other packet: answers (SYN-ACK, RST, UDP replies, ICMP errors) and
 * the ACK that completes a handshake.  True for the first SYN-ACK of a
 * contact, decided or not: the port is open (a scanner's probes fail
 * at once, before their answers come). */
bool contacts_packet(struct contacts *c, const struct pkt *p);

/* Is the packet part of a known contact, in either direction? */
bool contacts_known(struct contacts *c, const struct pkt *p);

/* Decide the contacts whose time is up (call as packet time advances). */
void contacts_expire(struct contacts *c, uint64_t now_us);

struct contact_stats {
	uint64_t slots, used, evictions;
	uint64_t contacts, successes, failures, weak_failures;
	uint64_t timeouts_dropped;	/* pending ring overflow: undecided */
};
void contacts_stats(const struct contacts *c, struct contact_stats *st);

#endif
