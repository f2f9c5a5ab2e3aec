/*
 * msg.h: reading an Internet message (RFC 5322) as a stream: header fields
 * one at a time (with their folding, without the final CRLF), the end of
 * the header block, then the body in chunks. Files with LF-only line
 * endings (on disk, mbox) are read as an MTA would have delivered them:
 * every LF not preceded by CR becomes CRLF. A leading mbox "From " line is
 * skipped.
 */
#ifndef EMAUTH_MSG_H
#define EMAUTH_MSG_H

#include <emauth/emauth.h>

#ifdef __cplusplus
extern "C" {
#endif

struct emauth_msg_handler {
	int (*header)(void *arg, struct emauth_span field);
	int (*eoh)(void *arg);
	int (*body)(void *arg, struct emauth_span chunk);
};

struct emauth_msg_reader;

/**
 * @param max_field the largest header field accepted (0: 64 KiB).
 * @param out OUT: free with emauth_msg_reader_free().
 * @return 0, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_msg_reader_new(const struct emauth_msg_handler *h,
    void *arg, size_t max_field, struct emauth_msg_reader **out);

/**
 * Feeds bytes, split anywhere.
 * @param diag OUT, may be NULL: where the input is malformed.
 * @return 0, a status returned by a handler, EMAUTH_ESYNTAX (a header line
 *         without a colon), EMAUTH_ETOOBIG (a field over max_field),
 *         EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_msg_reader_feed(struct emauth_msg_reader *r,
    struct emauth_span data, struct emauth_diag *diag);

/** Ends the input (a message without a body still gets eoh). */
EMAUTH_API int emauth_msg_reader_finish(
    struct emauth_msg_reader *r, struct emauth_diag *diag);

EMAUTH_API void emauth_msg_reader_free(struct emauth_msg_reader *r);

struct emauth_address {
	char local[256];  /* the local part, quotes removed */
	char domain[256]; /* lower-case */
	int has_display_name;
};

/**
 * Parses the value of a From field (after "From:") as RFC 5322's
 * mailbox-list, strictly: a display name is a phrase, so text that looks
 * like an address there is an error unless quoted; groups, address
 * literals and unbalanced brackets or quotes are errors; encoded words are
 * left encoded. The one parser for addresses in the project.
 * @param out OUT: up to @max addresses; @n OUT: how many.
 * @return 0, EMAUTH_ESYNTAX (with @diag: what and where), EMAUTH_ELIMIT
 *         (more than @max addresses), EMAUTH_ETOOBIG (a value over 16 KiB).
 */
EMAUTH_API int emauth_msg_parse_from(struct emauth_span value,
    struct emauth_address *out, size_t max, size_t *n,
    struct emauth_diag *diag);

/*
 * Trace fields (RFC 5322 §3.6.7): what a saved message says about the
 * SMTP session that delivered it. A Received field is only as true as the
 * receiver that added it: fields below the one your own receiver wrote can
 * say anything.
 */

/* The longest Received field value read (ours; longer: EMAUTH_ETOOBIG). */
#define EMAUTH_RECEIVED_MAX 16384

struct emauth_received {
	/* The From-domain of the "from" clause as written: the HELO name
	 * (Postfix, Sendmail, Gmail) or the client's verified name (Exim,
	 * qmail), or an address literal; "" when there is none. */
	char from[256];
	/* The HELO/EHLO name: "helo=NAME" (Exim) or "HELO NAME" (qmail) in
	 * the from clause's comments, else the From-domain; "" when none. */
	char helo[256];
	/* The client's name by reverse DNS as the receiver recorded it
	 * ("" for none or "unknown"), without a trailing dot. */
	char rdns[256];
	/* The client's address as the receiver saw it, in standard text
	 * (RFC 5952 for IPv6; IPv4-mapped IPv6 as IPv4); "" when none. */
	char ip[46];
	/* The receiving host of the "by" clause, without a trailing dot. */
	char by[256];
};

/**
 * Reads the value of a Received field (after "Received:"): RFC 5321
 * §4.4's "from" Extended-Domain with its TCP-info comment and "by", in the
 * shapes common MTAs write: "from HELO (RDNS [IP])" (Postfix, Sendmail,
 * Gmail, OpenSMTPD; "[IPv6:...]" and "(may be forged)" allowed), "from
 * RDNS ([IP]:PORT helo=HELO)" and "from [IP] (helo=HELO)" (Exim), "from
 * RDNS (HELO HELO) (IP)" (qmail), "from HELO (IP)" (Microsoft). Only
 * the comments right after the From-domain (before the next clause) are
 * read for the client; a from clause naming two different addresses
 * there is refused, never guessed at. Names are kept only when they are
 * printable ASCII without spaces and at most 255 bytes. Bounded in time
 * and space; never reads past @value.
 * @param out OUT: filled as far as the field goes; all "" on an error.
 * @param diag OUT, may be NULL: for EMAUTH_ESYNTAX and EMAUTH_ETOOBIG.
 * @return 0 (out->ip is set), EMAUTH_ENOTFOUND (readable, but no client
 *         address: no from clause, as in a local or internal hop, or none
 *         in it), EMAUTH_ESYNTAX (unbalanced comment or quotes, comments
 *         nested over 8 deep, two different client addresses),
 *         EMAUTH_ETOOBIG (over EMAUTH_RECEIVED_MAX bytes).
 */
EMAUTH_API int emauth_msg_parse_received(struct emauth_span value,
    struct emauth_received *out, struct emauth_diag *diag);

/**
 * Reads the value of a Return-Path field (after "Return-Path:"): RFC 5322
 * path, "<addr-spec>" or "<>", with comments and whitespace around, an
 * obsolete source route dropped, and a bare addr-spec (without the angle
 * brackets, as some MTAs write it) accepted.
 * @param out OUT: the addr-spec as written ("local@domain"), or "" for
 *        the null reverse-path "<>"; NUL-terminated, at most @size bytes.
 * @return 0, EMAUTH_ESYNTAX (not a path: no "@" and domain, control
 *         characters, text after it; with @diag), EMAUTH_ETOOBIG (longer
 *         than @size - 1 or than 1000 bytes).
 */
EMAUTH_API int emauth_msg_parse_return_path(
    struct emauth_span value, char *out, size_t size, struct emauth_diag *diag);

#ifdef __cplusplus
}
#endif

#endif
