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

#include "addr.h"

struct config;

enum alert_kind {
	ALERT_CONNECTION,		/* LogConnections / UdpLogConnections */
	ALERT_PORTSCAN,			/* one source, many ports */
	ALERT_SWEEP,			/* one source, one port, many hosts */
	ALERT_FLOOD,			/* one source, one port, again and again */
	ALERT_OSPROBE,			/* OS fingerprinting probe */
	ALERT_SCAN_END,			/* a reported scan went idle: summary */
	ALERT_KIND_COUNT
};

enum scan_type { SCAN_SYN, SCAN_FIN, SCAN_NULL, SCAN_XMAS, SCAN_UDP, SCAN_ACK };

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
};

struct alert {
	enum alert_kind kind;
	uint64_t ts_us;			/* packet time of the trigger */
	uint8_t proto;			/* PROTO_TCP or PROTO_UDP */
	struct ipaddr src, dst;

	uint16_t sport, dport;		/* CONNECTION */
	struct scan_summary scan;	/* PORTSCAN, SWEEP, FLOOD, SCAN_END */

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
};

const char *alert_kind_name(enum alert_kind k);	/* JSON "event" value */
const char *scan_type_name(enum scan_type t);	/* "SYN", "FIN", ... */

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

/* One JSON object (no trailing newline). */
void alert_format_json(const struct alert *a, char *buf, size_t len);

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
struct sink *sink_text_open(FILE *out);		/* the log lines, one per line */
struct sink *sink_json_open(FILE *out);		/* JSON Lines; out is not closed */
/* JsonLog: open path for appending, safely (no symbolic link, a regular
 * file, never blocking on a FIFO); the descriptor, or -1 with a reason. */
int sink_json_open_file(const char *path, char *err, size_t errlen);
/* A sink on such a descriptor (owned from now on); name for messages. */
struct sink *sink_json_open_fd(int fd, const char *name, char *err,
			       size_t errlen);
struct sink *sink_json_open_path(const char *path, char *err, size_t errlen);

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
};

void alert_router_init(struct alert_router *r, const struct config *cfg);
/* Whether the configuration wants an alert of this kind logged. */
bool alert_is_logged(const struct alert *a, const struct config *cfg);
bool alert_router_add(struct alert_router *r, struct sink *s);
void alert_emit(struct alert_router *r, const struct alert *a);
/* Deliver held alerts whose names are known or whose time is up (all of
 * them when force).  Returns how many are still held. */
size_t alert_router_release(struct alert_router *r, bool force);
void alert_router_flush(struct alert_router *r);
/* Every sink's own statistics. */
void alert_router_stats(const struct alert_router *r, stat_fn put, void *arg);
void alert_router_close(struct alert_router *r);	/* closes all sinks */

#endif
