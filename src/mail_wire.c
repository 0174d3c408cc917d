/*
 * mail_wire.c - the messages between the daemon's mail sink and the
 * mailer: encoding on one side, checking and decoding on the other (see
 * mail_wire.h).  Pure functions.
 */
#include "mail_wire.h"

#include <string.h>

#include "decode.h"
#include "resolve.h"
#include "util.h"

_Static_assert(sizeof(struct mail_wire) ==
	       8 + 24 + 16 + 8 + 12 + 2 * MAIL_OPEN_MAX + 32 + MAIL_TOOL_MAX +
	       MAIL_METHOD_MAX + 2 * HOSTNAME_MAX + ALERT_LINE_MAX,
	       "struct mail_wire must have no padding");
_Static_assert(sizeof(struct mail_status) == 256,
	       "struct mail_status must have no padding");
_Static_assert(sizeof(struct ipaddr) == 16, "struct ipaddr is 16 bytes");

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

/* What the scan was so far, beyond first and last port: distinct ports,
 * distinct hosts, open ports.  Nothing yet: see mail_wire_encode. */
/* What the scan reached (alert.h, struct scan_summary).  Port 0 is no
 * service and the message says every listed port is not 0: it is left
 * out of the list, and when the list then holds them all, of the count. */
static void put_scope(struct mail_wire *w, const struct alert *a)
{
	const struct scan_summary *s = &a->scan;
	uint32_t nopen = s->open;
	size_t n = 0;

	put_be(w->ports, s->ports, 4);
	put_be(w->hosts, s->hosts, 4);
	for (size_t i = 0; i < a->open.n && n < MAIL_OPEN_MAX; i++)
		if (a->open.port[i] != 0)
			put_be(w->open[n++], a->open.port[i], 2);
	if (n < MAIL_OPEN_MAX || nopen < n)
		nopen = (uint32_t)n;
	put_be(w->nopen, nopen, 4);
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
	if (a->kind == ALERT_SCAN_END)
		w->scan_kind = (uint8_t)a->scan.kind;
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
	put_scope(w, a);
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

/* At most nopen ports listed, no more than MAIL_OPEN_MAX, each not 0,
 * the unused slots 0. */
static bool open_ok(const struct mail_wire *w)
{
	uint64_t nopen = get_be(w->nopen, 4);
	size_t listed = nopen < MAIL_OPEN_MAX ? (size_t)nopen : MAIL_OPEN_MAX;

	for (size_t i = 0; i < MAIL_OPEN_MAX; i++)
		if ((get_be(w->open[i], 2) != 0) != (i < listed))
			return false;
	return true;
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
	if (w.kind == ALERT_SCAN_END ?
	    (w.scan_kind != ALERT_PORTSCAN && w.scan_kind != ALERT_SWEEP &&
	     w.scan_kind != ALERT_FLOOD) : w.scan_kind != 0) {
		*why = "bad kind of scan";
		return false;
	}
	switch (w.kind) {
	case ALERT_PORTSCAN:
	case ALERT_SWEEP:
	case ALERT_FLOOD:
	case ALERT_DISTRIBUTED:
	case ALERT_SCAN_END:
		if (w.proto != PROTO_TCP && w.proto != PROTO_UDP &&
		    w.proto != PROTO_SCTP && w.proto != PROTO_ICMP &&
		    w.proto != PROTO_ICMPV6 && w.proto != PROTO_ARP &&
		    w.proto != PROTO_IP) {
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
	if (w.scan_type >= SCAN_TYPE_COUNT || w.dst_multiple > 1) {
		*why = "bad scan type or flag";
		return false;
	}
	if (!all_zero(w.zero2, sizeof w.zero2)) {
		*why = "padding not zero";
		return false;
	}
	if (!open_ok(&w)) {
		*why = "bad list of open ports";
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
	ev->scan_kind = (enum alert_kind)w.scan_kind;
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
	ev->ports = (uint32_t)get_be(w.ports, 4);
	ev->hosts = (uint32_t)get_be(w.hosts, 4);
	ev->nopen = (uint32_t)get_be(w.nopen, 4);
	for (size_t i = 0; i < MAIL_OPEN_MAX; i++)
		ev->open[i] = (uint16_t)get_be(w.open[i], 2);
	memcpy(ev->src.b, w.src, 16);
	memcpy(ev->dst.b, w.dst, 16);
	memcpy(ev->tool, w.tool, sizeof ev->tool);
	memcpy(ev->method, w.method, sizeof ev->method);
	memcpy(ev->src_name, w.src_name, sizeof ev->src_name);
	memcpy(ev->dst_name, w.dst_name, sizeof ev->dst_name);
	memcpy(ev->line, w.line, sizeof ev->line);
	return true;
}

void mail_status_detached(struct mail_status *st)
{
	memset(st, 0, sizeof *st);
	st->type = MAIL_MSG_DETACHED;
}

bool mail_status_is_detached(const void *buf, size_t len)
{
	struct mail_status st;

	if (len != sizeof st)
		return false;
	memcpy(&st, buf, sizeof st);
	return st.type == MAIL_MSG_DETACHED && all_zero(st.text, sizeof st.text);
}
