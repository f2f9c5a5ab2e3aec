/*
 * expect.c: the expectations of a sending platform (docs/expect.md): what
 * a brokerage or a marketing platform requires of a customer domain, one
 * expectation a line:
 *   spf-include HOST            the SPF tree includes HOST (through pass
 *                               includes and redirects)
 *   dkim-cname SELECTOR TARGET  SELECTOR._domainkey.DOMAIN is a CNAME to
 *                               TARGET (and a usable key is there)
 *   dmarc [none|quarantine|reject]  a DMARC policy, at least this strict
 *   dmarc-rua mailto:ADDR       the DMARC record sends aggregate reports
 *                               to ADDR
 *   return-path NAME            NAME has an SPF record or an MX
 * "{domain}" in a value stands for the domain checked; "#" starts a
 * comment.
 */
#include "common/internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/ctx.h"
#include "common/diag.h"
#include "common/span.h"
#include "dns/rdata.h"
#include "dns/resolver.h"

#include <emauth/dkim.h>
#include <emauth/dmarc.h>
#include <emauth/mx.h>

static int
refuse(struct emauth_diag *diag, int code, unsigned line, const char *msg,
    struct emauth_span excerpt)
{
	char where[16];
	ea_fmt(where, sizeof(where), "%u", line);
	ea_diag_set(diag, code, where, excerpt, 0, msg);
	return code;
}

EMAUTH_API int
emauth_audit_expect_parse(struct emauth_span text,
    struct emauth_audit_expect *out, size_t *n, struct emauth_diag *diag)
{
	unsigned no = 0;
	*n = 0;
	for (size_t pos = 0; pos < text.len;) {
		const uint8_t *eol = memchr(text.p + pos, '\n', text.len - pos);
		size_t len =
		    eol ? (size_t)(eol - (text.p + pos)) : text.len - pos;
		struct emauth_span line = ea_span(text.p + pos, len);
		pos += len + (eol != NULL);
		no++;
		/* A line and its line feed in 1,023 bytes. */
		if (len + 1 > EMAUTH_AUDIT_EXPECT_LINE_MAX)
			return refuse(diag, EMAUTH_ETOOBIG, no, "line too long",
			    ea_span(line.p, 0));
		const uint8_t *hash = memchr(line.p, '#', line.len);
		if (hash)
			line.len = (size_t)(hash - line.p);
		/* Up to four words, each whole. */
		struct emauth_span w[4];
		int k = 0;
		for (size_t i = 0; i < line.len && k < 4;) {
			while (i < line.len &&
			       (line.p[i] == ' ' || line.p[i] == '\t' ||
			           line.p[i] == '\r'))
				i++;
			if (i == line.len)
				break;
			size_t s = i;
			while (i < line.len &&
			       !(line.p[i] == ' ' || line.p[i] == '\t' ||
			           line.p[i] == '\r'))
				i++;
			w[k++] = ea_span(line.p + s, i - s);
		}
		if (k == 0)
			continue;
		struct emauth_audit_expect x;
		memset(&x, 0, sizeof(x));
		char *dst[3] = {x.kind, x.a, x.b};
		size_t cap[3] = {sizeof(x.kind), sizeof(x.a), sizeof(x.b)};
		for (int i = 0; i < k && i < 3; i++) {
			if (w[i].len >= cap[i] ||
			    memchr(w[i].p, '\0', w[i].len))
				return refuse(diag, EMAUTH_ESYNTAX, no,
				    i == 0 ? "a word is longer than 15 bytes"
				           : "a word is longer than 299 bytes",
				    w[i]);
			memcpy(dst[i], w[i].p, w[i].len);
		}
		bool ok = (strcmp(x.kind, "spf-include") == 0 && k == 2) ||
		          (strcmp(x.kind, "dkim-cname") == 0 && k == 3) ||
		          (strcmp(x.kind, "dmarc") == 0 && k <= 2 &&
		              (k == 1 || strcmp(x.a, "none") == 0 ||
		                  strcmp(x.a, "quarantine") == 0 ||
		                  strcmp(x.a, "reject") == 0)) ||
		          (strcmp(x.kind, "dmarc-rua") == 0 && k == 2 &&
		              strncmp(x.a, "mailto:", 7) == 0) ||
		          (strcmp(x.kind, "return-path") == 0 && k == 2);
		if (!ok)
			return refuse(diag, EMAUTH_ESYNTAX, no,
			    "not an expectation (see docs/expect.md)", w[0]);
		if (*n >= EMAUTH_AUDIT_EXPECT_MAX)
			return refuse(diag, EMAUTH_ETOOBIG, no,
			    "more than 64 expectations", ea_span(w[0].p, 0));
		x.line = no;
		out[(*n)++] = x;
	}
	return 0;
}

bool
ea_audit_subst(const char *in, const char *domain, char *out, size_t size)
{
	size_t o = 0, dl = strlen(domain);
	for (size_t i = 0; in[i]; i++) {
		const char *p = in + i;
		size_t n = 1;
		if (strncmp(in + i, "{domain}", 8) == 0) {
			p = domain;
			n = dl;
			i += 7;
		}
		if (o + n >= size)
			return false;
		memcpy(out + o, p, n);
		o += n;
	}
	out[o] = '\0';
	return true;
}

/* Where the all term of @rec starts (with its qualifier), or -1: a whole
 * term, never "all" inside a name (include:_spf.smallmail.example). */
static long
all_term(const char *rec)
{
	size_t i = 0;
	while (rec[i]) {
		while (rec[i] == ' ')
			i++;
		size_t start = i, s = i;
		while (rec[i] && rec[i] != ' ')
			i++;
		if (s < i && strchr("+-~?", rec[s]))
			s++;
		if (i - s == 3 && strncasecmp(rec + s, "all", 3) == 0)
			return (long)start;
	}
	return -1;
}

/* Whether the SPF tree reaches the record of node @k through pass
 * includes and redirects only (a "-include:" authorizes nobody). */
static bool
reached_by_pass(const struct emauth_spf_audit *spf, unsigned k)
{
	for (int n = (int)k; n > 0; n = spf->nodes[n].parent) {
		const char *via = spf->nodes[n].via;
		if (via[0] == '+')
			via++;
		if (strncasecmp(via, "include:", 8) != 0 &&
		    strncasecmp(via, "redirect=", 9) != 0)
			return false;
	}
	return true;
}

/* Whether the URI list @list ("a,b", as the DMARC parser keeps it) holds
 * the mailto: URI @want exactly: the scheme and the domain in any case,
 * the local part as written. */
static bool
uri_listed(const char *list, const char *want)
{
	size_t wl = strlen(want);
	const char *wat = strrchr(want, '@');
	if (wat == NULL || wl < 7)
		return false;
	size_t local = (size_t)(wat - want);
	for (const char *p = list; *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		const char *bang = memchr(p, '!', l);
		size_t ul = bang ? (size_t)(bang - p) : l; /* "!size" aside */
		if (ul == wl && strncasecmp(p, want, 7) == 0 &&
		    memcmp(p + 7, want + 7, local - 7) == 0 &&
		    p[local] == '@' &&
		    memchr(p + local + 1, '@', ul - local - 1) == NULL &&
		    strncasecmp(p + local + 1, wat + 1, ul - local - 1) == 0)
			return true;
		p += l + (c ? 1 : 0);
	}
	return false;
}

static int
policy_rank(const char *p)
{
	return strcmp(p, "reject") == 0       ? 3
	       : strcmp(p, "quarantine") == 0 ? 2
	       : strcmp(p, "none") == 0       ? 1
	                                      : 0;
}

bool
ea_audit_spf_with(const char *domain, const char *rec, const char *term,
    char *fix, char *del, size_t size)
{
	char nrec[EMAUTH_SPF_RECORD_MAX + 700];
	long at = rec[0] ? all_term(rec) : -1;
	if (!rec[0])
		ea_fmt(nrec, sizeof(nrec), "v=spf1 %s -all", term);
	else if (at >= 0)
		ea_fmt(nrec, sizeof(nrec), "%.*s%s %s", (int)at, rec, term,
		    rec + at);
	else
		ea_fmt(nrec, sizeof(nrec), "%s %s", rec, term);
	del[0] = '\0';
	return strlen(nrec) <= EMAUTH_SPF_RECORD_MAX &&
	       ea_audit_txt_fix(fix, size, domain, nrec) &&
	       (!rec[0] || ea_audit_txt_fix(del, size, domain, rec));
}

static void
expect_spf_include(const char *domain, const char *a,
    const struct emauth_spf_audit *spf, struct emauth_audit_report *r)
{
	bool found = false;
	for (unsigned k = 1; k < spf->nnodes; k++) {
		const char *via = spf->nodes[k].via;
		via += via[0] == '+';
		found |= strncasecmp(via, "include:", 8) == 0 &&
		         strcasecmp(via + 8, a) == 0 && reached_by_pass(spf, k);
	}
	if (found) {
		ea_audit_add(r, "expect", EMAUTH_AUDIT_PASS,
		    "expect.spf-include", NULL, NULL,
		    "the SPF record includes %s", a);
		return;
	}
	/* The record (kept whole by the audit) with the include added before
	 * its all term, or at the end. */
	const char *rec = spf->nodes[0].record;
	/* The record cannot be read (two records, too long, DNS): a new
	 * record would be one more; the SPF findings say what to fix first
	 * (the merged record of spf.multiple-records holds this include). */
	if (!rec[0] && strcmp(spf->nodes[0].problem, "no SPF record") != 0) {
		ea_audit_add(r, "expect", EMAUTH_AUDIT_FAIL,
		    "expect.spf-include-missing", NULL, NULL,
		    "the SPF record must include %s (fix the SPF record "
		    "first: %s)",
		    a, spf->nodes[0].problem);
		return;
	}
	char term[600];
	ea_fmt(term, sizeof(term), "include:%s", a);
	char *sfix = ea_malloc(EA_AUDIT_FIX_MAX);
	char *old = ea_malloc(EA_AUDIT_FIX_MAX);
	bool fits =
	    sfix && old &&
	    ea_audit_spf_with(domain, rec, term, sfix, old, EA_AUDIT_FIX_MAX);
	ea_audit_add(r, "expect", EMAUTH_AUDIT_FAIL,
	    "expect.spf-include-missing", fits ? sfix : NULL,
	    fits && rec[0] ? old : NULL, "the SPF record must include %s%s", a,
	    fits ? ""
	         : " (with it the record is longer than receivers read: make "
	           "room first)");
	ea_free(sfix);
	ea_free(old);
}

/* Whether @name has a TXT record whose text is the host name @host (with
 * or without its final dot): a CNAME typed as TXT. @del gets that record
 * to delete. */
static bool
txt_names(struct emauth_ctx *ctx, const char *name, const char *host, char *del,
    size_t size)
{
	struct ea_audit_txt_set *t = ea_malloc(sizeof(*t));
	bool found = false;
	size_t hl = strlen(host);
	if (t && ea_audit_txt(ctx, name, t) == 0)
		for (size_t i = 0; i < t->n && !found; i++) {
			size_t l = strlen(t->text[i]);
			while (l && (t->text[i][l - 1] == '.' ||
			                t->text[i][l - 1] == ' '))
				l--;
			if (l == hl && strncasecmp(t->text[i], host, hl) == 0)
				found = ea_audit_txt_fix(
				    del, size, name, t->text[i]);
		}
	ea_free(t);
	return found;
}

static void
expect_dkim_cname(struct emauth_ctx *ctx, const char *domain, const char *a,
    const char *b, struct emauth_audit_report *r)
{
	char fix[1200], del[1200];
	struct emauth_dkim_key_info k;
	emauth_dkim_key_lookup(ctx, a, domain, &k);
	ea_fmt(fix, sizeof(fix), "%s._domainkey.%s.\tIN\tCNAME\t%s.", a, domain,
	    b);
	if (strcasecmp(k.target, b) == 0 && k.usable)
		ea_audit_add(r, "expect", EMAUTH_AUDIT_PASS,
		    "expect.dkim-cname", NULL, NULL, "%s is delegated to %s",
		    k.name, b);
	else if (strcasecmp(k.target, b) == 0)
		ea_audit_add(r, "expect", EMAUTH_AUDIT_FAIL,
		    "expect.dkim-cname-no-key", NULL, NULL,
		    "%s points to %s, which holds no usable key: %s", k.name, b,
		    k.problem);
	else if (!k.target[0] && txt_names(ctx, k.name, b, del, sizeof(del)))
		ea_audit_add(r, "expect", EMAUTH_AUDIT_FAIL,
		    "expect.dkim-txt-not-cname", fix, del,
		    "%s is a TXT record holding the host name %s, where a "
		    "CNAME "
		    "to it was meant: receivers find no key there",
		    k.name, b);
	else
		ea_audit_add(r, "expect", EMAUTH_AUDIT_FAIL,
		    "expect.dkim-cname-missing", fix, NULL,
		    "%s must be a CNAME to %s%s%s", k.name, b,
		    k.target[0] ? "; it points to " : "", k.target);
}

static void
expect_return_path(
    struct emauth_ctx *ctx, const char *a, struct emauth_audit_report *r)
{
	char fix[1200];
	struct emauth_spf_audit *ra = ea_malloc(sizeof(*ra));
	struct emauth_mx_info *mx = ea_malloc(sizeof(*mx));
	bool ok = false;
	if (ra && mx) {
		emauth_spf_audit(ctx, a, ra);
		emauth_mx_lookup(ctx, a, mx);
		ok = ra->has_record || mx->n > 0;
	}
	ea_fmt(fix, sizeof(fix),
	    "%s.\tIN\tTXT\t\"v=spf1 include:... -all\"  (the platform's SPF "
	    "host), or the CNAME the platform gives",
	    a);
	if (strlen(a) > 253)
		fix[0] = '\0'; /* not a name: no record for it */
	if (ok)
		ea_audit_add(r, "expect", EMAUTH_AUDIT_PASS,
		    "expect.return-path", NULL, NULL,
		    "the return path %s has %s", a,
		    ra->has_record ? "an SPF record" : "an MX");
	else
		ea_audit_add(r, "expect", EMAUTH_AUDIT_FAIL,
		    "expect.return-path-missing", fix[0] ? fix : NULL, NULL,
		    "the return path %s needs an SPF record or an MX", a);
	ea_free(ra);
	ea_free(mx);
}

/*
 * The record at _dmarc.DOMAIN with TAG=VALUE set (an existing TAG
 * replaced, every other tag kept; p= goes right after v=DMARC1, another
 * new tag at the end), and that record to delete. When the policy comes
 * from a parent or there is no record, a new one with p= (@value when
 * @tag is "p", else none) and TAG=VALUE. Nothing when the record there
 * cannot be read whole.
 */
void
ea_audit_dmarc_set(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_dmarc_discovery *d, const char *tag, const char *value,
    char *fix, size_t size, char **del)
{
	char owner[300];
	bool is_p = strcmp(tag, "p") == 0;
	size_t tl = strlen(tag);
	ea_fmt(owner, sizeof(owner), "_dmarc.%s", domain);
	fix[0] = '\0';
	*del = NULL;
	if (d->policy_domain[0] == '\0' ||
	    strcasecmp(d->policy_domain, domain) != 0) {
		if (is_p)
			ea_fmt(fix, size, "%s.\tIN\tTXT\t\"v=DMARC1; p=%s\"",
			    owner, value);
		else
			ea_fmt(fix, size,
			    "%s.\tIN\tTXT\t\"v=DMARC1; p=none; %s=%s\"", owner,
			    tag, value);
		return;
	}
	struct ea_audit_txt_set *txt = ea_malloc(sizeof(*txt));
	if (txt == NULL)
		return;
	/* Every record read whole, or no fix: an edit of one record among
	 * some not read could leave two. */
	if (ea_audit_txt(ctx, owner, txt) != 0 || txt->skipped) {
		ea_free(txt);
		return;
	}
	struct ea_buf out;
	ea_buf_init(&out, 4096);
	const char *rec = NULL;
	unsigned found = 0;
	for (size_t i = 0; i < txt->n; i++) {
		struct emauth_span one = ea_span_str(txt->text[i]);
		if (one.len < 8 ||
		    strncasecmp((const char *)one.p, "v=DMARC1", 8) != 0 ||
		    found++)
			continue;
		rec = txt->text[i];
		/* Tag by tag: TAG= replaced; p= added after v=, others at
		 * the end. */
		bool seen = false;
		for (size_t pos = 0; pos < one.len;) {
			size_t l = 0;
			while (pos + l < one.len && one.p[pos + l] != ';')
				l++;
			struct emauth_span t = ea_span(one.p + pos, l);
			while (t.len && (t.p[0] == ' ' || t.p[0] == '\t'))
				t.p++, t.len--;
			while (t.len && (t.p[t.len - 1] == ' ' ||
			                    t.p[t.len - 1] == '\t'))
				t.len--;
			if (t.len) {
				if (out.len)
					ea_buf_adds(&out, "; ");
				size_t k = 0;
				while (
				    k < t.len && t.p[k] != '=' && t.p[k] != ' ')
					k++;
				if (k == tl && strncasecmp((const char *)t.p,
				                   tag, tl) == 0) {
					ea_buf_printf(
					    &out, "%s=%s", tag, value);
					seen = true;
				} else {
					ea_buf_add(&out, t.p, t.len);
				}
			}
			pos += l + 1;
		}
		if (!seen && is_p) {
			/* p= right after v=DMARC1 (RFC 9989 §4.7). */
			struct ea_buf t;
			ea_buf_init(&t, 4096);
			ea_buf_printf(&t, "v=DMARC1; p=%s", value);
			if (out.len > 8)
				ea_buf_add(&t, out.p + 8, out.len - 8);
			ea_buf_reset(&out);
			ea_buf_add(&out, t.p, t.len);
			if (t.err)
				out.err = t.err;
			ea_buf_release(&t);
		} else if (!seen) {
			ea_buf_printf(&out, "; %s=%s", tag, value);
		}
	}
	char *old = ea_malloc(EA_AUDIT_FIX_MAX);
	if (found == 1 && out.err == 0 && old && ea_buf_addc(&out, '\0') == 0 &&
	    ea_audit_txt_fix(fix, size, owner, (const char *)out.p) &&
	    ea_audit_txt_fix(old, EA_AUDIT_FIX_MAX, owner, rec)) {
		*del = old;
		old = NULL;
	} else {
		fix[0] = '\0';
	}
	ea_free(old);
	ea_free(txt);
	ea_buf_release(&out);
}

void
ea_audit_expect(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *o, struct emauth_audit_report *r)
{
	char a[600], b[600], fix[1200];
	if (o->nexpect == 0)
		return;
	struct emauth_dmarc_discovery *d = ea_malloc(sizeof(*d));
	if (d == NULL) {
		r->lost += o->nexpect;
		return;
	}
	if (emauth_dmarc_discover(ctx, domain, EMAUTH_DMARC_RFC9989, d) != 0)
		d->result = EMAUTH_RES_NONE;
	for (size_t i = 0; i < o->nexpect; i++) {
		const struct emauth_audit_expect *e = &o->expect[i];
		if (!ea_audit_subst(e->a, domain, a, sizeof(a)) ||
		    !ea_audit_subst(e->b, domain, b, sizeof(b))) {
			ea_audit_add(r, "expect", EMAUTH_AUDIT_FAIL,
			    "expect.too-long", NULL, NULL,
			    "the expectation of line %u is too long once "
			    "{domain} is replaced",
			    e->line);
			continue;
		}
		if (strcmp(e->kind, "spf-include") == 0) {
			expect_spf_include(domain, a, &r->spf, r);
		} else if (strcmp(e->kind, "dkim-cname") == 0) {
			expect_dkim_cname(ctx, domain, a, b, r);
		} else if (strcmp(e->kind, "dmarc") == 0) {
			int want = a[0] ? policy_rank(a) : 1;
			int have = d->result == EMAUTH_RES_PASS
			               ? policy_rank(emauth_dmarc_policy_name(
			                     d->policy))
			               : 0;
			char *del = NULL;
			ea_audit_dmarc_set(ctx, domain, d, "p",
			    a[0] ? a : "none", fix, sizeof(fix), &del);
			if (have >= want)
				ea_audit_add(r, "expect", EMAUTH_AUDIT_PASS,
				    "expect.dmarc", NULL, NULL,
				    "a DMARC policy applies (%s)",
				    emauth_dmarc_policy_name(d->policy));
			else
				ea_audit_add(r, "expect", EMAUTH_AUDIT_FAIL,
				    "expect.dmarc-weaker", fix[0] ? fix : NULL,
				    del,
				    "a DMARC policy of at least %s is "
				    "required%s%s",
				    a[0] ? a : "none", have ? "; it is " : "",
				    have ? emauth_dmarc_policy_name(d->policy)
				         : "");
			ea_free(del);
		} else if (strcmp(e->kind, "dmarc-rua") == 0) {
			if (d->policy_domain[0] && uri_listed(d->record.rua, a))
				ea_audit_add(r, "expect", EMAUTH_AUDIT_PASS,
				    "expect.dmarc-rua", NULL, NULL,
				    "aggregate reports go to %s", a);
			else
				ea_audit_add(r, "expect", EMAUTH_AUDIT_FAIL,
				    "expect.dmarc-rua-missing", NULL, NULL,
				    "the DMARC record must send aggregate "
				    "reports to %s (add it to rua=)",
				    a);
		} else if (strcmp(e->kind, "return-path") == 0) {
			expect_return_path(ctx, a, r);
		}
	}
	ea_free(d);
}
