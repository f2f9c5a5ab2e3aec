/*
 * record.c: the SPF record parser (RFC 7208 §4.5, §4.6, §12). The whole
 * record is validated against the ABNF before anything is evaluated, as
 * §4.6 requires; each function matches one rule.
 *
 *   record    = version terms *SP
 *   version   = "v=spf1"
 *   terms     = *( 1*SP ( directive / modifier ) )
 *   directive = [ qualifier ] mechanism
 *   modifier  = redirect / explanation / unknown-modifier
 *   name      = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include "../common/alloc.h"
#include "../common/diag.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "spf.h"

bool
ea_spf_is_record(struct emauth_span txt)
{
	/* §4.5: "discard records that do not begin with a version section
	 * of exactly "v=spf1". Note that the version section is terminated
	 * by either an SP character or the end of the record." */
	if (!ea_span_istarts(txt, "v=spf1"))
		return false;
	return txt.len == 6 || txt.p[6] == ' ';
}

struct parser {
	struct emauth_span rec;
	struct emauth_diag *diag;
};

static int
fail(struct parser *ps, const struct spf_term *t, size_t at, const char *msg)
{
	char where[48];
	size_t n = t->text.len;
	size_t name_len = 0;

	while (name_len < n && name_len < 20 && t->text.p[name_len] != ':' &&
	       t->text.p[name_len] != '=' && t->text.p[name_len] != '/')
		name_len++;
	snprintf(where, sizeof(where), "term %u (%.*s)", t->index,
	    (int)name_len, (const char *)t->text.p);
	ea_diag_set(
	    ps->diag, EMAUTH_ESYNTAX, where, ps->rec, t->offset + at, msg);
	return EMAUTH_ESYNTAX;
}

/* ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT) ; 0-32
 * ip6-cidr-length = "/" ("0" / %x31-39 0*2DIGIT) ; 0-128 */
static bool
cidr_ok(struct emauth_span digits, unsigned max, uint8_t *out)
{
	size_t pos = 0;
	uint32_t v;

	if (digits.len == 0 || (digits.len > 1 && digits.p[0] == '0'))
		return false;
	if (ea_span_uint(digits, &pos, 3, &v) != 0 || pos != digits.len ||
	    v > max)
		return false;
	*out = (uint8_t)v;
	return true;
}

/* Splits a trailing dual-cidr-length off @arg (a, mx):
 * dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ] */
static int
parse_dual_cidr(struct parser *ps, struct spf_term *t, struct emauth_span *arg,
    size_t arg_off)
{
	struct emauth_span a = *arg;
	size_t i = a.len;

	while (i > 0 && ea_is_digit(a.p[i - 1]))
		i--;
	if (i == 0 || a.p[i - 1] != '/' || i == a.len)
		return 0; /* no cidr; a stray '/' fails the domain check */
	struct emauth_span last = ea_span(a.p + i, a.len - i);
	if (i >= 2 && a.p[i - 2] == '/') {
		/* "//N": the IPv6 length; maybe "/M" before it. */
		if (!cidr_ok(last, 128, &t->cidr6))
			return fail(
			    ps, t, arg_off + i, "invalid IPv6 CIDR length");
		a.len = i - 2;
		size_t k = a.len;
		while (k > 0 && ea_is_digit(a.p[k - 1]))
			k--;
		if (k > 0 && a.p[k - 1] == '/' && k < a.len) {
			if (!cidr_ok(
			        ea_span(a.p + k, a.len - k), 32, &t->cidr4))
				return fail(ps, t, arg_off + k,
				    "invalid IPv4 CIDR length");
			a.len = k - 1;
		}
	} else {
		if (!cidr_ok(last, 32, &t->cidr4))
			return fail(
			    ps, t, arg_off + i, "invalid IPv4 CIDR length");
		a.len = i - 1;
	}
	*arg = a;
	return 0;
}

static int
parse_domain_spec(struct parser *ps, struct spf_term *t, struct emauth_span d,
    size_t off, bool required)
{
	size_t bad = 0;

	if (d.len == 0) {
		if (required)
			return fail(ps, t, off, "a domain is required");
		return 0;
	}
	if (ea_spf_domain_spec_check(d, &bad) != 0)
		return fail(ps, t, off + bad,
		    "not a valid domain-spec (RFC 7208 §7.1)");
	t->domain = d;
	return 0;
}

static int
parse_ip(
    struct parser *ps, struct spf_term *t, struct emauth_span arg, size_t off)
{
	size_t slash = arg.len;
	int rc;

	for (size_t i = 0; i < arg.len; i++)
		if (arg.p[i] == '/') {
			slash = i;
			break;
		}
	struct emauth_span addr = ea_span(arg.p, slash);
	if (t->kind == SPF_IP4)
		rc = ea_ip4_parse(addr, &t->ip);
	else
		rc = ea_ip6_parse(addr, &t->ip);
	if (rc)
		return fail(ps, t, off,
		    t->kind == SPF_IP4 ? "not an IPv4 address"
		                       : "not an IPv6 address");
	if (slash < arg.len) {
		struct emauth_span len =
		    ea_span(arg.p + slash + 1, arg.len - slash - 1);
		uint8_t *dst = t->kind == SPF_IP4 ? &t->cidr4 : &t->cidr6;
		if (!cidr_ok(len, t->kind == SPF_IP4 ? 32 : 128, dst))
			return fail(
			    ps, t, off + slash + 1, "invalid CIDR length");
	}
	return 0;
}

struct mech_name {
	const char *name;
	enum spf_kind kind;
};

static const struct mech_name mechs[] = {
    {"all", SPF_ALL},
    {"include", SPF_INCLUDE},
    {"a", SPF_A},
    {"mx", SPF_MX},
    {"ptr", SPF_PTR},
    {"ip4", SPF_IP4},
    {"ip6", SPF_IP6},
    {"exists", SPF_EXISTS},
};

static bool
name_char(uint8_t c)
{
	return ea_is_alpha(c) || ea_is_digit(c) || c == '-' || c == '_' ||
	       c == '.';
}

static int
parse_modifier(
    struct parser *ps, struct spf_term *t, size_t eq, struct ea_spf_record *r)
{
	struct emauth_span name = ea_span(t->text.p, eq);
	struct emauth_span val =
	    ea_span(t->text.p + eq + 1, t->text.len - eq - 1);
	size_t bad = 0;

	if (name.len == 0 || !ea_is_alpha(name.p[0]))
		return fail(
		    ps, t, 0, "a modifier name must start with a letter");
	for (size_t i = 0; i < name.len; i++)
		if (!name_char(name.p[i]))
			return fail(
			    ps, t, i, "invalid character in modifier name");
	if (ea_span_ieq_str(name, "redirect") || ea_span_ieq_str(name, "exp")) {
		bool redirect = name.len == 8;
		int *slot = redirect ? &r->redirect : &r->exp;
		t->kind = redirect ? SPF_REDIRECT : SPF_EXP;
		/* §6: "these two modifiers MUST NOT appear in a record more
		 * than once each. If they do, then check_host() exits with a
		 * result of "permerror"." */
		if (*slot >= 0)
			return fail(ps, t, 0,
			    redirect ? "redirect= appears more than once"
			             : "exp= appears more than once");
		*slot = (int)(t->index - 1);
		return parse_domain_spec(ps, t, val, eq + 1, true);
	}
	/* §6: unknown modifiers are ignored, but must be valid. */
	t->kind = SPF_UNKNOWN_MOD;
	if (ea_spf_macro_check(val, EA_SPF_MACRO_DOMAIN, &bad) != 0)
		return fail(ps, t, eq + 1 + bad, "invalid macro-string");
	t->domain = val;
	return 0;
}

static int
parse_term(struct parser *ps, struct spf_term *t, struct ea_spf_record *r)
{
	struct emauth_span s = t->text;
	size_t i = 0;

	t->cidr4 = 32;
	t->cidr6 = 128;
	/* A name followed by "=" is a modifier. */
	while (i < s.len && name_char(s.p[i]))
		i++;
	if (i < s.len && s.p[i] == '=')
		return parse_modifier(ps, t, i, r);

	i = 0;
	t->qualifier = EMAUTH_RES_PASS;
	switch (s.p[0]) {
	case '+':
		i = 1;
		break;
	case '-':
		t->qualifier = EMAUTH_RES_FAIL;
		i = 1;
		break;
	case '~':
		t->qualifier = EMAUTH_RES_SOFTFAIL;
		i = 1;
		break;
	case '?':
		t->qualifier = EMAUTH_RES_NEUTRAL;
		i = 1;
		break;
	}
	size_t n0 = i;
	while (i < s.len && (ea_is_alpha(s.p[i]) || ea_is_digit(s.p[i])))
		i++;
	struct emauth_span name = ea_span(s.p + n0, i - n0);
	const struct mech_name *m = NULL;
	for (size_t k = 0; k < EA_ARRAY_LEN(mechs); k++)
		if (ea_span_ieq_str(name, mechs[k].name))
			m = &mechs[k];
	if (m == NULL)
		return fail(ps, t, n0, "unknown mechanism");
	t->kind = m->kind;

	struct emauth_span rest = ea_span(s.p + i, s.len - i);
	bool has_arg = rest.len > 0 && rest.p[0] == ':';
	struct emauth_span arg =
	    has_arg ? ea_span(rest.p + 1, rest.len - 1) : ea_span(NULL, 0);
	size_t arg_off = i + 1;
	int rc;

	switch (t->kind) {
	case SPF_ALL:
		if (rest.len)
			return fail(ps, t, i, "\"all\" takes no argument");
		return 0;
	case SPF_INCLUDE:
	case SPF_EXISTS:
		if (!has_arg)
			return fail(
			    ps, t, i, "\":\" and a domain are required");
		return parse_domain_spec(ps, t, arg, arg_off, true);
	case SPF_PTR:
		if (rest.len && !has_arg)
			return fail(ps, t, i, "unexpected text after \"ptr\"");
		return parse_domain_spec(ps, t, arg, arg_off, has_arg);
	case SPF_A:
	case SPF_MX:
		if (!has_arg) {
			arg = rest;
			arg_off = i;
		}
		rc = parse_dual_cidr(ps, t, &arg, arg_off);
		if (rc)
			return rc;
		if (!has_arg) {
			if (arg.len)
				return fail(ps, t, i, "unexpected text");
			return 0;
		}
		return parse_domain_spec(ps, t, arg, arg_off, true);
	case SPF_IP4:
	case SPF_IP6:
		if (!has_arg)
			return fail(
			    ps, t, i, "\":\" and an address are required");
		return parse_ip(ps, t, arg, arg_off);
	default:
		return fail(ps, t, 0, "unknown term");
	}
}

int
ea_spf_record_parse(
    struct emauth_span txt, struct ea_spf_record *out, struct emauth_diag *diag)
{
	struct parser ps = {txt, diag};
	size_t count = 0;

	memset(out, 0, sizeof(*out));
	out->redirect = out->exp = -1;
	if (!ea_spf_is_record(txt)) {
		ea_diag_set(diag, EMAUTH_ENOTFOUND, "version", txt, 0,
		    "not an SPF record (no \"v=spf1\")");
		return EMAUTH_ENOTFOUND;
	}
	if (txt.len > EA_SPF_RECORD_MAX) {
		ea_diag_set(diag, EMAUTH_ETOOBIG, "record", txt,
		    EA_SPF_RECORD_MAX, "record longer than 4096 bytes");
		return EMAUTH_ETOOBIG;
	}
	for (size_t i = 6; i < txt.len; i++) {
		uint8_t c = txt.p[i];
		/* §12: terms are separated by SP only; every term character
		 * is visible ASCII. */
		if (c != ' ' && (c < 0x21 || c > 0x7e)) {
			ea_diag_set(diag, EMAUTH_ESYNTAX, "record", txt, i,
			    "character not allowed in an SPF record");
			return EMAUTH_ESYNTAX;
		}
		if (c != ' ' && txt.p[i - 1] == ' ')
			count++;
	}
	if (count > EA_SPF_TERMS_MAX) {
		ea_diag_set(diag, EMAUTH_ETOOBIG, "record", txt, 0,
		    "more than 1024 terms");
		return EMAUTH_ETOOBIG;
	}
	if (count) {
		out->terms = ea_calloc(count, sizeof(*out->terms));
		if (out->terms == NULL)
			return EMAUTH_ENOMEM;
	}
	size_t i = 6;
	while (i < txt.len) {
		while (i < txt.len && txt.p[i] == ' ')
			i++;
		if (i == txt.len)
			break;
		size_t start = i;
		while (i < txt.len && txt.p[i] != ' ')
			i++;
		struct spf_term *t = &out->terms[out->n];
		t->text = ea_span(txt.p + start, i - start);
		t->offset = start;
		t->index = (unsigned)++out->n;
		int rc = parse_term(&ps, t, out);
		if (rc) {
			ea_spf_record_release(out);
			return rc;
		}
	}
	return 0;
}

void
ea_spf_record_release(struct ea_spf_record *r)
{
	ea_free(r->terms);
	r->terms = NULL;
	r->n = 0;
}

int
emauth_spf_record_check(struct emauth_span record, struct emauth_diag *diag)
{
	struct ea_spf_record r;
	int rc = ea_spf_record_parse(record, &r, diag);
	if (rc == 0)
		ea_spf_record_release(&r);
	return rc;
}
