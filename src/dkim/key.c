/*
 * key.c: DKIM public key records and private keys (see key.h).
 */
#include "../common/internal.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../common/buf.h"
#include "../common/crypto.h"
#include "../common/diag.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "../dns/rdata.h"
#include "key.h"
#include "tag.h"

/* Ours: the largest key we decode (an RSA 8192 SPKI is ~1.1 KB). */
#define KEY_DER_MAX 2048

static int
key_fail(struct ea_dkim_pubkey *k, enum ea_key_error e, const char *why)
{
	k->error = e;
	k->why = why;
	return 0;
}

/* Whether the colon-separated list @v holds @item (FWS allowed). */
static bool
list_has(struct emauth_span v, const char *item)
{
	size_t i = 0;
	while (i <= v.len) {
		size_t j = i;
		while (j < v.len && v.p[j] != ':')
			j++;
		size_t a = i, b = j;
		while (a < b && (v.p[a] == ' ' || v.p[a] == '\t' ||
		                    v.p[a] == '\r' || v.p[a] == '\n'))
			a++;
		while (b > a && (v.p[b - 1] == ' ' || v.p[b - 1] == '\t' ||
		                    v.p[b - 1] == '\r' || v.p[b - 1] == '\n'))
			b--;
		if (ea_span_ieq_str(ea_span(v.p + a, b - a), item))
			return true;
		i = j + 1;
	}
	return false;
}

static EVP_PKEY *
rsa_from_der(const uint8_t *der, size_t n)
{
	const unsigned char *p = der;
	/* SubjectPublicKeyInfo first (what openssl rsa -pubout writes),
	 * then the PKCS#1 RSAPublicKey that RFC 6376 §3.6.1 names. */
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)n);
	if (k && p == der + n && EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA)
		return k;
	EVP_PKEY_free(k);
	p = der;
	k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)n);
	if (k && p == der + n)
		return k;
	EVP_PKEY_free(k);
	return NULL;
}

int
ea_dkim_pubkey_parse(struct emauth_span rec, struct ea_dkim_pubkey *out,
    struct emauth_diag *diag)
{
	struct ea_tag_list l;
	const struct ea_tag *t;

	memset(out, 0, sizeof(*out));
	out->type = EA_KEY_RSA;
	out->sha256_ok = true;
	if (ea_tag_list_parse(rec, "key record", &l, diag) != 0)
		return key_fail(out, EA_KEY_SYNTAX, "key record syntax error");
	/* §3.6.1: "If specified, this tag MUST be set to "DKIM1" ... This
	 * tag MUST be the first tag in the record." */
	t = ea_tag_get(&l, "v");
	if (t && (t != &l.tags[0] || !(t->value.len == 5 &&
	                                 memcmp(t->value.p, "DKIM1", 5) == 0)))
		return key_fail(out, EA_KEY_VERSION,
		    "key record v= is not DKIM1 (or not first)");
	t = ea_tag_get(&l, "k");
	if (t) {
		if (ea_span_ieq_str(t->value, "rsa"))
			out->type = EA_KEY_RSA;
		else if (ea_span_ieq_str(t->value, "ed25519"))
			out->type = EA_KEY_ED25519;
		else
			return key_fail(out, EA_KEY_UNKNOWN_K,
			    "key record k= names an unknown key type");
	}
	t = ea_tag_get(&l, "h");
	if (t)
		out->sha256_ok = list_has(t->value, "sha256");
	t = ea_tag_get(&l, "s");
	if (t && !list_has(t->value, "email") && !list_has(t->value, "*"))
		return key_fail(
		    out, EA_KEY_SERVICE, "key record s= does not allow email");
	t = ea_tag_get(&l, "t");
	if (t) {
		out->testing = list_has(t->value, "y");
		out->strict = list_has(t->value, "s");
	}
	t = ea_tag_get(&l, "p");
	if (t == NULL)
		return key_fail(out, EA_KEY_SYNTAX, "key record has no p= tag");
	uint8_t der[KEY_DER_MAX];
	int n = ea_base64_decode(t->value, der, sizeof(der));
	if (n == EMAUTH_ETOOBIG)
		return key_fail(out, EA_KEY_BAD_DATA, "p= is too long");
	if (n < 0)
		return key_fail(out, EA_KEY_BAD_DATA, "p= is not valid base64");
	if (n == 0)
		/* §3.6.1: "An empty value means that this public key has
		 * been revoked." (The tag list parser has already taken the
		 * whitespace around the value away.) */
		return key_fail(out, EA_KEY_REVOKED, "key revoked (empty p=)");
	if (out->type == EA_KEY_ED25519) {
		/* RFC 8463 §4: the raw 32-byte public key. */
		if (n != 32)
			return key_fail(out, EA_KEY_BAD_DATA,
			    "an Ed25519 p= must hold 32 bytes");
		out->pkey = EVP_PKEY_new_raw_public_key(
		    EVP_PKEY_ED25519, NULL, der, 32);
		if (out->pkey == NULL)
			return key_fail(
			    out, EA_KEY_BAD_DATA, "p= is not an Ed25519 key");
		out->bits = 256;
		return 0;
	}
	out->pkey = rsa_from_der(der, (size_t)n);
	if (out->pkey == NULL)
		return key_fail(out, EA_KEY_BAD_DATA, "p= is not an RSA key");
	out->bits = (unsigned)EVP_PKEY_get_bits(out->pkey);
	/* RFC 8301 §3.2: "Verifiers MUST be able to validate signatures with
	 * keys ranging from 1024 bits to 4096 bits" and keys under 1024 bits
	 * are not to be used; we refuse them. */
	if (out->bits < 1024) {
		EVP_PKEY_free(out->pkey);
		out->pkey = NULL;
		return key_fail(out, EA_KEY_TOO_SHORT,
		    "RSA key shorter than 1024 bits (RFC 8301)");
	}
	return 0;
}

void
ea_dkim_pubkey_release(struct ea_dkim_pubkey *k)
{
	EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

_Static_assert(EA_DKIM_KEY_RECORD_MAX == 16384, "the message below says 16384");

/* The key in record @rd, always filled (a record that cannot be joined is
 * a syntax error with its reason). @return 0 or EMAUTH_ENOMEM. */
static int
pubkey_of_record(
    struct emauth_span rd, struct ea_buf *txt, struct ea_dkim_pubkey *k)
{
	ea_buf_reset(txt);
	int rc = ea_dns_txt_join(rd, txt);
	if (rc == EMAUTH_ENOMEM)
		return rc;
	if (rc != 0) {
		memset(k, 0, sizeof(*k));
		k->type = EA_KEY_RSA;
		return key_fail(k, EA_KEY_SYNTAX,
		    rc == EMAUTH_ETOOBIG
		        ? "key record longer than 16384 bytes (refused)"
		        : "key record is not a well-formed TXT record");
	}
	return ea_dkim_pubkey_parse(ea_span(txt->p, txt->len), k, NULL);
}

int
ea_dkim_pubkey_pick(const struct ea_dns_answer *ans, struct ea_dkim_pubkey *out,
    size_t *usable_at)
{
	struct ea_buf txt;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->type = EA_KEY_RSA;
	*usable_at = 0;
	if (ans->n == 0)
		return EMAUTH_EINVAL;
	ea_buf_init(&txt, EA_DKIM_KEY_RECORD_MAX);
	for (size_t i = 0; i < ans->n; i++) {
		struct ea_dkim_pubkey k;
		if ((rc = pubkey_of_record(ans->rr[i].rdata, &txt, &k)) != 0)
			break;
		if (k.error == EA_KEY_OK) {
			ea_dkim_pubkey_release(out);
			*out = k;
			*usable_at = i;
			break;
		}
		if (i == 0)
			*out = k;
		else
			ea_dkim_pubkey_release(&k);
	}
	ea_buf_release(&txt);
	if (rc != 0)
		ea_dkim_pubkey_release(out);
	return rc;
}

/* A private key is never quoted in a diagnostic: no excerpt. */
#define NO_EXCERPT ea_span("", 0)

/* An encrypted key file is refused, never a passphrase asked for on the
 * terminal (OpenSSL's default when no callback is given). */
static int
no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

int
ea_dkim_privkey_load(struct emauth_span data, EVP_PKEY **out,
    enum ea_key_type *type, struct emauth_diag *diag)
{
	*out = NULL;
	if (data.len > 64 * 1024) {
		ea_diag_set(diag, EMAUTH_ETOOBIG, "key", NO_EXCERPT, 0,
		    "key file larger than 64 KB");
		return EMAUTH_ETOOBIG;
	}
	BIO *bio = BIO_new_mem_buf(data.p, (int)data.len);
	if (bio == NULL)
		return EMAUTH_ENOMEM;
	EVP_PKEY *k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (k == NULL) {
		/* A base64 Ed25519 seed (32 bytes), as dkimpy stores it. */
		uint8_t seed[64];
		if (ea_base64_decode(data, seed, sizeof(seed)) == 32)
			k = EVP_PKEY_new_raw_private_key(
			    EVP_PKEY_ED25519, NULL, seed, 32);
		OPENSSL_cleanse(seed, sizeof(seed));
	}
	if (k == NULL) {
		ea_diag_set(diag, EMAUTH_ESYNTAX, "key", NO_EXCERPT, 0,
		    "not a PEM private key (PKCS#8 or PKCS#1) nor an Ed25519 "
		    "seed");
		return EMAUTH_ESYNTAX;
	}
	int id = EVP_PKEY_get_base_id(k);
	if (id == EVP_PKEY_RSA) {
		*type = EA_KEY_RSA;
		int bits = EVP_PKEY_get_bits(k);
		if (bits < 1024 || bits > 8192) {
			EVP_PKEY_free(k);
			ea_diag_set(diag, EMAUTH_ESYNTAX, "key", NO_EXCERPT, 0,
			    "RSA key size outside 1024-8192 bits");
			return EMAUTH_ESYNTAX;
		}
	} else if (id == EVP_PKEY_ED25519) {
		*type = EA_KEY_ED25519;
	} else {
		EVP_PKEY_free(k);
		ea_diag_set(diag, EMAUTH_ESYNTAX, "key", NO_EXCERPT, 0,
		    "key is neither RSA nor Ed25519");
		return EMAUTH_ESYNTAX;
	}
	*out = k;
	return 0;
}
