/*
 * proc.c - the process model (see proc.h): fork a helper, give it only
 * what it needs, let it give up its rights in a fixed order, hear its
 * hello, and later say why it ended and stop it.
 *
 * The only fork() of a scandetd helper process is here (the mailer's
 * MailCommand runs are programs, not helpers: mailer.c).
 */
#include "proc.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define PROC_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROC_LSAN 1
#endif
#endif
#ifdef PROC_LSAN
#include <sanitizer/lsan_interface.h>
#endif

_Static_assert(sizeof(struct proc_hello) ==
	       8 + sizeof(((struct sandbox_report *)0)->missing) +
	       PROC_WHY_MAX, "struct proc_hello must have no padding");

void proc_init(struct proc *p, const char *name, enum sandbox_role role)
{
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name ? name : "helper");
	p->role = role;
	p->pid = -1;
	p->fd = -1;
}

/* ---- the hello ------------------------------------------------------- */

/* s into a zeroed field, printable ASCII only, cut to fit its NUL. */
static void put_printable(char *field, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < len; i++)
		field[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
}

bool proc_send_hello(int sock, bool ready, const struct sandbox_report *rep,
		     const char *why)
{
	struct proc_hello h;
	ssize_t n;

	memset(&h, 0, sizeof h);
	h.type = ready ? PROC_HELLO_READY : PROC_HELLO_FAILED;
	if (ready && rep != NULL) {
		h.no_new_privs = rep->no_new_privs;
		h.seccomp = rep->seccomp;
		h.landlock = rep->landlock;
		h.landlock_abi = rep->landlock_abi < 0 ? 0 :
				 rep->landlock_abi > 255 ? 255 :
				 (uint8_t)rep->landlock_abi;
		put_printable(h.missing, sizeof h.missing, rep->missing);
	}
	if (!ready)
		put_printable(h.why, sizeof h.why,
			      why != NULL && why[0] != '\0' ? why :
			      "no reason given");
	do
		n = send(sock, &h, sizeof h, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)sizeof h;
}

/* NUL-terminated inside, zero after the NUL, printable ASCII. */
static bool text_ok(const char *f, size_t len)
{
	size_t n = strnlen(f, len), i;

	if (n == len || !all_zero(f + n, len - n))
		return false;
	for (i = 0; i < n; i++)
		if (f[i] < 0x20 || f[i] >= 0x7f)
			return false;
	return true;
}

static bool hello_ok(const struct proc_hello *h)
{
	if (!all_zero(h->zero, sizeof h->zero))
		return false;
	if (h->type == PROC_HELLO_READY)
		return h->no_new_privs <= 1 && h->seccomp <= 1 &&
		       h->landlock <= 1 &&
		       text_ok(h->missing, sizeof h->missing) &&
		       all_zero(h->why, sizeof h->why);
	if (h->type == PROC_HELLO_FAILED)
		return h->no_new_privs == 0 && h->seccomp == 0 &&
		       h->landlock == 0 && h->landlock_abi == 0 &&
		       all_zero(h->missing, sizeof h->missing) &&
		       text_ok(h->why, sizeof h->why) && h->why[0] != '\0';
	return false;
}

/* ---- the child ------------------------------------------------------- */

static void child_exit(int code) __attribute__((noreturn));

static void child_exit(int code)
{
#ifdef PROC_LSAN
	/* _exit() skips LeakSanitizer's exit hook: run it here. */
	__lsan_do_leak_check();
#endif
	/* _exit: the parent's atexit handlers and stdio buffers are not
	 * the child's to run or flush. */
	_exit(code);
}

static void child_fail(int sock, int code, const char *why)
	__attribute__((noreturn));

static void child_fail(int sock, int code, const char *why)
{
	(void)proc_send_hello(sock, false, NULL, why);
	child_exit(code);
}

/* The parent's handlers set flags in the parent's memory: in a child
 * they would do nothing useful.  Each role sets up its own. */
static void reset_signals(void)
{
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);	/* fails for KILL, STOP */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void close_range_from(unsigned lo, unsigned hi)
{
	if (lo > hi)
		return;
	if (close_range(lo, hi, 0) == 0)
		return;
	/* close_range() is Linux 5.9; before it, one by one. */
	for (long fd = lo, max = sysconf(_SC_OPEN_MAX);
	     fd <= (long)hi && fd < (max > 0 ? max : 65536); fd++)
		close((int)fd);
}

/* Every descriptor above PROC_SOCK_FD that the spec does not keep. */
static void close_others(const struct proc_spec *spec)
{
	int keep[PROC_KEEP_MAX];
	unsigned lo = PROC_SOCK_FD + 1;
	size_t i, j;

	memcpy(keep, spec->keep_fds, spec->nkeep * sizeof keep[0]);
	for (i = 1; i < spec->nkeep; i++)	/* insertion sort: <= 8 */
		for (j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (i = 0; i < spec->nkeep; i++) {
		if ((unsigned)keep[i] > lo)
			close_range_from(lo, (unsigned)keep[i] - 1);
		lo = (unsigned)keep[i] + 1;
	}
	close_range_from(lo, ~0U);
}

/* /dev/null, opened by the parent at its first proc_start: a helper
 * started again later is forked from a parent whose sandbox lets it open
 * nothing for writing. */
static int devnull = -1;

/* Standard input, output and error that are not kept go to /dev/null. */
static bool null_stdio(const struct proc_spec *spec)
{
	const bool keep[3] = { spec->keep_stdin, spec->keep_stdout,
			       spec->keep_stderr };
	int i;

	for (i = 0; i < 3; i++)
		if (!keep[i] && devnull != i && dup2(devnull, i) == -1)
			return false;
	return true;
}

/* The socket on PROC_SOCK_FD (close-on-exec: a program the child runs
 * must not inherit it), the kept ones, stdio; nothing else. */
static bool place_descriptors(const struct proc_spec *spec, int *sock)
{
	/* First, while the inherited /dev/null is still open (the parent's
	 * stdio is open, so sock is above 2). */
	if (!null_stdio(spec))
		return false;
	if (*sock != PROC_SOCK_FD) {
		if (dup2(*sock, PROC_SOCK_FD) == -1)
			return false;
		close(*sock);
		*sock = PROC_SOCK_FD;
	}
	if (fcntl(PROC_SOCK_FD, F_SETFD, FD_CLOEXEC) == -1)
		return false;
	close_others(spec);
	return true;
}

static void child_main(const struct proc_spec *spec, int sock)
	__attribute__((noreturn));

static void child_main(const struct proc_spec *spec, int sock)
{
	struct sandbox_report rep;
	char err[PROC_WHY_MAX] = "";
	bool dropped;

	reset_signals();
	/* ps and /proc show the role: "scandetd-engine" (the kernel keeps
	 * 15 bytes: "scandetd-resolv"). */
	snprintf(err, sizeof err, "scandetd-%s", spec->name);
	(void)prctl(PR_SET_NAME, err, 0, 0, 0);
	err[0] = '\0';
	/* glibc's syslog descriptor is about to be closed: forget it, or
	 * a later log line could go to whatever reuses the number. */
	closelog();
	if (!place_descriptors(spec, &sock))
		child_fail(sock, PROC_EXIT_SETUP, "cannot set up descriptors");
	if (spec->setup != NULL && !spec->setup(spec->arg, err, sizeof err))
		child_fail(sock, PROC_EXIT_SETUP, err);
	if (spec->user != NULL &&
	    !privileges_drop(spec->user, &dropped, err, sizeof err))
		child_fail(sock, PROC_EXIT_PRIVDROP, err);
	if (!caps_keep_only(NULL, 0, err, sizeof err))
		child_fail(sock, PROC_EXIT_PRIVDROP, err);
	memset(&rep, 0, sizeof rep);
	if (!sandbox_enter(spec->role, &spec->sandbox, spec->sandbox_required,
			   &rep, err, sizeof err))
		child_fail(sock, PROC_EXIT_SANDBOX, err);
	if (!proc_send_hello(sock, true, &rep, NULL))
		child_exit(PROC_EXIT_SETUP);	/* the parent has gone */
	child_exit(spec->run(spec->arg, sock));
}

/* ---- the parent ------------------------------------------------------ */

static bool spec_ok(const struct proc_spec *spec, char *err, size_t errlen)
{
	size_t i;

	if (spec->run == NULL || spec->nkeep > PROC_KEEP_MAX) {
		set_err(err, errlen, "%s: bad process spec", spec->name);
		return false;
	}
	for (i = 0; i < spec->nkeep; i++)
		if (spec->keep_fds[i] <= PROC_SOCK_FD ||
		    fcntl(spec->keep_fds[i], F_GETFD) == -1) {
			set_err(err, errlen, "%s: cannot keep descriptor %d",
				spec->name, spec->keep_fds[i]);
			return false;
		}
	return true;
}

static void mark_not_running(struct proc *p)
{
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
	p->pid = -1;
}

static void kill_and_reap(struct proc *p)
{
	if (p->pid > 0) {
		(void)kill(p->pid, SIGKILL);
		(void)proc_wait(p, -1, NULL);
	}
	mark_not_running(p);
}

/* The child closed without a hello: say why from its exit. */
static void explain_silence(struct proc *p, int timeout_ms, char *err,
			    size_t errlen)
{
	char reason[128];
	int status;

	if (proc_wait(p, timeout_ms, &status) == 1) {
		proc_exit_reason(status, reason, sizeof reason);
		set_err(err, errlen, "%s %s before it was ready", p->name,
			reason);
		return;
	}
	set_err(err, errlen, "%s closed its socket without a hello", p->name);
	kill_and_reap(p);
}

/* Wait for the hello; on failure the child is reaped and err says why. */
static bool await_hello(struct proc *p, int timeout_ms, char *err,
			size_t errlen)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	uint64_t deadline = mono_ms() + (uint64_t)timeout_ms, now;
	struct proc_hello h;
	ssize_t n;
	int rc, fd;

	do {
		now = mono_ms();
		rc = poll(&pfd, 1, now < deadline ? (int)(deadline - now) : 0);
	} while (rc == -1 && errno == EINTR);
	if (rc <= 0) {
		set_err(err, errlen, "%s did not say it was ready within %d "
			"ms", p->name, timeout_ms);
		kill_and_reap(p);
		return false;
	}
	n = proc_recv_fd(p->fd, &h, sizeof h, &fd);
	if (fd != -1)
		close(fd);
	if (n == 0) {
		explain_silence(p, timeout_ms, err, errlen);
		return false;
	}
	if (n != (ssize_t)sizeof h || fd != -1 || !hello_ok(&h)) {
		set_err(err, errlen, "%s: malformed hello (%zd bytes)", p->name,
			n);
		kill_and_reap(p);
		return false;
	}
	if (h.type == PROC_HELLO_FAILED) {
		set_err(err, errlen, "%s: %s", p->name, h.why);
		/* It exits by itself after saying so. */
		if (proc_wait(p, PROC_STOP_GRACE_MS, NULL) != 1)
			kill_and_reap(p);
		mark_not_running(p);
		return false;
	}
	p->sandbox.no_new_privs = h.no_new_privs;
	p->sandbox.seccomp = h.seccomp;
	p->sandbox.landlock = h.landlock;
	p->sandbox.landlock_abi = h.landlock_abi;
	memcpy(p->sandbox.missing, h.missing, sizeof p->sandbox.missing);
	return true;
}

bool proc_start(const struct proc_spec *spec, struct proc *p, char *err,
		size_t errlen)
{
	int sv[2], flags;
	pid_t pid;

	proc_init(p, spec->name, spec->role);
	if (!spec_ok(spec, err, errlen))
		return false;
	if (devnull == -1 &&
	    (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1) {
		set_err(err, errlen, "%s: /dev/null: %s", p->name,
			strerror(errno));
		return false;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		set_err(err, errlen, "%s: socketpair: %s", p->name,
			strerror(errno));
		return false;
	}
	/* Nothing buffered may be written twice, by both processes. */
	fflush(NULL);
	pid = fork();
	if (pid == -1) {
		set_err(err, errlen, "%s: fork: %s", p->name, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return false;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(spec, sv[1]);
	}
	close(sv[1]);
	p->pid = pid;
	p->fd = sv[0];
	flags = fcntl(p->fd, F_GETFL);
	if (flags == -1 || fcntl(p->fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		set_err(err, errlen, "%s: O_NONBLOCK: %s", p->name,
			strerror(errno));
		kill_and_reap(p);
		return false;
	}
	return await_hello(p, spec->start_timeout_ms > 0 ?
			   spec->start_timeout_ms : PROC_START_TIMEOUT_MS,
			   err, errlen);
}

/* ---- the end of a child ---------------------------------------------- */

static const char *exit_code_name(int code)
{
	switch (code) {
	case PROC_EXIT_OK: return "done";
	case PROC_EXIT_FATAL: return "fatal error";
	case PROC_EXIT_SETUP: return "could not set itself up";
	case PROC_EXIT_PRIVDROP: return "could not drop privileges";
	case PROC_EXIT_PROTOCOL: return "malformed message";
	case PROC_EXIT_SANDBOX: return "could not confine itself";
	default: return NULL;
	}
}

void proc_exit_reason(int status, char *buf, size_t len)
{
	if (WIFEXITED(status)) {
		const char *name = exit_code_name(WEXITSTATUS(status));

		set_err(buf, len, "exited with status %d%s%s%s",
			WEXITSTATUS(status), name ? " (" : "",
			name ? name : "", name ? ")" : "");
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *abbrev = sigabbrev_np(sig);

		set_err(buf, len, "was killed by signal %d (SIG%s: %s)%s", sig,
			abbrev ? abbrev : "?",
			sig == SIGSYS ? "a system call outside its sandbox" :
			strsignal(sig),
			WCOREDUMP(status) ? ", core dumped" : "");
	} else {
		set_err(buf, len, "changed state (status 0x%x)",
			(unsigned)status);
	}
}

bool proc_exited(struct proc *p, pid_t pid, int status, char *why,
		 size_t whylen)
{
	char reason[128];

	if (p->pid <= 0 || pid != p->pid)
		return false;
	proc_exit_reason(status, reason, sizeof reason);
	set_err(why, whylen, "%s (pid %ld) %s", p->name, (long)pid, reason);
	mark_not_running(p);
	return true;
}

int proc_wait(struct proc *p, int timeout_ms, int *status)
{
	uint64_t deadline = mono_ms() + (uint64_t)(timeout_ms > 0 ?
						    timeout_ms : 0);
	int st;

	if (p->pid <= 0)
		return -1;
	for (;;) {
		pid_t got = waitpid(p->pid, &st, timeout_ms < 0 ? 0 : WNOHANG);
		uint64_t now;

		if (got == p->pid) {
			if (status != NULL)
				*status = st;
			mark_not_running(p);
			return 1;
		}
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {		/* ECHILD: reaped elsewhere */
			mark_not_running(p);
			return -1;
		}
		now = mono_ms();
		if (now >= deadline)
			return 0;
		/* Short naps first: most children are quick to go. */
		nanosleep(&(struct timespec){ 0, (deadline - now > 10 ? 10 :
						  (long)(deadline - now)) *
					      1000000L }, NULL);
	}
}

void proc_stop(struct proc *p, int grace_ms, int *status)
{
	if (p->pid <= 0) {
		mark_not_running(p);
		return;
	}
	if (p->fd != -1) {
		close(p->fd);
		p->fd = -1;
	}
	if (proc_wait(p, grace_ms, status) != 0)
		return;
	(void)kill(p->pid, SIGTERM);
	if (proc_wait(p, PROC_STOP_GRACE_MS, status) != 0)
		return;
	(void)kill(p->pid, SIGKILL);
	(void)proc_wait(p, -1, status);
}

/* ---- messages with a descriptor -------------------------------------- */

bool proc_send_fd(int sock, const void *msg, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)msg,
			     .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t n;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof ctl);
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof ctl.buf;
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	return n == (ssize_t)len;
}

/* Every descriptor in mh's control data: the first into *fd, and how
 * many there were; anything but SCM_RIGHTS counts as too many. */
static int take_fds(struct msghdr *mh, int *fd)
{
	struct cmsghdr *c;
	int count = 0;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		size_t i, nfd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			count += 2;
			continue;
		}
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			int got;

			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
			if (count++ == 0)
				*fd = got;
			else
				close(got);
		}
	}
	return count;
}

ssize_t proc_recv_fd(int sock, void *buf, size_t len, int *fd)
{
	union {
		/* Room for a few: a message with more must be seen, and
		 * every descriptor it carried closed. */
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof ctl.buf };
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (take_fds(&mh, fd) > 1 ||
	    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
		if (*fd != -1)
			close(*fd);
		*fd = -1;
		errno = EPROTO;
		return -1;
	}
	return n;
}
