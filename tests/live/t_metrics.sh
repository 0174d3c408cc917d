#!/bin/sh
# MetricsListen, live: scandetd captures in a namespace, a real scan comes
# in, and
#  - /metrics answers in the Prometheus text format, which promtool
#    accepts, with every statistic in a family of its own (no catch-all
#    scandetd_stat), on a port below 1024 bound by the parent while the
#    metrics process runs as scandetd with no capabilities, no_new_privs
#    and its seccomp filter;
#  - the counters match what happened (the scan's alert, packets seen);
#  - hostile scrapers (idle connections from one address, a flood of
#    connections from many, a huge request) cost them a refusal or a
#    timeout, never the daemon: a scan during the attack is still
#    reported at once, a scrape from another address still answered;
#  - a killed metrics process is started again with the counters intact
#    (they live in the packet process's page);
#  - a real Prometheus server (Debian's prometheus) scrapes it and
#    answers a query for the scan's alert through its HTTP API;
#  - an address in use stops the start with MetricsListen named; -r
#    binds nothing.
#
# Needs root (network namespaces).  Without root it fails, unless
# SCANDETD_SKIP_LIVE=1 says to skip it.  Documentation addresses only;
# every generator bounded in rate and count; the namespaces and the
# processes started here go at exit, also on failure.
. "$(dirname "$0")/../lib.sh"

need_root metrics
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

NS_A=sd-metr-$$-a		# the scanner
NS_B=sd-metr-$$-b		# the sensor, its own target
DEV_A=sdm$$a
DEV_B=sdm$$b
SCANNER=198.51.100.20
TARGET=198.51.100.10
PORT=907			# below 1024: bound as root by the parent
URL=http://127.0.0.1:$PORT/metrics
PROM_PORT=19090
DAEMON_PID=""
PROM_PID=""
BG_PIDS=""

cleanup() {
	for p in $BG_PIDS $PROM_PID $DAEMON_PID; do kill "$p" 2>/dev/null; done
	for p in $BG_PIDS $PROM_PID $DAEMON_PID; do wait "$p" 2>/dev/null; done
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	return 0
}
at_exit cleanup

inb() { ip netns exec "$NS_B" "$@"; }
# scrape FILE [FROM]: GET /metrics into FILE (from the address FROM);
# its HTTP status on stdout.
scrape() {
	inb curl -s -m 5 ${2:+--interface "$2"} -o "$1" -w '%{http_code}' "$URL"
}
# metric FILE SAMPLE: the value of the sample (name and labels, exactly).
metric() { awk -v s="$2" '$1 == s { print $2 }' "$1"; }

ip netns add "$NS_A" && ip netns add "$NS_B" &&
ip link add "$DEV_A" netns "$NS_A" type veth peer name "$DEV_B" netns "$NS_B" &&
ip -n "$NS_A" addr add $SCANNER/24 dev "$DEV_A" &&
ip -n "$NS_B" addr add $TARGET/24 dev "$DEV_B" &&
ip -n "$NS_A" link set "$DEV_A" up && ip -n "$NS_B" link set "$DEV_B" up &&
ip -n "$NS_A" link set lo up && ip -n "$NS_B" link set lo up
check "namespaces set up" test $? -eq 0

chmod 755 "$TMPD"
JSON="$TMPD/events.json"
touch "$JSON" && chown scandetd "$JSON"
CONF="$TMPD/scandetd.conf"
cat >"$CONF" <<CONFEOF
RunAsUser scandetd
PidFile $TMPD/scandetd.pid
JsonLog $JSON
MetricsListen 127.0.0.1:$PORT
CONFEOF

# ip execs scandetd: $! is the daemon's parent process.
ip netns exec "$NS_B" "$SCANDETD" -c "$CONF" -i "$DEV_B" -F \
	>"$TMPD/out" 2>"$TMPD/err" &
DAEMON_PID=$!
check "daemon started" wait_for "$TMPD/err" "started on $DEV_B"
check_grep "start says where the metrics are" "$TMPD/err" \
	"metrics at http://127.0.0.1:$PORT/metrics"

# ---- the metrics process ------------------------------------------------
MPID=$(pgrep -P "$DAEMON_PID" -x scandetd-metric)
check "a metrics process runs" test -n "$MPID"
status_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
if [ -n "$MPID" ]; then
	check_eq "metrics process runs as scandetd" \
		"$(status_of "$MPID" Uid)" "$(id -u scandetd)"
	check_eq "metrics process: no capabilities" \
		"$(status_of "$MPID" CapEff)" 0000000000000000
	check_eq "metrics process: no_new_privs" "$(status_of "$MPID" NoNewPrivs)" 1
	check_eq "metrics process: seccomp filter" "$(status_of "$MPID" Seccomp)" 2
	# Its descriptors beyond standard error (the daemon's log under
	# -F): the listening socket, its socket to the parent, syslog's,
	# epoll; no file.
	files=$(ls -l "/proc/$MPID/fd" | awk 'NR > 1 && $9 > 2 { print $NF }' |
		grep -Ev '^(socket|anon_inode|/dev/null|/memfd)' | tr '\n' ' ')
	check_eq "metrics process holds no file" "$files" ""
fi

# ---- a scrape, before and after a scan ----------------------------------
sleep 1.2	# the first publish
check_eq "GET /metrics: 200" "$(scrape "$TMPD/m0")" 200
check "promtool accepts the exposition" sh -c "promtool check metrics <'$TMPD/m0'"
check_nogrep "every statistic has a family (no scandetd_stat)" "$TMPD/m0" '^scandetd_stat\{'
check_eq "engine publishes" "$(metric "$TMPD/m0" 'scandetd_process_up{process="engine"}')" 1
check_eq "no portscan yet" "$(metric "$TMPD/m0" 'scandetd_alerts_total{kind="portscan"}')" 0
check_eq "table size as configured" \
	"$(metric "$TMPD/m0" 'scandetd_table_slots{table="trw.sources"}')" 65536
inb curl -s -m 5 -D "$TMPD/h0" -o /dev/null "$URL"
check_grep "content type of the text format" "$TMPD/h0" \
	'^Content-Type: text/plain; version=0.0.4; charset=utf-8'
check_eq "other paths: 404" \
	"$(inb curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:$PORT/x)" 404
check_eq "POST: 405" "$(inb curl -s -m 5 -o /dev/null -w '%{http_code}' \
	-d a=b "$URL")" 405

ip netns exec "$NS_A" "$SPOOFS" -q -s $SCANNER -d $TARGET -p 1-300 -r 2000
check "scan reported" wait_for "$JSON" '"event":"portscan"'
ok=""
for _ in $(seq 30); do
	scrape "$TMPD/m1" >/dev/null
	[ "$(metric "$TMPD/m1" 'scandetd_alerts_total{kind="portscan"}')" = 1 ] && { ok=1; break; }
	sleep 0.2
done
check "the scan's alert counted within 6 s" test -n "$ok"
# The alert comes after the first probes, and the page is at most a
# second old: the scan's last packets may show in the next one.
for _ in $(seq 30); do
	seen=$(metric "$TMPD/m1" scandetd_packets_seen_total)
	[ "${seen:-0}" -ge 300 ] && break
	sleep 0.2
	scrape "$TMPD/m1" >/dev/null
done
check "the scan's 300 packets counted within 6 s (seen $seen)" test "${seen:-0}" -ge 300
ifseen=$(metric "$TMPD/m1" "scandetd_interface_received_total{interface=\"$DEV_B\"}")
check "per-interface counter, labelled $DEV_B ($ifseen)" test "${ifseen:-0}" -ge 300
check "promtool accepts it after the scan" sh -c "promtool check metrics <'$TMPD/m1'"

# ---- hostile scrapers -----------------------------------------------------
# 30 idle connections from 127.0.0.2 (4 may stay: per-address limit), a
# 1 MiB request line from 127.0.0.3, then a scrape from 127.0.0.1 and a
# second scan, both while the idle ones still hang.
ip netns exec "$NS_B" "$PY" - "$PORT" >"$TMPD/hostile" 2>&1 <<'PYEOF' &
import socket, sys, time
port = int(sys.argv[1])
held = []
for i in range(30):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    try:
        s.connect(("127.0.0.1", port))
        held.append(s)
    except OSError:
        pass
big = socket.socket()
big.bind(("127.0.0.3", 0))
big.connect(("127.0.0.1", port))
big.settimeout(5)
try:
    big.sendall(b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\n\r\n")
except OSError:
    pass
try:
    reply = big.recv(64)
except OSError:
    reply = b""
print("big:", reply.split(b"\r\n")[0].decode(errors="replace") or "closed")
print("connected", len(held))
sys.stdout.flush()
time.sleep(8)
alive = 0
for s in held:
    s.settimeout(0.01)
    try:
        if s.recv(1) != b"":
            alive += 1	# an answer to nothing: open, and wrong
    except socket.timeout:
        alive += 1	# nothing yet: still open
    except OSError:
        pass		# reset: closed
print("still open after 8 s:", alive)
PYEOF
BG_PIDS=$!
check "hostile client ran" wait_for "$TMPD/hostile" '^connected'
check_grep "a 1 MiB request is refused, not read" "$TMPD/hostile" \
	'^big: (HTTP/1.1 (414|431|400)|closed)'
t0=$(date +%s%N)
check_eq "a scrape from another address meanwhile: 200" \
	"$(scrape "$TMPD/m2" 127.0.0.1)" 200
t1=$(date +%s%N)
check "... at once (in $(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 2000
ip netns exec "$NS_A" "$SPOOFS" -q -s 198.51.100.21 -d $TARGET -p 1-300 -r 2000
check "a scan during the attack is reported" wait_for "$JSON" \
	'"event":"portscan".*"src":"198.51.100.21"' 5
wait "$BG_PIDS" 2>/dev/null
BG_PIDS=""
check_grep "idle connections are closed within the timeout" "$TMPD/hostile" \
	'^still open after 8 s: 0$'
check_eq "scrapes work after the attack" "$(scrape "$TMPD/m3")" 200

# ---- the metrics process dies: started again, counters intact ------------
MPID=$(pgrep -P "$DAEMON_PID" -x scandetd-metric)
kill -KILL "$MPID" 2>/dev/null
check "metrics process restarted" wait_for "$TMPD/err" "metrics started again" 5
ok=""
for _ in $(seq 30); do
	[ "$(scrape "$TMPD/m4")" = 200 ] && { ok=1; break; }
	sleep 0.2
done
check "scrapes work after the restart" test -n "$ok"
MPID=$(pgrep -P "$DAEMON_PID" -x scandetd-metric)
check_eq "counters survive the restart" \
	"$(metric "$TMPD/m4" 'scandetd_alerts_total{kind="portscan"}')" 2

# ---- a real Prometheus ------------------------------------------------------
if command -v prometheus >/dev/null 2>&1; then
	mkdir -p "$TMPD/prom"
	cat >"$TMPD/prom/prometheus.yml" <<PROMEOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: scandetd
    static_configs:
      - targets: ['127.0.0.1:$PORT']
PROMEOF
	ip netns exec "$NS_B" prometheus --config.file="$TMPD/prom/prometheus.yml" \
		--storage.tsdb.path="$TMPD/prom/data" \
		--web.listen-address=127.0.0.1:$PROM_PORT \
		>"$TMPD/prom/log" 2>&1 &
	PROM_PID=$!
	Q="http://127.0.0.1:$PROM_PORT/api/v1/query"
	ok=""
	for _ in $(seq 60); do
		inb curl -s -m 2 -G "$Q" \
			--data-urlencode 'query=scandetd_alerts_total{kind="portscan"}' \
			>"$TMPD/prom/answer" 2>/dev/null
		grep -q '"value":\[[0-9.]*,"2"\]' "$TMPD/prom/answer" && { ok=1; break; }
		sleep 0.5
	done
	check "Prometheus scraped it and answers the query" test -n "$ok"
	[ -n "$ok" ] || { cat "$TMPD/prom/answer"; tail -5 "$TMPD/prom/log"; }
	inb curl -s -m 2 -G "$Q" --data-urlencode 'query=up{job="scandetd"}' \
		>"$TMPD/prom/up" 2>/dev/null
	check_grep "Prometheus sees the target up" "$TMPD/prom/up" '"value":\[[0-9.]*,"1"\]'
	kill "$PROM_PID" 2>/dev/null
	wait "$PROM_PID" 2>/dev/null
	PROM_PID=""
else
	fail prometheus "prometheus is not installed (install-deps.sh installs it)"
fi

# ---- start-up errors; -r ---------------------------------------------------
# The port is the running daemon's: a second start must fail, naming it.
CONF2="$TMPD/second.conf"
printf 'PidFile ""\nMetricsListen 127.0.0.1:%s\n' $PORT >"$CONF2"
inb "$SCANDETD" -c "$CONF2" -i lo -F >"$TMPD/out2" 2>"$TMPD/err2"
check "an address in use stops the start" test $? -ne 0
check_grep "... naming MetricsListen, file and line" "$TMPD/err2" \
	"^scandetd: $CONF2:2: MetricsListen: 127.0.0.1:$PORT: Address already in use$"
inb "$SCANDETD" -c "$CONF2" -r "$DATA/ns2_masscan.pcap" >"$TMPD/out3" 2>&1
check "-r binds nothing (the port is taken, it still runs)" test $? -eq 0

kill "$DAEMON_PID"
wait "$DAEMON_PID"
check "daemon stopped cleanly" test $? -eq 0
DAEMON_PID=""
check "the metrics process left with it" sh -c "! kill -0 '$MPID' 2>/dev/null"
finish
