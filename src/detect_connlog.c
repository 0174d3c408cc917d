/*
 * detect_connlog.c - LogConnections and UdpLogConnections.
 *
 * Not detection, but it sits on the same packets: every TCP connection
 * attempt (a SYN without ACK) and every UDP datagram becomes a
 * "connection" alert, unless LogPorts, PortLogIgnore, HostLogIgnore or
 * IgnoreHost say otherwise (conf_log_ignored).
 */
#include <stdlib.h>
#include <string.h>

#include "detect.h"

struct connlog {
	struct detect_env *env;
	uint64_t logged;
	uint64_t ignored;
};

static void *connlog_create(struct detect_env *env, char *err, size_t errlen)
{
	struct connlog *c = calloc(1, sizeof *c);

	(void)err;
	(void)errlen;
	if (c)
		c->env = env;
	return c;
}

static bool is_connection_attempt(const struct pkt *p)
{
	if (p->proto == PROTO_UDP)
		return true;
	return p->tcp_flags_known &&
	       (p->tcp_flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) == TH_SYN;
}

static void connlog_packet(void *self, const struct pkt_view *v)
{
	struct connlog *c = self;
	const struct pkt *p = v->p;
	const struct proto_conf *pc;
	struct alert a;

	if (p->proto != PROTO_TCP && p->proto != PROTO_UDP)
		return;
	pc = &c->env->cfg->proto[p->proto == PROTO_UDP ? CONF_UDP : CONF_TCP];
	if (!pc->log_connections || !is_connection_attempt(p))
		return;
	if (conf_log_ignored(c->env->cfg, p->proto == PROTO_UDP ? CONF_UDP :
			     CONF_TCP, &p->src, p->sport, &p->dst, p->dport)) {
		c->ignored++;
		return;
	}
	memset(&a, 0, sizeof a);
	a.kind = ALERT_CONNECTION;
	a.ts_us = p->ts_us;
	a.proto = p->proto;
	a.src = p->src;
	a.dst = p->dst;
	a.sport = p->sport;
	a.dport = p->dport;
	alert_set_iface(c->env->out, &a, p->iface);
	c->logged++;
	alert_emit(c->env->out, &a);
}

static void connlog_stats(void *self, stat_fn put, void *arg)
{
	struct connlog *c = self;

	put(arg, "connlog.logged", c->logged);
	put(arg, "connlog.ignored", c->ignored);
}

static void connlog_destroy(void *self)
{
	free(self);
}

const struct detector detector_connlog = {
	.name = "connlog",
	.method = -1,
	.create = connlog_create,
	.packet = connlog_packet,
	.stats = connlog_stats,
	.destroy = connlog_destroy,
};
