# tests/e2e/dnsq.py - DNS-like UDP traffic for t_e2e.sh.
#
#   python3 dnsq.py HOST N
#
# Sends N DNS A queries to HOST:53, each from a new socket (a new source
# port), 20 ms apart, waits up to 2 s for each answer; prints each query's
# source port ("sport P") and, last, "answered A/N".
import random, socket, struct, sys, time

host, n = sys.argv[1], int(sys.argv[2])
ok = 0
for i in range(n):
    name = b"".join(bytes([len(p)]) + p for p in (b"host%d" % i, b"example", b"org")) + b"\0"
    q = struct.pack("!HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(q, (host, 53))
    print("sport %d" % s.getsockname()[1])
    try:
        s.recvfrom(4096)
        ok += 1
    except socket.timeout:
        pass
    s.close()
    time.sleep(0.02)
print("answered %d/%d" % (ok, n))
