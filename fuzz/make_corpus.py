#!/usr/bin/env python3
"""make_corpus.py - seed corpus of fuzz_decode from capture files.

    fuzz/make_corpus.py OUTDIR CAPTURE...

Reads pcap and pcapng files (no libraries needed), keeps a few frames of
each kind (link type, VLAN tags, IP version, protocol, TCP flags, TCP
option length, fragment, ICMP type, IPv6 extension headers), and writes
each as one file: a byte naming the link type as fuzz_decode reads it
(the enum link_type of src/decode.h), then the frame.  Frames of IP
packets are also written again under every other link type (raw IP, BSD
and OpenBSD loopback, Linux cooked v1 and v2) so that each link decoder
has seeds even without captures of that kind.  Files are named by the
SHA-1 of their content, as libFuzzer names corpus files.
"""
import hashlib
import os
import struct
import sys

# enum link_type in src/decode.h
LINK_ETHERNET, LINK_SLL, LINK_SLL2, LINK_RAW, LINK_NULL, LINK_LOOP = range(6)

# LINKTYPE_ values of capture files (and the DLT_RAW values libpcap uses)
LINKTYPES = {1: LINK_ETHERNET, 113: LINK_SLL, 276: LINK_SLL2, 101: LINK_RAW,
             12: LINK_RAW, 14: LINK_RAW, 228: LINK_RAW, 229: LINK_RAW,
             0: LINK_NULL, 108: LINK_LOOP}

MAX_FRAME = 2047          # fuzz_decode's -max_len less the link byte
PER_KIND = 2              # frames kept of each kind
PER_FILE = 40             # frames kept of each capture
RELINK = 6                # IP frames of each capture written under each link


def read_pcap(data):
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        return
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0xffff
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        yield linktype, data[off:off + caplen]
        off += caplen


def read_pcapng(data):
    end = "<"
    links = []
    off = 0
    while off + 12 <= len(data):
        btype = struct.unpack(end + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            end = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        btype, blen = struct.unpack(end + "II", data[off:off + 8])
        if blen < 12:
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1:                          # interface description
            links.append(struct.unpack(end + "H", body[:2])[0])
        elif btype in (6, 3) and links:         # enhanced / simple packet
            if btype == 6:
                ifid, _, _, caplen, _ = struct.unpack(end + "IIIII", body[:20])
                frame = body[20:20 + caplen]
            else:
                ifid, frame = 0, body[4:]
            if ifid < len(links):
                yield links[ifid], frame
        off += blen


def read_capture(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return read_pcapng(data)
    return read_pcap(data)


def ip_start(link, frame):
    """Offset of the IP header and the VLAN tag count, or (None, 0)."""
    tags = 0
    if link == LINK_ETHERNET:
        off, typeoff = 14, 12
    elif link == LINK_SLL:
        off, typeoff = 16, 14
    elif link == LINK_SLL2:
        off, typeoff = 20, 0
    elif link == LINK_RAW:
        return 0, 0
    else:
        return 4, 0
    if len(frame) < off:
        return None, 0
    etype = struct.unpack(">H", frame[typeoff:typeoff + 2])[0]
    while etype in (0x8100, 0x88A8, 0x9100) and len(frame) >= off + 4:
        etype = struct.unpack(">H", frame[off + 2:off + 4])[0]
        off += 4
        tags += 1
    if etype not in (0x0800, 0x86DD):
        return None, tags
    return off, tags


def kind(link, frame):
    """What sort of frame this is, as a tuple."""
    off, tags = ip_start(link, frame)
    if off is None or off >= len(frame):
        return (link, tags, "not-ip", len(frame) > 0 and frame[-1] % 2)
    ip = frame[off:]
    ver = ip[0] >> 4
    if ver == 4 and len(ip) >= 20:
        hlen = (ip[0] & 15) * 4
        proto = ip[9]
        frag = struct.unpack(">H", ip[6:8])[0]
        l4 = ip[hlen:]
        ext = hlen > 20
        fragk = (frag & 0x1fff != 0, frag & 0x2000 != 0)
    elif ver == 6 and len(ip) >= 40:
        proto, l4, ext, fragk = ip[6], ip[40:], False, (False, False)
        while proto in (0, 43, 60, 44) and len(l4) >= 8:
            ext = True
            if proto == 44:
                fo = struct.unpack(">H", l4[2:4])[0]
                fragk = (fo & 0xfff8 != 0, fo & 1 != 0)
                proto, l4 = l4[0], l4[8:]
            else:
                proto, l4 = l4[0], l4[(l4[1] + 1) * 8:]
    else:
        return (link, tags, "bad-ip", ver)
    detail = None
    if proto == 6 and len(l4) >= 14:
        detail = (l4[13], (l4[12] >> 4) * 4 - 20)
    elif proto in (1, 58) and len(l4) >= 2:
        detail = (l4[0], l4[1])
    elif proto == 17:
        detail = len(l4) >= 8
    return (link, tags, ver, proto, ext, fragk, detail)


def relink(link, frame):
    """The IP packet of frame under each other link type."""
    off, _ = ip_start(link, frame)
    if off is None or off >= len(frame):
        return []
    ip = frame[off:]
    ver = ip[0] >> 4
    if ver not in (4, 6):
        return []
    etype = struct.pack(">H", 0x0800 if ver == 4 else 0x86DD)
    bsd = 2 if ver == 4 else 24                 # AF_INET, AF_INET6 (BSD)
    out = [
        (LINK_RAW, ip),
        (LINK_NULL, struct.pack("<I", bsd) + ip),               # little-endian host
        (LINK_NULL, struct.pack(">I", 30 if ver == 6 else 2) + ip),  # Darwin, big-endian
        (LINK_LOOP, struct.pack(">I", 28 if ver == 6 else 2) + ip),  # FreeBSD AF_INET6
        (LINK_SLL, b"\x00\x00\x00\x01\x00\x06\x02\x00\x00\x5e\x00\x53\x01\x00" +
         etype + ip),
        (LINK_SLL2, etype + b"\x00\x00\x00\x00\x00\x02\x00\x01\x04\x06" +
         b"\x02\x00\x00\x5e\x00\x53\x01\x00" + ip),
        (LINK_ETHERNET, b"\x02\x00\x00\x5e\x00\x53\x02\x00\x00\x5e\x00\x54" +
         b"\x81\x00\x00\x07\x88\xa8\x00\x08" + etype + ip),     # two tags
    ]
    return [(l, f) for l, f in out if l != link]


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: make_corpus.py OUTDIR CAPTURE...")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    seen_kind = {}
    written = set()

    def write(link, frame):
        blob = bytes([link]) + frame[:MAX_FRAME]
        name = hashlib.sha1(blob).hexdigest()
        if name in written:
            return False
        written.add(name)
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(blob)
        return True

    for path in sys.argv[2:]:
        kept, relinked = 0, 0
        for linktype, frame in read_capture(path):
            link = LINKTYPES.get(linktype)
            if link is None or len(frame) > MAX_FRAME or kept >= PER_FILE:
                continue
            k = kind(link, frame)
            if seen_kind.get(k, 0) >= PER_KIND:
                continue
            if not write(link, frame):
                continue
            seen_kind[k] = seen_kind.get(k, 0) + 1
            kept += 1
            if relinked < RELINK and seen_kind[k] == 1:
                for l, f in relink(link, frame):
                    write(l, f)
                relinked += 1
        print(f"{path}: {kept} frames", file=sys.stderr)
    print(f"{outdir}: {len(written)} files", file=sys.stderr)


if __name__ == "__main__":
    main()
