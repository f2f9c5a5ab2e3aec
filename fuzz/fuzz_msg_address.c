/*
 * fuzz_msg_address.c: the From address parser. Invariants: it returns 0
 * with at least one address, or an error with a diagnostic; every address
 * has a non-empty local part and a lower-case domain of dot-separated,
 * non-empty labels without "@", brackets or whitespace.
 */
#include "fuzz.h"

#include "common/span.h"

#include <emauth/msg.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct emauth_address a[4];
	struct emauth_diag d;
	size_t n = 99;
	uint8_t *p = fuzz_copy(data, size);

	memset(&d, 0, sizeof(d));
	int rc = emauth_msg_parse_from(ea_span(p, size), a, 4, &n, &d);
	if (rc != 0) {
		FUZZ_ASSERT(d.msg != NULL && d.code == rc);
	} else {
		FUZZ_ASSERT(n >= 1 && n <= 4);
		for (size_t i = 0; i < n; i++) {
			const char *dom = a[i].domain;
			size_t len = strlen(dom);
			FUZZ_ASSERT(a[i].local[0] != '\0');
			FUZZ_ASSERT(len > 0 && dom[0] != '.' &&
			            dom[len - 1] != '.' &&
			            strstr(dom, "..") == NULL);
			for (size_t k = 0; k < len; k++) {
				unsigned char c = (unsigned char)dom[k];
				FUZZ_ASSERT(!(c >= 'A' && c <= 'Z'));
				FUZZ_ASSERT(
				    strchr("@<>[]\"() \t\r\n,;:", c) == NULL ||
				    c == 0);
			}
		}
	}
	free(p);
	return 0;
}
