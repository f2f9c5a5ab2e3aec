/*
 * fuzz_spf_macro.c: SPF macro validation and expansion. The first byte
 * picks the context (domain-spec or explanation) and the client family.
 * Invariants: a string that validates expands without a syntax error, and
 * the output stays within the cap.
 */
#include "fuzz.h"

#include "common/buf.h"
#include "common/span.h"
#include "spf/spf.h"

static int
ptr_name(void *arg, char *out, size_t size)
{
	(void)arg;
	snprintf(out, size, "mail.example.com");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	uint8_t *p = fuzz_copy(data + 1, size - 1);
	struct emauth_span s = ea_span(p, size - 1);
	enum ea_spf_macro_ctx mc =
	    (sel & 1) ? EA_SPF_MACRO_EXP : EA_SPF_MACRO_DOMAIN;
	static const struct ea_ip v4 = {4, {192, 0, 2, 1}};
	static const struct ea_ip v6 = {
	    6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
	struct ea_spf_macro_env env;
	memset(&env, 0, sizeof(env));
	env.sender_local = ea_span_str("strong-bad");
	env.sender_domain = ea_span_str("email.example.com");
	env.domain = ea_span_str("email.example.com");
	env.helo = ea_span_str("mx.example.org");
	env.ip = (sel & 2) ? &v6 : &v4;
	env.ip_upper = (sel & 4) != 0;
	env.now = 1700000000;
	env.ptr_name = ptr_name;
	size_t bad;
	(void)ea_spf_domain_spec_check(s, &bad);
	if (ea_spf_macro_check(s, mc, &bad) == 0) {
		struct ea_buf b;
		ea_buf_init(&b, 4096);
		int rc = ea_spf_macro_expand(s, mc, &env, &b);
		FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ETOOBIG);
		FUZZ_ASSERT(b.len <= 4096);
		ea_buf_release(&b);
	} else {
		FUZZ_ASSERT(bad <= s.len);
	}
	free(p);
	return 0;
}
