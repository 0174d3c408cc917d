/*
 * metrics.h - the statistics, for a Prometheus scraper, without ever
 * making the packet path wait.
 *
 * Each process that counts (the packet process, the mailer) publishes its
 * statistics into a page of shared memory that it alone can write: a
 * memfd the parent creates, mapped writable by the producer and only
 * read-only by the metrics process (the parent hands that one a
 * descriptor opened O_RDONLY, which cannot be mapped writable).  A
 * producer republishes at most once a second (METRICS_PUBLISH_MS) under
 * a sequence count; the metrics process takes a consistent copy when it
 * is scraped, and treats the copy as untrusted input.  Nothing is ever
 * sent to the packet process and nothing it does waits for a scraper.
 *
 * The names are those of the SIGUSR1 "stat" lines ("packets.seen",
 * "alerts.portscan", "interface.eth0.dropped"); metrics_render() maps
 * them to Prometheus metric families with a fixed table.
 */
#ifndef SCANDETD_METRICS_H
#define SCANDETD_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

/* A producer republishes at most this often. */
#define METRICS_PUBLISH_MS	1000
/* Statistics per page, and the longest name with its NUL. */
#define METRICS_MAX		384
#define METRICS_NAME_MAX	56

/* "SDMETRIC": a page the producer has written at least once. */
#define METRICS_MAGIC		0x53444d4554524943ull

struct metrics_entry {
	char name[METRICS_NAME_MAX];	/* NUL-terminated, zero after */
	uint64_t value;
};

struct metrics_page {
	_Atomic uint64_t seq;		/* odd while the producer writes */
	uint64_t magic;
	uint64_t published_us;		/* wall clock of the last publish */
	uint32_t count;			/* entries in use */
	uint32_t unlisted;		/* statistics that did not fit */
	struct metrics_entry e[METRICS_MAX];
};

/* ---- the producer's side ------------------------------------------- */

struct metrics_writer {
	struct metrics_page *page;	/* NULL: not publishing */
	uint64_t seq;			/* our own count: never read back */
	uint64_t last_ms;		/* monotonic time of the last publish */
	uint32_t n;
	uint32_t unlisted;
};

/* The parent: a new, zeroed page as a memfd (close-on-exec), and a
 * second descriptor for the same page that can only be read.  false with
 * the reason in err. */
bool metrics_page_create(int *rw_fd, int *ro_fd, char *err, size_t errlen);

/* The producer, in its set-up: map the page (fd -1: w publishes nothing;
 * fd is closed either way). */
bool metrics_writer_open(struct metrics_writer *w, int fd, char *err,
			 size_t errlen);
void metrics_writer_close(struct metrics_writer *w);

/* True when a publish is due (METRICS_PUBLISH_MS since the last one, or
 * never published).  Cheap: one clock read. */
bool metrics_due(struct metrics_writer *w);

/* A publish: begin, one put per statistic (a stat_fn), end. */
void metrics_begin(struct metrics_writer *w);
void metrics_put(void *writer, const char *name, uint64_t value);
void metrics_end(struct metrics_writer *w);

/* ---- the reader's side ---------------------------------------------- */

/* A consistent copy of a page into *out, checked: false when the page was
 * never published, or stayed mid-write over every retry, or holds
 * anything malformed (a count too large, a name not NUL-terminated or
 * with a byte outside [A-Za-z0-9_.:@-]); why says which. */
bool metrics_read(const struct metrics_page *page, struct metrics_page *out,
		  const char **why);

/* A producer's page (NULL: the producer is not running) and its name
 * ("engine", "mailer"). */
struct metrics_source {
	const char *process;
	const struct metrics_page *page;
};

/* What the rendering knows beside the pages. */
struct metrics_context {
	const char *version;		/* scandetd_build_info */
	uint64_t now_us;		/* wall clock, for the snapshot age */
	uint64_t start_us;		/* the daemon's start */
};

/*
 * The Prometheus text exposition format (version 0.0.4) of the pages of
 * src[0..nsrc), which metrics_read() has checked.  Every statistic
 * goes to the family the table gives it; one the table does not know
 * goes to scandetd_stat{name="..."} as an untyped value, so nothing is
 * hidden.  Returns the length written, or 0 if buf was too small.
 */
size_t metrics_render(const struct metrics_source *src, size_t nsrc,
		      const struct metrics_context *ctx, char *buf,
		      size_t len);

/* How many statistic names of page the table does not know, and the
 * first of them (tests: every name a producer publishes is known). */
size_t metrics_unknown(const struct metrics_page *page, const char **first);

/* ---- the address ---------------------------------------------------- */

/* MetricsListen: "PORT" (127.0.0.1), "ADDRESS:PORT", "[IPV6]:PORT";
 * numeric only, never a name lookup.  false with the reason in err. */
bool metrics_parse_listen(const char *text, struct sockaddr_storage *ss,
			  socklen_t *sslen, char *err, size_t errlen);

/* The parent, as root: a listening TCP socket (non-blocking,
 * close-on-exec) on the address; -1 with the reason in err. */
int metrics_listen(const char *text, char *err, size_t errlen);

#endif
