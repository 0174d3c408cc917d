/*
 * main.c - scandetd: options, the event loop, signals, reloads.
 *
 * The pipeline is capture -> decode -> detect -> alert; this file only
 * wires the stages together and runs them: it holds no detection logic.
 */
#include <errno.h>
#include <getopt.h>
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
#include "daemon.h"
#include "decode.h"
#include "detect.h"
#include "log.h"
#include "mailer.h"
#include "params.h"
#include "resolve.h"

#define VERSION "2.0.0"

struct options {
	const char *config_path;	/* NULL: default file if it exists */
	const char *read_file;		/* -r */
	const char *iface;		/* -i */
	const char *filter;		/* -f, overrides CaptureFilter */
	bool foreground;		/* -F */
	bool json;			/* --json */
	bool mail;			/* --mail: email also with -r */
	bool show_and_exit;		/* -s */
	bool show_at_start;		/* -v */
	bool test_only;			/* -t */
};

struct scandetd {
	struct options opt;
	const char *config_path;	/* the file actually read, or NULL */
	struct config *cfg;
	struct capture *cap;
	struct detect *det;
	struct alert_router router;
	struct sink *json_log;		/* JsonLog sink, if any */
	struct resolver *resolver;	/* DNSResolve: the lookup helper */
	struct services *services;	/* PortResolve: /etc/services */
	uint64_t now_us;		/* time of the latest packet */
	/* Decoded packets waiting for detect_batch (see on_packet). */
	struct pkt batch[PKT_BATCH];
	size_t nbatch;
	int sigfd;
	bool stop;
	uint64_t packets;
	uint64_t bytes;
	uint64_t decode_results[DEC_RESULT_COUNT];
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: scandetd [-FstvV] [-c config] [-r file | -i interface] [-f filter]\n"
"                [--json] [--mail]\n"
"\n"
"Watch packets and report port scans, floods and OS fingerprinting probes.\n"
"\n"
"  -c, --config FILE     configuration file (default " DEFAULT_CONFIG_FILE
"\n"
"                        if it exists, else built-in defaults)\n"
"  -r, --read FILE       analyse a pcap or pcapng file and exit (\"-\": stdin)\n"
"  -i, --interface IF    capture live on IF (default: any)\n"
"  -f, --filter EXPR     BPF capture filter (overrides CaptureFilter)\n"
"  -F, --foreground      do not detach; events also on standard output\n"
"      --json            events on standard output as JSON Lines\n"
"      --mail            with -r, send email as the configuration says\n"
"                        (without it, analysing a capture mails nobody)\n"
"  -s, --show            print the parsed configuration and exit\n"
"  -v, --verbose         print the parsed configuration at start-up\n"
"  -t, --test            check the configuration and exit (0: valid)\n"
"  -V, --version         print the version and exit\n"
"  -h, --help            this help\n"
"\n"
"Signals: HUP re-reads the configuration, USR1 logs statistics,\n"
"TERM and INT stop.  See scandetd(8) and scandetd.conf(5).\n");
}

static void parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "read", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "filter", required_argument, NULL, 'f' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ "mail", no_argument, NULL, 'm' },
		{ "show", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "test", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof *o);
	while ((ch = getopt_long(argc, argv, "c:r:i:f:FsvtVh", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'c': o->config_path = optarg; break;
		case 'r': o->read_file = optarg; break;
		case 'i': o->iface = optarg; break;
		case 'f': o->filter = optarg; break;
		case 'F': o->foreground = true; break;
		case 'j': o->json = true; break;
		case 'm': o->mail = true; break;
		case 's': o->show_and_exit = true; break;
		case 'v': o->show_at_start = true; break;
		case 't': o->test_only = true; break;
		case 'V':
			printf("scandetd %s\n", VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "scandetd: unexpected argument \"%s\"\n",
			argv[optind]);
		usage(stderr);
		exit(2);
	}
	if (o->read_file && o->iface) {
		fprintf(stderr, "scandetd: -r and -i exclude each other\n");
		exit(2);
	}
}

/* ---- configuration ---------------------------------------------- */

static struct config *load_config(const char *path, char *err, size_t errlen)
{
	struct config *cfg = calloc(1, sizeof *cfg);

	if (!cfg) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (!path) {
		conf_defaults(cfg);
		return cfg;
	}
	if (!conf_load(path, cfg, err, errlen)) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

static void free_config(struct config *cfg)
{
	if (cfg) {
		conf_free(cfg);
		free(cfg);
	}
}

static const char *choose_config_path(const struct options *o)
{
	if (o->config_path)
		return o->config_path;
	if (access(DEFAULT_CONFIG_FILE, F_OK) == 0)
		return DEFAULT_CONFIG_FILE;
	return NULL;
}

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

static void report_stats(struct scandetd *s, FILE *out)
{
	struct stat_out so = { out };
	struct capture_stats cs;
	uint64_t malformed = 0, decoded = s->decode_results[DEC_OK];

	for (int r = 0; r < DEC_RESULT_COUNT; r++)
		if (decode_is_malformed((enum decode_result)r))
			malformed += s->decode_results[r];
	put_stat(&so, "packets.seen", s->packets);
	put_stat(&so, "packets.decoded", decoded);
	put_stat(&so, "packets.malformed", malformed);
	capture_stats(s->cap, &cs);
	if (cs.valid) {
		put_stat(&so, "capture.received", cs.received);
		put_stat(&so, "capture.dropped", cs.dropped);
		put_stat(&so, "capture.if_dropped", cs.if_dropped);
	}
	for (int r = 1; r < DEC_RESULT_COUNT; r++)
		if (s->decode_results[r])
			put_stat(&so, decode_result_name((enum decode_result)r),
				 s->decode_results[r]);
	alert_router_stats(&s->router, put_stat, &so);
	detect_stats(s->det, put_stat, &so);
	if (out)
		fflush(out);
}

/* ---- the packet path -------------------------------------------- */

static void flush_packets(struct scandetd *s)
{
	detect_batch(s->det, s->batch, s->nbatch);
	s->nbatch = 0;
}

/* Decoded packets go to detection in batches (detect_batch fetches each
 * one's table entries ahead), and every batch is handed over before
 * capture_dispatch returns: nothing waits for the next packet. */
static void on_packet(void *arg, const uint8_t *data, size_t caplen,
		      uint32_t wire_len, uint64_t ts_us)
{
	struct scandetd *s = arg;
	struct pkt *p = &s->batch[s->nbatch];
	enum decode_result r;

	s->packets++;
	s->bytes += wire_len;
	s->now_us = ts_us;
	p->ts_us = ts_us;
	r = decode_packet(capture_link(s->cap), data, caplen, p);
	p->wire_len = wire_len;
	s->decode_results[r]++;
	/* Later fragments go on too: detect puts split headers together. */
	if (r != DEC_OK && r != DEC_SKIP_LATER_FRAGMENT)
		return;
	s->nbatch++;
	/* A fragment's data points into the capture's buffer, valid only
	 * until the next packet: it goes now, after those before it. */
	if (p->fragment || s->nbatch == PKT_BATCH)
		flush_packets(s);
}

static int dispatch(struct scandetd *s, int max, char *err, size_t errlen)
{
	int n = capture_dispatch(s->cap, max, on_packet, s, err, errlen);

	flush_packets(s);
	return n;
}

/* ---- sinks ------------------------------------------------------ */

static bool open_sinks(struct scandetd *s, bool use_syslog, bool use_stdout,
		       char *err, size_t errlen)
{
	struct alert_router *r = &s->router;

	if (use_syslog)
		alert_router_add(r, sink_syslog_open(s->cfg->syslog_facility));
	if (use_stdout)
		alert_router_add(r, s->opt.json ? sink_json_open(stdout)
						: sink_text_open(stdout));
	if (s->cfg->json_log) {
		s->json_log = sink_json_open_path(s->cfg->json_log, err, errlen);
		if (!s->json_log)
			return false;
		alert_router_add(r, s->json_log);
	}
	/* Analysing a capture mails nobody unless asked to (--mail). */
	if (mail_wanted(s->cfg) && (!s->opt.read_file || s->opt.mail)) {
		/* Forks the mailer: before privileges are dropped. */
		struct sink *mail = sink_mail_open(s->cfg, r, use_syslog,
						   use_stdout, err, errlen);

		if (!mail)
			return false;
		alert_router_add(r, mail);
	}
	return true;
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
	struct scandetd *s = arg;

	return s->resolver ? resolver_lookup(s->resolver, a, s->now_us) : NULL;
}

static bool host_pending_cb(void *arg, const struct ipaddr *a)
{
	struct scandetd *s = arg;

	return s->resolver && resolver_pending(s->resolver, a);
}

static const char *service_name_cb(void *arg, uint16_t port, uint8_t proto)
{
	struct scandetd *s = arg;

	return s->services ? services_name(s->services, port, proto) : NULL;
}

/* Started before privileges are dropped: the helper drops them itself.
 * Both are started whether or not the options are on, when a reload may
 * turn them on later, so they exist only if the first configuration
 * asks for them (a reload cannot start them without root). */
static void start_names(struct scandetd *s)
{
	char err[512];

	s->router.names.host = host_name_cb;
	s->router.names.host_pending = host_pending_cb;
	s->router.names.service = service_name_cb;
	s->router.clock_us = wall_us;
	s->router.names.arg = s;
	if (s->cfg->port_resolve) {
		s->services = services_load();
		if (!s->services)
			log_warnx("PortResolve: no services database; port "
				  "numbers will be shown");
	}
	if (s->cfg->dns_resolve) {
		s->resolver = resolver_start(s->cfg->run_as_user, 4096, err,
					     sizeof err);
		if (!s->resolver)
			fatalx("DNSResolve: %s", err);
	}
}

static void read_names(struct scandetd *s)
{
	if (s->resolver && resolver_read(s->resolver) < 0)
		fatalx("name lookup helper sent a malformed message");
	alert_router_release(&s->router, false);
}

/* End of input: give the lookups still under way their time, no more. */
static void drain_names(struct scandetd *s)
{
	struct pollfd pfd;

	if (!s->resolver)
		return;
	pfd.fd = resolver_fd(s->resolver);
	pfd.events = POLLIN;
	while (alert_router_release(&s->router, false) > 0)
		if (poll(&pfd, 1, 100) > 0)
			read_names(s);
}

/* ---- signals and reload ----------------------------------------- */

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Handled through signalfd in the loop: no work in handlers. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static bool strings_differ(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b) != 0;
}

/* Packets that arrived before the signal are judged by the configuration
 * that was in force when they arrived. */
static void drain_capture(struct scandetd *s)
{
	char err[1024];

	if (s->opt.read_file)
		return;
	/* Bounded: a flood that never pauses must not hold the reload. */
	for (int i = 0; i < 64; i++)
		if (dispatch(s, 0, err, sizeof err) <= 0)
			break;
	alert_router_flush(&s->router);
}

static void reload(struct scandetd *s)
{
	char err[1024];
	struct config *old = s->cfg, *cfg;

	if (!s->config_path) {
		log_warnx("SIGHUP: no configuration file to re-read");
		return;
	}
	drain_capture(s);
	cfg = load_config(s->config_path, err, sizeof err);
	if (!cfg) {
		log_warnx("reload failed, keeping the old configuration: %s",
			  err);
		return;
	}
	if (!s->opt.filter && strings_differ(cfg->capture_filter,
					     old->capture_filter) &&
	    !capture_set_filter(s->cap, cfg->capture_filter, err, sizeof err)) {
		log_warnx("reload failed, keeping the old configuration: %s",
			  err);
		free_config(cfg);
		return;
	}
	if (cfg->source_table_size != old->source_table_size ||
	    cfg->flow_table_size != old->flow_table_size)
		log_warnx("table sizes change at the next restart");
	if (strings_differ(cfg->run_as_user, old->run_as_user) ||
	    strings_differ(cfg->json_log, old->json_log) ||
	    strings_differ(cfg->pid_file, old->pid_file))
		log_warnx("RunAsUser, JsonLog and PidFile change at the next restart");
	if (mail_config_changed(old, cfg))
		log_warnx("email options change at the next restart");
	if ((cfg->dns_resolve && !s->resolver) ||
	    (cfg->port_resolve && !s->services))
		log_warnx("DNSResolve and PortResolve turned on take effect at "
			  "the next restart");
	if (cfg->syslog_facility != old->syslog_facility)
		log_init_syslog(cfg->syslog_facility, s->opt.foreground);
	if (!detect_set_config(s->det, cfg, err, sizeof err)) {
		log_warnx("reload failed, keeping the old configuration: %s",
			  err);
		if (!s->opt.filter)
			capture_set_filter(s->cap, old->capture_filter, err,
					   sizeof err);
		free_config(cfg);
		return;
	}
	s->cfg = cfg;
	s->router.cfg = cfg;
	free_config(old);
	log_info("configuration reloaded from %s", s->config_path);
}

static void handle_signals(struct scandetd *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reload(s);
			break;
		case SIGUSR1:
			report_stats(s, s->opt.read_file ? stderr : NULL);
			break;
		case SIGTERM:
		case SIGINT:
			s->stop = true;
			break;
		}
	}
}

/* ---- running ---------------------------------------------------- */

static int run_file(struct scandetd *s)
{
	char err[1024];
	int n;

	while (!s->stop) {
		n = dispatch(s, 4096, err, sizeof err);
		if (n == -1)
			break;
		if (n == -2) {
			log_warnx("%s", err);
			return 1;
		}
		read_names(s);
		/* AlertLimit intervals follow packet time. */
		alert_router_tick(&s->router, s->now_us);
		handle_signals(s);
	}
	detect_finish(s->det);
	drain_names(s);
	alert_router_finish(&s->router);
	alert_router_flush(&s->router);
	report_stats(s, stderr);
	return 0;
}

static int run_live(struct scandetd *s)
{
	char err[1024];
	struct pollfd pfd[3] = {
		{ .fd = capture_fd(s->cap), .events = POLLIN },
		{ .fd = s->sigfd, .events = POLLIN },
		{ .fd = s->resolver ? resolver_fd(s->resolver) : -1,
		  .events = POLLIN },
	};

	while (!s->stop) {
		int rc = poll(pfd, 3, 1000);

		if (rc < 0 && errno != EINTR)
			fatal("poll");
		if (rc == 0) {
			/* Nothing arrived: live packet time is wall time, so
			 * expiry can move on without packets. */
			detect_advance(s->det, wall_us());
			alert_router_release(&s->router, false);
		}
		if (pfd[0].revents & (POLLIN | POLLERR)) {
			if (dispatch(s, 0, err, sizeof err) == -2)
				fatalx("%s", err);
		}
		if (pfd[1].revents & POLLIN)
			handle_signals(s);
		if (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))
			read_names(s);
		/* Live packet time is wall time: an AlertLimit interval ends
		 * (and says what it held back) with or without packets. */
		alert_router_tick(&s->router, wall_us());
		alert_router_flush(&s->router);
	}
	log_info("stopping");
	detect_finish(s->det);
	alert_router_finish(&s->router);
	alert_router_flush(&s->router);
	report_stats(s, NULL);
	return 0;
}

static void start_live(struct scandetd *s)
{
	char err[1024];
	bool dropped;
	const char *iface = s->opt.iface ? s->opt.iface : "any";
	const char *filter = s->opt.filter ? s->opt.filter
					   : s->cfg->capture_filter;

	s->cap = capture_open_live(iface, filter, err, sizeof err);
	if (!s->cap)
		fatalx("%s", err);
	if (!s->opt.foreground && !daemon_detach(err, sizeof err))
		fatalx("%s", err);
	log_init_syslog(s->cfg->syslog_facility, s->opt.foreground);
	if (s->cfg->pid_file && s->cfg->pid_file[0] &&
	    !pidfile_create(s->cfg->pid_file, err, sizeof err))
		fatalx("%s", err);
	if (!open_sinks(s, true, s->opt.foreground, err, sizeof err))
		fatalx("%s", err);
	start_names(s);
	if (!privileges_drop(s->cfg->run_as_user, &dropped, err, sizeof err))
		fatalx("%s", err);
	if (!dropped)
		log_warnx("not running as root: keeping uid %ld",
			  (long)getuid());
	log_info("scandetd %s started on %s%s%s", VERSION, iface,
		 dropped ? ", running as " : "",
		 dropped ? s->cfg->run_as_user : "");
}

int main(int argc, char **argv)
{
	struct scandetd s;
	char err[1024];
	int rc;

	memset(&s, 0, sizeof s);
	parse_args(argc, argv, &s.opt);
	s.config_path = choose_config_path(&s.opt);
	s.cfg = load_config(s.config_path, err, sizeof err);
	if (!s.cfg) {
		fprintf(stderr, "scandetd: %s\n", err);
		return 1;
	}
	if (s.opt.test_only) {
		printf("%s: configuration OK\n",
		       s.config_path ? s.config_path : "(defaults)");
		free_config(s.cfg);
		return 0;
	}
	if (s.opt.show_and_exit || s.opt.show_at_start) {
		conf_print(s.cfg, stdout);
		fflush(stdout);
		if (s.opt.show_and_exit) {
			free_config(s.cfg);
			return 0;
		}
	}
	s.sigfd = signals_open();
	if (s.sigfd < 0)
		fatal("signalfd");
	alert_router_init(&s.router, s.cfg);
	if (s.opt.read_file) {
		const char *filter = s.opt.filter ? s.opt.filter
						  : s.cfg->capture_filter;

		s.cap = capture_open_file(s.opt.read_file, filter, err,
					  sizeof err);
		if (!s.cap)
			fatalx("%s", err);
		if (!open_sinks(&s, false, true, err, sizeof err))
			fatalx("%s", err);
		start_names(&s);
	} else {
		start_live(&s);
	}
	s.det = detect_new(s.cfg, &s.router, err, sizeof err);
	if (!s.det)
		fatalx("%s", err);
	rc = s.opt.read_file ? run_file(&s) : run_live(&s);
	detect_free(s.det);
	alert_router_close(&s.router);
	if (s.resolver)
		resolver_stop(s.resolver);
	services_free(s.services);
	capture_close(s.cap);
	pidfile_remove();
	free_config(s.cfg);
	close(s.sigfd);
	return rc;
}
