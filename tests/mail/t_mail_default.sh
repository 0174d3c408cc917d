#!/bin/sh
# The shipped configuration mails nobody.
#
# In a network namespace of its own, a real SMTP server (tests/mail/
# smtpd.py, python3-aiosmtpd) listens where the built-in defaults send
# mail, 127.0.0.1:25.  scandetd --mail -r reads a real nmap -O capture
# (an OS probe, and a SYN scan) with contrib/scandetd.conf as shipped: no
# message, and no mailer even started.  The same with no configuration
# at all.  Then the shipped file with one RcptTo line added, as an admin
# would: the OS probe is mailed (OSFPSendMail's default is yes once mail
# is configured), the scan is not (SendEmail no).  And an original
# scandetd file that says "OSFPSendMail yes" and nothing else mails as it
# did, to root@localhost.
#
# Needs root (a namespace, port 25).
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	fail mail-default "needs root (a network namespace, port 25)"
	finish
fi
PY=""
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import aiosmtpd' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
	fail aiosmtpd "no python3 with aiosmtpd (Debian: python3-aiosmtpd)"
	finish
fi
OS_PCAP="$DATA/nmap_O_synscan_osdetect_2026.pcapng"
OS_SRC=192.168.29.14

NS=sd-maildef-$$
SMTPD_PID=""
cleanup() {
	[ -n "$SMTPD_PID" ] && kill "$SMTPD_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	return 0
}
at_exit cleanup
# The mailer drops to RunAsUser: what it runs must be reachable.
chmod 755 "$TMPD"

ip netns add "$NS" && ip -n "$NS" link set lo up
check "namespace set up" test $? -eq 0
ip netns exec "$NS" "$PY" "$TOP/tests/mail/smtpd.py" --port 25 \
	--dir "$TMPD/mail" --pidfile "$TMPD/smtpd.pid" >"$TMPD/smtpd.log" 2>&1 &
check "SMTP server on 127.0.0.1:25" wait_for "$TMPD/smtpd.pid" '^[0-9]+$' 10
SMTPD_PID=$(cat "$TMPD/smtpd.pid" 2>/dev/null)

count() { ls "$TMPD/mail" 2>/dev/null | grep -c '\.json$'; }

# run NAME CONF: scandetd --mail -r over the capture, in the namespace;
# waits for the mailer's last line when a mailer ran.
run() {
	ip netns exec "$NS" "$SCANDETD" --mail -c "$2" -r "$OS_PCAP" \
		>"$TMPD/$1.out" 2>"$TMPD/$1.err"
	RC=$?
	if grep -q '^scandetd: mail: ' "$TMPD/$1.err"; then
		wait_for "$TMPD/$1.err" 'mail: done: ' 20
	fi
}

run shipped "$TOP/contrib/scandetd.conf"
check_eq "shipped: -r ends cleanly" "$RC" 0
check_grep "shipped: the OS probe is reported" "$TMPD/shipped.out" \
	"^([0-9-]+T[0-9:.]+Z )?Possible nmap OS probe from $OS_SRC"
check_grep "shipped: and the scan" "$TMPD/shipped.out" \
	"^([0-9-]+T[0-9:.]+Z )?Possible port scan from $OS_SRC"
check_nogrep "shipped: no mailer started" "$TMPD/shipped.err" '^scandetd: mail: '
check_nogrep "shipped: nothing handed to a mailer" "$TMPD/shipped.err" '^stat mail\.'
check_eq "shipped: no message at 127.0.0.1:25" "$(count)" 0
check_eq "shipped: -s says OSFPSendMail no" \
	"$("$SCANDETD" -s -c "$TOP/contrib/scandetd.conf" | grep '^OSFPSendMail')" \
	"OSFPSendMail no"

run none /dev/null
check_nogrep "no configuration: no mailer started" "$TMPD/none.err" '^scandetd: mail: '
check_eq "no configuration: no message" "$(count)" 0

# The admin's one line.
{ cat "$TOP/contrib/scandetd.conf"; echo "RcptTo admin@example.org"; } \
	>"$TMPD/rcpt.conf"
run rcpt "$TMPD/rcpt.conf"
check_grep "with RcptTo: the mailer ran" "$TMPD/rcpt.err" 'mail: done: 1 alert received'
check_eq "with RcptTo: one message, the OS probe (SendEmail no)" "$(count)" 1
check_grep "  ... to the recipient given" "$TMPD/mail/1.json" '"admin@example.org"'
check_grep "  ... about the OS probe" "$TMPD/mail/1.eml" \
	"^([0-9-]+T[0-9:.]+Z )?Possible nmap OS probe from $OS_SRC"

# An original scandetd 1.x file that asks for OS-probe mail.
printf 'OSFPSendMail yes\nRunAsUser scandetd\n' >"$TMPD/old.conf"
run old "$TMPD/old.conf"
check_eq "OSFPSendMail yes alone: mailed as the original did" "$(count)" 2
check_grep "  ... to root@localhost" "$TMPD/mail/2.json" '"root@localhost"'

finish
