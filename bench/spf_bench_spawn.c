/*
 * spf_bench_spawn.c: SPF evaluations per second when each evaluation is a
 * process, as when a script runs a command per message: "emauth spf" or
 * libspf2's spfquery, once per scenario of bench/spf-scenarios, round
 * after round. Processes are started with posix_spawn and waited for, one
 * at a time, their output thrown away; the rate therefore includes exec,
 * dynamic linking, resolver set-up and the DNS round trips (no cache lives
 * from one process to the next). A first pass reads each command's first
 * line and compares its last word with the expected result.
 *
 * usage: spf_bench_spawn -k emauth|spfquery [-p PROGRAM] [-d SPEC]
 *                        [-t SECONDS | -n ROUNDS] [-v] [DIR]
 * -d SPEC is passed to emauth as --dns SPEC; spfquery uses the servers of
 * /etc/resolv.conf.
 */
#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#ifndef BENCH_SCENARIO_DIR
#define BENCH_SCENARIO_DIR "bench/spf-scenarios"
#endif

#define RECEIVER "mx.receiver.example"

extern char **environ;

enum kind { K_EMAUTH, K_SPFQUERY };

struct state {
	struct scenario_set set;
	enum kind kind;
	const char *prog, *spec;
};

/* Builds the command line for scenario @s into @av (at most 16 slots). */
static void
build_argv(const struct state *st, const struct scenario *s, char **av)
{
	size_t n = 0;
	bool null_sender = s->mail_from[0] == '\0';

	av[n++] = (char *)(uintptr_t)st->prog;
	if (st->kind == K_EMAUTH) {
		av[n++] = "spf";
		av[n++] = "--ip";
		av[n++] = s->ip;
		av[n++] = "--mail-from";
		av[n++] = s->mail_from;
		/* Only for the null sender: with both, emauth also checks
		 * the HELO identity, which would be a second evaluation. */
		if (null_sender) {
			av[n++] = "--helo";
			av[n++] = s->helo;
		}
		av[n++] = "--receiver";
		av[n++] = RECEIVER;
		if (st->spec) {
			av[n++] = "--dns";
			av[n++] = (char *)(uintptr_t)st->spec;
		}
	} else {
		/* spfquery takes -sender '' for the null reverse-path. */
		av[n++] = "-ip";
		av[n++] = s->ip;
		av[n++] = "-sender";
		av[n++] = s->mail_from;
		av[n++] = "-helo";
		av[n++] = s->helo;
		av[n++] = "-name";
		av[n++] = RECEIVER;
	}
	av[n] = NULL;
}

/* Runs one command; with @out, its standard output is read into @out. */
static int
run(const struct state *st, const struct scenario *s, char *out, size_t size)
{
	char *av[16];
	posix_spawn_file_actions_t fa;
	int pfd[2] = {-1, -1}, status;
	pid_t pid;

	build_argv(st, s, av);
	posix_spawn_file_actions_init(&fa);
	if (out) {
		if (pipe(pfd) != 0)
			bench_die("spf_bench_spawn: pipe failed");
		posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
		posix_spawn_file_actions_addclose(&fa, pfd[0]);
		posix_spawn_file_actions_addclose(&fa, pfd[1]);
	} else {
		posix_spawn_file_actions_addopen(
		    &fa, 1, "/dev/null", O_WRONLY, 0);
	}
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, st->prog, &fa, NULL, av, environ) != 0)
		bench_die("spf_bench_spawn: cannot run %s", st->prog);
	posix_spawn_file_actions_destroy(&fa);
	if (out) {
		size_t pos = 0;
		ssize_t r;
		close(pfd[1]);
		while (pos + 1 < size &&
		       (r = read(pfd[0], out + pos, size - 1 - pos)) > 0)
			pos += (size_t)r;
		out[pos] = '\0';
		/* Drain the rest so the child never blocks on a full pipe. */
		char sink[256];
		while (read(pfd[0], sink, sizeof(sink)) > 0)
			;
		close(pfd[0]);
	}
	if (waitpid(pid, &status, 0) != pid)
		bench_die("spf_bench_spawn: waitpid failed");
	return status;
}

static unsigned long
one_round(void *arg)
{
	struct state *st = arg;
	for (size_t i = 0; i < st->set.n; i++)
		run(st, &st->set.v[i], NULL, 0);
	return st->set.n;
}

/* The last word of the first line of @text that is not inside a
 * StartError/EndError block (spfquery prints its errors first), in place. */
static const char *
first_line_result(char *text)
{
	bool in_error = false;
	char *line = text;

	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		char *end = line + strlen(line);
		while (end > line && (end[-1] == ' ' || end[-1] == '\r'))
			*--end = '\0';
		if (strcmp(line, "StartError") == 0)
			in_error = true;
		else if (strcmp(line, "EndError") == 0)
			in_error = false;
		else if (!in_error && line[0]) {
			char *w = end;
			while (w > line && w[-1] != ' ')
				w--;
			return w;
		}
		line = nl ? nl + 1 : NULL;
	}
	return "";
}

static int
usage(void)
{
	fprintf(stderr,
	    "usage: spf_bench_spawn -k emauth|spfquery [-p PROGRAM] "
	    "[-d SPEC] [-t SECONDS | -n ROUNDS] [-v] [DIR]\n");
	return 2;
}

static unsigned
check(struct state *st, bool verbose)
{
	const char *impl = st->kind == K_EMAUTH ? "emauth" : "libspf2";
	unsigned bad = 0;
	char out[4096];

	for (size_t i = 0; i < st->set.n; i++) {
		const struct scenario *s = &st->set.v[i];
		bool known;
		const char *want = scenario_expect(s, impl, &known);
		run(st, s, out, sizeof(out));
		const char *got = first_line_result(out);
		bool ok = strcmp(got, want) == 0;
		if (!ok)
			bad++;
		if (verbose || !ok || known)
			printf("%s line %d: %s %s -> %s%s%s%s\n",
			    ok ? (known ? "KNOWN" : "ok") : "MISMATCH", s->line,
			    s->ip, s->mail_from[0] ? s->mail_from : "<>",
			    got[0] ? got : "(no output)",
			    ok ? "" : " (expected ", ok ? "" : want,
			    ok ? "" : ")");
	}
	return bad;
}

int
main(int argc, char **argv)
{
	struct bench_opts opts = {3.0, 0, false};
	struct state st;
	const char *kind = NULL;
	int c;

	memset(&st, 0, sizeof(st));
	while ((c = getopt(argc, argv, "k:p:d:t:n:v")) != -1) {
		switch (c) {
		case 'k':
			kind = optarg;
			break;
		case 'p':
			st.prog = optarg;
			break;
		case 'd':
			st.spec = optarg;
			break;
		case 't':
			opts.seconds =
			    bench_parse_seconds("spf_bench_spawn", optarg);
			break;
		case 'n':
			opts.rounds =
			    bench_parse_count("spf_bench_spawn", optarg);
			break;
		case 'v':
			opts.verbose = true;
			break;
		default:
			return usage();
		}
	}
	if (kind == NULL || argc - optind > 1)
		return usage();
	if (strcmp(kind, "emauth") == 0)
		st.kind = K_EMAUTH;
	else if (strcmp(kind, "spfquery") == 0)
		st.kind = K_SPFQUERY;
	else
		bench_die("spf_bench_spawn: -k wants emauth or spfquery");
	if (st.prog == NULL)
		st.prog = st.kind == K_EMAUTH ? "emauth" : "spfquery";
	scenarios_load(
	    optind < argc ? argv[optind] : BENCH_SCENARIO_DIR, &st.set);

	unsigned bad = check(&st, opts.verbose);
	double secs;
	unsigned long evals = bench_run(&opts, one_round, &st, &secs);
	bench_report(st.kind == K_EMAUTH ? "emauth-cli" : "spfquery", evals,
	    secs, bench_maxrss_kib(true), bad);
	scenarios_free(&st.set);
	return 0;
}
