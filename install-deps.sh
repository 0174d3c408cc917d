#!/bin/sh
# install-deps.sh - install what building and testing scandetd needs on
# Debian 12 (run as root).  Build: a C compiler, make, pkg-config, libpcap.
# Tests: clang (second compiler, sanitizer runtime), python3, tcpdump and
# tshark (to read captures back), nmap, hping3, masscan (real scanners),
# iproute2 (network namespaces), netbase (/etc/services), curl, openssl
# and rsyslog (tests/e2e: a real client, a TLS service, a syslog receiver).
# Email: libcurl4-openssl-dev (SMTP), python3-aiosmtpd (tests/mail: the
# SMTP server), util-linux (unshare).
# Sandboxes: libseccomp-dev (per-role seccomp filters), libsystemd-dev
# (sd_notify).  The fail2ban hand-off (tests/f2b): nftables (the sets
# fail2ban bans into) and fail2ban, below.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential clang libclang-rt-14-dev pkg-config libpcap-dev \
	python3 tcpdump tshark nmap hping3 masscan iproute2 netbase \
	procps psmisc ca-certificates curl openssl rsyslog \
	libcurl4-openssl-dev python3-aiosmtpd util-linux \
	libseccomp-dev libsystemd-dev nftables >/dev/null
# fail2ban: tests/f2b runs fail2ban-regex and a fail2ban-server of its own
# (own configuration, socket and PID file, in a network namespace).
# Debian's package starts and enables the system's fail2ban.service, which
# the tests do not want: a fail2ban new here is installed with service
# starts refused (policy-rc.d, unless the machine has one already) and
# left disabled.
if ! dpkg-query -W -f='${Status}' fail2ban 2>/dev/null | grep -q 'ok installed'; then
	policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		policy=/usr/sbin/policy-rc.d
	fi
	rc=0
	apt-get install -y -qq --no-install-recommends fail2ban >/dev/null || rc=$?
	[ -z "$policy" ] || rm -f "$policy"
	[ "$rc" -eq 0 ] || exit "$rc"
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now fail2ban.service >/dev/null 2>&1 || true
	fi
fi
# The account scandetd drops to (default RunAsUser), as make install
# creates it: the test suite runs scandetd as root.
"$(dirname "$0")/contrib/scandetd-adduser"
echo "install-deps: done"
