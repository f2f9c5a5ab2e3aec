/*
 * fuzz_spf_eval.c: check_host() against a zone taken from the input,
 * through the test DNS back end. The first line is "IP SENDER [HELO]"; each
 * further line is "NAME TYPE VALUE" with TYPE one of TXT A AAAA MX PTR
 * CNAME, or "NAME TIMEOUT" / "NAME SERVFAIL". Invariants: the verdict is an
 * SPF word; the limits of RFC 7208 §4.6.4 hold; temperror and permerror,
 * and only they, come with a problem; the DNS budget holds.
 */
#include "fuzz.h"

#include "common/ctx.h"
#include "common/limits.h"
#include "common/span.h"
#include "dns/fake.h"

#include <emauth/spf.h>

static void
add_line(struct ea_store *s, char *line)
{
	char *save = NULL;
	char *name = strtok_r(line, " ", &save);
	char *type = strtok_r(NULL, " ", &save);
	char *value = save;
	if (name == NULL || type == NULL)
		return;
	if (strcmp(type, "TIMEOUT") == 0) {
		ea_store_fail(s, ea_span_str(name), 0, EA_STORE_TIMEOUT);
		return;
	}
	if (strcmp(type, "SERVFAIL") == 0) {
		ea_store_fail(s, ea_span_str(name), 0, EA_STORE_SERVFAIL);
		return;
	}
	if (value == NULL)
		return;
	if (strcmp(type, "TXT") == 0) {
		struct emauth_span parts[32];
		size_t n = 0, len = strlen(value);
		for (size_t o = 0; o < len && n < 32; o += 255)
			parts[n++] =
			    ea_span(value + o, len - o > 255 ? 255 : len - o);
		ea_dns_fake_txt(s, name, parts, n);
	} else if (strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0) {
		ea_dns_fake_addr(s, name, value);
	} else if (strcmp(type, "MX") == 0) {
		char *sp = strchr(value, ' ');
		if (sp) {
			*sp = '\0';
			ea_dns_fake_mx(s, name, (uint16_t)atoi(value), sp + 1);
		}
	} else if (strcmp(type, "PTR") == 0) {
		ea_dns_fake_name(s, name, EA_DNS_T_PTR, value);
	} else if (strcmp(type, "CNAME") == 0) {
		ea_dns_fake_name(s, name, EA_DNS_T_CNAME, value);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct emauth_ctx *ctx;
	struct ea_resolver r;
	struct ea_store *s;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, &s);
	char *save = NULL, *first = strtok_r(text, "\n", &save);
	for (char *l = strtok_r(NULL, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		add_line(s, l);
	ea_ctx_set_resolver(ctx, &r);
	char *fs = NULL;
	char *ip = first ? strtok_r(first, " ", &fs) : NULL;
	char *from = ip ? strtok_r(NULL, " ", &fs) : NULL;
	char *helo = from ? strtok_r(NULL, " ", &fs) : NULL;
	struct emauth_spf_query q = {0};
	struct emauth_spf_result res;
	q.ip = ip ? ip : "192.0.2.1";
	q.mail_from = from ? from : "";
	q.helo = helo ? helo : "helo.example";
	q.default_explanation = "DEFAULT";
	int rc = emauth_spf_check_host(ctx, &q, &res);
	if (rc == 0) {
		FUZZ_ASSERT(res.result <= EMAUTH_RES_PERMERROR);
		FUZZ_ASSERT(res.dns_lookups <= EA_SPF_DNS_TERMS_MAX + 1);
		FUZZ_ASSERT(res.void_lookups <= EA_SPF_VOID_MAX + 1);
		FUZZ_ASSERT(res.dns_queries <= EA_DNS_QUERIES_MAX + 1);
		bool error = res.result == EMAUTH_RES_TEMPERROR ||
		             res.result == EMAUTH_RES_PERMERROR;
		FUZZ_ASSERT(error == (res.problem[0] != '\0'));
		FUZZ_ASSERT(res.explanation[0] == '\0' ||
		            res.result == EMAUTH_RES_FAIL);
	} else {
		FUZZ_ASSERT(rc == EMAUTH_EINVAL || rc == EMAUTH_ENOMEM);
	}
	emauth_ctx_free(ctx);
	free(text);
	return 0;
}
