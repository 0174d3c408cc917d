/*
 * daemon.h - becoming a daemon: detach, PID file, dropping root.
 */
#ifndef SCANDETD_DAEMON_H
#define SCANDETD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

/* Fork into the background, new session, cwd /, stdio on /dev/null. */
bool daemon_detach(char *err, size_t errlen);

/* Create and lock the PID file; fails if another scandetd holds it.
 * The lock lives as long as the process. */
bool pidfile_create(const char *path, char *err, size_t errlen);
/* Write our PID into it (after detaching, the PID has changed). */
bool pidfile_write(char *err, size_t errlen);
void pidfile_remove(void);

/* Become user: supplementary groups, gid, uid; then verify that root
 * cannot be regained.  A process not running as root keeps its identity
 * (and says so through *dropped = false). */
bool privileges_drop(const char *user, bool *dropped, char *err,
		     size_t errlen);

#endif
