#!/bin/sh
# Live, several interfaces: a sensor namespace with two veth links, each
# to a scanner namespace of its own (198.51.100.0/24 and 2001:db8:a::/64
# on veth-a, 203.0.113.0/24 on veth-b).  scandetd captures on both
# (-i veth-a -i veth-b, then Interface in the file); each scan must be
# reported once, naming the interface its packets came in on, and the
# per-interface statistics must count each link's packets.  Also: the
# limit of MAX_INTERFACES, unknown and malformed names, -i replacing the
# file's list, and a reload that changes Interface.
#
# Needs root (network namespaces); without it it fails, unless
# SCANDETD_SKIP_LIVE=1 says to skip it.  Documentation addresses only;
# spoofs sends at most 400 probes per run at its default 1000 a second;
# the namespaces go at exit, also on failure.
. "$(dirname "$0")/../lib.sh"

need_root ifaces

NS_S=sd-ifaces-$$-s
NS_A=sd-ifaces-$$-a
NS_B=sd-ifaces-$$-b
DAEMON_PID=""

cleanup() {
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID"
	for ns in "$NS_S" "$NS_A" "$NS_B"; do ip netns del "$ns" 2>/dev/null; done
	return 0
}
at_exit cleanup

# ---- what needs no network: the names, the limit --------------------
status() { "$@" >/dev/null 2>&1; echo $?; }
# shellcheck disable=SC2046
ARGS17=$(for i in $(seq 1 17); do printf ' -i x%s' "$i"; done)
# shellcheck disable=SC2086
"$SCANDETD" -c /dev/null $ARGS17 -F >"$TMPD/17.out" 2>&1
check_eq "-i 17 times: exit 2" "$?" 2
check_grep "-i 17 times: says the option and the limit" "$TMPD/17.out" \
	'^scandetd: -i: more than 16 interfaces \("x17"\)$'
"$SCANDETD" -c /dev/null -i eth0 -i eth0 -F >"$TMPD/dup.out" 2>&1
check_eq "-i twice the same: exit 2" "$?" 2
check_grep "-i twice the same: said" "$TMPD/dup.out" '"eth0" is given twice'
check_eq "-i any beside another: exit 2" \
	"$(status "$SCANDETD" -c /dev/null -i any -i eth0 -F)" 2
check_eq "-i with a '/' in the name: exit 2" \
	"$(status "$SCANDETD" -c /dev/null -i a/b -F)" 2
check_eq "-r with several -i: still exit 2" \
	"$(status "$SCANDETD" -c /dev/null -r x -i a -i b)" 2
{ printf 'Interface'; for i in $(seq 1 17); do printf ' x%s' "$i"; done; echo; } \
	>"$TMPD/17.conf"
"$SCANDETD" -t -c "$TMPD/17.conf" >"$TMPD/17c.out" 2>&1
check_eq "Interface with 17 names: -t exits 1" "$?" 1
check_grep "Interface with 17 names: file:line and the option" "$TMPD/17c.out" \
	"$TMPD/17.conf:1: Interface: more than 16 interfaces"

# ---- the test bed ----------------------------------------------------
# Sensor S: veth-a to A, veth-b to B.  IPv6 only on the A side.
v6quiet() {
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.router_solicitations=0 \
		net.ipv6.conf.default.router_solicitations=0
}
ip netns add "$NS_S" && ip netns add "$NS_A" && ip netns add "$NS_B" &&
v6quiet "$NS_S" && v6quiet "$NS_A" &&
ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1 &&
ip link add up-a netns "$NS_A" type veth peer name veth-a netns "$NS_S" &&
ip link add up-b netns "$NS_B" type veth peer name veth-b netns "$NS_S" &&
ip netns exec "$NS_S" sysctl -qw net.ipv6.conf.veth-b.disable_ipv6=1 &&
ip -n "$NS_S" addr add 198.51.100.10/24 dev veth-a &&
ip -n "$NS_A" addr add 198.51.100.20/24 dev up-a &&
ip -n "$NS_S" addr add 2001:db8:a::10/64 dev veth-a nodad &&
ip -n "$NS_A" addr add 2001:db8:a::20/64 dev up-a nodad &&
ip -n "$NS_S" addr add 203.0.113.10/24 dev veth-b &&
ip -n "$NS_B" addr add 203.0.113.20/24 dev up-b &&
for ns in "$NS_S" "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up || exit 1; done &&
ip -n "$NS_S" link set veth-a up && ip -n "$NS_S" link set veth-b up &&
ip -n "$NS_A" link set up-a up && ip -n "$NS_B" link set up-b up
check "namespaces set up" test $? -eq 0

# The daemon runs as nobody: its files where nobody can write.
chmod 755 "$TMPD"
JSON="$TMPD/events.json"
touch "$JSON" && chown nobody "$JSON"
CONF="$TMPD/scandetd.conf"
cat >"$CONF" <<CONFEOF
RunAsUser nobody
PidFile $TMPD/scandetd.pid
JsonLog $JSON
OSFPSendMail no
CONFEOF

# start_daemon NAME ARGS...: scandetd in the sensor, output in $TMPD/NAME.*
start_daemon() {
	name=$1
	shift
	ip netns exec "$NS_S" "$SCANDETD" -c "$CONF" -F "$@" \
		>"$TMPD/$name.out" 2>"$TMPD/$name.err" &
	DAEMON_PID=$!
}

# stop_daemon: SIGTERM; STOP_RC is its exit status (124: it did not
# stop within 5 s and was killed).
stop_daemon() {
	kill -TERM "$DAEMON_PID"
	i=0
	while kill -0 "$DAEMON_PID" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ $i -lt 50 ] || kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID"
	STOP_RC=$?
	[ $i -lt 50 ] || STOP_RC=124
	DAEMON_PID=""
}

# events FILE EVENT SRC: the lines of that event from SRC.
events() { grep -E "\"event\":\"$2\".*\"src\":\"$3\"" "$1"; }

# stat_of FILE NAME: the last value logged for statistic NAME.
stat_of() {
	sed -n "s/.*stat $(echo "$2" | sed 's/\./\\./g') \([0-9][0-9]*\)$/\1/p" "$1" | tail -n 1
}

# in_range VALUE LOW HIGH
in_range() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# ---- -i veth-a -i veth-b ---------------------------------------------
start_daemon two -i veth-a -i veth-b
check "two interfaces: started on both" wait_for "$TMPD/two.err" \
	"started on veth-a, veth-b, running as"
# Both captures were opened as root; the packet process that reads them
# runs under its seccomp filter (t_privsep checks the rest).
ENGINE=""
for c in $(cat /proc/$DAEMON_PID/task/$DAEMON_PID/children 2>/dev/null); do
	[ "$(cat /proc/$c/comm 2>/dev/null)" = scandetd-engine ] && ENGINE=$c
done
check_eq "two interfaces: the packet process is filtered (Seccomp 2)" \
	"$(awk '/^Seccomp:/ {print $2}' /proc/$ENGINE/status 2>/dev/null)" 2
# Scanners use their own addresses, so the sensor's RSTs go back out
# the same link: SYN and RST counted on each.  A: 198 + 101 probes.
ip netns exec "$NS_A" "$SPOOFS" -q -s 198.51.100.20 -d 198.51.100.10 -p 3-200
ip netns exec "$NS_A" "$SPOOFS" -q -s 2001:db8:a::20 -d 2001:db8:a::10 -p 1000-1100
# B: 398 probes, and an OS probe from a neighbour that never answers.
ip netns exec "$NS_B" "$SPOOFS" -q -s 203.0.113.20 -d 203.0.113.10 -p 3-400
ip netns exec "$NS_B" "$SPOOFS" -q -t nmap-os -s 203.0.113.21 -d 203.0.113.10 -p 80
check "IPv4 scan on veth-a reported" wait_for "$JSON" \
	'"event":"portscan".*"src":"198\.51\.100\.20"'
check "IPv6 scan on veth-a reported" wait_for "$JSON" \
	'"event":"portscan".*"src":"2001:db8:a::20"'
check "scan on veth-b reported" wait_for "$JSON" \
	'"event":"portscan".*"src":"203\.0\.113\.20"'
check "OS probe on veth-b reported" wait_for "$JSON" \
	'"event":"osprobe".*"src":"203\.0\.113\.21"'
check_eq "IPv4 scan from A: once, interface veth-a" \
	"$(events "$JSON" portscan '198\.51\.100\.20' | grep -c '"interface":"veth-a"')/$(events "$JSON" portscan '198\.51\.100\.20' | wc -l)" "1/1"
check_eq "IPv6 scan from A: once, interface veth-a" \
	"$(events "$JSON" portscan 2001:db8:a::20 | grep -c '"interface":"veth-a"')/$(events "$JSON" portscan 2001:db8:a::20 | wc -l)" "1/1"
check_eq "scan from B: once, interface veth-b" \
	"$(events "$JSON" portscan '203\.0\.113\.20' | grep -c '"interface":"veth-b"')/$(events "$JSON" portscan '203\.0\.113\.20' | wc -l)" "1/1"
check_eq "OS probe from B: once, interface veth-b" \
	"$(events "$JSON" osprobe '203\.0\.113\.21' | grep -c '"interface":"veth-b"')/$(events "$JSON" osprobe '203\.0\.113\.21' | wc -l)" "1/1"
check_nogrep "no event names another interface" "$JSON" \
	'"src":"(198\.51\.100|2001:db8:a:)[^"]*".*"interface":"veth-b"|"src":"203\.0\.113[^"]*".*"interface":"veth-a"'

# Statistics on SIGUSR1: per interface, and the totals their sum.
kill -USR1 "$DAEMON_PID"
check "SIGUSR1: per-interface statistics" wait_for "$TMPD/two.err" \
	"stat interface\.veth-b\.if_dropped [0-9]+"
ra=$(stat_of "$TMPD/two.err" interface.veth-a.received)
rb=$(stat_of "$TMPD/two.err" interface.veth-b.received)
rt=$(stat_of "$TMPD/two.err" capture.received)
# A: 299 probes and 299 RSTs; B: 398 and 398, and the OS probe's 16
# (which draw no answer: .21 is nobody); both give or take ARP, and on
# A neighbour discovery and multicast listener reports.
check "veth-a received its link's packets (598 + a few): $ra" in_range "$ra" 598 660
check "veth-b received its link's packets (812 + a few): $rb" in_range "$rb" 812 870
check_eq "capture.received is the sum" "$rt" "$((ra + rb))"
check_eq "per-interface drops: none on veth-a" \
	"$(stat_of "$TMPD/two.err" interface.veth-a.dropped)" 0
check_eq "and capture.dropped none in total" \
	"$(stat_of "$TMPD/two.err" capture.dropped)" 0

# A reload that changes Interface: applied at the next restart, said so;
# -i is in force here anyway, so nothing is said about the file's list.
echo "Interface veth-a" >>"$CONF"
kill -HUP "$DAEMON_PID"
check "reload with -i: applied" wait_for "$TMPD/two.err" "configuration reloaded"
check_nogrep "reload with -i: no word on Interface" "$TMPD/two.err" \
	"Interface changes at the next restart"
sed -i '/^Interface /d' "$CONF"

stop_daemon
check_eq "two interfaces: clean exit" "$STOP_RC" 0
check "end-of-scan record from A names veth-a" \
	grep -Eq '"event":"scan_end".*"src":"198\.51\.100\.20".*"interface":"veth-a"' "$JSON"
check "end-of-scan record from B names veth-b" \
	grep -Eq '"event":"scan_end".*"src":"203\.0\.113\.20".*"interface":"veth-b"' "$JSON"
check_grep "final statistics per interface" "$TMPD/two.err" \
	"stat interface\.veth-a\.received [1-9]"

# ---- Interface in the file: a list, commas and blanks ----------------
: >"$JSON"
echo "Interface veth-b, veth-a" >>"$CONF"
start_daemon conf
check "Interface list: started on both" wait_for "$TMPD/conf.err" \
	"started on veth-b, veth-a, running as"
ip netns exec "$NS_A" "$SPOOFS" -q -s 198.51.100.21 -d 198.51.100.10 -p 3-200
ip netns exec "$NS_B" "$SPOOFS" -q -s 203.0.113.22 -d 203.0.113.10 -p 3-200
check "Interface list: scan on veth-a, named so" wait_for "$JSON" \
	'"event":"portscan".*"src":"198\.51\.100\.21".*"interface":"veth-a"'
check "Interface list: scan on veth-b, named so" wait_for "$JSON" \
	'"event":"portscan".*"src":"203\.0\.113\.22".*"interface":"veth-b"'
# A reload that changes the list: the captures stay, and that is said.
sed -i 's/^Interface .*/Interface veth-a/' "$CONF"
kill -HUP "$DAEMON_PID"
check "reload changing Interface: said to wait for a restart" \
	wait_for "$TMPD/conf.err" "Interface changes at the next restart"
check "reload changing Interface: the rest applied" \
	wait_for "$TMPD/conf.err" "configuration reloaded"
ip netns exec "$NS_B" "$SPOOFS" -q -s 203.0.113.23 -d 203.0.113.10 -p 3-200
check "after it, veth-b is still watched" wait_for "$JSON" \
	'"event":"portscan".*"src":"203\.0\.113\.23".*"interface":"veth-b"'
stop_daemon
check_eq "Interface list: clean exit" "$STOP_RC" 0

# ---- -i replaces the file's list -------------------------------------
: >"$JSON"
sed -i 's/^Interface .*/Interface veth-a veth-b/' "$CONF"
start_daemon repl -i veth-b
check "-i veth-b over the file's two: started on veth-b only" \
	wait_for "$TMPD/repl.err" "started on veth-b, running as"
ip netns exec "$NS_A" "$SPOOFS" -q -s 198.51.100.22 -d 198.51.100.10 -p 3-200
ip netns exec "$NS_B" "$SPOOFS" -q -s 203.0.113.24 -d 203.0.113.10 -p 3-200
check "-i veth-b: scan on veth-b reported" wait_for "$JSON" \
	'"event":"portscan".*"src":"203\.0\.113\.24".*"interface":"veth-b"'
kill -USR1 "$DAEMON_PID"
check "-i veth-b: statistics for veth-b" wait_for "$TMPD/repl.err" \
	"stat interface\.veth-b\.if_dropped"
check_eq "-i veth-b: nothing from veth-a" \
	"$(grep -c '198\.51\.100\.22' "$JSON")/$(grep -c 'interface\.veth-a' "$TMPD/repl.err")" "0/0"
stop_daemon
check_eq "-i veth-b: clean exit" "$STOP_RC" 0

# ---- an interface that does not exist: named, exit 1 -----------------
ip netns exec "$NS_S" "$SCANDETD" -c "$CONF" -F -i veth-a -i nosuch0 \
	>"$TMPD/bad.out" 2>"$TMPD/bad.err"
check_eq "unknown interface: exit 1" "$?" 1
check_grep "unknown interface: named in the error, with the option" \
	"$TMPD/bad.err" "^scandetd: -i nosuch0: No such device exists$"
finish
