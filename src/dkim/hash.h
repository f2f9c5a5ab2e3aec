/*
 * hash.h: what DKIM signing and verifying share: the kept header block with
 * the bottom-up selection of fields named in h= (RFC 6376 §5.4.2), the data
 * that the signature covers (§3.7), the body hashers (one per distinct body
 * canonicalization and l=), and the signature primitive of each algorithm
 * (RSA PKCS#1 v1.5 over SHA-256; Ed25519 over the SHA-256 of the data, RFC
 * 8463 §3).
 */
#ifndef EA_DKIM_HASH_H
#define EA_DKIM_HASH_H

#include "../common/buf.h"
#include "../common/internal.h"
#include "../common/span.h"
#include "canon.h"
#include "sig.h"

#include <openssl/evp.h>

struct ea_hfield {
	size_t off, len;
	uint64_t key; /* ea_hdrs_key() of ea_field_name(), found when added */
};

/* A name's length (key >> 8) and lower-cased first byte in one word:
 * names with different keys differ (ignoring case). */
static inline uint64_t
ea_hdrs_key(struct emauth_span name)
{
	return (uint64_t)name.len << 8 | (name.len ? ea_lower(name.p[0]) : 0);
}

struct ea_hdrs {
	struct ea_buf buf;
	struct ea_hfield *f;
	size_t n, cap, max_fields;
	bool overflow;
};

void ea_hdrs_init(struct ea_hdrs *h, size_t max_bytes, size_t max_fields);
/* Empties @h for another message with these caps, keeping its storage. */
void ea_hdrs_clear(struct ea_hdrs *h, size_t max_bytes, size_t max_fields);
void ea_hdrs_release(struct ea_hdrs *h);
/* @return 0, EMAUTH_ETOOBIG (caps; sticky), EMAUTH_ENOMEM. */
int ea_hdrs_add(struct ea_hdrs *h, struct emauth_span field);
struct emauth_span ea_hdrs_get(const struct ea_hdrs *h, size_t i);
/* The name of field @i (as ea_field_name). */
struct emauth_span ea_hdrs_name(const struct ea_hdrs *h, size_t i);
/* Whether field @i is named @name (ignoring case). */
bool ea_hdrs_is(const struct ea_hdrs *h, size_t i, struct emauth_span name);
/* The name of field @f: the bytes before its colon, less the WSP before
 * the colon (empty without a colon). */
struct emauth_span ea_field_name(struct emauth_span f);
/* How many fields are named @name. */
size_t ea_hdrs_count(const struct ea_hdrs *h, struct emauth_span name);

/*
 * Appends the data a signature covers: the fields named in @names selected
 * bottom-up and canonicalized with CRLF, then @self (the DKIM-Signature
 * field with the value of b= removed) canonicalized without CRLF.
 */
int ea_dkim_header_data(const struct ea_hdrs *h,
    const struct emauth_span *names, size_t n, enum ea_canon c,
    struct emauth_span self, struct ea_buf *out);

struct ea_bodyhash {
	enum ea_canon c;
	bool has_l;
	uint64_t l;
	EVP_MD_CTX *md;
	struct ea_body_canon bc;
	uint64_t hashed;
	uint8_t digest[32];
	/* The canonicalizer emits short runs (a word at a time, in relaxed);
	 * they are gathered here and hashed in larger pieces. */
	size_t staged;
	uint8_t stage[2048];
};

/* A set of body hashers, shared by signatures with the same parameters.
 * The SHA-256 contexts of b[0..made) exist (those past n wait for reuse). */
struct ea_bodies {
	struct ea_bodyhash *b;
	size_t n, made, cap;
};

/* Returns the index of the hasher for (c, l), adding it when new, or a
 * negative status. */
int ea_bodies_get(struct ea_bodies *s, enum ea_canon c, bool has_l, uint64_t l);
void ea_bodies_feed(struct ea_bodies *s, const uint8_t *p, size_t n);
void ea_bodies_finish(struct ea_bodies *s);
void ea_bodies_release(struct ea_bodies *s);
/* Empties @s for another message, keeping its hashing contexts. */
void ea_bodies_clear(struct ea_bodies *s);

/* Signs / verifies the header data with @key by algorithm @alg.
 * ea_dkim_sign returns the signature length or a negative status. */
/* @tmpl: NULL, or a context EVP_DigestSignInit has set up for @key (with
 * SHA-256 for RSA), copied rather than set up again. */
int ea_dkim_sign(EVP_PKEY *key, const EVP_MD_CTX *tmpl, enum ea_dkim_alg alg,
    const struct ea_buf *data, uint8_t *sig, size_t size);
/* @vctx: NULL, or an RSA verification context for @key ready for
 * EVP_PKEY_verify on a SHA-256 digest (the key cache keeps one); @md:
 * NULL, or a digest context to hash @data in (see ea_sha256_with). */
bool ea_dkim_verify(EVP_PKEY *key, EVP_PKEY_CTX *vctx, EVP_MD_CTX *md,
    enum ea_dkim_alg alg, const struct ea_buf *data, const uint8_t *sig,
    size_t siglen);

#endif
