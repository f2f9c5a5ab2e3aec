/*
 * test_macro.c: the SPF macro language: the examples of RFC 7208 §7.4,
 * transformers, URL escaping, the escapes %% %_ %-, and where c, r and t
 * are allowed.
 */
#include "common/internal.h"

#include <string.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/span.h"
#include "harness/t.h"
#include "spf/spf.h"

static struct ea_ip ip4 = {4, {192, 0, 2, 3}};
static struct ea_ip ip6 = {
    6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xcb, 0x01}};

static int
ptr_name(void *arg, char *out, size_t size)
{
	(void)arg;
	snprintf(out, size, "mx.example.org");
	return 0;
}

static void
env_init(struct ea_spf_macro_env *e, const struct ea_ip *ip)
{
	memset(e, 0, sizeof(*e));
	e->sender_local = ea_span_str("strong-bad");
	e->sender_domain = ea_span_str("email.example.com");
	e->domain = ea_span_str("email.example.com");
	e->helo = ea_span_str("mx.example.org");
	e->ip = ip;
	e->now = 1700000000;
	e->ptr_name = ptr_name;
}

static void
expands(const char *in, const struct ea_ip *ip, enum ea_spf_macro_ctx mc,
    const char *want)
{
	struct ea_spf_macro_env e;
	struct ea_buf b;
	size_t bad;

	env_init(&e, ip);
	if (ea_spf_macro_check(ea_span_str(in), mc, &bad) != 0) {
		T_FAILF("\"%s\" invalid at %zu", in, bad);
		return;
	}
	ea_buf_init(&b, 4096);
	T_EQ_INT(ea_spf_macro_expand(ea_span_str(in), mc, &e, &b), 0);
	T_EQ_STR(ea_buf_str(&b), want);
	ea_buf_release(&b);
}

#define D EA_SPF_MACRO_DOMAIN
#define X EA_SPF_MACRO_EXP

static void
test_rfc7208_7_4(void)
{
	expands("%{s}", &ip4, D, "strong-bad@email.example.com");
	expands("%{o}", &ip4, D, "email.example.com");
	expands("%{d}", &ip4, D, "email.example.com");
	expands("%{d4}", &ip4, D, "email.example.com");
	expands("%{d3}", &ip4, D, "email.example.com");
	expands("%{d2}", &ip4, D, "example.com");
	expands("%{d1}", &ip4, D, "com");
	expands("%{dr}", &ip4, D, "com.example.email");
	expands("%{d2r}", &ip4, D, "example.email");
	expands("%{l}", &ip4, D, "strong-bad");
	expands("%{l-}", &ip4, D, "strong.bad");
	expands("%{lr}", &ip4, D, "strong-bad");
	expands("%{lr-}", &ip4, D, "bad.strong");
	expands("%{l1r-}", &ip4, D, "strong");
	expands("%{ir}.%{v}._spf.%{d2}", &ip4, D,
	    "3.2.0.192.in-addr._spf.example.com");
	expands(
	    "%{lr-}.lp._spf.%{d2}", &ip4, D, "bad.strong.lp._spf.example.com");
	expands("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", &ip4, D,
	    "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	expands("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", &ip4, D,
	    "3.2.0.192.in-addr.strong.lp._spf.example.com");
	expands("%{d2}.trusted-domains.example.net", &ip4, D,
	    "example.com.trusted-domains.example.net");
	expands("%{ir}.%{v}._spf.%{d2}", &ip6, D,
	    "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
	    "ip6._spf.example.com");
}

static void
test_other_letters(void)
{
	expands("%{h}", &ip4, D, "mx.example.org");
	expands("%{p}", &ip4, D, "mx.example.org");
	expands("%{i}", &ip6, D,
	    "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
	expands("%{c}", &ip6, X, "2001:db8::cb01");
	expands("%{c}", &ip4, X, "192.0.2.3");
	expands("%{r}", &ip4, X, "unknown");
	expands("%{t}", &ip4, X, "1700000000");
	expands("%{v}", &ip6, D, "ip6");
	/* A large digit keeps all parts; no overflow. */
	expands("%{d99999999999999}", &ip4, D, "email.example.com");
	/* Several delimiters at once. */
	expands("%{l+-}", &ip4, D, "strong.bad");
}

static void
test_escapes_and_url(void)
{
	expands("a%%b%_c%-d", &ip4, X, "a%b c%20d");
	expands("%{S}", &ip4, D, "strong-bad%40email.example.com");
	expands("%{L}", &ip4, D, "strong-bad");
	expands("why %{s} is here", &ip4, X,
	    "why strong-bad@email.example.com is here");
}

static void
test_context_rules(void)
{
	size_t bad;
	T_EQ_INT(
	    ea_spf_macro_check(ea_span_str("%{c}"), D, &bad), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    ea_spf_macro_check(ea_span_str("%{r}"), D, &bad), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    ea_spf_macro_check(ea_span_str("%{t}"), D, &bad), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    ea_spf_macro_check(ea_span_str("a b"), D, &bad), EMAUTH_ESYNTAX);
	T_EQ_INT(bad, 1);
	T_EQ_INT(ea_spf_macro_check(ea_span_str("a b"), X, &bad), 0);
	T_EQ_INT(
	    ea_spf_macro_check(ea_span_str("%{d0}"), D, &bad), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    ea_spf_macro_check(ea_span_str("%{x}"), D, &bad), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    ea_spf_macro_check(ea_span_str("%{d"), D, &bad), EMAUTH_ESYNTAX);
	T_EQ_INT(ea_spf_macro_check(ea_span_str("%{d2r+}"), D, &bad), 0);
	T_EQ_INT(ea_spf_macro_check(ea_span_str("%{d2r*}"), D, &bad),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(
	    ea_spf_macro_check(ea_span_str("50%"), D, &bad), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    ea_spf_macro_check(ea_span_str("%x"), D, &bad), EMAUTH_ESYNTAX);
}

static void
test_domain_spec(void)
{
	size_t bad;
	T_EQ_INT(ea_spf_domain_spec_check(ea_span_str("example.com"), &bad), 0);
	T_EQ_INT(ea_spf_domain_spec_check(ea_span_str("%{d}"), &bad), 0);
	T_EQ_INT(ea_spf_domain_spec_check(ea_span_str("x.%{d}"), &bad), 0);
	T_EQ_INT(ea_spf_domain_spec_check(ea_span_str("%{d}.com."), &bad), 0);
	T_EQ_INT(ea_spf_domain_spec_check(ea_span_str("foo%-"), &bad), 0);
	T_EQ_INT(ea_spf_domain_spec_check(ea_span_str("example"), &bad),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(ea_spf_domain_spec_check(ea_span_str("a.-b"), &bad),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(ea_spf_domain_spec_check(ea_span_str("a.b-"), &bad),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(
	    ea_spf_domain_spec_check(ea_span_str("."), &bad), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    ea_spf_domain_spec_check(ea_span_str(""), &bad), EMAUTH_ESYNTAX);
}

static void
test_expansion_cap(void)
{
	struct ea_spf_macro_env e;
	struct ea_buf b;
	env_init(&e, &ip4);
	ea_buf_init(&b, 40);
	T_EQ_INT(ea_spf_macro_expand(ea_span_str("%{s}%{s}%{s}"), D, &e, &b),
	    EMAUTH_ETOOBIG);
	T_TRUE(b.len <= 40);
	ea_buf_release(&b);
	/* A sender whose <sender> does not fit the 2,056-byte scratch space
	 * of %{s}: an error, never its first part (which loses the domain);
	 * one byte less fits and expands whole. */
	char local[2100];
	size_t fit = EMAUTH_SPF_TEXT_MAX * 2 + 8 - 1 - 1 - e.sender_domain.len;
	for (size_t len = fit; len <= fit + 1; len++) {
		memset(local, 'x', len);
		e.sender_local = ea_span(local, len);
		ea_buf_init(&b, 8192);
		int rc = ea_spf_macro_expand(ea_span_str("%{s}"), D, &e, &b);
		if (len == fit) {
			T_EQ_INT(rc, 0);
			T_EQ_INT(b.len, len + 1 + e.sender_domain.len);
		} else {
			T_EQ_INT(rc, EMAUTH_ETOOBIG);
		}
		ea_buf_release(&b);
	}
}

/* The parts a value is split into (EMAUTH_SPF_TEXT_MAX + 2, ours): a
 * value of 1026 parts expands, one of 1027 is ETOOBIG (then permerror),
 * never its first parts. */
static void
test_parts_edges(void)
{
	struct ea_spf_macro_env e;
	struct ea_buf b;
	static char local[2 * (EMAUTH_SPF_TEXT_MAX + 3)];
	env_init(&e, &ip4);
	for (size_t n = EMAUTH_SPF_TEXT_MAX + 2; n <= EMAUTH_SPF_TEXT_MAX + 3;
	     n++) {
		size_t o = 0;
		for (size_t i = 0; i < n; i++) {
			if (i)
				local[o++] = '.';
			local[o++] = 'p';
		}
		e.sender_local = ea_span(local, o);
		ea_buf_init(&b, 8192);
		int rc = ea_spf_macro_expand(ea_span_str("%{l}"), D, &e, &b);
		if (n == EMAUTH_SPF_TEXT_MAX + 2) {
			T_EQ_INT(rc, 0);
			T_EQ_MEM(b.p, b.len, local, o);
		} else {
			T_EQ_INT(rc, EMAUTH_ETOOBIG);
		}
		ea_buf_release(&b);
	}
}

/* EA_SPF_MACRO_PARTS_MAX (ours): a digit transformer over 128 keeps 128
 * parts. With every part at least one character, 128 parts and a dot
 * between each are already longer than 253, so RFC 7208 §7.3's left
 * truncation gives the name that keeping 129 would: the clamp changes no
 * lookup. (An empty part makes the name invalid either way.) */
static void
test_digits_clamp(void)
{
	struct ea_spf_macro_env e;
	struct ea_buf b;
	char local[300];
	size_t o = 0;
	/* 130 parts "q", joined by "-". */
	for (int i = 0; i < 130; i++) {
		if (i)
			local[o++] = '-';
		local[o++] = 'q';
	}
	env_init(&e, &ip4);
	e.sender_local = ea_span(local, o);
	static const struct {
		const char *in;
		size_t len; /* of the expansion */
	} cases[] = {
	    {"%{l127-}", 2 * 127 - 1},
	    {"%{l128-}", 2 * 128 - 1},
	    {"%{l129-}", 2 * 128 - 1}, /* clamped */
	    {"%{l130-}", 2 * 128 - 1},
	};
	for (size_t k = 0; k < EA_ARRAY_LEN(cases); k++) {
		ea_buf_init(&b, 8192);
		T_EQ_INT(
		    ea_spf_macro_expand(ea_span_str(cases[k].in), D, &e, &b),
		    0);
		T_EQ_INT(b.len, cases[k].len);
		ea_buf_release(&b);
	}
	/* 2 x 128 - 1 = 255 > 253: left-truncated whatever was kept. */
	T_TRUE(2 * EA_SPF_MACRO_PARTS_MAX - 1 > EA_DNS_NAME_MAX);
}

int
main(void)
{
	T_RUN(test_rfc7208_7_4);
	T_RUN(test_other_letters);
	T_RUN(test_escapes_and_url);
	T_RUN(test_context_rules);
	T_RUN(test_domain_spec);
	T_RUN(test_expansion_cap);
	T_RUN(test_parts_edges);
	T_RUN(test_digits_clamp);
	return t_summary();
}
