/*
 * fuzz_dkim_header_canon.c: header canonicalization. Invariants: simple is
 * the field as it came plus CRLF; relaxed gives the bytes of the reference
 * written from the RFC (tests/harness/canon_ref.h), holds no CR or LF but
 * the final CRLF, never grows, and is idempotent.
 */
#include "fuzz.h"

#include "../tests/harness/canon_ref.h"

#include "common/buf.h"
#include "common/span.h"
#include "dkim/canon.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	uint8_t *p = fuzz_copy(data, size);
	struct ea_buf s, r, r2;
	ea_buf_init(&s, size + 3);
	ea_buf_init(&r, size + 3);
	ea_buf_init(&r2, size + 3);
	FUZZ_ASSERT(
	    ea_canon_header(EA_CANON_SIMPLE, ea_span(p, size), true, &s) == 0);
	FUZZ_ASSERT(
	    s.len == size + 2 && (size == 0 || memcmp(s.p, p, size) == 0));
	FUZZ_ASSERT(
	    ea_canon_header(EA_CANON_RELAXED, ea_span(p, size), true, &r) == 0);
	FUZZ_ASSERT(r.len >= 3 && r.len <= size + 3);
	uint8_t *want = malloc(size + 3);
	FUZZ_ASSERT(want != NULL);
	size_t wlen = canon_ref_header(p, size, want);
	FUZZ_ASSERT(wlen == r.len && memcmp(want, r.p, wlen) == 0);
	free(want);
	for (size_t i = 0; i + 2 < r.len; i++)
		FUZZ_ASSERT(r.p[i] != '\r' && r.p[i] != '\n');
	/* Idempotent: canonicalizing the result (without its CRLF) again
	 * changes nothing, when the field had a colon. */
	if (memchr(p, ':', size)) {
		FUZZ_ASSERT(ea_canon_header(EA_CANON_RELAXED,
		                ea_span(r.p, r.len - 2), true, &r2) == 0);
		FUZZ_ASSERT(r2.len == r.len && memcmp(r2.p, r.p, r.len) == 0);
	}
	ea_buf_release(&s);
	ea_buf_release(&r);
	ea_buf_release(&r2);
	free(p);
	return 0;
}
