#!/bin/sh
# Faults an unlucky admin meets, each with what must happen:
#   - a capture that ends in the middle of a packet, and a pcapng whose
#     second interface has another link type: exit 1, but the open scans'
#     end records and the statistics are written first;
#   - JsonLog on a full disk: lost events counted and said, no line ever
#     cut, writing resumes cleanly when there is room again;
#   - a JsonLog that is a symbolic link or a FIFO: refused at start.
# Needs root for the full-disk part (a small tmpfs in a private mount
# namespace).
. "$(dirname "$0")/../lib.sh"

SCAN="$DATA/masscan_syn_0-1000_vlan.pcap"
CONF="$TMPD/scandetd.conf"
: >"$CONF"

# jsonl_valid FILE: every line of FILE is one whole JSON object.
jsonl_valid() {
	python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    if not line.endswith("\n"):
        sys.exit("line %d: no newline" % n)
    json.loads(line)
' "$1"
}

# ---- a capture cut in the middle of a packet ------------------------
size=$(stat -c %s "$SCAN")
head -c $((size * 3 / 4 + 7)) "$SCAN" >"$TMPD/cut.pcap"
"$SCANDETD" -c "$CONF" --stats -r "$TMPD/cut.pcap" >"$TMPD/cut.out" 2>"$TMPD/cut.err"
check_eq "truncated capture: exit 1" "$?" 1
check_grep "truncated capture: the error is said" "$TMPD/cut.err" "truncated"
check_grep "truncated capture: open scans end first" "$TMPD/cut.out" \
	"^[0-9-]+T[0-9:.]+Z End of port scan from "
check_grep "truncated capture: statistics written" "$TMPD/cut.err" \
	"^stat packets\.seen [1-9]"

# ---- pcapng whose second interface has another link type ----------
# The scan as pcapng, then a second interface block of link type RAW
# (101) after its packets: libpcap refuses to go on at that block.
editcap -F pcapng "$SCAN" "$TMPD/mixed.pcapng" 2>/dev/null
python3 -c '
import struct, sys
idb = struct.pack("<IIHHII", 1, 20, 101, 0, 65535, 20)
open(sys.argv[1], "ab").write(idb)
' "$TMPD/mixed.pcapng"
"$SCANDETD" -c "$CONF" --stats -r "$TMPD/mixed.pcapng" >"$TMPD/mixed.out" \
	2>"$TMPD/mixed.err"
check_eq "pcapng with a second link type: exit 1" "$?" 1
check_grep "pcapng: the error is said" "$TMPD/mixed.err" "type 101"
check_grep "pcapng: open scans end first" "$TMPD/mixed.out" \
	"^[0-9-]+T[0-9:.]+Z End of port scan from "
check_grep "pcapng: statistics written" "$TMPD/mixed.err" \
	"^stat packets\.seen 1005$"

# ---- JsonLog that is a symbolic link or a FIFO ----------------------
echo "precious" >"$TMPD/target"
ln -s "$TMPD/target" "$TMPD/link.json"
echo "JsonLog $TMPD/link.json" >"$TMPD/link.conf"
"$SCANDETD" -c "$TMPD/link.conf" --json-log -r "$SCAN" >/dev/null 2>"$TMPD/link.err"
check_eq "JsonLog through a symbolic link: refused" "$?" 1
check_grep "and says why" "$TMPD/link.err" "JsonLog: .*symbolic link"
check_eq "the link's target is untouched" "$(cat "$TMPD/target")" precious
mkfifo "$TMPD/fifo.json"
echo "JsonLog $TMPD/fifo.json" >"$TMPD/fifo.conf"
timeout 10 "$SCANDETD" -c "$TMPD/fifo.conf" --json-log -r "$SCAN" >/dev/null \
	2>"$TMPD/fifo.err"
check_eq "JsonLog that is a FIFO: refused, not hung" "$?" 1
check_grep "and says why" "$TMPD/fifo.err" "JsonLog: .*not a regular file"

# ---- JsonLog on a full disk -----------------------------------------
if [ "$(id -u)" -ne 0 ]; then
	fail "JsonLog on a full disk" "needs root (tmpfs in a mount namespace)"
	finish
fi
BIG="$DATA/ns2_benign_http_many.pcap"
# Every connection logged, none held back by AlertLimit: many lines.
cat >"$TMPD/full.conf" <<EOF
LogConnections yes
AlertLimit 0 60
JsonLog $TMPD/disk/events.json
EOF
# The same run with room enough: how many events there are.
mkdir -p "$TMPD/disk"
"$SCANDETD" -c "$TMPD/full.conf" --json-log -r "$BIG" >/dev/null 2>"$TMPD/room.err"
total=$(wc -l <"$TMPD/disk/events.json")
tail -n 1 "$TMPD/disk/events.json" >"$TMPD/last.json"
rm -f "$TMPD/disk/events.json"
check "there are many events" test "$total" -gt 1000

editcap -F pcap -r "$BIG" "$TMPD/part1.pcap" 1-10000 >/dev/null 2>&1
editcap -F pcap -r "$BIG" "$TMPD/part2.pcap" 10001-1000000 >/dev/null 2>&1
mkfifo "$TMPD/feed"
cat >"$TMPD/full.sh" <<EOF
set -u
mount -t tmpfs -o size=1024k tmpfs "$TMPD/disk" || exit 9
dd if=/dev/zero of="$TMPD/disk/filler" bs=4k count=254 2>/dev/null
"$SCANDETD" -c "$TMPD/full.conf" --stats --json-log -r "$TMPD/feed" >/dev/null 2>"$TMPD/full.err" &
pid=\$!
# Read-write: opening never blocks, even if scandetd is already gone.
exec 7<>"$TMPD/feed"
cat "$TMPD/part1.pcap" >&7
i=0
while ! grep -q "events not written" "$TMPD/full.err" && [ \$i -lt 100 ]; do
	sleep 0.1; i=\$((i + 1))
done
rm -f "$TMPD/disk/filler"
tail -c +25 "$TMPD/part2.pcap" >&7
exec 7>&-
wait \$pid
echo "exit \$?" >"$TMPD/full.rc"
cp "$TMPD/disk/events.json" "$TMPD/full.json"
EOF
unshare -m sh "$TMPD/full.sh"
check_eq "full disk: the run still ends cleanly" "$(cat "$TMPD/full.rc" 2>/dev/null)" "exit 0"
check_grep "full disk: the loss is said, with the reason" "$TMPD/full.err" \
	"JsonLog .*: [0-9]+ events not written: No space left on device"
check_grep "full disk: writing again is said" "$TMPD/full.err" \
	"JsonLog .*: writing again; [0-9]+ events were not written"
check "full disk: no line is cut, every line is JSON" jsonl_valid "$TMPD/full.json"
lost=$(sed -n 's/^stat jsonlog\.lost //p' "$TMPD/full.err")
written=$(wc -l <"$TMPD/full.json")
check "full disk: some events were lost" test "${lost:-0}" -gt 0
check_eq "full disk: written + lost = every event" \
	"$((written + ${lost:-0}))" "$total"
check "full disk: the last event, after the room came back, is there" \
	grep -qxF -f "$TMPD/last.json" "$TMPD/full.json"
finish
