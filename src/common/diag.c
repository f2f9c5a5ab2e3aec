/*
 * diag.c: diagnostics.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "span.h"

void
ea_diag_set(struct emauth_diag *d, int code, const char *where,
    struct emauth_span input, size_t offset, const char *msg)
{
	if (d == NULL)
		return;
	memset(d, 0, sizeof(*d));
	d->code = code;
	d->offset = offset;
	d->msg = msg;
	snprintf(d->where, sizeof(d->where), "%s", where ? where : "input");
	if (input.p != NULL && offset <= input.len)
		ea_escape(ea_span(input.p + offset, input.len - offset), 64,
		    d->excerpt, sizeof(d->excerpt));
}
