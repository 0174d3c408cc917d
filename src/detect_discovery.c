/*
 * detect_discovery.c - host discovery: ICMP, ARP and neighbour-discovery
 * sweeps.
 *
 * Before a port scan comes the question of which addresses are in use:
 * ICMP echo, timestamp and address-mask requests (RFC 792), ICMPv6 echo
 * requests (RFC 4443), ARP requests on the local segment (RFC 826) and
 * IPv6 neighbour solicitations (RFC 4861), each for many addresses.
 * Per source and family (ARP, ICMP, ICMPv6) this counts the addresses
 * asked for and those that answered (an echo reply, an ARP reply, a
 * neighbour advertisement naming the target), in fixed sketches.
 *
 * A sweep is DISCOVERY_HOSTS addresses asked for that never answered,
 * each asked for about once.  The two halves keep apart what a LAN does
 * all day:
 *  - a monitoring system pings its hosts every minute, and nearly all of
 *    them answer;
 *  - a router refreshes its ARP cache, and a client its neighbours: the
 *    same addresses asked for again and again (a hotel gateway asks for
 *    116 clients 3652 times in five minutes), where a sweep walks on to
 *    new ones.  More than DISCOVERY_REPEAT_HALVES / 2 requests per address
 *    is a
 *    host keeping its neighbours, not one looking for them.
 *  - a host's own kernel resolving addresses for traffic it sends or
 *    forwards: a router carrying a remote scanner's sweep into the LAN
 *    ARPs for every address swept.  The kernel asks three times, a
 *    second apart (Linux: MAX_MULTICAST_SOLICIT, RETRANS_TIMER; RFC 4861
 *    section 10), where sweep tools ask once or twice (nmap re-asks once
 *    after 1.1 s, arp-scan after 0.5 s).  So ARP and ND are judged
 *    DISCOVERY_SETTLE_US after a source's first request, when a third
 *    request for its first targets would have shown, and a source with
 *    DISCOVERY_RESOLVER_RETRIES such targets is a resolver, not a
 *    sweeper.
 * Broadcasts, group addresses, gratuitous ARP and duplicate address
 * detection (a sender without an address yet) ask for nobody.
 */
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "params.h"
#include "sketch.h"
#include "table.h"

/* ICMP query types (RFC 792) and ICMPv6 (RFC 4443, RFC 4861). */
#define ICMP_ECHO_REPLY		0
#define ICMP_ECHO		8
#define ICMP_TSTAMP		13
#define ICMP_TSTAMP_REPLY	14
#define ICMP_MASK		17
#define ICMP_MASK_REPLY		18
#define ICMPV6_ECHO		128
#define ICMPV6_ECHO_REPLY	129
#define ICMPV6_ND_NS		135
#define ICMPV6_ND_NA		136

/* One of a source's first targets: when it was last asked for. */
struct early_target {
	uint32_t fold;			/* addr_fold */
	uint32_t ms;			/* since the episode's first request */
	uint8_t retries;		/* asked again a second after */
};

struct discovery_entry {
	struct source_head head;	/* key: source and PROTO_ARP, _ICMP
					 * or _ICMPV6 */
	struct scan_summary sum;	/* count: requests */
	struct ipaddr first_dst;
	struct sketch asked, answered;	/* target addresses */
	uint16_t types;			/* 1 << scan_type of its requests */
	struct early_target early[DISCOVERY_EARLY];
	uint8_t nearly;
	uint8_t resolver_retries;	/* early targets asked a third time,
					 * each a second after the one before */
	bool pending;			/* waiting in discovery.pending */
};

struct discovery {
	struct detect_env *env;
	struct table *sources;
	/* Sources past the threshold, waiting to be judged (ARP, ND). */
	struct source_key pending[DISCOVERY_PENDING];
	size_t npending;
	uint64_t requests, answers;
	uint64_t reported, ended, resolvers;
};

/* A request: which address it asks for, and how (enum scan_type). */
struct request {
	struct ipaddr target;
	enum scan_type type;
};

/* ---- what a packet asks or answers ---------------------------------- */

static bool icmp_request(const struct pkt *p, struct request *r)
{
	if (p->proto == PROTO_ICMP) {
		switch (p->icmp_type) {
		case ICMP_ECHO: r->type = SCAN_ECHO; break;
		case ICMP_TSTAMP: r->type = SCAN_TIMESTAMP; break;
		case ICMP_MASK: r->type = SCAN_ADDRMASK; break;
		default: return false;
		}
		r->target = p->dst;
		return true;
	}
	if (p->icmp_type == ICMPV6_ECHO) {
		r->type = SCAN_ECHO;
		r->target = p->dst;
		return true;
	}
	/* A solicitation names its target in the body; the destination is
	 * the target's solicited-node group, or the target itself. */
	if (p->icmp_type == ICMPV6_ND_NS) {
		r->type = SCAN_ND;
		r->target = p->nd_target;
		return true;
	}
	return false;
}

/* A request for somebody in particular, from somebody with an address. */
static bool is_request(const struct pkt *p, struct request *r)
{
	if (p->arp) {
		if (p->arp_op != ARP_REQUEST)
			return false;
		r->type = SCAN_ARP;
		r->target = p->dst;
	} else if (p->proto == PROTO_ICMP || p->proto == PROTO_ICMPV6) {
		if (!icmp_request(p, r))
			return false;
	} else {
		return false;
	}
	return !addr_is_unspecified(&p->src) &&
	       !addr_is_unspecified(&r->target) &&
	       !addr_is_group(&r->target) && !addr_equal(&p->src, &r->target);
}

/* An answer: who answered (*from), and to whom (*to). */
static bool is_answer(const struct pkt *p, struct ipaddr *from,
		      struct ipaddr *to)
{
	*to = p->dst;
	*from = p->src;
	if (p->arp)
		return p->arp_op == ARP_REPLY;
	if (p->proto == PROTO_ICMP)
		return p->icmp_type == ICMP_ECHO_REPLY ||
		       p->icmp_type == ICMP_TSTAMP_REPLY ||
		       p->icmp_type == ICMP_MASK_REPLY;
	if (p->proto != PROTO_ICMPV6)
		return false;
	if (p->icmp_type == ICMPV6_ND_NA) {
		*from = p->nd_target;
		return !addr_is_group(to);	/* unsolicited: no question */
	}
	return p->icmp_type == ICMPV6_ECHO_REPLY;
}

/* ---- reporting ------------------------------------------------------ */

/* The requests' kind: the one used most is not kept, the first is. */
static enum scan_type main_type(const struct discovery_entry *e)
{
	for (int t = SCAN_ECHO; t <= SCAN_ND; t++)
		if (e->types & (1u << t))
			return (enum scan_type)t;
	return SCAN_ECHO;
}

static void fill_alert(const struct discovery *d,
		       const struct discovery_entry *e, enum alert_kind kind,
		       uint64_t ts, struct alert *a)
{
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->ts_us = ts;
	a->proto = e->head.key.proto;
	a->src = e->head.key.src;
	a->dst = e->first_dst;
	a->scan = e->sum;
	a->scan.kind = ALERT_SWEEP;
	a->scan.scan_type = main_type(e);
	a->scan.hosts = sketch_count(&e->asked);
	a->scan.answered = sketch_count(&e->answered);
	a->method = "discovery";
	a->probes = e->sum.count;
	alert_set_iface(d->env->out, a, e->head.iface);
}

static unsigned unanswered(const struct discovery_entry *e)
{
	unsigned asked = sketch_count(&e->asked);
	unsigned answered = sketch_count(&e->answered);

	return asked > answered ? asked - answered : 0;
}

/* ARP and neighbour solicitations: what a kernel sends to resolve. */
static bool resolves(const struct discovery_entry *e)
{
	return e->types & (1u << SCAN_ARP | 1u << SCAN_ND);
}

static bool looks_like_sweep(const struct discovery_entry *e)
{
	return unanswered(e) >= DISCOVERY_HOSTS &&
	       (uint64_t)e->sum.count * 2 <=
		       (uint64_t)DISCOVERY_REPEAT_HALVES *
			       sketch_count(&e->asked);
}

static void wait_to_judge(struct discovery *d, struct discovery_entry *e)
{
	if (e->pending || d->npending == DISCOVERY_PENDING)
		return;			/* full: its next request tries again */
	d->pending[d->npending++] = e->head.key;
	e->pending = true;
}

/* now: packet time; settled: the resolver's retries would have shown
 * (or the input ended). */
static void judge(struct discovery *d, struct discovery_entry *e,
		  uint64_t now, bool settled)
{
	struct alert a;

	if (e->head.reported || !looks_like_sweep(e))
		return;
	if (resolves(e) && !settled) {
		wait_to_judge(d, e);
		return;
	}
	if (e->resolver_retries >= DISCOVERY_RESOLVER_RETRIES) {
		d->resolvers++;
		return;
	}
	e->head.reported = true;
	table_set_level(d->sources, e, SOURCE_LEVEL_REPORTED);
	fill_alert(d, e, ALERT_SWEEP, now, &a);
	d->reported++;
	alert_emit(d->env->out, &a);
}

static void end_scan(struct discovery *d, struct discovery_entry *e)
{
	struct alert a;

	if (!e->head.reported)
		return;
	fill_alert(d, e, ALERT_SCAN_END, e->head.last_ts, &a);
	d->ended++;
	alert_emit(d->env->out, &a);
}

/* ---- packets -------------------------------------------------------- */

static uint8_t family(const struct pkt *p)
{
	return p->arp ? PROTO_ARP : p->proto;
}

/* A new episode after SCAN_EXPIRE_US of silence, as for port scans. */
static struct discovery_entry *source(struct discovery *d,
				      const struct pkt *p)
{
	struct source_key key;
	struct discovery_entry *e;
	bool created;

	source_key_make(&key, &p->src, family(p));
	e = table_get(d->sources, &key, &created);
	if (!created && us_since(p->ts_us, e->head.last_ts) >= SCAN_EXPIRE_US) {
		end_scan(d, e);
		memset(e, 0, sizeof *e);
		e->head.key = key;
		table_set_level(d->sources, e, 0);
	}
	return e;
}

/* A first target asked for again DISCOVERY_RETRY_MIN_US to _MAX_US after
 * the request before, twice: a kernel's neighbour resolution retrying. */
static void note_early(struct discovery_entry *e, const struct pkt *p,
		       const struct request *r)
{
	uint32_t fold = addr_fold(&r->target);
	uint64_t ms64 = us_since(p->ts_us, e->sum.first_ts) / 1000;
	uint32_t ms = ms64 > UINT32_MAX ? UINT32_MAX : (uint32_t)ms64;

	for (unsigned i = 0; i < e->nearly; i++) {
		uint32_t gap = ms - e->early[i].ms;

		if (e->early[i].fold != fold)
			continue;
		e->early[i].ms = ms;
		if (gap * 1000ULL < DISCOVERY_RETRY_MIN_US ||
		    gap * 1000ULL > DISCOVERY_RETRY_MAX_US)
			return;
		if (++e->early[i].retries == 2 && e->resolver_retries < UINT8_MAX)
			e->resolver_retries++;
		return;
	}
	if (e->nearly < DISCOVERY_EARLY)
		e->early[e->nearly++] = (struct early_target){ fold, ms, 0 };
}

static void count_request(struct discovery *d, const struct pkt *p,
			  const struct request *r)
{
	struct discovery_entry *e = source(d, p);
	struct scan_summary *s = &e->sum;
	uint16_t port = p->arp ? 0 : p->icmp_type;

	d->requests++;
	if (s->count == 0) {
		s->first_port = port;
		s->first_ts = p->ts_us;
		e->first_dst = r->target;
	} else if (!addr_equal(&r->target, &e->first_dst)) {
		s->dst_multiple = true;
	}
	s->count++;
	s->last_port = port;
	s->last_ts = p->ts_us;
	e->head.last_ts = p->ts_us;
	e->head.iface = p->iface;
	e->types |= (uint16_t)(1u << r->type);
	sketch_add(&e->asked, addr_fold(&r->target));
	if (r->type == SCAN_ARP || r->type == SCAN_ND)
		note_early(e, p, r);
	if (!e->head.reported)
		table_set_level(d->sources, e,
				source_level(&e->head, unanswered(e)));
	judge(d, e, p->ts_us, us_since(p->ts_us, s->first_ts) >=
				      DISCOVERY_SETTLE_US);
}

static void count_answer(struct discovery *d, const struct pkt *p,
			 const struct ipaddr *from, const struct ipaddr *to)
{
	struct source_key key;
	struct discovery_entry *e;

	source_key_make(&key, to, family(p));
	e = table_find(d->sources, &key);
	if (!e)
		return;
	d->answers++;
	sketch_add(&e->answered, addr_fold(from));
}

static void discovery_packet(void *self, const struct pkt_view *v)
{
	struct discovery *d = self;
	const struct pkt *p = v->p;
	struct request r;
	struct ipaddr from, to;

	if (!p->arp && p->proto != PROTO_ICMP && p->proto != PROTO_ICMPV6)
		return;
	if (is_request(p, &r))
		count_request(d, p, &r);
	else if (is_answer(p, &from, &to))
		count_answer(d, p, &from, &to);
}

/* ---- expiry, statistics --------------------------------------------- */

static void expire_idle(void *entry, uint64_t now, void *arg)
{
	(void)now;
	end_scan(arg, entry);
	table_remove(((struct discovery *)arg)->sources, entry);
}

/* The pending sources whose time has come (all of them at the end). */
static void judge_pending(struct discovery *d, uint64_t now, bool all)
{
	size_t kept = 0;

	for (size_t i = 0; i < d->npending; i++) {
		struct discovery_entry *e = table_find(d->sources,
						       &d->pending[i]);
		bool due;

		if (!e)
			continue;	/* evicted or expired meanwhile */
		due = all || us_since(now, e->sum.first_ts) >=
				     DISCOVERY_SETTLE_US;
		if (!due) {
			d->pending[kept++] = d->pending[i];
			continue;
		}
		e->pending = false;
		judge(d, e, all ? e->head.last_ts : now, true);
	}
	d->npending = kept;
}

static void discovery_tick(void *self, uint64_t now_us)
{
	struct discovery *d = self;

	judge_pending(d, now_us, false);
	sources_sweep_idle(d->sources, now_us, expire_idle, d);
}

static void end_each(void *entry, void *arg)
{
	end_scan(arg, entry);
}

static void discovery_finish(void *self)
{
	struct discovery *d = self;

	judge_pending(d, 0, true);
	sources_each_reported(d->sources, end_each, d);
}

static void evict_entry(void *entry, void *arg)
{
	end_scan(arg, entry);
}

static void *discovery_create(struct detect_env *env, char *err,
			      size_t errlen)
{
	struct discovery *d = calloc(1, sizeof *d);
	unsigned slots = env->cfg->source_table_size / DISCOVERY_TABLE_SHARE;

	if (slots < 64)
		slots = 64;
	if (d) {
		d->env = env;
		d->sources = sources_new(slots, sizeof(struct discovery_entry), 0,
					 evict_entry, d, &env->key);
		if (d->sources)
			return d;
	}
	free(d);
	detect_table_error(env->cfg, "SourceTableSize", slots,
			   "host discovery table", err, errlen);
	return NULL;
}

static void discovery_stats(void *self, stat_fn put, void *arg)
{
	struct discovery *d = self;

	table_put_stats(d->sources, "discovery.sources", put, arg);
	put(arg, "discovery.requests", d->requests);
	put(arg, "discovery.answers", d->answers);
	put(arg, "discovery.sweeps", d->reported);
	put(arg, "discovery.ended", d->ended);
	put(arg, "discovery.resolvers", d->resolvers);
}

static uint32_t discovery_probes(void *self, const struct ipaddr *src,
				 uint8_t proto)
{
	struct discovery *d = self;
	const struct discovery_entry *e = sources_find(d->sources, src, proto);

	return e && e->head.reported ? e->sum.count : 0;
}

static void discovery_destroy(void *self)
{
	struct discovery *d = self;

	table_free(d->sources);
	free(d);
}

const struct detector detector_discovery = {
	.name = "discovery",
	.method = METHOD_TRW,
	.network_layer = true,
	.create = discovery_create,
	.packet = discovery_packet,
	.tick = discovery_tick,
	.finish = discovery_finish,
	.stats = discovery_stats,
	.probes = discovery_probes,
	.destroy = discovery_destroy,
};
