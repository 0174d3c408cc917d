/*
 * mailer.c - the mailer process: the wire format it shares with the
 * daemon, the text of the messages, the rate limit, and the process that
 * queues, sends (libcurl SMTP or MailCommand), retries and gives up.
 *
 * The process is single-threaded around one poll: the daemon's socket,
 * a signalfd, libcurl's sockets (through curl_multi_poll) and the pipes
 * of a MailCommand run.  One delivery at a time, oldest first; a
 * failure backs everything off, since the relay is shared.  Signal
 * handlers do nothing: SIGTERM and SIGINT arrive through the signalfd.
 */
#include "mailer.h"

#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon.h"
#include "decode.h"
#include "log.h"
#include "resolve.h"

#if defined(__SANITIZE_ADDRESS__)
#define MAILER_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAILER_LSAN 1
#endif
#endif
#ifdef MAILER_LSAN
#include <sanitizer/lsan_interface.h>
#endif

_Static_assert(sizeof(struct mail_wire) ==
	       8 + 24 + 16 + 8 + 32 + MAIL_TOOL_MAX + MAIL_METHOD_MAX +
	       2 * HOSTNAME_MAX + ALERT_LINE_MAX,
	       "struct mail_wire must have no padding");
_Static_assert(sizeof(struct mail_status) == 256,
	       "struct mail_status must have no padding");
_Static_assert(sizeof(struct ipaddr) == 16, "struct ipaddr is 16 bytes");

/* The mailer's socket always ends up on this descriptor. */
#define MAILER_SOCK_FD	3

/* Exit codes of the mailer. */
enum {
	MAILER_EXIT_OK = 0,
	MAILER_EXIT_SETUP = 2,		/* descriptors, secrets, libcurl */
	MAILER_EXIT_PRIVDROP = 3,	/* could not become RunAsUser */
	MAILER_EXIT_PROTOCOL = 4,	/* a malformed message from the daemon */
	MAILER_EXIT_IO = 5,		/* the socket or poll failed */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- the wire format -------------------------------------------------- */

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
	while (n-- > 0) {
		p[n] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static bool tool_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' ||
	       c == '-';
}

static bool method_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-';
}

static bool line_char(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* s into a zeroed field of len bytes if it fits with its NUL and every
 * byte passes ok(); else the field stays empty. */
static void put_string(char *field, size_t len, const char *s,
		       bool (*ok)(unsigned char))
{
	size_t n, i;

	if (!s)
		return;
	n = strnlen(s, len);
	if (n == len)
		return;
	for (i = 0; i < n; i++)
		if (!ok((unsigned char)s[i]))
			return;
	memcpy(field, s, n);
}

static void put_name(char *field, const char *name)
{
	char clean[HOSTNAME_MAX];

	/* Names come from DNS: only one that the resolver's check leaves
	 * exactly as it is crosses over (the mailer checks it again). */
	if (name && hostname_sanitise(name, clean, sizeof clean) &&
	    strcmp(clean, name) == 0)
		memcpy(field, clean, strlen(clean));
}

void mail_wire_encode(const struct alert *a, const char *line,
		      const char *src_name, const char *dst_name,
		      struct mail_wire *w)
{
	/* Through a pointer: the field is a pointer in some versions of
	 * struct alert and an array in others. */
	const char *tool = a->tool;
	size_t i, n;

	memset(w, 0, sizeof *w);
	w->type = MAIL_MSG_ALERT;
	w->kind = (uint8_t)a->kind;
	w->proto = a->proto;
	w->scan_type = (uint8_t)a->scan.scan_type;
	w->dst_multiple = a->scan.dst_multiple ? 1 : 0;
	put_be(w->patterns, a->patterns, 2);
	put_be(w->ts, a->ts_us, 8);
	put_be(w->first_ts, a->scan.first_ts, 8);
	put_be(w->last_ts, a->scan.last_ts, 8);
	put_be(w->count, a->scan.count, 4);
	put_be(w->syn, a->scan.syn, 4);
	put_be(w->fin, a->scan.fin, 4);
	put_be(w->packets, a->packets, 4);
	put_be(w->first_port, a->scan.first_port, 2);
	put_be(w->last_port, a->scan.last_port, 2);
	put_be(w->port, a->scan.port, 2);
	memcpy(w->src, a->src.b, 16);
	memcpy(w->dst, a->dst.b, 16);
	put_string(w->tool, sizeof w->tool, tool, tool_char);
	put_string(w->method, sizeof w->method, a->method, method_char);
	put_name(w->src_name, src_name);
	put_name(w->dst_name, dst_name);
	/* The line is ours, but it holds names: it must stay one printable
	 * line whatever a future format puts in it. */
	n = line ? strnlen(line, sizeof w->line - 1) : 0;
	for (i = 0; i < n; i++)
		w->line[i] = line_char((unsigned char)line[i]) ? line[i] : '?';
	if (n == 0)
		memcpy(w->line, "(no text)", 9);
}

static bool all_zero(const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

void mail_wire_dropped(uint32_t n, struct mail_wire *w)
{
	memset(w, 0, sizeof *w);
	w->type = MAIL_MSG_DROPPED;
	put_be(w->count, n, 4);
}

static bool decode_dropped(const struct mail_wire *w, struct mail_event *ev,
			   const char **why)
{
	struct mail_wire z;

	mail_wire_dropped((uint32_t)get_be(w->count, 4), &z);
	if (memcmp(&z, w, sizeof z) != 0 || get_be(w->count, 4) == 0) {
		*why = "bad count of dropped alerts";
		return false;
	}
	memset(ev, 0, sizeof *ev);
	ev->type = MAIL_MSG_DROPPED;
	ev->count = (uint32_t)get_be(w->count, 4);
	return true;
}

/* A string field: NUL-terminated inside, zero after the NUL, every byte
 * passing ok(). */
static bool field_ok(const char *f, size_t len, bool (*ok)(unsigned char))
{
	size_t n = strnlen(f, len), i;

	if (n == len || !all_zero(f + n, len - n))
		return false;
	for (i = 0; i < n; i++)
		if (!ok((unsigned char)f[i]))
			return false;
	return true;
}

static bool any_char(unsigned char c)
{
	(void)c;
	return true;
}

/* Empty, or a name that hostname_sanitise() leaves exactly as it is. */
static bool name_ok(const char *f, size_t len)
{
	char check[HOSTNAME_MAX];

	if (!field_ok(f, len, any_char))
		return false;
	return f[0] == '\0' || (hostname_sanitise(f, check, sizeof check) &&
				strcmp(check, f) == 0);
}

bool mail_wire_decode(const void *buf, size_t len, struct mail_event *ev,
		      const char **why)
{
	struct mail_wire w;
	const char *dummy;

	if (!why)
		why = &dummy;
	if (len != sizeof w) {
		*why = "wrong size";
		return false;
	}
	memcpy(&w, buf, sizeof w);
	if (w.type == MAIL_MSG_DROPPED)
		return decode_dropped(&w, ev, why);
	if (w.type != MAIL_MSG_ALERT) {
		*why = "unknown type";
		return false;
	}
	switch (w.kind) {
	case ALERT_PORTSCAN:
	case ALERT_SWEEP:
	case ALERT_FLOOD:
		if (w.proto != PROTO_TCP && w.proto != PROTO_UDP) {
			*why = "unknown protocol";
			return false;
		}
		break;
	case ALERT_OSPROBE:
		if (w.proto != PROTO_TCP && w.proto != PROTO_ICMP &&
		    w.proto != PROTO_ICMPV6) {
			*why = "OS probe not over TCP or ICMP";
			return false;
		}
		if (get_be(w.patterns, 2) >> OSFP_PATTERN_COUNT) {
			*why = "unknown OS probe pattern";
			return false;
		}
		break;
	default:
		*why = "unknown kind of alert";
		return false;
	}
	if (w.scan_type > SCAN_UDP || w.dst_multiple > 1) {
		*why = "bad scan type or flag";
		return false;
	}
	if (!all_zero(w.zero, sizeof w.zero) ||
	    !all_zero(w.zero2, sizeof w.zero2)) {
		*why = "padding not zero";
		return false;
	}
	if (!field_ok(w.tool, sizeof w.tool, tool_char) ||
	    !field_ok(w.method, sizeof w.method, method_char)) {
		*why = "bad tool or method";
		return false;
	}
	if (!name_ok(w.src_name, sizeof w.src_name) ||
	    !name_ok(w.dst_name, sizeof w.dst_name)) {
		*why = "bad host name";
		return false;
	}
	if (!field_ok(w.line, sizeof w.line, line_char) || w.line[0] == '\0') {
		*why = "bad text line";
		return false;
	}
	memset(ev, 0, sizeof *ev);
	ev->type = MAIL_MSG_ALERT;
	ev->kind = (enum alert_kind)w.kind;
	ev->proto = w.proto;
	ev->scan_type = (enum scan_type)w.scan_type;
	ev->dst_multiple = w.dst_multiple;
	ev->patterns = (uint16_t)get_be(w.patterns, 2);
	ev->ts_us = get_be(w.ts, 8);
	ev->first_ts = get_be(w.first_ts, 8);
	ev->last_ts = get_be(w.last_ts, 8);
	ev->count = (uint32_t)get_be(w.count, 4);
	ev->syn = (uint32_t)get_be(w.syn, 4);
	ev->fin = (uint32_t)get_be(w.fin, 4);
	ev->packets = (uint32_t)get_be(w.packets, 4);
	ev->first_port = (uint16_t)get_be(w.first_port, 2);
	ev->last_port = (uint16_t)get_be(w.last_port, 2);
	ev->port = (uint16_t)get_be(w.port, 2);
	memcpy(ev->src.b, w.src, 16);
	memcpy(ev->dst.b, w.dst, 16);
	memcpy(ev->tool, w.tool, sizeof ev->tool);
	memcpy(ev->method, w.method, sizeof ev->method);
	memcpy(ev->src_name, w.src_name, sizeof ev->src_name);
	memcpy(ev->dst_name, w.dst_name, sizeof ev->dst_name);
	memcpy(ev->line, w.line, sizeof ev->line);
	return true;
}

/* ---- bounded text ------------------------------------------------------ */

/* Appends never overflow; what does not fit is cut. */
struct tbuf {
	char *buf;
	size_t len, used;
};

static void tb_add(struct tbuf *t, const char *s, size_t n)
{
	if (t->len == 0 || t->used >= t->len - 1)
		return;
	if (n > t->len - 1 - t->used)
		n = t->len - 1 - t->used;
	memcpy(t->buf + t->used, s, n);
	t->used += n;
	t->buf[t->used] = '\0';
}

static void tb_printf(struct tbuf *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tb_printf(struct tbuf *t, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		tb_add(t, tmp, (size_t)n < sizeof tmp ? (size_t)n :
		       sizeof tmp - 1);
}

/* ---- subject and body ------------------------------------------------- */

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case PROTO_UDP: return "UDP";
	case PROTO_ICMP: return "ICMP";
	case PROTO_ICMPV6: return "ICMPv6";
	default: return "TCP";
	}
}

void mail_subject_expand(const char *tmpl, const struct mail_event *ev,
			 char *out, size_t outlen)
{
	struct tbuf t = { out, outlen, 0 };
	char ip[ADDR_STR_MAX];
	const char *s;

	if (outlen)
		out[0] = '\0';
	for (s = tmpl; *s; s++) {
		if (*s != '%' || !s[1] || !strchr("psd%", s[1])) {
			tb_add(&t, s, 1);
			continue;
		}
		s++;
		switch (*s) {
		case 'p':
			tb_add(&t, proto_name(ev->proto),
			       strlen(proto_name(ev->proto)));
			break;
		case 's':
			addr_to_str(&ev->src, ip, sizeof ip);
			tb_add(&t, ip, strlen(ip));
			break;
		case 'd':
			/* An OS probe is counted per source only. */
			if (ev->kind == ALERT_OSPROBE &&
			    all_zero(ev->dst.b, sizeof ev->dst.b))
				snprintf(ip, sizeof ip, "unknown");
			else
				addr_to_str(&ev->dst, ip, sizeof ip);
			tb_add(&t, ip, strlen(ip));
			break;
		default:
			tb_add(&t, "%", 1);
			break;
		}
	}
}

static const char *event_words(const struct mail_event *ev)
{
	switch (ev->kind) {
	case ALERT_PORTSCAN: return "port scan";
	case ALERT_SWEEP: return "port sweep";
	case ALERT_FLOOD: return "port flood";
	case ALERT_OSPROBE: return "OS fingerprinting probe";
	default: return "alert";
	}
}

/* "name (192.0.2.1)" or "192.0.2.1". */
static void put_host(struct tbuf *t, const char *name,
		     const struct ipaddr *a)
{
	char ip[ADDR_STR_MAX];

	addr_to_str(a, ip, sizeof ip);
	if (name[0])
		tb_printf(t, "%s (%s)", name, ip);
	else
		tb_printf(t, "%s", ip);
}

static void put_time(struct tbuf *t, const char *label, uint64_t ts)
{
	char when[40];

	format_ts(ts, when, sizeof when);
	tb_printf(t, "%-15s%s\n", label, when);
}

static void body_scan(struct tbuf *t, const struct mail_event *ev)
{
	char first[40], last[40];

	tb_printf(t, "%-15s", "Destination:");
	put_host(t, ev->dst_name, &ev->dst);
	tb_printf(t, "%s\n", ev->dst_multiple ? " (and others)" : "");
	if (ev->kind == ALERT_SWEEP || ev->kind == ALERT_FLOOD)
		tb_printf(t, "%-15s%u\n", "Port:", ev->port);
	tb_printf(t, "%-15s%u\n", "Probes:", ev->count);
	format_ts(ev->first_ts, first, sizeof first);
	format_ts(ev->last_ts, last, sizeof last);
	tb_printf(t, "%-15s%u at %s\n", "First port:", ev->first_port, first);
	tb_printf(t, "%-15s%u at %s\n", "Last port:", ev->last_port, last);
	if (ev->proto == PROTO_TCP)
		tb_printf(t, "%-15s%s (%u SYN flags, %u FIN flags)\n",
			  "Scan type:", scan_type_name(ev->scan_type),
			  ev->syn, ev->fin);
	else
		tb_printf(t, "%-15s%s\n", "Scan type:",
			  scan_type_name(ev->scan_type));
	if (ev->tool[0])
		tb_printf(t, "%-15s%s\n", "Tool:", ev->tool);
}

static void body_osprobe(struct tbuf *t, const struct mail_event *ev)
{
	const char *sep = "";
	int i;

	tb_printf(t, "%-15s%s\n", "Tool:", ev->tool[0] ? ev->tool : "unknown");
	tb_printf(t, "%-15s%u\n", "Packets:", ev->packets);
	tb_printf(t, "%-15s", "Flag patterns:");
	for (i = 0; i < OSFP_PATTERN_COUNT; i++) {
		if (!(ev->patterns & (1u << i)))
			continue;
		tb_printf(t, "%s%s", sep, osfp_pattern_names[i]);
		sep = " ";
	}
	tb_printf(t, "%s\n", *sep ? "" : "(none)");
	if (ev->first_ts)
		put_time(t, "First probe:", ev->first_ts);
}

void mail_body_alert(const struct mail_event *ev, char *buf, size_t len)
{
	struct tbuf t = { buf, len, 0 };

	if (len)
		buf[0] = '\0';
	/* The line syslog gets, then the details, one per line. */
	tb_printf(&t, "%s\n\n", ev->line);
	tb_printf(&t, "%-15s%s (%s)\n", "Event:", event_words(ev),
		  proto_name(ev->proto));
	put_time(&t, "Time:", ev->ts_us);
	tb_printf(&t, "%-15s", "Source:");
	put_host(&t, ev->src_name, &ev->src);
	tb_printf(&t, "\n");
	if (ev->kind == ALERT_OSPROBE)
		body_osprobe(&t, ev);
	else
		body_scan(&t, ev);
	if (ev->method[0])
		tb_printf(&t, "%-15s%s\n", "Detection:", ev->method);
	tb_printf(&t, "\nTimes are packet times, UTC.  This alert is also in "
		  "scandetd's log.\n");
}

/* ---- RFC 5322 messages ------------------------------------------------- */

void mail_format_date(time_t t, char *buf, size_t len)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11) {
		snprintf(buf, len, "Thu, 01 Jan 1970 00:00:00 +0000");
		return;
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
		 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A growing message, bounded by MAIL_MAX_BYTES. */
struct mbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void mb_add(struct mbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (b->len + n + 1 > MAIL_MAX_BYTES + 1 ||
		    !(p = realloc(b->p, cap))) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void mb_str(struct mbuf *b, const char *s)
{
	mb_add(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if
 * invalid: no overlong forms, no surrogates, nothing over U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * A header value made safe: every control character (CR and LF above
 * all: they would start a new header) becomes a blank, an invalid UTF-8
 * byte becomes '?'.  Returns true if the result holds non-ASCII (valid
 * UTF-8) text.
 */
static bool clean_value(const char *in, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = strlen(in), i = 0, o = 0;
	bool wide = false;

	while (i < n && o + 5 < outlen) {
		size_t l = utf8_len(s + i, n - i);

		if (l == 0) {
			out[o++] = '?';
			i++;
		} else if (l > 1) {
			memcpy(out + o, s + i, l);
			o += l;
			i += l;
			wide = true;
		} else {
			out[o++] = (char)(s[i] < 0x20 || s[i] == 0x7f ? ' ' :
					  s[i]);
			i++;
		}
	}
	if (outlen)
		out[o] = '\0';
	return wide;
}

/* "Name: value", folded before blanks so that lines stay near 78
 * characters and always under 998. */
static void header_folded(struct mbuf *b, const char *name, const char *value)
{
	size_t col = strlen(name) + 2, i = 0, n = strlen(value);

	mb_str(b, name);
	mb_str(b, ": ");
	while (i < n) {
		size_t word = 0;

		if (value[i] == ' ') {
			/* Fold here if the next word would pass 78. */
			while (i + 1 + word < n && value[i + 1 + word] != ' ')
				word++;
			if (col + 1 + word > 78 && col > strlen(name) + 2) {
				mb_str(b, "\r\n");
				col = 0;
			}
		} else if (col >= 990) {
			mb_str(b, "\r\n ");	/* no blank to fold at */
			col = 1;
		}
		mb_add(b, value + i, 1);
		col++;
		i++;
	}
	mb_str(b, "\r\n");
}

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(struct mbuf *b, const unsigned char *s, size_t n)
{
	char out[4];
	size_t i;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out[0] = b64[v >> 18 & 63];
		out[1] = b64[v >> 12 & 63];
		out[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		out[3] = i + 2 < n ? b64[v & 63] : '=';
		mb_add(b, out, 4);
	}
}

/* RFC 2047 encoded words of at most 42 bytes (75 characters), never
 * splitting a UTF-8 sequence, one per line. */
static void header_encoded(struct mbuf *b, const char *name, const char *value)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t n = strlen(value), i = 0;

	mb_str(b, name);
	mb_str(b, ":");
	while (i < n) {
		size_t chunk = 0, l;

		while (i + chunk < n &&
		       (l = utf8_len(s + i + chunk, n - i - chunk)) > 0 &&
		       chunk + l <= 42)
			chunk += l;
		if (chunk == 0)
			chunk = 1;		/* cannot happen: cleaned */
		mb_str(b, i ? "\r\n =?UTF-8?B?" : " =?UTF-8?B?");
		base64(b, s + i, chunk);
		mb_str(b, "?=");
		i += chunk;
	}
	mb_str(b, "\r\n");
}

/* The body with CRLF line ends, lines of at most 998 bytes, control
 * characters but tabs as '?', invalid UTF-8 as '?'.  *eight: non-ASCII
 * text is left (8bit). */
static void body_lines(struct mbuf *b, const char *body, bool *eight)
{
	const unsigned char *s = (const unsigned char *)body;
	size_t n = strlen(body), i = 0, col = 0;

	*eight = false;
	while (i < n) {
		size_t l = utf8_len(s + i, n - i);

		if (s[i] == '\n') {
			mb_str(b, "\r\n");
			col = 0;
			i++;
			continue;
		}
		if (col + (l ? l : 1) > 998) {
			mb_str(b, "\r\n");
			col = 0;
		}
		if (l > 1) {
			mb_add(b, body + i, l);
			*eight = true;
			col += l;
			i += l;
			continue;
		}
		if (l == 0 || (s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f) {
			if (s[i] != '\r')
				mb_str(b, "?");
			col += s[i] != '\r';
			i++;
			continue;
		}
		/* A line of one dot ends the input of sendmail -t. */
		if (s[i] == '.' && col == 0 && (i + 1 == n || s[i + 1] == '\n'))
			mb_str(b, ". ");
		else
			mb_add(b, body + i, 1);
		col++;
		i++;
	}
	if (b->len < 2 || memcmp(b->p + b->len - 2, "\r\n", 2) != 0)
		mb_str(b, "\r\n");
}

char *mail_build(const struct mail_header_info *h, const char *body,
		 size_t *len)
{
	struct mbuf text = { 0 }, msg = { 0 };
	char date[64], clean[2048], to[4096];
	struct tbuf t = { to, sizeof to, 0 };
	bool eight;
	size_t i;

	body_lines(&text, body, &eight);
	mail_format_date(h->date, date, sizeof date);
	mb_str(&msg, "Date: ");
	mb_str(&msg, date);
	mb_str(&msg, "\r\n");
	clean_value(h->from, clean, sizeof clean);
	header_folded(&msg, "From", clean);
	to[0] = '\0';
	for (i = 0; i < h->nrcpt; i++) {
		if (i)
			tb_add(&t, ", ", 2);
		tb_add(&t, h->rcpt[i], strlen(h->rcpt[i]));
	}
	clean_value(to, clean, sizeof clean);
	header_folded(&msg, "To", clean);
	if (clean_value(h->subject, clean, sizeof clean))
		header_encoded(&msg, "Subject", clean);
	else
		header_folded(&msg, "Subject", clean);
	clean_value(h->message_id, clean, sizeof clean);
	header_folded(&msg, "Message-ID", clean);
	mb_str(&msg, "MIME-Version: 1.0\r\n"
	       "Content-Type: text/plain; charset=UTF-8\r\n"
	       "Content-Transfer-Encoding: ");
	mb_str(&msg, eight ? "8bit\r\n" : "7bit\r\n");
	mb_str(&msg, "Auto-Submitted: auto-generated\r\n\r\n");
	if (!text.failed)
		mb_add(&msg, text.p, text.len);
	free(text.p);
	if (text.failed || msg.failed) {
		free(msg.p);
		return NULL;
	}
	*len = msg.len;
	return msg.p;
}

/* ---- the rate limit ---------------------------------------------------- */

void mail_rate_init(struct mail_rate *r, unsigned limit)
{
	memset(r, 0, sizeof *r);
	r->limit = limit < 1 ? 1 : limit > MAIL_RATE_MAX ? MAIL_RATE_MAX :
		   limit;
}

bool mail_rate_allow(const struct mail_rate *r, uint64_t now_ms)
{
	return r->n < r->limit ||
	       now_ms >= r->sent_ms[r->head] + MAIL_RATE_WINDOW_MS;
}

void mail_rate_record(struct mail_rate *r, uint64_t now_ms)
{
	if (r->n < r->limit) {
		r->sent_ms[(r->head + r->n) % r->limit] = now_ms;
		r->n++;
		return;
	}
	/* Full: the oldest send leaves the window. */
	r->sent_ms[r->head] = now_ms;
	r->head = (r->head + 1) % r->limit;
}

uint64_t mail_rate_next(const struct mail_rate *r, uint64_t now_ms)
{
	return mail_rate_allow(r, now_ms) ? now_ms :
	       r->sent_ms[r->head] + MAIL_RATE_WINDOW_MS;
}

/* ---- the mailer process -------------------------------------------------- */

/* "<seconds.pid.serial.random@domain>" */
#define MAIL_ID_MAX	(64 + HOSTNAME_MAX)

/* A composed message waiting for delivery. */
struct queued {
	char *text;			/* CRLF, as sent over SMTP */
	size_t len;
	char id[MAIL_ID_MAX];		/* Message-ID, for the log */
	char what[128];			/* what it is about, for the log */
	uint64_t queued_ms;
	unsigned attempts;
};

#define CMD_ARGS_MAX	32

struct mailer {
	const struct config *cfg;
	int sock;			/* -1 once closed */
	int sigfd;

	bool ended;			/* the daemon closed, or SIGTERM */
	bool stop_now;			/* a second SIGTERM: give up now */
	bool detached;			/* carrying on in the background */
	uint64_t end_ms;

	struct queued q[MAIL_QUEUE_MAX + 1];	/* + 1: the last digest */
	size_t q_head, q_n;
	struct mail_rate rate;

	/* Alerts over the rate limit, waiting to leave as one digest. */
	char *digest;			/* MAIL_DIGEST_LINES lines */
	size_t digest_len, digest_cap;
	unsigned digest_n, digest_listed;
	uint64_t digest_lost;		/* alerts the daemon could not send */
	time_t digest_first, digest_last;

	uint64_t next_try_ms;		/* after a failure */
	unsigned backoff_ms;
	char last_error[512];

	bool busy;			/* the head is being delivered */
	uint64_t busy_since;

	/* SMTP through libcurl */
	CURLM *multi;
	CURL *easy;
	struct curl_slist *rcpts;
	size_t upload_off;
	char url[4200];			/* SMTPrelay and HelloMsg, encoded */
	char *password;
	char *ca;
	size_t ca_len;
	char errbuf[CURL_ERROR_SIZE];
	char reply[256];		/* the relay's last reply line */

	/* MailCommand */
	char *cmd_copy;
	char *argv[CMD_ARGS_MAX + 1];
	pid_t cmd_pid;
	int cmd_in, cmd_out;
	char *cmd_text;
	size_t cmd_len, cmd_off;
	char cmd_output[256];
	size_t cmd_output_len;
	uint64_t cmd_deadline;

	char domain[HOSTNAME_MAX];	/* for Message-IDs */
	uint32_t id_random;
	uint64_t serial;
	uint64_t received, delivered, given_up;
};

static void send_status(int sock, uint8_t type, const char *text);
static bool digest_pending(const struct mailer *m);

static bool stderr_is_file(void)
{
	struct stat st;

	return fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * After the end: the daemon is about to exit and must not wait for our
 * retries.  Close our end (the daemon's wait ends), and let go of a
 * standard error that is a pipe or a terminal (a shell reading it would
 * wait for us); a regular file is kept.
 */
static void go_background(struct mailer *m)
{
	uint64_t now, left;
	int fd;

	if (m->detached)
		return;
	m->detached = true;
	now = mono_ms();
	left = m->end_ms + MAIL_DRAIN_MS > now ?
	       m->end_ms + MAIL_DRAIN_MS - now : 0;
	log_info("mail: %zu message%s %snot delivered yet; carrying on in the "
		 "background for at most %d s", m->q_n, m->q_n == 1 ? "" : "s",
		 digest_pending(m) ? "and a digest " : "", (int)(left / 1000));
	if (m->sock != -1) {
		send_status(m->sock, MAIL_MSG_DETACHED, NULL);
		close(m->sock);
		m->sock = -1;
	}
	if (stderr_is_file())
		return;
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd != -1) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	log_init_syslog(m->cfg->syslog_facility, false);
}

/* No more alerts will come: deliver what we hold, within bounds.  If
 * the relay already failed, the daemon need not wait for the retries. */
static void end_input(struct mailer *m)
{
	if (m->ended)
		return;
	m->ended = true;
	m->end_ms = mono_ms();
	if (m->q_n > 0 && ((!m->busy && m->next_try_ms > m->end_ms) ||
			   (m->busy && m->end_ms - m->busy_since >=
			    MAIL_SLOW_MS)))
		go_background(m);
}

/* ---- the queue ---- */

static struct queued *head(struct mailer *m)
{
	return &m->q[m->q_head];
}

static void dequeue(struct mailer *m)
{
	struct queued *q = head(m);

	free(q->text);
	memset(q, 0, sizeof *q);
	m->q_head = (m->q_head + 1) % (MAIL_QUEUE_MAX + 1);
	m->q_n--;
}

static void make_id(struct mailer *m, char *id, size_t len)
{
	snprintf(id, len, "<%lld.%ld.%llu.%08x@%s>", (long long)time(NULL),
		 (long)getpid(), (unsigned long long)++m->serial,
		 (unsigned)m->id_random, m->domain);
}

/* Compose and queue; false when out of memory (logged). */
static bool enqueue(struct mailer *m, const char *subject, const char *body,
		    const char *what)
{
	const struct config *c = m->cfg;
	struct mail_header_info h;
	struct queued *q;
	char id[MAIL_ID_MAX];
	size_t len;
	char *text;

	make_id(m, id, sizeof id);
	h.from = c->mail_from;
	h.rcpt = c->rcpt_to.v;
	h.nrcpt = c->rcpt_to.n;
	h.subject = subject;
	h.message_id = id;
	h.date = time(NULL);
	text = mail_build(&h, body, &len);
	if (!text) {
		log_warnx("mail: cannot compose a message (out of memory): "
			  "%s", what);
		m->given_up++;
		return false;
	}
	q = &m->q[(m->q_head + m->q_n) % (MAIL_QUEUE_MAX + 1)];
	q->text = text;
	q->len = len;
	snprintf(q->id, sizeof q->id, "%s", id);
	snprintf(q->what, sizeof q->what, "%s", what);
	q->queued_ms = mono_ms();
	q->attempts = 0;
	m->q_n++;
	return true;
}

/* ---- the digest ---- */

static bool digest_pending(const struct mailer *m)
{
	return m->digest_n > 0 || m->digest_lost > 0;
}

static void digest_start(struct mailer *m)
{
	if (!digest_pending(m))
		m->digest_first = time(NULL);
	m->digest_last = time(NULL);
}

static void digest_add(struct mailer *m, const struct mail_event *ev)
{
	char when[40], line[ALERT_LINE_MAX + 64];
	int n;

	digest_start(m);
	m->digest_n++;
	if (m->digest_listed == MAIL_DIGEST_LINES)
		return;
	format_ts(ev->ts_us, when, sizeof when);
	n = snprintf(line, sizeof line, "%s  %s\n", when, ev->line);
	if (n < 0 || m->digest_len + (size_t)n + 1 > m->digest_cap)
		return;
	memcpy(m->digest + m->digest_len, line, (size_t)n + 1);
	m->digest_len += (size_t)n;
	m->digest_listed++;
}

/* Alerts that never reached us (the daemon's socket was full): only
 * their number is known, and it goes in the digest. */
static void digest_lost(struct mailer *m, uint32_t n)
{
	digest_start(m);
	m->digest_lost += n;
}

static void digest_send(struct mailer *m, uint64_t now)
{
	char subject[128], what[128], first[64], last[64];
	unsigned long long total = m->digest_n + m->digest_lost;
	size_t cap = m->digest_len + 2048;
	struct tbuf t;
	char *body;

	body = malloc(cap);
	if (!body) {
		log_warnx("mail: out of memory for a digest of %llu alerts",
			  total);
		return;			/* kept: tried again later */
	}
	t = (struct tbuf){ body, cap, 0 };
	body[0] = '\0';
	mail_format_date(m->digest_first, first, sizeof first);
	mail_format_date(m->digest_last, last, sizeof last);
	tb_printf(&t, "scandetd sends at most %u message%s a minute "
		  "(MailRateLimit).\n%llu more alert%s came between\n%s and\n"
		  "%s;\nhere they are in one message.\n", m->rate.limit,
		  m->rate.limit == 1 ? "" : "s", total, total == 1 ? "" : "s",
		  first, last);
	if (m->digest_lost)
		tb_printf(&t, "%llu of them came in a burst faster than the "
			  "mailer could take them:\nthey are only counted "
			  "here.\n", (unsigned long long)m->digest_lost);
	tb_printf(&t, "Every alert is also in scandetd's log.\n\n");
	if (m->digest_n)
		tb_printf(&t, "Packet time (UTC)            Alert\n");
	tb_add(&t, m->digest, m->digest_len);
	if (m->digest_n > m->digest_listed)
		tb_printf(&t, "(and %u more, not listed here)\n",
			  m->digest_n - m->digest_listed);
	snprintf(subject, sizeof subject, "scandetd: %llu more alert%s",
		 total, total == 1 ? "" : "s");
	snprintf(what, sizeof what, "digest of %llu alert%s", total,
		 total == 1 ? "" : "s");
	if (enqueue(m, subject, body, what)) {
		mail_rate_record(&m->rate, now);
		m->digest_n = 0;
		m->digest_listed = 0;
		m->digest_lost = 0;
		m->digest_len = 0;
		m->digest[0] = '\0';
	}
	free(body);
}

/* The digest leaves when the window reopens, or at once at the end. */
static void digest_release(struct mailer *m, uint64_t now)
{
	if (!digest_pending(m))
		return;
	if (m->ended ? m->q_n > MAIL_QUEUE_MAX :
	    m->q_n >= MAIL_QUEUE_MAX || !mail_rate_allow(&m->rate, now))
		return;
	digest_send(m, now);
}

/* ---- an alert from the daemon ---- */

static void take_event(struct mailer *m, const struct mail_event *ev)
{
	char subject[2048], body[4096];
	uint64_t now = mono_ms();

	if (ev->type == MAIL_MSG_DROPPED) {
		digest_lost(m, ev->count);
		return;
	}
	m->received++;
	/* A digest already waiting takes the alert (order is kept); over
	 * the limit or with a full queue, one is started. */
	if (!digest_pending(m)) {
		if (m->q_n >= MAIL_QUEUE_MAX)
			log_info("mail: %d messages wait for the relay: "
				 "further alerts go into one digest",
				 MAIL_QUEUE_MAX);
		else if (!mail_rate_allow(&m->rate, now))
			log_info("mail: more than %u message%s a minute: "
				 "further alerts go into one digest",
				 m->rate.limit, m->rate.limit == 1 ? "" : "s");
	}
	if (digest_pending(m) || !mail_rate_allow(&m->rate, now) ||
	    m->q_n >= MAIL_QUEUE_MAX) {
		digest_add(m, ev);
		return;
	}
	mail_subject_expand(m->cfg->mail_subject, ev, subject, sizeof subject);
	mail_body_alert(ev, body, sizeof body);
	if (enqueue(m, subject, body, ev->line))
		mail_rate_record(&m->rate, now);
}

static void read_daemon(struct mailer *m)
{
	uint8_t buf[sizeof(struct mail_wire) + 1];	/* + 1: oversize */
	struct mail_event ev;
	const char *why;
	ssize_t n;

	while (m->sock != -1 && !m->ended) {
		n = recv(m->sock, buf, sizeof buf, MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0 || (n == -1 && errno == ECONNRESET)) {
			end_input(m);
			return;
		}
		if (n == -1) {
			log_warn("mail: reading from the daemon");
			_exit(MAILER_EXIT_IO);
		}
		if (!mail_wire_decode(buf, (size_t)n, &ev, &why)) {
			log_warnx("mail: malformed message from the daemon "
				  "(%zd bytes: %s); the mailer stops", n, why);
			_exit(MAILER_EXIT_PROTOCOL);
		}
		take_event(m, &ev);
	}
}

/* ---- delivery results ---- */

static void finish(struct mailer *m, bool ok, bool permanent, const char *why)
{
	struct queued *q = head(m);
	uint64_t now = mono_ms();

	m->busy = false;
	if (ok) {
		log_info("mail: sent %s (%s) to %zu recipient%s%s%s",
			 q->id, q->what, m->cfg->rcpt_to.n,
			 m->cfg->rcpt_to.n == 1 ? "" : "s", *why ? ": " : "",
			 why);
		m->delivered++;
		m->backoff_ms = 0;
		m->next_try_ms = 0;
		dequeue(m);
		return;
	}
	snprintf(m->last_error, sizeof m->last_error, "%s", why);
	if (permanent) {
		log_warnx("mail: %s (%s) refused: %s; not retried", q->id,
			  q->what, why);
		m->given_up++;
		dequeue(m);
		return;
	}
	m->backoff_ms = m->backoff_ms ? m->backoff_ms * 2 : MAIL_BACKOFF_MIN_MS;
	if (m->backoff_ms > MAIL_BACKOFF_MAX_MS)
		m->backoff_ms = MAIL_BACKOFF_MAX_MS;
	m->next_try_ms = now + m->backoff_ms;
	log_warnx("mail: could not send %s (%s), attempt %u: %s; next try in "
		  "%u s", q->id, q->what, q->attempts, why,
		  m->backoff_ms / 1000);
	if (m->ended)
		go_background(m);
}

/* Messages that waited longer than MAIL_RETRY_FOR_MS are given up. */
static void expire(struct mailer *m, uint64_t now)
{
	/* queued_ms may be later than now: queued on this very turn. */
	while (!m->busy && m->q_n > 0 && now > head(m)->queued_ms &&
	       now - head(m)->queued_ms >= MAIL_RETRY_FOR_MS) {
		struct queued *q = head(m);

		log_warnx("mail: giving up on %s (%s) after %u attempt%s in "
			  "%llu minutes; last error: %s", q->id, q->what,
			  q->attempts, q->attempts == 1 ? "" : "s",
			  (unsigned long long)(MAIL_RETRY_FOR_MS / 60000),
			  m->last_error);
		m->given_up++;
		dequeue(m);
	}
}

/* ---- SMTP ---- */

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct mailer *m = arg;
	struct queued *q = head(m);
	size_t want = size * nitems, left = q->len - m->upload_off;

	if (want > left)
		want = left;
	memcpy(buf, q->text + m->upload_off, want);
	m->upload_off += want;
	return want;
}

/* Keeps the relay's last reply line, printable, for the log.  Only what
 * the relay says (never what we send: AUTH carries the password). */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
		    void *arg)
{
	struct mailer *m = arg;
	size_t i, o = 0;

	(void)h;
	/* 221 answers QUIT: the reply worth logging came before it. */
	if (type != CURLINFO_HEADER_IN || (size >= 4 &&
					   memcmp(data, "221 ", 4) == 0))
		return 0;
	for (i = 0; i < size && o < sizeof m->reply - 1; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c == '\r' || c == '\n')
			break;
		m->reply[o++] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
	}
	m->reply[o] = '\0';
	return 0;
}

static bool start_smtp(struct mailer *m, uint64_t now)
{
	const struct config *c = m->cfg;
	long timeout_ms = MAIL_TRANSFER_TIMEOUT_S * 1000L;
	CURL *e = curl_easy_init();

	if (!e)
		return false;
	if (m->ended) {
		uint64_t end = m->end_ms + MAIL_DRAIN_MS;

		timeout_ms = end > now + 1 ? (long)(end - now) : 1;
		if (timeout_ms > MAIL_TRANSFER_TIMEOUT_S * 1000L)
			timeout_ms = MAIL_TRANSFER_TIMEOUT_S * 1000L;
	}
	m->upload_off = 0;
	m->reply[0] = '\0';
	m->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, m->url);
#if LIBCURL_VERSION_NUM >= 0x075500	/* 7.85 */
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS,
			 (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, c->mail_from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, m->rcpts);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, m);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
			 (curl_off_t)head(m)->len);
	if (c->mail_tls == MAIL_TLS_STARTTLS)
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (c->mail_user) {
		curl_easy_setopt(e, CURLOPT_USERNAME, c->mail_user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, m->password);
	}
	if (m->ca) {
		struct curl_blob blob = { m->ca, m->ca_len, CURL_BLOB_NOCOPY };

		/* MailCAFile replaces the system's CAs. */
		curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	}
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)MAIL_CONNECT_TIMEOUT_S);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_SERVER_RESPONSE_TIMEOUT,
			 (long)MAIL_TRANSFER_TIMEOUT_S);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, m->errbuf);
	curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(e, CURLOPT_DEBUGDATA, m);
	if (curl_multi_add_handle(m->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		return false;
	}
	m->easy = e;
	return true;
}

static void stop_smtp(struct mailer *m)
{
	if (!m->easy)
		return;
	curl_multi_remove_handle(m->multi, m->easy);
	curl_easy_cleanup(m->easy);
	m->easy = NULL;
}

static void smtp_progress(struct mailer *m)
{
	CURLMsg *msg;
	int running, left;

	curl_multi_perform(m->multi, &running);
	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
		CURLcode rc;
		long code = 0;
		char why[1024];

		if (msg->msg != CURLMSG_DONE || msg->easy_handle != m->easy)
			continue;
		rc = msg->data.result;
		curl_easy_getinfo(m->easy, CURLINFO_RESPONSE_CODE, &code);
		stop_smtp(m);
		if (rc == CURLE_OK) {
			finish(m, true, false, m->reply);
			return;
		}
		snprintf(why, sizeof why, "%s%s%s%s; relay's reply: %s",
			 curl_easy_strerror(rc), m->errbuf[0] ? " (" : "",
			 m->errbuf, m->errbuf[0] ? ")" : "",
			 m->reply[0] ? m->reply : "none");
		/* 5xx: the relay will not take it, now or later. */
		finish(m, false, code >= 500 && code <= 599, why);
		return;
	}
}

/* ---- MailCommand ---- */

static void close_fd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

static void close_from(int lowfd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	{
		long max = sysconf(_SC_OPEN_MAX);
		int fd;

		if (max < 0 || max > 65536)
			max = 65536;
		for (fd = lowfd; fd < max; fd++)
			close(fd);
	}
}

static bool start_command(struct mailer *m, uint64_t now)
{
	static char *const envp[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct queued *q = head(m);
	int in[2], out[2];
	size_t i, o = 0;
	pid_t pid;

	/* A local MTA takes UNIX line ends. */
	free(m->cmd_text);
	m->cmd_text = malloc(q->len + 1);
	if (!m->cmd_text)
		return false;
	for (i = 0; i < q->len; i++)
		if (q->text[i] != '\r')
			m->cmd_text[o++] = q->text[i];
	m->cmd_len = o;
	m->cmd_off = 0;
	m->cmd_output_len = 0;
	m->cmd_output[0] = '\0';
	if (pipe2(in, O_CLOEXEC) == -1)
		return false;
	if (pipe2(out, O_CLOEXEC) == -1) {
		close(in[0]);
		close(in[1]);
		return false;
	}
	pid = fork();
	if (pid == -1) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return false;
	}
	if (pid == 0) {
		sigset_t none;

		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		close_from(3);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(m->argv[0], m->argv, envp);
		/* On the pipe the mailer reads: it goes in the log. */
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", m->argv[0],
			strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	m->cmd_in = in[1];
	m->cmd_out = out[0];
	fcntl(m->cmd_in, F_SETFL, O_NONBLOCK);
	fcntl(m->cmd_out, F_SETFL, O_NONBLOCK);
	m->cmd_pid = pid;
	m->cmd_deadline = now + MAIL_TRANSFER_TIMEOUT_S * 1000ULL;
	return true;
}

static void stop_command(struct mailer *m)
{
	int status;

	close_fd(&m->cmd_in);
	close_fd(&m->cmd_out);
	if (m->cmd_pid > 0) {
		kill(m->cmd_pid, SIGKILL);
		while (waitpid(m->cmd_pid, &status, 0) == -1 && errno == EINTR)
			;
		m->cmd_pid = -1;
	}
}

static void command_output(struct mailer *m)
{
	char buf[512];
	ssize_t n;

	while (m->cmd_out != -1) {
		n = read(m->cmd_out, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(&m->cmd_out);
			return;
		}
		for (ssize_t i = 0; i < n &&
		     m->cmd_output_len < sizeof m->cmd_output - 1; i++) {
			unsigned char c = (unsigned char)buf[i];

			m->cmd_output[m->cmd_output_len++] =
				(char)(c >= 0x20 && c < 0x7f ? c : ' ');
		}
		while (m->cmd_output_len > 0 &&
		       m->cmd_output[m->cmd_output_len - 1] == ' ')
			m->cmd_output_len--;
		m->cmd_output[m->cmd_output_len] = '\0';
	}
}

static void command_progress(struct mailer *m, uint64_t now)
{
	char why[512];
	int status;
	pid_t got;

	while (m->cmd_in != -1 && m->cmd_off < m->cmd_len) {
		ssize_t n = write(m->cmd_in, m->cmd_text + m->cmd_off,
				  m->cmd_len - m->cmd_off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			close_fd(&m->cmd_in);	/* EPIPE: it exited */
			break;
		}
		m->cmd_off += (size_t)n;
	}
	if (m->cmd_in != -1 && m->cmd_off == m->cmd_len)
		close_fd(&m->cmd_in);
	command_output(m);
	got = waitpid(m->cmd_pid, &status, WNOHANG);
	if (got == m->cmd_pid) {
		m->cmd_pid = -1;
		command_output(m);
		close_fd(&m->cmd_in);
		close_fd(&m->cmd_out);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    m->cmd_off == m->cmd_len) {
			finish(m, true, false, m->cmd_output);
			return;
		}
		if (WIFEXITED(status))
			snprintf(why, sizeof why, "%s exited with status %d%s%s",
				 m->argv[0], WEXITSTATUS(status),
				 m->cmd_output_len ? ": " : "", m->cmd_output);
		else
			snprintf(why, sizeof why, "%s killed by signal %d",
				 m->argv[0], WIFSIGNALED(status) ?
				 WTERMSIG(status) : 0);
		finish(m, false, false, why);
		return;
	}
	if (now >= m->cmd_deadline) {
		stop_command(m);
		snprintf(why, sizeof why, "%s did not finish within %d s",
			 m->argv[0], MAIL_TRANSFER_TIMEOUT_S);
		finish(m, false, false, why);
	}
}

/* ---- the loop ---- */

static void start_delivery(struct mailer *m, uint64_t now)
{
	bool ok;

	head(m)->attempts++;
	m->busy = true;
	m->busy_since = now;
	errno = 0;
	ok = m->cfg->mail_command ? start_command(m, now) : start_smtp(m, now);
	if (!ok) {
		char why[128];

		snprintf(why, sizeof why, "cannot start: %s",
			 errno ? strerror(errno) : "out of memory");
		finish(m, false, false, why);
	}
}

static void abort_delivery(struct mailer *m)
{
	stop_smtp(m);
	stop_command(m);
	m->busy = false;
}

/* The end has come and gone: say what is left, once. */
static void give_up_all(struct mailer *m)
{
	abort_delivery(m);
	while (m->q_n > 0) {
		struct queued *q = head(m);

		log_warnx("mail: not delivered at exit: %s (%s)%s%s", q->id,
			  q->what, m->last_error[0] ? "; last error: " : "",
			  m->last_error);
		m->given_up++;
		dequeue(m);
	}
	if (digest_pending(m))
		log_warnx("mail: not delivered at exit: a digest of %llu "
			  "alerts", (unsigned long long)(m->digest_n +
							 m->digest_lost));
}

static void handle_signals(struct mailer *m)
{
	struct signalfd_siginfo si;

	while (read(m->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo != SIGTERM && si.ssi_signo != SIGINT)
			continue;
		if (m->ended && m->end_ms + 1000 < mono_ms()) {
			/* A second request, a while after the first: now. */
			log_warnx("mail: stopped by signal %u", si.ssi_signo);
			m->stop_now = true;
			return;
		}
		end_input(m);
	}
}

static int next_timeout(struct mailer *m, uint64_t now)
{
	uint64_t wake = now + 1000;

	if (m->q_n > 0 && !m->busy && m->next_try_ms < wake)
		wake = m->next_try_ms > now ? m->next_try_ms : now;
	if (digest_pending(m) && (m->ended || m->q_n < MAIL_QUEUE_MAX)) {
		uint64_t when = m->ended ? now : mail_rate_next(&m->rate, now);

		if (when < wake)
			wake = when;
	}
	if (m->ended) {
		if (m->end_ms + MAIL_DRAIN_MS < wake)
			wake = m->end_ms + MAIL_DRAIN_MS;
		if (!m->detached && m->end_ms + MAIL_DETACH_MS < wake)
			wake = m->end_ms + MAIL_DETACH_MS;
	}
	if (m->cmd_pid > 0 && now + 20 < wake)
		wake = now + 20;
	return wake > now ? (int)(wake - now) : 0;
}

static int run(struct mailer *m)
{
	for (;;) {
		struct curl_waitfd fds[4];
		unsigned nfds = 0;
		uint64_t now = mono_ms();
		int sock_at = -1, sig_at;

		if (m->ended && !m->busy && m->q_n == 0 && !digest_pending(m))
			return MAILER_EXIT_OK;
		/* Out of time, or the next try would be. */
		if (m->ended && (m->stop_now ||
				 now >= m->end_ms + MAIL_DRAIN_MS ||
				 (!m->busy && m->q_n > 0 &&
				  m->next_try_ms >= m->end_ms + MAIL_DRAIN_MS))) {
			give_up_all(m);
			return MAILER_EXIT_OK;
		}
		if (m->ended && !m->detached && now >= m->end_ms + MAIL_DETACH_MS)
			go_background(m);
		digest_release(m, now);
		expire(m, now);
		if (!m->busy && m->q_n > 0 && now >= m->next_try_ms)
			start_delivery(m, now);
		if (m->ended && !m->busy && m->q_n == 0 && !digest_pending(m))
			continue;

		if (m->sock != -1 && !m->ended) {
			sock_at = (int)nfds;
			fds[nfds++] = (struct curl_waitfd){ m->sock,
							   CURL_WAIT_POLLIN, 0 };
		}
		sig_at = (int)nfds;
		fds[nfds++] = (struct curl_waitfd){ m->sigfd, CURL_WAIT_POLLIN,
						    0 };
		/* The command's pipes only wake us up: command_progress()
		 * does non-blocking reads and writes on every turn. */
		if (m->cmd_in != -1)
			fds[nfds++] = (struct curl_waitfd){ m->cmd_in,
							   CURL_WAIT_POLLOUT, 0 };
		if (m->cmd_out != -1)
			fds[nfds++] = (struct curl_waitfd){ m->cmd_out,
							   CURL_WAIT_POLLIN, 0 };
		if (curl_multi_poll(m->multi, fds, nfds, next_timeout(m, now),
				    NULL) != CURLM_OK) {
			log_warnx("mail: curl_multi_poll failed");
			return MAILER_EXIT_IO;
		}
		if (sock_at >= 0 && fds[sock_at].revents)
			read_daemon(m);
		if (fds[sig_at].revents)
			handle_signals(m);
		if (m->easy)
			smtp_progress(m);
		if (m->busy && m->cmd_pid > 0)
			command_progress(m, mono_ms());
	}
}

/* ---- setting the process up ------------------------------------------------ */

/*
 * A small file, read while still root: MailPasswordFile (its first line,
 * which must not be empty or hold control characters) or MailCAFile
 * (all of it).  NULL with a message in err.
 */
static char *read_small_file(const char *option, const char *path,
			     size_t max, bool first_line, size_t *lenp,
			     char *err, size_t errlen)
{
	struct stat st;
	size_t used = 0, i;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd == -1) {
		set_err(err, errlen, "%s %s: %s", option, path,
			strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		set_err(err, errlen, "%s %s: not a regular file", option, path);
		close(fd);
		return NULL;
	}
	if (first_line && (st.st_mode & 077))
		log_warnx("mail: %s %s can be read by others than its owner",
			  option, path);
	buf = malloc(max + 2);
	if (!buf) {
		set_err(err, errlen, "%s: out of memory", option);
		close(fd);
		return NULL;
	}
	while (used <= max) {
		n = read(fd, buf + used, max + 1 - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	if (used > max) {
		set_err(err, errlen, "%s %s: longer than %zu bytes", option,
			path, max);
		goto fail;
	}
	if (first_line) {
		used = strcspn(buf, "\n");
		if (used > 0 && buf[used - 1] == '\r')
			used--;
		buf[used] = '\0';
		for (i = 0; i < used; i++)
			if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
				break;
		if (used == 0 || i < used || strlen(buf) != used) {
			/* Nothing of the file's content goes in the message. */
			set_err(err, errlen, "%s %s: %s", option, path,
				used == 0 ? "the first line is empty" :
				"the first line holds a control character");
			goto fail;
		}
	} else if (used == 0) {
		set_err(err, errlen, "%s %s: empty", option, path);
		goto fail;
	}
	*lenp = used;
	return buf;
fail:
	explicit_bzero(buf, max + 2);
	free(buf);
	return NULL;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

/* smtp[s]://relay:port/hello: libcurl says hello with the path. */
static bool build_url(const struct config *c, char *url, size_t len)
{
	char hello[3 * 1024 + 1];
	const unsigned char *s;
	size_t o = 0;
	bool v6 = strchr(c->smtp_relay, ':') != NULL;
	int n;

	for (s = (const unsigned char *)c->hello_msg; *s && o + 4 < sizeof hello;
	     s++) {
		if (unreserved(*s))
			hello[o++] = (char)*s;
		else
			o += (size_t)snprintf(hello + o, sizeof hello - o,
					      "%%%02X", *s);
	}
	hello[o] = '\0';
	n = snprintf(url, len, "%s://%s%s%s:%u/%s",
		     c->mail_tls == MAIL_TLS_TLS ? "smtps" : "smtp",
		     v6 ? "[" : "", c->smtp_relay, v6 ? "]" : "",
		     c->mail_port, hello);
	return n > 0 && (size_t)n < len;
}

/* MailCommand split at blanks; no shell. */
static bool split_command(struct mailer *m, char *err, size_t errlen)
{
	char *save = NULL, *tok;
	size_t n = 0;

	m->cmd_copy = strdup(m->cfg->mail_command);
	if (!m->cmd_copy) {
		set_err(err, errlen, "MailCommand: out of memory");
		return false;
	}
	for (tok = strtok_r(m->cmd_copy, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (n == CMD_ARGS_MAX) {
			set_err(err, errlen, "MailCommand: more than %d words",
				CMD_ARGS_MAX);
			return false;
		}
		m->argv[n++] = tok;
	}
	m->argv[n] = NULL;
	if (n == 0 || m->argv[0][0] != '/') {
		set_err(err, errlen, "MailCommand: no absolute path");
		return false;
	}
	return true;
}

static bool setup(struct mailer *m, char *err, size_t errlen)
{
	const struct config *c = m->cfg;
	const char *at = strrchr(c->mail_from, '@');
	size_t i;

	/* Message-IDs on the sender's domain, else the HELO name. */
	if (!(at && hostname_sanitise(at + 1, m->domain, sizeof m->domain)) &&
	    !hostname_sanitise(c->hello_msg, m->domain, sizeof m->domain))
		snprintf(m->domain, sizeof m->domain, "localhost");
	if (getrandom(&m->id_random, sizeof m->id_random, GRND_NONBLOCK) !=
	    (ssize_t)sizeof m->id_random)
		m->id_random = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	mail_rate_init(&m->rate, c->mail_rate_limit);
	m->digest_cap = MAIL_DIGEST_LINES * (ALERT_LINE_MAX + 64) + 1;
	m->digest = malloc(m->digest_cap);
	m->multi = curl_multi_init();
	if (!m->digest || !m->multi) {
		set_err(err, errlen, "mail: out of memory");
		return false;
	}
	m->digest[0] = '\0';
	if (c->mail_command)
		return split_command(m, err, errlen);
	if (!build_url(c, m->url, sizeof m->url)) {
		set_err(err, errlen, "mail: SMTPrelay and HelloMsg too long");
		return false;
	}
	for (i = 0; i < c->rcpt_to.n; i++) {
		struct curl_slist *l = curl_slist_append(m->rcpts,
							 c->rcpt_to.v[i]);

		if (!l) {
			set_err(err, errlen, "mail: out of memory");
			return false;
		}
		m->rcpts = l;
	}
	return true;
}

static void cleanup(struct mailer *m)
{
	abort_delivery(m);
	while (m->q_n > 0)
		dequeue(m);
	curl_slist_free_all(m->rcpts);
	if (m->multi)
		curl_multi_cleanup(m->multi);
	if (m->password) {
		explicit_bzero(m->password, strlen(m->password));
		free(m->password);
	}
	free(m->ca);
	free(m->digest);
	free(m->cmd_copy);
	free(m->cmd_text);
	if (m->sigfd != -1)
		close(m->sigfd);
	if (m->sock != -1)
		close(m->sock);
	free(m);
}

static void send_status(int sock, uint8_t type, const char *text)
{
	struct mail_status st;

	memset(&st, 0, sizeof st);
	st.type = type;
	if (text)
		snprintf(st.text, sizeof st.text, "%s", text);
	(void)send(sock, &st, sizeof st, MSG_NOSIGNAL);
}

static void leak_check(void)
{
#ifdef MAILER_LSAN
	/* _exit() skips LeakSanitizer's exit hook: run it here. */
	__lsan_do_leak_check();
#endif
}

static void fail_start(struct mailer *m, int code, const char *why)
	__attribute__((noreturn));

static void fail_start(struct mailer *m, int code, const char *why)
{
	send_status(MAILER_SOCK_FD, MAIL_MSG_FAILED, why);
	if (m)
		cleanup(m);
	leak_check();
	_exit(code);
}

/* Only the socket (on MAILER_SOCK_FD) and standard error stay; standard
 * input and output go to /dev/null. */
static bool set_descriptors(int sock)
{
	int fd;

	if (sock != MAILER_SOCK_FD) {
		if (dup2(sock, MAILER_SOCK_FD) == -1)
			return false;
		close(sock);
	}
	close_from(MAILER_SOCK_FD + 1);
	if (fcntl(MAILER_SOCK_FD, F_SETFD, FD_CLOEXEC) == -1)
		return false;
	fd = open("/dev/null", O_RDWR);
	if (fd == -1 || dup2(fd, STDIN_FILENO) == -1 ||
	    dup2(fd, STDOUT_FILENO) == -1)
		return false;
	if (fd > STDERR_FILENO)
		close(fd);
	return true;
}

static void child_main(const struct config *cfg, int sock, bool use_syslog,
		       bool also_stderr) __attribute__((noreturn));

static void child_main(const struct config *cfg, int sock, bool use_syslog,
		       bool also_stderr)
{
	struct mailer *m = NULL;
	char err[512];
	bool dropped;
	sigset_t set;
	int rc;

	/* TERM and INT through a signalfd; the daemon's HUP and USR1 mean
	 * nothing here; a dead relay connection must not kill us. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	if (use_syslog)
		closelog();		/* its descriptor goes below */
	if (!set_descriptors(sock))
		_exit(MAILER_EXIT_SETUP);
	if (use_syslog)
		log_init_syslog(cfg->syslog_facility, also_stderr);
	m = calloc(1, sizeof *m);
	if (!m)
		fail_start(NULL, MAILER_EXIT_SETUP, "mail: out of memory");
	m->cfg = cfg;
	m->sock = MAILER_SOCK_FD;
	m->cmd_in = m->cmd_out = -1;
	m->cmd_pid = -1;
	m->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (m->sigfd == -1)
		fail_start(m, MAILER_EXIT_SETUP, "mail: signalfd failed");

	/* Secrets, as root; then nobody (RunAsUser). */
	if (cfg->mail_password_file && !cfg->mail_command) {
		size_t len;

		m->password = read_small_file("MailPasswordFile",
					      cfg->mail_password_file,
					      MAIL_PASSWORD_MAX, true, &len,
					      err, sizeof err);
		if (!m->password)
			fail_start(m, MAILER_EXIT_SETUP, err);
	}
	if (cfg->mail_ca_file && !cfg->mail_command) {
		m->ca = read_small_file("MailCAFile", cfg->mail_ca_file,
					MAIL_CA_FILE_MAX, false, &m->ca_len,
					err, sizeof err);
		if (!m->ca)
			fail_start(m, MAILER_EXIT_SETUP, err);
	}
	if (!privileges_drop(cfg->run_as_user, &dropped, err, sizeof err))
		fail_start(m, MAILER_EXIT_PRIVDROP, err);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fail_start(m, MAILER_EXIT_SETUP, "mail: libcurl failed to "
			   "start");
	if (!setup(m, err, sizeof err)) {
		cleanup(m);
		curl_global_cleanup();
		fail_start(NULL, MAILER_EXIT_SETUP, err);
	}
	send_status(MAILER_SOCK_FD, MAIL_MSG_READY, NULL);
	if (use_syslog)
		log_info("mail: alerts go %s %s to %zu recipient%s, at most %u "
			 "a minute", cfg->mail_command ? "through" : "to",
			 cfg->mail_command ? cfg->mail_command : m->url,
			 cfg->rcpt_to.n, cfg->rcpt_to.n == 1 ? "" : "s",
			 m->rate.limit);
	if (cfg->mail_user && cfg->mail_tls == MAIL_TLS_NONE &&
	    !cfg->mail_command)
		log_warnx("mail: MailUser without MailTLS: the password "
			  "crosses the network in clear");
	rc = run(m);
	if (m->received)
		log_info("mail: done: %llu alert%s received, %llu message%s "
			 "sent, %llu not delivered",
			 (unsigned long long)m->received,
			 m->received == 1 ? "" : "s",
			 (unsigned long long)m->delivered,
			 m->delivered == 1 ? "" : "s",
			 (unsigned long long)m->given_up);
	cleanup(m);
	curl_global_cleanup();
	leak_check();
	_exit(rc);
}

/* ---- starting and stopping (the daemon's side) ------------------------- */

/* Wait up to timeout_ms for pid to end: 1 reaped (status set), 0 not
 * yet, -1 not our child any more. */
static int reap(pid_t pid, int timeout_ms, int *status)
{
	const struct timespec tick = { 0, 10 * 1000000L };
	int waited = 0;
	pid_t got;

	for (;;) {
		got = waitpid(pid, status, WNOHANG);
		if (got == pid)
			return 1;
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			return -1;
		if (waited >= timeout_ms)
			return 0;
		nanosleep(&tick, NULL);
		waited += 10;
	}
}

static void explain_exit(pid_t pid, char *err, size_t errlen)
{
	int status;

	if (reap(pid, MAIL_START_TIMEOUT_MS, &status) != 1)
		set_err(err, errlen, "mail: the mailer closed its socket");
	else if (WIFSIGNALED(status))
		set_err(err, errlen, "mail: the mailer was killed by signal %d",
			WTERMSIG(status));
	else
		set_err(err, errlen, "mail: the mailer exited with status %d",
			WEXITSTATUS(status));
}

/* The mailer's first word: READY, or FAILED with the reason. */
static bool wait_ready(pid_t pid, int fd, char *err, size_t errlen)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t buf[sizeof(struct mail_status) + 1];
	struct mail_status st;
	ssize_t n;
	int rc;

	do
		rc = poll(&pfd, 1, MAIL_START_TIMEOUT_MS);
	while (rc == -1 && errno == EINTR);
	if (rc <= 0) {
		set_err(err, errlen, "mail: the mailer did not start: %s",
			rc == 0 ? "timeout" : strerror(errno));
		return false;
	}
	n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n <= 0) {
		explain_exit(pid, err, errlen);
		return false;
	}
	if (n != (ssize_t)sizeof st) {
		set_err(err, errlen, "mail: malformed greeting from the mailer");
		return false;
	}
	memcpy(&st, buf, sizeof st);
	if (st.type == MAIL_MSG_READY && all_zero(st.text, sizeof st.text))
		return true;
	if (st.type == MAIL_MSG_FAILED &&
	    field_ok(st.text, sizeof st.text, line_char) && st.text[0]) {
		set_err(err, errlen, "%s", st.text);
		(void)reap(pid, MAIL_START_TIMEOUT_MS, &rc);
		return false;
	}
	set_err(err, errlen, "mail: malformed greeting from the mailer");
	return false;
}

static void stop_child(pid_t pid)
{
	int status;

	if (reap(pid, 0, &status) != 0)
		return;
	kill(pid, SIGKILL);
	(void)reap(pid, 1000, &status);
}

pid_t mailer_start(const struct config *cfg, bool use_syslog,
		   bool also_stderr, int *fd, char *err, size_t errlen)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		set_err(err, errlen, "mail: socketpair: %s", strerror(errno));
		return -1;
	}
	/* Nothing buffered may be written twice, by both processes. */
	fflush(NULL);
	pid = fork();
	if (pid == -1) {
		set_err(err, errlen, "mail: fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(cfg, sv[1], use_syslog, also_stderr);
	}
	close(sv[1]);
	if (!wait_ready(pid, sv[0], err, errlen)) {
		close(sv[0]);
		stop_child(pid);
		return -1;
	}
	/* Room for bursts; as root, beyond net.core.wmem_max. */
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE,
		       &(int){ MAIL_SOCKET_BUFFER }, sizeof(int)) == -1)
		(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF,
				 &(int){ MAIL_SOCKET_BUFFER }, sizeof(int));
	if (fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK) == -1) {
		set_err(err, errlen, "mail: O_NONBLOCK: %s", strerror(errno));
		close(sv[0]);
		stop_child(pid);
		return -1;
	}
	*fd = sv[0];
	return pid;
}

/* After the end: DETACHED, or the mailer's end closing (it exited). */
static bool read_detached(int fd, bool *detached)
{
	uint8_t buf[sizeof(struct mail_status) + 1];
	struct mail_status st;
	ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);

	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n == (ssize_t)sizeof st) {
		memcpy(&st, buf, sizeof st);
		if (st.type == MAIL_MSG_DETACHED &&
		    all_zero(st.text, sizeof st.text)) {
			*detached = true;
			return true;
		}
	}
	if (n > 0)
		log_warnx("mail: malformed message from the mailer at exit");
	return true;
}

void mailer_stop(pid_t pid, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t end = mono_ms() + MAIL_STOP_WAIT_MS, now;
	bool done = false, detached = false;
	int status, rc;

	/* End of input for the mailer; our side stays open to see it go. */
	shutdown(fd, SHUT_WR);
	while (!done && (now = mono_ms()) < end) {
		rc = poll(&pfd, 1, (int)(end - now));
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		done = read_detached(fd, &detached);
	}
	close(fd);
	if (detached)
		return;		/* it said so itself, and carries on */
	rc = reap(pid, done ? 500 : 0, &status);
	if (rc == 1 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		if (WIFSIGNALED(status))
			log_warnx("mail: the mailer was killed by signal %d",
				  WTERMSIG(status));
		else
			log_warnx("mail: the mailer exited with status %d",
				  WEXITSTATUS(status));
	} else if (rc == 0 && !done) {
		log_warnx("mail: the mailer is still busy after %d s; it "
			  "carries on in the background (pid %ld) for at most "
			  "%d s", MAIL_STOP_WAIT_MS / 1000, (long)pid,
			  MAIL_DRAIN_MS / 1000);
	}
}
