/*
 * bounce_bench.c: bounces read per second by emauth_bounce_parse(), the
 * side of bench/run-bounce.sh that Sisimai is measured beside
 * (bounce_bench_sisimai.pl does the same on the same files). Every file
 * named is read into memory first; then all of them are parsed N times
 * (after one warm-up pass), timed with CLOCK_MONOTONIC. Prints
 *   emauth_bounce files=F passes=N parsed=P bounces=B rcpts=R seconds=S
 *   rate=M cpu_seconds=C cpu_rate=K
 * where rate is messages parsed per second of wall-clock time, cpu_rate
 * per second of the process's CPU time (the machine may be shared),
 * bounces the messages read as bounces in one pass and rcpts their
 * recipients.
 *
 * usage: bounce_bench [-n PASSES] FILE...
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <emauth/bounce.h>

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	unsigned char *p = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			unsigned char *q = realloc(p, cap);
			if (q == NULL) {
				free(p);
				fclose(f);
				return NULL;
			}
			p = q;
		}
		size_t r = fread(p + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	*len = n;
	return p;
}

static double
clk(clockid_t id)
{
	struct timespec t;
	clock_gettime(id, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One pass over the files; the bounces and their recipients. */
static void
pass(unsigned char **m, size_t *len, int n, unsigned long *bounces,
    unsigned long *rcpts)
{
	char err[256];
	*bounces = *rcpts = 0;
	for (int i = 0; i < n; i++) {
		struct emauth_bounce *b = NULL;
		if (emauth_bounce_parse((struct emauth_span){m[i], len[i]}, &b,
		        err, sizeof(err)) == 0 &&
		    b) {
			if (b->kind == EMAUTH_BOUNCE_DSN ||
			    b->kind == EMAUTH_BOUNCE_NONSTANDARD) {
				++*bounces;
				*rcpts += b->nrcpts;
			}
			emauth_bounce_free(b);
		}
	}
}

int
main(int argc, char **argv)
{
	int passes = 20, c;
	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n') {
			fprintf(stderr,
			    "usage: bounce_bench [-n PASSES] FILE...\n");
			return 2;
		}
		passes = atoi(optarg);
	}
	int n = argc - optind;
	if (n <= 0 || passes <= 0) {
		fprintf(stderr, "usage: bounce_bench [-n PASSES] FILE...\n");
		return 2;
	}
	unsigned char **m = calloc((size_t)n, sizeof(*m));
	size_t *len = calloc((size_t)n, sizeof(*len));
	if (m == NULL || len == NULL)
		return 1;
	for (int i = 0; i < n; i++)
		if ((m[i] = slurp(argv[optind + i], &len[i])) == NULL) {
			fprintf(stderr, "bounce_bench: cannot read %s\n",
			    argv[optind + i]);
			return 1;
		}
	unsigned long bounces, rcpts;
	pass(m, len, n, &bounces, &rcpts); /* warm-up */
	double t0 = clk(CLOCK_MONOTONIC), c0 = clk(CLOCK_PROCESS_CPUTIME_ID);
	for (int k = 0; k < passes; k++)
		pass(m, len, n, &bounces, &rcpts);
	double s = clk(CLOCK_MONOTONIC) - t0;
	double cs = clk(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("emauth_bounce files=%d passes=%d parsed=%lu bounces=%lu "
	       "rcpts=%lu seconds=%.4f rate=%.1f cpu_seconds=%.4f "
	       "cpu_rate=%.1f\n",
	    n, passes, (unsigned long)n * (unsigned long)passes, bounces, rcpts,
	    s, (double)n * passes / s, cs, (double)n * passes / cs);
	for (int i = 0; i < n; i++)
		free(m[i]);
	free(m);
	free(len);
	return 0;
}
