/*
 * record.c: record authoring ("emauth record"): a record made from its
 * parts, checked by the parser receivers' evaluation uses, with the notes
 * an administrator needs before publishing it. Nothing is cut: a record
 * that does not fit is refused.
 */
#include "common/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/span.h"

#include <emauth/dmarc.h>
#include <emauth/spf.h>

static void note(struct emauth_record *r, const char *fmt, ...) EA_PRINTF(2, 3);

/* Adds a note; past EMAUTH_RECORD_NOTES_MAX they are counted, and the last
 * kept one says how many more there were. */
static void
note(struct emauth_record *r, const char *fmt, ...)
{
	if (r->nnotes == EMAUTH_RECORD_NOTES_MAX) {
		r->more_notes++;
		ea_fmt(r->notes[r->nnotes - 1], sizeof(r->notes[0]),
		    "... %u more notes not shown", r->more_notes + 1);
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->notes[r->nnotes], sizeof(r->notes[0]), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(r->notes[0]))
		memcpy(r->notes[r->nnotes] + sizeof(r->notes[0]) - 4, "...", 4);
	r->nnotes++;
}

static bool
policy_ok(const char *p)
{
	return p == NULL || strcmp(p, "none") == 0 ||
	       strcmp(p, "quarantine") == 0 || strcmp(p, "reject") == 0;
}

/* Whether @dest is @domain or under it. */
static bool
inside(const char *dest, size_t dl, const char *domain)
{
	size_t ol = domain ? strlen(domain) : 0;
	return domain && ((dl == ol && strncasecmp(dest, domain, dl) == 0) ||
	                     (dl > ol && dest[dl - ol - 1] == '.' &&
	                         strncasecmp(dest + dl - ol, domain, ol) == 0));
}

/* The consent each destination of @list outside @domain must publish. */
static void
consent_notes(struct emauth_record *r, const char *list, const char *domain)
{
	for (const char *u = list ? list : ""; *u;) {
		size_t l = strcspn(u, ",");
		const char *at = NULL;
		for (size_t i = 0; i < l; i++)
			if (u[i] == '@')
				at = u + i;
		if (at) {
			const char *dest = at + 1;
			size_t dl = (size_t)(u + l - dest);
			const char *bang = memchr(dest, '!', dl);
			if (bang)
				dl = (size_t)(bang - dest);
			if (!inside(dest, dl, domain))
				note(r,
				    "reports to %.*s need its consent: "
				    "%s._report._dmarc.%.*s. IN TXT "
				    "\"v=DMARC1\" "
				    "(RFC 9990)",
				    (int)dl, dest, domain ? domain : "DOMAIN",
				    (int)dl, dest);
		}
		u += l + (u[l] == ',');
	}
}

EMAUTH_API int
emauth_record_dmarc(struct emauth_ctx *ctx,
    const struct emauth_record_dmarc_opts *o, struct emauth_record *out)
{
	memset(out, 0, sizeof(*out));
	if (o == NULL || o->p == NULL || !policy_ok(o->p) ||
	    !policy_ok(o->sp) || !policy_ok(o->np))
		return EMAUTH_EINVAL;
	if (o->domain && (o->domain[0] == '\0' || strlen(o->domain) > 253))
		return EMAUTH_EINVAL;
	struct ea_buf b;
	ea_buf_init(&b, sizeof(out->text) - 1);
	ea_buf_printf(&b, "v=DMARC1; p=%s", o->p);
	if (o->sp)
		ea_buf_printf(&b, "; sp=%s", o->sp);
	if (o->np)
		ea_buf_printf(&b, "; np=%s", o->np);
	if (o->adkim)
		ea_buf_printf(&b, "; adkim=%s", o->adkim);
	if (o->aspf)
		ea_buf_printf(&b, "; aspf=%s", o->aspf);
	if (o->testing)
		ea_buf_adds(&b, "; t=y");
	if (o->pct)
		ea_buf_printf(&b, "; pct=%s", o->pct);
	if (o->rua && o->rua[0])
		ea_buf_printf(&b, "; rua=%s", o->rua);
	if (o->ruf && o->ruf[0])
		ea_buf_printf(&b, "; ruf=%s", o->ruf);
	if (o->fo)
		ea_buf_printf(&b, "; fo=%s", o->fo);
	int rc = b.err ? EMAUTH_ETOOBIG : 0;
	if (rc == 0)
		memcpy(out->text, ea_buf_str(&b), b.len + 1);
	ea_buf_release(&b);
	if (rc)
		return rc;
	/* Checked by the parser receivers' evaluation uses: an error is a
	 * refusal with its text, a warning a note. */
	struct emauth_dmarc_record *pr = ea_malloc(sizeof(*pr));
	if (pr == NULL)
		return EMAUTH_ENOMEM;
	emauth_dmarc_record_parse(
	    ea_span_str(out->text), EMAUTH_DMARC_RFC9989, pr);
	for (unsigned i = 0; i < pr->nnotes; i++) {
		const struct emauth_dmarc_note *n = &pr->notes[i];
		if (n->kind == EMAUTH_DMARC_ERROR && rc == 0) {
			ea_fmt(out->error, sizeof(out->error), "%s", n->text);
			rc = EMAUTH_ESYNTAX;
		} else if (n->kind != EMAUTH_DMARC_ERROR) {
			note(out, "%s", n->text);
		}
	}
	ea_free(pr);
	if (rc)
		return rc;
	if (strcmp(o->p, "none") == 0)
		note(out, "p=none only monitors; move to quarantine or reject "
		          "once the aggregate reports show only your own mail");
	if (o->rua == NULL || o->rua[0] == '\0')
		note(out, "without rua= no aggregate reports are sent to you");
	/* An enforcing policy for a domain without a DMARC record yet. */
	if (ctx && o->domain && strcmp(o->p, "none") != 0) {
		struct emauth_dmarc_discovery *d = ea_malloc(sizeof(*d));
		if (d && emauth_dmarc_discover(
		             ctx, o->domain, EMAUTH_DMARC_RFC9989, d) == 0) {
			if (d->result == EMAUTH_RES_TEMPERROR)
				note(out,
				    "the DMARC record of %s could not be "
				    "looked "
				    "up (%s)",
				    o->domain, d->problem);
			else if (d->policy_domain[0] == '\0')
				note(out,
				    "warning: %s has no DMARC record yet: p=%s "
				    "refuses or quarantines every sender you "
				    "have "
				    "not yet set up, and nothing tells you "
				    "which; "
				    "the usual path is p=none with rua= first, "
				    "then "
				    "quarantine and reject once the reports "
				    "show "
				    "only your own mail",
				    o->domain, o->p);
		}
		ea_free(d);
	}
	consent_notes(out, o->rua, o->domain);
	consent_notes(out, o->ruf, o->domain);
	char owner[300];
	ea_fmt(owner, sizeof(owner), "_dmarc%s%s", o->domain ? "." : "",
	    o->domain ? o->domain : "");
	if (o->domain) {
		if (!ea_audit_txt_fix(
		        out->line, sizeof(out->line), owner, out->text))
			return EMAUTH_ETOOBIG;
	} else {
		/* Relative owner: no final dot. */
		char tmp[sizeof(out->line)];
		if (!ea_audit_txt_fix(tmp, sizeof(tmp), owner, out->text))
			return EMAUTH_ETOOBIG;
		size_t ol = strlen(owner);
		ea_fmt(
		    out->line, sizeof(out->line), "%s%s", owner, tmp + ol + 1);
	}
	return 0;
}

EMAUTH_API int
emauth_record_spf(struct emauth_ctx *ctx,
    const struct emauth_record_spf_opts *o, struct emauth_record *out)
{
	memset(out, 0, sizeof(*out));
	const char *all = o && o->all ? o->all : "-all";
	if (o == NULL ||
	    (strcmp(all, "-all") && strcmp(all, "~all") && strcmp(all, "?all")))
		return EMAUTH_EINVAL;
	if (o->domain && (o->domain[0] == '\0' || strlen(o->domain) > 253))
		return EMAUTH_EINVAL;
	/* mx and a first (the domain's own servers), then addresses, then
	 * includes, then all. */
	struct ea_buf b;
	ea_buf_init(&b, sizeof(out->text) - 1);
	ea_buf_adds(&b, "v=spf1");
	if (o->mx)
		ea_buf_adds(&b, " mx");
	if (o->a)
		ea_buf_adds(&b, " a");
	for (size_t i = 0; i < o->nnetworks; i++)
		ea_buf_printf(&b, " %s", o->networks[i]);
	for (size_t i = 0; i < o->nincludes; i++)
		ea_buf_printf(&b, " include:%s", o->includes[i]);
	ea_buf_printf(&b, " %s", all);
	int rc = b.err ? EMAUTH_ETOOBIG : 0;
	if (rc == 0)
		memcpy(out->text, ea_buf_str(&b), b.len + 1);
	size_t len = b.len;
	ea_buf_release(&b);
	if (rc)
		return rc;
	if (!o->mx && !o->a && o->nnetworks == 0 && o->nincludes == 0)
		note(out, "no mechanism authorizes anyone; this record says "
		          "the domain sends no mail");
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	if ((rc = emauth_spf_record_check(ea_span(out->text, len), &d)) != 0) {
		char msg[400];
		ea_fmt(out->error, sizeof(out->error),
		    "the record is not valid: %s",
		    d.msg ? emauth_diag_format(&d, msg, sizeof(msg))
		          : emauth_strerror(rc));
		return EMAUTH_ESYNTAX;
	}
	/* What each include costs, from the records published now (the
	 * audit of the include target). */
	unsigned lookups =
	             (unsigned)o->mx + (unsigned)o->a + (unsigned)o->nincludes,
	         total = lookups;
	const char *costliest = NULL;
	unsigned cost_max = 0;
	bool missing = false;
	if (ctx && o->nincludes) {
		struct emauth_spf_audit *au = ea_malloc(sizeof(*au));
		if (au == NULL)
			return EMAUTH_ENOMEM;
		for (size_t i = 0; i < o->nincludes; i++) {
			const char *h = o->includes[i];
			emauth_spf_audit(ctx, h, au);
			if (!au->has_record) {
				note(out, "include:%s: %s", h,
				    au->nnodes && au->nodes[0].problem[0]
				        ? au->nodes[0].problem
				        : "no usable SPF record");
				missing = true;
				continue;
			}
			note(out, "include:%s costs %u DNS lookup%s", h,
			    1 + au->total_lookups,
			    au->total_lookups ? "s" : "");
			total += au->total_lookups;
			if (1 + au->total_lookups > cost_max) {
				cost_max = 1 + au->total_lookups;
				costliest = h;
			}
		}
		ea_free(au);
		if (missing && !o->force) {
			ea_fmt(out->error, sizeof(out->error),
			    "an include has no usable SPF record");
			return EMAUTH_ELIMIT;
		}
	}
	if (total > 10 && !o->force) {
		ea_fmt(out->error, sizeof(out->error),
		    "%u DNS lookups in all; receivers allow 10 (RFC 7208 "
		    "4.6.4)%s%s",
		    total, costliest ? "; the costliest include is " : "",
		    costliest ? costliest : "");
		return EMAUTH_ELIMIT;
	}
	if (len > 450)
		note(out,
		    "%zu bytes; answers over 512 bytes need TCP or EDNS "
		    "at some receivers",
		    len);
	if (ctx && o->nincludes)
		note(out, "%u of 10 DNS lookups in all", total);
	else
		note(out, "%u DNS-querying term%s at the top level%s", lookups,
		    lookups == 1 ? "" : "s",
		    o->nincludes ? "; each include adds the terms of its own "
		                   "record"
		                 : "");
	char owner[300];
	ea_fmt(owner, sizeof(owner), "%s", o->domain ? o->domain : "@");
	if (!ea_audit_txt_fix(out->line, sizeof(out->line), owner, out->text))
		return EMAUTH_ETOOBIG;
	if (o->domain == NULL) {
		/* "@" is relative: no final dot. */
		size_t ol = strlen(owner);
		memmove(out->line + ol, out->line + ol + 1,
		    strlen(out->line + ol + 1) + 1);
	}
	return 0;
}
