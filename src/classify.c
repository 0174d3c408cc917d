/*
 * classify.c - the classification stage (classify.h).
 */
#include "classify.h"

#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "params.h"
#include "util.h"

struct flow {
	struct flow_key key;
	uint64_t last_ts;
	bool answered;
};

struct classifier {
	const struct config *cfg;
	const struct signatures *sigs;
	struct table *flows;
	struct contacts *contacts;
	struct classify_counts n;	/* the table figures filled when asked */
};

static bool trw_on(const struct classifier *c)
{
	return c->cfg->detection_method == METHOD_TRW;
}

/* ---- the flow table (UDP flows, and TCP attempts for classic) ------- */

/*
 * Is this UDP datagram the first of a flow, a reply, or more of the same?
 * The original counted every datagram as a probe; an RTP stream or a DNS
 * server answering on many client ports then looked like a flood or a
 * scan.  A flow idle for FLOW_IDLE_US starts afresh.
 */
static void classify_udp(struct classifier *c, struct pkt_view *v)
{
	const struct pkt *p = v->p;
	struct flow_key k;
	struct flow *f;
	bool created;

	flow_key_make(&k, &p->dst, p->dport, &p->src, p->sport, p->proto);
	f = table_find(c->flows, &k);
	if (f && us_since(p->ts_us, f->last_ts) < FLOW_IDLE_US) {
		v->contact_answered = !f->answered;
		f->answered = true;
		f->last_ts = p->ts_us;
		v->udp_reply = true;
		c->n.udp_replies++;
		return;
	}
	flow_key_make(&k, &p->src, p->sport, &p->dst, p->dport, p->proto);
	f = table_get(c->flows, &k, &created);
	if (created || us_since(p->ts_us, f->last_ts) >= FLOW_IDLE_US) {
		f->answered = false;
		v->udp_new_flow = true;
		c->n.udp_new_flows++;
	}
	f->last_ts = p->ts_us;
}

/*
 * Classic method: remember each connection attempt, so that its SYN-ACK
 * shows the contact succeeded.  A client whose connections are answered
 * is not scanning, however fast it connects.
 */
static void classify_tcp_classic(struct classifier *c, struct pkt_view *v)
{
	const struct pkt *p = v->p;
	struct flow_key k;
	struct flow *f;
	bool created;

	if (v->probe == PROBE_SYN) {
		flow_key_make(&k, &p->src, p->sport, &p->dst, p->dport,
			      p->proto);
		f = table_get(c->flows, &k, &created);
		if (created || us_since(p->ts_us, f->last_ts) >= FLOW_IDLE_US)
			f->answered = false;
		f->last_ts = p->ts_us;
		return;
	}
	if ((p->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) != (TH_SYN | TH_ACK))
		return;
	flow_key_make(&k, &p->dst, p->dport, &p->src, p->sport, p->proto);
	f = table_find(c->flows, &k);
	if (f && !f->answered && us_since(p->ts_us, f->last_ts) < FLOW_IDLE_US) {
		f->answered = true;
		v->contact_answered = true;
		c->n.tcp_answered++;
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
static bool is_ack_probe(struct classifier *c, const struct pkt_view *v)
{
	uint8_t f = v->p->tcp_flags;

	return (f & (TH_ACK | TH_SYN | TH_RST)) == TH_ACK && v->sig &&
	       v->sig->cls == SIG_SCAN && trw_on(c) &&
	       !contacts_known(c->contacts, v->p);
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

static enum probe_shape sctp_probe_shape(struct classifier *c,
					 const struct pkt *p)
{
	if (p->sctp_chunk == SCTP_INIT)
		return PROBE_SCTP_INIT;
	if (p->sctp_chunk == SCTP_COOKIE_ECHO &&
	    !contacts_known(c->contacts, p))
		return PROBE_SCTP_COOKIE;
	return PROBE_NONE;
}

static void classify(struct classifier *c, struct pkt_view *v)
{
	const struct pkt *p = v->p;

	v->probe = PROBE_NONE;
	if (p->proto == PROTO_SCTP) {
		/* SCTP scans are a default-method matter: the original
		 * knew TCP and UDP only. */
		if (!trw_on(c))
			return;
		v->probe = sctp_probe_shape(c, p);
	} else if (p->proto == PROTO_TCP && p->tcp_flags_known) {
		v->probe = tcp_probe_shape(p->tcp_flags);
		if (!trw_on(c))
			classify_tcp_classic(c, v);
	} else if (p->proto == PROTO_UDP) {
		classify_udp(c, v);
		if (v->udp_new_flow)
			v->probe = PROBE_UDP;
	} else {
		return;
	}
	if (trw_on(c))
		v->sig = signature_match(c->sigs, p);
	if (v->probe == PROBE_NONE && p->proto == PROTO_TCP &&
	    is_ack_probe(c, v))
		v->probe = PROBE_ACK;
	if (trw_on(c))
		v->technique = technique_of(v);
	if (v->probe == PROBE_NONE && !v->technique)
		return;
	if (addr_is_group(&p->dst) || (v->sig && v->sig->cls == SIG_BENIGN)) {
		c->n.not_a_contact++;
		v->probe = PROBE_NONE;
		v->technique = 0;
		return;
	}
	if (v->sig)
		c->n.signature_hits++;
	if (v->probe != PROBE_NONE)
		c->n.probes++;
	v->scan_ignored = scan_ignored(c->cfg, p);
	if (v->scan_ignored)
		c->n.scan_ignored++;
}

/* The contact side of a packet (method trw). */
static void track_contact(struct classifier *c, struct pkt_view *v,
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
		if (contacts_packet(c->contacts, p)) {
			v->contact_answered = true;
			c->n.tcp_answered++;
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
	cp = contacts_probe(c->contacts, p, fails, why, by_sig, hint);
	v->attempts = cp.attempts;
}

/* ---- the stage ------------------------------------------------------ */

void classifier_packet(struct classifier *c, struct pkt_view *v,
		       const struct table_hint *contact)
{
	classify(c, v);
	if (trw_on(c))
		track_contact(c, v, contact);
}

void classifier_expire(struct classifier *c, uint64_t now_us)
{
	contacts_expire(c->contacts, now_us);
}

bool classifier_may_open(const struct classifier *c, const struct pkt *p)
{
	(void)c;
	/* A UDP datagram may open a flow (classify_udp tells); TCP by its
	 * flags, as classify will see them. */
	if (p->fragment)
		return false;
	return p->proto == PROTO_UDP ||
	       (p->proto == PROTO_TCP && p->tcp_flags_known &&
		tcp_probe_shape(p->tcp_flags) != PROBE_NONE);
}

void classifier_prefetch(const struct classifier *c, const struct pkt *p,
			 bool entry, struct table_hint *hint)
{
	if (trw_on(c))
		contacts_prefetch(c->contacts, p, entry, hint);
}

struct classifier *classifier_new(const struct config *cfg,
				  size_t flow_slots, const struct sipkey *key,
				  const struct signatures *sigs,
				  contact_fn on_outcome, void *arg)
{
	struct classifier *c = zalloc_own_lines(sizeof *c);
	struct table_ops flow_ops = {
		.entry_size = sizeof(struct flow),
		.key_size = sizeof(struct flow_key),
	};

	if (!c)
		return NULL;
	c->cfg = cfg;
	c->sigs = sigs;
	c->flows = table_new(flow_slots, &flow_ops, key);
	c->contacts = contacts_new(flow_slots, key, on_outcome, arg);
	if (!c->flows || !c->contacts) {
		classifier_free(c);
		return NULL;
	}
	classifier_set_config(c, cfg);
	return c;
}

void classifier_set_config(struct classifier *c, const struct config *cfg)
{
	c->cfg = cfg;
	contacts_set_timeout(c->contacts,
			     (uint64_t)cfg->contact_timeout * 1000000);
}

void flow_key_make(struct flow_key *k, const struct ipaddr *src,
		   uint16_t sport, const struct ipaddr *dst, uint16_t dport,
		   uint8_t proto)
{
	memset(k, 0, sizeof *k);
	k->src = *src;
	k->dst = *dst;
	k->sport = sport;
	k->dport = dport;
	k->proto = proto;
}

void classifier_free(struct classifier *c)
{
	if (!c)
		return;
	table_free(c->flows);
	contacts_free(c->contacts);
	free(c);
}

void classifier_counts(const struct classifier *c,
		       struct classify_counts *out)
{
	*out = c->n;
	out->flow_slots = table_slots(c->flows);
	out->flows_used = table_count(c->flows);
	out->flow_evictions = table_evictions(c->flows);
	contacts_stats(c->contacts, &out->contacts);
}

void classify_counts_add(struct classify_counts *sum,
			 const struct classify_counts *add)
{
	const struct contact_stats *a = &add->contacts;
	struct contact_stats *s = &sum->contacts;

	sum->probes += add->probes;
	sum->scan_ignored += add->scan_ignored;
	sum->not_a_contact += add->not_a_contact;
	sum->signature_hits += add->signature_hits;
	sum->udp_new_flows += add->udp_new_flows;
	sum->udp_replies += add->udp_replies;
	sum->tcp_answered += add->tcp_answered;
	sum->flow_slots += add->flow_slots;
	sum->flows_used += add->flows_used;
	sum->flow_evictions += add->flow_evictions;
	s->slots += a->slots;
	s->used += a->used;
	s->evictions += a->evictions;
	s->contacts += a->contacts;
	s->successes += a->successes;
	s->failures += a->failures;
	s->weak_failures += a->weak_failures;
	s->timeouts_dropped += a->timeouts_dropped;
}

void classify_counts_put(const struct classify_counts *c, stat_fn put,
			 void *arg)
{
	const struct contact_stats *cs = &c->contacts;

	put(arg, "detect.probes", c->probes);
	put(arg, "detect.probes_ignored", c->scan_ignored);
	put(arg, "detect.not_a_contact", c->not_a_contact);
	put(arg, "detect.signature_hits", c->signature_hits);
	put(arg, "detect.udp_new_flows", c->udp_new_flows);
	put(arg, "detect.udp_replies", c->udp_replies);
	put(arg, "detect.tcp_answered", c->tcp_answered);
	put(arg, "flows.slots", c->flow_slots);
	put(arg, "flows.used", c->flows_used);
	put(arg, "flows.evictions", c->flow_evictions);
	put(arg, "contacts.slots", cs->slots);
	put(arg, "contacts.used", cs->used);
	put(arg, "contacts.evictions", cs->evictions);
	put(arg, "contacts.first", cs->contacts);
	put(arg, "contacts.successes", cs->successes);
	put(arg, "contacts.failures", cs->failures);
	put(arg, "contacts.weak_failures", cs->weak_failures);
	put(arg, "contacts.undecided_overflow", cs->timeouts_dropped);
}
