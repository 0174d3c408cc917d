#!/bin/sh
# tests/ecs/t_ecs_live.sh - JsonFormat ecs on a live capture: what -r
# cannot show.  A sensor namespace with one veth link to a scanner
# namespace (198.51.100.0/24); scandetd -F -i veth-ecs with JsonFormat ecs
# and a JsonLog, running as nobody under its sandbox; spoofs scans it.
# The portscan document must pass check_ecs.py, name the capture
# interface (observer.ingress.interface.name), carry the host name taken
# before the sandbox (observer.hostname) and the log line of standard
# output as its message; the JsonLog must hold nothing else but ECS
# documents.
#
# Needs root (network namespaces); without it it fails, unless
# SCANDETD_SKIP_LIVE=1 says to skip it.  Documentation addresses only;
# spoofs sends 198 probes at its default 1000 a second; the namespaces go
# at exit, also on failure.
. "$(dirname "$0")/../lib.sh"
CHECKER="$TOP/tests/ecs/check_ecs.py"

need_root ecs_live

NS_S=sd-ecs-$$-s
NS_A=sd-ecs-$$-a
DAEMON_PID=""

cleanup() {
	if [ -n "$DAEMON_PID" ]; then
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID"
	fi
	for ns in "$NS_S" "$NS_A"; do ip netns del "$ns" 2>/dev/null; done
	return 0
}
at_exit cleanup

ip netns add "$NS_S" && ip netns add "$NS_A" &&
ip link add up-ecs netns "$NS_A" type veth peer name veth-ecs netns "$NS_S" &&
ip -n "$NS_S" addr add 198.51.100.10/24 dev veth-ecs &&
ip -n "$NS_A" addr add 198.51.100.20/24 dev up-ecs &&
ip -n "$NS_S" link set lo up && ip -n "$NS_A" link set lo up &&
ip -n "$NS_S" link set veth-ecs up && ip -n "$NS_A" link set up-ecs up
check "namespaces set up" test $? -eq 0

# The daemon runs as nobody: its files where nobody can write.
chmod 755 "$TMPD"
JSON="$TMPD/events.json"
touch "$JSON" && chown nobody "$JSON"
cat >"$TMPD/scandetd.conf" <<CONFEOF
RunAsUser nobody
PidFile $TMPD/scandetd.pid
JsonLog $JSON
JsonFormat ecs
CONFEOF

ip netns exec "$NS_S" "$SCANDETD" -c "$TMPD/scandetd.conf" -F -i veth-ecs \
	>"$TMPD/out" 2>"$TMPD/err" &
DAEMON_PID=$!
check "started on veth-ecs" wait_for "$TMPD/err" \
	"started on veth-ecs, running as"
ip netns exec "$NS_A" "$SPOOFS" -q -s 198.51.100.20 -d 198.51.100.10 -p 3-200
check "scan reported as an ECS document" wait_for "$JSON" \
	'"action":"portscan".*"source":\{"ip":"198\.51\.100\.20"'
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
check_eq "stopped cleanly" "$?" 0
DAEMON_PID=""

grep '"action":"portscan"' "$JSON" >"$TMPD/scan.ecs"
grep '^Possible port scan from 198\.51\.100\.20 ' "$TMPD/out" >"$TMPD/scan.text"
check_eq "one scan, one document" "$(wc -l <"$TMPD/scan.ecs")" 1
if python3 "$CHECKER" "$TMPD/scan.ecs" --untimed --text "$TMPD/scan.text" \
	>"$TMPD/check" 2>&1; then
	pass "the scan's document is valid ECS, message the log line"
else
	fail "the scan's document is valid ECS" "$(cat "$TMPD/check")"
fi
field() {
	python3 -c 'import json, sys
d = json.loads(open(sys.argv[1]).readline())
for k in sys.argv[2].split("."):
    d = d.get(k, {}) if isinstance(d, dict) else {}
print(d)' "$TMPD/scan.ecs" "$1"
}
check_eq "observer.ingress.interface.name" \
	"$(field observer.ingress.interface.name)" veth-ecs
check_eq "observer.hostname" "$(field observer.hostname)" \
	"$(ip netns exec "$NS_S" hostname)"
check_eq "threat.technique.id" "$(field threat.technique.id)" "['T1046']"
if python3 "$CHECKER" "$JSON" >"$TMPD/all" 2>&1; then
	pass "every document of the JsonLog is valid ECS: $(tail -n 1 "$TMPD/all")"
else
	fail "every document of the JsonLog is valid ECS" "$(cat "$TMPD/all")"
fi
finish
