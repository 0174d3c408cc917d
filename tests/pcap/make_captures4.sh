#!/bin/bash
# tests/pcap/make_captures4.sh - rebuild the ns4_*.pcap test captures.
#
#   sudo tests/pcap/make_captures4.sh [OUTDIR]    (default: $OUT, else
#                                                  tests/pcap/data)
#   sudo PARTS="dns flood" tests/pcap/make_captures4.sh    (only those parts)
#
# The fourth set of namespace captures (issue 12): the benign counterparts
# of host discovery, unanswered clients and reflection, made by real
# programs.  Each part has a test bed of its own (a bridge, hosts, and where
# needed a router) and its own capture; the long parts run at the same
# time, so the script takes about 8 minutes.  The parts (PARTS, default all):
#
#   monitor  ns4_benign_monitor_ping.pcap, ns4_benign_monitor_ping6.pcap:
#            fping from a monitoring host to 50 hosts of its LAN, 45 up and
#            5 down, every minute: 5 rounds over IPv4, then 3 over IPv6
#   lan      ns4_benign_lan_chatter.pcap: a LAN's ARP and neighbour
#            discovery: dnsmasq (DHCP) and radvd on the gateway, 8 DHCP
#            clients (4 busybox udhcpc, 4 ISC dhclient) with SLAAC, a
#            gratuitous ARP (arping -U), a host that fetches a page from 30
#            peers (busybox httpd) once each
#   ntp      ns4_benign_ntp_unanswered.pcap: chronyd with 20 servers that
#            never answer (5 min); ns4_benign_ntp_partial.pcap: chronyd with
#            4 servers, 2 of them real chronyd servers that answer (5 min)
#   dns      ns4_benign_dns_resolver.pcap: unbound serving 3 clients (dig),
#            forwarding to 16 upstream servers (dnsmasq), 3 of them down
#   flood    ns4_benign_synflood_victim.pcap: a web server under a SYN flood
#            (hping3, 500 spoofed sources) answering with SYN-ACKs, while 3
#            clients fetch pages; captured on the server's link
#   p2p      ns4_benign_p2p.pcap: a BitTorrent client (aria2c) in a swarm of
#            16 peers with a tracker (opentracker), 5 peers leaving
#
# Nothing leaves the namespaces that this script creates: they have no link
# and no route to the host's network.  Only documentation addresses are
# used: 198.51.100.0/24 (the LANs; each part has its own bridge), 192.0.2.0/24
# and 203.0.113.0/24 (servers behind a router, unreachable servers and
# spoofed sources), 2001:db8::/32.  Every generator has explicit targets and
# a packet count or a fixed schedule.  None of the daemons touches the
# host: chronyd runs with -x (it does not set the clock), dnsmasq, unbound,
# radvd and the DHCP clients run with configuration, lease, pid and script
# files in the scratch directory, and the DHCP clients' script only sets
# the address of their own interface.
#
# Sensor positions: the monitoring host's link (monitor), the bridge (lan:
# tcpdump puts br0 in promiscuous mode, a sensor on the segment), the NTP
# client's link (ntp), the resolver's link (dns), the web server's link
# (flood), the BitTorrent client's link (p2p).
#
# Needs root, iproute2, tcpdump, python3, fping, hping3, dnsmasq
# (dnsmasq-base), dhclient (isc-dhcp-client), busybox, arping
# (iputils-arping), radvd, chronyd (chrony), unbound, dig (bind9-dnsutils),
# curl, aria2c (aria2), mktorrent and opentracker, and tshark for the
# final check.  The namespaces, tcpdump and the teardown are
# tests/netns/lib.sh's; the web server is tests/netns/services.py.

# shellcheck disable=SC2031  # W is set in each part's subshell (part)
set -eu
set -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/netns/lib.sh"
netns_capture_setup make_captures4 "${1:-}" fping hping3 dnsmasq dhclient busybox arping \
	radvd chronyd unbound dig curl aria2c mktorrent opentracker tshark
WORK=$NETNS_WORK
PARTS=${PARTS:-monitor lan ntp dns flood p2p}
SFX=$$
NET=198.51.100
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

# seq_addrs PREFIX FIRST LAST [SKIP...]: PREFIX.FIRST .. PREFIX.LAST without
# the SKIP host numbers ("PREFIX" may end in "." or ":").
seq_addrs() {
	local p="$1" a="$2" b="$3" n
	shift 3
	for n in $(seq "$a" "$b"); do
		case " $* " in *" $n "*) continue ;; esac
		printf '%s%s ' "$p" "$n"
	done
}

# router NS IFACE LANADDR XIFACE XNS XADDR/LEN...: namespace NS on the
# current bridge at LANADDR (/24) that forwards to the namespace XNS
# (veth XIFACE <-> x1; XADDRs on XIFACE).  No redirects.
router() {
	local ns="$1" dev="$2" lan="$3" xdev="$4" xns="$5" a
	shift 5
	netns_host "$ns" "$dev" "$lan/24"
	inns "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
		"net.ipv4.conf.$dev.send_redirects=0"
	netns_add "$xns"
	inns "$ns" ip link add "$xdev" type veth peer name x1
	inns "$ns" ip link set x1 netns "$xns"
	inns "$ns" ip link set "$xdev" up
	for a in "$@"; do inns "$ns" ip addr add "$a" dev "$xdev"; done
	inns "$xns" ip link set x1 up
}

# bg LOG NS CMD...: CMD in NS in the background (recorded for teardown),
# its output to LOG.
bg() {
	local log="$1" ns="$2"
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	netns_track $!
}

# part NAME FUNCTION: run FUNCTION in the background, in a subshell with a
# scratch directory of its own (netns_capture's file is there) and its
# output in $WORK/NAME.out.  The subshell's children are not recorded
# here, but everything it starts runs inside the namespaces, which the
# teardown empties.
PART_PIDS=""
part() {
	mkdir "$WORK/$1"
	# shellcheck disable=SC2030
	( NETNS_WORK=$WORK/$1; W=$WORK/$1; set -e; "$2" ) >"$WORK/$1.out" 2>&1 &
	netns_track $!
	PART_PIDS="$PART_PIDS $1:$!"
}

# until_t T0 SECONDS: sleep until SECONDS after T0 (from date +%s.%N).
until_t() {
	local left
	left=$(awk -v t0="$1" -v s="$2" -v now="$(date +%s.%N)" 'BEGIN { d = t0 + s - now; print (d > 0 ? d : 0) }')
	sleep "$left"
}

echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), kernel $(uname -r)"
echo "$(fping --version); hping3 $(dpkg-query -W -f '${Version}' hping3 2>/dev/null);" \
	"$(dnsmasq --version | head -n 1 | cut -d' ' -f1-3); $(dhclient --version 2>&1);" \
	"busybox $(dpkg-query -W -f '${Version}' busybox 2>/dev/null); $(arping -V | head -n 1);" \
	"radvd $(dpkg-query -W -f '${Version}' radvd 2>/dev/null); $(chronyd --version | cut -d' ' -f1-4);" \
	"unbound $(unbound -V | head -n 1 | cut -d' ' -f2); $(dig -v 2>&1 | cut -d' ' -f1-2);" \
	"$(curl --version | head -n 1 | cut -d' ' -f1-2); $(aria2c --version | head -n 1);" \
	"$(mktorrent -h | head -n 1 | cut -d' ' -f1-2);" \
	"opentracker $(dpkg-query -W -f '${Version}' opentracker 2>/dev/null)"

# ===================================================================== monitor
# sd4m-br-$$: the monitoring host m0 (198.51.100.2, 2001:db8::2) and 45
# hosts, one namespace each (198.51.100.N, 2001:db8::N); 198.51.100.11-60
# are watched, of which 17, 26, 35, 44 and 53 do not exist (down).
MON_DOWN="17 26 35 44 53"
MON_NS=sd4m-mon-$SFX
setup_monitor() {
	local n
	netns_bridge sd4m-br-$SFX
	netns_host "$MON_NS" m0 $NET.2/24 2001:db8::2/64
	for n in $(seq 11 60); do
		case " $MON_DOWN " in *" $n "*) continue ;; esac
		netns_host "sd4m-h$n-$SFX" "h$n" "$NET.$n/24" "2001:db8::$n/64"
	done
}
# One round: 3 echo requests to each host, 1 s apart, 10 ms between hosts,
# 500 ms timeout (as Smokeping runs fping, with fewer pings).
mon_rounds() {   # mon_rounds FAMILY-OPTION ROUNDS TARGETS...
	local fam="$1" rounds="$2" t0 r
	shift 2
	t0=$(date +%s.%N)
	for r in $(seq 0 $((rounds - 1))); do
		until_t "$t0" $((r * 60))
		inns "$MON_NS" fping "$fam" -C 3 -q -p 1000 -t 500 -i 10 "$@" >"$W/fping$fam-$r.txt" 2>&1 || true
	done
	echo "    fping $fam round 1: $(grep -c -v -- ' - - -$' "$W/fping$fam-0.txt") of $# hosts answer;" \
		"last round: $(grep -c -v -- ' - - -$' "$W/fping$fam-$((rounds - 1)).txt")"
}
run_monitor() {
	# shellcheck disable=SC2046
	netns_capture "$OUT/ns4_benign_monitor_ping.pcap" "$MON_NS" m0
	# shellcheck disable=SC2046
	mon_rounds -4 5 $(seq_addrs $NET. 11 60)
	netns_capture_end
	# The IPv4 neighbour entries are confirmed (unicast ARP) 5 s after
	# their last use: let that pass before the IPv6 capture.
	sleep 10
	netns_capture "$OUT/ns4_benign_monitor_ping6.pcap" "$MON_NS" m0
	# shellcheck disable=SC2046
	mon_rounds -6 3 $(seq_addrs 2001:db8:: 11 60)
	netns_capture_end
}

# ========================================================================= lan
# sd4l-br-$$: the gateway g0 198.51.100.1, 2001:db8:1::1 (dnsmasq DHCP for
# .100-.150 with 2-minute leases, radvd for 2001:db8:1::/64, busybox httpd);
# 8 DHCP clients c0 (IPv6 with DAD, router solicitations and SLAAC); the
# backup host b0 198.51.100.4; the NAS n0 198.51.100.5; 30 peers p0
# 198.51.100.11-40, each with busybox httpd on 80.
LAN_GW=sd4l-gw-$SFX
LAN_CLIENTS="1 2 3 4 5 6 7 8"
setup_lan() {
	local n ns
	netns_bridge sd4l-br-$SFX
	# No multicast snooping: every frame is flooded as on a plain switch.
	inns sd4l-br-$SFX ip link set br0 type bridge mcast_snooping 0
	netns_host "$LAN_GW" g0 $NET.1/24 2001:db8:1::1/64
	inns "$LAN_GW" sysctl -qw net.ipv6.conf.all.forwarding=1
	netns_host sd4l-backup-$SFX b0 $NET.4/24
	netns_host sd4l-nas-$SFX n0 $NET.5/24
	mkdir -p "$WORK/www"
	echo "<p>sd4 test page</p>" >"$WORK/www/index.html"
	for n in $(seq 11 40); do
		ns=sd4l-p$n-$SFX
		netns_host "$ns" "p$n" "$NET.$n/24"
		bg "$WORK/httpd-p$n.log" "$ns" busybox httpd -f -p "$NET.$n:80" -h "$WORK/www"
	done
	bg "$WORK/httpd-gw.log" "$LAN_GW" busybox httpd -f -p 80 -h "$WORK/www"
	for n in $LAN_CLIENTS; do
		ns=sd4l-c$n-$SFX
		# An IPv6 host as a distribution sets it up: DAD, 3 router
		# solicitations, SLAAC (accept_ra and autoconf are on by default).
		netns_add "$ns" -6
		inns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=1 net.ipv6.conf.default.accept_dad=1 \
			net.ipv6.conf.all.router_solicitations=3 net.ipv6.conf.default.router_solicitations=3
		netns_host "$ns" "c$n"
		inns "$ns" ip link set "c$n" down	# up once the capture runs
	done
	# The DHCP clients' script: set the address given, nothing else.
	cat >"$WORK/dhcp-script" <<-'EOF'
	#!/bin/sh
	# udhcpc: $1 = bound|renew|deconfig..., ip, mask (bits), router.
	# dhclient: $reason = PREINIT|BOUND|RENEW|REBIND|REBOOT..., new_*.
	case "${1:-}${reason:-}" in
	bound|renew) ip addr replace "$ip/$mask" dev "$interface" ;;
	BOUND|RENEW|REBIND|REBOOT) ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
	esac
	exit 0
	EOF
	chmod 755 "$WORK/dhcp-script"
	cat >"$WORK/radvd.conf" <<-EOF
	interface g0 {
		AdvSendAdvert on;
		MinRtrAdvInterval 30;
		MaxRtrAdvInterval 60;
		prefix 2001:db8:1::/64 { AdvOnLink on; AdvAutonomous on; };
	};
	EOF
	bg "$WORK/dnsmasq-gw.log" "$LAN_GW" dnsmasq -k -C /dev/null --port=0 --interface=g0 \
		--bind-interfaces --dhcp-range=$NET.100,$NET.150,255.255.255.0,2m \
		--dhcp-option=option:router,$NET.1 --dhcp-leasefile="$WORK/dnsmasq.leases" \
		--pid-file="$WORK/dnsmasq-gw.pid" --log-dhcp --log-facility=-
	bg "$WORK/radvd.log" "$LAN_GW" radvd -n -m stderr -C "$WORK/radvd.conf" -p "$WORK/radvd.pid"
	netns_wait_for "$WORK/dnsmasq-gw.log" 'DHCP, IP range' 5
}
run_lan() {
	local t0 n ns
	netns_capture "$OUT/ns4_benign_lan_chatter.pcap" sd4l-br-$SFX br0
	t0=$(date +%s.%N)
	# The clients boot 2 s apart; the odd ones run udhcpc, the even ones
	# dhclient.  Each fetches the gateway's page over IPv4 and IPv6 every
	# 20 s.
	for n in $LAN_CLIENTS; do
		ns=sd4l-c$n-$SFX
		until_t "$t0" $((2 * n))
		inns "$ns" ip link set "c$n" up
		if [ $((n % 2)) -eq 1 ]; then
			bg "$W/dhcp-c$n.log" "$ns" busybox udhcpc -f -i "c$n" -s "$WORK/dhcp-script" -x "hostname:client$n"
		else
			bg "$W/dhcp-c$n.log" "$ns" dhclient -d -v -sf "$WORK/dhcp-script" -lf "$W/c$n.leases" \
				-pf "$W/c$n.pid" "c$n"
		fi
		bg "$W/web-c$n.log" "$ns" sh -c "sleep 5; for i in 1 2 3 4 5 6; do
			curl -s -o /dev/null --max-time 3 -w '%{http_code}\n' http://$NET.1/
			curl -s -o /dev/null --max-time 3 -w '%{http_code}\n' 'http://[2001:db8:1::1]/'
			sleep 20; done"
	done
	# The NAS takes over the service address 198.51.100.7 and announces it.
	until_t "$t0" 40
	inns sd4l-nas-$SFX ip addr add $NET.7/24 dev n0
	inns sd4l-nas-$SFX arping -q -U -c 3 -I n0 $NET.7 || true
	# The backup host fetches a page from each of the 30 peers, one after
	# another.
	until_t "$t0" 60
	for n in $(seq 11 40); do
		inns sd4l-backup-$SFX curl -s -o /dev/null --max-time 3 -w '%{http_code}\n' "http://$NET.$n/" || true
	done >"$W/backup.txt"
	until_t "$t0" 150
	netns_capture_end
	echo "    DHCP leases: $(wc -l <"$WORK/dnsmasq.leases");" \
		"client fetches answered: $(cat "$W"/web-c*.log | grep -c '^200$');" \
		"backup host: $(grep -c '^200$' "$W/backup.txt")/30 peers answered 200"
}

# ========================================================================= ntp
# sd4n-br-$$ and sd4p-br-$$: an NTP client (198.51.100.50) and a router
# (198.51.100.1) that drops everything for 192.0.2.0/24 and 203.0.113.0/24
# (blackhole routes: no ICMP error).  On sd4p-br-$$ two real NTP servers,
# 198.51.100.61 and .62 (chronyd, local stratum 8), answer too.
NTP_U_SERVERS="$(seq_addrs 192.0.2. 121 130)$(seq_addrs 203.0.113. 121 130)"
NTP_P_SERVERS="$NET.61 $NET.62 192.0.2.61 203.0.113.62"
setup_ntp_bed() {   # setup_ntp_bed TAG
	local br=sd4$1-br-$SFX r=sd4$1-rt-$SFX c=sd4$1-cl-$SFX
	netns_bridge "$br"
	netns_host "$r" r0 $NET.1/24
	inns "$r" sysctl -qw net.ipv4.ip_forward=1
	inns "$r" ip route add blackhole 192.0.2.0/24
	inns "$r" ip route add blackhole 203.0.113.0/24
	netns_host "$c" c0 $NET.50/24
	inns "$c" ip route add default via $NET.1
}
ntp_conf() {   # ntp_conf FILE SERVER...: a chrony client configuration
	local f="$1" s
	shift
	{
		for s in "$@"; do echo "server $s iburst"; done
		echo "cmdport 0"
		echo "bindcmdaddress /"
		echo "pidfile ${f%.conf}.pid"
	} >"$f"
}
setup_ntp() {
	local n
	setup_ntp_bed n
	setup_ntp_bed p
	# shellcheck disable=SC2086
	ntp_conf "$WORK/ntp-u.conf" $NTP_U_SERVERS
	# shellcheck disable=SC2086
	ntp_conf "$WORK/ntp-p.conf" $NTP_P_SERVERS
	for n in 61 62; do
		netns_host "sd4p-srv$n-$SFX" s$n "$NET.$n/24"
		printf '%s\n' "local stratum 8" "allow $NET.0/24" "cmdport 0" "bindcmdaddress /" \
			"pidfile $WORK/ntpd-$n.pid" >"$WORK/ntpd-$n.conf"
		bg "$WORK/ntpd-$n.log" "sd4p-srv$n-$SFX" chronyd -d -x -f "$WORK/ntpd-$n.conf"
	done
}
run_ntp_client() {   # run_ntp_client TAG FILE CONF SECONDS
	local c=sd4$1-cl-$SFX
	netns_capture "$OUT/$2" "$c" c0
	bg "$W/chronyd-$1.log" "$c" chronyd -d -x -f "$3"
	sleep "$4"
	netns_capture_end
}
run_ntp_u() { run_ntp_client n ns4_benign_ntp_unanswered.pcap "$WORK/ntp-u.conf" 300; }
run_ntp_p() { run_ntp_client p ns4_benign_ntp_partial.pcap "$WORK/ntp-p.conf" 300; }

# ========================================================================= dns
# sd4d-br-$$: the resolver 198.51.100.53 (unbound), 3 clients
# 198.51.100.101-103 (dig) and the router 198.51.100.1, behind which
# sd4d-up-$$ holds the upstream servers, each a dnsmasq: 192.0.2.11-17 and
# 203.0.113.11-16 answer for the zones zN.example.net, N = 1..13 (192.0.2.11
# for z14 as well), 192.0.2.18 for example.com and example.org (the
# resolver's catch-all).  Three upstreams are down: 203.0.113.17 runs no
# server (port unreachable), 203.0.113.18 and 192.0.2.19 do not exist (the
# router answers host unreachable).  z14 is forwarded to 203.0.113.17 and
# 192.0.2.11, z15 only to the two that do not exist.
DNS_UP="$(seq_addrs 192.0.2. 11 17)$(seq_addrs 203.0.113. 11 16)"
DNS_NS=sd4d-res-$SFX
zone_args() {   # zone_args N: dnsmasq options for zN.example.net
	local z=z$1.example.net h
	printf -- '--local=/%s/ --host-record=www.%s,192.0.2.%s ' "$z" "$z" $((100 + $1))
	printf -- '--host-record=mail.%s,192.0.2.%s,2001:db8:5::%s ' "$z" $((100 + $1)) "$1"
	# --mx-host without a target names the host itself
	printf -- '--mx-host=%s,mail.%s,10 ' "$z" "$z"
	for h in $(seq 20); do printf -- '--host-record=host%s.%s,203.0.113.%s ' "$h" "$z" $((100 + h)); done
}
setup_dns() {
	local i a up=sd4d-up-$SFX
	netns_bridge sd4d-br-$SFX
	router sd4d-rt-$SFX r0 $NET.1 x0 "$up" 192.0.2.1/24 203.0.113.1/24
	netns_host "$DNS_NS" d0 $NET.53/24
	for a in 192.0.2.0/24 203.0.113.0/24; do inns "$DNS_NS" ip route add $a via $NET.1; done
	for i in 1 2 3; do
		netns_host "sd4d-q$i-$SFX" q$i "$NET.10$i/24"
	done
	for a in $DNS_UP 192.0.2.18 203.0.113.17; do netns_addr "$up" x1 "$a/24"; done
	inns "$up" ip route add $NET.0/24 via 192.0.2.1
	i=1
	for a in $DNS_UP; do
		# shellcheck disable=SC2046
		auth_dns "$up" "$a" $(zone_args $i) $([ $i -ne 1 ] || zone_args 14)
		i=$((i + 1))
	done
	auth_dns "$up" 192.0.2.18 --local=/example.com/ --local=/example.org/ \
		--host-record=www.example.com,192.0.2.80 --host-record=www.example.org,192.0.2.81
	# The resolver: unbound, forwarding every zone to its upstream(s).
	{
		printf '%s\n' "server:" "  interface: $NET.53" "  access-control: $NET.0/24 allow" \
			"  do-ip6: no" "  do-daemonize: no" "  username: \"\"" "  chroot: \"\"" \
			"  directory: \"$WORK\"" "  pidfile: \"$WORK/unbound.pid\"" "  use-syslog: no" \
			"  logfile: \"\"" "  module-config: \"iterator\"" "  num-threads: 1" \
			"  so-reuseport: no" "  verbosity: 1"
		i=1
		for a in $DNS_UP; do
			printf '%s\n' "forward-zone:" "  name: \"z$i.example.net.\"" "  forward-addr: $a"
			i=$((i + 1))
		done
		printf '%s\n' "forward-zone:" "  name: \"z14.example.net.\"" "  forward-addr: 203.0.113.17" \
			"  forward-addr: 192.0.2.11" \
			"forward-zone:" "  name: \"z15.example.net.\"" "  forward-addr: 203.0.113.18" \
			"  forward-addr: 192.0.2.19" \
			"forward-zone:" "  name: \".\"" "  forward-addr: 192.0.2.18"
	} >"$WORK/unbound.conf"
	bg "$WORK/unbound.log" "$DNS_NS" unbound -d -c "$WORK/unbound.conf"
	netns_wait_for "$WORK/unbound.log" 'start of service' 10
}
auth_dns() {   # auth_dns NS ADDR DNSMASQ-OPTION...: an upstream server at ADDR
	local ns="$1" a="$2"
	shift 2
	bg "$WORK/dnsmasq-$a.log" "$ns" dnsmasq -k -C /dev/null --no-resolv --no-hosts \
		--bind-interfaces --listen-address="$a" --except-interface=lo --pid-file= --user=root \
		--log-facility=- "$@"
}
# dns_batch FILE SEED: the names one client asks (dig -f format): 120
# queries, most for A, some AAAA and MX, some for names that do not exist,
# a few in the dead zone z15, repeats (answered from the cache).
dns_batch() {
	awk -v seed="$2" 'BEGIN {
		srand(seed)
		for (q = 0; q < 120; q++) {
			z = 1 + int(rand() * 14); r = rand()
			if (r < 0.03) z = 15
			if (r < 0.45) n = "www"; else if (r < 0.6) n = "mail"
			else if (r < 0.9) n = "host" (1 + int(rand() * 20)); else n = "nope" int(rand() * 1000)
			t = (rand() < 0.8) ? "A" : (rand() < 0.5 ? "AAAA" : "MX")
			if (rand() < 0.05) { print "www.example." (rand() < 0.5 ? "com" : "org") " A"; continue }
			print n ".z" z ".example.net " t
		}
	}' >"$1"
}
run_dns() {
	local i pids=""
	for i in 1 2 3; do dns_batch "$W/q$i.txt" "$i"; done
	netns_capture "$OUT/ns4_benign_dns_resolver.pcap" "$DNS_NS" d0
	for i in 1 2 3; do
		ip netns exec "sd4d-q$i-$SFX" dig @$NET.53 +tries=1 +time=5 +noall +comments \
			-f "$W/q$i.txt" >"$W/dig$i.txt" 2>&1 &
		pids="$pids $!"
	done
	for i in $pids; do wait "$i" || true; done
	netns_capture_end
	echo "    dig: $(cat "$W"/dig*.txt | grep -c 'status: NOERROR') NOERROR," \
		"$(cat "$W"/dig*.txt | grep -c 'status: NXDOMAIN') NXDOMAIN," \
		"$(cat "$W"/dig*.txt | grep -c 'status: SERVFAIL') SERVFAIL," \
		"$(cat "$W"/dig*.txt | grep -c 'timed out') timed out, of 360 queries"
}

# ======================================================================= flood
# sd4f-br-$$: the web server 198.51.100.80 (tests/netns/services.py, HTTP on
# 80, listen backlog 128), 3 clients 198.51.100.31-33, the attacker
# 198.51.100.66 and the router 198.51.100.1, which drops everything for
# 192.0.2.0/24 and 203.0.113.0/24: the spoofed sources never answer.
FLOOD_SRV=sd4f-srv-$SFX
# 500 spoofed sources: 203.0.113.1-250 and 192.0.2.1-250.
FLOOD_SRCS="$(seq_addrs 203.0.113. 1 250)$(seq_addrs 192.0.2. 1 250)"
setup_flood() {
	local i
	netns_bridge sd4f-br-$SFX
	netns_host "$FLOOD_SRV" s0 $NET.80/24
	inns "$FLOOD_SRV" ip route add default via $NET.1
	netns_host sd4f-rt-$SFX r0 $NET.1/24
	inns sd4f-rt-$SFX sysctl -qw net.ipv4.ip_forward=1
	inns sd4f-rt-$SFX ip route add blackhole 192.0.2.0/24
	inns sd4f-rt-$SFX ip route add blackhole 203.0.113.0/24
	netns_host sd4f-att-$SFX a0 $NET.66/24
	for i in 1 2 3; do netns_host "sd4f-c$i-$SFX" c$i "$NET.3$i/24"; done
	netns_services "$FLOOD_SRV" "$WORK/svc-flood.log" --http $NET.80:80
	# Warm up (not captured): the service answers, the caches are filled.
	netns_get sd4f-c1-$SFX "http://$NET.80/"
	netns_get sd4f-att-$SFX "http://$NET.80/"
}
run_flood() {
	local t0 i a n=0 pids=""
	netns_capture "$OUT/ns4_benign_synflood_victim.pcap" "$FLOOD_SRV" s0
	t0=$(date +%s.%N)
	# The clients: a page each every 2 s, 15 times (30 s).
	for i in 1 2 3; do
		bg "$W/client$i.txt" "sd4f-c$i-$SFX" sh -c "for i in \$(seq 15); do
			curl -s -o /dev/null --max-time 5 -w '%{http_code}\n' http://$NET.80/; sleep 2; done"
	done
	# The flood, from 2 s on: 2 SYNs from each spoofed source (hping3
	# waits 1 s after its last packet, so 50 run at a time): 1000 SYNs.
	until_t "$t0" 2
	for a in $FLOOD_SRCS; do
		ip netns exec sd4f-att-$SFX hping3 -q -S -p 80 -a "$a" -c 2 -i u100000 $NET.80 \
			>/dev/null 2>&1 &
		pids="$pids $!"
		n=$((n + 1))
		if [ $((n % 50)) -eq 0 ]; then
			for i in $pids; do wait "$i" || true; done
			pids=""
		fi
	done
	for i in $pids; do wait "$i" || true; done
	# Until the clients are done and the SYN-ACKs of the last SYNs have
	# been retransmitted for 15 s.
	until_t "$t0" 33
	netns_capture_end
	echo "    clients: $(cat "$W"/client*.txt | grep -c '^200$')/45 pages answered 200"
}

# ========================================================================= p2p
# sd4t-br-$$: a BitTorrent swarm without the internet: the tracker
# 198.51.100.2 (opentracker), the seeder 198.51.100.11 (a 64 KiB file, 2
# pieces) and 15 more peers 198.51.100.12-26, each aria2c on a random port (no DHT, no local peer
# discovery: the tracker is the only source of peers).  The captured client
# is 198.51.100.12, there from the start to the end; the others join 4 s
# apart, and 5 of them leave again while the tracker still lists them.
P2P_TRK=sd4t-trk-$SFX
P2P_ME=sd4t-p12-$SFX
setup_p2p() {
	local n hash
	netns_bridge sd4t-br-$SFX
	netns_host "$P2P_TRK" t0 $NET.2/24
	for n in $(seq 11 26); do netns_host "sd4t-p$n-$SFX" "p$n" "$NET.$n/24"; done
	mkdir -p "$WORK/swarm/seed"
	head -c 65536 /dev/urandom >"$WORK/swarm/seed/sd4-data.bin"
	mktorrent -l 15 -a "http://$NET.2:6969/announce" -o "$WORK/swarm/sd4.torrent" \
		"$WORK/swarm/seed/sd4-data.bin" >/dev/null
	hash=$(aria2c -S "$WORK/swarm/sd4.torrent" | sed -n 's/^Info Hash: //p')
	# Debian's opentracker serves only the info hashes of its whitelist,
	# which it reads after it has gone into its root directory (chroot) and
	# become its own user (it refuses to run as root).
	echo "$hash" >"$WORK/swarm/whitelist.txt"
	printf '%s\n' "listen.tcp_udp $NET.2:6969" "access.whitelist whitelist.txt" \
		"tracker.rootdir $WORK/swarm" "tracker.user _opentracker" >"$WORK/swarm/opentracker.conf"
	bg "$WORK/swarm/tracker.log" "$P2P_TRK" opentracker -f "$WORK/swarm/opentracker.conf"
	sleep 1
	p2p_peer 11 "$WORK/swarm/seed" --check-integrity=true
}
p2p_peer() {   # p2p_peer N DIR [ARIA2C-OPTION...]: peer 198.51.100.N
	local n="$1" dir="$2"
	shift 2
	mkdir -p "$dir"
	bg "$dir.log" "sd4t-p$n-$SFX" aria2c --enable-dht=false --enable-dht6=false \
		--bt-enable-lpd=false --disable-ipv6=true --listen-port=$((20000 + RANDOM % 40000)) \
		--seed-ratio=0.0 --bt-tracker-interval=20 --max-overall-download-limit=16K \
		--max-overall-upload-limit=16K --file-allocation=none --summary-interval=0 \
		--console-log-level=notice -d "$dir" "$@" "$WORK/swarm/sd4.torrent"
	echo "$!" >"$dir.pid"
}
run_p2p() {
	local t0 n
	netns_capture "$OUT/ns4_benign_p2p.pcap" "$P2P_ME" p12
	t0=$(date +%s.%N)
	until_t "$t0" 1
	# The captured client uploads at most 1 KB/s: a smaller file.
	p2p_peer 12 "$W/p12" --max-overall-upload-limit=1K
	for n in $(seq 13 26); do
		until_t "$t0" $((4 * (n - 12)))
		p2p_peer "$n" "$W/p$n"
	done
	until_t "$t0" 60
	for n in 13 15 17 19 21; do
		kill "$(cat "$W/p$n.pid")"
	done
	until_t "$t0" 100
	netns_capture_end
	echo "    aria2c: $(grep -l 'SEED(' "$W"/p*.log | wc -l) of 15 peers completed the download"
}

# ================================================================== the run
want monitor && setup_monitor
want lan && setup_lan
want ntp && setup_ntp
want dns && setup_dns
want flood && setup_flood
want p2p && setup_p2p
sleep 1
want monitor && part monitor run_monitor
want ntp && part ntp-u run_ntp_u
want ntp && part ntp-p run_ntp_p
want lan && part lan run_lan
want dns && part dns run_dns
want flood && part flood run_flood
want p2p && part p2p run_p2p
rc=0
for p in $PART_PIDS; do
	if ! wait "${p#*:}"; then
		echo "part ${p%%:*} FAILED" >&2
		rc=1
	fi
	netns_untrack "${p#*:}"
	cat "$WORK/${p%%:*}.out"
done
[ "$rc" -eq 0 ] || exit 1

# ------------------------------------------------------------------ summary
# Every address in the files is a documentation one (or link-local,
# multicast, or DHCP's 0.0.0.0 and 255.255.255.255).
echo
for f in "$OUT"/ns4_*.pcap; do
	bad=$(tshark -r "$f" -T fields -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
		-e arp.src.proto_ipv4 -e arp.dst.proto_ipv4 2>/dev/null | tr ',\t' '\n' | sort -u |
		grep -Ev '^$|^198\.51\.100\.|^192\.0\.2\.|^203\.0\.113\.|^2001:db8:|^fe80:|^ff02:|^::$|^0\.0\.0\.0$|^255\.255\.255\.255$' || true)
	if [ -n "$bad" ]; then
		echo "${f##*/}: addresses outside the documentation ranges: $bad" >&2
		exit 1
	fi
done
"$PY" "$NETNS_DIR/summary.py" "$OUT"/ns4_*.pcap
