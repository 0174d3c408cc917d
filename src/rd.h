/*
 * rd.h - a bounds-checked reader over captured bytes.
 *
 * Every read from a packet goes through a cursor.  A read that would pass
 * the end fails and leaves the cursor unchanged; nothing is ever read past
 * the captured length.  The check is written as "n > remaining" rather than
 * "pos + n > end" so that it cannot overflow and cannot be optimised away.
 */
#ifndef SCANDETD_RD_H
#define SCANDETD_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t left;
};

/* Big-endian fields at p, which the caller has checked are there
 * (rd_take). */
static inline uint16_t rd_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void rd_init(struct rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->left = len;
}

static inline bool rd_skip(struct rd *r, size_t n)
{
	if (n > r->left)
		return false;
	r->p += n;
	r->left -= n;
	return true;
}

static inline bool rd_u8(struct rd *r, uint8_t *v)
{
	if (r->left < 1)
		return false;
	*v = r->p[0];
	r->p++;
	r->left--;
	return true;
}

static inline bool rd_be16(struct rd *r, uint16_t *v)
{
	if (r->left < 2)
		return false;
	*v = rd_get_be16(r->p);
	r->p += 2;
	r->left -= 2;
	return true;
}

static inline bool rd_le16(struct rd *r, uint16_t *v)
{
	if (r->left < 2)
		return false;
	*v = (uint16_t)(r->p[1] << 8 | r->p[0]);
	r->p += 2;
	r->left -= 2;
	return true;
}

static inline bool rd_be32(struct rd *r, uint32_t *v)
{
	if (r->left < 4)
		return false;
	*v = rd_get_be32(r->p);
	r->p += 4;
	r->left -= 4;
	return true;
}

static inline bool rd_bytes(struct rd *r, void *dst, size_t n)
{
	if (n > r->left)
		return false;
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

/* The next n bytes, consumed, or NULL (nothing consumed) if fewer are
 * left: a fixed-size header checked once, then taken apart with
 * rd_get_be16/rd_get_be32 (above) at offsets below n. */
static inline const uint8_t *rd_take(struct rd *r, size_t n)
{
	const uint8_t *p = r->p;

	if (n > r->left)
		return NULL;
	r->p += n;
	r->left -= n;
	return p;
}

/* A sub-cursor over the next n bytes (without consuming them). */
static inline bool rd_sub(const struct rd *r, size_t n, struct rd *sub)
{
	if (n > r->left)
		return false;
	sub->p = r->p;
	sub->left = n;
	return true;
}

/* Shrink the readable length, e.g. to the IP total length, so that inner
 * layers never see the link-layer trailer.  Never grows it. */
static inline void rd_clamp(struct rd *r, size_t n)
{
	if (n < r->left)
		r->left = n;
}

#endif
