/*
 * bounce_sisimai.c: runs Sisimai's set of real bounces
 * (tests/data/suites/bounces-sisimai: the messages in maildir/,
 * expected.tsv, not/)
 * through emauth_bounce_parse(). Each recipient of expected.tsv is three
 * named tests, one per aspect: "bounce/FILE#N status", "... hard", "...
 * reason" (N counts a file's recipients from 1, in the order of the
 * bounce). A file holding several messages (an mbox: "From " lines) is
 * read message by message, its recipients in turn. Each message of not/
 * is one test: it must not be a bounce.
 *
 * Where we differ from the expectations, the case is listed in
 * tests/conformance/bounce-sisimai.differ (file#N, aspect, expected, ours,
 * why), and docs/conformance.md explains each. A listed case passes only
 * while it still differs exactly as listed, so an improvement shows as a
 * failure too (the list is then updated). At the end, the share of
 * recipients read right for each aspect is checked against the aims
 * (status 98%, hard 95%, reason 90%) and printed.
 *
 * usage: conf_bounce_sisimai [DIR [DIFFER-FILE]]
 *   DIR: the suite folder, or the zones folder next to suites/ (what
 *   tests/run gives unit programs); by default $EMAUTH_TOP's suite.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <emauth/bounce.h>

#define LINE_MAX_ 2048
#define DIFFER_MAX 256

struct differ {
	char name[300]; /* file#N */
	char aspect[16];
	char expected[40];
	char ours[40];
	int used;
};
static struct differ differs[DIFFER_MAX];
static size_t ndiffer;
static int npass, nfail;

static void
result(int ok, const char *fmt, const char *a, const char *b, const char *note)
{
	printf("%s ", ok ? "ok" : "not ok");
	printf(fmt, a, b);
	if (note != NULL && note[0])
		printf(" # %s", note);
	printf("\n");
	if (ok)
		npass++;
	else
		nfail++;
}

/* Copies @src into @dst (@n bytes with the NUL), cut when longer. */
static void
copy(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);
	if (l >= n)
		l = n - 1;
	memcpy(dst, src, l);
	dst[l] = '\0';
}

static int
exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	size_t cap = 0, n = 0;
	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			unsigned char *q = realloc(p, cap + 1);
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

/* Splits @p (@len bytes) into messages at mbox "From " lines (RFC 4155:
 * at the start, or after an empty line). @return the count, the starts in
 * @at (at most @max). */
static size_t
split_mbox(const unsigned char *p, size_t len, size_t *at, size_t max)
{
	size_t n = 0;
	at[n++] = 0;
	for (size_t i = 1; i + 5 <= len && n < max; i++)
		if (p[i - 1] == '\n' && memcmp(p + i, "From ", 5) == 0 &&
		    i >= 2 && p[i - 2] == '\n')
			at[n++] = i;
	return n;
}

static void
load_differ(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[LINE_MAX_];
	if (f == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f) && ndiffer < DIFFER_MAX) {
		char *col[5];
		size_t k = 0;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = '\0';
		col[k++] = line;
		for (char *c = line; *c && k < 5; c++)
			if (*c == '\t') {
				*c = '\0';
				col[k++] = c + 1;
			}
		if (k < 4)
			continue;
		struct differ *d = &differs[ndiffer++];
		copy(d->name, sizeof(d->name), col[0]);
		copy(d->aspect, sizeof(d->aspect), col[1]);
		copy(d->expected, sizeof(d->expected), col[2]);
		copy(d->ours, sizeof(d->ours), col[3]);
	}
	fclose(f);
}

static struct differ *
find_differ(const char *name, const char *aspect)
{
	for (size_t i = 0; i < ndiffer; i++)
		if (strcmp(differs[i].name, name) == 0 &&
		    strcmp(differs[i].aspect, aspect) == 0)
			return &differs[i];
	return NULL;
}

/* One aspect of one recipient. @return 1 when ours is the expected. */
static int
check(const char *name, const char *aspect, const char *want, const char *got)
{
	char label[400];
	struct differ *d = find_differ(name, aspect);
	int same = strcmp(want, got) == 0;
	snprintf(label, sizeof(label), "bounce/%s %s", name, aspect);
	if (d != NULL)
		d->used = 1;
	if (same && d == NULL)
		result(1, "%s%s", label, "", NULL);
	else if (same)
		result(0, "%s%s", label, "",
		    "listed in bounce-sisimai.differ, but agrees now");
	else if (d != NULL && strcmp(d->expected, want) == 0 &&
	         strcmp(d->ours, got) == 0)
		result(1, "%s%s", label, "", "differs as listed");
	else {
		char note[200];
		snprintf(note, sizeof(note), "expected \"%s\", got \"%s\"%s",
		    want, got, d ? " (listed otherwise)" : "");
		result(0, "%s%s", label, "", note);
	}
	return same;
}

/* The recipients of every message in @path, in order. */
struct got {
	struct emauth_bounce_rcpt *r;
	size_t n;
	enum emauth_bounce_kind kind;
	int rc;
};

static void
read_file(const char *path, struct got *g)
{
	size_t len = 0, at[16];
	unsigned char *p = slurp(path, &len);
	memset(g, 0, sizeof(*g));
	if (p == NULL) {
		g->rc = -1;
		return;
	}
	size_t nm = split_mbox(p, len, at, 16);
	for (size_t m = 0; m < nm; m++) {
		size_t end = m + 1 < nm ? at[m + 1] : len;
		struct emauth_span s = {p + at[m], end - at[m]};
		struct emauth_bounce *b = NULL;
		char err[256];
		int rc = emauth_bounce_parse(s, &b, err, sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "%s: %s\n", path, err);
			g->rc = rc;
			continue;
		}
		if (m == 0 || g->kind == EMAUTH_BOUNCE_NOT)
			g->kind = b->kind;
		if (b->nrcpts > 0) {
			struct emauth_bounce_rcpt *q =
			    realloc(g->r, (g->n + b->nrcpts) * sizeof(*q));
			if (q != NULL) {
				g->r = q;
				memcpy(g->r + g->n, b->rcpts,
				    b->nrcpts * sizeof(*q));
				g->n += b->nrcpts;
			}
		}
		emauth_bounce_free(b);
	}
	free(p);
}

int
main(int argc, char **argv)
{
	char suite[1024], differ[1100], path[1400], line[LINE_MAX_];
	const char *top = getenv("EMAUTH_TOP");
	size_t total = 0, right[3] = {0, 0, 0};

	if (argc > 1) {
		snprintf(path, sizeof(path), "%s/expected.tsv", argv[1]);
		if (exists(path))
			snprintf(suite, sizeof(suite), "%s", argv[1]);
		else
			snprintf(suite, sizeof(suite),
			    "%s/../suites/bounces-sisimai", argv[1]);
	} else if (top != NULL) {
		snprintf(suite, sizeof(suite),
		    "%s/tests/data/suites/bounces-sisimai", top);
	} else {
		fprintf(stderr, "usage: %s [DIR [DIFFER-FILE]]\n", argv[0]);
		return 2;
	}
	if (argc > 2)
		snprintf(differ, sizeof(differ), "%s", argv[2]);
	else
		snprintf(differ, sizeof(differ),
		    "%s/../../../conformance/bounce-sisimai.differ", suite);
	if (!exists(differ) && top != NULL)
		snprintf(differ, sizeof(differ),
		    "%s/tests/conformance/bounce-sisimai.differ", top);
	load_differ(differ);

	snprintf(path, sizeof(path), "%s/expected.tsv", suite);
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		return 2;
	}
	char cur[300] = "";
	struct got g;
	size_t idx = 0;
	memset(&g, 0, sizeof(g));
	while (fgets(line, sizeof(line), f)) {
		char *col[5];
		size_t k = 0;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		col[k++] = line;
		for (char *c = line; *c && k < 5; c++)
			if (*c == '\t') {
				*c = '\0';
				col[k++] = c + 1;
			}
		if (k < 5)
			continue;
		if (strcmp(cur, col[0]) != 0) {
			free(g.r);
			copy(cur, sizeof(cur), col[0]);
			snprintf(
			    path, sizeof(path), "%s/maildir/%s", suite, cur);
			read_file(path, &g);
			idx = 0;
		}
		char name[400], hard[4];
		snprintf(name, sizeof(name), "%s#%zu", cur, idx + 1);
		const struct emauth_bounce_rcpt *r =
		    idx < g.n ? &g.r[idx] : NULL;
		snprintf(hard, sizeof(hard), "%d", r ? r->hard : -1);
		total++;
		right[0] += (size_t)check(
		    name, "status", col[1], r ? r->status : "(none)");
		right[1] +=
		    (size_t)check(name, "hard", col[4], r ? hard : "(none)");
		right[2] += (size_t)check(
		    name, "reason", col[3], r ? r->reason : "(none)");
		idx++;
	}
	free(g.r);
	fclose(f);

	/* Not bounces. */
	snprintf(path, sizeof(path), "%s/not", suite);
	DIR *dir = opendir(path);
	if (dir != NULL) {
		struct dirent *e;
		while ((e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			char file[1700];
			snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
			read_file(file, &g);
			result(g.rc == 0 && g.kind == EMAUTH_BOUNCE_NOT &&
			           g.n == 0,
			    "bounce/not/%s%s", e->d_name, "",
			    g.kind == EMAUTH_BOUNCE_NOT ? ""
			                                : "read as a bounce");
			free(g.r);
			memset(&g, 0, sizeof(g));
		}
		closedir(dir);
	}

	/* Every listed difference must still be a case of the suite. */
	for (size_t i = 0; i < ndiffer; i++)
		if (!differs[i].used)
			result(0, "bounce-sisimai.differ: %s %s",
			    differs[i].name, differs[i].aspect,
			    "not a case of the suite");

	/* The aims. */
	static const char *const aspects[] = {"status", "hard", "reason"};
	static const double aims[] = {98.0, 95.0, 90.0};
	for (int a = 0; a < 3; a++) {
		double pct =
		    total ? 100.0 * (double)right[a] / (double)total : 0.0;
		char note[120], label[64];
		snprintf(note, sizeof(note),
		    "%zu of %zu recipients, %.1f%%; aim %.0f%%", right[a],
		    total, pct, aims[a]);
		snprintf(label, sizeof(label), "bounce/aim-%s", aspects[a]);
		result(total > 0 && pct >= aims[a], "%s%s", label, "", note);
	}
	printf("%d passed, %d failed\n", npass, nfail);
	return nfail ? 1 : 0;
}
