/*
 * test_iprev.c: iprev (RFC 8601 §3) outcomes with the test DNS back end:
 * pass for IPv4 and IPv6 and through a second PTR name, fail when the
 * names do not map back or have no address, permerror without a PTR
 * record, temperror on a DNS failure, and the bound on PTR names.
 */
#include "common/internal.h"

#include <stdio.h>
#include <string.h>

#include "common/ctx.h"
#include "common/span.h"
#include "dns/fake.h"
#include "dns/resolver.h"
#include "dns/store.h"
#include "harness/t.h"

#include <emauth/iprev.h>

static struct emauth_ctx *ctx;
static struct ea_store *store;

static void
setup(void)
{
	struct ea_resolver r;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, &store);
	ea_ctx_set_resolver(ctx, &r);
	/* 192.0.2.25 <-> mx.example.com */
	ea_dns_fake_name(
	    store, "25.2.0.192.in-addr.arpa", EA_DNS_T_PTR, "mx.example.com");
	ea_dns_fake_addr(store, "mx.example.com", "192.0.2.25");
	ea_dns_fake_addr(store, "mx.example.com", "2001:db8::25");
	ea_dns_fake_name(store,
	    "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."
	    "ip6.arpa",
	    EA_DNS_T_PTR, "mx.example.com");
	/* 192.0.2.26: two names, the second maps back. */
	ea_dns_fake_name(store, "26.2.0.192.in-addr.arpa", EA_DNS_T_PTR,
	    "wrong.example.com");
	ea_dns_fake_name(store, "26.2.0.192.in-addr.arpa", EA_DNS_T_PTR,
	    "right.example.com");
	ea_dns_fake_addr(store, "wrong.example.com", "198.51.100.1");
	ea_dns_fake_addr(store, "right.example.com", "192.0.2.26");
	/* 192.0.2.27: a generic name pointing elsewhere. */
	ea_dns_fake_name(store, "27.2.0.192.in-addr.arpa", EA_DNS_T_PTR,
	    "dsl-27.isp.example");
	ea_dns_fake_addr(store, "dsl-27.isp.example", "198.51.100.27");
	/* 192.0.2.28: a name that does not exist. */
	ea_dns_fake_name(store, "28.2.0.192.in-addr.arpa", EA_DNS_T_PTR,
	    "ghost.example.com");
	/* 192.0.2.29: the PTR lookup times out; 192.0.2.30: the forward
	 * lookup does. */
	ea_store_fail(store, ea_span_str("29.2.0.192.in-addr.arpa"),
	    EA_DNS_T_PTR, EA_STORE_TIMEOUT);
	ea_dns_fake_name(
	    store, "30.2.0.192.in-addr.arpa", EA_DNS_T_PTR, "slow.example.com");
	ea_store_fail(store, ea_span_str("slow.example.com"), EA_DNS_T_A,
	    EA_STORE_SERVFAIL);
	/* 192.0.2.31: twelve names, only the twelfth maps back. */
	for (int i = 1; i <= 12; i++) {
		char n[64];
		snprintf(n, sizeof(n), "n%d.many.example", i);
		ea_dns_fake_name(
		    store, "31.2.0.192.in-addr.arpa", EA_DNS_T_PTR, n);
		ea_dns_fake_addr(
		    store, n, i == 12 ? "192.0.2.31" : "192.0.2.99");
	}
}

static struct emauth_iprev_result
check(const char *ip)
{
	struct emauth_iprev_result r;
	T_EQ_INT(emauth_iprev_check(ctx, ip, &r), 0);
	return r;
}

static void
test_pass(void)
{
	struct emauth_iprev_result r = check("192.0.2.25");
	T_EQ_INT(r.result, EMAUTH_RES_PASS);
	T_EQ_STR(r.name, "mx.example.com");
	r = check("2001:db8::25");
	T_EQ_INT(r.result, EMAUTH_RES_PASS);
	r = check("::ffff:192.0.2.25"); /* IPv4-mapped */
	T_EQ_INT(r.result, EMAUTH_RES_PASS);
	r = check("192.0.2.26");
	T_EQ_INT(r.result, EMAUTH_RES_PASS);
	T_EQ_STR(r.name, "right.example.com");
}

static void
test_fail(void)
{
	struct emauth_iprev_result r = check("192.0.2.27");
	T_EQ_INT(r.result, EMAUTH_RES_FAIL);
	T_EQ_STR(r.name, "dsl-27.isp.example");
	T_TRUE(strstr(r.reason, "does not resolve back") != NULL);
	r = check("192.0.2.28");
	T_EQ_INT(r.result, EMAUTH_RES_FAIL);
	/* Only ten names are tried: the twelfth is never reached; all
	 * twelve are counted, and the reason says only ten were tried. */
	r = check("192.0.2.31");
	T_EQ_INT(r.result, EMAUTH_RES_FAIL);
	T_EQ_INT(r.names, 12);
	T_TRUE(strstr(r.reason, "only the first 10 were tried") != NULL);
}

static void
test_errors(void)
{
	struct emauth_iprev_result r = check("192.0.2.99");
	T_EQ_INT(r.result, EMAUTH_RES_PERMERROR);
	T_TRUE(strstr(r.reason, "no PTR record") != NULL);
	r = check("192.0.2.29");
	T_EQ_INT(r.result, EMAUTH_RES_TEMPERROR);
	r = check("192.0.2.30");
	T_EQ_INT(r.result, EMAUTH_RES_TEMPERROR);
	T_EQ_INT(emauth_iprev_check(ctx, "not-an-ip", &r), EMAUTH_EINVAL);
	T_EQ_INT(emauth_iprev_check(ctx, "192.0.2.300", &r), EMAUTH_EINVAL);
}

/* Ours, EA_IPREV_NAMES_MAX (10, as RFC 7208 §4.6.4 bounds ptr): the tenth
 * PTR name is tried (pass when it maps back), the eleventh is not (fail,
 * the stricter outcome; names counts all eleven, a true count). */
static void
test_names_edges(void)
{
	for (int i = 1; i <= 11; i++) {
		char n[64];
		snprintf(n, sizeof(n), "e%d.edge.example", i);
		/* 192.0.2.40: ten names, the tenth maps back. */
		if (i <= 10)
			ea_dns_fake_name(
			    store, "40.2.0.192.in-addr.arpa", EA_DNS_T_PTR, n);
		/* 192.0.2.41: eleven names, the eleventh maps back. */
		ea_dns_fake_name(
		    store, "41.2.0.192.in-addr.arpa", EA_DNS_T_PTR, n);
		ea_dns_fake_addr(store, n,
		    i == 10   ? "192.0.2.40"
		    : i == 11 ? "192.0.2.41"
		              : "192.0.2.99");
	}
	struct emauth_iprev_result r = check("192.0.2.40");
	T_EQ_INT(r.result, EMAUTH_RES_PASS);
	T_EQ_STR(r.name, "e10.edge.example");
	T_EQ_INT(r.names, 10);
	r = check("192.0.2.41");
	T_EQ_INT(r.result, EMAUTH_RES_FAIL);
	T_EQ_INT(r.names, 11);
	T_TRUE(strstr(r.reason, "and 10 others; only the first 10") != NULL);
}

int
main(void)
{
	setup();
	T_RUN(test_pass);
	T_RUN(test_fail);
	T_RUN(test_errors);
	T_RUN(test_names_edges);
	emauth_ctx_free(ctx);
	return t_summary();
}
