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
	T_EQ_STR(r.rua, "mailto:a@example.com,mailto:b@example.net");
	T_EQ_STR(r.ruf, "mailto:f@example.com");
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
	return t_summary();
}
