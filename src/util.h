/*
 * util.h - the few small helpers that the code of every process shares,
 * one copy each: checks of fixed-size messages (bytes that must be zero,
 * big-endian fields), error text, the monotonic clock.
 */
#ifndef SCANDETD_UTIL_H
#define SCANDETD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every byte of p[0..len) is zero (padding and unused fields of a
 * message from another process). */
bool all_zero(const void *p, size_t len);

/* n-byte big-endian fields of a message (n <= 8). */
void put_be(uint8_t *p, uint64_t v, size_t n);
uint64_t get_be(const uint8_t *p, size_t n);

/* Milliseconds of CLOCK_MONOTONIC: timeouts and back-off, never
 * detection (that is packet time). */
uint64_t mono_ms(void);

/* Length of the valid UTF-8 sequence at s (at most n bytes, n >= 1), 0
 * if invalid: no overlong forms, no surrogates, nothing over U+10FFFF.
 * (Mail headers and JSON strings keep valid UTF-8 and nothing else.) */
size_t utf8_len(const unsigned char *s, size_t n);
/* Microseconds of CLOCK_REALTIME: live packet time, time stamps. */
uint64_t wall_us(void);

/* Zeroed memory on cache lines of its own (free() frees it), or NULL:
 * for state one thread writes at every packet while others write theirs
 * (Workers N), which must not share a line with it. */
void *zalloc_own_lines(size_t size);

/* snprintf into err, when err is not NULL and errlen not 0. */
void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
