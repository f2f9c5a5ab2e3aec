/*
 * sign.c: the streaming DKIM signer (RFC 6376 §5), several signatures in
 * one pass, and private keys as the public API hands them out.
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "../common/alloc.h"
#include "../common/crypto.h"
#include "../common/ctx.h"
#include "../common/diag.h"
#include "../common/span.h"
#include "hash.h"
#include "key.h"
#include "sig.h"

#include <emauth/dkim.h>

static void
key_prepare(struct emauth_dkim_key *k)
{
	k->tmpl = EVP_MD_CTX_new();
	if (k->tmpl != NULL &&
	    EVP_DigestSignInit(k->tmpl, NULL,
	        k->type == EA_KEY_RSA ? ea_md_sha256() : NULL, NULL,
	        k->pkey) != 1) {
		EVP_MD_CTX_free(k->tmpl);
		k->tmpl = NULL;
	}
}

int
emauth_dkim_key_load(struct emauth_span pem, struct emauth_dkim_key **out,
    struct emauth_diag *diag)
{
	struct emauth_dkim_key *k = ea_calloc(1, sizeof(*k));
	if (k == NULL)
		return EMAUTH_ENOMEM;
	int rc = ea_dkim_privkey_load(pem, &k->pkey, &k->type, diag);
	if (rc) {
		ea_free(k);
		return rc;
	}
	key_prepare(k);
	*out = k;
	return 0;
}

enum emauth_dkim_alg
emauth_dkim_key_alg(const struct emauth_dkim_key *k)
{
	return k->type == EA_KEY_RSA ? EMAUTH_DKIM_RSA_SHA256
	                             : EMAUTH_DKIM_ED25519_SHA256;
}

unsigned
emauth_dkim_key_bits(const struct emauth_dkim_key *k)
{
	return (unsigned)EVP_PKEY_get_bits(k->pkey);
}

void
emauth_dkim_key_free(struct emauth_dkim_key *k)
{
	if (k == NULL)
		return;
	EVP_MD_CTX_free(k->tmpl);
	EVP_PKEY_free(k->pkey);
	ea_free(k);
}

int
emauth_dkim_key_generate(
    enum emauth_dkim_alg alg, unsigned bits, struct emauth_dkim_key **out)
{
	EVP_PKEY *pkey = NULL;

	if (alg == EMAUTH_DKIM_ED25519_SHA256) {
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	} else {
		if (bits == 0)
			bits = 2048;
		/* RFC 8301 §3.2: signers MUST use at least 1024 bits and
		 * SHOULD use at least 2048; verifiers need not go past 4096. */
		if (bits < 1024 || bits > 4096)
			return EMAUTH_EINVAL;
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	}
	if (pkey == NULL)
		return EMAUTH_ENOMEM;
	struct emauth_dkim_key *k = ea_calloc(1, sizeof(*k));
	if (k == NULL) {
		EVP_PKEY_free(pkey);
		return EMAUTH_ENOMEM;
	}
	k->pkey = pkey;
	k->type =
	    alg == EMAUTH_DKIM_ED25519_SHA256 ? EA_KEY_ED25519 : EA_KEY_RSA;
	key_prepare(k);
	*out = k;
	return 0;
}

int
emauth_dkim_key_pem(const struct emauth_dkim_key *k, char *out, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	int rc;

	if (bio == NULL)
		return EMAUTH_ENOMEM;
	if (PEM_write_bio_PrivateKey(bio, k->pkey, NULL, NULL, 0, NULL, NULL) !=
	    1) {
		BIO_free(bio);
		return EMAUTH_ENOMEM;
	}
	long n = BIO_get_mem_data(bio, &p);
	if (n < 0 || (size_t)n >= size) {
		rc = EMAUTH_ETOOBIG;
	} else {
		memcpy(out, p, (size_t)n);
		out[n] = '\0';
		rc = (int)n;
	}
	BIO_free(bio);
	return rc;
}

int
emauth_dkim_key_record(
    const struct emauth_dkim_key *k, int testing, char *out, size_t size)
{
	uint8_t der[4096];
	size_t n = sizeof(der);
	char b64[6000];

	if (k->type == EA_KEY_ED25519) {
		/* RFC 8463 §4: the raw 32-byte key. */
		if (EVP_PKEY_get_raw_public_key(k->pkey, der, &n) != 1)
			return EMAUTH_EINVAL;
	} else {
		/* SubjectPublicKeyInfo, as opendkim-genkey publishes. */
		unsigned char *p = der;
		int len = i2d_PUBKEY(k->pkey, NULL);
		if (len <= 0 || (size_t)len > sizeof(der))
			return EMAUTH_ETOOBIG;
		i2d_PUBKEY(k->pkey, &p);
		n = (size_t)len;
	}
	if (ea_base64_encode(der, n, b64, sizeof(b64)) < 0)
		return EMAUTH_ETOOBIG;
	int w = snprintf(out, size, "v=DKIM1; k=%s; %sp=%s",
	    k->type == EA_KEY_RSA ? "rsa" : "ed25519", testing ? "t=y; " : "",
	    b64);
	return w < 0 || (size_t)w >= size ? EMAUTH_ETOOBIG : w;
}

void
emauth_dkim_sign_spec_init(struct emauth_dkim_sign_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->header_canon = EMAUTH_DKIM_RELAXED;
	s->body_canon = EMAUTH_DKIM_RELAXED;
}

struct one {
	struct emauth_dkim_sign_spec spec;
	char d[256], s[256], i[512], headers[2048], oversign[1024];
	enum ea_dkim_alg alg;
	int body;
	char *field;
};

enum sstate { S_HEADERS, S_BODY, S_DONE };

struct emauth_dkim_signer {
	struct emauth_ctx *ctx;
	enum sstate st;
	struct ea_hdrs hdrs;
	struct ea_bodies bodies;
	struct one *sigs;
	size_t n;
};

/* Copies the colon-separated header name list @in (NULL: none) into @out,
 * refusing a list too long or with a byte no field name we sign has (a ";"
 * or "=" would end the h= tag and start another). */
static int
copy_names(const char *in, char *out, size_t size, const char *what,
    struct emauth_diag *diag)
{
	if (in == NULL)
		return 0;
	if (strlen(in) >= size) {
		ea_diag_set(diag, EMAUTH_EINVAL, what, ea_span_str(in), 0,
		    "the header name list is too long");
		return EMAUTH_EINVAL;
	}
	size_t bad =
	    strspn(in, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	               "0123456789-_.:");
	if (in[bad] != '\0') {
		ea_diag_set(diag, EMAUTH_EINVAL, what, ea_span_str(in), bad,
		    "not a header field name");
		return EMAUTH_EINVAL;
	}
	memcpy(out, in, strlen(in) + 1);
	return 0;
}

static int
copy_name(const char *in, char *out, size_t size)
{
	if (in == NULL || !ea_dkim_domain_ok(ea_span_str(in)) ||
	    strlen(in) >= size)
		return EMAUTH_EINVAL;
	memcpy(out, in, strlen(in) + 1);
	return 0;
}

int
emauth_dkim_signer_new(struct emauth_ctx *ctx,
    const struct emauth_dkim_sign_spec *specs, size_t n,
    struct emauth_dkim_signer **out, struct emauth_diag *diag)
{
	struct emauth_dkim_signer *s;
	int rc = 0;

	if (n == 0 || n > 16) {
		ea_diag_set(diag, EMAUTH_EINVAL, "signer", ea_span(NULL, 0), 0,
		    "between 1 and 16 signatures per message");
		return EMAUTH_EINVAL;
	}
	s = ea_calloc(1, sizeof(*s));
	if (s == NULL)
		return EMAUTH_ENOMEM;
	s->ctx = ctx;
	ea_hdrs_init(&s->hdrs, 1 << 20, 1000);
	s->sigs = ea_calloc(n, sizeof(*s->sigs));
	if (s->sigs == NULL) {
		rc = EMAUTH_ENOMEM;
		goto fail;
	}
	s->n = n;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct one *o = &s->sigs[i];
		o->spec = specs[i];
		const struct emauth_dkim_key *k = specs[i].key;
		if (k == NULL) {
			ea_diag_set(diag, EMAUTH_EINVAL, "signer",
			    ea_span(NULL, 0), 0, "no key");
			rc = EMAUTH_EINVAL;
			break;
		}
		if (copy_name(specs[i].domain, o->d, sizeof(o->d)) != 0 ||
		    copy_name(specs[i].selector, o->s, sizeof(o->s)) != 0) {
			ea_diag_set(diag, EMAUTH_EINVAL, "signer",
			    ea_span_str(specs[i].domain ? specs[i].domain : ""),
			    0, "the domain or selector is not a name");
			rc = EMAUTH_EINVAL;
			break;
		}
		enum emauth_dkim_alg a =
		    specs[i].alg ? specs[i].alg : emauth_dkim_key_alg(k);
		if (a != emauth_dkim_key_alg(k)) {
			ea_diag_set(diag, EMAUTH_EINVAL, "signer",
			    ea_span(NULL, 0), 0,
			    "the algorithm does not fit the key");
			rc = EMAUTH_EINVAL;
			break;
		}
		o->alg = a == EMAUTH_DKIM_RSA_SHA256 ? EA_ALG_RSA_SHA256
		                                     : EA_ALG_ED25519_SHA256;
		if (specs[i].identity &&
		    strlen(specs[i].identity) >= sizeof(o->i)) {
			ea_diag_set(diag, EMAUTH_EINVAL, "identity",
			    ea_span(specs[i].identity, 64), 0,
			    "i= is longer than 511 bytes (refused)");
			rc = EMAUTH_EINVAL;
			break;
		}
		if (specs[i].identity) {
			snprintf(o->i, sizeof(o->i), "%s", specs[i].identity);
			const char *at = strrchr(o->i, '@');
			size_t dl = strlen(o->d), il = at ? strlen(at + 1) : 0;
			bool under =
			    at && ea_dkim_domain_ok(ea_span_str(at + 1)) &&
			    (il == dl ||
			        (il > dl && at[1 + il - dl - 1] == '.')) &&
			    ea_span_ieq_str(
			        ea_span(at + 1 + il - dl, dl), o->d);
			if (!under) {
				ea_diag_set(diag, EMAUTH_EINVAL, "identity",
				    ea_span_str(o->i), 0,
				    "i= must be [local]@ d= or a subdomain");
				rc = EMAUTH_EINVAL;
				break;
			}
		}
		if ((rc = copy_names(specs[i].headers, o->headers,
		         sizeof(o->headers), "headers", diag)) != 0 ||
		    (rc = copy_names(specs[i].oversign, o->oversign,
		         sizeof(o->oversign), "oversign", diag)) != 0)
			break;
		rc = ea_bodies_get(&s->bodies,
		    specs[i].body_canon == EMAUTH_DKIM_RELAXED
		        ? EA_CANON_RELAXED
		        : EA_CANON_SIMPLE,
		    false, 0);
		if (rc >= 0) {
			o->body = rc;
			rc = 0;
		}
	}
	if (rc == 0) {
		*out = s;
		return 0;
	}
fail:
	emauth_dkim_signer_free(s);
	return rc;
}

void
emauth_dkim_signer_free(struct emauth_dkim_signer *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		ea_free(s->sigs[i].field);
	ea_free(s->sigs);
	ea_bodies_release(&s->bodies);
	ea_hdrs_release(&s->hdrs);
	ea_free(s);
}

int
emauth_dkim_signer_header(
    struct emauth_dkim_signer *s, struct emauth_span field)
{
	if (s->st != S_HEADERS)
		return EMAUTH_ESTATE;
	return ea_hdrs_add(&s->hdrs, field);
}

int
emauth_dkim_signer_eoh(struct emauth_dkim_signer *s)
{
	if (s->st != S_HEADERS)
		return EMAUTH_ESTATE;
	s->st = S_BODY;
	return 0;
}

int
emauth_dkim_signer_body(struct emauth_dkim_signer *s, struct emauth_span chunk)
{
	if (s->st != S_BODY)
		return EMAUTH_ESTATE;
	ea_bodies_feed(&s->bodies, chunk.p, chunk.len);
	return 0;
}

/* RFC 6376 §5.4.1's recommended fields, plus the MIME fields that change
 * how a body is shown. The first eight are over-signed: listed once more
 * than they occur, so that none can be added (§8.15). */
#define NAME(s)                                                                \
	{                                                                      \
		(const uint8_t *)(s), sizeof(s) - 1                            \
	}
static const struct emauth_span default_headers[] = {NAME("from"), NAME("to"),
    NAME("subject"), NAME("date"), NAME("reply-to"), NAME("cc"),
    NAME("message-id"), NAME("content-type"), NAME("resent-date"),
    NAME("resent-from"), NAME("resent-to"), NAME("resent-cc"),
    NAME("in-reply-to"), NAME("references"), NAME("list-id"), NAME("list-help"),
    NAME("list-unsubscribe"), NAME("list-subscribe"), NAME("list-post"),
    NAME("list-owner"), NAME("list-archive"), NAME("mime-version"),
    NAME("content-transfer-encoding")};
#undef NAME
#define OVERSIGNED 8

_Static_assert(EA_DKIM_H_MAX == 128, "the message below says 128");

/* Splits a colon-separated list into spans over @list; the count may pass
 * @max (then only @max are stored: the caller refuses the list). */
static size_t
split_names(const char *list, struct emauth_span *names, size_t max)
{
	size_t n = 0;
	const char *p = list;
	while (*p) {
		const char *c = strchr(p, ':');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len && n < max)
			names[n] = ea_span(p, len);
		n += len != 0;
		if (c == NULL)
			break;
		p = c + 1;
	}
	return n;
}

/* Adds @name @n times to the list. */
static int
add_name(struct ea_buf *out, struct emauth_span name, size_t n)
{
	int rc = 0;
	for (size_t j = 0; j < n && rc == 0; j++) {
		if (out->len)
			rc = ea_buf_addc(out, ':');
		if (rc == 0)
			rc = ea_buf_add(out, name.p, name.len);
	}
	return rc;
}

/* The default list, with the names in @oversign (colon-separated, may be
 * empty) over-signed too: listed once more than they occur, even when they
 * do not occur, so that none can be added. */
static int
default_list(const struct ea_hdrs *h, const char *oversign, struct ea_buf *out)
{
	/* How often each default name occurs, in one pass over the fields. */
	size_t count[EA_ARRAY_LEN(default_headers)] = {0};
	for (size_t i = 0; i < h->n; i++) {
		struct emauth_span name = ea_hdrs_name(h, i);
		for (size_t k = 0; k < EA_ARRAY_LEN(default_headers); k++)
			if (ea_span_ieq(name, default_headers[k])) {
				count[k]++;
				break;
			}
	}
	/* At most one name per two bytes of the list. */
	struct emauth_span over[sizeof(((struct one *)0)->oversign) / 2];
	size_t nover = split_names(oversign, over, EA_ARRAY_LEN(over));
	if (nover > EA_ARRAY_LEN(over))
		return EMAUTH_ETOOBIG; /* cannot happen: a name is 2 bytes */
	int rc = 0;
	for (size_t k = 0; k < EA_ARRAY_LEN(default_headers) && rc == 0; k++) {
		bool oversigned = k < OVERSIGNED && count[k] > 0;
		for (size_t j = 0; j < nover && !oversigned; j++)
			oversigned = ea_span_ieq(over[j], default_headers[k]);
		rc = add_name(out, default_headers[k], count[k] + oversigned);
	}
	/* Names of @oversign outside the default list. */
	for (size_t j = 0; j < nover && rc == 0; j++) {
		bool known = false;
		for (size_t k = 0; k < EA_ARRAY_LEN(default_headers); k++)
			known |= ea_span_ieq(over[j], default_headers[k]);
		if (!known)
			rc = add_name(
			    out, over[j], ea_hdrs_count(h, over[j]) + 1);
	}
	return rc;
}

/* Appends " name=value;" to the field, folding before it when the line
 * would pass 78 columns. */
static int
add_tag(struct ea_buf *f, size_t *col, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value), n = nl + 1 + vl + 1;
	int rc;
	if (*col + 1 + n > 78) {
		rc = ea_buf_add(f, "\r\n\t", 3);
		*col = 8;
	} else {
		rc = ea_buf_addc(f, ' ');
		*col += 1;
	}
	if (rc == 0)
		rc = ea_buf_add(f, name, nl);
	if (rc == 0)
		rc = ea_buf_addc(f, '=');
	if (rc == 0)
		rc = ea_buf_add(f, value, vl);
	if (rc == 0)
		rc = ea_buf_addc(f, ';');
	*col += n;
	return rc;
}

/* @v in decimal, in @buf (21 bytes at least); returns @buf. */
static const char *
decimal(char *buf, uint64_t v)
{
	char tmp[21];
	size_t n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

/* h= folded at colons. */
static int
add_h(struct ea_buf *f, size_t *col, const struct emauth_span *names, size_t n)
{
	int rc = ea_buf_add(f, "\r\n\th=", 5);
	*col = 10;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (*col + names[i].len + 1 > 78) {
			rc = ea_buf_add(f, "\r\n\t", 3);
			*col = 8;
		}
		if (rc == 0)
			rc = ea_buf_add(f, names[i].p, names[i].len);
		if (rc == 0)
			rc = ea_buf_addc(f, i + 1 < n ? ':' : ';');
		*col += names[i].len + 1;
	}
	return rc;
}

static int
sign_one(struct emauth_dkim_signer *s, struct one *o, struct emauth_diag *diag)
{
	struct ea_buf list, f, data;
	struct emauth_span names[EA_DKIM_H_MAX];
	char num[24], b64[EA_DKIM_B_MAX * 2];
	uint8_t sig[EA_DKIM_B_MAX];
	const struct ea_bodyhash *bh = &s->bodies.b[o->body];
	size_t col;
	int rc;

	ea_buf_init(&list, 4096);
	ea_buf_init(&f, 16384);
	ea_buf_init(&data, (2u << 20) + 16384);
	rc = o->headers[0] ? ea_buf_adds(&list, o->headers)
	                   : default_list(&s->hdrs, o->oversign, &list);
	size_t nn =
	    rc ? 0 : split_names(ea_buf_str(&list), names, EA_ARRAY_LEN(names));
	if (nn > EA_ARRAY_LEN(names)) {
		/* Fail closed: never a signature over some of the fields (the
		 * rest could be changed under it); verifiers refuse more than
		 * EA_DKIM_H_MAX names anyway. */
		ea_diag_set(diag, EMAUTH_ETOOBIG, "headers", ea_span(NULL, 0),
		    0, "more than 128 header fields to sign");
		rc = EMAUTH_ETOOBIG;
		goto out;
	}
	bool from = false;
	for (size_t i = 0; i < nn; i++)
		from |= ea_span_ieq_str(names[i], "from");
	/* RFC 6376 §5.4: "The From header field MUST be signed". */
	if (rc == 0 && ea_hdrs_count(&s->hdrs, ea_span_str("from")) == 0) {
		ea_diag_set(diag, EMAUTH_EINVAL, "message", ea_span(NULL, 0), 0,
		    "the message has no From header field");
		rc = EMAUTH_EINVAL;
	} else if (rc == 0 && !from) {
		ea_diag_set(diag, EMAUTH_EINVAL, "headers", ea_span(NULL, 0), 0,
		    "the header list does not include From");
		rc = EMAUTH_EINVAL;
	}
	if (rc)
		goto out;
	const struct emauth_dkim_sign_spec *sp = &o->spec;
	int64_t now = ea_ctx_now(s->ctx);
	rc = ea_buf_adds(&f, "DKIM-Signature: v=1;");
	col = 20;
	if (rc == 0)
		rc = add_tag(&f, &col, "a",
		    o->alg == EA_ALG_RSA_SHA256 ? "rsa-sha256"
		                                : "ed25519-sha256");
	if (rc == 0)
		rc = add_tag(&f, &col, "c",
		    sp->header_canon == EMAUTH_DKIM_RELAXED
		        ? (sp->body_canon == EMAUTH_DKIM_RELAXED
		                  ? "relaxed/relaxed"
		                  : "relaxed/simple")
		        : (sp->body_canon == EMAUTH_DKIM_RELAXED
		                  ? "simple/relaxed"
		                  : "simple/simple"));
	if (rc == 0)
		rc = add_tag(&f, &col, "d", o->d);
	if (rc == 0)
		rc = add_tag(&f, &col, "s", o->s);
	/* t= and x= are not before 1970 (a clock that says so writes 0). */
	uint64_t t = now > 0 ? (uint64_t)now : 0;
	if (rc == 0 && !sp->no_timestamp)
		rc = add_tag(&f, &col, "t", decimal(num, t));
	if (rc == 0 && sp->expire > 0)
		rc = add_tag(
		    &f, &col, "x", decimal(num, t + (uint64_t)sp->expire));
	if (rc == 0 && o->i[0])
		rc = add_tag(&f, &col, "i", o->i);
	if (rc == 0 && sp->body_length)
		rc = add_tag(&f, &col, "l", decimal(num, bh->bc.total));
	if (rc == 0)
		rc = add_h(&f, &col, names, nn);
	ea_base64_encode(bh->digest, 32, b64, sizeof(b64));
	if (rc == 0)
		rc = add_tag(&f, &col, "bh", b64);
	if (rc == 0)
		rc = ea_buf_add(&f, "\r\n\tb=", 5);
	/* The field up to "b=" is what the signature covers (§3.7). */
	if (rc == 0)
		rc = ea_dkim_header_data(&s->hdrs, names, nn,
		    sp->header_canon == EMAUTH_DKIM_RELAXED ? EA_CANON_RELAXED
		                                            : EA_CANON_SIMPLE,
		    ea_span(f.p, f.len), &data);
	int slen = rc ? rc
	              : ea_dkim_sign(sp->key->pkey, sp->key->tmpl, o->alg,
	                    &data, sig, sizeof(sig));
	if (slen < 0) {
		rc = slen;
		goto out;
	}
	ea_base64_encode(sig, (size_t)slen, b64, sizeof(b64));
	for (size_t i = 0, n = strlen(b64); i < n && rc == 0; i += 72) {
		if (i)
			rc = ea_buf_add(&f, "\r\n\t  ", 5);
		if (rc == 0)
			rc = ea_buf_add(&f, b64 + i, n - i > 72 ? 72 : n - i);
	}
	if (rc == 0)
		o->field = ea_buf_steal(&f);
out:
	ea_buf_release(&list);
	ea_buf_release(&f);
	ea_buf_release(&data);
	return rc;
}

int
emauth_dkim_signer_finish(
    struct emauth_dkim_signer *s, struct emauth_diag *diag)
{
	int rc = 0;
	if (s->st != S_BODY)
		return EMAUTH_ESTATE;
	s->st = S_DONE;
	if (s->hdrs.overflow) {
		ea_diag_set(diag, EMAUTH_ETOOBIG, "message", ea_span(NULL, 0),
		    0, "header block over 1 MiB or 1000 fields");
		return EMAUTH_ETOOBIG;
	}
	ea_bodies_finish(&s->bodies);
	for (size_t i = 0; i < s->n && rc == 0; i++)
		rc = sign_one(s, &s->sigs[i], diag);
	return rc;
}

const char *
emauth_dkim_signer_field(const struct emauth_dkim_signer *s, size_t i)
{
	return i < s->n ? s->sigs[i].field : NULL;
}
