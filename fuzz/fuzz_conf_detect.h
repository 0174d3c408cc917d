/*
 * fuzz_conf_detect.h - how the capture harnesses (fuzz_pcap,
 * fuzz_workers) configure detection: after their own table sizes,
 * every log and a low threshold, once with the default method (trw),
 * once with the classic one.
 */
#ifndef SCANDETD_FUZZ_CONF_DETECT_H
#define SCANDETD_FUZZ_CONF_DETECT_H

#define FUZZ_DETECT_OPTIONS \
	"FragTableSize 64\n" \
	"LogConnections yes\n" \
	"UdpLogConnections yes\n" \
	"LogDetails yes\n" \
	"CountThreshold 3\n"

/* An initialiser: { TABLES + options (trw), the same, classic }. */
#define FUZZ_DETECT_METHODS(tables) { \
	tables FUZZ_DETECT_OPTIONS, \
	tables FUZZ_DETECT_OPTIONS "DetectionMethod classic\n", \
}

#endif
