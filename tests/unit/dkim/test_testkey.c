/*
 * test_testkey.c: emauth_dkim_testkey, a private key against the record
 * published for it, on the fake DNS back end: RSA and Ed25519 records that
 * match; another key; k= of the other algorithm; s= without email; h=
 * without sha256; t=s and t=y (noted, not problems); a revoked key; no
 * record; SERVFAIL and timeout; records at and over the size cap; records
 * that do not parse; several records; a CNAME; bad arguments.
 */
#include "common/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/ctx.h"
#include "common/limits.h"
#include "common/span.h"
#include "dns/fake.h"
#include "harness/t.h"

#include <emauth/dkim.h>

static struct emauth_dkim_key *rsa, *rsa1024, *ed, *ed_other;

/* Publishes @text as one TXT record at @name, in strings of 255 bytes. */
static void
publish(struct ea_store *s, const char *name, const char *text, size_t len)
{
	static struct emauth_span parts[256];
	size_t n = 0;
	for (size_t o = 0; o < len; o += 255)
		parts[n++] =
		    ea_span(text + o, len - o > 255 ? 255 : (size_t)(len - o));
	T_EQ_INT(ea_dns_fake_txt(s, name, parts, n), 0);
}

/* The record of @k with @tags ("s=tlsrpt; ") put after "v=DKIM1; ". */
static void
record_with(
    const struct emauth_dkim_key *k, const char *tags, char *out, size_t size)
{
	char rec[4096];
	int len = emauth_dkim_key_record(k, 0, rec, sizeof(rec));
	T_TRUE(len > 9);
	T_TRUE(memcmp(rec, "v=DKIM1; ", 9) == 0);
	snprintf(out, size, "v=DKIM1; %s%s", tags, rec + 9);
}

static void
publish_key(struct ea_store *s, const char *name,
    const struct emauth_dkim_key *k, const char *tags)
{
	char rec[4200];
	record_with(k, tags, rec, sizeof(rec));
	publish(s, name, rec, strlen(rec));
}

static struct emauth_ctx *
make_ctx(struct ea_store **store)
{
	struct emauth_ctx *ctx;
	struct ea_resolver r;
	T_EQ_INT(emauth_ctx_new(&ctx), 0);
	T_EQ_INT(ea_dns_fake_new(&r, store), 0);
	ea_ctx_set_resolver(ctx, &r);
	return ctx;
}

/* Tests @k against the record @tags + @pub's key at sel._domainkey. */
static void
run(const struct emauth_dkim_key *k, const struct emauth_dkim_key *pub,
    const char *tags, struct emauth_dkim_testkey_result *out)
{
	struct ea_store *s;
	struct emauth_ctx *ctx = make_ctx(&s);
	publish_key(s, "sel._domainkey.example.com", pub, tags);
	T_EQ_INT(emauth_dkim_testkey(ctx, "sel", "example.com", k, out), 0);
	T_TRUE(out->detail[0] != '\0');
	emauth_ctx_free(ctx);
}

static void
test_match_rsa(void)
{
	struct emauth_dkim_testkey_result r;
	run(rsa, rsa, "", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
	T_EQ_INT(r.problems, 0);
	T_EQ_STR(r.name, "sel._domainkey.example.com");
	T_EQ_STR(r.key_type, "rsa");
	T_EQ_INT(r.key_bits, 2048);
	T_EQ_STR(r.record_type, "rsa");
	T_EQ_INT(r.record_bits, 2048);
	T_EQ_INT(r.records, 1);
	T_EQ_INT(r.testing, 0);
	T_EQ_INT(r.strict, 0);
	T_TRUE(strstr(r.detail, "publishes this key's public half") != NULL);
	T_TRUE(strstr(r.detail, "Gmail") == NULL);
	/* k= may be left out: rsa is the default (RFC 6376 §3.6.1). */
	struct ea_store *s;
	struct emauth_ctx *ctx = make_ctx(&s);
	char rec[4200];
	record_with(rsa, "", rec, sizeof(rec));
	char *p = strstr(rec, "k=rsa; ");
	T_TRUE(p != NULL);
	memmove(p, p + 7, strlen(p + 7) + 1);
	publish(s, "sel._domainkey.example.com", rec, strlen(rec));
	T_EQ_INT(emauth_dkim_testkey(ctx, "sel", "example.com", rsa, &r), 0);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
	T_EQ_STR(r.record_type, "rsa");
	emauth_ctx_free(ctx);
}

/* A 1024-bit RSA key matches, with a note that 2048 is expected. */
static void
test_match_rsa_1024(void)
{
	struct emauth_dkim_testkey_result r;
	run(rsa1024, rsa1024, "", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
	T_EQ_INT(r.key_bits, 1024);
	T_TRUE(strstr(r.detail, "expect 2048 bits") != NULL);
}

static void
test_match_ed25519(void)
{
	struct emauth_dkim_testkey_result r;
	run(ed, ed, "", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
	T_EQ_INT(r.problems, 0);
	T_EQ_STR(r.key_type, "ed25519");
	T_EQ_STR(r.record_type, "ed25519");
	T_EQ_INT(r.record_bits, 256);
}

static void
test_other_key(void)
{
	struct emauth_dkim_testkey_result r;
	run(rsa, rsa1024, "", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MISMATCH);
	T_EQ_INT(r.problems, EMAUTH_DKIM_TESTKEY_OTHER_KEY);
	T_EQ_INT(r.record_bits, 1024);
	T_TRUE(strstr(r.detail, "another key") != NULL);
	run(ed, ed_other, "", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MISMATCH);
	T_EQ_INT(r.problems, EMAUTH_DKIM_TESTKEY_OTHER_KEY);
	/* A 512-bit RSA key as a PKCS#1 RSAPublicKey p= (the form RFC 6376
	 * §3.6.1 names): refused as too short, and not this key. */
	struct ea_store *s;
	struct emauth_ctx *ctx = make_ctx(&s);
	static const char short_rec[] =
	    "v=DKIM1; k=rsa; p=MEgCQQCf6ABnN9C2dmnsSD1a+Qw2KbPLrzqlMb9zJ0185uB"
	    "ClapIMka/GGeo3yRM3BI1WUmzjWzO/qCUwgsOrNUgeoPvAgMBAAE=";
	publish(
	    s, "sel._domainkey.example.com", short_rec, sizeof(short_rec) - 1);
	T_EQ_INT(emauth_dkim_testkey(ctx, "sel", "example.com", rsa, &r), 0);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MISMATCH);
	T_EQ_INT(r.problems, EMAUTH_DKIM_TESTKEY_OTHER_KEY);
	T_EQ_INT(r.record_bits, 512);
	T_TRUE(strstr(r.detail, "RSA key of 512 bits (under 1024") != NULL);
	emauth_ctx_free(ctx);
}

/* k= of the other algorithm: an Ed25519 record for an RSA key and the
 * other way round; k=ed25519 over an RSA p= says k= too. */
static void
test_key_type(void)
{
	struct emauth_dkim_testkey_result r;
	run(rsa, ed, "", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MISMATCH);
	T_EQ_INT(r.problems, EMAUTH_DKIM_TESTKEY_KEY_TYPE);
	T_EQ_STR(r.record_type, "ed25519");
	T_TRUE(strstr(r.detail, "k=ed25519, the private key is rsa") != NULL);
	run(ed, rsa, "", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MISMATCH);
	T_EQ_INT(r.problems, EMAUTH_DKIM_TESTKEY_KEY_TYPE);

	struct ea_store *s;
	struct emauth_ctx *ctx = make_ctx(&s);
	char rec[4200];
	record_with(rsa, "", rec, sizeof(rec));
	char *p = strstr(rec, "k=rsa");
	T_TRUE(p != NULL);
	char fixed[4300];
	snprintf(fixed, sizeof(fixed), "%.*sk=ed25519%s", (int)(p - rec), rec,
	    p + 5);
	publish(s, "sel._domainkey.example.com", fixed, strlen(fixed));
	T_EQ_INT(emauth_dkim_testkey(ctx, "sel", "example.com", rsa, &r), 0);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MISMATCH);
	T_EQ_INT(r.problems, EMAUTH_DKIM_TESTKEY_KEY_TYPE);
	emauth_ctx_free(ctx);
}

/* s= must cover email: "tlsrpt" alone does not; "email", "*" and a list
 * holding either do. The key is still compared. */
static void
test_service(void)
{
	struct emauth_dkim_testkey_result r;
	run(rsa, rsa, "s=tlsrpt; ", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MISMATCH);
	T_EQ_INT(r.problems, EMAUTH_DKIM_TESTKEY_SERVICE);
	T_TRUE(strstr(r.detail, "s=tlsrpt does not allow email") != NULL);
	T_EQ_STR(r.record_type, "rsa");
	run(rsa, rsa1024, "s=tlsrpt; t=y; ", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MISMATCH);
	T_EQ_INT(r.problems,
	    EMAUTH_DKIM_TESTKEY_SERVICE | EMAUTH_DKIM_TESTKEY_OTHER_KEY);
	T_EQ_INT(r.testing, 1);
	run(ed, ed, "s=tlsrpt; ", &r);
	T_EQ_INT(r.problems, EMAUTH_DKIM_TESTKEY_SERVICE);
	static const char *const ok[] = {
	    "s=email; ", "s=*; ", "s=tlsrpt:email; ", "s= tlsrpt : * ; "};
	for (size_t i = 0; i < 4; i++) {
		run(rsa, rsa, ok[i], &r);
		T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
		T_EQ_INT(r.problems, 0);
	}
}

/* h= must list sha256 (every signature emauth makes uses it). */
static void
test_hash(void)
{
	struct emauth_dkim_testkey_result r;
	run(rsa, rsa, "h=sha1; ", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MISMATCH);
	T_EQ_INT(r.problems, EMAUTH_DKIM_TESTKEY_HASH);
	T_TRUE(strstr(r.detail, "h=sha1 does not list sha256") != NULL);
	run(rsa, rsa1024, "h=sha1; ", &r);
	T_EQ_INT(r.problems,
	    EMAUTH_DKIM_TESTKEY_HASH | EMAUTH_DKIM_TESTKEY_OTHER_KEY);
	run(rsa, rsa, "h=sha1:sha256; ", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
	run(ed, ed, "h=sha256; ", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
}

/* t=s and t=y are noted; the key still matches. */
static void
test_flags(void)
{
	struct emauth_dkim_testkey_result r;
	run(rsa, rsa, "t=s; ", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
	T_EQ_INT(r.strict, 1);
	T_EQ_INT(r.testing, 0);
	T_TRUE(strstr(r.detail, "t=s: signatures whose i= is in a subdomain "
	                        "of example.com fail") != NULL);
	run(ed, ed, "t=y; ", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
	T_EQ_INT(r.testing, 1);
	T_EQ_INT(r.strict, 0);
	T_TRUE(strstr(r.detail, "t=y") != NULL);
	run(rsa, rsa, "t=y:s; ", &r);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
	T_EQ_INT(r.testing, 1);
	T_EQ_INT(r.strict, 1);
}

static void
test_revoked(void)
{
	static const char *const recs[] = {
	    "v=DKIM1; k=rsa; p=", "v=DKIM1; k=ed25519; p= ", "p="};
	for (size_t i = 0; i < 3; i++) {
		struct emauth_dkim_testkey_result r;
		struct ea_store *s;
		struct emauth_ctx *ctx = make_ctx(&s);
		publish(
		    s, "sel._domainkey.example.com", recs[i], strlen(recs[i]));
		T_EQ_INT(
		    emauth_dkim_testkey(ctx, "sel", "example.com", rsa, &r), 0);
		T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MISMATCH);
		T_EQ_INT(r.problems, EMAUTH_DKIM_TESTKEY_REVOKED);
		T_TRUE(strstr(r.detail, "revoked") != NULL);
		emauth_ctx_free(ctx);
	}
}

/* No TXT record: the name does not exist, or holds other types only. */
static void
test_no_record(void)
{
	struct emauth_dkim_testkey_result r;
	struct ea_store *s;
	struct emauth_ctx *ctx = make_ctx(&s);
	T_EQ_INT(
	    ea_dns_fake_addr(s, "a._domainkey.example.com", "192.0.2.1"), 0);
	T_EQ_INT(emauth_dkim_testkey(ctx, "sel", "example.com", rsa, &r), 0);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_NO_RECORD);
	T_EQ_INT(r.problems, 0);
	T_EQ_INT(r.records, 0);
	T_TRUE(strstr(r.detail,
	           "no TXT record at sel._domainkey.example.com") != NULL);
	T_EQ_INT(emauth_dkim_testkey(ctx, "a", "example.com", rsa, &r), 0);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_NO_RECORD);
	emauth_ctx_free(ctx);
}

/* A SERVFAIL or a timeout is a DNS error, never "no record". */
static void
test_dns_error(void)
{
	static const enum ea_store_fail how[] = {
	    EA_STORE_SERVFAIL, EA_STORE_TIMEOUT, EA_STORE_REFUSED};
	for (size_t i = 0; i < 3; i++) {
		struct emauth_dkim_testkey_result r;
		struct ea_store *s;
		struct emauth_ctx *ctx = make_ctx(&s);
		publish_key(s, "sel._domainkey.example.com", rsa, "");
		T_EQ_INT(
		    ea_store_fail(s, ea_span_str("sel._domainkey.example.com"),
		        EA_DNS_T_TXT, how[i]),
		    0);
		T_EQ_INT(
		    emauth_dkim_testkey(ctx, "sel", "example.com", rsa, &r), 0);
		T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_DNS_ERROR);
		T_TRUE(strstr(r.detail, "DNS temporary failure") != NULL);
		emauth_ctx_free(ctx);
	}
}

/* A record of EA_DKIM_KEY_RECORD_MAX bytes is read; one byte more is a
 * record error, never read in part. */
static void
test_record_size_cap(void)
{
	char rec[4200];
	record_with(ed, "", rec, sizeof(rec));
	size_t blen = strlen(rec);
	char *text = malloc(EA_DKIM_KEY_RECORD_MAX + 2);
	memcpy(text, rec, blen);
	memcpy(text + blen, "; x=", 4);
	memset(text + blen + 4, 'a', EA_DKIM_KEY_RECORD_MAX + 1 - blen - 4);
	for (size_t len = EA_DKIM_KEY_RECORD_MAX;
	     len <= EA_DKIM_KEY_RECORD_MAX + 1; len++) {
		struct emauth_dkim_testkey_result r;
		struct ea_store *s;
		struct emauth_ctx *ctx = make_ctx(&s);
		publish(s, "sel._domainkey.example.com", text, len);
		T_EQ_INT(
		    emauth_dkim_testkey(ctx, "sel", "example.com", ed, &r), 0);
		if (len == EA_DKIM_KEY_RECORD_MAX) {
			T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
		} else {
			T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_RECORD_ERROR);
			T_EQ_INT(r.problems, 0);
			T_TRUE(strstr(r.detail, "longer than 16384") != NULL);
			T_EQ_STR(r.record_type, "");
		}
		emauth_ctx_free(ctx);
	}
	free(text);
}

/* Records that are not usable key records. */
static void
test_record_errors(void)
{
	static const struct {
		const char *rec, *why;
	} cases[] = {
	    {"hello world", "syntax"},
	    {"v=DKIM2; k=rsa; p=AAAA", "v= is not DKIM1"},
	    {"k=rsa; v=DKIM1; p=AAAA", "v= is not DKIM1"},
	    {"v=DKIM1; k=dsa; p=AAAA", "unknown key type"},
	    {"v=DKIM1; k=rsa", "no p= tag"},
	    {"v=DKIM1; k=rsa; p=!!!!", "not valid base64"},
	    {"v=DKIM1; k=rsa; p=AAAAAAAA", "not an RSA key"},
	    {"v=DKIM1; k=rsa; k=rsa; p=AAAA", "syntax"},
	};
	for (size_t i = 0; i < EA_ARRAY_LEN(cases); i++) {
		struct emauth_dkim_testkey_result r;
		struct ea_store *s;
		struct emauth_ctx *ctx = make_ctx(&s);
		publish(s, "sel._domainkey.example.com", cases[i].rec,
		    strlen(cases[i].rec));
		T_EQ_INT(
		    emauth_dkim_testkey(ctx, "sel", "example.com", rsa, &r), 0);
		if (r.status != EMAUTH_DKIM_TESTKEY_RECORD_ERROR ||
		    strstr(r.detail, cases[i].why) == NULL)
			T_FAILF("%s: status %d, \"%s\"", cases[i].rec,
			    (int)r.status, r.detail);
		emauth_ctx_free(ctx);
	}
}

/* Several records: the first usable one is checked (the verifier's
 * choice), and the count is noted. */
static void
test_several_records(void)
{
	struct emauth_dkim_testkey_result r;
	struct ea_store *s;
	struct emauth_ctx *ctx = make_ctx(&s);
	publish(s, "sel._domainkey.example.com", "v=DKIM1; p=", 11);
	publish_key(s, "sel._domainkey.example.com", rsa, "");
	T_EQ_INT(emauth_dkim_testkey(ctx, "sel", "example.com", rsa, &r), 0);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
	T_EQ_INT(r.records, 2);
	T_TRUE(strstr(r.detail, "2 TXT records at the selector") != NULL);
	publish_key(s, "other._domainkey.example.com", rsa1024, "");
	publish_key(s, "other._domainkey.example.com", rsa, "");
	T_EQ_INT(emauth_dkim_testkey(ctx, "other", "example.com", rsa, &r), 0);
	T_EQ_INT(r.records, 2);
	/* Both are usable: the first in the answer is the one used. */
	T_TRUE(r.status == EMAUTH_DKIM_TESTKEY_MATCH ||
	       r.problems == EMAUTH_DKIM_TESTKEY_OTHER_KEY);
	emauth_ctx_free(ctx);
}

/* A delegated selector: the CNAME is followed and its target reported. */
static void
test_cname(void)
{
	struct emauth_dkim_testkey_result r;
	struct ea_store *s;
	struct emauth_ctx *ctx = make_ctx(&s);
	publish_key(s, "s1.dkim.platform.example", ed, "");
	T_EQ_INT(ea_dns_fake_name(s, "s1._domainkey.customer.example",
	             EA_DNS_T_CNAME, "s1.dkim.platform.example"),
	    0);
	T_EQ_INT(emauth_dkim_testkey(ctx, "s1", "customer.example", ed, &r), 0);
	T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MATCH);
	T_EQ_STR(r.target, "s1.dkim.platform.example");
	emauth_ctx_free(ctx);
}

static void
test_bad_args(void)
{
	struct emauth_dkim_testkey_result r;
	struct ea_store *s;
	struct emauth_ctx *ctx = make_ctx(&s);
	T_EQ_INT(emauth_dkim_testkey(ctx, NULL, "example.com", rsa, &r),
	    EMAUTH_EINVAL);
	T_EQ_INT(emauth_dkim_testkey(ctx, "sel", "", rsa, &r), EMAUTH_EINVAL);
	T_EQ_INT(emauth_dkim_testkey(ctx, "sel", "example.com", NULL, &r),
	    EMAUTH_EINVAL);
	T_EQ_INT(emauth_dkim_testkey(ctx, "sel", "example.com", rsa, NULL),
	    EMAUTH_EINVAL);
	/* "._domainkey.example.com" is 23 characters: 253 in all is asked,
	 * 254 refused. */
	char sel[240];
	for (size_t len = 253 - 23; len <= 254 - 23; len++) {
		memset(sel, 'k', len);
		for (size_t i = 63; i < len; i += 64)
			sel[i] = '.';
		sel[len] = '\0';
		int rc = emauth_dkim_testkey(ctx, sel, "example.com", rsa, &r);
		if (len + 23 == 253) {
			T_EQ_INT(rc, 0);
			T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_NO_RECORD);
		} else {
			T_EQ_INT(rc, EMAUTH_EINVAL);
		}
	}
	emauth_ctx_free(ctx);
}

static void
test_allocation_failures(void)
{
	/* Fail each allocation in turn (an s= record: the record is read a
	 * second time without it): the call returns 0 with a result or
	 * EMAUTH_ENOMEM, and never crashes or leaks (ASan checks). */
	for (size_t n = 1; n < 200; n++) {
		struct emauth_dkim_testkey_result r;
		struct ea_store *s;
		struct emauth_ctx *ctx = make_ctx(&s);
		publish_key(s, "sel._domainkey.example.com", rsa, "s=tlsrpt; ");
		ea_alloc_fail_at(n, true);
		int rc =
		    emauth_dkim_testkey(ctx, "sel", "example.com", rsa, &r);
		size_t made = ea_alloc_fail_at(0, false);
		emauth_ctx_free(ctx);
		if (rc != 0 && rc != EMAUTH_ENOMEM)
			T_FAILF("allocation %zu: status %d", n, rc);
		if (made < n) {
			/* Ran to the end with no failure injected. */
			T_EQ_INT(rc, 0);
			T_EQ_INT(r.status, EMAUTH_DKIM_TESTKEY_MISMATCH);
			T_EQ_INT(r.problems, EMAUTH_DKIM_TESTKEY_SERVICE);
			return;
		}
		if (rc == 0 && r.status != EMAUTH_DKIM_TESTKEY_DNS_ERROR &&
		    r.problems != EMAUTH_DKIM_TESTKEY_SERVICE)
			T_FAILF("allocation %zu: status %d, problems %u (%s)",
			    n, (int)r.status, r.problems, r.detail);
	}
	T_FAILF("more than 200 allocations for one test");
}

int
main(void)
{
	if (emauth_dkim_key_generate(EMAUTH_DKIM_RSA_SHA256, 2048, &rsa) != 0 ||
	    emauth_dkim_key_generate(EMAUTH_DKIM_RSA_SHA256, 1024, &rsa1024) !=
	        0 ||
	    emauth_dkim_key_generate(EMAUTH_DKIM_ED25519_SHA256, 0, &ed) != 0 ||
	    emauth_dkim_key_generate(
	        EMAUTH_DKIM_ED25519_SHA256, 0, &ed_other) != 0)
		return 2;
	T_RUN(test_match_rsa);
	T_RUN(test_match_rsa_1024);
	T_RUN(test_match_ed25519);
	T_RUN(test_other_key);
	T_RUN(test_key_type);
	T_RUN(test_service);
	T_RUN(test_hash);
	T_RUN(test_flags);
	T_RUN(test_revoked);
	T_RUN(test_no_record);
	T_RUN(test_dns_error);
	T_RUN(test_record_size_cap);
	T_RUN(test_record_errors);
	T_RUN(test_several_records);
	T_RUN(test_cname);
	T_RUN(test_bad_args);
	T_RUN(test_allocation_failures);
	emauth_dkim_key_free(rsa);
	emauth_dkim_key_free(rsa1024);
	emauth_dkim_key_free(ed);
	emauth_dkim_key_free(ed_other);
	return t_summary();
}
