/*
 * fuzz_workers.c - Workers N against one thread: a capture file read as
 * scandetd -r reads it, once with detection classifying in its own
 * thread (detect_batch) and once with Workers 4 (workers.c: four threads,
 * classification in three shares of the pairs, the first of them, half
 * the table, taken by the reading or the detection thread, whichever has
 * time); the events must be the same, byte for byte, in
 * the same order, and so must what classification counted.  A
 * difference aborts with both event lists.
 *
 * Input: a pcap or pcapng file (the corpus of fuzz_pcap), as a memfd.
 * Each input runs both detection methods.  The tables are large for a
 * fuzz input, so that none overflows in either run: with tables that
 * overflow, one table and three smaller ones evict different entries,
 * and the guarantee is for what fits (scandetd(8), "Several cores").
 * Inputs are at most 16384 bytes (fuzz.mk; a larger file replayed is
 * skipped), so at most 372 packets
 * that decode (16 + 28 bytes each); FlowTableSize 16384 gives the
 * smallest of the three shares 2048 contact slots and 1024 pending
 * deadlines, enough for all of them even in one pair.  The hash key is fixed, as
 * --hash-key fixes it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alert.h"
#include "capture.h"
#include "conf.h"
#include "decode.h"
#include "detect.h"
#include "pipeline.h"
#include "params.h"
#include "workers.h"

#include "fuzz_conf_detect.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NWORKERS 4
#define INPUT_MAX 16384		/* fuzz.mk's FUZZ_MAXLEN_workers */

static const char *const detect_conf[] = FUZZ_DETECT_METHODS(
	"SourceTableSize 1024\n"
	"FlowTableSize 16384\n");
#define NMETHODS (sizeof detect_conf / sizeof detect_conf[0])

static struct config cfg[NMETHODS];
static struct alert_router router;	/* large (the hold): not on the stack */

/* What one run wrote: its events as JSON lines, then its counts. */
struct record {
	char *text;
	size_t len, cap;
};

static void fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_workers: %s: [%s]\n", what, text);
	abort();
}

static void append(struct record *r, const char *s)
{
	size_t n = strlen(s);

	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;

		while (r->len + n + 1 > cap)
			cap *= 2;
		r->text = realloc(r->text, cap);
		if (!r->text)
			fail("record", "out of memory");
		r->cap = cap;
	}
	memcpy(r->text + r->len, s, n + 1);
	r->len += n;
}

static void record_emit(struct sink *s, const struct alert *a,
			const char *line)
{
	char json[ALERT_LINE_MAX * 2];

	(void)line;
	alert_format_json(a, NULL, json, sizeof json);
	append(s->ctx, json);
	append(s->ctx, "\n");
}

static void no_close(struct sink *s)
{
	(void)s;
}

/* Classification's counts, which must not depend on N (t_workers.sh
 * compares the same); the tables' own sizes do depend on it. */
static void record_stat(void *arg, const char *name, uint64_t value)
{
	static const char *const same[] = {
		"detect.probes", "detect.probes_ignored",
		"detect.not_a_contact", "detect.signature_hits",
		"detect.udp_new_flows", "detect.udp_replies",
		"detect.tcp_answered", "detect.packets", "contacts.first",
		"contacts.successes", "contacts.failures",
		"contacts.weak_failures",
	};
	char line[128];

	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
		if (strcmp(name, same[i]) == 0) {
			snprintf(line, sizeof line, "stat %s %llu\n", name,
				 (unsigned long long)value);
			append(arg, line);
			return;
		}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < NMETHODS; i++) {
		if (!conf_load_string("detect.conf", detect_conf[i], &cfg[i],
				      err, sizeof err))
			fail("config", err);
		cfg[i].hash_key_fixed = true;
		for (size_t b = 0; b < sizeof cfg[i].hash_key; b++)
			((uint8_t *)&cfg[i].hash_key)[b] = (uint8_t)(b * 37 + 1);
	}
	return 0;
}

static void detect_packets(void *arg, const struct pkt *batch, size_t n)
{
	detect_batch(arg, batch, n);
}

/* The alert router's clock, at the points of the stream the engine
 * moves it (engine.c: after each read of 4096; here PKT_BATCH + 8). */
static void tick_router(void *arg, uint64_t now_us)
{
	alert_router_tick(arg, now_us);
}

/* One run of path through cfg; n: workers (1: none).  Returns false
 * when libpcap refuses the file. */
static bool run(const char *path, const struct config *c, unsigned n,
		struct record *out)
{
	struct capture *cap;
	struct detect *det;
	struct workers *ws = NULL;
	struct pipeline pipe;
	struct sink sink;
	char err[1024];
	int got;

	cap = capture_open_file(path, NULL, err, sizeof err);
	if (!cap)
		return false;
	alert_router_init(&router, c);
	memset(&sink, 0, sizeof sink);
	sink.all_alerts = true;
	sink.emit = record_emit;
	sink.close = no_close;
	sink.ctx = out;
	alert_router_add(&router, &sink);
	det = n > 1 ? detect_new_unclassified(c, &router, err, sizeof err) :
		      detect_new(c, &router, err, sizeof err);
	if (!det)
		fail("detect_new", err);
	if (n > 1) {
		ws = workers_start(c, n, det, tick_router, &router, err,
				   sizeof err);
		if (!ws)
			fail("workers_start", err);
	}
	if (!pipeline_init(&pipe, c, c->frag_table_size,
			   ws ? workers_batch : detect_packets,
			   ws ? (void *)ws : (void *)det, err, sizeof err))
		fail("pipeline_init", err);
	pipeline_source(&pipe, capture_link(cap), 0);
	do {
		got = capture_dispatch(cap, PKT_BATCH + 8, pipeline_packet,
				       &pipe, err, sizeof err);
		pipeline_flush(&pipe);
		if (ws)
			workers_mark(ws, pipe.c.now_us);
		else
			tick_router(&router, pipe.c.now_us);
	} while (got > 0);
	if (ws)
		workers_finish(ws);
	else
		detect_finish(det);
	alert_router_finish(&router);
	alert_router_flush(&router);
	detect_stats(det, record_stat, out);
	workers_stop(ws);
	detect_free(det);
	pipeline_free(&pipe);
	alert_router_close(&router);
	capture_close(cap);
	return true;
}

static void compare(const char *path, const struct config *c)
{
	struct record one = { 0 }, many = { 0 };

	append(&one, "");
	append(&many, "");
	if (run(path, c, 1, &one) && run(path, c, NWORKERS, &many) &&
	    (one.len != many.len || memcmp(one.text, many.text, one.len))) {
		fprintf(stderr, "fuzz_workers: one thread:\n%s\n"
			"fuzz_workers: %d workers:\n%s\n", one.text, NWORKERS,
			many.text);
		fail("events", "differ between one thread and workers");
	}
	free(one.text);
	free(many.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd;

	if (size > INPUT_MAX)
		return 0;	/* the tables might overflow (see the top) */
	fd = memfd_create("fuzz_workers", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	for (size_t i = 0; i < NMETHODS; i++)
		compare(path, &cfg[i]);
	close(fd);
	return 0;
}
