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

#ifdef __cplusplus
}
#endif

#endif
