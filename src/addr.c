/* addr.c - IPv4/IPv6 addresses in one 16-byte form. */
#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const uint8_t v4_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

void addr_from_v4(struct ipaddr *a, const uint8_t v4[4])
{
	memcpy(a->b, v4_mapped_prefix, 12);
	memcpy(a->b + 12, v4, 4);
}

void addr_from_v6(struct ipaddr *a, const uint8_t v6[16])
{
	memcpy(a->b, v6, 16);
}

bool addr_is_v4(const struct ipaddr *a)
{
	return memcmp(a->b, v4_mapped_prefix, 12) == 0;
}

bool addr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return memcmp(a->b, b->b, 16) == 0;
}

const char *addr_to_str(const struct ipaddr *a, char *buf, size_t len)
{
	/* inet_ntop writes RFC 5952 text for IPv6 in glibc. */
	const char *ok;

	if (addr_is_v4(a))
		ok = inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)len);
	else
		ok = inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
	if (!ok && len > 0)
		snprintf(buf, len, "?");
	return buf;
}

bool addr_parse(const char *s, struct ipaddr *a)
{
	uint8_t raw[16];

	if (inet_pton(AF_INET, s, raw) == 1) {
		addr_from_v4(a, raw);
		return true;
	}
	if (inet_pton(AF_INET6, s, raw) == 1) {
		addr_from_v6(a, raw);
		return true;
	}
	return false;
}

void prefix_make(struct ipprefix *p, const struct ipaddr *a, unsigned plen)
{
	unsigned bits, i;

	p->v4 = addr_is_v4(a);
	if (p->v4 && plen > 32)
		plen = 32;
	if (plen > 128)
		plen = 128;
	p->plen = (uint8_t)plen;
	bits = p->v4 ? 96 + plen : plen;
	p->net = *a;
	for (i = 0; i < 16; i++) {
		unsigned keep = bits > 8 * i ? bits - 8 * i : 0;

		if (keep >= 8)
			continue;
		p->net.b[i] &= (uint8_t)(0xff00u >> keep);
	}
}

bool prefix_match(const struct ipprefix *p, const struct ipaddr *a)
{
	unsigned bits, full, rest;

	if (p->v4 != addr_is_v4(a))
		return false;
	bits = p->v4 ? 96 + p->plen : p->plen;
	full = bits / 8;
	rest = bits % 8;
	if (memcmp(p->net.b, a->b, full) != 0)
		return false;
	if (rest && ((a->b[full] ^ p->net.b[full]) & (uint8_t)(0xff00u >> rest)))
		return false;
	return true;
}

bool addr_is_group(const struct ipaddr *a)
{
	if (addr_is_v4(a))
		return (a->b[12] & 0xf0) == 0xe0 ||
		       (a->b[12] == 255 && a->b[13] == 255 &&
			a->b[14] == 255 && a->b[15] == 255);
	return a->b[0] == 0xff;
}

bool addr_is_unspecified(const struct ipaddr *a)
{
	static const struct ipaddr zero;
	struct ipaddr v4zero = { .b = { [10] = 0xff, [11] = 0xff } };

	return memcmp(a, &zero, sizeof zero) == 0 ||
	       memcmp(a, &v4zero, sizeof v4zero) == 0;
}
