/*
 * tag.h: the DKIM tag=value list (RFC 6376 §3.2), shared by the
 * DKIM-Signature header field and the key record (and, later, ARC).
 * The whole list is validated against the ABNF before it is used; a
 * duplicate tag makes it invalid.
 */
#ifndef EA_DKIM_TAG_H
#define EA_DKIM_TAG_H

#include "../common/internal.h"

#include <string.h>

/* Ours: a tag list holds at most this many tags. */
#define EA_DKIM_TAGS_MAX 64

struct ea_tag {
	struct emauth_span name;
	struct emauth_span value;  /* FWS around it removed; inner FWS kept */
	size_t offset;             /* of the name in the input */
	size_t raw_start, raw_end; /* after "=" up to ";" or the end, raw */
};

struct ea_tag_list {
	struct ea_tag tags[EA_DKIM_TAGS_MAX];
	size_t n;
};

/*
 * Parses @in. @where names the input in diagnostics ("dkim-signature").
 * @return 0, EMAUTH_ESYNTAX (with @diag), EMAUTH_ELIMIT (too many tags).
 */
int ea_tag_list_parse(struct emauth_span in, const char *where,
    struct ea_tag_list *out, struct emauth_diag *diag);

/* From s.p[i], the end of the run of printable ASCII bytes (0x21-0x7e)
 * other than @stop: sixteen at a time with SSE2. */
size_t ea_tag_run(struct emauth_span s, size_t i, uint8_t stop);

/* The tag named @name, or NULL. Tag names are case-sensitive (RFC 6376
 * §3.2: "Tags MUST be interpreted in a case-sensitive manner"). Inline, so
 * that the length of a literal @name is known when compiling. */
static inline const struct ea_tag *
ea_tag_get(const struct ea_tag_list *l, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < l->n; i++)
		if (l->tags[i].name.len == n &&
		    memcmp(l->tags[i].name.p, name, n) == 0)
			return &l->tags[i];
	return NULL;
}

#endif
