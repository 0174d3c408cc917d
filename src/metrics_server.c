/*
 * metrics_server.c - the metrics process: answers Prometheus scrapers
 * (MetricsListen) with the statistics pages of the other processes.
 *
 * Started by the parent through proc_start(), like the mailer and the
 * resolver, and restarted the same way if it dies.  The parent binds the
 * listening socket (a port below 1024 needs root) and creates the pages;
 * this process gets the socket and read-only descriptors of the pages,
 * maps them, and from then on opens nothing and connects nowhere
 * (SANDBOX_METRICS).  HTTP is libmicrohttpd's, in external epoll mode in
 * this one thread, with a bound on connections, on connections per
 * address and on the time a connection may take: a slow or hostile
 * scraper holds at most a few connection slots for a few seconds, and
 * never the packet process, which does not know it exists.
 */
#include "metrics_server.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "log.h"
#include "metrics.h"
#include "util.h"

/* Scrapers at once, from one address, and how long one may take. */
#define METRICS_CONNECTIONS_MAX		16
#define METRICS_CONNECTIONS_PER_IP	4
#define METRICS_TIMEOUT_S		5
/* The largest exposition (a few hundred samples need about 40 KiB). */
#define METRICS_BODY_MAX		(256 * 1024)

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct server {
	const struct metrics_server_args *a;
	const struct metrics_page *pages[METRICS_SOURCES_MAX];
	struct metrics_page copy[METRICS_SOURCES_MAX];
	char *body;
	uint64_t start_us;
	uint64_t served, refused;
};

/* ---- set-up, as root --------------------------------------------------- */

static bool map_pages(struct server *s, char *err, size_t errlen)
{
	const struct metrics_server_args *a = s->a;

	for (size_t i = 0; i < a->nsources; i++) {
		void *p;

		if (a->page_fd[i] < 0)
			continue;
		p = mmap(NULL, sizeof(struct metrics_page), PROT_READ,
			 MAP_SHARED, a->page_fd[i], 0);
		close(a->page_fd[i]);
		if (p == MAP_FAILED) {
			set_err(err, errlen, "metrics: mmap: %s",
				strerror(errno));
			return false;
		}
		s->pages[i] = p;
	}
	return true;
}

static bool metrics_setup(void *arg, char *err, size_t errlen)
{
	struct server *s = arg;

	if (s->a->to_syslog)
		log_init_syslog(s->a->syslog_facility, s->a->also_stderr);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	s->body = malloc(METRICS_BODY_MAX);
	if (!s->body) {
		set_err(err, errlen, "metrics: out of memory");
		return false;
	}
	return map_pages(s, err, errlen);
}

/* ---- answering ------------------------------------------------------------ */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status,
			       const char *type, const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
					    MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status,
				    const char *text)
{
	return respond(c, status, "text/plain; charset=utf-8", text,
		       strlen(text));
}

/* A page that cannot be read (its producer not started yet, died
 * mid-write, or wrote garbage) is left out, not the whole answer. */
static enum MHD_Result serve_metrics(struct server *s,
				     struct MHD_Connection *c)
{
	const struct metrics_server_args *a = s->a;
	struct metrics_source src[METRICS_SOURCES_MAX];
	struct metrics_context ctx = {
		.version = a->version, .now_us = wall_us(),
		.start_us = s->start_us,
	};
	const char *why;
	size_t len;

	for (size_t i = 0; i < a->nsources; i++) {
		src[i].process = a->source_name[i];
		src[i].page = NULL;
		if (s->pages[i] && metrics_read(s->pages[i], &s->copy[i], &why))
			src[i].page = &s->copy[i];
	}
	len = metrics_render(src, a->nsources, &ctx, s->body,
			     METRICS_BODY_MAX);
	if (len == 0)
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
				    "statistics too large\n");
	s->served++;
	return respond(c, MHD_HTTP_OK, CONTENT_TYPE, s->body, len);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_len, void **con_cls)
{
	struct server *s = cls;

	(void)version;
	(void)upload;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				    "only GET and HEAD\n");
	/* The first call only announces the headers. */
	if (!*con_cls) {
		*con_cls = s;
		return MHD_YES;
	}
	if (*upload_len != 0)
		return respond_text(c, MHD_HTTP_BAD_REQUEST,
				    "a GET has no body\n");
	if (strcmp(url, "/metrics") == 0)
		return serve_metrics(s, c);
	if (strcmp(url, "/") == 0)
		return respond_text(c, MHD_HTTP_OK,
				    "scandetd: the metrics are at /metrics\n");
	return respond_text(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
}

static void on_error(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("metrics: %s", msg);
}

/* ---- the loop ------------------------------------------------------------- */

static struct MHD_Daemon *start_http(struct server *s, int listen_fd)
{
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	if (s->a->ipv6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s,
		MHD_OPTION_LISTEN_SOCKET, listen_fd,
		MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)METRICS_CONNECTIONS_MAX,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)METRICS_CONNECTIONS_PER_IP,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
		MHD_OPTION_EXTERNAL_LOGGER, on_error, NULL,
		MHD_OPTION_END);
}

/* The parent never writes to us: anything but its end closing is a
 * protocol error. */
static int read_parent(int sock)
{
	char byte;
	ssize_t n = recv(sock, &byte, 1, MSG_DONTWAIT);

	if (n == 0)
		return PROC_EXIT_OK;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	return PROC_EXIT_PROTOCOL;
}

static int metrics_run(void *arg, int sock)
{
	struct server *s = arg;
	struct MHD_Daemon *d = start_http(s, s->a->listen_fd);
	const union MHD_DaemonInfo *info;
	struct pollfd pfd[2];
	int rc = -1;

	if (!d) {
		log_warnx("metrics: libmicrohttpd did not start");
		return PROC_EXIT_FATAL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
	pfd[0] = (struct pollfd){ .fd = info->epoll_fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sock, .events = POLLIN };
	while (rc < 0) {
		MHD_UNSIGNED_LONG_LONG wait_ms;
		int timeout = 1000;

		if (MHD_get_timeout(d, &wait_ms) == MHD_YES &&
		    wait_ms < (MHD_UNSIGNED_LONG_LONG)timeout)
			timeout = (int)wait_ms;
		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			log_warn("metrics: poll");
			rc = PROC_EXIT_FATAL;
			break;
		}
		if (pfd[1].revents)
			rc = read_parent(sock);
		MHD_run(d);
	}
	MHD_stop_daemon(d);
	log_debug("metrics: %llu scrapes served",
		  (unsigned long long)s->served);
	return rc;
}

bool metrics_proc_start(const struct metrics_server_args *a, struct proc *p,
			char *err, size_t errlen)
{
	/* Lives as long as the child: proc_start() runs it in this frame. */
	struct server s;
	struct proc_spec spec;

	memset(&s, 0, sizeof s);
	s.a = a;
	s.start_us = a->start_us;
	memset(&spec, 0, sizeof spec);
	spec.name = "metrics";
	spec.role = SANDBOX_METRICS;
	spec.user = a->user;
	spec.sandbox_required = a->sandbox_required;
	spec.keep_fds[spec.nkeep++] = a->listen_fd;
	for (size_t i = 0; i < a->nsources; i++)
		if (a->page_fd[i] >= 0)
			spec.keep_fds[spec.nkeep++] = a->page_fd[i];
	spec.keep_stderr = a->also_stderr;
	spec.setup = metrics_setup;
	spec.run = metrics_run;
	spec.arg = &s;
	return proc_start(&spec, p, err, errlen);
}
