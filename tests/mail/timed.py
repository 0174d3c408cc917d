#!/usr/bin/env python3
"""Time a scandetd -r run as a shell that reads its output would see it.

    timed.py SCANDETD ARGS...

Standard output is counted (lines whose text starts "Possible"), standard error
goes through a pipe and is copied to timed.err next to nothing else: the
run is done when every process holding that pipe has let go of it (a
mailer left in the background must not keep it).  Prints three numbers:
milliseconds until the "stat packets.seen" line (the packets are all
processed), milliseconds until the end, and the number of alerts.
"""
import subprocess
import sys
import threading
import time


def main():
    t0 = time.monotonic()
    p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    alerts = [0]

    def count():
        for line in p.stdout:
            # -r begins each line with its packet time
            if line.split(b" ", 1)[-1].startswith(b"Possible"):
                alerts[0] += 1

    reader = threading.Thread(target=count)
    reader.start()
    processed = None
    for line in p.stderr:
        if processed is None and line.startswith(b"stat packets.seen"):
            processed = time.monotonic()
    p.wait()
    reader.join()
    end = time.monotonic()
    if processed is None:
        processed = end
    print(int((processed - t0) * 1000), int((end - t0) * 1000), alerts[0])


if __name__ == "__main__":
    sys.exit(main())
