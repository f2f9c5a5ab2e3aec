/*
 * import.c: what receivers send back, into the store (issue #19). One
 * input is looked at for what it is (gzip, zip, aggregate XML, TLS report
 * JSON, an mbox, a mail message) and opened as far as it goes: archives and
 * MIME parts in each other, up to the depth and size caps. Each report
 * found is one item in emauth_imports with where it came from; its data
 * goes in with it, in one transaction (all of it or none); a report seen
 * before (same kind, reporter and report id) is a duplicate; what cannot
 * be read is a rejected item with the reason, and the rest goes on.
 */
#include "common/internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <emauth/bounce.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/span.h"
#include "report/inbound.h"
#include "report/report.h"
#include "report/store.h"
#include "report/xml_in.h"

#define DEFAULT_MAX_BYTES ((size_t)256 * 1024 * 1024)
#define DEFAULT_DEPTH 8
#define ZIP_ENTRIES_MAX 64
/* Records inserted a statement at a time, in one transaction. */

struct imp {
	struct emauth_store *s;
	const struct emauth_import_opts *o;
	struct emauth_import_stats *stats;
	size_t max_bytes;
	unsigned max_depth;
	int64_t now;
	int io;      /* a store failure: stops everything */
	size_t used; /* decompressed bytes so far */
};

EMAUTH_API const char *
emauth_import_kind_name(enum emauth_import_kind k)
{
	switch (k) {
	case EMAUTH_IMPORT_AGGREGATE:
		return "aggregate";
	case EMAUTH_IMPORT_FAILURE:
		return "failure";
	case EMAUTH_IMPORT_TLS:
		return "tls";
	case EMAUTH_IMPORT_BOUNCE:
		return "bounce";
	}
	return "?";
}

EMAUTH_API const char *
emauth_import_status_name(enum emauth_import_status st)
{
	switch (st) {
	case EMAUTH_IMPORT_IMPORTED:
		return "imported";
	case EMAUTH_IMPORT_DUPLICATE:
		return "duplicate";
	case EMAUTH_IMPORT_REJECTED:
		return "rejected";
	}
	return "?";
}

static void
item_warn(struct emauth_import_item *it, const char *text)
{
	if (it->nwarnings < EMAUTH_IMPORT_WARNINGS_MAX)
		ea_copy_str(it->warnings[it->nwarnings++],
		    sizeof(it->warnings[0]), text);
	it->warnings_total++;
}

static void
warnings_text(const struct emauth_import_item *it, struct ea_buf *b)
{
	ea_buf_adds(b, "");
	for (unsigned i = 0; i < it->nwarnings; i++) {
		ea_report_clean(b, it->warnings[i], 200);
		ea_buf_addc(b, '\n');
	}
}

static const char *
num(char *buf, size_t size, int64_t v)
{
	snprintf(buf, size, "%" PRId64, v);
	return buf;
}

/* The policy columns of an aggregate report; "" for the others. */
struct pol {
	const char *schema, *p, *sp, *np, *pct, *adkim, *aspf, *fo, *testing,
	    *discovery, *email;
};

/* Inserts the item; its id into it->id. */
static int
insert_item(struct imp *x, struct emauth_import_item *it, const struct pol *pl)
{
	static const struct pol none = {
	    "", "", "", "", "", "", "", "", "", "", ""};
	if (pl == NULL)
		pl = &none;
	char b[24], e[24], rows[24], msgs[24], wt[16], at[24];
	struct ea_buf w, src, reason, org, rid, dom, em;
	ea_buf_init(&w, 8192);
	ea_buf_init(&src, 2048);
	ea_buf_init(&reason, 1024);
	ea_buf_init(&org, 1024);
	ea_buf_init(&rid, 1024);
	ea_buf_init(&dom, 1024);
	ea_buf_init(&em, 1024);
	warnings_text(it, &w);
	/* Everything a stranger wrote is cleaned to UTF-8 first. */
	ea_buf_adds(&src, "");
	ea_report_clean(&src, it->source, sizeof(it->source));
	ea_buf_adds(&reason, "");
	ea_report_clean(&reason, it->reason, sizeof(it->reason));
	ea_buf_adds(&org, "");
	ea_report_clean(&org, it->org, sizeof(it->org));
	ea_buf_adds(&rid, "");
	ea_report_clean(&rid, it->report_id, sizeof(it->report_id));
	ea_buf_adds(&dom, "");
	ea_report_clean(&dom, it->policy_domain, sizeof(it->policy_domain));
	ea_buf_adds(&em, "");
	ea_report_clean(&em, pl->email, 320);
	snprintf(wt, sizeof(wt), "%u", it->warnings_total);
	const char *p[] = {emauth_import_kind_name(it->kind),
	    emauth_import_status_name(it->status), ea_buf_str(&src),
	    ea_buf_str(&reason), ea_buf_str(&org), ea_buf_str(&em),
	    ea_buf_str(&rid), ea_buf_str(&dom), num(b, sizeof(b), it->begin),
	    num(e, sizeof(e), it->end),
	    num(rows, sizeof(rows), (int64_t)it->rows),
	    num(msgs, sizeof(msgs), (int64_t)it->messages), ea_buf_str(&w), wt,
	    num(at, sizeof(at), it->imported_at), pl->schema, pl->p, pl->sp,
	    pl->np, pl->pct, pl->adkim, pl->aspf, pl->fo, pl->testing,
	    pl->discovery};
	int64_t id = 0;
	int rc = ea_store_exec(x->s,
	    "INSERT INTO emauth_imports (kind, status, source, reason, org,"
	    " email, report_id, policy_domain, begin_t, end_t, rows_n,"
	    " messages, warnings, warnings_total, imported_at, schema_name, p,"
	    " sp, np, pct, adkim, aspf, fo, testing, discovery) VALUES ($1,"
	    " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
	    " $16, $17, $18, $19, $20, $21, $22, $23, $24, $25) RETURNING id",
	    p, 25, ea_store_get_int, &id);
	it->id = id;
	ea_buf_release(&w);
	ea_buf_release(&src);
	ea_buf_release(&reason);
	ea_buf_release(&org);
	ea_buf_release(&rid);
	ea_buf_release(&dom);
	ea_buf_release(&em);
	return rc;
}

static int
update_counts(struct imp *x, const struct emauth_import_item *it)
{
	char id[24], rows[24], msgs[24], wt[16];
	struct ea_buf w;
	ea_buf_init(&w, 8192);
	warnings_text(it, &w);
	snprintf(wt, sizeof(wt), "%u", it->warnings_total);
	const char *p[] = {num(rows, sizeof(rows), (int64_t)it->rows),
	    num(msgs, sizeof(msgs), (int64_t)it->messages), ea_buf_str(&w), wt,
	    num(id, sizeof(id), it->id)};
	int rc = ea_store_exec(x->s,
	    "UPDATE emauth_imports SET rows_n = $1, messages = $2,"
	    " warnings = $3, warnings_total = $4 WHERE id = $5",
	    p, 5, NULL, NULL);
	ea_buf_release(&w);
	return rc;
}

/* Whether (kind, org, report id) was imported before. */
static int
seen(struct imp *x, const struct emauth_import_item *it, bool *dup)
{
	struct ea_buf org, rid;
	ea_buf_init(&org, 1024);
	ea_buf_init(&rid, 1024);
	ea_buf_adds(&org, "");
	ea_report_clean(&org, it->org, sizeof(it->org));
	ea_buf_adds(&rid, "");
	ea_report_clean(&rid, it->report_id, sizeof(it->report_id));
	const char *p[] = {emauth_import_kind_name(it->kind), ea_buf_str(&org),
	    ea_buf_str(&rid)};
	int64_t n = 0;
	int rc = ea_store_exec(x->s,
	    "SELECT COUNT(*) FROM emauth_imports WHERE kind = $1 AND org = $2"
	    " AND report_id = $3 AND status = 'imported'",
	    p, 3, ea_store_get_int, &n);
	ea_buf_release(&org);
	ea_buf_release(&rid);
	*dup = n > 0;
	return rc;
}

static void
done(struct imp *x, struct emauth_import_item *it)
{
	if (it->status == EMAUTH_IMPORT_IMPORTED)
		x->stats->imported++;
	else if (it->status == EMAUTH_IMPORT_DUPLICATE)
		x->stats->duplicates++;
	else
		x->stats->rejected++;
	if (x->o && x->o->each)
		x->o->each(x->o->arg, it);
}

/* Records a rejected item (its own statement). */
static void reject(struct imp *x, struct emauth_import_item *it,
    const char *fmt, ...) EA_PRINTF(3, 4);

static void
reject(struct imp *x, struct emauth_import_item *it, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(it->reason, sizeof(it->reason), fmt, ap);
	va_end(ap);
	it->status = EMAUTH_IMPORT_REJECTED;
	it->rows = it->messages = 0;
	if (insert_item(x, it, NULL) != 0)
		x->io = EMAUTH_EIO;
	done(x, it);
}

static void
item_init(struct imp *x, struct emauth_import_item *it,
    enum emauth_import_kind kind, const char *source)
{
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->imported_at = x->now;
	ea_copy_str(it->source, sizeof(it->source), source);
}

/* Aggregate reports. */

#define STOP_DUPLICATE 7001

struct agg {
	struct imp *x;
	struct emauth_import_item *it;
	bool started; /* the transaction and the item row */
};

static void
agg_warn(void *arg, const char *text)
{
	struct agg *a = arg;
	item_warn(a->it, text);
}

static int
agg_meta(void *arg, const struct ea_agg_meta *m)
{
	struct agg *a = arg;
	struct emauth_import_item *it = a->it;
	ea_copy_str(it->org, sizeof(it->org), m->org);
	ea_copy_str(it->report_id, sizeof(it->report_id), m->report_id);
	ea_copy_str(it->policy_domain, sizeof(it->policy_domain), m->domain);
	it->begin = m->begin;
	it->end = m->end;
	bool dup = false;
	if (seen(a->x, it, &dup) != 0)
		return EMAUTH_EIO;
	if (dup)
		return STOP_DUPLICATE;
	if (ea_store_begin(a->x->s) != 0)
		return EMAUTH_EIO;
	a->started = true;
	it->status = EMAUTH_IMPORT_IMPORTED;
	struct pol pl = {m->schema, m->p, m->sp, m->np, m->pct, m->adkim,
	    m->aspf, m->fo, m->testing, m->discovery, m->email};
	if (insert_item(a->x, it, &pl) != 0)
		return EMAUTH_EIO;
	return 0;
}

static int
agg_record(void *arg, const struct ea_agg_record *r)
{
	struct agg *a = arg;
	char id[24], count[24];
	struct ea_buf f[11];
	const char *src[11] = {r->source_ip, r->disposition, r->dkim, r->spf,
	    r->reasons, r->header_from, r->envelope_from, r->envelope_to,
	    r->dkim_results, r->spf_results, ""};
	const char *p[12];
	p[0] = num(id, sizeof(id), a->it->id);
	for (int i = 0; i < 10; i++) {
		ea_buf_init(&f[i], 4096);
		ea_buf_adds(&f[i], "");
		/* Lines and tab-separated fields stay: each piece is
		 * cleaned. */
		for (const char *q = src[i]; *q;) {
			size_t k = strcspn(q, "\t\n");
			char piece[2400];
			size_t pk =
			    k < sizeof(piece) - 1 ? k : sizeof(piece) - 1;
			memcpy(piece, q, pk);
			piece[pk] = '\0';
			ea_report_clean(&f[i], piece, pk);
			q += k;
			if (*q == '\t' || *q == '\n')
				ea_buf_addc(&f[i], *q++);
		}
		p[i + 2] = ea_buf_str(&f[i]);
	}
	p[1] = num(count, sizeof(count), (int64_t)r->count);
	int rc = ea_store_exec(a->x->s,
	    "INSERT INTO emauth_agg_records (import_id, count, source_ip,"
	    " disposition, dkim, spf, reasons, header_from, envelope_from,"
	    " envelope_to, dkim_results, spf_results) VALUES ($1, $2, $3, $4,"
	    " $5, $6, $7, $8, $9, $10, $11, $12)",
	    p, 12, NULL, NULL);
	for (int i = 0; i < 10; i++)
		ea_buf_release(&f[i]);
	if (rc != 0)
		return EMAUTH_EIO;
	a->it->rows++;
	a->it->messages += r->count;
	return 0;
}

static void
import_aggregate_io(
    struct imp *x, const char *source, ea_read_fn read, void *ctx)
{
	struct emauth_import_item *it = ea_calloc(1, sizeof(*it));
	if (it == NULL) {
		x->io = EMAUTH_ENOMEM;
		return;
	}
	item_init(x, it, EMAUTH_IMPORT_AGGREGATE, source);
	struct agg a = {x, it, false};
	static const struct ea_agg_handler h = {agg_meta, agg_record, agg_warn};
	char err[400] = "";
	int rc = ea_agg_read_io(read, ctx, &h, &a, err, sizeof(err));
	if (rc == 0 && a.started) {
		if (update_counts(x, it) != 0 || ea_store_commit(x->s) != 0) {
			ea_store_rollback(x->s);
			x->io = EMAUTH_EIO;
		} else {
			done(x, it);
		}
	} else if (rc == STOP_DUPLICATE) {
		it->status = EMAUTH_IMPORT_DUPLICATE;
		it->rows = it->messages = 0;
		if (insert_item(x, it, NULL) != 0)
			x->io = EMAUTH_EIO;
		done(x, it);
	} else {
		if (a.started)
			ea_store_rollback(x->s);
		if (rc == EMAUTH_EIO) {
			x->io = EMAUTH_EIO;
		} else if (rc == EMAUTH_ENOMEM) {
			x->io = EMAUTH_ENOMEM;
		} else {
			it->id = 0;
			reject(x, it, "%s",
			    err[0] ? err
			    : rc == EMAUTH_ELIMIT
			        ? "more records than one report may hold"
			        : emauth_strerror(rc));
		}
	}
	ea_free(it);
}

static int
span_read(
    void *ctx, uint8_t *buf, size_t len, size_t *got, char *err, size_t errsize)
{
	(void)err;
	(void)errsize;
	struct emauth_span *d = ctx;
	size_t k = d->len < len ? d->len : len;
	memcpy(buf, d->p, k);
	d->p += k;
	d->len -= k;
	*got = k;
	return 0;
}

static void
import_aggregate(struct imp *x, const char *source, struct emauth_span xml)
{
	import_aggregate_io(x, source, span_read, &xml);
}

/* SMTP TLS reports. */

static void
import_tls(struct imp *x, const char *source, struct emauth_span json)
{
	struct emauth_import_item *it = ea_calloc(1, sizeof(*it));
	if (it == NULL) {
		x->io = EMAUTH_ENOMEM;
		return;
	}
	item_init(x, it, EMAUTH_IMPORT_TLS, source);
	struct ea_tls_report *t = NULL;
	char err[400] = "";
	int rc = ea_tls_parse(json, &t, err, sizeof(err));
	if (rc == EMAUTH_ENOMEM) {
		x->io = rc;
		goto out;
	}
	if (rc != 0) {
		reject(x, it, "%s", err[0] ? err : emauth_strerror(rc));
		goto out;
	}
	ea_copy_str(it->org, sizeof(it->org), t->org);
	ea_copy_str(it->report_id, sizeof(it->report_id), t->report_id);
	if (t->npolicies)
		ea_copy_str(it->policy_domain, sizeof(it->policy_domain),
		    t->policies[0].policy_domain);
	it->begin = t->begin;
	it->end = t->end;
	for (unsigned i = 0; i < t->nwarnings; i++)
		item_warn(it, t->warnings[i]);
	bool dup = false;
	if (seen(x, it, &dup) != 0) {
		x->io = EMAUTH_EIO;
		goto out;
	}
	if (dup) {
		it->status = EMAUTH_IMPORT_DUPLICATE;
		if (insert_item(x, it, NULL) != 0)
			x->io = EMAUTH_EIO;
		done(x, it);
		goto out;
	}
	for (size_t i = 0; i < t->npolicies; i++) {
		it->rows++;
		it->messages += t->policies[i].success + t->policies[i].failure;
	}
	it->status = EMAUTH_IMPORT_IMPORTED;
	struct pol pl = {
	    "rfc8460", "", "", "", "", "", "", "", "", "", t->contact};
	if (ea_store_begin(x->s) != 0 || insert_item(x, it, &pl) != 0) {
		ea_store_rollback(x->s);
		x->io = EMAUTH_EIO;
		goto out;
	}
	for (size_t i = 0; i < t->npolicies && x->io == 0; i++) {
		const struct ea_tls_policy *pp = &t->policies[i];
		struct ea_buf f;
		ea_buf_init(&f, 1024 * 1024);
		ea_buf_adds(&f, "");
		for (size_t k = 0; k < pp->nfailures; k++) {
			const struct ea_tls_failure *fl = &pp->failures[k];
			ea_report_clean(&f, fl->result_type, 64);
			ea_buf_addc(&f, '\t');
			ea_report_clean(&f, fl->sending_mta_ip, 64);
			ea_buf_addc(&f, '\t');
			ea_report_clean(&f, fl->receiving_mx_hostname, 256);
			ea_buf_printf(&f, "\t%lu\n", fl->failed_session_count);
		}
		char id[24], ok[24], bad[24];
		struct ea_buf ty, dm;
		ea_buf_init(&ty, 64);
		ea_buf_init(&dm, 1024);
		ea_buf_adds(&ty, "");
		ea_report_clean(&ty, pp->policy_type, 16);
		ea_buf_adds(&dm, "");
		ea_report_clean(&dm, pp->policy_domain, 256);
		const char *p[] = {num(id, sizeof(id), it->id), ea_buf_str(&ty),
		    ea_buf_str(&dm), num(ok, sizeof(ok), (int64_t)pp->success),
		    num(bad, sizeof(bad), (int64_t)pp->failure),
		    ea_buf_str(&f)};
		if (f.err ||
		    ea_store_exec(x->s,
		        "INSERT INTO emauth_tls_policies (import_id,"
		        " policy_type, policy_domain, success, failure,"
		        " failures) VALUES ($1, $2, $3, $4, $5, $6)",
		        p, 6, NULL, NULL) != 0)
			x->io = EMAUTH_EIO;
		ea_buf_release(&f);
		ea_buf_release(&ty);
		ea_buf_release(&dm);
	}
	if (x->io || ea_store_commit(x->s) != 0) {
		ea_store_rollback(x->s);
		x->io = EMAUTH_EIO;
		goto out;
	}
	done(x, it);
out:
	ea_tls_report_free(t);
	ea_free(it);
}

/* Failure reports. */

static void
import_failure(struct imp *x, const char *source, const struct ea_arf *f)
{
	struct emauth_import_item *it = ea_calloc(1, sizeof(*it));
	if (it == NULL) {
		x->io = EMAUTH_ENOMEM;
		return;
	}
	item_init(x, it, EMAUTH_IMPORT_FAILURE, source);
	ea_copy_str(it->org, sizeof(it->org),
	    f->reporting_mta[0] ? f->reporting_mta : f->user_agent);
	/* A failure report has no report id: the failed message's
	 * Message-ID and arrival identify it. */
	char rid[256];
	snprintf(rid, sizeof(rid), "%.200s@%" PRId64,
	    f->message_id[0] ? f->message_id : f->subject, f->arrival);
	ea_copy_str(it->report_id, sizeof(it->report_id), rid);
	ea_copy_str(
	    it->policy_domain, sizeof(it->policy_domain), f->reported_domain);
	it->begin = it->end = f->arrival;
	it->rows = 1;
	it->messages = 1;
	for (unsigned i = 0; i < f->nwarnings; i++)
		item_warn(it, f->warnings[i]);
	bool dup = false;
	if (seen(x, it, &dup) != 0) {
		x->io = EMAUTH_EIO;
		goto out;
	}
	if (dup) {
		it->status = EMAUTH_IMPORT_DUPLICATE;
		it->rows = it->messages = 0;
		if (insert_item(x, it, NULL) != 0)
			x->io = EMAUTH_EIO;
		done(x, it);
		goto out;
	}
	it->status = EMAUTH_IMPORT_IMPORTED;
	if (ea_store_begin(x->s) != 0 || insert_item(x, it, NULL) != 0) {
		ea_store_rollback(x->s);
		x->io = EMAUTH_EIO;
		goto out;
	}
	const char *fields[] = {f->feedback_type, f->source_ip,
	    f->reported_domain, f->auth_failure, f->identity_alignment,
	    f->delivery_result, f->original_mail_from, f->original_rcpt_to,
	    f->dkim_domain, f->dkim_selector, f->spf_dns, f->from, f->subject,
	    f->message_id};
	struct ea_buf b[14];
	const char *p[16];
	char id[24], arr[24];
	p[0] = num(id, sizeof(id), it->id);
	p[1] = num(arr, sizeof(arr), f->arrival);
	for (int i = 0; i < 14; i++) {
		ea_buf_init(&b[i], 2048);
		ea_buf_adds(&b[i], "");
		ea_report_clean(&b[i], fields[i], 600);
		p[i + 2] = ea_buf_str(&b[i]);
	}
	int rc = ea_store_exec(x->s,
	    "INSERT INTO emauth_failures (import_id, arrival, feedback_type,"
	    " source_ip, reported_domain, auth_failure, identity_alignment,"
	    " delivery_result, original_mail_from, original_rcpt_to,"
	    " dkim_domain, dkim_selector, spf_dns, msg_from, msg_subject,"
	    " msg_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
	    " $12, $13, $14, $15, $16)",
	    p, 16, NULL, NULL);
	for (int i = 0; i < 14; i++)
		ea_buf_release(&b[i]);
	if (rc != 0 || ea_store_commit(x->s) != 0) {
		ea_store_rollback(x->s);
		x->io = EMAUTH_EIO;
		goto out;
	}
	done(x, it);
out:
	ea_free(it);
}

/* Bounces (issue #20). */

/* The domain of an address, lower case ("" when none). */
static void
domain_of(const char *addr, char *out, size_t size)
{
	const char *at = strrchr(addr, '@');
	out[0] = '\0';
	if (at == NULL)
		return;
	size_t i = 0;
	for (const char *p = at + 1;
	     *p && *p != '>' && *p != ' ' && i + 1 < size; p++)
		out[i++] = (char)ea_lower((uint8_t)*p);
	out[i] = '\0';
}

static void
import_bounce(struct imp *x, const char *source, struct emauth_span d,
    const struct emauth_bounce *b)
{
	struct emauth_import_item *it = ea_calloc(1, sizeof(*it));
	if (it == NULL) {
		x->io = EMAUTH_ENOMEM;
		return;
	}
	item_init(x, it, EMAUTH_IMPORT_BOUNCE, source);
	/* Who reported, and the bounce's own Message-ID: its identity. */
	ea_copy_str(it->org, sizeof(it->org),
	    b->reporting_mta[0] ? b->reporting_mta : b->system);
	char mid[320] = "";
	size_t hl = d.len;
	for (size_t i = 0; i + 1 < d.len; i++)
		if (d.p[i] == '\n' &&
		    (d.p[i + 1] == '\n' ||
		        (d.p[i + 1] == '\r' && i + 2 < d.len &&
		            d.p[i + 2] == '\n'))) {
			hl = i + 1;
			break;
		}
	if (ea_mime_header(ea_span(d.p, hl), "Message-ID", mid, sizeof(mid)) <
	    0)
		mid[0] = '\0';
	char rid[256];
	snprintf(rid, sizeof(rid), "%.160s|%.80s", mid[0] ? mid : "(none)",
	    b->nrcpts ? b->rcpts[0].recipient : "");
	ea_copy_str(it->report_id, sizeof(it->report_id), rid);
	char fromdom[256];
	domain_of(b->original_from, fromdom, sizeof(fromdom));
	ea_copy_str(it->policy_domain, sizeof(it->policy_domain), fromdom);
	it->begin = it->end = b->arrival;
	it->rows = b->nrcpts;
	it->messages = 1;
	bool dup = false;
	if (seen(x, it, &dup) != 0) {
		x->io = EMAUTH_EIO;
		goto out;
	}
	if (dup) {
		it->status = EMAUTH_IMPORT_DUPLICATE;
		it->rows = it->messages = 0;
		if (insert_item(x, it, NULL) != 0)
			x->io = EMAUTH_EIO;
		done(x, it);
		goto out;
	}
	it->status = EMAUTH_IMPORT_IMPORTED;
	if (ea_store_begin(x->s) != 0 || insert_item(x, it, NULL) != 0) {
		ea_store_rollback(x->s);
		x->io = EMAUTH_EIO;
		goto out;
	}
	for (size_t i = 0; i < b->nrcpts && x->io == 0; i++) {
		const struct emauth_bounce_rcpt *r = &b->rcpts[i];
		char rdom[256], id[24], arr[24];
		domain_of(r->recipient, rdom, sizeof(rdom));
		const char *f[] = {r->recipient, rdom, r->action, r->status,
		    r->reply_code, r->reason, r->auth, r->hard ? "1" : "0",
		    r->diagnostic, r->remote_mta, b->original_from, fromdom,
		    b->original_message_id};
		struct ea_buf buf[13];
		const char *p[15];
		p[0] = num(id, sizeof(id), it->id);
		p[14] = num(arr, sizeof(arr),
		    r->last_attempt ? r->last_attempt : b->arrival);
		for (int k = 0; k < 13; k++) {
			ea_buf_init(&buf[k], 4096);
			ea_buf_adds(&buf[k], "");
			ea_report_clean(&buf[k], f[k], 1024);
			p[k + 1] = ea_buf_str(&buf[k]);
		}
		if (ea_store_exec(x->s,
		        "INSERT INTO emauth_bounces (import_id, recipient,"
		        " rcpt_domain, action, status, reply_code, reason, "
		        "auth,"
		        " hard, diagnostic, remote_mta, original_from,"
		        " from_domain, original_message_id, arrival) VALUES "
		        "($1,"
		        " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
		        "$14,"
		        " $15)",
		        p, 15, NULL, NULL) != 0)
			x->io = EMAUTH_EIO;
		for (int k = 0; k < 13; k++)
			ea_buf_release(&buf[k]);
	}
	if (x->io || ea_store_commit(x->s) != 0) {
		ea_store_rollback(x->s);
		x->io = EMAUTH_EIO;
		goto out;
	}
	done(x, it);
out:
	ea_free(it);
}

/* Detection and containers. */

static void walk(struct imp *x, const char *source, struct emauth_span d,
    unsigned depth, const char *hint);

static struct emauth_span
skip_space(struct emauth_span d)
{
	/* A UTF-8 byte order mark, then white space. */
	if (d.len >= 3 && d.p[0] == 0xef && d.p[1] == 0xbb && d.p[2] == 0xbf) {
		d.p += 3;
		d.len -= 3;
	}
	while (d.len && (d.p[0] == ' ' || d.p[0] == '\t' || d.p[0] == '\r' ||
	                    d.p[0] == '\n')) {
		d.p++;
		d.len--;
	}
	return d;
}

struct zipw {
	struct imp *x;
	const char *source;
	unsigned depth;
};

static int
zip_entry(void *arg, const char *name, struct emauth_span data)
{
	struct zipw *z = arg;
	char src[1024];
	snprintf(src, sizeof(src), "%.700s/%.300s", z->source, name);
	walk(z->x, src, data, z->depth + 1, name);
	return z->x->io;
}

/* Message parts that may hold a report. */
struct msgw {
	struct imp *x;
	const char *source;
	unsigned depth, found, part;
};

static bool
ends_with(const char *s, const char *suffix)
{
	size_t l = strlen(s), k = strlen(suffix);
	return l >= k && strcasecmp(s + l - k, suffix) == 0;
}

static int
msg_part(void *arg, const struct ea_mime_part *p)
{
	struct msgw *m = arg;
	m->part++;
	if (p->is_message)
		return EA_MIME_DESCEND;
	const char *t = p->type;
	bool report =
	    strstr(t, "gzip") || strstr(t, "zip") || strstr(t, "xml") ||
	    strstr(t, "tlsrpt") || strcmp(t, "application/json") == 0 ||
	    ends_with(p->filename, ".gz") || ends_with(p->filename, ".zip") ||
	    ends_with(p->filename, ".xml") || ends_with(p->filename, ".json") ||
	    (strcmp(t, "application/octet-stream") == 0 && p->filename[0]);
	if (!report || p->body.len == 0)
		return 0;
	m->found++;
	char src[1024];
	snprintf(src, sizeof(src), "%.700s#%u%s%.250s", m->source, m->part,
	    p->filename[0] ? " " : "", p->filename);
	walk(
	    m->x, src, p->body, m->depth + 1, p->filename[0] ? p->filename : t);
	return m->x->io;
}

static void
import_message(
    struct imp *x, const char *source, struct emauth_span d, unsigned depth)
{
	struct ea_arf *arf = ea_calloc(1, sizeof(*arf));
	if (arf == NULL) {
		x->io = EMAUTH_ENOMEM;
		return;
	}
	char err[400] = "";
	int rc = ea_arf_parse(d, arf, err, sizeof(err));
	if (rc == 0) {
		import_failure(x, source, arf);
		ea_free(arf);
		return;
	}
	ea_free(arf);
	if (rc == EMAUTH_ENOMEM) {
		x->io = rc;
		return;
	}
	struct msgw m = {x, source, depth, 0, 0};
	struct ea_mime_limits lim = {
	    x->max_depth, 1000, x->max_bytes, 256 * 1024};
	err[0] = '\0';
	rc = ea_mime_walk(d, &lim, msg_part, &m, err, sizeof(err));
	if (x->io)
		return;
	struct emauth_import_item *it = ea_calloc(1, sizeof(*it));
	if (it == NULL) {
		x->io = EMAUTH_ENOMEM;
		return;
	}
	item_init(x, it, EMAUTH_IMPORT_AGGREGATE, source);
	if (rc == EMAUTH_ENOMEM)
		x->io = rc;
	else if (rc != 0)
		reject(x, it, "the message cannot be read: %s",
		    err[0] ? err : emauth_strerror(rc));
	else if (m.found == 0) {
		/* Not a report: a bounce, perhaps. */
		struct emauth_bounce *b = NULL;
		char berr[300] = "";
		int br = emauth_bounce_parse(d, &b, berr, sizeof(berr));
		if (br == EMAUTH_ENOMEM)
			x->io = br;
		else if (br == 0 && (b->kind == EMAUTH_BOUNCE_DSN ||
		                        b->kind == EMAUTH_BOUNCE_NONSTANDARD))
			import_bounce(x, source, d, b);
		else if (br == 0 && b->kind == EMAUTH_BOUNCE_AUTOREPLY)
			reject(x, it, "an auto-reply, not a report");
		else
			reject(x, it,
			    "no report in the message (no XML, JSON, gzip or "
			    "zip "
			    "part, no feedback report, not a bounce)");
		emauth_bounce_free(b);
	}
	ea_free(it);
}

/* mbox: messages after lines "From ". */
/* Whether the "From " line at @i follows an empty line and is followed by
 * a line that looks like a header field ("Name:"). */
static bool
mbox_separator(struct emauth_span d, size_t i)
{
	bool empty_before =
	    (i >= 2 && d.p[i - 2] == '\n') ||
	    (i >= 3 && d.p[i - 2] == '\r' && d.p[i - 3] == '\n');
	if (!empty_before)
		return false;
	const uint8_t *nl = memchr(d.p + i, '\n', d.len - i);
	if (nl == NULL)
		return false;
	size_t k = (size_t)(nl + 1 - d.p), name = 0;
	while (k + name < d.len && d.p[k + name] > ' ' &&
	       d.p[k + name] < 0x7f && d.p[k + name] != ':')
		name++;
	return name > 0 && k + name < d.len && d.p[k + name] == ':';
}

static void
import_mbox(
    struct imp *x, const char *source, struct emauth_span d, unsigned depth)
{
	size_t start = 0, n = 0;
	for (size_t i = 0; i <= d.len; i++) {
		/* A new message: a "From " line at the start, or after an
		 * empty line and followed by a header field (a body line that
		 * starts with "From " and was not quoted does not split). */
		bool at_from =
		    i == d.len ||
		    (i + 5 <= d.len && (i == 0 || d.p[i - 1] == '\n') &&
		        memcmp(d.p + i, "From ", 5) == 0 &&
		        (i == 0 || mbox_separator(d, i)));
		if (!at_from || (i == 0 && d.len))
			continue;
		if (i > start) {
			/* Skip the "From " line itself. */
			const uint8_t *nl =
			    memchr(d.p + start, '\n', i - start);
			if (nl) {
				size_t b = (size_t)(nl + 1 - d.p);
				char src[1024];
				snprintf(src, sizeof(src), "%.1000s:%zu",
				    source, ++n);
				import_message(
				    x, src, ea_span(d.p + b, i - b), depth + 1);
				if (x->io)
					return;
			}
		}
		start = i;
	}
}

static void
walk(struct imp *x, const char *source, struct emauth_span d, unsigned depth,
    const char *hint)
{
	(void)hint;
	if (x->io)
		return;
	struct emauth_import_item it0;
	if (depth > x->max_depth) {
		item_init(x, &it0, EMAUTH_IMPORT_AGGREGATE, source);
		reject(x, &it0, "containers nested over %u deep", x->max_depth);
		return;
	}
	char err[400] = "";
	if (d.len >= 2 && d.p[0] == 0x1f && d.p[1] == 0x8b) {
		uint8_t *out = NULL;
		size_t len = 0;
		size_t left =
		    x->max_bytes > x->used ? x->max_bytes - x->used : 0;
		int rc = ea_gunzip(d, left, &out, &len, err, sizeof(err));
		if (rc == 0) {
			x->used += len;
			walk(x, source, ea_span(out, len), depth + 1, hint);
			ea_free(out);
		} else if (rc == EMAUTH_ENOMEM) {
			x->io = rc;
		} else {
			item_init(x, &it0, EMAUTH_IMPORT_AGGREGATE, source);
			reject(x, &it0, "gzip: %s%s",
			    rc == EMAUTH_ELIMIT ? "refused, over the size cap: "
			                        : "",
			    err[0] ? err : emauth_strerror(rc));
		}
		return;
	}
	if (d.len >= 4 && memcmp(d.p, "PK\x03\x04", 4) == 0) {
		size_t left =
		    x->max_bytes > x->used ? x->max_bytes - x->used : 0;
		struct zipw z = {x, source, depth};
		int rc = ea_unzip(
		    d, left, ZIP_ENTRIES_MAX, zip_entry, &z, err, sizeof(err));
		if (rc != 0 && x->io == 0) {
			if (rc == EMAUTH_ENOMEM) {
				x->io = rc;
				return;
			}
			item_init(x, &it0, EMAUTH_IMPORT_AGGREGATE, source);
			reject(x, &it0, "zip: %s%s",
			    rc == EMAUTH_ELIMIT ? "refused, over the size cap: "
			                        : "",
			    err[0] ? err : emauth_strerror(rc));
		}
		return;
	}
	struct emauth_span t = skip_space(d);
	if (t.len && t.p[0] == '<') {
		import_aggregate(x, source, d);
		return;
	}
	if (t.len && t.p[0] == '{') {
		import_tls(x, source, d);
		return;
	}
	if (t.len >= 5 && memcmp(t.p, "From ", 5) == 0) {
		import_mbox(x, source, t, depth);
		return;
	}
	if (t.len == 0) {
		item_init(x, &it0, EMAUTH_IMPORT_AGGREGATE, source);
		reject(x, &it0, "empty");
		return;
	}
	import_message(x, source, d, depth);
}

EMAUTH_API int
emauth_report_import(struct emauth_store *s, const char *source,
    struct emauth_span data, const struct emauth_import_opts *o,
    struct emauth_import_stats *stats)
{
	struct emauth_import_stats dummy = {0};
	struct imp x = {s, o, stats ? stats : &dummy,
	    o && o->max_bytes ? o->max_bytes : DEFAULT_MAX_BYTES,
	    o && o->max_depth ? o->max_depth : DEFAULT_DEPTH,
	    o && o->now ? o->now : (int64_t)time(NULL), 0, 0};
	walk(&x, source ? source : "-", data, 0, "");
	return x.io;
}

/* Reading as it comes. */

/* The caller's source failed (not the store: not EMAUTH_EIO). */
#define READ_FAILED 2

/* Ours: the largest input read whole (a mail, an mbox, a zip): 512 MiB. */
#define INPUT_MAX ((size_t)512 * 1024 * 1024)
/* The first bytes looked at, to tell what the input is. */
#define PEEK_LEN ((size_t)64 * 1024)

/* The caller's source behind the bytes already peeked; a failure of the
 * caller's read is an I/O error of the input, the bytes past @max a
 * refusal. */
struct pre {
	const uint8_t *p;
	size_t n, pos;
	emauth_read_fn read;
	void *ctx;
	size_t total, max;
	bool eof;
};

static int
pre_read(
    void *ctx, uint8_t *buf, size_t len, size_t *got, char *err, size_t errsize)
{
	struct pre *q = ctx;
	*got = 0;
	if (q->pos < q->n) {
		size_t k = q->n - q->pos < len ? q->n - q->pos : len;
		memcpy(buf, q->p + q->pos, k);
		q->pos += k;
		*got = k;
		return 0;
	}
	if (q->eof)
		return 0;
	if (q->read(q->ctx, buf, len, got) != 0) {
		ea_fmt(err, errsize, "reading the input failed");
		return READ_FAILED;
	}
	if (*got > len)
		*got = len;
	if (*got == 0)
		q->eof = true;
	q->total += *got;
	if (q->total > q->max) {
		ea_fmt(
		    err, errsize, "larger than %zu MiB: refused", q->max >> 20);
		return EMAUTH_ELIMIT;
	}
	return 0;
}

/* Reads @q's source to its end (up to @max bytes) after @have bytes of
 * the growing buffer *@b. */
static int
read_rest(struct pre *q, uint8_t **b, size_t *have, size_t max)
{
	size_t cap = *have;
	for (;;) {
		if (*have == cap) {
			if (cap >= max)
				return EMAUTH_ETOOBIG;
			size_t nc = cap * 2 < max ? cap * 2 : max;
			uint8_t *nb = ea_realloc(*b, nc + 1);
			if (nb == NULL)
				return EMAUTH_ENOMEM;
			*b = nb;
			cap = nc;
		}
		size_t got = 0;
		if (q->read(q->ctx, *b + *have, cap - *have, &got) != 0)
			return EMAUTH_EIO;
		if (got == 0)
			return 0;
		*have += got < cap - *have ? got : cap - *have;
	}
}

/* Whether the bytes of @d start, after white space, with '<'. */
static bool
starts_xml(struct emauth_span d)
{
	struct emauth_span t = skip_space(d);
	return t.len > 0 && t.p[0] == '<';
}

/* The first bytes of the gzip data @raw decompressed (as many as the
 * peeked bytes give, into @out), to tell what it holds. */
static struct emauth_span
gz_head(struct emauth_span raw, uint8_t *out, size_t outlen)
{
	struct emauth_span d = raw;
	struct ea_gz *g = ea_gz_open(span_read, &d, outlen);
	size_t n = 0;
	char err[8];
	while (g && n < outlen) {
		size_t got = 0;
		if (ea_gz_read(
		        g, out + n, outlen - n, &got, err, sizeof(err)) != 0 ||
		    got == 0)
			break;
		n += got;
	}
	ea_gz_close(g);
	return ea_span(out, n);
}

/* The gzip stream, its failures worded as those of a gzip read whole. */
static int
gz_src_read(
    void *g, uint8_t *buf, size_t len, size_t *got, char *err, size_t errsize)
{
	char e[300] = "";
	int rc = ea_gz_read(g, buf, len, got, e, sizeof(e));
	if (rc == READ_FAILED)
		ea_fmt(err, errsize, "%s", e);
	else if (rc != 0)
		ea_fmt(err, errsize, "gzip: %s%s",
		    rc == EMAUTH_ELIMIT ? "refused, over the size cap: " : "",
		    e[0] ? e : emauth_strerror(rc));
	return rc;
}

EMAUTH_API int
emauth_report_import_read(struct emauth_store *s, const char *source,
    emauth_read_fn read, void *ctx, const struct emauth_import_opts *o,
    struct emauth_import_stats *stats)
{
	struct emauth_import_stats dummy = {0};
	struct imp x = {s, o, stats ? stats : &dummy,
	    o && o->max_bytes ? o->max_bytes : DEFAULT_MAX_BYTES,
	    o && o->max_depth ? o->max_depth : DEFAULT_DEPTH,
	    o && o->now ? o->now : (int64_t)time(NULL), 0, 0};
	source = source ? source : "-";
	struct emauth_import_item it0;
	size_t cap = PEEK_LEN, n = 0;
	uint8_t *b = ea_malloc(cap + 1);
	if (b == NULL)
		return EMAUTH_ENOMEM;
	int rc = 0;
	/* The first bytes. */
	while (n < cap) {
		size_t got = 0;
		if (read(ctx, b + n, cap - n, &got) != 0) {
			rc = EMAUTH_EIO;
			break;
		}
		if (got == 0)
			break;
		n += got < cap - n ? got : cap - n;
	}
	struct pre q = {b, n, 0, read, ctx, n, INPUT_MAX, n < cap};
	if (rc == 0 && n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
		uint8_t head[512];
		if (starts_xml(gz_head(ea_span(b, n), head, sizeof(head)))) {
			/* A gzipped aggregate report, decompressed as it
			 * is read. */
			struct ea_gz *g = ea_gz_open(pre_read, &q, x.max_bytes);
			if (g == NULL) {
				ea_free(b);
				return EMAUTH_ENOMEM;
			}
			import_aggregate_io(&x, source, gz_src_read, g);
			ea_gz_close(g);
			ea_free(b);
			return x.io;
		}
	} else if (rc == 0 && starts_xml(ea_span(b, n))) {
		import_aggregate_io(&x, source, pre_read, &q);
		ea_free(b);
		return x.io;
	}
	/* Anything else: read whole, then opened as far as it goes. */
	if (rc == 0 && !q.eof)
		rc = read_rest(&q, &b, &n, INPUT_MAX);
	if (rc == EMAUTH_ENOMEM) {
		ea_free(b);
		return rc;
	}
	if (rc != 0) {
		item_init(&x, &it0, EMAUTH_IMPORT_AGGREGATE, source);
		reject(&x, &it0, "%s",
		    rc == EMAUTH_ETOOBIG ? "larger than 512 MiB: not read"
		                         : "reading the input failed");
	} else {
		walk(&x, source, ea_span(b, n), 0, "");
	}
	ea_free(b);
	return x.io;
}

/* Listing. */

static int
list_row(void *arg, int n, const char *const *c)
{
	void **a = arg;
	int (*each)(void *, const struct emauth_import_item *) =
	    (int (*)(void *, const struct emauth_import_item *))a[0];
	if (n < 15)
		return EMAUTH_EIO;
	struct emauth_import_item *it = a[2];
	memset(it, 0, sizeof(*it));
	int64_t v = 0;
	const char *one[1];
#define INT_OF(i) (one[0] = c[i], v = 0, ea_store_get_int(&v, 1, one), v)
	it->id = INT_OF(0);
	const char *k = c[1] ? c[1] : "";
	it->kind = strcmp(k, "failure") == 0  ? EMAUTH_IMPORT_FAILURE
	           : strcmp(k, "tls") == 0    ? EMAUTH_IMPORT_TLS
	           : strcmp(k, "bounce") == 0 ? EMAUTH_IMPORT_BOUNCE
	                                      : EMAUTH_IMPORT_AGGREGATE;
	const char *st = c[2] ? c[2] : "";
	it->status = strcmp(st, "duplicate") == 0  ? EMAUTH_IMPORT_DUPLICATE
	             : strcmp(st, "rejected") == 0 ? EMAUTH_IMPORT_REJECTED
	                                           : EMAUTH_IMPORT_IMPORTED;
	ea_copy_str(it->source, sizeof(it->source), c[3] ? c[3] : "");
	ea_copy_str(it->reason, sizeof(it->reason), c[4] ? c[4] : "");
	ea_copy_str(it->org, sizeof(it->org), c[5] ? c[5] : "");
	ea_copy_str(it->report_id, sizeof(it->report_id), c[6] ? c[6] : "");
	ea_copy_str(
	    it->policy_domain, sizeof(it->policy_domain), c[7] ? c[7] : "");
	it->begin = INT_OF(8);
	it->end = INT_OF(9);
	it->rows = (unsigned long)INT_OF(10);
	it->messages = (unsigned long)INT_OF(11);
	const char *w = c[12] ? c[12] : "";
	while (*w && it->nwarnings < EMAUTH_IMPORT_WARNINGS_MAX) {
		size_t l = strcspn(w, "\n");
		size_t k2 = l < sizeof(it->warnings[0]) - 1
		                ? l
		                : sizeof(it->warnings[0]) - 1;
		memcpy(it->warnings[it->nwarnings], w, k2);
		it->warnings[it->nwarnings++][k2] = '\0';
		w += l + (w[l] == '\n');
	}
	it->warnings_total = (unsigned)INT_OF(13);
	it->imported_at = INT_OF(14);
#undef INT_OF
	return each(a[1], it);
}

EMAUTH_API int
emauth_report_list(struct emauth_store *s,
    int (*each)(void *arg, const struct emauth_import_item *it), void *arg)
{
	struct emauth_import_item *it = ea_calloc(1, sizeof(*it));
	if (it == NULL)
		return EMAUTH_ENOMEM;
	void *a[3] = {(void *)(uintptr_t)each, arg, it};
	int rc = ea_store_exec(s,
	    "SELECT id, kind, status, source, reason, org, report_id,"
	    " policy_domain, begin_t, end_t, rows_n, messages, warnings,"
	    " warnings_total, imported_at FROM emauth_imports ORDER BY id",
	    NULL, 0, list_row, a);
	ea_free(it);
	return rc;
}
