/*
 * metrics.c - the statistics pages (see metrics.h) and their Prometheus
 * text exposition.
 *
 * The page is a seqlock: the producer makes the count odd, writes,
 * makes it even again; a reader copies between two reads of the count
 * and keeps the copy only when both are the same even number.  The
 * producer never reads the page back, so a reader cannot disturb it,
 * and a reader checks what it copied, so a producer cannot hurt it.
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* A reader gives up on a page still mid-write after this many tries
 * (a producer writes a page in microseconds; one that died mid-write
 * leaves it odd for good). */
#define READ_TRIES		100
#define READ_RETRY_NS		100000

/* ---- the page ------------------------------------------------------- */

bool metrics_page_create(int *rw_fd, int *ro_fd, char *err, size_t errlen)
{
	char path[64];
	int fd;

	*rw_fd = *ro_fd = -1;
	fd = memfd_create("scandetd-metrics", MFD_CLOEXEC);
	if (fd < 0) {
		set_err(err, errlen, "metrics: memfd_create: %s",
			strerror(errno));
		return false;
	}
	if (ftruncate(fd, sizeof(struct metrics_page)) != 0) {
		set_err(err, errlen, "metrics: ftruncate: %s", strerror(errno));
		close(fd);
		return false;
	}
	/* A new open file description, read-only: mmap(PROT_WRITE,
	 * MAP_SHARED) and a later mprotect() to writable both fail on it. */
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	*ro_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*ro_fd < 0) {
		set_err(err, errlen, "metrics: %s: %s", path, strerror(errno));
		close(fd);
		return false;
	}
	*rw_fd = fd;
	return true;
}

bool metrics_writer_open(struct metrics_writer *w, int fd, char *err,
			 size_t errlen)
{
	void *p;

	memset(w, 0, sizeof *w);
	if (fd < 0)
		return true;
	p = mmap(NULL, sizeof(struct metrics_page), PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		set_err(err, errlen, "metrics: mmap: %s", strerror(errno));
		return false;
	}
	w->page = p;
	return true;
}

void metrics_writer_close(struct metrics_writer *w)
{
	if (w->page)
		munmap(w->page, sizeof *w->page);
	w->page = NULL;
}

bool metrics_due(struct metrics_writer *w)
{
	return w->page &&
	       (w->last_ms == 0 || mono_ms() - w->last_ms >= METRICS_PUBLISH_MS);
}

void metrics_begin(struct metrics_writer *w)
{
	if (!w->page)
		return;
	w->seq++;			/* odd: a reader retries */
	atomic_store_explicit(&w->page->seq, w->seq, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	w->n = 0;
	w->unlisted = 0;
}

void metrics_put(void *writer, const char *name, uint64_t value)
{
	struct metrics_writer *w = writer;
	struct metrics_entry *e;
	size_t len = strlen(name);

	if (!w->page)
		return;
	if (w->n == METRICS_MAX || len >= METRICS_NAME_MAX) {
		w->unlisted++;
		return;
	}
	e = &w->page->e[w->n++];
	memset(e->name, 0, sizeof e->name);
	memcpy(e->name, name, len);
	e->value = value;
}

void metrics_end(struct metrics_writer *w)
{
	if (!w->page)
		return;
	w->page->magic = METRICS_MAGIC;
	w->page->published_us = wall_us();
	w->page->count = w->n;
	w->page->unlisted = w->unlisted;
	w->seq++;			/* even: done */
	atomic_store_explicit(&w->page->seq, w->seq, memory_order_release);
	w->last_ms = mono_ms();
}

/* ---- reading --------------------------------------------------------- */

/* Safe inside a label value and a log line: printable, no blank, no
 * quote, no backslash. */
static bool name_byte_ok(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '"' && c != '\\';
}

static bool entry_ok(const struct metrics_entry *e)
{
	size_t i;

	for (i = 0; i < sizeof e->name && e->name[i]; i++)
		if (!name_byte_ok((unsigned char)e->name[i]))
			return false;
	return i > 0 && i < sizeof e->name;
}

static bool copy_once(const struct metrics_page *page,
		      struct metrics_page *out)
{
	uint64_t before, after;

	before = atomic_load_explicit(&page->seq, memory_order_acquire);
	if (before & 1)
		return false;
	/* The producer may write meanwhile: the count tells. */
	memcpy((char *)out + sizeof out->seq, (const char *)page +
	       sizeof page->seq, sizeof *out - sizeof out->seq);
	atomic_thread_fence(memory_order_acquire);
	after = atomic_load_explicit(&page->seq, memory_order_relaxed);
	atomic_store_explicit(&out->seq, before, memory_order_relaxed);
	return before == after;
}

bool metrics_read(const struct metrics_page *page, struct metrics_page *out,
		  const char **why)
{
	const struct timespec pause = { 0, READ_RETRY_NS };
	int tries;

	for (tries = 0; tries < READ_TRIES; tries++) {
		if (copy_once(page, out))
			break;
		nanosleep(&pause, NULL);
	}
	if (tries == READ_TRIES) {
		*why = "the page stays mid-write";
		return false;
	}
	if (out->magic != METRICS_MAGIC) {
		*why = "not published yet";
		return false;
	}
	if (out->count > METRICS_MAX) {
		*why = "count out of range";
		return false;
	}
	for (uint32_t i = 0; i < out->count; i++)
		if (!entry_ok(&out->e[i])) {
			*why = "a malformed name";
			return false;
		}
	return true;
}

/* ---- the Prometheus families ------------------------------------------ */

/*
 * Each statistic name maps to one family.  A '*' in the pattern matches
 * one or more bytes, which become the value of the rule's label; fixed
 * adds constant labels.  The first rule that matches wins, so specific
 * rules come before general ones; rules of one metric are adjacent so
 * that its HELP and TYPE are written once.
 */
struct family_rule {
	const char *pattern;
	const char *metric;
	const char *type;		/* "counter" or "gauge" */
	const char *label;		/* named by the '*', or NULL */
	const char *fixed;		/* constant labels, or NULL */
	const char *help;
};

#define C "counter"
#define G "gauge"

static const struct family_rule rules[] = {
	{ "packets.seen", "scandetd_packets_seen_total", C, NULL, NULL,
	  "Packets read from the capture." },
	{ "packets.decoded", "scandetd_packets_decoded_total", C, NULL, NULL,
	  "Packets decoded down to their transport header." },
	{ "packets.malformed", "scandetd_packets_malformed_total", C, NULL,
	  NULL, "Packets dropped as malformed or truncated, all reasons." },
	{ "decoder.skip.*", "scandetd_packets_skipped_total", C, "reason",
	  NULL, "Packets not examined: not IP, another protocol, a later "
	  "fragment." },
	{ "decoder.*", "scandetd_packets_malformed_by_reason_total", C,
	  "reason", NULL, "Packets dropped as malformed, by layer and "
	  "reason." },
	{ "capture.received", "scandetd_capture_received_total", C, NULL,
	  NULL, "Packets the kernel passed to the capture (pcap_stats "
	  "ps_recv), all interfaces." },
	{ "capture.dropped", "scandetd_capture_dropped_total", C, NULL, NULL,
	  "Packets the kernel dropped for want of buffer space (pcap_stats "
	  "ps_drop), all interfaces." },
	{ "capture.if_dropped", "scandetd_capture_if_dropped_total", C, NULL,
	  NULL, "Packets the interfaces dropped (pcap_stats ps_ifdrop)." },
	{ "interface.*.received", "scandetd_interface_received_total", C,
	  "interface", NULL, "Packets the kernel passed to the capture, by "
	  "interface." },
	{ "interface.*.dropped", "scandetd_interface_dropped_total", C,
	  "interface", NULL, "Packets the kernel dropped for want of buffer "
	  "space, by interface." },
	{ "interface.*.if_dropped", "scandetd_interface_if_dropped_total", C,
	  "interface", NULL, "Packets the interface dropped, by interface." },
	{ "alerts.held_back.*", "scandetd_alerts_held_back_total", C, "kind",
	  NULL, "Alerts AlertLimit held back for good, by kind." },
	{ "alerts.limit.summaries", "scandetd_alert_limit_summaries_total", C,
	  NULL, NULL, "Summaries of held-back alerts written." },
	{ "alerts.limit.delayed", "scandetd_alert_limit_delayed_total", C,
	  NULL, NULL, "Alerts held back and written later." },
	{ "alerts.limit.pool_full", "scandetd_alert_limit_pool_full_total", C,
	  NULL, NULL, "Alerts held back while the waiting pool was full." },
	{ "alerts.*", "scandetd_alerts_total", C, "kind", NULL,
	  "Alerts raised, by kind." },
	{ "jsonlog.lost", "scandetd_jsonlog_lost_total", C, NULL, NULL,
	  "Events that could not be written to JsonLog." },
	{ "mail.handed_over", "scandetd_mail_handed_over_total", C, NULL,
	  NULL, "Alerts the packet process handed to the mailer." },
	{ "mail.not_handed_over", "scandetd_mail_not_handed_over_total", C,
	  NULL, NULL, "Alerts the packet process could not hand to the "
	  "mailer (socket full, mailer down)." },
	{ "mailer.received", "scandetd_mailer_received_total", C, NULL, NULL,
	  "Alerts the mailer received." },
	{ "mailer.sent", "scandetd_mailer_sent_total", C, NULL, NULL,
	  "Messages delivered to the relay or MailCommand." },
	{ "mailer.failed", "scandetd_mailer_failed_total", C, NULL, NULL,
	  "Messages given up after their retries." },
	{ "mailer.queued", "scandetd_mailer_queued", G, NULL, NULL,
	  "Messages waiting for delivery." },
	{ "mailer.digest_pending", "scandetd_mailer_digest_pending", G, NULL,
	  NULL, "Alerts over MailRateLimit waiting for the next digest." },
	{ "resolver.hits", "scandetd_resolver_cache_hits_total", C, NULL,
	  NULL, "Name lookups answered from the cache." },
	{ "resolver.misses", "scandetd_resolver_cache_misses_total", C, NULL,
	  NULL, "Name lookups the cache could not answer." },
	{ "resolver.sent", "scandetd_resolver_requests_total", C, NULL, NULL,
	  "Requests sent to the resolver process." },
	{ "resolver.dropped", "scandetd_resolver_requests_dropped_total", C,
	  NULL, NULL, "Requests not sent: socket full or cache bucket busy." },
	{ "resolver.answers", "scandetd_resolver_answers_total", C, NULL,
	  NULL, "Answers read from the resolver process." },
	{ "resolver.negative", "scandetd_resolver_answers_negative_total", C,
	  NULL, NULL, "Answers that gave no usable name." },
	{ "resolver.sanitised", "scandetd_resolver_names_refused_total", C,
	  NULL, NULL, "Names refused as unsafe to print." },
	{ "detect.packets", "scandetd_detect_packets_total", C, NULL, NULL,
	  "Packets detection looked at." },
	{ "detect.probes", "scandetd_detect_probes_total", C, NULL, NULL,
	  "Packets counted as probes." },
	{ "detect.probes_ignored", "scandetd_detect_probes_ignored_total", C,
	  NULL, NULL, "Probes from ignored hosts or to ignored ports." },
	{ "detect.not_a_contact", "scandetd_detect_not_a_contact_total", C,
	  NULL, NULL, "Packets that open no contact (replies, others)." },
	{ "detect.signature_hits", "scandetd_detect_signature_hits_total", C,
	  NULL, NULL, "Probes that matched a tool signature." },
	{ "detect.udp_new_flows", "scandetd_detect_udp_new_flows_total", C,
	  NULL, NULL, "UDP flows seen for the first time." },
	{ "detect.udp_replies", "scandetd_detect_udp_replies_total", C, NULL,
	  NULL, "UDP replies matched to a flow." },
	{ "detect.tcp_answered", "scandetd_detect_tcp_answered_total", C,
	  NULL, NULL, "TCP contacts answered by the target." },
	{ "workers.threads", "scandetd_workers", G, NULL, NULL,
	  "Worker threads classifying packets (Workers)." },
	{ "workers.slabs", "scandetd_worker_slabs_total", C, NULL, NULL,
	  "Slabs of packets handed through the workers." },
	{ "workers.reader.cpu_us", "scandetd_thread_cpu_microseconds_total", C,
	  NULL, "thread=\"reader\"", "CPU time of each thread of the packet "
	  "process, with Workers: what limits it." },
	{ "workers.detect.cpu_us", "scandetd_thread_cpu_microseconds_total", C,
	  NULL, "thread=\"detect\"", "CPU time of each thread of the packet "
	  "process, with Workers: what limits it." },
	{ "workers.classify.*.cpu_us", "scandetd_thread_cpu_microseconds_total",
	  C, "worker", "thread=\"classify\"", "CPU time of each thread of "
	  "the packet process, with Workers: what limits it." },
	{ "workers.classify.*.packets", "scandetd_worker_packets_total", C,
	  "worker", NULL, "Packets each worker classified: how even the "
	  "pairs of hosts spread." },
	{ "contacts.first", "scandetd_contacts_first_total", C, NULL, NULL,
	  "First contacts of a source with a host and port." },
	{ "contacts.successes", "scandetd_contact_outcomes_total", C, NULL,
	  "outcome=\"success\"", "Contacts decided, by outcome." },
	{ "contacts.failures", "scandetd_contact_outcomes_total", C, NULL,
	  "outcome=\"failure\"", NULL },
	{ "contacts.weak_failures", "scandetd_contact_outcomes_total", C,
	  NULL, "outcome=\"weak_failure\"", NULL },
	{ "contacts.undecided_overflow",
	  "scandetd_contacts_undecided_dropped_total", C, NULL, NULL,
	  "Contacts dropped undecided for want of room." },
	{ "frags.fragments", "scandetd_fragments_total", C, NULL, NULL,
	  "IP fragments seen." },
	{ "frags.tiny", "scandetd_fragments_tiny_total", C, NULL, NULL,
	  "First fragments too short to hold the transport header." },
	{ "frags.completed", "scandetd_fragments_reassembled_total", C, NULL,
	  NULL, "Transport headers put together from fragments." },
	{ "frags.overlaps", "scandetd_fragments_overlaps_total", C, NULL,
	  NULL, "Fragments that overlapped an earlier one." },
	{ "connlog.logged", "scandetd_connections_logged_total", C, NULL,
	  NULL, "Connections logged (LogConnections)." },
	{ "connlog.ignored", "scandetd_connections_ignored_total", C, NULL,
	  NULL, "Connections not logged (ignored hosts or ports)." },
	{ "connlog.retransmits", "scandetd_connection_retransmits_total", C,
	  NULL, NULL, "SYN retransmissions of attempts logged once." },
	{ "connlog.unknown", "scandetd_connections_outcome_unknown_total", C,
	  NULL, NULL, "Attempts logged without their outcome: the table of "
	  "attempts was full." },
	{ "*.tallies.exhausted", "scandetd_scan_tallies_exhausted_total", C,
	  "method", NULL, "Scans reported while every exact tally was in "
	  "use: their distinct ports and hosts are lower bounds." },
	{ "classic.portscans", "scandetd_detector_reports_total", C, NULL,
	  "method=\"classic\",kind=\"portscan\"",
	  "Scans reported, by detection method and kind." },
	{ "classic.sweeps", "scandetd_detector_reports_total", C, NULL,
	  "method=\"classic\",kind=\"sweep\"", NULL },
	{ "classic.floods", "scandetd_detector_reports_total", C, NULL,
	  "method=\"classic\",kind=\"flood\"", NULL },
	{ "trw.portscans", "scandetd_detector_reports_total", C, NULL,
	  "method=\"trw\",kind=\"portscan\"", NULL },
	{ "trw.sweeps", "scandetd_detector_reports_total", C, NULL,
	  "method=\"trw\",kind=\"sweep\"", NULL },
	{ "trw.floods", "scandetd_detector_reports_total", C, NULL,
	  "method=\"trw\",kind=\"flood\"", NULL },
	{ "discovery.sweeps", "scandetd_detector_reports_total", C, NULL,
	  "method=\"discovery\",kind=\"sweep\"", NULL },
	{ "ipproto.scans", "scandetd_detector_reports_total", C, NULL,
	  "method=\"protocols\",kind=\"portscan\"", NULL },
	{ "distributed.scans", "scandetd_detector_reports_total", C, NULL,
	  "method=\"distributed\",kind=\"distributed\"", NULL },
	{ "classic.ended", "scandetd_detector_scans_ended_total", C, NULL,
	  "method=\"classic\"", "Reported scans that went idle and ended." },
	{ "trw.ended", "scandetd_detector_scans_ended_total", C, NULL,
	  "method=\"trw\"", NULL },
	{ "discovery.ended", "scandetd_detector_scans_ended_total", C, NULL,
	  "method=\"discovery\"", NULL },
	{ "ipproto.ended", "scandetd_detector_scans_ended_total", C, NULL,
	  "method=\"protocols\"", NULL },
	{ "trw.by_walk", "scandetd_trw_decisions_total", C, NULL,
	  "by=\"walk\"", "TRW reports, by what decided them." },
	{ "trw.by_signature", "scandetd_trw_decisions_total", C, NULL,
	  "by=\"signature\"", NULL },
	{ "trw.by_slow_window", "scandetd_trw_decisions_total", C, NULL,
	  "by=\"slow_window\"", NULL },
	{ "trw.by_techniques", "scandetd_trw_decisions_total", C, NULL,
	  "by=\"techniques\"", NULL },
	{ "osfp.probes", "scandetd_osprobes_reported_total", C, NULL, NULL,
	  "OS fingerprinting probes reported." },
	{ "trw.client_unanswered", "scandetd_udp_client_unanswered_total", C,
	  NULL, NULL, "Unanswered UDP contacts taken as a client's on its "
	  "own schedule: no evidence of a scan." },
	{ "discovery.requests", "scandetd_discovery_requests_total", C, NULL,
	  NULL, "Host discovery requests seen: ICMP echo, timestamp and "
	  "address mask, ARP, neighbour solicitations." },
	{ "discovery.answers", "scandetd_discovery_answers_total", C, NULL,
	  NULL, "Answers to the host discovery requests followed." },
	{ "discovery.resolvers", "scandetd_discovery_resolvers_total", C,
	  NULL, NULL, "ARP and ND request runs taken as a kernel resolving "
	  "addresses (retries a second apart), not a sweep." },
	{ "ipproto.datagrams", "scandetd_other_protocol_datagrams_total", C,
	  NULL, NULL, "IP datagrams of protocols not decoded further, or "
	  "without a transport header, to unicast addresses." },
	/* Every table: flows, contacts, frags, *.sources. */
	{ "*.slots", "scandetd_table_slots", G, "table", NULL,
	  "Entries a table can hold (fixed at start)." },
	{ "*.used", "scandetd_table_used", G, "table", NULL,
	  "Entries in use." },
	{ "*.evictions", "scandetd_table_evictions_total", C, "table", NULL,
	  "Entries evicted to make room." },
};

#undef C
#undef G

#define RULE_COUNT (sizeof rules / sizeof rules[0])
#define RULE_NONE RULE_COUNT

/* The '*' part of name under pattern, or NULL when it does not match. */
static bool rule_match(const char *pattern, const char *name,
		       const char **star, size_t *star_len)
{
	const char *s = strchr(pattern, '*');
	size_t pre, post, len = strlen(name);

	if (!s) {
		*star = NULL;
		*star_len = 0;
		return strcmp(pattern, name) == 0;
	}
	pre = (size_t)(s - pattern);
	post = strlen(s + 1);
	if (len <= pre + post || strncmp(name, pattern, pre) != 0 ||
	    strcmp(name + len - post, s + 1) != 0)
		return false;
	*star = name + pre;
	*star_len = len - pre - post;
	return true;
}

static size_t rule_for(const char *name, const char **star, size_t *star_len)
{
	for (size_t r = 0; r < RULE_COUNT; r++)
		if (rule_match(rules[r].pattern, name, star, star_len))
			return r;
	return RULE_NONE;
}

size_t metrics_unknown(const struct metrics_page *page, const char **first)
{
	const char *star;
	size_t star_len, n = 0;

	*first = NULL;
	for (uint32_t i = 0; i < page->count; i++)
		if (rule_for(page->e[i].name, &star, &star_len) == RULE_NONE) {
			if (!n)
				*first = page->e[i].name;
			n++;
		}
	return n;
}

/* Output into a fixed buffer; full stays set once anything was cut. */
struct out {
	char *buf;
	size_t len, used;
	bool full;
};

__attribute__((format(printf, 2, 3)))
static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->used)
		o->full = true;
	else
		o->used += (size_t)n;
}

static void family_head(struct out *o, const char *metric, const char *type,
			const char *help)
{
	out_printf(o, "# HELP %s %s\n# TYPE %s %s\n", metric, help, metric,
		   type);
}

/* One sample; labels from the rule and the producer. */
static void sample(struct out *o, const struct family_rule *r,
		   const char *star, size_t star_len, uint64_t value)
{
	out_printf(o, "%s", r->metric);
	if (r->label || r->fixed) {
		out_printf(o, "{");
		if (r->label)
			out_printf(o, "%s=\"%.*s\"", r->label, (int)star_len,
				   star);
		if (r->fixed)
			out_printf(o, "%s%s", r->label ? "," : "", r->fixed);
		out_printf(o, "}");
	}
	out_printf(o, " %" PRIu64 "\n", value);
}

/* Every sample of rule r, from every page; a name is never written
 * twice (a misbehaving producer could list one twice: the first wins). */
static void rule_samples(struct out *o, size_t r,
			 const struct metrics_source *src, size_t nsrc)
{
	for (size_t p = 0; p < nsrc; p++) {
		const struct metrics_page *pg = src[p].page;

		if (!pg)
			continue;
		for (uint32_t i = 0; i < pg->count; i++) {
			const char *star;
			size_t star_len;
			bool dup = false;

			if (rule_for(pg->e[i].name, &star, &star_len) != r)
				continue;
			for (uint32_t j = 0; j < i && !dup; j++)
				dup = strcmp(pg->e[j].name, pg->e[i].name) == 0;
			if (!dup)
				sample(o, &rules[r], star, star_len,
				       pg->e[i].value);
		}
	}
}

static void unknown_samples(struct out *o, const struct metrics_source *src,
			    size_t nsrc)
{
	bool head = false;

	for (size_t p = 0; p < nsrc; p++) {
		const struct metrics_page *pg = src[p].page;
		const char *star;
		size_t star_len;

		for (uint32_t i = 0; pg && i < pg->count; i++) {
			if (rule_for(pg->e[i].name, &star, &star_len) !=
			    RULE_NONE)
				continue;
			if (!head)
				out_printf(o, "# HELP scandetd_stat A statistic "
					   "without a family of its own.\n"
					   "# TYPE scandetd_stat untyped\n");
			head = true;
			out_printf(o, "scandetd_stat{process=\"%s\","
				   "name=\"%s\"} %" PRIu64 "\n",
				   src[p].process, pg->e[i].name,
				   pg->e[i].value);
		}
	}
}

static double seconds(uint64_t us)
{
	return (double)us / 1e6;
}

/* What the daemon says of itself and of its producers. */
static void self_samples(struct out *o, const struct metrics_source *src,
			 size_t nsrc, const struct metrics_context *ctx)
{
	family_head(o, "scandetd_build_info", "gauge",
		    "The running scandetd's version (always 1).");
	out_printf(o, "scandetd_build_info{version=\"%s\"} 1\n", ctx->version);
	family_head(o, "scandetd_start_time_seconds", "gauge",
		    "When the daemon started, seconds since the epoch.");
	out_printf(o, "scandetd_start_time_seconds %.3f\n",
		   seconds(ctx->start_us));
	family_head(o, "scandetd_process_up", "gauge",
		    "1 when the process publishes statistics.");
	for (size_t p = 0; p < nsrc; p++)
		out_printf(o, "scandetd_process_up{process=\"%s\"} %d\n",
			   src[p].process, src[p].page ? 1 : 0);
	family_head(o, "scandetd_stats_age_seconds", "gauge",
		    "Time since the process last published its statistics.");
	for (size_t p = 0; p < nsrc; p++) {
		const struct metrics_page *pg = src[p].page;

		if (pg)
			out_printf(o, "scandetd_stats_age_seconds{process="
				   "\"%s\"} %.3f\n", src[p].process,
				   ctx->now_us > pg->published_us ?
				   seconds(ctx->now_us - pg->published_us) : 0);
	}
	family_head(o, "scandetd_stats_unlisted", "gauge",
		    "Statistics that did not fit in the process's page.");
	for (size_t p = 0; p < nsrc; p++)
		if (src[p].page)
			out_printf(o, "scandetd_stats_unlisted{process=\"%s\"} "
				   "%" PRIu32 "\n", src[p].process,
				   src[p].page->unlisted);
}

size_t metrics_render(const struct metrics_source *src, size_t nsrc,
		      const struct metrics_context *ctx, char *buf, size_t len)
{
	struct out o = { buf, len, 0, len == 0 };
	const char *last = NULL;

	self_samples(&o, src, nsrc, ctx);
	for (size_t r = 0; r < RULE_COUNT; r++) {
		if (!last || strcmp(last, rules[r].metric) != 0)
			family_head(&o, rules[r].metric, rules[r].type,
				    rules[r].help);
		last = rules[r].metric;
		rule_samples(&o, r, src, nsrc);
	}
	unknown_samples(&o, src, nsrc);
	return o.full ? 0 : o.used;
}

/* ---- MetricsListen ---------------------------------------------------- */

static bool parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

bool metrics_parse_listen(const char *text, struct sockaddr_storage *ss,
			  socklen_t *sslen, char *err, size_t errlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port_text;
	uint16_t port;
	size_t hlen;

	memset(ss, 0, sizeof *ss);
	if (!strchr(text, ':')) {
		host[0] = '\0';
		port_text = text;
	} else if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			goto bad;
		hlen = (size_t)(close - text - 1);
		if (hlen == 0 || hlen >= sizeof host)
			goto bad;
		memcpy(host, text + 1, hlen);
		host[hlen] = '\0';
		port_text = close + 2;
	} else {
		colon = strrchr(text, ':');
		hlen = (size_t)(colon - text);
		if (strchr(text, ':') != colon || hlen == 0 ||
		    hlen >= sizeof host)
			goto bad;
		memcpy(host, text, hlen);
		host[hlen] = '\0';
		port_text = colon + 1;
	}
	if (!parse_port(port_text, &port))
		goto bad;
	if (text[0] == '[') {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto bad;
		*sslen = sizeof *sin6;
		return true;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, host[0] ? host : "127.0.0.1",
		      &sin->sin_addr) != 1)
		goto bad;
	*sslen = sizeof *sin;
	return true;
bad:
	set_err(err, errlen, "\"%s\" is not PORT, ADDRESS:PORT or "
		"[IPV6-ADDRESS]:PORT with a numeric address and a port "
		"1-65535", text);
	return false;
}

int metrics_listen(const char *text, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	const int one = 1;
	int fd;

	if (!metrics_parse_listen(text, &ss, &sslen, err, errlen))
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		set_err(err, errlen, "%s: socket: %s", text,
			strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				 sizeof one);
	if (bind(fd, (struct sockaddr *)&ss, sslen) != 0 ||
	    listen(fd, 16) != 0) {
		set_err(err, errlen, "%s: %s", text, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
