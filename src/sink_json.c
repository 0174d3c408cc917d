/* sink_json.c - alerts as JSON Lines, to standard output (--json) or to
 * the JsonLog file.
 *
 * The JsonLog file is opened by the privileged parent (for appending, so
 * that logrotate's copytruncate works too), at start and again on SIGHUP
 * (after logrotate renamed it: the new descriptor replaces the old one
 * between two events, sink_json_set_fd), and written here with one
 * write() per line.  A line is never left cut: when the disk is full and only
 * part of it went out, the file is truncated back to where the line
 * began, so the next event starts on a line of its own.  Lost events are
 * counted, and said in the log at most once a minute.
 *
 * JsonFormat picks the shape of each line: scandetd's own (default), or
 * an Elastic Common Schema document (alert_ecs.c). */
#include <errno.h>
#include <fcntl.h>
#include <sys/fsuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "log.h"
#include "params.h"

/* Write errors of the JsonLog are logged at most this often. */
#define JSON_ERROR_LOG_SECONDS 60

struct json_sink {
	struct sink sink;
	struct json_style style;	/* JsonFormat */
	FILE *out;			/* --json: standard output */
	int fd;				/* JsonLog, -1 for out */
	char name[256];			/* JsonLog's path, for messages */
	uint64_t lost;			/* events not written, in all */
	uint64_t lost_unsaid;		/* ... not yet said in the log */
	int last_errno;
	time_t said_at;			/* last time the loss was logged */
};

static void say_lost(struct json_sink *j, bool recovered)
{
	time_t now = time(NULL);

	if (!recovered && j->said_at != 0 &&
	    now - j->said_at < JSON_ERROR_LOG_SECONDS)
		return;
	if (recovered)
		log_warnx("JsonLog %s: writing again; %llu events were not "
			  "written (%s)", j->name,
			  (unsigned long long)j->lost_unsaid,
			  strerror(j->last_errno));
	else
		log_warnx("JsonLog %s: %llu events not written: %s", j->name,
			  (unsigned long long)j->lost_unsaid,
			  strerror(j->last_errno));
	j->lost_unsaid = 0;
	j->said_at = recovered ? 0 : now;
}

/* One whole line or nothing. */
static void write_line(struct json_sink *j, const char *buf, size_t len)
{
	off_t start = lseek(j->fd, 0, SEEK_END);
	ssize_t n;

	do
		n = write(j->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len) {
		if (j->lost_unsaid > 0)
			say_lost(j, true);
		return;
	}
	j->last_errno = n < 0 ? errno : ENOSPC;
	if (n > 0 && start >= 0 && ftruncate(j->fd, start) != 0)
		j->last_errno = errno;
	j->lost++;
	j->lost_unsaid++;
	say_lost(j, false);
}

/* One event in buf, no newline; false if there is none to write. */
static bool format(struct json_sink *j, const struct alert *a,
		   const char *line, char *buf, size_t len)
{
	if (j->style.ecs)
		return alert_format_ecs(a, line, &j->style.observer, buf, len);
	alert_format_json(a, j->style.sensor, buf, len);
	return true;
}

static void json_emit(struct sink *s, const struct alert *a, const char *line)
{
	struct json_sink *j = s->ctx;
	char buf[ECS_JSON_MAX];
	size_t len;

	/* Sized for the longest document: a cut one would be no JSON. */
	if (!format(j, a, line, buf, sizeof buf - 1)) {
		j->lost++;
		return;
	}
	if (j->fd < 0) {
		fprintf(j->out, "%s\n", buf);
		return;
	}
	len = strlen(buf);
	buf[len++] = '\n';
	write_line(j, buf, len);
}

static void json_flush(struct sink *s)
{
	struct json_sink *j = s->ctx;

	if (j->out)
		fflush(j->out);
}

static void json_close(struct sink *s)
{
	struct json_sink *j = s->ctx;

	if (j->fd >= 0) {
		if (j->lost_unsaid > 0)
			log_warnx("JsonLog %s: %llu events not written: %s",
				  j->name, (unsigned long long)j->lost_unsaid,
				  strerror(j->last_errno));
		close(j->fd);
	} else {
		fflush(j->out);
	}
	free(j);
}

static void json_stats(struct sink *s, stat_fn put, void *arg)
{
	struct json_sink *j = s->ctx;

	if (j->fd >= 0)
		put(arg, "jsonlog.lost", j->lost);
}

static struct json_sink *json_make(const struct json_style *style)
{
	struct json_sink *j = calloc(1, sizeof *j);

	if (!j)
		return NULL;
	if (style)
		j->style = *style;
	j->fd = -1;
	j->sink.ctx = j;
	j->sink.emit = json_emit;
	j->sink.flush = json_flush;
	j->sink.close = json_close;
	j->sink.stats = json_stats;
	return j;
}

struct sink *sink_json_open(FILE *out, const struct json_style *style)
{
	struct json_sink *j = json_make(style);

	if (!j)
		return NULL;
	j->out = out;
	return &j->sink;
}

void sink_json_set_fd(struct sink *s, int fd)
{
	struct json_sink *j = s->ctx;

	/* Called between two events: the old file ends with a whole line,
	 * the new one starts with one. */
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
}

struct sink *sink_json_open_fd(int fd, const char *name,
			       const struct json_style *style, char *err,
			       size_t errlen)
{
	struct json_sink *j = json_make(style);

	if (!j) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	j->fd = fd;
	snprintf(j->name, sizeof j->name, "%s", name ? name : "JsonLog");
	return &j->sink;
}

/* Flags of every JsonLog open.  O_NOFOLLOW: a symbolic link put in its
 * place must not make us append to (or create) a file of someone else's
 * choosing.  O_NONBLOCK: a FIFO in its place must not hang us. */
#define JSON_OPEN_FLAGS	(O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | \
			 O_NONBLOCK)

/*
 * A new file, JSON_LOG_MODE whatever the umask, and of group (if not
 * (gid_t)-1) from its first moment: created with that file-system group
 * (CAP_SETGID, which the parent keeps; CAP_CHOWN it has not), else
 * handed to it if we may.  -1 with errno EEXIST if it is there already.
 */
static int create_new(const char *path, gid_t group)
{
	gid_t old = 0;
	struct stat st;
	int fd, saved;

	if (group != (gid_t)-1)
		old = (gid_t)setfsgid(group);
	fd = open(path, JSON_OPEN_FLAGS | O_CREAT | O_EXCL, JSON_LOG_MODE);
	saved = errno;
	if (group != (gid_t)-1)
		(void)setfsgid(old);
	if (fd >= 0) {
		(void)fchmod(fd, JSON_LOG_MODE);
		/* Best effort: a file the group cannot read is still the
		 * daemon's log; the mode above already keeps others out. */
		if (group != (gid_t)-1 && fstat(fd, &st) == 0 &&
		    st.st_gid != group && fchown(fd, (uid_t)-1, group) != 0)
			log_debug("JsonLog %s: group not set: %s", path,
				  strerror(errno));
	}
	errno = saved;
	return fd;
}

int sink_json_open_file(const char *path, gid_t group, char *err,
			size_t errlen)
{
	int fd = create_new(path, group);
	struct stat st;

	/* There already (logrotate's "create", an admin's choice): owner
	 * and mode are left as they are. */
	if (fd < 0 && errno == EEXIST)
		fd = open(path, JSON_OPEN_FLAGS);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path,
			 errno == ELOOP ? "is a symbolic link" :
			 errno == ENXIO ? "not a regular file (a FIFO)" :
			 strerror(errno));
		return -1;
	}
	/* A regular file, or a device such as /dev/null; never a FIFO or a
	 * socket, whose reader could stop us. */
	if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) ||
				     S_ISCHR(st.st_mode))) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	/* Writes must wait for the disk like any file's; O_NONBLOCK was for
	 * the open only. */
	fcntl(fd, F_SETFL, O_APPEND);
	return fd;
}
