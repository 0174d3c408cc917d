/*
 * fuzz_pcap.c - a whole capture file through scandetd -r's pipeline:
 * capture_open_file, capture_dispatch, the decode and reassembly
 * stages (pipeline.c, frag.c), the detectors.
 *
 * Input: a pcap or pcapng file.  It is handed to capture_open_file as
 * /proc/self/fd/N of a memfd, so nothing touches the disk.  libpcap's file
 * parsing is fuzzed together with ours: a crash inside libpcap is
 * libpcap's bug, to be reported there.
 *
 * Each input gets fresh detection stages, one per method (trw, classic),
 * with tiny tables and a low threshold; alerts are formatted as text and
 * JSON and discarded.  So unlike fuzz_decode a crash reproduces from its
 * input alone (up to the run's random hash key).
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

#include "fuzz_conf_detect.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const detect_conf[] = FUZZ_DETECT_METHODS(
	"SourceTableSize 64\n"
	"FlowTableSize 64\n");
#define NSTAGES (sizeof detect_conf / sizeof detect_conf[0])

static struct config cfg[NSTAGES];
static struct alert_router router;	/* large (the hold): not on the stack */

struct run {
	struct capture *cap;
	struct detect *det[NSTAGES];
	struct pipeline pipe;		/* decode -> reassemble -> det[] */
};

static void fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_pcap: %s: [%s]\n", what, text);
	abort();
}

static void fuzz_emit(struct sink *s, const struct alert *a, const char *line)
{
	static const struct ecs_observer observer = { "fuzz", "0" };
	char json[ALERT_LINE_MAX * 2], ecs[ECS_JSON_MAX];
	size_t len;

	(void)s;
	if (strnlen(line, ALERT_LINE_MAX) == ALERT_LINE_MAX)
		fail("line", "not NUL-terminated");
	alert_format_json(a, NULL, json, sizeof json);
	len = strlen(json);
	if (len == 0 || json[0] != '{' || json[len - 1] != '}' ||
	    len >= sizeof json - 1)
		fail("json not one whole object", json);
	/* JsonFormat ecs: sink_json.c's buffer must hold any document */
	if (!alert_format_ecs(a, line, &observer, ecs, sizeof ecs - 1))
		fail("ecs document did not fit", line);
}

static void no_close(struct sink *s)
{
	(void)s;
}

static void ignore_stat(void *arg, const char *name, uint64_t value)
{
	(void)arg;
	(void)name;
	(void)value;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < NSTAGES; i++)
		if (!conf_load_string("detect.conf", detect_conf[i], &cfg[i],
				      err, sizeof err))
			fail("config", err);
	return 0;
}

/* The pipeline's next stage: every detection configuration in turn. */
static void detect_packets(void *arg, const struct pkt *batch, size_t n)
{
	struct run *r = arg;

	for (size_t i = 0; i < NSTAGES; i++)
		detect_batch(r->det[i], batch, n);
}

static void run_file(const char *path)
{
	struct sink sink;
	struct run r;
	char err[512];
	int n;

	memset(&r, 0, sizeof r);
	r.cap = capture_open_file(path, NULL, err, sizeof err);
	if (!r.cap)
		return;
	alert_router_init(&router, &cfg[0]);
	memset(&sink, 0, sizeof sink);
	sink.all_alerts = true;
	sink.emit = fuzz_emit;
	sink.close = no_close;
	alert_router_add(&router, &sink);
	for (size_t i = 0; i < NSTAGES; i++)
		if (!(r.det[i] = detect_new(&cfg[i], &router, err, sizeof err)))
			fail("detect_new", err);
	/* scandetd's own decode and reassembly stages (pipeline.h), in
	 * rounds as -r reads (4096 there; here a little more than
	 * PKT_BATCH, so that full and partial batches both happen). */
	if (!pipeline_init(&r.pipe, &cfg[0], cfg[0].frag_table_size,
			   detect_packets, &r, err,
			   sizeof err))
		fail("pipeline_init", err);
	pipeline_source(&r.pipe, capture_link(r.cap), 0);
	do {
		n = capture_dispatch(r.cap, PKT_BATCH + 8, pipeline_packet,
				     &r.pipe, err, sizeof err);
		pipeline_flush(&r.pipe);
	} while (n > 0);
	for (size_t i = 0; i < NSTAGES; i++) {
		detect_finish(r.det[i]);
		detect_stats(r.det[i], ignore_stat, NULL);
		detect_free(r.det[i]);
	}
	pipeline_put_frags(&r.pipe, ignore_stat, NULL);
	pipeline_free(&r.pipe);
	alert_router_release(&router, true);
	alert_router_close(&router);
	capture_close(r.cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	run_file(path);
	close(fd);
	return 0;
}
