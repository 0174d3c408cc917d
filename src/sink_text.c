/* sink_text.c - alerts as the same lines syslog gets, on a stream
 * (standard output in the foreground and with -r). */
#include <stdio.h>
#include <stdlib.h>

#include "alert.h"

static void text_emit(struct sink *s, const struct alert *a, const char *line)
{
	(void)a;
	fprintf(s->ctx, "%s\n", line);
}

static void text_flush(struct sink *s)
{
	fflush(s->ctx);
}

static void text_close(struct sink *s)
{
	fflush(s->ctx);
	free(s);
}

struct sink *sink_text_open(FILE *out)
{
	struct sink *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->ctx = out;
	s->emit = text_emit;
	s->flush = text_flush;
	s->close = text_close;
	return s;
}
