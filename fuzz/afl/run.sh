#!/bin/sh
# fuzz/afl/run.sh - AFL++ against the real scandetd reading capture files.
#
#   make afl [FUZZ_AFL_SECONDS=3600]     build (make afl-build), then fuzz
#   fuzz/afl/run.sh fuzz                 fuzz with the binaries below
#   fuzz/afl/run.sh tmin INPUT OUTPUT    minimise a crash or hang input
#
# The target is the whole program, as a user runs it:
#
#   scandetd -c fuzz/afl/scandetd.conf -r FILE
#
# compiled by afl-clang-lto (or afl-clang-fast) with ASan+UBSan, so the
# option parsing, the configuration, libpcap's file reader, decoding,
# detection, the text sink (standard output, which afl-fuzz discards) and
# the JSON sink (JsonLog /dev/null) all run on every input.  A second
# build with CmpLog (afl-fuzz -c) solves the magic numbers: file magics,
# link types, EtherTypes.  Seeds are fuzz/corpus/pcap/ (the fuzz_pcap
# corpus, every file < 64 KB), tokens fuzz/afl/pcap.dict.
#
# It runs on one core, at nice 10, for FUZZ_AFL_SECONDS (default 3600),
# with no user interface; the figures are in
# $FUZZ_AFL_OUT/default/fuzzer_stats.  Crashes land in
# $FUZZ_AFL_OUT/default/crashes/, hangs (over FUZZ_AFL_TIMEOUT ms,
# default 1000: scandetd -r reads a small file in some 10 ms) in
# .../hangs/.  Minimise each with "run.sh tmin", find out why, and keep
# it as fuzz/regress/afl/NAME.pcap: tests/fuzz/t_fuzz.sh replays every
# file there through the ASan build of scandetd -r.
#
# Environment: FUZZ_AFL_BIN, FUZZ_AFL_CMPLOG_BIN (the two builds; an
# empty FUZZ_AFL_CMPLOG_BIN runs without CmpLog), FUZZ_AFL_CONF (another
# configuration, e.g. with "DetectionMethod classic"), FUZZ_AFL_OUT
# (build-fuzz/afl/out), FUZZ_AFL_SECONDS, FUZZ_AFL_TIMEOUT, and
# afl-fuzz's own AFL_* variables (AFL_AUTORESUME=1 continues a run;
# afl-fuzz refuses to wipe more than 25 minutes of findings).  Ours are
# not named AFL_*: afl-fuzz warns of those it does not know, and afl-cc
# takes AFL_CC for its own.  AFL++ (Debian: apt-get install afl++) is
# needed here only, not by make check.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"

FUZZ_AFL_BIN=${FUZZ_AFL_BIN:-build-fuzz/afl/asan/scandetd}
FUZZ_AFL_CMPLOG_BIN=${FUZZ_AFL_CMPLOG_BIN-build-fuzz/afl/cmplog/scandetd}
FUZZ_AFL_OUT=${FUZZ_AFL_OUT:-build-fuzz/afl/out}
FUZZ_AFL_SECONDS=${FUZZ_AFL_SECONDS:-3600}
FUZZ_AFL_TIMEOUT=${FUZZ_AFL_TIMEOUT:-1000}
CONF=${FUZZ_AFL_CONF:-fuzz/afl/scandetd.conf}
SEEDS=fuzz/corpus/pcap
DICT=fuzz/afl/pcap.dict

# afl-fuzz checks that ASAN_OPTIONS has abort_on_error=1 and
# symbolize=0; a UBSan report must abort too to count as a crash.  Leak
# reports are off while fuzzing (every exec would pay for the scan); the
# replay in tests/fuzz/t_fuzz.sh runs with them on.
ASAN_OPTIONS="abort_on_error=1:symbolize=0:detect_leaks=0"
ASAN_OPTIONS="$ASAN_OPTIONS:allocator_may_return_null=1:malloc_context_size=0"
UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:symbolize=0"
UBSAN_OPTIONS="$UBSAN_OPTIONS:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS
# No cpufreq files in a VM, no TTY for the screen.
export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1

need() {
	[ -x "$1" ] && return
	echo "run.sh: $1 missing (make afl-build)" >&2
	exit 1
}

case "${1:-fuzz}" in
fuzz)
	need "$FUZZ_AFL_BIN"
	set -- -i "$SEEDS" -o "$FUZZ_AFL_OUT" -x "$DICT" -m none \
		-t "$FUZZ_AFL_TIMEOUT" -G 65536 -V "$FUZZ_AFL_SECONDS"
	if [ -n "$FUZZ_AFL_CMPLOG_BIN" ]; then
		need "$FUZZ_AFL_CMPLOG_BIN"
		set -- "$@" -c "$FUZZ_AFL_CMPLOG_BIN"
	fi
	# A configuration the program rejects would fuzz nothing but that.
	"$FUZZ_AFL_BIN" -t -c "$CONF" >/dev/null
	mkdir -p "$(dirname "$FUZZ_AFL_OUT")"
	echo "afl: $FUZZ_AFL_SECONDS s on $FUZZ_AFL_BIN," \
		"findings in $FUZZ_AFL_OUT/default/"
	rc=0
	nice -n 10 afl-fuzz "$@" -- "$FUZZ_AFL_BIN" -c "$CONF" -r @@ || rc=$?
	stats="$FUZZ_AFL_OUT/default/fuzzer_stats"
	if [ -f "$stats" ]; then
		grep -E -e '^(run_time|execs_done|execs_per_sec|corpus_count) ' \
			-e '^(bitmap_cvg|stability|saved_crashes|saved_hangs) ' \
			"$stats"
		crashes=$(sed -n 's/^saved_crashes *: *//p' "$stats")
		hangs=$(sed -n 's/^saved_hangs *: *//p' "$stats")
		if [ "${crashes:-0}" -gt 0 ] || [ "${hangs:-0}" -gt 0 ]; then
			echo "afl: $crashes crashes, $hangs hangs in" \
				"$FUZZ_AFL_OUT/default/{crashes,hangs}/"
			rc=1
		fi
	fi
	exit "$rc"
	;;
tmin)
	[ $# -eq 3 ] || { echo "usage: run.sh tmin INPUT OUTPUT" >&2; exit 2; }
	need "$FUZZ_AFL_BIN"
	# -H: a hang stays a hang (over FUZZ_AFL_TIMEOUT) while it shrinks.
	hang=""
	case "$2" in */hangs/*) hang="-H" ;; esac
	nice -n 10 afl-tmin $hang -m none -t "$FUZZ_AFL_TIMEOUT" -i "$2" -o "$3" \
		-- "$FUZZ_AFL_BIN" -c "$CONF" -r @@
	;;
*)
	echo "usage: run.sh [fuzz | tmin INPUT OUTPUT]" >&2
	exit 2
	;;
esac
