/* sink_syslog.c - alerts to syslog, ident "scandetd", priority notice.
 * openlog() is done once by log.c with the configured facility. */
#include <stdlib.h>
#include <syslog.h>

#include "alert.h"

static void syslog_emit(struct sink *s, const struct alert *a, const char *line)
{
	(void)s;
	(void)a;
	syslog(LOG_NOTICE, "%s", line);
}

static void syslog_close(struct sink *s)
{
	free(s);
}

struct sink *sink_syslog_open(int facility)
{
	struct sink *s = calloc(1, sizeof *s);

	(void)facility;
	if (!s)
		return NULL;
	s->emit = syslog_emit;
	s->close = syslog_close;
	return s;
}
