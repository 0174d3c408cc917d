#!/usr/bin/env python3
"""live_report.py ROWS READERS WORKERS_CONF - the tables of bench/live.sh
from its rows (one line per step: input reader rate sent elapsed_ms
received dropped lost cpu_ms), kept in build/bench/live/rows.txt.
"""
import sys
rows, readers, workers = sys.argv[1], sys.argv[2].split(), sys.argv[3]
data = {}
for line in open(rows):
    inp, r, rate, sent, ms, recv, drop, link, cpu = line.split()
    data.setdefault(inp, {}).setdefault(rate, {})[r] = (
        int(sent), int(ms), int(recv), int(drop), int(link), int(cpu))
# The N-worker column when BENCH_LIVE_WORKERS_CONF was set empty.
NOT_RUN = "n/a (no Workers line)"
names = {"a": "(a) spoofed SYNs, 512 sources", "b": "(b) realistic mix (bench/gen mix)"}
print("cell: packets the reader got / dropped by the kernel @ the rate (k frames/s)")
print("measured on the sensor's wire during that reader's step")
for inp in sorted(data):
    print("")
    print(names[inp])
    cols = readers
    head = "%-9s" % "asked"
    for r in cols:
        head += " | %-27s" % r
    print(head)
    held = {r: 0 for r in cols}
    for rate in sorted(data[inp], key=lambda x: float("inf") if x == "max" else int(x)):
        line = "%-9s" % rate
        for r in cols:
            c = data[inp][rate].get(r)
            if c is None:
                cell = NOT_RUN if r == "scandetd-N" and not workers else "-"
                line += " | %-27s" % cell
                continue
            sent, ms, recv, drop, link, cpu = c
            pps = sent * 1000 // max(ms, 1)
            got = recv - drop
            cell = "%d / %d @%dk" % (got, drop, pps // 1000)
            if link:
                cell += " L%d" % link
            line += " | %-27s" % cell
            if drop == 0 and pps > held[r]:
                held[r] = pps
        print(line)
    print("the reader's CPU time in the step, in all (ms) and per packet it got (us):")
    for rate in sorted(data[inp], key=lambda x: float("inf") if x == "max" else int(x)):
        line = "%-9s" % rate
        for r in cols:
            c = data[inp][rate].get(r)
            if c is None:
                line += " | %-27s" % "-"
                continue
            got = c[2] - c[3]
            line += " | %-27s" % ("%d ms, %.2f us" % (c[5], c[5] * 1000.0 / max(got, 1)))
        print(line)
    print("highest rate held with no drops (sent pps):")
    for r in cols:
        if r == "scandetd-N" and not workers:
            print("  %-16s %s" % (r, NOT_RUN))
        else:
            print("  %-16s %s" % (r, held[r] or "none of the rates"))
print("")
print("L<n>: n frames lost between the sensor's wire and its stack (the")
print("veth's backlog), the same for every reader.")
