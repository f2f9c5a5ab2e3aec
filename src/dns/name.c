/*
 * name.c: domain name conversions, each bounded by RFC 1035's limits.
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include "../common/limits.h"
#include "../common/span.h"
#include "name.h"

static bool
plain(uint8_t c)
{
	return ea_is_alpha(c) || ea_is_digit(c) || c == '-' || c == '_' ||
	       c == '*';
}

static int
put_label(
    const uint8_t *p, size_t n, bool lower, char *out, size_t size, size_t *o)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = lower ? ea_lower(p[i]) : p[i];
		if (plain(c)) {
			if (*o + 2 > size)
				return EMAUTH_ETOOBIG;
			out[(*o)++] = (char)c;
		} else {
			if (*o + 5 > size)
				return EMAUTH_ETOOBIG;
			snprintf(out + *o, 5, "\\%03u", c);
			*o += 4;
		}
	}
	return 0;
}

int
ea_dns_name_escape(struct emauth_span raw, bool lower, char *out, size_t size)
{
	size_t o = 0, start = 0;
	int rc;

	if (size == 0)
		return EMAUTH_ETOOBIG;
	out[0] = '\0';
	if (raw.len > 0 && raw.p[raw.len - 1] == '.')
		raw.len--;
	if (raw.len == 0 || raw.len > EA_DNS_NAME_MAX)
		return EMAUTH_ESYNTAX;
	for (size_t i = 0; i <= raw.len; i++) {
		if (i < raw.len && raw.p[i] != '.')
			continue;
		size_t n = i - start;
		if (n == 0 || n > EA_DNS_LABEL_MAX)
			return EMAUTH_ESYNTAX;
		if (o > 0) {
			if (o + 2 > size)
				return EMAUTH_ETOOBIG;
			out[o++] = '.';
		}
		rc = put_label(raw.p + start, n, lower, out, size, &o);
		if (rc)
			return rc;
		start = i + 1;
	}
	out[o] = '\0';
	return 0;
}

int
ea_dns_name_to_wire(struct emauth_span raw, uint8_t *out, size_t size)
{
	size_t o = 0, start = 0;

	if (raw.len > 0 && raw.p[raw.len - 1] == '.')
		raw.len--;
	if (raw.len > EA_DNS_NAME_MAX)
		return EMAUTH_ESYNTAX;
	if (raw.len > 0) {
		for (size_t i = 0; i <= raw.len; i++) {
			if (i < raw.len && raw.p[i] != '.')
				continue;
			size_t n = i - start;
			if (n == 0 || n > EA_DNS_LABEL_MAX)
				return EMAUTH_ESYNTAX;
			if (o + 1 + n + 1 > size)
				return EMAUTH_ETOOBIG;
			out[o++] = (uint8_t)n;
			memcpy(out + o, raw.p + start, n);
			o += n;
			start = i + 1;
		}
	}
	if (o + 1 > size)
		return EMAUTH_ETOOBIG;
	out[o++] = 0;
	return (int)o;
}

static int
from_wire(struct emauth_span rd, size_t *pos, bool key, char *out, size_t size)
{
	size_t i = *pos, o = 0, total = 0;
	int rc;

	if (size == 0)
		return EMAUTH_ETOOBIG;
	for (;;) {
		if (i >= rd.len)
			return EMAUTH_ESYNTAX;
		uint8_t n = rd.p[i++];
		if (n == 0)
			break;
		/* Compression pointers (0xC0) and extended labels are not
		 * valid in the uncompressed RDATA we are given. */
		if (n > EA_DNS_LABEL_MAX || i + n > rd.len)
			return EMAUTH_ESYNTAX;
		total += (size_t)n + 1;
		if (total + 1 > 255) /* with the root label: RFC 1035 */
			return EMAUTH_ESYNTAX;
		if (o > 0) {
			if (o + 2 > size)
				return EMAUTH_ETOOBIG;
			out[o++] = '.';
		}
		if (key) {
			rc = put_label(rd.p + i, n, true, out, size, &o);
			if (rc)
				return rc;
		} else {
			if (o + n + 1 > size)
				return EMAUTH_ETOOBIG;
			memcpy(out + o, rd.p + i, n);
			o += n;
		}
		i += n;
	}
	out[o] = '\0';
	*pos = i;
	return 0;
}

int
ea_dns_name_from_wire(
    struct emauth_span rd, size_t *pos, char *out, size_t size)
{
	return from_wire(rd, pos, false, out, size);
}

int
ea_dns_wire_to_key(struct emauth_span rd, size_t *pos, char *out, size_t size)
{
	return from_wire(rd, pos, true, out, size);
}
