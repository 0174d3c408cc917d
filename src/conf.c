/*
 * conf.c - the configuration file.
 *
 * One line is one option: "Name value", "Name=value" or "Name = value".
 * Names are matched case-insensitively against a table that also drives
 * conf_print, so every option that can be read is printed, in the same
 * syntax, and -s output re-reads to the same configuration.
 *
 * Values: a double-quoted value runs to the next '"' (no escapes, as in
 * the original) and may be followed only by blanks and a comment.  An
 * unquoted value runs to the end of the line or to a '#' that starts the
 * value or follows a blank; trailing blanks are dropped; a '"' in it is
 * an error (a stray quote), so no value ever holds one.
 *
 * The first error stops the parse; the message is "file:line: what".
 */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "addr.h"
#include "metrics.h"
#include "params.h"
#include "resolve.h"

/* Longest string value (addresses, subject, paths, BPF filter). */
#define CONF_STRING_MAX	1024

/* Longest piece of user text quoted back in an error message. */
#define EXCERPT_MAX	64

/* Longest AlertLimit interval: a day. */
#define CONF_INTERVAL_MAX 86400

/* Port ranges per printed line of a port-list option. */
#define PORTS_PER_LINE	10

/* Longest option name, with room for the typos compared with it. */
#define OPTION_NAME_MAX	32

/* Most edits between an unknown name and the option it suggests. */
#define SUGGEST_EDITS_MAX 3

enum opt_type {
	OPT_BOOL,
	OPT_NUMBER,		/* unsigned, decimal, min..max */
	OPT_WORD,		/* string without blanks */
	OPT_TEXT,		/* string, blanks allowed */
	OPT_OPTIONAL_TEXT,	/* string, "" means none (NULL) */
	OPT_PORTS,		/* struct portset, accumulates */
	OPT_ALLOW_PORTS,	/* OPT_PORTS where none means every port */
	OPT_RULES,		/* struct rule_list, accumulates */
	OPT_FACILITY,		/* int, a LOG_ value */
	OPT_METHOD,		/* int, enum detect_method */
	OPT_PROBABILITY,	/* double, strictly between 0 and 1 */
	OPT_ADDRESS_LIST,	/* struct strlist of single words, accumulates */
	OPT_SUBJECT,		/* OPT_TEXT with only %p %s %d %% */
	OPT_HOST,		/* IPv4, IPv6 or host name */
	OPT_COMMAND,		/* OPT_OPTIONAL_TEXT starting with '/' */
	OPT_AUTH,		/* OPT_OPTIONAL_TEXT, MailUser and its password */
	OPT_MAIL_TLS,		/* enum mail_tls */
	OPT_LIMIT,		/* struct alert_limit: count (min..max) and
				 * seconds (1..CONF_INTERVAL_MAX) */
	OPT_JSON_FORMAT,	/* enum json_format */
	OPT_LISTEN,		/* OPT_OPTIONAL_TEXT: PORT or ADDRESS:PORT */
	OPT_INTERFACES,		/* struct strlist of interface names,
				 * accumulates */
};

struct option {
	const char *name;
	enum opt_type type;
	size_t offset;		/* of the field in struct config */
	unsigned long min, max;	/* OPT_NUMBER only */
};

#define FIELD(f)	offsetof(struct config, f)
#define TCP(f)		FIELD(proto[CONF_TCP].f)
#define UDP(f)		FIELD(proto[CONF_UDP].f)

/* In the order of the original's sample file; new options last. */
static const struct option options[] = {
	{ "RunAsUser",		OPT_WORD,	FIELD(run_as_user), 0, 0 },
	{ "SyslogFacility",	OPT_FACILITY,	FIELD(syslog_facility), 0, 0 },
	{ "DNSResolve",		OPT_BOOL,	FIELD(dns_resolve), 0, 0 },
	{ "PortResolve",	OPT_BOOL,	FIELD(port_resolve), 0, 0 },
	{ "LogDetails",		OPT_BOOL,	FIELD(log_details), 0, 0 },
	{ "LogConnections",	OPT_BOOL,	TCP(log_connections), 0, 0 },
	{ "PortLogIgnore",	OPT_PORTS,	TCP(log_ignore_ports), 0, 0 },
	{ "HostLogIgnore",	OPT_RULES,	TCP(log_ignore_hosts), 0, 0 },
	{ "UdpLogConnections",	OPT_BOOL,	UDP(log_connections), 0, 0 },
	{ "UdpPortLogIgnore",	OPT_PORTS,	UDP(log_ignore_ports), 0, 0 },
	{ "UdpHostLogIgnore",	OPT_RULES,	UDP(log_ignore_hosts), 0, 0 },
	/* new: what admins mean, beside the original's per-protocol lists */
	{ "LogPorts",		OPT_ALLOW_PORTS, FIELD(log_ports), 0, 0 },
	{ "IgnoreHost",		OPT_RULES,	FIELD(ignore_hosts), 0, 0 },
	{ "LogOSFP",		OPT_BOOL,	FIELD(log_osfp), 0, 0 },
	{ "OSFPSendMail",	OPT_BOOL,	FIELD(osfp_send_mail), 0, 0 },
	{ "FloodDetection",	OPT_BOOL,	FIELD(flood_detection), 0, 0 },
	{ "PortScanIgnore",	OPT_PORTS,	TCP(scan_ignore_ports), 0, 0 },
	{ "UdpPortScanIgnore",	OPT_PORTS,	UDP(scan_ignore_ports), 0, 0 },
	{ "HostScanIgnore",	OPT_RULES,	TCP(scan_ignore_hosts), 0, 0 },
	{ "UdpHostScanIgnore",	OPT_RULES,	UDP(scan_ignore_hosts), 0, 0 },
	{ "CountThreshold",	OPT_NUMBER,	FIELD(count_threshold),
	  1, 1000000 },
	{ "LogScans",		OPT_BOOL,	TCP(log_scans), 0, 0 },
	{ "UdpLogScans",	OPT_BOOL,	UDP(log_scans), 0, 0 },
	{ "SendEmail",		OPT_BOOL,	TCP(send_email), 0, 0 },
	{ "UdpSendEmail",	OPT_BOOL,	UDP(send_email), 0, 0 },
	{ "MailFrom",		OPT_WORD,	FIELD(mail_from), 0, 0 },
	{ "RcptTo",		OPT_ADDRESS_LIST, FIELD(rcpt_to), 0, 0 },
	{ "MailSubject",	OPT_SUBJECT,	FIELD(mail_subject), 0, 0 },
	{ "SMTPrelay",		OPT_HOST,	FIELD(smtp_relay), 0, 0 },
	{ "MailPort",		OPT_NUMBER,	FIELD(mail_port), 1, 65535 },
	{ "HelloMsg",		OPT_WORD,	FIELD(hello_msg), 0, 0 },
	/* new mail options, next to the original's */
	{ "MailTLS",		OPT_MAIL_TLS,	FIELD(mail_tls), 0, 0 },
	{ "MailCAFile",		OPT_OPTIONAL_TEXT, FIELD(mail_ca_file), 0, 0 },
	{ "MailUser",		OPT_AUTH,	FIELD(mail_user), 0, 0 },
	{ "MailPasswordFile",	OPT_AUTH,	FIELD(mail_password_file), 0, 0 },
	{ "MailRateLimit",	OPT_NUMBER,	FIELD(mail_rate_limit), 1, 1000 },
	{ "MailCommand",	OPT_COMMAND,	FIELD(mail_command), 0, 0 },
	{ "PidFile",		OPT_OPTIONAL_TEXT, FIELD(pid_file), 0, 0 },
	{ "SandboxRequired",	OPT_BOOL,	FIELD(sandbox_required), 0, 0 },
	{ "AlertLimit",		OPT_LIMIT,	FIELD(alert_limit), 0, 1000000 },
	{ "Interface",		OPT_INTERFACES,	FIELD(interfaces), 0, 0 },
	{ "CaptureFilter",	OPT_OPTIONAL_TEXT, FIELD(capture_filter), 0, 0 },
	{ "JsonLog",		OPT_OPTIONAL_TEXT, FIELD(json_log), 0, 0 },
	{ "JsonFormat",		OPT_JSON_FORMAT, FIELD(json_format), 0, 0 },
	{ "SourceTableSize",	OPT_NUMBER,	FIELD(source_table_size),
	  64, 16777216 },
	{ "FlowTableSize",	OPT_NUMBER,	FIELD(flow_table_size),
	  64, 67108864 },
	{ "DetectionMethod",	OPT_METHOD,	FIELD(detection_method), 0, 0 },
	{ "TrwTheta0",		OPT_PROBABILITY, FIELD(trw_theta0), 0, 0 },
	{ "TrwTheta1",		OPT_PROBABILITY, FIELD(trw_theta1), 0, 0 },
	{ "TrwPD",		OPT_PROBABILITY, FIELD(trw_pd), 0, 0 },
	{ "TrwPF",		OPT_PROBABILITY, FIELD(trw_pf), 0, 0 },
	{ "ContactTimeout",	OPT_NUMBER,	FIELD(contact_timeout), 1, 3600 },
	{ "SlowWindow",		OPT_NUMBER,	FIELD(slow_window), 60, 604800 },
	{ "SlowThreshold",	OPT_NUMBER,	FIELD(slow_threshold), 2, 1000000 },
	{ "FloodThreshold",	OPT_NUMBER,	FIELD(flood_threshold),
	  2, 100000000 },
	{ "SignatureFile",	OPT_OPTIONAL_TEXT, FIELD(signature_file), 0, 0 },
	{ "FragTableSize",	OPT_NUMBER,	FIELD(frag_table_size),
	  64, 16777216 },
	{ "MetricsListen",	OPT_LISTEN,	FIELD(metrics_listen), 0, 0 },
	{ "Workers",		OPT_NUMBER,	FIELD(workers), 1, WORKERS_MAX },
};

#define NOPTIONS (sizeof options / sizeof options[0])
_Static_assert(NOPTIONS <= CONF_OPTIONS_MAX, "CONF_OPTIONS_MAX too small");

static const struct {
	const char *name;
	int value;
} facilities[] = {
	{ "kern", LOG_KERN }, { "user", LOG_USER }, { "mail", LOG_MAIL },
	{ "daemon", LOG_DAEMON }, { "auth", LOG_AUTH },
	{ "syslog", LOG_SYSLOG }, { "lpr", LOG_LPR }, { "news", LOG_NEWS },
	{ "uucp", LOG_UUCP }, { "cron", LOG_CRON },
	{ "authpriv", LOG_AUTHPRIV }, { "ftp", LOG_FTP },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

#define NFACILITIES (sizeof facilities / sizeof facilities[0])

static const char *const mail_tls_names[] = {
	[MAIL_TLS_NONE] = "none",
	[MAIL_TLS_STARTTLS] = "starttls",
	[MAIL_TLS_TLS] = "tls",
};

#define NMAIL_TLS (sizeof mail_tls_names / sizeof mail_tls_names[0])

static const char *const json_format_names[] = {
	[JSON_DEFAULT] = "default",
	[JSON_ECS] = "ecs",
};

#define NJSON_FORMATS (sizeof json_format_names / sizeof json_format_names[0])

#define DEFAULT_RCPT_TO		"root@localhost"
#define DEFAULT_MAIL_RATE_LIMIT	5

/* The line that set option (0: it kept its default). */
static unsigned line_of(const struct config *cfg, const char *option)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strcasecmp(options[i].name, option) == 0)
			return cfg->option_line[i];
	return 0;
}

bool conf_mail_configured(const struct config *cfg)
{
	return line_of(cfg, "RcptTo") || line_of(cfg, "SMTPrelay") ||
	       (cfg->mail_command && cfg->mail_command[0]) ||
	       cfg->proto[CONF_TCP].send_email ||
	       cfg->proto[CONF_UDP].send_email;
}

/*
 * OSFPSendMail's default is the original's yes only where the file asks
 * for mail at all: a file that says nothing of mail (the shipped one, or
 * none) must not send the first OS probe to root@localhost through
 * 127.0.0.1:25, a relay nobody set up.
 */
static void default_osfp_mail(struct config *cfg)
{
	if (!line_of(cfg, "OSFPSendMail"))
		cfg->osfp_send_mail = conf_mail_configured(cfg);
}

const char *conf_where(const struct config *cfg, const char *option,
		       char *buf, size_t len)
{
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (strcasecmp(options[i].name, option) != 0)
			continue;
		if (cfg->option_line[i] && cfg->path) {
			snprintf(buf, len, "%s:%u: %s", cfg->path,
				 cfg->option_line[i], options[i].name);
			return buf;
		}
		break;
	}
	snprintf(buf, len, "%s", option);
	return buf;
}

const char *conf_facility_name(int facility)
{
	size_t i;

	for (i = 0; i < NFACILITIES; i++)
		if (facilities[i].value == facility)
			return facilities[i].name;
	return "unknown";
}

/* ---- small helpers -------------------------------------------------- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *skip_blanks(char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

/* s as a C string for a message, cut with "..." when long. */
static const char *excerpt(const char *s, char buf[EXCERPT_MAX + 4])
{
	size_t len = strnlen(s, EXCERPT_MAX + 1);

	if (len > EXCERPT_MAX) {
		memcpy(buf, s, EXCERPT_MAX);
		memcpy(buf + EXCERPT_MAX, "...", 4);
	} else {
		memcpy(buf, s, len + 1);
	}
	return buf;
}

static void *field(struct config *cfg, const struct option *opt)
{
	return (char *)cfg + opt->offset;
}

static const void *cfield(const struct config *cfg, const struct option *opt)
{
	return (const char *)cfg + opt->offset;
}

static const struct option *find_option(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++)
		if (strncasecmp(options[i].name, name, len) == 0 &&
		    options[i].name[len] == '\0')
			return &options[i];
	return NULL;
}

/*
 * Edits (insert, delete, change one letter, swap two neighbours) that
 * turn a into b, case-insensitively: the optimal string alignment
 * distance, three rows of the table at a time.  Both shorter than
 * OPTION_NAME_MAX.
 */
static size_t edit_distance(const char *a, size_t alen, const char *b,
			    size_t blen)
{
	size_t rows[3][OPTION_NAME_MAX + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2], *t;

	for (size_t j = 0; j <= blen; j++)
		prev[j] = j;
	for (size_t i = 1; i <= alen; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= blen; j++) {
			int ca = tolower((unsigned char)a[i - 1]);
			int cb = tolower((unsigned char)b[j - 1]);
			size_t best = prev[j - 1] + (ca != cb);

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 && ca ==
			    tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == cb &&
			    prev2[j - 2] + 1 < best)
				best = prev2[j - 2] + 1;
			cur[j] = best;
		}
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[blen];
}

/* The option an unknown name most likely meant (the first of the
 * nearest), or NULL when none is close: one edit for a name of up to 4
 * letters, two up to 9, SUGGEST_EDITS_MAX beyond ("LogScan" is
 * LogScans, "Bogus" is nothing). */
static const struct option *nearest_option(const char *name, size_t len)
{
	size_t max = 1 + len / 5, best_edits;
	const struct option *best = NULL;

	if (max > SUGGEST_EDITS_MAX)
		max = SUGGEST_EDITS_MAX;
	if (len == 0 || len >= OPTION_NAME_MAX)
		return NULL;
	best_edits = max + 1;
	for (size_t i = 0; i < NOPTIONS; i++) {
		size_t olen = strlen(options[i].name), edits;

		if (olen >= OPTION_NAME_MAX || olen + max < len ||
		    len + max < olen)
			continue;
		edits = edit_distance(name, len, options[i].name, olen);
		if (edits < best_edits) {
			best = &options[i];
			best_edits = edits;
		}
	}
	return best;
}

/* ---- defaults and freeing --------------------------------------------- */

static bool strlist_add(struct strlist *l, const char *s)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof *v);

	if (!v)
		return false;
	l->v = v;
	if (!(v[l->n] = strdup(s)))
		return false;
	l->n++;
	return true;
}

void conf_strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static bool set_default_strings(struct config *cfg)
{
	bool rcpt = strlist_add(&cfg->rcpt_to, DEFAULT_RCPT_TO);

	cfg->mail_from = strdup("scandetd@localhost");
	cfg->mail_subject = strdup("%p scan from %s");
	cfg->smtp_relay = strdup("127.0.0.1");
	cfg->hello_msg = strdup("localhost");
	cfg->run_as_user = strdup(DEFAULT_RUN_AS_USER);
	cfg->pid_file = strdup(DEFAULT_PID_FILE);
	return cfg->mail_from && rcpt && cfg->mail_subject &&
	       cfg->smtp_relay && cfg->hello_msg && cfg->run_as_user &&
	       cfg->pid_file;
}

/* As conf_defaults; false when out of memory (some strings are NULL). */
static bool set_defaults(struct config *cfg)
{
	int proto;

	memset(cfg, 0, sizeof *cfg);
	for (proto = 0; proto < CONF_NPROTO; proto++)
		cfg->proto[proto].log_scans = true;
	cfg->count_threshold = DEFAULT_COUNT_THRESHOLD;
	cfg->flood_detection = true;
	cfg->log_osfp = true;
	cfg->osfp_send_mail = true;	/* if mail is configured: see
					 * default_osfp_mail() */
	cfg->mail_port = 25;
	cfg->mail_tls = MAIL_TLS_NONE;
	cfg->mail_rate_limit = DEFAULT_MAIL_RATE_LIMIT;
	cfg->syslog_facility = LOG_DAEMON;
	cfg->source_table_size = DEFAULT_SOURCE_TABLE_SIZE;
	cfg->flow_table_size = DEFAULT_FLOW_TABLE_SIZE;
	cfg->detection_method = METHOD_TRW;
	cfg->trw_theta0 = DEFAULT_TRW_THETA0;
	cfg->trw_theta1 = DEFAULT_TRW_THETA1;
	cfg->trw_pd = DEFAULT_TRW_PD;
	cfg->trw_pf = DEFAULT_TRW_PF;
	cfg->contact_timeout = DEFAULT_CONTACT_TIMEOUT;
	cfg->slow_window = DEFAULT_SLOW_WINDOW;
	cfg->slow_threshold = DEFAULT_SLOW_THRESHOLD;
	cfg->flood_threshold = DEFAULT_FLOOD_THRESHOLD;
	cfg->frag_table_size = DEFAULT_FRAG_TABLE_SIZE;
	cfg->workers = 1;
	cfg->alert_limit.count = DEFAULT_ALERT_LIMIT;
	cfg->alert_limit.seconds = DEFAULT_ALERT_INTERVAL;
	return set_default_strings(cfg);
}

void conf_defaults(struct config *cfg)
{
	(void)set_defaults(cfg);
	default_osfp_mail(cfg);
}

void conf_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++) {
		const struct option *opt = &options[i];

		switch (opt->type) {
		case OPT_WORD:
		case OPT_TEXT:
		case OPT_OPTIONAL_TEXT:
		case OPT_SUBJECT:
		case OPT_HOST:
		case OPT_COMMAND:
		case OPT_AUTH:
		case OPT_LISTEN:
			free(*(char **)field(cfg, opt));
			break;
		case OPT_RULES:
			rule_list_free(field(cfg, opt));
			break;
		case OPT_ADDRESS_LIST:
		case OPT_INTERFACES:
			conf_strlist_free(field(cfg, opt));
			break;
		default:
			break;
		}
	}
	free(cfg->path);
	/* Zeroed, so that a second conf_free or a conf_print is harmless. */
	memset(cfg, 0, sizeof *cfg);
}

/* ---- the parser ------------------------------------------------------- */

struct parser {
	const char *name;	/* file name for messages */
	unsigned long line;
	struct config *cfg;
	char *err;
	size_t errlen;
	unsigned long trw_line;	/* last line that set a Trw* option */
	bool rcpt_given;	/* a RcptTo line replaced the default */
	unsigned long auth_line; /* last line that set MailUser or
				  * MailPasswordFile */
};

static void parse_error(struct parser *p, const struct option *opt,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "name:line: " and, for an option's value, "Option: ", then the message. */
static void parse_error(struct parser *p, const struct option *opt,
			const char *fmt, ...)
{
	va_list ap;
	int used;

	if (p->errlen == 0)
		return;
	used = snprintf(p->err, p->errlen, "%s:%lu: %s%s", p->name, p->line,
			opt ? opt->name : "", opt ? ": " : "");
	if (used < 0 || (size_t)used >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + used, p->errlen - (size_t)used, fmt, ap);
	va_end(ap);
}

static bool set_bool(struct parser *p, const struct option *opt,
		     const char *value)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	bool *b = field(p->cfg, opt);
	char ex[EXCERPT_MAX + 4];
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*b = true;
			return true;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*b = false;
			return true;
		}
	}
	parse_error(p, opt, "\"%s\" is not yes or no", excerpt(value, ex));
	return false;
}

/* A decimal number in min..max from text, else a message and false. */
static bool parse_unsigned(struct parser *p, const struct option *opt,
			   const char *text, unsigned long min,
			   unsigned long max, unsigned *out)
{
	unsigned long v = 0;
	bool overflow = false;
	char ex[EXCERPT_MAX + 4];
	const char *s;

	for (s = text; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (ULONG_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	if (s == text || *s != '\0') {
		parse_error(p, opt, "\"%s\" is not a number",
			    excerpt(text, ex));
		return false;
	}
	if (overflow || v < min || v > max) {
		parse_error(p, opt, "%s is out of range (%lu..%lu)",
			    excerpt(text, ex), min, max);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static bool set_number(struct parser *p, const struct option *opt,
		       const char *value)
{
	return parse_unsigned(p, opt, value, opt->min, opt->max,
			      field(p->cfg, opt));
}

/* "COUNT SECONDS": two numbers separated by blanks. */
static bool set_limit(struct parser *p, const struct option *opt,
		      const char *value)
{
	struct alert_limit *l = field(p->cfg, opt);
	char buf[CONF_LINE_MAX + 1], *count, *seconds, *end;
	char ex[EXCERPT_MAX + 4];
	unsigned c, sec;

	snprintf(buf, sizeof buf, "%s", value);
	count = skip_blanks(buf);
	for (end = count; *end && !is_blank(*end); end++)
		;
	seconds = skip_blanks(end);
	*end = '\0';
	for (end = seconds; *end && !is_blank(*end); end++)
		;
	if (*count == '\0' || *seconds == '\0' || *skip_blanks(end) != '\0') {
		parse_error(p, opt, "\"%s\" is not a count and an interval in "
			    "seconds, like \"AlertLimit 120 60\"",
			    excerpt(value, ex));
		return false;
	}
	*end = '\0';
	if (!parse_unsigned(p, opt, count, opt->min, opt->max, &c) ||
	    !parse_unsigned(p, opt, seconds, 1, CONF_INTERVAL_MAX, &sec))
		return false;
	l->count = c;
	l->seconds = sec;
	return true;
}

static bool set_string(struct parser *p, const struct option *opt,
		       const char *value)
{
	char **slot = field(p->cfg, opt);
	char ex[EXCERPT_MAX + 4];
	char *copy = NULL;

	if (strlen(value) > CONF_STRING_MAX) {
		parse_error(p, opt, "value longer than %d characters",
			    CONF_STRING_MAX);
		return false;
	}
	if (*value == '\0' && opt->type != OPT_OPTIONAL_TEXT &&
	    opt->type != OPT_LISTEN && opt->type != OPT_COMMAND &&
	    opt->type != OPT_AUTH) {
		parse_error(p, opt, "empty value");
		return false;
	}
	if (opt->type == OPT_WORD && strpbrk(value, " \t")) {
		parse_error(p, opt, "\"%s\" must be a single word",
			    excerpt(value, ex));
		return false;
	}
	if (*value != '\0' && !(copy = strdup(value))) {
		parse_error(p, opt, "out of memory");
		return false;
	}
	free(*slot);
	*slot = copy;		/* NULL for an empty optional value */
	return true;
}

static bool is_list_separator(char c)
{
	return is_blank(c) || c == ',';
}

static bool portset_any(const struct portset *set)
{
	for (size_t i = 0; i < sizeof set->bits / sizeof set->bits[0]; i++)
		if (set->bits[i])
			return true;
	return false;
}

static void portset_add(struct portset *set, const struct port_range *r)
{
	unsigned port;

	for (port = r->lo; port <= r->hi; port++)
		set->bits[port >> 6] |= UINT64_C(1) << (port & 63);
}

/* "80 110", "80,110", "6000-6010": blanks and commas both separate. */
static bool add_ports(struct parser *p, const struct option *opt,
		      const char *value)
{
	struct portset *set = field(p->cfg, opt);
	const char *s = value;
	char msg[256];
	size_t count = 0;

	for (;;) {
		const char *start;
		struct port_range r;

		while (is_list_separator(*s))
			s++;
		if (*s == '\0')
			break;
		for (start = s; *s && !is_list_separator(*s); s++)
			;
		if (!port_range_parse(start, (size_t)(s - start), &r, msg,
				      sizeof msg)) {
			parse_error(p, opt, "%s", msg);
			return false;
		}
		portset_add(set, &r);
		count++;
	}
	if (count == 0) {
		parse_error(p, opt, "no port given");
		return false;
	}
	return true;
}

static bool add_rule(struct parser *p, const struct option *opt,
		     const char *value)
{
	char msg[512];

	if (!rule_parse(value, field(p->cfg, opt), msg, sizeof msg)) {
		parse_error(p, opt, "%s", msg);
		return false;
	}
	return true;
}

/* "kern, user, ..., local7": every name a facility may have. */
static void facility_names(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NFACILITIES && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? ", " : "", facilities[i].name);
}

/* "local3", or openlog(3)'s "LOG_LOCAL3", in any case. */
static bool set_facility(struct parser *p, const struct option *opt,
			 const char *value)
{
	char ex[EXCERPT_MAX + 4], names[256];
	const char *name = value;
	size_t i;

	if (strncasecmp(name, "LOG_", 4) == 0)
		name += 4;
	for (i = 0; i < NFACILITIES; i++) {
		if (strcasecmp(name, facilities[i].name) == 0) {
			*(int *)field(p->cfg, opt) = facilities[i].value;
			return true;
		}
	}
	facility_names(names, sizeof names);
	parse_error(p, opt, "unknown facility \"%s\" (one of %s)",
		    excerpt(value, ex), names);
	return false;
}

static bool set_method(struct parser *p, const struct option *opt,
		       const char *value)
{
	char ex[EXCERPT_MAX + 4];
	int *f = field(p->cfg, opt);

	if (strcasecmp(value, "trw") == 0)
		*f = METHOD_TRW;
	else if (strcasecmp(value, "classic") == 0)
		*f = METHOD_CLASSIC;
	else {
		parse_error(p, opt, "\"%s\" is not a method (trw or classic)",
			    excerpt(value, ex));
		return false;
	}
	return true;
}

/* A decimal strictly between 0 and 1, like 0.8 or .01. */
static bool set_probability(struct parser *p, const struct option *opt,
			    const char *value)
{
	char ex[EXCERPT_MAX + 4];
	char *end;
	double v;

	errno = 0;
	v = strtod(value, &end);
	if (!*value || *end || errno || !(v > 0.0 && v < 1.0) ||
	    strspn(value, "0123456789.eE+-") != strlen(value)) {
		parse_error(p, opt, "\"%s\" is not a probability between 0 "
			    "and 1 (exclusive)", excerpt(value, ex));
		return false;
	}
	*(double *)field(p->cfg, opt) = v;
	p->trw_line = p->line;
	return true;
}

static const char *method_name(int m)
{
	return m == METHOD_CLASSIC ? "classic" : "trw";
}

/* ---- email options ---------------------------------------------------- */

/* MailSubject: "%p", "%s", "%d" and "%%" only, so that a typo shows
 * here rather than in every subject. */
static bool subject_ok(struct parser *p, const struct option *opt,
		       const char *value)
{
	const char *s;

	for (s = value; (s = strchr(s, '%')) != NULL; s += 2) {
		if (s[1] == '\0') {
			parse_error(p, opt, "a lone %% at the end (%%%% is a "
				    "percent sign)");
			return false;
		}
		if (!strchr("psd%", s[1])) {
			parse_error(p, opt, "unknown \"%%%c\" (%%p protocol, "
				    "%%s source, %%d destination, %%%% a "
				    "percent sign)", s[1]);
			return false;
		}
	}
	return true;
}

/* SMTPrelay: an IPv4 or IPv6 address, or a host name. */
static bool host_ok(struct parser *p, const struct option *opt,
		    const char *value)
{
	char ex[EXCERPT_MAX + 4], name[HOSTNAME_MAX];
	struct ipaddr a;

	if (addr_parse(value, &a) || hostname_sanitise(value, name, sizeof name))
		return true;
	parse_error(p, opt, "\"%s\" is not an IPv4 or IPv6 address or a host "
		    "name", excerpt(value, ex));
	return false;
}

static bool set_mail_string(struct parser *p, const struct option *opt,
			    const char *value)
{
	char ex[EXCERPT_MAX + 4];

	if (opt->type == OPT_AUTH)
		p->auth_line = p->line;
	if (*value == '\0' || strlen(value) > CONF_STRING_MAX)
		return set_string(p, opt, value);	/* its messages */
	switch (opt->type) {
	case OPT_SUBJECT:
		if (!subject_ok(p, opt, value))
			return false;
		break;
	case OPT_HOST:
		if (!host_ok(p, opt, value))
			return false;
		break;
	case OPT_COMMAND:
		if (*value != '/') {
			parse_error(p, opt, "\"%s\" must start with an absolute "
				    "path", excerpt(value, ex));
			return false;
		}
		break;
	default:
		break;
	}
	return set_string(p, opt, value);
}

/* MetricsListen: checked here, bound by the parent at start. */
static bool set_listen(struct parser *p, const struct option *opt,
		       const char *value)
{
	char ex[EXCERPT_MAX + 4];
	struct sockaddr_storage ss;
	socklen_t len;

	if (*value != '\0' && strlen(value) <= CONF_STRING_MAX &&
	    !metrics_parse_listen(value, &ss, &len, NULL, 0)) {
		parse_error(p, opt, "\"%s\" is not PORT, ADDRESS:PORT or "
			    "[IPV6-ADDRESS]:PORT with a numeric address and "
			    "a port 1-65535", excerpt(value, ex));
		return false;
	}
	return set_string(p, opt, value);
}

/* RcptTo: each line adds one recipient; the first replaces the default. */
static bool add_address(struct parser *p, const struct option *opt,
			const char *value)
{
	struct strlist *l = field(p->cfg, opt);
	char ex[EXCERPT_MAX + 4];
	size_t i;

	if (strlen(value) > CONF_STRING_MAX) {
		parse_error(p, opt, "value longer than %d characters",
			    CONF_STRING_MAX);
		return false;
	}
	if (*value == '\0') {
		parse_error(p, opt, "empty value");
		return false;
	}
	if (strpbrk(value, " \t")) {
		parse_error(p, opt, "\"%s\" must be a single word",
			    excerpt(value, ex));
		return false;
	}
	if (!p->rcpt_given) {
		conf_strlist_free(l);
		p->rcpt_given = true;
	}
	for (i = 0; i < l->n; i++) {
		if (strcasecmp(l->v[i], value) == 0) {
			parse_error(p, opt, "\"%s\" is already a recipient",
				    excerpt(value, ex));
			return false;
		}
	}
	if (l->n == CONF_MAX_RCPT) {
		parse_error(p, opt, "more than %d recipients", CONF_MAX_RCPT);
		return false;
	}
	if (!strlist_add(l, value)) {
		parse_error(p, opt, "out of memory");
		return false;
	}
	return true;
}

/* ---- Interface -------------------------------------------------------- */

/* What Linux takes for a name (net/core/dev.c, dev_valid_name: 1 to
 * IFNAMSIZ - 1 bytes, not "." or "..", no '/', ':' or blank), less '"'
 * and '\\', which JSON events would have to escape, ',', which
 * separates names here, and '#', which after a blank starts a comment:
 * conf_print could not write such a name back (fuzz_conf found it). */
static bool iface_name_ok(const char *name, char *err, size_t errlen)
{
	const unsigned char *s;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(err, errlen, "\"%s\" is not an interface name", name);
		return false;
	}
	for (s = (const unsigned char *)name; *s; s++) {
		if (*s <= ' ' || *s >= 0x7f) {
			snprintf(err, errlen, "an interface name holds byte "
				 "0x%02x", *s);
			return false;
		}
		if (strchr("/:\"\\#", *s)) {
			snprintf(err, errlen, "\"%s\" is not an interface name "
				 "(it holds '%c')", name, *s);
			return false;
		}
	}
	return true;
}

static bool iface_add(struct strlist *l, const char *name, char *err,
		      size_t errlen)
{
	bool any = strcmp(name, "any") == 0;
	size_t i;

	if (!iface_name_ok(name, err, errlen))
		return false;
	for (i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], name) == 0) {
			snprintf(err, errlen, "\"%s\" is given twice", name);
			return false;
		}
	}
	/* "any" captures every packet once more beside its interface. */
	if (l->n > 0 && (any || strcmp(l->v[0], "any") == 0)) {
		snprintf(err, errlen, "\"any\" (every interface) cannot be "
			 "combined with other interfaces");
		return false;
	}
	if (l->n == MAX_INTERFACES) {
		snprintf(err, errlen, "more than %d interfaces (\"%s\")",
			 MAX_INTERFACES, name);
		return false;
	}
	if (!strlist_add(l, name)) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	return true;
}

bool conf_interfaces_add(struct strlist *l, const char *text, char *err,
			 size_t errlen)
{
	char name[IFACE_NAME_MAX];
	const char *s = text;
	size_t count = 0, len;

	for (;;) {
		const char *start;

		while (is_list_separator(*s))
			s++;
		if (*s == '\0')
			break;
		for (start = s; *s && !is_list_separator(*s); s++)
			;
		len = (size_t)(s - start);
		if (len >= sizeof name) {
			snprintf(err, errlen, "\"%.*s\" is longer than %zu "
				 "characters", len > EXCERPT_MAX ? EXCERPT_MAX :
				 (int)len, start, sizeof name - 1);
			return false;
		}
		memcpy(name, start, len);
		name[len] = '\0';
		if (!iface_add(l, name, err, errlen))
			return false;
		count++;
	}
	if (count == 0) {
		snprintf(err, errlen, "no interface given");
		return false;
	}
	return true;
}

static bool add_interfaces(struct parser *p, const struct option *opt,
			   const char *value)
{
	char msg[256];

	if (!conf_interfaces_add(field(p->cfg, opt), value, msg, sizeof msg)) {
		parse_error(p, opt, "%s", msg);
		return false;
	}
	return true;
}

static bool set_mail_tls(struct parser *p, const struct option *opt,
			 const char *value)
{
	char ex[EXCERPT_MAX + 4];
	size_t i;

	for (i = 0; i < NMAIL_TLS; i++) {
		if (strcasecmp(value, mail_tls_names[i]) == 0) {
			*(enum mail_tls *)field(p->cfg, opt) = (enum mail_tls)i;
			return true;
		}
	}
	parse_error(p, opt, "\"%s\" is not none, starttls or tls",
		    excerpt(value, ex));
	return false;
}

const char *conf_mail_tls_name(enum mail_tls t)
{
	return (size_t)t < NMAIL_TLS ? mail_tls_names[t] : "unknown";
}

static bool set_json_format(struct parser *p, const struct option *opt,
			    const char *value)
{
	char ex[EXCERPT_MAX + 4];
	size_t i;

	for (i = 0; i < NJSON_FORMATS; i++) {
		if (strcasecmp(value, json_format_names[i]) == 0) {
			*(enum json_format *)field(p->cfg, opt) =
				(enum json_format)i;
			return true;
		}
	}
	parse_error(p, opt, "\"%s\" is not default or ecs",
		    excerpt(value, ex));
	return false;
}

const char *conf_json_format_name(enum json_format f)
{
	return (size_t)f < NJSON_FORMATS ? json_format_names[f] : "unknown";
}

static bool set_value(struct parser *p, const struct option *opt,
		      const char *value);

/* Remember the line, for conf_where(): start-up errors name it. */
static bool apply_option(struct parser *p, const struct option *opt,
			 const char *value)
{
	if (!set_value(p, opt, value))
		return false;
	p->cfg->option_line[opt - options] = (unsigned)p->line;
	return true;
}

static bool set_value(struct parser *p, const struct option *opt,
		      const char *value)
{
	switch (opt->type) {
	case OPT_BOOL:
		return set_bool(p, opt, value);
	case OPT_NUMBER:
		return set_number(p, opt, value);
	case OPT_WORD:
	case OPT_TEXT:
	case OPT_OPTIONAL_TEXT:
		return set_string(p, opt, value);
	case OPT_LISTEN:
		return set_listen(p, opt, value);
	case OPT_PORTS:
	case OPT_ALLOW_PORTS:
		return add_ports(p, opt, value);
	case OPT_RULES:
		return add_rule(p, opt, value);
	case OPT_FACILITY:
		return set_facility(p, opt, value);
	case OPT_METHOD:
		return set_method(p, opt, value);
	case OPT_PROBABILITY:
		return set_probability(p, opt, value);
	case OPT_ADDRESS_LIST:
		return add_address(p, opt, value);
	case OPT_SUBJECT:
	case OPT_HOST:
	case OPT_COMMAND:
	case OPT_AUTH:
		return set_mail_string(p, opt, value);
	case OPT_MAIL_TLS:
		return set_mail_tls(p, opt, value);
	case OPT_LIMIT:
		return set_limit(p, opt, value);
	case OPT_JSON_FORMAT:
		return set_json_format(p, opt, value);
	case OPT_INTERFACES:
		return add_interfaces(p, opt, value);
	}
	return false;
}

/* Cut an unquoted value at its comment and trailing blanks, in place. */
static void trim_unquoted(char *s)
{
	char *end;

	for (end = s; *end; end++)
		if (*end == '#' && (end == s || is_blank(end[-1])))
			break;
	while (end > s && is_blank(end[-1]))
		end--;
	*end = '\0';
}

/* A '"' inside an unquoted value is a quote opened too late or closed
 * without being opened (MailSubject scan from %s"), never a character
 * the value wants: no option takes one.  Always false. */
static bool stray_quote(struct parser *p, const struct option *opt,
			char *value)
{
	char ex[EXCERPT_MAX + 4];

	*strchr(value, '"') = '\0';
	parse_error(p, opt, "stray '\"' after \"%s\" (a quoted value starts "
		    "with '\"' and ends at the next one)", excerpt(value, ex));
	return false;
}

/* Find the value that starts at s (after the separator), in place. */
static bool extract_value(struct parser *p, const struct option *opt,
			  char *s, char **value)
{
	char ex[EXCERPT_MAX + 4];

	if (*s == '"') {
		char *close = strchr(s + 1, '"');
		char *after;

		if (!close) {
			parse_error(p, opt, "missing closing quote");
			return false;
		}
		*close = '\0';
		after = skip_blanks(close + 1);
		if (*after != '\0' && *after != '#') {
			parse_error(p, opt, "unexpected \"%s\" after the "
				    "closing quote", excerpt(after, ex));
			return false;
		}
		*value = s + 1;
		return true;
	}
	trim_unquoted(s);
	if (*s == '\0') {
		parse_error(p, opt, "missing value");
		return false;
	}
	if (strchr(s, '"'))
		return stray_quote(p, opt, s);
	*value = s;
	return true;
}

/* Control characters have no business in a value (a CR or LF in
 * MailSubject would forge mail headers), so refuse them all. */
static bool check_characters(struct parser *p, const char *line)
{
	const unsigned char *s;

	for (s = (const unsigned char *)line; *s; s++) {
		if ((*s < 0x20 && *s != '\t') || *s == 0x7f) {
			parse_error(p, NULL, "control character 0x%02x",
				    (unsigned)*s);
			return false;
		}
	}
	return true;
}

static bool parse_line(struct parser *p, char *line)
{
	const struct option *opt;
	char *s, *name, *value;
	char ex[EXCERPT_MAX + 4];
	size_t name_len;

	if (!check_characters(p, line))
		return false;
	s = skip_blanks(line);
	if (*s == '\0' || *s == '#')
		return true;
	for (name = s; *s && !is_blank(*s) && *s != '='; s++)
		;
	name_len = (size_t)(s - name);
	opt = find_option(name, name_len);
	if (!opt) {
		const struct option *near = nearest_option(name, name_len);

		*s = '\0';
		parse_error(p, NULL, "unknown option \"%s\"%s%s%s",
			    excerpt(name, ex), near ? " (did you mean " : "",
			    near ? near->name : "", near ? "?)" : "");
		return false;
	}
	s = skip_blanks(s);
	if (*s == '=')
		s = skip_blanks(s + 1);
	return extract_value(p, opt, s, &value) &&
	       apply_option(p, opt, value);
}

/* ---- reading lines ---------------------------------------------------- */

/* A line source: a FILE, or a string in memory. */
struct reader {
	FILE *fp;
	const char *text;
	int saved_errno;	/* of a failed read */
};

enum read_status { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_NUL, LINE_IO_ERROR };

static int reader_getc(struct reader *r)
{
	if (r->fp)
		return getc(r->fp);
	if (*r->text == '\0')
		return EOF;
	return (unsigned char)*r->text++;
}

/* One line without its "\n" or "\r\n" into buf[CONF_LINE_MAX + 1]. */
static enum read_status read_line(struct reader *r, char *buf)
{
	size_t n = 0;
	int c;

	for (;;) {
		c = reader_getc(r);
		if (c == EOF) {
			if (r->fp && ferror(r->fp)) {
				r->saved_errno = errno;
				return LINE_IO_ERROR;
			}
			if (n == 0)
				return LINE_EOF;
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0')
			return LINE_NUL;
		if (n == CONF_LINE_MAX)
			return LINE_TOO_LONG;
		buf[n++] = (char)c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;		/* a file edited on Windows */
	buf[n] = '\0';
	return LINE_OK;
}

static bool parse_lines(struct reader *r, struct parser *p)
{
	char line[CONF_LINE_MAX + 1];

	for (p->line = 1;; p->line++) {
		switch (read_line(r, line)) {
		case LINE_EOF:
			return true;
		case LINE_TOO_LONG:
			parse_error(p, NULL, "line longer than %d characters",
				    CONF_LINE_MAX);
			return false;
		case LINE_NUL:
			parse_error(p, NULL, "NUL byte in line");
			return false;
		case LINE_IO_ERROR:
			snprintf(p->err, p->errlen, "%s: %s", p->name,
				 strerror(r->saved_errno));
			return false;
		case LINE_OK:
			if (!parse_line(p, line))
				return false;
			break;
		}
	}
}

/* The walk only makes sense if scanners succeed less often than benign
 * sources and detection is likelier than a false alarm. */
static bool check_trw(struct parser *p)
{
	const struct config *c = p->cfg;

	p->line = p->trw_line;
	if (c->trw_theta1 >= c->trw_theta0) {
		parse_error(p, NULL, "TrwTheta1 (%g) must be below TrwTheta0 (%g)",
			    c->trw_theta1, c->trw_theta0);
		return false;
	}
	if (c->trw_pf >= c->trw_pd) {
		parse_error(p, NULL, "TrwPF (%g) must be below TrwPD (%g)",
			    c->trw_pf, c->trw_pd);
		return false;
	}
	return true;
}

/* MailUser without a password, or a password without a user, is a
 * mistake that would only show when the first alert is mailed. */
static bool check_mail(struct parser *p)
{
	const struct config *c = p->cfg;

	if (!c->mail_user == !c->mail_password_file)
		return true;
	p->line = p->auth_line;
	parse_error(p, NULL, "MailUser and MailPasswordFile go together");
	return false;
}

/* Defaults, then every line of r; cfg is freed on failure. */
static bool load(struct reader *r, const char *name, const char *path,
		 struct config *cfg, char *err, size_t errlen)
{
	struct parser p = { name, 0, cfg, err, errlen, 0, false, 0 };

	if (!set_defaults(cfg) || (path && !(cfg->path = strdup(path)))) {
		snprintf(err, errlen, "%s: out of memory", name);
		conf_free(cfg);
		return false;
	}
	if (!parse_lines(r, &p) || !check_trw(&p) || !check_mail(&p)) {
		conf_free(cfg);
		return false;
	}
	/* A LogPorts line adds at least one port. */
	cfg->log_ports_given = portset_any(&cfg->log_ports);
	default_osfp_mail(cfg);
	return true;
}

bool conf_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
	struct reader r = { 0 };
	bool ok;

	/* "e": close-on-exec, the mailer and resolver must not inherit it. */
	r.fp = fopen(path, "re");
	if (!r.fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		memset(cfg, 0, sizeof *cfg);
		return false;
	}
	ok = load(&r, path, path, cfg, err, errlen);
	fclose(r.fp);
	return ok;
}

bool conf_load_string(const char *name, const char *text, struct config *cfg,
		      char *err, size_t errlen)
{
	struct reader r = { 0 };

	r.text = text;
	return load(&r, name, NULL, cfg, err, errlen);
}

/* ---- printing --------------------------------------------------------- */

/*
 * Quoted when empty or when blanks or '#' would otherwise change its
 * meaning.  No value holds '"': the parser refuses a stray one.
 */
static void print_string(const char *name, const char *s, FILE *out)
{
	bool quote;

	if (!s)
		s = "";
	quote = *s == '\0' || strpbrk(s, " \t#") != NULL;
	/* The parser takes one '=' after the name as a separator: a value
	 * that itself begins with '=' needs that separator written out. */
	fprintf(out, quote ? "%s%s \"%s\"\n" : "%s%s %s\n", name,
		*s == '=' ? " =" : "", s);
}

/* Next run of set ports at or after *from: [*lo, *hi]; false if none. */
static bool next_port_run(const struct portset *set, unsigned *from,
			  unsigned *lo, unsigned *hi)
{
	unsigned port = *from;

	while (port < 65536 && !portset_has(set, (uint16_t)port))
		port++;
	if (port == 65536)
		return false;
	*lo = port;
	while (port < 65536 && portset_has(set, (uint16_t)port))
		port++;
	*hi = port - 1;
	*from = port;
	return true;
}

/* Ranges compressed, several lines when long: the list accumulates.
 * An empty list is a comment that says what none means. */
static void print_ports(const char *name, const struct portset *set,
			const char *none, FILE *out)
{
	unsigned from = 0, lo, hi, items = 0;

	while (next_port_run(set, &from, &lo, &hi)) {
		if (items % PORTS_PER_LINE == 0)
			fprintf(out, "%s%s", items ? "\n" : "", name);
		if (lo == hi)
			fprintf(out, " %u", lo);
		else
			fprintf(out, " %u-%u", lo, hi);
		items++;
	}
	if (items)
		fputc('\n', out);
	else
		fprintf(out, "# %s (%s)\n", name, none);
}

static void print_rules(const char *name, const struct rule_list *list,
			FILE *out)
{
	size_t i;

	if (list->n == 0)
		fprintf(out, "# %s (none)\n", name);
	for (i = 0; i < list->n; i++) {
		fprintf(out, "%s ", name);
		rule_print(&list->rules[i], out);
		fputc('\n', out);
	}
}

/* The shortest text that reads back as the same double. */
static void print_probability(const char *name, double v, FILE *out)
{
	char buf[40];

	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fprintf(out, "%s %s\n", name, buf);
}

/* One line per entry: the list accumulates when read back. */
static void print_list(const char *name, const struct strlist *l, FILE *out)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		print_string(name, l->v[i], out);
}

/* All on one line (MAX_INTERFACES names fit); none means "any". */
static void print_interfaces(const char *name, const struct strlist *l,
			     FILE *out)
{
	size_t i;

	if (l->n == 0) {
		fprintf(out, "# %s (none: any)\n", name);
		return;
	}
	fprintf(out, "%s", name);
	for (i = 0; i < l->n; i++)
		fprintf(out, " %s", l->v[i]);
	fputc('\n', out);
}

static void print_option(const struct config *cfg, const struct option *opt,
			 FILE *out)
{
	const void *f = cfield(cfg, opt);

	switch (opt->type) {
	case OPT_BOOL:
		fprintf(out, "%s %s\n", opt->name,
			*(const bool *)f ? "yes" : "no");
		break;
	case OPT_NUMBER:
		fprintf(out, "%s %u\n", opt->name, *(const unsigned *)f);
		break;
	case OPT_WORD:
	case OPT_TEXT:
	case OPT_OPTIONAL_TEXT:
	case OPT_LISTEN:
		print_string(opt->name, *(char *const *)f, out);
		break;
	case OPT_PORTS:
		print_ports(opt->name, f, "none", out);
		break;
	case OPT_ALLOW_PORTS:
		print_ports(opt->name, f, "none: every port", out);
		break;
	case OPT_RULES:
		print_rules(opt->name, f, out);
		break;
	case OPT_FACILITY:
		fprintf(out, "%s %s\n", opt->name,
			conf_facility_name(*(const int *)f));
		break;
	case OPT_METHOD:
		fprintf(out, "%s %s\n", opt->name, method_name(*(const int *)f));
		break;
	case OPT_PROBABILITY:
		print_probability(opt->name, *(const double *)f, out);
		break;
	case OPT_SUBJECT:
	case OPT_HOST:
	case OPT_COMMAND:
	case OPT_AUTH:
		/* MailPasswordFile: the path, never what the file holds */
		print_string(opt->name, *(char *const *)f, out);
		break;
	case OPT_ADDRESS_LIST:
		print_list(opt->name, f, out);
		break;
	case OPT_MAIL_TLS:
		fprintf(out, "%s %s\n", opt->name,
			conf_mail_tls_name(*(const enum mail_tls *)f));
		break;
	case OPT_LIMIT:
		fprintf(out, "%s %u %u\n", opt->name,
			((const struct alert_limit *)f)->count,
			((const struct alert_limit *)f)->seconds);
		break;
	case OPT_JSON_FORMAT:
		fprintf(out, "%s %s\n", opt->name,
			conf_json_format_name(*(const enum json_format *)f));
		break;
	case OPT_INTERFACES:
		print_interfaces(opt->name, f, out);
		break;
	}
}

void conf_print(const struct config *cfg, FILE *out)
{
	size_t i;

	for (i = 0; i < NOPTIONS; i++)
		print_option(cfg, &options[i], out);
}

/* ---- what the ignore options say -------------------------------------- */

/* LogPorts lets ports in; PortLogIgnore still takes them out again. */
bool conf_log_ignored(const struct config *cfg, int proto,
		      const struct ipaddr *src, uint16_t sport,
		      const struct ipaddr *dst, uint16_t dport)
{
	const struct proto_conf *pc = &cfg->proto[proto];

	return (cfg->log_ports_given && !portset_has(&cfg->log_ports, dport)) ||
	       portset_has(&pc->log_ignore_ports, dport) ||
	       rule_list_match(&pc->log_ignore_hosts, src, sport, dst, dport) ||
	       rule_list_match(&cfg->ignore_hosts, src, sport, dst, dport);
}
