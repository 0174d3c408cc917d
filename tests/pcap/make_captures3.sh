#!/bin/bash
# tests/pcap/make_captures3.sh - rebuild the ns3_*.pcap test captures (the
# attacks of issue 12: host discovery, the rarer scan types, victims that
# must not be blamed, distributed and slow scans).
#
#   sudo tests/pcap/make_captures3.sh [OUTDIR]    (default: $OUT, else
#                                                  tests/pcap/data)
#   sudo PARTS="routed lan" tests/pcap/make_captures3.sh   (some parts only)
#
# PARTS (default all, in this order): routed (ICMP and ICMPv6 host
# discovery from behind a router), lan (ARP and neighbour-discovery sweeps
# on the segment), proto (nmap -sO, -sY, -sZ), multi (several techniques
# against one port), reflection (SYN/ACK reflection seen by its victim),
# udpscan (a UDP scan whose target answers), backscatter (a flooded
# server's answers to spoofed LAN addresses), distributed (a distributed
# scan, then a spoofed SYN flood, whose victim retransmits its SYN/ACKs for
# a minute afterwards: no live part should follow it), slow (a 24-hour
# horizontal sweep, written by build/spoofs, merged with a retimed busy
# client).  The structure follows make_captures2.sh.
#
# Nothing leaves the namespaces that this script creates: they have no link
# and no route to the host's network.  Only documentation addresses are
# sent: 198.51.100.0/24 (the LAN), 192.0.2.0/24 (the remote side),
# 203.0.113.0/24 (spoofed sources), 2001:db8::/32.  Every generator has an
# explicit target inside these, an explicit port list and a packet count or
# a bounded rate.  The one exception is in a file, not on a wire: the slow
# sweep's 172.16.0.0/17 targets are written by build/spoofs -w, which sends
# nothing.
#
# Topology (namespaces suffixed with $$ so that parallel runs do not collide):
#
#   sd3-target-$$    t0  198.51.100.10/24  2001:db8::10/64 --+
#   sd3-attacker-$$  a0  198.51.100.20/24  2001:db8::20/64 --+
#   sd3-victim-$$    v0  198.51.100.30/24  ------------------+
#   sd3-udpsrv-$$    u0  198.51.100.40/24  (dnsmasq) --------+
#   sd3-client-$$    c0  198.51.100.50/24  ------------------+-- br0 in
#   sd3-live$N-$$    lN  198.51.100.(100+N)/24               |   sd3-br-$$
#                        2001:db8::1NN/64, N = 01..20 -------+
#   sd3-router-$$    r0  198.51.100.1/24   2001:db8::1/64 ---+
#                    x0  192.0.2.1/25      2001:db8:2::1/64
#                     |
#   sd3-remote-$$    x1  192.0.2.20/25 (+ .101-.120)  2001:db8:2::20/64
#                    y0  192.0.2.249/30
#                     |
#   sd3-flooder-$$   y1  192.0.2.250/30
#
# The live hosts answer ARP and neighbour solicitations; live01-live10
# serve HTTP on port 80 (all their addresses), live11-live20 have no open
# port.  For the reflection capture each live host gets four more
# addresses (live$N: .120+N, .140+N, .160+N, .180+N: 100 reflectors in
# all).  The target serves 22, 80/tcp and 53/udp; the remote namespace
# serves 80/tcp (the backscatter's flooded server).  The router forwards
# between the LAN and the remote link; the remote namespace forwards
# between the router and the flooder.
#
# Sensor positions: routed discovery and backscatter on the router's x0
# (the LAN's uplink: a sensor that watches 198.51.100.0/24 from outside);
# LAN discovery on br0 in the bridge namespace (tcpdump makes the bridge
# promiscuous: every frame it forwards); scans of one host on that host's
# interface; the reflection on the victim's v0.
#
# Needs root, iproute2, tcpdump, nmap, hping3, masscan, zmap, arp-scan,
# dnsmasq (dnsmasq-base), curl, mergecap (wireshark-common), python3, and
# build/spoofs (make build/spoofs; or $SPOOFS).  The HTTP servers are
# tests/netns/services.py; the namespaces, tcpdump and the teardown are
# tests/netns/lib.sh's; tests/pcap/retime.py spreads the busy client over
# the day.  Runs in about N minutes.

set -eu
set -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/netns/lib.sh"
netns_capture_setup make_captures3 "${1:-}" nmap hping3 masscan zmap arp-scan dnsmasq curl mergecap
WORK=$NETNS_WORK
SPOOFS=${SPOOFS:-$TOP/build/spoofs}
[ -x "$SPOOFS" ] || { echo "missing $SPOOFS: run make build/spoofs" >&2; exit 1; }
PARTS=${PARTS:-routed lan proto multi reflection udpscan backscatter distributed slow}

SFX=$$
NS_BR=sd3-br-$SFX
NS_T=sd3-target-$SFX
NS_A=sd3-attacker-$SFX
NS_V=sd3-victim-$SFX
NS_U=sd3-udpsrv-$SFX
NS_C=sd3-client-$SFX
NS_R=sd3-router-$SFX
NS_X=sd3-remote-$SFX
NS_F=sd3-flooder-$SFX
NET=198.51.100
T4=$NET.10
A4=$NET.20
V4=$NET.30
U4=$NET.40
C4=$NET.50
R4=$NET.1
R6=2001:db8::1
T6=2001:db8::10
A6=2001:db8::20
XR4=192.0.2.1          # the router on the remote link
X4=192.0.2.20          # the remote scanner (and flooded server)
XR6=2001:db8:2::1
X6=2001:db8:2::20
XY4=192.0.2.249        # the remote namespace on the flooder's link
F4=192.0.2.250         # the flooder
LIVE=$(seq -w 1 20)    # 01 .. 20

# ---------------------------------------------------------------- namespaces
netns_bridge "$NS_BR"
lan() {   # lan NS IFACE ADDR/LEN...: a LAN host, routed to the remote side
	netns_host "$@"
	inns "$1" ip route add 192.0.2.0/24 via $R4 dev "$2"
	inns "$1" ip route add 203.0.113.0/24 via $R4 dev "$2"
	case " $* " in
	*:*) inns "$1" ip -6 route add 2001:db8:2::/64 via $R6 dev "$2" ;;
	esac
}
lan "$NS_T" t0 $T4/24 $T6/64
lan "$NS_A" a0 $A4/24 $A6/64
lan "$NS_V" v0 $V4/24
lan "$NS_U" u0 $U4/24
lan "$NS_C" c0 $C4/24
for n in $LIVE; do
	lan "sd3-live$n-$SFX" "l$n" "$NET.$((100 + 10#$n))/24" "2001:db8::1$n/64"
done
# Router: r0 on the bridge, x0 to the remote namespace's x1.
netns_host "$NS_R" r0 $R4/24 $R6/64
netns_add "$NS_X" -6
inns "$NS_R" ip link add x0 type veth peer name x1
inns "$NS_R" ip link set x1 netns "$NS_X"
inns "$NS_R" ip link set x0 up
netns_addr "$NS_R" x0 $XR4/25 $XR6/64
inns "$NS_R" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
	net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.r0.send_redirects=0 \
	net.ipv4.conf.x0.send_redirects=0
inns "$NS_R" ip route add 192.0.2.248/30 via $X4 dev x0
inns "$NS_R" ip route add 203.0.113.0/24 via $X4 dev x0
inns "$NS_X" ip link set x1 up
netns_addr "$NS_X" x1 $X4/25 $X6/64
for i in $(seq 101 120); do netns_addr "$NS_X" x1 "192.0.2.$i/25"; done
inns "$NS_X" ip route add $NET.0/24 via $XR4 dev x1
inns "$NS_X" ip -6 route add 2001:db8::/64 via $XR6 dev x1
# Flooder: y1, behind the remote namespace, which forwards and (the flood
# comes from spoofed LAN addresses) does not filter by reverse path.
netns_add "$NS_F"
inns "$NS_X" ip link add y0 type veth peer name y1
inns "$NS_X" ip link set y1 netns "$NS_F"
inns "$NS_X" ip link set y0 up
inns "$NS_X" ip addr add $XY4/30 dev y0
inns "$NS_X" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
	net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.y0.rp_filter=0 \
	net.ipv4.conf.x1.rp_filter=0 net.ipv4.conf.all.send_redirects=0
inns "$NS_X" ip route add 203.0.113.0/24 via $F4 dev y0
# The flooded server gives up a half-open connection after two SYN/ACK
# retransmissions (1 s, 3 s) instead of five (63 s), so that the
# backscatter, and the router's ARP for its dead addresses, end within the
# capture and do not spill into the next one.
inns "$NS_X" sysctl -qw net.ipv4.tcp_synack_retries=2
inns "$NS_F" ip link set y1 up
inns "$NS_F" ip addr add $F4/30 dev y1
inns "$NS_F" ip route add 192.0.2.0/25 via $XY4 dev y1
inns "$NS_F" ip route add $NET.0/24 via $XY4 dev y1

# ------------------------------------------------------------------ services
netns_services "$NS_T" "$WORK/svc-t.log" --ssh "[::]:22" --http "[::]:80" --dns "[::]:53"
netns_services "$NS_X" "$WORK/svc-x.log" --http 0.0.0.0:80
for n in $(seq -w 1 10); do
	netns_services "sd3-live$n-$SFX" "$WORK/svc-l$n.log" --http 0.0.0.0:80
done

# Warm up: check the services and the routes (not captured).
netns_get "$NS_A" "http://$T4/" "http://[$T6]/" "http://$NET.101/"
netns_get "$NS_X" "http://$T4/" "http://[$T6]/"
netns_get "$NS_F" "http://$T4/"
netns_get "$NS_C" "http://$NET.110/"
sleep 1

# ------------------------------------------------------------------ capture
cap_start() {   # cap_start FILE [NS IFACE]: default the target's t0
	netns_capture "$OUT/$1" "${2:-$NS_T}" "${3:-t0}"
}
cap_stop() { netns_capture_end; }
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
show() {   # show LOG: nmap's verdict lines, indented
	sed -n '/^PORT\|open\|Host is up\|Nmap done/p' "$1" | sed -n '1,8s/^/    /p'
}

NMAP="nmap -n --max-rate 2000"
nm() {   # nm FILE NS IFACE NMAP-ARGS...: capture on IFACE in NS while nmap runs in the attacker
	netns_capture_run "$OUT/$1" "$2" "$3" "$WORK/$1.nmap.txt" inns "$NS_A" $NMAP "${@:4}"
	show "$WORK/$1.nmap.txt"
}
nmx() {   # nmx FILE NMAP-ARGS...: nmap in the remote namespace, captured on the router's x0
	netns_capture_run "$OUT/$1" "$NS_R" x0 "$WORK/$1.nmap.txt" inns "$NS_X" $NMAP "${@:2}"
	show "$WORK/$1.nmap.txt"
}

echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), kernel $(uname -r)"
echo "$(nmap --version | head -n 1); $(masscan --version 2>&1 | grep -m1 version);" \
	"$(zmap --version 2>&1 | head -n 1); hping3 $(dpkg-query -W -f '${Version}' hping3 2>/dev/null);" \
	"$(arp-scan --version 2>&1 | head -n 1); $(dnsmasq --version | head -n 1 | cut -d' ' -f1-3);" \
	"$(curl --version | head -n 1 | cut -d' ' -f1-2); $(mergecap --version | head -n 1)"

# ------------------------------------------ 1. host discovery, routed (x0)
# From the remote namespace through the router, seen on the router's
# uplink x0: every probe to the /24 passes there; the router ARPs for each
# address on the LAN and answers ICMP host unreachable for the dead ones
# (rate-limited), so it is one more host that must not be blamed.
part_routed() {
	nmx ns3_nmap_sn_PE.pcap -sn -PE $NET.0/24
	nmx ns3_nmap_sn_PP.pcap -sn -PP $NET.0/24
	nmx ns3_nmap_sn_PM.pcap -sn -PM $NET.0/24

	# masscan 1.3.2 does not exit once done (see make_captures2.sh): stopped
	# after 12 s; it needs about 1 s for its 256 pings at 300/s, plus --wait 3.
	cap_start ns3_masscan_ping.pcap "$NS_R" x0
	inns "$NS_X" timeout -k 2 12 masscan --ping $NET.0/24 --rate 300 --wait 3 --adapter x1 \
		--adapter-ip $X4 --router-mac "$(netns_mac "$NS_R" x0)" >"$WORK/masscan.txt" 2>&1 || true
	cap_stop
	echo "    masscan: $(tr '\r' '\n' <"$WORK/masscan.txt" | grep -c '^Discovered') hosts answered"

	# zmap's blacklist file replaces its default one (which excludes the
	# documentation ranges) and drops the network and broadcast addresses.
	printf '%s\n' "$NET.0/32" "$NET.255/32" >"$WORK/zmap-blacklist"
	cap_start ns3_zmap_icmp.pcap "$NS_R" x0
	inns "$NS_X" zmap -q -M icmp_echoscan -r 100 -n 254 -c 4 -i x1 -S $X4 \
		-G "$(netns_mac "$NS_R" x0)" -b "$WORK/zmap-blacklist" -o "$WORK/zmap.out" \
		$NET.0/24 >"$WORK/zmap.txt" 2>&1
	cap_stop
	echo "    zmap: $(wc -l <"$WORK/zmap.out") hosts answered"

	# 2001:db8::100/120: 256 addresses, 20 of them live (::101 .. ::120).
	nmx ns3_nmap6_sn_PE.pcap -6 -sn -PE 2001:db8::100/120
}

# ---------------------------------------- 2. host discovery on the segment
# The attacker on the bridge; the sensor is the bridge itself.
part_lan() {
	nm ns3_nmap_sn_arp.pcap "$NS_BR" br0 -sn $NET.0/24
	cap_start ns3_arpscan.pcap "$NS_BR" br0
	inns "$NS_A" arp-scan -q -I a0 --retry 2 --interval 2 $NET.0/24 >"$WORK/arpscan.txt" 2>&1
	cap_stop
	echo "    arp-scan: $(grep -c "^$NET\." "$WORK/arpscan.txt") hosts answered"
	nm ns3_nmap6_sn_nd.pcap "$NS_BR" br0 -6 -sn -e a0 2001:db8::100/120
}

# ---------------------------------------------- 3. IP protocol and SCTP scans
# The kernel of the run recorded in SOURCES.md has no SCTP, so the target
# answers SCTP with ICMP protocol unreachable (rate-limited), not ABORT.
part_proto() {
	nm ns3_nmap_sO.pcap "$NS_T" t0 -Pn -sO --max-retries 1 $T4
	nm ns3_nmap_sY.pcap "$NS_T" t0 -Pn -sY -p 1-100 $T4
	nm ns3_nmap_sZ.pcap "$NS_T" t0 -Pn -sZ -p 1-100 $T4
}

# -------------------------------------------- 4. many techniques, one port
multi() {   # multi FILE TECHNIQUE...: one nmap run per technique against port 80, 3 s apart
	local f="$1" t
	shift
	cap_start "$f"
	for t in "$@"; do
		inns "$NS_A" $NMAP -Pn "$t" -p 80 $T4 >"$WORK/$f$t.txt" 2>&1
		echo "    nmap $t: $(grep '^80/' "$WORK/$f$t.txt")"
		sleep 3
	done
	cap_stop
}
part_multi() {
	multi ns3_nmap_sS_sF_sN_sX_port80.pcap -sS -sF -sN -sX
	multi ns3_nmap_sA_sM_sW_port80.pcap -sA -sM -sW
}

# ------------------------------------------ 5. victims that must not be blamed
# (a) SYN/ACK reflection, seen from the victim: the attacker sends SYNs
# "from" 198.51.100.30 to 100 reflectors (the live hosts with four more
# addresses each; half serve HTTP on 80, so they answer SYN/ACK, the other
# half RST); the victim receives the answers and RSTs the SYN/ACKs.
reflectors() {   # the 100 reflector addresses, .101 .. .200
	for i in $(seq 101 200); do printf '%s ' "$NET.$i"; done
}
reflect() {   # reflect ADDR...: 3 spoofed SYNs to each ADDR, 0.3 s apart, all at once
	local a pids=""
	for a in "$@"; do
		ip netns exec "$NS_A" hping3 -q -S -a $V4 -p 80 -c 3 -i u300000 "$a" >/dev/null 2>&1 &
		netns_track $!
		pids="$pids $!"
	done
	for a in $pids; do wait "$a" || true; netns_untrack "$a"; done
}
warm() {   # warm NS ADDR...: one ICMP echo (hping3 -1) from NS to each ADDR, 25 at a time
	local ns="$1"
	shift
	printf '%s\n' "$@" | xargs -P 25 -n 1 ip netns exec "$ns" hping3 -q -1 -c 1 >/dev/null 2>&1 || true
}
part_reflection() {
	local n b
	for n in $LIVE; do
		for b in 120 140 160 180; do
			netns_addr "sd3-live$n-$SFX" "l$n" "$NET.$((b + 10#$n))/24"
		done
	done
	# shellcheck disable=SC2046
	set -- $(reflectors)
	# Not captured: the attacker and the victim learn the reflectors' MACs
	# (and they the victim's), so that the capture holds the reflection,
	# not 200 ARP requests that a LAN between them would add.
	warm "$NS_A" "$@"
	warm "$NS_V" "$@"
	cap_start ns3_reflection_victim.pcap "$NS_V" v0
	while [ $# -gt 0 ]; do   # 20 reflectors at a time
		reflect "${@:1:20}"
		shift $(( $# < 20 ? $# : 20 ))
	done
	cap_stop
}

# (b) Backscatter: the flooder SYN-floods the remote server 192.0.2.20 from
# spoofed sources in 198.51.100.0/24 (build/spoofs rotates through the
# /24: port 80 open, 81 closed, and UDP 53 closed), seen on the LAN's
# uplink, where only the server's answers arrive (and the LAN's RSTs to
# its SYN/ACKs, and the router's host unreachables for the dead addresses).
part_backscatter() {
	cap_start ns3_backscatter.pcap "$NS_R" x0
	inns "$NS_F" "$SPOOFS" -q -s $NET.0/24 -d $X4 -p 80 -c 512 -r 200
	inns "$NS_F" "$SPOOFS" -q -s $NET.0/24 -d $X4 -p 81 -c 256 -r 200
	inns "$NS_F" "$SPOOFS" -q -s $NET.0/24 -d $X4 -p 53 -t udp -c 256 -r 200
	sleep 8   # the server's SYN/ACK retransmissions, the router's ARP timeouts
	cap_stop
}

# (c) A UDP scan of a host whose services answer: dnsmasq (DNS, and TFTP,
# whose error comes from a fresh port); the scanner's kernel answers those
# with port unreachable, as nmap's source port has no socket.  NBNS (samba's
# nmbd) is left out: too heavy a package for one answer.
part_udpscan() {
	mkdir -p "$WORK/tftp"
	ip netns exec "$NS_U" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
		--no-hosts --listen-address=$U4 --bind-interfaces --address=/example.org/192.0.2.1 \
		--enable-tftp --tftp-root="$WORK/tftp" --user=root --pid-file="$WORK/dnsmasq.pid" \
		--log-facility="$WORK/dnsmasq.log" &
	netns_track $!
	netns_wait_for "$WORK/dnsmasq.log" 'TFTP root' 10
	nm ns3_nmap_sU_answers.pcap "$NS_U" u0 -Pn -sU --max-retries 1 -p 1-30,53,69,123,137,161 $U4
}

# ------------------------------------------------------ 6. distributed scan
# 20 sources (192.0.2.101-120, real addresses of the remote namespace, so
# the answers return), each SYN-scanning 5 ports of the target (source i:
# ports i, i+20, i+40, i+60, i+80; 100 ports in all), started 1 s apart,
# 2 s between probes.  Then a SYN flood at port 80 from 256 spoofed
# sources (203.0.113.0/24, 4 SYNs each) from the flooder.
part_distributed() {
	local i pids=""
	cap_start ns3_distributed_scan.pcap
	for i in $(seq 1 20); do
		ip netns exec "$NS_X" $NMAP -Pn -sS --scan-delay 2s --max-retries 0 -e x1 \
			-S "192.0.2.$((100 + i))" -p "$i,$((i + 20)),$((i + 40)),$((i + 60)),$((i + 80))" \
			$T4 >"$WORK/dist-$i.txt" 2>&1 &
		netns_track $!
		pids="$pids $!"
		sleep 1
	done
	for i in $pids; do wait "$i" || true; netns_untrack "$i"; done
	cap_stop
	echo "    nmap: $(cat "$WORK"/dist-*.txt | grep -c '^[0-9]*/tcp *open') open ports found by 20 sources"

	cap_start ns3_spoofed_synflood_port80.pcap
	inns "$NS_F" "$SPOOFS" -q -s 203.0.113.0/24 -d $T4 -p 80 -c 1024 -r 400
	cap_stop
}

# ------------------------------------------------ 7. slow horizontal sweep
# A day of internet background scanning, written, not sent: build/spoofs
# -w writes one SYN to port 23 every 2.6 s from 203.0.113.99 over
# 172.16.0.0/17 (32768 addresses in ascending order, 23.7 h; a sensor that
# watches that network, which is no documentation range, so nothing may
# send to it).  The background is a busy client recorded here for a
# minute: 198.51.100.50 fetching a page from 30 HTTP servers (live01-10,
# three addresses each), 15 rounds 4 s apart, every connection complete;
# tests/pcap/retime.py spreads its 450 connections evenly over the same
# 24 hours (each connection's own timing kept).  mergecap merges the two.
DAY=2026-12-05T00:00:00Z
DAY_EPOCH=1796428800   # $DAY as epoch seconds
part_slow() {
	local n urls="" r
	for n in $(seq -w 1 10); do
		for r in 100 120 140; do
			ip netns exec "sd3-live$n-$SFX" ip -4 -o addr show dev "l$n" | grep " $NET.$((r + 10#$n))/" >/dev/null ||
				netns_addr "sd3-live$n-$SFX" "l$n" "$NET.$((r + 10#$n))/24"
			urls="$urls -o /dev/null http://$NET.$((r + 10#$n))/"
		done
	done
	cap_start ns3_busy_client_1min.pcap "$NS_C" c0
	for r in $(seq 1 15); do
		# shellcheck disable=SC2086
		inns "$NS_C" curl -s --max-time 10 -w '%{http_code}\n' $urls >>"$WORK/busy.txt" 2>&1 || true
		sleep 4
	done
	netns_capture_end
	echo "    curl: $(grep -c '^200$' "$WORK/busy.txt")/450 requests answered 200"
	"$PY" "$TOP/tests/pcap/retime.py" "$OUT/ns3_busy_client_1min.pcap" "$WORK/busy-day.pcap" \
		$DAY_EPOCH 86400 | sed 's/^/    /'
	rm -f "$OUT/ns3_busy_client_1min.pcap"
	"$SPOOFS" -s 203.0.113.99 -d 172.16.0.0/17 -p 23 --delay 2.6 --start $DAY \
		-w "$WORK/sweep.pcap" | sed 's/^/    /'
	mergecap -F pcap -w "$OUT/ns3_slow_sweep_24h.pcap" "$WORK/sweep.pcap" "$WORK/busy-day.pcap"
	chmod 644 "$OUT/ns3_slow_sweep_24h.pcap"
	echo "ns3_slow_sweep_24h.pcap: $(capinfos -c -M "$OUT/ns3_slow_sweep_24h.pcap" | awk '/packets/ { print $NF }') packets"
	# Slower still: one SYN to port 22 every 5 minutes (288 in the day,
	# 172.16.128.0/23), over the same busy client.
	"$SPOOFS" -s 203.0.113.98 -d 172.16.128.0/23 -p 22 --delay 300 --start $DAY \
		-c 1 -w "$WORK/sweep5m-all.pcap" | sed 's/^/    /'
	editcap -c 288 "$WORK/sweep5m-all.pcap" "$WORK/sweep5m.pcap" >/dev/null
	mergecap -F pcap -w "$OUT/ns3_slow_sweep_5min.pcap" "$WORK"/sweep5m_00000_*.pcap \
		"$WORK/busy-day.pcap"
	chmod 644 "$OUT/ns3_slow_sweep_5min.pcap"
	echo "ns3_slow_sweep_5min.pcap: $(capinfos -c -M "$OUT/ns3_slow_sweep_5min.pcap" | awk '/packets/ { print $NF }') packets"
}

# ------------------------------------------------------------------ main
for p in $PARTS; do
	echo "== $p"
	"part_$p"
done
echo
# summary.py stops at nmap -sO's empty protocol-58 packet: a summary, not a check.
"$PY" "$NETNS_DIR/summary.py" "$OUT"/ns3_*.pcap || true
