#!/bin/sh
# Regenerate tests/pcap/expected/NAME.jsonl from the current build, for the
# captures named on the command line (default: those already listed).
# Review the diff before committing: these files are the exact events the
# tests hold scandetd to.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
cd "$TOP"
names=${*:-$(ls tests/pcap/expected/*.jsonl | xargs -n1 basename | sed 's/\.jsonl$//')}
for name in $names; do
	pcap=$(ls tests/pcap/data/"${name%@*}".pcap* | head -n 1)
	conf=tests/pcap/expected/$name.conf
	[ -f "$conf" ] || conf=/dev/null
	# A capture cut short still gives its events (and exit status 1).
	"$BUILD/scandetd" -c "$conf" -r "$pcap" --json >tests/pcap/expected/"$name".jsonl 2>/dev/null || true
	echo "$name: $(wc -l <tests/pcap/expected/"$name".jsonl) events"
done
