/*
 * random.c - random bytes from getrandom(2).
 *
 * No /dev/urandom fallback: getrandom() exists since Linux 3.17, older
 * kernels are out of scope, and a sandboxed process could not open the
 * device anyway.
 */
#include "random.h"

#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

bool random_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		/* Requests over 256 bytes may come back short, and a signal
		 * may interrupt the wait for the pool at boot. */
		ssize_t n = getrandom(p, len, 0);

		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}
