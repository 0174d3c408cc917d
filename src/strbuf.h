/*
 * strbuf.h - a bounded string builder for the text and JSON of alerts.
 *
 * Appends never overflow: a text that does not fit is cut, and the
 * buffer always holds a NUL-terminated string.  Whoever needs whole
 * output (JSON) sizes the buffer for the worst case.
 */
#ifndef SCANDETD_STRBUF_H
#define SCANDETD_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len, used;
};

/* An empty string in buf[len] (len >= 1). */
void sb_init(struct strbuf *sb, char *buf, size_t len);

void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* s as a JSON string, quotes included (RFC 8259): '"', '\\' and control
 * characters escaped, valid UTF-8 kept, an invalid byte becomes U+FFFD,
 * so that whatever s holds the output is valid JSON.  At most
 * SB_JSON_STR_MAX(strlen(s)) bytes. */
void sb_json_str(struct strbuf *sb, const char *s);
#define SB_JSON_STR_MAX(n)	(6 * (n) + 2)

/* Whether everything appended so far fitted (nothing was cut). */
bool sb_fits(const struct strbuf *sb);

#endif
