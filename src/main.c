/*
 * main.c - scandetd: the command line, then the privileged parent
 * (priv.c), which starts the packet process (engine.c) and the helpers.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "params.h"
#include "priv.h"

#define VERSION "2.0.0"

struct options {
	const char *config_path;	/* NULL: default file if it exists */
	/* -r FILE, and with it the operands: files read in this order. */
	const char *read_files[READ_FILES_MAX];
	size_t nread_files;
	bool read_given;		/* -r was there (operands need it) */
	bool quiet;			/* -q */
	bool stats;			/* --stats */
	struct strlist ifaces;		/* -i, each */
	const char *filter;		/* -f, overrides CaptureFilter */
	bool foreground;		/* -F */
	bool json;			/* --json */
	bool mail;			/* --mail: email also with -r */
	bool json_log;			/* --json-log: JsonLog also with -r */
	bool syslog;			/* --syslog: syslog also with -F, -r */
	bool show_and_exit;		/* -s */
	bool show_at_start;		/* -v */
	bool test_only;			/* -t */
	const char *hash_key;		/* --hash-key */
	unsigned workers;		/* -w, --workers; 0: Workers */
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: scandetd [-FstvV] [-c config] [-i interface ...] [-f filter] [-w n]\n"
"                [--syslog]\n"
"       scandetd [-q] [-c config] [-f filter] [-w n] [--json] [--mail] [--stats]\n"
"                [--json-log] [--syslog] -r file [file ...]\n"
"\n"
"Watch packets and report port scans, floods and OS fingerprinting probes.\n"
"\n"
"  -c, --config FILE     configuration file (default " DEFAULT_CONFIG_FILE
"\n"
"                        if it exists, else built-in defaults)\n"
"  -r, --read FILE ...   analyse pcap or pcapng files, in the order given, as\n"
"                        one capture, and exit (\"-\": stdin); the events on\n"
"                        standard output, then a summary on standard error\n"
"                        (on a terminal, progress while reading)\n"
"  -i, --interface IF    capture live on IF; again for more interfaces\n"
"                        (default: Interface in the configuration, else any)\n"
"  -f, --filter EXPR     BPF capture filter (overrides CaptureFilter)\n"
"  -q, --quiet           with -r, the events only: no progress, no summary\n"
"      --stats           with -r, every statistic after the summary\n"
"      --hash-key HEX    the tables' hash key, 32 hex digits, instead of a\n"
"                        random one: runs over the same input are then\n"
"                        identical (tests; never on a sensor: a known key\n"
"                        lets traffic be made to collide)\n"
"  -w, --workers N       classify packets in N threads (1-64; overrides\n"
"                        Workers); the events are the same for every N\n"
"  -F, --foreground      do not detach; events on standard output and\n"
"                        diagnostics on standard error, not in syslog\n"
"      --json            events on standard output as JSON Lines\n"
"      --mail            with -r, send email as the configuration says\n"
"                        (without it, analysing a capture mails nobody)\n"
"      --json-log        with -r, append to the configuration's JsonLog\n"
"                        (without it, analysing a capture leaves it alone)\n"
"      --syslog          with -F or -r, events and diagnostics to syslog too\n"
"  -s, --show            print the parsed configuration and exit\n"
"  -v, --verbose         print the parsed configuration at start-up\n"
"  -t, --test            check the configuration and exit (0: valid)\n"
"  -V, --version         print the version and exit\n"
"  -h, --help            this help\n"
"\n"
"Signals: HUP re-reads the configuration, USR1 logs statistics,\n"
"TERM and INT stop.  See scandetd(8) and scandetd.conf(5).\n");
}

/* -w N: 1 to WORKERS_MAX, or exit 2 with why. */
static unsigned parse_workers(const char *arg)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || n < 1 ||
	    n > WORKERS_MAX) {
		fprintf(stderr, "scandetd: --workers: %s: not a number from 1 "
			"to %d\n", arg, WORKERS_MAX);
		exit(2);
	}
	return (unsigned)n;
}

/* -r FILE, or an operand: one more file to read (whether -r was given
 * is checked when all are known). */
static void add_read_file(struct options *o, const char *path)
{
	if (o->nread_files == READ_FILES_MAX) {
		fprintf(stderr, "scandetd: -r: more than %d files\n",
			READ_FILES_MAX);
		exit(2);
	}
	o->read_files[o->nread_files++] = path;
}

static size_t count_stdin(const struct options *o)
{
	size_t n = 0;

	for (size_t i = 0; i < o->nread_files; i++)
		n += strcmp(o->read_files[i], "-") == 0;
	return n;
}

static void check_args(const struct options *o)
{
	if (o->nread_files > 0 && !o->read_given) {
		fprintf(stderr, "scandetd: unexpected argument \"%s\"\n",
			o->read_files[0]);
		usage(stderr);
		exit(2);
	}
	if (o->read_given && o->ifaces.n > 0) {
		fprintf(stderr, "scandetd: -r and -i exclude each other\n");
		exit(2);
	}
	if (count_stdin(o) > 1) {
		fprintf(stderr, "scandetd: -r: standard input (\"-\") can be "
			"read only once\n");
		exit(2);
	}
	if ((o->quiet || o->stats) && !o->read_given) {
		fprintf(stderr, "scandetd: %s goes with -r\n",
			o->quiet ? "-q" : "--stats");
		exit(2);
	}
}

static void parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "read", required_argument, NULL, 'r' },
		{ "interface", required_argument, NULL, 'i' },
		{ "filter", required_argument, NULL, 'f' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ "mail", no_argument, NULL, 'm' },
		{ "json-log", no_argument, NULL, 'J' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "show", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "test", no_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "stats", no_argument, NULL, 'T' },
		{ "hash-key", required_argument, NULL, 'K' },
		{ "workers", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	char err[256];
	int ch;

	memset(o, 0, sizeof *o);
	/* "-": operands come back in place (as 1), so that files keep
	 * their order among the -r options. */
	while ((ch = getopt_long(argc, argv, "-c:r:i:f:w:FqsvtVh", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'c': o->config_path = optarg; break;
		case 'r':
			o->read_given = true;
			add_read_file(o, optarg);
			break;
		case 1: add_read_file(o, optarg); break;
		case 'q': o->quiet = true; break;
		case 'T': o->stats = true; break;
		case 'K': o->hash_key = optarg; break;
		case 'w': o->workers = parse_workers(optarg); break;
		case 'i':
			if (!conf_interfaces_add(&o->ifaces, optarg, err,
						 sizeof err)) {
				fprintf(stderr, "scandetd: -i: %s\n", err);
				exit(2);
			}
			break;
		case 'f': o->filter = optarg; break;
		case 'F': o->foreground = true; break;
		case 'j': o->json = true; break;
		case 'm': o->mail = true; break;
		case 'J': o->json_log = true; break;
		case 'S': o->syslog = true; break;
		case 's': o->show_and_exit = true; break;
		case 'v': o->show_at_start = true; break;
		case 't': o->test_only = true; break;
		case 'V':
			printf("scandetd %s\n", VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	while (optind < argc)		/* after "--" */
		add_read_file(o, argv[optind++]);
	check_args(o);
}

/* ---- configuration ---------------------------------------------- */

/* The file given, else the default one if it exists, else none (the
 * built-in defaults).  Absolute: the daemon re-reads it on SIGHUP after
 * it has changed to "/". */
static char *choose_config_path(const struct options *o)
{
	const char *path = o->config_path;
	char cwd[4096], *abs;

	if (!path && access(DEFAULT_CONFIG_FILE, F_OK) == 0)
		path = DEFAULT_CONFIG_FILE;
	if (!path)
		return NULL;
	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof cwd) || asprintf(&abs, "%s/%s", cwd, path) < 0)
		fatal("%s", path);
	return abs;
}

int main(int argc, char **argv)
{
	struct options opt;
	struct priv_options po;
	struct config *cfg;
	char err[PRIV_ERR_MAX], *config_path;
	int rc;

	parse_args(argc, argv, &opt);
	config_path = choose_config_path(&opt);
	cfg = priv_load_config(config_path, err, sizeof err);
	if (!cfg) {
		fprintf(stderr, "scandetd: %s\n", err);
		free(config_path);
		conf_strlist_free(&opt.ifaces);
		return 1;
	}
	if (opt.hash_key && !sipkey_parse(opt.hash_key, &cfg->hash_key)) {
		fprintf(stderr, "scandetd: --hash-key: %s: not 32 hexadecimal "
			"digits\n", opt.hash_key);
		conf_free(cfg);
		free(cfg);
		free(config_path);
		conf_strlist_free(&opt.ifaces);
		return 2;
	}
	cfg->hash_key_fixed = opt.hash_key != NULL;
	if (opt.workers)
		cfg->workers = opt.workers;
	if (opt.json_log && !cfg->json_log) {
		fprintf(stderr, "scandetd: --json-log: the configuration "
			"sets no JsonLog\n");
		conf_free(cfg);
		free(cfg);
		free(config_path);
		conf_strlist_free(&opt.ifaces);
		return 2;
	}
	po = (struct priv_options){
		.config_path = config_path,
		.read_file = opt.nread_files ? opt.read_files[0] : NULL,
		.read_files = opt.read_files,
		.nread_files = opt.nread_files,
		.quiet = opt.quiet,
		.stats = opt.stats,
		.ifaces = &opt.ifaces,
		.filter = opt.filter,
		.foreground = opt.foreground,
		.json = opt.json,
		.mail = opt.mail,
		.json_log = opt.json_log,
		.syslog = opt.syslog,
		.version = VERSION,
	};
	if (opt.test_only || opt.show_and_exit) {
		rc = 0;
		if (opt.show_and_exit)
			conf_print(cfg, stdout);
		else if (priv_check(cfg, &po, stderr) > 0)
			rc = 1;
		else
			printf("%s: configuration OK\n",
			       opt.config_path ? opt.config_path :
			       config_path ? config_path : "(defaults)");
		conf_free(cfg);
		free(cfg);
		free(config_path);
		conf_strlist_free(&opt.ifaces);
		return rc;
	}
	if (opt.show_at_start) {
		conf_print(cfg, stdout);
		fflush(stdout);
	}
	rc = priv_main(&po, cfg);
	conf_strlist_free(&opt.ifaces);
	free(config_path);
	return rc;
}
