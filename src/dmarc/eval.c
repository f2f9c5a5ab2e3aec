/*
 * eval.c: identifier alignment and the DMARC verdict.
 *
 * Strict alignment is an exact match of the two domains (ASCII case
 * ignored), whatever the public suffix data says. Relaxed alignment is an
 * exact match or the same Organizational Domain (the Tree Walk's, or the
 * Public Suffix List's in RFC 7489 mode). DMARC passes when an SPF pass or
 * a DKIM pass is aligned with the From domain. The inputs are the caller's
 * own SPF and DKIM results; nothing here reads the message.
 *
 * A failing message gets the policy that applies (p, sp or np); t=y
 * (RFC 9989) lowers it one step, and in RFC 7489 mode a message outside
 * pct's sample gets the next weaker policy (RFC 7489 §6.6.4).
 */
#include "../common/internal.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "../common/alloc.h"
#include "../common/span.h"
#include "dmarc.h"

static enum emauth_dmarc_policy
weaker(enum emauth_dmarc_policy p)
{
	return p == EMAUTH_DMARC_REJECT ? EMAUTH_DMARC_QUARANTINE
	                                : EMAUTH_DMARC_NONE;
}

/*
 * Whether @id (normalised into @idn) is aligned with the author domain.
 * @return 1 aligned, 0 not, -1 DNS failure while finding an
 * Organizational Domain. @why gets a short explanation when not aligned.
 */
static int
aligned(struct ea_dmarc_walk *w, const struct emauth_dmarc_discovery *d,
    const char *id, int strict, char *why, size_t size)
{
	char idn[256], org[256];
	int labels = ea_dmarc_domain(id, idn, sizeof(idn));
	if (labels == 0) {
		ea_fmt(why, size, "\"%s\" is not a domain name", id);
		return 0;
	}
	if (strcmp(idn, d->domain) == 0)
		return 1;
	if (strict) {
		ea_fmt(why, size, "strict alignment needs exactly %s, not %s",
		    d->domain, idn);
		return 0;
	}
	/* The Organizational Domain of @idn is @idn or one of its parents
	 * (by the Tree Walk as by the PSL), so it can equal the author's
	 * only when that is @idn or a parent of it. Otherwise no lookup is
	 * needed: the identifier is not aligned, and a sender cannot make a
	 * DNS failure of its own domain (or a walk that spends the budget)
	 * turn the author domain's verdict into temperror. */
	size_t il = strlen(idn), ol = strlen(d->org_domain);
	if (ol == 0 || il < ol || strcmp(idn + il - ol, d->org_domain) != 0 ||
	    (il > ol && idn[il - ol - 1] != '.')) {
		ea_fmt(why, size,
		    "%s is not under %s, the Organizational "
		    "Domain of %s",
		    idn, d->org_domain[0] ? d->org_domain : "?", d->domain);
		return 0;
	}
	int rc = ea_dmarc_org_domain(w, idn, labels, org, sizeof(org));
	if (rc == EMAUTH_ESYNTAX) {
		/* An invalid (oversized) DMARC record on the identifier's
		 * side: its Organizational Domain is unknown, so it is not
		 * aligned (fail closed, and no temperror the sender could
		 * provoke for a permanent state). */
		ea_fmt(why, size, "%s", w->problem);
		return 0;
	}
	if (rc != 0)
		return -1;
	if (strcmp(org, d->org_domain) == 0)
		return 1;
	ea_fmt(why, size, "organizational domains differ: %s for %s, %s for %s",
	    org, idn, d->org_domain, d->domain);
	return 0;
}

int
emauth_dmarc_aligned(struct emauth_ctx *ctx, const char *from,
    const char *identifier, int strict, enum emauth_dmarc_mode mode)
{
	struct ea_dmarc_walk w;
	struct emauth_dmarc_discovery *d = ea_calloc(1, sizeof(*d));
	char why[300];
	if (d == NULL)
		return EMAUTH_ENOMEM;
	int labels = ea_dmarc_domain(from, d->domain, sizeof(d->domain));
	if (labels == 0) {
		ea_free(d);
		return EMAUTH_EINVAL;
	}
	ea_dmarc_walk_init(&w, ctx, mode, NULL);
	int rc = 0;
	if (!strict)
		rc = ea_dmarc_org_domain(&w, d->domain, labels, d->org_domain,
		    sizeof(d->org_domain));
	if (rc == EMAUTH_ESYNTAX)
		rc = 0; /* the From side's record is invalid: not aligned */
	else if (rc == 0) {
		rc = aligned(&w, d, identifier, strict, why, sizeof(why));
		if (rc < 0)
			rc = EMAUTH_EDNS;
	}
	ea_dmarc_walk_release(&w);
	ea_free(d);
	return rc;
}

static void
append(char *buf, size_t size, const char *fmt, const char *a, const char *b)
{
	size_t l = strlen(buf);
	if (l < size)
		snprintf(buf + l, size - l, fmt, a, b);
}

int
emauth_dmarc_evaluate(struct emauth_ctx *ctx,
    const struct emauth_dmarc_query *q, struct emauth_dmarc_result *out)
{
	struct ea_dmarc_walk w;
	char d[256], why[300];

	memset(out, 0, sizeof(*out));
	if (q == NULL || (q->ndkim > 0 && q->dkim == NULL))
		return EMAUTH_EINVAL;
	int labels = ea_dmarc_domain(q->from_domain, d, sizeof(d));
	if (labels == 0)
		return EMAUTH_EINVAL;
	ea_dmarc_walk_init(&w, ctx, q->mode, &out->d);
	int rc = ea_dmarc_discover_walk(&w, d, labels, &out->d);
	if (rc != 0)
		goto done;
	const struct emauth_dmarc_discovery *disc = &out->d;
	if (disc->result == EMAUTH_RES_PERMERROR) {
		out->result = EMAUTH_RES_PERMERROR;
		ea_fmt(out->reason, sizeof(out->reason),
		    "the DMARC policy cannot be read: %s", disc->problem);
		goto done;
	}
	if (disc->result == EMAUTH_RES_TEMPERROR) {
		out->result = EMAUTH_RES_TEMPERROR;
		ea_fmt(out->reason, sizeof(out->reason),
		    "the DMARC policy could not be fetched: %s", disc->problem);
		goto done;
	}
	if (disc->result == EMAUTH_RES_NONE) {
		out->result = EMAUTH_RES_NONE;
		ea_fmt(out->reason, sizeof(out->reason),
		    "%s publishes no DMARC policy%s", d,
		    disc->policy_domain[0]
		        ? " (its record sets neither p= nor a valid rua=)"
		        : "");
		goto done;
	}

	const struct emauth_dmarc_record *r = &disc->record;
	char spf_note[512] = "", dkim_note[512] = "";
	bool dns_failed = false;

	/* SPF: only a pass counts, and only when aligned. */
	if (q->spf_domain && q->spf_domain[0]) {
		if (q->spf_result != EMAUTH_RES_PASS) {
			ea_fmt(spf_note, sizeof(spf_note), "SPF for %s is %s",
			    q->spf_domain, emauth_result_name(q->spf_result));
		} else {
			int a = aligned(&w, disc, q->spf_domain, r->aspf_strict,
			    why, sizeof(why));
			if (a < 0)
				dns_failed = true;
			out->spf_aligned = a == 1;
			if (a == 0)
				ea_fmt(spf_note, sizeof(spf_note),
				    "SPF passes for %s, not aligned (%s)",
				    q->spf_domain, why);
		}
	} else {
		ea_fmt(spf_note, sizeof(spf_note), "no SPF result");
	}

	/* DKIM: any passing signature whose d= is aligned. */
	unsigned passing = 0;
	for (size_t i = 0; i < q->ndkim && !out->dkim_aligned; i++) {
		const struct emauth_dmarc_dkim *k = &q->dkim[i];
		if (k->result != EMAUTH_RES_PASS || k->domain == NULL)
			continue;
		passing++;
		int a = aligned(
		    &w, disc, k->domain, r->adkim_strict, why, sizeof(why));
		if (a < 0)
			dns_failed = true;
		if (a == 1) {
			out->dkim_aligned = 1;
			ea_fmt(out->aligned_dkim_domain,
			    sizeof(out->aligned_dkim_domain), "%s", k->domain);
		} else if (a == 0) {
			append(dkim_note, sizeof(dkim_note),
			    "%sDKIM passes for d=%s, not aligned",
			    dkim_note[0] ? "; " : "", k->domain);
			append(
			    dkim_note, sizeof(dkim_note), " (%s)%s", why, "");
		}
	}
	if (passing == 0)
		ea_fmt(dkim_note, sizeof(dkim_note),
		    q->ndkim ? "no DKIM signature passes"
		             : "the message has no DKIM signature");

	if (out->spf_aligned || out->dkim_aligned) {
		out->result = EMAUTH_RES_PASS;
		out->disposition = EMAUTH_DMARC_NONE;
		if (out->dkim_aligned)
			ea_fmt(out->reason, sizeof(out->reason),
			    "DKIM passes for d=%s, aligned with %s%s",
			    out->aligned_dkim_domain, d,
			    out->spf_aligned ? "; SPF passes, aligned too"
			                     : "");
		else
			ea_fmt(out->reason, sizeof(out->reason),
			    "SPF passes for %s, aligned with %s", q->spf_domain,
			    d);
		goto done;
	}
	if (dns_failed) {
		out->result = EMAUTH_RES_TEMPERROR;
		ea_fmt(out->reason, sizeof(out->reason),
		    "alignment could not be decided: %s", w.problem);
		goto done;
	}

	/* Fail: the policy, lowered by t=y or outside pct's sample. */
	out->result = EMAUTH_RES_FAIL;
	enum emauth_dmarc_policy p = disc->policy;
	const char *lowered = "";
	if (q->mode == EMAUTH_DMARC_RFC9989 && r->testing) {
		p = weaker(p);
		lowered = "; t=y lowers it one step";
	} else if (q->mode == EMAUTH_DMARC_RFC7489 && r->pct < 100) {
		int draw = q->pct_draw;
		if (draw < 0) {
			unsigned char b[2];
			if (RAND_bytes(b, 2) != 1)
				b[0] = b[1] = 0;
			draw = ((b[0] << 8) | b[1]) % 100;
		}
		if ((unsigned)draw >= r->pct) {
			p = weaker(p);
			lowered = "; outside pct's sample, the next weaker "
			          "policy applies";
		}
	}
	out->disposition = p;
	ea_fmt(out->reason, sizeof(out->reason), "%s; %s; policy %s=%s%s",
	    spf_note, dkim_note, disc->policy_tag,
	    emauth_dmarc_policy_name(disc->policy), lowered);
done:
	ea_dmarc_walk_release(&w);
	return rc;
}
