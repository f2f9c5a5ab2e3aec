/*
 * bounce_query.c: the bounces recorded by `emauth report import` and
 * `emauth bounce route` (issue #20), as the dashboard and the exports read
 * them. Values are what the bounce said, cleaned to UTF-8 when imported;
 * the caller escapes them for where it shows them.
 */
#include "common/internal.h"

#include <stdint.h>
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

struct bq {
	int (*each)(void *arg, const struct emauth_bounce_item *b);
	void *arg;
	struct emauth_bounce_item *item;
};

static int
bounce_row(void *arg, int n, const char *const *c)
{
	struct bq *q = arg;
	if (n < 17)
		return EMAUTH_EIO;
	struct emauth_bounce_item *b = q->item;
	memset(b, 0, sizeof(*b));
	b->import_id = int_of(c[0]);
	text(b->source, sizeof(b->source), c[1]);
	text(b->recipient, sizeof(b->recipient), c[2]);
	text(b->rcpt_domain, sizeof(b->rcpt_domain), c[3]);
	text(b->action, sizeof(b->action), c[4]);
	text(b->status, sizeof(b->status), c[5]);
	text(b->reply_code, sizeof(b->reply_code), c[6]);
	text(b->reason, sizeof(b->reason), c[7]);
	text(b->auth, sizeof(b->auth), c[8]);
	b->hard = int_of(c[9]) != 0;
	text(b->diagnostic, sizeof(b->diagnostic), c[10]);
	text(b->remote_mta, sizeof(b->remote_mta), c[11]);
	text(b->original_from, sizeof(b->original_from), c[12]);
	text(b->from_domain, sizeof(b->from_domain), c[13]);
	text(b->original_message_id, sizeof(b->original_message_id), c[14]);
	b->arrival = int_of(c[15]);
	text(b->org, sizeof(b->org), c[16]);
	return q->each(q->arg, b);
}

EMAUTH_API int
emauth_report_bounces(struct emauth_store *s, const char *from_domain,
    int (*each)(void *arg, const struct emauth_bounce_item *b), void *arg)
{
	struct emauth_bounce_item *b = ea_calloc(1, sizeof(*b));
	if (b == NULL)
		return EMAUTH_ENOMEM;
	const char *p[] = {from_domain ? from_domain : ""};
	struct bq q = {each, arg, b};
	int rc = ea_store_exec(s,
	    "SELECT i.id, i.source, b.recipient, b.rcpt_domain, b.action,"
	    " b.status, b.reply_code, b.reason, b.auth, b.hard, b.diagnostic,"
	    " b.remote_mta, b.original_from, b.from_domain,"
	    " b.original_message_id, b.arrival, i.org FROM emauth_bounces b"
	    " JOIN emauth_imports i ON b.import_id = i.id WHERE"
	    " i.status = 'imported' AND ($1 = '' OR b.from_domain = $1)"
	    " ORDER BY b.arrival DESC, i.id DESC",
	    p, 1, bounce_row, &q);
	ea_free(b);
	return rc;
}
