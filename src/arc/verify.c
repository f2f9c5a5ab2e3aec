/*
 * verify.c: ARC chain validation (RFC 8617 §5.2), streaming like the DKIM
 * verifier: the header block is kept (bounded), the body goes through the
 * canonicalizers of the ARC-Message-Signatures into SHA-256 as it comes,
 * and at the end the keys are fetched (through the DKIM key cache) and:
 *   1. no ARC field: none;
 *   2. the newest seal says cv=fail: fail;
 *   3. the structure (instances 1..N, one of each field per instance,
 *      cv=none at 1 and pass after it) or a field that does not parse:
 *      fail;
 *   4. the newest ARC-Message-Signature does not verify: fail;
 *   5. oldest-pass: the older ones from N-1 down, while they verify;
 *   6. a seal, from N down to 1, does not verify: fail;
 *   7. pass.
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "../common/alloc.h"
#include "../common/buf.h"
#include "../common/ctx.h"
#include "../common/span.h"
#include "../dkim/canon.h"
#include "../dkim/hash.h"
#include "../dkim/key.h"
#include "set.h"

#include <emauth/arc.h>

enum state { HEADERS, BODY, DONE };

struct emauth_arc_verifier {
	struct ea_ctx_link link;
	struct emauth_arc_verify_opts o;
	enum state st;
	struct ea_hdrs hdrs;
	bool over_cap;
	struct ea_arc_chain chain;
	bool decided; /* the result is known at the end of the header */
	struct ea_dkim_sig *ams; /* [1..n], parsed at the end of the header */
	int *ams_body;           /* the hasher of each (-1: does not parse) */
	char (*ams_why)[200];
	struct ea_bodies bodies;
	struct ea_buf data;
	EVP_MD_CTX *hmd;
	struct emauth_arc_result res;
};

EMAUTH_API const char *
emauth_arc_cv_name(enum emauth_arc_cv cv)
{
	return cv == EMAUTH_ARC_PASS   ? "pass"
	       : cv == EMAUTH_ARC_FAIL ? "fail"
	                               : "none";
}

EMAUTH_API void
emauth_arc_verify_opts_init(struct emauth_arc_verify_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->oldest_pass = 1;
}

EMAUTH_API int
emauth_arc_verifier_new(struct emauth_ctx *ctx,
    const struct emauth_arc_verify_opts *opts, struct emauth_arc_verifier **out)
{
	struct emauth_arc_verifier *v = ea_calloc(1, sizeof(*v));
	if (v == NULL)
		return EMAUTH_ENOMEM;
	ea_ctx_link(ctx, &v->link);
	if (opts)
		v->o = *opts;
	else
		emauth_arc_verify_opts_init(&v->o);
	if (v->o.max_header_bytes == 0)
		v->o.max_header_bytes = 1 << 20;
	if (v->o.max_header_fields == 0)
		v->o.max_header_fields = 1000;
	ea_hdrs_init(&v->hdrs, v->o.max_header_bytes, v->o.max_header_fields);
	ea_buf_init(&v->data, v->o.max_header_bytes * 2 + 65536);
	*out = v;
	return 0;
}

EMAUTH_API void
emauth_arc_verifier_free(struct emauth_arc_verifier *v)
{
	if (v == NULL)
		return;
	ea_ctx_unlink(&v->link);
	ea_bodies_release(&v->bodies);
	ea_hdrs_release(&v->hdrs);
	ea_buf_release(&v->data);
	EVP_MD_CTX_free(v->hmd);
	ea_free(v->ams);
	ea_free(v->ams_body);
	ea_free(v->ams_why);
	ea_free(v);
}

EMAUTH_API int
emauth_arc_verifier_header(
    struct emauth_arc_verifier *v, struct emauth_span field)
{
	if (v->st != HEADERS)
		return EMAUTH_ESTATE;
	int rc = ea_hdrs_add(&v->hdrs, field);
	if (rc == EMAUTH_ETOOBIG)
		v->over_cap = true;
	return rc;
}

static void
decide(struct emauth_arc_verifier *v, enum emauth_arc_cv cv, const char *why)
{
	v->res.cv = cv;
	ea_copy_str(v->res.reason, sizeof(v->res.reason), why);
	v->decided = true;
}

/* What the sets say of themselves (sealers, cv=, results), for a chain
 * decided without verifying: each field that parses; nothing checked. */
static void
describe(struct emauth_arc_verifier *v)
{
	const struct ea_arc_chain *c = &v->chain;
	struct ea_arc_seal *seal = ea_malloc(sizeof(*seal));
	struct ea_dkim_sig *sig = ea_malloc(sizeof(*sig));
	char why[200];
	for (unsigned i = 1; i <= c->n && seal && sig; i++) {
		struct emauth_arc_instance *in = &v->res.inst[i - 1];
		in->i = i;
		if (c->as[i] != SIZE_MAX &&
		    ea_arc_seal_parse(ea_hdrs_get(&v->hdrs, c->as[i]), seal,
		        why, sizeof(why)) == 0) {
			ea_copy_str(in->as_domain, sizeof(in->as_domain),
			    seal->d);
			ea_copy_str(
			    in->as_selector, sizeof(in->as_selector), seal->s);
			ea_copy_str(in->cv, sizeof(in->cv),
			    emauth_arc_cv_name(seal->cv));
		}
		unsigned k;
		if (c->ams[i] != SIZE_MAX &&
		    ea_arc_ams_parse(ea_hdrs_get(&v->hdrs, c->ams[i]), sig, &k,
		        why, sizeof(why)) == 0) {
			ea_copy_str(in->ams_domain, sizeof(in->ams_domain),
			    sig->d);
			ea_copy_str(
			    in->ams_selector, sizeof(in->ams_selector), sig->s);
		}
	}
	ea_free(seal);
	ea_free(sig);
}

EMAUTH_API int
emauth_arc_verifier_eoh(struct emauth_arc_verifier *v)
{
	if (v->st != HEADERS)
		return EMAUTH_ESTATE;
	v->st = BODY;
	struct ea_arc_chain *c = &v->chain;
	ea_arc_chain_scan(&v->hdrs, c);
	v->res.instances = c->n;
	/* Fail closed: fields past the header caps may be ARC fields. */
	if (v->over_cap) {
		decide(v, EMAUTH_ARC_FAIL,
		    "the header block is over the caps: the chain cannot be "
		    "read whole");
		return 0;
	}
	if (c->n == 0) {
		decide(v, EMAUTH_ARC_NONE, "no ARC sets");
		return 0;
	}
	/* §5.2 step 2: the newest seal says the chain failed already. */
	if (!c->broken && c->last_cv_known && c->last_cv == EMAUTH_ARC_FAIL) {
		decide(v, EMAUTH_ARC_FAIL, "the newest ARC-Seal says cv=fail");
		describe(v);
		return 0;
	}
	if (c->broken) {
		decide(v, EMAUTH_ARC_FAIL, c->why);
		describe(v);
		return 0;
	}
	v->ams = ea_calloc(c->n + 1, sizeof(*v->ams));
	v->ams_body = ea_calloc(c->n + 1, sizeof(*v->ams_body));
	v->ams_why = ea_calloc(c->n + 1, sizeof(*v->ams_why));
	if (v->ams == NULL || v->ams_body == NULL || v->ams_why == NULL)
		return EMAUTH_ENOMEM;
	for (unsigned i = 1; i <= c->n; i++) {
		v->ams_body[i] = -1;
		/* Only the newest is required; the older ones for
		 * oldest-pass. */
		if (i < c->n && !v->o.oldest_pass)
			continue;
		unsigned inst = 0;
		if (ea_arc_ams_parse(ea_hdrs_get(&v->hdrs, c->ams[i]),
		        &v->ams[i], &inst, v->ams_why[i],
		        sizeof(v->ams_why[i])) != 0)
			continue;
		int b = ea_bodies_get(
		    &v->bodies, v->ams[i].bc, v->ams[i].has_l, v->ams[i].l);
		if (b < 0)
			return b;
		v->ams_body[i] = b;
	}
	return 0;
}

EMAUTH_API int
emauth_arc_verifier_body(
    struct emauth_arc_verifier *v, struct emauth_span chunk)
{
	if (v->st != BODY)
		return EMAUTH_ESTATE;
	if (!v->decided)
		ea_bodies_feed(&v->bodies, chunk.p, chunk.len);
	return 0;
}

/* The key of d=, s= for algorithm @alg; on failure @why says why and
 * *@temp whether it may be temporary. */
static bool
key_for(struct emauth_arc_verifier *v, const char *d, const char *s,
    enum ea_dkim_alg alg, struct ea_dkim_pubkey *key, char *why, size_t whysize,
    bool *temp)
{
	enum emauth_dkim_reason r;
	*temp = false;
	if (ea_dkim_key_fetch(v->link.ctx, d, s, key, &r, why, whysize) != 0) {
		*temp = r == EMAUTH_DKIM_DNS;
		return false;
	}
	if ((key->type == EA_KEY_RSA) != (alg == EA_ALG_RSA_SHA256)) {
		snprintf(why, whysize,
		    "the key at %s._domainkey.%s is not "
		    "of the signature's algorithm",
		    s, d);
		ea_dkim_pubkey_release(key);
		return false;
	}
	if (!key->sha256_ok) {
		snprintf(why, whysize,
		    "the key at %s._domainkey.%s does not allow sha256", s, d);
		ea_dkim_pubkey_release(key);
		return false;
	}
	return true;
}

/* Verifies the ARC-Message-Signature of instance @i. */
static enum emauth_result
check_ams(struct emauth_arc_verifier *v, unsigned i, char *why, size_t whysize,
    bool *temp)
{
	*temp = false;
	if (v->ams_body[i] < 0) {
		ea_copy_str(why, whysize, v->ams_why[i]);
		return EMAUTH_RES_PERMERROR;
	}
	const struct ea_dkim_sig *g = &v->ams[i];
	const struct ea_bodyhash *b = &v->bodies.b[v->ams_body[i]];
	if (g->has_l && g->l > b->bc.total) {
		snprintf(why, whysize, "l=%llu is longer than the body",
		    (unsigned long long)g->l);
		return EMAUTH_RES_FAIL;
	}
	if (g->bhlen != 32 || memcmp(g->bh, b->digest, 32) != 0) {
		ea_copy_str(why, whysize, "body hash mismatch");
		return EMAUTH_RES_FAIL;
	}
	struct ea_dkim_pubkey key;
	if (!key_for(v, g->d, g->s, g->alg, &key, why, whysize, temp))
		return *temp ? EMAUTH_RES_TEMPERROR : EMAUTH_RES_PERMERROR;
	/* The signed data: the fields of h=, then this field with the
	 * value of b= taken out (RFC 6376 §3.7, as RFC 8617 §4.1.2). */
	size_t n = g->field.len - (g->b_end - g->b_start);
	uint8_t *self = ea_malloc(n ? n : 1);
	int rc = EMAUTH_ENOMEM;
	if (self != NULL) {
		memcpy(self, g->field.p, g->b_start);
		memcpy(self + g->b_start, g->field.p + g->b_end,
		    g->field.len - g->b_end);
		ea_buf_reset(&v->data);
		rc = ea_dkim_header_data(
		    &v->hdrs, g->h, g->nh, g->hc, ea_span(self, n), &v->data);
		ea_free(self);
	}
	if (v->hmd == NULL)
		v->hmd = EVP_MD_CTX_new();
	bool good = rc == 0 && ea_dkim_verify(key.pkey, key.vctx, v->hmd,
	                           g->alg, &v->data, g->b, g->blen);
	ea_dkim_pubkey_release(&key);
	if (!good) {
		ea_copy_str(why, whysize,
		    rc == 0 ? "signature did not verify" : "out of memory");
		return rc == 0 ? EMAUTH_RES_FAIL : EMAUTH_RES_TEMPERROR;
	}
	ea_copy_str(why, whysize, "signature verified");
	return EMAUTH_RES_PASS;
}

/* Verifies the ARC-Seal of instance @i over the sets 1..i (§5.1.1: each
 * set as AAR, AMS, AS, relaxed; the seal itself last, b= emptied, without
 * CRLF). */
static enum emauth_result
check_seal(struct emauth_arc_verifier *v, unsigned i, struct ea_arc_seal *s,
    char *why, size_t whysize, bool *temp)
{
	*temp = false;
	struct ea_arc_chain *c = &v->chain;
	ea_buf_reset(&v->data);
	int rc = 0;
	for (unsigned j = 1; j <= i && rc == 0; j++) {
		rc = ea_canon_header(EA_CANON_RELAXED,
		    ea_hdrs_get(&v->hdrs, c->aar[j]), true, &v->data);
		if (rc == 0)
			rc = ea_canon_header(EA_CANON_RELAXED,
			    ea_hdrs_get(&v->hdrs, c->ams[j]), true, &v->data);
		if (rc == 0 && j < i)
			rc = ea_canon_header(EA_CANON_RELAXED,
			    ea_hdrs_get(&v->hdrs, c->as[j]), true, &v->data);
	}
	if (rc == 0) {
		struct emauth_span f = s->field;
		size_t n = f.len - (s->b_end - s->b_start);
		uint8_t *self = ea_malloc(n ? n : 1);
		if (self == NULL)
			return EMAUTH_RES_TEMPERROR;
		memcpy(self, f.p, s->b_start);
		memcpy(self + s->b_start, f.p + s->b_end, f.len - s->b_end);
		rc = ea_canon_header(
		    EA_CANON_RELAXED, ea_span(self, n), false, &v->data);
		ea_free(self);
	}
	if (rc != 0) {
		ea_copy_str(why, whysize, "the sets are over the size cap");
		return EMAUTH_RES_PERMERROR;
	}
	struct ea_dkim_pubkey key;
	if (!key_for(v, s->d, s->s, s->alg, &key, why, whysize, temp))
		return *temp ? EMAUTH_RES_TEMPERROR : EMAUTH_RES_PERMERROR;
	if (v->hmd == NULL)
		v->hmd = EVP_MD_CTX_new();
	bool good = ea_dkim_verify(
	    key.pkey, key.vctx, v->hmd, s->alg, &v->data, s->b, s->blen);
	ea_dkim_pubkey_release(&key);
	ea_copy_str(
	    why, whysize, good ? "seal verified" : "seal did not verify");
	return good ? EMAUTH_RES_PASS : EMAUTH_RES_FAIL;
}

static void
fail_at(struct emauth_arc_verifier *v, bool temp, const char *fmt, unsigned i,
    const char *detail)
{
	char m[sizeof(v->res.reason)];
	snprintf(m, sizeof(m), fmt, i, detail);
	decide(v, EMAUTH_ARC_FAIL, m);
	v->res.temporary = temp;
}

static void
validate(struct emauth_arc_verifier *v)
{
	struct ea_arc_chain *c = &v->chain;
	unsigned n = c->n;
	char why[300];
	bool temp = false;
	struct ea_arc_seal *seals = ea_calloc(n + 1, sizeof(*seals));
	if (seals == NULL) {
		decide(v, EMAUTH_ARC_FAIL, "out of memory");
		v->res.temporary = 1;
		return;
	}
	for (unsigned i = 1; i <= n; i++) {
		struct emauth_arc_instance *in = &v->res.inst[i - 1];
		in->i = i;
		struct emauth_span rest;
		unsigned k;
		struct emauth_span aar = ea_hdrs_get(&v->hdrs, c->aar[i]);
		if (ea_arc_aar_parse(aar, &k, &rest, why, sizeof(why)) == 0) {
			size_t o = 0;
			for (size_t q = 0;
			     q < rest.len && o + 1 < sizeof(in->aar); q++) {
				uint8_t ch = rest.p[q];
				if (ch == '\r' || ch == '\n')
					continue;
				in->aar[o++] = ch == '\t' ? ' ' : (char)ch;
			}
			in->aar[o] = '\0';
		}
		if (ea_arc_seal_parse(ea_hdrs_get(&v->hdrs, c->as[i]),
		        &seals[i], why, sizeof(why)) != 0) {
			fail_at(v, false, "instance %u: %s", i, why);
			goto out;
		}
		ea_copy_str(in->as_domain, sizeof(in->as_domain), seals[i].d);
		ea_copy_str(
		    in->as_selector, sizeof(in->as_selector), seals[i].s);
		ea_copy_str(
		    in->cv, sizeof(in->cv), emauth_arc_cv_name(seals[i].cv));
		if (v->ams_body[i] >= 0) {
			ea_copy_str(in->ams_domain, sizeof(in->ams_domain),
			    v->ams[i].d);
			ea_copy_str(in->ams_selector, sizeof(in->ams_selector),
			    v->ams[i].s);
		}
		/* §5.2 step 3: cv=none at 1, pass after it. */
		enum emauth_arc_cv want =
		    i == 1 ? EMAUTH_ARC_NONE : EMAUTH_ARC_PASS;
		if (seals[i].cv != want) {
			char m[64];
			snprintf(m, sizeof(m), "cv=%s where cv=%s belongs",
			    emauth_arc_cv_name(seals[i].cv),
			    emauth_arc_cv_name(want));
			fail_at(
			    v, false, "instance %u: the ARC-Seal has %s", i, m);
			goto out;
		}
	}
	/* Step 4: the newest AMS. */
	struct emauth_arc_instance *top = &v->res.inst[n - 1];
	top->ams = check_ams(v, n, why, sizeof(why), &temp);
	ea_copy_str(top->ams_detail, sizeof(top->ams_detail), why);
	if (top->ams != EMAUTH_RES_PASS) {
		fail_at(
		    v, temp, "instance %u: ARC-Message-Signature: %s", n, why);
		goto out;
	}
	/* Step 5: oldest-pass. */
	v->res.oldest_pass = 0;
	if (v->o.oldest_pass) {
		for (unsigned i = n - 1; i >= 1; i--) {
			struct emauth_arc_instance *in = &v->res.inst[i - 1];
			in->ams = check_ams(v, i, why, sizeof(why), &temp);
			ea_copy_str(
			    in->ams_detail, sizeof(in->ams_detail), why);
			if (in->ams != EMAUTH_RES_PASS) {
				v->res.oldest_pass = i + 1;
				break;
			}
		}
	}
	/* Step 6: every seal, newest first. */
	for (unsigned i = n; i >= 1; i--) {
		struct emauth_arc_instance *in = &v->res.inst[i - 1];
		in->as = check_seal(v, i, &seals[i], why, sizeof(why), &temp);
		ea_copy_str(in->as_detail, sizeof(in->as_detail), why);
		if (in->as != EMAUTH_RES_PASS) {
			fail_at(v, temp, "instance %u: ARC-Seal: %s", i, why);
			goto out;
		}
	}
	char m[80];
	snprintf(m, sizeof(m), "%u ARC set%s verified", n, n == 1 ? "" : "s");
	decide(v, EMAUTH_ARC_PASS, m);
out:
	ea_free(seals);
}

EMAUTH_API int
emauth_arc_verifier_finish(struct emauth_arc_verifier *v)
{
	if (v->st != BODY)
		return EMAUTH_ESTATE;
	v->st = DONE;
	if (v->decided)
		return 0;
	ea_bodies_finish(&v->bodies);
	if (v->link.ctx == NULL) {
		decide(v, EMAUTH_ARC_FAIL, "no library context to fetch keys");
		v->res.temporary = 1;
		return 0;
	}
	validate(v);
	return 0;
}

EMAUTH_API int
emauth_arc_verifier_result(
    const struct emauth_arc_verifier *v, struct emauth_arc_result *out)
{
	if (v->st != DONE)
		return EMAUTH_ESTATE;
	*out = v->res;
	return 0;
}

EMAUTH_API int
emauth_arc_trusted(const struct emauth_arc_result *r,
    const char *const *trusted, size_t n, char *comment, size_t size)
{
	if (r == NULL || r->cv != EMAUTH_ARC_PASS || r->instances == 0 ||
	    r->instances > EMAUTH_ARC_MAX)
		return 0;
	const struct emauth_arc_instance *top = &r->inst[r->instances - 1];
	if (top->as != EMAUTH_RES_PASS || top->as_domain[0] == '\0')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (trusted[i] == NULL ||
		    !ea_span_ieq_str(ea_span_str(top->as_domain), trusted[i]))
			continue;
		if (comment != NULL && size > 0)
			snprintf(comment, size, "arc=pass, sealed by %s (i=%u)",
			    top->as_domain, top->i);
		return 1;
	}
	return 0;
}
