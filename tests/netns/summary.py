# tests/netns/summary.py - per-source summary of the captures that the
# namespace scripts make (tests/pcap/make_captures.sh, make_captures2.sh).
#
#   python3 summary.py FILE.pcap...
#
# Classic pcap only (Ethernet, optional 802.1Q).  For each file: packets,
# bytes, link type and duration; then for each source address (or "ARP"),
# its packets by kind (TCP flags, UDP, ICMP type/code, IP fragments), with
# the number of destination ports of each kind.
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
