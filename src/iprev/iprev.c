/*
 * iprev.c: RFC 8601 §3 iprev. The results, as §2.7.3 defines them:
 * permerror when the address has no PTR record (NXDOMAIN or an empty
 * answer), fail when none of its names maps back to it (including names
 * without addresses), temperror when a DNS failure kept the check from
 * finishing, pass when a name maps back.
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include "../common/ctx.h"
#include "../common/ip.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "../dns/rdata.h"
#include "../dns/resolver.h"

#include <emauth/iprev.h>

int
emauth_iprev_check(
    struct emauth_ctx *ctx, const char *ip, struct emauth_iprev_result *out)
{
	struct ea_ip addr;
	struct ea_dns_budget budget;
	struct ea_dns_answer ptr;
	char rev[128], text[64];

	memset(out, 0, sizeof(*out));
	if (ip == NULL || ea_ip_parse(ea_span_str(ip), true, &addr) != 0)
		return EMAUTH_EINVAL;
	ea_ip_format(&addr, text, sizeof(text));
	struct ea_resolver *r = ea_ctx_resolver(ctx);
	if (r == NULL) {
		out->result = EMAUTH_RES_TEMPERROR;
		ea_fmt(out->reason, sizeof(out->reason),
		    "the DNS resolver could not start");
		return 0;
	}
	memset(&budget, 0, sizeof(budget));
	budget.max_queries = 1 + EA_IPREV_NAMES_MAX;
	ea_dns_budget_start(&budget, r);
	ea_ip_reverse_name(&addr, rev, sizeof(rev));
	if (ea_dns_query(r, &budget, rev, EA_DNS_T_PTR, &ptr) != 0)
		return EMAUTH_ENOMEM;
	if (ptr.status == EA_DNS_TEMPFAIL) {
		out->result = EMAUTH_RES_TEMPERROR;
		ea_fmt(out->reason, sizeof(out->reason), "DNS %s for %s",
		    ptr.why ? ptr.why : "failure", rev);
		ea_dns_answer_release(&ptr);
		return 0;
	}
	if (ptr.status != EA_DNS_ANSWER) {
		out->result = EMAUTH_RES_PERMERROR;
		ea_fmt(out->reason, sizeof(out->reason),
		    "%s has no PTR record (%s)", text,
		    ea_dns_status_name(ptr.status));
		ea_dns_answer_release(&ptr);
		return 0;
	}
	bool tempfail = false;
	uint16_t type = addr.family == 4 ? EA_DNS_T_A : EA_DNS_T_AAAA;
	for (size_t i = 0; i < ptr.n; i++) {
		char name[EA_DNS_PRES_MAX];
		if (ptr.rr[i].type != EA_DNS_T_PTR ||
		    ea_dns_target(ptr.rr[i].rdata, name, sizeof(name)) != 0)
			continue;
		if (out->names++ == 0)
			ea_fmt(out->name, sizeof(out->name), "%s", name);
		if (out->names > EA_IPREV_NAMES_MAX)
			continue; /* counted, not tried: fail if none passed */
		struct ea_dns_answer fwd;
		if (ea_dns_query(r, &budget, name, type, &fwd) != 0) {
			ea_dns_answer_release(&ptr);
			return EMAUTH_ENOMEM;
		}
		if (fwd.status == EA_DNS_TEMPFAIL)
			tempfail = true;
		for (size_t k = 0; k < fwd.n; k++) {
			struct ea_ip a;
			if (ea_dns_addr(&fwd.rr[k], &a) == 0 &&
			    ea_ip_match(
			        &a, &addr, addr.family == 4 ? 32 : 128)) {
				out->result = EMAUTH_RES_PASS;
				ea_fmt(
				    out->name, sizeof(out->name), "%s", name);
				ea_fmt(out->reason, sizeof(out->reason),
				    "%s is %s, which resolves back to it", text,
				    name);
				break;
			}
		}
		ea_dns_answer_release(&fwd);
		if (out->result == EMAUTH_RES_PASS)
			break;
	}
	ea_dns_answer_release(&ptr);
	if (out->result == EMAUTH_RES_PASS)
		return 0;
	if (tempfail) {
		out->result = EMAUTH_RES_TEMPERROR;
		ea_fmt(out->reason, sizeof(out->reason),
		    "DNS failure looking up the addresses of %s", out->name);
	} else if (out->names == 0) {
		out->result = EMAUTH_RES_PERMERROR;
		ea_fmt(out->reason, sizeof(out->reason),
		    "the PTR records of %s hold no usable name", text);
	} else {
		out->result = EMAUTH_RES_FAIL;
		char more[96] = "";
		if (out->names > EA_IPREV_NAMES_MAX)
			ea_fmt(more, sizeof(more),
			    " (and %u others; only the first %d were tried)",
			    out->names - 1, EA_IPREV_NAMES_MAX);
		else if (out->names > 1)
			ea_fmt(more, sizeof(more), " (and others)");
		ea_fmt(out->reason, sizeof(out->reason),
		    "%s is %s%s, which does not resolve back to %s", text,
		    out->name, more, text);
	}
	return 0;
}
