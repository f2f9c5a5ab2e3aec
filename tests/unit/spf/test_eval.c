/*
 * test_eval.c: check_host() through the test DNS back end: verdicts and
 * their reasons, each processing limit of RFC 7208 §4.6.4 at and over its
 * edge, DNS failures, include/redirect/exp rules, identities, and a sweep
 * that fails each allocation in turn.
 */
#include "common/internal.h"

#include <stdarg.h>
#include <string.h>

#include "common/alloc.h"
#include "common/ctx.h"
#include "common/span.h"
#include "dns/fake.h"
#include "harness/t.h"

#include <emauth/spf.h>

static struct emauth_ctx *ctx;
static struct ea_store *zone;

static void
setup(void)
{
	struct ea_resolver r;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, &zone);
	ea_ctx_set_resolver(ctx, &r);
}

static void
teardown(void)
{
	emauth_ctx_free(ctx);
	ctx = NULL;
}

static void
txt(const char *name, const char *value)
{
	struct emauth_span s = ea_span_str(value);
	T_EQ_INT(ea_dns_fake_txt(zone, name, &s, 1), 0);
}

static void
addr(const char *name, const char *ip)
{
	T_EQ_INT(ea_dns_fake_addr(zone, name, ip), 0);
}

static int
check(const char *ip, const char *from, const char *helo,
    struct emauth_spf_result *r)
{
	struct emauth_spf_query q = {0};
	q.ip = ip;
	q.mail_from = from;
	q.helo = helo;
	q.default_explanation = "not allowed";
	return emauth_spf_check_host(ctx, &q, r);
}

static void
expect(const char *ip, const char *from, enum emauth_result want,
    struct emauth_spf_result *r)
{
	T_EQ_INT(check(ip, from, "helo.example", r), 0);
	if (r->result != want)
		T_FAILF("%s from %s: %s, expected %s (problem: %s)", from, ip,
		    emauth_result_name(r->result), emauth_result_name(want),
		    r->problem);
}

static void
test_pass_reports_term(void)
{
	struct emauth_spf_result r;
	setup();
	txt("example.com",
	    "v=spf1 ip4:198.51.100.0/24 include:_spf.plat.example -all");
	txt("_spf.plat.example", "v=spf1 ip4:203.0.113.0/24 ~all");
	expect("198.51.100.7", "a@example.com", EMAUTH_RES_PASS, &r);
	T_EQ_STR(r.mechanism, "ip4:198.51.100.0/24");
	T_EQ_STR(r.mechanism_domain, "example.com");
	T_EQ_INT(r.dns_lookups, 0);
	expect("203.0.113.9", "a@example.com", EMAUTH_RES_PASS, &r);
	/* The include term of the record that decided. */
	T_EQ_STR(r.mechanism, "include:_spf.plat.example");
	T_EQ_INT(r.dns_lookups, 1);
	expect("192.0.2.1", "a@example.com", EMAUTH_RES_FAIL, &r);
	T_EQ_STR(r.mechanism, "-all");
	T_EQ_STR(r.explanation, "not allowed");
	T_EQ_STR(r.problem, "");
	teardown();
}

static void
test_none_and_neutral(void)
{
	struct emauth_spf_result r;
	setup();
	txt("nospf.example", "some other text");
	txt("empty.example", "v=spf1");
	expect("192.0.2.1", "a@nospf.example", EMAUTH_RES_NONE, &r);
	expect("192.0.2.1", "a@nxdomain.example", EMAUTH_RES_NONE, &r);
	expect("192.0.2.1", "a@empty.example", EMAUTH_RES_NEUTRAL, &r);
	T_EQ_STR(r.mechanism, "");
	/* Malformed domains: none, with no DNS query. */
	expect("192.0.2.1", "a@singlelabel", EMAUTH_RES_NONE, &r);
	expect("192.0.2.1", "a@a..example", EMAUTH_RES_NONE, &r);
	expect("192.0.2.1", "a@[192.0.2.1]", EMAUTH_RES_NONE, &r);
	T_EQ_INT(r.dns_queries, 0);
	teardown();
}

static void
test_term_limit(void)
{
	struct emauth_spf_result r;
	char rec[600];
	setup();
	/* Ten includes are allowed, an eleventh is a permerror. */
	strcpy(rec, "v=spf1");
	for (int i = 1; i <= 10; i++) {
		char name[64], t[80];
		snprintf(name, sizeof(name), "i%d.example", i);
		txt(name, "v=spf1 ?all");
		snprintf(t, sizeof(t), " include:%s", name);
		strcat(rec, t);
	}
	txt("ten.example", rec);
	strcat(rec, " include:i1.example");
	txt("eleven.example", rec);
	expect("192.0.2.1", "a@ten.example", EMAUTH_RES_NEUTRAL, &r);
	T_EQ_INT(r.dns_lookups, 10);
	expect("192.0.2.1", "a@eleven.example", EMAUTH_RES_PERMERROR, &r);
	T_TRUE(strstr(r.problem, "more than 10 DNS-querying terms") != NULL);
	T_TRUE(strstr(r.problem, "term 11") != NULL);
	T_EQ_STR(r.mechanism, "include:i1.example");
	/* An include loop ends at the same limit. */
	txt("loop.example", "v=spf1 include:loop.example -all");
	expect("192.0.2.1", "a@loop.example", EMAUTH_RES_PERMERROR, &r);
	teardown();
}

static void
test_void_limit(void)
{
	struct emauth_spf_result r;
	setup();
	txt("two.example",
	    "v=spf1 a:n1.example a:n2.example ip4:192.0.2.1 -all");
	txt("three.example",
	    "v=spf1 a:n1.example a:n2.example a:n3.example ip4:192.0.2.1 -all");
	expect("192.0.2.1", "a@two.example", EMAUTH_RES_PASS, &r);
	T_EQ_INT(r.void_lookups, 2);
	expect("192.0.2.1", "a@three.example", EMAUTH_RES_PERMERROR, &r);
	T_TRUE(strstr(r.problem, "more than 2 void DNS lookups") != NULL);
	T_TRUE(strstr(r.problem, "a:n3.example") != NULL);
	teardown();
}

static void
test_mx_limit_lazy(void)
{
	struct emauth_spf_result r;
	setup();
	txt("mx.example", "v=spf1 mx -all");
	for (int i = 0; i < 11; i++) {
		char host[64], ip[32];
		snprintf(host, sizeof(host), "mx%d.mx.example", i);
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		ea_dns_fake_mx(zone, "mx.example", (uint16_t)i, host);
		addr(host, ip);
	}
	/* The first host matches before the limit is reached. */
	expect("192.0.2.1", "a@mx.example", EMAUTH_RES_PASS, &r);
	/* No match: an 11th address lookup would be needed. */
	expect("198.51.100.1", "a@mx.example", EMAUTH_RES_PERMERROR, &r);
	T_TRUE(strstr(r.problem, "11 MX records") != NULL);
	teardown();
}

static void
test_mx_null_and_ipv6(void)
{
	struct emauth_spf_result r;
	setup();
	txt("nullmx.example", "v=spf1 mx -all");
	ea_dns_fake_mx(zone, "nullmx.example", 0, ".");
	expect("192.0.2.1", "a@nullmx.example", EMAUTH_RES_FAIL, &r);
	txt("v6.example", "v=spf1 mx//64 -all");
	ea_dns_fake_mx(zone, "v6.example", 10, "m1.v6.example");
	ea_dns_fake_mx(zone, "v6.example", 20, "m2.v6.example");
	ea_dns_fake_mx(zone, "v6.example", 30, "m3.v6.example");
	addr("m1.v6.example", "192.0.2.1");
	addr("m2.v6.example", "192.0.2.2");
	addr("m3.v6.example", "2001:db8:1:2::25");
	/* IPv4-only hosts have no AAAA: not void lookups of the term. */
	expect("2001:db8:1:2::99", "a@v6.example", EMAUTH_RES_PASS, &r);
	T_EQ_INT(r.void_lookups, 0);
	teardown();
}

static void
test_dns_errors(void)
{
	struct emauth_spf_result r;
	setup();
	ea_store_fail(
	    zone, ea_span_str("sf.example"), EA_DNS_T_TXT, EA_STORE_SERVFAIL);
	expect("192.0.2.1", "a@sf.example", EMAUTH_RES_TEMPERROR, &r);
	T_TRUE(strstr(r.problem, "SERVFAIL") != NULL);
	txt("inc.example", "v=spf1 include:to.example -all");
	ea_store_fail(zone, ea_span_str("to.example"), 0, EA_STORE_TIMEOUT);
	expect("192.0.2.1", "a@inc.example", EMAUTH_RES_TEMPERROR, &r);
	T_TRUE(strstr(r.problem, "timeout") != NULL);
	txt("incnone.example", "v=spf1 include:nothing.example -all");
	expect("192.0.2.1", "a@incnone.example", EMAUTH_RES_PERMERROR, &r);
	T_TRUE(strstr(r.problem, "include:nothing.example has no SPF record") !=
	       NULL);
	txt("a.example", "v=spf1 a:tf.example -all");
	ea_store_fail(
	    zone, ea_span_str("tf.example"), EA_DNS_T_A, EA_STORE_TIMEOUT);
	expect("192.0.2.1", "a@a.example", EMAUTH_RES_TEMPERROR, &r);
	teardown();
}

static void
test_records_selection(void)
{
	struct emauth_spf_result r;
	setup();
	txt("two.example", "v=spf1 -all");
	txt("two.example", "v=spf1 +all");
	txt("two.example", "v=spf10 whatever");
	expect("192.0.2.1", "a@two.example", EMAUTH_RES_PERMERROR, &r);
	T_TRUE(strstr(r.problem, "2 SPF records") != NULL);
	txt("syn.example", "v=spf1 ip4:1.2.3.4/40 -all");
	expect("192.0.2.1", "a@syn.example", EMAUTH_RES_PERMERROR, &r);
	T_TRUE(strstr(r.problem, "invalid CIDR length") != NULL);
	teardown();
}

static void
test_redirect_and_exp(void)
{
	struct emauth_spf_result r;
	setup();
	txt("r.example", "v=spf1 redirect=_spf.r.example exp=x.r.example");
	txt("x.r.example", "original explanation");
	txt("_spf.r.example", "v=spf1 ip4:192.0.2.0/24 -all exp=e.r.example");
	txt("e.r.example", "%{i} is not one of %{d}'s servers; see %{c}");
	expect("192.0.2.5", "a@r.example", EMAUTH_RES_PASS, &r);
	T_EQ_STR(r.mechanism_domain, "_spf.r.example");
	expect("198.51.100.5", "a@r.example", EMAUTH_RES_FAIL, &r);
	/* The target's exp, never the original's. */
	T_EQ_STR(r.explanation, "198.51.100.5 is not one of _spf.r.example's "
	                        "servers; see 198.51.100.5");
	T_EQ_STR(r.mechanism, "-all");
	txt("rnone.example", "v=spf1 redirect=nothing.example");
	expect("192.0.2.5", "a@rnone.example", EMAUTH_RES_PERMERROR, &r);
	/* A broken exp falls back to the default explanation. */
	txt("badexp.example", "v=spf1 -all exp=bad.badexp.example");
	txt("bad.badexp.example", "%{x} broken");
	expect("192.0.2.5", "a@badexp.example", EMAUTH_RES_FAIL, &r);
	T_EQ_STR(r.explanation, "not allowed");
	/* redirect is ignored when all is present. */
	txt("all.example", "v=spf1 ?all redirect=r.example");
	expect("192.0.2.5", "a@all.example", EMAUTH_RES_NEUTRAL, &r);
	teardown();
}

static void
test_identities(void)
{
	struct emauth_spf_result r;
	setup();
	txt("helo.example", "v=spf1 ip4:192.0.2.9 -all");
	txt("from.example", "v=spf1 -all exp=e.from.example");
	txt("e.from.example", "%{s} %{l} %{o}");
	/* The null reverse-path: postmaster@HELO. */
	T_EQ_INT(check("192.0.2.9", "<>", "helo.example", &r), 0);
	T_EQ_INT(r.result, EMAUTH_RES_PASS);
	T_EQ_INT(r.identity, EMAUTH_SPF_HELO);
	T_EQ_STR(r.sender, "postmaster@helo.example");
	T_EQ_INT(check("192.0.2.9", "", "helo.example", &r), 0);
	T_EQ_INT(r.identity, EMAUTH_SPF_HELO);
	/* No local part: postmaster. */
	T_EQ_INT(check("192.0.2.9", "@from.example", "helo.example", &r), 0);
	T_EQ_STR(r.explanation, "postmaster@from.example postmaster "
	                        "from.example");
	T_EQ_INT(check("not-an-ip", "a@from.example", "h.example", &r),
	    EMAUTH_EINVAL);
	T_EQ_INT(check("192.0.2.9", "", NULL, &r), EMAUTH_EINVAL);
	teardown();
}

static void
test_ipv4_mapped_and_ptr(void)
{
	struct emauth_spf_result r;
	setup();
	txt("m.example", "v=spf1 ip4:192.0.2.0/24 -all");
	expect("::ffff:192.0.2.7", "a@m.example", EMAUTH_RES_PASS, &r);
	txt("p.example", "v=spf1 ptr:p.example -all");
	ea_dns_fake_name(
	    zone, "7.2.0.192.in-addr.arpa", EA_DNS_T_PTR, "host.p.example");
	ea_dns_fake_name(
	    zone, "8.2.0.192.in-addr.arpa", EA_DNS_T_PTR, "forged.p.example");
	addr("host.p.example", "192.0.2.7");
	addr("forged.p.example", "198.51.100.1");
	expect("192.0.2.7", "a@p.example", EMAUTH_RES_PASS, &r);
	/* The PTR name does not map back: not validated. */
	expect("192.0.2.8", "a@p.example", EMAUTH_RES_FAIL, &r);
	teardown();
}

static void
test_allocation_failures(void)
{
	/* Fail each allocation in turn: the call returns 0 with a verdict
	 * or EMAUTH_ENOMEM, and never crashes or leaks (ASan checks). */
	for (size_t n = 1; n < 400; n++) {
		struct emauth_spf_result r;
		setup();
		txt("o.example",
		    "v=spf1 mx a include:i.example "
		    "exists:%{l}.e.o.example -all exp=x.o.example");
		txt("i.example", "v=spf1 ip4:203.0.113.0/24 ~all");
		txt("x.o.example", "%{s} is not allowed");
		ea_dns_fake_mx(zone, "o.example", 10, "mx.o.example");
		addr("mx.o.example", "192.0.2.25");
		ea_alloc_fail_at(n, true);
		int rc = check("198.51.100.1", "a@o.example", "h.example", &r);
		size_t made = ea_alloc_fail_at(0, false);
		teardown();
		if (rc != 0 && rc != EMAUTH_ENOMEM)
			T_FAILF("allocation %zu: status %d", n, rc);
		if (made < n) {
			/* Ran to the end with no failure injected. */
			T_EQ_INT(rc, 0);
			T_EQ_INT(r.result, EMAUTH_RES_FAIL);
			T_EQ_STR(r.explanation, "a@o.example is not allowed");
			return;
		}
	}
	T_FAILF("more than 400 allocations for one evaluation");
}

int
main(void)
{
	T_RUN(test_pass_reports_term);
	T_RUN(test_none_and_neutral);
	T_RUN(test_term_limit);
	T_RUN(test_void_limit);
	T_RUN(test_mx_limit_lazy);
	T_RUN(test_mx_null_and_ipv6);
	T_RUN(test_dns_errors);
	T_RUN(test_records_selection);
	T_RUN(test_redirect_and_exp);
	T_RUN(test_identities);
	T_RUN(test_ipv4_mapped_and_ptr);
	T_RUN(test_allocation_failures);
	return t_summary();
}
