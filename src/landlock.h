/*
 * landlock.h - a thin layer over the kernel's Landlock system calls, for
 * sandbox.c: which ABI the kernel speaks, and one call that confines the
 * calling process to a list of paths.
 *
 * Every access right the kernel's ABI knows is handled, so that whatever
 * is not granted by a rule here is denied; on ABI 4 and later TCP bind
 * (always) and TCP connect (except to the ports given) as well; on ABI 6
 * and later the process can neither signal nor reach an abstract UNIX
 * socket outside its own domain.  Debian 12's <linux/landlock.h> stops at
 * ABI 2: the later constants are defined in landlock.c.
 */
#ifndef SCANDETD_LANDLOCK_H
#define SCANDETD_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a rule grants beneath its path. */
#define LL_READ		1u	/* open files for reading, list directories */
#define LL_EXECUTE	2u	/* execve() (and the ELF interpreter) */

struct landlock_rule {
	const char *path;	/* a missing path is skipped: not every
				 * system has /lib64 */
	unsigned access;	/* LL_READ | LL_EXECUTE */
};

struct landlock_net {
	bool handle_connect;	/* TCP connect only to the ports below */
	const uint16_t *connect_ports;
	size_t nports;
};

/* The kernel's Landlock ABI version, or 0 when it has none (errno says
 * why: ENOSYS not built in, EOPNOTSUPP disabled at boot). */
int landlock_abi(void);

/*
 * Confine the calling process (no_new_privs must be set already) to the
 * rules, with the kernel's ABI abi (>= 1).  false with the reason in err.
 */
bool landlock_confine(int abi, const struct landlock_rule *rules, size_t n,
		      const struct landlock_net *net, char *err,
		      size_t errlen);

#endif
