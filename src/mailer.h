/*
 * mailer.h - the mailer process: it reads MailPasswordFile and MailCAFile
 * while still root, is then confined (proc.h: RunAsUser, no capabilities,
 * sandbox role SANDBOX_MAILER), and sends through libcurl's SMTP (or
 * pipes to MailCommand) the alerts the daemon's sink (sink_mail.h) hands
 * it (mail_wire.h).  It keeps a bounded queue, retries failed deliveries
 * with exponential backoff for MAIL_RETRY_FOR_MS, logs every failure with
 * the relay's reply, and sends at most MailRateLimit messages a minute:
 * alerts over the limit go into one digest message that leaves when the
 * window reopens.  The text of the messages is mail_text.h's.
 */
#ifndef SCANDETD_MAILER_H
#define SCANDETD_MAILER_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "proc.h"

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
/* Alerts listed one per line in a digest; more are only counted. */
#define MAIL_DIGEST_LINES	200
/* One SMTP transaction or MailCommand run: connect, then the whole. */
#define MAIL_CONNECT_TIMEOUT_S	10
#define MAIL_TRANSFER_TIMEOUT_S	60
/* At the end, a delivery under way for longer than this is from a slow
 * or dead relay: the mailer carries on in the background at once. */
#define MAIL_SLOW_MS		1000
/* Socket buffer asked for on the daemon's side: room for a burst of a
 * few hundred alerts (the kernel may give less). */
#define MAIL_SOCKET_BUFFER	(1024 * 1024)
/* Longest MailPasswordFile, MailCAFile accepted. */
#define MAIL_PASSWORD_MAX	1024
#define MAIL_CA_FILE_MAX	(1024 * 1024)

/*
 * Start the mailer through proc_start() (call as root: it reads the
 * secrets before it drops to cfg->run_as_user).  p->fd is the daemon's
 * end, non-blocking, with a MAIL_SOCKET_BUFFER send buffer where the
 * kernel allows: hand it to sink_mail_open_fd() or sink_mail_set_fd().
 * use_syslog: the daemon logs to syslog (as a daemon, or with --syslog),
 * also_stderr: to standard error (-F, -r); the mailer logs the same way,
 * and to standard error (which it keeps) when neither is set.  cfg must stay valid in the caller only until
 * this returns: the mailer has its own copy.  false with the reason in
 * err (password file unreadable, no such user...).  metrics_fd: the
 * writable statistics page for MetricsListen (metrics.h), or -1; it stays
 * the caller's.
 */
bool mailer_proc_start(const struct config *cfg, bool use_syslog,
		       bool also_stderr, int metrics_fd, struct proc *p,
		       char *err, size_t errlen);

#endif
