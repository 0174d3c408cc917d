# tests/netns/lib.sh - network namespace test beds: shared shell functions
# for tests/pcap/make_captures.sh, tests/pcap/make_captures2.sh and
# tests/e2e/t_e2e.sh.  Source it from sh (with "local", as dash and bash
# have it) or bash; it needs root, iproute2 and, for captures, tcpdump.
#
#   . tests/netns/lib.sh
#   netns_trap NAME             teardown at exit (or: at_exit netns_cleanup
#                               with tests/lib.sh, which owns the EXIT trap)
#   netns_bridge NS             namespace NS with the bridge br0
#   netns_host NS IFACE ADDR/LEN...
#                               namespace NS (made if new) on the bridge
#   netns_add, netns_addr       a namespace off the bridge, more addresses
#   netns_track PID             a background process to end at teardown
#   netns_cert DIR, netns_services NS LOG [ARGS]
#   netns_with_devlog SOCK CMD...  CMD with /dev/log = SOCK (private syslog)
#                               tests/netns/services.py in NS
#   netns_cap_start NS IFACE FILE / netns_cap_stop   tcpdump
# and for the capture scripts: netns_capture_setup, netns_capture DEST NS
# IFACE / netns_capture_end, netns_capture_run, netns_get.
#
# Safety: every namespace is made here, named by the caller (with $$ in it,
# so that parallel runs do not collide) and recorded; none has a link or a
# route to the host's network.  Teardown kills only the background
# processes recorded with netns_track that are still children of this
# shell, then whatever is left inside the namespaces made here, and deletes
# those namespaces.  Callers use documentation addresses only
# (198.51.100.0/24, 203.0.113.0/24, 192.0.2.0/24, 2001:db8::/32).
#
# Functions return non-zero on failure, so that "set -e" callers stop and
# others can test them.

if [ -n "${BASH_SOURCE:-}" ]; then
	# shellcheck disable=SC2128,SC3028
	NETNS_DIR=$(cd "$(dirname "$BASH_SOURCE")" && pwd)
else
	NETNS_DIR=${NETNS_DIR:-$TOP/tests/netns}
fi
# The distribution's python3: a pyenv shim may not work under ip netns exec.
if [ -z "${PY:-}" ]; then
	PY=/usr/bin/python3
	[ -x "$PY" ] || PY=$(command -v python3)
fi
NETNS_CREATED=""	# namespaces made here, newest first
NETNS_PIDS=""		# background processes started here
NETNS_BR=""		# the bridge's namespace
NETNS_WORK=""		# scratch directory, removed by the trap of netns_trap
NETNS_CAP_PID=""	# the running tcpdump

# inns NS CMD...: run CMD in NS.  In the background, use "ip netns exec"
# itself, so that $! is the PID of CMD (ip execs it).
inns() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

# netns_missing TOOL...: print those of TOOL that are not installed.
netns_missing() {
	local t m=""
	for t in "$@"; do command -v "$t" >/dev/null 2>&1 || m="$m $t"; done
	echo "${m# }"
}

# netns_track PID / netns_untrack PID: record a background process started
# here (to be killed at teardown) / forget it once it has been waited for.
netns_track() { NETNS_PIDS="$NETNS_PIDS $1"; }
netns_untrack() {
	local p keep=""
	for p in $NETNS_PIDS; do [ "$p" = "$1" ] || keep="$keep $p"; done
	NETNS_PIDS=$keep
}

# netns_mine PID: PID is alive (not a zombie) and a child of this shell, so
# it is the process recorded, not another one that got its number since.
netns_mine() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	# shellcheck disable=SC2086
	set -- $st	# state, ppid, ...
	[ "$1" != Z ] && [ "$2" = "$$" ]
}

# netns_add NS [-6]: make namespace NS, lo up.  With -6 it speaks IPv6,
# without DAD (addresses usable at once) or router solicitations (less
# noise); otherwise IPv6 is off in it.
netns_add() {
	ip netns add "$1" || return 1
	NETNS_CREATED="$1 $NETNS_CREATED"
	inns "$1" ip link set lo up || return 1
	if [ "${2:-}" = -6 ]; then
		inns "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.router_solicitations=0 \
			net.ipv6.conf.default.router_solicitations=0
	else
		inns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	fi
}

# netns_bridge NS: namespace NS (no IPv6: it stays silent) with the bridge
# br0 (no STP, no forwarding delay), where netns_host plugs hosts in.
netns_bridge() {
	netns_add "$1" || return 1
	NETNS_BR=$1
	inns "$1" ip link add br0 type bridge stp_state 0 forward_delay 0 || return 1
	inns "$1" ip link set br0 up
}

# netns_addr NS IFACE ADDR/LEN...: more addresses on IFACE (IPv6 ones
# without DAD).
netns_addr() {
	local ns="$1" dev="$2" a
	shift 2
	for a in "$@"; do
		case "$a" in
		*:*) inns "$ns" ip -6 addr add "$a" dev "$dev" nodad || return 1 ;;
		*) inns "$ns" ip addr add "$a" dev "$dev" || return 1 ;;
		esac
	done
}

# netns_host NS IFACE ADDR/LEN...: a veth pair, IFACE in NS and br-IFACE on
# the bridge, with the addresses on IFACE.  NS is made if it is new, with
# IPv6 when an address is IPv6.
netns_host() {
	local ns="$1" dev="$2" v6=""
	shift 2
	case " $* " in *:*) v6=-6 ;; esac
	case " $NETNS_CREATED " in
	*" $ns "*) ;;
	*) netns_add "$ns" $v6 || return 1 ;;
	esac
	inns "$NETNS_BR" ip link add "$dev" type veth peer name "br-$dev" || return 1
	inns "$NETNS_BR" ip link set "$dev" netns "$ns" || return 1
	inns "$NETNS_BR" ip link set "br-$dev" master br0 up || return 1
	inns "$ns" ip link set "$dev" up || return 1
	netns_addr "$ns" "$dev" "$@"
}

# netns_mac NS IFACE: the MAC address of IFACE.
netns_mac() { inns "$1" cat "/sys/class/net/$2/address"; }

# netns_wait_for FILE REGEX [SECONDS]: until FILE has a line matching the
# extended REGEX (default at most 10 s).
netns_wait_for() {
	for _ in $(seq $(( ${3:-10} * 10 ))); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# netns_cert DIR: a self-signed certificate, DIR/cert.pem and DIR/key.pem.
netns_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=target.example" \
		-keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1
}

# netns_services NS LOG [ARGS...]: tests/netns/services.py ARGS in NS in
# the background, output to LOG; returns once it listens (or fails, and
# shows LOG, after 10 s).
netns_services() {
	local ns="$1" log="$2"
	shift 2
	ip netns exec "$ns" "$PY" -u "$NETNS_DIR/services.py" "$@" >"$log" 2>&1 &
	netns_track $!
	netns_wait_for "$log" '^ready$' 10 && return 0
	cat "$log" >&2
	return 1
}

# netns_cap_start NS IFACE FILE: tcpdump on IFACE in NS (-U: each packet
# written as it comes) into FILE, its messages in FILE.err; returns once it
# is listening.
netns_cap_start() {
	rm -f "$3"
	: >"$3.err"
	ip netns exec "$1" tcpdump -i "$2" -n -U -Z root -w "$3" 2>"$3.err" &
	NETNS_CAP_PID=$!
	netns_track $NETNS_CAP_PID
	if ! netns_wait_for "$3.err" "listening on" 5; then
		cat "$3.err" >&2
		return 1
	fi
	sleep 0.3
}

# netns_cap_stop: stop that tcpdump after a second for the last packets
# (SIGINT: it writes out what it has; SIGTERM if it is still there 5 s
# later) and wait for it.
netns_cap_stop() {
	local p="$NETNS_CAP_PID"
	[ -n "$p" ] || return 0
	sleep 1
	kill -INT "$p" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$p" 2>/dev/null; then kill -TERM "$p" 2>/dev/null; fi
	wait "$p" 2>/dev/null || true
	netns_untrack "$p"
	NETNS_CAP_PID=""
}

# netns_cleanup: the teardown.  Ends the recorded processes that are still
# children of this shell (SIGTERM, SIGKILL a second later), then whatever
# is still inside the namespaces made here (started here, directly or not),
# and deletes those namespaces.
netns_cleanup() {
	local p ns alive
	for p in $NETNS_PIDS; do
		netns_mine "$p" && kill "$p" 2>/dev/null
	done
	for _ in $(seq 10); do
		alive=""
		for p in $NETNS_PIDS; do netns_mine "$p" && alive=1; done
		[ -n "$alive" ] || break
		sleep 0.1
	done
	for p in $NETNS_PIDS; do
		netns_mine "$p" && kill -KILL "$p" 2>/dev/null
	done
	for p in $NETNS_PIDS; do wait "$p" 2>/dev/null; done
	NETNS_PIDS=""
	NETNS_CAP_PID=""
	for ns in $NETNS_CREATED; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	NETNS_CREATED=""
	return 0
}

# netns_trap NAME: teardown at exit, also on failure and on SIGINT or
# SIGTERM; also removes $NETNS_WORK, and says "NAME: FAILED (exit N)"
# when the exit status is not 0, on the standard error of this call (kept
# as fd 9: the exit may come while a function's output goes elsewhere).
netns_trap() {
	NETNS_NAME=$1
	exec 9>&2
	trap 'netns_exit' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}
netns_exit() {
	local rc=$?
	set +e
	netns_cleanup
	[ -n "$NETNS_WORK" ] && rm -rf "$NETNS_WORK"
	[ "$rc" -eq 0 ] || echo "$NETNS_NAME: FAILED (exit $rc)" >&9
	exit "$rc"
}

# ------------------------------------------------ for the capture scripts
# netns_capture_setup NAME OUTDIR TOOL...: the start of a capture script.
# Root, ip, tcpdump, python3 and the TOOLs are needed (else it exits 1);
# OUT is OUTDIR, else $OUT, else tests/pcap/data (made, absolute path);
# NETNS_WORK is a new scratch directory; teardown at exit (netns_trap).
netns_capture_setup() {
	local name="$1" dir="$2" missing
	shift 2
	[ "$(id -u)" -eq 0 ] || { echo "$name: must run as root" >&2; exit 1; }
	missing=$(netns_missing ip tcpdump "$PY" "$@")
	[ -z "$missing" ] || { echo "$name: missing tools: $missing" >&2; exit 1; }
	OUT=${dir:-${OUT:-$TOP/tests/pcap/data}}
	mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 1
	NETNS_WORK=$(mktemp -d "/tmp/$name.XXXXXX") || exit 1
	netns_trap "$name"
}

# netns_capture DEST NS IFACE: start capturing on IFACE in NS, for the file
# DEST (written by netns_capture_end); the scratch file is in $NETNS_WORK.
netns_capture() {
	NETNS_CAP_DEST=$1
	netns_cap_start "$2" "$3" "$NETNS_WORK/cur.pcap" || return 1
	NETNS_CAP_T0=$(date +%s.%N)
}

# netns_capture_end: stop it; fail if nothing was captured, else move the
# file to DEST (mode 644) and print a line: name, packets, seconds and
# tcpdump's last word (how many packets the kernel dropped).
netns_capture_end() {
	local n f="$NETNS_WORK/cur.pcap"
	netns_cap_stop
	n=$(tcpdump -nr "$f" 2>/dev/null | wc -l) || return 1
	if [ "$n" -eq 0 ]; then
		echo "no packets captured for $NETNS_CAP_DEST" >&2
		return 1
	fi
	mv "$f" "$NETNS_CAP_DEST" && chmod 644 "$NETNS_CAP_DEST" || return 1
	printf '%-28s %6d packets  %5.1f s  %s\n' "${NETNS_CAP_DEST##*/}" "$n" \
		"$(awk -v a="$NETNS_CAP_T0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" \
		"$(tail -n 1 "$f.err")"
}

# netns_capture_run DEST NS IFACE LOG CMD...: capture on IFACE in NS into
# DEST while CMD runs, CMD's output to LOG.
netns_capture_run() {
	local dest="$1" ns="$2" dev="$3" log="$4"
	shift 4
	netns_capture "$dest" "$ns" "$dev" || return 1
	"$@" >"$log" 2>&1 || return 1
	netns_capture_end
}

# netns_get NS URL...: fetch each URL from NS (at most 3 s each, no
# certificate check): a check that the services answer, and a warm-up of
# the neighbour caches.
netns_get() {
	local ns="$1" u
	shift
	for u in "$@"; do
		inns "$ns" curl -sk -o /dev/null --max-time 3 "$u" || return 1
	done
}

# netns_with_devlog SOCKET CMD...: run CMD in a mount namespace of its own
# where /dev is a small tmpfs with null, zero, full, random, urandom and,
# as /dev/log, SOCKET (a syslog receiver started by the caller), so that
# CMD's syslog(3) goes there and not to the system's log.  CMD is exec'd:
# in the background, $! is its PID.
netns_with_devlog() {
	local sock="$1"
	shift
	unshare --mount --propagation private -- sh -c '
		set -e
		s=$1; shift
		d=$(mktemp -d)
		mount --rbind /dev "$d"
		mount -t tmpfs -o mode=0755,size=64k netns-dev /dev
		for n in null zero full random urandom; do
			: >"/dev/$n"
			mount --bind "$d/$n" "/dev/$n"
		done
		: >/dev/log
		mount --bind "$s" /dev/log
		umount -l "$d"
		rmdir "$d"
		exec "$@"' sh "$sock" "$@"
}
