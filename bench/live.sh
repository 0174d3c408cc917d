#!/bin/sh
# bench/live.sh - live capture, measured (`make bench-live`, issue 14).
# See bench/README.md, "Live capture".
#
#   make bench-live                  # or, as root: BUILD=build bench/live.sh
#   BENCH_LIVE_QUICK=1 make bench-live   # two low rates, 1-s steps: < 1 min
#
# A generator namespace sends packets with trafgen (netsniff-ng) over a
# middle namespace that paces them (tbf) to a sensor namespace, at rising
# rates, and at last as fast as trafgen goes;
# at each rate each reader in turn captures on the sensor's end (never two
# at once: they would take each other's CPU) and the kernel's counters say
# how many packets it received and how many it dropped:
#   scandetd       the build's, live (-i), built-in defaults (1 worker)
#   scandetd-N     with BENCH_LIVE_WORKERS_CONF ("Workers 2") added to its
#                  configuration (see below); "n/a" when that is set empty
#   tcpdump        tcpdump -w /dev/null: the ceiling of a libpcap reader
#   scanlogd       Debian's scanlogd, the peer (a raw socket, see README)
# Inputs: (a) spoofed SYNs, (b) a realistic mix (bench/gen mix, replayed).
#
# Variables: BENCH_LIVE_RATES (packets/s, requested), BENCH_LIVE_SECONDS
# (per step), BENCH_LIVE_QUICK, BENCH_LIVE_READERS (a subset, in order),
# BENCH_LIVE_SETTLE (seconds between a reader's start and the step),
# BENCH_LIVE_WORKERS_CONF, BENCH_LIVE_WORKERS_CPUS, BENCH_LIVE_BEFORE /
# BENCH_LIVE_BEFORE_LABEL
# (another scandetd binary as one more reader, "scandetd-before": a
# capture change measured before/after in the same run).
#
# Safety: runs as root; everything happens inside the two namespaces made
# here (named with $$), which have no link to the host's network; the
# destinations are 203.0.113.0/24, the spoofed sources 192.0.2.0/24 and
# 198.51.100.0/24 (documentation ranges only); every trafgen run is bounded
# by rate (tbf, or one CPU's speed), count (-n) and time (timeout).  At exit, also on failure,
# the processes started here are killed by PID and the namespaces deleted.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
OUT=$BUILD/bench/live
RESULTS=$OUT/results.txt
if [ "${BENCH_LIVE_QUICK:-0}" = 1 ]; then
	RATES=${BENCH_LIVE_RATES:-"20000 50000"}
	STEP=${BENCH_LIVE_SECONDS:-1}
else
	RATES=${BENCH_LIVE_RATES:-"50000 100000 150000 200000 300000 max"}
	STEP=${BENCH_LIVE_SECONDS:-4}
fi
READERS=${BENCH_LIVE_READERS:-"scandetd scandetd-N tcpdump scanlogd"}
[ -n "${BENCH_LIVE_BEFORE:-}" ] && READERS="scandetd-before $READERS"
# The N-worker column: this line is appended to scandetd's configuration
# for it.  2 workers, not $(nproc): the column is meant to be the same
# from one machine to the next.  Set empty (BENCH_LIVE_WORKERS_CONF=), the
# column is not run and says n/a.
WORKERS_CONF=${BENCH_LIVE_WORKERS_CONF-Workers 2}
# CPUs: trafgen -P 1 runs on the first (and with it the kernel's path of
# the veths, which runs in the sender's context), the reader on the
# second.  The N-worker reader too by default, so that every column gets
# the same CPU (on 2 cores there is no other one to give it); where there
# are more, BENCH_LIVE_WORKERS_CPUS (a taskset list, "1-4") gives it more.
READER_CPU=1
WORKERS_CPUS=${BENCH_LIVE_WORKERS_CPUS:-$READER_CPU}

die() { echo "bench-live: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, capture)"
for t in trafgen tcpdump scanlogd taskset tc ip timeout python3; do
	command -v "$t" >/dev/null 2>&1 ||
		die "$t is missing (./install-deps.sh installs it)"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (generator and reader apart)"

# wait_for and at_exit from the tests' helpers (the EXIT trap is theirs).
. "$TOP/tests/lib.sh"

NS_G=blive-$$-g
NS_M=blive-$$-m
NS_S=blive-$$-s
DEV_G=blv$$g
DEV_MG=blv$$m
DEV_MS=blv$$n
DEV_S=blv$$s
MAC_G=02:00:00:00:00:02
MAC_S=02:00:00:00:00:01		# bench/gen's destination MAC: see mix.cfg
PIDS=""				# running here, to be killed at exit
SCANLOGD_ROOT=/run/scanlogd/empty	# where Debian's scanlogd chroots
MADE_ROOT=""

teardown() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	# scanlogd detaches: whatever still runs in the sensor namespace was
	# started here (the namespace is this script's own).
	for p in $(ip netns pids "$NS_S" 2>/dev/null); do
		kill "$p" 2>/dev/null || true
	done
	for ns in "$NS_G" "$NS_M"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$p" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	ip netns del "$NS_S" 2>/dev/null || true
	[ -z "$MADE_ROOT" ] || rmdir "$SCANLOGD_ROOT" /run/scanlogd 2>/dev/null || true
	return 0
}
at_exit teardown

mkdir -p "$OUT"
WORK=$TMPD
SCANDETD=$OUT/scandetd
cp "$BUILD/scandetd" "$SCANDETD"
if [ -n "${BENCH_LIVE_BEFORE:-}" ]; then
	cp "$BENCH_LIVE_BEFORE" "$OUT/scandetd-before"
fi

# ---- the test bed ---------------------------------------------------------

# generator G --veth--> M --veth--> sensor S.  M passes every frame on
# (tc mirred) through a tbf qdisc: the pace of the sensor's wire, smooth
# (bursts of 32 frames).  trafgen's own pacing (-b) sends a second's
# packets in one burst at full speed and then sleeps, and its gap (-t)
# tops out near 60k packets/s here; a tbf on the generator's own link
# stalls its TX_RING.  Here tbf drops what comes too fast (its queue is
# one burst), which frees the generator's socket buffer at once.
#
# The sensor holds all of 203.0.113.0/24 as local addresses (scanlogd
# sees only what is addressed to its host) and has no route anywhere
# else: its kernel's answers (RSTs to the spoofed sources) have no way
# out, so the wire carries the generator's packets only.  No IPv6 on the
# links (router solicitations would be noise); no reverse-path filter (it
# would drop the spoofed sources before any socket sees them).
setup() {
	for ns in "$NS_G" "$NS_M" "$NS_S"; do
		ip netns add "$ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
		ip -n "$ns" link set lo up
	done
	ip link add "$DEV_G" netns "$NS_G" address $MAC_G type veth \
		peer name "$DEV_MG" netns "$NS_M"
	ip link add "$DEV_MS" netns "$NS_M" type veth \
		peer name "$DEV_S" netns "$NS_S" address $MAC_S
	ip -n "$NS_G" link set "$DEV_G" up
	ip -n "$NS_M" link set "$DEV_MG" up
	ip -n "$NS_M" link set "$DEV_MS" up
	ip -n "$NS_S" link set "$DEV_S" up
	tc -n "$NS_M" qdisc add dev "$DEV_MG" ingress
	tc -n "$NS_M" filter add dev "$DEV_MG" parent ffff: protocol all \
		u32 match u32 0 0 action mirred egress redirect dev "$DEV_MS"
	ip -n "$NS_S" route add local 203.0.113.0/24 dev lo
}

# cnt NS DEV NAME: an interface counter.
cnt() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }
# tcp_in: TCP segments the sensor's stack took in (Tcp InSegs).
tcp_in() {
	ip netns exec "$NS_S" awk '$1 == "Tcp:" { if (n++) print $11 }' /proc/net/snmp
}
# raw_drops: packets dropped at the sensor's raw sockets (scanlogd's),
# their receive buffer full: the last column of /proc/net/raw.
raw_drops() {
	ip netns exec "$NS_S" awk 'NR > 1 { d += $NF } END { print d + 0 }' \
		/proc/net/raw
}

# ---- the inputs -----------------------------------------------------------

# (a) spoofed SYNs: 512 sources (all of 192.0.2.0/24 and 198.51.100.0/24,
# the two templates alternating), random source and destination ports,
# to a random host of 203.0.113.0/24, random sequence number and IP id;
# trafgen fills the checksums after the random bytes.  54-byte frames.
make_syn_cfg() {
	for net in "192, 0, 2" "198, 51, 100"; do
		cat <<EOF
{
  0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, c16(0x0800),
  0x45, 0x00, c16(40), drnd(2), c16(0x4000), 64, 6, csumip(14, 33),
  $net, drnd(1), 203, 0, 113, drnd(1),
  drnd(2), drnd(2), drnd(4), c32(0), 0x50, 0x02, c16(64240), csumtcp(14, 34), c16(0),
}
EOF
	done
}

# (b) the realistic mix: the first 20,000 packets of bench/gen mix (its
# sessions, scans, DNS, NTP, syslog among 198.51.100.1-250 and
# 203.0.113.1-40; full-size segments), replayed in order, round after
# round (a round is about 5 s of the original traffic).
MIX_PACKETS=20000
make_inputs() {
	make -s --no-print-directory BUILD="$BUILD" "$BUILD/bench/gen"
	make_syn_cfg >"$WORK/syn.cfg"
	SYN_LEN=54
	"$BUILD/bench/gen" mix -n $MIX_PACKETS --seed 1 -o "$WORK/mix.pcap" >/dev/null
	set -- $(python3 bench/pcap2trafgen.py "$WORK/mix.pcap" "$WORK/mix.cfg")
	[ "$1" = $MIX_PACKETS ] || die "mix.cfg: $1 packets"
	MIX_LEN=$2
}

# ---- one step -------------------------------------------------------------

# pace RATE LEN: the sensor's wire at RATE frames/s of LEN bytes (the
# mean); "max": unpaced.
pace() {
	if [ "$1" = max ]; then
		tc -n "$NS_M" qdisc del dev "$DEV_MS" root 2>/dev/null || true
		return
	fi
	burst=$(($2 * 32))
	[ $burst -ge 3100 ] || burst=3100	# two full-size frames
	tc -n "$NS_M" qdisc replace dev "$DEV_MS" root tbf \
		rate $(($1 * $2 * 8))bit burst $burst limit $burst
}

# send CFG RATE LEN: one step: trafgen sends CFG's packets round after
# round as fast as it can (its zero-copy TX_RING path) and M lets RATE
# per second through (pace), for STEP seconds from the first frame on
# (trafgen reads its configuration first: the mix's takes about a
# second).  Bounded by rate, count (-n: 2M/s for the step) and time
# (timeout).  Sets sent (frames put on the sensor's wire) and elapsed
# (ms, from the first frame to the stop).
send() {
	pace "$2" "$3"
	tx0=$(cnt "$NS_M" "$DEV_MS" tx_packets)
	ip netns exec "$NS_G" timeout -s INT $((STEP + 10)) trafgen \
		-o "$DEV_G" -i "$1" -n $((2000000 * STEP)) -P 1 -C \
		>"$WORK/trafgen.log" 2>&1 &
	GEN_PID=$!
	PIDS="$PIDS $GEN_PID"
	i=0
	while [ "$(cnt "$NS_M" "$DEV_MS" tx_packets)" = "$tx0" ]; do
		i=$((i + 1))
		[ $i -lt 500 ] && kill -0 $GEN_PID 2>/dev/null ||
			die "trafgen sent nothing: $(grep -v 'Cannot set' "$WORK/trafgen.log" | tail -n 3)"
		sleep 0.01
	done
	t0=$(date +%s%N)
	sleep "$STEP"
	kill -INT $GEN_PID 2>/dev/null || true
	wait $GEN_PID || true
	t1=$(date +%s%N)
	sent=$(($(cnt "$NS_M" "$DEV_MS" tx_packets) - tx0))
	elapsed=$(((t1 - t0) / 1000000))
}

# Readers.  start_R starts one, pinned to READER_CPU, and waits until it
# captures; stop_R stops it and sets recv (packets the kernel offered it)
# and drop (of those, dropped by the kernel: its buffer was full).

scandetd_conf() {
	cat <<EOF
RunAsUser scandetd
PidFile $WORK/scandetd.pid
EOF
	[ "$1" != scandetd-N ] || printf '%s\n' "$WORKERS_CONF"
}

start_scandetd() {
	bin=$SCANDETD cpus=$READER_CPU
	[ "$1" != scandetd-before ] || bin=$OUT/scandetd-before
	[ "$1" != scandetd-N ] || cpus=$WORKERS_CPUS
	scandetd_conf "$1" >"$WORK/scandetd.conf"
	ip netns exec "$NS_S" taskset -c "$cpus" "$bin" \
		-c "$WORK/scandetd.conf" -i "$DEV_S" -F \
		>/dev/null 2>"$WORK/reader.err" &
	READER_PID=$!
	PIDS="$PIDS $READER_PID"
	wait_for "$WORK/reader.err" "started on $DEV_S" 10 ||
		die "$1 did not start: $(cat "$WORK/reader.err")"
}
stop_scandetd() {
	kill -TERM "$READER_PID"
	wait "$READER_PID" || die "scandetd failed: $(tail -n 5 "$WORK/reader.err")"
	recv=$(sed -n 's/.*stat capture\.received \([0-9]*\)$/\1/p' "$WORK/reader.err" | tail -n 1)
	drop=$(sed -n 's/.*stat capture\.dropped \([0-9]*\)$/\1/p' "$WORK/reader.err" | tail -n 1)
}

# tcpdump as it comes (its default buffer, 2 MiB, and snap length);
# -n: no name lookups.
start_tcpdump() {
	ip netns exec "$NS_S" taskset -c $READER_CPU tcpdump -n -i "$DEV_S" \
		-w /dev/null 2>"$WORK/reader.err" &
	READER_PID=$!
	PIDS="$PIDS $READER_PID"
	wait_for "$WORK/reader.err" "listening on" 10 ||
		die "tcpdump did not start: $(cat "$WORK/reader.err")"
}
stop_tcpdump() {
	kill -INT "$READER_PID"
	wait "$READER_PID" || true
	recv=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter$/\1/p' "$WORK/reader.err")
	drop=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$WORK/reader.err")
}

# scanlogd reads a raw TCP socket (no libpcap, no counters of its own):
# it is offered every TCP segment its host's stack takes in (Tcp InSegs
# of the sensor), and what its socket's full buffer refused is the
# socket's drop count (/proc/net/raw).  It detaches, and logs to
# /dev/log (none on the development machine: its alerts go nowhere).
start_scanlogd() {
	if [ ! -d "$SCANLOGD_ROOT" ]; then
		mkdir -p "$SCANLOGD_ROOT"
		MADE_ROOT=1
	fi
	ip netns exec "$NS_S" taskset -c $READER_CPU scanlogd
	READER_PID=$(ip netns pids "$NS_S")
	[ -n "$READER_PID" ] || die "scanlogd did not start"
	i=0
	while [ "$(ip netns exec "$NS_S" awk 'END { print NR }' /proc/net/raw)" -lt 2 ]; do
		i=$((i + 1))
		[ $i -lt 50 ] || die "scanlogd opened no raw socket"
		sleep 0.1
	done
	in0=$(tcp_in)
	rd0=$(raw_drops)
}
stop_scanlogd() {
	recv=$(($(tcp_in) - in0))
	drop=$(($(raw_drops) - rd0))
	kill -TERM $READER_PID
	i=0
	while kill -0 $READER_PID 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || die "scanlogd does not stop"
		sleep 0.1
	done
}

# CPU time (ms) of processes PID... and all their descendants: what a
# reader spent, threads and child processes (scandetd's packet process)
# included.
tree_cpu_ms() {
	python3 - "$@" <<'PY'
import os, sys
tick = os.sysconf("SC_CLK_TCK")
kids, cpu = {}, {}
for d in os.listdir("/proc"):
    if not d.isdigit():
        continue
    try:
        with open("/proc/%s/stat" % d) as f:
            st = f.read()
    except OSError:
        continue
    rest = st[st.rindex(")") + 2:].split()
    kids.setdefault(int(rest[1]), []).append(int(d))
    cpu[int(d)] = int(rest[11]) + int(rest[12])
todo, total = [int(a) for a in sys.argv[1:]], 0
while todo:
    pid = todo.pop()
    total += cpu.get(pid, 0)
    todo.extend(kids.get(pid, []))
print(total * 1000 // tick)
PY
}

# measure READER CFG RATE LEN: one step with READER capturing; a line
# "input reader rate sent elapsed_ms recv drop lost cpu_ms" to
# $OUT/rows.txt.
measure() {
	kind=$1
	case $kind in scandetd*) kind=scandetd ;; esac
	"start_$kind" "$1"
	rx0=$(cnt "$NS_S" "$DEV_S" rx_packets)
	sleep ${BENCH_LIVE_SETTLE:-0}
	cpu0=$(tree_cpu_ms $READER_PID)
	send "$2" "$3" "$4"
	sleep 1		# the reader drains its buffer
	cpu_ms=$(($(tree_cpu_ms $READER_PID) - cpu0))
	arrived=$(($(cnt "$NS_S" "$DEV_S" rx_packets) - rx0))
	"stop_$kind"
	[ -n "$recv" ] && [ -n "$drop" ] || die "$1: no counters"
	# Frames put on the sensor's wire that never reached its stack (the
	# veth's backlog full) are lost before any reader.
	echo "$1 $3 $sent $elapsed $recv $drop $((sent - arrived)) $cpu_ms" >>"$OUT/rows.txt"
	printf '  %-16s %6s pps asked: %9d sent in %5d ms, %9d offered, %8d dropped, %d lost, %d ms CPU\n' \
		"$1" "$3" "$sent" "$elapsed" "$recv" "$drop" $((sent - arrived)) "$cpu_ms"
}

# ---- the run --------------------------------------------------------------

setup
make_inputs
: >"$OUT/rows.txt"
for input in a b; do
	if [ $input = a ]; then cfg=$WORK/syn.cfg len=$SYN_LEN
	else cfg=$WORK/mix.cfg len=$MIX_LEN; fi
	echo "input ($input):"
	for rate in $RATES; do
		for r in $READERS; do
			if [ "$r" = scandetd-N ] && [ -z "$WORKERS_CONF" ]; then
				continue
			fi
			printf '%s ' "$input" >>"$OUT/rows.txt"
			measure "$r" "$cfg" "$rate" "$len"
		done
	done
done

# ---- the report -----------------------------------------------------------

cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
{
	echo "scandetd live capture benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "scandetd: $BUILD/scandetd, commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- src 2>/dev/null || echo ' with src/ modified')"
	[ -z "${BENCH_LIVE_BEFORE:-}" ] ||
		echo "scandetd-before: $BENCH_LIVE_BEFORE${BENCH_LIVE_BEFORE_LABEL:+ ($BENCH_LIVE_BEFORE_LABEL)}"
	[ -z "$WORKERS_CONF" ] ||
		echo "scandetd-N: the same with \"$WORKERS_CONF\" in its configuration, on CPU $WORKERS_CPUS"
	echo "$(nproc) cores, $cpu, kernel $(uname -r), libpcap $(pkg-config --modversion libpcap 2>/dev/null || echo '?'),"
	echo "$(tcpdump --version 2>&1 | head -n 1), trafgen $(trafgen -v 2>&1 | sed -n 's/.*trafgen \([0-9.]*\).*/\1/p' | head -n 1), scanlogd $(dpkg-query -W -f='${Version}' scanlogd 2>/dev/null || echo '?')"
	echo "steps of $STEP s, frames (a) $SYN_LEN bytes, (b) $MIX_LEN bytes on average; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo ""
	python3 bench/live_report.py "$OUT/rows.txt" "$READERS" "$WORKERS_CONF"
} >"$RESULTS.tmp"
mv "$RESULTS.tmp" "$RESULTS"
echo ""
cat "$RESULTS"
echo ""
echo "bench-live: results in $RESULTS"
