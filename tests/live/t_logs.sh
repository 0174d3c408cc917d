#!/bin/sh
# Logs that survive rotation, and each event in each sink once.
#
# A live daemon (-F --json, JsonLog, RunAsUser scandetd) in a network
# namespace while spoofs scans it from a second one, connection logging
# on, so that events keep coming while the files move:
#   - the JsonLog it creates is 0640 root:adm (group adm when it exists),
#     even under umask 077;
#   - renamed while events flow, then SIGHUP: the daemon writes a new file
#     (created by the confined parent, 0640 root:adm again);
#   - Debian's real logrotate on contrib/scandetd.logrotate (paths moved
#     into the test's directory), with its own state file, logrotate -f:
#     the file rotated, the new one written;
#   - at the end, every event of standard output is in exactly one of the
#     three files, every line of them whole JSON: none lost, none cut,
#     none twice.
# Then, without a network: -r with a configuration naming a JsonLog does
# not touch it (--json-log does append); -F writes events to standard
# output only and nothing to syslog (a private /dev/log receiver), while
# -F --syslog does write there.
#
# Needs root.  Only documentation addresses; namespaces removed at exit.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/netns/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	fail logs "needs root (network namespaces, privilege drop)"
	finish
fi
if ! command -v logrotate >/dev/null; then
	fail logs "no logrotate (Debian: logrotate; install-deps.sh)"
	finish
fi
if ! getent passwd scandetd >/dev/null; then
	fail logs "no user scandetd (contrib/scandetd-adduser creates it)"
	finish
fi
GROUP=adm
getent group adm >/dev/null || GROUP=root

NS_A=sd-logs-$$-a
NS_B=sd-logs-$$-b
DAEMON_PID=""
GEN_PID=""
RECV_PID=""
cleanup() {
	[ -n "$GEN_PID" ] && kill "$GEN_PID" 2>/dev/null
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null
	[ -n "$RECV_PID" ] && kill "$RECV_PID" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	return 0
}
at_exit cleanup

ip netns add "$NS_A" && ip netns add "$NS_B" &&
ip link add sdl$$a netns "$NS_A" type veth peer name sdl$$b netns "$NS_B" &&
ip -n "$NS_A" addr add 198.51.100.20/24 dev sdl$$a &&
ip -n "$NS_B" addr add 198.51.100.10/24 dev sdl$$b &&
ip -n "$NS_A" link set sdl$$a up && ip -n "$NS_B" link set sdl$$b up &&
ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up
check "namespaces set up" test $? -eq 0

# logrotate wants the log's directory not writable by others.
chmod 755 "$TMPD"
LOGD=$TMPD/log
mkdir -m 755 "$LOGD"
JSON=$LOGD/events.json
CONF=$TMPD/scandetd.conf
cat >"$CONF" <<EOF
RunAsUser scandetd
PidFile $TMPD/scandetd.pid
JsonLog $JSON
LogConnections yes
AlertLimit 0 60
EOF

# lines FILE: its number of lines (0 if missing).
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
owner() { stat -c '%U %G %a' "$1" 2>/dev/null; }
scan() { inns "$NS_A" "$SPOOFS" -q -r 2000 -s "$1" -d 198.51.100.10 -p "$2"; }

# ---- start: the file it creates ---------------------------------------

( umask 077; exec ip netns exec "$NS_B" "$SCANDETD" -c "$CONF" -i sdl$$b -F \
	--json >"$TMPD/out" 2>"$TMPD/err" ) &
DAEMON_PID=$!
check "daemon started" wait_for "$TMPD/err" "started on sdl$$b"
check_eq "JsonLog created 0640 root:$GROUP (umask 077 all the same)" \
	"$(owner "$JSON")" "root $GROUP 640"

# ---- renamed while events flow, then SIGHUP ---------------------------

# 20 sources one after the other, 40 connection attempts each: the
# generator runs on while the file moves.
( for i in $(seq 1 20); do scan 203.0.113.$i 1000-1039; sleep 0.1; done ) &
GEN_PID=$!
check "events flow into the JsonLog" wait_for "$JSON" '"src":"203\.0\.113\.4"'
mv "$JSON" "$LOGD/events.json.renamed"
kill -HUP "$DAEMON_PID"
check "SIGHUP: reopened, said" wait_for "$TMPD/err" "JsonLog $JSON reopened"
check "and the configuration re-read (SIGHUP's first job)" \
	wait_for "$TMPD/err" "configuration reloaded"
check "the new file gets events" wait_for "$JSON" '"event"'
check_eq "the new file, made by the confined parent: 0640 root:$GROUP" \
	"$(owner "$JSON")" "root $GROUP 640"
wait "$GEN_PID"
GEN_PID=""
check "the last source reaches the new file" \
	wait_for "$JSON" '"event":"portscan".*"src":"203\.0\.113\.20"'
check "the renamed file got events before" test "$(lines "$LOGD/events.json.renamed")" -gt 0

# ---- logrotate, for real ----------------------------------------------

sed -e "s|/var/log/scandetd/|$LOGD/|" -e "s|/run/scandetd.pid|$TMPD/scandetd.pid|" \
	"$TOP/contrib/scandetd.logrotate" >"$TMPD/logrotate.conf"
check "the snippet's paths moved into the test" \
	grep -q "$TMPD/scandetd.pid" "$TMPD/logrotate.conf"
BEFORE=$(lines "$JSON")
logrotate -s "$TMPD/logrotate.state" -f "$TMPD/logrotate.conf" >"$TMPD/logrotate.out" 2>&1
check_eq "logrotate -f: exit status" "$?" 0
check "logrotate: the file rotated to events.json.1" test -s "$LOGD/events.json.1"
check "logrotate: its state file written" grep -q "$JSON" "$TMPD/logrotate.state"
# reopened N: the daemon has said N times that it reopened the file.
reopened() {
	i=0
	while [ "$(grep -c "JsonLog $JSON reopened" "$TMPD/err")" -lt "$1" ] &&
	      [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(grep -c "JsonLog $JSON reopened" "$TMPD/err")" -eq "$1" ]
}
check "logrotate's postrotate SIGHUP: reopened (a second time)" reopened 2
check_eq "logrotate's create: 0640 root:$GROUP" "$(owner "$JSON")" "root $GROUP 640"
scan 203.0.113.99 2000-2039
check "after the rotation, events go to the new file" \
	wait_for "$JSON" '"event":"portscan".*"src":"203\.0\.113\.99"'
check_nogrep "and not to the rotated one" "$LOGD/events.json.1" '203\.0\.113\.99'
check "the rotated file has what came before" test "$(lines "$LOGD/events.json.1")" -ge "$BEFORE"

kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
check_eq "daemon stopped cleanly" "$?" 0
DAEMON_PID=""

# ---- every event in exactly one file, whole --------------------------

cat "$LOGD/events.json.renamed" "$LOGD/events.json.1" "$JSON" | sort >"$TMPD/files"
grep '^{' "$TMPD/out" | sort >"$TMPD/stdout"
check "standard output has every attempt (21 x 40) and more" \
	test "$(grep -c '"event":"connection"' "$TMPD/stdout")" -ge 840
check_eq "the three files hold exactly standard output's events" \
	"$(cmp "$TMPD/files" "$TMPD/stdout" >/dev/null 2>&1 && echo same || diff "$TMPD/files" "$TMPD/stdout" | head -n 5)" same
check_eq "no event twice" "$(uniq -d "$TMPD/files" | wc -l)" 0
python3 - "$LOGD/events.json.renamed" "$LOGD/events.json.1" "$JSON" >"$TMPD/py" 2>&1 <<'EOF'
import json, sys
bad = 0
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        bad += 1
    for line in data.splitlines():
        try:
            json.loads(line)
        except ValueError:
            bad += 1
print(bad)
EOF
check_eq "every line of the three files is whole JSON" "$(cat "$TMPD/py")" 0
check_eq "each source's scan reported once in all" \
	"$(grep -c '"event":"portscan"' "$TMPD/files")" 21

# ---- -r leaves the production JsonLog alone ---------------------------

"$SPOOFS" -q -w "$TMPD/scan.pcap" -s 203.0.113.50 -d 198.51.100.10 -p 3-200
SUM=$(md5sum <"$JSON")
"$SCANDETD" -c "$CONF" -r "$TMPD/scan.pcap" >"$TMPD/r.out" 2>"$TMPD/r.err"
check_eq "-r with the daemon's configuration: exit status" "$?" 0
check_grep "-r: the events on standard output" "$TMPD/r.out" \
	'^([0-9-]+T[0-9:.]+Z )?Possible port scan from 203\.0\.113\.50'
check_eq "-r: the JsonLog untouched" "$(md5sum <"$JSON")" "$SUM"
"$SCANDETD" -c "$CONF" -r "$TMPD/scan.pcap" --json-log >/dev/null 2>&1
check_grep "-r --json-log: appended to it" "$JSON" '"src":"203\.0\.113\.50"'
"$SCANDETD" -c /dev/null -r "$TMPD/scan.pcap" --json-log >/dev/null 2>"$TMPD/nolog.err"
check_eq "--json-log without a JsonLog: a usage error" "$?" 2
check_grep "  ... saying so" "$TMPD/nolog.err" 'configuration sets no JsonLog'

# ---- -F: each event to each sink once --------------------------------

# A syslog receiver on a socket of ours, mounted as /dev/log for the
# daemon only (tests/netns/lib.sh netns_with_devlog).
cat >"$TMPD/recv.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n")
EOF
python3 "$TMPD/recv.py" "$TMPD/log.sock" "$TMPD/syslog" &
RECV_PID=$!
i=0
while [ ! -S "$TMPD/log.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
printf 'RunAsUser scandetd\nPidFile ""\n' >"$TMPD/fg.conf"

# fg NAME SRC ARGS...: a foreground daemon, a scan from SRC, stopped.
fg() {
	n=$1 src=$2
	shift 2
	netns_with_devlog "$TMPD/log.sock" ip netns exec "$NS_B" "$SCANDETD" \
		-c "$TMPD/fg.conf" -i sdl$$b -F "$@" >"$TMPD/$n.out" 2>"$TMPD/$n.err" &
	DAEMON_PID=$!
	wait_for "$TMPD/$n.err" "started on sdl$$b" || return 1
	scan "$src" 3-200
	wait_for "$TMPD/$n.out" "^Possible port scan from $src " || return 1
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID"
	DAEMON_PID=""
}
fg plain 203.0.113.60
check_eq "-F: the scan once on standard output" \
	"$(grep -c '^Possible port scan from 203\.0\.113\.60 ' "$TMPD/plain.out")" 1
check_grep "-F: diagnostics on standard error" "$TMPD/plain.err" 'started on'
check_nogrep "-F: nothing of it in syslog" "$TMPD/syslog" '203\.0\.113\.60|started on'
fg both 203.0.113.61 --syslog
check_eq "-F --syslog: the scan once on standard output" \
	"$(grep -c '^Possible port scan from 203\.0\.113\.61 ' "$TMPD/both.out")" 1
check_eq "-F --syslog: and once in syslog" \
	"$(grep -c 'scandetd\[[0-9]*\]: Possible port scan from 203\.0\.113\.61 ' "$TMPD/syslog")" 1
check_grep "-F --syslog: diagnostics in syslog too" "$TMPD/syslog" \
	'scandetd\[[0-9]*\]: scandetd .* started on'

for f in "$TMPD"/*.err "$TMPD/err"; do
	grep -q 'Sanitizer' "$f" && fail "sanitizers: ${f##*/}" "$(grep -m 3 Sanitizer "$f")"
done
finish
