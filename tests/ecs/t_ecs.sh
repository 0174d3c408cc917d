#!/bin/sh
# tests/ecs/t_ecs.sh - JsonFormat ecs: Elastic Common Schema documents.
#
#   BUILD=build sh tests/ecs/t_ecs.sh
#
# scandetd -r reads every capture of tests/pcap/data (with connection
# logging, and an AlertLimit low enough for AlertLimit summaries) into ECS
# documents (JsonLog) and log lines, and again into default-format JSON.
# check_ecs.py checks each ECS document against the ECS 9.4.0 field
# reference (names, types, arrays), the allowed values of
# event.kind/category/type, the fields each kind of event must have and
# its MITRE ATT&CK technique; and against the other two outputs: the same
# events in the same order, times, addresses, ports and protocol,
# "scandetd" holding the default format's other members, "message" the
# log line.  Every kind of event must appear.
#
# The checker is first shown able to fail: each hand-made faulty document
# of data/bad-documents.txt must give exactly its own message.  Then the
# edge cases of the unit test (test_ecs --dump: an interface name, ICMP
# over IPv6, hostile text, the longest document) must pass it; --json
# must get the same documents as the JsonLog; a bad JsonFormat must be
# refused with file:line.  No network, no root needed; python3 (its
# standard library only).
. "$(dirname "$0")/../lib.sh"

# What this checks (the form of the output) is the same for every build;
# under the sanitizers it would only double the suite's longest runs.
if [ "$BUILD" != "$TOP/build" ]; then
	echo "t_ecs.sh: runs with BUILD=build only (the documents' form does not depend on the build: the capture runs under the sanitizers are t_truth.sh's and t_golden.sh's)"
	finish
fi
ECS=$TOP/tests/ecs
CHECKER="$ECS/check_ecs.py"
TAB=$(printf '\t')

if ! command -v python3 >/dev/null 2>&1; then
	fail ecs "python3 is missing (install-deps.sh installs it)"
	finish
fi

# ---- the reference is ECS 9.4.0's, unchanged (data/SOURCES.md)
# (its git blob hash, computed as git hash-object does: no git needed)
check_eq "fields-9.4.0.csv is elastic/ecs v9.4.0 generated/csv/fields.csv" \
	"$(python3 -c 'import hashlib, sys
d = open(sys.argv[1], "rb").read()
print(hashlib.sha1(b"blob %d\0" % len(d) + d).hexdigest())' \
		"$ECS/data/fields-9.4.0.csv")" \
	288c71c1e2b2821951b4d5a6c634313753f762f3

# ---- the checker can fail: one fault, one message, the right one
mkdir "$TMPD/bad"
n=0
grep -v '^#' "$ECS/data/bad-documents.txt" >"$TMPD/bad.txt"
while IFS="$TAB" read -r want doc; do
	n=$((n + 1))
	printf '%s\n' "$doc" >"$TMPD/bad/$n.ecs"
	printf '%s\n' "$want" >"$TMPD/bad/$n.want"
done <"$TMPD/bad.txt"
[ "$n" -ge 20 ] || fail "bad documents" "only $n in data/bad-documents.txt"
python3 "$CHECKER" --batch "$TMPD/bad" >"$TMPD/bad.out" 2>&1
i=0
while [ $i -lt $n ]; do
	i=$((i + 1))
	want=$(cat "$TMPD/bad/$i.want")
	got=$(sed -n "s/^$i FAIL 1 faults: line 1: //p" "$TMPD/bad.out")
	if [ -n "$got" ] && printf '%s\n' "$got" | grep -Eq -- "$want"; then
		pass "checker rejects bad document $i: $got"
	else
		fail "checker rejects bad document $i" "wanted only /$want/,"`
			`" got: $(grep "^$i " "$TMPD/bad.out")"
	fi
done

# ---- the unit test's edge cases are valid ECS documents
if "$BUILD/tests/test_ecs" --dump >"$TMPD/dump.jsonl" &&
   python3 "$CHECKER" "$TMPD/dump.jsonl" >"$TMPD/dump.out" 2>&1; then
	check_eq "edge cases (test_ecs --dump) are valid ECS" \
		"$(tail -n 1 "$TMPD/dump.out")" \
		"documents: 4 connection=1 osprobe=2 scan_end=1"
else
	fail "edge cases (test_ecs --dump) are valid ECS" \
		"$(cat "$TMPD/dump.out" 2>/dev/null)"
fi

# ---- every capture: ECS, default format and log lines, then one check
# One run writes the ECS documents to the JsonLog and the log lines to
# standard output; a second the default format (--json).
printf 'LogConnections yes\nUdpLogConnections yes\nLogDetails yes\n'`
	`'AlertLimit 20 60\n' >"$TMPD/base.conf"
{ cat "$TMPD/base.conf"; echo "JsonFormat ecs"; } >"$TMPD/ecs.conf"
{ cat "$TMPD/ecs.conf"; echo "JsonLog $TMPD/events.json"; } \
	>"$TMPD/jsonlog.conf"
{ cat "$TMPD/base.conf"; echo "JsonFormat default"; } >"$TMPD/default.conf"

# run OUT CONF ARGS...: scandetd with CONF, standard output in OUT
# A capture cut short is read to its last whole packet and exits 1
# (scandetd(8)): its events are checked all the same.
run() {
	ro=$1 rc=$2
	shift 2
	"$SCANDETD" -c "$rc" "$@" >"$ro" 2>"$TMPD/err" ||
		grep -q "truncated dump file" "$TMPD/err"
}

mkdir "$TMPD/runs"
ncaptures=0
for pcap in "$DATA"/*.pcap "$DATA"/*.pcapng; do
	[ -f "$pcap" ] || continue
	ncaptures=$((ncaptures + 1))
	out="$TMPD/runs/$(basename "$pcap")"
	rm -f "$TMPD/events.json"
	if run "$out.text" "$TMPD/jsonlog.conf" --json-log -r "$pcap" &&
	   run "$out.default" "$TMPD/default.conf" -r "$pcap" --json; then
		mv "$TMPD/events.json" "$out.ecs"
	else
		fail "$(basename "$pcap")" "scandetd failed: $(cat "$TMPD/err")"
	fi
done
[ "$ncaptures" -ge 40 ] || fail captures "only $ncaptures in $DATA"
python3 "$CHECKER" --batch "$TMPD/runs" >"$TMPD/batch" 2>&1
while read -r name verdict rest; do
	case "$verdict" in
	ok) pass "$name: $rest" ;;
	*) fail "$name" "$rest" ;;
	esac
done <"$TMPD/batch"
check_eq "every capture checked" "$(grep -c ' ok ' "$TMPD/batch")" \
	"$ncaptures"

# ---- every kind of event was seen, as an ECS document
for action in connection portscan sweep flood osprobe scan_end suppressed; do
	seen=$(tr ' ' '\n' <"$TMPD/batch" | sed -n "s/^$action=//p" |
	       awk '{ s += $1 } END { print s + 0 }')
	if [ "$seen" -gt 0 ]; then
		pass "$action events checked: $seen"
	else
		fail "$action events checked" "none in any capture"
	fi
done

# ---- --json writes the same documents as the JsonLog
pcap=nmap_O_synscan_osdetect_2026.pcapng
if run "$TMPD/stdout.ecs" "$TMPD/ecs.conf" -r "$DATA/$pcap" --json; then
	check "--json gets the ECS documents of the JsonLog" \
		cmp "$TMPD/runs/$pcap.ecs" "$TMPD/stdout.ecs"
else
	fail "--json with JsonFormat ecs" "$(cat "$TMPD/err")"
fi

# ---- a bad value is refused, naming file and line; -s shows the value
printf '# events for Elastic\nJsonFormat elastic\n' >"$TMPD/bad.conf"
if "$SCANDETD" -t -c "$TMPD/bad.conf" >"$TMPD/t.out" 2>&1; then
	fail "JsonFormat elastic refused" "scandetd -t accepted it"
else
	check_grep "JsonFormat elastic refused with file:line" "$TMPD/t.out" \
		"bad\.conf:2: JsonFormat: \"elastic\" is not default or ecs"
fi
"$SCANDETD" -s -c "$TMPD/ecs.conf" >"$TMPD/s.out" 2>&1
check_grep "scandetd -s shows JsonFormat ecs" "$TMPD/s.out" "^JsonFormat ecs$"
finish
