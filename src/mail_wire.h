/*
 * mail_wire.h - the messages between the daemon's mail sink
 * (sink_mail.c) and the mailer process (mailer.c), and their checks.
 *
 * One fixed-size message per alert, over a SOCK_SEQPACKET socketpair.
 * The mailer checks every message from the daemon like network input
 * (exact size, known type and kind, NUL-terminated strings, names that
 * hostname_sanitise() leaves as they are, a printable line) and exits on
 * the first bad one.  The start-up (ready, or why not) is proc.h's hello.
 */
#ifndef SCANDETD_MAIL_WIRE_H
#define SCANDETD_MAIL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "alert.h"
#include "params.h"

/* ---- the protocol's timing --------------------------------------------- */

/* After the daemon closes its end (end of -r, SIGTERM), the mailer
 * delivers what it holds for at most this long, then gives up. */
#define MAIL_DRAIN_MS		15000
/* After the daemon closed: if there is still work after this long, the
 * mailer carries on in the background (says DETACHED and closes its end,
 * and lets go of a standard error that is a pipe or a terminal). */
#define MAIL_DETACH_MS		1500
/* The daemon waits this long at exit for the mailer to finish or to say
 * it carries on in the background; more than MAIL_DETACH_MS. */
#define MAIL_STOP_WAIT_MS	2000

/* ---- the messages ------------------------------------------------------ */

enum mail_msg_type {
	MAIL_MSG_ALERT = 1,		/* daemon -> mailer */
	/* 2 and 3 were READY and FAILED: now proc.h's hello. */
	MAIL_MSG_DETACHED = 4,		/* mailer -> daemon, after the end:
					 * carrying on in the background */
	MAIL_MSG_DROPPED = 5,		/* daemon -> mailer: this many alerts
					 * could not be sent (socket full,
					 * mailer down) */
};

#define MAIL_TOOL_MAX	24		/* "nmap", signature names */
#define MAIL_METHOD_MAX	16		/* "classic", "trw", ... */
/* Open ports (those that answered) listed in one message; the count may
 * be higher. */
#define MAIL_OPEN_MAX	32

/* Byte arrays only: no padding, the size is exact.  Integers are big-
 * endian.  Every byte after a string's NUL is zero, and so are zero[].
 * MAIL_MSG_DROPPED uses the same size: count > 0, every other byte 0. */
struct mail_wire {
	uint8_t type;			/* MAIL_MSG_ALERT or MAIL_MSG_DROPPED */
	uint8_t kind;			/* enum alert_kind */
	uint8_t proto;			/* PROTO_*: TCP, UDP; OS probes also
					 * ICMP, ICMPv6 */
	uint8_t scan_type;		/* enum scan_type */
	uint8_t dst_multiple;		/* 0 or 1 */
	uint8_t scan_kind;		/* SCAN_END: the scan's own kind
					 * (PORTSCAN, SWEEP, FLOOD); else 0 */
	uint8_t patterns[2];		/* OSFP_* bits */
	uint8_t ts[8], first_ts[8], last_ts[8];
	uint8_t count[4], syn[4], fin[4], packets[4];
	uint8_t first_port[2], last_port[2], port[2], zero2[2];
	/* What the scan was so far; 0: not known.  Distinct ports and
	 * hosts probed, and the ports that answered (open): nopen of
	 * them, the first MAIL_OPEN_MAX in open[], the rest zero. */
	uint8_t ports[4], hosts[4], nopen[4];
	uint8_t open[MAIL_OPEN_MAX][2];
	uint8_t src[16], dst[16];
	char tool[MAIL_TOOL_MAX];
	char method[MAIL_METHOD_MAX];
	char src_name[HOSTNAME_MAX];	/* "" or a sanitised host name */
	char dst_name[HOSTNAME_MAX];
	char line[ALERT_LINE_MAX];	/* the syslog line, printable ASCII */
};

/* mailer -> daemon: nothing until the daemon has closed its side, and
 * at most one DETACHED (text all zero) before the mailer closes its end
 * to carry on in the background.  When it has nothing left to do it
 * just exits. */
struct mail_status {
	uint8_t type;
	char text[255];
};

/* An alert as the mailer sees it, checked.  For MAIL_MSG_DROPPED only
 * type and count are set. */
struct mail_event {
	enum mail_msg_type type;
	enum alert_kind kind;
	enum alert_kind scan_kind;	/* SCAN_END: what ended */
	uint8_t proto;
	enum scan_type scan_type;
	bool dst_multiple;
	uint16_t patterns;
	uint64_t ts_us, first_ts, last_ts;
	uint32_t count, syn, fin, packets;
	uint16_t first_port, last_port, port;
	uint32_t ports, hosts, nopen;	/* 0: not known */
	uint16_t open[MAIL_OPEN_MAX];	/* min(nopen, MAIL_OPEN_MAX) */
	struct ipaddr src, dst;
	char tool[MAIL_TOOL_MAX];
	char method[MAIL_METHOD_MAX];
	char src_name[HOSTNAME_MAX];
	char dst_name[HOSTNAME_MAX];
	char line[ALERT_LINE_MAX];
};

/* Fill w from an alert (what does not fit or is not safe is left out:
 * names that hostname_sanitise() refuses, control characters in the
 * line become '?'). */
void mail_wire_encode(const struct alert *a, const char *line,
		      const char *src_name, const char *dst_name,
		      struct mail_wire *w);

/* The notice that n alerts (n > 0) could not be sent. */
void mail_wire_dropped(uint32_t n, struct mail_wire *w);

/* Check and decode; false with a reason in *why on any fault. */
bool mail_wire_decode(const void *buf, size_t len, struct mail_event *ev,
		      const char **why);

/* The mailer's DETACHED message. */
void mail_status_detached(struct mail_status *st);

/* Whether buf is exactly a DETACHED message. */
bool mail_status_is_detached(const void *buf, size_t len);

#endif
