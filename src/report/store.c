/*
 * store.c: the verdict store: opening a store by name, its schema and the
 * migrations between versions, and every statement on it (rows in,
 * retention, the sent state of reports). The back ends (sqlite.c, pg.c)
 * only run what is written here, so both hold the same tables.
 *
 * Schema version 1:
 *   emauth_meta      k, v: "schema_version"
 *   emauth_verdicts  one row per DMARC evaluation (struct
 *                    emauth_report_row); the DKIM results as text lines
 *                    "domain TAB selector TAB result"
 *   emauth_reports   per report (policy domain, day) and destination: its
 *                    state (enum emauth_report_state), tries, last note
 */
#include "common/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/span.h"
#include "report/report.h"
#include "report/store.h"

#define SCHEMA_VERSION 3

EMAUTH_API int
emauth_store_schema_version(void)
{
	return SCHEMA_VERSION;
}

int
ea_store_begin(struct emauth_store *s)
{
	return ea_store_exec(s, s->ops->begin_sql, NULL, 0, NULL, NULL);
}

int
ea_store_commit(struct emauth_store *s)
{
	return ea_store_exec(s, "COMMIT", NULL, 0, NULL, NULL);
}

void
ea_store_rollback(struct emauth_store *s)
{
	(void)s->ops->exec(s->impl, "ROLLBACK", NULL, 0, NULL, NULL, NULL, 0);
}

int
ea_store_get_int(void *arg, int n, const char *const *cols)
{
	int64_t *v = arg;
	uint64_t x = 0;
	if (n < 1 || cols[0] == NULL)
		return 0;
	const char *c = cols[0];
	bool neg = *c == '-';
	c += neg;
	size_t l = strlen(c);
	if (l == 0 || l > 18)
		return 0;
	for (size_t i = 0; i < l; i++) {
		if (c[i] < '0' || c[i] > '9')
			return 0;
		x = x * 10 + (uint64_t)(c[i] - '0');
	}
	*v = neg ? -(int64_t)x : (int64_t)x;
	return 0;
}

int
ea_store_get_text(void *arg, int n, const char *const *cols)
{
	struct ea_store_text *t = arg;
	if (n >= 1 && cols[0] && !t->found) {
		ea_copy_str(t->v, sizeof(t->v), cols[0]);
		t->found = true;
	}
	return 0;
}

int
ea_store_exec(struct emauth_store *s, const char *sql,
    const char *const *params, int n, ea_store_row_fn row, void *arg)
{
	return s->ops->exec(
	    s->impl, sql, params, n, row, arg, s->err, sizeof(s->err));
}

static int
simple(struct emauth_store *s, const char *sql)
{
	return ea_store_exec(s, sql, NULL, 0, NULL, NULL);
}

static int
get_int(void *arg, int n, const char *const *cols)
{
	long *v = arg;
	if (n > 0 && cols[0]) {
		char *end;
		long x = strtol(cols[0], &end, 10); /* our own column */
		if (*end == '\0')
			*v = x;
	}
	return 0;
}

/* The statements of each version step; the serial type is filled in. */
static const char *const step1[] = {
    "CREATE TABLE IF NOT EXISTS emauth_verdicts ("
    " id %s,"
    " t BIGINT NOT NULL, ip TEXT NOT NULL,"
    " header_from TEXT NOT NULL, envelope_from TEXT NOT NULL,"
    " envelope_to TEXT NOT NULL,"
    " spf_domain TEXT NOT NULL, spf_scope TEXT NOT NULL,"
    " spf_result TEXT NOT NULL,"
    " dkim TEXT NOT NULL, dkim_total INTEGER NOT NULL,"
    " policy_domain TEXT NOT NULL, p TEXT NOT NULL, sp TEXT NOT NULL,"
    " np TEXT NOT NULL, adkim TEXT NOT NULL, aspf TEXT NOT NULL,"
    " testing TEXT NOT NULL, psd TEXT NOT NULL, discovery TEXT NOT NULL,"
    " rua TEXT NOT NULL, ruf TEXT NOT NULL, fo TEXT NOT NULL,"
    " dmarc TEXT NOT NULL, dkim_aligned TEXT NOT NULL,"
    " spf_aligned TEXT NOT NULL, disposition TEXT NOT NULL,"
    " override_type TEXT NOT NULL, override_comment TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS emauth_verdicts_domain_t"
    " ON emauth_verdicts (policy_domain, t)",
    "CREATE INDEX IF NOT EXISTS emauth_verdicts_t ON emauth_verdicts (t)",
    "CREATE TABLE IF NOT EXISTS emauth_reports ("
    " policy_domain TEXT NOT NULL, begin_t BIGINT NOT NULL,"
    " end_t BIGINT NOT NULL, dest TEXT NOT NULL, report_id TEXT NOT NULL,"
    " state INTEGER NOT NULL, tries INTEGER NOT NULL,"
    " updated BIGINT NOT NULL, note TEXT NOT NULL,"
    " PRIMARY KEY (policy_domain, begin_t, dest))",
    NULL};

/* Version 2: what is imported (issue #19). */
static const char *const step2[] = {
    "CREATE TABLE IF NOT EXISTS emauth_imports ("
    " id %s, kind TEXT NOT NULL, status TEXT NOT NULL,"
    " source TEXT NOT NULL, reason TEXT NOT NULL, org TEXT NOT NULL,"
    " email TEXT NOT NULL, report_id TEXT NOT NULL,"
    " policy_domain TEXT NOT NULL, begin_t BIGINT NOT NULL,"
    " end_t BIGINT NOT NULL, rows_n BIGINT NOT NULL,"
    " messages BIGINT NOT NULL, warnings TEXT NOT NULL,"
    " warnings_total INTEGER NOT NULL, imported_at BIGINT NOT NULL,"
    " schema_name TEXT NOT NULL, p TEXT NOT NULL, sp TEXT NOT NULL,"
    " np TEXT NOT NULL, pct TEXT NOT NULL, adkim TEXT NOT NULL,"
    " aspf TEXT NOT NULL, fo TEXT NOT NULL, testing TEXT NOT NULL,"
    " discovery TEXT NOT NULL)",
    /* One imported copy of a report: a second is a duplicate. */
    "CREATE UNIQUE INDEX IF NOT EXISTS emauth_imports_once"
    " ON emauth_imports (kind, org, report_id) WHERE status = 'imported'",
    "CREATE INDEX IF NOT EXISTS emauth_imports_domain"
    " ON emauth_imports (policy_domain, begin_t)",
    "CREATE TABLE IF NOT EXISTS emauth_agg_records ("
    " import_id BIGINT NOT NULL, source_ip TEXT NOT NULL,"
    " count BIGINT NOT NULL, disposition TEXT NOT NULL,"
    " dkim TEXT NOT NULL, spf TEXT NOT NULL, reasons TEXT NOT NULL,"
    " header_from TEXT NOT NULL, envelope_from TEXT NOT NULL,"
    " envelope_to TEXT NOT NULL, dkim_results TEXT NOT NULL,"
    " spf_results TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS emauth_agg_records_import"
    " ON emauth_agg_records (import_id)",
    "CREATE TABLE IF NOT EXISTS emauth_failures ("
    " import_id BIGINT NOT NULL, feedback_type TEXT NOT NULL,"
    " arrival BIGINT NOT NULL, source_ip TEXT NOT NULL,"
    " reported_domain TEXT NOT NULL, auth_failure TEXT NOT NULL,"
    " identity_alignment TEXT NOT NULL, delivery_result TEXT NOT NULL,"
    " original_mail_from TEXT NOT NULL, original_rcpt_to TEXT NOT NULL,"
    " dkim_domain TEXT NOT NULL, dkim_selector TEXT NOT NULL,"
    " spf_dns TEXT NOT NULL, msg_from TEXT NOT NULL,"
    " msg_subject TEXT NOT NULL, msg_id TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS emauth_tls_policies ("
    " import_id BIGINT NOT NULL, policy_type TEXT NOT NULL,"
    " policy_domain TEXT NOT NULL, success BIGINT NOT NULL,"
    " failure BIGINT NOT NULL, failures TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS emauth_rdns ("
    " ip TEXT PRIMARY KEY, name TEXT NOT NULL, looked_up BIGINT NOT NULL)",
    NULL};

/* Version 3: bounces (issue #20). */
static const char *const step3[] = {
    "CREATE TABLE IF NOT EXISTS emauth_bounces ("
    " import_id BIGINT NOT NULL, recipient TEXT NOT NULL,"
    " rcpt_domain TEXT NOT NULL, action TEXT NOT NULL,"
    " status TEXT NOT NULL, reply_code TEXT NOT NULL,"
    " reason TEXT NOT NULL, auth TEXT NOT NULL, hard INTEGER NOT NULL,"
    " diagnostic TEXT NOT NULL, remote_mta TEXT NOT NULL,"
    " original_from TEXT NOT NULL, from_domain TEXT NOT NULL,"
    " original_message_id TEXT NOT NULL, arrival BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS emauth_bounces_import"
    " ON emauth_bounces (import_id)",
    NULL};

static const char *const *const steps[SCHEMA_VERSION] = {step1, step2, step3};

/* Creates or migrates the schema, in one transaction that other
 * processes wait for. */
static int
migrate(struct emauth_store *s)
{
	int rc;
	if ((rc = simple(s, s->ops->begin_sql)) != 0)
		return rc;
	if (s->ops->schema_lock_sql &&
	    (rc = simple(s, s->ops->schema_lock_sql)) != 0)
		goto rollback;
	if ((rc = simple(s, "CREATE TABLE IF NOT EXISTS emauth_meta ("
	                    " k TEXT PRIMARY KEY, v TEXT NOT NULL)")) != 0)
		goto rollback;
	long have = 0;
	if ((rc = ea_store_exec(s,
	         "SELECT v FROM emauth_meta WHERE k = 'schema_version'", NULL,
	         0, get_int, &have)) != 0)
		goto rollback;
	if (have > SCHEMA_VERSION) {
		ea_fmt(s->err, sizeof(s->err),
		    "the store's schema is version %ld, newer than this "
		    "emauth's (%d): upgrade emauth",
		    have, SCHEMA_VERSION);
		rc = EMAUTH_ESTATE;
		goto rollback;
	}
	for (long v = have; v < SCHEMA_VERSION; v++) {
		for (const char *const *q = steps[v]; *q; q++) {
			char sql[2048];
			snprintf(sql, sizeof(sql), *q, s->ops->serial_type);
			if ((rc = simple(s, sql)) != 0)
				goto rollback;
		}
	}
	if (have != SCHEMA_VERSION) {
		char v[16];
		snprintf(v, sizeof(v), "%d", SCHEMA_VERSION);
		const char *p[] = {v};
		if ((rc = ea_store_exec(s,
		         have ? "UPDATE emauth_meta SET v = $1"
		                " WHERE k = 'schema_version'"
		              : "INSERT INTO emauth_meta (k, v)"
		                " VALUES ('schema_version', $1)",
		         p, 1, NULL, NULL)) != 0)
			goto rollback;
	}
	return simple(s, "COMMIT");
rollback:
	(void)s->ops->exec(s->impl, "ROLLBACK", NULL, 0, NULL, NULL, NULL, 0);
	return rc;
}

EMAUTH_API int
emauth_store_open(
    const char *spec, struct emauth_store **out, char *err, size_t errsize)
{
	char dummy[8];
	if (err == NULL) {
		err = dummy;
		errsize = sizeof(dummy);
	}
	*out = NULL;
	if (spec == NULL) {
		ea_fmt(err, errsize, "no store given");
		return EMAUTH_EINVAL;
	}
	struct emauth_store *s = ea_calloc(1, sizeof(*s));
	if (s == NULL)
		return EMAUTH_ENOMEM;
	int rc;
	if (strncmp(spec, "sqlite:", 7) == 0 && spec[7]) {
		rc = ea_store_sqlite_open(
		    spec + 7, &s->ops, &s->impl, err, errsize);
	} else if (strncmp(spec, "postgresql://", 13) == 0 ||
	           strncmp(spec, "postgres://", 11) == 0) {
		rc = ea_store_pg_open(spec, &s->ops, &s->impl, err, errsize);
	} else {
		ea_fmt(err, errsize,
		    "not a store: \"%.80s\" (use sqlite:PATH or "
		    "postgresql://...)",
		    strncmp(spec, "postgres", 8) == 0 ? "postgres..." : spec);
		rc = EMAUTH_EINVAL;
	}
	if (rc != 0) {
		ea_free(s);
		return rc;
	}
	if ((rc = migrate(s)) != 0) {
		ea_fmt(err, errsize, "%s", s->err);
		emauth_store_close(s);
		return rc < 0 && rc != EMAUTH_ESTATE ? EMAUTH_EIO : rc;
	}
	*out = s;
	return 0;
}

EMAUTH_API void
emauth_store_close(struct emauth_store *s)
{
	if (s == NULL)
		return;
	s->ops->close(s->impl);
	ea_free(s);
}

EMAUTH_API const char *
emauth_store_error(const struct emauth_store *s)
{
	return s ? s->err : "";
}

/* Rows. */

static const char *
yn(int b)
{
	return b ? "pass" : "fail";
}

/* The DKIM column: "domain TAB selector TAB result" lines. Names are
 * checked by the DKIM parser; a TAB or newline is replaced anyway, so that
 * a row always reads back as written. */
static void
put_clean(struct ea_buf *b, const char *s)
{
	ea_report_clean(b, s, 255);
}

int
ea_report_dkim_encode(const struct emauth_report_row *r, struct ea_buf *b)
{
	for (unsigned i = 0; i < r->ndkim && i < EMAUTH_REPORT_DKIM_MAX; i++) {
		put_clean(b, r->dkim[i].domain);
		ea_buf_addc(b, '\t');
		put_clean(b, r->dkim[i].selector);
		ea_buf_addc(b, '\t');
		ea_buf_adds(b, emauth_result_name(r->dkim[i].result));
		ea_buf_addc(b, '\n');
	}
	return b->err;
}

static const char insert_sql[] =
    "INSERT INTO emauth_verdicts (t, ip, header_from, envelope_from,"
    " envelope_to, spf_domain, spf_scope, spf_result, dkim, dkim_total,"
    " policy_domain, p, sp, np, adkim, aspf, testing, psd, discovery, rua,"
    " ruf, fo, dmarc, dkim_aligned, spf_aligned, disposition,"
    " override_type, override_comment) VALUES ($1, $2, $3, $4, $5, $6, $7,"
    " $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,"
    " $22, $23, $24, $25, $26, $27, $28)";

int
ea_store_pack(const struct emauth_report_row *r, char **out)
{
	char t[24], total[16], adkim[2] = {r->adkim == 's' ? 's' : 'r', 0},
	                       aspf[2] = {r->aspf == 's' ? 's' : 'r', 0},
	                       psd[2] = {r->psd ? r->psd : 'u', 0};
	snprintf(t, sizeof(t), "%" PRId64, r->time);
	snprintf(total, sizeof(total), "%u", r->dkim_total);
	struct ea_buf dk, b;
	ea_buf_init(&dk, 8192);
	ea_buf_adds(&dk, "");
	if (ea_report_dkim_encode(r, &dk) != 0) {
		ea_buf_release(&dk);
		return EMAUTH_ETOOBIG;
	}
	const char *p[EA_STORE_COLS] = {t, r->ip, r->header_from,
	    r->envelope_from, r->envelope_to, r->spf_domain, r->spf_scope,
	    emauth_result_name(r->spf_result), ea_buf_str(&dk), total,
	    r->policy_domain, emauth_dmarc_policy_name(r->p),
	    emauth_dmarc_policy_name(r->sp), emauth_dmarc_policy_name(r->np),
	    adkim, aspf, r->testing ? "y" : "n", psd, r->discovery, r->rua,
	    r->ruf, r->fo, emauth_result_name(r->dmarc), yn(r->dkim_aligned),
	    yn(r->spf_aligned),
	    r->disposition ? emauth_dmarc_policy_name(r->disposition) : "none",
	    r->override_type, r->override_comment};
	ea_buf_init(&b, 65536);
	for (int i = 0; i < EA_STORE_COLS; i++) {
		/* Each field is bounded by its array; cleaned of bytes that
		 * are not UTF-8 so that PostgreSQL takes it. */
		if (i == 8) /* the DKIM column, made of clean fields */
			ea_buf_adds(&b, p[i]);
		else
			ea_report_clean(&b, p[i], 8192);
		ea_buf_add(&b, "", 1);
	}
	ea_buf_release(&dk);
	if (b.err) {
		int e = b.err;
		ea_buf_release(&b);
		return e;
	}
	*out = ea_buf_steal(&b);
	return 0;
}

int
ea_store_add_packed(struct emauth_store *s, char *const *rows, size_t n)
{
	int rc;
	if (n == 0)
		return 0;
	if ((rc = simple(s, s->ops->begin_sql)) != 0)
		return EMAUTH_EIO;
	for (size_t i = 0; i < n; i++) {
		const char *p[EA_STORE_COLS];
		const char *c = rows[i];
		for (int k = 0; k < EA_STORE_COLS; k++) {
			p[k] = c;
			c += strlen(c) + 1;
		}
		if ((rc = ea_store_exec(
		         s, insert_sql, p, EA_STORE_COLS, NULL, NULL)) != 0)
			goto rollback;
	}
	if ((rc = simple(s, "COMMIT")) != 0)
		goto rollback;
	return 0;
rollback:
	(void)s->ops->exec(s->impl, "ROLLBACK", NULL, 0, NULL, NULL, NULL, 0);
	return EMAUTH_EIO;
}

EMAUTH_API int
emauth_store_add(
    struct emauth_store *s, const struct emauth_report_row *rows, size_t n)
{
	char **packed = ea_calloc(n ? n : 1, sizeof(*packed));
	int rc = 0;
	if (packed == NULL)
		return EMAUTH_ENOMEM;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = ea_store_pack(&rows[i], &packed[i]);
	if (rc == 0)
		rc = ea_store_add_packed(s, packed, n);
	else
		ea_fmt(s->err, sizeof(s->err), "a row could not be packed: %s",
		    emauth_strerror(rc));
	for (size_t i = 0; i < n; i++)
		ea_free(packed[i]);
	ea_free(packed);
	return rc == 0 ? 0 : EMAUTH_EIO;
}

EMAUTH_API int
emauth_store_prune(
    struct emauth_store *s, int64_t before, unsigned long *deleted)
{
	char b[24];
	snprintf(b, sizeof(b), "%" PRId64, before);
	const char *p[] = {b};
	long n0 = 0, n1 = 0;
	static const char count_sql[] = "SELECT COUNT(*) FROM emauth_verdicts";
	if (ea_store_exec(s, count_sql, NULL, 0, get_int, &n0) != 0)
		return EMAUTH_EIO;
	/* A row goes when its report (policy domain and UTC day) was sent
	 * or given up for every destination tried, or when it has nothing
	 * to report. */
	if (ea_store_exec(s,
	        "DELETE FROM emauth_verdicts WHERE t < $1 AND (rua = ''"
	        " OR (EXISTS (SELECT 1 FROM emauth_reports r"
	        "  WHERE r.policy_domain = emauth_verdicts.policy_domain"
	        "  AND r.begin_t = emauth_verdicts.t"
	        "   - (emauth_verdicts.t % 86400))"
	        " AND NOT EXISTS (SELECT 1 FROM emauth_reports r"
	        "  WHERE r.policy_domain = emauth_verdicts.policy_domain"
	        "  AND r.begin_t = emauth_verdicts.t"
	        "   - (emauth_verdicts.t % 86400)"
	        "  AND r.state NOT IN (1, 3))))",
	        p, 1, NULL, NULL) != 0)
		return EMAUTH_EIO;
	if (ea_store_exec(s, count_sql, NULL, 0, get_int, &n1) != 0)
		return EMAUTH_EIO;
	if (deleted)
		*deleted = n0 > n1 ? (unsigned long)(n0 - n1) : 0;
	return 0;
}

EMAUTH_API int
emauth_store_sent_state(struct emauth_store *s, const char *policy_domain,
    int64_t begin, const char *dest)
{
	char b[24];
	snprintf(b, sizeof(b), "%" PRId64, begin);
	const char *p[] = {policy_domain, b, dest};
	long st = 0;
	if (ea_store_exec(s,
	        "SELECT state FROM emauth_reports WHERE policy_domain = $1"
	        " AND begin_t = $2 AND dest = $3",
	        p, 3, get_int, &st) != 0)
		return EMAUTH_EIO;
	return (int)st;
}

EMAUTH_API int
emauth_store_mark_sent(struct emauth_store *s, const struct emauth_report *r,
    const char *dest, enum emauth_report_state state, const char *note)
{
	char b[24], e[24], st[8], now[24];
	/* The day's start: the end of the date range is inclusive. */
	snprintf(b, sizeof(b), "%" PRId64, r->begin);
	snprintf(e, sizeof(e), "%" PRId64, r->end);
	snprintf(st, sizeof(st), "%d", (int)state);
	snprintf(now, sizeof(now), "%" PRId64, (int64_t)time(NULL));
	const char *p[] = {r->policy_domain, b, e, dest, r->report_id, st, now,
	    note ? note : ""};
	return ea_store_exec(s,
	           "INSERT INTO emauth_reports (policy_domain, begin_t, end_t,"
	           " dest, report_id, state, tries, updated, note) VALUES ($1,"
	           " $2, $3, $4, $5, $6, 1, $7, $8) ON CONFLICT (policy_domain,"
	           " begin_t, dest) DO UPDATE SET state = excluded.state,"
	           " tries = emauth_reports.tries + 1,"
	           " updated = excluded.updated, note = excluded.note,"
	           " report_id = excluded.report_id",
	           p, 8, NULL, NULL) == 0
	           ? 0
	           : EMAUTH_EIO;
}
