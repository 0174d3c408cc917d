#!/bin/sh
# Every capture against its measured ground truth (tests/pcap/data/
# truth.json for the third-party captures, ns_truth.json for ours):
#  - the default method: every scanner of both levels reported as the
#    right kind, no other source reported, nothing from benign captures,
#    not even the floods the classic method is allowed;
#  - DetectionMethod classic: every scanner of level "classic" reported.
. "$(dirname "$0")/../lib.sh"

python3 "$TOP/tests/pcap/truth_check.py" "$SCANDETD" "$DATA" /dev/null \
	classic,advanced strict truth.json ns_truth.json ns2_truth.json ns3_truth.json ns4_truth.json \
	>"$TMPD/trw" 2>&1
sed 's/^/trw: /' "$TMPD/trw"
echo "DetectionMethod classic" >"$TMPD/classic.conf"
python3 "$TOP/tests/pcap/truth_check.py" "$SCANDETD" "$DATA" "$TMPD/classic.conf" \
	classic allow truth.json ns_truth.json ns2_truth.json ns3_truth.json ns4_truth.json \
	>"$TMPD/classic" 2>&1
sed 's/^/classic: /' "$TMPD/classic"
# Add up the two runs' result lines.
set -- $(cat "$TMPD/trw" "$TMPD/classic" | awk '
	/^truth_check: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4; n++ }
	END { print p + 0, f + 0, n + 0 }')
lib_passed=$1
lib_failed=$2
[ "$3" -eq 2 ] || fail truth_check "a run did not finish"
finish
