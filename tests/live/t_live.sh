#!/bin/sh
# Live: scandetd capturing in a network namespace while spoofs, in another,
# sends scans to it.  Checks detection on a real interface, the daemon
# (detaching, PID file, dropping to RunAsUser), SIGHUP reloads (good and
# broken files), SIGUSR1 statistics and SIGTERM shutdown.  LIVE_WORKERS=N
# runs it with Workers N (default 1; t_flood.sh runs with 2); KEEP_ERR=FILE
# keeps the daemon's standard error there (a sanitizer's reports).
#
# Needs root (network namespaces).  Without root it fails, unless
# SCANDETD_SKIP_LIVE=1 says to skip it.  Only documentation addresses are
# used; the namespaces are removed at exit, also on failure.
. "$(dirname "$0")/../lib.sh"

need_root live

NS_A=sd-live-$$-a
NS_B=sd-live-$$-b
DAEMON_PID=""

cleanup() {
	[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	return 0
}
at_exit cleanup

ip netns add "$NS_A" && ip netns add "$NS_B" &&
ip link add sdl$$a netns "$NS_A" type veth peer name sdl$$b netns "$NS_B" &&
ip -n "$NS_A" addr add 198.51.100.20/24 dev sdl$$a &&
ip -n "$NS_B" addr add 198.51.100.10/24 dev sdl$$b &&
ip -n "$NS_A" addr add 2001:db8::20/64 dev sdl$$a nodad &&
ip -n "$NS_B" addr add 2001:db8::10/64 dev sdl$$b nodad &&
ip -n "$NS_A" link set sdl$$a up && ip -n "$NS_B" link set sdl$$b up &&
ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up
check "namespaces set up" test $? -eq 0

# The daemon runs as nobody: its files must be somewhere nobody can write.
chmod 755 "$TMPD"
JSON="$TMPD/events.json"
touch "$JSON" && chown nobody "$JSON"
CONF="$TMPD/scandetd.conf"
cat >"$CONF" <<CONFEOF
RunAsUser nobody
PidFile $TMPD/scandetd.pid
JsonLog $JSON
Workers ${LIVE_WORKERS:-1}
CONFEOF

ip netns exec "$NS_B" "$SCANDETD" -c "$CONF" -i sdl$$b -F \
	>"$TMPD/out" 2>"$TMPD/err" &
DAEMON_PID=$!
check "daemon started" wait_for "$TMPD/err" "started on sdl$$b"
check "PID file holds the daemon's PID" \
	test "$(cat "$TMPD/scandetd.pid" 2>/dev/null)" = "$DAEMON_PID"
# The packet process runs as RunAsUser (an old configuration's nobody
# keeps working); tests/live/t_privsep.sh checks every process in full.
ENGINE=""
for c in $(cat /proc/$DAEMON_PID/task/$DAEMON_PID/children 2>/dev/null); do
	[ "$(cat /proc/$c/comm 2>/dev/null)" = scandetd-engine ] && ENGINE=$c
done
check "a packet process runs" test -n "$ENGINE"
check_eq "it runs as nobody (real, effective, saved uid)" \
	"$(awk '/^Uid:/ {print $2, $3, $4}' /proc/$ENGINE/status)" \
	"$(id -u nobody) $(id -u nobody) $(id -u nobody)"
check_eq "no supplementary groups left" \
	"$(awk '/^Groups:/ {print $2}' /proc/$ENGINE/status)" \
	"$(id -g nobody)"

# The seed's example, live: one spoofed SYN to each port 3..200.
ip netns exec "$NS_A" "$SPOOFS" -s 203.0.113.5 -d 198.51.100.10 -p 3-200 >/dev/null
check "seed example reported on stdout" wait_for "$TMPD/out" \
	'^Possible port scan from 203\.0\.113\.5 to 198\.51\.100\.10( \([A-Za-z0-9._-]+\))?$'
check "and in JsonLog" wait_for "$JSON" \
	'"event":"portscan".*"src":"203\.0\.113\.5","dst":"198\.51\.100\.10"'

# IPv6 and UDP.
ip netns exec "$NS_A" "$SPOOFS" -s 2001:db8::99 -d 2001:db8::10 -p 1000-1100 >/dev/null
check "IPv6 scan reported" wait_for "$TMPD/out" \
	'^Possible port scan from 2001:db8::99 to 2001:db8::10( \([A-Za-z0-9._-]+\))?$'
ip netns exec "$NS_A" "$SPOOFS" -t udp -s 203.0.113.6 -d 198.51.100.10 -p 2000-2100 >/dev/null
check "UDP scan reported" wait_for "$TMPD/out" \
	'^Possible UDP port scan from 203\.0\.113\.6 to 198\.51\.100\.10( \([A-Za-z0-9._-]+\))?$'

# SIGHUP with a changed file: the next scan from an ignored net is not
# reported, one from elsewhere is.
echo "HostScanIgnore 203.0.113.0/24" >>"$CONF"
kill -HUP "$DAEMON_PID"
check "reload logged" wait_for "$TMPD/err" "configuration reloaded"
ip netns exec "$NS_A" "$SPOOFS" -s 203.0.113.7 -d 198.51.100.10 -p 3-200 >/dev/null
ip netns exec "$NS_A" "$SPOOFS" -s 192.0.2.7 -d 198.51.100.10 -p 3-200 >/dev/null
check "scan from a non-ignored source still reported" wait_for "$TMPD/out" \
	'^Possible port scan from 192\.0\.2\.7 to'
check_nogrep "reloaded HostScanIgnore takes effect" "$TMPD/out" '203\.0\.113\.7'

# Packets that came before a reload are judged by the configuration in
# force when they came, those the kernel still holds in a block of its
# ring too (src/params.h, CAPTURE_LATE_US): a scan sent just before the
# reload that ignores its source is reported.
ip netns exec "$NS_A" "$SPOOFS" -s 192.0.2.9 -d 198.51.100.10 -p 3-200 >/dev/null
echo "HostScanIgnore 192.0.2.9" >>"$CONF"
kill -HUP "$DAEMON_PID"
check "a scan just before a reload that ignores it: still reported" \
	wait_for "$TMPD/out" '^Possible port scan from 192\.0\.2\.9 to'
reloads() { grep -c "configuration reloaded" "$TMPD/err"; }
i=0
while [ "$(reloads)" -lt 2 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_eq "and that reload done" "$(reloads)" 2

# SIGHUP with a broken file: the old configuration stays.
echo "CountThreshold many" >>"$CONF"
kill -HUP "$DAEMON_PID"
check "broken reload logged with file:line" wait_for "$TMPD/err" \
	"reload failed, keeping the old configuration: $CONF:[0-9]+: "
ip netns exec "$NS_A" "$SPOOFS" -s 203.0.113.8 -d 198.51.100.10 -p 3-200 >/dev/null
ip netns exec "$NS_A" "$SPOOFS" -s 192.0.2.8 -d 198.51.100.10 -p 3-200 >/dev/null
check "still detecting after a broken reload" wait_for "$TMPD/out" \
	'^Possible port scan from 192\.0\.2\.8 to'
check_nogrep "old ignore rule still in force" "$TMPD/out" '203\.0\.113\.8'

kill -USR1 "$DAEMON_PID"
check "SIGUSR1 statistics" wait_for "$TMPD/err" "stat capture\.dropped 0"
kill -TERM "$DAEMON_PID"
i=0
while kill -0 "$DAEMON_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "SIGTERM stops the daemon" test $i -lt 50
wait "$DAEMON_PID"
check_eq "clean exit status" "$?" 0
DAEMON_PID=""
check_grep "end-of-scan records at shutdown" "$TMPD/out" '^End of port scan from 192\.0\.2\.8'
check_grep "final statistics" "$TMPD/err" "stat alerts\.portscan [1-9]"
check_nogrep "no kernel drops" "$TMPD/err" "stat capture\.dropped [1-9]"

# Detached daemon: forks, writes its own PID, stops on SIGTERM.
rm -f "$TMPD/scandetd.pid"
sed -i '/CountThreshold many/d' "$CONF"
ip netns exec "$NS_B" "$SCANDETD" -c "$CONF" -i sdl$$b
check_eq "detaching start exits 0" "$?" 0
check "detached daemon wrote its PID file" wait_for "$TMPD/scandetd.pid" '^[0-9]+$'
DAEMON_PID=$(cat "$TMPD/scandetd.pid" 2>/dev/null)
check "detached daemon is alive" kill -0 "$DAEMON_PID"
ip netns exec "$NS_A" "$SPOOFS" -s 192.0.2.9 -d 198.51.100.10 -p 3-200 >/dev/null
check "detached daemon reports to JsonLog" wait_for "$JSON" '"src":"192\.0\.2\.9"'
check_eq "a second instance refuses to start" \
	"$(ip netns exec "$NS_B" "$SCANDETD" -c "$CONF" -i sdl$$b -F 2>&1 | grep -c 'already running')" 1
kill -TERM "$DAEMON_PID"
i=0
while kill -0 "$DAEMON_PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "detached daemon stops on SIGTERM" test $i -lt 50
DAEMON_PID=""
[ -n "$KEEP_ERR" ] && cp "$TMPD/err" "$KEEP_ERR"
finish
