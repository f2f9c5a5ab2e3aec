/*
 * keyinfo.c: inspecting a published selector (emauth_dkim_key_lookup),
 * for audits: the TXT record at selector._domainkey.domain, where CNAMEs
 * led, and what the key parser says of each record there.
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../common/buf.h"
#include "../common/ctx.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "../dns/rdata.h"
#include "../dns/resolver.h"
#include "key.h"

#include <emauth/dkim.h>

int
emauth_dkim_key_lookup(struct emauth_ctx *ctx, const char *selector,
    const char *domain, struct emauth_dkim_key_info *out)
{
	struct ea_dns_budget budget;
	struct ea_dns_answer ans;

	memset(out, 0, sizeof(*out));
	if (selector == NULL || domain == NULL || !selector[0] || !domain[0])
		return EMAUTH_EINVAL;
	ea_fmt(
	    out->name, sizeof(out->name), "%s._domainkey.%s", selector, domain);
	if (strlen(out->name) > EA_DNS_NAME_MAX)
		return EMAUTH_EINVAL;
	struct ea_resolver *r = ea_ctx_resolver(ctx);
	if (r == NULL) {
		out->dns_error = 1;
		ea_fmt(out->problem, sizeof(out->problem),
		    "the DNS resolver could not start");
		return 0;
	}
	memset(&budget, 0, sizeof(budget));
	budget.max_queries = 2;
	ea_dns_budget_start(&budget, r);
	if (ea_dns_query(r, &budget, out->name, EA_DNS_T_TXT, &ans) != 0)
		return EMAUTH_ENOMEM;
	if (ans.status == EA_DNS_TEMPFAIL) {
		out->dns_error = 1;
		ea_fmt(out->problem, sizeof(out->problem), "DNS %s",
		    ans.why ? ans.why : "failure");
		ea_dns_answer_release(&ans);
		return 0;
	}
	if (ans.canon[0] && strcasecmp(ans.canon, out->name) != 0)
		ea_fmt(out->target, sizeof(out->target), "%s", ans.canon);
	if (ans.status != EA_DNS_ANSWER || ans.n == 0) {
		ea_fmt(out->problem, sizeof(out->problem), "no key record (%s)",
		    ea_dns_status_name(ans.status));
		ea_dns_answer_release(&ans);
		return 0;
	}
	out->found = 1;
	struct ea_dkim_pubkey k;
	size_t at;
	int rc = ea_dkim_pubkey_pick(&ans, &k, &at);
	if (rc != 0) {
		ea_dns_answer_release(&ans);
		return rc;
	}
	out->usable = k.error == EA_KEY_OK;
	out->revoked = k.error == EA_KEY_REVOKED;
	ea_fmt(out->type, sizeof(out->type), "%s",
	    k.type == EA_KEY_RSA       ? "rsa"
	    : k.type == EA_KEY_ED25519 ? "ed25519"
	                               : "");
	out->bits = k.bits;
	out->testing = k.testing;
	out->strict = k.strict;
	out->sha256_ok = k.sha256_ok;
	/* Every unusable key says why (key_fail always gives a reason). */
	ea_fmt(out->problem, sizeof(out->problem), "%s",
	    k.error == EA_KEY_OK ? ""
	    : k.why              ? k.why
	                         : "unusable key record");
	ea_dkim_pubkey_release(&k);
	if (ans.n > 1)
		ea_fmt(out->problem + strlen(out->problem),
		    sizeof(out->problem) - strlen(out->problem),
		    "%s%zu records at the selector",
		    out->problem[0] ? "; " : "", ans.n);
	ea_dns_answer_release(&ans);
	return 0;
}
