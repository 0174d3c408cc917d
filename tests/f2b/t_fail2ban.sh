#!/bin/sh
# tests/f2b/t_fail2ban.sh - the fail2ban hand-off (contrib/fail2ban):
# the filter against scandetd's real output, then the whole chain once.
#
#   BUILD=build sh tests/f2b/t_fail2ban.sh        (root; run by make check)
#
# 1. The filter.  scandetd -r runs over every capture in tests/pcap/data
#    and two made here with spoofs -w (queso over IPv4, nmap's OS probe
#    and UDP probes over IPv6), with
#      trw      DetectionMethod trw, LogConnections, UdpLogConnections,
#               no AlertLimit: every alert and every connection line;
#      classic  DetectionMethod classic, no AlertLimit (its connection
#               lines would be trw's again);
#    and over one or two captures of each kind of alert with
#      names    trw, connection lines, LogDetails, PortResolve and
#               DNSResolve (names from a private /etc/hosts for two thirds
#               of the scanners and scanned hosts, in a mount and network
#               namespace of its own: no query leaves it), default
#               AlertLimit ("Held back" lines).
#    Each run's lines and statistics lines go through logger to a private
#    rsyslogd, which writes them as Debian's /var/log/syslog does: in the
#    traditional format, and for the names run in RSYSLOG_FileFormat (ISO
#    8601 dates) too.  fail2ban-regex with
#    contrib/fail2ban/filter.d/scandetd.conf prints, for every line it
#    matches, the address it took; that list must equal, line for line, the
#    one scandetd's JsonLog of the same run gives: each portscan, sweep,
#    flood and osprobe line with its event's "src".  So every scanner line
#    matches, with the scanner (never the host scanned) as the address, and
#    no other line does (connection lines, end-of-scan summaries, held-back
#    counts, statistics).  Once more with the filter option
#    kinds="scan|sweep": floods no longer ban; and once more as the
#    journal backend would read the names run (logtype=journal).
#
# 2. The chain.  Namespaces on a bridge: a sensor 198.51.100.10 and
#    2001:db8::10 (web and ssh services, scandetd live with LogConnections,
#    its syslog(3) going to the private rsyslogd through a /dev/log of its
#    own, and a fail2ban-server of its own: -c, -s, -p here, the shipped
#    filter and jail, enabled, banaction nftables-allports), an attacker
#    198.51.100.20 and 2001:db8::20 and a client 198.51.100.30.  The client
#    makes a few HTTP requests; nmap -sS scans 200 ports over IPv4 and
#    IPv6 (--max-rate 500) and spoofs sends nmap's OS probe as 192.0.2.13.
#    Then, within 30 s, the sensor's nftables sets hold exactly the three
#    scanners (neither the sensor nor the client), the attacker's HTTP
#    requests are refused while the client's still work, and
#    fail2ban-regex finds exactly those three in the live syslog file.
#
# Only documentation addresses are used, nothing leaves the namespaces,
# every generator is bounded in rate and count, and the namespaces and
# every process started here go at exit, also on failure.
#
# Needs root, iproute2, util-linux (unshare, logger), rsyslog, fail2ban,
# nftables, nmap, curl, python3.  Without root it fails, unless
# SCANDETD_SKIP_LIVE=1 says to skip it (then nothing counts as passed).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/netns/lib.sh"

# What this checks (the form of the output) is the same for every build;
# under the sanitizers it would only double the suite's longest runs.
if [ "$BUILD" != "$TOP/build" ]; then
	echo "t_fail2ban.sh: runs with BUILD=build only (the filter and the chain do not depend on the build: the capture runs under the sanitizers are t_truth.sh's and t_golden.sh's)"
	finish
fi
T0=$(date +%s)
FILTER=$TOP/contrib/fail2ban/filter.d/scandetd.conf
JAIL=$TOP/contrib/fail2ban/jail.d/scandetd.conf

if [ "$(id -u)" -ne 0 ]; then
	if [ "${SCANDETD_SKIP_LIVE:-0}" = 1 ]; then
		echo "fail2ban tests SKIPPED (not root, SCANDETD_SKIP_LIVE=1)"
		finish
	fi
	fail fail2ban "needs root for namespaces (set SCANDETD_SKIP_LIVE=1 to skip)"
	finish
fi
missing=$(netns_missing ip unshare logger rsyslogd fail2ban-regex \
	fail2ban-server fail2ban-client nft nmap curl "$PY")
if [ -n "$missing" ]; then
	fail fail2ban "missing tools: $missing (see install-deps.sh)"
	finish
fi
at_exit netns_cleanup

# set_up_or_stop: stop here if a check of this part (the failures before
# it: FAILED_BEFORE) failed: a set-up step did, and what follows would only
# pile up failures.
FAILED_BEFORE=0
set_up_or_stop() {
	[ "$lib_failed" -eq "$FAILED_BEFORE" ] && return 0
	for f in "$TMPD"/rsyslog.err "$TMPD"/scandetd.err "$TMPD"/f2b.log; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
	done
	finish
}

# wait_lines FILE N [SECONDS]: FILE has at least N lines (default 20 s).
wait_lines() {
	for _ in $(seq $((${3:-20} * 10))); do
		[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# ------------------------------------ fail2ban's configuration directory
# Debian's files that the filter and the jail need, nothing else, and ours;
# fail2ban-regex uses its filter.d, fail2ban-server (part 2) all of it.
F2B=$TMPD/f2b
mkdir -p "$F2B/filter.d" "$F2B/action.d" "$F2B/jail.d"
for f in fail2ban.conf jail.conf paths-common.conf paths-debian.conf filter.d/common.conf \
	action.d/nftables.conf action.d/nftables-allports.conf; do
	cp "/etc/fail2ban/$f" "$F2B/$f"
done
cp "$FILTER" "$F2B/filter.d/"
cp "$JAIL" "$F2B/jail.d/"
cat >"$F2B/fail2ban.local" <<EOF
[Definition]
dbfile = :memory:
EOF

# ------------------------------------------------------- private rsyslogd
# local1..3: the runs of part 1 in the traditional format (.trad), the
# last one in RSYSLOG_FileFormat (.iso, ISO 8601 dates) too; daemon:
# scandetd live, part 2.
SOCK=$TMPD/log.sock
trad='template="RSYSLOG_TraditionalFileFormat"'
cat >"$TMPD/rsyslog.conf" <<EOF
global(workDirectory="$TMPD")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$SOCK" RateLimit.Interval="0")
local1.* action(type="omfile" file="$TMPD/trw.trad" $trad)
local2.* action(type="omfile" file="$TMPD/classic.trad" $trad)
local3.* action(type="omfile" file="$TMPD/names.trad" $trad)
local3.* action(type="omfile" file="$TMPD/names.iso" template="RSYSLOG_FileFormat")
daemon.* action(type="omfile" file="$TMPD/chain.log" $trad)
EOF
rsyslogd -n -f "$TMPD/rsyslog.conf" -i "$TMPD/rsyslog.pid" >"$TMPD/rsyslog.err" 2>&1 &
netns_track $!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
logger -u "$SOCK" -p daemon.info -t f2b-test "receiver ready $$"
check "private rsyslogd writes what it receives" wait_for "$TMPD/chain.log" "f2b-test: receiver ready $$\$" 5
set_up_or_stop

# =================================================== part 1: the filter
BAN_KINDS='portscan|sweep|flood|osprobe'

# Two captures of tools the others lack: queso (IPv4), nmap's OS probe
# and UDP probes (IPv6).
CAPS=$TMPD/caps
mkdir -p "$CAPS"
"$SPOOFS" -q -w "$CAPS/spoofs_queso4.pcap" -t queso -s 192.0.2.14 -d 198.51.100.10 -p 80 &&
"$SPOOFS" -q -w "$CAPS/spoofs_nmapos6.pcap" -t nmap-os -s 2001:db8::14 -d 2001:db8::10 -p 1-60
check "spoofs -w made the extra captures" test $? -eq 0

# conf RUN JSONLOG: the configuration of RUN.  Connection lines are the
# same whatever the method: the classic run does without them.
conf() {
	echo "JsonLog $2"
	case $1 in
	trw) echo "AlertLimit 0 60" ;;
	classic) echo "DetectionMethod classic"; echo "AlertLimit 0 60"; return ;;
	names) echo "LogDetails yes"; echo "PortResolve yes"; echo "DNSResolve yes" ;;
	esac
	echo "LogConnections yes"
	echo "UdpLogConnections yes"
}

ALL=$(ls "$DATA"/*.pcap "$DATA"/*.pcapng "$CAPS"/*.pcap)
# For the names run, one capture or two of each kind of alert, and
# benign traffic: scandetd -r costs a few tenths of a second even on a
# small file.
SOME=$(for f in ns_nmap_sS ns_nmap_sS6 ns_nmap_sU ns2_nmap_sU6 ns_nmap_O \
	evilfingers_xprobe2_osfp ns_hping3_flood ns2_hping3_udp_flood ns2_zmap_sweep \
	ns2_spoofed_synflood ns_benign_mixed; do echo "$DATA/$f.pcap"; done; ls "$CAPS"/*.pcap)

# scan_job RUN JOB [WRAPPER...]: scandetd -r (through WRAPPER, if given)
# with RUN's configuration over every second capture of $CAPTURES (JOB 0: the first,
# third, ..., JOB 1: the others), into RUN/NAME.txt (the lines), .jsonl
# (their JSON events), .stat (the statistics on standard error).  Prints
# the captures it failed on.
scan_job() {
	local run=$1 job=$2 i=0 f out json rc
	shift 2
	json=$TMPD/$run/job$job.json
	conf $run "$json" >"$TMPD/$run/job$job.conf"
	for f in $CAPTURES; do
		i=$((i + 1))
		[ $((i % 2)) -eq "$job" ] || continue
		out=$TMPD/$run/${f##*/}
		rm -f "$json"
		"$@" "$SCANDETD" -c "$TMPD/$run/job$job.conf" --stats --json-log -r "$f" \
			>"$out.txt" 2>"$out.err"
		rc=$?
		# A capture cut short is read to its last whole packet and
		# exits 1 (scandetd(8)): its lines count all the same.
		if [ $rc -ne 0 ] && ! { [ $rc -eq 1 ] &&
		     grep -q "truncated dump file" "$out.err"; }; then
			echo "${f##*/} (exit $rc: $(grep -v '^stat ' "$out.err" | tail -n 3))"
			continue
		fi
		# -r begins each line with its packet time; syslog's lines
		# never do (their time is syslog's own).
		sed -E -i 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{15}Z //' \
			"$out.txt"
		mv "$json" "$out.jsonl"
		grep '^stat ' "$out.err" >"$out.stat"
	done
}

# scan_all RUN [WRAPPER...]: both halves at once (two cores), then all of
# it in RUN.txt, RUN.jsonl and RUN.stat, capture after capture.  Prints
# the captures it failed on.
scan_all() {
	local run=$1 f x j0 j1
	shift
	mkdir -p "$TMPD/$run"
	scan_job "$run" 0 "$@" >"$TMPD/$run/bad0" &
	j0=$!
	scan_job "$run" 1 "$@" >"$TMPD/$run/bad1" &
	j1=$!
	wait $j0 $j1
	cat "$TMPD/$run/bad0" "$TMPD/$run/bad1"
	for f in $CAPTURES; do
		for x in txt jsonl stat; do
			cat "$TMPD/$run/${f##*/}.$x" >>"$TMPD/$run.$x" 2>/dev/null
		done
	done
}

# with_names CMD...: CMD in a mount and network namespace of its own, with
# $HOSTS as /etc/hosts and only files to look names up in: no query can
# leave it.
with_names() {
	unshare --mount --net -- sh -c '
		mount --bind "$1" /etc/hosts && mount --bind "$2" /etc/nsswitch.conf &&
		shift 2 && exec "$@"' sh "$HOSTS" "$TMPD/nsswitch.conf" "$@"
}

# expected RUN: from the JSON events, "EVENT<TAB>SRC<TAB>LINE" for every
# text line whose event bans (the two outputs come from the same alerts,
# in the same order).
expected() {
	paste "$TMPD/$1.jsonl" "$TMPD/$1.txt" | awk -F '\t' -v kinds="^($BAN_KINDS)\$" '
		{ ev = $1; sub(/^\{"event":"/, "", ev); sub(/".*/, "", ev) }
		ev ~ kinds {
			src = $1; sub(/.*,"src":"/, "", src); sub(/".*/, "", src)
			print ev "\t" src "\t" $2
		}'
}

# Runs trw and classic first: the names run gives names to their scanners
# and scanned hosts.
CAPTURES=$ALL
for run in trw classic; do
	bad=$(scan_all $run)
	check_eq "$run: scandetd -r ran on every capture" "$bad" ""
done
HOSTS=$TMPD/hosts
cat "$TMPD/trw.jsonl" "$TMPD/classic.jsonl" | grep -E "^\{\"event\":\"($BAN_KINDS)\"" |
	grep -oE '"(src|dst)":"[^"]*"' | cut -d'"' -f4 | sort -u |
	awk 'BEGIN { print "127.0.0.1 localhost" }
	     # two thirds; and always the host the ns captures scan, so that
	     # a named scanner of a named host is among them
	     NR % 3 || $1 == "198.51.100.10" { print $1 " h" NR ".scan.example" }' >"$HOSTS"
echo 'hosts: files' >"$TMPD/nsswitch.conf"
CAPTURES=$SOME
bad=$(scan_all names with_names)
check_eq "names: scandetd -r ran on $(echo "$SOME" | wc -l) captures" "$bad" ""

# feed RUN FACILITY FORMAT...: RUN's lines and statistics to rsyslogd as
# scandetd's, then wait until each RUN.FORMAT file has them all.
feed() {
	local n run=$1 fac=$2 fmt
	shift 2
	cat "$TMPD/$run.txt" "$TMPD/$run.stat" >"$TMPD/$run.all"
	n=$(wc -l <"$TMPD/$run.all")
	logger -u "$SOCK" -p "$fac.notice" -t scandetd --id=$$ -f "$TMPD/$run.all"
	for fmt in "$@"; do
		wait_lines "$TMPD/$run.$fmt" "$n" 60 || return 1
	done
}

# got LOGFILE OUT [FILTER-OPTIONS [FAIL2BAN-REGEX-OPTIONS...]]: what
# fail2ban-regex matches in LOGFILE with the shipped filter,
# "ADDRESS<TAB>LINE" (without the syslog prefix), sorted, into OUT; fails
# (and says why) when fail2ban-regex does.
got() {
	local log=$1 out=$2 opts=${3:-}
	shift 2
	[ $# -gt 0 ] && shift
	if ! fail2ban-regex "$@" -o "<ip>	<msg>" "$log" "$F2B/filter.d/scandetd.conf$opts" \
		>"$TMPD/regex.out" 2>"$TMPD/regex.err"; then
		tail -n 3 "$TMPD/regex.err"
		return 1
	fi
	sed -E 's/^([^\t]*)\t.* scandetd\[[0-9]+\]: /\1\t/' "$TMPD/regex.out" | sort >"$out"
}

# compare NAME WANT GOT: both ways, line for line.
compare() {
	local miss extra
	miss=$(comm -23 "$2" "$3" | head -n 5)
	extra=$(comm -13 "$2" "$3" | head -n 5)
	if [ -z "$miss" ]; then pass "$1: every scanner line matches, with its source"
	else fail "$1: every scanner line matches, with its source" "not matched or another address: $miss"; fi
	if [ -z "$extra" ]; then pass "$1: no other line matches"
	else fail "$1: no other line matches" "matched: $extra"; fi
}

for run in trw:local1:trad classic:local2:trad names:local3:trad:iso; do
	fmts=$(echo "${run#*:*:}" | tr : ' ')
	fac=${run#*:}
	fac=${fac%%:*}
	run=${run%%:*}
	check "$run: every line through rsyslogd" feed $run $fac $fmts
	check_eq "$run: as many JSON events as lines" "$(wc -l <"$TMPD/$run.jsonl")" "$(wc -l <"$TMPD/$run.txt")"
	expected $run >"$TMPD/$run.exp"
	cut -f 2- "$TMPD/$run.exp" | sort >"$TMPD/$run.want"
	for fmt in $fmts; do
		check "$run ($fmt): fail2ban-regex runs" got "$TMPD/$run.$fmt" "$TMPD/$run.$fmt.got"
		compare "$run ($fmt)" "$TMPD/$run.want" "$TMPD/$run.$fmt.got"
	done
done
awk -F '\t' '$1 != "flood"' "$TMPD/names.exp" | cut -f 2- | sort >"$TMPD/noflood.want"
check 'fail2ban-regex runs with kinds="scan|sweep"' \
	got "$TMPD/names.trad" "$TMPD/noflood.got" '[kinds="scan|sweep"]'
compare 'names, kinds="scan|sweep"' "$TMPD/noflood.want" "$TMPD/noflood.got"
check "the flood lines were there to leave out" grep -q '^flood' "$TMPD/names.exp"

# The journal (jail: backend = systemd): fail2ban reads an entry as
# "HOSTNAME SYSLOG_IDENTIFIER[PID]: MESSAGE", the date apart (its
# filtersystemd.py, formatJournalEntry), and the filter's prefix is then
# common.conf's for logtype journal.  No journald runs here: the names
# run's lines, their dates cut off, stand for such entries.
cut -c 17- "$TMPD/names.trad" >"$TMPD/names.journal"
check_grep "journal-like lines: host, scandetd[PID], message" "$TMPD/names.journal" \
	'^[^ ]+ scandetd\[[0-9]+\]: Possible port scan from '
check "fail2ban-regex runs with logtype=journal" \
	got "$TMPD/names.journal" "$TMPD/journal.got" '[logtype=journal]' -d '{NONE}'
compare 'names, logtype=journal' "$TMPD/names.want" "$TMPD/journal.got"

# The comparisons above mean something only if the logs hold every kind
# of line, on both sides.
W=$TMPD/all.want
cat "$TMPD"/trw.want "$TMPD"/classic.want "$TMPD"/names.want >"$W"
cat "$TMPD"/trw.all "$TMPD"/classic.all "$TMPD"/names.all >"$TMPD/all.lines"
check_grep "banned: a TCP port scan" "$W" '	Possible port scan from '
check_grep "banned: a UDP port scan" "$W" '	Possible UDP port scan from '
check_grep "banned: a sweep to many hosts" "$W" '	Possible port sweep from .* \(and others\)$'
check_grep "banned: an ICMP host sweep" "$W" '	Possible ICMP host sweep from '
check_grep "banned: an ARP host sweep" "$W" '	Possible ARP host sweep from '
check_grep "banned: an IP protocol scan" "$W" '	Possible IP protocol scan from '
check_grep "banned: a flood" "$W" '	Possible (UDP )?port flood from '
for tool in nmap queso xprobe2; do
	check_grep "banned: a $tool OS probe" "$W" "	Possible $tool OS probe from "
done
check_grep "banned: an IPv6 scanner" "$W" '^[0-9a-f:]*:[0-9a-f:]*	Possible .* from [0-9a-f:]+ '
check_grep "banned: a scanner by name (address)" "$W" \
	'^([0-9.]+)	Possible .* from h[0-9]+\.scan\.example \(\1\)'
check_grep "banned: an IPv6 scanner by name (address)" "$W" \
	'^([0-9a-f:]+)	Possible .* from h[0-9]+\.scan\.example \(\1\)'
check_grep "banned: a named scanner of a named host" "$W" \
	'from h[0-9]+\.scan\.example \([^)]*\) to h[0-9]+\.scan\.example \('
L=$TMPD/all.lines
check_grep "not banned, present: TCP connection lines" "$L" '^port [0-9]+ connection attempt from '
check_grep "not banned, present: UDP connection lines" "$L" '^UDP port [0-9]+ connection attempt from '
check_grep "not banned, present: LogDetails lines with names" "$L" '^TCP h[0-9]+\.scan\.example \('
check_grep "not banned, present: end-of-scan summaries" "$L" '^End of (UDP )?port (scan|sweep|flood) from '
check_grep "not banned, present: AlertLimit's held-back lines" "$L" '^Held back [0-9]+ alerts? '
check_grep "not banned, present: statistics" "$L" '^stat '
T1=$(date +%s)
echo "part 1: $((T1 - T0)) s"

# ==================================================== part 2: the chain
FAILED_BEFORE=$lib_failed
NS_BR=f2b-$$-br
NS_S=f2b-$$-s
NS_A=f2b-$$-a
NS_C=f2b-$$-c
S4=198.51.100.10
S6=2001:db8::10
A4=198.51.100.20
A6=2001:db8::20
C4=198.51.100.30
SPOOFED=192.0.2.13
CHAIN=$TMPD/chain.log
inns_s() { inns "$NS_S" "$@"; }

netns_bridge "$NS_BR" &&
	netns_host "$NS_S" s0 $S4/24 $S6/64 &&
	netns_host "$NS_A" a0 $A4/24 $A6/64 &&
	netns_host "$NS_C" c0 $C4/24 &&
	inns_s ip route add 192.0.2.0/24 dev s0
check "namespaces, veth pairs and bridge set up" test $? -eq 0
check "web and ssh services on the sensor" \
	netns_services "$NS_S" "$TMPD/services.log" --http '[::]:80' --ssh '[::]:22'
set_up_or_stop

# scandetd, live, its syslog to the private rsyslogd (facility daemon).
mkdir -p "$TMPD/run"
cat >"$TMPD/live.conf" <<EOF
RunAsUser nobody
PidFile $TMPD/run/scandetd.pid
LogConnections yes
SendEmail no
UdpSendEmail no
OSFPSendMail no
# Connection lines count against AlertLimit, and an alert over it waits
# for the end of the interval (60 s): room for all of them, so that the
# scanners are reported, and banned, at once.
AlertLimit 5000 60
EOF
netns_with_devlog "$SOCK" ip netns exec "$NS_S" "$SCANDETD" -F --syslog -c "$TMPD/live.conf" -i s0 \
	>"$TMPD/scandetd.out" 2>"$TMPD/scandetd.err" &
netns_track $!
check "scandetd started live, syslog to the private rsyslogd" \
	wait_for "$CHAIN" ' scandetd\[[0-9]+\]: scandetd .* started on s0' 10

# What an administrator changes: enabled (the jail is off as shipped), and
# here the log file.
check_grep "the shipped jail is off until enabled" "$JAIL" '^enabled += false$'

cat >"$F2B/jail.d/scandetd.local" <<EOF
[scandetd]
enabled = true
logpath = $CHAIN
EOF
check "fail2ban accepts the shipped filter and jail (-t)" \
	fail2ban-server -t -c "$F2B" -s "$F2B/sock" -p "$F2B/pid"
inns_s fail2ban-server -f -x -c "$F2B" -s "$F2B/sock" -p "$F2B/pid" \
	--logtarget "$TMPD/f2b.log" --loglevel INFO >"$TMPD/f2b.out" 2>&1 &
netns_track $!
check "fail2ban-server started the jail scandetd" \
	wait_for "$TMPD/f2b.log" "Jail 'scandetd' started" 15
f2bc() { fail2ban-client -s "$F2B/sock" "$@"; }
check "fail2ban-client talks to it" f2bc ping
set_up_or_stop
sleep 1		# polling: the file's current end is where reading starts

# The traffic: a client and the attacker-to-be make HTTP requests (logged
# as connections, which ban nobody), then three scanners.
check "the attacker reaches the web service before any scan" \
	inns "$NS_A" curl -sf -o /dev/null --max-time 3 "http://$S4/"
inns "$NS_C" curl -s -o /dev/null --max-time 30 "http://$S4/?[1-10]"
check "client's HTTP requests logged as connections" \
	wait_for "$CHAIN" "scandetd\[[0-9]+\]: port 80 connection attempt from $C4: completed\$" 10
NMAP="nmap -n -Pn --max-rate 500 --max-retries 1 -e a0 -sS -p 1-200"
inns "$NS_A" $NMAP $S4 >"$TMPD/nmap4.out" 2>&1
inns "$NS_A" $NMAP -6 $S6 >"$TMPD/nmap6.out" 2>&1
inns "$NS_A" "$SPOOFS" -q -t nmap-os -r 200 -s $SPOOFED -d $S4 -p 80 >"$TMPD/spoofs.out" 2>&1

# set_of FAMILY: the addresses in the jail's nftables set, sorted, one line.
set_of() {
	local set=addr-set-scandetd
	[ "$1" = 6 ] && set=addr6-set-scandetd
	inns_s nft list set inet f2b-table $set 2>/dev/null |
		sed -n '/elements/,/}/p' | tr -d '{},=' | tr -s ' \t\n' '\n' |
		grep -E '^[0-9a-f:.]+$' | sort | paste -sd ' ' -
}
WANT4="$SPOOFED $A4"
for _ in $(seq 300); do
	[ "$(set_of 4)" = "$WANT4" ] && [ "$(set_of 6)" = "$A6" ] && break
	sleep 0.1
done
check_eq "nftables IPv4 set holds exactly the scanners" "$(set_of 4)" "$WANT4"
check_eq "nftables IPv6 set holds exactly the scanner" "$(set_of 6)" "$A6"
f2bc status scandetd >"$TMPD/status" 2>&1
check_grep "fail2ban-client lists the bans" "$TMPD/status" "Banned IP list:.*$A4"
check "the banned scanner's HTTP request is refused" \
	sh -c "! ip netns exec $NS_A curl -s -o /dev/null --max-time 3 http://$S4/"
check "the client's HTTP request still works" \
	inns "$NS_C" curl -sf -o /dev/null --max-time 3 "http://$S4/"

# The live log, through the filter once more: the three scanners, one line
# each kind scandetd wrote about them, and nothing else.
check_grep "live log: scandetd's alert about the IPv6 scanner" "$CHAIN" \
	"scandetd\[[0-9]+\]: Possible port scan from $A6 to $S6 \(nmap\)\$"
check_grep "live log: scandetd's OS probe alert" "$CHAIN" \
	"scandetd\[[0-9]+\]: Possible nmap OS probe from $SPOOFED to $S4\$"
grep -E ' scandetd\[[0-9]+\]: Possible ' "$CHAIN" |
	sed -E 's/.* scandetd\[[0-9]+\]: //' >"$TMPD/chain.alerts"
check "live log: fail2ban-regex runs" got "$CHAIN" "$TMPD/chain.got"
cut -f 1 "$TMPD/chain.got" | sort -u | paste -sd ' ' - >"$TMPD/chain.ips"
check_eq "live log: fail2ban-regex finds exactly the scanners" \
	"$(cat "$TMPD/chain.ips")" "$(printf '%s\n' $A6 $SPOOFED $A4 | sort | paste -sd ' ' -)"
check_eq "live log: every alert line matches" \
	"$(wc -l <"$TMPD/chain.got")" "$(wc -l <"$TMPD/chain.alerts")"
echo "part 2: $(($(date +%s) - T1)) s"
finish
