/*
 * sink_mail.c - the daemon's side of email alerts: choose the alerts to
 * mail, encode each as one fixed-size message, and hand it to the mailer
 * process without ever waiting (see sink_mail.h).
 */
#include "sink_mail.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "log.h"
#include "mail_wire.h"
#include "util.h"

/* ---- which alerts ---------------------------------------------------- */

bool mail_wanted(const struct config *cfg)
{
	return cfg->proto[CONF_TCP].send_email ||
	       cfg->proto[CONF_UDP].send_email || cfg->osfp_send_mail;
}

static bool str_differ(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b) != 0;
}

bool mail_config_changed(const struct config *a, const struct config *b)
{
	size_t i;

	if (a->rcpt_to.n != b->rcpt_to.n)
		return true;
	for (i = 0; i < a->rcpt_to.n; i++)
		if (str_differ(a->rcpt_to.v[i], b->rcpt_to.v[i]))
			return true;
	return a->proto[CONF_TCP].send_email != b->proto[CONF_TCP].send_email ||
	       a->proto[CONF_UDP].send_email != b->proto[CONF_UDP].send_email ||
	       a->osfp_send_mail != b->osfp_send_mail ||
	       str_differ(a->mail_from, b->mail_from) ||
	       str_differ(a->mail_subject, b->mail_subject) ||
	       str_differ(a->smtp_relay, b->smtp_relay) ||
	       a->mail_port != b->mail_port ||
	       str_differ(a->hello_msg, b->hello_msg) ||
	       a->mail_tls != b->mail_tls ||
	       str_differ(a->mail_ca_file, b->mail_ca_file) ||
	       str_differ(a->mail_user, b->mail_user) ||
	       str_differ(a->mail_password_file, b->mail_password_file) ||
	       a->mail_rate_limit != b->mail_rate_limit ||
	       str_differ(a->mail_command, b->mail_command);
}

/* ---- the sink -------------------------------------------------------- */

struct mail_sink {
	struct sink sink;
	int fd;				/* -1: the mailer is down */
	const struct alert_router *router;
	bool send_tcp, send_udp, send_osfp;
	struct sink_mail_stats st;
	uint64_t busy, gone;		/* not mailed since the last report */
	uint32_t unsent;		/* not mailed, not yet told to the mailer */
	uint64_t last_log_ms;
	bool logged_once;
};

static const char *name_of(const struct mail_sink *m, const struct ipaddr *a)
{
	const struct alert_router *r = m->router;

	if (!r || !r->cfg || !r->cfg->dns_resolve || !r->names.host)
		return NULL;
	return r->names.host(r->names.arg, a);
}

static bool wanted(const struct mail_sink *m, const struct alert *a)
{
	switch (a->kind) {
	case ALERT_PORTSCAN:
	case ALERT_SWEEP:
	case ALERT_FLOOD:
	case ALERT_DISTRIBUTED:
	case ALERT_SCAN_END:	/* its summary, once, when it ends */
		/* UDP's setting for UDP, TCP's for the rest: SCTP, ICMP
		 * and ARP sweeps, protocol scans. */
		return a->proto == PROTO_UDP ? m->send_udp : m->send_tcp;
	case ALERT_OSPROBE:
		return m->send_osfp;
	default:
		return false;
	}
}

static void log_count(uint64_t n, const char *why)
{
	if (n)
		log_warnx("mail: %llu alert%s not mailed (%s); %s in the log "
			  "all the same", (unsigned long long)n,
			  n == 1 ? "" : "s", why, n == 1 ? "it is" : "they are");
}

/* At most once a minute: the counts say how many since the last line. */
static void log_drops(struct mail_sink *m, bool force)
{
	uint64_t now = mono_ms();

	if ((m->busy == 0 && m->gone == 0) ||
	    (!force && m->logged_once &&
	     now - m->last_log_ms < MAIL_DROP_LOG_MS))
		return;
	log_count(m->busy, "the mailer was busy");
	log_count(m->gone, "the mailer has gone");
	m->busy = m->gone = 0;
	m->last_log_ms = now;
	m->logged_once = true;
}

static void count_unsent(struct mail_sink *m)
{
	m->st.dropped++;
	if (m->unsent < UINT32_MAX)
		m->unsent++;
}

/* The count of alerts dropped before, so that the mailer's digest tells
 * the recipient.  false while it cannot go. */
static bool send_unsent(struct mail_sink *m)
{
	struct mail_wire w;

	if (m->unsent == 0)
		return true;
	mail_wire_dropped(m->unsent, &w);
	if (send(m->fd, &w, sizeof w, MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)sizeof w)
		return false;
	m->unsent = 0;
	return true;
}

static void mail_emit(struct sink *s, const struct alert *a, const char *line)
{
	struct mail_sink *m = s->ctx;
	struct mail_wire w;
	const char *dst_name = NULL;
	ssize_t n = -1;

	if (!wanted(m, a))
		return;
	if (m->st.mailer_gone) {
		count_unsent(m);
		m->gone++;
		log_drops(m, false);
		return;
	}
	if (a->kind != ALERT_OSPROBE)
		dst_name = name_of(m, &a->dst);
	/* While the count of earlier drops cannot go, neither can this. */
	if (!send_unsent(m))
		goto failed;
	mail_wire_encode(a, line, name_of(m, &a->src), dst_name, &w);
	/* Never waits: MSG_DONTWAIT on a non-blocking socket.  No SIGPIPE
	 * when the mailer has gone. */
	n = send(m->fd, &w, sizeof w, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)sizeof w) {
		m->st.passed++;
		return;
	}
failed:
	count_unsent(m);
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS &&
	    errno != EINTR) {
		m->st.mailer_gone = true;
		m->gone++;
		log_warnx("mail: the mailer process has gone; alerts are not "
			  "mailed until it is back");
	} else {
		m->busy++;
	}
	log_drops(m, false);
}

/* After the end of input: DETACHED, or the mailer's end closing (it is
 * done).  false: nothing yet. */
static bool read_end(int fd)
{
	uint8_t buf[sizeof(struct mail_status) + 1];	/* + 1: oversize */
	ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n > 0 && !mail_status_is_detached(buf, (size_t)n))
		log_warnx("mail: malformed message from the mailer at exit");
	return true;
}

/* End of input for the mailer; our side stays open to see it finish or
 * go on in the background, for at most MAIL_STOP_WAIT_MS. */
static void await_mailer_end(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t end = mono_ms() + MAIL_STOP_WAIT_MS, now;
	bool done = false;
	int rc;

	shutdown(fd, SHUT_WR);
	while (!done && (now = mono_ms()) < end) {
		rc = poll(&pfd, 1, (int)(end - now));
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		done = read_end(fd);
	}
	close(fd);
	if (!done)
		log_warnx("mail: the mailer is still busy after %d s; it "
			  "carries on in the background for at most %d s",
			  MAIL_STOP_WAIT_MS / 1000, MAIL_DRAIN_MS / 1000);
}

static void mail_close(struct sink *s)
{
	struct mail_sink *m = s->ctx;

	if (!m->st.mailer_gone)
		(void)send_unsent(m);
	log_drops(m, true);
	if (m->fd != -1)
		await_mailer_end(m->fd);
	free(m);
}

static void set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags != -1)
		(void)fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void sink_mail_set_fd(struct sink *s, int fd)
{
	struct mail_sink *m = s->ctx;

	if (m->fd != -1)
		close(m->fd);
	m->fd = fd;
	m->st.mailer_gone = fd == -1;
	if (fd == -1)
		return;
	set_nonblocking(fd);
	log_drops(m, true);
	/* The new mailer's next message says how many were lost. */
	(void)send_unsent(m);
}

static void mail_stats(struct sink *s, stat_fn put, void *arg)
{
	const struct mail_sink *m = s->ctx;

	put(arg, "mail.handed_over", m->st.passed);
	put(arg, "mail.not_handed_over", m->st.dropped);
}

struct sink *sink_mail_open_fd(int fd, const struct config *cfg,
			       const struct alert_router *router)
{
	struct mail_sink *m = calloc(1, sizeof *m);

	if (!m) {
		if (fd != -1)
			close(fd);
		return NULL;
	}
	m->fd = -1;
	m->router = router;
	/* Taken once: mail options change at restart (the mailer has its
	 * own copy of the rest). */
	m->send_tcp = cfg->proto[CONF_TCP].send_email;
	m->send_udp = cfg->proto[CONF_UDP].send_email;
	m->send_osfp = cfg->osfp_send_mail;
	m->sink.all_alerts = true;	/* mailed even when not logged */
	m->sink.emit = mail_emit;
	m->sink.close = mail_close;
	m->sink.stats = mail_stats;
	m->sink.ctx = m;
	sink_mail_set_fd(&m->sink, fd);
	return &m->sink;
}

void sink_mail_stats(const struct sink *s, struct sink_mail_stats *st)
{
	const struct mail_sink *m = s->ctx;

	*st = m->st;
}
