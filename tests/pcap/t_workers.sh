#!/bin/sh
# Workers N (workers.h): the events are the same for every N.  Each test
# capture, with each detection method (and each configuration variant
# of tests/pcap/expected/), is read with -w 1, 2 and 4 (reading a file,
# N threads: one share of the pairs, then three); the JSON events must
# be byte for byte those of one worker, and so must what classification
# counted (detect.*, contacts.*).  Then Workers from the
# configuration file, the statistics of the threads, and bad values.
. "$(dirname "$0")/../lib.sh"

KEY=00112233445566778899aabbccddeeff
printf 'DetectionMethod classic\n' >"$TMPD/classic.conf"

# The counts classification makes: the same however it is spread.  Not
# the tables' fill (flows.used, contacts.used): each worker's table is a
# share, and which entry a full bucket gives up differs with the share.
class_counts() {
	grep -E '^stat (detect\.(probes|probes_ignored|not_a_contact|signature_hits|udp_new_flows|udp_replies|tcp_answered|packets)|contacts\.(first|successes|failures|weak_failures)) ' "$1"
}

# run NAME CONF PCAP N: events in $TMPD/NAME.N.json, statistics in .err
run() {
	"$SCANDETD" -c "$2" -q --json --stats --hash-key "$KEY" -w "$4" \
		-r "$3" >"$TMPD/$1.$4.json" 2>"$TMPD/$1.$4.err" ||
		grep -q "truncated dump file" "$TMPD/$1.$4.err"
}

# same NAME CONF PCAP: -w 2 and -w 4 against -w 1 (the three at once:
# two cores)
same() {
	run "$1" "$2" "$3" 1 & p1=$!
	run "$1" "$2" "$3" 2 & p2=$!
	run "$1" "$2" "$3" 4; r4=$?
	wait $p1; r1=$?
	wait $p2; r2=$?
	if [ $r1 -ne 0 ]; then
		fail "$1" "scandetd -w 1 failed: $(head -n 3 "$TMPD/$1.1.err")"
		return
	fi
	class_counts "$TMPD/$1.1.err" >"$TMPD/$1.1.counts"
	for n in 2 4; do
		eval "rn=\$r$n"
		if [ "$rn" -ne 0 ]; then
			fail "$1 -w $n" "scandetd failed: $(head -n 3 "$TMPD/$1.$n.err")"
			continue
		fi
		class_counts "$TMPD/$1.$n.err" >"$TMPD/$1.$n.counts"
		if ! cmp -s "$TMPD/$1.1.json" "$TMPD/$1.$n.json"; then
			fail "$1 -w $n" "events differ from -w 1:"
			diff "$TMPD/$1.1.json" "$TMPD/$1.$n.json" | head -n 10
		elif ! cmp -s "$TMPD/$1.1.counts" "$TMPD/$1.$n.counts"; then
			fail "$1 -w $n" "classification counts differ from -w 1:"
			diff "$TMPD/$1.1.counts" "$TMPD/$1.$n.counts" | head -n 10
		else
			pass "$1 -w $n ($(wc -l <"$TMPD/$1.1.json") events)"
		fi
	done
}

# Under the sanitizers (make check's second run), the threads' memory is
# what is checked, not the events again: a sample of the captures, the
# fragmented and the largest among them.  The normal build reads them all.
captures() {
	case "$BUILD" in
	*-san) ls "$DATA"/*.pcap* | awk 'NR % 16 == 1'
	       ls "$DATA"/*frag* "$DATA"/ctu_iot_telnet* ;;
	*) ls "$DATA"/*.pcap* ;;
	esac
}

nfiles=0
for pcap in $(captures); do
	name=$(basename "$pcap")
	nfiles=$((nfiles + 1))
	same "$name trw" /dev/null "$pcap"
	same "$name classic" "$TMPD/classic.conf" "$pcap"
done
for conf in "$TOP"/tests/pcap/expected/*@*.conf; do
	name=$(basename "$conf" .conf)
	pcap=$(ls "$DATA/${name%@*}".pcap* 2>/dev/null | head -n 1)
	[ -n "$pcap" ] || { fail "$name" "no capture for $conf"; continue; }
	same "$name" "$conf" "$pcap"
done
# Not a vacuous loop: the captures are there, and some have events.
case "$BUILD" in
*-san) check "captures read" test "$nfiles" -ge 8 ;;
*) check "captures read" test "$nfiles" -ge 80
   check "events compared" test "$(cat "$TMPD"/*.1.json | wc -l)" -ge 400 ;;
esac

# Workers in the configuration; the threads say what they did.
pcap="$DATA/ns_nmap_sS.pcap"
printf 'Workers 4\n' >"$TMPD/w4.conf"
"$SCANDETD" -c "$TMPD/w4.conf" -q --stats --json --hash-key "$KEY" \
	-r "$pcap" >"$TMPD/w4.json" 2>"$TMPD/w4.err"
check_grep "Workers 4: four threads" "$TMPD/w4.err" '^stat workers\.threads 4$'
# Reading a file, 4 threads: the reader, detection and 2 more; the
# pairs in 3 shares.
check_grep "Workers 4: the third share classified" "$TMPD/w4.err" \
	'^stat workers\.classify\.2\.cpu_us [1-9]'
check_nogrep "Workers 4: three shares" "$TMPD/w4.err" \
	'^stat workers\.classify\.3\.'
check_grep "Workers 4: detection worked" "$TMPD/w4.err" \
	'^stat workers\.detect\.cpu_us [1-9]'
check_grep "Workers 4: slabs went through" "$TMPD/w4.err" \
	'^stat workers\.slabs [1-9]'
"$SCANDETD" -c /dev/null -q --json --hash-key "$KEY" -r "$pcap" \
	>"$TMPD/w1.json" 2>/dev/null
check "Workers 4: the same events" cmp -s "$TMPD/w1.json" "$TMPD/w4.json"
"$SCANDETD" -c /dev/null -q --stats -r "$pcap" >/dev/null 2>"$TMPD/w1.err"
check_nogrep "one worker: no workers.* statistics" "$TMPD/w1.err" '^stat workers\.'
# Each share has its part of FlowTableSize: together, the same, also
# when the shares are not a power of two (3: a half and two quarters).
check_eq "Workers 4: the tables add up to FlowTableSize" \
	"$(grep -E '^stat (flows|contacts)\.slots ' "$TMPD/w4.err")" \
	"$(grep -E '^stat (flows|contacts)\.slots ' "$TMPD/w1.err")"
"$SCANDETD" -c /dev/null -w 6 -q --stats -r "$pcap" >/dev/null 2>"$TMPD/w6.err"
check_eq "Workers 6: the tables add up to FlowTableSize" \
	"$(grep -E '^stat (flows|contacts)\.slots ' "$TMPD/w6.err")" \
	"$(grep -E '^stat (flows|contacts)\.slots ' "$TMPD/w1.err")"
"$SCANDETD" -c "$TMPD/w4.conf" -w 1 -q --stats -r "$pcap" >/dev/null \
	2>"$TMPD/w41.err"
check_nogrep "-w 1 overrides Workers 4" "$TMPD/w41.err" '^stat workers\.'

# The pairs spread evenly, also when their addresses differ only in a
# few bytes (a day's sweep of 172.16.0.0/16 from one host): each of 4
# shares (Workers 5) classifies at least 15% of the packets; of 3
# (Workers 4), the first, with twice the table, 40% and the others 15%.
"$SCANDETD" -c /dev/null -w 5 -q --stats -r "$DATA/ns3_slow_sweep_24h.pcap" \
	>/dev/null 2>"$TMPD/spread.err"
check "4 shares: each classifies its part" awk '
	/^stat workers\.classify\.[0-9]+\.packets / { n[$2] = $3; t += $3 }
	END { if (length(n) != 4 || t == 0) exit 1
	      for (k in n) if (n[k] < 0.15 * t) exit 1 }' "$TMPD/spread.err"
"$SCANDETD" -c /dev/null -w 4 -q --stats -r "$DATA/ns3_slow_sweep_24h.pcap" \
	>/dev/null 2>"$TMPD/spread3.err"
check "3 shares: a half and two quarters" awk '
	/^stat workers\.classify\.[0-9]+\.packets / { n[$2] = $3; t += $3 }
	END { if (length(n) != 3 || t == 0) exit 1
	      if (n["workers.classify.0.packets"] < 0.40 * t) exit 1
	      for (k in n) if (n[k] < 0.15 * t) exit 1 }' "$TMPD/spread3.err"

# Bad values: a clear error, exit 2 (option) or 1 (file, with its line).
for bad in 0 65 x 2x -1 ""; do
	"$SCANDETD" -c /dev/null -w "$bad" -r "$pcap" >/dev/null 2>"$TMPD/bad.err"
	check_eq "-w '$bad' refused" "$?" 2
	check_grep "-w '$bad' says why" "$TMPD/bad.err" 'workers.*not a number from 1 to 64'
done
printf '# workers\nWorkers 0\n' >"$TMPD/w0.conf"
"$SCANDETD" -c "$TMPD/w0.conf" -t >/dev/null 2>"$TMPD/w0.err"
check_eq "Workers 0 refused" "$?" 1
check_grep "Workers 0: file and line" "$TMPD/w0.err" 'w0\.conf:2:.*Workers'
finish
