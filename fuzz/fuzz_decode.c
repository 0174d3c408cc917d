/*
 * fuzz_decode.c - the packet decoder with the detection stage behind it.
 *
 * Input: one byte that picks the link type (its value modulo 6 is an
 * enum link_type; 0xff is a link type the decoder does not know), then
 * the frame.  It is decoded once here, for the decoder's own checks,
 * then goes through scandetd's packet path (pipeline.h: decode, then
 * reassembly, whose pool puts fragments of several inputs together) to
 * two detection stages, one per detection method (trw, classic); all
 * live as long as the process, configured with tiny tables and a low
 * threshold so that they fill, evict and raise alerts.  The alert router
 * has name lookups that give long names, no names, or names still "under
 * way" (so alerts wait in its hold and are released later); the sink
 * formats every alert again as a text line and as JSON, whole and cut
 * short, and checks what comes out.
 *
 * Packet time comes from a counter of inputs: mostly forwards in steps
 * below the probe gap, now and then backwards, and far forwards often
 * enough that scans expire and end.  So a crash in the detectors may need
 * the inputs before it; a crash in the decoder never does (it is pure:
 * the same frame always decodes the same, which is checked too).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "conf.h"
#include "decode.h"
#include "detect.h"
#include "params.h"
#include "pipeline.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LINK_TYPES	6
#define LINK_UNKNOWN	0xff	/* first byte that names no link type */

/* The detectors' configuration: small tables, alerts on every path;
 * the default method (trw), then the classic one. */
#define DETECT_CONF \
	"SourceTableSize 64\n" \
	"FlowTableSize 64\n" \
	"FragTableSize 64\n" \
	"LogConnections yes\n" \
	"UdpLogConnections yes\n" \
	"CountThreshold 3\n"

static const char *const detect_conf[] = {
	DETECT_CONF,
	DETECT_CONF "DetectionMethod classic\n",
};
#define NSTAGES (sizeof detect_conf / sizeof detect_conf[0])

/* The router's configuration: the same, with every name lookup on, so
 * that the long forms of the text lines are built (and cut), and alerts
 * wait in the router's hold for names "under way". */
static const char router_conf[] =
	DETECT_CONF
	"LogDetails yes\n"
	"DNSResolve yes\n"
	"PortResolve yes\n";

#define T0		1700000000000000ULL	/* first packet time, us */
#define STEP_US		200000ULL		/* within CLASSIC_GAP_US */

static struct config cfg[NSTAGES], router_cfg;
static struct alert_router router;	/* large: the hold */
static struct sink sink;
static struct detect *det[NSTAGES];
static struct pipeline pipe_to_det;	/* decode -> reassemble -> det[] */
static uint64_t inputs;

static void fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_decode: %s: [%s]\n", what, text);
	abort();
}

/* A line for syslog or a terminal: bounded, one line, no control bytes. */
static void check_text(const char *what, const char *s, size_t bufsize)
{
	size_t len = strnlen(s, bufsize);

	if (len == bufsize)
		fail(what, "not NUL-terminated");
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			fail(what, s);
}

/*
 * Name lookups as resolve.c would answer them: long names where there
 * are names, so that lines are cut, not overflowed; some addresses have
 * no name, and for some a lookup is under way for a while (it changes
 * with the input count), so that alerts are held and released.
 */
static const char *fake_host(void *arg, const struct ipaddr *a)
{
	static char name[HOSTNAME_MAX + 1];

	(void)arg;
	if (((a->b[15] + inputs / 64) & 3) != 0)
		return NULL;
	memset(name, 'h', HOSTNAME_MAX);
	name[HOSTNAME_MAX] = '\0';
	return name;
}

static bool fake_host_pending(void *arg, const struct ipaddr *a)
{
	(void)arg;
	return ((a->b[15] + inputs / 64) & 3) == 1;
}

static const char *fake_service(void *arg, uint16_t port, uint8_t proto)
{
	(void)arg;
	(void)proto;
	return port & 1 ? NULL : "a-rather-long-service-name";
}

/* Wall time for the hold: 10 ms per input. */
static uint64_t fake_clock(void)
{
	return T0 + inputs * 10000;
}

static void fuzz_emit(struct sink *s, const struct alert *a, const char *line)
{
	char text[ALERT_LINE_MAX], json[ALERT_LINE_MAX * 2], tiny[9];
	size_t len;

	(void)s;
	check_text("router line", line, ALERT_LINE_MAX);

	alert_format_line(a, &cfg[0], NULL, text, sizeof text);
	check_text("line without names", text, sizeof text);
	alert_format_line(a, &cfg[0], NULL, tiny, sizeof tiny);
	check_text("cut line", tiny, sizeof tiny);
	alert_format_line(a, &cfg[0], NULL, tiny, 1);
	if (tiny[0] != '\0')
		fail("one-byte line", tiny);
	alert_format_line(a, &cfg[0], NULL, tiny, 0);

	/* sink_json.c's buffer: a JSON event must fit it whole. */
	alert_format_json(a, NULL, json, sizeof json);
	check_text("json", json, sizeof json);
	len = strlen(json);
	if (len == 0 || json[0] != '{' || json[len - 1] != '}' ||
	    len >= sizeof json - 1)
		fail("json not one whole object", json);
	alert_format_json(a, NULL, tiny, sizeof tiny);
	check_text("cut json", tiny, sizeof tiny);
}

static void no_close(struct sink *s)
{
	(void)s;
}

static void ignore_stat(void *arg, const char *name, uint64_t value)
{
	(void)arg;
	(void)name;
	(void)value;
}

/* The pipeline's next stage: every detection configuration in turn. */
static void detect_packets(void *arg, const struct pkt *batch, size_t n)
{
	(void)arg;
	for (size_t i = 0; i < NSTAGES; i++)
		detect_batch(det[i], batch, n);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < NSTAGES; i++)
		if (!conf_load_string("detect.conf", detect_conf[i], &cfg[i],
				      err, sizeof err))
			fail("config", err);
	if (!conf_load_string("router.conf", router_conf, &router_cfg, err,
			      sizeof err))
		fail("config", err);
	alert_router_init(&router, &router_cfg);
	router.names.host = fake_host;
	router.names.host_pending = fake_host_pending;
	router.names.service = fake_service;
	router.clock_us = fake_clock;
	sink.all_alerts = true;
	sink.emit = fuzz_emit;
	sink.close = no_close;
	alert_router_add(&router, &sink);
	for (size_t i = 0; i < NSTAGES; i++)
		if (!(det[i] = detect_new(&cfg[i], &router, err, sizeof err)))
			fail("detect_new", err);
	if (!pipeline_init(&pipe_to_det, &cfg[0], cfg[0].frag_table_size,
			   detect_packets, NULL, err,
			   sizeof err))
		fail("pipeline_init", err);
	return 0;
}

/* Forwards by STEP_US; every 16th input 1.5 s back; every 1024th a jump
 * past SCAN_EXPIRE_US and FLOW_IDLE_US; every 65536th one packet from
 * the far future (pcapng allows 64-bit times), then back to normal. */
static uint64_t next_time(void)
{
	static uint64_t now = T0;

	inputs++;
	if (inputs % 65536 == 0)
		return UINT64_MAX - inputs % 3000000;
	if (inputs % 1024 == 0)
		now += FLOW_IDLE_US + SCAN_EXPIRE_US;
	else if (inputs % 16 == 0)
		now -= 1500000;
	else
		now += STEP_US;
	return now;
}

static void check_decoded(enum decode_result r, const struct pkt *p,
			  uint64_t ts, const uint8_t *frame, size_t len)
{
	if ((unsigned)r >= DEC_RESULT_COUNT || !decode_result_name(r))
		fail("decode result", "out of range or unnamed");
	if (p->ts_us != ts || p->wire_len != 1234)
		fail("decode", "caller's time or wire length lost");
	/* frag.c reads frag_caplen bytes at frag_data: inside the frame. */
	if (p->frag_data && (p->frag_data < frame ||
			     p->frag_data > frame + len ||
			     p->frag_caplen > frame + len - p->frag_data))
		fail("decode", "fragment data outside the frame");
	if (r != DEC_OK)
		return;
	if (p->ipver != 4 && p->ipver != 6)
		fail("decode", "IP version neither 4 nor 6");
	if (p->ipver == 4 && (!addr_is_v4(&p->src) || !addr_is_v4(&p->dst)))
		fail("decode", "IPv4 packet without IPv4 addresses");
	if (p->arp != (p->proto == PROTO_ARP))
		fail("decode", "ARP without PROTO_ARP, or the other way");
	if (p->ip_only)
		fail("decode", "DEC_OK for a packet without its transport");
	if (p->proto != PROTO_TCP && p->proto != PROTO_UDP &&
	    p->proto != PROTO_ICMP && p->proto != PROTO_ICMPV6 &&
	    p->proto != PROTO_SCTP && p->proto != PROTO_ARP)
		fail("decode", "DEC_OK for a protocol not decoded");
	if (p->tcp_optlen > sizeof p->tcp_opts)
		fail("decode", "TCP option length beyond the copy");
	if (p->proto == PROTO_TCP && !p->tcp_flags_known && !p->fragment)
		fail("decode", "TCP flags unknown in a whole packet");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum link_type link;
	enum decode_result r, again;
	struct pkt p, q;
	uint64_t ts;

	if (size < 1)
		return 0;
	link = data[0] == LINK_UNKNOWN ? (enum link_type)LINK_TYPES
				       : (enum link_type)(data[0] % LINK_TYPES);
	ts = next_time();

	memset(&p, 0, sizeof p);
	p.ts_us = ts;
	p.wire_len = 1234;
	r = decode_packet(link, data + 1, size - 1, &p);
	check_decoded(r, &p, ts, data + 1, size - 1);

	/* Pure: the same frame decodes to the same bytes (frag_data
	 * points into the frame, the same both times). */
	memset(&q, 0xa5, sizeof q);
	q.ts_us = ts;
	q.wire_len = 1234;
	again = decode_packet(link, data + 1, size - 1, &q);
	if (again != r || memcmp(&p, &q, sizeof p) != 0)
		fail("decode", "not deterministic");

	/* Nothing to read: never a crash, never DEC_OK. */
	if (decode_packet(link, NULL, 0, &q) == DEC_OK ||
	    decode_packet(link, data + 1, 0, &q) == DEC_OK)
		fail("decode", "DEC_OK for an empty frame");

	pipeline_source(&pipe_to_det, link, 0);
	pipeline_packet(&pipe_to_det, data + 1, size - 1, 1234, ts);
	pipeline_flush(&pipe_to_det);
	for (size_t i = 0; i < NSTAGES; i++) {
		if (inputs % 4096 == 0) {
			detect_finish(det[i]);
			detect_stats(det[i], ignore_stat, NULL);
		}
		/* An idle link: time moves on without a packet (not after
		 * the far-future packet: its time has no room to move on). */
		if (inputs % 512 == 256)
			detect_advance(det[i], ts + SCAN_EXPIRE_US);
	}
	alert_router_release(&router, inputs % 4096 == 0);
	return 0;
}
