/*
 * test_dmarc.c: DMARC records (every tag rule and the default cascade),
 * policy discovery by the DNS Tree Walk and by the Public Suffix List,
 * Organizational Domains, identifier alignment (strict and relaxed against
 * exact, subdomain, parent, sibling and public-suffix identifiers), np,
 * t=y, pct, and the verdicts. DNS comes from tests/data/zones/dmarc/.
 */
#include "common/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ctx.h"
#include "common/limits.h"
#include "common/span.h"
#include "dns/fake.h"
#include "dns/store.h"
#include "harness/t.h"

#include <emauth/dmarc.h>

static char zone_spec[1024];

static struct emauth_ctx *
zone_ctx(void)
{
	struct emauth_ctx *ctx;
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	if (emauth_ctx_new(&ctx) != 0 ||
	    emauth_ctx_set_dns(ctx, zone_spec, &d) != 0) {
		fprintf(stderr, "cannot load %s: %s\n", zone_spec,
		    d.msg ? d.msg : "");
		exit(2);
	}
	return ctx;
}

static struct emauth_dmarc_record
parse(const char *s, enum emauth_dmarc_mode mode)
{
	struct emauth_dmarc_record r;
	T_EQ_INT(emauth_dmarc_record_parse(ea_span_str(s), mode, &r), 0);
	return r;
}

/* Whether a note about @tag of @kind mentions @text. */
static bool
has_note(const struct emauth_dmarc_record *r, enum emauth_dmarc_note_kind kind,
    const char *tag, const char *text)
{
	for (unsigned i = 0; i < r->nnotes; i++)
		if (r->notes[i].kind == kind &&
		    strcmp(r->notes[i].tag, tag) == 0 &&
		    strstr(r->notes[i].text, text))
			return true;
	return false;
}

static void
test_version_tag(void)
{
	T_TRUE(parse("v=DMARC1; p=none", 0).valid);
	T_TRUE(parse("v = DMARC1 ; p=none", 0).valid);
	T_TRUE(parse("V=DMARC1; p=none", 0).valid);
	T_TRUE(!parse("v=dmarc1; p=none", 0).valid); /* value is exact */
	T_TRUE(!parse("p=none; v=DMARC1", 0).valid); /* v first */
	T_TRUE(!parse("v=DMARC2; p=none", 0).valid);
	T_TRUE(!parse("v=spf1 -all", 0).valid);
	T_TRUE(!parse("", 0).valid);
	struct emauth_dmarc_record r = parse("v=DMARC1; p=none; v=DMARC1", 0);
	T_TRUE(r.valid && has_note(&r, EMAUTH_DMARC_ERROR, "v", "first"));
}

static void
test_policy_tags(void)
{
	struct emauth_dmarc_record r = parse("v=DMARC1; p=Reject", 0);
	T_EQ_INT(r.p, EMAUTH_DMARC_REJECT);
	T_TRUE(r.has_policy && r.p_given && !r.sp_given);
	/* A misspelt policy is named, with the fix, and ignored. */
	r = parse("v=DMARC1; p=rejct", 0);
	T_TRUE(!r.has_policy);
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "p", "did you mean p=reject"));
	r = parse("v=DMARC1; p=reject; sp=bogus", 0);
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "sp",
	    "none, quarantine or "
	    "reject"));
	T_EQ_INT(r.sp, EMAUTH_DMARC_REJECT); /* the default: p */
	r = parse("v=DMARC1; p=reject; p=none", 0);
	T_EQ_INT(r.p, EMAUTH_DMARC_REJECT);
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "p", "twice"));
}

static void
test_default_cascade(void)
{
	struct emauth_dmarc_record r = parse("v=DMARC1; p=reject", 0);
	T_EQ_INT(r.sp, EMAUTH_DMARC_REJECT);
	T_EQ_INT(r.np, EMAUTH_DMARC_REJECT);
	r = parse("v=DMARC1; p=reject; sp=quarantine", 0);
	T_EQ_INT(r.sp, EMAUTH_DMARC_QUARANTINE);
	T_EQ_INT(r.np, EMAUTH_DMARC_QUARANTINE); /* np -> sp */
	r = parse("v=DMARC1; p=none; np=reject", 0);
	T_EQ_INT(r.sp, EMAUTH_DMARC_NONE);
	T_EQ_INT(r.np, EMAUTH_DMARC_REJECT);
	/* No valid p: none when rua is valid, else no policy. */
	r = parse("v=DMARC1; rua=mailto:d@example.com", 0);
	T_TRUE(r.has_policy);
	T_EQ_INT(r.p, EMAUTH_DMARC_NONE);
	r = parse("v=DMARC1; p=rejct; rua=mailto:d@example.com", 0);
	T_TRUE(r.has_policy);
	T_EQ_INT(r.p, EMAUTH_DMARC_NONE);
	r = parse("v=DMARC1; sp=reject", 0);
	T_TRUE(!r.has_policy);
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "p", "no valid p="));
	/* Defaults of the other tags. */
	r = parse("v=DMARC1; p=none", 0);
	T_TRUE(!r.adkim_strict && !r.aspf_strict && !r.testing);
	T_EQ_INT(r.psd, 'u');
	T_EQ_STR(r.fo, "0");
	T_EQ_INT(r.pct, 100);
}

static void
test_flag_tags(void)
{
	struct emauth_dmarc_record r =
	    parse("v=DMARC1; p=none; adkim=s; aspf=S; t=y; psd=n", 0);
	T_TRUE(r.adkim_strict && r.aspf_strict && r.testing);
	T_EQ_INT(r.psd, 'n');
	r = parse("v=DMARC1; p=none; adkim=strict; t=yes; psd=x", 0);
	T_TRUE(!r.adkim_strict && !r.testing);
	T_EQ_INT(r.psd, 'u');
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "adkim", "use r or s"));
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "t", "use y or n"));
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "psd", "use y, n or u"));
	r = parse("v=DMARC1; p=none; fo=1:d", 0);
	T_EQ_STR(r.fo, "1:d");
	r = parse("v=DMARC1; p=none; fo=2", 0);
	T_EQ_STR(r.fo, "0");
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "fo", "0, 1, d or s"));
}

static void
test_report_uris(void)
{
	struct emauth_dmarc_record r =
	    parse("v=DMARC1; p=none; rua=mailto:a@example.com, "
	          "mailto:b@example.net!10m; ruf=mailto:f@example.com",
	        0);
	/* A size limit stays with its URI: the report sender honours it
	 * (issue #18); one that is not digits and a unit is dropped with a
	 * warning. */
	T_EQ_STR(r.rua, "mailto:a@example.com,mailto:b@example.net!10m");
	T_EQ_STR(r.ruf, "mailto:f@example.com");
	r = parse("v=DMARC1; p=none; rua=mailto:a@example.com!10x", 0);
	T_EQ_STR(r.rua, "mailto:a@example.com");
	T_TRUE(has_note(&r, EMAUTH_DMARC_WARNING, "rua", "size limit"));
	r = parse("v=DMARC1; p=none; rua=emailto:a@example.com", 0);
	T_EQ_STR(r.rua, "");
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "rua", "did you mean mailto"));
	r = parse("v=DMARC1; p=none; rua=a@example.com", 0);
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "rua",
	    "no URI scheme: write mailto:a@example.com"));
	r = parse("v=DMARC1; p=none; rua=https://example.com/r", 0);
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "rua", "unknown URI scheme"));
	r = parse("v=DMARC1; p=none; rua=mailto:@example.com", 0);
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "rua", "local part"));
	/* An invalid rua does not turn a record without p into p=none. */
	r = parse("v=DMARC1; rua=emailto:a@example.com", 0);
	T_TRUE(!r.has_policy);
}

static void
test_obsolete_and_unknown_tags(void)
{
	struct emauth_dmarc_record r =
	    parse("v=DMARC1; p=reject; pct=20; rf=afrf; ri=3600", 0);
	T_TRUE(has_note(&r, EMAUTH_DMARC_OBSOLETE, "pct", "t=y"));
	T_TRUE(has_note(&r, EMAUTH_DMARC_OBSOLETE, "rf", "RFC 9989"));
	T_TRUE(has_note(&r, EMAUTH_DMARC_OBSOLETE, "ri", "RFC 9989"));
	T_EQ_INT(r.pct, 20);
	T_EQ_INT(r.ri, 3600);
	r = parse("v=DMARC1; p=reject; pct=20", EMAUTH_DMARC_RFC7489);
	T_TRUE(!has_note(&r, EMAUTH_DMARC_OBSOLETE, "pct", ""));
	r = parse("v=DMARC1; p=reject; pct=101", EMAUTH_DMARC_RFC7489);
	T_EQ_INT(r.pct, 100);
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "pct", "0 to 100"));
	/* np, psd and t are RFC 9989's: ignored in RFC 7489 mode. */
	r = parse("v=DMARC1; p=none; np=reject; t=y", EMAUTH_DMARC_RFC7489);
	T_EQ_INT(r.np, EMAUTH_DMARC_NONE);
	T_TRUE(!r.testing);
	r = parse("v=DMARC1; p=none; adkm=s; foo=bar", 0);
	T_TRUE(
	    has_note(&r, EMAUTH_DMARC_WARNING, "adkm", "did you mean adkim"));
	T_TRUE(has_note(&r, EMAUTH_DMARC_WARNING, "foo", "ignored"));
	r = parse("v=DMARC1; p=none; junk", 0);
	T_TRUE(has_note(&r, EMAUTH_DMARC_ERROR, "junk", "tag=value"));
	/* Trailing separators and whitespace are fine. */
	r = parse("v=DMARC1;p=quarantine;;  ", 0);
	T_EQ_INT(r.p, EMAUTH_DMARC_QUARANTINE);
	T_EQ_INT(r.nnotes, 0);
	/* Bounded. */
	char big[5000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct emauth_dmarc_record rb;
	T_EQ_INT(emauth_dmarc_record_parse(ea_span_str(big), 0, &rb),
	    EMAUTH_ETOOBIG);
}

struct dcase {
	const char *domain;
	enum emauth_dmarc_mode mode;
	enum emauth_result result;
	const char *policy_domain, *org_domain, *tag;
	enum emauth_dmarc_policy policy;
	unsigned max_steps; /* at most this many _dmarc queries */
};

static void
check_discovery(const struct dcase *c, size_t n)
{
	struct emauth_ctx *ctx = zone_ctx();
	for (size_t i = 0; i < n; i++) {
		struct emauth_dmarc_discovery *d = malloc(sizeof(*d));
		T_EQ_INT(
		    emauth_dmarc_discover(ctx, c[i].domain, c[i].mode, d), 0);
		bool ok =
		    d->result == c[i].result &&
		    strcmp(d->policy_domain, c[i].policy_domain) == 0 &&
		    strcmp(d->org_domain, c[i].org_domain) == 0 &&
		    (c[i].tag == NULL ? d->policy_tag == NULL
		                      : d->policy_tag && strcmp(d->policy_tag,
		                                             c[i].tag) == 0) &&
		    d->policy == c[i].policy && d->nsteps <= c[i].max_steps;
		if (!ok)
			T_FAILF("%s (%s): result %s, policy domain \"%s\", org "
			        "\"%s\", %s=%s, %u steps",
			    c[i].domain, c[i].mode ? "7489" : "9989",
			    emauth_result_name(d->result), d->policy_domain,
			    d->org_domain, d->policy_tag ? d->policy_tag : "-",
			    emauth_dmarc_policy_name(d->policy), d->nsteps);
		free(d);
	}
	emauth_ctx_free(ctx);
}

static void
test_tree_walk(void)
{
	const enum emauth_dmarc_mode M = EMAUTH_DMARC_RFC9989;
	const enum emauth_result P = EMAUTH_RES_PASS, N = EMAUTH_RES_NONE;
	static struct dcase c[16];
	size_t n = 0;
	/* The record at the domain: p. */
	c[n++] = (struct dcase){"example.com", M, P, "example.com",
	    "example.com", "p", EMAUTH_DMARC_REJECT, 2};
	/* A subdomain that exists: sp. */
	c[n++] = (struct dcase){"mail.example.com", M, P, "example.com",
	    "example.com", "sp", EMAUTH_DMARC_QUARANTINE, 3};
	/* Exists through MX only, or through a TXT record only (RFC 9989's
	 * non-existence looks at A, AAAA and MX). */
	c[n++] = (struct dcase){"news.example.com", M, P, "example.com",
	    "example.com", "sp", EMAUTH_DMARC_QUARANTINE, 3};
	c[n++] = (struct dcase){"txtonly.example.com", M, P, "example.com",
	    "example.com", "np", EMAUTH_DMARC_REJECT, 3};
	/* Does not exist: np. */
	c[n++] = (struct dcase){"ghost.example.com", M, P, "example.com",
	    "example.com", "np", EMAUTH_DMARC_REJECT, 3};
	/* Its own record, below the organization's. */
	c[n++] = (struct dcase){"shop.example.com", M, P, "shop.example.com",
	    "example.com", "p", EMAUTH_DMARC_NONE, 3};
	/* Nine labels: the domain, then straight to the last seven. */
	c[n++] = (struct dcase){"h.g.f.e.d.c.b.a.deep.example.com", M, P,
	    "c.b.a.deep.example.com", "example.com", "p",
	    EMAUTH_DMARC_QUARANTINE, 8};
	/* Seven labels, no record below the organization's. */
	c[n++] = (struct dcase){"a.b.c.d.e.f.example.com", M, P, "example.com",
	    "example.com", "sp", EMAUTH_DMARC_QUARANTINE, 8};
	/* Under a PSD record (psd=y at bank): the policy is the PSD's, the
	 * Organizational Domain one label below it. */
	c[n++] = (struct dcase){"www.first.bank", M, P, "bank", "first.bank",
	    "p", EMAUTH_DMARC_REJECT, 3};
	c[n++] = (struct dcase){"first.bank", M, P, "bank", "first.bank", "p",
	    EMAUTH_DMARC_REJECT, 2};
	/* psd=n: the Organizational Domain is where it is published. */
	c[n++] = (struct dcase){"mail.second.bank", M, P, "second.bank",
	    "second.bank", "p", EMAUTH_DMARC_NONE, 3};
	/* No DMARC anywhere; not a DMARC record; two records; a record
	 * without a policy. */
	c[n++] = (struct dcase){"nodmarc.test", M, N, "", "nodmarc.test", NULL,
	    EMAUTH_DMARC_UNSET, 2};
	c[n++] = (struct dcase){"notdmarc.test", M, N, "", "notdmarc.test",
	    NULL, EMAUTH_DMARC_UNSET, 2};
	c[n++] = (struct dcase){
	    "two.test", M, N, "", "two.test", NULL, EMAUTH_DMARC_UNSET, 2};
	c[n++] = (struct dcase){"nopolicy.test", M, N, "nopolicy.test",
	    "nopolicy.test", NULL, EMAUTH_DMARC_UNSET, 2};
	/* Strings of one TXT record are joined. */
	c[n++] = (struct dcase){"split.test", M, P, "split.test", "split.test",
	    "p", EMAUTH_DMARC_QUARANTINE, 2};
	check_discovery(c, n);
}

static void
test_walk_query_names(void)
{
	struct emauth_ctx *ctx = zone_ctx();
	struct emauth_dmarc_discovery *d = malloc(sizeof(*d));
	T_EQ_INT(emauth_dmarc_discover(ctx, "x.h.g.f.e.d.c.b.a.nowhere.test",
	             EMAUTH_DMARC_RFC9989, d),
	    0);
	/* Eleven labels: the domain, then seven, six, ... one: 8 queries,
	 * never more. */
	static const char *const want[] = {
	    "_dmarc.x.h.g.f.e.d.c.b.a.nowhere.test",
	    "_dmarc.e.d.c.b.a.nowhere.test", "_dmarc.d.c.b.a.nowhere.test",
	    "_dmarc.c.b.a.nowhere.test", "_dmarc.b.a.nowhere.test",
	    "_dmarc.a.nowhere.test", "_dmarc.nowhere.test", "_dmarc.test"};
	T_EQ_INT(d->result, EMAUTH_RES_NONE);
	T_EQ_INT(d->nsteps, 8);
	for (size_t i = 0; i < 8 && i < d->nsteps; i++)
		T_EQ_STR(d->steps[i].name, want[i]);
	free(d);
	emauth_ctx_free(ctx);
}

static void
test_psl_discovery(void)
{
	const enum emauth_dmarc_mode M = EMAUTH_DMARC_RFC7489;
	const enum emauth_result P = EMAUTH_RES_PASS, N = EMAUTH_RES_NONE;
	static struct dcase c[8];
	size_t n = 0;
	c[n++] = (struct dcase){"example.com", M, P, "example.com",
	    "example.com", "p", EMAUTH_DMARC_REJECT, 1};
	/* RFC 7489 has no np: a non-existent subdomain gets sp. */
	c[n++] = (struct dcase){"ghost.example.com", M, P, "example.com",
	    "example.com", "sp", EMAUTH_DMARC_QUARANTINE, 2};
	/* The deep domain: two queries, the domain and the registrable
	 * domain; the record in between is not seen. */
	c[n++] = (struct dcase){"h.g.f.e.d.c.b.a.deep.example.com", M, P,
	    "example.com", "example.com", "sp", EMAUTH_DMARC_QUARANTINE, 2};
	/* co.uk is a public suffix: the registrable domain is three labels. */
	c[n++] = (struct dcase){"mail.example.co.uk", M, P, "example.co.uk",
	    "example.co.uk", "p", EMAUTH_DMARC_REJECT, 2};
	/* bank is a public suffix but its record is not an organization's:
	 * RFC 7489 never looks there. */
	c[n++] = (struct dcase){"www.first.bank", M, N, "", "first.bank", NULL,
	    EMAUTH_DMARC_UNSET, 2};
	check_discovery(c, n);
}

/* Alignment, as DMARC pass or fail for one identifier. */
struct acase {
	const char *from, *id;
	int strict;
	enum emauth_dmarc_mode mode;
	int aligned;
};

static void
test_alignment_table(void)
{
	const enum emauth_dmarc_mode W = EMAUTH_DMARC_RFC9989,
	                             L = EMAUTH_DMARC_RFC7489;
	static const struct acase c[] = {
	    /* exact */
	    {"relaxed.test", "relaxed.test", 0, W, 1},
	    {"strict.test", "strict.test", 1, W, 1},
	    {"strict.test", "STRICT.test.", 1, W, 1},
	    /* identifier is a subdomain of the author domain */
	    {"relaxed.test", "mail.relaxed.test", 0, W, 1},
	    {"strict.test", "mail.strict.test", 1, W, 0},
	    /* identifier is the parent of the author domain */
	    {"mail.relaxed.test", "relaxed.test", 0, W, 1},
	    {"mail.strict.test", "strict.test", 1, W, 0},
	    /* siblings under one organization */
	    {"mail.example.com", "news.example.com", 0, W, 1},
	    {"mail.example.com", "news.example.com", 1, W, 0},
	    /* another organization */
	    {"relaxed.test", "strict.test", 0, W, 0},
	    {"example.com", "example.net", 0, W, 0},
	    /* the public suffix as identifier: never aligned, except strict
	     * exact */
	    {"relaxed.test", "test", 0, W, 0},
	    {"example.co.uk", "co.uk", 0, L, 0},
	    {"mail.example.co.uk", "example.co.uk", 0, L, 1},
	    {"example.co.uk", "other.co.uk", 0, L, 0},
	    {"example.co.uk", "other.co.uk", 0, W, 0},
	    /* strict is exact-domain only, whatever the suffix data says */
	    {"mail.example.co.uk", "example.co.uk", 1, L, 0},
	    {"www.first.bank", "first.bank", 1, W, 0},
	    /* under a PSD: organizations below it are separate */
	    {"www.first.bank", "first.bank", 0, W, 1},
	    {"www.first.bank", "other.bank", 0, W, 0},
	    {"first.bank", "bank", 0, W, 0},
	};
	struct emauth_ctx *ctx = zone_ctx();
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int got = emauth_dmarc_aligned(
		    ctx, c[i].from, c[i].id, c[i].strict, c[i].mode);
		if (got != c[i].aligned)
			T_FAILF("From %s, identifier %s, %s, RFC %s: %d, want "
			        "%d",
			    c[i].from, c[i].id,
			    c[i].strict ? "strict" : "relaxed",
			    c[i].mode ? "7489" : "9989", got, c[i].aligned);
	}
	emauth_ctx_free(ctx);
}

static void
test_strict_published(void)
{
	/* strict.test publishes adkim=s; aspf=s: a subdomain identifier
	 * passes SPF and DKIM but aligns with neither. */
	struct emauth_ctx *ctx = zone_ctx();
	struct emauth_dmarc_dkim k = {"mail.strict.test", EMAUTH_RES_PASS};
	struct emauth_dmarc_query q = {"strict.test", "mail.strict.test",
	    EMAUTH_RES_PASS, &k, 1, EMAUTH_DMARC_RFC9989, 0};
	struct emauth_dmarc_result *r = malloc(sizeof(*r));
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->result, EMAUTH_RES_FAIL);
	T_TRUE(!r->spf_aligned && !r->dkim_aligned);
	T_EQ_INT(r->disposition, EMAUTH_DMARC_REJECT);
	T_TRUE(strstr(r->reason, "strict alignment") != NULL);
	/* The exact domain aligns. */
	k.domain = "strict.test";
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->result, EMAUTH_RES_PASS);
	T_TRUE(r->dkim_aligned);
	free(r);
	emauth_ctx_free(ctx);
}

static void
test_verdicts(void)
{
	struct emauth_ctx *ctx = zone_ctx();
	struct emauth_dmarc_result *r = malloc(sizeof(*r));
	struct emauth_dmarc_dkim k[2] = {{"platform.example", EMAUTH_RES_PASS},
	    {"example.com", EMAUTH_RES_FAIL}};

	/* Only the platform signs and the bounce address is the
	 * platform's: fail, p=reject. */
	struct emauth_dmarc_query q = {"example.com", "bounce.platform.example",
	    EMAUTH_RES_PASS, k, 2, EMAUTH_DMARC_RFC9989, 0};
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->result, EMAUTH_RES_FAIL);
	T_EQ_INT(r->disposition, EMAUTH_DMARC_REJECT);
	T_TRUE(strstr(r->reason, "bounce.platform.example") != NULL);
	T_TRUE(strstr(r->reason, "d=platform.example") != NULL);
	/* The customer's own signature passes: DMARC passes. */
	k[1].result = EMAUTH_RES_PASS;
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->result, EMAUTH_RES_PASS);
	T_EQ_STR(r->aligned_dkim_domain, "example.com");
	/* SPF alone, aligned through a subdomain bounce address. */
	q.ndkim = 0;
	q.spf_domain = "bounce.example.com";
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->result, EMAUTH_RES_PASS);
	T_TRUE(r->spf_aligned);
	/* SPF softfail does not count. */
	q.spf_result = EMAUTH_RES_SOFTFAIL;
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->result, EMAUTH_RES_FAIL);
	/* A non-existent subdomain gets np=reject, an existing one
	 * sp=quarantine. */
	q.from_domain = "ghost.example.com";
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->disposition, EMAUTH_DMARC_REJECT);
	T_EQ_STR(r->d.policy_tag, "np");
	q.from_domain = "mail.example.com";
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->disposition, EMAUTH_DMARC_QUARANTINE);
	/* t=y lowers quarantine to none. */
	q.from_domain = "split.test";
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->result, EMAUTH_RES_FAIL);
	T_EQ_INT(r->disposition, EMAUTH_DMARC_NONE);
	T_TRUE(strstr(r->reason, "t=y") != NULL);
	/* No DMARC: none. */
	q.from_domain = "nodmarc.test";
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->result, EMAUTH_RES_NONE);
	T_EQ_INT(r->disposition, EMAUTH_DMARC_UNSET);
	/* pct=20 in RFC 7489 mode: draws 0..19 get reject, the rest
	 * quarantine; in RFC 9989 mode pct is ignored. */
	q.from_domain = "pct.test";
	q.mode = EMAUTH_DMARC_RFC7489;
	q.pct_draw = 19;
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->disposition, EMAUTH_DMARC_REJECT);
	q.pct_draw = 20;
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->disposition, EMAUTH_DMARC_QUARANTINE);
	q.mode = EMAUTH_DMARC_RFC9989;
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->disposition, EMAUTH_DMARC_REJECT);
	/* Not a domain. */
	q.from_domain = "bad..example";
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), EMAUTH_EINVAL);
	free(r);
	emauth_ctx_free(ctx);
}

static void
test_temperror(void)
{
	struct emauth_ctx *ctx;
	struct ea_resolver res;
	struct ea_store *s;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&res, &s);
	ea_store_fail(s, ea_span_str("_dmarc.slow.example"), EA_DNS_T_TXT,
	    EA_STORE_TIMEOUT);
	ea_ctx_set_resolver(ctx, &res);
	struct emauth_dmarc_result *r = malloc(sizeof(*r));
	struct emauth_dmarc_query q = {"slow.example", "slow.example",
	    EMAUTH_RES_FAIL, NULL, 0, EMAUTH_DMARC_RFC9989, 0};
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
	T_EQ_INT(r->result, EMAUTH_RES_TEMPERROR);
	T_TRUE(strstr(r->reason, "_dmarc.slow.example") != NULL);
	free(r);
	emauth_ctx_free(ctx);
}

/* A discovery with more queries than EMAUTH_DMARC_STEPS_MAX lists says
 * so on its last line instead of ending silently. */
static void
test_steps_listed_or_said(void)
{
	struct emauth_ctx *ctx;
	struct ea_resolver res;
	struct ea_store *s;
	struct emauth_span rej = ea_span_str("v=DMARC1; p=reject");
	struct emauth_span psdn = ea_span_str("v=DMARC1; p=none; psd=n");
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&res, &s);
	ea_dns_fake_txt(s, "_dmarc.victim.example", &rej, 1);
	char names[5][64];
	struct emauth_dmarc_dkim dk[5];
	for (int i = 0; i < 5; i++) {
		char n[80];
		snprintf(n, sizeof(n), "_dmarc.r%d.victim.example", i);
		ea_dns_fake_txt(s, n, &psdn, 1);
		snprintf(names[i], sizeof(names[i]),
		    "p%d.q%d.r%d.victim.example", i, i, i);
		dk[i].domain = names[i];
		dk[i].result = EMAUTH_RES_PASS;
	}
	ea_ctx_set_resolver(ctx, &res);
	struct emauth_dmarc_result *r = malloc(sizeof(*r));
	for (size_t n = 2; n <= 5; n += 3) {
		struct emauth_dmarc_query q = {
		    "a1.a2.a3.a4.a5.a6.a7.a8.victim.example", NULL,
		    EMAUTH_RES_NONE, dk, n, EMAUTH_DMARC_RFC9989, 0};
		T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
		T_EQ_INT(r->result, EMAUTH_RES_FAIL);
		T_EQ_INT(r->disposition, EMAUTH_DMARC_REJECT);
		const struct emauth_dmarc_step *last =
		    &r->d.steps[r->d.nsteps - 1];
		if (n == 2) { /* 8 + 2 x 3 queries: all listed */
			T_EQ_INT(r->d.nsteps, 14);
			T_TRUE(strcmp(last->name, "...") != 0);
		} else { /* 8 + 5 x 3: the 16th line says there are more */
			T_EQ_INT(r->d.nsteps, EMAUTH_DMARC_STEPS_MAX);
			T_EQ_STR(last->name, "...");
			T_EQ_STR(last->status, "more queries not listed");
		}
	}
	free(r);
	emauth_ctx_free(ctx);
}

/* Every tag is read however many come first (a tag cap once dropped p=),
 * and a full list of notes says that it is full. */
static void
test_many_tags_and_notes(void)
{
	char rec[4200];
	size_t o = (size_t)snprintf(rec, sizeof(rec), "v=DMARC1");
	for (int i = 1; i <= 100; i++)
		o += (size_t)snprintf(rec + o, sizeof(rec) - o, "; x%d=1", i);
	snprintf(rec + o, sizeof(rec) - o, "; p=reject");
	struct emauth_dmarc_record r = parse(rec, 0);
	T_TRUE(r.valid && r.has_policy);
	T_EQ_INT(r.p, EMAUTH_DMARC_REJECT);
	/* 20 invalid values: 15 notes and one that says there are more. */
	o = (size_t)snprintf(rec, sizeof(rec), "v=DMARC1; p=none");
	for (int i = 0; i < 20; i++)
		o += (size_t)snprintf(rec + o, sizeof(rec) - o, "; adkim=q");
	r = parse(rec, 0);
	T_EQ_INT(r.nnotes, EMAUTH_DMARC_NOTES_MAX);
	T_EQ_INT(r.notes[EMAUTH_DMARC_NOTES_MAX - 1].kind, EMAUTH_DMARC_ERROR);
	T_TRUE(strstr(r.notes[EMAUTH_DMARC_NOTES_MAX - 1].text,
	           "more problems") != NULL);
	/* Exactly 16 notes: all of them, none replaced. */
	o = (size_t)snprintf(rec, sizeof(rec), "v=DMARC1; p=none");
	for (int i = 0; i < EMAUTH_DMARC_NOTES_MAX; i++)
		o += (size_t)snprintf(rec + o, sizeof(rec) - o, "; adkim=q");
	r = parse(rec, 0);
	T_EQ_INT(r.nnotes, EMAUTH_DMARC_NOTES_MAX);
	T_TRUE(strstr(r.notes[EMAUTH_DMARC_NOTES_MAX - 1].text,
	           "more problems") == NULL);
}

/*
 * A sender's own identifiers cannot turn the author domain's fail into
 * temperror (issue #15): DKIM signatures that pass for deep names of the
 * sender's domain, more of them than the walk's query budget covers, and
 * a SERVFAIL at the sender's _dmarc names. None can be aligned with
 * victim.example (its Organizational Domain is not a parent of theirs),
 * so none is looked up: fail, reject.
 */
static void
test_identifiers_cannot_force_temperror(void)
{
	struct emauth_ctx *ctx;
	struct ea_resolver res;
	struct ea_store *s;
	struct emauth_span rec = ea_span_str("v=DMARC1; p=reject");
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&res, &s);
	ea_dns_fake_txt(s, "_dmarc.victim.example", &rec, 1);
	ea_dns_fake_addr(s, "a.b.victim.example", "192.0.2.1");
	char names[12][64];
	struct emauth_dmarc_dkim dk[12];
	for (int i = 0; i < 12; i++) {
		snprintf(names[i], sizeof(names[i]),
		    "a.b.c.d.e.f.g%d.attacker.example", i);
		dk[i].domain = names[i];
		dk[i].result = EMAUTH_RES_PASS;
		char n[96];
		snprintf(n, sizeof(n), "_dmarc.%s", names[i]);
		ea_store_fail(
		    s, ea_span_str(n), EA_DNS_T_TXT, EA_STORE_SERVFAIL);
	}
	ea_store_fail(s, ea_span_str("_dmarc.attacker.example"), EA_DNS_T_TXT,
	    EA_STORE_SERVFAIL);
	ea_ctx_set_resolver(ctx, &res);
	struct emauth_dmarc_result *r = malloc(sizeof(*r));
	for (size_t n = 1; n <= 12; n++) {
		struct emauth_dmarc_query q = {"a.b.victim.example",
		    "attacker.example", EMAUTH_RES_PASS, dk, n,
		    EMAUTH_DMARC_RFC9989, 0};
		T_EQ_INT(emauth_dmarc_evaluate(ctx, &q, r), 0);
		T_EQ_INT(r->result, EMAUTH_RES_FAIL);
		T_EQ_INT(r->disposition, EMAUTH_DMARC_REJECT);
	}
	/* A subdomain of the author's Organizational Domain is still looked
	 * up, and its DNS failure is still a temperror. */
	ea_store_fail(s, ea_span_str("_dmarc.mail.victim.example"),
	    EA_DNS_T_TXT, EA_STORE_SERVFAIL);
	struct emauth_dmarc_dkim sub = {"mail.victim.example", EMAUTH_RES_PASS};
	struct emauth_dmarc_query q2 = {"a.b.victim.example", NULL,
	    EMAUTH_RES_NONE, &sub, 1, EMAUTH_DMARC_RFC9989, 0};
	T_EQ_INT(emauth_dmarc_evaluate(ctx, &q2, r), 0);
	T_EQ_INT(r->result, EMAUTH_RES_TEMPERROR);
	free(r);
	emauth_ctx_free(ctx);
}

/* A context over the fake DNS, its store in @s. */
static struct emauth_ctx *
fake_ctx(struct ea_store **s)
{
	struct emauth_ctx *ctx;
	struct ea_resolver res;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&res, s);
	ea_ctx_set_resolver(ctx, &res);
	return ctx;
}

/* Publishes @len bytes of @text at @name in 255-byte strings. */
static void
publish_long(struct ea_store *s, const char *name, const char *text, size_t len)
{
	static struct emauth_span parts[64];
	size_t n = 0;
	for (size_t o = 0; o < len; o += 255)
		parts[n++] = ea_span(text + o, len - o > 255 ? 255 : len - o);
	T_EQ_INT(ea_dns_fake_txt(s, name, parts, n), 0);
}

/* Ours, EA_DMARC_RECORD_MAX: a record of 4096 bytes is read and used; one
 * of 4097 is refused by the parser (ETOOBIG) and, found by discovery, is
 * a permerror at its name: the walk does not go on to a parent's policy
 * as if there were no record. */
static void
test_record_size_edges(void)
{
	static char rec[EA_DMARC_RECORD_MAX + 2];
	struct ea_store *s;
	struct emauth_ctx *ctx = fake_ctx(&s);
	struct emauth_span none = ea_span_str("v=DMARC1; p=none");
	ea_dns_fake_txt(s, "_dmarc.big.example", &none, 1);
	struct emauth_dmarc_discovery *d = malloc(sizeof(*d));
	for (size_t len = EA_DMARC_RECORD_MAX; len <= EA_DMARC_RECORD_MAX + 1;
	     len++) {
		/* "v=DMARC1; p=reject; x=aaa...a" of exactly @len. */
		int o = snprintf(rec, sizeof(rec), "v=DMARC1; p=reject; x=");
		memset(rec + o, 'a', len - (size_t)o);
		rec[len] = '\0';
		struct emauth_dmarc_record r;
		int rc = emauth_dmarc_record_parse(ea_span(rec, len), 0, &r);
		const char *sub = len == EA_DMARC_RECORD_MAX
		                      ? "fits.big.example"
		                      : "over.big.example";
		char name[64];
		snprintf(name, sizeof(name), "_dmarc.%s", sub);
		publish_long(s, name, rec, len);
		T_EQ_INT(
		    emauth_dmarc_discover(ctx, sub, EMAUTH_DMARC_RFC9989, d),
		    0);
		if (len == EA_DMARC_RECORD_MAX) {
			T_EQ_INT(rc, 0);
			T_TRUE(r.valid && r.p == EMAUTH_DMARC_REJECT);
			T_EQ_INT(d->result, EMAUTH_RES_PASS);
			T_EQ_STR(d->policy_domain, sub);
			T_EQ_INT(d->policy, EMAUTH_DMARC_REJECT);
		} else {
			T_EQ_INT(rc, EMAUTH_ETOOBIG);
			T_EQ_INT(d->result, EMAUTH_RES_PERMERROR);
			T_TRUE(strstr(d->problem, "longer than 4096") != NULL);
			T_EQ_STR(d->policy_domain, "");
		}
	}
	free(d);
	emauth_ctx_free(ctx);
}

/* Ours, EA_DMARC_URIS_MAX (8) and the rua/ruf fields (1024 bytes): eight
 * URIs are kept, a ninth is left out with a warning; a list that fits is
 * kept, a URI that would not fit is left out with a warning. Reporting
 * only: the policy is the same either way. */
static void
test_report_uri_edges(void)
{
	char rec[3000];
	for (int n = 8; n <= 9; n++) {
		int o = snprintf(rec, sizeof(rec), "v=DMARC1; p=reject; rua=");
		for (int i = 0; i < n; i++)
			o += snprintf(rec + o, sizeof(rec) - (size_t)o,
			    "%smailto:r%d@example.com", i ? "," : "", i);
		struct emauth_dmarc_record r = parse(rec, 0);
		T_EQ_INT(r.p, EMAUTH_DMARC_REJECT);
		T_TRUE(strstr(r.rua, "mailto:r7@example.com") != NULL);
		T_TRUE(strstr(r.rua, "mailto:r8@") == NULL);
		T_EQ_INT(
		    has_note(&r, EMAUTH_DMARC_WARNING, "rua", "more than 8"),
		    n == 9);
	}
	/* One URI of 1022 bytes (with the comma a second would need, 1024
	 * with the NUL), then 1023. */
	for (size_t len = 1022; len <= 1023; len++) {
		int o = snprintf(rec, sizeof(rec), "v=DMARC1; p=reject; ruf=");
		size_t u = (size_t)o;
		o += snprintf(rec + o, sizeof(rec) - (size_t)o, "mailto:");
		memset(rec + o, 'f', len - 7 - 12);
		snprintf(rec + u + len - 12, sizeof(rec) - u - len + 12,
		    "@example.com");
		struct emauth_dmarc_record r = parse(rec, 0);
		T_EQ_INT(r.p, EMAUTH_DMARC_REJECT);
		T_EQ_INT(strlen(r.ruf), len == 1022 ? len : 0);
		T_EQ_INT(has_note(&r, EMAUTH_DMARC_WARNING, "ruf", "too long"),
		    len == 1023);
	}
}

/* RFC 1035: _dmarc.<domain> of 253 characters is asked; of 254 it cannot
 * exist, is not asked, and the walk goes on to the parents, as it would
 * past an NXDOMAIN. A From domain over 253 is not a domain (EINVAL; the
 * verdict makes that a From problem, permerror). */
static void
test_dmarc_name_edges(void)
{
	struct ea_store *s;
	struct emauth_ctx *ctx = fake_ctx(&s);
	struct emauth_span rej = ea_span_str("v=DMARC1; p=reject");
	struct emauth_span none = ea_span_str("v=DMARC1; p=none");
	ea_dns_fake_txt(s, "_dmarc.walk.example", &rej, 1);
	struct emauth_dmarc_discovery *d = malloc(sizeof(*d));
	char dom[300], name[310];
	for (size_t last = 41; last <= 42; last++) {
		/* 63.63.63.<last>.walk.example: 246 or 247 characters. */
		memset(dom, 'w', 63 * 3 + 3 + last);
		dom[63] = dom[127] = dom[191] = '.';
		snprintf(dom + 192 + last, sizeof(dom) - 192 - last,
		    ".walk.example");
		snprintf(name, sizeof(name), "_dmarc.%s", dom);
		if (last == 41) {
			T_EQ_INT(strlen(name), 253);
			ea_dns_fake_txt(s, name, &none, 1);
		} else {
			T_EQ_INT(strlen(name), 254);
		}
		T_EQ_INT(
		    emauth_dmarc_discover(ctx, dom, EMAUTH_DMARC_RFC9989, d),
		    0);
		T_EQ_INT(d->result, EMAUTH_RES_PASS);
		if (last == 41) {
			T_EQ_STR(d->policy_domain, dom);
			T_EQ_INT(d->policy, EMAUTH_DMARC_NONE);
		} else {
			T_EQ_STR(d->steps[0].status, "name too long");
			T_EQ_STR(d->policy_domain, "walk.example");
			T_EQ_INT(d->policy, EMAUTH_DMARC_REJECT);
		}
	}
	memset(dom, 'w', 254);
	dom[63] = dom[127] = dom[191] = '.';
	dom[254] = '\0';
	T_EQ_INT(emauth_dmarc_discover(ctx, dom, EMAUTH_DMARC_RFC9989, d),
	    EMAUTH_EINVAL);
	dom[253] = '\0';
	T_EQ_INT(emauth_dmarc_discover(ctx, dom, EMAUTH_DMARC_RFC9989, d), 0);
	free(d);
	emauth_ctx_free(ctx);
}

/* The external destination's consent (RFC 9990): its name of 253
 * characters is asked, of 254 is EINVAL; a consent record of 4096 bytes
 * is read, one of 4097 is not (no consent: no reports sent there). */
static void
test_report_authorized_edges(void)
{
	struct ea_store *s;
	struct emauth_ctx *ctx = fake_ctx(&s);
	static char rec[4100];
	memcpy(rec, "v=DMARC1; x=", 12);
	memset(rec + 12, 'r', sizeof(rec) - 12);
	publish_long(s, "a.example._report._dmarc.fits.example", rec, 4096);
	publish_long(s, "a.example._report._dmarc.over.example", rec, 4097);
	T_EQ_INT(
	    emauth_dmarc_report_authorized(ctx, "a.example", "fits.example"),
	    1);
	T_EQ_INT(
	    emauth_dmarc_report_authorized(ctx, "a.example", "over.example"),
	    0);
	/* "._report._dmarc.r.example" is 25 characters. */
	char dom[300];
	for (size_t len = 253 - 25; len <= 254 - 25; len++) {
		memset(dom, 'q', len);
		dom[63] = dom[127] = dom[191] = '.';
		dom[len] = '\0';
		char name[340];
		snprintf(
		    name, sizeof(name), "%s._report._dmarc.r.example", dom);
		T_EQ_INT(strlen(name), len + 25);
		if (len + 25 == 253) {
			struct emauth_span ok = ea_span_str("v=DMARC1");
			ea_dns_fake_txt(s, name, &ok, 1);
		}
		T_EQ_INT(emauth_dmarc_report_authorized(ctx, dom, "r.example"),
		    len + 25 == 253 ? 1 : EMAUTH_EINVAL);
	}
	emauth_ctx_free(ctx);
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/data/zones";
	snprintf(zone_spec, sizeof(zone_spec),
	    "zone:%s/dmarc/example.com.zone,%s/dmarc/bank.zone,"
	    "%s/dmarc/test.zone,%s/dmarc/co.uk.zone",
	    dir, dir, dir, dir);
	emauth_global_init();
	T_RUN(test_version_tag);
	T_RUN(test_policy_tags);
	T_RUN(test_default_cascade);
	T_RUN(test_flag_tags);
	T_RUN(test_report_uris);
	T_RUN(test_obsolete_and_unknown_tags);
	T_RUN(test_tree_walk);
	T_RUN(test_walk_query_names);
	T_RUN(test_psl_discovery);
	T_RUN(test_alignment_table);
	T_RUN(test_strict_published);
	T_RUN(test_verdicts);
	T_RUN(test_temperror);
	T_RUN(test_identifiers_cannot_force_temperror);
	T_RUN(test_many_tags_and_notes);
	T_RUN(test_steps_listed_or_said);
	T_RUN(test_record_size_edges);
	T_RUN(test_report_uri_edges);
	T_RUN(test_dmarc_name_edges);
	T_RUN(test_report_authorized_edges);
	return t_summary();
}
