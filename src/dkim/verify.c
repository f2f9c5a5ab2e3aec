/*
 * verify.c: the streaming DKIM verifier (RFC 6376 §6). Header fields are
 * kept (bounded); at the end of the header block every DKIM-Signature is
 * parsed and each distinct body canonicalization gets one hasher; body
 * chunks go through the canonicalizers into SHA-256 as they arrive; at the
 * end the keys are fetched through the resolver and each signature is
 * checked. Results use RFC 8601 words; see docs/internals/dkim.md for the
 * mapping from reasons to results.
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "../common/alloc.h"
#include "../common/buf.h"
#include "../common/crypto.h"
#include "../common/ctx.h"
#include "../common/span.h"
#include "../dns/rdata.h"
#include "canon.h"
#include "hash.h"
#include "key.h"
#include "keycache.h"
#include "sig.h"

#include <emauth/dkim.h>

struct sigstate {
	struct ea_dkim_sig sig;
	struct emauth_dkim_result res;
	bool ok;      /* parsed and still to be checked */
	size_t field; /* index of its header field */
	int body;     /* index into bodies */
};

enum state { HEADERS, BODY, DONE };

struct emauth_dkim_verifier {
	struct ea_ctx_link link; /* link.ctx: the context, or NULL */
	struct emauth_dkim_verify_opts o;
	enum state st;
	struct ea_hdrs hdrs;
	struct sigstate *sigs;
	size_t nsigs, total_sigs, sigs_cap;
	size_t sigs_lost; /* DKIM-Signature fields past the header cap */
	struct ea_bodies bodies;
	struct ea_buf data; /* the signed data of one signature, reused */
	EVP_MD_CTX *hmd;    /* its SHA-256, made on first use, reused */
};

static void
destroy(void *p)
{
	struct emauth_dkim_verifier *v = p;
	if (v == NULL)
		return;
	ea_bodies_release(&v->bodies);
	ea_free(v->sigs);
	ea_hdrs_release(&v->hdrs);
	ea_buf_release(&v->data);
	EVP_MD_CTX_free(v->hmd);
	ea_free(v);
}

int
emauth_dkim_verifier_new(struct emauth_ctx *ctx,
    const struct emauth_dkim_verify_opts *opts,
    struct emauth_dkim_verifier **out)
{
	/* The verifier the context kept from its last message, with its
	 * buffers and hashing contexts (a dozen allocations fewer), or a
	 * new one. */
	struct emauth_dkim_verifier *v = ctx ? ctx->dkim_spare : NULL;
	bool reused = v != NULL;
	if (reused)
		ctx->dkim_spare = NULL;
	else if ((v = ea_calloc(1, sizeof(*v))) == NULL)
		return EMAUTH_ENOMEM;
	ea_ctx_link(ctx, &v->link);
	v->st = HEADERS;
	v->nsigs = v->total_sigs = v->sigs_lost = 0;
	memset(&v->o, 0, sizeof(v->o));
	if (opts)
		v->o = *opts;
	if (v->o.max_signatures == 0)
		v->o.max_signatures = 10;
	if (v->o.max_header_bytes == 0)
		v->o.max_header_bytes = 1 << 20;
	if (v->o.max_header_fields == 0)
		v->o.max_header_fields = 1000;
	if (reused) {
		ea_hdrs_clear(
		    &v->hdrs, v->o.max_header_bytes, v->o.max_header_fields);
		ea_bodies_clear(&v->bodies);
	} else {
		ea_hdrs_init(
		    &v->hdrs, v->o.max_header_bytes, v->o.max_header_fields);
	}
	*out = v;
	return 0;
}

/* A verifier whose buffers grew past this (a large header block, or many
 * fields: 32 bytes each in the field table) is freed rather than kept. */
#define SPARE_MAX_BYTES (64 * 1024)
#define SPARE_MAX_FIELDS 256

void
emauth_dkim_verifier_free(struct emauth_dkim_verifier *v)
{
	if (v == NULL)
		return;
	struct emauth_ctx *ctx = v->link.ctx;
	ea_ctx_unlink(&v->link);
	if (ctx != NULL && ctx->dkim_spare == NULL &&
	    v->hdrs.buf.cap <= SPARE_MAX_BYTES &&
	    v->hdrs.cap <= SPARE_MAX_FIELDS &&
	    v->data.cap <= 2 * SPARE_MAX_BYTES && v->sigs_cap <= 16) {
		ctx->dkim_spare = v;
		ctx->dkim_spare_free = destroy;
		return;
	}
	destroy(v);
}

int
emauth_dkim_verifier_header(
    struct emauth_dkim_verifier *v, struct emauth_span field)
{
	if (v->st != HEADERS)
		return EMAUTH_ESTATE;
	int rc = ea_hdrs_add(&v->hdrs, field);
	/* A signature past the cap is not kept, but it is counted (and
	 * reported as not verifiable): the count stays true. */
	if (rc == EMAUTH_ETOOBIG &&
	    ea_span_ieq_str(ea_field_name(field), "dkim-signature"))
		v->sigs_lost++;
	return rc;
}

static bool
is_dkim_signature(const struct ea_hdrs *h, size_t i)
{
	return ea_hdrs_is(h, i, ea_span_str("dkim-signature"));
}

static void
set_result(struct sigstate *s, enum emauth_result r,
    enum emauth_dkim_reason why, const char *detail)
{
	s->res.result = r;
	s->res.reason = why;
	ea_copy_str(s->res.detail, sizeof(s->res.detail),
	    detail ? detail : emauth_dkim_reason_text(why));
	s->ok = false;
}

/* The verdict for each refusal (see docs/internals/dkim.md). */
static enum emauth_result
refusal_result(enum emauth_dkim_reason r)
{
	switch (r) {
	case EMAUTH_DKIM_SHA1:
	case EMAUTH_DKIM_KEY_TOO_SHORT:
	case EMAUTH_DKIM_BODY_HASH:
	case EMAUTH_DKIM_SIGNATURE:
		return EMAUTH_RES_FAIL;
	case EMAUTH_DKIM_DNS:
		return EMAUTH_RES_TEMPERROR;
	case EMAUTH_DKIM_PARTIAL_BODY:
		return EMAUTH_RES_POLICY;
	case EMAUTH_DKIM_NOT_CHECKED:
		return EMAUTH_RES_NEUTRAL;
	default:
		return EMAUTH_RES_PERMERROR;
	}
}

static void
refuse(struct sigstate *s, enum emauth_dkim_reason r, const char *detail)
{
	set_result(s, refusal_result(r), r, detail);
}

static void
fill_ids(struct sigstate *s)
{
	const struct ea_dkim_sig *g = &s->sig;
	static const char *const canon[2][2] = {
	    {"simple/simple", "simple/relaxed"},
	    {"relaxed/simple", "relaxed/relaxed"}};
	ea_copy_str(s->res.domain, sizeof(s->res.domain), g->d);
	ea_copy_str(s->res.selector, sizeof(s->res.selector), g->s);
	ea_copy_str(s->res.identity, sizeof(s->res.identity), g->i);
	ea_copy_str(s->res.algorithm, sizeof(s->res.algorithm),
	    g->alg == EA_ALG_ED25519_SHA256 ? "ed25519-sha256" : "rsa-sha256");
	ea_copy_str(s->res.canon, sizeof(s->res.canon),
	    canon[g->hc == EA_CANON_RELAXED][g->bc == EA_CANON_RELAXED]);
	/* RFC 8601 header.b: the first 8 characters of b=, which encode its
	 * first 6 bytes. */
	char b64[16];
	if (ea_base64_encode(
	        g->b, g->blen < 6 ? g->blen : 6, b64, sizeof(b64)) > 0)
		ea_copy_str(s->res.b_prefix, 9, b64); /* b_prefix[16] */
	s->res.has_length = g->has_l;
	s->res.length = g->l;
}

/* Best-effort identifiers of a signature that did not parse. */
static void
fill_partial_ids(struct sigstate *s, struct emauth_span f)
{
	static const char *const names[] = {"d", "s", "a"};
	char *dst[] = {s->res.domain, s->res.selector, s->res.algorithm};
	size_t sizes[] = {sizeof(s->res.domain), sizeof(s->res.selector),
	    sizeof(s->res.algorithm)};
	for (size_t k = 0; k < 3; k++) {
		char pat[8];
		snprintf(pat, sizeof(pat), "%s=", names[k]);
		for (size_t i = 0; i + 2 < f.len; i++) {
			bool start = i == 0 || f.p[i - 1] == ';' ||
			             f.p[i - 1] == ' ' || f.p[i - 1] == '\t' ||
			             f.p[i - 1] == ':' || f.p[i - 1] == '\n';
			if (!start || f.p[i] != (uint8_t)pat[0] ||
			    f.p[i + 1] != '=')
				continue;
			size_t j = i + 2;
			while (j < f.len && f.p[j] != ';')
				j++;
			struct emauth_span val =
			    ea_span(f.p + i + 2, j - i - 2);
			ea_escape(val, 60, dst[k], sizes[k]);
			break;
		}
	}
}

int
emauth_dkim_verifier_eoh(struct emauth_dkim_verifier *v)
{
	if (v->st != HEADERS)
		return EMAUTH_ESTATE;
	v->st = BODY;
	for (size_t i = 0; i < v->hdrs.n; i++)
		if (is_dkim_signature(&v->hdrs, i))
			v->total_sigs++;
	v->total_sigs += v->sigs_lost;
	if (v->total_sigs == 0)
		return 0;
	if (v->total_sigs > v->sigs_cap) {
		ea_free(v->sigs);
		v->sigs_cap = 0;
		v->sigs = ea_malloc(v->total_sigs * sizeof(*v->sigs));
		if (v->sigs == NULL)
			return EMAUTH_ENOMEM;
		v->sigs_cap = v->total_sigs;
	}
	/* Up to the last signature (most often the first field). */
	for (size_t i = 0; i < v->hdrs.n && v->nsigs < v->total_sigs; i++) {
		if (!is_dkim_signature(&v->hdrs, i))
			continue;
		struct emauth_span f = ea_hdrs_get(&v->hdrs, i);
		struct sigstate *s = &v->sigs[v->nsigs++];
		/* The result is cleared; the parsed signature is set by
		 * ea_dkim_sig_parse (or not read). */
		memset(&s->res, 0, sizeof(s->res));
		s->ok = false;
		s->body = 0;
		s->field = i;
		if (v->hdrs.overflow) {
			fill_partial_ids(s, f);
			refuse(s, EMAUTH_DKIM_SYNTAX,
			    "header block over the size limit");
			continue;
		}
		if (v->nsigs > v->o.max_signatures) {
			fill_partial_ids(s, f);
			refuse(s, EMAUTH_DKIM_NOT_CHECKED, NULL);
			continue;
		}
		enum emauth_dkim_reason why;
		struct emauth_diag d;
		if (ea_dkim_sig_parse(f, &s->sig, &why, &d) != 0) {
			char msg[400];
			fill_partial_ids(s, f);
			snprintf(msg, sizeof(msg), "%s: %s",
			    emauth_dkim_reason_text(why),
			    emauth_diag_format(&d, (char[300]){0}, 300));
			refuse(s, why, msg);
			continue;
		}
		fill_ids(s);
		s->ok = true;
		int b = ea_bodies_get(
		    &v->bodies, s->sig.bc, s->sig.has_l, s->sig.l);
		if (b < 0)
			return b;
		s->body = b;
	}
	/* The signatures that were past the header cap. */
	while (v->nsigs < v->total_sigs) {
		struct sigstate *s = &v->sigs[v->nsigs++];
		memset(&s->res, 0, sizeof(s->res));
		s->body = 0;
		s->field = v->hdrs.n;
		refuse(s, EMAUTH_DKIM_SYNTAX,
		    "header block over the size limit (signature not kept)");
	}
	return 0;
}

int
emauth_dkim_verifier_body(
    struct emauth_dkim_verifier *v, struct emauth_span chunk)
{
	if (v->st != BODY)
		return EMAUTH_ESTATE;
	ea_bodies_feed(&v->bodies, chunk.p, chunk.len);
	return 0;
}

int
ea_dkim_key_fetch(struct emauth_ctx *ctx, const char *d, const char *sel,
    struct ea_dkim_pubkey *key, enum emauth_dkim_reason *why, char *msg,
    size_t msgsize)
{
	struct ea_resolver *r = ctx ? ea_ctx_resolver(ctx) : NULL;
	struct ea_dns_budget budget = {0};
	struct ea_dns_answer ans;
	char name[256];

	msg[0] = '\0';
	*why = EMAUTH_DKIM_OK;
	if (r == NULL) {
		*why = EMAUTH_DKIM_DNS;
		ea_copy_str(msg, msgsize, "the DNS resolver could not start");
		return -1;
	}
	/* "s._domainkey.d" */
	size_t sl = strlen(sel), dl = strlen(d);
	if (sl + 12 + dl > 253) {
		*why = EMAUTH_DKIM_NO_KEY;
		ea_copy_str(msg, msgsize, "key name longer than 253");
		return -1;
	}
	memcpy(name, sel, sl);
	memcpy(name + sl, "._domainkey.", 12);
	memcpy(name + sl + 12, d, dl + 1);
	if (ea_keycache_get(ctx, name, key))
		return 0;
	budget.max_queries = 4;
	ea_dns_budget_start(&budget, r);
	if (ea_dns_query(r, &budget, name, EA_DNS_T_TXT, &ans) != 0) {
		*why = EMAUTH_DKIM_DNS;
		ea_copy_str(msg, msgsize, "out of memory");
		return -1;
	}
	if (ans.status == EA_DNS_TEMPFAIL) {
		snprintf(msg, msgsize, "DNS %s for %s", ans.why, name);
		*why = EMAUTH_DKIM_DNS;
		ea_dns_answer_release(&ans);
		return -1;
	}
	if (ans.status != EA_DNS_ANSWER) {
		snprintf(msg, msgsize, "no key record at %s (%s)", name,
		    ea_dns_status_name(ans.status));
		*why = EMAUTH_DKIM_NO_KEY;
		ea_dns_answer_release(&ans);
		return -1;
	}
	/* RFC 6376 §3.6.2.2: strings of one record are joined without
	 * separator. Use the first record that is a usable key, or report
	 * the first record's problem. */
	size_t at;
	int rc = ea_dkim_pubkey_pick(&ans, key, &at);
	uint32_t ttl = ans.ttl;
	ea_dns_answer_release(&ans);
	if (rc == EMAUTH_EINVAL) {
		*why = EMAUTH_DKIM_NO_KEY;
		ea_copy_str(msg, msgsize, emauth_dkim_reason_text(*why));
		return -1;
	}
	if (rc != 0) {
		*why = EMAUTH_DKIM_DNS;
		ea_copy_str(msg, msgsize, "out of memory");
		return -1;
	}
	if (key->error == EA_KEY_OK) {
		ea_keycache_put(ctx, name, key, ttl);
		return 0;
	}
	snprintf(
	    msg, msgsize, "%s at %s", key->why ? key->why : "bad key", name);
	switch (key->error) {
	case EA_KEY_REVOKED:
		*why = EMAUTH_DKIM_KEY_REVOKED;
		break;
	case EA_KEY_TOO_SHORT:
		*why = EMAUTH_DKIM_KEY_TOO_SHORT;
		break;
	case EA_KEY_SERVICE:
	case EA_KEY_UNKNOWN_K:
		*why = EMAUTH_DKIM_KEY_MISMATCH;
		break;
	default:
		*why = EMAUTH_DKIM_KEY_SYNTAX;
		break;
	}
	ea_dkim_pubkey_release(key);
	return -1;
}

/* Fetches and parses the key for @s; on failure sets its result. */
static bool
fetch_key(struct emauth_dkim_verifier *v, struct sigstate *s,
    struct ea_dkim_pubkey *key)
{
	enum emauth_dkim_reason why;
	char msg[400];
	if (ea_dkim_key_fetch(v->link.ctx, s->sig.d, s->sig.s, key, &why, msg,
	        sizeof(msg)) == 0)
		return true;
	refuse(s, why, msg);
	return false;
}

/* The data of §3.7 for signature @s. */
static int
header_data(const struct emauth_dkim_verifier *v, const struct sigstate *s,
    struct ea_buf *out)
{
	const struct ea_dkim_sig *g = &s->sig;
	uint8_t small[2048];
	size_t n = g->field.len - (g->b_end - g->b_start);
	uint8_t *self = n <= sizeof(small) ? small : ea_malloc(n);
	int rc;

	if (self == NULL)
		return EMAUTH_ENOMEM;
	/* The field with the value of b= taken out. */
	memcpy(self, g->field.p, g->b_start);
	memcpy(
	    self + g->b_start, g->field.p + g->b_end, g->field.len - g->b_end);
	/* All of it in one allocation: the signed fields and this one. */
	rc = ea_buf_reserve(out, v->hdrs.buf.len + g->field.len + 256);
	if (rc == 0)
		rc = ea_dkim_header_data(
		    &v->hdrs, g->h, g->nh, g->hc, ea_span(self, n), out);
	if (self != small)
		ea_free(self);
	return rc;
}

static void
verify_one(struct emauth_dkim_verifier *v, struct sigstate *s)
{
	const struct ea_dkim_sig *g = &s->sig;
	struct ea_bodyhash *b = &v->bodies.b[s->body];
	struct ea_dkim_pubkey key;
	int64_t now = ea_ctx_now(v->link.ctx);
	char msg[300];

	if (g->has_x && g->x < now) {
		snprintf(msg, sizeof(msg), "signature expired at x=%lld",
		    (long long)g->x);
		refuse(s, EMAUTH_DKIM_EXPIRED, msg);
		return;
	}
	if (!fetch_key(v, s, &key))
		return;
	s->res.testing = key.testing;
	s->res.strict = key.strict;
	s->res.key_bits = key.bits;
	if ((key.type == EA_KEY_RSA) != (g->alg == EA_ALG_RSA_SHA256)) {
		refuse(s, EMAUTH_DKIM_KEY_MISMATCH,
		    "key type (k=) does not match a=");
		goto out;
	}
	if (!key.sha256_ok) {
		refuse(s, EMAUTH_DKIM_KEY_MISMATCH,
		    "key h= does not allow sha256");
		goto out;
	}
	/* §3.6.1 t=s: "the "i=" domain MUST NOT be a subdomain of "d="". */
	if (key.strict && !ea_span_ieq_str(ea_span_str(g->i_domain), g->d)) {
		refuse(s, EMAUTH_DKIM_KEY_STRICT, NULL);
		goto out;
	}
	uint64_t total = b->bc.total;
	if (g->has_l && g->l > total) {
		snprintf(msg, sizeof(msg),
		    "l=%llu is longer than the body (%llu bytes)",
		    (unsigned long long)g->l, (unsigned long long)total);
		refuse(s, EMAUTH_DKIM_BODY_HASH, msg);
		goto out;
	}
	if (g->bhlen != 32 || memcmp(g->bh, b->digest, 32) != 0) {
		refuse(s, EMAUTH_DKIM_BODY_HASH, NULL);
		goto out;
	}
	ea_buf_reset(&v->data);
	v->data.max = v->o.max_header_bytes * 2 + 65536;
	int rc = header_data(v, s, &v->data);
	if (v->hmd == NULL)
		v->hmd = EVP_MD_CTX_new(); /* NULL: ea_sha256_with makes one */
	bool good = rc == 0 && ea_dkim_verify(key.pkey, key.vctx, v->hmd,
	                           g->alg, &v->data, g->b, g->blen);
	if (!good) {
		refuse(s, EMAUTH_DKIM_SIGNATURE, NULL);
		goto out;
	}
	s->res.unsigned_bytes = g->has_l ? total - g->l : 0;
	if (s->res.unsigned_bytes > 0 && !v->o.allow_partial_body) {
		snprintf(msg, sizeof(msg),
		    "l= leaves %llu body bytes unsigned (content added after "
		    "signing is not covered)",
		    (unsigned long long)s->res.unsigned_bytes);
		refuse(s, EMAUTH_DKIM_PARTIAL_BODY, msg);
		goto out;
	}
	set_result(s, EMAUTH_RES_PASS, EMAUTH_DKIM_OK, "signature verified");
out:
	ea_dkim_pubkey_release(&key);
}

int
emauth_dkim_verifier_finish(struct emauth_dkim_verifier *v)
{
	if (v->st != BODY)
		return EMAUTH_ESTATE;
	v->st = DONE;
	ea_bodies_finish(&v->bodies);
	for (size_t i = 0; i < v->nsigs; i++) {
		if (!v->sigs[i].ok)
			continue;
		if (v->link.ctx == NULL)
			/* Made without a context, or it was freed. */
			refuse(&v->sigs[i], EMAUTH_DKIM_DNS,
			    "no library context to fetch keys with");
		else
			verify_one(v, &v->sigs[i]);
	}
	return 0;
}

size_t
emauth_dkim_verifier_count(const struct emauth_dkim_verifier *v)
{
	return v->nsigs;
}

int
emauth_dkim_verifier_result(const struct emauth_dkim_verifier *v, size_t i,
    struct emauth_dkim_result *out)
{
	if (v->st != DONE)
		return EMAUTH_ESTATE;
	if (i >= v->nsigs)
		return EMAUTH_EINVAL;
	*out = v->sigs[i].res;
	return 0;
}
