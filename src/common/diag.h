/*
 * diag.h: filling a struct emauth_diag (NULL allowed) at the place a parser
 * finds an error.
 */
#ifndef EA_DIAG_H
#define EA_DIAG_H

#include "internal.h"

/* Records @code, @msg (static text), the field @where, the @offset into
 * @input, and an escaped excerpt of @input starting at @offset. */
void ea_diag_set(struct emauth_diag *d, int code, const char *where,
    struct emauth_span input, size_t offset, const char *msg);

#endif
