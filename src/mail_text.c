/*
 * mail_text.c - the text of alert mail (see mail_text.h): bounded text,
 * subject and body, RFC 5322 messages with safe headers, and the rate
 * limit.  Pure functions: no I/O, no globals.
 */
#include "mail_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "decode.h"
#include "util.h"

/* ---- bounded text ------------------------------------------------------ */

void tb_add(struct tbuf *t, const char *s, size_t n)
{
	if (t->len == 0 || t->used >= t->len - 1)
		return;
	if (n > t->len - 1 - t->used)
		n = t->len - 1 - t->used;
	memcpy(t->buf + t->used, s, n);
	t->used += n;
	t->buf[t->used] = '\0';
}

void tb_printf(struct tbuf *t, const char *fmt, ...)
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
			tb_add(&t, proto_label(ev->proto),
			       strlen(proto_label(ev->proto)));
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
	/* The summary's subject is the scan's, told apart. */
	if (ev->kind == ALERT_SCAN_END)
		tb_printf(&t, " (ended)");
}

/* Only TCP, UDP and SCTP have ports; ICMP and ARP sweeps reach hosts,
 * an IP protocol scan tries protocol numbers. */
static bool has_ports(uint8_t proto)
{
	return proto == PROTO_TCP || proto == PROTO_UDP || proto == PROTO_SCTP;
}

static const char *kind_words(enum alert_kind k, uint8_t proto)
{
	if (!has_ports(proto) && k != ALERT_OSPROBE)
		return proto == PROTO_IP ? "protocol scan" : "host sweep";
	switch (k) {
	case ALERT_PORTSCAN: return "port scan";
	case ALERT_DISTRIBUTED: return "distributed port scan";
	case ALERT_SWEEP: return "port sweep";
	case ALERT_FLOOD: return "port flood";
	case ALERT_OSPROBE: return "OS fingerprinting probe";
	default: return "alert";
	}
}

/* "port scan (TCP)", "end of port scan (TCP)". */
static void put_event_words(struct tbuf *t, const struct mail_event *ev)
{
	if (ev->kind == ALERT_SCAN_END)
		tb_printf(t, "end of %s", kind_words(ev->scan_kind, ev->proto));
	else
		tb_printf(t, "%s", kind_words(ev->kind, ev->proto));
	tb_printf(t, " (%s)", proto_label(ev->proto));
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

static const char *plural(uint32_t n)
{
	return n == 1 ? "" : "s";
}

/*
 * What the scan was when the mail was sent, in a sentence or three: its
 * kind, target, tool, and its size so far (or in all, once it ended).
 * Distinct ports and hosts and the open ports only when the alert knew
 * them (not 0).  No "Word:" at the start of a line: those are the fields.
 */
static void put_summary(struct tbuf *t, const struct mail_event *ev)
{
	bool ended = ev->kind == ALERT_SCAN_END;
	enum alert_kind k = ended ? ev->scan_kind : ev->kind;

	tb_printf(t, "A %s", proto_label(ev->proto));
	if (ev->proto == PROTO_TCP)
		tb_printf(t, " %s", scan_type_name(ev->scan_type));
	tb_printf(t, " %s", kind_words(k, ev->proto));
	if (k != ALERT_PORTSCAN && has_ports(ev->proto))
		tb_printf(t, " of port %u", ev->port);
	tb_printf(t, " %s ", k == ALERT_PORTSCAN ? "of" : "on");
	put_host(t, ev->dst_name, &ev->dst);
	if (ev->hosts > 1)
		tb_printf(t, " and %u other host%s", ev->hosts - 1,
			  plural(ev->hosts - 1));
	else if (ev->dst_multiple)
		tb_printf(t, " and other hosts");
	if (ev->tool[0])
		tb_printf(t, " by %s", ev->tool);
	tb_printf(t, ended ? " has ended after %u probe%s" :
		  ".\nSo far %u probe%s", ev->count, plural(ev->count));
	if (ev->ports)
		tb_printf(t, ", %u distinct port%s", ev->ports,
			  plural(ev->ports));
	if (ev->nopen)
		tb_printf(t, ", %u open (answered)", ev->nopen);
	if (ended)
		tb_printf(t, " in %.1f s.\n", ev->last_ts > ev->first_ts ?
			  (double)(ev->last_ts - ev->first_ts) / 1e6 : 0.0);
	else
		tb_printf(t, ".  A summary follows when it ends.\n");
	tb_printf(t, "\n");
}

/* "22 80 443 (and 5 more)" */
static void put_open_ports(struct tbuf *t, const struct mail_event *ev)
{
	uint32_t listed = ev->nopen < MAIL_OPEN_MAX ? ev->nopen :
			  MAIL_OPEN_MAX;

	tb_printf(t, "%-15s", "Open ports:");
	for (uint32_t i = 0; i < listed; i++)
		tb_printf(t, "%s%u", i ? " " : "", ev->open[i]);
	if (ev->nopen > listed)
		tb_printf(t, " (and %u more)", ev->nopen - listed);
	tb_printf(t, "\n");
}

static void body_scan(struct tbuf *t, const struct mail_event *ev)
{
	enum alert_kind k = ev->kind == ALERT_SCAN_END ? ev->scan_kind :
			    ev->kind;
	char first[40], last[40];

	tb_printf(t, "%-15s", "Destination:");
	put_host(t, ev->dst_name, &ev->dst);
	tb_printf(t, "%s\n", ev->dst_multiple ? " (and others)" : "");
	if ((k == ALERT_SWEEP || k == ALERT_FLOOD) && has_ports(ev->proto))
		tb_printf(t, "%-15s%u\n", "Port:", ev->port);
	if (ev->hosts)
		tb_printf(t, "%-15s%u\n", "Hosts:", ev->hosts);
	if (ev->ports)
		tb_printf(t, "%-15s%u\n", "Ports:", ev->ports);
	if (ev->nopen)
		put_open_ports(t, ev);
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
	if (ev->kind != ALERT_OSPROBE)
		put_summary(&t, ev);
	tb_printf(&t, "%-15s", "Event:");
	put_event_words(&t, ev);
	tb_printf(&t, "\n");
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
