/*
 * ip.h: IP addresses as the protocols need them: parsed from untrusted text
 * without NUL-termination, IPv4-mapped IPv6 folded to IPv4 (RFC 7208 §5),
 * compared under a prefix length, and printed in the forms the macros and
 * reverse zones use.
 */
#ifndef EA_IP_H
#define EA_IP_H

#include "internal.h"

struct ea_ip {
	int family; /* 4 or 6 */
	uint8_t a[16];
};

/* Parses IPv4 (strict dotted quad, RFC 7208 ip4-network) or IPv6 text.
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4 when @fold_mapped.
 * @return 0, EMAUTH_ESYNTAX. */
int ea_ip_parse(struct emauth_span s, bool fold_mapped, struct ea_ip *out);
/* Parses only a strict IPv4 dotted quad (no leading zeros). */
int ea_ip4_parse(struct emauth_span s, struct ea_ip *out);
/* Parses only IPv6 text. */
int ea_ip6_parse(struct emauth_span s, struct ea_ip *out);

/* Whether @a and @b share their first @bits bits (same family required). */
bool ea_ip_match(const struct ea_ip *a, const struct ea_ip *b, unsigned bits);

/* Standard text: dotted quad, or RFC 5952 for IPv6. @size >= 46. */
void ea_ip_format(const struct ea_ip *ip, char *out, size_t size);
/* The SPF %{i} form: dotted quad, or 32 dot-separated nibbles. @size >= 64 */
void ea_ip_format_dotted(const struct ea_ip *ip, char *out, size_t size);
/* The reverse-lookup name: "4.3.2.1.in-addr.arpa" or nibbles + "ip6.arpa".
 * @size >= 74. */
void ea_ip_reverse_name(const struct ea_ip *ip, char *out, size_t size);

#endif
