#!/bin/bash
# tests/pcap/make_captures2.sh - rebuild the ns2_*.pcap test captures.
#
#   sudo tests/pcap/make_captures2.sh [OUTDIR]    (default: tests/pcap/data)
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
# (apache2-utils), openssl, python3, and build/spoofs (make build/spoofs).

set -eu
set -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$TOP/tests/pcap/data}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SPOOFS=$TOP/build/spoofs

for t in ip tcpdump nmap hping3 masscan zmap curl ab openssl; do
	command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 1; }
done
[ -x "$SPOOFS" ] || { echo "missing $SPOOFS: run make build/spoofs" >&2; exit 1; }
# Prefer the distribution's python3 (a pyenv shim may not work under ip netns exec).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
[ "$(id -u)" -eq 0 ] || { echo "must run as root" >&2; exit 1; }

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

WORK=$(mktemp -d /tmp/sd-cap2.XXXXXX)
PIDS=""          # every background process this script started
CREATED_NS=""

cleanup() {
	rc=$?
	set +e
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	sleep 0.3
	for p in $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	for ns in $CREATED_NS; do
		# Anything still inside our own namespaces was started by us.
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$WORK"
	if [ "$rc" -ne 0 ]; then echo "make_captures2: FAILED (exit $rc)" >&2; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# inns NS CMD...: run CMD in NS.  Background processes must use "ip netns exec"
# directly (not this function), so that $! is the PID of the process itself.
inns() { ns=$1; shift; ip netns exec "$ns" "$@"; }
unbg() { PIDS=$(echo "$PIDS" | sed "s/ $1\b//"); }
mac() { inns "$1" cat "/sys/class/net/$2/address"; }

# ---------------------------------------------------------------- namespaces
for ns in $NS_BR $NS_T $NS_A $NS_C $NS_H1 $NS_H2 $NS_H3 $NS_R $NS_X; do
	ip netns add "$ns"
	CREATED_NS="$CREATED_NS $ns"
	inns "$ns" ip link set lo up
done
# Only the target, the attacker and the client speak IPv6; the others stay
# silent on it.
for ns in $NS_BR $NS_H1 $NS_H2 $NS_H3 $NS_R $NS_X; do
	inns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
for ns in $NS_T $NS_A $NS_C; do
	# No DAD (addresses usable at once), no router solicitations (less noise).
	inns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0
done
inns "$NS_BR" ip link add br0 type bridge stp_state 0 forward_delay 0
inns "$NS_BR" ip link set br0 up

# link NAME NS ADDR4 [ADDR6]: veth NAME in NS, peer br-NAME on the bridge.
link() {
	inns "$NS_BR" ip link add "$1" type veth peer name "br-$1"
	inns "$NS_BR" ip link set "$1" netns "$2"
	inns "$NS_BR" ip link set "br-$1" master br0 up
	inns "$2" ip link set "$1" up
	inns "$2" ip addr add "$3/24" dev "$1"
	if [ -n "${4:-}" ]; then inns "$2" ip -6 addr add "$4/64" dev "$1" nodad; fi
	inns "$2" ip route add 192.0.2.0/24 via $R4 dev "$1"
}
link t0 "$NS_T" $T4 $T6
link a0 "$NS_A" $A4 $A6
link c0 "$NS_C" $C4 $C6
for i in $(seq 100 119); do inns "$NS_C" ip addr add "$NET.$i/24" dev c0; done
hosts_link() {   # hosts_link NS VETH "N N N..."
	first=${3%% *}
	link "$2" "$1" "$NET.$first"
	for n in ${3#* }; do inns "$1" ip addr add "$NET.$n/24" dev "$2"; done
}
hosts_link "$NS_H1" h1 "$HOSTS1"
hosts_link "$NS_H2" h2 "$HOSTS2"
hosts_link "$NS_H3" h3 "$HOSTS3"
# Router: r0 on the bridge, x0 to the remote namespace's x1.
inns "$NS_BR" ip link add r0 type veth peer name br-r0
inns "$NS_BR" ip link set r0 netns "$NS_R"
inns "$NS_BR" ip link set br-r0 master br0 up
inns "$NS_R" ip link set r0 up
inns "$NS_R" ip addr add $R4/24 dev r0
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
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=target.example" \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1

cat >"$WORK/services.py" <<'EOF'
# Services for make_captures2.sh.
#   services.py CERT KEY target       22, 80, 443/tcp and 53/udp on :: (v4+v6)
#   services.py CERT KEY hosts A...   443/tcp on 0.0.0.0, 80/tcp on each A
import socket, socketserver, ssl, struct, sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer

CERT, KEY, MODE = sys.argv[1], sys.argv[2], sys.argv[3]

class Dual(socketserver.ThreadingMixIn):
    address_family = socket.AF_INET6
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

class V4(socketserver.ThreadingMixIn):
    address_family = socket.AF_INET
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128

class Page(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server_version = "sd-testbed/1.0"
    sys_version = ""
    timeout = 10
    wbufsize = 65536      # the head and the body of a response in one segment
    def do_GET(self):
        body = b"<html><body>scandetd test target</body></html>\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_HEAD(self):
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)

class TLS:
    def finish_request(self, request, client_address):
        request.settimeout(10)
        try:
            s = ctx.wrap_socket(request, server_side=True)
        except (OSError, ValueError):
            return
        self.RequestHandlerClass(s, client_address, self)

class HTTP(Dual, HTTPServer): pass
class HTTPS(TLS, HTTP): pass
class HTTP4(V4, HTTPServer): pass
class HTTPS4(TLS, HTTP4): pass

class SSHBanner(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(5)
        try:
            self.request.sendall(b"SSH-2.0-sd-testbed\r\n")
            while self.request.recv(4096):
                pass
        except OSError:
            pass

class SSH(Dual, socketserver.TCPServer): pass

def dns_reply(q):
    if len(q) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    rflags = 0x8000 | (flags & 0x7900) | 0x0080        # QR, opcode, RD; RA
    if qd != 1 or (flags >> 11) & 0xF != 0:
        return struct.pack("!HHHHHH", qid, rflags, 0, 0, 0, 0)
    i = 12
    try:
        while q[i] != 0:
            i += q[i] + 1
        qtype, = struct.unpack("!H", q[i + 1:i + 3])
        qend = i + 5
    except (IndexError, struct.error):
        return struct.pack("!HHHHHH", qid, rflags | 1, 0, 0, 0, 0)
    an = b""
    if qtype == 1:
        an = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + bytes([192, 0, 2, 1])
    return struct.pack("!HHHHHH", qid, rflags, 1, 1 if an else 0, 0, 0) + q[12:qend] + an

def udp53():
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", 53))
    while True:
        q, peer = s.recvfrom(4096)
        r = dns_reply(q)
        if r is None:
            continue          # too short to be DNS: no answer
        try:
            s.sendto(r, peer)
        except OSError:
            pass

if MODE == "target":
    servers = [SSH(("::", 22), SSHBanner), HTTP(("::", 80), Page), HTTPS(("::", 443), Page)]
    threading.Thread(target=udp53, daemon=True).start()
else:
    servers = [HTTPS4(("0.0.0.0", 443), Page)] + [HTTP4((a, 80), Page) for a in sys.argv[4:]]
for srv in servers:
    threading.Thread(target=srv.serve_forever, daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
EOF

cat >"$WORK/dnsq.py" <<'EOF'
# N DNS A queries to HOST:53, each from a new socket (a new random source
# port), each waiting for its answer.
import socket, struct, sys, time, random
host, n = sys.argv[1], int(sys.argv[2])
ok = 0
for i in range(n):
    name = b"".join(bytes([len(p)]) + p for p in (b"host%d" % i, b"example", b"org")) + b"\0"
    q = struct.pack("!HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(q, (host, 53))
    try:
        s.recvfrom(4096)
        ok += 1
    except socket.timeout:
        pass
    s.close()
    time.sleep(0.005)
print("dns answered: %d/%d" % (ok, n))
EOF

cat >"$WORK/summary.py" <<'EOF'
# Per-source summary of a classic pcap (Ethernet, optional 802.1Q).
import struct, sys, collections, ipaddress
NAMES = [(0x001, "F"), (0x002, "S"), (0x004, "R"), (0x008, "P"), (0x010, "A"),
         (0x020, "U"), (0x040, "E"), (0x080, "C"), (0x100, "N")]
def fl(v):
    return "".join(n for b, n in NAMES if v & b) or "none"
for path in sys.argv[1:]:
    d = open(path, "rb").read()
    magic = d[:4]
    if magic == b"\xd4\xc3\xb2\xa1": e = "<"
    elif magic == b"\xa1\xb2\xc3\xd4": e = ">"
    else:
        print(path, "not a classic pcap"); continue
    link, = struct.unpack(e + "I", d[20:24])
    off = 24; n = 0; t0 = t1 = None
    src = collections.OrderedDict()
    while off + 16 <= len(d):
        ts, us, cap, ln = struct.unpack(e + "IIII", d[off:off + 16])
        p = d[off + 16:off + 16 + cap]; off += 16 + cap; n += 1
        t = ts + us / 1e6; t0 = t if t0 is None else t0; t1 = t
        et, o = struct.unpack("!H", p[12:14])[0], 14
        while et == 0x8100:
            et, o = struct.unpack("!H", p[o + 2:o + 4])[0], o + 4
        dst = dport = None
        if et == 0x0806:
            key, kind = "ARP", "arp"
        elif et == 0x0800:
            ihl = (p[o] & 15) * 4; proto = p[o + 9]
            key = ".".join(map(str, p[o + 12:o + 16])); dst = ".".join(map(str, p[o + 16:o + 20]))
            l4 = o + ihl
            fo = struct.unpack("!H", p[o + 6:o + 8])[0]
            if fo & 0x3fff:
                proto = -1 if fo & 0x1fff else proto
                if proto == 6 and len(p) < l4 + 14: proto = -2
        elif et == 0x86DD:
            proto = p[o + 6]; key = str(ipaddress.IPv6Address(p[o + 8:o + 24]))
            dst = str(ipaddress.IPv6Address(p[o + 24:o + 40])); l4 = o + 40
        else:
            key, kind = "ethertype 0x%04x" % et, "other"
        if et in (0x0800, 0x86DD):
            if proto == -1:
                kind = "IP fragment (later)"
            elif proto == -2:
                kind = "IP fragment (first, TCP header cut)"
            elif proto == 6:
                f = ((p[l4 + 12] & 1) << 8) | p[l4 + 13]
                kind = "TCP " + fl(f); dport = struct.unpack("!H", p[l4 + 2:l4 + 4])[0]
            elif proto == 17:
                kind = "UDP"; dport = struct.unpack("!H", p[l4 + 2:l4 + 4])[0]
            elif proto == 1:
                kind = "ICMP t%d/c%d" % (p[l4], p[l4 + 1])
            elif proto == 58:
                kind = "ICMPv6 t%d" % p[l4]
            else:
                kind = "proto %d" % proto
        s = src.setdefault(key, {"n": 0, "kinds": collections.Counter(), "ports": collections.defaultdict(set),
                                 "dst": set(), "t0": t, "t1": t})
        s["n"] += 1; s["kinds"][kind] += 1; s["t1"] = t
        if dst: s["dst"].add(dst)
        if dport is not None: s["ports"][kind].add(dport)
    name = path.rsplit("/", 1)[-1]
    print("== %s: %d packets, %d bytes, link %d, %.3f s" % (name, n, len(d), link, (t1 or 0) - (t0 or 0)))
    for k, s in src.items():
        parts = []
        for kind, c in sorted(s["kinds"].items(), key=lambda x: -x[1]):
            pp = s["ports"].get(kind)
            parts.append("%s %d%s" % (kind, c, " (%d ports)" % len(pp) if pp else ""))
        dsts = sorted(s["dst"])
        dtxt = ",".join(dsts) if len(dsts) <= 3 else "%d hosts" % len(dsts)
        print("  %-16s %5d pkts to %s, %.3f s: %s" % (k, s["n"], dtxt or "-",
              s["t1"] - s["t0"], "; ".join(parts)))
EOF

wait_ready() {   # wait_ready LOG
	for _ in $(seq 50); do
		grep -q ready "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$1"; exit 1
}
ip netns exec "$NS_T" "$PY" -u "$WORK/services.py" "$WORK/cert.pem" "$WORK/key.pem" target \
	>"$WORK/svc-t.log" 2>&1 &
PIDS="$PIDS $!"
wait_ready "$WORK/svc-t.log"
h=1
for ns in $NS_H1 $NS_H2 $NS_H3; do
	mine=""
	for a in $OPEN80; do
		if inns "$ns" ip -4 -o addr show dev h$h | grep " $a/" >/dev/null; then mine="$mine $a"; fi
	done
	# shellcheck disable=SC2086
	ip netns exec "$ns" "$PY" -u "$WORK/services.py" "$WORK/cert.pem" "$WORK/key.pem" hosts $mine \
		>"$WORK/svc-h$h.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_ready "$WORK/svc-h$h.log"
	h=$((h + 1))
done

# Warm up: check the services and fill the neighbour caches (not captured).
inns "$NS_C" curl -s -o /dev/null --max-time 3 "http://$T4/"
inns "$NS_C" curl -sk -o /dev/null --max-time 3 "https://$T4/"
inns "$NS_C" curl -s -o /dev/null --max-time 3 "http://[$T6]/"
inns "$NS_A" curl -s -o /dev/null --max-time 3 "http://$T4/"
inns "$NS_A" curl -s -o /dev/null --max-time 3 "http://[$T6]/"
inns "$NS_C" curl -s -o /dev/null --max-time 3 "http://$NET.11/"
inns "$NS_C" curl -sk -o /dev/null --max-time 3 "https://$NET.42/"
inns "$NS_X" curl -s -o /dev/null --max-time 3 "http://$T4/"
sleep 1

# ------------------------------------------------------------------ capture
CAP_PID=""
cap_start() {   # cap_start FILE [NS IFACE]: default the target's t0
	CAP_FILE=$1
	cns=${2:-$NS_T}
	cif=${3:-t0}
	: >"$WORK/tcpdump.err"
	rm -f "$WORK/cur.pcap"
	ip netns exec "$cns" tcpdump -i "$cif" -n -U -Z root -w "$WORK/cur.pcap" 2>"$WORK/tcpdump.err" &
	CAP_PID=$!
	PIDS="$PIDS $CAP_PID"
	for _ in $(seq 100); do
		grep -q "listening on" "$WORK/tcpdump.err" && break
		sleep 0.05
	done
	grep -q "listening on" "$WORK/tcpdump.err" || { cat "$WORK/tcpdump.err"; exit 1; }
	sleep 0.3
	CAP_T0=$(date +%s.%N)
}
cap_stop() {
	sleep 1
	kill -INT "$CAP_PID"
	for _ in $(seq 50); do
		kill -0 "$CAP_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$CAP_PID" 2>/dev/null && kill -TERM "$CAP_PID"
	wait "$CAP_PID" || true
	unbg "$CAP_PID"
	n=$(tcpdump -nr "$WORK/cur.pcap" 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || { echo "no packets captured for $CAP_FILE" >&2; exit 1; }
	mv "$WORK/cur.pcap" "$OUT/$CAP_FILE"
	chmod 644 "$OUT/$CAP_FILE"
	printf '%-28s %6d packets  %5.1f s  %s\n' "$CAP_FILE" "$n" \
		"$(awk -v a="$CAP_T0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$(tail -n 1 "$WORK/tcpdump.err")"
}

NMAP="nmap -n -Pn --max-rate 2000"
nm() {   # nm FILE NMAP-ARGS...: one nmap run from the attacker against the target
	f=$1; shift
	cap_start "$f"
	inns "$NS_A" $NMAP "$@" >"$WORK/$f.nmap.txt" 2>&1
	cap_stop
	sed -n '/^PORT\|open\|filtered\|Nmap done/p' "$WORK/$f.nmap.txt" | sed -n '1,12s/^/    /p'
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
ROUTER_MAC=$(mac "$NS_T" t0)
inns "$NS_A" timeout -k 2 12 masscan -p1-200 $T4 --rate 500 --wait 3 --adapter a0 \
	--adapter-ip $A4 --router-mac "$ROUTER_MAC" >"$WORK/masscan.txt" 2>&1 || true
cap_stop
tr '\r' '\n' <"$WORK/masscan.txt" | grep '^Discovered' | sed 's/^/    masscan: /' || true

# zmap from the remote scanner through the router, seen on the LAN's bridge.
# The blacklist file replaces zmap's default one (which excludes the
# documentation ranges) and drops the network and broadcast addresses.
printf '%s\n' "$NET.0/32" "$NET.255/32" >"$WORK/zmap-blacklist"
cap_start ns2_zmap_sweep.pcap "$NS_BR" br0
inns "$NS_X" zmap -q -p 80 -r 100 -n 254 -c 5 -i x1 -S $X4 -G "$(mac "$NS_R" x0)" \
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
	PIDS="$PIDS $!"
	CPIDS="$CPIDS $!"
done
for p in $CPIDS; do wait "$p" || true; unbg "$p"; done
cap_stop
echo "    curl: $(cat "$WORK"/srv-*.txt | grep -c '^200$')/200 requests from 20 clients answered 200"

cap_start ns2_benign_dns.pcap
inns "$NS_C" "$PY" "$WORK/dnsq.py" $T4 500 | sed 's/^/    /'
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
"$PY" "$WORK/summary.py" "$OUT"/ns2_*.pcap
