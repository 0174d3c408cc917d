#!/usr/bin/env python3
"""A small SMTP server for scandetd's mail tests, built on aiosmtpd.

Every message it accepts is written to DIR as N.eml (the DATA exactly as
received, CRLF line ends) and N.json (envelope: sender, recipients, HELO
name, whether TLS and AUTH were used), N counting from 1.  The .json is
written last: its presence means the message is complete.

    smtpd.py --port P --dir DIR [--starttls CERT KEY] [--tls CERT KEY]
             [--auth USER PASSWORDFILE] [--reply CODE] [--pidfile F]
    smtpd.py --blackhole --port P [--pidfile F]

--starttls   offer STARTTLS and refuse mail without it
--tls        TLS from the first byte (smtps)
--auth       require AUTH (PLAIN or LOGIN) with this user and the password
             in the first line of PASSWORDFILE
--reply      answer DATA with CODE (e.g. 451 or 554) instead of 250
--blackhole  accept TCP connections and never say a word

The server writes its pid to --pidfile once it listens; the test kills it
by that pid.
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import ssl
import sys
import time


def write_pidfile(path):
    if path:
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(tmp, path)


def blackhole(port, pidfile):
    """Accept and hold every connection, answer nothing."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)
    write_pidfile(pidfile)
    held = []
    while True:
        conn, _ = srv.accept()
        held.append(conn)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--dir")
    ap.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--auth", nargs=2, metavar=("USER", "PASSWORDFILE"))
    ap.add_argument("--reply", type=int)
    ap.add_argument("--pidfile")
    ap.add_argument("--blackhole", action="store_true")
    args = ap.parse_args()

    if args.blackhole:
        blackhole(args.port, args.pidfile)
        return

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    os.makedirs(args.dir, exist_ok=True)
    # A server started again on the same directory goes on counting.
    counter = [len([f for f in os.listdir(args.dir) if f.endswith(".json")])]

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            if args.reply:
                text = {451: "4.3.0 try again later",
                        554: "5.7.1 rejected by the test"}.get(
                            args.reply, "test reply")
                return "%d %s" % (args.reply, text)
            counter[0] += 1
            base = os.path.join(args.dir, "%d" % counter[0])
            with open(base + ".eml", "wb") as f:
                f.write(envelope.original_content)
            env = {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "helo": session.host_name,
                # STARTTLS, or smtps (TLS below the SMTP session)
                "tls": (session.ssl is not None or
                        server.transport.get_extra_info("ssl_object")
                        is not None),
                "auth": (session.auth_data.login.decode()
                         if isinstance(getattr(session, "auth_data", None),
                                       LoginPassword) else None),
                "time": time.time(),
            }
            with open(base + ".json.tmp", "w") as f:
                json.dump(env, f)
            os.rename(base + ".json.tmp", base + ".json")
            return "250 2.0.0 OK queued as test-%d" % counter[0]

    kwargs = {}
    if args.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*args.starttls)
        kwargs["tls_context"] = ctx
        kwargs["require_starttls"] = True
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*args.tls)
        kwargs["ssl_context"] = ctx
    if args.auth:
        user = args.auth[0].encode()
        with open(args.auth[1], "rb") as f:
            password = f.read().split(b"\n")[0].rstrip(b"\r")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and
                  auth_data.login == user and auth_data.password == password)
            # handled=False: aiosmtpd answers 535 itself on failure.
            return AuthResult(success=ok, handled=False,
                              auth_data=auth_data if ok else None)

        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = bool(args.starttls or args.tls)

    controller = Controller(Handler(), hostname=args.host, port=args.port,
                            ready_timeout=10, **kwargs)
    controller.start()
    write_pidfile(args.pidfile)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    while not stop:
        time.sleep(0.1)
    controller.stop()


if __name__ == "__main__":
    sys.exit(main())
