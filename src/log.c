/* log.c - the daemon's own diagnostics: stderr, then syslog. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static bool to_syslog;
static bool to_stderr = true;
static bool verbose;

void log_init_syslog(int facility, bool also_stderr)
{
	closelog();
	openlog("scandetd", LOG_PID | LOG_NDELAY, facility);
	to_syslog = true;
	to_stderr = also_stderr;
}

void log_set_verbose(bool v)
{
	verbose = v;
}

static void vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char buf[1024], *msg = buf, *big = NULL;
	va_list again;
	int n;

	/* Never cut short: a longer message gets a buffer of its size (and
	 * if that fails, the first 1,023 bytes are still said). */
	va_copy(again, ap);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	if (n >= (int)sizeof buf && (big = malloc((size_t)n + 1))) {
		vsnprintf(big, (size_t)n + 1, fmt, again);
		msg = big;
	}
	va_end(again);
	if (to_syslog)
		syslog(pri, "%s%s%s", msg, suffix ? ": " : "",
		       suffix ? suffix : "");
	if (to_stderr) {
		fprintf(stderr, "scandetd: %s%s%s\n", msg, suffix ? ": " : "",
			suffix ? suffix : "");
		fflush(stderr);
	}
	free(big);
}

void log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, e);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap, NULL);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, e);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
