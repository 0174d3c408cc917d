/*
 * resolve.c - reverse DNS in an unprivileged helper process with a fixed
 * cache in front of it; service names from the services database; and the
 * check that makes a name from DNS safe to print.
 *
 * The daemon never waits for the helper: requests go out with a
 * non-blocking send (dropped and counted when the socket is full), answers
 * are read when poll() says so.  The helper may block as long as it likes.
 * Everything the helper says is checked like network input, because a
 * helper that parses DNS answers is the likeliest part of us to be taken
 * over.
 */
#include "resolve.h"

#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Packet time a name is kept: long enough to spare DNS during a long scan,
 * short enough that a renumbered host is not misnamed for long. */
#define POSITIVE_TTL_US	(3600 * 1000000ULL)
/* No name: shorter, so that a passing DNS failure does not hide a name
 * for long, but long enough that a scan from an address without a PTR
 * record does not send one request per packet. */
#define NEGATIVE_TTL_US	(300 * 1000000ULL)

/* Start-up may wait this long for the helper to say it is ready. */
#define START_TIMEOUT_MS 10000
/* After SIGTERM the helper gets this long before SIGKILL (it may be
 * stopped, or stuck somewhere SIGTERM does not reach). */
#define STOP_GRACE_MS	1000

/* The helper's socket always ends up on this descriptor. */
#define HELPER_SOCK_FD	3

/* Exit codes of the helper, so that start-up can say what went wrong. */
enum {
	HELPER_EXIT_OK = 0,		/* the daemon closed its end */
	HELPER_EXIT_SETUP = 2,		/* descriptors */
	HELPER_EXIT_PRIVDROP = 3,	/* could not become the user */
	HELPER_EXIT_PROTOCOL = 4,	/* a malformed request */
	HELPER_EXIT_IO = 5,		/* the socket failed */
};

_Static_assert(sizeof(struct resolve_request) == 17,
	       "struct resolve_request must have no padding");
_Static_assert(sizeof(struct resolve_answer) == 18 + HOSTNAME_MAX,
	       "struct resolve_answer must have no padding");
_Static_assert(sizeof(struct ipaddr) == 16, "struct ipaddr is 16 bytes");

enum entry_state {
	ENTRY_EMPTY = 0,		/* calloc() makes every entry empty */
	ENTRY_PENDING,			/* request sent, no answer yet */
	ENTRY_NAME,			/* name holds a sanitised name */
	ENTRY_NONAME,			/* negative entry */
};

struct cache_entry {
	struct ipaddr addr;
	uint64_t asked_us;		/* packet time of the request */
	uint64_t expires_us;		/* NAME and NONAME */
	uint8_t state;			/* enum entry_state */
	char name[HOSTNAME_MAX];
};

struct resolver {
	int fd;
	pid_t child;			/* -1: none (resolver_from_fd, or reaped) */
	uint64_t key[2];		/* SipHash key: buckets not predictable */
	uint32_t mask;			/* number of buckets - 1 */
	struct cache_entry *cache;
	struct resolver_stats st;
};

/* Who the helper becomes. */
struct drop_to {
	bool wanted;
	uid_t uid;
	gid_t gid;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* ---- SipHash-1-3 of one 16-byte address ------------------------------ */

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL64(v[1], 13); v[1] ^= v[0];
	v[0] = ROTL64(v[0], 32);
	v[2] += v[3]; v[3] = ROTL64(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL64(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL64(v[1], 17); v[1] ^= v[2];
	v[2] = ROTL64(v[2], 32);
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* SipHash-1-3 specialised to a 16-byte message: two message words and
 * the final word that carries the length (16) and no tail bytes. */
static uint64_t siphash13_16(const uint64_t key[2], const uint8_t in[16])
{
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
		key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL,
	};
	const uint64_t m[3] = {
		load_le64(in), load_le64(in + 8), (uint64_t)16 << 56,
	};
	int i;

	for (i = 0; i < 3; i++) {
		v[3] ^= m[i];
		sip_round(v);
		v[0] ^= m[i];
	}
	v[2] ^= 0xff;
	for (i = 0; i < 3; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static bool read_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;
	int fd;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	if (len == 0)
		return true;
	/* Kernels before 3.17 have no getrandom(). */
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return false;
	while (len > 0) {
		n = read(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	close(fd);
	return len == 0;
}

/* ---- the cache --------------------------------------------------------- */

/*
 * The keyed hash picks a bucket of BUCKET_WAYS entries; an address lives
 * in at most one of them.  A new address takes an empty or expired entry,
 * else the one asked for longest ago, but never one that waits for an
 * answer: an outstanding request is not forgotten, so every answer finds
 * its entry and an answer nobody asked for is a protocol error.  When all
 * the bucket waits, the request is dropped.  Four ways keep a few busy
 * addresses from pushing each other out, at the cost of four compares.
 */
#define BUCKET_WAYS 4

static struct cache_entry *bucket_of(const struct resolver *r,
				     const struct ipaddr *a)
{
	return &r->cache[(siphash13_16(r->key, a->b) & r->mask) * BUCKET_WAYS];
}

static struct cache_entry *find_entry(const struct resolver *r,
				      const struct ipaddr *a)
{
	struct cache_entry *b = bucket_of(r, a);
	int i;

	for (i = 0; i < BUCKET_WAYS; i++)
		if (b[i].state != ENTRY_EMPTY && addr_equal(&b[i].addr, a))
			return &b[i];
	return NULL;
}

/* NULL when every entry of the bucket waits for an answer. */
static struct cache_entry *choose_victim(struct cache_entry *b,
					 uint64_t now_us)
{
	struct cache_entry *oldest = NULL;
	int i;

	for (i = 0; i < BUCKET_WAYS; i++) {
		if (b[i].state == ENTRY_EMPTY)
			return &b[i];
		if (b[i].state == ENTRY_PENDING)
			continue;
		if (now_us >= b[i].expires_us)
			return &b[i];
		if (oldest == NULL || b[i].asked_us < oldest->asked_us)
			oldest = &b[i];
	}
	return oldest;
}

static uint32_t round_up_pow2(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static struct resolver *resolver_new(unsigned cache_size, char *err,
				     size_t errlen)
{
	struct resolver *r;
	uint32_t n;

	if (cache_size == 0 || cache_size > RESOLVER_CACHE_MAX) {
		set_err(err, errlen, "resolver cache size %u is not in 1..%u",
			cache_size, RESOLVER_CACHE_MAX);
		return NULL;
	}
	n = round_up_pow2(cache_size < BUCKET_WAYS ? BUCKET_WAYS : cache_size);
	r = calloc(1, sizeof *r);
	if (r == NULL || (r->cache = calloc(n, sizeof *r->cache)) == NULL) {
		set_err(err, errlen, "resolver cache: out of memory");
		free(r);
		return NULL;
	}
	r->fd = -1;
	r->child = -1;
	r->mask = n / BUCKET_WAYS - 1;
	if (!read_random(r->key, sizeof r->key)) {
		set_err(err, errlen, "resolver: no random bytes for the hash key");
		free(r->cache);
		free(r);
		return NULL;
	}
	return r;
}

static bool set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags != -1 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) != -1;
}

/* ---- the helper process ------------------------------------------------ */

/* The daemon's handlers set flags in the daemon's memory: in the helper
 * they would do nothing useful, and SIGTERM must simply end it.  SIGPIPE
 * is ignored so that a write to a vanished peer (ours or a DNS server's)
 * is an error return, not a death. */
static void reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);	/* fails for KILL, STOP */
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

static void close_from(int first)
{
	struct rlimit rl;
	long last, fd;

	if (close_range((unsigned)first, ~0U, 0) == 0)
		return;
	/* No close_range() (Linux < 5.9): close one by one. */
	last = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
	    && rl.rlim_cur < (rlim_t)last)
		last = (long)rl.rlim_cur;
	for (fd = first; fd < last; fd++)
		(void)close((int)fd);
}

/* Keep the socket (as HELPER_SOCK_FD) and /dev/null on 0, 1 and 2, so
 * that nothing a library might write to stderr lands on a socket that
 * happened to get descriptor 2.  Closes everything else: the capture
 * handle, log files, the JSON log.  Returns false on failure. */
static bool keep_only_socket(int sock)
{
	int null, fd;

	if (sock != HELPER_SOCK_FD && dup2(sock, HELPER_SOCK_FD) == -1)
		return false;
	close_from(HELPER_SOCK_FD + 1);
	null = open("/dev/null", O_RDWR);
	if (null == -1)
		return false;
	for (fd = 0; fd <= 2; fd++)
		if (null != fd && dup2(null, fd) == -1)
			return false;
	if (null > 2)
		close(null);
	return true;
}

static bool groups_are_only(gid_t gid)
{
	gid_t groups[2];

	return getgroups(2, groups) == 1 && groups[0] == gid;
}

static bool drop_privileges(const struct drop_to *d)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (setgroups(1, &d->gid) == -1 ||
	    setresgid(d->gid, d->gid, d->gid) == -1 ||
	    setresuid(d->uid, d->uid, d->uid) == -1)
		return false;
	/* Verify rather than trust: every id, and that root cannot come back. */
	if (getresgid(&rg, &eg, &sg) == -1 || getresuid(&ru, &eu, &su) == -1)
		return false;
	if (rg != d->gid || eg != d->gid || sg != d->gid ||
	    ru != d->uid || eu != d->uid || su != d->uid ||
	    !groups_are_only(d->gid))
		return false;
	if (d->uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))
		return false;
	return true;
}

static socklen_t to_sockaddr(const uint8_t addr[16],
			     struct sockaddr_storage *ss)
{
	struct ipaddr a;

	memcpy(a.b, addr, sizeof a.b);
	memset(ss, 0, sizeof *ss);
	if (addr_is_v4(&a)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr + 12, 4);
		return sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
		return sizeof *sin6;
	}
}

/* The blocking lookup.  NI_NAMEREQD: a failed lookup is an error, never
 * the address in text form dressed up as a name. */
static void answer_request(const struct resolve_request *req,
			   struct resolve_answer *ans)
{
	struct sockaddr_storage ss;
	socklen_t sslen = to_sockaddr(req->addr, &ss);
	char host[NI_MAXHOST];

	memset(ans, 0, sizeof *ans);
	ans->type = RESOLVE_MSG_ANSWER;
	memcpy(ans->addr, req->addr, sizeof ans->addr);
	if (getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof host,
			NULL, 0, NI_NAMEREQD) != 0)
		ans->status = RESOLVE_NONAME;
	else if (!hostname_sanitise(host, ans->name, sizeof ans->name))
		ans->status = RESOLVE_BADNAME;
	else
		ans->status = RESOLVE_OK;
}

/* Returns -1 when sent, else the exit code the helper should leave with. */
static int send_answer(int sock, const struct resolve_answer *ans)
{
	ssize_t n;

	do
		n = send(sock, ans, sizeof *ans, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof *ans)
		return -1;			/* carry on */
	if (n == -1 && (errno == EPIPE || errno == ECONNRESET))
		return HELPER_EXIT_OK;		/* the daemon went away */
	return HELPER_EXIT_IO;
}

/* One request at a time, in order, until the daemon closes its end. */
static int serve_requests(int sock)
{
	struct resolve_request req;
	struct resolve_answer ans;
	uint8_t buf[sizeof req + 1];	/* + 1: see oversized messages */
	ssize_t n;
	int rc;

	for (;;) {
		n = recv(sock, buf, sizeof buf, 0);
		if (n == 0)
			return HELPER_EXIT_OK;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return HELPER_EXIT_IO;
		if ((size_t)n != sizeof req)
			return HELPER_EXIT_PROTOCOL;
		memcpy(&req, buf, sizeof req);
		if (req.type != RESOLVE_MSG_REQUEST)
			return HELPER_EXIT_PROTOCOL;
		answer_request(&req, &ans);
		if ((rc = send_answer(sock, &ans)) != -1)
			return rc;
	}
}

static void helper_main(int sock, const struct drop_to *drop)
{
	struct resolve_answer ready;
	int rc;

	reset_signals();
	if (!keep_only_socket(sock))
		_exit(HELPER_EXIT_SETUP);
	if (drop->wanted && !drop_privileges(drop))
		_exit(HELPER_EXIT_PRIVDROP);
	memset(&ready, 0, sizeof ready);
	ready.type = RESOLVE_MSG_READY;
	rc = send_answer(HELPER_SOCK_FD, &ready);
	if (rc == -1)
		rc = serve_requests(HELPER_SOCK_FD);
	/* _exit: the daemon's atexit handlers and stdio buffers are not ours. */
	_exit(rc);
}

/* ---- starting and stopping the helper ---------------------------------- */

static bool find_user(const char *user, struct drop_to *d, char *err,
		      size_t errlen)
{
	struct passwd *pw;

	memset(d, 0, sizeof *d);
	if (user == NULL || geteuid() != 0)
		return true;		/* nothing to drop */
	pw = getpwnam(user);
	if (pw == NULL) {
		set_err(err, errlen, "resolver: no such user: %s", user);
		return false;
	}
	d->wanted = true;
	d->uid = pw->pw_uid;
	d->gid = pw->pw_gid;
	return true;
}

/* Wait up to timeout_ms (-1: for ever) for pid to end.  Returns 1 when
 * reaped here (status filled in), 0 on timeout, -1 when it is not our
 * child any more (reaped elsewhere, e.g. by a SIGCHLD handler). */
static int reap(pid_t pid, int timeout_ms, int *status)
{
	const struct timespec tick = { 0, 10 * 1000000L };
	int waited = 0;
	pid_t got;

	for (;;) {
		got = waitpid(pid, status, timeout_ms < 0 ? 0 : WNOHANG);
		if (got == pid)
			return 1;
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			return -1;
		if (waited >= timeout_ms)
			return 0;
		nanosleep(&tick, NULL);
		waited += 10;
	}
}

static void stop_child(pid_t pid)
{
	int status;

	/* Only signal a pid that is still our unreaped child: a pid reaped
	 * elsewhere may already belong to someone else. */
	if (reap(pid, 0, &status) != 0)
		return;
	(void)kill(pid, SIGTERM);
	if (reap(pid, STOP_GRACE_MS, &status) != 0)
		return;
	(void)kill(pid, SIGKILL);
	(void)reap(pid, -1, &status);
}

static void explain_exit(struct resolver *r, const char *user, char *err,
			 size_t errlen)
{
	int status;

	if (reap(r->child, START_TIMEOUT_MS, &status) != 1) {
		set_err(err, errlen, "resolver helper closed its socket");
		return;
	}
	r->child = -1;
	if (WIFSIGNALED(status))
		set_err(err, errlen, "resolver helper killed by signal %d",
			WTERMSIG(status));
	else if (WEXITSTATUS(status) == HELPER_EXIT_PRIVDROP)
		set_err(err, errlen, "resolver helper could not become user %s",
			user ? user : "?");
	else if (WEXITSTATUS(status) == HELPER_EXIT_SETUP)
		set_err(err, errlen, "resolver helper could not set up "
			"its descriptors");
	else
		set_err(err, errlen, "resolver helper exited with status %d",
			WEXITSTATUS(status));
}

static bool is_ready_message(const uint8_t *buf, ssize_t n)
{
	struct resolve_answer m;

	if (n != (ssize_t)sizeof m)
		return false;
	memcpy(&m, buf, sizeof m);
	return m.type == RESOLVE_MSG_READY && m.status == 0 &&
	       all_zero(m.addr, sizeof m.addr) &&
	       all_zero(m.name, sizeof m.name);
}

/* Start-up may block: the helper has said it is ready, or it failed. */
static bool wait_ready(struct resolver *r, const char *user, char *err,
		       size_t errlen)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	uint8_t buf[sizeof(struct resolve_answer) + 1];
	ssize_t n;
	int rc;

	do
		rc = poll(&pfd, 1, START_TIMEOUT_MS);
	while (rc == -1 && errno == EINTR);
	if (rc <= 0) {
		set_err(err, errlen, "resolver helper did not start: %s",
			rc == 0 ? "timeout" : strerror(errno));
		return false;
	}
	n = recv(r->fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n <= 0) {
		explain_exit(r, user, err, errlen);
		return false;
	}
	if (!is_ready_message(buf, n)) {
		set_err(err, errlen, "resolver helper: malformed greeting");
		return false;
	}
	return true;
}

struct resolver *resolver_start(const char *user, unsigned cache_size,
				char *err, size_t errlen)
{
	struct resolver *r;
	struct drop_to drop;
	int sv[2];
	pid_t pid;

	if (!find_user(user, &drop, err, errlen))
		return NULL;
	if ((r = resolver_new(cache_size, err, errlen)) == NULL)
		return NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		set_err(err, errlen, "resolver socketpair: %s", strerror(errno));
		resolver_stop(r);
		return NULL;
	}
	if ((pid = fork()) == -1) {
		set_err(err, errlen, "resolver fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		resolver_stop(r);
		return NULL;
	}
	if (pid == 0) {
		close(sv[0]);
		helper_main(sv[1], &drop);
	}
	close(sv[1]);
	r->fd = sv[0];
	r->child = pid;
	if (!set_nonblocking(r->fd)) {
		set_err(err, errlen, "resolver: O_NONBLOCK: %s", strerror(errno));
		resolver_stop(r);
		return NULL;
	}
	if (!wait_ready(r, user, err, errlen)) {
		resolver_stop(r);
		return NULL;
	}
	return r;
}

struct resolver *resolver_from_fd(int fd, unsigned cache_size)
{
	struct resolver *r = resolver_new(cache_size, NULL, 0);

	if (r == NULL || !set_nonblocking(fd)) {
		close(fd);
		resolver_stop(r);
		return NULL;
	}
	r->fd = fd;
	return r;
}

void resolver_stop(struct resolver *r)
{
	if (r == NULL)
		return;
	/* Closing first lets an idle helper leave by itself (EOF). */
	if (r->fd != -1)
		close(r->fd);
	if (r->child > 0)
		stop_child(r->child);
	free(r->cache);
	free(r);
}

int resolver_fd(const struct resolver *r)
{
	return r->fd;
}

void resolver_stats(const struct resolver *r, struct resolver_stats *st)
{
	*st = r->st;
}

/* ---- lookups on the packet path ---------------------------------------- */

static void send_request(struct resolver *r, struct cache_entry *e,
			 const struct ipaddr *a, uint64_t now_us)
{
	struct resolve_request req;

	req.type = RESOLVE_MSG_REQUEST;
	memcpy(req.addr, a->b, sizeof req.addr);
	/* MSG_DONTWAIT: the socket is non-blocking anyway, and this must
	 * never wait.  MSG_NOSIGNAL: a dead helper is seen by resolver_read,
	 * it must not kill us with SIGPIPE here. */
	if (send(r->fd, &req, sizeof req, MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)sizeof req) {
		r->st.dropped++;
		return;
	}
	r->st.sent++;
	e->addr = *a;
	e->state = ENTRY_PENDING;
	e->asked_us = now_us;
	e->expires_us = 0;
	e->name[0] = '\0';
}

const char *resolver_lookup(struct resolver *r, const struct ipaddr *a,
			    uint64_t now_us)
{
	struct cache_entry *e = find_entry(r, a);

	if (e != NULL && e->state == ENTRY_PENDING) {
		r->st.misses++;
		return NULL;
	}
	if (e != NULL && now_us < e->expires_us) {
		r->st.hits++;
		return e->state == ENTRY_NAME ? e->name : NULL;
	}
	r->st.misses++;
	if (e == NULL)		/* else: expired, ask again in the same entry */
		e = choose_victim(bucket_of(r, a), now_us);
	if (e == NULL)
		r->st.dropped++;	/* the whole bucket waits */
	else
		send_request(r, e, a, now_us);
	return NULL;
}

bool resolver_pending(const struct resolver *r, const struct ipaddr *a)
{
	const struct cache_entry *e = find_entry(r, a);

	return e != NULL && e->state == ENTRY_PENDING;
}

/* The name field: NUL-terminated, zero after the NUL, and for RESOLVE_OK
 * a name that hostname_sanitise() leaves exactly as it is. */
static bool answer_name_ok(const struct resolve_answer *m)
{
	char check[HOSTNAME_MAX];
	size_t len = strnlen(m->name, sizeof m->name);

	if (len == sizeof m->name ||
	    !all_zero(m->name + len, sizeof m->name - len))
		return false;
	switch (m->status) {
	case RESOLVE_OK:
		return hostname_sanitise(m->name, check, sizeof check) &&
		       strcmp(check, m->name) == 0;
	case RESOLVE_NONAME:
	case RESOLVE_BADNAME:
		return len == 0;
	default:
		return false;
	}
}

static bool take_answer(struct resolver *r, const uint8_t *buf)
{
	struct resolve_answer m;
	struct cache_entry *e;
	struct ipaddr a;

	memcpy(&m, buf, sizeof m);
	if (m.type != RESOLVE_MSG_ANSWER || !answer_name_ok(&m))
		return false;
	memcpy(a.b, m.addr, sizeof a.b);
	e = find_entry(r, &a);
	if (e == NULL || e->state != ENTRY_PENDING)
		return false;		/* nobody asked */
	r->st.answers++;
	if (m.status == RESOLVE_OK) {
		memcpy(e->name, m.name, sizeof e->name);
		e->state = ENTRY_NAME;
		e->expires_us = add_saturating(e->asked_us, POSITIVE_TTL_US);
		return true;
	}
	r->st.negative++;
	if (m.status == RESOLVE_BADNAME)
		r->st.sanitised++;
	e->state = ENTRY_NONAME;
	e->expires_us = add_saturating(e->asked_us, NEGATIVE_TTL_US);
	return true;
}

int resolver_read(struct resolver *r)
{
	uint8_t buf[sizeof(struct resolve_answer) + 1];	/* + 1: oversize */
	int count = 0;
	ssize_t n;

	for (;;) {
		n = recv(r->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK ?
			       count : -1;
		/* n == 0 is end of file: the helper is gone. */
		if (n != (ssize_t)sizeof(struct resolve_answer) ||
		    !take_answer(r, buf))
			return -1;
		count++;
	}
}

/* ---- service names ----------------------------------------------------- */

#define SERVICE_NAME_MAX 32

struct services {
	/* Offsets into names; 0 (an empty string) means unknown. */
	uint32_t tcp[65536];
	uint32_t udp[65536];
	char *names;
	size_t used, cap;
};

static bool service_name_ok(const char *name)
{
	size_t len = strnlen(name, SERVICE_NAME_MAX + 1);
	size_t i;

	if (len == 0 || len > SERVICE_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '+' || c == '-'))
			return false;
	}
	return true;
}

/* Returns the offset of the copy, 0 when out of memory. */
static uint32_t services_keep_name(struct services *s, const char *name)
{
	size_t len = strlen(name) + 1;
	uint32_t off;

	if (s->used + len > s->cap) {
		size_t cap = s->cap * 2;
		char *p = realloc(s->names, cap);

		if (p == NULL)
			return 0;
		s->names = p;
		s->cap = cap;
	}
	off = (uint32_t)s->used;
	memcpy(s->names + off, name, len);
	s->used += len;
	return off;
}

/* Returns 1 if added, 0 if skipped, -1 when out of memory. */
static int services_add(struct services *s, const struct servent *se)
{
	uint16_t port = ntohs((uint16_t)se->s_port);
	uint32_t *slot, off;

	if (se->s_proto == NULL || se->s_name == NULL)
		return 0;
	if (strcmp(se->s_proto, "tcp") == 0)
		slot = &s->tcp[port];
	else if (strcmp(se->s_proto, "udp") == 0)
		slot = &s->udp[port];
	else
		return 0;
	if (*slot != 0 || !service_name_ok(se->s_name))
		return 0;	/* the first entry wins, as in getservbyport */
	if ((off = services_keep_name(s, se->s_name)) == 0)
		return -1;
	*slot = off;
	return 1;
}

struct services *services_load(void)
{
	struct services *s = calloc(1, sizeof *s);
	const struct servent *se;
	size_t added = 0;
	int rc = 0;

	if (s == NULL || (s->names = malloc(4096)) == NULL) {
		free(s);
		return NULL;
	}
	/* Offset 0 is the empty string that means "unknown". */
	s->names[0] = '\0';
	s->used = 1;
	s->cap = 4096;
	setservent(0);
	while (rc != -1 && (se = getservent()) != NULL)
		if ((rc = services_add(s, se)) == 1)
			added++;
	endservent();
	if (rc == -1 || added == 0) {
		services_free(s);
		return NULL;
	}
	return s;
}

const char *services_name(const struct services *s, uint16_t port,
			  uint8_t proto)
{
	uint32_t off;

	if (s == NULL)
		return NULL;
	if (proto == 6)
		off = s->tcp[port];
	else if (proto == 17)
		off = s->udp[port];
	else
		return NULL;
	return off ? s->names + off : NULL;
}

void services_free(struct services *s)
{
	if (s == NULL)
		return;
	free(s->names);
	free(s);
}

/* ---- untrusted host names ---------------------------------------------- */

static bool host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool label_ok(const char *label, size_t len)
{
	return len >= 1 && len <= 63 &&
	       label[0] != '-' && label[len - 1] != '-';
}

/* Every byte allowed, every label well formed. */
static bool labels_ok(const char *name, size_t len)
{
	size_t i, start = 0;

	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (!label_ok(name + start, i - start))
				return false;
			start = i + 1;
		} else if (!host_char((unsigned char)name[i])) {
			return false;
		}
	}
	return label_ok(name + start, len - start);
}

/* "192.0.2.1", "127.1", "0x7f000001", "3221225985": anything that reads
 * as an address, or whose top-level label is all digits (no real TLD is,
 * RFC 3696 section 2). */
static bool looks_numeric(const char *name, size_t len)
{
	char copy[HOSTNAME_MAX];
	struct in_addr ia;
	size_t i = len;

	while (i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9')
		i--;
	if (i < len && (i == 0 || name[i - 1] == '.'))
		return true;
	memcpy(copy, name, len);
	copy[len] = '\0';
	return inet_aton(copy, &ia) != 0;
}

bool hostname_sanitise(const char *in, char *out, size_t outlen)
{
	size_t len;

	if (in == NULL || out == NULL)
		goto refuse;
	len = strnlen(in, HOSTNAME_MAX + 1);
	if (len > 0 && in[len - 1] == '.')
		len--;			/* the root label of an absolute name */
	if (len == 0 || len > HOSTNAME_MAX - 1 || len >= outlen)
		goto refuse;
	if (!labels_ok(in, len) || looks_numeric(in, len))
		goto refuse;
	memmove(out, in, len);
	out[len] = '\0';
	return true;
refuse:
	if (out != NULL && outlen > 0)
		out[0] = '\0';
	return false;
}
