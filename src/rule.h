/*
 * rule.h - host rules of the *Ignore options.
 *
 *   src_ip/mask:src_ports [src_ip/mask:src_ports ...] [-> dst_ip/mask:dst_ports]
 *
 * Ports are a comma-separated list of ports and inclusive ranges; omitted
 * means all ports.  "/mask" is a prefix length; 0/0 is any IPv4 address.
 * IPv6 goes in brackets: [2001:db8::]/32:1-1024 -> [::]/0:22.
 * Without "->" a rule describes the source side only.  Several source
 * specs before "->" each make a rule with the same destination.
 */
#ifndef SCANDETD_RULE_H
#define SCANDETD_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"

struct port_range {
	uint16_t lo, hi;		/* inclusive */
};

struct endpoint_spec {
	struct ipprefix net;
	size_t nranges;			/* 0: any port */
	struct port_range *ranges;
};

struct host_rule {
	struct endpoint_spec src;
	bool has_dst;
	struct endpoint_spec dst;
};

struct rule_list {
	size_t n;
	struct host_rule *rules;
};

/*
 * Parse one rule text (the value of a *Ignore option) and append the rules
 * it makes to list.  On error returns false and writes a message (without
 * file or line, the caller adds those) into err.
 */
bool rule_parse(const char *text, struct rule_list *list, char *err,
		size_t errlen);

/*
 * Parse one port or inclusive range "80" or "6000-6010" (len bytes of s,
 * decimal, 0..65535, low <= high).  Shared with the port-list options.
 * On error returns false and writes a message into err.
 */
bool port_range_parse(const char *s, size_t len, struct port_range *range,
		      char *err, size_t errlen);

bool rule_list_match_any(const struct rule_list *list,
			 const struct ipaddr *src, uint16_t sport,
			 const struct ipaddr *dst, uint16_t dport);
/* True when some rule of list matches the packet's endpoints.  Inline
 * for the usual empty list: every probe asks twice. */
static inline bool rule_list_match(const struct rule_list *list,
				   const struct ipaddr *src, uint16_t sport,
				   const struct ipaddr *dst, uint16_t dport)
{
	return list->n && rule_list_match_any(list, src, sport, dst, dport);
}

/* Print one rule in rule syntax, without a newline (re-parseable). */
void rule_print(const struct host_rule *rule, FILE *out);

/* Print a list the way -s shows it (one rule per line, re-parseable). */
void rule_list_print(const struct rule_list *list, FILE *out);

void rule_list_free(struct rule_list *list);

#endif
