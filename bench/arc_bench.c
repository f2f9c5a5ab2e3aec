/*
 * arc_bench.c: ARC (RFC 8617) chain validations per second with libemauth,
 * in process, on one message held in memory. Each validation reads the
 * message with the stream reader (as the CLI and the milter do) into an
 * ARC verifier and finishes it: the structure of the sets, the newest
 * ARC-Message-Signature, the older ones for oldest-pass (the default; -O
 * skips them) and every ARC-Seal. Keys come from the DNS spec (by default
 * the zone files named with -d) through one context: the answer cache and
 * the parsed-key cache are warm after the first message, as in a
 * long-running milter. With -f each validation gets a fresh context (zones
 * loaded, keys fetched and parsed every time), which is what the peers do
 * for every message.
 *
 * The first validation is checked before the timing: the chain must pass
 * (and, with -e N, its oldest-pass must be N); otherwise mismatches=1. A
 * line "check=..." gives the answer and each instance's results, and a line
 * "input=NAME bytes=N sha256=HEX" the bytes verified, so that the runner
 * can see that every program verified the same message.
 *
 * usage: arc_bench -d SPEC [-f] [-O] [-e OLDEST] [-t SECONDS | -n COUNT]
 *                  [-l LABEL] [-v] FILE
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <emauth/arc.h>
#include <emauth/msg.h>
#include <openssl/evp.h>

#include "bench.h"

struct state {
	const char *label;
	char *msg;
	size_t len;
	const char *spec;
	bool fresh;
	struct emauth_ctx *ctx;
	struct emauth_arc_verify_opts opts;
	struct emauth_arc_result res; /* the last validation's */
};

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		bench_die("arc_bench: %s: cannot open", path);
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((p = realloc(p, cap)) == NULL)
				bench_die("arc_bench: out of memory");
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
		bench_die("arc_bench: out of memory");
	emauth_ctx_set_log(ctx, NULL, NULL);
	memset(&d, 0, sizeof(d));
	if ((rc = emauth_ctx_set_dns(ctx, spec, &d)) != 0)
		bench_die("arc_bench: %s: %s: %s", spec, emauth_strerror(rc),
		    d.msg ? emauth_diag_format(&d, buf, sizeof(buf)) : "");
	return ctx;
}

static int
v_header(void *arg, struct emauth_span f)
{
	return emauth_arc_verifier_header(arg, f);
}
static int
v_eoh(void *arg)
{
	return emauth_arc_verifier_eoh(arg);
}
static int
v_body(void *arg, struct emauth_span c)
{
	return emauth_arc_verifier_body(arg, c);
}

static void
verify_one(struct state *st)
{
	static const struct emauth_msg_handler h = {v_header, v_eoh, v_body};
	struct emauth_ctx *ctx = st->fresh ? new_ctx(st->spec) : st->ctx;
	struct emauth_span all = {(const unsigned char *)st->msg, st->len};
	struct emauth_arc_verifier *v;
	struct emauth_msg_reader *r;

	if (emauth_arc_verifier_new(ctx, &st->opts, &v) != 0 ||
	    emauth_msg_reader_new(&h, v, 0, &r) != 0)
		bench_die("arc_bench: out of memory");
	if (emauth_msg_reader_feed(r, all, NULL) != 0 ||
	    emauth_msg_reader_finish(r, NULL) != 0)
		bench_die(
		    "arc_bench: %s: the message cannot be read", st->label);
	emauth_msg_reader_free(r);
	if (emauth_arc_verifier_finish(v) != 0 ||
	    emauth_arc_verifier_result(v, &st->res) != 0)
		bench_die("arc_bench: %s: validation failed", st->label);
	emauth_arc_verifier_free(v);
	if (st->fresh)
		emauth_ctx_free(ctx);
}

static unsigned long
verify_round(void *arg)
{
	verify_one(arg);
	return 1;
}

/* "1:fail,2:pass,3:pass": each instance's ARC-Message-Signature result
 * (none: not checked), and likewise for the seals. */
static void
print_check(const char *name, const struct emauth_arc_result *r)
{
	printf("check=%s cv=%s oldest_pass=%u ams=", name,
	    emauth_arc_cv_name(r->cv), r->oldest_pass);
	for (unsigned i = 0; i < r->instances && i < EMAUTH_ARC_MAX; i++)
		printf("%s%u:%s", i ? "," : "", r->inst[i].i,
		    emauth_result_name(r->inst[i].ams));
	printf(" as=");
	for (unsigned i = 0; i < r->instances && i < EMAUTH_ARC_MAX; i++)
		printf("%s%u:%s", i ? "," : "", r->inst[i].i,
		    emauth_result_name(r->inst[i].as));
	printf(" reason=\"%s\"\n", r->reason);
}

static void
print_input(const char *name, const char *msg, size_t len)
{
	unsigned char h[32];
	unsigned hl = sizeof(h);

	if (EVP_Digest(msg, len, h, &hl, EVP_sha256(), NULL) != 1)
		bench_die("arc_bench: SHA-256 failed");
	printf("input=%s bytes=%zu sha256=", name, len);
	for (unsigned i = 0; i < hl; i++)
		printf("%02x", h[i]);
	printf("\n");
}

int
main(int argc, char **argv)
{
	struct bench_opts opts = {3.0, 0, false};
	struct state st;
	long want_oldest = -1;
	int c;

	memset(&st, 0, sizeof(st));
	emauth_arc_verify_opts_init(&st.opts);
	st.label = "verify";
	while ((c = getopt(argc, argv, "d:fOe:t:n:l:v")) != -1) {
		switch (c) {
		case 'd':
			st.spec = optarg;
			break;
		case 'f':
			st.fresh = true;
			break;
		case 'O':
			st.opts.oldest_pass = 0;
			break;
		case 'e':
			if (strspn(optarg, "0123456789") != strlen(optarg) ||
			    strlen(optarg) == 0 || strlen(optarg) > 2)
				bench_die("arc_bench: -e wants an instance "
				          "number, not '%s'",
				    optarg);
			want_oldest = atol(optarg);
			break;
		case 't':
			opts.seconds = bench_parse_seconds("arc_bench", optarg);
			break;
		case 'n':
			opts.rounds = bench_parse_count("arc_bench", optarg);
			break;
		case 'l':
			st.label = optarg;
			break;
		case 'v':
			opts.verbose = true;
			break;
		default:
			goto usage;
		}
	}
	if (st.spec == NULL || optind != argc - 1)
		goto usage;
	st.msg = slurp(argv[optind], &st.len);
	emauth_global_init();
	st.ctx = st.fresh ? NULL : new_ctx(st.spec);

	char name[96];
	snprintf(name, sizeof(name), "emauth-%s", st.label);
	print_input(name, st.msg, st.len);

	/* The check, before any timing. */
	unsigned bad = 0;
	verify_one(&st);
	print_check(name, &st.res);
	if (st.res.cv != EMAUTH_ARC_PASS ||
	    (want_oldest >= 0 && st.res.oldest_pass != (unsigned)want_oldest)) {
		fprintf(stderr,
		    "arc_bench: %s: cv=%s oldest_pass=%u (want pass%s): %s\n",
		    st.label, emauth_arc_cv_name(st.res.cv), st.res.oldest_pass,
		    want_oldest >= 0 ? " and -e" : "", st.res.reason);
		bad = 1;
	}

	double secs;
	unsigned long n = bench_run(&opts, verify_round, &st, &secs);
	if (opts.verbose)
		print_check(name, &st.res); /* the last one's answer */
	if (st.res.cv != EMAUTH_ARC_PASS)
		bad = 1;
	bench_report(name, n, secs, bench_maxrss_kib(false), bad);
	emauth_ctx_free(st.ctx);
	free(st.msg);
	return bad ? 1 : 0;
usage:
	fprintf(stderr, "usage: arc_bench -d SPEC [-f] [-O] [-e OLDEST] "
	                "[-t SECONDS | -n COUNT] [-l LABEL] [-v] FILE\n");
	return 2;
}
