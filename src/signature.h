/*
 * signature.h - packet shapes that name the tool that made them.
 *
 * The signatures are data, not code: data/signatures.txt is built into the
 * binary and can be replaced with SignatureFile.  Matching is a walk over
 * the signatures indexed by protocol and TCP flags: a handful of
 * comparisons per packet, no allocation.
 */
#ifndef SCANDETD_SIGNATURE_H
#define SCANDETD_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>

#include "decode.h"

enum signature_class {
	SIG_SCAN,			/* evidence of scanning by TOOL */
	SIG_BENIGN,			/* not a contact (traceroute) */
};

struct signature {
	char name[32];
	char tool[24];
	enum signature_class cls;
	/* matching, private to signature.c */
	uint8_t proto;
	bool any_flags;
	uint8_t nflags;
	uint8_t flags[8];
	uint8_t nwin;
	uint16_t win[8];
	int optlen;			/* -1: any; else exact options follow */
	uint8_t opts[40];
	int mss;			/* -1: any */
	uint8_t nttl;
	uint8_t ttl[4];
	int ttlmax;			/* -1: any */
	int ipid;			/* -1: any */
	int urg;			/* -1: any */
	bool reserved_nonzero;
	int len;			/* -1: any */
	int dport_lo, dport_hi;		/* -1: any */
};

#define SIGNATURE_MAX 128

#define SIGNATURE_WORDS (SIGNATURE_MAX / 64)
#define SIGNATURE_WIN_BITS 6
/* A multiplicative hash: tools' windows are often multiples of 512,
 * alike in their low bits. */
static inline unsigned signature_win_row(uint16_t win)
{
	return (uint16_t)(win * 40503u) >> (16 - SIGNATURE_WIN_BITS);
}

struct signatures {
	size_t n;
	struct signature sig[SIGNATURE_MAX];
	/* Which signatures can match a TCP packet with these flags, and a
	 * UDP packet: bit i for sig[i], so a packet tries only those. */
	uint64_t tcp_by_flags[256][SIGNATURE_WORDS];
	uint64_t udp[SIGNATURE_WORDS];
	/* And which can match a TCP window, by signature_win_row(window)
	 * (most signatures name windows; the others are in every row). */
	uint64_t tcp_by_win[1 << SIGNATURE_WIN_BITS][SIGNATURE_WORDS];
};

/* Parse signature text; on error false and "NAME:LINE: what" in err. */
bool signatures_parse(const char *name, const char *text,
		      struct signatures *out, char *err, size_t errlen);
/* The built-in table (data/signatures.txt at build time). */
bool signatures_builtin(struct signatures *out, char *err, size_t errlen);
/* Read a file (SignatureFile). */
bool signatures_load(const char *path, struct signatures *out, char *err,
		     size_t errlen);

/* The first signature the packet matches, or NULL. */
const struct signature *signature_match(const struct signatures *s,
					const struct pkt *p);

#endif
