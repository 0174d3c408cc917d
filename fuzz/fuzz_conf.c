/*
 * fuzz_conf.c - the configuration parser, and its printer.
 *
 * Input: the text of a configuration file (cut at the first NUL, as a C
 * string).  A configuration that loads is printed the way "scandetd -s"
 * prints it; conf.c promises that output is a valid file that reads back
 * to the same configuration.  So the printed text must load, and printing
 * that again must give the same text.  Either failing aborts: a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.conf"

/* conf_print into a malloc'd string. */
static char *print_conf(const struct config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		abort();
	conf_print(cfg, out);
	if (fclose(out) != 0 || !text)
		abort();
	return text;
}

static void check_error(const char *err, size_t errlen)
{
	/* "fuzz.conf:LINE: what", NUL-terminated within the buffer. */
	if (strnlen(err, errlen) == errlen ||
	    strncmp(err, NAME ":", sizeof NAME) != 0) {
		fprintf(stderr, "fuzz_conf: bad error message [%.*s]\n",
			(int)errlen, err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg, again;
	char err[512], err2[512];
	char *text, *printed, *reprinted;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	if (!conf_load_string(NAME, text, &cfg, err, sizeof err)) {
		check_error(err, sizeof err);
		free(text);
		return 0;
	}
	free(text);

	printed = print_conf(&cfg);
	if (!conf_load_string("printed.conf", printed, &again, err2,
			      sizeof err2)) {
		fprintf(stderr, "fuzz_conf: printed configuration does not "
			"load: %s\n--- printed:\n%s---\n", err2, printed);
		abort();
	}
	reprinted = print_conf(&again);
	if (strcmp(printed, reprinted) != 0) {
		fprintf(stderr, "fuzz_conf: printed configuration reads back "
			"differently\n--- printed:\n%s--- printed again:\n%s---\n",
			printed, reprinted);
		abort();
	}
	free(reprinted);
	free(printed);
	conf_free(&again);
	conf_free(&cfg);
	/* A second conf_free is documented as harmless. */
	conf_free(&cfg);
	return 0;
}
