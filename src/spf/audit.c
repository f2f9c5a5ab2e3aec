/*
 * audit.c: the SPF audit of a domain (see emauth_spf_audit in
 * include/emauth/spf.h). It walks the published record and every include
 * and redirect with a literal target, depth first, and counts the terms
 * that cost a DNS lookup at receivers (include, a, mx, ptr, exists and
 * redirect: RFC 7208 §4.6.4) per branch and in total. Targets built from
 * macros depend on the message and are listed, not followed. The walk is
 * bounded (64 records, depth 12, the DNS budget); a target already on the
 * path is a loop. Every bound fails closed: past 64 records the count is
 * a lower bound and the audit fails; past 32 findings the failures are
 * kept and a failure counts the rest.
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

_Static_assert(EMAUTH_SPF_RECORD_MAX == EA_SPF_RECORD_MAX,
    "the audit keeps every record the library reads, whole");

struct audit {
	struct ea_resolver *res;
	struct ea_dns_budget budget;
	struct emauth_spf_audit *out;
};

static void finding(struct audit *a, enum emauth_spf_severity sev,
    const char *code, const char *domain, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * Adds a finding. Past EMAUTH_SPF_AUDIT_FINDINGS one finding is not kept,
 * and counted in more_findings: the new one, unless an earlier one is less
 * severe (the last of the least severe goes), so a failure is never lost to
 * warnings. finish_findings() then adds the failure "N more findings".
 */
static void
finding(struct audit *a, enum emauth_spf_severity sev, const char *code,
    const char *domain, const char *fmt, ...)
{
	struct emauth_spf_audit *o = a->out;
	va_list ap;
	struct emauth_spf_finding *f;
	if (o->nfindings < EMAUTH_SPF_AUDIT_FINDINGS) {
		f = &o->findings[o->nfindings++];
	} else {
		unsigned low = 0;
		for (unsigned i = 1; i < o->nfindings; i++)
			if (o->findings[i].severity <=
			    o->findings[low].severity)
				low = i;
		o->more_findings++;
		if (o->findings[low].severity >= sev)
			return;
		/* Drop the least severe, keep the order of the rest. */
		memmove(&o->findings[low], &o->findings[low + 1],
		    (o->nfindings - low - 1) * sizeof(o->findings[0]));
		f = &o->findings[o->nfindings - 1];
	}
	f->severity = sev;
	f->code = code;
	ea_fmt(f->domain, sizeof(f->domain), "%s", domain);
	va_start(ap, fmt);
	int n = vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
	/* A text that does not fit says so (two long names can fill it). */
	if (n >= (int)sizeof(f->text))
		memcpy(f->text + sizeof(f->text) - 4, "...", 4);
}

/* A list that lost findings is itself a failure, in the slot kept for it
 * (findings[EMAUTH_SPF_AUDIT_FINDINGS]). */
static void
finish_findings(struct emauth_spf_audit *o, const char *domain)
{
	if (o->more_findings == 0)
		return;
	struct emauth_spf_finding *f = &o->findings[o->nfindings++];
	f->severity = EMAUTH_SPF_FAIL;
	f->code = "spf.findings-truncated";
	ea_fmt(f->domain, sizeof(f->domain), "%s", domain);
	ea_fmt(f->text, sizeof(f->text),
	    "%u more finding%s not shown (at most %d are kept, failures "
	    "first): the audit is incomplete",
	    o->more_findings, o->more_findings == 1 ? "" : "s",
	    EMAUTH_SPF_AUDIT_FINDINGS);
}

static bool
costs_lookup(enum spf_kind k)
{
	return k == SPF_INCLUDE || k == SPF_A || k == SPF_MX || k == SPF_PTR ||
	       k == SPF_EXISTS || k == SPF_REDIRECT;
}

/* Whether @txt, not an SPF record, was meant as one: "v=spf1" written
 * with spaces around "=", a dot or another character after it, "spf1"
 * without "v=", "v=spf" with another version. Sender ID ("spf2.0/") is
 * not. */
static bool
near_miss(struct emauth_span txt)
{
	char low[16];
	size_t n = 0;
	for (size_t i = 0; i < txt.len && n < sizeof(low) - 1; i++) {
		unsigned char c = txt.p[i];
		if (c == ' ' && n < 3)
			continue; /* "v = spf1" */
		low[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	low[n] = '\0';
	return strncmp(low, "v=spf", 5) == 0 || strncmp(low, "spf1", 4) == 0;
}

/* Fetches the SPF record of @name into @rec. Returns 1 (one record), 0
 * (none), -1 (a problem, written to @problem). */
static int
fetch(struct audit *a, const char *name, struct ea_buf *rec, char *problem,
    size_t psize, const char **code, char *near, size_t nsize)
{
	struct ea_dns_answer ans;
	unsigned found = 0;
	struct ea_buf one;

	if (ea_dns_query(a->res, &a->budget, name, EA_DNS_T_TXT, &ans) != 0) {
		ea_fmt(problem, psize, "out of memory");
		*code = "spf.out-of-memory";
		return -1;
	}
	if (ans.status == EA_DNS_TEMPFAIL) {
		ea_fmt(problem, psize, "DNS %s looking up the TXT records",
		    ans.why ? ans.why : "failure");
		*code = "spf.dns-error";
		ea_dns_answer_release(&ans);
		return -1;
	}
	bool toobig = false;
	ea_buf_init(&one, EA_SPF_RECORD_MAX + 1);
	for (size_t i = 0; i < ans.n; i++) {
		ea_buf_reset(&one);
		int jrc = ea_dns_txt_join(ans.rr[i].rdata, &one);
		/* The buffer holds one byte more than a record may have. */
		if (jrc == 0 && one.len > EA_SPF_RECORD_MAX)
			jrc = EMAUTH_ETOOBIG;
		if (jrc == EMAUTH_ETOOBIG && one.len >= 6 &&
		    strncasecmp((const char *)one.p, "v=spf1", 6) == 0)
			toobig = true;
		if (jrc != 0)
			continue;
		if (!ea_spf_is_record(ea_span(one.p, one.len))) {
			if (near && near[0] == '\0' &&
			    near_miss(ea_span(one.p, one.len)))
				ea_escape(
				    ea_span(one.p, one.len), 120, near, nsize);
			continue;
		}
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
		*code = "spf.record-too-long";
		return -1;
	}
	if (found > 1) {
		ea_fmt(problem, psize,
		    "%u SPF records: receivers return permerror (exactly one "
		    "is allowed)",
		    found);
		*code = "spf.multiple-records";
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

/* Private, loopback and link-local networks: no mail from the Internet
 * comes from them. */
static const char *
private_range(const struct ea_ip *ip, unsigned bits)
{
	const uint8_t *b = ip->a;
	if (ip->family == 4) {
		if (b[0] == 10 ||
		    (b[0] == 172 && (b[1] & 0xf0) == 16 && bits >= 12) ||
		    (b[0] == 192 && b[1] == 168 && bits >= 16))
			return "a private range (RFC 1918)";
		if (b[0] == 127)
			return "the loopback range";
		if (b[0] == 169 && b[1] == 254 && bits >= 16)
			return "the link-local range";
		if (b[0] == 0 && bits >= 8)
			return "not an address of the Internet (0.0.0.0/8)";
		if (b[0] == 100 && (b[1] & 0xc0) == 64 && bits >= 10)
			return "the shared address space of carriers (RFC "
			       "6598)";
		return NULL;
	}
	static const uint8_t loop[16] = {[15] = 1};
	if (bits == 128 && memcmp(b, loop, 16) == 0)
		return "the loopback address";
	if ((b[0] & 0xfe) == 0xfc && bits >= 7)
		return "a unique local range (RFC 4193)";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80 && bits >= 10)
		return "the link-local range";
	return NULL;
}

/* A network term: a private range, or bits set past its prefix length
 * (receivers use the network, so the record does not say what its
 * author meant). */
static void
check_network(struct audit *a, const char *domain, const struct spf_term *t,
    const char *text, bool root)
{
	unsigned bits = t->kind == SPF_IP4 ? t->cidr4 : t->cidr6;
	unsigned len = t->kind == SPF_IP4 ? 4 : 16;
	const char *where = root ? "" : " in the record of ";
	const char *who = root ? "" : domain;
	const char *priv = private_range(&t->ip, bits);
	if (priv)
		finding(a, EMAUTH_SPF_WARN, "spf.private-range", domain,
		    "%s%s%s is %s: no mail from the Internet comes from it; "
		    "remove it (mail inside your network is not checked with "
		    "SPF)",
		    text, where, who, priv);
	struct ea_ip net = t->ip;
	bool host_bits = false;
	for (unsigned i = 0; i < len; i++) {
		unsigned keep = bits >= 8 * (i + 1) ? 8
		                : bits > 8 * i      ? bits - 8 * i
		                                    : 0;
		uint8_t mask = (uint8_t)(keep ? 0xff << (8 - keep) : 0);
		if (net.a[i] & (uint8_t)~mask)
			host_bits = true;
		net.a[i] &= mask;
	}
	if (host_bits) {
		char ntext[64];
		ea_ip_format(&net, ntext, sizeof(ntext));
		finding(a, EMAUTH_SPF_WARN, "spf.host-bits", domain,
		    "%s%s%s has bits set past /%u: receivers read it as "
		    "%s/%u; write that, or the prefix you meant",
		    text, where, who, bits, ntext, bits);
	}
}

/* Look-alike characters that make a term unreadable: the name and what
 * to type instead. */
static const struct {
	const char *utf8, *name, *type;
} lookalikes[] = {
    {"\xe2\x80\x93", "an en dash (U+2013)", "-"},
    {"\xe2\x80\x94", "an em dash (U+2014)", "-"},
    {"\xe2\x88\x92", "a minus sign (U+2212)", "-"},
    {"\xe2\x80\x90", "a hyphen (U+2010)", "-"},
    {"\xe2\x80\x91", "a non-breaking hyphen (U+2011)", "-"},
    {"\xc2\xad", "a soft hyphen (U+00AD)", "-"},
    {"\xc2\xa0", "a no-break space (U+00A0)", " "},
    {"\xe2\x80\x9c", "a curly quote (U+201C)", "\""},
    {"\xe2\x80\x9d", "a curly quote (U+201D)", "\""},
    {"\xe2\x80\x98", "a curly apostrophe (U+2018)", "'"},
    {"\xe2\x80\x99", "a curly apostrophe (U+2019)", "'"},
};

/*
 * The record does not parse: each term is read alone, so that every
 * error is reported, not only the first, each with what to type: a
 * look-alike character (a dash pasted from a word processor), a space
 * after a colon ("include: name"), or the parser's reason. Bounded by the
 * findings cap.
 */
static void
each_term_error(struct audit *a, const char *name, struct emauth_span rec)
{
	size_t i = 0;
	while (i < rec.len && rec.p[i] != ' ')
		i++; /* the version */
	while (i < rec.len) {
		while (i < rec.len && rec.p[i] == ' ')
			i++;
		size_t s = i;
		while (i < rec.len && rec.p[i] != ' ')
			i++;
		if (s == i)
			break;
		struct emauth_span term = ea_span(rec.p + s, i - s);
		char text[300];
		ea_escape(term, 64, text, sizeof(text));
		bool found = false;
		for (size_t k = 0; k < EA_ARRAY_LEN(lookalikes) && !found;
		     k++) {
			size_t ul = strlen(lookalikes[k].utf8);
			for (size_t j = 0; j + ul <= term.len && !found; j++)
				if (memcmp(term.p + j, lookalikes[k].utf8,
				        ul) == 0) {
					finding(a, EMAUTH_SPF_FAIL,
					    "spf.lookalike-char", name,
					    "the record of %s: \"%s\" uses %s; "
					    "type \"%s\" instead",
					    name, text, lookalikes[k].name,
					    lookalikes[k].type);
					found = true;
				}
		}
		if (found)
			continue;
		if (term.p[term.len - 1] == ':' ||
		    term.p[term.len - 1] == '=') {
			finding(a, EMAUTH_SPF_FAIL, "spf.space-after-colon",
			    name,
			    "the record of %s: \"%s\" is followed by a space: "
			    "write the value right after it, without the space",
			    name, text);
			continue;
		}
		char one[EA_SPF_RECORD_MAX + 8];
		int w = snprintf(one, sizeof(one), "v=spf1 %.*s", (int)term.len,
		    (const char *)term.p);
		if (w < 0 || (size_t)w >= sizeof(one))
			continue;
		struct ea_spf_record r;
		struct emauth_diag d;
		memset(&d, 0, sizeof(d));
		if (ea_spf_record_parse(ea_span(one, (size_t)w), &r, &d) == 0) {
			ea_spf_record_release(&r);
			continue;
		}
		finding(a, EMAUTH_SPF_FAIL, "spf.invalid-term", name,
		    "the record of %s: \"%s\": %s", name, text,
		    d.msg ? d.msg : "not a valid term");
	}
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
				finding(a, EMAUTH_SPF_FAIL, "spf.plus-all",
				    domain,
				    "%s authorizes every address on the "
				    "Internet to send as %s: use -all or ~all",
				    text, domain);
			else if (t->qualifier == EMAUTH_RES_NEUTRAL && root)
				finding(a, EMAUTH_SPF_WARN, "spf.neutral-all",
				    domain,
				    "?all says nothing about other senders: "
				    "receivers treat forgeries as neutral; use "
				    "-all or ~all");
			break;
		case SPF_PTR:
			finding(a, EMAUTH_SPF_WARN, "spf.ptr", domain,
			    "%s is deprecated (RFC 7208 §5.5): slow, "
			    "unreliable, and some receivers ignore it; list "
			    "the addresses instead",
			    text);
			break;
		case SPF_IP4:
			if (t->cidr4 < 16)
				finding(a, EMAUTH_SPF_WARN, "spf.wide-ip4",
				    domain,
				    "%s%s%s authorizes more than 65,536 "
				    "addresses (wider than /16)",
				    text, root ? "" : " in the record of ",
				    root ? "" : domain);
			check_network(a, domain, t, text, root);
			break;
		case SPF_IP6:
			if (t->cidr6 < 48)
				finding(a, EMAUTH_SPF_WARN, "spf.wide-ip6",
				    domain, "%s%s%s is wider than /48", text,
				    root ? "" : " in the record of ",
				    root ? "" : domain);
			check_network(a, domain, t, text, root);
			break;
		default:
			break;
		}
	}
	if (has_all && r->redirect >= 0)
		finding(a, EMAUTH_SPF_WARN, "spf.redirect-ignored", domain,
		    "the record of %s has both all and redirect=: the redirect "
		    "is never used (RFC 7208 §6.1); keep one",
		    domain);
	if (root && !has_all && r->redirect < 0)
		finding(a, EMAUTH_SPF_WARN, "spf.no-all", domain,
		    "no all and no redirect: mail from anywhere else gets "
		    "neutral; end the record with -all or ~all");
	if (len > 450)
		finding(a, EMAUTH_SPF_WARN, "spf.record-over-450", domain,
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
		/* Each record past the root costs its parent a lookup, so
		 * the tree is far over 10 anyway; the count is a lower
		 * bound from here on. */
		if (!o->truncated)
			finding(a, EMAUTH_SPF_FAIL, "spf.tree-truncated", name,
			    "more than %d records in the tree: the rest was "
			    "not examined, and the lookup count is a lower "
			    "bound",
			    EMAUTH_SPF_AUDIT_NODES);
		o->truncated = 1;
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
		finding(a, EMAUTH_SPF_FAIL, "spf.loop", o->nodes[parent].domain,
		    "%s loops back to %s: receivers return permerror", via,
		    name);
		return me;
	}
	if (depth >= EA_SPF_DEPTH_MAX) {
		ea_fmt(n->problem, sizeof(n->problem), "nested too deeply");
		finding(a, EMAUTH_SPF_FAIL, "spf.too-deep", name,
		    "include/redirect nesting deeper than %d",
		    EA_SPF_DEPTH_MAX);
		return me;
	}
	struct ea_buf rec;
	ea_buf_init(&rec, EA_SPF_RECORD_MAX + 1);
	const char *fcode = "spf.dns-error";
	char near[400] = "";
	int f = fetch(a, name, &rec, n->problem, sizeof(n->problem), &fcode,
	    near, sizeof(near));
	if (f == 0 && near[0])
		finding(a, EMAUTH_SPF_FAIL, "spf.near-miss", name,
		    "%s: the TXT record \"%s\" is meant as SPF but is not "
		    "one: receivers ignore it (an SPF record begins with "
		    "exactly v=spf1 and a space)",
		    name, near);
	if (f < 0) {
		finding(a, EMAUTH_SPF_FAIL, fcode, name, "%s: %s", name,
		    n->problem);
		ea_buf_release(&rec);
		return me;
	}
	if (f == 0) {
		ea_fmt(n->problem, sizeof(n->problem), "no SPF record");
		if (parent >= 0) {
			o->void_lookups++;
			finding(a, EMAUTH_SPF_FAIL, "spf.include-no-record",
			    o->nodes[parent].domain,
			    "%s: %s has no SPF record; receivers return "
			    "permerror",
			    via, name);
		}
		ea_buf_release(&rec);
		return me;
	}
	/* Whole (fetch() takes no record over EA_SPF_RECORD_MAX), never
	 * cut: check --expect builds a record to publish from it. */
	memcpy(n->record, rec.p, rec.len);
	n->record[rec.len] = '\0';
	struct ea_spf_record r;
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	if (ea_spf_record_parse(ea_span(rec.p, rec.len), &r, &d) != 0) {
		char msg[400];
		ea_fmt(n->problem, sizeof(n->problem), "syntax error: %s",
		    emauth_diag_format(&d, msg, sizeof(msg)));
		finding(a, EMAUTH_SPF_FAIL, "spf.invalid-record", name,
		    "the record of %s is not valid: receivers return "
		    "permerror: %s",
		    name, msg);
		each_term_error(a, name, ea_span(rec.p, rec.len));
		ea_buf_release(&rec);
		return me;
	}
	check_terms(a, name, &r, rec.len, parent < 0);
	/* With an all term, redirect= is never used (RFC 7208 §6.1): not
	 * counted, not followed. */
	bool has_all = false;
	for (size_t i = 0; i < r.n; i++)
		has_all |= r.terms[i].kind == SPF_ALL;
	for (size_t i = 0; i < r.n; i++)
		if (costs_lookup(r.terms[i].kind) &&
		    !(has_all && r.terms[i].kind == SPF_REDIRECT))
			n->own_lookups++;
	unsigned total = n->own_lookups;
	for (size_t i = 0; i < r.n; i++) {
		const struct spf_term *t = &r.terms[i];
		if ((t->kind != SPF_INCLUDE && t->kind != SPF_REDIRECT) ||
		    (t->kind == SPF_REDIRECT && has_all))
			continue;
		char target[EA_DNS_NAME_MAX + 2], how[300];
		ea_escape(t->text, 64, how, sizeof(how));
		if (memchr(t->domain.p, '%', t->domain.len)) {
			finding(a, EMAUTH_SPF_INFO, "spf.macro-target", name,
			    "%s depends on the message (macros): not "
			    "followed",
			    how);
			continue;
		}
		/* A literal target over 253 characters is no name: receivers
		 * shorten it from the left (RFC 7208 §7.3), so looking up a
		 * copy cut anywhere would audit another name. */
		size_t tl = t->domain.len;
		if (tl && t->domain.p[tl - 1] == '.')
			tl--;
		if (tl == 0 || tl > EA_DNS_NAME_MAX) {
			finding(a, EMAUTH_SPF_FAIL, "spf.target-too-long", name,
			    "%s: the target is %zu characters long, not a "
			    "domain name (at most %d): receivers shorten it "
			    "from the left (RFC 7208 §7.3) and look up "
			    "another name",
			    how, tl, EA_DNS_NAME_MAX);
			continue;
		}
		memcpy(target, t->domain.p, tl);
		target[tl] = '\0';
		ea_fmt(how, sizeof(how), "%.*s", (int)t->text.len,
		    (const char *)t->text.p);
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
		finding(&a, EMAUTH_SPF_FAIL, "spf.dns-error", name,
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
		finding(&a, EMAUTH_SPF_FAIL, "spf.missing", name,
		    "%s publishes no SPF record: receivers cannot tell its "
		    "servers from forgers",
		    name);
	/* Counts over a truncated tree are lower bounds. */
	const char *least = out->truncated ? "at least " : "";
	if (out->total_lookups > EA_SPF_DNS_TERMS_MAX)
		finding(&a, EMAUTH_SPF_FAIL, "spf.lookups-over-10", name,
		    "%s%u DNS-querying terms in the whole tree: receivers "
		    "stop at %d and return permerror (RFC 7208 §4.6.4)",
		    least, out->total_lookups, EA_SPF_DNS_TERMS_MAX);
	if (out->void_lookups > EA_SPF_VOID_MAX)
		finding(&a, EMAUTH_SPF_FAIL, "spf.void-lookups", name,
		    "%s%u includes lead to names without a record: more "
		    "than %d void lookups is a permerror",
		    least, out->void_lookups, EA_SPF_VOID_MAX);

	/* The legacy SPF type (99): RFC 7208 §3.1 says publish TXT only. */
	struct ea_dns_answer ans;
	if (ea_dns_query(a.res, &a.budget, name, EA_DNS_T_SPF, &ans) == 0) {
		if (ans.status == EA_DNS_ANSWER)
			finding(&a, EMAUTH_SPF_WARN, "spf.type-99", name,
			    "%s also publishes the obsolete SPF record type "
			    "(99): receivers ignore it (RFC 7208 §3.1); keep "
			    "only the TXT record",
			    name);
		ea_dns_answer_release(&ans);
	}
	finish_findings(out, name);
	return 0;
}

/*
 * Flattening (emauth_spf_flatten). The flattened record must give every
 * address the result the published one gives (with today's addresses). At
 * the top (the domain and its redirect targets) each term keeps its
 * qualifier and its place, and the redirect comes after the mechanisms, as
 * in evaluation. Inside an include only the terms that make the include
 * match can be written out, each with the include's own qualifier. A term
 * that ends the include without a match (-ip4:, ~a, ...) takes its
 * addresses away from the terms after it, which no list of terms can say:
 * such an include is kept as written. Whatever else cannot be written
 * faithfully refuses the flattening.
 */

struct flat {
	struct audit a;
	const char *const *keep;
	size_t nkeep;
	const char *root;    /* the domain flattened, without a final dot */
	struct ea_buf terms; /* " ip4:... include:..." */
	char all[8];         /* the final all, e.g. "-all" */
	struct emauth_spf_flat *out;
	unsigned depth;
	int err;
	/* Inside an include: the qualifier its matching terms take ("" for
	 * pass, "-", "~", "?"); NULL at the top. */
	const char *inq;
	/* Why the record being flattened cannot be written out faithfully;
	 * "" while it can. */
	char cannot[300];
};

static void cannot(struct flat *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
cannot(struct flat *f, const char *fmt, ...)
{
	va_list ap;
	if (f->cannot[0])
		return;
	va_start(ap, fmt);
	vsnprintf(f->cannot, sizeof(f->cannot), fmt, ap);
	va_end(ap);
}

static const char *
qual(enum emauth_result q)
{
	return q == EMAUTH_RES_FAIL       ? "-"
	       : q == EMAUTH_RES_SOFTFAIL ? "~"
	       : q == EMAUTH_RES_NEUTRAL  ? "?"
	                                  : "";
}

static void flat_note(struct flat *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
flat_note(struct flat *f, const char *fmt, ...)
{
	size_t l = strlen(f->out->problem);
	va_list ap;
	if (l + 3 >= sizeof(f->out->problem)) {
		memcpy(f->out->problem + sizeof(f->out->problem) - 4, "...", 4);
		return;
	}
	if (l) {
		f->out->problem[l++] = ';';
		f->out->problem[l++] = ' ';
	}
	va_start(ap, fmt);
	int n = vsnprintf(
	    f->out->problem + l, sizeof(f->out->problem) - l, fmt, ap);
	va_end(ap);
	/* A note that does not fit says so. */
	if (n < 0 || (size_t)n >= sizeof(f->out->problem) - l)
		memcpy(f->out->problem + sizeof(f->out->problem) - 4, "...", 4);
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

/* Copies the literal target of @t (or @name when it has none) into @out
 * without a final dot. A target over 253 characters is no name: receivers
 * shorten it from the left (RFC 7208 §7.3), so the flattening stops rather
 * than resolve another name. Returns false then. */
static bool
flat_target(struct flat *f, const struct spf_term *t, const char *name,
    char out[EA_DNS_NAME_MAX + 2])
{
	struct emauth_span d = t->domain.len ? t->domain : ea_span_str(name);
	if (d.len && d.p[d.len - 1] == '.')
		d.len--;
	if (d.len == 0 || d.len > EA_DNS_NAME_MAX) {
		f->err = EMAUTH_EINVAL;
		char text[300];
		ea_escape(t->text, 64, text, sizeof(text));
		flat_note(f,
		    "%s: the target is %zu characters long, not a domain "
		    "name (at most %d)",
		    text, d.len, EA_DNS_NAME_MAX);
		return false;
	}
	memcpy(out, d.p, d.len);
	out[d.len] = '\0';
	return true;
}

/* Writes @t as published, with the qualifier @q, and notes @why (NULL:
 * no note). Moved out of the record of @name, a term that names no domain
 * gets ":name"; one whose macros use %{d} or %{p} (which depend on the
 * record's own name) cannot move. */
static void
keep_term(struct flat *f, const struct spf_term *t, const char *name,
    const char *q, const char *why)
{
	struct emauth_span text = t->text;
	if (text.len && strchr("+-~?", text.p[0]))
		text = ea_span(text.p + 1, text.len - 1);
	bool moved = strcasecmp(name, f->root) != 0;
	if (moved && t->domain.len &&
	    (ea_spf_macro_uses(t->domain, 'd') ||
	        ea_spf_macro_uses(t->domain, 'p'))) {
		cannot(f,
		    "%.*s in the record of %s: its macros name that record, "
		    "so it cannot move",
		    (int)(text.len > 64 ? 64 : text.len), (const char *)text.p,
		    name);
		return;
	}
	f->out->lookups++;
	ea_buf_addc(&f->terms, ' ');
	ea_buf_adds(&f->terms, q);
	if (moved && t->domain.len == 0) {
		/* "mx/24" becomes "mx:name/24". */
		size_t w = 0;
		while (w < text.len && text.p[w] != '/')
			w++;
		ea_buf_add(&f->terms, text.p, w);
		ea_buf_addc(&f->terms, ':');
		ea_buf_adds(&f->terms, name);
		ea_buf_add(&f->terms, text.p + w, text.len - w);
	} else {
		ea_buf_add(&f->terms, text.p, text.len);
	}
	if (why)
		flat_note(f, "%.*s kept as written (%s)", (int)text.len,
		    (const char *)text.p, why);
}

struct mx_name {
	uint16_t pref;
	char name[EA_DNS_PRES_MAX];
};

/* mx: the addresses of every MX host, by preference. With more than 10
 * MX names receivers return permerror past the 10th address lookup (RFC
 * 7208 §4.6.4), which no list of addresses can say: kept as written. */
static void
flat_mx(struct flat *f, const struct spf_term *t, const char *target,
    const char *name, const char *q)
{
	struct ea_dns_answer ans;
	struct mx_name hosts[EA_SPF_MX_NAMES_MAX];
	size_t n = 0, names = 0;

	if (ea_dns_query(f->a.res, &f->a.budget, target, EA_DNS_T_MX, &ans) !=
	    0) {
		f->err = EMAUTH_ENOMEM;
		return;
	}
	if (ans.status == EA_DNS_TEMPFAIL) {
		f->err = EMAUTH_EDNS;
		ea_dns_answer_release(&ans);
		return;
	}
	for (size_t k = 0; k < ans.n; k++) {
		struct mx_name h;
		if (ans.rr[k].type != EA_DNS_T_MX ||
		    ea_dns_mx(
		        ans.rr[k].rdata, &h.pref, h.name, sizeof(h.name)) != 0)
			continue;
		/* Every MX record counts towards the 10, as in evaluation
		 * (the null MX "0 ." names no host). */
		names++;
		if (h.name[0] == '\0' || strcmp(h.name, ".") == 0 ||
		    n == EA_SPF_MX_NAMES_MAX)
			continue;
		size_t i = n++;
		while (i > 0 &&
		       (hosts[i - 1].pref > h.pref ||
		           (hosts[i - 1].pref == h.pref &&
		               strcasecmp(hosts[i - 1].name, h.name) > 0))) {
			hosts[i] = hosts[i - 1];
			i--;
		}
		hosts[i] = h;
	}
	ea_dns_answer_release(&ans);
	if (names > EA_SPF_MX_NAMES_MAX) {
		keep_term(f, t, name, q, NULL);
		flat_note(f,
		    "%.*s kept as written: %s has %zu MX records, and "
		    "receivers look up at most %d (RFC 7208 §4.6.4)",
		    (int)t->text.len, (const char *)t->text.p, target, names,
		    EA_SPF_MX_NAMES_MAX);
		return;
	}
	for (size_t i = 0; i < n && !f->err; i++)
		add_host(f, q, hosts[i].name, t->cidr4, t->cidr6);
}

static void flatten_domain(struct flat *f, const char *name);

/* include:@target with the qualifier @q. At the top it is written out, or
 * kept as written when its record cannot be; inside an include (which
 * only pass includes reach) it is part of that one. */
static void
flat_include(struct flat *f, const struct spf_term *t, const char *target,
    const char *name, const char *q)
{
	if (f->inq != NULL) {
		flatten_domain(f, target);
		return;
	}
	size_t len = f->terms.len, plen = strlen(f->out->problem);
	int berr = f->terms.err;
	unsigned nets = f->out->networks, looks = f->out->lookups;
	f->inq = q;
	flatten_domain(f, target);
	f->inq = NULL;
	if (f->cannot[0] == '\0' || f->err)
		return;
	/* Undo what was written of it, then keep it. */
	f->terms.len = len;
	if (f->terms.p)
		f->terms.p[len] = '\0';
	f->terms.err = berr;
	f->out->networks = nets;
	f->out->lookups = looks;
	f->out->problem[plen] = '\0';
	char why[sizeof(f->cannot)];
	ea_fmt(why, sizeof(why), "%s", f->cannot);
	f->cannot[0] = '\0';
	keep_term(f, t, name, q, NULL);
	flat_note(f, "%.*s kept as written: %s", (int)t->text.len,
	    (const char *)t->text.p, why);
}

/* Flattens the record of @name into f->terms: at the top (f->inq NULL)
 * with its own qualifiers and its all, inside an include with f->inq. */
static void
flatten_domain(struct flat *f, const char *name)
{
	if (f->err || f->cannot[0])
		return;
	if (++f->depth > EA_SPF_DEPTH_MAX) {
		f->err = EMAUTH_EINVAL;
		flat_note(f,
		    "nesting deeper than %d at %s: receivers return "
		    "permerror",
		    EA_SPF_DEPTH_MAX, name);
		f->depth--;
		return;
	}
	struct ea_buf rec;
	char problem[300];
	ea_buf_init(&rec, EA_SPF_RECORD_MAX + 1);
	const char *code;
	int got =
	    fetch(&f->a, name, &rec, problem, sizeof(problem), &code, NULL, 0);
	if (got <= 0) {
		/* Receivers return permerror (or temperror): nothing to
		 * write out. */
		f->err = got < 0 && strncmp(problem, "DNS ", 4) == 0
		             ? EMAUTH_EDNS
		             : EMAUTH_EINVAL;
		flat_note(f, "%s: %s", name,
		    got < 0 ? problem
		            : "no SPF record: receivers return permerror");
		ea_buf_release(&rec);
		f->depth--;
		return;
	}
	struct ea_spf_record r;
	if (ea_spf_record_parse(ea_span(rec.p, rec.len), &r, NULL) != 0) {
		f->err = EMAUTH_EINVAL;
		flat_note(f,
		    "%s: the record is not valid: receivers return "
		    "permerror",
		    name);
		ea_buf_release(&rec);
		f->depth--;
		return;
	}
	bool top = f->inq == NULL;
	/* RFC 7208 §6.1: redirect is ignored when the record has all; it
	 * applies after every mechanism wherever it is written. */
	bool has_all = false;
	const struct spf_term *redirect = NULL;
	for (size_t i = 0; i < r.n; i++) {
		has_all |= r.terms[i].kind == SPF_ALL;
		if (r.terms[i].kind == SPF_REDIRECT)
			redirect = &r.terms[i];
	}
	for (size_t i = 0; i < r.n && !f->err && !f->cannot[0]; i++) {
		const struct spf_term *t = &r.terms[i];
		if (t->kind == SPF_REDIRECT || t->kind == SPF_EXP ||
		    t->kind == SPF_UNKNOWN_MOD)
			continue;
		bool pass = t->qualifier == EMAUTH_RES_PASS;
		if (!top && t->kind == SPF_ALL && !pass)
			break; /* no match: the terms after it are never read */
		if (!top && !pass) {
			cannot(f,
			    "%.*s in the record of %s does not pass: the "
			    "addresses it takes out of the terms after it "
			    "cannot be written as terms",
			    (int)(t->text.len > 64 ? 64 : t->text.len),
			    (const char *)t->text.p, name);
			break;
		}
		const char *q = top ? qual(t->qualifier) : f->inq;
		if (t->kind == SPF_ALL) {
			if (!top) {
				cannot(f,
				    "the record of %s ends in +all: it "
				    "authorizes every address",
				    name);
				break;
			}
			ea_fmt(f->all, sizeof(f->all), "%sall", pass ? "+" : q);
			break; /* the terms after all are never read */
		}
		bool macro =
		    t->domain.len && memchr(t->domain.p, '%', t->domain.len);
		char target[EA_DNS_NAME_MAX + 2];
		switch (t->kind) {
		case SPF_IP4:
		case SPF_IP6:
			add_net(f, q, &t->ip,
			    t->kind == SPF_IP4 ? t->cidr4 : t->cidr6);
			break;
		case SPF_A:
			if (macro)
				keep_term(
				    f, t, name, q, "depends on the message");
			else if (flat_target(f, t, name, target))
				add_host(f, q, target, t->cidr4, t->cidr6);
			break;
		case SPF_MX:
			if (macro)
				keep_term(
				    f, t, name, q, "depends on the message");
			else if (flat_target(f, t, name, target))
				flat_mx(f, t, target, name, q);
			break;
		case SPF_INCLUDE:
			if (macro)
				keep_term(
				    f, t, name, q, "depends on the message");
			else if (kept(f, t->domain))
				keep_term(f, t, name, q, NULL);
			else if (flat_target(f, t, name, target))
				flat_include(f, t, target, name, q);
			break;
		default: /* exists, ptr */
			keep_term(f, t, name, q,
			    macro ? "depends on the message"
			          : "cannot be resolved in advance");
			break;
		}
	}
	if (redirect && !has_all && !f->err && !f->cannot[0]) {
		char target[EA_DNS_NAME_MAX + 2];
		if (memchr(redirect->domain.p, '%', redirect->domain.len))
			cannot(f,
			    "%.*s in the record of %s depends on the message",
			    (int)(redirect->text.len > 64 ? 64
			                                  : redirect->text.len),
			    (const char *)redirect->text.p, name);
		else if (flat_target(f, redirect, name, target))
			/* The target's record stands for this one, in the
			 * same place: at the top its all is the final one. */
			flatten_domain(f, target);
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
	char root[EA_DNS_NAME_MAX + 2];

	memset(out, 0, sizeof(*out));
	size_t dl = domain ? strlen(domain) : 0;
	if (dl && domain[dl - 1] == '.')
		dl--;
	if (dl == 0 || dl > EA_DNS_NAME_MAX)
		return EMAUTH_EINVAL;
	memcpy(root, domain, dl);
	root[dl] = '\0';
	memset(&f, 0, sizeof(f));
	f.keep = keep;
	f.nkeep = nkeep;
	f.root = root;
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
	const char *code;
	int got =
	    fetch(&f.a, root, &probe, problem, sizeof(problem), &code, NULL, 0);
	ea_buf_release(&probe);
	if (got <= 0) {
		ea_buf_release(&f.terms);
		ea_fmt(out->problem, sizeof(out->problem), "%s",
		    got < 0 ? problem : "no SPF record");
		return got < 0 && strncmp(problem, "DNS ", 4) == 0
		           ? EMAUTH_EDNS
		           : EMAUTH_ENOTFOUND;
	}
	flatten_domain(&f, root);
	int rc = f.err ? f.err : f.terms.err;
	if (rc == 0 && f.cannot[0]) {
		rc = EMAUTH_EINVAL;
		flat_note(&f, "cannot be flattened faithfully: %s", f.cannot);
	}
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
