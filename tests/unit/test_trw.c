/*
 * test_trw.c - the default method: first contacts followed to their
 * outcome, the Threshold Random Walk over them, signatures, stealth
 * probes, slow scans and floods.  Synthetic packet sequences with packet
 * times; exact alerts.
 */
#include "detect_fixture.h"

#define METHOD "trw"

#define TARGET "198.51.100.10"
#define SCANNER "203.0.113.9"

/* A SYN to port from SCANNER at t, answered by RST at t + 100 us. */
static void refused(struct fixture *f, const char *dst, uint16_t port,
		    uint64_t t)
{
	feed(f, tcp(SCANNER, 40000, dst, port, TH_SYN, t));
	feed(f, tcp(dst, port, SCANNER, 40000, TH_RST | TH_ACK, t + 100));
}

/* A full handshake from client to server:port with source port sport. */
static void connect_ok(struct fixture *f, const char *client, uint16_t sport,
		       const char *server, uint16_t port, uint64_t t)
{
	feed(f, tcp(client, sport, server, port, TH_SYN, t));
	feed(f, tcp(server, port, client, sport, TH_SYN | TH_ACK, t + 100));
	feed(f, tcp(client, sport, server, port, TH_ACK, t + 200));
}

TEST(four_refused_contacts_flag_a_source)
{
	struct fixture f;

	setup(&f);
	for (int i = 0; i < 3; i++)
		refused(&f, TARGET, (uint16_t)(20 + i), T0 + (uint64_t)i * 1000);
	CHECK_INT(f.rec.n, 0);
	refused(&f, TARGET, 23, T0 + 3000);
	CHECK_INT(f.rec.n, 1);
	CHECK_INT(f.rec.seen[0].kind, ALERT_PORTSCAN);
	CHECK_STR(f.rec.seen[0].method, "trw");
	CHECK_INT(f.rec.seen[0].probes, 4);
	CHECK_INT(f.rec.seen[0].ts_us, T0 + 3100);
	CHECK_STR(f.rec.seen[0].tool, "");
	CHECK_STR(f.rec.lines[0], "Possible port scan from " SCANNER " to " TARGET);
	teardown(&f);
}

TEST(successes_outweigh_failures)
{
	struct fixture f;

	setup(&f);
	/* A client: connections that complete, and a few that are refused. */
	for (int i = 0; i < 30; i++) {
		uint64_t t = T0 + (uint64_t)i * 10000;

		connect_ok(&f, SCANNER, (uint16_t)(30000 + i), TARGET,
			   (uint16_t)(1000 + i), t);
		if (i % 10 == 0)
			refused(&f, TARGET, (uint16_t)(2000 + i), t + 5000);
	}
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 0);
	teardown(&f);
}

TEST(benign_walk_restarts)
{
	struct fixture f;

	setup(&f);
	/* Four successes take the walk below its lower bound: a new walk,
	 * in which four failures flag the source. */
	for (int i = 0; i < 4; i++)
		connect_ok(&f, SCANNER, (uint16_t)(30000 + i), TARGET,
			   (uint16_t)(100 + i), T0 + (uint64_t)i * 1000);
	for (int i = 0; i < 4; i++)
		refused(&f, TARGET, (uint16_t)(200 + i), T0 + 10000 + (uint64_t)i * 1000);
	CHECK_INT(f.rec.n, 1);
	teardown(&f);
}

TEST(unanswered_syns_fail_at_their_deadline)
{
	struct fixture f;

	setup(&f);
	for (int i = 0; i < 4; i++)
		feed(&f, tcp(SCANNER, 40000, TARGET, (uint16_t)(1 + i), TH_SYN,
			     T0 + (uint64_t)i * 1000));
	CHECK_INT(f.rec.n, 0);
	/* Any later packet moves packet time past the 5 s ContactTimeout. */
	feed(&f, tcp("192.0.2.1", 1, "192.0.2.2", 2, TH_ACK, T0 + 6000000));
	CHECK_INT(f.rec.n, 1);
	CHECK_INT(f.rec.seen[0].ts_us, T0 + 3000 + 5000000);
	teardown(&f);
}

TEST(udp_unreachable_and_weak_failures)
{
	struct fixture f;
	struct pkt icmp;

	setup(&f);
	/* ICMP port unreachable: a failure each. */
	for (int i = 0; i < 4; i++) {
		uint64_t t = T0 + (uint64_t)i * 1000;

		feed(&f, udp(SCANNER, 50000, TARGET, (uint16_t)(100 + i), t));
		memset(&icmp, 0, sizeof icmp);
		icmp.ts_us = t + 100;
		icmp.ipver = 4;
		icmp.proto = PROTO_ICMP;
		icmp.src = ip(TARGET);
		icmp.dst = ip(SCANNER);
		icmp.icmp_type = 3;
		icmp.icmp_code = 3;
		icmp.quoted.valid = true;
		icmp.quoted.proto = PROTO_UDP;
		icmp.quoted.src = ip(SCANNER);
		icmp.quoted.dst = ip(TARGET);
		icmp.quoted.sport = 50000;
		icmp.quoted.dport = (uint16_t)(100 + i);
		feed(&f, icmp);
	}
	CHECK_INT(f.rec.n, 1);
	CHECK_INT(f.rec.seen[0].proto, PROTO_UDP);
	CHECK_STR(f.rec.lines[0], "Possible UDP port scan from " SCANNER " to " TARGET);
	teardown(&f);

	/* No answer at all: weak failures, half a failure's weight each. */
	setup(&f);
	for (int i = 0; i < 6; i++)
		feed(&f, udp("192.0.2.99", 50000, TARGET, (uint16_t)(100 + i),
			     T0 + (uint64_t)i * 1000));
	feed(&f, tcp("192.0.2.1", 1, "192.0.2.2", 2, TH_ACK, T0 + 6000000));
	CHECK_INT(f.rec.n, 0);
	feed(&f, udp("192.0.2.99", 50000, TARGET, 106, T0 + 6000001));
	feed(&f, tcp("192.0.2.1", 1, "192.0.2.2", 2, TH_ACK, T0 + 12000000));
	CHECK_INT(f.rec.n, 1);
	teardown(&f);
}

TEST(answered_udp_is_not_a_scan)
{
	struct fixture f;

	setup(&f);
	/* DNS: queries from many source ports, all answered. */
	for (int i = 0; i < 50; i++) {
		uint64_t t = T0 + (uint64_t)i * 1000;

		feed(&f, udp("192.0.2.7", (uint16_t)(20000 + i), TARGET, 53, t));
		feed(&f, udp(TARGET, 53, "192.0.2.7", (uint16_t)(20000 + i), t + 50));
	}
	feed(&f, tcp("192.0.2.1", 1, "192.0.2.2", 2, TH_ACK, T0 + 60000000));
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 0);
	teardown(&f);
}

TEST(stealth_probes_fail_by_nature)
{
	static const uint8_t shapes[] = {
		TH_FIN, 0, TH_FIN | TH_PSH | TH_URG, TH_CWR,
		TH_SYN | TH_FIN | TH_RST | TH_PSH | TH_ACK | TH_URG,
	};
	struct fixture f;

	for (size_t s = 0; s < sizeof shapes; s++) {
		setup(&f);
		for (int i = 0; i < 4; i++)
			feed(&f, tcp(SCANNER, 40000, TARGET, (uint16_t)(1 + i),
				     shapes[s], T0 + (uint64_t)i * 1000));
		CHECK_INT(f.rec.n, 1);
		CHECK_INT(f.rec.seen[0].probes, 4);
		teardown(&f);
	}
}

/* AlertLimit: a held scan alert is ranked by its scan as it is when the
 * interval ends (detector.probes), not as it was when it was raised. */
TEST(held_scan_ranked_by_its_probes_now)
{
	struct fixture f;
	char spoofed[32];

	setup_with(&f, "SourceTableSize 1024\nFlowTableSize 4096\n"
		       "AlertLimit 1 60\n");
	/* Spoofed sources, four FINs each: the first uses the budget. */
	for (int s = 0; s < 3; s++) {
		snprintf(spoofed, sizeof spoofed, "192.0.2.%d", 10 + s);
		for (int i = 0; i < 4; i++)
			feed(&f, tcp(spoofed, 40000, TARGET, (uint16_t)(1 + i),
				     TH_FIN, T0 + (uint64_t)(s * 10 + i)));
	}
	/* The real scan is held with four probes, then goes on. */
	for (int i = 0; i < 4; i++)
		refused(&f, TARGET, (uint16_t)(100 + i), T0 + 1000 + (uint64_t)i * 1000);
	for (int s = 3; s < 6; s++) {
		snprintf(spoofed, sizeof spoofed, "192.0.2.%d", 10 + s);
		for (int i = 0; i < 4; i++)
			feed(&f, tcp(spoofed, 40000, TARGET, (uint16_t)(1 + i),
				     TH_FIN, T0 + 10000 + (uint64_t)(s * 10 + i)));
	}
	CHECK_INT(f.router.count[ALERT_PORTSCAN], 7);
	CHECK_INT(f.rec.n, 1);
	for (int i = 4; i < 200; i++)
		refused(&f, TARGET, (uint16_t)(100 + i), T0 + 20000 + (uint64_t)i * 1000);
	{
		struct alert q;

		memset(&q, 0, sizeof q);
		q.kind = ALERT_PORTSCAN;
		q.proto = PROTO_TCP;
		q.src = ip(SCANNER);
		CHECK_INT(f.router.limit.probes_now(f.router.limit.probes_arg, &q),
			  200);
		q.src = ip("192.0.2.99");
		CHECK_INT(f.router.limit.probes_now(f.router.limit.probes_arg, &q),
			  0);
	}
	alert_router_tick(&f.router, T0 + 60 * 1000000ULL + 1000);
	CHECK_INT(f.rec.n, 3);
	CHECK_INT(f.rec.seen[1].kind, ALERT_SUPPRESSED);
	CHECK_INT(f.rec.seen[1].held_back.kind[ALERT_PORTSCAN], 5);
	CHECK_INT(f.rec.seen[1].held_back.sources, 5);
	CHECK_STR(f.rec.lines[2], "Possible port scan from " SCANNER " to " TARGET);
	teardown(&f);
	CHECK(f.router.limit.probes_now == NULL);
}

TEST(signature_names_the_tool)
{
	struct fixture f;
	struct pkt p;

	setup(&f);
	for (int i = 0; i < 4; i++) {
		p = tcp(SCANNER, 40000, TARGET, (uint16_t)(1 + i), TH_SYN,
			T0 + (uint64_t)i * 1000);
		p.tcp_window = 1024;
		p.tcp_optlen = 4;
		memcpy(p.tcp_opts, "\x02\x04\x05\xb4", 4);
		p.ttl = 43;
		feed(&f, p);
	}
	CHECK_INT(f.rec.n, 1);
	CHECK_STR(f.rec.seen[0].tool, "nmap");
	CHECK_STR(f.rec.seen[0].method, "signature");
	teardown(&f);
}

TEST(ack_probes_drawing_rst)
{
	struct fixture f;

	setup(&f);
	/* nmap -sA against a host: ACKs to ports with no connection, each
	 * answered by a RST without ACK. */
	for (int i = 0; i < 4; i++) {
		uint64_t t = T0 + (uint64_t)i * 1000;
		struct pkt ack = tcp(SCANNER, 40000, TARGET, (uint16_t)(1 + i),
				     TH_ACK, t);

		ack.tcp_window = 29200;
		feed(&f, ack);
		feed(&f, tcp(TARGET, (uint16_t)(1 + i), SCANNER, 40000, TH_RST,
			     t + 100));
	}
	CHECK_INT(f.rec.n, 1);
	teardown(&f);
	/* The same RSTs inside known connections are no evidence. */
	setup(&f);
	for (int i = 0; i < 4; i++) {
		uint64_t t = T0 + (uint64_t)i * 1000;

		connect_ok(&f, SCANNER, (uint16_t)(41000 + i), TARGET,
			   (uint16_t)(1 + i), t);
		feed(&f, tcp(TARGET, (uint16_t)(1 + i), SCANNER,
			     (uint16_t)(41000 + i), TH_RST, t + 500));
	}
	CHECK_INT(f.rec.n, 0);
	teardown(&f);
}

/* The walk's alerts and the scan's end name the interface of the
 * source's latest probe; an ACK probe seen only in its RST, that of the
 * RST. */
TEST(alerts_name_the_interface)
{
	struct fixture f;

	setup(&f);
	for (int i = 0; i < 4; i++) {
		uint64_t t = T0 + (uint64_t)i * 1000;

		feed_on(&f, tcp(SCANNER, 40000, TARGET, (uint16_t)(20 + i),
				TH_SYN, t), 2);
		feed_on(&f, tcp(TARGET, (uint16_t)(20 + i), SCANNER, 40000,
				TH_RST | TH_ACK, t + 100), 2);
		/* RSTs from a target to ACKs never seen (the capture missed
		 * them): the probes are inferred, on the RSTs' interface. */
		feed_on(&f, tcp("192.0.2.10", (uint16_t)(1 + i), "203.0.113.50",
				40000, TH_RST, t + 200), 1);
	}
	CHECK_INT(f.rec.n, 2);
	CHECK_STR(f.rec.seen[0].src.b[15] == 9 ? f.rec.seen[0].iface :
		  f.rec.seen[1].iface, "veth-b");
	CHECK_STR(f.rec.seen[0].src.b[15] == 50 ? f.rec.seen[0].iface :
		  f.rec.seen[1].iface, "veth-a");
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 4);
	for (int i = 2; i < 4 && i < f.rec.n; i++)
		CHECK_STR(f.rec.seen[i].iface,
			  f.rec.seen[i].src.b[15] == 9 ? "veth-b" : "veth-a");
	teardown(&f);
}

TEST(half_open_probe_is_a_failure)
{
	struct fixture f;

	setup(&f);
	for (int i = 0; i < 4; i++) {
		uint64_t t = T0 + (uint64_t)i * 1000;

		feed(&f, tcp(SCANNER, 40000, TARGET, (uint16_t)(1 + i), TH_SYN, t));
		feed(&f, tcp(TARGET, (uint16_t)(1 + i), SCANNER, 40000,
			     TH_SYN | TH_ACK, t + 100));
		feed(&f, tcp(SCANNER, 40000, TARGET, (uint16_t)(1 + i), TH_RST,
			     t + 200));
	}
	CHECK_INT(f.rec.n, 1);
	teardown(&f);
}

/* An ignored scanner (IgnoreHost, HostScanIgnore) is silent, and the
 * host it scanned is not taken for a scanner: its SYN-ACKs and RSTs, and
 * the RSTs that the scanner's own kernel sends back to a raw SYN scan,
 * belong to the ignored scanner's contacts. */
TEST(ignored_scanner_does_not_accuse_its_target)
{
	static const char *const conf[] = {
		"IgnoreHost " SCANNER "\n", "HostScanIgnore " SCANNER "\n",
	};
	struct fixture f;

	for (size_t c = 0; c < sizeof conf / sizeof conf[0]; c++) {
		setup_with(&f, conf[c]);
		/* nmap's source port changes now and then (-O does). */
		for (int i = 0; i < 20; i++) {
			uint64_t t = T0 + (uint64_t)i * 1000;
			uint16_t port = (uint16_t)(1 + i);
			uint16_t sport = (uint16_t)(40000 + i / 2);

			feed(&f, tcp(SCANNER, sport, TARGET, port, TH_SYN, t));
			if (i % 2) {
				feed(&f, tcp(TARGET, port, SCANNER, sport,
					     TH_RST | TH_ACK, t + 100));
				continue;
			}
			feed(&f, tcp(TARGET, port, SCANNER, sport,
				     TH_SYN | TH_ACK, t + 100));
			feed(&f, tcp(SCANNER, sport, TARGET, port, TH_RST,
				     t + 200));
		}
		detect_finish(f.det);
		CHECK_INT(f.rec.n, 0);
		teardown(&f);
	}
}

TEST(flood_needs_attempts_that_never_complete)
{
	struct fixture f;

	setup(&f);
	for (int i = 0; i < 60; i++)
		feed(&f, tcp("203.0.113.99", (uint16_t)(1000 + i), TARGET, 80,
			     TH_SYN, T0 + (uint64_t)i * 100));
	CHECK_INT(f.rec.n, 1);
	CHECK_INT(f.rec.seen[0].kind, ALERT_FLOOD);
	CHECK_INT(f.rec.seen[0].scan.port, 80);
	CHECK_INT(f.rec.seen[0].probes, 40);
	teardown(&f);
	/* A busy client whose 500 connections complete is never a flood. */
	setup(&f);
	for (int i = 0; i < 500; i++)
		connect_ok(&f, "192.0.2.7", (uint16_t)(1000 + i), TARGET, 80,
			   T0 + (uint64_t)i * 1000);
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 0);
	teardown(&f);
}

TEST(udp_flood_and_answered_udp)
{
	struct fixture f;

	setup(&f);
	/* hping3 --udp: a new source port per datagram, never answered. */
	for (int i = 0; i < 50; i++)
		feed(&f, udp("203.0.113.77", (uint16_t)(2000 + i), TARGET, 53,
			     T0 + (uint64_t)i * 1000));
	CHECK_INT(f.rec.n, 1);
	CHECK_INT(f.rec.seen[0].kind, ALERT_FLOOD);
	CHECK_INT(f.rec.seen[0].proto, PROTO_UDP);
	CHECK_INT(f.rec.seen[0].probes, 40);
	teardown(&f);
	/* A resolver's queries from fresh ports, each answered: no flood. */
	setup(&f);
	for (int i = 0; i < 500; i++) {
		uint64_t t = T0 + (uint64_t)i * 1000;

		feed(&f, udp("192.0.2.7", (uint16_t)(2000 + i), TARGET, 53, t));
		feed(&f, udp(TARGET, 53, "192.0.2.7", (uint16_t)(2000 + i), t + 100));
	}
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 0);
	teardown(&f);
}

TEST(sweep_of_one_port)
{
	struct fixture f;
	char dst[32];

	setup(&f);
	for (int i = 0; i < 4; i++) {
		snprintf(dst, sizeof dst, "198.51.100.%d", 20 + i);
		refused(&f, dst, 23, T0 + (uint64_t)i * 1000);
	}
	CHECK_INT(f.rec.n, 1);
	CHECK_INT(f.rec.seen[0].kind, ALERT_SWEEP);
	CHECK(f.rec.seen[0].scan.dst_multiple);
	teardown(&f);
}

TEST(scattered_contacts_are_not_a_scan_shape)
{
	struct fixture f;
	char dst[32];

	setup(&f);
	/* A peer-to-peer client: each failed peer on a port of its own. */
	for (int i = 0; i < 12; i++) {
		snprintf(dst, sizeof dst, "198.51.100.%d", 20 + i);
		refused(&f, dst, (uint16_t)(6000 + 97 * i), T0 + (uint64_t)i * 1000);
	}
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 0);
	teardown(&f);
}

TEST(slow_scan_through_the_window)
{
	struct fixture f;

	setup(&f);
	/* One refused probe a minute, each followed by a successful
	 * connection: the walk never climbs, the slow window counts. */
	for (int i = 0; i < 10; i++) {
		uint64_t t = T0 + (uint64_t)i * 60000000;

		refused(&f, TARGET, (uint16_t)(100 + i), t);
		connect_ok(&f, SCANNER, (uint16_t)(30000 + i), TARGET,
			   (uint16_t)(8000 + i), t + 1000);
		if (i < 9)
			CHECK_INT(f.rec.n, 0);
	}
	CHECK_INT(f.rec.n, 1);
	CHECK_STR(f.rec.seen[0].method, "slow");
	teardown(&f);
}

TEST(traceroute_and_multicast_are_not_contacts)
{
	struct fixture f;
	struct pkt p;

	setup(&f);
	for (int i = 0; i < 30; i++) {
		p = udp(SCANNER, 45000, TARGET, (uint16_t)(33434 + i),
			T0 + (uint64_t)i * 1000);
		p.ttl = (uint8_t)(1 + i / 3);
		feed(&f, p);
	}
	for (int i = 0; i < 30; i++)
		feed(&f, udp(SCANNER, 5353, "224.0.0.251", (uint16_t)(5353 + i),
			     T0 + (uint64_t)i * 1000));
	feed(&f, tcp("192.0.2.1", 1, "192.0.2.2", 2, TH_ACK, T0 + 60000000));
	detect_finish(f.det);
	CHECK_INT(f.rec.n, 0);
	teardown(&f);
}

TEST(scan_ends_after_idle)
{
	struct fixture f;

	setup(&f);
	for (int i = 0; i < 10; i++)
		refused(&f, TARGET, (uint16_t)(1 + i), T0 + (uint64_t)i * 1000);
	CHECK_INT(f.rec.n, 1);
	for (int s = 1; s <= 300; s++)
		feed(&f, tcp("192.0.2.1", 1, "192.0.2.2", 2, TH_ACK,
			     T0 + (uint64_t)s * 1000000));
	CHECK_INT(f.rec.n, 2);
	CHECK_INT(f.rec.seen[1].kind, ALERT_SCAN_END);
	CHECK_INT(f.rec.seen[1].scan.count, 10);
	CHECK_INT(f.rec.seen[1].scan.last_port, 10);
	teardown(&f);
}

TEST(spoofed_flood_cannot_evict_a_scanner)
{
	struct fixture f;
	char src[32];

	setup(&f);
	for (int i = 0; i < 3; i++)
		refused(&f, TARGET, (uint16_t)(1 + i), T0 + (uint64_t)i * 1000);
	/* 50,000 spoofed one-probe sources through a 1024-slot table. */
	for (int i = 0; i < 50000; i++) {
		snprintf(src, sizeof src, "10.%d.%d.%d", i >> 16 & 255,
			 i >> 8 & 255, i & 255);
		feed(&f, tcp(src, 1234, TARGET, 80, TH_SYN,
			     T0 + 10000 + (uint64_t)i));
	}
	CHECK_INT(f.rec.n, 0);
	refused(&f, TARGET, 4, T0 + 100000);
	CHECK_INT(f.rec.n, 1);
	CHECK_STR(f.rec.n ? f.rec.lines[0] : "",
		  "Possible port scan from " SCANNER " to " TARGET);
	teardown(&f);
}

/* Traffic of every kind the walk sees, in one list: refused and
 * unanswered scans, completed connections, UDP asked and answered, and
 * many one-probe sources. */
static size_t mixed_traffic(struct pkt *out, size_t max)
{
	size_t n = 0;
	char src[32];

	for (int i = 0; i < 400 && n + 10 <= max; i++) {
		uint64_t t = T0 + (uint64_t)i * 500;

		snprintf(src, sizeof src, "192.0.2.%d", i % 20);
		out[n++] = tcp(SCANNER, 40000, TARGET, (uint16_t)(1 + i), TH_SYN, t);
		if (i % 3)
			out[n++] = tcp(TARGET, (uint16_t)(1 + i), SCANNER, 40000,
				       TH_RST | TH_ACK, t + 100);
		out[n++] = tcp("203.0.113.50", (uint16_t)(30000 + i), TARGET,
			       80, TH_SYN, t + 150);
		out[n++] = tcp(TARGET, 80, "203.0.113.50", (uint16_t)(30000 + i),
			       TH_SYN | TH_ACK, t + 200);
		out[n++] = tcp("203.0.113.50", (uint16_t)(30000 + i), TARGET,
			       80, TH_ACK, t + 250);
		out[n++] = udp("203.0.113.60", 5353, TARGET,
			       (uint16_t)(1000 + i % 50), t + 300);
		if (i % 2)
			out[n++] = udp(TARGET, (uint16_t)(1000 + i % 50),
				       "203.0.113.60", 5353, t + 350);
		out[n++] = tcp(src, 1234, "198.51.100.20", (uint16_t)(i * 7),
			       TH_SYN, t + 400);
		out[n++] = tcp("198.51.100.20", (uint16_t)(i * 7), src, 1234,
			       TH_RST | TH_ACK, t + 420);
		snprintf(src, sizeof src, "198.51.100.%d", 100 + i % 150);
		out[n++] = tcp(src, 1234, TARGET, 443, TH_SYN, t + 450);
	}
	return n;
}

/* Handing packets over in batches (tables fetched ahead) gives the same
 * alerts, in the same order, as one at a time.  The two stages hash with
 * different random keys, so the tables are large enough that no bucket
 * fills: which entry an eviction picks depends on the key. */
#define BATCH_TEST_TABLES "SourceTableSize 4096\nFlowTableSize 65536\n"

TEST(batches_change_nothing)
{
	static struct pkt pkts[4000];
	static const size_t chunks[] = { 1, 7, 32, 33, 500 };
	size_t n = mixed_traffic(pkts, sizeof pkts / sizeof pkts[0]);
	struct fixture one, batched;

	setup_with(&one, BATCH_TEST_TABLES);
	for (size_t i = 0; i < n; i++)
		detect_packet(one.det, &pkts[i]);
	detect_finish(one.det);
	CHECK(one.rec.n > 20);		/* the scans, their ends */
	CHECK(one.rec.n <= MAX_SEEN);
	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		setup_with(&batched, BATCH_TEST_TABLES);
		for (size_t i = 0; i < n; i += chunks[c])
			detect_batch(batched.det, &pkts[i],
				     n - i < chunks[c] ? n - i : chunks[c]);
		detect_finish(batched.det);
		CHECK_INT(batched.rec.n, one.rec.n);
		for (int i = 0; i < one.rec.n && i < batched.rec.n &&
				i < MAX_SEEN; i++) {
			CHECK_STR(batched.rec.lines[i], one.rec.lines[i]);
			CHECK_INT(batched.rec.seen[i].ts_us, one.rec.seen[i].ts_us);
			CHECK_INT(batched.rec.seen[i].probes,
				  one.rec.seen[i].probes);
		}
		teardown(&batched);
	}
	teardown(&one);
}

TEST(trw_parameters_are_options)
{
	struct fixture f;

	/* PF 0.0001: ln(0.99/0.0001) needs seven failures at step ln 4. */
	setup_with(&f, "TrwPF 0.0001\n");
	for (int i = 0; i < 6; i++)
		refused(&f, TARGET, (uint16_t)(1 + i), T0 + (uint64_t)i * 1000);
	CHECK_INT(f.rec.n, 0);
	refused(&f, TARGET, 7, T0 + 7000);
	CHECK_INT(f.rec.n, 1);
	teardown(&f);
}

int main(void)
{
	RUN(four_refused_contacts_flag_a_source);
	RUN(successes_outweigh_failures);
	RUN(benign_walk_restarts);
	RUN(unanswered_syns_fail_at_their_deadline);
	RUN(udp_unreachable_and_weak_failures);
	RUN(answered_udp_is_not_a_scan);
	RUN(stealth_probes_fail_by_nature);
	RUN(signature_names_the_tool);
	RUN(ack_probes_drawing_rst);
	RUN(alerts_name_the_interface);
	RUN(half_open_probe_is_a_failure);
	RUN(ignored_scanner_does_not_accuse_its_target);
	RUN(flood_needs_attempts_that_never_complete);
	RUN(udp_flood_and_answered_udp);
	RUN(sweep_of_one_port);
	RUN(scattered_contacts_are_not_a_scan_shape);
	RUN(slow_scan_through_the_window);
	RUN(traceroute_and_multicast_are_not_contacts);
	RUN(scan_ends_after_idle);
	RUN(spoofed_flood_cannot_evict_a_scanner);
	RUN(held_scan_ranked_by_its_probes_now);
	RUN(trw_parameters_are_options);
	RUN(batches_change_nothing);
	return unit_report(__FILE__);
}
