/* signature.c - the signature table: parsing and matching. */
#include "signature.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char signatures_builtin_text[];

static const char flag_letters[] = "FSRPAUEC";

static bool parse_number(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_flagset(const char *s, uint8_t *out)
{
	uint8_t f = 0;

	if (strcmp(s, "none") == 0) {
		*out = 0;
		return true;
	}
	for (; *s; s++) {
		const char *l = strchr(flag_letters, *s);

		if (!l || !*s)
			return false;
		f |= (uint8_t)(1u << (l - flag_letters));
	}
	*out = f;
	return f != 0;
}

/* Split "a,b,c" in place; calls one() for each item.  An empty list, or
 * an empty item ("a,,b"), is an error: it would silently mean "any". */
static bool each_item(char *list, bool (*one)(const char *, struct signature *),
		      struct signature *sig)
{
	char *save = NULL;
	size_t n = 0;

	if (!*list || list[strlen(list) - 1] == ',' || *list == ',' ||
	    strstr(list, ",,"))
		return false;
	for (char *it = strtok_r(list, ",", &save); it;
	     it = strtok_r(NULL, ",", &save), n++)
		if (!one(it, sig))
			return false;
	return n > 0;
}

static bool add_flags(const char *s, struct signature *sig)
{
	if (sig->nflags == sizeof sig->flags)
		return false;
	return parse_flagset(s, &sig->flags[sig->nflags++]);
}

static bool add_win(const char *s, struct signature *sig)
{
	long v;

	if (sig->nwin == sizeof sig->win / sizeof sig->win[0] ||
	    !parse_number(s, 0, 65535, &v))
		return false;
	sig->win[sig->nwin++] = (uint16_t)v;
	return true;
}

static bool add_ttl(const char *s, struct signature *sig)
{
	long v;

	if (sig->nttl == sizeof sig->ttl || !parse_number(s, 0, 255, &v))
		return false;
	sig->ttl[sig->nttl++] = (uint8_t)v;
	return true;
}

static bool parse_opts(const char *s, struct signature *sig)
{
	size_t n = strlen(s);

	if (strcmp(s, "none") == 0) {
		sig->optlen = 0;
		return true;
	}
	if (n == 0 || n % 2 || n / 2 > sizeof sig->opts)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
			return false;
		sig->opts[i] = (uint8_t)v;
	}
	sig->optlen = (int)(n / 2);
	return true;
}

static bool parse_range(const char *s, int *lo, int *hi)
{
	char buf[32];
	char *dash;
	long a, b;

	if (strlen(s) >= sizeof buf)
		return false;
	snprintf(buf, sizeof buf, "%s", s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (!parse_number(buf, 0, 65535, &a))
		return false;
	b = a;
	if (dash && !parse_number(dash + 1, a, 65535, &b))
		return false;
	*lo = (int)a;
	*hi = (int)b;
	return true;
}

static bool parse_int_key(const char *val, long hi, int *out)
{
	long v;

	if (!parse_number(val, 0, hi, &v))
		return false;
	*out = (int)v;
	return true;
}

static bool parse_key(char *kv, struct signature *sig)
{
	char *val = strchr(kv, '=');

	if (!val)
		return false;
	*val++ = '\0';
	if (strcmp(kv, "proto") == 0) {
		if (strcmp(val, "tcp") == 0)
			sig->proto = PROTO_TCP;
		else if (strcmp(val, "udp") == 0)
			sig->proto = PROTO_UDP;
		else
			return false;
		return true;
	}
	if (strcmp(kv, "flags") == 0) {
		sig->any_flags = false;
		return each_item(val, add_flags, sig);
	}
	if (strcmp(kv, "win") == 0)
		return each_item(val, add_win, sig);
	if (strcmp(kv, "ttl") == 0)
		return each_item(val, add_ttl, sig);
	if (strcmp(kv, "opts") == 0)
		return parse_opts(val, sig);
	if (strcmp(kv, "mss") == 0)
		return parse_int_key(val, 65535, &sig->mss);
	if (strcmp(kv, "ttlmax") == 0)
		return parse_int_key(val, 255, &sig->ttlmax);
	if (strcmp(kv, "ipid") == 0)
		return parse_int_key(val, 65535, &sig->ipid);
	if (strcmp(kv, "urg") == 0)
		return parse_int_key(val, 65535, &sig->urg);
	if (strcmp(kv, "len") == 0)
		return parse_int_key(val, 65535, &sig->len);
	if (strcmp(kv, "dport") == 0)
		return parse_range(val, &sig->dport_lo, &sig->dport_hi);
	if (strcmp(kv, "reserved") == 0) {
		sig->reserved_nonzero = true;
		return strcmp(val, "nonzero") == 0;
	}
	return false;
}

static void sig_init(struct signature *sig)
{
	memset(sig, 0, sizeof *sig);
	sig->any_flags = true;
	sig->optlen = sig->mss = sig->ttlmax = sig->ipid = -1;
	sig->urg = sig->len = sig->dport_lo = sig->dport_hi = -1;
}

static bool plain_word(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz"
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		     strlen(s);
}

/* One line: NAME TOOL CLASS key=value...; *why says what is wrong. */
static bool parse_line(char *line, struct signature *sig, const char **why)
{
	char *save = NULL, *tok[3];

	sig_init(sig);
	for (int i = 0; i < 3; i++) {
		tok[i] = strtok_r(i ? NULL : line, " \t", &save);
		if (!tok[i]) {
			*why = "expected NAME TOOL CLASS key=value...";
			return false;
		}
	}
	if (strlen(tok[0]) >= sizeof sig->name ||
	    strlen(tok[1]) >= sizeof sig->tool) {
		*why = "name or tool too long";
		return false;
	}
	/* The tool goes into log lines and JSON unescaped: plain words only. */
	if (!plain_word(tok[0]) || !plain_word(tok[1])) {
		*why = "name and tool may hold only letters, digits, '.', '_', '-'";
		return false;
	}
	strcpy(sig->name, tok[0]);
	strcpy(sig->tool, tok[1]);
	if (strcmp(tok[2], "scan") == 0)
		sig->cls = SIG_SCAN;
	else if (strcmp(tok[2], "benign") == 0)
		sig->cls = SIG_BENIGN;
	else {
		*why = "class must be scan or benign";
		return false;
	}
	for (char *kv = strtok_r(NULL, " \t", &save); kv;
	     kv = strtok_r(NULL, " \t", &save)) {
		if (!parse_key(kv, sig)) {
			*why = "bad key=value";
			return false;
		}
	}
	if (!sig->proto) {
		*why = "proto= is required";
		return false;
	}
	return true;
}

static bool in_list8(const uint8_t *list, size_t n, uint8_t v);

/* Does a window of the list fall in this row of tcp_by_win? */
static bool in_win_row(const uint16_t *list, size_t n, unsigned row)
{
	for (size_t i = 0; i < n; i++)
		if (signature_win_row(list[i]) == row)
			return true;
	return false;
}

static void index_one(struct signatures *s, size_t i)
{
	const struct signature *sig = &s->sig[i];
	uint64_t bit = 1ULL << (i % 64);

	if (sig->proto == PROTO_UDP) {
		s->udp[i / 64] |= bit;
		return;
	}
	for (unsigned f = 0; f < 256; f++)
		if (sig->any_flags || in_list8(sig->flags, sig->nflags, (uint8_t)f))
			s->tcp_by_flags[f][i / 64] |= bit;
	for (unsigned w = 0; w < 1u << SIGNATURE_WIN_BITS; w++)
		if (sig->nwin == 0 || in_win_row(sig->win, sig->nwin, w))
			s->tcp_by_win[w][i / 64] |= bit;
}

bool signatures_parse(const char *name, const char *text,
		      struct signatures *out, char *err, size_t errlen)
{
	char line[512];
	unsigned lineno = 0;

	memset(out->tcp_by_flags, 0, sizeof out->tcp_by_flags);
	memset(out->udp, 0, sizeof out->udp);
	memset(out->tcp_by_win, 0, sizeof out->tcp_by_win);
	out->n = 0;
	while (*text) {
		size_t n = strcspn(text, "\n");
		const char *why = NULL;
		char *p;

		lineno++;
		if (n >= sizeof line) {
			snprintf(err, errlen, "%s:%u: line too long", name, lineno);
			return false;
		}
		memcpy(line, text, n);
		line[n] = '\0';
		text += n + (text[n] == '\n');
		p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\0')
			continue;
		if (out->n == SIGNATURE_MAX) {
			snprintf(err, errlen, "%s:%u: more than %d signatures",
				 name, lineno, SIGNATURE_MAX);
			return false;
		}
		if (!parse_line(p, &out->sig[out->n], &why)) {
			snprintf(err, errlen, "%s:%u: %s", name, lineno, why);
			return false;
		}
		index_one(out, out->n);
		out->n++;
	}
	return true;
}

bool signatures_builtin(struct signatures *out, char *err, size_t errlen)
{
	return signatures_parse("(built-in signatures)",
				signatures_builtin_text, out, err, errlen);
}

bool signatures_load(const char *path, struct signatures *out, char *err,
		     size_t errlen)
{
	static char buf[256 * 1024];
	FILE *f = fopen(path, "r");
	size_t n;
	bool too_large;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	/* A file that fills the buffer exactly fits if nothing follows. */
	too_large = n == sizeof buf - 1 && fgetc(f) != EOF;
	if (ferror(f) || too_large) {
		snprintf(err, errlen, "%s: %s", path,
			 ferror(f) ? strerror(errno) : "file too large");
		fclose(f);
		return false;
	}
	fclose(f);
	buf[n] = '\0';
	if (strlen(buf) != n) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		return false;
	}
	return signatures_parse(path, buf, out, err, errlen);
}

/* ---- matching -------------------------------------------------------- */

static int tcp_mss(const struct pkt *p)
{
	size_t i = 0;

	while (i < p->tcp_optlen) {
		uint8_t kind = p->tcp_opts[i];

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= p->tcp_optlen || p->tcp_opts[i + 1] < 2)
			break;
		if (kind == 2 && p->tcp_opts[i + 1] == 4 && i + 3 < p->tcp_optlen)
			return p->tcp_opts[i + 2] << 8 | p->tcp_opts[i + 3];
		i += p->tcp_opts[i + 1];
	}
	return -1;
}

static bool in_list8(const uint8_t *list, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static bool in_list16(const uint16_t *list, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static bool tcp_matches(const struct signature *s, const struct pkt *p)
{
	if (!p->tcp_flags_known)
		return false;
	if (!s->any_flags && !in_list8(s->flags, s->nflags, p->tcp_flags))
		return false;
	if (s->nwin && !in_list16(s->win, s->nwin, p->tcp_window))
		return false;
	if (s->optlen >= 0 && (s->optlen != p->tcp_optlen ||
			       memcmp(s->opts, p->tcp_opts, p->tcp_optlen)))
		return false;
	if (s->mss >= 0 && tcp_mss(p) != s->mss)
		return false;
	if (s->urg >= 0 && p->tcp_urgptr != s->urg)
		return false;
	if (s->reserved_nonzero && !p->tcp_reserved)
		return false;
	return true;
}

static bool matches(const struct signature *s, const struct pkt *p)
{
	if (s->proto != p->proto)
		return false;
	if (s->proto == PROTO_TCP && !tcp_matches(s, p))
		return false;
	if (s->nttl && !in_list8(s->ttl, s->nttl, p->ttl))
		return false;
	if (s->ttlmax >= 0 && p->ttl > s->ttlmax)
		return false;
	if (s->ipid >= 0 && (p->ipver != 4 || p->ip_id != s->ipid))
		return false;
	if (s->len >= 0 && p->payload_len != s->len)
		return false;
	if (s->dport_lo >= 0 && (p->dport < s->dport_lo || p->dport > s->dport_hi))
		return false;
	return true;
}

const struct signature *signature_match(const struct signatures *s,
					const struct pkt *p)
{
	const uint64_t *cand, *by_win = NULL;

	if (p->proto == PROTO_TCP && p->tcp_flags_known) {
		cand = s->tcp_by_flags[p->tcp_flags];
		by_win = s->tcp_by_win[signature_win_row(p->tcp_window)];
	} else if (p->proto == PROTO_UDP) {
		cand = s->udp;
	} else {
		return NULL;
	}
	/* In table order: the first signature that matches wins. */
	for (size_t w = 0; w < SIGNATURE_WORDS; w++) {
		uint64_t m = cand[w] & (by_win ? by_win[w] : ~0ULL);

		for (; m; m &= m - 1) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(m);

			if (matches(&s->sig[i], p))
				return &s->sig[i];
		}
	}
	return NULL;
}
