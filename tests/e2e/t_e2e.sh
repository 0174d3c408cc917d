#!/bin/sh
# tests/e2e/t_e2e.sh - live end-to-end test: real scanners against the
# installed scandetd running as a daemon.
#
#   BUILD=build sh tests/e2e/t_e2e.sh        (root; run by make check)
#
# Builds a network of namespaces joined by veth pairs and a bridge (with
# tests/netns/lib.sh):
#
#   sd-e2e-$$-a  a0  198.51.100.20-29,40-44/24  2001:db8::20  203.0.113.20 --+
#   sd-e2e-$$-c  c0  198.51.100.30/24           2001:db8::30                --+-- br0 in sd-e2e-$$-br
#   sd-e2e-$$-t  t0  198.51.100.10/24           2001:db8::10                --+
#
# The target runs real services (tests/netns/services.py: 22, 80, 443/tcp,
# 53/udp) and `make install DESTDIR=...`'s scandetd as a daemon (no -F) on
# t0, with a configuration file (RunAsUser nobody, PidFile, JsonLog,
# SyslogFacility local3).  Its syslog goes to an rsyslogd started here on a
# private socket: the daemon runs in a mount namespace of its own where
# /dev/log is that socket.  Then real nmap, hping3, curl and spoofs runs,
# each from an attacker address of its own (scandetd reports a source once
# until it has been idle for two minutes), and reloads, statistics and
# shutdown.  Every scenario's events are checked twice: live, as they come,
# and at the end, after SIGTERM, exactly (these events and no others, in the
# JsonLog and in syslog).  The last lines printed are the table of what each
# scenario produced.
#
# Only documentation addresses are used (198.51.100.0/24, 203.0.113.0/24,
# 192.0.2.0/24, 2001:db8::/32), nothing leaves the namespaces, every
# generator is bounded in rate and count, and the namespaces and every
# process started here go at exit, also on failure.
#
# Needs root, iproute2, util-linux (unshare, flock, logger), nmap, hping3,
# curl, rsyslog, openssl, python3.  Without root it fails, unless
# SCANDETD_SKIP_LIVE=1 says to skip it (then nothing counts as passed).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/netns/lib.sh"
E2E=$(cd "$(dirname "$0")" && pwd)
T0=$(date +%s)
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" -ne 0 ]; then
	if [ "${SCANDETD_SKIP_LIVE:-0}" = 1 ]; then
		echo "##################################################################"
		echo "## e2e tests SKIPPED: not root (SCANDETD_SKIP_LIVE=1).          ##"
		echo "## NOTHING of the live end-to-end suite was tested.             ##"
		echo "##################################################################"
		finish
	fi
	echo "##################################################################"
	echo "## e2e tests need root (network namespaces, raw sockets).       ##"
	echo "## Run as root, or set SCANDETD_SKIP_LIVE=1 to skip them.       ##"
	echo "##################################################################"
	fail e2e "needs root for network namespaces (set SCANDETD_SKIP_LIVE=1 to skip)"
	finish
fi

missing=$(netns_missing ip unshare flock logger nmap hping3 curl rsyslogd openssl make "$PY")
if [ -n "$missing" ]; then
	echo "## e2e: missing tools: $missing (see install-deps.sh) ##"
	fail e2e "missing tools: $missing"
	finish
fi

# ------------------------------------------------------------------ helpers
SFX=$$
NS_BR=sd-e2e-$SFX-br
NS_T=sd-e2e-$SFX-t
NS_A=sd-e2e-$SFX-a
NS_C=sd-e2e-$SFX-c
T4=198.51.100.10
T6=2001:db8::10
C4=198.51.100.30
A6=2001:db8::20
IGN=203.0.113.20		# the attacker's address in HostScanIgnore/HostLogIgnore
DPID=""				# the daemon
ROOT=$TMPD/root
SBIN=$ROOT/usr/sbin
CONF=$TMPD/scandetd.conf
JSON=$TMPD/log/events.json
SYSLOG=$TMPD/log/syslog.log
PIDFILE=$TMPD/run/scandetd.pid
LOGS=$TMPD/gen			# output of every generator, for a failure report
mkdir -p "$LOGS" "$TMPD/log" "$TMPD/run"
# The daemon re-reads its configuration as nobody: the scratch directory
# must let it in.  Its JsonLog, PID file and syslog file stay root's.
chmod 755 "$TMPD" "$TMPD/run"
chmod 700 "$LOGS"

daemon_alive() { [ -n "$DPID" ] && [ -d "/proc/$DPID" ]; }

# stop_daemon: SIGTERM, then wait for the process to go (at most ~10 s).
stop_daemon() {
	daemon_alive || return 0
	kill -TERM "$DPID" 2>/dev/null
	for _ in $(seq 100); do
		daemon_alive || return 0
		sleep 0.1
	done
	return 1
}

# At exit, also on failure: the daemon, then the background processes
# started here (rsyslogd, generators) and the namespaces (netns_cleanup).
cleanup() {
	if daemon_alive && ! stop_daemon; then kill -KILL "$DPID" 2>/dev/null; fi
	netns_cleanup
}
at_exit cleanup

# wait_for FILE REGEX [SECONDS]: until FILE has a line matching REGEX.
wait_for() { netns_wait_for "$1" "$2" "${3:-15}"; }

# count_lines FILE REGEX: lines of FILE matching REGEX.
count_lines() { grep -Ec -- "$2" "$1" 2>/dev/null || true; }

# wait_count FILE REGEX N [SECONDS]: until FILE has N lines matching REGEX.
wait_count() {
	local i
	for i in $(seq $(( ${4:-15} * 10 ))); do
		[ "$(count_lines "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# critical: stop here if a check has failed (the set-up went wrong: what
# follows would only pile up failures).
critical() {
	[ "$lib_failed" -eq 0 ] && return 0
	echo "## e2e: set-up failed, stopping here ##"
	for f in "$LOGS"/daemon.err "$LOGS"/services.log "$LOGS"/rsyslog.log; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
	done
	finish
}

# re TEXT: TEXT as an extended regular expression matching itself.
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|/]/\\&/g'; }

events() { local cmd=$1; shift; "$PY" "$E2E/events.py" "$cmd" "$JSON" "$@"; }

# wait_json N EVENT SRC [FIELD=VALUE...]: until the JsonLog has N such events
# (at most 15 s).
wait_json() {
	local i n=$1
	shift
	for i in $(seq 150); do
		[ "$(events count "$@" 2>/dev/null)" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

# nscan SRC: how many scan events (portscan, sweep, flood, osprobe) SRC has.
nscan() {
	local s
	s=$(events summary "$1" 2>/dev/null)
	case "$s" in none|"") echo 0 ;; *) echo "$s" | awk -F'; ' '{ print NF }' ;; esac
}

# The daemon's lines in syslog, without "local3.notice scandetd[PID]: ".
SYSPFX='^[a-z0-9]+\.[a-z]+ scandetd\['
# The parent's lines and the packet process's (alerts, reloads applied,
# statistics) carry their own PIDs.
daemon_lines() { grep -E "${SYSPFX}($DPID|$EPID)\]: " "$SYSLOG" 2>/dev/null; }

# sys_alerts SRC: SRC's scan reports in syslog, "FACILITY.SEVERITY TEXT",
# sorted, joined by "; ".
sys_alerts() {
	# without the tool a signature named at the end of a scan's line
	# (tests/pcap/t_events.sh checks it)
	daemon_lines | grep -E ": Possible .* from $(re "$1")( |$)" |
		sed -E 's/^([^ ]+) [^ ]+ /\1 /; s/ \([A-Za-z0-9._-]+\)$//' |
		sort | paste -sd';' - | sed 's/;/; /g'
}

# want_lines SRC DST EXPECT: the syslog lines that EXPECT (as events.py
# summary prints it) makes, in the form sys_alerts prints.
want_lines() {
	[ "$3" = none ] && return 0
	echo "$3" | tr ';' '\n' | sed 's/^ *//' | while read -r proto kind tool; do
		case "$proto $kind" in
		"tcp portscan") echo "local3.notice Possible port scan from $1 to $2" ;;
		"udp portscan") echo "local3.notice Possible UDP port scan from $1 to $2" ;;
		"tcp flood") echo "local3.notice Possible port flood from $1 to $2" ;;
		"udp flood") echo "local3.notice Possible UDP port flood from $1 to $2" ;;
		"tcp sweep") echo "local3.notice Possible port sweep from $1 to $2" ;;
		*" osprobe") echo "local3.notice Possible $tool OS probe from $1 to $2" ;;
		esac
	done | sort | paste -sd';' - | sed 's/;/; /g'
}

# Scenarios: label, source, destination, the scan events expected.
SC_LABEL=()
SC_SRC=()
SC_DST=()
SC_EXP=()
SC_N=0

# scenario LABEL SRC DST EXPECT CMD...: run the generator CMD (bounded),
# then, when EXPECT is not "none", wait until SRC has been reported live.
# The exact check of SRC's events comes at the end.
scenario() {
	local label=$1 src=$2 dst=$3 exp=$4
	shift 4
	SC_LABEL[SC_N]=$label
	SC_SRC[SC_N]=$src
	SC_DST[SC_N]=$dst
	SC_EXP[SC_N]=$exp
	SC_N=$((SC_N + 1))
	[ $# -gt 0 ] && "$@" >"$LOGS/$SC_N.log" 2>&1
	[ "$exp" = none ] && return 0
	await "$label" "$src" "$(echo "$exp" | awk -F'; ' '{ print NF }')"
}

# await LABEL SRC N: SRC has N scan events within 20 s (UDP contacts with no
# answer fail after ContactTimeout, 5 s).
await() {
	for _ in $(seq 200); do
		if [ "$(nscan "$2")" -ge "$3" ]; then
			pass "$1: $2 reported live"
			return 0
		fi
		sleep 0.1
	done
	fail "$1: $2 reported live" "$(nscan "$2") scan events after 20 s, expected $3"
}

NMAP="nmap -n -Pn --max-rate 2000 -e a0"
nm() { inns "$NS_A" $NMAP "$@"; }		# nmap from the attacker
atk() { inns "$NS_A" "$@"; }
cli() { inns "$NS_C" "$@"; }

# curl_ports N [CURL-ARGS]: N HTTP requests to the target from the client,
# one connection each; prints the local port of each.
curl_ports() {
	local n=$1; shift
	for _ in $(seq "$n"); do
		cli curl -s -o /dev/null --max-time 5 -w '%{local_port}\n' "$@" "http://$T4/"
	done
}

# ------------------------------------------------------------- installation
if make -s -C "$TOP" -o all install DESTDIR="$ROOT" PREFIX=/usr BUILD="$BUILD" \
	>"$LOGS/install.log" 2>&1; then
	pass "make install DESTDIR PREFIX=/usr"
else
	fail "make install DESTDIR PREFIX=/usr" "$(tail -n 5 "$LOGS/install.log")"
fi
for f in usr/sbin/scandetd usr/libexec/scandetd/spoofs \
	usr/share/man/man8/scandetd.8 usr/share/man/man5/scandetd.conf.5 \
	etc/scandetd.conf; do
	check "installed $f" test -s "$ROOT/$f"
done
check "installed example configuration is valid" "$SBIN/scandetd" -t -c "$ROOT/etc/scandetd.conf"
critical

# --------------------------------------------------------------- namespaces
setup_net() {
	netns_bridge "$NS_BR" || return 1
	netns_host "$NS_T" t0 $T4/24 $T6/64 || return 1
	netns_host "$NS_A" a0 198.51.100.20/24 $A6/64 || return 1
	netns_host "$NS_C" c0 $C4/24 2001:db8::30/64 || return 1
	# One attacker address per scenario, and one in 203.0.113.0/24 that
	# the target reaches on the link.
	for i in $(seq 21 29) $(seq 40 44); do
		netns_addr "$NS_A" a0 "198.51.100.$i/24" || return 1
	done
	netns_addr "$NS_A" a0 "$IGN/24" || return 1
	inns "$NS_T" ip route add 203.0.113.0/24 dev t0 || return 1
	# ICMP errors unthrottled in the target, so that nmap -sU is quick.
	inns "$NS_T" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 || return 1
}
setup_net
check "namespaces, veth pairs and bridge set up" test $? -eq 0
critical

# ----------------------------------------------------------------- services
netns_cert "$TMPD"
check "target services listening" \
	netns_services "$NS_T" "$LOGS/services.log" --cert "$TMPD/cert.pem" --key "$TMPD/key.pem"
check "HTTP from the client" cli curl -sf -o /dev/null --max-time 5 "http://$T4/"
check "HTTPS from the client" cli curl -sfk -o /dev/null --max-time 5 "https://$T4/"
check "HTTP over IPv6 from the client" cli curl -sf -o /dev/null --max-time 5 "http://[$T6]/"
check "HTTP from $IGN (attacker)" atk curl -sf -o /dev/null --max-time 5 --interface $IGN "http://$T4/"
check_grep "DNS answers" <(cli "$PY" "$NETNS_DIR/dnsq.py" $T4 2) '^answered 2/2$'
critical

# ------------------------------------------------------------------- syslog
cat >"$TMPD/rsyslog.conf" <<EOF
# rsyslogd for t_e2e.sh: one private socket in, one file out, no limits.
global(workDirectory="$TMPD/log")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$TMPD/log.sock" CreatePath="on" RateLimit.Interval="0")
template(name="sde2e" type="string"
	string="%syslogfacility-text%.%syslogseverity-text% %programname%[%procid%]:%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n")
*.* action(type="omfile" file="$SYSLOG" template="sde2e")
EOF
rsyslogd -n -f "$TMPD/rsyslog.conf" -i "$TMPD/rsyslog.pid" >"$LOGS/rsyslog.log" 2>&1 &
netns_track $!
for _ in $(seq 50); do [ -S "$TMPD/log.sock" ] && break; sleep 0.1; done
logger -u "$TMPD/log.sock" -p local3.info -t sd-e2e "receiver ready $SFX"
check "rsyslogd receives on its private socket" wait_for "$SYSLOG" "^local3\.info sd-e2e.*receiver ready $SFX" 5
critical

# -------------------------------------------------------------- the daemon
# write_conf [LINES...]: the configuration file, the base plus LINES
# (replaced in one step: the daemon may read it at any time).
write_conf() {
	{
		echo "# t_e2e.sh"
		echo "RunAsUser nobody"
		echo "PidFile $PIDFILE"
		echo "JsonLog $JSON"
		echo "SyslogFacility local3"
		# The LogConnections scenarios log every probe, more than the
		# default AlertLimit (120 a minute) lets through; the limit
		# itself is tests/live/t_flood.sh's.
		echo "AlertLimit 1000 60"
		# No email: nothing listens on SMTPrelay's port 25 here.
		echo "SendEmail no"
		echo "UdpSendEmail no"
		echo "OSFPSendMail no"
		for l in "$@"; do echo "$l"; done
	} >"$CONF.new" && chmod 644 "$CONF.new" && mv "$CONF.new" "$CONF"
}
BASE_RULES=("HostScanIgnore $IGN" "PortScanIgnore 7000-7099")
CONN_RULES=("LogConnections yes" "UdpLogConnections yes" "HostLogIgnore $IGN"
	"UdpHostLogIgnore $T4:53")
write_conf "${BASE_RULES[@]}"
check "configuration valid (scandetd -t)" "$SBIN/scandetd" -t -c "$CONF"

# Runs in a mount namespace of its own, where /dev is a small tmpfs with
# null, zero, full, random, urandom and, as /dev/log, rsyslogd's socket;
# `ip netns exec` then puts it in the target's network namespace.
unshare --mount --propagation private -- sh -c '
	set -e
	d=$1; shift
	mkdir -p "$d/olddev"
	mount --rbind /dev "$d/olddev"
	mount -t tmpfs -o mode=0755,size=64k sd-e2e-dev /dev
	for n in null zero full random urandom; do
		: >"/dev/$n"
		mount --bind "$d/olddev/$n" "/dev/$n"
	done
	: >/dev/log
	mount --bind "$d/log.sock" /dev/log
	umount -l "$d/olddev"
	exec "$@"' sh "$TMPD" ip netns exec "$NS_T" "$SBIN/scandetd" -c "$CONF" -i t0 \
	>"$LOGS/daemon.out" 2>"$LOGS/daemon.err"
check_eq "daemon starts and detaches (exit status)" "$?" 0
check "PID file written" wait_for "$PIDFILE" '^[0-9]+$' 10
DPID=$(cat "$PIDFILE" 2>/dev/null)
check "daemon alive" daemon_alive
check "started, running as nobody (syslog)" wait_for "$SYSLOG" \
	"^local3\.info scandetd\[$DPID\]: scandetd [0-9.]+ started on t0, running as nobody$" 10
check_eq "daemon runs in the target's network namespace" \
	"$(ip netns identify "$DPID" 2>/dev/null)" "$NS_T"
# The packet process (the parent's child named scandetd-engine) is the
# one that runs as RunAsUser; the parent keeps root with four
# capabilities (tests/live/t_privsep.sh).
EPID=""
for c in $(cat "/proc/$DPID/task/$DPID/children" 2>/dev/null); do
	[ "$(cat "/proc/$c/comm" 2>/dev/null)" = scandetd-engine ] && EPID=$c
done
check "the packet process runs" test -n "$EPID"
NOBODY_U=$(id -u nobody)
NOBODY_G=$(id -g nobody)
check_eq "Uid: real, effective, saved, fs are nobody" \
	"$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$EPID/status")" \
	"$NOBODY_U $NOBODY_U $NOBODY_U $NOBODY_U"
check_eq "Gid: real, effective, saved, fs are nobody's group" \
	"$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$EPID/status")" \
	"$NOBODY_G $NOBODY_G $NOBODY_G $NOBODY_G"
check_eq "Groups: nobody's group only" \
	"$(awk '/^Groups:/ { $1 = ""; print substr($0, 2) }' "/proc/$EPID/status" | xargs)" \
	"$NOBODY_G"
check_eq "no capabilities left (CapEff)" \
	"$(awk '/^CapEff:/ { print $2 }' "/proc/$EPID/status")" 0000000000000000
check "PID file is locked by the daemon" sh -c "! flock -n '$PIDFILE' true"
check_eq "JsonLog is root's, 0640 (opened before dropping root)" \
	"$(stat -c '%U %a' "$JSON" 2>/dev/null)" "root 640"
critical

# ------------------------------------------------------ scenarios: scanners
echo "--- nmap"
scenario "nmap -sS" 198.51.100.21 $T4 "tcp portscan" nm -S 198.51.100.21 -sS -p 1-200 $T4
scenario "nmap -sT" 198.51.100.22 $T4 "tcp portscan" nm -S 198.51.100.22 -sT -p 1-200 $T4
scenario "nmap -sF" 198.51.100.23 $T4 "tcp portscan" nm -S 198.51.100.23 -sF -p 1-200 $T4
scenario "nmap -sN" 198.51.100.24 $T4 "tcp portscan" nm -S 198.51.100.24 -sN -p 1-200 $T4
scenario "nmap -sX" 198.51.100.25 $T4 "tcp portscan" nm -S 198.51.100.25 -sX -p 1-200 $T4
scenario "nmap -sU" 198.51.100.26 $T4 "udp portscan" \
	nm -S 198.51.100.26 -sU -p 53,1000-1011 --max-retries 1 $T4
scenario "nmap -O" 198.51.100.27 $T4 "tcp osprobe nmap; tcp portscan" \
	nm -S 198.51.100.27 -O --max-os-tries 1 -p 1,22,80,443 $T4
scenario "nmap -6 -sS" $A6 $T6 "tcp portscan" nm -6 -sS -p 1-200 $T6

echo "--- hping3"
scenario "hping3 port scan" 198.51.100.28 $T4 "tcp portscan" \
	atk hping3 -q -S -p ++1 -c 100 -i u10000 -a 198.51.100.28 $T4
scenario "hping3 SYN flood (spoofed)" 203.0.113.99 $T4 "tcp flood" \
	atk hping3 -q -S -p 443 -c 1000 -i u1000 -a 203.0.113.99 $T4

echo "--- spoofs"
SPOOFS_I=$ROOT/usr/libexec/scandetd/spoofs
scenario "spoofs SYN" 192.0.2.11 $T4 "tcp portscan" \
	atk "$SPOOFS_I" -t syn -r 1000 -s 192.0.2.11 -d $T4 -p 1000-1100
scenario "spoofs UDP" 192.0.2.12 $T4 "udp portscan" \
	atk "$SPOOFS_I" -t udp -r 1000 -s 192.0.2.12 -d $T4 -p 2000-2100
scenario "spoofs nmap-os" 192.0.2.13 $T4 "tcp osprobe nmap" \
	atk "$SPOOFS_I" -t nmap-os -r 1000 -s 192.0.2.13 -d $T4 -p 80
scenario "spoofs queso" 192.0.2.14 $T4 "tcp osprobe queso" \
	atk "$SPOOFS_I" -t queso -r 1000 -s 192.0.2.14 -d $T4 -p 80
scenario "spoofs seed example" 203.0.113.5 $T4 "tcp portscan" \
	atk "$SPOOFS_I" -s 203.0.113.5 -d $T4 -p 3-200
check_grep "spoofs seed example says Ok" "$LOGS/$SC_N.log" \
	"^Ok\. I've sent 198 packets to host $T4 as host 203\.0\.113\.5$"

# ------------------------------------------------------ scenarios: benign
echo "--- benign traffic"
# 300 HTTP requests (HTTP/1.0: one connection each) and 50 DNS queries.
cli curl -s --max-time 60 -o /dev/null -w '%{http_code}\n' "http://$T4/?[1-300]" >"$LOGS/benign.http" 2>&1
check_eq "300 HTTP requests answered" "$(grep -c '^200$' "$LOGS/benign.http")" 300
cli "$PY" "$NETNS_DIR/dnsq.py" $T4 50 >"$LOGS/benign.dns" 2>&1
check_grep "50 DNS queries answered" "$LOGS/benign.dns" '^answered 50/50$'
scenario "benign HTTP + DNS client" $C4 $T4 none
scenario "benign: the target's answers" $T4 $C4 none

echo "--- a scan during benign traffic"
cli curl -s --max-time 60 -o /dev/null -w '%{http_code}\n' "http://$T4/?[1-150]" >"$LOGS/mixed.http" 2>&1 &
CURL_PID=$!
netns_track "$CURL_PID"
sleep 0.3
scenario "nmap -sS during benign HTTP" 198.51.100.29 $T4 "tcp portscan" \
	nm -S 198.51.100.29 -sS -p 1-100 $T4
wait "$CURL_PID"
netns_untrack "$CURL_PID"
check_eq "150 HTTP requests answered during the scan" "$(grep -c '^200$' "$LOGS/mixed.http")" 150

# -------------------------------------------------------- ignore rules
echo "--- HostScanIgnore / PortScanIgnore"
scenario "HostScanIgnore $IGN: ignored" $IGN $T4 none nm -S $IGN -sS -p 1-200 $T4
scenario "HostScanIgnore: same scan, other source" 198.51.100.40 $T4 "tcp portscan" \
	nm -S 198.51.100.40 -sS -p 1-200 $T4
scenario "PortScanIgnore 7000-7099: ignored" 198.51.100.41 $T4 none \
	nm -S 198.51.100.41 -sS -p 7000-7099 $T4
scenario "PortScanIgnore: same scan, other ports" 198.51.100.42 $T4 "tcp portscan" \
	nm -S 198.51.100.42 -sS -p 7100-7199 $T4

# ------------------------------------------ connection logging (SIGHUP)
echo "--- LogConnections, HostLogIgnore (SIGHUP)"
reloads() { count_lines "$SYSLOG" "^local3\.info scandetd\[$EPID\]: configuration reloaded from $(re "$CONF")$"; }
# hup N: SIGHUP, then wait for the Nth "configuration reloaded" line.
hup() {
	kill -HUP "$DPID"
	for _ in $(seq 100); do
		[ "$(reloads)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
conn_lines() { daemon_lines | grep -E ': (UDP )?port [0-9]+ connection attempt from |: (TCP|UDP) [0-9a-f.:]+\('; }
write_conf "${BASE_RULES[@]}" "${CONN_RULES[@]}"
check "SIGHUP: LogConnections on, reloaded" hup 1
atk curl -s -o /dev/null --max-time 5 --interface $IGN "http://$T4/"
atk curl -s -o /dev/null --max-time 5 --interface $IGN "http://$T4/"
atk curl -s -o /dev/null --max-time 5 --interface $IGN "http://$T4/"
C_PORTS=$(curl_ports 5 | sort -n | xargs)
cli "$PY" "$NETNS_DIR/dnsq.py" $T4 3 >"$LOGS/conn.dns" 2>&1
check "plain lines logged" wait_count "$SYSLOG" \
	"scandetd\[$EPID\]: UDP port 53 connection attempt from $(re $C4): answered$" 3 10
check "and in the JsonLog" wait_json 3 connection $C4 proto=udp dport=53
check_eq "5 lines 'port 80 connection attempt from $C4: completed'" \
	"$(daemon_lines | grep -Ec "^local3\.notice scandetd\[$EPID\]: port 80 connection attempt from $(re $C4): completed$")" 5
check_eq "3 lines 'UDP port 53 connection attempt from $C4: answered'" \
	"$(daemon_lines | grep -Ec "^local3\.notice scandetd\[$EPID\]: UDP port 53 connection attempt from $(re $C4): answered$")" 3
check_eq "HostLogIgnore $IGN: its connections not logged" \
	"$(conn_lines | grep -c "from $(re $IGN)")" 0
check_eq "UdpHostLogIgnore $T4:53: the DNS answers not logged" \
	"$(conn_lines | grep -c "from $(re $T4)")" 0
n=$(conn_lines | wc -l)
check_eq "no other connection lines" "$n" 8
# When that fails, show which lines were unexpected.
[ "$n" -eq 8 ] ||
	conn_lines | grep -v "from $(re $C4)\$" | sort | uniq -c | sort -rn | head -n 20
check_eq "JsonLog: the client's 5 TCP connections, by source port" \
	"$(events values connection $C4 sport proto=tcp dst=$T4 dport=80 | sort -n | xargs)" "$C_PORTS"
check_eq "JsonLog: the client's 3 DNS queries" "$(events count connection $C4 proto=udp dst=$T4 dport=53)" 3
check_eq "JsonLog: no connection event from $IGN or $T4" \
	"$(events count connection $IGN) $(events count connection $T4)" "0 0"

echo "--- LogDetails (SIGHUP)"
write_conf "${BASE_RULES[@]}" "${CONN_RULES[@]}" "LogDetails yes"
check "SIGHUP: LogDetails on, reloaded" hup 2
D_PORTS=$(curl_ports 3 | xargs)
cli "$PY" "$NETNS_DIR/dnsq.py" $T4 1 >"$LOGS/details.dns" 2>&1
U_PORT=$(sed -n 's/^sport //p' "$LOGS/details.dns")
check "detailed UDP line" wait_for "$SYSLOG" \
	"^local3\.notice scandetd\[$EPID\]: UDP $(re $C4)\($U_PORT\) -> $(re $T4)\(53\): answered$" 10
wait_json 1 connection $C4 proto=udp sport="$U_PORT"
for p in $D_PORTS; do
	check_eq "line 'TCP $C4($p) -> $T4(80)'" \
		"$(daemon_lines | grep -Fxc "local3.notice scandetd[$EPID]: TCP $C4($p) -> $T4(80): completed")" 1
done
check_eq "JSON connection event for each" \
	"$(for p in $D_PORTS; do events count connection $C4 proto=tcp sport=$p dport=80 dst=$T4; done | xargs)" "1 1 1"

# ---------------------------------------------- SIGHUP during a scan
echo "--- SIGHUP during a scan"
write_conf "${BASE_RULES[@]}"
check "SIGHUP: back to the base configuration" hup 3
RS=198.51.100.43
# 100 SYNs to ports 1-100, 50 ms apart: 5 s.
atk hping3 -q -S -p ++1 -c 100 -i u50000 -a $RS $T4 >"$LOGS/reload-scan.log" 2>&1 &
HPID=$!
netns_track "$HPID"
scenario "hping3 scan with a SIGHUP in the middle" $RS $T4 "tcp portscan"
write_conf "${BASE_RULES[@]}" "${CONN_RULES[@]}" "LogDetails yes"
check "SIGHUP during the scan: LogConnections on, reloaded" hup 4
check "the scan was still running at the reload" kill -0 "$HPID"
wait "$HPID"
netns_untrack "$HPID"
check "connection of the scan's last probe logged" wait_for "$JSON" \
	"\"event\":\"connection\",.*\"src\":\"$(re $RS)\",.*\"dport\":100,.*\"outcome\":" 10
R_PORTS=$(events values connection $RS dport | sort -n | xargs)
R_FIRST=${R_PORTS%% *}
R_FIRST=${R_FIRST:-0}
check "logged from mid-scan on (first logged port $R_FIRST)" test "$R_FIRST" -gt 1
check_eq "then every probe logged, once" "$R_PORTS" "$(seq "$R_FIRST" 100 | xargs)"
wait_for "$SYSLOG" "scandetd\[$EPID\]: TCP $(re $RS)\([0-9]+\) -> $(re $T4)\(100\)$" 10
check_eq "in syslog too" "$(conn_lines | grep -c "TCP $(re $RS)(")" "$(echo "$R_PORTS" | wc -w)"

# ------------------------------------------ SIGHUP with a broken file
echo "--- SIGHUP with a broken configuration"
write_conf "PortScanIgnore 7000-7099" "LogConnections no" "CountThreshold many"
BAD_LINE=$(grep -n '^CountThreshold many$' "$CONF" | cut -d: -f1)
kill -HUP "$DPID"
check "broken reload logged: FILE:LINE" wait_for "$SYSLOG" \
	"^local3\.warning scandetd\[$DPID\]: reload failed, keeping the old configuration: $(re "$CONF"):$BAD_LINE: .*CountThreshold" 10
check_eq "no 'configuration reloaded' for it" "$(reloads)" 4
K_PORT=$(curl_ports 1 | xargs)
check "old LogConnections/LogDetails still in force" wait_for "$SYSLOG" \
	"^local3\.notice scandetd\[$EPID\]: TCP $(re $C4)\($K_PORT\) -> $(re $T4)\(80\): completed$" 10
scenario "broken reload: old HostScanIgnore $IGN kept" $IGN $T4 none \
	nm -S $IGN -sS -p 300-400 $T4
scenario "broken reload: still detecting" 198.51.100.44 $T4 "tcp portscan" \
	nm -S 198.51.100.44 -sS -p 300-400 $T4

# ------------------------------------------------- statistics, shutdown
echo "--- SIGUSR1, SIGTERM"
n_alert() { "$PY" -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["event"] == sys.argv[2]))' "$JSON" "$1"; }
stat_of() { daemon_lines | sed -n "s/^local3\.info scandetd\[$EPID\]: stat $(re "$1") \([0-9]*\)$/\1/p" | tail -n 1; }
STAT_END="scandetd\[$EPID\]: stat alerts\.scan_end "
kill -USR1 "$DPID"
check "SIGUSR1: statistics in syslog" wait_count "$SYSLOG" "$STAT_END" 1 10
check_eq "stat capture.dropped 0 (SIGUSR1)" "$(stat_of capture.dropped)" 0
check_eq "stat capture.if_dropped 0 (SIGUSR1)" "$(stat_of capture.if_dropped)" 0
check "stat packets.seen > 10000" test "$(stat_of packets.seen)" -gt 10000
check_eq "stat packets.malformed 0" "$(stat_of packets.malformed)" 0

nstop() { count_lines "$SYSLOG" "^local3\.info scandetd\[$EPID\]: stopping$"; }
kill -TERM "$DPID"
for _ in $(seq 100); do daemon_alive || break; sleep 0.1; done
check "SIGTERM stops the daemon (within 10 s)" sh -c "! test -d /proc/$DPID"
check_eq "'stopping' logged" "$(nstop)" 1
check "final statistics logged" wait_count "$SYSLOG" "$STAT_END" 2 10
check_eq "stat capture.dropped 0 (final)" "$(stat_of capture.dropped)" 0
check_eq "stat capture.if_dropped 0 (final)" "$(stat_of capture.if_dropped)" 0
for k in portscan sweep flood osprobe scan_end connection; do
	check_eq "stat alerts.$k = the JsonLog's $k events" "$(stat_of alerts.$k)" "$(n_alert $k)"
done
check "PID file lock released" flock -n "$PIDFILE" true
# daemon_procs: scandetd processes (the daemon and its helpers) in the target.
daemon_procs() {
	local p
	for p in $(ip netns pids "$NS_T"); do cat "/proc/$p/comm" 2>/dev/null; done | grep -c scandetd
}
for _ in $(seq 50); do [ "$(daemon_procs)" -eq 0 ] && break; sleep 0.1; done
check_eq "no scandetd process (nor helper) left in the target namespace after 5 s" "$(daemon_procs)" 0
check_eq "warnings: the broken reload only (from any scandetd process)" \
	"$(grep -Ec '^[a-z0-9]+\.(warning|err|crit|alert|emerg) scandetd\[' "$SYSLOG")" 1

# ------------------------------------------------------- exact events
echo "--- every scenario, exactly"
check "JsonLog is JSON Lines" events check
want_sources=""
for i in $(seq 0 $((SC_N - 1))); do
	src=${SC_SRC[i]} exp=${SC_EXP[i]}
	check_eq "${SC_LABEL[i]}: JsonLog events of $src" "$(events summary "$src")" "$exp"
	check_eq "${SC_LABEL[i]}: syslog reports of $src" "$(sys_alerts "$src")" \
		"$(want_lines "$src" "${SC_DST[i]}" "$exp")"
	[ "$exp" = none ] || want_sources="$want_sources $src"
	# Each scan reported once is closed once (idle 120 s, or at SIGTERM).
	nscans=$(echo "$exp" | grep -o -E '(portscan|sweep|flood)' | wc -l)
	check_eq "${SC_LABEL[i]}: scan_end records of $src" \
		"$(events count scan_end "$src")" "$nscans"
	check_eq "${SC_LABEL[i]}: 'End of' lines of $src" \
		"$(daemon_lines | grep -Ec "^local3\.notice [^ ]+ End of .* from $(re "$src") to ")" "$nscans"
done
check_eq "no source reported but those expected" "$(events sources)" \
	"$(echo $want_sources | tr ' ' '\n' | sort -u | xargs)"
check_eq "the scan with a SIGHUP in the middle lost no probe (scan_end count)" \
	"$(events values scan_end $RS count)" 100
check_eq "the hping3 flood's scan_end: 1000 SYNs to port 443" \
	"$(events values scan_end 203.0.113.99 count) $(events values scan_end 203.0.113.99 port)" "1000 443"

# ------------------------------------------------------------- the table
echo
echo "scenario | source | events (JsonLog: event proto fields)"
for i in $(seq 0 $((SC_N - 1))); do
	t=$(events table "${SC_SRC[i]}" | sed 's/^[^ ]* //' | paste -sd'|' - | sed 's/|/ | /g')
	echo "${SC_LABEL[i]} | ${SC_SRC[i]} | ${t:-none}"
done
echo "e2e run time: $(( $(date +%s) - T0 )) s"
if [ "$lib_failed" -gt 0 ]; then
	echo "--- scandetd's syslog lines (connections left out), for the failures above"
	daemon_lines | grep -v -E 'connection attempt from|: (TCP|UDP) [0-9a-f.:]+\(' | head -n 200
fi
finish
