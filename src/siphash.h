/*
 * siphash.h - SipHash-1-3, a keyed hash (Aumasson and Bernstein, 2012).
 *
 * Table positions come from a key drawn at random each run, so that an
 * attacker who chooses source addresses cannot choose collisions.
 */
#ifndef SCANDETD_SIPHASH_H
#define SCANDETD_SIPHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sipkey {
	uint64_t k0, k1;
};

uint64_t siphash13(const struct sipkey *key, const void *data, size_t len);

/* A fresh random key (random_bytes): 0, or -1 if the kernel gives none. */
int sipkey_random(struct sipkey *key);
/* The key of a run's tables, the one choice every stage that keys a
 * table makes alike: *given when fixed (--hash-key: config.hash_key and
 * hash_key_fixed), else a fresh random key.  0, or -1 as sipkey_random. */
int sipkey_for_run(struct sipkey *key, bool fixed, const struct sipkey *given);
/* 32 hexadecimal digits (k0 then k1, most significant first): true and
 * *key set, or false. */
bool sipkey_parse(const char *hex, struct sipkey *key);

#endif
