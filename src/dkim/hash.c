/*
 * hash.c: header selection, signed data, body hashers and the signature
 * primitives shared by the DKIM signer and verifier (see hash.h).
 */
#include "../common/internal.h"

#include <stddef.h>
#include <string.h>

#include "../common/alloc.h"
#include "../common/crypto.h"
#include "../common/span.h"
#include "hash.h"

void
ea_hdrs_init(struct ea_hdrs *h, size_t max_bytes, size_t max_fields)
{
	memset(h, 0, sizeof(*h));
	ea_buf_init(&h->buf, max_bytes);
	h->max_fields = max_fields;
}

void
ea_hdrs_clear(struct ea_hdrs *h, size_t max_bytes, size_t max_fields)
{
	ea_buf_reset(&h->buf);
	h->buf.max = max_bytes;
	h->max_fields = max_fields;
	h->n = 0;
	h->overflow = false;
}

void
ea_hdrs_release(struct ea_hdrs *h)
{
	ea_buf_release(&h->buf);
	ea_free(h->f);
	h->f = NULL;
	h->n = h->cap = 0;
}

int
ea_hdrs_add(struct ea_hdrs *h, struct emauth_span field)
{
	if (h->overflow)
		return EMAUTH_ETOOBIG;
	if (h->n >= h->max_fields || h->buf.len + field.len > h->buf.max) {
		h->overflow = true;
		return EMAUTH_ETOOBIG;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 32;
		struct ea_hfield *f = ea_realloc(h->f, cap * sizeof(*f));
		if (f == NULL)
			return EMAUTH_ENOMEM;
		h->f = f;
		h->cap = cap;
	}
	/* A header block is a few KB: one allocation for most. */
	if (h->buf.cap == 0 && h->buf.max > 8192 &&
	    ea_buf_reserve(&h->buf, 8192))
		return EMAUTH_ENOMEM;
	size_t off = h->buf.len;
	int rc = ea_buf_add(&h->buf, field.p, field.len);
	if (rc)
		return rc;
	h->f[h->n++] = (struct ea_hfield){
	    off, field.len, ea_hdrs_key(ea_field_name(field))};
	return 0;
}

struct emauth_span
ea_hdrs_get(const struct ea_hdrs *h, size_t i)
{
	return ea_span(h->buf.p + h->f[i].off, h->f[i].len);
}

struct emauth_span
ea_hdrs_name(const struct ea_hdrs *h, size_t i)
{
	return ea_span(h->buf.p + h->f[i].off, (size_t)(h->f[i].key >> 8));
}

bool
ea_hdrs_is(const struct ea_hdrs *h, size_t i, struct emauth_span name)
{
	/* The length and first letter rule out most names at once. */
	return h->f[i].key == ea_hdrs_key(name) &&
	       ea_span_ieq(ea_hdrs_name(h, i), name);
}

struct emauth_span
ea_field_name(struct emauth_span f)
{
	const uint8_t *colon = memchr(f.p, ':', f.len);
	size_t len = colon ? (size_t)(colon - f.p) : 0;
	while (len > 0 && (f.p[len - 1] == ' ' || f.p[len - 1] == '\t'))
		len--;
	return ea_span(f.p, len);
}

size_t
ea_hdrs_count(const struct ea_hdrs *h, struct emauth_span name)
{
	size_t n = 0;
	for (size_t i = 0; i < h->n; i++)
		if (ea_hdrs_is(h, i, name))
			n++;
	return n;
}

int
ea_dkim_header_data(const struct ea_hdrs *h, const struct emauth_span *names,
    size_t n, enum ea_canon c, struct emauth_span self, struct ea_buf *out)
{
	/* The fields' name keys, in a row for the scans below; a field taken
	 * gets a key no name has. */
	const uint64_t taken = UINT64_MAX;
	uint64_t few[256];
	uint64_t *keys =
	    h->n <= EA_ARRAY_LEN(few) ? few : ea_calloc(h->n, sizeof(*keys));
	int rc = 0;

	if (keys == NULL)
		return EMAUTH_ENOMEM;
	for (size_t i = 0; i < h->n; i++)
		keys[i] = h->f[i].key;
	for (size_t k = 0; k < n && rc == 0; k++) {
		/* §5.4.2: fields of the same name are taken from the bottom
		 * up; a name listed once more than it occurs selects
		 * nothing. */
		uint64_t want = ea_hdrs_key(names[k]);
		for (size_t i = h->n; i > 0; i--) {
			if (keys[i - 1] != want ||
			    !ea_span_ieq(ea_hdrs_name(h, i - 1), names[k]))
				continue;
			keys[i - 1] = taken;
			rc = ea_canon_header(
			    c, ea_hdrs_get(h, i - 1), true, out);
			break;
		}
	}
	if (keys != few)
		ea_free(keys);
	if (rc == 0)
		rc = ea_canon_header(c, self, false, out);
	return rc;
}

static void
body_sink(void *arg, const uint8_t *p, size_t n)
{
	struct ea_bodyhash *b = arg;
	if (b->has_l) {
		if (b->hashed >= b->l)
			return;
		if (n > b->l - b->hashed)
			n = (size_t)(b->l - b->hashed);
	}
	b->hashed += n;
	/* A long run (the fast path's) goes to SHA-256 in place. */
	if (b->staged + n > sizeof(b->stage) || n >= 256) {
		if (b->staged)
			EVP_DigestUpdate(b->md, b->stage, b->staged);
		b->staged = 0;
		if (n >= 256) {
			EVP_DigestUpdate(b->md, p, n);
			return;
		}
	}
	memcpy(b->stage + b->staged, p, n);
	b->staged += n;
}

int
ea_bodies_get(struct ea_bodies *s, enum ea_canon c, bool has_l, uint64_t l)
{
	for (size_t i = 0; i < s->n; i++) {
		struct ea_bodyhash *b = &s->b[i];
		if (b->c == c && b->has_l == has_l && (!has_l || b->l == l))
			return (int)i;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4;
		struct ea_bodyhash *nb = ea_realloc(s->b, cap * sizeof(*nb));
		if (nb == NULL)
			return EMAUTH_ENOMEM;
		/* The canonicalizers point at their hasher: re-aim them. */
		for (size_t i = 0; i < s->n; i++)
			nb[i].bc.arg = &nb[i];
		s->b = nb;
		s->cap = cap;
	}
	struct ea_bodyhash *b = &s->b[s->n];
	/* A context left by an earlier message is set up again. */
	EVP_MD_CTX *md = s->n < s->made ? b->md : EVP_MD_CTX_new();
	if (md == NULL)
		return EMAUTH_ENOMEM;
	/* All but the staging area (written before it is read). */
	memset(b, 0, offsetof(struct ea_bodyhash, stage));
	b->md = md;
	if (s->n == s->made)
		s->made++;
	b->c = c;
	b->has_l = has_l;
	b->l = l;
	if (EVP_DigestInit_ex(b->md, ea_md_sha256(), NULL) != 1)
		return EMAUTH_ENOMEM;
	ea_body_canon_init(&b->bc, c, body_sink, b);
	return (int)s->n++;
}

void
ea_bodies_feed(struct ea_bodies *s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < s->n; i++)
		ea_body_canon_feed(&s->b[i].bc, p, n);
}

void
ea_bodies_finish(struct ea_bodies *s)
{
	for (size_t i = 0; i < s->n; i++) {
		unsigned int len = 32;
		ea_body_canon_finish(&s->b[i].bc);
		EVP_DigestUpdate(s->b[i].md, s->b[i].stage, s->b[i].staged);
		s->b[i].staged = 0;
		EVP_DigestFinal_ex(s->b[i].md, s->b[i].digest, &len);
	}
}

void
ea_bodies_release(struct ea_bodies *s)
{
	for (size_t i = 0; i < s->made; i++)
		EVP_MD_CTX_free(s->b[i].md);
	ea_free(s->b);
	memset(s, 0, sizeof(*s));
}

void
ea_bodies_clear(struct ea_bodies *s)
{
	s->n = 0;
}

int
ea_dkim_sign(EVP_PKEY *key, const EVP_MD_CTX *tmpl, enum ea_dkim_alg alg,
    const struct ea_buf *data, uint8_t *sig, size_t size)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t len = size;
	int ok = 0;

	if (md == NULL)
		return EMAUTH_ENOMEM;
	/* A provider that cannot copy a signing context gets one set up. */
	ok = tmpl != NULL && EVP_MD_CTX_copy_ex(md, tmpl) == 1;
	if (!ok)
		ok = EVP_MD_CTX_reset(md) == 1 &&
		     EVP_DigestSignInit(md, NULL,
		         alg == EA_ALG_RSA_SHA256 ? ea_md_sha256() : NULL, NULL,
		         key) == 1;
	if (ok && alg == EA_ALG_RSA_SHA256) {
		ok = EVP_DigestSign(md, sig, &len, (const uint8_t *)data->p,
		         data->len) == 1;
	} else if (ok) {
		/* RFC 8463 §3: Ed25519 (PureEdDSA) over the SHA-256 hash of
		 * the data. */
		uint8_t h[32];
		ea_sha256(data->p ? data->p : "", data->len, h);
		ok = EVP_DigestSign(md, sig, &len, h, 32) == 1;
	}
	EVP_MD_CTX_free(md);
	return ok ? (int)len : EMAUTH_EINVAL;
}

bool
ea_dkim_verify(EVP_PKEY *key, EVP_PKEY_CTX *vctx, EVP_MD_CTX *hmd,
    enum ea_dkim_alg alg, const struct ea_buf *data, const uint8_t *sig,
    size_t siglen)
{
	if (alg == EA_ALG_RSA_SHA256 && vctx != NULL) {
		/* The same check as EVP_DigestVerify below, without setting
		 * up a context for every message. */
		uint8_t h[32];
		ea_sha256_with(hmd, data->p ? data->p : "", data->len, h);
		return EVP_PKEY_verify(vctx, sig, siglen, h, 32) == 1;
	}

	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = false;

	if (md == NULL)
		return false;
	if (alg == EA_ALG_RSA_SHA256) {
		ok = EVP_DigestVerifyInit(
		         md, NULL, ea_md_sha256(), NULL, key) == 1 &&
		     EVP_DigestVerify(md, sig, siglen, (const uint8_t *)data->p,
		         data->len) == 1;
	} else {
		/* RFC 8463 §3: Ed25519 (PureEdDSA) over the SHA-256 hash of
		 * the data. */
		uint8_t h[32];
		ea_sha256_with(hmd, data->p ? data->p : "", data->len, h);
		ok = EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) == 1 &&
		     EVP_DigestVerify(md, sig, siglen, h, 32) == 1;
	}
	EVP_MD_CTX_free(md);
	return ok;
}
