/*
 * test_authres.c: Authentication-Results. Generation: every method, the
 * exact text, and values that try to inject a result or a line. Parsing:
 * fields as large providers send them (comments everywhere, no
 * authserv-id, a version, "none", quoted values), bounds, and fields that
 * cannot be read to the end (incomplete, never a result that was not
 * there). The authserv-id check used to remove forged fields.
 */
#include "common/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/span.h"
#include "harness/t.h"

#include <emauth/authres.h>

static void
test_format_all_methods(void)
{
	struct emauth_iprev_result ip = {
	    EMAUTH_RES_PASS, "mx.example.com", 1, ""};
	struct emauth_spf_result spf, helo;
	memset(&spf, 0, sizeof(spf));
	memset(&helo, 0, sizeof(helo));
	spf.result = EMAUTH_RES_PASS;
	snprintf(spf.sender, sizeof(spf.sender), "bounce@example.com");
	snprintf(spf.domain, sizeof(spf.domain), "example.com");
	snprintf(spf.mechanism, sizeof(spf.mechanism), "ip4:192.0.2.0/24");
	helo.result = EMAUTH_RES_NONE;
	snprintf(helo.domain, sizeof(helo.domain), "mx.example.com");
	struct emauth_dkim_result k[2];
	memset(k, 0, sizeof(k));
	k[0].result = EMAUTH_RES_PASS;
	k[0].key_bits = 2048;
	snprintf(k[0].domain, sizeof(k[0].domain), "example.com");
	snprintf(k[0].selector, sizeof(k[0].selector), "s1");
	snprintf(k[0].algorithm, sizeof(k[0].algorithm), "rsa-sha256");
	snprintf(k[0].b_prefix, sizeof(k[0].b_prefix), "Ab+/cd12");
	k[1].result = EMAUTH_RES_FAIL;
	k[1].reason = EMAUTH_DKIM_BODY_HASH;
	snprintf(k[1].domain, sizeof(k[1].domain), "platform.example");
	struct emauth_dmarc_result *d = calloc(1, sizeof(*d));
	d->result = EMAUTH_RES_PASS;
	d->disposition = EMAUTH_DMARC_NONE;
	d->d.policy_tag = "p";
	d->d.record.p = EMAUTH_DMARC_REJECT;
	d->d.record.sp = EMAUTH_DMARC_QUARANTINE;
	snprintf(d->d.domain, sizeof(d->d.domain), "example.com");
	struct emauth_authres_input in = {"mx.receiver.example", "192.0.2.25",
	    &ip, &spf, &helo, k, 2, d, "example.com"};
	char out[4096];
	int n = emauth_authres_format(&in, "\n", out, sizeof(out));
	T_TRUE(n > 0);
	T_EQ_STR(out,
	    "Authentication-Results: mx.receiver.example;\n"
	    "\tiprev=pass (mx.example.com) policy.iprev=192.0.2.25;\n"
	    "\tspf=pass (ip4:192.0.2.0/24) smtp.mailfrom=bounce@example.com;\n"
	    "\tspf=none smtp.helo=mx.example.com;\n"
	    "\tdkim=pass (2048-bit key) header.d=example.com header.s=s1 "
	    "header.a=rsa-sha256 header.b=\"Ab+/cd12\";\n"
	    "\tdkim=fail (body hash mismatch) header.d=platform.example;\n"
	    "\tdmarc=pass (p=reject sp=quarantine dis=none) "
	    "header.from=example.com policy.dmarc=none");
	/* Nothing at all: "none". */
	struct emauth_authres_input none = {
	    "mx.receiver.example", NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL};
	emauth_authres_format(&none, "\r\n", out, sizeof(out));
	T_EQ_STR(out, "Authentication-Results: mx.receiver.example; none");
	/* Unsigned: dkim=none. */
	struct emauth_dkim_result nok;
	struct emauth_authres_input unsigned_in = {
	    "mx.receiver.example", NULL, NULL, NULL, NULL, &nok, 0, NULL, NULL};
	emauth_authres_format(&unsigned_in, "\r\n", out, sizeof(out));
	T_EQ_STR(out, "Authentication-Results: mx.receiver.example;\r\n"
	              "\tdkim=none (no signature)");
	/* A bad authserv-id and a short buffer. */
	struct emauth_authres_input bad = none;
	bad.authserv_id = "mx; dkim=pass";
	T_EQ_INT(
	    emauth_authres_format(&bad, "\n", out, sizeof(out)), EMAUTH_EINVAL);
	T_EQ_INT(emauth_authres_format(&in, "\n", out, 40), EMAUTH_ETOOBIG);
	free(d);
}

static void
test_format_injection(void)
{
	struct emauth_spf_result spf;
	memset(&spf, 0, sizeof(spf));
	spf.result = EMAUTH_RES_FAIL;
	snprintf(spf.sender, sizeof(spf.sender),
	    "\"x;dkim=pass\"@evil.example\r\nX-Bad: 1");
	snprintf(spf.problem, sizeof(spf.problem), "a) dkim=pass (");
	struct emauth_authres_input in = {
	    "mx.receiver.example", NULL, NULL, &spf, NULL, NULL, 0, NULL, NULL};
	char out[2048];
	T_TRUE(emauth_authres_format(&in, "\n", out, sizeof(out)) > 0);
	T_EQ_STR(out,
	    "Authentication-Results: mx.receiver.example;\n"
	    "\tspf=fail (a\\) dkim=pass \\() "
	    "smtp.mailfrom=\"\\\"x;dkim=pass\\\"@evil.example??X-Bad: "
	    "1\"");
	/* Read back, the field has one result, spf=fail. */
	struct emauth_authres_parsed *p = malloc(sizeof(*p));
	const char *v = strchr(out, ':') + 1;
	T_EQ_INT(emauth_authres_parse(ea_span_str(v), p), 0);
	T_TRUE(p->complete);
	T_EQ_INT(p->nresults, 1);
	T_EQ_STR(p->results[0].method, "spf");
	T_EQ_STR(p->results[0].result, "fail");
	free(p);
}

static struct emauth_authres_parsed *
parse(const char *v)
{
	struct emauth_authres_parsed *p = malloc(sizeof(*p));
	T_EQ_INT(emauth_authres_parse(ea_span_str(v), p), 0);
	return p;
}

static void
test_parse_providers(void)
{
	/* Shaped like Gmail's. */
	struct emauth_authres_parsed *p =
	    parse(" mx.google.com;\r\n"
	          "       dkim=pass header.i=@example.com header.s=s1 "
	          "header.b=AbCdEf12;\r\n"
	          "       spf=pass (google.com: domain of bounce@example.com "
	          "designates 192.0.2.25 as permitted sender) "
	          "smtp.mailfrom=bounce@example.com;\r\n"
	          "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) "
	          "header.from=example.com");
	T_TRUE(p->complete && p->has_authserv_id);
	T_EQ_STR(p->authserv_id, "mx.google.com");
	T_EQ_INT(p->nresults, 3);
	T_EQ_STR(p->results[0].method, "dkim");
	T_EQ_STR(p->results[0].props[0].ptype, "header");
	T_EQ_STR(p->results[0].props[0].property, "i");
	T_EQ_STR(p->results[0].props[0].value, "@example.com");
	T_EQ_STR(p->results[1].props[0].value, "bounce@example.com");
	T_EQ_STR(p->results[2].result, "pass");
	free(p);
	/* Without authserv-id (as some providers send). */
	p = parse(
	    "spf=pass (sender IP is 192.0.2.25) "
	    "smtp.mailfrom=example.com; dkim=none (message not signed) "
	    "header.d=none;dmarc=none action=none header.from=example.com;"
	    "compauth=pass reason=100");
	T_TRUE(p->complete && !p->has_authserv_id);
	T_EQ_INT(p->nresults, 4);
	T_EQ_STR(p->results[3].method, "compauth");
	T_EQ_STR(p->results[3].reason, "100");
	free(p);
	/* A version, comments everywhere, a method version, a quoted
	 * value, "none". */
	p = parse("(c) example.net (c) 1 (c); (c) dkim/1 (c) = (c) pass (c) "
	          "header.d (c) = (c) \"example.com\" (c)");
	T_TRUE(p->complete);
	T_EQ_STR(p->authserv_id, "example.net");
	T_EQ_INT(p->nresults, 1);
	T_EQ_STR(p->results[0].method, "dkim");
	T_EQ_STR(p->results[0].props[0].value, "example.com");
	free(p);
	p = parse("example.net; none");
	T_TRUE(p->complete);
	T_EQ_INT(p->nresults, 0);
	free(p);
	p = parse("Example.NET;SPF=Pass smtp.mailfrom=a@b.example");
	T_EQ_STR(p->results[0].method, "spf");
	T_EQ_STR(p->results[0].result, "pass");
	free(p);
}

static void
test_parse_hostile(void)
{
	/* Cannot be read to the end: what was read stays, nothing more,
	 * and no "fail" appears from nowhere. */
	struct emauth_authres_parsed *p =
	    parse("example.net; spf=pass smtp.mailfrom=a@b.example; dkim");
	T_TRUE(!p->complete);
	T_EQ_INT(p->nresults, 1);
	T_EQ_STR(p->results[0].result, "pass");
	free(p);
	p = parse("example.net; dkim=pass header.d=\"unterminated");
	T_TRUE(!p->complete);
	T_EQ_INT(p->nresults, 0);
	free(p);
	p = parse("example.net; /1=pass; dkim=pass");
	T_TRUE(!p->complete);
	T_EQ_INT(p->nresults, 0);
	free(p);
	p = parse("example.net; dkim=pass (unterminated comment");
	T_TRUE(!p->complete);
	free(p);
	p = parse("");
	T_TRUE(!p->complete);
	free(p);
	p = parse("example.net garbage here");
	T_TRUE(!p->complete);
	T_EQ_INT(p->nresults, 0);
	free(p);
	/* Bounded: forty results keep sixteen and say so. */
	char big[4096] = "example.net";
	for (int i = 0; i < 40; i++)
		strcat(big, "; x=pass");
	p = parse(big);
	T_EQ_INT(p->nresults, EMAUTH_AUTHRES_RESULTS_MAX);
	T_TRUE(!p->complete);
	free(p);
	char *huge = malloc(70000);
	memset(huge, 'a', 69999);
	huge[69999] = '\0';
	p = malloc(sizeof(*p));
	T_EQ_INT(emauth_authres_parse(ea_span_str(huge), p), EMAUTH_ETOOBIG);
	free(p);
	free(huge);
}

static void
test_claims(void)
{
	T_TRUE(
	    emauth_authres_claims(ea_span_str(" MX.Receiver.example; spf=pass"),
	        "mx.receiver.example"));
	T_TRUE(emauth_authres_claims(
	    ea_span_str("(forged) mx.receiver.example 1; dkim=pass"),
	    "mx.receiver.example"));
	T_TRUE(!emauth_authres_claims(
	    ea_span_str("mx.receiver.example.evil; spf=pass"),
	    "mx.receiver.example"));
	T_TRUE(!emauth_authres_claims(
	    ea_span_str("spf=pass smtp.mailfrom=mx.receiver.example"),
	    "mx.receiver.example"));
	T_TRUE(!emauth_authres_claims(ea_span_str(""), "mx.receiver.example"));
}

int
main(void)
{
	T_RUN(test_format_all_methods);
	T_RUN(test_format_injection);
	T_RUN(test_parse_providers);
	T_RUN(test_parse_hostile);
	T_RUN(test_claims);
	return t_summary();
}
