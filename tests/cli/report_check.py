#!/usr/bin/env python3
"""Check the summary of scandetd -r against the events of the same run.

    report_check.py EVENTS.jsonl SUMMARY CAPTURE...

EVENTS is the run's --json output, SUMMARY its standard error, CAPTURE
the files it read (capinfos tells their packets and times).  Worked out
from the events on their own, the way a person with jq would:
  - the "Read" line: packets and first and last packet time (capinfos);
  - "Sources reported": distinct sources, and the events by kind;
  - one table row per source, kind and protocol, each cell: targets,
    the port of a sweep or flood, probes (every ended scan's count plus
    the count so far of one still under way; an OS probe's packets),
    first and last time, tool.
Prints what differs and exits 1; exits 0 when everything matches.
"""
import calendar
import collections
import json
import re
import subprocess
import sys
import time

ROW_KINDS = ("portscan", "sweep", "flood", "osprobe")


def seconds(iso):
    """Whole seconds of "2026-03-28T07:44:29.849604Z"."""
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))


def clock(secs, date):
    fmt = "%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S"
    return time.strftime(fmt, time.gmtime(secs))


def expected_rows(events):
    rows = collections.OrderedDict()
    for e in events:
        kind = e.get("kind") if e["event"] == "scan_end" else e["event"]
        if kind not in ROW_KINDS:
            continue
        r = rows.setdefault((kind, e["proto"], e["src"]), {
            "first": None, "last": None, "done": 0, "now": 0, "dst": None,
            "dst_multi": False, "port": None, "port_multi": False,
            "distinct": 0, "tool": ""})
        first = seconds(e.get("first_ts", e["ts"]))
        last = max(seconds(e.get("last_ts", e["ts"])), seconds(e["ts"]))
        r["first"] = first if r["first"] is None else min(r["first"], first)
        r["last"] = last if r["last"] is None else max(r["last"], last)
        if e["event"] == "osprobe":
            r["done"] += e["packets"]
        elif e["event"] == "scan_end":
            r["done"] += e["count"]
            r["now"] = 0
        else:
            r["now"] = e["count"]
        if "dst" in e:
            if r["dst"] is None:
                r["dst"] = e["dst"]
            elif r["dst"] != e["dst"]:
                r["dst_multi"] = True
        r["dst_multi"] |= bool(e.get("dst_multiple"))
        if kind == "portscan":
            r["distinct"] = max(r["distinct"], e.get("ports", 0))
        if kind in ("sweep", "flood"):
            port = e.get("port") or e["first_port"]
            if r["port"] is None:
                r["port"] = port
            elif r["port"] != port:
                r["port_multi"] = True
        if not r["tool"]:
            r["tool"] = e.get("tool", "")
    return rows


def cells(r, date):
    others = " (and others)"
    return {
        "targets": (r["dst"] or "-") + (others if r["dst_multi"] else ""),
        "ports": (str(r["port"]) + (others if r["port_multi"] else ""))
                 if r["port"] is not None else
                 "%d distinct" % r["distinct"] if r["distinct"] else "-",
        "probes": str(r["done"] + r["now"]),
        "first": clock(r["first"], date),
        "last": clock(r["last"], date),
        "tool": r["tool"] or "-",
    }


def capinfos(files):
    out = subprocess.run(["capinfos", "-T", "-M", "-c", "-a", "-e", "-S"] +
                         files, check=True, stdout=subprocess.PIPE,
                         universal_newlines=True).stdout
    packets, first, last = 0, None, None
    for line in out.splitlines()[1:]:
        _, n, a, b = line.split("\t")
        packets += int(n)
        a, b = int(float(a)), int(float(b))
        first = a if first is None else min(first, a)
        last = b if last is None else max(last, b)
    return packets, first, last


def check_reading(lines, files, bad):
    packets, first, last = capinfos(files)
    n = len(files)
    want = "Read %d packet%s from %d file%s, %s to %s UTC" % (
        packets, "" if packets == 1 else "s", n, "" if n == 1 else "s",
        clock(first, True), clock(last, first // 86400 != last // 86400))
    got = [l for l in lines if l.startswith("Read ")]
    if len(got) != 1 or not got[0].startswith(want + " ("):
        bad.append("reading line %r, expected it to start %r" % (got, want))
    return first // 86400 != last // 86400


def check_counts(lines, events, rows, bad):
    by_kind = collections.Counter(e["event"] for e in events)
    sources = len({k[2] for k in rows})
    want = "Sources reported: %d" % sources
    if by_kind:
        kinds = ["portscan", "sweep", "flood", "osprobe", "scan_end"]
        kinds = ["connection"] + kinds + ["suppressed"]
        want += " (events: %s)" % ", ".join(
            "%d %s" % (by_kind[k], k) for k in kinds if by_kind[k])
    if want not in lines:
        bad.append("no line %r" % want)


def table(lines):
    """{(kind, proto, source): {column: cell}} of the summary's table."""
    heads = [i for i, l in enumerate(lines) if l.split()[:2] == ["kind", "proto"]]
    if not heads:
        return {}
    names = lines[heads[0]].split()
    got = {}
    for l in lines[heads[0] + 1:]:
        if not l.startswith("  ") or l.startswith("  ..."):
            break
        c = dict(zip(names, re.split(r"\s{2,}", l.strip())))
        got[(c["kind"], c["proto"], c["source"])] = c
    return got


def main():
    events = [json.loads(l) for l in open(sys.argv[1])]
    lines = open(sys.argv[2]).read().splitlines()
    bad = []
    date = check_reading(lines, sys.argv[3:], bad)
    rows = expected_rows(events)
    check_counts(lines, events, rows, bad)
    got = table(lines)
    if set(got) != set(rows):
        bad.append("rows %s, expected %s" % (sorted(got), sorted(rows)))
    for key, r in rows.items():
        for col, want in cells(r, date).items():
            have = got.get(key, {}).get(col)
            if have != want:
                bad.append("%s %s: %r, expected %r" % (key, col, have, want))
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
