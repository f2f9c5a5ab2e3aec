/*
 * fuzz_dmarc_record.c: the DMARC record parser, in both modes. Invariants:
 * it returns 0 or ETOOBIG; a record with a policy has p, sp and np set; the
 * URI lists hold only mailto: URIs; every note has text; parsing is
 * deterministic.
 */
#include "fuzz.h"

#include <strings.h>

#include "common/span.h"

#include <emauth/dmarc.h>

static void
check(const uint8_t *p, size_t n, enum emauth_dmarc_mode mode)
{
	static struct emauth_dmarc_record a, b;
	int rc = emauth_dmarc_record_parse(ea_span(p, n), mode, &a);
	FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ETOOBIG);
	if (rc != 0 || !a.valid)
		return;
	if (a.has_policy)
		FUZZ_ASSERT(a.p != EMAUTH_DMARC_UNSET &&
		            a.sp != EMAUTH_DMARC_UNSET &&
		            a.np != EMAUTH_DMARC_UNSET);
	FUZZ_ASSERT(a.nnotes <= EMAUTH_DMARC_NOTES_MAX);
	for (unsigned i = 0; i < a.nnotes; i++)
		FUZZ_ASSERT(a.notes[i].text[0] != '\0');
	FUZZ_ASSERT(a.rua[0] == '\0' || strncasecmp(a.rua, "mailto:", 7) == 0);
	FUZZ_ASSERT(a.ruf[0] == '\0' || strncasecmp(a.ruf, "mailto:", 7) == 0);
	FUZZ_ASSERT(a.pct <= 100);
	FUZZ_ASSERT(emauth_dmarc_record_parse(ea_span(p, n), mode, &b) == 0);
	FUZZ_ASSERT(memcmp(&a, &b, sizeof(a)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = fuzz_copy(data, size);
	check(p, size, EMAUTH_DMARC_RFC9989);
	check(p, size, EMAUTH_DMARC_RFC7489);
	free(p);
	return 0;
}
