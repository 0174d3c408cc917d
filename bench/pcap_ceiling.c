/*
 * pcap_ceiling.c - the fastest any libpcap reader can go: open the file
 * as scandetd does (pcap_open_offline_with_tstamp_precision, microseconds)
 * and run pcap_dispatch in batches of 4096, as scandetd -r does, with a
 * callback that only counts packets and bytes.  The counts are printed so
 * that the loop cannot be optimised away.
 *
 *   pcap_ceiling FILE
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

struct count {
	uint64_t packets;
	uint64_t bytes;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h,
		      const u_char *data)
{
	struct count *c = (struct count *)user;

	(void)data;
	c->packets++;
	c->bytes += h->caplen;
}

int main(int argc, char **argv)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct count c = { 0, 0 };
	pcap_t *p;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_ceiling FILE\n");
		return 2;
	}
	p = pcap_open_offline_with_tstamp_precision(argv[1],
			PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!p) {
		fprintf(stderr, "pcap_ceiling: %s: %s\n", argv[1], ebuf);
		return 1;
	}
	while ((n = pcap_dispatch(p, 4096, on_packet, (u_char *)&c)) > 0)
		;
	if (n == PCAP_ERROR) {
		fprintf(stderr, "pcap_ceiling: %s: %s\n", argv[1],
			pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("%llu packets %llu bytes\n", (unsigned long long)c.packets,
	       (unsigned long long)c.bytes);
	return 0;
}
