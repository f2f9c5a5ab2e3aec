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

/* FWS = [*WSP CRLF] 1*WSP; we accept any run of WSP and CRLF-followed-
 * by-WSP. A CRLF not followed by WSP is not FWS. */
static size_t
skip_fws(struct emauth_span s, size_t i)
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

/* Printable ASCII (VALCHAR and ";") other than @stop. */
static bool
printable_not(uint8_t c, uint8_t stop)
{
	return c >= 0x21 && c <= 0x7e && c != stop;
}

size_t
ea_tag_run(struct emauth_span s, size_t i, uint8_t stop)
{
#if defined(EA_SIMD_SSE2)
	const __m128i lo = _mm_set1_epi8(0x20), hi = _mm_set1_epi8(0x7f);
	const __m128i st = _mm_set1_epi8((char)stop);
	while (i + 16 <= s.len) {
		__m128i v =
		    _mm_loadu_si128((const __m128i *)(const void *)(s.p + i));
		/* Signed compares: bytes of 0x80 and up are negative. */
		__m128i ok =
		    _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
		ok = _mm_andnot_si128(_mm_cmpeq_epi8(v, st), ok);
		unsigned m = (unsigned)_mm_movemask_epi8(ok) ^ 0xffffu;
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < s.len && printable_not(s.p[i], stop))
		i++;
	return i;
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
	uint64_t letters = 0; /* one-letter names seen: a-z, then A-Z */

	out->n = 0;
	for (;;) {
		i = skip_fws(in, i);
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
		i = skip_fws(in, i);
		if (i >= in.len || in.p[i] != '=')
			return fail(diag, where, in, i,
			    "expected \"=\" after "
			    "the tag name");
		size_t raw0 = i + 1;
		i = skip_fws(in, i + 1);
		size_t v0 = i, vend = i;
		while (i < in.len && in.p[i] != ';') {
			/* VALCHAR; a ";" ends the value. */
			if (printable_not(in.p[i], ';')) {
				i = ea_tag_run(in, i + 1, ';');
				vend = i;
				continue;
			}
			size_t j = skip_fws(in, i);
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
		if (name.len == 1) {
			uint64_t bit = (uint64_t)1
			               << (ea_lower(name.p[0]) - 'a' +
			                      (name.p[0] < 'a' ? 26 : 0));
			dup = (letters & bit) != 0;
			letters |= bit;
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
		out->tags[out->n++] = (struct ea_tag){
		    name, ea_span(in.p + v0, vend - v0), n0, raw0, i};
		if (i >= in.len)
			break;
		i++; /* ";" */
	}
	return 0;
}
