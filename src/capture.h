/*
 * capture.h - packets in: libpcap, live or from a file.  The only file
 * that knows libpcap.
 */
#ifndef SCANDETD_CAPTURE_H
#define SCANDETD_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"

struct capture;

typedef void (*capture_fn)(void *arg, const uint8_t *data, size_t caplen,
			   uint32_t wire_len, uint64_t ts_us);

/* Live capture on iface ("any": every interface).  Needs privileges;
 * afterwards nothing does.  filter may be NULL. */
struct capture *capture_open_live(const char *iface, const char *filter,
				  char *err, size_t errlen);
/* A pcap or pcapng file ("-" for standard input). */
struct capture *capture_open_file(const char *path, const char *filter,
				  char *err, size_t errlen);

/* Join live capture c to the kernel's fanout group (PACKET_FANOUT) of
 * its interface: each of the group's n sockets then gets the packets
 * of the pairs of hosts a classic BPF program picks for it, both
 * directions of a pair and the ICMP errors about it together (key: the
 * run's, so that nobody outside can aim all pairs at one socket). */
bool capture_join_fanout(struct capture *c, uint16_t group, unsigned n,
			 uint32_t key, char *err, size_t errlen);

/* The program itself, into out (at most max instructions): how many,
 * or 0 if it does not fit (for tests: test_fanout.c runs it). */
struct sock_filter;
size_t capture_fanout_program(struct sock_filter *out, size_t max,
			      uint32_t key, unsigned n);

enum link_type capture_link(const struct capture *c);
const char *capture_name(const struct capture *c);

/* For poll(): readable when packets wait.  -1 for files. */
int capture_fd(const struct capture *c);
/* How long a poll of capture_fd may wait before c must be dispatched
 * anyway, in milliseconds; -1: no limit, dispatch when it says so.
 * After the interface goes down, libpcap learns whether it was deleted
 * only when called again (pcap_get_required_select_timeout), and the
 * descriptor says nothing more: a loop that waited for it would never
 * see the interface go.  At least CAPTURE_DOWN_POLL_MS (params.h). */
int capture_poll_limit_ms(const struct capture *c);
/* The timeout for a poll of n captures that would otherwise wait
 * wait_ms: no longer than the least of their limits. */
int capture_poll_timeout(struct capture *const *caps, size_t n,
			 int wait_ms);

/* Hand up to max packets (max <= 0: all that are waiting) to fn.
 * Returns the number handed, 0 if none were waiting, -1 at the end of a
 * file, -2 on an error (message in err). */
int capture_dispatch(struct capture *c, int max, capture_fn fn, void *arg,
		     char *err, size_t errlen);

/* A regular file's size in bytes (0: unknown: standard input, a pipe,
 * a live capture). */
uint64_t capture_file_size(const struct capture *c);
/* How far a file with a known size has been read (*done of *size
 * bytes); false when that is not known. */
bool capture_file_position(struct capture *c, uint64_t *done,
			   uint64_t *size);

/* Replace the BPF filter (NULL or "" removes it). */
bool capture_set_filter(struct capture *c, const char *filter, char *err,
			size_t errlen);

struct capture_stats {
	bool valid;			/* false for files */
	uint64_t received, dropped, if_dropped;
};
void capture_stats(struct capture *c, struct capture_stats *st);

void capture_close(struct capture *c);

/*
 * Checks before the capture is opened (scandetd -t, and the parent at
 * start, to name the option at fault).  capture_check_interface: does
 * iface (NULL: "any") exist, may we capture on it, and which link type
 * (a DLT_ value) will its capture have?  It opens and closes it; without
 * root or CAP_NET_RAW that fails, and the message says what is needed
 * (so does capture_open_live's).  capture_check_filter: does filter (NULL or "":
 * none) compile for that link type?  false with the reason in err.
 */
bool capture_check_interface(const char *iface, int *dlt, char *err,
			     size_t errlen);
bool capture_check_filter(int dlt, const char *filter, char *err,
			  size_t errlen);

#endif
