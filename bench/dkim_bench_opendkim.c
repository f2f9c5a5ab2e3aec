/*
 * dkim_bench_opendkim.c: the same measure as dkim_bench, with libopendkim
 * (OpenDKIM 2.11, Debian's libopendkim-dev) in process. The message is
 * given whole to dkim_chunk(), which splits header and body itself.
 * Verification takes key records from a file (DKIM_QUERY_FILE: lines
 * "selector._domainkey.domain record"), so no DNS is involved; OpenDKIM
 * reads and parses the key for every message, as it has no parsed-key
 * cache.
 *
 * usage: dkim_bench_opendkim -m sign -k KEYFILE [-a rsa|ed25519]
 *            [-s SELECTOR] [-D DOMAIN] [-t SECONDS | -n COUNT] [-l LABEL]
 *            FILE
 *        dkim_bench_opendkim -m verify -q KEYS-FILE [-t SECONDS | -n COUNT]
 *            [-l LABEL] FILE
 */
#define _DEFAULT_SOURCE /* u_char in <opendkim/dkim.h> */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <opendkim/dkim.h>

#include "bench.h"

struct state {
	const char *label;
	unsigned char *msg;
	size_t len;
	DKIM_LIB *lib;
	unsigned char *key;
	const char *domain, *selector;
	dkim_alg_t alg;
	bool ok;
};

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		bench_die("dkim_bench_opendkim: %s: cannot open", path);
	for (;;) {
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 65536;
			if ((p = realloc(p, cap)) == NULL)
				bench_die("dkim_bench_opendkim: out of memory");
		}
		size_t r = fread(p + n, 1, cap - n - 1, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	p[n] = '\0';
	*len = n;
	return p;
}

static unsigned long
sign_round(void *arg)
{
	struct state *st = arg;
	DKIM_STAT stat;
	unsigned char hdr[4096];
	DKIM *d = dkim_sign(st->lib, (const unsigned char *)"bench", NULL,
	    st->key, (const unsigned char *)st->selector,
	    (const unsigned char *)st->domain, DKIM_CANON_RELAXED,
	    DKIM_CANON_RELAXED, st->alg, -1, &stat);

	if (d == NULL)
		bench_die("dkim_bench_opendkim: dkim_sign: status %d", stat);
	st->ok = dkim_chunk(d, st->msg, st->len) == DKIM_STAT_OK &&
	         dkim_chunk(d, NULL, 0) == DKIM_STAT_OK &&
	         dkim_eom(d, NULL) == DKIM_STAT_OK &&
	         dkim_getsighdr(d, hdr, sizeof(hdr),
	             strlen("DKIM-Signature: ")) == DKIM_STAT_OK;
	dkim_free(d);
	return 1;
}

static unsigned long
verify_round(void *arg)
{
	struct state *st = arg;
	DKIM_STAT stat;
	DKIM *d =
	    dkim_verify(st->lib, (const unsigned char *)"bench", NULL, &stat);

	if (d == NULL)
		bench_die("dkim_bench_opendkim: dkim_verify: status %d", stat);
	st->ok = dkim_chunk(d, st->msg, st->len) == DKIM_STAT_OK &&
	         dkim_chunk(d, NULL, 0) == DKIM_STAT_OK &&
	         dkim_eom(d, NULL) == DKIM_STAT_OK;
	dkim_free(d);
	return 1;
}

int
main(int argc, char **argv)
{
	struct bench_opts opts = {3.0, 0, false};
	struct state st;
	const char *mode = NULL, *keyfile = NULL, *keys = NULL;
	int c;

	memset(&st, 0, sizeof(st));
	st.domain = "example.com";
	st.selector = "demo2026";
	st.alg = DKIM_SIGN_RSASHA256;
	while ((c = getopt(argc, argv, "m:k:a:s:D:q:t:n:l:")) != -1) {
		switch (c) {
		case 'm':
			mode = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'a':
			st.alg = strcmp(optarg, "ed25519") == 0
			             ? DKIM_SIGN_ED25519SHA256
			             : DKIM_SIGN_RSASHA256;
			break;
		case 's':
			st.selector = optarg;
			break;
		case 'D':
			st.domain = optarg;
			break;
		case 'q':
			keys = optarg;
			break;
		case 't':
			opts.seconds =
			    bench_parse_seconds("dkim_bench_opendkim", optarg);
			break;
		case 'n':
			opts.rounds =
			    bench_parse_count("dkim_bench_opendkim", optarg);
			break;
		case 'l':
			st.label = optarg;
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
	if ((st.lib = dkim_init(NULL, NULL)) == NULL)
		bench_die("dkim_bench_opendkim: dkim_init failed");

	unsigned long (*round)(void *);
	if (strcmp(mode, "sign") == 0 && keyfile != NULL) {
		size_t klen;
		st.key = slurp(keyfile, &klen);
		round = sign_round;
	} else if (strcmp(mode, "verify") == 0 && keys != NULL) {
		int method = DKIM_QUERY_FILE;
		static char path[4096];
		snprintf(path, sizeof(path), "%s", keys);
		if (dkim_options(st.lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD,
		        &method, sizeof(method)) != DKIM_STAT_OK ||
		    dkim_options(st.lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO,
		        path, strlen(path)) != DKIM_STAT_OK)
			bench_die(
			    "dkim_bench_opendkim: cannot set the key file");
		round = verify_round;
	} else {
		goto usage;
	}

	round(&st);
	unsigned bad = !st.ok;
	if (bad)
		fprintf(stderr,
		    "dkim_bench_opendkim: %s: the first %s failed\n", st.label,
		    mode);
	double secs;
	unsigned long n = bench_run(&opts, round, &st, &secs);
	char name[96];
	snprintf(name, sizeof(name), "opendkim-%s", st.label);
	bench_report(name, n, secs, bench_maxrss_kib(false), bad);
	dkim_close(st.lib);
	free(st.key);
	free(st.msg);
	return bad ? 1 : 0;
usage:
	fprintf(stderr, "usage: dkim_bench_opendkim -m sign -k KEYFILE "
	                "[-a rsa|ed25519] [-s SEL] [-D DOMAIN] [-t SECONDS | "
	                "-n COUNT] [-l LABEL] FILE\n"
	                "       dkim_bench_opendkim -m verify -q KEYS-FILE "
	                "[-t SECONDS | -n COUNT] [-l LABEL] FILE\n");
	return 2;
}
