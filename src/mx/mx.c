/*
 * mx.c: emauth_mx_lookup (see include/emauth/mx.h). Every exchange of the
 * answer is examined (its addresses, whether it is a CNAME or an IP
 * literal); the 16 most preferred are kept whole, in the order a sender
 * tries them, and the problems of the others are counted, so the report
 * never depends on the order the server answered in.
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
		if (ea_dns_query(r, b, h->name, types[t], &ans) != 0) {
			h->dns_error = 1;
			return;
		}
		if (ans.status == EA_DNS_TEMPFAIL)
			h->dns_error = 1;
		if (ans.canon[0] && strcasecmp(ans.canon, h->name) != 0)
			h->is_cname = 1;
		for (size_t i = 0; i < ans.n; i++) {
			struct ea_ip ip;
			if (ea_dns_addr(&ans.rr[i], &ip) != 0)
				continue;
			/* The first 4 kept, every one counted. */
			if (h->naddrs < EMAUTH_MX_ADDRS_MAX)
				ea_ip_format(&ip, h->addrs[h->naddrs++], 64);
			h->naddrs_total++;
		}
		ea_dns_answer_release(&ans);
	}
}

/* Sender order: by preference, then name (whatever the answer order). */
static bool
before(const struct emauth_mx_host *a, const struct emauth_mx_host *b)
{
	return a->preference < b->preference ||
	       (a->preference == b->preference &&
	           strcasecmp(a->name, b->name) < 0);
}

static bool
bad(const struct emauth_mx_host *h)
{
	return h->is_ip_literal || h->is_cname || h->naddrs_total == 0 ||
	       h->dns_error;
}

/* Counts @h, one of the exchanges not kept. */
static void
more(struct emauth_mx_info *out, const struct emauth_mx_host *h)
{
	if (!bad(h))
		return;
	if (out->more_bad++ == 0 || before(h, &out->first_more_bad))
		out->first_more_bad = *h;
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
	budget.max_queries = 1;
	ea_dns_budget_start(&budget, r);
	if (ea_dns_query(r, &budget, domain, EA_DNS_T_MX, &ans) != 0)
		return EMAUTH_ENOMEM;
	out->dns_error = ans.status == EA_DNS_TEMPFAIL;
	out->nxdomain = ans.status == EA_DNS_NXDOMAIN;
	/* A and AAAA for every exchange. */
	budget.max_queries = 1 + 2 * (unsigned)ans.n;
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
		struct emauth_mx_host h;
		memset(&h, 0, sizeof(h));
		h.preference = pref;
		struct ea_ip ip;
		if (strlen(name) >= sizeof(h.name)) {
			/* Only escapes make a presentation name this long;
			 * a copy cut short would look up another name. */
			ea_fmt(h.name, sizeof(h.name), "%.*s...",
			    (int)sizeof(h.name) - 4, name);
			h.dns_error = 1;
		} else {
			ea_fmt(h.name, sizeof(h.name), "%s", name);
			h.is_ip_literal =
			    ea_ip_parse(ea_span_str(name), false, &ip) == 0;
			if (!h.is_ip_literal)
				addresses(r, &budget, &h);
		}
		out->n_total++;
		/* Keep the most preferred, sorted; the one pushed out is
		 * counted with the others not kept. */
		unsigned k = out->n;
		if (k == EMAUTH_MX_HOSTS_MAX) {
			if (!before(&h, &out->hosts[k - 1])) {
				more(out, &h);
				continue;
			}
			more(out, &out->hosts[--k]);
		} else {
			out->n++;
		}
		while (k > 0 && before(&h, &out->hosts[k - 1])) {
			out->hosts[k] = out->hosts[k - 1];
			k--;
		}
		out->hosts[k] = h;
	}
	ea_dns_answer_release(&ans);
	return 0;
}
