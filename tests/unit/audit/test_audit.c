/*
 * test_audit.c: the domain audit of the library (include/emauth/audit.h)
 * on zone files: each finding has its code and status, a fix applied to
 * the zone makes its finding go while nothing that passed before fails,
 * every code the audit can give is in docs/checks.md, and every code
 * written in the sources is in emauth_audit_codes(); the expectations
 * parser takes lines whole or refuses them.
 */
#include "common/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/span.h"
#include "harness/t.h"

#include <emauth/audit.h>

static char dir[64];
static const char *top;

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	char *p = malloc(cap + 1);
	n = fread(p, 1, cap, f);
	fclose(f);
	p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

/* A context whose DNS is the zone @text (origin example.test., with its
 * SOA and NS), written to a file. */
static struct emauth_ctx *
zone_ctx(const char *text)
{
	char path[128], spec[160];
	snprintf(path, sizeof(path), "%s/z.zone", dir);
	FILE *f = fopen(path, "w");
	fprintf(f,
	    "$ORIGIN example.test.\n$TTL 300\n"
	    "@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\n"
	    "ns IN A 192.0.2.53\n%s\n",
	    text);
	fclose(f);
	snprintf(spec, sizeof(spec), "zone:%s", path);
	struct emauth_ctx *ctx;
	emauth_ctx_new(&ctx);
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	if (emauth_ctx_set_dns(ctx, spec, &d) != 0)
		T_FAILF("zone not loaded: %s", d.msg ? d.msg : "?");
	return ctx;
}

/* Audits @domain with the zone @text; the caller frees the report. */
static struct emauth_audit_report *
audit_zone(
    const char *text, const char *domain, const struct emauth_audit_opts *o)
{
	struct emauth_ctx *ctx = zone_ctx(text);
	struct emauth_audit_report *r = NULL;
	T_EQ_INT(emauth_audit_domain(ctx, domain, o, &r), 0);
	emauth_ctx_free(ctx);
	return r;
}

static const struct emauth_audit_finding *
find(const struct emauth_audit_report *r, const char *code)
{
	for (size_t i = 0; r && i < r->n; i++)
		if (strcmp(r->findings[i].code, code) == 0)
			return &r->findings[i];
	return NULL;
}

static bool
in_table(const char *code)
{
	for (const char *const *c = emauth_audit_codes(); *c; c++)
		if (strcmp(*c, code) == 0)
			return true;
	return false;
}

/* Every finding of @r has a code of the table. */
static void
codes_known(const struct emauth_audit_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (!in_table(r->findings[i].code))
			T_FAILF("code %s not in emauth_audit_codes()",
			    r->findings[i].code);
}

/* Options with the one expectation @line, parsed into @e. */
static struct emauth_audit_opts
expecting(const char *line, struct emauth_audit_expect *e)
{
	size_t n = 0;
	T_EQ_INT(emauth_audit_expect_parse(ea_span_str(line), e, &n, NULL), 0);
	T_EQ_INT(n, 1);
	struct emauth_audit_opts o = {.expect = e, .nexpect = 1};
	return o;
}

static const char good[] =
    "@ IN TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
    "_dmarc IN TXT \"v=DMARC1; p=reject; rua=mailto:d@example.test\"\n"
    "@ IN MX 10 mx\nmx IN A 192.0.2.10\n";

static void
test_codes_and_statuses(void)
{
	/* Two SPF records: a failure with its code. */
	char z[1024];
	snprintf(
	    z, sizeof(z), "%s@ IN TXT \"v=spf1 include:x.test -all\"\n", good);
	struct emauth_audit_report *r = audit_zone(z, "example.test", NULL);
	const struct emauth_audit_finding *f = find(r, "spf.multiple-records");
	T_TRUE(f != NULL);
	if (f) {
		T_EQ_INT(f->status, EMAUTH_AUDIT_FAIL);
		T_EQ_STR(f->area, "spf");
		T_TRUE(strstr(f->message, "2 SPF records") != NULL);
	}
	T_EQ_INT(r->verdict, EMAUTH_AUDIT_FAIL);
	codes_known(r);
	emauth_audit_report_free(r);
	/* The good zone: the SPF record and the DMARC policy pass. */
	r = audit_zone(good, "example.test", NULL);
	T_TRUE(find(r, "spf.record") != NULL &&
	       find(r, "spf.record")->status == EMAUTH_AUDIT_PASS);
	T_TRUE(find(r, "dmarc.policy") != NULL);
	T_TRUE(find(r, "mx.host") != NULL);
	T_TRUE(find(r, "dkim.probe-none") != NULL);
	T_TRUE(strstr(r->providers, "refuse forgeries") != NULL);
	codes_known(r);
	emauth_audit_report_free(r);
	/* A name that is not a domain. */
	struct emauth_ctx *ctx;
	emauth_ctx_new(&ctx);
	T_EQ_INT(
	    emauth_audit_domain(ctx, "a b.example", NULL, &r), EMAUTH_EINVAL);
	T_TRUE(r == NULL);
	emauth_ctx_free(ctx);
}

/* A fix applied to the zone: the finding is gone, and nothing that
 * passed before fails now. */
static void
fix_applied(const char *zone, const char *domain, const char *code,
    const struct emauth_audit_opts *o)
{
	struct emauth_audit_report *r = audit_zone(zone, domain, o);
	const struct emauth_audit_finding *f = find(r, code);
	if (f == NULL || f->fix == NULL) {
		T_FAILF("%s: no finding with a fix", code);
		emauth_audit_report_free(r);
		return;
	}
	/* The records to delete go (the zone writes them as the audit
	 * does), the records to publish come. */
	size_t zl = strlen(zone) + strlen(f->fix) + 2;
	char *z2 = malloc(zl);
	snprintf(z2, zl, "%s", zone);
	for (const char *p = f->remove; p && *p;) {
		size_t l = strcspn(p, "\n");
		char line[8192];
		snprintf(line, sizeof(line), "%.*s\n", (int)l, p);
		char *at = strstr(z2, line);
		if (at == NULL)
			T_FAILF("%s: \"%s\" is not in the zone", code, line);
		else
			memmove(at, at + strlen(line),
			    strlen(at + strlen(line)) + 1);
		p += l + (p[l] == '\n');
	}
	size_t l = strlen(z2);
	snprintf(z2 + l, zl - l, "%s\n", f->fix);
	struct emauth_audit_report *r2 = audit_zone(z2, domain, o);
	if (find(r2, code) != NULL)
		T_FAILF("%s: still there after \"%s\"", code, f->fix);
	for (size_t i = 0; i < r->n; i++) {
		const struct emauth_audit_finding *b = &r->findings[i];
		if (b->status != EMAUTH_AUDIT_PASS)
			continue;
		const struct emauth_audit_finding *a = find(r2, b->code);
		if (a && a->status == EMAUTH_AUDIT_FAIL)
			T_FAILF("%s passed, fails after the fix of %s", b->code,
			    code);
	}
	codes_known(r2);
	emauth_audit_report_free(r2);
	emauth_audit_report_free(r);
	free(z2);
}

static void
test_fixes_work(void)
{
	/* Ten includes and mx: over ten lookups; the fix is the flattened
	 * record (keeping the include the expectations name), which makes
	 * one. */
	char z[4096] = "", rec[1024] = "v=spf1";
	size_t zl = 0;
	for (int i = 1; i <= 10; i++) {
		size_t l = strlen(rec);
		snprintf(
		    rec + l, sizeof(rec) - l, " include:i%d.example.test", i);
		zl += (size_t)snprintf(z + zl, sizeof(z) - zl,
		    "i%d IN TXT \"v=spf1 ip4:192.0.2.%d -all\"\n", i, i);
	}
	zl += (size_t)snprintf(z + zl, sizeof(z) - zl,
	    "example.test.\tIN\tTXT\t\"%s mx -all\"\n"
	    "_dmarc IN TXT \"v=DMARC1; p=none\"\n"
	    "@ IN MX 10 mx\nmx IN A 192.0.2.100\n",
	    rec);
	struct emauth_audit_expect ke;
	struct emauth_audit_opts ko = expecting("spf-include "
	                                        "i3.example.test\n",
	    &ke);
	struct emauth_audit_report *r = audit_zone(z, "example.test", &ko);
	const struct emauth_audit_finding *f = find(r, "spf.lookups-over-10");
	T_TRUE(f != NULL && f->fix != NULL &&
	       strstr(f->fix, "include:i3.example.test") != NULL &&
	       strstr(f->fix, "ip4:192.0.2.100") != NULL &&
	       strstr(f->message, "it makes 1") != NULL);
	emauth_audit_report_free(r);
	fix_applied(z, "example.test", "spf.lookups-over-10", &ko);

	/* No DMARC record: the record to publish. */
	fix_applied("@ IN TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
	            "@ IN MX 10 mx\nmx IN A 192.0.2.10\n",
	    "example.test", "dmarc.missing", NULL);
	/* No SPF record: one with mx and the sending addresses. */
	const char *ips[] = {"192.0.2.10", "2001:db8::10"};
	struct emauth_audit_opts o = {.selectors = NULL,
	    .nselectors = 0,
	    .ips = ips,
	    .nips = 2,
	    .expect = NULL,
	    .nexpect = 0};
	fix_applied("_dmarc IN TXT \"v=DMARC1; p=none\"\n"
	            "@ IN MX 10 mx\nmx IN A 192.0.2.10\n",
	    "example.test", "spf.missing", &o);
	/* An expected include: the record with it, before -all. */
	struct emauth_audit_expect e;
	struct emauth_audit_opts oe =
	    expecting("spf-include _spf.platform.test\n", &e);
	fix_applied(
	    "example.test.\tIN\tTXT\t\"v=spf1 ip4:192.0.2.10 -all\"\n"
	    "_dmarc IN TXT \"v=DMARC1; p=none\"\n"
	    "_spf.platform IN TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n",
	    "example.test", "expect.spf-include-missing", &oe);
}

/* Two SPF records: the fix is one record with the mechanisms of both (and
 * the include the expectations ask for), and both records are to be
 * deleted; applied, the domain has one record that authorizes every
 * sender either did. */
static void
test_two_spf_records_merged(void)
{
	static const char zone[] =
	    "example.test.\tIN\tTXT\t\"v=spf1 ip4:192.0.2.10 "
	    "include:_spf.a.test -all\"\n"
	    "example.test.\tIN\tTXT\t\"v=spf1 ip6:2001:db8::/64 mx ~all\"\n"
	    "_spf.a IN TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n"
	    "_spf.p IN TXT \"v=spf1 ip4:203.0.113.0/24 -all\"\n"
	    "_dmarc IN TXT \"v=DMARC1; p=none\"\n"
	    "@ IN MX 10 mx\nmx IN A 192.0.2.10\n";
	struct emauth_audit_expect e;
	struct emauth_audit_opts o =
	    expecting("spf-include _spf.p.{domain}\n", &e);
	struct emauth_audit_report *r = audit_zone(zone, "example.test", &o);
	const struct emauth_audit_finding *f = find(r, "spf.multiple-records");
	T_TRUE(f != NULL && f->fix != NULL && f->remove != NULL);
	if (f && f->fix) {
		T_EQ_STR(f->fix, "example.test.\tIN\tTXT\t\"v=spf1 "
		                 "ip4:192.0.2.10 include:_spf.a.test "
		                 "ip6:2001:db8::/64 mx "
		                 "include:_spf.p.example.test -all\"");
		T_TRUE(strchr(f->remove, '\n') != NULL);
	}
	emauth_audit_report_free(r);
	fix_applied(zone, "example.test", "spf.multiple-records", &o);
	/* A broken record: no fix built from it. */
	r = audit_zone("example.test.\tIN\tTXT\t\"v=spf1 ip4:1.2.3 -all\"\n"
	               "example.test.\tIN\tTXT\t\"v=spf1 mx -all\"\n",
	    "example.test", NULL);
	f = find(r, "spf.multiple-records");
	T_TRUE(f != NULL && f->fix == NULL && f->remove == NULL);
	emauth_audit_report_free(r);
}

/* DKIM: the selectors the expectations name are the ones checked (no
 * probe), with their CNAME as the fix; a key published under the domain
 * written twice is found and named as the cause. */
static void
test_dkim_selectors(void)
{
	struct emauth_audit_expect e;
	struct emauth_audit_opts o =
	    expecting("dkim-cname bk1 bk1.dkim.example.test\n", &e);
	static const char zone[] = "_dmarc IN TXT \"v=DMARC1; p=none\"\n"
	                           "bk1.dkim IN TXT \"v=DKIM1; p=\"\n";
	struct emauth_audit_report *r = audit_zone(zone, "example.test", &o);
	T_TRUE(find(r, "dkim.probe-none") == NULL);
	const struct emauth_audit_finding *f = find(r, "dkim.no-key");
	T_TRUE(f != NULL && strstr(f->message, "bk1._domainkey") != NULL);
	if (f && f->fix)
		T_EQ_STR(f->fix, "bk1._domainkey.example.test.\tIN\tCNAME\t"
		                 "bk1.dkim.example.test.");
	emauth_audit_report_free(r);
	fix_applied(zone, "example.test", "dkim.no-key", &o);
	/* The target typed as a TXT record where a CNAME was meant. */
	static const char txt[] = "_dmarc IN TXT \"v=DMARC1; p=none\"\n"
	                          "bk1.dkim IN TXT \"v=DKIM1; p=\"\n"
	                          "bk1._domainkey.example.test.\tIN\tTXT\t"
	                          "\"bk1.dkim.example.test\"\n";
	r = audit_zone(txt, "example.test", &o);
	f = find(r, "expect.dkim-txt-not-cname");
	T_TRUE(f != NULL && f->fix != NULL && f->remove != NULL);
	emauth_audit_report_free(r);
	fix_applied(txt, "example.test", "expect.dkim-txt-not-cname", &o);
	/* s1._domainkey.example.test.example.test: the domain twice. */
	const char *sel[] = {"s1"};
	struct emauth_audit_opts os = {.selectors = sel,
	    .nselectors = 1,
	    .ips = NULL,
	    .nips = 0,
	    .expect = NULL,
	    .nexpect = 0};
	r = audit_zone("s1._domainkey.example.test IN TXT \"v=DKIM1; p=\"\n",
	    "example.test", &os);
	f = find(r, "dkim.domain-twice");
	T_TRUE(f != NULL && f->fix != NULL &&
	       strstr(f->message, "s1._domainkey.example.test.example.test") !=
	           NULL);
	T_TRUE(find(r, "dkim.no-key") == NULL);
	emauth_audit_report_free(r);
}

/* DMARC: an enforcing policy without rua= warns with the usual path; an
 * external destination named by rua= and ruf= is one finding naming
 * both tags, whose fix is the authorization record the destination must
 * publish; aspf=s that the platform's return path cannot meet fails. */
static void
test_dmarc_findings(void)
{
	struct emauth_audit_report *r = audit_zone(
	    "_dmarc IN TXT \"v=DMARC1; p=reject\"\n", "example.test", NULL);
	const struct emauth_audit_finding *f =
	    find(r, "dmarc.enforcing-without-rua");
	T_TRUE(f != NULL && f->status == EMAUTH_AUDIT_WARN &&
	       strstr(f->message, "p=none with rua= first") != NULL);
	T_TRUE(find(r, "dmarc.no-rua") == NULL);
	emauth_audit_report_free(r);
	static const char zone[] =
	    "_dmarc IN TXT \"v=DMARC1; p=none; rua=mailto:a@reports.test; "
	    "ruf=mailto:f@reports.test\"\n"
	    "$ORIGIN reports.test.\n@ IN TXT \"x\"\n";
	r = audit_zone(zone, "example.test", NULL);
	size_t count = 0;
	for (size_t i = 0; i < r->n; i++)
		count += strcmp(r->findings[i].code,
		             "dmarc.report-unauthorized") == 0;
	T_EQ_INT(count, 1);
	f = find(r, "dmarc.report-unauthorized");
	T_TRUE(f != NULL && strstr(f->message, "rua= and ruf=") != NULL);
	if (f && f->fix)
		T_EQ_STR(f->fix, "example.test._report._dmarc.reports.test.\t"
		                 "IN\tTXT\t\"v=DMARC1\"");
	emauth_audit_report_free(r);
	fix_applied(zone, "example.test", "dmarc.report-unauthorized", NULL);
	struct emauth_audit_expect e;
	struct emauth_audit_opts o =
	    expecting("return-path bounce.{domain}\n", &e);
	r = audit_zone(
	    "_dmarc IN TXT \"v=DMARC1; p=none; aspf=s\"\n", "example.test", &o);
	f = find(r, "dmarc.strict-spf-unmeetable");
	T_TRUE(f != NULL && f->status == EMAUTH_AUDIT_FAIL &&
	       strstr(f->message, "bounce.example.test") != NULL);
	emauth_audit_report_free(r);
}

/* The sending server: a PTR that fails gets the PTR and address records
 * that fix it; a HELO name that does not resolve gets its address record,
 * an address literal fails; blocklists: listed, refused (never a
 * listing), not listed. */
static void
test_sending_server(void)
{
	const char *ips[] = {"192.0.2.10"};
	const char *bl[] = {"bl.test"};
	struct emauth_audit_opts o = {.ips = ips,
	    .nips = 1,
	    .helo = "out.example.test",
	    .dnsbl = bl,
	    .ndnsbl = 1};
	static const char zone[] =
	    "@ IN TXT \"v=spf1 ip4:192.0.2.10 -all\"\n"
	    "_dmarc IN TXT \"v=DMARC1; p=none\"\n"
	    "$ORIGIN bl.test.\n10.2.0.192 IN A 127.0.0.2\n"
	    "11.2.0.192 IN A 127.255.255.254\n";
	struct emauth_audit_report *r = audit_zone(zone, "example.test", &o);
	const struct emauth_audit_finding *f = find(r, "ptr.not-confirmed");
	T_TRUE(f != NULL && f->fix != NULL);
	if (f && f->fix)
		T_EQ_STR(f->fix, "10.2.0.192.in-addr.arpa.\tIN\tPTR\t"
		                 "out.example.test.\nout.example.test.\tIN\tA\t"
		                 "192.0.2.10");
	T_TRUE(find(r, "ptr.helo-not-resolving") != NULL);
	f = find(r, "ptr.dnsbl-listed");
	T_TRUE(f != NULL && f->status == EMAUTH_AUDIT_FAIL &&
	       strstr(f->message, "bl.test") != NULL);
	emauth_audit_report_free(r);
	fix_applied(zone, "example.test", "ptr.not-confirmed", &o);
	fix_applied(zone, "example.test", "ptr.helo-not-resolving", &o);
	/* 127.255.255.x is the list refusing the query; another address is
	 * not listed; a HELO address literal fails. */
	const char *ips2[] = {"192.0.2.11", "192.0.2.12"};
	struct emauth_audit_opts o2 = {.ips = ips2,
	    .nips = 2,
	    .helo = "[192.0.2.11]",
	    .dnsbl = bl,
	    .ndnsbl = 1};
	r = audit_zone(zone, "example.test", &o2);
	T_TRUE(find(r, "ptr.dnsbl-refused") != NULL);
	T_TRUE(find(r, "ptr.dnsbl-listed") == NULL);
	f = find(r, "ptr.dnsbl-clean");
	T_TRUE(f != NULL && strstr(f->message, "192.0.2.12") != NULL);
	T_TRUE(find(r, "ptr.helo-ip-literal") != NULL);
	emauth_audit_report_free(r);
	/* No blocklist at all: a non-NULL empty list. */
	struct emauth_audit_opts o3 = {.ips = ips, .nips = 1, .dnsbl = bl};
	r = audit_zone(zone, "example.test", &o3);
	T_TRUE(find(r, "ptr.dnsbl-listed") == NULL &&
	       find(r, "ptr.dnsbl-clean") == NULL);
	emauth_audit_report_free(r);
}

/* Count of findings with @code whose message holds @text. */
static size_t
count(const struct emauth_audit_report *r, const char *code, const char *text)
{
	size_t n = 0;
	for (size_t i = 0; r && i < r->n; i++)
		n += strcmp(r->findings[i].code, code) == 0 &&
		     strstr(r->findings[i].message, text) != NULL;
	return n;
}

/* Near misses are recognised and named: a record that is almost SPF,
 * look-alike characters, a space after a colon, every bad term; redirect
 * with all (ignored, not counted); private ranges and host bits, named
 * with the record that holds them. */
static void
test_spf_near_misses(void)
{
	struct emauth_audit_report *r = audit_zone(
	    "@ IN TXT \"v=spf1. ip4:192.0.2.1 -all\"\n", "example.test", NULL);
	T_EQ_INT(count(r, "spf.near-miss", "v=spf1. ip4"), 1);
	T_TRUE(find(r, "spf.missing") != NULL);
	emauth_audit_report_free(r);
	r = audit_zone("@ IN TXT \"V = spf1 mx -all\"\n", "example.test", NULL);
	T_EQ_INT(count(r, "spf.near-miss", "V = spf1"), 1);
	emauth_audit_report_free(r);
	r = audit_zone("@ IN TXT \"v=spf1 ip4:192.0.2.1 \342\200\223all\"\n",
	    "example.test", NULL);
	T_EQ_INT(
	    count(r, "spf.lookalike-char", "an en dash (U+2013); type \"-\""),
	    1);
	emauth_audit_report_free(r);
	r = audit_zone("@ IN TXT \"v=spf1 include: _spf.p.test ip4:1.2.3 "
	               "fo=o -all\"\n",
	    "example.test", NULL);
	T_EQ_INT(count(r, "spf.space-after-colon", "\"include:\""), 1);
	T_EQ_INT(count(r, "spf.invalid-term", "ip4:1.2.3"), 1);
	T_TRUE(find(r, "spf.invalid-record") != NULL);
	emauth_audit_report_free(r);
	/* redirect= with all: ignored, and not counted (1 lookup, not 2). */
	r = audit_zone("@ IN TXT \"v=spf1 a redirect=_spf.example.test -all\"\n"
	               "_spf IN TXT \"v=spf1 mx mx mx mx mx mx mx mx mx mx "
	               "-all\"\n",
	    "example.test", NULL);
	T_TRUE(find(r, "spf.redirect-ignored") != NULL);
	T_EQ_INT(r->spf.total_lookups, 1);
	T_TRUE(find(r, "spf.lookups-over-10") == NULL);
	emauth_audit_report_free(r);
	/* Ranges: private, host bits, and a wide one in an include, named
	 * with its record. */
	r = audit_zone(
	    "@ IN TXT \"v=spf1 ip4:10.1.0.0/16 ip4:192.168.0.1/16 "
	    "ip4:198.51.100.0/24 include:_spf.p.example.test -all\"\n"
	    "_spf.p IN TXT \"v=spf1 ip4:203.0.0.0/8 -all\"\n",
	    "example.test", NULL);
	T_EQ_INT(
	    count(r, "spf.private-range", "ip4:10.1.0.0/16 is a private"), 1);
	T_EQ_INT(count(r, "spf.host-bits", "read it as 192.168.0.0/16"), 1);
	T_EQ_INT(count(r, "spf.private-range", "198.51.100"), 0);
	T_EQ_INT(count(r, "spf.wide-ip4",
	             "ip4:203.0.0.0/8 in the record of _spf.p.example.test"),
	    1);
	emauth_audit_report_free(r);
}

/* DMARC records that receivers cannot find or read: published at the
 * apex, or with v=DMARC1 not first; each fix moves or reorders it. */
static void
test_dmarc_near_misses(void)
{
	static const char apex[] =
	    "example.test.\tIN\tTXT\t\"v=DMARC1; p=reject; "
	    "rua=mailto:d@example.test\"\n";
	struct emauth_audit_report *r = audit_zone(apex, "example.test", NULL);
	const struct emauth_audit_finding *f = find(r, "dmarc.at-apex");
	T_TRUE(f != NULL && f->fix != NULL && f->remove != NULL);
	if (f && f->fix)
		T_EQ_STR(f->fix, "_dmarc.example.test.\tIN\tTXT\t\"v=DMARC1; "
		                 "p=reject; rua=mailto:d@example.test\"");
	emauth_audit_report_free(r);
	fix_applied(apex, "example.test", "dmarc.at-apex", NULL);
	static const char order[] =
	    "_dmarc.example.test.\tIN\tTXT\t\"p=quarantine; v=DMARC1\"\n";
	r = audit_zone(order, "example.test", NULL);
	f = find(r, "dmarc.version-not-first");
	T_TRUE(f != NULL && f->fix != NULL);
	if (f && f->fix)
		T_EQ_STR(f->fix, "_dmarc.example.test.\tIN\tTXT\t\"v=DMARC1; "
		                 "p=quarantine\"");
	emauth_audit_report_free(r);
	fix_applied(order, "example.test", "dmarc.version-not-first", NULL);
}

/* A DMARC policy weaker than the platform requires: the record with p=
 * changed, every other tag kept (rua=), and the old one to delete. */
static void
test_dmarc_policy_fix(void)
{
	static const char zone[] =
	    "_dmarc.example.test.\tIN\tTXT\t\"v=DMARC1; p=none; "
	    "rua=mailto:d@example.test; adkim=r\"\n";
	struct emauth_audit_expect e;
	struct emauth_audit_opts o = expecting("dmarc quarantine\n", &e);
	struct emauth_audit_report *r = audit_zone(zone, "example.test", &o);
	const struct emauth_audit_finding *f = find(r, "expect.dmarc-weaker");
	T_TRUE(f != NULL && f->fix != NULL && f->remove != NULL);
	if (f && f->fix)
		T_EQ_STR(f->fix, "_dmarc.example.test.\tIN\tTXT\t\"v=DMARC1; "
		                 "p=quarantine; rua=mailto:d@example.test; "
		                 "adkim=r\"");
	emauth_audit_report_free(r);
	fix_applied(zone, "example.test", "expect.dmarc-weaker", &o);
}

/* Record authoring: DMARC made from its parts, checked by the parser,
 * with its notes; refused rather than cut. */
static void
test_record_dmarc(void)
{
	struct emauth_record *out = malloc(sizeof(*out));
	struct emauth_record_dmarc_opts o = {.domain = "example.test",
	    .p = "reject",
	    .rua = "mailto:d@example.test,mailto:agg@reports.test"};
	T_EQ_INT(emauth_record_dmarc(NULL, &o, out), 0);
	T_EQ_STR(out->line, "_dmarc.example.test.\tIN\tTXT\t\"v=DMARC1; "
	                    "p=reject; rua=mailto:d@example.test,"
	                    "mailto:agg@reports.test\"");
	bool consent = false;
	for (unsigned i = 0; i < out->nnotes; i++)
		consent |=
		    strstr(out->notes[i], "example.test._report._dmarc."
		                          "reports.test. IN TXT") != NULL;
	T_TRUE(consent);
	/* An error of the parser refuses the record. */
	o.rua = "emailto:d@example.test";
	T_EQ_INT(emauth_record_dmarc(NULL, &o, out), EMAUTH_ESYNTAX);
	T_TRUE(strstr(out->error, "mailto") != NULL);
	o.p = "rejct";
	T_EQ_INT(emauth_record_dmarc(NULL, &o, out), EMAUTH_EINVAL);
	/* Too long: refused, never cut. */
	char *rua = malloc(5000);
	memset(rua, 'a', 4999);
	memcpy(rua, "mailto:", 7);
	rua[4999] = '\0';
	o.p = "none";
	o.rua = rua;
	T_EQ_INT(emauth_record_dmarc(NULL, &o, out), EMAUTH_ETOOBIG);
	free(rua);
	/* With DNS: an enforcing policy for a domain without a record yet. */
	o.rua = NULL;
	o.p = "quarantine";
	struct emauth_ctx *ctx = zone_ctx("");
	T_EQ_INT(emauth_record_dmarc(ctx, &o, out), 0);
	bool warned = false;
	for (unsigned i = 0; i < out->nnotes; i++)
		warned |=
		    strstr(out->notes[i], "has no DMARC record yet") != NULL;
	T_TRUE(warned);
	emauth_ctx_free(ctx);
	free(out);
}

/* Record authoring: SPF made from its parts, the include costs looked
 * up, over 10 lookups refused unless forced, never cut. */
static void
test_record_spf(void)
{
	struct emauth_record *out = malloc(sizeof(*out));
	const char *nets[] = {"ip4:198.51.100.0/24", "ip6:2001:db8::/48"};
	struct emauth_record_spf_opts o = {
	    .mx = 1, .networks = nets, .nnetworks = 2, .all = "~all"};
	T_EQ_INT(emauth_record_spf(NULL, &o, out), 0);
	T_EQ_STR(out->line, "@\tIN\tTXT\t\"v=spf1 mx ip4:198.51.100.0/24 "
	                    "ip6:2001:db8::/48 ~all\"");
	T_EQ_STR(out->notes[out->nnotes - 1],
	    "1 DNS-querying term at the top level");
	const char *bad[] = {"ip4:300.1.1.1/24"};
	o.networks = bad;
	o.nnetworks = 1;
	T_EQ_INT(emauth_record_spf(NULL, &o, out), EMAUTH_ESYNTAX);
	T_TRUE(strstr(out->error, "not valid") != NULL);
	o.all = "+all";
	T_EQ_INT(emauth_record_spf(NULL, &o, out), EMAUTH_EINVAL);
	/* Include costs from DNS: 2 includes of 5 lookups each, and mx. */
	struct emauth_ctx *ctx = zone_ctx(
	    "i1 IN TXT \"v=spf1 a mx a:x.test mx:y.test a:z.test -all\"\n"
	    "i2 IN TXT \"v=spf1 a mx a:x.test mx:y.test a:z.test "
	    "-all\"\n");
	const char *incs[] = {"i1.example.test", "i2.example.test"};
	struct emauth_record_spf_opts oi = {.domain = "example.test",
	    .mx = 1,
	    .includes = incs,
	    .nincludes = 2};
	T_EQ_INT(emauth_record_spf(ctx, &oi, out), EMAUTH_ELIMIT);
	T_TRUE(strstr(out->error, "13 DNS lookups in all") != NULL);
	T_TRUE(
	    strstr(out->notes[0], "include:i1.example.test costs 6") != NULL);
	oi.force = 1;
	T_EQ_INT(emauth_record_spf(ctx, &oi, out), 0);
	T_EQ_STR(out->notes[out->nnotes - 1], "13 of 10 DNS lookups in all");
	T_TRUE(strncmp(out->line, "example.test.\tIN\tTXT\t", 20) == 0);
	emauth_ctx_free(ctx);
	/* Too long: refused, never cut. */
	static const char *many[400];
	for (size_t i = 0; i < 400; i++)
		many[i] = "ip4:192.0.2.1";
	struct emauth_record_spf_opts ol = {.networks = many, .nnetworks = 400};
	T_EQ_INT(emauth_record_spf(NULL, &ol, out), EMAUTH_ETOOBIG);
	free(out);
}

/* More fixes applied: the SPF record with the sending address, the DMARC
 * record with rua= (the enforcing policy kept), a DMARC record without a
 * policy, the CNAME the platform expects. */
static void
test_more_fixes_work(void)
{
	const char *ips[] = {"192.0.2.77"};
	struct emauth_audit_opts o = {.ips = ips, .nips = 1, .dnsbl = ips};
	fix_applied("example.test.\tIN\tTXT\t\"v=spf1 mx -all\"\n"
	            "_dmarc IN TXT \"v=DMARC1; p=none\"\n",
	    "example.test", "ptr.spf-not-pass", &o);
	static const char rua[] =
	    "_dmarc.example.test.\tIN\tTXT\t\"v=DMARC1; p=reject\"\n";
	struct emauth_audit_report *r = audit_zone(rua, "example.test", NULL);
	const struct emauth_audit_finding *f =
	    find(r, "dmarc.enforcing-without-rua");
	T_TRUE(f != NULL && f->fix != NULL && f->remove != NULL);
	if (f && f->fix)
		T_EQ_STR(f->fix, "_dmarc.example.test.\tIN\tTXT\t\"v=DMARC1; "
		                 "p=reject; rua=mailto:dmarc-reports@"
		                 "example.test\"");
	emauth_audit_report_free(r);
	fix_applied(rua, "example.test", "dmarc.enforcing-without-rua", NULL);
	fix_applied("_dmarc IN TXT \"v=DMARC1; adkim=s\"\n", "example.test",
	    "dmarc.no-policy", NULL);
	struct emauth_audit_expect e;
	struct emauth_audit_opts oe =
	    expecting("dkim-cname pm pm.dkim.example.test\n", &e);
	fix_applied("pm.dkim IN TXT \"v=DKIM1; p=\"\n"
	            "_dmarc IN TXT \"v=DMARC1; p=none\"\n",
	    "example.test", "expect.dkim-cname-missing", &oe);
}

static void
test_expect_parse(void)
{
	struct emauth_audit_expect e[EMAUTH_AUDIT_EXPECT_MAX];
	size_t n = 0;
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	static const char ok[] = "# a platform\n"
	                         "spf-include _spf.p.test   # comment\n"
	                         "\n  dkim-cname s1 s1.dkim.p.test\r\n"
	                         "dmarc\ndmarc quarantine\n"
	                         "dmarc-rua mailto:r@p.test\n"
	                         "return-path bounce.{domain}";
	T_EQ_INT(emauth_audit_expect_parse(ea_span_str(ok), e, &n, &d), 0);
	T_EQ_INT(n, 6);
	T_EQ_STR(e[1].b, "s1.dkim.p.test");
	T_EQ_INT(e[1].line, 4);
	T_EQ_STR(e[5].a, "bounce.{domain}");
	/* Refused, with the line: an unknown kind, a bad policy, a fifth
	 * word. */
	static const char *const bad[] = {"spf-include a\nsfp-include b\n",
	    "dmarc strict\n", "dkim-cname a b c\n"};
	static const char *const line[] = {"2", "1", "1"};
	for (size_t i = 0; i < EA_ARRAY_LEN(bad); i++) {
		memset(&d, 0, sizeof(d));
		T_EQ_INT(
		    emauth_audit_expect_parse(ea_span_str(bad[i]), e, &n, &d),
		    EMAUTH_ESYNTAX);
		T_EQ_STR(d.where, line[i]);
	}
	/* Words of 299 bytes whole, 300 refused; lines of 1,022 bytes and
	 * a line feed taken, 1,023 refused; 64 expectations, not 65. */
	char big[2000];
	for (size_t len = 299; len <= 300; len++) {
		int o = snprintf(big, sizeof(big), "return-path ");
		memset(big + o, 'r', len);
		big[o + (int)len] = '\0';
		T_EQ_INT(emauth_audit_expect_parse(ea_span_str(big), e, &n, &d),
		    len == 299 ? 0 : EMAUTH_ESYNTAX);
	}
	for (size_t len = 1022; len <= 1023; len++) {
		int o = snprintf(big, sizeof(big), "dmarc #");
		memset(big + o, 'x', len - (size_t)o);
		memcpy(big + len, "\n", 2);
		T_EQ_INT(emauth_audit_expect_parse(ea_span_str(big), e, &n, &d),
		    len == 1022 ? 0 : EMAUTH_ETOOBIG);
	}
	for (int count = 64; count <= 65; count++) {
		char *t = malloc((size_t)count * 6 + 1);
		for (int i = 0; i < count; i++)
			memcpy(t + 6 * i, "dmarc\n", 6);
		t[count * 6] = '\0';
		T_EQ_INT(emauth_audit_expect_parse(ea_span_str(t), e, &n, &d),
		    count == 64 ? 0 : EMAUTH_ETOOBIG);
		free(t);
	}
}

/* Every code of the table is in docs/checks.md; every code written in
 * the audit's sources is in the table. */
static void
test_codes_documented(void)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/docs/checks.md", top);
	char *doc = read_all(path, NULL);
	T_TRUE(doc != NULL);
	size_t ncodes = 0;
	for (const char *const *c = emauth_audit_codes(); *c; c++) {
		ncodes++;
		char quoted[80];
		snprintf(quoted, sizeof(quoted), "`%s`", *c);
		if (doc && strstr(doc, quoted) == NULL)
			T_FAILF("%s is not in docs/checks.md", *c);
	}
	T_TRUE(ncodes > 50);
	free(doc);
	static const char *const srcs[] = {"src/audit/domain.c",
	    "src/audit/expect.c", "src/audit/report.c", "src/spf/audit.c"};
	static const char *const areas[] = {"\"spf.", "\"dmarc.", "\"dkim.",
	    "\"mx.", "\"ptr.", "\"expect.", "\"report."};
	size_t seen = 0;
	for (size_t i = 0; i < EA_ARRAY_LEN(srcs); i++) {
		snprintf(path, sizeof(path), "%s/%s", top, srcs[i]);
		char *s = read_all(path, NULL);
		T_TRUE(s != NULL);
		for (size_t a = 0; s && a < EA_ARRAY_LEN(areas); a++)
			for (char *p = strstr(s, areas[a]); p;
			     p = strstr(p + 1, areas[a])) {
				size_t l = strspn(p + 1,
				    "abcdefghijklmnopqrstuvwxyz0123456789.-");
				if (p[1 + l] != '"' || p[l] == '.' ||
				    (l > 2 && p[l - 1] == '.'))
					continue; /* not a code: "spf.h" */
				char code[80];
				snprintf(
				    code, sizeof(code), "%.*s", (int)l, p + 1);
				seen++;
				if (!in_table(code))
					T_FAILF("%s (%s) is not in "
					        "emauth_audit_codes()",
					    code, srcs[i]);
			}
		free(s);
	}
	T_TRUE(seen > 50);
}

int
main(void)
{
	top = getenv("EMAUTH_TOP");
	if (top == NULL)
		top = ".";
	snprintf(dir, sizeof(dir), "/tmp/emauth-audit-test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 2;
	T_RUN(test_codes_and_statuses);
	T_RUN(test_fixes_work);
	T_RUN(test_two_spf_records_merged);
	T_RUN(test_dkim_selectors);
	T_RUN(test_dmarc_findings);
	T_RUN(test_sending_server);
	T_RUN(test_spf_near_misses);
	T_RUN(test_dmarc_near_misses);
	T_RUN(test_dmarc_policy_fix);
	T_RUN(test_record_dmarc);
	T_RUN(test_record_spf);
	T_RUN(test_more_fixes_work);
	T_RUN(test_expect_parse);
	T_RUN(test_codes_documented);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 2;
	return t_summary();
}
