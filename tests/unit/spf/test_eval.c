/*
 * test_eval.c: check_host() through the test DNS back end: verdicts and
 * their reasons, each processing limit of RFC 7208 §4.6.4 and each of our
 * own caps at and over its edge (docs/internals/limits.md), DNS failures,
 * include/redirect/exp rules, identities, and a sweep that fails each
 * allocation in turn.
 */
#include "common/internal.h"

#include <stdarg.h>
#include <string.h>

#include "common/alloc.h"
#include "common/ctx.h"
#include "common/limits.h"
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

/* Publishes @len bytes of @value at @name as one TXT record of 255-byte
 * strings (the caps below are on the joined record). */
static void
txt_long(const char *name, const char *value, size_t len)
{
	static struct emauth_span parts[64];
	size_t n = 0;
	for (size_t o = 0; o < len; o += 255)
		parts[n++] = ea_span(value + o, len - o > 255 ? 255 : len - o);
	T_EQ_INT(ea_dns_fake_txt(zone, name, parts, n), 0);
}

/* A name of exactly @len characters: labels of 63 (or @label) characters
 * and a last one to make up the length. */
static void
long_name(char *out, size_t len, size_t label)
{
	size_t o = 0;
	while (o < len) {
		size_t l = len - o > label ? label : len - o;
		if (o + l + 1 == len)
			l--; /* never a one-character tail after a dot */
		memset(out + o, 'a' + (char)(o % 26), l);
		o += l;
		if (o < len)
			out[o++] = '.';
	}
	out[len] = '\0';
}

/* RFC 1035 §2.3.4 via §4.3: a <domain> of 253 characters is evaluated, one
 * of 254 is not a name (none, nothing asked); the same for a label of 63
 * and one of 64. */
static void
test_sender_domain_name_caps(void)
{
	struct emauth_spf_result r;
	char dom[300], from[320];
	setup();
	for (size_t len = EA_DNS_NAME_MAX; len <= EA_DNS_NAME_MAX + 1; len++) {
		long_name(dom, len, EA_DNS_LABEL_MAX);
		if (len == EA_DNS_NAME_MAX)
			txt(dom, "v=spf1 ip4:192.0.2.1 -all");
		snprintf(from, sizeof(from), "a@%s", dom);
		if (len == EA_DNS_NAME_MAX) {
			expect("192.0.2.1", from, EMAUTH_RES_PASS, &r);
			T_EQ_INT(r.dns_queries, 1);
			/* Kept whole for DMARC's alignment. */
			T_EQ_STR(r.domain, dom);
		} else {
			expect("192.0.2.1", from, EMAUTH_RES_NONE, &r);
			T_EQ_INT(r.dns_queries, 0);
		}
	}
	/* A label of 63, then of 64. */
	char lab[80];
	memset(lab, 'l', 64);
	memcpy(lab + 63, ".example", 9);
	txt(lab, "v=spf1 ip4:192.0.2.1 -all");
	snprintf(from, sizeof(from), "a@%s", lab);
	expect("192.0.2.1", from, EMAUTH_RES_PASS, &r);
	memset(lab, 'l', 64);
	memcpy(lab + 64, ".example", 9);
	snprintf(from, sizeof(from), "a@%s", lab);
	expect("192.0.2.1", from, EMAUTH_RES_NONE, &r);
	T_EQ_INT(r.dns_queries, 0);
	teardown();
}

/* RFC 7208 §7.3: a target name of 253 characters is looked up whole; one
 * of 254 is truncated on the left, label by label, to 253 or less (the
 * same name every receiver looks up), never on the right. */
static void
test_target_name_left_truncation(void)
{
	struct emauth_spf_result r;
	char t253[256], t254[300], rec[400];
	setup();
	long_name(t253, EA_DNS_NAME_MAX, EA_DNS_LABEL_MAX);
	addr(t253, "192.0.2.7");
	snprintf(rec, sizeof(rec), "v=spf1 a:%s -all", t253);
	txt_long("whole.example", rec, strlen(rec));
	expect("192.0.2.7", "a@whole.example", EMAUTH_RES_PASS, &r);
	/* "x." in front: 255 characters; the first label goes. */
	snprintf(t254, sizeof(t254), "x.%s", t253);
	snprintf(rec, sizeof(rec), "v=spf1 a:%s -all", t254);
	txt_long("left.example", rec, strlen(rec));
	expect("192.0.2.7", "a@left.example", EMAUTH_RES_PASS, &r);
	T_EQ_INT(r.void_lookups, 0);
	/* A 254-character name whose first label is long: all of that label
	 * goes, and what is left is asked (here it has no address: void). */
	long_name(t254, EA_DNS_NAME_MAX + 1, EA_DNS_LABEL_MAX);
	snprintf(rec, sizeof(rec), "v=spf1 a:%s -all", t254);
	txt_long("cut.example", rec, strlen(rec));
	addr(t254 + EA_DNS_LABEL_MAX + 1, "192.0.2.8");
	expect("192.0.2.8", "a@cut.example", EMAUTH_RES_PASS, &r);
	expect("192.0.2.9", "a@cut.example", EMAUTH_RES_FAIL, &r);
	teardown();
}

/* RFC 7208 §4.6.4: ten MX names may be checked; an answer of ten with no
 * match is an ordinary fail, an eleventh lookup is a permerror. */
static void
test_mx_names_edges(void)
{
	struct emauth_spf_result r;
	setup();
	txt("ten.mx.example", "v=spf1 mx -all");
	txt("eleven.mx.example", "v=spf1 mx -all");
	for (int i = 0; i < 11; i++) {
		char host[64], ip[32];
		snprintf(host, sizeof(host), "h%d.mx.example", i);
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		if (i < 10)
			ea_dns_fake_mx(
			    zone, "ten.mx.example", (uint16_t)i, host);
		ea_dns_fake_mx(zone, "eleven.mx.example", (uint16_t)i, host);
		addr(host, ip);
	}
	expect("198.51.100.1", "a@ten.mx.example", EMAUTH_RES_FAIL, &r);
	T_EQ_STR(r.mechanism, "-all");
	/* The tenth by preference still matches. */
	expect("192.0.2.10", "a@ten.mx.example", EMAUTH_RES_PASS, &r);
	expect("192.0.2.10", "a@eleven.mx.example", EMAUTH_RES_PASS, &r);
	/* The eleventh is never checked: permerror, not its pass. */
	expect("192.0.2.11", "a@eleven.mx.example", EMAUTH_RES_PERMERROR, &r);
	T_TRUE(strstr(r.problem, "11 MX records") != NULL);
	teardown();
}

/* RFC 7208 §4.6.4: "if there are more than 10 [PTR names], the rest MUST
 * be ignored": the tenth name in the answer is validated, the eleventh is
 * not (ptr does not match, the result is the record's fail). */
static void
test_ptr_names_edges(void)
{
	struct emauth_spf_result r;
	setup();
	txt("p.example", "v=spf1 ptr:p.example -all");
	for (int i = 1; i <= 11; i++) {
		char host[64], ip[32];
		snprintf(host, sizeof(host), "n%d.p.example", i);
		/* 192.0.2.10: ten names, only the tenth maps back. */
		if (i <= 10)
			ea_dns_fake_name(zone, "10.2.0.192.in-addr.arpa",
			    EA_DNS_T_PTR, host);
		/* 192.0.2.11: eleven names, only the eleventh maps back. */
		ea_dns_fake_name(
		    zone, "11.2.0.192.in-addr.arpa", EA_DNS_T_PTR, host);
		snprintf(ip, sizeof(ip), "192.0.2.%d",
		    i == 10   ? 10
		    : i == 11 ? 11
		              : 99);
		addr(host, ip);
	}
	expect("192.0.2.10", "a@p.example", EMAUTH_RES_PASS, &r);
	T_EQ_STR(r.mechanism, "ptr:p.example");
	expect("192.0.2.11", "a@p.example", EMAUTH_RES_FAIL, &r);
	T_EQ_STR(r.mechanism, "-all");
	teardown();
}

/* Ours, EA_SPF_RECORD_MAX: a record of 4096 bytes (joined strings) is
 * evaluated; one of 4097 is a permerror, never read in part. */
static void
test_record_size_edges(void)
{
	struct emauth_spf_result r;
	static char rec[EA_SPF_RECORD_MAX + 2];
	setup();
	for (size_t len = EA_SPF_RECORD_MAX; len <= EA_SPF_RECORD_MAX + 1;
	     len++) {
		/* "v=spf1 ip4:192.0.2.1 x=aaa...a -all" of exactly @len. */
		size_t o = (size_t)snprintf(
		    rec, sizeof(rec), "v=spf1 ip4:192.0.2.1 x=");
		memset(rec + o, 'a', len - o - 5);
		memcpy(rec + len - 5, " -all", 6);
		T_EQ_INT(strlen(rec), len);
		const char *d =
		    len == EA_SPF_RECORD_MAX ? "fits.example" : "over.example";
		txt_long(d, rec, len);
		char from[64];
		snprintf(from, sizeof(from), "a@%s", d);
		if (len == EA_SPF_RECORD_MAX) {
			expect("192.0.2.1", from, EMAUTH_RES_PASS, &r);
			expect("192.0.2.2", from, EMAUTH_RES_FAIL, &r);
		} else {
			expect("192.0.2.1", from, EMAUTH_RES_PERMERROR, &r);
			T_TRUE(strstr(r.problem, "4096") != NULL);
		}
	}
	teardown();
}

/* Ours, EA_SPF_TERMS_MAX: a record of 1024 terms is evaluated; one of
 * 1025 is a permerror (a syntax error of the record). */
static void
test_terms_edges(void)
{
	struct emauth_spf_result r;
	static char rec[3000];
	setup();
	for (int n = 1024; n <= 1025; n++) {
		/* "-all" and then n - 1 "a" terms, never reached. */
		size_t o = (size_t)snprintf(rec, sizeof(rec), "v=spf1 -all");
		for (int i = 1; i < n; i++)
			o += (size_t)snprintf(rec + o, sizeof(rec) - o, " a");
		const char *d = n == 1024 ? "t1024.example" : "t1025.example";
		txt_long(d, rec, o);
		char from[64];
		snprintf(from, sizeof(from), "a@%s", d);
		if (n == 1024) {
			expect("192.0.2.1", from, EMAUTH_RES_FAIL, &r);
			T_EQ_INT(r.dns_lookups, 0);
		} else {
			expect("192.0.2.1", from, EMAUTH_RES_PERMERROR, &r);
			T_TRUE(
			    strstr(r.problem, "more than 1024 terms") != NULL);
		}
	}
	teardown();
}

/* Ours, EA_SPF_EXPAND_MAX: a domain-spec that expands to 8192 characters
 * is truncated on the left (§7.3) and looked up; one that expands to
 * 8193 is a permerror, never part of the expansion. */
static void
test_expansion_edges(void)
{
	struct emauth_spf_result r;
	static char local[EA_SPF_EXPAND_MAX], from[EA_SPF_EXPAND_MAX + 32];
	setup();
	/* %{l}.e.example: the local part, then 10 characters. */
	txt("x.example", "v=spf1 exists:%{l}.e.example -all");
	char tail[300];
	size_t o = 0;
	for (int i = 0; i < 4; i++) {
		memset(tail + o, 'y', 60);
		o += 60;
		tail[o++] = '.';
	}
	memcpy(tail + o, "e.example", 10);
	/* What is left after truncation: the last four 60-character labels
	 * of the local part and e.example, 253 characters. */
	T_EQ_INT(strlen(tail), EA_DNS_NAME_MAX);
	addr(tail, "127.0.0.2");
	for (size_t len = EA_SPF_EXPAND_MAX; len <= EA_SPF_EXPAND_MAX + 1;
	     len++) {
		/* A first label of 8 or 9 characters, then 134 of 60. */
		size_t l = len - 10, first = l - 61 * 134;
		memset(local, 'z', first);
		o = first;
		for (int i = 0; i < 134; i++) {
			local[o++] = '.';
			memset(local + o, 'y', 60);
			o += 60;
		}
		T_EQ_INT(o, l);
		snprintf(from, sizeof(from), "%.*s@x.example", (int)l, local);
		if (len == EA_SPF_EXPAND_MAX) {
			expect("192.0.2.1", from, EMAUTH_RES_PASS, &r);
			T_EQ_STR(r.mechanism, "exists:%{l}.e.example");
		} else {
			expect("192.0.2.1", from, EMAUTH_RES_PERMERROR, &r);
			T_TRUE(strstr(r.problem, "macro expansion failed") !=
			       NULL);
		}
	}
	teardown();
}

/* Ours, EA_SPF_EXPLANATION_MAX (RFC 7208 §6.2): an explanation record of
 * 1024 bytes is used, one of 1025 is not ("as if no exp modifier was
 * given": the default explanation). The same for the expanded text. */
static void
test_explanation_edges(void)
{
	struct emauth_spf_result r;
	static char text[EA_SPF_EXPLANATION_MAX + 2];
	setup();
	for (size_t len = EA_SPF_EXPLANATION_MAX;
	     len <= EA_SPF_EXPLANATION_MAX + 1; len++) {
		memset(text, 'w', len);
		text[len] = '\0';
		const char *d = len == EA_SPF_EXPLANATION_MAX ? "e1024.example"
		                                              : "e1025.example";
		char rec[128], from[64], ename[64];
		snprintf(ename, sizeof(ename), "why.%s", d);
		snprintf(rec, sizeof(rec), "v=spf1 -all exp=%s", ename);
		txt(d, rec);
		txt_long(ename, text, len);
		snprintf(from, sizeof(from), "a@%s", d);
		expect("192.0.2.1", from, EMAUTH_RES_FAIL, &r);
		if (len == EA_SPF_EXPLANATION_MAX) {
			/* Used; shown to its first 300 characters. */
			T_TRUE(strncmp(r.explanation, "wwwww", 5) == 0);
			T_TRUE(strstr(r.explanation, "...") != NULL);
		} else {
			T_EQ_STR(r.explanation, "not allowed");
		}
	}
	/* The expanded text: %{l} of 1020 and 1021 characters after "why ". */
	txt("ex.example", "v=spf1 -all exp=why.ex.example");
	txt("why.ex.example", "why %{l}");
	static char from[EA_SPF_EXPLANATION_MAX + 32];
	for (size_t l = EA_SPF_EXPLANATION_MAX - 4;
	     l <= EA_SPF_EXPLANATION_MAX - 3; l++) {
		memset(from, 'q', l);
		snprintf(from + l, sizeof(from) - l, "@ex.example");
		expect("192.0.2.1", from, EMAUTH_RES_FAIL, &r);
		if (l == EA_SPF_EXPLANATION_MAX - 4)
			T_TRUE(strncmp(r.explanation, "why qqq", 7) == 0);
		else
			T_EQ_STR(r.explanation, "not allowed");
	}
	teardown();
}

/* Ours, EA_SPF_DEPTH_MAX (12): never reached, since each include counts
 * against the ten DNS-querying terms first: a chain of ten includes is
 * evaluated to its end, one of eleven is the term limit's permerror. */
static void
test_include_chain_depth(void)
{
	struct emauth_spf_result r;
	setup();
	for (int i = 1; i <= 11; i++) {
		char name[32], rec[64];
		snprintf(name, sizeof(name), "c%d.example", i);
		if (i == 11)
			snprintf(rec, sizeof(rec), "v=spf1 +all");
		else
			snprintf(rec, sizeof(rec), "v=spf1 include:c%d.example",
			    i + 1);
		txt(name, rec);
	}
	/* c2 -> c11: ten includes deep, then +all. */
	expect("192.0.2.1", "a@c2.example", EMAUTH_RES_PASS, &r);
	T_EQ_INT(r.dns_lookups, 9);
	/* c1 -> c11: ten includes, c11 is reached. */
	expect("192.0.2.1", "a@c1.example", EMAUTH_RES_PASS, &r);
	T_EQ_INT(r.dns_lookups, 10);
	/* One more level: the eleventh include is the permerror. */
	txt("c0.example", "v=spf1 include:c1.example");
	expect("192.0.2.1", "a@c0.example", EMAUTH_RES_PERMERROR, &r);
	T_TRUE(strstr(r.problem, "more than 10 DNS-querying terms") != NULL);
	T_TRUE(strstr(r.problem, "nesting") == NULL);
	teardown();
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
	T_RUN(test_sender_domain_name_caps);
	T_RUN(test_target_name_left_truncation);
	T_RUN(test_mx_names_edges);
	T_RUN(test_ptr_names_edges);
	T_RUN(test_record_size_edges);
	T_RUN(test_terms_edges);
	T_RUN(test_expansion_edges);
	T_RUN(test_explanation_edges);
	T_RUN(test_include_chain_depth);
	return t_summary();
}
