/*
 * bench.c: the scenario reader, clock, memory figure, timed loop and report
 * shared by the SPF benchmark programs (see bench.h). The scenario file is
 * ours and trusted, but it is still read with bounds: a line longer than
 * the buffer, or with too few fields, stops the program with its number.
 */
#define _POSIX_C_SOURCE 200809L

#include "bench.h"

#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

void
bench_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);
	if (d == NULL)
		bench_die("out of memory");
	return d;
}

/* Splits @line in place into whitespace-separated fields, up to a '#'. */
static size_t
split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p == '\0' || *p == '#' || n == max)
			break;
		f[n++] = p;
		while (
		    *p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		if (*p == '\0')
			break;
		*p++ = '\0';
	}
	return n;
}

void
scenarios_load(const char *dir, struct scenario_set *out)
{
	char path[4096], line[1024];
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/scenarios.txt", dir);
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		bench_die("%s: cannot open", path);
	for (int ln = 1; fgets(line, sizeof(line), fp) != NULL; ln++) {
		char *f[4 + BENCH_KNOWN_MAX];
		if (strchr(line, '\n') == NULL && !feof(fp))
			bench_die("%s:%d: line too long", path, ln);
		size_t nf = split(line, f, 4 + BENCH_KNOWN_MAX);
		if (nf == 0)
			continue;
		if (nf < 4)
			bench_die(
			    "%s:%d: want IP MAIL-FROM HELO EXPECTED", path, ln);
		if (out->n == cap) {
			cap = cap ? cap * 2 : 32;
			out->v = realloc(out->v, cap * sizeof(*out->v));
			if (out->v == NULL)
				bench_die("out of memory");
		}
		struct scenario *s = &out->v[out->n++];
		memset(s, 0, sizeof(*s));
		s->line = ln;
		s->ip = xstrdup(f[0]);
		s->mail_from = xstrdup(strcmp(f[1], "<>") == 0 ? "" : f[1]);
		s->helo = xstrdup(f[2]);
		s->expected = xstrdup(f[3]);
		for (size_t i = 4; i < nf; i++) {
			if (strchr(f[i], '=') == NULL)
				bench_die("%s:%d: '%s' is not IMPL=RESULT",
				    path, ln, f[i]);
			s->known[s->nknown++] = xstrdup(f[i]);
		}
	}
	fclose(fp);
	if (out->n == 0)
		bench_die("%s: no scenarios", path);

	glob_t g;
	snprintf(path, sizeof(path), "%s/*.zone", dir);
	if (glob(path, 0, NULL, &g) != 0 || g.gl_pathc == 0)
		bench_die("%s: no zone files", path);
	out->nzones = g.gl_pathc;
	out->zones = calloc(g.gl_pathc, sizeof(*out->zones));
	size_t speclen = sizeof("zone:");
	for (size_t i = 0; out->zones && i < g.gl_pathc; i++) {
		out->zones[i] = xstrdup(g.gl_pathv[i]);
		speclen += strlen(g.gl_pathv[i]) + 1;
	}
	globfree(&g);
	out->zone_spec = malloc(speclen);
	if (out->zones == NULL || out->zone_spec == NULL)
		bench_die("out of memory");
	size_t pos = (size_t)snprintf(out->zone_spec, speclen, "zone:");
	for (size_t i = 0; i < out->nzones; i++)
		pos += (size_t)snprintf(out->zone_spec + pos, speclen - pos,
		    "%s%s", i ? "," : "", out->zones[i]);
}

void
scenarios_free(struct scenario_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct scenario *c = &s->v[i];
		free(c->ip);
		free(c->mail_from);
		free(c->helo);
		free(c->expected);
		for (size_t k = 0; k < c->nknown; k++)
			free(c->known[k]);
	}
	free(s->v);
	for (size_t i = 0; i < s->nzones; i++)
		free(s->zones[i]);
	free(s->zones);
	free(s->zone_spec);
	memset(s, 0, sizeof(*s));
}

const char *
scenario_expect(const struct scenario *s, const char *impl, bool *known)
{
	size_t len = strlen(impl);

	*known = false;
	for (size_t i = 0; i < s->nknown; i++)
		if (strncmp(s->known[i], impl, len) == 0 &&
		    s->known[i][len] == '=') {
			*known = true;
			return s->known[i] + len + 1;
		}
	return s->expected;
}

double
bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long
bench_maxrss_kib(bool children)
{
	struct rusage ru;
	if (getrusage(children ? RUSAGE_CHILDREN : RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss; /* Linux reports KiB */
}

/* Digits, optionally a '.' and more digits; at most 9 before the point. */
static bool
parse_decimal(const char *s, double *out)
{
	double v = 0, scale = 1;
	int before = 0, after = 0;
	bool point = false;

	for (; *s; s++) {
		if (*s == '.' && !point) {
			point = true;
			continue;
		}
		if (*s < '0' || *s > '9')
			return false;
		if (point) {
			scale /= 10;
			v += (*s - '0') * scale;
			after++;
		} else {
			if (++before > 9)
				return false;
			v = v * 10 + (*s - '0');
		}
	}
	*out = v;
	return before + after > 0;
}

double
bench_parse_seconds(const char *prog, const char *arg)
{
	double v = 0;
	if (!parse_decimal(arg, &v) || v <= 0)
		bench_die("%s: -t wants a positive number of seconds, not '%s'",
		    prog, arg);
	return v;
}

unsigned long
bench_parse_count(const char *prog, const char *arg)
{
	double v = 0;
	if (strchr(arg, '.') || !parse_decimal(arg, &v) || v < 1)
		bench_die("%s: -n wants a positive whole number, not '%s'",
		    prog, arg);
	return (unsigned long)v;
}

unsigned long
bench_run(const struct bench_opts *opts, unsigned long (*round)(void *arg),
    void *arg, double *seconds)
{
	unsigned long evals = 0, rounds = 0;

	round(arg); /* warm-up, untimed */
	double t0 = bench_now(), t = t0;
	for (;;) {
		evals += round(arg);
		rounds++;
		if (opts->rounds > 0) {
			if (rounds >= opts->rounds)
				break;
			continue;
		}
		t = bench_now();
		if (t - t0 >= opts->seconds)
			break;
	}
	if (opts->rounds > 0)
		t = bench_now();
	*seconds = t - t0;
	return evals;
}

void
bench_report(const char *name, unsigned long evals, double seconds,
    long maxrss_kib, unsigned mismatches)
{
	double rate = seconds > 0 ? (double)evals / seconds : 0;
	printf("%s: %lu evaluations in %.3f s: %.0f evaluations/s, "
	       "%.2f us each; max RSS %ld KiB\n",
	    name, evals, seconds, rate, evals ? seconds * 1e6 / evals : 0.0,
	    maxrss_kib);
	printf("bench=%s evaluations=%lu seconds=%.6f rate=%.1f maxrss_kib=%ld "
	       "mismatches=%u\n",
	    name, evals, seconds, rate, maxrss_kib, mismatches);
	fflush(stdout);
}
