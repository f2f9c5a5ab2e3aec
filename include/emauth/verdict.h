/*
 * verdict.h: the whole receiver verdict on one message: iprev, SPF (MAIL
 * FROM and HELO), DKIM and DMARC, as "emauth verify" and emauth-milter
 * reach it.
 *
 * DMARC's inputs are only these SPF and DKIM results and the From field
 * parsed by the strict address parser; Authentication-Results or
 * Received-SPF fields already in the message are ignored. A message without
 * exactly one From field, or with one that does not parse, is evaluated
 * against no domain: @from_problem says why, and a receiver treats it as
 * DMARC permerror with disposition reject (fail safe); so is a From field
 * with more than 8 addresses, or a header block that could not be read
 * (@malformed). Several addresses with different domains are each
 * evaluated; the strictest outcome holds.
 */
#ifndef EMAUTH_VERDICT_H
#define EMAUTH_VERDICT_H

#include <emauth/dkim.h>
#include <emauth/dmarc.h>
#include <emauth/emauth.h>
#include <emauth/iprev.h>
#include <emauth/spf.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EMAUTH_VERDICT_DKIM_MAX 16

struct emauth_verdict_query {
	const char *ip;        /* the SMTP client's address */
	const char *mail_from; /* "" or "<>" for the null reverse-path */
	const char *helo;      /* or NULL */
	enum emauth_dmarc_mode mode;
	/* The values (after the colon) of the message's From fields, as
	 * many as there were (only the count matters beyond one). */
	const char *const *from;
	size_t nfrom;
	/* The finished DKIM verifier of the message. */
	const struct emauth_dkim_verifier *dkim;
	/* NULL, or why the header block could not be read (a line without
	 * a colon, a field over the size cap): DMARC is then not evaluated
	 * (a From problem: permerror, disposition reject). */
	const char *malformed;
};

struct emauth_verdict {
	struct emauth_iprev_result iprev;
	struct emauth_spf_result spf, helo;
	int have_spf, have_helo;
	struct emauth_dkim_result dkim[EMAUTH_VERDICT_DKIM_MAX];
	size_t ndkim, dkim_total;
	int have_dmarc;
	struct emauth_dmarc_result dmarc; /* the deciding evaluation */
	char from_domain[256];
	const char *from_problem; /* static text: why DMARC was not evaluated */
	int header_malformed;     /* because the header block was unreadable */
	char from_detail[600];
};

/**
 * Runs iprev, SPF and DMARC for @q and gathers the DKIM results.
 * @param out OUT: large; allocate it.
 * @return 0, EMAUTH_EINVAL (no ip or mail_from), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_verdict_evaluate(struct emauth_ctx *ctx,
    const struct emauth_verdict_query *q, struct emauth_verdict *out);

/** The DMARC result a receiver reports: permerror for a From problem. */
EMAUTH_API enum emauth_result emauth_verdict_dmarc(
    const struct emauth_verdict *v);

/**
 * Whether a DNS failure may have changed the outcome: DMARC temperror, or
 * DMARC short of pass while SPF or a DKIM signature had a temporary error;
 * on a DMARC fail, only SPF or DKIM for a domain that could have aligned
 * (the author's Organizational Domain or a name under it) counts, so that
 * a sender cannot turn a reject into a deferral with its own DNS.
 */
EMAUTH_API int emauth_verdict_dns_trouble(const struct emauth_verdict *v);

#ifdef __cplusplus
}
#endif

#endif
