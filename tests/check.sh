#!/bin/sh
# tests/check.sh - what `make check` runs: the whole suite on the normal
# build and again under AddressSanitizer + UndefinedBehaviorSanitizer, and
# a warning-free build with clang.  The last line adds everything up:
# "total: N passed, N failed" (", N skipped" when tests were skipped).
set -u
cd "$(dirname "$0")/.." || exit 1
MAKE=${MAKE:-make}
passed=0
failed=0
skipped=0

# count LOG: add the log's closing "N passed, N failed[, N skipped]" line
# to the totals
count() {
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + ${line%% passed*}))
	f=${line#*passed, }
	failed=$((failed + ${f%% failed*}))
	case "$line" in
	*skipped) s=${line##*failed, }; skipped=$((skipped + ${s%% skipped})) ;;
	esac
}

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== clang build"
if $MAKE -s CC=clang BUILD=build-clang all >"$log" 2>&1; then
	passed=$((passed + 1))
	echo "ok clang builds warning-free"
else
	cat "$log"
	failed=$((failed + 1))
	echo "FAIL clang build"
fi

echo "== tests, normal build"
BUILD=build tests/run.sh 2>&1 | tee "$log"
count "$log"

echo "== tests, ASan+UBSan build"
if $MAKE -s SAN=1 all >"$log" 2>&1; then
	# The fuzz harnesses do not depend on the build: replay only.
	FUZZ_SECONDS=0 BUILD=build-san tests/run.sh 2>&1 | tee "$log"
	count "$log"
else
	cat "$log"
	failed=$((failed + 1))
	echo "FAIL sanitizer build"
fi

if [ "$skipped" -gt 0 ]; then
	echo "total: $passed passed, $failed failed, $skipped skipped"
else
	echo "total: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
