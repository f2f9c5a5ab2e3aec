/*
 * domain.c: the checks of a domain's own records: SPF (the include tree
 * and its lookup count, src/spf/audit.c), DMARC (RFC 9989 discovery, each
 * tag, external report destinations, what an RFC 7489 receiver finds),
 * DKIM (the selectors given, or a probe of common ones), MX (null MX,
 * exchanges that do not resolve, CNAMEs, IP literals) and reverse DNS
 * (the sending addresses given, with their SPF authorization, and the MX
 * hosts).
 */
#include "common/internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/ctx.h"
#include "dns/rdata.h"
#include "dns/resolver.h"
#include "common/span.h"

#include <emauth/dkim.h>
#include <emauth/dmarc.h>
#include <emauth/iprev.h>

static const char *const probe_selectors[] = {"default", "selector1",
    "selector2", "google", "k1", "s1", "s2", "mail", "dkim", NULL};

static enum emauth_audit_status
sev_status(enum emauth_spf_severity s)
{
	return s == EMAUTH_SPF_FAIL   ? EMAUTH_AUDIT_FAIL
	       : s == EMAUTH_SPF_WARN ? EMAUTH_AUDIT_WARN
	                              : EMAUTH_AUDIT_INFO;
}

/* The includes the expectations ask for, with {domain} replaced. */
struct includes {
	const char *p[EMAUTH_AUDIT_EXPECT_MAX];
	char buf[EMAUTH_AUDIT_EXPECT_MAX][600];
	size_t n;
};

static struct includes *
expected_includes(const char *domain, const struct emauth_audit_opts *o)
{
	struct includes *in = ea_calloc(1, sizeof(*in));
	for (size_t i = 0; in && i < o->nexpect; i++)
		if (strcmp(o->expect[i].kind, "spf-include") == 0 &&
		    ea_audit_subst(o->expect[i].a, domain, in->buf[in->n],
		        sizeof(in->buf[in->n]))) {
			in->p[in->n] = in->buf[in->n];
			in->n++;
		}
	return in;
}

/*
 * Over ten lookups: the fix is the flattened record ("emauth record spf
 * --flatten", keeping the platform includes the expectations name), when
 * it is within ten lookups, and the record it replaces; @note says how
 * many lookups it makes.
 */
static void
flatten_fix(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *o, const char *record, char **fix,
    char **remove, char *note, size_t nsize)
{
	struct includes *in = expected_includes(domain, o);
	struct emauth_spf_flat *flat = ea_malloc(sizeof(*flat));
	char *line = ea_malloc(EA_AUDIT_FIX_MAX);
	char *old = ea_malloc(EA_AUDIT_FIX_MAX);
	*fix = *remove = NULL;
	if (in && flat && line && old && record[0] &&
	    emauth_spf_flatten(ctx, domain, in->p, in->n, flat) == 0 &&
	    flat->lookups <= 10 &&
	    ea_audit_txt_fix(line, EA_AUDIT_FIX_MAX, domain, flat->record) &&
	    ea_audit_txt_fix(old, EA_AUDIT_FIX_MAX, domain, record)) {
		ea_fmt(note, nsize,
		    "; flattened (emauth record spf --flatten%s) it makes %u",
		    in->n ? ", keeping the expected includes" : "",
		    flat->lookups);
		*fix = line;
		*remove = old;
		line = old = NULL;
	}
	ea_free(in);
	ea_free(flat);
	ea_free(line);
	ea_free(old);
}

/*
 * Two SPF records or more at @domain: the fix is one record keeping every
 * mechanism of each (and the includes the expectations ask for), and the
 * records to delete are the ones there now, one a line. Nothing when a
 * record does not parse or the result does not fit: no fix is built by
 * pasting text into a broken record.
 */
static void
merge_fix(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *o, char **fix, char **remove)
{
	enum { RECORDS_MAX = 8 };
	char(*recs)[EMAUTH_SPF_RECORD_MAX + 1] =
	    ea_malloc(RECORDS_MAX * sizeof(*recs));
	char *merged = ea_malloc(EMAUTH_SPF_RECORD_MAX + 1);
	struct includes *in = expected_includes(domain, o);
	size_t n = 0;
	struct ea_buf del;
	ea_buf_init(&del, (size_t)RECORDS_MAX * EA_AUDIT_FIX_MAX);
	*fix = *remove = NULL;
	if (recs == NULL || merged == NULL || in == NULL ||
	    emauth_spf_records(ctx, domain, recs, RECORDS_MAX, &n) != 0 ||
	    n < 2)
		goto out;
	const char *list[RECORDS_MAX];
	for (size_t i = 0; i < n; i++)
		list[i] = recs[i];
	if (emauth_spf_merge(list, n, in->p, in->n, merged,
	        EMAUTH_SPF_RECORD_MAX + 1, NULL) != 0)
		goto out;
	char *line = ea_malloc(EA_AUDIT_FIX_MAX);
	bool ok = line != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		ok = ea_audit_txt_fix(line, EA_AUDIT_FIX_MAX, domain, recs[i]);
		if (ok)
			ea_buf_printf(&del, "%s%s", i ? "\n" : "", line);
	}
	if (ok && del.err == 0 &&
	    ea_audit_txt_fix(line, EA_AUDIT_FIX_MAX, domain, merged)) {
		*fix = line;
		*remove = ea_buf_steal(&del);
		line = NULL;
	}
	ea_free(line);
out:
	ea_buf_release(&del);
	ea_free(in);
	ea_free(recs);
	ea_free(merged);
}

void
ea_audit_spf(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *o, struct emauth_audit_report *r,
    bool *dns_down)
{
	struct emauth_spf_audit *a = &r->spf;
	char fix[1200];
	emauth_spf_audit(ctx, domain, a);
	const struct emauth_spf_node *root = &a->nodes[0];
	if (strncmp(root->problem, "DNS ", 4) == 0)
		*dns_down = true;
	if (a->has_record) {
		bool bad = false;
		for (unsigned i = 0; i < a->nfindings; i++)
			bad |= a->findings[i].severity == EMAUTH_SPF_FAIL;
		/* Past EMAUTH_SPF_AUDIT_NODES records the count is a lower
		 * bound (the audit says so with a failure too). */
		ea_audit_add(r, "spf",
		    a->total_lookups > 10 || a->truncated ? EMAUTH_AUDIT_FAIL
		    : bad                                 ? EMAUTH_AUDIT_INFO
		                                          : EMAUTH_AUDIT_PASS,
		    "spf.record", NULL, NULL,
		    "SPF record: \"%s\" (%s%u of 10 DNS lookups across the "
		    "include tree)",
		    root->record, a->truncated ? "at least " : "",
		    a->total_lookups);
	}
	fix[0] = '\0';
	if (!a->has_record && strcmp(root->problem, "no SPF record") == 0) {
		/* A record cut short would leave addresses out: no fix
		 * rather than that. */
		struct ea_buf b;
		ea_buf_init(&b, sizeof(fix) - 1);
		ea_buf_printf(&b, "%s.\tIN\tTXT\t\"v=spf1 mx", domain);
		for (size_t i = 0; i < o->nips; i++)
			ea_buf_printf(&b, " ip%c:%s",
			    strchr(o->ips[i], ':') ? '6' : '4', o->ips[i]);
		ea_buf_adds(&b, " -all\"");
		if (b.err == 0)
			ea_fmt(fix, sizeof(fix), "%s", ea_buf_str(&b));
		ea_buf_release(&b);
	}
	for (unsigned i = 0; i < a->nfindings; i++) {
		const struct emauth_spf_finding *f = &a->findings[i];
		char *merged = NULL, *old = NULL, note[160] = "";
		bool at_root = strcasecmp(f->domain, domain) == 0;
		if (f->code && strcmp(f->code, "spf.multiple-records") == 0 &&
		    at_root)
			merge_fix(ctx, domain, o, &merged, &old);
		if (f->code && strcmp(f->code, "spf.lookups-over-10") == 0 &&
		    at_root)
			flatten_fix(ctx, domain, o, root->record, &merged, &old,
			    note, sizeof(note));
		const char *give =
		    merged ? merged
		    : f->code && strcmp(f->code, "spf.missing") == 0 && fix[0]
		        ? fix
		        : NULL;
		ea_audit_add(r, "spf", sev_status(f->severity),
		    f->code ? f->code : "spf.invalid-record", give, old, "%s%s",
		    f->text, note);
		ea_free(merged);
		ea_free(old);
	}
}

/* The domain after the last "@" of the URI at @p (@l bytes) into @dest;
 * false when there is none or it does not fit. */
static bool
uri_domain(const char *p, size_t l, char *dest, size_t size)
{
	const char *at = NULL;
	for (size_t i = 0; i < l; i++)
		if (p[i] == '@')
			at = p + i;
	size_t dl = at ? l - (size_t)(at + 1 - p) : 0;
	if (at == NULL || dl == 0 || dl >= size)
		return false;
	memcpy(dest, at + 1, dl);
	dest[dl] = '\0';
	return true;
}

/*
 * External report destinations (RFC 9990): a destination in another
 * organization must consent with a record at
 * POLICY-DOMAIN._report._dmarc.DEST. One finding per destination, naming
 * the tags that send there (rua=, ruf= or both), with the exact record
 * to publish.
 */
static void
dmarc_destinations(struct emauth_ctx *ctx,
    const struct emauth_dmarc_discovery *d, struct emauth_audit_report *r)
{
	/* More than the two lists of 1,023 bytes can hold ("mailto:a@b,"
	 * is 11 bytes): every destination is checked. */
	enum { DESTS_MAX = 256 };
	char(*dests)[256] = ea_calloc(DESTS_MAX, sizeof(*dests));
	unsigned tags[DESTS_MAX];
	size_t n = 0;
	if (dests == NULL) {
		r->lost++;
		return;
	}
	const char *lists[2] = {d->record.rua, d->record.ruf};
	for (unsigned t = 0; t < 2; t++)
		for (const char *p = lists[t]; *p;) {
			size_t l = strcspn(p, ",");
			char dest[256];
			if (uri_domain(p, l, dest, sizeof(dest))) {
				size_t k = 0;
				while (k < n && strcasecmp(dests[k], dest) != 0)
					k++;
				if (k == n && n < DESTS_MAX) {
					memcpy(dests[n], dest, sizeof(dest));
					tags[n++] = 0;
				}
				if (k < n)
					tags[k] |= 1u << t;
			}
			p += l + (p[l] == ',');
		}
	char fix[1200];
	for (size_t k = 0; k < n; k++) {
		const char *dest = dests[k];
		const char *tag = tags[k] == 3   ? "rua= and ruf="
		                  : tags[k] == 1 ? "rua="
		                                 : "ruf=";
		/* The same Organizational Domain needs nothing. */
		char dorg[256];
		if (emauth_dmarc_org_domain(ctx, dest, EMAUTH_DMARC_RFC9989,
		        dorg, sizeof(dorg)) == 0 &&
		    strcasecmp(dorg, d->org_domain) == 0)
			continue;
		int ok =
		    emauth_dmarc_report_authorized(ctx, d->policy_domain, dest);
		ea_fmt(fix, sizeof(fix),
		    "%s._report._dmarc.%s.\tIN\tTXT\t\"v=DMARC1\"",
		    d->policy_domain, dest);
		if (ok == 1)
			ea_audit_add(r, "dmarc", EMAUTH_AUDIT_PASS,
			    "dmarc.report-authorized", NULL, NULL,
			    "%s accepts the %s reports of %s", dest, tag,
			    d->policy_domain);
		else
			ea_audit_add(r, "dmarc", EMAUTH_AUDIT_WARN,
			    "dmarc.report-unauthorized", fix, NULL,
			    "%s reports go to %s, which has not authorized "
			    "them "
			    "(RFC 9990): receivers will not send them there "
			    "until %s publishes the record below",
			    tag, dest, dest);
	}
	ea_free(dests);
}

/* aspf=s: SPF aligns only when the MAIL FROM domain is the From domain
 * itself; a platform's return path under another name never does. */
static void
dmarc_strict_spf(const char *domain, const struct emauth_dmarc_discovery *d,
    const struct emauth_audit_opts *o, struct emauth_audit_report *r)
{
	char rp[600];
	if (!d->record.aspf_strict)
		return;
	for (size_t i = 0; i < o->nexpect; i++) {
		const struct emauth_audit_expect *e = &o->expect[i];
		if (strcmp(e->kind, "return-path") != 0 ||
		    !ea_audit_subst(e->a, domain, rp, sizeof(rp)) ||
		    strcasecmp(rp, domain) == 0)
			continue;
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_FAIL,
		    "dmarc.strict-spf-unmeetable", NULL, NULL,
		    "aspf=s: the platform's return path %s is not %s itself, "
		    "so "
		    "its SPF pass never aligns and only DKIM can pass DMARC; "
		    "remove aspf=s (relaxed alignment accepts a subdomain)",
		    rp, domain);
	}
}

/*
 * No DMARC record found: the TXT records that were meant as one. At
 * _dmarc.DOMAIN, a record with "v=DMARC1" not first (receivers ignore it:
 * the version must come first); at DOMAIN itself, a DMARC record
 * published at the apex instead of under _dmarc. Each with the record to
 * publish and the one to delete. Returns whether one was found.
 */
static bool
dmarc_near_miss(
    struct emauth_ctx *ctx, const char *domain, struct emauth_audit_report *r)
{
	struct ea_audit_txt_set *txt = ea_malloc(sizeof(*txt));
	bool any = false;
	for (int apex = 0; txt && apex < 2; apex++) {
		char name[300];
		ea_fmt(name, sizeof(name), apex ? "%s" : "_dmarc.%s", domain);
		if (ea_audit_txt(ctx, name, txt) != 0)
			break;
		for (size_t i = 0; i < txt->n; i++) {
			const char *t = txt->text[i];
			const char *v = NULL;
			for (const char *q = t; *q && v == NULL; q++)
				if (strncasecmp(q, "v=DMARC1", 8) == 0)
					v = q;
			if (v == NULL)
				continue;
			/* The record as it should be: v=DMARC1 first, the
			 * other tags as they are. */
			char rec[4200];
			size_t vl = 8 + strspn(v + 8, " ;");
			if (v == t)
				ea_fmt(rec, sizeof(rec), "%s", t);
			else
				ea_fmt(rec, sizeof(rec), "v=DMARC1; %.*s%s",
				    (int)(v - t), t, v + vl);
			size_t rl = strlen(rec);
			while (rl && (rec[rl - 1] == ' ' || rec[rl - 1] == ';'))
				rec[--rl] = '\0';
			char owner[300], *fix = ea_malloc(EA_AUDIT_FIX_MAX),
			                 *del = ea_malloc(EA_AUDIT_FIX_MAX);
			ea_fmt(owner, sizeof(owner), "_dmarc.%s", domain);
			bool ok =
			    fix && del &&
			    ea_audit_txt_fix(
			        fix, EA_AUDIT_FIX_MAX, owner, rec) &&
			    ea_audit_txt_fix(del, EA_AUDIT_FIX_MAX, name, t);
			if (apex)
				ea_audit_add(r, "dmarc", EMAUTH_AUDIT_FAIL,
				    "dmarc.at-apex", ok ? fix : NULL,
				    ok ? del : NULL,
				    "a DMARC record is published at %s itself, "
				    "where receivers do not look: it belongs "
				    "at "
				    "_dmarc.%s",
				    domain, domain);
			else if (v != t)
				ea_audit_add(r, "dmarc", EMAUTH_AUDIT_FAIL,
				    "dmarc.version-not-first", ok ? fix : NULL,
				    ok ? del : NULL,
				    "the record at %s has v=DMARC1, but not "
				    "first: receivers ignore it (RFC 9989: the "
				    "record starts with v=DMARC1)",
				    name);
			any |= apex || v != t;
			ea_free(fix);
			ea_free(del);
		}
	}
	ea_free(txt);
	return any;
}

void
ea_audit_dmarc(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *o, struct emauth_audit_report *r,
    bool *dns_down)
{
	struct emauth_dmarc_discovery *d = ea_malloc(sizeof(*d));
	struct emauth_dmarc_discovery *l = ea_malloc(sizeof(*l));
	char fix[1200];
	if (d == NULL || l == NULL) {
		r->lost++;
		goto out;
	}
	if (emauth_dmarc_discover(ctx, domain, EMAUTH_DMARC_RFC9989, d) != 0) {
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_FAIL,
		    "dmarc.not-a-domain", NULL, NULL, "%s is not a domain name",
		    domain);
		goto out;
	}
	if (d->result == EMAUTH_RES_TEMPERROR) {
		*dns_down = true;
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_FAIL, "dmarc.dns-error",
		    NULL, NULL, "DMARC discovery failed: %s", d->problem);
		goto out;
	}
	if (d->result == EMAUTH_RES_PERMERROR) {
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_FAIL,
		    "dmarc.record-invalid", NULL, NULL,
		    "%s: receivers treat it as invalid (permerror) and apply "
		    "no policy; shorten it (p=, sp=, rua= and a few report "
		    "addresses fit easily)",
		    d->problem);
		goto out;
	}
	const struct emauth_dmarc_record *rec = &d->record;
	if (d->policy_domain[0] == '\0') {
		ea_fmt(fix, sizeof(fix),
		    "_dmarc.%s.\tIN\tTXT\t\"v=DMARC1; p=none; "
		    "rua=mailto:dmarc-reports@%s\"",
		    domain, domain);
		dmarc_near_miss(ctx, domain, r);
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_FAIL, "dmarc.missing",
		    fix, NULL,
		    "no DMARC record for %s or its parents: Gmail and Yahoo "
		    "require one from bulk senders",
		    domain);
		goto out;
	}
	if (strcasecmp(d->policy_domain, domain) != 0)
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_INFO, "dmarc.inherited",
		    NULL, NULL,
		    "no DMARC record of its own: the record of %s applies "
		    "(%s=%s)",
		    d->policy_domain, d->policy_tag ? d->policy_tag : "p",
		    emauth_dmarc_policy_name(d->policy));
	for (unsigned i = 0; i < rec->nnotes; i++) {
		const struct emauth_dmarc_note *n = &rec->notes[i];
		bool err = n->kind == EMAUTH_DMARC_ERROR;
		ea_audit_add(r, "dmarc",
		    err ? EMAUTH_AUDIT_FAIL : EMAUTH_AUDIT_WARN,
		    err ? "dmarc.record-error" : "dmarc.record-warning", NULL,
		    NULL, "%s", n->text);
	}
	if (d->result == EMAUTH_RES_NONE) {
		ea_fmt(fix, sizeof(fix),
		    "_dmarc.%s.\tIN\tTXT\t\"v=DMARC1; p=none; "
		    "rua=mailto:dmarc-reports@%s\"",
		    d->policy_domain, d->policy_domain);
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_FAIL, "dmarc.no-policy",
		    fix, NULL, "the DMARC record of %s sets no policy",
		    d->policy_domain);
		goto out;
	}
	if (d->policy == EMAUTH_DMARC_NONE)
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_WARN, "dmarc.policy-none",
		    NULL, NULL,
		    "%s=none: monitoring only, forged mail is still delivered; "
		    "move to quarantine or reject once the reports show only "
		    "your own mail",
		    d->policy_tag);
	else
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_PASS, "dmarc.policy",
		    NULL, NULL, "DMARC policy %s=%s for %s%s", d->policy_tag,
		    emauth_dmarc_policy_name(d->policy), domain,
		    rec->testing ? " (t=y: receivers apply one step less)"
		                 : "");
	if (rec->sp_given && strcasecmp(d->policy_domain, domain) == 0)
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_INFO,
		    "dmarc.subdomain-policy", NULL, NULL,
		    "subdomains get sp=%s", emauth_dmarc_policy_name(rec->sp));
	if (rec->rua[0] == '\0' && d->policy != EMAUTH_DMARC_NONE) {
		/* The record that sets the policy, with rua= added, and the
		 * one it replaces. */
		char rua[300], *del = NULL;
		ea_fmt(rua, sizeof(rua), "mailto:dmarc-reports@%s",
		    d->policy_domain);
		ea_audit_dmarc_set(ctx, d->policy_domain, d, "rua", rua, fix,
		    sizeof(fix), &del);
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_WARN,
		    "dmarc.enforcing-without-rua", fix[0] && del ? fix : NULL,
		    fix[0] ? del : NULL,
		    "%s=%s without rua=: nobody will see the mail this policy "
		    "refuses, your own included; the usual path is p=none with "
		    "rua= first, then quarantine and reject once the reports "
		    "show only your own mail",
		    d->policy_tag, emauth_dmarc_policy_name(d->policy));
		ea_free(del);
	} else if (rec->rua[0] == '\0') {
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_WARN, "dmarc.no-rua",
		    NULL, NULL,
		    "no rua=: you receive no aggregate reports, so you cannot "
		    "see who sends as %s",
		    domain);
	}
	dmarc_destinations(ctx, d, r);
	dmarc_strict_spf(domain, d, o, r);
	/* What a receiver still on RFC 7489 (the Public Suffix List) finds. */
	if (emauth_dmarc_discover(ctx, domain, EMAUTH_DMARC_RFC7489, l) == 0 &&
	    l->result != EMAUTH_RES_TEMPERROR &&
	    (strcasecmp(l->policy_domain, d->policy_domain) != 0 ||
	        l->policy != d->policy))
		ea_audit_add(r, "dmarc", EMAUTH_AUDIT_INFO, "dmarc.psl-differs",
		    NULL, NULL,
		    "a receiver using the Public Suffix List (RFC 7489) finds "
		    "%s instead",
		    l->policy_domain[0] ? l->policy_domain : "no policy");
out:
	ea_free(d);
	ea_free(l);
}

/* The selector of expectation @e ("dkim-cname SELECTOR TARGET") and its
 * target, with {domain} replaced; false when they do not fit. */
static bool
expected_selector(const char *domain, const struct emauth_audit_expect *e,
    char *sel, char *target, size_t size)
{
	return strcmp(e->kind, "dkim-cname") == 0 &&
	       ea_audit_subst(e->a, domain, sel, size) &&
	       ea_audit_subst(e->b, domain, target, size);
}

/* One selector: its key, or what is wrong. @target is the CNAME the
 * expectations ask for (the fix when there is no key), or NULL. */
static bool
dkim_selector(struct emauth_ctx *ctx, const char *domain, const char *sel,
    const char *target, bool probe, struct emauth_audit_report *r)
{
	char fix[1200];
	struct emauth_dkim_key_info k;
	if (emauth_dkim_key_lookup(ctx, sel, domain, &k) != 0) {
		ea_audit_add(r, "dkim", EMAUTH_AUDIT_FAIL, "dkim.bad-selector",
		    NULL, NULL, "selector '%s' is not a valid name", sel);
		return false;
	}
	if (!k.found) {
		if (probe)
			return false;
		/* The name typed with the domain twice: a zone file line
		 * "s._domainkey.example.com" without its final dot. */
		char twice[600];
		struct emauth_dkim_key_info k2;
		ea_fmt(twice, sizeof(twice), "%s.%s", domain, domain);
		if (!k.dns_error && strlen(twice) <= 253 &&
		    emauth_dkim_key_lookup(ctx, sel, twice, &k2) == 0 &&
		    k2.found) {
			ea_fmt(fix, sizeof(fix),
			    "name the record %s. (with the final dot) or "
			    "%s._domainkey (relative to the zone), and delete "
			    "%s",
			    k.name, sel, k2.name);
			ea_audit_add(r, "dkim", EMAUTH_AUDIT_FAIL,
			    "dkim.domain-twice", fix, NULL,
			    "%s: no key record, but there is one at %s: the "
			    "domain is written twice (a zone file name without "
			    "its final dot)",
			    k.name, k2.name);
			return false;
		}
		if (target)
			ea_fmt(fix, sizeof(fix), "%s.\tIN\tCNAME\t%s.", k.name,
			    target);
		else
			ea_fmt(fix, sizeof(fix),
			    "emauth keygen --domain %s --selector %s   (then "
			    "publish %s.txt), or the CNAME your platform gives",
			    domain, sel, sel);
		ea_audit_add(r, "dkim", EMAUTH_AUDIT_FAIL,
		    k.dns_error ? "dkim.dns-error" : "dkim.no-key",
		    k.dns_error ? NULL : fix, NULL, "%s: %s", k.name,
		    k.dns_error ? k.problem : "no key record");
		return false;
	}
	char where[400] = "";
	if (k.target[0])
		ea_fmt(where, sizeof(where), " (delegated by CNAME to %s)",
		    k.target);
	if (k.revoked)
		ea_audit_add(r, "dkim", EMAUTH_AUDIT_WARN, "dkim.revoked", NULL,
		    NULL,
		    "%s%s: key revoked (empty p=); signatures with it fail",
		    k.name, where);
	else if (!k.usable)
		ea_audit_add(r, "dkim", EMAUTH_AUDIT_FAIL, "dkim.key-unusable",
		    NULL, NULL, "%s%s: %s", k.name, where, k.problem);
	else if (strcmp(k.type, "rsa") == 0 && k.bits < 2048)
		ea_audit_add(r, "dkim", EMAUTH_AUDIT_WARN, "dkim.weak-key",
		    NULL, NULL, "%s%s: RSA %u bits; use 2048 (emauth keygen)",
		    k.name, where, k.bits);
	else
		ea_audit_add(r, "dkim", EMAUTH_AUDIT_PASS, "dkim.key", NULL,
		    NULL, "%s%s: %s key, %u bits", k.name, where, k.type,
		    k.bits);
	if (k.usable && k.testing)
		ea_audit_add(r, "dkim", EMAUTH_AUDIT_WARN, "dkim.testing", NULL,
		    NULL,
		    "%s: t=y (testing): receivers may treat failures as if "
		    "unsigned; remove it once signing works",
		    k.name);
	if (k.usable && !k.sha256_ok)
		ea_audit_add(r, "dkim", EMAUTH_AUDIT_FAIL, "dkim.no-sha256",
		    NULL, NULL, "%s: h= does not allow sha256", k.name);
	if (k.problem[0] && k.usable)
		ea_audit_add(r, "dkim", EMAUTH_AUDIT_WARN, "dkim.key-note",
		    NULL, NULL, "%s: %s", k.name, k.problem);
	return true;
}

/*
 * The selectors given; without any, those the expectations name (their
 * CNAME is the fix); without those, a probe of common selectors.
 */
void
ea_audit_dkim(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *o, struct emauth_audit_report *r)
{
	char sel[600], target[600];
	if (o->nselectors) {
		for (size_t i = 0; i < o->nselectors; i++)
			dkim_selector(
			    ctx, domain, o->selectors[i], NULL, false, r);
		return;
	}
	bool expected = false;
	for (size_t i = 0; i < o->nexpect; i++)
		if (expected_selector(
		        domain, &o->expect[i], sel, target, sizeof(sel))) {
			expected = true;
			dkim_selector(ctx, domain, sel, target, false, r);
		}
	if (expected)
		return;
	unsigned found = 0;
	for (size_t i = 0; probe_selectors[i]; i++)
		found += dkim_selector(
		    ctx, domain, probe_selectors[i], NULL, true, r);
	if (found)
		ea_audit_add(r, "dkim", EMAUTH_AUDIT_INFO, "dkim.probe-found",
		    NULL, NULL,
		    "probed common selectors: %u found (give --selector for "
		    "the ones you use)",
		    found);
	else
		ea_audit_add(r, "dkim", EMAUTH_AUDIT_WARN, "dkim.probe-none",
		    NULL, NULL,
		    "probed common selectors: none found (give --selector: a "
		    "DKIM key cannot be discovered)");
}

/* One MX host; @more is added to a problem. */
static void
mx_host(struct emauth_audit_report *r, const struct emauth_mx_host *h,
    const char *more)
{
	if (h->is_ip_literal)
		ea_audit_add(r, "mx", EMAUTH_AUDIT_FAIL, "mx.ip-literal", NULL,
		    NULL, "MX %u %s is an IP address: an MX must name a host%s",
		    h->preference, h->name, more);
	else if (h->is_cname)
		ea_audit_add(r, "mx", EMAUTH_AUDIT_FAIL, "mx.cname", NULL, NULL,
		    "MX %u %s is a CNAME: an MX must name the host itself "
		    "(RFC 2181 §10.3)%s",
		    h->preference, h->name, more);
	else if (h->dns_error)
		ea_audit_add(r, "mx", EMAUTH_AUDIT_WARN, "mx.host-dns-error",
		    NULL, NULL,
		    "MX %u %s: looking up its addresses failed (DNS error); "
		    "check again%s",
		    h->preference, h->name, more);
	else if (h->naddrs == 0)
		ea_audit_add(r, "mx", EMAUTH_AUDIT_FAIL, "mx.no-address", NULL,
		    NULL, "MX %u %s does not resolve to an address%s",
		    h->preference, h->name, more);
	else if (h->naddrs_total > 1)
		ea_audit_add(r, "mx", EMAUTH_AUDIT_PASS, "mx.host", NULL, NULL,
		    "MX %u %s (%s, ... %u addresses)", h->preference, h->name,
		    h->addrs[0], h->naddrs_total);
	else
		ea_audit_add(r, "mx", EMAUTH_AUDIT_PASS, "mx.host", NULL, NULL,
		    "MX %u %s (%s)", h->preference, h->name, h->addrs[0]);
}

void
ea_audit_mx(struct emauth_ctx *ctx, const char *domain,
    struct emauth_audit_report *r, struct emauth_mx_info *mx)
{
	emauth_mx_lookup(ctx, domain, mx);
	if (mx->dns_error) {
		ea_audit_add(r, "mx", EMAUTH_AUDIT_FAIL, "mx.lookup-failed",
		    NULL, NULL, "the MX lookup for %s failed", domain);
		return;
	}
	if (mx->null_mx) {
		ea_audit_add(r, "mx", EMAUTH_AUDIT_INFO, "mx.null", NULL, NULL,
		    "null MX (RFC 7505): %s accepts no mail", domain);
		return;
	}
	if (mx->n == 0) {
		ea_audit_add(r, "mx", EMAUTH_AUDIT_WARN, "mx.missing", NULL,
		    NULL,
		    "no MX record: mail to %s goes to its address record, and "
		    "bounces and replies to it may be lost; publish an MX, or "
		    "\"%s. IN MX 0 .\" if it takes no mail",
		    domain, domain);
		return;
	}
	for (unsigned i = 0; i < mx->n; i++)
		mx_host(r, &mx->hosts[i], "");
	/* Only the most preferred are listed; every one was examined. */
	if (mx->n_total > mx->n)
		ea_audit_add(r, "mx", EMAUTH_AUDIT_INFO, "mx.many-hosts", NULL,
		    NULL,
		    "%u MX hosts, more than %d: the %u most preferred are "
		    "listed, and every one was checked",
		    mx->n_total, EMAUTH_MX_HOSTS_MAX, mx->n);
	if (mx->more_bad) {
		char more[160];
		ea_fmt(more, sizeof(more),
		    " (not listed above: %u of the MX hosts not listed have "
		    "problems, this is the most preferred)",
		    mx->more_bad);
		mx_host(r, &mx->first_more_bad, more);
	}
}
