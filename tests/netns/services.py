# tests/netns/services.py - the real services of the namespace test beds
# (tests/pcap/make_captures.sh, make_captures2.sh, tests/e2e/t_e2e.sh).
#
#   python3 services.py [--cert CERT --key KEY] [--ssh ADDR:PORT] [--http ADDR:PORT]
#                       [--https ADDR:PORT] [--dns ADDR:PORT] [--name NAME]
#
# Each option may be given more than once; with none of --ssh, --http,
# --https and --dns, all four listen on [::] (IPv4 and IPv6) on their usual
# ports: --ssh [::]:22 --http [::]:80 --https [::]:443 --dns [::]:53.
#
#   ssh    sends an SSH-2.0 banner, then reads until the peer closes
#   http   HTTP/1.0: GET answers a small page, HEAD the status line; the
#          head and the body of a response go out in one segment
#   https  the same over TLS with CERT and KEY (a self-signed certificate)
#   dns    UDP: answers DNS queries (an A question gets A 192.0.2.1, other
#          types an empty answer, a malformed question FORMERR); a datagram
#          shorter than a DNS header gets no answer
#
# ADDR is an IPv4 address, an IPv6 address in brackets ([2001:db8::10]:80),
# or [::], which takes IPv4 too.  Prints "ready" once every socket listens.
import argparse, socket, socketserver, ssl, struct, threading
from http.server import BaseHTTPRequestHandler, HTTPServer

DEFAULTS = {"ssh": "[::]:22", "http": "[::]:80", "https": "[::]:443", "dns": "[::]:53"}
NAME = "sd-testbed"


def endpoint(text):
    """'[ADDR]:PORT' or 'ADDR:PORT' -> (family, address, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise argparse.ArgumentTypeError("not ADDR:PORT: %r" % text)
    if host.startswith("[") and host.endswith("]"):
        return socket.AF_INET6, host[1:-1], int(port)
    if ":" in host:
        raise argparse.ArgumentTypeError("an IPv6 address goes in brackets: %r" % text)
    return socket.AF_INET, host, int(port)


def dual_stack(sock, family, addr):
    # [::] takes IPv4 as well (IPv4-mapped addresses).
    if family == socket.AF_INET6 and addr == "::":
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)


class Server(socketserver.ThreadingMixIn):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, ep, handler):
        self.address_family = ep[0]
        super().__init__(ep[1:], handler)

    def server_bind(self):
        dual_stack(self.socket, self.address_family, self.server_address[0])
        super().server_bind()


class Page(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
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


class HTTP(Server, HTTPServer):
    pass


class HTTPS(HTTP):
    ctx = None

    def finish_request(self, request, client_address):
        request.settimeout(10)
        try:
            s = self.ctx.wrap_socket(request, server_side=True)
        except (OSError, ValueError):
            return
        self.RequestHandlerClass(s, client_address, self)


class SSHBanner(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(5)
        try:
            self.request.sendall(b"SSH-2.0-%s\r\n" % NAME.encode())
            while self.request.recv(4096):
                pass
        except OSError:
            pass


class SSH(Server, socketserver.TCPServer):
    pass


def dns_reply(q):
    """The answer to the datagram q, or None for no answer."""
    if len(q) < 12:
        return None           # too short to be DNS
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


def dns_socket(ep):
    s = socket.socket(ep[0], socket.SOCK_DGRAM)
    dual_stack(s, ep[0], ep[1])
    s.bind(ep[1:])
    return s


def dns_serve(s):
    while True:
        q, peer = s.recvfrom(4096)
        r = dns_reply(q)
        if r is None:
            continue
        try:
            s.sendto(r, peer)
        except OSError:
            pass


def main():
    global NAME
    ap = argparse.ArgumentParser(description="SSH banner, HTTP, HTTPS and DNS test services")
    ap.add_argument("--cert", help="certificate (PEM) for https")
    ap.add_argument("--key", help="private key (PEM) for https")
    ap.add_argument("--name", default=NAME, help="in the SSH banner and the HTTP Server header")
    for kind in DEFAULTS:
        ap.add_argument("--" + kind, action="append", type=endpoint, default=[], metavar="ADDR:PORT")
    a = ap.parse_args()
    if not any(getattr(a, k) for k in DEFAULTS):
        for k, v in DEFAULTS.items():
            setattr(a, k, [endpoint(v)])
    NAME = a.name
    Page.server_version = NAME + "/1.0"
    if a.https:
        if not (a.cert and a.key):
            ap.error("https needs --cert and --key")
        HTTPS.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        HTTPS.ctx.load_cert_chain(a.cert, a.key)
    servers = ([SSH(ep, SSHBanner) for ep in a.ssh] + [HTTP(ep, Page) for ep in a.http] +
               [HTTPS(ep, Page) for ep in a.https])
    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    for s in [dns_socket(ep) for ep in a.dns]:
        threading.Thread(target=dns_serve, args=(s,), daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
