#!/usr/bin/env python3
"""Spread the connections of a short capture over a longer span (retime).

    retime.py IN.pcap OUT.pcap START SPAN

tests/pcap/make_captures3.sh records a busy client for a minute and needs
it as the background of a 24-hour capture.  Each TCP connection (its
packets in both directions, found by the unordered pair of endpoints) is
moved as a block, its inner timing kept, so that the connections start
evenly spread from START (epoch seconds) over SPAN seconds, in their
original order.  Packets that belong to no connection (ARP and the like)
move with the connection before them.  Only the timestamps change; the
packets are written in time order.  Classic pcap, Ethernet, IPv4 only.
"""
import struct
import sys


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    order = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">"}.get(data[:4])
    if order is None:
        sys.exit("%s: not a classic microsecond pcap" % path)
    packets, off = [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack(order + "IIII", data[off:off + 16])
        packets.append((sec + usec / 1e6, data[off:off + 16], data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return order, data[:24], packets


def tcp_key(frame):
    """The unordered endpoint pair of an IPv4 TCP frame, else None."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
        return None
    ihl = (frame[14] & 15) * 4
    l4 = 14 + ihl
    if len(frame) < l4 + 4:
        return None
    a = (frame[26:30], frame[l4:l4 + 2])
    b = (frame[30:34], frame[l4 + 2:l4 + 4])
    return (a, b) if a < b else (b, a)


def main():
    src, dst, start, span = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    order, head, packets = read_pcap(src)
    firsts = {}                      # connection -> its first packet's time, in order
    for t, _, frame in packets:
        k = tcp_key(frame)
        if k is not None:
            firsts.setdefault(k, t)
    step = span / max(len(firsts), 1)
    shift = {k: start + i * step - t for i, (k, t) in enumerate(firsts.items())}
    out, last = [], start - packets[0][0] if packets else 0.0
    for t, rec, frame in packets:
        k = tcp_key(frame)
        last = shift.get(k, last)
        nt = t + last
        sec = int(nt)
        usec = int(round((nt - sec) * 1e6))
        if usec == 1000000:
            sec, usec = sec + 1, 0
        out.append((sec, usec, rec[8:16], frame))
    out.sort(key=lambda p: (p[0], p[1]))
    with open(dst, "wb") as f:
        f.write(head)
        for sec, usec, lens, frame in out:
            f.write(struct.pack(order + "II", sec, usec) + lens + frame)
    print("retime: %d packets, %d connections, one every %.1f s" % (len(out), len(firsts), step))


if __name__ == "__main__":
    main()
