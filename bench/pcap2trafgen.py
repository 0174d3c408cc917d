#!/usr/bin/env python3
"""pcap2trafgen.py IN.pcap OUT.cfg - a classic pcap (as bench/gen writes
it: Ethernet, zero payloads) as a trafgen(8) packet configuration, one
packet per line, in the file's order.

netsniff-ng --in FILE --out CFG does the same, but writes every byte
(80 MB and two minutes for 20,000 packets of the mix): the zero payload
is written here as fill(0x00, N), so the file is 12 times smaller and
made in under a second.  Prints the number of packets and their mean
length in bytes.
"""
import struct
import sys


def main():
    src, dst = sys.argv[1:3]
    count = total = 0
    with open(src, "rb") as f, open(dst, "w") as out:
        if struct.unpack("<I", f.read(24)[:4])[0] != 0xA1B2C3D4:
            sys.exit("pcap2trafgen: %s: not a little-endian classic pcap" % src)
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            caplen = struct.unpack("<I", rec[8:12])[0]
            data = f.read(caplen)
            # Headers byte by byte (Ethernet + IPv4 + TCP is 54 bytes,
            # + UDP 42: the trailing zeros of a header stay bytes), the
            # zero payload after them as one fill().
            head = 54 if len(data) > 23 and data[23] == 6 else 42
            keep = min(len(data), max(len(data.rstrip(b"\0")), head))
            body = ", ".join("0x%02x" % b for b in data[:keep])
            pad = len(data) - keep
            out.write("{ %s%s }\n" % (body, ", fill(0x00, %d)" % pad if pad else ""))
            count += 1
            total += len(data)
    print(count, total // max(count, 1))


if __name__ == "__main__":
    main()
