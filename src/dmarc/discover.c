/*
 * discover.c: finding the DMARC policy for a domain and its Organizational
 * Domain.
 *
 * RFC 9989, the DNS Tree Walk: query _dmarc.<domain>; without a
 * single valid record there, query the parent names, jumping first to the
 * last seven labels when the domain has eight or more, down to the
 * top-level label: at most 8 queries. Policy discovery takes the first
 * valid record on the way. The Organizational Domain walk goes on past
 * records without psd=: a record with psd=n makes its domain the
 * Organizational Domain, psd=y makes it the domain one label below (the
 * domain itself when psd=y is at the domain), and otherwise it is the
 * domain with the fewest labels that has a record, or the domain itself
 * when none has.
 *
 * RFC 7489 §6.6.3: the record at the domain, else the one at the
 * Organizational Domain, which is the registrable domain that the Public
 * Suffix List gives (libpsl, Debian's publicsuffix data).
 *
 * A name with no record, NXDOMAIN, NODATA, records that are not DMARC, and
 * more than one DMARC record all count as "no record" (RFC 9989); a
 * DNS failure makes the discovery a temperror.
 */
#include "../common/internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libpsl.h>

#include "../common/alloc.h"
#include "../common/buf.h"
#include "../common/ctx.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "../dns/rdata.h"
#include "../dns/resolver.h"
#include "dmarc.h"

/* Normalises @in (lower case, no final dot) into @out; checks it is a
 * plausible domain name: 1..253 bytes, labels of 1..63 bytes, at least
 * one label. @return the number of labels, or 0 when it is not a name. */
int
ea_dmarc_domain(const char *in, char *out, size_t size)
{
	size_t len = in ? strlen(in) : 0;
	if (len && in[len - 1] == '.')
		len--;
	if (len == 0 || len > EA_DNS_NAME_MAX || len >= size)
		return 0;
	int labels = 1;
	size_t lab = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)in[i];
		if (c == '.') {
			if (lab == 0)
				return 0;
			labels++;
			lab = 0;
		} else if (c <= 0x20 || c == 0x7f || ++lab > EA_DNS_LABEL_MAX) {
			return 0;
		}
		out[i] = (char)ea_lower(c);
	}
	if (lab == 0)
		return 0;
	out[len] = '\0';
	return labels;
}

/* The last @n labels of @d (which has @labels labels). */
static const char *
last_labels(const char *d, int labels, int n)
{
	const char *p = d;
	for (int drop = labels - n; drop > 0; drop--) {
		p = strchr(p, '.');
		if (p == NULL)
			return d;
		p++;
	}
	return p;
}

static void
step(struct ea_dmarc_walk *w, const char *name, const char *status)
{
	struct emauth_dmarc_discovery *o = w->out;
	if (o == NULL)
		return;
	if (o->nsteps >= EMAUTH_DMARC_STEPS_MAX) {
		/* The list is full: its last line says so. */
		struct emauth_dmarc_step *l = &o->steps[o->nsteps - 1];
		ea_fmt(l->name, sizeof(l->name), "...");
		ea_fmt(l->status, sizeof(l->status), "more queries not listed");
		return;
	}
	struct emauth_dmarc_step *s = &o->steps[o->nsteps++];
	ea_fmt(s->name, sizeof(s->name), "_dmarc.%s", name);
	ea_fmt(s->status, sizeof(s->status), "%s", status);
}

void
ea_dmarc_walk_init(struct ea_dmarc_walk *w, struct emauth_ctx *ctx,
    enum emauth_dmarc_mode mode, struct emauth_dmarc_discovery *out)
{
	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->mode = mode;
	w->out = out;
	w->res = ea_ctx_resolver(ctx);
	if (w->res) {
		/* Enough for the author's walk and one per identifier. */
		w->budget.max_queries = 8 * EA_DMARC_WALK_MAX;
		ea_dns_budget_start(&w->budget, w->res);
	}
}

void
ea_dmarc_walk_release(struct ea_dmarc_walk *w)
{
	for (size_t i = 0; i < w->nseen; i++)
		ea_free(w->seen[i].rec);
	w->nseen = 0;
}

/*
 * The DMARC record at _dmarc.@name: 1 and @rec when there is exactly one
 * valid record, 0 when there is none, -1 on a DNS failure, -2 when a DMARC
 * record there is over EA_DMARC_RECORD_MAX (w->problem says so). Answers
 * are remembered for the rest of the evaluation.
 */
int
ea_dmarc_fetch(
    struct ea_dmarc_walk *w, const char *name, struct emauth_dmarc_record *rec)
{
	for (size_t i = 0; i < w->nseen; i++)
		if (strcmp(w->seen[i].name, name) == 0) {
			if (w->seen[i].found == 1)
				*rec = *w->seen[i].rec;
			return w->seen[i].found;
		}
	if (w->res == NULL) {
		ea_fmt(w->problem, sizeof(w->problem),
		    "the DNS resolver could not start");
		return -1;
	}
	char qname[300];
	ea_fmt(qname, sizeof(qname), "_dmarc.%s", name);
	if (strlen(qname) > EA_DNS_NAME_MAX) {
		step(w, name, "name too long");
		return 0;
	}
	struct ea_dns_answer ans;
	if (ea_dns_query(w->res, &w->budget, qname, EA_DNS_T_TXT, &ans) != 0)
		return -1;
	int found = 0;
	unsigned valid = 0;
	const char *status = "no record";
	if (ans.status == EA_DNS_TEMPFAIL) {
		ea_fmt(w->problem, sizeof(w->problem), "DNS %s for %s",
		    ans.why ? ans.why : "failure", qname);
		status = "temporary failure";
		found = -1;
	} else if (ans.status == EA_DNS_ANSWER) {
		struct ea_buf txt;
		bool oversized = false;
		/* Joined whole (a TXT record holds at most 64 KiB), so that a
		 * DMARC record over the cap is seen as one. */
		ea_buf_init(&txt, EA_DNS_TXT_MAX);
		for (size_t i = 0; i < ans.n; i++) {
			struct emauth_dmarc_record r;
			ea_buf_reset(&txt);
			if (ea_dns_txt_join(ans.rr[i].rdata, &txt) != 0)
				continue;
			if (txt.len > EA_DMARC_RECORD_MAX) {
				/* Ours, and fail closed: a record over the cap
				 * that starts as a DMARC record is an invalid
				 * record at this name, not the absence of one
				 * (the walk must not go on to a parent's
				 * policy as if there were none). */
				if (emauth_dmarc_record_parse(
				        ea_span(txt.p, EA_DMARC_RECORD_MAX),
				        w->mode, &r) == 0 &&
				    r.valid)
					oversized = true;
				continue;
			}
			if (emauth_dmarc_record_parse(
			        ea_span(txt.p, txt.len), w->mode, &r) != 0 ||
			    !r.valid)
				continue;
			if (valid++ == 0)
				*rec = r;
		}
		ea_buf_release(&txt);
		if (oversized) {
			found = -2;
			status = "DMARC record over 4096 bytes";
			ea_fmt(w->problem, sizeof(w->problem),
			    "the DMARC record at %s is longer than %d bytes",
			    qname, EA_DMARC_RECORD_MAX);
		} else if (valid == 1) {
			found = 1;
			status = "record";
		} else if (valid > 1) {
			status = "several DMARC records: none used";
		} else {
			status = "no DMARC record";
		}
	} else if (ans.status == EA_DNS_NXDOMAIN) {
		status = "no record (NXDOMAIN)";
	}
	ea_dns_answer_release(&ans);
	step(w, name, status);
	if (w->nseen < sizeof(w->seen) / sizeof(w->seen[0])) {
		struct ea_dmarc_seen *s = &w->seen[w->nseen];
		s->rec = found == 1 ? ea_malloc(sizeof(*rec)) : NULL;
		if (found != 1 || s->rec != NULL) {
			ea_fmt(s->name, sizeof(s->name), "%s", name);
			s->found = found;
			if (s->rec)
				*s->rec = *rec;
			w->nseen++;
		}
	}
	return found;
}

/* The names the Tree Walk queries for @d. */
static int
walk_names(const char *d, int labels, const char **names)
{
	int n = 0;
	names[n++] = d;
	int next = labels >= 8 ? 7 : labels - 1;
	for (int k = next; k >= 1; k--)
		names[n++] = last_labels(d, labels, k);
	return n;
}

int
ea_dmarc_tree_walk(struct ea_dmarc_walk *w, const char *d, int labels,
    char *found_at, size_t size, struct emauth_dmarc_record *rec)
{
	const char *names[EA_DMARC_WALK_MAX];
	int n = walk_names(d, labels, names);
	for (int i = 0; i < n; i++) {
		int f = ea_dmarc_fetch(w, names[i], rec);
		if (f != 0) {
			if (f == 1)
				ea_fmt(found_at, size, "%s", names[i]);
			return f;
		}
	}
	return 0;
}

/* The PSL, loaded once per process: the newer of libpsl's built-in data
 * and the distribution's file. */
static const psl_ctx_t *psl;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void
load_psl(void)
{
	psl = psl_latest(NULL);
	if (psl == NULL)
		psl = psl_builtin();
}

int
ea_dmarc_org_domain(
    struct ea_dmarc_walk *w, const char *d, int labels, char *out, size_t size)
{
	if (w->mode == EMAUTH_DMARC_RFC7489) {
		pthread_once(&psl_once, load_psl);
		const char *reg = psl ? psl_registrable_domain(psl, d) : NULL;
		/* A public suffix itself has no registrable domain: it is
		 * its own Organizational Domain. */
		ea_fmt(out, size, "%s", reg ? reg : d);
		return 0;
	}
	const char *names[EA_DMARC_WALK_MAX];
	int n = walk_names(d, labels, names);
	const char *fewest = NULL;
	for (int i = 0; i < n; i++) {
		struct emauth_dmarc_record rec;
		int f = ea_dmarc_fetch(w, names[i], &rec);
		if (f == -2)
			return EMAUTH_ESYNTAX;
		if (f < 0)
			return EMAUTH_EDNS;
		if (f == 0)
			continue;
		if (rec.psd == 'n') {
			ea_fmt(out, size, "%s", names[i]);
			return 0;
		}
		if (rec.psd == 'y') {
			int at = 1;
			for (const char *p = names[i]; (p = strchr(p, '.'));
			     p++)
				at++;
			ea_fmt(out, size, "%s",
			    i == 0 ? d : last_labels(d, labels, at + 1));
			return 0;
		}
		fewest = names[i];
	}
	ea_fmt(out, size, "%s", fewest ? fewest : d);
	return 0;
}

/*
 * Whether @d exists for np (RFC 9989 defines a non-existent domain answers
 * NXDOMAIN or NODATA for A, AAAA and MX). A DNS failure counts as
 * existing, so the failure never makes the stricter np apply.
 */
static bool
domain_exists(struct ea_dmarc_walk *w, const char *d)
{
	static const uint16_t types[] = {
	    EA_DNS_T_A, EA_DNS_T_AAAA, EA_DNS_T_MX};
	for (size_t i = 0; i < 3; i++) {
		struct ea_dns_answer ans;
		if (ea_dns_query(w->res, &w->budget, d, types[i], &ans) != 0)
			return true;
		enum ea_dns_status st = ans.status;
		ea_dns_answer_release(&ans);
		if (st == EA_DNS_NXDOMAIN)
			return false; /* RFC 8020: nothing more to ask */
		if (st != EA_DNS_NODATA)
			return true;
	}
	return false;
}

int
ea_dmarc_discover_walk(struct ea_dmarc_walk *w, const char *d, int labels,
    struct emauth_dmarc_discovery *out)
{
	struct emauth_dmarc_record rec;
	char at[256] = "";
	int f;

	memset(&rec, 0, sizeof(rec));
	out->domain_exists = 1;
	ea_fmt(out->domain, sizeof(out->domain), "%s", d);
	if (w->mode == EMAUTH_DMARC_RFC7489) {
		f = ea_dmarc_fetch(w, d, &rec);
		if (f == 1)
			ea_fmt(at, sizeof(at), "%s", d);
		ea_dmarc_org_domain(
		    w, d, labels, out->org_domain, sizeof(out->org_domain));
		if (f == 0 && strcmp(out->org_domain, d) != 0) {
			f = ea_dmarc_fetch(w, out->org_domain, &rec);
			if (f == 1)
				ea_fmt(at, sizeof(at), "%s", out->org_domain);
		}
	} else {
		f = ea_dmarc_tree_walk(w, d, labels, at, sizeof(at), &rec);
		if (f >= 0) {
			int o = ea_dmarc_org_domain(w, d, labels,
			    out->org_domain, sizeof(out->org_domain));
			f = o == EMAUTH_ESYNTAX ? -2 : o != 0 ? -1 : f;
		}
	}
	if (f == -2) {
		out->result = EMAUTH_RES_PERMERROR;
		ea_fmt(out->problem, sizeof(out->problem), "%s", w->problem);
		return 0;
	}
	if (f < 0) {
		out->result = EMAUTH_RES_TEMPERROR;
		ea_fmt(out->problem, sizeof(out->problem), "%s", w->problem);
		return 0;
	}
	if (f == 1) {
		out->record = rec;
		ea_fmt(
		    out->policy_domain, sizeof(out->policy_domain), "%s", at);
	}
	if (f == 0 || !rec.has_policy) {
		out->result = EMAUTH_RES_NONE;
		return 0;
	}
	out->result = EMAUTH_RES_PASS;
	if (strcmp(at, d) == 0) {
		out->policy_tag = "p";
		out->policy = rec.p;
		return 0;
	}
	/* The record is an ancestor's: sp, or np for a domain that does
	 * not exist (RFC 9989 only; the question is asked only when np
	 * could change the answer). */
	if (w->mode == EMAUTH_DMARC_RFC9989 && rec.np_given &&
	    !domain_exists(w, d)) {
		out->domain_exists = 0;
		out->policy_tag = "np";
		out->policy = rec.np;
		return 0;
	}
	out->policy_tag = rec.sp_given ? "sp" : "p";
	out->policy = rec.sp;
	return 0;
}

int
emauth_dmarc_discover(struct emauth_ctx *ctx, const char *domain,
    enum emauth_dmarc_mode mode, struct emauth_dmarc_discovery *out)
{
	struct ea_dmarc_walk w;
	char d[256];

	memset(out, 0, sizeof(*out));
	int labels = ea_dmarc_domain(domain, d, sizeof(d));
	if (labels == 0)
		return EMAUTH_EINVAL;
	ea_dmarc_walk_init(&w, ctx, mode, out);
	int rc = ea_dmarc_discover_walk(&w, d, labels, out);
	ea_dmarc_walk_release(&w);
	return rc;
}

int
emauth_dmarc_org_domain(struct emauth_ctx *ctx, const char *domain,
    enum emauth_dmarc_mode mode, char *out, size_t size)
{
	struct ea_dmarc_walk w;
	char d[256];
	int labels = ea_dmarc_domain(domain, d, sizeof(d));
	if (labels == 0)
		return EMAUTH_EINVAL;
	ea_dmarc_walk_init(&w, ctx, mode, NULL);
	int rc = ea_dmarc_org_domain(&w, d, labels, out, size);
	ea_dmarc_walk_release(&w);
	return rc;
}

int
emauth_dmarc_report_authorized(
    struct emauth_ctx *ctx, const char *domain, const char *dest)
{
	char name[600];
	struct ea_dns_budget budget;
	struct ea_dns_answer ans;

	if (domain == NULL || dest == NULL || !domain[0] || !dest[0])
		return EMAUTH_EINVAL;
	ea_fmt(name, sizeof(name), "%s._report._dmarc.%s", domain, dest);
	if (strlen(name) > EA_DNS_NAME_MAX)
		return EMAUTH_EINVAL;
	struct ea_resolver *r = ea_ctx_resolver(ctx);
	if (r == NULL)
		return EMAUTH_EDNS;
	memset(&budget, 0, sizeof(budget));
	budget.max_queries = 1;
	ea_dns_budget_start(&budget, r);
	if (ea_dns_query(r, &budget, name, EA_DNS_T_TXT, &ans) != 0)
		return EMAUTH_ENOMEM;
	int rc = ans.status == EA_DNS_TEMPFAIL ? EMAUTH_EDNS : 0;
	struct ea_buf txt;
	ea_buf_init(&txt, 4096);
	for (size_t i = 0; i < ans.n && rc == 0; i++) {
		ea_buf_reset(&txt);
		if (ea_dns_txt_join(ans.rr[i].rdata, &txt) == 0 &&
		    txt.len >= 8 && memcmp(txt.p, "v=DMARC1", 8) == 0 &&
		    (txt.len == 8 || txt.p[8] == ';' || txt.p[8] == ' '))
			rc = 1;
	}
	ea_buf_release(&txt);
	ea_dns_answer_release(&ans);
	return rc;
}
