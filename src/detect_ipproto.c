/*
 * detect_ipproto.c - IP protocol scans (nmap -sO).
 *
 * A protocol scan sends a datagram of each IP protocol number to a host
 * and learns from the ICMP protocol-unreachable answers which ones it
 * speaks.  Hosts use a handful of protocols beyond TCP, UDP and ICMP
 * (GRE, ESP, AH, IGMP; OSPF, VRRP and PIM to multicast groups), so per
 * source this keeps the exact set of the other protocol numbers it sent
 * to unicast addresses: IPPROTO_SCAN_PROTOCOLS of them in one episode
 * is a scan.  Only datagrams whose transport scandetd does not decode
 * come here (pkt.ip_only): nothing on the path of TCP and UDP.
 */
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "params.h"
#include "table.h"

struct ipproto_entry {
	struct source_head head;	/* key: source and PROTO_IP */
	struct scan_summary sum;	/* ports: protocol numbers */
	struct ipaddr first_dst;
	uint64_t tried[4];		/* bit per protocol number */
	uint16_t ntried;
};

struct ipproto {
	struct detect_env *env;
	struct table *sources;
	uint64_t datagrams, reported, ended;
};

static void fill_alert(const struct ipproto *d, const struct ipproto_entry *e,
		       enum alert_kind kind, uint64_t ts, struct alert *a)
{
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->ts_us = ts;
	a->proto = PROTO_IP;
	a->src = e->head.key.src;
	a->dst = e->first_dst;
	a->scan = e->sum;
	a->scan.kind = ALERT_PORTSCAN;
	a->scan.scan_type = SCAN_PROTOCOL;
	a->scan.ports = e->ntried;
	a->scan.hosts = e->sum.dst_multiple ? 2 : 1;
	a->method = "protocols";
	a->probes = e->sum.count;
	alert_set_iface(d->env->out, a, e->head.iface);
}

static void end_scan(struct ipproto *d, struct ipproto_entry *e)
{
	struct alert a;

	if (!e->head.reported)
		return;
	fill_alert(d, e, ALERT_SCAN_END, e->head.last_ts, &a);
	d->ended++;
	alert_emit(d->env->out, &a);
}

static struct ipproto_entry *source(struct ipproto *d, const struct pkt *p)
{
	struct source_key key;
	struct ipproto_entry *e;
	bool created;

	source_key_make(&key, &p->src, PROTO_IP);
	e = table_get(d->sources, &key, &created);
	if (!created && us_since(p->ts_us, e->head.last_ts) >= SCAN_EXPIRE_US) {
		end_scan(d, e);
		memset(e, 0, sizeof *e);
		e->head.key = key;
		table_set_level(d->sources, e, 0);
	}
	return e;
}

static void count(struct ipproto_entry *e,
		  const struct pkt *p)
{
	struct scan_summary *s = &e->sum;
	uint64_t bit = 1ULL << (p->proto & 63);

	if (s->count == 0) {
		s->first_port = p->proto;
		s->first_ts = p->ts_us;
		e->first_dst = p->dst;
	} else if (!addr_equal(&p->dst, &e->first_dst)) {
		s->dst_multiple = true;
	}
	s->count++;
	s->last_port = p->proto;
	s->last_ts = p->ts_us;
	e->head.last_ts = p->ts_us;
	e->head.iface = p->iface;
	if (!(e->tried[p->proto >> 6] & bit)) {
		e->tried[p->proto >> 6] |= bit;
		e->ntried++;
	}
}

static void ipproto_packet(void *self, const struct pkt_view *v)
{
	struct ipproto *d = self;
	const struct pkt *p = v->p;
	struct ipproto_entry *e;
	struct alert a;

	if (!p->ip_only || addr_is_group(&p->dst))
		return;
	d->datagrams++;
	e = source(d, p);
	count(e, p);
	if (e->head.reported)
		return;
	table_set_level(d->sources, e, source_level(&e->head, e->ntried));
	if (e->ntried < IPPROTO_SCAN_PROTOCOLS)
		return;
	e->head.reported = true;
	table_set_level(d->sources, e, SOURCE_LEVEL_REPORTED);
	fill_alert(d, e, ALERT_PORTSCAN, p->ts_us, &a);
	d->reported++;
	alert_emit(d->env->out, &a);
}

static void expire_idle(void *entry, uint64_t now, void *arg)
{
	(void)now;
	end_scan(arg, entry);
	table_remove(((struct ipproto *)arg)->sources, entry);
}

static void ipproto_tick(void *self, uint64_t now_us)
{
	struct ipproto *d = self;

	sources_sweep_idle(d->sources, now_us, expire_idle, d);
}

static void end_each(void *entry, void *arg)
{
	end_scan(arg, entry);
}

static void ipproto_finish(void *self)
{
	struct ipproto *d = self;

	sources_each_reported(d->sources, end_each, d);
}

static void evict_entry(void *entry, void *arg)
{
	end_scan(arg, entry);
}

static void *ipproto_create(struct detect_env *env, char *err, size_t errlen)
{
	struct ipproto *d = calloc(1, sizeof *d);

	if (d) {
		d->env = env;
		d->sources = sources_new(IPPROTO_TABLE_SIZE,
					 sizeof(struct ipproto_entry), 0,
					 evict_entry, d, &env->key);
		if (d->sources)
			return d;
	}
	free(d);
	detect_table_error(env->cfg, "SourceTableSize", IPPROTO_TABLE_SIZE,
			   "protocol scan table", err, errlen);
	return NULL;
}

static void ipproto_stats(void *self, stat_fn put, void *arg)
{
	struct ipproto *d = self;

	table_put_stats(d->sources, "ipproto.sources", put, arg);
	put(arg, "ipproto.datagrams", d->datagrams);
	put(arg, "ipproto.scans", d->reported);
	put(arg, "ipproto.ended", d->ended);
}

static uint32_t ipproto_probes(void *self, const struct ipaddr *src,
			       uint8_t proto)
{
	struct ipproto *d = self;
	const struct ipproto_entry *e = sources_find(d->sources, src, proto);

	return e && e->head.reported ? e->sum.count : 0;
}

static void ipproto_destroy(void *self)
{
	struct ipproto *d = self;

	table_free(d->sources);
	free(d);
}

const struct detector detector_ipproto = {
	.name = "ipproto",
	.method = METHOD_TRW,
	.network_layer = true,
	.create = ipproto_create,
	.packet = ipproto_packet,
	.tick = ipproto_tick,
	.finish = ipproto_finish,
	.stats = ipproto_stats,
	.probes = ipproto_probes,
	.destroy = ipproto_destroy,
};
