/*
 * mime.h (internal): the MIME walk of a message (RFC 2045, RFC 2046): its
 * leaf parts decoded, in order, bounded in depth, parts, decoded bytes and
 * header size; and reading one header field. Shared by what reads mail
 * that receivers send back: reports (src/report/) and bounces
 * (src/bounce/).
 */
#ifndef EA_MSG_MIME_H
#define EA_MSG_MIME_H

#include "common/internal.h"

struct ea_mime_limits {
	unsigned max_depth; /* nested multiparts and messages (8) */
	unsigned max_parts; /* parts in all (1000) */
	size_t max_decoded; /* bytes decoded in all (64 MiB) */
	size_t max_header;  /* bytes of one part's header block (256 KiB) */
};

/* One part, given to the walker's callback; spans valid during the call. */
struct ea_mime_part {
	char type[128];     /* "application/gzip", lower case; "text/plain"
	                       when the part has no Content-Type */
	char filename[256]; /* Content-Disposition filename, or Content-Type
	                       name, "" when none (RFC 2231 and encoded words
	                       decoded when simple, else kept as written) */
	struct emauth_span headers; /* the part's header block, raw */
	struct emauth_span body;    /* decoded: base64, quoted-printable,
	                               7bit/8bit/binary as is */
	unsigned depth;             /* 0: the message itself (not multipart) */
	int is_message;             /* message/rfc822 or message/global */
};

/* Returned by the callback to walk into a message/rfc822 part too. */
#define EA_MIME_DESCEND 1

/*
 * Walks the message @msg (header block, empty line, body; CRLF or LF):
 * calls @each for every leaf part in order (a message that is not
 * multipart is one leaf at depth 0; multipart bodies are split at their
 * boundary, recursively; a message/rfc822 part is a leaf, walked into when
 * @each returns EA_MIME_DESCEND). Any other nonzero return stops the walk
 * and is returned.
 * @param lim NULL for the defaults.
 * @param err OUT: what is wrong and where, for people.
 * @return 0, the callback's value, EMAUTH_ELIMIT (a cap of @lim: the walk
 *         stops; nothing after it is given), EMAUTH_ESYNTAX (no header
 *         block: not a message), EMAUTH_ENOMEM.
 */
int ea_mime_walk(struct emauth_span msg, const struct ea_mime_limits *lim,
    int (*each)(void *arg, const struct ea_mime_part *p), void *arg, char *err,
    size_t errsize);

/*
 * The value of the first field @name (case-insensitive) of the header
 * block @headers, unfolded (CRLF and LF before white space removed),
 * without leading and trailing white space, NUL-terminated into @out.
 * @return its length, EMAUTH_ENOTFOUND, EMAUTH_ETOOBIG (longer than
 *         @size - 1: nothing written but "").
 */
int ea_mime_header(
    struct emauth_span headers, const char *name, char *out, size_t size);

#endif
