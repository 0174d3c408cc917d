/*
 * unit.h - the unit-test harness: a handful of macros, one binary per
 * test file.  Each test file defines its tests with TEST(name) and lists
 * them in main() with RUN(name); main() ends with "return unit_report();".
 * A failed CHECK prints file:line and the expression and marks the
 * running test failed; the test goes on so that one run shows all faults.
 * SKIP(why) ends a test that cannot run here (it counts as skipped, never
 * as passed).  The binary prints "<file>: N passed, N failed" (with
 * ", N skipped" when some were) and exits non-zero on any failure.
 * tests/run.sh adds the counts up.
 */
#ifndef SCANDETD_UNIT_H
#define SCANDETD_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_skipped, unit_cur_failed;
static int unit_cur_skipped;
static const char *unit_cur_name;

#define TEST(name) static void test_##name(void)

#define RUN(name) do {							\
	unit_cur_name = #name;						\
	unit_cur_failed = 0;						\
	unit_cur_skipped = 0;						\
	test_##name();							\
	if (unit_cur_failed) {						\
		unit_failed++;						\
		printf("FAIL %s\n", #name);				\
	} else if (unit_cur_skipped) {					\
		unit_skipped++;						\
	} else {							\
		unit_passed++;						\
	}								\
} while (0)

#define SKIP(why) do {							\
	printf("SKIP %s: %s\n", unit_cur_name, (why));			\
	unit_cur_skipped = 1;						\
	return;								\
} while (0)

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("%s:%d: %s: CHECK(%s) failed\n",			\
		       __FILE__, __LINE__, unit_cur_name, #cond);	\
		unit_cur_failed = 1;					\
	}								\
} while (0)

#define CHECK_INT(a, b) do {						\
	long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);	\
	if (unit_a_ != unit_b_) {					\
		printf("%s:%d: %s: %s == %lld, expected %s == %lld\n",	\
		       __FILE__, __LINE__, unit_cur_name, #a, unit_a_,	\
		       #b, unit_b_);					\
		unit_cur_failed = 1;					\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *unit_a_ = (a), *unit_b_ = (b);			\
	if (!unit_a_ || !unit_b_ || strcmp(unit_a_, unit_b_) != 0) {	\
		printf("%s:%d: %s: %s == \"%s\", expected \"%s\"\n",	\
		       __FILE__, __LINE__, unit_cur_name, #a,		\
		       unit_a_ ? unit_a_ : "(null)",			\
		       unit_b_ ? unit_b_ : "(null)");			\
		unit_cur_failed = 1;					\
	}								\
} while (0)

static inline int unit_report(const char *file)
{
	if (unit_skipped)
		printf("%s: %d passed, %d failed, %d skipped\n", file,
		       unit_passed, unit_failed, unit_skipped);
	else
		printf("%s: %d passed, %d failed\n", file, unit_passed,
		       unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
