/*
 * detect_fixture.h - the detection stage under test: a configuration, a
 * router with a sink that records every alert, and helpers that make
 * packets with packet times.  Shared by test_detect.c and test_trw.c.
 */
#ifndef SCANDETD_DETECT_FIXTURE_H
#define SCANDETD_DETECT_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "conf.h"
#include "detect.h"
#include "unit.h"

#define MAX_SEEN 64

/* A sink that keeps every alert it is given. */
struct recorder {
	struct sink sink;
	struct alert seen[MAX_SEEN];
	char lines[MAX_SEEN][256];
	int n;
};

static void record(struct sink *s, const struct alert *a, const char *line)
{
	struct recorder *r = s->ctx;

	if (r->n < MAX_SEEN) {
		r->seen[r->n] = *a;
		snprintf(r->lines[r->n], sizeof r->lines[0], "%s", line);
	}
	r->n++;
}

static void no_close(struct sink *s)
{
	(void)s;
}

struct fixture {
	struct config cfg;
	struct alert_router router;
	struct recorder rec;
	struct detect *det;
};

static void setup_method(struct fixture *f, const char *method,
			 const char *conf_text)
{
	char err[256], text[1024];

	memset(f, 0, sizeof *f);
	snprintf(text, sizeof text, "DetectionMethod %s\n%s", method, conf_text);
	if (!conf_load_string("test.conf", text, &f->cfg, err, sizeof err)) {
		printf("config: %s\n", err);
		abort();
	}
	alert_router_init(&f->router, &f->cfg);
	/* As the engine names its captures: packets with pkt.iface 1 and
	 * 2 came from these (feed_on); 0, the default, from nowhere known. */
	alert_router_name_iface(&f->router, 1, "veth-a");
	alert_router_name_iface(&f->router, 2, "veth-b");
	f->rec.sink.ctx = &f->rec;
	f->rec.sink.emit = record;
	f->rec.sink.close = no_close;
	alert_router_add(&f->router, &f->rec.sink);
	f->det = detect_new(&f->cfg, &f->router, err, sizeof err);
	if (!f->det) {
		printf("detect_new: %s\n", err);
		abort();
	}
}

/* METHOD: defined by the test file before including this header. */
#define setup_with(f, text) setup_method((f), METHOD, (text))
#define setup(f) setup_with((f), "SourceTableSize 1024\nFlowTableSize 4096\n")

static void teardown(struct fixture *f)
{
	detect_free(f->det);
	conf_free(&f->cfg);
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	if (!addr_parse(s, &a))
		abort();
	return a;
}

#define T0 1700000000000000ULL	/* packet time of the first packet, us */

static struct pkt tcp(const char *src, uint16_t sport, const char *dst,
		      uint16_t dport, uint8_t flags, uint64_t ts)
{
	struct pkt p;

	memset(&p, 0, sizeof p);
	p.ts_us = ts;
	p.ipver = strchr(src, ':') ? 6 : 4;
	p.proto = PROTO_TCP;
	p.src = ip(src);
	p.dst = ip(dst);
	p.sport = sport;
	p.dport = dport;
	p.tcp_flags = flags;
	p.tcp_flags_known = true;
	p.tcp_window = 29200;	/* a Linux stack's: no scanner signature */
	p.ttl = 64;
	return p;
}

static struct pkt udp(const char *src, uint16_t sport, const char *dst,
		      uint16_t dport, uint64_t ts)
{
	struct pkt p = tcp(src, sport, dst, dport, 0, ts);

	p.proto = PROTO_UDP;
	p.tcp_flags_known = false;
	return p;
}

static void feed(struct fixture *f, struct pkt p)
{
	detect_packet(f->det, &p);
}

/* p, captured on interface iface (pkt.iface: 1 "veth-a", 2 "veth-b"). */
static void feed_on(struct fixture *f, struct pkt p, uint8_t iface)
{
	p.iface = iface;
	detect_packet(f->det, &p);
}

#endif
