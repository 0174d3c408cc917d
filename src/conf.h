/*
 * conf.h - the configuration file.
 *
 * Line-based, the original scandetd's syntax: "Option value...", '#'
 * comments, option names case-insensitive, values separated by blanks (the
 * original also accepted '='), double-quoted values may hold spaces.
 * Unknown options and bad values are errors naming file and line.
 */
#ifndef SCANDETD_CONF_H
#define SCANDETD_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rule.h"
#include "siphash.h"

/* A set of ports, one bit each: O(1) membership on the packet path. */
struct portset {
	uint64_t bits[65536 / 64];
};

static inline bool portset_has(const struct portset *s, uint16_t port)
{
	return (s->bits[port >> 6] >> (port & 63)) & 1;
}

/* MailTLS: how the mailer talks to SMTPrelay. */
enum mail_tls {
	MAIL_TLS_NONE = 0,		/* plain SMTP (a local relay) */
	MAIL_TLS_STARTTLS = 1,		/* SMTP, then STARTTLS, required */
	MAIL_TLS_TLS = 2,		/* TLS from the first byte (smtps) */
};

/* Most RcptTo lines in one file. */
#define CONF_MAX_RCPT	64

/* A list of strings that grows by one per line (RcptTo). */
struct strlist {
	char **v;
	size_t n;
};

/* Options that exist once for TCP and once for UDP. */
enum { CONF_TCP = 0, CONF_UDP = 1, CONF_NPROTO = 2 };

struct proto_conf {
	bool log_connections;		/* LogConnections / UdpLogConnections */
	bool log_scans;			/* LogScans / UdpLogScans */
	bool send_email;		/* SendEmail / UdpSendEmail */
	struct portset log_ignore_ports;	/* PortLogIgnore / UdpPortLogIgnore */
	struct portset scan_ignore_ports;	/* PortScanIgnore / UdpPortScanIgnore */
	struct rule_list log_ignore_hosts;	/* HostLogIgnore / UdpHostLogIgnore */
	struct rule_list scan_ignore_hosts;	/* HostScanIgnore / UdpHostScanIgnore */
};

/* DetectionMethod */
enum detect_method {
	METHOD_TRW,			/* replies, sequential testing, signatures */
	METHOD_CLASSIC,			/* the original's rapid-probe counter */
};

/* JsonFormat: the shape of JSON events (--json, JsonLog). */
enum json_format {
	JSON_DEFAULT,			/* scandetd's own */
	JSON_ECS,			/* Elastic Common Schema documents */
};

/* AlertLimit: at most count alerts per seconds to the log sinks. */
struct alert_limit {
	unsigned count;			/* 0: no limit */
	unsigned seconds;		/* the interval, >= 1 */
};

/* Most options a configuration has (conf.c checks). */
#define CONF_OPTIONS_MAX	96

struct config {
	char *path;			/* file it was read from, or NULL */
	/* The line that last set each option (in the order of conf.c's
	 * table), 0 when it kept its default: for conf_where(). */
	unsigned option_line[CONF_OPTIONS_MAX];

	struct proto_conf proto[CONF_NPROTO];
	/* IgnoreHost: rules that every *HostLogIgnore and *HostScanIgnore
	 * list holds too, and that OS-probe detection obeys. */
	struct rule_list ignore_hosts;

	/* connection logging */
	struct portset log_ports;	/* LogPorts: when given, only these
					 * ports are logged, TCP and UDP */
	bool log_ports_given;		/* some LogPorts line was read */
	bool log_details;		/* LogDetails */
	bool dns_resolve;		/* DNSResolve */
	bool port_resolve;		/* PortResolve */

	/* scan detection */
	unsigned count_threshold;	/* CountThreshold (>= 1) */
	bool flood_detection;		/* FloodDetection */

	/* OS probes */
	bool log_osfp;			/* LogOSFP */
	bool osfp_send_mail;		/* OSFPSendMail; default: yes when
					 * conf_mail_configured() */

	/* email (SPEC "Email") */
	char *mail_from;		/* MailFrom */
	struct strlist rcpt_to;		/* RcptTo, one per line; the default
					 * root@localhost only if none given */
	char *mail_subject;		/* MailSubject: %p %s %d %% */
	char *smtp_relay;		/* SMTPrelay: IPv4, IPv6 or host name */
	unsigned mail_port;		/* MailPort 1..65535 */
	char *hello_msg;		/* HelloMsg */
	enum mail_tls mail_tls;		/* MailTLS */
	char *mail_ca_file;		/* MailCAFile, NULL: the system's CAs */
	char *mail_user;		/* MailUser, NULL: no AUTH */
	char *mail_password_file;	/* MailPasswordFile (path only) */
	unsigned mail_rate_limit;	/* MailRateLimit, messages a minute */
	char *mail_command;		/* MailCommand, NULL: SMTP */

	/* daemon */
	char *run_as_user;		/* RunAsUser */
	int syslog_facility;		/* SyslogFacility, a LOG_ value */
	char *pid_file;			/* PidFile */
	bool sandbox_required;		/* SandboxRequired: refuse to start
					 * without seccomp and Landlock */
	struct alert_limit alert_limit;	/* AlertLimit */

	/* new in this version */
	struct strlist interfaces;	/* Interface: names to capture on;
					 * none: "any" (-i replaces it) */
	char *capture_filter;		/* CaptureFilter, NULL: none */
	char *json_log;			/* JsonLog, NULL: none */
	enum json_format json_format;	/* JsonFormat */
	char *metrics_listen;		/* MetricsListen, NULL: none */
	/* --hash-key: the tables' key, fixed (tests, benchmarks: the same
	 * input then fills the tables alike on every run); not from the
	 * file.  Otherwise a random key per run. */
	bool hash_key_fixed;
	struct sipkey hash_key;
	unsigned source_table_size;	/* SourceTableSize */
	unsigned flow_table_size;	/* FlowTableSize */

	/* detection (DetectionMethod trw) */
	int detection_method;		/* DetectionMethod, enum detect_method */
	double trw_theta0;		/* TrwTheta0: success rate of benign sources */
	double trw_theta1;		/* TrwTheta1: success rate of scanners */
	double trw_pd;			/* TrwPD: wanted detection probability */
	double trw_pf;			/* TrwPF: tolerated false-positive probability */
	unsigned contact_timeout;	/* ContactTimeout, seconds */
	unsigned slow_window;		/* SlowWindow, seconds */
	unsigned slow_threshold;	/* SlowThreshold: distinct failed contacts */
	unsigned flood_threshold;	/* FloodThreshold: attempts on one port */
	char *signature_file;		/* SignatureFile, NULL: built-in */
	unsigned frag_table_size;	/* FragTableSize */
	unsigned workers;		/* Workers (or --workers): threads
					 * that classify packets (workers.h) */
};

/* Fill cfg with the defaults (no file read). */
void conf_defaults(struct config *cfg);

/*
 * Read path into a fresh cfg (defaults first, then the file).  On error
 * returns false, leaves cfg freed, and writes "path:line: what is wrong"
 * (or "path: why it cannot be read") into err.
 */
bool conf_load(const char *path, struct config *cfg, char *err, size_t errlen);

/* Same, from a string in memory; name stands in for the path in errors.
 * Used by tests and by the fuzzer. */
bool conf_load_string(const char *name, const char *text, struct config *cfg,
		      char *err, size_t errlen);

/* Print the configuration the way -s and -v show it: every option with
 * its value, in the file's own syntax, so the output is a valid file. */
void conf_print(const struct config *cfg, FILE *out);

void conf_free(struct config *cfg);

/*
 * Interface names from text ("eth0 eth1", "eth0,eth1": blanks and commas
 * separate), appended to l: the Interface option and -i share it.
 * False with the reason in err (without file, line or option), l then
 * holding the names before the bad one: a name Linux would refuse, one
 * holding '"' or '\\', one given twice, "any" beside others, more than
 * MAX_INTERFACES, or no name at all.
 */
bool conf_interfaces_add(struct strlist *l, const char *text, char *err,
			 size_t errlen);
void conf_strlist_free(struct strlist *l);

/*
 * Where an option of cfg was set, to begin a message about its value:
 * "/etc/scandetd.conf:12: JsonLog" when a line of the file set it, else
 * "JsonLog" (a default).  Returns buf.
 */
const char *conf_where(const struct config *cfg, const char *option,
		       char *buf, size_t len);

/*
 * Whether a packet of proto (CONF_TCP or CONF_UDP) between these
 * endpoints is left out of scan detection: the protocol's PortScanIgnore
 * and HostScanIgnore, or IgnoreHost.
 */
static inline bool conf_scan_ignored(const struct config *cfg, int proto,
				     const struct ipaddr *src, uint16_t sport,
				     const struct ipaddr *dst, uint16_t dport)
{
	/* Inline: asked of every probe and every outcome, up to three
	 * times a packet, and with no rules it is three loads. */
	const struct proto_conf *pc = &cfg->proto[proto];

	return portset_has(&pc->scan_ignore_ports, dport) ||
	       rule_list_match(&pc->scan_ignore_hosts, src, sport, dst,
			       dport) ||
	       rule_list_match(&cfg->ignore_hosts, src, sport, dst, dport);
}

/*
 * Whether a connection is left out of connection logging: a port outside
 * LogPorts (when given), the protocol's PortLogIgnore or HostLogIgnore,
 * or IgnoreHost.
 */
bool conf_log_ignored(const struct config *cfg, int proto,
		      const struct ipaddr *src, uint16_t sport,
		      const struct ipaddr *dst, uint16_t dport);

/*
 * Whether the file asks for mail: a RcptTo, SMTPrelay or MailCommand
 * line, or SendEmail / UdpSendEmail yes.  Without that, OSFPSendMail
 * (whose default is yes, as in the original) defaults to no: a file that
 * says nothing of mail mails nobody.
 */
bool conf_mail_configured(const struct config *cfg);

/* Name of a syslog facility value ("daemon", "local2"), for conf_print. */
const char *conf_facility_name(int facility);

/* "default" or "ecs". */
const char *conf_json_format_name(enum json_format f);

/* "none", "starttls" or "tls". */
const char *conf_mail_tls_name(enum mail_tls t);

#endif
