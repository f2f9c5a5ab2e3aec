/*
 * rdata.c: decoding the RDATA of TXT, A, AAAA, PTR/CNAME/NS and MX records
 * through a bounded cursor; every record must consume exactly its length.
 */
#include "../common/internal.h"

#include <string.h>

#include "../common/span.h"
#include "rdata.h"

int
ea_dns_txt_join(struct emauth_span rd, struct ea_buf *out)
{
	struct ea_cur c;
	int rc;

	ea_cur_init(&c, rd);
	while (ea_cur_left(&c) > 0) {
		uint8_t n = ea_cur_u8(&c);
		struct emauth_span s = ea_cur_take(&c, n);
		if (c.err)
			return EMAUTH_ESYNTAX;
		rc = ea_buf_add(out, s.p, s.len);
		if (rc)
			return rc;
	}
	return c.err ? EMAUTH_ESYNTAX : 0;
}

int
ea_dns_txt_count(struct emauth_span rd)
{
	struct ea_cur c;
	int n = 0;

	ea_cur_init(&c, rd);
	while (ea_cur_left(&c) > 0) {
		uint8_t len = ea_cur_u8(&c);
		ea_cur_take(&c, len);
		n++;
	}
	return c.err ? -1 : n;
}

int
ea_dns_addr(const struct ea_dns_rr *rr, struct ea_ip *out)
{
	memset(out, 0, sizeof(*out));
	if (rr->type == EA_DNS_T_A && rr->rdata.len == 4) {
		out->family = 4;
		memcpy(out->a, rr->rdata.p, 4);
		return 0;
	}
	if (rr->type == EA_DNS_T_AAAA && rr->rdata.len == 16) {
		out->family = 6;
		memcpy(out->a, rr->rdata.p, 16);
		return 0;
	}
	return EMAUTH_ESYNTAX;
}

int
ea_dns_target(struct emauth_span rd, char *out, size_t size)
{
	size_t pos = 0;
	int rc = ea_dns_name_from_wire(rd, &pos, out, size);
	if (rc)
		return rc;
	return pos == rd.len ? 0 : EMAUTH_ESYNTAX;
}

int
ea_dns_mx(struct emauth_span rd, uint16_t *pref, char *out, size_t size)
{
	if (rd.len < 3)
		return EMAUTH_ESYNTAX;
	*pref = (uint16_t)((rd.p[0] << 8) | rd.p[1]);
	size_t pos = 2;
	int rc = ea_dns_name_from_wire(rd, &pos, out, size);
	if (rc)
		return rc;
	return pos == rd.len ? 0 : EMAUTH_ESYNTAX;
}
