#!/bin/sh
# tests/spoofs/t_spoofs.sh - spoofs(8): files read back with tshark and
# tcpdump, error paths, the destination safety rules, and a live run
# between two network namespaces (as root).
#
#   BUILD=build sh tests/spoofs/t_spoofs.sh
#
# Needs tshark and tcpdump (Debian: tshark tcpdump), and for the live part
# iproute2 and util-linux (ip, unshare, setpriv).  Without tshark or
# tcpdump the script fails; without root the live and namespace checks are
# reported as skipped and count neither way.
. "$(dirname "$0")/../lib.sh"

S=$SPOOFS
W=$TMPD
DOC_SRC=203.0.113.5
DOC_DST=198.51.100.10

skip() { echo "skip $1: $2"; }

# ---- prerequisites: missing tools are failures, not skips -------------
for tool in tshark tcpdump; do
	if command -v "$tool" >/dev/null 2>&1; then
		pass "have $tool"
	else
		fail "have $tool" "$tool is not installed (apt-get install tshark tcpdump)"
		finish
	fi
done
if [ -x "$S" ]; then pass "spoofs built"; else fail "spoofs built" "no $S"; finish; fi

# ts FILE FIELD...: the fields of every packet, tab-separated, with every
# checksum verified and hex numbers without leading zeros (0x0002 -> 0x2),
# whatever the width this version of tshark prints.
ts() {
	f=$1; shift
	args=""
	for e in "$@"; do args="$args -e $e"; done
	# shellcheck disable=SC2086
	tshark -r "$f" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-o udp.check_checksum:TRUE -o tcp.relative_sequence_numbers:FALSE \
		-T fields $args 2>/dev/null | sed -E 's/0x0*([0-9a-f])/0x\1/g'
}
# uniq_of FILE FIELD: the distinct values of one field, one line.
uniq_of() { ts "$1" "$2" | sort -u | tr '\n' ' ' | sed 's/ $//'; }
# list_of FILE FIELD: every value of one field, in order, one line.
list_of() { ts "$1" "$2" | tr '\n' ' ' | sed 's/ $//'; }
npk() { ts "$1" frame.number | wc -l | tr -d ' '; }
seqs() { seq "$1" "$2" | tr '\n' ' ' | sed 's/ $//'; }
linktype() { tcpdump -r "$1" -c 1 2>&1 >/dev/null | sed -n 's/.*link-type \([A-Z0-9]*\).*/\1/p'; }

# check_fails NAME RC REGEX ARGS...: spoofs exits RC, says REGEX on stderr
# and prints nothing on stdout.
check_fails() {
	n=$1 want=$2 re=$3
	shift 3
	"$S" "$@" >"$W/out" 2>"$W/err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$n" "exit $rc, expected $want: $(cat "$W/err")"
	elif ! grep -Eq -- "$re" "$W/err"; then
		fail "$n" "stderr [$(cat "$W/err")] does not match /$re/"
	elif [ -s "$W/out" ]; then
		fail "$n" "unexpected output [$(cat "$W/out")]"
	else
		pass "$n"
	fi
}

# ---- the original example, into a file ----------------------------------
f=$W/basic.pcap
"$S" -w "$f" -s $DOC_SRC -d $DOC_DST -p 3-200 >"$W/out" 2>"$W/err"
check_eq "basic: exit 0" "$?" 0
check_eq "basic: silent" "$(cat "$W/out" "$W/err")" ""
check_eq "basic: 198 packets" "$(npk "$f")" 198
check_eq "basic: link type Ethernet" "$(linktype "$f")" EN10MB
check_eq "basic: source" "$(uniq_of "$f" ip.src)" $DOC_SRC
check_eq "basic: destination" "$(uniq_of "$f" ip.dst)" $DOC_DST
check_eq "basic: ports 3..200 in order" "$(list_of "$f" tcp.dstport)" "$(seqs 3 200)"
check_eq "basic: SYN only" "$(uniq_of "$f" tcp.flags)" 0x2
check_eq "basic: window, ttl" "$(ts "$f" tcp.window_size_value ip.ttl | sort -u | tr '\t' ' ')" "2048 64"
check_eq "basic: IP and TCP checksums good (tshark)" \
	"$(ts "$f" ip.checksum.status tcp.checksum.status | sort -u | tr '\t' ' ')" "1 1"
check_eq "basic: TCP checksums correct (tcpdump)" \
	"$(tcpdump -nvvr "$f" 2>/dev/null | grep -c 'cksum 0x[0-9a-f]* (correct)')" 198
check_eq "basic: first timestamp is the default start" \
	"$(ts "$f" frame.time_epoch | head -n 1)" 1700000000.000000000
check_eq "basic: 1 ms apart at the default rate" \
	"$(ts "$f" frame.time_delta | sed 1d | sort -u)" 0.001000000
check_eq "basic: last timestamp" "$(ts "$f" frame.time_epoch | tail -n 1)" 1700000000.197000000
check_eq "basic: ethertype, MACs" "$(ts "$f" eth.type eth.src eth.dst | sort -u | tr '\t' ' ')" \
	"0x800 02:00:00:00:00:01 02:00:00:00:00:02"

# ---- scan types ----------------------------------------------------------
for t in syn:0x2 fin:0x1 null:0x0 xmas:0x29 ack:0x10; do
	name=${t%%:*} flags=${t#*:}
	f=$W/$name.pcap
	"$S" -w "$f" -t "$name" -s $DOC_SRC -d $DOC_DST -p 1-5
	check_eq "type $name: flags" "$(list_of "$f" tcp.flags)" "$flags $flags $flags $flags $flags"
	check_eq "type $name: checksums" \
		"$(ts "$f" ip.checksum.status tcp.checksum.status | sort -u | tr '\t' ' ')" "1 1"
done
"$S" -w "$W/dflt.pcap" -s $DOC_SRC -d $DOC_DST -p 1-5
check "type syn is the default" cmp "$W/syn.pcap" "$W/dflt.pcap"
check_eq "type ack: acknowledgment number set" \
	"$(ts "$W/ack.pcap" tcp.ack | grep -c '^0$')" 0
f=$W/udp.pcap
"$S" -w "$f" -t udp -s $DOC_SRC -d $DOC_DST -p 53,123,161
check_eq "type udp: ports" "$(list_of "$f" udp.dstport)" "53 123 161"
check_eq "type udp: empty datagrams" "$(uniq_of "$f" udp.length)" 8
check_eq "type udp: checksums" \
	"$(ts "$f" ip.checksum.status udp.checksum.status | sort -u | tr '\t' ' ')" "1 1"

# ---- nmap-os: today's nmap -O probe shapes --------------------------------
f=$W/nmap.pcap
"$S" -w "$f" -t nmap-os -s $DOC_SRC -d $DOC_DST -p 80
check_eq "nmap-os: 16 packets" "$(npk "$f")" 16
check_eq "nmap-os: TCP flags" "$(ts "$f" tcp.flags | grep . | tr '\n' ' ' | sed 's/ $//')" \
	"0x2 0x2 0x2 0x2 0x2 0x2 0x8c2 0x0 0x2b 0x10 0x2 0x10 0x29"
check_eq "nmap-os: windows" "$(ts "$f" tcp.window_size_value | grep . | tr '\n' ' ' | sed 's/ $//')" \
	"1 63 4 4 16 512 3 128 256 1024 31337 32768 65535"
check_eq "nmap-os: TCP options" "$(ts "$f" tcp.options | grep . | tr '\n' ' ')" \
"03030a01020405b4080affffffff000000000402 020405780303000402080affffffff0000000000 \
080affffffff0000000001010303050102040280 0402080affffffff0000000003030a00 \
020402180402080affffffff0000000003030a00 020401090402080affffffff00000000 \
03030a01020405b404020101 03030a0102040109080affffffff000000000402 \
03030a0102040109080affffffff000000000402 03030a0102040109080affffffff000000000402 \
03030a0102040109080affffffff000000000402 03030a0102040109080affffffff000000000402 \
03030f0102040109080affffffff000000000402 "
check_eq "nmap-os: ECN probe urgent pointer 0xF7F5, ack 0" \
	"$(ts "$f" tcp.urgent_pointer tcp.ack | sed -n 7p | tr '\t' ' ')" "63477 0"
check_eq "nmap-os: SEQ probes have consecutive sequence numbers" \
	"$(ts "$f" tcp.seq | head -n 6 | awk 'NR > 1 && $1 != p + 1 { bad = 1 } { p = $1 } END { print bad ? "no" : "yes" }')" yes
check_eq "nmap-os: DF on T2, T4, T6 and IE1" "$(list_of "$f" ip.flags.df)" \
	"0 0 0 0 0 0 0 1 0 1 0 1 0 0 1 0"
check_eq "nmap-os: U1 is 300 bytes of C, IP ID 0x1042" \
	"$(ts "$f" udp.length ip.id data.data | grep '^308' | cut -f 1,2 | tr '\t' ' ')" "308 0x1042"
check_eq "nmap-os: U1 payload" "$(ts "$f" udp.length data.data | grep '^308' | cut -f 2 | sed 's/43//g')" ""
check_eq "nmap-os: IE pair type, code, TOS, length" \
	"$(ts "$f" icmp.type icmp.code ip.dsfield ip.len | grep '^8' | tr '\t' ' ' | tr '\n' ',')" \
	"8 9 0x0 148,8 0 0x4 178,"
check_eq "nmap-os: IE identifiers one apart" \
	"$(ts "$f" icmp.ident | grep . | awk 'NR == 1 { a = $1 } NR == 2 { print $1 - a }')" 1
check_eq "nmap-os: every checksum good" \
	"$(ts "$f" ip.checksum.status tcp.checksum.status udp.checksum.status icmp.checksum.status | tr -d '\t' | sort -u)" 11

# ---- queso ------------------------------------------------------------------
f=$W/queso.pcap
"$S" -w "$f" -t queso -s $DOC_SRC -d $DOC_DST -p 80
check_eq "queso: flags S SA F FA SF P S+ECE+CWR" "$(list_of "$f" tcp.flags)" \
	"0x2 0x12 0x1 0x11 0x3 0x8 0xc2"
check_eq "queso: checksums" \
	"$(ts "$f" ip.checksum.status tcp.checksum.status | sort -u | tr '\t' ' ')" "1 1"

# ---- timestamps ------------------------------------------------------------
f=$W/t1.pcap
"$S" -w "$f" -s $DOC_SRC -d $DOC_DST -p 1-3 -r 4 --start 1700000000.25
check_eq "time: fractional start, rate 4" "$(list_of "$f" frame.time_epoch)" \
	"1700000000.250000000 1700000000.500000000 1700000000.750000000"
"$S" -w "$W/t2.pcap" -s $DOC_SRC -d $DOC_DST -p 1-3 -r 4 --start 2023-11-14T22:13:20.25Z
check "time: ISO 8601 start equals epoch start" cmp "$f" "$W/t2.pcap"
f=$W/t3.pcap
"$S" -w "$f" -s $DOC_SRC -d $DOC_DST -p 1-3 --delay 2.5 --start 2024-02-29T23:59:59
check_eq "time: --delay 2.5, leap day" "$(list_of "$f" frame.time_epoch)" \
	"1709251199.000000000 1709251201.500000000 1709251204.000000000"
f=$W/t4.pcap
"$S" -w "$f" -s $DOC_SRC -d $DOC_DST -p 1-4 -r 3
check_eq "time: rate 3 rounds down to the microsecond" "$(list_of "$f" frame.time_epoch)" \
	"1700000000.000000000 1700000000.333333000 1700000000.666666000 1700000001.000000000"
f=$W/t5.pcap
"$S" -w "$f" -s $DOC_SRC -d $DOC_DST -p 1-1000 -r 1000000
check_eq "time: 1 us apart at 1000000 pps" "$(ts "$f" frame.time_delta | sed 1d | sort -u)" 0.000001000

# ---- determinism --------------------------------------------------------------
set -- -t nmap-os -s 203.0.113.0/28 -d 198.51.100.0/30 -p 1-20 --random -c 2
"$S" -w "$W/d1.pcap" "$@"
"$S" -w "$W/d2.pcap" "$@"
check "seed: identical arguments, identical bytes" cmp "$W/d1.pcap" "$W/d2.pcap"
"$S" -w "$W/d3.pcap" "$@" --seed 1
check "seed: the default seed is 1" cmp "$W/d1.pcap" "$W/d3.pcap"
"$S" -w "$W/d4.pcap" "$@" --seed 2
"$S" -w "$W/d5.pcap" "$@" --seed 2
check "seed: --seed 2 reproducible" cmp "$W/d4.pcap" "$W/d5.pcap"
if cmp -s "$W/d1.pcap" "$W/d4.pcap"; then fail "seed: --seed 2 differs from 1" "same bytes"
else pass "seed: --seed 2 differs from 1"; fi
check_eq "seed: same sizes whatever the seed" "$(wc -c <"$W/d1.pcap")" "$(wc -c <"$W/d4.pcap")"
"$S" -w - "$@" >"$W/d6.pcap"
check "-w - writes the same file to standard output" cmp "$W/d1.pcap" "$W/d6.pcap"

# ---- source rotation, destination sweeps, port lists ---------------------------
f=$W/rot.pcap
"$S" -w "$f" -s 203.0.113.0/28 -d $DOC_DST -p 1-64
check_eq "rotation: 64 packets" "$(npk "$f")" 64
check_eq "rotation: 16 sources, 4 packets each" \
	"$(ts "$f" ip.src | sort | uniq -c | awk '{print $1}' | sort -u)/$(ts "$f" ip.src | sort -u | wc -l | tr -d ' ')" "4/16"
check_eq "rotation: in order" "$(ts "$f" ip.src | head -n 3 | tr '\n' ' ')" \
	"203.0.113.0 203.0.113.1 203.0.113.2 "
check_eq "rotation: host bits of the prefix ignored" \
	"$("$S" -w - -s 203.0.113.77/30 -d $DOC_DST -p 1-4 | tshark -r - -T fields -e ip.src 2>/dev/null | tr '\n' ' ')" \
	"203.0.113.76 203.0.113.77 203.0.113.78 203.0.113.79 "
f=$W/rotos.pcap
"$S" -w "$f" -t nmap-os -s 203.0.113.0/30 -d $DOC_DST -p 1-4
check_eq "rotation: one source per probe set" \
	"$(ts "$f" ip.src tcp.dstport udp.dstport | cut -f 1 | uniq -c | awk '{print $1}' | tr '\n' ' ')" "16 16 16 16 "
f=$W/sweep.pcap
"$S" -w "$f" -s $DOC_SRC -d 198.51.100.0/29 -p 80,443
check_eq "sweep: 16 packets" "$(npk "$f")" 16
check_eq "sweep: 8 destinations" "$(ts "$f" ip.dst | sort -u | wc -l | tr -d ' ')" 8
check_eq "sweep: order" "$(ts "$f" ip.dst tcp.dstport | head -n 3 | tr '\t\n' ': ')" \
	"198.51.100.0:80 198.51.100.0:443 198.51.100.1:80 "
f=$W/list.pcap
"$S" -w "$f" -s $DOC_SRC -d $DOC_DST -p 22,80,8000-8003,0,65535,7-7
check_eq "ports: list" "$(list_of "$f" tcp.dstport)" "22 80 8000 8001 8002 8003 0 65535 7"
f=$W/rand.pcap
"$S" -w "$f" -s $DOC_SRC -d $DOC_DST -p 1-100 --random
check_eq "ports: --random keeps the set" "$(ts "$f" tcp.dstport | sort -n | tr '\n' ' ' | sed 's/ $//')" "$(seqs 1 100)"
if [ "$(list_of "$f" tcp.dstport)" = "$(seqs 1 100)" ]; then fail "ports: --random shuffles" "in order"
else pass "ports: --random shuffles"; fi
f=$W/rand3.pcap
"$S" -w "$f" -s $DOC_SRC -d $DOC_DST -p 1-50 --random -c 2
check_eq "ports: --random shuffles each repetition anew" \
	"$(ts "$f" tcp.dstport | head -n 50 | sort -n | tr '\n' ' ')|$(ts "$f" tcp.dstport | tail -n 50 | sort -n | tr '\n' ' ')" \
	"$(seq 1 50 | tr '\n' ' ')|$(seq 1 50 | tr '\n' ' ')"
if [ "$(ts "$f" tcp.dstport | head -n 50)" = "$(ts "$f" tcp.dstport | tail -n 50)" ]; then
	fail "ports: two repetitions, two orders" "same order"
else pass "ports: two repetitions, two orders"; fi
f=$W/sport.pcap
"$S" -w "$f" -s $DOC_SRC -d $DOC_DST -p 1-20 --sport 4444
check_eq "--sport fixes the source port" "$(uniq_of "$f" tcp.srcport)" 4444
check_eq "source ports vary otherwise, within 1024-65535" \
	"$(ts "$W/basic.pcap" tcp.srcport | awk '$1 < 1024 { bad = 1 } { n[$1] } END { c = 0; for (k in n) c++; print (c > 150 && !bad) ? "ok" : "bad" }')" ok
f=$W/count.pcap
"$S" -w "$f" -s $DOC_SRC -d $DOC_DST -p 10-12 -c 3
check_eq "-c 3 repeats the run" "$(list_of "$f" tcp.dstport)" "10 11 12 10 11 12 10 11 12"

# ---- IPv6 and raw link type -----------------------------------------------------
f=$W/v6.pcap
"$S" -w "$f" -s 2001:db8::5 -d 2001:db8::10 -p 1-10
check_eq "ipv6: 10 packets" "$(npk "$f")" 10
check_eq "ipv6: addresses" "$(ts "$f" ipv6.src ipv6.dst | sort -u | tr '\t' ' ')" "2001:db8::5 2001:db8::10"
check_eq "ipv6: ethertype" "$(uniq_of "$f" eth.type)" 0x86dd
check_eq "ipv6: ports" "$(list_of "$f" tcp.dstport)" "$(seqs 1 10)"
check_eq "ipv6: TCP checksums" "$(uniq_of "$f" tcp.checksum.status)" 1
f=$W/v6u.pcap
"$S" -w "$f" -t udp -s 2001:db8::5 -d 2001:db8::/126 -p 53
check_eq "ipv6: UDP sweep" "$(ts "$f" ipv6.dst udp.checksum.status | tr '\t\n' ': ')" \
	"2001:db8:::1 2001:db8::1:1 2001:db8::2:1 2001:db8::3:1 "
f=$W/v6os.pcap
"$S" -w "$f" -t nmap-os -s 2001:db8::5 -d 2001:db8::10 -p 80
check_eq "ipv6: nmap-os ICMPv6 echo pair" \
	"$(ts "$f" icmpv6.type icmpv6.code icmpv6.checksum.status | grep '^128' | tr '\t\n' ' ,')" "128 9 1,128 0 1,"
check_eq "ipv6: nmap-os checksums" \
	"$(ts "$f" tcp.checksum.status udp.checksum.status | tr -d '\t' | grep . | sort -u)" 1
f=$W/raw.pcap
"$S" -w "$f" --link raw -s $DOC_SRC -d $DOC_DST -p 3-200
check_eq "raw link: link type" "$(linktype "$f")" RAW
check_eq "raw link: same packets" "$(ts "$f" ip.src ip.dst tcp.dstport tcp.checksum.status | md5sum)" \
	"$(ts "$W/basic.pcap" ip.src ip.dst tcp.dstport tcp.checksum.status | md5sum)"
check_eq "raw link: 14 bytes a packet less" "$(( $(wc -c <"$W/basic.pcap") - $(wc -c <"$f") ))" $((198 * 14))
"$S" -w "$W/raw6.pcap" --link raw -s 2001:db8::5 -d 2001:db8::10 -p 1-3
check_eq "raw link: IPv6" "$(ts "$W/raw6.pcap" ipv6.dst tcp.checksum.status | sort -u | tr '\t' ' ')" "2001:db8::10 1"

# ---- errors: exit 2, a clear message, nothing written ---------------------------
o=$W/never.pcap
"$S" -w "$o" -s $DOC_SRC -d $DOC_DST -p 90-80 2>"$W/err"
check_eq "error: exact message for a range that goes down" "$(cat "$W/err")" \
	'spoofs: bad port range "90-80": low above high'
check_fails "error: port above 65535" 2 'bad port "70000": must be between 0 and 65535' -w "$o" -s $DOC_SRC -d $DOC_DST -p 70000
check_fails "error: port not a number" 2 'bad port "http"' -w "$o" -s $DOC_SRC -d $DOC_DST -p http
check_fails "error: range with no high end" 2 'bad port range "80-"' -w "$o" -s $DOC_SRC -d $DOC_DST -p 80-
check_fails "error: range high end too big" 2 'bad port range "1-65536"' -w "$o" -s $DOC_SRC -d $DOC_DST -p 1-65536
check_fails "error: empty list item" 2 'bad port list "22,,80": empty item' -w "$o" -s $DOC_SRC -d $DOC_DST -p 22,,80
check_fails "error: trailing comma" 2 'empty item' -w "$o" -s $DOC_SRC -d $DOC_DST -p 22,
check_fails "error: negative port" 2 'bad port range "-1"' -w "$o" -s $DOC_SRC -d $DOC_DST -p -1
check_fails "error: too many ports" 2 'more than 65536 ports' -w "$o" -s $DOC_SRC -d $DOC_DST -p 0-65535,1
check_fails "error: bad source" 2 'bad source address "1.2.3": not an IPv4 or IPv6 address' -w "$o" -s 1.2.3 -d $DOC_DST -p 80
check_fails "error: bad destination" 2 'bad destination address "198.51.100.300"' -w "$o" -s $DOC_SRC -d 198.51.100.300 -p 80
check_fails "error: host name refused" 2 'bad destination address "localhost"' -w "$o" -s $DOC_SRC -d localhost -p 80
check_fails "error: IPv4 prefix length" 2 'bad source address "203.0.113.0/33": prefix length must be between 0 and 32' -w "$o" -s 203.0.113.0/33 -d $DOC_DST -p 80
check_fails "error: IPv6 prefix length" 2 'prefix length must be between 0 and 128' -w "$o" -s 2001:db8::/129 -d 2001:db8::1 -p 80
check_fails "error: prefix length not a number" 2 'prefix length not a decimal number' -w "$o" -s 203.0.113.0/x -d $DOC_DST -p 80
check_fails "error: address families differ" 2 'not of the same address family' -w "$o" -s $DOC_SRC -d 2001:db8::1 -p 80
check_fails "error: bad type" 2 'bad probe type "stealth": expected syn, fin' -w "$o" -t stealth -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: rate 0" 2 'bad rate "0": must be between 1 and 1000000' -w "$o" -r 0 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: absurd rate" 2 'bad rate "99999999999999999999999"' -w "$o" -r 99999999999999999999999 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: rate too high for a file" 2 'bad rate "1000001"' -w "$o" -r 1000001 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: rate too high live" 2 'at most 100000 packets per second when sending live' -n -r 100001 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: count 0" 2 'bad count "0"' -w "$o" -c 0 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: absurd count" 2 'bad count "1000001": must be between 1 and 1000000' -w "$o" -c 1000001 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: too many packets in a file" 2 'too many packets.*100000000' -w "$o" -c 2000 -s $DOC_SRC -d $DOC_DST -p 1-65535
check_fails "error: too many packets live" 2 'too many packets.*10000000 when sending live' -n -c 200 -s $DOC_SRC -d $DOC_DST -p 1-65535
check_fails "error: a whole address space" 2 'too many packets' -w "$o" -s 2001:db8::1 -d ::/0 -p 80
check_fails "error: delay 0" 2 'bad delay "0"' -w "$o" --delay 0 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: delay too long" 2 'bad delay "86401"' -w "$o" --delay 86401 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: delay not a number" 2 'bad delay "1s": not a number of seconds' -w "$o" --delay 1s -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: delay below a microsecond" 2 'more than 6 decimals' -w "$o" --delay 0.0000001 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: -r with --delay" 2 'exclusive' -w "$o" -r 10 --delay 1 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: no such date" 2 'bad start time "2023-02-29T00:00:00Z": no such date' -w "$o" --start 2023-02-29T00:00:00Z -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: malformed ISO time" 2 'bad start time "2023-11-14 22:13"' -w "$o" --start "2023-11-14 22:13" -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: time zone other than UTC" 2 'bad start time' -w "$o" --start 2023-11-14T22:13:20+01:00 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: negative start" 2 'bad start time "-5"' -w "$o" --start -5 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: start beyond pcap time" 2 'bad start time "4294967296"' -w "$o" --start 4294967296 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: last packet beyond pcap time" 2 'beyond pcap timestamps' -w "$o" --start 4294967295 -s $DOC_SRC -d $DOC_DST -p 1-2000
check_fails "error: --start without -w" 2 'only apply to -w' -n --start 1700000000 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: bad seed" 2 'bad seed "-1"' -w "$o" --seed -1 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: seed too large" 2 'bad seed "18446744073709551616"' -w "$o" --seed 18446744073709551616 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: bad source port" 2 'bad source port "65536"' -w "$o" --sport 65536 -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: bad link type" 2 'bad link type "ppp"' -w "$o" --link ppp -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: missing -s" 2 'missing -s' -w "$o" -d $DOC_DST -p 80
check_fails "error: missing -d" 2 'missing -d' -w "$o" -s $DOC_SRC -p 80
check_fails "error: missing -p" 2 'missing -p' -w "$o" -s $DOC_SRC -d $DOC_DST
check_fails "error: unknown option" 2 'unknown option --stealth' -w "$o" --stealth -s $DOC_SRC -d $DOC_DST -p 80
check_fails "error: option without its argument" 2 'option -p needs an argument' -w "$o" -s $DOC_SRC -d $DOC_DST -p
check_fails "error: stray argument" 2 'unexpected argument "80"' -w "$o" -s $DOC_SRC -d $DOC_DST -p 1 80
check_fails "error: unwritable file" 1 'No such file or directory' -w "$W/no/such/dir/f.pcap" -s $DOC_SRC -d $DOC_DST -p 80
if [ -e "$o" ]; then fail "errors write nothing" "$o exists"; else pass "errors write nothing"; fi

"$S" --help >"$W/help" 2>&1
check_eq "--help exits 0" "$?" 0
check_grep "--help prints the usage" "$W/help" '^usage: spoofs -s SRC'
"$S" -h >"$W/help2" 2>&1
check "-h is --help" cmp "$W/help" "$W/help2"
check_eq "--version" "$("$S" --version)" "spoofs (scandetd) 2.0"
missing=""
sed 's/\\-/-/g' "$TOP/man/spoofs.8" >"$W/man.txt"
for opt in $(grep -Eo -- '--[a-z-]+|^ +-[a-z]' "$W/help" | tr -d ' ' | sort -u); do
	grep -qF -- "$opt" "$W/man.txt" || missing="$missing $opt"
done
check_eq "every option of --help is in spoofs.8" "$missing" ""

# ---- safety: refused destinations, before any socket ----------------------------
# As root, run in a namespace of our own with no network at all, so that
# even a broken check could not send anything anywhere.
isolate() {
	if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then unshare -n "$@"; else "$@"; fi
}
refused() {
	n=$1; shift
	isolate "$S" "$@" >"$W/out" 2>"$W/err"
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q 'refusing to send live to' "$W/err" &&
	   grep -q -- '--allow-any-destination' "$W/err" && [ ! -s "$W/out" ]; then
		pass "$n"
	else
		fail "$n" "exit $rc: $(cat "$W/out" "$W/err")"
	fi
}
refused "safety: 8.8.8.8 refused" -s $DOC_SRC -d 8.8.8.8 -p 80
refused "safety: 100.64.0.1 refused" -s $DOC_SRC -d 100.64.0.1 -p 80
refused "safety: 198.18.0.1 refused" -s $DOC_SRC -d 198.18.0.1 -p 1-10 -t nmap-os
refused "safety: IPv6 global refused" -s 2001:db8::5 -d 2001:4860:4860::8888 -p 80
refused "safety: a prefix reaching outside documentation space" -s $DOC_SRC -d 198.51.100.0/16 -p 80
refused "safety: a global /24" -s $DOC_SRC -d 8.8.8.0/24 -p 80
refused "safety: multicast" -s 2001:db8::5 -d ff02::1 -p 80
refused "safety: refused in a dry run too" -n -s $DOC_SRC -d 100.64.0.1 -p 80
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	# Without any privilege a raw socket cannot be opened: getting the
	# safety message, not the socket one, shows the check comes first.
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$S" -s $DOC_SRC -d 100.64.0.1 -p 80 >"$W/out" 2>"$W/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q refusing "$W/err" && ! grep -q socket "$W/err"; then
		pass "safety: refused before opening a socket"
	else fail "safety: refused before opening a socket" "exit $rc: $(cat "$W/err")"; fi
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$S" -s $DOC_SRC -d $DOC_DST -p 80 >"$W/out" 2>"$W/err"
	rc=$?
	if [ $rc -eq 1 ] && grep -q 'needs root or CAP_NET_RAW' "$W/err"; then
		pass "live without privileges: clear error, exit 1"
	else fail "live without privileges: clear error, exit 1" "exit $rc: $(cat "$W/err")"; fi
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$S" -w - -s $DOC_SRC -d $DOC_DST -p 3-200 >"$W/nobody.pcap" 2>"$W/err"
	check "-w needs no privileges" cmp "$W/nobody.pcap" "$W/basic.pcap"
else
	skip "safety: refused before opening a socket" "needs root and setpriv"
fi
allowed() {
	n=$1 why=$2; shift 2
	out=$(isolate "$S" -n "$@" 2>&1)
	rc=$?
	case "$out" in
	*"($why)") [ $rc -eq 0 ] && pass "$n" || fail "$n" "exit $rc: $out" ;;
	*) fail "$n" "exit $rc: $out" ;;
	esac
}
allowed "safety: documentation allowed" documentation -s $DOC_SRC -d $DOC_DST -p 3-200
allowed "safety: documentation prefix allowed" documentation -s $DOC_SRC -d 192.0.2.0/24 -p 80
allowed "safety: IPv6 documentation allowed" documentation -s 2001:db8::5 -d 2001:db8::10 -p 80
allowed "safety: loopback allowed" loopback -s $DOC_SRC -d 127.0.0.1 -p 80
allowed "safety: IPv6 loopback allowed" loopback -s 2001:db8::5 -d ::1 -p 80
allowed "safety: private allowed" private -s $DOC_SRC -d 172.31.255.1 -p 80
allowed "safety: IPv6 private allowed" private -s 2001:db8::5 -d fd12:3456::1 -p 80
allowed "safety: link-local allowed" link-local -s $DOC_SRC -d 169.254.10.20 -p 80
allowed "safety: override" "any destination allowed" -s $DOC_SRC -d 100.64.0.1 -p 80 --allow-any-destination
check_eq "dry run: counts packets" "$(isolate "$S" -n -t nmap-os -s $DOC_SRC -d 198.51.100.0/30 -p 1-3 -c 2)" \
	"would send 384 packets to 198.51.100.0/30 from 203.0.113.5 (documentation)"

# ---- namespaces (root only) --------------------------------------------------------
NS_A=sd-spoofs-$$-a
NS_B=sd-spoofs-$$-b
NS_C=sd-spoofs-$$-c
TD_PID=""
ns_cleanup() {
	if [ -n "$TD_PID" ]; then kill "$TD_PID" 2>/dev/null; wait "$TD_PID" 2>/dev/null; fi
	for ns in $NS_A $NS_B $NS_C; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}
have_netns() {
	[ "$(id -u)" -eq 0 ] && ip netns add "$NS_C" 2>/dev/null
}

if ! have_netns; then
	skip "connected networks" "needs root and ip netns"
	skip "live" "needs root and ip netns"
	finish
fi
at_exit ns_cleanup

# Directly connected networks: a veth pair inside one namespace, with the
# benchmarking range 198.18.0.0/15 and the discard prefix 100::/64, which
# are not in the built-in list.  Dry runs only: nothing is sent.
ip -n "$NS_C" link add sdc0 type veth peer name sdc1 &&
ip -n "$NS_C" addr add 198.18.0.1/24 dev sdc0 &&
ip -n "$NS_C" addr add 100::1/64 dev sdc0 nodad &&
ip -n "$NS_C" link set sdc0 up && ip -n "$NS_C" link set sdc1 up &&
ip -n "$NS_C" route add 198.18.5.0/24 via 198.18.0.2
check_eq "connected: namespace set up" "$?" 0
inc() { ip netns exec "$NS_C" "$S" -n "$@" 2>&1; }
check_eq "connected: IPv4 on-link destination allowed" "$(inc -s $DOC_SRC -d 198.18.0.20 -p 80)" \
	"would send 1 packets to 198.18.0.20 from 203.0.113.5 (directly connected network)"
check_eq "connected: IPv4 on-link prefix allowed" "$(inc -s $DOC_SRC -d 198.18.0.128/25 -p 80 | sed 's/.*(//')" \
	"directly connected network)"
check_eq "connected: a wider prefix refused" "$(inc -s $DOC_SRC -d 198.18.0.0/23 -p 80 | grep -c refusing)" 1
check_eq "connected: other IPv4 network refused" "$(inc -s $DOC_SRC -d 198.18.1.20 -p 80 | grep -c refusing)" 1
check_eq "connected: network behind a gateway refused" "$(inc -s $DOC_SRC -d 198.18.5.20 -p 80 | grep -c refusing)" 1
check_eq "connected: IPv6 on-link destination allowed" "$(inc -s 2001:db8::5 -d 100::20 -p 80 | sed 's/.*(//')" \
	"directly connected network)"
check_eq "connected: other IPv6 network refused" "$(inc -s 2001:db8::5 -d 100:0:0:1::20 -p 80 | grep -c refusing)" 1

# Live: A (198.51.100.1, 2001:db8::1) sends, B (198.51.100.10,
# 2001:db8::10) captures.  Documentation addresses only.
ip netns add "$NS_A" && ip netns add "$NS_B" &&
ip -n "$NS_A" link add sda type veth peer name sdb netns "$NS_B" &&
ip -n "$NS_A" addr add 198.51.100.1/24 dev sda &&
ip -n "$NS_B" addr add 198.51.100.10/24 dev sdb &&
ip -n "$NS_A" addr add 2001:db8::1/64 dev sda nodad &&
ip -n "$NS_B" addr add 2001:db8::10/64 dev sdb nodad &&
ip -n "$NS_A" link set sda up && ip -n "$NS_B" link set sdb up
check_eq "live: namespaces set up" "$?" 0
# IPv6 neighbour discovery needs the link-local addresses out of DAD.
i=0
while [ $i -lt 100 ] && [ -n "$(ip -n "$NS_A" -6 addr show tentative; ip -n "$NS_B" -6 addr show tentative)" ]; do
	sleep 0.1; i=$((i + 1))
done
cap=$W/live.pcap
ip netns exec "$NS_B" tcpdump -i sdb -U -n -w "$cap" 'tcp or udp or icmp or icmp6' 2>"$W/td.err" &
TD_PID=$!
i=0
while [ $i -lt 100 ] && ! grep -q listening "$W/td.err"; do sleep 0.1; i=$((i + 1)); done
check_grep "live: capture running" "$W/td.err" listening

ip netns exec "$NS_A" "$S" -s $DOC_SRC -d $DOC_DST -p 3-200 >"$W/live.out" 2>&1
check_eq "live: the original example exits 0" "$?" 0
check_eq "live: the original's closing line" "$(cat "$W/live.out")" \
	"Ok. I've sent 198 packets to host 198.51.100.10 as host 203.0.113.5"
ip netns exec "$NS_A" "$S" -q -t nmap-os -s 203.0.113.7 -d $DOC_DST -p 80 -r 100
check_eq "live: nmap-os exits 0" "$?" 0
ip netns exec "$NS_A" "$S" -s 2001:db8:ffff::5 -d 2001:db8::10 -p 20-25,443 >"$W/live6.out" 2>&1
check_eq "live: IPv6 exits 0" "$?" 0
ip netns exec "$NS_A" "$S" -q -t udp -s 2001:db8:ffff::6 -d 2001:db8::10 -p 53 -c 3
check_eq "live: IPv6 UDP exits 0" "$?" 0
ip netns exec "$NS_A" "$S" -s $DOC_SRC -d 100.64.0.1 -p 80 >"$W/out" 2>"$W/err"
check_eq "live: refused inside the namespace too" "$?:$(grep -c refusing "$W/err")" "2:1"
sleep 1
kill "$TD_PID"
wait "$TD_PID" 2>/dev/null
TD_PID=""

sel() { tshark -r "$cap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
	-o udp.check_checksum:TRUE -Y "$1" -T fields -e "$2" 2>/dev/null; }
check_eq "live: 198 SYNs from $DOC_SRC" \
	"$(sel "ip.src == $DOC_SRC && ip.dst == $DOC_DST && tcp.flags == 0x002" tcp.dstport | wc -l | tr -d ' ')" 198
check_eq "live: to ports 3..200" \
	"$(sel "ip.src == $DOC_SRC && tcp.flags == 0x002" tcp.dstport | sort -n | tr '\n' ' ' | sed 's/ $//')" "$(seqs 3 200)"
check_eq "live: checksums good on arrival" \
	"$(sel "ip.src == $DOC_SRC" tcp.checksum.status | sort -u)" 1
check_eq "live: nmap-os probe set arrived" \
	"$(sel "ip.src == 203.0.113.7" frame.number | wc -l | tr -d ' ')" 16
check_eq "live: nmap-os windows arrived intact" \
	"$(sel "ip.src == 203.0.113.7 && tcp" tcp.window_size_value | tr '\n' ' ')" \
	"1 63 4 4 16 512 3 128 256 1024 31337 32768 65535 "
check_eq "live: IPv6 SYNs" \
	"$(sel "ipv6.src == 2001:db8:ffff::5 && ipv6.dst == 2001:db8::10 && tcp.flags == 0x002" tcp.dstport | tr '\n' ' ')" \
	"20 21 22 23 24 25 443 "
check_eq "live: IPv6 closing line" "$(cat "$W/live6.out")" \
	"Ok. I've sent 7 packets to host 2001:db8::10 as host 2001:db8:ffff::5"
check_eq "live: IPv6 UDP" \
	"$(sel "ipv6.src == 2001:db8:ffff::6 && udp.dstport == 53" udp.checksum.status | tr '\n' ' ')" "1 1 1 "

finish
