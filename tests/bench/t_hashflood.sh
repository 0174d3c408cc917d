#!/bin/sh
# tests/bench/t_hashflood.sh - hash flooding: sources chosen to collide
# under a known key pile into one bucket of a table keyed with it (bounded
# work, never a chain), and spread when the table is keyed otherwise.
# Counts work (callbacks, evictions, live entries); never times it.
#
# Builds tests/bench/hashflood.c with the flags of the build under test
# (asked of the Makefile, so SAN builds get the sanitizers) and links it
# with $BUILD/libscandetd.a.
. "$(dirname "$0")/../lib.sh"

san=
case "$BUILD" in */build-san) san=SAN=1 ;; esac
bin="$TMPD/hashflood"
# shellcheck disable=SC2086 # $cc and $flags are lists of words
if make -s --no-print-directory -C "$TOP" $san BUILD="$BUILD" \
		bench-print-flags >"$TMPD/flags" 2>"$TMPD/flags.err" &&
   cc=$(sed -n 1p "$TMPD/flags") && flags=$(sed -n 2p "$TMPD/flags") &&
   [ -f "$BUILD/libscandetd.a" ] &&
   ( cd "$TOP" && $cc $flags -o "$bin" tests/bench/hashflood.c \
		"$BUILD/libscandetd.a" ) >"$TMPD/cc.out" 2>&1; then
	pass hashflood_builds
else
	cat "$TMPD/flags.err" "$TMPD/cc.out" 2>/dev/null
	fail hashflood_builds "cannot build tests/bench/hashflood.c"
	finish
fi

"$bin" >"$TMPD/out" 2>&1
rc=$?
grep -v '^check ' "$TMPD/out"
check_eq hashflood_exit "$rc" 0
n=0
while read -r _ name verdict detail; do
	n=$((n + 1))
	if [ "$verdict" = ok ]; then pass "$name"; else fail "$name" "$detail"; fi
done <<CHECKS
$(grep '^check ' "$TMPD/out")
CHECKS
check_eq hashflood_ran_all_checks "$n" 10
finish
