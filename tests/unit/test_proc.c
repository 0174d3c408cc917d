/*
 * test_proc.c - the process model: real children started through
 * proc_start(), that echo, fail to set up, exit with a code, die by a
 * signal, report what they hold open and who they are, or never say
 * hello; the reasons the parent gives; proc_stop's escalation; and
 * descriptors passed over the socket.
 *
 * Needs root for the privilege drop (to the system user scandetd).
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "unit.h"

/* ---- helpers ------------------------------------------------------------ */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One message from the child within ms; its length, or -1. */
static ssize_t recv_within(int fd, void *buf, size_t len, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int got;

	if (poll(&pfd, 1, ms) <= 0)
		return -1;
	n = proc_recv_fd(fd, buf, len, &got);
	if (got != -1)
		close(got);
	return n;
}

static bool no_children_left(void)
{
	return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

static struct proc_spec spec_for(const char *name, int (*run)(void *, int))
{
	struct proc_spec s;

	memset(&s, 0, sizeof s);
	s.name = name;
	/* The children confine themselves for real: the parent's role,
	 * with what a mailer and a resolver need (the widest filter, no
	 * Landlock), lets them look at themselves in /proc. */
	s.role = SANDBOX_PRIV;
	s.sandbox.child_roles = 1u << SANDBOX_MAILER | 1u << SANDBOX_RESOLVER;
	s.run = run;
	return s;
}

/* ---- children ----------------------------------------------------------- */

/* Echo every message until the parent closes its end. */
static int run_echo(void *arg, int sock)
{
	char buf[512];
	ssize_t n;

	(void)arg;
	while ((n = recv(sock, buf, sizeof buf, 0)) > 0)
		if (send(sock, buf, (size_t)n, MSG_NOSIGNAL) != n)
			return PROC_EXIT_FATAL;
	return n == 0 ? PROC_EXIT_OK : PROC_EXIT_FATAL;
}

static bool setup_fails(void *arg, char *err, size_t errlen)
{
	(void)arg;
	snprintf(err, errlen, "cannot read /secret: Permission denied");
	return false;
}

static int run_protocol_error(void *arg, int sock)
{
	(void)arg;
	(void)sock;
	return PROC_EXIT_PROTOCOL;
}

static int run_wait_forever(void *arg, int sock)
{
	(void)arg;
	(void)sock;
	for (;;)
		poll(NULL, 0, -1);
	return PROC_EXIT_FATAL;
}

static int run_raise_sigsys(void *arg, int sock)
{
	(void)arg;
	(void)sock;
	/* No core file, so that the status does not depend on the limit. */
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	raise(SIGSYS);
	return PROC_EXIT_FATAL;
}

static int run_ignore_everything(void *arg, int sock)
{
	(void)arg;
	(void)sock;
	signal(SIGTERM, SIG_IGN);
	for (;;)
		poll(NULL, 0, -1);
	return PROC_EXIT_FATAL;
}

/* What the child finds in itself. */
struct child_report {
	int nfds;
	int fds[16];
	int sock_is_socket;
	int stdio_is_null;		/* bits 0, 1, 2 */
	int usr1_default;
	int mask_empty;
	uid_t uid, euid;
	gid_t gid;
};

static bool is_dev_null(int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat("/dev/null", &b) == 0 &&
	       S_ISCHR(a.st_mode) && a.st_rdev == b.st_rdev;
}

static int run_report(void *arg, int sock)
{
	struct child_report rep;
	struct sigaction sa;
	struct stat st;
	struct dirent *d;
	sigset_t mask;
	DIR *dir;
	int i;

	(void)arg;
	memset(&rep, 0, sizeof rep);
	dir = opendir("/proc/self/fd");
	if (dir == NULL)
		return PROC_EXIT_FATAL;
	while ((d = readdir(dir)) != NULL) {
		int fd;

		if (d->d_name[0] == '.')
			continue;
		fd = atoi(d->d_name);
		if (fd == dirfd(dir) || rep.nfds == 16)
			continue;
		rep.fds[rep.nfds++] = fd;
	}
	closedir(dir);
	rep.sock_is_socket = fstat(sock, &st) == 0 && S_ISSOCK(st.st_mode) &&
			     sock == PROC_SOCK_FD;
	for (i = 0; i < 3; i++)
		rep.stdio_is_null |= is_dev_null(i) << i;
	rep.usr1_default = sigaction(SIGUSR1, NULL, &sa) == 0 &&
			   sa.sa_handler == SIG_DFL;
	sigprocmask(SIG_SETMASK, NULL, &mask);
	rep.mask_empty = !sigismember(&mask, SIGTERM) &&
			 !sigismember(&mask, SIGHUP);
	rep.uid = getuid();
	rep.euid = geteuid();
	rep.gid = getgid();
	return send(sock, &rep, sizeof rep, 0) == (ssize_t)sizeof rep ?
	       PROC_EXIT_OK : PROC_EXIT_FATAL;
}

static bool get_report(struct proc *p, struct child_report *rep)
{
	return recv_within(p->fd, rep, sizeof *rep, 5000) ==
	       (ssize_t)sizeof *rep;
}

static bool has_fd(const struct child_report *rep, int fd)
{
	for (int i = 0; i < rep->nfds; i++)
		if (rep->fds[i] == fd)
			return true;
	return false;
}

/* ---- start, echo, stop -------------------------------------------------- */

TEST(start_and_echo)
{
	struct proc_spec s = spec_for("echo", run_echo);
	struct proc p;
	char err[256] = "", buf[64];
	int status = -1;

	CHECK(proc_start(&s, &p, err, sizeof err));
	if (p.pid <= 0) {
		printf("proc_start: %s\n", err);
		return;
	}
	CHECK_STR(p.name, "echo");
	CHECK(p.fd > STDERR_FILENO);
	CHECK(fcntl(p.fd, F_GETFL) & O_NONBLOCK);
	CHECK(fcntl(p.fd, F_GETFD) & FD_CLOEXEC);
	/* The report came through the hello: whatever it says, it is one
	 * printable line. */
	CHECK(strlen(p.sandbox.missing) < sizeof p.sandbox.missing);
	CHECK(send(p.fd, "ping", 4, 0) == 4);
	CHECK_INT(recv_within(p.fd, buf, sizeof buf, 5000), 4);
	CHECK(memcmp(buf, "ping", 4) == 0);
	/* Its input ends: it leaves by itself, status 0. */
	proc_stop(&p, 5000, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INT(p.pid, -1);
	CHECK_INT(p.fd, -1);
	CHECK(no_children_left());
	proc_stop(&p, 0, NULL);		/* not running: nothing happens */
}

TEST(setup_failure_reaches_err)
{
	struct proc_spec s = spec_for("mailer", run_echo);
	struct proc p;
	char err[256] = "";

	s.setup = setup_fails;
	CHECK(!proc_start(&s, &p, err, sizeof err));
	CHECK_STR(err, "mailer: cannot read /secret: Permission denied");
	CHECK_INT(p.pid, -1);
	CHECK_INT(p.fd, -1);
	CHECK(no_children_left());
}

TEST(exit_code_named)
{
	struct proc_spec s = spec_for("resolver", run_protocol_error);
	struct proc p;
	char err[256] = "", why[256] = "";
	int status = 0;
	pid_t pid;

	CHECK(proc_start(&s, &p, err, sizeof err));
	pid = p.pid;
	CHECK_INT(proc_wait(&p, 5000, &status), 1);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == PROC_EXIT_PROTOCOL);
	proc_exit_reason(status, why, sizeof why);
	CHECK_STR(why, "exited with status 4 (malformed message)");
	CHECK_INT(p.pid, -1);
	CHECK_INT(proc_wait(&p, 0, &status), -1);	/* not running */
	/* proc_exited on a p already marked gone: not its pid any more. */
	CHECK(!proc_exited(&p, pid, status, why, sizeof why));
	CHECK(no_children_left());
}

TEST(killed_by_signals)
{
	struct proc_spec s = spec_for("engine", run_wait_forever);
	struct proc p;
	char err[256] = "", why[256] = "", want[256];
	int status = 0;
	pid_t pid;

	CHECK(proc_start(&s, &p, err, sizeof err));
	pid = p.pid;
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(!proc_exited(&p, pid + 1, status, why, sizeof why));
	CHECK(proc_exited(&p, pid, status, why, sizeof why));
	snprintf(want, sizeof want,
		 "engine (pid %ld) was killed by signal 9 (SIGKILL: Killed)",
		 (long)pid);
	CHECK_STR(why, want);
	CHECK_INT(p.pid, -1);
	CHECK_INT(p.fd, -1);

	s = spec_for("resolver", run_raise_sigsys);
	CHECK(proc_start(&s, &p, err, sizeof err));
	pid = p.pid;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(proc_exited(&p, pid, status, why, sizeof why));
	snprintf(want, sizeof want, "resolver (pid %ld) was killed by signal "
		 "%d (SIGSYS: a system call outside its sandbox)", (long)pid,
		 SIGSYS);
	CHECK_STR(why, want);
	CHECK(no_children_left());
}

TEST(exit_reasons)
{
	char why[256];

	proc_exit_reason(0, why, sizeof why);
	CHECK_STR(why, "exited with status 0 (done)");
	proc_exit_reason(3 << 8, why, sizeof why);
	CHECK_STR(why, "exited with status 3 (could not drop privileges)");
	proc_exit_reason(5 << 8, why, sizeof why);
	CHECK_STR(why, "exited with status 5 (could not confine itself)");
	proc_exit_reason(17 << 8, why, sizeof why);
	CHECK_STR(why, "exited with status 17");
	proc_exit_reason(SIGTERM, why, sizeof why);
	CHECK_STR(why, "was killed by signal 15 (SIGTERM: Terminated)");
	proc_exit_reason(SIGSEGV | 0x80, why, sizeof why);
	CHECK_STR(why, "was killed by signal 11 (SIGSEGV: Segmentation "
		  "fault), core dumped");
}

/* ---- what the child holds ---------------------------------------------- */

TEST(child_holds_only_what_it_keeps)
{
	struct proc_spec s = spec_for("report", run_report);
	struct child_report rep;
	struct sigaction sa, old;
	struct proc p;
	char err[256] = "";
	int pipefd[2], extra;

	CHECK(pipe(pipefd) == 0);
	/* Above PROC_SOCK_FD, so that the numbers say which is which. */
	for (int i = 0; i < 2; i++) {
		int high = fcntl(pipefd[i], F_DUPFD, 10);

		close(pipefd[i]);
		pipefd[i] = high;
	}
	extra = fcntl(pipefd[0], F_DUPFD, 10);		/* must not leak */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, &sa, &old);			/* must not be kept */
	s.keep_fds[0] = pipefd[1];
	s.nkeep = 1;
	CHECK(proc_start(&s, &p, err, sizeof err));
	CHECK(get_report(&p, &rep));
	CHECK_INT(rep.nfds, 5);
	CHECK(has_fd(&rep, 0) && has_fd(&rep, 1) && has_fd(&rep, 2));
	CHECK(has_fd(&rep, PROC_SOCK_FD));
	CHECK(has_fd(&rep, pipefd[1]));
	CHECK(!has_fd(&rep, pipefd[0]) && !has_fd(&rep, extra));
	CHECK(rep.sock_is_socket);
	CHECK_INT(rep.stdio_is_null, 7);
	CHECK(rep.usr1_default);
	CHECK(rep.mask_empty);
	proc_stop(&p, 5000, NULL);

	/* Standard error kept: it is the parent's, not /dev/null. */
	s.nkeep = 0;
	s.keep_stderr = true;
	CHECK(proc_start(&s, &p, err, sizeof err));
	CHECK(get_report(&p, &rep));
	CHECK_INT(rep.nfds, 4);
	CHECK_INT(rep.stdio_is_null, is_dev_null(2) ? 7 : 3);
	proc_stop(&p, 5000, NULL);

	/* A spec may not keep what is not open, nor 0-3. */
	s.keep_fds[0] = PROC_SOCK_FD;
	s.nkeep = 1;
	CHECK(!proc_start(&s, &p, err, sizeof err));
	CHECK(strstr(err, "cannot keep descriptor 3") != NULL);
	sigaction(SIGUSR1, &old, NULL);
	close(pipefd[0]);
	close(pipefd[1]);
	close(extra);
	CHECK(no_children_left());
}

TEST(child_becomes_user)
{
	struct proc_spec s = spec_for("report", run_report);
	struct passwd *pw = getpwnam("scandetd");
	struct child_report rep;
	struct proc p;
	char err[256] = "";

	CHECK(pw != NULL && geteuid() == 0);
	if (pw == NULL || geteuid() != 0) {
		printf("  needs root and the user scandetd\n");
		return;
	}
	s.user = "scandetd";
	CHECK(proc_start(&s, &p, err, sizeof err));
	CHECK(get_report(&p, &rep));
	CHECK_INT(rep.uid, pw->pw_uid);
	CHECK_INT(rep.euid, pw->pw_uid);
	CHECK_INT(rep.gid, pw->pw_gid);
	proc_stop(&p, 5000, NULL);

	s.user = "no-such-user-xq7";
	CHECK(!proc_start(&s, &p, err, sizeof err));
	CHECK(strstr(err, "report: ") == err);
	CHECK(strstr(err, "no-such-user-xq7: no such user") != NULL);
	CHECK(no_children_left());
}

/* ---- a child that does not play by the rules --------------------------- */

static bool setup_sleeps(void *arg, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	sleep(30);
	return true;
}

static bool setup_sends_junk(void *arg, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	if (*(int *)arg == 0) {
		(void)send(PROC_SOCK_FD, "READY", 5, 0);
	} else {
		/* A well-formed hello, but with a descriptor. */
		struct proc_hello h;

		memset(&h, 0, sizeof h);
		h.type = PROC_HELLO_READY;
		(void)proc_send_fd(PROC_SOCK_FD, &h, sizeof h, STDIN_FILENO);
	}
	return true;
}

TEST(start_timeout)
{
	struct proc_spec s = spec_for("slow", run_echo);
	struct proc p;
	char err[256] = "";
	uint64_t t0 = now_ms();

	s.setup = setup_sleeps;
	s.start_timeout_ms = 200;
	CHECK(!proc_start(&s, &p, err, sizeof err));
	CHECK_STR(err, "slow did not say it was ready within 200 ms");
	CHECK(now_ms() - t0 < 2000);
	CHECK_INT(p.pid, -1);
	CHECK(no_children_left());
}

TEST(malformed_hello)
{
	struct proc_spec s = spec_for("junk", run_echo);
	struct proc p;
	char err[256] = "";
	int how = 0;

	s.setup = setup_sends_junk;
	s.arg = &how;
	CHECK(!proc_start(&s, &p, err, sizeof err));
	CHECK_STR(err, "junk: malformed hello (5 bytes)");
	how = 1;
	CHECK(!proc_start(&s, &p, err, sizeof err));
	CHECK(strstr(err, "junk: malformed hello") == err);
	CHECK(no_children_left());
}

TEST(stop_escalates)
{
	struct proc_spec s = spec_for("deaf", run_wait_forever);
	struct proc p;
	char err[256] = "";
	int status = 0;
	uint64_t t0;

	/* Ignores the end of its input: SIGTERM after the grace. */
	CHECK(proc_start(&s, &p, err, sizeof err));
	t0 = now_ms();
	proc_stop(&p, 100, &status);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	CHECK(now_ms() - t0 < 1000);
	CHECK_INT(p.pid, -1);

	/* Ignores SIGTERM too: SIGKILL after PROC_STOP_GRACE_MS more. */
	s.run = run_ignore_everything;
	CHECK(proc_start(&s, &p, err, sizeof err));
	usleep(100000);		/* let it ignore SIGTERM */
	t0 = now_ms();
	proc_stop(&p, 100, &status);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK(now_ms() - t0 >= 100 + PROC_STOP_GRACE_MS);
	CHECK(now_ms() - t0 < 100 + PROC_STOP_GRACE_MS + 2000);
	CHECK(no_children_left());
}

/* ---- descriptors over the socket ---------------------------------------- */

static int count_open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

TEST(pass_a_descriptor)
{
	int sv[2], pipefd[2], got = -2;
	char buf[16];

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	CHECK(pipe(pipefd) == 0);
	CHECK(proc_send_fd(sv[0], "fd", 2, pipefd[1]));
	CHECK_INT(proc_recv_fd(sv[1], buf, sizeof buf, &got), 2);
	CHECK(got >= 0 && got != pipefd[1]);
	CHECK(fcntl(got, F_GETFD) & FD_CLOEXEC);
	/* It is the same pipe. */
	CHECK(write(got, "x", 1) == 1);
	CHECK(read(pipefd[0], buf, 1) == 1 && buf[0] == 'x');
	close(got);
	/* A message without one. */
	CHECK(proc_send_fd(sv[0], "none", 4, -1));
	CHECK_INT(proc_recv_fd(sv[1], buf, sizeof buf, &got), 4);
	CHECK_INT(got, -1);
	/* End of file. */
	close(sv[0]);
	CHECK_INT(proc_recv_fd(sv[1], buf, sizeof buf, &got), 0);
	close(sv[1]);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST(reject_two_descriptors_and_truncation)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = "two", .iov_len = 3 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *c;
	int sv[2], pipefd[2], got = -2, before;
	char buf[16];

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	CHECK(pipe(pipefd) == 0);
	before = count_open_fds();
	memset(&ctl, 0, sizeof ctl);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(2 * sizeof(int));
	memcpy(CMSG_DATA(c), pipefd, sizeof pipefd);
	CHECK(sendmsg(sv[0], &mh, 0) == 3);
	errno = 0;
	CHECK_INT(proc_recv_fd(sv[1], buf, sizeof buf, &got), -1);
	CHECK_INT(errno, EPROTO);
	CHECK_INT(got, -1);
	CHECK_INT(count_open_fds(), before);	/* both closed again */

	/* Longer than the buffer, with a descriptor: refused, closed. */
	CHECK(proc_send_fd(sv[0], "0123456789", 10, pipefd[0]));
	errno = 0;
	CHECK_INT(proc_recv_fd(sv[1], buf, 5, &got), -1);
	CHECK_INT(errno, EPROTO);
	CHECK_INT(got, -1);
	CHECK_INT(count_open_fds(), before);

	/* Non-blocking and nothing there: EAGAIN. */
	CHECK_INT(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	CHECK_INT(proc_recv_fd(sv[1], buf, sizeof buf, &got), -1);
	CHECK(errno == EAGAIN || errno == EWOULDBLOCK);
	close(sv[0]);
	close(sv[1]);
	close(pipefd[0]);
	close(pipefd[1]);
}

int main(void)
{
	alarm(120);	/* a child that hangs fails the run, never hangs it */
	RUN(start_and_echo);
	RUN(setup_failure_reaches_err);
	RUN(exit_code_named);
	RUN(killed_by_signals);
	RUN(exit_reasons);
	RUN(child_holds_only_what_it_keeps);
	RUN(child_becomes_user);
	RUN(start_timeout);
	RUN(malformed_hello);
	RUN(stop_escalates);
	RUN(pass_a_descriptor);
	RUN(reject_two_descriptors_and_truncation);
	return unit_report(__FILE__);
}
