#!/bin/sh
# Exact events: scandetd -r --json over each capture that has an expected
# file tests/pcap/expected/NAME.jsonl must print exactly those lines (who,
# as what, counts, ports, packet timestamps).  NAME@VARIANT.jsonl runs
# data/NAME.pcap* with the configuration NAME@VARIANT.conf.  Regenerate after a deliberate
# change with tests/pcap/update_expected.sh and review the diff.
. "$(dirname "$0")/../lib.sh"

for exp in "$TOP"/tests/pcap/expected/*.jsonl; do
	[ -f "$exp" ] || { fail golden "no expected files"; break; }
	name=$(basename "$exp" .jsonl)
	pcap=$(ls "$DATA/${name%@*}".pcap* 2>/dev/null | head -n 1)
	conf="$TOP/tests/pcap/expected/$name.conf"
	[ -f "$conf" ] || conf=/dev/null
	if [ -z "$pcap" ]; then
		fail "$name" "no capture $DATA/$name.pcap*"
		continue
	fi
	# A capture cut short is read to its last whole packet, then the
	# run exits 1 (scandetd(8)); its events are compared all the same.
	if ! "$SCANDETD" -c "$conf" -r "$pcap" --json >"$TMPD/out" 2>"$TMPD/err" &&
	   ! grep -q "truncated dump file" "$TMPD/err"; then
		fail "$name" "scandetd failed: $(cat "$TMPD/err")"
		continue
	fi
	if diff -u "$exp" "$TMPD/out" >"$TMPD/diff"; then
		pass "$name"
	else
		fail "$name" "events differ:"
		head -n 40 "$TMPD/diff"
	fi
done
finish
