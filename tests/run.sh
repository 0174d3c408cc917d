#!/bin/sh
# tests/run.sh - run every test of scandetd and add up the results.
#
#   BUILD=build tests/run.sh [PATTERN]
#
# Runs each unit-test binary ($BUILD/tests/test_*) and each test script
# (tests/*/t_*.sh).  Every one of them ends its output with a line
# "NAME: N passed, N failed"; this script sums those lines and prints the
# total as its last line.  A test program that exits non-zero without such
# a line (a crash, a sanitizer report) counts as one failure.
set -u
BUILD=${BUILD:-build}
export BUILD
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
cd "$TOP" || exit 1
pattern=${1:-}
passed=0
failed=0
failed_names=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
	name=$1
	shift
	case "$name" in *"$pattern"*) ;; *) return ;; esac
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log"
	line=$(grep -E '^[^ ]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -n "$line" ]; then
		p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1/')
		f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\2/')
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
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
