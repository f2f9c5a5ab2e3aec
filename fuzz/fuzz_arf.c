/*
 * fuzz_arf.c: the ARF failure report reader (ea_arf_parse(), over the MIME
 * walk). Invariants: it returns 0 or a documented status, with a message
 * unless 0; every string field is NUL-terminated within its array and
 * holds no control byte but tab (a value is whole or not there); the
 * feedback type and auth failure are lower case; at most
 * EA_ARF_WARNINGS_MAX warnings, each with text; has_original is 0 or 1;
 * parsing is deterministic.
 */
#include "fuzz.h"

#include "common/span.h"
#include "report/inbound.h"

/* Whether the field @s of @size bytes is a C string of printable bytes. */
static void
check_str(const char *s, size_t size)
{
	const char *z = memchr(s, 0, size);
	FUZZ_ASSERT(z != NULL);
	for (const char *c = s; c < z; c++)
		FUZZ_ASSERT((unsigned char)*c >= 0x20 || *c == '\t');
	for (const char *c = s; c < z; c++)
		FUZZ_ASSERT((unsigned char)*c != 0x7f);
}

#define CHECK(f) check_str(a->f, sizeof(a->f))

static void
check(const struct ea_arf *a)
{
	CHECK(feedback_type);
	CHECK(user_agent);
	CHECK(version);
	CHECK(source_ip);
	CHECK(reported_domain);
	CHECK(auth_failure);
	CHECK(identity_alignment);
	CHECK(delivery_result);
	CHECK(reporting_mta);
	CHECK(original_mail_from);
	CHECK(original_rcpt_to);
	CHECK(dkim_domain);
	CHECK(dkim_selector);
	CHECK(dkim_identity);
	CHECK(spf_dns);
	CHECK(authentication_results);
	CHECK(from);
	CHECK(to);
	CHECK(subject);
	CHECK(message_id);
	CHECK(date);
	for (const char *c = a->feedback_type; *c; c++)
		FUZZ_ASSERT(!(*c >= 'A' && *c <= 'Z') && *c != ' ');
	for (const char *c = a->auth_failure; *c; c++)
		FUZZ_ASSERT(!(*c >= 'A' && *c <= 'Z') && *c != ' ');
	FUZZ_ASSERT(a->has_original == 0 || a->has_original == 1);
	FUZZ_ASSERT(a->nwarnings <= EA_ARF_WARNINGS_MAX);
	for (unsigned i = 0; i < a->nwarnings; i++) {
		FUZZ_ASSERT(memchr(a->warnings[i], 0, sizeof(a->warnings[i])));
		FUZZ_ASSERT(a->warnings[i][0] != '\0');
	}
	if (!a->has_original)
		FUZZ_ASSERT(!a->from[0] && !a->to[0] && !a->subject[0] &&
		            !a->message_id[0] && !a->date[0]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = fuzz_copy(data, size);
	struct ea_arf *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	char err[256], err2[256];
	if (a == NULL || b == NULL)
		goto out;
	int rc = ea_arf_parse(ea_span(p, size), a, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ENOTFOUND || rc == EMAUTH_ELIMIT ||
	            rc == EMAUTH_ESYNTAX || rc == EMAUTH_ENOMEM);
	FUZZ_ASSERT(memchr(err, 0, sizeof(err)) != NULL);
	if (rc != 0)
		FUZZ_ASSERT(err[0] != '\0');
	check(a);
	int rc2 = ea_arf_parse(ea_span(p, size), b, err2, sizeof(err2));
	FUZZ_ASSERT(rc2 == rc);
	FUZZ_ASSERT(strcmp(err, err2) == 0);
	FUZZ_ASSERT(memcmp(a, b, sizeof(*a)) == 0);
out:
	free(a);
	free(b);
	free(p);
	return 0;
}
