/*
 * fuzz_tls_report.c: the SMTP TLS report reader (ea_tls_parse(), RFC 8460
 * JSON through json-c). Invariants: it returns 0 with a report, or a
 * documented status with a message and no report; every string field is
 * NUL-terminated within its array and holds no control byte; at most
 * EA_TLS_POLICIES_MAX policies and EA_TLS_FAILURES_MAX failure details a
 * policy, the arrays there exactly when counted; at most 8 warnings, each
 * with text; parsing is deterministic; nothing leaks (ASan).
 */
#include "fuzz.h"

#include "common/span.h"
#include "report/inbound.h"

static void
check_str(const char *s, size_t size)
{
	const char *z = memchr(s, 0, size);
	FUZZ_ASSERT(z != NULL);
	for (const char *c = s; c < z; c++)
		FUZZ_ASSERT(
		    (unsigned char)*c >= 0x20 && (unsigned char)*c != 0x7f);
}

#define CHECK(x, f) check_str((x)->f, sizeof((x)->f))

static void
check(const struct ea_tls_report *r)
{
	CHECK(r, org);
	CHECK(r, contact);
	CHECK(r, report_id);
	FUZZ_ASSERT(r->npolicies <= EA_TLS_POLICIES_MAX);
	FUZZ_ASSERT((r->npolicies == 0) == (r->policies == NULL));
	FUZZ_ASSERT(r->nwarnings <= 8);
	for (unsigned i = 0; i < r->nwarnings; i++) {
		FUZZ_ASSERT(memchr(r->warnings[i], 0, sizeof(r->warnings[i])));
		FUZZ_ASSERT(r->warnings[i][0] != '\0');
	}
	for (size_t i = 0; i < r->npolicies; i++) {
		const struct ea_tls_policy *p = &r->policies[i];
		CHECK(p, policy_type);
		CHECK(p, policy_domain);
		FUZZ_ASSERT(p->nfailures <= EA_TLS_FAILURES_MAX);
		FUZZ_ASSERT(p->nfailures == 0 || p->failures != NULL);
		for (size_t k = 0; k < p->nfailures; k++) {
			const struct ea_tls_failure *f = &p->failures[k];
			CHECK(f, result_type);
			CHECK(f, sending_mta_ip);
			CHECK(f, receiving_mx_hostname);
			CHECK(f, receiving_ip);
			CHECK(f, failure_reason_code);
		}
	}
}

/* Whether two reports read the same. */
static void
same(const struct ea_tls_report *a, const struct ea_tls_report *b)
{
	FUZZ_ASSERT(strcmp(a->org, b->org) == 0);
	FUZZ_ASSERT(strcmp(a->contact, b->contact) == 0);
	FUZZ_ASSERT(strcmp(a->report_id, b->report_id) == 0);
	FUZZ_ASSERT(a->begin == b->begin && a->end == b->end);
	FUZZ_ASSERT(a->npolicies == b->npolicies);
	FUZZ_ASSERT(a->nwarnings == b->nwarnings);
	FUZZ_ASSERT(memcmp(a->warnings, b->warnings, sizeof(a->warnings)) == 0);
	for (size_t i = 0; i < a->npolicies; i++) {
		const struct ea_tls_policy *p = &a->policies[i];
		const struct ea_tls_policy *q = &b->policies[i];
		FUZZ_ASSERT(strcmp(p->policy_type, q->policy_type) == 0);
		FUZZ_ASSERT(strcmp(p->policy_domain, q->policy_domain) == 0);
		FUZZ_ASSERT(p->success == q->success);
		FUZZ_ASSERT(p->failure == q->failure);
		FUZZ_ASSERT(p->nfailures == q->nfailures);
		for (size_t k = 0; k < p->nfailures; k++)
			FUZZ_ASSERT(memcmp(&p->failures[k], &q->failures[k],
			                sizeof(p->failures[k])) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = fuzz_copy(data, size);
	struct ea_tls_report *a = NULL, *b = NULL;
	char err[256], err2[256];
	int rc = ea_tls_parse(ea_span(p, size), &a, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ESYNTAX || rc == EMAUTH_ELIMIT ||
	            rc == EMAUTH_ENOMEM);
	FUZZ_ASSERT(memchr(err, 0, sizeof(err)) != NULL);
	if (rc != 0) {
		FUZZ_ASSERT(a == NULL);
		FUZZ_ASSERT(err[0] != '\0');
	} else {
		FUZZ_ASSERT(a != NULL);
		check(a);
	}
	int rc2 = ea_tls_parse(ea_span(p, size), &b, err2, sizeof(err2));
	FUZZ_ASSERT(rc2 == rc);
	FUZZ_ASSERT(strcmp(err, err2) == 0);
	if (rc == 0)
		same(a, b);
	ea_tls_report_free(a);
	ea_tls_report_free(b);
	free(p);
	return 0;
}
