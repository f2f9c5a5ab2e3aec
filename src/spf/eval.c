/*
 * eval.c: check_host() (RFC 7208 §4) with the processing limits of §4.6.4
 * counted in the evaluation context, never by C stack depth:
 *   - at most 10 DNS-querying terms (include, a, mx, ptr, exists, redirect);
 *   - at most 2 void lookups (answers with no records, or NXDOMAIN);
 *   - at most 10 MX names per mx term (more is a permerror) and 10 PTR names
 *     per ptr term or %{p} (the rest are ignored).
 * Every lookup goes through the resolver interface with the evaluation's
 * DNS budget.
 */
#include "../common/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../common/alloc.h"
#include "../common/ctx.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "../dns/rdata.h"
#include "spf.h"

struct eval {
	struct emauth_ctx *ctx;
	struct ea_resolver *res;
	struct ea_dns_budget budget;
	struct ea_ip ip;
	bool ip_upper;
	struct emauth_span local, sender_domain, helo, receiver;
	struct emauth_spf_result *out;
	unsigned depth;
	int err; /* EMAUTH_ENOMEM, sticky */
};

/* The outcome of one level: a verdict, plus what decided it (copied, since
 * the record it came from is released when the level returns). */
struct level {
	enum emauth_result result;
	char term[EMAUTH_SPF_TEXT_MAX]; /* the deciding term, or "" */
	char domain[256];               /* whose record holds it */
};

static void
set_term(struct level *lv, const struct spf_term *t, const char *domain)
{
	ea_escape(t->text, 400, lv->term, sizeof(lv->term));
	snprintf(lv->domain, sizeof(lv->domain), "%s", domain);
}

static void EA_PRINTF(2, 3) problem(struct eval *ev, const char *fmt, ...)
{
	va_list ap;

	if (ev->out->problem[0])
		return; /* the first problem is the cause; keep it */
	va_start(ap, fmt);
	vsnprintf(ev->out->problem, sizeof(ev->out->problem), fmt, ap);
	va_end(ap);
}

static void
term_text(const struct spf_term *t, char *buf, size_t size)
{
	ea_escape(t->text, 200, buf, size);
}

static int
query(
    struct eval *ev, const char *name, uint16_t type, struct ea_dns_answer *ans)
{
	int rc = ea_dns_query(ev->res, &ev->budget, name, type, ans);
	ev->out->dns_queries++;
	if (rc)
		ev->err = rc;
	return rc;
}

/* Counts a void lookup; returns false when the limit is now exceeded. */
static bool
count_void(
    struct eval *ev, const struct ea_dns_answer *ans, const struct spf_term *t)
{
	if (ans->status != EA_DNS_NXDOMAIN && ans->status != EA_DNS_NODATA)
		return true;
	/* §4.6.4: "SPF implementations SHOULD limit "void lookups" to two.
	 * An implementation MAY choose to make such a limit configurable.
	 * In this case, a default of two is RECOMMENDED." Exceeding it is a
	 * permerror. */
	if (++ev->out->void_lookups > EA_SPF_VOID_MAX) {
		char tt[256];
		term_text(t, tt, sizeof(tt));
		problem(ev,
		    "more than %d void DNS lookups (RFC 7208 §4.6.4), at term "
		    "%u \"%s\"",
		    EA_SPF_VOID_MAX, t->index, tt);
		return false;
	}
	return true;
}

/* Counts a DNS-querying term; returns false over the limit. */
static bool
count_term(struct eval *ev, const struct spf_term *t)
{
	/* §4.6.4: "SPF implementations MUST limit the total number of
	 * those terms to 10 during SPF evaluation ... If this limit is
	 * exceeded, the implementation MUST return "permerror"." */
	if (++ev->out->dns_lookups > EA_SPF_DNS_TERMS_MAX) {
		char tt[256];
		term_text(t, tt, sizeof(tt));
		problem(ev,
		    "more than %d DNS-querying terms (RFC 7208 §4.6.4), at "
		    "term %u \"%s\"",
		    EA_SPF_DNS_TERMS_MAX, t->index, tt);
		return false;
	}
	return true;
}

/* Checks a domain as §4.3 requires for <domain>: labels of 1 to 63 octets,
 * at most 253 in all, and at least two labels. */
static bool
domain_ok(struct emauth_span d)
{
	size_t labels = 0, start = 0;

	if (d.len > 0 && d.p[d.len - 1] == '.')
		d.len--;
	if (d.len == 0 || d.len > EA_DNS_NAME_MAX)
		return false;
	for (size_t i = 0; i <= d.len; i++) {
		if (i < d.len && d.p[i] != '.')
			continue;
		if (i == start || i - start > EA_DNS_LABEL_MAX)
			return false;
		labels++;
		start = i + 1;
	}
	return labels >= 2;
}

/* The validated PTR names of the client (§5.5), up to 10 PTR names. */
struct ptrs {
	char names[EA_SPF_PTR_NAMES_MAX][256];
	size_t n;
	bool done;
};

enum addr_hit { ADDR_MISS, ADDR_HIT, ADDR_TEMP, ADDR_VOIDLIMIT };

/* Looks up the A or AAAA records of @name (by the client's family) and
 * compares them with the client under @bits. With @t, an empty answer
 * counts as a void lookup of that term. */
static enum addr_hit
has_ip(
    struct eval *ev, const char *name, unsigned bits, const struct spf_term *t)
{
	struct ea_dns_answer ans;
	enum addr_hit hit = ADDR_MISS;

	if (query(ev, name, ev->ip.family == 4 ? EA_DNS_T_A : EA_DNS_T_AAAA,
	        &ans) != 0)
		return ADDR_TEMP;
	if (ans.status == EA_DNS_TEMPFAIL)
		hit = ADDR_TEMP;
	else if (t && !count_void(ev, &ans, t))
		hit = ADDR_VOIDLIMIT;
	for (size_t i = 0; i < ans.n && hit == ADDR_MISS; i++) {
		struct ea_ip a;
		if (ea_dns_addr(&ans.rr[i], &a) == 0 &&
		    ea_ip_match(&a, &ev->ip, bits))
			hit = ADDR_HIT;
	}
	ea_dns_answer_release(&ans);
	return hit;
}

static void
validated_ptrs(struct eval *ev, struct ptrs *p)
{
	char rname[80];
	struct ea_dns_answer ans;

	if (p->done)
		return;
	p->done = true;
	ea_ip_reverse_name(&ev->ip, rname, sizeof(rname));
	if (query(ev, rname, EA_DNS_T_PTR, &ans) != 0)
		return;
	/* §5.5: "If a DNS error occurs while doing the PTR RR lookup, then
	 * this mechanism fails to match." Only the first 10 names are
	 * looked up (§4.6.4). */
	for (size_t i = 0; i < ans.n && i < EA_SPF_PTR_NAMES_MAX; i++) {
		char name[256];
		if (ea_dns_target(ans.rr[i].rdata, name, sizeof(name)) != 0 ||
		    name[0] == '\0')
			continue;
		/* "If a DNS error occurs while doing an A RR lookup, then
		 * that domain name is skipped and the search continues." */
		if (has_ip(ev, name, ev->ip.family == 4 ? 32 : 128, NULL) ==
		    ADDR_HIT)
			memcpy(p->names[p->n++], name, strlen(name) + 1);
	}
	ea_dns_answer_release(&ans);
}

/* Whether @name equals @target or is a subdomain of it. */
static bool
name_under(const char *name, struct emauth_span target)
{
	struct emauth_span n = ea_span_str(name);

	if (target.len && target.p[target.len - 1] == '.')
		target.len--;
	if (n.len && n.p[n.len - 1] == '.')
		n.len--;
	if (ea_span_ieq(n, target))
		return true;
	if (n.len <= target.len + 1)
		return false;
	return n.p[n.len - target.len - 1] == '.' &&
	       ea_span_ieq(
	           ea_span(n.p + n.len - target.len, target.len), target);
}

struct pctx {
	struct eval *ev;
	struct emauth_span domain;
	struct ptrs *ptrs;
};

/* %{p} (§7.3): the validated name equal to <domain>, else one under it,
 * else any validated name, else "unknown". */
static int
p_macro(void *arg, char *out, size_t size)
{
	struct pctx *pc = arg;
	const char *pick = NULL;

	validated_ptrs(pc->ev, pc->ptrs);
	for (size_t i = 0; i < pc->ptrs->n && !pick; i++)
		if (ea_span_ieq_str(pc->domain, pc->ptrs->names[i]))
			pick = pc->ptrs->names[i];
	for (size_t i = 0; i < pc->ptrs->n && !pick; i++)
		if (name_under(pc->ptrs->names[i], pc->domain))
			pick = pc->ptrs->names[i];
	if (!pick && pc->ptrs->n)
		pick = pc->ptrs->names[0];
	snprintf(out, size, "%s", pick ? pick : "unknown");
	return 0;
}

static void
macro_env(struct eval *ev, struct emauth_span domain, struct pctx *pc,
    struct ea_spf_macro_env *env)
{
	memset(env, 0, sizeof(*env));
	env->sender_local = ev->local;
	env->sender_domain = ev->sender_domain;
	env->domain = domain;
	env->helo = ev->helo;
	env->receiver = ev->receiver;
	env->ip = &ev->ip;
	env->ip_upper = ev->ip_upper;
	env->now = ea_ctx_now(ev->ctx);
	env->ptr_name = p_macro;
	env->ptr_arg = pc;
}

/*
 * Expands a term's domain-spec (or takes <domain>) into @out, truncated from
 * the left to 253 characters as §7.3 says. Returns false (with a problem
 * set) only when the expansion itself fails; whether the result is a usable
 * name is the caller's question (see name_void()).
 */
static bool
target_name(struct eval *ev, const struct spf_term *t,
    struct emauth_span domain, struct ptrs *ptrs, char *out, size_t size)
{
	struct ea_buf b;
	struct ea_spf_macro_env env;
	struct pctx pc = {ev, domain, ptrs};
	char tt[256];

	if (t->domain.len == 0) {
		snprintf(
		    out, size, "%.*s", (int)domain.len, (const char *)domain.p);
		return true;
	}
	ea_buf_init(&b, EA_SPF_EXPAND_MAX);
	macro_env(ev, domain, &pc, &env);
	int rc = ea_spf_macro_expand(t->domain, EA_SPF_MACRO_DOMAIN, &env, &b);
	if (rc == EMAUTH_ENOMEM)
		ev->err = rc;
	struct emauth_span name = ea_span(b.p, b.len);
	if (name.len && name.p[name.len - 1] == '.')
		name.len--;
	/* §7.3: "if the expanded domain name exceeds 253 characters ...,
	 * the left side is truncated to fit, by removing successive domain
	 * labels (and their following dots) until the total length does not
	 * exceed 253 characters." */
	while (rc == 0 && name.len > EA_DNS_NAME_MAX) {
		size_t k = 0;
		while (k < name.len && name.p[k] != '.')
			k++;
		name = k == name.len
		           ? ea_span(name.p, 0)
		           : ea_span(name.p + k + 1, name.len - k - 1);
	}
	bool ok = rc == 0 && name.len < size;
	if (ok) {
		memcpy(out, name.p, name.len);
		out[name.len] = '\0';
	} else {
		term_text(t, tt, sizeof(tt));
		problem(ev, "term %u \"%s\": macro expansion failed (%s)",
		    t->index, tt, emauth_strerror(rc ? rc : EMAUTH_ETOOBIG));
	}
	ea_buf_release(&b);
	return ok;
}

/*
 * A target that is not a valid domain name after expansion (an empty or
 * over-long label, a single label) cannot exist in the DNS: the term does
 * not match, and the lookup counts as void as an NXDOMAIN would. The syntax
 * of a domain-spec is checked before expansion, never after (the RFC 7208
 * suite's invalid-hello-macro and require-valid-helo cases).
 * Returns false when this void lookup exceeds the limit.
 */
static bool
name_void(struct eval *ev, const char *target, const struct spf_term *t,
    bool *is_void)
{
	struct ea_dns_answer nx;

	*is_void = !domain_ok(ea_span_str(target));
	if (!*is_void)
		return true;
	ea_dns_answer_init(&nx);
	nx.status = EA_DNS_NXDOMAIN;
	return count_void(ev, &nx, t);
}

static enum emauth_result check_host(struct eval *ev, struct emauth_span domain,
    struct level *lv, struct ea_buf *expl);

enum match { NO_MATCH, MATCH, ERROR };

/* The result of an error inside a term is the level's verdict. */
static enum match
term_error(struct level *lv, enum emauth_result r, const struct spf_term *t)
{
	lv->result = r;
	set_term(lv, t, "");
	return ERROR;
}

static enum match
eval_mx(struct eval *ev, const struct spf_term *t, const char *target,
    struct level *lv)
{
	struct ea_dns_answer ans;
	char tt[256];
	enum match m = NO_MATCH;

	if (query(ev, target, EA_DNS_T_MX, &ans) != 0)
		return term_error(lv, EMAUTH_RES_TEMPERROR, t);
	if (ans.status == EA_DNS_TEMPFAIL) {
		term_text(t, tt, sizeof(tt));
		problem(ev, "DNS %s for MX of %s (term %u \"%s\")", ans.why,
		    target, t->index, tt);
		ea_dns_answer_release(&ans);
		return term_error(lv, EMAUTH_RES_TEMPERROR, t);
	}
	if (!count_void(ev, &ans, t)) {
		ea_dns_answer_release(&ans);
		return term_error(lv, EMAUTH_RES_PERMERROR, t);
	}
	/* MX hosts in order of preference (RFC 5321 §5.1). */
	size_t order[EA_DNS_RRS_MAX];
	uint16_t prefs[EA_DNS_RRS_MAX];
	size_t n = 0;
	for (size_t i = 0; i < ans.n && n < EA_ARRAY_LEN(order); i++) {
		char name[256];
		uint16_t pref;
		if (ea_dns_mx(ans.rr[i].rdata, &pref, name, sizeof(name)) != 0)
			continue;
		size_t k = n++;
		while (k > 0 && prefs[k - 1] > pref) {
			order[k] = order[k - 1];
			prefs[k] = prefs[k - 1];
			k--;
		}
		order[k] = i;
		prefs[k] = pref;
	}
	unsigned bits = ev->ip.family == 4 ? t->cidr4 : t->cidr6;
	for (size_t i = 0; i < n && m == NO_MATCH; i++) {
		char name[256];
		uint16_t pref;
		ea_dns_mx(ans.rr[order[i]].rdata, &pref, name, sizeof(name));
		/* RFC 7505: a null MX ("0 .") names no host. */
		if (name[0] == '\0')
			continue;
		/* §4.6.4: "the evaluation of each "MX" record MUST NOT result
		 * in querying more than 10 address records ... If this limit
		 * is exceeded, the "mx" mechanism MUST produce a "permerror"
		 * result." The limit is exceeded when an 11th lookup would be
		 * needed, not when the answer merely holds more names. */
		if (i >= EA_SPF_MX_NAMES_MAX) {
			term_text(t, tt, sizeof(tt));
			problem(ev,
			    "%s has %zu MX records; checking more than %d is "
			    "not allowed (RFC 7208 §4.6.4), at term %u \"%s\"",
			    target, n, EA_SPF_MX_NAMES_MAX, t->index, tt);
			m = term_error(lv, EMAUTH_RES_PERMERROR, t);
			break;
		}
		/* §4.6.4 limits "terms for which DNS queries return" no
		 * records: the MX query counts, not the address lookups of
		 * its hosts (an IPv4-only MX host has no AAAA). */
		switch (has_ip(ev, name, bits, NULL)) {
		case ADDR_HIT:
			m = MATCH;
			break;
		case ADDR_MISS:
			break;
		case ADDR_TEMP:
			term_text(t, tt, sizeof(tt));
			problem(ev,
			    "DNS error for the address of MX host %s "
			    "(term %u \"%s\")",
			    name, t->index, tt);
			m = term_error(lv, EMAUTH_RES_TEMPERROR, t);
			break;
		case ADDR_VOIDLIMIT:
			m = term_error(lv, EMAUTH_RES_PERMERROR, t);
			break;
		}
	}
	ea_dns_answer_release(&ans);
	return m;
}

static enum match
eval_addr(struct eval *ev, const struct spf_term *t, const char *target,
    uint16_t type, unsigned bits, struct level *lv)
{
	struct ea_dns_answer ans;
	char tt[256];
	enum match m = NO_MATCH;

	if (query(ev, target, type, &ans) != 0)
		return term_error(lv, EMAUTH_RES_TEMPERROR, t);
	if (ans.status == EA_DNS_TEMPFAIL) {
		term_text(t, tt, sizeof(tt));
		problem(ev, "DNS %s for %s of %s (term %u \"%s\")", ans.why,
		    type == EA_DNS_T_A ? "A" : "AAAA", target, t->index, tt);
		ea_dns_answer_release(&ans);
		return term_error(lv, EMAUTH_RES_TEMPERROR, t);
	}
	if (!count_void(ev, &ans, t)) {
		ea_dns_answer_release(&ans);
		return term_error(lv, EMAUTH_RES_PERMERROR, t);
	}
	for (size_t i = 0; i < ans.n && m == NO_MATCH; i++) {
		struct ea_ip a;
		if (ea_dns_addr(&ans.rr[i], &a) != 0)
			continue;
		/* exists (bits == 0) matches any A record. */
		if (t->kind == SPF_EXISTS || ea_ip_match(&a, &ev->ip, bits))
			m = MATCH;
	}
	ea_dns_answer_release(&ans);
	return m;
}

static enum match
eval_term(struct eval *ev, const struct spf_term *t, struct emauth_span domain,
    struct ptrs *ptrs, struct level *lv)
{
	char target[256];
	char tt[256];

	switch (t->kind) {
	case SPF_ALL:
		return MATCH;
	case SPF_IP4:
		return ev->ip.family == 4 &&
		               ea_ip_match(&t->ip, &ev->ip, t->cidr4)
		           ? MATCH
		           : NO_MATCH;
	case SPF_IP6:
		return ev->ip.family == 6 &&
		               ea_ip_match(&t->ip, &ev->ip, t->cidr6)
		           ? MATCH
		           : NO_MATCH;
	default:
		break;
	}
	if (!count_term(ev, t))
		return term_error(lv, EMAUTH_RES_PERMERROR, t);
	if (!target_name(ev, t, domain, ptrs, target, sizeof(target)))
		return term_error(lv, EMAUTH_RES_PERMERROR, t);
	if (t->kind != SPF_INCLUDE) {
		bool is_void;
		if (!name_void(ev, target, t, &is_void))
			return term_error(lv, EMAUTH_RES_PERMERROR, t);
		if (is_void)
			return NO_MATCH;
	}

	switch (t->kind) {
	case SPF_A:
		return eval_addr(ev, t, target,
		    ev->ip.family == 4 ? EA_DNS_T_A : EA_DNS_T_AAAA,
		    ev->ip.family == 4 ? t->cidr4 : t->cidr6, lv);
	case SPF_EXISTS:
		/* §5.7: "The lookup type is A even when the connection type
		 * is IPv6." */
		return eval_addr(ev, t, target, EA_DNS_T_A, 0, lv);
	case SPF_MX:
		return eval_mx(ev, t, target, lv);
	case SPF_PTR: {
		char rname[80];
		struct ea_dns_answer ans;
		ea_ip_reverse_name(&ev->ip, rname, sizeof(rname));
		/* The PTR query itself is a void lookup when empty. */
		if (!ptrs->done) {
			if (query(ev, rname, EA_DNS_T_PTR, &ans) != 0)
				return term_error(lv, EMAUTH_RES_TEMPERROR, t);
			bool ok = count_void(ev, &ans, t);
			ea_dns_answer_release(&ans);
			if (!ok)
				return term_error(lv, EMAUTH_RES_PERMERROR, t);
		}
		validated_ptrs(ev, ptrs);
		for (size_t i = 0; i < ptrs->n; i++)
			if (name_under(ptrs->names[i], ea_span_str(target)))
				return MATCH;
		return NO_MATCH;
	}
	case SPF_INCLUDE: {
		struct level sub;
		struct ea_buf ignored;
		ea_buf_init(&ignored, EA_SPF_EXPLANATION_MAX);
		enum emauth_result r =
		    check_host(ev, ea_span_str(target), &sub, &ignored);
		ea_buf_release(&ignored);
		term_text(t, tt, sizeof(tt));
		/* §5.2: the include table. */
		switch (r) {
		case EMAUTH_RES_PASS:
			return MATCH;
		case EMAUTH_RES_FAIL:
		case EMAUTH_RES_SOFTFAIL:
		case EMAUTH_RES_NEUTRAL:
			return NO_MATCH;
		case EMAUTH_RES_TEMPERROR:
			problem(ev, "temporary error in include:%s (term %u)",
			    target, t->index);
			return term_error(lv, EMAUTH_RES_TEMPERROR, t);
		case EMAUTH_RES_NONE:
			problem(ev,
			    "include:%s has no SPF record (term %u \"%s\"; "
			    "RFC 7208 §5.2: permerror)",
			    target, t->index, tt);
			return term_error(lv, EMAUTH_RES_PERMERROR, t);
		default:
			problem(ev, "permanent error in include:%s (term %u)",
			    target, t->index);
			return term_error(lv, EMAUTH_RES_PERMERROR, t);
		}
	}
	default:
		return NO_MATCH;
	}
}

/* Fetches and expands the exp= explanation (§6.2). Any failure leaves
 * @expl empty: "proceed as if no exp modifier was given". */
static void
explain(struct eval *ev, const struct spf_term *exp, struct emauth_span domain,
    struct ptrs *ptrs, struct ea_buf *expl)
{
	char target[256];
	struct ea_dns_answer ans;
	struct ea_buf txt;
	struct ea_spf_macro_env env;
	struct pctx pc = {ev, domain, ptrs};
	char saved[sizeof(ev->out->problem)];

	/* Problems found while explaining are not the cause of the fail. */
	memcpy(saved, ev->out->problem, sizeof(saved));
	ev->out->problem[0] = '\0';
	bool ok = target_name(ev, exp, domain, ptrs, target, sizeof(target));
	memcpy(ev->out->problem, saved, sizeof(saved));
	if (!ok)
		return;
	if (query(ev, target, EA_DNS_T_TXT, &ans) != 0)
		return;
	if (ans.status != EA_DNS_ANSWER || ans.n != 1) {
		ea_dns_answer_release(&ans);
		return;
	}
	ea_buf_init(&txt, EA_SPF_EXPLANATION_MAX);
	size_t bad;
	if (ea_dns_txt_join(ans.rr[0].rdata, &txt) == 0 &&
	    ea_spf_macro_check(
	        ea_span(txt.p, txt.len), EA_SPF_MACRO_EXP, &bad) == 0) {
		macro_env(ev, domain, &pc, &env);
		ea_buf_reset(expl);
		if (ea_spf_macro_expand(ea_span(txt.p, txt.len),
		        EA_SPF_MACRO_EXP, &env, expl) != 0)
			ea_buf_reset(expl);
	}
	ea_buf_release(&txt);
	ea_dns_answer_release(&ans);
}

/* Fetches the SPF record of @domain (§4.4, §4.5) into @rec. */
static enum emauth_result
fetch_record(struct eval *ev, const char *name, struct ea_buf *rec)
{
	struct ea_dns_answer ans;
	size_t found = 0;
	struct ea_buf one;

	if (query(ev, name, EA_DNS_T_TXT, &ans) != 0)
		return EMAUTH_RES_TEMPERROR;
	if (ans.status == EA_DNS_TEMPFAIL) {
		problem(ev, "DNS %s looking up the TXT record of %s", ans.why,
		    name);
		ea_dns_answer_release(&ans);
		return EMAUTH_RES_TEMPERROR;
	}
	ea_buf_init(&one, EA_SPF_RECORD_MAX + 1);
	for (size_t i = 0; i < ans.n; i++) {
		ea_buf_reset(&one);
		int rc = ea_dns_txt_join(ans.rr[i].rdata, &one);
		if (rc == EMAUTH_ENOMEM)
			ev->err = rc;
		if (!ea_spf_is_record(ea_span(one.p, one.len)))
			continue;
		if (++found == 1) {
			ea_buf_reset(rec);
			if (rc == 0)
				rc = ea_buf_add(rec, one.p, one.len);
			if (rc) {
				problem(ev,
				    "the SPF record of %s is longer than %d "
				    "bytes",
				    name, EA_SPF_RECORD_MAX);
				ea_buf_release(&one);
				ea_dns_answer_release(&ans);
				return EMAUTH_RES_PERMERROR;
			}
		}
	}
	ea_buf_release(&one);
	ea_dns_answer_release(&ans);
	if (found == 0)
		return EMAUTH_RES_NONE;
	if (found > 1) {
		/* §4.5: "If the resultant record set includes more than one
		 * record, check_host() produces the "permerror" result." */
		problem(ev,
		    "%s has %zu SPF records; exactly one is allowed "
		    "(RFC 7208 §4.5)",
		    name, found);
		return EMAUTH_RES_PERMERROR;
	}
	return EMAUTH_RES_PASS; /* found one */
}

static enum emauth_result
check_host(struct eval *ev, struct emauth_span domain, struct level *lv,
    struct ea_buf *expl)
{
	char name[256];
	struct ea_buf rec;
	struct ea_spf_record r;
	struct emauth_diag d;
	struct ptrs ptrs;
	enum emauth_result res;

	lv->result = EMAUTH_RES_NONE;
	lv->term[0] = lv->domain[0] = '\0';
	if (ev->depth >= EA_SPF_DEPTH_MAX) {
		problem(ev, "include/redirect nesting deeper than %d",
		    EA_SPF_DEPTH_MAX);
		return lv->result = EMAUTH_RES_PERMERROR;
	}
	/* §4.3: a malformed <domain> gives "none" at once. */
	if (!domain_ok(domain))
		return lv->result = EMAUTH_RES_NONE;
	snprintf(name, sizeof(name), "%.*s", (int)domain.len,
	    (const char *)domain.p);
	ea_buf_init(&rec, EA_SPF_RECORD_MAX + 1);
	res = fetch_record(ev, name, &rec);
	if (res != EMAUTH_RES_PASS) {
		ea_buf_release(&rec);
		return lv->result = res;
	}
	int rc = ea_spf_record_parse(ea_span(rec.p, rec.len), &r, &d);
	if (rc) {
		char msg[300];
		if (rc == EMAUTH_ENOMEM)
			ev->err = rc;
		problem(ev, "syntax error in the SPF record of %s: %s", name,
		    emauth_diag_format(&d, msg, sizeof(msg)));
		ea_buf_release(&rec);
		return lv->result = EMAUTH_RES_PERMERROR;
	}
	memset(&ptrs, 0, sizeof(ptrs));
	ev->depth++;
	enum match m = NO_MATCH;
	const struct spf_term *t = NULL;
	for (size_t i = 0; i < r.n && m == NO_MATCH && ev->err == 0; i++) {
		t = &r.terms[i];
		if (t->kind >= SPF_REDIRECT)
			continue;
		m = eval_term(ev, t, domain, &ptrs, lv);
	}
	if (ev->err) {
		lv->result = EMAUTH_RES_TEMPERROR;
		problem(ev, "%s", emauth_strerror(ev->err));
	} else if (m == MATCH) {
		lv->result = t->qualifier;
		set_term(lv, t, name);
		if (lv->result == EMAUTH_RES_FAIL && r.exp >= 0)
			explain(ev, &r.terms[r.exp], domain, &ptrs, expl);
	} else if (m == ERROR) {
		snprintf(lv->domain, sizeof(lv->domain), "%s", name);
	} else if (r.redirect >= 0) {
		/* §6.1: redirect applies when no mechanism matched. */
		const struct spf_term *rt = &r.terms[r.redirect];
		char target[256];
		if (!count_term(ev, rt) || !target_name(ev, rt, domain, &ptrs,
		                               target, sizeof(target))) {
			lv->result = EMAUTH_RES_PERMERROR;
			set_term(lv, rt, name);
		} else {
			/* "an exp= modifier from the original domain MUST NOT
			 * be used": the target's own explanation applies. */
			ea_buf_reset(expl);
			enum emauth_result sr =
			    check_host(ev, ea_span_str(target), lv, expl);
			if (sr == EMAUTH_RES_NONE) {
				/* §6.1: "if no SPF record is found, or if the
				 * <target-name> is malformed, the result is a
				 * "permerror" rather than "none"." */
				problem(ev,
				    "redirect=%s has no SPF record (RFC 7208 "
				    "§6.1: permerror)",
				    target);
				lv->result = EMAUTH_RES_PERMERROR;
				set_term(lv, rt, name);
			} else if (lv->term[0] == '\0') {
				set_term(lv, rt, name);
			}
		}
	} else {
		/* §4.7: "If none of the mechanisms match and there is no
		 * "redirect" modifier, then the check_host() returns a
		 * result of "neutral"". */
		lv->result = EMAUTH_RES_NEUTRAL;
	}
	ev->depth--;
	res = lv->result;
	ea_spf_record_release(&r);
	ea_buf_release(&rec);
	return res;
}

/* Splits MAIL FROM into local part and domain (§4.3): the domain follows
 * the last '@'; an empty local part, or no '@' at all, is "postmaster". */
static void
split_sender(
    struct emauth_span s, struct emauth_span *local, struct emauth_span *domain)
{
	size_t at = s.len;

	for (size_t i = s.len; i > 0; i--)
		if (s.p[i - 1] == '@') {
			at = i - 1;
			break;
		}
	if (at == s.len) {
		*local = ea_span_str("postmaster");
		*domain = s;
		return;
	}
	*local = at ? ea_span(s.p, at) : ea_span_str("postmaster");
	*domain = ea_span(s.p + at + 1, s.len - at - 1);
}

static struct emauth_span
strip_brackets(const char *s)
{
	struct emauth_span v = ea_span_str(s);
	if (v.len >= 2 && v.p[0] == '<' && v.p[v.len - 1] == '>')
		v = ea_span(v.p + 1, v.len - 2);
	return v;
}

int
emauth_spf_check_host(struct emauth_ctx *ctx, const struct emauth_spf_query *q,
    struct emauth_spf_result *out)
{
	struct eval ev;
	struct level lv;
	struct ea_buf expl;

	memset(out, 0, sizeof(*out));
	memset(&ev, 0, sizeof(ev));
	out->result = EMAUTH_RES_NONE;
	if (q->ip == NULL || ea_ip_parse(ea_span_str(q->ip), true, &ev.ip) != 0)
		return EMAUTH_EINVAL;
	/* RFC 7208 does not say in which case %{i} prints IPv6 nibbles; we
	 * keep the case the address was given in (the suite's v-macro-ip6). */
	for (const char *c = q->ip; *c; c++)
		if (*c >= 'A' && *c <= 'F')
			ev.ip_upper = true;
	ev.ctx = ctx;
	ev.out = out;
	ev.helo = ea_span_str(q->helo);
	ev.receiver = ea_span_str(q->receiver);
	struct emauth_span from = strip_brackets(q->mail_from);
	if (q->identity == EMAUTH_SPF_HELO || from.len == 0) {
		/* §2.4: "When the reverse-path is null, this document defines
		 * the "MAIL FROM" identity to be the mailbox composed of the
		 * local-part "postmaster" and the "HELO" identity". */
		if (ev.helo.len == 0)
			return EMAUTH_EINVAL;
		ev.local = ea_span_str("postmaster");
		ev.sender_domain = ev.helo;
		out->identity = EMAUTH_SPF_HELO;
	} else {
		split_sender(from, &ev.local, &ev.sender_domain);
		out->identity = EMAUTH_SPF_MAILFROM;
	}
	/* Shown to people and maybe put into SMTP replies: escaped. */
	char local[EMAUTH_SPF_TEXT_MAX], dom[EMAUTH_SPF_TEXT_MAX];
	ea_escape(ev.local, 200, local, sizeof(local));
	ea_escape(ev.sender_domain, EA_DNS_NAME_MAX, dom, sizeof(dom));
	snprintf(out->sender, sizeof(out->sender), "%.250s@%.700s", local, dom);
	/* Whole for every name that can exist (253 characters; DMARC aligns
	 * on it); a longer one, which SPF never checks, ends in "...". */
	ea_escape(ev.sender_domain, EA_DNS_NAME_MAX, out->domain,
	    sizeof(out->domain));

	ev.res = ea_ctx_resolver(ctx);
	if (ev.res == NULL) {
		out->result = EMAUTH_RES_TEMPERROR;
		snprintf(out->problem, sizeof(out->problem),
		    "the DNS resolver could not be started");
		return 0;
	}
	ea_dns_budget_start(&ev.budget, ev.res);
	ea_buf_init(&expl, EA_SPF_EXPLANATION_MAX);
	/* A domain literal ("[192.0.2.1]") is not a domain name (§4.3). */
	if (ev.sender_domain.len && ev.sender_domain.p[0] == '[')
		lv.result = EMAUTH_RES_NONE, lv.term[0] = lv.domain[0] = '\0';
	else
		check_host(&ev, ev.sender_domain, &lv, &expl);
	if (ev.err == EMAUTH_ENOMEM) {
		ea_buf_release(&expl);
		return EMAUTH_ENOMEM;
	}
	out->result = lv.result;
	snprintf(out->mechanism, sizeof(out->mechanism), "%s", lv.term);
	snprintf(out->mechanism_domain, sizeof(out->mechanism_domain), "%s",
	    lv.domain);
	if (out->result == EMAUTH_RES_FAIL) {
		/* %{l} and friends can carry any byte of the sender's into
		 * the text an MTA may put into its reply: escape them. */
		if (expl.len)
			ea_escape(ea_span(expl.p, expl.len), 300,
			    out->explanation, sizeof(out->explanation));
		else if (q->default_explanation)
			snprintf(out->explanation, sizeof(out->explanation),
			    "%s", q->default_explanation);
	}
	if (out->result != EMAUTH_RES_TEMPERROR &&
	    out->result != EMAUTH_RES_PERMERROR)
		out->problem[0] = '\0';
	ea_buf_release(&expl);
	return 0;
}
