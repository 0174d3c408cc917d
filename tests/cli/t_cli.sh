#!/bin/sh
# The command line and the -r path end to end: options, configuration
# checks and their messages, every link type through real pcap files,
# filters, JSON output, name resolution, statistics.
. "$(dirname "$0")/../lib.sh"

# exit status of a command, its output discarded
status() { "$@" >/dev/null 2>&1; echo $?; }

check_eq "--help exits 0" "$(status "$SCANDETD" --help)" 0
"$SCANDETD" --help >"$TMPD/help" 2>&1
check_grep "--help lists -r" "$TMPD/help" '^  -r, --read FILE'
check_eq "--version" "$("$SCANDETD" -V)" "scandetd 2.0.0"
check_eq "unknown option exits 2" "$(status "$SCANDETD" --bogus)" 2
check_eq "stray argument exits 2" "$(status "$SCANDETD" -c /dev/null extra)" 2
check_eq "-r with -i exits 2" "$(status "$SCANDETD" -r x -i lo)" 2

# -t: valid and invalid files, file:line messages
printf 'CountThreshold 10\nLogConections yes\n' >"$TMPD/bad.conf"
"$SCANDETD" -t -c "$TMPD/bad.conf" >"$TMPD/out" 2>"$TMPD/err"
check_eq "-t on a bad file exits 1" "$?" 1
check_grep "-t names file and line" "$TMPD/err" \
	"^scandetd: $TMPD/bad.conf:2: unknown option"
check_eq "-t on the example config" \
	"$("$SCANDETD" -t -c "$TOP/contrib/scandetd.conf")" \
	"$TOP/contrib/scandetd.conf: configuration OK"
"$SCANDETD" -t -c "$TMPD/missing.conf" 2>"$TMPD/err"
check_grep "missing file named" "$TMPD/err" "missing.conf: No such file or directory"

# -s prints a configuration that reads back the same
printf 'CountThreshold 7\nHostScanIgnore 192.0.2.0/24:1-1024 -> 198.51.100.1:22\nHostScanIgnore [2001:db8::]/32 -> [::]/0:22,80-88\n' \
	>"$TMPD/a.conf" 2>/dev/null
"$SCANDETD" -s -c "$TMPD/a.conf" >"$TMPD/shown.conf" 2>"$TMPD/err"
check_grep "-s shows CountThreshold" "$TMPD/shown.conf" '^CountThreshold[[:space:]]+7$'
"$SCANDETD" -s -c "$TMPD/shown.conf" >"$TMPD/shown2.conf" 2>&1
check "-s output reads back identically" cmp "$TMPD/shown.conf" "$TMPD/shown2.conf"

# -r errors
"$SCANDETD" -c /dev/null -r "$TMPD/nope.pcap" 2>"$TMPD/err"
check_eq "missing capture exits 1" "$?" 1
check_grep "missing capture named" "$TMPD/err" "nope.pcap"
head -c 100 /dev/urandom >"$TMPD/junk.pcap"
check_eq "junk capture exits 1" "$(status "$SCANDETD" -c /dev/null -r "$TMPD/junk.pcap")" 1

# untimed: -r's text lines without the packet time they begin with.
untimed() { sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z //'; }

# The seed's example, through a file: every link type gives the same events.
"$SPOOFS" -q -w "$TMPD/raw.pcap" --link raw -s 203.0.113.5 -d 198.51.100.10 -p 3-200
"$SCANDETD" -c /dev/null --stats -r "$TMPD/raw.pcap" >"$TMPD/raw.txt" 2>"$TMPD/stats"
check_grep "-r: text lines begin with the packet time" "$TMPD/raw.txt" \
	'^2[0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z Possible port scan'
check_eq "seed example over raw IP, the tool named" \
	"$(head -n 1 "$TMPD/raw.txt" | untimed)" \
	"Possible port scan from 203.0.113.5 to 198.51.100.10 (spoofs)"
check_grep "end-of-scan summary" "$TMPD/raw.txt" \
	'End of port scan from 203\.0\.113\.5 to 198\.51\.100\.10: 198 probes, first port 3 at .*, last port 200 at .*, SYN scan \(198 SYN flags, 0 FIN flags\); 198 ports, 1 host, 0 open; severity 6 \(spoofs\)$'
check_grep "statistics on stderr" "$TMPD/stats" '^stat packets\.seen 198$'
check_grep "statistics: decoded" "$TMPD/stats" '^stat packets\.decoded 198$'
"$SCANDETD" -c /dev/null -r "$TMPD/raw.pcap" --json >"$TMPD/raw.json" 2>/dev/null
for link in null loop sll sll2 ether vlan qinq; do
	python3 "$TOP/tests/pcap/relink.py" $link "$TMPD/raw.pcap" "$TMPD/$link.pcap"
	"$SCANDETD" -c /dev/null -r "$TMPD/$link.pcap" --json >"$TMPD/$link.json" 2>/dev/null
	check "link type $link: same events as raw IP" cmp "$TMPD/raw.json" "$TMPD/$link.json"
done
cat "$TMPD/raw.pcap" | "$SCANDETD" -c /dev/null -r - --json >"$TMPD/stdin.json" 2>/dev/null
check "-r - reads standard input" cmp "$TMPD/raw.json" "$TMPD/stdin.json"

# -f filters, and so does CaptureFilter
"$SCANDETD" -c /dev/null -r "$TMPD/raw.pcap" -f 'tcp port (' 2>"$TMPD/err" >/dev/null
check_grep "bad filter explained" "$TMPD/err" 'bad capture filter "tcp port \("'

"$SCANDETD" -c /dev/null --stats -r "$TMPD/raw.pcap" -f 'tcp dst port 3' 2>"$TMPD/stats" >/dev/null
check_grep "-f filter applied" "$TMPD/stats" '^stat packets\.seen 1$'
echo 'CaptureFilter "tcp dst portrange 3-10"' >"$TMPD/f.conf"
"$SCANDETD" -c "$TMPD/f.conf" --stats -r "$TMPD/raw.pcap" 2>"$TMPD/stats" >/dev/null
check_grep "CaptureFilter applied" "$TMPD/stats" '^stat packets\.seen 8$'

# JsonLog with -r writes the same events as --json
echo "JsonLog $TMPD/events.jsonl" >"$TMPD/j.conf"
"$SCANDETD" -c "$TMPD/j.conf" --json-log -r "$TMPD/raw.pcap" >/dev/null 2>&1
check "JsonLog holds the events" cmp "$TMPD/raw.json" "$TMPD/events.jsonl"

# Connection logging formats, service and host names
"$SPOOFS" -q -w "$TMPD/lo.pcap" -s 127.0.0.1 -d 127.0.0.2 -p 21-23
printf 'LogConnections yes\nLogScans no\n' >"$TMPD/c1.conf"
"$SCANDETD" -c "$TMPD/c1.conf" -r "$TMPD/lo.pcap" >"$TMPD/c1" 2>/dev/null
check_eq "plain connection lines, unanswered" "$(untimed <"$TMPD/c1")" \
	"port 21 connection attempt from 127.0.0.1: no answer
port 22 connection attempt from 127.0.0.1: no answer
port 23 connection attempt from 127.0.0.1: no answer"
printf 'LogConnections yes\nPortResolve yes\nDNSResolve yes\n' >"$TMPD/c2.conf"
"$SCANDETD" -c "$TMPD/c2.conf" -r "$TMPD/lo.pcap" >"$TMPD/c2" 2>/dev/null
check_eq "PortResolve and DNSResolve" "$(head -n 1 "$TMPD/c2" | untimed)" \
	"ftp connection attempt from localhost (127.0.0.1): no answer"
printf 'LogConnections yes\nLogDetails yes\nPortLogIgnore 22\n' >"$TMPD/c3.conf"
"$SCANDETD" -c "$TMPD/c3.conf" -r "$TMPD/lo.pcap" >"$TMPD/c3" 2>/dev/null
check_eq "LogDetails and PortLogIgnore" "$(untimed <"$TMPD/c3" | cut -d'(' -f1,3)" \
	"TCP 127.0.0.1(21): no answer
TCP 127.0.0.1(23): no answer"

# UDP, IPv6, OS probes from spoofs files
"$SPOOFS" -q -w "$TMPD/u.pcap" -t udp -s 2001:db8::5 -d 2001:db8::10 -p 100-200
check_eq "IPv6 UDP scan" "$("$SCANDETD" -c /dev/null -r "$TMPD/u.pcap" 2>/dev/null | head -n 1 | untimed)" \
	"Possible UDP port scan from 2001:db8::5 to 2001:db8::10"
for t in fin null xmas; do
	"$SPOOFS" -q -w "$TMPD/$t.pcap" -t $t -s 203.0.113.5 -d 198.51.100.10 -p 1-100
	"$SCANDETD" -c /dev/null -r "$TMPD/$t.pcap" --json 2>/dev/null | head -n 1 >"$TMPD/$t.json"
	check_grep "$t scan typed" "$TMPD/$t.json" "\"event\":\"portscan\".*\"scan_type\":\"$(echo $t | sed 's/fin/FIN/;s/null/NULL/;s/xmas/Xmas/')\""
done
"$SPOOFS" -q -w "$TMPD/os.pcap" -t nmap-os -s 203.0.113.5 -d 198.51.100.10 -p 22,1
check_eq "nmap-os probe set is nmap" \
	"$("$SCANDETD" -c /dev/null -r "$TMPD/os.pcap" 2>/dev/null | grep OS | untimed)" \
	"Possible nmap OS probe from 203.0.113.5 to 198.51.100.10"
"$SPOOFS" -q -w "$TMPD/q.pcap" -t queso -s 203.0.113.5 -d 198.51.100.10 -p 22
check_eq "queso probe set is queso" \
	"$("$SCANDETD" -c /dev/null -r "$TMPD/q.pcap" 2>/dev/null | grep OS | untimed)" \
	"Possible queso OS probe from 203.0.113.5 to 198.51.100.10"
"$SPOOFS" -q -w "$TMPD/f1.pcap" -s 203.0.113.7 -d 198.51.100.10 -p 80 -c 100
check_eq "flood to one port" \
	"$("$SCANDETD" -c /dev/null -r "$TMPD/f1.pcap" 2>/dev/null | head -n 1 | untimed)" \
	"Possible port flood from 203.0.113.7 to 198.51.100.10 (spoofs)"
"$SPOOFS" -q -w "$TMPD/flood.pcap" -s 203.0.113.0/24 -d 198.51.100.10 -p 80 -c 20
check_eq "rotating-source flood: nobody is a scanner" \
	"$("$SCANDETD" -c /dev/null -r "$TMPD/flood.pcap" 2>/dev/null | wc -l)" 0

# --hash-key: a fixed key for the tables (tests, benchmarks).  A run over
# a flood that keeps every table full, twice with the same key: the same
# events and statistics to the byte.  A key that is not 32 hex digits is
# refused, naming the option.
"$SPOOFS" -q -w "$TMPD/hk.pcap" -s 203.0.113.0/24 -d 198.51.100.0/28 \
	-p 1-400 -c 2 -r 1000000
printf 'SourceTableSize 64\nFlowTableSize 256\nAlertLimit 0 60\n' >"$TMPD/hk.conf"
for i in 1 2; do
	"$SCANDETD" -c "$TMPD/hk.conf" --hash-key 000102030405060708090a0b0c0d0e0f \
		--stats -r "$TMPD/hk.pcap" --json >"$TMPD/hk$i.json" 2>"$TMPD/hk$i.err"
	check_eq "--hash-key: run $i" "$?" 0
	grep '^stat ' "$TMPD/hk$i.err" >"$TMPD/hk$i.stat"
done
check "--hash-key: the tables were full" grep -q 'trw.sources.evictions [1-9]' "$TMPD/hk1.stat"
check "--hash-key: the same events twice" cmp "$TMPD/hk1.json" "$TMPD/hk2.json"
check "--hash-key: the same statistics twice" cmp "$TMPD/hk1.stat" "$TMPD/hk2.stat"
for bad in 0011 000102030405060708090a0b0c0d0e0fff 000102030405060708090a0b0c0d0e0g ""; do
	"$SCANDETD" -c /dev/null --hash-key "$bad" -r "$TMPD/hk.pcap" >/dev/null 2>"$TMPD/hk.bad"
	check_eq "--hash-key '$bad' refused" "$?" 2
	check_grep "--hash-key '$bad': says why" "$TMPD/hk.bad" "^scandetd: --hash-key: .*: not 32 hexadecimal digits$"
done
finish
