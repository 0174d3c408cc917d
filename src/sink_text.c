/* sink_text.c - alerts as the same lines syslog gets, on a stream
 * (standard output in the foreground and with -r).  Syslog stamps its
 * lines with the time they were logged; reading a capture (-r), each
 * line begins with its packet's time instead: when it happened. */
#include <stdio.h>
#include <stdlib.h>

#include "alert.h"

struct text_sink {
	struct sink sink;
	FILE *out;
	bool packet_time;
};

static void text_emit(struct sink *s, const struct alert *a, const char *line)
{
	struct text_sink *t = s->ctx;
	char ts[40];

	if (t->packet_time) {
		format_ts(a->ts_us, ts, sizeof ts);
		fprintf(t->out, "%s %s\n", ts, line);
	} else {
		fprintf(t->out, "%s\n", line);
	}
}

static void text_flush(struct sink *s)
{
	struct text_sink *t = s->ctx;

	fflush(t->out);
}

static void text_close(struct sink *s)
{
	text_flush(s);
	free(s->ctx);
}

struct sink *sink_text_open(FILE *out, bool packet_time)
{
	struct text_sink *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->out = out;
	t->packet_time = packet_time;
	t->sink.ctx = t;
	t->sink.emit = text_emit;
	t->sink.flush = text_flush;
	t->sink.close = text_close;
	return &t->sink;
}
