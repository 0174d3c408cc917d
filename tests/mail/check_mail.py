#!/usr/bin/env python3
"""Assertions on one message received by smtpd.py (N.eml and N.json).

    check_mail.py NAME DIR/N [key=value ...]

Prints one line per assertion, "ok<TAB>NAME: what" or
"FAIL<TAB>NAME: what<TAB>why";
t_mail.sh turns them into its own pass and fail counts.  Keys (each
optional, some repeatable):

  from=ADDR  to=A,B  subject=TEXT  domain=D (of the Message-ID)
  env_from=ADDR  env_to=A,B  helo=NAME  tls=yes|no  auth=USER|none
  line=TEXT            the first line of the body (the syslog line)
  event=JSONL,SRC,KIND the body's fields against the JSON event of that
                       source and kind in the JsonLog file JSONL
  name=HOST            the source's host name in the body
  has=TEXT  lacks=TEXT the whole message holds / does not hold TEXT
  listed=N             a digest listing N alerts

Every message is also checked for its form: CRLF line ends only, no line
over 998 bytes, each required header exactly once, a valid Date, a
Message-ID, MIME-Version 1.0, text/plain UTF-8, 7bit or 8bit.
"""
import email
import email.header
import email.utils
import json
import re
import sys
import time


class Checker:
    def __init__(self, name):
        self.name = name

    def check(self, what, ok, why=""):
        what = "%s: %s" % (self.name, what)
        if ok:
            print("ok\t%s" % what)
        else:
            print("FAIL\t%s\t%s" % (what, " ".join(str(why).split())))

    def eq(self, what, got, want):
        self.check(what, got == want, "got %r, expected %r" % (got, want))


def header_block(raw):
    end = raw.find(b"\r\n\r\n")
    return raw[:end] if end >= 0 else raw


def unfolded_headers(raw):
    """[(name, value)] in order, folded lines joined (CRLF removed)."""
    out = []
    for line in header_block(raw).split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and out:
            out[-1][1] += line.decode("ascii", "replace")
        else:
            name, _, value = line.decode("ascii", "replace").partition(":")
            out.append([name, value.lstrip(" ")])
    return out


def decoded(value):
    parts = email.header.decode_header(value)
    return "".join(p.decode(c or "ascii") if isinstance(p, bytes) else p
                   for p, c in parts)


def body_fields(body):
    """'Label:' value pairs of the body."""
    fields = {}
    for line in body.split("\n"):
        m = re.match(r"^([A-Z][A-Za-z ]+):\s+(.*)$", line)
        if m and m.group(1) not in fields:
            fields[m.group(1)] = m.group(2)
    return fields


def find_event(jsonl, src, kind):
    with open(jsonl) as f:
        for line in f:
            e = json.loads(line)
            if e.get("src") == src and e.get("event") == kind:
                return e
    return None


def form(c, raw):
    lines = raw.split(b"\r\n")
    c.check("CRLF line ends only", b"\r" not in raw.replace(b"\r\n", b"") and
            b"\n" not in raw.replace(b"\r\n", b""), "bare CR or LF")
    c.check("ends with CRLF", raw.endswith(b"\r\n"), "no final CRLF")
    longest = max(len(l) for l in lines)
    c.check("no line over 998 bytes", longest <= 998, "%d bytes" % longest)
    names = [n.lower() for n, _ in unfolded_headers(raw)]
    for h in ("date", "from", "to", "subject", "message-id",
              "mime-version", "content-type", "content-transfer-encoding"):
        c.eq("one %s header" % h, names.count(h), 1)
    c.check("header names are well formed",
            all(re.match(r"^[\x21-\x39\x3b-\x7e]+$", n) for n in names),
            "%r" % names)
    h = {n.lower(): v for n, v in unfolded_headers(raw)}
    try:
        when = email.utils.parsedate_to_datetime(h.get("date", ""))
        c.check("Date is now", abs(when.timestamp() - time.time()) < 600,
                h.get("date"))
    except (TypeError, ValueError):
        c.check("Date is now", False, "unparsable %r" % h.get("date"))
    c.eq("MIME-Version", h.get("mime-version"), "1.0")
    c.eq("Content-Type", h.get("content-type"), "text/plain; charset=UTF-8")
    body = raw[raw.find(b"\r\n\r\n") + 4:]
    cte = h.get("content-transfer-encoding")
    c.eq("Content-Transfer-Encoding",
         cte, "7bit" if all(b < 0x80 for b in body) else "8bit")
    return h


def main():
    name, base = sys.argv[1], sys.argv[2]
    c = Checker(name)
    try:
        raw = open(base + ".eml", "rb").read()
        env = json.load(open(base + ".json"))
    except OSError as e:
        c.check("message received", False, str(e))
        return 0
    h = form(c, raw)
    msg = email.message_from_bytes(raw)
    body = msg.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")
    fields = body_fields(body)
    for arg in sys.argv[3:]:
        key, _, value = arg.partition("=")
        if key == "from":
            c.eq("From", h.get("from"), value)
        elif key == "to":
            c.eq("To", h.get("to"), value.replace(",", ", "))
        elif key == "subject":
            c.eq("Subject", decoded(h.get("subject", "")), value)
        elif key == "domain":
            c.check("Message-ID", re.match(r"^<[^<>@\s]+@%s>$" %
                                           re.escape(value),
                                           h.get("message-id", "")),
                    h.get("message-id"))
        elif key == "env_from":
            c.eq("envelope sender", env["mail_from"], value)
        elif key == "env_to":
            c.eq("envelope recipients", env["rcpt_tos"], value.split(","))
        elif key == "helo":
            c.eq("EHLO name", env["helo"], value)
        elif key == "tls":
            c.eq("TLS", env["tls"], value == "yes")
        elif key == "auth":
            c.eq("AUTH user", env["auth"], None if value == "none" else value)
        elif key == "line":
            c.eq("first body line", body.split("\n")[0], value)
        elif key == "name":
            c.check("Source shows the name",
                    fields.get("Source", "").startswith(value + " ("),
                    fields.get("Source"))
        elif key == "has":
            c.check("holds %r" % value, value.encode() in raw, "missing")
        elif key == "lacks":
            c.check("does not hold %r" % value, value.encode() not in raw,
                    "found")
        elif key == "listed":
            n = len(re.findall(r"^\d{4}-\d\d-\d\dT\S+Z  \S", body, re.M))
            c.eq("alerts listed", n, int(value))
        elif key == "event":
            jsonl, src, kind = value.split(",")
            check_event(c, fields, find_event(jsonl, src, kind), src, kind)
        else:
            c.check("known key %s" % key, False, "test bug")
    return 0


def check_event(c, fields, e, src, kind):
    if e is None:
        c.check("JSON event %s from %s" % (kind, src), False, "not found")
        return
    words = {"portscan": "port scan", "sweep": "port sweep",
             "flood": "port flood", "osprobe": "OS fingerprinting probe"}
    what = ("end of " + words[e["kind"]]) if kind == "scan_end" else words[kind]
    c.eq("Event", fields.get("Event"), "%s (%s)" % (
        what, {"icmpv6": "ICMPv6"}.get(e["proto"], e["proto"].upper())))
    c.eq("Time", fields.get("Time"), e["ts"])
    src_field = fields.get("Source", "")
    c.check("Source", src_field == src or src_field.endswith("(%s)" % src),
            src_field)
    if kind == "osprobe":
        c.eq("Tool", fields.get("Tool"), e["tool"])
        c.eq("Packets", fields.get("Packets"), str(e["packets"]))
        c.eq("Flag patterns", fields.get("Flag patterns"),
             " ".join(e["flags"]) or "(none)")
        c.eq("First probe", fields.get("First probe"), e["first_ts"])
        return
    c.eq("Destination", fields.get("Destination"),
         e["dst"] + (" (and others)" if e["dst_multiple"] else ""))
    c.eq("Probes", fields.get("Probes"), str(e["count"]))
    c.eq("First port", fields.get("First port"),
         "%d at %s" % (e["first_port"], e["first_ts"]))
    c.eq("Last port", fields.get("Last port"),
         "%d at %s" % (e["last_port"], e["last_ts"]))
    if e["proto"] == "tcp":
        c.eq("Scan type", fields.get("Scan type"),
             "%s (%d SYN flags, %d FIN flags)" % (e["scan_type"], e["syn"],
                                                  e["fin"]))
    else:
        c.eq("Scan type", fields.get("Scan type"), e["scan_type"])
    if kind in ("sweep", "flood") or e.get("kind") in ("sweep", "flood"):
        c.eq("Port", fields.get("Port"), str(e["port"]))
    if "tool" in e:
        c.eq("Tool", fields.get("Tool"), e["tool"])


if __name__ == "__main__":
    sys.exit(main())
