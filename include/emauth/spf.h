/*
 * spf.h: Sender Policy Framework (RFC 7208).
 *
 * emauth_spf_check_host() runs check_host() for the MAIL FROM identity (or,
 * for the null reverse-path, the HELO identity as postmaster@HELO), with
 * every limit of RFC 7208 §4.6.4 enforced, and reports the result with the
 * term that decided it or the problem that made it an error.
 */
#ifndef EMAUTH_SPF_H
#define EMAUTH_SPF_H

#include <emauth/emauth.h>

#ifdef __cplusplus
extern "C" {
#endif

enum emauth_spf_identity {
	EMAUTH_SPF_MAILFROM = 0, /* MAIL FROM; HELO when it is null */
	EMAUTH_SPF_HELO          /* the HELO identity only */
};

struct emauth_spf_query {
	const char *ip;        /* client address, IPv4 or IPv6 text */
	const char *mail_from; /* MAIL FROM; NULL, "" or "<>" is null */
	const char *helo;      /* HELO/EHLO name; may be NULL */
	const char *receiver;  /* for %{r}; NULL gives "unknown" */
	enum emauth_spf_identity identity;
	/* Explanation on fail when the record gives none; NULL for none. */
	const char *default_explanation;
};

#define EMAUTH_SPF_TEXT_MAX 1024

struct emauth_spf_result {
	enum emauth_result result;         /* none/neutral/pass/fail/softfail/
	                                      temperror/permerror */
	enum emauth_spf_identity identity; /* the identity checked */
	char sender[EMAUTH_SPF_TEXT_MAX];  /* <sender> as evaluated */
	char domain[256];                  /* <domain> checked */
	/* The term that decided, as written ("include:_spf.example.net"),
	 * and the domain whose record holds it; "" when none matched. */
	char mechanism[EMAUTH_SPF_TEXT_MAX];
	char mechanism_domain[256];
	/* On fail: the expanded explanation, or the default; else "". */
	char explanation[EMAUTH_SPF_TEXT_MAX];
	/* For temperror and permerror: what went wrong, and where. */
	char problem[EMAUTH_SPF_TEXT_MAX];
	unsigned dns_lookups;  /* DNS-querying terms evaluated */
	unsigned void_lookups; /* queries that returned no records */
	unsigned dns_queries;  /* every query made, for information */
};

/**
 * Evaluates SPF for one message.
 * @param q the query; its strings are borrowed for the call.
 * @param out OUT: the result (all of it written, whatever the verdict).
 * @return 0 (the verdict is in @out, errors of the sender's DNS included),
 *         EMAUTH_EINVAL (q->ip is not an IP address, or no identity can be
 *         checked: null MAIL FROM and no HELO), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_spf_check_host(struct emauth_ctx *ctx,
    const struct emauth_spf_query *q, struct emauth_spf_result *out);

/**
 * Checks the syntax of an SPF record (RFC 7208 §12), without DNS.
 * @param diag OUT, may be NULL: the first error, with its term and offset.
 * @return 0 (valid), EMAUTH_ESYNTAX, EMAUTH_ENOTFOUND (not an SPF record:
 *         no "v=spf1" version), EMAUTH_ETOOBIG, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_spf_record_check(
    struct emauth_span record, struct emauth_diag *diag);

/* The audit of a domain's published SPF: the include/redirect tree with
 * the DNS-querying terms of each branch, and what is wrong with it. */

#define EMAUTH_SPF_AUDIT_NODES 64
#define EMAUTH_SPF_AUDIT_FINDINGS 32
/* The longest SPF record read (longer ones are an error), as the library's
 * own limit (src/common/limits.h EA_SPF_RECORD_MAX). */
#define EMAUTH_SPF_RECORD_MAX 4096

struct emauth_spf_node {
	char domain[256];
	char via[280]; /* "include:x", "redirect=x", "" for the root */
	int parent;    /* index, -1 for the root */
	unsigned depth;
	/* As published, whole; "" when none. */
	char record[EMAUTH_SPF_RECORD_MAX + 1];
	unsigned own_lookups;   /* DNS-querying terms of this record */
	unsigned total_lookups; /* with every branch below it */
	char problem[256];      /* "" or what is wrong at this node */
};

enum emauth_spf_severity { EMAUTH_SPF_INFO, EMAUTH_SPF_WARN, EMAUTH_SPF_FAIL };

struct emauth_spf_finding {
	enum emauth_spf_severity severity;
	const char *code; /* stable, e.g. "spf.multiple-records"
	                     (docs/checks.md); static */
	char domain[256]; /* the record it is about */
	char text[400];
};

struct emauth_spf_audit {
	int has_record; /* the domain publishes exactly one SPF record */
	/* DNS-querying terms of the whole tree; a lower bound when
	 * truncated is set. */
	unsigned total_lookups;
	unsigned void_lookups; /* includes whose target has no record */
	struct emauth_spf_node nodes[EMAUTH_SPF_AUDIT_NODES];
	unsigned nnodes;
	/* At most EMAUTH_SPF_AUDIT_FINDINGS findings; past that a failure
	 * replaces a warning or an information first, and one more entry,
	 * a failure, says how many were not kept (more_findings). */
	struct emauth_spf_finding findings[EMAUTH_SPF_AUDIT_FINDINGS + 1];
	unsigned nfindings;
	unsigned more_findings; /* findings not kept (a failure when > 0) */
	/* The tree has more than EMAUTH_SPF_AUDIT_NODES records: the rest
	 * was not examined and total_lookups is "at least". */
	int truncated;
};

/**
 * Audits the SPF record published by @domain and everything it includes
 * or redirects to (macro-dependent targets are not followed), without a
 * message: the counts receivers will apply (RFC 7208 §4.6.4), records that
 * are missing, duplicated, looping or malformed, and risky terms (+all,
 * ?all, no all, ptr, very broad ranges, records too long for one UDP
 * answer, the legacy SPF type). Every bound fails closed: findings past
 * EMAUTH_SPF_AUDIT_FINDINGS keep the failures and end with a failure that
 * counts the rest; a tree past EMAUTH_SPF_AUDIT_NODES records is a failure
 * with truncated set; an include or redirect target over 253 characters
 * is a failure, not looked up.
 * @param out OUT: the tree and the findings.
 * @return 0, EMAUTH_EINVAL (not a domain name), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_spf_audit(
    struct emauth_ctx *ctx, const char *domain, struct emauth_spf_audit *out);

/**
 * The SPF records published at @domain ("v=spf1" TXT records), each
 * whole: all of them, or an error.
 * @param out OUT: @max records.
 * @return 0 (@n records, 0 for none), EMAUTH_EDNS (a DNS failure),
 *         EMAUTH_ETOOBIG (more than @max, or one over
 *         EMAUTH_SPF_RECORD_MAX bytes), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_spf_records(struct emauth_ctx *ctx, const char *domain,
    char (*out)[EMAUTH_SPF_RECORD_MAX + 1], size_t max, size_t *n);

/**
 * Merges SPF records into one that authorizes every sender each of them
 * did: every mechanism of each, in order and once, then "include:" of
 * each of @includes not already there, then the strictest all (-all or
 * ~all; ~all when none) or, without one, the first redirect, then the
 * other modifiers once. Never from a broken record.
 * @return 0, EMAUTH_ESYNTAX (a record does not parse; @diag says where),
 *         EMAUTH_ETOOBIG (the result does not fit @size or is over
 *         EMAUTH_SPF_RECORD_MAX bytes), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_spf_merge(const char *const *records, size_t n,
    const char *const *includes, size_t nincludes, char *out, size_t size,
    struct emauth_diag *diag);

struct emauth_spf_flat {
	char record[4096]; /* the flattened record */
	unsigned lookups;  /* DNS-querying terms left (kept includes) */
	unsigned networks; /* ip4:/ip6: terms written */
	char problem[512]; /* what could not be flattened, or "" */
};

/**
 * Flattens the SPF record of @domain: every include and redirect with a
 * literal target is replaced by the addresses it authorizes (a and mx
 * resolved now), except the includes named in @keep (left as include:).
 * A term that cannot be flattened (exists, ptr, a macro) is kept as
 * written and noted in out->problem. The result gives every address the
 * result of the published record (with today's addresses): an mx with
 * more than 10 MX names is kept as written (RFC 7208 §4.6.4), and so is an
 * include whose record cannot be written as terms of its includer (a term
 * that does not pass before its end, +all, macros using %{d} or %{p}),
 * each noted. The result is checked with the SPF parser. It is a
 * snapshot: it must be made again when the included platforms change
 * their addresses.
 * @param out OUT: the record, its counts, and the notes or the problem.
 * @return 0, EMAUTH_ENOTFOUND (no SPF record), EMAUTH_EDNS, EMAUTH_ETOOBIG,
 *         EMAUTH_EINVAL (not a domain name; or a target without a valid
 *         record, not a name, nested too deeply, or a record that cannot
 *         be flattened faithfully: out->problem says which).
 */
EMAUTH_API int emauth_spf_flatten(struct emauth_ctx *ctx, const char *domain,
    const char *const *keep, size_t nkeep, struct emauth_spf_flat *out);

#ifdef __cplusplus
}
#endif

#endif
