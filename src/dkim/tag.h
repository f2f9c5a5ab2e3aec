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
	/* One-letter names (most of them): bit k of @letters says whether
	 * the letter with index k (a-z are 0-25, A-Z 26-51) is present, and
	 * at[k] is then its tag's index. */
	uint64_t letters;
	uint8_t at[52];
};
_Static_assert(EA_DKIM_TAGS_MAX <= 256, "ea_tag_list.at holds a byte");

/* The index of a one-letter tag name @c (a letter) in ea_tag_list.at. */
static inline unsigned
ea_tag_letter(uint8_t c)
{
	return c >= 'a' ? (unsigned)(c - 'a') : (unsigned)(c - 'A') + 26;
}

/*
 * Parses @in. @where names the input in diagnostics ("dkim-signature").
 * @return 0, EMAUTH_ESYNTAX (with @diag), EMAUTH_ELIMIT (too many tags).
 */
int ea_tag_list_parse(struct emauth_span in, const char *where,
    struct ea_tag_list *out, struct emauth_diag *diag);

/* The run of FWS starting at s.p[i] (called by ea_tag_skip_fws). */
size_t ea_tag_fws_run(struct emauth_span s, size_t i);

/* From s.p[i], past FWS (RFC 6376 §2.8: [*WSP CRLF] 1*WSP; any run of WSP
 * and CRLF-followed-by-WSP). A CRLF not followed by WSP is not FWS. Inline:
 * it is called before and after every tag name, value and h= name, and
 * there is seldom any FWS. */
static inline size_t
ea_tag_skip_fws(struct emauth_span s, size_t i)
{
	if (i >= s.len || s.p[i] > ' ')
		return i;
	return ea_tag_fws_run(s, i);
}

/* The tag named @name, or NULL. Tag names are case-sensitive (RFC 6376
 * §3.2: "Tags MUST be interpreted in a case-sensitive manner"). Inline, so
 * that the length of a literal @name is known when compiling: a one-letter
 * name is then a bit test. */
static inline const struct ea_tag *
ea_tag_get(const struct ea_tag_list *l, const char *name)
{
	size_t n = strlen(name);
	if (n == 1 && ((name[0] >= 'a' && name[0] <= 'z') ||
	                  (name[0] >= 'A' && name[0] <= 'Z'))) {
		unsigned k = ea_tag_letter((uint8_t)name[0]);
		return l->letters >> k & 1 ? &l->tags[l->at[k]] : NULL;
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->tags[i].name.len == n &&
		    memcmp(l->tags[i].name.p, name, n) == 0)
			return &l->tags[i];
	return NULL;
}

#endif
