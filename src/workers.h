/*
 * workers.h - classification spread over several threads (Workers N).
 *
 * The packet path is capture -> decode -> reassemble -> classify ->
 * detect -> alert.  Classification (classify.h: flows, first contacts,
 * signatures) keeps state per pair of hosts only, so each pair belongs
 * to one of N workers and a probe, its answer and its retries meet in
 * one table; an ICMP error belongs to the pair it quotes.  Detection,
 * which follows sources and destinations across pairs, runs once, in
 * one thread, and the alerts after it.
 *
 * Reading a capture (workers_start): N threads in all.  The caller's
 * thread reads, decodes and reassembles, and hands packets over in
 * slabs, each packet to the worker of its pair (a keyed hash of the two
 * addresses, the same both ways), of N - 1 workers; a detection thread
 * takes each slab once classified, in order.  Worker 0's share of each
 * slab is classified by the reading or the detection thread, whichever
 * has time for it (the other would wait); N - 2 threads more are the
 * other workers.  So Workers 2 is two threads, one share: reading and
 * detecting apart, classification where there is time for it.
 * Every worker moves its clock with every packet of a slab, its own or
 * not, so contacts time out at the packet they would with one table, and
 * their outcomes are put back in one table's order (contact_outcome.seq):
 * the events are the same for every N, byte for byte.
 *
 * Live (workers_start_live): each worker reads its own sockets of a
 * PACKET_FANOUT group whose program sends it whole pairs
 * (capture_join_fanout), decodes, reassembles and classifies; the
 * caller's thread merges the workers' packets by packet time and
 * detects.
 *
 * Memory: reading a capture, the workers' flow and contact tables add up
 * to FlowTableSize (tables are powers of two: of 3 workers, one has half
 * and two a quarter, and takes twice the pairs); live, each lane's have
 * FlowTableSize / N slots (rounded down to a power of two), so the
 * total never exceeds what the configuration says.  No lock is taken
 * per packet: threads meet once per slab.
 */
#ifndef SCANDETD_WORKERS_H
#define SCANDETD_WORKERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "capture.h"
#include "decode.h"
#include "frag.h"
#include "pipeline.h"

struct config;
struct detect;
struct workers;

/* What to do at a mark (workers_mark), in the reading thread. */
typedef void (*mark_fn)(void *arg, uint64_t now_us);

/* n >= 2 threads for d (made with detect_new_unclassified): the
 * caller's, a detection thread and n - 2 more, classifying in n - 1
 * shares; NULL with err on failure.  The threads start here: call after
 * the sandbox is entered (they inherit it). */
struct workers *workers_start(const struct config *cfg, unsigned n,
			      struct detect *d, mark_fn at_mark,
			      void *mark_arg, char *err, size_t errlen);
/* Live (N >= 2 sockets per interface in a fanout group, caps[iface *
 * n + lane]): each worker reads its own sockets, classifies what it
 * reads; the caller's thread detects (workers_detect, when
 * workers_wake_fd is readable), merging the lanes by packet time. */
struct workers *workers_start_live(const struct config *cfg, unsigned n,
				   struct detect *d, struct capture **caps,
				   size_t ncaps, bool named, char *err,
				   size_t errlen);
int workers_wake_fd(const struct workers *w);
/* Live packet time as far as the lanes have said (their watermarks):
 * what the alert router's clock may follow without running ahead of
 * detection; 0: not known yet. */
uint64_t workers_clock(struct workers *w);
void workers_detect(struct workers *w);
/* A reload: the lanes stop reading, everything read is detected; then
 * the captures, the configuration and the signatures may change. */
void workers_pause(struct workers *w);
void workers_resume(struct workers *w);
/* A capture a lane could not read (then the run ends), or NULL. */
const char *workers_lane_error(struct workers *w);
/* What the lanes read, decoded, reassembled and captured, summed
 * (caps: per interface, ncaps of them). */
void workers_live_report(struct workers *w, struct pipeline_counts *counts,
			 struct frag_stats *frags, struct capture_stats *caps,
			 size_t ncaps);

/* The pipeline's next stage (pipeline.h batch_fn): n packets in order. */
void workers_batch(void *arg, const struct pkt *batch, size_t n);
/* at_mark(now_us) once detection has seen every packet handed over so
 * far: what one thread would do at this point of the stream (the alert
 * router's clock moves there), done where detection reaches it. */
void workers_mark(struct workers *w, uint64_t now_us);
/* Detection has seen every packet handed over so far. */
void workers_flush(struct workers *w);
/* Packet time moves on without a packet (idle live capture). */
void workers_advance(struct workers *w, uint64_t now_us);
/* workers.threads, .slabs, and each thread's CPU time so far (after
 * workers_flush; reading a capture, the reader's and detection's less
 * what each took classifying as worker 0, which is worker 0's; live,
 * the caller's thread is the detecting one). */
void workers_put_stats(struct workers *w, stat_fn put, void *arg);
/* A new configuration: after workers_flush, between two slabs. */
void workers_set_config(struct workers *w, const struct config *cfg);
/* End of input: contacts still waiting fail, then detection finishes. */
void workers_finish(struct workers *w);
/* Stop the threads and free everything (after workers_finish, or not). */
void workers_stop(struct workers *w);

#endif
