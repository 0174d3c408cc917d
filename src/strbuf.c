/* strbuf.c - see strbuf.h. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

void sb_init(struct strbuf *sb, char *buf, size_t len)
{
	sb->buf = buf;
	sb->len = len;
	sb->used = 0;
	if (len > 0)
		buf[0] = '\0';
}

/* A cut text leaves used at len: sb_fits tells it from a full fit, and
 * every later append is a no-op. */
void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sb->used >= sb->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->used, sb->len - sb->used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sb->len - sb->used)
		sb->used = sb->len;
	else
		sb->used += (size_t)n;
}

static void sb_bytes(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->used >= sb->len)
		return;
	if (n >= sb->len - sb->used) {
		memcpy(sb->buf + sb->used, s, sb->len - sb->used - 1);
		sb->buf[sb->len - 1] = '\0';
		sb->used = sb->len;
		return;
	}
	memcpy(sb->buf + sb->used, s, n);
	sb->used += n;
	sb->buf[sb->used] = '\0';
}

/* One byte below 0x80 as JSON. */
static void json_ascii(struct strbuf *sb, unsigned char c)
{
	char ch = (char)c;

	switch (c) {
	case '"': sb_bytes(sb, "\\\"", 2); break;
	case '\\': sb_bytes(sb, "\\\\", 2); break;
	case '\n': sb_bytes(sb, "\\n", 2); break;
	case '\r': sb_bytes(sb, "\\r", 2); break;
	case '\t': sb_bytes(sb, "\\t", 2); break;
	default:
		if (c < 0x20)
			sb_printf(sb, "\\u%04x", c);
		else
			sb_bytes(sb, &ch, 1);
	}
}

void sb_json_str(struct strbuf *sb, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;

	sb_bytes(sb, "\"", 1);
	while (i < n) {
		size_t l = utf8_len(u + i, n - i);

		if (l == 1)
			json_ascii(sb, u[i]);
		else if (l > 1)
			sb_bytes(sb, s + i, l);
		else
			sb_bytes(sb, "\\ufffd", 6);
		i += l ? l : 1;
	}
	sb_bytes(sb, "\"", 1);
}

bool sb_fits(const struct strbuf *sb)
{
	return sb->used < sb->len;
}
