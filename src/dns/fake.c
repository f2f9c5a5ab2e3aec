/*
 * fake.c: the test back end (see fake.h).
 */
#include "../common/internal.h"

#include <string.h>

#include "../common/ip.h"
#include "../common/span.h"
#include "fake.h"

int
ea_dns_fake_new(struct ea_resolver *out, struct ea_store **store)
{
	struct ea_store *s = ea_store_new();
	if (s == NULL)
		return EMAUTH_ENOMEM;
	int rc = ea_store_resolver(s, out);
	if (rc) {
		ea_store_free(s);
		return rc;
	}
	*store = s;
	return 0;
}

int
ea_dns_fake_txt(struct ea_store *s, const char *name,
    const struct emauth_span *strings, size_t n)
{
	uint8_t rd[65535];
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (strings[i].len > 255 || o + 1 + strings[i].len > sizeof(rd))
			return EMAUTH_ETOOBIG;
		rd[o++] = (uint8_t)strings[i].len;
		memcpy(rd + o, strings[i].p, strings[i].len);
		o += strings[i].len;
	}
	return ea_store_add(
	    s, ea_span_str(name), EA_DNS_T_TXT, 300, ea_span(rd, o));
}

int
ea_dns_fake_addr(struct ea_store *s, const char *name, const char *ip)
{
	struct ea_ip a;
	int rc = ea_ip_parse(ea_span_str(ip), false, &a);
	if (rc)
		return rc;
	return ea_store_add(s, ea_span_str(name),
	    a.family == 4 ? EA_DNS_T_A : EA_DNS_T_AAAA, 300,
	    ea_span(a.a, a.family == 4 ? 4 : 16));
}

int
ea_dns_fake_mx(
    struct ea_store *s, const char *name, uint16_t pref, const char *exchange)
{
	uint8_t rd[2 + 256];
	rd[0] = (uint8_t)(pref >> 8);
	rd[1] = (uint8_t)pref;
	int n =
	    ea_dns_name_to_wire(ea_span_str(exchange), rd + 2, sizeof(rd) - 2);
	if (n < 0)
		return n;
	return ea_store_add(
	    s, ea_span_str(name), EA_DNS_T_MX, 300, ea_span(rd, 2 + (size_t)n));
}

int
ea_dns_fake_name(
    struct ea_store *s, const char *name, uint16_t type, const char *target)
{
	uint8_t rd[256];
	int n = ea_dns_name_to_wire(ea_span_str(target), rd, sizeof(rd));
	if (n < 0)
		return n;
	return ea_store_add(
	    s, ea_span_str(name), type, 300, ea_span(rd, (size_t)n));
}
