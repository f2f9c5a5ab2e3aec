/*
 * authres.h: the Authentication-Results header field (RFC 8601).
 *
 * emauth_authres_format() writes the field a receiver adds for its own
 * iprev, SPF, DKIM and DMARC results; every value taken from the message
 * or the envelope is quoted or escaped, so no input can add a result or a
 * line. emauth_authres_parse() reads fields that others wrote, leniently
 * (no authserv-id, comments anywhere, many results) and within bounds; a
 * field it cannot read to the end is reported as incomplete, never as a
 * failing result.
 */
#ifndef EMAUTH_AUTHRES_H
#define EMAUTH_AUTHRES_H

#include <emauth/dkim.h>
#include <emauth/dmarc.h>
#include <emauth/emauth.h>
#include <emauth/iprev.h>
#include <emauth/spf.h>

#ifdef __cplusplus
extern "C" {
#endif

struct emauth_arc_result;

struct emauth_authres_input {
	const char *authserv_id; /* this receiver's name; required */
	const char *ip;          /* client address, for iprev */
	const struct emauth_iprev_result *iprev;  /* or NULL */
	const struct emauth_spf_result *spf;      /* MAIL FROM, or NULL */
	const struct emauth_spf_result *spf_helo; /* HELO, or NULL */
	const struct emauth_dkim_result *dkim;    /* each signature */
	size_t ndkim;
	const struct emauth_dmarc_result *dmarc; /* or NULL */
	const char *from_domain;                 /* header.from */
	/* Why DMARC could not be evaluated (emauth_verdict's from_problem),
	 * or NULL: written as dmarc=permerror with it as the comment and
	 * without header.from, in place of @dmarc. */
	const char *dmarc_problem;
	/* The ARC chain (RFC 8617 §7.2), or NULL: arc=pass or fail with
	 * smtp.remote-ip (@ip) and, on pass, header.oldest-pass when not 0;
	 * nothing for a message without ARC sets. */
	const struct emauth_arc_result *arc;
};

/* Ours: the longest field emauth_authres_format() writes, in bytes,
 * without the final NUL. An output buffer of EMAUTH_AUTHRES_MAX + 1 bytes
 * is never too small; a field that would be longer is EMAUTH_ETOOBIG. */
#define EMAUTH_AUTHRES_MAX 65536

/**
 * Writes "Authentication-Results: ..." with one result per line, lines
 * joined by @eol followed by a tab ("\r\n" for a message, "\n" for a
 * terminal), without a final line break.
 * @param size the room at @out; EMAUTH_AUTHRES_MAX + 1 always suffices.
 * @return the length, EMAUTH_EINVAL (no or a malformed authserv-id),
 *         EMAUTH_ETOOBIG (the field would be longer than @size - 1 or
 *         than EMAUTH_AUTHRES_MAX bytes, or hold more than
 *         EMAUTH_AUTHRES_RESULTS_MAX results: what it writes,
 *         emauth_authres_parse() reads back whole).
 */
EMAUTH_API int emauth_authres_format(const struct emauth_authres_input *in,
    const char *eol, char *out, size_t size);

/* Ours: the results read from one field, and the most written to one
 * (16 DKIM results, iprev, two SPF and DMARC fit with room to spare). */
#define EMAUTH_AUTHRES_RESULTS_MAX 32
#define EMAUTH_AUTHRES_PROPS_MAX 6

struct emauth_authres_prop {
	char ptype[16];    /* "smtp", "header", "body", "policy" */
	char property[32]; /* "mailfrom", "d", ... */
	/* Room for every value emauth_authres_format() writes (an SPF
	 * sender of up to 1023 bytes, 255-byte domains); a longer one makes
	 * the parse incomplete. */
	char value[1024];
};

struct emauth_authres_entry {
	char method[32]; /* "dkim", "spf", ...; lower case */
	char result[32]; /* "pass", ...; lower case */
	char reason[192];
	struct emauth_authres_prop props[EMAUTH_AUTHRES_PROPS_MAX];
	unsigned nprops;
};

struct emauth_authres_parsed {
	int has_authserv_id;
	char authserv_id[256];
	struct emauth_authres_entry results[EMAUTH_AUTHRES_RESULTS_MAX];
	unsigned nresults;
	int complete;      /* read to the end */
	char problem[128]; /* why not, for people */
	size_t problem_offset;
};

/**
 * Parses the value of an Authentication-Results field (after the colon).
 * Nothing is cut: a result beyond EMAUTH_AUTHRES_RESULTS_MAX, a property
 * beyond EMAUTH_AUTHRES_PROPS_MAX, or a name, value or reason longer than
 * its field here stops the parse and marks it incomplete (out->complete 0,
 * out->problem says why); the result it was in is dropped, the results
 * before it stay.
 * @return 0 (see out->complete), EMAUTH_ETOOBIG (a value over 64 KiB).
 */
EMAUTH_API int emauth_authres_parse(
    struct emauth_span value, struct emauth_authres_parsed *out);

/**
 * Whether the field value claims @authserv_id (ASCII case ignored): what a
 * receiver removes from incoming mail before adding its own. Fails closed:
 * a field whose authserv-id cannot be read (comments nested too deeply, an
 * unterminated comment or quoted string, an id over 255 bytes) counts as
 * claiming it. A field that starts with method=result (no authserv-id) or
 * holds nothing does not.
 */
EMAUTH_API int emauth_authres_claims(
    struct emauth_span value, const char *authserv_id);

#ifdef __cplusplus
}
#endif

#endif
