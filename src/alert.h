/*
 * alert.h - what the detectors report, and the sinks that write it.
 *
 * A detector fills a struct alert and hands it to alert_emit(); it knows
 * nothing of syslog, JSON or email.  Sinks receive finished alerts and know
 * nothing of packets.  Text formatting (the SPEC's log lines) lives here,
 * once, and every text sink uses it.
 */
#ifndef SCANDETD_ALERT_H
#define SCANDETD_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "addr.h"
#include "params.h"
#include "siphash.h"
#include "strbuf.h"

struct config;

enum alert_kind {
	ALERT_CONNECTION,		/* LogConnections / UdpLogConnections */
	ALERT_PORTSCAN,			/* one source, many ports */
	ALERT_SWEEP,			/* one source, one port, many hosts */
	ALERT_FLOOD,			/* one source, one port, again and again */
	ALERT_OSPROBE,			/* OS fingerprinting probe */
	ALERT_DISTRIBUTED,		/* many sources, many ports, one host */
	ALERT_SCAN_END,			/* a reported scan went idle: summary */
	ALERT_SUPPRESSED,		/* the router's: what AlertLimit held
					 * back in one interval */
	ALERT_KIND_COUNT
};

/* How a logged connection attempt ended (LogConnections). */
enum conn_outcome {
	CONN_UNKNOWN,			/* not followed (table full) */
	CONN_COMPLETED,			/* TCP handshake completed */
	CONN_REFUSED,			/* RST from the destination */
	CONN_UNREACHABLE,		/* ICMP destination unreachable */
	CONN_NO_ANSWER,			/* nothing within ContactTimeout */
	CONN_HALF_OPEN,			/* SYN-ACK, never completed */
	CONN_ANSWERED,			/* UDP: a datagram came back */
};

/* How a scan probed: TCP flags, UDP; the host-discovery queries (ICMP
 * echo, timestamp, address mask, ARP, IPv6 neighbour solicitation); IP
 * protocol numbers; SCTP INIT or COOKIE ECHO chunks. */
enum scan_type {
	SCAN_SYN, SCAN_FIN, SCAN_NULL, SCAN_XMAS, SCAN_UDP, SCAN_ACK,
	SCAN_ECHO, SCAN_TIMESTAMP, SCAN_ADDRMASK, SCAN_ARP, SCAN_ND,
	SCAN_PROTOCOL, SCAN_SCTP_INIT, SCAN_SCTP_COOKIE,
	SCAN_TYPE_COUNT
};

/* OS probe patterns (bit i = osfp_pattern_names[i]): the original's eight
 * TCP flag patterns, then the ICMP queries xprobe2 fingerprints with. */
enum {
	OSFP_SX = 1 << 0, OSFP_NULL = 1 << 1, OSFP_FSPU = 1 << 2,
	OSFP_FPU = 1 << 3, OSFP_F = 1 << 4, OSFP_FS = 1 << 5,
	OSFP_P = 1 << 6, OSFP_SXY = 1 << 7,
	OSFP_ICMP_ECHO = 1 << 8, OSFP_ICMP_TSTAMP = 1 << 9,
	OSFP_ICMP_AMASK = 1 << 10,
};
#define OSFP_PATTERN_COUNT 11
extern const char *const osfp_pattern_names[OSFP_PATTERN_COUNT];

/* Summary of a scan, flood or sweep, kept up to date while it goes on. */
struct scan_summary {
	enum alert_kind kind;		/* PORTSCAN, SWEEP or FLOOD */
	uint32_t count;			/* probes counted */
	bool dst_multiple;		/* more than one destination */
	uint16_t first_port, last_port;
	uint64_t first_ts, last_ts;	/* microseconds since the epoch */
	enum scan_type scan_type;
	uint32_t syn, fin;		/* probes with SYN, with FIN */
	uint16_t port;			/* the port of a sweep or flood */
	/* What it reached (tally.h): distinct ports and hosts probed, the
	 * contacts that answered, the distinct ports among them (open;
	 * the first of them are listed in the alert's struct open_list). */
	uint32_t ports, hosts;
	uint32_t answered, open;
	uint32_t sources;		/* DISTRIBUTED: distinct sources */
};

/* The first SCAN_OPEN_LISTED ports that answered a scan.  In the alert,
 * not in struct scan_summary, which every source entry carries: a list
 * there would cost two more cache lines per source. */
struct open_list {
	uint16_t port[SCAN_OPEN_LISTED];
	uint8_t n;
};

/* ALERT_SUPPRESSED: the alerts of one AlertLimit interval that were held
 * back for good (never written to the log sinks). */
struct held_back {
	uint64_t start_us, end_us;	/* the interval */
	uint32_t limit, seconds;	/* the AlertLimit in force */
	uint32_t total;			/* alerts held back */
	uint32_t kind[ALERT_KIND_COUNT];	/* of which, by kind */
	uint32_t sources;		/* distinct sources among them */
	bool sources_at_least;		/* too many to count: at least */
	uint32_t follow;		/* held alerts written right after */
};

struct alert {
	enum alert_kind kind;
	uint64_t ts_us;			/* packet time of the trigger */
	uint8_t proto;			/* PROTO_TCP, _UDP, _SCTP, _ICMP,
					 * _ICMPV6, or PROTO_ARP (an ARP
					 * sweep), PROTO_IP (a protocol scan,
					 * whose "ports" are protocol numbers) */
	struct ipaddr src, dst;

	uint16_t sport, dport;		/* CONNECTION; its first SYN's time
					 * is scan.first_ts */
	enum conn_outcome outcome;
	uint32_t retransmits;		/* SYNs again before the outcome */
	struct scan_summary scan;	/* PORTSCAN, SWEEP, FLOOD, SCAN_END */
	struct open_list open;		/* their open ports, listed */

	/* OSPROBE */
	uint32_t packets;
	uint16_t patterns;		/* OSFP_* bits */

	/* The tool, when known: OS probes ("nmap", "queso", "unknown"), and
	 * scans whose probes matched a signature.  Copied, not pointed to:
	 * an alert may wait for a name lookup longer than its source's
	 * table entry lives. */
	char tool[24];
	const char *method;		/* "classic", "trw", "slow", "signature" */
	uint32_t probes;		/* probes from the source before the alert */

	/* The interface the triggering packet was captured on; empty when
	 * unknown (reading a file).  Copied, like tool. */
	char iface[16];

	struct held_back held_back;	/* SUPPRESSED */
};

const char *alert_kind_name(enum alert_kind k);	/* JSON "event" value */
const char *scan_type_name(enum scan_type t);	/* "SYN", "FIN", ... */
/* An alert's protocol: "tcp", "udp", "icmp", "icmpv6", "sctp", "arp",
 * "ip" (JSON, the report); the same in capitals for text ("ICMPv6"). */
const char *proto_key(uint8_t proto);
const char *proto_label(uint8_t proto);
const char *conn_outcome_name(enum conn_outcome o);	/* "refused", ... */
/* 1 to 8, higher is worse (scandetd(8), OUTPUT): connections 1,
 * AlertLimit summaries 2, floods 3, port scans and sweeps 4 to 8 by
 * breadth, open ports found and a known tool, OS probes 7.  A summary
 * (scan_end) is rated on its final counts. */
unsigned alert_severity(const struct alert *a);

/*
 * Optional name lookups for text output.  Both may be NULL (no lookups).
 * Each returns a name or NULL; neither may block.
 */
struct alert_names {
	const char *(*host)(void *arg, const struct ipaddr *a);
	/* True while a lookup for a is under way (may be NULL). */
	bool (*host_pending)(void *arg, const struct ipaddr *a);
	const char *(*service)(void *arg, uint16_t port, uint8_t proto);
	void *arg;
};

/* The SPEC's log line for an alert (no trailing newline).  Uses the
 * configuration for DNSResolve, PortResolve and LogDetails. */
void alert_format_line(const struct alert *a, const struct config *cfg,
		       const struct alert_names *names, char *buf, size_t len);

/* One JSON object (no trailing newline); sensor: the host name to give
 * as "sensor", or NULL (reading a file: the sensor is not this host). */
void alert_format_json(const struct alert *a, const char *sensor, char *buf,
		       size_t len);

/* The members of that object that only scandetd defines, each as
 * ",\"name\":value": all but event, ts, proto, src, dst, sport and dport.
 * JsonFormat ecs writes them under "scandetd". */
void alert_json_details(struct strbuf *sb, const struct alert *a);

/*
 * JsonFormat ecs (alert_ecs.c): one Elastic Common Schema document (no
 * trailing newline); line is the alert's log line, the ECS "message".
 * What the observer says of itself is taken once, at set-up: the packet
 * process is sandboxed before its first alert.
 */
struct ecs_observer {
	char hostname[HOSTNAME_MAX];	/* gethostname(), "" if unknown */
	char version[24];		/* scandetd's */
};

void ecs_observer_init(struct ecs_observer *o, const char *version);
/* Room for any document (tests/unit/test_ecs.c fills every field to the
 * most it can hold): the message and host name escaped at worst, and the
 * rest. */
#define ECS_JSON_MAX	(SB_JSON_STR_MAX(ALERT_LINE_MAX) + \
			 SB_JSON_STR_MAX(HOSTNAME_MAX) + 4096)
/* false if the document did not fit in len (buf then holds no valid
 * JSON and must not be written). */
bool alert_format_ecs(const struct alert *a, const char *line,
		      const struct ecs_observer *o, char *buf, size_t len);

/* ISO 8601 UTC with microseconds: 2026-11-26T23:19:21.123456Z */
void format_ts(uint64_t ts_us, char *buf, size_t len);

/*
 * Sinks.  Each is a small object with an emit and a close; alert.c keeps
 * the list and calls every sink for every alert.
 */
/* A statistic: put(arg, "jsonlog.lost", 3). */
typedef void (*stat_fn)(void *arg, const char *name, uint64_t value);

struct sink {
	/* false: only alerts whose logging is on (LogScans, LogOSFP, ...);
	 * true: every alert (a mailer applies its own options). */
	bool all_alerts;
	void (*emit)(struct sink *s, const struct alert *a, const char *line);
	void (*flush)(struct sink *s);
	void (*close)(struct sink *s);
	/* The sink's own counters (may be NULL). */
	void (*stats)(struct sink *s, stat_fn put, void *arg);
	void *ctx;
};

struct sink *sink_syslog_open(int facility);
/* The log lines, one per line; with packet_time (-r), each begins with
 * its packet's time, ISO 8601. */
struct sink *sink_text_open(FILE *out, bool packet_time);
/* How a JSON sink writes alerts: JsonFormat, and for ecs the observer. */
struct json_style {
	bool ecs;
	struct ecs_observer observer;
	/* The default format's "sensor": this host's name, live only. */
	char sensor[HOSTNAME_MAX];
};

/* JSON Lines on out (not closed); style is copied. */
struct sink *sink_json_open(FILE *out, const struct json_style *style);
/* JsonLog: open path for appending, safely (no symbolic link, a regular
 * file, never blocking on a FIFO); a file it creates is JSON_LOG_MODE
 * and of group (none: (gid_t)-1).  The descriptor, or -1 with a reason. */
int sink_json_open_file(const char *path, gid_t group, char *err,
			size_t errlen);
/* A sink on such a descriptor (owned from now on); name for messages. */
struct sink *sink_json_open_fd(int fd, const char *name,
			       const struct json_style *style, char *err,
			       size_t errlen);
/* The file reopened (SIGHUP, after a rotation): fd replaces the sink's
 * descriptor, which is closed; owned from now on. */
void sink_json_set_fd(struct sink *s, int fd);

#define ALERT_MAX_SINKS 8

/*
 * With DNSResolve, an alert whose addresses are still being looked up is
 * held back (in order: everything after it waits too) until the names
 * arrive or ALERT_HOLD_US of wall time passes, so that log lines show
 * names without the packet path ever waiting.  The hold is bounded: when
 * it is full the oldest alert goes out with bare addresses.
 */
#define ALERT_HOLD_MAX 1024
#define ALERT_HOLD_US  2000000ULL

/*
 * AlertLimit (alert_limit.c): at most cfg->alert_limit.count alerts per
 * interval of alert_limit.seconds go to the log sinks (every sink whose
 * all_alerts is false: syslog, text, JSON); email is not limited here.
 * Time is packet time: the alerts' own, moved on by alert_router_tick.
 *
 * Alerts over the limit wait in a fixed pool (a heap, weakest on top).
 * When the interval ends, the pool is ranked, strongest first: the most
 * probes (a scan's counted at that moment through probes_now, so a real
 * scan reported among spoofed four-probe sources has grown by then), then
 * a scanner's name, then end-of-scan records; the strongest, up to the
 * next interval's limit, are written in it; the others are held back for
 * good.  When the pool is full the weakest alert is held back for good at
 * once.  Alerts held back for good are counted by kind and source, and
 * said in one ALERT_SUPPRESSED summary per interval, written before the
 * released alerts.
 */
struct pooled_alert {
	struct alert a;
	uint64_t strength;		/* ranks; see alert_limit.c */
	uint64_t seq;			/* arrival: among equals, later is
					 * stronger (older ones had their
					 * refresh) */
};

struct alert_limiter {
	uint64_t now_us;		/* latest alert time or tick */
	uint64_t start_us, end_us;	/* the interval; end_us 0: none open */
	uint32_t written;		/* alerts written in it */
	struct pooled_alert pool[ALERT_POOL_MAX];
	size_t npool;
	size_t nrelease, next_release;	/* pool[0..nrelease) being released */
	uint64_t seq;
	struct held_back cur;		/* the interval's counts so far */
	uint64_t sources[ALERT_SOURCES_MAX];	/* keyed hashes; 0: empty */
	struct sipkey key;
	/* How many probes the source of a scan alert has sent in its current
	 * scan (0: unknown); may be NULL.  Set by the detection stage. */
	uint32_t (*probes_now)(void *arg, const struct alert *a);
	void *probes_arg;
	/* Totals since start, for the statistics. */
	uint64_t held_back[ALERT_KIND_COUNT];
	uint64_t delayed;		/* held, then written a little later */
	uint64_t pool_full;		/* held back for good: pool full */
	uint64_t summaries;
};

void limiter_init(struct alert_limiter *l);
/* Whether a may be written now (under the limit); if not, it is held.
 * now: time of the alert. */
bool limiter_admit(struct alert_limiter *l, const struct alert *a,
		   uint32_t limit, uint32_t seconds, uint64_t now);
/* If the interval has ended by now (or, with finish, in any case): close
 * it and return true.  *summary is then an ALERT_SUPPRESSED alert when
 * anything was held back for good (else its kind is ALERT_KIND_COUNT),
 * and limiter_release gives the held alerts to write next, one by one. */
bool limiter_close(struct alert_limiter *l, uint32_t limit, uint32_t seconds,
		   uint64_t now, bool finish, struct alert *summary);
const struct alert *limiter_release(struct alert_limiter *l);

struct alert_router {
	const struct config *cfg;
	struct alert_names names;
	struct sink *sinks[ALERT_MAX_SINKS];
	size_t nsinks;
	uint64_t count[ALERT_KIND_COUNT];
	uint64_t (*clock_us)(void);	/* wall clock, for the hold */
	struct alert held[ALERT_HOLD_MAX];
	uint64_t held_until[ALERT_HOLD_MAX];
	size_t held_first, held_count;
	uint64_t held_total, held_overflow, held_timeouts;
	struct alert_limiter limit;
	/* Names of the interfaces packets come from, by pkt.iface - 1. */
	char iface_names[MAX_INTERFACES][IFACE_NAME_MAX];
};

void alert_router_init(struct alert_router *r, const struct config *cfg);
/* Whether the configuration wants an alert of this kind logged. */
bool alert_is_logged(const struct alert *a, const struct config *cfg);
bool alert_router_add(struct alert_router *r, struct sink *s);
/* Packets with pkt.iface == id came from the interface name (id 1 to
 * MAX_INTERFACES; set up once, after alert_router_init). */
void alert_router_name_iface(struct alert_router *r, uint8_t id,
			     const char *name);
/* a->iface: the name of interface id (pkt.iface); empty when unknown. */
void alert_set_iface(const struct alert_router *r, struct alert *a,
		     uint8_t id);
void alert_emit(struct alert_router *r, const struct alert *a);
/* Deliver held alerts whose names are known or whose time is up (all of
 * them when force).  Returns how many are still held. */
size_t alert_router_release(struct alert_router *r, bool force);
/* Time moves on without alerts (packet time; live: wall time): an
 * AlertLimit interval that has ended writes its summary. */
void alert_router_tick(struct alert_router *r, uint64_t now_us);
/* End of input: every held alert is delivered (DNS names or not), and the
 * AlertLimit's last interval closes with its summary. */
void alert_router_finish(struct alert_router *r);
void alert_router_flush(struct alert_router *r);
void alert_router_close(struct alert_router *r);	/* closes all sinks */
/* Statistics: alerts.KIND (made), alerts.held_back.KIND (never logged),
 * alerts.limit.*, then every sink's own (jsonlog.lost, ...). */
void alert_router_stats(const struct alert_router *r, stat_fn put, void *arg);

#endif
