/*
 * priv.c - the privileged parent: configuration, PID file, and the other
 * processes, started, watched and restarted (see priv.h).
 *
 * It reads no packet and parses nothing an attacker writes: its inputs
 * are the configuration files an admin wrote, its children's exit
 * statuses, and fixed-size messages from the packet process.
 */
#include "priv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "capture.h"
#include "conf.h"
#include "daemon.h"
#include "engine.h"
#include "log.h"
#include "mailer.h"
#include "metrics.h"
#include "metrics_server.h"
#include "params.h"
#include "proc.h"
#include "resolve.h"
#include "signature.h"
#include "sink_mail.h"
#include "util.h"

/* A helper that died is started again after this long, doubling up to
 * the maximum while it keeps dying, back to the minimum once it has run
 * for RESTART_STABLE_MS. */
#define RESTART_MIN_MS		1000
#define RESTART_MAX_MS		60000
#define RESTART_STABLE_MS	60000
/* After PRIV_STOP the packet process ends its scans and writes its
 * statistics; past this it is stopped by force. */
#define ENGINE_STOP_MS		30000

/* ---- messages ----------------------------------------------------- */

bool priv_send(int sock, const struct priv_msg *m)
{
	struct priv_wire w;

	memset(&w, 0, sizeof w);
	w.type = (uint8_t)m->type;
	put_be(w.config_len, m->config_len, 4);
	put_be(w.sig_len, m->sig_len, 4);
	memcpy(w.text, m->text, strnlen(m->text, sizeof w.text - 1));
	return proc_send_fd(sock, &w, sizeof w, m->fd);
}

/* Which types carry a descriptor: always, never, or may. */
static int fd_rule(enum priv_msg_type t)
{
	switch (t) {
	case PRIV_CONFIG:
	case PRIV_JSONLOG:
		return 1;
	case PRIV_MAILER:
	case PRIV_RESOLVER:
		return 0;		/* may: none means "down" */
	case PRIV_STATS:
	case PRIV_STOP:
	case PRIV_RELOADED:
	case PRIV_RELOAD_FAILED:
		return -1;
	}
	return -2;			/* unknown type */
}

static const char *check_wire(const struct priv_wire *w, int fd)
{
	size_t tlen = strnlen(w->text, sizeof w->text);
	int rule = fd_rule((enum priv_msg_type)w->type);
	uint64_t clen = get_be(w->config_len, 4), slen = get_be(w->sig_len, 4);

	if (rule == -2)
		return "unknown type";
	if ((rule == 1 && fd < 0) || (rule == -1 && fd >= 0))
		return "descriptor where none belongs, or none where one does";
	if (!all_zero(w->zero, sizeof w->zero) || tlen == sizeof w->text ||
	    !all_zero(w->text + tlen, sizeof w->text - tlen))
		return "bytes that must be zero are not";
	if (w->type != PRIV_CONFIG && (clen || slen))
		return "lengths in a message that has none";
	if (clen > PRIV_FILE_MAX || slen > PRIV_FILE_MAX)
		return "file too large";
	return NULL;
}

int priv_recv(int sock, struct priv_msg *m, const char **why)
{
	uint8_t buf[sizeof(struct priv_wire) + 1];	/* + 1: oversize */
	struct priv_wire w;
	ssize_t n;
	int fd;

	n = proc_recv_fd(sock, buf, sizeof buf, &fd);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		      errno == EINTR))
		return -1;
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return 0;
	*why = n < 0 ? strerror(errno) : "wrong size";
	if (n != (ssize_t)sizeof w)
		goto bad;
	memcpy(&w, buf, sizeof w);
	if ((*why = check_wire(&w, fd)) != NULL)
		goto bad;
	m->type = (enum priv_msg_type)w.type;
	m->config_len = (uint32_t)get_be(w.config_len, 4);
	m->sig_len = (uint32_t)get_be(w.sig_len, 4);
	memcpy(m->text, w.text, sizeof m->text);
	m->fd = fd;
	return 1;
bad:
	if (n >= 0 && fd >= 0)
		close(fd);
	return -2;
}

/* ---- files -------------------------------------------------------- */

char *priv_read_file(const char *path, size_t *len, char *err,
		     size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	char *buf = NULL;
	ssize_t n;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(1, 3)) {
		/* /dev/null: an empty file, as "-c /dev/null" has always
		 * meant. */
		st.st_mode = S_IFREG;
		st.st_size = 0;
	} else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((uintmax_t)st.st_size > PRIV_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %u bytes", path,
			 PRIV_FILE_MAX);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	/* Up to the size fstat gave: a file that grows meanwhile is read
	 * to that bound, never further. */
	n = st.st_size > 0 ? pread(fd, buf, (size_t)st.st_size, 0) : 0;
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	if (strlen(buf) != (size_t)n) {
		snprintf(err, errlen, "%s: holds a NUL byte", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	*len = (size_t)n;
out:
	close(fd);
	return buf;
}

/* ---- the configuration -------------------------------------------- */

/* A relative path in the file means relative to where scandetd was
 * started, also after the daemon has changed to "/". */
static bool absolute(char **path, const char *cwd)
{
	char *abs;

	if (!*path || (*path)[0] == '/' || (*path)[0] == '\0')
		return true;
	if (asprintf(&abs, "%s/%s", cwd, *path) < 0)
		return false;
	free(*path);
	*path = abs;
	return true;
}

static bool make_paths_absolute(struct config *cfg, const char *cwd)
{
	return absolute(&cfg->json_log, cwd) &&
	       absolute(&cfg->pid_file, cwd) &&
	       absolute(&cfg->signature_file, cwd) &&
	       absolute(&cfg->mail_ca_file, cwd) &&
	       absolute(&cfg->mail_password_file, cwd);
}

struct loaded {
	struct config *cfg;
	char *text;			/* the configuration file */
	size_t len;
	char *sig_text;			/* SignatureFile, or NULL */
	size_t sig_len;
};

static void loaded_free(struct loaded *l)
{
	if (l->cfg) {
		conf_free(l->cfg);
		free(l->cfg);
	}
	free(l->text);
	free(l->sig_text);
	memset(l, 0, sizeof *l);
}

static bool check_signatures(const struct loaded *l, char *err,
			     size_t errlen)
{
	struct signatures *sigs = malloc(sizeof *sigs);
	bool ok;

	if (!sigs) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	ok = signatures_parse(l->cfg->signature_file, l->sig_text, sigs, err,
			      errlen);
	free(sigs);
	return ok;
}

/* Read, parse and check path (NULL: the defaults), never blocking. */
static bool load(const char *path, const char *cwd, struct loaded *l,
		 char *err, size_t errlen)
{
	memset(l, 0, sizeof *l);
	l->cfg = calloc(1, sizeof *l->cfg);
	if (!l->cfg) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	if (!path) {
		conf_defaults(l->cfg);
		return true;
	}
	l->text = priv_read_file(path, &l->len, err, errlen);
	if (!l->text || !conf_load_string(path, l->text, l->cfg, err, errlen)) {
		free(l->cfg);
		l->cfg = NULL;
		loaded_free(l);
		return false;
	}
	/* The file it came from, for messages that name a line of it. */
	if (!l->cfg->path)
		l->cfg->path = strdup(path);
	if (!l->cfg->path || !make_paths_absolute(l->cfg, cwd)) {
		snprintf(err, errlen, "out of memory");
		loaded_free(l);
		return false;
	}
	if (l->cfg->signature_file) {
		char why[1024], where[PATH_MAX + 64];

		l->sig_text = priv_read_file(l->cfg->signature_file,
					     &l->sig_len, why, sizeof why);
		if (!l->sig_text) {
			set_err(err, errlen, "%s: %s", conf_where(l->cfg,
				"SignatureFile", where, sizeof where), why);
			loaded_free(l);
			return false;
		}
		if (!check_signatures(l, err, errlen)) {
			loaded_free(l);
			return false;
		}
	}
	return true;
}

struct config *priv_load_config(const char *path, char *err, size_t errlen)
{
	char cwd[PATH_MAX];
	struct loaded l;
	struct config *cfg;

	if (!getcwd(cwd, sizeof cwd)) {
		snprintf(err, errlen, "getcwd: %s", strerror(errno));
		return NULL;
	}
	if (!load(path, cwd, &l, err, errlen))
		return NULL;
	cfg = l.cfg;
	l.cfg = NULL;
	loaded_free(&l);
	return cfg;
}

/* The text the packet process parses again: the file, then the
 * signatures, in a sealed memfd. */
static int sealed_copy(const struct loaded *l, char *err, size_t errlen)
{
	int fd = memfd_create("scandetd.conf", MFD_CLOEXEC |
			      MFD_ALLOW_SEALING);

	if (fd < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	if ((l->len > 0 && write(fd, l->text, l->len) != (ssize_t)l->len) ||
	    (l->sig_len > 0 &&
	     write(fd, l->sig_text, l->sig_len) != (ssize_t)l->sig_len) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK |
				   F_SEAL_GROW | F_SEAL_SEAL) != 0) {
		snprintf(err, errlen, "memfd: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* "file:line: Option: why" into err (or "Option: why" for a default):
 * a start-up error about an option's value.  Always false. */
static bool option_error(const struct config *cfg, const char *option,
			 const char *why, char *err, size_t errlen)
{
	char where[PATH_MAX + 64];

	set_err(err, errlen, "%s: %s",
		conf_where(cfg, option, where, sizeof where), why);
	return false;
}

/* ---- checks before start (and scandetd -t) -------------------------- */

/* The interfaces and the filter: the filter compiled for the link type
 * of each capture, and every error said with what set it (-i or
 * Interface, -f or CaptureFilter). */
static bool check_capture(const struct config *cfg,
			  const struct priv_options *o, char *err,
			  size_t errlen)
{
	static const char *const any[] = { "any" };
	const struct strlist *l = o->ifaces && o->ifaces->n ? o->ifaces :
				  &cfg->interfaces;
	const char *const *names = l->n ? (const char *const *)l->v : any;
	const char *filter = o->filter ? o->filter : cfg->capture_filter;
	char why[PRIV_ERR_MAX / 2], what[PRIV_ERR_MAX];
	int dlt;

	for (size_t i = 0; i < (l->n ? l->n : 1); i++) {
		if (!capture_check_interface(names[i], &dlt, why, sizeof why)) {
			snprintf(what, sizeof what, "%s: %s", names[i], why);
			if (l == o->ifaces) {
				set_err(err, errlen, "-i %s", what);
				return false;
			}
			return option_error(cfg, "Interface", what, err,
					    errlen);
		}
		if (capture_check_filter(dlt, filter, why, sizeof why))
			continue;
		if (o->filter) {
			set_err(err, errlen, "-f: %s", why);
			return false;
		}
		return option_error(cfg, "CaptureFilter", why, err, errlen);
	}
	return true;
}

/* A file the daemon will create or append to (PidFile, JsonLog): its
 * directory must exist; the file, if there, must be a regular file
 * (JsonLog may be a device such as /dev/null), never a symbolic link. */
static bool check_file_to_write(const struct config *cfg, const char *option,
				const char *path, bool device_ok, char *err,
				size_t errlen)
{
	char dir[PATH_MAX], why[PATH_MAX + 64];
	const char *slash = strrchr(path, '/');
	struct stat st;

	snprintf(dir, sizeof dir, "%.*s", slash && slash != path ?
		 (int)(slash - path) : 1, slash ? path : ".");
	if (stat(dir, &st) != 0) {
		snprintf(why, sizeof why, "%s: directory %s: %s", path, dir,
			 strerror(errno));
		return option_error(cfg, option, why, err, errlen);
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, sizeof why, "%s: %s is not a directory", path,
			 dir);
		return option_error(cfg, option, why, err, errlen);
	}
	if (lstat(path, &st) != 0)
		return true;	/* it will be created */
	if (S_ISLNK(st.st_mode)) {
		snprintf(why, sizeof why, "%s: is a symbolic link", path);
		return option_error(cfg, option, why, err, errlen);
	}
	if (!S_ISREG(st.st_mode) && !(device_ok && S_ISCHR(st.st_mode))) {
		snprintf(why, sizeof why, "%s: not a regular file", path);
		return option_error(cfg, option, why, err, errlen);
	}
	return true;
}

/* A file the mailer reads as root: readable, regular, not too large. */
static bool check_file_to_read(const struct config *cfg, const char *option,
			       const char *path, char *err, size_t errlen)
{
	char why[PRIV_ERR_MAX];
	size_t len;
	char *text = priv_read_file(path, &len, why, sizeof why);

	if (!text)
		return option_error(cfg, option, why, err, errlen);
	free(text);
	return true;
}

/* MailCommand's program: there and executable. */
static bool check_command(const struct config *cfg, char *err, size_t errlen)
{
	char prog[PATH_MAX], why[PATH_MAX + 64];
	size_t n = strcspn(cfg->mail_command, " \t");
	struct stat st;

	snprintf(prog, sizeof prog, "%.*s", (int)n, cfg->mail_command);
	if (stat(prog, &st) != 0 || !S_ISREG(st.st_mode) ||
	    access(prog, X_OK) != 0) {
		snprintf(why, sizeof why, "%s: %s", prog,
			 errno ? strerror(errno) : "not an executable file");
		return option_error(cfg, "MailCommand", why, err, errlen);
	}
	return true;
}

/* JsonLog is a production file: analysing a capture (-r) must not append
 * to it unless asked to (--json-log). */
static bool json_log_wanted(const struct config *cfg,
			    const struct priv_options *o)
{
	return cfg->json_log && (!o->read_file || o->json_log);
}

/* A problem found by priv_check(): said, and counted. */
static void problem(FILE *out, unsigned *n, const char *err)
{
	fprintf(out, "scandetd: %s\n", err);
	(*n)++;
}

unsigned priv_check(const struct config *cfg, const struct priv_options *o,
		    FILE *out)
{
	char err[PRIV_ERR_MAX];
	unsigned n = 0;

	if (geteuid() == 0 && !getpwnam(cfg->run_as_user) &&
	    !(strcmp(cfg->run_as_user, DEFAULT_RUN_AS_USER) == 0 &&
	      getpwnam("nobody"))) {
		char why[128];

		snprintf(why, sizeof why, "no such user \"%s\"",
			 cfg->run_as_user);
		option_error(cfg, "RunAsUser", why, err, sizeof err);
		problem(out, &n, err);
	}
	if (!o->read_file && cfg->pid_file && cfg->pid_file[0] &&
	    !check_file_to_write(cfg, "PidFile", cfg->pid_file, false, err,
				 sizeof err))
		problem(out, &n, err);
	if (json_log_wanted(cfg, o) &&
	    !check_file_to_write(cfg, "JsonLog", cfg->json_log, true, err,
				 sizeof err))
		problem(out, &n, err);
	if (!o->read_file && !check_capture(cfg, o, err, sizeof err))
		problem(out, &n, err);
	if (mail_wanted(cfg) && cfg->mail_command &&
	    !check_command(cfg, err, sizeof err))
		problem(out, &n, err);
	if (mail_wanted(cfg) && !cfg->mail_command && cfg->mail_password_file &&
	    !check_file_to_read(cfg, "MailPasswordFile",
				cfg->mail_password_file, err, sizeof err))
		problem(out, &n, err);
	if (mail_wanted(cfg) && !cfg->mail_command && cfg->mail_ca_file &&
	    !check_file_to_read(cfg, "MailCAFile", cfg->mail_ca_file, err,
				sizeof err))
		problem(out, &n, err);
	return n;
}

/* ---- the parent's state ------------------------------------------- */

struct helper {
	struct proc proc;
	uint64_t restart_at_ms;		/* 0: none planned */
	unsigned delay_ms;
	uint64_t started_ms;
	enum priv_msg_type msg;		/* PRIV_MAILER or PRIV_RESOLVER: its
					 * socket goes to the packet process;
					 * 0: the parent keeps it (metrics) */
};

/* The statistics pages of MetricsListen (metrics.h), by producer. */
enum { PAGE_ENGINE, PAGE_MAILER, PAGE_COUNT };

struct priv {
	const struct priv_options *o;
	struct config *cfg;
	char cwd[PATH_MAX];
	char user[64];			/* RunAsUser, or the fallback */
	bool to_syslog, to_stdout;
	struct proc engine;
	struct helper mailer, resolver, metrics;
	/* MetricsListen: the listening socket and the pages, kept for the
	 * helpers started again (-1: none). */
	int metrics_sock;
	int page_rw[PAGE_COUNT], page_ro[PAGE_COUNT];
	uint64_t start_us;
	struct loaded pending;		/* a reload the engine has not
					 * answered yet */
	char *json_log;			/* the JsonLog the packet process
					 * writes (NULL: none), reopened on
					 * SIGHUP; its path changes only at
					 * restart */
	gid_t log_group;		/* JSON_LOG_GROUP, or (gid_t)-1 */
	bool reloading, reload_again;
	bool stopping;
	uint64_t stop_deadline_ms;
	int sigfd;
	int exit_code;
	bool done;
};

/* systemd: Type=notify (a no-op when not started by systemd). */
static void notify(const char *state)
{
	(void)sd_notify(0, state);
}

/* RunAsUser.  The built-in default names the dedicated account that
 * make install creates; where it does not exist (scandetd run from its
 * source tree), nobody stands in, and we say so. */
static bool choose_user(struct priv *p, char *err, size_t errlen)
{
	const char *want = p->cfg->run_as_user;

	if (geteuid() != 0) {
		snprintf(p->user, sizeof p->user, "%s", want);
		return true;
	}
	if (!getpwnam(want) && strcmp(want, DEFAULT_RUN_AS_USER) == 0 &&
	    getpwnam("nobody")) {
		log_warnx("RunAsUser %s: no such user (make install creates "
			  "it); running as nobody", want);
		want = "nobody";
	}
	if (!getpwnam(want)) {
		char why[128];

		snprintf(why, sizeof why, "no such user \"%s\"", want);
		return option_error(p->cfg, "RunAsUser", why, err, errlen);
	}
	snprintf(p->user, sizeof p->user, "%s", want);
	/* Every process started from this configuration runs as that. */
	if (want != p->cfg->run_as_user) {
		char *copy = strdup(want);

		if (!copy) {
			snprintf(err, errlen, "out of memory");
			return false;
		}
		free(p->cfg->run_as_user);
		p->cfg->run_as_user = copy;
	}
	return true;
}

static void say_sandbox(const struct proc *pr)
{
	static char said[256];

	if (pr->sandbox.missing[0] && strcmp(said, pr->sandbox.missing) != 0) {
		log_warnx("sandbox incomplete, going on (SandboxRequired "
			  "makes this fatal): %s", pr->sandbox.missing);
		snprintf(said, sizeof said, "%s", pr->sandbox.missing);
	}
}

/* ---- helpers: the mailer, the resolver, the metrics ---------------- */

static bool metrics_start(struct priv *p, struct proc *pr, char *err,
			  size_t errlen)
{
	static const char *const names[PAGE_COUNT] = { "engine", "mailer" };
	struct metrics_server_args a = {
		.user = p->user,
		.sandbox_required = p->cfg->sandbox_required,
		.to_syslog = p->to_syslog,
		.also_stderr = p->to_stdout,
		.syslog_facility = p->cfg->syslog_facility,
		.version = p->o->version,
		.start_us = p->start_us,
		.listen_fd = p->metrics_sock,
	};
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(p->metrics_sock, (struct sockaddr *)&ss, &len) == 0)
		a.ipv6 = ss.ss_family == AF_INET6;
	/* Only the producers that run: one not configured is not "down". */
	for (int i = 0; i < PAGE_COUNT; i++)
		if (p->page_ro[i] >= 0) {
			a.page_fd[a.nsources] = p->page_ro[i];
			a.source_name[a.nsources++] = names[i];
		}
	return metrics_proc_start(&a, pr, err, errlen);
}

static bool helper_start(struct priv *p, struct helper *h, char *err,
			 size_t errlen)
{
	bool ok;

	if (h == &p->mailer)
		ok = mailer_proc_start(p->cfg, p->to_syslog,
				       p->to_stdout, p->page_rw[PAGE_MAILER],
				       &h->proc, err, errlen);
	else if (h == &p->resolver)
		ok = resolver_proc_start(p->user, p->cfg->sandbox_required,
					 &h->proc, err, errlen);
	else
		ok = metrics_start(p, &h->proc, err, errlen);
	if (ok) {
		h->started_ms = mono_ms();
		say_sandbox(&h->proc);
	}
	return ok;
}

/* A restarted helper's socket goes to the packet process. */
static void helper_hand_over(struct priv *p, struct helper *h)
{
	struct priv_msg m = { .type = h->msg, .fd = h->proc.fd };

	if (p->engine.pid > 0 && !priv_send(p->engine.fd, &m))
		log_warn("cannot hand the new %s to the packet process",
			 h->proc.name);
	close(h->proc.fd);
	h->proc.fd = -1;
}

static void helper_restart(struct priv *p, struct helper *h)
{
	char err[512];

	h->restart_at_ms = 0;
	if (!helper_start(p, h, err, sizeof err)) {
		h->delay_ms = h->delay_ms * 2 > RESTART_MAX_MS ?
			      RESTART_MAX_MS : h->delay_ms * 2;
		h->restart_at_ms = mono_ms() + h->delay_ms;
		log_warnx("%s did not start again: %s; next try in %u s",
			  h->proc.name, err, h->delay_ms / 1000);
		return;
	}
	log_info("%s started again (pid %ld)", h->proc.name,
		 (long)h->proc.pid);
	if (h->msg)
		helper_hand_over(p, h);
}

static void helper_died(struct priv *p, struct helper *h, int status,
			const char *why)
{
	struct priv_msg m = { .type = h->msg, .fd = -1 };

	/* Exit 0 is a helper whose input ended: the packet process has
	 * closed its end (it is stopping, or it died and SIGCHLD says so). */
	if (p->stopping || p->done ||
	    (WIFEXITED(status) && WEXITSTATUS(status) == PROC_EXIT_OK)) {
		log_debug("%s", why);
		return;
	}
	/* The packet process stops using it at once, counting what it
	 * could not hand over. */
	if (p->engine.pid > 0 && h->msg)
		(void)priv_send(p->engine.fd, &m);
	if (mono_ms() - h->started_ms >= RESTART_STABLE_MS || !h->delay_ms)
		h->delay_ms = RESTART_MIN_MS;
	else if (h->delay_ms < RESTART_MAX_MS)
		h->delay_ms = h->delay_ms * 2 > RESTART_MAX_MS ?
			      RESTART_MAX_MS : h->delay_ms * 2;
	h->restart_at_ms = mono_ms() + h->delay_ms;
	log_warnx("%s; restarting it in %u s", why, h->delay_ms / 1000);
}

/* ---- the packet process ------------------------------------------- */

/* Where to capture: -i replaces the configuration's Interface. */
static const struct strlist *capture_ifaces(const struct priv *p)
{
	if (p->o->ifaces && p->o->ifaces->n > 0)
		return p->o->ifaces;
	return &p->cfg->interfaces;
}

/* "eth0, eth1" for the start-up line; "any" when none is named. */
static const char *ifaces_text(const struct priv *p, char *buf, size_t len)
{
	const struct strlist *l = capture_ifaces(p);
	size_t used = 0;

	snprintf(buf, len, "any");
	for (size_t i = 0; i < l->n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? ", " : "", l->v[i]);
	return buf;
}

/* -r -: the packet process reads standard input. */
static bool reads_stdin(const struct priv_options *o)
{
	for (size_t i = 0; i < o->nread_files; i++)
		if (strcmp(o->read_files[i], "-") == 0)
			return true;
	return false;
}

static bool engine_start(struct priv *p, struct engine_args *a, int json_fd,
			 char *err, size_t errlen)
{
	struct proc_spec spec = {
		.name = "engine",
		.role = SANDBOX_ENGINE,
		.user = p->user,
		.sandbox_required = p->cfg->sandbox_required,
		.keep_stdin = reads_stdin(p->o),
		.keep_stdout = true,
		.keep_stderr = true,
		.setup = engine_setup,
		.run = engine_run,
		.arg = a,
	};

	memset(a, 0, sizeof *a);
	a->cfg = p->cfg;
	a->read_file = p->o->read_file;
	a->read_files = p->o->read_files;
	a->nread_files = p->o->nread_files;
	a->quiet = p->o->quiet;
	a->stats = p->o->stats;
	a->ifaces = capture_ifaces(p);
	a->filter = p->o->filter;
	a->json = p->o->json;
	a->to_stdout = p->to_stdout;
	a->to_syslog = p->to_syslog;
	a->version = p->o->version;
	a->json_log_fd = json_fd;
	a->mail_fd = p->mailer.proc.fd;
	a->resolver_fd = p->resolver.proc.fd;
	a->metrics_fd = p->page_rw[PAGE_ENGINE];
	if (a->metrics_fd >= 0)
		spec.keep_fds[spec.nkeep++] = a->metrics_fd;
	if (json_fd >= 0)
		spec.keep_fds[spec.nkeep++] = json_fd;
	if (a->mail_fd >= 0)
		spec.keep_fds[spec.nkeep++] = a->mail_fd;
	if (a->resolver_fd >= 0)
		spec.keep_fds[spec.nkeep++] = a->resolver_fd;
	if (!proc_start(&spec, &p->engine, err, errlen)) {
		/* Its set-up errors are the user's (the capture, the files
		 * the configuration names): said without proc's "engine: ". */
		size_t n = strlen("engine: ");

		if (strncmp(err, "engine: ", n) == 0)
			memmove(err, err + n, strlen(err + n) + 1);
		return false;
	}
	say_sandbox(&p->engine);
	/* Those are the packet process's now (it is never started again). */
	if (json_fd >= 0)
		close(json_fd);
	if (p->page_rw[PAGE_ENGINE] >= 0) {
		close(p->page_rw[PAGE_ENGINE]);
		p->page_rw[PAGE_ENGINE] = -1;
	}
	if (p->mailer.proc.fd >= 0) {
		close(p->mailer.proc.fd);
		p->mailer.proc.fd = -1;
	}
	if (p->resolver.proc.fd >= 0) {
		close(p->resolver.proc.fd);
		p->resolver.proc.fd = -1;
	}
	return true;
}

/* ---- reload ------------------------------------------------------- */

static bool strings_differ(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b) != 0;
}

static bool strlists_differ(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return true;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return true;
	return false;
}

/* What only a restart changes: said, not silently ignored. */
static void warn_restart_only(const struct priv *p, const struct config *cfg)
{
	const struct config *old = p->cfg;

	if (cfg->source_table_size != old->source_table_size ||
	    cfg->flow_table_size != old->flow_table_size)
		log_warnx("table sizes change at the next restart");
	if (strings_differ(cfg->run_as_user, old->run_as_user) ||
	    strings_differ(cfg->json_log, old->json_log) ||
	    cfg->json_format != old->json_format ||
	    strings_differ(cfg->pid_file, old->pid_file))
		log_warnx("RunAsUser, JsonLog, JsonFormat and PidFile change "
			  "at the next restart");
	if (mail_config_changed(old, cfg))
		log_warnx("email options change at the next restart");
	if (cfg->dns_resolve != old->dns_resolve ||
	    cfg->port_resolve != old->port_resolve)
		log_warnx("DNSResolve and PortResolve change at the next "
			  "restart");
	if (strings_differ(cfg->metrics_listen, old->metrics_listen))
		log_warnx("MetricsListen changes at the next restart");
	/* The captures were opened as root; the packet process cannot open
	 * others.  With -i the file's list is not used at all. */
	if (!p->o->read_file && capture_ifaces(p) == &p->cfg->interfaces &&
	    strlists_differ(&cfg->interfaces, &old->interfaces))
		log_warnx("Interface changes at the next restart (captures "
			  "are opened once, with privileges)");
}

static void reload(struct priv *p)
{
	char err[PRIV_ERR_MAX];
	struct priv_msg m = { .type = PRIV_CONFIG };

	if (p->reloading) {
		p->reload_again = true;	/* after the one under way */
		return;
	}
	if (!p->o->config_path) {
		log_warnx("SIGHUP: no configuration file to re-read");
		return;
	}
	notify("RELOADING=1");
	if (!load(p->o->config_path, p->cwd, &p->pending, err, sizeof err) ||
	    (m.fd = sealed_copy(&p->pending, err, sizeof err)) < 0) {
		log_warnx("reload failed, keeping the old configuration: %s",
			  err);
		loaded_free(&p->pending);
		notify("READY=1");
		return;
	}
	warn_restart_only(p, p->pending.cfg);
	m.config_len = (uint32_t)p->pending.len;
	m.sig_len = (uint32_t)p->pending.sig_len;
	snprintf(m.text, sizeof m.text, "%s", p->o->config_path);
	if (!priv_send(p->engine.fd, &m))
		log_warn("reload: cannot reach the packet process");
	else
		p->reloading = true;
	close(m.fd);
	if (!p->reloading)
		loaded_free(&p->pending);
}

static void reload_answered(struct priv *p, bool ok)
{
	if (!p->reloading)
		fatalx("the packet process answered a reload nobody asked for");
	if (ok) {
		conf_free(p->cfg);
		free(p->cfg);
		p->cfg = p->pending.cfg;
		p->pending.cfg = NULL;
	}
	loaded_free(&p->pending);
	p->reloading = false;
	notify("READY=1");
	if (p->reload_again) {
		p->reload_again = false;
		reload(p);
	}
}

/* ---- the loop ----------------------------------------------------- */

static void stop(struct priv *p)
{
	struct priv_msg m = { .type = PRIV_STOP, .fd = -1 };

	if (p->stopping)
		return;
	p->stopping = true;
	p->stop_deadline_ms = mono_ms() + ENGINE_STOP_MS;
	notify("STOPPING=1");
	if (p->engine.pid > 0 && !priv_send(p->engine.fd, &m))
		(void)kill(p->engine.pid, SIGTERM);
}

static void reap_children(struct priv *p)
{
	char why[512];
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (proc_exited(&p->engine, pid, status, why, sizeof why)) {
			p->done = true;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				continue;
			log_warnx("%s", why);
			p->exit_code = 1;
		} else if (proc_exited(&p->mailer.proc, pid, status, why,
				       sizeof why)) {
			helper_died(p, &p->mailer, status, why);
		} else if (proc_exited(&p->resolver.proc, pid, status, why,
				       sizeof why)) {
			helper_died(p, &p->resolver, status, why);
		} else if (proc_exited(&p->metrics.proc, pid, status, why,
				       sizeof why)) {
			helper_died(p, &p->metrics, status, why);
		}
	}
}

/*
 * SIGHUP: JsonLog opened again by its name, so that after logrotate has
 * renamed the file events go to a new one.  The packet process swaps the
 * descriptors between two events; until then events go on into the
 * renamed file: none is lost or cut.  A failure keeps the old file.
 */
static void reopen_json_log(struct priv *p)
{
	struct priv_msg m = { .type = PRIV_JSONLOG };
	char why[PATH_MAX + 128];

	if (!p->json_log || p->engine.pid <= 0 || p->stopping)
		return;
	m.fd = sink_json_open_file(p->json_log, p->log_group, why,
				   sizeof why);
	if (m.fd < 0) {
		log_warnx("JsonLog: cannot reopen %s; events go on into the "
			  "file already open", why);
		return;
	}
	if (priv_send(p->engine.fd, &m))
		log_info("JsonLog %s reopened", p->json_log);
	else
		log_warn("JsonLog: cannot reach the packet process");
	close(m.fd);
}

static void handle_signals(struct priv *p)
{
	struct signalfd_siginfo si;
	struct priv_msg m = { .type = PRIV_STATS, .fd = -1 };

	while (read(p->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		switch (si.ssi_signo) {
		case SIGHUP:
			reopen_json_log(p);
			reload(p);
			break;
		case SIGUSR1:
			if (p->engine.pid > 0)
				(void)priv_send(p->engine.fd, &m);
			break;
		case SIGTERM:
		case SIGINT:
			stop(p);
			break;
		case SIGCHLD:
			reap_children(p);
			break;
		}
	}
}

static void read_engine(struct priv *p)
{
	struct priv_msg m;
	const char *why;
	int rc;

	while (p->engine.fd >= 0 &&
	       (rc = priv_recv(p->engine.fd, &m, &why)) != -1) {
		if (rc == 0) {
			/* Gone: SIGCHLD says how. */
			close(p->engine.fd);
			p->engine.fd = -1;
			return;
		}
		if (rc == -2 || (m.type != PRIV_RELOADED &&
				 m.type != PRIV_RELOAD_FAILED)) {
			log_warnx("malformed message from the packet process: "
				  "%s", rc == -2 ? why : "a parent's type");
			(void)kill(p->engine.pid, SIGKILL);
			continue;
		}
		reload_answered(p, m.type == PRIV_RELOADED);
	}
}

static int next_timeout(const struct priv *p, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	const struct helper *hs[3] = { &p->mailer, &p->resolver, &p->metrics };

	for (int i = 0; i < 3; i++)
		if (hs[i]->restart_at_ms && hs[i]->restart_at_ms < next)
			next = hs[i]->restart_at_ms;
	if (p->stopping && p->stop_deadline_ms < next)
		next = p->stop_deadline_ms;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

static void run(struct priv *p)
{
	struct pollfd pfd[2] = {
		{ .fd = p->sigfd, .events = POLLIN },
		{ .events = POLLIN },
	};
	struct helper *hs[3] = { &p->mailer, &p->resolver, &p->metrics };

	while (!p->done) {
		uint64_t now = mono_ms();

		pfd[1].fd = p->engine.fd;
		if (poll(pfd, 2, next_timeout(p, now)) < 0 && errno != EINTR)
			fatal("poll");
		if (pfd[1].revents)
			read_engine(p);
		if (pfd[0].revents & POLLIN)
			handle_signals(p);
		now = mono_ms();
		for (int i = 0; i < 3; i++)
			if (hs[i]->restart_at_ms && hs[i]->restart_at_ms <= now &&
			    !p->stopping)
				helper_restart(p, hs[i]);
		if (p->stopping && now >= p->stop_deadline_ms &&
		    p->engine.pid > 0) {
			log_warnx("the packet process did not stop in %d s: "
				  "killing it", ENGINE_STOP_MS / 1000);
			(void)kill(p->engine.pid, SIGKILL);
			p->stop_deadline_ms = UINT64_MAX;
		}
	}
}

/* ---- start-up ----------------------------------------------------- */

static int signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	/* Handled through signalfd in the loop: no work in handlers.
	 * proc_start gives each child its signals back. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* The parent keeps only what it needs, and nothing can give it more:
 * four capabilities, no_new_privs, and its own seccomp filter.  Filters
 * stack over fork, so that filter also lets through what the helpers it
 * may start again need (child_roles); the packet process is never
 * started again. */
static bool confine_self(struct priv *p, char *err, size_t errlen)
{
	static const int keep[] = {
		CAP_SETUID, CAP_SETGID, CAP_KILL, CAP_DAC_READ_SEARCH,
	};
	struct sandbox_opts opts = {
		.mail_command = p->cfg->mail_command,
		.ca_file = p->cfg->mail_ca_file,
		.json_log = p->json_log != NULL,
	};
	struct sandbox_report rep;

	if (p->mailer.proc.pid > 0)
		opts.child_roles |= 1u << SANDBOX_MAILER;
	if (p->resolver.proc.pid > 0)
		opts.child_roles |= 1u << SANDBOX_RESOLVER;
	if (p->metrics.proc.pid > 0)
		opts.child_roles |= 1u << SANDBOX_METRICS;
	if (!caps_keep_only(keep, geteuid() == 0 ? 4 : 0, err, errlen))
		return false;
	memset(&rep, 0, sizeof rep);
	if (!sandbox_enter(SANDBOX_PRIV, &opts, p->cfg->sandbox_required, &rep,
			   err, errlen))
		return false;
	if (rep.missing[0]) {
		struct proc self = { .sandbox = rep };

		say_sandbox(&self);
	}
	return true;
}

static bool start_helpers(struct priv *p, char *err, size_t errlen)
{
	/* Analysing a capture mails nobody unless asked to (--mail). */
	if (mail_wanted(p->cfg) && (!p->o->read_file || p->o->mail) &&
	    !helper_start(p, &p->mailer, err, errlen))
		return false;
	if (p->cfg->dns_resolve &&
	    !helper_start(p, &p->resolver, err, errlen))
		return false;
	return true;
}

/* MetricsListen, as root: the socket (a port below 1024 is fine) and a
 * page for each producer that will run. */
static bool metrics_prepare(struct priv *p, char *err, size_t errlen)
{
	char why[512];

	p->metrics_sock = metrics_listen(p->cfg->metrics_listen, why,
					 sizeof why);
	if (p->metrics_sock < 0)
		return option_error(p->cfg, "MetricsListen", why, err, errlen);
	if (!metrics_page_create(&p->page_rw[PAGE_ENGINE],
				 &p->page_ro[PAGE_ENGINE], err, errlen))
		return false;
	if (mail_wanted(p->cfg) &&
	    !metrics_page_create(&p->page_rw[PAGE_MAILER],
				 &p->page_ro[PAGE_MAILER], err, errlen))
		return false;
	return true;
}

static void metrics_close(struct priv *p)
{
	if (p->metrics_sock >= 0)
		close(p->metrics_sock);
	p->metrics_sock = -1;
	for (int i = 0; i < PAGE_COUNT; i++) {
		if (p->page_rw[i] >= 0)
			close(p->page_rw[i]);
		if (p->page_ro[i] >= 0)
			close(p->page_ro[i]);
		p->page_rw[i] = p->page_ro[i] = -1;
	}
}

/* JSON_LOG_GROUP's id, looked up once (before the sandbox). */
static gid_t log_group(void)
{
	const struct group *g = getgrnam(JSON_LOG_GROUP);

	return g ? g->gr_gid : (gid_t)-1;
}

static bool start(struct priv *p, struct engine_args *a, char *err,
		  size_t errlen)
{
	bool live = !p->o->read_file;
	int json_fd = -1;
	char why[PATH_MAX + 128];

	if (!choose_user(p, err, errlen))
		return false;
	if (live && !check_capture(p->cfg, p->o, err, errlen))
		return false;
	/* Analysing a capture serves no scraper. */
	if (live && p->cfg->metrics_listen &&
	    !metrics_prepare(p, err, errlen))
		return false;
	/* The checks of -t first, for the same words; then the real open,
	 * which can still fail (a race, a full disk). */
	if (live && p->cfg->pid_file && p->cfg->pid_file[0]) {
		if (!check_file_to_write(p->cfg, "PidFile", p->cfg->pid_file,
					 false, err, errlen))
			return false;
		if (!pidfile_create(p->cfg->pid_file, why, sizeof why))
			return option_error(p->cfg, "PidFile", why, err,
					    errlen);
	}
	if (json_log_wanted(p->cfg, p->o)) {
		if (!check_file_to_write(p->cfg, "JsonLog", p->cfg->json_log,
					 true, err, errlen))
			return false;
		p->log_group = log_group();
		json_fd = sink_json_open_file(p->cfg->json_log, p->log_group,
					      why, sizeof why);
		if (json_fd < 0)
			return option_error(p->cfg, "JsonLog", why, err,
					    errlen);
		p->json_log = strdup(p->cfg->json_log);
		if (!p->json_log) {
			snprintf(err, errlen, "out of memory");
			close(json_fd);
			return false;
		}
	}
	if (!start_helpers(p, err, errlen) ||
	    !engine_start(p, a, json_fd, err, errlen)) {
		if (json_fd >= 0 && p->engine.pid <= 0)
			close(json_fd);
		return false;
	}
	if (p->metrics_sock >= 0) {
		if (!helper_start(p, &p->metrics, err, errlen))
			return false;
		log_info("metrics at http://%s/metrics",
			 p->cfg->metrics_listen);
	}
	return confine_self(p, err, errlen);
}

static void stop_helpers(struct priv *p)
{
	/* The packet process has closed its ends: an idle resolver leaves
	 * at once; the mailer delivers what it holds (in the background,
	 * once it has said so, and then it is not waited for). */
	proc_stop(&p->resolver.proc, 0, NULL);
	proc_stop(&p->metrics.proc, 0, NULL);
	if (p->mailer.proc.pid > 0 &&
	    proc_wait(&p->mailer.proc, 0, NULL) == 0)
		log_debug("mailer carries on in the background");
}

/* Live, Workers n are n threads and detection one more (scandetd(8),
 * "Several cores"): more than the cores this process may run on (its
 * affinity: taskset, a cpuset) and they share them, which costs more than
 * it gives.  Said once at start-up; 0 cores: not known, nothing said. */
static void say_if_workers_share_cores(const struct config *cfg,
				       unsigned cores)
{
	if (cfg->workers > 1 && cores > 0 && cfg->workers + 1 > cores)
		log_info("Workers %u: %u threads on %u core%s: they share "
			 "them (see scandetd(8), Several cores)",
			 cfg->workers, cfg->workers + 1, cores,
			 cores == 1 ? "" : "s");
}

static unsigned usable_cores(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return 0;
	return (unsigned)CPU_COUNT(&set);
}

int priv_main(const struct priv_options *o, struct config *cfg)
{
	struct priv p;
	struct engine_args args;
	char err[PRIV_ERR_MAX], ifaces[MAX_INTERFACES * (IFACE_NAME_MAX + 2)];
	bool stay = o->foreground || o->read_file || getenv("NOTIFY_SOCKET");
	unsigned cores = usable_cores();	/* before any sandbox */

	memset(&p, 0, sizeof p);
	p.o = o;
	p.cfg = cfg;
	p.sigfd = -1;
	proc_init(&p.engine, "engine", SANDBOX_ENGINE);
	proc_init(&p.mailer.proc, "mailer", SANDBOX_MAILER);
	proc_init(&p.resolver.proc, "resolver", SANDBOX_RESOLVER);
	proc_init(&p.metrics.proc, "metrics", SANDBOX_METRICS);
	p.mailer.msg = PRIV_MAILER;
	p.resolver.msg = PRIV_RESOLVER;
	p.metrics_sock = -1;
	p.log_group = (gid_t)-1;
	for (int i = 0; i < PAGE_COUNT; i++)
		p.page_rw[i] = p.page_ro[i] = -1;
	p.start_us = wall_us();
	/* Each event to each sink once: in the foreground (a supervisor
	 * such as systemd's Type=simple reads standard output) and with -r,
	 * standard output and standard error only, unless --syslog. */
	p.to_syslog = o->syslog || (!o->read_file && !o->foreground);
	p.to_stdout = o->read_file || o->foreground;
	if (!getcwd(p.cwd, sizeof p.cwd))
		fatal("getcwd");
	if (!stay && !daemon_detach(err, sizeof err))
		fatalx("%s", err);
	if (p.to_syslog)
		log_init_syslog(cfg->syslog_facility, p.to_stdout);
	p.sigfd = signals_open();
	if (p.sigfd < 0)
		fatal("signalfd");
	if (!start(&p, &args, err, sizeof err)) {
		log_warnx("%s", err);
		daemon_ready(err);
		p.exit_code = 1;
		p.done = p.engine.pid <= 0;
		stop(&p);
	} else if (!o->read_file) {
		log_info("scandetd %s started on %s, running as %s",
			 o->version, ifaces_text(&p, ifaces, sizeof ifaces),
			 p.user);
		say_if_workers_share_cores(cfg, cores);
		/* The same moment for systemd and for whoever started us. */
		notify("READY=1\nSTATUS=watching for scans");
		daemon_ready(NULL);
	}
	run(&p);
	stop_helpers(&p);
	metrics_close(&p);
	pidfile_remove();
	loaded_free(&p.pending);
	free(p.json_log);
	conf_free(p.cfg);
	free(p.cfg);
	close(p.sigfd);
	return p.exit_code;
}
