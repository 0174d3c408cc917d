#!/usr/bin/env python3
"""A DNS server for one test: it answers PTR queries with whatever bytes
it is told, hostile ones included (CR, LF, blanks, a name that reads as
an address), to show that nothing a PTR record holds reaches a mail
header.

    ptrdns.py --port 53 --pidfile F  IP=NAME ...

NAME takes Python escapes (\\r, \\n, \\x00...); its labels are split at
dots and sent as they are.  Queries for other addresses get NXDOMAIN.
Only for tests: it runs in a private network namespace.
"""
import argparse
import codecs
import ipaddress
import os
import socket
import struct


def encode_name(raw):
    out = b""
    for label in raw.split(b"."):
        if label:
            out += bytes([len(label) & 0x3f]) + label[:63]
    return out + b"\x00"


def parse_question(msg):
    """(qname as text, qtype, end offset) of the first question."""
    i = 12
    labels = []
    while msg[i]:
        n = msg[i]
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    qtype, _ = struct.unpack("!HH", msg[i + 1:i + 5])
    return ".".join(labels), qtype, i + 5


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--pidfile")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    table = {}
    for item in args.names:
        ip, name = item.split("=", 1)
        rev = ipaddress.ip_address(ip).reverse_pointer.lower()
        table[rev] = codecs.decode(name, "unicode_escape").encode("latin-1")

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", args.port))
    if args.pidfile:
        with open(args.pidfile + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(args.pidfile + ".tmp", args.pidfile)
    while True:
        msg, peer = sock.recvfrom(4096)
        if len(msg) < 17:
            continue
        try:
            qname, qtype, end = parse_question(msg)
        except (IndexError, struct.error):
            continue
        name = table.get(qname.lower())
        ident = msg[:2]
        question = msg[12:end]
        if name is None or qtype != 12:
            rcode = 3 if name is None else 0
            reply = ident + struct.pack("!HHHHH", 0x8180 | rcode, 1, 0, 0,
                                        0) + question
        else:
            rdata = encode_name(name)
            answer = struct.pack("!HHHIH", 0xc00c, 12, 1, 60, len(rdata))
            reply = (ident + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) +
                     question + answer + rdata)
        sock.sendto(reply, peer)


if __name__ == "__main__":
    main()
