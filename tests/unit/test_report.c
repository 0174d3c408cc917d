/*
 * test_report.c - the summary and progress line of scandetd -r
 * (report.c), fed alerts by hand: probes of a source that scans twice,
 * a scan still under way, a flood that changes port, the rows past the
 * table, the problems past their list; the progress line's numbers and
 * its wiping.  tests/cli/t_report.sh checks the whole against real
 * captures.
 */
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "decode.h"
#include "params.h"
#include "report.h"
#include "unit.h"

#define T0 1774683865000000ULL		/* 2026-03-28 07:44:25 UTC */

struct out {
	FILE *f;
	char *text;
	size_t len;
};

static struct report *open_report(struct out *o, bool progress,
				  bool events_share)
{
	o->text = NULL;
	o->f = open_memstream(&o->text, &o->len);
	return report_new(o->f, progress, events_share);
}

static void close_report(struct out *o, struct report *r)
{
	report_sink(r)->close(report_sink(r));
	fclose(o->f);
	free(o->text);
}

static void emit(struct report *r, const struct alert *a)
{
	report_sink(r)->emit(report_sink(r), a, "");
}

static struct alert scan(enum alert_kind kind, const char *src,
			 uint32_t count, uint64_t first, uint64_t last)
{
	struct alert a;

	memset(&a, 0, sizeof a);
	a.kind = kind;
	a.ts_us = last;
	a.proto = PROTO_TCP;
	addr_parse(src, &a.src);
	addr_parse("198.51.100.10", &a.dst);
	a.scan.kind = kind == ALERT_SCAN_END ? ALERT_PORTSCAN : kind;
	a.scan.count = count;
	a.scan.first_ts = first;
	a.scan.last_ts = last;
	return a;
}

static const char *summary(struct out *o, struct report *r)
{
	static const uint64_t results[DEC_RESULT_COUNT];
	struct report_reading rd = { 1, 1000, T0, T0 + 60000000, results };

	report_print(r, &rd);
	fflush(o->f);
	return o->text;
}

TEST(two_scans_one_row)
{
	struct out o;
	struct report *r = open_report(&o, false, false);
	struct alert a = scan(ALERT_PORTSCAN, "203.0.113.5", 4, T0, T0 + 1);

	emit(r, &a);
	a = scan(ALERT_SCAN_END, "203.0.113.5", 100, T0, T0 + 2000000);
	emit(r, &a);
	a = scan(ALERT_PORTSCAN, "203.0.113.5", 5, T0 + 30000000,
		 T0 + 30000001);
	emit(r, &a);
	a = scan(ALERT_SCAN_END, "203.0.113.5", 50, T0 + 30000000,
		 T0 + 41000000);
	emit(r, &a);
	summary(&o, r);
	CHECK(strstr(o.text, "Sources reported: 1 (events: 2 portscan, "
			     "2 scan_end)\n"));
	CHECK(strstr(o.text, "  portscan  tcp    203.0.113.5  198.51.100.10"
			     "  -         150  07:44:25  07:45:06  -\n"));
	CHECK(strstr(o.text, "Problems: none\n"));
	close_report(&o, r);
}

TEST(scan_under_way)
{
	struct out o;
	struct report *r = open_report(&o, false, false);
	struct alert a = scan(ALERT_PORTSCAN, "2001:db8::5", 4, T0, T0);

	emit(r, &a);
	a = scan(ALERT_PORTSCAN, "2001:db8::5", 40, T0, T0 + 5000000);
	emit(r, &a);		/* a refresh: the count so far, not added */
	summary(&o, r);
	CHECK(strstr(o.text, "2001:db8::5  198.51.100.10  -          40  "
			     "07:44:25  07:44:30  -\n"));
	close_report(&o, r);
}

TEST(flood_changes_port_and_target)
{
	struct out o;
	struct report *r = open_report(&o, false, false);
	struct alert a = scan(ALERT_FLOOD, "203.0.113.7", 40, T0, T0);

	a.scan.port = 80;
	snprintf(a.tool, sizeof a.tool, "hping3");
	emit(r, &a);
	a.scan.port = 443;
	addr_parse("198.51.100.11", &a.dst);
	a.tool[0] = '\0';
	emit(r, &a);
	summary(&o, r);
	CHECK(strstr(o.text, "  flood  tcp    203.0.113.7  198.51.100.10 "
			     "(and others)  80 (and others)      40  "
			     "07:44:25  07:44:25  hping3\n"));
	close_report(&o, r);
}

TEST(rows_past_the_table)
{
	struct out o;
	struct report *r = open_report(&o, false, false);
	char src[64];
	size_t rows = 0;

	for (int i = 0; i < REPORT_ROWS_MAX + 3; i++) {
		struct alert a;

		snprintf(src, sizeof src, "2001:db8::%x", i + 1);
		a = scan(ALERT_PORTSCAN, src, 4, T0, T0);
		emit(r, &a);
	}
	summary(&o, r);
	for (const char *p = o.text; (p = strstr(p, "\n  portscan ")); p++)
		rows++;
	CHECK_INT(rows, REPORT_ROWS_MAX);
	CHECK(strstr(o.text, "Sources reported: at least 1000 (events: "
			     "1003 portscan)\n"));
	CHECK(strstr(o.text, "  ... and 3 more events from sources not "
			     "listed (the table holds 1000 rows)\n"));
	close_report(&o, r);
}

TEST(problems_listed_then_counted)
{
	struct out o;
	struct report *r = open_report(&o, false, false);
	char text[64];

	for (int i = 0; i < REPORT_PROBLEMS_MAX + 2; i++) {
		snprintf(text, sizeof text, "f%d.pcap: truncated dump file", i);
		report_problem(r, text);
	}
	summary(&o, r);
	CHECK(strstr(o.text, "Problems:\n  f0.pcap: truncated dump file\n"));
	CHECK(strstr(o.text, "  f7.pcap: truncated dump file\n"));
	CHECK(!strstr(o.text, "f8.pcap"));
	CHECK(strstr(o.text, "  ... and 2 more files not read to the end\n"));
	close_report(&o, r);
}

TEST(progress_line)
{
	struct out o;
	struct report *r = open_report(&o, true, true);
	struct report_position pos = { 25000000, 100000000, 1000 };
	struct alert a = scan(ALERT_PORTSCAN, "203.0.113.5", 4, T0, T0);
	uint64_t now = 5000000;

	CHECK(!report_progress_due(r, now));	/* the clock starts */
	CHECK(!report_progress_due(r, now + PROGRESS_INTERVAL_US - 1));
	CHECK(report_progress_due(r, now + PROGRESS_INTERVAL_US));
	/* A quarter in one second: three more to go. */
	report_progress(r, &pos, now + 1000000);
	fflush(o.f);
	CHECK_STR(o.text, "\rscandetd: 25.0 of 100.0 MB (25%), 1000 packets, "
			  "1000 packets/s, 0:03 left");
	CHECK(!report_progress_due(r, now + 1000000 + PROGRESS_INTERVAL_US - 1));
	/* An event wipes the line first: spaces over it, back to the
	 * start. */
	emit(r, &a);
	fflush(o.f);
	CHECK_INT(o.len, 1 + 73 + 1 + 73 + 1);
	CHECK(o.text[74] == '\r' && strspn(o.text + 75, " ") == 73 &&
	      o.text[o.len - 1] == '\r');
	close_report(&o, r);
}

TEST(progress_without_size)
{
	struct out o;
	struct report *r = open_report(&o, true, false);
	struct report_position pos = { 0, 0, 500 };

	CHECK(!report_progress_due(r, 1000000));
	report_progress(r, &pos, 3000000);
	fflush(o.f);
	CHECK_STR(o.text, "\rscandetd: 500 packets, 250 packets/s");
	close_report(&o, r);
}

TEST(no_progress_off_a_terminal)
{
	struct out o;
	struct report *r = open_report(&o, false, true);

	CHECK(!report_progress_due(r, 1));
	CHECK(!report_progress_due(r, 100000000));
	close_report(&o, r);
}

int main(void)
{
	RUN(two_scans_one_row);
	RUN(scan_under_way);
	RUN(flood_changes_port_and_target);
	RUN(rows_past_the_table);
	RUN(problems_listed_then_counted);
	RUN(progress_line);
	RUN(progress_without_size);
	RUN(no_progress_off_a_terminal);
	return unit_report(__FILE__);
}
