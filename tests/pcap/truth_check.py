#!/usr/bin/env python3
"""Check scandetd -r against the ground truth of the captures.

For every capture in the truth files: each expected scanner of the levels
asked for must be reported as the expected kind (and protocol and tool
where given); no source outside the expected list may be reported as a
scanner; benign captures must produce no scan, sweep, flood or OS-probe
event at all.  With "allow", the reports a file's "allow" list names are
tolerated (the classic method's known floods); without, they are not.  Each assertion is one test case; the last line
is "truth_check: N passed, N failed".
"""
import json
import os
import subprocess
import sys

SCAN_EVENTS = {"portscan", "sweep", "flood", "osprobe", "distributed"}


def address_range(spec):
    """ "192.0.2.101-120" -> the 20 addresses, as strings."""
    first, last = spec.split("-")
    base, low = first.rsplit(".", 1)
    return {"%s.%d" % (base, i) for i in range(int(low), int(last) + 1)}


def run(scandetd, conf, path):
    out = subprocess.run([scandetd, "-c", conf, "-r", path, "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         check=False, timeout=600)
    # A file cut short (truth.json says which) is read to its last whole
    # packet, and the run exits 1: the events are still all there.
    cut_short = out.returncode == 1 and b"truncated dump file" in out.stderr
    if out.returncode != 0 and not cut_short:
        raise RuntimeError("exit %d: %s" % (out.returncode, out.stderr.decode()))
    return [json.loads(line) for line in out.stdout.decode().splitlines()]


def main():
    """truth_check.py SCANDETD DATA CONF LEVELS ALLOW TRUTH.json..."""
    scandetd, data, conf = sys.argv[1], sys.argv[2], sys.argv[3]
    levels = set(sys.argv[4].split(","))
    use_allow = sys.argv[5] == "allow"
    truth = {}
    for name in sys.argv[6:]:
        with open(os.path.join(data, name)) as f:
            truth.update(json.load(f)["files"])
    passed = failed = pending = 0

    def result(ok, name, why=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print("ok", name)
        else:
            failed += 1
            print("FAIL %s: %s" % (name, why))

    for fname, spec in sorted(truth.items()):
        path = os.path.join(data, fname)
        try:
            events = run(scandetd, conf, path)
        except Exception as e:  # a crash is a failure of every check
            result(False, fname, str(e))
            continue
        alerts = [e for e in events if e["event"] in SCAN_EVENTS]
        allowed = spec.get("allow", []) if use_allow else []
        alerts = [e for e in alerts if not any(
            a["src"] == e["src"] and a["as"] == e["event"]
            and a.get("proto", e["proto"]) == e["proto"] for a in allowed)]
        if spec.get("benign"):
            srcs = sorted({"%s %s" % (e["event"], e["src"]) for e in alerts})
            result(not alerts, "%s: benign, nothing reported" % fname,
                   "reported: %s" % ", ".join(srcs))
            continue
        expected = spec.get("expect", [])
        for exp in expected:
            # "pending": a class the detectors do not cover yet (the
            # truth file's note says which); listed, never counted.
            if exp["level"] == "pending":
                print("pending %s %s as %s" % (fname, exp["src"], exp["as"]))
                pending += 1
                continue
            if exp["level"] not in levels:
                continue
            if exp["as"] == "distributed":
                # Per destination: many sources, no one of them named.
                want = "%s %s as distributed" % (fname, exp["dst"])
                match = [e for e in alerts if e["event"] == "distributed"
                         and e["dst"] == exp["dst"]]
                result(bool(match), want, "not reported")
                continue
            want = "%s %s as %s" % (fname, exp["src"], exp["as"])
            match = [e for e in alerts if e["src"] == exp["src"]
                     and e["event"] == exp["as"]
                     and e.get("proto", "tcp") == exp.get("proto", e.get("proto"))
                     and ("tool" not in exp or e.get("tool") == exp["tool"])]
            got = sorted({"%s/%s%s" % (e["event"], e["proto"],
                                       "/" + e["tool"] if "tool" in e else "")
                          for e in alerts if e["src"] == exp["src"]})
            result(bool(match), want, "got %s" % (got or "nothing"))
        known = {e["src"] for e in expected if "src" in e}
        # A distributed scan's sources ("srcs": "192.0.2.101-120") each
        # made a small scan of their own: they may be reported.
        for e in expected:
            if "srcs" in e:
                known |= address_range(e["srcs"])
        per_dst = any(x["as"] == "distributed" for x in expected)
        stray = sorted({"%s %s" % (e["event"], e["src"]) for e in alerts
                        if e["src"] not in known and
                        not (per_dst and e["event"] == "distributed")})
        result(not stray, "%s: no other source reported" % fname,
               "also reported: %s" % ", ".join(stray))
    if pending:
        print("truth_check: %d expectations pending (not counted)" % pending)
    print("truth_check: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
