#!/bin/sh
# Start-up that shows its failures (issue: an admin's first day).  For
# each broken configuration, `scandetd -t` and a real start (in the
# background, the way an init script starts it) both exit non-zero with
# "file:line: Option: reason" on standard error, and the failed start
# leaves no process behind; a good configuration starts, and the process
# that was started returns only once the daemon is ready; a second
# instance is refused; a message longer than 1,024 bytes is said whole.
#
# The real starts capture on the loopback of a network namespace made
# here (root needed; without root the live part fails unless
# SCANDETD_SKIP_LIVE=1 says to skip it).
. "$(dirname "$0")/../lib.sh"

NS=sd-start-$$
LIVE=1
if [ "$(id -u)" -ne 0 ]; then
	LIVE=""
	if [ "${SCANDETD_SKIP_LIVE:-0}" != 1 ]; then
		fail startup "needs root for real starts (set SCANDETD_SKIP_LIVE=1 to skip)"
	fi
fi

cleanup() {
	for f in "$TMPD"/*.pid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	[ -n "$LIVE" ] && ip netns del "$NS" 2>/dev/null
	return 0
}
at_exit cleanup
if [ -n "$LIVE" ]; then
	ip netns add "$NS" && ip -n "$NS" link set lo up
	check "namespace set up" test $? -eq 0
fi
chmod 755 "$TMPD"

# broken NAME EXPECTED-REGEX LINE...: a configuration of the LINEs (a
# PidFile of its own first), which -t and a real start must both refuse
# with a message matching EXPECTED-REGEX.
broken() {
	name=$1 want=$2
	shift 2
	conf="$TMPD/$name.conf"
	printf 'PidFile %s\n' "$TMPD/$name.pid" >"$conf"
	for l in "$@"; do printf '%s\n' "$l" >>"$conf"; done
	# -i lo unless the file names the interfaces.
	set -- -i lo
	grep -q '^Interface' "$conf" && set --
	"$SCANDETD" -t -c "$conf" "$@" >"$TMPD/$name.t.out" 2>"$TMPD/$name.t.err"
	check_eq "$name: -t exits 1" "$?" 1
	check_grep "$name: -t says $want" "$TMPD/$name.t.err" "^scandetd: $want"
	check_nogrep "$name: -t does not say OK" "$TMPD/$name.t.out" "configuration OK"
	[ -n "$LIVE" ] || return 0
	ip netns exec "$NS" "$SCANDETD" -c "$conf" "$@" \
		>"$TMPD/$name.out" 2>"$TMPD/$name.err"
	check_eq "$name: start exits 1" "$?" 1
	check_grep "$name: start says $want" "$TMPD/$name.err" "^scandetd: $want"
	# The started process returns as soon as the reason is known; the
	# daemon then ends its children (slower under a sanitizer).
	left=$(ip netns pids "$NS" | wc -l)
	for _ in $(seq 50); do
		[ "$left" -eq 0 ] && break
		sleep 0.1
		left=$(ip netns pids "$NS" | wc -l)
	done
	check_eq "$name: no process left within 5 s" "$left" 0
}

C="$TMPD/[a-z_]+\.conf"
broken jsonlog "$C:2: JsonLog: $TMPD/none/x\.json: directory $TMPD/none: No such file or directory" \
	"JsonLog $TMPD/none/x.json"
broken user "$C:3: RunAsUser: no such user \"no-such-user-q7\"" \
	"" "RunAsUser no-such-user-q7"
broken sigfile "$C:2: SignatureFile: $TMPD/none\.sig: No such file or directory" \
	"SignatureFile $TMPD/none.sig"
broken filter "$C:2: CaptureFilter: \"not hots 1\.2\.3\.4\": can't parse filter expression: syntax error" \
	'CaptureFilter "not hots 1.2.3.4"'
broken pidfile "$C:3: PidFile: $TMPD/none/x\.pid: directory $TMPD/none: No such file or directory" \
	"" "PidFile $TMPD/none/x.pid"
broken iface "$C:2: Interface: nosuch0: No such device exists" \
	"Interface nosuch0"

# MailCommand: only -t can know before the first alert.
conf="$TMPD/mailcmd.conf"
printf 'SendEmail yes\nMailCommand %s/none -t\n' "$TMPD" >"$conf"
"$SCANDETD" -t -c "$conf" -i lo >/dev/null 2>"$TMPD/mailcmd.err"
check_eq "mailcmd: -t exits 1" "$?" 1
check_grep "mailcmd: -t names MailCommand" "$TMPD/mailcmd.err" \
	"^scandetd: $TMPD/mailcmd\.conf:2: MailCommand: $TMPD/none: No such file or directory"

# Several problems: all said, each on its line, in one run.
conf="$TMPD/many.conf"
printf 'RunAsUser no-such-user-q7\nJsonLog %s/none/x.json\nCaptureFilter "port 99999"\n' \
	"$TMPD" >"$conf"
"$SCANDETD" -t -c "$conf" -i lo >/dev/null 2>"$TMPD/many.err"
check_eq "many: -t exits 1" "$?" 1
check_eq "many: three problems said" "$(grep -c '^scandetd: .*many\.conf:[123]: ' "$TMPD/many.err")" 3

# -i and -f given on the command line are named as such.
"$SCANDETD" -t -c /dev/null -i nosuch0 >/dev/null 2>"$TMPD/i.err"
check_grep "-i nosuch0 is named" "$TMPD/i.err" "^scandetd: -i nosuch0: No such device exists"
"$SCANDETD" -t -c /dev/null -i lo -f "port 99999" >/dev/null 2>"$TMPD/f.err"
check_grep "-f is named" "$TMPD/f.err" '^scandetd: -f: "port 99999": illegal port number'

# A message longer than 1,024 bytes (a filter near the longest value
# quoted back): said whole, by -t and by a failed start.
long=$(python3 -c 'print("host " + " or host ".join(["192.0.2.%d" % i for i in range(52)]) + " and port 99999")')
broken long "$C:2: CaptureFilter: \"host 192\.0\.2\.0 or .* and port 99999\": illegal port number 99999 > 65535$" \
	"CaptureFilter \"$long\""
len=$(wc -c <"$TMPD/long.t.err")
check "the long message is longer than 1,024 bytes ($len)" test "$len" -gt 1024
[ -z "$LIVE" ] || check_eq "... and the same from a real start" \
	"$(grep '^scandetd: ' "$TMPD/long.err")" "$(cat "$TMPD/long.t.err")"

# Tables that do not fit: the start says which option (in 400 MB of
# address space; AddressSanitizer needs terabytes of it, so not there).
if [ -n "$LIVE" ]; then
	case "$BUILD" in
	*san*)
		skip "tables: start names SourceTableSize" "ulimit -v and AddressSanitizer do not mix" ;;
	*)
		conf="$TMPD/tables.conf"
		printf 'PidFile %s/tables.pid\nSourceTableSize 16777216\n' "$TMPD" >"$conf"
		( ulimit -v 400000
		  ip netns exec "$NS" "$SCANDETD" -c "$conf" -i lo ) >/dev/null 2>"$TMPD/tables.err"
		check_eq "tables: start exits 1" "$?" 1
		check_grep "tables: start names SourceTableSize" "$TMPD/tables.err" \
			"^scandetd: $TMPD/tables\.conf:2: SourceTableSize: cannot allocate the source table \(16777216 slots\): out of memory$"
		;;
	esac
fi

# Where there is no seccomp(2) (a kernel before 3.17; valgrind does not
# pass the call on): SandboxRequired no (the default) goes on and says
# why; yes refuses to start, saying why.
VG_PCAP="$TOP/tests/pcap/data/evilfingers_nmap_sT_connect.pcap"
case "$BUILD" in
*san*)
	skip "no seccomp(2): goes on" "valgrind and AddressSanitizer do not mix"
	skip "no seccomp(2), SandboxRequired yes: refuses" "valgrind and AddressSanitizer do not mix" ;;
*)
	if ! command -v valgrind >/dev/null 2>&1; then
		fail "no seccomp(2)" "valgrind not found (install-deps.sh installs it)"
	else
		valgrind -q --tool=none "$SCANDETD" -c /dev/null -q -r "$VG_PCAP" \
			>/dev/null 2>"$TMPD/vg.err"
		check_eq "no seccomp(2): goes on (exit 0)" "$?" 0
		check_grep "no seccomp(2): says why" "$TMPD/vg.err" \
			'^scandetd: sandbox incomplete, going on .*seccomp: no seccomp\(2\) here'
		printf 'SandboxRequired yes\n' >"$TMPD/vgreq.conf"
		valgrind -q --tool=none "$SCANDETD" -c "$TMPD/vgreq.conf" -q \
			-r "$VG_PCAP" >/dev/null 2>"$TMPD/vgreq.err"
		check_eq "no seccomp(2), SandboxRequired yes: refuses (exit 1)" "$?" 1
		# (valgrind passes no Landlock call on either: that comes first)
		check_grep "no seccomp(2), SandboxRequired yes: says what is missing" \
			"$TMPD/vgreq.err" \
			'^scandetd: (Landlock: not supported by this kernel|seccomp: no seccomp\(2\) here)'
	fi ;;
esac

if [ -n "$LIVE" ]; then
	# A good start: the process started returns once the daemon is
	# ready, with 0; the PID file names the running daemon.
	conf="$TMPD/good.conf"
	printf 'PidFile %s/good.pid\nJsonLog %s/good.json\n' "$TMPD" "$TMPD" >"$conf"
	ip netns exec "$NS" "$SCANDETD" -c "$conf" -i lo >"$TMPD/good.out" 2>"$TMPD/good.err"
	check_eq "good: start exits 0" "$?" 0
	pid=$(cat "$TMPD/good.pid" 2>/dev/null)
	check "good: the daemon runs when start returns" kill -0 "${pid:-0}"
	check_eq "good: nothing on standard error" "$(cat "$TMPD/good.err")" ""
	# Its engine is running too: ready means every process is.
	check "good: the packet process runs" sh -c "pgrep -P '${pid:-0}' -x scandetd-engine"

	# A second instance with the same PID file.
	ip netns exec "$NS" "$SCANDETD" -c "$conf" -i lo >/dev/null 2>"$TMPD/second.err"
	check_eq "second instance: exits 1" "$?" 1
	check_grep "second instance: says so" "$TMPD/second.err" \
		"^scandetd: $TMPD/good\.conf:1: PidFile: $TMPD/good\.pid: scandetd is already running \(pid $pid\)"
	kill "$pid"
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	check "good: stops on SIGTERM" sh -c "! kill -0 $pid 2>/dev/null"
fi
finish
