/*
 * query.c: the imported data as the dashboard and the exports read it:
 * days, records, failure reports and TLS report policies. Values are what
 * the reporters wrote, cleaned to UTF-8 when imported; the caller escapes
 * them for where it shows them.
 */
#include "common/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/span.h"
#include "report/report.h"
#include "report/store.h"

static int64_t
int_of(const char *c)
{
	int64_t v = 0;
	const char *one[1] = {c};
	ea_store_get_int(&v, 1, one);
	return v;
}

static void
text(char *out, size_t size, const char *c)
{
	ea_copy_str(out, size, c ? c : "");
}

struct q {
	void *each;
	void *arg;
	void *item;
};

static int
day_row(void *arg, int n, const char *const *c)
{
	struct q *q = arg;
	if (n < 3)
		return EMAUTH_EIO;
	struct emauth_day_stat d = {int_of(c[0]), (unsigned long)int_of(c[1]),
	    (unsigned long)int_of(c[2])};
	return ((int (*)(void *, const struct emauth_day_stat *))(
	    uintptr_t)q->each)(q->arg, &d);
}

static void
bounds(int64_t since, int64_t until, char *a, char *b)
{
	snprintf(a, 24, "%" PRId64, since);
	snprintf(b, 24, "%" PRId64, until ? until : INT64_MAX);
}

EMAUTH_API int
emauth_report_timeline(struct emauth_store *s, const char *domain,
    int64_t since, int64_t until,
    int (*each)(void *arg, const struct emauth_day_stat *d), void *arg)
{
	char a[24], b[24];
	bounds(since, until, a, b);
	const char *p[] = {domain ? domain : "", a, b};
	struct q q = {(void *)(uintptr_t)each, arg, NULL};
	return ea_store_exec(s,
	    "SELECT i.begin_t - (i.begin_t % 86400) AS day, SUM(r.count),"
	    " SUM(CASE WHEN r.dkim = 'pass' OR r.spf = 'pass' THEN r.count"
	    " ELSE 0 END) FROM emauth_agg_records r JOIN emauth_imports i"
	    " ON r.import_id = i.id WHERE i.kind = 'aggregate' AND"
	    " i.status = 'imported' AND ($1 = '' OR i.policy_domain = $1) AND"
	    " i.end_t >= $2 AND i.end_t < $3 GROUP BY day ORDER BY day",
	    p, 3, day_row, &q);
}

static int
agg_row(void *arg, int n, const char *const *c)
{
	struct q *q = arg;
	if (n < 17)
		return EMAUTH_EIO;
	struct emauth_agg_row *r = q->item;
	memset(r, 0, sizeof(*r));
	r->import_id = int_of(c[0]);
	text(r->org, sizeof(r->org), c[1]);
	text(r->report_id, sizeof(r->report_id), c[2]);
	r->begin = int_of(c[3]);
	r->end = int_of(c[4]);
	text(r->source_ip, sizeof(r->source_ip), c[5]);
	r->count = (unsigned long)int_of(c[6]);
	text(r->disposition, sizeof(r->disposition), c[7]);
	text(r->dkim, sizeof(r->dkim), c[8]);
	text(r->spf, sizeof(r->spf), c[9]);
	text(r->header_from, sizeof(r->header_from), c[10]);
	text(r->envelope_from, sizeof(r->envelope_from), c[11]);
	text(r->envelope_to, sizeof(r->envelope_to), c[12]);
	text(r->reasons, sizeof(r->reasons), c[13]);
	text(r->dkim_results, sizeof(r->dkim_results), c[14]);
	text(r->spf_results, sizeof(r->spf_results), c[15]);
	return ((int (*)(void *, const struct emauth_agg_row *))(
	    uintptr_t)q->each)(q->arg, r);
}

EMAUTH_API int
emauth_report_rows(struct emauth_store *s, const char *domain, const char *ip,
    int64_t since, int64_t until,
    int (*each)(void *arg, const struct emauth_agg_row *r), void *arg)
{
	struct emauth_agg_row *r = ea_calloc(1, sizeof(*r));
	if (r == NULL)
		return EMAUTH_ENOMEM;
	char a[24], b[24];
	bounds(since, until, a, b);
	const char *p[] = {domain ? domain : "", ip ? ip : "", a, b};
	struct q q = {(void *)(uintptr_t)each, arg, r};
	int rc = ea_store_exec(s,
	    "SELECT i.id, i.org, i.report_id, i.begin_t, i.end_t, r.source_ip,"
	    " r.count, r.disposition, r.dkim, r.spf, r.header_from,"
	    " r.envelope_from, r.envelope_to, r.reasons, r.dkim_results,"
	    " r.spf_results, i.policy_domain FROM emauth_agg_records r JOIN"
	    " emauth_imports i ON r.import_id = i.id WHERE i.kind ="
	    " 'aggregate' AND i.status = 'imported' AND ($1 = '' OR"
	    " i.policy_domain = $1) AND ($2 = '' OR r.source_ip = $2) AND"
	    " i.end_t >= $3 AND i.end_t < $4 ORDER BY i.end_t DESC, i.id DESC,"
	    " r.count DESC, r.source_ip",
	    p, 4, agg_row, &q);
	ea_free(r);
	return rc;
}

static int
failure_row(void *arg, int n, const char *const *c)
{
	struct q *q = arg;
	if (n < 16)
		return EMAUTH_EIO;
	struct emauth_failure_item *f = q->item;
	memset(f, 0, sizeof(*f));
	f->import_id = int_of(c[0]);
	text(f->source, sizeof(f->source), c[1]);
	text(f->feedback_type, sizeof(f->feedback_type), c[2]);
	text(f->reported_domain, sizeof(f->reported_domain), c[3]);
	text(f->source_ip, sizeof(f->source_ip), c[4]);
	f->arrival = int_of(c[5]);
	text(f->auth_failure, sizeof(f->auth_failure), c[6]);
	text(f->identity_alignment, sizeof(f->identity_alignment), c[7]);
	text(f->delivery_result, sizeof(f->delivery_result), c[8]);
	text(f->original_mail_from, sizeof(f->original_mail_from), c[9]);
	text(f->original_rcpt_to, sizeof(f->original_rcpt_to), c[10]);
	text(f->dkim_domain, sizeof(f->dkim_domain), c[11]);
	text(f->dkim_selector, sizeof(f->dkim_selector), c[12]);
	text(f->msg_from, sizeof(f->msg_from), c[13]);
	text(f->msg_subject, sizeof(f->msg_subject), c[14]);
	text(f->msg_id, sizeof(f->msg_id), c[15]);
	return ((int (*)(void *, const struct emauth_failure_item *))(
	    uintptr_t)q->each)(q->arg, f);
}

EMAUTH_API int
emauth_report_failures(struct emauth_store *s, const char *domain,
    int (*each)(void *arg, const struct emauth_failure_item *f), void *arg)
{
	struct emauth_failure_item *f = ea_calloc(1, sizeof(*f));
	if (f == NULL)
		return EMAUTH_ENOMEM;
	const char *p[] = {domain ? domain : ""};
	struct q q = {(void *)(uintptr_t)each, arg, f};
	int rc = ea_store_exec(s,
	    "SELECT i.id, i.source, f.feedback_type, f.reported_domain,"
	    " f.source_ip, f.arrival, f.auth_failure, f.identity_alignment,"
	    " f.delivery_result, f.original_mail_from, f.original_rcpt_to,"
	    " f.dkim_domain, f.dkim_selector, f.msg_from, f.msg_subject,"
	    " f.msg_id FROM emauth_failures f JOIN emauth_imports i ON"
	    " f.import_id = i.id WHERE i.status = 'imported' AND ($1 = '' OR"
	    " i.policy_domain = $1) ORDER BY f.arrival DESC, i.id DESC",
	    p, 1, failure_row, &q);
	ea_free(f);
	return rc;
}

static int
tls_row(void *arg, int n, const char *const *c)
{
	struct q *q = arg;
	if (n < 10)
		return EMAUTH_EIO;
	struct emauth_tls_item *t = q->item;
	memset(t, 0, sizeof(*t));
	t->import_id = int_of(c[0]);
	text(t->org, sizeof(t->org), c[1]);
	text(t->report_id, sizeof(t->report_id), c[2]);
	t->begin = int_of(c[3]);
	t->end = int_of(c[4]);
	text(t->policy_type, sizeof(t->policy_type), c[5]);
	text(t->policy_domain, sizeof(t->policy_domain), c[6]);
	t->success = (unsigned long)int_of(c[7]);
	t->failure = (unsigned long)int_of(c[8]);
	/* Whole lines only: a line that does not fit is counted, not cut. */
	const char *f = c[9] ? c[9] : "";
	size_t used = 0;
	while (*f) {
		size_t l = strcspn(f, "\n");
		t->failures_total++;
		if (used + l + 2 <= sizeof(t->failures)) {
			memcpy(t->failures + used, f, l);
			used += l;
			t->failures[used++] = '\n';
			t->failures[used] = '\0';
		}
		f += l + (f[l] == '\n');
	}
	return ((int (*)(void *, const struct emauth_tls_item *))(
	    uintptr_t)q->each)(q->arg, t);
}

EMAUTH_API int
emauth_report_tls(struct emauth_store *s, const char *domain,
    int (*each)(void *arg, const struct emauth_tls_item *t), void *arg)
{
	struct emauth_tls_item *t = ea_calloc(1, sizeof(*t));
	if (t == NULL)
		return EMAUTH_ENOMEM;
	const char *p[] = {domain ? domain : ""};
	struct q q = {(void *)(uintptr_t)each, arg, t};
	int rc = ea_store_exec(s,
	    "SELECT i.id, i.org, i.report_id, i.begin_t, i.end_t,"
	    " t.policy_type, t.policy_domain, t.success, t.failure, t.failures"
	    " FROM emauth_tls_policies t JOIN emauth_imports i ON"
	    " t.import_id = i.id WHERE i.status = 'imported' AND ($1 = '' OR"
	    " t.policy_domain = $1) ORDER BY i.end_t DESC, i.id DESC",
	    p, 1, tls_row, &q);
	ea_free(t);
	return rc;
}
