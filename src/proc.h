/*
 * proc.h - the process model: how every scandetd process after the
 * first is started, confined, watched and stopped.  Written once, used
 * for the packet process (the engine), the mailer and the resolver.
 *
 * The privileged parent calls proc_start().  In the child, in this order:
 *   1. every signal back to its default, the signal mask emptied;
 *   2. every descriptor closed but the child's end of a SOCK_SEQPACKET
 *      socketpair (moved to PROC_SOCK_FD), the ones the spec keeps, and
 *      standard input, output and error (on /dev/null unless kept);
 *   3. spec->setup(), still as root: what the role must do with
 *      privileges (open the capture, read a secret), nothing else;
 *   4. privileges dropped to spec->user (when running as root): groups,
 *      gid, uid, then checked that none of it can be undone; and every
 *      capability dropped (caps_keep_only with nothing kept);
 *   5. sandbox_enter() for spec->role;
 *   6. a PROC_HELLO_READY message to the parent, saying which sandbox
 *      mechanisms were applied;
 *   7. spec->run(); its return value is the exit code.
 * A failure in 2-5 sends PROC_HELLO_FAILED with the reason instead and
 * exits with the matching PROC_EXIT_* code.  The parent waits for the
 * hello (at most PROC_START_TIMEOUT_MS) and returns the reason of a
 * failed start, from the hello or from the child's exit status.
 *
 * Every message on these sockets is checked like network input: exact
 * size, known type, every unused byte zero, descriptors only where the
 * type says so.  A malformed message from our own process is fatal for
 * the receiver (OpenNTPD's rule), and the parent says who died and why.
 */
#ifndef SCANDETD_PROC_H
#define SCANDETD_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sandbox.h"

/* The child's end of its socketpair with the parent. */
#define PROC_SOCK_FD		3
/* Start-up waits this long for the child's hello. */
#define PROC_START_TIMEOUT_MS	10000
/* proc_stop: after the parent's end is closed, a child gets this long to
 * leave by itself, then SIGTERM, then as long again before SIGKILL. */
#define PROC_STOP_GRACE_MS	1000
/* Most descriptors a spec may keep. */
#define PROC_KEEP_MAX		8
/* Longest reason a child gives for a failed start, with its NUL. */
#define PROC_WHY_MAX		2048

/* Exit codes of a child, so that the parent can say what went wrong. */
enum proc_exit {
	PROC_EXIT_OK = 0,		/* done: its input ended */
	PROC_EXIT_FATAL = 1,		/* a fatal error, logged by the child */
	PROC_EXIT_SETUP = 2,		/* descriptors, signals, spec->setup */
	PROC_EXIT_PRIVDROP = 3,		/* could not become spec->user */
	PROC_EXIT_PROTOCOL = 4,		/* a malformed message from its peer */
	PROC_EXIT_SANDBOX = 5,		/* could not confine itself */
};

struct proc_spec {
	const char *name;		/* "engine", "mailer", "resolver" */
	enum sandbox_role role;
	/* Drop to this user when running as root (NULL: keep the uid; a
	 * process that is not root keeps its identity anyway). */
	const char *user;
	struct sandbox_opts sandbox;
	bool sandbox_required;		/* SandboxRequired */
	/* Descriptors that stay open in the child, at the same numbers. */
	int keep_fds[PROC_KEEP_MAX];
	size_t nkeep;
	bool keep_stdin, keep_stdout, keep_stderr;
	/* In the child, as root, before privileges are dropped.  May be
	 * NULL.  false: the start fails with err as the reason. */
	bool (*setup)(void *arg, char *err, size_t errlen);
	/* In the child, confined.  sock is PROC_SOCK_FD, blocking.  Returns
	 * the exit code (enum proc_exit or a role's own, >= 16). */
	int (*run)(void *arg, int sock);
	void *arg;
	/* How long to wait for the hello; 0: PROC_START_TIMEOUT_MS (tests
	 * shorten it). */
	int start_timeout_ms;
};

struct proc {
	char name[16];
	enum sandbox_role role;
	pid_t pid;			/* -1: not running */
	int fd;				/* parent's end: non-blocking,
					 * close-on-exec; -1 when closed */
	struct sandbox_report sandbox;	/* what the child applied */
};

/* A struct proc that runs nothing (pid -1, fd -1). */
void proc_init(struct proc *p, const char *name, enum sandbox_role role);

/*
 * Fork and set up a child as described above.  true once the child has
 * said it is ready: p->pid, p->fd and p->sandbox are set.  false with the
 * reason in err ("mailer: could not become user scandetd", "engine: ...
 * permission denied"): the child has been reaped.
 */
bool proc_start(const struct proc_spec *spec, struct proc *p, char *err,
		size_t errlen);

/*
 * The hello: the child's first and only message of the start-up.  Byte
 * arrays only, so the size is exact.  READY: the flags are 0 or 1,
 * missing is the report's text, why is all zero.  FAILED: why is a
 * non-empty reason and every other byte but the type is zero.  Strings
 * are printable ASCII, NUL-terminated, zero after the NUL.
 */
enum proc_hello_type {
	PROC_HELLO_READY = 1,
	PROC_HELLO_FAILED = 2,
};

struct proc_hello {
	uint8_t type;			/* enum proc_hello_type */
	uint8_t no_new_privs, seccomp, landlock;
	uint8_t landlock_abi;
	uint8_t zero[3];
	char missing[sizeof(((struct sandbox_report *)0)->missing)];
	char why[PROC_WHY_MAX];
};

/* The child's side of the handshake, for children that do not go through
 * proc_start (none in scandetd; tests play a child with it).  rep may be
 * NULL (nothing applied); why is used only when !ready.  Bytes that are
 * not printable ASCII become '?', text too long is cut. */
bool proc_send_hello(int sock, bool ready, const struct sandbox_report *rep,
		     const char *why);

/*
 * The parent learned (waitpid) that pid exited with status: if pid is
 * p's, mark p as not running, close p->fd, write "mailer (pid 123) was
 * killed by signal 31 (SIGSYS: a system call outside its sandbox)" into
 * why, and return true.  false if pid is not p's.
 */
bool proc_exited(struct proc *p, pid_t pid, int status, char *why,
		 size_t whylen);

/* Say why a child ended: "exited with status 4 (malformed message)",
 * "was killed by signal 9 (SIGKILL: Killed)", "was killed by signal 31
 * (SIGSYS: a system call outside its sandbox)". */
void proc_exit_reason(int status, char *buf, size_t len);

/*
 * Close p->fd (a child whose input ends leaves by itself), wait up to
 * grace_ms for it, then SIGTERM, then SIGKILL after PROC_STOP_GRACE_MS;
 * reap it.  The exit status goes to *status when not NULL (and when it
 * was reaped here, not elsewhere).  Nothing happens to a p that is not
 * running.  Returns at once afterwards: p is then not running.
 */
void proc_stop(struct proc *p, int grace_ms, int *status);

/* Wait up to timeout_ms (-1: for ever) for p to exit, reaping it: 1 when
 * it did (status in *status, p->fd closed, p not running), 0 on timeout,
 * -1 when p was not running or was reaped elsewhere (it is marked not
 * running).  status may be NULL. */
int proc_wait(struct proc *p, int timeout_ms, int *status);

/*
 * One message with at most one descriptor, over a SOCK_SEQPACKET socket.
 * proc_send_fd: fd -1 sends none; never blocks longer than the socket
 * does.  proc_recv_fd: returns the message's length (0 at end of file,
 * -1 on error, errno set; EAGAIN on a non-blocking socket with nothing
 * waiting); *fd is the descriptor received (close-on-exec) or -1.  A
 * message that carries more than one descriptor, or a truncated one, is
 * an error (EPROTO), and any descriptors it carried are closed.
 */
bool proc_send_fd(int sock, const void *msg, size_t len, int fd);
ssize_t proc_recv_fd(int sock, void *buf, size_t len, int *fd);

#endif
