/*
 * report.h - what scandetd -r tells a person besides the events: while
 * it reads, a progress line on a terminal; at the end, a summary (the
 * sources reported, one row per source, kind and protocol; packets and
 * time span; what went wrong).
 *
 * It is fed by a sink (alert.h), like the logs: it sees exactly the
 * alerts they see, AlertLimit included, and knows nothing of detection.
 * Its size is fixed: the first REPORT_ROWS_MAX rows are listed, the
 * events of other sources only counted.
 */
#ifndef SCANDETD_REPORT_H
#define SCANDETD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct report;
struct sink;

/*
 * out: where the progress and the summary go (standard error).
 * progress: draw the progress line (out is a terminal).  events_share:
 * the events are written to that same terminal, so each one wipes the
 * progress line first (it is drawn again at the next interval).  NULL
 * when out of memory.
 */
struct report *report_new(FILE *out, bool progress, bool events_share);

/* The sink that feeds the report.  Add it to the router before the sink
 * that writes events to the terminal; the router's close frees the
 * report too. */
struct sink *report_sink(struct report *r);

/* Something that went wrong, for the summary (e.g. "a.pcap: truncated
 * dump file; ..."); the caller has said it already. */
void report_problem(struct report *r, const char *text);

/* Where the reading is.  bytes_total 0: unknown (a pipe). */
struct report_position {
	uint64_t bytes_done, bytes_total;
	uint64_t packets;
};

/* Whether the progress line is due for a redraw at wall time now_us
 * (cheap: ask before working out the position). */
bool report_progress_due(struct report *r, uint64_t now_us);
void report_progress(struct report *r, const struct report_position *pos,
		     uint64_t now_us);
/* Wipe the progress line (before anything else is written there). */
void report_progress_clear(struct report *r);

/* What the packet process counted, for the summary. */
struct report_reading {
	unsigned files;
	uint64_t packets;
	uint64_t first_us, last_us;	/* packet time; any when no packets */
	const uint64_t *decode_results;	/* DEC_RESULT_COUNT counts */
};

/* The summary, on out.  Wipes the progress line first. */
void report_print(struct report *r, const struct report_reading *rd);

#endif
