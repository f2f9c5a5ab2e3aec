/*
 * bench.h: what the SPF benchmark programs share. The scenario set (a
 * directory holding scenarios.txt and RFC 1035 zone files), a monotonic
 * clock, the peak resident set size, the timed loop, and the one-line
 * report that bench/run-spf.sh collects:
 *
 *   bench=NAME evaluations=N seconds=S rate=R maxrss_kib=K mismatches=M
 *
 * The programs take their options in the same shape: -t SECONDS (run whole
 * rounds until at least that long), -n ROUNDS (run exactly that many; for
 * instruction counts), -v (print each scenario's answer).
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__GNUC__)
#define BENCH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define BENCH_NORETURN __attribute__((noreturn))
#else
#define BENCH_PRINTF(f, a)
#define BENCH_NORETURN
#endif

/* Known differences a scenario line may name, as IMPL=RESULT. */
#define BENCH_KNOWN_MAX 4

struct scenario {
	char *ip;
	char *mail_from; /* "" for the null reverse-path ("<>" in the file) */
	char *helo;
	char *expected; /* the RFC 7208 result */
	char *known[BENCH_KNOWN_MAX];
	size_t nknown;
	int line;
};

struct scenario_set {
	struct scenario *v;
	size_t n;
	char **zones; /* the directory's *.zone files, sorted */
	size_t nzones;
	char *zone_spec; /* "zone:FILE,FILE,..." for emauth */
};

/* Reads scenarios.txt in @dir and finds the *.zone files there. Exits on
 * error; every string is owned by the set until scenarios_free(). */
void scenarios_load(const char *dir, struct scenario_set *out);
void scenarios_free(struct scenario_set *s);

/* The result @impl ("emauth", "libspf2", "pyspf") should give: a known
 * difference named on the line, else the expected result. Sets @known when
 * it is a known difference. */
const char *scenario_expect(
    const struct scenario *s, const char *impl, bool *known);

/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);
/* Peak resident set size of this process (or of its waited-for children
 * when @children), in KiB. */
long bench_maxrss_kib(bool children);

struct bench_opts {
	double seconds; /* -t: run rounds until this many seconds passed */
	unsigned long rounds; /* -n: exactly this many rounds, when > 0 */
	bool verbose;         /* -v */
};

/* Parses -t and -n values; exits with a message on a bad one. */
double bench_parse_seconds(const char *prog, const char *arg);
unsigned long bench_parse_count(const char *prog, const char *arg);

/*
 * The timed loop: calls @round(@arg) (one pass over every scenario, which
 * returns the number of evaluations it made) until opts->rounds rounds are
 * done, or, without -n, until opts->seconds have passed. One untimed round
 * runs first to warm caches. Returns the evaluations; @seconds is OUT.
 */
unsigned long bench_run(const struct bench_opts *opts,
    unsigned long (*round)(void *arg), void *arg, double *seconds);

/* Prints the human line and the bench= line. */
void bench_report(const char *name, unsigned long evals, double seconds,
    long maxrss_kib, unsigned mismatches);

/* Prints the message and a newline to stderr and exits with status 2. */
void bench_die(const char *fmt, ...) BENCH_PRINTF(1, 2) BENCH_NORETURN;

#endif
