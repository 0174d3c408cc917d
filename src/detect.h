/*
 * detect.h - the detection stage: decoded packets in, alerts out.
 *
 * detect.c has each packet classified once (classify.c: the ignore
 * rules, the flows and first contacts that tell probes from replies and
 * repeats), or takes it classified from the workers (workers.h), and
 * hands it to each detector in turn, in capture order.  A detection
 * method is one file, detect_NAME.c, exporting one struct detector;
 * adding a method means adding it to the list in detect.c, nothing in
 * capture or the sinks.  What the scan detectors share per source (the
 * table, its ends of scan) is sources.h.
 *
 * Time is packet time: detectors never call time(); they get pkt->ts_us,
 * and a tick once per second of packet time for expiry.
 */
#ifndef SCANDETD_DETECT_H
#define SCANDETD_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "conf.h"
#include "decode.h"
#include "contact.h"
#include "siphash.h"
#include "signature.h"
#include "sources.h"
#include "table.h"

/* ---- the stage, as main.c sees it -------------------------------- */

struct detect;

struct detect *detect_new(const struct config *cfg, struct alert_router *out,
			  char *err, size_t errlen);
void detect_packet(struct detect *d, const struct pkt *p);
/* The same for n packets in order.  Among many sources a packet's cost
 * is mostly waiting for its table entries to come from memory; here each
 * packet's are fetched while the packets before it are handled. */
void detect_batch(struct detect *d, const struct pkt *p, size_t n);
/* Use a new configuration (SIGHUP).  State is kept; table sizes change
 * only at restart.  sig_text is the text of cfg's SignatureFile, read by
 * the privileged parent (the packet process opens no file); NULL: the
 * built-in table when cfg names none.  False (and the old configuration
 * kept) when the signatures do not parse. */
bool detect_set_config(struct detect *d, const struct config *cfg,
		       const char *sig_text, char *err,
		       size_t errlen);
/* Let packet time move on without a packet (live capture, idle link). */
void detect_advance(struct detect *d, uint64_t now_us);
/* End of input: contacts still waiting for an answer fail at their
 * deadlines (as if time went on without traffic), then the end-of-scan
 * records of scans still open are written. */
void detect_finish(struct detect *d);
/* Statistics as name/value pairs ("classic.sources.used" 12). */
void detect_stats(struct detect *d, stat_fn put, void *arg);


void detect_free(struct detect *d);

/* ---- what a detection method implements ------------------------- */

/* Shared by every detector of one struct detect. */
struct detect_env {
	const struct config *cfg;	/* current configuration */
	const struct signatures *sigs;	/* current signature table */
	struct alert_router *out;
	struct sipkey key;		/* random per run, for tables */
	/* Whether src has probed more than one host over proto, as far as
	 * the detectors know (detector.many_hosts). */
	bool (*many_hosts)(const struct detect_env *env,
			   const struct ipaddr *src, uint8_t proto);
	void *detect;			/* for many_hosts() */
};

/* A packet shaped like a probe.  SYN, FIN, NULL, Xmas and UDP are the
 * SPEC's (the classic method counts those); ODD and ACK are the rest of
 * what scanners send. */
enum probe_shape {
	PROBE_NONE,
	PROBE_SYN,			/* SYN without ACK/RST/FIN (ECN bits allowed) */
	PROBE_FIN,			/* FIN only */
	PROBE_NULL,			/* no flags */
	PROBE_XMAS,			/* FIN+PSH+URG */
	PROBE_UDP,			/* a UDP datagram that opens a new flow */
	PROBE_ODD,			/* flags no stack sends outside a
					 * connection: CWR alone, SYN+FIN, ... */
	PROBE_ACK,			/* ACK or FIN+ACK with a scanner's
					 * signature, outside known connections */
	PROBE_SCTP_INIT,		/* SCTP INIT: an association's start */
	PROBE_SCTP_COOKIE,		/* SCTP COOKIE ECHO without an INIT
					 * before it: nmap -sZ */
};

/* Scan techniques told apart on the wire (pkt_view.technique): the
 * stealth shapes, and ACK or FIN+ACK with a scanner's signature (nmap
 * -sA and -sW send the same ACK; -sM a FIN+ACK). */
enum {
	TECHNIQUE_FIN = 1 << 0, TECHNIQUE_NULL = 1 << 1,
	TECHNIQUE_XMAS = 1 << 2, TECHNIQUE_ODD = 1 << 3,
	TECHNIQUE_ACK = 1 << 4, TECHNIQUE_FINACK = 1 << 5,
};

/* The SPEC's probe set: what the classic method counts. */
static inline bool probe_is_classic(enum probe_shape s)
{
	return s >= PROBE_SYN && s <= PROBE_UDP;
}

/* One packet, with what detect.c worked out about it. */
struct pkt_view {
	const struct pkt *p;
	enum probe_shape probe;		/* PROBE_NONE if not a probe */
	bool scan_ignored;		/* matched *ScanIgnore rules or ports */
	bool udp_new_flow;		/* UDP, first datagram of its flow */
	bool udp_reply;			/* UDP, answer to a flow the other side began */
	/* The first answer to a first contact: a SYN-ACK to a SYN, a UDP
	 * datagram back.  The contact succeeded: p->dst made it. */
	bool contact_answered;
	const struct signature *sig;	/* the probe's signature, or NULL */
	/* A crafted TCP probe: one bit per technique (TECHNIQUE_*), also
	 * when it reaches a contact already known (nmap -sS, then -sF, -sN
	 * and -sX at the same port); 0 for what stacks send. */
	uint8_t technique;
	uint32_t attempts;		/* TCP: attempts on this contact without
					 * a completed handshake (contact.h) */
	/* The source's hash from the prefetch hook, or NULL (table.h). */
	const struct table_hint *source_hint;
};

/* ---- with workers (workers.h) ------------------------------------- */

/* Workers classify (classify.h); this stage then only detects, given
 * the same steps in the same order as detect_packet takes them:
 * for each packet, the outcomes of contacts whose time was up
 * (detect_outcome), the clock (detect_time), the classified packet
 * (detect_classified, which counts it), then the outcomes it decided. */
struct classify_counts;
struct detect *detect_new_unclassified(const struct config *cfg,
				       struct alert_router *out, char *err,
				       size_t errlen);
void detect_outcome(struct detect *d, const struct contact_outcome *o);
void detect_time(struct detect *d, uint64_t now_us);
void detect_classified(struct detect *d, const struct pkt_view *v);
/* The workers' end of input comes first; then the detectors'. */
void detect_finish_detectors(struct detect *d);
/* Fetch ahead the detectors' entries for p, a packet that may open
 * state (classifier_may_open), as detect_batch does: twice, entry false
 * then true, with the same hint, which then goes in pkt_view.source_hint. */
void detect_prefetch_source(const struct detect *d, const struct pkt *p,
			    bool entry, struct table_hint *hint);
/* The signature table, which workers read; changed by a reload only. */
const struct signatures *detect_signatures(const struct detect *d);
/* The run's hash key (random, or --hash-key). */
const struct sipkey *detect_hash_key(const struct detect *d);
/* Outcomes one packet can decide: its own contact, the contact it
 * answers, and the one a RST implies: they reach the detectors after
 * the packet.  More are delivered at once, before it. */
#define DETECT_QUEUED_OUTCOMES 4
/* What the workers counted, summed: detect_stats says it. */
void detect_set_counts(struct detect *d, const struct classify_counts *c);

/* For a detector's create(): "file:line: Option: cannot allocate the
 * WHAT (N slots): out of memory" (conf_where). */
void detect_table_error(const struct config *cfg, const char *option,
			unsigned slots, const char *what, char *err,
			size_t errlen);

struct detector {
	const char *name;
	int method;			/* METHOD_TRW, METHOD_CLASSIC, or -1: both */
	/* Also given packets that have only a network layer: ARP, and IP
	 * datagrams whose transport is not decoded (pkt.ip_only).  The other
	 * detectors see only TCP, UDP, SCTP, ICMP and ICMPv6. */
	bool network_layer;
	void *(*create)(struct detect_env *env, char *err, size_t errlen);
	void (*packet)(void *self, const struct pkt_view *v);	/* or NULL */
	/* Fetch ahead what packet() will read for p (may be NULL): called
	 * for packets that may be probes, a few packets before their turn,
	 * so it must not change any state; what it learns of p's source
	 * goes in hint, which packet() then finds in pkt_view.source_hint. */
	void (*prefetch)(const void *self, const struct pkt *p, bool entry,
			 struct table_hint *hint);
	/* A first contact was decided (may be NULL). */
	void (*outcome)(void *self, const struct contact_outcome *o);
	void (*tick)(void *self, uint64_t now_us);
	void (*finish)(void *self);
	void (*stats)(void *self, stat_fn put, void *arg);
	/* Probes counted so far in the reported scan of src (0: none, or not
	 * reported): how strong an alert held by the AlertLimit is by now
	 * (alert.h).  May be NULL. */
	uint32_t (*probes)(void *self, const struct ipaddr *src, uint8_t proto);
	/* Whether src's probes over proto went to more than one host (may
	 * be NULL). */
	bool (*many_hosts)(void *self, const struct ipaddr *src, uint8_t proto);
	void (*destroy)(void *self);
};

extern const struct detector detector_connlog;
extern const struct detector detector_classic;
extern const struct detector detector_osfp;
extern const struct detector detector_trw;
extern const struct detector detector_discovery;
extern const struct detector detector_ipproto;
extern const struct detector detector_distributed;

/* Microseconds from then to now; 0 when packet time went backwards
 * (captures are not always in order). */
static inline uint64_t us_since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/* Shape of a TCP flags byte under SPEC's rule.  Inline: asked of every
 * TCP segment, up to four times (may it open state, for the prefetches
 * and for classification; its technique). */
static inline enum probe_shape tcp_probe_shape(uint8_t flags)
{
	/* ECE and CWR do not change what a packet is: an ECN-setup SYN is
	 * still a connection attempt (RFC 3168). */
	uint8_t f = flags & (uint8_t)~(TH_ECE | TH_CWR);

	if (flags == TH_FIN)
		return PROBE_FIN;
	if (flags == 0)
		return PROBE_NULL;
	if (flags == (TH_FIN | TH_PSH | TH_URG))
		return PROBE_XMAS;
	if ((f & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) == TH_SYN)
		return PROBE_SYN;
	/* SYN with FIN or RST, or no SYN, ACK nor RST at all: nothing a
	 * stack sends (CWR alone, PSH alone, SYN+FIN, all six flags...). */
	if (f & TH_SYN ? (f & (TH_FIN | TH_RST)) != 0 : !(f & (TH_ACK | TH_RST)))
		return PROBE_ODD;
	return PROBE_NONE;
}

#endif
