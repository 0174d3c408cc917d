/*
 * sandbox.c - each process role's seccomp allow-list and Landlock rules,
 * and capability dropping.  See sandbox.h.
 *
 * The lists were built from what each role does and checked with
 * strace -f on the processes of today's daemon (a -r run, a live run
 * with SIGHUP and SIGUSR1, the mailer in plain, STARTTLS and MailCommand
 * modes, the resolver helper) and with tests/unit/test_sandbox.c.
 * Filters stack: a process forked by the parent is held by the parent's
 * filter as well as by its own, so the parent's list also holds the
 * lists of the roles it starts (sandbox_opts.child_roles).
 */
#include "sandbox.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/capability.h>
#include <linux/if_packet.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "landlock.h"
#include "util.h"

/* The sanitizer runtime (make SAN=1) needs calls of its own: see
 * allow_sanitizer(). */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SAN 1
#endif
#endif

#ifndef SOL_PACKET
#define SOL_PACKET 263
#endif

static const char *const role_names[SANDBOX_ROLE_COUNT] = {
	[SANDBOX_PRIV] = "priv",
	[SANDBOX_ENGINE] = "engine",
	[SANDBOX_MAILER] = "mailer",
	[SANDBOX_RESOLVER] = "resolver",
	[SANDBOX_METRICS] = "metrics",
};

const char *sandbox_role_name(enum sandbox_role role)
{
	if ((unsigned)role >= SANDBOX_ROLE_COUNT)
		return "unknown";
	return role_names[role];
}

/* ---- the allow-lists ---------------------------------------------------- */

/* Every role: memory, time, its own descriptors, signals through a
 * signalfd, leaving. */
static const char *const calls_common[] = {
	"read", "readv", "pread64", "write", "writev", "close", "fstat",
	"newfstatat", "lseek", "brk", "munmap", "mremap", "madvise",
	"getrandom", "clock_gettime", "clock_getres", "gettimeofday", "time",
	"nanosleep", "clock_nanosleep", "rt_sigprocmask", "rt_sigreturn",
	"rt_sigaction", "poll", "ppoll", "getpid", "gettid", "getuid",
	"geteuid", "getgid", "getegid", "getresuid", "getresgid",
	"getgroups", "exit", "exit_group", "futex", "restart_syscall",
	"sched_yield", "sendto", "sendmsg", "recvfrom", "recvmsg",
	"getsockopt",
	/* qsort() asks sysconf(_SC_PHYS_PAGES); libcurl too. */
	"sysinfo", "uname",
	NULL
};

/* The packet process: no open, no exec, no fork.  Its sockets are the
 * capture (setsockopt: a new capture filter on reload, the ring torn
 * down at exit) and syslog's, which glibc may re-create. */
static const char *const calls_engine[] = {
	"setsockopt", "connect",
	/* The mail sink's close ends the mailer's input; a JsonLog line
	 * the disk cut short is taken back. */
	"shutdown", "ftruncate",
	/* libpcap, when the interface goes away: it looks at its socket
	 * to say so. */
	"getsockname",
	/* A worker thread's start (workers.h): glibc registers it. */
	"set_robust_list", "rseq",
	/* Live, workers wake the detecting thread through an eventfd. */
	"eventfd2",
	NULL
};

/* The metrics process: libmicrohttpd in external epoll mode on the
 * listening socket the parent bound, one thread, no files. */
static const char *const calls_metrics[] = {
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "accept4",
	"accept", "shutdown", "setsockopt", "getsockname", "getpeername",
	/* syslog(3) may re-create its socket */
	"connect",
	NULL
};

/* Name lookups: NSS reads files, maps modules, asks nscd and DNS. */
static const char *const calls_lookup[] = {
	"access", "faccessat2", "readlink", "statfs", "fstatfs",
	"connect", "bind", "getsockname", "getpeername", "setsockopt",
	"sendmmsg", "shutdown",
	NULL
};

/* The mailer: libcurl (its resolver thread, a socketpair to wake its
 * poll) and OpenSSL. */
static const char *const calls_mailer[] = {
	"socketpair", "pipe2", "eventfd2", "set_robust_list", "rseq",
	"prlimit64", "getdents64", "kill", "wait4",
	NULL
};

/* MailCommand: the mailer forks and runs it, and the command runs under
 * this filter as well. */
static const char *const calls_mail_command[] = {
	"execve", "dup2", "dup3", "close_range", "arch_prctl",
	"set_tid_address", "fadvise64", "getppid", "getcwd", "chdir",
	"umask", "getpgrp", "getpgid", "setpgid", "getsid", "sigaltstack",
	"fchdir", "fcntl", "ioctl", "pipe", "getrlimit",
	NULL
};

/* The parent: configuration and secrets (read-only opens, see
 * allow_priv_open), sealed memfds, descriptors over its sockets, its
 * children (fork, reap, signal), and what a child does between fork
 * and its own sandbox_enter: become the user, drop capabilities, stack
 * its own Landlock and seccomp. */
static const char *const calls_priv[] = {
	"memfd_create", "socketpair", "connect", "getsockname",
	"getpeername", "setsockopt", "shutdown", "wait4", "waitid", "kill",
	"tgkill", "signalfd4", "unlink", "unlinkat", "set_robust_list",
	"rseq", "setgroups", "setresuid", "setresgid", "setuid", "setgid",
	"capget", "capset", "seccomp", "landlock_create_ruleset",
	"landlock_add_rule", "landlock_restrict_self", "dup2", "dup3",
	"close_range", "getdents64", "prlimit64", "getppid", "access",
	"faccessat2", "readlink", "pipe2", "set_tid_address",
	NULL
};

/* libseccomp's rule errors are negative errno values. */
struct filter {
	scmp_filter_ctx ctx;
	int rc;			/* the first error, 0 while none */
	const char *what;	/* the rule that failed */
};

static void note(struct filter *f, int rc, const char *what)
{
	if (rc < 0 && f->rc == 0) {
		f->rc = rc;
		f->what = what;
	}
}

static void allow_names(struct filter *f, const char *const *names)
{
	for (; *names; names++) {
		int nr = seccomp_syscall_resolve_name(*names);

		/* Not every architecture has every call ("time"). */
		if (nr == __NR_SCMP_ERROR)
			continue;
		note(f, seccomp_rule_add(f->ctx, SCMP_ACT_ALLOW, nr, 0), *names);
	}
}

static void allow_if(struct filter *f, int nr, const char *what,
		     unsigned count, struct scmp_arg_cmp a,
		     struct scmp_arg_cmp b)
{
	note(f, seccomp_rule_add(f->ctx, SCMP_ACT_ALLOW, nr, count, a, b),
	     what);
}

#define ARG_EQ(n, v)		SCMP_CMP((n), SCMP_CMP_EQ, (scmp_datum_t)(v), 0)
#define ARG_MASKED(n, m, v)	SCMP_CMP((n), SCMP_CMP_MASKED_EQ,	\
					 (scmp_datum_t)(m), (scmp_datum_t)(v))
/* An unused second comparison. */
#define ARG_NONE		ARG_EQ(0, 0)

/* Sockets of these families only; in the engine, datagram UNIX only. */
static void allow_socket(struct filter *f, bool datagram_unix_only)
{
	static const int families[] = { AF_UNIX, AF_INET, AF_INET6 };
	size_t i;

	if (datagram_unix_only) {
		/* The type's low bits; SOCK_CLOEXEC, SOCK_NONBLOCK above. */
		allow_if(f, SCMP_SYS(socket), "socket", 2, ARG_EQ(0, AF_UNIX),
			 ARG_MASKED(1, 0xf, SOCK_DGRAM));
		return;
	}
	for (i = 0; i < sizeof families / sizeof families[0]; i++)
		allow_if(f, SCMP_SYS(socket), "socket", 1,
			 ARG_EQ(0, families[i]), ARG_NONE);
}

/* Memory that is never executable; with exec_files, executable memory
 * too, but only mapped from a file (the libraries a lookup loads) and
 * never writable at the same time. */
static void allow_mmap(struct filter *f, bool exec_files)
{
	allow_if(f, SCMP_SYS(mmap), "mmap", 1, ARG_MASKED(2, PROT_EXEC, 0),
		 ARG_NONE);
	allow_if(f, SCMP_SYS(mprotect), "mprotect", 1,
		 ARG_MASKED(2, PROT_EXEC, 0), ARG_NONE);
	if (exec_files)
		allow_if(f, SCMP_SYS(mmap), "mmap", 2,
			 ARG_MASKED(2, PROT_EXEC | PROT_WRITE, PROT_EXEC),
			 ARG_MASKED(3, MAP_ANONYMOUS, 0));
}

/* Namespaces could be made without any privilege (CLONE_NEWUSER). */
#define CLONE_NS_FLAGS (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |	\
			CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |	\
			CLONE_NEWNET)

/* clone() tells threads (CLONE_THREAD) from processes by its flags,
 * which are its first argument on x86_64 and arm64.  clone3() passes
 * them in memory, out of the filter's reach: it fails with ENOSYS, and
 * glibc falls back to clone(). */
static void allow_clone(struct filter *f, bool threads, bool processes)
{
	if (threads)
		allow_if(f, SCMP_SYS(clone), "clone", 1,
			 ARG_MASKED(0, CLONE_THREAD | CLONE_NS_FLAGS,
				    CLONE_THREAD), ARG_NONE);
	if (processes)
		allow_if(f, SCMP_SYS(clone), "clone", 1,
			 ARG_MASKED(0, CLONE_THREAD | CLONE_NS_FLAGS, 0),
			 ARG_NONE);
}

static void allow_fcntl(struct filter *f)
{
	static const int cmds[] = {
		F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC };
	size_t i;

	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		allow_if(f, SCMP_SYS(fcntl), "fcntl", 1, ARG_EQ(1, cmds[i]),
			 ARG_NONE);
}

/* Signals to itself only (abort(), raise()). */
static void allow_self_signal(struct filter *f)
{
	allow_if(f, SCMP_SYS(tgkill), "tgkill", 1, ARG_EQ(0, getpid()),
		 ARG_NONE);
}

/* Opens that cannot write or create.  No role writes a file by name:
 * the parent reads what it likes (its capabilities include
 * CAP_DAC_READ_SEARCH), but as uid 0 it could still write every file
 * root owns; the resolver and the mailer read what lookups and OpenSSL
 * read (Landlock says where). */
static void allow_read_open(struct filter *f)
{
	allow_if(f, SCMP_SYS(openat), "openat", 1,
		 ARG_MASKED(2, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY),
		 ARG_NONE);
}

static void rules_engine(struct filter *f)
{
	allow_names(f, calls_engine);
	allow_socket(f, true);
	allow_mmap(f, false);
	/* Workers (workers.h): threads, started in the sandbox. */
	allow_clone(f, true, false);
	allow_fcntl(f);
	/* libpcap asks whether the interface is still up (SIOCGIFFLAGS)
	 * and what it is called, when packets stop: questions only. */
	allow_if(f, SCMP_SYS(ioctl), "ioctl", 1, ARG_EQ(1, SIOCGIFFLAGS),
		 ARG_NONE);
	allow_if(f, SCMP_SYS(ioctl), "ioctl", 1, ARG_EQ(1, SIOCGIFINDEX),
		 ARG_NONE);
	allow_if(f, SCMP_SYS(ioctl), "ioctl", 1, ARG_EQ(1, SIOCGIFNAME),
		 ARG_NONE);
	/* A reload's text comes as a sealed memfd: checked before read. */
	allow_if(f, SCMP_SYS(fcntl), "fcntl", 1, ARG_EQ(1, F_GET_SEALS),
		 ARG_NONE);
	allow_self_signal(f);
}

/* Refusals that are errors, not kills; only in the role's own filter,
 * since the parent's filter (which holds the roles it starts) allows
 * some of these for itself. */
static void refusals(struct filter *f, enum sandbox_role role)
{
	/* libpcap's pcap_stats() opens /sys/class/net/IF/statistics/...
	 * for the interface's drop counters: refused, it counts 0 and goes
	 * on.  Every other open is refused the same way, by Landlock too. */
	bool refuse_open = role == SANDBOX_ENGINE;

#ifdef SANDBOX_SAN
	/* make SAN=1: the runtime reads /proc/self/maps (allow_sanitizer);
	 * Landlock still refuses every other path with the same EACCES. */
	refuse_open = false;
#endif
	/* glibc's fallback; see allow_clone(). */
	note(f, seccomp_rule_add(f->ctx, SCMP_ACT_ERRNO(ENOSYS),
				 SCMP_SYS(clone3), 0), "clone3");
	if (refuse_open)
		note(f, seccomp_rule_add(f->ctx, SCMP_ACT_ERRNO(EACCES),
					 SCMP_SYS(openat), 0), "openat");
	/* A reload whose CaptureFilter names a host makes pcap_compile()
	 * ask DNS: refused, the reload fails and says why; it must not
	 * kill the packet process. */
	if (role == SANDBOX_ENGINE) {
		/* DNS, the AI_ADDRCONFIG check (netlink), nscd (a UNIX
		 * stream socket): every way getaddrinfo() tries. */
		static const int domains[] = { AF_INET, AF_INET6, AF_NETLINK };

		for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++)
			note(f, seccomp_rule_add(f->ctx,
						 SCMP_ACT_ERRNO(EACCES),
						 SCMP_SYS(socket), 1,
						 ARG_EQ(0, domains[i])),
			     "socket");
		note(f, seccomp_rule_add(f->ctx, SCMP_ACT_ERRNO(EACCES),
					 SCMP_SYS(socket), 2,
					 ARG_EQ(0, AF_UNIX),
					 ARG_MASKED(1, 0xf, SOCK_STREAM)),
		     "socket");
	}
}

static void rules_metrics(struct filter *f)
{
	allow_names(f, calls_metrics);
	allow_socket(f, true);
	allow_mmap(f, false);
	allow_fcntl(f);
	allow_self_signal(f);
}

static void rules_lookup(struct filter *f)
{
	allow_names(f, calls_lookup);
	allow_read_open(f);
	allow_socket(f, false);
	allow_mmap(f, true);
	allow_fcntl(f);
	allow_self_signal(f);
	allow_if(f, SCMP_SYS(ioctl), "ioctl", 1, ARG_EQ(1, FIONREAD), ARG_NONE);
}

static void rules_mailer(struct filter *f, const struct sandbox_opts *opts)
{
	rules_lookup(f);
	allow_names(f, calls_mailer);
	allow_clone(f, true, opts->mail_command != NULL);
	if (opts->mail_command)
		allow_names(f, calls_mail_command);
}

static void allow_priv_prctl(struct filter *f)
{
	static const int ops[] = {
		PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_CAP_AMBIENT,
		PR_CAPBSET_READ, PR_CAPBSET_DROP, PR_GET_SECCOMP,
		PR_SET_SECCOMP, PR_SET_PDEATHSIG, PR_SET_NAME,
		PR_GET_DUMPABLE, PR_SET_DUMPABLE };
	size_t i;

	for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
		allow_if(f, SCMP_SYS(prctl), "prctl", 1, ARG_EQ(0, ops[i]),
			 ARG_NONE);
}

static void add_role_rules(struct filter *f, enum sandbox_role role,
			   const struct sandbox_opts *opts);

/* JsonLog reopened after a rotation: opened to append, or created;
 * never truncated, never opened for reading and writing. */
static void allow_append_open(struct filter *f)
{
	static const char *const calls[] = {
		"setfsgid", "fchmod", "fchown", NULL
	};

	allow_if(f, SCMP_SYS(openat), "openat", 1,
		 ARG_MASKED(2, O_ACCMODE | O_TRUNC | O_APPEND,
			    O_WRONLY | O_APPEND),
		 ARG_NONE);
	allow_names(f, calls);
}

static void rules_priv(struct filter *f, const struct sandbox_opts *opts)
{
	int r;

	allow_names(f, calls_priv);
	allow_socket(f, true);
	/* getpwnam() through nss-systemd, nscd: stream UNIX sockets. */
	allow_if(f, SCMP_SYS(socket), "socket", 2, ARG_EQ(0, AF_UNIX),
		 ARG_MASKED(1, 0xf, SOCK_STREAM));
	allow_mmap(f, true);
	allow_fcntl(f);
	allow_if(f, SCMP_SYS(fcntl), "fcntl", 1, ARG_EQ(1, F_ADD_SEALS),
		 ARG_NONE);
	allow_if(f, SCMP_SYS(fcntl), "fcntl", 1, ARG_EQ(1, F_GET_SEALS),
		 ARG_NONE);
	allow_clone(f, false, true);
	allow_read_open(f);
	if (opts->json_log)
		allow_append_open(f);
	allow_priv_prctl(f);
	for (r = 0; r < SANDBOX_ROLE_COUNT; r++)
		if (r != SANDBOX_PRIV && (opts->child_roles & (1u << r)))
			add_role_rules(f, (enum sandbox_role)r, opts);
}

#ifdef SANDBOX_SAN
/* make SAN=1 only: AddressSanitizer's LeakSanitizer runs at exit and
 * stops the world with a tracer (a clone without CLONE_THREAD that
 * ptraces every thread after reading /proc/self/task), and every report
 * reads /proc/self/maps.  Without these a leak check or an error report
 * would die with SIGSYS instead of saying what went wrong.  The tests
 * that expect ptrace, fork or open to be refused are skipped there. */
static void allow_sanitizer(struct filter *f)
{
	static const char *const calls_san[] = {
		"ptrace", "wait4", "waitid", "prctl", "sigaltstack",
		"getdents64", "readlink", "sched_getaffinity",
		"getppid", "kill", "tgkill", "mincore", "set_robust_list",
		"rseq", "arch_prctl", "set_tid_address", "prlimit64",
		"getrlimit", "dup", "dup2", "pipe2", "pipe", "getdents", "stat",
		"lstat", "access",
		NULL
	};

	allow_names(f, calls_san);
	allow_read_open(f);
	/* The runtime's own open() is the old system call, not openat. */
	allow_if(f, SCMP_SYS(open), "open", 1,
		 ARG_MASKED(1, O_ACCMODE | O_CREAT | O_TRUNC, O_RDONLY),
		 ARG_NONE);
	allow_clone(f, true, true);
	allow_mmap(f, true);
}
#endif

static void add_role_rules(struct filter *f, enum sandbox_role role,
			   const struct sandbox_opts *opts)
{
	allow_names(f, calls_common);
	/* stdio asks whether stdout is a terminal (isatty: TCGETS). */
	allow_if(f, SCMP_SYS(ioctl), "ioctl", 1, ARG_EQ(1, TCGETS), ARG_NONE);
	switch (role) {
	case SANDBOX_PRIV:
		rules_priv(f, opts);
		break;
	case SANDBOX_ENGINE:
		rules_engine(f);
		break;
	case SANDBOX_MAILER:
		rules_mailer(f, opts);
		break;
	case SANDBOX_RESOLVER:
		rules_lookup(f);
		break;
	case SANDBOX_METRICS:
		rules_metrics(f);
		break;
	case SANDBOX_ROLE_COUNT:
		break;
	}
}

/* ---- seccomp -------------------------------------------------------- */

/* Only the native architecture passes (libseccomp's default): an i386
 * or x32 system call from an x86_64 process kills it too. */
static bool load_seccomp(enum sandbox_role role,
			 const struct sandbox_opts *opts, char *err,
			 size_t errlen)
{
	struct filter f = { .ctx = seccomp_init(SCMP_ACT_KILL_PROCESS) };
	int rc;

	if (!f.ctx) {
		/* Not only memory: libseccomp also refuses where it cannot
		 * ask the kernel (valgrind does not pass seccomp(2) on). */
		set_err(err, errlen, "seccomp: libseccomp cannot make a "
			"filter here (out of memory, or no seccomp(2): under "
			"valgrind, for one)");
		return false;
	}
	note(&f, seccomp_attr_set(f.ctx, SCMP_FLTATR_ACT_BADARCH,
				  SCMP_ACT_KILL_PROCESS), "bad arch");
	add_role_rules(&f, role, opts);
	refusals(&f, role);
#ifdef SANDBOX_SAN
	allow_sanitizer(&f);
#endif
	if (f.rc != 0) {
		set_err(err, errlen, "seccomp: rule for %s: %s", f.what,
			strerror(-f.rc));
		seccomp_release(f.ctx);
		return false;
	}
	rc = seccomp_load(f.ctx);
	seccomp_release(f.ctx);
	if (rc < 0) {
		set_err(err, errlen, "seccomp: cannot load the filter: %s",
			strerror(-rc));
		return false;
	}
	return true;
}

/* ---- Landlock --------------------------------------------------------- */

/* Where name lookups read: configuration, libraries (NSS modules), and
 * wherever /etc/resolv.conf points (systemd-resolved: /run/...). */
#define LOOKUP_READS							\
	{ "/etc", LL_READ }, { "/usr", LL_READ }, { "/lib", LL_READ },	\
	{ "/lib64", LL_READ }, { "/run/systemd/resolve", LL_READ },	\
	{ "/run/resolvconf", LL_READ }

/* The ELF interpreter and libraries a MailCommand needs: executing a
 * program also needs EXECUTE on its interpreter.  Not /usr/bin: the
 * command is the only program. */
#define LIB_EXECUTES							\
	{ "/usr/lib", LL_EXECUTE }, { "/usr/lib64", LL_EXECUTE },	\
	{ "/lib", LL_EXECUTE }, { "/lib64", LL_EXECUTE }

static bool landlock_role(enum sandbox_role role,
			  const struct sandbox_opts *opts, int abi,
			  char *err, size_t errlen)
{
	static const uint16_t dns_port[] = { 53 };
	struct landlock_rule rules[16];
	struct landlock_net net = { .handle_connect = true };
	size_t n = 0;

	if (role == SANDBOX_RESOLVER) {
		const struct landlock_rule lookup[] = { LOOKUP_READS };

		memcpy(rules, lookup, sizeof lookup);
		n = sizeof lookup / sizeof lookup[0];
		/* DNS over TCP, for answers too long for UDP. */
		net.connect_ports = dns_port;
		net.nports = 1;
	} else if (role == SANDBOX_MAILER) {
		const struct landlock_rule lookup[] = {
			LOOKUP_READS, LIB_EXECUTES };

		memcpy(rules, lookup, sizeof lookup);
		n = sizeof lookup / sizeof lookup[0];
		if (opts->ca_file)
			rules[n++] = (struct landlock_rule){
				opts->ca_file, LL_READ };
		if (opts->mail_command)
			rules[n++] = (struct landlock_rule){
				opts->mail_command, LL_READ | LL_EXECUTE };
		if (opts->mail_interpreter)
			rules[n++] = (struct landlock_rule){
				opts->mail_interpreter, LL_READ | LL_EXECUTE };
		/* The relay's port is the configuration's: any. */
		net.handle_connect = false;
	}
#ifdef SANDBOX_SAN
	/* See allow_sanitizer(): reports read /proc/self/maps. */
	rules[n++] = (struct landlock_rule){ "/proc", LL_READ };
#endif
	return landlock_confine(abi, rules, n, &net, err, errlen);
}

/* ---- sandbox_enter ---------------------------------------------------- */

static void add_missing(struct sandbox_report *rep, const char *what)
{
	size_t len = strlen(rep->missing);

	snprintf(rep->missing + len, sizeof rep->missing - len, "%s%s",
		 len ? "; " : "", what);
}

static bool enter_landlock(enum sandbox_role role,
			   const struct sandbox_opts *opts, bool required,
			   struct sandbox_report *rep, char *err,
			   size_t errlen)
{
	static const char unsupported[] =
		"Landlock: not supported by this kernel";
	int abi;

	/* The parent must read configuration files anywhere. */
	if (role == SANDBOX_PRIV)
		return true;
	abi = landlock_abi();
	if (abi <= 0) {
		if (errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL) {
			set_err(err, errlen, "Landlock: %s", strerror(errno));
			return false;
		}
		if (required) {
			set_err(err, errlen, "%s", unsupported);
			return false;
		}
		add_missing(rep, unsupported);
		return true;
	}
	if (!landlock_role(role, opts, abi, err, errlen))
		return false;
	rep->landlock = true;
	rep->landlock_abi = abi;
	return true;
}

static bool no_seccomp_call(void)
{
	uint32_t action = SECCOMP_RET_KILL_PROCESS;

	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) ==
		       -1 && errno == ENOSYS;
}

static bool enter_seccomp(enum sandbox_role role,
			  const struct sandbox_opts *opts, bool required,
			  struct sandbox_report *rep, char *err,
			  size_t errlen)
{
	static const char unsupported[] =
		"seccomp: not supported by this kernel";
	static const char no_call[] =
		"seccomp: no seccomp(2) here (a kernel before 3.17, or "
		"valgrind)";
	/* EINVAL: a kernel built without seccomp.  ENOSYS from seccomp(2),
	 * which libseccomp needs: a kernel before 3.17, or valgrind, which
	 * does not pass the call on (make bench counts instructions under
	 * it). */
	const char *why = NULL;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == -1 && errno == EINVAL)
		why = unsupported;
	else if (no_seccomp_call())
		why = no_call;
	if (why) {
		if (required) {
			set_err(err, errlen, "%s", why);
			return false;
		}
		add_missing(rep, why);
		return true;
	}
	if (!load_seccomp(role, opts, err, errlen))
		return false;
	rep->seccomp = true;
	return true;
}

bool sandbox_enter(enum sandbox_role role, const struct sandbox_opts *opts,
		   bool required, struct sandbox_report *rep, char *err,
		   size_t errlen)
{
	static const struct sandbox_opts none;

	if (!opts)
		opts = &none;
	memset(rep, 0, sizeof *rep);
	if ((unsigned)role >= SANDBOX_ROLE_COUNT) {
		set_err(err, errlen, "sandbox: unknown role %d", (int)role);
		return false;
	}
	/* glibc loads the time zone on the first gmtime_r()/localtime_r()
	 * (a JSON time stamp, a syslog line): load it while open() works. */
	tzset();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		set_err(err, errlen, "no_new_privs: %s", strerror(errno));
		return false;
	}
	rep->no_new_privs = true;
	if (!enter_landlock(role, opts, required, rep, err, errlen))
		return false;
	/* Last: the filter would refuse what Landlock needs. */
	return enter_seccomp(role, opts, required, rep, err, errlen);
}

/* ---- capabilities ------------------------------------------------------ */

static bool kept(int cap, const int *keep, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (keep[i] == cap)
			return true;
	return false;
}

/* Out of the bounding set too, so that no execve() of a file with
 * capabilities gets them back; needs CAP_SETPCAP, which a process that
 * has already given up root lacks: then there is nothing to drop. */
static void drop_bounding(const int *keep, size_t n)
{
	int cap;

	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!kept(cap, keep, n))
			(void)prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
}

bool caps_keep_only(const int *keep, size_t n, char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	size_t i;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL) {
		set_err(err, errlen, "capabilities: clearing the ambient "
			"set: %s", strerror(errno));
		return false;
	}
	drop_bounding(keep, n);
	memset(data, 0, sizeof data);
	for (i = 0; i < n; i++) {
		if (keep[i] < 0 || keep[i] >= 64) {
			set_err(err, errlen, "capabilities: no capability %d",
				keep[i]);
			return false;
		}
		data[keep[i] / 32].effective |= 1u << (keep[i] % 32);
	}
	data[0].permitted = data[0].effective;
	data[1].permitted = data[1].effective;
	/* Inheritable stays empty. */
	if (syscall(SYS_capset, &hdr, data) == -1) {
		set_err(err, errlen, "capabilities: %s", strerror(errno));
		return false;
	}
	return true;
}
