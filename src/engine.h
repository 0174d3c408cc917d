/*
 * engine.h - the packet process: capture -> decode -> detect -> alert.
 *
 * Started by the privileged parent (priv.c) through proc_start().  As
 * root it only opens the captures and loads what the configuration names
 * (engine_setup); then it runs as RunAsUser with no capabilities, in the
 * SANDBOX_ENGINE sandbox: it opens no file, no network socket and runs no
 * program for the rest of its life.  Everything it needs later comes
 * from the parent over its socket as checked messages (priv.h): a new
 * configuration on SIGHUP, a new mailer or resolver socket after a
 * restart, requests for statistics and to stop.
 */
#ifndef SCANDETD_ENGINE_H
#define SCANDETD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

struct config;
struct strlist;

/* What the parent hands to the packet process (inherited at the fork). */
struct engine_args {
	struct config *cfg;		/* taken over by the engine */
	/* -r: the files, in order, read as one capture (read_file is the
	 * first of them; NULL: live). */
	const char *read_file;
	const char *const *read_files;
	size_t nread_files;
	bool quiet;			/* -q: with -r, events only */
	bool stats;			/* --stats: with -r, the statistics
					 * after the summary */
	/* Live: the interfaces to capture on (-i, else Interface); none:
	 * "any".  Read only by engine_setup. */
	const struct strlist *ifaces;
	const char *filter;		/* -f, overrides CaptureFilter */
	bool json;			/* --json: events on stdout as JSON */
	bool to_stdout;			/* events on stdout (-r, -F) */
	bool to_syslog;			/* events and diagnostics to syslog */
	int json_log_fd;		/* JsonLog, opened by the parent; -1 */
	int mail_fd;			/* the mailer's socket; -1: no mail */
	int resolver_fd;		/* the resolver's socket; -1 */
	int metrics_fd;			/* MetricsListen's page (metrics.h),
					 * writable; -1: none */
	const char *version;
};

/* proc_spec callbacks: arg is a struct engine_args. */
bool engine_setup(void *arg, char *err, size_t errlen);
int engine_run(void *arg, int sock);

#endif
