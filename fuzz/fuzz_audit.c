/*
 * fuzz_audit.c: the whole domain audit (emauth_audit_domain(): SPF tree,
 * DMARC, DKIM, MX, reverse DNS, expectations) on the DNS answers of the
 * input. The input: a first line "DOMAIN [IP]... [s=SELECTOR]...
 * [bl=ZONE]... [helo=NAME]", the
 * records (fuzz_zone.h), "%%", then an expectations file.
 * Invariants: 0 with a report or EINVAL for a name that is not a domain;
 * every finding has a code of emauth_audit_codes() whose area is the
 * finding's, a status, a message; no message holds a control character,
 * and a fix or a record to delete none but the line feeds between its
 * records (text from DNS cannot add lines or break a zone file); the
 * counts add up; the
 * verdict is fail exactly when something failed.
 */
#include "fuzz.h"
#include "fuzz_zone.h"

#include <stdbool.h>

#include <emauth/audit.h>

#define WORDS_MAX 8

/* No control character but a tab, and line feeds when @lines (between
 * the records of a fix). */
static bool
one_line(const char *s, bool lines)
{
	for (; s && *s; s++)
		if (((unsigned char)*s < 0x20 || *s == 0x7f) && *s != '\t' &&
		    !(lines && *s == '\n'))
			return false;
	return true;
}

static void
check_report(const struct emauth_audit_report *r)
{
	unsigned count[4] = {0, 0, 0, 0};
	for (size_t i = 0; i < r->n; i++) {
		const struct emauth_audit_finding *f = &r->findings[i];
		FUZZ_ASSERT(f->status <= EMAUTH_AUDIT_FAIL);
		count[f->status]++;
		FUZZ_ASSERT(f->message != NULL && f->code != NULL);
		bool known = false;
		for (const char *const *c = emauth_audit_codes(); *c; c++)
			known |= strcmp(*c, f->code) == 0;
		FUZZ_ASSERT(known);
		size_t al = strlen(f->area);
		FUZZ_ASSERT(
		    strncmp(f->code, f->area, al) == 0 && f->code[al] == '.');
		FUZZ_ASSERT(one_line(f->message, false));
		FUZZ_ASSERT(one_line(f->fix, true));
		FUZZ_ASSERT(one_line(f->remove, true));
	}
	FUZZ_ASSERT(r->pass == count[EMAUTH_AUDIT_PASS]);
	FUZZ_ASSERT(r->info == count[EMAUTH_AUDIT_INFO]);
	FUZZ_ASSERT(r->warn == count[EMAUTH_AUDIT_WARN]);
	FUZZ_ASSERT(r->fail == count[EMAUTH_AUDIT_FAIL] + r->lost);
	FUZZ_ASSERT((r->verdict == EMAUTH_AUDIT_FAIL) == (r->fail > 0));
	FUZZ_ASSERT(r->spf.nnodes >= 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	struct fuzz_parts fp;
	char *text = fuzz_split(data, size, &fp);
	const char *zone = fp.zone;
	size_t zone_len = fp.zone_len;
	const uint8_t *exp = fp.rest;
	size_t exp_len = fp.rest_len;
	/* The first line: the domain, addresses and selectors. */
	const char *domain = "example.test";
	const char *ips[WORDS_MAX], *sels[WORDS_MAX], *bls[WORDS_MAX];
	const char *helo = NULL;
	size_t nip = 0, nsel = 0, nbl = 0;
	char *save = NULL;
	for (char *w = strtok_r(text, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		if (strncmp(w, "s=", 2) == 0 && nsel < WORDS_MAX)
			sels[nsel++] = w + 2;
		else if (strncmp(w, "bl=", 3) == 0 && nbl < WORDS_MAX)
			bls[nbl++] = w + 3;
		else if (strncmp(w, "helo=", 5) == 0)
			helo = w + 5;
		else if (w == text)
			domain = w;
		else if (nip < WORDS_MAX)
			ips[nip++] = w;
	}

	struct emauth_ctx *ctx;
	FUZZ_ASSERT(emauth_ctx_new(&ctx) == 0);
	FUZZ_ASSERT(fuzz_zone_install(ctx, zone, zone_len) == 0);
	static struct emauth_audit_expect expect[EMAUTH_AUDIT_EXPECT_MAX];
	size_t nexp = 0;
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	uint8_t *e = fuzz_copy(exp, exp_len);
	if (emauth_audit_expect_parse(
	        (struct emauth_span){e, exp_len}, expect, &nexp, &d) != 0)
		nexp = 0;
	free(e);
	struct emauth_audit_opts o = {.selectors = sels,
	    .nselectors = nsel,
	    .ips = ips,
	    .nips = nip,
	    .expect = expect,
	    .nexpect = nexp,
	    .helo = helo,
	    .dnsbl = nbl ? bls : NULL,
	    .ndnsbl = nbl};
	struct emauth_audit_report *r = NULL;
	int rc = emauth_audit_domain(ctx, domain, &o, &r);
	FUZZ_ASSERT(rc == 0 || rc == EMAUTH_EINVAL);
	FUZZ_ASSERT((rc == 0) == (r != NULL));
	if (r)
		check_report(r);
	emauth_audit_report_free(r);
	emauth_ctx_free(ctx);
	free(text);
	return 0;
}
