#!/usr/bin/env python3
"""Per-capture detection table: who was reported, missed, falsely reported,
and how many probes each source sent before its alert.

    report.py SCANDETD DATA CONF TRUTH.json...

Prints one row per capture and, last, the median of the probes-to-alert
figures over every expected scanner reported.  Not a test: the tests are
truth_check.py and t_golden.sh; this is the table for a closing note or a
comparison of settings.
"""
import json
import os
import statistics
import subprocess
import sys

SCAN_EVENTS = {"portscan", "sweep", "flood", "osprobe", "distributed"}


def cut_short(out):
    return out.returncode == 1 and b"truncated dump file" in out.stderr


def events(scandetd, conf, path):
    out = subprocess.run([scandetd, "-c", conf, "-r", path, "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         check=False)
    # A file cut short is read to its last whole packet; the run then
    # exits 1 (scandetd(8), EXIT STATUS).
    if out.returncode != 0 and not cut_short(out):
        raise RuntimeError("exit %d: %s" % (out.returncode, out.stderr.decode()))
    return [json.loads(l) for l in out.stdout.decode().splitlines()]


def main():
    scandetd, data, conf = sys.argv[1:4]
    truth = {}
    for name in sys.argv[4:]:
        with open(os.path.join(data, name)) as f:
            truth.update(json.load(f)["files"])
    probes = []
    print("| capture | expected | reported | missed | false | probes to alert |")
    print("|---|---|---|---|---|---|")
    for fname, spec in sorted(truth.items()):
        alerts = [e for e in events(scandetd, conf, os.path.join(data, fname))
                  if e["event"] in SCAN_EVENTS]
        exp = spec.get("expect", [])
        hit, miss, pr = [], [], []
        for x in exp:
            who = x.get("src", x.get("dst"))
            m = [e for e in alerts if e["event"] == x["as"] and
                 (e["src"] == x["src"] if "src" in x else e["dst"] == x["dst"])]
            (hit if m else miss).append("%s %s" % (who, x["as"]))
            pr += [e["probes"] for e in m if "probes" in e][:1]
        known = {x["src"] for x in exp if "src" in x}
        for x in exp:
            if "srcs" in x:
                first, last = x["srcs"].split("-")
                base, low = first.rsplit(".", 1)
                known |= {"%s.%d" % (base, i)
                          for i in range(int(low), int(last) + 1)}
        false = sorted({"%s %s" % (e["src"], e["event"]) for e in alerts
                        if e["src"] not in known and not (
                            e["event"] == "distributed" and
                            any(x["as"] == "distributed" for x in exp))})
        probes += pr
        print("| %s | %d | %d | %s | %s | %s |" % (
            fname, len(exp), len(hit), ", ".join(miss) or "-",
            ", ".join(false) or "-",
            ("median %g" % statistics.median(pr)) if pr else "-"))
    if probes:
        print("\nmedian probes to alert over %d scanners: %g" %
              (len(probes), statistics.median(probes)))


if __name__ == "__main__":
    main()
