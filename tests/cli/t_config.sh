#!/bin/sh
# A configuration that says what admins mean, and messages that teach
# (issue 15, items 2 and 4), end to end through real captures:
#
# - IgnoreHost silences a host's scans (TCP and UDP), its OS probes (TCP
#   and ICMP) and its connection lines, while every other host is
#   reported exactly as before (and the hosts it scanned are not taken
#   for scanners because of their answers); the original's
#   HostScanIgnore still only concerns scans;
# - LogPorts lets only its ports into connection logging (TCP and UDP),
#   PortLogIgnore and UdpPortLogIgnore still take ports out of it, and
#   scan detection does not change;
# - both show in -s;
# - the messages: a misspelt option, a facility, a stray quote, a
#   capture without privileges (root or CAP_NET_RAW), and no message
#   that names a path twice.
#
# The capture is four real ones merged (tests/pcap/data/SOURCES.md):
# nmap -sS -O from 192.168.29.14, nmap -O and -sU from 198.51.100.20,
# xprobe2 (ICMP) from 192.168.1.20.
. "$(dirname "$0")/../lib.sh"

X=192.168.29.14		# nmap -sS -O
Y=198.51.100.20		# nmap -O, nmap -sU
Z=192.168.1.20		# xprobe2

mergecap -F pcap -w "$TMPD/m.pcap" "$DATA/nmap_O_synscan_osdetect_2026.pcapng" \
	"$DATA/ns_nmap_O.pcap" "$DATA/ns_nmap_sU.pcap" \
	"$DATA/evilfingers_xprobe2_osfp.pcap"
check "captures merged (mergecap)" test -s "$TMPD/m.pcap"

# run NAME LINE...: the merged capture through a configuration of the
# LINEs, beside connection logging for TCP and UDP and no AlertLimit (so
# that every event of the other hosts is there to compare).
run() {
	name=$1
	shift
	printf 'LogConnections yes\nUdpLogConnections yes\nAlertLimit 0 60\n' \
		>"$TMPD/$name.conf"
	for l in "$@"; do printf '%s\n' "$l" >>"$TMPD/$name.conf"; done
	"$SCANDETD" -c "$TMPD/$name.conf" -r "$TMPD/m.pcap" --json \
		>"$TMPD/$name.json" 2>"$TMPD/$name.err"
	check_eq "$name: exits 0" "$?" 0
}

# expect NAME DROP: NAME's events are the baseline's, in order, less those
# that DROP (a Python expression over the event e) says go.
expect() {
	python3 - "$TMPD/base.json" "$TMPD/$1.json" "$2" <<'EOF' >"$TMPD/$1.diff"
import json, sys
base = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
want = [e for e in base if not eval(sys.argv[3], {"e": e})]
if got != want:
    print("got %d events, expected %d" % (len(got), len(want)))
    for e in [e for e in got if e not in want][:3]:
        print("unexpected:", json.dumps(e))
    for e in [e for e in want if e not in got][:3]:
        print("missing:", json.dumps(e))
    sys.exit(1)
EOF
	if [ $? -eq 0 ]; then pass "$1: the baseline less $2"
	else fail "$1: the baseline less $2" "$(cat "$TMPD/$1.diff")"; fi
}

# count FILE EVENT SRC [PROTO]: how many such events FILE holds.
count() {
	python3 - "$@" <<'EOF'
import json, sys
f, ev, src = sys.argv[1:4]
proto = sys.argv[4] if len(sys.argv) > 4 else None
print(sum(1 for l in open(f) for e in [json.loads(l)]
          if e["event"] == ev and e.get("src") == src
          and (proto is None or e.get("proto") == proto)))
EOF
}

# ---- the baseline: every host is reported -------------------------------
run base
B="$TMPD/base.json"
for what in "portscan $X tcp" "osprobe $X tcp" "connection $X tcp" \
	    "portscan $Y tcp" "portscan $Y udp" "osprobe $Y tcp" \
	    "connection $Y tcp" "connection $Y udp" "osprobe $Z icmp"; do
	set -- $what
	check "baseline: $1 from $2 ($3)" test "$(count "$B" "$@")" -gt 0
done

# ---- IgnoreHost ----------------------------------------------------------
# One line per host silences everything from it, and nothing else.
run ignore_x "IgnoreHost $X"
check_eq "IgnoreHost $X: nothing from it" "$(grep -c "\"src\":\"$X\"" "$TMPD/ignore_x.json")" 0
expect ignore_x "e.get('src') == '$X'"

run ignore_y "IgnoreHost 198.51.100.0/24:1-65535"
check_eq "IgnoreHost (a prefix): no UDP scan from $Y" "$(count "$TMPD/ignore_y.json" portscan $Y udp)" 0
expect ignore_y "e.get('src', '').startswith('198.51.100.')"

# ICMP probes have no ports: a plain address covers them.
run ignore_z "IgnoreHost $Z"
check_eq "IgnoreHost $Z: no ICMP OS probe" "$(count "$TMPD/ignore_z.json" osprobe $Z)" 0
expect ignore_z "e.get('src') == '$Z'"

# Several lines add up.
run ignore_two "IgnoreHost $X" "IgnoreHost $Z"
expect ignore_two "e.get('src') in ('$X', '$Z')"

# The original's options keep their meaning: HostScanIgnore is about
# scans only, so the OS probe and the connection lines stay.
run hostscan_x "HostScanIgnore $X"
check "HostScanIgnore $X: OS probe still reported" test "$(count "$TMPD/hostscan_x.json" osprobe $X)" -eq 1
check "HostScanIgnore $X: connections still logged" test "$(count "$TMPD/hostscan_x.json" connection $X)" -gt 0
expect hostscan_x "e['event'] in ('portscan', 'scan_end') and e['src'] == '$X'"
run hostlog_x "HostLogIgnore $X" "UdpHostLogIgnore $X"
expect hostlog_x "e['event'] == 'connection' and e['src'] == '$X'"

# ---- LogPorts ---------------------------------------------------------
run logports "LogPorts 22 53,80 161"
expect logports "e['event'] == 'connection' and e['dport'] not in (22, 53, 80, 161)"
check "LogPorts: TCP 22 logged" test "$(grep -c '"proto":"tcp".*"dport":22[,}]' "$TMPD/logports.json")" -gt 0
check "LogPorts: UDP 161 logged" test "$(grep -c '"proto":"udp".*"dport":161[,}]' "$TMPD/logports.json")" -gt 0

# PortLogIgnore takes TCP 80 out, UdpPortLogIgnore UDP 161; UDP 80 and
# TCP 161 stay (when the capture has them).
run logports_ignore "LogPorts 22 53,80 161" "PortLogIgnore 80" "UdpPortLogIgnore 161"
expect logports_ignore "e['event'] == 'connection' and (e['dport'] not in (22, 53, 80, 161) or (e['proto'], e['dport']) in (('tcp', 80), ('udp', 161)))"
check "LogPorts with PortLogIgnore 80: UDP 80 still logged" \
	test "$(grep -c '"proto":"udp".*"dport":80[,}]' "$TMPD/logports_ignore.json")" -gt 0

# ---- -s shows both, in a file that reads back the same -----------------
printf 'IgnoreHost %s\nIgnoreHost [2001:db8::]/32\nLogPorts 22 80 443\n' "$X" >"$TMPD/show.conf"
"$SCANDETD" -s -c "$TMPD/show.conf" >"$TMPD/shown.conf" 2>&1
check_grep "-s shows IgnoreHost" "$TMPD/shown.conf" "^IgnoreHost $X\$"
check_grep "-s shows IgnoreHost (IPv6)" "$TMPD/shown.conf" '^IgnoreHost \[2001:db8::\]/32$'
check_grep "-s shows LogPorts" "$TMPD/shown.conf" '^LogPorts 22 80 443$'
"$SCANDETD" -s -c "$TMPD/shown.conf" >"$TMPD/shown2.conf" 2>&1
check "-s output reads back identically" cmp "$TMPD/shown.conf" "$TMPD/shown2.conf"
"$SCANDETD" -s -c /dev/null >"$TMPD/default.conf" 2>&1
check_grep "-s: no LogPorts means every port" "$TMPD/default.conf" '^# LogPorts \(none: every port\)$'
check_grep "-s: no IgnoreHost" "$TMPD/default.conf" '^# IgnoreHost \(none\)$'

# ---- messages that teach --------------------------------------------------
# tconf NAME LINE...: -t on a file of the LINEs; its standard error in
# $TMPD/NAME.err, the exit status returned.
tconf() {
	name=$1
	shift
	: >"$TMPD/$name.conf"
	for l in "$@"; do printf '%s\n' "$l" >>"$TMPD/$name.conf"; done
	"$SCANDETD" -t -r "$TMPD/m.pcap" -c "$TMPD/$name.conf" \
		>"$TMPD/$name.out" 2>"$TMPD/$name.err"
}
tconf typo "CountThreshold 10" "LogConections yes"
check_eq "a misspelt option: -t exits 1" "$?" 1
check_eq "a misspelt option: the nearest is suggested" "$(cat "$TMPD/typo.err")" \
	"scandetd: $TMPD/typo.conf:2: unknown option \"LogConections\" (did you mean LogConnections?)"
tconf bogus "Bogus yes"
check_eq "a name far from all: no guess" "$(cat "$TMPD/bogus.err")" \
	"scandetd: $TMPD/bogus.conf:1: unknown option \"Bogus\""
tconf facility "SyslogFacility LOG_LOCAL3"
check_eq "openlog(3)'s LOG_LOCAL3 is accepted" "$?" 0
"$SCANDETD" -s -c "$TMPD/facility.conf" >"$TMPD/facility.shown" 2>&1
check_grep "... and shown as local3" "$TMPD/facility.shown" '^SyslogFacility local3$'
tconf facility2 "SyslogFacility local9"
check_grep "an unknown facility lists the valid ones" "$TMPD/facility2.err" \
	"^scandetd: $TMPD/facility2.conf:1: SyslogFacility: unknown facility \"local9\" \(one of kern, user, .*, local0, .*, local7\)\$"
tconf quote 'MailSubject scan from %s"'
check_eq "a stray quote: -t exits 1" "$?" 1
check_grep "a stray quote is named" "$TMPD/quote.err" \
	"^scandetd: $TMPD/quote.conf:1: MailSubject: stray '\"' after \"scan from %s\""

# Capturing without privileges: the message says what is needed, from
# -t and from a start (which stops there, before anything else).
if [ "$(id -u)" -ne 0 ]; then
	skip "capture as nobody" "needs root to become nobody (setpriv)"
else
	chmod 755 "$TMPD"
	printf 'PidFile ""\n' >"$TMPD/np.conf"
	chmod 644 "$TMPD/np.conf"
	for args in "-t -i lo" "-t" "-F -i lo" "-F"; do
		# shellcheck disable=SC2086
		timeout 20 setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$SCANDETD" $args -c "$TMPD/np.conf" >"$TMPD/np.out" 2>"$TMPD/np.err"
		check_eq "as nobody, $args: exits 1" "$?" 1
		check_grep "as nobody, $args: root or CAP_NET_RAW is needed" "$TMPD/np.err" \
			'^scandetd: .*: socket: Operation not permitted \(capturing needs root or the CAP_NET_RAW capability\)$'
		check_nogrep "as nobody, $args: not OK" "$TMPD/np.out" "configuration OK"
	done
	timeout 20 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$SCANDETD" -t -c /dev/null >"$TMPD/np.out" 2>"$TMPD/np.err"
	check_grep "as nobody, -t with -c /dev/null: the default interface named" \
		"$TMPD/np.err" '^scandetd: Interface: any: socket: .*CAP_NET_RAW'
fi

# No message names a path twice: errors about files of every kind.
ln -s "$TMPD/x.json" "$TMPD/link.json"
: >"$TMPD/empty.pcap"
: >"$TMPD/empty.pw"
printf 'JsonLog %s/none/x.json\n' "$TMPD" >"$TMPD/p1.conf"
printf 'JsonLog %s/link.json\n' "$TMPD" >"$TMPD/p2.conf"
printf 'PidFile %s/none/x.pid\n' "$TMPD" >"$TMPD/p3.conf"
printf 'SignatureFile %s/none.sig\n' "$TMPD" >"$TMPD/p4.conf"
printf 'SignatureFile %s\n' "$TMPD" >"$TMPD/p5.conf"
printf 'SendEmail yes\nMailUser a\nMailPasswordFile %s/none.pw\n' "$TMPD" >"$TMPD/p6.conf"
printf 'SendEmail yes\nMailCommand %s/none -t\n' "$TMPD" >"$TMPD/p7.conf"
: >"$TMPD/paths.err"
for c in "-c $TMPD/none.conf -t" "-c $TMPD/none.conf -r $TMPD/m.pcap" \
	 "-c /dev/null -r $TMPD/none.pcap" "-c /dev/null -r $TMPD/empty.pcap" \
	 "-c /dev/null -r $TMPD" "-c $TMPD/p1.conf --json-log -r $TMPD/m.pcap" \
	 "-c $TMPD/p2.conf --json-log -r $TMPD/m.pcap" "-c $TMPD/p3.conf -t -i lo" \
	 "-c $TMPD/p4.conf -t" "-c $TMPD/p5.conf -r $TMPD/m.pcap" \
	 "-c $TMPD/p6.conf -t -i lo" "-c $TMPD/p7.conf -t -i lo" \
	 "-c $TMPD -t"; do
	# shellcheck disable=SC2086
	"$SCANDETD" $c 2>&1 >/dev/null | grep '^scandetd: ' >>"$TMPD/paths.err"
done
check_eq "error messages about files: one each" "$(wc -l <"$TMPD/paths.err")" 13
# Every path in a line (a word from '/' to ':' or a blank) once.
twice=$(python3 - "$TMPD/paths.err" <<'EOF'
import re, sys
for line in open(sys.argv[1]):
    paths = re.findall(r"/[^\s:\"]+", line)
    if len(paths) != len(set(paths)):
        print(line.strip())
EOF
)
check_eq "no message names a path twice" "$twice" ""

# ---- the README's typical server configuration loads as it says ------
awk '/^```conf$/{f=1;next} /^```$/{f=0} f' "$TOP/README.md" >"$TMPD/readme.conf"
check "README: a typical configuration is there" test -s "$TMPD/readme.conf"
"$SCANDETD" -s -c "$TMPD/readme.conf" >"$TMPD/readme.out" 2>"$TMPD/readme.err"
check_eq "README: the typical configuration loads" "$?" 0
for want in "Interface eth0 eth1" "IgnoreHost 192.0.2.53" "LogPorts 22 3389" \
	    "JsonFormat ecs" "MetricsListen 9100" "RcptTo security@example.org"; do
	check_grep "README: $want" "$TMPD/readme.out" "^$want\$"
done
finish
