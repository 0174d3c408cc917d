/* siphash.c - SipHash-1-3 (one compression round, three finalisation
 * rounds): the variant Rust and Python use for hash tables. */
#include "siphash.h"

#include <string.h>

#include "random.h"

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

#define SIPROUND do {							\
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);	\
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);	\
} while (0)

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint64_t load_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

uint64_t siphash13(const struct sipkey *key, const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t v0 = key->k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = key->k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = key->k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = key->k1 ^ 0x7465646279746573ULL;
	uint64_t b = (uint64_t)len << 56;
	size_t i, t = 0, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t m = load_le64(in + i);

		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	if (tail >= 4) {
		/* Keys of whole 32-bit words (every table's) end here: one
		 * load instead of four. */
		b |= load_le32(in + i);
		t = 4;
	}
	for (; t < tail; t++)
		b |= (uint64_t)in[i + t] << (8 * t);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

int sipkey_random(struct sipkey *key)
{
	uint64_t k[2];

	if (!random_bytes(k, sizeof k))
		return -1;
	key->k0 = k[0];
	key->k1 = k[1];
	return 0;
}

int sipkey_for_run(struct sipkey *key, bool fixed, const struct sipkey *given)
{
	if (!fixed)
		return sipkey_random(key);
	*key = *given;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool sipkey_parse(const char *hex, struct sipkey *key)
{
	uint64_t k[2] = { 0, 0 };

	for (int i = 0; i < 32; i++) {
		int d = hex_digit(hex[i]);

		if (d < 0)
			return false;	/* also the end of a short string */
		k[i / 16] = k[i / 16] << 4 | (uint64_t)d;
	}
	if (hex[32] != '\0')
		return false;
	key->k0 = k[0];
	key->k1 = k[1];
	return true;
}
