/* sink_json.c - alerts as JSON Lines, to standard output (--json) or to
 * the JsonLog file (opened for appending, so logrotate's copytruncate
 * and a reopen on SIGHUP both work). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "params.h"

struct json_sink {
	struct sink sink;
	FILE *out;
	bool owned;
};

static void json_emit(struct sink *s, const struct alert *a, const char *line)
{
	struct json_sink *j = s->ctx;
	char buf[ALERT_LINE_MAX * 2];

	(void)line;
	alert_format_json(a, buf, sizeof buf);
	fprintf(j->out, "%s\n", buf);
}

static void json_flush(struct sink *s)
{
	struct json_sink *j = s->ctx;

	fflush(j->out);
}

static void json_close(struct sink *s)
{
	struct json_sink *j = s->ctx;

	if (j->owned)
		fclose(j->out);
	else
		fflush(j->out);
	free(j);
}

static struct sink *json_make(FILE *out, bool owned)
{
	struct json_sink *j = calloc(1, sizeof *j);

	if (!j)
		return NULL;
	j->out = out;
	j->owned = owned;
	j->sink.ctx = j;
	j->sink.emit = json_emit;
	j->sink.flush = json_flush;
	j->sink.close = json_close;
	return &j->sink;
}

struct sink *sink_json_open(FILE *out)
{
	return json_make(out, false);
}

struct sink *sink_json_open_path(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	FILE *f;
	struct sink *s;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	f = fdopen(fd, "a");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	s = json_make(f, true);
	if (!s) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
	}
	return s;
}
