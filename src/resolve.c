/*
 * resolve.c - the daemon's side of reverse DNS: a fixed cache in front of
 * the resolver process (resolve_helper.c); service names from the
 * services database; and the check that makes a name from DNS safe to
 * print.
 *
 * The daemon never waits for the helper: requests go out with a
 * non-blocking send (dropped and counted when the socket is full), answers
 * are read when poll() says so.  The helper may block as long as it likes.
 * Everything the helper says is checked like network input, because a
 * helper that parses DNS answers is the likeliest part of us to be taken
 * over.  The helper is started and watched by the parent (proc.h); here
 * it is only a descriptor, which the parent may replace.
 */
#include "resolve.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "siphash.h"
#include "util.h"

/* Packet time a name is kept: long enough to spare DNS during a long scan,
 * short enough that a renumbered host is not misnamed for long. */
#define POSITIVE_TTL_US	(3600 * 1000000ULL)
/* No name: shorter, so that a passing DNS failure does not hide a name
 * for long, but long enough that a scan from an address without a PTR
 * record does not send one request per packet. */
#define NEGATIVE_TTL_US	(300 * 1000000ULL)

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
	int fd;				/* -1: the helper is down */
	struct sipkey key;		/* buckets not predictable */
	uint32_t mask;			/* number of buckets - 1 */
	struct cache_entry *cache;
	struct resolver_stats st;
};

static uint64_t add_saturating(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
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
	return &r->cache[(siphash13(&r->key, a->b, sizeof a->b) & r->mask) *
			  BUCKET_WAYS];
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

/* NULL when cache_size is out of range, out of memory, or no key. */
static struct resolver *resolver_new(unsigned cache_size)
{
	struct resolver *r;
	uint32_t n;

	if (cache_size == 0 || cache_size > RESOLVER_CACHE_MAX)
		return NULL;
	n = round_up_pow2(cache_size < BUCKET_WAYS ? BUCKET_WAYS : cache_size);
	r = calloc(1, sizeof *r);
	if (r == NULL || (r->cache = calloc(n, sizeof *r->cache)) == NULL) {
		free(r);
		return NULL;
	}
	r->fd = -1;
	r->mask = n / BUCKET_WAYS - 1;
	if (sipkey_random(&r->key) != 0) {
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

/* Every request still waiting is forgotten: its answer will not come. */
static void drop_pending(struct resolver *r)
{
	size_t i, n = ((size_t)r->mask + 1) * BUCKET_WAYS;

	for (i = 0; i < n; i++)
		if (r->cache[i].state == ENTRY_PENDING)
			memset(&r->cache[i], 0, sizeof r->cache[i]);
}

struct resolver *resolver_from_fd(int fd, unsigned cache_size)
{
	struct resolver *r = resolver_new(cache_size);

	if (r == NULL) {
		if (fd != -1)
			close(fd);
		return NULL;
	}
	resolver_set_fd(r, fd);
	return r;
}

void resolver_set_fd(struct resolver *r, int fd)
{
	if (r->fd != -1)
		close(r->fd);
	r->fd = fd;
	/* Whatever was asked of the old helper, the new one never heard:
	 * held alerts go out with bare addresses, and the addresses may be
	 * asked for again. */
	drop_pending(r);
	if (fd != -1 && !set_nonblocking(fd)) {
		close(fd);
		r->fd = -1;
	}
}

bool resolver_down(const struct resolver *r)
{
	return r->fd == -1;
}

void resolver_free(struct resolver *r)
{
	if (r == NULL)
		return;
	if (r->fd != -1)
		close(r->fd);
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

void resolver_put_stats(const struct resolver *r, stat_fn put, void *arg)
{
	put(arg, "resolver.hits", r->st.hits);
	put(arg, "resolver.misses", r->st.misses);
	put(arg, "resolver.sent", r->st.sent);
	put(arg, "resolver.dropped", r->st.dropped);
	put(arg, "resolver.answers", r->st.answers);
	put(arg, "resolver.negative", r->st.negative);
	put(arg, "resolver.sanitised", r->st.sanitised);
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
	if (r->fd == -1 ||
	    send(r->fd, &req, sizeof req, MSG_DONTWAIT | MSG_NOSIGNAL) !=
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

/* On a SOCK_SEQPACKET socket an empty message reads like the end of
 * file; only the end of file comes with a hang-up. */
static bool peer_closed(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };

	return poll(&pfd, 1, 0) == 1 &&
	       (pfd.revents & (POLLHUP | POLLRDHUP)) != 0;
}

int resolver_read(struct resolver *r)
{
	uint8_t buf[sizeof(struct resolve_answer) + 1];	/* + 1: oversize */
	int count = 0;
	ssize_t n;

	while (r->fd != -1) {
		n = recv(r->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return count;
		if (n == 0 && !peer_closed(r->fd))
			return RESOLVER_READ_MALFORMED;	/* an empty message */
		if (n <= 0) {
			/* End of file, ECONNRESET: the helper has gone.  Go
			 * on without names until the parent sends a new one. */
			resolver_set_fd(r, -1);
			return RESOLVER_READ_GONE;
		}
		if (n != (ssize_t)sizeof(struct resolve_answer) ||
		    !take_answer(r, buf))
			return RESOLVER_READ_MALFORMED;
		count++;
	}
	return count;
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
