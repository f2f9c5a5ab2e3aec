/*
 * fuzz_dkim_key.c: DKIM key records and private key files. Invariants: a
 * usable public key has a key object and a size; an unusable one has none
 * and a reason.
 */
#include "fuzz.h"

#include "common/span.h"
#include "dkim/key.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	uint8_t *p = fuzz_copy(data, size);
	struct ea_dkim_pubkey k;
	FUZZ_ASSERT(ea_dkim_pubkey_parse(ea_span(p, size), &k, NULL) == 0);
	if (k.error == EA_KEY_OK) {
		FUZZ_ASSERT(k.pkey != NULL);
		FUZZ_ASSERT(
		    k.type == EA_KEY_ED25519 ? k.bits == 256 : k.bits >= 1024);
	} else {
		FUZZ_ASSERT(k.pkey == NULL && k.why != NULL);
	}
	ea_dkim_pubkey_release(&k);
	EVP_PKEY *pk = NULL;
	enum ea_key_type t;
	if (ea_dkim_privkey_load(ea_span(p, size), &pk, &t, NULL) == 0)
		FUZZ_ASSERT(pk != NULL);
	EVP_PKEY_free(pk);
	free(p);
	return 0;
}
