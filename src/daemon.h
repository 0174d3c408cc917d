/*
 * daemon.h - becoming a daemon: detach, PID file, dropping root.
 */
#ifndef SCANDETD_DAEMON_H
#define SCANDETD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

/* Longest start-up error the started process prints. */
#define DAEMON_MESSAGE_MAX	8192

/* Fork into the background, new session, cwd /, stdio on /dev/null.
 * The process started stays until daemon_ready(): it then exits 0, or
 * prints the error on its standard error and exits 1 (also when the
 * daemon dies before saying anything). */
bool daemon_detach(char *err, size_t errlen);

/* Tell the process waiting in daemon_detach(): ready (error NULL), or
 * why not.  Once; nothing without daemon_detach(). */
void daemon_ready(const char *error);

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
