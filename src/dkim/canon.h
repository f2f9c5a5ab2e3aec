/*
 * canon.h: DKIM canonicalization (RFC 6376 §3.4), "simple" and "relaxed",
 * for header fields and, streaming, for the body. The body canonicalizer
 * takes chunks split anywhere (inside CRLF, inside a run of whitespace) and
 * gives the same bytes as for the whole body; it holds back only trailing
 * empty lines (as a count) and pending whitespace, so its memory does not
 * grow with the message.
 */
#ifndef EA_DKIM_CANON_H
#define EA_DKIM_CANON_H

#include "../common/buf.h"
#include "../common/internal.h"

enum ea_canon { EA_CANON_SIMPLE = 0, EA_CANON_RELAXED = 1 };

/*
 * Canonicalizes one header field (@field: "Name: value" with folding, and
 * without the CRLF that ends it) and appends it to @out, followed by CRLF
 * when @crlf. @return 0, EMAUTH_ETOOBIG, EMAUTH_ENOMEM.
 */
int ea_canon_header(
    enum ea_canon c, struct emauth_span field, bool crlf, struct ea_buf *out);

/* Receives canonical body bytes. */
typedef void (*ea_canon_sink)(void *arg, const uint8_t *p, size_t n);

struct ea_body_canon {
	enum ea_canon c;
	ea_canon_sink sink;
	void *arg;
	uint64_t empty_lines; /* held-back CRLFs of empty lines */
	bool in_line;         /* content of the current line was emitted */
	bool cr;              /* the last byte was a CR, not yet emitted */
	bool wsp;             /* relaxed: whitespace pending in the line */
	uint64_t total;       /* canonical bytes emitted */
	uint64_t scanned;     /* bytes the fast path looked at (tests: the
	                         work stays linear in the body) */
};

void ea_body_canon_init(
    struct ea_body_canon *b, enum ea_canon c, ea_canon_sink sink, void *arg);
void ea_body_canon_feed(struct ea_body_canon *b, const uint8_t *p, size_t n);
void ea_body_canon_finish(struct ea_body_canon *b);

#endif
