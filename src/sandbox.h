/*
 * sandbox.h - confinement of each scandetd process, by role.
 *
 * Every process but the privileged parent runs as RunAsUser with no
 * capabilities, and every process (the parent too) runs with
 * no_new_privs and a seccomp-BPF allow-list of its own role (libseccomp):
 * a system call outside the list kills the process (SIGSYS), so that a
 * violation is seen, never mistaken for an error the code handles.  Where
 * the kernel has Landlock, the file system is confined as well: the
 * packet process may open nothing at all, the resolver may read what name
 * lookups read, the mailer may read its CA file and run MailCommand.
 *
 * Learned from chrony (sys_linux.c: one filter per process role) and
 * OpenSSH (sandbox-seccomp-filter.c).  The order in which a process gives
 * up its rights is fixed and lives in proc.c: setup as root, drop the
 * user, sandbox_enter(), then the role's work.
 */
#ifndef SCANDETD_SANDBOX_H
#define SCANDETD_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

enum sandbox_role {
	SANDBOX_PRIV,		/* the privileged parent: reads the
				 * configuration, forks and supervises */
	SANDBOX_ENGINE,		/* the packet process: capture, decode,
				 * detect, alert; opens no file, no
				 * network socket, runs no program */
	SANDBOX_MAILER,		/* SMTP to the relay, or MailCommand */
	SANDBOX_RESOLVER,	/* getnameinfo() and nothing else */
	SANDBOX_METRICS,	/* answers scrapers on a socket it was
				 * given; reads statistics pages; opens
				 * nothing, connects nowhere */
	SANDBOX_ROLE_COUNT
};

const char *sandbox_role_name(enum sandbox_role role);

/* What a role may reach beyond its fixed list (NULL: nothing). */
struct sandbox_opts {
	const char *mail_command;	/* MailCommand: the program it runs
					 * (its path, without arguments) */
	const char *mail_interpreter;	/* the #! interpreter of that
					 * program, when it is a script */
	const char *ca_file;		/* MailCAFile, read by libcurl */
	/* SANDBOX_PRIV: the roles it starts, 1u << role each.  Seccomp
	 * filters stack: a child is held by the parent's filter as well as
	 * by its own, so the parent's must let through what they need
	 * (for a mailer: TCP sockets; with mail_command, execve). */
	unsigned child_roles;
	/* SANDBOX_PRIV: it opens JsonLog again on SIGHUP (for appending,
	 * never truncating), creating it with its group. */
	bool json_log;
};

/* What the kernel allowed us to apply. */
struct sandbox_report {
	bool no_new_privs;
	bool seccomp;
	bool landlock;
	int landlock_abi;		/* 0: none */
	char missing[256];		/* "" or what could not be applied
					 * and why, for one log line */
};

/*
 * Confine the calling process for role: no_new_privs, then Landlock
 * (where the kernel has it), then the seccomp filter, last.  Call it
 * after privileges were dropped and before any untrusted input is read.
 * A mechanism the kernel lacks (old kernel, container without seccomp)
 * is noted in rep->missing and skipped, unless required: then false with
 * the reason in err.  false also on any other failure.
 */
bool sandbox_enter(enum sandbox_role role, const struct sandbox_opts *opts,
		   bool required, struct sandbox_report *rep, char *err,
		   size_t errlen);

/*
 * Drop every capability of the calling process (effective, permitted,
 * inheritable, ambient) except those in keep (CAP_* values, n of them).
 * A process that changed from root to another user has none left
 * already; this makes sure, and it is how the parent keeps only what it
 * needs.  false with a reason in err on failure.
 */
bool caps_keep_only(const int *keep, size_t n, char *err, size_t errlen);

#endif
