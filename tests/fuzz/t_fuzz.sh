#!/bin/sh
# The libFuzzer harnesses of fuzz/: build them (clang with libFuzzer is
# required: without it this test fails, it does not skip), run every
# saved input once (fuzz/regress/H/ and fuzz/corpus/H/, one check per
# directory), then fuzz each harness FUZZ_SECONDS (default 20) on a
# scratch copy of its corpus, one check per harness (FUZZ_SECONDS=0:
# replay only; the harnesses do not depend on $BUILD, so a second pass of
# the suite need not fuzz again).  A crash prints its stack and leaves its
# input in build-fuzz/crashes/ to be kept as fuzz/regress/H/crash-NAME
# once understood.
. "$(dirname "$0")/../lib.sh"

FUZZ_SECONDS=${FUZZ_SECONDS:-20}
HARNESSES="decode conf rule pcap"
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
