/*
 * fuzz_dkim_signature.c: the DKIM-Signature field (tag list and every tag
 * rule). Invariants: a parsed signature has what §3.5 requires (From in h=,
 * i= under d=, bh/b decoded, b= inside the field) and parsing is
 * deterministic; a diagnostic points inside the input.
 */
#include "fuzz.h"

#include "common/span.h"
#include "dkim/sig.h"
#include "dkim/tag.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	uint8_t *p = fuzz_copy(data, size);
	struct emauth_span f = ea_span(p, size);
	struct ea_dkim_sig *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	enum emauth_dkim_reason ra, rb;
	struct emauth_diag d;
	int rca = ea_dkim_sig_parse(f, a, &ra, &d);
	int rcb = ea_dkim_sig_parse(f, b, &rb, NULL);
	FUZZ_ASSERT(rca == rcb && ra == rb);
	if (rca == 0) {
		FUZZ_ASSERT(ra == EMAUTH_DKIM_OK);
		bool from = false;
		for (size_t i = 0; i < a->nh; i++)
			from |= ea_span_ieq_str(a->h[i], "from");
		FUZZ_ASSERT(from);
		FUZZ_ASSERT(a->bhlen > 0 && a->blen > 0);
		FUZZ_ASSERT(a->b_start <= a->b_end && a->b_end <= size);
		FUZZ_ASSERT(ea_dkim_domain_ok(ea_span_str(a->d)));
		FUZZ_ASSERT(!a->has_t || !a->has_x || a->x >= a->t);
	} else {
		FUZZ_ASSERT(ra != EMAUTH_DKIM_OK);
		FUZZ_ASSERT(d.offset <= size);
	}
	/* The tag list alone. */
	struct ea_tag_list *l = malloc(sizeof(*l));
	if (ea_tag_list_parse(f, "x", l, NULL) == 0)
		for (size_t i = 0; i < l->n; i++)
			FUZZ_ASSERT(l->tags[i].raw_end <= size &&
			            l->tags[i].raw_start <= l->tags[i].raw_end);
	free(l);
	free(a);
	free(b);
	free(p);
	return 0;
}
