/*
 * verdict.c: the receiver's whole verdict on one message (iprev, SPF, DKIM,
 * DMARC), shared by "emauth verify" and emauth-milter. See verdict.h.
 */
#include "../common/internal.h"
#include "../common/alloc.h"
#include "../common/ctx.h"
#include "../common/limits.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <emauth/msg.h>
#include <emauth/verdict.h>

/*
 * How strict one From domain's DMARC outcome is, for choosing the one that
 * holds when the From field names several domains (RFC 7489 §6.6.1:
 * "apply the most strict policy selected among the checks that fail"): a
 * failure with reject, then with quarantine, then a temporary error (which
 * defers the message), a failure with none, a permanent error, no policy, and
 * pass. Ties keep the first domain.
 */
static int
severity(const struct emauth_dmarc_result *r)
{
	switch (r->result) {
	case EMAUTH_RES_PASS:
		return 0;
	case EMAUTH_RES_NONE:
		return 1;
	case EMAUTH_RES_FAIL:
		return r->disposition == EMAUTH_DMARC_REJECT       ? 6
		       : r->disposition == EMAUTH_DMARC_QUARANTINE ? 5
		                                                   : 3;
	case EMAUTH_RES_TEMPERROR:
		return 4;
	default:
		return 2;
	}
}

/* Collects the distinct From domains, or says why there are none. */
static size_t
from_domains(const struct emauth_verdict_query *q, struct emauth_verdict *out,
    char domains[EA_VERDICT_FROM_ADDRS_MAX][256])
{
	if (q->malformed) {
		out->from_problem = "the message header cannot be read";
		out->header_malformed = 1;
		snprintf(out->from_detail, sizeof(out->from_detail), "%s",
		    q->malformed);
		return 0;
	}
	if (q->nfrom == 0) {
		out->from_problem = "the message has no From field";
		return 0;
	}
	if (q->nfrom > 1) {
		out->from_problem = "the message has several From fields";
		return 0;
	}
	if (q->from == NULL || q->from[0] == NULL) {
		out->from_problem = "the From field cannot be parsed";
		return 0;
	}
	struct emauth_address addr[EA_VERDICT_FROM_ADDRS_MAX];
	struct emauth_diag fd;
	size_t na = 0, nd = 0;
	memset(&fd, 0, sizeof(fd));
	int rc = emauth_msg_parse_from(
	    (struct emauth_span){
	        (const uint8_t *)q->from[0], strlen(q->from[0])},
	    addr, EA_VERDICT_FROM_ADDRS_MAX, &na, &fd);
	if (rc == EMAUTH_ELIMIT) {
		/* Fail closed: never a verdict on some of the domains. */
		out->from_problem = "the From field has too many addresses";
		snprintf(out->from_detail, sizeof(out->from_detail),
		    "more than %d; DMARC is not evaluated on a subset",
		    EA_VERDICT_FROM_ADDRS_MAX);
		return 0;
	}
	if (rc != 0) {
		out->from_problem = "the From field cannot be parsed";
		if (fd.msg)
			emauth_diag_format(
			    &fd, out->from_detail, sizeof(out->from_detail));
		else
			snprintf(out->from_detail, sizeof(out->from_detail),
			    "%s", emauth_strerror(rc));
		return 0;
	}
	/* At most as many domains as addresses: every one is evaluated. */
	for (size_t i = 0; i < na; i++) {
		int dup = 0;
		for (size_t k = 0; k < nd; k++)
			dup |= strcmp(domains[k], addr[i].domain) == 0;
		if (!dup)
			snprintf(domains[nd++], 256, "%s", addr[i].domain);
	}
	return nd;
}

EMAUTH_API int
emauth_verdict_evaluate(struct emauth_ctx *ctx,
    const struct emauth_verdict_query *q, struct emauth_verdict *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (q->ip == NULL || q->mail_from == NULL || q->dkim == NULL)
		return EMAUTH_EINVAL;
	out->dkim_total = emauth_dkim_verifier_count(q->dkim);
	for (size_t i = 0;
	     i < out->dkim_total && out->ndkim < EMAUTH_VERDICT_DKIM_MAX; i++)
		if (emauth_dkim_verifier_result(
		        q->dkim, i, &out->dkim[out->ndkim]) == 0)
			out->ndkim++;

	if ((rc = emauth_iprev_check(ctx, q->ip, &out->iprev)) != 0)
		return rc;
	struct emauth_spf_query sq;
	memset(&sq, 0, sizeof(sq));
	sq.ip = q->ip;
	sq.mail_from = q->mail_from;
	sq.helo = q->helo;
	int null_sender =
	    q->mail_from[0] == '\0' || strcmp(q->mail_from, "<>") == 0;
	int have_helo = q->helo && q->helo[0];
	if (!null_sender || have_helo) {
		if ((rc = emauth_spf_check_host(ctx, &sq, &out->spf)) != 0)
			return rc;
		out->have_spf = 1;
	}
	if (!null_sender && have_helo) {
		sq.identity = EMAUTH_SPF_HELO;
		out->have_helo =
		    emauth_spf_check_host(ctx, &sq, &out->helo) == 0;
	}

	/* The DMARC stage's reserve (see limits.h). */
	if (ctx->deadline_ms) {
		uint64_t now = ea_dns_now_ms(),
		         reserve = (uint64_t)EA_VERDICT_DMARC_RESERVE_QUERIES *
		                   (ctx->query_ms ? ctx->query_ms
		                                  : EA_DNS_QUERY_TIMEOUT_MS);
		if (ctx->deadline_ms < now + reserve) {
			ctx->deadline_ms = now + reserve;
			ctx->res.deadline_ms = ctx->deadline_ms;
		}
	}
	char domains[EA_VERDICT_FROM_ADDRS_MAX][256];
	size_t nd = from_domains(q, out, domains);

	/* DMARC for each From domain; the strictest outcome holds. */
	struct emauth_dmarc_dkim kd[EMAUTH_VERDICT_DKIM_MAX];
	for (size_t i = 0; i < out->ndkim; i++) {
		kd[i].domain = out->dkim[i].domain;
		kd[i].result = out->dkim[i].result;
	}
	struct emauth_dmarc_result *r = ea_calloc(1, sizeof(*r));
	if (r == NULL)
		return EMAUTH_ENOMEM;
	for (size_t i = 0; i < nd; i++) {
		struct emauth_dmarc_query dq = {domains[i],
		    out->have_spf ? out->spf.domain : NULL,
		    out->have_spf ? out->spf.result : EMAUTH_RES_NONE, kd,
		    out->ndkim, q->mode, -1};
		if (emauth_dmarc_evaluate(ctx, &dq, r) != 0) {
			out->from_problem =
			    "the From domain is not a domain name";
			snprintf(out->from_detail, sizeof(out->from_detail),
			    "%.255s", domains[i]);
			break;
		}
		bool worse =
		    !out->have_dmarc || severity(r) > severity(&out->dmarc);
		if (worse) {
			out->dmarc = *r;
			out->have_dmarc = 1;
			snprintf(out->from_domain, sizeof(out->from_domain),
			    "%.255s", domains[i]);
		}
	}
	ea_free(r);
	if (out->from_problem)
		out->have_dmarc = 0;
	return 0;
}

EMAUTH_API enum emauth_result
emauth_verdict_dmarc(const struct emauth_verdict *v)
{
	if (v->from_problem)
		return EMAUTH_RES_PERMERROR;
	return v->have_dmarc ? v->dmarc.result : EMAUTH_RES_NONE;
}

/* Whether @id is @org or a name under it (labels compared whole). */
static bool
under(const char *id, const char *org)
{
	size_t il = strlen(id), ol = strlen(org);
	if (ol == 0 || il < ol || strcasecmp(id + il - ol, org) != 0)
		return false;
	return il == ol || id[il - ol - 1] == '.';
}

EMAUTH_API int
emauth_verdict_dns_trouble(const struct emauth_verdict *v)
{
	enum emauth_result d = emauth_verdict_dmarc(v);
	if (d == EMAUTH_RES_TEMPERROR)
		return 1;
	if (d == EMAUTH_RES_PASS || v->from_problem)
		return 0;
	/* On a fail, only an identifier that could have aligned (the author's
	 * Organizational Domain or a name under it) counts: a sender cannot
	 * defer its forgery by making its own domain's DNS fail. */
	const char *org = d == EMAUTH_RES_FAIL && v->have_dmarc
	                      ? v->dmarc.d.org_domain
	                      : NULL;
	if (v->have_spf && v->spf.result == EMAUTH_RES_TEMPERROR &&
	    (org == NULL || under(v->spf.domain, org)))
		return 1;
	for (size_t i = 0; i < v->ndkim; i++)
		if (v->dkim[i].result == EMAUTH_RES_TEMPERROR &&
		    (org == NULL || under(v->dkim[i].domain, org)))
			return 1;
	return 0;
}
