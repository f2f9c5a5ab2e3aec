/*
 * fuzz_dkim_body_canon.c: the streaming body canonicalizer. The first byte
 * picks the algorithm and the chunk size. Invariants: fed whole or in
 * chunks it gives the bytes of the reference canonicalizer (written from
 * the RFC, tests/harness/canon_ref.h); the output never grows past the
 * input plus one CRLF; relaxed output is idempotent.
 */
#include "fuzz.h"

#include "../tests/harness/canon_ref.h"

#include "common/buf.h"
#include "common/span.h"
#include "dkim/canon.h"

static void
sink(void *arg, const uint8_t *p, size_t n)
{
	ea_buf_add(arg, p, n);
}

static void
run(enum ea_canon c, const uint8_t *p, size_t n, size_t step,
    struct ea_buf *out)
{
	struct ea_body_canon bc;
	ea_buf_init(out, n + 4);
	ea_body_canon_init(&bc, c, sink, out);
	if (step == 0)
		step = n ? n : 1;
	for (size_t i = 0; i < n; i += step)
		ea_body_canon_feed(&bc, p + i, n - i < step ? n - i : step);
	ea_body_canon_finish(&bc);
	FUZZ_ASSERT(out->err == 0 && bc.total == out->len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	enum ea_canon c = (data[0] & 1) ? EA_CANON_RELAXED : EA_CANON_SIMPLE;
	size_t step = (size_t)(data[0] >> 1) + 1;
	uint8_t *p = fuzz_copy(data + 1, size - 1);
	size_t n = size - 1;
	struct ea_buf whole, parts, again;
	run(c, p, n, 0, &whole);
	run(c, p, n, step, &parts);
	FUZZ_ASSERT(
	    whole.len == parts.len &&
	    (whole.len == 0 || memcmp(whole.p, parts.p, whole.len) == 0));
	FUZZ_ASSERT(whole.len <= n + 2);
	uint8_t *want = malloc(n + 2);
	FUZZ_ASSERT(want != NULL);
	size_t wlen = canon_ref(c == EA_CANON_RELAXED, p, n, want);
	FUZZ_ASSERT(wlen == whole.len &&
	            (wlen == 0 || memcmp(want, whole.p, wlen) == 0));
	free(want);
	if (c == EA_CANON_RELAXED) {
		run(c, (const uint8_t *)whole.p, whole.len, 0, &again);
		FUZZ_ASSERT(again.len == whole.len &&
		            (whole.len == 0 ||
		                memcmp(again.p, whole.p, whole.len) == 0));
		ea_buf_release(&again);
	}
	ea_buf_release(&whole);
	ea_buf_release(&parts);
	free(p);
	return 0;
}
