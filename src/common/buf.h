/*
 * buf.h: a growable output buffer with a mandatory size cap (curl's toobig).
 * Appends past the cap set a sticky EMAUTH_ETOOBIG; the content stays
 * NUL-terminated for printing, but its length is always carried.
 */
#ifndef EA_BUF_H
#define EA_BUF_H

#include "internal.h"

#include <stdarg.h>

struct ea_buf {
	char *p;
	size_t len, cap, max;
	int err;
};

void ea_buf_init(struct ea_buf *b, size_t max);
void ea_buf_release(struct ea_buf *b);
void ea_buf_reset(struct ea_buf *b);
int ea_buf_add(struct ea_buf *b, const void *p, size_t n);
/* Makes room for @n more bytes (and the NUL) without adding any: a caller
 * that writes at p + len itself, then sets len and the NUL. */
int ea_buf_reserve(struct ea_buf *b, size_t n);
int ea_buf_addc(struct ea_buf *b, char c);
int ea_buf_adds(struct ea_buf *b, const char *s);
int ea_buf_printf(struct ea_buf *b, const char *fmt, ...) EA_PRINTF(2, 3);
/* The content, NUL-terminated ("" when empty); valid until the next call. */
const char *ea_buf_str(const struct ea_buf *b);
/* Hands the allocation to the caller (free with ea_free()). */
char *ea_buf_steal(struct ea_buf *b);

#endif
