/*
 * test_record.c: the SPF record parser against RFC 7208's ABNF, with the
 * diagnostic (term, offset) for each kind of error.
 */
#include "common/internal.h"

#include <string.h>

#include "common/limits.h"
#include "common/span.h"
#include "harness/t.h"
#include "spf/spf.h"

static int
parse(const char *rec, struct ea_spf_record *r, struct emauth_diag *d)
{
	memset(d, 0, sizeof(*d));
	return ea_spf_record_parse(ea_span_str(rec), r, d);
}

static void
valid(const char *rec, size_t nterms)
{
	struct ea_spf_record r;
	struct emauth_diag d;
	int rc = parse(rec, &r, &d);
	if (rc != 0) {
		char m[400];
		T_FAILF("\"%s\" rejected: %s", rec,
		    emauth_diag_format(&d, m, sizeof(m)));
		return;
	}
	T_EQ_INT(r.n, nterms);
	ea_spf_record_release(&r);
}

static void
invalid(const char *rec, const char *where_has, size_t offset)
{
	struct ea_spf_record r;
	struct emauth_diag d;
	int rc = parse(rec, &r, &d);
	if (rc == 0) {
		T_FAILF("\"%s\" accepted", rec);
		ea_spf_record_release(&r);
		return;
	}
	T_EQ_INT(rc, EMAUTH_ESYNTAX);
	if (!strstr(d.where, where_has))
		T_FAILF("\"%s\": where \"%s\" lacks \"%s\"", rec, d.where,
		    where_has);
	T_EQ_INT(d.offset, offset);
}

static void
test_version(void)
{
	T_TRUE(ea_spf_is_record(ea_span_str("v=spf1")));
	T_TRUE(ea_spf_is_record(ea_span_str("V=SPF1 -all")));
	T_TRUE(!ea_spf_is_record(ea_span_str("v=spf10 -all")));
	T_TRUE(!ea_spf_is_record(ea_span_str("v=spf1-all")));
	T_TRUE(!ea_spf_is_record(ea_span_str(" v=spf1 -all")));
	T_TRUE(!ea_spf_is_record(ea_span_str("spf2.0/pra -all")));
}

static void
test_valid_records(void)
{
	valid("v=spf1", 0);
	valid("v=spf1   ", 0);
	valid("v=spf1 -all", 1);
	valid("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 mx a -all", 5);
	valid("v=spf1 a/24//64 mx:mail.example.com/28 a//96 ~all", 4);
	invalid("v=spf1 a://96", "term 1", 9); /* ":" needs a domain */
	valid("v=spf1 include:_spf.google.com include:spf.protection."
	      "outlook.com ?all",
	    3);
	valid("v=spf1 exists:%{ir}.%{l1r-}.lp._spf.%{d} -all", 2);
	valid("v=spf1 ptr ptr:example.com redirect=_spf.example.com", 3);
	valid("v=spf1 -all exp=explain._spf.%{d}", 2);
	valid("v=spf1 foo=bar x-option=%{d} -all", 3);
	valid("v=spf1 a:foo-bar.123-4 -all", 2); /* hyphenated toplabel */
	valid("v=spf1 a:example.com. -all", 2);
	valid("v=spf1 +all", 1);
	valid("V=SPF1 IP4:192.0.2.1 -ALL", 2);
}

static void
test_invalid_records(void)
{
	invalid("v=spf1 foo:bar", "term 1", 7);
	invalid("v=spf1 -all ip:10.0.0.1", "term 2 (ip)", 12);
	invalid("v=spf1 ip4:192.0.2.0/33", "term 1 (ip4)", 21);
	invalid("v=spf1 ip4:192.0.2.1/024", "term 1", 21);
	invalid("v=spf1 ip4:192.0.02.1", "term 1", 11);
	invalid("v=spf1 ip4:256.0.0.1", "term 1", 11);
	invalid("v=spf1 ip6:2001:db8::/129", "term 1", 22);
	invalid("v=spf1 ip6:zz::1", "term 1", 11);
	invalid("v=spf1 a/33", "term 1", 9);
	invalid("v=spf1 mx//129", "term 1", 11);
	invalid("v=spf1 a:foo", "term 1", 9);      /* no toplabel */
	invalid("v=spf1 a:foo.123", "term 1", 13); /* numeric toplabel */
	invalid("v=spf1 include:", "term 1", 15);
	invalid("v=spf1 include", "term 1", 14);
	invalid("v=spf1 exists", "term 1", 13);
	invalid("v=spf1 all:foo", "term 1", 10);
	invalid("v=spf1 redirect=a.example redirect=b.example", "term 2", 26);
	invalid("v=spf1 exp=a.example exp=b.example", "term 2", 21);
	invalid("v=spf1 redirect=", "term 1", 16);
	invalid("v=spf1 1foo=bar", "term 1", 7);
	invalid("v=spf1 foo=%{x}", "term 1", 13);
	invalid("v=spf1 a:%{d", "term 1", 12);
	invalid("v=spf1 a:%{c}.example.com", "term 1", 11); /* c not here */
	invalid("v=spf1 exists:%{d0}.example.com", "term 1", 17);
	invalid("v=spf1 a:50%.example.com", "term 1", 11);
	invalid("v=spf1 -all\tmx", "record", 11);
}

static void
test_non_ascii_and_size(void)
{
	struct ea_spf_record r;
	struct emauth_diag d;
	T_EQ_INT(
	    parse("v=spf1 a:\xc3\xa9.example -all", &r, &d), EMAUTH_ESYNTAX);
	T_EQ_INT(d.offset, 9);
	T_TRUE(strstr(d.excerpt, "\\xc3") != NULL);
	T_EQ_INT(parse("not spf", &r, &d), EMAUTH_ENOTFOUND);
	char big[5000];
	memcpy(big, "v=spf1", 6);
	for (size_t i = 6; i < sizeof(big) - 1; i += 2)
		big[i] = ' ', big[i + 1] = 'a';
	big[sizeof(big) - 1] = '\0';
	T_EQ_INT(parse(big, &r, &d), EMAUTH_ETOOBIG);
}

static void
test_term_details(void)
{
	struct ea_spf_record r;
	struct emauth_diag d;
	T_EQ_INT(parse("v=spf1 ~a:mail.example.com/24//64 ?mx "
	               "-ip4:192.0.2.1 redirect=x.example exp=e.example",
	             &r, &d),
	    0);
	T_EQ_INT(r.n, 5);
	T_EQ_INT(r.terms[0].kind, SPF_A);
	T_EQ_INT(r.terms[0].qualifier, EMAUTH_RES_SOFTFAIL);
	T_EQ_INT(r.terms[0].cidr4, 24);
	T_EQ_INT(r.terms[0].cidr6, 64);
	T_EQ_MEM(
	    r.terms[0].domain.p, r.terms[0].domain.len, "mail.example.com", 16);
	T_EQ_INT(r.terms[1].qualifier, EMAUTH_RES_NEUTRAL);
	T_EQ_INT(r.terms[1].cidr4, 32);
	T_EQ_INT(r.terms[1].cidr6, 128);
	T_EQ_INT(r.terms[2].qualifier, EMAUTH_RES_FAIL);
	T_EQ_INT(r.redirect, 3);
	T_EQ_INT(r.exp, 4);
	T_EQ_INT(r.terms[4].offset, 72);
	ea_spf_record_release(&r);
}

/* Ours, EA_SPF_RECORD_MAX and EA_SPF_TERMS_MAX, at the edge: 4096 bytes
 * and 1024 terms parse; 4097 bytes and 1025 terms are ETOOBIG. */
static void
test_size_and_terms_edges(void)
{
	struct ea_spf_record r;
	struct emauth_diag d;
	static char rec[EA_SPF_RECORD_MAX + 2];
	for (size_t len = EA_SPF_RECORD_MAX; len <= EA_SPF_RECORD_MAX + 1;
	     len++) {
		memcpy(rec, "v=spf1 x=", 9);
		memset(rec + 9, 'a', len - 9);
		rec[len] = '\0';
		int rc = parse(rec, &r, &d);
		if (len == EA_SPF_RECORD_MAX) {
			T_EQ_INT(rc, 0);
			T_EQ_INT(r.n, 1);
			ea_spf_record_release(&r);
		} else {
			T_EQ_INT(rc, EMAUTH_ETOOBIG);
			T_EQ_STR(d.msg, "record longer than 4096 bytes");
		}
	}
	for (size_t n = EA_SPF_TERMS_MAX; n <= EA_SPF_TERMS_MAX + 1; n++) {
		size_t o = 6;
		memcpy(rec, "v=spf1", 6);
		for (size_t i = 0; i < n; i++)
			rec[o++] = ' ', rec[o++] = 'a';
		rec[o] = '\0';
		int rc = parse(rec, &r, &d);
		if (n == EA_SPF_TERMS_MAX) {
			T_EQ_INT(rc, 0);
			T_EQ_INT(r.n, EA_SPF_TERMS_MAX);
			ea_spf_record_release(&r);
		} else {
			T_EQ_INT(rc, EMAUTH_ETOOBIG);
			T_EQ_STR(d.msg, "more than 1024 terms");
		}
	}
}

int
main(void)
{
	T_RUN(test_version);
	T_RUN(test_valid_records);
	T_RUN(test_invalid_records);
	T_RUN(test_non_ascii_and_size);
	T_RUN(test_term_details);
	T_RUN(test_size_and_terms_edges);
	return t_summary();
}
