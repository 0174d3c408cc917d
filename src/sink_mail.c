/*
 * sink_mail.c - the daemon's side of email alerts: choose the alerts to
 * mail, encode each as one fixed-size message, and hand it to the mailer
 * process without ever waiting (see mailer.h).
 */
#include "mailer.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "log.h"

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
	int fd;
	pid_t pid;			/* -1: no process (tests) */
	const struct alert_router *router;
	bool send_tcp, send_udp, send_osfp;
	struct sink_mail_stats st;
	uint64_t busy, gone;		/* not mailed since the last report */
	uint32_t unsent;		/* dropped, not yet told to the mailer */
	uint64_t last_log_ms;
	bool logged_once;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

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
		return a->proto == PROTO_UDP ? m->send_udp :
		       a->proto == PROTO_TCP && m->send_tcp;
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

static void mail_emit(struct sink *s, const struct alert *a, const char *line)
{
	struct mail_sink *m = s->ctx;
	struct mail_wire w;
	const char *dst_name = NULL;
	ssize_t n;

	if (!wanted(m, a))
		return;
	if (m->st.mailer_gone) {
		m->st.dropped++;
		m->gone++;
		log_drops(m, false);
		return;
	}
	if (a->kind != ALERT_OSPROBE)
		dst_name = name_of(m, &a->dst);
	/* First the count of alerts dropped before, so that the mailer's
	 * digest tells the recipient; while it cannot go, neither can this
	 * alert. */
	if (m->unsent) {
		mail_wire_dropped(m->unsent, &w);
		n = send(m->fd, &w, sizeof w, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == (ssize_t)sizeof w)
			m->unsent = 0;
		else
			goto failed;
	}
	mail_wire_encode(a, line, name_of(m, &a->src), dst_name, &w);
	/* Never waits: MSG_DONTWAIT on a non-blocking socket.  No SIGPIPE
	 * when the mailer has gone. */
	n = send(m->fd, &w, sizeof w, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == (ssize_t)sizeof w) {
		m->st.passed++;
		return;
	}
failed:
	m->st.dropped++;
	if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != ENOBUFS && errno != EINTR) {
		m->st.mailer_gone = true;
		m->gone++;
		log_warnx("mail: the mailer process has gone; no more email "
			  "until scandetd restarts");
	} else {
		m->busy++;
		if (m->unsent < UINT32_MAX)
			m->unsent++;
	}
	log_drops(m, false);
}

static void mail_close(struct sink *s)
{
	struct mail_sink *m = s->ctx;
	struct mail_wire w;

	if (m->unsent && !m->st.mailer_gone) {
		mail_wire_dropped(m->unsent, &w);
		if (send(m->fd, &w, sizeof w, MSG_DONTWAIT | MSG_NOSIGNAL) ==
		    (ssize_t)sizeof w)
			m->unsent = 0;
	}
	log_drops(m, true);
	if (m->pid > 0)
		mailer_stop(m->pid, m->fd);
	else
		close(m->fd);
	free(m);
}

static struct sink *make_sink(int fd, pid_t pid, const struct config *cfg,
			      const struct alert_router *router)
{
	struct mail_sink *m = calloc(1, sizeof *m);

	if (!m)
		return NULL;
	m->fd = fd;
	m->pid = pid;
	m->router = router;
	/* Taken once: mail options change at restart (the mailer has its
	 * own copy of the rest). */
	m->send_tcp = cfg->proto[CONF_TCP].send_email;
	m->send_udp = cfg->proto[CONF_UDP].send_email;
	m->send_osfp = cfg->osfp_send_mail;
	m->sink.all_alerts = true;	/* mailed even when not logged */
	m->sink.emit = mail_emit;
	m->sink.close = mail_close;
	m->sink.ctx = m;
	return &m->sink;
}

struct sink *sink_mail_open(const struct config *cfg,
			    const struct alert_router *router,
			    bool use_syslog, bool also_stderr,
			    char *err, size_t errlen)
{
	struct sink *s;
	pid_t pid;
	int fd;

	pid = mailer_start(cfg, use_syslog, also_stderr, &fd, err, errlen);
	if (pid == -1)
		return NULL;
	s = make_sink(fd, pid, cfg, router);
	if (!s) {
		mailer_stop(pid, fd);
		snprintf(err, errlen, "mail: out of memory");
	}
	return s;
}

struct sink *sink_mail_open_fd(int fd, const struct config *cfg,
			       const struct alert_router *router)
{
	struct sink *s = make_sink(fd, -1, cfg, router);

	if (!s)
		close(fd);
	return s;
}

void sink_mail_stats(const struct sink *s, struct sink_mail_stats *st)
{
	const struct mail_sink *m = s->ctx;

	*st = m->st;
}
