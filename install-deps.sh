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
# (sd_notify).
# Metrics: libmicrohttpd-dev (MetricsListen's HTTP), prometheus (promtool
# and a real server scraping scandetd in tests/live/t_metrics.sh).
set -eu
export DEBIAN_FRONTEND=noninteractive
# Packages with a service (prometheus) are installed for the tests, which
# run their own instances: none is started here (policy-rc.d 101).
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential clang libclang-rt-14-dev pkg-config libpcap-dev \
	python3 tcpdump tshark nmap hping3 masscan iproute2 netbase \
	procps psmisc ca-certificates curl openssl rsyslog \
	libcurl4-openssl-dev python3-aiosmtpd util-linux \
	libseccomp-dev libsystemd-dev libmicrohttpd-dev prometheus >/dev/null
# The account scandetd drops to (default RunAsUser), as make install
# creates it: the test suite runs scandetd as root.
"$(dirname "$0")/contrib/scandetd-adduser"
echo "install-deps: done"
