/*
 * random.h - the one source of random bytes: hash keys (tables, the
 * resolver's cache) and the mailer's Message-IDs all draw from here.
 */
#ifndef SCANDETD_RANDOM_H
#define SCANDETD_RANDOM_H

#include <stdbool.h>
#include <stddef.h>

/* Fill buf with len bytes from the kernel's CSPRNG (getrandom(2)), waiting
 * for it to be seeded at boot.  false only if the kernel refuses. */
bool random_bytes(void *buf, size_t len);

#endif
