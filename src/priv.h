/*
 * priv.h - the privileged parent and its messages to the packet process.
 *
 * The parent is the part of scandetd that keeps privileges, and it keeps
 * only what it must: it reads the configuration (at start and on SIGHUP)
 * and the files it names, owns the PID file, and starts, watches and
 * restarts the other processes (proc.h).  It never reads a packet.  It
 * runs as root with every capability dropped but CAP_SETUID, CAP_SETGID
 * (to start helpers as RunAsUser), CAP_KILL (to stop them) and
 * CAP_DAC_READ_SEARCH (to read the configuration wherever it is), and
 * with no_new_privs.
 *
 * Parent and packet process talk over a SOCK_SEQPACKET socketpair in
 * fixed-size messages, checked on receipt like network input: exact
 * size, known type, unused bytes zero, a descriptor exactly where the
 * type calls for one.
 */
#ifndef SCANDETD_PRIV_H
#define SCANDETD_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum priv_msg_type {
	/* parent -> engine */
	PRIV_CONFIG = 1,	/* fd: a sealed memfd holding the configuration
				 * text, then the signature file's text;
				 * config_len and sig_len say where each ends,
				 * text is the configuration's name */
	PRIV_STATS = 2,		/* log the statistics (SIGUSR1) */
	PRIV_STOP = 3,		/* finish: end open scans, statistics, exit */
	PRIV_MAILER = 4,	/* fd: the new mailer's socket; none: the
				 * mailer is down, alerts are not mailed */
	PRIV_RESOLVER = 5,	/* the same for the resolver */
	PRIV_JSONLOG = 6,	/* fd: JsonLog opened again (SIGHUP, after a
				 * rotation), to replace the one in use */
	/* engine -> parent */
	PRIV_RELOADED = 16,	/* the configuration is in force */
	PRIV_RELOAD_FAILED = 17,/* text: why; the old one stays */
};

#define PRIV_TEXT_MAX	244
/* Largest configuration or signature file read (each). */
#define PRIV_FILE_MAX	(4u << 20)

/* Byte arrays only: no padding, exact size; integers big-endian. */
struct priv_wire {
	uint8_t type;
	uint8_t zero[3];
	uint8_t config_len[4];
	uint8_t sig_len[4];
	char text[PRIV_TEXT_MAX];	/* NUL-terminated, zero after it */
};

struct priv_msg {
	enum priv_msg_type type;
	uint32_t config_len, sig_len;
	char text[PRIV_TEXT_MAX];
	int fd;				/* -1: none */
};

/* Send one message (fd -1: none).  false on a short or failed send. */
bool priv_send(int sock, const struct priv_msg *m);

/*
 * Receive one message.  1: a valid message in *m (m->fd is the descriptor
 * it carried, owned by the caller), 0: end of file (the peer is gone),
 * -1: nothing waiting on a non-blocking socket, -2: malformed (reason in
 * *why; any descriptor is closed).  Checks only the form; whether a type
 * may come from this peer is the caller's question.
 */
int priv_recv(int sock, struct priv_msg *m, const char **why);

/*
 * Read a file the way the parent must: never blocking (O_NONBLOCK, so a
 * FIFO or a device put in its place cannot hang the daemon), a regular
 * file only, at most PRIV_FILE_MAX bytes.  Returns a malloc'd,
 * NUL-terminated copy (length in *len) or NULL with "path: why" in err.
 */
char *priv_read_file(const char *path, size_t *len, char *err,
		     size_t errlen);

struct strlist;

/* The whole daemon: the parent's side.  Returns the exit code. */
/* Room for any message about the configuration: a quoted value of up to
 * CONF_STRING_MAX bytes, a path and libpcap's words; never cut short. */
#define PRIV_ERR_MAX	8192

struct priv_options {
	const char *config_path;	/* absolute, or NULL: defaults */
	/* -r: the files, in order (read_file: the first; NULL: live). */
	const char *read_file;
	const char *const *read_files;
	size_t nread_files;
	bool quiet;			/* -q */
	bool stats;			/* --stats */
	const struct strlist *ifaces;	/* -i, each; NULL or empty: the
					 * configuration's Interface */
	const char *filter;		/* -f */
	bool foreground;		/* -F */
	bool json;			/* --json */
	bool mail;			/* --mail */
	bool json_log;			/* --json-log: JsonLog with -r too */
	bool syslog;			/* --syslog: syslog with -F, -r too */
	const char *version;
};

struct config;

/* Read, parse and check the configuration the way the parent does on
 * SIGHUP too: never blocking, relative paths made absolute, the
 * SignatureFile read and checked.  NULL path: the defaults.  NULL with
 * "file:line: why" in err on failure. */
struct config *priv_load_config(const char *path, char *err, size_t errlen);

/*
 * scandetd -t: check what start needs beyond the syntax (the user, the
 * directories and files it will create or read, the interface and the
 * capture filter compiled for its link type, MailCommand), without
 * creating anything.  Each problem goes to out as "scandetd:
 * file:line: Option: reason"; returns how many there were.
 */
unsigned priv_check(const struct config *cfg, const struct priv_options *o,
		    FILE *out);

/* Takes cfg over. */
int priv_main(const struct priv_options *o, struct config *cfg);

#endif
