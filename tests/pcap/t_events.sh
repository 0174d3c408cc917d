#!/bin/sh
# tests/pcap/t_events.sh - what the events say, against tshark's reading
# of the same captures (issue 15, items 5 and 7).
#
#   BUILD=build sh tests/pcap/t_events.sh
#
#  - distinct ports: each nmap capture's end-of-scan "ports" is the number
#    of distinct destination ports of the scanner's SYNs (exact), while
#    "count" counts every probe, retransmissions too;
#  - open ports: "open_ports" are the ports that answered SYN-ACK;
#  - the zmap sweep names port 80 under both methods, and its hosts are
#    the distinct hosts probed (classic: within 5%, the early ones
#    estimated);
#  - the OS probe names its target, in JSON and in the log line;
#  - every event has a severity, ordered as scandetd(8) says: connection <
#    flood < port scan < its end with 1000 ports and an open one;
#  - -r's text lines begin with the packet time and name the tool;
#  - connection logging: one event per attempt (distinct addresses, ports
#    and initial sequence number of the SYNs), never one per
#    retransmission, each with its outcome; the handshakes completed are
#    tshark's.
# No network, no root; tshark (install-deps.sh) and python3.
. "$(dirname "$0")/../lib.sh"

if ! command -v tshark >/dev/null 2>&1; then
	fail tshark "tshark is missing (install-deps.sh installs it)"
	finish
fi

# json_of PCAP [CONF]: scandetd -r --json into $TMPD/NAME.json
json_of() {
	"$SCANDETD" -c "${2:-/dev/null}" -r "$DATA/$1" --json \
		>"$TMPD/$1.json" 2>"$TMPD/err" ||
		fail "$1" "scandetd failed: $(cat "$TMPD/err")"
}

# field PCAP EVENT KEY: KEY of the first EVENT (scan_end: of the scan)
field() {
	python3 - "$TMPD/$1.json" "$2" "$3" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == sys.argv[2]:
        v = e.get(sys.argv[3])
        print(" ".join(map(str, sorted(v))) if isinstance(v, list) else v)
        break
EOF
}

# tshark_values PCAP FILTER FIELD: the distinct values of FIELD, sorted
# (numbers as numbers)
tshark_values() {
	tshark -r "$DATA/$1" -Y "$2" -T fields -e "$3" 2>/dev/null |
		sort -u | sort -n
}

# ---- distinct ports and open ports, nmap captures
for c in nmap_O_synscan_osdetect_2026.pcapng:192.168.29.14 \
	 ns_nmap_sS.pcap:198.51.100.20 \
	 evilfingers_nmap_sT_connect.pcap:192.168.1.10; do
	pcap=${c%%:*}
	src=${c##*:}
	json_of "$pcap"
	syn="ip.src==$src && tcp.flags.syn==1 && tcp.flags.ack==0"
	want=$(tshark_values "$pcap" "$syn" tcp.dstport | wc -l)
	check_eq "$pcap: distinct ports = tshark's ($want)" \
		"$(field "$pcap" scan_end ports)" "$want"
	check_eq "$pcap: one host" "$(field "$pcap" scan_end hosts)" 1
	open=$(tshark_values "$pcap" "ip.dst==$src && tcp.flags.syn==1 && tcp.flags.ack==1" \
		tcp.srcport | paste -sd ' ' -)
	check_eq "$pcap: open ports = tshark's SYN-ACKs ($open)" \
		"$(field "$pcap" scan_end open_ports)" "$open"
	check_eq "$pcap: open counts them" "$(field "$pcap" scan_end open)" \
		"$(echo "$open" | wc -w)"
done
count=$(field evilfingers_nmap_sT_connect.pcap scan_end count)
check "nmap -sT: count ($count) counts retransmissions, ports does not" \
	test "$count" -gt "$(field evilfingers_nmap_sT_connect.pcap scan_end ports)"

# ---- the sweep's port, both methods; its hosts
echo "DetectionMethod classic" >"$TMPD/classic.conf"
hosts=$(tshark_values ns2_zmap_sweep.pcap "ip.src==192.0.2.20 && tcp.flags.syn==1" \
	ip.dst | wc -l)
for m in trw classic; do
	conf=/dev/null
	[ $m = classic ] && conf=$TMPD/classic.conf
	json_of ns2_zmap_sweep.pcap "$conf"
	check_eq "zmap sweep ($m): port 80" \
		"$(field ns2_zmap_sweep.pcap sweep port)" 80
	check_eq "zmap sweep ($m): its end too" \
		"$(field ns2_zmap_sweep.pcap scan_end port)" 80
	got=$(field ns2_zmap_sweep.pcap scan_end hosts)
	if [ $m = trw ]; then
		check_eq "zmap sweep ($m): hosts = tshark's ($hosts)" "$got" "$hosts"
	else
		# classic reports on its 40th probe: the hosts before that
		# past the first four are estimated (scandetd(8): a few %)
		check "zmap sweep ($m): hosts ($got) within 5% of tshark's ($hosts)" \
			test $((got * 100)) -ge $((hosts * 95)) -a \
			     $((got * 100)) -le $((hosts * 105))
	fi
done

# ---- the OS probe's target; severities; the text lines
P=nmap_O_synscan_osdetect_2026.pcapng
json_of $P
check_eq "osprobe names its target" "$(field $P osprobe dst)" 192.168.29.115
"$SCANDETD" -c /dev/null -r "$DATA/$P" >"$TMPD/text" 2>/dev/null
check_grep "-r text: packet time, then the OS probe with its target" "$TMPD/text" \
	'^2026-03-28T07:44:30\.879725Z Possible nmap OS probe from 192\.168\.29\.14 to 192\.168\.29\.115$'
check_grep "-r text: the scan names its tool" "$TMPD/text" \
	'Z Possible port scan from 192\.168\.29\.14 to 192\.168\.29\.115 \(nmap\)$'
check_grep "-r text: the end says ports, hosts, open ports, severity" "$TMPD/text" \
	'; 1000 ports, 1 host, 1 open \(22\); severity 8 \(nmap\)$'
printf 'LogConnections yes\nAlertLimit 1000000 60\n' >"$TMPD/conn.conf"
for p in ns_hping3_flood.pcap $P; do json_of $p "$TMPD/conn.conf"; done
check "every event has a severity from 1 to 8" python3 -c '
import json, sys
for f in sys.argv[1:]:
    for line in open(f):
        s = json.loads(line)["severity"]
        assert isinstance(s, int) and 1 <= s <= 8, line' \
	"$TMPD"/*.json
sev() { field "$1" "$2" severity; }
check_eq "severities ordered: connection < flood < scan < osprobe < its end" \
	"$(sev $P connection) $(sev ns_hping3_flood.pcap flood) $(sev $P portscan) $(sev $P osprobe) $(sev $P scan_end)" \
	"1 3 5 7 8"

# ---- connection logging: once per attempt, with its outcome
# attempts PCAP: tshark's view: each TCP attempt (addresses, ports and
# initial sequence number of its SYNs), "N COMPLETED RETRANSMITTED": the
# attempts, those whose SYN-ACK the client acknowledged, and SYNs sent
# again.
attempts() {
	tshark -r "$DATA/$1" -Y tcp -T fields -e ip.src -e tcp.srcport \
		-e ip.dst -e tcp.dstport -e tcp.flags.syn -e tcp.flags.ack \
		-e tcp.flags.reset -e tcp.seq_raw 2>/dev/null | python3 -c '
import sys
isn, state = {}, {}
n = completed = repeats = 0
on = lambda x: x in ("1", "True")
for line in sys.stdin:
    s, sp, d, dp, syn, ack, rst, seq = line.rstrip("\n").split("\t")
    k, r = (s, sp, d, dp), (d, dp, s, sp)
    if on(syn) and not on(ack) and not on(rst):
        if isn.get(k) == seq:
            repeats += 1
        else:
            isn[k], state[k] = seq, "sent"
            n += 1
    elif r in state and on(syn) and on(ack) and state[r] == "sent":
        state[r] = "synack"
    elif k in state and state[k] == "synack" and on(ack) and \
            not on(syn) and not on(rst):
        state[k] = "completed"
        completed += 1
print(n, completed, repeats)'
}
# ours PCAP: the same from scandetd's connection events, and how many
# attempts were logged twice.
ours() {
	python3 - "$TMPD/$1.json" <<'EOF'
import collections, json, sys
c = [json.loads(l) for l in open(sys.argv[1])]
c = [e for e in c if e["event"] == "connection" and e["proto"] == "tcp"]
keys = collections.Counter((e["src"], e["sport"], e["dst"], e["dport"],
                            e["first_ts"]) for e in c)
print(len(c), sum(e["outcome"] == "completed" for e in c),
      sum(e.get("retransmits", 0) > 0 for e in c),
      sum(n > 1 for n in keys.values()),
      " ".join(sorted(set(e["outcome"] for e in c))))
EOF
}
for p in evilfingers_nmap_sT_connect.pcap ns_benign_mixed.pcap ns2_benign_http_many.pcap; do
	json_of $p "$TMPD/conn.conf"
	set -- $(attempts $p)
	n=$1 completed=$2 repeats=$3
	set -- $(ours $p)
	check_eq "$p: one connection event per attempt ($n)" "$1" "$n"
	check_eq "$p: handshakes completed as tshark sees them ($completed)" \
		"$2" "$completed"
	check_eq "$p: no attempt logged twice" "$4" 0
	with_retransmits=$3
	shift 4
	check "$p: outcomes are the documented ones ($*)" python3 -c '
import sys
ok = {"completed", "refused", "unreachable", "no-answer", "half-open",
      "answered", "unknown"}
assert sys.argv[1:] and set(sys.argv[1:]) <= ok, sys.argv[1:]' "$@"
	[ "$repeats" -eq 0 ] ||
		check "$p: retransmitted SYNs ($repeats) counted, not logged" \
			test "$with_retransmits" -gt 0
done
finish
