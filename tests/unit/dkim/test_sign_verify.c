/*
 * test_sign_verify.c: the DKIM signer and verifier together: every
 * canonicalization pair with RSA and Ed25519 on a corpus of hard messages,
 * fed in chunks of every size; tampering; l=; over-signed From; x=; the
 * refusals of the signer; key record round trips.
 */
#include "common/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/ctx.h"
#include "common/limits.h"
#include "common/span.h"
#include "dkim/key.h"
#include "dkim/tag.h"
#include "dns/fake.h"
#include "harness/t.h"

#include <emauth/dkim.h>
#include <emauth/msg.h>

static struct emauth_dkim_key *rsa, *ed;
static int64_t now = 1800000000;

static int64_t
clock_fn(void *arg)
{
	(void)arg;
	return now;
}

static void
publish(struct ea_store *s, const char *name, const struct emauth_dkim_key *k,
    int testing)
{
	char rec[4096];
	struct emauth_span parts[16];
	size_t n = 0;
	int len = emauth_dkim_key_record(k, testing, rec, sizeof(rec));
	T_TRUE(len > 0);
	for (int o = 0; o < len; o += 255)
		parts[n++] =
		    ea_span(rec + o, len - o > 255 ? 255 : (size_t)(len - o));
	T_EQ_INT(ea_dns_fake_txt(s, name, parts, n), 0);
}

static struct emauth_ctx *
make_ctx(void)
{
	struct emauth_ctx *ctx;
	struct ea_resolver r;
	struct ea_store *s;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, &s);
	publish(s, "rsa._domainkey.example.com", rsa, 0);
	publish(s, "ed._domainkey.example.com", ed, 0);
	publish(s, "test._domainkey.example.com", rsa, 1);
	ea_dns_fake_txt(s, "revoked._domainkey.example.com",
	    &(struct emauth_span){(const uint8_t *)"v=DKIM1; p=", 11}, 1);
	ea_ctx_set_resolver(ctx, &r);
	emauth_ctx_set_clock(ctx, clock_fn, NULL);
	return ctx;
}

struct sink {
	int (*header)(void *, struct emauth_span);
	int (*eoh)(void *);
	int (*body)(void *, struct emauth_span);
};

static int
sh(void *a, struct emauth_span f)
{
	return emauth_dkim_signer_header(a, f);
}
static int
se(void *a)
{
	return emauth_dkim_signer_eoh(a);
}
static int
sb(void *a, struct emauth_span c)
{
	return emauth_dkim_signer_body(a, c);
}
static int
vh(void *a, struct emauth_span f)
{
	return emauth_dkim_verifier_header(a, f);
}
static int
ve(void *a)
{
	return emauth_dkim_verifier_eoh(a);
}
static int
vb(void *a, struct emauth_span c)
{
	return emauth_dkim_verifier_body(a, c);
}

static int
feed(const struct emauth_msg_handler *h, void *arg, const char *msg, size_t len,
    size_t step)
{
	struct emauth_msg_reader *r;
	int rc = emauth_msg_reader_new(h, arg, 0, &r);
	if (step == 0)
		step = len ? len : 1;
	for (size_t i = 0; rc == 0 && i < len; i += step)
		rc = emauth_msg_reader_feed(
		    r, ea_span(msg + i, len - i < step ? len - i : step), NULL);
	if (rc == 0)
		rc = emauth_msg_reader_finish(r, NULL);
	emauth_msg_reader_free(r);
	return rc;
}

/* Signs @msg; returns the signed message (malloc'd) or NULL. */
static char *
sign(struct emauth_ctx *ctx, const char *msg,
    const struct emauth_dkim_sign_spec *specs, size_t n, int *status)
{
	static const struct emauth_msg_handler h = {sh, se, sb};
	struct emauth_dkim_signer *s;
	*status = emauth_dkim_signer_new(ctx, specs, n, &s, NULL);
	if (*status)
		return NULL;
	*status = feed(&h, s, msg, strlen(msg), 0);
	if (*status == 0)
		*status = emauth_dkim_signer_finish(s, NULL);
	char *out = NULL;
	if (*status == 0) {
		size_t total = strlen(msg) + 1;
		for (size_t i = 0; i < n; i++)
			total += strlen(emauth_dkim_signer_field(s, i)) + 2;
		out = malloc(total);
		out[0] = '\0';
		for (size_t i = n; i > 0; i--) {
			strcat(out, emauth_dkim_signer_field(s, i - 1));
			strcat(out, "\r\n");
		}
		strcat(out, msg);
	}
	emauth_dkim_signer_free(s);
	return out;
}

static struct emauth_dkim_verifier *
verify(struct emauth_ctx *ctx, const char *msg, size_t step,
    const struct emauth_dkim_verify_opts *o)
{
	static const struct emauth_msg_handler h = {vh, ve, vb};
	struct emauth_dkim_verifier *v;
	emauth_dkim_verifier_new(ctx, o, &v);
	T_EQ_INT(feed(&h, v, msg, strlen(msg), step), 0);
	T_EQ_INT(emauth_dkim_verifier_finish(v), 0);
	return v;
}

static enum emauth_result
result_of(
    struct emauth_dkim_verifier *v, size_t i, struct emauth_dkim_result *r)
{
	struct emauth_dkim_result tmp;
	if (r == NULL)
		r = &tmp;
	if (emauth_dkim_verifier_result(v, i, r) != 0)
		return EMAUTH_RES_NONE;
	return r->result;
}

static const char *const corpus[] = {
    /* Plain. */
    "From: a@example.com\r\nTo: b@example.net\r\nSubject: x\r\n\r\nHi\r\n",
    /* LF-only file. */
    "From: a@example.com\nTo: b@example.net\n\nline one\nline two\n",
    /* Folded header with tabs, trailing whitespace in header and body. */
    "From: a@example.com \r\nSubject: a\r\n\t folded  \t\r\n  more\r\n"
    "To: b@example.net\r\n\r\ntrailing   \r\n\t\r\n  x  y\t\r\n",
    /* Empty body. */
    "From: a@example.com\r\nTo: b@example.net\r\n\r\n",
    /* No body at all (no blank line). */
    "From: a@example.com\r\nTo: b@example.net\r\n",
    /* Body without final CRLF, trailing blank lines. */
    "From: a@example.com\r\n\r\nno newline at end",
    "From: a@example.com\r\n\r\ntext\r\n\r\n\r\n\r\n",
    /* Duplicate headers, 8-bit header bytes. */
    "From: a@example.com\r\nReceived: one\r\nReceived: two\r\n"
    "Subject: caf\xc3\xa9 \xe2\x82\xac\r\nTo: b@example.net\r\n"
    "To: c@example.net\r\n\r\nbody\r\n",
    /* CR without LF and LF without CR inside body lines. */
    "From: a@example.com\r\n\r\na\rb\r\nc\nd\r\n",
};

static void
test_round_trips(void)
{
	struct emauth_ctx *ctx = make_ctx();
	for (size_t m = 0; m < EA_ARRAY_LEN(corpus); m++)
		for (int hc = 0; hc < 2; hc++)
			for (int bc = 0; bc < 2; bc++) {
				struct emauth_dkim_sign_spec sp[2];
				int st;
				for (int k = 0; k < 2; k++) {
					emauth_dkim_sign_spec_init(&sp[k]);
					sp[k].domain = "example.com";
					sp[k].selector = k ? "ed" : "rsa";
					sp[k].key = k ? ed : rsa;
					sp[k].header_canon = hc;
					sp[k].body_canon = bc;
				}
				char *signed_msg =
				    sign(ctx, corpus[m], sp, 2, &st);
				T_EQ_INT(st, 0);
				if (signed_msg == NULL)
					continue;
				/* Whole, one byte at a time, and odd sizes. */
				size_t steps[] = {0, 1, 2, 3, 7, 64};
				for (size_t s = 0; s < EA_ARRAY_LEN(steps);
				     s++) {
					struct emauth_dkim_verifier *v = verify(
					    ctx, signed_msg, steps[s], NULL);
					T_EQ_INT(
					    emauth_dkim_verifier_count(v), 2);
					for (size_t i = 0; i < 2; i++) {
						struct emauth_dkim_result r;
						if (result_of(v, i, &r) !=
						    EMAUTH_RES_PASS)
							T_FAILF(
							    "message %zu "
							    "c=%d/%d step "
							    "%zu sig %zu: %s",
							    m, hc, bc, steps[s],
							    i, r.detail);
					}
					emauth_dkim_verifier_free(v);
				}
				free(signed_msg);
			}
	emauth_ctx_free(ctx);
}

static struct emauth_dkim_sign_spec
spec(const char *sel, const struct emauth_dkim_key *k)
{
	struct emauth_dkim_sign_spec s;
	emauth_dkim_sign_spec_init(&s);
	s.domain = "example.com";
	s.selector = sel;
	s.key = k;
	return s;
}

static char *
replace(const char *in, const char *from, const char *to)
{
	const char *p = strstr(in, from);
	if (p == NULL)
		return strdup(in);
	size_t n = strlen(in) - strlen(from) + strlen(to) + 1;
	char *out = malloc(n);
	memcpy(out, in, (size_t)(p - in));
	strcpy(out + (p - in), to);
	strcat(out, p + strlen(from));
	return out;
}

/* Whether two verifiers reached the same results, field by field. */
static void
same_results(
    struct emauth_dkim_verifier *a, struct emauth_dkim_verifier *b, size_t step)
{
	size_t n = emauth_dkim_verifier_count(a);
	T_EQ_INT(n, emauth_dkim_verifier_count(b));
	for (size_t i = 0; i < n && i < emauth_dkim_verifier_count(b); i++) {
		struct emauth_dkim_result x, y;
		T_EQ_INT(emauth_dkim_verifier_result(a, i, &x), 0);
		T_EQ_INT(emauth_dkim_verifier_result(b, i, &y), 0);
		if (x.result != y.result || x.reason != y.reason ||
		    strcmp(x.detail, y.detail) != 0 ||
		    strcmp(x.domain, y.domain) != 0 ||
		    strcmp(x.selector, y.selector) != 0 ||
		    strcmp(x.algorithm, y.algorithm) != 0 ||
		    strcmp(x.b_prefix, y.b_prefix) != 0 ||
		    strcmp(x.canon, y.canon) != 0 ||
		    x.has_length != y.has_length || x.length != y.length ||
		    x.unsigned_bytes != y.unsigned_bytes)
			T_FAILF("step %zu, signature %zu: \"%s\" (%s) after "
			        "reuse, \"%s\" (%s) fresh",
			    step, i, x.detail, x.domain, y.detail, y.domain);
	}
}

/*
 * A context keeps its last freed verifier for the next message: a run of
 * different messages through one context gives the results that a fresh
 * context gives each (several signatures and body hashers, then fewer, a
 * failure, none, a broken one, a lower signature cap, then all
 * again).
 */
static void
test_verifier_reuse(void)
{
	struct emauth_ctx *ctx = make_ctx();
	struct emauth_dkim_sign_spec sp[3] = {
	    spec("rsa", rsa), spec("ed", ed), spec("rsa", rsa)};
	sp[1].header_canon = sp[1].body_canon = EMAUTH_DKIM_SIMPLE;
	sp[2].body_length = 1;
	int st;
	char *three = sign(ctx, corpus[2], sp, 3, &st);
	char *one = sign(ctx, corpus[7], sp, 1, &st);
	char *bad = replace(one, "\r\n\r\nbody", "\r\n\r\nBODY");
	char *broken =
	    replace(three, "DKIM-Signature: v=1;", "DKIM-Signature: v=2;");
	struct emauth_dkim_verify_opts small = {0};
	small.max_signatures = 1;
	const char *seq[] = {
	    three, one, bad, corpus[0], broken, three, three, corpus[3], one};
	const struct emauth_dkim_verify_opts *opts[] = {
	    NULL, NULL, NULL, NULL, NULL, &small, NULL, NULL, NULL};
	for (size_t k = 0; k < EA_ARRAY_LEN(seq); k++) {
		struct emauth_ctx *fresh = make_ctx();
		struct emauth_dkim_verifier *a =
		    verify(ctx, seq[k], 0, opts[k]);
		struct emauth_dkim_verifier *b =
		    verify(fresh, seq[k], 0, opts[k]);
		same_results(a, b, k);
		if (k == 0 || k == 6) {
			/* Kept, then taken again: the same object. */
			emauth_dkim_verifier_free(a);
			struct emauth_dkim_verifier *c;
			T_EQ_INT(emauth_dkim_verifier_new(ctx, NULL, &c), 0);
			T_TRUE(c == a);
			a = c;
			T_EQ_INT(emauth_dkim_verifier_finish(a), EMAUTH_ESTATE);
		}
		emauth_dkim_verifier_free(a);
		emauth_dkim_verifier_free(b);
		emauth_ctx_free(fresh);
	}
	struct emauth_dkim_verifier *v = verify(ctx, three, 0, NULL);
	T_EQ_INT(emauth_dkim_verifier_count(v), 3);
	T_EQ_INT(result_of(v, 0, NULL), EMAUTH_RES_PASS);
	T_EQ_INT(result_of(v, 1, NULL), EMAUTH_RES_PASS);
	T_EQ_INT(result_of(v, 2, NULL), EMAUTH_RES_PASS);
	emauth_dkim_verifier_free(v);
	/* A verifier that grew past what a context keeps (17 signatures) is
	 * freed, the one kept before it having been taken: the context is
	 * then freed with nothing kept. */
	size_t flen = strstr(one, "\r\nFrom:") + 2 - one;
	char *many = malloc(flen * 17 + strlen(one) + 1);
	for (int k = 0; k < 17; k++)
		memcpy(many + flen * (size_t)k, one, flen);
	strcpy(many + flen * 17, one + flen);
	v = verify(ctx, many, 0, NULL);
	T_EQ_INT(emauth_dkim_verifier_count(v), 17);
	T_EQ_INT(result_of(v, 0, NULL), EMAUTH_RES_PASS);
	T_EQ_INT(result_of(v, 16, NULL), EMAUTH_RES_NEUTRAL);
	emauth_dkim_verifier_free(v);
	/* Nor is one with more than 256 fields kept (its field table alone
	 * would be 9 KB and more); a usual one is kept after it. */
	size_t olen = strlen(one);
	char *wide = malloc(300 * 9 + olen + 1);
	for (int k = 0; k < 300; k++)
		memcpy(wide + 9 * (size_t)k, "X-A: 12\r\n", 9);
	memcpy(wide + 9 * 300, one, olen + 1);
	v = verify(ctx, wide, 0, NULL);
	T_EQ_INT(result_of(v, 0, NULL), EMAUTH_RES_PASS);
	emauth_dkim_verifier_free(v);
	T_TRUE(ctx->dkim_spare == NULL);
	v = verify(ctx, one, 0, NULL);
	emauth_dkim_verifier_free(v);
	T_TRUE(ctx->dkim_spare != NULL);
	free(wide);
	/* A verifier may outlive its context: freed after it, or even
	 * finished after it (its signatures then cannot fetch keys). */
	struct emauth_ctx *gone = make_ctx();
	struct emauth_dkim_verifier *late = verify(gone, one, 0, NULL);
	T_EQ_INT(result_of(late, 0, NULL), EMAUTH_RES_PASS);
	static const struct emauth_msg_handler vh3 = {vh, ve, vb};
	struct emauth_dkim_verifier *later;
	T_EQ_INT(emauth_dkim_verifier_new(gone, NULL, &later), 0);
	T_EQ_INT(feed(&vh3, later, one, strlen(one), 0), 0);
	emauth_ctx_free(gone);
	T_EQ_INT(emauth_dkim_verifier_finish(later), 0);
	struct emauth_dkim_result r;
	T_EQ_INT(result_of(later, 0, &r), EMAUTH_RES_TEMPERROR);
	T_EQ_STR(r.detail, "no library context to fetch keys with");
	emauth_dkim_verifier_free(late);
	emauth_dkim_verifier_free(later);
	free(many);
	free(three);
	free(one);
	free(bad);
	free(broken);
	emauth_ctx_free(ctx);
}

static void
test_tampering(void)
{
	struct emauth_ctx *ctx = make_ctx();
	struct emauth_dkim_sign_spec sp = spec("rsa", rsa);
	int st;
	char *m = sign(ctx, corpus[0], &sp, 1, &st);
	char *body = replace(m, "\r\n\r\nHi\r\n", "\r\n\r\nHo\r\n");
	char *hdr = replace(m, "Subject: x", "Subject: y");
	char *from2 =
	    replace(m, "From: a@", "From: evil@x.example\r\nFrom: a@");
	char *extra = replace(m, "From: a@", "X-Foo: bar\r\nFrom: a@");
	struct emauth_dkim_result r;
	struct emauth_dkim_verifier *v = verify(ctx, body, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_FAIL);
	T_EQ_INT(r.reason, EMAUTH_DKIM_BODY_HASH);
	emauth_dkim_verifier_free(v);
	v = verify(ctx, hdr, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_FAIL);
	T_EQ_INT(r.reason, EMAUTH_DKIM_SIGNATURE);
	emauth_dkim_verifier_free(v);
	/* From is over-signed: a second From breaks the signature. */
	v = verify(ctx, from2, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_FAIL);
	emauth_dkim_verifier_free(v);
	/* An unsigned field can be added. */
	v = verify(ctx, extra, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PASS);
	emauth_dkim_verifier_free(v);
	/* ... unless it is over-signed, even absent (OversignHeaders). */
	sp.oversign = "X-Foo:List-Id";
	char *m2 = sign(ctx, corpus[0], &sp, 1, &st);
	T_TRUE(strstr(m2, "X-Foo") != NULL);
	char *extra2 = replace(m2, "From: a@", "X-Foo: bar\r\nFrom: a@");
	v = verify(ctx, m2, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PASS);
	emauth_dkim_verifier_free(v);
	v = verify(ctx, extra2, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_FAIL);
	emauth_dkim_verifier_free(v);
	/* A name that cannot be one is refused. */
	struct emauth_dkim_signer *bad = NULL;
	struct emauth_diag d;
	sp.oversign = "X-Foo;evil=1";
	T_EQ_INT(emauth_dkim_signer_new(ctx, &sp, 1, &bad, &d), EMAUTH_EINVAL);
	T_EQ_STR(d.where, "oversign");
	sp.oversign = NULL;
	/* The same for the signed list: a ";" would start a new tag. */
	sp.headers = "from:to;x=1";
	T_EQ_INT(emauth_dkim_signer_new(ctx, &sp, 1, &bad, &d), EMAUTH_EINVAL);
	T_EQ_STR(d.where, "headers");
	sp.headers = "from:to x";
	T_EQ_INT(emauth_dkim_signer_new(ctx, &sp, 1, &bad, &d), EMAUTH_EINVAL);
	sp.headers = NULL;
	free(m2), free(extra2);
	free(m), free(body), free(hdr), free(from2), free(extra);
	emauth_ctx_free(ctx);
}

static void
test_body_length(void)
{
	struct emauth_ctx *ctx = make_ctx();
	struct emauth_dkim_sign_spec sp = spec("rsa", rsa);
	struct emauth_dkim_verify_opts lenient = {1, 0, 0, 0};
	struct emauth_dkim_result r;
	int st;
	sp.body_length = 1;
	char *m = sign(ctx, corpus[0], &sp, 1, &st);
	struct emauth_dkim_verifier *v = verify(ctx, m, 0, NULL);
	/* l= covering the whole body is an ordinary pass. */
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PASS);
	T_EQ_INT(r.has_length, 1);
	T_EQ_INT(r.length, 4);
	T_EQ_INT(r.unsigned_bytes, 0);
	emauth_dkim_verifier_free(v);
	/* Content appended after signing: policy by default. */
	size_t n = strlen(m);
	char *more = malloc(n + 64);
	memcpy(more, m, n);
	strcpy(more + n, "Click here: http://evil.example/\r\n");
	v = verify(ctx, more, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_POLICY);
	T_EQ_INT(r.reason, EMAUTH_DKIM_PARTIAL_BODY);
	T_EQ_INT(r.unsigned_bytes, 34);
	T_TRUE(strstr(r.detail, "34 body bytes unsigned") != NULL);
	emauth_dkim_verifier_free(v);
	/* The plain RFC 6376 reading. */
	v = verify(ctx, more, 0, &lenient);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PASS);
	T_EQ_INT(r.unsigned_bytes, 34);
	emauth_dkim_verifier_free(v);
	/* A body shorter than l=. */
	char *cut = replace(m, "\r\n\r\nHi\r\n", "\r\n\r\n");
	v = verify(ctx, cut, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_FAIL);
	emauth_dkim_verifier_free(v);
	free(m), free(more), free(cut);
	emauth_ctx_free(ctx);
}

static void
test_expiry_and_keys(void)
{
	struct emauth_ctx *ctx = make_ctx();
	struct emauth_dkim_result r;
	struct emauth_dkim_sign_spec sp = spec("rsa", rsa);
	int st;
	sp.expire = 3600;
	char *m = sign(ctx, corpus[0], &sp, 1, &st);
	struct emauth_dkim_verifier *v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PASS);
	emauth_dkim_verifier_free(v);
	now += 7200;
	v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PERMERROR);
	T_EQ_INT(r.reason, EMAUTH_DKIM_EXPIRED);
	emauth_dkim_verifier_free(v);
	now -= 7200;
	free(m);
	/* t=y is reported; a revoked key; a missing key. */
	sp = spec("test", rsa);
	m = sign(ctx, corpus[0], &sp, 1, &st);
	v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PASS);
	T_EQ_INT(r.testing, 1);
	emauth_dkim_verifier_free(v);
	free(m);
	sp = spec("revoked", rsa);
	m = sign(ctx, corpus[0], &sp, 1, &st);
	v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PERMERROR);
	T_EQ_INT(r.reason, EMAUTH_DKIM_KEY_REVOKED);
	emauth_dkim_verifier_free(v);
	free(m);
	sp = spec("missing", rsa);
	m = sign(ctx, corpus[0], &sp, 1, &st);
	v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PERMERROR);
	T_EQ_INT(r.reason, EMAUTH_DKIM_NO_KEY);
	emauth_dkim_verifier_free(v);
	free(m);
	/* Ed25519 signature checked against an RSA key record. */
	sp = spec("rsa", ed);
	m = sign(ctx, corpus[0], &sp, 1, &st);
	v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PERMERROR);
	T_EQ_INT(r.reason, EMAUTH_DKIM_KEY_MISMATCH);
	emauth_dkim_verifier_free(v);
	free(m);
	emauth_ctx_free(ctx);
}

static void
test_signer_refusals(void)
{
	struct emauth_ctx *ctx = make_ctx();
	struct emauth_dkim_sign_spec sp = spec("rsa", rsa);
	struct emauth_dkim_signer *s;
	int st;
	/* No From in the message. */
	char *m = sign(ctx, "To: b@example.net\r\n\r\nx\r\n", &sp, 1, &st);
	T_EQ_INT(st, EMAUTH_EINVAL);
	T_TRUE(m == NULL);
	/* A header list without From. */
	sp.headers = "to:subject";
	m = sign(ctx, corpus[0], &sp, 1, &st);
	T_EQ_INT(st, EMAUTH_EINVAL);
	sp = spec("rsa", rsa);
	sp.identity = "user@other.example";
	T_EQ_INT(emauth_dkim_signer_new(ctx, &sp, 1, &s, NULL), EMAUTH_EINVAL);
	sp = spec("rsa", rsa);
	sp.identity = "user@mail.example.com";
	T_EQ_INT(emauth_dkim_signer_new(ctx, &sp, 1, &s, NULL), 0);
	emauth_dkim_signer_free(s);
	/* The identity is kept whole or refused: 511 bytes sign, 512 do not,
	 * and an identity that would end under d= only when cut (it once
	 * was, to 511 bytes) is refused. */
	char ident[600];
	for (size_t len = 509; len <= 513; len++) {
		memset(ident, 'x', len - 12);
		memcpy(ident + len - 12, "@example.com", 13);
		sp = spec("rsa", rsa);
		sp.identity = ident;
		int want = len <= 511 ? 0 : EMAUTH_EINVAL;
		T_EQ_INT(emauth_dkim_signer_new(ctx, &sp, 1, &s, NULL), want);
		if (want == 0)
			emauth_dkim_signer_free(s);
	}
	memset(ident, 'x', 499);
	memcpy(ident + 499, "@example.com.evil.example", 26);
	sp = spec("rsa", rsa);
	sp.identity = ident;
	T_EQ_INT(emauth_dkim_signer_new(ctx, &sp, 1, &s, NULL), EMAUTH_EINVAL);
	char longlist[3000];
	memset(longlist, 'a', sizeof(longlist) - 1);
	longlist[sizeof(longlist) - 1] = '\0';
	memcpy(longlist, "from:", 5);
	sp = spec("rsa", rsa);
	sp.headers = longlist;
	T_EQ_INT(emauth_dkim_signer_new(ctx, &sp, 1, &s, NULL), EMAUTH_EINVAL);
	sp = spec("bad selector", rsa);
	T_EQ_INT(emauth_dkim_signer_new(ctx, &sp, 1, &s, NULL), EMAUTH_EINVAL);
	sp = spec("rsa", rsa);
	sp.alg = EMAUTH_DKIM_ED25519_SHA256;
	T_EQ_INT(emauth_dkim_signer_new(ctx, &sp, 1, &s, NULL), EMAUTH_EINVAL);
	/* More than 128 fields to sign (From, 130 To fields, Subject): never
	 * a signature that leaves some of them out (it once left Subject,
	 * Date and Message-ID unsigned); exactly 128 names still sign. */
	for (int to = 118; to <= 130; to++) {
		char *big = malloc(16384);
		size_t o =
		    (size_t)snprintf(big, 16384, "From: a@example.com\r\n");
		for (int i = 0; i < to; i++)
			o += (size_t)snprintf(
			    big + o, 16384 - o, "To: r%d@example.net\r\n", i);
		snprintf(big + o, 16384 - o, "Subject: s\r\n\r\nbody\r\n");
		sp = spec("rsa", rsa);
		/* h= gets From twice (over-signed), To once more than it
		 * occurs, Subject twice: to + 5 names. */
		m = sign(ctx, big, &sp, 1, &st);
		if (to + 5 <= 128) {
			T_EQ_INT(st, 0);
			struct emauth_dkim_verifier *v =
			    verify(ctx, m, 0, NULL);
			T_EQ_INT(result_of(v, 0, NULL), EMAUTH_RES_PASS);
			emauth_dkim_verifier_free(v);
		} else {
			T_EQ_INT(st, EMAUTH_ETOOBIG);
			T_TRUE(m == NULL);
		}
		free(m);
		free(big);
	}
	emauth_ctx_free(ctx);
}

static void
test_key_formats(void)
{
	struct ea_dkim_pubkey k;
	char rec[4096];
	/* Our own records parse back. */
	T_TRUE(emauth_dkim_key_record(rsa, 1, rec, sizeof(rec)) > 0);
	T_EQ_INT(ea_dkim_pubkey_parse(ea_span_str(rec), &k, NULL), 0);
	T_EQ_INT(k.error, EA_KEY_OK);
	T_EQ_INT(k.bits, 2048);
	T_EQ_INT(k.testing, 1);
	ea_dkim_pubkey_release(&k);
	/* Refusals with their reasons. */
	static const struct {
		const char *rec;
		enum ea_key_error e;
	} bad[] = {
	    {"v=DKIM1; p=", EA_KEY_REVOKED},
	    {"v=DKIM2; p=AAAA", EA_KEY_VERSION},
	    {"k=rsa; v=DKIM1; p=AAAA", EA_KEY_VERSION},
	    {"v=DKIM1; k=dsa; p=AAAA", EA_KEY_UNKNOWN_K},
	    {"v=DKIM1; s=tlsrpt; p=AAAA", EA_KEY_SERVICE},
	    {"v=DKIM1; k=ed25519; p=AAAA", EA_KEY_BAD_DATA},
	    {"v=DKIM1; p=!!!!", EA_KEY_BAD_DATA},
	    {"v=DKIM1; k=rsa", EA_KEY_SYNTAX},
	    {"v=DKIM1; p=AAAA; p=BBBB", EA_KEY_SYNTAX},
	    /* A 512-bit RSA key (RFC 8301: too short). */
	    {"v=DKIM1; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALgSoqXVSEmfcIsOzw7o"
	     "RuCCOwsmtX/SJnTWxYyj2leFxfS/AVJ+dYfY+hXqMsT7l+MZvvh/RBrLJXSV"
	     "k2/k3/sCAwEAAQ==",
	        EA_KEY_TOO_SHORT},
	};
	for (size_t i = 0; i < EA_ARRAY_LEN(bad); i++) {
		T_EQ_INT(
		    ea_dkim_pubkey_parse(ea_span_str(bad[i].rec), &k, NULL), 0);
		if (k.error != bad[i].e)
			T_FAILF("\"%s\": error %d, expected %d (%s)",
			    bad[i].rec, k.error, bad[i].e, k.why);
		ea_dkim_pubkey_release(&k);
	}
}

static void
test_selector_cname(void)
{
	/* A platform signs for a customer whose selector is a CNAME to the
	 * platform's own key: s1._domainkey.customer.example CNAME
	 * s1.dkim.platform.example. */
	struct emauth_ctx *ctx;
	struct ea_resolver r;
	struct ea_store *s;
	struct emauth_dkim_result res;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, &s);
	publish(s, "s1.dkim.platform.example", rsa, 0);
	ea_dns_fake_name(s, "s1._domainkey.customer.example", EA_DNS_T_CNAME,
	    "s1.dkim.platform.example");
	ea_ctx_set_resolver(ctx, &r);
	struct emauth_dkim_sign_spec sp = spec("s1", rsa);
	sp.domain = "customer.example";
	int st;
	char *m = sign(ctx,
	    "From: news@customer.example\r\nTo: b@example.net\r\n\r\nHi\r\n",
	    &sp, 1, &st);
	struct emauth_dkim_verifier *v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &res), EMAUTH_RES_PASS);
	T_EQ_STR(res.domain, "customer.example");
	emauth_dkim_verifier_free(v);
	free(m);
	emauth_ctx_free(ctx);
}

static void
test_key_cache(void)
{
	struct emauth_ctx *ctx;
	struct ea_resolver r;
	struct ea_store *s;
	struct emauth_dkim_result res;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, &s);
	publish(s, "rsa._domainkey.example.com", rsa, 0);
	ea_ctx_set_resolver(ctx, &r);
	emauth_ctx_set_clock(ctx, clock_fn, NULL);
	struct emauth_dkim_sign_spec sp = spec("rsa", rsa);
	int st;
	char *m = sign(ctx, corpus[0], &sp, 1, &st);
	struct emauth_dkim_verifier *v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &res), EMAUTH_RES_PASS);
	emauth_dkim_verifier_free(v);
	/* The record now fails; the parsed key is still cached. */
	ea_store_fail(s, ea_span_str("rsa._domainkey.example.com"),
	    EA_DNS_T_TXT, EA_STORE_SERVFAIL);
	v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &res), EMAUTH_RES_PASS);
	emauth_dkim_verifier_free(v);
	/* Past the TTL (300 s), DNS is asked again. */
	now += 301;
	v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &res), EMAUTH_RES_TEMPERROR);
	T_EQ_INT(res.reason, EMAUTH_DKIM_DNS);
	emauth_dkim_verifier_free(v);
	now -= 301;
	free(m);
	emauth_ctx_free(ctx);
	/* A key record with TTL 0 is not kept: the next message asks again
	 * (a 60-second floor once kept revoked keys working). */
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, &s);
	char rec[4096];
	int len = emauth_dkim_key_record(rsa, 0, rec, sizeof(rec));
	uint8_t rd[4200];
	size_t o = 0;
	for (int i = 0; i < len; i += 255) {
		size_t l = len - i > 255 ? 255 : (size_t)(len - i);
		rd[o++] = (uint8_t)l;
		memcpy(rd + o, rec + i, l);
		o += l;
	}
	T_EQ_INT(ea_store_add(s, ea_span_str("rsa._domainkey.example.com"),
	             EA_DNS_T_TXT, 0, ea_span(rd, o)),
	    0);
	ea_ctx_set_resolver(ctx, &r);
	emauth_ctx_set_clock(ctx, clock_fn, NULL);
	m = sign(ctx, corpus[0], &sp, 1, &st);
	v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &res), EMAUTH_RES_PASS);
	emauth_dkim_verifier_free(v);
	ea_store_fail(s, ea_span_str("rsa._domainkey.example.com"),
	    EA_DNS_T_TXT, EA_STORE_SERVFAIL);
	v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &res), EMAUTH_RES_TEMPERROR);
	emauth_dkim_verifier_free(v);
	free(m);
	emauth_ctx_free(ctx);
}

/* Publishes @len bytes of @text at @name as TXT strings of random lengths
 * (0-255), in one record while it fits a record's 65,535 bytes of RDATA,
 * else in two. */
static void
publish_split(struct ea_store *s, const char *name, const char *text,
    size_t len, unsigned *seed)
{
	static struct emauth_span parts[2][600];
	size_t n[2] = {0, 0}, rd[2] = {0, 0};
	int rec = 0;
	for (size_t o = 0; o < len;) {
		size_t l = (size_t)(rand_r(seed) % 256);
		if (l > len - o)
			l = len - o;
		if (rd[rec] + 1 + l > 65535 || n[rec] == 600)
			rec = 1;
		parts[rec][n[rec]++] = ea_span(text + o, l);
		rd[rec] += 1 + l;
		o += l;
	}
	for (int r = 0; r < 2; r++)
		if (n[r] || r == 0)
			T_EQ_INT(ea_dns_fake_txt(s, name, parts[r], n[r]), 0);
}

/* Signatures past the header cap are counted and reported, not lost. */
static void
test_signatures_past_header_cap(void)
{
	struct emauth_ctx *ctx = make_ctx();
	struct emauth_dkim_sign_spec sp = spec("rsa", rsa);
	int st;
	char *m = sign(ctx, corpus[0], &sp, 1, &st);
	/* Two copies of the signature, a big field between them. */
	const char *eol = strstr(m, "\r\nFrom:");
	size_t siglen = (size_t)(eol - m) + 2;
	size_t total = strlen(m) + siglen + 3000;
	char *two = malloc(total);
	size_t o = 0;
	memcpy(two, m, siglen), o += siglen;
	o += (size_t)snprintf(two + o, total - o, "X-Big: ");
	memset(two + o, 'a', 2000), o += 2000;
	memcpy(two + o, "\r\n", 2), o += 2;
	memcpy(two + o, m, strlen(m) + 1);
	struct emauth_dkim_verify_opts opts = {0};
	opts.max_header_bytes = siglen + 1500; /* the 2nd field passes it */
	struct emauth_dkim_verifier *v;
	/* Fed field by field, as the milter does (errors ignored). */
	emauth_dkim_verifier_new(ctx, &opts, &v);
	const char *p = two;
	while (p[0] != '\r') {
		const char *e = strstr(p, "\r\n");
		while (e[2] == ' ' || e[2] == '\t')
			e = strstr(e + 2, "\r\n");
		emauth_dkim_verifier_header(v, ea_span(p, (size_t)(e - p)));
		p = e + 2;
	}
	T_EQ_INT(emauth_dkim_verifier_eoh(v), 0);
	T_EQ_INT(emauth_dkim_verifier_finish(v), 0);
	T_EQ_INT(emauth_dkim_verifier_count(v), 2);
	struct emauth_dkim_result r;
	for (size_t i = 0; i < 2; i++) {
		T_EQ_INT(result_of(v, i, &r), EMAUTH_RES_PERMERROR);
		T_TRUE(strstr(r.detail, "over the size limit") != NULL);
	}
	emauth_dkim_verifier_free(v);
	free(two);
	free(m);
	emauth_ctx_free(ctx);
}

/*
 * A key record of every size from 1 to 70,000 bytes, in strings of random
 * lengths: a result and a reason every time, never a crash. The record is
 * the usable Ed25519 key record padded with an unknown tag to the size
 * (or cut short of it): it verifies up to EA_DKIM_KEY_RECORD_MAX bytes and
 * is a key syntax error (permerror) from one byte more, never read in part.
 * (A record over 16,384 bytes crashed the verifier: the key was left
 * uninitialised and read.)
 */
static void
test_key_record_sizes(void)
{
	char base[256];
	int blen = emauth_dkim_key_record(ed, 0, base, sizeof(base));
	T_TRUE(blen > 0);
	size_t max = 70000;
	char *text = malloc(max);
	memcpy(text, base, (size_t)blen);
	memcpy(text + blen, "; x=", 4);
	memset(text + blen + 4, 'a', max - (size_t)blen - 4);
	struct emauth_dkim_sign_spec sp = spec("big", ed);
	int st;
	struct emauth_ctx *ctx = make_ctx();
	char *m = sign(ctx, corpus[0], &sp, 1, &st);
	emauth_ctx_free(ctx);
	unsigned seed = 20261202;
	printf("# seed %u\n", seed);
	size_t bad = 0;
	for (size_t len = 1; len <= max && bad < 10; len++) {
		struct ea_resolver r;
		struct ea_store *s;
		struct emauth_dkim_result res;
		emauth_ctx_new(&ctx);
		ea_dns_fake_new(&r, &s);
		publish_split(
		    s, "big._domainkey.example.com", text, len, &seed);
		ea_ctx_set_resolver(ctx, &r);
		emauth_ctx_set_clock(ctx, clock_fn, NULL);
		struct emauth_dkim_verifier *v = verify(ctx, m, 0, NULL);
		enum emauth_result got = result_of(v, 0, &res);
		enum emauth_result want;
		if (len > EA_DKIM_KEY_RECORD_MAX)
			want = EMAUTH_RES_PERMERROR;
		else if ((len >= (size_t)blen && len <= (size_t)blen + 2) ||
		         len >= (size_t)blen + 4)
			/* The record, then "; x=" and padding: "...;" and
			 * "...; " are whole records too, "...; x" is not. */
			want = EMAUTH_RES_PASS;
		else
			want = got == EMAUTH_RES_PASS ? EMAUTH_RES_FAIL : got;
		bool ok = got == want && res.detail[0] != '\0';
		if (len > EA_DKIM_KEY_RECORD_MAX)
			ok = ok && res.reason == EMAUTH_DKIM_KEY_SYNTAX &&
			     strstr(res.detail, "longer than 16384") != NULL;
		if (!ok) {
			T_FAILF("record of %zu bytes: %s (%s), expected %s",
			    len, emauth_result_name(got), res.detail,
			    emauth_result_name(want));
			bad++;
		}
		emauth_dkim_verifier_free(v);
		emauth_ctx_free(ctx);
	}
	free(m);
	free(text);
}

/* Ours, max_signatures (default 10): ten signatures are all verified; an
 * eleventh is not checked (neutral), even when it is the only good one:
 * a signature past the cap is never counted as a pass. */
static void
test_signature_count_edges(void)
{
	struct emauth_ctx *ctx = make_ctx();
	struct emauth_dkim_sign_spec sp = spec("ed", ed);
	struct emauth_dkim_result r;
	int st;
	char *one = sign(ctx, corpus[0], &sp, 1, &st);
	size_t flen = (size_t)(strstr(one, "\r\nFrom:") + 2 - one);
	char *bad =
	    replace(one, "DKIM-Signature: v=1;", "DKIM-Signature: v=2;");
	size_t blen = (size_t)(strstr(bad, "\r\nFrom:") + 2 - bad);
	char *msg = malloc(12 * (flen + blen) + strlen(one) + 1);
	for (size_t n = 10; n <= 11; n++) {
		/* n good signatures. */
		size_t o = 0;
		for (size_t k = 0; k < n; k++)
			memcpy(msg + o, one, flen), o += flen;
		strcpy(msg + o, one + flen);
		struct emauth_dkim_verifier *v = verify(ctx, msg, 0, NULL);
		T_EQ_INT(emauth_dkim_verifier_count(v), n);
		for (size_t k = 0; k < n; k++) {
			enum emauth_result got = result_of(v, k, &r);
			if (k < 10)
				T_EQ_INT(got, EMAUTH_RES_PASS);
			else {
				T_EQ_INT(got, EMAUTH_RES_NEUTRAL);
				T_EQ_INT(r.reason, EMAUTH_DKIM_NOT_CHECKED);
			}
		}
		emauth_dkim_verifier_free(v);
		/* n - 1 broken ones first, the good one last. */
		o = 0;
		for (size_t k = 0; k + 1 < n; k++)
			memcpy(msg + o, bad, blen), o += blen;
		strcpy(msg + o, one);
		v = verify(ctx, msg, 0, NULL);
		T_EQ_INT(emauth_dkim_verifier_count(v), n);
		T_EQ_INT(result_of(v, n - 1, &r),
		    n == 10 ? EMAUTH_RES_PASS : EMAUTH_RES_NEUTRAL);
		for (size_t k = 0; k + 1 < n; k++)
			T_EQ_INT(result_of(v, k, NULL), EMAUTH_RES_PERMERROR);
		emauth_dkim_verifier_free(v);
	}
	free(msg), free(bad), free(one);
	emauth_ctx_free(ctx);
}

/* Adds filler fields after the first field of @m so that the header
 * block (fields without their CRLF, as the reader hands them) holds
 * @fields fields, or @bytes bytes; returns the new message. */
static char *
fill_header(const char *m, size_t fields, size_t bytes)
{
	const char *eoh = strstr(m, "\r\n\r\n");
	size_t have_f = 1, have_b = 0;
	for (const char *p = m; p < eoh; p++)
		if (p[0] == '\r' && p[1] == '\n' && p[2] != ' ' && p[2] != '\t')
			have_f++;
	have_b = (size_t)(eoh - m) - 2 * (have_f - 1);
	size_t first = (size_t)(strstr(m, "\r\nFrom:") + 2 - m);
	size_t room = bytes ? bytes + 2 * 64 : fields * 8;
	char *out = malloc(strlen(m) + room + 64);
	size_t o = 0;
	memcpy(out, m, first), o += first;
	if (fields) {
		for (size_t i = have_f; i < fields; i++)
			memcpy(out + o, "X-F: f\r\n", 8), o += 8;
	} else {
		/* Fields of at most 60,000 bytes (the reader's own cap is
		 * 64 KiB), the last one making up the count. */
		size_t need = bytes - have_b;
		while (need > 0) {
			size_t l = need > 60000 ? 60000 : need;
			if (need - l > 0 && need - l < 16)
				l -= 16;
			memcpy(out + o, "X-F: ", 5);
			memset(out + o + 5, 'f', l - 5);
			memcpy(out + o + l, "\r\n", 2);
			o += l + 2;
			need -= l;
		}
	}
	strcpy(out + o, m + first);
	return out;
}

/* Ours, max_header_fields (1000) and max_header_bytes (1 MiB), the
 * defaults: a header block at either cap verifies; one field or one byte
 * more makes every signature a permerror ("over the size limit"), never a
 * verdict on the fields that fit. */
static void
test_header_cap_edges(void)
{
	struct emauth_ctx *ctx = make_ctx();
	struct emauth_dkim_sign_spec sp = spec("ed", ed);
	struct emauth_dkim_result r;
	int st;
	char *m = sign(ctx, corpus[0], &sp, 1, &st);
	for (int k = 0; k < 4; k++) {
		size_t fields = k < 2 ? 1000 + (size_t)k : 0;
		size_t bytes = k >= 2 ? (1u << 20) + (size_t)(k - 2) : 0;
		char *big = fill_header(m, fields, bytes);
		/* Fed field by field, as the milter does (the field over the
		 * cap is refused with ETOOBIG; the verifier goes on). */
		struct emauth_dkim_verifier *v;
		T_EQ_INT(emauth_dkim_verifier_new(ctx, NULL, &v), 0);
		const char *p = big;
		while (p[0] != '\r') {
			const char *e = strstr(p, "\r\n");
			while (e[2] == ' ' || e[2] == '\t')
				e = strstr(e + 2, "\r\n");
			int rc = emauth_dkim_verifier_header(
			    v, ea_span(p, (size_t)(e - p)));
			if (rc != 0 && rc != EMAUTH_ETOOBIG)
				T_FAILF("field: %s", emauth_strerror(rc));
			p = e + 2;
		}
		T_EQ_INT(emauth_dkim_verifier_eoh(v), 0);
		p += 2;
		T_EQ_INT(emauth_dkim_verifier_body(v, ea_span_str(p)), 0);
		T_EQ_INT(emauth_dkim_verifier_finish(v), 0);
		T_EQ_INT(emauth_dkim_verifier_count(v), 1);
		if (k % 2 == 0) {
			T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PASS);
		} else {
			T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PERMERROR);
			T_TRUE(strstr(r.detail, "over the size limit") != NULL);
		}
		emauth_dkim_verifier_free(v);
		free(big);
	}
	free(m);
	emauth_ctx_free(ctx);
}

/* RFC 1035 for the key's name: s._domainkey.d of 253 characters is
 * asked; of 254, it is not (no key: permerror, never another name). */
static void
test_key_name_edges(void)
{
	struct emauth_ctx *ctx;
	struct ea_resolver res;
	struct ea_store *s;
	struct emauth_dkim_result r;
	char sel[240], name[280];
	int st;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&res, &s);
	ea_ctx_set_resolver(ctx, &res);
	emauth_ctx_set_clock(ctx, clock_fn, NULL);
	/* "._domainkey.example.com" is 23 characters. */
	for (size_t len = 253 - 23; len <= 254 - 23; len++) {
		memset(sel, 's', len);
		for (size_t i = 63; i < len; i += 64)
			sel[i] = '.';
		sel[len] = '\0';
		snprintf(name, sizeof(name), "%s._domainkey.example.com", sel);
		T_EQ_INT(strlen(name), len + 23);
		if (len + 23 == 253)
			publish(s, name, ed, 0);
		struct emauth_dkim_sign_spec sp = spec(sel, ed);
		char *m = sign(ctx, corpus[0], &sp, 1, &st);
		T_EQ_INT(st, 0);
		struct emauth_dkim_verifier *v = verify(ctx, m, 0, NULL);
		if (len + 23 == 253) {
			T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PASS);
		} else {
			T_EQ_INT(result_of(v, 0, &r), EMAUTH_RES_PERMERROR);
			T_EQ_INT(r.reason, EMAUTH_DKIM_NO_KEY);
			T_EQ_STR(r.detail, "key name longer than 253");
		}
		emauth_dkim_verifier_free(v);
		free(m);
	}
	emauth_ctx_free(ctx);
}

/* Ours, KEY_DER_MAX (2048 bytes of p=, an RSA key of about 16,000 bits)
 * and EA_DKIM_TAGS_MAX (64) in a key record: p= of 2048 bytes is decoded
 * (and refused as not a key, here), of 2049 it is "too long"; 64 tags are
 * read, 65 are a key syntax error. Each refusal is a permerror. */
static void
test_key_record_value_edges(void)
{
	struct ea_dkim_pubkey k;
	static uint8_t der[2049];
	static char rec[4096];
	memset(der, 0x30, sizeof(der));
	for (size_t n = 2048; n <= 2049; n++) {
		int o = snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; p=");
		T_TRUE(ea_base64_encode(
		           der, n, rec + o, sizeof(rec) - (size_t)o) > 0);
		T_EQ_INT(ea_dkim_pubkey_parse(ea_span_str(rec), &k, NULL), 0);
		T_EQ_INT(k.error, EA_KEY_BAD_DATA);
		if (n == 2048)
			T_TRUE(strcmp(k.why, "p= is too long") != 0);
		else
			T_EQ_STR(k.why, "p= is too long");
		ea_dkim_pubkey_release(&k);
	}
	char base[256];
	int blen = emauth_dkim_key_record(ed, 0, base, sizeof(base));
	T_TRUE(blen > 0);
	struct ea_tag_list *l = malloc(sizeof(*l));
	T_EQ_INT(
	    ea_tag_list_parse(ea_span(base, (size_t)blen), "k", l, NULL), 0);
	size_t have = l->n;
	free(l);
	for (size_t total = 64; total <= 65; total++) {
		int o = snprintf(rec, sizeof(rec), "%s", base);
		for (size_t i = have; i < total; i++)
			o += snprintf(
			    rec + o, sizeof(rec) - (size_t)o, "; z%zu=1", i);
		T_EQ_INT(ea_dkim_pubkey_parse(ea_span_str(rec), &k, NULL), 0);
		T_EQ_INT(k.error, total == 64 ? EA_KEY_OK : EA_KEY_SYNTAX);
		ea_dkim_pubkey_release(&k);
	}
}

/* Ours, the key cache: 128 keys per context; the 129th replaces the
 * oldest, which is then asked for again (a DNS failure now: temperror,
 * never the old key). A TTL over an hour is kept for an hour. */
static void
test_key_cache_edges(void)
{
	struct emauth_ctx *ctx;
	struct ea_resolver res;
	struct ea_store *s;
	struct emauth_dkim_result r;
	static char *msgs[129];
	char name[64], sel[16];
	int st;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&res, &s);
	ea_ctx_set_resolver(ctx, &res);
	emauth_ctx_set_clock(ctx, clock_fn, NULL);
	for (int i = 0; i < 129; i++) {
		snprintf(sel, sizeof(sel), "k%d", i);
		snprintf(name, sizeof(name), "k%d._domainkey.example.com", i);
		publish(s, name, ed, 0);
		struct emauth_dkim_sign_spec sp = spec(sel, ed);
		msgs[i] = sign(ctx, corpus[0], &sp, 1, &st);
		struct emauth_dkim_verifier *v = verify(ctx, msgs[i], 0, NULL);
		T_EQ_INT(result_of(v, 0, NULL), EMAUTH_RES_PASS);
		emauth_dkim_verifier_free(v);
	}
	for (int i = 0; i < 129; i++) {
		snprintf(name, sizeof(name), "k%d._domainkey.example.com", i);
		ea_store_fail(
		    s, ea_span_str(name), EA_DNS_T_TXT, EA_STORE_SERVFAIL);
	}
	for (int i = 0; i < 129; i++) {
		struct emauth_dkim_verifier *v = verify(ctx, msgs[i], 0, NULL);
		enum emauth_result got = result_of(v, 0, &r);
		if (i == 0) {
			T_EQ_INT(got, EMAUTH_RES_TEMPERROR);
			T_EQ_INT(r.reason, EMAUTH_DKIM_DNS);
		} else if (got != EMAUTH_RES_PASS) {
			T_FAILF("key %d: %s (%s)", i, emauth_result_name(got),
			    r.detail);
		}
		emauth_dkim_verifier_free(v);
		free(msgs[i]);
	}
	emauth_ctx_free(ctx);
	/* A key record with a TTL of a day: kept 3600 seconds. */
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&res, &s);
	ea_ctx_set_resolver(ctx, &res);
	emauth_ctx_set_clock(ctx, clock_fn, NULL);
	char rec[256];
	int len = emauth_dkim_key_record(ed, 0, rec, sizeof(rec));
	uint8_t rd[300];
	rd[0] = (uint8_t)len;
	memcpy(rd + 1, rec, (size_t)len);
	T_EQ_INT(ea_store_add(s, ea_span_str("day._domainkey.example.com"),
	             EA_DNS_T_TXT, 86400, ea_span(rd, (size_t)len + 1)),
	    0);
	struct emauth_dkim_sign_spec sp = spec("day", ed);
	char *m = sign(ctx, corpus[0], &sp, 1, &st);
	struct emauth_dkim_verifier *v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, NULL), EMAUTH_RES_PASS);
	emauth_dkim_verifier_free(v);
	ea_store_fail(s, ea_span_str("day._domainkey.example.com"),
	    EA_DNS_T_TXT, EA_STORE_SERVFAIL);
	int64_t saved = now;
	now = saved + 3599;
	v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, NULL), EMAUTH_RES_PASS);
	emauth_dkim_verifier_free(v);
	now = saved + 3600;
	v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, NULL), EMAUTH_RES_TEMPERROR);
	emauth_dkim_verifier_free(v);
	now = saved;
	free(m);
	emauth_ctx_free(ctx);
}

/* The signer's own caps, at the value and one more: a header name list
 * of 2047 bytes is taken, of 2048 refused (EINVAL); a header block of
 * 1000 fields is signed, of 1001 it is not (ETOOBIG): never a signature
 * over part of what it was asked to sign. */
static void
test_signer_cap_edges(void)
{
	struct emauth_ctx *ctx = make_ctx();
	struct emauth_dkim_signer *sg;
	static char list[2100];
	int st;
	for (size_t len = 2047; len <= 2048; len++) {
		memset(list, 'a', len);
		memcpy(list, "from:", 5);
		list[len] = '\0';
		struct emauth_dkim_sign_spec sp = spec("ed", ed);
		sp.headers = list;
		int rc = emauth_dkim_signer_new(ctx, &sp, 1, &sg, NULL);
		T_EQ_INT(rc, len == 2047 ? 0 : EMAUTH_EINVAL);
		if (rc == 0)
			emauth_dkim_signer_free(sg);
	}
	for (size_t fields = 1000; fields <= 1001; fields++) {
		/* corpus[0] has 3 fields. */
		char *big = malloc(fields * 8 + 100);
		size_t o = 0;
		for (size_t i = 3; i < fields; i++)
			memcpy(big + o, "X-F: f\r\n", 8), o += 8;
		strcpy(big + o, corpus[0]);
		struct emauth_dkim_sign_spec sp = spec("ed", ed);
		char *m = sign(ctx, big, &sp, 1, &st);
		if (fields == 1000) {
			T_EQ_INT(st, 0);
			/* With its signature the message has 1001 fields:
			 * over the verifier's default cap, within this one. */
			struct emauth_dkim_verify_opts vo = {0};
			vo.max_header_fields = 1001;
			struct emauth_dkim_verifier *v = verify(ctx, m, 0, &vo);
			T_EQ_INT(result_of(v, 0, NULL), EMAUTH_RES_PASS);
			emauth_dkim_verifier_free(v);
		} else {
			T_EQ_INT(st, EMAUTH_ETOOBIG);
			T_TRUE(m == NULL);
		}
		free(m);
		free(big);
	}
	emauth_ctx_free(ctx);
}

/* The over-signed name list (1024 bytes with its NUL, ours): 1023 bytes
 * are taken, 1024 refused (EINVAL), never cut. */
static void
test_signer_oversign_edges(void)
{
	struct emauth_ctx *ctx = make_ctx();
	struct emauth_dkim_signer *sg;
	static char list[1100];
	for (size_t len = 1023; len <= 1024; len++) {
		memset(list, 'o', len);
		list[len] = '\0';
		struct emauth_dkim_sign_spec sp = spec("ed", ed);
		sp.oversign = list;
		int rc = emauth_dkim_signer_new(ctx, &sp, 1, &sg, NULL);
		T_EQ_INT(rc, len == 1023 ? 0 : EMAUTH_EINVAL);
		if (rc == 0)
			emauth_dkim_signer_free(sg);
	}
	emauth_ctx_free(ctx);
}

/* Ours, the private key file (64 KiB): a PEM key with other text before
 * it, 65,536 bytes in all, loads; one byte more is ETOOBIG. */
static void
test_key_file_edges(void)
{
	static char pem[65536 + 2];
	char key[4096];
	int klen = emauth_dkim_key_pem(ed, key, sizeof(key));
	T_TRUE(klen > 0);
	for (size_t len = 65536; len <= 65537; len++) {
		size_t pad = len - (size_t)klen;
		memset(pem, '#', pad);
		for (size_t i = 79; i < pad; i += 80)
			pem[i] = '\n';
		pem[pad - 1] = '\n';
		memcpy(pem + pad, key, (size_t)klen);
		struct emauth_dkim_key *k = NULL;
		int rc = emauth_dkim_key_load(ea_span(pem, len), &k, NULL);
		T_EQ_INT(rc, len == 65536 ? 0 : EMAUTH_ETOOBIG);
		emauth_dkim_key_free(k);
	}
	/* A key file that is refused is never quoted in the diagnostic (it
	 * would put key material in logs): no excerpt, for any refusal. */
	static const char *const bad[] = {
	    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIsecretsecret\n"
	    "-----END PRIVATE KEY-----\n",
	    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0w\n"
	    "-----END ENCRYPTED PRIVATE KEY-----\n",
	    "secretsecretsecretsecret"};
	for (size_t i = 0; i < EA_ARRAY_LEN(bad); i++) {
		struct emauth_dkim_key *k = NULL;
		struct emauth_diag d;
		memset(&d, 0, sizeof(d));
		T_EQ_INT(emauth_dkim_key_load(ea_span_str(bad[i]), &k, &d),
		    EMAUTH_ESYNTAX);
		T_EQ_STR(d.excerpt, "");
		T_TRUE(d.msg != NULL && strstr(d.msg, "secret") == NULL);
	}
}

/* emauth_dkim_key_lookup (the domain check): selector._domainkey.domain
 * of 253 characters is asked, of 254 it is EINVAL. */
static void
test_key_lookup_name_edges(void)
{
	struct emauth_ctx *ctx = make_ctx();
	struct emauth_dkim_key_info info;
	char sel[240];
	/* "._domainkey.example.com" is 23 characters. */
	for (size_t len = 253 - 23; len <= 254 - 23; len++) {
		memset(sel, 'k', len);
		for (size_t i = 63; i < len; i += 64)
			sel[i] = '.';
		sel[len] = '\0';
		int rc = emauth_dkim_key_lookup(ctx, sel, "example.com", &info);
		if (len + 23 == 253) {
			T_EQ_INT(rc, 0);
			T_EQ_INT(info.found, 0);
			T_EQ_INT(info.dns_error, 0);
		} else {
			T_EQ_INT(rc, EMAUTH_EINVAL);
		}
	}
	emauth_ctx_free(ctx);
}

int
main(void)
{
	if (emauth_dkim_key_generate(EMAUTH_DKIM_RSA_SHA256, 2048, &rsa) != 0 ||
	    emauth_dkim_key_generate(EMAUTH_DKIM_ED25519_SHA256, 0, &ed) != 0)
		return 2;
	T_RUN(test_round_trips);
	T_RUN(test_tampering);
	T_RUN(test_verifier_reuse);
	T_RUN(test_body_length);
	T_RUN(test_expiry_and_keys);
	T_RUN(test_signer_refusals);
	T_RUN(test_key_formats);
	T_RUN(test_key_cache);
	T_RUN(test_selector_cname);
	T_RUN(test_key_record_sizes);
	T_RUN(test_signatures_past_header_cap);
	T_RUN(test_signature_count_edges);
	T_RUN(test_header_cap_edges);
	T_RUN(test_key_name_edges);
	T_RUN(test_key_record_value_edges);
	T_RUN(test_key_cache_edges);
	T_RUN(test_signer_cap_edges);
	T_RUN(test_signer_oversign_edges);
	T_RUN(test_key_file_edges);
	T_RUN(test_key_lookup_name_edges);
	emauth_dkim_key_free(rsa);
	emauth_dkim_key_free(ed);
	return t_summary();
}
