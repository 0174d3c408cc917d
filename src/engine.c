/*
 * engine.c - the packet process: capture -> decode -> detect -> alert.
 *
 * This file wires the stages together and runs them; it holds no
 * detection logic.  It runs confined (engine.h): whatever it needs after
 * start-up arrives from the parent as a message (priv.h).
 */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "capture.h"
#include "conf.h"
#include "decode.h"
#include "detect.h"
#include "log.h"
#include "params.h"
#include "priv.h"
#include "proc.h"
#include "resolve.h"
#include "sink_mail.h"

struct engine {
	const struct engine_args *args;
	struct config *cfg;
	struct capture *cap;
	struct detect *det;
	struct alert_router router;
	struct sink *mail;		/* the mail sink, if any */
	struct resolver *resolver;	/* DNSResolve: the lookup helper */
	struct services *services;	/* PortResolve: /etc/services */
	uint64_t now_us;		/* time of the latest packet */
	/* Decoded packets waiting for detect_batch (see on_packet). */
	struct pkt batch[PKT_BATCH];
	size_t nbatch;
	int sock;			/* to the parent */
	int sigfd;
	bool stop;
	int exit_code;
	uint64_t packets;
	uint64_t bytes;
	uint64_t decode_results[DEC_RESULT_COUNT];
};

/* One packet process per process: engine_setup fills it before the
 * fork's child drops its privileges, engine_run uses it. */
static struct engine the_engine;

/* ---- statistics ------------------------------------------------- */

struct stat_out {
	FILE *out;			/* NULL: the daemon log */
};

static void put_stat(void *arg, const char *name, uint64_t value)
{
	struct stat_out *so = arg;

	if (so->out)
		fprintf(so->out, "stat %s %llu\n", name,
			(unsigned long long)value);
	else
		log_info("stat %s %llu", name, (unsigned long long)value);
}

static void report_stats(struct engine *e)
{
	struct stat_out so = { e->args->read_file ? stderr : NULL };
	struct capture_stats cs;
	uint64_t malformed = 0, decoded = e->decode_results[DEC_OK];

	for (int r = 0; r < DEC_RESULT_COUNT; r++)
		if (decode_is_malformed((enum decode_result)r))
			malformed += e->decode_results[r];
	put_stat(&so, "packets.seen", e->packets);
	put_stat(&so, "packets.decoded", decoded);
	put_stat(&so, "packets.malformed", malformed);
	capture_stats(e->cap, &cs);
	if (cs.valid) {
		put_stat(&so, "capture.received", cs.received);
		put_stat(&so, "capture.dropped", cs.dropped);
		put_stat(&so, "capture.if_dropped", cs.if_dropped);
	}
	for (int r = 1; r < DEC_RESULT_COUNT; r++)
		if (e->decode_results[r])
			put_stat(&so, decode_result_name((enum decode_result)r),
				 e->decode_results[r]);
	alert_router_stats(&e->router, put_stat, &so);
	detect_stats(e->det, put_stat, &so);
	if (so.out)
		fflush(so.out);
}

/* ---- the packet path -------------------------------------------- */

static void flush_packets(struct engine *e)
{
	detect_batch(e->det, e->batch, e->nbatch);
	e->nbatch = 0;
}

/* Decoded packets go to detection in batches (detect_batch fetches each
 * one's table entries ahead), and every batch is handed over before
 * capture_dispatch returns: nothing waits for the next packet. */
static void on_packet(void *arg, const uint8_t *data, size_t caplen,
		      uint32_t wire_len, uint64_t ts_us)
{
	struct engine *e = arg;
	struct pkt *p = &e->batch[e->nbatch];
	enum decode_result r;

	e->packets++;
	e->bytes += wire_len;
	e->now_us = ts_us;
	p->ts_us = ts_us;
	r = decode_packet(capture_link(e->cap), data, caplen, p);
	p->wire_len = wire_len;
	e->decode_results[r]++;
	/* Later fragments go on too: detect puts split headers together. */
	if (r != DEC_OK && r != DEC_SKIP_LATER_FRAGMENT)
		return;
	e->nbatch++;
	/* A fragment's data points into the capture's buffer, valid only
	 * until the next packet: it goes now, after those before it. */
	if (p->fragment || e->nbatch == PKT_BATCH)
		flush_packets(e);
}

static int dispatch(struct engine *e, int max, char *err, size_t errlen)
{
	int n = capture_dispatch(e->cap, max, on_packet, e, err, errlen);

	flush_packets(e);
	return n;
}

static uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* ---- names (DNSResolve, PortResolve) ---------------------------- */

/* Never blocks: a name not yet in the cache is asked for in the
 * background and shows up in later lines; this one has the address. */
static const char *host_name_cb(void *arg, const struct ipaddr *a)
{
	struct engine *e = arg;

	return e->resolver ? resolver_lookup(e->resolver, a, e->now_us) : NULL;
}

static bool host_pending_cb(void *arg, const struct ipaddr *a)
{
	struct engine *e = arg;

	return e->resolver && resolver_pending(e->resolver, a);
}

static const char *service_name_cb(void *arg, uint16_t port, uint8_t proto)
{
	struct engine *e = arg;

	return e->services ? services_name(e->services, port, proto) : NULL;
}

static void read_names(struct engine *e)
{
	int rc;

	if (!e->resolver)
		return;
	/* A resolver gone (RESOLVER_READ_GONE) is now down: the parent
	 * restarts it and sends the new socket; until then, lines show
	 * addresses. */
	rc = resolver_read(e->resolver);
	if (rc == RESOLVER_READ_MALFORMED) {
		fatalx("name lookup helper sent a malformed message");
	}
	alert_router_release(&e->router, false);
}

static int resolver_poll_fd(const struct engine *e)
{
	return e->resolver ? resolver_fd(e->resolver) : -1;
}

/* End of input: give the lookups still under way their time, no more. */
static void drain_names(struct engine *e)
{
	struct pollfd pfd;

	if (!e->resolver)
		return;
	pfd.events = POLLIN;
	while (alert_router_release(&e->router, false) > 0) {
		pfd.fd = resolver_poll_fd(e);
		if (pfd.fd < 0)
			break;
		if (poll(&pfd, 1, 100) > 0)
			read_names(e);
	}
}

/* ---- set-up, as root -------------------------------------------- */

static bool open_sinks(struct engine *e, char *err, size_t errlen)
{
	const struct engine_args *a = e->args;
	struct alert_router *r = &e->router;
	struct json_style style = { .ecs = e->cfg->json_format == JSON_ECS };
	struct sink *s;

	/* The host name now: the sandbox comes before the first alert. */
	if (style.ecs)
		ecs_observer_init(&style.observer, a->version);
	if (a->to_syslog)
		alert_router_add(r, sink_syslog_open(e->cfg->syslog_facility));
	if (a->to_stdout)
		alert_router_add(r, a->json ? sink_json_open(stdout, &style)
					    : sink_text_open(stdout));
	if (a->json_log_fd >= 0) {
		s = sink_json_open_fd(a->json_log_fd, e->cfg->json_log,
				      &style, err, errlen);
		if (!s)
			return false;
		alert_router_add(r, s);
	}
	if (a->mail_fd >= 0) {
		e->mail = sink_mail_open_fd(a->mail_fd, e->cfg, r);
		if (!e->mail) {
			snprintf(err, errlen, "mail: out of memory");
			return false;
		}
		alert_router_add(r, e->mail);
	}
	return true;
}

static bool start_names(struct engine *e, char *err, size_t errlen)
{
	e->router.names.host = host_name_cb;
	e->router.names.host_pending = host_pending_cb;
	e->router.names.service = service_name_cb;
	e->router.clock_us = wall_us;
	e->router.names.arg = e;
	if (e->cfg->port_resolve) {
		e->services = services_load();
		if (!e->services)
			log_warnx("PortResolve: no services database; port "
				  "numbers will be shown");
	}
	if (e->args->resolver_fd >= 0) {
		e->resolver = resolver_from_fd(e->args->resolver_fd,
					       RESOLVER_CACHE_SIZE);
		if (!e->resolver) {
			snprintf(err, errlen, "DNSResolve: out of memory");
			return false;
		}
	}
	return true;
}

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* The parent owns SIGHUP (it reads the file); one sent here by
	 * mistake must not kill the packet process. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* Everything that needs privileges or the file system, once. */
bool engine_setup(void *arg, char *err, size_t errlen)
{
	struct engine *e = &the_engine;
	const struct engine_args *a = arg;
	const char *filter = a->filter ? a->filter : a->cfg->capture_filter;

	memset(e, 0, sizeof *e);
	e->args = a;
	e->cfg = a->cfg;
	e->exit_code = PROC_EXIT_OK;
	if (a->to_syslog)
		log_init_syslog(e->cfg->syslog_facility, a->to_stdout);
	e->sigfd = signals_open();
	if (e->sigfd < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return false;
	}
	e->cap = a->read_file ?
		capture_open_file(a->read_file, filter, err, errlen) :
		capture_open_live(a->iface ? a->iface : "any", filter, err,
				  errlen);
	if (!e->cap)
		return false;
	alert_router_init(&e->router, e->cfg);
	if (!open_sinks(e, err, errlen) || !start_names(e, err, errlen))
		return false;
	/* The tables, and SignatureFile read while we still may. */
	e->det = detect_new(e->cfg, &e->router, err, errlen);
	return e->det != NULL;
}

/* ---- messages from the parent ----------------------------------- */

/* Packets that arrived before the new configuration are judged by the
 * one that was in force when they arrived. */
static void drain_capture(struct engine *e)
{
	char err[1024];

	if (e->args->read_file)
		return;
	/* Bounded: a flood that never pauses must not hold the reload. */
	for (int i = 0; i < 64; i++)
		if (dispatch(e, 0, err, sizeof err) <= 0)
			break;
	alert_router_flush(&e->router);
}

static bool strings_differ(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b) != 0;
}

/* The memfd the parent sealed, so that nobody can change it under us:
 * the configuration's text, then the signature file's, each returned
 * NUL-terminated in one buffer (*sig_text points into it). */
static char *read_sealed(const struct priv_msg *m, const char **sig_text,
			 char *err, size_t errlen)
{
	const int seals = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW |
			  F_SEAL_SEAL;
	size_t clen = m->config_len, slen = m->sig_len;
	int got = fcntl(m->fd, F_GET_SEALS);
	struct stat st;
	char *buf;

	if (got < 0 || (got & seals) != seals || fstat(m->fd, &st) != 0 ||
	    (size_t)st.st_size != clen + slen) {
		snprintf(err, errlen, "configuration from the parent: not "
			 "a sealed file of %zu bytes", clen + slen);
		return NULL;
	}
	buf = malloc(clen + slen + 2);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((clen > 0 && pread(m->fd, buf, clen, 0) != (ssize_t)clen) ||
	    (slen > 0 && pread(m->fd, buf + clen + 1, slen, (off_t)clen) !=
			 (ssize_t)slen)) {
		snprintf(err, errlen, "configuration from the parent: short "
			 "read");
		free(buf);
		return NULL;
	}
	buf[clen] = '\0';
	buf[clen + 1 + slen] = '\0';
	*sig_text = buf + clen + 1;
	return buf;
}

/* Apply what the parent read; false with the reason in err (the old
 * configuration then stays in force). */
static bool apply_config(struct engine *e, const struct priv_msg *m,
			 char *err, size_t errlen)
{
	struct config *old = e->cfg, *cfg;
	const char *sig_text;
	char *text = read_sealed(m, &sig_text, err, errlen);

	if (!text)
		return false;
	cfg = calloc(1, sizeof *cfg);
	if (!cfg || !conf_load_string(m->text, text, cfg, err, errlen)) {
		if (!cfg)
			snprintf(err, errlen, "out of memory");
		free(text);
		free(cfg);
		return false;
	}
	drain_capture(e);
	if (!e->args->filter &&
	    strings_differ(cfg->capture_filter, old->capture_filter) &&
	    !capture_set_filter(e->cap, cfg->capture_filter, err, errlen))
		goto refuse;
	if (!detect_set_config(e->det, cfg,
			       cfg->signature_file ? sig_text : NULL, err,
			       errlen)) {
		if (!e->args->filter)
			capture_set_filter(e->cap, old->capture_filter, err,
					   errlen);
		goto refuse;
	}
	free(text);
	if (cfg->syslog_facility != old->syslog_facility &&
	    e->args->to_syslog)
		log_init_syslog(cfg->syslog_facility, e->args->to_stdout);
	e->cfg = cfg;
	e->router.cfg = cfg;
	conf_free(old);
	free(old);
	return true;
refuse:
	free(text);
	conf_free(cfg);
	free(cfg);
	return false;
}

static void reply(struct engine *e, enum priv_msg_type type, const char *why)
{
	struct priv_msg m = { .type = type, .fd = -1 };

	snprintf(m.text, sizeof m.text, "%s", why ? why : "");
	if (!priv_send(e->sock, &m))
		fatal("cannot answer the parent");
}

static void handle_parent_msg(struct engine *e, struct priv_msg *m)
{
	char err[1024];

	switch (m->type) {
	case PRIV_CONFIG:
		if (apply_config(e, m, err, sizeof err)) {
			log_info("configuration reloaded from %s", m->text);
			reply(e, PRIV_RELOADED, NULL);
		} else {
			log_warnx("reload failed, keeping the old "
				  "configuration: %s", err);
			reply(e, PRIV_RELOAD_FAILED, err);
		}
		break;
	case PRIV_STATS:
		report_stats(e);
		break;
	case PRIV_STOP:
		e->stop = true;
		break;
	case PRIV_MAILER:
		if (!e->mail)
			fatalx("the parent sent a mailer, none was asked for");
		sink_mail_set_fd(e->mail, m->fd);
		m->fd = -1;
		break;
	case PRIV_RESOLVER:
		if (!e->resolver)
			fatalx("the parent sent a resolver, none was asked for");
		resolver_set_fd(e->resolver, m->fd);
		m->fd = -1;
		break;
	default:
		fatalx("the parent sent message type %d, meant for it",
		       (int)m->type);
	}
	if (m->fd >= 0)
		close(m->fd);
}

/* Every message waiting; the parent gone is a stop (it will not be
 * there to read our end, but our own sinks still are). */
static void read_parent(struct engine *e)
{
	struct priv_msg m;
	const char *why;
	int rc;

	while ((rc = priv_recv(e->sock, &m, &why)) == 1)
		handle_parent_msg(e, &m);
	if (rc == 0)
		e->stop = true;
	else if (rc == -2)
		fatalx("malformed message from the parent: %s", why);
}

static void handle_signals(struct engine *e)
{
	struct signalfd_siginfo si;

	while (read(e->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGUSR1:
			report_stats(e);
			break;
		case SIGTERM:
		case SIGINT:
			e->stop = true;
			break;
		}
	}
}

/* ---- running ---------------------------------------------------- */

/* Every exit path, an error's too: end the open scans, write their
 * records and the statistics, then say what went wrong. */
static void finish(struct engine *e, const char *error)
{
	detect_finish(e->det);
	drain_names(e);
	alert_router_finish(&e->router);
	alert_router_flush(&e->router);
	report_stats(e);
	if (error) {
		log_warnx("%s", error);
		e->exit_code = PROC_EXIT_FATAL;
	}
}

static void run_file(struct engine *e)
{
	char err[1024];
	int n;

	while (!e->stop) {
		n = dispatch(e, 4096, err, sizeof err);
		if (n == -1)
			break;
		if (n == -2) {
			finish(e, err);
			return;
		}
		read_names(e);
		/* AlertLimit intervals follow packet time. */
		alert_router_tick(&e->router, e->now_us);
		handle_signals(e);
		read_parent(e);
	}
	finish(e, NULL);
}

static void run_live(struct engine *e)
{
	char err[1024];
	struct pollfd pfd[4] = {
		{ .fd = capture_fd(e->cap), .events = POLLIN },
		{ .fd = e->sigfd, .events = POLLIN },
		{ .fd = e->sock, .events = POLLIN },
		{ .events = POLLIN },
	};

	while (!e->stop) {
		int rc;

		pfd[3].fd = resolver_poll_fd(e);
		rc = poll(pfd, 4, 1000);
		if (rc < 0 && errno != EINTR)
			fatal("poll");
		if (rc == 0) {
			/* Nothing arrived: live packet time is wall time, so
			 * expiry can move on without packets. */
			detect_advance(e->det, wall_us());
			alert_router_release(&e->router, false);
		}
		if (pfd[0].revents & (POLLIN | POLLERR)) {
			if (dispatch(e, 0, err, sizeof err) == -2) {
				finish(e, err);
				return;
			}
		}
		if (pfd[1].revents & POLLIN)
			handle_signals(e);
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
			read_parent(e);
		if (pfd[3].revents & (POLLIN | POLLHUP | POLLERR))
			read_names(e);
		/* Live packet time is wall time: an AlertLimit interval ends
		 * (and says what it held back) with or without packets. */
		alert_router_tick(&e->router, wall_us());
		alert_router_flush(&e->router);
	}
	log_info("stopping");
	finish(e, NULL);
}

int engine_run(void *arg, int sock)
{
	struct engine *e = &the_engine;

	(void)arg;
	e->sock = sock;
	if (fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK) != 0)
		fatal("engine socket");
	if (e->args->read_file)
		run_file(e);
	else
		run_live(e);
	detect_free(e->det);
	alert_router_close(&e->router);
	resolver_free(e->resolver);
	services_free(e->services);
	capture_close(e->cap);
	conf_free(e->cfg);
	free(e->cfg);
	close(e->sigfd);
	return e->exit_code;
}
