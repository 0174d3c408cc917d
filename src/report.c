/*
 * report.c - the progress line and the summary of scandetd -r (report.h).
 */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "decode.h"
#include "params.h"
#include "siphash.h"
#include "strbuf.h"
#include "util.h"

/* Open addressing over the rows: a power of two, at least twice the
 * rows, so that a probe sequence stays short; entries are row + 1. */
#define REPORT_INDEX_SIZE 2048
_Static_assert(REPORT_INDEX_SIZE >= 2 * REPORT_ROWS_MAX &&
	       (REPORT_INDEX_SIZE & (REPORT_INDEX_SIZE - 1)) == 0 &&
	       REPORT_ROWS_MAX < UINT16_MAX, "report index too small");

#define PROBLEM_MAX 512

/* One source's reports of one kind (portscan, sweep, flood or osprobe)
 * and protocol. */
struct row {
	struct ipaddr src, dst;
	enum alert_kind kind;
	uint8_t proto;
	bool has_dst, dst_multiple;
	bool has_port, port_multiple;
	uint16_t port;			/* a sweep's or flood's */
	uint32_t distinct_ports;	/* a port scan's: the most any of its
					 * scans reached */
	uint64_t probes_done;		/* ended scans; OS probes' packets */
	uint32_t probes_now;		/* the scan under way, so far */
	uint64_t first_us, last_us;
	char tool[sizeof ((struct alert *)0)->tool];
};

struct report {
	struct sink sink;
	FILE *out;
	bool progress, events_share;
	/* The progress line: when reading began, when it is due next, and
	 * how long the line on the terminal is (0: none drawn). */
	uint64_t start_us, next_us;
	size_t drawn_len;
	struct sipkey key;
	struct row rows[REPORT_ROWS_MAX];
	size_t nrows;
	uint16_t index[REPORT_INDEX_SIZE];
	uint64_t events[ALERT_KIND_COUNT];
	uint64_t unlisted;		/* events of sources past the rows */
	uint64_t held_back;		/* AlertLimit's, from its summaries */
	char problems[REPORT_PROBLEMS_MAX][PROBLEM_MAX];
	size_t nproblems;
	uint64_t more_problems;
};

/* ---- rows ------------------------------------------------------------ */

/* The row an alert belongs to: a scan's end goes with the scan. */
static enum alert_kind row_kind(const struct alert *a)
{
	return a->kind == ALERT_SCAN_END ? a->scan.kind : a->kind;
}

static bool has_row(enum alert_kind k)
{
	return k == ALERT_PORTSCAN || k == ALERT_SWEEP || k == ALERT_FLOOD ||
	       k == ALERT_OSPROBE || k == ALERT_DISTRIBUTED;
}

static bool row_is(const struct row *w, const struct alert *a)
{
	return w->kind == row_kind(a) && w->proto == a->proto &&
	       addr_equal(&w->src, &a->src);
}

/* The row of a's source, kind and protocol; a new one if there is room,
 * else NULL. */
static struct row *find_row(struct report *r, const struct alert *a)
{
	uint8_t key[sizeof a->src.b + 2];
	size_t mask = REPORT_INDEX_SIZE - 1, i;
	struct row *w;

	memcpy(key, a->src.b, sizeof a->src.b);
	key[sizeof a->src.b] = (uint8_t)row_kind(a);
	key[sizeof a->src.b + 1] = a->proto;
	for (i = siphash13(&r->key, key, sizeof key) & mask; r->index[i];
	     i = (i + 1) & mask)
		if (row_is(&r->rows[r->index[i] - 1], a))
			return &r->rows[r->index[i] - 1];
	if (r->nrows == REPORT_ROWS_MAX)
		return NULL;
	w = &r->rows[r->nrows++];
	r->index[i] = (uint16_t)r->nrows;
	w->src = a->src;
	w->kind = row_kind(a);
	w->proto = a->proto;
	w->first_us = UINT64_MAX;
	return w;
}

static void note_target(struct row *w, const struct alert *a)
{
	if (all_zero(a->dst.b, sizeof a->dst.b))
		return;			/* an OS probe names none */
	if (!w->has_dst) {
		w->dst = a->dst;
		w->has_dst = true;
	} else if (!addr_equal(&w->dst, &a->dst)) {
		w->dst_multiple = true;
	}
	w->dst_multiple |= a->scan.dst_multiple;
}

/* A sweep or a flood is of one port.  (The alert's port may still be 0
 * under some methods; its first port is the same one.)  A port scan's
 * distinct ports: each alert says them so far. */
static void note_port(struct row *w, const struct alert *a)
{
	uint16_t port = a->scan.port ? a->scan.port : a->scan.first_port;

	if (w->kind == ALERT_PORTSCAN && a->scan.ports > w->distinct_ports)
		w->distinct_ports = a->scan.ports;
	if (w->kind != ALERT_SWEEP && w->kind != ALERT_FLOOD)
		return;
	if (!w->has_port) {
		w->port = port;
		w->has_port = true;
	} else if (w->port != port) {
		w->port_multiple = true;
	}
}

/* Probes: every ended scan's count, plus the latest count of the scan
 * under way (each alert of one scan says its count so far); an OS
 * probe, its packets. */
static void note_probes(struct row *w, const struct alert *a)
{
	if (a->kind == ALERT_OSPROBE) {
		w->probes_done += a->packets;
	} else if (a->kind == ALERT_SCAN_END) {
		w->probes_done += a->scan.count;
		w->probes_now = 0;
	} else {
		w->probes_now = a->scan.count;
	}
}

static void row_add(struct row *w, const struct alert *a)
{
	uint64_t first = a->scan.first_ts ? a->scan.first_ts : a->ts_us;
	uint64_t last = a->scan.last_ts > a->ts_us ? a->scan.last_ts :
						     a->ts_us;

	if (first < w->first_us)
		w->first_us = first;
	if (last > w->last_us)
		w->last_us = last;
	note_target(w, a);
	note_port(w, a);
	note_probes(w, a);
	if (!w->tool[0])
		memcpy(w->tool, a->tool, sizeof w->tool);
}

static void report_emit(struct sink *s, const struct alert *a,
			const char *line)
{
	struct report *r = s->ctx;
	struct row *w;

	(void)line;
	if (r->events_share)
		report_progress_clear(r);
	if ((unsigned)a->kind >= ALERT_KIND_COUNT)
		return;
	r->events[a->kind]++;
	if (a->kind == ALERT_SUPPRESSED)
		r->held_back += a->held_back.total;
	if (!has_row(row_kind(a)))
		return;
	w = find_row(r, a);
	if (w)
		row_add(w, a);
	else
		r->unlisted++;
}

static void report_close(struct sink *s)
{
	struct report *r = s->ctx;

	report_progress_clear(r);
	free(r);
}

struct report *report_new(FILE *out, bool progress, bool events_share)
{
	struct report *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	/* Without a random key the index still works, only predictably:
	 * at worst a row is found after REPORT_ROWS_MAX probes. */
	if (sipkey_random(&r->key) != 0)
		memset(&r->key, 0, sizeof r->key);
	r->out = out;
	r->progress = progress;
	r->events_share = progress && events_share;
	r->sink.emit = report_emit;
	r->sink.close = report_close;
	r->sink.ctx = r;
	return r;
}

struct sink *report_sink(struct report *r)
{
	return &r->sink;
}

void report_problem(struct report *r, const char *text)
{
	if (r->nproblems == REPORT_PROBLEMS_MAX) {
		r->more_problems++;
		return;
	}
	snprintf(r->problems[r->nproblems++], PROBLEM_MAX, "%s", text);
}

/* ---- progress -------------------------------------------------------- */

bool report_progress_due(struct report *r, uint64_t now_us)
{
	if (!r->progress)
		return false;
	if (!r->start_us) {
		r->start_us = now_us;
		r->next_us = now_us + PROGRESS_INTERVAL_US;
	}
	return now_us >= r->next_us;
}

static double megabytes(uint64_t bytes)
{
	return (double)bytes / 1e6;
}

/* "scandetd: 45.2 of 120.0 MB (37%), 1234567 packets, 310000 packets/s,
 * 0:42 left"; without a total, bytes read (if known), packets, rate. */
static void progress_text(struct strbuf *sb, const struct report_position *p,
			  uint64_t elapsed_us)
{
	uint64_t total = p->bytes_total, done = p->bytes_done;

	sb_printf(sb, "scandetd: ");
	if (total && done <= total)
		sb_printf(sb, "%.1f of %.1f MB (%u%%), ", megabytes(done),
			  megabytes(total), (unsigned)(done * 100 / total));
	else if (done)
		sb_printf(sb, "%.1f MB, ", megabytes(done));
	sb_printf(sb, "%" PRIu64 " packets, %" PRIu64 " packets/s", p->packets,
		  p->packets * 1000000 / elapsed_us);
	if (total && done > 0 && done <= total) {
		uint64_t left = (uint64_t)((double)elapsed_us / 1e6 *
					   (double)(total - done) /
					   (double)done);

		sb_printf(sb, ", %" PRIu64 ":%02u left", left / 60,
			  (unsigned)(left % 60));
	}
}

void report_progress(struct report *r, const struct report_position *pos,
		     uint64_t now_us)
{
	char line[160];
	struct strbuf sb;
	uint64_t elapsed = now_us > r->start_us ? now_us - r->start_us : 1;

	r->next_us = now_us + PROGRESS_INTERVAL_US;
	sb_init(&sb, line, sizeof line);
	progress_text(&sb, pos, elapsed);
	/* Spaces over what a longer line before left behind. */
	fprintf(r->out, "\r%s%*s", line,
		r->drawn_len > sb.used ? (int)(r->drawn_len - sb.used) : 0,
		"");
	fflush(r->out);
	r->drawn_len = sb.used;
}

void report_progress_clear(struct report *r)
{
	if (!r->drawn_len)
		return;
	fprintf(r->out, "\r%*s\r", (int)r->drawn_len, "");
	fflush(r->out);
	r->drawn_len = 0;
}

/* ---- the summary ----------------------------------------------------- */

static bool same_day(uint64_t a_us, uint64_t b_us)
{
	return a_us / 86400000000ULL == b_us / 86400000000ULL;
}

/* "07:44:29", or with the date "2026-03-28 07:44:29" (UTC). */
static void format_time(uint64_t us, bool date, char *buf, size_t len)
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;

	if (!gmtime_r(&secs, &tm))
		snprintf(buf, len, "?");
	else if (date)
		snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
}

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

/* "42 s", "12 min 5 s", "3 h 20 min", "243 days 16 h" */
static void format_duration(uint64_t secs, char *buf, size_t len)
{
	if (secs < 60)
		snprintf(buf, len, "%" PRIu64 " s", secs);
	else if (secs < 3600)
		snprintf(buf, len, "%" PRIu64 " min %" PRIu64 " s", secs / 60,
			 secs % 60);
	else if (secs < 86400)
		snprintf(buf, len, "%" PRIu64 " h %" PRIu64 " min",
			 secs / 3600, secs % 3600 / 60);
	else
		snprintf(buf, len, "%" PRIu64 " day%s %" PRIu64 " h",
			 secs / 86400, plural(secs / 86400), secs % 86400 / 3600);
}

/* "Read 2052 packets from 1 file, 2026-03-28 07:44:25 to 07:44:31 UTC
 * (6 s)." */
static void print_reading(FILE *out, const struct report_reading *rd)
{
	char first[32], last[32], span[48];
	uint64_t us = rd->last_us - rd->first_us;

	fprintf(out, "Read %" PRIu64 " packet%s from %u file%s",
		rd->packets, plural(rd->packets), rd->files,
		plural(rd->files));
	if (rd->packets == 0) {
		fprintf(out, ".\n");
		return;
	}
	format_time(rd->first_us, true, first, sizeof first);
	format_time(rd->last_us, !same_day(rd->first_us, rd->last_us), last,
		    sizeof last);
	format_duration((us + 999999) / 1000000, span, sizeof span);
	fprintf(out, ", %s to %s UTC (%s).\n", first, last, span);
}

static size_t distinct_sources(const struct report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nrows; i++) {
		size_t j = 0;

		while (j < i && !addr_equal(&r->rows[j].src, &r->rows[i].src))
			j++;
		n += j == i;
	}
	return n;
}

/* "Sources reported: 2 (events: 2 portscan, 1 osprobe, 2 scan_end)" */
static void print_counts(FILE *out, const struct report *r)
{
	int shown = 0;

	fprintf(out, "Sources reported: %s%zu", r->unlisted ? "at least " : "",
		distinct_sources(r));
	for (int k = 0; k < ALERT_KIND_COUNT; k++)
		if (r->events[k])
			fprintf(out, "%s%" PRIu64 " %s",
				shown++ ? ", " : " (events: ", r->events[k],
				alert_kind_name((enum alert_kind)k));
	fprintf(out, "%s\n", shown ? ")" : "");
}

enum { COL_KIND, COL_PROTO, COL_SOURCE, COL_TARGETS, COL_PORTS, COL_PROBES,
       COL_FIRST, COL_LAST, COL_TOOL, COL_COUNT };

static const char *const col_names[COL_COUNT] = {
	"kind", "proto", "source", "targets", "ports", "probes", "first",
	"last", "tool",
};

struct cells {
	char c[COL_COUNT][ADDR_STR_MAX + 16];
};

/* Ports: a sweep's or flood's one port; a port scan's distinct ports,
 * "1000 distinct". */
static void row_cells(const struct row *w, bool date, struct cells *c)
{
	char ip[ADDR_STR_MAX];

	snprintf(c->c[COL_KIND], sizeof c->c[0], "%s", alert_kind_name(w->kind));
	snprintf(c->c[COL_PROTO], sizeof c->c[0], "%s", proto_key(w->proto));
	snprintf(c->c[COL_SOURCE], sizeof c->c[0], "%s",
		 addr_to_str(&w->src, ip, sizeof ip));
	snprintf(c->c[COL_TARGETS], sizeof c->c[0], "%s%s",
		 w->has_dst ? addr_to_str(&w->dst, ip, sizeof ip) : "-",
		 w->dst_multiple ? " (and others)" : "");
	if (w->has_port)
		snprintf(c->c[COL_PORTS], sizeof c->c[0], "%u%s", w->port,
			 w->port_multiple ? " (and others)" : "");
	else if (w->distinct_ports)
		snprintf(c->c[COL_PORTS], sizeof c->c[0], "%" PRIu32
			 " distinct", w->distinct_ports);
	else
		snprintf(c->c[COL_PORTS], sizeof c->c[0], "-");
	snprintf(c->c[COL_PROBES], sizeof c->c[0], "%" PRIu64,
		 w->probes_done + w->probes_now);
	format_time(w->first_us, date, c->c[COL_FIRST], sizeof c->c[0]);
	format_time(w->last_us, date, c->c[COL_LAST], sizeof c->c[0]);
	snprintf(c->c[COL_TOOL], sizeof c->c[0], "%s",
		 w->tool[0] ? w->tool : "-");
}

/* Indented by two spaces, two between columns (a target's "(and
 * others)" has single ones); numbers to the right. */
static void print_line(FILE *out, const char (*cell)[ADDR_STR_MAX + 16],
		       const int *width)
{
	for (int i = 0; i < COL_COUNT; i++) {
		if (i == COL_PROBES)
			fprintf(out, "  %*s", width[i], cell[i]);
		else if (i == COL_COUNT - 1)
			fprintf(out, "  %s", cell[i]);
		else
			fprintf(out, "  %-*s", width[i], cell[i]);
	}
	fprintf(out, "\n");
}

/* Each column as wide as its widest cell. */
static void print_table(FILE *out, const struct report *r, bool date)
{
	struct cells head, c;
	int width[COL_COUNT];

	for (int i = 0; i < COL_COUNT; i++) {
		snprintf(head.c[i], sizeof head.c[i], "%s", col_names[i]);
		width[i] = (int)strlen(col_names[i]);
	}
	for (size_t n = 0; n < r->nrows; n++) {
		row_cells(&r->rows[n], date, &c);
		for (int i = 0; i < COL_COUNT; i++)
			if ((int)strlen(c.c[i]) > width[i])
				width[i] = (int)strlen(c.c[i]);
	}
	print_line(out, head.c, width);
	for (size_t n = 0; n < r->nrows; n++) {
		row_cells(&r->rows[n], date, &c);
		print_line(out, c.c, width);
	}
	if (r->unlisted)
		fprintf(out, "  ... and %" PRIu64 " more event%s from sources "
			"not listed (the table holds %d rows)\n", r->unlisted,
			plural(r->unlisted), REPORT_ROWS_MAX);
}

/* "12 malformed packets (decoder.ipv4.trunc 10, decoder.tcp.bad_hlen 2)" */
static uint64_t print_malformed(FILE *out, const uint64_t *results)
{
	uint64_t total = 0;
	const char *sep = " (";

	for (int i = 0; i < DEC_RESULT_COUNT; i++)
		if (decode_is_malformed((enum decode_result)i))
			total += results[i];
	if (!total)
		return 0;
	fprintf(out, "  %" PRIu64 " malformed packet%s", total, plural(total));
	for (int i = 0; i < DEC_RESULT_COUNT; i++) {
		if (!decode_is_malformed((enum decode_result)i) || !results[i])
			continue;
		fprintf(out, "%s%s %" PRIu64, sep,
			decode_result_name((enum decode_result)i), results[i]);
		sep = ", ";
	}
	fprintf(out, ")\n");
	return total;
}

static void print_problems(FILE *out, const struct report *r,
			   const struct report_reading *rd)
{
	bool any = r->nproblems || r->held_back;

	for (int i = 0; i < DEC_RESULT_COUNT && !any; i++)
		any = decode_is_malformed((enum decode_result)i) &&
		      rd->decode_results[i];
	if (!any) {
		fprintf(out, "Problems: none\n");
		return;
	}
	fprintf(out, "Problems:\n");
	print_malformed(out, rd->decode_results);
	if (r->held_back)
		fprintf(out, "  AlertLimit held back %" PRIu64 " alert%s: "
			"their sources are not all listed (see the \"Held "
			"back\" events)\n", r->held_back, plural(r->held_back));
	for (size_t i = 0; i < r->nproblems; i++)
		fprintf(out, "  %s\n", r->problems[i]);
	if (r->more_problems)
		fprintf(out, "  ... and %" PRIu64 " more file%s not read to "
			"the end\n", r->more_problems,
			plural(r->more_problems));
}

void report_print(struct report *r, const struct report_reading *rd)
{
	report_progress_clear(r);
	print_reading(r->out, rd);
	print_counts(r->out, r);
	if (r->nrows)
		print_table(r->out, r, rd->packets &&
			    !same_day(rd->first_us, rd->last_us));
	print_problems(r->out, r, rd);
	fflush(r->out);
}
