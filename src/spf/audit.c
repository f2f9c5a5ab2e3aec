/*
 * audit.c: the SPF audit of a domain (see emauth_spf_audit in
 * include/emauth/spf.h). It walks the published record and every include
 * and redirect with a literal target, depth first, and counts the terms
 * that cost a DNS lookup at receivers (include, a, mx, ptr, exists and
 * redirect: RFC 7208 §4.6.4) per branch and in total. Targets built from
 * macros depend on the message and are listed, not followed. The walk is
 * bounded (64 records, depth 12, the DNS budget); a target already on the
 * path is a loop.
 */
#include "../common/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../common/buf.h"
#include "../common/ctx.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "../dns/rdata.h"
#include "../dns/resolver.h"
#include "spf.h"

struct audit {
	struct ea_resolver *res;
	struct ea_dns_budget budget;
	struct emauth_spf_audit *out;
};

static void finding(struct audit *a, enum emauth_spf_severity sev,
    const char *domain, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
finding(struct audit *a, enum emauth_spf_severity sev, const char *domain,
    const char *fmt, ...)
{
	struct emauth_spf_audit *o = a->out;
	va_list ap;
	if (o->nfindings >= EMAUTH_SPF_AUDIT_FINDINGS)
		return;
	struct emauth_spf_finding *f = &o->findings[o->nfindings++];
	f->severity = sev;
	ea_fmt(f->domain, sizeof(f->domain), "%s", domain);
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

static bool
costs_lookup(enum spf_kind k)
{
	return k == SPF_INCLUDE || k == SPF_A || k == SPF_MX || k == SPF_PTR ||
	       k == SPF_EXISTS || k == SPF_REDIRECT;
}

/* Fetches the SPF record of @name into @rec. Returns 1 (one record), 0
 * (none), -1 (a problem, written to @problem). */
static int
fetch(struct audit *a, const char *name, struct ea_buf *rec, char *problem,
    size_t psize)
{
	struct ea_dns_answer ans;
	unsigned found = 0;
	struct ea_buf one;

	if (ea_dns_query(a->res, &a->budget, name, EA_DNS_T_TXT, &ans) != 0) {
		ea_fmt(problem, psize, "out of memory");
		return -1;
	}
	if (ans.status == EA_DNS_TEMPFAIL) {
		ea_fmt(problem, psize, "DNS %s looking up the TXT records",
		    ans.why ? ans.why : "failure");
		ea_dns_answer_release(&ans);
		return -1;
	}
	bool toobig = false;
	ea_buf_init(&one, EA_SPF_RECORD_MAX + 1);
	for (size_t i = 0; i < ans.n; i++) {
		ea_buf_reset(&one);
		int jrc = ea_dns_txt_join(ans.rr[i].rdata, &one);
		if (jrc == EMAUTH_ETOOBIG && one.len >= 6 &&
		    strncasecmp((const char *)one.p, "v=spf1", 6) == 0)
			toobig = true;
		if (jrc != 0)
			continue;
		if (!ea_spf_is_record(ea_span(one.p, one.len)))
			continue;
		if (found++ == 0) {
			ea_buf_reset(rec);
			ea_buf_add(rec, one.p, one.len);
		}
	}
	ea_buf_release(&one);
	ea_dns_answer_release(&ans);
	if (toobig && found == 0) {
		ea_fmt(problem, psize,
		    "an SPF record longer than %d bytes: receivers will not "
		    "read it",
		    EA_SPF_RECORD_MAX);
		return -1;
	}
	if (found > 1) {
		ea_fmt(problem, psize,
		    "%u SPF records: receivers return permerror (exactly one "
		    "is allowed)",
		    found);
		return -1;
	}
	return found == 1 ? 1 : 0;
}

static bool
on_path(const struct emauth_spf_audit *o, int node, const char *name)
{
	for (int i = node; i >= 0; i = o->nodes[i].parent)
		if (strcasecmp(o->nodes[i].domain, name) == 0)
			return true;
	return false;
}

/* Checks the terms of one record for risky constructions. */
static void
check_terms(struct audit *a, const char *domain, const struct ea_spf_record *r,
    size_t len, bool root)
{
	bool has_all = false;
	for (size_t i = 0; i < r->n; i++) {
		const struct spf_term *t = &r->terms[i];
		char text[300];
		ea_escape(t->text, 64, text, sizeof(text));
		switch (t->kind) {
		case SPF_ALL:
			has_all = true;
			if (t->qualifier == EMAUTH_RES_PASS)
				finding(a, EMAUTH_SPF_FAIL, domain,
				    "%s authorizes every address on the "
				    "Internet to send as %s: use -all or ~all",
				    text, domain);
			else if (t->qualifier == EMAUTH_RES_NEUTRAL && root)
				finding(a, EMAUTH_SPF_WARN, domain,
				    "?all says nothing about other senders: "
				    "receivers treat forgeries as neutral; use "
				    "-all or ~all");
			break;
		case SPF_PTR:
			finding(a, EMAUTH_SPF_WARN, domain,
			    "%s is deprecated (RFC 7208 §5.5): slow, "
			    "unreliable, and some receivers ignore it; list "
			    "the addresses instead",
			    text);
			break;
		case SPF_IP4:
			if (t->cidr4 < 16)
				finding(a, EMAUTH_SPF_WARN, domain,
				    "%s authorizes more than 65,536 addresses "
				    "(wider than /16)",
				    text);
			break;
		case SPF_IP6:
			if (t->cidr6 < 48)
				finding(a, EMAUTH_SPF_WARN, domain,
				    "%s is wider than /48", text);
			break;
		default:
			break;
		}
	}
	if (root && !has_all && r->redirect < 0)
		finding(a, EMAUTH_SPF_WARN, domain,
		    "no all and no redirect: mail from anywhere else gets "
		    "neutral; end the record with -all or ~all");
	if (len > 450)
		finding(a, EMAUTH_SPF_WARN, domain,
		    "the record is %zu bytes: with the rest of the answer it "
		    "may not fit in a 512-byte UDP response",
		    len);
}

/* Adds node for @name reached through @via under @parent and walks it.
 * Returns the index or -1. */
static int
walk(struct audit *a, const char *name, const char *via, int parent,
    unsigned depth)
{
	struct emauth_spf_audit *o = a->out;
	if (o->nnodes >= EMAUTH_SPF_AUDIT_NODES) {
		finding(a, EMAUTH_SPF_WARN, name,
		    "more than %d records in the tree: the rest was not "
		    "examined",
		    EMAUTH_SPF_AUDIT_NODES);
		return -1;
	}
	int me = (int)o->nnodes++;
	struct emauth_spf_node *n = &o->nodes[me];
	memset(n, 0, sizeof(*n));
	ea_fmt(n->domain, sizeof(n->domain), "%s", name);
	ea_fmt(n->via, sizeof(n->via), "%s", via);
	n->parent = parent;
	n->depth = depth;
	if (parent >= 0 && on_path(o, parent, name)) {
		ea_fmt(n->problem, sizeof(n->problem),
		    "loop: %s is already on the path", name);
		finding(a, EMAUTH_SPF_FAIL, o->nodes[parent].domain,
		    "%s loops back to %s: receivers return permerror", via,
		    name);
		return me;
	}
	if (depth >= EA_SPF_DEPTH_MAX) {
		ea_fmt(n->problem, sizeof(n->problem), "nested too deeply");
		finding(a, EMAUTH_SPF_FAIL, name,
		    "include/redirect nesting deeper than %d",
		    EA_SPF_DEPTH_MAX);
		return me;
	}
	struct ea_buf rec;
	ea_buf_init(&rec, EA_SPF_RECORD_MAX + 1);
	int f = fetch(a, name, &rec, n->problem, sizeof(n->problem));
	if (f < 0) {
		finding(a, EMAUTH_SPF_FAIL, name, "%s: %s", name, n->problem);
		ea_buf_release(&rec);
		return me;
	}
	if (f == 0) {
		ea_fmt(n->problem, sizeof(n->problem), "no SPF record");
		if (parent >= 0) {
			o->void_lookups++;
			finding(a, EMAUTH_SPF_FAIL, o->nodes[parent].domain,
			    "%s: %s has no SPF record; receivers return "
			    "permerror",
			    via, name);
		}
		ea_buf_release(&rec);
		return me;
	}
	ea_fmt(n->record, sizeof(n->record), "%.*s", (int)rec.len, rec.p);
	struct ea_spf_record r;
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	if (ea_spf_record_parse(ea_span(rec.p, rec.len), &r, &d) != 0) {
		char msg[400];
		ea_fmt(n->problem, sizeof(n->problem), "syntax error: %s",
		    emauth_diag_format(&d, msg, sizeof(msg)));
		finding(a, EMAUTH_SPF_FAIL, name,
		    "the record of %s is not valid: receivers return "
		    "permerror: %s",
		    name, msg);
		ea_buf_release(&rec);
		return me;
	}
	check_terms(a, name, &r, rec.len, parent < 0);
	for (size_t i = 0; i < r.n; i++)
		if (costs_lookup(r.terms[i].kind))
			n->own_lookups++;
	unsigned total = n->own_lookups;
	for (size_t i = 0; i < r.n; i++) {
		const struct spf_term *t = &r.terms[i];
		if (t->kind != SPF_INCLUDE && t->kind != SPF_REDIRECT)
			continue;
		char target[300], how[300];
		ea_fmt(target, sizeof(target), "%.*s", (int)t->domain.len,
		    (const char *)t->domain.p);
		ea_fmt(how, sizeof(how), "%.*s", (int)t->text.len,
		    (const char *)t->text.p);
		if (memchr(t->domain.p, '%', t->domain.len)) {
			finding(a, EMAUTH_SPF_INFO, name,
			    "%s depends on the message (macros): not "
			    "followed",
			    how);
			continue;
		}
		int child = walk(a, target, how, me, depth + 1);
		if (child >= 0)
			total += o->nodes[child].total_lookups;
	}
	/* The node array may have moved nothing (fixed array): n stays. */
	o->nodes[me].total_lookups = total;
	ea_spf_record_release(&r);
	ea_buf_release(&rec);
	return me;
}

int
emauth_spf_audit(
    struct emauth_ctx *ctx, const char *domain, struct emauth_spf_audit *out)
{
	struct audit a;
	char name[256];

	memset(out, 0, sizeof(*out));
	size_t len = domain ? strlen(domain) : 0;
	if (len && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > EA_DNS_NAME_MAX)
		return EMAUTH_EINVAL;
	ea_fmt(name, sizeof(name), "%.*s", (int)len, domain);
	memset(&a, 0, sizeof(a));
	a.out = out;
	a.res = ea_ctx_resolver(ctx);
	if (a.res == NULL) {
		finding(&a, EMAUTH_SPF_FAIL, name,
		    "the DNS resolver could not start");
		return 0;
	}
	a.budget.max_queries = 2 * EMAUTH_SPF_AUDIT_NODES;
	ea_dns_budget_start(&a.budget, a.res);

	walk(&a, name, "", -1, 0);
	struct emauth_spf_node *root = &out->nodes[0];
	out->has_record = root->record[0] != '\0' && root->problem[0] == '\0';
	out->total_lookups = root->total_lookups;
	if (root->record[0] == '\0' &&
	    strcmp(root->problem, "no SPF record") == 0)
		finding(&a, EMAUTH_SPF_FAIL, name,
		    "%s publishes no SPF record: receivers cannot tell its "
		    "servers from forgers",
		    name);
	if (out->total_lookups > EA_SPF_DNS_TERMS_MAX)
		finding(&a, EMAUTH_SPF_FAIL, name,
		    "%u DNS-querying terms in the whole tree: receivers stop "
		    "at %d and return permerror (RFC 7208 §4.6.4)",
		    out->total_lookups, EA_SPF_DNS_TERMS_MAX);
	if (out->void_lookups > EA_SPF_VOID_MAX)
		finding(&a, EMAUTH_SPF_FAIL, name,
		    "%u includes lead to names without a record: more than "
		    "%d void lookups is a permerror",
		    out->void_lookups, EA_SPF_VOID_MAX);

	/* The legacy SPF type (99): RFC 7208 §3.1 says publish TXT only. */
	struct ea_dns_answer ans;
	if (ea_dns_query(a.res, &a.budget, name, EA_DNS_T_SPF, &ans) == 0) {
		if (ans.status == EA_DNS_ANSWER)
			finding(&a, EMAUTH_SPF_WARN, name,
			    "%s also publishes the obsolete SPF record type "
			    "(99): receivers ignore it (RFC 7208 §3.1); keep "
			    "only the TXT record",
			    name);
		ea_dns_answer_release(&ans);
	}
	return 0;
}

/* Flattening (emauth_spf_flatten). */

struct flat {
	struct audit a;
	const char *const *keep;
	size_t nkeep;
	struct ea_buf terms; /* " ip4:... include:..." */
	char all[8];         /* the final all, e.g. "-all" */
	struct emauth_spf_flat *out;
	unsigned depth;
	int err;
};

static void flat_note(struct flat *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
flat_note(struct flat *f, const char *fmt, ...)
{
	size_t l = strlen(f->out->problem);
	va_list ap;
	if (l + 3 >= sizeof(f->out->problem))
		return;
	if (l) {
		f->out->problem[l++] = ';';
		f->out->problem[l++] = ' ';
	}
	va_start(ap, fmt);
	vsnprintf(f->out->problem + l, sizeof(f->out->problem) - l, fmt, ap);
	va_end(ap);
}

/* Adds " [q]ipN:addr/len" unless the same term is already there. */
static void
add_net(struct flat *f, const char *q, const struct ea_ip *ip, unsigned len)
{
	char text[80], term[100];
	ea_ip_format(ip, text, sizeof(text));
	unsigned full = ip->family == 4 ? 32 : 128;
	if (len < full)
		ea_fmt(term, sizeof(term), " %sip%d:%s/%u", q, ip->family, text,
		    len);
	else
		ea_fmt(term, sizeof(term), " %sip%d:%s", q, ip->family, text);
	/* Already there (the same term, whole)? */
	size_t tl = strlen(term);
	for (size_t i = 0; f->terms.len >= tl && i + tl <= f->terms.len; i++)
		if (memcmp(f->terms.p + i, term, tl) == 0 &&
		    (i + tl == f->terms.len || f->terms.p[i + tl] == ' '))
			return;
	ea_buf_adds(&f->terms, term);
	f->out->networks++;
}

/* The addresses of @name (A and AAAA), each with its prefix length. */
static void
add_host(
    struct flat *f, const char *q, const char *name, unsigned c4, unsigned c6)
{
	static const uint16_t types[] = {EA_DNS_T_A, EA_DNS_T_AAAA};
	for (size_t t = 0; t < 2; t++) {
		struct ea_dns_answer ans;
		if (ea_dns_query(
		        f->a.res, &f->a.budget, name, types[t], &ans) != 0) {
			f->err = EMAUTH_ENOMEM;
			return;
		}
		if (ans.status == EA_DNS_TEMPFAIL)
			f->err = EMAUTH_EDNS;
		for (size_t i = 0; i < ans.n; i++) {
			struct ea_ip ip;
			if (ea_dns_addr(&ans.rr[i], &ip) != 0)
				continue;
			unsigned len = ip.family == 4 ? c4 : c6;
			unsigned full = ip.family == 4 ? 32 : 128;
			/* The network of the address under its prefix. */
			struct ea_ip net = ip;
			uint8_t *b = net.a; /* IPv4 in the first 4 bytes */
			for (unsigned bit = len; bit < full; bit++)
				b[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
			add_net(f, q, &net, len);
		}
		ea_dns_answer_release(&ans);
	}
}

static bool
kept(const struct flat *f, struct emauth_span target)
{
	for (size_t i = 0; i < f->nkeep; i++)
		if (ea_span_ieq_str(target, f->keep[i]))
			return true;
	return false;
}

/* Flattens the record of @name. @top: its qualifiers and all count (the
 * root and redirect targets); inside an include only pass terms can
 * make the include match. */
static void
flatten_domain(struct flat *f, const char *name, bool top)
{
	if (f->err || ++f->depth > EA_SPF_DEPTH_MAX) {
		if (!f->err)
			flat_note(f, "nesting deeper than %d at %s",
			    EA_SPF_DEPTH_MAX, name);
		f->depth--;
		return;
	}
	struct ea_buf rec;
	char problem[300];
	ea_buf_init(&rec, EA_SPF_RECORD_MAX + 1);
	int got = fetch(&f->a, name, &rec, problem, sizeof(problem));
	if (got <= 0) {
		if (got < 0 && strncmp(problem, "DNS ", 4) == 0)
			f->err = EMAUTH_EDNS;
		flat_note(
		    f, "%s: %s", name, got < 0 ? problem : "no SPF record");
		ea_buf_release(&rec);
		f->depth--;
		return;
	}
	struct ea_spf_record r;
	if (ea_spf_record_parse(ea_span(rec.p, rec.len), &r, NULL) != 0) {
		flat_note(f, "%s: the record is not valid", name);
		ea_buf_release(&rec);
		f->depth--;
		return;
	}
	/* RFC 7208 §6.1: redirect is ignored when the record has all. */
	bool has_all = false;
	for (size_t i = 0; i < r.n; i++)
		has_all |= r.terms[i].kind == SPF_ALL;
	for (size_t i = 0; i < r.n && !f->err; i++) {
		const struct spf_term *t = &r.terms[i];
		bool pass = t->qualifier == EMAUTH_RES_PASS;
		const char *q = !top || pass                          ? ""
		                : t->qualifier == EMAUTH_RES_FAIL     ? "-"
		                : t->qualifier == EMAUTH_RES_SOFTFAIL ? "~"
		                                                      : "?";
		bool modifier = t->kind == SPF_REDIRECT || t->kind == SPF_EXP ||
		                t->kind == SPF_UNKNOWN_MOD;
		if (!top && !pass && !modifier && t->kind != SPF_ALL)
			continue; /* cannot make the include match */
		char target[300];
		ea_fmt(target, sizeof(target), "%.*s",
		    (int)(t->domain.len ? t->domain.len : strlen(name)),
		    t->domain.len ? (const char *)t->domain.p : name);
		bool macro =
		    t->domain.len && memchr(t->domain.p, '%', t->domain.len);
		switch (t->kind) {
		case SPF_IP4:
		case SPF_IP6:
			add_net(f, q, &t->ip,
			    t->kind == SPF_IP4 ? t->cidr4 : t->cidr6);
			break;
		case SPF_A:
			if (macro)
				goto keep_term;
			add_host(f, q, target, t->cidr4, t->cidr6);
			break;
		case SPF_MX: {
			if (macro)
				goto keep_term;
			struct ea_dns_answer ans;
			if (ea_dns_query(f->a.res, &f->a.budget, target,
			        EA_DNS_T_MX, &ans) != 0) {
				f->err = EMAUTH_ENOMEM;
				break;
			}
			if (ans.status == EA_DNS_TEMPFAIL)
				f->err = EMAUTH_EDNS;
			for (size_t k = 0; k < ans.n && k < 10; k++) {
				uint16_t pref;
				char host[EA_DNS_PRES_MAX];
				if (ea_dns_mx(ans.rr[k].rdata, &pref, host,
				        sizeof(host)) == 0 &&
				    host[0] && strcmp(host, ".") != 0)
					add_host(
					    f, q, host, t->cidr4, t->cidr6);
			}
			ea_dns_answer_release(&ans);
			break;
		}
		case SPF_INCLUDE:
			if (macro || kept(f, t->domain)) {
				if (!macro)
					f->out->lookups++;
				goto keep_term;
			}
			flatten_domain(f, target, false);
			break;
		case SPF_REDIRECT:
			if (has_all)
				break;
			if (macro)
				goto keep_term;
			/* The target's record stands for this one: at the
			 * top its all is the final one. */
			flatten_domain(f, target, top);
			break;
		case SPF_ALL:
			if (top && f->all[0] == '\0')
				ea_fmt(f->all, sizeof(f->all), "%sall",
				    pass ? "+" : q);
			break;
		case SPF_EXP:
		case SPF_UNKNOWN_MOD:
			break;
		default: /* exists, ptr */
		keep_term:
			if (t->kind != SPF_INCLUDE)
				f->out->lookups++;
			ea_buf_addc(&f->terms, ' ');
			ea_buf_add(&f->terms, t->text.p, t->text.len);
			if (t->kind != SPF_INCLUDE || macro)
				flat_note(f, "%.*s kept as written (%s)",
				    (int)t->text.len, (const char *)t->text.p,
				    macro ? "depends on the message"
				          : "cannot be resolved in advance");
			break;
		}
	}
	ea_spf_record_release(&r);
	ea_buf_release(&rec);
	f->depth--;
}

int
emauth_spf_flatten(struct emauth_ctx *ctx, const char *domain,
    const char *const *keep, size_t nkeep, struct emauth_spf_flat *out)
{
	struct flat f;

	memset(out, 0, sizeof(*out));
	if (domain == NULL || domain[0] == '\0' ||
	    strlen(domain) > EA_DNS_NAME_MAX)
		return EMAUTH_EINVAL;
	memset(&f, 0, sizeof(f));
	f.keep = keep;
	f.nkeep = nkeep;
	f.out = out;
	f.a.res = ea_ctx_resolver(ctx);
	if (f.a.res == NULL)
		return EMAUTH_EDNS;
	f.a.budget.max_queries = 400;
	ea_dns_budget_start(&f.a.budget, f.a.res);
	ea_buf_init(&f.terms, sizeof(out->record));

	struct ea_buf probe;
	char problem[300];
	ea_buf_init(&probe, EA_SPF_RECORD_MAX + 1);
	int got = fetch(&f.a, domain, &probe, problem, sizeof(problem));
	ea_buf_release(&probe);
	if (got <= 0) {
		ea_buf_release(&f.terms);
		ea_fmt(out->problem, sizeof(out->problem), "%s",
		    got < 0 ? problem : "no SPF record");
		return got < 0 && strncmp(problem, "DNS ", 4) == 0
		           ? EMAUTH_EDNS
		           : EMAUTH_ENOTFOUND;
	}
	flatten_domain(&f, domain, true);
	int rc = f.err ? f.err : f.terms.err;
	if (rc == 0) {
		ea_fmt(out->record, sizeof(out->record), "v=spf1%.*s %s",
		    (int)f.terms.len, f.terms.p ? f.terms.p : "",
		    f.all[0] ? f.all : "?all");
		if (strlen(out->record) + 1 >= sizeof(out->record))
			rc = EMAUTH_ETOOBIG;
		else {
			struct ea_spf_record chk;
			if (ea_spf_record_parse(
			        ea_span_str(out->record), &chk, NULL) != 0)
				rc = EMAUTH_EINVAL;
			else
				ea_spf_record_release(&chk);
		}
	}
	ea_buf_release(&f.terms);
	return rc;
}
