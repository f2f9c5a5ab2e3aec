/*
 * fuzz_dns_rdata.c: decoding RDATA and names with bounded cursors.
 * Invariants: TXT counting and joining agree on what is well-formed; a
 * decoded name fits the limits of RFC 1035.
 */
#include "fuzz.h"

#include "common/buf.h"
#include "common/span.h"
#include "dns/rdata.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = fuzz_copy(data, size);
	struct emauth_span rd = ea_span(p, size);
	struct ea_buf b;
	char name[EA_DNS_PRES_MAX];
	uint16_t pref;
	size_t pos = 0;

	ea_buf_init(&b, 65536);
	int n = ea_dns_txt_count(rd);
	int rc = ea_dns_txt_join(rd, &b);
	FUZZ_ASSERT((n >= 0) == (rc == 0));
	FUZZ_ASSERT(rc != 0 || b.len <= size);
	ea_buf_release(&b);
	if (ea_dns_target(rd, name, sizeof(name)) == 0)
		FUZZ_ASSERT(strlen(name) <= 255);
	if (ea_dns_mx(rd, &pref, name, sizeof(name)) == 0)
		FUZZ_ASSERT(strlen(name) <= 255);
	if (ea_dns_wire_to_key(rd, &pos, name, sizeof(name)) == 0)
		FUZZ_ASSERT(pos <= size);
	/* Back from text: what escapes must go back to the same wire. */
	uint8_t wire[300];
	if (ea_dns_name_escape(rd, true, name, sizeof(name)) == 0)
		FUZZ_ASSERT(ea_dns_name_to_wire(rd, wire, sizeof(wire)) > 0);
	free(p);
	return 0;
}
