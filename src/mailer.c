/*
 * mailer.c - the mailer process (see mailer.h): it queues, composes
 * (mail_text.c), sends (libcurl SMTP or MailCommand), retries and gives
 * up; and mailer_proc_start(), how its parent starts it.
 *
 * The process is single-threaded around one poll: the daemon's socket,
 * a signalfd, libcurl's sockets (through curl_multi_poll) and the pipes
 * of a MailCommand run.  One delivery at a time, oldest first; a
 * failure backs everything off, since the relay is shared.  Signal
 * handlers do nothing: SIGTERM and SIGINT arrive through the signalfd.
 */
#include "mailer.h"

#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "mail_text.h"
#include "mail_wire.h"
#include "metrics.h"
#include "random.h"
#include "resolve.h"
#include "util.h"

_Static_assert(MAIL_DETACH_MS < MAIL_STOP_WAIT_MS,
	       "the daemon must wait longer than the mailer takes to detach");

/* "<seconds.pid.serial.random@domain>" */
#define MAIL_ID_MAX	(64 + HOSTNAME_MAX)

/* A composed message waiting for delivery. */
struct queued {
	char *text;			/* CRLF, as sent over SMTP */
	size_t len;
	char id[MAIL_ID_MAX];		/* Message-ID, for the log */
	char what[128];			/* what it is about, for the log */
	uint64_t queued_ms;
	unsigned attempts;
};

#define CMD_ARGS_MAX	32

struct mailer {
	const struct config *cfg;
	int sock;			/* -1 once closed */
	int sigfd;

	bool ended;			/* the daemon closed, or SIGTERM */
	bool stop_now;			/* a second SIGTERM: give up now */
	bool detached;			/* carrying on in the background */
	uint64_t end_ms;

	struct queued q[MAIL_QUEUE_MAX + 1];	/* + 1: the last digest */
	size_t q_head, q_n;
	struct mail_rate rate;

	/* Alerts over the rate limit, waiting to leave as one digest. */
	char *digest;			/* MAIL_DIGEST_LINES lines */
	size_t digest_len, digest_cap;
	unsigned digest_n, digest_listed;
	uint64_t digest_lost;		/* alerts the daemon could not send */
	time_t digest_first, digest_last;

	uint64_t next_try_ms;		/* after a failure */
	unsigned backoff_ms;
	char last_error[512];

	bool busy;			/* the head is being delivered */
	uint64_t busy_since;

	/* SMTP through libcurl */
	CURLM *multi;
	CURL *easy;
	struct curl_slist *rcpts;
	size_t upload_off;
	char url[4200];			/* SMTPrelay and HelloMsg, encoded */
	char *password;
	char *ca;
	size_t ca_len;
	char errbuf[CURL_ERROR_SIZE];
	char reply[256];		/* the relay's last reply line */

	/* MailCommand */
	char *cmd_copy;
	char *argv[CMD_ARGS_MAX + 1];
	pid_t cmd_pid;
	int cmd_in, cmd_out;
	char *cmd_text;
	size_t cmd_len, cmd_off;
	char cmd_output[256];
	size_t cmd_output_len;
	uint64_t cmd_deadline;

	char domain[HOSTNAME_MAX];	/* for Message-IDs */
	uint32_t id_random;
	uint64_t serial;
	uint64_t received, delivered, given_up;
	struct metrics_writer metrics;	/* MetricsListen's page */
};

static bool digest_pending(const struct mailer *m);

static bool stderr_is_file(void)
{
	struct stat st;

	return fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * After the end: the daemon is about to exit and must not wait for our
 * retries.  Close our end (the daemon's wait ends), and let go of a
 * standard error that is a pipe or a terminal (a shell reading it would
 * wait for us); a regular file is kept.
 */
static void go_background(struct mailer *m)
{
	uint64_t now, left;
	int fd;

	if (m->detached)
		return;
	m->detached = true;
	now = mono_ms();
	left = m->end_ms + MAIL_DRAIN_MS > now ?
	       m->end_ms + MAIL_DRAIN_MS - now : 0;
	log_info("mail: %zu message%s %snot delivered yet; carrying on in the "
		 "background for at most %d s", m->q_n, m->q_n == 1 ? "" : "s",
		 digest_pending(m) ? "and a digest " : "", (int)(left / 1000));
	if (m->sock != -1) {
		struct mail_status st;

		mail_status_detached(&st);
		(void)send(m->sock, &st, sizeof st, MSG_NOSIGNAL);
		close(m->sock);
		m->sock = -1;
	}
	if (stderr_is_file())
		return;
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd != -1) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	log_init_syslog(m->cfg->syslog_facility, false);
}

/* No more alerts will come: deliver what we hold, within bounds.  If
 * the relay already failed, the daemon need not wait for the retries. */
static void end_input(struct mailer *m)
{
	if (m->ended)
		return;
	m->ended = true;
	m->end_ms = mono_ms();
	if (m->q_n > 0 && ((!m->busy && m->next_try_ms > m->end_ms) ||
			   (m->busy && m->end_ms - m->busy_since >=
			    MAIL_SLOW_MS)))
		go_background(m);
}

/* ---- the queue ---- */

static struct queued *head(struct mailer *m)
{
	return &m->q[m->q_head];
}

static void dequeue(struct mailer *m)
{
	struct queued *q = head(m);

	free(q->text);
	memset(q, 0, sizeof *q);
	m->q_head = (m->q_head + 1) % (MAIL_QUEUE_MAX + 1);
	m->q_n--;
}

static void make_id(struct mailer *m, char *id, size_t len)
{
	snprintf(id, len, "<%lld.%ld.%llu.%08x@%s>", (long long)time(NULL),
		 (long)getpid(), (unsigned long long)++m->serial,
		 (unsigned)m->id_random, m->domain);
}

/* Compose and queue; false when out of memory (logged). */
static bool enqueue(struct mailer *m, const char *subject, const char *body,
		    const char *what)
{
	const struct config *c = m->cfg;
	struct mail_header_info h;
	struct queued *q;
	char id[MAIL_ID_MAX];
	size_t len;
	char *text;

	make_id(m, id, sizeof id);
	h.from = c->mail_from;
	h.rcpt = c->rcpt_to.v;
	h.nrcpt = c->rcpt_to.n;
	h.subject = subject;
	h.message_id = id;
	h.date = time(NULL);
	text = mail_build(&h, body, &len);
	if (!text) {
		log_warnx("mail: cannot compose a message (out of memory): "
			  "%s", what);
		m->given_up++;
		return false;
	}
	q = &m->q[(m->q_head + m->q_n) % (MAIL_QUEUE_MAX + 1)];
	q->text = text;
	q->len = len;
	snprintf(q->id, sizeof q->id, "%s", id);
	snprintf(q->what, sizeof q->what, "%s", what);
	q->queued_ms = mono_ms();
	q->attempts = 0;
	m->q_n++;
	return true;
}

/* ---- the digest ---- */

static bool digest_pending(const struct mailer *m)
{
	return m->digest_n > 0 || m->digest_lost > 0;
}

static void digest_start(struct mailer *m)
{
	if (!digest_pending(m))
		m->digest_first = time(NULL);
	m->digest_last = time(NULL);
}

static void digest_add(struct mailer *m, const struct mail_event *ev)
{
	char when[40], line[ALERT_LINE_MAX + 64];
	int n;

	digest_start(m);
	m->digest_n++;
	if (m->digest_listed == MAIL_DIGEST_LINES)
		return;
	format_ts(ev->ts_us, when, sizeof when);
	n = snprintf(line, sizeof line, "%s  %s\n", when, ev->line);
	if (n < 0 || m->digest_len + (size_t)n + 1 > m->digest_cap)
		return;
	memcpy(m->digest + m->digest_len, line, (size_t)n + 1);
	m->digest_len += (size_t)n;
	m->digest_listed++;
}

/* Alerts that never reached us (the daemon's socket was full): only
 * their number is known, and it goes in the digest. */
static void digest_lost(struct mailer *m, uint32_t n)
{
	digest_start(m);
	m->digest_lost += n;
}

static void digest_send(struct mailer *m, uint64_t now)
{
	char subject[128], what[128], first[64], last[64];
	unsigned long long total = m->digest_n + m->digest_lost;
	size_t cap = m->digest_len + 2048;
	struct tbuf t;
	char *body;

	body = malloc(cap);
	if (!body) {
		log_warnx("mail: out of memory for a digest of %llu alerts",
			  total);
		return;			/* kept: tried again later */
	}
	t = (struct tbuf){ body, cap, 0 };
	body[0] = '\0';
	mail_format_date(m->digest_first, first, sizeof first);
	mail_format_date(m->digest_last, last, sizeof last);
	tb_printf(&t, "scandetd sends at most %u message%s a minute "
		  "(MailRateLimit).\n%llu more alert%s came between\n%s and\n"
		  "%s;\nhere they are in one message.\n", m->rate.limit,
		  m->rate.limit == 1 ? "" : "s", total, total == 1 ? "" : "s",
		  first, last);
	if (m->digest_lost)
		tb_printf(&t, "%llu of them came in a burst faster than the "
			  "mailer could take them:\nthey are only counted "
			  "here.\n", (unsigned long long)m->digest_lost);
	tb_printf(&t, "Every alert is also in scandetd's log.\n\n");
	if (m->digest_n)
		tb_printf(&t, "Packet time (UTC)            Alert\n");
	tb_add(&t, m->digest, m->digest_len);
	if (m->digest_n > m->digest_listed)
		tb_printf(&t, "(and %u more, not listed here)\n",
			  m->digest_n - m->digest_listed);
	snprintf(subject, sizeof subject, "scandetd: %llu more alert%s",
		 total, total == 1 ? "" : "s");
	snprintf(what, sizeof what, "digest of %llu alert%s", total,
		 total == 1 ? "" : "s");
	if (enqueue(m, subject, body, what)) {
		mail_rate_record(&m->rate, now);
		m->digest_n = 0;
		m->digest_listed = 0;
		m->digest_lost = 0;
		m->digest_len = 0;
		m->digest[0] = '\0';
	}
	free(body);
}

/* The digest leaves when the window reopens, or at once at the end. */
static void digest_release(struct mailer *m, uint64_t now)
{
	if (!digest_pending(m))
		return;
	if (m->ended ? m->q_n > MAIL_QUEUE_MAX :
	    m->q_n >= MAIL_QUEUE_MAX || !mail_rate_allow(&m->rate, now))
		return;
	digest_send(m, now);
}

/* ---- an alert from the daemon ---- */

static void take_event(struct mailer *m, const struct mail_event *ev)
{
	char subject[2048], body[4096];
	uint64_t now = mono_ms();

	if (ev->type == MAIL_MSG_DROPPED) {
		digest_lost(m, ev->count);
		return;
	}
	m->received++;
	/* A digest already waiting takes the alert (order is kept); over
	 * the limit or with a full queue, one is started. */
	if (!digest_pending(m)) {
		if (m->q_n >= MAIL_QUEUE_MAX)
			log_info("mail: %d messages wait for the relay: "
				 "further alerts go into one digest",
				 MAIL_QUEUE_MAX);
		else if (!mail_rate_allow(&m->rate, now))
			log_info("mail: more than %u message%s a minute: "
				 "further alerts go into one digest",
				 m->rate.limit, m->rate.limit == 1 ? "" : "s");
	}
	if (digest_pending(m) || !mail_rate_allow(&m->rate, now) ||
	    m->q_n >= MAIL_QUEUE_MAX) {
		digest_add(m, ev);
		return;
	}
	mail_subject_expand(m->cfg->mail_subject, ev, subject, sizeof subject);
	mail_body_alert(ev, body, sizeof body);
	if (enqueue(m, subject, body, ev->line))
		mail_rate_record(&m->rate, now);
}

static void read_daemon(struct mailer *m)
{
	uint8_t buf[sizeof(struct mail_wire) + 1];	/* + 1: oversize */
	struct mail_event ev;
	const char *why;
	ssize_t n;

	while (m->sock != -1 && !m->ended) {
		n = recv(m->sock, buf, sizeof buf, MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0 || (n == -1 && errno == ECONNRESET)) {
			end_input(m);
			return;
		}
		if (n == -1) {
			log_warn("mail: reading from the daemon");
			_exit(PROC_EXIT_FATAL);
		}
		if (!mail_wire_decode(buf, (size_t)n, &ev, &why)) {
			log_warnx("mail: malformed message from the daemon "
				  "(%zd bytes: %s); the mailer stops", n, why);
			_exit(PROC_EXIT_PROTOCOL);
		}
		take_event(m, &ev);
	}
}

/* ---- delivery results ---- */

static void finish(struct mailer *m, bool ok, bool permanent, const char *why)
{
	struct queued *q = head(m);
	uint64_t now = mono_ms();

	m->busy = false;
	if (ok) {
		log_info("mail: sent %s (%s) to %zu recipient%s%s%s",
			 q->id, q->what, m->cfg->rcpt_to.n,
			 m->cfg->rcpt_to.n == 1 ? "" : "s", *why ? ": " : "",
			 why);
		m->delivered++;
		m->backoff_ms = 0;
		m->next_try_ms = 0;
		dequeue(m);
		return;
	}
	snprintf(m->last_error, sizeof m->last_error, "%s", why);
	if (permanent) {
		log_warnx("mail: %s (%s) refused: %s; not retried", q->id,
			  q->what, why);
		m->given_up++;
		dequeue(m);
		return;
	}
	m->backoff_ms = m->backoff_ms ? m->backoff_ms * 2 : MAIL_BACKOFF_MIN_MS;
	if (m->backoff_ms > MAIL_BACKOFF_MAX_MS)
		m->backoff_ms = MAIL_BACKOFF_MAX_MS;
	m->next_try_ms = now + m->backoff_ms;
	log_warnx("mail: could not send %s (%s), attempt %u: %s; next try in "
		  "%u s", q->id, q->what, q->attempts, why,
		  m->backoff_ms / 1000);
	if (m->ended)
		go_background(m);
}

/* Messages that waited longer than MAIL_RETRY_FOR_MS are given up. */
static void expire(struct mailer *m, uint64_t now)
{
	/* queued_ms may be later than now: queued on this very turn. */
	while (!m->busy && m->q_n > 0 && now > head(m)->queued_ms &&
	       now - head(m)->queued_ms >= MAIL_RETRY_FOR_MS) {
		struct queued *q = head(m);

		log_warnx("mail: giving up on %s (%s) after %u attempt%s in "
			  "%llu minutes; last error: %s", q->id, q->what,
			  q->attempts, q->attempts == 1 ? "" : "s",
			  (unsigned long long)(MAIL_RETRY_FOR_MS / 60000),
			  m->last_error);
		m->given_up++;
		dequeue(m);
	}
}

/* ---- SMTP ---- */

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct mailer *m = arg;
	struct queued *q = head(m);
	size_t want = size * nitems, left = q->len - m->upload_off;

	if (want > left)
		want = left;
	memcpy(buf, q->text + m->upload_off, want);
	m->upload_off += want;
	return want;
}

/* Keeps the relay's last reply line, printable, for the log.  Only what
 * the relay says (never what we send: AUTH carries the password). */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size,
		    void *arg)
{
	struct mailer *m = arg;
	size_t i, o = 0;

	(void)h;
	/* 221 answers QUIT: the reply worth logging came before it. */
	if (type != CURLINFO_HEADER_IN || (size >= 4 &&
					   memcmp(data, "221 ", 4) == 0))
		return 0;
	for (i = 0; i < size && o < sizeof m->reply - 1; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c == '\r' || c == '\n')
			break;
		m->reply[o++] = (char)(c >= 0x20 && c < 0x7f ? c : '?');
	}
	m->reply[o] = '\0';
	return 0;
}

static bool start_smtp(struct mailer *m, uint64_t now)
{
	const struct config *c = m->cfg;
	long timeout_ms = MAIL_TRANSFER_TIMEOUT_S * 1000L;
	CURL *e = curl_easy_init();

	if (!e)
		return false;
	if (m->ended) {
		uint64_t end = m->end_ms + MAIL_DRAIN_MS;

		timeout_ms = end > now + 1 ? (long)(end - now) : 1;
		if (timeout_ms > MAIL_TRANSFER_TIMEOUT_S * 1000L)
			timeout_ms = MAIL_TRANSFER_TIMEOUT_S * 1000L;
	}
	m->upload_off = 0;
	m->reply[0] = '\0';
	m->errbuf[0] = '\0';
	curl_easy_setopt(e, CURLOPT_URL, m->url);
#if LIBCURL_VERSION_NUM >= 0x075500	/* 7.85 */
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS,
			 (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, c->mail_from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, m->rcpts);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, m);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
			 (curl_off_t)head(m)->len);
	if (c->mail_tls == MAIL_TLS_STARTTLS)
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (c->mail_user) {
		curl_easy_setopt(e, CURLOPT_USERNAME, c->mail_user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, m->password);
	}
	if (m->ca) {
		struct curl_blob blob = { m->ca, m->ca_len, CURL_BLOB_NOCOPY };

		/* MailCAFile replaces the system's CAs. */
		curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	}
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)MAIL_CONNECT_TIMEOUT_S);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_SERVER_RESPONSE_TIMEOUT,
			 (long)MAIL_TRANSFER_TIMEOUT_S);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, m->errbuf);
	curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(e, CURLOPT_DEBUGDATA, m);
	if (curl_multi_add_handle(m->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		return false;
	}
	m->easy = e;
	return true;
}

static void stop_smtp(struct mailer *m)
{
	if (!m->easy)
		return;
	curl_multi_remove_handle(m->multi, m->easy);
	curl_easy_cleanup(m->easy);
	m->easy = NULL;
}

static void smtp_progress(struct mailer *m)
{
	CURLMsg *msg;
	int running, left;

	curl_multi_perform(m->multi, &running);
	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
		CURLcode rc;
		long code = 0;
		char why[1024];

		if (msg->msg != CURLMSG_DONE || msg->easy_handle != m->easy)
			continue;
		rc = msg->data.result;
		curl_easy_getinfo(m->easy, CURLINFO_RESPONSE_CODE, &code);
		stop_smtp(m);
		if (rc == CURLE_OK) {
			finish(m, true, false, m->reply);
			return;
		}
		snprintf(why, sizeof why, "%s%s%s%s; relay's reply: %s",
			 curl_easy_strerror(rc), m->errbuf[0] ? " (" : "",
			 m->errbuf, m->errbuf[0] ? ")" : "",
			 m->reply[0] ? m->reply : "none");
		/* 5xx: the relay will not take it, now or later. */
		finish(m, false, code >= 500 && code <= 599, why);
		return;
	}
}

/* ---- MailCommand ---- */

static void close_fd(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

static void close_from(int lowfd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	{
		long max = sysconf(_SC_OPEN_MAX);
		int fd;

		if (max < 0 || max > 65536)
			max = 65536;
		for (fd = lowfd; fd < max; fd++)
			close(fd);
	}
}

static bool start_command(struct mailer *m, uint64_t now)
{
	static char *const envp[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	struct queued *q = head(m);
	int in[2], out[2];
	size_t i, o = 0;
	pid_t pid;

	/* A local MTA takes UNIX line ends. */
	free(m->cmd_text);
	m->cmd_text = malloc(q->len + 1);
	if (!m->cmd_text)
		return false;
	for (i = 0; i < q->len; i++)
		if (q->text[i] != '\r')
			m->cmd_text[o++] = q->text[i];
	m->cmd_len = o;
	m->cmd_off = 0;
	m->cmd_output_len = 0;
	m->cmd_output[0] = '\0';
	if (pipe2(in, O_CLOEXEC) == -1)
		return false;
	if (pipe2(out, O_CLOEXEC) == -1) {
		close(in[0]);
		close(in[1]);
		return false;
	}
	pid = fork();
	if (pid == -1) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return false;
	}
	if (pid == 0) {
		sigset_t none;

		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(out[1], STDERR_FILENO);
		close_from(3);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execve(m->argv[0], m->argv, envp);
		/* On the pipe the mailer reads: it goes in the log. */
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", m->argv[0],
			strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	m->cmd_in = in[1];
	m->cmd_out = out[0];
	fcntl(m->cmd_in, F_SETFL, O_NONBLOCK);
	fcntl(m->cmd_out, F_SETFL, O_NONBLOCK);
	m->cmd_pid = pid;
	m->cmd_deadline = now + MAIL_TRANSFER_TIMEOUT_S * 1000ULL;
	return true;
}

static void stop_command(struct mailer *m)
{
	int status;

	close_fd(&m->cmd_in);
	close_fd(&m->cmd_out);
	if (m->cmd_pid > 0) {
		kill(m->cmd_pid, SIGKILL);
		while (waitpid(m->cmd_pid, &status, 0) == -1 && errno == EINTR)
			;
		m->cmd_pid = -1;
	}
}

static void command_output(struct mailer *m)
{
	char buf[512];
	ssize_t n;

	while (m->cmd_out != -1) {
		n = read(m->cmd_out, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(&m->cmd_out);
			return;
		}
		for (ssize_t i = 0; i < n &&
		     m->cmd_output_len < sizeof m->cmd_output - 1; i++) {
			unsigned char c = (unsigned char)buf[i];

			m->cmd_output[m->cmd_output_len++] =
				(char)(c >= 0x20 && c < 0x7f ? c : ' ');
		}
		while (m->cmd_output_len > 0 &&
		       m->cmd_output[m->cmd_output_len - 1] == ' ')
			m->cmd_output_len--;
		m->cmd_output[m->cmd_output_len] = '\0';
	}
}

static void command_progress(struct mailer *m, uint64_t now)
{
	char why[512];
	int status;
	pid_t got;

	while (m->cmd_in != -1 && m->cmd_off < m->cmd_len) {
		ssize_t n = write(m->cmd_in, m->cmd_text + m->cmd_off,
				  m->cmd_len - m->cmd_off);

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			close_fd(&m->cmd_in);	/* EPIPE: it exited */
			break;
		}
		m->cmd_off += (size_t)n;
	}
	if (m->cmd_in != -1 && m->cmd_off == m->cmd_len)
		close_fd(&m->cmd_in);
	command_output(m);
	got = waitpid(m->cmd_pid, &status, WNOHANG);
	if (got == m->cmd_pid) {
		m->cmd_pid = -1;
		command_output(m);
		close_fd(&m->cmd_in);
		close_fd(&m->cmd_out);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    m->cmd_off == m->cmd_len) {
			finish(m, true, false, m->cmd_output);
			return;
		}
		if (WIFEXITED(status))
			snprintf(why, sizeof why, "%s exited with status %d%s%s",
				 m->argv[0], WEXITSTATUS(status),
				 m->cmd_output_len ? ": " : "", m->cmd_output);
		else
			snprintf(why, sizeof why, "%s killed by signal %d",
				 m->argv[0], WIFSIGNALED(status) ?
				 WTERMSIG(status) : 0);
		finish(m, false, false, why);
		return;
	}
	if (now >= m->cmd_deadline) {
		stop_command(m);
		snprintf(why, sizeof why, "%s did not finish within %d s",
			 m->argv[0], MAIL_TRANSFER_TIMEOUT_S);
		finish(m, false, false, why);
	}
}

/* ---- the loop ---- */

static void start_delivery(struct mailer *m, uint64_t now)
{
	bool ok;

	head(m)->attempts++;
	m->busy = true;
	m->busy_since = now;
	errno = 0;
	ok = m->cfg->mail_command ? start_command(m, now) : start_smtp(m, now);
	if (!ok) {
		char why[128];

		snprintf(why, sizeof why, "cannot start: %s",
			 errno ? strerror(errno) : "out of memory");
		finish(m, false, false, why);
	}
}

static void abort_delivery(struct mailer *m)
{
	stop_smtp(m);
	stop_command(m);
	m->busy = false;
}

/* The end has come and gone: say what is left, once. */
static void give_up_all(struct mailer *m)
{
	abort_delivery(m);
	while (m->q_n > 0) {
		struct queued *q = head(m);

		log_warnx("mail: not delivered at exit: %s (%s)%s%s", q->id,
			  q->what, m->last_error[0] ? "; last error: " : "",
			  m->last_error);
		m->given_up++;
		dequeue(m);
	}
	if (digest_pending(m))
		log_warnx("mail: not delivered at exit: a digest of %llu "
			  "alerts", (unsigned long long)(m->digest_n +
							 m->digest_lost));
}

static void handle_signals(struct mailer *m)
{
	struct signalfd_siginfo si;

	while (read(m->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo != SIGTERM && si.ssi_signo != SIGINT)
			continue;
		if (m->ended && m->end_ms + 1000 < mono_ms()) {
			/* A second request, a while after the first: now. */
			log_warnx("mail: stopped by signal %u", si.ssi_signo);
			m->stop_now = true;
			return;
		}
		end_input(m);
	}
}

static int next_timeout(struct mailer *m, uint64_t now)
{
	uint64_t wake = now + 1000;

	if (m->q_n > 0 && !m->busy && m->next_try_ms < wake)
		wake = m->next_try_ms > now ? m->next_try_ms : now;
	if (digest_pending(m) && (m->ended || m->q_n < MAIL_QUEUE_MAX)) {
		uint64_t when = m->ended ? now : mail_rate_next(&m->rate, now);

		if (when < wake)
			wake = when;
	}
	if (m->ended) {
		if (m->end_ms + MAIL_DRAIN_MS < wake)
			wake = m->end_ms + MAIL_DRAIN_MS;
		if (!m->detached && m->end_ms + MAIL_DETACH_MS < wake)
			wake = m->end_ms + MAIL_DETACH_MS;
	}
	if (m->cmd_pid > 0 && now + 20 < wake)
		wake = now + 20;
	return wake > now ? (int)(wake - now) : 0;
}

/* For MetricsListen: a page only this process writes (metrics.h). */
static void publish_metrics(struct mailer *m)
{
	struct metrics_writer *w = &m->metrics;

	if (!metrics_due(w))
		return;
	metrics_begin(w);
	metrics_put(w, "mailer.received", m->received);
	metrics_put(w, "mailer.sent", m->delivered);
	metrics_put(w, "mailer.failed", m->given_up);
	metrics_put(w, "mailer.queued", m->q_n);
	metrics_put(w, "mailer.digest_pending", m->digest_n);
	metrics_end(w);
}

static int run(struct mailer *m)
{
	for (;;) {
		struct curl_waitfd fds[4];
		unsigned nfds = 0;
		uint64_t now = mono_ms();
		int sock_at = -1, sig_at;

		if (m->ended && !m->busy && m->q_n == 0 && !digest_pending(m))
			return PROC_EXIT_OK;
		/* Out of time, or the next try would be. */
		if (m->ended && (m->stop_now ||
				 now >= m->end_ms + MAIL_DRAIN_MS ||
				 (!m->busy && m->q_n > 0 &&
				  m->next_try_ms >= m->end_ms + MAIL_DRAIN_MS))) {
			give_up_all(m);
			return PROC_EXIT_OK;
		}
		if (m->ended && !m->detached && now >= m->end_ms + MAIL_DETACH_MS)
			go_background(m);
		/* At most once a second: next_timeout() wakes us as often. */
		publish_metrics(m);
		digest_release(m, now);
		expire(m, now);
		if (!m->busy && m->q_n > 0 && now >= m->next_try_ms)
			start_delivery(m, now);
		if (m->ended && !m->busy && m->q_n == 0 && !digest_pending(m))
			continue;

		if (m->sock != -1 && !m->ended) {
			sock_at = (int)nfds;
			fds[nfds++] = (struct curl_waitfd){ m->sock,
							   CURL_WAIT_POLLIN, 0 };
		}
		sig_at = (int)nfds;
		fds[nfds++] = (struct curl_waitfd){ m->sigfd, CURL_WAIT_POLLIN,
						    0 };
		/* The command's pipes only wake us up: command_progress()
		 * does non-blocking reads and writes on every turn. */
		if (m->cmd_in != -1)
			fds[nfds++] = (struct curl_waitfd){ m->cmd_in,
							   CURL_WAIT_POLLOUT, 0 };
		if (m->cmd_out != -1)
			fds[nfds++] = (struct curl_waitfd){ m->cmd_out,
							   CURL_WAIT_POLLIN, 0 };
		if (curl_multi_poll(m->multi, fds, nfds, next_timeout(m, now),
				    NULL) != CURLM_OK) {
			log_warnx("mail: curl_multi_poll failed");
			return PROC_EXIT_FATAL;
		}
		if (sock_at >= 0 && fds[sock_at].revents)
			read_daemon(m);
		if (fds[sig_at].revents)
			handle_signals(m);
		if (m->easy)
			smtp_progress(m);
		if (m->busy && m->cmd_pid > 0)
			command_progress(m, mono_ms());
	}
}

/* ---- setting the process up ------------------------------------------------ */

/*
 * A small file, read while still root: MailPasswordFile (its first line,
 * which must not be empty or hold control characters) or MailCAFile
 * (all of it).  NULL with a message in err.
 */
static char *read_small_file(const char *option, const char *path,
			     size_t max, bool first_line, size_t *lenp,
			     char *err, size_t errlen)
{
	struct stat st;
	size_t used = 0, i;
	char *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd == -1) {
		set_err(err, errlen, "%s %s: %s", option, path,
			strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		set_err(err, errlen, "%s %s: not a regular file", option, path);
		close(fd);
		return NULL;
	}
	if (first_line && (st.st_mode & 077))
		log_warnx("mail: %s %s can be read by others than its owner",
			  option, path);
	buf = malloc(max + 2);
	if (!buf) {
		set_err(err, errlen, "%s: out of memory", option);
		close(fd);
		return NULL;
	}
	while (used <= max) {
		n = read(fd, buf + used, max + 1 - used);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	if (used > max) {
		set_err(err, errlen, "%s %s: longer than %zu bytes", option,
			path, max);
		goto fail;
	}
	if (first_line) {
		used = strcspn(buf, "\n");
		if (used > 0 && buf[used - 1] == '\r')
			used--;
		buf[used] = '\0';
		for (i = 0; i < used; i++)
			if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
				break;
		if (used == 0 || i < used || strlen(buf) != used) {
			/* Nothing of the file's content goes in the message. */
			set_err(err, errlen, "%s %s: %s", option, path,
				used == 0 ? "the first line is empty" :
				"the first line holds a control character");
			goto fail;
		}
	} else if (used == 0) {
		set_err(err, errlen, "%s %s: empty", option, path);
		goto fail;
	}
	*lenp = used;
	return buf;
fail:
	explicit_bzero(buf, max + 2);
	free(buf);
	return NULL;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

/* smtp[s]://relay:port/hello: libcurl says hello with the path. */
static bool build_url(const struct config *c, char *url, size_t len)
{
	char hello[3 * 1024 + 1];
	const unsigned char *s;
	size_t o = 0;
	bool v6 = strchr(c->smtp_relay, ':') != NULL;
	int n;

	for (s = (const unsigned char *)c->hello_msg; *s && o + 4 < sizeof hello;
	     s++) {
		if (unreserved(*s))
			hello[o++] = (char)*s;
		else
			o += (size_t)snprintf(hello + o, sizeof hello - o,
					      "%%%02X", *s);
	}
	hello[o] = '\0';
	n = snprintf(url, len, "%s://%s%s%s:%u/%s",
		     c->mail_tls == MAIL_TLS_TLS ? "smtps" : "smtp",
		     v6 ? "[" : "", c->smtp_relay, v6 ? "]" : "",
		     c->mail_port, hello);
	return n > 0 && (size_t)n < len;
}

/* MailCommand split at blanks; no shell. */
static bool split_command(struct mailer *m, char *err, size_t errlen)
{
	char *save = NULL, *tok;
	size_t n = 0;

	m->cmd_copy = strdup(m->cfg->mail_command);
	if (!m->cmd_copy) {
		set_err(err, errlen, "MailCommand: out of memory");
		return false;
	}
	for (tok = strtok_r(m->cmd_copy, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (n == CMD_ARGS_MAX) {
			set_err(err, errlen, "MailCommand: more than %d words",
				CMD_ARGS_MAX);
			return false;
		}
		m->argv[n++] = tok;
	}
	m->argv[n] = NULL;
	if (n == 0 || m->argv[0][0] != '/') {
		set_err(err, errlen, "MailCommand: no absolute path");
		return false;
	}
	return true;
}

/* What the loop needs; every failure is a failed start. */
static bool prepare(struct mailer *m, char *err, size_t errlen)
{
	const struct config *c = m->cfg;
	const char *at = strrchr(c->mail_from, '@');
	size_t i;

	/* Message-IDs on the sender's domain, else the HELO name. */
	if (!(at && hostname_sanitise(at + 1, m->domain, sizeof m->domain)) &&
	    !hostname_sanitise(c->hello_msg, m->domain, sizeof m->domain))
		snprintf(m->domain, sizeof m->domain, "localhost");
	if (!random_bytes(&m->id_random, sizeof m->id_random))
		m->id_random = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	mail_rate_init(&m->rate, c->mail_rate_limit);
	m->digest_cap = MAIL_DIGEST_LINES * (ALERT_LINE_MAX + 64) + 1;
	m->digest = malloc(m->digest_cap);
	m->multi = curl_multi_init();
	if (!m->digest || !m->multi) {
		set_err(err, errlen, "mail: out of memory");
		return false;
	}
	m->digest[0] = '\0';
	if (c->mail_command)
		return split_command(m, err, errlen);
	if (!build_url(c, m->url, sizeof m->url)) {
		set_err(err, errlen, "mail: SMTPrelay and HelloMsg too long");
		return false;
	}
	for (i = 0; i < c->rcpt_to.n; i++) {
		struct curl_slist *l = curl_slist_append(m->rcpts,
							 c->rcpt_to.v[i]);

		if (!l) {
			set_err(err, errlen, "mail: out of memory");
			return false;
		}
		m->rcpts = l;
	}
	return true;
}

static void cleanup(struct mailer *m)
{
	abort_delivery(m);
	while (m->q_n > 0)
		dequeue(m);
	curl_slist_free_all(m->rcpts);
	if (m->multi)
		curl_multi_cleanup(m->multi);
	if (m->password) {
		explicit_bzero(m->password, strlen(m->password));
		free(m->password);
	}
	free(m->ca);
	free(m->digest);
	free(m->cmd_copy);
	free(m->cmd_text);
	metrics_writer_close(&m->metrics);
	if (m->sigfd != -1)
		close(m->sigfd);
	if (m->sock != -1)
		close(m->sock);
	free(m);
}

/* ---- the process: proc_spec's setup and run ------------------------------ */

/* What the parent hands the child (a copy of it, through fork). */
struct mailer_start {
	const struct config *cfg;
	bool use_syslog, also_stderr;
	int metrics_fd;			/* the page to publish in, or -1 */
	struct mailer *m;		/* made by mailer_setup */
};

/* As root, before the user and the sandbox change: the secrets, the log,
 * the signals, libcurl (which may read its configuration), and every
 * check that can fail, so that a failure is a failed start. */
static bool mailer_setup(void *arg, char *err, size_t errlen)
{
	struct mailer_start *ms = arg;
	const struct config *cfg = ms->cfg;
	struct mailer *m;
	sigset_t set;

	if (ms->use_syslog)
		log_init_syslog(cfg->syslog_facility, ms->also_stderr);
	/* TERM and INT through a signalfd; the daemon's HUP and USR1 mean
	 * nothing here; a dead relay connection must not kill us. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	m = calloc(1, sizeof *m);
	if (!m) {
		set_err(err, errlen, "mail: out of memory");
		return false;
	}
	m->cfg = cfg;
	m->sock = -1;
	m->cmd_in = m->cmd_out = -1;
	m->cmd_pid = -1;
	m->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (m->sigfd == -1) {
		set_err(err, errlen, "mail: signalfd failed");
		goto fail;
	}
	if (cfg->mail_password_file && !cfg->mail_command) {
		size_t len;

		m->password = read_small_file("MailPasswordFile",
					      cfg->mail_password_file,
					      MAIL_PASSWORD_MAX, true, &len,
					      err, errlen);
		if (!m->password)
			goto fail;
	}
	if (cfg->mail_ca_file && !cfg->mail_command) {
		m->ca = read_small_file("MailCAFile", cfg->mail_ca_file,
					MAIL_CA_FILE_MAX, false, &m->ca_len,
					err, errlen);
		if (!m->ca)
			goto fail;
	}
	/* The parent keeps its descriptor for the next mailer: ours is a
	 * copy, which the mapping replaces. */
	if (!metrics_writer_open(&m->metrics, ms->metrics_fd, err, errlen))
		goto fail;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		set_err(err, errlen, "mail: libcurl failed to start");
		goto fail;
	}
	if (!prepare(m, err, errlen)) {
		cleanup(m);
		curl_global_cleanup();
		return false;
	}
	ms->m = m;
	return true;
fail:
	cleanup(m);
	return false;
}

/* Confined: the loop, until the daemon has closed and the work is done
 * or given up. */
static int mailer_run(void *arg, int sock)
{
	struct mailer_start *ms = arg;
	const struct config *cfg = ms->cfg;
	struct mailer *m = ms->m;
	int rc;

	m->sock = sock;
	/* Where the daemon's own messages go (syslog, or standard error in
	 * the foreground and with -r --mail): where mail goes. */
	if (ms->use_syslog || ms->also_stderr)
		log_info("mail: alerts go %s %s to %zu recipient%s, at most %u "
			 "a minute", cfg->mail_command ? "through" : "to",
			 cfg->mail_command ? cfg->mail_command : m->url,
			 cfg->rcpt_to.n, cfg->rcpt_to.n == 1 ? "" : "s",
			 m->rate.limit);
	if (cfg->mail_user && cfg->mail_tls == MAIL_TLS_NONE &&
	    !cfg->mail_command)
		log_warnx("mail: MailUser without MailTLS: the password "
			  "crosses the network in clear");
	rc = run(m);
	if (m->received)
		log_info("mail: done: %llu alert%s received, %llu message%s "
			 "sent, %llu not delivered",
			 (unsigned long long)m->received,
			 m->received == 1 ? "" : "s",
			 (unsigned long long)m->delivered,
			 m->delivered == 1 ? "" : "s",
			 (unsigned long long)m->given_up);
	cleanup(m);
	curl_global_cleanup();
	return rc;
}

/* MailCommand's program (its first word) and, when it is a script, the
 * interpreter its "#!" line names: the two files the sandbox lets the
 * mailer run.  Empty strings when there are none. */
static void command_files(const char *command, char *prog, size_t plen,
			  char *interp, size_t ilen)
{
	char line[256];
	size_t n = strcspn(command, " \t");
	FILE *f;

	prog[0] = interp[0] = '\0';
	if (n == 0 || n >= plen)
		return;
	memcpy(prog, command, n);
	prog[n] = '\0';
	f = fopen(prog, "re");
	if (!f)
		return;
	if (fgets(line, sizeof line, f) && line[0] == '#' && line[1] == '!') {
		const char *p = line + 2 + strspn(line + 2, " \t");
		size_t len = strcspn(p, " \t\r\n");

		if (len > 0 && len < ilen && p[0] == '/') {
			memcpy(interp, p, len);
			interp[len] = '\0';
		}
	}
	fclose(f);
}

bool mailer_proc_start(const struct config *cfg, bool use_syslog,
		       bool also_stderr, int metrics_fd, struct proc *p,
		       char *err, size_t errlen)
{
	struct mailer_start ms = { cfg, use_syslog, also_stderr, metrics_fd,
				   NULL };
	struct proc_spec spec;
	char prog[512], interp[256];

	memset(&spec, 0, sizeof spec);
	spec.name = "mailer";
	spec.role = SANDBOX_MAILER;
	spec.user = cfg->run_as_user;
	if (cfg->mail_command) {
		command_files(cfg->mail_command, prog, sizeof prog, interp,
			      sizeof interp);
		spec.sandbox.mail_command = prog[0] ? prog : NULL;
		spec.sandbox.mail_interpreter = interp[0] ? interp : NULL;
	}
	spec.sandbox.ca_file = cfg->mail_ca_file;
	spec.sandbox_required = cfg->sandbox_required;
	/* Its log: standard error, when that is where the daemon logs. */
	spec.keep_stderr = true;
	if (metrics_fd >= 0)
		spec.keep_fds[spec.nkeep++] = metrics_fd;
	spec.setup = mailer_setup;
	spec.run = mailer_run;
	spec.arg = &ms;
	if (!proc_start(&spec, p, err, errlen))
		return false;
	/* Room for bursts; as root, beyond net.core.wmem_max. */
	if (setsockopt(p->fd, SOL_SOCKET, SO_SNDBUFFORCE,
		       &(int){ MAIL_SOCKET_BUFFER }, sizeof(int)) == -1)
		(void)setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF,
				 &(int){ MAIL_SOCKET_BUFFER }, sizeof(int));
	return true;
}
