/*
 * test_authres.c: Authentication-Results. Generation: every method, the
 * exact text, and values that try to inject a result or a line. Parsing:
 * fields as large providers send them (comments everywhere, no
 * authserv-id, a version, "none", quoted values), bounds, and fields that
 * cannot be read to the end (incomplete, never a result that was not
 * there), or not kept whole (each field at its size and one over). The
 * authserv-id check used to remove forged fields, which fails closed.
 */
#include "common/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/span.h"
#include "harness/t.h"

#include <emauth/arc.h>
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
	    &ip, &spf, &helo, k, 2, d, "example.com", NULL, NULL};
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
	struct emauth_authres_input none = {"mx.receiver.example", NULL, NULL,
	    NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL};
	emauth_authres_format(&none, "\r\n", out, sizeof(out));
	T_EQ_STR(out, "Authentication-Results: mx.receiver.example; none");
	/* Unsigned: dkim=none. */
	struct emauth_dkim_result nok;
	struct emauth_authres_input unsigned_in = {"mx.receiver.example", NULL,
	    NULL, NULL, NULL, &nok, 0, NULL, NULL, NULL, NULL};
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
	struct emauth_authres_input in = {"mx.receiver.example", NULL, NULL,
	    &spf, NULL, NULL, 0, NULL, NULL, NULL, NULL};
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
	/* Bounded: forty results keep thirty-two and say so. */
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

/* "PREFIX" + @n times @c + "SUFFIX", in a new string. */
static char *
repeat(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t a = strlen(prefix), b = strlen(suffix);
	char *s = malloc(a + n + b + 1);
	memcpy(s, prefix, a);
	memset(s + a, c, n);
	memcpy(s + a + n, suffix, b + 1);
	return s;
}

/* parse() of a string made by repeat(), which it frees. */
static struct emauth_authres_parsed *
parse_owned(char *v)
{
	struct emauth_authres_parsed *p = parse(v);
	free(v);
	return p;
}

/*
 * Issue A16: nothing is cut. At each field's size the parse is whole; one
 * byte (or one property) more stops it, with a problem, and the result
 * that held it is dropped, never reported cut.
 */
static void
test_parse_caps_at_and_over(void)
{
	size_t vmax = sizeof(((struct emauth_authres_prop *)0)->value) - 1;
	/* A value (token and quoted string): at the cap, then one over. */
	struct emauth_authres_parsed *p = parse_owned(repeat(
	    "example.net; spf=pass smtp.mailfrom=", 'v', vmax, "; dkim=pass"));
	T_TRUE(p->complete);
	T_EQ_INT(p->nresults, 2);
	T_EQ_INT(strlen(p->results[0].props[0].value), vmax);
	free(p);
	p = parse_owned(
	    repeat("example.net; dkim=pass; spf=pass smtp.mailfrom=", 'v',
	        vmax + 1, "; dmarc=pass"));
	T_TRUE(!p->complete);
	T_EQ_INT(p->nresults, 1);
	T_EQ_STR(p->results[0].method, "dkim");
	T_EQ_STR(p->problem, "a value longer than 1023 bytes");
	free(p);
	p = parse_owned(repeat(
	    "example.net; spf=pass smtp.mailfrom=\"", 'q', vmax + 1, "\""));
	T_TRUE(!p->complete);
	T_EQ_INT(p->nresults, 0);
	T_EQ_STR(p->problem, "a value longer than 1023 bytes");
	free(p);
	/* Six properties, then seven. */
	static const char six[] =
	    "example.net; dkim=pass header.d=a header.s=b header.a=c "
	    "header.b=d header.i=e header.x=f";
	p = parse(six);
	T_TRUE(p->complete);
	T_EQ_INT(p->nresults, 1);
	T_EQ_INT(p->results[0].nprops, EMAUTH_AUTHRES_PROPS_MAX);
	T_EQ_STR(p->results[0].props[5].value, "f");
	free(p);
	p = parse_owned(repeat(six, ' ', 1, "header.y=g; dmarc=pass"));
	T_TRUE(!p->complete);
	T_EQ_INT(p->nresults, 0);
	T_EQ_STR(p->problem, "more than 6 properties in a result");
	free(p);
	/* The reason (191 bytes), the method (31), ptype (15) and property
	 * (31) names, the authserv-id (255). */
	p = parse_owned(repeat("x; spf=pass reason=", 'r', 191, ""));
	T_TRUE(p->complete);
	T_EQ_INT(strlen(p->results[0].reason), 191);
	free(p);
	p = parse_owned(repeat("x; spf=pass reason=", 'r', 192, ""));
	T_TRUE(!p->complete);
	T_EQ_INT(p->nresults, 0);
	free(p);
	p = parse_owned(repeat("x; ", 'm', 31, "=pass"));
	T_TRUE(p->complete);
	T_EQ_INT(strlen(p->results[0].method), 31);
	free(p);
	p = parse_owned(repeat("x; ", 'm', 32, "=pass"));
	T_TRUE(!p->complete);
	T_EQ_INT(p->nresults, 0);
	T_EQ_STR(p->problem, "a method name longer than 31 bytes");
	free(p);
	p = parse_owned(repeat("x; spf=pass ", 't', 15, ".p=v"));
	T_TRUE(p->complete);
	free(p);
	p = parse_owned(repeat("x; spf=pass ", 't', 16, ".p=v"));
	T_TRUE(!p->complete);
	T_EQ_INT(p->nresults, 0);
	free(p);
	p = parse_owned(repeat("x; spf=pass smtp.", 'p', 31, "=v"));
	T_TRUE(p->complete);
	T_EQ_INT(strlen(p->results[0].props[0].property), 31);
	free(p);
	p = parse_owned(repeat("x; spf=pass smtp.", 'p', 32, "=v"));
	T_TRUE(!p->complete);
	free(p);
	p = parse_owned(repeat("", 'h', 255, "; spf=pass"));
	T_TRUE(p->complete);
	T_EQ_INT(strlen(p->authserv_id), 255);
	free(p);
	p = parse_owned(repeat("", 'h', 256, "; spf=pass"));
	T_TRUE(!p->complete);
	T_EQ_INT(p->nresults, 0);
	T_EQ_STR(p->problem, "a value longer than 255 bytes");
	free(p);
}

/* What emauth_authres_format() writes reads back whole: an SPF sender of
 * 250 + 1 + 253 bytes and 253-byte DKIM d= and s= (a 191-byte value cap
 * used to cut them). */
static void
test_format_long_values_read_back_whole(void)
{
	struct emauth_spf_result spf;
	struct emauth_dkim_result k;
	memset(&spf, 0, sizeof(spf));
	memset(&k, 0, sizeof(k));
	char dom[254];
	for (size_t i = 0; i < 253; i++)
		dom[i] = i % 64 == 63 ? '.' : 'd';
	dom[253] = '\0';
	spf.result = EMAUTH_RES_PASS;
	char *sender = repeat("", 's', 250, "@");
	snprintf(spf.sender, sizeof(spf.sender), "%s%s", sender, dom);
	free(sender);
	snprintf(spf.domain, sizeof(spf.domain), "%s", dom);
	k.result = EMAUTH_RES_FAIL;
	snprintf(k.domain, sizeof(k.domain), "%s", dom);
	snprintf(k.selector, sizeof(k.selector), "%s", dom);
	struct emauth_authres_input in = {"mx.receiver.example", NULL, NULL,
	    &spf, NULL, &k, 1, NULL, NULL, NULL, NULL};
	char *out = malloc(EMAUTH_AUTHRES_MAX + 1);
	T_TRUE(
	    emauth_authres_format(&in, "\n", out, EMAUTH_AUTHRES_MAX + 1) > 0);
	struct emauth_authres_parsed *p = parse(strchr(out, ':') + 1);
	T_TRUE(p->complete);
	T_EQ_INT(p->nresults, 2);
	T_EQ_STR(p->results[0].props[0].value, spf.sender);
	T_EQ_STR(p->results[1].props[0].value, dom);
	T_EQ_STR(p->results[1].props[1].value, dom);
	free(p);
	free(out);
}

/*
 * Issue A3: a field whose authserv-id cannot be read counts as claiming
 * ours (fail closed): comments nested one deeper than the parser's 8 or
 * unterminated, an unterminated quoted string, an id over 255 bytes. A
 * reader without our bounds could still read it as ours.
 */
static void
test_claims_fail_closed(void)
{
	const char *id = "mx.receiver.example";
	T_TRUE(emauth_authres_claims(
	    ea_span_str("((((((((x)))))))) mx.receiver.example; dmarc=pass"),
	    id));
	T_TRUE(emauth_authres_claims(
	    ea_span_str("(((((((((x))))))))) mx.receiver.example; dmarc=pass"),
	    id));
	T_TRUE(emauth_authres_claims(
	    ea_span_str("(((((((((x))))))))) other.example; dmarc=pass"), id));
	T_TRUE(emauth_authres_claims(
	    ea_span_str("(forged mx.receiver.example; dmarc=pass"), id));
	T_TRUE(emauth_authres_claims(
	    ea_span_str("\"mx.receiver.example; dmarc=pass"), id));
	char *longid = repeat("", 'h', 256, "; dmarc=pass");
	T_TRUE(emauth_authres_claims(ea_span_str(longid), id));
	free(longid);
	/* Read: another receiver's id, whatever follows it, is kept. */
	T_TRUE(!emauth_authres_claims(
	    ea_span_str("other.example (((((((((x))))))))); dmarc=pass"), id));
	T_TRUE(!emauth_authres_claims(ea_span_str("  (just a comment) "), id));
}

/* The exact edges: EMAUTH_AUTHRES_RESULTS_MAX results parse whole and one
 * more is incomplete; a 65,536-byte value is parsed and 65,537 bytes are
 * ETOOBIG; format writes at most EMAUTH_AUTHRES_RESULTS_MAX results (one
 * more is ETOOBIG, so all it writes reads back), and the largest field it
 * can then write is under EMAUTH_AUTHRES_MAX. */
static void
test_exact_edges(void)
{
	for (int n = EMAUTH_AUTHRES_RESULTS_MAX;
	     n <= EMAUTH_AUTHRES_RESULTS_MAX + 1; n++) {
		char big[4096] = "example.net";
		for (int i = 0; i < n; i++)
			strcat(big, "; x=pass");
		struct emauth_authres_parsed *p = parse(big);
		T_EQ_INT(p->nresults, EMAUTH_AUTHRES_RESULTS_MAX);
		T_EQ_INT(p->complete, n == EMAUTH_AUTHRES_RESULTS_MAX);
		free(p);
	}
	for (size_t len = 65536; len <= 65537; len++) {
		char *v = repeat("x; spf=pass (", 'c', len - 14, ")");
		T_EQ_INT(strlen(v), len);
		struct emauth_authres_parsed *p = malloc(sizeof(*p));
		int rc = emauth_authres_parse(ea_span_str(v), p);
		T_EQ_INT(rc, len == 65536 ? 0 : EMAUTH_ETOOBIG);
		if (rc == 0) {
			T_TRUE(p->complete);
			T_EQ_INT(p->nresults, 1);
		}
		free(p);
		free(v);
	}
	/* Iprev, two SPF, DMARC and 28 DKIM results: 32. Every value as
	 * long as its field allows, of characters that must be quoted. */
	struct emauth_iprev_result ip;
	struct emauth_spf_result spf;
	struct emauth_dmarc_result dm;
	struct emauth_dkim_result *k = calloc(29, sizeof(*k));
	memset(&ip, 0, sizeof(ip));
	memset(&spf, 0, sizeof(spf));
	memset(&dm, 0, sizeof(dm));
	ip.result = EMAUTH_RES_FAIL;
	memset(ip.name, '"', sizeof(ip.name) - 1);
	spf.result = EMAUTH_RES_FAIL;
	memset(spf.sender, '"', sizeof(spf.sender) - 1);
	memset(spf.domain, '"', sizeof(spf.domain) - 1);
	memset(spf.mechanism, '"', sizeof(spf.mechanism) - 1);
	dm.result = EMAUTH_RES_FAIL;
	memset(dm.d.domain, '"', sizeof(dm.d.domain) - 1);
	for (int i = 0; i < 29; i++) {
		k[i].result = EMAUTH_RES_FAIL;
		memset(k[i].domain, '"', sizeof(k[i].domain) - 1);
		memset(k[i].selector, '"', sizeof(k[i].selector) - 1);
		memset(k[i].algorithm, '"', sizeof(k[i].algorithm) - 1);
		memset(k[i].b_prefix, '"', sizeof(k[i].b_prefix) - 1);
	}
	char *out = malloc(EMAUTH_AUTHRES_MAX + 1);
	struct emauth_authres_input in = {"mx.receiver.example", "192.0.2.1",
	    &ip, &spf, &spf, k, 28, &dm, NULL, NULL, NULL};
	int len =
	    emauth_authres_format(&in, "\r\n", out, EMAUTH_AUTHRES_MAX + 1);
	T_TRUE(len > 0 && len < EMAUTH_AUTHRES_MAX);
	if (len > 0) {
		struct emauth_authres_parsed *p = parse(strchr(out, ':') + 1);
		T_EQ_INT(p->nresults, EMAUTH_AUTHRES_RESULTS_MAX);
		free(p);
	}
	/* A From problem: dmarc=permerror in place of the DMARC result,
	 * still within the results cap. */
	in.dmarc_problem = "the From field has too many addresses";
	len = emauth_authres_format(&in, "\r\n", out, EMAUTH_AUTHRES_MAX + 1);
	T_TRUE(len > 0);
	if (len > 0) {
		struct emauth_authres_parsed *p = parse(strchr(out, ':') + 1);
		T_TRUE(p->complete);
		T_EQ_STR(p->results[31].method, "dmarc");
		T_EQ_STR(p->results[31].result, "permerror");
		T_EQ_STR(p->results[31].reason, "");
		free(p);
		T_TRUE(
		    strstr(out, "dmarc=permerror (the From field has too many "
		                "addresses)") != NULL);
	}
	in.dmarc_problem = NULL;
	in.ndkim = 29;
	T_EQ_INT(
	    emauth_authres_format(&in, "\r\n", out, EMAUTH_AUTHRES_MAX + 1),
	    EMAUTH_ETOOBIG);
	free(out);
	free(k);
}

/* arc= (RFC 8617 §7.2): the chain's status with smtp.remote-ip and, on
 * pass, header.oldest-pass; a reason from the chain is a comment and
 * cannot break out of it. */
static void
test_format_arc(void)
{
	struct emauth_arc_result *a = calloc(1, sizeof(*a));
	char out[4096];
	struct emauth_authres_input in = {"mx.receiver.example", "192.0.2.1",
	    NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, a};
	a->cv = EMAUTH_ARC_PASS;
	a->instances = 3;
	a->oldest_pass = 2;
	snprintf(a->reason, sizeof(a->reason), "3 ARC sets verified");
	int len = emauth_authres_format(&in, "\r\n", out, sizeof(out));
	T_TRUE(len > 0);
	T_TRUE(strstr(out,
	           "arc=pass (3 ARC sets verified) "
	           "smtp.remote-ip=192.0.2.1 header.oldest-pass=2") != NULL);
	struct emauth_authres_parsed *p = parse(strchr(out, ':') + 1);
	T_TRUE(p->complete);
	T_EQ_INT(p->nresults, 1);
	T_EQ_STR(p->results[0].method, "arc");
	T_EQ_STR(p->results[0].result, "pass");
	free(p);
	/* All AMS verified: no header.oldest-pass. */
	a->oldest_pass = 0;
	emauth_authres_format(&in, "\r\n", out, sizeof(out));
	T_TRUE(strstr(out, "oldest-pass") == NULL);
	a->cv = EMAUTH_ARC_FAIL;
	snprintf(a->reason, sizeof(a->reason), "i=2: x) dkim=pass (y");
	len = emauth_authres_format(&in, "\r\n", out, sizeof(out));
	p = parse(strchr(out, ':') + 1);
	T_TRUE(p->complete);
	T_EQ_INT(p->nresults, 1);
	T_EQ_STR(p->results[0].result, "fail");
	free(p);
	/* No ARC sets: no arc= at all. */
	a->cv = EMAUTH_ARC_NONE;
	emauth_authres_format(&in, "\r\n", out, sizeof(out));
	T_TRUE(strstr(out, "arc=") == NULL);
	T_EQ_STR(out, "Authentication-Results: mx.receiver.example; none");
	free(a);
}

int
main(void)
{
	T_RUN(test_format_all_methods);
	T_RUN(test_format_arc);
	T_RUN(test_format_injection);
	T_RUN(test_parse_providers);
	T_RUN(test_parse_hostile);
	T_RUN(test_claims);
	T_RUN(test_parse_caps_at_and_over);
	T_RUN(test_format_long_values_read_back_whole);
	T_RUN(test_claims_fail_closed);
	T_RUN(test_exact_edges);
	return t_summary();
}
