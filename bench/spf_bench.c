/*
 * spf_bench.c: SPF evaluations per second with libemauth, in process. One
 * context answers every scenario of bench/spf-scenarios from the zone back
 * end (or, with -d, from any DNS spec such as server:127.0.0.1), round after
 * round; the rate counts MAIL FROM evaluations (check_host() with all of
 * RFC 7208's limits). A first pass checks each answer against the expected
 * result and prints any difference. With -f each evaluation gets a fresh
 * context, so nothing is cached between evaluations (meant for server:).
 *
 * usage: spf_bench [-t SECONDS | -n ROUNDS] [-d SPEC] [-f] [-v] [DIR]
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <emauth/spf.h>

#include "bench.h"

#ifndef BENCH_SCENARIO_DIR
#define BENCH_SCENARIO_DIR "bench/spf-scenarios"
#endif

#define RECEIVER "mx.receiver.example"

struct state {
	struct scenario_set set;
	struct emauth_ctx *ctx; /* NULL with -f */
	const char *spec;
	struct emauth_spf_query *q;
};

static struct emauth_ctx *
new_ctx(const char *spec)
{
	struct emauth_ctx *ctx;
	struct emauth_diag d;
	char buf[512];
	int rc;

	if (emauth_ctx_new(&ctx) != 0)
		bench_die("spf_bench: out of memory");
	emauth_ctx_set_log(ctx, NULL, NULL);
	memset(&d, 0, sizeof(d));
	if ((rc = emauth_ctx_set_dns(ctx, spec, &d)) != 0)
		bench_die("spf_bench: %s: %s: %s", spec, emauth_strerror(rc),
		    d.msg ? emauth_diag_format(&d, buf, sizeof(buf)) : "");
	return ctx;
}

static int
evaluate(struct state *st, size_t i, struct emauth_spf_result *r)
{
	int rc;

	if (st->ctx)
		return emauth_spf_check_host(st->ctx, &st->q[i], r);
	struct emauth_ctx *ctx = new_ctx(st->spec);
	rc = emauth_spf_check_host(ctx, &st->q[i], r);
	emauth_ctx_free(ctx);
	return rc;
}

static unsigned long
one_round(void *arg)
{
	struct state *st = arg;
	struct emauth_spf_result r;

	for (size_t i = 0; i < st->set.n; i++)
		if (evaluate(st, i, &r) != 0)
			bench_die("spf_bench: line %d: evaluation failed",
			    st->set.v[i].line);
	return st->set.n;
}

/* Evaluates each scenario once; returns the number of unexpected answers. */
static unsigned
check(struct state *st, bool verbose)
{
	struct emauth_spf_result r;
	unsigned bad = 0, queries = 0, terms = 0;

	for (size_t i = 0; i < st->set.n; i++) {
		const struct scenario *s = &st->set.v[i];
		bool known;
		const char *want = scenario_expect(s, "emauth", &known);
		int rc = evaluate(st, i, &r);
		const char *got =
		    rc ? emauth_strerror(rc) : emauth_result_name(r.result);
		bool ok = strcmp(got, want) == 0;
		if (!ok)
			bad++;
		if (rc == 0) {
			queries += r.dns_queries;
			terms += r.dns_lookups;
		}
		if (verbose || !ok) {
			printf("%s line %d: %s %s -> %s",
			    ok ? "ok" : "MISMATCH", s->line, s->ip,
			    s->mail_from[0] ? s->mail_from : "<>", got);
			if (!ok)
				printf(" (expected %s)", want);
			else if (known)
				printf(" (a known difference)");
			if (rc == 0 && r.problem[0])
				printf(": %s", r.problem);
			putchar('\n');
		}
	}
	printf("per evaluation: %.2f DNS queries, %.2f DNS-querying terms\n",
	    (double)queries / (double)st->set.n,
	    (double)terms / (double)st->set.n);
	return bad;
}

int
main(int argc, char **argv)
{
	struct bench_opts opts = {3.0, 0, false};
	struct state st;
	const char *spec = NULL;
	bool fresh = false;
	int c;

	memset(&st, 0, sizeof(st));
	while ((c = getopt(argc, argv, "t:n:d:fv")) != -1) {
		switch (c) {
		case 't':
			opts.seconds = bench_parse_seconds("spf_bench", optarg);
			break;
		case 'n':
			opts.rounds = bench_parse_count("spf_bench", optarg);
			break;
		case 'd':
			spec = optarg;
			break;
		case 'f':
			fresh = true;
			break;
		case 'v':
			opts.verbose = true;
			break;
		default:
			fprintf(stderr, "usage: spf_bench [-t SECONDS | -n "
			                "ROUNDS] [-d SPEC] [-f] [-v] [DIR]\n");
			return 2;
		}
	}
	if (argc - optind > 1)
		bench_die("spf_bench: one scenario directory at most");
	scenarios_load(
	    optind < argc ? argv[optind] : BENCH_SCENARIO_DIR, &st.set);
	emauth_global_init();
	st.spec = spec ? spec : st.set.zone_spec;
	st.ctx = fresh ? NULL : new_ctx(st.spec);
	st.q = calloc(st.set.n, sizeof(*st.q));
	if (st.q == NULL)
		bench_die("spf_bench: out of memory");
	for (size_t i = 0; i < st.set.n; i++) {
		const struct scenario *s = &st.set.v[i];
		st.q[i].ip = s->ip;
		st.q[i].mail_from = s->mail_from;
		st.q[i].helo = s->helo;
		st.q[i].receiver = RECEIVER;
		st.q[i].identity = EMAUTH_SPF_MAILFROM;
	}

	unsigned bad = check(&st, opts.verbose);
	double secs;
	unsigned long evals = bench_run(&opts, one_round, &st, &secs);
	char name[64];
	snprintf(name, sizeof(name), "emauth-%s%s",
	    strncmp(st.spec, "zone:", 5) == 0 ? "zone" : "server",
	    fresh ? "-fresh" : "");
	bench_report(name, evals, secs, bench_maxrss_kib(false), bad);

	emauth_ctx_free(st.ctx);
	free(st.q);
	scenarios_free(&st.set);
	return bad ? 1 : 0;
}
