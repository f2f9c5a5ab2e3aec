/*
 * dmarc.h: Domain-based Message Authentication, Reporting, and Conformance
 * (RFC 9989, with an RFC 7489 compatibility mode).
 *
 * emauth_dmarc_record_parse() reads a record and says, tag by tag, what is
 * wrong with it. emauth_dmarc_discover() finds the policy that applies to a
 * domain and its Organizational Domain: by the RFC 9989 DNS Tree Walk, or,
 * in RFC 7489 mode, at the domain and then at the Organizational Domain
 * that the Public Suffix List gives (libpsl). emauth_dmarc_evaluate() adds
 * identifier alignment with the caller's own SPF and DKIM results (never
 * results read from the message) and gives the verdict and disposition.
 */
#ifndef EMAUTH_DMARC_H
#define EMAUTH_DMARC_H

#include <emauth/emauth.h>

#ifdef __cplusplus
extern "C" {
#endif

enum emauth_dmarc_mode {
	EMAUTH_DMARC_RFC9989 = 0, /* DNS Tree Walk; psd, np, t */
	EMAUTH_DMARC_RFC7489 = 1  /* Public Suffix List; pct, rf, ri */
};

/* A policy (p, sp, np) and a disposition use the same words. */
enum emauth_dmarc_policy {
	EMAUTH_DMARC_UNSET = 0,
	EMAUTH_DMARC_NONE,
	EMAUTH_DMARC_QUARANTINE,
	EMAUTH_DMARC_REJECT
};

/** "none", "quarantine", "reject" ("" for unset). */
EMAUTH_API const char *emauth_dmarc_policy_name(enum emauth_dmarc_policy p);

enum emauth_dmarc_note_kind {
	EMAUTH_DMARC_ERROR,   /* the tag is ignored (or the record is) */
	EMAUTH_DMARC_WARNING, /* valid but probably not what was meant */
	EMAUTH_DMARC_OBSOLETE /* an RFC 7489 tag that RFC 9989 removed */
};

#define EMAUTH_DMARC_NOTES_MAX 16

struct emauth_dmarc_note {
	enum emauth_dmarc_note_kind kind;
	char tag[16];   /* the tag concerned, "" for the record */
	size_t offset;  /* byte offset in the record */
	char text[256]; /* for people: what is wrong and how to fix it */
};

/* A parsed record, with the defaults of the mode applied. */
struct emauth_dmarc_record {
	int valid;      /* starts with v=DMARC1 (else nothing else is set) */
	int has_policy; /* a usable p=, or none implied by a valid rua */
	enum emauth_dmarc_policy p, sp, np; /* effective: np -> sp -> p */
	int p_given, sp_given, np_given;    /* written in the record */
	char psd;                           /* 'y', 'n' or 'u' (default) */
	int testing;                        /* t=y */
	int adkim_strict, aspf_strict;
	char rua[1024], ruf[1024]; /* the valid URIs, comma-separated */
	char fo[16];
	/* The RFC 7489 tags (honoured only in RFC 7489 mode). */
	unsigned pct; /* 0..100; 100 when absent */
	char rf[32];
	unsigned long ri;
	struct emauth_dmarc_note notes[EMAUTH_DMARC_NOTES_MAX];
	unsigned nnotes;
};

/**
 * Parses one DMARC record. Unknown tags are ignored; a tag with an invalid
 * value is noted and treated as absent.
 * @return 0 (see out->valid), EMAUTH_ETOOBIG (over 4 KiB).
 */
EMAUTH_API int emauth_dmarc_record_parse(struct emauth_span record,
    enum emauth_dmarc_mode mode, struct emauth_dmarc_record *out);

/* One DNS query of the discovery. */
struct emauth_dmarc_step {
	char name[264];  /* "_dmarc.example.com" */
	char status[32]; /* "record", "no record", "no DMARC record",
	                    "2 records", "temporary failure" */
};

#define EMAUTH_DMARC_STEPS_MAX 16

struct emauth_dmarc_discovery {
	/* none (no policy), pass (a policy was found), temperror, or
	 * permerror (a DMARC record over 4 KiB at a name of the walk: an
	 * invalid record there, never skipped for a parent's policy). */
	enum emauth_result result;
	char domain[256];                /* the domain asked about */
	char policy_domain[256];         /* where the record was found, or "" */
	char org_domain[256];            /* the Organizational Domain */
	const char *policy_tag;          /* "p", "sp" or "np": which applies */
	enum emauth_dmarc_policy policy; /* its value */
	int domain_exists;               /* 0 when non-existent (RFC 9989) */
	struct emauth_dmarc_record record;
	struct emauth_dmarc_step steps[EMAUTH_DMARC_STEPS_MAX];
	unsigned nsteps;
	char problem[256]; /* for temperror */
};

/**
 * Finds the DMARC policy for @domain and its Organizational Domain.
 * @return 0 (the outcome is in @out), EMAUTH_EINVAL (not a domain name),
 *         EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_dmarc_discover(struct emauth_ctx *ctx, const char *domain,
    enum emauth_dmarc_mode mode, struct emauth_dmarc_discovery *out);

/**
 * The Organizational Domain of @domain (for relaxed alignment): by the DNS
 * Tree Walk, or by the Public Suffix List in RFC 7489 mode.
 * @return 0, EMAUTH_EDNS (a DNS failure during the walk), EMAUTH_EINVAL.
 */
EMAUTH_API int emauth_dmarc_org_domain(struct emauth_ctx *ctx,
    const char *domain, enum emauth_dmarc_mode mode, char *out, size_t size);

/**
 * Identifier alignment of @identifier (an SPF or DKIM domain) with the
 * author domain @from: strict is an exact match; relaxed is an exact match
 * or the same Organizational Domain.
 * @return 1 aligned, 0 not, EMAUTH_EDNS, EMAUTH_EINVAL (@from is not a
 *         domain name).
 */
EMAUTH_API int emauth_dmarc_aligned(struct emauth_ctx *ctx, const char *from,
    const char *identifier, int strict, enum emauth_dmarc_mode mode);

/**
 * Whether @dest consents to receive DMARC reports for @domain (RFC 9990
 * external destinations): a TXT record starting with v=DMARC1 at
 * @domain._report._dmarc.@dest.
 * @return 1 yes, 0 no, EMAUTH_EDNS, EMAUTH_EINVAL.
 */
EMAUTH_API int emauth_dmarc_report_authorized(
    struct emauth_ctx *ctx, const char *domain, const char *dest);

struct emauth_dmarc_dkim {
	const char *domain; /* d= */
	enum emauth_result result;
};

struct emauth_dmarc_query {
	const char *from_domain; /* the RFC5322.From domain */
	/* SPF as the receiver evaluated it: the MAIL FROM domain (or the HELO
	 * name for the null reverse-path) and its result. */
	const char *spf_domain;
	enum emauth_result spf_result;
	const struct emauth_dmarc_dkim *dkim; /* every signature's result */
	size_t ndkim;
	enum emauth_dmarc_mode mode;
	/* RFC 7489 pct: the message's draw in 0..99 (the policy applies
	 * when it is below pct); negative for a random draw. */
	int pct_draw;
};

struct emauth_dmarc_result {
	/* pass, fail, none, temperror, or permerror (the policy cannot be
	 * read: a DMARC record over 4 KiB on the walk). */
	enum emauth_result result;
	enum emauth_dmarc_policy disposition;
	int spf_aligned, dkim_aligned;
	char aligned_dkim_domain[256]; /* the d= that aligned, or "" */
	char reason[512];
	struct emauth_dmarc_discovery d; /* domains, policy, record, steps */
};

/**
 * Evaluates DMARC for one message.
 * @return 0 (the verdict is in @out), EMAUTH_EINVAL, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_dmarc_evaluate(struct emauth_ctx *ctx,
    const struct emauth_dmarc_query *q, struct emauth_dmarc_result *out);

#ifdef __cplusplus
}
#endif

#endif
