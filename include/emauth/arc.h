/*
 * arc.h: Authenticated Received Chain (RFC 8617).
 *
 * Verification streams like DKIM's: header fields one at a time, then
 * body chunks, then finish. Every ARC set (ARC-Authentication-Results,
 * ARC-Message-Signature, ARC-Seal) is parsed and checked for structure
 * (instances 1 to 50, exactly one of each per instance, the cv= rules);
 * the newest ARC-Message-Signature and every ARC-Seal are verified with
 * the DKIM engine's canonicalization, hashing and key cache (rsa-sha256,
 * and ed25519-sha256 as RFC 8463 has it for DKIM). The result is the chain
 * validation status (none, pass, fail) with a reason, and on pass the
 * oldest instance whose ARC-Message-Signature still verifies.
 *
 * Sealing adds the next set to a message: the ARC-Authentication-Results
 * from the caller's results, an ARC-Message-Signature over the message and
 * an ARC-Seal over the sets with the right cv=.
 */
#ifndef EMAUTH_ARC_H
#define EMAUTH_ARC_H

#include <emauth/dkim.h>
#include <emauth/emauth.h>

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 8617 §4.2.1: at most 50 ARC sets. */
#define EMAUTH_ARC_MAX 50

/* The chain validation status (RFC 8617 §4.4). */
enum emauth_arc_cv {
	EMAUTH_ARC_NONE = 0, /* no ARC sets */
	EMAUTH_ARC_PASS = 1,
	EMAUTH_ARC_FAIL = 2
};

/** "none", "pass" or "fail". */
EMAUTH_API const char *emauth_arc_cv_name(enum emauth_arc_cv cv);

struct emauth_arc_instance {
	unsigned i;
	char as_domain[256], as_selector[256]; /* the ARC-Seal's d= and s= */
	char ams_domain[256], ams_selector[256];
	char cv[8];             /* the seal's cv= as written */
	enum emauth_result as;  /* the seal: pass, fail, none (not checked),
	                           temperror, permerror */
	enum emauth_result ams; /* the message signature, likewise */
	char as_detail[256], ams_detail[256];
	char aar[1024]; /* the ARC-Authentication-Results after i=N; */
};

struct emauth_arc_result {
	enum emauth_arc_cv cv;
	int temporary;        /* fail because a key could not be fetched now */
	char reason[512];     /* why, for people */
	unsigned instances;   /* the highest instance (0 when none) */
	unsigned oldest_pass; /* on pass: the lowest instance whose AMS and
	                         those after it verify (0 when all do) */
	struct emauth_arc_instance inst[EMAUTH_ARC_MAX]; /* [0] is i=1 */
};

struct emauth_arc_verify_opts {
	size_t max_header_bytes;    /* default 1 MiB */
	unsigned max_header_fields; /* default 1000 */
	/* Check every older ARC-Message-Signature for oldest_pass (RFC 8617
	 * §5.2 step 5, optional). Default 1 with the _init; 0 skips it. */
	int oldest_pass;
};

EMAUTH_API void emauth_arc_verify_opts_init(struct emauth_arc_verify_opts *o);

struct emauth_arc_verifier;

/**
 * Creates a verifier for one message.
 * @param opts NULL for the defaults.
 * @return 0, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_arc_verifier_new(struct emauth_ctx *ctx,
    const struct emauth_arc_verify_opts *opts,
    struct emauth_arc_verifier **out);
/** One header field ("Name: value" with its folding, no final CRLF).
 * @return 0, EMAUTH_ETOOBIG (caps: the chain then fails), EMAUTH_ESTATE,
 * EMAUTH_ENOMEM. */
EMAUTH_API int emauth_arc_verifier_header(
    struct emauth_arc_verifier *v, struct emauth_span field);
EMAUTH_API int emauth_arc_verifier_eoh(struct emauth_arc_verifier *v);
EMAUTH_API int emauth_arc_verifier_body(
    struct emauth_arc_verifier *v, struct emauth_span chunk);
/** Ends the body, fetches the keys and validates the chain. */
EMAUTH_API int emauth_arc_verifier_finish(struct emauth_arc_verifier *v);
/** The result (after finish). @return 0, EMAUTH_ESTATE. */
EMAUTH_API int emauth_arc_verifier_result(
    const struct emauth_arc_verifier *v, struct emauth_arc_result *out);
EMAUTH_API void emauth_arc_verifier_free(struct emauth_arc_verifier *v);

/**
 * Whether a chain lets a receiver override a DMARC failure: it passes and
 * its newest seal (the hop that handed the message over) is by one of the
 * @n domains of @trusted (ASCII case ignored; a name matches itself, not
 * the names under it). A forged set never passes, so it is never trusted.
 * On 1, @comment (may be NULL) gets "arc=pass, sealed by D (i=N)", the
 * override's comment in DMARC reports (type trusted_forwarder).
 * @return 1 or 0.
 */
EMAUTH_API int emauth_arc_trusted(const struct emauth_arc_result *r,
    const char *const *trusted, size_t n, char *comment, size_t size);

/* Sealing. */

struct emauth_arc_seal_spec {
	const char *domain;   /* d= of the AMS and the AS */
	const char *selector; /* s= */
	const struct emauth_dkim_key *key;
	const char *authserv_id; /* of the ARC-Authentication-Results */
	/* The results for the AAR, after "authserv-id;" (for example
	 * "dkim=pass header.d=example.org; arc=none"); NULL: the results of
	 * every Authentication-Results field of the message whose
	 * authserv-id is @authserv_id, joined with "; ". */
	const char *results;
	/* The chain status to seal: the arc= result of those results when
	 * there is one, else this (the caller's own verification). */
	enum emauth_arc_cv cv;
	/* Colon-separated header names for the AMS's h=; NULL: the DKIM
	 * default set as present, with DKIM-Signature. ARC-Seal is never
	 * signed. */
	const char *headers;
	int64_t timestamp; /* t=; 0: now; -1: no t= */
	/* 1: the new fields folded as they go into a message (CRLF and a
	 * space where they have blanks, and inside b=, so that lines keep
	 * to 78 octets where they can; relaxed canonicalization, which the
	 * set is signed with, reads them the same); a field that would
	 * still have a line over 998 octets (RFC 5322 §2.1.1) is
	 * EMAUTH_ETOOBIG. 0 (the default): one line each. */
	int fold;
};

EMAUTH_API void emauth_arc_seal_spec_init(struct emauth_arc_seal_spec *s);

struct emauth_arc_sealer;

/**
 * Creates a sealer for one message.
 * @return 0, EMAUTH_EINVAL (no domain, selector, key or authserv-id, or
 *         one that is not a name), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_arc_sealer_new(struct emauth_ctx *ctx,
    const struct emauth_arc_seal_spec *spec, struct emauth_arc_sealer **out);
EMAUTH_API int emauth_arc_sealer_header(
    struct emauth_arc_sealer *s, struct emauth_span field);
EMAUTH_API int emauth_arc_sealer_eoh(struct emauth_arc_sealer *s);
EMAUTH_API int emauth_arc_sealer_body(
    struct emauth_arc_sealer *s, struct emauth_span chunk);
/**
 * Builds the new set.
 * @return 0 (the three fields in emauth_arc_sealer_field(), or none when
 *         the chain had already failed: RFC 8617 §5.1.2, nothing is added
 *         after a cv=fail seal), EMAUTH_ELIMIT (50 sets already),
 *         EMAUTH_ESYNTAX (the message's ARC sets are unusable and no cv
 *         was given), EMAUTH_ETOOBIG (folding asked for and a line
 *         would be over 998 octets), EMAUTH_ESTATE, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_arc_sealer_finish(
    struct emauth_arc_sealer *s, struct emauth_diag *diag);
/**
 * The new fields, to put at the top of the header in this order: 0 the
 * ARC-Seal, 1 the ARC-Message-Signature, 2 the ARC-Authentication-Results
 * (each "Name: value" on one line, unfolded: the form the interoperability
 * suites compare byte for byte; folded with CRLF when the spec asked for
 * it; no final CRLF); NULL when there is none.
 */
EMAUTH_API const char *emauth_arc_sealer_field(
    const struct emauth_arc_sealer *s, unsigned which);
/** The instance of the new set (0 when none was added). */
EMAUTH_API unsigned emauth_arc_sealer_instance(
    const struct emauth_arc_sealer *s);
EMAUTH_API void emauth_arc_sealer_free(struct emauth_arc_sealer *s);

#ifdef __cplusplus
}
#endif

#endif
