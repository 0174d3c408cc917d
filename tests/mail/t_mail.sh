#!/bin/sh
# Email alerts against a real SMTP server: tests/mail/smtpd.py, built on
# Debian's python3-aiosmtpd, started here on free loopback ports, writing
# each message it accepts to a directory; every server is killed by its
# PID at the end.
#
# Covered: a scan and an OS probe from captures give messages whose
# headers and bodies are checked field by field (against the JSON events
# of the same run); subject expansion; several recipients; STARTTLS and
# smtps against a self-signed certificate (MailCAFile); AUTH with the
# password from MailPasswordFile; a relay down then up, one answering 451
# and one answering 554; a black-holed relay (the -r run keeps its speed,
# exits at once, the mailer gives up in the background); the rate limit
# and its digest, at the end and when the window reopens; MailCommand;
# header injection (the parser, a hostile PTR record); a live daemon in a
# network namespace (privileges, SIGHUP, SIGTERM).
#
# Parts that need root (network namespaces) fail without it unless
# SCANDETD_SKIP_LIVE=1.  The window test waits a minute, beside the others.
. "$(dirname "$0")/../lib.sh"

HERE="$TOP/tests/mail"
PY=""
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import aiosmtpd' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
	fail aiosmtpd "no python3 with aiosmtpd (Debian: python3-aiosmtpd)"
	finish
fi
IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

# The mailer drops to nobody: what it runs must be reachable.
chmod 755 "$TMPD"
PIDS=""
NETNS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -n "$NETNS" ] && ip netns del "$NETNS" 2>/dev/null
	return 0
}
at_exit cleanup

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# The process is gone (or a zombie nobody has reaped yet).
mailer_gone() {
	i=0
	while [ $i -lt 30 ]; do
		st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
		[ -z "$st" ] || [ "$st" = Z ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_file FILE REGEX [TENTHS]: FILE gets a line matching REGEX.
wait_file() {
	i=0
	while [ $i -lt "${3:-200}" ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# count DIR: messages received in DIR.
count() { ls "$1" 2>/dev/null | grep -c '\.json$'; }

# wait_count DIR N [TENTHS]: DIR holds at least N messages.
wait_count() {
	i=0
	while [ $i -lt "${3:-200}" ]; do
		[ "$(count "$1")" -ge "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_smtpd NAME [--port P] [ARGS...]: a server writing to $TMPD/NAME;
# sets PORT.  With NS set, inside that network namespace.
start_smtpd() {
	name=$1
	shift
	if [ "${1:-}" = --port ]; then PORT=$2; shift 2; else PORT=$(free_port); fi
	rm -f "$TMPD/$name.pid"
	${NS:+ip netns exec "$NS"} "$PY" "$HERE/smtpd.py" --port "$PORT" \
		--dir "$TMPD/$name" --pidfile "$TMPD/$name.pid" "$@" \
		>>"$TMPD/$name.log" 2>&1 &
	wait_file "$TMPD/$name.pid" '^[0-9]+$' 100 || return 1
	PIDS="$PIDS $(cat "$TMPD/$name.pid")"
}

stop_smtpd() {
	pid=$(cat "$TMPD/$1.pid")
	kill "$pid"
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}

# run_r NAME CONF PCAP: scandetd -r, output in NAME.out, NAME.err (a file:
# the mailer keeps logging there), its time in ELAPSED (ms); the JsonLog
# too when CONF has one.
run_r() {
	t0=$(now_ms)
	jl=""
	grep -q '^JsonLog' "$2" && jl=--json-log
	"$SCANDETD" --mail --stats $jl -c "$2" -r "$3" >"$TMPD/$1.out" 2>"$TMPD/$1.err"
	RC=$?
	# the lines as syslog and the mail have them: without the packet
	# time -r begins them with
	sed -E -i 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{15}Z //' "$TMPD/$1.out"
	ELAPSED=$(($(now_ms) - t0))
}

# The mailer's last line, once it has received something.
wait_done() { wait_file "$TMPD/$1.err" 'mail: done: ' "${2:-250}"; }

# check_mail NAME DIR/N KEY=VALUE...: check_mail.py's lines as checks.
check_mail() {
	"$PY" "$HERE/check_mail.py" "$@" >"$TMPD/chk" 2>&1
	tab=$(printf '\t')
	while IFS="$tab" read -r st what why; do
		case $st in
		ok) pass "$what" ;;
		FAIL) fail "$what" "$why" ;;
		*) fail "$1" "check_mail.py: $st $what $why" ;;
		esac
	done <"$TMPD/chk"
}

# ---- the rate limit's window, in the background ------------------------------

# When the window reopens, the digest leaves while scandetd still runs:
# the capture comes through a pipe that stays open for 65 s.  The minute
# runs beside the other tests (a watcher notes when the digest came and
# whether scandetd still read then); its checks are at the end.
start_smtpd window
printf 'SendEmail yes\nMailPort %s\nMailRateLimit 1\n' "$PORT" >"$TMPD/window.conf"
"$SPOOFS" -q -w "$TMPD/w1.pcap" -s 203.0.113.0/30 -d 198.51.100.10 -p 1-400
"$SPOOFS" -q -w "$TMPD/w2.pcap" -s 203.0.113.20 -d 198.51.100.10 -p 1-400 \
	--start 1700000300
WINDOW_T0=$(now_ms)
{ cat "$TMPD/w1.pcap"; sleep 65; tail -c +25 "$TMPD/w2.pcap"; } |
	"$SCANDETD" --mail -c "$TMPD/window.conf" -r - >"$TMPD/window.out" 2>"$TMPD/window.err" &
WPID=$!
PIDS="$PIDS $WPID"
check "window: the first alert is mailed at once" wait_count "$TMPD/window" 1 50
check_eq "window: the others wait" "$(count "$TMPD/window")" 1
# The watcher looks once a second, and counts with the shell alone: the
# timing tests below run meanwhile, and a poll that started programs
# ten times a second would weigh on them.
(
	i=0
	while [ $i -lt 90 ]; do
		set -- "$TMPD"/window/*.json
		[ -e "$1" ] && [ $# -ge 2 ] && break
		sleep 1
		i=$((i + 1))
	done
	if [ $i -lt 90 ]; then
		alive=gone
		kill -0 "$WPID" 2>/dev/null && alive=reading
		echo "$(($(now_ms) - WINDOW_T0)) $alive" >"$TMPD/window.seen"
	else
		echo "none none" >"$TMPD/window.seen"
	fi
) &
WATCHER=$!

# ---- captures -------------------------------------------------------------

# cat_pcap A B...: one pcap from several of the same link type.
cat_pcap() {
	cat "$1"
	shift
	for f in "$@"; do tail -c +25 "$f"; done
}

"$SPOOFS" -q -w "$TMPD/tcp.pcap" -s 203.0.113.5 -d 198.51.100.10 -p 3-200
"$SPOOFS" -q -w "$TMPD/udp.pcap" -t udp -s 203.0.113.8 -d 198.51.100.10 \
	-p 2000-2100 --start 1700000050
cat_pcap "$TMPD/tcp.pcap" "$TMPD/udp.pcap" >"$TMPD/scan.pcap"
"$SPOOFS" -q -w "$TMPD/six.pcap" -s 2001:db8::99 -d 2001:db8::10 -p 1000-1100
"$SPOOFS" -q -w "$TMPD/many.pcap" -s 203.0.113.0/29 -d 198.51.100.10 -p 1-400
OS_PCAP="$DATA/nmap_O_synscan_osdetect_2026.pcapng"
OS_SRC=192.168.29.14
if [ ! -f "$OS_PCAP" ]; then
	"$SPOOFS" -q -w "$TMPD/os.pcap" -t nmap-os -s 203.0.113.9 \
		-d 198.51.100.10 -p 80
	OS_PCAP="$TMPD/os.pcap"
	OS_SRC=203.0.113.9
fi
check "captures written" test -s "$TMPD/scan.pcap" -a -s "$TMPD/many.pcap"

# A self-signed certificate for 127.0.0.1 and localhost.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$TMPD/key.pem" -out "$TMPD/cert.pem" >/dev/null 2>&1
check "test certificate made" test -s "$TMPD/cert.pem"
PASSWORD='correct horse battery staple'
printf '%s\n' "$PASSWORD" >"$TMPD/pw"
chmod 600 "$TMPD/pw" "$TMPD/key.pem"

# ---- the configuration ----------------------------------------------------

cat >"$TMPD/inject1.conf" <<'EOF'
SendEmail yes
HelloMsg evil.example
RCPT TO:<victim@example.org>
EOF
printf 'SendEmail yes\nMailFrom "a@b\rBcc: victim@example.org"\n' >"$TMPD/inject2.conf"
"$SCANDETD" -t -c "$TMPD/inject1.conf" >/dev/null 2>"$TMPD/err"
check_eq "HelloMsg with CR LF: refused" "$?" 1
check_grep "  ... the next line is an unknown option" "$TMPD/err" \
	'inject1.conf:3: unknown option "RCPT"'
"$SCANDETD" -t -c "$TMPD/inject2.conf" >/dev/null 2>"$TMPD/err"
check_eq "MailFrom with CR: refused" "$?" 1
check_grep "  ... as a control character" "$TMPD/err" \
	'inject2.conf:2: control character 0x0d'
printf 'MailSubject "%%p scan from %%x"\n' >"$TMPD/badsubj.conf"
"$SCANDETD" -t -c "$TMPD/badsubj.conf" >/dev/null 2>"$TMPD/err"
check_grep "unknown subject escape refused" "$TMPD/err" \
	'badsubj.conf:1: MailSubject: unknown "%x"'
printf 'MailUser alerts\nMailPasswordFile %s\n' "$TMPD/pw" >"$TMPD/show.conf"
"$SCANDETD" -s -c "$TMPD/show.conf" >"$TMPD/shown" 2>&1
check_grep "-s shows the password file's path" "$TMPD/shown" \
	"^MailPasswordFile $TMPD/pw\$"
check_nogrep "-s never shows the password" "$TMPD/shown" "$PASSWORD"

# ---- a scan, field by field ------------------------------------------------

start_smtpd plain
check "SMTP server started" test -n "$PORT"
PLAIN=$PORT
cat >"$TMPD/scan.conf" <<EOF
SendEmail yes
UdpSendEmail no
OSFPSendMail no
MailFrom scandetd@sensor.example.org
RcptTo admin@example.org
RcptTo second@example.org
MailSubject "[scandetd] %p scan from %s to %d, 100%%"
SMTPrelay 127.0.0.1
MailPort $PLAIN
HelloMsg sensor.example.org
JsonLog $TMPD/scan.json
EOF
run_r scan "$TMPD/scan.conf" "$TMPD/scan.pcap"
check_eq "scan: -r exit status" "$RC" 0
check "scan: the mailer finished" wait_done scan
check_eq "scan: the scan and its summary (UdpSendEmail no)" "$(count "$TMPD/plain")" 2
LINE=$(grep '^Possible port scan from 203.0.113.5' "$TMPD/scan.out")
check_mail scan "$TMPD/plain/1" \
	from=scandetd@sensor.example.org \
	to=admin@example.org,second@example.org \
	"subject=[scandetd] TCP scan from 203.0.113.5 to 198.51.100.10, 100%" \
	domain=sensor.example.org \
	env_from=scandetd@sensor.example.org \
	env_to=admin@example.org,second@example.org \
	helo=sensor.example.org tls=no auth=none \
	"line=$LINE" event="$TMPD/scan.json,203.0.113.5,portscan"
# What the scan was when mailed, in words, before the fields.
check_mail "scan, what it was" "$TMPD/plain/1" \
	"has=A TCP SYN port scan of 198.51.100.10 by spoofs." \
	"has=So far " "has=A summary follows when it ends."
# Its end: the summary, once, with the scan's subject and "(ended)".
LINE=$(grep '^End of port scan from 203.0.113.5' "$TMPD/scan.out")
check_mail "scan end" "$TMPD/plain/2" \
	"subject=[scandetd] TCP scan from 203.0.113.5 to 198.51.100.10, 100% (ended)" \
	"line=$LINE" event="$TMPD/scan.json,203.0.113.5,scan_end" \
	"has=A TCP SYN port scan of 198.51.100.10 by spoofs has ended after 198 probes, 198 distinct ports in 0.2 s."
check_grep "scan: delivery logged with the relay's reply" "$TMPD/scan.err" \
	'mail: sent <[^>]+@sensor\.example\.org> \(Possible port scan from 203\.0\.113\.5 .*\) to 2 recipients: 250 '
check_grep "scan: the UDP scan is in the log all the same" "$TMPD/scan.out" \
	'^Possible UDP port scan from 203\.0\.113\.8'

# The same capture with UdpSendEmail: the UDP scan is mailed too.
sed -e 's/^UdpSendEmail no/UdpSendEmail yes/' -e "s|scan.json|udp.json|" \
	"$TMPD/scan.conf" >"$TMPD/udp.conf"
run_r udp "$TMPD/udp.conf" "$TMPD/scan.pcap"
check "udp: the mailer finished" wait_done udp
check_eq "udp: two scans and their ends: four more messages" "$(count "$TMPD/plain")" 6
UDPMSG=$(grep -l '^Subject: .*UDP scan.*100%.$' "$TMPD"/plain/[3-6].eml | sed 's/\.eml$//')
check_mail udp "$UDPMSG" \
	"subject=[scandetd] UDP scan from 203.0.113.8 to 198.51.100.10, 100%" \
	event="$TMPD/udp.json,203.0.113.8,portscan"

# ---- an OS probe --------------------------------------------------------------

cat >"$TMPD/os.conf" <<EOF
SendEmail no
OSFPSendMail yes
SMTPrelay 127.0.0.1
MailPort $PLAIN
JsonLog $TMPD/os.json
EOF
N0=$(count "$TMPD/plain")
run_r os "$TMPD/os.conf" "$OS_PCAP"
check "osprobe: the mailer finished" wait_done os
check_eq "osprobe: one message (SendEmail no)" "$(count "$TMPD/plain")" $((N0 + 1))
LINE=$(grep "^Possible [a-z]* OS probe from $OS_SRC to [0-9.]*\$" "$TMPD/os.out")
check_mail osprobe "$TMPD/plain/$((N0 + 1))" \
	from=scandetd@localhost to=root@localhost \
	"subject=TCP scan from $OS_SRC" domain=localhost \
	env_from=scandetd@localhost env_to=root@localhost helo=localhost \
	"line=$LINE" event="$TMPD/os.json,$OS_SRC,osprobe"

# ---- subjects ---------------------------------------------------------------

# IPv6 addresses, and a relay given as an IPv6 address when ::1 exists.
SIXRELAY=127.0.0.1
SIXPORT=$PLAIN
if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
	start_smtpd six --host ::1
	SIXRELAY=::1
	SIXPORT=$PORT
fi
printf 'SendEmail yes\nMailSubject "%%p from %%s to %%d"\nSMTPrelay %s\nMailPort %s\n' \
	"$SIXRELAY" "$SIXPORT" >"$TMPD/six.conf"
SIXDIR=$TMPD/six
[ "$SIXRELAY" = ::1 ] || SIXDIR=$TMPD/plain
N=$(count "$SIXDIR")
run_r six "$TMPD/six.conf" "$TMPD/six.pcap"
check "ipv6: the mailer finished" wait_done six
check_mail ipv6 "$SIXDIR/$((N + 1))" \
	"subject=TCP from 2001:db8::99 to 2001:db8::10"

# A UTF-8 subject is RFC 2047 encoded, and decodes back.
printf 'SendEmail yes\nMailSubject "Portscan über %%s – %%p"\nMailPort %s\n' \
	"$PLAIN" >"$TMPD/utf8.conf"
N=$(count "$TMPD/plain")
run_r utf8 "$TMPD/utf8.conf" "$TMPD/tcp.pcap"
check "utf8: the mailer finished" wait_done utf8
check_mail utf8 "$TMPD/plain/$((N + 1))" "subject=Portscan über 203.0.113.5 – TCP" \
	"has=Subject: =?UTF-8?B?"
check_mail "utf8 end" "$TMPD/plain/$((N + 2))" \
	"subject=Portscan über 203.0.113.5 – TCP (ended)"

# ---- TLS and AUTH ---------------------------------------------------------------

start_smtpd starttls --starttls "$TMPD/cert.pem" "$TMPD/key.pem" \
	--auth alerts "$TMPD/pw"
STARTTLS=$PORT
cat >"$TMPD/tls.conf" <<EOF
SendEmail yes
SMTPrelay 127.0.0.1
MailPort $STARTTLS
MailTLS starttls
MailCAFile $TMPD/cert.pem
MailUser alerts
MailPasswordFile $TMPD/pw
EOF
run_r tls "$TMPD/tls.conf" "$TMPD/tcp.pcap"
check "starttls: the mailer finished" wait_done tls
check_mail starttls "$TMPD/starttls/1" tls=yes auth=alerts \
	"subject=TCP scan from 203.0.113.5"
check_nogrep "starttls: the password is in no log" "$TMPD/tls.err" "$PASSWORD"

# Without MailCAFile the self-signed certificate is not trusted.
grep -v '^MailCAFile' "$TMPD/tls.conf" >"$TMPD/noca.conf"
N=$(count "$TMPD/starttls")
run_r noca "$TMPD/noca.conf" "$TMPD/tcp.pcap"
check "no CA: -r returns at once" test "$ELAPSED" -lt 2500
check "no CA: the failure is logged" wait_file "$TMPD/noca.err" \
	'could not send .*attempt 1: .*certificate.*; relay.s reply: 220 '
check_eq "no CA: nothing delivered" "$(count "$TMPD/starttls")" "$N"

# Plain SMTP to a server that insists on STARTTLS: 530, not retried.
grep -v '^MailTLS\|^MailCAFile' "$TMPD/tls.conf" >"$TMPD/notls.conf"
run_r notls "$TMPD/notls.conf" "$TMPD/tcp.pcap"
check "no TLS: the mailer finished" wait_done notls
check_grep "no TLS: the password would cross in clear: warned" "$TMPD/notls.err" \
	'MailUser without MailTLS'
check_grep "no TLS: refused with the relay's reply, not retried" "$TMPD/notls.err" \
	'refused: .*530 .*STARTTLS.*; not retried'

# A wrong password: 535, given up at once.
printf 'wrong\n' >"$TMPD/pw2"
chmod 600 "$TMPD/pw2"
sed "s|^MailPasswordFile .*|MailPasswordFile $TMPD/pw2|" "$TMPD/tls.conf" >"$TMPD/badpw.conf"
run_r badpw "$TMPD/badpw.conf" "$TMPD/tcp.pcap"
check "wrong password: the mailer finished" wait_done badpw
check_grep "wrong password: 535 logged, not retried" "$TMPD/badpw.err" \
	'refused: Login denied; relay.s reply: 535 .*not retried'
check_nogrep "wrong password: not in the log" "$TMPD/badpw.err" 'wrong'

# An unreadable password file stops the start, naming the file.
sed "s|^MailPasswordFile .*|MailPasswordFile $TMPD/nonexistent|" "$TMPD/tls.conf" >"$TMPD/nopw.conf"
run_r nopw "$TMPD/nopw.conf" "$TMPD/tcp.pcap"
check_eq "missing password file: exit status 1" "$RC" 1
check_grep "missing password file: named" "$TMPD/nopw.err" \
	"MailPasswordFile $TMPD/nonexistent: No such file"

# smtps: TLS from the first byte.
start_smtpd smtps --tls "$TMPD/cert.pem" "$TMPD/key.pem"
printf 'SendEmail yes\nMailPort %s\nMailTLS tls\nMailCAFile %s\n' "$PORT" \
	"$TMPD/cert.pem" >"$TMPD/smtps.conf"
run_r smtps "$TMPD/smtps.conf" "$TMPD/tcp.pcap"
check "smtps: the mailer finished" wait_done smtps
check_mail smtps "$TMPD/smtps/1" tls=yes "subject=TCP scan from 203.0.113.5"

# ---- a relay down, then up; one saying 451, one saying 554 ---------------------

DOWN=$(free_port)
printf 'SendEmail yes\nMailPort %s\n' "$DOWN" >"$TMPD/down.conf"
run_r down "$TMPD/down.conf" "$TMPD/tcp.pcap"
check "relay down: -r returns at once" test "$ELAPSED" -lt 2500
check_grep "relay down: the failure is logged" "$TMPD/down.err" \
	"could not send .*attempt 1: Couldn't connect to server.*; next try in 2 s"
check_grep "relay down: the mailer carries on in the background" "$TMPD/down.err" \
	'mail: [12] messages? not delivered yet; carrying on in the background'
start_smtpd down --port "$DOWN"
check "relay up: the retry delivers" wait_count "$TMPD/down" 1 150
check "relay up: the mailer finished" wait_done down
check_grep "relay up: delivery logged" "$TMPD/down.err" 'mail: sent <.*: 250 '

start_smtpd tempfail --reply 451
printf 'SendEmail yes\nMailPort %s\n' "$PORT" >"$TMPD/451.conf"
run_r 451 "$TMPD/451.conf" "$TMPD/tcp.pcap"
check "451: retried" wait_file "$TMPD/451.err" 'attempt 2: .*451 4\.3\.0 try again later'
check "451: given up at the end, said so" wait_file "$TMPD/451.err" \
	'not delivered at exit: .*451'
start_smtpd reject --reply 554
printf 'SendEmail yes\nMailPort %s\n' "$PORT" >"$TMPD/554.conf"
run_r 554 "$TMPD/554.conf" "$TMPD/tcp.pcap"
check "554: the mailer finished" wait_done 554
check_grep "554: refused, with the reply, not retried" "$TMPD/554.err" \
	'refused: .*554 5\.7\.1 rejected by the test; not retried'
check_nogrep "554: no second attempt" "$TMPD/554.err" 'attempt 2'

# ---- a black-holed relay ---------------------------------------------------

# A listener that accepts and never says a word.
BH=$(free_port)
"$PY" "$HERE/smtpd.py" --blackhole --port "$BH" --pidfile "$TMPD/bh.pid" &
wait_file "$TMPD/bh.pid" '^[0-9]+$' 100
PIDS="$PIDS $(cat "$TMPD/bh.pid")"
printf 'SendEmail yes\nMailPort %s\nJsonLog %s\n' "$BH" "$TMPD/bh.json" >"$TMPD/bh.conf"
run_r bh "$TMPD/bh.conf" "$TMPD/tcp.pcap"
# The daemon waits MAIL_DETACH_MS (1.5 s) for the mailer, never the
# relay's timeout (10 s and more): 5 s leaves room for a loaded machine.
check "black hole: -r exits well before the relay's timeout" test "$ELAPSED" -lt 5000
check_grep "black hole: the scan is logged" "$TMPD/bh.out" '^Possible port scan from 203\.0\.113\.5'
check_grep "black hole: and in JSON" "$TMPD/bh.json" '"event":"portscan"'
check_grep "black hole: the mailer goes to the background" "$TMPD/bh.err" \
	'carrying on in the background for at most 1[0-9] s'
check "black hole: the mailer gives up in the end, and says why" \
	wait_file "$TMPD/bh.err" 'not delivered at exit: .*Timeout was reached' 200
check "black hole: the mailer has gone" wait_done bh 50

# Speed: 512000 packets, 256 scans (the daemon hands the mailer 256
# alerts in a burst), without mail, with a live relay and with the black
# hole; best of three each (two under the sanitizers, whose runs are slow
# and the suite's longest).  timed.py reads standard error through a pipe,
# as a shell would: it gives the time until the statistics (every packet
# processed) and until the end.
"$SPOOFS" -q -w "$TMPD/big.pcap" -s 203.0.113.0/24 -d 198.51.100.0/24 \
	-p 1-400 -c 5 -r 1000000
# Every alert on standard output, to be counted: no AlertLimit here (the
# run after the timing keeps the default limit).
printf 'SendEmail no\nOSFPSendMail no\nAlertLimit 0 60\n' >"$TMPD/nomail.conf"
printf 'SendEmail yes\nMailPort %s\nAlertLimit 0 60\n' "$PLAIN" >"$TMPD/live.conf"
{ cat "$TMPD/bh.conf"; echo "AlertLimit 0 60"; } >"$TMPD/bhall.conf"
best() {
	conf=$TMPD/$1.conf
	bp=999999
	bt=999999
	runs="1 2 3"
	case "$BUILD" in *build-san*) runs="1 2" ;; esac
	for i in $runs; do
		set -- $("$PY" "$HERE/timed.py" "$SCANDETD" --mail --stats -c "$conf" \
			 -r "$TMPD/big.pcap")
		[ "$1" -lt "$bp" ] && bp=$1
		[ "$2" -lt "$bt" ] && bt=$2
		ALERTS=$3
	done
	echo "$bp $bt $ALERTS"
}
set -- $(best nomail); P_NOMAIL=$1; T_NOMAIL=$2; A_NOMAIL=$3
set -- $(best live); P_LIVE=$1; T_LIVE=$2; A_LIVE=$3
set -- $(best bhall); P_BH=$1; T_BH=$2; A_BH=$3
echo "timing: -r over 512000 packets, 256 scans (processed / total ms):" \
	"no mail $P_NOMAIL / $T_NOMAIL, live relay $P_LIVE / $T_LIVE," \
	"black hole $P_BH / $T_BH"
check_eq "timing: 256 scans without mail" "$A_NOMAIL" 256
check_eq "timing: 256 scans with a live relay" "$A_LIVE" 256
check_eq "timing: 256 scans with the black hole" "$A_BH" 256
check "timing: a live relay does not slow the packets" \
	test "$P_LIVE" -le $((P_NOMAIL * 3 / 2 + 150))
check "timing: the black hole does not slow the packets" \
	test "$P_BH" -le $((P_NOMAIL * 3 / 2 + 150))
check "timing: live relay, the end waits under 1 s" \
	test "$T_LIVE" -le $((P_LIVE + 1000))
check "timing: black hole, the end waits 2 s at most" \
	test "$T_BH" -le $((P_BH + 2000))
# The default AlertLimit (120 a minute) holds back log lines, not email:
# the mailer still gets all 256 alerts.
printf 'SendEmail yes\nMailPort %s\n' "$PLAIN" >"$TMPD/capped.conf"
run_r speed "$TMPD/capped.conf" "$TMPD/big.pcap"
check "timing: the mailer finished" wait_done speed
check_nogrep "timing: no alert lost on its way to the mailer" "$TMPD/speed.err" 'not mailed'
check_grep "timing: 5 messages, then a digest of the other 507 (251 scans, 256 ends)" \
	"$TMPD/speed.err" 'mail: sent .*\(digest of 507 alerts\)'
check_eq "AlertLimit: 120 scans on standard output" \
	"$(grep -c '^Possible port' "$TMPD/speed.out")" 120
check_eq "AlertLimit: one line says what was held back" \
	"$(grep -c '^Held back [0-9]* alerts (.*) from [0-9]* sources in ' "$TMPD/speed.out")" 1
check_grep "AlertLimit: counted in the statistics" "$TMPD/speed.err" \
	'^stat alerts\.held_back\.sweep [1-9]'

# ---- rate limit and digest -------------------------------------------------

start_smtpd rate
printf 'SendEmail yes\nMailPort %s\nMailRateLimit 3\n' "$PORT" >"$TMPD/rate.conf"
run_r rate "$TMPD/rate.conf" "$TMPD/many.pcap"
check "rate: the mailer finished" wait_done rate
check_eq "rate: 3 messages and one digest" "$(count "$TMPD/rate")" 4
check_grep "rate: the limit is logged" "$TMPD/rate.err" \
	'more than 3 messages a minute: further alerts go into one digest'
check_mail digest "$TMPD/rate/4" "subject=scandetd: 13 more alerts" listed=13 \
	"has=scandetd sends at most 3 messages a minute" \
	"has=  Possible port scan from 203.0.113.7 to 198.51.100.10"
check_grep "rate: every alert is in the log" "$TMPD/rate.out" \
	'^Possible port scan from 203\.0\.113\.7'

# ---- MailCommand --------------------------------------------------------------

# The stand-in for sendmail -t is one program, as MailCommand must be
# under the mailer's sandbox (scandetd(8)): it may run that program (and
# a script's interpreter), read system files, write none.  So it tells
# what it saw on its output, which the mailer logs.
cat >"$TMPD/sendmail" <<'EOF'
#!/usr/bin/python3
import os, pwd, sys
msg = sys.stdin.read()
to = [l for l in msg.split("\n") if l.startswith("To: ")]
print("args=[%s] user=[%s] [%s] cr=%s queued by the stand-in" % (
    " ".join(sys.argv[1:]), pwd.getpwuid(os.getuid()).pw_name,
    to[0] if to else "no To:", "yes" if "\r" in msg else "no"))
EOF
chmod 755 "$TMPD/sendmail"
printf 'SendEmail yes\nMailCommand "%s -t -i"\nRcptTo a@example.org\nRcptTo b@example.org\nSMTPrelay 192.0.2.1\n' \
	"$TMPD/sendmail" >"$TMPD/cmd.conf"
run_r cmd "$TMPD/cmd.conf" "$TMPD/tcp.pcap"
check "command: the mailer finished" wait_done cmd
check_grep "command: run with its arguments" "$TMPD/cmd.err" 'args=\[-t -i\]'
[ $IS_ROOT = 1 ] && check_grep "command: run as RunAsUser (default scandetd)" "$TMPD/cmd.err" 'user=\[scandetd\]'
check_grep "command: the message, To: with every recipient" "$TMPD/cmd.err" \
	'\[To: a@example.org, b@example.org\]'
check_grep "command: UNIX line ends" "$TMPD/cmd.err" 'cr=no'
check_grep "command: its output logged" "$TMPD/cmd.err" 'mail: sent .*: .*queued by the stand-in'
# Shell builtins only: the sandbox runs no other program.
printf '#!/bin/sh\nwhile read -r line; do :; done\necho "mail queue full" >&2\nexit 75\n' >"$TMPD/failmail"
chmod 755 "$TMPD/failmail"
printf 'SendEmail yes\nMailCommand %s\n' "$TMPD/failmail" >"$TMPD/cmdfail.conf"
run_r cmdfail "$TMPD/cmdfail.conf" "$TMPD/tcp.pcap"
check "command failing: logged with its status and output" wait_file "$TMPD/cmdfail.err" \
	'could not send .*attempt 1: .*failmail exited with status 75: mail queue full'
check "command failing: retried" wait_file "$TMPD/cmdfail.err" 'attempt 2: '

# ---- a hostile PTR record ------------------------------------------------------

# In a private network and mount namespace: a DNS server answering PTR
# queries with CR LF and a fake address, resolv.conf pointing at it.
if [ $IS_ROOT = 1 ] && command -v unshare >/dev/null; then
	"$SPOOFS" -q -w "$TMPD/h6.pcap" -s 203.0.113.6 -d 198.51.100.10 -p 3-200 --start 1700000010
	"$SPOOFS" -q -w "$TMPD/h7.pcap" -s 203.0.113.7 -d 198.51.100.10 -p 3-200 --start 1700000020
	"$SPOOFS" -q -w "$TMPD/hos.pcap" -t nmap-os -s 203.0.113.6 -d 198.51.100.10 -p 80 --start 1700000100
	cat_pcap "$TMPD/tcp.pcap" "$TMPD/h6.pcap" "$TMPD/h7.pcap" "$TMPD/hos.pcap" >"$TMPD/hostile.pcap"
	echo "nameserver 127.0.0.1" >"$TMPD/resolv.conf"
	HPORT=$(free_port)
	printf 'DNSResolve yes\nSendEmail yes\nMailPort %s\nMailRateLimit 20\nMailSubject "%%p scan from %%s to %%d"\nJsonLog %s\n' \
		"$HPORT" "$TMPD/hostile.json" >"$TMPD/hostile.conf"
	cat >"$TMPD/hostile.sh" <<EOF
ip link set lo up
mount --bind "$TMPD/resolv.conf" /etc/resolv.conf || exit 1
"$PY" "$HERE/ptrdns.py" --pidfile "$TMPD/dns.pid" \
	'203.0.113.5=scanner.example' \
	'203.0.113.6=evil.example\\r\\nBcc: victim@example.org' \
	'203.0.113.7=198.51.100.99' &
"$PY" "$HERE/smtpd.py" --port $HPORT --dir "$TMPD/hostile" --pidfile "$TMPD/hsmtp.pid" 2>/dev/null &
i=0; while [ ! -s "$TMPD/hsmtp.pid" ] || [ ! -s "$TMPD/dns.pid" ]; do sleep 0.1; i=\$((i + 1)); [ \$i -lt 100 ] || break; done
"$SCANDETD" --mail --json-log -c "$TMPD/hostile.conf" -r "$TMPD/hostile.pcap" 2>"$TMPD/hostile.err" |
	sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{15}Z //' >"$TMPD/hostile.out"
i=0; while ! grep -q 'mail: done' "$TMPD/hostile.err"; do sleep 0.1; i=\$((i + 1)); [ \$i -lt 200 ] || break; done
kill \$(cat "$TMPD/dns.pid") \$(cat "$TMPD/hsmtp.pid")
EOF
	unshare -m -n sh "$TMPD/hostile.sh"
	check_eq "hostile PTR: three scans, their ends and a probe mailed" "$(count "$TMPD/hostile")" 7
	check_grep "hostile PTR: a good name is shown" "$TMPD/hostile.out" \
		'^Possible port scan from scanner\.example \(203\.0\.113\.5\)'
	for n in 1 2 3 4 5 6 7; do
		check_mail "hostile PTR $n" "$TMPD/hostile/$n" lacks=victim \
			lacks=Bcc lacks=198.51.100.99 lacks=evil
	done
	M5=$(grep -l 'from 203.0.113.5 ' "$TMPD"/hostile/*.eml | head -n 1)
	check_mail "hostile PTR, good name" "${M5%.eml}" name=scanner.example \
		"subject=TCP scan from 203.0.113.5 to 198.51.100.10"
	M6=$(grep -l '^Possible port scan from 203.0.113.6 ' "$TMPD"/hostile/*.eml | head -n 1)
	check_mail "hostile PTR, CR LF name" "${M6%.eml}" \
		"subject=TCP scan from 203.0.113.6 to 198.51.100.10" \
		"line=Possible port scan from 203.0.113.6 to 198.51.100.10 (spoofs)"
	M7=$(grep -l 'from 203.0.113.7 ' "$TMPD"/hostile/*.eml | head -n 1)
	check_mail "hostile PTR, address as a name" "${M7%.eml}" \
		"line=Possible port scan from 203.0.113.7 to 198.51.100.10 (spoofs)"
	check_nogrep "hostile PTR: not in the log either" "$TMPD/hostile.out" 'victim|198\.51\.100\.99'
elif [ "${SCANDETD_SKIP_LIVE:-0}" = 1 ]; then
	echo "hostile PTR test SKIPPED (not root)"
else
	fail "hostile PTR" "needs root (set SCANDETD_SKIP_LIVE=1 to skip)"
fi

# ---- a live daemon ---------------------------------------------------------------

if [ $IS_ROOT = 1 ]; then
	NETNS=sd-mail-$$
	NS=$NETNS
	ip netns add "$NS" && ip -n "$NS" link set lo up &&
		ip -n "$NS" addr add 198.51.100.10/32 dev lo
	check "live: namespace set up" test $? -eq 0
	start_smtpd live
	LPORT=$PORT
	cat >"$TMPD/live-d.conf" <<EOF
RunAsUser nobody
PidFile $TMPD/live-d.pid
SendEmail yes
MailPort $LPORT
MailSubject "live %p scan from %s"
EOF
	ip netns exec "$NS" "$SCANDETD" -c "$TMPD/live-d.conf" -i lo -F \
		>"$TMPD/live-d.out" 2>"$TMPD/live-d.err" &
	DPID=$!
	PIDS="$PIDS $DPID"
	check "live: daemon started" wait_file "$TMPD/live-d.err" 'started on lo'
	check_grep "live: the mailer says where mail goes" "$TMPD/live-d.err" \
		"mail: alerts go to smtp://127\\.0\\.0\\.1:$LPORT/localhost to 1 recipient, at most 5 a minute"
	MPID=$(pgrep -P "$DPID" -x scandetd-mailer | head -n 1)
	EPID=$(pgrep -P "$DPID" -x scandetd-engine | head -n 1)
	check "live: the mailer is the daemon's child" test -n "$MPID"
	check_eq "live: the mailer runs as nobody" \
		"$(awk '/^Uid:/ {print $2, $3, $4}' /proc/$MPID/status 2>/dev/null)" \
		"$(id -u nobody) $(id -u nobody) $(id -u nobody)"
	# No capture socket and no file but its log went with the fork.
	inodes() { ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p'; }
	awk 'NR > 1 {print $NF}' "/proc/$DPID/net/packet" | sort >"$TMPD/packet"
	inodes "$EPID" | sort >"$TMPD/dsock"
	inodes "$MPID" | sort >"$TMPD/msock"
	check "live: the packet process holds a capture socket" test -n "$(comm -12 "$TMPD/packet" "$TMPD/dsock")"
	check_eq "live: the mailer holds none" "$(comm -12 "$TMPD/packet" "$TMPD/msock")" ""
	check_eq "live: the mailer holds no file but its log" \
		"$(ls -l "/proc/$MPID/fd" | sed -n 's/.* -> \(\/.*\)$/\1/p' | sort -u | tr '\n' ' ')" \
		"/dev/null $TMPD/live-d.err "
	ip netns exec "$NS" "$SPOOFS" -s 203.0.113.5 -d 198.51.100.10 -p 3-200 >/dev/null
	check "live: a scan is mailed" wait_count "$TMPD/live" 1
	check_mail live "$TMPD/live/1" "subject=live TCP scan from 203.0.113.5"

	# Relay down: the failure is logged; back up: the retry delivers.
	stop_smtpd live
	ip netns exec "$NS" "$SPOOFS" -s 203.0.113.6 -d 198.51.100.10 -p 3-200 >/dev/null
	check "live, relay down: failure logged" wait_file "$TMPD/live-d.err" \
		'could not send .*203\.0\.113\.6.*attempt 1'
	start_smtpd live --port "$LPORT"
	check "live, relay up again: the retry delivers" wait_count "$TMPD/live" 2 150
	check_mail "live retry" "$TMPD/live/2" "subject=live TCP scan from 203.0.113.6"

	# Mail options change at restart, and the log says so.
	sed -i 's/^MailSubject .*/MailSubject "changed %s"/' "$TMPD/live-d.conf"
	kill -HUP "$DPID"
	check "live: SIGHUP says mail options wait for a restart" \
		wait_file "$TMPD/live-d.err" 'email options change at the next restart'
	ip netns exec "$NS" "$SPOOFS" -s 203.0.113.7 -d 198.51.100.10 -p 3-200 >/dev/null
	check "live: still mailing after SIGHUP" wait_count "$TMPD/live" 3
	check_mail "live after SIGHUP" "$TMPD/live/3" "subject=live TCP scan from 203.0.113.7"

	kill -TERM "$DPID"
	T0=$(now_ms)
	while kill -0 "$DPID" 2>/dev/null && [ $(($(now_ms) - T0)) -lt 5000 ]; do sleep 0.1; done
	check "live: SIGTERM stops the daemon within 3 s" test $(($(now_ms) - T0)) -lt 3000
	check "live: and the mailer" mailer_gone "$MPID"
	# The three scans' summaries at the stop: over MailRateLimit (5),
	# the last in a digest.
	check_grep "live: the mailer's summary" "$TMPD/live-d.err" \
		'mail: done: 6 alerts received, 6 messages sent, 0 not delivered'
	NS=""
elif [ "${SCANDETD_SKIP_LIVE:-0}" = 1 ]; then
	echo "live mail tests SKIPPED (not root)"
else
	fail "live mail" "needs root (set SCANDETD_SKIP_LIVE=1 to skip)"
fi

# ---- the rate limit's window: the end -----------------------------------------

wait "$WATCHER"
read -r WAITED WSTATE <"$TMPD/window.seen"
check "window: the digest comes when the window reopens" test "$WAITED" != none
[ "$WAITED" = none ] && WAITED=0
check "window: ... after about a minute" test "$WAITED" -ge 59000
check_eq "window: ... while scandetd still reads" "$WSTATE" reading
check_mail window "$TMPD/window/2" "subject=scandetd: 3 more alerts" listed=3
wait "$WPID"
check "window: the mailer finished" wait_done window
check_eq "window: the last alert in a digest at the end" "$(count "$TMPD/window")" 3

# Under ASan+UBSan (make SAN=1), the mailer checks for leaks at exit too.
for f in "$TMPD"/*.err; do
	if grep -q 'Sanitizer' "$f"; then
		fail "sanitizers: $(basename "$f")" "$(grep -m 3 'Sanitizer' "$f")"
	fi
done
check "no sanitizer report" true
finish
