/*
 * report_bench.c: the verdict store (include/emauth/report.h) under a day
 * of traffic. N verdict rows of one UTC day (2026-12-01) are generated,
 * deterministically, from their index: about 50 policy domains that publish
 * rua= (a few large, many small), about 5,000 source IPs (the domains' own
 * servers, 20 sending platforms, forwarders and mailing lists, spoofers),
 * one or two DKIM signatures, SPF results, envelope domains, a realistic
 * mix of pass and fail, and the odd local override. Then, each into a fresh
 * store:
 *
 *   batch=1     one transaction per verdict (a naive writer), the first
 *               -s COUNT rows (default: N, at most 100,000);
 *   batch=1000  emauth_store_add() of 1,000 rows at a time (what the
 *               recorder does, in batches of up to 2,000);
 *   recorder    emauth_recorder_add() for all N (backlog N, so that none
 *               is dropped), then emauth_recorder_free(r, 10 min): the time
 *               from the first add until every row is committed;
 *   build       emauth_report_build() of that day from the batch=1000
 *               store: every report built, XML and gzip, counted.
 *
 * Each phase prints a line that bench/run-report.sh collects:
 *
 *   report_bench phase=NAME rows=N seconds=S rate=R maxrss_kib=K ...
 *
 * maxrss_kib is the peak resident set of the phase alone (the high-water
 * mark is reset through /proc/self/clear_refs before it; "total" when that
 * is not possible).
 *
 * usage: report_bench [-n N] [-s COUNT] [--store SPEC] [--skip PHASES]
 *                     [--dump FILE]
 *
 *   --store SPEC  "sqlite:PATH" (PATH, PATH-wal and PATH-shm are removed
 *                 before each phase) or "postgresql://..." (the emauth
 *                 tables of that database are TRUNCATEd before each phase;
 *                 use a database of its own). Default: a new temporary
 *                 directory with one SQLite file per phase, removed at the
 *                 end.
 *   --skip LIST   phases not to run: single,batch,recorder,build (build
 *                 needs batch).
 *   --dump FILE   write the N rows as tab-separated lines (the fields in
 *                 dump_row()) for bench/report_bench_maildmarc.pl and exit.
 */
#define _GNU_SOURCE

#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <emauth/report.h>

#include <sqlite3.h>
#ifdef HAVE_LIBPQ
#include <libpq-fe.h>
#endif

#include "bench.h"

#define DAY 1796083200 /* 2026-12-01 00:00:00 UTC */
#define NDOMAINS 50
#define NESP 20
#define ESP_IPS 100   /* each platform: 2,000 in all */
#define OWN_IPS 40    /* each policy domain: 2,000 in all */
#define FWD_IPS 500   /* forwarders and mailing lists */
#define SPOOF_IPS 500 /* the rest of the Internet */

/* Deterministic pseudo-random numbers: splitmix64. */
static uint64_t
mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static unsigned
pick(uint64_t *s, unsigned n)
{
	return (unsigned)((mix(s) >> 32) * n >> 32);
}

/* Percent: true with probability p/100. */
static bool
pct(uint64_t *s, unsigned p)
{
	return pick(s, 100) < p;
}

/* The domains' traffic shares: Zipf (the largest sends ~22% of the
 * verdicts, the smallest ~0.4%). */
static double zipf_cum[NDOMAINS];

static void
zipf_init(void)
{
	double sum = 0;
	for (int k = 0; k < NDOMAINS; k++)
		sum += 1.0 / (k + 1);
	double c = 0;
	for (int k = 0; k < NDOMAINS; k++) {
		c += 1.0 / (k + 1) / sum;
		zipf_cum[k] = c;
	}
	zipf_cum[NDOMAINS - 1] = 1.0;
}

static unsigned
pick_domain(uint64_t *s)
{
	double u = (double)(mix(s) >> 11) / 9007199254740992.0;
	unsigned k = 0;
	while (k < NDOMAINS - 1 && u >= zipf_cum[k])
		k++;
	return k;
}

/* Source IP number @n (0..4,999) as text: IPv4 in a few /16s, every
 * tenth one IPv6. */
static void
ip_text(unsigned n, char *out, size_t size)
{
	static const unsigned char nets[][2] = {{198, 51}, {203, 0}, {192, 0},
	    {100, 64}, {185, 12}, {45, 33}, {91, 198}, {149, 72}};
	if (n % 10 == 7) {
		snprintf(out, size, "2001:db8:%x:%x::%x", 0x100 + n / 256,
		    n % 7, 0x10 + n % 256);
		return;
	}
	const unsigned char *net = nets[n % 8];
	unsigned h = (n * 2654435761u) >> 8;
	snprintf(
	    out, size, "%u.%u.%u.%u", net[0], net[1], h % 254 + 1, n % 253 + 2);
}

/* The policy of domain @k. */
static void
policy_of(unsigned k, struct emauth_report_row *r)
{
	static const enum emauth_dmarc_policy ps[] = {EMAUTH_DMARC_REJECT,
	    EMAUTH_DMARC_QUARANTINE, EMAUTH_DMARC_NONE, EMAUTH_DMARC_REJECT,
	    EMAUTH_DMARC_NONE, EMAUTH_DMARC_QUARANTINE, EMAUTH_DMARC_REJECT,
	    EMAUTH_DMARC_NONE, EMAUTH_DMARC_REJECT, EMAUTH_DMARC_QUARANTINE};
	snprintf(
	    r->policy_domain, sizeof(r->policy_domain), "brand%02u.example", k);
	r->p = ps[k % 10];
	r->sp = k % 4 == 1 ? EMAUTH_DMARC_QUARANTINE : EMAUTH_DMARC_UNSET;
	r->np = EMAUTH_DMARC_UNSET;
	r->adkim = k % 7 == 3 ? 's' : 'r';
	r->aspf = k % 5 == 2 ? 's' : 'r';
	r->testing = k % 13 == 6;
	r->psd = 'u';
	snprintf(r->discovery, sizeof(r->discovery), "treewalk");
	if (k % 3 == 0)
		snprintf(r->rua, sizeof(r->rua),
		    "mailto:dmarc@brand%02u.example,"
		    "mailto:rua+brand%02u@dmarc-service.example",
		    k, k);
	else
		snprintf(r->rua, sizeof(r->rua),
		    "mailto:dmarc-reports@brand%02u.example", k);
	if (k % 6 == 0)
		snprintf(
		    r->ruf, sizeof(r->ruf), "mailto:ruf@brand%02u.example", k);
	snprintf(r->fo, sizeof(r->fo), "%s", k % 6 == 0 ? "1" : "0");
}

static void
add_dkim(struct emauth_report_row *r, const char *d, const char *s,
    enum emauth_result res)
{
	struct emauth_report_dkim *k = &r->dkim[r->ndkim++];
	snprintf(k->domain, sizeof(k->domain), "%s", d);
	snprintf(k->selector, sizeof(k->selector), "%s", s);
	k->result = res;
	r->dkim_total = r->ndkim;
}

/* Whether @d is aligned with @from: strict, the same name; relaxed, the
 * same Organizational Domain (here: the last two labels). */
static bool
aligned(const char *d, const char *from, char mode)
{
	if (!d[0])
		return false;
	if (mode == 's')
		return strcmp(d, from) == 0;
	const char *a = d + strlen(d), *b = from + strlen(from);
	int dots = 0;
	while (a > d && b > from && a[-1] == b[-1]) {
		a--;
		b--;
		if (*a == '.' && ++dots == 2)
			return true;
	}
	return (a == d || a[-1] == '.') && (b == from || b[-1] == '.') &&
	       dots == 1;
}

/* Verdict @i of @n. */
static void
gen_row(uint64_t i, uint64_t n, struct emauth_report_row *r)
{
	uint64_t s = i * 0x2545f4914f6cdd1dull + 42;
	memset(r, 0, sizeof(*r));
	r->time = DAY + (int64_t)(i * 86400 / n);
	unsigned k = pick_domain(&s);
	policy_of(k, r);
	char dom[32];
	snprintf(dom, sizeof(dom), "brand%02u.example", k);
	bool sub = pct(&s, 15);
	if (sub)
		snprintf(
		    r->header_from, sizeof(r->header_from), "news.%s", dom);
	else
		snprintf(r->header_from, sizeof(r->header_from), "%s", dom);
	static const char *const rcpt[] = {"receiver.test", "receiver.test",
	    "receiver.test", "receiver.test", "receiver.test", "receiver.test",
	    "receiver.test", "customers.receiver.test", "hosted.example",
	    "staff.example"};
	snprintf(
	    r->envelope_to, sizeof(r->envelope_to), "%s", rcpt[pick(&s, 10)]);
	snprintf(r->spf_scope, sizeof(r->spf_scope), "mfrom");

	unsigned c = pick(&s, 100), ipn;
	char d2[64], sel[64];
	if (c < 55) {
		/* The domain's own servers. */
		ipn = 2000 + k * OWN_IPS + pick(&s, OWN_IPS);
		snprintf(r->envelope_from, sizeof(r->envelope_from), "%s%s",
		    pct(&s, 50) ? "bounce." : "", dom);
		r->spf_result =
		    pct(&s, 98) ? EMAUTH_RES_PASS : EMAUTH_RES_SOFTFAIL;
		snprintf(sel, sizeof(sel), "s%u", 2025 + pick(&s, 2));
		char hf[64];
		snprintf(hf, sizeof(hf), "%s%s", sub ? "news." : "", dom);
		add_dkim(r, pct(&s, 50) ? hf : dom, sel,
		    pct(&s, 99) ? EMAUTH_RES_PASS : EMAUTH_RES_FAIL);
	} else if (c < 80) {
		/* A sending platform: the domain's signature and the
		 * platform's; its own or a custom return path. */
		unsigned e = (k * 7 + pick(&s, 3)) % NESP;
		ipn = e * ESP_IPS + pick(&s, ESP_IPS);
		if (pct(&s, 50))
			snprintf(r->envelope_from, sizeof(r->envelope_from),
			    "bounces.esp%02u.example", e);
		else
			snprintf(r->envelope_from, sizeof(r->envelope_from),
			    "em%u.%s", e, dom);
		r->spf_result =
		    pct(&s, 97) ? EMAUTH_RES_PASS : EMAUTH_RES_NEUTRAL;
		add_dkim(r, dom, "esp1",
		    pct(&s, 98) ? EMAUTH_RES_PASS : EMAUTH_RES_FAIL);
		snprintf(d2, sizeof(d2), "esp%02u.example", e);
		add_dkim(r, d2, "pm", EMAUTH_RES_PASS);
	} else if (c < 92) {
		/* Forwarded or through a mailing list: SPF of the forwarder
		 * or of the original return path; the signature broken
		 * more often than not by a list. */
		unsigned f = pick(&s, FWD_IPS);
		ipn = 4000 + f;
		bool list = pct(&s, 50);
		if (list)
			snprintf(r->envelope_from, sizeof(r->envelope_from),
			    "lists%03u.example", f % 120);
		else
			snprintf(r->envelope_from, sizeof(r->envelope_from),
			    "%s", dom);
		static const enum emauth_result fr[] = {EMAUTH_RES_FAIL,
		    EMAUTH_RES_SOFTFAIL, EMAUTH_RES_NONE, EMAUTH_RES_NEUTRAL};
		r->spf_result = list ? EMAUTH_RES_PASS : fr[pick(&s, 4)];
		add_dkim(r, dom, "s2025",
		    pct(&s, list ? 35 : 80) ? EMAUTH_RES_PASS
		                            : EMAUTH_RES_FAIL);
		if (list) {
			snprintf(d2, sizeof(d2), "lists%03u.example", f % 120);
			add_dkim(r, d2, "list", EMAUTH_RES_PASS);
		}
	} else {
		/* Not the domain's: spoofing, bulk, the odd misconfigured
		 * server. */
		ipn = 4500 + pick(&s, SPOOF_IPS);
		unsigned sp = pick(&s, 300);
		if (pct(&s, 3)) {
			/* The null reverse-path: SPF of the HELO name. */
			r->envelope_from[0] = '\0';
			snprintf(r->spf_scope, sizeof(r->spf_scope), "helo");
			snprintf(r->spf_domain, sizeof(r->spf_domain),
			    "host%u.bulk%03u.example", pick(&s, 50), sp);
		} else {
			snprintf(r->envelope_from, sizeof(r->envelope_from),
			    "bulk%03u.example", sp);
		}
		static const enum emauth_result sr[] = {EMAUTH_RES_PASS,
		    EMAUTH_RES_NONE, EMAUTH_RES_SOFTFAIL, EMAUTH_RES_FAIL,
		    EMAUTH_RES_NEUTRAL, EMAUTH_RES_PERMERROR};
		r->spf_result = sr[pick(&s, 6)];
		if (pct(&s, 35))
			add_dkim(r, dom, "s2025", EMAUTH_RES_FAIL);
		else if (pct(&s, 20)) {
			snprintf(d2, sizeof(d2), "bulk%03u.example", sp);
			add_dkim(r, d2, "default", EMAUTH_RES_PASS);
		}
	}
	if (pct(&s, 1) && r->ndkim)
		r->dkim[0].result = EMAUTH_RES_TEMPERROR;
	ip_text(ipn, r->ip, sizeof(r->ip));
	if (r->spf_domain[0] == '\0')
		snprintf(r->spf_domain, sizeof(r->spf_domain), "%s",
		    r->envelope_from);

	/* The outcome. */
	for (unsigned j = 0; j < r->ndkim; j++)
		if (r->dkim[j].result == EMAUTH_RES_PASS &&
		    aligned(r->dkim[j].domain, r->header_from, r->adkim))
			r->dkim_aligned = 1;
	r->spf_aligned = r->spf_result == EMAUTH_RES_PASS &&
	                 strcmp(r->spf_scope, "mfrom") == 0 &&
	                 aligned(r->envelope_from, r->header_from, r->aspf);
	r->dmarc = r->dkim_aligned || r->spf_aligned ? EMAUTH_RES_PASS
	                                             : EMAUTH_RES_FAIL;
	r->disposition = EMAUTH_DMARC_NONE;
	if (r->dmarc == EMAUTH_RES_FAIL) {
		enum emauth_dmarc_policy want = sub && r->sp ? r->sp : r->p;
		r->disposition = want;
		if (r->testing && want > EMAUTH_DMARC_NONE) {
			r->disposition = want - 1;
			snprintf(r->override_type, sizeof(r->override_type),
			    "policy_test_mode");
		} else if (want == EMAUTH_DMARC_REJECT && c >= 80 && c < 92 &&
		           pct(&s, 30)) {
			/* A known list or forwarder: delivered. */
			r->disposition = EMAUTH_DMARC_QUARANTINE;
			snprintf(r->override_type, sizeof(r->override_type),
			    "local_policy");
			snprintf(r->override_comment,
			    sizeof(r->override_comment),
			    "DMARCEnforce quarantine");
		}
	}
}

static const char *
yes(int b)
{
	return b ? "pass" : "fail";
}

/* One row as a tab-separated line:
 * t ip header_from envelope_from envelope_to spf_domain spf_scope
 * spf_result dkim policy_domain p sp adkim aspf rua dmarc dkim_aligned
 * spf_aligned disposition override_type override_comment
 * where dkim is "domain:selector:result" items separated by commas, "-"
 * for none, and an empty field is "-". */
static void
dump_row(FILE *f, const struct emauth_report_row *r)
{
	char dk[2048] = "";
	size_t o = 0;
	for (unsigned j = 0; j < r->ndkim; j++)
		o += (size_t)snprintf(dk + o, sizeof(dk) - o, "%s%s:%s:%s",
		    j ? "," : "", r->dkim[j].domain, r->dkim[j].selector,
		    emauth_result_name(r->dkim[j].result));
#define F(s) ((s)[0] ? (s) : "-")
	fprintf(f,
	    "%" PRId64
	    "\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%c\t%c\t%s\t%s\t%s"
	    "\t%s\t%s\t%s\t%s\n",
	    r->time, r->ip, r->header_from, F(r->envelope_from),
	    F(r->envelope_to), F(r->spf_domain), r->spf_scope,
	    emauth_result_name(r->spf_result), F(dk), r->policy_domain,
	    emauth_dmarc_policy_name(r->p), F(emauth_dmarc_policy_name(r->sp)),
	    r->adkim, r->aspf, r->rua, emauth_result_name(r->dmarc),
	    yes(r->dkim_aligned), yes(r->spf_aligned),
	    emauth_dmarc_policy_name(r->disposition), F(r->override_type),
	    F(r->override_comment));
#undef F
}

/* The store of a phase. */
struct where {
	const char *spec; /* --store, or NULL */
	char *dir;        /* the temporary directory */
	char cur[1100];
};

static void
rm_sqlite(const char *path)
{
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < 4; i++) {
		char p[1100];
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		(void)unlink(p);
	}
}

/* A fresh store for phase @name: its spec. */
static const char *
fresh(struct where *w, const char *name)
{
	if (w->spec == NULL) {
		snprintf(
		    w->cur, sizeof(w->cur), "sqlite:%s/%s.db", w->dir, name);
		rm_sqlite(w->cur + 7);
		return w->cur;
	}
	snprintf(w->cur, sizeof(w->cur), "%s", w->spec);
	if (strncmp(w->spec, "sqlite:", 7) == 0) {
		rm_sqlite(w->spec + 7);
		return w->cur;
	}
	/* PostgreSQL: the schema made, then emptied. */
	struct emauth_store *st;
	char err[512];
	if (emauth_store_open(w->spec, &st, err, sizeof(err)) != 0)
		bench_die("report_bench: %s", err);
	emauth_store_close(st);
#ifdef HAVE_LIBPQ
	PGconn *c = PQconnectdb(w->spec);
	if (PQstatus(c) != CONNECTION_OK)
		bench_die("report_bench: %s", PQerrorMessage(c));
	PGresult *res = PQexec(c, "TRUNCATE emauth_verdicts, emauth_reports");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		bench_die("report_bench: TRUNCATE: %s", PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
#else
	bench_die("report_bench: built without libpq: cannot empty %s",
	    "the PostgreSQL store");
#endif
	return w->cur;
}

/* The rows in the store @spec (through the back end's own client, not
 * emauth's), to check that every verdict arrived; -1 when unknown. */
static long
count_rows(const char *spec)
{
	long n = -1;
	if (strncmp(spec, "sqlite:", 7) == 0) {
		sqlite3 *db;
		sqlite3_stmt *st;
		if (sqlite3_open_v2(spec + 7, &db, SQLITE_OPEN_READONLY,
		        NULL) == SQLITE_OK &&
		    sqlite3_prepare_v2(db,
		        "SELECT COUNT(*) FROM emauth_verdicts", -1, &st,
		        NULL) == SQLITE_OK) {
			if (sqlite3_step(st) == SQLITE_ROW)
				n = (long)sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
		sqlite3_close(db);
		return n;
	}
#ifdef HAVE_LIBPQ
	PGconn *c = PQconnectdb(spec);
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *res =
		    PQexec(c, "SELECT COUNT(*) FROM emauth_verdicts");
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res))
			n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
	}
	PQfinish(c);
#endif
	return n;
}

/* The high-water mark of the resident set, reset to the current size;
 * false when the kernel does not let us. */
static bool
rss_reset(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (f == NULL)
		return false;
	bool ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok;
}

static bool rss_phase; /* whether maxrss is per phase */

static void
phase_start(void)
{
	rss_phase = rss_reset();
}

static void
phase_line(const char *name, unsigned long rows, double secs, const char *extra)
{
	printf("report_bench phase=%s rows=%lu seconds=%.3f rate=%.0f "
	       "maxrss_kib=%ld maxrss_scope=%s%s%s\n",
	    name, rows, secs, secs > 0 ? (double)rows / secs : 0.0,
	    bench_maxrss_kib(false), rss_phase ? "phase" : "total",
	    extra && extra[0] ? " " : "", extra ? extra : "");
	fflush(stdout);
}

#define BATCH 1000

static struct emauth_report_row rows[BATCH];

static double
write_batches(
    const char *spec, unsigned long n, unsigned long total, size_t batch)
{
	struct emauth_store *st;
	char err[512];
	if (emauth_store_open(spec, &st, err, sizeof(err)) != 0)
		bench_die("report_bench: %s", err);
	/* Only the adds are timed, not making the rows. */
	double secs = 0;
	for (unsigned long i = 0; i < n; i += batch) {
		size_t k = n - i < batch ? n - i : batch;
		for (size_t j = 0; j < k; j++)
			gen_row(i + j, total, &rows[j]);
		double t0 = bench_now();
		if (emauth_store_add(st, rows, k) != 0)
			bench_die(
			    "report_bench: add: %s", emauth_store_error(st));
		secs += bench_now() - t0;
	}
	emauth_store_close(st);
	return secs;
}

/* The time to make @n rows alone (not in the write figures). */
static double
gen_only(unsigned long n, unsigned long total)
{
	double t0 = bench_now();
	for (unsigned long i = 0; i < n; i++)
		gen_row(i, total, &rows[i % BATCH]);
	return bench_now() - t0;
}

struct counts {
	unsigned long reports, records, messages, xml, gz, max_records;
	unsigned long max_xml;
	char biggest[256];
};

static int
count_report(void *arg, const struct emauth_report *r)
{
	struct counts *c = arg;
	c->reports++;
	c->records += r->records;
	c->messages += r->messages;
	c->xml += r->xml_len;
	c->gz += r->gz_len;
	if (r->records > c->max_records) {
		c->max_records = r->records;
		c->max_xml = r->xml_len;
		snprintf(
		    c->biggest, sizeof(c->biggest), "%s", r->policy_domain);
	}
	return 0;
}

static void
rec_log(void *arg, int level, const char *msg)
{
	(void)arg;
	fprintf(stderr, "report_bench: recorder (%d): %s\n", level, msg);
}

static void
usage(void)
{
	fprintf(stderr, "usage: report_bench [-n N] [-s COUNT] "
	                "[--store SPEC] [--skip LIST] [--dump FILE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned long n = 1000000, single = 0;
	const char *dump = NULL, *skip = "";
	struct where w = {0};
	static const struct option lo[] = {{"store", required_argument, 0, 'S'},
	    {"skip", required_argument, 0, 'K'},
	    {"dump", required_argument, 0, 'D'}, {0, 0, 0, 0}};
	int opt;
	while ((opt = getopt_long(argc, argv, "n:s:", lo, NULL)) != -1) {
		switch (opt) {
		case 'n':
			n = bench_parse_count("report_bench", optarg);
			break;
		case 's':
			single = bench_parse_count("report_bench", optarg);
			break;
		case 'S':
			w.spec = optarg;
			break;
		case 'K':
			skip = optarg;
			break;
		case 'D':
			dump = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || n == 0)
		usage();
	zipf_init();
	struct emauth_report_row *r = &rows[0];
	if (dump) {
		FILE *f = strcmp(dump, "-") == 0 ? stdout : fopen(dump, "w");
		if (f == NULL)
			bench_die("report_bench: %s: cannot write", dump);
		for (unsigned long i = 0; i < n; i++) {
			gen_row(i, n, r);
			dump_row(f, r);
		}
		if (f != stdout && fclose(f) != 0)
			bench_die("report_bench: %s: write error", dump);
		return 0;
	}
	if (single == 0)
		single = n < 100000 ? n : 100000;
	if (single > n)
		single = n;
	if (w.spec == NULL) {
		char tmpl[] = "/tmp/report_bench.XXXXXX";
		const char *tmp = getenv("TMPDIR");
		char buf[1024];
		if (tmp && tmp[0]) {
			snprintf(
			    buf, sizeof(buf), "%s/report_bench.XXXXXX", tmp);
			w.dir = mkdtemp(buf);
		} else {
			w.dir = mkdtemp(tmpl);
		}
		if (w.dir == NULL)
			bench_die("report_bench: mkdtemp failed");
		w.dir = strdup(w.dir);
	}
	bool skip_single = strstr(skip, "single") != NULL,
	     skip_batch = strstr(skip, "batch") != NULL,
	     skip_rec = strstr(skip, "recorder") != NULL,
	     skip_build = strstr(skip, "build") != NULL || skip_batch;

	printf("report_bench: %lu verdicts of 2026-12-01 UTC; store %s\n", n,
	    w.spec
	        ? (strncmp(w.spec, "sqlite:", 7) == 0 ? w.spec : "postgresql")
	        : "sqlite (temporary directory)");
	char extra[512];
	double g = gen_only(n, n);
	snprintf(extra, sizeof(extra), "note=generating_rows_only");
	phase_line("generate", n, g, extra);

	/* One transaction per verdict. */
	if (!skip_single) {
		const char *spec = fresh(&w, "single");
		phase_start();
		double secs = write_batches(spec, single, n, 1);
		snprintf(extra, sizeof(extra), "batch=1 stored=%ld",
		    count_rows(spec));
		phase_line("single", single, secs, extra);
	}

	/* Batches of 1,000. */
	const char *batch_spec = NULL;
	static char batch_spec_buf[1100];
	if (!skip_batch) {
		batch_spec = fresh(&w, "batch");
		snprintf(
		    batch_spec_buf, sizeof(batch_spec_buf), "%s", batch_spec);
		batch_spec = batch_spec_buf;
		phase_start();
		double secs = write_batches(batch_spec, n, n, BATCH);
		snprintf(extra, sizeof(extra), "batch=%d stored=%ld", BATCH,
		    count_rows(batch_spec));
		phase_line("batch", n, secs, extra);
	}

	/* The day's reports from the batch store. */
	if (!skip_build) {
		struct emauth_store *st;
		char err[512];
		if (emauth_store_open(batch_spec, &st, err, sizeof(err)) != 0)
			bench_die("report_bench: %s", err);
		struct emauth_report_opts o = {0};
		o.org_name = "Receiver Example";
		o.email = "dmarc-reports@receiver.test";
		o.begin = DAY;
		o.end = DAY + 86400;
		struct counts c = {0};
		phase_start();
		double t0 = bench_now();
		int rc = emauth_report_build(st, &o, count_report, &c);
		double secs = bench_now() - t0;
		if (rc != 0)
			bench_die("report_bench: build: %s (%s)",
			    emauth_strerror(rc), emauth_store_error(st));
		emauth_store_close(st);
		snprintf(extra, sizeof(extra),
		    "reports=%lu records=%lu messages=%lu xml_bytes=%lu "
		    "gz_bytes=%lu largest=%s largest_records=%lu "
		    "largest_xml_bytes=%lu%s",
		    c.reports, c.records, c.messages, c.xml, c.gz, c.biggest,
		    c.max_records, c.max_xml,
		    c.messages == n ? "" : " MISMATCH=messages");
		phase_line("build", n, secs, extra);
		if (c.messages != n)
			fprintf(stderr,
			    "report_bench: the reports count %lu messages, "
			    "not %lu\n",
			    c.messages, n);
	}

	/* The recorder. */
	if (!skip_rec) {
		const char *spec = fresh(&w, "recorder");
		struct emauth_recorder_opts ro = {0};
		ro.spec = spec;
		ro.backlog_max = n;
		ro.log = rec_log;
		struct emauth_recorder *rec;
		if (emauth_recorder_new(&ro, &rec) != 0)
			bench_die("report_bench: recorder_new failed");
		phase_start();
		/* The whole is timed (the rows are made while the
		 * recorder's thread writes); the adds alone too. */
		double t0 = bench_now(), add = 0;
		unsigned long failed = 0;
		for (unsigned long i = 0; i < n; i++) {
			gen_row(i, n, r);
			double a = bench_now();
			if (emauth_recorder_add(rec, r) != 0)
				failed++;
			add += bench_now() - a;
		}
		struct emauth_recorder_stats rs;
		emauth_recorder_stats(rec, &rs);
		unsigned long pending = rs.pending;
		emauth_recorder_free(rec, 600000);
		double secs = bench_now() - t0;
		snprintf(extra, sizeof(extra),
		    "add_seconds=%.3f add_us=%.2f pending_after_adds=%lu "
		    "add_failed=%lu stored=%ld",
		    add, add * 1e6 / (double)n, pending, failed,
		    count_rows(spec));
		phase_line("recorder", n, secs, extra);
		if (failed)
			fprintf(stderr, "report_bench: %lu rows not queued\n",
			    failed);
	}

	if (w.dir) {
		static const char *const names[] = {
		    "single", "batch", "recorder"};
		for (size_t i = 0; i < 3; i++) {
			char p[1100];
			snprintf(p, sizeof(p), "%s/%s.db", w.dir, names[i]);
			rm_sqlite(p);
		}
		(void)rmdir(w.dir);
		free(w.dir);
	}
	return 0;
}
