/*
 * mailer.h - email alerts: a sink in the daemon and a mailer process.
 *
 * The daemon's sink picks the alerts the configuration wants mailed
 * (portscan, sweep and flood with SendEmail / UdpSendEmail, osprobe with
 * OSFPSendMail) and hands each to the mailer as one fixed-size message
 * over a SOCK_SEQPACKET socketpair, with a non-blocking send: when the
 * socket is full the alert is counted as not mailed (it is in syslog and
 * JSON all the same) and the packet path goes on.  Nothing in the daemon
 * ever waits for the mailer, except at exit, for at most
 * MAIL_STOP_WAIT_MS.
 *
 * The mailer is forked before privileges are dropped.  It reads
 * MailPasswordFile and MailCAFile, drops to RunAsUser itself, and then
 * sends through libcurl's SMTP (or pipes to MailCommand).  It checks every
 * message from the daemon like network input (exact size, known type and
 * kind, NUL-terminated strings, names that hostname_sanitise() leaves as
 * they are, a printable line) and exits on the first bad one.  It keeps a
 * bounded queue, retries failed deliveries with exponential backoff for
 * MAIL_RETRY_FOR_MS, logs every failure with the relay's reply, and sends
 * at most MailRateLimit messages a minute: alerts over the limit go into
 * one digest message that leaves when the window reopens.
 */
#ifndef SCANDETD_MAILER_H
#define SCANDETD_MAILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "addr.h"
#include "alert.h"
#include "conf.h"
#include "params.h"

/* ---- limits ---------------------------------------------------------- */

/* Composed messages waiting for delivery.  With the default rate limit
 * (5 a minute) half an hour of a dead relay is 150 messages plus 30
 * digests; beyond the bound, alerts go into the digest instead. */
#define MAIL_QUEUE_MAX		256
/* A message that could not be delivered for this long is given up (and
 * the giving up is logged). */
#define MAIL_RETRY_FOR_MS	(30 * 60 * 1000ULL)
/* Backoff between attempts after a failure: doubles from MIN to MAX. */
#define MAIL_BACKOFF_MIN_MS	2000
#define MAIL_BACKOFF_MAX_MS	(5 * 60 * 1000)
/* MailRateLimit counts messages in a sliding window of this length. */
#define MAIL_RATE_WINDOW_MS	60000ULL
/* Highest MailRateLimit (the parser's bound). */
#define MAIL_RATE_MAX		1000
/* Alerts listed one per line in a digest; more are only counted. */
#define MAIL_DIGEST_LINES	200
/* Largest message we compose. */
#define MAIL_MAX_BYTES		65536
/* One SMTP transaction or MailCommand run: connect, then the whole. */
#define MAIL_CONNECT_TIMEOUT_S	10
#define MAIL_TRANSFER_TIMEOUT_S	60
/* After the daemon closes its end (end of -r, SIGTERM), the mailer
 * delivers what it holds for at most this long, then gives up. */
#define MAIL_DRAIN_MS		15000
/* The daemon waits this long at exit for the mailer to finish or to say
 * it carries on in the background. */
#define MAIL_STOP_WAIT_MS	2000
/* At the end, a delivery under way for longer than this is from a slow
 * or dead relay: the mailer carries on in the background at once. */
#define MAIL_SLOW_MS		1000
/* Socket buffer asked for on the daemon's side: room for a burst of a
 * few hundred alerts (the kernel may give less). */
#define MAIL_SOCKET_BUFFER	(1024 * 1024)
/* After the daemon closed: if there is still work after this long, the
 * mailer carries on in the background (and lets go of a standard error
 * that is a pipe or a terminal). */
#define MAIL_DETACH_MS		1500
/* The daemon logs alerts it could not hand over at most this often. */
#define MAIL_DROP_LOG_MS	60000ULL
/* Start-up may wait this long for the mailer to say it is ready. */
#define MAIL_START_TIMEOUT_MS	10000
/* Longest MailPasswordFile, MailCAFile accepted. */
#define MAIL_PASSWORD_MAX	1024
#define MAIL_CA_FILE_MAX	(1024 * 1024)

/* ---- which alerts are mailed ---------------------------------------- */

/* SendEmail, UdpSendEmail or OSFPSendMail: a mailer is needed. */
bool mail_wanted(const struct config *cfg);

/* Whether a reload changed an option the mailer uses (they change only
 * at restart). */
bool mail_config_changed(const struct config *a, const struct config *b);

/* ---- the daemon's side ---------------------------------------------- */

/*
 * Fork the mailer (call as root, before privileges are dropped) and
 * return the sink that feeds it; NULL with a message in err when the
 * mailer could not start (password file unreadable, no such user...).
 * use_syslog: the daemon logs to syslog (live), also_stderr: and to
 * standard error; with -r both are false and the mailer logs to standard
 * error.  The router (may be NULL) gives host names for the message
 * bodies when its current configuration has DNSResolve.  Which alerts
 * are mailed is taken from cfg, once.  The sink's close shuts the mailer
 * down: see mailer_stop().
 */
struct sink *sink_mail_open(const struct config *cfg,
			    const struct alert_router *router,
			    bool use_syslog, bool also_stderr,
			    char *err, size_t errlen);

/* For tests: a sink that writes to fd (one end of a SOCK_SEQPACKET
 * socketpair), with no mailer process.  Takes ownership of fd. */
struct sink *sink_mail_open_fd(int fd, const struct config *cfg,
			       const struct alert_router *router);

struct sink_mail_stats {
	uint64_t passed;	/* alerts handed to the mailer */
	uint64_t dropped;	/* not handed over: socket full, mailer gone */
	bool mailer_gone;	/* the mailer closed its end */
};

void sink_mail_stats(const struct sink *s, struct sink_mail_stats *st);

/* ---- the mailer process ----------------------------------------------- */

/*
 * Fork the mailer.  On success returns its pid and the daemon's end of
 * the socketpair in *fd (non-blocking), after the mailer said it is
 * ready; on failure -1 with a message in err.
 */
pid_t mailer_start(const struct config *cfg, bool use_syslog,
		   bool also_stderr, int *fd, char *err, size_t errlen);

/*
 * Close the daemon's end and wait, at most MAIL_STOP_WAIT_MS, until the
 * mailer has delivered what it holds or has said that it carries on in
 * the background (it then gives up after MAIL_DRAIN_MS).  Reaps it when
 * it has exited.  Never kills it.
 */
void mailer_stop(pid_t pid, int fd);

/* ---- wire format between the two ------------------------------------ */

enum mail_msg_type {
	MAIL_MSG_ALERT = 1,		/* daemon -> mailer */
	MAIL_MSG_READY = 2,		/* mailer -> daemon, once */
	MAIL_MSG_FAILED = 3,		/* mailer -> daemon: could not start */
	MAIL_MSG_DETACHED = 4,		/* mailer -> daemon, after the end:
					 * carrying on in the background */
	MAIL_MSG_DROPPED = 5,		/* daemon -> mailer: this many alerts
					 * could not be sent (socket full) */
};

#define MAIL_TOOL_MAX	24		/* "nmap", signature names */
#define MAIL_METHOD_MAX	16		/* "classic", "trw", ... */

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
	uint8_t zero[1];
	uint8_t patterns[2];		/* OSFP_* bits */
	uint8_t ts[8], first_ts[8], last_ts[8];
	uint8_t count[4], syn[4], fin[4], packets[4];
	uint8_t first_port[2], last_port[2], port[2], zero2[2];
	uint8_t src[16], dst[16];
	char tool[MAIL_TOOL_MAX];
	char method[MAIL_METHOD_MAX];
	char src_name[HOSTNAME_MAX];	/* "" or a sanitised host name */
	char dst_name[HOSTNAME_MAX];
	char line[ALERT_LINE_MAX];	/* the syslog line, printable ASCII */
};

/* mailer -> daemon: READY (text empty) or FAILED (why) at the start;
 * then nothing until the daemon has closed its side, and at most one
 * DETACHED (text empty) before the mailer closes its end to carry on in
 * the background.  When it has nothing left to do it just exits. */
struct mail_status {
	uint8_t type;
	char text[255];
};

/* An alert as the mailer sees it, checked.  For MAIL_MSG_DROPPED only
 * type and count are set. */
struct mail_event {
	enum mail_msg_type type;
	enum alert_kind kind;
	uint8_t proto;
	enum scan_type scan_type;
	bool dst_multiple;
	uint16_t patterns;
	uint64_t ts_us, first_ts, last_ts;
	uint32_t count, syn, fin, packets;
	uint16_t first_port, last_port, port;
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

/* ---- message text (pure functions, for tests) ------------------------ */

/* MailSubject with %p (TCP, UDP), %s (source address), %d (destination
 * address), %% expanded; cut to fit outlen.  Not yet safe for a header:
 * mail_build() cleans it. */
void mail_subject_expand(const char *tmpl, const struct mail_event *ev,
			 char *out, size_t outlen);

/* The body of a message about one alert, LF line ends. */
void mail_body_alert(const struct mail_event *ev, char *buf, size_t len);

struct mail_header_info {
	const char *from;
	char *const *rcpt;
	size_t nrcpt;
	const char *subject;		/* any bytes: cleaned and encoded */
	const char *message_id;		/* "<...>" */
	time_t date;
};

/*
 * A whole RFC 5322 message: headers (control characters in values become
 * blanks, a non-ASCII subject is RFC 2047 encoded, long headers folded),
 * a blank line, the body with CRLF line ends and no line over 998 bytes.
 * malloc'd, NUL-terminated, length in *len; NULL when out of memory or
 * longer than MAIL_MAX_BYTES.
 */
char *mail_build(const struct mail_header_info *h, const char *body,
		 size_t *len);

/* "Thu, 26 Nov 2026 23:19:21 +0000" (English names, UTC). */
void mail_format_date(time_t t, char *buf, size_t len);

/* ---- the rate limit (for tests) ------------------------------------- */

struct mail_rate {
	uint64_t sent_ms[MAIL_RATE_MAX];	/* ring of the latest sends */
	unsigned limit, head, n;
};

void mail_rate_init(struct mail_rate *r, unsigned limit);
/* May a message leave at now_ms? */
bool mail_rate_allow(const struct mail_rate *r, uint64_t now_ms);
void mail_rate_record(struct mail_rate *r, uint64_t now_ms);
/* When the next message may leave (now_ms if it may now). */
uint64_t mail_rate_next(const struct mail_rate *r, uint64_t now_ms);

#endif
