/*
 * audit.h: the audit of a domain's mail authentication records, as
 * "emauth check" shows it: SPF (the include tree and its lookup count),
 * DMARC (RFC 9989 discovery, each tag, report destinations, what an
 * RFC 7489 receiver finds), DKIM (the selectors given, or a probe of
 * common ones), MX, reverse DNS of the sending addresses and MX hosts,
 * and the expectations of a sending platform (docs/expect.md).
 *
 * Each finding has an area, a status, a stable code (docs/checks.md), one
 * line for people, and, when something is wrong and a record fixes it,
 * the records to publish (master-file lines) and to delete. A fix is
 * whole or absent, never cut. The report is what the CLI prints, the
 * dashboard shows and the milter's start-up check reuses.
 */
#ifndef EMAUTH_AUDIT_H
#define EMAUTH_AUDIT_H

#include <emauth/emauth.h>
#include <emauth/spf.h>

#ifdef __cplusplus
extern "C" {
#endif

enum emauth_audit_status {
	EMAUTH_AUDIT_PASS,
	EMAUTH_AUDIT_INFO,
	EMAUTH_AUDIT_WARN,
	EMAUTH_AUDIT_FAIL
};

/** "pass", "info", "warn", "fail". */
EMAUTH_API const char *emauth_audit_status_name(enum emauth_audit_status s);

struct emauth_audit_finding {
	const char *area; /* "spf", "dmarc", "dkim", "mx", "ptr", "expect",
	                     "report"; static */
	enum emauth_audit_status status;
	const char *code; /* stable, e.g. "spf.multiple-records"; static */
	char *message;    /* one line */
	char *fix;        /* records to publish, or what to do; or NULL */
	char *remove;     /* records to delete, or NULL */
};

/* What a sending platform requires of a customer domain (docs/expect.md):
 * spf-include HOST, dkim-cname SELECTOR TARGET, dmarc [POLICY],
 * dmarc-rua mailto:ADDR, return-path NAME; "{domain}" in a value stands
 * for the domain audited. */
struct emauth_audit_expect {
	char kind[16];
	char a[300], b[300];
	unsigned line;
};

/* Ours: expectations in one file, and the longest line (with its line
 * feed: 1,023 bytes). */
#define EMAUTH_AUDIT_EXPECT_MAX 64
#define EMAUTH_AUDIT_EXPECT_LINE_MAX 1023

/**
 * Parses an expectations file. Each line whole or an error: a word longer
 * than its field (31 bytes for the kind, 299 for a value) is refused,
 * never split or cut.
 * @param out OUT: EMAUTH_AUDIT_EXPECT_MAX entries.
 * @param diag OUT on error: msg, where (the line number), excerpt.
 * @return 0, EMAUTH_ESYNTAX, EMAUTH_ETOOBIG (a line or the count over
 *         its cap).
 */
EMAUTH_API int emauth_audit_expect_parse(struct emauth_span text,
    struct emauth_audit_expect *out, size_t *n, struct emauth_diag *diag);

struct emauth_audit_opts {
	const char *const *selectors; /* DKIM selectors, or none: a probe */
	size_t nselectors;
	const char *const *ips; /* sending addresses (reverse DNS, SPF) */
	size_t nips;
	const struct emauth_audit_expect *expect;
	size_t nexpect;
	/* The name the sending server gives in HELO/EHLO, or NULL: it must
	 * resolve to the addresses and match their reverse DNS. */
	const char *helo;
	/* DNS blocklist zones the addresses are looked up in; NULL with
	 * ndnsbl 0 for the default list (EMAUTH_AUDIT_DNSBL_DEFAULT), a
	 * non-NULL list with ndnsbl 0 for none. */
	const char *const *dnsbl;
	size_t ndnsbl;
};

/* The blocklists looked up by default: major public ones that answer
 * queries of mail operators. Spamhaus refuses queries that come through
 * large public resolvers (its answer 127.255.255.x is reported as such,
 * never as a listing). */
#define EMAUTH_AUDIT_DNSBL_DEFAULT                                             \
	"zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org"

struct emauth_audit_report {
	char domain[256];
	struct emauth_audit_finding *findings; /* in the order found */
	size_t n;
	/* Findings that could not be kept (out of memory): counted as
	 * failures, and the report says so (code report.truncated). */
	size_t lost;
	unsigned pass, info, warn, fail;  /* counts, lost ones in fail */
	enum emauth_audit_status verdict; /* fail, warn or pass */
	/* What a major mailbox provider (Gmail, Yahoo) would do with mail
	 * from the domain, in one sentence. */
	char providers[600];
	/* Neither the SPF nor the DMARC lookup could be made: DNS is down,
	 * the report says little about the domain. */
	int dns_down;
	struct emauth_spf_audit spf; /* the SPF include tree */
};

/**
 * Audits @domain (at most 253 characters, a final dot allowed).
 * @param opts NULL for none.
 * @param out OUT: free with emauth_audit_report_free().
 * @return 0, EMAUTH_EINVAL (not a domain name), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_audit_domain(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *opts, struct emauth_audit_report **out);

/** Frees @r; NULL does nothing. */
EMAUTH_API void emauth_audit_report_free(struct emauth_audit_report *r);

/** Every finding code the audit can give, NULL-terminated (each is in
 * docs/checks.md). */
EMAUTH_API const char *const *emauth_audit_codes(void);

/*
 * Record authoring ("emauth record"): a record made from its parts,
 * validated by the parser that evaluates it, with notes for people.
 */
/* Ours: a note for each of 64 includes, and the rest. */
#define EMAUTH_RECORD_NOTES_MAX 80

struct emauth_record {
	char text[4096]; /* the TXT record */
	char line[8192]; /* OWNER IN TXT "..." (strings of 255 bytes) */
	char notes[EMAUTH_RECORD_NOTES_MAX][512]; /* for people */
	unsigned nnotes;
	unsigned more_notes; /* notes not kept (said in the last one) */
	char error[512];     /* why it was refused (EMAUTH_ESYNTAX) */
};

struct emauth_record_dmarc_opts {
	const char *domain;      /* or NULL (the owner is then "_dmarc") */
	const char *p, *sp, *np; /* "none", "quarantine", "reject"; p set */
	const char *rua, *ruf;   /* comma-separated URIs, or NULL */
	const char *adkim, *aspf, *fo, *pct; /* as written, or NULL */
	int testing;                         /* t=y */
};

/**
 * Writes the DMARC record of @o. Refused (EMAUTH_ESYNTAX, out->error) when
 * the parser reports an error in it (a policy that is not one, a rua= that
 * is not mailto:, ...). Notes: the parser's warnings, p=none, no rua=,
 * the consent record each report destination outside the domain must
 * publish (RFC 9990), and, with @ctx (NULL: no DNS) and a domain, an
 * enforcing policy for a domain that has no DMARC record yet.
 * @return 0, EMAUTH_ESYNTAX, EMAUTH_ETOOBIG (longer than the text),
 *         EMAUTH_EINVAL (no p, or a domain that is not a name).
 */
EMAUTH_API int emauth_record_dmarc(struct emauth_ctx *ctx,
    const struct emauth_record_dmarc_opts *o, struct emauth_record *out);

struct emauth_record_spf_opts {
	const char *domain; /* or NULL (the owner is then "@") */
	int mx, a;          /* the domain's own servers, first */
	/* "ip4:ADDR[/CIDR]" or "ip6:ADDR[/CIDR]" terms, in order. */
	const char *const *networks;
	size_t nnetworks;
	const char *const *includes; /* hosts */
	size_t nincludes;
	const char *all; /* "-all" (default), "~all" or "?all" */
	int force;       /* write it even over 10 lookups, or with an include
	                    that has no usable SPF record */
};

/**
 * Writes the SPF record of @o: mx and a, the networks, the includes, the
 * all term. Checked by the SPF parser. With @ctx (NULL: no DNS) each
 * include's record is audited: its cost is a note, the total is "N of 10
 * DNS lookups in all"; without, the top-level terms are counted.
 * @return 0, EMAUTH_ESYNTAX (not a valid record: out->error),
 *         EMAUTH_ELIMIT (over 10 lookups, or an include without a usable
 *         SPF record, and no force: out->error), EMAUTH_ETOOBIG (over
 *         4,095 bytes), EMAUTH_EINVAL (+all, or a domain that is not a
 *         name).
 */
EMAUTH_API int emauth_record_spf(struct emauth_ctx *ctx,
    const struct emauth_record_spf_opts *o, struct emauth_record *out);

#ifdef __cplusplus
}
#endif

#endif
