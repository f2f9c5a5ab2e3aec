/*
 * test_verdict.c: the receiver's whole verdict (src/verdict/) on From
 * fields with several addresses. The property: DMARC on a message with N
 * From addresses equals the strictest of evaluating each domain alone,
 * for N from 1 to the cap (EA_VERDICT_FROM_ADDRS_MAX), and past the cap it
 * is permerror (a From problem, disposition reject), never a verdict on a
 * subset. Domains of every kind (aligned pass, fail with each policy, t=y,
 * no record, SERVFAIL, a record over the size cap) are drawn at random
 * from a fixed seed, printed so that a failure can be reproduced.
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

#include <emauth/dkim.h>
#include <emauth/verdict.h>

enum kind {
	K_ALIGNED, /* a subdomain of the MAIL FROM domain: pass */
	K_NONE,    /* p=none: fail, none */
	K_QUARANTINE /* p=quarantine */,
	K_REJECT,   /* p=reject */
	K_TESTING,  /* p=quarantine t=y: fail, none */
	K_NORECORD, /* no DMARC record anywhere: none */
	K_SERVFAIL, /* the DMARC query fails: temperror */
	K_OVERSIZE, /* a DMARC record over the cap: permerror */
	K_KINDS
};

#define NDOMAINS 24

static char names[NDOMAINS][48];

static void
txt(struct ea_store *s, const char *name, const char *text)
{
	struct emauth_span parts[32];
	size_t n = 0, len = strlen(text);
	for (size_t o = 0; o < len && n < 32; o += 255)
		parts[n++] = ea_span(text + o, len - o > 255 ? 255 : len - o);
	T_EQ_INT(ea_dns_fake_txt(s, name, parts, n), 0);
}

/* A context whose DNS holds the sender and NDOMAINS domains of random
 * kinds (their names in names[]). */
static struct emauth_ctx *
make_ctx(unsigned *seed)
{
	struct emauth_ctx *ctx;
	struct ea_resolver r;
	struct ea_store *s;
	char name[128], big[4300];
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, &s);
	ea_dns_fake_addr(s, "sender.example", "192.0.2.66");
	txt(s, "sender.example", "v=spf1 ip4:192.0.2.66 -all");
	txt(s, "_dmarc.sender.example", "v=DMARC1; p=reject");
	snprintf(big, sizeof(big), "v=DMARC1; p=none; x=%4200d", 0);
	for (int i = 0; i < NDOMAINS; i++) {
		enum kind k =
		    (enum kind)(i < K_KINDS ? i : rand_r(seed) % K_KINDS);
		if (k == K_ALIGNED)
			snprintf(names[i], sizeof(names[i]),
			    "a%d.sender.example", i);
		else
			snprintf(names[i], sizeof(names[i]), "d%d.example", i);
		ea_dns_fake_addr(s, names[i], "192.0.2.77");
		snprintf(name, sizeof(name), "_dmarc.%s", names[i]);
		switch (k) {
		case K_NONE:
			txt(s, name, "v=DMARC1; p=none");
			break;
		case K_QUARANTINE:
			txt(s, name, "v=DMARC1; p=quarantine");
			break;
		case K_REJECT:
			txt(s, name, "v=DMARC1; p=reject");
			break;
		case K_TESTING:
			txt(s, name, "v=DMARC1; p=quarantine; t=y");
			break;
		case K_SERVFAIL:
			ea_store_fail(s, ea_span_str(name), EA_DNS_T_TXT,
			    EA_STORE_SERVFAIL);
			break;
		case K_OVERSIZE:
			txt(s, name, big);
			break;
		default:
			break;
		}
	}
	ea_ctx_set_resolver(ctx, &r);
	return ctx;
}

/* The verdict on a message from @from (one From field). */
static void
evaluate(struct emauth_ctx *ctx, const char *from, struct emauth_verdict *out)
{
	struct emauth_dkim_verifier *v;
	T_EQ_INT(emauth_dkim_verifier_new(ctx, NULL, &v), 0);
	T_EQ_INT(emauth_dkim_verifier_eoh(v), 0);
	T_EQ_INT(emauth_dkim_verifier_finish(v), 0);
	const char *froms[1] = {from};
	struct emauth_verdict_query q = {"192.0.2.66", "x@sender.example",
	    "mail.sender.example", EMAUTH_DMARC_RFC9989, froms, 1, v, NULL};
	T_EQ_INT(emauth_verdict_evaluate(ctx, &q, out), 0);
	emauth_dkim_verifier_free(v);
}

/* The test's own order of strictness (docs/internals/dmarc.md). */
static int
rank(const struct emauth_verdict *v)
{
	enum emauth_result r = emauth_verdict_dmarc(v);
	enum emauth_dmarc_policy d = v->have_dmarc ? v->dmarc.disposition : 0;
	if (r == EMAUTH_RES_FAIL)
		return d == EMAUTH_DMARC_REJECT       ? 6
		       : d == EMAUTH_DMARC_QUARANTINE ? 5
		                                      : 3;
	return r == EMAUTH_RES_TEMPERROR   ? 4
	       : r == EMAUTH_RES_PERMERROR ? 2
	       : r == EMAUTH_RES_NONE      ? 1
	                                   : 0;
}

static void
test_from_addresses_property(void)
{
	unsigned seed = 15;
	printf("# seed %u\n", seed);
	struct emauth_ctx *ctx = make_ctx(&seed);
	struct emauth_verdict *alone = calloc(NDOMAINS, sizeof(*alone));
	struct emauth_verdict *v = calloc(1, sizeof(*v));
	char addr[128];
	for (int i = 0; i < NDOMAINS; i++) {
		snprintf(addr, sizeof(addr), "u@%.47s", names[i]);
		evaluate(ctx, addr, &alone[i]);
		T_TRUE(alone[i].from_problem == NULL);
	}
	/* Each kind gives what it should alone. */
	static const enum emauth_result want[K_KINDS] = {EMAUTH_RES_PASS,
	    EMAUTH_RES_FAIL, EMAUTH_RES_FAIL, EMAUTH_RES_FAIL, EMAUTH_RES_FAIL,
	    EMAUTH_RES_NONE, EMAUTH_RES_TEMPERROR, EMAUTH_RES_PERMERROR};
	for (int k = 0; k < K_KINDS; k++)
		T_EQ_INT(emauth_verdict_dmarc(&alone[k]), want[k]);
	T_EQ_INT(alone[K_REJECT].dmarc.disposition, EMAUTH_DMARC_REJECT);
	T_EQ_INT(
	    alone[K_QUARANTINE].dmarc.disposition, EMAUTH_DMARC_QUARANTINE);
	T_EQ_INT(alone[K_TESTING].dmarc.disposition, EMAUTH_DMARC_NONE);

	size_t bad = 0;
	for (int trial = 0; trial < 3000 && bad < 10; trial++) {
		int n = 1 + rand_r(&seed) % (EA_VERDICT_FROM_ADDRS_MAX + 4);
		char from[4096] = "";
		int pick[EA_VERDICT_FROM_ADDRS_MAX + 4];
		size_t o = 0;
		for (int i = 0; i < n; i++) {
			pick[i] = rand_r(&seed) % NDOMAINS;
			o += (size_t)snprintf(from + o, sizeof(from) - o,
			    "%s\"U %d\" <u%d@%s>", i ? ", " : "", i, i,
			    names[pick[i]]);
		}
		evaluate(ctx, from, v);
		if (n > EA_VERDICT_FROM_ADDRS_MAX) {
			if (v->from_problem == NULL ||
			    emauth_verdict_dmarc(v) != EMAUTH_RES_PERMERROR) {
				T_FAILF("%d addresses: %s, expected permerror "
				        "(%s)",
				    n,
				    emauth_result_name(emauth_verdict_dmarc(v)),
				    from);
				bad++;
			}
			continue;
		}
		int best = 0;
		for (int i = 1; i < n; i++)
			if (rank(&alone[pick[i]]) > rank(&alone[pick[best]]))
				best = i;
		const struct emauth_verdict *w = &alone[pick[best]];
		if (v->from_problem != NULL ||
		    emauth_verdict_dmarc(v) != emauth_verdict_dmarc(w) ||
		    rank(v) != rank(w) ||
		    strcmp(v->from_domain, names[pick[best]]) != 0) {
			T_FAILF("%d addresses: %s for %s, expected %s for %s "
			        "(%s)",
			    n, emauth_result_name(emauth_verdict_dmarc(v)),
			    v->from_domain,
			    emauth_result_name(emauth_verdict_dmarc(w)),
			    names[pick[best]], from);
			bad++;
		}
	}
	free(alone);
	free(v);
	emauth_ctx_free(ctx);
}

/* A From field over the parser's 16 KiB: a From problem, not a subset. */
static void
test_from_field_over_cap(void)
{
	unsigned seed = 1;
	struct emauth_ctx *ctx = make_ctx(&seed);
	struct emauth_verdict *v = calloc(1, sizeof(*v));
	char *from = malloc(EA_FROM_MAX + 2);
	memset(from, ' ', EA_FROM_MAX + 1);
	memcpy(from, "u@d3.example", 12);
	from[EA_FROM_MAX + 1] = '\0';
	evaluate(ctx, from, v);
	T_TRUE(v->from_problem != NULL);
	T_EQ_INT(emauth_verdict_dmarc(v), EMAUTH_RES_PERMERROR);
	from[EA_FROM_MAX] = '\0'; /* at the cap: read */
	evaluate(ctx, from, v);
	T_TRUE(v->from_problem == NULL);
	T_EQ_STR(v->from_domain, "d3.example");
	free(from);
	free(v);
	emauth_ctx_free(ctx);
}

/* A header block that could not be read: a From problem. */
static void
test_malformed_header(void)
{
	unsigned seed = 1;
	struct emauth_ctx *ctx = make_ctx(&seed);
	struct emauth_verdict *v = calloc(1, sizeof(*v));
	struct emauth_dkim_verifier *dk;
	emauth_dkim_verifier_new(ctx, NULL, &dk);
	const char *froms[1] = {"u@a0.sender.example"};
	struct emauth_verdict_query q = {"192.0.2.66", "x@sender.example",
	    "mail.sender.example", EMAUTH_DMARC_RFC9989, froms, 1, dk,
	    "message line 2: header line without a colon"};
	T_EQ_INT(emauth_verdict_evaluate(ctx, &q, v), 0);
	T_EQ_INT(emauth_verdict_dmarc(v), EMAUTH_RES_PERMERROR);
	T_TRUE(v->header_malformed);
	T_TRUE(strstr(v->from_detail, "without a colon") != NULL);
	emauth_dkim_verifier_free(dk);
	free(v);
	emauth_ctx_free(ctx);
}

/*
 * A message whose whole DNS deadline is spent before DMARC (by a sender's
 * slow DKIM keys, PTR or SPF: its own DNS) still gets the From domain's
 * policy: the DMARC stage has a reserve (EA_VERDICT_DMARC_RESERVE_QUERIES).
 */
static void
test_dmarc_reserve(void)
{
	unsigned seed = 1;
	struct emauth_ctx *ctx = make_ctx(&seed);
	struct emauth_verdict *v = calloc(1, sizeof(*v));
	struct emauth_dkim_verifier *dk;
	emauth_dkim_verifier_new(ctx, NULL, &dk);
	emauth_dkim_verifier_eoh(dk);
	emauth_dkim_verifier_finish(dk);
	const char *froms[1] = {"u@d3.example"}; /* K_REJECT */
	struct emauth_verdict_query q = {"192.0.2.66", "x@sender.example",
	    "mail.sender.example", EMAUTH_DMARC_RFC9989, froms, 1, dk, NULL};
	/* The deadline is already past when the verdict starts. */
	ea_ctx_resolver(ctx);
	ctx->deadline_ms = ctx->res.deadline_ms = ea_dns_now_ms() - 1;
	T_EQ_INT(emauth_verdict_evaluate(ctx, &q, v), 0);
	T_EQ_INT(v->spf.result, EMAUTH_RES_TEMPERROR); /* no reserve */
	T_EQ_INT(emauth_verdict_dmarc(v), EMAUTH_RES_FAIL);
	T_EQ_INT(v->dmarc.disposition, EMAUTH_DMARC_REJECT);
	emauth_dkim_verifier_free(dk);
	free(v);
	emauth_ctx_free(ctx);
}

/* On a DMARC fail, only identifiers that could have aligned make DNS
 * trouble (TempFailOnDNSError). */
static void
test_dns_trouble(void)
{
	struct emauth_verdict *v = calloc(1, sizeof(*v));
	v->have_dmarc = 1;
	v->dmarc.result = EMAUTH_RES_FAIL;
	v->dmarc.disposition = EMAUTH_DMARC_REJECT;
	snprintf(v->dmarc.d.org_domain, sizeof(v->dmarc.d.org_domain),
	    "victim.example");
	v->ndkim = 1;
	v->dkim[0].result = EMAUTH_RES_TEMPERROR;
	snprintf(
	    v->dkim[0].domain, sizeof(v->dkim[0].domain), "attacker.example");
	T_EQ_INT(emauth_verdict_dns_trouble(v), 0);
	snprintf(v->dkim[0].domain, sizeof(v->dkim[0].domain),
	    "notvictim.example"); /* a suffix, not a parent */
	T_EQ_INT(emauth_verdict_dns_trouble(v), 0);
	snprintf(v->dkim[0].domain, sizeof(v->dkim[0].domain),
	    "mail.victim.example");
	T_EQ_INT(emauth_verdict_dns_trouble(v), 1);
	v->dkim[0].result = EMAUTH_RES_PASS;
	v->have_spf = 1;
	v->spf.result = EMAUTH_RES_TEMPERROR;
	snprintf(v->spf.domain, sizeof(v->spf.domain), "bounce.evil.example");
	T_EQ_INT(emauth_verdict_dns_trouble(v), 0);
	snprintf(v->spf.domain, sizeof(v->spf.domain), "VICTIM.example");
	T_EQ_INT(emauth_verdict_dns_trouble(v), 1);
	v->dmarc.result = EMAUTH_RES_TEMPERROR;
	T_EQ_INT(emauth_verdict_dns_trouble(v), 1);
	free(v);
}

/* A MAIL FROM domain of 252 characters (a valid name) passes SPF and
 * aligns whole: it was once cut to 250 for display and then compared. */
static void
test_long_spf_domain(void)
{
	char dom[260], rec[300];
	memset(dom, 'a', 63);
	dom[63] = '.';
	memset(dom + 64, 'b', 63);
	dom[127] = '.';
	memset(dom + 128, 'c', 63);
	dom[191] = '.';
	memset(dom + 192, 'd', 52);
	snprintf(dom + 244, sizeof(dom) - 244, ".example");
	T_EQ_INT(strlen(dom), 252);
	struct emauth_ctx *ctx;
	struct ea_resolver r;
	struct ea_store *s;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, &s);
	txt(s, dom, "v=spf1 ip4:192.0.2.66 -all");
	snprintf(rec, sizeof(rec), "_dmarc.%s", dom + 192);
	txt(s, rec, "v=DMARC1; p=reject");
	ea_ctx_set_resolver(ctx, &r);
	char from[300], mfrom[300];
	snprintf(from, sizeof(from), "u@%s", dom);
	snprintf(mfrom, sizeof(mfrom), "x@%s", dom);
	struct emauth_dkim_verifier *dk;
	emauth_dkim_verifier_new(ctx, NULL, &dk);
	emauth_dkim_verifier_eoh(dk);
	emauth_dkim_verifier_finish(dk);
	const char *froms[1] = {from};
	struct emauth_verdict *v = calloc(1, sizeof(*v));
	struct emauth_verdict_query q = {"192.0.2.66", mfrom, "mail.example",
	    EMAUTH_DMARC_RFC9989, froms, 1, dk, NULL};
	T_EQ_INT(emauth_verdict_evaluate(ctx, &q, v), 0);
	T_EQ_INT(v->spf.result, EMAUTH_RES_PASS);
	T_EQ_STR(v->spf.domain, dom);
	T_EQ_INT(emauth_verdict_dmarc(v), EMAUTH_RES_PASS);
	emauth_dkim_verifier_free(dk);
	free(v);
	emauth_ctx_free(ctx);
}

/*
 * EMAUTH_VERDICT_DKIM_MAX (16): a caller that checks more signatures than
 * the verdict keeps loses the results past the 16th toward fail, never
 * toward pass, and dkim_total stays true. The one aligned, passing
 * signature is last, after N - 1 signatures of a domain without keys; SPF
 * fails. With 16 signatures DMARC passes, with 17 it fails.
 */
static void
test_dkim_results_cap(void)
{
	struct emauth_dkim_key *key;
	T_EQ_INT(
	    emauth_dkim_key_generate(EMAUTH_DKIM_ED25519_SHA256, 0, &key), 0);
	char rec[256];
	T_TRUE(emauth_dkim_key_record(key, 0, rec, sizeof(rec)) > 0);
	static const char from[] = "From: ceo@sender.example";
	static const char subj[] = "Subject: many signatures";
	static const char body[] = "Hello.\r\n";
	for (int n = EMAUTH_VERDICT_DKIM_MAX; n <= EMAUTH_VERDICT_DKIM_MAX + 1;
	     n++) {
		struct emauth_ctx *ctx;
		struct ea_resolver r;
		struct ea_store *s;
		emauth_ctx_new(&ctx);
		ea_dns_fake_new(&r, &s);
		txt(s, "sender.example", "v=spf1 -all");
		txt(s, "_dmarc.sender.example", "v=DMARC1; p=reject");
		txt(s, "k._domainkey.sender.example", rec);
		ea_ctx_set_resolver(ctx, &r);
		struct emauth_dkim_sign_spec sp;
		emauth_dkim_sign_spec_init(&sp);
		sp.domain = "sender.example";
		sp.selector = "k";
		sp.key = key;
		sp.headers = "from:subject";
		struct emauth_dkim_signer *sg;
		T_EQ_INT(emauth_dkim_signer_new(ctx, &sp, 1, &sg, NULL), 0);
		emauth_dkim_signer_header(sg, ea_span_str(from));
		emauth_dkim_signer_header(sg, ea_span_str(subj));
		emauth_dkim_signer_eoh(sg);
		emauth_dkim_signer_body(sg, ea_span_str(body));
		T_EQ_INT(emauth_dkim_signer_finish(sg, NULL), 0);
		struct emauth_dkim_verify_opts opts = {0};
		opts.max_signatures = 20;
		struct emauth_dkim_verifier *dk;
		T_EQ_INT(emauth_dkim_verifier_new(ctx, &opts, &dk), 0);
		for (int i = 0; i < n - 1; i++) {
			char f[300];
			snprintf(f, sizeof(f),
			    "DKIM-Signature: v=1; a=ed25519-sha256; "
			    "d=nokeys.example; s=s%d; h=from; "
			    "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; "
			    "b=AAAA",
			    i);
			emauth_dkim_verifier_header(dk, ea_span_str(f));
		}
		emauth_dkim_verifier_header(
		    dk, ea_span_str(emauth_dkim_signer_field(sg, 0)));
		emauth_dkim_verifier_header(dk, ea_span_str(from));
		emauth_dkim_verifier_header(dk, ea_span_str(subj));
		T_EQ_INT(emauth_dkim_verifier_eoh(dk), 0);
		emauth_dkim_verifier_body(dk, ea_span_str(body));
		T_EQ_INT(emauth_dkim_verifier_finish(dk), 0);
		struct emauth_dkim_result last;
		T_EQ_INT(
		    emauth_dkim_verifier_result(dk, (size_t)n - 1, &last), 0);
		T_EQ_INT(last.result, EMAUTH_RES_PASS);
		const char *froms[1] = {"ceo@sender.example"};
		struct emauth_verdict *v = calloc(1, sizeof(*v));
		struct emauth_verdict_query q = {"192.0.2.99",
		    "x@sender.example", "mail.sender.example",
		    EMAUTH_DMARC_RFC9989, froms, 1, dk, NULL};
		T_EQ_INT(emauth_verdict_evaluate(ctx, &q, v), 0);
		T_EQ_INT(v->spf.result, EMAUTH_RES_FAIL);
		T_EQ_INT(v->dkim_total, (size_t)n);
		T_EQ_INT(v->ndkim, EMAUTH_VERDICT_DKIM_MAX);
		T_EQ_INT(emauth_verdict_dmarc(v), n <= EMAUTH_VERDICT_DKIM_MAX
		                                      ? EMAUTH_RES_PASS
		                                      : EMAUTH_RES_FAIL);
		free(v);
		emauth_dkim_verifier_free(dk);
		emauth_dkim_signer_free(sg);
		emauth_ctx_free(ctx);
	}
	emauth_dkim_key_free(key);
}

int
main(void)
{
	T_RUN(test_from_addresses_property);
	T_RUN(test_from_field_over_cap);
	T_RUN(test_malformed_header);
	T_RUN(test_dmarc_reserve);
	T_RUN(test_dns_trouble);
	T_RUN(test_long_spf_domain);
	T_RUN(test_dkim_results_cap);
	return t_summary();
}
