#!/bin/bash
# tests/pcap/make_captures.sh - rebuild the ns_*.pcap test captures.
#
#   sudo tests/pcap/make_captures.sh [OUTDIR]     (default: $OUT, else
#                                                  tests/pcap/data)
#
# Runs real nmap, hping3 and curl between network namespaces that this script
# creates, and records what the target sees with tcpdump.  Nothing leaves the
# namespaces: they have no route and no link to the host's network.
#
# Topology (four namespaces, suffix $$ so that parallel runs do not collide):
#
#   sd-cap-attacker-$$  a0  198.51.100.20/24  2001:db8::20/64 --+
#   sd-cap-client-$$    c0  198.51.100.30/24  2001:db8::30/64 --+-- br0 in sd-cap-br-$$
#   sd-cap-target-$$    t0  198.51.100.10/24  2001:db8::10/64 --+
#
# Captures are taken on t0 inside the target namespace (tcpdump -i t0 -U -w).
# The target runs tests/netns/services.py on both address families:
#   22/tcp  sends an SSH-2.0 banner,   80/tcp  HTTP/1.0,
#   443/tcp HTTPS (self-signed cert),  53/udp  answers DNS queries (A 192.0.2.1).
# The namespaces, tcpdump and the teardown are tests/netns/lib.sh's.
# The committed ns_benign_http.pcap and ns_benign_mixed.pcap were made when
# the target sent the head and the body of each HTTP response in two
# segments; services.py now sends them in one (as for the ns2_* captures),
# so a new run has two packets fewer per request.
#
# Needs root, iproute2, tcpdump, nmap, hping3, curl, openssl, python3.
# Only documentation addresses are used (198.51.100.0/24, 203.0.113.0/24 as
# the spoofed hping3 source, 192.0.2.1 in DNS answers, 2001:db8::/32).
# Every generator has an explicit target, port list and packet count or rate.

set -eu
set -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/netns/lib.sh"
netns_capture_setup make_captures "${1:-}" nmap hping3 curl openssl
WORK=$NETNS_WORK

SFX=$$
NS_BR=sd-cap-br-$SFX
NS_T=sd-cap-target-$SFX
NS_A=sd-cap-attacker-$SFX
NS_C=sd-cap-client-$SFX
T4=198.51.100.10
A4=198.51.100.20
C4=198.51.100.30
T6=2001:db8::10
A6=2001:db8::20
C6=2001:db8::30
SPOOF=203.0.113.99

# ---------------------------------------------------------------- namespaces
netns_bridge "$NS_BR"
netns_host "$NS_T" t0 $T4/24 $T6/64
netns_host "$NS_A" a0 $A4/24 $A6/64
netns_host "$NS_C" c0 $C4/24 $C6/64

# ------------------------------------------------------------ target services
netns_cert "$WORK"
netns_services "$NS_T" "$WORK/services.log" --cert "$WORK/cert.pem" --key "$WORK/key.pem"

# Warm up: check the services and fill the neighbour caches (not captured).
netns_get "$NS_C" "http://$T4/" "https://$T4/" "http://[$T6]/"
netns_get "$NS_A" "http://$T4/" "http://[$T6]/"
sleep 1

# ------------------------------------------------------------------ capture
cap_start() { netns_capture "$OUT/$1" "$NS_T" t0; }   # cap_start FILE
cap_stop() { netns_capture_end; }

NMAP="nmap -n -Pn --max-rate 2000"
nm() {   # nm FILE NMAP-ARGS...: one nmap run from the attacker against the target
	netns_capture_run "$OUT/$1" "$NS_T" t0 "$WORK/$1.nmap.txt" inns "$NS_A" $NMAP "${@:2}"
	sed -n '/^PORT\|open\|filtered\|Running\|OS details\|Nmap done/p' "$WORK/$1.nmap.txt" | head -20 | sed 's/^/    /'
}

echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), kernel $(uname -r)"
echo "$(nmap --version | head -n 1); $(tcpdump --version 2>&1 | head -n 1);" \
	"hping3 $(dpkg-query -W -f '${Version}' hping3 2>/dev/null); $(curl --version | head -n 1 | cut -d' ' -f1-2)"
nm ns_nmap_sS.pcap  -sS -p 1-200 $T4
nm ns_nmap_sT.pcap  -sT -p 1-200 $T4
nm ns_nmap_sF.pcap  -sF -p 1-200 $T4
nm ns_nmap_sN.pcap  -sN -p 1-200 $T4
nm ns_nmap_sX.pcap  -sX -p 1-200 $T4
nm ns_nmap_sA.pcap  -sA -p 1-200 $T4
nm ns_nmap_sU.pcap  -sU -p 40-80,53,123,161 --max-retries 1 $T4
nm ns_nmap_O.pcap   -O -p 22,80,443,1 $T4
nm ns_nmap_sS6.pcap -6 -sS -p 1-200 $T6
nm ns_nmap_sV.pcap  -sV -p 22,80,443 $T4

cap_start ns_hping3_flood.pcap
inns "$NS_A" hping3 -q -S -p 80 -a $SPOOF -c 2000 -i u1000 $T4 >"$WORK/hf.txt" 2>&1 || true
cap_stop
cap_start ns_hping3_scan.pcap
inns "$NS_A" hping3 -q -S -p ++1 -c 150 -i u10000 $T4 >"$WORK/hs.txt" 2>&1 || true
cap_stop

curls() {   # curls N: N separate HTTP requests from the client
	ok=0
	for _ in $(seq "$1"); do
		inns "$NS_C" curl -s -o /dev/null --max-time 5 "http://$T4/" && ok=$((ok + 1))
	done
	echo "    curl: $ok/$1 requests succeeded"
}

cap_start ns_benign_http.pcap
curls 300
inns "$NS_C" "$PY" "$NETNS_DIR/dnsq.py" --quiet $T4 50 | sed 's/^/    dns /'
cap_stop

cap_start ns_benign_mixed.pcap
curls 100 &
CURL_PID=$!
netns_track "$CURL_PID"
sleep 0.5
inns "$NS_A" $NMAP -sS -p 1-100 $T4 >"$WORK/mixed.nmap.txt" 2>&1
wait "$CURL_PID"
netns_untrack "$CURL_PID"
cap_stop

# ------------------------------------------------------------------ summary
echo
"$PY" "$NETNS_DIR/summary.py" "$OUT"/ns_*.pcap
