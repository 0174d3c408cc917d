# tests/netns/dnsq.py - DNS client traffic for the namespace test beds.
#
#   python3 dnsq.py [--gap SECONDS] [--quiet] HOST N
#
# Sends N DNS A queries (hostI.example.org) to HOST:53, each from a new
# socket (a new random source port), each waiting up to 2 s for its answer,
# SECONDS apart (default 0.02).  Prints each query's source port
# ("sport P", not with --quiet) and, last, "answered A/N".
import argparse, random, socket, struct, time

ap = argparse.ArgumentParser(description="N DNS A queries, one socket each")
ap.add_argument("--gap", type=float, default=0.02, help="seconds between queries")
ap.add_argument("--quiet", action="store_true", help="print the total only")
ap.add_argument("host")
ap.add_argument("n", type=int)
a = ap.parse_args()
ok = 0
for i in range(a.n):
    name = b"".join(bytes([len(p)]) + p for p in (b"host%d" % i, b"example", b"org")) + b"\0"
    q = struct.pack("!HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET6 if ":" in a.host else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(q, (a.host, 53))
    if not a.quiet:
        print("sport %d" % s.getsockname()[1])
    try:
        s.recvfrom(4096)
        ok += 1
    except socket.timeout:
        pass
    s.close()
    time.sleep(a.gap)
print("answered %d/%d" % (ok, a.n))
