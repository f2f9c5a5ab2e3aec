/*
 * dkim_suites.c: the DKIM conformance suites of tests/data/suites, each
 * signature or message a named test:
 *   rfc8463 DIR    RFC 8463 Appendix A: both signatures pass, with the keys
 *                  from dns.txt and again from keys.zone (the RSA record
 *                  split into four strings) through the zone back end;
 *   stalwart DIR   six messages, eight signatures, all pass at the fixed
 *                  time 1667843664;
 *   dkimpy DIR     the four verification vectors (Gmail, Exim Ed25519,
 *                  RFC 6376 simple/simple Ed25519 and RSA);
 *   maildkim DIR   the Mail::DKIM corpus: where expected.tsv lists no
 *                  RFC 6376/8301 concern, Mail::DKIM's result (pass, fail,
 *                  invalid = permerror/temperror); otherwise the strict
 *                  outcome: no DKIM signature for DomainKeys-only messages,
 *                  and never pass for the rest.
 * usage: dkim_suites SUITE DIR
 */
#include "common/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/ctx.h"
#include "common/span.h"
#include "common/buf.h"
#include "common/crypto.h"
#include "dkim/hash.h"
#include "dkim/key.h"
#include "dkim/sig.h"
#include "dns/fake.h"
#include "harness/t.h"

#include <emauth/dkim.h>
#include <emauth/msg.h>

static int64_t fixed_now;
static void dkimpy_round_trips(const char *dir);

static int64_t
clock_fn(void *arg)
{
	(void)arg;
	return fixed_now;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		fclose(f);
		return NULL;
	}
	p[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return p;
}

/* Adds "<name> <value>" as a TXT record split into 255-byte strings;
 * Mail::DKIM's special values script failures. */
static void
add_dns_line(struct ea_store *s, const char *line, size_t len)
{
	size_t sp = 0;
	while (sp < len && line[sp] != ' ' && line[sp] != '\t')
		sp++;
	char name[300];
	snprintf(name, sizeof(name), "%.*s", (int)sp, line);
	size_t v = sp;
	while (v < len && (line[v] == ' ' || line[v] == '\t'))
		v++;
	struct emauth_span val = ea_span(line + v, len - v);
	while (val.len &&
	       (val.p[val.len - 1] == '\r' || val.p[val.len - 1] == ' '))
		val.len--;
	if (ea_span_ieq_str(val, "NXDOMAIN"))
		return;
	if (ea_span_ieq_str(val, "~~Query timed out~~")) {
		ea_store_fail(s, ea_span_str(name), 0, EA_STORE_TIMEOUT);
		return;
	}
	if (ea_span_ieq_str(val, "~~SERVFAIL~~")) {
		ea_store_fail(s, ea_span_str(name), 0, EA_STORE_SERVFAIL);
		return;
	}
	struct emauth_span parts[64];
	size_t n = 0;
	for (size_t o = 0; o < val.len && n < 64; o += 255)
		parts[n++] =
		    ea_span(val.p + o, val.len - o > 255 ? 255 : val.len - o);
	ea_dns_fake_txt(s, name, parts, n);
}

static void
load_dns_text(struct ea_store *s, const char *text, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && text[j] != '\n')
			j++;
		if (j > i && text[i] != '#' && text[i] != ';')
			add_dns_line(s, text + i, j - i);
		i = j + 1;
	}
}

struct run {
	struct emauth_dkim_verifier *v;
};

static int
on_header(void *arg, struct emauth_span f)
{
	return emauth_dkim_verifier_header(((struct run *)arg)->v, f);
}

static int
on_eoh(void *arg)
{
	return emauth_dkim_verifier_eoh(((struct run *)arg)->v);
}

static int
on_body(void *arg, struct emauth_span c)
{
	return emauth_dkim_verifier_body(((struct run *)arg)->v, c);
}

/* Verifies @msg with the context's resolver; the caller frees *v. */
static int
verify(struct emauth_ctx *ctx, const char *msg, size_t len,
    struct emauth_dkim_verifier **v)
{
	static const struct emauth_msg_handler h = {on_header, on_eoh, on_body};
	struct emauth_msg_reader *r;
	struct run run;
	int rc = emauth_dkim_verifier_new(ctx, NULL, v);
	if (rc)
		return rc;
	run.v = *v;
	emauth_msg_reader_new(&h, &run, 0, &r);
	rc = emauth_msg_reader_feed(r, ea_span(msg, len), NULL);
	if (rc == 0)
		rc = emauth_msg_reader_finish(r, NULL);
	emauth_msg_reader_free(r);
	if (rc == 0)
		rc = emauth_dkim_verifier_finish(*v);
	return rc;
}

static struct emauth_ctx *
fake_ctx(struct ea_store **store)
{
	struct emauth_ctx *ctx;
	struct ea_resolver r;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, store);
	ea_ctx_set_resolver(ctx, &r);
	if (fixed_now)
		emauth_ctx_set_clock(ctx, clock_fn, NULL);
	return ctx;
}

/* Runs one message; each signature must get @want. */
static void
expect_all(const char *label, struct emauth_ctx *ctx, const char *msg,
    size_t len, size_t nsig, enum emauth_result want)
{
	struct emauth_dkim_verifier *v = NULL;
	t_begin(label);
	int rc = verify(ctx, msg, len, &v);
	if (rc != 0)
		T_FAILF("status %s", emauth_strerror(rc));
	else {
		T_EQ_INT(emauth_dkim_verifier_count(v), nsig);
		for (size_t i = 0; i < emauth_dkim_verifier_count(v); i++) {
			struct emauth_dkim_result r;
			emauth_dkim_verifier_result(v, i, &r);
			if (r.result != want)
				T_FAILF("signature %zu (d=%s s=%s): %s (%s), "
				        "expected %s",
				    i + 1, r.domain, r.selector,
				    emauth_result_name(r.result), r.detail,
				    emauth_result_name(want));
		}
	}
	t_end(label);
	emauth_dkim_verifier_free(v);
}

struct collect {
	struct ea_hdrs h;
	struct ea_bodies b;
};

static int
c_header(void *arg, struct emauth_span f)
{
	return ea_hdrs_add(&((struct collect *)arg)->h, f);
}

static int
c_eoh(void *arg)
{
	(void)arg;
	return 0;
}

static int
c_body(void *arg, struct emauth_span c)
{
	ea_bodies_feed(&((struct collect *)arg)->b, c.p, c.len);
	return 0;
}

/* Re-signs unsigned.eml with the header text of signature @which of
 * signed.eml: the body hash and b= must come out byte for byte. */
static void
reproduce(const char *dir, const char *signed_msg, size_t slen, int which,
    const char *keyfile)
{
	char path[1024], label[96];
	size_t ulen, klen;
	snprintf(label, sizeof(label), "dkim-rfc8463/sign-reproduces-b-%s",
	    which == 0 ? "ed25519" : "rsa");
	t_begin(label);
	snprintf(path, sizeof(path), "%s/unsigned.eml", dir);
	char *unsigned_msg = slurp(path, &ulen);
	snprintf(path, sizeof(path), "%s/%s", dir, keyfile);
	char *pem = slurp(path, &klen);
	struct collect sc, uc;
	ea_hdrs_init(&sc.h, 1 << 20, 1000);
	ea_hdrs_init(&uc.h, 1 << 20, 1000);
	memset(&sc.b, 0, sizeof(sc.b));
	memset(&uc.b, 0, sizeof(uc.b));
	static const struct emauth_msg_handler h = {c_header, c_eoh, c_body};
	struct emauth_msg_reader *r;
	emauth_msg_reader_new(&h, &sc, 0, &r);
	emauth_msg_reader_feed(r, ea_span(signed_msg, slen), NULL);
	emauth_msg_reader_finish(r, NULL);
	emauth_msg_reader_free(r);
	/* The signature field, in header order. */
	struct emauth_span field = {NULL, 0};
	int seen = 0;
	for (size_t i = 0; i < sc.h.n; i++)
		if (ea_hdrs_is(&sc.h, i, ea_span_str("dkim-signature")) &&
		    seen++ == which)
			field = ea_hdrs_get(&sc.h, i);
	struct ea_dkim_sig sig;
	enum emauth_dkim_reason why;
	EVP_PKEY *key = NULL;
	enum ea_key_type kt;
	if (!unsigned_msg || !pem || field.len == 0 ||
	    ea_dkim_sig_parse(field, &sig, &why, NULL) != 0 ||
	    ea_dkim_privkey_load(ea_span(pem, klen), &key, &kt, NULL) != 0) {
		T_FAILF("cannot set up the reproduction");
	} else {
		int bi = ea_bodies_get(&uc.b, sig.bc, sig.has_l, sig.l);
		emauth_msg_reader_new(&h, &uc, 0, &r);
		emauth_msg_reader_feed(r, ea_span(unsigned_msg, ulen), NULL);
		emauth_msg_reader_finish(r, NULL);
		emauth_msg_reader_free(r);
		ea_bodies_finish(&uc.b);
		T_EQ_MEM(uc.b.b[bi].digest, 32, sig.bh, sig.bhlen);
		struct ea_buf self, data;
		ea_buf_init(&self, 1 << 16);
		ea_buf_init(&data, 1 << 20);
		ea_buf_add(&self, field.p, sig.b_start);
		ea_buf_add(&self, field.p + sig.b_end, field.len - sig.b_end);
		ea_dkim_header_data(&uc.h, sig.h, sig.nh, sig.hc,
		    ea_span(self.p, self.len), &data);
		uint8_t out[EA_DKIM_B_MAX];
		int n =
		    ea_dkim_sign(key, NULL, sig.alg, &data, out, sizeof(out));
		T_EQ_MEM(out, n > 0 ? (size_t)n : 0, sig.b, sig.blen);
		ea_buf_release(&self);
		ea_buf_release(&data);
	}
	t_end(label);
	EVP_PKEY_free(key);
	ea_hdrs_release(&sc.h);
	ea_hdrs_release(&uc.h);
	ea_bodies_release(&sc.b);
	ea_bodies_release(&uc.b);
	free(unsigned_msg);
	free(pem);
}

static void
suite_rfc8463(const char *dir)
{
	char path[1024];
	size_t dlen, mlen;
	snprintf(path, sizeof(path), "%s/dns.txt", dir);
	char *dns = slurp(path, &dlen);
	snprintf(path, sizeof(path), "%s/signed.eml", dir);
	char *msg = slurp(path, &mlen);
	if (!dns || !msg) {
		t_begin("dkim-rfc8463/files");
		T_FAILF("cannot read %s", dir);
		t_end("dkim-rfc8463/files");
		return;
	}
	struct ea_store *s;
	struct emauth_ctx *ctx = fake_ctx(&s);
	load_dns_text(s, dns, dlen);
	expect_all("dkim-rfc8463/verify-ed25519-and-rsa", ctx, msg, mlen, 2,
	    EMAUTH_RES_PASS);
	emauth_ctx_free(ctx);
	/* The same through the zone back end: four strings joined. */
	char spec[1100];
	snprintf(spec, sizeof(spec), "zone:%s/keys.zone", dir);
	emauth_ctx_new(&ctx);
	struct emauth_diag d;
	if (emauth_ctx_set_dns(ctx, spec, &d) != 0) {
		t_begin("dkim-rfc8463/verify-via-zone-file");
		T_FAILF("cannot load %s", spec);
		t_end("dkim-rfc8463/verify-via-zone-file");
	} else {
		expect_all("dkim-rfc8463/verify-via-zone-file", ctx, msg, mlen,
		    2, EMAUTH_RES_PASS);
	}
	emauth_ctx_free(ctx);
	reproduce(dir, msg, mlen, 0, "ed25519.pem");
	reproduce(dir, msg, mlen, 1, "rsa.pem");
	free(dns);
	free(msg);
}

static void
suite_stalwart(const char *dir)
{
	static const size_t nsigs[] = {2, 1, 2, 1, 1, 1};
	fixed_now = 1667843664;
	for (int i = 1; i <= 6; i++) {
		char path[1024], label[64];
		size_t len;
		snprintf(path, sizeof(path), "%s/%03d.txt", dir, i);
		snprintf(label, sizeof(label), "dkim-stalwart/%03d.txt", i);
		char *all = slurp(path, &len);
		char *sep = all ? strstr(all, "\n\n") : NULL;
		if (sep == NULL) {
			t_begin(label);
			T_FAILF("cannot read %s", path);
			t_end(label);
			free(all);
			continue;
		}
		struct ea_store *s;
		struct emauth_ctx *ctx = fake_ctx(&s);
		load_dns_text(s, all, (size_t)(sep - all));
		char *msg = sep + 2;
		expect_all(label, ctx, msg, len - (size_t)(msg - all),
		    nsigs[i - 1], EMAUTH_RES_PASS);
		emauth_ctx_free(ctx);
		free(all);
	}
	fixed_now = 0;
}

static void
suite_dkimpy(const char *dir)
{
	static const struct {
		const char *file;
		size_t nsig;
	} cases[] = {
	    {"test2.message", 1},
	    {"ed25519test2.msg", 1},
	    {"rfc6376.signed.msg", 2},
	};
	char path[1024];
	size_t dlen;
	snprintf(path, sizeof(path), "%s/dns.txt", dir);
	char *dns = slurp(path, &dlen);
	for (size_t i = 0; i < EA_ARRAY_LEN(cases); i++) {
		char label[128];
		size_t len;
		snprintf(label, sizeof(label), "dkim-dkimpy/%s", cases[i].file);
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file);
		char *msg = slurp(path, &len);
		if (!dns || !msg) {
			t_begin(label);
			T_FAILF("cannot read %s", path);
			t_end(label);
			free(msg);
			continue;
		}
		struct ea_store *s;
		struct emauth_ctx *ctx = fake_ctx(&s);
		load_dns_text(s, dns, dlen);
		expect_all(
		    label, ctx, msg, len, cases[i].nsig, EMAUTH_RES_PASS);
		emauth_ctx_free(ctx);
		free(msg);
	}
	free(dns);
	dkimpy_round_trips(dir);
}

/* Signs @msg with @keyfile as d=@d s=@s (c=@hc/@bc), publishes @record at
 * s._domainkey.d and verifies; appends @append to the body first. */
static enum emauth_result
sign_verify(const char *dir, const char *msgfile, const char *keyfile,
    const char *d, const char *sel, const char *record, int hc, int bc,
    int body_length, const char *prepend, const char *append,
    enum emauth_dkim_reason *reason, int *sign_status)
{
	char path[1024];
	size_t mlen, klen;
	snprintf(path, sizeof(path), "%s/%s", dir, msgfile);
	char *msg = slurp(path, &mlen);
	snprintf(path, sizeof(path), "%s/%s", dir, keyfile);
	char *pem = slurp(path, &klen);
	struct emauth_dkim_key *key = NULL;
	struct emauth_dkim_signer *sg = NULL;
	struct emauth_dkim_sign_spec sp;
	enum emauth_result res = EMAUTH_RES_NONE;
	struct ea_store *st;
	struct emauth_ctx *ctx = fake_ctx(&st);
	*sign_status = -1;
	if (!msg || !pem ||
	    emauth_dkim_key_load(ea_span(pem, klen), &key, NULL) != 0)
		goto out;
	emauth_dkim_sign_spec_init(&sp);
	sp.domain = d;
	sp.selector = sel;
	sp.key = key;
	sp.header_canon = hc;
	sp.body_canon = bc;
	sp.body_length = body_length;
	static const struct emauth_msg_handler sh = {
	    (int (*)(void *, struct emauth_span))emauth_dkim_signer_header,
	    (int (*)(void *))emauth_dkim_signer_eoh,
	    (int (*)(void *, struct emauth_span))emauth_dkim_signer_body};
	*sign_status = emauth_dkim_signer_new(ctx, &sp, 1, &sg, NULL);
	struct emauth_msg_reader *r;
	if (*sign_status == 0) {
		emauth_msg_reader_new(&sh, sg, 0, &r);
		*sign_status =
		    emauth_msg_reader_feed(r, ea_span(msg, mlen), NULL);
		if (*sign_status == 0)
			*sign_status = emauth_msg_reader_finish(r, NULL);
		emauth_msg_reader_free(r);
	}
	if (*sign_status == 0)
		*sign_status = emauth_dkim_signer_finish(sg, NULL);
	if (*sign_status != 0)
		goto out;
	char name[600];
	snprintf(name, sizeof(name), "%s._domainkey.%s", sel, d);
	char line[4096];
	snprintf(line, sizeof(line), "%s %s", name, record);
	add_dns_line(st, line, strlen(line));
	const char *field = emauth_dkim_signer_field(sg, 0);
	size_t total =
	    strlen(field) + mlen + strlen(prepend) + strlen(append) + 8;
	char *full = malloc(total);
	snprintf(full, total, "%s%s\r\n%.*s%s", prepend, field, (int)mlen, msg,
	    append);
	struct emauth_dkim_verifier *v;
	if (verify(ctx, full, strlen(full), &v) == 0 &&
	    emauth_dkim_verifier_count(v) >= 1) {
		struct emauth_dkim_result rr;
		emauth_dkim_verifier_result(v, 0, &rr);
		res = rr.result;
		*reason = rr.reason;
	}
	emauth_dkim_verifier_free(v);
	free(full);
out:
	emauth_dkim_signer_free(sg);
	emauth_dkim_key_free(key);
	emauth_ctx_free(ctx);
	free(msg);
	free(pem);
	return res;
}

static char *
record_of(const char *dir, const char *file)
{
	char path[1024];
	size_t n;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	char *r = slurp(path, &n);
	while (r && n && (r[n - 1] == '\n' || r[n - 1] == '\r'))
		r[--n] = '\0';
	return r;
}

static void
dkimpy_round_trips(const char *dir)
{
	char *test = record_of(dir, "test.txt");
	char *test2 = record_of(dir, "test2.txt");
	char *badv = record_of(dir, "badversion.txt");
	char *badk = record_of(dir, "badk.txt");
	char *bad = record_of(dir, "test_bad.txt");
	char *tls = record_of(dir, "test_tlsrpt.txt");
	char *edrec = record_of(dir, "ed25519test.dns");
	enum emauth_dkim_reason why;
	int st;
	char label[128];
	for (int hc = 0; hc < 2; hc++)
		for (int bc = 0; bc < 2; bc++) {
			snprintf(label, sizeof(label),
			    "dkim-dkimpy/sign-verify-test.message-c%d%d", hc,
			    bc);
			t_begin(label);
			T_EQ_INT(sign_verify(dir, "test.message",
			             "test.private", "example.com", "test",
			             test, hc, bc, 0, "", "", &why, &st),
			    EMAUTH_RES_PASS);
			t_end(label);
		}
	const struct {
		const char *name;
		char **rec;
		int bl;
		const char *prepend, *append;
		enum emauth_result want;
		enum emauth_dkim_reason why;
	} cases[] = {
	    {"no-k-implies-rsa", &test2, 0, "", "", EMAUTH_RES_PASS,
	        EMAUTH_DKIM_OK},
	    {"bad-version", &badv, 0, "", "", EMAUTH_RES_PERMERROR,
	        EMAUTH_DKIM_KEY_SYNTAX},
	    {"bad-k", &badk, 0, "", "", EMAUTH_RES_PERMERROR,
	        EMAUTH_DKIM_KEY_MISMATCH},
	    {"damaged-modulus", &bad, 0, "", "", EMAUTH_RES_PERMERROR,
	        EMAUTH_DKIM_KEY_SYNTAX},
	    {"service-tlsrpt-only", &tls, 0, "", "", EMAUTH_RES_PERMERROR,
	        EMAUTH_DKIM_KEY_MISMATCH},
	    {"appended-body", &test, 0, "", "foo\r\n", EMAUTH_RES_FAIL,
	        EMAUTH_DKIM_BODY_HASH},
	    {"l-then-appended", &test, 1, "", "foo\r\n", EMAUTH_RES_POLICY,
	        EMAUTH_DKIM_PARTIAL_BODY},
	    {"l-whole-body", &test, 1, "", "", EMAUTH_RES_PASS, EMAUTH_DKIM_OK},
	    {"second-from-above", &test, 0, "From: evil@attacker.example\r\n",
	        "", EMAUTH_RES_FAIL, EMAUTH_DKIM_SIGNATURE},
	    {"unsigned-x-foo-added", &test, 0, "X-Foo: bar\r\n", "",
	        EMAUTH_RES_PASS, EMAUTH_DKIM_OK},
	};
	for (size_t i = 0; i < EA_ARRAY_LEN(cases); i++) {
		snprintf(label, sizeof(label), "dkim-dkimpy/%s", cases[i].name);
		t_begin(label);
		enum emauth_result r = sign_verify(dir, "test.message",
		    "test.private", "example.com", "test", *cases[i].rec, 1, 1,
		    cases[i].bl, cases[i].prepend, cases[i].append, &why, &st);
		T_EQ_INT(st, 0);
		T_EQ_INT(r, cases[i].want);
		T_EQ_INT(why, cases[i].why);
		t_end(label);
	}
	t_begin("dkim-dkimpy/ed25519-seed-key");
	T_EQ_INT(sign_verify(dir, "ed25519test.msg", "ed25519test.key",
	             "example.net", "test", edrec, 1, 1, 0, "", "", &why, &st),
	    EMAUTH_RES_PASS);
	t_end("dkim-dkimpy/ed25519-seed-key");
	t_begin("dkim-dkimpy/mbox-with-received-headers");
	T_EQ_INT(sign_verify(dir, "message.mbox", "test.private", "example.com",
	             "test", test, 1, 1, 0, "", "", &why, &st),
	    EMAUTH_RES_PASS);
	t_end("dkim-dkimpy/mbox-with-received-headers");
	t_begin("dkim-dkimpy/no-from-refused");
	sign_verify(dir, "test_nofrom.message", "test.private", "example.com",
	    "test", test, 1, 1, 0, "", "", &why, &st);
	T_EQ_INT(st, EMAUTH_EINVAL);
	t_end("dkim-dkimpy/no-from-refused");
	t_begin("dkim-dkimpy/non-ascii-domain-refused");
	sign_verify(dir, "test.message", "test.private", "example.com\xe9",
	    "test", test, 1, 1, 0, "", "", &why, &st);
	T_EQ_INT(st, EMAUTH_EINVAL);
	t_end("dkim-dkimpy/non-ascii-domain-refused");
	free(test), free(test2), free(badv), free(badk), free(bad), free(tls);
	free(edrec);
}

/* Mail::DKIM's overall rule: pass if any passes, else fail if any fails,
 * else invalid. */
static const char *
overall(struct emauth_dkim_verifier *v, bool *any_pass)
{
	bool fail = false, temp = false;
	*any_pass = false;
	for (size_t i = 0; i < emauth_dkim_verifier_count(v); i++) {
		struct emauth_dkim_result r;
		emauth_dkim_verifier_result(v, i, &r);
		if (r.result == EMAUTH_RES_PASS)
			*any_pass = true;
		else if (r.result == EMAUTH_RES_FAIL)
			fail = true;
		else if (r.result == EMAUTH_RES_TEMPERROR)
			temp = true;
	}
	if (emauth_dkim_verifier_count(v) == 0)
		return "none";
	return *any_pass ? "pass"
	       : fail    ? "fail"
	       : temp    ? "temperror"
	                 : "invalid";
}

/* Where Mail::DKIM passes a message that RFC 6376/8301 refuse, the
 * signature that would have passed must be refused for a reason the listed
 * concerns explain (others in the message may be broken anyway). */
static void
check_refusals(struct emauth_dkim_verifier *v, const char *concerns)
{
	bool explained = false;
	for (size_t i = 0; i < emauth_dkim_verifier_count(v); i++) {
		struct emauth_dkim_result r;
		emauth_dkim_verifier_result(v, i, &r);
		if (strstr(concerns, "v!=1"))
			explained |= r.reason == EMAUTH_DKIM_VERSION ||
			             r.reason == EMAUTH_DKIM_MISSING_TAG;
		if (strstr(concerns, "rsa-sha1"))
			explained |= r.reason == EMAUTH_DKIM_SHA1;
		if (strstr(concerns, "rsa<1024"))
			explained |= r.reason == EMAUTH_DKIM_KEY_TOO_SHORT;
	}
	if (!explained)
		T_FAILF("no signature refused for a reason that %s explains",
		    concerns);
}

static void
suite_maildkim(const char *dir)
{
	char path[1024];
	size_t dlen, elen;
	snprintf(path, sizeof(path), "%s/FAKE_DNS.dat", dir);
	char *dns = slurp(path, &dlen);
	snprintf(path, sizeof(path), "%s/expected.tsv", dir);
	char *exp = slurp(path, &elen);
	if (!dns || !exp) {
		t_begin("dkim-mail-dkim/files");
		T_FAILF("cannot read %s", dir);
		t_end("dkim-mail-dkim/files");
		return;
	}
	char *save = NULL;
	for (char *line = strtok_r(exp, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *cols[6] = {0};
		int nc = 0;
		for (char *c = line; nc < 6;) {
			cols[nc++] = c;
			char *tab = strchr(c, '\t');
			if (tab == NULL)
				break;
			*tab = '\0';
			c = tab + 1;
		}
		if (nc < 4 || cols[0][0] == '#')
			continue;
		char label[200];
		size_t mlen;
		snprintf(label, sizeof(label), "dkim-mail-dkim/%s", cols[0]);
		snprintf(path, sizeof(path), "%s/corpus/%s", dir, cols[0]);
		char *msg = slurp(path, &mlen);
		struct ea_store *s;
		struct emauth_ctx *ctx = fake_ctx(&s);
		load_dns_text(s, dns, dlen);
		struct emauth_dkim_verifier *v = NULL;
		t_begin(label);
		int rc = msg ? verify(ctx, msg, mlen, &v) : EMAUTH_EIO;
		if (rc != 0) {
			T_FAILF("status %s", emauth_strerror(rc));
		} else {
			bool any_pass;
			const char *got = overall(v, &any_pass);
			const char *want = cols[1];
			bool strict = strcmp(cols[3], "-") != 0;
			bool dk_only = strstr(cols[3], "DomainKeys") != NULL;
			if (dk_only) {
				if (strcmp(got, "none") != 0)
					T_FAILF("DomainKeys only: got %s, "
					        "expected none",
					    got);
			} else if (strict) {
				if (any_pass)
					T_FAILF("pre-RFC 6376/8301 (%s): "
					        "passed, must not",
					    cols[3]);
				else if (strcmp(want, "pass") == 0)
					check_refusals(v, cols[3]);
			} else if (strcmp(want, got) != 0 &&
			           !(strcmp(want, "invalid") == 0 &&
			               strcmp(got, "temperror") == 0)) {
				T_FAILF(
				    "got %s, Mail::DKIM expects %s", got, want);
			}
			for (size_t i = 0;
			     t_failed_case && i < emauth_dkim_verifier_count(v);
			     i++) {
				struct emauth_dkim_result r;
				emauth_dkim_verifier_result(v, i, &r);
				fprintf(stderr, "    sig %zu: %s: %s\n", i + 1,
				    emauth_result_name(r.result), r.detail);
			}
		}
		t_end(label);
		emauth_dkim_verifier_free(v);
		emauth_ctx_free(ctx);
		free(msg);
	}
	free(dns);
	free(exp);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s SUITE DIR\n", argv[0]);
		return 2;
	}
	if (strcmp(argv[1], "rfc8463") == 0)
		suite_rfc8463(argv[2]);
	else if (strcmp(argv[1], "stalwart") == 0)
		suite_stalwart(argv[2]);
	else if (strcmp(argv[1], "dkimpy") == 0)
		suite_dkimpy(argv[2]);
	else if (strcmp(argv[1], "maildkim") == 0)
		suite_maildkim(argv[2]);
	else {
		fprintf(stderr, "unknown suite %s\n", argv[1]);
		return 2;
	}
	return t_summary();
}
