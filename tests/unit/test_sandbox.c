/*
 * test_sandbox.c - each role's confinement, tried for real: a child
 * confines itself as proc.c will (the user dropped when root, every
 * capability dropped, sandbox_enter), then does one thing.  What a role
 * must never do has to fail with an error or kill the child with SIGSYS,
 * and each case says which of the two; what it must do has to work.
 *
 * Needs a kernel with seccomp and Landlock (it checks that
 * sandbox_enter(required) succeeds), and root for the parts about users
 * and capabilities (the user scandetd, else nobody).  Under make SAN=1
 * the sanitizer runtime needs ptrace and clone: the cases that expect
 * those refused are skipped there.
 */
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "sandbox.h"
#include "unit.h"

#if defined(__SANITIZE_ADDRESS__)
#define SAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SAN_BUILD 1
#endif
#endif
#ifdef SAN_BUILD
#define SKIP_IN_SAN(why) SKIP("make SAN=1: " why)
/* The runtime's calls (sandbox.c, allow_sanitizer) move some refusals
 * from one mechanism to another: still refused, differently.  The
 * engine's opens: seccomp lets reads through to Landlock (EACCES) and
 * kills writes; kill(): Landlock's signal scope answers EPERM. */
#define ENGINE_WRITE_OPEN	KILLED, 0
#define KILL_OTHERS		REFUSED, EPERM
/* A read-only open where seccomp has none: Landlock refuses it. */
#define READ_OPEN_NONE		REFUSED, EACCES
#else
#define SKIP_IN_SAN(why) do { } while (0)
#define ENGINE_WRITE_OPEN	REFUSED, EACCES
#define KILL_OTHERS		KILLED, 0
#define READ_OPEN_NONE		KILLED, 0
#endif

/* How a confined child's attempt ended. */
enum outcome {
	ALLOWED,	/* it worked */
	REFUSED,	/* an error (the errno is the child's exit code) */
	KILLED,		/* SIGSYS: outside the seccomp filter */
	BROKEN,		/* the child could not even confine itself */
};

static const char *const outcome_names[] = {
	"allowed", "refused", "killed by SIGSYS", "broken" };

/* An attempt, in the confined child: 0 when it worked, else an errno. */
typedef int (*attempt_fn)(void);

#define EXIT_BROKEN 100

static uid_t run_uid;		/* the unprivileged user, when root */
static gid_t run_gid;
static bool is_root;
static char tmp_dir[64], tmp_file[96];
static int status_fd = -1;	/* /proc/self/status of the child */
static struct sandbox_opts cur_opts;
static int pipe_w = -1;		/* a pipe the parent reads */
static int tcp_port;		/* a listener of the parent */

static const int priv_caps[] = {
	CAP_SETUID, CAP_SETGID, CAP_KILL, CAP_DAC_READ_SEARCH };

/* What proc.c does in a child: the user, then the capabilities. */
static bool drop_user(void)
{
	if (!is_root)
		return true;
	return setgroups(1, &run_gid) == 0 &&
	       setresgid(run_gid, run_gid, run_gid) == 0 &&
	       setresuid(run_uid, run_uid, run_uid) == 0;
}

static void confine(enum sandbox_role role)
{
	struct sandbox_report rep;
	char err[256];

	/* Opened before: the engine may open nothing afterwards. */
	status_fd = open("/proc/self/status", O_RDONLY);
	if (role == SANDBOX_PRIV) {
		if (!caps_keep_only(priv_caps, is_root ? 4 : 0, err, sizeof err))
			_exit(EXIT_BROKEN);
	} else if (!drop_user() || !caps_keep_only(NULL, 0, err, sizeof err)) {
		_exit(EXIT_BROKEN);
	}
	if (!sandbox_enter(role, &cur_opts, true, &rep, err, sizeof err)) {
		printf("sandbox_enter: %s\n", err);
		fflush(stdout);
		_exit(EXIT_BROKEN);
	}
}

static enum outcome wait_outcome(pid_t pid, int *err)
{
	int status;

	*err = 0;
	if (waitpid(pid, &status, 0) != pid)
		return BROKEN;
	if (WIFSIGNALED(status))
		return WTERMSIG(status) == SIGSYS ? KILLED : BROKEN;
	if (WEXITSTATUS(status) == 0)
		return ALLOWED;
	if (WEXITSTATUS(status) == EXIT_BROKEN)
		return BROKEN;
	*err = WEXITSTATUS(status);
	return REFUSED;
}

/* Confine a child as role with opts, make it attempt fn. */
static enum outcome attempt(enum sandbox_role role,
			    const struct sandbox_opts *opts, attempt_fn fn,
			    int *err)
{
	pid_t pid;

	fflush(stdout);
	cur_opts = opts ? *opts : (struct sandbox_opts){ 0 };
	pid = fork();
	if (pid == -1)
		return BROKEN;
	if (pid == 0) {
		int rc;

		confine(role);
		rc = fn();
		fflush(stdout);
		_exit(rc > 0 && rc < EXIT_BROKEN ? rc : rc == 0 ? 0 : 99);
	}
	return wait_outcome(pid, err);
}

/* CHECK that fn, in role, ends as expected (and with errno e if
 * REFUSED and e != 0). */
#define EXPECT(...) EXPECT_(__VA_ARGS__)	/* after ENGINE_WRITE_OPEN... */
#define EXPECT_(role, opts, fn, want, e) do {				\
	int err_;							\
	enum outcome got_ = attempt((role), (opts), (fn), &err_);	\
	if (got_ != (want) || ((want) == REFUSED && (e) && err_ != (e))) \
		printf("  %s as %s: %s (errno %d), expected %s\n", #fn,	\
		       sandbox_role_name(role), outcome_names[got_],	\
		       err_, outcome_names[want]);			\
	CHECK(got_ == (want));						\
	if ((want) == REFUSED && (e))					\
		CHECK_INT(err_, (e));					\
} while (0)

/* ---- attempts: what no role but a few may do ---------------------------- */

static int result(long rc)
{
	return rc == -1 ? (errno ? errno : 99) : 0;
}

static int open_shadow(void)
{
	int fd = open("/etc/shadow", O_RDONLY);

	return result(fd);
}

static int open_tmp_read(void)
{
	return result(open(tmp_file, O_RDONLY));
}

static int open_tmp_write(void)
{
	return result(open(tmp_file, O_WRONLY));
}

static int create_in_tmp(void)
{
	char path[128];

	snprintf(path, sizeof path, "%s/new", tmp_dir);
	return result(open(path, O_WRONLY | O_CREAT | O_EXCL, 0600));
}

/* JsonLog opened again as the parent does on SIGHUP (sink_json.c). */
static int open_tmp_append(void)
{
	char err[256];
	int fd = sink_json_open_file(tmp_file, getegid(), err, sizeof err);

	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : errno;
}

static int create_tmp_append(void)
{
	char path[128], err[256];
	int fd;

	snprintf(path, sizeof path, "%s/new.json", tmp_dir);
	fd = sink_json_open_file(path, getegid(), err, sizeof err);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	return fd >= 0 ? 0 : errno;
}

static int open_tmp_append_trunc(void)
{
	return result(open(tmp_file, O_WRONLY | O_APPEND | O_TRUNC));
}

static int open_tmp_append_rdwr(void)
{
	return result(open(tmp_file, O_RDWR | O_APPEND));
}

static int exec_true(void)
{
	char *const argv[] = { "true", NULL };

	execve("/bin/true", argv, NULL);
	return errno;
}

static int exec_sh(void)
{
	char *const argv[] = { "sh", "-c", "exit 0", NULL };

	execve("/bin/sh", argv, NULL);
	return errno;
}

static int socket_inet(void)
{
	return result(socket(AF_INET, SOCK_STREAM, 0));
}

static int socket_inet6_udp(void)
{
	return result(socket(AF_INET6, SOCK_DGRAM, 0));
}

static int socket_packet(void)
{
	return result(socket(AF_PACKET, SOCK_RAW, 0));
}

static int socket_netlink(void)
{
	return result(socket(AF_NETLINK, SOCK_RAW, 0));
}

static int socket_unix_stream(void)
{
	return result(socket(AF_UNIX, SOCK_STREAM, 0));
}

static int ptrace_me(void)
{
	return result(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
}

static int mount_tmpfs(void)
{
	return result(mount("none", tmp_dir, "tmpfs", 0, NULL));
}

static int fork_child(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(0);
	if (pid == -1)
		return errno;
	return result(waitpid(pid, &status, 0));
}

/* A user namespace needs no privilege: never through unshare(), never
 * through the clone() a role may otherwise use to fork. */
static int unshare_user(void)
{
	return result(unshare(CLONE_NEWUSER));
}

static int clone_newuser(void)
{
	long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL,
			   NULL, 0);
	int status;

	if (pid == 0)
		_exit(0);
	if (pid == -1)
		return errno;
	return result(waitpid((pid_t)pid, &status, 0));
}

static int mmap_exec(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? errno : 0;
}

static int kill_parent(void)
{
	return result(kill(getppid(), 0));
}

static int setuid_root(void)
{
	return result(setuid(0));
}

/* The i386 and x32 system-call entries of an x86_64 kernel: a filter
 * that checks only the number would let them through. */
static int x32_getpid(void)
{
#ifdef __x86_64__
	return result(syscall(0x40000000 | SYS_getpid));
#else
	return 0;
#endif
}

static int i386_getpid(void)
{
#ifdef __x86_64__
	long rc = 20;	/* i386 getpid */

	__asm__ volatile("int $0x80" : "+a"(rc) : : "memory");
	return rc < 0 ? (int)-rc : 0;
#else
	return 0;
#endif
}

/* ---- attempts: what a role must be able to do ----------------------------- */

#define MUST(c) do {							\
	if (!(c)) {							\
		printf("  child: line %d: %s (errno %d)\n", __LINE__,	\
		       #c, errno);					\
		return 98;						\
	}								\
} while (0)

/* A line of /proc/self/status, read through the descriptor opened
 * before the sandbox (read again from offset 0: the values of now). */
static bool status_field(const char *name, char *val, size_t len)
{
	char buf[4096], *p;
	ssize_t n = pread(status_fd, buf, sizeof buf - 1, 0);
	size_t nlen = strlen(name);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, nlen) == 0 && p[nlen] == ':') {
			p += nlen + 1;
			p += strspn(p, " \t");
			snprintf(val, len, "%.*s", (int)strcspn(p, "\n"), p);
			return true;
		}
	}
	return false;
}

static bool status_is(const char *name, const char *want)
{
	char val[64];

	return status_field(name, val, sizeof val) && strcmp(val, want) == 0;
}

static int confined_status(void)
{
	MUST(status_is("NoNewPrivs", "1"));
	MUST(status_is("Seccomp", "2"));
	MUST(status_is("CapEff", "0000000000000000"));
	MUST(status_is("CapPrm", "0000000000000000"));
	MUST(status_is("CapInh", "0000000000000000"));
	MUST(status_is("CapAmb", "0000000000000000"));
	return 0;
}

static int engine_work(void)
{
	static const char msg[] = "alert\n";
	size_t size = 64u << 20;
	unsigned char *big = malloc(size), key[16];
	struct tm tm;
	time_t t = 1700000000;
	int fd;

	MUST(write(pipe_w, msg, sizeof msg - 1) == (ssize_t)sizeof msg - 1);
	MUST(big != NULL);
	memset(big, 0xa5, size);
	free(big);
	MUST(getrandom(key, sizeof key, 0) == (ssize_t)sizeof key);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	MUST(fd >= 0);
	close(fd);
	/* The JSON time stamps: the zone was loaded before the filter. */
	MUST(gmtime_r(&t, &tm) != NULL && tm.tm_year == 123);
	return 0;
}

static void *thread_work(void *arg)
{
	int *x = arg;

	*x = 42;
	return NULL;
}

/* Workers (workers.h): threads start, work and are joined in the
 * sandbox. */
static int start_thread(void)
{
	pthread_t t;
	int x = 0, rc = pthread_create(&t, NULL, thread_work, &x);

	if (rc != 0)
		return rc;
	MUST(pthread_join(t, NULL) == 0 && x == 42);
	return 0;
}

static int resolver_work(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char host[NI_MAXHOST], buf[256];
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	MUST(getnameinfo((struct sockaddr *)&sin, sizeof sin, host,
			 sizeof host, NULL, 0, NI_NAMEREQD) == 0);
	MUST(strcmp(host, "localhost") == 0);
	MUST(getnameinfo((struct sockaddr *)&sin, sizeof sin, host,
			 sizeof host, NULL, 0, NI_NUMERICHOST) == 0);
	MUST(strcmp(host, "127.0.0.1") == 0);
	fd = open("/etc/hosts", O_RDONLY);
	MUST(fd >= 0);
	MUST(read(fd, buf, sizeof buf) > 0);
	close(fd);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	MUST(fd >= 0);
	close(fd);
	return 0;
}

static int mailer_connect(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)tcp_port);
	MUST(fd >= 0);
	MUST(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0);
	MUST(write(fd, "EHLO x\r\n", 8) == 8);
	close(fd);
	return 0;
}

/* The metrics process: libmicrohttpd's calls on a listening socket it
 * was given, with a scraper already connected. */
static int metrics_lfd = -1;

static int metrics_serve(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	int ep = epoll_create1(EPOLL_CLOEXEC), fd;
	char buf[4];

	MUST(ep >= 0);
	ev.data.fd = metrics_lfd;
	MUST(epoll_ctl(ep, EPOLL_CTL_ADD, metrics_lfd, &ev) == 0);
	MUST(epoll_wait(ep, &got, 1, 2000) == 1);
	fd = accept4(metrics_lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	MUST(fd >= 0);
	MUST(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &(int){ 1 },
			sizeof(int)) == 0);
	MUST(recv(fd, buf, sizeof buf, 0) == 4);
	MUST(send(fd, "200\n", 4, MSG_NOSIGNAL) == 4);
	MUST(shutdown(fd, SHUT_RDWR) == 0);
	close(fd);
	close(ep);
	return 0;
}

/* MailCommand as the mailer runs it: a pipe in, a pipe out, /bin/cat. */
static int mailer_run_cat(void)
{
	static const char msg[] = "Subject: scan\n\nbody\n";
	char *const argv[] = { "cat", NULL };
	int in[2], out[2], status;
	char buf[64];
	ssize_t n;
	pid_t pid;

	MUST(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
	pid = fork();
	MUST(pid != -1);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execve("/bin/cat", argv, NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	MUST(write(in[1], msg, sizeof msg - 1) == (ssize_t)sizeof msg - 1);
	close(in[1]);
	n = read(out[0], buf, sizeof buf);
	MUST(waitpid(pid, &status, 0) == pid);
	MUST(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	MUST(n == (ssize_t)sizeof msg - 1 && memcmp(buf, msg, (size_t)n) == 0);
	return 0;
}

/* The parent's day: configuration, a sealed memfd, a child that becomes
 * the user and confines itself as a resolver (stacked on this filter),
 * then resolves. */
static int priv_work(void)
{
	char buf[256];
	struct passwd *pw;
	int fd, status;
	pid_t pid;

	fd = open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	MUST(fd >= 0 && read(fd, buf, sizeof buf) > 0);
	close(fd);
	pw = getpwnam("root");
	MUST(pw && pw->pw_uid == 0);
	fd = memfd_create("conf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	MUST(fd >= 0 && write(fd, "x", 1) == 1);
	MUST(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
		   F_SEAL_WRITE | F_SEAL_SEAL) == 0);
	close(fd);
	pid = fork();
	MUST(pid != -1);
	if (pid == 0) {
		struct sandbox_report rep;
		struct sandbox_opts none = { 0 };
		char err[256];

		if (!drop_user() || !caps_keep_only(NULL, 0, err, sizeof err) ||
		    !sandbox_enter(SANDBOX_RESOLVER, &none, true, &rep, err,
				   sizeof err))
			_exit(EXIT_BROKEN);
		_exit(resolver_work());
	}
	MUST(waitpid(pid, &status, 0) == pid);
	MUST(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}

/* caps_keep_only(priv_caps) as root: exactly those four remain. */
static int priv_caps_kept(void)
{
	char want[32];
	uint64_t mask = 0;
	size_t i;

	for (i = 0; i < 4; i++)
		mask |= 1ULL << priv_caps[i];
	snprintf(want, sizeof want, "%016llx", (unsigned long long)mask);
	MUST(status_is("CapEff", want));
	MUST(status_is("CapPrm", want));
	MUST(status_is("CapBnd", want));
	MUST(status_is("CapInh", "0000000000000000"));
	MUST(status_is("CapAmb", "0000000000000000"));
	MUST(status_is("Seccomp", "2"));
	MUST(status_is("Uid", "0\t0\t0\t0"));
	return 0;
}

/* ---- the tests ------------------------------------------------------------ */

static const struct sandbox_opts cat_opts = { .mail_command = "/bin/cat" };
static const struct sandbox_opts priv_opts = {
	.child_roles = 1u << SANDBOX_ENGINE | 1u << SANDBOX_RESOLVER };

TEST(role_names)
{
	CHECK_STR(sandbox_role_name(SANDBOX_PRIV), "priv");
	CHECK_STR(sandbox_role_name(SANDBOX_ENGINE), "engine");
	CHECK_STR(sandbox_role_name(SANDBOX_MAILER), "mailer");
	CHECK_STR(sandbox_role_name(SANDBOX_RESOLVER), "resolver");
	CHECK_STR(sandbox_role_name(SANDBOX_METRICS), "metrics");
	CHECK_STR(sandbox_role_name(SANDBOX_ROLE_COUNT), "unknown");
}

TEST(status_in_every_role)
{
	enum sandbox_role r;
	int err;

	for (r = SANDBOX_ENGINE; r < SANDBOX_ROLE_COUNT; r++)
		CHECK_INT(attempt(r, NULL, confined_status, &err), ALLOWED);
}

TEST(engine_works)
{
	char buf[16];
	int p[2], err;

	CHECK(pipe(p) == 0);
	pipe_w = p[1];
	CHECK_INT(attempt(SANDBOX_ENGINE, NULL, engine_work, &err), ALLOWED);
	CHECK(read(p[0], buf, sizeof buf) == 6 && memcmp(buf, "alert\n", 6) == 0);
	close(p[0]);
	close(p[1]);
}

TEST(engine_refuses)
{
	/* Opens: an error (libpcap's statistics must survive one). */
	EXPECT(SANDBOX_ENGINE, NULL, open_shadow, REFUSED, EACCES);
	EXPECT(SANDBOX_ENGINE, NULL, open_tmp_read, REFUSED, EACCES);
	EXPECT(SANDBOX_ENGINE, NULL, open_tmp_write, ENGINE_WRITE_OPEN);
	EXPECT(SANDBOX_ENGINE, NULL, create_in_tmp, ENGINE_WRITE_OPEN);
	EXPECT(SANDBOX_ENGINE, NULL, exec_true, KILLED, 0);
	/* Network sockets: an error (a reload's capture filter may name a
	 * host; pcap_compile must fail, not kill). */
	EXPECT(SANDBOX_ENGINE, NULL, socket_inet, REFUSED, EACCES);
	EXPECT(SANDBOX_ENGINE, NULL, socket_inet6_udp, REFUSED, EACCES);
	EXPECT(SANDBOX_ENGINE, NULL, socket_packet, KILLED, 0);
	EXPECT(SANDBOX_ENGINE, NULL, socket_netlink, REFUSED, EACCES);
	EXPECT(SANDBOX_ENGINE, NULL, socket_unix_stream, REFUSED, EACCES);
	EXPECT(SANDBOX_ENGINE, NULL, mount_tmpfs, KILLED, 0);
	EXPECT(SANDBOX_ENGINE, NULL, mmap_exec, KILLED, 0);
	EXPECT(SANDBOX_ENGINE, NULL, kill_parent, KILL_OTHERS);
	EXPECT(SANDBOX_ENGINE, NULL, setuid_root, KILLED, 0);
	EXPECT(SANDBOX_ENGINE, NULL, unshare_user, KILLED, 0);
}

TEST(engine_refuses_ptrace)
{
	SKIP_IN_SAN("LeakSanitizer's tracer needs ptrace");
	EXPECT(SANDBOX_ENGINE, NULL, ptrace_me, KILLED, 0);
}

TEST(engine_may_start_threads)
{
	EXPECT(SANDBOX_ENGINE, NULL, start_thread, ALLOWED, 0);
}

TEST(engine_refuses_fork)
{
	SKIP_IN_SAN("LeakSanitizer's tracer is a clone without CLONE_THREAD");
	EXPECT(SANDBOX_ENGINE, NULL, fork_child, KILLED, 0);
}

TEST(x32_refused)
{
#ifndef __x86_64__
	SKIP("the x32 entry is x86_64's");
#endif
	EXPECT(SANDBOX_ENGINE, NULL, x32_getpid, KILLED, 0);
	EXPECT(SANDBOX_MAILER, NULL, x32_getpid, KILLED, 0);
}

/* Does int $0x80 work here at all, unconfined?  Kernels built without
 * IA32 emulation answer it with SIGSEGV. */
static bool has_i386_entry(void)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);	/* not ASan's report */
		_exit(i386_getpid());
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(i386_refused)
{
#ifndef __x86_64__
	SKIP("the i386 entry is x86_64's");
#endif
	if (!has_i386_entry())
		SKIP("this kernel has no i386 entry (no IA32 emulation)");
	EXPECT(SANDBOX_ENGINE, NULL, i386_getpid, KILLED, 0);
	EXPECT(SANDBOX_MAILER, NULL, i386_getpid, KILLED, 0);
}

TEST(resolver_works)
{
	int err;

	CHECK_INT(attempt(SANDBOX_RESOLVER, NULL, resolver_work, &err), ALLOWED);
}

TEST(resolver_refuses)
{
	/* Landlock: nothing outside /etc, /usr and the libraries. */
	EXPECT(SANDBOX_RESOLVER, NULL, open_tmp_read, REFUSED, EACCES);
	/* seccomp: no role opens a file for writing. */
	EXPECT(SANDBOX_RESOLVER, NULL, open_tmp_write, KILLED, 0);
	EXPECT(SANDBOX_RESOLVER, NULL, create_in_tmp, KILLED, 0);
	EXPECT(SANDBOX_RESOLVER, NULL, exec_true, KILLED, 0);
	EXPECT(SANDBOX_RESOLVER, NULL, socket_packet, KILLED, 0);
	EXPECT(SANDBOX_RESOLVER, NULL, socket_netlink, KILLED, 0);
	EXPECT(SANDBOX_RESOLVER, NULL, mount_tmpfs, KILLED, 0);
	EXPECT(SANDBOX_RESOLVER, NULL, mmap_exec, KILLED, 0);
	EXPECT(SANDBOX_RESOLVER, NULL, kill_parent, KILL_OTHERS);
	EXPECT(SANDBOX_RESOLVER, NULL, unshare_user, KILLED, 0);
}

TEST(resolver_refuses_ptrace_fork)
{
	SKIP_IN_SAN("LeakSanitizer's tracer needs ptrace and clone");
	EXPECT(SANDBOX_RESOLVER, NULL, ptrace_me, KILLED, 0);
	EXPECT(SANDBOX_RESOLVER, NULL, fork_child, KILLED, 0);
}

TEST(mailer_works)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int lfd = socket(AF_INET, SOCK_STREAM, 0), err;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	      listen(lfd, 4) == 0 &&
	      getsockname(lfd, (struct sockaddr *)&sin, &len) == 0);
	tcp_port = ntohs(sin.sin_port);
	CHECK_INT(attempt(SANDBOX_MAILER, NULL, mailer_connect, &err), ALLOWED);
	CHECK_INT(attempt(SANDBOX_MAILER, &cat_opts, mailer_run_cat, &err),
		  ALLOWED);
	close(lfd);
}

TEST(mailer_refuses)
{
	/* Without MailCommand: no program at all. */
	EXPECT(SANDBOX_MAILER, NULL, exec_true, KILLED, 0);
	/* With it: that program only (Landlock). */
	EXPECT(SANDBOX_MAILER, &cat_opts, exec_sh, REFUSED, EACCES);
	EXPECT(SANDBOX_MAILER, &cat_opts, exec_true, REFUSED, EACCES);
	EXPECT(SANDBOX_MAILER, &cat_opts, open_tmp_write, KILLED, 0);
	EXPECT(SANDBOX_MAILER, &cat_opts, open_tmp_read, REFUSED, EACCES);
	EXPECT(SANDBOX_MAILER, NULL, open_tmp_read, REFUSED, EACCES);
	EXPECT(SANDBOX_MAILER, NULL, open_tmp_write, KILLED, 0);
	EXPECT(SANDBOX_MAILER, NULL, create_in_tmp, KILLED, 0);
	EXPECT(SANDBOX_MAILER, NULL, socket_packet, KILLED, 0);
	EXPECT(SANDBOX_MAILER, NULL, mount_tmpfs, KILLED, 0);
	EXPECT(SANDBOX_MAILER, NULL, mmap_exec, KILLED, 0);
	EXPECT(SANDBOX_MAILER, NULL, unshare_user, KILLED, 0);
	EXPECT(SANDBOX_MAILER, &cat_opts, unshare_user, KILLED, 0);
	EXPECT(SANDBOX_MAILER, &cat_opts, clone_newuser, KILLED, 0);
}

TEST(mailer_refuses_ptrace_fork)
{
	SKIP_IN_SAN("LeakSanitizer's tracer needs ptrace and clone");
	EXPECT(SANDBOX_MAILER, NULL, fork_child, KILLED, 0);
	EXPECT(SANDBOX_MAILER, NULL, ptrace_me, KILLED, 0);
	EXPECT(SANDBOX_MAILER, &cat_opts, ptrace_me, KILLED, 0);
}

TEST(metrics_works)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int cfd = socket(AF_INET, SOCK_STREAM, 0), err;
	char buf[4];

	metrics_lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(metrics_lfd >= 0 && cfd >= 0 &&
	      bind(metrics_lfd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	      listen(metrics_lfd, 4) == 0 &&
	      getsockname(metrics_lfd, (struct sockaddr *)&sin, &len) == 0 &&
	      connect(cfd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	      write(cfd, "GET ", 4) == 4);
	CHECK_INT(attempt(SANDBOX_METRICS, NULL, metrics_serve, &err), ALLOWED);
	CHECK(read(cfd, buf, sizeof buf) == 4 && memcmp(buf, "200\n", 4) == 0);
	close(cfd);
	close(metrics_lfd);
}

TEST(metrics_refuses)
{
	/* No file, no network socket of its own, nothing to run. */
	EXPECT(SANDBOX_METRICS, NULL, open_tmp_read, READ_OPEN_NONE);
	EXPECT(SANDBOX_METRICS, NULL, open_tmp_write, KILLED, 0);
	EXPECT(SANDBOX_METRICS, NULL, exec_true, KILLED, 0);
	EXPECT(SANDBOX_METRICS, NULL, socket_inet, KILLED, 0);
	EXPECT(SANDBOX_METRICS, NULL, socket_inet6_udp, KILLED, 0);
	EXPECT(SANDBOX_METRICS, NULL, socket_packet, KILLED, 0);
	EXPECT(SANDBOX_METRICS, NULL, socket_netlink, KILLED, 0);
	EXPECT(SANDBOX_METRICS, NULL, mount_tmpfs, KILLED, 0);
	EXPECT(SANDBOX_METRICS, NULL, mmap_exec, KILLED, 0);
	EXPECT(SANDBOX_METRICS, NULL, kill_parent, KILL_OTHERS);
	EXPECT(SANDBOX_METRICS, NULL, unshare_user, KILLED, 0);
}

TEST(metrics_refuses_ptrace_fork)
{
	SKIP_IN_SAN("LeakSanitizer's tracer needs ptrace and clone");
	EXPECT(SANDBOX_METRICS, NULL, ptrace_me, KILLED, 0);
	EXPECT(SANDBOX_METRICS, NULL, fork_child, KILLED, 0);
}

TEST(priv_works)
{
	int err;

	CHECK_INT(attempt(SANDBOX_PRIV, &priv_opts, priv_work, &err), ALLOWED);
	if (!is_root)
		SKIP("not root: no capabilities to keep");
	CHECK_INT(attempt(SANDBOX_PRIV, NULL, priv_caps_kept, &err), ALLOWED);
}

TEST(priv_refuses)
{
	/* Reading is the parent's job (any configuration path); writing,
	 * creating, running, network sockets are not. */
	EXPECT(SANDBOX_PRIV, NULL, open_tmp_write, KILLED, 0);
	EXPECT(SANDBOX_PRIV, NULL, create_in_tmp, KILLED, 0);
	EXPECT(SANDBOX_PRIV, NULL, exec_true, KILLED, 0);
	EXPECT(SANDBOX_PRIV, NULL, socket_inet, KILLED, 0);
	EXPECT(SANDBOX_PRIV, NULL, socket_packet, KILLED, 0);
	EXPECT(SANDBOX_PRIV, NULL, mount_tmpfs, KILLED, 0);
	EXPECT(SANDBOX_PRIV, NULL, mmap_exec, KILLED, 0);
	EXPECT(SANDBOX_PRIV, NULL, unshare_user, KILLED, 0);
	EXPECT(SANDBOX_PRIV, NULL, clone_newuser, KILLED, 0);
	/* The roles it starts widen its filter by what they need, no more:
	 * a resolver needs UDP, nobody needs execve. */
	EXPECT(SANDBOX_PRIV, &priv_opts, socket_inet6_udp, ALLOWED, 0);
	EXPECT(SANDBOX_PRIV, &priv_opts, exec_true, KILLED, 0);
	EXPECT(SANDBOX_PRIV, &priv_opts, open_tmp_write, KILLED, 0);
}

/* With a JsonLog, the parent may open it again to append (and create
 * it), never truncate it or open it to read and write. */
TEST(priv_jsonlog)
{
	static const struct sandbox_opts json = { .json_log = true };

	EXPECT(SANDBOX_PRIV, &json, open_tmp_append, ALLOWED, 0);
	EXPECT(SANDBOX_PRIV, &json, create_tmp_append, ALLOWED, 0);
	EXPECT(SANDBOX_PRIV, &json, open_tmp_append_trunc, KILLED, 0);
	EXPECT(SANDBOX_PRIV, &json, open_tmp_append_rdwr, KILLED, 0);
	EXPECT(SANDBOX_PRIV, &json, open_tmp_write, KILLED, 0);
	EXPECT(SANDBOX_PRIV, NULL, open_tmp_append, KILLED, 0);
}

TEST(priv_refuses_ptrace)
{
	SKIP_IN_SAN("LeakSanitizer's tracer needs ptrace");
	EXPECT(SANDBOX_PRIV, NULL, ptrace_me, KILLED, 0);
}

/* ---- sandbox_enter's report, with a mechanism taken away -------------- */

enum take_away { TAKE_NOTHING, TAKE_LANDLOCK, TAKE_SECCOMP };

/* Play an old kernel: a filter of our own (allowing everything else)
 * makes landlock_create_ruleset fail with ENOSYS, or
 * prctl(PR_GET_SECCOMP) with EINVAL, as a kernel without them does. */
static bool take_away(enum take_away what)
{
	scmp_filter_ctx ctx;
	int rc;

	if (what == TAKE_NOTHING)
		return true;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return false;
	if (what == TAKE_LANDLOCK)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				      SCMP_SYS(landlock_create_ruleset), 0);
	else
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EINVAL),
				      SCMP_SYS(prctl), 1,
				      SCMP_A0(SCMP_CMP_EQ, PR_GET_SECCOMP, 0));
	rc = rc == 0 ? seccomp_load(ctx) : rc;
	seccomp_release(ctx);
	return rc == 0;
}

struct enter_result {
	bool ok;
	struct sandbox_report rep;
	char err[256];
};

static struct enter_result enter_in_child(enum take_away what, bool required)
{
	struct enter_result *shared, res;
	pid_t pid;
	int status;

	shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(&res, 0, sizeof res);
	if (shared == MAP_FAILED)
		return res;
	memset(shared, 0, sizeof *shared);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (!drop_user() || !take_away(what))
			_exit(EXIT_BROKEN);
		shared->ok = sandbox_enter(SANDBOX_RESOLVER, NULL, required,
					   &shared->rep, shared->err,
					   sizeof shared->err);
		_exit(0);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		res = *shared;
	else
		snprintf(res.err, sizeof res.err, "child failed");
	munmap(shared, sizeof *shared);
	return res;
}

TEST(report_everything_applied)
{
	struct enter_result r = enter_in_child(TAKE_NOTHING, true);

	CHECK(r.ok);
	CHECK(r.rep.no_new_privs);
	CHECK(r.rep.seccomp);
	CHECK(r.rep.landlock);
	CHECK(r.rep.landlock_abi >= 1);
	CHECK_STR(r.rep.missing, "");
}

TEST(report_without_landlock)
{
	struct enter_result r = enter_in_child(TAKE_LANDLOCK, false);

	CHECK(r.ok);
	CHECK(r.rep.seccomp);
	CHECK(!r.rep.landlock);
	CHECK_INT(r.rep.landlock_abi, 0);
	CHECK_STR(r.rep.missing, "Landlock: not supported by this kernel");
	r = enter_in_child(TAKE_LANDLOCK, true);
	CHECK(!r.ok);
	CHECK_STR(r.err, "Landlock: not supported by this kernel");
}

TEST(report_without_seccomp)
{
	struct enter_result r = enter_in_child(TAKE_SECCOMP, false);

	CHECK(r.ok);
	CHECK(!r.rep.seccomp);
	CHECK(r.rep.landlock);
	CHECK_STR(r.rep.missing, "seccomp: not supported by this kernel");
	r = enter_in_child(TAKE_SECCOMP, true);
	CHECK(!r.ok);
	CHECK_STR(r.err, "seccomp: not supported by this kernel");
}

/* caps_keep_only(NULL, 0) as root, without changing user: nothing left. */
static int caps_none(void)
{
	char err[256];

	MUST(caps_keep_only(NULL, 0, err, sizeof err));
	MUST(status_is("CapEff", "0000000000000000"));
	MUST(status_is("CapPrm", "0000000000000000"));
	MUST(status_is("CapInh", "0000000000000000"));
	MUST(status_is("CapAmb", "0000000000000000"));
	MUST(status_is("CapBnd", "0000000000000000"));
	MUST(status_is("Uid", "0\t0\t0\t0"));
	return 0;
}

TEST(caps_dropped_as_root)
{
	pid_t pid;
	int err;

	if (!is_root)
		SKIP("not root: no capabilities to drop");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		status_fd = open("/proc/self/status", O_RDONLY);
		_exit(caps_none());
	}
	CHECK_INT(wait_outcome(pid, &err), ALLOWED);
}

/* ---- set-up ----------------------------------------------------------------- */

static bool setup(void)
{
	struct passwd *pw;
	int fd;

	is_root = geteuid() == 0;
	if (is_root) {
		pw = getpwnam("scandetd");
		if (!pw)
			pw = getpwnam("nobody");
		if (!pw)
			return false;
		run_uid = pw->pw_uid;
		run_gid = pw->pw_gid;
	}
	snprintf(tmp_dir, sizeof tmp_dir, "/tmp/test_sandbox.XXXXXX");
	if (!mkdtemp(tmp_dir) || chmod(tmp_dir, 0777) == -1)
		return false;
	/* Open to everyone: only the sandbox may refuse it. */
	snprintf(tmp_file, sizeof tmp_file, "%s/file", tmp_dir);
	fd = open(tmp_file, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd == -1 || fchmod(fd, 0666) == -1)
		return false;
	close(fd);
	return true;
}

static void teardown(void)
{
	char path[128];

	snprintf(path, sizeof path, "%s/new", tmp_dir);
	unlink(path);
	unlink(tmp_file);
	rmdir(tmp_dir);
}

int main(void)
{
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!setup()) {
		printf("test_sandbox: set-up failed: %s\n", strerror(errno));
		return 1;
	}
	RUN(role_names);
	RUN(status_in_every_role);
	RUN(engine_works);
	RUN(engine_refuses);
	RUN(engine_refuses_ptrace);
	RUN(engine_may_start_threads);
	RUN(engine_refuses_fork);
	RUN(x32_refused);
	RUN(i386_refused);
	RUN(resolver_works);
	RUN(resolver_refuses);
	RUN(resolver_refuses_ptrace_fork);
	RUN(mailer_works);
	RUN(mailer_refuses);
	RUN(mailer_refuses_ptrace_fork);
	RUN(metrics_works);
	RUN(metrics_refuses);
	RUN(metrics_refuses_ptrace_fork);
	RUN(priv_works);
	RUN(priv_refuses);
	RUN(priv_jsonlog);
	RUN(priv_refuses_ptrace);
	RUN(report_everything_applied);
	RUN(report_without_landlock);
	RUN(report_without_seccomp);
	RUN(caps_dropped_as_root);
	rc = unit_report(__FILE__);
	teardown();
	return rc;
}
