/* test_conf.c - the configuration file: options, syntax, errors, printing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "params.h"
#include "unit.h"

static char err[1024];

/* Load text as "t.conf"; the caller frees cfg when this returns true. */
static bool load(const char *text, struct config *cfg)
{
	err[0] = '\0';
	return conf_load_string("t.conf", text, cfg, err, sizeof err);
}

static bool is_zeroed(const struct config *cfg)
{
	static const struct config zero;

	return memcmp(cfg, &zero, sizeof zero) == 0;
}

/* The message of a text that must fail; cfg must come back freed. */
static const char *load_error(const char *text)
{
	struct config cfg;

	if (load(text, &cfg)) {
		conf_free(&cfg);
		return "(loaded)";
	}
	CHECK(is_zeroed(&cfg));
	return err;
}

static char *print_config(const struct config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	conf_print(cfg, f);
	fclose(f);
	return buf;
}

static char *repeat(const char *head, const char *unit, size_t n,
		    const char *tail)
{
	size_t len = strlen(head) + strlen(unit) * n + strlen(tail) + 1;
	char *s = malloc(len), *p = s;
	size_t i;

	p += sprintf(p, "%s", head);
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s", unit);
	sprintf(p, "%s", tail);
	return s;
}

/* head, then ports "1...", ",10003", ",10005", ... to exactly total
 * characters: distinct, never adjacent, so printing keeps them all. */
static char *port_text(const char *head, size_t total)
{
	size_t k = (total - strlen(head) - 1) / 6;
	size_t d = total - strlen(head) - 6 * k;
	char *s = malloc(total + 1), *p = s;
	size_t i;

	p += sprintf(p, "%s1", head);
	for (i = 1; i < d; i++)
		*p++ = '0';
	for (i = 0; i < k; i++)
		p += sprintf(p, ",%zu", 10003 + 2 * i);
	return s;
}

static void check_round_trip(const char *text);

/* Write len bytes to a fresh temporary file; returns its name (free it). */
static char *temp_file(const void *data, size_t len)
{
	char *name = strdup("/tmp/test_conf.XXXXXX");
	int fd = mkstemp(name);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		printf("test bug: cannot write %s\n", name);
	close(fd);
	return name;
}

/* load(text) must give the same printout twice: print, reload, print. */
static void check_round_trip(const char *text)
{
	struct config a, b;
	char *first, *second;

	CHECK(load(text, &a));
	if (err[0])
		printf("%s\n", err);
	first = print_config(&a);
	CHECK(load(first, &b));
	if (err[0])
		printf("%s\n", err);
	second = print_config(&b);
	CHECK_STR(second, first);
	CHECK(memcmp(a.proto, b.proto, offsetof(struct proto_conf,
						log_ignore_hosts)) == 0);
	CHECK(memcmp(&a.proto[CONF_UDP], &b.proto[CONF_UDP],
		     offsetof(struct proto_conf, log_ignore_hosts)) == 0);
	free(first);
	free(second);
	conf_free(&a);
	conf_free(&b);
}

/* ---- option tables for the per-option tests ---------------------------- */

#define F(f)	offsetof(struct config, f)
#define T(f)	F(proto[CONF_TCP].f)
#define U(f)	F(proto[CONF_UDP].f)

static const struct {
	const char *name;
	size_t offset;
	bool def;
} bools[] = {
	{ "LogConnections", T(log_connections), false },
	{ "UdpLogConnections", U(log_connections), false },
	{ "LogDetails", F(log_details), false },
	{ "DNSResolve", F(dns_resolve), false },
	{ "PortResolve", F(port_resolve), false },
	{ "FloodDetection", F(flood_detection), true },
	{ "LogScans", T(log_scans), true },
	{ "UdpLogScans", U(log_scans), true },
	{ "LogOSFP", F(log_osfp), true },
	/* yes only when mail is configured: osfp_mail_default */
	{ "OSFPSendMail", F(osfp_send_mail), false },
	{ "SendEmail", T(send_email), false },
	{ "UdpSendEmail", U(send_email), false },
	{ "SandboxRequired", F(sandbox_required), false },
};

static const struct {
	const char *name;
	size_t offset;
	unsigned def, min, max;
} numbers[] = {
	{ "CountThreshold", F(count_threshold), 40, 1, 1000000 },
	{ "MailPort", F(mail_port), 25, 1, 65535 },
	{ "MailRateLimit", F(mail_rate_limit), 5, 1, 1000 },
	{ "SourceTableSize", F(source_table_size),
	  DEFAULT_SOURCE_TABLE_SIZE, 64, 16777216 },
	{ "FlowTableSize", F(flow_table_size),
	  DEFAULT_FLOW_TABLE_SIZE, 64, 67108864 },
};

enum { WORD, TEXT, OPTIONAL };

static const struct {
	const char *name;
	size_t offset;
	const char *def;	/* NULL: none */
	int kind;
} strings[] = {
	{ "MailFrom", F(mail_from), "scandetd@localhost", WORD },
	{ "MailSubject", F(mail_subject), "%p scan from %s", TEXT },
	{ "HelloMsg", F(hello_msg), "localhost", WORD },
	{ "RunAsUser", F(run_as_user), "scandetd", WORD },
	{ "PidFile", F(pid_file), DEFAULT_PID_FILE, OPTIONAL },
	{ "CaptureFilter", F(capture_filter), NULL, OPTIONAL },
	{ "JsonLog", F(json_log), NULL, OPTIONAL },
	{ "MailCAFile", F(mail_ca_file), NULL, OPTIONAL },
};

static const struct {
	const char *name;
	size_t offset;
} portlists[] = {
	{ "PortLogIgnore", T(log_ignore_ports) },
	{ "UdpPortLogIgnore", U(log_ignore_ports) },
	{ "PortScanIgnore", T(scan_ignore_ports) },
	{ "UdpPortScanIgnore", U(scan_ignore_ports) },
};

static const struct {
	const char *name;
	size_t offset;
} rulelists[] = {
	{ "HostLogIgnore", T(log_ignore_hosts) },
	{ "UdpHostLogIgnore", U(log_ignore_hosts) },
	{ "HostScanIgnore", T(scan_ignore_hosts) },
	{ "UdpHostScanIgnore", U(scan_ignore_hosts) },
	{ "IgnoreHost", F(ignore_hosts) },
};

#define N(a) (sizeof a / sizeof a[0])

static bool bool_at(const struct config *cfg, size_t off)
{
	return *(const bool *)((const char *)cfg + off);
}

static unsigned unsigned_at(const struct config *cfg, size_t off)
{
	return *(const unsigned *)((const char *)cfg + off);
}

static const char *string_at(const struct config *cfg, size_t off)
{
	return *(char *const *)((const char *)cfg + off);
}

static const struct portset *ports_at(const struct config *cfg, size_t off)
{
	return (const struct portset *)((const char *)cfg + off);
}

static const struct rule_list *rules_at(const struct config *cfg, size_t off)
{
	return (const struct rule_list *)((const char *)cfg + off);
}

static unsigned port_count(const struct portset *set)
{
	unsigned n = 0, p;

	for (p = 0; p < 65536; p++)
		n += portset_has(set, (uint16_t)p);
	return n;
}

static char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));

/* A formatted string in a rotating static buffer: test texts only. */
static char *fmt(const char *format, ...)
{
	static char bufs[4][8192];
	static int next;
	char *buf = bufs[next++ % 4];
	va_list ap;

	va_start(ap, format);
	vsnprintf(buf, sizeof bufs[0], format, ap);
	va_end(ap);
	return buf;
}

/* ---- defaults ------------------------------------------------------------ */

TEST(defaults)
{
	struct config cfg;
	size_t i;

	conf_defaults(&cfg);
	for (i = 0; i < N(bools); i++)
		CHECK_INT(bool_at(&cfg, bools[i].offset), bools[i].def);
	for (i = 0; i < N(numbers); i++)
		CHECK_INT(unsigned_at(&cfg, numbers[i].offset),
			  numbers[i].def);
	for (i = 0; i < N(strings); i++) {
		if (strings[i].def)
			CHECK_STR(string_at(&cfg, strings[i].offset),
				  strings[i].def);
		else
			CHECK(string_at(&cfg, strings[i].offset) == NULL);
	}
	for (i = 0; i < N(portlists); i++)
		CHECK_INT(port_count(ports_at(&cfg, portlists[i].offset)), 0);
	for (i = 0; i < N(rulelists); i++)
		CHECK_INT(rules_at(&cfg, rulelists[i].offset)->n, 0);
	CHECK_INT(cfg.syslog_facility, LOG_DAEMON);
	CHECK(cfg.path == NULL);
	conf_free(&cfg);
	CHECK(is_zeroed(&cfg));
	conf_free(&cfg);		/* twice is harmless */
}

TEST(empty_text_gives_defaults)
{
	struct config a, b;
	char *pa, *pb;

	CHECK(load("", &a));
	CHECK(a.path == NULL);
	conf_defaults(&b);
	pa = print_config(&a);
	pb = print_config(&b);
	CHECK_STR(pa, pb);
	free(pa);
	free(pb);
	conf_free(&a);
	conf_free(&b);

	CHECK(load("\n\n# only comments\n   \n\t# indented comment\n", &a));
	CHECK_INT(a.count_threshold, 40);
	conf_free(&a);
}

/* ---- every option: set, bad value ---------------------------------------- */

TEST(bool_options)
{
	size_t i;

	for (i = 0; i < N(bools); i++) {
		struct config cfg;
		const char *name = bools[i].name;

		CHECK(load(fmt("%s yes\n", name), &cfg));
		CHECK(bool_at(&cfg, bools[i].offset));
		conf_free(&cfg);
		CHECK(load(fmt("%s no\n", name), &cfg));
		CHECK(!bool_at(&cfg, bools[i].offset));
		conf_free(&cfg);
		CHECK_STR(load_error(fmt("\n%s maybe\n", name)),
			  fmt("t.conf:2: %s: \"maybe\" is not yes or no", name));
		CHECK_STR(load_error(fmt("%s yes no\n", name)),
			  fmt("t.conf:1: %s: \"yes no\" is not yes or no",
			      name));
		CHECK_STR(load_error(fmt("%s\n", name)),
			  fmt("t.conf:1: %s: missing value", name));
	}
}

/* OSFPSendMail is the original's yes where the file asks for mail, and
 * no where it says nothing of mail. */
TEST(osfp_mail_default)
{
	static const struct {
		const char *text;
		bool osfp, configured;
	} cases[] = {
		{ "", false, false },
		{ "SendEmail no\nUdpSendEmail no\nMailPort 25\n", false, false },
		{ "MailFrom a@example.org\nHelloMsg x\n", false, false },
		{ "MailCommand \"\"\nMailTLS none\n", false, false },
		{ "RcptTo admin@example.org\n", true, true },
		{ "SMTPrelay 192.0.2.25\n", true, true },
		{ "MailCommand \"/usr/sbin/sendmail -t\"\n", true, true },
		{ "SendEmail yes\n", true, true },
		{ "UdpSendEmail yes\n", true, true },
		{ "OSFPSendMail yes\n", true, false },
		{ "RcptTo admin@example.org\nOSFPSendMail no\n", false, true },
	};
	struct config cfg;

	for (size_t i = 0; i < N(cases); i++) {
		CHECK(load(cases[i].text, &cfg));
		CHECK_INT(cfg.osfp_send_mail, cases[i].osfp);
		CHECK_INT(conf_mail_configured(&cfg), cases[i].configured);
		conf_free(&cfg);
	}
	conf_defaults(&cfg);
	CHECK(!cfg.osfp_send_mail);
	conf_free(&cfg);
}

TEST(bool_spellings)
{
	static const char *const yes[] = { "yes", "YES", "Yes", "true",
					   "TRUE", "on", "On", "1" };
	static const char *const no[] = { "no", "NO", "No", "false",
					  "False", "off", "OFF", "0" };
	size_t i;

	for (i = 0; i < N(yes); i++) {
		struct config cfg;

		CHECK(load(fmt("LogDetails %s\nFloodDetection %s\n", yes[i],
			       no[i]), &cfg));
		CHECK(cfg.log_details);
		CHECK(!cfg.flood_detection);
		conf_free(&cfg);
	}
	CHECK_STR(load_error("LogDetails y"),
		  "t.conf:1: LogDetails: \"y\" is not yes or no");
	CHECK_STR(load_error("LogDetails 2"),
		  "t.conf:1: LogDetails: \"2\" is not yes or no");
	CHECK_STR(load_error("LogDetails \"\""),
		  "t.conf:1: LogDetails: \"\" is not yes or no");
}

TEST(number_options)
{
	size_t i;

	for (i = 0; i < N(numbers); i++) {
		struct config cfg;
		const char *name = numbers[i].name;
		unsigned min = numbers[i].min, max = numbers[i].max;

		CHECK(load(fmt("%s %u\n", name, min), &cfg));
		CHECK_INT(unsigned_at(&cfg, numbers[i].offset), min);
		conf_free(&cfg);
		CHECK(load(fmt("%s %u\n", name, max), &cfg));
		CHECK_INT(unsigned_at(&cfg, numbers[i].offset), max);
		conf_free(&cfg);
		CHECK(load(fmt("%s 0%u  \n", name, min + 1), &cfg));
		CHECK_INT(unsigned_at(&cfg, numbers[i].offset), min + 1);
		conf_free(&cfg);
		CHECK_STR(load_error(fmt("%s %u", name, min - 1)),
			  fmt("t.conf:1: %s: %u is out of range (%u..%u)",
			      name, min - 1, min, max));
		CHECK_STR(load_error(fmt("%s %u", name, max + 1)),
			  fmt("t.conf:1: %s: %u is out of range (%u..%u)",
			      name, max + 1, min, max));
		CHECK_STR(load_error(fmt("%s 99999999999999999999999", name)),
			  fmt("t.conf:1: %s: 99999999999999999999999 is out "
			      "of range (%u..%u)", name, min, max));
		CHECK_STR(load_error(fmt("#\n#\n%s 4x", name)),
			  fmt("t.conf:3: %s: \"4x\" is not a number", name));
		CHECK_STR(load_error(fmt("%s -1", name)),
			  fmt("t.conf:1: %s: \"-1\" is not a number", name));
		CHECK_STR(load_error(fmt("%s +100", name)),
			  fmt("t.conf:1: %s: \"+100\" is not a number", name));
		CHECK_STR(load_error(fmt("%s 0x100", name)),
			  fmt("t.conf:1: %s: \"0x100\" is not a number", name));
		CHECK_STR(load_error(fmt("%s 100 200", name)),
			  fmt("t.conf:1: %s: \"100 200\" is not a number",
			      name));
		CHECK_STR(load_error(fmt("%s 1e3", name)),
			  fmt("t.conf:1: %s: \"1e3\" is not a number", name));
		CHECK_STR(load_error(fmt("%s \"\"", name)),
			  fmt("t.conf:1: %s: \"\" is not a number", name));
		CHECK_STR(load_error(fmt("%s", name)),
			  fmt("t.conf:1: %s: missing value", name));
	}
	/* The brief's own example. */
	CHECK_STR(load_error("#\n\nCountThreshold 4x\n"),
		  "t.conf:3: CountThreshold: \"4x\" is not a number");
}

TEST(string_options)
{
	size_t i;

	for (i = 0; i < N(strings); i++) {
		struct config cfg;
		const char *name = strings[i].name;
		size_t off = strings[i].offset;
		char *long_ok = repeat(fmt("%s ", name), "x", 1024, "");
		char *too_long = repeat(fmt("%s ", name), "x", 1025, "");

		CHECK(load(fmt("%s value@example.org\n", name), &cfg));
		CHECK_STR(string_at(&cfg, off), "value@example.org");
		conf_free(&cfg);
		CHECK(load(fmt("%s \"quoted\"\n", name), &cfg));
		CHECK_STR(string_at(&cfg, off), "quoted");
		conf_free(&cfg);
		/* Last one wins, the earlier string is freed (ASan). */
		CHECK(load(fmt("%s one\n%s two\n", name, name), &cfg));
		CHECK_STR(string_at(&cfg, off), "two");
		conf_free(&cfg);
		CHECK(load(long_ok, &cfg));
		CHECK_INT(strlen(string_at(&cfg, off)), 1024);
		conf_free(&cfg);
		CHECK_STR(load_error(too_long),
			  fmt("t.conf:1: %s: value longer than 1024 "
			      "characters", name));
		CHECK_STR(load_error(fmt("%s", name)),
			  fmt("t.conf:1: %s: missing value", name));
		CHECK_STR(load_error(fmt("%s   # nothing", name)),
			  fmt("t.conf:1: %s: missing value", name));
		if (strings[i].kind == WORD) {
			CHECK_STR(load_error(fmt("%s two words", name)),
				  fmt("t.conf:1: %s: \"two words\" must be a "
				      "single word", name));
			CHECK_STR(load_error(fmt("%s \"two words\"", name)),
				  fmt("t.conf:1: %s: \"two words\" must be a "
				      "single word", name));
		} else {
			CHECK(load(fmt("%s \" two  words \"", name), &cfg));
			CHECK_STR(string_at(&cfg, off), " two  words ");
			conf_free(&cfg);
			CHECK(load(fmt("%s two  words  ", name), &cfg));
			CHECK_STR(string_at(&cfg, off), "two  words");
			conf_free(&cfg);
		}
		if (strings[i].kind == OPTIONAL) {
			/* "" sets it back to none. */
			CHECK(load(fmt("%s x\n%s \"\"", name, name), &cfg));
			CHECK(string_at(&cfg, off) == NULL);
			conf_free(&cfg);
		} else {
			CHECK_STR(load_error(fmt("%s \"\"", name)),
				  fmt("t.conf:1: %s: empty value", name));
		}
		free(long_ok);
		free(too_long);
	}
}

TEST(mail_subject_and_filter)
{
	struct config cfg;

	CHECK(load("MailSubject \"%p scan from %s to %d\"\n"
		   "CaptureFilter \"not port 22 and not host 10.0.0.1\"\n"
		   "JsonLog /var/log/scandetd/events.json\n"
		   "PidFile \"/run/scan detd.pid\"\n", &cfg));
	CHECK_STR(cfg.mail_subject, "%p scan from %s to %d");
	CHECK_STR(cfg.capture_filter, "not port 22 and not host 10.0.0.1");
	CHECK_STR(cfg.json_log, "/var/log/scandetd/events.json");
	CHECK_STR(cfg.pid_file, "/run/scan detd.pid");
	conf_free(&cfg);
}

/* ---- email ------------------------------------------------------------ */

TEST(mail_defaults)
{
	struct config cfg;

	conf_defaults(&cfg);
	CHECK_INT(cfg.rcpt_to.n, 1);
	CHECK_STR(cfg.rcpt_to.v[0], "root@localhost");
	CHECK_STR(cfg.smtp_relay, "127.0.0.1");
	CHECK_INT(cfg.mail_tls, MAIL_TLS_NONE);
	CHECK(cfg.mail_user == NULL);
	CHECK(cfg.mail_password_file == NULL);
	CHECK(cfg.mail_command == NULL);
	CHECK_INT(cfg.mail_rate_limit, 5);
	conf_free(&cfg);
	CHECK(load("", &cfg));
	CHECK_INT(cfg.rcpt_to.n, 1);
	CHECK_STR(cfg.rcpt_to.v[0], "root@localhost");
	conf_free(&cfg);
}

/* ---- Interface: a list ---------------------------------------------------- */

TEST(interface_list)
{
	struct config cfg;
	struct strlist l = { NULL, 0 };
	char msg[256], *text, *out;

	/* None by default: "any", printed as a comment. */
	conf_defaults(&cfg);
	CHECK_INT(cfg.interfaces.n, 0);
	out = print_config(&cfg);
	CHECK(strstr(out, "\n# Interface (none: any)\n") != NULL);
	free(out);
	conf_free(&cfg);
	/* Blanks and commas separate; lines add up; names keep their case
	 * and order. */
	CHECK(load("Interface eth0, eth1\ninterface=\tveth-a,,br-lan.100 "
		   "# two more\nInterface \"Wlan0 enp0s31f6\"\n", &cfg));
	CHECK_INT(cfg.interfaces.n, 6);
	if (cfg.interfaces.n == 6) {
		CHECK_STR(cfg.interfaces.v[0], "eth0");
		CHECK_STR(cfg.interfaces.v[1], "eth1");
		CHECK_STR(cfg.interfaces.v[2], "veth-a");
		CHECK_STR(cfg.interfaces.v[3], "br-lan.100");
		CHECK_STR(cfg.interfaces.v[4], "Wlan0");
		CHECK_STR(cfg.interfaces.v[5], "enp0s31f6");
	}
	out = print_config(&cfg);
	CHECK(strstr(out, "\nInterface eth0 eth1 veth-a br-lan.100 Wlan0 "
		      "enp0s31f6\n") != NULL);
	free(out);
	conf_free(&cfg);
	check_round_trip("Interface eth0,eth1\n");
	check_round_trip("Interface any\n");
	/* Sixteen names of fifteen characters fit on a printed line. */
	text = malloc(CONF_LINE_MAX);
	strcpy(text, "Interface");
	for (int i = 0; i < MAX_INTERFACES; i++)
		sprintf(text + strlen(text), " %02dxxxxxxxxxxxx", i);
	CHECK(load(text, &cfg));
	CHECK_INT(cfg.interfaces.n, MAX_INTERFACES);
	conf_free(&cfg);
	check_round_trip(text);
	/* One more is an error naming file, line and option. */
	strcat(text, "\nInterface x");
	CHECK_STR(load_error(text), fmt("t.conf:2: Interface: more than %d "
					"interfaces (\"x\")", MAX_INTERFACES));
	free(text);

	CHECK_STR(load_error("Interface eth0\nInterface eth1 eth0\n"),
		  "t.conf:2: Interface: \"eth0\" is given twice");
	CHECK_STR(load_error("Interface any eth0"),
		  "t.conf:1: Interface: \"any\" (every interface) cannot be "
		  "combined with other interfaces");
	CHECK_STR(load_error("Interface eth0\nInterface any"),
		  "t.conf:2: Interface: \"any\" (every interface) cannot be "
		  "combined with other interfaces");
	CHECK_STR(load_error("Interface 0123456789abcdef"),
		  "t.conf:1: Interface: \"0123456789abcdef\" is longer than "
		  "15 characters");
	CHECK_STR(load_error("Interface eth0 a/b"),
		  "t.conf:1: Interface: \"a/b\" is not an interface name "
		  "(it holds '/')");
	CHECK_STR(load_error("Interface eth0:1"),
		  "t.conf:1: Interface: \"eth0:1\" is not an interface name "
		  "(it holds ':')");
	/* A '"' is a stray quote in the file; -i refuses it below. */
	CHECK_STR(load_error("Interface e\"th"),
		  "t.conf:1: Interface: stray '\"' after \"e\" (a quoted value "
		  "starts with '\"' and ends at the next one)");
	/* After a blank, '#' starts a comment: such a name could not be
	 * printed back (conf_print, fuzz_conf). */
	CHECK_STR(load_error("Interface eth0,#x"),
		  "t.conf:1: Interface: \"#x\" is not an interface name "
		  "(it holds '#')");
	CHECK_STR(load_error("Interface ..") ,
		  "t.conf:1: Interface: \"..\" is not an interface name");
	CHECK_STR(load_error("Interface \" , ,\""),
		  "t.conf:1: Interface: no interface given");
	CHECK_STR(load_error("Interface"), "t.conf:1: Interface: missing value");
	CHECK_STR(load_error("Interface \"\""),
		  "t.conf:1: Interface: no interface given");
	CHECK_STR(load_error("Interface eth\xc3\xa9"),
		  "t.conf:1: Interface: an interface name holds byte 0xc3");

	/* The same rules for -i (main.c), with the bare reason. */
	CHECK(conf_interfaces_add(&l, "eth0", msg, sizeof msg));
	CHECK(conf_interfaces_add(&l, "eth1,eth2", msg, sizeof msg));
	CHECK_INT(l.n, 3);
	CHECK(!conf_interfaces_add(&l, "eth3 eth1", msg, sizeof msg));
	CHECK_STR(msg, "\"eth1\" is given twice");
	CHECK_INT(l.n, 4);		/* eth3 went in before the error */
	CHECK(!conf_interfaces_add(&l, "", msg, sizeof msg));
	CHECK_STR(msg, "no interface given");
	CHECK(conf_interfaces_add(&l, "tab\there", msg, sizeof msg));
	CHECK_INT(l.n, 6);		/* a tab separates, like a blank */
	CHECK(!conf_interfaces_add(&l, "\x01x", msg, sizeof msg));
	CHECK_STR(msg, "an interface name holds byte 0x01");
	CHECK(!conf_interfaces_add(&l, "e\"th", msg, sizeof msg));
	CHECK_STR(msg, "\"e\"th\" is not an interface name (it holds '\"')");
	conf_strlist_free(&l);
	CHECK(l.n == 0 && l.v == NULL);
}

TEST(rcpt_to_list)
{
	struct config cfg;
	char *out, *text;
	size_t i;

	/* The first RcptTo replaces the default, the others add. */
	CHECK(load("RcptTo a@example.org\nRcptTo b@example.org\n"
		   "RcptTo \"c@example.org\"\n", &cfg));
	CHECK_INT(cfg.rcpt_to.n, 3);
	CHECK_STR(cfg.rcpt_to.v[0], "a@example.org");
	CHECK_STR(cfg.rcpt_to.v[1], "b@example.org");
	CHECK_STR(cfg.rcpt_to.v[2], "c@example.org");
	out = print_config(&cfg);
	CHECK(strstr(out, "\nRcptTo a@example.org\nRcptTo b@example.org\n"
		      "RcptTo c@example.org\n") != NULL);
	CHECK(strstr(out, "root@localhost") == NULL);
	free(out);
	conf_free(&cfg);
	check_round_trip("RcptTo a@example.org\nRcptTo b@example.org\n");
	check_round_trip("RcptTo root@localhost\n");

	CHECK_STR(load_error("RcptTo a@example.org\nRcptTo A@Example.org\n"),
		  "t.conf:2: RcptTo: \"A@Example.org\" is already a "
		  "recipient");
	CHECK_STR(load_error("RcptTo two words"),
		  "t.conf:1: RcptTo: \"two words\" must be a single word");
	CHECK_STR(load_error("RcptTo \"\""), "t.conf:1: RcptTo: empty value");
	CHECK_STR(load_error("RcptTo"), "t.conf:1: RcptTo: missing value");
	text = repeat("RcptTo ", "x", 1025, "");
	CHECK_STR(load_error(text), "t.conf:1: RcptTo: value longer than "
		  "1024 characters");
	free(text);

	/* At most CONF_MAX_RCPT. */
	text = malloc((CONF_MAX_RCPT + 1) * 32);
	text[0] = '\0';
	for (i = 0; i <= CONF_MAX_RCPT; i++)
		sprintf(text + strlen(text), "RcptTo r%zu@example.org\n", i);
	CHECK_STR(load_error(text), fmt("t.conf:%d: RcptTo: more than %d "
					"recipients", CONF_MAX_RCPT + 1,
					CONF_MAX_RCPT));
	*strrchr(text, 'R') = '\0';
	CHECK(load(text, &cfg));
	CHECK_INT(cfg.rcpt_to.n, CONF_MAX_RCPT);
	conf_free(&cfg);
	free(text);
}

TEST(smtp_relay)
{
	static const char *const good[] = {
		"127.0.0.1", "192.0.2.25", "::1", "2001:db8::25",
		"localhost", "mail.example.org", "mx-1.example.org.",
	};
	static const char *const bad[] = {
		"value@example.org", "300.1.2.3", "-mx.example.org",
		"mx..example.org", "mx/25", "[::1]", "mx.example:25",
		"1.2.3.4.5",
	};
	struct config cfg;
	size_t i;

	for (i = 0; i < N(good); i++) {
		CHECK(load(fmt("SMTPrelay %s\n", good[i]), &cfg));
		CHECK_STR(cfg.smtp_relay, good[i]);
		conf_free(&cfg);
		check_round_trip(fmt("SMTPrelay %s\n", good[i]));
	}
	for (i = 0; i < N(bad); i++)
		CHECK_STR(load_error(fmt("SMTPrelay %s\n", bad[i])),
			  fmt("t.conf:1: SMTPrelay: \"%s\" is not an IPv4 or "
			      "IPv6 address or a host name", bad[i]));
	CHECK_STR(load_error("SMTPrelay \"\""),
		  "t.conf:1: SMTPrelay: empty value");
	CHECK_STR(load_error("SMTPrelay"), "t.conf:1: SMTPrelay: missing value");
}

TEST(mail_subject_escapes)
{
	struct config cfg;

	CHECK(load("MailSubject \"%p scan from %s to %d: 100%%\"\n", &cfg));
	CHECK_STR(cfg.mail_subject, "%p scan from %s to %d: 100%%");
	conf_free(&cfg);
	CHECK_STR(load_error("MailSubject \"%p scan from %x\""),
		  "t.conf:1: MailSubject: unknown \"%x\" (%p protocol, %s "
		  "source, %d destination, %% a percent sign)");
	CHECK_STR(load_error("MailSubject \"100%\""),
		  "t.conf:1: MailSubject: a lone % at the end (%% is a "
		  "percent sign)");
	CHECK_STR(load_error("MailSubject \"% s\""),
		  "t.conf:1: MailSubject: unknown \"% \" (%p protocol, %s "
		  "source, %d destination, %% a percent sign)");
}

TEST(mail_tls)
{
	static const struct {
		const char *text;
		enum mail_tls value;
	} ok[] = {
		{ "none", MAIL_TLS_NONE }, { "starttls", MAIL_TLS_STARTTLS },
		{ "tls", MAIL_TLS_TLS }, { "STARTTLS", MAIL_TLS_STARTTLS },
		{ "Tls", MAIL_TLS_TLS },
	};
	struct config cfg;
	size_t i;

	for (i = 0; i < N(ok); i++) {
		CHECK(load(fmt("MailTLS %s\n", ok[i].text), &cfg));
		CHECK_INT(cfg.mail_tls, ok[i].value);
		conf_free(&cfg);
		check_round_trip(fmt("MailTLS %s\n", ok[i].text));
	}
	CHECK_STR(conf_mail_tls_name(MAIL_TLS_STARTTLS), "starttls");
	CHECK_STR(load_error("MailTLS ssl"),
		  "t.conf:1: MailTLS: \"ssl\" is not none, starttls or tls");
	CHECK_STR(load_error("MailTLS yes"),
		  "t.conf:1: MailTLS: \"yes\" is not none, starttls or tls");
	CHECK_STR(load_error("MailTLS"), "t.conf:1: MailTLS: missing value");
}

TEST(mail_auth)
{
	struct config cfg;
	char *out;

	CHECK(load("MailUser scandetd\n"
		   "MailPasswordFile /etc/scandetd/mail.pw\n", &cfg));
	CHECK_STR(cfg.mail_user, "scandetd");
	CHECK_STR(cfg.mail_password_file, "/etc/scandetd/mail.pw");
	/* -s shows the path, never what the file holds. */
	out = print_config(&cfg);
	CHECK(strstr(out, "\nMailUser scandetd\n"
		      "MailPasswordFile /etc/scandetd/mail.pw\n") != NULL);
	free(out);
	conf_free(&cfg);
	check_round_trip("MailUser \"scan detd\"\nMailPasswordFile /x/pw\n");
	/* One without the other: the line of the last of them. */
	CHECK_STR(load_error("CountThreshold 9\nMailUser scandetd\n\n"),
		  "t.conf:2: MailUser and MailPasswordFile go together");
	CHECK_STR(load_error("MailPasswordFile /x/pw\nLogScans no\n"),
		  "t.conf:1: MailUser and MailPasswordFile go together");
	CHECK_STR(load_error("MailUser a\nMailPasswordFile /x/pw\n"
			     "MailUser \"\"\n"),
		  "t.conf:3: MailUser and MailPasswordFile go together");
	CHECK(load("MailUser a\nMailPasswordFile /x\nMailUser \"\"\n"
		   "MailPasswordFile \"\"\n", &cfg));
	CHECK(cfg.mail_user == NULL);
	CHECK(cfg.mail_password_file == NULL);
	conf_free(&cfg);
}

TEST(mail_command)
{
	struct config cfg;

	CHECK(load("MailCommand \"/usr/sbin/sendmail -t -i\"\n", &cfg));
	CHECK_STR(cfg.mail_command, "/usr/sbin/sendmail -t -i");
	conf_free(&cfg);
	check_round_trip("MailCommand \"/usr/sbin/sendmail -t\"\n");
	CHECK(load("MailCommand /bin/x\nMailCommand \"\"\n", &cfg));
	CHECK(cfg.mail_command == NULL);
	conf_free(&cfg);
	CHECK_STR(load_error("MailCommand \"sendmail -t\""),
		  "t.conf:1: MailCommand: \"sendmail -t\" must start with an "
		  "absolute path");
}

/* A CR or LF in a value would forge a header or an SMTP command: the
 * parser refuses every control character, and a LF ends the line. */
TEST(mail_header_injection)
{
	CHECK_STR(load_error("HelloMsg evil\rRCPT TO:<x@example.org>\n"),
		  "t.conf:1: control character 0x0d");
	CHECK_STR(load_error("HelloMsg evil\r\nRCPT TO:<x@example.org>\n"),
		  "t.conf:2: unknown option \"RCPT\"");
	CHECK_STR(load_error("MailFrom a@b\r\nBcc: victim@example.org\n"),
		  "t.conf:2: unknown option \"Bcc:\"");
	CHECK_STR(load_error("MailFrom \"a@b\rBcc: victim@example.org\"\n"),
		  "t.conf:1: control character 0x0d");
	CHECK_STR(load_error("MailSubject \"x\x0b\""),
		  "t.conf:1: control character 0x0b");
	CHECK_STR(load_error("RcptTo a@b\x1b\n"),
		  "t.conf:1: control character 0x1b");
}

TEST(mail_print_round_trip)
{
	check_round_trip("SendEmail yes\nUdpSendEmail yes\nOSFPSendMail no\n"
			 "MailFrom scandetd@example.org\n"
			 "RcptTo a@example.org\nRcptTo b@example.org\n"
			 "MailSubject \"[scan] %p from %s to %d, 50%%\"\n"
			 "SMTPrelay 2001:db8::25\nMailPort 587\n"
			 "HelloMsg sensor.example.org\nMailTLS starttls\n"
			 "MailCAFile \"/etc/ssl/my ca.pem\"\n"
			 "MailUser alerts\nMailPasswordFile /etc/pw\n"
			 "MailRateLimit 1000\n"
			 "MailCommand \"/usr/sbin/sendmail -t\"\n");
}

TEST(syslog_facility)
{
	static const struct {
		const char *name;
		int value;
	} all[] = {
		{ "kern", LOG_KERN }, { "user", LOG_USER },
		{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON },
		{ "auth", LOG_AUTH }, { "syslog", LOG_SYSLOG },
		{ "lpr", LOG_LPR }, { "news", LOG_NEWS },
		{ "uucp", LOG_UUCP }, { "cron", LOG_CRON },
		{ "authpriv", LOG_AUTHPRIV }, { "ftp", LOG_FTP },
		{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
		{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
		{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	size_t i;
	struct config cfg;

	for (i = 0; i < N(all); i++) {
		CHECK(load(fmt("SyslogFacility %s", all[i].name), &cfg));
		CHECK_INT(cfg.syslog_facility, all[i].value);
		CHECK_STR(conf_facility_name(all[i].value), all[i].name);
		conf_free(&cfg);
	}
	CHECK(load("SyslogFacility LOCAL2", &cfg));
	CHECK_INT(cfg.syslog_facility, LOG_LOCAL2);
	conf_free(&cfg);
	/* openlog(3)'s spelling, in any case, names the same facility. */
	for (i = 0; i < N(all); i++) {
		CHECK(load(fmt("SyslogFacility LOG_%s", all[i].name), &cfg));
		CHECK_INT(cfg.syslog_facility, all[i].value);
		conf_free(&cfg);
	}
	CHECK(load("SyslogFacility LOG_LOCAL3", &cfg));
	CHECK_INT(cfg.syslog_facility, LOG_LOCAL3);
	conf_free(&cfg);
	CHECK(load("SyslogFacility Log_Daemon", &cfg));
	CHECK_INT(cfg.syslog_facility, LOG_DAEMON);
	/* printed as the original wrote it */
	CHECK_STR(conf_facility_name(cfg.syslog_facility), "daemon");
	conf_free(&cfg);
	CHECK_STR(conf_facility_name(12345), "unknown");
	/* An unknown one: every valid name is listed. */
	CHECK_STR(load_error("SyslogFacility local8"),
		  "t.conf:1: SyslogFacility: unknown facility \"local8\" (one "
		  "of kern, user, mail, daemon, auth, syslog, lpr, news, uucp, "
		  "cron, authpriv, ftp, local0, local1, local2, local3, "
		  "local4, local5, local6, local7)");
	CHECK(strstr(load_error("SyslogFacility 3"),
		     "SyslogFacility: unknown facility \"3\" (one of kern, "));
	CHECK(strstr(load_error("SyslogFacility LOG_"),
		     "SyslogFacility: unknown facility \"LOG_\" (one of "));
	CHECK(strstr(load_error("SyslogFacility LOG_LOG_LOCAL2"),
		     "unknown facility \"LOG_LOG_LOCAL2\" (one of "));
	CHECK(strstr(load_error("SyslogFacility LOGLOCAL2"),
		     "unknown facility \"LOGLOCAL2\" (one of "));
	CHECK_STR(load_error("SyslogFacility"),
		  "t.conf:1: SyslogFacility: missing value");
}

TEST(port_list_options)
{
	size_t i;

	for (i = 0; i < N(portlists); i++) {
		struct config cfg;
		const char *name = portlists[i].name;
		const struct portset *set;

		CHECK(load(fmt("%s 80 110\n%s 6000-6010,22 , 0\t65535\n"
			       "%s 80", name, name, name), &cfg));
		set = ports_at(&cfg, portlists[i].offset);
		CHECK_INT(port_count(set), 2 + 11 + 3);
		CHECK(portset_has(set, 80));
		CHECK(portset_has(set, 110));
		CHECK(portset_has(set, 6000));
		CHECK(portset_has(set, 6005));
		CHECK(portset_has(set, 6010));
		CHECK(portset_has(set, 22));
		CHECK(portset_has(set, 0));
		CHECK(portset_has(set, 65535));
		CHECK(!portset_has(set, 81));
		CHECK(!portset_has(set, 6011));
		conf_free(&cfg);

		CHECK_STR(load_error(fmt("%s 70000", name)),
			  fmt("t.conf:1: %s: bad port \"70000\"", name));
		CHECK_STR(load_error(fmt("%s 80 90-80", name)),
			  fmt("t.conf:1: %s: port range 90-80 is reversed",
			      name));
		CHECK_STR(load_error(fmt("%s 80 http", name)),
			  fmt("t.conf:1: %s: bad port \"http\"", name));
		CHECK_STR(load_error(fmt("%s 80-", name)),
			  fmt("t.conf:1: %s: bad port range \"80-\"", name));
		CHECK_STR(load_error(fmt("%s -1", name)),
			  fmt("t.conf:1: %s: bad port range \"-1\"", name));
		CHECK_STR(load_error(fmt("%s , ,", name)),
			  fmt("t.conf:1: %s: no port given", name));
		CHECK_STR(load_error(fmt("%s", name)),
			  fmt("t.conf:1: %s: missing value", name));
	}
}

TEST(rule_options)
{
	size_t i;

	for (i = 0; i < N(rulelists); i++) {
		struct config cfg;
		const char *name = rulelists[i].name;
		const struct rule_list *list;
		struct ipaddr a, b;

		CHECK(load(fmt("%s 127.0.0.0/8\n"
			       "%s 10.0.0.1 10.0.0.2 -> 0/0:53 # two rules\n"
			       "%s [2001:db8::]/32:1-1024 -> [::]/0:22",
			       name, name, name), &cfg));
		list = rules_at(&cfg, rulelists[i].offset);
		CHECK_INT(list->n, 4);
		addr_parse("10.0.0.2", &a);
		addr_parse("192.0.2.1", &b);
		CHECK(rule_list_match(list, &a, 1, &b, 53));
		CHECK(!rule_list_match(list, &a, 1, &b, 54));
		conf_free(&cfg);

		CHECK_STR(load_error(fmt("%s 300.1.2.3", name)),
			  fmt("t.conf:1: %s: bad address \"300.1.2.3\"", name));
		CHECK_STR(load_error(fmt("%s 0/0 ->", name)),
			  fmt("t.conf:1: %s: missing destination after "
			      "\"->\"", name));
		CHECK_STR(load_error(fmt("%s", name)),
			  fmt("t.conf:1: %s: missing value", name));
		CHECK_STR(load_error(fmt("%s \"\"", name)),
			  fmt("t.conf:1: %s: empty rule", name));
	}
	/* The brief's own example, with rules and strings already loaded
	 * before the error: nothing may leak (ASan). */
	CHECK_STR(load_error("HostScanIgnore 10.0.0.0/8\nMailFrom a@b\n"
			     "PortScanIgnore 1-100\n\n\n\n"
			     "HostScanIgnore 300.1.2.3\n"),
		  "t.conf:7: HostScanIgnore: bad address \"300.1.2.3\"");
}

/* ---- IgnoreHost and LogPorts ---------------------------------------------- */

static bool scan_ignored(const struct config *cfg, int proto, const char *src,
			 unsigned sport, const char *dst, unsigned dport)
{
	struct ipaddr s, d;

	addr_parse(src, &s);
	addr_parse(dst, &d);
	return conf_scan_ignored(cfg, proto, &s, (uint16_t)sport, &d,
				 (uint16_t)dport);
}

static bool log_ignored(const struct config *cfg, int proto, const char *src,
			unsigned sport, const char *dst, unsigned dport)
{
	struct ipaddr s, d;

	addr_parse(src, &s);
	addr_parse(dst, &d);
	return conf_log_ignored(cfg, proto, &s, (uint16_t)sport, &d,
				(uint16_t)dport);
}

/* One IgnoreHost line leaves a host out of scan detection and connection
 * logging for TCP and UDP alike (OS probes: test_detect, t_config). */
TEST(ignore_host)
{
	struct config cfg;
	char *out;
	int proto;

	CHECK(load("IgnoreHost 192.0.2.7 [2001:db8::]/32\n"
		   "IgnoreHost 0/0 -> 198.51.100.80:80\n", &cfg));
	CHECK_INT(cfg.ignore_hosts.n, 3);
	for (proto = 0; proto < CONF_NPROTO; proto++) {
		/* the per-protocol lists stay as the file wrote them */
		CHECK_INT(cfg.proto[proto].scan_ignore_hosts.n, 0);
		CHECK_INT(cfg.proto[proto].log_ignore_hosts.n, 0);
		CHECK(scan_ignored(&cfg, proto, "192.0.2.7", 1, "203.0.113.1",
				   22));
		CHECK(log_ignored(&cfg, proto, "192.0.2.7", 1, "203.0.113.1",
				  22));
		CHECK(scan_ignored(&cfg, proto, "2001:db8::5", 1, "::1", 22));
		CHECK(log_ignored(&cfg, proto, "2001:db8::5", 1, "::1", 22));
		CHECK(!scan_ignored(&cfg, proto, "192.0.2.8", 1,
				    "203.0.113.1", 22));
		CHECK(!log_ignored(&cfg, proto, "192.0.2.8", 1, "203.0.113.1",
				   22));
		/* from the host, not to it */
		CHECK(!scan_ignored(&cfg, proto, "203.0.113.1", 22,
				    "192.0.2.7", 1));
		/* the rule syntax: anything to one port of one host */
		CHECK(scan_ignored(&cfg, proto, "192.0.2.9", 1,
				   "198.51.100.80", 80));
		CHECK(!scan_ignored(&cfg, proto, "192.0.2.9", 1,
				    "198.51.100.80", 81));
	}
	out = print_config(&cfg);
	CHECK(strstr(out, "\nIgnoreHost 192.0.2.7\nIgnoreHost [2001:db8::]/32\n"
		      "IgnoreHost 0.0.0.0/0 -> 198.51.100.80:80\n"));
	free(out);
	conf_free(&cfg);
	check_round_trip("IgnoreHost 192.0.2.7\nHostScanIgnore 192.0.2.8\n");

	/* The original's per-protocol options keep their own meaning. */
	CHECK(load("HostScanIgnore 192.0.2.8\nUdpHostLogIgnore 192.0.2.9\n",
		   &cfg));
	CHECK(scan_ignored(&cfg, CONF_TCP, "192.0.2.8", 1, "203.0.113.1", 22));
	CHECK(!scan_ignored(&cfg, CONF_UDP, "192.0.2.8", 1, "203.0.113.1",
			    22));
	CHECK(!log_ignored(&cfg, CONF_TCP, "192.0.2.8", 1, "203.0.113.1", 22));
	CHECK(log_ignored(&cfg, CONF_UDP, "192.0.2.9", 1, "203.0.113.1", 53));
	CHECK(!log_ignored(&cfg, CONF_TCP, "192.0.2.9", 1, "203.0.113.1",
			   53));
	conf_free(&cfg);

	CHECK_STR(load_error("\nIgnoreHost 192.0.2.300"),
		  "t.conf:2: IgnoreHost: bad address \"192.0.2.300\"");
	CHECK_STR(load_error("IgnoreHost 2001:db8::1"),
		  "t.conf:1: IgnoreHost: IPv6 address must be in brackets: "
		  "\"2001:db8::1\"");
}

/* LogPorts lets only its ports into connection logging, TCP and UDP;
 * PortLogIgnore and UdpPortLogIgnore still take ports out. */
TEST(log_ports)
{
	struct config cfg;
	char *out;
	int proto;

	CHECK(load("", &cfg));
	CHECK(!cfg.log_ports_given);
	for (proto = 0; proto < CONF_NPROTO; proto++)
		CHECK(!log_ignored(&cfg, proto, "192.0.2.1", 1, "192.0.2.2",
				   12345));
	conf_free(&cfg);

	CHECK(load("LogPorts 22\nLogPorts 80,443 6000-6001\n"
		   "PortLogIgnore 80\nUdpPortLogIgnore 443\n", &cfg));
	CHECK(cfg.log_ports_given);
	CHECK_INT(port_count(&cfg.log_ports), 5);
	for (proto = 0; proto < CONF_NPROTO; proto++) {
		CHECK(!log_ignored(&cfg, proto, "192.0.2.1", 1, "192.0.2.2",
				   22));
		CHECK(!log_ignored(&cfg, proto, "192.0.2.1", 1, "192.0.2.2",
				   6001));
		CHECK(log_ignored(&cfg, proto, "192.0.2.1", 1, "192.0.2.2",
				  23));
		CHECK(log_ignored(&cfg, proto, "192.0.2.1", 1, "192.0.2.2",
				  6002));
		/* scan detection does not look at LogPorts */
		CHECK(!scan_ignored(&cfg, proto, "192.0.2.1", 1, "192.0.2.2",
				    23));
	}
	CHECK(log_ignored(&cfg, CONF_TCP, "192.0.2.1", 1, "192.0.2.2", 80));
	CHECK(!log_ignored(&cfg, CONF_UDP, "192.0.2.1", 1, "192.0.2.2", 80));
	CHECK(!log_ignored(&cfg, CONF_TCP, "192.0.2.1", 1, "192.0.2.2", 443));
	CHECK(log_ignored(&cfg, CONF_UDP, "192.0.2.1", 1, "192.0.2.2", 443));
	out = print_config(&cfg);
	CHECK(strstr(out, "\nLogPorts 22 80 443 6000-6001\n"));
	free(out);
	conf_free(&cfg);
	/* Port 0 alone is a list too. */
	CHECK(load("LogPorts 0", &cfg));
	CHECK(cfg.log_ports_given);
	CHECK(!log_ignored(&cfg, CONF_UDP, "192.0.2.1", 1, "192.0.2.2", 0));
	CHECK(log_ignored(&cfg, CONF_UDP, "192.0.2.1", 1, "192.0.2.2", 1));
	conf_free(&cfg);
	check_round_trip("LogPorts 22 80 443\nPortLogIgnore 80\n");
	check_round_trip("LogPorts 0\n");

	CHECK_STR(load_error("LogPorts ssh"),
		  "t.conf:1: LogPorts: bad port \"ssh\"");
	CHECK_STR(load_error("LogPorts"), "t.conf:1: LogPorts: missing value");
	CHECK_STR(load_error("LogPorts ,"),
		  "t.conf:1: LogPorts: no port given");
}

/* ---- syntax --------------------------------------------------------------- */

TEST(separators)
{
	static const char *const forms[] = {
		"CountThreshold 12", "CountThreshold\t12",
		"CountThreshold=12", "CountThreshold = 12",
		"CountThreshold\t=\t12", "CountThreshold= 12",
		"CountThreshold =12", "   CountThreshold 12   ",
		"\tCountThreshold \t 12\t",
	};
	size_t i;

	for (i = 0; i < N(forms); i++) {
		struct config cfg;

		CHECK(load(forms[i], &cfg));
		CHECK_INT(cfg.count_threshold, 12);
		conf_free(&cfg);
	}
	CHECK_STR(load_error("CountThreshold==12"),
		  "t.conf:1: CountThreshold: \"=12\" is not a number");
	CHECK_STR(load_error("CountThreshold="),
		  "t.conf:1: CountThreshold: missing value");
	CHECK_STR(load_error("CountThreshold12"),
		  "t.conf:1: unknown option \"CountThreshold12\" (did you mean "
		  "CountThreshold?)");
}

TEST(names_are_case_insensitive)
{
	struct config cfg;

	CHECK(load("countthreshold 7\nSMTPRelay mx.example\n"
		   "smtprelay mx2.example\nUDPLOGSCANS no\n"
		   "hostscanignore 10.0.0.1\n", &cfg));
	CHECK_INT(cfg.count_threshold, 7);
	CHECK_STR(cfg.smtp_relay, "mx2.example");
	CHECK(!cfg.proto[CONF_UDP].log_scans);
	CHECK_INT(cfg.proto[CONF_TCP].scan_ignore_hosts.n, 1);
	conf_free(&cfg);
}

TEST(unknown_options)
{
	/* A name close to a known one: that one is suggested. */
	CHECK_STR(load_error("\n\n\n\n\n\n\n\n\n\n\nLogConections yes\n"),
		  "t.conf:12: unknown option \"LogConections\" (did you mean "
		  "LogConnections?)");
	CHECK_STR(load_error("Log-Connections yes"),
		  "t.conf:1: unknown option \"Log-Connections\" (did you mean "
		  "LogConnections?)");
	CHECK_STR(load_error("\"LogScans\" yes"),
		  "t.conf:1: unknown option \"\"LogScans\"\" (did you mean "
		  "LogScans?)");
	CHECK_STR(load_error("=yes"), "t.conf:1: unknown option \"\"");
	CHECK_STR(load_error("LogScans\"yes\""),
		  "t.conf:1: unknown option \"LogScans\"yes\"\"");
	/* Names are whole words: a prefix or a longer name is unknown. */
	CHECK_STR(load_error("LogScan yes"),
		  "t.conf:1: unknown option \"LogScan\" (did you mean "
		  "LogScans?)");
	CHECK_STR(load_error("LogScansX yes"),
		  "t.conf:1: unknown option \"LogScansX\" (did you mean "
		  "LogScans?)");
	/* Case does not count; two neighbours swapped are one edit. */
	CHECK_STR(load_error("hostscanignroe 10.0.0.1"),
		  "t.conf:1: unknown option \"hostscanignroe\" (did you mean "
		  "HostScanIgnore?)");
	CHECK_STR(load_error("SMTPRealy mx"),
		  "t.conf:1: unknown option \"SMTPRealy\" (did you mean "
		  "SMTPrelay?)");
	CHECK_STR(load_error("IgnoreHosts 10.0.0.1"),
		  "t.conf:1: unknown option \"IgnoreHosts\" (did you mean "
		  "IgnoreHost?)");
	CHECK_STR(load_error("LogPort 22"),
		  "t.conf:1: unknown option \"LogPort\" (did you mean "
		  "LogPorts?)");
	/* The nearest wins: one edit from UdpLogScans, two from LogScans. */
	CHECK_STR(load_error("UdpLogScan no"),
		  "t.conf:1: unknown option \"UdpLogScan\" (did you mean "
		  "UdpLogScans?)");
	/* Too far from every name: no guess.  Short names allow one edit,
	 * long ones at most three. */
	CHECK_STR(load_error("Bogus 1"), "t.conf:1: unknown option \"Bogus\"");
	CHECK_STR(load_error("RCPT x"), "t.conf:1: unknown option \"RCPT\"");
	CHECK_STR(load_error("TrwXY 0.1"),
		  "t.conf:1: unknown option \"TrwXY\" (did you mean TrwPD?)");
	CHECK_STR(load_error("TrXYZ 0.1"),
		  "t.conf:1: unknown option \"TrXYZ\"");
	CHECK_STR(load_error("CountThresholdXYZ 1"),
		  "t.conf:1: unknown option \"CountThresholdXYZ\" (did you "
		  "mean CountThreshold?)");
	CHECK_STR(load_error("CountThresholdWXYZ 1"),
		  "t.conf:1: unknown option \"CountThresholdWXYZ\"");
	CHECK_STR(load_error("LogConnectionsAndScans yes"),
		  "t.conf:1: unknown option \"LogConnectionsAndScans\"");
}

TEST(comments)
{
	struct config cfg;

	CHECK(load("# a comment\n"
		   "   # an indented one\n"
		   "LogScans no # trailing comment\n"
		   "MailFrom a@b\t# after a tab\n"
		   "MailSubject scan#1 from %s #comment\n"
		   "PortLogIgnore 80 110 # the web and pop3\n"
		   "HostLogIgnore 10.0.0.1 -> 0/0:53 # dns\n"
		   "RcptTo root#x@example\n"
		   "HelloMsg \"host\" # quoted, then a comment\n"
		   "CaptureFilter \"a # b\"#no blank needed after a quote\n",
		   &cfg));
	CHECK(!cfg.proto[CONF_TCP].log_scans);
	CHECK_STR(cfg.mail_from, "a@b");
	/* A '#' that does not follow a blank belongs to the value. */
	CHECK_STR(cfg.mail_subject, "scan#1 from %s");
	CHECK_INT(cfg.rcpt_to.n, 1);
	CHECK_STR(cfg.rcpt_to.v[0], "root#x@example");
	CHECK_INT(port_count(&cfg.proto[CONF_TCP].log_ignore_ports), 2);
	CHECK_INT(cfg.proto[CONF_TCP].log_ignore_hosts.n, 1);
	CHECK_STR(cfg.hello_msg, "host");
	CHECK_STR(cfg.capture_filter, "a # b");
	conf_free(&cfg);

	CHECK_STR(load_error("LogScans #yes"),
		  "t.conf:1: LogScans: missing value");
	CHECK_STR(load_error("LogScans=#yes"),
		  "t.conf:1: LogScans: missing value");
}

TEST(quoting)
{
	struct config cfg;

	CHECK(load("MailSubject\t\"%p scan from %s\"\n"
		   "HelloMsg \"localhost\"\n"
		   "CountThreshold \"12\"\n"
		   "LogScans \"no\"\n"
		   "PortLogIgnore \"80 110\"\n"
		   "HostLogIgnore \"0/0 -> 0/0:137\"\n"
		   "RunAsUser=\"nobody\"\n"
		   "JsonLog 'single' \n"
		   "MailFrom a@b # a \"comment\" may hold quotes\n", &cfg));
	CHECK_STR(cfg.mail_subject, "%p scan from %s");
	CHECK_STR(cfg.hello_msg, "localhost");
	CHECK_INT(cfg.count_threshold, 12);
	CHECK(!cfg.proto[CONF_TCP].log_scans);
	CHECK_INT(port_count(&cfg.proto[CONF_TCP].log_ignore_ports), 2);
	CHECK_INT(cfg.proto[CONF_TCP].log_ignore_hosts.n, 1);
	CHECK_STR(cfg.run_as_user, "nobody");
	/* Single quotes are not quotes. */
	CHECK_STR(cfg.json_log, "'single'");
	CHECK_STR(cfg.mail_from, "a@b");
	conf_free(&cfg);

	/* A '"' in an unquoted value is a quote closed without being opened
	 * or opened too late: an error, never part of the value. */
	CHECK_STR(load_error("HelloMsg localhost\""),
		  "t.conf:1: HelloMsg: stray '\"' after \"localhost\" (a quoted "
		  "value starts with '\"' and ends at the next one)");
	CHECK_STR(load_error("\nMailSubject %p scan from %s\"  # subject\n"),
		  "t.conf:2: MailSubject: stray '\"' after \"%p scan from %s\" "
		  "(a quoted value starts with '\"' and ends at the next one)");
	CHECK_STR(load_error("MailSubject scan \"from\" %s"),
		  "t.conf:1: MailSubject: stray '\"' after \"scan \" (a quoted "
		  "value starts with '\"' and ends at the next one)");
	CHECK_STR(load_error("RcptTo a\"b"),
		  "t.conf:1: RcptTo: stray '\"' after \"a\" (a quoted value "
		  "starts with '\"' and ends at the next one)");
	CHECK_STR(load_error("CountThreshold=12\""),
		  "t.conf:1: CountThreshold: stray '\"' after \"12\" (a quoted "
		  "value starts with '\"' and ends at the next one)");

	CHECK_STR(load_error("MailSubject \"%p scan from %s"),
		  "t.conf:1: MailSubject: missing closing quote");
	CHECK_STR(load_error("MailSubject \"a\" b"),
		  "t.conf:1: MailSubject: unexpected \"b\" after the closing "
		  "quote");
	CHECK_STR(load_error("MailSubject \"a\"\"b\""),
		  "t.conf:1: MailSubject: unexpected \"\"b\"\" after the "
		  "closing quote");
	CHECK_STR(load_error("MailSubject \"\""),
		  "t.conf:1: MailSubject: empty value");
}

TEST(repeats)
{
	struct config cfg;

	CHECK(load("CountThreshold 10\nCountThreshold 20\n"
		   "LogScans no\nLogScans yes\n"
		   "SyslogFacility local1\nSyslogFacility local2\n"
		   "PortScanIgnore 80\nPortScanIgnore 110\n"
		   "HostScanIgnore 10.0.0.1\nHostScanIgnore 10.0.0.2\n"
		   "MailFrom a@b\nMailFrom c@d\n", &cfg));
	CHECK_INT(cfg.count_threshold, 20);
	CHECK(cfg.proto[CONF_TCP].log_scans);
	CHECK_INT(cfg.syslog_facility, LOG_LOCAL2);
	CHECK_INT(port_count(&cfg.proto[CONF_TCP].scan_ignore_ports), 2);
	CHECK_INT(cfg.proto[CONF_TCP].scan_ignore_hosts.n, 2);
	CHECK_STR(cfg.mail_from, "c@d");
	conf_free(&cfg);
}

TEST(line_endings)
{
	struct config cfg;

	/* CRLF (edited on Windows) and a last line without a newline. */
	CHECK(load("CountThreshold 9\r\nMailSubject \"x y\"\r\n"
		   "# comment\r\n\r\nLogScans no", &cfg));
	CHECK_INT(cfg.count_threshold, 9);
	CHECK_STR(cfg.mail_subject, "x y");
	CHECK(!cfg.proto[CONF_TCP].log_scans);
	conf_free(&cfg);
	/* A CR anywhere else is a control character. */
	CHECK_STR(load_error("LogScans no\nMailSubject a\rb\n"),
		  "t.conf:2: control character 0x0d");
	CHECK_STR(load_error("MailSubject \"a\x1b[31m\""),
		  "t.conf:1: control character 0x1b");
	CHECK_STR(load_error("# even in a comment \x7f\n"),
		  "t.conf:1: control character 0x7f");
}

TEST(line_length)
{
	struct config cfg;
	/* "MailSubject " is 12 characters; the line is 4096 or 4097. */
	char *ok = repeat("MailSubject ", "x", CONF_LINE_MAX - 12, "");
	char *bad = repeat("#\n#\nMailSubject ", "x", CONF_LINE_MAX - 11, "");
	char *comment = repeat("\n#", "x", CONF_LINE_MAX, "\n");
	char *crlf = repeat("#", "x", CONF_LINE_MAX - 2, "\r\nLogScans no");

	/* Long, but MailSubject holds 1024 at most: a value error, not a
	 * line error. */
	CHECK_STR(load_error(ok), "t.conf:1: MailSubject: value longer than "
		  "1024 characters");
	CHECK_STR(load_error(bad), "t.conf:3: line longer than 4096 "
		  "characters");
	CHECK_STR(load_error(comment), "t.conf:2: line longer than 4096 "
		  "characters");
	CHECK(load(crlf, &cfg));
	CHECK(!cfg.proto[CONF_TCP].log_scans);
	conf_free(&cfg);
	free(ok);
	free(bad);
	free(comment);
	free(crlf);

	/* A rule line of exactly 4096 characters that would print as
	 * 4087: refused, since -s output could not be read back. */
	ok = port_text("HostScanIgnore 0/0:", CONF_LINE_MAX);
	CHECK_INT(strlen(ok), CONF_LINE_MAX);
	CHECK_STR(load_error(ok), "t.conf:1: HostScanIgnore: rule longer "
		  "than 4032 characters when written out in full");
	free(ok);
	/* One that prints as 4032 loads and prints as a re-readable line. */
	ok = port_text("HostScanIgnore 1.2.3.4:", 15 + 4032);
	CHECK(load(ok, &cfg));
	conf_free(&cfg);
	check_round_trip(ok);
	free(ok);
	ok = repeat("PortScanIgnore ", "1,", 2040, "2");
	CHECK_INT(strlen(ok), CONF_LINE_MAX);
	CHECK(load(ok, &cfg));
	CHECK_INT(port_count(&cfg.proto[CONF_TCP].scan_ignore_ports), 2);
	conf_free(&cfg);
	free(ok);
}

TEST(rule_count_limit)
{
	char *text = repeat("", "HostScanIgnore 10.0.0.1\n", CONF_MAX_RULES,
			    "UdpHostScanIgnore 10.0.0.1\n"
			    "HostScanIgnore 10.0.0.1\n");
	struct config cfg;

	CHECK_STR(load_error(text), "t.conf:4098: HostScanIgnore: too many "
		  "rules (more than 4096)");
	text[strlen(text) - strlen("HostScanIgnore 10.0.0.1\n")] = '\0';
	CHECK(load(text, &cfg));
	CHECK_INT(cfg.proto[CONF_TCP].scan_ignore_hosts.n, CONF_MAX_RULES);
	CHECK_INT(cfg.proto[CONF_UDP].scan_ignore_hosts.n, 1);
	conf_free(&cfg);
	free(text);

	text = repeat("HostScanIgnore 0/0:", "1,", CONF_MAX_PORT_RANGES, "1");
	CHECK_STR(load_error(text), fmt("t.conf:1: HostScanIgnore: more than "
		  "1024 ports or ranges in \"%.64s...\" in \"%.64s...\"",
		  text + 19, text + 15));
	free(text);
}

/* ---- files ----------------------------------------------------------------- */

TEST(files)
{
	struct config cfg;
	char *name;
	static const char with_nul[] = "LogScans no\n\nMailFrom a\0b\n";

	name = temp_file("CountThreshold 5\n", 17);
	err[0] = '\0';
	CHECK(conf_load(name, &cfg, err, sizeof err));
	CHECK_INT(cfg.count_threshold, 5);
	CHECK_STR(cfg.path, name);
	conf_free(&cfg);
	unlink(name);
	free(name);

	/* Errors from a file name the file. */
	name = temp_file("LogScans no\nBogus 1\n", 20);
	CHECK(!conf_load(name, &cfg, err, sizeof err));
	CHECK_STR(err, fmt("%s:2: unknown option \"Bogus\"", name));
	CHECK(is_zeroed(&cfg));
	unlink(name);
	free(name);

	name = temp_file(with_nul, sizeof with_nul - 1);
	CHECK(!conf_load(name, &cfg, err, sizeof err));
	CHECK_STR(err, fmt("%s:3: NUL byte in line", name));
	CHECK(is_zeroed(&cfg));
	unlink(name);
	free(name);

	CHECK(!conf_load("/nonexistent/scandetd.conf", &cfg, err, sizeof err));
	CHECK_STR(err, "/nonexistent/scandetd.conf: No such file or directory");
	CHECK(is_zeroed(&cfg));

	CHECK(!conf_load("/", &cfg, err, sizeof err));
	CHECK_STR(err, "/: Is a directory");
	CHECK(is_zeroed(&cfg));

	/* A message longer than the buffer is cut, never overrun. */
	CHECK(!conf_load("/nonexistent/scandetd.conf", &cfg, err, 8));
	CHECK_STR(err, "/nonexi");
	CHECK(!conf_load_string("t.conf", "LogScans maybe", &cfg, err, 12));
	CHECK_STR(err, "t.conf:1: L");
}

TEST(message_excerpts)
{
	char *text = repeat("LogScans ", "y", 200, "");

	CHECK_STR(load_error(text), fmt("t.conf:1: LogScans: \"%.64s...\" is "
		  "not yes or no", text + 9));
	free(text);
	text = repeat("", "Z", 200, " 1");
	CHECK_STR(load_error(text), fmt("t.conf:1: unknown option "
		  "\"%.64s...\"", text));
	free(text);
}

/* ---- the original's sample file --------------------------------------------- */

static const char original_sample[] =
	"# Scandetd configuration file\n"
	"\n"
	"# User to run as\n"
	"RunAsUser nobody\n"
	"# Syslog facility\n"
	"SyslogFacility local2\n"
	"\n"
	"#########################\n"
	"# Logging of connections\n"
	"#########################\n"
	"DNSResolve\tno\n"
	"PortResolve \tno\n"
	"LogDetails\tno\n"
	"\n"
	"# TCP\n"
	"LogConnections  no\n"
	"PortLogIgnore 80 110\n"
	"HostLogIgnore 127.0.0.0/8\n"
	"HostLogIgnore 192.168.1.0/24:1024-65535 -> 192.168.1.1:1-1024,3306\n"
	"\n"
	"# UDP\n"
	"UdpLogConnections  no\n"
	"UdpPortLogIgnore 517 518\n"
	"UdpHostLogIgnore 127.0.0.1/8\n"
	"UdpHostLogIgnore 0/0:1024-65535 -> 0/0:53\n"
	"\n"
	"#########################\n"
	"# OS fingerprinting\n"
	"#########################\n"
	"LogOSFP\t\tyes\n"
	"OSFPSendMail\tyes\n"
	"\n"
	"#########################\n"
	"# Scan detection\n"
	"#########################\n"
	"FloodDetection yes\n"
	"PortScanIgnore 80 110\n"
	"UdpPortScanIgnore 517 518\n"
	"HostScanIgnore 127.0.0.1/8 \n"
	"HostScanIgnore 0/0 -> 0/0:137\n"
	"HostScanIgnore 192.168.1.0/24:1-1024 -> 192.168.1.1:1024-65535\n"
	"UdpHostScanIgnore 0/0:53 -> 0/0\n"
	"UdpHostScanIgnore 127.0.0.1/24 192.168.1.0/24 -> "
	"192.168.1.1:53,111\n"
	"UdpHostScanIgnore 0/0 -> 0/0:137\n"
	"# How many connections make a scan\n"
	"CountThreshold\t40\n"
	"LogScans        yes\n"
	"UdpLogScans\tyes\n"
	"\n"
	"#########################\n"
	"# Email\n"
	"#########################\n"
	"SendEmail \tyes\n"
	"UdpSendEmail\tyes\n"
	"MailFrom  Scandetd@localhost\n"
	"RcptTo \troot@localhost\n"
	"# %p protocol, %s source\n"
	"MailSubject\t\"%p scan from %s\"\n"
	"SMTPrelay 127.0.0.1\n"
	"MailPort 25\n"
	"HelloMsg \"localhost\"\n";

static bool rules_match(const struct rule_list *list, const char *src,
			unsigned sport, const char *dst, unsigned dport)
{
	struct ipaddr s, d;

	addr_parse(src, &s);
	addr_parse(dst, &d);
	return rule_list_match(list, &s, (uint16_t)sport, &d, (uint16_t)dport);
}

TEST(original_sample_loads)
{
	struct config cfg;
	const struct proto_conf *tcp, *udp;

	CHECK(load(original_sample, &cfg));
	CHECK_STR(err, "");
	tcp = &cfg.proto[CONF_TCP];
	udp = &cfg.proto[CONF_UDP];
	CHECK_STR(cfg.run_as_user, "nobody");
	CHECK_INT(cfg.syslog_facility, LOG_LOCAL2);
	CHECK(!cfg.dns_resolve);
	CHECK(!cfg.port_resolve);
	CHECK(!cfg.log_details);
	CHECK(!tcp->log_connections);
	CHECK(!udp->log_connections);
	CHECK_INT(port_count(&tcp->log_ignore_ports), 2);
	CHECK(portset_has(&tcp->log_ignore_ports, 80));
	CHECK(portset_has(&tcp->log_ignore_ports, 110));
	CHECK_INT(port_count(&udp->log_ignore_ports), 2);
	CHECK(portset_has(&udp->log_ignore_ports, 517));
	CHECK(portset_has(&udp->log_ignore_ports, 518));
	CHECK_INT(tcp->log_ignore_hosts.n, 2);
	CHECK_INT(udp->log_ignore_hosts.n, 2);
	CHECK(rules_match(&tcp->log_ignore_hosts, "127.1.2.3", 1, "8.8.8.8", 1));
	CHECK(rules_match(&tcp->log_ignore_hosts, "192.168.1.5", 2000,
			  "192.168.1.1", 3306));
	CHECK(!rules_match(&tcp->log_ignore_hosts, "192.168.1.5", 2000,
			   "192.168.1.1", 3307));
	CHECK(rules_match(&udp->log_ignore_hosts, "9.9.9.9", 1024, "1.1.1.1",
			  53));
	CHECK(!rules_match(&udp->log_ignore_hosts, "9.9.9.9", 1023, "1.1.1.1",
			   53));
	CHECK(cfg.log_osfp);
	CHECK(cfg.osfp_send_mail);
	CHECK(cfg.flood_detection);
	CHECK_INT(port_count(&tcp->scan_ignore_ports), 2);
	CHECK_INT(port_count(&udp->scan_ignore_ports), 2);
	CHECK_INT(tcp->scan_ignore_hosts.n, 3);
	CHECK_INT(udp->scan_ignore_hosts.n, 4);
	CHECK(rules_match(&tcp->scan_ignore_hosts, "127.9.9.9", 1, "1.1.1.1",
			  1));
	CHECK(rules_match(&tcp->scan_ignore_hosts, "9.9.9.9", 1, "1.1.1.1",
			  137));
	CHECK(!rules_match(&tcp->scan_ignore_hosts, "9.9.9.9", 1, "1.1.1.1",
			   138));
	/* Both sources of the two-source rule get the destination. */
	CHECK(rules_match(&udp->scan_ignore_hosts, "127.0.0.200", 9,
			  "192.168.1.1", 111));
	CHECK(rules_match(&udp->scan_ignore_hosts, "192.168.1.200", 9,
			  "192.168.1.1", 53));
	CHECK(!rules_match(&udp->scan_ignore_hosts, "192.168.1.200", 9,
			   "192.168.1.1", 54));
	CHECK(rules_match(&udp->scan_ignore_hosts, "9.9.9.9", 53, "1.1.1.1",
			  9));
	CHECK_INT(cfg.count_threshold, 40);
	CHECK(tcp->log_scans);
	CHECK(udp->log_scans);
	CHECK(tcp->send_email);
	CHECK(udp->send_email);
	CHECK_STR(cfg.mail_from, "Scandetd@localhost");
	CHECK_INT(cfg.rcpt_to.n, 1);
	CHECK_STR(cfg.rcpt_to.v[0], "root@localhost");
	CHECK_STR(cfg.mail_subject, "%p scan from %s");
	CHECK_STR(cfg.smtp_relay, "127.0.0.1");
	CHECK_INT(cfg.mail_port, 25);
	CHECK_STR(cfg.hello_msg, "localhost");
	/* Left at their defaults. */
	CHECK_STR(cfg.pid_file, DEFAULT_PID_FILE);
	CHECK(cfg.capture_filter == NULL);
	CHECK(cfg.json_log == NULL);
	CHECK_INT(cfg.source_table_size, DEFAULT_SOURCE_TABLE_SIZE);
	CHECK_INT(cfg.flow_table_size, DEFAULT_FLOW_TABLE_SIZE);
	conf_free(&cfg);
}

TEST(contrib_example_loads)
{
	struct config cfg, def;
	char *a, *b;

	err[0] = '\0';
	CHECK(conf_load("contrib/scandetd.conf", &cfg, err, sizeof err));
	CHECK_STR(err, "");
	/* The example documents the defaults: loading it changes nothing
	 * but the example ignore rules and ports. */
	conf_defaults(&def);
	CHECK_INT(cfg.count_threshold, def.count_threshold);
	CHECK_INT(cfg.mail_port, def.mail_port);
	CHECK_INT(cfg.syslog_facility, def.syslog_facility);
	CHECK_INT(cfg.source_table_size, def.source_table_size);
	CHECK_INT(cfg.flow_table_size, def.flow_table_size);
	CHECK_STR(cfg.mail_subject, def.mail_subject);
	CHECK_STR(cfg.pid_file, def.pid_file);
	CHECK_STR(cfg.run_as_user, def.run_as_user);
	CHECK(cfg.proto[CONF_TCP].log_scans == def.proto[CONF_TCP].log_scans);
	CHECK(cfg.proto[CONF_TCP].send_email ==
	      def.proto[CONF_TCP].send_email);
	CHECK(cfg.capture_filter == NULL);
	CHECK(cfg.json_log == NULL);
	CHECK_INT(cfg.json_format, def.json_format);
	CHECK(cfg.sandbox_required == def.sandbox_required);
	CHECK_INT(cfg.alert_limit.count, def.alert_limit.count);
	CHECK_INT(cfg.alert_limit.seconds, def.alert_limit.seconds);
	CHECK_INT(cfg.interfaces.n, 0);
	a = print_config(&cfg);
	conf_free(&def);
	CHECK(load(a, &def));
	b = print_config(&def);
	CHECK_STR(b, a);
	free(a);
	free(b);
	conf_free(&def);
	conf_free(&cfg);
}

/* ---- AlertLimit ------------------------------------------------------------ */

/* JsonFormat: default (the default) or ecs, any case; -s prints it. */
TEST(json_format)
{
	struct config cfg;
	char *out;

	conf_defaults(&cfg);
	CHECK_INT(cfg.json_format, JSON_DEFAULT);
	out = print_config(&cfg);
	CHECK(strstr(out, "\nJsonFormat default\n") != NULL);
	free(out);
	conf_free(&cfg);

	CHECK(load("JsonFormat ecs\n", &cfg));
	CHECK_INT(cfg.json_format, JSON_ECS);
	conf_free(&cfg);
	CHECK(load("jsonformat = ECS # Elastic\nJsonFormat Default\n", &cfg));
	CHECK_INT(cfg.json_format, JSON_DEFAULT);	/* the last one counts */
	conf_free(&cfg);
	CHECK(load("JsonFormat \"Ecs\"\n", &cfg));
	CHECK_INT(cfg.json_format, JSON_ECS);
	conf_free(&cfg);
	check_round_trip("JsonFormat ecs\n");
	check_round_trip("JsonFormat default\n");
	CHECK_STR(conf_json_format_name(JSON_ECS), "ecs");
	CHECK_STR(conf_json_format_name(JSON_DEFAULT), "default");

	CHECK_STR(load_error("# events\n\nJsonFormat json\n"),
		  "t.conf:3: JsonFormat: \"json\" is not default or ecs");
	CHECK_STR(load_error("JsonFormat ecs 8"),
		  "t.conf:1: JsonFormat: \"ecs 8\" is not default or ecs");
	CHECK_STR(load_error("JsonFormat \"\""),
		  "t.conf:1: JsonFormat: \"\" is not default or ecs");
	CHECK_STR(load_error("JsonFormat"),
		  "t.conf:1: JsonFormat: missing value");
}

TEST(alert_limit)
{
	struct config cfg;
	char *out;

	conf_defaults(&cfg);
	CHECK_INT(cfg.alert_limit.count, DEFAULT_ALERT_LIMIT);
	CHECK_INT(cfg.alert_limit.seconds, DEFAULT_ALERT_INTERVAL);
	out = print_config(&cfg);
	CHECK(strstr(out, fmt("\nAlertLimit %u %u\n", DEFAULT_ALERT_LIMIT,
			      DEFAULT_ALERT_INTERVAL)) != NULL);
	free(out);
	conf_free(&cfg);

	CHECK(load("AlertLimit 50 5\n", &cfg));
	CHECK_INT(cfg.alert_limit.count, 50);
	CHECK_INT(cfg.alert_limit.seconds, 5);
	conf_free(&cfg);
	CHECK(load("alertlimit=\t0   86400  # off\n", &cfg));
	CHECK_INT(cfg.alert_limit.count, 0);
	CHECK_INT(cfg.alert_limit.seconds, 86400);
	conf_free(&cfg);
	CHECK(load("AlertLimit \"1000000 1\"\n", &cfg));
	CHECK_INT(cfg.alert_limit.count, 1000000);
	CHECK_INT(cfg.alert_limit.seconds, 1);
	conf_free(&cfg);
	check_round_trip("AlertLimit 7 3\n");
	check_round_trip("AlertLimit 0 60\n");

	CHECK_STR(load_error("\nAlertLimit 100\n"),
		  "t.conf:2: AlertLimit: \"100\" is not a count and an "
		  "interval in seconds, like \"AlertLimit 120 60\"");
	CHECK_STR(load_error("AlertLimit 1 2 3"),
		  "t.conf:1: AlertLimit: \"1 2 3\" is not a count and an "
		  "interval in seconds, like \"AlertLimit 120 60\"");
	CHECK_STR(load_error("AlertLimit"),
		  "t.conf:1: AlertLimit: missing value");
	CHECK_STR(load_error("AlertLimit \"\""),
		  "t.conf:1: AlertLimit: \"\" is not a count and an "
		  "interval in seconds, like \"AlertLimit 120 60\"");
	CHECK_STR(load_error("AlertLimit x 60"),
		  "t.conf:1: AlertLimit: \"x\" is not a number");
	CHECK_STR(load_error("AlertLimit 10 -1"),
		  "t.conf:1: AlertLimit: \"-1\" is not a number");
	CHECK_STR(load_error("AlertLimit 1000001 60"),
		  "t.conf:1: AlertLimit: 1000001 is out of range (0..1000000)");
	CHECK_STR(load_error("AlertLimit 10 0"),
		  "t.conf:1: AlertLimit: 0 is out of range (1..86400)");
	CHECK_STR(load_error("AlertLimit 10 86401"),
		  "t.conf:1: AlertLimit: 86401 is out of range (1..86400)");
	CHECK_STR(load_error("AlertLimit 10 99999999999999999999999"),
		  "t.conf:1: AlertLimit: 99999999999999999999999 is out of "
		  "range (1..86400)");
}

/* ---- printing ------------------------------------------------------------------ */

TEST(print_format)
{
	struct config cfg;
	char *out;

	CHECK(load("PortLogIgnore 110 80 6000-6010 6011 0\n"
		   "HostScanIgnore 127.0.0.1/8 10.0.0.1 -> 0/0:53,111\n"
		   "MailSubject \"%p scan # from %s\"\n"
		   "RcptTo a#b\n"
		   "SyslogFacility LOG_LOCAL2\n"
		   "smtprelay mx\n", &cfg));
	out = print_config(&cfg);
	CHECK(strstr(out, "\nPortLogIgnore 0 80 110 6000-6011\n") != NULL);
	CHECK(strstr(out, "\nHostScanIgnore 127.0.0.0/8 -> 0.0.0.0/0:53,111\n"
		      "HostScanIgnore 10.0.0.1 -> 0.0.0.0/0:53,111\n") != NULL);
	CHECK(strstr(out, "\nMailSubject \"%p scan # from %s\"\n") != NULL);
	CHECK(strstr(out, "\nRcptTo \"a#b\"\n") != NULL);
	CHECK(strstr(out, "\nSyslogFacility local2\n") != NULL);
	CHECK(strstr(out, "\nSMTPrelay mx\n") != NULL);
	CHECK(strstr(out, "\nMailFrom scandetd@localhost\n") != NULL);
	CHECK(strstr(out, "\nCountThreshold 40\n") != NULL);
	CHECK(strstr(out, "\nLogScans yes\n") != NULL);
	CHECK(strstr(out, "\nUdpSendEmail no\n") != NULL);
	CHECK(strstr(out, "\nCaptureFilter \"\"\n") != NULL);
	CHECK(strstr(out, "\n# UdpPortLogIgnore (none)\n") != NULL);
	CHECK(strstr(out, "\n# UdpHostScanIgnore (none)\n") != NULL);
	CHECK(strncmp(out, "RunAsUser scandetd\n", 19) == 0);
	free(out);
	conf_free(&cfg);
}

TEST(metrics_listen)
{
	struct config cfg;

	conf_defaults(&cfg);
	CHECK(cfg.metrics_listen == NULL);	/* off by default */
	conf_free(&cfg);
	CHECK(load("MetricsListen 9100\n", &cfg));
	CHECK_STR(cfg.metrics_listen, "9100");
	conf_free(&cfg);
	CHECK(load("MetricsListen [2001:db8::1]:9100\n", &cfg));
	CHECK_STR(cfg.metrics_listen, "[2001:db8::1]:9100");
	conf_free(&cfg);
	CHECK(load("MetricsListen 9100\nMetricsListen \"\"\n", &cfg));
	CHECK(cfg.metrics_listen == NULL);
	conf_free(&cfg);
	CHECK_STR(load_error("\nMetricsListen localhost:9100\n"),
		  "t.conf:2: MetricsListen: \"localhost:9100\" is not PORT, "
		  "ADDRESS:PORT or [IPV6-ADDRESS]:PORT with a numeric address "
		  "and a port 1-65535");
	CHECK(strstr(load_error("MetricsListen 0\n"), "t.conf:1: MetricsListen"));
	check_round_trip("MetricsListen 127.0.0.1:9100\n");
}

TEST(print_every_option)
{
	struct config cfg;
	char *out;
	size_t i;

	conf_defaults(&cfg);
	out = print_config(&cfg);
	for (i = 0; i < N(bools); i++)
		CHECK(strstr(out, fmt("\n%s ", bools[i].name)));
	for (i = 0; i < N(numbers); i++)
		CHECK(strstr(out, fmt("\n%s ", numbers[i].name)));
	for (i = 0; i < N(strings); i++)
		CHECK(strstr(out, fmt("%s ", strings[i].name)));
	for (i = 0; i < N(portlists); i++)
		CHECK(strstr(out, fmt("# %s (none)\n", portlists[i].name)));
	for (i = 0; i < N(rulelists); i++)
		CHECK(strstr(out, fmt("# %s (none)\n", rulelists[i].name)));
	CHECK(strstr(out, "\nSyslogFacility daemon\n"));
	CHECK(strstr(out, "\n# LogPorts (none: every port)\n"));
	free(out);
	conf_free(&cfg);
}

/* "UdpPortScanIgnore 0 2 4 ..." over many lines: 32768 ranges. */
static char *every_even_port(void)
{
	char *text = malloc(65536 * 8), *p = text;
	unsigned port;

	for (port = 0; port < 65536; port += 2) {
		if (port % 400 == 0)
			p += sprintf(p, "%sUdpPortScanIgnore",
				     port ? "\n" : "");
		p += sprintf(p, " %u", port);
	}
	strcpy(p, "\n");
	return text;
}

/* A rule value near the length limit, with hundreds of distinct ranges
 * and the short forms that print longer ("0", "->" without blanks). */
static char *long_rule(void)
{
	char *text = malloc(CONF_LINE_MAX), *p = text;
	unsigned port;

	p += sprintf(p, "HostScanIgnore 0->0:1");
	for (port = 3; p - text < 3070; port += 2)
		p += sprintf(p, ",%u", port);
	return text;
}

TEST(print_round_trip)
{
	char *many_ports;

	check_round_trip("");
	check_round_trip(original_sample);
	check_round_trip("LogConnections yes\nUdpLogConnections on\n"
			 "LogDetails 1\nDNSResolve true\nPortResolve yes\n"
			 "FloodDetection no\nLogScans off\nUdpLogScans 0\n"
			 "LogOSFP no\nOSFPSendMail no\nSendEmail yes\n"
			 "UdpSendEmail yes\nCountThreshold 1000000\n"
			 "MailPort 65535\nSourceTableSize 64\n"
			 "FlowTableSize 67108864\n"
			 "MailSubject \"#%p scan#\tfrom %s \"\n"
			 "RcptTo x'y'#z\n"
			 "CaptureFilter \"tcp and not port 22\"\n"
			 "JsonLog \"/var/log/scan detd.json\"\n"
			 "PidFile /run/x.pid\nSyslogFacility authpriv\n"
			 "PortLogIgnore 0 65535 1-1024\n"
			 "UdpPortLogIgnore 65535\nPortScanIgnore 0\n"
			 "UdpPortScanIgnore 0-65535\n"
			 "HostLogIgnore [2001:db8::]/32:1-1024 -> [::]/0:22\n"
			 "UdpHostLogIgnore 0 -> 0/0:0\n"
			 "HostScanIgnore 10.0.0.1 10.0.0.2 10.0.0.3:7\n"
			 "UdpHostScanIgnore [::1]\n");
	/* Every even port: thousands of ranges over many lines. */
	many_ports = every_even_port();
	check_round_trip(many_ports);
	free(many_ports);
}

/* The longest rule line still prints as a line that re-reads. */
TEST(print_round_trip_long_rule)
{
	char *text = long_rule();
	struct config cfg;
	char *out;

	CHECK(load(text, &cfg));
	out = print_config(&cfg);
	CHECK(strstr(out, "\nHostScanIgnore 0.0.0.0 -> 0.0.0.0:1,3,5,7,"));
	CHECK(strlen(strstr(out, "\nHostScanIgnore 0.0.0.0 ->")) > 3072);
	free(out);
	conf_free(&cfg);
	check_round_trip(text);
	free(text);
	/* Many sources: one printed line each, all re-read. */
	text = repeat("UdpHostScanIgnore ", "0 ", 500, "-> 0/0:53");
	check_round_trip(text);
	free(text);
}

int main(void)
{
	RUN(defaults);
	RUN(empty_text_gives_defaults);
	RUN(bool_options);
	RUN(osfp_mail_default);
	RUN(bool_spellings);
	RUN(number_options);
	RUN(string_options);
	RUN(mail_subject_and_filter);
	RUN(mail_defaults);
	RUN(interface_list);
	RUN(rcpt_to_list);
	RUN(smtp_relay);
	RUN(mail_subject_escapes);
	RUN(mail_tls);
	RUN(mail_auth);
	RUN(mail_command);
	RUN(mail_header_injection);
	RUN(mail_print_round_trip);
	RUN(syslog_facility);
	RUN(port_list_options);
	RUN(rule_options);
	RUN(ignore_host);
	RUN(log_ports);
	RUN(separators);
	RUN(names_are_case_insensitive);
	RUN(unknown_options);
	RUN(comments);
	RUN(quoting);
	RUN(repeats);
	RUN(line_endings);
	RUN(line_length);
	RUN(rule_count_limit);
	RUN(files);
	RUN(message_excerpts);
	RUN(original_sample_loads);
	RUN(contrib_example_loads);
	RUN(alert_limit);
	RUN(json_format);
	RUN(print_format);
	RUN(metrics_listen);
	RUN(print_every_option);
	RUN(print_round_trip);
	RUN(print_round_trip_long_rule);
	return unit_report(__FILE__);
}
