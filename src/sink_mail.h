/*
 * sink_mail.h - the daemon's side of email alerts: the sink that picks
 * the alerts the configuration wants mailed (portscan, sweep and flood,
 * and each one's scan_end summary, with SendEmail / UdpSendEmail;
 * osprobe with OSFPSendMail) and hands
 * each to the mailer process as one message (mail_wire.h), with a
 * non-blocking send.  When the socket is full, or the mailer is down,
 * the alert is counted as not mailed (it is in syslog and JSON all the
 * same), the packet path goes on, and the mailer is told the count when
 * it can take it.  Nothing here ever waits for the mailer, except at
 * the sink's close, for at most MAIL_STOP_WAIT_MS.
 *
 * The sink knows only a descriptor: the mailer process is started,
 * watched and restarted by the parent (mailer.h, proc.h).
 */
#ifndef SCANDETD_SINK_MAIL_H
#define SCANDETD_SINK_MAIL_H

#include <stdbool.h>
#include <stdint.h>

#include "alert.h"
#include "conf.h"

/* The sink logs alerts it could not hand over at most this often. */
#define MAIL_DROP_LOG_MS	60000ULL

/* SendEmail, UdpSendEmail or OSFPSendMail: a mailer is needed. */
bool mail_wanted(const struct config *cfg);

/* Whether a reload changed an option the mailer uses (they change only
 * at restart). */
bool mail_config_changed(const struct config *a, const struct config *b);

/*
 * The sink that writes to fd, one end of a SOCK_SEQPACKET socketpair
 * whose other end the mailer holds (or a test); fd -1: the mailer is
 * down for now.  Takes ownership of fd and makes it non-blocking.  The
 * router (may be NULL) gives host names for the message bodies when its
 * current configuration has DNSResolve.  Which alerts are mailed is
 * taken from cfg, once.  NULL when out of memory (fd is closed).
 *
 * The sink's close ends the mailer's input: it shuts down the writing
 * side, waits at most MAIL_STOP_WAIT_MS for the mailer to say DETACHED
 * (it carries on in the background, for at most MAIL_DRAIN_MS) or to
 * close its end (it is done), and closes fd.  It never kills nor reaps
 * the mailer: that is for its parent.
 */
struct sink *sink_mail_open_fd(int fd, const struct config *cfg,
			       const struct alert_router *router);

/*
 * The mailer was restarted (fd: its new socket, owned from now on) or
 * is known to be down (fd -1).  The old descriptor is closed.  Alerts
 * not handed over meanwhile are told to the new mailer as one
 * MAIL_MSG_DROPPED, so that its next message says how many were lost.
 */
void sink_mail_set_fd(struct sink *s, int fd);

struct sink_mail_stats {
	uint64_t passed;	/* alerts handed to the mailer */
	uint64_t dropped;	/* not handed over: socket full, mailer gone */
	bool mailer_gone;	/* the mailer closed its end, or fd is -1 */
};

void sink_mail_stats(const struct sink *s, struct sink_mail_stats *st);

#endif
