/*
 * tag.c: the DKIM tag-list parser (RFC 6376 §3.2).
 *
 *   tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   tag-name  =  ALPHA *ALNUMPUNC
 *   tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
 *   tval      =  1*VALCHAR
 *   VALCHAR   =  %x21-3A / %x3C-7E
 *   ALNUMPUNC =  ALPHA / DIGIT / "_"
 */
#include "../common/internal.h"

#include <string.h>

#include "../common/diag.h"
#include "../common/simd.h"
#include "../common/span.h"
#include "tag.h"

static bool
is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t';
}

size_t
ea_tag_fws_run(struct emauth_span s, size_t i)
{
	for (;;) {
		if (i < s.len && is_wsp(s.p[i])) {
			i++;
			continue;
		}
		if (i + 2 < s.len && s.p[i] == '\r' && s.p[i + 1] == '\n' &&
		    is_wsp(s.p[i + 2])) {
			i += 3;
			continue;
		}
		return i;
	}
}

static int
fail(struct emauth_diag *d, const char *where, struct emauth_span in, size_t at,
    const char *msg)
{
	ea_diag_set(d, EMAUTH_ESYNTAX, where, in, at, msg);
	return EMAUTH_ESYNTAX;
}

int
ea_tag_list_parse(struct emauth_span in, const char *where,
    struct ea_tag_list *out, struct emauth_diag *diag)
{
	size_t i = 0;

	out->n = 0;
	out->letters = 0;
	for (;;) {
		i = ea_tag_skip_fws(in, i);
		if (i >= in.len)
			break; /* empty list, or a trailing ";" */
		size_t n0 = i;
		if (!ea_is_alpha(in.p[i]))
			return fail(diag, where, in, i,
			    "a tag name must start with a letter");
		while (
		    i < in.len && (ea_is_alpha(in.p[i]) ||
		                      ea_is_digit(in.p[i]) || in.p[i] == '_'))
			i++;
		struct emauth_span name = ea_span(in.p + n0, i - n0);
		i = ea_tag_skip_fws(in, i);
		if (i >= in.len || in.p[i] != '=')
			return fail(diag, where, in, i,
			    "expected \"=\" after "
			    "the tag name");
		size_t raw0 = i + 1;
		i = ea_tag_skip_fws(in, i + 1);
		size_t v0 = i, vend = i;
		while (i < in.len && in.p[i] != ';') {
			/* VALCHAR; a ";" ends the value. */
			if (ea_printable_not(in.p[i], ';')) {
				i = ea_span_print_run(in, i + 1, ';');
				vend = i;
				continue;
			}
			size_t j = ea_tag_skip_fws(in, i);
			if (j == i)
				return fail(diag, where, in, i,
				    "character not allowed in a tag value");
			i = j;
		}
		/* RFC 6376 §3.2: "Tags with duplicate names MUST NOT occur
		 * within a single tag-list; if a tag name does occur more
		 * than once, the entire tag-list is invalid." One-letter
		 * names (most of them) are looked up in a bit set. */
		bool dup = false;
		unsigned letter = 0;
		if (name.len == 1) {
			letter = ea_tag_letter(name.p[0]);
			dup = (out->letters >> letter & 1) != 0;
		} else {
			for (size_t k = 0; k < out->n && !dup; k++)
				dup = out->tags[k].name.len == name.len &&
				      memcmp(out->tags[k].name.p, name.p,
				          name.len) == 0;
		}
		if (dup)
			return fail(diag, where, in, n0, "duplicate tag");
		if (out->n == EA_DKIM_TAGS_MAX) {
			ea_diag_set(diag, EMAUTH_ELIMIT, where, in, n0,
			    "more than 64 tags");
			return EMAUTH_ELIMIT;
		}
		if (name.len == 1) {
			out->letters |= (uint64_t)1 << letter;
			out->at[letter] = (uint8_t)out->n;
		}
		out->tags[out->n++] = (struct ea_tag){
		    name, ea_span(in.p + v0, vend - v0), n0, raw0, i};
		if (i >= in.len)
			break;
		i++; /* ";" */
	}
	return 0;
}
