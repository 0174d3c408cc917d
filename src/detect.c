/*
 * detect.c - runs the detectors over each packet.
 *
 * Per packet: classify it once (probe shape, scan-ignore rules, UDP flow
 * state), then give it to every detector.  Once per second of packet
 * time, every detector gets a tick for its expiry work.
 */
#include "detect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "table.h"

static const struct detector *const detectors[] = {
	&detector_connlog,
	&detector_classic,
	&detector_osfp,
};
#define NDETECTORS (sizeof detectors / sizeof detectors[0])

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
	uint64_t next_tick_us;
	uint64_t packets;
	uint64_t probes;
	uint64_t scan_ignored;
	uint64_t udp_new_flows;
	uint64_t udp_replies;
	uint64_t tcp_answered;
};

enum probe_shape tcp_probe_shape(uint8_t flags)
{
	/* ECE and CWR do not change what a packet is: an ECN-setup SYN is
	 * still a connection attempt (RFC 3168). */
	uint8_t f = flags & (uint8_t)~(TH_ECE | TH_CWR);

	if ((f & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) == TH_SYN)
		return PROBE_SYN;
	if (flags == TH_FIN)
		return PROBE_FIN;
	if (flags == 0)
		return PROBE_NULL;
	if (flags == (TH_FIN | TH_PSH | TH_URG))
		return PROBE_XMAS;
	return PROBE_NONE;
}

static uint64_t flow_keep_score(const void *entry)
{
	const struct flow *f = entry;

	return f->last_ts;	/* least recently seen goes first */
}

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
 * TCP: remember each connection attempt, so that its SYN-ACK shows the
 * contact succeeded.  A client whose connections are answered is not
 * scanning, however fast it connects.
 */
static void classify_tcp(struct detect *d, struct pkt_view *v)
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

static bool scan_ignored(const struct config *cfg, const struct pkt *p)
{
	const struct proto_conf *pc =
		&cfg->proto[p->proto == PROTO_UDP ? CONF_UDP : CONF_TCP];

	return portset_has(&pc->scan_ignore_ports, p->dport) ||
	       rule_list_match(&pc->scan_ignore_hosts, &p->src, p->sport,
			       &p->dst, p->dport);
}

static void classify(struct detect *d, struct pkt_view *v)
{
	const struct pkt *p = v->p;

	v->probe = PROBE_NONE;
	if (p->proto == PROTO_TCP && p->tcp_flags_known) {
		v->probe = tcp_probe_shape(p->tcp_flags);
		classify_tcp(d, v);
	} else if (p->proto == PROTO_UDP) {
		classify_udp(d, v);
		if (v->udp_new_flow)
			v->probe = PROBE_UDP;
	}
	if (v->probe != PROBE_NONE) {
		d->probes++;
		v->scan_ignored = scan_ignored(d->env.cfg, p);
		if (v->scan_ignored)
			d->scan_ignored++;
	}
}

static void run_ticks(struct detect *d, uint64_t now)
{
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

void detect_packet(struct detect *d, const struct pkt *p)
{
	struct pkt_view v;

	memset(&v, 0, sizeof v);
	v.p = p;
	d->packets++;
	run_ticks(d, p->ts_us);
	if (p->proto != PROTO_TCP && p->proto != PROTO_UDP)
		return;
	classify(d, &v);
	for (size_t i = 0; i < NDETECTORS; i++)
		detectors[i]->packet(d->state[i], &v);
}

struct detect *detect_new(const struct config *cfg, struct alert_router *out,
			  char *err, size_t errlen)
{
	struct detect *d = calloc(1, sizeof *d);
	struct table_ops flow_ops = {
		.entry_size = sizeof(struct flow),
		.key_size = sizeof(struct flow_key),
		.keep_score = flow_keep_score,
	};

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->env.cfg = cfg;
	d->env.out = out;
	if (sipkey_random(&d->env.key) != 0) {
		snprintf(err, errlen, "no random bytes for the hash key");
		free(d);
		return NULL;
	}
	d->flows = table_new(cfg->flow_table_size, &flow_ops, &d->env.key);
	if (!d->flows) {
		snprintf(err, errlen, "cannot allocate the flow table (%u slots)",
			 cfg->flow_table_size);
		free(d);
		return NULL;
	}
	for (size_t i = 0; i < NDETECTORS; i++) {
		d->state[i] = detectors[i]->create(&d->env, err, errlen);
		if (!d->state[i]) {
			detect_free(d);
			return NULL;
		}
	}
	return d;
}

void detect_advance(struct detect *d, uint64_t now_us)
{
	run_ticks(d, now_us);
}

void detect_set_config(struct detect *d, const struct config *cfg)
{
	d->env.cfg = cfg;
}

void detect_finish(struct detect *d)
{
	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->finish)
			detectors[i]->finish(d->state[i]);
}

void detect_stats(struct detect *d, stat_fn put, void *arg)
{
	put(arg, "detect.packets", d->packets);
	put(arg, "detect.probes", d->probes);
	put(arg, "detect.probes_ignored", d->scan_ignored);
	put(arg, "detect.udp_new_flows", d->udp_new_flows);
	put(arg, "detect.udp_replies", d->udp_replies);
	put(arg, "detect.tcp_answered", d->tcp_answered);
	put(arg, "flows.slots", table_slots(d->flows));
	put(arg, "flows.used", table_count(d->flows));
	put(arg, "flows.evictions", table_evictions(d->flows));
	for (size_t i = 0; i < NDETECTORS; i++)
		if (detectors[i]->stats)
			detectors[i]->stats(d->state[i], put, arg);
}

void detect_free(struct detect *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < NDETECTORS; i++)
		if (d->state[i])
			detectors[i]->destroy(d->state[i]);
	table_free(d->flows);
	free(d);
}
