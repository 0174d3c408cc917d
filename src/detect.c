/*
 * detect.c - runs the detectors over each packet.
 *
 * Per packet (split transport headers already put back together by the
 * reassembly stage, pipeline.h): classify the packet once (probe shape,
 * signature, scan-ignore rules, UDP flow state, the first contacts and
 * their outcomes of contact.c), then give it to every detector of the
 * configured method.  Outcomes
 * decided by a packet reach the detectors after the packet itself, so a
 * detector has counted a probe before it hears how the probe ended.
 */
#include "detect.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "table.h"

static const struct detector *const detectors[] = {
	&detector_connlog,
	&detector_classic,
	&detector_trw,
	&detector_osfp,
	&detector_discovery,
	&detector_ipproto,
	&detector_distributed,
};
#define NDETECTORS (sizeof detectors / sizeof detectors[0])

/* Outcomes one packet can decide: its own contact, the contact it
 * answers, and the one a RST implies.  More are delivered at once. */
#define QUEUED_OUTCOMES 4

/* A UDP flow or a TCP connection attempt, keyed in the direction of its
 * first packet. */
struct flow_key {
	struct ipaddr src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t pad[3];
};

struct flow {
	struct flow_key key;
	uint64_t last_ts;
	bool answered;
};

struct detect {
	struct detect_env env;
	void *state[NDETECTORS];
	struct table *flows;
	struct contacts *contacts;
	struct signatures sigs;
	char *sig_file;			/* the SignatureFile loaded, or NULL */
	bool in_packet;
	struct contact_outcome queued[QUEUED_OUTCOMES];
	size_t nqueued;
	uint64_t next_tick_us;
	uint64_t packets;
	uint64_t probes;
	uint64_t scan_ignored;
	uint64_t udp_new_flows;
	uint64_t udp_replies;
	uint64_t tcp_answered;
	uint64_t not_a_contact;		/* multicast, broadcast, benign signature */
	uint64_t signature_hits;
};

enum probe_shape tcp_probe_shape(uint8_t flags)
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

static bool method_on(const struct detect *d, const struct detector *det)
{
	return det->method < 0 || det->method == d->env.cfg->detection_method;
}

static bool trw_on(const struct detect *d)
{
	return d->env.cfg->detection_method == METHOD_TRW;
}

/* ---- the flow table (UDP flows, and TCP attempts for classic) ------- */

static void flow_key_make(struct flow_key *k, const struct ipaddr *src,
			  uint16_t sport, const struct ipaddr *dst,
			  uint16_t dport, uint8_t proto)
{
	memset(k, 0, sizeof *k);
	k->src = *src;
	k->dst = *dst;
	k->sport = sport;
	k->dport = dport;
	k->proto = proto;
}

/*
 * Is this UDP datagram the first of a flow, a reply, or more of the same?
 * The original counted every datagram as a probe; an RTP stream or a DNS
 * server answering on many client ports then looked like a flood or a
 * scan.  A flow idle for FLOW_IDLE_US starts afresh.
 */
static void classify_udp(struct detect *d, struct pkt_view *v)
{
	const struct pkt *p = v->p;
	struct flow_key k;
	struct flow *f;
	bool created;

	flow_key_make(&k, &p->dst, p->dport, &p->src, p->sport, p->proto);
	f = table_find(d->flows, &k);
	if (f && us_since(p->ts_us, f->last_ts) < FLOW_IDLE_US) {
		v->contact_answered = !f->answered;
		f->answered = true;
		f->last_ts = p->ts_us;
		v->udp_reply = true;
		d->udp_replies++;
		return;
	}
	flow_key_make(&k, &p->src, p->sport, &p->dst, p->dport, p->proto);
	f = table_get(d->flows, &k, &created);
	if (created || us_since(p->ts_us, f->last_ts) >= FLOW_IDLE_US) {
		f->answered = false;
		v->udp_new_flow = true;
		d->udp_new_flows++;
	}
	f->last_ts = p->ts_us;
}

/*
 * Classic method: remember each connection attempt, so that its SYN-ACK
 * shows the contact succeeded.  A client whose connections are answered
 * is not scanning, however fast it connects.
 */
static void classify_tcp_classic(struct detect *d, struct pkt_view *v)
{
	const struct pkt *p = v->p;
	struct flow_key k;
	struct flow *f;
	bool created;

	if (v->probe == PROBE_SYN) {
		flow_key_make(&k, &p->src, p->sport, &p->dst, p->dport,
			      p->proto);
		f = table_get(d->flows, &k, &created);
		if (created || us_since(p->ts_us, f->last_ts) >= FLOW_IDLE_US)
			f->answered = false;
		f->last_ts = p->ts_us;
		return;
	}
	if ((p->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) != (TH_SYN | TH_ACK))
		return;
	flow_key_make(&k, &p->dst, p->dport, &p->src, p->sport, p->proto);
	f = table_find(d->flows, &k);
	if (f && !f->answered && us_since(p->ts_us, f->last_ts) < FLOW_IDLE_US) {
		f->answered = true;
		v->contact_answered = true;
		d->tcp_answered++;
	}
}

/* ---- classification ------------------------------------------------ */

static bool scan_ignored(const struct config *cfg, const struct pkt *p)
{
	return conf_scan_ignored(cfg, p->proto == PROTO_UDP ? CONF_UDP :
				 CONF_TCP, &p->src, p->sport, &p->dst,
				 p->dport);
}

/* An ACK or FIN+ACK is a probe only with a scanner's shape and outside
 * every connection we know of. */
static bool is_ack_probe(struct detect *d, const struct pkt_view *v)
{
	uint8_t f = v->p->tcp_flags;

	return (f & (TH_ACK | TH_SYN | TH_RST)) == TH_ACK && v->sig &&
	       v->sig->cls == SIG_SCAN && trw_on(d) &&
	       !contacts_known(d->contacts, v->p);
}

/* The technique of a crafted TCP probe (detect.h), or 0.  Scanners'
 * crafted probes carry no TCP options; OS fingerprinting's (nmap -O's
 * T2 to T7) carry several, and are detect_osfp.c's. */
static uint8_t technique_of(const struct pkt_view *v)
{
	uint8_t f = v->p->tcp_flags;

	if (v->p->proto != PROTO_TCP || !v->p->tcp_flags_known ||
	    v->p->tcp_optlen != 0)
		return 0;
	switch (tcp_probe_shape(f)) {
	case PROBE_FIN: return TECHNIQUE_FIN;
	case PROBE_NULL: return TECHNIQUE_NULL;
	case PROBE_XMAS: return TECHNIQUE_XMAS;
	case PROBE_ODD: return TECHNIQUE_ODD;
	default: break;
	}
	if ((f & (TH_ACK | TH_SYN | TH_RST)) != TH_ACK || !v->sig ||
	    v->sig->cls != SIG_SCAN)
		return 0;
	return f & TH_FIN ? TECHNIQUE_FINACK : TECHNIQUE_ACK;
}

/* RFC 9260 section 3.2 chunk types: INIT opens an association; a COOKIE
 * ECHO belongs to one (its INIT-ACK came first) unless it is a probe. */
#define SCTP_INIT        1
#define SCTP_COOKIE_ECHO 10

static enum probe_shape sctp_probe_shape(struct detect *d,
					 const struct pkt *p)
{
	if (p->sctp_chunk == SCTP_INIT)
		return PROBE_SCTP_INIT;
	if (p->sctp_chunk == SCTP_COOKIE_ECHO &&
	    !contacts_known(d->contacts, p))
		return PROBE_SCTP_COOKIE;
	return PROBE_NONE;
}

static void classify(struct detect *d, struct pkt_view *v)
{
	const struct pkt *p = v->p;

	v->probe = PROBE_NONE;
	if (p->proto == PROTO_SCTP) {
		/* SCTP scans are a default-method matter: the original
		 * knew TCP and UDP only. */
		if (!trw_on(d))
			return;
		v->probe = sctp_probe_shape(d, p);
	} else if (p->proto == PROTO_TCP && p->tcp_flags_known) {
		v->probe = tcp_probe_shape(p->tcp_flags);
		if (!trw_on(d))
			classify_tcp_classic(d, v);
	} else if (p->proto == PROTO_UDP) {
		classify_udp(d, v);
		if (v->udp_new_flow)
			v->probe = PROBE_UDP;
	} else {
		return;
	}
	if (trw_on(d))
		v->sig = signature_match(&d->sigs, p);
	if (v->probe == PROBE_NONE && p->proto == PROTO_TCP &&
	    is_ack_probe(d, v))
		v->probe = PROBE_ACK;
	if (trw_on(d))
		v->technique = technique_of(v);
	if (v->probe == PROBE_NONE && !v->technique)
		return;
	if (addr_is_group(&p->dst) || (v->sig && v->sig->cls == SIG_BENIGN)) {
		d->not_a_contact++;
		v->probe = PROBE_NONE;
		v->technique = 0;
		return;
	}
	if (v->sig)
		d->signature_hits++;
	if (v->probe != PROBE_NONE)
		d->probes++;
	v->scan_ignored = scan_ignored(d->env.cfg, p);
	if (v->scan_ignored)
		d->scan_ignored++;
}

/* The contact side of a packet (method trw). */
static void track_contact(struct detect *d, struct pkt_view *v,
			  const struct table_hint *hint)
{
	const struct pkt *p = v->p;
	bool fails, by_sig = false;
	const char *why;
	struct contact_probe cp;

	/* An ignored probe is still a contact, whose outcome the detectors
	 * drop: unknown, its answers (and the RST that an ignored scanner's
	 * own kernel sends to them) would read as probes from the host it
	 * reached, and accuse that host. */
	if (v->probe == PROBE_NONE) {
		if (contacts_packet(d->contacts, p)) {
			v->contact_answered = true;
			d->tcp_answered++;
		}
		return;
	}
	/* Stealth probes fail by nature; so does a scanner's signature or
	 * a header cut into tiny fragments (RFC 1858). */
	fails = v->probe != PROBE_SYN && v->probe != PROBE_UDP &&
		v->probe != PROBE_SCTP_INIT;
	why = "stealth";
	if (v->sig && v->sig->cls == SIG_SCAN) {
		fails = by_sig = true;
		why = v->sig->name;
	} else if (p->tiny_fragment) {
		fails = true;
		why = "tiny-fragment";
	}
	cp = contacts_probe(d->contacts, p, fails, why, by_sig, hint);
	v->attempts = cp.attempts;
}

/* ---- outcomes and ticks -------------------------------------------- */

static void deliver_outcome(struct detect *d, const struct contact_outcome *o)
{
	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->outcome && method_on(d, detectors[i]))
			detectors[i]->outcome(d->state[i], o);
}

static void on_outcome(void *arg, const struct contact_outcome *o)
{
	struct detect *d = arg;

	if (d->in_packet && d->nqueued < QUEUED_OUTCOMES)
		d->queued[d->nqueued++] = *o;
	else
		deliver_outcome(d, o);
}

static void run_ticks(struct detect *d, uint64_t now)
{
	if (d->contacts)
		contacts_expire(d->contacts, now);
	/* Captures may jump in time (or start at 1970): never run more than
	 * one tick per packet, and restart the clock on a jump backwards. */
	if (d->next_tick_us == 0 || now + 2000000 < d->next_tick_us)
		d->next_tick_us = now + 1000000;
	if (now < d->next_tick_us)
		return;
	d->next_tick_us = now + 1000000;
	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->tick)
			detectors[i]->tick(d->state[i], now);
}

/* What the prefetch learnt of a packet's keys (detect_batch). */
struct packet_hints {
	struct table_hint contact, source;
};

static void process(struct detect *d, const struct pkt *p,
		    const struct packet_hints *h)
{
	struct pkt_view v;

	memset(&v, 0, sizeof v);
	v.p = p;
	v.source_hint = h ? &h->source : NULL;
	classify(d, &v);
	d->in_packet = true;
	if (trw_on(d))
		track_contact(d, &v, h ? &h->contact : NULL);
	d->in_packet = false;
	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->packet && method_on(d, detectors[i]))
			detectors[i]->packet(d->state[i], &v);
	for (size_t i = 0; i < d->nqueued; i++)
		deliver_outcome(d, &d->queued[i]);
	d->nqueued = 0;
}

/* ARP, and IP datagrams of a protocol not decoded: no flow, no contact,
 * only the detectors that read the network layer. */
static void process_network_layer(struct detect *d, const struct pkt *p)
{
	struct pkt_view v;

	memset(&v, 0, sizeof v);
	v.p = p;
	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->network_layer && detectors[i]->packet &&
		    method_on(d, detectors[i]))
			detectors[i]->packet(d->state[i], &v);
}

static void packet_hinted(struct detect *d, const struct pkt *p,
			  const struct packet_hints *h)
{
	d->packets++;
	run_ticks(d, p->ts_us);
	if (p->arp || p->ip_only) {
		process_network_layer(d, p);
		return;
	}
	/* A fragment that completed no header: its time only (pipeline.h).
	 * Before the protocol test: an IPv6 later fragment names the header
	 * that follows its Fragment header, not the transport. */
	if (p->fragment)
		return;
	if (p->proto != PROTO_TCP && p->proto != PROTO_UDP &&
	    p->proto != PROTO_SCTP && p->proto != PROTO_ICMP &&
	    p->proto != PROTO_ICMPV6)
		return;
	process(d, p, h);
}

void detect_packet(struct detect *d, const struct pkt *p)
{
	packet_hinted(d, p, NULL);
}

/* Packets ahead whose table lines are fetched: enough to cover a memory
 * read at a few hundred nanoseconds per packet, few enough that the
 * lines are still in the cache when their turn comes. */
#define PREFETCH_AHEAD 8

/* Only for packets that may open new state: floods and scans are made of
 * them, and they are what reaches all over the tables.  The rest of the
 * traffic (answers, connections) meets entries recently touched. */
static void prefetch(const struct detect *d, const struct pkt *p,
		     bool entry, struct packet_hints *h)
{
	/* A UDP datagram may open a flow (classify_udp tells); TCP by its
	 * flags, as classify will see them. */
	bool maybe_probe = p->proto == PROTO_UDP ||
			   (p->proto == PROTO_TCP && p->tcp_flags_known &&
			    tcp_probe_shape(p->tcp_flags) != PROBE_NONE);

	if (p->fragment || !maybe_probe)
		return;
	if (trw_on(d))
		contacts_prefetch(d->contacts, p, entry, &h->contact);
	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->prefetch && method_on(d, detectors[i]))
			detectors[i]->prefetch(d->state[i], p, entry,
					       &h->source);
}

/* Packets in flight between their first prefetch and their turn. */
#define HINT_RING 32
_Static_assert(HINT_RING > 2 * PREFETCH_AHEAD, "a hint outlives its packet");

/* Two steps ahead: buckets for packet i + 2 * PREFETCH_AHEAD, then,
 * with its bucket in the cache, the entry for packet i + PREFETCH_AHEAD;
 * each packet's keys are hashed once, at the first step. */
void detect_batch(struct detect *d, const struct pkt *p, size_t n)
{
	struct packet_hints ring[HINT_RING];

	for (size_t i = 0; i < n + 2 * PREFETCH_AHEAD; i++) {
		size_t mid = i - PREFETCH_AHEAD, now = i - 2 * PREFETCH_AHEAD;

		if (i < n) {
			ring[i % HINT_RING].contact.len = 0;
			ring[i % HINT_RING].source.len = 0;
			prefetch(d, &p[i], false, &ring[i % HINT_RING]);
		}
		if (i >= PREFETCH_AHEAD && mid < n)
			prefetch(d, &p[mid], true, &ring[mid % HINT_RING]);
		if (i >= 2 * PREFETCH_AHEAD && now < n)
			packet_hinted(d, &p[now], &ring[now % HINT_RING]);
	}
}

/* ---- per-source heads, for the detectors ---------------------------- */

void source_key_make(struct source_key *k, const struct ipaddr *src,
		     uint8_t proto)
{
	memset(k, 0, sizeof *k);
	k->src = *src;
	k->proto = proto;
}

void sources_prefetch(const struct table *t, const struct pkt *p,
		      bool entry, struct table_hint *hint)
{
	struct source_key key;

	source_key_make(&key, &p->src, p->proto);
	table_prefetch(t, &key, entry, hint);
}

uint8_t source_level(const struct source_head *h, uint32_t evidence)
{
	if (h->reported)
		return SOURCE_LEVEL_REPORTED;
	return evidence > 254 ? 254 : (uint8_t)evidence;
}

struct idle_walk {
	uint64_t now;
	void (*fn)(void *entry, uint64_t now, void *arg);
	void *arg;
};

static bool is_idle(const void *entry, void *arg)
{
	const struct source_head *h = entry;
	const struct idle_walk *w = arg;

	return us_since(w->now, h->last_ts) >= SCAN_EXPIRE_US;
}

static bool is_reported(const void *entry, void *arg)
{
	const struct source_head *h = entry;

	(void)arg;
	return h->reported;
}

/* In the order the sources went quiet, then by source. */
static int by_last_ts(const void *a, const void *b)
{
	const struct source_head *x = a, *y = b;

	if (x->last_ts != y->last_ts)
		return x->last_ts < y->last_ts ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof x->key);
}

static void call_idle(void *entry, void *arg)
{
	struct idle_walk *w = arg;

	w->fn(entry, w->now, w->arg);
}

void sources_sweep_idle(struct table *t, uint64_t now,
			void (*fn)(void *entry, uint64_t now, void *arg),
			void *arg)
{
	struct idle_walk w = { now, fn, arg };

	/* The whole table each second of packet time (tags first: cheap),
	 * so a scan ends at the same tick whatever slot it hashed to. */
	table_sweep_ordered(t, table_slots(t), is_idle, by_last_ts, call_idle,
			    &w);
}

void sources_each_reported(struct table *t, void (*fn)(void *entry, void *arg),
			   void *arg)
{
	table_foreach_ordered(t, is_reported, by_last_ts, fn, arg);
}

/* ---- set-up -------------------------------------------------------- */

/* sig_text: the SignatureFile's text, already read; NULL: read the file
 * (at start-up, before the sandbox) or take the built-in table. */
static bool load_signatures(struct detect *d, const struct config *cfg,
			    const char *sig_text, char *err, size_t errlen)
{
	struct signatures *sigs = malloc(sizeof *sigs);
	bool ok;

	if (!sigs) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	if (cfg->signature_file && sig_text)
		ok = signatures_parse(cfg->signature_file, sig_text, sigs, err,
				      errlen);
	else if (cfg->signature_file)
		ok = signatures_load(cfg->signature_file, sigs, err, errlen);
	else
		ok = signatures_builtin(sigs, err, errlen);
	if (ok) {
		d->sigs = *sigs;
		free(d->sig_file);
		d->sig_file = cfg->signature_file ?
			      strdup(cfg->signature_file) : NULL;
	}
	free(sigs);
	return ok;
}

static bool make_tables(struct detect *d, const struct config *cfg,
			char *err, size_t errlen)
{
	struct table_ops flow_ops = {
		.entry_size = sizeof(struct flow),
		.key_size = sizeof(struct flow_key),
	};

	d->flows = table_new(cfg->flow_table_size, &flow_ops, &d->env.key);
	d->contacts = contacts_new(cfg->flow_table_size, &d->env.key,
				   on_outcome, d);
	if (!d->flows || !d->contacts) {
		detect_table_error(cfg, "FlowTableSize", cfg->flow_table_size,
				   "flow and contact tables", err, errlen);
		return false;
	}
	contacts_set_timeout(d->contacts,
			     (uint64_t)cfg->contact_timeout * 1000000);
	return true;
}

/* The AlertLimit ranks held scan alerts by their scans as they are now. */
static bool any_many_hosts(const struct detect_env *env,
			   const struct ipaddr *src, uint8_t proto)
{
	const struct detect *d = env->detect;

	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->many_hosts && d->state[i] &&
		    method_on(d, detectors[i]) &&
		    detectors[i]->many_hosts(d->state[i], src, proto))
			return true;
	return false;
}

static uint32_t probes_now(void *arg, const struct alert *a)
{
	struct detect *d = arg;
	uint32_t most = 0;

	for (size_t i = 0; i < NDETECTORS; i++) {
		uint32_t n;

		if (!detectors[i]->probes || !method_on(d, detectors[i]))
			continue;
		n = detectors[i]->probes(d->state[i], &a->src, a->proto);
		if (n > most)
			most = n;
	}
	return most;
}

struct detect *detect_new(const struct config *cfg, struct alert_router *out,
			  char *err, size_t errlen)
{
	struct detect *d = calloc(1, sizeof *d);

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->env.cfg = cfg;
	d->env.out = out;
	d->env.many_hosts = any_many_hosts;
	d->env.detect = d;
	d->env.sigs = &d->sigs;
	if (sipkey_for_run(&d->env.key, cfg->hash_key_fixed,
			   &cfg->hash_key) != 0) {
		snprintf(err, errlen, "no random bytes for the hash key");
		free(d);
		return NULL;
	}
	if (!load_signatures(d, cfg, NULL, err, errlen) ||
	    !make_tables(d, cfg, err, errlen)) {
		detect_free(d);
		return NULL;
	}
	for (size_t i = 0; i < NDETECTORS; i++) {
		d->state[i] = detectors[i]->create(&d->env, err, errlen);
		if (!d->state[i]) {
			detect_free(d);
			return NULL;
		}
	}
	out->limit.probes_now = probes_now;
	out->limit.probes_arg = d;
	return d;
}

void detect_advance(struct detect *d, uint64_t now_us)
{
	run_ticks(d, now_us);
}

static bool same_path(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

void detect_table_error(const struct config *cfg, const char *option,
			unsigned slots, const char *what, char *err,
			size_t errlen)
{
	char where[PATH_MAX + 64];

	snprintf(err, errlen, "%s: cannot allocate the %s (%u slots): out of "
		 "memory", conf_where(cfg, option, where, sizeof where), what,
		 slots);
}

bool detect_set_config(struct detect *d, const struct config *cfg,
		       const char *sig_text, char *err, size_t errlen)
{
	/* A file's text is parsed again: it may have changed on disk. */
	if ((sig_text || !same_path(cfg->signature_file, d->sig_file)) &&
	    !load_signatures(d, cfg, sig_text, err, errlen))
		return false;
	d->env.cfg = cfg;
	contacts_set_timeout(d->contacts,
			     (uint64_t)cfg->contact_timeout * 1000000);
	return true;
}

void detect_finish(struct detect *d)
{
	/* As in a live run whose traffic stops: every contact still waiting
	 * for an answer fails at its deadline. */
	contacts_expire(d->contacts, UINT64_MAX);
	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->finish)
			detectors[i]->finish(d->state[i]);
}

void detect_stats(struct detect *d, stat_fn put, void *arg)
{
	struct contact_stats cs;

	put(arg, "detect.packets", d->packets);
	put(arg, "detect.probes", d->probes);
	put(arg, "detect.probes_ignored", d->scan_ignored);
	put(arg, "detect.not_a_contact", d->not_a_contact);
	put(arg, "detect.signature_hits", d->signature_hits);
	put(arg, "detect.udp_new_flows", d->udp_new_flows);
	put(arg, "detect.udp_replies", d->udp_replies);
	put(arg, "detect.tcp_answered", d->tcp_answered);
	table_put_stats(d->flows, "flows", put, arg);
	contacts_stats(d->contacts, &cs);
	put(arg, "contacts.slots", cs.slots);
	put(arg, "contacts.used", cs.used);
	put(arg, "contacts.evictions", cs.evictions);
	put(arg, "contacts.first", cs.contacts);
	put(arg, "contacts.successes", cs.successes);
	put(arg, "contacts.failures", cs.failures);
	put(arg, "contacts.weak_failures", cs.weak_failures);
	put(arg, "contacts.undecided_overflow", cs.timeouts_dropped);
	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->stats)
			detectors[i]->stats(d->state[i], put, arg);
}

void table_put_stats(const struct table *t, const char *name, stat_fn put,
		     void *arg)
{
	char key[64];

	snprintf(key, sizeof key, "%s.slots", name);
	put(arg, key, table_slots(t));
	snprintf(key, sizeof key, "%s.used", name);
	put(arg, key, table_count(t));
	snprintf(key, sizeof key, "%s.evictions", name);
	put(arg, key, table_evictions(t));
}

void detect_free(struct detect *d)
{
	if (!d)
		return;
	/* The router may outlive the stage: no calls into freed tables. */
	if (d->env.out && d->env.out->limit.probes_arg == d) {
		d->env.out->limit.probes_now = NULL;
		d->env.out->limit.probes_arg = NULL;
	}
	for (size_t i = 0; i < NDETECTORS; i++)
		if (d->state[i])
			detectors[i]->destroy(d->state[i]);
	table_free(d->flows);
	contacts_free(d->contacts);
	free(d->sig_file);
	free(d);
}
