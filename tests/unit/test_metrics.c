/*
 * test_metrics.c - the statistics pages (metrics.c): publish and read
 * through a real memfd, the read-only side that cannot be made writable,
 * a page caught mid-write or holding garbage, the Prometheus rendering
 * and MetricsListen's syntax.  promtool checks the real output in
 * tests/live/t_metrics.sh.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "metrics.h"
#include "unit.h"

static struct metrics_page *map_ro(int fd)
{
	void *p = mmap(NULL, sizeof(struct metrics_page), PROT_READ,
		       MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static size_t count_lines(const char *text, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);
	const char *l = text;

	while (l && *l) {
		if (strncmp(l, prefix, len) == 0)
			n++;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return n;
}

static size_t render(const struct metrics_page *page, char *buf, size_t len)
{
	struct metrics_source src = { "engine", page };
	struct metrics_context ctx = { "9.9", 2000000, 1000000 };

	return metrics_render(&src, 1, &ctx, buf, len);
}

TEST(publish_and_read)
{
	struct metrics_writer w;
	struct metrics_page *ro, *copy = calloc(1, sizeof *copy);
	const char *why = NULL;
	int rw_fd, ro_fd;
	char err[256];

	CHECK(metrics_page_create(&rw_fd, &ro_fd, err, sizeof err));
	CHECK(metrics_writer_open(&w, rw_fd, err, sizeof err));
	ro = map_ro(ro_fd);
	CHECK(ro != NULL && copy != NULL);
	if (!ro || !copy)
		return;
	/* Never published: nothing to read. */
	CHECK(!metrics_read(ro, copy, &why));
	CHECK_STR(why, "not published yet");
	CHECK(metrics_due(&w));
	metrics_begin(&w);
	metrics_put(&w, "packets.seen", 42);
	metrics_put(&w, "alerts.portscan", 3);
	metrics_end(&w);
	CHECK(!metrics_due(&w));	/* at most once a second */
	CHECK(metrics_read(ro, copy, &why));
	CHECK_INT(copy->count, 2);
	CHECK_STR(copy->e[0].name, "packets.seen");
	CHECK_INT(copy->e[0].value, 42);
	CHECK_INT(copy->e[1].value, 3);
	CHECK_INT(atomic_load(&ro->seq) % 2, 0);
	/* A second publish replaces the first. */
	metrics_begin(&w);
	metrics_put(&w, "packets.seen", 43);
	metrics_end(&w);
	CHECK(metrics_read(ro, copy, &why));
	CHECK_INT(copy->count, 1);
	CHECK_INT(copy->e[0].value, 43);
	metrics_writer_close(&w);
	munmap(ro, sizeof *ro);
	close(ro_fd);
	free(copy);
}

TEST(read_only_side_stays_read_only)
{
	int rw_fd, ro_fd;
	char err[256];
	void *p;

	CHECK(metrics_page_create(&rw_fd, &ro_fd, err, sizeof err));
	errno = 0;
	p = mmap(NULL, sizeof(struct metrics_page), PROT_READ | PROT_WRITE,
		 MAP_SHARED, ro_fd, 0);
	CHECK(p == MAP_FAILED && errno == EACCES);
	p = mmap(NULL, sizeof(struct metrics_page), PROT_READ, MAP_SHARED,
		 ro_fd, 0);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		errno = 0;
		CHECK(mprotect(p, sizeof(struct metrics_page),
			       PROT_READ | PROT_WRITE) == -1 && errno == EACCES);
		munmap(p, sizeof(struct metrics_page));
	}
	/* And it cannot be grown or cut either. */
	CHECK(ftruncate(ro_fd, 0) == -1);
	close(rw_fd);
	close(ro_fd);
}

TEST(too_many_or_too_long_are_counted)
{
	struct metrics_writer w;
	char name[METRICS_NAME_MAX + 8];
	int fd = memfd_create("t", 0);

	CHECK(fd >= 0 && ftruncate(fd, sizeof(struct metrics_page)) == 0);
	CHECK(metrics_writer_open(&w, fd, NULL, 0));
	metrics_begin(&w);
	memset(name, 'x', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	metrics_put(&w, name, 1);
	for (int i = 0; i < METRICS_MAX + 5; i++) {
		snprintf(name, sizeof name, "s.%d", i);
		metrics_put(&w, name, (uint64_t)i);
	}
	metrics_end(&w);
	CHECK_INT(w.page->count, METRICS_MAX);
	CHECK_INT(w.page->unlisted, 6);
	metrics_writer_close(&w);
}

/* What a reader must refuse: the page is the producer's, which may be a
 * compromised process. */
TEST(malformed_pages_refused)
{
	struct metrics_page *page = calloc(1, sizeof *page);
	struct metrics_page *copy = calloc(1, sizeof *copy);
	const char *why = NULL;

	if (!page || !copy)
		return;
	page->magic = METRICS_MAGIC;
	page->count = 1;
	strcpy(page->e[0].name, "packets.seen");
	CHECK(metrics_read(page, copy, &why));
	/* Mid-write for good (a producer died there). */
	atomic_store(&page->seq, 7);
	CHECK(!metrics_read(page, copy, &why));
	CHECK_STR(why, "the page stays mid-write");
	atomic_store(&page->seq, 8);
	page->count = METRICS_MAX + 1;
	CHECK(!metrics_read(page, copy, &why));
	CHECK_STR(why, "count out of range");
	page->count = 1;
	strcpy(page->e[0].name, "a\"b");
	CHECK(!metrics_read(page, copy, &why));
	CHECK_STR(why, "a malformed name");
	strcpy(page->e[0].name, "a b");
	CHECK(!metrics_read(page, copy, &why));
	memset(page->e[0].name, 'a', sizeof page->e[0].name);	/* no NUL */
	CHECK(!metrics_read(page, copy, &why));
	page->e[0].name[0] = '\0';				/* empty */
	CHECK(!metrics_read(page, copy, &why));
	free(page);
	free(copy);
}

TEST(render_families)
{
	struct metrics_page *page = calloc(1, sizeof *page);
	char *buf = malloc(65536);
	static const struct { const char *name; uint64_t v; } in[] = {
		{ "packets.seen", 10 }, { "alerts.portscan", 2 },
		{ "alerts.held_back.sweep", 1 }, { "alerts.limit.delayed", 4 },
		{ "decoder.skip.not_ip", 5 }, { "decoder.ip.trunc", 6 },
		{ "interface.eth0.100.dropped", 7 },
		{ "interface.eth0.if_dropped", 8 },
		{ "classic.sources.slots", 64 }, { "flows.used", 9 },
		{ "classic.portscans", 1 }, { "trw.portscans", 11 },
		{ "contacts.failures", 12 }, { "no.such.stat", 13 },
		{ "packets.seen", 99 },	/* twice: the first wins */
	};
	size_t len;

	if (!page || !buf)
		return;
	page->magic = METRICS_MAGIC;
	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		strcpy(page->e[i].name, in[i].name);
		page->e[i].value = in[i].v;
	}
	page->count = sizeof in / sizeof in[0];
	page->published_us = 1500000;
	len = render(page, buf, 65536);
	CHECK(len > 0 && len == strlen(buf));
	CHECK(strstr(buf, "\nscandetd_packets_seen_total 10\n") != NULL);
	CHECK(strstr(buf, "scandetd_packets_seen_total 99") == NULL);
	CHECK(strstr(buf, "\nscandetd_alerts_total{kind=\"portscan\"} 2\n"));
	CHECK(strstr(buf, "\nscandetd_alerts_held_back_total{kind=\"sweep\"} 1\n"));
	CHECK(strstr(buf, "\nscandetd_alert_limit_delayed_total 4\n"));
	CHECK(strstr(buf, "\nscandetd_packets_skipped_total{reason=\"not_ip\"} 5\n"));
	CHECK(strstr(buf, "\nscandetd_packets_malformed_by_reason_total{reason=\"ip.trunc\"} 6\n"));
	/* A VLAN interface's name has a dot in it. */
	CHECK(strstr(buf, "\nscandetd_interface_dropped_total{interface=\"eth0.100\"} 7\n"));
	CHECK(strstr(buf, "\nscandetd_interface_if_dropped_total{interface=\"eth0\"} 8\n"));
	CHECK(strstr(buf, "\nscandetd_table_slots{table=\"classic.sources\"} 64\n"));
	CHECK(strstr(buf, "\nscandetd_table_used{table=\"flows\"} 9\n"));
	CHECK(strstr(buf, "\nscandetd_detector_reports_total{method=\"classic\",kind=\"portscan\"} 1\n"));
	CHECK(strstr(buf, "\nscandetd_detector_reports_total{method=\"trw\",kind=\"portscan\"} 11\n"));
	CHECK(strstr(buf, "\nscandetd_contact_outcomes_total{outcome=\"failure\"} 12\n"));
	CHECK(strstr(buf, "\nscandetd_stat{process=\"engine\",name=\"no.such.stat\"} 13\n"));
	CHECK(strstr(buf, "\nscandetd_build_info{version=\"9.9\"} 1\n"));
	CHECK(strstr(buf, "\nscandetd_stats_age_seconds{process=\"engine\"} 0.500\n"));
	/* One HELP and one TYPE per family, even with several rules. */
	CHECK_INT(count_lines(buf, "# TYPE scandetd_detector_reports_total "), 1);
	CHECK_INT(count_lines(buf, "# HELP scandetd_contact_outcomes_total "), 1);
	CHECK_INT(count_lines(buf, "# TYPE scandetd_alerts_total counter"), 1);
	/* Too small a buffer: nothing, never a cut exposition. */
	CHECK_INT(render(page, buf, 100), 0);
	free(page);
	free(buf);
}

TEST(unknown_names_listed)
{
	struct metrics_page *page = calloc(1, sizeof *page);
	const char *first;

	if (!page)
		return;
	strcpy(page->e[0].name, "packets.seen");
	strcpy(page->e[1].name, "made.up");
	strcpy(page->e[2].name, "also.made.up.x");
	page->count = 3;
	CHECK_INT(metrics_unknown(page, &first), 2);
	CHECK_STR(first, "made.up");
	page->count = 1;
	CHECK_INT(metrics_unknown(page, &first), 0);
	free(page);
}

TEST(listen_syntax)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	static const char *const bad[] = {
		"", "0", "65536", "x", "9100x", ":9100", "127.0.0.1:",
		"localhost:9100", "1.2.3:9100", "[::1]9100", "[::1]:", "::1:9100",
		"[]:9100", "[1.2.3.4]:9100", "127.0.0.1:-1", "127.0.0.1: 9100",
		" 9100", "+9100",
	};
	char err[256];
	socklen_t len;

	CHECK(metrics_parse_listen("9100", &ss, &len, err, sizeof err));
	CHECK_INT(ss.ss_family, AF_INET);
	CHECK_INT(ntohs(sin->sin_port), 9100);
	CHECK_INT(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	CHECK(metrics_parse_listen("198.51.100.1:80", &ss, &len, err,
				   sizeof err));
	CHECK_INT(ntohl(sin->sin_addr.s_addr), 0xc6336401);
	CHECK(metrics_parse_listen("0.0.0.0:9100", &ss, &len, err, sizeof err));
	CHECK(metrics_parse_listen("[2001:db8::1]:65535", &ss, &len, err,
				   sizeof err));
	CHECK_INT(ss.ss_family, AF_INET6);
	CHECK_INT(ntohs(sin6->sin6_port), 65535);
	CHECK_INT(len, sizeof *sin6);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		if (metrics_parse_listen(bad[i], &ss, &len, err, sizeof err))
			printf("  accepted \"%s\"\n", bad[i]);
		CHECK(err[0] != '\0');
	}
}

TEST(listen_binds)
{
	char err[256];
	int fd = metrics_listen("127.0.0.1:0", err, sizeof err), fd2;
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	char text[32];

	/* Port 0 is refused by the syntax: pick a free one first. */
	CHECK_INT(fd, -1);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	      getsockname(fd, (struct sockaddr *)&sin, &len) == 0);
	snprintf(text, sizeof text, "127.0.0.1:%u", ntohs(sin.sin_port));
	/* Taken (bound, not listening; no SO_REUSEPORT): refused, named. */
	fd2 = metrics_listen(text, err, sizeof err);
	CHECK_INT(fd2, -1);
	CHECK(strncmp(err, text, strlen(text)) == 0 && strstr(err, "in use"));
	close(fd);
	fd2 = metrics_listen(text, err, sizeof err);
	CHECK(fd2 >= 0);
	if (fd2 >= 0)
		close(fd2);
}

int main(void)
{
	RUN(publish_and_read);
	RUN(read_only_side_stays_read_only);
	RUN(too_many_or_too_long_are_counted);
	RUN(malformed_pages_refused);
	RUN(render_families);
	RUN(unknown_names_listed);
	RUN(listen_syntax);
	RUN(listen_binds);
	return unit_report(__FILE__);
}
