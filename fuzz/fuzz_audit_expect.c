/*
 * fuzz_audit_expect.c: the expectations file parser of the audit.
 * Invariants: 0 with at most EMAUTH_AUDIT_EXPECT_MAX entries, each a known
 * kind with NUL-terminated values and increasing line numbers; or an
 * error with a message and the line it is about; deterministic.
 */
#include "fuzz.h"

#include <stdbool.h>

#include <emauth/audit.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct emauth_audit_expect e[EMAUTH_AUDIT_EXPECT_MAX],
	    e2[EMAUTH_AUDIT_EXPECT_MAX];
	size_t n = 99, n2 = 99;
	struct emauth_diag d, d2;
	uint8_t *p = fuzz_copy(data, size);
	memset(&d, 0, sizeof(d));
	memset(&d2, 0, sizeof(d2));
	int rc =
	    emauth_audit_expect_parse((struct emauth_span){p, size}, e, &n, &d);
	int rc2 = emauth_audit_expect_parse(
	    (struct emauth_span){p, size}, e2, &n2, &d2);
	FUZZ_ASSERT(rc == rc2);
	if (rc != 0) {
		FUZZ_ASSERT(d.msg != NULL && d.code == rc && d.where[0]);
	} else {
		FUZZ_ASSERT(n <= EMAUTH_AUDIT_EXPECT_MAX && n == n2);
		static const char *const kinds[] = {"spf-include", "dkim-cname",
		    "dmarc", "dmarc-rua", "return-path"};
		for (size_t i = 0; i < n; i++) {
			bool known = false;
			for (size_t k = 0; k < 5; k++)
				known |= strcmp(e[i].kind, kinds[k]) == 0;
			FUZZ_ASSERT(known);
			FUZZ_ASSERT(memchr(e[i].a, '\0', sizeof(e[i].a)));
			FUZZ_ASSERT(memchr(e[i].b, '\0', sizeof(e[i].b)));
			FUZZ_ASSERT(i == 0 || e[i].line > e[i - 1].line);
			FUZZ_ASSERT(memcmp(&e[i], &e2[i], sizeof(e[i])) == 0);
		}
	}
	free(p);
	return 0;
}
