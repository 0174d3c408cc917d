/*
 * detect_osfp.c - OS fingerprinting probes (the original's eight patterns).
 *
 * Fingerprinting tools send TCP flag combinations that normal stacks never
 * send.  Three different patterns from one source within OSFP_WINDOW_US of
 * each other make a probe; the families the patterns belong to name the
 * tool.  Today's nmap sends its ECN probe as SYN+ECE+CWR, which is queso's
 * 'sxy' pattern, but marks it (a reserved bit, window 3, urgent pointer
 * 0xF7F5 without URG): such an 'sxy' counts for nmap, so that nmap -O is
 * reported as nmap and not as unknown.
 *
 * xprobe2 fingerprints with ICMP instead: echo, timestamp and address mask
 * requests from one source within the window are its pattern (ping sends
 * echo alone; nmap's host discovery adds timestamp, never address mask).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "params.h"
#include "table.h"

const char *const osfp_pattern_names[OSFP_PATTERN_COUNT] = {
	"sx", "null", "fspu", "fpu", "f", "fs", "p", "sxy",
	"icmp-echo", "icmp-timestamp", "icmp-addrmask",
};

#define TCP_PATTERNS 8

/* The flags byte of each TCP pattern, in the order of the OSFP_ bits. */
static const uint8_t pattern_flags[TCP_PATTERNS] = {
	TH_SYN | TH_ECE,
	0,
	TH_FIN | TH_SYN | TH_PSH | TH_URG,
	TH_FIN | TH_PSH | TH_URG,
	TH_FIN,
	TH_FIN | TH_SYN,
	TH_PSH,
	TH_SYN | TH_ECE | TH_CWR,
};

#define NMAP_FAMILY  (OSFP_SX | OSFP_NULL | OSFP_FSPU | OSFP_FPU)
#define QUESO_FAMILY (OSFP_F | OSFP_FS | OSFP_P | OSFP_SXY)
#define XPROBE_FAMILY (OSFP_ICMP_ECHO | OSFP_ICMP_TSTAMP | OSFP_ICMP_AMASK)

struct osfp_key {
	struct ipaddr src;
};

struct osfp_entry {
	struct osfp_key key;
	uint64_t first_ts, last_ts;
	struct ipaddr dst;		/* the target of the latest pattern */
	uint32_t packets;
	uint16_t patterns;
	bool nmap_ecn;			/* an 'sxy' with nmap's marks */
	bool reported;
	uint8_t iface;			/* pkt.iface of the latest pattern */
};

struct osfp {
	struct detect_env *env;
	struct table *sources;
	uint64_t reported;
};

static int tcp_pattern(uint8_t flags)
{
	for (int i = 0; i < TCP_PATTERNS; i++)
		if (pattern_flags[i] == flags)
			return i;
	return -1;
}

/* ICMP (RFC 792) echo 8, timestamp 13, address mask 17 requests;
 * ICMPv6 echo request 128 (it has no timestamp or mask query). */
static int icmp_pattern(const struct pkt *p)
{
	if (p->proto == PROTO_ICMPV6)
		return p->icmp_type == 128 ? 8 : -1;
	switch (p->icmp_type) {
	case 8: return 8;
	case 13: return 9;
	case 17: return 10;
	}
	return -1;
}

static int pattern_of(const struct pkt *p)
{
	if (p->proto == PROTO_TCP)
		return p->tcp_flags_known ? tcp_pattern(p->tcp_flags) : -1;
	if (p->proto == PROTO_ICMP || p->proto == PROTO_ICMPV6)
		return icmp_pattern(p);
	return -1;
}

/* nmap's ECN probe (osscan2): SYN+ECE+CWR with a reserved bit set,
 * window 3 and urgent pointer 0xF7F5 although URG is not set.  An
 * ECN-setup SYN of a real stack has none of these. */
static bool is_nmap_ecn(const struct pkt *p)
{
	return p->tcp_reserved != 0 ||
	       (p->tcp_urgptr == 0xF7F5 && !(p->tcp_flags & TH_URG));
}

static const char *guess_tool(const struct osfp_entry *e)
{
	unsigned nmap = NMAP_FAMILY | (e->nmap_ecn ? OSFP_SXY : 0);
	unsigned tcp = e->patterns & ~XPROBE_FAMILY;

	/* nmap -O also pings (IE): ICMP echo beside nmap's TCP patterns. */
	if (tcp && (e->patterns & ~(nmap | OSFP_ICMP_ECHO)) == 0)
		return "nmap";
	if (tcp && (e->patterns & ~QUESO_FAMILY) == 0)
		return "queso";
	if (!tcp)
		return "xprobe2";
	return "unknown";
}

/* A probe needs OSFP_PATTERNS_NEEDED patterns of one family: three TCP
 * patterns, or all three ICMP queries (an echo alone is a ping). */
static bool enough_patterns(const struct osfp_entry *e)
{
	return __builtin_popcount(e->patterns & ~XPROBE_FAMILY) >=
		       OSFP_PATTERNS_NEEDED ||
	       (e->patterns & XPROBE_FAMILY) == XPROBE_FAMILY;
}

static void report(struct osfp *o, struct osfp_entry *e, uint64_t ts)
{
	struct alert a;

	memset(&a, 0, sizeof a);
	a.kind = ALERT_OSPROBE;
	a.ts_us = ts;
	a.proto = e->patterns & ~XPROBE_FAMILY ? PROTO_TCP : PROTO_ICMP;
	a.src = e->key.src;
	a.dst = e->dst;
	snprintf(a.tool, sizeof a.tool, "%s", guess_tool(e));
	a.packets = e->packets;
	a.patterns = e->patterns;
	a.scan.first_ts = e->first_ts;
	a.method = "classic";
	alert_set_iface(o->env->out, &a, e->iface);
	e->reported = true;
	o->reported++;
	alert_emit(o->env->out, &a);
}

static void osfp_packet(void *self, const struct pkt_view *v)
{
	struct osfp *o = self;
	const struct pkt *p = v->p;
	struct osfp_key key;
	struct osfp_entry *e;
	bool created;
	int pat;

	pat = pattern_of(p);
	if (pat < 0 || rule_list_match(&o->env->cfg->ignore_hosts, &p->src,
				       p->sport, &p->dst, p->dport))
		return;
	memset(&key, 0, sizeof key);
	key.src = p->src;
	e = table_get(o->sources, &key, &created);
	if (created || us_since(p->ts_us, e->last_ts) > OSFP_WINDOW_US) {
		bool was_reported = e->reported &&
			us_since(p->ts_us, e->last_ts) < SCAN_EXPIRE_US;

		memset(e, 0, sizeof *e);
		e->key = key;
		e->first_ts = p->ts_us;
		e->reported = was_reported;
	}
	e->last_ts = p->ts_us;
	e->dst = p->dst;
	e->packets++;
	e->patterns |= (uint16_t)(1u << pat);
	e->iface = p->iface;
	if ((1u << pat) == OSFP_SXY && is_nmap_ecn(p))
		e->nmap_ecn = true;
	if (!e->reported && enough_patterns(e))
		report(o, e, p->ts_us);
	/* Eviction keeps reported probes, then the most patterns. */
	table_set_level(o->sources, e, e->reported ? 255 :
			(uint8_t)__builtin_popcount(e->patterns));
}

struct expire_ctx {
	struct osfp *o;
	uint64_t now;
};

static void expire_idle(void *entry, void *arg)
{
	struct expire_ctx *x = arg;
	struct osfp_entry *e = entry;

	if (us_since(x->now, e->last_ts) >= SCAN_EXPIRE_US)
		table_remove(x->o->sources, e);
}

static void osfp_tick(void *self, uint64_t now_us)
{
	struct osfp *o = self;
	struct expire_ctx x = { o, now_us };

	table_sweep(o->sources, table_slots(o->sources) / 64 + 1, expire_idle,
		    &x);
}

static void *osfp_create(struct detect_env *env, char *err, size_t errlen)
{
	struct osfp *o = calloc(1, sizeof *o);
	struct table_ops ops = {
		.entry_size = sizeof(struct osfp_entry),
		.key_size = sizeof(struct osfp_key),
	};

	if (o) {
		o->env = env;
		o->sources = table_new(env->cfg->source_table_size, &ops,
				       &env->key);
		if (o->sources)
			return o;
	}
	free(o);
	detect_table_error(env->cfg, "SourceTableSize",
			   env->cfg->source_table_size, "OS-probe table", err,
			   errlen);
	return NULL;
}

static void osfp_stats(void *self, stat_fn put, void *arg)
{
	struct osfp *o = self;

	table_put_stats(o->sources, "osfp.sources", put, arg);
	put(arg, "osfp.probes", o->reported);
}

static void osfp_destroy(void *self)
{
	struct osfp *o = self;

	table_free(o->sources);
	free(o);
}

const struct detector detector_osfp = {
	.name = "osfp",
	.method = -1,
	.create = osfp_create,
	.packet = osfp_packet,
	.tick = osfp_tick,
	.stats = osfp_stats,
	.destroy = osfp_destroy,
};
