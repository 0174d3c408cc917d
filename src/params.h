/*
 * params.h - every compile-time limit and default of scandetd in one place.
 *
 * The first group may reasonably be changed; most of it can also be set in
 * the configuration file.  The second group is obscure: it bounds work done
 * for hostile input and should only change with a reason written next to it.
 */
#ifndef SCANDETD_PARAMS_H
#define SCANDETD_PARAMS_H

/* ---- may reasonably change ---------------------------------------- */

#define DEFAULT_CONFIG_FILE   SYSCONFDIR "/scandetd.conf"
#define DEFAULT_PID_FILE      RUNSTATEDIR "/scandetd.pid"
/* A user of its own, not "nobody": files and processes of other daemons
 * that run as nobody stay out of reach of a compromised scandetd. */
#define DEFAULT_RUN_AS_USER   "scandetd"

/* A JsonLog file scandetd creates is 0640 root and this group (when it
 * exists): Debian's group for the people who read the logs.  A file that
 * is there already (logrotate's "create") keeps its owner and mode. */
#define JSON_LOG_GROUP        "adm"
#define JSON_LOG_MODE         0640

/* The original's default: 40 rapid probes make a scan. */
#define DEFAULT_COUNT_THRESHOLD 40

/* Probes count as "rapid" when they come within this many microseconds
 * of the previous probe from the same source (the original's one second). */
#define CLASSIC_GAP_US        1000000ULL

/* An entry that never reached the threshold is forgotten after this idle
 * time (the original's SCAN_EXPIRE).  A scan that was reported ends, and
 * its end-of-scan record is written, after the same idle time. */
#define SCAN_EXPIRE_US        (120 * 1000000ULL)

/* OS probe: three distinct flag patterns within this time of each other. */
#define OSFP_WINDOW_US        (2 * 1000000ULL)
#define OSFP_PATTERNS_NEEDED  3

/* Host discovery (detect_discovery.c): a sweep is this many addresses
 * asked for without an answer (as a 256-bit sketch counts them: about 34
 * distinct), at most DISCOVERY_REPEAT_HALVES / 2 requests per address
 * (nmap asks twice; a router keeping its ARP cache asks again and again).
 * Its table holds 1 / DISCOVERY_TABLE_SHARE of SourceTableSize. */
#define DISCOVERY_HOSTS         32
#define DISCOVERY_REPEAT_HALVES 5
#define DISCOVERY_TABLE_SHARE   8
/* ARP and ND sweeps are judged this long after the first request, when
 * a kernel's two retries of its first DISCOVERY_EARLY targets (each a
 * second after the one before: between _RETRY_MIN_US and _RETRY_MAX_US)
 * have shown; DISCOVERY_RESOLVER_RETRIES targets so retried make a
 * resolver.  At most DISCOVERY_PENDING sources wait. */
#define DISCOVERY_SETTLE_US     (2500 * 1000ULL)
#define DISCOVERY_EARLY         8
#define DISCOVERY_RETRY_MIN_US  (800 * 1000ULL)
#define DISCOVERY_RETRY_MAX_US  (1300 * 1000ULL)
#define DISCOVERY_RESOLVER_RETRIES 2
#define DISCOVERY_PENDING       64

/* IP protocol scans (detect_ipproto.c): this many protocol numbers other
 * than TCP, UDP, SCTP and ICMP from one source to unicast addresses; the
 * sources followed (such datagrams are rare: a small table). */
#define IPPROTO_SCAN_PROTOCOLS  8
#define IPPROTO_TABLE_SIZE      4096

/* Per-source table: number of slots (rounded up to a power of two).
 * 65536 sources * ~200 bytes = 13 MiB. */
#define DEFAULT_SOURCE_TABLE_SIZE 65536
/* Flow table (first contacts, to tell replies and repeats from probes). */
#define DEFAULT_FLOW_TABLE_SIZE   262144

/* Detection defaults (DetectionMethod trw).  Threshold Random Walk (Jung,
 * Paxson, Berger, Balakrishnan 2004): with these four failed first
 * contacts and no success flag a source. */
#define DEFAULT_TRW_THETA0      0.8
#define DEFAULT_TRW_THETA1      0.2
#define DEFAULT_TRW_PD          0.99
#define DEFAULT_TRW_PF          0.01
/* A contact with no answer after this long has failed (UDP: weakly). */
#define DEFAULT_CONTACT_TIMEOUT 5
/* Slow scans: distinct failed contacts of one source within the window. */
#define DEFAULT_SLOW_WINDOW     3600
#define DEFAULT_SLOW_THRESHOLD  10
/* Distributed scans (detect_distributed.c): per destination, this many
 * distinct ports of failed first contacts from this many sources within
 * the window, at most _REPEAT_HALVES / 2 failures per port and
 * _PER_SOURCE per source; the destinations followed. */
#define DISTRIBUTED_PORTS         20
#define DISTRIBUTED_SOURCES       4
#define DISTRIBUTED_WINDOW_US     (60 * 1000000ULL)
#define DISTRIBUTED_REPEAT_HALVES 3
#define DISTRIBUTED_PER_SOURCE    8
/* Judged this long after crossing the thresholds, when a grid's sources
 * have shown other hosts; of the first DISTRIBUTED_SAMPLE sources, most
 * must have probed no other.  At most DISTRIBUTED_PENDING wait. */
#define DISTRIBUTED_SETTLE_US     (5 * 1000000ULL)
#define DISTRIBUTED_SAMPLE        8
#define DISTRIBUTED_PENDING       64
#define DISTRIBUTED_TABLE_SIZE    4096

/* Several techniques at one port (detect_trw.c): this many kinds of
 * crafted TCP probe, or two kinds in CRAFTED_MIN crafted probes. */
#define TECHNIQUES_MIN          3
#define CRAFTED_MIN             3
/* An unanswered UDP contact this long or longer after the source's
 * previous one to the same port is a client's, not a sweep's
 * (detect_trw.c). */
#define UDP_CLIENT_PACE_US      (2 * 1000000ULL)
/* Connection attempts to one port that never complete: a flood. */
#define DEFAULT_FLOOD_THRESHOLD 40
/* Datagrams whose transport header is split over fragments. */
#define DEFAULT_FRAG_TABLE_SIZE 4096

/* Workers: at most this many classify at once (workers.h). */
#define WORKERS_MAX 64

/* A UDP or TCP flow not seen for this long is forgotten, so that a new
 * datagram on the same 5-tuple is a new first contact again. */
#define FLOW_IDLE_US          (300 * 1000000ULL)

/* AlertLimit: at most this many alerts per interval go to syslog, the
 * text and the JSON output; the rest are held back, said so in one line
 * per interval, and counted in the statistics.  Anyone can send packets
 * that make alerts (20,000 spoofed FINs from 5,000 addresses make 5,000),
 * and an unbounded log is a disk, a syslog server and an administrator's
 * attention filled at will.  scanlogd allows 5 per 20 s; this allows two
 * a second on average, so that ordinary busy days lose nothing: the
 * busiest capture in tests/pcap reports 18 scans, a LogConnections host
 * ~100 connections in a burst.  At the limit, all day long, that is
 * 172,800 lines (~25 MB) a day: bounded, and logrotate copes.  Held
 * alerts are released strongest first at the next interval, so a real
 * scan is not lost among the spoofed ones.  Email has its own limit
 * (MailRateLimit) and is not counted here. */
#define DEFAULT_ALERT_LIMIT     120
#define DEFAULT_ALERT_INTERVAL  60

/* What a scan reached (tally.h).  Each source entry counts the first
 * few distinct ports and hosts of its probes exactly (TRW reports on the
 * 4th to 10th probe, so most scans are reported before these fill up);
 * a reported scan then takes one of TALLY_POOL_SIZE exact tallies (~10
 * KiB each: a bit for each of the 65536 ports, TALLY_HOST_BITS for the
 * hosts), given back when the scan ends.  More reported scans at once
 * than that (a spoofed flood) keep only their early counts. */
#define TALLY_EARLY_PORTS     8
#define TALLY_EARLY_HOSTS     4
#define TALLY_POOL_SIZE       128
/* Linear counting of hosts: exact in practice for tens of hosts, within
 * 1% up to 10,000, saturating at about 150,000. */
#define TALLY_HOST_BITS       16384
/* Open ports listed in a scan's JSON events, and in its text lines; the
 * count goes on. */
#define SCAN_OPEN_LISTED      32
#define SCAN_OPEN_IN_LINE     8
/* Severity (alert_severity): a port scan of this many ports, or a sweep
 * of this many hosts, is one step worse, and again at the second.  Tools
 * scan 1000 ports by default; a few dozen is a look around. */
#define SEVERITY_WIDE         20
#define SEVERITY_VERY_WIDE    1000

/* LogConnections: an attempt is logged once, with its outcome, when the
 * handshake completes, a RST or ICMP error refuses it, or ContactTimeout
 * passes without an answer.  Attempts are kept in a table of this many
 * slots (72 bytes each, 4.5 MiB), at most a sixteenth of them waiting
 * for their outcome (4096: 800 new attempts a second with the default
 * ContactTimeout); past that the oldest waiting attempt is logged at
 * once, its outcome unknown. */
#define CONNLOG_TABLE_SIZE    65536
/* A SYN again on the same addresses and ports within this time of the
 * previous one is a retransmission of the same attempt, never logged
 * again: Linux gives up after 127 s (tcp_syn_retries 6). */
#define CONNLOG_RETRANSMIT_US (130 * 1000000ULL)

/* libpcap snapshot length of a live capture: the bytes of each packet
 * the kernel copies to us.  Payload is never inspected, so the headers
 * are enough: Ethernet with two VLAN tags (22), IPv4 with options (60)
 * or IPv6 (40) with a usual extension chain, TCP with options (60), and
 * an ICMP error's quote (8 + 60 + 8); 256 bytes hold all of these.  (A
 * longer IPv6 chain is counted as decoder.ipv6.trunc_ext.)  The point
 * is the kernel's ring, where a packet takes as many bytes as were
 * captured of it: a stall of the packet process that much longer before
 * drops (bench/README.md, "Live capture").  Only live captures use it:
 * files (-r) are read as they were captured. */
#define CAPTURE_SNAPLEN       256
/* A live capture is handed over in blocks (TPACKET_V3): the kernel wakes
 * the packet process when a block of its ring is full, or at most
 * CAPTURE_BLOCK_MS after the block's first packet, not for each packet
 * (bench/README.md, "Block delivery": at 200,000 packets/s, 3.5 and 8.3
 * times less CPU on make bench-live's inputs).  So a packet may reach
 * the packet path up to CAPTURE_LATE_US after its time stamp (the
 * block's time, and time for the process to run), and live packet time
 * waits that long before it counts as passed: the clock moved without
 * packets, a worker's word that nothing older will follow, a reload's
 * packets before it. */
#define CAPTURE_BLOCK_MS      50
#define CAPTURE_LATE_US       ((CAPTURE_BLOCK_MS + 50) * 1000ULL)
/* scandetd -r: the stdio buffer a capture file is read through.
 * libpcap reads a file with one fread per header and one per packet,
 * and stdio's own buffer is a block (4 KiB), so a 1 GB capture took
 * 250,000 read(2)s, costly where system calls are (a virtual machine).
 * A larger buffer saves the calls, but the kernel copies each read into
 * it, and the packets are read from it while detection fills the cache
 * with its tables: with 256 KiB, the bare read loop's best, scandetd -r
 * read input (b) of make bench (1 GB) 1.76 times slower than with
 * 64 KiB (-w 2: 2.1), the copy taking longer than the 16,000 calls of
 * 64 KiB took (bench/README.md, "The file buffer, again"). */
#define CAPTURE_FILE_BUFFER   (64 * 1024)
/* Decoded packets handed to detection together (detect_batch), so that
 * their table entries are fetched from memory ahead of their turn. */
#define PKT_BATCH             32

/* Interfaces captured on at once (-i given several times, Interface
 * with a list).  Each is a libpcap handle with its own 32 MiB kernel
 * ring (capture.c), so the count is kept small: 16 rings are 512 MiB.
 * Packets name theirs in one byte (struct pkt).  A sensor with more
 * links captures on "any" (one ring; interface names then unknown). */
#define MAX_INTERFACES        16
/* Longest interface name, with its NUL: Linux's IFNAMSIZ. */
#define IFACE_NAME_MAX        16
/* Live capture: packets taken from one interface before the next gets
 * its turn, so that a flood on one link cannot starve the others (or
 * the signals and the parent's messages). */
#define CAPTURE_ROUND_PACKETS 1024
/* Live capture on an interface that went down: libpcap learns whether
 * it was deleted (the capture then ends) or came back up only when it
 * is called again, and asks to be called every millisecond
 * (capture_poll_limit_ms), which kept the packet process at 4% of a
 * CPU (9% with Workers 2) while an interface stayed down.  Called this
 * often instead, a deletion is seen within this time; packets that come
 * once it is up again wake the process as always. */
#define CAPTURE_DOWN_POLL_MS  100

/* scandetd -r: files read in one run.  The packet process opens nothing
 * once it is sandboxed, so every file is opened at start: a descriptor
 * and a few kB each, all of them well under the usual limit of 1,024
 * descriptors. */
#define READ_FILES_MAX        512
/* The summary after -r lists the first this many (source, kind, proto)
 * rows (~120 bytes each); the events of sources past them are counted,
 * not listed. */
#define REPORT_ROWS_MAX       1000
/* Files that could not be read to their end, named in the summary; more
 * are counted (each was also said when it happened). */
#define REPORT_PROBLEMS_MAX   8
/* -r on a terminal: the progress line is redrawn at most this often
 * (first after one interval, so a short run shows none). */
#define PROGRESS_INTERVAL_US  250000

/* DNSResolve: names kept in the packet process's cache (buckets of 4). */
#define RESOLVER_CACHE_SIZE   4096

/* ---- obscure: bounds on work for hostile input --------------------- */

/* A key lives in a bucket of this many slots (table.c); a full bucket
 * means eviction, never a longer search.  Keeps the work per packet
 * O(1) even with a table full of attacker-chosen keys. */
#define TABLE_PROBE_LIMIT     8

/* Nested VLAN tags accepted before a frame is called malformed. */
#define MAX_VLAN_TAGS         4
/* IPv6 extension headers walked before a packet is called malformed. */
#define MAX_IPV6_EXT_HEADERS  8

/* Longest line of text an alert can produce (syslog, stdout). */
#define ALERT_LINE_MAX        512
/* Longest host name we keep from a DNS answer (RFC 1035 limit). */
#define HOSTNAME_MAX          254

/* Alerts over the AlertLimit wait in a pool of this many (~200 bytes
 * each), from which the strongest are released at the next interval:
 * enough for the default limit several times over.  When it is full the
 * weakest alert goes (counted). */
#define ALERT_POOL_MAX        1024
/* Distinct sources of the alerts held back in one interval are counted in
 * a set of this many 64-bit keyed hashes (128 KiB); past 3/4 full the
 * summary says "at least". */
#define ALERT_SOURCES_MAX     16384
/* Before the pool's weakest alert is dropped, it and at most this many
 * more are asked how strong their scans are now (a table lookup each):
 * a real scan that looked weak when it was reported has grown since. */
#define ALERT_REFRESH_MAX     8

/* Configuration file limits. */
#define CONF_LINE_MAX         4096
#define CONF_MAX_RULES        4096
#define CONF_MAX_PORT_RANGES  1024

#endif
