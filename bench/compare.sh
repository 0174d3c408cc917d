#!/bin/sh
# bench/compare.sh - two or more scandetd binaries on the same capture,
# taking turns, best wall time of N runs each (default 5), with ratios
# against the first and the peak RSS.  For a change to the packet path:
#
#   git worktree add /tmp/before HEAD~1 && make -C /tmp/before
#   make bench-tools
#   build/bench/gen syn -n 1000000 -S 200000 -o /tmp/a1m.pcap
#   bench/compare.sh /tmp/a1m.pcap /tmp/before/build/scandetd build/scandetd
#
# Uses build/bench/runstat (make bench-tools).  Not a test.
set -eu
[ $# -ge 3 ] || { echo "usage: bench/compare.sh FILE SCANDETD SCANDETD..." >&2; exit 2; }
TOP=$(cd "$(dirname "$0")/.." && pwd)
RS=${RUNSTAT:-$TOP/build/bench/runstat}
N=${N:-5}
f=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
i=0
for b in "$@"; do
	cp "$b" "$work/sd$i"
	eval "best$i=0 rss$i=0"
	i=$((i + 1))
done
count=$i
run=0
while [ $run -lt "$N" ]; do
	i=0
	while [ $i -lt "$count" ]; do
		"$RS" "$work/sd$i" -c /dev/null -r "$f" >/dev/null 2>"$work/log"
		ns=$(tail -n1 "$work/log" | sed -n 's/.* wall_ns=\([0-9]*\).*/\1/p')
		kib=$(tail -n1 "$work/log" | sed -n 's/.* maxrss_kib=\([0-9]*\).*/\1/p')
		eval "b=\$best$i r=\$rss$i"
		{ [ "$b" = 0 ] || [ "$ns" -lt "$b" ]; } && eval "best$i=$ns"
		[ "$kib" -le "$r" ] || eval "rss$i=$kib"
		i=$((i + 1))
	done
	run=$((run + 1))
done
i=0
for b in "$@"; do
	eval "v=\$best$i r=\$rss$i"
	[ $i -eq 0 ] && base=$v
	printf '%s: %s ms, %s MiB, ratio %s\n' "$b" \
		"$(echo "scale=1; $v / 1000000" | bc)" \
		"$(echo "scale=1; $r / 1024" | bc)" \
		"$(echo "scale=3; $v / $base" | bc)"
	i=$((i + 1))
done
