# tests/e2e/events.py - read scandetd's JsonLog for t_e2e.sh.
#
#   python3 events.py check JSONLOG            exit 1 (and say where) if a
#                                              line is not a JSON object
#   python3 events.py summary JSONLOG SRC      the scan events of SRC
#   python3 events.py sources JSONLOG          sources with a scan event
#   python3 events.py count JSONLOG EVENT SRC [FIELD=VALUE ...]
#   python3 events.py values JSONLOG EVENT SRC FIELD [FIELD=VALUE ...]
#   python3 events.py table JSONLOG SRC...     one line per event, for people
#
# "Scan events" are portscan, sweep, flood and osprobe: the reports a user
# acts on (connection and scan_end are looked at separately).  A summary is
# "PROTO EVENT" per event, with the tool for osprobe ("tcp osprobe nmap"),
# sorted and joined by "; ", or "none".
import json, sys

SCAN = ("portscan", "sweep", "flood", "osprobe")


def load(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                e = json.loads(line)
            except ValueError as x:
                raise SystemExit("%s:%d: not JSON: %s" % (path, n, x))
            if not isinstance(e, dict) or "event" not in e:
                raise SystemExit("%s:%d: not an event object" % (path, n))
            out.append(e)
    return out


def describe(e):
    d = "%s %s" % (e.get("proto", "?"), e["event"])
    if e["event"] == "osprobe":
        d += " " + e.get("tool", "?")
    return d


def select(ev, event, src, conds):
    """The events EVENT of SRC whose fields have the values FIELD=VALUE."""
    want = dict(a.split("=", 1) for a in conds)
    return [e for e in ev if e["event"] == event and e.get("src") == src and
            all(str(e.get(k)).lower() == v.lower() for k, v in want.items())]


def main(argv):
    cmd, path = argv[1], argv[2]
    ev = load(path)
    if cmd == "check":
        print("%d events" % len(ev))
    elif cmd == "summary":
        got = sorted(describe(e) for e in ev if e["event"] in SCAN and e.get("src") == argv[3])
        print("; ".join(got) or "none")
    elif cmd == "sources":
        print(" ".join(sorted({e.get("src", "?") for e in ev if e["event"] in SCAN})))
    elif cmd == "count":
        print(len(select(ev, argv[3], argv[4], argv[5:])))
    elif cmd == "values":
        for e in select(ev, argv[3], argv[4], argv[6:]):
            print(e.get(argv[5]))
    elif cmd == "table":
        for src in argv[3:]:
            for e in ev:
                if e.get("src") != src or e["event"] == "connection":
                    continue
                extra = []
                for k in ("kind", "tool", "method", "scan_type", "count", "probes", "port", "flags"):
                    if k in e:
                        v = e[k]
                        extra.append("%s=%s" % (k, ",".join(v) if isinstance(v, list) else v))
                print("%s %s %s %s" % (src, e.get("proto"), e["event"], " ".join(extra)))
    else:
        raise SystemExit("events.py: unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
