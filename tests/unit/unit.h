/*
 * unit.h - the unit-test harness: a handful of macros, one binary per
 * test file.  Each test file defines its tests with TEST(name) and lists
 * them in main() with RUN(name); main() ends with "return unit_report();".
 * A failed CHECK prints file:line and the expression and marks the
 * running test failed; the test goes on so that one run shows all faults.
 * The binary prints "<file>: N passed, N failed" and exits non-zero on
 * any failure.  tests/run.sh adds the counts up.
 */
#ifndef SCANDETD_UNIT_H
#define SCANDETD_UNIT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_cur_failed;
static const char *unit_cur_name;

#define TEST(name) static void test_##name(void)

#define RUN(name) do {							\
	unit_cur_name = #name;						\
	unit_cur_failed = 0;						\
	test_##name();							\
	if (unit_cur_failed) {						\
		unit_failed++;						\
		printf("FAIL %s\n", #name);				\
	} else {							\
		unit_passed++;						\
	}								\
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
	printf("%s: %d passed, %d failed\n", file, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
