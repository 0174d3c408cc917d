/*
 * capture.c - libpcap behind a small interface.
 *
 * Live captures are non-blocking and polled; the kernel buffer is made
 * large so that bursts (a scan is a burst) are not dropped while an alert
 * is written.
 */
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <sys/stat.h>

#include "params.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

#define CAPTURE_BUFFER_BYTES (32 * 1024 * 1024)

struct capture {
	pcap_t *pcap;
	enum link_type link;
	bool live;
	char name[256];
	uint64_t file_size;		/* a regular file's; 0: unknown */
	char *file_buffer;		/* a file's stdio buffer (after pcap) */
	uint64_t received_hi, dropped_hi, ifdropped_hi;
	uint32_t last_received, last_dropped, last_ifdropped;
};

/* What a refused capture needs, said after libpcap's reason ("socket:
 * Operation not permitted" alone does not tell an admin what to do). */
#define NEEDS_PRIVILEGE "capturing needs root or the CAP_NET_RAW capability"

/* libpcap's reason for a failed pcap_activate, and what it needs. */
static void activate_error(pcap_t *p, int rc, char *err, size_t errlen)
{
	const char *why = rc == PCAP_ERROR || rc == PCAP_ERROR_NO_SUCH_DEVICE ||
			  rc == PCAP_ERROR_PERM_DENIED ? pcap_geterr(p) :
			  pcap_statustostr(rc);

	if (rc == PCAP_ERROR_PERM_DENIED)
		snprintf(err, errlen, "%s (%s)", why, NEEDS_PRIVILEGE);
	else
		snprintf(err, errlen, "%s", why);
}

static bool map_link(int dlt, enum link_type *link)
{
	switch (dlt) {
	case DLT_EN10MB: *link = LINK_ETHERNET; return true;
	case DLT_LINUX_SLL: *link = LINK_LINUX_SLL; return true;
	case DLT_LINUX_SLL2: *link = LINK_LINUX_SLL2; return true;
	case DLT_RAW:
#ifdef DLT_IPV4
	case DLT_IPV4:
#endif
#ifdef DLT_IPV6
	case DLT_IPV6:
#endif
		*link = LINK_RAW;
		return true;
	case DLT_NULL: *link = LINK_NULL; return true;
#ifdef DLT_LOOP
	case DLT_LOOP: *link = LINK_LOOP; return true;
#endif
	}
	/* DLT_RAW is 12 on most systems but 14 on OpenBSD; files from there
	 * carry LINKTYPE_RAW (101), which libpcap maps to DLT_RAW already. */
	return false;
}

static bool apply_filter(struct capture *c, const char *filter, char *err,
			 size_t errlen)
{
	struct bpf_program prog;

	if (!filter)
		filter = "";
	if (pcap_compile(c->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "bad capture filter \"%s\": %s", filter,
			 pcap_geterr(c->pcap));
		return false;
	}
	if (pcap_setfilter(c->pcap, &prog) != 0) {
		snprintf(err, errlen, "cannot set capture filter: %s",
			 pcap_geterr(c->pcap));
		pcap_freecode(&prog);
		return false;
	}
	pcap_freecode(&prog);
	return true;
}

static struct capture *finish_open(struct capture *c, const char *filter,
				   char *err, size_t errlen)
{
	int dlt = pcap_datalink(c->pcap);

	if (!map_link(dlt, &c->link)) {
		const char *n = pcap_datalink_val_to_name(dlt);

		snprintf(err, errlen, "%s: unsupported link type %s (%d)",
			 c->name, n ? n : "?", dlt);
		capture_close(c);
		return NULL;
	}
	if (!apply_filter(c, filter, err, errlen)) {
		capture_close(c);
		return NULL;
	}
	return c;
}

/* Taken at open: fstat is not for later (the packet process is
 * sandboxed by then, and a pipe has no size anyway). */
static uint64_t file_size(FILE *f)
{
	struct stat st;

	if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	return (uint64_t)st.st_size;
}

/* The file as a stream with a buffer of CAPTURE_FILE_BUFFER, ready for
 * pcap_fopen_offline; "-": standard input, with stdio's buffer (a pipe
 * gives at most 64 KiB a read, and stdin outlives the capture). */
static FILE *open_stream(struct capture *c, const char *path, char *err,
			 size_t errlen)
{
	FILE *f;

	if (strcmp(path, "-") == 0)
		return stdin;
	f = fopen(path, "rbe");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	c->file_buffer = malloc(CAPTURE_FILE_BUFFER);
	if (!c->file_buffer ||
	    setvbuf(f, c->file_buffer, _IOFBF, CAPTURE_FILE_BUFFER) != 0) {
		/* stdio's own buffer then: slower, but the same packets. */
		free(c->file_buffer);
		c->file_buffer = NULL;
	}
	return f;
}

struct capture *capture_open_file(const char *path, const char *filter,
				  char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c = calloc(1, sizeof *c);
	FILE *f;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->name, sizeof c->name, "%s", path);
	f = open_stream(c, path, err, errlen);
	if (!f) {
		free(c);
		return NULL;
	}
	c->pcap = pcap_fopen_offline_with_tstamp_precision(f,
			PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (!c->pcap) {
		/* libpcap's message names the file already, mostly. */
		if (strncmp(ebuf, path, strlen(path)) == 0)
			snprintf(err, errlen, "%s", ebuf);
		else
			snprintf(err, errlen, "%s: %s", path, ebuf);
		if (f != stdin)
			fclose(f);
		free(c->file_buffer);
		free(c);
		return NULL;
	}
	c->file_size = file_size(pcap_file(c->pcap));
	return finish_open(c, filter, err, errlen);
}

static bool configure_live(struct capture *c, const char *iface, char *err,
			   size_t errlen)
{
	int rc;

	pcap_set_snaplen(c->pcap, CAPTURE_SNAPLEN);
	/* A sensor sees what crosses the wire, not just what is addressed to
	 * this host ("any" cannot be promiscuous; libpcap ignores it). */
	pcap_set_promisc(c->pcap, strcmp(iface, "any") != 0);
	/* Block delivery (params.h, CAPTURE_BLOCK_MS): libpcap's timeout is
	 * the time a block waits to fill. */
	pcap_set_immediate_mode(c->pcap, 0);
	pcap_set_timeout(c->pcap, CAPTURE_BLOCK_MS);
	pcap_set_buffer_size(c->pcap, CAPTURE_BUFFER_BYTES);
	pcap_set_tstamp_precision(c->pcap, PCAP_TSTAMP_PRECISION_MICRO);
	rc = pcap_activate(c->pcap);
	if (rc < 0) {
		char why[PCAP_ERRBUF_SIZE + sizeof NEEDS_PRIVILEGE + 4];

		activate_error(c->pcap, rc, why, sizeof why);
		snprintf(err, errlen, "interface %s: %s", iface, why);
		return false;
	}
	if (pcap_setnonblock(c->pcap, 1, err) != 0)
		return false;
	return true;
}

struct capture *capture_open_live(const char *iface, const char *filter,
				  char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c = calloc(1, sizeof *c);

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->name, sizeof c->name, "%s", iface);
	c->live = true;
	c->pcap = pcap_create(iface, ebuf);
	if (!c->pcap) {
		snprintf(err, errlen, "interface %s: %s", iface, ebuf);
		free(c);
		return NULL;
	}
	if (!configure_live(c, iface, err, errlen)) {
		capture_close(c);
		return NULL;
	}
	return finish_open(c, filter, err, errlen);
}

/* ---- fanout: the kernel spreads packets over several sockets -------- */

/* A classic BPF program written with named places to jump to. */
enum bpf_label {
	L_V4, L_V6, L_PAIR4, L_QUOTE4, L_PAIR6, L_QUOTE6, L_MIX, L_ZERO,
	L_NONE, L_COUNT
};

#define BPF_PROG_MAX 128	/* fanout_program takes 101 */

struct bpf_prog {
	struct sock_filter f[BPF_PROG_MAX];
	size_t n;
	size_t at[L_COUNT];			/* each label's instruction */
	uint8_t jt[BPF_PROG_MAX], jf[BPF_PROG_MAX];	/* labels, or L_NONE */
};

static void op(struct bpf_prog *p, uint16_t code, uint32_t k)
{
	if (p->n == BPF_PROG_MAX)
		abort();		/* a programming error: caught by tests */
	p->jt[p->n] = p->jf[p->n] = L_NONE;
	p->f[p->n++] = (struct sock_filter){ code, 0, 0, k };
}

/* if (A == k) goto yes else goto no (L_NONE: the next instruction). */
static void jeq(struct bpf_prog *p, uint32_t k, enum bpf_label yes,
		enum bpf_label no)
{
	op(p, BPF_JMP | BPF_JEQ | BPF_K, k);
	p->jt[p->n - 1] = (uint8_t)yes;
	p->jf[p->n - 1] = (uint8_t)no;
}

static void jump(struct bpf_prog *p, enum bpf_label to)
{
	jeq(p, 0, to, to);		/* always: both ways to the same place */
}

static void place(struct bpf_prog *p, enum bpf_label l)
{
	p->at[l] = p->n;
}

/* Jumps are forward offsets from the next instruction. */
static void link_labels(struct bpf_prog *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->jt[i] != L_NONE)
			p->f[i].jt = (uint8_t)(p->at[p->jt[i]] - i - 1);
		if (p->jf[i] != L_NONE)
			p->f[i].jf = (uint8_t)(p->at[p->jf[i]] - i - 1);
	}
}

/* Relative to the network header, where fanout programs find it
 * whatever the link type. */
#define NET(k) ((uint32_t)SKF_NET_OFF + (uint32_t)(k))

/* A ^= the 32-bit words at [from, from + 4 * words): absolute or, with
 * ind, after X. */
static void xor_words(struct bpf_prog *p, uint32_t from, unsigned words,
		      bool ind)
{
	uint16_t load = BPF_LD | BPF_W | (ind ? BPF_IND : BPF_ABS);

	op(p, load, NET(from));
	op(p, BPF_ST, 0);
	for (unsigned w = 1; w < words; w++) {
		op(p, load, NET(from + 4 * w));
		op(p, BPF_LDX | BPF_W | BPF_MEM, 0);
		op(p, BPF_ALU | BPF_XOR | BPF_X, 0);
		op(p, BPF_ST, 0);
	}
	op(p, BPF_LD | BPF_W | BPF_MEM, 0);
}

/*
 * The program that picks a packet's socket: the XOR of its two
 * addresses (the same both ways: a pair's packets meet in one worker,
 * workers.h), mixed with a random key, modulo n.  An ICMP or ICMPv6
 * error goes with the datagram it quotes, whose contact it decides.
 * Anything else (ARP, a VLAN tag the card left in place, IPv6 with
 * extension headers before ICMPv6) goes to socket 0: consistently, so
 * still correct, only less spread.
 */
static void fanout_program(struct bpf_prog *p, uint32_t key, unsigned n)
{
	memset(p, 0, sizeof *p);
	op(p, BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL);
	jeq(p, 0x0800, L_V4, L_NONE);
	jeq(p, 0x86dd, L_V6, L_ZERO);
	place(p, L_V4);			/* IPv4: ICMP? */
	op(p, BPF_LD | BPF_B | BPF_ABS, NET(9));
	jeq(p, 1, L_NONE, L_PAIR4);
	op(p, BPF_LD | BPF_B | BPF_ABS, NET(0));	/* X = header length */
	op(p, BPF_ALU | BPF_AND | BPF_K, 0x0f);
	op(p, BPF_ALU | BPF_LSH | BPF_K, 2);
	op(p, BPF_MISC | BPF_TAX, 0);
	op(p, BPF_LD | BPF_B | BPF_IND, NET(0));	/* ICMP type */
	jeq(p, 3, L_QUOTE4, L_NONE);
	jeq(p, 11, L_QUOTE4, L_PAIR4);
	place(p, L_QUOTE4);		/* the quoted header's addresses */
	xor_words(p, 8 + 12, 2, true);
	jump(p, L_MIX);
	place(p, L_PAIR4);
	xor_words(p, 12, 2, false);
	jump(p, L_MIX);
	place(p, L_V6);			/* IPv6: ICMPv6 error right after? */
	op(p, BPF_LD | BPF_B | BPF_ABS, NET(6));
	jeq(p, 58, L_NONE, L_PAIR6);
	op(p, BPF_LD | BPF_B | BPF_ABS, NET(40));
	jeq(p, 1, L_QUOTE6, L_NONE);
	jeq(p, 3, L_QUOTE6, L_PAIR6);
	place(p, L_QUOTE6);
	xor_words(p, 40 + 8 + 8, 8, false);
	jump(p, L_MIX);
	place(p, L_PAIR6);
	xor_words(p, 8, 8, false);
	place(p, L_MIX);		/* A * odd key, high bits, mod n */
	op(p, BPF_ALU | BPF_MUL | BPF_K, key | 1);
	op(p, BPF_ALU | BPF_RSH | BPF_K, 16);
	op(p, BPF_ALU | BPF_MOD | BPF_K, n);
	op(p, BPF_RET | BPF_A, 0);
	place(p, L_ZERO);
	op(p, BPF_RET | BPF_K, 0);
	link_labels(p);
}

size_t capture_fanout_program(struct sock_filter *out, size_t max,
			      uint32_t key, unsigned n)
{
	struct bpf_prog p;

	fanout_program(&p, key, n);
	if (p.n > max)
		return 0;
	memcpy(out, p.f, p.n * sizeof *out);
	return p.n;
}

bool capture_join_fanout(struct capture *c, uint16_t group, unsigned n,
			 uint32_t key, char *err, size_t errlen)
{
	struct bpf_prog p;
	struct sock_fprog prog;
	int fd = pcap_fileno(c->pcap);
	int arg = group | (PACKET_FANOUT_CBPF << 16);

	fanout_program(&p, key, n);
	prog.len = (unsigned short)p.n;
	prog.filter = p.f;
	if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) != 0) {
		snprintf(err, errlen, "interface %s: PACKET_FANOUT: %s",
			 c->name, strerror(errno));
		return false;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT_DATA, &prog,
		       sizeof prog) != 0) {
		snprintf(err, errlen, "interface %s: PACKET_FANOUT_DATA (its "
			 "program): %s", c->name, strerror(errno));
		return false;
	}
	return true;
}

enum link_type capture_link(const struct capture *c)
{
	return c->link;
}

const char *capture_name(const struct capture *c)
{
	return c->name;
}

int capture_fd(const struct capture *c)
{
	return c->live ? pcap_get_selectable_fd(c->pcap) : -1;
}

int capture_poll_limit_ms(const struct capture *c)
{
	const struct timeval *tv;
	long ms;

	if (!c->live || !(tv = pcap_get_required_select_timeout(c->pcap)))
		return -1;
	ms = tv->tv_sec > 1000 ? 1000000 :
	     (long)tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000;
	return ms < CAPTURE_DOWN_POLL_MS ? CAPTURE_DOWN_POLL_MS : (int)ms;
}

int capture_poll_timeout(struct capture *const *caps, size_t n,
			 int wait_ms)
{
	for (size_t i = 0; i < n; i++) {
		int limit = capture_poll_limit_ms(caps[i]);

		if (limit >= 0 && limit < wait_ms)
			wait_ms = limit;
	}
	return wait_ms;
}

struct dispatch_ctx {
	capture_fn fn;
	void *arg;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h,
		      const u_char *data)
{
	struct dispatch_ctx *d = (struct dispatch_ctx *)user;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;

	/* Negative times (before 1970) are not worth a special case: they
	 * wrap to far future and only affect that capture's windows. */
	d->fn(d->arg, data, h->caplen, h->len, ts);
}

int capture_dispatch(struct capture *c, int max, capture_fn fn, void *arg,
		     char *err, size_t errlen)
{
	struct dispatch_ctx d = { fn, arg };
	int n = pcap_dispatch(c->pcap, max <= 0 ? -1 : max, on_packet,
			      (u_char *)&d);

	if (n == PCAP_ERROR) {
		snprintf(err, errlen, "%s: %s", c->name, pcap_geterr(c->pcap));
		return -2;
	}
	if (n == 0 && !c->live)
		return -1;
	return n < 0 ? 0 : n;
}

bool capture_file_position(struct capture *c, uint64_t *done,
			   uint64_t *size)
{
	FILE *f = c->live ? NULL : pcap_file(c->pcap);
	off_t pos = f && c->file_size ? ftello(f) : -1;

	if (pos < 0)
		return false;
	*done = (uint64_t)pos;
	*size = c->file_size;
	return true;
}

uint64_t capture_file_size(const struct capture *c)
{
	return c->file_size;
}

bool capture_set_filter(struct capture *c, const char *filter, char *err,
			size_t errlen)
{
	return apply_filter(c, filter, err, errlen);
}

/* pcap_stats counters are 32-bit and wrap on a busy link: widen them. */
static uint64_t widen(uint32_t now, uint32_t *last, uint64_t *hi)
{
	if (now < *last)
		*hi += (uint64_t)1 << 32;
	*last = now;
	return *hi + now;
}

void capture_stats(struct capture *c, struct capture_stats *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof *st);
	if (!c->live || pcap_stats(c->pcap, &ps) != 0)
		return;
	st->valid = true;
	st->received = widen(ps.ps_recv, &c->last_received, &c->received_hi);
	st->dropped = widen(ps.ps_drop, &c->last_dropped, &c->dropped_hi);
	st->if_dropped = widen(ps.ps_ifdrop, &c->last_ifdropped,
			       &c->ifdropped_hi);
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	if (c->pcap)
		pcap_close(c->pcap);	/* closes the file, then its buffer may go */
	free(c->file_buffer);
	free(c);
}

/* The link type a filter for iface is compiled against, from the
 * interface opened as the start will open it ("any": the cooked
 * header).  Opening it also shows whether we may capture at all: a
 * start without root or CAP_NET_RAW would fail right there. */
bool capture_check_interface(const char *iface, int *dlt, char *err,
			     size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	int rc;

	if (!iface)
		iface = "any";
	p = pcap_create(iface, ebuf);
	if (!p) {
		snprintf(err, errlen, "%s", ebuf);
		return false;
	}
	rc = pcap_activate(p);
	if (rc < 0) {
		activate_error(p, rc, err, errlen);
		pcap_close(p);
		return false;
	}
	*dlt = pcap_datalink(p);
	pcap_close(p);
	return true;
}

bool capture_check_filter(int dlt, const char *filter, char *err,
			  size_t errlen)
{
	struct bpf_program prog;
	pcap_t *dead;

	if (!filter || !*filter)
		return true;
	dead = pcap_open_dead(dlt, 65535);
	if (!dead) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	if (pcap_compile(dead, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "\"%s\": %s", filter, pcap_geterr(dead));
		pcap_close(dead);
		return false;
	}
	pcap_freecode(&prog);
	pcap_close(dead);
	return true;
}
