/*
 * metrics_server.h - the metrics process (MetricsListen): serves the
 * statistics pages of the other processes to Prometheus scrapers.  See
 * metrics.h for the pages and metrics_server.c for the process.
 */
#ifndef SCANDETD_METRICS_SERVER_H
#define SCANDETD_METRICS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc.h"

/* The producers: the packet process and the mailer. */
#define METRICS_SOURCES_MAX	2

struct metrics_server_args {
	const char *user;		/* RunAsUser */
	bool sandbox_required;
	bool to_syslog, also_stderr;
	int syslog_facility;
	const char *version;
	uint64_t start_us;		/* the daemon's start, wall clock */
	int listen_fd;			/* bound and listening, non-blocking */
	bool ipv6;			/* listen_fd is AF_INET6 */
	/* Read-only page descriptors (-1: that producer does not run),
	 * and their names. */
	int page_fd[METRICS_SOURCES_MAX];
	const char *source_name[METRICS_SOURCES_MAX];
	size_t nsources;
};

/* Fork and confine the metrics process; the descriptors in a stay the
 * parent's (it hands them to the next one after a restart). */
bool metrics_proc_start(const struct metrics_server_args *a, struct proc *p,
			char *err, size_t errlen);

#endif
