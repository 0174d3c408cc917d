# tests/lib.sh - helpers for the shell test scripts (tests/*/t_*.sh).
#
# Source it, call check/check_eq/check_grep for each assertion, and end
# with "finish".  Every check is a test case: it prints "ok NAME" or
# "FAIL NAME: why", and finish prints "SCRIPT: N passed, N failed" (and
# ", N skipped" when "skip NAME WHY" was called: a check that cannot run
# here, never counted as passed) and exits non-zero when something failed.
#
# $TOP is the repository, $BUILD the build directory, $SCANDETD and
# $SPOOFS the binaries under test, $TMPD a scratch directory removed at exit.

: "${TOP:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${BUILD:=build}"
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
SCANDETD="$BUILD/scandetd"
SPOOFS="$BUILD/spoofs"
DATA="$TOP/tests/pcap/data"
TMPD=$(mktemp -d)
lib_passed=0
lib_failed=0
lib_skipped=0
lib_cleanups=""
trap 'lib_cleanup' EXIT
# Stopped (tests/run.sh's TEST_TIMEOUT, ^C): clean up all the same.
trap 'exit 143' TERM
trap 'exit 130' INT

lib_cleanup() {
	for c in $lib_cleanups; do "$c" || true; done
	rm -rf "$TMPD"
}

# at_exit FUNCTION: run FUNCTION at exit, also on failure.
at_exit() { lib_cleanups="$1 $lib_cleanups"; }

pass() { lib_passed=$((lib_passed + 1)); echo "ok $1"; }
fail() { lib_failed=$((lib_failed + 1)); echo "FAIL $1: $2"; }
skip() { lib_skipped=$((lib_skipped + 1)); echo "SKIP $1: $2"; }

# check NAME COMMAND...: passes when COMMAND exits 0.
check() {
	n=$1; shift
	if "$@" >/dev/null 2>&1; then pass "$n"; else fail "$n" "command failed: $*"; fi
}

# check_eq NAME ACTUAL EXPECTED
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"
	else fail "$1" "got [$2], expected [$3]"; fi
}

# check_grep NAME FILE REGEX: FILE has a line matching REGEX (grep -E).
check_grep() {
	if grep -Eq -- "$3" "$2"; then pass "$1"
	else fail "$1" "no line matching /$3/ in $2"; fi
}

# check_nogrep NAME FILE REGEX: FILE has no line matching REGEX.
check_nogrep() {
	if grep -Eq -- "$3" "$2"; then fail "$1" "unexpected line matching /$3/ in $2"
	else pass "$1"; fi
}

# wait_for FILE REGEX [SECONDS]: FILE gets a line matching REGEX (grep -E)
# within SECONDS (default 10); polls every 0.1 s.
wait_for() {
	wf_i=0
	while [ $wf_i -lt $((${3:-10} * 10)) ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		wf_i=$((wf_i + 1))
	done
	return 1
}

# need_root NAME: a live test needs root (network namespaces).  Without
# root it fails as NAME, or ends with nothing run when
# SCANDETD_SKIP_LIVE=1 says so.
need_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	if [ "${SCANDETD_SKIP_LIVE:-0}" = 1 ]; then
		echo "$1 tests SKIPPED (not root, SCANDETD_SKIP_LIVE=1)"
		finish
	fi
	fail "$1" "needs root for network namespaces (set SCANDETD_SKIP_LIVE=1 to skip)"
	finish
}

finish() {
	if [ "$lib_skipped" -gt 0 ]; then
		echo "$(basename "$0"): $lib_passed passed, $lib_failed failed, $lib_skipped skipped"
	else
		echo "$(basename "$0"): $lib_passed passed, $lib_failed failed"
	fi
	[ "$lib_failed" -eq 0 ]
	exit $?
}
