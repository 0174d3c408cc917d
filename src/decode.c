/*
 * decode.c - captured bytes to a struct pkt, or a named reason why not.
 *
 * One function per protocol, each citing its RFC.  Every byte is read
 * through the bounds-checked cursor of rd.h; nothing is cast to a struct.
 * Two lengths are kept apart throughout: what the headers *state* (a value
 * an attacker chose) and what was *captured* (the cursor).  A header that
 * contradicts the stated lengths is malformed (DEC_BAD_); one that runs
 * past the captured bytes is truncated (DEC_TRUNC_).  After the IP header
 * the cursor is clamped to the IP length so that inner layers never read
 * the link-layer trailer (Ethernet padding, an FCS).
 */
#include "decode.h"

#include <string.h>

#include "params.h"
#include "rd.h"

/* IEEE 802 / IANA ethertypes. */
#define ETHERTYPE_IPV4   0x0800
#define ETHERTYPE_IPV6   0x86dd
#define ETHERTYPE_ARP    0x0806
#define ETHERTYPE_8021Q  0x8100		/* C-tag */
#define ETHERTYPE_8021AD 0x88a8		/* S-tag (QinQ) */
#define ETHERTYPE_QINQ   0x9100		/* pre-standard QinQ */

#define ETH_HDR_LEN   14
#define SLL_HDR_LEN   16
#define SLL2_HDR_LEN  20
#define IPV4_HDR_LEN  20
#define IPV4_MF       0x2000	/* more fragments */
#define IPV6_HDR_LEN  40
#define TCP_HDR_LEN   20
#define UDP_HDR_LEN   8
#define ICMP_HDR_LEN  8		/* type, code, checksum, 4 type-specific */
#define SCTP_HDR_LEN  12	/* ports, verification tag, checksum */
#define ARP_HRD_MAX   32	/* a hardware address longer is not ARP */
/* RFC 4861: neighbour solicitation and advertisement. */
#define ICMPV6_ND_NS  135
#define ICMPV6_ND_NA  136
/* What the link layer carries, beside IPv4 (4) and IPv6 (6). */
#define NET_ARP       0x806
/* RFC 792: an error quotes the IP header plus 64 bits of the datagram. */
#define QUOTE_L4_LEN  8

/* IPv6 next-header values (IANA protocol numbers). */
#define NH_HOPOPTS  0
#define NH_ROUTING  43
#define NH_FRAGMENT 44
#define NH_ESP      50
#define NH_AH       51
#define NH_NONE     59
#define NH_DSTOPTS  60

/* BSD address families as found in DLT_NULL / DLT_LOOP headers: AF_INET
 * is 2 everywhere; AF_INET6 differs per OS (NetBSD/OpenBSD 24, FreeBSD 28,
 * Darwin 30). */
#define BSD_AF_INET          2
#define BSD_AF_INET6_BSD     24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN  30

static const char *const result_names[DEC_RESULT_COUNT] = {
	[DEC_OK]                  = "decoder.ok",
	[DEC_SKIP_NOT_IP]         = "decoder.skip.not_ip",
	[DEC_SKIP_OTHER_PROTO]    = "decoder.skip.other_proto",
	[DEC_SKIP_LATER_FRAGMENT] = "decoder.skip.later_fragment",
	[DEC_SKIP_NO_TRANSPORT]   = "decoder.skip.no_transport",
	[DEC_TRUNC_LINK]          = "decoder.link.trunc",
	[DEC_TRUNC_IP]            = "decoder.ip.trunc",
	[DEC_TRUNC_IPV6_EXT]      = "decoder.ipv6.trunc_ext",
	[DEC_TRUNC_TCP]           = "decoder.tcp.trunc",
	[DEC_TRUNC_UDP]           = "decoder.udp.trunc",
	[DEC_TRUNC_ICMP]          = "decoder.icmp.trunc",
	[DEC_TRUNC_SCTP]          = "decoder.sctp.trunc",
	[DEC_TRUNC_ARP]           = "decoder.arp.trunc",
	[DEC_BAD_LINK]            = "decoder.link.bad",
	[DEC_BAD_IP_VERSION]      = "decoder.ip.bad_version",
	[DEC_BAD_IP_HLEN]         = "decoder.ipv4.bad_hlen",
	[DEC_BAD_IP_LEN]          = "decoder.ip.bad_len",
	[DEC_BAD_IPV6_EXT]        = "decoder.ipv6.bad_ext",
	[DEC_BAD_TCP_HLEN]        = "decoder.tcp.bad_hlen",
	[DEC_BAD_UDP_LEN]         = "decoder.udp.bad_len",
};

const char *decode_result_name(enum decode_result r)
{
	/* The unsigned compare also rejects a negative value. */
	if ((unsigned)r >= DEC_RESULT_COUNT || !result_names[r])
		return "decoder.unknown";
	return result_names[r];
}

/* ---- link layer ------------------------------------------------------ */

static enum decode_result ethertype_ip(uint16_t type, int *ipver)
{
	if (type == ETHERTYPE_IPV4) {
		*ipver = 4;
		return DEC_OK;
	}
	if (type == ETHERTYPE_IPV6) {
		*ipver = 6;
		return DEC_OK;
	}
	if (type == ETHERTYPE_ARP) {
		*ipver = NET_ARP;
		return DEC_OK;
	}
	return DEC_SKIP_NOT_IP;		/* LLDP, 802.3 length, ... */
}

static bool is_vlan_tpid(uint16_t type)
{
	return type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
	       type == ETHERTYPE_QINQ;
}

/*
 * IEEE 802.1Q / 802.1ad: each tag is a 2-byte TCI followed by the next
 * ethertype.  Tags may nest (QinQ); the depth is capped because each tag
 * is attacker-chosen work, and no real network stacks more than a few.
 */
static enum decode_result vlan_tags(struct rd *r, uint16_t *type)
{
	unsigned tags = 0;
	uint16_t tci;

	while (is_vlan_tpid(*type)) {
		if (tags == MAX_VLAN_TAGS)
			return DEC_BAD_LINK;
		if (!rd_be16(r, &tci) || !rd_be16(r, type))
			return DEC_TRUNC_LINK;
		tags++;
	}
	return DEC_OK;
}

/* An ethertype (possibly VLAN-tagged) to "IPv4", "IPv6" or a reason. */
static enum decode_result link_ethertype(struct rd *r, uint16_t type,
					 int *ipver)
{
	enum decode_result res = vlan_tags(r, &type);

	if (res != DEC_OK)
		return res;
	return ethertype_ip(type, ipver);
}

/* IEEE 802.3: destination and source MAC, then the ethertype. */
static enum decode_result link_ethernet(struct rd *r, int *ipver)
{
	uint16_t type;

	if (!rd_skip(r, 12) || !rd_be16(r, &type))
		return DEC_TRUNC_LINK;
	return link_ethertype(r, type, ipver);
}

/* Linux cooked v1 (LINKTYPE_LINUX_SLL): packet type, ARPHRD type, address
 * length, 8 address bytes, then the protocol in ethertype form. */
static enum decode_result link_sll(struct rd *r, int *ipver)
{
	uint16_t proto;

	if (!rd_skip(r, SLL_HDR_LEN - 2) || !rd_be16(r, &proto))
		return DEC_TRUNC_LINK;
	return link_ethertype(r, proto, ipver);
}

/* Linux cooked v2 (LINKTYPE_LINUX_SLL2): the protocol comes first, then
 * reserved, interface index, ARPHRD type, packet type, address. */
static enum decode_result link_sll2(struct rd *r, int *ipver)
{
	uint16_t proto;

	if (!rd_be16(r, &proto) || !rd_skip(r, SLL2_HDR_LEN - 2))
		return DEC_TRUNC_LINK;
	return link_ethertype(r, proto, ipver);
}

/* Raw IP (LINKTYPE_RAW): no link header; the version nibble tells.  The
 * byte is peeked with a copy of the cursor; the IP decoder reads it again. */
static enum decode_result link_raw(const struct rd *r, int *ipver)
{
	struct rd peek = *r;
	uint8_t b;

	if (!rd_u8(&peek, &b))
		return DEC_TRUNC_IP;
	if (b >> 4 != 4 && b >> 4 != 6)
		return DEC_BAD_IP_VERSION;
	*ipver = b >> 4;
	return DEC_OK;
}

static enum decode_result bsd_family(uint32_t af, int *ipver)
{
	switch (af) {
	case BSD_AF_INET:
		*ipver = 4;
		return DEC_OK;
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		*ipver = 6;
		return DEC_OK;
	}
	return DEC_SKIP_NOT_IP;
}

/*
 * BSD loopback (LINKTYPE_NULL, a 4-byte family in the byte order of the
 * machine that captured) and OpenBSD loopback (LINKTYPE_LOOP, network
 * order).  A NULL capture may come from a machine of either byte order;
 * the families are small numbers, so both readings cannot both be valid.
 */
static enum decode_result link_bsd(struct rd *r, bool any_order, int *ipver)
{
	uint8_t b[4];
	uint32_t be, le;
	enum decode_result res;

	if (!rd_bytes(r, b, sizeof b))
		return DEC_TRUNC_LINK;
	be = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	     (uint32_t)b[2] << 8 | b[3];
	le = (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
	     (uint32_t)b[1] << 8 | b[0];
	res = bsd_family(be, ipver);
	if (res != DEC_OK && any_order)
		res = bsd_family(le, ipver);
	return res;
}

static enum decode_result decode_link(enum link_type link, struct rd *r,
				      int *ipver)
{
	switch (link) {
	case LINK_ETHERNET:
		return link_ethernet(r, ipver);
	case LINK_LINUX_SLL:
		return link_sll(r, ipver);
	case LINK_LINUX_SLL2:
		return link_sll2(r, ipver);
	case LINK_RAW:
		return link_raw(r, ipver);
	case LINK_NULL:
		return link_bsd(r, true, ipver);
	case LINK_LOOP:
		return link_bsd(r, false, ipver);
	}
	return DEC_BAD_LINK;
}

/* ---- quoted packets in ICMP errors ------------------------------------ */

/*
 * The first 8 bytes of the quoted transport header: for TCP, UDP and SCTP
 * the ports come first (RFC 9293, RFC 768, RFC 9260).  Other protocols are only named;
 * a quoted ICMP message in particular is never decoded, so an error about
 * an error cannot make us recurse.
 */
static bool quote_l4(struct rd *r, struct quoted *q)
{
	if (q->proto != PROTO_TCP && q->proto != PROTO_UDP &&
	    q->proto != PROTO_SCTP)
		return true;
	return r->left >= QUOTE_L4_LEN && rd_be16(r, &q->sport) &&
	       rd_be16(r, &q->dport);
}

/* RFC 792: an ICMP error quotes "the internet header plus the first 64
 * bits of the original data datagram".  Any shortfall: not valid. */
static void quote_ipv4(struct rd *r, struct quoted *out)
{
	struct quoted q = { .valid = false };
	uint8_t vihl, tos, ttl, src[4], dst[4];
	uint16_t tot, id, frag, sum;
	size_t hlen;

	if (!rd_u8(r, &vihl) || !rd_u8(r, &tos) || !rd_be16(r, &tot) ||
	    !rd_be16(r, &id) || !rd_be16(r, &frag) || !rd_u8(r, &ttl) ||
	    !rd_u8(r, &q.proto) || !rd_be16(r, &sum) ||
	    !rd_bytes(r, src, 4) || !rd_bytes(r, dst, 4))
		return;
	hlen = (size_t)(vihl & 0x0f) * 4;
	if (vihl >> 4 != 4 || hlen < IPV4_HDR_LEN || tot < hlen)
		return;
	rd_clamp(r, tot - IPV4_HDR_LEN);
	if (!rd_skip(r, hlen - IPV4_HDR_LEN))
		return;
	/* A later fragment's data is not a transport header. */
	if ((frag & 0x1fff) != 0)
		return;
	if (!quote_l4(r, &q))
		return;
	addr_from_v4(&q.src, src);
	addr_from_v4(&q.dst, dst);
	q.valid = true;
	*out = q;
}

/* What an IPv6 extension-header walk found. */
struct ip6_chain {
	uint32_t frag_id;
	uint16_t frag_offset;	/* bytes */
	bool frag_more;
	/* Where the fragmentable part starts (right after the Fragment
	 * header), how much of it was captured and stated. */
	const uint8_t *frag_start;
	size_t frag_left, frag_stated;
	uint8_t nxt;		/* first header that is not an extension */
	size_t stated;		/* bytes left per the payload length */
	bool first_frag;	/* Fragment header, offset 0, M set */
	bool later_frag;	/* Fragment header, offset != 0 */
};

static bool is_ipv6_ext(uint8_t nh)
{
	return nh == NH_HOPOPTS || nh == NH_ROUTING || nh == NH_FRAGMENT ||
	       nh == NH_AH || nh == NH_DSTOPTS;
}

/* RFC 8200 section 4.5: the Fragment header is 8 bytes: next header,
 * reserved, 13-bit offset + 2 reserved bits + M, identification.  It was
 * read up to its second byte by the caller. */
static enum decode_result ipv6_fragment(struct rd *r, struct ip6_chain *c)
{
	uint16_t offm;

	if (!rd_be16(r, &offm) || !rd_be32(r, &c->frag_id))
		return DEC_TRUNC_IPV6_EXT;
	c->frag_offset = (uint16_t)(offm & 0xfff8);
	c->frag_more = offm & 1;
	if (offm >> 3 != 0)
		c->later_frag = true;
	else if (offm & 1)
		c->first_frag = true;
	/* offset 0 without M is an atomic fragment (RFC 6946): whole. */
	return DEC_OK;
}

/*
 * RFC 8200 section 4: walk Hop-by-Hop, Routing, Fragment, Destination
 * Options and AH (RFC 4302, whose length is in 4-byte units minus 2) up
 * to the first header that is none of these.  The chain length is capped
 * (each header is attacker-chosen work).  A header longer than the stated
 * payload is malformed; one longer than the capture is truncated.  After
 * a later fragment's header the rest is not ours to parse.
 */
static enum decode_result ipv6_ext_chain(struct rd *r, struct ip6_chain *c)
{
	unsigned n;
	uint8_t nh, len8;
	size_t len;
	enum decode_result res;

	for (n = 0; is_ipv6_ext(c->nxt) && !c->later_frag; n++) {
		if (n == MAX_IPV6_EXT_HEADERS)
			return DEC_BAD_IPV6_EXT;
		/* Section 4.3: Hop-by-Hop only right after the IPv6 header. */
		if (c->nxt == NH_HOPOPTS && n != 0)
			return DEC_BAD_IPV6_EXT;
		if (c->stated < 2)
			return DEC_BAD_IPV6_EXT;
		if (!rd_u8(r, &nh) || !rd_u8(r, &len8))
			return DEC_TRUNC_IPV6_EXT;
		if (c->nxt == NH_FRAGMENT)
			len = 8;
		else if (c->nxt == NH_AH)
			len = ((size_t)len8 + 2) * 4;
		else
			len = ((size_t)len8 + 1) * 8;
		if (len > c->stated)
			return DEC_BAD_IPV6_EXT;
		if (c->nxt == NH_FRAGMENT)
			res = ipv6_fragment(r, c);
		else
			res = rd_skip(r, len - 2) ? DEC_OK : DEC_TRUNC_IPV6_EXT;
		if (res != DEC_OK)
			return res;
		c->stated -= len;
		if (c->nxt == NH_FRAGMENT) {
			c->frag_start = r->p;
			c->frag_left = r->left;
			c->frag_stated = c->stated;
		}
		c->nxt = nh;
	}
	return DEC_OK;
}

/* RFC 4443 section 2.4: an ICMPv6 error quotes as much of the invoking
 * packet as fits; we need its header, extension headers and 8 bytes. */
static void quote_ipv6(struct rd *r, struct quoted *out)
{
	struct quoted q = { .valid = false };
	struct ip6_chain c = { 0 };
	uint8_t hlim, src[16], dst[16];
	uint16_t plen;
	uint32_t vtcfl;

	if (!rd_be32(r, &vtcfl) || !rd_be16(r, &plen) || !rd_u8(r, &c.nxt) ||
	    !rd_u8(r, &hlim) || !rd_bytes(r, src, 16) || !rd_bytes(r, dst, 16))
		return;
	if (vtcfl >> 28 != 6 || plen == 0)
		return;
	rd_clamp(r, plen);
	c.stated = plen;
	if (ipv6_ext_chain(r, &c) != DEC_OK || c.later_frag)
		return;
	q.proto = c.nxt;
	if (!quote_l4(r, &q))
		return;
	addr_from_v6(&q.src, src);
	addr_from_v6(&q.dst, dst);
	q.valid = true;
	*out = q;
}

/* ---- transport --------------------------------------------------------- */

static uint16_t saturating_sub(size_t a, size_t b)
{
	if (a <= b)
		return 0;
	a -= b;
	return a > UINT16_MAX ? UINT16_MAX : (uint16_t)a;
}

/*
 * A first fragment may end inside the TCP header: fragments carry
 * multiples of 8 bytes, and nmap -f sends 8 (ports and sequence number,
 * no flags) or 16 (flags too, no checksum).  Report the ports with
 * tcp_flags_known telling whether the flags byte was there.  Fewer than
 * 8 bytes is the RFC 1858 tiny-fragment pattern: no ports, truncated.
 * l4len < TCP_HDR_LEN here.
 */
static enum decode_result tcp_first_fragment(struct rd *r, struct pkt *pkt,
					     size_t l4len)
{
	uint8_t off;

	if (l4len < 8 || r->left < l4len)
		return DEC_TRUNC_TCP;
	if (!rd_be16(r, &pkt->sport) || !rd_be16(r, &pkt->dport) ||
	    !rd_be32(r, &pkt->tcp_seq))
		return DEC_TRUNC_TCP;
	if (l4len >= 16 && rd_be32(r, &pkt->tcp_ack) && rd_u8(r, &off) &&
	    rd_u8(r, &pkt->tcp_flags) && rd_be16(r, &pkt->tcp_window)) {
		if (off >> 4 < 5)
			return DEC_BAD_TCP_HLEN;
		pkt->tcp_reserved = off & 0x0f;
		pkt->tcp_flags_known = true;
	}
	pkt->payload_len = 0;
	return DEC_OK;
}

/*
 * RFC 9293 section 3.1.  The options are copied as far as captured (a
 * snaplen may cut them; the fixed 20 bytes are what we must have).  The
 * cursor is already clamped to the IP length, so the options can never
 * be read from a link trailer.
 */
static enum decode_result decode_tcp(struct rd *r, struct pkt *pkt,
				     size_t l4len)
{
	const uint8_t *h;
	uint8_t off;
	size_t hlen, optlen;

	if (pkt->fragment && l4len < TCP_HDR_LEN)
		return tcp_first_fragment(r, pkt, l4len);
	h = rd_take(r, TCP_HDR_LEN);
	if (!h)
		return DEC_TRUNC_TCP;
	/* Ports, sequence and acknowledgment numbers, data offset, flags,
	 * window, checksum, urgent pointer. */
	pkt->sport = rd_get_be16(h);
	pkt->dport = rd_get_be16(h + 2);
	pkt->tcp_seq = rd_get_be32(h + 4);
	pkt->tcp_ack = rd_get_be32(h + 8);
	off = h[12];
	pkt->tcp_flags = h[13];
	pkt->tcp_window = rd_get_be16(h + 14);
	pkt->tcp_urgptr = rd_get_be16(h + 18);
	hlen = (size_t)(off >> 4) * 4;
	if (hlen < TCP_HDR_LEN)
		return DEC_BAD_TCP_HLEN;
	pkt->tcp_reserved = off & 0x0f;
	pkt->tcp_flags_known = true;
	optlen = hlen - TCP_HDR_LEN;
	if (optlen > r->left)
		optlen = r->left;
	if (optlen > sizeof pkt->tcp_opts)
		optlen = sizeof pkt->tcp_opts;
	if (!rd_bytes(r, pkt->tcp_opts, optlen))
		return DEC_TRUNC_TCP;	/* cannot happen: optlen <= left */
	pkt->tcp_optlen = (uint8_t)optlen;
	pkt->payload_len = saturating_sub(l4len, hlen);
	return DEC_OK;
}

/*
 * RFC 768.  The length covers header and data, so it is at least 8; zero
 * would only be legal in an IPv6 jumbogram (RFC 2675), which we do not
 * take.  A whole datagram's length cannot exceed what IP carries (the
 * kernel drops such a datagram); in a first fragment it naturally does.
 */
static enum decode_result decode_udp(struct rd *r, struct pkt *pkt,
				     size_t l4len)
{
	const uint8_t *h = rd_take(r, UDP_HDR_LEN);
	uint16_t ulen;

	if (!h)
		return DEC_TRUNC_UDP;
	/* Ports, length, checksum. */
	pkt->sport = rd_get_be16(h);
	pkt->dport = rd_get_be16(h + 2);
	ulen = rd_get_be16(h + 4);
	if (ulen < UDP_HDR_LEN)
		return DEC_BAD_UDP_LEN;
	if (!pkt->fragment && ulen > l4len)
		return DEC_BAD_UDP_LEN;
	pkt->payload_len = (uint16_t)(ulen - UDP_HDR_LEN);
	return DEC_OK;
}

/*
 * RFC 9260 section 3: the common header (ports, verification tag,
 * checksum), then chunks.  The first chunk's type tells an association's
 * start (INIT, 1) from a scanner's COOKIE ECHO (10) or ABORT (6); a
 * packet of the common header alone names chunk type 0xff (reserved).
 */
static enum decode_result decode_sctp(struct rd *r, struct pkt *pkt,
				      size_t l4len)
{
	uint32_t vtag, sum;

	if (!rd_be16(r, &pkt->sport) || !rd_be16(r, &pkt->dport) ||
	    !rd_be32(r, &vtag) || !rd_be32(r, &sum))
		return DEC_TRUNC_SCTP;
	if (!rd_u8(r, &pkt->sctp_chunk))
		pkt->sctp_chunk = 0xff;
	pkt->payload_len = saturating_sub(l4len, SCTP_HDR_LEN);
	return DEC_OK;
}

/* RFC 792: the error messages, which quote the offending datagram. */
static bool icmp_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 ||
	       type == 12;
}

/* RFC 4443 section 2.1: types 1-4 are the defined error messages. */
static bool icmpv6_is_error(uint8_t type)
{
	return type >= 1 && type <= 4;
}

/* RFC 4861 sections 4.3 and 4.4: after the 4 reserved/flag bytes, the
 * target address.  A message cut before it names none (all zeros). */
static void nd_target(struct rd *r, struct pkt *pkt)
{
	uint8_t t[16];

	if (rd_bytes(r, t, sizeof t))
		addr_from_v6(&pkt->nd_target, t);
}

/*
 * RFC 792 (ICMP) and RFC 4443 (ICMPv6) share the layout: type, code,
 * checksum, 4 bytes that depend on the type, then for errors the quoted
 * packet.  A quote that is cut short is not an error of this packet.
 */
static enum decode_result decode_icmp(struct rd *r, struct pkt *pkt,
				      size_t l4len)
{
	uint16_t sum;
	uint32_t rest;

	if (!rd_u8(r, &pkt->icmp_type) || !rd_u8(r, &pkt->icmp_code) ||
	    !rd_be16(r, &sum) || !rd_be32(r, &rest))
		return DEC_TRUNC_ICMP;
	pkt->payload_len = saturating_sub(l4len, ICMP_HDR_LEN);
	if (pkt->ipver == 4 && icmp_is_error(pkt->icmp_type))
		quote_ipv4(r, &pkt->quoted);
	else if (pkt->ipver == 6 && icmpv6_is_error(pkt->icmp_type))
		quote_ipv6(r, &pkt->quoted);
	else if (pkt->ipver == 6 && (pkt->icmp_type == ICMPV6_ND_NS ||
				     pkt->icmp_type == ICMPV6_ND_NA))
		nd_target(r, pkt);
	return DEC_OK;
}

/* The transport header; ICMP only in IPv4, ICMPv6 only in IPv6.  A
 * datagram that states no transport bytes (nmap -sO sends bare IP
 * headers) or carries a protocol we do not read still says who tried
 * which protocol on whom: ip_only. */
static enum decode_result decode_l4(struct rd *r, struct pkt *pkt,
				    size_t l4len)
{
	if (l4len == 0 && !pkt->fragment) {
		pkt->ip_only = true;
		return DEC_SKIP_NO_TRANSPORT;
	}
	switch (pkt->proto) {
	case PROTO_TCP:
		return decode_tcp(r, pkt, l4len);
	case PROTO_UDP:
		return decode_udp(r, pkt, l4len);
	case PROTO_SCTP:
		return decode_sctp(r, pkt, l4len);
	case PROTO_ICMP:
		if (pkt->ipver == 4)
			return decode_icmp(r, pkt, l4len);
		break;
	case PROTO_ICMPV6:
		if (pkt->ipver == 6)
			return decode_icmp(r, pkt, l4len);
		break;
	}
	pkt->ip_only = true;
	return DEC_SKIP_OTHER_PROTO;
}

/* ---- network ----------------------------------------------------------- */

/*
 * RFC 791 section 3.1.  Checks in the order: fixed header captured,
 * version, IHL, total length covers the header; then the cursor is
 * clamped to the total length.  Fewer captured bytes than the total
 * length is a snaplen, not an error, as long as the headers are there.
 */
static enum decode_result decode_ipv4(struct rd *r, struct pkt *pkt)
{
	const uint8_t *h = rd_take(r, IPV4_HDR_LEN);
	uint8_t vihl, ttl, proto;
	uint16_t tot, id, frag;
	size_t hlen, l4len;

	if (!h)
		return DEC_TRUNC_IP;
	/* Version and IHL, TOS, total length, identification, flags and
	 * offset, TTL, protocol, checksum, source, destination. */
	vihl = h[0];
	tot = rd_get_be16(h + 2);
	id = rd_get_be16(h + 4);
	frag = rd_get_be16(h + 6);
	ttl = h[8];
	proto = h[9];
	if (vihl >> 4 != 4)
		return DEC_BAD_IP_VERSION;
	hlen = (size_t)(vihl & 0x0f) * 4;
	if (hlen < IPV4_HDR_LEN)
		return DEC_BAD_IP_HLEN;
	if (tot < hlen)
		return DEC_BAD_IP_LEN;
	rd_clamp(r, tot - IPV4_HDR_LEN);

	pkt->ipver = 4;
	pkt->proto = proto;
	pkt->ttl = ttl;
	pkt->ip_id = id;
	pkt->ip_len = tot;
	addr_from_v4(&pkt->src, h + 12);
	addr_from_v4(&pkt->dst, h + 16);

	/* Options are not interpreted; IHL says how far to skip. */
	if (!rd_skip(r, hlen - IPV4_HDR_LEN))
		return DEC_TRUNC_IP;
	l4len = tot - hlen;

	/* Flags (reserved, DF, MF), then the offset in 8-byte units.  Only
	 * the first fragment holds the transport header. */
	if ((frag & 0x1fff) != 0 || (frag & IPV4_MF) != 0) {
		pkt->fragment = true;
		pkt->frag_payload = (uint16_t)l4len;
		pkt->frag_id = id;
		pkt->frag_offset = (uint16_t)((frag & 0x1fff) * 8);
		pkt->frag_more = (frag & IPV4_MF) != 0;
		pkt->frag_data = r->p;
		pkt->frag_caplen = (uint16_t)(r->left < l4len ? r->left : l4len);
	}
	if ((frag & 0x1fff) != 0)
		return DEC_SKIP_LATER_FRAGMENT;
	return decode_l4(r, pkt, l4len);
}

/*
 * RFC 8200 section 3: the fixed 40-byte header, then the extension
 * chain.  A payload length of 0 means a jumbogram (RFC 2675), which we do
 * not support, unless nothing follows at all (next header 59).
 */
static enum decode_result decode_ipv6(struct rd *r, struct pkt *pkt)
{
	struct ip6_chain c = { 0 };
	uint8_t hlim, src[16], dst[16];
	uint16_t plen;
	uint32_t vtcfl;
	enum decode_result res;

	if (!rd_be32(r, &vtcfl) || !rd_be16(r, &plen) || !rd_u8(r, &c.nxt) ||
	    !rd_u8(r, &hlim) || !rd_bytes(r, src, 16) || !rd_bytes(r, dst, 16))
		return DEC_TRUNC_IP;
	if (vtcfl >> 28 != 6)
		return DEC_BAD_IP_VERSION;
	if (plen == 0 && c.nxt != NH_NONE)
		return DEC_BAD_IP_LEN;
	rd_clamp(r, plen);

	pkt->ipver = 6;
	pkt->ttl = hlim;
	/* 40 + 65535 does not fit ip_len; such a length saturates. */
	pkt->ip_len = plen > UINT16_MAX - IPV6_HDR_LEN ?
		      UINT16_MAX : (uint16_t)(IPV6_HDR_LEN + plen);
	addr_from_v6(&pkt->src, src);
	addr_from_v6(&pkt->dst, dst);

	c.stated = plen;
	res = ipv6_ext_chain(r, &c);
	pkt->proto = c.nxt;
	if (res != DEC_OK)
		return res;
	if (c.first_frag || c.later_frag) {
		/* Offsets count from the start of the fragmentable part, which
		 * may begin with Destination Options or AH (section 4.5). */
		pkt->fragment = true;
		pkt->frag_payload = (uint16_t)c.frag_stated;
		pkt->frag_id = c.frag_id;
		pkt->frag_offset = c.frag_offset;
		pkt->frag_more = c.frag_more;
		pkt->frag_data = c.frag_start;
		pkt->frag_caplen = (uint16_t)(c.frag_left < c.frag_stated ?
					      c.frag_left : c.frag_stated);
		pkt->frag_l4_skip = (uint8_t)(r->p - c.frag_start);
		if (c.later_frag)
			return DEC_SKIP_LATER_FRAGMENT;
	}
	/* ESP (RFC 4303) and No Next Header end what we can read. */
	return decode_l4(r, pkt, c.stated);
}

/*
 * RFC 826: hardware type, protocol type, the two address lengths, the
 * operation, then sender and target hardware and protocol addresses.
 * Only IPv4's ARP (protocol 0x0800, 4-byte addresses) and only requests
 * and replies are ours; RARP and InARP are not host discovery.
 */
static enum decode_result decode_arp(struct rd *r, struct pkt *pkt)
{
	uint16_t hrd, pro, op;
	uint8_t hln, pln, spa[4], tpa[4];

	if (!rd_be16(r, &hrd) || !rd_be16(r, &pro) || !rd_u8(r, &hln) ||
	    !rd_u8(r, &pln) || !rd_be16(r, &op))
		return DEC_TRUNC_ARP;
	if (pro != ETHERTYPE_IPV4 || pln != 4 || hln > ARP_HRD_MAX ||
	    (op != ARP_REQUEST && op != ARP_REPLY))
		return DEC_SKIP_NOT_IP;
	if (!rd_skip(r, hln) || !rd_bytes(r, spa, 4) || !rd_skip(r, hln) ||
	    !rd_bytes(r, tpa, 4))
		return DEC_TRUNC_ARP;
	pkt->arp = true;
	pkt->arp_op = op;
	pkt->ipver = 4;
	pkt->proto = PROTO_ARP;
	addr_from_v4(&pkt->src, spa);
	addr_from_v4(&pkt->dst, tpa);
	return DEC_OK;
}

enum decode_result decode_transport(struct pkt *pkt, const uint8_t *data,
				    size_t len, size_t l4len)
{
	struct rd r;

	pkt->fragment = false;
	pkt->frag_data = NULL;
	pkt->frag_caplen = 0;
	rd_init(&r, data, len);
	rd_clamp(&r, l4len);
	return decode_l4(&r, pkt, l4len);
}

enum decode_result decode_packet(enum link_type link, const uint8_t *data,
				 size_t caplen, struct pkt *pkt)
{
	/* The caller's fields survive the reset: the time, and the wire
	 * length in case the caller set it before calling. */
	uint64_t ts_us = pkt->ts_us;
	uint32_t wire_len = pkt->wire_len;
	struct rd r;
	enum decode_result res;
	int ipver = 0;

	memset(pkt, 0, sizeof *pkt);
	pkt->ts_us = ts_us;
	pkt->wire_len = wire_len;
	rd_init(&r, data, data ? caplen : 0);

	res = decode_link(link, &r, &ipver);
	if (res != DEC_OK)
		return res;
	switch (ipver) {
	case 4:
		return decode_ipv4(&r, pkt);
	case 6:
		return decode_ipv6(&r, pkt);
	default:
		return decode_arp(&r, pkt);
	}
}
