/*
 * test_audit.c: the SPF audit on hostile trees, with the test DNS back
 * end: an include loop, a 50-deep include chain, a 4 KB record, two
 * records, a DNS timeout, a macro target. Each ends with a clear finding
 * within the bounds, and the counts are right.
 */
#include "common/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ctx.h"
#include "common/span.h"
#include "dns/fake.h"
#include "dns/resolver.h"
#include "dns/store.h"
#include "harness/t.h"

#include <emauth/spf.h>

static struct emauth_ctx *ctx;
static struct ea_store *store;

static void
txt(const char *name, const char *rec)
{
	struct emauth_span parts[32];
	size_t n = 0, len = strlen(rec);
	for (size_t i = 0; i < len && n < 32; i += 255)
		parts[n++] = ea_span(rec + i, len - i > 255 ? 255 : len - i);
	ea_dns_fake_txt(store, name, parts, n);
}

static bool
has(const struct emauth_spf_audit *a, enum emauth_spf_severity s,
    const char *text)
{
	for (unsigned i = 0; i < a->nfindings; i++)
		if (a->findings[i].severity == s &&
		    strstr(a->findings[i].text, text))
			return true;
	return false;
}

static struct emauth_spf_audit *
audit(const char *domain)
{
	struct emauth_spf_audit *a = malloc(sizeof(*a));
	T_EQ_INT(emauth_spf_audit(ctx, domain, a), 0);
	return a;
}

static void
test_counts(void)
{
	txt("ok.example", "v=spf1 a mx include:p.example redirect=r.example");
	txt("p.example",
	    "v=spf1 exists:%{i}.x.p.example include:q.example -all");
	txt("q.example", "v=spf1 ip4:192.0.2.0/24 -all");
	txt("r.example", "v=spf1 ptr:x.example -all");
	struct emauth_spf_audit *a = audit("ok.example");
	T_TRUE(a->has_record);
	T_EQ_INT(a->nnodes, 4);
	/* a, mx, include, redirect; exists, include; ptr */
	T_EQ_INT(a->nodes[0].own_lookups, 4);
	T_EQ_INT(a->total_lookups, 7);
	T_EQ_INT(a->nodes[1].total_lookups, 2);
	T_EQ_STR(a->nodes[3].via, "redirect=r.example");
	T_TRUE(has(a, EMAUTH_SPF_WARN, "deprecated"));
	free(a);
}

static void
test_loop_and_chain(void)
{
	txt("loop.example", "v=spf1 include:loop2.example -all");
	txt("loop2.example", "v=spf1 include:loop.example -all");
	struct emauth_spf_audit *a = audit("loop.example");
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "loops back to loop.example"));
	T_EQ_INT(a->nnodes, 3);
	free(a);
	/* 50 includes deep: stopped at the nesting bound. */
	char name[64], rec[128];
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "c%d.example", i);
		snprintf(
		    rec, sizeof(rec), "v=spf1 include:c%d.example -all", i + 1);
		txt(name, rec);
	}
	a = audit("c0.example");
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "nesting deeper than"));
	T_TRUE(a->nnodes <= 13);
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "DNS-querying terms in the whole tree"));
	free(a);
}

static void
test_bad_records(void)
{
	/* A 4 KB record. */
	char big[4300] = "v=spf1";
	while (strlen(big) < 4200)
		strcat(big, " ip4:192.0.2.1");
	strcat(big, " -all");
	txt("big.example", big);
	struct emauth_spf_audit *a = audit("big.example");
	T_TRUE(!a->has_record);
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "longer than 4096 bytes"));
	free(a);
	/* Two records. */
	txt("two.example", "v=spf1 -all");
	txt("two.example", "v=spf1 a -all");
	a = audit("two.example");
	T_TRUE(!a->has_record);
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "2 SPF records"));
	free(a);
	/* A syntax error. */
	txt("syntax.example", "v=spf1 ip4:192.0.2.300 -all");
	a = audit("syntax.example");
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "not valid"));
	free(a);
	/* A timeout. */
	ea_store_fail(
	    store, ea_span_str("slow.example"), EA_DNS_T_TXT, EA_STORE_TIMEOUT);
	a = audit("slow.example");
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "DNS"));
	free(a);
	/* No record at all, and a macro target. */
	a = audit("nothing.example");
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "publishes no SPF record"));
	free(a);
	txt("macro.example", "v=spf1 include:%{l}.users.macro.example -all");
	a = audit("macro.example");
	T_TRUE(has(a, EMAUTH_SPF_INFO, "depends on the message"));
	T_EQ_INT(a->nnodes, 1);
	free(a);
	struct emauth_spf_audit b;
	T_EQ_INT(emauth_spf_audit(ctx, "", &b), EMAUTH_EINVAL);
}

int
main(void)
{
	struct ea_resolver r;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, &store);
	ea_ctx_set_resolver(ctx, &r);
	T_RUN(test_counts);
	T_RUN(test_loop_and_chain);
	T_RUN(test_bad_records);
	emauth_ctx_free(ctx);
	return t_summary();
}
