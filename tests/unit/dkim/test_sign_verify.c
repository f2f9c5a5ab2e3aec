/*
 * test_sign_verify.c: the DKIM signer and verifier together: every
 * canonicalization pair with RSA and Ed25519 on a corpus of hard messages,
 * fed in chunks of every size; tampering; l=; over-signed From; x=; the
 * refusals of the signer; key record round trips.
 */
#include "common/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/ctx.h"
#include "common/span.h"
#include "dkim/key.h"
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
	/* Past the TTL (300 s, raised to the 60 s floor at most), DNS is
	 * asked again. */
	now += 301;
	v = verify(ctx, m, 0, NULL);
	T_EQ_INT(result_of(v, 0, &res), EMAUTH_RES_TEMPERROR);
	T_EQ_INT(res.reason, EMAUTH_DKIM_DNS);
	emauth_dkim_verifier_free(v);
	now -= 301;
	free(m);
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
	emauth_dkim_key_free(rsa);
	emauth_dkim_key_free(ed);
	return t_summary();
}
