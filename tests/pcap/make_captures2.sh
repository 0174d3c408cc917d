#!/bin/bash
# tests/pcap/make_captures2.sh - rebuild the ns2_*.pcap test captures.
#
#   sudo tests/pcap/make_captures2.sh [OUTDIR]    (default: $OUT, else
#                                                  tests/pcap/data)
#
# The second set of namespace captures (the first is make_captures.sh, whose
# structure this script follows): more nmap scan types, masscan, a zmap
# sweep of a /24, slow and spoofed scans and floods, and benign traffic from
# real clients (ab, curl) to real servers.  Runs in about 3.5 minutes.
#
# Nothing leaves the namespaces that this script creates: they have no link
# and no route to the host's network.  Only documentation addresses are
# used: 198.51.100.0/24 (the LAN), 192.0.2.0/24 (the remote scanner's
# link), 203.0.113.0/24 (spoofed and decoy sources), 2001:db8::/32.
# Every generator has an explicit target inside the LAN, an explicit port
# list and a packet count or a bounded rate.
#
# Topology (namespaces suffixed with $$ so that parallel runs do not collide):
#
#   sd2-target-$$    t0  198.51.100.10/24  2001:db8::10/64 --+
#   sd2-attacker-$$  a0  198.51.100.20/24  2001:db8::20/64 --+
#   sd2-client-$$    c0  198.51.100.30/24  2001:db8::30/64 --+
#                        + 198.51.100.100-119/24 (benign_server clients)
#   sd2-hosts1-$$    h1  198.51.100.11-19/24  -----------------+-- br0 in
#   sd2-hosts2-$$    h2  198.51.100.21-29/24  -----------------+   sd2-br-$$
#   sd2-hosts3-$$    h3  198.51.100.31-42/24  -----------------+
#   sd2-router-$$    r0  198.51.100.1/24  ---------------------+
#                    x0  192.0.2.1/24  --- x1 192.0.2.20/24  sd2-remote-$$
#
# The 30 sweep hosts (11-19, 21-29, 31-42) accept TLS on 443 on every
# address and HTTP on 80 only on 198.51.100.11, .15, .23, .27, .35 and .41;
# their other ports are closed.  The remote namespace (zmap's scanner)
# reaches the LAN through the router; every LAN namespace routes
# 192.0.2.0/24 via 198.51.100.1 and has no other route.
#
# Sensor positions: most files are captured on t0 in the target namespace
# (tcpdump -i t0), as in make_captures.sh; ns2_zmap_sweep.pcap and
# ns2_benign_fanout443.pcap on br0 in the bridge namespace (tcpdump puts
# the bridge in promiscuous mode, so it sees every frame the bridge
# forwards: a sensor on the link).
#
# Needs root, iproute2, tcpdump, nmap, hping3, masscan, zmap, curl, ab
# (apache2-utils), openssl, python3, and build/spoofs (make build/spoofs;
# or $SPOOFS).  The services are tests/netns/services.py; the namespaces,
# tcpdump and the teardown are tests/netns/lib.sh's.

set -eu
set -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/netns/lib.sh"
netns_capture_setup make_captures2 "${1:-}" nmap hping3 masscan zmap curl ab openssl
WORK=$NETNS_WORK
SPOOFS=${SPOOFS:-$TOP/build/spoofs}
[ -x "$SPOOFS" ] || { echo "missing $SPOOFS: run make build/spoofs" >&2; exit 1; }

SFX=$$
NS_BR=sd2-br-$SFX
NS_T=sd2-target-$SFX
NS_A=sd2-attacker-$SFX
NS_C=sd2-client-$SFX
NS_H1=sd2-hosts1-$SFX
NS_H2=sd2-hosts2-$SFX
NS_H3=sd2-hosts3-$SFX
NS_R=sd2-router-$SFX
NS_X=sd2-remote-$SFX
NET=198.51.100
T4=$NET.10
A4=$NET.20
C4=$NET.30
R4=$NET.1
T6=2001:db8::10
A6=2001:db8::20
C6=2001:db8::30
X4=192.0.2.20          # zmap's scanner, behind the router
XR4=192.0.2.1          # the router on the remote link
HOSTS1="11 12 13 14 15 16 17 18 19"
HOSTS2="21 22 23 24 25 26 27 28 29"
HOSTS3="31 32 33 34 35 36 37 38 39 40 41 42"
OPEN80="$NET.11 $NET.15 $NET.23 $NET.27 $NET.35 $NET.41"

# ---------------------------------------------------------------- namespaces
# Only the target, the attacker and the client speak IPv6; the others stay
# silent on it.  Every LAN namespace routes 192.0.2.0/24 via the router.
netns_bridge "$NS_BR"
lan() {   # lan NS IFACE ADDR/LEN...
	netns_host "$@"
	inns "$1" ip route add 192.0.2.0/24 via $R4 dev "$2"
}
lan "$NS_T" t0 $T4/24 $T6/64
lan "$NS_A" a0 $A4/24 $A6/64
lan "$NS_C" c0 $C4/24 $C6/64
for i in $(seq 100 119); do netns_addr "$NS_C" c0 "$NET.$i/24"; done
hosts() { for n in "$@"; do printf '%s ' "$NET.$n/24"; done; }
# shellcheck disable=SC2046,SC2086
lan "$NS_H1" h1 $(hosts $HOSTS1)
# shellcheck disable=SC2046,SC2086
lan "$NS_H2" h2 $(hosts $HOSTS2)
# shellcheck disable=SC2046,SC2086
lan "$NS_H3" h3 $(hosts $HOSTS3)
# Router: r0 on the bridge, x0 to the remote namespace's x1.
netns_host "$NS_R" r0 $R4/24
netns_add "$NS_X"
inns "$NS_R" ip link add x0 type veth peer name x1
inns "$NS_R" ip link set x1 netns "$NS_X"
inns "$NS_R" ip link set x0 up
inns "$NS_R" ip addr add $XR4/24 dev x0
inns "$NS_R" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
	net.ipv4.conf.r0.send_redirects=0 net.ipv4.conf.x0.send_redirects=0
inns "$NS_X" ip link set x1 up
inns "$NS_X" ip addr add $X4/24 dev x1
inns "$NS_X" ip route add $NET.0/24 via $XR4 dev x1

# ------------------------------------------------------------------ services
# The target: 22, 80, 443/tcp and 53/udp on [::].  The sweep hosts: 443/tcp
# on 0.0.0.0, 80/tcp on their addresses in OPEN80.
netns_cert "$WORK"
CERT="--cert $WORK/cert.pem --key $WORK/key.pem"
# shellcheck disable=SC2086
netns_services "$NS_T" "$WORK/svc-t.log" $CERT
h=1
for ns in $NS_H1 $NS_H2 $NS_H3; do
	http=""
	for a in $OPEN80; do
		if inns "$ns" ip -4 -o addr show dev h$h | grep " $a/" >/dev/null; then http="$http --http $a:80"; fi
	done
	# shellcheck disable=SC2086
	netns_services "$ns" "$WORK/svc-h$h.log" $CERT --https 0.0.0.0:443 $http
	h=$((h + 1))
done

# Warm up: check the services and fill the neighbour caches (not captured).
netns_get "$NS_C" "http://$T4/" "https://$T4/" "http://[$T6]/" "http://$NET.11/" "https://$NET.42/"
netns_get "$NS_A" "http://$T4/" "http://[$T6]/"
netns_get "$NS_X" "http://$T4/"
sleep 1

# ------------------------------------------------------------------ capture
cap_start() {   # cap_start FILE [NS IFACE]: default the target's t0
	netns_capture "$OUT/$1" "${2:-$NS_T}" "${3:-t0}"
}
cap_stop() { netns_capture_end; }

NMAP="nmap -n -Pn --max-rate 2000"
nm() {   # nm FILE NMAP-ARGS...: one nmap run from the attacker against the target
	netns_capture_run "$OUT/$1" "$NS_T" t0 "$WORK/$1.nmap.txt" inns "$NS_A" $NMAP "${@:2}"
	sed -n '/^PORT\|open\|filtered\|Nmap done/p' "$WORK/$1.nmap.txt" | sed -n '1,12s/^/    /p'
}

echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), kernel $(uname -r)"
echo "$(nmap --version | head -n 1); $(masscan --version 2>&1 | grep -m1 version);" \
	"$(zmap --version 2>&1 | head -n 1); hping3 $(dpkg-query -W -f '${Version}' hping3 2>/dev/null);" \
	"$(curl --version | head -n 1 | cut -d' ' -f1-2); $(ab -V | head -n 1)"

# ------------------------------------------------------------ scans of .10
nm ns2_nmap_sM.pcap     -sM -p 1-100 $T4
nm ns2_nmap_sW.pcap     -sW -p 1-100 $T4
nm ns2_nmap_decoys.pcap -sS -D 203.0.113.50,203.0.113.51,ME -p 1-100 $T4
nm ns2_nmap_frag.pcap   -sS -f -p 20-30 $T4
nm ns2_nmap_sU6.pcap    -6 -sU -p 53,123,161,1000-1010 --max-retries 1 $T6
nm ns2_nmap_slow.pcap   -sS -T1 -p 21,22,23,25,80,110 $T4

# masscan: its own TCP stack on a0, sending straight to the target's MAC.
cap_start ns2_masscan.pcap
# masscan 1.3.2 with this libpcap does not exit once done (its receive thread
# stays blocked in poll() while no packet arrives), so it is stopped after
# 12 s; it needs under 1 s to send its 200 probes, plus --wait 3.
ROUTER_MAC=$(netns_mac "$NS_T" t0)
inns "$NS_A" timeout -k 2 12 masscan -p1-200 $T4 --rate 500 --wait 3 --adapter a0 \
	--adapter-ip $A4 --router-mac "$ROUTER_MAC" >"$WORK/masscan.txt" 2>&1 || true
cap_stop
tr '\r' '\n' <"$WORK/masscan.txt" | grep '^Discovered' | sed 's/^/    masscan: /' || true

# zmap from the remote scanner through the router, seen on the LAN's bridge.
# The blacklist file replaces zmap's default one (which excludes the
# documentation ranges) and drops the network and broadcast addresses.
printf '%s\n' "$NET.0/32" "$NET.255/32" >"$WORK/zmap-blacklist"
cap_start ns2_zmap_sweep.pcap "$NS_BR" br0
inns "$NS_X" zmap -q -p 80 -r 100 -n 254 -c 5 -i x1 -S $X4 -G "$(netns_mac "$NS_R" x0)" \
	-b "$WORK/zmap-blacklist" -o "$WORK/zmap.out" $NET.0/24 >"$WORK/zmap.txt" 2>&1
cap_stop
echo "    zmap: $(wc -l <"$WORK/zmap.out") hosts answered SYN/ACK on 80: $(sort -t. -k4n "$WORK/zmap.out" | tr '\n' ' ')"

# hping3
cap_start ns2_hping3_syn_scan_slow.pcap
inns "$NS_A" hping3 -q -S -p ++1 -c 30 -i 1 $T4 >"$WORK/hs.txt" 2>&1 || true
cap_stop
cap_start ns2_hping3_udp_flood.pcap
inns "$NS_A" hping3 -q --udp -p 53 -a 203.0.113.77 -c 1000 -i u1000 $T4 >"$WORK/hu.txt" 2>&1 || true
cap_stop

# A SYN flood to 80 from 256 spoofed sources (203.0.113.0-255, 8 SYNs each).
cap_start ns2_spoofed_synflood.pcap
inns "$NS_A" "$SPOOFS" -s 203.0.113.0/24 -d $T4 -p 80 -c 2048 -r 2000 2>&1 | sed 's/^/    /'
cap_stop

# ------------------------------------------------------------------ benign
cap_start ns2_benign_http_many.pcap
inns "$NS_C" ab -q -n 2000 -c 4 "http://$T4/" >"$WORK/ab.txt" 2>&1
cap_stop
grep -E '^(Complete|Failed|Non-2xx)' "$WORK/ab.txt" | sed 's/^/    ab: /'

urls() {   # urls N URL: "-o /dev/null URL" N times
	for _ in $(seq "$1"); do printf -- '-o /dev/null %s ' "$2"; done
}
cap_start ns2_benign_tls_burst.pcap
# shellcheck disable=SC2046
inns "$NS_C" curl -sk --parallel --parallel-immediate --parallel-max 40 -w '%{http_code}\n' \
	$(urls 40 "https://$T4/") >"$WORK/tls.txt" 2>&1 || true
cap_stop
echo "    curl: $(grep -c '^200$' "$WORK/tls.txt")/40 HTTPS requests answered 200"

cap_start ns2_benign_server.pcap
CPIDS=""
for i in $(seq 100 119); do
	# shellcheck disable=SC2046
	ip netns exec "$NS_C" curl -s --interface "$NET.$i" --max-time 10 -w '%{http_code}\n' \
		$(urls 10 "http://$T4/") >"$WORK/srv-$i.txt" 2>&1 &
	netns_track $!
	CPIDS="$CPIDS $!"
done
for p in $CPIDS; do wait "$p" || true; netns_untrack "$p"; done
cap_stop
echo "    curl: $(cat "$WORK"/srv-*.txt | grep -c '^200$')/200 requests from 20 clients answered 200"

cap_start ns2_benign_dns.pcap
inns "$NS_C" "$PY" "$NETNS_DIR/dnsq.py" --quiet --gap 0.005 $T4 500 | sed 's/^/    dns /'
cap_stop

FAN=""
for n in $HOSTS1 $HOSTS2 $HOSTS3; do FAN="$FAN -o /dev/null https://$NET.$n/"; done
cap_start ns2_benign_fanout443.pcap "$NS_BR" br0
# shellcheck disable=SC2086
inns "$NS_C" curl -sk --parallel --parallel-max 6 --max-time 10 -w '%{http_code}\n' $FAN \
	>"$WORK/fan.txt" 2>&1 || true
cap_stop
echo "    curl: $(grep -c '^200$' "$WORK/fan.txt")/30 hosts answered 200 on 443"

# ------------------------------------------------------------------ summary
echo
"$PY" "$NETNS_DIR/summary.py" "$OUT"/ns2_*.pcap
