/*
 * report.c: the domain audit's report: findings kept whole (grown as they
 * come, so none is dropped; one that cannot be kept counts as a failure),
 * the verdict, what a mailbox provider would do, and the list of every
 * finding code (docs/checks.md documents each).
 */
#include "common/internal.h"

#include <stdarg.h>
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

#include <emauth/dmarc.h>

static const char *const codes[] = {
    /* SPF (src/spf/audit.c gives the codes of the tree's findings). */
    "spf.record", "spf.missing", "spf.multiple-records", "spf.dns-error",
    "spf.out-of-memory", "spf.record-too-long", "spf.invalid-record",
    "spf.lookups-over-10", "spf.void-lookups", "spf.plus-all",
    "spf.neutral-all", "spf.no-all", "spf.ptr", "spf.wide-ip4", "spf.wide-ip6",
    "spf.record-over-450", "spf.tree-truncated", "spf.loop", "spf.too-deep",
    "spf.include-no-record", "spf.macro-target", "spf.target-too-long",
    "spf.type-99", "spf.findings-truncated", "spf.near-miss",
    "spf.lookalike-char", "spf.space-after-colon", "spf.invalid-term",
    "spf.redirect-ignored", "spf.private-range", "spf.host-bits",
    /* DMARC. */
    "dmarc.not-a-domain", "dmarc.dns-error", "dmarc.record-invalid",
    "dmarc.missing", "dmarc.inherited", "dmarc.record-error",
    "dmarc.record-warning", "dmarc.no-policy", "dmarc.policy-none",
    "dmarc.policy", "dmarc.subdomain-policy", "dmarc.no-rua",
    "dmarc.report-authorized", "dmarc.report-unauthorized", "dmarc.psl-differs",
    "dmarc.enforcing-without-rua", "dmarc.strict-spf-unmeetable",
    "dmarc.at-apex", "dmarc.version-not-first",
    /* DKIM. */
    "dkim.bad-selector", "dkim.no-key", "dkim.dns-error", "dkim.revoked",
    "dkim.key-unusable", "dkim.weak-key", "dkim.key", "dkim.testing",
    "dkim.no-sha256", "dkim.key-note", "dkim.probe-found", "dkim.probe-none",
    "dkim.domain-twice",
    /* MX. */
    "mx.lookup-failed", "mx.null", "mx.missing", "mx.ip-literal", "mx.cname",
    "mx.host-dns-error", "mx.no-address", "mx.host", "mx.many-hosts",
    /* Reverse DNS and SPF of the sending addresses, reverse DNS of the
     * MX hosts. */
    "ptr.not-an-ip", "ptr.confirmed", "ptr.not-confirmed", "ptr.spf-pass",
    "ptr.spf-not-pass", "ptr.mx-confirmed", "ptr.mx-not-confirmed",
    "ptr.mx-addresses-skipped", "ptr.helo-ip-literal", "ptr.helo-dns-error",
    "ptr.helo-not-resolving", "ptr.helo-not-ptr", "ptr.helo", "ptr.dnsbl-error",
    "ptr.dnsbl-listed", "ptr.dnsbl-refused", "ptr.dnsbl-clean",
    /* Expectations of a sending platform. */
    "expect.too-long", "expect.spf-include", "expect.spf-include-missing",
    "expect.dkim-cname", "expect.dkim-cname-no-key",
    "expect.dkim-cname-missing", "expect.dkim-txt-not-cname", "expect.dmarc",
    "expect.dmarc-weaker", "expect.dmarc-rua", "expect.dmarc-rua-missing",
    "expect.return-path", "expect.return-path-missing",
    /* The report itself. */
    "report.truncated", NULL};

EMAUTH_API const char *const *
emauth_audit_codes(void)
{
	return codes;
}

EMAUTH_API const char *
emauth_audit_status_name(enum emauth_audit_status s)
{
	switch (s) {
	case EMAUTH_AUDIT_PASS:
		return "pass";
	case EMAUTH_AUDIT_INFO:
		return "info";
	case EMAUTH_AUDIT_WARN:
		return "warn";
	case EMAUTH_AUDIT_FAIL:
		return "fail";
	}
	return "fail";
}

static char *
dup_or_null(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return NULL;
	size_t n = strlen(s);
	char *p = ea_malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

static bool
is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Rewrites *@msg with its control characters as \xNN (it grows). */
static bool
escape_controls(char **msg)
{
	size_t n = 0, len = strlen(*msg);
	for (size_t i = 0; i < len; i++)
		n += is_control((unsigned char)(*msg)[i]);
	if (n == 0)
		return true;
	char *e = ea_malloc(len + 3 * n + 1);
	if (e == NULL) {
		ea_free(*msg);
		return false;
	}
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)(*msg)[i];
		if (is_control(c))
			o += (size_t)snprintf(e + o, 5, "\\x%02x", c);
		else
			e[o++] = (char)c;
	}
	e[o] = '\0';
	ea_free(*msg);
	*msg = e;
	return true;
}

/* Whether @s (a fix or a deletion, or NULL) has no control character but
 * the line feeds between its records. */
static bool
fix_clean(const char *s)
{
	for (; s && *s; s++)
		if (is_control((unsigned char)*s) && *s != '\n' && *s != '\t')
			return false;
	return true;
}

bool
ea_audit_add(struct emauth_audit_report *r, const char *area,
    enum emauth_audit_status status, const char *code, const char *fix,
    const char *remove, const char *fmt, ...)
{
	if (r->n % 64 == 0) {
		struct emauth_audit_finding *v =
		    ea_realloc(r->findings, (r->n + 64) * sizeof(*r->findings));
		if (v == NULL) {
			r->lost++;
			return false;
		}
		r->findings = v;
	}
	char *msg = ea_malloc(EA_AUDIT_MESSAGE_MAX);
	if (msg == NULL) {
		r->lost++;
		return false;
	}
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(msg, EA_AUDIT_MESSAGE_MAX, fmt, ap);
	va_end(ap);
	/* A message cut for room says so; a fix is never cut (a partial
	 * record to publish would be worse than none). */
	if (len < 0 || len >= EA_AUDIT_MESSAGE_MAX)
		memcpy(msg + EA_AUDIT_MESSAGE_MAX - 4, "...", 4);
	/* One line each: a control character from DNS data is shown as
	 * \xNN in the message, and a fix or a deletion holding one (other
	 * than the line feed between records) is not given (it would not
	 * be a record that works). */
	if (!escape_controls(&msg)) {
		r->lost++;
		return false;
	}
	if (!fix_clean(fix))
		fix = NULL;
	if (!fix_clean(remove))
		remove = NULL;
	struct emauth_audit_finding *f = &r->findings[r->n];
	memset(f, 0, sizeof(*f));
	f->area = area;
	f->status = status;
	f->code = code;
	f->message = msg;
	f->fix = dup_or_null(fix);
	f->remove = dup_or_null(remove);
	if ((fix && fix[0] && f->fix == NULL) ||
	    (remove && remove[0] && f->remove == NULL)) {
		ea_free(f->fix);
		ea_free(f->remove);
		ea_free(msg);
		r->lost++;
		return false;
	}
	r->n++;
	return true;
}

/* Appends @n bytes of @p as the inside of a master-file
 * character-string (RFC 1035 §5.1): '"' and '\\' escaped, other bytes
 * outside printable ASCII as \DDD. */
static void
put_chars(struct ea_buf *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\')
			ea_buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			ea_buf_printf(b, "\\%03u", c);
		else
			ea_buf_addc(b, (char)c);
	}
}

bool
ea_audit_txt_fix(char *out, size_t size, const char *owner, const char *rec)
{
	size_t n = strlen(rec);
	struct ea_buf b;
	ea_buf_init(&b, size ? size - 1 : 0);
	ea_buf_printf(&b, "%s.\tIN\tTXT\t%s", owner, n > 255 ? "(" : "");
	/* Strings of at most 255 bytes (RFC 1035 §3.3), counted before
	 * escaping. */
	for (size_t i = 0; i < n || i == 0; i += 255) {
		size_t k = n - i > 255 ? 255 : n - i;
		ea_buf_adds(&b, n > 255 ? " \"" : "\"");
		put_chars(&b, rec + i, k);
		ea_buf_addc(&b, '"');
	}
	if (n > 255)
		ea_buf_adds(&b, " )");
	bool ok = b.err == 0 && size > 0;
	if (ok)
		memcpy(out, ea_buf_str(&b), b.len + 1);
	ea_buf_release(&b);
	return ok;
}

int
ea_audit_txt(
    struct emauth_ctx *ctx, const char *name, struct ea_audit_txt_set *out)
{
	struct ea_resolver *res = ea_ctx_resolver(ctx);
	struct ea_dns_budget b;
	struct ea_dns_answer ans;
	memset(out, 0, sizeof(*out));
	if (res == NULL)
		return EMAUTH_EDNS;
	memset(&b, 0, sizeof(b));
	b.max_queries = 1;
	ea_dns_budget_start(&b, res);
	if (ea_dns_query(res, &b, name, EA_DNS_T_TXT, &ans) != 0)
		return EMAUTH_ENOMEM;
	int rc = ans.status == EA_DNS_TEMPFAIL ? EMAUTH_EDNS : 0;
	struct ea_buf one;
	ea_buf_init(&one, EA_AUDIT_TXT_MAX);
	for (size_t i = 0; rc == 0 && i < ans.n; i++) {
		ea_buf_reset(&one);
		/* Kept whole, or counted as not kept: a caller that edits a
		 * record refuses when anything was left out. */
		if (out->n == EA_AUDIT_TXT_RECORDS ||
		    ea_dns_txt_join(ans.rr[i].rdata, &one) != 0 ||
		    (one.len && memchr(one.p, '\0', one.len))) {
			out->skipped++;
			continue;
		}
		if (one.len)
			memcpy(out->text[out->n], one.p, one.len);
		out->text[out->n++][one.len] = '\0';
	}
	ea_buf_release(&one);
	ea_dns_answer_release(&ans);
	return rc;
}

/* The counts, the verdict and what a major mailbox provider would do. */
static void
summarize(struct emauth_audit_report *r)
{
	const struct emauth_spf_audit *a = &r->spf;
	bool spf_ok = a->has_record && a->total_lookups <= 10 &&
	              !a->truncated && r->lost == 0;
	bool has_dmarc = false, enforcing = false;
	r->fail = (unsigned)r->lost;
	for (size_t i = 0; i < r->n; i++) {
		const struct emauth_audit_finding *f = &r->findings[i];
		switch (f->status) {
		case EMAUTH_AUDIT_PASS:
			r->pass++;
			break;
		case EMAUTH_AUDIT_INFO:
			r->info++;
			break;
		case EMAUTH_AUDIT_WARN:
			r->warn++;
			break;
		case EMAUTH_AUDIT_FAIL:
			r->fail++;
			break;
		}
		if (strcmp(f->area, "spf") == 0 &&
		    f->status == EMAUTH_AUDIT_FAIL)
			spf_ok = false;
		if (strcmp(f->code, "dmarc.policy") == 0)
			has_dmarc = enforcing = true;
		else if (strcmp(f->code, "dmarc.policy-none") == 0)
			has_dmarc = true;
	}
	r->verdict = r->fail   ? EMAUTH_AUDIT_FAIL
	             : r->warn ? EMAUTH_AUDIT_WARN
	                       : EMAUTH_AUDIT_PASS;
	const char *d = r->domain;
	if (!spf_ok && !has_dmarc)
		ea_fmt(r->providers, sizeof(r->providers),
		    "A major mailbox provider would treat mail from %s as "
		    "unauthenticated: without working SPF and a DMARC record, "
		    "bulk mail is rejected (550 5.7.26) and forgeries are not "
		    "stopped.",
		    d);
	else if (!has_dmarc)
		ea_fmt(r->providers, sizeof(r->providers),
		    "A major mailbox provider would accept signed or "
		    "SPF-passing mail from %s but reject bulk mail for want of "
		    "a DMARC record, and forgeries are not stopped.",
		    d);
	else if (!spf_ok)
		ea_fmt(r->providers, sizeof(r->providers),
		    "A major mailbox provider would rely on DKIM alone for %s: "
		    "its SPF does not work, so mail that is not signed fails "
		    "DMARC.",
		    d);
	else if (enforcing)
		ea_fmt(r->providers, sizeof(r->providers),
		    "A major mailbox provider would deliver authenticated mail "
		    "from %s and refuse forgeries under its DMARC policy.",
		    d);
	else
		ea_fmt(r->providers, sizeof(r->providers),
		    "A major mailbox provider would deliver authenticated mail "
		    "from %s, and forgeries too: the DMARC policy is none.",
		    d);
}

EMAUTH_API int
emauth_audit_domain(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *opts, struct emauth_audit_report **out)
{
	static const struct emauth_audit_opts none;
	const struct emauth_audit_opts *o = opts ? opts : &none;
	*out = NULL;
	if (ctx == NULL || domain == NULL)
		return EMAUTH_EINVAL;
	/* RFC 1035 §2.3.4: at most 253 characters (without the final dot);
	 * a longer name is refused, never cut into another name. */
	size_t dl = strlen(domain);
	if (dl && domain[dl - 1] == '.')
		dl--;
	if (dl == 0 || dl > 253 || memchr(domain, '@', dl))
		return EMAUTH_EINVAL;
	size_t label = 0;
	for (size_t i = 0; i < dl; i++) {
		unsigned char c = (unsigned char)domain[i];
		if (c <= ' ' || c == 0x7f)
			return EMAUTH_EINVAL;
		/* Labels of 1 to 63 bytes (RFC 1035 §2.3.4). */
		label = c == '.' ? 0 : label + 1;
		if (label > 63 ||
		    (c == '.' && (i == 0 || domain[i - 1] == '.')))
			return EMAUTH_EINVAL;
	}
	struct emauth_audit_report *r = ea_calloc(1, sizeof(*r));
	struct emauth_mx_info *mx = ea_malloc(sizeof(*mx));
	if (r == NULL || mx == NULL) {
		ea_free(r);
		ea_free(mx);
		return EMAUTH_ENOMEM;
	}
	memcpy(r->domain, domain, dl);
	r->domain[dl] = '\0';
	bool spf_down = false, dmarc_down = false;
	ea_audit_spf(ctx, r->domain, o, r, &spf_down);
	ea_audit_dmarc(ctx, r->domain, o, r, &dmarc_down);
	ea_audit_dkim(ctx, r->domain, o, r);
	ea_audit_mx(ctx, r->domain, r, mx);
	ea_audit_ptr(ctx, r->domain, o, mx, r);
	ea_audit_expect(ctx, r->domain, o, r);
	ea_free(mx);
	if (r->lost)
		ea_audit_add(r, "report", EMAUTH_AUDIT_FAIL, "report.truncated",
		    NULL, NULL,
		    "report truncated: %zu more checks could not be kept (out "
		    "of memory), counted as failures",
		    r->lost);
	r->dns_down = spf_down && dmarc_down;
	summarize(r);
	*out = r;
	return 0;
}

EMAUTH_API void
emauth_audit_report_free(struct emauth_audit_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		ea_free(r->findings[i].message);
		ea_free(r->findings[i].fix);
		ea_free(r->findings[i].remove);
	}
	ea_free(r->findings);
	ea_free(r);
}
