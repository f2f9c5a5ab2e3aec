/*
 * fuzz_authres_parse.c: the lenient Authentication-Results parser.
 * Invariants: bounded results and properties, NUL-terminated strings, a
 * problem exactly when the parse is incomplete, and emauth_authres_claims
 * agreeing with the authserv-id the parser read.
 */
#include "fuzz.h"

#include "common/span.h"

#include <emauth/authres.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct emauth_authres_parsed p;
	uint8_t *d = fuzz_copy(data, size);
	int rc = emauth_authres_parse(ea_span(d, size), &p);
	if (rc == 0) {
		FUZZ_ASSERT(p.nresults <= EMAUTH_AUTHRES_RESULTS_MAX);
		FUZZ_ASSERT(p.complete == (p.problem[0] == '\0'));
		for (unsigned i = 0; i < p.nresults; i++) {
			FUZZ_ASSERT(
			    p.results[i].nprops <= EMAUTH_AUTHRES_PROPS_MAX);
			FUZZ_ASSERT(memchr(p.results[i].method, 0,
			                sizeof(p.results[i].method)) != NULL);
			FUZZ_ASSERT(p.results[i].method[0] != '\0');
		}
		if (p.has_authserv_id && strlen(p.authserv_id) < 255 &&
		    p.authserv_id[0] != '\0')
			FUZZ_ASSERT(emauth_authres_claims(
			    ea_span(d, size), p.authserv_id));
	} else {
		FUZZ_ASSERT(rc == EMAUTH_ETOOBIG);
	}
	free(d);
	return 0;
}
