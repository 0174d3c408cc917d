#!/bin/sh
# install-deps.sh - install what building and testing scandetd needs on
# Debian 12 (run as root).  Build: a C compiler, make, pkg-config, libpcap.
# Tests: clang (second compiler, sanitizer runtime), python3, tcpdump and
# tshark (to read captures back), wireshark-common (mergecap: captures
# merged into one, tests/cli/t_config.sh), nmap, hping3, masscan (real scanners),
# iproute2 (network namespaces), netbase (/etc/services), curl, openssl
# and rsyslog (tests/e2e: a real client, a TLS service, a syslog receiver).
# Email: libcurl4-openssl-dev (SMTP), python3-aiosmtpd (tests/mail: the
# SMTP server), util-linux (unshare).
# Sandboxes: libseccomp-dev (per-role seccomp filters), libsystemd-dev
# (sd_notify).
# Metrics: libmicrohttpd-dev (MetricsListen's HTTP), prometheus (promtool
# and a real server scraping scandetd in tests/live/t_metrics.sh).
# The Debian package (tests/deb): dpkg-dev (dpkg-buildpackage), debhelper
# (dh, compat 13), lintian (no errors allowed), systemd (systemd-analyze
# verify on the packaged unit; nothing is started), adduser (postinst,
# postrm).  No fakeroot: the package builds with Rules-Requires-Root: no.
# The fail2ban hand-off (tests/f2b): nftables (the sets fail2ban bans
# into) and fail2ban, below.
# The -r report (tests/cli/t_report.sh): bsdutils (script(1), a
# pseudo-terminal for the progress line; Essential, named all the same)
# and tshark's wireshark-common (editcap, mergecap, capinfos).
# Log rotation (tests/live/t_logs.sh): logrotate, run for real on the
# shipped contrib/scandetd.logrotate.
# make bench-live (bench/live.sh; not a test): netsniff-ng (trafgen, the
# generator), scanlogd (the peer measured beside scandetd; its service
# is not started here, see policy-rc.d below) and tcpdump (the ceiling).
set -eu
export DEBIAN_FRONTEND=noninteractive
# Packages with a service (prometheus, fail2ban, scanlogd) are installed for the
# tests, which run their own instances: none is started here (policy-rc.d
# answers 101, unless the machine has a policy of its own).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential clang libclang-rt-14-dev pkg-config libpcap-dev \
	python3 tcpdump tshark wireshark-common nmap hping3 masscan iproute2 netbase \
	procps psmisc ca-certificates curl openssl rsyslog \
	libcurl4-openssl-dev python3-aiosmtpd util-linux \
	libseccomp-dev libsystemd-dev libmicrohttpd-dev prometheus nftables \
	dpkg-dev debhelper lintian systemd adduser bsdutils \
	logrotate netsniff-ng scanlogd valgrind >/dev/null
# fail2ban: tests/f2b runs fail2ban-regex and a fail2ban-server of its own
# (own configuration, socket and PID file, in a network namespace).
# Debian's package enables the system's fail2ban.service, which the tests
# do not want: a fail2ban new here is installed with service starts
# refused (the policy-rc.d above) and left disabled; one the machine had
# already is left as it was.
if ! dpkg-query -W -f='${Status}' fail2ban 2>/dev/null | grep -q 'ok installed'; then
	apt-get install -y -qq --no-install-recommends fail2ban >/dev/null
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable fail2ban.service >/dev/null 2>&1 || true
	fi
fi
# The account scandetd drops to (default RunAsUser), as make install
# creates it: the test suite runs scandetd as root.
"$(dirname "$0")/contrib/scandetd-adduser"
echo "install-deps: done"
