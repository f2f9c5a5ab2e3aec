/*
 * dkim_bench.c: DKIM signatures or verifications per second with libemauth,
 * in process, on one message held in memory. Each operation reads the
 * message with the stream reader (as the CLI and the milter do) and signs
 * it, or verifies every signature on it. Verification takes its key records
 * from the DNS spec (by default the zone files named with -d), through one
 * context: the answer cache and the parsed-key cache are warm after the
 * first message, as in a long-running milter. With -f each verification
 * gets a fresh context (zone loaded, key fetched and parsed every time).
 * A first operation is checked: every signature must pass.
 *
 * With -L KEYFILE (the private key of the signature made or checked), a
 * second measurement follows for as long again: emauth's operation and the
 * limit's operation take turns every 20 ms, and one more line gives both
 * rates and their ratio, so that a drift of the machine's speed moves both
 * alike. The limit's operation is what `openssl speed` times plus one
 * SHA-256 pass over the message: SHA-256 of the message's bytes, then one
 * RSA (EVP_PKEY_sign or EVP_PKEY_verify on a context set up once) or
 * Ed25519 (EVP_DigestSign or EVP_DigestVerify on a context set up once)
 * operation on the 32-byte digest.
 *
 *   limit=LABEL emauth_rate=R limit_rate=R ratio=X
 *
 * usage: dkim_bench -m sign -k KEYFILE [-s SELECTOR] [-D DOMAIN] [-t SECONDS
 *                   | -n COUNT] [-l LABEL] [-L KEYFILE] FILE
 *        dkim_bench -m verify -d SPEC [-f] [-t SECONDS | -n COUNT]
 *                   [-l LABEL] [-L KEYFILE] FILE
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <emauth/dkim.h>
#include <emauth/msg.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "bench.h"

struct state {
	const char *label;
	char *msg;
	size_t len;
	/* signing */
	struct emauth_dkim_key *key;
	const char *domain, *selector;
	/* verifying */
	const char *spec;
	bool fresh;
	struct emauth_ctx *ctx;
	/* the last operation's output */
	size_t sig_len;
	unsigned passed, total;
};

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		bench_die("dkim_bench: %s: cannot open", path);
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((p = realloc(p, cap)) == NULL)
				bench_die("dkim_bench: out of memory");
		}
		size_t r = fread(p + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	*len = n;
	return p;
}

static struct emauth_ctx *
new_ctx(const char *spec)
{
	struct emauth_ctx *ctx;
	struct emauth_diag d;
	char buf[512];
	int rc;

	if (emauth_ctx_new(&ctx) != 0)
		bench_die("dkim_bench: out of memory");
	emauth_ctx_set_log(ctx, NULL, NULL);
	if (spec == NULL)
		return ctx;
	memset(&d, 0, sizeof(d));
	if ((rc = emauth_ctx_set_dns(ctx, spec, &d)) != 0)
		bench_die("dkim_bench: %s: %s: %s", spec, emauth_strerror(rc),
		    d.msg ? emauth_diag_format(&d, buf, sizeof(buf)) : "");
	return ctx;
}

/* The reader's callbacks, for the signer and for the verifier. */
static int
s_header(void *arg, struct emauth_span f)
{
	return emauth_dkim_signer_header(arg, f);
}
static int
s_eoh(void *arg)
{
	return emauth_dkim_signer_eoh(arg);
}
static int
s_body(void *arg, struct emauth_span c)
{
	return emauth_dkim_signer_body(arg, c);
}
static int
v_header(void *arg, struct emauth_span f)
{
	return emauth_dkim_verifier_header(arg, f);
}
static int
v_eoh(void *arg)
{
	return emauth_dkim_verifier_eoh(arg);
}
static int
v_body(void *arg, struct emauth_span c)
{
	return emauth_dkim_verifier_body(arg, c);
}

static void
feed(struct state *st, const struct emauth_msg_handler *h, void *arg)
{
	struct emauth_msg_reader *r;
	struct emauth_span all = {(const unsigned char *)st->msg, st->len};

	if (emauth_msg_reader_new(h, arg, 0, &r) != 0)
		bench_die("dkim_bench: out of memory");
	if (emauth_msg_reader_feed(r, all, NULL) != 0 ||
	    emauth_msg_reader_finish(r, NULL) != 0)
		bench_die(
		    "dkim_bench: %s: the message cannot be read", st->label);
	emauth_msg_reader_free(r);
}

static void
sign_one(struct state *st)
{
	static const struct emauth_msg_handler h = {s_header, s_eoh, s_body};
	struct emauth_dkim_sign_spec spec;
	struct emauth_dkim_signer *s;
	struct emauth_diag d;

	emauth_dkim_sign_spec_init(&spec);
	spec.domain = st->domain;
	spec.selector = st->selector;
	spec.key = st->key;
	memset(&d, 0, sizeof(d));
	if (emauth_dkim_signer_new(st->ctx, &spec, 1, &s, &d) != 0)
		bench_die("dkim_bench: cannot create a signer");
	feed(st, &h, s);
	if (emauth_dkim_signer_finish(s, &d) != 0)
		bench_die("dkim_bench: signing failed");
	st->sig_len = strlen(emauth_dkim_signer_field(s, 0));
	emauth_dkim_signer_free(s);
}

static void
verify_one(struct state *st)
{
	static const struct emauth_msg_handler h = {v_header, v_eoh, v_body};
	struct emauth_dkim_verifier *v;
	struct emauth_dkim_result r;
	struct emauth_ctx *ctx = st->fresh ? new_ctx(st->spec) : st->ctx;

	if (emauth_dkim_verifier_new(ctx, NULL, &v) != 0)
		bench_die("dkim_bench: out of memory");
	feed(st, &h, v);
	if (emauth_dkim_verifier_finish(v) != 0)
		bench_die("dkim_bench: verification failed");
	st->total = (unsigned)emauth_dkim_verifier_count(v);
	st->passed = 0;
	for (size_t i = 0; i < st->total; i++)
		if (emauth_dkim_verifier_result(v, i, &r) == 0 &&
		    r.result == EMAUTH_RES_PASS)
			st->passed++;
	emauth_dkim_verifier_free(v);
	if (st->fresh)
		emauth_ctx_free(ctx);
}

static unsigned long
sign_round(void *arg)
{
	sign_one(arg);
	return 1;
}

static unsigned long
verify_round(void *arg)
{
	verify_one(arg);
	return 1;
}

/* The limit's operation (see the top of the file). */
struct limit {
	bool verify, rsa;
	EVP_PKEY *key;
	EVP_PKEY_CTX *pctx; /* RSA */
	EVP_MD_CTX *mctx;   /* Ed25519 */
	EVP_MD *sha256;
	uint8_t sig[1024];
	size_t siglen;
	const char *msg;
	size_t len;
};

static void
limit_op(struct limit *l)
{
	uint8_t h[32], sig[1024];
	unsigned hl = 32;
	size_t sl = sizeof(sig);
	int ok;

	if (EVP_Digest(l->msg, l->len, h, &hl, l->sha256, NULL) != 1)
		bench_die("dkim_bench: SHA-256 failed");
	if (l->rsa && l->verify)
		ok = EVP_PKEY_verify(l->pctx, l->sig, l->siglen, h, 32) == 1;
	else if (l->rsa)
		ok = EVP_PKEY_sign(l->pctx, sig, &sl, h, 32) == 1;
	else if (l->verify)
		ok = EVP_DigestVerify(l->mctx, l->sig, l->siglen, h, 32) == 1;
	else
		ok = EVP_DigestSign(l->mctx, sig, &sl, h, 32) == 1;
	if (!ok)
		bench_die("dkim_bench: the limit's operation failed");
}

static void
limit_init(
    struct limit *l, const char *keyfile, bool verify, const struct state *st)
{
	FILE *f = fopen(keyfile, "r");
	uint8_t h[32];

	memset(l, 0, sizeof(*l));
	if (f == NULL)
		bench_die("dkim_bench: %s: cannot open", keyfile);
	l->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (l->key == NULL)
		bench_die("dkim_bench: %s: not a private key", keyfile);
	l->verify = verify;
	l->rsa = EVP_PKEY_get_base_id(l->key) == EVP_PKEY_RSA;
	l->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	l->msg = st->msg;
	l->len = st->len;
	l->siglen = sizeof(l->sig);
	/* The signature the loop verifies is over the message's digest. */
	unsigned hl = 32;
	if (l->sha256 == NULL ||
	    EVP_Digest(l->msg, l->len, h, &hl, l->sha256, NULL) != 1)
		bench_die("dkim_bench: SHA-256 failed");
	if (l->rsa) {
		/* A signature to verify, then the context for the loop. */
		EVP_PKEY_CTX *s =
		    EVP_PKEY_CTX_new_from_pkey(NULL, l->key, NULL);
		if (s == NULL || EVP_PKEY_sign_init(s) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(s, RSA_PKCS1_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(s, l->sha256) != 1 ||
		    EVP_PKEY_sign(s, l->sig, &l->siglen, h, 32) != 1)
			bench_die("dkim_bench: RSA set-up failed");
		if (verify) {
			EVP_PKEY_CTX_free(s);
			s = EVP_PKEY_CTX_new_from_pkey(NULL, l->key, NULL);
			if (s == NULL || EVP_PKEY_verify_init(s) != 1 ||
			    EVP_PKEY_CTX_set_rsa_padding(
			        s, RSA_PKCS1_PADDING) != 1 ||
			    EVP_PKEY_CTX_set_signature_md(s, l->sha256) != 1)
				bench_die("dkim_bench: RSA set-up failed");
		}
		l->pctx = s;
	} else {
		EVP_MD_CTX *m = EVP_MD_CTX_new();
		if (m == NULL ||
		    EVP_DigestSignInit(m, NULL, NULL, NULL, l->key) != 1 ||
		    EVP_DigestSign(m, l->sig, &l->siglen, h, 32) != 1)
			bench_die("dkim_bench: Ed25519 set-up failed");
		if (verify) {
			EVP_MD_CTX_free(m);
			m = EVP_MD_CTX_new();
			if (m == NULL || EVP_DigestVerifyInit(
			                     m, NULL, NULL, NULL, l->key) != 1)
				bench_die("dkim_bench: Ed25519 set-up failed");
		}
		l->mctx = m;
	}
	limit_op(l); /* checked once: it dies if it fails */
}

/* emauth and the limit in turns of 20 ms for @seconds in all. */
static void
limit_run(struct state *st, struct limit *l, bool verify, double seconds)
{
	double t_e = 0, t_l = 0;
	unsigned long n_e = 0, n_l = 0;
	double end = bench_now() + seconds;

	while (bench_now() < end) {
		double t0 = bench_now(), t1;
		do {
			if (verify)
				verify_one(st);
			else
				sign_one(st);
			n_e++;
		} while ((t1 = bench_now()) - t0 < 0.02);
		t_e += t1 - t0;
		t0 = t1;
		do {
			limit_op(l);
			n_l++;
		} while ((t1 = bench_now()) - t0 < 0.02);
		t_l += t1 - t0;
	}
	printf("limit=%s emauth_rate=%.1f limit_rate=%.1f ratio=%.4f\n",
	    st->label, n_e / t_e, n_l / t_l, (n_e / t_e) / (n_l / t_l));
}

int
main(int argc, char **argv)
{
	struct bench_opts opts = {3.0, 0, false};
	struct state st;
	const char *mode = NULL, *keyfile = NULL, *limitkey = NULL;
	int c;

	memset(&st, 0, sizeof(st));
	st.domain = "example.com";
	st.selector = "demo2026";
	while ((c = getopt(argc, argv, "m:k:s:D:d:ft:n:l:L:")) != -1) {
		switch (c) {
		case 'm':
			mode = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 's':
			st.selector = optarg;
			break;
		case 'D':
			st.domain = optarg;
			break;
		case 'd':
			st.spec = optarg;
			break;
		case 'f':
			st.fresh = true;
			break;
		case 't':
			opts.seconds =
			    bench_parse_seconds("dkim_bench", optarg);
			break;
		case 'n':
			opts.rounds = bench_parse_count("dkim_bench", optarg);
			break;
		case 'l':
			st.label = optarg;
			break;
		case 'L':
			limitkey = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (mode == NULL || optind != argc - 1)
		goto usage;
	st.msg = slurp(argv[optind], &st.len);
	if (st.label == NULL)
		st.label = mode;
	emauth_global_init();

	unsigned long (*round)(void *) = NULL;
	unsigned bad = 0;
	if (strcmp(mode, "sign") == 0) {
		size_t klen;
		char *pem;
		struct emauth_diag d;

		if (keyfile == NULL)
			goto usage;
		pem = slurp(keyfile, &klen);
		memset(&d, 0, sizeof(d));
		if (emauth_dkim_key_load(
		        (struct emauth_span){(const unsigned char *)pem, klen},
		        &st.key, &d) != 0)
			bench_die("dkim_bench: %s: not a private key", keyfile);
		free(pem);
		st.ctx = new_ctx(NULL);
		sign_one(&st);
		bad = st.sig_len == 0;
		round = sign_round;
	} else if (strcmp(mode, "verify") == 0) {
		if (st.spec == NULL)
			goto usage;
		st.ctx = st.fresh ? NULL : new_ctx(st.spec);
		verify_one(&st);
		if (st.total == 0 || st.passed != st.total) {
			fprintf(stderr,
			    "dkim_bench: %s: %u of %u signatures pass\n",
			    st.label, st.passed, st.total);
			bad = 1;
		}
		round = verify_round;
	} else {
		goto usage;
	}

	double secs;
	unsigned long n = bench_run(&opts, round, &st, &secs);
	char name[96];
	snprintf(name, sizeof(name), "emauth-%s", st.label);
	bench_report(name, n, secs, bench_maxrss_kib(false), bad);
	if (limitkey != NULL && !bad) {
		struct limit l;
		bool verify = strcmp(mode, "verify") == 0;
		limit_init(&l, limitkey, verify, &st);
		limit_run(&st, &l, verify, secs);
		EVP_PKEY_CTX_free(l.pctx);
		EVP_MD_CTX_free(l.mctx);
		EVP_PKEY_free(l.key);
		EVP_MD_free(l.sha256);
	}
	emauth_dkim_key_free(st.key);
	emauth_ctx_free(st.ctx);
	free(st.msg);
	return bad ? 1 : 0;
usage:
	fprintf(stderr,
	    "usage: dkim_bench -m sign -k KEYFILE [-s SEL] [-D DOMAIN] "
	    "[-t SECONDS | -n COUNT] [-l LABEL] [-L KEYFILE] FILE\n"
	    "       dkim_bench -m verify -d SPEC [-f] [-t SECONDS | -n COUNT] "
	    "[-l LABEL] [-L KEYFILE] FILE\n");
	return 2;
}
