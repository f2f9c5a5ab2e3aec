/*
 * mx.c: emauth_mx_lookup (see include/emauth/mx.h).
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../common/ctx.h"
#include "../common/ip.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "../dns/rdata.h"
#include "../dns/resolver.h"

#include <emauth/mx.h>

static void
addresses(
    struct ea_resolver *r, struct ea_dns_budget *b, struct emauth_mx_host *h)
{
	static const uint16_t types[] = {EA_DNS_T_A, EA_DNS_T_AAAA};
	for (size_t t = 0; t < 2; t++) {
		struct ea_dns_answer ans;
		if (ea_dns_query(r, b, h->name, types[t], &ans) != 0)
			return;
		if (ans.status == EA_DNS_TEMPFAIL)
			h->dns_error = 1;
		if (ans.canon[0] && strcasecmp(ans.canon, h->name) != 0)
			h->is_cname = 1;
		for (size_t i = 0; i < ans.n && h->naddrs < EMAUTH_MX_ADDRS_MAX;
		     i++) {
			struct ea_ip ip;
			if (ea_dns_addr(&ans.rr[i], &ip) == 0)
				ea_ip_format(&ip, h->addrs[h->naddrs++], 64);
		}
		ea_dns_answer_release(&ans);
	}
}

int
emauth_mx_lookup(
    struct emauth_ctx *ctx, const char *domain, struct emauth_mx_info *out)
{
	struct ea_dns_budget budget;
	struct ea_dns_answer ans;

	memset(out, 0, sizeof(*out));
	if (domain == NULL || !domain[0] || strlen(domain) > EA_DNS_NAME_MAX)
		return EMAUTH_EINVAL;
	struct ea_resolver *r = ea_ctx_resolver(ctx);
	if (r == NULL) {
		out->dns_error = 1;
		return 0;
	}
	memset(&budget, 0, sizeof(budget));
	budget.max_queries = 1 + 2 * EMAUTH_MX_HOSTS_MAX;
	ea_dns_budget_start(&budget, r);
	if (ea_dns_query(r, &budget, domain, EA_DNS_T_MX, &ans) != 0)
		return EMAUTH_ENOMEM;
	out->dns_error = ans.status == EA_DNS_TEMPFAIL;
	out->nxdomain = ans.status == EA_DNS_NXDOMAIN;
	for (size_t i = 0; i < ans.n; i++) {
		uint16_t pref;
		char name[EA_DNS_PRES_MAX];
		if (ans.rr[i].type != EA_DNS_T_MX ||
		    ea_dns_mx(ans.rr[i].rdata, &pref, name, sizeof(name)) != 0)
			continue;
		/* RFC 7505: one MX with an empty exchange ("."). */
		if (name[0] == '\0' || strcmp(name, ".") == 0) {
			out->null_mx = ans.n == 1;
			continue;
		}
		if (out->n >= EMAUTH_MX_HOSTS_MAX)
			break;
		struct emauth_mx_host *h = &out->hosts[out->n++];
		ea_fmt(h->name, sizeof(h->name), "%s", name);
		h->preference = pref;
		struct ea_ip ip;
		h->is_ip_literal =
		    ea_ip_parse(ea_span_str(name), false, &ip) == 0;
		if (!h->is_ip_literal)
			addresses(r, &budget, h);
	}
	ea_dns_answer_release(&ans);
	/* By preference, then name: the order a sender tries them, and the
	 * same whatever order the server answered in. */
	for (unsigned i = 1; i < out->n; i++)
		for (unsigned k = i; k > 0; k--) {
			struct emauth_mx_host *a = &out->hosts[k - 1],
			                      *b = &out->hosts[k];
			if (a->preference < b->preference ||
			    (a->preference == b->preference &&
			        strcasecmp(a->name, b->name) <= 0))
				break;
			struct emauth_mx_host t = *a;
			*a = *b;
			*b = t;
		}
	return 0;
}
