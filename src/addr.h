/*
 * addr.h - one address type for IPv4 and IPv6.
 *
 * IPv4 addresses are kept as IPv4-mapped IPv6 (::ffff:a.b.c.d) so that
 * hashing, comparing and prefix matching have one code path.
 */
#ifndef SCANDETD_ADDR_H
#define SCANDETD_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ipaddr {
	uint8_t b[16];			/* network byte order */
};

/* INET6_ADDRSTRLEN, plus room for a terminating NUL. */
#define ADDR_STR_MAX 48

void addr_from_v4(struct ipaddr *a, const uint8_t v4[4]);
void addr_from_v6(struct ipaddr *a, const uint8_t v6[16]);
bool addr_is_v4(const struct ipaddr *a);
bool addr_equal(const struct ipaddr *a, const struct ipaddr *b);
/* Multicast, or IPv4's limited broadcast: a packet to a group is for
 * nobody in particular, and nobody in particular answers it. */
bool addr_is_group(const struct ipaddr *a);
/* 0.0.0.0 or :: (a host that has no address yet: DHCP, DAD). */
bool addr_is_unspecified(const struct ipaddr *a);

/* Text form: dotted quad for IPv4, RFC 5952 for IPv6.  Returns buf. */
const char *addr_to_str(const struct ipaddr *a, char *buf, size_t len);

/* Parse "192.0.2.1" or "2001:db8::1" (no brackets).  false on error. */
bool addr_parse(const char *s, struct ipaddr *a);

/* A network prefix.  For IPv4 prefixes plen counts IPv4 bits (0..32) and
 * only IPv4 addresses match; for IPv6, plen is 0..128 and only IPv6
 * (non-mapped) addresses match. */
struct ipprefix {
	struct ipaddr net;		/* already masked */
	uint8_t plen;
	bool v4;
};

void prefix_make(struct ipprefix *p, const struct ipaddr *a, unsigned plen);
bool prefix_match(const struct ipprefix *p, const struct ipaddr *a);

#endif
