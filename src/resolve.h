/*
 * resolve.h - host names (DNSResolve) and service names (PortResolve)
 * for log lines, without ever stalling packet processing.
 *
 * Reverse DNS is slow and its answers are hostile input.  So the blocking
 * getnameinfo() calls run in a helper process (resolve_helper.c, started
 * through proc.h, unprivileged and sandboxed), that talks to the daemon
 * over a socketpair in fixed-size messages.  The helper may die or be
 * restarted: the daemon then goes on without names for a while.  The
 * daemon side only ever does non-blocking sends and reads; what it shows
 * comes from a fixed-size cache, and every name is checked by
 * hostname_sanitise() on both sides of the socket.
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
#include "alert.h"
#include "params.h"
#include "proc.h"

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
 * The daemon's side of the helper: a cache in front of a descriptor, one
 * end of a SOCK_SEQPACKET socketpair whose other end the helper holds
 * (or a test playing the helper).  Takes ownership of fd (-1: no helper
 * yet) and makes it non-blocking.  cache_size (1..RESOLVER_CACHE_MAX) is
 * rounded up to a power of two, at least 4: buckets of 4 entries.  The
 * cache is allocated here, once.  NULL when cache_size is out of range or
 * memory or random bytes for the hash key are lacking (fd is closed).
 */
struct resolver *resolver_from_fd(int fd, unsigned cache_size);

/*
 * The helper was restarted (fd: the new descriptor, owned from now on) or
 * is down (fd -1: lookups are counted as dropped until a new one comes).
 * Closes the old descriptor.  Every request still pending is forgotten,
 * so that alerts held for names are released with bare addresses; no
 * answer is expected for them, and a later lookup asks again.
 */
void resolver_set_fd(struct resolver *r, int fd);

/* True while there is no helper: after resolver_set_fd(r, -1), or after
 * resolver_read() found it gone. */
bool resolver_down(const struct resolver *r);

/* Close the descriptor, free everything.  The helper process is the
 * parent's to stop (proc_stop).  NULL is allowed. */
void resolver_free(struct resolver *r);

/* Start the resolver process (role SANDBOX_RESOLVER, as user when root)
 * through proc_start(); the daemon's end is p->fd.  Called by the
 * process that supervises helpers.  sandbox_required: SandboxRequired.
 * false with the reason in err. */
bool resolver_proc_start(const char *user, bool sandbox_required,
			 struct proc *p, char *err, size_t errlen);

/* For poll(): readable when answers arrive (or when the helper died);
 * -1 while the helper is down. */
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
 * the number read (0 while the helper is down), or:
 *   RESOLVER_READ_MALFORMED: the helper broke the protocol (wrong size,
 *     unknown type or status, name not NUL-terminated or refused by
 *     hostname_sanitise, bytes after the name, an answer nobody asked
 *     for); the caller treats it as fatal;
 *   RESOLVER_READ_GONE: the helper went away (end of file, ECONNRESET):
 *     the resolver is now down, as after resolver_set_fd(r, -1), and the
 *     daemon goes on without names until the parent sends a new fd.
 */
enum {
	RESOLVER_READ_MALFORMED = -1,
	RESOLVER_READ_GONE = -2,
};
int resolver_read(struct resolver *r);

void resolver_stats(const struct resolver *r, struct resolver_stats *st);
/* The same as "resolver.hits", ... statistics. */
void resolver_put_stats(const struct resolver *r, stat_fn put, void *arg);

/* ---- wire format: public only so that tests can play the helper ------ */

/* The helper's start-up is proc.h's hello; then only these. */
enum resolve_msg_type {
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

/* ANSWER.  Every byte after the name's NUL is zero; for answers without
 * a name, the whole message but type, addr and status is zero. */
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
