/*
 * dkim.h: DomainKeys Identified Mail (RFC 6376, RFC 8301, RFC 8463).
 *
 * Verification streams: a verifier takes one header field at a time, then
 * body chunks, then finishes; it holds the header block (bounded) and never
 * the body. Each DKIM-Signature gets a result in RFC 8601 words with a
 * precise reason.
 */
#ifndef EMAUTH_DKIM_H
#define EMAUTH_DKIM_H

#include <emauth/emauth.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Why a signature got its result. */
enum emauth_dkim_reason {
	EMAUTH_DKIM_OK = 0,
	EMAUTH_DKIM_SYNTAX,        /* the DKIM-Signature does not parse */
	EMAUTH_DKIM_MISSING_TAG,   /* a required tag is missing */
	EMAUTH_DKIM_VERSION,       /* v= is not 1 */
	EMAUTH_DKIM_SHA1,          /* rsa-sha1, refused (RFC 8301) */
	EMAUTH_DKIM_ALGORITHM,     /* unknown a= */
	EMAUTH_DKIM_NO_FROM,       /* h= does not include From */
	EMAUTH_DKIM_IDENTITY,      /* i= is not d= or under it */
	EMAUTH_DKIM_EXPIRED,       /* x= is in the past */
	EMAUTH_DKIM_QUERY,         /* q= does not offer dns/txt */
	EMAUTH_DKIM_NO_KEY,        /* no key record at the selector */
	EMAUTH_DKIM_KEY_SYNTAX,    /* the key record does not parse */
	EMAUTH_DKIM_KEY_REVOKED,   /* empty p= */
	EMAUTH_DKIM_KEY_TOO_SHORT, /* RSA under 1024 bits (RFC 8301) */
	EMAUTH_DKIM_KEY_MISMATCH,  /* k=, h= or s= of the key does not fit */
	EMAUTH_DKIM_KEY_STRICT,    /* t=s key and i= domain differs from d= */
	EMAUTH_DKIM_DNS,           /* temporary DNS failure fetching the key */
	EMAUTH_DKIM_BODY_HASH,     /* the body hash does not match */
	EMAUTH_DKIM_SIGNATURE,     /* the signature does not verify */
	EMAUTH_DKIM_PARTIAL_BODY,  /* l= leaves body bytes unsigned (policy) */
	EMAUTH_DKIM_NOT_CHECKED    /* over the per-message signature cap */
};

/** The words for a reason, e.g. "body hash mismatch"; never NULL. */
EMAUTH_API const char *emauth_dkim_reason_text(enum emauth_dkim_reason r);

struct emauth_dkim_result {
	enum emauth_result result; /* pass, fail, neutral, temperror,
	                              permerror, policy */
	enum emauth_dkim_reason reason;
	char detail[512];        /* the reason with specifics, for people */
	char domain[256];        /* d= */
	char selector[256];      /* s= */
	char algorithm[32];      /* a=, as written when known */
	char identity[512];      /* i=, or "" */
	char b_prefix[16];       /* the first 8 characters of b= (RFC 8601) */
	char canon[32];          /* "relaxed/simple" */
	int has_length;          /* l= present */
	uint64_t length;         /* l= */
	uint64_t unsigned_bytes; /* canonical body bytes after l= */
	int testing;             /* key t=y */
	int strict;              /* key t=s: i= may not be a subdomain */
	unsigned key_bits;
};

struct emauth_dkim_verify_opts {
	/* RFC 6376 reading of l=: a signature that leaves appended body
	 * bytes unsigned can pass. Default 0: such a signature is "policy". */
	int allow_partial_body;
	unsigned max_signatures;    /* default 10 */
	size_t max_header_bytes;    /* default 1 MiB */
	unsigned max_header_fields; /* default 1000 */
};

struct emauth_dkim_verifier;

/**
 * Creates a verifier for one message.
 * @param opts NULL for the defaults.
 * @param out OUT: free with emauth_dkim_verifier_free().
 * @return 0, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_dkim_verifier_new(struct emauth_ctx *ctx,
    const struct emauth_dkim_verify_opts *opts,
    struct emauth_dkim_verifier **out);

/**
 * Adds one header field, "Name: value" with its folding, without the CRLF
 * that ends it. The span is copied.
 * @return 0, EMAUTH_ETOOBIG (header caps exceeded: the verifier then gives
 *         every signature permerror), EMAUTH_ESTATE, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_dkim_verifier_header(
    struct emauth_dkim_verifier *v, struct emauth_span field);

/** Ends the header block. @return 0, EMAUTH_ESTATE, EMAUTH_ENOMEM. */
EMAUTH_API int emauth_dkim_verifier_eoh(struct emauth_dkim_verifier *v);

/** Adds a body chunk (CRLF line endings), any size, split anywhere.
 * @return 0, EMAUTH_ESTATE. */
EMAUTH_API int emauth_dkim_verifier_body(
    struct emauth_dkim_verifier *v, struct emauth_span chunk);

/** Ends the body, fetches keys and verifies. @return 0, EMAUTH_ESTATE,
 * EMAUTH_ENOMEM. */
EMAUTH_API int emauth_dkim_verifier_finish(struct emauth_dkim_verifier *v);

/** The number of DKIM-Signature fields seen (evaluated or not). */
EMAUTH_API size_t emauth_dkim_verifier_count(
    const struct emauth_dkim_verifier *v);

/** Copies the result of signature @i (in header order) into @out.
 * @return 0, EMAUTH_EINVAL (no such signature), EMAUTH_ESTATE. */
EMAUTH_API int emauth_dkim_verifier_result(const struct emauth_dkim_verifier *v,
    size_t i, struct emauth_dkim_result *out);

/** Frees @v. Its context keeps the last freed verifier (its buffers and
 * hashing contexts) for the next message. A verifier may outlive its
 * context: freed after it, it is simply freed; finished after it, its
 * signatures get temperror (no keys can be fetched). NULL does nothing. */
EMAUTH_API void emauth_dkim_verifier_free(struct emauth_dkim_verifier *v);

/* Signing. */

enum emauth_dkim_alg {
	EMAUTH_DKIM_ALG_DEFAULT = 0, /* from the key: RSA or Ed25519 */
	EMAUTH_DKIM_RSA_SHA256 = 1,
	EMAUTH_DKIM_ED25519_SHA256 = 2
};

enum emauth_dkim_canon { EMAUTH_DKIM_SIMPLE = 0, EMAUTH_DKIM_RELAXED = 1 };

struct emauth_dkim_key;

/**
 * Loads a private key: PEM PKCS#8 (openssl genpkey), PEM PKCS#1 RSA
 * (opendkim-genkey), or a base64 Ed25519 seed. The bytes are borrowed.
 * @param out OUT: free with emauth_dkim_key_free().
 * @return 0, EMAUTH_ESYNTAX (with @diag), EMAUTH_ETOOBIG, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_dkim_key_load(struct emauth_span pem,
    struct emauth_dkim_key **out, struct emauth_diag *diag);
/** The key's algorithm and size in bits. */
EMAUTH_API enum emauth_dkim_alg emauth_dkim_key_alg(
    const struct emauth_dkim_key *k);
EMAUTH_API unsigned emauth_dkim_key_bits(const struct emauth_dkim_key *k);
EMAUTH_API void emauth_dkim_key_free(struct emauth_dkim_key *k);

/**
 * Generates a key: RSA of @bits (1024 to 4096; 0 means 2048) or Ed25519.
 * @return 0, EMAUTH_EINVAL (bits out of range), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_dkim_key_generate(
    enum emauth_dkim_alg alg, unsigned bits, struct emauth_dkim_key **out);

/**
 * Writes the private key as PKCS#8 PEM into @out (NUL-terminated).
 * @return the length, EMAUTH_ETOOBIG.
 */
EMAUTH_API int emauth_dkim_key_pem(
    const struct emauth_dkim_key *k, char *out, size_t size);

/**
 * Writes the public key record for @k, "v=DKIM1; k=rsa; p=...", into
 * @out (NUL-terminated), with "t=y; " when @testing.
 * @return the length, EMAUTH_ETOOBIG, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_dkim_key_record(
    const struct emauth_dkim_key *k, int testing, char *out, size_t size);

struct emauth_dkim_sign_spec {
	const char *domain;   /* d= */
	const char *selector; /* s= */
	const struct emauth_dkim_key *key;
	enum emauth_dkim_alg alg;
	enum emauth_dkim_canon header_canon, body_canon; /* default relaxed
	                                                    with the _init */
	/* Colon-separated header names to sign, each as many times as it
	 * should be listed; NULL for the default: RFC 6376 §5.4.1's set as
	 * present, with From, To, Subject, Date, Reply-To, Cc, Message-ID
	 * and Content-Type over-signed. */
	const char *headers;
	int body_length;      /* add l= */
	int64_t expire;       /* seconds until x=, 0 for none */
	const char *identity; /* i=, or NULL */
	int no_timestamp;     /* leave t= out */
	/* With @headers NULL: colon-separated names to over-sign as well as
	 * the eight above (listed once more than they occur, even when they
	 * do not occur), or NULL. */
	const char *oversign;
};

/** Fills @s with the defaults (relaxed/relaxed, t=). */
EMAUTH_API void emauth_dkim_sign_spec_init(struct emauth_dkim_sign_spec *s);

struct emauth_dkim_signer;

/**
 * Creates a signer adding @n signatures in one pass.
 * @return 0, EMAUTH_EINVAL (a spec without domain, selector or key, a
 *         domain or selector that is not a name, an algorithm that does not
 *         fit the key), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_dkim_signer_new(struct emauth_ctx *ctx,
    const struct emauth_dkim_sign_spec *specs, size_t n,
    struct emauth_dkim_signer **out, struct emauth_diag *diag);
EMAUTH_API int emauth_dkim_signer_header(
    struct emauth_dkim_signer *s, struct emauth_span field);
EMAUTH_API int emauth_dkim_signer_eoh(struct emauth_dkim_signer *s);
EMAUTH_API int emauth_dkim_signer_body(
    struct emauth_dkim_signer *s, struct emauth_span chunk);
/**
 * Computes the signatures.
 * @return 0, EMAUTH_EINVAL (the message has no From: RFC 6376 §5.4 says it
 *         MUST be signed), EMAUTH_ESTATE, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_dkim_signer_finish(
    struct emauth_dkim_signer *s, struct emauth_diag *diag);
/**
 * The DKIM-Signature field of signature @i, folded, with CRLF line breaks
 * inside and none at the end; valid until emauth_dkim_signer_free().
 * Put the fields above the message, in any order.
 */
EMAUTH_API const char *emauth_dkim_signer_field(
    const struct emauth_dkim_signer *s, size_t i);
EMAUTH_API void emauth_dkim_signer_free(struct emauth_dkim_signer *s);

/* What a published selector holds, for audits. */
struct emauth_dkim_key_info {
	char name[300];   /* selector._domainkey.domain */
	char target[300]; /* where CNAMEs led (a delegated selector), or "" */
	int found;        /* a TXT record is there */
	int usable;       /* it is a key emauth would verify with */
	int revoked;      /* empty p= */
	int dns_error;    /* the lookup failed (temporary) */
	char type[16];    /* "rsa" or "ed25519" when known */
	unsigned bits;
	int testing;   /* t=y */
	int strict;    /* t=s */
	int sha256_ok; /* h= absent or lists sha256 */
	char problem[256];
};

/**
 * Looks up and inspects the key record of @selector for @domain, following
 * CNAMEs.
 * @return 0 (see @out), EMAUTH_EINVAL (not names), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_dkim_key_lookup(struct emauth_ctx *ctx,
    const char *selector, const char *domain, struct emauth_dkim_key_info *out);

/* Whether a private key fits the record published for it. */
enum emauth_dkim_testkey_status {
	EMAUTH_DKIM_TESTKEY_MATCH = 0,   /* the record publishes the key's
	                                    public half and allows signing
	                                    mail with it */
	EMAUTH_DKIM_TESTKEY_MISMATCH,    /* a key record is there; it does
	                                    not fit (see problems) */
	EMAUTH_DKIM_TESTKEY_NO_RECORD,   /* no TXT record at the name */
	EMAUTH_DKIM_TESTKEY_DNS_ERROR,   /* the lookup failed (temporary) */
	EMAUTH_DKIM_TESTKEY_RECORD_ERROR /* the record is not a usable key
	                                    record (syntax, v=, unknown k=,
	                                    p= not a key, over the size cap) */
};

/* What does not fit: bits of emauth_dkim_testkey_result.problems. */
enum emauth_dkim_testkey_problem {
	EMAUTH_DKIM_TESTKEY_OTHER_KEY = 1 << 0, /* p= holds another key */
	EMAUTH_DKIM_TESTKEY_KEY_TYPE = 1 << 1,  /* k= names the other
	                                           algorithm */
	EMAUTH_DKIM_TESTKEY_SERVICE = 1 << 2,   /* s= covers neither "*" nor
	                                           "email" */
	EMAUTH_DKIM_TESTKEY_HASH = 1 << 3,      /* h= does not list sha256 */
	EMAUTH_DKIM_TESTKEY_REVOKED = 1 << 4    /* empty p= */
};

struct emauth_dkim_testkey_result {
	enum emauth_dkim_testkey_status status;
	unsigned problems; /* emauth_dkim_testkey_problem bits */
	char detail[768];  /* what was found and what does not fit, for
	                      people; never "" */
	char name[300];    /* selector._domainkey.domain */
	char target[300];  /* where CNAMEs led, or "" */
	unsigned records;  /* TXT records at the name (more than one: receivers
	                      may use any, RFC 6376 §3.6.2.2) */
	char key_type[16]; /* the private key: "rsa" or "ed25519" */
	unsigned key_bits;
	char record_type[16]; /* k= of the record ("rsa" when absent), or ""
	                         when the record could not be read that far */
	unsigned record_bits; /* the published key's size, or 0 */
	int testing;          /* t=y: receivers may treat failures leniently */
	int strict; /* t=s: a signature whose i= is in a subdomain of d= fails
	               (RFC 6376 §3.6.1) */
};

/**
 * Checks the private key @key against the key record published at
 * @selector._domainkey.@domain, through @ctx's resolver (following CNAMEs):
 * that a record is there and parses, that its k= is the key's algorithm,
 * that its p= is the key's public half, and that its flags allow signing
 * mail with it (s= covering email, h= listing sha256, p= not revoked).
 * t=y and t=s are noted, not counted as problems. With several records, the
 * one a verifier uses is checked (the first usable one).
 * @param key borrowed for the call.
 * @param out OUT: always filled; out->status is the verdict.
 * @return 0 (see @out), EMAUTH_EINVAL (NULL arguments, empty names, or a
 *         name over 253 bytes), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_dkim_testkey(struct emauth_ctx *ctx, const char *selector,
    const char *domain, const struct emauth_dkim_key *key,
    struct emauth_dkim_testkey_result *out);

#ifdef __cplusplus
}
#endif

#endif
