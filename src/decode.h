/*
 * decode.h - bytes in, a decoded packet or a named reason out.
 *
 * The decoder is pure: no I/O, no globals, no allocation.  It reads only
 * through the bounds-checked cursor of rd.h and never past caplen.
 * Layers: link (Ethernet with 802.1Q/802.1ad, Linux cooked v1/v2, raw IP,
 * BSD loopback) -> IPv4 (RFC 791) / IPv6 (RFC 8200) -> TCP (RFC 9293),
 * UDP (RFC 768), SCTP (RFC 9260), ICMP (RFC 792) / ICMPv6 (RFC 4443,
 * with the target of neighbour discovery, RFC 4861).  Beside IP, ARP
 * (RFC 826) for IPv4 over any hardware: host discovery on a LAN is ARP.
 */
#ifndef SCANDETD_DECODE_H
#define SCANDETD_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* Link types the decoder understands (capture.c maps pcap's DLT_ values). */
enum link_type {
	LINK_ETHERNET,
	LINK_LINUX_SLL,			/* Linux cooked v1 */
	LINK_LINUX_SLL2,		/* Linux cooked v2 */
	LINK_RAW,			/* raw IPv4 or IPv6, version nibble tells */
	LINK_NULL,			/* BSD loopback, family in host byte order */
	LINK_LOOP,			/* OpenBSD loopback, family in network order */
};

/* TCP flag bits as in the 8-bit flags byte. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20
#define TH_ECE 0x40
#define TH_CWR 0x80

#define PROTO_ICMP   1
#define PROTO_TCP    6
#define PROTO_UDP    17
#define PROTO_ICMPV6 58
#define PROTO_SCTP   132
/* Not IP protocols: what an alert is about when it is not one transport.
 * 0 is IPv6's Hop-by-Hop header, never a transport; 255 is reserved
 * (RFC 5237).  Neither ever names a decoded packet's protocol. */
#define PROTO_IP     0			/* an IP protocol scan */
#define PROTO_ARP    255		/* ARP: pkt.arp */

/* ARP operations (RFC 826). */
#define ARP_REQUEST 1
#define ARP_REPLY   2

/* Why a packet was not decoded.  DEC_OK and the DEC_SKIP_ reasons are not
 * errors (a frame that is simply not IP, or a protocol we do not inspect);
 * the DEC_TRUNC_ and DEC_BAD_ reasons count malformed input: truncation
 * (the capture ended early) is told apart from a malformed value. */
enum decode_result {
	DEC_OK = 0,
	DEC_SKIP_NOT_IP,		/* ARP, LLDP, ... */
	DEC_SKIP_OTHER_PROTO,		/* IP, but not TCP/UDP/ICMP */
	DEC_SKIP_LATER_FRAGMENT,	/* IP fragment that is not the first */
	DEC_SKIP_NO_TRANSPORT,		/* IP datagram stating no transport
					 * bytes at all (nmap -sO's bare headers) */
	DEC_TRUNC_LINK,
	DEC_TRUNC_IP,
	DEC_TRUNC_IPV6_EXT,
	DEC_TRUNC_TCP,
	DEC_TRUNC_UDP,
	DEC_TRUNC_ICMP,
	DEC_TRUNC_SCTP,
	DEC_TRUNC_ARP,
	DEC_BAD_LINK,			/* unknown link type, too many VLAN tags */
	DEC_BAD_IP_VERSION,
	DEC_BAD_IP_HLEN,
	DEC_BAD_IP_LEN,			/* total length < header length */
	DEC_BAD_IPV6_EXT,		/* extension chain too long or malformed */
	DEC_BAD_TCP_HLEN,
	DEC_BAD_UDP_LEN,
	DEC_RESULT_COUNT
};

/* Stable name of a result for statistics, e.g. "decoder.ipv4.trunc". */
const char *decode_result_name(enum decode_result r);
static inline bool decode_is_malformed(enum decode_result r)
{
	return r >= DEC_TRUNC_LINK;
}

/* The part of an ICMP error message that quotes the offending packet
 * (RFC 792 / RFC 4443): who sent what to whom. */
struct quoted {
	bool valid;
	uint8_t proto;
	struct ipaddr src, dst;
	uint16_t sport, dport;
};

struct pkt {
	uint64_t ts_us;			/* packet time, set by the caller */
	uint32_t wire_len;		/* original length on the wire */

	uint8_t ipver;			/* 4 or 6 (ARP: 4) */
	uint8_t proto;			/* PROTO_TCP, PROTO_UDP, PROTO_SCTP,
					 * PROTO_ICMP, PROTO_ICMPV6; with
					 * ip_only, any; ARP: PROTO_ARP */
	uint8_t ttl;			/* TTL or hop limit */
	/* The interface it was captured on, set by the caller like ts_us:
	 * 1 + its place in the capture's list (alert_router_name_iface),
	 * 0 when unknown (a file, "any").  A byte, in what was padding. */
	uint8_t iface;
	uint16_t ip_id;			/* IPv4 identification (0 for IPv6) */
	uint16_t ip_len;		/* IP total length as stated */
	struct ipaddr src, dst;		/* ARP: sender and target
					 * protocol addresses */
	/* Only the network layer is valid: a protocol not decoded further,
	 * or a datagram without room for its transport header
	 * (DEC_SKIP_OTHER_PROTO, DEC_SKIP_NO_TRANSPORT).  Such packets go on
	 * to detection, which counts the protocols a source tries. */
	bool ip_only;
	bool arp;			/* an ARP request or reply */
	uint16_t arp_op;		/* ARP_REQUEST, ARP_REPLY */

	/* Fragments: a first fragment (offset 0, more-fragments set) carries
	 * the ports; later fragments are reported as DEC_SKIP_LATER_FRAGMENT. */
	bool fragment;			/* part of a fragmented datagram */
	uint16_t frag_payload;		/* bytes of L4 data in this fragment */
	uint32_t frag_id;		/* IPv4 identification / IPv6 fragment id */
	uint16_t frag_offset;		/* in bytes, of this fragment's data */
	bool frag_more;			/* more fragments follow */
	/* Its place in the capture, set by the caller (workers.c): which
	 * of two contacts came first when workers decide them apart. */
	uint32_t seq;
	/* The captured bytes of this fragment's data (IPv6: the fragmentable
	 * part, extension headers after the Fragment header included):
	 * valid only until the capture hands over the next packet. */
	const uint8_t *frag_data;
	uint16_t frag_caplen;
	uint8_t frag_l4_skip;		/* first fragment: bytes of such
					 * extension headers before L4 */
	/* Reassembled by frag.c from a first fragment too short to hold its
	 * transport header (RFC 1858's tiny fragments): evidence in itself. */
	bool tiny_fragment;

	uint16_t sport, dport;		/* TCP/UDP/SCTP */
	uint8_t sctp_chunk;		/* SCTP: type of the first chunk */

	/* TCP */
	uint8_t tcp_flags;		/* TH_* */
	uint8_t tcp_reserved;		/* the 4 reserved bits (incl. AE/NS) */
	uint16_t tcp_window;
	uint16_t tcp_urgptr;
	uint32_t tcp_seq, tcp_ack;
	uint8_t tcp_optlen;		/* bytes of TCP options captured */
	uint8_t tcp_opts[40];		/* copied, so pkt outlives the buffer */
	bool tcp_flags_known;		/* false for a first fragment cut
					 * before the flags byte */

	/* ICMP / ICMPv6 */
	uint8_t icmp_type, icmp_code;
	struct quoted quoted;		/* for error messages */
	/* ICMPv6 neighbour solicitation (135) and advertisement (136): the
	 * address asked for, or answered for (RFC 4861 section 4.3/4.4). */
	struct ipaddr nd_target;

	uint16_t payload_len;		/* L4 payload bytes, per the headers */
};

/*
 * Decode one captured frame.  On DEC_OK every field above that applies to
 * the protocol is filled; pkt->ts_us is left as the caller set it.
 * Never reads past caplen; frames longer than caplen are fine (only the
 * captured part is examined).
 */
enum decode_result decode_packet(enum link_type link, const uint8_t *data,
				 size_t caplen, struct pkt *pkt);

/*
 * Decode a transport header from reassembled bytes (frag.c): pkt already
 * holds the network layer (addresses, proto, ipver); data holds len bytes
 * of the transport header and after, l4len is the datagram's L4 length.
 * The packet stops being a fragment.
 */
enum decode_result decode_transport(struct pkt *pkt, const uint8_t *data,
				    size_t len, size_t l4len);

#endif
