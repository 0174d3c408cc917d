# tests/e2e/services.py - the target's real services for t_e2e.sh.
#
#   python3 services.py CERT KEY
#
# Listens on :: (IPv4 and IPv6): 22/tcp sends an SSH-2.0 banner, 80/tcp
# HTTP/1.0, 443/tcp HTTPS (the given self-signed certificate), 53/udp
# answers DNS queries (A 192.0.2.1).  Prints "ready" once all listen.
# Taken from tests/pcap/make_captures.sh.
import socket, socketserver, ssl, struct, sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer

CERT, KEY = sys.argv[1], sys.argv[2]


class Dual(socketserver.ThreadingMixIn):
    address_family = socket.AF_INET6
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


class Page(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server_version = "sd-e2e/1.0"
    sys_version = ""
    timeout = 10

    def do_GET(self):
        body = b"<html><body>scandetd e2e target</body></html>\n"
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
            self.request.sendall(b"SSH-2.0-sd-e2e\r\n")
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
