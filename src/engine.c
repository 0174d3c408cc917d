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
#include "metrics.h"
#include "params.h"
#include "priv.h"
#include "pipeline.h"
#include "proc.h"
#include "random.h"
#include "report.h"
#include "resolve.h"
#include "sink_mail.h"
#include "util.h"
#include "workers.h"

struct engine {
	const struct engine_args *args;
	struct config *cfg;
	/* Live: one capture per interface; each is decoded with its own
	 * link type. */
	struct capture *caps[MAX_INTERFACES];
	size_t ncaps;
	/* -r: the files, all opened at set-up, read one after the other;
	 * bytes_total is their sizes' sum (0: some size unknown), bytes_before
	 * that of the files read already. */
	struct capture **files;
	size_t nfiles;
	uint64_t bytes_total, bytes_before;
	struct report *report;		/* -r without -q: progress, summary */
	bool named;			/* caps are named interfaces, not a
					 * file or "any": packets say which */
	struct pipeline pipe;		/* decode, reassemble; batches to det */
	struct detect *det;
	/* Workers N (N > 1): they classify, det only detects (workers.h);
	 * NULL: det does both, in this thread. */
	struct workers *workers;
	unsigned nworkers;		/* fixed at start, like table sizes */
	/* Live with workers: each interface opened once per worker, in a
	 * fanout group; fan[i * nworkers + w] (fan[i * nworkers] is
	 * caps[i]).  nfan 0: not so. */
	struct capture *fan[MAX_INTERFACES * WORKERS_MAX];
	size_t nfan;
	struct alert_router router;
	struct sink *mail;		/* the mail sink, if any */
	struct sink *json_log;		/* the JsonLog sink, if any */
	struct resolver *resolver;	/* DNSResolve: the lookup helper */
	struct services *services;	/* PortResolve: /etc/services */
	int sock;			/* to the parent */
	int sigfd;
	bool stop;
	int exit_code;
	struct metrics_writer metrics;	/* MetricsListen's page */
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

static void put_capture_stats(stat_fn put, void *arg, const char *prefix,
			      const struct capture_stats *cs)
{
	char name[64 + IFACE_NAME_MAX];

	snprintf(name, sizeof name, "%s.received", prefix);
	put(arg, name, cs->received);
	snprintf(name, sizeof name, "%s.dropped", prefix);
	put(arg, name, cs->dropped);
	snprintf(name, sizeof name, "%s.if_dropped", prefix);
	put(arg, name, cs->if_dropped);
}

/* capture.*: totals over the interfaces; then interface.NAME.* for each
 * (metrics.c splits those at "interface." and the last dot). */
static void put_all_capture_stats(struct engine *e, stat_fn put, void *arg)
{
	struct capture_stats cs[MAX_INTERFACES], total;
	char prefix[16 + IFACE_NAME_MAX];

	memset(&total, 0, sizeof total);
	if (e->nfan) {			/* the lanes read them: their report */
		struct pipeline_counts pc;
		struct frag_stats fs;

		workers_live_report(e->workers, &pc, &fs, cs, e->ncaps);
	}
	for (size_t i = 0; i < e->ncaps; i++) {
		if (!e->nfan)
			capture_stats(e->caps[i], &cs[i]);
		if (!cs[i].valid)
			continue;
		total.valid = true;
		total.received += cs[i].received;
		total.dropped += cs[i].dropped;
		total.if_dropped += cs[i].if_dropped;
	}
	if (!total.valid)
		return;			/* a file */
	put_capture_stats(put, arg, "capture", &total);
	for (size_t i = 0; i < e->ncaps; i++) {
		if (!cs[i].valid)
			continue;
		snprintf(prefix, sizeof prefix, "interface.%s",
			 capture_name(e->caps[i]));
		put_capture_stats(put, arg, prefix, &cs[i]);
	}
}

/* Every statistic, to put.  every_reason: the decoder's counts that are
 * still zero too (a scraper wants the same series each time; a person
 * reading the log does not). */
static void put_stats(struct engine *e, stat_fn put, void *arg,
		      bool every_reason)
{
	struct capture_stats cs[MAX_INTERFACES];
	struct frag_stats fs;

	/* Live with workers, the lanes decode: their sums (e->pipe is not
	 * used then). */
	if (e->nfan)
		workers_live_report(e->workers, &e->pipe.c, &fs, cs,
				    e->ncaps);
	pipeline_put_counts(&e->pipe, put, arg);
	put_all_capture_stats(e, put, arg);
	pipeline_put_reasons(&e->pipe, put, arg, every_reason);
	alert_router_stats(&e->router, put, arg);
	if (e->resolver)
		resolver_put_stats(e->resolver, put, arg);
	if (e->nfan)
		frag_stats_put(&fs, put, arg);
	else
		pipeline_put_frags(&e->pipe, put, arg);
	detect_stats(e->det, put, arg);
	if (e->workers)
		workers_put_stats(e->workers, put, arg);
}

static void detect_catch_up(struct engine *e);

static void report_stats(struct engine *e)
{
	struct stat_out so = { e->args->read_file ? stderr : NULL };

	detect_catch_up(e);
	if (e->report)
		report_progress_clear(e->report);
	put_stats(e, put_stat, &so, false);
	if (so.out)
		fflush(so.out);
}

/* At most once a second, into the page the metrics process reads: a
 * few hundred stores, and nothing that can wait. */
static void publish_metrics(struct engine *e)
{
	if (!metrics_due(&e->metrics))
		return;
	metrics_begin(&e->metrics);
	put_stats(e, metrics_put, &e->metrics, true);
	metrics_end(&e->metrics);
}

/* ---- the packet path -------------------------------------------- */

/* The pipeline's next stage (pipeline.h). */
static void detect_packets(void *arg, const struct pkt *batch, size_t n)
{
	struct engine *e = arg;

	detect_batch(e->det, batch, n);
}

/* Detection has seen every packet read so far.  With workers it runs in
 * its own thread, behind the reading; after this it waits, and the
 * router, the sinks and the detection state are this thread's to touch. */
static void detect_catch_up(struct engine *e)
{
	if (e->workers)
		workers_flush(e->workers);
}

/* Live packet time moves on without packets. */
static void advance_time(struct engine *e, uint64_t now_us)
{
	if (e->workers)
		workers_advance(e->workers, now_us);
	else
		detect_advance(e->det, now_us);
}

/* AlertLimit intervals follow packet time: the router's clock moves at
 * a point of the packet stream, which with workers detection reaches
 * later (workers_mark). */
static void tick_router(void *arg, uint64_t now_us)
{
	struct engine *e = arg;

	alert_router_tick(&e->router, now_us);
}

/* Up to max packets of capture c, whose packets say iface
 * (capture_dispatch's return). */
static int dispatch_from(struct engine *e, struct capture *c, uint8_t iface,
			 int max, char *err, size_t errlen)
{
	int n;

	pipeline_source(&e->pipe, capture_link(c), iface);
	n = capture_dispatch(c, max, pipeline_packet, &e->pipe, err, errlen);
	pipeline_flush(&e->pipe);
	return n;
}

/* Up to max packets of live capture i. */
static int dispatch(struct engine *e, size_t i, int max, char *err,
		    size_t errlen)
{
	return dispatch_from(e, e->caps[i], e->named ? (uint8_t)(i + 1) : 0,
			     max, err, errlen);
}

/* ---- names (DNSResolve, PortResolve) ---------------------------- */

/* Never blocks: a name not yet in the cache is asked for in the
 * background and shows up in later lines; this one has the address. */
static const char *host_name_cb(void *arg, const struct ipaddr *a)
{
	struct engine *e = arg;

	/* Live with workers, e->pipe is not the packets' path: the time is
	 * the wall clock's, as live packet time is. */
	uint64_t now = e->nfan ? wall_us() : e->pipe.c.now_us;

	return e->resolver ? resolver_lookup(e->resolver, a, now) : NULL;
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
	detect_catch_up(e);		/* the router is ours again */
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

/* -r without -q: the report's sink comes first, so that the progress
 * line is wiped before an event is written over it.  Whether standard
 * error and output are terminals is asked once, here. */
static bool open_report(struct engine *e, char *err, size_t errlen)
{
	const struct engine_args *a = e->args;

	if (!a->read_file || a->quiet)
		return true;
	e->report = report_new(stderr, isatty(STDERR_FILENO),
			       a->to_stdout && isatty(STDOUT_FILENO));
	if (!e->report) {
		snprintf(err, errlen, "report: out of memory");
		return false;
	}
	if (!alert_router_add(&e->router, report_sink(e->report))) {
		report_sink(e->report)->close(report_sink(e->report));
		e->report = NULL;
		snprintf(err, errlen, "report: too many outputs");
		return false;
	}
	return true;
}

static bool open_sinks(struct engine *e, char *err, size_t errlen)
{
	const struct engine_args *a = e->args;
	struct alert_router *r = &e->router;
	struct json_style style = { .ecs = e->cfg->json_format == JSON_ECS };
	struct sink *s;

	if (!open_report(e, err, errlen))
		return false;
	/* The host name now: the sandbox comes before the first alert.
	 * Reading a file, this host is not the sensor that captured it. */
	if (style.ecs)
		ecs_observer_init(&style.observer, a->version);
	if (!a->read_file && gethostname(style.sensor,
					 sizeof style.sensor - 1) != 0)
		style.sensor[0] = '\0';
	if (a->to_syslog)
		alert_router_add(r, sink_syslog_open(e->cfg->syslog_facility));
	if (a->to_stdout)
		alert_router_add(r, a->json ? sink_json_open(stdout, &style)
					    : sink_text_open(stdout,
							     a->read_file != NULL));
	if (a->json_log_fd >= 0) {
		s = sink_json_open_fd(a->json_log_fd, e->cfg->json_log,
				      &style, err, errlen);
		if (!s)
			return false;
		alert_router_add(r, s);
		e->json_log = s;
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

/* -r: every file now (the sandbox lets nothing be opened later), so
 * that one missing or unreadable is said before any is read. */
static bool open_files(struct engine *e, const char *filter, char *err,
		       size_t errlen)
{
	const struct engine_args *a = e->args;
	bool sizes_known = true;

	if (a->nread_files > READ_FILES_MAX) {	/* main.c's limit */
		snprintf(err, errlen, "more than %d files", READ_FILES_MAX);
		return false;
	}
	e->files = calloc(a->nread_files, sizeof *e->files);
	if (!e->files) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (size_t i = 0; i < a->nread_files; i++) {
		e->files[i] = capture_open_file(a->read_files[i], filter, err,
						errlen);
		if (!e->files[i])
			return false;
		e->nfiles++;
		e->bytes_total += capture_file_size(e->files[i]);
		sizes_known &= capture_file_size(e->files[i]) > 0;
	}
	if (!sizes_known)
		e->bytes_total = 0;
	return true;
}

/* The files, or a live capture on each interface, all with one filter
 * and one snap length. */
static bool open_captures(struct engine *e, const char *filter, char *err,
			  size_t errlen)
{
	const struct engine_args *a = e->args;
	const struct strlist *l = a->ifaces;

	if (a->read_file)
		return open_files(e, filter, err, errlen);
	if (!l || l->n == 0 || strcmp(l->v[0], "any") == 0) {
		e->caps[0] = capture_open_live("any", filter, err, errlen);
		e->ncaps = e->caps[0] != NULL;
		return e->ncaps == 1;
	}
	if (l->n > MAX_INTERFACES) {	/* conf_interfaces_add's limit */
		snprintf(err, errlen, "more than %d interfaces",
			 MAX_INTERFACES);
		return false;
	}
	for (size_t i = 0; i < l->n; i++) {
		e->caps[i] = capture_open_live(l->v[i], filter, err, errlen);
		if (!e->caps[i])
			return false;
		e->ncaps++;
	}
	e->named = true;
	return true;
}

/* Live with workers: each interface once more per worker, all of an
 * interface's sockets in one fanout group (capture_join_fanout), so
 * that each worker reads whole pairs of hosts of its own. */
static bool open_fanout(struct engine *e, const char *filter, char *err,
			size_t errlen)
{
	unsigned n = e->nworkers;
	uint32_t key;

	if (e->args->read_file || n < 2)
		return true;
	if (!random_bytes(&key, sizeof key)) {
		snprintf(err, errlen, "no random bytes for the fanout key");
		return false;
	}
	for (size_t i = 0; i < e->ncaps; i++) {
		const char *name = capture_name(e->caps[i]);
		/* A group id of its own: ids are per network namespace. */
		uint16_t group = (uint16_t)(getpid() * MAX_INTERFACES + i);

		e->fan[i * n] = e->caps[i];
		for (unsigned w = 1; w < n; w++) {
			e->fan[i * n + w] = capture_open_live(name, filter, err,
							      errlen);
			if (!e->fan[i * n + w])
				return false;
		}
		for (unsigned w = 0; w < n; w++)
			if (!capture_join_fanout(e->fan[i * n + w], group, n,
						 key, err, errlen))
				return false;
	}
	e->nfan = e->ncaps * n;
	return true;
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
	e->nworkers = e->cfg->workers;
	if (!open_captures(e, filter, err, errlen) ||
	    !open_fanout(e, filter, err, errlen))
		return false;
	if (!metrics_writer_open(&e->metrics, a->metrics_fd, err, errlen))
		return false;
	alert_router_init(&e->router, e->cfg);
	for (size_t i = 0; e->named && i < e->ncaps; i++)
		alert_router_name_iface(&e->router, (uint8_t)(i + 1),
					capture_name(e->caps[i]));
	if (!open_sinks(e, err, errlen) || !start_names(e, err, errlen))
		return false;
	/* The tables, and SignatureFile read while we still may. */
	e->det = e->nworkers > 1 ?
		 detect_new_unclassified(e->cfg, &e->router, err, errlen) :
		 detect_new(e->cfg, &e->router, err, errlen);
	return e->det &&
	       pipeline_init(&e->pipe, e->cfg, e->cfg->frag_table_size,
			     detect_packets, e, err, errlen);
}

/* ---- messages from the parent ----------------------------------- */

/* Until one of the live captures has packets, or ms pass. */
static void wait_for_captures(const struct engine *e, uint64_t ms)
{
	struct pollfd pfd[MAX_INTERFACES];

	for (size_t i = 0; i < e->ncaps; i++) {
		pfd[i].fd = capture_fd(e->caps[i]);
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	(void)poll(pfd, e->ncaps, (int)ms);
}

/* Packets that arrived before the new configuration are judged by the
 * one that was in force when they arrived; the kernel may hold them in
 * a block for CAPTURE_LATE_US (params.h), so the reload waits that long
 * for them. */
static void drain_capture(struct engine *e)
{
	uint64_t until = mono_ms() + CAPTURE_LATE_US / 1000;
	char err[1024];

	if (e->args->read_file || e->nfan)	/* lanes: workers_pause */
		return;
	/* Bounded: a flood that never pauses must not hold the reload. */
	for (int round = 0; round < 64; round++) {
		uint64_t now;
		int got = 0;

		for (size_t i = 0; i < e->ncaps; i++) {
			int n = dispatch(e, i, CAPTURE_ROUND_PACKETS, err,
					 sizeof err);

			got += n > 0 ? n : 0;
		}
		now = mono_ms();
		if (got == 0 && now >= until)
			break;
		if (got == 0)
			wait_for_captures(e, until - now);
	}
	alert_router_flush(&e->router);
}

/* Every capture gets filter, or (false, err) each keeps old. */
static bool set_filters(struct engine *e, const char *filter,
			const char *old, char *err, size_t errlen)
{
	struct capture **c = e->nfan ? e->fan : e->caps;
	size_t n = e->nfan ? e->nfan : e->ncaps;
	char ignored[256];

	for (size_t i = 0; i < n; i++) {
		if (capture_set_filter(c[i], filter, err, errlen))
			continue;
		while (i-- > 0)
			capture_set_filter(c[i], old, ignored, sizeof ignored);
		return false;
	}
	return true;
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
	bool new_filter;

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
	/* The workers read the signatures: none is at work now. */
	detect_catch_up(e);
	if (e->nfan)
		workers_pause(e->workers);
	new_filter = !e->args->filter &&
		     strings_differ(cfg->capture_filter, old->capture_filter);
	if (new_filter && !set_filters(e, cfg->capture_filter,
				       old->capture_filter, err, errlen))
		goto refuse;
	if (!detect_set_config(e->det, cfg,
			       cfg->signature_file ? sig_text : NULL, err,
			       errlen)) {
		char ignored[256];

		if (new_filter)
			set_filters(e, old->capture_filter, NULL, ignored,
				    sizeof ignored);
		goto refuse;
	}
	free(text);
	if (e->workers)
		workers_set_config(e->workers, cfg);
	if (e->nfan)
		workers_resume(e->workers);
	if (cfg->syslog_facility != old->syslog_facility &&
	    e->args->to_syslog)
		log_init_syslog(cfg->syslog_facility, e->args->to_stdout);
	e->cfg = cfg;
	e->router.cfg = cfg;
	conf_free(old);
	free(old);
	return true;
refuse:
	if (e->nfan)
		workers_resume(e->workers);
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

	/* Messages change the sinks and the configuration, which detection
	 * uses: with workers, it first catches up and waits. */
	detect_catch_up(e);
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
	case PRIV_JSONLOG:
		if (!e->json_log)
			fatalx("the parent sent a JsonLog, none is written");
		/* Between two events: none is cut, none lost. */
		alert_router_flush(&e->router);
		sink_json_set_fd(e->json_log, m->fd);
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

/* -r: the summary (unless -q), then the statistics if asked for. */
static void report_reading(struct engine *e)
{
	struct report_reading rd = {
		.files = (unsigned)e->nfiles,
		.packets = e->pipe.c.packets,
		.first_us = e->pipe.c.first_us,
		.last_us = e->pipe.c.last_us,
		.decode_results = e->pipe.c.decode_results,
	};

	if (e->report)
		report_print(e->report, &rd);
	if (e->args->stats)
		report_stats(e);
}

/* Every exit path, an error's too: end the open scans, write their
 * records and the statistics (-r: the summary), then say what went
 * wrong. */
static void finish(struct engine *e, const char *error)
{
	if (e->workers)
		workers_finish(e->workers);
	else
		detect_finish(e->det);
	drain_names(e);
	alert_router_finish(&e->router);
	alert_router_flush(&e->router);
	if (e->args->read_file)
		report_reading(e);
	else
		report_stats(e);
	if (error) {
		log_warnx("%s", error);
		e->exit_code = PROC_EXIT_FATAL;
	}
}

/* On a terminal, now and then: how far the files have been read. */
static void show_progress(struct engine *e, struct capture *c)
{
	struct report_position pos = { .packets = e->pipe.c.packets };
	uint64_t now = wall_us(), done, size;

	if (!e->report || !report_progress_due(e->report, now))
		return;
	if (e->bytes_total && capture_file_position(c, &done, &size)) {
		pos.bytes_done = e->bytes_before + done;
		pos.bytes_total = e->bytes_total;
	}
	report_progress(e->report, &pos, now);
}

/* A file that cannot be read to its end (cut short, or libpcap refuses
 * a block) ends there; the files after it are still read, and the run
 * exits 1. */
static void file_failed(struct engine *e, const char *err)
{
	if (e->report) {
		report_progress_clear(e->report);
		report_problem(e->report, err);
	}
	log_warnx("%s", err);
	e->exit_code = PROC_EXIT_FATAL;
}

static void read_file(struct engine *e, struct capture *c)
{
	char err[1024];
	int n;

	while (!e->stop) {
		n = dispatch_from(e, c, 0, 4096, err, sizeof err);
		if (n == -1)
			break;
		if (n == -2) {
			file_failed(e, err);
			break;
		}
		read_names(e);
		/* AlertLimit intervals follow packet time. */
		if (e->workers)
			workers_mark(e->workers, e->pipe.c.now_us);
		else
			tick_router(e, e->pipe.c.now_us);
		handle_signals(e);
		read_parent(e);
		show_progress(e, c);
	}
	e->bytes_before += capture_file_size(c);
}

/* The files one after the other, as one capture: detection goes on
 * from one to the next. */
static void run_file(struct engine *e)
{
	for (size_t i = 0; i < e->nfiles && !e->stop; i++)
		read_file(e, e->files[i]);
	finish(e, NULL);
}

/* The descriptors run_live polls: these three, then the captures. */
enum { PFD_SIGNALS, PFD_PARENT, PFD_RESOLVER, PFD_CAPTURES };

/* One round: each capture with packets waiting hands over at most
 * CAPTURE_ROUND_PACKETS, so that none starves the others.  more[i]: it
 * had that many, and is read next round even if poll does not say so
 * (libpcap may hold the rest); so is a capture with a poll limit
 * (capture_poll_limit_ms).  False with err on a capture error. */
static bool capture_round(struct engine *e, const struct pollfd *pfd,
			  bool *more, char *err, size_t errlen)
{
	for (size_t i = 0; i < e->ncaps; i++) {
		int n;

		if (!(pfd[i].revents & (POLLIN | POLLERR)) && !more[i] &&
		    capture_poll_limit_ms(e->caps[i]) < 0)
			continue;
		n = dispatch(e, i, CAPTURE_ROUND_PACKETS, err, errlen);
		if (n == -2)
			return false;
		more[i] = n >= CAPTURE_ROUND_PACKETS;
	}
	return true;
}

static bool any_set(const bool *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i])
			return true;
	return false;
}

static void run_live(struct engine *e)
{
	char err[1024];
	struct pollfd pfd[PFD_CAPTURES + MAX_INTERFACES];
	bool more[MAX_INTERFACES] = { false };
	nfds_t nfds = PFD_CAPTURES + e->ncaps;

	memset(pfd, 0, sizeof pfd);
	pfd[PFD_SIGNALS].fd = e->sigfd;
	pfd[PFD_PARENT].fd = e->sock;
	for (size_t i = 0; i < e->ncaps; i++)
		pfd[PFD_CAPTURES + i].fd = capture_fd(e->caps[i]);
	for (nfds_t i = 0; i < nfds; i++)
		pfd[i].events = POLLIN;
	while (!e->stop) {
		bool busy = any_set(more, e->ncaps);
		int rc;

		pfd[PFD_RESOLVER].fd = resolver_poll_fd(e);
		rc = poll(pfd, nfds, busy ? 0 : capture_poll_timeout(e->caps,
							e->ncaps, 1000));
		if (rc < 0 && errno != EINTR)
			fatal("poll");
		if (rc == 0 && !busy && wall_us() > CAPTURE_LATE_US) {
			/* Nothing arrived: live packet time is wall time, so
			 * expiry can move on without packets, as far as no
			 * packet can still come (params.h). */
			advance_time(e, wall_us() - CAPTURE_LATE_US);
			alert_router_release(&e->router, false);
		}
		if (rc < 0)
			continue;	/* EINTR: revents mean nothing */
		if (!capture_round(e, pfd + PFD_CAPTURES, more, err,
				   sizeof err)) {
			finish(e, err);
			return;
		}
		detect_catch_up(e);
		if (pfd[PFD_SIGNALS].revents & POLLIN)
			handle_signals(e);
		if (pfd[PFD_PARENT].revents & (POLLIN | POLLHUP | POLLERR))
			read_parent(e);
		if (pfd[PFD_RESOLVER].revents & (POLLIN | POLLHUP | POLLERR))
			read_names(e);
		/* Live packet time is wall time: an AlertLimit interval ends
		 * (and says what it held back) with or without packets. */
		alert_router_tick(&e->router, wall_us());
		alert_router_flush(&e->router);
		publish_metrics(e);
	}
	log_info("stopping");
	finish(e, NULL);
}

/* In the sandbox already: the threads inherit it (workers.h). */
static bool start_workers(struct engine *e)
{
	char err[1024];

	if (e->nworkers < 2)
		return true;
	if (e->nfan)
		e->workers = workers_start_live(e->cfg, e->nworkers, e->det,
						e->fan, e->ncaps, e->named,
						err, sizeof err);
	else
		e->workers = workers_start(e->cfg, e->nworkers, e->det,
					   tick_router, e, err, sizeof err);
	if (!e->workers) {
		log_warnx("%s", err);
		e->exit_code = PROC_EXIT_FATAL;
		return false;
	}
	if (!e->nfan)
		pipeline_set_next(&e->pipe, workers_batch, e->workers);
	return true;
}

/* Live with workers: they read the captures (workers.h); this thread
 * detects what they hand over, and does the rest as run_live does. */
enum { LFD_SIGNALS, LFD_PARENT, LFD_RESOLVER, LFD_WORKERS, LFD_COUNT };

static void run_lanes(struct engine *e)
{
	struct pollfd pfd[LFD_COUNT];

	memset(pfd, 0, sizeof pfd);
	pfd[LFD_SIGNALS].fd = e->sigfd;
	pfd[LFD_PARENT].fd = e->sock;
	pfd[LFD_WORKERS].fd = workers_wake_fd(e->workers);
	for (size_t i = 0; i < LFD_COUNT; i++)
		pfd[i].events = POLLIN;
	while (!e->stop) {
		const char *lost;
		uint64_t clock;
		int rc;

		pfd[LFD_RESOLVER].fd = resolver_poll_fd(e);
		rc = poll(pfd, LFD_COUNT, 1000);
		if (rc < 0 && errno != EINTR)
			fatal("poll");
		workers_detect(e->workers);
		lost = workers_lane_error(e->workers);
		if (lost) {
			char why[512];

			snprintf(why, sizeof why, "%s", lost);
			finish(e, why);
			return;
		}
		if (rc > 0 && (pfd[LFD_SIGNALS].revents & POLLIN))
			handle_signals(e);
		if (rc > 0 && (pfd[LFD_PARENT].revents &
			       (POLLIN | POLLHUP | POLLERR)))
			read_parent(e);
		if (rc > 0 && (pfd[LFD_RESOLVER].revents &
			       (POLLIN | POLLHUP | POLLERR)))
			read_names(e);
		/* Packet time as far as detection has got: the lanes run
		 * behind the wall clock by up to a poll and a margin. */
		clock = workers_clock(e->workers);
		if (clock)
			alert_router_tick(&e->router, clock);
		alert_router_release(&e->router, false);
		alert_router_flush(&e->router);
		publish_metrics(e);
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
	if (!start_workers(e))
		return e->exit_code;
	if (e->args->read_file)
		run_file(e);
	else if (e->nfan)
		run_lanes(e);
	else
		run_live(e);
	workers_stop(e->workers);
	pipeline_free(&e->pipe);
	detect_free(e->det);
	alert_router_close(&e->router);
	resolver_free(e->resolver);
	services_free(e->services);
	for (size_t i = 0; i < e->ncaps; i++)
		capture_close(e->caps[i]);
	for (size_t i = 0; i < e->nfan; i++)
		if (i % e->nworkers)	/* the others are caps[] */
			capture_close(e->fan[i]);
	for (size_t i = 0; i < e->nfiles; i++)
		capture_close(e->files[i]);
	free(e->files);
	metrics_writer_close(&e->metrics);
	conf_free(e->cfg);
	free(e->cfg);
	close(e->sigfd);
	return e->exit_code;
}
