#!/bin/sh
# The libFuzzer harnesses of fuzz/: build them (clang with libFuzzer is
# required: without it this test fails, it does not skip), run every
# saved input once (fuzz/regress/H/ and fuzz/corpus/H/, one check per
# directory), then fuzz each harness FUZZ_SECONDS (default 10; make fuzz
# runs longer) on a
# scratch copy of its corpus, one check per harness (FUZZ_SECONDS=0:
# replay only; the harnesses do not depend on $BUILD, so a second pass of
# the suite need not fuzz again).  A crash prints its stack and leaves its
# input in build-fuzz/crashes/ to be kept as fuzz/regress/H/crash-NAME
# once understood.
#
# AFL++ findings (make afl, fuzz/afl/run.sh) are replayed through the
# real program: every file of fuzz/regress/afl/, one check each, and the
# seeds of fuzz/corpus/pcap/ (one check), through scandetd -r built with
# ASan+UBSan (build-san/, made here when out of date), with the
# configuration the fuzzer ran (fuzz/afl/scandetd.conf).  A kept finding
# may be a file libpcap rejects (exit 1 with a message); a seed must be
# read whole (exit 0); neither may draw a sanitizer report (leaks
# included), die of a signal or run FUZZ_AFL_REPLAY_SECONDS (default 20).
# AFL++ itself is not needed here.
. "$(dirname "$0")/../lib.sh"

FUZZ_SECONDS=${FUZZ_SECONDS:-10}
HARNESSES="decode conf rule pcap workers"
FUZZ_BUILD="$TOP/build-fuzz"
CRASHES="$FUZZ_BUILD/crashes"

# Works before and after the main Makefile includes fuzz/fuzz.mk (the
# file guards against being read twice).
fuzz_make() {
	make --no-print-directory -C "$TOP" -f Makefile -f fuzz/fuzz.mk "$@"
}

# show_failure LOG: which input (when replaying files), what went wrong
# and the stack, from a harness's output.
show_failure() {
	grep -E '^Running: ' "$1" | tail -n 1
	grep -E 'ERROR|SUMMARY|^fuzz_[a-z]+: |#[0-9]+ 0x|Test unit written' "$1" |
		head -n 60
}

if ! command -v clang >/dev/null 2>&1; then
	fail build "clang not found (the fuzz harnesses need clang and libFuzzer)"
	finish
fi
if fuzz_make fuzz-build >"$TMPD/build.log" 2>&1; then
	pass build
else
	fail build "make fuzz-build failed:"
	tail -n 30 "$TMPD/build.log"
	finish
fi

# Every saved input once: "./fuzz_H file..." runs each file and exits.
for h in $HARNESSES; do
	for kind in regress corpus; do
		dir="$TOP/fuzz/$kind/$h"
		# fuzz_workers reads captures: fuzz_pcap's corpus
		[ "$h/$kind" != workers/corpus ] || dir="$TOP/fuzz/corpus/pcap"
		name="$kind-$h"
		find "$dir" -type f ! -name '.*' 2>/dev/null | sort >"$TMPD/files"
		if [ ! -s "$TMPD/files" ]; then
			# No crash kept yet is fine; no corpus is not.
			[ "$kind" = regress ] ||
				fail "$name" "no inputs in $dir"
			continue
		fi
		mkdir -p "$TMPD/art-$name"
		if tr '\n' '\0' <"$TMPD/files" |
		   xargs -0 "$FUZZ_BUILD/fuzz_$h" -timeout=10 \
			-artifact_prefix="$TMPD/art-$name/" >"$TMPD/$name.log" 2>&1
		then
			pass "$name ($(wc -l <"$TMPD/files") inputs)"
		else
			fail "$name" "an input of $dir crashes fuzz_$h:"
			show_failure "$TMPD/$name.log"
		fi
	done
done

# AFL++ findings through the real program (see the top).
AFL_CONF="$TOP/fuzz/afl/scandetd.conf"
SAN_SCANDETD="$TOP/build-san/scandetd"
FUZZ_AFL_REPLAY_SECONDS=${FUZZ_AFL_REPLAY_SECONDS:-20}

# afl_replay FILE MAXRC: scandetd -r FILE exits with at most MAXRC (0 or
# 1), within FUZZ_AFL_REPLAY_SECONDS, without a sanitizer report; else says
# why and shows the report.
afl_replay() {
	ASAN_OPTIONS="detect_leaks=1:exitcode=86" \
	UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86" \
	timeout -k 5 "$FUZZ_AFL_REPLAY_SECONDS" "$SAN_SCANDETD" -c "$AFL_CONF" \
		-r "$1" >/dev/null 2>"$TMPD/replay.err"
	rc=$?
	if grep -Eq 'Sanitizer|runtime error:' "$TMPD/replay.err"; then
		why="sanitizer report (exit $rc)"
	elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="still running after $FUZZ_AFL_REPLAY_SECONDS s"
	elif [ "$rc" -gt "$2" ]; then
		why="exit $rc"
	else
		return 0
	fi
	echo "$1: $why"
	grep -Ev '^stat ' "$TMPD/replay.err" | head -n 40
	return 1
}

if make --no-print-directory -C "$TOP" -s SAN=1 build-san/scandetd \
	>"$TMPD/san.log" 2>&1; then
	# The check below can fail only if the sanitizers are really in.
	if ASAN_OPTIONS=help=1 "$SAN_SCANDETD" -V 2>&1 |
		grep -q 'AddressSanitizer' &&
	   grep -q __ubsan_handle "$SAN_SCANDETD"; then
		pass "afl-replay: build-san/scandetd has ASan+UBSan"
	else
		fail afl-replay "build-san/scandetd is not built with ASan+UBSan"
	fi
	n=0
	bad=0
	for f in "$TOP"/fuzz/corpus/pcap/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		# The first failure in full, the others by name.
		if ! afl_replay "$f" 0 >"$TMPD/seed.out"; then
			bad=$((bad + 1))
			if [ "$bad" -eq 1 ]; then cat "$TMPD/seed.out"
			else head -n 1 "$TMPD/seed.out"; fi
		fi
	done
	if [ "$n" -gt 0 ] && [ "$bad" -eq 0 ]; then
		pass "afl-seeds ($n captures through scandetd -r)"
	else
		fail afl-seeds "$bad of $n seeds of fuzz/corpus/pcap fail"
	fi
	for f in "$TOP"/fuzz/regress/afl/*; do
		[ -f "$f" ] || continue
		if afl_replay "$f" 1; then
			pass "afl-regress $(basename "$f")"
		else
			fail "afl-regress $(basename "$f")" \
				"scandetd -r fails on fuzz/regress/afl/$(basename "$f")"
		fi
	done
else
	fail afl-replay "make SAN=1 build-san/scandetd failed:"
	tail -n 30 "$TMPD/san.log"
fi

# Fuzzing proper, FUZZ_SECONDS per harness.
[ "$FUZZ_SECONDS" -gt 0 ] || HARNESSES=""
for h in $HARNESSES; do
	work="$TMPD/work"
	if fuzz_make fuzz FUZZ_TARGETS="$h" FUZZ_SECONDS="$FUZZ_SECONDS" \
		FUZZ_WORK="$work" >"$TMPD/fuzz-$h.log" 2>&1; then
		pass "fuzz-$h ($FUZZ_SECONDS s, $(sed -n \
			's/^stat::number_of_executed_units: *//p' \
			"$TMPD/fuzz-$h.log") runs)"
	else
		mkdir -p "$CRASHES"
		for f in "$work/$h/artifacts/"*; do
			[ -f "$f" ] && cp "$f" "$CRASHES/$h-$(basename "$f")"
		done
		fail "fuzz-$h" "fuzz_$h found a crash (input kept in $CRASHES/):"
		show_failure "$TMPD/fuzz-$h.log"
	fi
done
finish
