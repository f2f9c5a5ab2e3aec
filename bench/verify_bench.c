/*
 * verify_bench.c: full verdicts per second with libemauth, in process, as
 * "emauth verify" reaches them: the message read with the stream reader,
 * every DKIM signature verified, the From field parsed, iprev, SPF for MAIL
 * FROM, DMARC with alignment, and the Authentication-Results field written.
 * DNS comes from zone files through one context (the zone back end: DNS is
 * excluded from the figure; answer and key caches warm after the first
 * message, as in a long-running milter).
 *
 * usage: verify_bench -d SPEC --ip IP --mail-from ADDR [-t SECONDS | -n N]
 *            FILE
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <emauth/authres.h>
#include <emauth/dkim.h>
#include <emauth/dmarc.h>
#include <emauth/iprev.h>
#include <emauth/msg.h>
#include <emauth/spf.h>

#include "bench.h"

struct st {
	struct emauth_ctx *ctx;
	const char *ip, *mail_from;
	char *msg;
	size_t len;
	/* per message */
	struct emauth_dkim_verifier *v;
	char from[1024];
	int nfrom;
	enum emauth_result dmarc;
};

static int
h_header(void *arg, struct emauth_span f)
{
	struct st *s = arg;
	if (f.len > 5 && strncasecmp((const char *)f.p, "from:", 5) == 0 &&
	    s->nfrom++ == 0) {
		size_t n = f.len - 5 < sizeof(s->from) - 1
		               ? f.len - 5
		               : sizeof(s->from) - 1;
		memcpy(s->from, f.p + 5, n);
		s->from[n] = '\0';
	}
	return emauth_dkim_verifier_header(s->v, f);
}

static int
h_eoh(void *arg)
{
	return emauth_dkim_verifier_eoh(((struct st *)arg)->v);
}

static int
h_body(void *arg, struct emauth_span c)
{
	return emauth_dkim_verifier_body(((struct st *)arg)->v, c);
}

static unsigned long
one(void *arg)
{
	static const struct emauth_msg_handler h = {h_header, h_eoh, h_body};
	struct st *s = arg;
	struct emauth_msg_reader *r;
	struct emauth_dkim_result k[8];
	struct emauth_dmarc_dkim kd[8];
	struct emauth_iprev_result ipr;
	struct emauth_spf_result spf;
	static struct emauth_dmarc_result dm;
	struct emauth_address a[4];
	size_t na = 0, nk = 0;
	char ar[8192];

	s->nfrom = 0;
	if (emauth_dkim_verifier_new(s->ctx, NULL, &s->v) != 0 ||
	    emauth_msg_reader_new(&h, s, 0, &r) != 0)
		bench_die("verify_bench: out of memory");
	if (emauth_msg_reader_feed(r,
	        (struct emauth_span){(const unsigned char *)s->msg, s->len},
	        NULL) != 0 ||
	    emauth_msg_reader_finish(r, NULL) != 0 ||
	    emauth_dkim_verifier_finish(s->v) != 0)
		bench_die("verify_bench: the message cannot be read");
	emauth_msg_reader_free(r);
	size_t n = emauth_dkim_verifier_count(s->v);
	for (size_t i = 0; i < n && nk < 8; i++, nk++) {
		emauth_dkim_verifier_result(s->v, i, &k[nk]);
		kd[nk].domain = k[nk].domain;
		kd[nk].result = k[nk].result;
	}
	emauth_dkim_verifier_free(s->v);
	if (s->nfrom != 1 ||
	    emauth_msg_parse_from(
	        (struct emauth_span){
	            (const unsigned char *)s->from, strlen(s->from)},
	        a, 4, &na, NULL) != 0)
		bench_die("verify_bench: no usable From field");
	struct emauth_spf_query q = {
	    s->ip, s->mail_from, NULL, NULL, EMAUTH_SPF_MAILFROM, NULL};
	if (emauth_iprev_check(s->ctx, s->ip, &ipr) != 0 ||
	    emauth_spf_check_host(s->ctx, &q, &spf) != 0)
		bench_die("verify_bench: iprev or SPF failed to run");
	struct emauth_dmarc_query dq = {a[0].domain, spf.domain, spf.result, kd,
	    nk, EMAUTH_DMARC_RFC9989, -1};
	if (emauth_dmarc_evaluate(s->ctx, &dq, &dm) != 0)
		bench_die("verify_bench: DMARC failed to run");
	struct emauth_authres_input in = {"mx.receiver.example", s->ip, &ipr,
	    &spf, NULL, k, nk, &dm, a[0].domain, NULL, NULL};
	if (emauth_authres_format(&in, "\r\n", ar, sizeof(ar)) < 0)
		bench_die("verify_bench: Authentication-Results failed");
	s->dmarc = dm.result;
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {{"ip", required_argument, NULL, 'i'},
	    {"mail-from", required_argument, NULL, 'm'}, {NULL, 0, NULL, 0}};
	struct bench_opts opts = {3.0, 0, false};
	struct st s;
	const char *spec = NULL;
	int c;

	memset(&s, 0, sizeof(s));
	while ((c = getopt_long(argc, argv, "d:t:n:", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			spec = optarg;
			break;
		case 't':
			opts.seconds =
			    bench_parse_seconds("verify_bench", optarg);
			break;
		case 'n':
			opts.rounds = bench_parse_count("verify_bench", optarg);
			break;
		case 'i':
			s.ip = optarg;
			break;
		case 'm':
			s.mail_from = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (!spec || !s.ip || !s.mail_from || optind != argc - 1)
		goto usage;
	FILE *f = fopen(argv[optind], "rb");
	if (f == NULL)
		bench_die("verify_bench: %s: cannot open", argv[optind]);
	s.msg = malloc(1 << 22);
	s.len = fread(s.msg, 1, 1 << 22, f);
	fclose(f);
	emauth_global_init();
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	if (emauth_ctx_new(&s.ctx) != 0 ||
	    emauth_ctx_set_dns(s.ctx, spec, &d) != 0)
		bench_die("verify_bench: %s: %s", spec, d.msg ? d.msg : "");
	emauth_ctx_set_log(s.ctx, NULL, NULL);
	one(&s);
	unsigned bad = s.dmarc != EMAUTH_RES_PASS;
	if (bad)
		fprintf(stderr, "verify_bench: DMARC does not pass\n");
	double secs;
	unsigned long n = bench_run(&opts, one, &s, &secs);
	bench_report("emauth-verdict", n, secs, bench_maxrss_kib(false), bad);
	emauth_ctx_free(s.ctx);
	free(s.msg);
	return bad ? 1 : 0;
usage:
	fprintf(stderr, "usage: verify_bench -d SPEC --ip IP --mail-from ADDR "
	                "[-t SECONDS | -n N] FILE\n");
	return 2;
}
