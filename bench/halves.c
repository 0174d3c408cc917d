/*
 * halves.c - a capture cut in two by pair of hosts, for make bench's
 * bound on what any split of the work over two cores could give.
 *
 *   halves FILE OUT0 OUT1
 *
 * Each packet of FILE (Ethernet) goes to OUT0 or OUT1 by a hash of its
 * two IP addresses that does not depend on their order, so that each half
 * holds whole conversations (a probe and its answer in the same half, as
 * scandetd's workers split them); packets without IPv4 or IPv6 go to
 * OUT0.  Prints the number of packets in each half.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ETHER_HEADER 14

struct halves {
	pcap_dumper_t *out[2];
	uint64_t n[2];
};

static uint64_t fold_bytes(const u_char *b, size_t len)
{
	uint64_t h = 0;

	for (size_t i = 0; i < len; i++)
		h = h * 31 + b[i];
	return h;
}

/* 0 or 1: the half of the packet's pair of hosts. */
static unsigned half_of(const u_char *data, uint32_t caplen)
{
	const u_char *ip = data + ETHER_HEADER;
	size_t off, len;
	uint64_t h;

	if (caplen < ETHER_HEADER + 40)
		return 0;
	if (data[12] == 0x08 && data[13] == 0x00 && (ip[0] >> 4) == 4) {
		off = 12;
		len = 4;
	} else if (data[12] == 0x86 && data[13] == 0xdd &&
		   (ip[0] >> 4) == 6) {
		off = 8;
		len = 16;
	} else {
		return 0;
	}
	/* Symmetric: the sum of the two addresses' folds, then mixed. */
	h = fold_bytes(ip + off, len) + fold_bytes(ip + off + len, len);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (unsigned)(h & 1);
}

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr,
		      const u_char *data)
{
	struct halves *hv = (struct halves *)user;
	unsigned k = half_of(data, hdr->caplen);

	pcap_dump((u_char *)hv->out[k], hdr, data);
	hv->n[k]++;
}

int main(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct halves hv;
	pcap_t *p;
	int rc = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: halves FILE OUT0 OUT1\n");
		return 2;
	}
	memset(&hv, 0, sizeof hv);
	p = pcap_open_offline_with_tstamp_precision(argv[1],
			PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!p) {
		fprintf(stderr, "halves: %s: %s\n", argv[1], ebuf);
		return 1;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		fprintf(stderr, "halves: %s: not Ethernet\n", argv[1]);
		pcap_close(p);
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		hv.out[i] = pcap_dump_open(p, argv[2 + i]);
		if (!hv.out[i]) {
			fprintf(stderr, "halves: %s\n", pcap_geterr(p));
			rc = 1;
		}
	}
	if (rc == 0 && pcap_loop(p, -1, on_packet, (u_char *)&hv) ==
			       PCAP_ERROR) {
		fprintf(stderr, "halves: %s: %s\n", argv[1], pcap_geterr(p));
		rc = 1;
	}
	for (int i = 0; i < 2; i++) {
		if (hv.out[i] && (pcap_dump_flush(hv.out[i]) != 0 ||
				  ferror(pcap_dump_file(hv.out[i])))) {
			fprintf(stderr, "halves: %s: write error\n",
				argv[2 + i]);
			rc = 1;
		}
		if (hv.out[i])
			pcap_dump_close(hv.out[i]);
	}
	pcap_close(p);
	if (rc == 0)
		printf("%llu %llu\n", (unsigned long long)hv.n[0],
		       (unsigned long long)hv.n[1]);
	return rc;
}
