/*
 * fuzz_milter_config.c: emauth-milter's configuration reader, on the main
 * file (through fmemopen; inputs naming absolute paths are skipped).
 * Invariants: it returns 0, or -1 with a message naming the file; the values it
 * keeps are NUL-terminated and within their fields; the signing lookup stays
 * within its bounds.
 */
#define _GNU_SOURCE 1
#include "fuzz.h"

#include "config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	/* Keep the fuzzer away from the file system: no absolute paths
	 * (KeyTable, SigningTable, host-list files). */
	if (memmem(data, size, " /", 2) || memmem(data, size, "\t/", 2) ||
	    memmem(data, size, ":/", 2) || (size && data[0] == '/'))
		return 0;
	FILE *f = fmemopen((void *)(uintptr_t)data, size ? size : 1, "r");
	if (f == NULL)
		return 0;
	struct milter_config c;
	char err[512] = "", warn[2048];
	int rc = milter_config_parse(
	    f, "fuzz.conf", &c, err, sizeof(err), warn, sizeof(warn));
	fclose(f);
	if (rc != 0) {
		FUZZ_ASSERT(rc == -1 && strncmp(err, "fuzz.conf", 9) == 0);
		return 0;
	}
	FUZZ_ASSERT(memchr(c.socket, 0, sizeof(c.socket)) != NULL);
	FUZZ_ASSERT(memchr(c.domain, 0, sizeof(c.domain)) != NULL);
	FUZZ_ASSERT(c.mode <= (MC_SIGN | MC_VERIFY));
	struct mc_key k[MC_SIGS_PER_MESSAGE];
	FUZZ_ASSERT(milter_config_keys_for(&c, "a@b.example", k,
	                MC_SIGS_PER_MESSAGE) <= MC_SIGS_PER_MESSAGE);
	(void)milter_config_internal(&c, "192.0.2.1", "host.example");
	milter_config_free(&c);
	return 0;
}
