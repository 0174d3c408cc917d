/*
 * pcap_ceiling.c - the fastest any libpcap reader can go: open the file
 * as scandetd does (a stream with a buffer of its own,
 * pcap_fopen_offline_with_tstamp_precision, microseconds) and run
 * pcap_dispatch in batches of 4096, as scandetd -r does, with a callback
 * that only counts packets and bytes.  The counts are printed so that the
 * loop cannot be optimised away.
 *
 *   pcap_ceiling [-l] FILE
 *
 * -l: let libpcap open the file (pcap_open_offline: stdio's own buffer,
 * a block), as scandetd did before it read through a larger one.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The bare loop's fastest buffer (bench/README.md, "Reading files"),
 * larger than scandetd's CAPTURE_FILE_BUFFER (params.h), which its
 * tables would push out of the cache: the ceiling is the fastest read,
 * not scandetd's way of reading. */
#define CEILING_FILE_BUFFER (256 * 1024)

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
	static char buffer[CEILING_FILE_BUFFER];
	const char *path;
	pcap_t *p;
	FILE *f;
	int n;

	if (argc == 3 && strcmp(argv[1], "-l") == 0) {
		path = argv[2];
		p = pcap_open_offline_with_tstamp_precision(path,
				PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	} else if (argc == 2) {
		path = argv[1];
		f = fopen(path, "rb");
		if (!f) {
			perror(path);
			return 1;
		}
		setvbuf(f, buffer, _IOFBF, sizeof buffer);
		p = pcap_fopen_offline_with_tstamp_precision(f,
				PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	} else {
		fprintf(stderr, "usage: pcap_ceiling [-l] FILE\n");
		return 2;
	}
	if (!p) {
		fprintf(stderr, "pcap_ceiling: %s: %s\n", path, ebuf);
		return 1;
	}
	while ((n = pcap_dispatch(p, 4096, on_packet, (u_char *)&c)) > 0)
		;
	if (n == PCAP_ERROR) {
		fprintf(stderr, "pcap_ceiling: %s: %s\n", path,
			pcap_geterr(p));
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("%llu packets %llu bytes\n", (unsigned long long)c.packets,
	       (unsigned long long)c.bytes);
	return 0;
}
