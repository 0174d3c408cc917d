#!/usr/bin/env python3
"""Rewrite a LINKTYPE_RAW pcap file into another link type.

    relink.py TYPE IN.pcap OUT.pcap

TYPE is one of: null (BSD loopback, host byte order), loop (OpenBSD
loopback, network order), sll (Linux cooked v1), sll2 (Linux cooked v2),
ether, vlan (802.1Q), qinq (802.1ad outer + 802.1Q inner).  The packets
stay byte-for-byte the same IP datagrams, so scandetd must report the same
events for every link type.
"""
import struct
import sys

LINKTYPES = {"null": 0, "loop": 108, "sll": 113, "sll2": 276, "ether": 1,
             "vlan": 1, "qinq": 1}
MAC_DST = bytes.fromhex("020000000002")
MAC_SRC = bytes.fromhex("020000000001")


def header(kind, ip):
    v6 = ip[0] >> 4 == 6
    ethertype = 0x86DD if v6 else 0x0800
    if kind == "null":
        return struct.pack("=I", 30 if v6 else 2)
    if kind == "loop":
        return struct.pack(">I", 24 if v6 else 2)
    if kind == "sll":
        # packet type 0 (to us), ARPHRD_ETHER, address length 6
        return struct.pack(">HHH8sH", 0, 1, 6, MAC_SRC + b"\0\0", ethertype)
    if kind == "sll2":
        return struct.pack(">HHIHBB8s", ethertype, 0, 2, 1, 0, 6,
                           MAC_SRC + b"\0\0")
    eth = MAC_DST + MAC_SRC
    if kind == "vlan":
        return eth + struct.pack(">HHH", 0x8100, 943, ethertype)
    if kind == "qinq":
        return eth + struct.pack(">HHHHH", 0x88A8, 100, 0x8100, 943, ethertype)
    return eth + struct.pack(">H", ethertype)


def main():
    kind, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(src, "rb") as f:
        data = f.read()
    magic, vmaj, vmin, zone, sig, snap, link = struct.unpack("<IHHiIII", data[:24])
    if magic != 0xA1B2C3D4 or link != 101:
        sys.exit("relink.py: %s is not a little-endian LINKTYPE_RAW pcap" % src)
    out = [struct.pack("<IHHiIII", magic, vmaj, vmin, zone, sig, snap + 64,
                       LINKTYPES[kind])]
    pos = 24
    while pos + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[pos:pos + 16])
        ip = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        hdr = header(kind, ip)
        out.append(struct.pack("<IIII", sec, usec, incl + len(hdr),
                               orig + len(hdr)) + hdr + ip)
    with open(dst, "wb") as f:
        f.write(b"".join(out))


if __name__ == "__main__":
    main()
