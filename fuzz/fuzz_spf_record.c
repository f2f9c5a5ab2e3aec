/*
 * fuzz_spf_record.c: the SPF record parser. Invariants: the parse is
 * deterministic; every term lies inside the input; the public check agrees
 * with the parser.
 */
#include "fuzz.h"

#include "common/span.h"
#include "spf/spf.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = fuzz_copy(data, size);
	struct emauth_span in = ea_span(p, size);
	struct ea_spf_record a, b;
	struct emauth_diag d;
	int ra = ea_spf_record_parse(in, &a, &d);
	int rb = ea_spf_record_parse(in, &b, NULL);
	FUZZ_ASSERT(ra == rb);
	FUZZ_ASSERT(emauth_spf_record_check(in, NULL) == ra);
	if (ra == 0) {
		FUZZ_ASSERT(a.n == b.n);
		for (size_t i = 0; i < a.n; i++) {
			const struct spf_term *t = &a.terms[i];
			FUZZ_ASSERT(t->kind == b.terms[i].kind);
			FUZZ_ASSERT(t->text.p >= p &&
			            t->text.p + t->text.len <= p + size);
			FUZZ_ASSERT(
			    t->domain.len == 0 ||
			    (t->domain.p >= p &&
			        t->domain.p + t->domain.len <= p + size));
			FUZZ_ASSERT(t->cidr4 <= 32 && t->cidr6 <= 128);
		}
		FUZZ_ASSERT(a.redirect < (int)a.n && a.exp < (int)a.n);
		ea_spf_record_release(&a);
		ea_spf_record_release(&b);
	} else {
		FUZZ_ASSERT(d.offset <= size);
	}
	free(p);
	return 0;
}
