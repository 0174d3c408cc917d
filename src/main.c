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
	const char *read_file;		/* -r */
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
};

static void usage(FILE *out)
{
	fprintf(out,
"usage: scandetd [-FstvV] [-c config] [-r file | -i interface ...]\n"
"                [-f filter] [--json] [--mail] [--json-log] [--syslog]\n"
"\n"
"Watch packets and report port scans, floods and OS fingerprinting probes.\n"
"\n"
"  -c, --config FILE     configuration file (default " DEFAULT_CONFIG_FILE
"\n"
"                        if it exists, else built-in defaults)\n"
"  -r, --read FILE       analyse a pcap or pcapng file and exit (\"-\": stdin)\n"
"  -i, --interface IF    capture live on IF; again for more interfaces\n"
"                        (default: Interface in the configuration, else any)\n"
"  -f, --filter EXPR     BPF capture filter (overrides CaptureFilter)\n"
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
		{ NULL, 0, NULL, 0 },
	};
	char err[256];
	int ch;

	memset(o, 0, sizeof *o);
	while ((ch = getopt_long(argc, argv, "c:r:i:f:FsvtVh", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'c': o->config_path = optarg; break;
		case 'r': o->read_file = optarg; break;
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
	if (optind < argc) {
		fprintf(stderr, "scandetd: unexpected argument \"%s\"\n",
			argv[optind]);
		usage(stderr);
		exit(2);
	}
	if (o->read_file && o->ifaces.n > 0) {
		fprintf(stderr, "scandetd: -r and -i exclude each other\n");
		exit(2);
	}
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
		return 1;
	}
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
		.read_file = opt.read_file,
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
