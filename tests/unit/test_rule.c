/* test_rule.c - host rules: parsing, errors, matching, printing. */
#include <stdlib.h>

#include "params.h"
#include "rule.h"
#include "unit.h"

static char err[512];

/* Parse text into a fresh list; the list is freed by the caller. */
static bool parse(const char *text, struct rule_list *list)
{
	err[0] = '\0';
	return rule_parse(text, list, err, sizeof err);
}

/* The error message of a text that must fail, or "(parsed)" if it did not. */
static const char *parse_error(const char *text)
{
	struct rule_list list = { 0 };
	bool ok = parse(text, &list);

	CHECK_INT(list.n, 0);
	rule_list_free(&list);
	return ok ? "(parsed)" : err;
}

static struct ipaddr ip(const char *s)
{
	struct ipaddr a;

	memset(&a, 0, sizeof a);
	if (!addr_parse(s, &a))
		printf("test bug: bad address %s\n", s);
	return a;
}

static bool match(const struct rule_list *list, const char *src,
		  unsigned sport, const char *dst, unsigned dport)
{
	struct ipaddr s = ip(src), d = ip(dst);

	return rule_list_match(list, &s, (uint16_t)sport, &d,
			       (uint16_t)dport);
}

/* Text of the whole list as rule_list_print writes it. */
static char *printed(const struct rule_list *list)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	rule_list_print(list, f);
	fclose(f);
	return buf;
}

/* Parse text alone and compare what it prints with want. */
static void check_prints(const char *text, const char *want)
{
	struct rule_list list = { 0 };
	char *out;

	CHECK(parse(text, &list));
	out = printed(&list);
	CHECK_STR(out, want);
	free(out);
	rule_list_free(&list);
}

static char *repeat(const char *head, const char *unit, size_t n,
		    const char *tail)
{
	size_t len = strlen(head) + strlen(unit) * n + strlen(tail) + 1;
	char *s = malloc(len), *p = s;
	size_t i;

	p += sprintf(p, "%s", head);
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s", unit);
	sprintf(p, "%s", tail);
	return s;
}

/* ---- parsing ---------------------------------------------------------- */

TEST(host_only)
{
	struct rule_list list = { 0 };

	CHECK(parse("192.0.2.7", &list));
	CHECK_INT(list.n, 1);
	CHECK(list.rules[0].src.net.v4);
	CHECK_INT(list.rules[0].src.net.plen, 32);
	CHECK_INT(list.rules[0].src.nranges, 0);
	CHECK(!list.rules[0].has_dst);
	CHECK(match(&list, "192.0.2.7", 1, "198.51.100.1", 80));
	CHECK(match(&list, "192.0.2.7", 0, "::1", 65535));
	CHECK(!match(&list, "192.0.2.8", 1, "198.51.100.1", 80));
	rule_list_free(&list);
	CHECK_INT(list.n, 0);
	CHECK(list.rules == NULL);
}

TEST(full_rule)
{
	struct rule_list list = { 0 };
	const struct host_rule *r;

	CHECK(parse("192.168.1.0/24:1024-65535 -> 192.168.1.1:1-1024,3306",
		    &list));
	CHECK_INT(list.n, 1);
	r = &list.rules[0];
	CHECK_INT(r->src.net.plen, 24);
	CHECK_INT(r->src.nranges, 1);
	CHECK_INT(r->src.ranges[0].lo, 1024);
	CHECK_INT(r->src.ranges[0].hi, 65535);
	CHECK(r->has_dst);
	CHECK_INT(r->dst.net.plen, 32);
	CHECK_INT(r->dst.nranges, 2);
	CHECK_INT(r->dst.ranges[0].lo, 1);
	CHECK_INT(r->dst.ranges[0].hi, 1024);
	CHECK_INT(r->dst.ranges[1].lo, 3306);
	CHECK_INT(r->dst.ranges[1].hi, 3306);
	CHECK(match(&list, "192.168.1.77", 1024, "192.168.1.1", 1));
	CHECK(match(&list, "192.168.1.77", 65535, "192.168.1.1", 3306));
	CHECK(!match(&list, "192.168.1.77", 1023, "192.168.1.1", 22));
	CHECK(!match(&list, "192.168.1.77", 2000, "192.168.1.1", 1025));
	CHECK(!match(&list, "192.168.1.77", 2000, "192.168.1.2", 22));
	CHECK(!match(&list, "192.168.2.77", 2000, "192.168.1.1", 22));
	rule_list_free(&list);
}

TEST(zero_forms)
{
	struct rule_list list = { 0 };

	/* "0/0": any IPv4 address, the original's idiom. */
	CHECK(parse("0/0", &list));
	CHECK(list.rules[0].src.net.v4);
	CHECK_INT(list.rules[0].src.net.plen, 0);
	CHECK(match(&list, "203.0.113.9", 5, "198.51.100.1", 80));
	CHECK(match(&list, "255.255.255.255", 5, "198.51.100.1", 80));
	CHECK(!match(&list, "2001:db8::1", 5, "2001:db8::2", 80));
	rule_list_free(&list);

	/* "0" alone is the host 0.0.0.0. */
	CHECK(parse("0", &list));
	CHECK_INT(list.rules[0].src.net.plen, 32);
	CHECK(match(&list, "0.0.0.0", 5, "198.51.100.1", 80));
	CHECK(!match(&list, "0.0.0.1", 5, "198.51.100.1", 80));
	rule_list_free(&list);

	CHECK(parse("0.0.0.0/0", &list));
	CHECK(match(&list, "10.1.2.3", 5, "198.51.100.1", 80));
	rule_list_free(&list);
}

/* Only "0" is taken as an inet_aton short form; see parse_ipv4_text. */
TEST(short_ipv4_forms_refused)
{
	CHECK_STR(parse_error("127.1"), "bad address \"127.1\" (write all "
		  "four numbers; only \"0\" may be shortened)");
	CHECK_STR(parse_error("10.1.2"), "bad address \"10.1.2\" (write all "
		  "four numbers; only \"0\" may be shortened)");
	CHECK_STR(parse_error("192.168.1/24"), "bad address \"192.168.1\" "
		  "(write all four numbers; only \"0\" may be shortened)");
	CHECK_STR(parse_error("2130706433"), "bad address \"2130706433\" "
		  "(write all four numbers; only \"0\" may be shortened)");
	/* inet_aton read a leading 0 as octal; we do not guess. */
	CHECK_STR(parse_error("010.0.0.1"), "bad address \"010.0.0.1\"");
	CHECK_STR(parse_error("0x7f.0.0.1"), "bad address \"0x7f.0.0.1\"");
	CHECK_STR(parse_error("00"), "bad address \"00\" (write all "
		  "four numbers; only \"0\" may be shortened)");
}

TEST(mask_clears_host_bits)
{
	struct rule_list list = { 0 };
	char buf[ADDR_STR_MAX];

	CHECK(parse("192.168.1.77/24", &list));
	CHECK_STR(addr_to_str(&list.rules[0].src.net.net, buf, sizeof buf),
		  "192.168.1.0");
	CHECK(match(&list, "192.168.1.200", 1, "10.0.0.1", 1));
	CHECK(!match(&list, "192.168.0.77", 1, "10.0.0.1", 1));
	rule_list_free(&list);

	CHECK(parse("127.0.0.1/8", &list));
	CHECK_STR(addr_to_str(&list.rules[0].src.net.net, buf, sizeof buf),
		  "127.0.0.0");
	CHECK(match(&list, "127.255.0.3", 1, "10.0.0.1", 1));
	rule_list_free(&list);

	CHECK(parse("[2001:db8:1:2:3:4:5:6]/48", &list));
	CHECK_STR(addr_to_str(&list.rules[0].src.net.net, buf, sizeof buf),
		  "2001:db8:1::");
	CHECK(match(&list, "2001:db8:1:ffff::1", 1, "::1", 1));
	CHECK(!match(&list, "2001:db8:2::1", 1, "::1", 1));
	rule_list_free(&list);
}

TEST(prefix_lengths)
{
	struct rule_list list = { 0 };

	CHECK(parse("10.0.0.1/32", &list));
	CHECK(match(&list, "10.0.0.1", 1, "10.0.0.2", 1));
	CHECK(!match(&list, "10.0.0.0", 1, "10.0.0.2", 1));
	rule_list_free(&list);

	CHECK(parse("10.0.0.1/31", &list));
	CHECK(match(&list, "10.0.0.0", 1, "10.0.0.2", 1));
	CHECK(!match(&list, "10.0.0.2", 1, "10.0.0.2", 1));
	rule_list_free(&list);

	CHECK(parse("128.0.0.0/1", &list));
	CHECK(match(&list, "200.1.1.1", 1, "10.0.0.2", 1));
	CHECK(!match(&list, "127.255.255.255", 1, "10.0.0.2", 1));
	rule_list_free(&list);

	CHECK(parse("[2001:db8::1]/128", &list));
	CHECK_INT(list.rules[0].src.net.plen, 128);
	CHECK(match(&list, "2001:db8::1", 1, "::1", 1));
	CHECK(!match(&list, "2001:db8::2", 1, "::1", 1));
	rule_list_free(&list);

	CHECK(parse("[2001:db8::1]", &list));
	CHECK_INT(list.rules[0].src.net.plen, 128);
	rule_list_free(&list);

	CHECK(parse("[::]/0", &list));
	CHECK_INT(list.rules[0].src.net.plen, 0);
	CHECK(!list.rules[0].src.net.v4);
	CHECK(match(&list, "2001:db8::1", 1, "::1", 1));
	CHECK(match(&list, "::", 1, "::1", 1));
	CHECK(!match(&list, "192.0.2.1", 1, "192.0.2.2", 1));
	rule_list_free(&list);

	/* Masks are decimal; leading zeros are harmless. */
	CHECK(parse("10.0.0.0/08", &list));
	CHECK_INT(list.rules[0].src.net.plen, 8);
	rule_list_free(&list);
}

TEST(ports_and_boundaries)
{
	struct rule_list list = { 0 };

	CHECK(parse("0/0:0", &list));
	CHECK(match(&list, "1.1.1.1", 0, "2.2.2.2", 9));
	CHECK(!match(&list, "1.1.1.1", 1, "2.2.2.2", 9));
	rule_list_free(&list);

	CHECK(parse("0/0:65535", &list));
	CHECK(match(&list, "1.1.1.1", 65535, "2.2.2.2", 9));
	CHECK(!match(&list, "1.1.1.1", 65534, "2.2.2.2", 9));
	rule_list_free(&list);

	CHECK(parse("0/0:0-65535", &list));
	CHECK(match(&list, "1.1.1.1", 0, "2.2.2.2", 9));
	CHECK(match(&list, "1.1.1.1", 65535, "2.2.2.2", 9));
	rule_list_free(&list);

	CHECK(parse("0/0:80-80", &list));
	CHECK(match(&list, "1.1.1.1", 80, "2.2.2.2", 9));
	CHECK(!match(&list, "1.1.1.1", 79, "2.2.2.2", 9));
	CHECK(!match(&list, "1.1.1.1", 81, "2.2.2.2", 9));
	rule_list_free(&list);

	CHECK(parse("0/0 -> 0/0:137", &list));
	CHECK(match(&list, "1.1.1.1", 4000, "2.2.2.2", 137));
	CHECK(!match(&list, "1.1.1.1", 137, "2.2.2.2", 138));
	rule_list_free(&list);

	CHECK(parse("0/0:6000-6010,22,0080", &list));
	CHECK(match(&list, "1.1.1.1", 6000, "2.2.2.2", 9));
	CHECK(match(&list, "1.1.1.1", 6010, "2.2.2.2", 9));
	CHECK(match(&list, "1.1.1.1", 22, "2.2.2.2", 9));
	CHECK(match(&list, "1.1.1.1", 80, "2.2.2.2", 9));
	CHECK(!match(&list, "1.1.1.1", 5999, "2.2.2.2", 9));
	CHECK(!match(&list, "1.1.1.1", 6011, "2.2.2.2", 9));
	CHECK(!match(&list, "1.1.1.1", 23, "2.2.2.2", 9));
	rule_list_free(&list);
}

/* Port lists are sorted and merged: overlapping and adjacent ranges. */
TEST(port_lists_normalized)
{
	struct rule_list list = { 0 };
	const struct endpoint_spec *ep;

	CHECK(parse("0/0:30,5,1-3,4,10-20,15-30,65535,0", &list));
	ep = &list.rules[0].src;
	CHECK_INT(ep->nranges, 3);
	CHECK_INT(ep->ranges[0].lo, 0);
	CHECK_INT(ep->ranges[0].hi, 5);
	CHECK_INT(ep->ranges[1].lo, 10);
	CHECK_INT(ep->ranges[1].hi, 30);
	CHECK_INT(ep->ranges[2].lo, 65535);
	CHECK_INT(ep->ranges[2].hi, 65535);
	CHECK(match(&list, "1.1.1.1", 25, "2.2.2.2", 9));
	CHECK(!match(&list, "1.1.1.1", 6, "2.2.2.2", 9));
	rule_list_free(&list);

	check_prints("0/0:30,5,1-3,4,10-20,15-30,65535,0",
		     "0.0.0.0/0:0-5,10-30,65535\n");
	check_prints("0/0:7,7,7", "0.0.0.0/0:7\n");
}

TEST(spacing_around_arrow)
{
	static const char *const forms[] = {
		"10.0.0.0/8:1-1024 -> 10.0.0.1:22",
		"10.0.0.0/8:1-1024->10.0.0.1:22",
		"10.0.0.0/8:1-1024 ->10.0.0.1:22",
		"10.0.0.0/8:1-1024-> 10.0.0.1:22",
		"\t 10.0.0.0/8:1-1024 \t->\t 10.0.0.1:22 \t",
	};
	size_t i;

	for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		struct rule_list list = { 0 };

		CHECK(parse(forms[i], &list));
		CHECK_INT(list.n, 1);
		CHECK(match(&list, "10.9.9.9", 1024, "10.0.0.1", 22));
		CHECK(!match(&list, "10.9.9.9", 1025, "10.0.0.1", 22));
		CHECK(!match(&list, "10.9.9.9", 1024, "10.0.0.1", 23));
		rule_list_free(&list);
	}
	/* A range right before the arrow. */
	check_prints("0/0:1024-65535->0/0:53",
		     "0.0.0.0/0:1024-65535 -> 0.0.0.0/0:53\n");
}

/* The original applied the destination to the last source only; every
 * source gets it here. */
TEST(several_sources)
{
	struct rule_list list = { 0 };

	CHECK(parse("127.0.0.1/24 192.168.1.0/24 -> 192.168.1.1:53,111",
		    &list));
	CHECK_INT(list.n, 2);
	CHECK(list.rules[0].has_dst);
	CHECK(list.rules[1].has_dst);
	CHECK(list.rules[0].dst.ranges != list.rules[1].dst.ranges);
	CHECK(match(&list, "127.0.0.5", 1, "192.168.1.1", 53));
	CHECK(match(&list, "192.168.1.9", 1, "192.168.1.1", 111));
	CHECK(!match(&list, "127.0.0.5", 1, "192.168.1.1", 54));
	CHECK(!match(&list, "192.168.1.9", 1, "192.168.1.2", 53));
	CHECK(!match(&list, "10.0.0.1", 1, "192.168.1.1", 53));
	rule_list_free(&list);

	/* Without a destination, each source stands alone. */
	CHECK(parse("10.0.0.1 10.0.0.2:80\t10.0.0.3", &list));
	CHECK_INT(list.n, 3);
	CHECK(match(&list, "10.0.0.2", 80, "1.1.1.1", 1));
	CHECK(!match(&list, "10.0.0.2", 81, "1.1.1.1", 1));
	CHECK(match(&list, "10.0.0.3", 81, "1.1.1.1", 1));
	rule_list_free(&list);
}

TEST(appends_to_list)
{
	struct rule_list list = { 0 };

	CHECK(parse("10.0.0.1", &list));
	CHECK(parse("10.0.0.2 10.0.0.3 -> 0/0:22", &list));
	CHECK_INT(list.n, 3);
	CHECK(match(&list, "10.0.0.1", 1, "1.1.1.1", 1));
	CHECK(match(&list, "10.0.0.3", 1, "1.1.1.1", 22));
	CHECK(!match(&list, "10.0.0.3", 1, "1.1.1.1", 23));
	/* A failed parse leaves the list as it was, nothing half-added. */
	CHECK(!parse("10.0.0.4 10.0.0.5:99999", &list));
	CHECK(!parse("10.0.0.4 10.0.0.5 -> 1.2.3.4:1-", &list));
	CHECK_INT(list.n, 3);
	rule_list_free(&list);
}

TEST(ipv6_rules)
{
	struct rule_list list = { 0 };

	CHECK(parse("[2001:db8::]/32:1-1024 -> [::]/0:22", &list));
	CHECK_INT(list.n, 1);
	CHECK(!list.rules[0].src.net.v4);
	CHECK_INT(list.rules[0].src.net.plen, 32);
	CHECK(match(&list, "2001:db8:ffff::1", 1024, "2001:db8::9", 22));
	CHECK(match(&list, "2001:db8::1", 1, "fe80::1", 22));
	CHECK(!match(&list, "2001:db9::1", 1, "fe80::1", 22));
	CHECK(!match(&list, "2001:db8::1", 1025, "fe80::1", 22));
	CHECK(!match(&list, "2001:db8::1", 1, "fe80::1", 23));
	/* An IPv6 rule never matches IPv4 (kept as ::ffff:a.b.c.d). */
	CHECK(!match(&list, "0.0.0.1", 1, "10.0.0.1", 22));
	rule_list_free(&list);

	CHECK(parse("[::1] [fe80::]/10:5353", &list));
	CHECK_INT(list.n, 2);
	CHECK(match(&list, "::1", 7, "::1", 1));
	CHECK(match(&list, "fe80::1234", 5353, "::1", 1));
	CHECK(!match(&list, "fe80::1234", 5354, "::1", 1));
	rule_list_free(&list);

	/* IPv4 rules do not match IPv6, even ::/96-looking ones. */
	CHECK(parse("0/0", &list));
	CHECK(!match(&list, "::", 1, "::", 1));
	CHECK(!match(&list, "::1.2.3.4", 1, "::1", 1));
	rule_list_free(&list);
}

/* ---- errors ------------------------------------------------------------ */

TEST(address_errors)
{
	CHECK_STR(parse_error("300.1.2.3"), "bad address \"300.1.2.3\"");
	CHECK_STR(parse_error("host.example"), "bad address \"host.example\"");
	CHECK_STR(parse_error("1.2.3.4.5"), "bad address \"1.2.3.4.5\"");
	CHECK_STR(parse_error("1.2.3.4-5"), "bad address \"1.2.3.4-5\"");
	CHECK_STR(parse_error(":80"), "missing address in \":80\"");
	CHECK_STR(parse_error("/24"), "missing address in \"/24\"");
	CHECK_STR(parse_error("[2001:db8::"),
		  "unterminated \"[\" in \"[2001:db8::\"");
	CHECK_STR(parse_error("[2001:db8::/32:80"),
		  "unterminated \"[\" in \"[2001:db8::/32:80\"");
	CHECK_STR(parse_error("[zz::1]"), "bad IPv6 address \"zz::1\"");
	CHECK_STR(parse_error("[]"), "bad IPv6 address \"\"");
	CHECK_STR(parse_error("[fe80::1%eth0]"),
		  "bad IPv6 address \"fe80::1%eth0\"");
	CHECK_STR(parse_error("2001:db8::1"),
		  "IPv6 address must be in brackets: \"2001:db8::1\"");
	CHECK_STR(parse_error("::/0"),
		  "IPv6 address must be in brackets: \"::/0\"");
	CHECK_STR(parse_error("2001:db8::/32:22"),
		  "IPv6 address must be in brackets: \"2001:db8::/32:22\"");
	CHECK_STR(parse_error("[1.2.3.4]"), "IPv4 address \"[1.2.3.4]\" in "
		  "brackets (write IPv4 without brackets)");
	CHECK_STR(parse_error("[::ffff:1.2.3.4]/120"), "IPv4 address "
		  "\"[::ffff:1.2.3.4]\" in brackets (write IPv4 without "
		  "brackets)");
	CHECK_STR(parse_error("[::1]x"),
		  "unexpected \"x\" after the address in \"[::1]x\"");
	CHECK_STR(parse_error("[::1]/64x"),
		  "bad mask \"/64x\" in \"[::1]/64x\" (0..128 for IPv6)");
	CHECK_STR(parse_error("1.2.3.4 -> [::1]"), "source and destination "
		  "are of different address families (IPv4 and IPv6)");
	CHECK_STR(parse_error("[::1] 1.2.3.4 -> [::1]"), "source and "
		  "destination are of different address families (IPv4 and "
		  "IPv6)");
}

TEST(mask_errors)
{
	CHECK_STR(parse_error("1.2.3.4/33"),
		  "bad mask \"/33\" in \"1.2.3.4/33\" (0..32 for IPv4)");
	CHECK_STR(parse_error("[::1]/129"),
		  "bad mask \"/129\" in \"[::1]/129\" (0..128 for IPv6)");
	CHECK_STR(parse_error("1.2.3.4/"),
		  "bad mask \"/\" in \"1.2.3.4/\" (0..32 for IPv4)");
	CHECK_STR(parse_error("1.2.3.4/:80"),
		  "bad mask \"/\" in \"1.2.3.4/:80\" (0..32 for IPv4)");
	CHECK_STR(parse_error("1.2.3.4/-1"),
		  "bad mask \"/-1\" in \"1.2.3.4/-1\" (0..32 for IPv4)");
	CHECK_STR(parse_error("1.2.3.4/255.255.255.0"), "bad mask "
		  "\"/255.255.255.0\" in \"1.2.3.4/255.255.255.0\" (0..32 "
		  "for IPv4)");
	CHECK_STR(parse_error("1.2.3.4/99999999999999999999999"), "bad mask "
		  "\"/99999999999999999999999\" in "
		  "\"1.2.3.4/99999999999999999999999\" (0..32 for IPv4)");
}

TEST(port_errors)
{
	CHECK_STR(parse_error("1.2.3.4:70000"),
		  "bad port \"70000\" in \"1.2.3.4:70000\"");
	CHECK_STR(parse_error("1.2.3.4:65536"),
		  "bad port \"65536\" in \"1.2.3.4:65536\"");
	CHECK_STR(parse_error("1.2.3.4:90-80"),
		  "port range 90-80 is reversed in \"1.2.3.4:90-80\"");
	CHECK_STR(parse_error("1.2.3.4:"),
		  "missing ports after \":\" in \"1.2.3.4:\"");
	CHECK_STR(parse_error("1.2.3.4:80,"),
		  "empty port in list \"80,\" in \"1.2.3.4:80,\"");
	CHECK_STR(parse_error("1.2.3.4:,80"),
		  "empty port in list \",80\" in \"1.2.3.4:,80\"");
	CHECK_STR(parse_error("1.2.3.4:80,,81"),
		  "empty port in list \"80,,81\" in \"1.2.3.4:80,,81\"");
	CHECK_STR(parse_error("1.2.3.4:80-"),
		  "bad port range \"80-\" in \"1.2.3.4:80-\"");
	CHECK_STR(parse_error("1.2.3.4:-80"),
		  "bad port range \"-80\" in \"1.2.3.4:-80\"");
	CHECK_STR(parse_error("1.2.3.4:1-2-3"),
		  "bad port \"2-3\" in \"1.2.3.4:1-2-3\"");
	CHECK_STR(parse_error("1.2.3.4:+80"),
		  "bad port \"+80\" in \"1.2.3.4:+80\"");
	CHECK_STR(parse_error("1.2.3.4:0x50"),
		  "bad port \"0x50\" in \"1.2.3.4:0x50\"");
	CHECK_STR(parse_error("1.2.3.4:http"),
		  "bad port \"http\" in \"1.2.3.4:http\"");
	CHECK_STR(parse_error("1.2.3.4:80:81"),
		  "bad port \"80:81\" in \"1.2.3.4:80:81\"");
	CHECK_STR(parse_error("1.2.3.4:99999999999999999999999"),
		  "bad port \"99999999999999999999999\" in "
		  "\"1.2.3.4:99999999999999999999999\"");
	CHECK_STR(parse_error("1.2.3.4 -> 5.6.7.8:1-70000"),
		  "bad port \"70000\" in \"5.6.7.8:1-70000\"");
}

TEST(structure_errors)
{
	CHECK_STR(parse_error(""), "empty rule");
	CHECK_STR(parse_error(" \t "), "empty rule");
	CHECK_STR(parse_error("1.2.3.4 ->"), "missing destination after \"->\"");
	CHECK_STR(parse_error("1.2.3.4->  "),
		  "missing destination after \"->\"");
	CHECK_STR(parse_error("-> 1.2.3.4"), "missing source before \"->\"");
	CHECK_STR(parse_error("->"), "missing source before \"->\"");
	CHECK_STR(parse_error("1.1.1.1 -> 2.2.2.2 -> 3.3.3.3"),
		  "more than one \"->\"");
	CHECK_STR(parse_error("1.1.1.1 -> 2.2.2.2 3.3.3.3"),
		  "more than one destination after \"->\": "
		  "\" 2.2.2.2 3.3.3.3\"");
	/* No spaces inside one spec. */
	CHECK_STR(parse_error("1.2.3.4 :80"), "missing address in \":80\"");
	CHECK_STR(parse_error("1.2.3.4: 80"),
		  "missing ports after \":\" in \"1.2.3.4:\"");
	CHECK_STR(parse_error("1.2.3.4 / 24"), "missing address in \"/\"");
	/* "=>" or "-" alone are not arrows. */
	CHECK_STR(parse_error("1.2.3.4 => 5.6.7.8"), "bad address \"=>\"");
}

TEST(long_text_is_cut_in_messages)
{
	char *text = repeat("1.2.3.4:", "9", 200, "");

	CHECK_STR(parse_error(text), "bad port \"99999999999999999999999999"
		  "99999999999999999999999999999999999999...\" in \"1.2.3.4:"
		  "99999999999999999999999999999999999999999999999999999999..."
		  "\"");
	free(text);
}

/* ---- limits -------------------------------------------------------------- */

TEST(limit_port_ranges)
{
	struct rule_list list = { 0 };
	char *ok = repeat("0/0:", "1,", CONF_MAX_PORT_RANGES - 1, "3");
	char *bad = repeat("0/0:", "1,", CONF_MAX_PORT_RANGES, "2");

	CHECK(parse(ok, &list));
	CHECK_INT(list.rules[0].src.nranges, 2);
	rule_list_free(&list);
	CHECK(!parse(bad, &list));
	CHECK(strncmp(err, "more than 1024 ports or ranges in \"1,1,", 39)
	      == 0);
	CHECK_INT(list.n, 0);
	free(ok);
	free(bad);

	/* The limit is per port list: 1024 + 501 in one rule is fine. */
	ok = repeat("0/0:", "1,", CONF_MAX_PORT_RANGES - 1, "2 -> 0/0:");
	bad = repeat(ok, "3,", 500, "4");
	CHECK(parse(bad, &list));
	CHECK_INT(list.n, 1);
	rule_list_free(&list);
	free(ok);
	free(bad);
}

TEST(limit_rule_count)
{
	struct rule_list list = { 0 };
	size_t i;
	bool all_ok = true;

	for (i = 0; i < CONF_MAX_RULES - 1; i++)
		all_ok &= parse("10.0.0.1:1", &list);
	CHECK(all_ok);
	/* Two more at once would cross the limit: neither is added. */
	CHECK(!parse("10.0.0.2 10.0.0.3", &list));
	CHECK_STR(err, "too many rules (more than 4096)");
	CHECK_INT(list.n, CONF_MAX_RULES - 1);
	CHECK(parse("10.0.0.2", &list));
	CHECK_INT(list.n, CONF_MAX_RULES);
	CHECK(!parse("10.0.0.4", &list));
	CHECK_INT(list.n, CONF_MAX_RULES);
	CHECK(match(&list, "10.0.0.2", 5, "1.1.1.1", 1));
	CHECK(!match(&list, "10.0.0.4", 5, "1.1.1.1", 1));
	rule_list_free(&list);
}

/* head, then ports "1...", ",10003", ",10005", ... to exactly total
 * characters: distinct, never adjacent, so printing keeps them all. */
static char *port_text(const char *head, size_t total)
{
	size_t k = (total - strlen(head) - 1) / 6;
	size_t d = total - strlen(head) - 6 * k;
	char *s = malloc(total + 1), *p = s;
	size_t i;

	p += sprintf(p, "%s1", head);
	for (i = 1; i < d; i++)
		*p++ = '0';
	for (i = 0; i < k; i++)
		p += sprintf(p, ",%zu", 10003 + 2 * i);
	return s;
}

/* Rules are measured as printed, so that -s output always re-reads. */
TEST(limit_printed_length)
{
	struct rule_list list = { 0 };
	char *ok = port_text("0.0.0.0/0:", 4032);
	char *bad = port_text("0.0.0.0/0:", 4033);
	char *grows = port_text("0/0:", 4028);
	char *out;

	CHECK_INT(strlen(ok), 4032);
	CHECK(parse(ok, &list));
	out = printed(&list);
	CHECK_INT(strlen(out), 4033);
	free(out);
	rule_list_free(&list);
	CHECK_INT(strlen(bad), 4033);
	CHECK_STR(parse_error(bad), "rule longer than 4032 characters when "
		  "written out in full");
	/* 4028 characters that print as 4034. */
	CHECK_STR(parse_error(grows), "rule longer than 4032 characters when "
		  "written out in full");
	free(ok);
	free(bad);
	free(grows);
}

/* ---- port_range_parse ---------------------------------------------------- */

TEST(port_range_parse_direct)
{
	struct port_range r;

	CHECK(port_range_parse("80", 2, &r, err, sizeof err));
	CHECK_INT(r.lo, 80);
	CHECK_INT(r.hi, 80);
	CHECK(port_range_parse("0-65535", 7, &r, err, sizeof err));
	CHECK_INT(r.lo, 0);
	CHECK_INT(r.hi, 65535);
	/* Only len bytes count. */
	CHECK(port_range_parse("6000-6010,22", 9, &r, err, sizeof err));
	CHECK_INT(r.lo, 6000);
	CHECK_INT(r.hi, 6010);
	CHECK(!port_range_parse("", 0, &r, err, sizeof err));
	CHECK_STR(err, "bad port \"\"");
	CHECK(!port_range_parse("10-9", 4, &r, err, sizeof err));
	CHECK_STR(err, "port range 10-9 is reversed");
	CHECK(!port_range_parse("65536", 5, &r, err, sizeof err));
	CHECK_STR(err, "bad port \"65536\"");
	CHECK(!port_range_parse("-", 1, &r, err, sizeof err));
	CHECK_STR(err, "bad port range \"-\"");
	/* A tiny buffer is never overrun. */
	CHECK(!port_range_parse("70000", 5, &r, err, 4));
	CHECK_STR(err, "bad");
}

/* ---- printing ------------------------------------------------------------- */

TEST(print_forms)
{
	check_prints("10.0.0.1", "10.0.0.1\n");
	check_prints("10.0.0.1/32", "10.0.0.1\n");
	check_prints("0", "0.0.0.0\n");
	check_prints("0/0", "0.0.0.0/0\n");
	check_prints("192.168.1.77/24:1-1024->192.168.1.1:1024-65535",
		     "192.168.1.0/24:1-1024 -> 192.168.1.1:1024-65535\n");
	check_prints("[2001:DB8:0:0::]/32:1-1024 -> [::]/0:22",
		     "[2001:db8::]/32:1-1024 -> [::]/0:22\n");
	check_prints("[2001:db8::1]/128", "[2001:db8::1]\n");
	check_prints("10.0.0.1 10.0.0.2 -> 0/0:53,111",
		     "10.0.0.1 -> 0.0.0.0/0:53,111\n"
		     "10.0.0.2 -> 0.0.0.0/0:53,111\n");
}

/* What rule_list_print writes parses back to the same rules. */
TEST(print_round_trip)
{
	static const char *const texts[] = {
		"192.168.1.0/24:1024-65535 -> 192.168.1.1:1-1024,3306",
		"0/0:1024-65535 -> 0/0:53",
		"127.0.0.1/24 192.168.1.0/24 -> 192.168.1.1:53,111",
		"[2001:db8::]/32:1-1024 -> [::]/0:22",
		"[::1.2.3.4]/100:0,65535",
		"0/0 -> 0/0:137",
		"10.1.2.3/17",
	};
	size_t i;

	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct rule_list a = { 0 }, b = { 0 };
		char *first, *second, *line, *save = NULL;

		CHECK(parse(texts[i], &a));
		first = printed(&a);
		for (line = strtok_r(first, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			CHECK(parse(line, &b));
		free(first);
		first = printed(&a);
		second = printed(&b);
		CHECK_STR(second, first);
		CHECK_INT(b.n, a.n);
		free(first);
		free(second);
		rule_list_free(&a);
		rule_list_free(&b);
	}
}

TEST(empty_list)
{
	struct rule_list list = { 0 };
	char *out;
	struct ipaddr a = ip("1.2.3.4");

	CHECK(!rule_list_match(&list, &a, 1, &a, 1));
	out = printed(&list);
	CHECK_STR(out, "");
	free(out);
	rule_list_free(&list);
	rule_list_free(&list);		/* twice is harmless */
}

int main(void)
{
	RUN(host_only);
	RUN(full_rule);
	RUN(zero_forms);
	RUN(short_ipv4_forms_refused);
	RUN(mask_clears_host_bits);
	RUN(prefix_lengths);
	RUN(ports_and_boundaries);
	RUN(port_lists_normalized);
	RUN(spacing_around_arrow);
	RUN(several_sources);
	RUN(appends_to_list);
	RUN(ipv6_rules);
	RUN(address_errors);
	RUN(mask_errors);
	RUN(port_errors);
	RUN(structure_errors);
	RUN(long_text_is_cut_in_messages);
	RUN(limit_port_ranges);
	RUN(limit_rule_count);
	RUN(limit_printed_length);
	RUN(port_range_parse_direct);
	RUN(print_forms);
	RUN(print_round_trip);
	RUN(empty_list);
	return unit_report(__FILE__);
}
