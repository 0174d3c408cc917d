#!/bin/bash
# tests/pcap/make_captures.sh - rebuild the ns_*.pcap test captures.
#
#   sudo tests/pcap/make_captures.sh [OUTDIR]     (default: tests/pcap/data)
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
# The target runs small python3 services on both address families:
#   22/tcp  sends an SSH-2.0 banner,   80/tcp  HTTP/1.0,
#   443/tcp HTTPS (self-signed cert),  53/udp  answers DNS queries (A 192.0.2.1).
#
# Needs root, iproute2, tcpdump, nmap, hping3, curl, openssl, python3.
# Only documentation addresses are used (198.51.100.0/24, 203.0.113.0/24 as
# the spoofed hping3 source, 192.0.2.1 in DNS answers, 2001:db8::/32).
# Every generator has an explicit target, port list and packet count or rate.

set -eu
set -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$TOP/tests/pcap/data}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

for t in ip tcpdump nmap hping3 curl openssl; do
	command -v "$t" >/dev/null || { echo "missing tool: $t" >&2; exit 1; }
done
# Prefer the distribution's python3 (a pyenv shim may not work under ip netns exec).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
[ "$(id -u)" -eq 0 ] || { echo "must run as root" >&2; exit 1; }

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

WORK=$(mktemp -d /tmp/sd-cap.XXXXXX)
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
	if [ "$rc" -ne 0 ]; then echo "make_captures: FAILED (exit $rc)" >&2; fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# inns NS CMD...: run CMD in NS.  Background processes must use "ip netns exec"
# directly (not this function), so that $! is the PID of the process itself.
inns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---------------------------------------------------------------- namespaces
for ns in $NS_BR $NS_T $NS_A $NS_C; do
	ip netns add "$ns"
	CREATED_NS="$CREATED_NS $ns"
	inns "$ns" ip link set lo up
done
# The bridge namespace stays silent: no IPv6 on its interfaces.
inns "$NS_BR" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
inns "$NS_BR" ip link add br0 type bridge stp_state 0 forward_delay 0
inns "$NS_BR" ip link set br0 up
for ns in $NS_T $NS_A $NS_C; do
	# No DAD (addresses usable at once), no router solicitations (less noise).
	inns "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.default.router_solicitations=0 net.ipv6.conf.all.router_solicitations=0
done

# link NAME NS ADDR4 ADDR6: veth NAME in NS, peer br-NAME on the bridge.
link() {
	inns "$NS_BR" ip link add "$1" type veth peer name "br-$1"
	inns "$NS_BR" ip link set "$1" netns "$2"
	inns "$NS_BR" ip link set "br-$1" master br0 up
	inns "$2" ip link set "$1" up
	inns "$2" ip addr add "$3/24" dev "$1"
	inns "$2" ip -6 addr add "$4/64" dev "$1" nodad
}
link t0 "$NS_T" $T4 $T6
link a0 "$NS_A" $A4 $A6
link c0 "$NS_C" $C4 $C6

# ------------------------------------------------------------ target services
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=target.example" \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1

cat >"$WORK/services.py" <<'EOF'
# Target services for make_captures.sh; all listen on :: (IPv4 and IPv6).
import socket, socketserver, ssl, struct, sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer

CERT, KEY = sys.argv[1], sys.argv[2]

class Dual(socketserver.ThreadingMixIn):
    address_family = socket.AF_INET6
    allow_reuse_address = True
    daemon_threads = True
    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

class Page(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server_version = "sd-testbed/1.0"
    sys_version = ""
    timeout = 10
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

class HTTP(Dual, HTTPServer):
    pass

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)

class HTTPS(HTTP):
    def finish_request(self, request, client_address):
        request.settimeout(10)
        try:
            s = ctx.wrap_socket(request, server_side=True)
        except (OSError, ValueError):
            return
        self.RequestHandlerClass(s, client_address, self)

class SSHBanner(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(5)
        try:
            self.request.sendall(b"SSH-2.0-sd-testbed\r\n")
            while self.request.recv(4096):
                pass
        except OSError:
            pass

class SSH(Dual, socketserver.TCPServer):
    pass

def dns_reply(q):
    if len(q) < 12:
        return q
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
        try:
            s.sendto(dns_reply(q), peer)
        except OSError:
            pass

servers = [SSH(("::", 22), SSHBanner), HTTP(("::", 80), Page), HTTPS(("::", 443), Page)]
for srv in servers:
    threading.Thread(target=srv.serve_forever, daemon=True).start()
threading.Thread(target=udp53, daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
EOF

cat >"$WORK/dnsq.py" <<'EOF'
# N DNS A queries to HOST:53, each from a new socket (new source port).
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
    time.sleep(0.02)
print("dns answered: %d/%d" % (ok, n))
EOF

cat >"$WORK/summary.py" <<'EOF'
# Per-source summary of a classic pcap (Ethernet, optional 802.1Q).
import struct, sys, collections
NAMES = [(0x001, "F"), (0x002, "S"), (0x004, "R"), (0x008, "P"), (0x010, "A"),
         (0x020, "U"), (0x040, "E"), (0x080, "C"), (0x100, "N")]
def fl(v):
    return "".join(n for b, n in NAMES if v & b) or "none"
def ip6(b):
    import ipaddress
    return str(ipaddress.IPv6Address(b))
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
        if et == 0x0806:
            key, kind, dst, dport = "ARP", "arp", None, None
        elif et == 0x0800:
            ihl = (p[o] & 15) * 4; proto = p[o + 9]
            key = ".".join(map(str, p[o + 12:o + 16])); dst = ".".join(map(str, p[o + 16:o + 20]))
            l4 = o + ihl
        elif et == 0x86DD:
            proto = p[o + 6]; key = ip6(p[o + 8:o + 24]); dst = ip6(p[o + 24:o + 40]); l4 = o + 40
        else:
            key, kind, dst, dport = "ethertype 0x%04x" % et, "other", None, None
        if et in (0x0800, 0x86DD):
            dport = None
            if proto == 6:
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
        print("  %-16s %5d pkts to %s, %.3f s: %s" % (k, s["n"], ",".join(sorted(s["dst"])) or "-",
              s["t1"] - s["t0"], "; ".join(parts)))
EOF

ip netns exec "$NS_T" "$PY" -u "$WORK/services.py" "$WORK/cert.pem" "$WORK/key.pem" >"$WORK/services.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do
	grep -q ready "$WORK/services.log" 2>/dev/null && break
	sleep 0.1
done
grep -q ready "$WORK/services.log" || { cat "$WORK/services.log"; exit 1; }

# Warm up: check the services and fill the neighbour caches (not captured).
inns "$NS_C" curl -s -o /dev/null --max-time 3 "http://$T4/"
inns "$NS_C" curl -sk -o /dev/null --max-time 3 "https://$T4/"
inns "$NS_C" curl -s -o /dev/null --max-time 3 "http://[$T6]/"
inns "$NS_A" curl -s -o /dev/null --max-time 3 "http://$T4/"
inns "$NS_A" curl -s -o /dev/null --max-time 3 "http://[$T6]/"
sleep 1

# ------------------------------------------------------------------ capture
CAP_PID=""
cap_start() {   # cap_start FILE
	CAP_FILE=$1
	: >"$WORK/tcpdump.err"
	rm -f "$WORK/cur.pcap"
	ip netns exec "$NS_T" tcpdump -i t0 -n -U -Z root -w "$WORK/cur.pcap" 2>"$WORK/tcpdump.err" &
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
	PIDS=$(echo "$PIDS" | sed "s/ $CAP_PID\b//")
	n=$(tcpdump -nr "$WORK/cur.pcap" 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || { echo "no packets captured for $CAP_FILE" >&2; exit 1; }
	mv "$WORK/cur.pcap" "$OUT/$CAP_FILE"
	chmod 644 "$OUT/$CAP_FILE"
	printf '%-22s %6d packets  %5.1f s  %s\n' "$CAP_FILE" "$n" \
		"$(awk -v a="$CAP_T0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" "$(tail -n 1 "$WORK/tcpdump.err")"
}

NMAP="nmap -n -Pn --max-rate 2000"
nm() {   # nm FILE NMAP-ARGS...: one nmap run from the attacker against the target
	f=$1; shift
	cap_start "$f"
	inns "$NS_A" $NMAP "$@" >"$WORK/$f.nmap.txt" 2>&1
	cap_stop
	sed -n '/^PORT\|open\|filtered\|Running\|OS details\|Nmap done/p' "$WORK/$f.nmap.txt" | head -20 | sed 's/^/    /'
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
inns "$NS_C" "$PY" "$WORK/dnsq.py" $T4 50 | sed 's/^/    /'
cap_stop

cap_start ns_benign_mixed.pcap
curls 100 &
CURL_PID=$!
PIDS="$PIDS $CURL_PID"
sleep 0.5
inns "$NS_A" $NMAP -sS -p 1-100 $T4 >"$WORK/mixed.nmap.txt" 2>&1
wait "$CURL_PID"
PIDS=$(echo "$PIDS" | sed "s/ $CURL_PID\b//")
cap_stop

# ------------------------------------------------------------------ summary
echo
"$PY" "$WORK/summary.py" "$OUT"/ns_*.pcap
