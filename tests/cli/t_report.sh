#!/bin/sh
# What scandetd -r tells a person (scandetd(8), "Reading captures"):
#   - after the events, a summary on standard error whose every number is
#     that of the events of the same run (report_check.py works them out
#     from the JSON and from capinfos), with what went wrong: malformed
#     packets, a file cut short, alerts AlertLimit held back, a table
#     too long to list;
#   - the raw statistics only with --stats; -q: the events only;
#   - progress on a terminal (a pseudo-terminal from script(1)), never
#     into a pipe or a file, and never left under an event;
#   - several files in one run, in order, give the events of their
#     concatenation; a missing one is an error naming it.
. "$(dirname "$0")/../lib.sh"

CHECK="$TOP/tests/cli/report_check.py"
SCAN_OS="$DATA/nmap_O_synscan_osdetect_2026.pcapng"
DECOYS="$DATA/nmap_sS_decoys_2026.pcapng"
SWEEP="$DATA/ns2_zmap_sweep.pcap"
FLOOD="$DATA/ns_hping3_flood.pcap"
UDP="$DATA/ns_nmap_sU.pcap"
: >"$TMPD/empty.conf"

# summary_matches NAME JSON ERR CAPTURE...: the summary in ERR says what
# the events in JSON and the captures say.
summary_matches() {
	sm_name=$1
	shift
	if python3 "$CHECK" "$@" >"$TMPD/why" 2>&1; then
		pass "$sm_name"
	else
		fail "$sm_name" "$(head -n 20 "$TMPD/why")"
	fi
}

# ---- the summary's numbers are the events' ---------------------------
"$SCANDETD" -c "$TMPD/empty.conf" -r "$SCAN_OS" "$DECOYS" "$SWEEP" \
	"$FLOOD" "$UDP" --json >"$TMPD/five.json" 2>"$TMPD/five.err"
check_eq "five captures: exit 0" "$?" 0
summary_matches "five captures: summary = events (rows, probes, times)" \
	"$TMPD/five.json" "$TMPD/five.err" "$SCAN_OS" "$DECOYS" "$SWEEP" \
	"$FLOOD" "$UDP"
check "--json: standard output is JSON Lines only" python3 -c '
import json, sys
for line in open(sys.argv[1]):
    json.loads(line)
' "$TMPD/five.json"
check_grep "the sweep's row names its port and its many targets" \
	"$TMPD/five.err" '^  sweep +tcp +192\.0\.2\.20 +198\.51\.100\.111 \(and others\) +80 +53 '
check_grep "the OS probe's row: its packets and the tool" "$TMPD/five.err" \
	'^  osprobe +tcp +192\.168\.29\.14 +192\.168\.29\.[0-9]+ +- +5 .* nmap$'
check_grep "nothing went wrong, and it says so" "$TMPD/five.err" \
	'^Problems: none$'
for f in "$SCAN_OS" "$SWEEP"; do
	n=$(basename "$f")
	"$SCANDETD" -c "$TMPD/empty.conf" -r "$f" --json >"$TMPD/$n.json" \
		2>"$TMPD/$n.err"
	summary_matches "$n alone: summary = events" "$TMPD/$n.json" \
		"$TMPD/$n.err" "$f"
done

# AlertLimit: the summary counts only what was written, and says that
# more was held back (the sum of the "suppressed" events).
echo "AlertLimit 3 60" >"$TMPD/limit.conf"
"$SCANDETD" -c "$TMPD/limit.conf" -r "$DECOYS" --json >"$TMPD/limit.json" \
	2>"$TMPD/limit.err"
summary_matches "AlertLimit: summary = the events written" \
	"$TMPD/limit.json" "$TMPD/limit.err" "$DECOYS"
held=$(python3 -c '
import json, sys
print(sum(json.loads(l).get("held_back", 0) for l in open(sys.argv[1])))
' "$TMPD/limit.json")
check "AlertLimit: something was held back" test "$held" -gt 0
check_grep "AlertLimit: the summary says how much" "$TMPD/limit.err" \
	"^  AlertLimit held back $held alerts"

# A malformed packet (one cut inside its link header).
GNUT="$DATA/benign_gnutella_p2p.pcap"
"$SCANDETD" -c "$TMPD/empty.conf" --stats -r "$GNUT" >/dev/null \
	2>"$TMPD/gnut.err"
m=$(sed -n 's/^stat packets\.malformed //p' "$TMPD/gnut.err")
check_eq "malformed: the capture has one (statistics)" "$m" 1
check_grep "malformed: the summary names it with its reason" \
	"$TMPD/gnut.err" '^  1 malformed packet \(decoder\.link\.trunc 1\)$'

# More sources than the table holds: the first 1000 rows, the rest
# counted ("spoofs" rotates 2048 sources over ten ports each).
"$SPOOFS" -q -w "$TMPD/many.pcap" -s 2001:db8::/117 -d 2001:db8:1::10 \
	-p 1-2047 -c 10 -r 1000000
echo "AlertLimit 0 60" >"$TMPD/nolimit.conf"
"$SCANDETD" -c "$TMPD/nolimit.conf" -r "$TMPD/many.pcap" --json \
	>"$TMPD/many.json" 2>"$TMPD/many.err"
check_eq "2048 sources: every one reported" \
	"$(grep -c '"event":"portscan"' "$TMPD/many.json")" 2048
check_eq "2048 sources: the table lists 1000" \
	"$(grep -c '^  portscan ' "$TMPD/many.err")" 1000
check_grep "2048 sources: the other events are counted" "$TMPD/many.err" \
	'^  \.\.\. and 2096 more events from sources not listed'
check_grep "2048 sources: at least 1000 said" "$TMPD/many.err" \
	'^Sources reported: at least 1000 \(events: 2048 portscan, 2048 scan_end\)$'

# ---- --stats, -q -------------------------------------------------------
"$SCANDETD" -c "$TMPD/empty.conf" -r "$SCAN_OS" >"$TMPD/plain.out" \
	2>"$TMPD/plain.err"
check_nogrep "default: no stat lines" "$TMPD/plain.err" '^stat '
check_grep "default: the summary" "$TMPD/plain.err" '^Sources reported: 1 '
"$SCANDETD" -c "$TMPD/empty.conf" --stats -r "$SCAN_OS" >"$TMPD/stats.out" \
	2>"$TMPD/stats.err"
check_grep "--stats: the statistics" "$TMPD/stats.err" \
	'^stat packets\.seen 2052$'
check_eq "--stats: every statistic, after the summary" \
	"$(sed -n '/^Problems: none$/,$p' "$TMPD/stats.err" | grep -c '^stat ')" \
	"$(grep -c '^stat ' "$TMPD/stats.err")"
"$SCANDETD" -c "$TMPD/empty.conf" -q -r "$SCAN_OS" >"$TMPD/q.out" \
	2>"$TMPD/q.err"
check_eq "-q: exit 0" "$?" 0
check "-q: the same events" cmp "$TMPD/plain.out" "$TMPD/q.out"
check_eq "-q: nothing else" "$(wc -c <"$TMPD/q.err")" 0
check_eq "-q without -r: a usage error" \
	"$("$SCANDETD" -q -c "$TMPD/empty.conf" -t >/dev/null 2>&1; echo $?)" 2

# ---- progress: on a terminal only --------------------------------------
# 192 copies of a 1 MB capture: about a second of reading on a fast
# machine (more on a slow one), redrawn every 0.25 s.  (Six sources only: no table evictions, which follow the
# hash key drawn each run, so every run gives the same events.)
BIG="$DATA/nmap_sS_decoys_2026.pcapng"
set --
i=0
while [ $i -lt 192 ]; do set -- "$@" "$BIG"; i=$((i + 1)); done
RUN="$SCANDETD -c $TMPD/empty.conf -r $*"
if command -v script >/dev/null 2>&1; then
	script -qec "$RUN" /dev/null >"$TMPD/tty.out" 2>&1
	check_eq "terminal: exit 0" "$?" 0
	check_grep "terminal: progress, with bytes, packets, rate, time left" \
		"$TMPD/tty.out" \
		'scandetd: [0-9.]+ of 207\.7 MB \([0-9]+%\), [0-9]+ packets, [0-9]+ packets/s, [0-9]+:[0-5][0-9] left'
	# What the terminal shows in the end: carriage returns overwrite.
	python3 -c '
import sys
for line in open(sys.argv[1], newline="").read().split("\n"):
    shown = ""
    for part in line.rstrip("\r").split("\r"):
        shown = part + shown[len(part):]
    print(shown.rstrip())
' "$TMPD/tty.out" >"$TMPD/tty.shown"
	check_nogrep "terminal: no progress left on the screen" \
		"$TMPD/tty.shown" 'packets/s'
	$RUN >"$TMPD/file.out" 2>"$TMPD/file.err"
	grep -Ev '^[0-9-]+T[0-9:.]+Z (Possible|End of)' "$TMPD/tty.shown" | grep . \
		>"$TMPD/tty.summary"
	check "terminal: the summary whole, as into a file" \
		cmp "$TMPD/tty.summary" "$TMPD/file.err"
	grep -E '^[0-9-]+T[0-9:.]+Z (Possible|End of)' "$TMPD/tty.shown" >"$TMPD/tty.events"
	check "terminal: every event whole, as into a file" \
		cmp "$TMPD/tty.events" "$TMPD/file.out"
	check "terminal: there are events" test -s "$TMPD/file.out"
	script -qec "$SCANDETD -c $TMPD/empty.conf -q -r $*" /dev/null \
		>"$TMPD/ttyq.out" 2>&1
	check_nogrep "terminal, -q: no progress" "$TMPD/ttyq.out" 'packets/s'
else
	skip "terminal: progress" "script (util-linux) is not installed"
fi
check_nogrep "into a file: no progress" "$TMPD/file.err" 'packets/s'
check_nogrep "into a file: no carriage return" "$TMPD/file.err" "$(printf '\r')"
$RUN 2>&1 >/dev/null | cat >"$TMPD/pipe.err"
check_nogrep "into a pipe: no progress" "$TMPD/pipe.err" 'packets/s'
check_grep "into a pipe: the summary" "$TMPD/pipe.err" '^Read [0-9]+ packets from 192 files'

# ---- several files, in order, as one capture --------------------------
# The scan and OS probe capture cut in two in the middle of the scan:
# the two halves in one run give the events of the whole.
editcap -F pcap -r "$SCAN_OS" "$TMPD/half1.pcap" 1-1000 >/dev/null 2>&1
editcap -F pcap -r "$SCAN_OS" "$TMPD/half2.pcap" 1001-1000000 >/dev/null 2>&1
editcap -F pcap "$SCAN_OS" "$TMPD/whole.pcap" >/dev/null 2>&1
"$SCANDETD" -c "$TMPD/empty.conf" -r "$TMPD/whole.pcap" --json \
	>"$TMPD/whole.json" 2>/dev/null
"$SCANDETD" -c "$TMPD/empty.conf" -r "$TMPD/half1.pcap" "$TMPD/half2.pcap" \
	--json >"$TMPD/halves.json" 2>"$TMPD/halves.err"
check "two halves: the scan's events, as from the whole" \
	cmp "$TMPD/whole.json" "$TMPD/halves.json"
check_grep "two halves: one scan of 1017 probes across them" \
	"$TMPD/halves.json" '"event":"scan_end".*"count":1017,'
summary_matches "two halves: summary = events" "$TMPD/halves.json" \
	"$TMPD/halves.err" "$TMPD/half1.pcap" "$TMPD/half2.pcap"
"$SCANDETD" -c "$TMPD/empty.conf" -r "$TMPD/half1.pcap" -r "$TMPD/half2.pcap" \
	--json >"$TMPD/halves2.json" 2>/dev/null
check "-r a -r b: the same as -r a b" cmp "$TMPD/halves.json" "$TMPD/halves2.json"
# Two different captures, and mergecap's concatenation of them.
mergecap -F pcap -a -w "$TMPD/cat.pcap" "$SWEEP" "$FLOOD"
"$SCANDETD" -c "$TMPD/empty.conf" -r "$TMPD/cat.pcap" --json \
	>"$TMPD/cat.json" 2>/dev/null
"$SCANDETD" -c "$TMPD/empty.conf" -r "$SWEEP" "$FLOOD" --json \
	>"$TMPD/two.json" 2>/dev/null
check "two captures: the events of mergecap -a of them" \
	cmp "$TMPD/cat.json" "$TMPD/two.json"
check_eq "two captures: a sweep and a flood" \
	"$(grep -c '"event":"scan_end"' "$TMPD/two.json")" 2

# A missing file, second: an error naming it, before anything is read.
"$SCANDETD" -c "$TMPD/empty.conf" -r "$SWEEP" "$TMPD/nope.pcap" \
	>"$TMPD/nope.out" 2>"$TMPD/nope.err"
check_eq "missing second file: exit 1" "$?" 1
check_grep "missing second file: named" "$TMPD/nope.err" \
	"nope\.pcap: No such file or directory"
check_eq "missing second file: nothing read" "$(wc -c <"$TMPD/nope.out")" 0
check_eq "standard input twice: a usage error" \
	"$("$SCANDETD" -c "$TMPD/empty.conf" -r - - </dev/null >/dev/null 2>&1; echo $?)" 2
check_eq "a file without -r: a usage error" \
	"$("$SCANDETD" -c "$TMPD/empty.conf" "$SWEEP" >/dev/null 2>&1; echo $?)" 2

# A file cut short, then a whole one: the first is said and named in
# the summary, the second still read, and the run exits 1.
size=$(stat -c %s "$SWEEP")
head -c $((size / 2 + 7)) "$SWEEP" >"$TMPD/cut.pcap"
"$SCANDETD" -c "$TMPD/empty.conf" -r "$TMPD/cut.pcap" "$FLOOD" --json \
	>"$TMPD/cut.json" 2>"$TMPD/cut.err"
check_eq "cut file first: exit 1" "$?" 1
check_grep "cut file first: the next file is still read" "$TMPD/cut.json" \
	'"event":"scan_end".*"src":"203\.0\.113\.99"'
check_grep "cut file first: named under Problems" "$TMPD/cut.err" \
	'^  .*/cut\.pcap: truncated dump file'
check_grep "cut file first: packets of both files counted" "$TMPD/cut.err" \
	'^Read [0-9]+ packets from 2 files'

finish
