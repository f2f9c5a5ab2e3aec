/*
 * merge.c: the SPF records of a domain, each whole, and one record made
 * of several: what the audit proposes when a domain publishes two
 * (RFC 7208 §4.5: more than one is a permerror at every receiver). The
 * merged record keeps every mechanism of each, in order and once, so that
 * no sender the domain authorized loses its authorization.
 */
#include "common/internal.h"

#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/ctx.h"
#include "common/span.h"
#include "dns/rdata.h"
#include "dns/resolver.h"
#include "spf/spf.h"

#include <emauth/spf.h>

EMAUTH_API int
emauth_spf_records(struct emauth_ctx *ctx, const char *domain,
    char (*out)[EMAUTH_SPF_RECORD_MAX + 1], size_t max, size_t *n)
{
	struct ea_resolver *res = ea_ctx_resolver(ctx);
	struct ea_dns_budget budget;
	struct ea_dns_answer ans;
	*n = 0;
	if (res == NULL)
		return EMAUTH_EDNS;
	memset(&budget, 0, sizeof(budget));
	budget.max_queries = 1;
	ea_dns_budget_start(&budget, res);
	if (ea_dns_query(res, &budget, domain, EA_DNS_T_TXT, &ans) != 0)
		return EMAUTH_ENOMEM;
	if (ans.status == EA_DNS_TEMPFAIL) {
		ea_dns_answer_release(&ans);
		return EMAUTH_EDNS;
	}
	int rc = 0;
	struct ea_buf one;
	ea_buf_init(&one, EMAUTH_SPF_RECORD_MAX + 1);
	for (size_t i = 0; i < ans.n && rc == 0; i++) {
		ea_buf_reset(&one);
		if (ea_dns_txt_join(ans.rr[i].rdata, &one) != 0 ||
		    !ea_spf_is_record(ea_span(one.p, one.len)))
			continue;
		/* Each whole, all of them, or none. */
		if (one.len > EMAUTH_SPF_RECORD_MAX || *n == max ||
		    memchr(one.p, '\0', one.len)) {
			rc = EMAUTH_ETOOBIG;
			break;
		}
		memcpy(out[*n], one.p, one.len);
		out[(*n)++][one.len] = '\0';
	}
	ea_buf_release(&one);
	ea_dns_answer_release(&ans);
	if (rc)
		*n = 0;
	return rc;
}

/* The strength of an all term's qualifier, for the merged record: the
 * strictest of those given; +all and ?all are never written (the audit
 * says why they are wrong). */
static int
all_rank(enum emauth_result q)
{
	return q == EMAUTH_RES_FAIL ? 2 : q == EMAUTH_RES_SOFTFAIL ? 1 : 0;
}

static bool
seen(const struct ea_buf *b, struct emauth_span term)
{
	/* @b holds " term term ...": a term is there when " term" is
	 * followed by a space or the end. */
	for (size_t i = 0; i + 1 + term.len <= b->len; i++)
		if (b->p[i] == ' ' &&
		    strncasecmp((const char *)b->p + i + 1,
		        (const char *)term.p, term.len) == 0 &&
		    (i + 1 + term.len == b->len ||
		        b->p[i + 1 + term.len] == ' '))
			return true;
	return false;
}

EMAUTH_API int
emauth_spf_merge(const char *const *records, size_t n,
    const char *const *includes, size_t nincludes, char *out, size_t size,
    struct emauth_diag *diag)
{
	struct ea_buf terms, mods;
	int best_all = -1, rc = 0;
	const char *redirect = NULL;
	size_t redirect_len = 0;

	ea_buf_init(&terms, EMAUTH_SPF_RECORD_MAX);
	ea_buf_init(&mods, EMAUTH_SPF_RECORD_MAX);
	for (size_t r = 0; r < n && rc == 0; r++) {
		struct ea_spf_record rec;
		/* A broken record is not pasted into a fix. */
		if ((rc = ea_spf_record_parse(
		         ea_span_str(records[r]), &rec, diag)) != 0)
			break;
		for (size_t i = 0; i < rec.n; i++) {
			const struct spf_term *t = &rec.terms[i];
			switch (t->kind) {
			case SPF_ALL:
				if (all_rank(t->qualifier) > best_all)
					best_all = all_rank(t->qualifier);
				break;
			case SPF_REDIRECT:
				if (redirect == NULL) {
					redirect = (const char *)t->text.p;
					redirect_len = t->text.len;
				}
				break;
			case SPF_EXP:
			case SPF_UNKNOWN_MOD:
				if (!seen(&mods, t->text)) {
					ea_buf_addc(&mods, ' ');
					ea_buf_add(
					    &mods, t->text.p, t->text.len);
				}
				break;
			default:
				if (!seen(&terms, t->text)) {
					ea_buf_addc(&terms, ' ');
					ea_buf_add(
					    &terms, t->text.p, t->text.len);
				}
				break;
			}
		}
		ea_spf_record_release(&rec);
	}
	for (size_t i = 0; i < nincludes && rc == 0; i++) {
		struct ea_buf t;
		ea_buf_init(&t, EMAUTH_SPF_RECORD_MAX);
		ea_buf_printf(&t, "include:%s", includes[i]);
		if (t.err == 0 && !seen(&terms, ea_span(t.p, t.len))) {
			ea_buf_addc(&terms, ' ');
			ea_buf_add(&terms, t.p, t.len);
		}
		ea_buf_release(&t);
	}
	if (rc == 0) {
		struct ea_buf m;
		ea_buf_init(&m, EMAUTH_SPF_RECORD_MAX);
		ea_buf_adds(&m, "v=spf1");
		ea_buf_add(&m, terms.p, terms.len);
		/* An all term ends the record (a redirect after it would be
		 * ignored, RFC 7208 §6.1); a redirect only without one. */
		if (best_all >= 0)
			ea_buf_adds(&m, best_all == 2 ? " -all" : " ~all");
		else if (redirect) {
			ea_buf_addc(&m, ' ');
			ea_buf_add(&m, redirect, redirect_len);
		} else {
			ea_buf_adds(&m, " ~all");
		}
		ea_buf_add(&m, mods.p, mods.len);
		if (m.err || m.len + 1 > size)
			rc = EMAUTH_ETOOBIG;
		else
			memcpy(out, ea_buf_str(&m), m.len + 1);
		ea_buf_release(&m);
	}
	if (rc == 0 && (terms.err || mods.err))
		rc = EMAUTH_ETOOBIG;
	ea_buf_release(&terms);
	ea_buf_release(&mods);
	return rc;
}
