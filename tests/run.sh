#!/bin/sh
# tests/run.sh - run every test of scandetd and add up the results.
#
#   BUILD=build tests/run.sh [PATTERN]
#
# Runs each unit-test binary ($BUILD/tests/test_*) and each test script
# (tests/*/t_*.sh).  Every one of them ends its output with a line
# "NAME: N passed, N failed" (", N skipped" may follow); this script sums
# those lines and prints the total as its last line, in the same form.  A test program that exits non-zero without such
# a line (a crash, a sanitizer report) counts as one failure, and so does
# one still running after TEST_TIMEOUT seconds (default 600; the longest
# takes about 70): it is stopped, so that a hang costs minutes, not the
# whole CI run.
set -u
BUILD=${BUILD:-build}
export BUILD
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
cd "$TOP" || exit 1
pattern=${1:-}
test_timeout=${TEST_TIMEOUT:-600}
passed=0
failed=0
skipped=0
failed_names=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
	name=$1
	shift
	case "$name" in *"$pattern"*) ;; *) return ;; esac
	t0=$(date +%s)
	timeout -k 10 "$test_timeout" "$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	echo "time: $name $(($(date +%s) - t0)) s"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "$name: stopped after $test_timeout s (TEST_TIMEOUT)"
		echo "$name: 0 passed, 1 failed" >>"$log"
	fi
	line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
	s=0
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, .*/\1/')
		f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
		case "$line" in *skipped) s=$(echo "$line" | sed -E 's/.* ([0-9]+) skipped$/\1/') ;; esac
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1	# exited non-zero but claims no failure
		fi
	else
		p=0
		f=1
		echo "$name: no result line (exit $rc)"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	[ "$f" -eq 0 ] || failed_names="$failed_names $name"
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
for t in tests/*/t_*.sh; do
	[ -f "$t" ] || continue
	run_one "$t" sh "$t"
done

[ -z "$failed_names" ] || echo "failed:$failed_names"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
