/*
 * test_detect.c - the classic method and the OS-probe and connection
 * detectors over synthetic packet sequences with timestamps: exact
 * alerts, in order, with their summaries.  (test_trw.c: the default
 * method.)
 */
#include "detect_fixture.h"

#define METHOD "classic"

/* n probes with the given flags to ports first.., gap us apart. */
static void scan(struct fixture *f, const char *src, const char *dst,
		 uint8_t flags, uint16_t first, int n, uint64_t start,
		 uint64_t gap)
{
	for (int i = 0; i < n; i++)
		feed(f, tcp(src, 40000, dst, (uint16_t)(first + i), flags,
			    start + (uint64_t)i * gap));
}

TEST(syn_scan_reported_at_threshold_once)
{
	struct fixture f;

	setup(&f);
	scan(&f, "203.0.113.9", "198.51.100.10", TH_SYN, 1, 39, T0, 1000);
	CHECK_INT(f.rec.n, 0);
	scan(&f, "203.0.113.9", "198.51.100.10", TH_SYN, 40, 1, T0 + 39000, 1000);
	CHECK_INT(f.rec.n, 1);
	CHECK_INT(f.rec.seen[0].kind, ALERT_PORTSCAN);
	CHECK_INT(f.rec.seen[0].ts_us, T0 + 39000);
	CHECK_INT(f.rec.seen[0].scan.count, 40);
	CHECK_INT(f.rec.seen[0].scan.first_port, 1);
	CHECK_INT(f.rec.seen[0].scan.last_port, 40);
	CHECK_INT(f.rec.seen[0].scan.scan_type, SCAN_SYN);
	CHECK_STR(f.rec.lines[0],
		  "Possible port scan from 203.0.113.9 to 198.51.100.10");
	scan(&f, "203.0.113.9", "198.51.100.10", TH_SYN, 41, 100, T0 + 40000, 1000);
	CHECK_INT(f.rec.n, 1);
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 2);
	CHECK_INT(f.rec.seen[1].kind, ALERT_SCAN_END);
	CHECK_INT(f.rec.seen[1].scan.count, 140);
	CHECK_INT(f.rec.seen[1].scan.last_port, 140);
	CHECK_INT(f.rec.seen[1].scan.syn, 140);
	CHECK_INT(f.rec.seen[1].scan.kind, ALERT_PORTSCAN);
	teardown(&f);
}

TEST(slow_probes_are_not_counted)
{
	struct fixture f;

	setup(&f);
	/* 1.001 s apart: never "right after" the previous one. */
	scan(&f, "203.0.113.9", "198.51.100.10", TH_SYN, 1, 200, T0, 1001000);
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 0);
	teardown(&f);
}

TEST(exactly_one_second_counts)
{
	struct fixture f;

	setup(&f);
	scan(&f, "203.0.113.9", "198.51.100.10", TH_SYN, 1, 40, T0, 1000000);
	CHECK_INT(f.rec.n, 1);
	teardown(&f);
}

TEST(fin_null_xmas_types)
{
	struct fixture f;

	setup(&f);
	scan(&f, "203.0.113.1", "198.51.100.10", TH_FIN, 1, 40, T0, 100);
	scan(&f, "203.0.113.2", "198.51.100.10", 0, 1, 40, T0, 100);
	scan(&f, "203.0.113.3", "198.51.100.10", TH_FIN | TH_PSH | TH_URG, 1,
	     40, T0, 100);
	CHECK_INT(f.rec.n, 3);
	CHECK_INT(f.rec.seen[0].scan.scan_type, SCAN_FIN);
	CHECK_INT(f.rec.seen[1].scan.scan_type, SCAN_NULL);
	CHECK_INT(f.rec.seen[2].scan.scan_type, SCAN_XMAS);
	CHECK_INT(f.rec.seen[2].scan.fin, 40);
	teardown(&f);
}

TEST(ack_and_synack_are_not_probes)
{
	struct fixture f;

	setup(&f);
	scan(&f, "203.0.113.1", "198.51.100.10", TH_ACK, 1, 100, T0, 100);
	scan(&f, "203.0.113.2", "198.51.100.10", TH_SYN | TH_ACK, 1, 100, T0, 100);
	scan(&f, "203.0.113.3", "198.51.100.10", TH_RST, 1, 100, T0, 100);
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 0);
	teardown(&f);
}

TEST(flood_to_one_port)
{
	struct fixture f;

	setup(&f);
	for (int i = 0; i < 60; i++)
		feed(&f, tcp("203.0.113.9", (uint16_t)(1000 + i),
			     "198.51.100.10", 80, TH_SYN, T0 + (uint64_t)i * 10));
	CHECK_INT(f.rec.n, 1);
	CHECK_INT(f.rec.seen[0].kind, ALERT_FLOOD);
	CHECK_INT(f.rec.seen[0].scan.port, 80);
	CHECK_STR(f.rec.lines[0],
		  "Possible port flood from 203.0.113.9 to 198.51.100.10");
	teardown(&f);
}

TEST(flood_detection_off_ignores_repeats)
{
	struct fixture f;

	setup_with(&f, "FloodDetection no\n");
	for (int i = 0; i < 200; i++)
		feed(&f, tcp("203.0.113.9", (uint16_t)(1000 + i),
			     "198.51.100.10", 80, TH_SYN, T0 + (uint64_t)i * 10));
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 0);
	teardown(&f);
}

TEST(sweep_and_others)
{
	struct fixture f;
	char dst[32];

	setup(&f);
	for (int i = 0; i < 40; i++) {
		snprintf(dst, sizeof dst, "198.51.100.%d", i + 1);
		feed(&f, tcp("203.0.113.9", 40000, dst, 23, TH_SYN,
			     T0 + (uint64_t)i * 100));
	}
	CHECK_INT(f.rec.n, 1);
	CHECK_INT(f.rec.seen[0].kind, ALERT_SWEEP);
	CHECK(f.rec.seen[0].scan.dst_multiple);
	CHECK_INT(f.rec.seen[0].scan.port, 23);
	CHECK_STR(f.rec.lines[0], "Possible port sweep from 203.0.113.9 to "
				  "198.51.100.1 (and others)");
	teardown(&f);
}

TEST(answered_connections_are_not_a_scan)
{
	struct fixture f;
	char dst[32];

	setup(&f);
	/* A client opening 200 connections to 20 servers, all answered. */
	for (int i = 0; i < 200; i++) {
		uint64_t t = T0 + (uint64_t)i * 1000;

		snprintf(dst, sizeof dst, "198.51.100.%d", i % 20 + 1);
		feed(&f, tcp("192.0.2.7", (uint16_t)(30000 + i), dst,
			     (uint16_t)(i % 2 ? 443 : 80), TH_SYN, t));
		feed(&f, tcp(dst, (uint16_t)(i % 2 ? 443 : 80), "192.0.2.7",
			     (uint16_t)(30000 + i), TH_SYN | TH_ACK, t + 300));
	}
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 0);
	teardown(&f);
}

TEST(udp_scan_counts_new_flows_only)
{
	struct fixture f;

	setup(&f);
	/* An RTP-like stream: one flow, thousands of datagrams. */
	for (int i = 0; i < 2000; i++)
		feed(&f, udp("192.0.2.7", 5004, "198.51.100.10", 5006,
			     T0 + (uint64_t)i * 20000));
	/* A DNS server answering 100 client ports after their queries. */
	for (int i = 0; i < 100; i++) {
		uint64_t t = T0 + (uint64_t)i * 100;

		feed(&f, udp("198.51.100.10", (uint16_t)(20000 + i), "192.0.2.53",
			     53, t));
		feed(&f, udp("192.0.2.53", 53, "198.51.100.10",
			     (uint16_t)(20000 + i), t + 50));
	}
	CHECK_INT(f.rec.n, 0);
	/* A real UDP scan. */
	for (int i = 0; i < 40; i++)
		feed(&f, udp("203.0.113.9", 62025, "198.51.100.10",
			     (uint16_t)(1 + i), T0 + 10000000 + (uint64_t)i * 100));
	CHECK_INT(f.rec.n, 1);
	CHECK_INT(f.rec.seen[0].proto, PROTO_UDP);
	CHECK_INT(f.rec.seen[0].scan.scan_type, SCAN_UDP);
	CHECK_STR(f.rec.lines[0],
		  "Possible UDP port scan from 203.0.113.9 to 198.51.100.10");
	teardown(&f);
}

TEST(ipv6_scan)
{
	struct fixture f;

	setup(&f);
	scan(&f, "2001:db8::20", "2001:db8::10", TH_SYN, 1, 40, T0, 100);
	CHECK_INT(f.rec.n, 1);
	CHECK_STR(f.rec.lines[0],
		  "Possible port scan from 2001:db8::20 to 2001:db8::10");
	teardown(&f);
}

TEST(scan_ignore_rules_and_ports)
{
	struct fixture f;

	setup_with(&f, "HostScanIgnore 203.0.113.0/24\n"
		       "PortScanIgnore 1-100\n");
	scan(&f, "203.0.113.9", "198.51.100.10", TH_SYN, 1000, 100, T0, 100);
	scan(&f, "192.0.2.9", "198.51.100.10", TH_SYN, 1, 100, T0, 100);
	CHECK_INT(f.rec.n, 0);
	scan(&f, "192.0.2.9", "198.51.100.10", TH_SYN, 101, 40, T0 + 10000, 100);
	CHECK_INT(f.rec.n, 1);
	teardown(&f);
}

TEST(idle_scan_ends_after_expiry)
{
	struct fixture f;

	setup(&f);
	scan(&f, "203.0.113.9", "198.51.100.10", TH_SYN, 1, 50, T0, 1000);
	CHECK_INT(f.rec.n, 1);
	/* Unrelated traffic moves packet time on past the expiry; the
	 * sweep visits the whole small table well within that. */
	for (int s = 1; s <= 300; s++)
		feed(&f, tcp("192.0.2.1", 1, "192.0.2.2", 2, TH_ACK,
			     T0 + (uint64_t)s * 1000000));
	CHECK_INT(f.rec.n, 2);
	CHECK_INT(f.rec.seen[1].kind, ALERT_SCAN_END);
	CHECK_INT(f.rec.seen[1].scan.count, 50);
	/* The same source scanning again later is a new scan. */
	scan(&f, "203.0.113.9", "198.51.100.10", TH_SYN, 1, 40,
	     T0 + 400000000, 1000);
	CHECK_INT(f.rec.n, 3);
	CHECK_INT(f.rec.seen[2].kind, ALERT_PORTSCAN);
	teardown(&f);
}

static void osprobe(struct fixture *f, const char *src, const uint8_t *flags,
		    int n, uint64_t start, uint64_t gap)
{
	for (int i = 0; i < n; i++)
		feed(f, tcp(src, 50000, "198.51.100.10", 22, flags[i],
			    start + (uint64_t)i * gap));
}

TEST(osprobe_nmap_classic)
{
	static const uint8_t flags[] = {
		TH_SYN | TH_ECE, 0, TH_FIN | TH_SYN | TH_PSH | TH_URG,
	};
	struct fixture f;

	setup(&f);
	osprobe(&f, "203.0.113.9", flags, 3, T0, 100000);
	CHECK_INT(f.rec.n, 1);
	CHECK_INT(f.rec.seen[0].kind, ALERT_OSPROBE);
	CHECK_STR(f.rec.seen[0].tool, "nmap");
	CHECK_INT(f.rec.seen[0].patterns, OSFP_SX | OSFP_NULL | OSFP_FSPU);
	CHECK_STR(f.rec.lines[0],
		  "Possible nmap OS probe from 203.0.113.9 to 198.51.100.10");
	teardown(&f);
}

TEST(osprobe_queso_and_unknown)
{
	static const uint8_t queso[] = { TH_FIN, TH_FIN | TH_SYN, TH_PSH };
	static const uint8_t mixed[] = { TH_FIN, 0, TH_PSH };
	struct fixture f;

	setup(&f);
	osprobe(&f, "203.0.113.1", queso, 3, T0, 1000);
	osprobe(&f, "203.0.113.2", mixed, 3, T0, 1000);
	CHECK_INT(f.rec.n, 2);
	CHECK_STR(f.rec.seen[0].tool, "queso");
	CHECK_STR(f.rec.seen[1].tool, "unknown");
	teardown(&f);
}

TEST(osprobe_modern_nmap_ecn_is_nmap)
{
	struct fixture f;
	struct pkt ecn;

	setup(&f);
	ecn = tcp("203.0.113.9", 50000, "198.51.100.10", 22,
		  TH_SYN | TH_ECE | TH_CWR, T0);
	ecn.tcp_reserved = 0x08;
	ecn.tcp_window = 3;
	ecn.tcp_urgptr = 0xF7F5;
	feed(&f, ecn);
	feed(&f, tcp("203.0.113.9", 50001, "198.51.100.10", 22, 0, T0 + 1000));
	feed(&f, tcp("203.0.113.9", 50002, "198.51.100.10", 22,
		     TH_FIN | TH_PSH | TH_URG, T0 + 2000));
	CHECK_INT(f.rec.n, 1);
	CHECK_STR(f.rec.seen[0].tool, "nmap");
	teardown(&f);
}

TEST(osprobe_needs_three_patterns_within_two_seconds)
{
	struct fixture f;

	setup(&f);
	/* iPhone-style ECN SYNs: one pattern, however many. */
	for (int i = 0; i < 20; i++)
		feed(&f, tcp("192.0.2.17", (uint16_t)(50000 + i), "198.51.100.10",
			     443, TH_SYN | TH_ECE | TH_CWR, T0 + (uint64_t)i * 1000));
	/* Three patterns, but 2.5 s apart. */
	feed(&f, tcp("203.0.113.9", 1, "198.51.100.10", 22, TH_FIN, T0));
	feed(&f, tcp("203.0.113.9", 1, "198.51.100.10", 22, TH_PSH, T0 + 2500000));
	feed(&f, tcp("203.0.113.9", 1, "198.51.100.10", 22, TH_FIN | TH_SYN,
		     T0 + 5000000));
	CHECK_INT(f.rec.n, 0);
	teardown(&f);
}

TEST(log_scans_off_silences_scans)
{
	struct fixture f;

	setup_with(&f, "LogScans no\nLogOSFP no\n");
	scan(&f, "203.0.113.9", "198.51.100.10", TH_SYN, 1, 100, T0, 100);
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 0);
	CHECK_INT(f.router.count[ALERT_PORTSCAN], 1);
	teardown(&f);
}

/* Each attempt is logged once, when its outcome is known: SYN
 * retransmissions are the same attempt; the order is that of the
 * outcomes. */
TEST(connection_logging)
{
	struct fixture f;

	setup_with(&f, "LogConnections yes\nUdpLogConnections yes\n"
		       "PortLogIgnore 80\nHostLogIgnore 192.0.2.0/24\n");
	feed(&f, tcp("203.0.113.9", 40001, "198.51.100.10", 21, TH_SYN, T0));
	feed(&f, tcp("203.0.113.9", 40002, "198.51.100.10", 80, TH_SYN, T0 + 1));
	feed(&f, tcp("192.0.2.9", 40003, "198.51.100.10", 21, TH_SYN, T0 + 2));
	feed(&f, tcp("203.0.113.9", 40005, "198.51.100.10", 23, TH_SYN, T0 + 3));
	feed(&f, tcp("203.0.113.9", 40001, "198.51.100.10", 21, TH_SYN,
		     T0 + 1000000));
	feed(&f, tcp("203.0.113.9", 40001, "198.51.100.10", 21, TH_SYN,
		     T0 + 3000000));
	CHECK_INT(f.rec.n, 0);		/* no outcome yet */
	feed(&f, tcp("198.51.100.10", 21, "203.0.113.9", 40001,
		     TH_SYN | TH_ACK, T0 + 3000100));
	CHECK_INT(f.rec.n, 0);		/* half way */
	feed(&f, tcp("203.0.113.9", 40001, "198.51.100.10", 21, TH_ACK,
		     T0 + 3000200));
	feed(&f, udp("203.0.113.9", 40004, "198.51.100.10", 53, T0 + 3000300));
	feed(&f, udp("198.51.100.10", 53, "203.0.113.9", 40004, T0 + 3000400));
	feed(&f, udp("198.51.100.10", 53, "203.0.113.9", 40004, T0 + 3000500));
	feed(&f, tcp("203.0.113.9", 40006, "198.51.100.10", 22, TH_SYN,
		     T0 + 3000600));
	feed(&f, tcp("198.51.100.10", 22, "203.0.113.9", 40006,
		     TH_RST | TH_ACK, T0 + 3000700));
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 4);
	CHECK_STR(f.rec.lines[0],
		  "port 21 connection attempt from 203.0.113.9: completed");
	CHECK_INT(f.rec.seen[0].sport, 40001);
	CHECK_INT(f.rec.seen[0].retransmits, 2);
	CHECK(f.rec.seen[0].scan.first_ts == T0);
	CHECK(f.rec.seen[0].ts_us == T0 + 3000200);
	CHECK_STR(f.rec.lines[1],
		  "UDP port 53 connection attempt from 203.0.113.9: answered");
	CHECK_STR(f.rec.lines[2],
		  "port 22 connection attempt from 203.0.113.9: refused");
	/* Port 23 never answered: decided at its ContactTimeout (5 s). */
	CHECK_STR(f.rec.lines[3],
		  "port 23 connection attempt from 203.0.113.9: no answer");
	CHECK(f.rec.seen[3].ts_us == T0 + 3 + 5000000);
	teardown(&f);
}

/* IgnoreHost: nothing from the host, neither scans nor OS probes nor
 * connection lines, over TCP and UDP; others as before.  LogPorts: only
 * its ports are logged, for TCP and UDP. */
TEST(ignore_host_and_log_ports)
{
	static const uint8_t os[] = {
		TH_SYN | TH_ECE, 0, TH_FIN | TH_SYN | TH_PSH | TH_URG,
	};
	struct fixture f;

	setup_with(&f, "IgnoreHost 203.0.113.9\nLogConnections yes\n"
		       "UdpLogConnections yes\nLogPorts 21 53\n");
	feed(&f, tcp("203.0.113.9", 40001, "198.51.100.10", 21, TH_SYN, T0));
	feed(&f, udp("203.0.113.9", 40002, "198.51.100.10", 53, T0 + 1));
	osprobe(&f, "203.0.113.9", os, 3, T0 + 2, 1000);
	scan(&f, "203.0.113.9", "198.51.100.10", TH_SYN, 1000, 100, T0 + 10000,
	     100);
	scan(&f, "203.0.113.9", "198.51.100.10", TH_FIN, 2000, 100, T0 + 30000,
	     100);
	CHECK_INT(f.rec.n, 0);
	feed(&f, tcp("192.0.2.9", 40001, "198.51.100.10", 21, TH_SYN, T0 + 50000));
	feed(&f, tcp("192.0.2.9", 40001, "198.51.100.10", 22, TH_SYN, T0 + 50001));
	feed(&f, udp("192.0.2.9", 40002, "198.51.100.10", 53, T0 + 50002));
	feed(&f, udp("192.0.2.9", 40002, "198.51.100.10", 54, T0 + 50003));
	osprobe(&f, "203.0.113.8", os, 3, T0 + 60000, 1000);
	/* Connection lines wait for their outcome: none came. */
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 3);
	CHECK_STR(f.rec.lines[0],
		  "Possible nmap OS probe from 203.0.113.8 to 198.51.100.10");
	CHECK_STR(f.rec.lines[1],
		  "port 21 connection attempt from 192.0.2.9: no answer");
	CHECK_STR(f.rec.lines[2],
		  "UDP port 53 connection attempt from 192.0.2.9: no answer");
	teardown(&f);
}

/* Every alert names the interface of its packets: a scan and its end
 * that of the scan's latest probe, an OS probe that of its patterns, a
 * connection its own packet's; unknown (0) names none. */
TEST(alerts_name_the_interface)
{
	static const uint8_t os[] = {
		TH_SYN | TH_ECE, 0, TH_FIN | TH_SYN | TH_PSH | TH_URG,
	};
	struct fixture f;

	setup_with(&f, "LogConnections yes\nPortLogIgnore 1-1000\n");
	for (int i = 0; i < 40; i++) {
		uint64_t t = T0 + (uint64_t)i * 1000;

		feed_on(&f, tcp("203.0.113.1", 40000, "198.51.100.10",
				(uint16_t)(1 + i), TH_SYN, t), 1);
		feed_on(&f, tcp("203.0.113.2", 40000, "192.0.2.10",
				(uint16_t)(1 + i), TH_FIN, t + 1), 2);
		feed(&f, tcp("203.0.113.3", 40000, "192.0.2.10",
			     (uint16_t)(1 + i), TH_FIN, t + 2));
	}
	CHECK_INT(f.rec.n, 3);
	CHECK_STR(f.rec.seen[0].iface, "veth-a");
	CHECK_STR(f.rec.seen[1].iface, "veth-b");
	CHECK_STR(f.rec.seen[2].iface, "");
	for (int i = 0; i < 3; i++)
		feed_on(&f, tcp("2001:db8::9", 50000, "2001:db8::10", 22,
				os[i], T0 + 50000 + (uint64_t)i * 1000), 2);
	feed_on(&f, tcp("203.0.113.4", 40001, "198.51.100.10", 2222, TH_SYN,
			T0 + 60000), 1);
	/* Logged at its outcome, with the interface of its SYN. */
	feed_on(&f, tcp("198.51.100.10", 2222, "203.0.113.4", 40001, TH_RST |
			TH_ACK, T0 + 60001), 2);
	CHECK_INT(f.rec.n, 5);
	CHECK_INT(f.rec.seen[3].kind, ALERT_OSPROBE);
	CHECK_STR(f.rec.seen[3].iface, "veth-b");
	CHECK_INT(f.rec.seen[4].kind, ALERT_CONNECTION);
	CHECK_STR(f.rec.seen[4].iface, "veth-a");
	/* The first scanner's last probe came in on veth-b: its end says
	 * so (where it was seen last). */
	feed_on(&f, tcp("203.0.113.1", 40000, "198.51.100.10", 41, TH_SYN,
			T0 + 40000), 2);
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 8);
	for (int i = 5; i < 8 && i < f.rec.n; i++) {
		const struct alert *a = &f.rec.seen[i];

		CHECK_INT(a->kind, ALERT_SCAN_END);
		CHECK_STR(a->iface, a->src.b[15] == 3 ? "" : "veth-b");
	}
	teardown(&f);
}

TEST(table_full_of_spoofed_sources_keeps_the_scanner)
{
	struct fixture f;
	char src[32];

	setup(&f);
	/* A scanner builds up evidence (30 probes, under the threshold)... */
	scan(&f, "203.0.113.9", "198.51.100.10", TH_SYN, 1, 30, T0, 100);
	/* ...then 50,000 one-packet spoofed sources fill the 1024-slot table. */
	for (int i = 0; i < 50000; i++) {
		snprintf(src, sizeof src, "10.%d.%d.%d", i >> 16 & 255,
			 i >> 8 & 255, i & 255);
		feed(&f, tcp(src, 1234, "198.51.100.10", 80, TH_SYN,
			     T0 + 3000 + (uint64_t)i));
	}
	CHECK_INT(f.rec.n, 0);
	/* ...and the scanner's next ten probes still cross the threshold. */
	scan(&f, "203.0.113.9", "198.51.100.10", TH_SYN, 31, 10, T0 + 60000, 100);
	CHECK_INT(f.rec.n, 1);
	CHECK_INT(f.rec.n > 0 ? f.rec.seen[0].scan.count : 0, 40);
	teardown(&f);
}

int main(void)
{
	RUN(syn_scan_reported_at_threshold_once);
	RUN(slow_probes_are_not_counted);
	RUN(exactly_one_second_counts);
	RUN(fin_null_xmas_types);
	RUN(ack_and_synack_are_not_probes);
	RUN(flood_to_one_port);
	RUN(flood_detection_off_ignores_repeats);
	RUN(sweep_and_others);
	RUN(answered_connections_are_not_a_scan);
	RUN(udp_scan_counts_new_flows_only);
	RUN(ipv6_scan);
	RUN(scan_ignore_rules_and_ports);
	RUN(idle_scan_ends_after_expiry);
	RUN(osprobe_nmap_classic);
	RUN(osprobe_queso_and_unknown);
	RUN(osprobe_modern_nmap_ecn_is_nmap);
	RUN(osprobe_needs_three_patterns_within_two_seconds);
	RUN(ignore_host_and_log_ports);
	RUN(log_scans_off_silences_scans);
	RUN(connection_logging);
	RUN(alerts_name_the_interface);
	RUN(table_full_of_spoofed_sources_keeps_the_scanner);
	return unit_report(__FILE__);
}
