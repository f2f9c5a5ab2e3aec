/*
 * ip.c: IP address parsing and formatting.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ip.h"
#include "span.h"

int
ea_ip4_parse(struct emauth_span s, struct ea_ip *out)
{
	/* RFC 7208 §4.6.1: qnum = DIGIT / %x31-39 DIGIT / "1" 2DIGIT /
	 * "2" %x30-34 DIGIT / "25" %x30-35, i.e. 0-255 without leading 0. */
	size_t i = 0;
	struct ea_ip ip = {.family = 4};

	for (int part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= s.len || s.p[i] != '.')
				return EMAUTH_ESYNTAX;
			i++;
		}
		size_t start = i;
		uint32_t v;
		if (ea_span_uint(s, &i, 3, &v) != 0 || v > 255)
			return EMAUTH_ESYNTAX;
		if (i - start > 1 && s.p[start] == '0')
			return EMAUTH_ESYNTAX;
		ip.a[part] = (uint8_t)v;
	}
	if (i != s.len)
		return EMAUTH_ESYNTAX;
	*out = ip;
	return 0;
}

int
ea_ip6_parse(struct emauth_span s, struct ea_ip *out)
{
	char tmp[64];

	if (s.len == 0 || s.len >= sizeof(tmp))
		return EMAUTH_ESYNTAX;
	for (size_t i = 0; i < s.len; i++) {
		uint8_t c = s.p[i];
		if (!(ea_is_digit(c) ||
		        (ea_lower(c) >= 'a' && ea_lower(c) <= 'f') ||
		        c == ':' || c == '.'))
			return EMAUTH_ESYNTAX;
	}
	memcpy(tmp, s.p, s.len);
	tmp[s.len] = '\0';
	struct ea_ip ip = {.family = 6};
	if (inet_pton(AF_INET6, tmp, ip.a) != 1)
		return EMAUTH_ESYNTAX;
	*out = ip;
	return 0;
}

int
ea_ip_parse(struct emauth_span s, bool fold_mapped, struct ea_ip *out)
{
	if (ea_ip4_parse(s, out) == 0)
		return 0;
	if (ea_ip6_parse(s, out) != 0)
		return EMAUTH_ESYNTAX;
	static const uint8_t mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (fold_mapped && memcmp(out->a, mapped, 12) == 0) {
		uint8_t v4[4];
		memcpy(v4, out->a + 12, 4);
		memset(out->a, 0, sizeof(out->a));
		memcpy(out->a, v4, 4);
		out->family = 4;
	}
	return 0;
}

bool
ea_ip_match(const struct ea_ip *a, const struct ea_ip *b, unsigned bits)
{
	unsigned max = a->family == 4 ? 32 : 128;

	if (a->family != b->family)
		return false;
	if (bits > max)
		bits = max;
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a->a, b->a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (a->a[full] & mask) == (b->a[full] & mask);
}

void
ea_ip_format(const struct ea_ip *ip, char *out, size_t size)
{
	if (ip->family == 4)
		snprintf(out, size, "%u.%u.%u.%u", ip->a[0], ip->a[1], ip->a[2],
		    ip->a[3]);
	else if (inet_ntop(AF_INET6, ip->a, out, (socklen_t)size) == NULL)
		snprintf(out, size, "::");
}

static const char hex[] = "0123456789abcdef";

void
ea_ip_format_dotted(const struct ea_ip *ip, char *out, size_t size)
{
	if (ip->family == 4) {
		ea_ip_format(ip, out, size);
		return;
	}
	size_t o = 0;
	for (int i = 0; i < 16 && o + 4 < size; i++) {
		out[o++] = hex[ip->a[i] >> 4];
		out[o++] = '.';
		out[o++] = hex[ip->a[i] & 15];
		if (i < 15)
			out[o++] = '.';
	}
	out[o] = '\0';
}

void
ea_ip_reverse_name(const struct ea_ip *ip, char *out, size_t size)
{
	if (ip->family == 4) {
		snprintf(out, size, "%u.%u.%u.%u.in-addr.arpa", ip->a[3],
		    ip->a[2], ip->a[1], ip->a[0]);
		return;
	}
	size_t o = 0;
	for (int i = 15; i >= 0 && o + 4 < size; i--) {
		out[o++] = hex[ip->a[i] & 15];
		out[o++] = '.';
		out[o++] = hex[ip->a[i] >> 4];
		out[o++] = '.';
	}
	snprintf(out + o, size - o, "ip6.arpa");
}
