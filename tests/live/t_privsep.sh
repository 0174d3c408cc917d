#!/bin/sh
# Privilege separation, live: every scandetd process read from
# /proc/PID/status while the daemon captures in a network namespace; the
# same for `scandetd -r` started as root, reading a FIFO so that it can be
# looked at mid-run; helpers killed and restarted; a sandbox violation
# reported with the role; a configuration replaced by a FIFO; a PID file
# that is a symbolic link; relative paths after the daemon changed to /.
#
# Needs root.  Only documentation addresses; namespaces removed at exit.
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	fail privsep "needs root (network namespaces, privilege drop)"
	finish
fi
RUN_USER=scandetd
if ! getent passwd "$RUN_USER" >/dev/null; then
	fail privsep "no user $RUN_USER (contrib/scandetd-adduser creates it)"
	finish
fi
RUN_UID=$(id -u "$RUN_USER")

NS_A=sd-priv-$$-a
NS_B=sd-priv-$$-b
DAEMON_PID=""
FEED_PID=""
GPID=""

cleanup() {
	cp "$TMPD/err" /tmp/privsep.err 2>/dev/null
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null
	[ -n "$FEED_PID" ] && kill "$FEED_PID" 2>/dev/null
	[ -n "$GPID" ] && kill "$GPID" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	return 0
}
at_exit cleanup

ip netns add "$NS_A" && ip netns add "$NS_B" &&
ip link add sdp$$a netns "$NS_A" type veth peer name sdp$$b netns "$NS_B" &&
ip -n "$NS_A" addr add 198.51.100.20/24 dev sdp$$a &&
ip -n "$NS_B" addr add 198.51.100.10/24 dev sdp$$b &&
ip -n "$NS_A" link set sdp$$a up && ip -n "$NS_B" link set sdp$$b up &&
ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up
check "namespaces set up" test $? -eq 0

chmod 755 "$TMPD"
CONF="$TMPD/scandetd.conf"
cat >"$CONF" <<CONFEOF
RunAsUser $RUN_USER
PidFile $TMPD/scandetd.pid
JsonLog $TMPD/events.json
DNSResolve yes
SendEmail yes
MailCommand /bin/cat
CONFEOF

# field PID NAME: the value(s) of a /proc/PID/status line.
field() { awk -v n="$2:" '$1 == n { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }

# child_of PARENT COMM: the PID of PARENT's child named COMM.
child_of() {
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ] && echo "$c"
	done
}

# confined ROLE PID: unprivileged, no capabilities, no way back, seccomp.
confined() {
	check_eq "$1: uid $RUN_UID (real, effective, saved, fs)" \
		"$(field "$2" Uid)" "$RUN_UID $RUN_UID $RUN_UID $RUN_UID"
	check "$1: gid not 0" sh -c "field() { awk -v n=\"\$2:\" '\$1 == n { \$1 = \"\"; print }' /proc/\$1/status; }; ! field $2 Gid | grep -qw 0"
	for c in CapEff CapPrm CapInh CapAmb; do
		check_eq "$1: $c empty" "$(field "$2" $c)" 0000000000000000
	done
	check_eq "$1: no_new_privs" "$(field "$2" NoNewPrivs)" 1
	check_eq "$1: seccomp filter" "$(field "$2" Seccomp)" 2
}

# ---- the live daemon: every process --------------------------------
ip netns exec "$NS_B" "$SCANDETD" -c "$CONF" -i sdp$$b -F \
	>"$TMPD/out" 2>"$TMPD/err" &
DAEMON_PID=$!
check "daemon started" wait_for "$TMPD/err" "started on sdp$$b"
ENGINE=$(child_of "$DAEMON_PID" scandetd-engine)
MAILER=$(child_of "$DAEMON_PID" scandetd-mailer)
RESOLVER=$(child_of "$DAEMON_PID" scandetd-resolv)
check "an engine, a mailer and a resolver run" \
	test -n "$ENGINE" -a -n "$MAILER" -a -n "$RESOLVER"
confined engine "$ENGINE"
confined mailer "$MAILER"
confined resolver "$RESOLVER"
# The parent: root, but only CAP_DAC_READ_SEARCH(2), CAP_KILL(5),
# CAP_SETGID(6), CAP_SETUID(7) = 0xe4, and no way to more.
check_eq "parent: capabilities cut to four" "$(field "$DAEMON_PID" CapEff)" 00000000000000e4
check_eq "parent: permitted the same" "$(field "$DAEMON_PID" CapPrm)" 00000000000000e4
check_eq "parent: no_new_privs" "$(field "$DAEMON_PID" NoNewPrivs)" 1
check_eq "parent: its own seccomp filter" "$(field "$DAEMON_PID" Seccomp)" 2
check_eq "parent: nothing inheritable or ambient" \
	"$(field "$DAEMON_PID" CapInh) $(field "$DAEMON_PID" CapAmb)" \
	"0000000000000000 0000000000000000"

ip netns exec "$NS_A" "$SPOOFS" -s 203.0.113.5 -d 198.51.100.10 -p 3-200 >/dev/null
check "confined engine still reports a scan" wait_for "$TMPD/out" \
	'^Possible port scan from 203\.0\.113\.5 to 198\.51\.100\.10( \([A-Za-z0-9._-]+\))?$'

# A reload under the sandbox: the parent reads, the engine applies.
echo "HostScanIgnore 203.0.113.0/24" >>"$CONF"
kill -HUP "$DAEMON_PID"
check "reload under the sandbox" wait_for "$TMPD/err" "configuration reloaded"
ip netns exec "$NS_A" "$SPOOFS" -s 203.0.113.7 -d 198.51.100.10 -p 3-200 >/dev/null
ip netns exec "$NS_A" "$SPOOFS" -s 192.0.2.7 -d 198.51.100.10 -p 3-200 >/dev/null
check "after the reload, a scan from elsewhere is reported" wait_for "$TMPD/out" \
	'^Possible port scan from 192\.0\.2\.7 to'
check_nogrep "and the new ignore rule holds" "$TMPD/out" '203\.0\.113\.7'

# A capture filter that names a host, on reload: the confined engine
# cannot ask DNS, so the reload is refused with the reason, not fatal.
cp "$CONF" "$CONF.keep"
echo 'CaptureFilter "not host scanner.example.invalid"' >>"$CONF"
kill -HUP "$DAEMON_PID"
check "a filter naming a host: reload refused, said" wait_for "$TMPD/err" \
	"reload failed, keeping the old configuration: .*capture filter"
check "and the daemon goes on" kill -0 "$DAEMON_PID"
mv "$CONF.keep" "$CONF"

# ---- helpers killed: noticed at once, restarted ---------------------
kill -9 "$RESOLVER"
check "dead resolver logged with its reason" wait_for "$TMPD/err" \
	"resolver \\(pid $RESOLVER\\) was killed by signal 9"
check "resolver restarted" wait_for "$TMPD/err" "resolver started again"
NEW_RESOLVER=$(child_of "$DAEMON_PID" scandetd-resolv)
check "a new resolver runs" test -n "$NEW_RESOLVER" -a "$NEW_RESOLVER" != "$RESOLVER"
kill -9 "$MAILER"
check "dead mailer logged with its reason" wait_for "$TMPD/err" \
	"mailer \\(pid $MAILER\\) was killed by signal 9"
check "mailer restarted" wait_for "$TMPD/err" "mailer started again"
check "no zombie children" sh -c "! grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | while read f; do awk '/^PPid:/ {print \$2}' \$f; done | grep -qx $DAEMON_PID"
check "daemon still alive" kill -0 "$DAEMON_PID"
ip netns exec "$NS_A" "$SPOOFS" -s 192.0.2.8 -d 198.51.100.10 -p 3-200 >/dev/null
check "still detecting after the restarts" wait_for "$TMPD/out" \
	'^Possible port scan from 192\.0\.2\.8 to'

# ---- a configuration that became a FIFO never hangs the daemon -----
mv "$CONF" "$CONF.real"
mkfifo "$CONF"
kill -HUP "$DAEMON_PID"
check "a FIFO in place of the configuration is refused" wait_for "$TMPD/err" \
	"reload failed, keeping the old configuration: .*not a regular file"
rm -f "$CONF"
mv "$CONF.real" "$CONF"

# ---- systemd's Type=notify, with a listener in its place ------------
# NOTIFY_SOCKET set: scandetd stays in the foreground (no -F) and says
# READY=1 once started, RELOADING=1 then READY=1 around a reload,
# STOPPING=1 at the end.
cat >"$TMPD/notify.py" <<'PYEOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "a") as out:
    while True:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            break
        out.write(msg.replace("\n", " ") + "\n")
        out.flush()
        if "STOPPING=1" in msg:
            break
PYEOF
python3 "$TMPD/notify.py" "$TMPD/notify.sock" "$TMPD/notify.log" &
NOTIFY_PID=$!
i=0
while [ ! -S "$TMPD/notify.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sed "s|^PidFile .*|PidFile $TMPD/notify.pid|" "$CONF" >"$TMPD/notify.conf"
NOTIFY_SOCKET="$TMPD/notify.sock" ip netns exec "$NS_B" "$SCANDETD" \
	-c "$TMPD/notify.conf" -i sdp$$b >/dev/null 2>"$TMPD/notify.err" &
NPID=$!
check "notify: READY=1 once started" wait_for "$TMPD/notify.log" "READY=1"
check "notify: with a status line" wait_for "$TMPD/notify.log" "STATUS=."
check "notify: stays in the foreground" kill -0 "$NPID"
check_eq "notify: the PID file names that process" \
	"$(cat "$TMPD/notify.pid" 2>/dev/null)" "$NPID"
kill -HUP "$NPID"
check "notify: RELOADING=1 on SIGHUP" wait_for "$TMPD/notify.log" "RELOADING=1"
check "notify: then READY=1 again" sh -c \
	"sleep 1; sed -n '/RELOADING=1/,\$p' '$TMPD/notify.log' | grep -q 'READY=1'"
kill -TERM "$NPID"
check "notify: STOPPING=1 on SIGTERM" wait_for "$TMPD/notify.log" "STOPPING=1"
wait "$NPID"
check_eq "notify: clean exit" "$?" 0
wait "$NOTIFY_PID" 2>/dev/null

# ---- the capture's interface deleted: scans end, statistics, exit 1 --
# gone_start NAME [CONF LINE]: a daemon on a fresh veth pair sdqN (its
# PID in GPID, its output in $TMPD/NAME.out and .err)
gone_n=0
gone_start() {
	gone_n=$((gone_n + 1))
	GIF=sdq$gone_n$$
	ip link add ${GIF}a netns "$NS_A" type veth peer name ${GIF}b netns "$NS_B" &&
	ip -n "$NS_A" addr add 192.0.2.20/24 dev ${GIF}a &&
	ip -n "$NS_B" addr add 192.0.2.10/24 dev ${GIF}b &&
	ip -n "$NS_A" link set ${GIF}a up && ip -n "$NS_B" link set ${GIF}b up
	{ sed "s|^PidFile .*|PidFile $TMPD/$1.pid|" "$CONF"
	  [ -n "${2:-}" ] && echo "$2"; } >"$TMPD/$1.conf"
	ip netns exec "$NS_B" "$SCANDETD" -c "$TMPD/$1.conf" -i ${GIF}b -F \
		>"$TMPD/$1.out" 2>"$TMPD/$1.err" &
	GPID=$!
	check "$1: daemon started" wait_for "$TMPD/$1.err" "started on ${GIF}b"
}

# gone_stops NAME: after the deletion, the daemon stops within 10 s,
# exit 1, saying why (killed if it does not, so that nothing waits on it)
gone_stops() {
	i=0
	while kill -0 "$GPID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	check "$1: the daemon stops" test $i -lt 100
	[ $i -lt 100 ] || kill -KILL "$GPID" 2>/dev/null
	wait "$GPID"
	check_eq "$1: exit 1" "$?" 1
	check_grep "$1: the reason is logged" "$TMPD/$1.err" \
		"${GIF}b: The interface disappeared"
}

gone_start gone
ip netns exec "$NS_A" "$SPOOFS" -s 198.51.100.77 -d 192.0.2.10 -p 3-200 >/dev/null
check "gone: a scan is seen first" wait_for "$TMPD/gone.out" \
	'^Possible port scan from 198\.51\.100\.77 to'
ip -n "$NS_B" link del ${GIF}b
gone_stops gone
check_grep "gone: the open scan ends first" "$TMPD/gone.out" \
	'^End of port scan from 198\.51\.100\.77 to'
check_grep "gone: statistics written" "$TMPD/gone.err" \
	'stat packets\.seen [1-9]'

# Set down first, deleted later: libpcap takes the first news (ENETDOWN)
# while the interface is still there, and hears nothing of the deletion
# unless it is called again (capture_poll_limit_ms).  Until stop 28 the
# daemon then ran on, blind, for ever.  Also with Workers 2 (each
# worker's loop polls its own fanout socket).
for w in 1 2; do
	gone_start down$w "Workers $w"
	ip -n "$NS_B" link set ${GIF}b down
	sleep 1
	check "down$w: still running while the interface is only down" \
		kill -0 "$GPID"
	ip -n "$NS_B" link del ${GIF}b
	gone_stops down$w
done

# Down, then up again: the capture goes on and sees what comes next.
gone_start downup
ip -n "$NS_B" link set ${GIF}b down
sleep 1
ip -n "$NS_B" link set ${GIF}b up
sleep 0.5
ip netns exec "$NS_A" "$SPOOFS" -s 198.51.100.78 -d 192.0.2.10 -p 3-200 >/dev/null
check "downup: a scan after the interface came back up is seen" \
	wait_for "$TMPD/downup.out" '^Possible port scan from 198\.51\.100\.78 to'
kill -TERM "$GPID"
wait "$GPID"
check_eq "downup: clean exit" "$?" 0

# ---- a sandbox violation in the engine: which role died, and why ---
ENGINE=$(child_of "$DAEMON_PID" scandetd-engine)
kill -SYS "$ENGINE"
i=0
while kill -0 "$DAEMON_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "the daemon stops when the engine dies" test $i -lt 100
wait "$DAEMON_PID"
check_eq "and exits 1" "$?" 1
DAEMON_PID=""
check_grep "the parent names the role and the signal" "$TMPD/err" \
	"engine \\(pid $ENGINE\\) was killed by signal 31 .*sandbox"

# ---- -r as root, from a FIFO: the engine drops before decoding ------
mkfifo "$TMPD/feed"
"$SCANDETD" -c "$CONF" -r "$TMPD/feed" --json >"$TMPD/r.out" 2>"$TMPD/r.err" &
DAEMON_PID=$!
# The pcap header, then nothing yet: the engine waits for packets.
exec 7<>"$TMPD/feed"
head -c 24 "$DATA/ns2_masscan.pcap" >&7
i=0
while [ -z "$(child_of "$DAEMON_PID" scandetd-engine)" ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
ENGINE=$(child_of "$DAEMON_PID" scandetd-engine)
check "-r: an engine runs" test -n "$ENGINE"
# Its set-up (as root: opening the file) may still be under way: wait,
# boundedly, for it to have confined itself, then look at everything.
i=0
while [ -n "$ENGINE" ] && [ "$(field "$ENGINE" Seccomp)" != 2 ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
[ -n "$ENGINE" ] && confined "-r engine" "$ENGINE"
exec 7>&-
wait "$DAEMON_PID"
check_eq "-r from a FIFO ends cleanly" "$?" 0
DAEMON_PID=""

# ---- a PID file that is a symbolic link is refused, target intact --
echo "precious" >"$TMPD/target"
ln -s "$TMPD/target" "$TMPD/link.pid"
sed "s|^PidFile .*|PidFile $TMPD/link.pid|" "$CONF" >"$TMPD/link.conf"
ip netns exec "$NS_B" "$SCANDETD" -c "$TMPD/link.conf" -i sdp$$b -F \
	>/dev/null 2>"$TMPD/link.err"
check_eq "symbolic-link PID file: start fails" "$?" 1
check_grep "and says why" "$TMPD/link.err" "is a symbolic link"
check_eq "the link's target is untouched" "$(cat "$TMPD/target")" precious

# ---- relative paths survive the change to / ------------------------
mkdir "$TMPD/rel"
chmod 755 "$TMPD/rel"
cat >"$TMPD/rel/rel.conf" <<CONFEOF
RunAsUser $RUN_USER
PidFile rel.pid
JsonLog rel.json
CONFEOF
(cd "$TMPD/rel" && ip netns exec "$NS_B" "$SCANDETD" -c rel.conf -i sdp$$b)
check "detached daemon with relative paths wrote its PID file" \
	wait_for "$TMPD/rel/rel.pid" '^[0-9]+$'
DAEMON_PID=$(cat "$TMPD/rel/rel.pid" 2>/dev/null)
ip netns exec "$NS_A" "$SPOOFS" -s 192.0.2.9 -d 198.51.100.10 -p 3-200 >/dev/null
check "relative JsonLog written after the daemon changed to /" \
	wait_for "$TMPD/rel/rel.json" '"src":"192\.0\.2\.9"'
echo "HostScanIgnore 192.0.2.10" >>"$TMPD/rel/rel.conf"
kill -HUP "$DAEMON_PID"
sleep 1
ip netns exec "$NS_A" "$SPOOFS" -s 192.0.2.10 -d 198.51.100.10 -p 3-200 >/dev/null
ip netns exec "$NS_A" "$SPOOFS" -s 192.0.2.11 -d 198.51.100.10 -p 3-200 >/dev/null
check "relative configuration re-read after the change to /" \
	wait_for "$TMPD/rel/rel.json" '"src":"192\.0\.2\.11"'
check_nogrep "and its new rule in force" "$TMPD/rel/rel.json" '"src":"192\.0\.2\.10"'
kill -TERM "$DAEMON_PID"
i=0
while kill -0 "$DAEMON_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "detached daemon stops on SIGTERM" test $i -lt 50
check "and removes its PID file" test ! -e "$TMPD/rel/rel.pid"
DAEMON_PID=""
finish
