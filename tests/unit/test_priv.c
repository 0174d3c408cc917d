/*
 * test_priv.c - the messages between the privileged parent and the
 * packet process (priv.h), the parent's way of reading files, and of
 * opening JsonLog (again, on SIGHUP) for the packet process's sink.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert.h"
#include "conf.h"
#include "decode.h"
#include "priv.h"
#include "proc.h"
#include "unit.h"

static int sv[2];

static void pair(void)
{
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
}

static void unpair(void)
{
	close(sv[0]);
	close(sv[1]);
}

static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

/* Send raw bytes (and maybe a descriptor), receive with priv_recv. */
static int recv_raw(const void *buf, size_t len, int fd, struct priv_msg *m,
		    const char **why)
{
	CHECK(proc_send_fd(sv[0], buf, len, fd));
	return priv_recv(sv[1], m, why);
}

static void valid_wire(struct priv_wire *w, enum priv_msg_type type)
{
	memset(w, 0, sizeof *w);
	w->type = (uint8_t)type;
}

TEST(round_trip_every_type)
{
	static const enum priv_msg_type types[] = {
		PRIV_STATS, PRIV_STOP, PRIV_MAILER, PRIV_RESOLVER,
		PRIV_RELOADED, PRIV_RELOAD_FAILED,
	};
	struct priv_msg in, out;
	const char *why = NULL;

	pair();
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		memset(&in, 0, sizeof in);
		in.type = types[i];
		in.fd = -1;
		snprintf(in.text, sizeof in.text, "why %zu", i);
		CHECK(priv_send(sv[0], &in));
		CHECK_INT(priv_recv(sv[1], &out, &why), 1);
		CHECK_INT(out.type, types[i]);
		CHECK_STR(out.text, in.text);
		CHECK_INT(out.fd, -1);
	}
	unpair();
}

TEST(config_carries_a_descriptor_and_lengths)
{
	struct priv_msg in = { .type = PRIV_CONFIG, .config_len = 5,
			       .sig_len = 3 }, out;
	const char *why = NULL;
	int p[2];

	pair();
	CHECK(pipe(p) == 0);
	in.fd = p[0];
	snprintf(in.text, sizeof in.text, "/etc/scandetd.conf");
	CHECK(priv_send(sv[0], &in));
	CHECK_INT(priv_recv(sv[1], &out, &why), 1);
	CHECK_INT(out.config_len, 5);
	CHECK_INT(out.sig_len, 3);
	CHECK(out.fd >= 0 && out.fd != p[0]);
	CHECK_STR(out.text, "/etc/scandetd.conf");
	/* The descriptor received is the pipe's reading end. */
	CHECK(write(p[1], "x", 1) == 1);
	{
		char c = 0;

		CHECK(read(out.fd, &c, 1) == 1 && c == 'x');
	}
	close(out.fd);
	close(p[0]);
	close(p[1]);
	unpair();
}

TEST(malformed_messages_are_refused)
{
	struct priv_wire w;
	struct priv_msg m;
	const char *why = NULL;
	uint8_t big[sizeof w + 1];
	int p[2], before;

	pair();
	CHECK(pipe(p) == 0);
	before = open_fds();

	valid_wire(&w, PRIV_STOP);
	CHECK_INT(recv_raw(&w, sizeof w - 1, -1, &m, &why), -2);	/* short */
	memset(big, 0, sizeof big);
	big[0] = PRIV_STOP;
	CHECK_INT(recv_raw(big, sizeof big, -1, &m, &why), -2);	/* long */
	valid_wire(&w, 99);
	CHECK_INT(recv_raw(&w, sizeof w, -1, &m, &why), -2);	/* type */
	valid_wire(&w, PRIV_STOP);
	w.zero[1] = 1;
	CHECK_INT(recv_raw(&w, sizeof w, -1, &m, &why), -2);	/* padding */
	valid_wire(&w, PRIV_STOP);
	memset(w.text, 'a', sizeof w.text);
	CHECK_INT(recv_raw(&w, sizeof w, -1, &m, &why), -2);	/* no NUL */
	valid_wire(&w, PRIV_STOP);
	w.text[0] = 'a';
	w.text[5] = 'b';					/* after NUL */
	CHECK_INT(recv_raw(&w, sizeof w, -1, &m, &why), -2);
	valid_wire(&w, PRIV_STOP);
	w.config_len[3] = 1;					/* lengths */
	CHECK_INT(recv_raw(&w, sizeof w, -1, &m, &why), -2);
	valid_wire(&w, PRIV_CONFIG);				/* no fd */
	CHECK_INT(recv_raw(&w, sizeof w, -1, &m, &why), -2);
	valid_wire(&w, PRIV_JSONLOG);				/* no fd */
	CHECK_INT(recv_raw(&w, sizeof w, -1, &m, &why), -2);
	valid_wire(&w, PRIV_STATS);				/* fd */
	CHECK_INT(recv_raw(&w, sizeof w, p[0], &m, &why), -2);
	valid_wire(&w, PRIV_CONFIG);
	w.config_len[0] = 0xff;					/* too big */
	CHECK_INT(recv_raw(&w, sizeof w, p[0], &m, &why), -2);
	/* Refused descriptors are closed, not leaked. */
	CHECK_INT(open_fds(), before);
	/* And the socket still works for the next valid message. */
	valid_wire(&w, PRIV_STOP);
	CHECK_INT(recv_raw(&w, sizeof w, -1, &m, &why), 1);
	close(p[0]);
	close(p[1]);
	unpair();
}

/* PRIV_JSONLOG carries the file opened again, and must. */
TEST(jsonlog_carries_a_descriptor)
{
	struct priv_msg in = { .type = PRIV_JSONLOG }, out;
	const char *why = NULL;
	int p[2];

	pair();
	CHECK(pipe(p) == 0);
	in.fd = p[1];
	CHECK(priv_send(sv[0], &in));
	CHECK_INT(priv_recv(sv[1], &out, &why), 1);
	CHECK_INT(out.type, PRIV_JSONLOG);
	CHECK(out.fd >= 0);
	close(out.fd);
	close(p[0]);
	close(p[1]);
	unpair();
}

static char *read_all(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/*
 * JsonLog as the parent opens it: created JSON_LOG_MODE whatever the
 * umask and of the group asked for; one already there keeps its mode;
 * never through a symbolic link.  The sink writes whole lines, and a
 * descriptor swapped in (SIGHUP) takes the next event.
 */
TEST(jsonlog_open_and_swap)
{
	char dir[] = "/tmp/test_priv.XXXXXX", path[256], moved[256];
	char link[256], err[512];
	struct alert a;
	struct sink *s;
	struct stat st;
	mode_t old;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/events.json", dir);
	snprintf(moved, sizeof moved, "%s/events.json.1", dir);
	snprintf(link, sizeof link, "%s/link.json", dir);
	old = umask(077);
	fd = sink_json_open_file(path, getegid(), err, sizeof err);
	umask(old);
	CHECK(fd >= 0);
	CHECK(stat(path, &st) == 0);
	CHECK_INT(st.st_mode & 07777, JSON_LOG_MODE);
	CHECK_INT(st.st_gid, getegid());
	s = sink_json_open_fd(fd, path, NULL, err, sizeof err);
	CHECK(s != NULL);
	if (!s)
		return;
	memset(&a, 0, sizeof a);
	a.kind = ALERT_PORTSCAN;
	a.proto = PROTO_TCP;
	a.scan.kind = ALERT_PORTSCAN;
	a.ts_us = 1700000000000000ULL;
	s->emit(s, &a, "first");

	/* logrotate: rename, then the parent opens the name again. */
	CHECK(rename(path, moved) == 0);
	fd = sink_json_open_file(path, (gid_t)-1, err, sizeof err);
	CHECK(fd >= 0);
	sink_json_set_fd(s, fd);
	a.ts_us += 1000000;
	s->emit(s, &a, "second");
	s->close(s);
	CHECK(strstr(read_all(moved), "\"ts\":\"2023-11-14T22:13:20.000000Z\""));
	CHECK(!strstr(read_all(moved), "22:13:21"));
	/* One whole line, ending the file. */
	CHECK(strchr(read_all(moved), '\n') ==
	      read_all(moved) + strlen(read_all(moved)) - 1);
	CHECK(strstr(read_all(path), "\"ts\":\"2023-11-14T22:13:21.000000Z\""));
	CHECK(!strstr(read_all(path), "22:13:20"));

	/* There already: its mode is the admin's. */
	CHECK(chmod(path, 0600) == 0);
	fd = sink_json_open_file(path, getegid(), err, sizeof err);
	CHECK(fd >= 0);
	close(fd);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	/* Never through a symbolic link, nor creating its target. */
	CHECK(symlink(moved, link) == 0);
	CHECK_INT(sink_json_open_file(link, (gid_t)-1, err, sizeof err), -1);
	CHECK(strstr(err, "is a symbolic link") != NULL);
	unlink(link);
	unlink(path);
	unlink(moved);
	rmdir(dir);
}

TEST(end_of_file_and_nothing_waiting)
{
	struct priv_msg m;
	const char *why = NULL;

	pair();
	CHECK(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	CHECK_INT(priv_recv(sv[1], &m, &why), -1);
	close(sv[0]);
	CHECK_INT(priv_recv(sv[1], &m, &why), 0);
	close(sv[1]);
}

TEST(read_file_regular_only_never_blocking)
{
	char dir[] = "/tmp/test_priv.XXXXXX", path[256], err[512];
	size_t len = 0;
	char *text;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/conf", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("CountThreshold 5\n", f);
	fclose(f);
	text = priv_read_file(path, &len, err, sizeof err);
	CHECK(text != NULL);
	CHECK_INT(len, 17);
	CHECK_STR(text, "CountThreshold 5\n");
	free(text);
	unlink(path);

	/* A FIFO: refused at once (O_NONBLOCK), never waited on. */
	CHECK(mkfifo(path, 0600) == 0);
	CHECK(priv_read_file(path, &len, err, sizeof err) == NULL);
	CHECK(strstr(err, "not a regular file") != NULL);
	unlink(path);

	/* A directory, a missing file, a NUL byte. */
	CHECK(priv_read_file(dir, &len, err, sizeof err) == NULL);
	CHECK(priv_read_file(path, &len, err, sizeof err) == NULL);
	CHECK(strstr(err, path) != NULL);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fwrite("a\0b\n", 1, 4, f);
	fclose(f);
	CHECK(priv_read_file(path, &len, err, sizeof err) == NULL);
	CHECK(strstr(err, "NUL") != NULL);
	unlink(path);
	rmdir(dir);
}

TEST(load_config_makes_paths_absolute)
{
	char dir[] = "/tmp/test_priv.XXXXXX", path[256], err[512], cwd[512];
	struct config *cfg;
	FILE *f;

	CHECK(getcwd(cwd, sizeof cwd) != NULL);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/c.conf", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("JsonLog events.json\nPidFile /run/x.pid\n", f);
	fclose(f);
	CHECK(chdir(dir) == 0);
	cfg = priv_load_config(path, err, sizeof err);
	CHECK(cfg != NULL);
	if (cfg) {
		char want[600];

		snprintf(want, sizeof want, "%s/events.json", dir);
		CHECK_STR(cfg->json_log, want);
		CHECK_STR(cfg->pid_file, "/run/x.pid");
		conf_free(cfg);
		free(cfg);
	}
	/* A bad line: file:line, and nothing loaded. */
	f = fopen(path, "a");
	fputs("CountThreshold many\n", f);
	fclose(f);
	CHECK(priv_load_config(path, err, sizeof err) == NULL);
	{
		char want[300];

		snprintf(want, sizeof want, "%s:3: ", path);
		CHECK(strstr(err, want) == err);
	}
	CHECK(chdir(cwd) == 0);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	RUN(round_trip_every_type);
	RUN(config_carries_a_descriptor_and_lengths);
	RUN(malformed_messages_are_refused);
	RUN(jsonlog_carries_a_descriptor);
	RUN(jsonlog_open_and_swap);
	RUN(end_of_file_and_nothing_waiting);
	RUN(read_file_regular_only_never_blocking);
	RUN(load_config_makes_paths_absolute);
	return unit_report(__FILE__);
}
