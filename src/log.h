/*
 * log.h - diagnostics of the daemon itself (not alerts: see alert.h).
 *
 * Before log_init_syslog() everything goes to stderr; after it, to syslog
 * (and to stderr as well while in the foreground).  log_warn adds
 * strerror(errno); fatal/fatalx exit(1).
 */
#ifndef SCANDETD_LOG_H
#define SCANDETD_LOG_H

#include <stdbool.h>

#define LOG_ATTR(a, b) __attribute__((format(printf, a, b)))

void log_init_syslog(int facility, bool also_stderr);
void log_set_verbose(bool verbose);
void log_warn(const char *fmt, ...) LOG_ATTR(1, 2);
void log_warnx(const char *fmt, ...) LOG_ATTR(1, 2);
void log_info(const char *fmt, ...) LOG_ATTR(1, 2);
void log_debug(const char *fmt, ...) LOG_ATTR(1, 2);
void fatal(const char *fmt, ...) LOG_ATTR(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_ATTR(1, 2) __attribute__((noreturn));

#endif
