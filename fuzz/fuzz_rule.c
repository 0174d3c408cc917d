/*
 * fuzz_rule.c - the host-rule parser, matcher and printer.
 *
 * Input: one rule text, the value of a *Ignore option (cut at the first
 * NUL).  A text that parses is matched against fixed IPv4 and IPv6
 * endpoints and printed.  rule.h promises the printed form re-parses:
 * each printed line must read back as one rule that prints the same and
 * matches the same endpoints.  A text that does not parse must leave the
 * list as it was.  Any of these failing aborts: a bug.
 *
 * The input also goes, as bytes with a length, to port_range_parse,
 * which must not read past that length.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "rule.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const addr_texts[] = {
	"0.0.0.0", "10.0.0.1", "127.0.0.1", "192.0.2.1", "192.168.1.77",
	"255.255.255.255", "::", "::1", "2001:db8::1", "2001:db8:ffff::42",
	"fe80::1", "ff02::1", "::ffff:10.0.0.1",
};
#define NADDR (sizeof addr_texts / sizeof addr_texts[0])

static const uint16_t ports[] = { 0, 1, 22, 53, 80, 1023, 1024, 65535 };
#define NPORT (sizeof ports / sizeof ports[0])

static struct ipaddr addrs[NADDR];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < NADDR; i++)
		if (!addr_parse(addr_texts[i], &addrs[i]))
			abort();
	return 0;
}

/* Which of the fixed (src, sport, dst, dport) combinations match, as bits
 * of a small fingerprint: enough to tell two rules apart. */
static void match_print(const struct rule_list *list, uint8_t *bits,
			size_t nbits)
{
	size_t k = 0;

	memset(bits, 0, (nbits + 7) / 8);
	for (size_t s = 0; s < NADDR; s++)
		for (size_t d = 0; d < NADDR; d += 3)
			for (size_t p = 0; p < NPORT; p++, k++)
				if (k < nbits &&
				    rule_list_match(list, &addrs[s], ports[p],
						    &addrs[d],
						    ports[NPORT - 1 - p]))
					bits[k / 8] |= (uint8_t)(1u << (k % 8));
}

#define NBITS (NADDR * ((NADDR + 2) / 3) * NPORT)

static char *print_list(const struct rule_list *list)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		abort();
	rule_list_print(list, out);
	if (fclose(out) != 0 || !text)
		abort();
	return text;
}

static void fail(const char *what, const char *text)
{
	fprintf(stderr, "fuzz_rule: %s: [%s]\n", what, text);
	abort();
}

/* Rules of one input checked one by one: enough to meet every form, few
 * enough that a text of many rules does not slow the fuzzer down. */
#define CHECK_RULES 16

/* Each printed line alone: one rule, printed the same, matching the same. */
static void check_reparse(const struct rule_list *list, const char *printed)
{
	const char *line = printed;
	size_t i = 0;
	char err[256];

	for (i = 0; i < list->n; i++) {
		const char *nl = strchr(line, '\n');
		struct rule_list one = { 0, NULL }, orig = { 1, NULL };
		uint8_t want[(NBITS + 7) / 8], got[(NBITS + 7) / 8];
		char *copy, *again;

		if (!nl)
			fail("printed list has too few lines", printed);
		if (i >= CHECK_RULES && i + 1 < list->n) {
			line = nl + 1;
			continue;
		}
		copy = strndup(line, (size_t)(nl - line));
		if (!copy)
			abort();
		if (!rule_parse(copy, &one, err, sizeof err)) {
			fprintf(stderr, "fuzz_rule: %s\n", err);
			fail("printed rule does not parse", copy);
		}
		if (one.n != 1)
			fail("printed rule reads back as several", copy);
		again = print_list(&one);
		if (strlen(again) != strlen(copy) + 1 ||
		    strncmp(again, copy, strlen(copy)) != 0)
			fail("printed rule prints differently", again);
		orig.rules = &list->rules[i];
		match_print(&orig, want, NBITS);
		match_print(&one, got, NBITS);
		if (memcmp(want, got, sizeof want) != 0)
			fail("printed rule matches differently", copy);
		free(again);
		free(copy);
		rule_list_free(&one);
		line = nl + 1;
	}
	if (*line != '\0')
		fail("printed list has too many lines", printed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rule_list list = { 0, NULL };
	struct port_range range;
	uint8_t bits[(NBITS + 7) / 8];
	char err[256];
	char *text, *printed;
	size_t n;

	/* Exactly size bytes, no terminator: ASan sees any over-read. */
	(void)port_range_parse((const char *)data, size, &range, err,
			       sizeof err);

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	if (!rule_parse(text, &list, err, sizeof err)) {
		if (list.n != 0 || list.rules != NULL)
			fail("a failed parse left rules behind", text);
		if (strnlen(err, sizeof err) == sizeof err || err[0] == '\0')
			fail("bad error message", text);
		free(text);
		return 0;
	}
	if (list.n == 0)
		fail("parsed to no rule", text);
	match_print(&list, bits, NBITS);
	printed = print_list(&list);
	check_reparse(&list, printed);
	free(printed);

	/* Appending to a list that already holds rules. */
	n = list.n;
	if (rule_parse(text, &list, err, sizeof err)) {
		if (list.n != 2 * n)
			fail("second parse did not append", text);
	} else if (list.n != n) {
		fail("a failed append changed the list", text);
	}
	rule_list_free(&list);
	rule_list_free(&list);		/* freed lists are empty */
	free(text);
	return 0;
}
