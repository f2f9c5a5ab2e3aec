/*
 * web.h: what the dashboard's files share (internal to src/web/).
 *
 * buf.c    a capped output buffer and the escapers: every string from the
 *          store reaches a page through ea_web_html(), a CSV file through
 *          ea_web_csv() and a JSON file through ea_web_json(); links carry
 *          values through ea_web_url().
 * table.c  one table model written three ways (HTML, CSV, JSON), so that
 *          every table a page shows can be exported as it is.
 * chart.c  the inline SVG chart of messages and pass rate per day.
 * pages.c  the pages: overview, domain, source, reports, failures, tls,
 *          bounces.
 * server.c libmicrohttpd: listening, the token, routing, query checks,
 *          headers, the request log.
 */
#ifndef EA_WEB_H
#define EA_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <emauth/report.h>
#include <emauth/web.h>

/* Ours: the largest response (an export of a big store), in bytes. */
#define EA_WEB_RESPONSE_MAX ((size_t)128 * 1024 * 1024)
/* Ours: the rows a page shows of one table; the exports have them all. */
#define EA_WEB_HTML_ROWS 1000
/* Ours: the longest source name in a query (struct
 * emauth_summary_source's name holds 127 bytes). */
#define EA_WEB_NAME_MAX 127

/* An output buffer that grows up to a cap; past it, or when memory runs
 * out, it keeps its error (sticky) and drops further writes. */
struct ea_wbuf {
	char *p;
	size_t len, cap, max;
	int err; /* 0, EMAUTH_ENOMEM or EMAUTH_ETOOBIG */
};

void ea_web_buf_init(struct ea_wbuf *b, size_t max);
void ea_web_buf_release(struct ea_wbuf *b);
void ea_web_put(struct ea_wbuf *b, const char *s, size_t n);
void ea_web_puts(struct ea_wbuf *b, const char *s);
void ea_web_printf(struct ea_wbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* @s as HTML text or attribute value: & < > " ' become references,
 * control characters and bytes that are not UTF-8 become U+FFFD. */
void ea_web_html(struct ea_wbuf *b, const char *s);
/* @s as one quoted CSV cell (RFC 4180); a cell that a spreadsheet would
 * read as a formula (starting with = + - @ TAB CR) gets a leading '. */
void ea_web_csv(struct ea_wbuf *b, const char *s);
/* @s as a quoted JSON string; < > & are escaped too. */
void ea_web_json(struct ea_wbuf *b, const char *s);
/* @s percent-encoded for a query value (all but A-Z a-z 0-9 - . _ ~). */
void ea_web_url(struct ea_wbuf *b, const char *s);
/* A time as "YYYY-MM-DD HH:MM" (@iso: "YYYY-MM-DDTHH:MM:SSZ"; @date_only:
 * "YYYY-MM-DD"), UTC. */
void ea_web_time(char *out, size_t size, int64_t t, bool iso, bool date_only);
/* Whether @s is valid UTF-8 without control characters. */
bool ea_web_text_ok(const char *s, size_t len);
/* Whether @s is a domain name as the pages take one: labels of letters,
 * digits, "-" and "_", 1 to 63 bytes each, 253 in all. */
bool ea_web_domain_ok(const char *s, size_t len);

enum ea_fmt { EA_FMT_HTML = 0, EA_FMT_CSV, EA_FMT_JSON };

enum ea_col_kind {
	EA_COL_TEXT,  /* a string */
	EA_COL_NUM,   /* a count (n) */
	EA_COL_RATE,  /* r of 0..1, shown as a percentage; "-" when r < 0 */
	EA_COL_TIME,  /* n, an epoch */
	EA_COL_DATE,  /* n, an epoch shown as its day */
	EA_COL_LINES, /* a string of lines, fields separated by tabs */
};
#define EA_COL_EXPORT_ONLY 1u /* not on the page */
#define EA_COL_WIDE 2u        /* on the page: a column that wraps */
#define EA_COL_PAGE_ONLY 4u   /* not in the exports */

struct ea_col {
	const char *key, *title;
	enum ea_col_kind kind;
	unsigned flags;
};

/* One cell; @blank: no value (a time not known). On the page only,
 * @href (a URL, escaped when written) makes it a link, @cls is a class of
 * the cell and @title its tooltip. */
struct ea_val {
	const char *s;
	int64_t n;
	double r;
	bool blank;
	const char *href;
	const char *cls;
	const char *title;
};

struct ea_table {
	struct ea_wbuf *b;
	enum ea_fmt fmt;
	const char *name;
	const struct ea_col *cols;
	size_t ncols;
	unsigned long rows;
};

void ea_web_table_begin(struct ea_table *t, struct ea_wbuf *b, enum ea_fmt fmt,
    const char *name, const struct ea_col *cols, size_t ncols);
/* @v holds one value per column. */
void ea_web_table_row(struct ea_table *t, const struct ea_val *v);
void ea_web_table_end(struct ea_table *t);

struct ea_day {
	int64_t day;
	unsigned long messages, pass;
};
/* An inline SVG chart: bars of messages per day, a line of the pass
 * rate. @small: the overview's size. */
void ea_web_chart(struct ea_wbuf *b, const struct ea_day *d, size_t n,
    bool small, const char *label);

/* One request, as the pages see it. */
struct ea_req {
	const struct emauth_web_opts *o;
	struct ea_wbuf *b;
	enum ea_fmt fmt;
	const char *path;  /* the page: "/", "/domain", ... */
	const char *table; /* the table to export, or NULL for the page's
	                      first */
	const char *d;     /* a validated domain, or NULL */
	const char *name;  /* a validated source name, or NULL */
	const char *token; /* carried in links (it came as ?token=), or NULL */
	/* What the page sets. */
	int status;
	char filename[160]; /* an export's file name */
	const char *error;  /* with a status other than 200 */
	char errbuf[700];   /* where @error may point */
};

/* The pages: each writes into @r->b and returns an HTTP status; 404 when
 * the domain or source does not exist, 400 for an unknown table. */
int ea_web_page_overview(struct ea_req *r);
int ea_web_page_domain(struct ea_req *r);
int ea_web_page_source(struct ea_req *r);
int ea_web_page_reports(struct ea_req *r);
int ea_web_page_failures(struct ea_req *r);
int ea_web_page_tls(struct ea_req *r);
int ea_web_page_bounces(struct ea_req *r);
/* An error page (HTML) for @status with @msg. */
void ea_web_page_error(struct ea_req *r, int status, const char *msg);

#endif
