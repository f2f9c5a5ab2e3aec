/*
 * test_audit.c: the SPF audit on hostile trees, with the test DNS back
 * end: an include loop, a 50-deep include chain, a 4 KB record, two
 * records, a DNS timeout, a macro target. Each ends with a clear finding
 * within the bounds, and the counts are right. Each cap of the audit is
 * exceeded by one (findings, records in the tree, record text, target
 * names, nesting depth) and fails or counts rather than drops. Flattening
 * gives every address the result of the published record, and refuses
 * rather than cuts past its bounds (depth, query budget, record size).
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

/* "v=spf1" then @n ranges wider than /48 (each a warning), then +all. */
static void
wide_then_plus_all(const char *name, int n)
{
	char rec[1024] = "v=spf1";
	size_t l = strlen(rec);
	for (int i = 1; i <= n; i++)
		l += (size_t)snprintf(
		    rec + l, sizeof(rec) - l, " ip6:%x::/47", i);
	snprintf(rec + l, sizeof(rec) - l, " +all");
	txt(name, rec);
}

static unsigned
count(const struct emauth_spf_audit *a, enum emauth_spf_severity s)
{
	unsigned n = 0;
	for (unsigned i = 0; i < a->nfindings; i++)
		n += a->findings[i].severity == s;
	return n;
}

/* EMAUTH_SPF_AUDIT_FINDINGS (32): at the cap all are kept; one past it a
 * warning goes so the +all failure stays, and a failure says so. */
static void
test_findings_cap(void)
{
	wide_then_plus_all("f32.example", 31);
	struct emauth_spf_audit *a = audit("f32.example");
	T_EQ_INT(a->nfindings, 32);
	T_EQ_INT(a->more_findings, 0);
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "+all authorizes every address"));
	T_TRUE(!has(a, EMAUTH_SPF_FAIL, "not shown"));
	free(a);
	wide_then_plus_all("f33.example", 32);
	a = audit("f33.example");
	T_EQ_INT(a->more_findings, 1);
	T_EQ_INT(a->nfindings, 33);
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "+all authorizes every address"));
	T_EQ_INT(count(a, EMAUTH_SPF_WARN), 31);
	T_EQ_INT(a->findings[32].severity, EMAUTH_SPF_FAIL);
	T_TRUE(
	    strstr(a->findings[32].text, "1 more finding not shown") != NULL);
	/* The order of the rest is kept: the +all failure came last. */
	T_TRUE(strstr(a->findings[31].text, "+all") != NULL);
	free(a);
	/* Past the cap with failures only: a failure is not kept, but the
	 * count says so, as a failure. */
	char rec[2048] = "v=spf1";
	size_t l = strlen(rec);
	for (int i = 0; i < 40; i++)
		l += (size_t)snprintf(
		    rec + l, sizeof(rec) - l, " include:none%d.example", i);
	snprintf(rec + l, sizeof(rec) - l, " -all");
	txt("fails.example", rec);
	a = audit("fails.example");
	T_EQ_INT(count(a, EMAUTH_SPF_FAIL), 33);
	T_TRUE(a->more_findings >= 8);
	T_TRUE(strstr(a->findings[32].text, "more findings not shown") != NULL);
	free(a);
}

/* "v=spf1 include:nK.<name> ... -all", each nK with one lookup of its
 * own. */
static void
wide_tree(const char *name, int n)
{
	char rec[4096] = "v=spf1", child[128];
	size_t l = strlen(rec);
	for (int i = 1; i <= n; i++) {
		l += (size_t)snprintf(
		    rec + l, sizeof(rec) - l, " include:n%d.%s", i, name);
		snprintf(child, sizeof(child), "n%d.%s", i, name);
		txt(child, "v=spf1 a -all");
	}
	snprintf(rec + l, sizeof(rec) - l, " -all");
	txt(name, rec);
}

/* EMAUTH_SPF_AUDIT_NODES (64): at the cap the count is exact; one record
 * past it the count is a lower bound, flagged and said. */
static void
test_nodes_cap(void)
{
	wide_tree("w63.example", 63);
	struct emauth_spf_audit *a = audit("w63.example");
	T_EQ_INT(a->nnodes, 64);
	T_EQ_INT(a->truncated, 0);
	T_EQ_INT(a->total_lookups, 126);
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "126 DNS-querying terms"));
	free(a);
	wide_tree("w64.example", 64);
	unsigned long before = ea_ctx_resolver(ctx)->asked;
	a = audit("w64.example");
	/* One TXT query per record examined, and the SPF type (99): the
	 * budget of 2 * EMAUTH_SPF_AUDIT_NODES is never what stops it. */
	T_EQ_INT(ea_ctx_resolver(ctx)->asked - before, 64 + 1);
	T_EQ_INT(a->nnodes, 64);
	T_EQ_INT(a->truncated, 1);
	T_EQ_INT(a->total_lookups, 127); /* 128 in truth */
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "more than 64 records in the tree"));
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "at least 127 DNS-querying terms"));
	free(a);
}

/* A record of @len bytes: "v=spf1 -all x=aaa...". */
static void
sized(const char *name, size_t len, char *rec)
{
	snprintf(rec, len + 1, "v=spf1 -all x=");
	memset(rec + strlen(rec), 'a', len - strlen(rec));
	rec[len] = '\0';
	txt(name, rec);
}

/* The record text was cut at 1,023 bytes: now it is whole up to the 4,096
 * the library reads, and one byte more is a failure. */
static void
test_record_whole(void)
{
	static char rec[4200];
	sized("r1024.example", 1024, rec);
	struct emauth_spf_audit *a = audit("r1024.example");
	T_EQ_INT(strlen(a->nodes[0].record), 1024);
	T_EQ_STR(a->nodes[0].record, rec);
	free(a);
	sized("r4096.example", 4096, rec);
	a = audit("r4096.example");
	T_TRUE(a->has_record);
	T_EQ_STR(a->nodes[0].record, rec);
	free(a);
	sized("r4097.example", 4097, rec);
	a = audit("r4097.example");
	T_TRUE(!a->has_record);
	T_EQ_STR(a->nodes[0].record, "");
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "longer than 4096 bytes"));
	free(a);
}

/* An include target of 253 characters is followed; of 254 it is no name
 * and refused (it was cut and another name looked up). */
static void
test_long_target(void)
{
	char t253[300], t254[300], rec[400];
	snprintf(t253, sizeof(t253), "%.63s.%.63s.%.63s.%.53s.example",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
	    "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	T_EQ_INT(strlen(t253), 253);
	snprintf(t254, sizeof(t254), "e%s", t253);
	txt(t253, "v=spf1 -all");
	snprintf(rec, sizeof(rec), "v=spf1 include:%s -all", t253);
	txt("t253.example", rec);
	struct emauth_spf_audit *a = audit("t253.example");
	T_EQ_INT(a->nnodes, 2);
	T_EQ_STR(a->nodes[1].domain, t253);
	free(a);
	snprintf(rec, sizeof(rec), "v=spf1 include:%s -all", t254);
	txt("t254.example", rec);
	a = audit("t254.example");
	T_EQ_INT(a->nnodes, 1);
	T_TRUE(has(a, EMAUTH_SPF_FAIL, "254 characters long, not a domain"));
	free(a);
	/* Two 253-character names in one finding (a loop between them):
	 * over the 399 bytes of its text, which ends in "..." (never shown as
	 * if whole). */
	char u253[300], v253[300];
	snprintf(u253, sizeof(u253), "u%.252s", t253 + 1);
	snprintf(v253, sizeof(v253), "v%.252s", t253 + 1);
	snprintf(rec, sizeof(rec), "v=spf1 include:%s -all", u253);
	txt(v253, rec);
	snprintf(rec, sizeof(rec), "v=spf1 include:%s -all", v253);
	txt(u253, rec);
	a = audit(u253);
	bool seen = false;
	for (unsigned i = 0; i < a->nfindings; i++) {
		const char *t = a->findings[i].text;
		if (strstr(t, "loops back to") == NULL)
			continue;
		seen = true;
		T_EQ_INT(strlen(t), sizeof(a->findings[i].text) - 1);
		T_EQ_STR(t + strlen(t) - 3, "...");
	}
	T_TRUE(seen);
	free(a);
}

static enum emauth_result
spf_result(const char *domain, const char *ip)
{
	struct emauth_spf_query q;
	struct emauth_spf_result r;
	char from[300];
	snprintf(from, sizeof(from), "x@%s", domain);
	memset(&q, 0, sizeof(q));
	q.ip = ip;
	q.mail_from = from;
	q.helo = "helo.example";
	if (emauth_spf_check_host(ctx, &q, &r) != 0)
		return EMAUTH_RES_NONE;
	return r.result;
}

/* Flattens @domain, publishes the result as @copy, and compares the two
 * for every address; returns the flattened record (static). */
static const char *
flat_same(const char *domain, const char *copy)
{
	static const char *const ips[] = {"192.0.2.5", "192.0.2.6", "192.0.2.7",
	    "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.9", "10.0.0.10",
	    "10.0.0.200", "203.0.113.1", "2001:db8::1", NULL};
	static struct emauth_spf_flat f;
	T_EQ_INT(emauth_spf_flatten(ctx, domain, NULL, 0, &f), 0);
	txt(copy, f.record);
	for (size_t i = 0; ips[i]; i++) {
		enum emauth_result a = spf_result(domain, ips[i]),
		                   b = spf_result(copy, ips[i]);
		if (a != b)
			T_FAILF("%s from %s: published %s, flattened (%s) %s",
			    domain, ips[i], emauth_result_name(a), f.record,
			    emauth_result_name(b));
	}
	return f.record;
}

/* The review's z11: an include that takes 192.0.2.5 out of its range.
 * Flattened to "ip4:192.0.2.0/24 -all" it passed 192.0.2.5. */
static void
test_flatten_exclusion(void)
{
	txt("f2.example", "v=spf1 include:esp.example -all");
	txt("esp.example", "v=spf1 -ip4:192.0.2.5 ip4:192.0.2.0/24 -all");
	T_EQ_STR(flat_same("f2.example", "f2.copy.example"),
	    "v=spf1 include:esp.example -all");
	T_EQ_INT(spf_result("f2.copy.example", "192.0.2.5"), EMAUTH_RES_FAIL);
	/* The include's own qualifier applies to what it holds. */
	txt("neg.example",
	    "v=spf1 -include:esp2.example ip4:192.0.2.0/24 -all");
	txt("esp2.example", "v=spf1 ip4:192.0.2.7 ~all");
	T_EQ_STR(flat_same("neg.example", "neg.copy.example"),
	    "v=spf1 -ip4:192.0.2.7 ip4:192.0.2.0/24 -all");
	/* Terms after all are never read, in an include or at the top. */
	txt("dead.example",
	    "v=spf1 include:d2.example ip4:10.0.0.9 -all ip4:10.0.0.10");
	txt("d2.example", "v=spf1 ip4:10.0.0.1 ~all ip4:10.0.0.2");
	T_EQ_STR(flat_same("dead.example", "dead.copy.example"),
	    "v=spf1 ip4:10.0.0.1 ip4:10.0.0.9 -all");
	/* redirect comes after the mechanisms wherever it is written. */
	txt("red.example", "v=spf1 redirect=r2.example ip4:10.0.0.3");
	txt("r2.example", "v=spf1 -ip4:10.0.0.3 ip4:10.0.0.0/24 ~all");
	T_EQ_STR(flat_same("red.example", "red.copy.example"),
	    "v=spf1 ip4:10.0.0.3 -ip4:10.0.0.3 ip4:10.0.0.0/24 ~all");
	/* +all inside an include, and %{d} (the include's own name). */
	txt("pa.example", "v=spf1 include:pa2.example -all");
	txt("pa2.example", "v=spf1 +all");
	T_EQ_STR(flat_same("pa.example", "pa.copy.example"),
	    "v=spf1 include:pa2.example -all");
	txt("dm.example", "v=spf1 include:dm2.example -all");
	txt("dm2.example", "v=spf1 exists:%{d}.x.example -all");
	ea_dns_fake_addr(store, "dm2.example.x.example", "127.0.0.2");
	T_EQ_STR(flat_same("dm.example", "dm.copy.example"),
	    "v=spf1 include:dm2.example -all");
	/* An include without a record is a permerror: refused. */
	struct emauth_spf_flat f;
	txt("nr.example", "v=spf1 include:norecord.example ip4:10.0.0.1 -all");
	T_EQ_INT(
	    emauth_spf_flatten(ctx, "nr.example", NULL, 0, &f), EMAUTH_EINVAL);
	T_TRUE(strstr(f.problem, "no SPF record") != NULL);
}

/* mx with EA_SPF_MX_NAMES_MAX (10) names is written out by preference;
 * with 11 receivers return permerror past the 10th lookup, so it stays. */
static void
test_flatten_mx(void)
{
	char host[64], ip[32], want[400] = "v=spf1";
	for (int i = 1; i <= 11; i++) {
		snprintf(host, sizeof(host), "m%d.mx.example", i);
		snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		ea_dns_fake_addr(store, host, ip);
		ea_dns_fake_mx(store, "mx11.example", (uint16_t)(30 - i), host);
		if (i <= 10)
			ea_dns_fake_mx(
			    store, "mx10.example", (uint16_t)(30 - i), host);
	}
	for (int i = 10; i >= 1; i--) {
		size_t l = strlen(want);
		snprintf(want + l, sizeof(want) - l, " ip4:192.0.2.%d", i);
	}
	snprintf(want + strlen(want), sizeof(want) - strlen(want), " -all");
	txt("mx10.example", "v=spf1 mx -all");
	txt("mx11.example", "v=spf1 mx -all");
	struct emauth_spf_flat f;
	T_EQ_INT(emauth_spf_flatten(ctx, "mx10.example", NULL, 0, &f), 0);
	T_EQ_STR(f.record, want);
	T_EQ_INT(emauth_spf_flatten(ctx, "mx11.example", NULL, 0, &f), 0);
	T_EQ_STR(f.record, "v=spf1 mx -all");
	T_EQ_INT(f.lookups, 1);
	T_TRUE(strstr(f.problem, "11 MX records") != NULL);
	/* Inside an include, mx names the include's domain. */
	txt("inc11.example", "v=spf1 include:mx11.example -all");
	T_EQ_INT(emauth_spf_flatten(ctx, "inc11.example", NULL, 0, &f), 0);
	T_EQ_STR(f.record, "v=spf1 mx:mx11.example -all");
	T_EQ_INT(spf_result("inc11.example", "192.0.2.11"),
	    spf_result("mx11.example", "192.0.2.11"));
}

/* A chain of @n records: "<p>0.example" includes "<p>1.example", and so
 * on; the last authorizes 192.0.2.1. */
static void
chain(const char *p, int n)
{
	char name[64], rec[128];
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%d.example", p, i);
		if (i == n - 1)
			snprintf(rec, sizeof(rec), "v=spf1 ip4:192.0.2.1 -all");
		else
			snprintf(rec, sizeof(rec),
			    "v=spf1 include:%s%d.example -all", p, i + 1);
		txt(name, rec);
	}
}

/* EA_SPF_DEPTH_MAX (12): a chain of 12 records is read to its end, by the
 * audit and by flattening; the 13th record is not read: the audit marks
 * its node and fails, flattening refuses (EINVAL) and says why. */
static void
test_depth_edges(void)
{
	chain("dp", 12);
	struct emauth_spf_audit *a = audit("dp0.example");
	T_EQ_INT(a->nnodes, 12);
	T_EQ_INT(a->nodes[11].depth, 11);
	T_EQ_STR(a->nodes[11].record, "v=spf1 ip4:192.0.2.1 -all");
	T_TRUE(!has(a, EMAUTH_SPF_FAIL, "nesting deeper than"));
	T_EQ_INT(a->total_lookups, 11);
	free(a);
	chain("dq", 13);
	a = audit("dq0.example");
	T_EQ_INT(a->nnodes, 13);
	T_EQ_STR(a->nodes[12].domain, "dq12.example");
	T_EQ_STR(a->nodes[12].record, "");
	T_EQ_STR(a->nodes[12].problem, "nested too deeply");
	T_TRUE(has(a, EMAUTH_SPF_FAIL,
	    "include/redirect nesting deeper "
	    "than 12"));
	free(a);

	struct emauth_spf_flat f;
	T_EQ_INT(emauth_spf_flatten(ctx, "dp0.example", NULL, 0, &f), 0);
	T_EQ_STR(f.record, "v=spf1 ip4:192.0.2.1 -all");
	T_EQ_INT(
	    emauth_spf_flatten(ctx, "dq0.example", NULL, 0, &f), EMAUTH_EINVAL);
	T_EQ_STR(f.record, "");
	T_TRUE(strstr(f.problem, "nesting deeper than 12 at dq12.example") !=
	       NULL);
}

/* "v=spf1 a:h1.<name> ... a:hN.<name> -all", each host with one address
 * 10.0.i/256.i%256. */
static void
hosts_record(const char *name, int n)
{
	static char rec[4096];
	char host[64], ip[32];
	size_t l = (size_t)snprintf(rec, sizeof(rec), "v=spf1");
	for (int i = 1; i <= n; i++) {
		snprintf(host, sizeof(host), "h%d.%s", i, name);
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 256, i % 256);
		ea_dns_fake_addr(store, host, ip);
		l += (size_t)snprintf(
		    rec + l, sizeof(rec) - l, " a:h%d.%s", i, name);
	}
	snprintf(rec + l, sizeof(rec) - l, " -all");
	txt(name, rec);
}

/* Flattening's budget of 400 queries: the record is asked for twice,
 * then A and AAAA for each a: term. 199 terms need exactly 400 queries
 * and are written out; 200 need a 401st, which is refused: EDNS, and no
 * record (never the first 199 addresses alone). */
static void
test_flatten_budget_edges(void)
{
	struct emauth_spf_flat f;
	hosts_record("b199.example", 199);
	hosts_record("b200.example", 200);
	unsigned long before = ea_ctx_resolver(ctx)->asked;
	T_EQ_INT(emauth_spf_flatten(ctx, "b199.example", NULL, 0, &f), 0);
	T_EQ_INT(ea_ctx_resolver(ctx)->asked - before, 400);
	T_EQ_INT(f.networks, 199);
	T_TRUE(strstr(f.record, " ip4:10.0.0.199 -all") != NULL);
	T_EQ_INT(
	    emauth_spf_flatten(ctx, "b200.example", NULL, 0, &f), EMAUTH_EDNS);
	T_EQ_STR(f.record, "");
}

/* An octet of @d digits (1 to 3) for a made-up address: "7", "77", "177";
 * the last octet of the @k-th (0 to 2) final term: "1", "10", "100" plus
 * k, so that no two terms are the same. */
static void
octet(char out[8], int d, int last, int k)
{
	static const char *const mid[] = {"", "7", "77", "177"};
	if (!last)
		snprintf(out, 8, "%s", mid[d]);
	else
		snprintf(out, 8, "%d", (d == 1 ? 1 : d == 2 ? 10 : 100) + k);
}

/* A published record of exactly @len bytes of ip4: terms (each address
 * once, so flattening writes it back unchanged), into @rec. */
static void
ip4_record(const char *name, size_t len, char *rec)
{
	size_t l = (size_t)snprintf(rec, len + 1, "v=spf1");
	unsigned i = 0;
	/* 19-byte terms " ip4:10.1XX.1XX.200" while 43 bytes or more are
	 * left before " -all"; the rest (24 to 42) in two or three terms of
	 * 12 to 20 bytes, " ip4:A.B.C.D" with 4 to 12 digits. */
	while (len - 5 - l >= 43) {
		l += (size_t)snprintf(rec + l, len + 1 - l, " ip4:10.%u.%u.200",
		    100 + i / 100, 100 + i % 100);
		i++;
	}
	size_t rest = len - 5 - l;
	int nt = rest > 40 ? 3 : 2;
	for (int k = 0; k < nt; k++) {
		size_t want = rest / (size_t)nt + ((size_t)k < rest % nt);
		int digits = (int)want - 8, d[4];
		char o[4][8];
		for (int j = 0; j < 4; j++) {
			d[j] = digits - (3 - j) > 3 ? 3 : digits - (3 - j);
			digits -= d[j];
			octet(o[j], d[j], j == 3, k);
		}
		l += (size_t)snprintf(rec + l, len + 1 - l, " ip4:%s.%s.%s.%s",
		    o[0], o[1], o[2], o[3]);
	}
	snprintf(rec + l, len + 1 - l, " -all");
	txt(name, rec);
}

/* The flattened record's room (emauth_spf_flat.record, 4,096 bytes): a
 * record of 4,094 bytes is written whole; one of 4,095 is refused
 * (ETOOBIG), never written cut short. */
static void
test_flatten_record_size_edges(void)
{
	static char rec[4200];
	static struct emauth_spf_flat f;
	ip4_record("s4094.example", 4094, rec);
	T_EQ_INT(strlen(rec), 4094);
	T_EQ_INT(emauth_spf_flatten(ctx, "s4094.example", NULL, 0, &f), 0);
	T_EQ_STR(f.record, rec);
	ip4_record("s4095.example", 4095, rec);
	T_EQ_INT(strlen(rec), 4095);
	T_EQ_INT(emauth_spf_flatten(ctx, "s4095.example", NULL, 0, &f),
	    EMAUTH_ETOOBIG);
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
	T_RUN(test_findings_cap);
	T_RUN(test_nodes_cap);
	T_RUN(test_record_whole);
	T_RUN(test_long_target);
	T_RUN(test_flatten_exclusion);
	T_RUN(test_flatten_mx);
	T_RUN(test_depth_edges);
	T_RUN(test_flatten_budget_edges);
	T_RUN(test_flatten_record_size_edges);
	emauth_ctx_free(ctx);
	return t_summary();
}
