/*
 * resolve.h - host names (DNSResolve) and service names (PortResolve)
 * for log lines, without ever stalling packet processing.
 *
 * Reverse DNS is slow and its answers are hostile input.  So the blocking
 * getnameinfo() calls run in a helper process, unprivileged, that talks to
 * the daemon over a socketpair in fixed-size messages.  The daemon side
 * only ever does non-blocking sends and reads; what it shows comes from a
 * fixed-size cache, and every name is checked by hostname_sanitise() on
 * both sides of the socket.
 *
 * Service names are read once at start-up into a table indexed by port, so
 * that a lookup on the packet path is one array access.
 */
#ifndef SCANDETD_RESOLVE_H
#define SCANDETD_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "params.h"

/* ---- host names ------------------------------------------------------ */

struct resolver;

struct resolver_stats {
	uint64_t hits;		/* lookups answered from the cache (name or negative) */
	uint64_t misses;	/* lookups that found nothing usable */
	uint64_t sent;		/* requests sent to the helper */
	uint64_t dropped;	/* requests not sent: socket full, or every
				 * entry of the cache bucket waits for an answer */
	uint64_t answers;	/* answers read */
	uint64_t negative;	/* answers that gave no usable name */
	uint64_t sanitised;	/* of those, names refused by hostname_sanitise */
};

/* Largest cache accepted (entries are ~290 bytes: 2^20 is ~300 MiB). */
#define RESOLVER_CACHE_MAX (1u << 20)

/*
 * Start the resolver: fork the helper process and wait for it to say it is
 * ready.  Call it before dropping privileges and before creating threads.
 * The helper resets every signal handler to the default, keeps only its
 * socket (and /dev/null as stdin/stdout/stderr), and if we are root and
 * user is not NULL it drops to that user (setgroups, setresgid, setresuid,
 * then checks that none of it can be undone).  cache_size (1..
 * RESOLVER_CACHE_MAX) is rounded up to a power of two, at least 4: buckets
 * of 4 entries.  The cache is allocated here, once.
 * Returns NULL with a message in err on failure.
 */
struct resolver *resolver_start(const char *user, unsigned cache_size,
				char *err, size_t errlen);

/* For tests only: a resolver with no child of its own, talking over fd
 * (one end of a SOCK_SEQPACKET socketpair; the test plays the helper with
 * the other end).  Takes ownership of fd and makes it non-blocking.  NULL
 * on failure. */
struct resolver *resolver_from_fd(int fd, unsigned cache_size);

/* For poll(): readable when answers arrive (or when the helper died). */
int resolver_fd(const struct resolver *r);

/*
 * Never blocks.  On a hit, returns the cached name: sanitised,
 * NUL-terminated, valid until the next call to any resolver function.
 * Returns NULL on a miss or a negative entry.  On a miss it sends one
 * request to the helper unless one is already outstanding for a; when the
 * socket is full the request is dropped and counted, never waited for.
 * now_us is packet time; it drives expiry (names: 1 hour, no name:
 * 5 minutes, counted from the packet time of the request).
 */
const char *resolver_lookup(struct resolver *r, const struct ipaddr *a,
			    uint64_t now_us);

/* True if a request for a was sent and its answer has not been read. */
bool resolver_pending(const struct resolver *r, const struct ipaddr *a);

/*
 * Read every answer available now (non-blocking) into the cache.  Returns
 * the number read, or -1 if the helper broke the protocol (wrong size,
 * unknown type or status, name not NUL-terminated or refused by
 * hostname_sanitise, bytes after the name, an answer nobody asked for) or
 * went away.  The caller treats -1 as fatal.
 */
int resolver_read(struct resolver *r);

void resolver_stats(const struct resolver *r, struct resolver_stats *st);

/* SIGTERM the helper (SIGKILL if it has not gone within a second), reap
 * it, free everything.  NULL is allowed. */
void resolver_stop(struct resolver *r);

/* ---- wire format: public only so that tests can play the helper ------ */

enum resolve_msg_type {
	RESOLVE_MSG_READY = 1,		/* helper -> daemon, once, after setup */
	RESOLVE_MSG_REQUEST = 2,	/* daemon -> helper */
	RESOLVE_MSG_ANSWER = 3,		/* helper -> daemon */
};

enum resolve_status {
	RESOLVE_OK = 0,			/* name holds a sanitised name */
	RESOLVE_NONAME = 1,		/* no name (no PTR, lookup failed) */
	RESOLVE_BADNAME = 2,		/* a name came back but was refused */
};

/* Byte arrays only, so there is no padding and the size is exact. */
struct resolve_request {
	uint8_t type;			/* RESOLVE_MSG_REQUEST */
	uint8_t addr[16];		/* struct ipaddr */
};

/* READY and ANSWER.  Every byte after the name's NUL is zero; for READY
 * and for answers without a name, the whole message but type, addr and
 * status is zero. */
struct resolve_answer {
	uint8_t type;
	uint8_t addr[16];
	uint8_t status;			/* enum resolve_status */
	char name[HOSTNAME_MAX];
};

/* ---- service names --------------------------------------------------- */

struct services;

/* Read the services database (getservent: /etc/services, from the netbase
 * package on Debian) into a table; the first entry for a port wins, as
 * with getservbyport().  Entries whose name is longer than 32 bytes or
 * holds anything but [A-Za-z0-9._+-] are skipped.  NULL when out of memory
 * or when the database gave no usable TCP or UDP entry. */
struct services *services_load(void);

/* proto is 6 (TCP) or 17 (UDP).  NULL when unknown.  No I/O. */
const char *services_name(const struct services *s, uint16_t port,
			  uint8_t proto);

void services_free(struct services *s);

/* ---- untrusted names ------------------------------------------------- */

/*
 * Make an untrusted host name (a DNS answer) safe to show in logs, mail
 * headers and JSON, or refuse it.  Nothing is ever repaired, because a
 * repaired name could name someone else; a name is copied to out only if
 *   - it is 1..HOSTNAME_MAX-1 bytes long after removing one trailing dot
 *     (the root), and fits in out with its NUL;
 *   - every byte is in [A-Za-z0-9._-];
 *   - every label is 1..63 bytes and neither starts nor ends with '-';
 *   - it does not read as an IPv4 address in any form inet_aton() accepts,
 *     and its last label is not all digits (no top-level domain is): a PTR
 *     record saying "192.0.2.1" must not be shown as a name.
 * Otherwise returns false and leaves out empty (when outlen > 0).
 * in and out may overlap.
 */
bool hostname_sanitise(const char *in, char *out, size_t outlen);

#endif
