#!/bin/sh
# The real third-party captures against their measured ground truth
# (tests/pcap/data/truth.json): every scanner of level "classic" reported
# as the right kind, no other source reported, nothing from benign files.
. "$(dirname "$0")/../lib.sh"
exec python3 "$TOP/tests/pcap/truth_check.py" "$SCANDETD" "$DATA" classic
