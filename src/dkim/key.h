/*
 * key.h: DKIM keys. Public keys come from key records (RFC 6376 §3.6.1):
 * RSA as SubjectPublicKeyInfo or PKCS#1 RSAPublicKey, Ed25519 as the raw
 * 32 bytes (RFC 8463 §4). Private keys come from PEM files (PKCS#8, which
 * openssl genpkey writes; PKCS#1, which opendkim-genkey writes) or a
 * base64 Ed25519 seed. Keys are EVP_PKEY objects.
 */
#ifndef EA_DKIM_KEY_H
#define EA_DKIM_KEY_H

#include "../common/internal.h"

#include <openssl/evp.h>

#include <emauth/dkim.h>

enum ea_key_type { EA_KEY_RSA = 1, EA_KEY_ED25519 = 2 };

/* Why a key record cannot be used. */
enum ea_key_error {
	EA_KEY_OK = 0,
	EA_KEY_SYNTAX,    /* not a valid tag list, or a bad tag value */
	EA_KEY_VERSION,   /* v= present and not DKIM1 (or not first) */
	EA_KEY_REVOKED,   /* empty p= */
	EA_KEY_UNKNOWN_K, /* k= names a type we do not know */
	EA_KEY_BAD_DATA,  /* p= does not decode to a key of type k= */
	EA_KEY_SERVICE,   /* s= excludes email */
	EA_KEY_TOO_SHORT  /* RSA under 1024 bits (RFC 8301 §3.2) */
};

struct ea_dkim_pubkey {
	enum ea_key_type type;
	EVP_PKEY *pkey; /* NULL unless usable */
	unsigned bits;
	bool testing;   /* t=y */
	bool strict;    /* t=s: i= domain must equal d= */
	bool sha256_ok; /* h= absent or lists sha256 */
	enum ea_key_error error;
	const char *why; /* static text for error */
	/* Borrowed from the key cache (NULL when not cached): an RSA
	 * verification context set up once for PKCS#1 v1.5 with SHA-256,
	 * used with EVP_PKEY_verify on the digest. Valid until the next
	 * ea_keycache_put on the same context. */
	EVP_PKEY_CTX *vctx;
};

/* Parses a key record (TXT strings already joined). Always fills @out;
 * out->error says whether it is usable. @return 0 or EMAUTH_ENOMEM. */
int ea_dkim_pubkey_parse(struct emauth_span rec, struct ea_dkim_pubkey *out,
    struct emauth_diag *diag);
void ea_dkim_pubkey_release(struct ea_dkim_pubkey *k);

struct ea_dns_answer;
/*
 * The key in a TXT answer at a selector: each record's strings joined
 * (RFC 6376 §3.6.2.2) up to EA_DKIM_KEY_RECORD_MAX, then parsed. The first
 * usable key is taken; when there is none, @out holds the first record's
 * problem (a record over the cap or with malformed strings is a syntax
 * error with its own reason). Always fills @out: out->error and out->why
 * say what was found, and @usable_at is the index of the record used
 * (or of the first record when none is usable).
 * @return 0, EMAUTH_EINVAL (no records), EMAUTH_ENOMEM.
 */
int ea_dkim_pubkey_pick(const struct ea_dns_answer *ans,
    struct ea_dkim_pubkey *out, size_t *usable_at);

/*
 * Fetches the key record at @sel._domainkey.@d through the context's
 * resolver (and its key cache) and parses it: what DKIM and ARC
 * verification share.
 * @return 0 with a usable key in @key (release it), or -1 with why not in
 *         @why (EMAUTH_DKIM_DNS when it may be temporary) and @msg.
 */
int ea_dkim_key_fetch(struct emauth_ctx *ctx, const char *d, const char *sel,
    struct ea_dkim_pubkey *key, enum emauth_dkim_reason *why, char *msg,
    size_t msgsize);

/* A private key as the public API hands it out (DKIM and ARC signing). */
struct emauth_dkim_key {
	EVP_PKEY *pkey;
	enum ea_key_type type;
	/* A signing context set up once (EVP_DigestSignInit fetches the
	 * algorithm again every time: a tenth of an Ed25519 signature) and
	 * copied for each signature; only read after the key is made, so
	 * threads sharing the key may copy it at once. NULL: set up per
	 * signature. */
	EVP_MD_CTX *tmpl;
};

/* Loads a private key from PEM bytes or a base64 Ed25519 seed.
 * @return 0, EMAUTH_ESYNTAX (not a key we can use), EMAUTH_ENOMEM. */
int ea_dkim_privkey_load(struct emauth_span data, EVP_PKEY **out,
    enum ea_key_type *type, struct emauth_diag *diag);

#endif
