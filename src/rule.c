/*
 * rule.c - host rules of the *Ignore options.
 *
 *   src_ip/mask:src_ports [src_ip/mask:src_ports ...] [-> dst_ip/mask:dst_ports]
 *
 * A rule text is parsed completely into a private array first and only
 * appended to the list when all of it is valid, so a bad rule never leaves
 * half of itself behind.  Port lists are sorted and merged at parse time:
 * matching can stop early, and printing gives the shortest text.
 */
#include "rule.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"

/*
 * Longest rule accepted, measured as rule_print writes it.  Printing may
 * lengthen a rule a little ("0" becomes "0.0.0.0", "a->b" becomes
 * "a -> b"), so a rule that fits on an input line could print too long to
 * read back.  Measuring the printed form, which re-prints identically,
 * keeps -s output always re-readable; 64 leaves room for the option name.
 */
#define RULE_PRINTED_MAX	(CONF_LINE_MAX - 64)

/* Longest piece of user text quoted back in an error message. */
#define EXCERPT_MAX	64

/* Longest address text inside one spec ("[...]" contents included). */
#define ADDR_TEXT_MAX	64

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static size_t rule_printed_len(const struct host_rule *rule);

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Copy len bytes of s into buf as a C string, cut with "..." when long,
 * so that error messages stay readable whatever the input. */
static const char *excerpt(const char *s, size_t len, char buf[EXCERPT_MAX + 4])
{
	if (len > EXCERPT_MAX) {
		memcpy(buf, s, EXCERPT_MAX);
		memcpy(buf + EXCERPT_MAX, "...", 4);
	} else {
		memcpy(buf, s, len);
		buf[len] = '\0';
	}
	return buf;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Decimal digits only, no sign, no hex or octal; false on overflow of max. */
static bool parse_decimal(const char *s, size_t len, unsigned long max,
			  unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return false;
		d = (unsigned)(s[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* ---- ports ---------------------------------------------------------- */

bool port_range_parse(const char *s, size_t len, struct port_range *range,
		      char *err, size_t errlen)
{
	const char *dash = memchr(s, '-', len);
	const char *hi_text = dash ? dash + 1 : s;
	size_t lo_len = dash ? (size_t)(dash - s) : len;
	size_t hi_len = dash ? len - lo_len - 1 : len;
	unsigned long lo, hi;
	char ex[EXCERPT_MAX + 4];

	if (dash && (lo_len == 0 || hi_len == 0)) {
		seterr(err, errlen, "bad port range \"%s\"", excerpt(s, len, ex));
		return false;
	}
	if (!parse_decimal(s, lo_len, 65535, &lo)) {
		seterr(err, errlen, "bad port \"%s\"", excerpt(s, lo_len, ex));
		return false;
	}
	if (!parse_decimal(hi_text, hi_len, 65535, &hi)) {
		seterr(err, errlen, "bad port \"%s\"",
		       excerpt(hi_text, hi_len, ex));
		return false;
	}
	if (lo > hi) {
		seterr(err, errlen, "port range %lu-%lu is reversed", lo, hi);
		return false;
	}
	range->lo = (uint16_t)lo;
	range->hi = (uint16_t)hi;
	return true;
}

static int range_cmp(const void *a, const void *b)
{
	const struct port_range *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Sort and merge overlapping or adjacent ranges; returns the new count. */
static size_t ranges_normalize(struct port_range *r, size_t n)
{
	size_t i, out = 0;

	if (n == 0)
		return 0;
	qsort(r, n, sizeof *r, range_cmp);
	for (i = 1; i < n; i++) {
		if ((unsigned)r[i].lo <= (unsigned)r[out].hi + 1) {
			if (r[i].hi > r[out].hi)
				r[out].hi = r[i].hi;
		} else {
			r[++out] = r[i];
		}
	}
	return out + 1;
}

/* The text after ':' in a spec: "80", "1-1024,3306", ... */
static bool parse_port_list(const char *s, size_t len,
			    struct endpoint_spec *ep, char *err, size_t errlen)
{
	struct port_range tmp[CONF_MAX_PORT_RANGES];
	const char *p = s, *end = s + len;
	size_t n = 0;
	char ex[EXCERPT_MAX + 4];

	if (len == 0) {
		seterr(err, errlen, "missing ports after \":\"");
		return false;
	}
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *item_end = comma ? comma : end;

		if (item_end == p) {
			seterr(err, errlen, "empty port in list \"%s\"",
			       excerpt(s, len, ex));
			return false;
		}
		if (n == CONF_MAX_PORT_RANGES) {
			seterr(err, errlen, "more than %d ports or ranges in "
			       "\"%s\"", CONF_MAX_PORT_RANGES,
			       excerpt(s, len, ex));
			return false;
		}
		if (!port_range_parse(p, (size_t)(item_end - p), &tmp[n++],
				      err, errlen))
			return false;
		if (!comma)
			break;
		p = comma + 1;
	}
	n = ranges_normalize(tmp, n);
	ep->ranges = malloc(n * sizeof *ep->ranges);
	if (!ep->ranges) {
		seterr(err, errlen, "out of memory");
		return false;
	}
	memcpy(ep->ranges, tmp, n * sizeof *ep->ranges);
	ep->nranges = n;
	return true;
}

static bool ports_match(const struct endpoint_spec *ep, uint16_t port)
{
	size_t i;

	if (ep->nranges == 0)
		return true;
	for (i = 0; i < ep->nranges && ep->ranges[i].lo <= port; i++)
		if (port <= ep->ranges[i].hi)
			return true;
	return false;
}

/* ---- addresses ------------------------------------------------------- */

/* "127.1", "10.1.2": inet_aton short forms, which we refuse (see below). */
static bool looks_like_short_ipv4(const char *s)
{
	size_t dots = 0;

	for (; *s; s++) {
		if (*s == '.')
			dots++;
		else if (*s < '0' || *s > '9')
			return false;
	}
	return dots < 3;
}

/*
 * The part of a spec before '/' or ':'.  Besides dotted quads, only "0"
 * is taken as an inet_aton short form (the original's "0/0" idiom).
 * Other short forms are refused rather than read the inet_aton way:
 * "192.168.1/24" would silently mean 192.168.0.0/24, not what its
 * writer meant.
 */
static bool parse_ipv4_text(const char *s, size_t len, struct ipaddr *addr,
			    char *err, size_t errlen)
{
	char buf[ADDR_TEXT_MAX];
	char ex[EXCERPT_MAX + 4];

	if (len < sizeof buf) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (strcmp(buf, "0") == 0) {
			static const uint8_t zero[4];

			addr_from_v4(addr, zero);
			return true;
		}
		if (addr_parse(buf, addr) && addr_is_v4(addr))
			return true;
		if (looks_like_short_ipv4(buf)) {
			seterr(err, errlen, "bad address \"%s\" (write all "
			       "four numbers; only \"0\" may be shortened)",
			       buf);
			return false;
		}
	}
	seterr(err, errlen, "bad address \"%s\"", excerpt(s, len, ex));
	return false;
}

static bool parse_ipv6_text(const char *s, size_t len, struct ipaddr *addr,
			    char *err, size_t errlen)
{
	char buf[ADDR_TEXT_MAX];
	char ex[EXCERPT_MAX + 4];

	if (len < sizeof buf) {
		memcpy(buf, s, len);
		buf[len] = '\0';
		/* addr_parse takes IPv4 too: "[1.2.3.4]" and IPv4-mapped
		 * "[::ffff:1.2.3.4]" both come back as IPv4; say how to
		 * write them instead of making an IPv4 rule in disguise. */
		if (addr_parse(buf, addr)) {
			if (!addr_is_v4(addr))
				return true;
			seterr(err, errlen, "IPv4 address \"[%s]\" in "
			       "brackets (write IPv4 without brackets)", buf);
			return false;
		}
	}
	seterr(err, errlen, "bad IPv6 address \"%s\"", excerpt(s, len, ex));
	return false;
}

/* True when text (up to '/') is an IPv6 address written without brackets,
 * so that "2001:db8::1" gets a better message than "bad port". */
static bool is_bare_ipv6(const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	size_t n = slash ? (size_t)(slash - s) : len;
	char buf[ADDR_TEXT_MAX];
	struct ipaddr a;

	if (n >= sizeof buf || !memchr(s, ':', n))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return addr_parse(buf, &a) && !addr_is_v4(&a);
}

/* Reads the address at the start of spec s; *rest points after it. */
static bool parse_address(const char *s, size_t len, struct ipaddr *addr,
			  const char **rest, char *err, size_t errlen)
{
	const char *end = s + len, *p;
	char ex[EXCERPT_MAX + 4];

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close) {
			seterr(err, errlen, "unterminated \"[\" in \"%s\"",
			       excerpt(s, len, ex));
			return false;
		}
		*rest = close + 1;
		return parse_ipv6_text(s + 1, (size_t)(close - s - 1), addr,
				       err, errlen);
	}
	if (is_bare_ipv6(s, len)) {
		seterr(err, errlen, "IPv6 address must be in brackets: \"%s\"",
		       excerpt(s, len, ex));
		return false;
	}
	for (p = s; p < end && *p != '/' && *p != ':'; p++)
		;
	*rest = p;
	if (p == s) {
		seterr(err, errlen, "missing address in \"%s\"",
		       excerpt(s, len, ex));
		return false;
	}
	return parse_ipv4_text(s, (size_t)(p - s), addr, err, errlen);
}

/* ---- one spec: addr[/mask][:ports] ----------------------------------- */

/* Appends ` in "spec"` to a message, to say which spec it is about. */
static void err_add_spec(char *err, size_t errlen, const char *s, size_t len)
{
	char ex[EXCERPT_MAX + 4];
	size_t used = strlen(err);

	if (used + 1 < errlen)
		snprintf(err + used, errlen - used, " in \"%s\"",
			 excerpt(s, len, ex));
}

/* Appends the valid prefix lengths to a bad-mask message. */
static void err_add_range(char *err, size_t errlen, unsigned max_plen)
{
	size_t used = strlen(err);

	if (used + 1 < errlen)
		snprintf(err + used, errlen - used, " (0..%u for %s)",
			 max_plen, max_plen == 32 ? "IPv4" : "IPv6");
}

static bool parse_endpoint(const char *s, size_t len, struct endpoint_spec *ep,
			   char *err, size_t errlen)
{
	const char *end = s + len, *p;
	struct ipaddr addr;
	unsigned max_plen;
	unsigned long plen;
	char ex[EXCERPT_MAX + 4];

	memset(ep, 0, sizeof *ep);
	if (!parse_address(s, len, &addr, &p, err, errlen))
		return false;
	max_plen = addr_is_v4(&addr) ? 32 : 128;
	plen = max_plen;
	if (p < end && *p == '/') {
		const char *mask = ++p;

		while (p < end && *p != ':')
			p++;
		if (!parse_decimal(mask, (size_t)(p - mask), max_plen,
				   &plen)) {
			seterr(err, errlen, "bad mask \"/%s\"",
			       excerpt(mask, (size_t)(p - mask), ex));
			err_add_spec(err, errlen, s, len);
			err_add_range(err, errlen, max_plen);
			return false;
		}
	}
	if (p < end && *p != ':') {
		seterr(err, errlen, "unexpected \"%s\" after the address",
		       excerpt(p, (size_t)(end - p), ex));
		err_add_spec(err, errlen, s, len);
		return false;
	}
	if (p < end && !parse_port_list(p + 1, (size_t)(end - p - 1), ep,
					err, errlen)) {
		err_add_spec(err, errlen, s, len);
		return false;
	}
	/* Host bits beyond the mask are cleared, as the original did. */
	prefix_make(&ep->net, &addr, (unsigned)plen);
	return true;
}

/* ---- whole rules ------------------------------------------------------ */

/* Next blank-separated token of [*p, end); false when none is left. */
static bool next_token(const char **p, const char *end, const char **tok,
		       size_t *len)
{
	const char *s = *p;

	while (s < end && is_blank(*s))
		s++;
	if (s == end)
		return false;
	*tok = s;
	while (s < end && !is_blank(*s))
		s++;
	*len = (size_t)(s - *tok);
	*p = s;
	return true;
}

static size_t count_tokens(const char *s, const char *end)
{
	const char *tok;
	size_t len, n = 0;

	while (next_token(&s, end, &tok, &len))
		n++;
	return n;
}

static void endpoint_free(struct endpoint_spec *ep)
{
	free(ep->ranges);
	ep->ranges = NULL;
	ep->nranges = 0;
}

static void rules_free(struct host_rule *rules, size_t n)
{
	size_t i;

	if (!rules)
		return;
	for (i = 0; i < n; i++) {
		endpoint_free(&rules[i].src);
		endpoint_free(&rules[i].dst);
	}
	free(rules);
}

static bool endpoint_copy(struct endpoint_spec *to,
			  const struct endpoint_spec *from)
{
	*to = *from;
	to->ranges = NULL;
	if (from->nranges == 0)
		return true;
	to->ranges = malloc(from->nranges * sizeof *to->ranges);
	if (!to->ranges)
		return false;
	memcpy(to->ranges, from->ranges, from->nranges * sizeof *to->ranges);
	return true;
}

/* Parse the one destination spec of dst text [s, end). */
static bool parse_destination(const char *s, const char *end,
			      struct endpoint_spec *dst, char *err,
			      size_t errlen)
{
	const char *tok, *p = s;
	size_t len;
	char ex[EXCERPT_MAX + 4];

	if (!next_token(&p, end, &tok, &len)) {
		seterr(err, errlen, "missing destination after \"->\"");
		return false;
	}
	if (count_tokens(p, end) > 0) {
		seterr(err, errlen, "more than one destination after \"->\": "
		       "\"%s\"", excerpt(s, (size_t)(end - s), ex));
		return false;
	}
	return parse_endpoint(tok, len, dst, err, errlen);
}

/* Parse every source spec of [s, end) into rules[0..n-1].src. */
static bool parse_sources(const char *s, const char *end,
			  struct host_rule *rules, char *err, size_t errlen)
{
	const char *tok;
	size_t len, i = 0;

	while (next_token(&s, end, &tok, &len))
		if (!parse_endpoint(tok, len, &rules[i++].src, err, errlen))
			return false;
	return true;
}

/* Give every rule a copy of dst; a family mix could never match. */
static bool attach_destination(struct host_rule *rules, size_t n,
			       const struct endpoint_spec *dst, char *err,
			       size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (rules[i].src.net.v4 != dst->net.v4) {
			seterr(err, errlen, "source and destination are of "
			       "different address families (IPv4 and IPv6)");
			return false;
		}
		if (!endpoint_copy(&rules[i].dst, dst)) {
			seterr(err, errlen, "out of memory");
			return false;
		}
		rules[i].has_dst = true;
	}
	return true;
}

static bool list_append(struct rule_list *list, struct host_rule *rules,
			size_t n, char *err, size_t errlen)
{
	struct host_rule *grown;

	grown = realloc(list->rules, (list->n + n) * sizeof *grown);
	if (!grown) {
		seterr(err, errlen, "out of memory");
		return false;
	}
	memcpy(grown + list->n, rules, n * sizeof *grown);
	list->rules = grown;
	list->n += n;
	return true;
}

static bool check_printed_length(const struct host_rule *rules, size_t n,
				 char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (rule_printed_len(&rules[i]) > RULE_PRINTED_MAX) {
			seterr(err, errlen, "rule longer than %d characters "
			       "when written out in full", RULE_PRINTED_MAX);
			return false;
		}
	}
	return true;
}

/*
 * Parse text into a fresh array of *n rules (the caller frees it); room
 * is how many more rules the list may take, checked before allocating.
 */
static bool parse_rules(const char *text, size_t room,
			struct host_rule **out, size_t *n, char *err,
			size_t errlen)
{
	const char *end = text + strlen(text);
	const char *arrow = strstr(text, "->");
	const char *src_end = arrow ? arrow : end;
	struct endpoint_spec dst = { 0 };
	bool ok;

	if (arrow && strstr(arrow + 2, "->")) {
		seterr(err, errlen, "more than one \"->\"");
		return false;
	}
	*n = count_tokens(text, src_end);
	if (*n == 0) {
		seterr(err, errlen, arrow ? "missing source before \"->\"" :
		       "empty rule");
		return false;
	}
	if (*n > room) {
		seterr(err, errlen, "too many rules (more than %d)",
		       CONF_MAX_RULES);
		return false;
	}
	*out = calloc(*n, sizeof **out);
	if (!*out) {
		seterr(err, errlen, "out of memory");
		return false;
	}
	ok = parse_sources(text, src_end, *out, err, errlen);
	if (ok && arrow)
		ok = parse_destination(arrow + 2, end, &dst, err, errlen) &&
		     attach_destination(*out, *n, &dst, err, errlen);
	endpoint_free(&dst);
	return ok && check_printed_length(*out, *n, err, errlen);
}

bool rule_parse(const char *text, struct rule_list *list, char *err,
		size_t errlen)
{
	size_t room = list->n < CONF_MAX_RULES ? CONF_MAX_RULES - list->n : 0;
	struct host_rule *rules = NULL;
	size_t n = 0;

	if (!parse_rules(text, room, &rules, &n, err, errlen) ||
	    !list_append(list, rules, n, err, errlen)) {
		rules_free(rules, n);
		return false;
	}
	free(rules);		/* the list now owns the ranges */
	return true;
}

/* ---- matching --------------------------------------------------------- */

static bool endpoint_match(const struct endpoint_spec *ep,
			   const struct ipaddr *addr, uint16_t port)
{
	return prefix_match(&ep->net, addr) && ports_match(ep, port);
}

bool rule_list_match_any(const struct rule_list *list,
			 const struct ipaddr *src, uint16_t sport,
			 const struct ipaddr *dst, uint16_t dport)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		const struct host_rule *r = &list->rules[i];

		if (endpoint_match(&r->src, src, sport) &&
		    (!r->has_dst || endpoint_match(&r->dst, dst, dport)))
			return true;
	}
	return false;
}

/* ---- printing --------------------------------------------------------- */

/* Text being built; len counts everything, even what did not fit, so a
 * NULL buffer of size 0 measures (snprintf's convention). */
struct text {
	char *buf;
	size_t size, len;
};

static void text_add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	size_t room = t->len < t->size ? t->size - t->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? t->buf + t->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += (size_t)n;
}

static void endpoint_format(const struct endpoint_spec *ep, struct text *t)
{
	char buf[ADDR_STR_MAX];
	unsigned host_plen = ep->net.v4 ? 32 : 128;
	size_t i;

	addr_to_str(&ep->net.net, buf, sizeof buf);
	text_add(t, ep->net.v4 ? "%s" : "[%s]", buf);
	if (ep->net.plen != host_plen)
		text_add(t, "/%u", (unsigned)ep->net.plen);
	for (i = 0; i < ep->nranges; i++) {
		const struct port_range *r = &ep->ranges[i];

		text_add(t, "%c", i == 0 ? ':' : ',');
		if (r->lo == r->hi)
			text_add(t, "%u", (unsigned)r->lo);
		else
			text_add(t, "%u-%u", (unsigned)r->lo,
				 (unsigned)r->hi);
	}
}

static void rule_format(const struct host_rule *rule, struct text *t)
{
	endpoint_format(&rule->src, t);
	if (rule->has_dst) {
		text_add(t, " -> ");
		endpoint_format(&rule->dst, t);
	}
}

static size_t rule_printed_len(const struct host_rule *rule)
{
	struct text t = { NULL, 0, 0 };

	rule_format(rule, &t);
	return t.len;
}

void rule_print(const struct host_rule *rule, FILE *out)
{
	char small[512];
	struct text t = { small, sizeof small, 0 };

	rule_format(rule, &t);
	if (t.len < t.size) {
		fputs(small, out);
		return;
	}
	t.size = t.len + 1;
	t.len = 0;
	t.buf = malloc(t.size);
	if (!t.buf)
		return;
	rule_format(rule, &t);
	fputs(t.buf, out);
	free(t.buf);
}

void rule_list_print(const struct rule_list *list, FILE *out)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		rule_print(&list->rules[i], out);
		fputc('\n', out);
	}
}

void rule_list_free(struct rule_list *list)
{
	rules_free(list->rules, list->n);
	list->rules = NULL;
	list->n = 0;
}
