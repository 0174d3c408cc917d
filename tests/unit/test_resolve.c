/*
 * test_resolve.c - host and service names: the sanitiser with hostile
 * names, the services table, and the resolver end to end (a real helper
 * process, started through proc_start as the parent starts it) and
 * against a fake helper played by the test, which sends
 * exactly the bytes it wants.
 *
 * Needs /etc/services (the netbase package on Debian) and 127.0.0.1
 * named "localhost" in /etc/hosts.  Talks to no network: the only lookups
 * are the helper's own getnameinfo() calls.
 */
#include <sys/socket.h>
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

#include "resolve.h"
#include "unit.h"

#define SEC 1000000ULL
/* Packet time of the first lookups: any time will do. */
#define T0 (1700000000ULL * SEC)

/* ---- helpers ------------------------------------------------------------ */

static struct ipaddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	const uint8_t raw[4] = { a, b, c, d };
	struct ipaddr ip;

	addr_from_v4(&ip, raw);
	return ip;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Read answers until a is no longer pending or ms have passed.  false on
 * timeout or when resolver_read fails. */
static bool wait_for_answer(struct resolver *r, const struct ipaddr *a,
			    int ms)
{
	uint64_t deadline = mono_ns() + (uint64_t)ms * 1000000ULL;
	struct pollfd pfd = { .fd = resolver_fd(r), .events = POLLIN };

	while (resolver_pending(r, a)) {
		uint64_t now = mono_ns();

		if (now >= deadline)
			return false;
		if (poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1) < 0
		    && errno != EINTR)
			return false;
		if (resolver_read(r) < 0)
			return false;
	}
	return true;
}

/* The helper is the test's only child while a resolver runs. */
static pid_t helper_pid(void)
{
	char path[64];
	long pid = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/self/task/%d/children",
		 (int)getpid());
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = -1;
	fclose(f);
	return (pid_t)pid;
}

/* The value of "Name:" in /proc/PID/status, tabs and all. */
static bool proc_status_field(pid_t pid, const char *name, char *out,
			      size_t outlen)
{
	char path[64], line[256];
	size_t n = strlen(name);
	bool found = false;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof line, f)) {
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			snprintf(out, outlen, "%s", line + n + 1);
			out[strcspn(out, "\n")] = '\0';
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* The helper's descriptors as a bit set of fd numbers below 64, or
 * ~0 if it has one at 64 or above. */
static uint64_t proc_fds(pid_t pid)
{
	char path[64];
	uint64_t set = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return ~0ULL;
	while ((de = readdir(d)) != NULL) {
		long fd;

		if (de->d_name[0] == '.')
			continue;
		fd = strtol(de->d_name, NULL, 10);
		set = fd < 64 ? set | 1ULL << fd : ~0ULL;
	}
	closedir(d);
	return set;
}

static bool no_children_left(void)
{
	return waitpid(-1, NULL, WNOHANG) == -1 && errno == ECHILD;
}

/* A resolver with its real helper, started as the parent will start it:
 * resolver_proc_start, then the cache around the descriptor. */
static struct resolver *real_resolver(struct proc *p, const char *user,
				      unsigned cache_size)
{
	char err[256] = "";
	struct resolver *r;

	if (!resolver_proc_start(user, false, p, err, sizeof err)) {
		printf("resolver_proc_start: %s\n", err);
		return NULL;
	}
	r = resolver_from_fd(p->fd, cache_size);
	p->fd = -1;			/* the resolver's now */
	if (r == NULL)
		proc_stop(p, 0, NULL);
	return r;
}

static void stop_real(struct resolver *r, struct proc *p)
{
	resolver_free(r);
	proc_stop(p, PROC_STOP_GRACE_MS, NULL);
}

/* Timings of lookups of new addresses. */
struct fill_result {
	unsigned lookups;
	uint64_t mean_ns, worst_ns;
	bool full;
};

/* Look up new addresses net.x.y.z, timing every call, until 200 in a row
 * were not sent: the socket is full (a slot collision now and then cannot
 * do that), or max lookups. */
static struct fill_result fill_socket(struct resolver *r, uint8_t net,
				      unsigned max)
{
	struct fill_result res = { 0, 0, 0, false };
	struct resolver_stats st;
	uint64_t total = 0, last_sent = 0;
	unsigned i, unsent = 0;

	for (i = 0; i < max && unsent < 200; i++) {
		struct ipaddr a = v4(net, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
				     (uint8_t)i);
		uint64_t t = mono_ns();

		resolver_lookup(r, &a, T0);
		t = mono_ns() - t;
		total += t;
		res.worst_ns = t > res.worst_ns ? t : res.worst_ns;
		resolver_stats(r, &st);
		unsent = st.sent == last_sent ? unsent + 1 : 0;
		last_sent = st.sent;
	}
	res.lookups = i;
	res.mean_ns = i ? total / i : 0;
	res.full = unsent >= 200;
	printf("  %u lookups: mean %llu ns, worst %llu ns, sent %llu\n", i,
	       (unsigned long long)res.mean_ns,
	       (unsigned long long)res.worst_ns, (unsigned long long)last_sent);
	return res;
}

/* ---- the fake helper ---------------------------------------------------- */

static struct resolver *fake_resolver(int *peer, unsigned cache_size)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return NULL;
	*peer = sv[1];
	return resolver_from_fd(sv[0], cache_size);
}

static void make_answer(struct resolve_answer *m, const struct ipaddr *a,
			uint8_t status, const char *name)
{
	memset(m, 0, sizeof *m);
	m->type = RESOLVE_MSG_ANSWER;
	memcpy(m->addr, a->b, sizeof m->addr);
	m->status = status;
	if (name)
		snprintf(m->name, sizeof m->name, "%s", name);
}

static bool fake_answer(int peer, const struct ipaddr *a, uint8_t status,
			const char *name)
{
	struct resolve_answer m;

	make_answer(&m, a, status, name);
	return send(peer, &m, sizeof m, 0) == (ssize_t)sizeof m;
}

/* The next message on the fake helper's side is exactly a request for a. */
static bool fake_got_request(int peer, const struct ipaddr *a)
{
	uint8_t buf[sizeof(struct resolve_request) + 1];
	ssize_t n = recv(peer, buf, sizeof buf, MSG_DONTWAIT);

	return n == (ssize_t)sizeof(struct resolve_request) &&
	       buf[0] == RESOLVE_MSG_REQUEST &&
	       memcmp(buf + 1, a->b, 16) == 0;
}

static bool fake_nothing_sent(int peer)
{
	uint8_t buf[64];

	return recv(peer, buf, sizeof buf, MSG_DONTWAIT) == -1 &&
	       errno == EAGAIN;
}

/* ---- hostname_sanitise -------------------------------------------------- */

static bool sanitised_to(const char *in, const char *want)
{
	char out[HOSTNAME_MAX];

	return hostname_sanitise(in, out, sizeof out) &&
	       strcmp(out, want) == 0;
}

/* Refused, and out is left as an empty string. */
static bool refused(const char *in)
{
	char out[HOSTNAME_MAX];

	memset(out, 'X', sizeof out);
	return !hostname_sanitise(in, out, sizeof out) && out[0] == '\0';
}

/* n bytes of labels "aaa...a." of 63 letters, ending in a letter. */
static void long_name(char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = (i % 64 == 63) ? '.' : 'a';
	if (n > 0 && buf[n - 1] == '.')
		buf[n - 1] = 'b';
	buf[n] = '\0';
}

TEST(sanitise_accepts_plain_names)
{
	CHECK(sanitised_to("host.example", "host.example"));
	CHECK(sanitised_to("localhost", "localhost"));
	CHECK(sanitised_to("Mail-2.Example.ORG", "Mail-2.Example.ORG"));
	CHECK(sanitised_to("_dmarc.example", "_dmarc.example"));
	CHECK(sanitised_to("xn--bcher-kva.example", "xn--bcher-kva.example"));
	CHECK(sanitised_to("a", "a"));
}

TEST(sanitise_refuses_injection)
{
	CHECK(refused("evil.example\r\nX-Header: y"));
	CHECK(refused("evil.example\n"));
	CHECK(refused("evil.example\r"));
	CHECK(refused("%s%n"));
	CHECK(refused("host%2e.example"));
	CHECK(refused("two words.example"));
	CHECK(refused("tab\t.example"));
	CHECK(refused("\"quoted\".example"));
	CHECK(refused("back\\slash.example"));
	CHECK(refused("html<b>.example"));
	CHECK(refused("semi;colon.example"));
	CHECK(refused("path/evil.example"));
	CHECK(refused("esc\x1b[31m.example"));
	CHECK(refused("del\x7f.example"));
	CHECK(refused("bell\x07.example"));
}

TEST(sanitise_length_limits)
{
	char name[400];
	char label[80];

	long_name(name, 300);
	CHECK(refused(name));
	long_name(name, HOSTNAME_MAX - 1);		/* 253: the limit */
	CHECK(sanitised_to(name, name));
	long_name(name, HOSTNAME_MAX);			/* 254 */
	CHECK(refused(name));
	long_name(name, HOSTNAME_MAX - 1);		/* 253 + root dot */
	strcat(name, ".");
	{
		char want[HOSTNAME_MAX];

		long_name(want, HOSTNAME_MAX - 1);
		CHECK(sanitised_to(name, want));
	}
	memset(label, 'a', 63);
	strcpy(label + 63, ".example");
	CHECK(sanitised_to(label, label));		/* 63-byte label */
	memset(label, 'a', 64);
	strcpy(label + 64, ".example");
	CHECK(refused(label));				/* 64-byte label */
}

TEST(sanitise_empty_and_dots)
{
	CHECK(refused(""));
	CHECK(refused("."));
	CHECK(refused(".."));
	CHECK(refused(".host.example"));
	CHECK(refused("host..example"));
	CHECK(refused("host.example.."));
	CHECK(sanitised_to("host.example.", "host.example"));
	CHECK(refused(NULL));
}

TEST(sanitise_refuses_addresses)
{
	CHECK(refused("192.0.2.1"));
	CHECK(refused("192.0.2.1."));
	CHECK(refused("127.1"));
	CHECK(refused("0x7f.1"));
	CHECK(refused("0x7f000001"));
	CHECK(refused("3221225985"));
	CHECK(refused("1.2.3.4.5"));
	CHECK(refused("host.123"));
	CHECK(refused("2001:db8::1"));
	CHECK(refused("::ffff:192.0.2.1"));
	/* The address as a prefix of a real domain is that domain's claim. */
	CHECK(sanitised_to("192.0.2.1.example.com", "192.0.2.1.example.com"));
	CHECK(sanitised_to("1.2.0.192.in-addr.arpa", "1.2.0.192.in-addr.arpa"));
	CHECK(sanitised_to("host1", "host1"));
	CHECK(sanitised_to("123host.example", "123host.example"));
}

TEST(sanitise_refuses_non_ascii)
{
	CHECK(refused("h\xc3\xa9llo.example"));		/* UTF-8 e-acute */
	CHECK(refused("\xef\xbb\xbfhost.example"));	/* byte order mark */
	CHECK(refused("host.\xd0\xbf\xd1\x80.example"));/* Cyrillic */
	CHECK(refused("\xc0\xae\xc0\xae"));		/* overlong dots */
	CHECK(refused("\xff"));
}

TEST(sanitise_refuses_hyphen_edges)
{
	CHECK(refused("-rf.example"));
	CHECK(refused("--help"));
	CHECK(refused("host-.example"));
	CHECK(refused("host.-example"));
	CHECK(sanitised_to("a-b.example", "a-b.example"));
}

TEST(sanitise_output_buffer)
{
	char out[16];
	char same[] = "host.example.";

	memset(out, 'X', sizeof out);
	CHECK(!hostname_sanitise("host.example", out, 12));	/* no room for NUL */
	CHECK_INT(out[0], '\0');
	CHECK(hostname_sanitise("host.example", out, 13));
	CHECK_STR(out, "host.example");
	out[0] = 'X';
	CHECK(!hostname_sanitise("host.example", out, 0));
	CHECK_INT(out[0], 'X');				/* outlen 0: untouched */
	CHECK(!hostname_sanitise("host.example", NULL, 10));
	CHECK(hostname_sanitise(same, same, sizeof same));	/* in place */
	CHECK_STR(same, "host.example");
}

/* ---- services ----------------------------------------------------------- */

TEST(services_names)
{
	struct services *s = services_load();

	/* No /etc/services (netbase) is a failure, not a skip. */
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK_STR(services_name(s, 22, 6), "ssh");
	CHECK_STR(services_name(s, 53, 17), "domain");
	CHECK_STR(services_name(s, 53, 6), "domain");
	CHECK_STR(services_name(s, 80, 6), "http");
	CHECK_STR(services_name(s, 1, 6), "tcpmux");
	CHECK(services_name(s, 1, 17) == NULL);		/* 1/ddp is not UDP */
	CHECK(services_name(s, 22, 1) == NULL);		/* not TCP or UDP */
	CHECK(services_name(s, 0, 6) == NULL);
	CHECK(services_name(NULL, 22, 6) == NULL);
	services_free(s);
	services_free(NULL);
}

/* ---- the resolver with its real helper ---------------------------------- */

TEST(resolver_localhost)
{
	struct ipaddr lo = v4(127, 0, 0, 1);
	struct resolver_stats st;
	struct proc p;
	struct resolver *r = real_resolver(&p, NULL, 64);

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK(resolver_lookup(r, &lo, T0) == NULL);	/* miss: queued */
	CHECK(resolver_pending(r, &lo));
	CHECK(wait_for_answer(r, &lo, 5000));
	CHECK(!resolver_pending(r, &lo));
	CHECK_STR(resolver_lookup(r, &lo, T0 + SEC), "localhost");
	resolver_stats(r, &st);
	CHECK_INT(st.sent, 1);
	CHECK_INT(st.answers, 1);
	CHECK_INT(st.misses, 1);
	CHECK_INT(st.hits, 1);
	CHECK_INT(st.negative, 0);
	stop_real(r, &p);
	CHECK(no_children_left());
}

TEST(resolver_negative)
{
	/* Documentation ranges: no PTR anywhere; without a network the
	 * lookup fails at once, with one it is NXDOMAIN. */
	struct ipaddr doc4 = v4(192, 0, 2, 77);
	struct ipaddr doc6;
	struct resolver_stats st;
	struct proc p;
	struct resolver *r = real_resolver(&p, NULL, 64);

	CHECK(r != NULL && addr_parse("2001:db8::77", &doc6));
	if (r == NULL)
		return;
	CHECK(resolver_lookup(r, &doc4, T0) == NULL);
	CHECK(resolver_lookup(r, &doc6, T0) == NULL);
	CHECK(wait_for_answer(r, &doc4, 5000));
	CHECK(wait_for_answer(r, &doc6, 5000));
	CHECK(resolver_lookup(r, &doc4, T0 + SEC) == NULL);	/* negative */
	CHECK(resolver_lookup(r, &doc6, T0 + SEC) == NULL);
	CHECK(!resolver_pending(r, &doc4));			/* not re-asked */
	resolver_stats(r, &st);
	CHECK_INT(st.sent, 2);
	CHECK_INT(st.answers, 2);
	CHECK_INT(st.negative, 2);
	CHECK_INT(st.hits, 2);
	stop_real(r, &p);
}

/* A helper stuck in a lookup (here: stopped) must cost the packet path
 * nothing: every lookup returns at once, and once the socket is full the
 * requests are dropped and counted. */
TEST(resolver_never_waits_for_a_stuck_helper)
{
	struct resolver_stats st;
	struct fill_result res;
	struct proc p;
	struct resolver *r = real_resolver(&p, NULL, 1u << 18);
	siginfo_t si;
	int status = 0;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK(kill(p.pid, SIGSTOP) == 0);
	CHECK(waitid(P_PID, (id_t)p.pid, &si, WSTOPPED | WNOWAIT) == 0);
	res = fill_socket(r, 10, 200000);
	CHECK(res.full);
	CHECK(res.mean_ns < 100000);		/* well under 0.1 ms */
	CHECK(res.worst_ns < 20000000);		/* even when descheduled */
	resolver_stats(r, &st);
	CHECK(st.dropped >= 200);
	/* Stopped, it cannot act on SIGTERM: proc_stop must still end it
	 * (SIGKILL after the grace period) and reap it. */
	resolver_free(r);
	proc_stop(&p, 100, &status);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK(no_children_left());
}

TEST(resolver_helper_exits_when_daemon_goes)
{
	struct proc p;
	struct resolver *r = real_resolver(&p, NULL, 16);
	uint64_t deadline = mono_ns() + 5000000000ULL;
	siginfo_t si;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	/* The daemon's end reads as closed to the helper.  WNOWAIT: the
	 * helper stays for proc_stop to reap. */
	CHECK(shutdown(resolver_fd(r), SHUT_RDWR) == 0);
	memset(&si, 0, sizeof si);
	while (si.si_pid == 0 && mono_ns() < deadline) {
		CHECK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0);
		if (si.si_pid == 0)
			usleep(10000);
	}
	CHECK(si.si_pid != 0);
	CHECK_INT(si.si_code, CLD_EXITED);	/* not killed by a signal */
	CHECK_INT(si.si_status, 0);
	/* A helper gone is not fatal: the resolver is down, no more. */
	CHECK_INT(resolver_read(r), RESOLVER_READ_GONE);
	CHECK(resolver_down(r));
	CHECK_INT(resolver_fd(r), -1);
	stop_real(r, &p);
	CHECK(no_children_left());
}

/* A helper killed (a crash, the sandbox) while lookups wait: the daemon
 * learns it from resolver_read, the waiting lookups are dropped, and the
 * parent can say why. */
TEST(resolver_helper_killed)
{
	struct ipaddr doc = v4(192, 0, 2, 78);
	struct resolver_stats st;
	struct proc p;
	struct resolver *r = real_resolver(&p, NULL, 16);
	char why[256], want[256];
	pid_t pid;
	int status;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	pid = p.pid;
	CHECK(kill(pid, SIGSTOP) == 0);		/* it must not answer */
	CHECK(resolver_lookup(r, &doc, T0) == NULL);
	CHECK(resolver_pending(r, &doc));
	CHECK(kill(pid, SIGKILL) == 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK_INT(resolver_read(r), RESOLVER_READ_GONE);
	CHECK(!resolver_pending(r, &doc));
	CHECK(resolver_down(r));
	CHECK(resolver_lookup(r, &doc, T0) == NULL);	/* not sent */
	resolver_stats(r, &st);
	CHECK_INT(st.sent, 1);
	CHECK_INT(st.dropped, 1);
	CHECK_INT(resolver_read(r), 0);
	CHECK(proc_exited(&p, pid, status, why, sizeof why));
	snprintf(want, sizeof want, "resolver (pid %ld) was killed by "
		 "signal 9 (SIGKILL: Killed)", (long)pid);
	CHECK_STR(why, want);
	resolver_free(r);
	CHECK(no_children_left());
}

static void do_nothing(int sig)
{
	(void)sig;
}

TEST(resolver_helper_is_confined)
{
	struct passwd *pw = getpwnam("nobody");
	struct ipaddr lo = v4(127, 0, 0, 1);
	struct sigaction sa;
	char want[128], got[128];
	struct resolver *r;
	struct proc p;
	int extra = open("/dev/null", O_RDONLY);	/* must not leak */
	pid_t pid;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = do_nothing;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGUSR1, &sa, NULL) == 0);	/* must not be kept */
	CHECK(pw != NULL && geteuid() == 0);
	if (pw == NULL || geteuid() != 0)
		return;
	r = real_resolver(&p, "nobody", 16);
	CHECK(r != NULL);
	if (r == NULL) {
		close(extra);
		return;
	}
	pid = p.pid;
	CHECK_INT(helper_pid(), pid);
	snprintf(want, sizeof want, "\t%u\t%u\t%u\t%u", (unsigned)pw->pw_uid,
		 (unsigned)pw->pw_uid, (unsigned)pw->pw_uid,
		 (unsigned)pw->pw_uid);
	CHECK(proc_status_field(pid, "Uid", got, sizeof got));
	CHECK_STR(got, want);
	snprintf(want, sizeof want, "\t%u\t%u\t%u\t%u", (unsigned)pw->pw_gid,
		 (unsigned)pw->pw_gid, (unsigned)pw->pw_gid,
		 (unsigned)pw->pw_gid);
	CHECK(proc_status_field(pid, "Gid", got, sizeof got));
	CHECK_STR(got, want);
	snprintf(want, sizeof want, "\t%u", (unsigned)pw->pw_gid);
	CHECK(proc_status_field(pid, "Groups", got, sizeof got));
	got[strcspn(got, " ")] = '\0';
	CHECK_STR(got, want);
	CHECK(proc_status_field(pid, "SigCgt", got, sizeof got));
	CHECK_STR(got, "\t0000000000000000");		/* no handlers */
	CHECK_INT(proc_fds(pid), 0xf);			/* 0, 1, 2, socket */
	/* Still able to work as nobody. */
	CHECK(resolver_lookup(r, &lo, T0) == NULL);
	CHECK(wait_for_answer(r, &lo, 5000));
	CHECK_STR(resolver_lookup(r, &lo, T0), "localhost");
	stop_real(r, &p);
	close(extra);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGUSR1, &sa, NULL);
}

TEST(resolver_proc_start_errors)
{
	char err[256] = "";
	struct proc p;

	if (geteuid() == 0) {
		CHECK(!resolver_proc_start("no-such-user-xq7", false, &p, err,
					   sizeof err));
		CHECK(strstr(err, "resolver: ") == err);
		CHECK(strstr(err, "no-such-user-xq7") != NULL);
		CHECK_INT(p.pid, -1);
	}
	CHECK(resolver_from_fd(-1, 0) == NULL);
	CHECK(resolver_from_fd(-1, RESOLVER_CACHE_MAX + 1) == NULL);
	CHECK(no_children_left());
	resolver_free(NULL);
}

/* ---- the resolver against a fake helper --------------------------------- */

TEST(resolver_one_request_per_address)
{
	struct ipaddr a = v4(203, 0, 113, 9);
	struct resolver_stats st;
	int peer = -1;
	struct resolver *r = fake_resolver(&peer, 64);

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK(resolver_lookup(r, &a, T0) == NULL);
	CHECK(resolver_lookup(r, &a, T0 + 1) == NULL);
	CHECK(resolver_lookup(r, &a, T0 + 2) == NULL);
	CHECK(fake_got_request(peer, &a));
	CHECK(fake_nothing_sent(peer));
	CHECK_INT(resolver_read(r), 0);			/* nothing yet */
	CHECK(fake_answer(peer, &a, RESOLVE_OK, "host.example"));
	CHECK_INT(resolver_read(r), 1);
	CHECK_STR(resolver_lookup(r, &a, T0 + 3), "host.example");
	resolver_stats(r, &st);
	CHECK_INT(st.sent, 1);
	CHECK_INT(st.misses, 3);
	CHECK_INT(st.hits, 1);
	resolver_free(r);
	close(peer);
}

TEST(resolver_fake_helper_never_reads)
{
	struct resolver_stats st;
	struct fill_result res;
	uint64_t sent_when_full;
	int peer = -1;
	struct resolver *r = fake_resolver(&peer, 1u << 18);
	unsigned i;

	CHECK(r != NULL);
	if (r == NULL)
		return;
	res = fill_socket(r, 10, 200000);
	CHECK(res.full);
	CHECK(res.mean_ns < 100000);
	CHECK(res.worst_ns < 20000000);
	/* Full: new addresses are dropped, counted, and not left pending. */
	resolver_stats(r, &st);
	sent_when_full = st.sent;
	for (i = 0; i < 100; i++) {
		struct ipaddr a = v4(11, 0, 0, (uint8_t)i);

		CHECK(resolver_lookup(r, &a, T0) == NULL);
		CHECK(!resolver_pending(r, &a));
	}
	resolver_stats(r, &st);
	CHECK_INT(st.sent, sent_when_full);
	CHECK(st.dropped >= 300);
	resolver_free(r);
	close(peer);
}

TEST(resolver_expiry_by_packet_time)
{
	struct ipaddr named = v4(203, 0, 113, 10);
	struct ipaddr unnamed = v4(203, 0, 113, 11);
	int peer = -1;
	struct resolver *r = fake_resolver(&peer, 64);

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK(resolver_lookup(r, &named, T0) == NULL);
	CHECK(resolver_lookup(r, &unnamed, T0) == NULL);
	CHECK(fake_got_request(peer, &named));
	CHECK(fake_got_request(peer, &unnamed));
	CHECK(fake_answer(peer, &named, RESOLVE_OK, "named.example"));
	CHECK(fake_answer(peer, &unnamed, RESOLVE_NONAME, NULL));
	CHECK_INT(resolver_read(r), 2);

	/* Names live an hour from the request, no-names five minutes. */
	CHECK_STR(resolver_lookup(r, &named, T0 + 3600 * SEC - 1),
		  "named.example");
	CHECK(resolver_lookup(r, &unnamed, T0 + 300 * SEC - 1) == NULL);
	CHECK(!resolver_pending(r, &unnamed));
	CHECK(fake_nothing_sent(peer));

	CHECK(resolver_lookup(r, &unnamed, T0 + 300 * SEC) == NULL);
	CHECK(resolver_pending(r, &unnamed));		/* asked again */
	CHECK(fake_got_request(peer, &unnamed));
	CHECK(resolver_lookup(r, &named, T0 + 3600 * SEC) == NULL);
	CHECK(resolver_pending(r, &named));
	CHECK(fake_got_request(peer, &named));
	CHECK(fake_answer(peer, &named, RESOLVE_OK, "renamed.example"));
	CHECK_INT(resolver_read(r), 1);
	CHECK_STR(resolver_lookup(r, &named, T0 + 3600 * SEC),
		  "renamed.example");
	resolver_free(r);
	close(peer);
}

TEST(resolver_refused_name_counts)
{
	struct ipaddr a = v4(203, 0, 113, 12);
	struct resolver_stats st;
	int peer = -1;
	struct resolver *r = fake_resolver(&peer, 64);

	CHECK(r != NULL);
	if (r == NULL)
		return;
	resolver_lookup(r, &a, T0);
	CHECK(fake_got_request(peer, &a));
	CHECK(fake_answer(peer, &a, RESOLVE_BADNAME, NULL));
	CHECK_INT(resolver_read(r), 1);
	CHECK(resolver_lookup(r, &a, T0 + SEC) == NULL);
	CHECK(!resolver_pending(r, &a));
	resolver_stats(r, &st);
	CHECK_INT(st.negative, 1);
	CHECK_INT(st.sanitised, 1);
	resolver_free(r);
	close(peer);
}

/* A cache of 1 is one bucket of 4: which address goes where is then
 * independent of the random hash key. */
TEST(resolver_bucket_replacement)
{
	struct ipaddr a[5];
	struct resolver_stats st;
	char name[32];
	int peer = -1, i;
	struct resolver *r = fake_resolver(&peer, 1);

	CHECK(r != NULL);
	if (r == NULL)
		return;
	for (i = 0; i < 5; i++)
		a[i] = v4(203, 0, 113, (uint8_t)(20 + i));
	for (i = 0; i < 4; i++) {
		CHECK(resolver_lookup(r, &a[i], T0 + (uint64_t)i) == NULL);
		CHECK(fake_got_request(peer, &a[i]));
	}
	/* Every entry waits for an answer: the fifth is dropped, and no
	 * outstanding request is forgotten. */
	CHECK(resolver_lookup(r, &a[4], T0 + 4) == NULL);
	CHECK(fake_nothing_sent(peer));
	CHECK(!resolver_pending(r, &a[4]));
	for (i = 0; i < 4; i++)
		CHECK(resolver_pending(r, &a[i]));
	resolver_stats(r, &st);
	CHECK_INT(st.dropped, 1);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "host%d.example", i);
		CHECK(fake_answer(peer, &a[i], RESOLVE_OK, name));
	}
	CHECK_INT(resolver_read(r), 4);
	/* Now the fifth replaces the entry asked for longest ago. */
	CHECK(resolver_lookup(r, &a[4], T0 + 10) == NULL);
	CHECK(fake_got_request(peer, &a[4]));
	CHECK(resolver_pending(r, &a[4]));
	CHECK_STR(resolver_lookup(r, &a[1], T0 + 11), "host1.example");
	CHECK_STR(resolver_lookup(r, &a[3], T0 + 11), "host3.example");
	/* a[0] was evicted: asked again, it takes the place of a[1], now
	 * the one asked for longest ago. */
	CHECK(resolver_lookup(r, &a[0], T0 + 11) == NULL);
	CHECK(fake_got_request(peer, &a[0]));
	CHECK(resolver_pending(r, &a[0]));
	CHECK(!resolver_pending(r, &a[1]));
	CHECK_STR(resolver_lookup(r, &a[2], T0 + 12), "host2.example");
	CHECK_STR(resolver_lookup(r, &a[3], T0 + 12), "host3.example");
	resolver_stats(r, &st);
	CHECK_INT(st.dropped, 1);
	CHECK_INT(st.sent, 6);
	resolver_free(r);
	close(peer);
}

/* The parent restarted the helper: the new descriptor replaces the old,
 * what was pending is forgotten (its answer will never come), and the
 * same address is asked of the new helper. */
TEST(resolver_set_fd_replaces_the_helper)
{
	struct ipaddr a = v4(203, 0, 113, 21);
	struct resolver_stats st;
	int peer = -1, sv[2];
	struct resolver *r = fake_resolver(&peer, 64);

	CHECK(r != NULL);
	if (r == NULL)
		return;
	CHECK(resolver_lookup(r, &a, T0) == NULL);
	CHECK(fake_got_request(peer, &a));
	CHECK(resolver_pending(r, &a));
	/* Down: nothing pending, nothing sent, reading finds nothing. */
	resolver_set_fd(r, -1);
	CHECK(resolver_down(r));
	CHECK(!resolver_pending(r, &a));
	CHECK_INT(resolver_fd(r), -1);
	CHECK(resolver_lookup(r, &a, T0 + 1) == NULL);
	CHECK(!resolver_pending(r, &a));
	CHECK_INT(resolver_read(r), 0);
	resolver_stats(r, &st);
	CHECK_INT(st.sent, 1);
	CHECK_INT(st.dropped, 1);
	/* The old helper's end sees the resolver's close. */
	CHECK_INT(recv(peer, &st, 1, MSG_DONTWAIT), 0);
	close(peer);
	/* A new helper. */
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	peer = sv[1];
	resolver_set_fd(r, sv[0]);
	CHECK(!resolver_down(r));
	CHECK_INT(resolver_fd(r), sv[0]);
	CHECK(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
	CHECK(resolver_lookup(r, &a, T0 + 2) == NULL);
	CHECK(fake_got_request(peer, &a));
	CHECK(fake_answer(peer, &a, RESOLVE_OK, "new.example"));
	CHECK_INT(resolver_read(r), 1);
	CHECK_STR(resolver_lookup(r, &a, T0 + 3), "new.example");
	/* Replaced while a lookup waits, the new helper answering what the
	 * old one was asked is an answer nobody asked for. */
	a = v4(203, 0, 113, 22);
	CHECK(resolver_lookup(r, &a, T0) == NULL);
	CHECK(fake_got_request(peer, &a));
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	resolver_set_fd(r, sv[0]);
	close(peer);
	peer = sv[1];
	CHECK(fake_answer(peer, &a, RESOLVE_OK, "late.example"));
	CHECK_INT(resolver_read(r), RESOLVER_READ_MALFORMED);
	resolver_free(r);
	close(peer);
}

/* The fake helper closes its end: gone, not malformed. */
TEST(resolver_helper_closed)
{
	struct ipaddr a = v4(203, 0, 113, 23);
	int peer = -1;
	struct resolver *r = fake_resolver(&peer, 64);

	CHECK(r != NULL);
	if (r == NULL)
		return;
	resolver_lookup(r, &a, T0);
	CHECK(fake_got_request(peer, &a));
	close(peer);
	CHECK_INT(resolver_read(r), RESOLVER_READ_GONE);
	CHECK(resolver_down(r));
	CHECK(!resolver_pending(r, &a));
	CHECK_INT(resolver_read(r), 0);
	resolver_free(r);
}

enum bad_kind {
	BAD_SHORT, BAD_LONG, BAD_EMPTY, BAD_TYPE, BAD_TYPE_REQUEST,
	BAD_TYPE_ONE, BAD_STATUS, BAD_UNTERMINATED, BAD_AFTER_NUL,
	BAD_OK_EMPTY, BAD_OK_INJECTION, BAD_OK_NOT_CANONICAL,
	BAD_NONAME_WITH_NAME, BAD_UNASKED, BAD_TWICE, BAD_KIND_COUNT
};

static const char *const bad_names[BAD_KIND_COUNT] = {
	"short", "long", "empty", "unknown type", "request type",
	"type 1 (once READY)", "unknown status", "unterminated name",
	"bytes after the name", "ok without a name", "ok with CR LF",
	"ok with a trailing dot", "noname with a name", "unasked address",
	"answered twice",
};

/* Send the malformed message of kind k for pending address a. */
static void send_bad(int peer, enum bad_kind k, const struct ipaddr *a)
{
	struct ipaddr other = v4(198, 51, 100, 1);
	uint8_t buf[sizeof(struct resolve_answer) + 1];
	struct resolve_answer m;
	size_t len = sizeof m;

	make_answer(&m, a, RESOLVE_OK, "host.example");
	switch (k) {
	case BAD_SHORT:		len--; break;
	case BAD_LONG:		len++; break;
	case BAD_EMPTY:		len = 0; break;
	case BAD_TYPE:		m.type = 99; break;
	case BAD_TYPE_REQUEST:	m.type = RESOLVE_MSG_REQUEST; break;
	case BAD_TYPE_ONE:	m.type = 1; break;
	case BAD_STATUS:	m.status = 7; break;
	case BAD_UNTERMINATED:	memset(m.name, 'a', sizeof m.name); break;
	case BAD_AFTER_NUL:	m.name[sizeof m.name - 1] = 'X'; break;
	case BAD_OK_EMPTY:	make_answer(&m, a, RESOLVE_OK, ""); break;
	case BAD_OK_INJECTION:
		make_answer(&m, a, RESOLVE_OK, "evil.example\r\nX-Header: y");
		break;
	case BAD_OK_NOT_CANONICAL:
		make_answer(&m, a, RESOLVE_OK, "host.example.");
		break;
	case BAD_NONAME_WITH_NAME: m.status = RESOLVE_NONAME; break;
	case BAD_UNASKED:	make_answer(&m, &other, RESOLVE_NONAME, NULL); break;
	case BAD_TWICE:		send(peer, &m, sizeof m, 0); break;
	case BAD_KIND_COUNT:	break;
	}
	memset(buf, 0, sizeof buf);
	memcpy(buf, &m, sizeof m);
	send(peer, buf, len, 0);
}

TEST(resolver_rejects_malformed_answers)
{
	struct ipaddr a = v4(203, 0, 113, 13);
	int k;

	for (k = 0; k < BAD_KIND_COUNT; k++) {
		int peer = -1;
		struct resolver *r = fake_resolver(&peer, 64);
		int rc;

		CHECK(r != NULL);
		if (r == NULL)
			return;
		resolver_lookup(r, &a, T0);
		CHECK(fake_got_request(peer, &a));
		send_bad(peer, (enum bad_kind)k, &a);
		rc = resolver_read(r);
		if (rc != RESOLVER_READ_MALFORMED)
			printf("  malformed answer \"%s\" was accepted\n",
			       bad_names[k]);
		CHECK_INT(rc, RESOLVER_READ_MALFORMED);
		CHECK(!resolver_down(r));
		resolver_free(r);
		close(peer);
	}
}

int main(void)
{
	alarm(120);	/* a lookup that blocks fails the run, never hangs it */
	RUN(sanitise_accepts_plain_names);
	RUN(sanitise_refuses_injection);
	RUN(sanitise_length_limits);
	RUN(sanitise_empty_and_dots);
	RUN(sanitise_refuses_addresses);
	RUN(sanitise_refuses_non_ascii);
	RUN(sanitise_refuses_hyphen_edges);
	RUN(sanitise_output_buffer);
	RUN(services_names);
	RUN(resolver_localhost);
	RUN(resolver_negative);
	RUN(resolver_never_waits_for_a_stuck_helper);
	RUN(resolver_helper_exits_when_daemon_goes);
	RUN(resolver_helper_killed);
	RUN(resolver_helper_is_confined);
	RUN(resolver_proc_start_errors);
	RUN(resolver_one_request_per_address);
	RUN(resolver_fake_helper_never_reads);
	RUN(resolver_expiry_by_packet_time);
	RUN(resolver_refused_name_counts);
	RUN(resolver_bucket_replacement);
	RUN(resolver_set_fd_replaces_the_helper);
	RUN(resolver_helper_closed);
	RUN(resolver_rejects_malformed_answers);
	return unit_report(__FILE__);
}
