/*
 * pages.c: the dashboard's pages, rendered on the server from the public
 * report API (report.h). Each table is written by one function that the
 * page and its exports share (table.c), so a CSV or JSON export holds
 * exactly what the page shows, and some columns more.
 *
 *   /                        every domain: volume, pass rate, policy,
 *                            readiness; a chart per domain
 *   /domain?d=D              the chart, rates, dispositions, readiness
 *                            and why, the sources and the days
 *   /source?d=D&name=N       a source's addresses and its report records
 *   /reports                 every imported item, its status and warnings
 *   /failures[?d=D]          the failure reports
 *   /tls[?d=D]               SMTP TLS report policies and their failures
 *   /bounces[?d=D]           bounces by reason, receiving domain and day,
 *                            and each one (D: the original sender's)
 *
 * Everything from the store is escaped (buf.c); links carry query values
 * percent-encoded, then HTML-escaped.
 */
#define _DEFAULT_SOURCE 1

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web.h"

static const char css[] =
    ":root{--fg:#1f2937;--mut:#6b7280;--line:#e5e7eb;--bg:#f5f6f8;"
    "--card:#fff;--acc:#2456a6;--ok:#1a7f37;--warn:#9a6700;--bad:#b42318}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
    "Roboto,'Noto Sans','DejaVu Sans',sans-serif;color:var(--fg);"
    "background:var(--bg)}"
    "header{background:#17233b;color:#fff;padding:0 28px;display:flex;"
    "align-items:center;gap:28px;height:52px}"
    "header .brand{color:#fff;font-weight:650;text-decoration:none;"
    "font-size:16px;letter-spacing:.01em}"
    "header .brand span{color:#8fb3e3;font-weight:500}"
    "header nav{display:flex;height:100%}"
    "header nav a{color:#c9d5ea;text-decoration:none;padding:0 12px;"
    "display:flex;align-items:center}"
    "header nav a:hover{color:#fff}"
    "header nav a.on{color:#fff;box-shadow:inset 0 -3px 0 #6ea0f0}"
    "main{max-width:1240px;margin:0 auto;padding:22px 28px 40px}"
    "h1{font-size:24px;margin:2px 0 4px;font-weight:650}"
    "h2{font-size:16px;margin:0;font-weight:650}"
    "h3{font-size:15px;margin:0;font-weight:650}"
    "a{color:var(--acc);text-decoration:none}a:hover{text-decoration:"
    "underline}"
    ".lede{color:var(--mut);margin:0 0 14px}"
    ".crumbs{color:var(--mut);margin:0 0 2px;font-size:13px}"
    ".sec{display:flex;justify-content:space-between;align-items:baseline;"
    "margin:26px 0 8px;gap:12px}"
    ".exp{font-size:12px;color:var(--mut);white-space:nowrap}"
    ".exp a{margin-left:8px}"
    ".kpis{display:grid;grid-template-columns:repeat(auto-fit,"
    "minmax(160px,1fr));gap:12px;margin:14px 0}"
    ".kpi{background:var(--card);border:1px solid var(--line);"
    "border-radius:8px;padding:11px 14px}"
    ".kpi .v{font-size:23px;font-weight:650;font-variant-numeric:"
    "tabular-nums}"
    ".kpi .l{color:var(--mut);font-size:11.5px;text-transform:uppercase;"
    "letter-spacing:.04em}"
    ".kpi .s{color:var(--mut);font-size:12px}"
    ".card{background:var(--card);border:1px solid var(--line);"
    "border-radius:8px;padding:14px 16px}"
    ".card+.card{margin-top:12px}"
    ".grid .card+.card{margin-top:0}"
    ".card p{margin:8px 0 0}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(370px,1fr));gap:12px}"
    ".cols{display:grid;grid-template-columns:1fr 1fr;gap:12px;"
    "margin-top:12px}"
    ".cols .card+.card{margin-top:0}"
    ".ch{display:flex;justify-content:space-between;align-items:center;"
    "gap:8px;margin-bottom:6px}"
    ".mini{color:var(--mut);font-size:12.5px;margin:0 0 6px;display:flex;"
    "justify-content:space-between;gap:8px;flex-wrap:wrap}"
    ".mini b{color:var(--fg);font-variant-numeric:tabular-nums}"
    ".tw{overflow-x:auto;background:var(--card);border:1px solid "
    "var(--line);border-radius:8px}"
    "table{border-collapse:collapse;width:100%}"
    "table{font-size:13.5px}"
    "th,td{padding:7px 9px;text-align:left;vertical-align:top;"
    "border-bottom:1px solid var(--line)}"
    "th{font-size:11.5px;color:var(--mut);font-weight:600;"
    "text-transform:uppercase;letter-spacing:.03em;background:#fafbfc;"
    "white-space:nowrap}"
    "tbody tr:last-child td{border-bottom:0}"
    "tbody tr:hover{background:#f8fafc}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}"
    "td.w{min-width:240px;max-width:620px;overflow-wrap:anywhere}"
    "td.t{white-space:nowrap}"
    "td.mono{min-width:120px;max-width:230px;overflow-wrap:anywhere}"
    "td.o{min-width:125px;max-width:220px;overflow-wrap:anywhere}"
    "td.ip{font-family:ui-monospace,'DejaVu Sans Mono',monospace;"
    "font-size:12.5px;white-space:nowrap}"
    "td.f{min-width:190px;max-width:260px;overflow-wrap:anywhere;"
    "font-size:12.5px}"
    "td.empty{color:var(--mut);text-align:center;padding:16px}"
    "td.auth{background:#fdecea;color:var(--bad)}"
    "td.ok{color:var(--ok)}td.mid{color:var(--warn)}td.bad{color:"
    "var(--bad)}"
    "td.mono,.mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;"
    "font-size:12.5px}"
    ".badge{display:inline-block;padding:1px 9px;border-radius:10px;"
    "font-size:12px;font-weight:600;vertical-align:middle;"
    "white-space:nowrap}"
    ".b-none,.b-stay,.b-duplicate{background:#eef0f3;color:#4b5563}"
    ".b-quarantine{background:#fff4d6;color:#8a5a00}"
    ".b-reject,.b-imported{background:#dcf5e3;color:#17692f}"
    ".b-step{background:#e3ecfb;color:#1d4a91}"
    ".b-fix{background:#fde7e7;color:#b42318}"
    ".b-rejected{background:#fde7e7;color:#b42318}"
    "td.st-rejected{color:var(--bad);font-weight:600}"
    "td.st-duplicate{color:var(--mut)}"
    ".chart{width:100%;height:auto;display:block}"
    ".legend{font-size:12px;color:var(--mut);display:flex;gap:16px;"
    "margin-top:4px}"
    ".sw{display:inline-block;width:10px;height:10px;border-radius:2px;"
    "margin-right:5px;vertical-align:-1px;background:#8fb3e3}"
    ".sw.line{background:#1a7f37;height:3px;width:14px;vertical-align:3px}"
    ".dbar{display:flex;height:10px;border-radius:5px;overflow:hidden;"
    "background:#eef0f3;margin:10px 0 6px}"
    ".dbar span{display:block;height:100%}"
    ".d-none{background:#9ca3af}.d-quarantine{background:#e0a526}"
    ".d-reject{background:#c0392b}"
    "dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;"
    "margin:10px 0 0}"
    "dl.kv dt{color:var(--mut)}dl.kv dd{margin:0;font-variant-numeric:"
    "tabular-nums}"
    ".note{color:var(--mut);font-size:13px}"
    ".sep{color:#9ca3af}"
    ".empty-state{background:var(--card);border:1px dashed #cbd2db;"
    "border-radius:8px;padding:28px;text-align:center;color:var(--mut)}"
    "code{background:#eef0f3;padding:1px 5px;border-radius:4px;"
    "font-size:12.5px}"
    "footer{color:var(--mut);font-size:12px;text-align:center;"
    "padding:8px 0 24px}"
    "@media (max-width:820px){.cols{grid-template-columns:1fr}"
    "header{gap:10px;padding:0 12px}main{padding:16px 12px}}";

/* A query parameter of a link; one with a NULL value is left out. */
struct kv {
	const char *k, *v;
};

/* A link to @path with the @n parameters @q and the token when the
 * request came with one: a URL, to be HTML-escaped where it is written. */
static const char *
mkurl(const struct ea_req *r, char *out, size_t size, const char *path,
    const struct kv *q, size_t n)
{
	struct ea_wbuf b;
	char sep = '?';
	ea_web_buf_init(&b, size - 1);
	ea_web_puts(&b, path);
	for (size_t i = 0; i < n; i++) {
		if (q[i].k == NULL || q[i].v == NULL)
			continue;
		ea_web_put(&b, &sep, 1);
		ea_web_puts(&b, q[i].k);
		ea_web_puts(&b, "=");
		ea_web_url(&b, q[i].v);
		sep = '&';
	}
	if (r->token) {
		ea_web_put(&b, &sep, 1);
		ea_web_puts(&b, "token=");
		ea_web_url(&b, r->token);
	}
	snprintf(out, size, "%s", b.err || b.p == NULL ? path : b.p);
	ea_web_buf_release(&b);
	return out;
}

/* mkurl() with at most two parameters (NULL keys for fewer). */
static const char *
mklink(const struct ea_req *r, char *out, size_t size, const char *path,
    const char *k1, const char *v1, const char *k2, const char *v2)
{
	const struct kv q[] = {{k1, v1}, {k2, v2}};
	return mkurl(r, out, size, path, q, 2);
}

static void
begin(struct ea_req *r, const char *title, const char *active)
{
	static const char *const nav[][2] = {{"/", "Overview"},
	    {"/reports", "Reports"}, {"/failures", "Failure reports"},
	    {"/tls", "TLS reports"}, {"/bounces", "Bounces"}};
	struct ea_wbuf *b = r->b;
	char u[2048];
	ea_web_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	               "<meta charset=\"utf-8\">"
	               "<meta name=\"viewport\" content=\"width=device-width, "
	               "initial-scale=1\">"
	               "<meta name=\"referrer\" content=\"no-referrer\">"
	               "<link rel=\"icon\" href=\"data:,\"><title>");
	ea_web_html(b, title);
	ea_web_puts(b, " &middot; emauth DMARC reports</title><style>");
	ea_web_puts(b, css);
	ea_web_puts(
	    b, "</style></head><body><header><a class=\"brand\" href=\"");
	ea_web_html(b, mklink(r, u, sizeof(u), "/", NULL, NULL, NULL, NULL));
	ea_web_puts(b, "\">emauth <span>DMARC reports</span></a><nav>");
	for (size_t i = 0; i < sizeof(nav) / sizeof(nav[0]); i++) {
		ea_web_puts(b, "<a href=\"");
		ea_web_html(b,
		    mklink(r, u, sizeof(u), nav[i][0], NULL, NULL, NULL, NULL));
		ea_web_puts(b, "\"");
		if (active && strcmp(active, nav[i][0]) == 0)
			ea_web_puts(b, " class=\"on\"");
		ea_web_puts(b, ">");
		ea_web_puts(b, nav[i][1]);
		ea_web_puts(b, "</a>");
	}
	ea_web_puts(b, "</nav></header><main>");
}

static void
end(struct ea_req *r)
{
	ea_web_printf(r->b,
	    "</main><footer>emauth %s &middot; read-only &middot; times in "
	    "UTC</footer></body></html>\n",
	    emauth_version());
}

/* A section title with the links to its table's exports. */
static void
section(struct ea_req *r, const char *title, const char *table, const char *d,
    const char *name)
{
	char u[2048];
	ea_web_puts(r->b, "<div class=\"sec\"><h2>");
	ea_web_html(r->b, title);
	ea_web_puts(r->b, "</h2><span class=\"exp\">Export");
	static const char *const fmts[] = {"csv", "json"};
	for (int i = 0; i < 2; i++) {
		ea_web_puts(r->b, "<a href=\"");
		const struct kv q[] = {{"d", d}, {"name", name},
		    {"table", table}, {"format", fmts[i]}};
		ea_web_html(r->b, mkurl(r, u, sizeof(u), r->path, q, 4));
		ea_web_printf(r->b, "\">%s</a>", i ? "JSON" : "CSV");
	}
	ea_web_puts(r->b, "</span></div>");
}

static double
rate(unsigned long a, unsigned long b)
{
	return b ? (double)a / (double)b : -1;
}

static const char *
rate_cls(double r)
{
	if (r < 0)
		return NULL;
	return r >= 0.98 ? "ok" : r >= 0.9 ? "mid" : "bad";
}

static void
kpi(struct ea_req *r, const char *key, const char *label, const char *value,
    const char *sub)
{
	ea_web_puts(r->b, "<div class=\"kpi\"><div class=\"l\">");
	ea_web_html(r->b, label);
	ea_web_puts(r->b, "</div><div class=\"v\" data-k=\"");
	ea_web_html(r->b, key);
	ea_web_puts(r->b, "\">");
	ea_web_html(r->b, value);
	ea_web_puts(r->b, "</div>");
	if (sub) {
		ea_web_puts(r->b, "<div class=\"s\">");
		ea_web_html(r->b, sub);
		ea_web_puts(r->b, "</div>");
	}
	ea_web_puts(r->b, "</div>");
}

static void
pct(char *out, size_t size, double r)
{
	if (r < 0)
		snprintf(out, size, "-");
	else
		snprintf(out, size, "%.1f%%", 100.0 * r);
}

static void
period(char *out, size_t size, int64_t b, int64_t e)
{
	char x[32], y[32];
	ea_web_time(x, sizeof(x), b, false, true);
	ea_web_time(y, sizeof(y), e, false, true);
	snprintf(out, size, "%s to %s", x, y);
}

/* The file name of an export: emauth-TABLE[-DOMAIN].EXT, safe bytes. */
static void
export_name(struct ea_req *r, const char *table)
{
	char n[sizeof(r->filename)];
	snprintf(n, sizeof(n), "emauth-%s%s%s.%s", table, r->d ? "-" : "",
	    r->d ? r->d : "", r->fmt == EA_FMT_CSV ? "csv" : "json");
	for (char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		        (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
		        *p == '_'))
			*p = '_';
	memcpy(r->filename, n, sizeof(n));
}

/* Which table an export wants: @r->table, or the page's first. */
static bool
want(const struct ea_req *r, const char *table, bool first)
{
	return r->table ? strcmp(r->table, table) == 0 : first;
}

static int
store_error(struct ea_req *r)
{
	r->error = emauth_store_error(r->o->store);
	return 500;
}

static int
load_summary(struct ea_req *r, const char *domain, struct emauth_summary **out)
{
	char err[600] = "";
	struct emauth_summary_opts so = {.domain = domain,
	    .senders = r->o->senders,
	    .ctx = r->o->ctx,
	    .no_lookup = r->o->no_lookup};
	int rc = emauth_report_summary(r->o->store, &so, out, err, sizeof(err));
	if (rc == 0)
		return 0;
	if (err[0]) {
		snprintf(
		    r->errbuf, sizeof(r->errbuf), "the senders map: %s", err);
		r->error = r->errbuf;
		return 500;
	}
	return rc == EMAUTH_EIO ? store_error(r)
	                        : (r->error = "out of memory", 500);
}

struct days {
	struct ea_day *v;
	size_t n, cap;
	int err;
};

/* Ours: the days a chart holds (about 27 years). */
#define DAYS_MAX 10000

static int
day_each(void *arg, const struct emauth_day_stat *s)
{
	struct days *d = arg;
	if (d->n == DAYS_MAX)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct ea_day *v = realloc(d->v, cap * sizeof(*v));
		if (v == NULL)
			return d->err = EMAUTH_ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = (struct ea_day){s->day, s->messages, s->dmarc_pass};
	return 0;
}

/* The days of @domain; when they span at most 92 days the days between
 * are there too (with no messages), so that the chart is a time line. */
static int
load_days(struct ea_req *r, const char *domain, struct days *d)
{
	memset(d, 0, sizeof(*d));
	int rc = emauth_report_timeline(r->o->store, domain, 0, 0, day_each, d);
	if (rc != 0 || d->err) {
		free(d->v);
		memset(d, 0, sizeof(*d));
		return rc == EMAUTH_EIO ? store_error(r)
		                        : (r->error = "out of memory", 500);
	}
	if (d->n < 2)
		return 0;
	int64_t span = (d->v[d->n - 1].day - d->v[0].day) / 86400 + 1;
	if (span > 92 || (size_t)span == d->n)
		return 0;
	struct ea_day *v = calloc((size_t)span, sizeof(*v));
	if (v == NULL)
		return 0; /* the days as they are */
	for (int64_t i = 0; i < span; i++)
		v[i].day = d->v[0].day + i * 86400;
	for (size_t i = 0; i < d->n; i++) {
		int64_t k = (d->v[i].day - d->v[0].day) / 86400;
		if (k >= 0 && k < span) {
			v[k].messages += d->v[i].messages;
			v[k].pass += d->v[i].pass;
		}
	}
	free(d->v);
	d->v = v;
	d->n = d->cap = (size_t)span;
	return 0;
}

static void
legend(struct ea_req *r)
{
	ea_web_puts(r->b, "<div class=\"legend\"><span><span class=\"sw\">"
	                  "</span>messages per day</span><span><span "
	                  "class=\"sw line\"></span>DMARC pass rate</span>"
	                  "</div>");
}

static const char *
policy_badge(const char *p)
{
	if (strcmp(p, "reject") == 0)
		return "b-reject";
	if (strcmp(p, "quarantine") == 0)
		return "b-quarantine";
	return "b-none";
}

static const char *
step_badge(const char *s)
{
	if (strcmp(s, "fix senders") == 0 || strcmp(s, "publish rua") == 0)
		return "b-fix";
	if (strcmp(s, "stay") == 0)
		return "b-stay";
	return "b-step";
}

/* The overview. */

static const struct ea_col domain_cols[] = {
    {"domain", "Domain", EA_COL_TEXT, 0},
    {"policy", "Policy", EA_COL_TEXT, 0},
    {"reports", "Reports", EA_COL_NUM, 0},
    {"begin", "From", EA_COL_DATE, EA_COL_EXPORT_ONLY},
    {"end", "To", EA_COL_DATE, EA_COL_EXPORT_ONLY},
    {"messages", "Messages", EA_COL_NUM, 0},
    {"dmarc_pass", "DMARC pass", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"dmarc_pass_rate", "DMARC pass", EA_COL_RATE, 0},
    {"spf_aligned_rate", "SPF aligned", EA_COL_RATE, 0},
    {"dkim_aligned_rate", "DKIM aligned", EA_COL_RATE, 0},
    {"disp_none", "None applied", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"disp_quarantine", "Quarantined", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"disp_reject", "Rejected", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"would_reject", "Would reject", EA_COL_NUM, 0},
    {"would_reject_rate", "Would reject", EA_COL_RATE, EA_COL_EXPORT_ONLY},
    {"known_senders_to_fix", "Known senders to fix", EA_COL_NUM,
        EA_COL_EXPORT_ONLY},
    {"unknown_sources", "Unknown sources", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"next_step", "Next step", EA_COL_TEXT, 0},
    {"why", "Why", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
};

static void
tab_domains(struct ea_req *r, enum ea_fmt fmt, const struct emauth_summary *s)
{
	struct ea_table t;
	char u[2048];
	ea_web_table_begin(&t, r->b, fmt, "domains", domain_cols,
	    sizeof(domain_cols) / sizeof(domain_cols[0]));
	for (size_t i = 0; i < s->ndomains; i++) {
		const struct emauth_summary_domain *d = &s->domains[i];
		double pr = rate(d->dmarc_pass, d->messages);
		struct ea_val v[] = {
		    {.s = d->domain,
		        .href = ea_web_domain_ok(d->domain, strlen(d->domain))
		                    ? mklink(r, u, sizeof(u), "/domain", "d",
		                          d->domain, NULL, NULL)
		                    : NULL},
		    {.s = d->policy[0] ? d->policy : "?"},
		    {.n = d->reports},
		    {.n = d->begin},
		    {.n = d->end},
		    {.n = (int64_t)d->messages},
		    {.n = (int64_t)d->dmarc_pass},
		    {.r = pr, .cls = rate_cls(pr)},
		    {.r = rate(d->spf_aligned, d->messages)},
		    {.r = rate(d->dkim_aligned, d->messages)},
		    {.n = (int64_t)d->disp_none},
		    {.n = (int64_t)d->disp_quarantine},
		    {.n = (int64_t)d->disp_reject},
		    {.n = (int64_t)d->would_reject},
		    {.r = rate(d->would_reject, d->messages)},
		    {.n = (int64_t)d->reject_known},
		    {.n = (int64_t)d->reject_unknown},
		    {.s = d->next_step},
		    {.s = d->why},
		};
		ea_web_table_row(&t, v);
	}
	ea_web_table_end(&t);
}

int
ea_web_page_overview(struct ea_req *r)
{
	struct emauth_summary *s = NULL;
	int st = load_summary(r, NULL, &s);
	if (st)
		return st;
	if (r->fmt != EA_FMT_HTML) {
		if (!want(r, "domains", true)) {
			emauth_summary_free(s);
			r->error = "no such table here (domains)";
			return 400;
		}
		export_name(r, "domains");
		tab_domains(r, r->fmt, s);
		emauth_summary_free(s);
		return 200;
	}
	unsigned long msgs = 0, reports = 0;
	int64_t b = 0, e = 0;
	for (size_t i = 0; i < s->ndomains; i++) {
		msgs += s->domains[i].messages;
		reports += s->domains[i].reports;
		if (b == 0 || s->domains[i].begin < b)
			b = s->domains[i].begin;
		if (s->domains[i].end > e)
			e = s->domains[i].end;
	}
	begin(r, "Overview", "/");
	ea_web_puts(r->b, "<h1>DMARC reports</h1>");
	char per[80], u[2048], tmp[64];
	if (s->ndomains == 0) {
		ea_web_puts(r->b,
		    "<p class=\"lede\">What receivers report about your "
		    "domains.</p><div class=\"empty-state\">No aggregate "
		    "reports "
		    "imported yet: <code>emauth report import</code> reads "
		    "them.</div>");
		section(r, "Domains", "domains", NULL, NULL);
		tab_domains(r, EA_FMT_HTML, s);
		end(r);
		emauth_summary_free(s);
		return 200;
	}
	period(per, sizeof(per), b, e);
	ea_web_printf(r->b,
	    "<p class=\"lede\">%zu domain%s, <span data-k=\"total_messages\">"
	    "%lu</span> messages in %lu aggregate reports, %s.</p>",
	    s->ndomains, s->ndomains == 1 ? "" : "s", msgs, reports, per);
	section(r, "Domains", "domains", NULL, NULL);
	tab_domains(r, EA_FMT_HTML, s);
	ea_web_puts(r->b, "<div class=\"sec\"><h2>Messages and DMARC pass "
	                  "rate per day</h2></div><div class=\"grid\">");
	for (size_t i = 0; i < s->ndomains; i++) {
		const struct emauth_summary_domain *d = &s->domains[i];
		struct days days;
		st = load_days(r, d->domain, &days);
		if (st) {
			emauth_summary_free(s);
			return st;
		}
		ea_web_puts(
		    r->b, "<section class=\"card\"><div class=\"ch\"><h3>");
		if (ea_web_domain_ok(d->domain, strlen(d->domain))) {
			ea_web_puts(r->b, "<a href=\"");
			ea_web_html(r->b, mklink(r, u, sizeof(u), "/domain",
			                      "d", d->domain, NULL, NULL));
			ea_web_puts(r->b, "\">");
			ea_web_html(r->b, d->domain);
			ea_web_puts(r->b, "</a>");
		} else {
			ea_web_html(r->b, d->domain);
		}
		ea_web_printf(r->b, "</h3><span class=\"badge %s\">p=",
		    policy_badge(d->policy));
		ea_web_html(r->b, d->policy[0] ? d->policy : "?");
		pct(tmp, sizeof(tmp), rate(d->dmarc_pass, d->messages));
		ea_web_printf(r->b,
		    "</span></div><p class=\"mini\"><span><b>%lu</b> "
		    "message%s &middot; <b>%s</b> pass</span><span>next: "
		    "<b>",
		    d->messages, d->messages == 1 ? "" : "s", tmp);
		ea_web_html(r->b, d->next_step);
		ea_web_puts(r->b, "</b></span></p>");
		char label[300];
		snprintf(label, sizeof(label),
		    "%s: messages and DMARC pass rate "
		    "per day",
		    d->domain);
		ea_web_chart(r->b, days.v, days.n, true, label);
		free(days.v);
		ea_web_puts(r->b, "</section>");
	}
	ea_web_puts(r->b, "</div>");
	legend(r);
	end(r);
	emauth_summary_free(s);
	return 200;
}

/* A domain. */

static const struct ea_col source_cols[] = {
    {"name", "Source", EA_COL_TEXT, 0},
    {"kind", "Kind", EA_COL_TEXT, 0},
    {"ips", "Addresses", EA_COL_NUM, 0},
    {"messages", "Messages", EA_COL_NUM, 0},
    {"dmarc_pass", "DMARC pass", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"dmarc_pass_rate", "DMARC pass", EA_COL_RATE, 0},
    {"spf_pass", "SPF pass", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"spf_aligned", "SPF aligned", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"spf_aligned_rate", "SPF aligned", EA_COL_RATE, 0},
    {"dkim_pass", "DKIM pass", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"dkim_aligned", "DKIM aligned", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"dkim_aligned_rate", "DKIM aligned", EA_COL_RATE, 0},
    {"advice", "Advice", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"fix", "Fix", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"advice_fix", "Advice", EA_COL_LINES, EA_COL_WIDE | EA_COL_PAGE_ONLY},
};

static const char *
kind_name(const char *k)
{
	if (strcmp(k, "known") == 0)
		return "known sender";
	if (strcmp(k, "rdns") == 0)
		return "reverse DNS";
	return "address";
}

static void
tab_sources(
    struct ea_req *r, enum ea_fmt fmt, const struct emauth_summary_domain *d)
{
	struct ea_table t;
	char u[2048];
	ea_web_table_begin(&t, r->b, fmt, "sources", source_cols,
	    sizeof(source_cols) / sizeof(source_cols[0]));
	for (size_t i = 0; i < d->nsources; i++) {
		const struct emauth_summary_source *x = &d->sources[i];
		double pr = rate(x->dmarc_pass, x->messages);
		bool linkable = ea_web_text_ok(x->name, strlen(x->name)) &&
		                strlen(x->name) <= EA_WEB_NAME_MAX;
		char both[sizeof(x->advice) + sizeof(x->fix) + 8];
		snprintf(both, sizeof(both), "%s%s%s", x->advice,
		    x->fix[0] ? "\nFix: " : "", x->fix);
		struct ea_val v[] = {
		    {.s = x->name,
		        .href = linkable ? mklink(r, u, sizeof(u), "/source",
		                               "d", d->domain, "name", x->name)
		                         : NULL},
		    {.s = fmt == EA_FMT_HTML ? kind_name(x->kind) : x->kind},
		    {.n = x->ips},
		    {.n = (int64_t)x->messages},
		    {.n = (int64_t)x->dmarc_pass},
		    {.r = pr, .cls = rate_cls(pr)},
		    {.n = (int64_t)x->spf_pass},
		    {.n = (int64_t)x->spf_aligned},
		    {.r = rate(x->spf_aligned, x->messages)},
		    {.n = (int64_t)x->dkim_pass},
		    {.n = (int64_t)x->dkim_aligned},
		    {.r = rate(x->dkim_aligned, x->messages)},
		    {.s = x->advice},
		    {.s = x->fix},
		    {.s = both},
		};
		ea_web_table_row(&t, v);
	}
	ea_web_table_end(&t);
}

static const struct ea_col day_cols[] = {
    {"day", "Day", EA_COL_DATE, 0},
    {"messages", "Messages", EA_COL_NUM, 0},
    {"dmarc_pass", "DMARC pass", EA_COL_NUM, 0},
    {"dmarc_pass_rate", "Pass rate", EA_COL_RATE, 0},
};

static void
tab_days(struct ea_req *r, enum ea_fmt fmt, const struct days *d)
{
	struct ea_table t;
	ea_web_table_begin(&t, r->b, fmt, "days", day_cols,
	    sizeof(day_cols) / sizeof(day_cols[0]));
	/* Newest first, the days with messages. */
	for (size_t i = d->n; i-- > 0;) {
		const struct ea_day *x = &d->v[i];
		if (x->messages == 0)
			continue;
		double pr = rate(x->pass, x->messages);
		struct ea_val v[] = {{.n = x->day}, {.n = (int64_t)x->messages},
		    {.n = (int64_t)x->pass}, {.r = pr, .cls = rate_cls(pr)}};
		ea_web_table_row(&t, v);
	}
	ea_web_table_end(&t);
}

static const struct ea_col disp_cols[] = {
    {"disposition", "Disposition applied", EA_COL_TEXT, 0},
    {"messages", "Messages", EA_COL_NUM, 0},
    {"share", "Share", EA_COL_RATE, 0},
};

static void
tab_dispositions(
    struct ea_req *r, enum ea_fmt fmt, const struct emauth_summary_domain *d)
{
	struct ea_table t;
	const char *names[] = {"none", "quarantine", "reject"};
	unsigned long n[] = {d->disp_none, d->disp_quarantine, d->disp_reject};
	ea_web_table_begin(&t, r->b, fmt, "dispositions", disp_cols,
	    sizeof(disp_cols) / sizeof(disp_cols[0]));
	for (int i = 0; i < 3; i++) {
		struct ea_val v[] = {{.s = names[i]}, {.n = (int64_t)n[i]},
		    {.r = rate(n[i], d->messages)}};
		ea_web_table_row(&t, v);
	}
	ea_web_table_end(&t);
}

/* The bounces (below). */
enum bwhat { B_LIST, B_REASONS, B_DOMAINS, B_DAYS, B_AUTH };
struct bounce_walk;
static int tab_bounces(struct ea_req *r, enum ea_fmt fmt, enum bwhat what,
    const char *from_domain, struct bounce_walk *out);

static int
count_auth(void *arg, const struct emauth_bounce_item *x)
{
	if (x->auth[0])
		++*(unsigned long *)arg;
	return 0;
}

int
ea_web_page_domain(struct ea_req *r)
{
	struct emauth_summary *s = NULL;
	struct days days = {0};
	int st = load_summary(r, r->d, &s);
	if (st)
		return st;
	if (s->ndomains == 0) {
		emauth_summary_free(s);
		r->error = "no aggregate reports for this domain";
		return 404;
	}
	const struct emauth_summary_domain *d = &s->domains[0];
	if ((st = load_days(r, d->domain, &days)) != 0)
		goto out;
	if (r->fmt != EA_FMT_HTML) {
		if (want(r, "sources", true)) {
			export_name(r, "sources");
			tab_sources(r, r->fmt, d);
		} else if (want(r, "days", false)) {
			export_name(r, "days");
			tab_days(r, r->fmt, &days);
		} else if (want(r, "dispositions", false)) {
			export_name(r, "dispositions");
			tab_dispositions(r, r->fmt, d);
		} else if (want(r, "auth_bounces", false)) {
			export_name(r, "auth_bounces");
			st = tab_bounces(r, r->fmt, B_AUTH, d->domain, NULL);
			if (st)
				goto out;
		} else {
			r->error = "no such table here (sources, days, "
			           "dispositions, auth_bounces)";
			st = 400;
			goto out;
		}
		st = 200;
		goto out;
	}
	char tmp[64], tmp2[64], sub[128], u[2048];
	begin(r, d->domain, NULL);
	ea_web_puts(r->b, "<p class=\"crumbs\"><a href=\"");
	ea_web_html(r->b, mklink(r, u, sizeof(u), "/", NULL, NULL, NULL, NULL));
	ea_web_puts(r->b, "\">Overview</a> &rsaquo; domain</p><h1>");
	ea_web_html(r->b, d->domain);
	ea_web_printf(
	    r->b, " <span class=\"badge %s\">p=", policy_badge(d->policy));
	ea_web_html(r->b, d->policy[0] ? d->policy : "?");
	period(sub, sizeof(sub), d->begin, d->end);
	ea_web_printf(r->b,
	    "</span></h1><p class=\"lede\">%u aggregate report%s, %s "
	    "&middot; ",
	    d->reports, d->reports == 1 ? "" : "s", sub);
	ea_web_puts(r->b, "<a href=\"");
	ea_web_html(r->b,
	    mklink(r, u, sizeof(u), "/failures", "d", d->domain, NULL, NULL));
	ea_web_puts(r->b, "\">failure reports</a> &middot; <a href=\"");
	ea_web_html(
	    r->b, mklink(r, u, sizeof(u), "/tls", "d", d->domain, NULL, NULL));
	ea_web_puts(r->b, "\">TLS reports</a></p><div class=\"kpis\">");
	snprintf(tmp, sizeof(tmp), "%lu", d->messages);
	snprintf(sub, sizeof(sub), "from %zu source%s", d->nsources,
	    d->nsources == 1 ? "" : "s");
	kpi(r, "messages", "Messages", tmp, sub);
	pct(tmp, sizeof(tmp), rate(d->dmarc_pass, d->messages));
	snprintf(sub, sizeof(sub), "%lu messages", d->dmarc_pass);
	kpi(r, "dmarc_pass_rate", "DMARC pass", tmp, sub);
	pct(tmp, sizeof(tmp), rate(d->spf_aligned, d->messages));
	kpi(r, "spf_aligned_rate", "SPF aligned", tmp, NULL);
	pct(tmp, sizeof(tmp), rate(d->dkim_aligned, d->messages));
	kpi(r, "dkim_aligned_rate", "DKIM aligned", tmp, NULL);
	snprintf(tmp, sizeof(tmp), "%lu", d->would_reject);
	pct(tmp2, sizeof(tmp2), rate(d->would_reject, d->messages));
	snprintf(sub, sizeof(sub), "%s of the messages at p=reject", tmp2);
	kpi(r, "would_reject", "Would be rejected", tmp, sub);
	ea_web_puts(r->b, "</div><section class=\"card\"><div class=\"ch\">"
	                  "<h2>Messages and DMARC pass rate per day</h2>"
	                  "</div>");
	char label[300];
	snprintf(label, sizeof(label),
	    "%s: messages and DMARC pass rate per day", d->domain);
	ea_web_chart(r->b, days.v, days.n, false, label);
	legend(r);
	ea_web_puts(r->b, "</section><div class=\"cols\"><section "
	                  "class=\"card\"><div class=\"ch\"><h2>Readiness for "
	                  "p=reject</h2>");
	ea_web_printf(
	    r->b, "<span class=\"badge %s\">next: ", step_badge(d->next_step));
	ea_web_html(r->b, d->next_step);
	ea_web_puts(r->b, "</span></div><p data-k=\"why\">");
	ea_web_html(r->b, d->why);
	pct(tmp, sizeof(tmp), rate(d->would_reject, d->messages));
	ea_web_printf(r->b,
	    "</p><dl class=\"kv\"><dt>Would be rejected</dt><dd>%lu (%s)</dd>"
	    "<dt>from known senders to fix</dt><dd "
	    "data-k=\"known_senders_to_fix\">%lu</dd><dt>from unknown "
	    "sources</dt><dd data-k=\"unknown_sources\">%lu</dd><dt>Next "
	    "step</dt><dd data-k=\"next_step\">",
	    d->would_reject, tmp, d->reject_known, d->reject_unknown);
	ea_web_html(r->b, d->next_step);
	ea_web_puts(r->b, "</dd></dl></section><section class=\"card\"><div "
	                  "class=\"ch\"><h2>What receivers did</h2></div>"
	                  "<div class=\"dbar\">");
	{
		const char *names[] = {"none", "quarantine", "reject"};
		unsigned long n[] = {
		    d->disp_none, d->disp_quarantine, d->disp_reject};
		for (int i = 0; i < 3; i++)
			if (n[i] && d->messages)
				ea_web_printf(r->b,
				    "<span class=\"d-%s\" "
				    "style=\"width:%.2f%%\">"
				    "</span>",
				    names[i],
				    100.0 * (double)n[i] / (double)d->messages);
	}
	ea_web_puts(r->b, "</div>");
	ea_web_puts(r->b, "<div class=\"legend\"><span><span class=\"sw\" "
	                  "style=\"background:#9ca3af\"></span>none</span>"
	                  "<span><span class=\"sw\" style=\"background:"
	                  "#e0a526\"></span>quarantine</span><span><span "
	                  "class=\"sw\" style=\"background:#c0392b\"></span>"
	                  "reject</span></div>");
	section(r, "Dispositions", "dispositions", d->domain, NULL);
	tab_dispositions(r, EA_FMT_HTML, d);
	ea_web_puts(r->b, "</section></div>");
	{
		unsigned long nauth = 0;
		if (emauth_report_bounces(
		        r->o->store, d->domain, count_auth, &nauth) != 0) {
			st = store_error(r);
			goto out;
		}
		if (nauth) {
			char title[400];
			snprintf(title, sizeof(title),
			    "Authentication bounces for mail from %s",
			    d->domain);
			section(r, title, "auth_bounces", d->domain, NULL);
			if ((st = tab_bounces(
			         r, EA_FMT_HTML, B_AUTH, d->domain, NULL)) != 0)
				goto out;
			ea_web_puts(r->b, "<p class=\"lede\"><a href=\"");
			ea_web_html(r->b, mklink(r, u, sizeof(u), "/bounces",
			                      "d", d->domain, NULL, NULL));
			ea_web_puts(r->b, "\">all bounces of mail from this "
			                  "domain</a></p>");
		}
	}
	section(r, "Sources", "sources", d->domain, NULL);
	tab_sources(r, EA_FMT_HTML, d);
	section(r, "Days", "days", d->domain, NULL);
	tab_days(r, EA_FMT_HTML, &days);
	end(r);
	st = 200;
out:
	free(days.v);
	emauth_summary_free(s);
	return st;
}

/* A source. */

static int
cmp_addr(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

struct addr_stat {
	unsigned long messages, pass, records;
};

struct src_walk {
	struct ea_req *r;
	char (*addr)[64]; /* sorted */
	size_t n;
	struct addr_stat *st;
};

/* The records of a source's addresses, into a table. */
struct rec_walk {
	const struct src_walk *w;
	struct ea_table *t;
};

static long
addr_find(const struct src_walk *w, const char *ip)
{
	const char(*p)[64] =
	    bsearch(ip, w->addr, w->n, sizeof(*w->addr), cmp_addr);
	return p ? (long)(p - (const char(*)[64])w->addr) : -1;
}

static int
addr_sum(void *arg, const struct emauth_agg_row *x)
{
	struct src_walk *w = arg;
	long k = addr_find(w, x->source_ip);
	if (k >= 0) {
		w->st[k].messages += x->count;
		w->st[k].records++;
		if (strcmp(x->dkim, "pass") == 0 || strcmp(x->spf, "pass") == 0)
			w->st[k].pass += x->count;
	}
	return 0;
}

static const struct ea_col addr_cols[] = {
    {"address", "Address", EA_COL_TEXT, 0},
    {"records", "Records", EA_COL_NUM, 0},
    {"messages", "Messages", EA_COL_NUM, 0},
    {"dmarc_pass", "DMARC pass", EA_COL_NUM, 0},
    {"dmarc_pass_rate", "Pass rate", EA_COL_RATE, 0},
};

static void
tab_addresses(struct ea_req *r, enum ea_fmt fmt, const struct src_walk *w)
{
	struct ea_table t;
	ea_web_table_begin(&t, r->b, fmt, "addresses", addr_cols,
	    sizeof(addr_cols) / sizeof(addr_cols[0]));
	for (size_t i = 0; i < w->n; i++) {
		double pr = rate(w->st[i].pass, w->st[i].messages);
		struct ea_val v[] = {{.s = w->addr[i], .cls = "ip"},
		    {.n = (int64_t)w->st[i].records},
		    {.n = (int64_t)w->st[i].messages},
		    {.n = (int64_t)w->st[i].pass},
		    {.r = pr, .cls = rate_cls(pr)}};
		ea_web_table_row(&t, v);
	}
	ea_web_table_end(&t);
}

static const struct ea_col record_cols[] = {
    {"reporter", "Reporter", EA_COL_TEXT, 0},
    {"report_id", "Report ID", EA_COL_TEXT, 0},
    {"begin", "From", EA_COL_TIME, EA_COL_EXPORT_ONLY},
    {"end", "To", EA_COL_TIME, EA_COL_EXPORT_ONLY},
    {"period", "Period", EA_COL_LINES, EA_COL_PAGE_ONLY},
    {"source_ip", "Address", EA_COL_TEXT, 0},
    {"count", "Count", EA_COL_NUM, 0},
    {"disposition", "Disposition", EA_COL_TEXT, 0},
    {"dkim", "DKIM", EA_COL_TEXT, 0},
    {"spf", "SPF", EA_COL_TEXT, 0},
    {"header_from", "Header From", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"envelope_from", "Envelope From", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"envelope_to", "Envelope To", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"identifiers", "From", EA_COL_LINES, EA_COL_PAGE_ONLY},
    {"dkim_results", "DKIM results", EA_COL_LINES, 0},
    {"spf_results", "SPF results", EA_COL_LINES, 0},
    {"reasons", "Overrides", EA_COL_LINES, 0},
};

static const char *
result_cls(const char *v)
{
	if (strcmp(v, "pass") == 0)
		return "ok";
	if (strcmp(v, "fail") == 0 || strcmp(v, "reject") == 0)
		return "bad";
	if (strcmp(v, "quarantine") == 0)
		return "mid";
	return NULL;
}

static int
record_each(void *arg, const struct emauth_agg_row *x)
{
	const struct rec_walk *rw = arg;
	if (addr_find(rw->w, x->source_ip) < 0)
		return 0;
	char per[64], b[32], e[32], ids[900];
	ea_web_time(b, sizeof(b), x->begin, false, false);
	ea_web_time(e, sizeof(e), x->end, false, false);
	snprintf(per, sizeof(per), "%s\n%s", b, e);
	bool env = x->envelope_from[0] &&
	           strcmp(x->envelope_from, x->header_from) != 0;
	snprintf(ids, sizeof(ids), "%s%s%s%s%s", x->header_from,
	    env ? "\nMAIL FROM " : "", env ? x->envelope_from : "",
	    x->envelope_to[0] ? "\nto " : "", x->envelope_to);
	struct ea_val v[] = {
	    {.s = x->org, .cls = "o"},
	    {.s = x->report_id, .cls = "mono"},
	    {.n = x->begin},
	    {.n = x->end},
	    {.s = per, .cls = "t"},
	    {.s = x->source_ip, .cls = "ip"},
	    {.n = (int64_t)x->count},
	    {.s = x->disposition, .cls = result_cls(x->disposition)},
	    {.s = x->dkim, .cls = result_cls(x->dkim)},
	    {.s = x->spf, .cls = result_cls(x->spf)},
	    {.s = x->header_from},
	    {.s = x->envelope_from},
	    {.s = x->envelope_to},
	    {.s = ids, .cls = "o"},
	    {.s = x->dkim_results, .cls = "o"},
	    {.s = x->spf_results, .cls = "o"},
	    {.s = x->reasons, .cls = "o"},
	};
	ea_web_table_row(rw->t, v);
	return 0;
}

static int
tab_records(struct ea_req *r, enum ea_fmt fmt, struct src_walk *w)
{
	struct ea_table t;
	struct ea_col cols[sizeof(record_cols) / sizeof(record_cols[0])];
	memcpy(cols, record_cols, sizeof(cols));
	/* One address: the page has it above. */
	for (size_t i = 0; w->n == 1 && i < sizeof(cols) / sizeof(cols[0]); i++)
		if (strcmp(cols[i].key, "source_ip") == 0)
			cols[i].flags |= EA_COL_EXPORT_ONLY;
	ea_web_table_begin(
	    &t, r->b, fmt, "records", cols, sizeof(cols) / sizeof(cols[0]));
	struct rec_walk rw = {w, &t};
	int rc =
	    emauth_report_rows(r->o->store, r->d, NULL, 0, 0, record_each, &rw);
	ea_web_table_end(&t);
	return rc;
}

int
ea_web_page_source(struct ea_req *r)
{
	struct emauth_summary *s = NULL;
	struct src_walk w = {r, NULL, 0, NULL};
	int st = load_summary(r, r->d, &s);
	if (st)
		return st;
	const struct emauth_summary_source *x = NULL;
	const struct emauth_summary_domain *d =
	    s->ndomains ? &s->domains[0] : NULL;
	for (size_t i = 0; d && i < d->nsources && !x; i++)
		if (strcmp(d->sources[i].name, r->name) == 0)
			x = &d->sources[i];
	if (x == NULL) {
		emauth_summary_free(s);
		r->error = "no such source for this domain";
		return 404;
	}
	w.n = x->ips;
	w.addr = calloc(w.n ? w.n : 1, sizeof(*w.addr));
	w.st = calloc(w.n ? w.n : 1, sizeof(*w.st));
	if (w.addr == NULL || w.st == NULL) {
		r->error = "out of memory";
		st = 500;
		goto out;
	}
	if (w.n)
		memcpy(w.addr, x->addresses, w.n * sizeof(*w.addr));
	qsort(w.addr, w.n, sizeof(*w.addr), cmp_addr);
	if (emauth_report_rows(r->o->store, r->d, NULL, 0, 0, addr_sum, &w) !=
	    0) {
		st = store_error(r);
		goto out;
	}
	if (r->fmt != EA_FMT_HTML) {
		if (want(r, "records", true)) {
			export_name(r, "records");
			if (tab_records(r, r->fmt, &w) != 0) {
				st = store_error(r);
				goto out;
			}
		} else if (want(r, "addresses", false)) {
			export_name(r, "addresses");
			tab_addresses(r, r->fmt, &w);
		} else {
			r->error = "no such table here (records, addresses)";
			st = 400;
			goto out;
		}
		st = 200;
		goto out;
	}
	char tmp[64], sub[128], u[2048];
	begin(r, x->name, NULL);
	ea_web_puts(r->b, "<p class=\"crumbs\"><a href=\"");
	ea_web_html(r->b, mklink(r, u, sizeof(u), "/", NULL, NULL, NULL, NULL));
	ea_web_puts(r->b, "\">Overview</a> &rsaquo; <a href=\"");
	ea_web_html(r->b,
	    mklink(r, u, sizeof(u), "/domain", "d", d->domain, NULL, NULL));
	ea_web_puts(r->b, "\">");
	ea_web_html(r->b, d->domain);
	ea_web_puts(r->b, "</a> &rsaquo; source</p><h1>");
	ea_web_html(r->b, x->name);
	ea_web_puts(r->b, " <span class=\"badge b-none\">");
	ea_web_html(r->b, kind_name(x->kind));
	ea_web_puts(r->b, "</span></h1><p class=\"lede\">What the aggregate "
	                  "reports say of its mail from ");
	ea_web_html(r->b, d->domain);
	ea_web_puts(r->b, ".</p><div class=\"kpis\">");
	snprintf(tmp, sizeof(tmp), "%lu", x->messages);
	kpi(r, "messages", "Messages", tmp, NULL);
	snprintf(tmp, sizeof(tmp), "%u", x->ips);
	kpi(r, "ips", "Addresses", tmp, NULL);
	pct(tmp, sizeof(tmp), rate(x->dmarc_pass, x->messages));
	snprintf(sub, sizeof(sub), "%lu messages", x->dmarc_pass);
	kpi(r, "dmarc_pass_rate", "DMARC pass", tmp, sub);
	pct(tmp, sizeof(tmp), rate(x->spf_aligned, x->messages));
	snprintf(sub, sizeof(sub), "SPF pass %lu", x->spf_pass);
	kpi(r, "spf_aligned_rate", "SPF aligned", tmp, sub);
	pct(tmp, sizeof(tmp), rate(x->dkim_aligned, x->messages));
	snprintf(sub, sizeof(sub), "DKIM pass %lu", x->dkim_pass);
	kpi(r, "dkim_aligned_rate", "DKIM aligned", tmp, sub);
	ea_web_puts(r->b, "</div><section class=\"card\"><h2>Advice</h2><p "
	                  "data-k=\"advice\">");
	ea_web_html(r->b, x->advice);
	ea_web_puts(r->b, "</p>");
	if (x->fix[0]) {
		ea_web_puts(r->b, "<p data-k=\"fix\"><strong>Fix:</strong> ");
		ea_web_html(r->b, x->fix);
		ea_web_puts(r->b, "</p>");
	}
	ea_web_puts(r->b, "</section>");
	section(r, "Addresses", "addresses", d->domain, x->name);
	tab_addresses(r, EA_FMT_HTML, &w);
	section(r, "Report records", "records", d->domain, x->name);
	if (tab_records(r, EA_FMT_HTML, &w) != 0) {
		st = store_error(r);
		goto out;
	}
	end(r);
	st = 200;
out:
	free(w.addr);
	free(w.st);
	emauth_summary_free(s);
	return st;
}

/* The imported reports. */

static const struct ea_col item_cols[] = {
    {"id", "ID", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"imported_at", "Imported", EA_COL_TIME, EA_COL_EXPORT_ONLY},
    {"kind", "Kind", EA_COL_TEXT, 0},
    {"status", "Status", EA_COL_TEXT, 0},
    {"org", "Reporter", EA_COL_TEXT, 0},
    {"report_id", "Report ID", EA_COL_TEXT, 0},
    {"policy_domain", "Domain", EA_COL_TEXT, 0},
    {"begin", "From", EA_COL_DATE, EA_COL_EXPORT_ONLY},
    {"end", "To", EA_COL_DATE, EA_COL_EXPORT_ONLY},
    {"period", "Period", EA_COL_LINES, EA_COL_PAGE_ONLY},
    {"rows", "Rows", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"messages", "Messages", EA_COL_NUM, 0},
    {"source", "Source", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"file", "File", EA_COL_TEXT, EA_COL_PAGE_ONLY},
    {"reason", "Reason", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"warnings", "Reason and warnings", EA_COL_LINES, EA_COL_WIDE},
};

struct item_walk {
	struct ea_req *r;
	struct ea_table *t;
	unsigned long n[3], warned;
};

static int
item_each(void *arg, const struct emauth_import_item *it)
{
	struct item_walk *w = arg;
	struct ea_req *r = w->r;
	char u[2048];
	char warn[EMAUTH_IMPORT_WARNINGS_MAX * 202 + 600];
	size_t used = 0;
	bool html = w->t->fmt == EA_FMT_HTML;
	if ((unsigned)it->status < 3)
		w->n[it->status]++;
	if (it->warnings_total)
		w->warned++;
	warn[0] = '\0';
	/* On the page the reason comes first; the exports have a column of
	 * its own. */
	if (html && it->reason[0])
		used +=
		    (size_t)snprintf(warn, sizeof(warn), "%s\n", it->reason);
	for (unsigned i = 0; i < it->nwarnings && used < sizeof(warn); i++)
		used += (size_t)snprintf(
		    warn + used, sizeof(warn) - used, "%s\n", it->warnings[i]);
	if (it->warnings_total > it->nwarnings && used < sizeof(warn))
		snprintf(warn + used, sizeof(warn) - used, "... %u more\n",
		    it->warnings_total - it->nwarnings);
	bool link =
	    it->kind == EMAUTH_IMPORT_AGGREGATE &&
	    it->status == EMAUTH_IMPORT_IMPORTED &&
	    ea_web_domain_ok(it->policy_domain, strlen(it->policy_domain));
	/* On the page, the file's name (the whole source as its
	 * tooltip). */
	char file[200];
	size_t outer = strcspn(it->source, "#");
	const char *base = it->source;
	for (size_t i = 0; i < outer; i++)
		if (it->source[i] == '/')
			base = it->source + i + 1;
	snprintf(file, sizeof(file), "%.*s%s", (int)(it->source + outer - base),
	    base, it->source[outer] ? " (a part)" : "");
	/* A report that was not read has no period. */
	bool unknown = it->status == EMAUTH_IMPORT_REJECTED ||
	               (it->begin == 0 && it->end == 0);
	char per[64] = "", b[32], e[32];
	if (!unknown) {
		ea_web_time(b, sizeof(b), it->begin, false, true);
		ea_web_time(e, sizeof(e), it->end, false, true);
		snprintf(per, sizeof(per), "%s\n%s", b, e);
	}
	const char *status = emauth_import_status_name(it->status);
	char cls[32];
	snprintf(cls, sizeof(cls), "st-%s", status);
	struct ea_val v[] = {
	    {.n = it->id},
	    {.n = it->imported_at, .blank = it->imported_at == 0},
	    {.s = emauth_import_kind_name(it->kind)},
	    {.s = status, .cls = cls},
	    {.s = it->org, .cls = "o"},
	    {.s = it->report_id, .cls = "mono"},
	    {.s = it->policy_domain,
	        .href = link ? mklink(r, u, sizeof(u), "/domain", "d",
	                           it->policy_domain, NULL, NULL)
	                     : NULL},
	    {.n = it->begin, .blank = unknown},
	    {.n = it->end, .blank = unknown},
	    {.s = per, .cls = "t"},
	    {.n = (int64_t)it->rows},
	    {.n = (int64_t)it->messages},
	    {.s = it->source},
	    {.s = file, .cls = "f", .title = it->source},
	    {.s = it->reason},
	    {.s = warn},
	};
	ea_web_table_row(w->t, v);
	return 0;
}

int
ea_web_page_reports(struct ea_req *r)
{
	struct ea_table t;
	struct item_walk w = {r, &t, {0, 0, 0}, 0};
	struct ea_wbuf body;
	if (r->fmt != EA_FMT_HTML && !want(r, "reports", true)) {
		r->error = "no such table here (reports)";
		return 400;
	}
	/* The table first, for the counts above it. */
	ea_web_buf_init(&body, EA_WEB_RESPONSE_MAX);
	ea_web_table_begin(&t, r->fmt == EA_FMT_HTML ? &body : r->b, r->fmt,
	    "reports", item_cols, sizeof(item_cols) / sizeof(item_cols[0]));
	int rc = emauth_report_list(r->o->store, item_each, &w);
	ea_web_table_end(&t);
	if (rc != 0) {
		ea_web_buf_release(&body);
		return store_error(r);
	}
	if (r->fmt != EA_FMT_HTML) {
		export_name(r, "reports");
		return 200;
	}
	begin(r, "Reports", "/reports");
	ea_web_printf(r->b,
	    "<h1>Imported reports</h1><p class=\"lede\">Every item read by "
	    "<code>emauth report import</code>, newest last: <span "
	    "data-k=\"imported\">%lu</span> imported, <span "
	    "data-k=\"duplicates\">%lu</span> duplicates, <span "
	    "data-k=\"rejected\">%lu</span> rejected; %lu with warnings.</p>",
	    w.n[EMAUTH_IMPORT_IMPORTED], w.n[EMAUTH_IMPORT_DUPLICATE],
	    w.n[EMAUTH_IMPORT_REJECTED], w.warned);
	section(r, "Reports", "reports", NULL, NULL);
	if (body.err)
		r->b->err = body.err;
	else if (body.p)
		ea_web_put(r->b, body.p, body.len);
	ea_web_buf_release(&body);
	end(r);
	return 200;
}

/* Failure reports. */

static const struct ea_col failure_cols[] = {
    {"arrival", "Arrival", EA_COL_TIME, 0},
    {"reported_domain", "Domain", EA_COL_TEXT, 0},
    {"source_ip", "Address", EA_COL_TEXT, 0},
    {"feedback_type", "Type", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"auth_failure", "Failure", EA_COL_TEXT, 0},
    {"identity_alignment", "Alignment", EA_COL_TEXT, 0},
    {"delivery_result", "Delivery", EA_COL_TEXT, 0},
    {"original_mail_from", "Mail From", EA_COL_TEXT, 0},
    {"original_rcpt_to", "Rcpt To", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"dkim_domain", "DKIM d=", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"dkim_selector", "DKIM s=", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"dkim", "DKIM", EA_COL_LINES, EA_COL_PAGE_ONLY},
    {"msg_from", "From", EA_COL_TEXT, 0},
    {"msg_subject", "Subject", EA_COL_TEXT, 0},
    {"msg_id", "Message-ID", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"source", "Source", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
};

static int
failure_each(void *arg, const struct emauth_failure_item *f)
{
	struct ea_table *t = arg;
	char dkim[600] = "";
	snprintf(dkim, sizeof(dkim), "%s%s%s%s%s",
	    f->dkim_domain[0] ? "d=" : "", f->dkim_domain,
	    f->dkim_domain[0] && f->dkim_selector[0] ? "\n" : "",
	    f->dkim_selector[0] ? "s=" : "", f->dkim_selector);
	struct ea_val v[] = {
	    {.n = f->arrival, .blank = f->arrival == 0},
	    {.s = f->reported_domain},
	    {.s = f->source_ip, .cls = "ip"},
	    {.s = f->feedback_type},
	    {.s = f->auth_failure, .cls = "bad"},
	    {.s = f->identity_alignment},
	    {.s = f->delivery_result},
	    {.s = f->original_mail_from, .cls = "o"},
	    {.s = f->original_rcpt_to},
	    {.s = f->dkim_domain},
	    {.s = f->dkim_selector},
	    {.s = dkim, .cls = "o"},
	    {.s = f->msg_from, .cls = "o"},
	    {.s = f->msg_subject, .cls = "o"},
	    {.s = f->msg_id},
	    {.s = f->source},
	};
	ea_web_table_row(t, v);
	return 0;
}

static void
filter_note(struct ea_req *r, const char *what)
{
	char u[2048];
	if (r->d == NULL)
		return;
	ea_web_printf(r->b, "<p class=\"lede\">%s for ", what);
	ea_web_html(r->b, r->d);
	ea_web_puts(r->b, " only &middot; <a href=\"");
	ea_web_html(
	    r->b, mklink(r, u, sizeof(u), r->path, NULL, NULL, NULL, NULL));
	ea_web_puts(r->b, "\">all domains</a></p>");
}

int
ea_web_page_failures(struct ea_req *r)
{
	struct ea_table t;
	if (r->fmt != EA_FMT_HTML) {
		if (!want(r, "failures", true)) {
			r->error = "no such table here (failures)";
			return 400;
		}
		export_name(r, "failures");
	} else {
		begin(r, "Failure reports", "/failures");
		ea_web_puts(r->b,
		    "<h1>Failure reports</h1><p class=\"lede\">RFC 9991 "
		    "reports of single messages that failed DMARC, newest "
		    "first.</p>");
		filter_note(r, "Failure reports");
		section(r, "Failure reports", "failures", r->d, NULL);
	}
	ea_web_table_begin(&t, r->b, r->fmt, "failures", failure_cols,
	    sizeof(failure_cols) / sizeof(failure_cols[0]));
	int rc = emauth_report_failures(r->o->store, r->d, failure_each, &t);
	ea_web_table_end(&t);
	if (rc != 0)
		return store_error(r);
	if (r->fmt == EA_FMT_HTML)
		end(r);
	return 200;
}

/* SMTP TLS reports. */

static const struct ea_col tls_cols[] = {
    {"org", "Reporter", EA_COL_TEXT, 0},
    {"report_id", "Report ID", EA_COL_TEXT, 0},
    {"begin", "From", EA_COL_DATE, 0},
    {"end", "To", EA_COL_DATE, 0},
    {"policy_type", "Policy", EA_COL_TEXT, 0},
    {"policy_domain", "Domain", EA_COL_TEXT, 0},
    {"success", "Sessions OK", EA_COL_NUM, 0},
    {"failure", "Failed", EA_COL_NUM, 0},
    {"failure_rate", "Failure rate", EA_COL_RATE, 0},
    {"failures", "Failure details", EA_COL_LINES, EA_COL_EXPORT_ONLY},
    {"failure_lines", "Detail lines", EA_COL_NUM, EA_COL_EXPORT_ONLY},
};

static const struct ea_col tlsfail_cols[] = {
    {"policy_domain", "Domain", EA_COL_TEXT, 0},
    {"org", "Reporter", EA_COL_TEXT, 0},
    {"end", "Report end", EA_COL_DATE, 0},
    {"result_type", "Result", EA_COL_TEXT, 0},
    {"sending_ip", "Sending address", EA_COL_TEXT, 0},
    {"receiving_mx", "Receiving MX", EA_COL_TEXT, 0},
    {"count", "Sessions", EA_COL_NUM, 0},
};

struct tls_walk {
	struct ea_req *r;
	struct ea_table *t;
	bool details;
	unsigned long policies, failed;
};

/* Field @k of a TAB-separated line @s, into @out. */
static void
field(const char *s, size_t len, int k, char *out, size_t size)
{
	size_t i = 0;
	for (int f = 0; f < k && i < len; i++)
		if (s[i] == '\t')
			f++;
	size_t j = i;
	while (j < len && s[j] != '\t')
		j++;
	size_t n = j - i < size - 1 ? j - i : size - 1;
	memcpy(out, s + i, n);
	out[n] = '\0';
}

static int
tls_each(void *arg, const struct emauth_tls_item *x)
{
	struct tls_walk *w = arg;
	w->policies++;
	if (x->failure)
		w->failed++;
	if (!w->details) {
		double fr = rate(x->failure, x->success + x->failure);
		struct ea_val v[] = {
		    {.s = x->org},
		    {.s = x->report_id, .cls = "mono"},
		    {.n = x->begin},
		    {.n = x->end},
		    {.s = x->policy_type},
		    {.s = x->policy_domain},
		    {.n = (int64_t)x->success},
		    {.n = (int64_t)x->failure,
		        .cls = x->failure ? "bad" : NULL},
		    {.r = fr, .cls = fr > 0 ? "bad" : NULL},
		    {.s = x->failures},
		    {.n = (int64_t)x->failures_total},
		};
		ea_web_table_row(w->t, v);
		return 0;
	}
	const char *s = x->failures;
	while (*s) {
		size_t l = strcspn(s, "\n");
		char rt[128], ip[64], mx[256], cnt[32];
		field(s, l, 0, rt, sizeof(rt));
		field(s, l, 1, ip, sizeof(ip));
		field(s, l, 2, mx, sizeof(mx));
		field(s, l, 3, cnt, sizeof(cnt));
		int64_t c = 0;
		for (const char *p = cnt;
		     *p >= '0' && *p <= '9' && c < 1000000000000LL; p++)
			c = c * 10 + (*p - '0');
		struct ea_val v[] = {{.s = x->policy_domain}, {.s = x->org},
		    {.n = x->end}, {.s = rt, .cls = "bad"},
		    {.s = ip, .cls = "ip"}, {.s = mx}, {.n = c}};
		ea_web_table_row(w->t, v);
		s += l + (s[l] == '\n');
	}
	return 0;
}

int
ea_web_page_tls(struct ea_req *r)
{
	struct ea_table t;
	struct tls_walk w = {r, &t, false, 0, 0};
	if (r->fmt != EA_FMT_HTML) {
		if (want(r, "tls", true)) {
			export_name(r, "tls");
		} else if (want(r, "tls_failures", false)) {
			export_name(r, "tls_failures");
			w.details = true;
		} else {
			r->error = "no such table here (tls, tls_failures)";
			return 400;
		}
		ea_web_table_begin(&t, r->b, r->fmt,
		    w.details ? "tls_failures" : "tls",
		    w.details ? tlsfail_cols : tls_cols,
		    w.details ? sizeof(tlsfail_cols) / sizeof(tlsfail_cols[0])
		              : sizeof(tls_cols) / sizeof(tls_cols[0]));
		int rc = emauth_report_tls(r->o->store, r->d, tls_each, &w);
		ea_web_table_end(&t);
		return rc ? store_error(r) : 200;
	}
	begin(r, "TLS reports", "/tls");
	ea_web_puts(r->b, "<h1>SMTP TLS reports</h1><p class=\"lede\">RFC 8460 "
	                  "reports: how many sessions to your MX hosts "
	                  "negotiated TLS under your policy, and why the "
	                  "others failed.</p>");
	filter_note(r, "TLS reports");
	section(r, "Failures", "tls_failures", r->d, NULL);
	w.details = true;
	ea_web_table_begin(&t, r->b, EA_FMT_HTML, "tls_failures", tlsfail_cols,
	    sizeof(tlsfail_cols) / sizeof(tlsfail_cols[0]));
	if (emauth_report_tls(r->o->store, r->d, tls_each, &w) != 0)
		return store_error(r);
	ea_web_table_end(&t);
	section(r, "Policies", "tls", r->d, NULL);
	w.details = false;
	ea_web_table_begin(&t, r->b, EA_FMT_HTML, "tls", tls_cols,
	    sizeof(tls_cols) / sizeof(tls_cols[0]));
	if (emauth_report_tls(r->o->store, r->d, tls_each, &w) != 0)
		return store_error(r);
	ea_web_table_end(&t);
	end(r);
	return 200;
}

/* Bounces (issue #20): by reason, by receiving domain, per day, and each
 * one; the authentication bounces (DMARC, DKIM, SPF, PTR) highlighted. */

static const struct ea_col breason_cols[] = {
    {"reason", "Reason", EA_COL_TEXT, 0},
    {"bounces", "Bounces", EA_COL_NUM, 0},
    {"hard", "Hard", EA_COL_NUM, 0},
    {"soft", "Soft", EA_COL_NUM, 0},
};

static const struct ea_col bdomain_cols[] = {
    {"rcpt_domain", "Receiving domain", EA_COL_TEXT, 0},
    {"bounces", "Bounces", EA_COL_NUM, 0},
    {"auth_failures", "Authentication failures", EA_COL_NUM, 0},
};

static const struct ea_col bday_cols[] = {
    {"day", "Day", EA_COL_DATE, 0},
    {"bounces", "Bounces", EA_COL_NUM, 0},
};

static const struct ea_col bounce_cols[] = {
    {"arrival", "Arrival", EA_COL_TIME, 0},
    {"recipient", "Recipient", EA_COL_TEXT, 0},
    {"rcpt_domain", "Receiving domain", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"action", "Action", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"status", "Status", EA_COL_TEXT, 0},
    {"reply_code", "Reply code", EA_COL_TEXT, 0},
    {"reason", "Reason", EA_COL_TEXT, 0},
    {"auth", "Authentication", EA_COL_TEXT, 0},
    {"hard", "Hard", EA_COL_NUM, EA_COL_EXPORT_ONLY},
    {"diagnostic", "Diagnostic", EA_COL_TEXT, EA_COL_WIDE},
    {"original_from", "Original from", EA_COL_TEXT, 0},
    {"from_domain", "Sender domain", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"remote_mta", "Remote MTA", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"original_message_id", "Original Message-ID", EA_COL_TEXT,
        EA_COL_EXPORT_ONLY},
    {"org", "Reported by", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
    {"source", "Source", EA_COL_TEXT, EA_COL_EXPORT_ONLY},
};

/* The domain page's table: the authentication bounces of mail from D. */
static const struct ea_col bauth_cols[] = {
    {"arrival", "Arrival", EA_COL_TIME, 0},
    {"recipient", "Recipient", EA_COL_TEXT, 0},
    {"auth", "Authentication", EA_COL_TEXT, 0},
    {"status", "Status", EA_COL_TEXT, 0},
    {"reason", "Reason", EA_COL_TEXT, 0},
    {"diagnostic", "Diagnostic", EA_COL_TEXT, EA_COL_WIDE},
    {"original_from", "Original from", EA_COL_TEXT, 0},
};

/* Ours: the distinct keys one grouping holds; the rest go to "(other)". */
#define BGROUPS_MAX 10000

struct bgroup {
	char key[256];
	int64_t day;
	unsigned long n, a, b; /* bounces; hard or auth; soft */
};

struct bgroups {
	struct bgroup *v;
	size_t n, cap;
};

static struct bgroup *
bgroup_get(struct bgroups *g, const char *key, int64_t day)
{
	for (size_t i = g->n; i-- > 0;)
		if (g->v[i].day == day && strcmp(g->v[i].key, key) == 0)
			return &g->v[i];
	/* The last slot is "(other)"'s, of day 0. */
	if (g->n >= BGROUPS_MAX - 1 &&
	    (day != 0 || strcmp(key, "(other)") != 0))
		return bgroup_get(g, "(other)", 0);
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 32;
		struct bgroup *v = realloc(g->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		g->v = v;
		g->cap = cap;
	}
	struct bgroup *x = &g->v[g->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->key, sizeof(x->key), "%s", key);
	x->day = day;
	return x;
}

static int
bgroup_cmp_count(const void *a, const void *b)
{
	const struct bgroup *x = a, *y = b;
	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->key, y->key);
}

static int
bgroup_cmp_day(const void *a, const void *b)
{
	const struct bgroup *x = a, *y = b;
	return x->day < y->day ? -1 : x->day > y->day;
}

struct bounce_walk {
	struct ea_req *r;
	struct ea_table *t;
	enum bwhat what;
	struct bgroups g;
	unsigned long total, auth, hard, shown;
	int err;
};

static bool
is_auth(const struct emauth_bounce_item *x)
{
	return x->auth[0] != '\0';
}

static int
bounce_each(void *arg, const struct emauth_bounce_item *x)
{
	struct bounce_walk *w = arg;
	const char *hl = is_auth(x) ? "auth" : NULL;
	struct bgroup *g;
	w->total++;
	if (is_auth(x))
		w->auth++;
	if (x->hard)
		w->hard++;
	switch (w->what) {
	case B_LIST: {
		struct ea_val v[] = {
		    {.n = x->arrival, .blank = x->arrival == 0, .cls = hl},
		    {.s = x->recipient, .cls = hl},
		    {.s = x->rcpt_domain},
		    {.s = x->action},
		    {.s = x->status, .cls = hl ? hl : "mono"},
		    {.s = x->reply_code, .cls = hl},
		    {.s = x->reason, .cls = hl},
		    {.s = x->auth, .cls = hl},
		    {.n = x->hard},
		    {.s = x->diagnostic, .cls = hl},
		    {.s = x->original_from, .cls = hl},
		    {.s = x->from_domain},
		    {.s = x->remote_mta},
		    {.s = x->original_message_id},
		    {.s = x->org},
		    {.s = x->source},
		};
		ea_web_table_row(w->t, v);
		return 0;
	}
	case B_AUTH: {
		if (!is_auth(x))
			return 0;
		w->shown++;
		struct ea_val v[] = {
		    {.n = x->arrival, .blank = x->arrival == 0},
		    {.s = x->recipient},
		    {.s = x->auth, .cls = "auth"},
		    {.s = x->status, .cls = "mono"},
		    {.s = x->reason},
		    {.s = x->diagnostic},
		    {.s = x->original_from},
		};
		ea_web_table_row(w->t, v);
		return 0;
	}
	case B_REASONS:
		g = bgroup_get(&w->g, x->reason[0] ? x->reason : "(none)", 0);
		if (g == NULL)
			return w->err = EMAUTH_ENOMEM;
		g->n++;
		if (x->hard)
			g->a++;
		else
			g->b++;
		return 0;
	case B_DOMAINS:
		g = bgroup_get(
		    &w->g, x->rcpt_domain[0] ? x->rcpt_domain : "(none)", 0);
		if (g == NULL)
			return w->err = EMAUTH_ENOMEM;
		g->n++;
		if (is_auth(x))
			g->a++;
		return 0;
	case B_DAYS:
		g = bgroup_get(&w->g, "",
		    x->arrival > 0 ? x->arrival - x->arrival % 86400 : 0);
		if (g == NULL)
			return w->err = EMAUTH_ENOMEM;
		g->n++;
		return 0;
	}
	return 0;
}

static const char *const bwhat_name[] = {"bounces", "bounce_reasons",
    "bounce_domains", "bounce_days", "auth_bounces"};

/* One table of the bounces page, or the domain page's, into @r->b. */
static int
tab_bounces(struct ea_req *r, enum ea_fmt fmt, enum bwhat what,
    const char *from_domain, struct bounce_walk *out)
{
	struct ea_table t;
	struct bounce_walk w = {.r = r, .t = &t, .what = what};
	const struct ea_col *cols;
	size_t n;
	switch (what) {
	case B_REASONS:
		cols = breason_cols;
		n = sizeof(breason_cols) / sizeof(breason_cols[0]);
		break;
	case B_DOMAINS:
		cols = bdomain_cols;
		n = sizeof(bdomain_cols) / sizeof(bdomain_cols[0]);
		break;
	case B_DAYS:
		cols = bday_cols;
		n = sizeof(bday_cols) / sizeof(bday_cols[0]);
		break;
	case B_AUTH:
		cols = bauth_cols;
		n = sizeof(bauth_cols) / sizeof(bauth_cols[0]);
		break;
	default:
		cols = bounce_cols;
		n = sizeof(bounce_cols) / sizeof(bounce_cols[0]);
		break;
	}
	ea_web_table_begin(&t, r->b, fmt, bwhat_name[what], cols, n);
	int rc =
	    emauth_report_bounces(r->o->store, from_domain, bounce_each, &w);
	if (rc == 0 && w.err == 0 && w.g.n) {
		qsort(w.g.v, w.g.n, sizeof(w.g.v[0]),
		    what == B_DAYS ? bgroup_cmp_day : bgroup_cmp_count);
		for (size_t i = 0; i < w.g.n; i++) {
			const struct bgroup *g = &w.g.v[i];
			if (what == B_REASONS) {
				bool auth =
				    strcmp(g->key, "authfailure") == 0 ||
				    strcmp(g->key, "requireptr") == 0;
				struct ea_val v[] = {
				    {.s = g->key, .cls = auth ? "auth" : NULL},
				    {.n = (int64_t)g->n}, {.n = (int64_t)g->a},
				    {.n = (int64_t)g->b}};
				ea_web_table_row(&t, v);
			} else if (what == B_DOMAINS) {
				struct ea_val v[] = {{.s = g->key},
				    {.n = (int64_t)g->n},
				    {.n = (int64_t)g->a,
				        .cls = g->a ? "auth" : NULL}};
				ea_web_table_row(&t, v);
			} else {
				struct ea_val v[] = {
				    {.n = g->day, .blank = g->day == 0},
				    {.n = (int64_t)g->n}};
				ea_web_table_row(&t, v);
			}
		}
	}
	free(w.g.v);
	w.g.v = NULL;
	ea_web_table_end(&t);
	if (out)
		*out = w;
	if (rc != 0)
		return rc == EMAUTH_ENOMEM ? (r->error = "out of memory", 500)
		                           : store_error(r);
	if (w.err)
		return r->error = "out of memory", 500;
	return 0;
}

int
ea_web_page_bounces(struct ea_req *r)
{
	int st;
	if (r->fmt != EA_FMT_HTML) {
		enum bwhat what;
		if (want(r, "bounce_reasons", true))
			what = B_REASONS;
		else if (want(r, "bounce_domains", false))
			what = B_DOMAINS;
		else if (want(r, "bounce_days", false))
			what = B_DAYS;
		else if (want(r, "bounces", false))
			what = B_LIST;
		else {
			r->error = "no such table here (bounce_reasons, "
			           "bounce_domains, bounce_days, bounces)";
			return 400;
		}
		export_name(r, bwhat_name[what]);
		st = tab_bounces(r, r->fmt, what, r->d, NULL);
		return st ? st : 200;
	}
	begin(r, "Bounces", "/bounces");
	ea_web_puts(r->b, "<h1>Bounces</h1><p class=\"lede\">Delivery status "
	                  "notifications returned to your senders: why, from "
	                  "which receiving domains, when. Bounces for "
	                  "authentication (DMARC, DKIM, SPF, PTR) are "
	                  "highlighted.</p>");
	filter_note(r, "Bounces of mail");
	struct bounce_walk w;
	ea_web_puts(r->b, "<div class=\"cols\"><section class=\"card\">");
	section(r, "By reason", "bounce_reasons", r->d, NULL);
	if ((st = tab_bounces(r, EA_FMT_HTML, B_REASONS, r->d, &w)) != 0)
		return st;
	ea_web_printf(r->b,
	    "<p class=\"lede\"><span data-k=\"bounces_total\">%lu</span> "
	    "bounce%s, <span data-k=\"bounces_hard\">%lu</span> hard, "
	    "<span data-k=\"bounces_auth\">%lu</span> for "
	    "authentication</p>",
	    w.total, w.total == 1 ? "" : "s", w.hard, w.auth);
	ea_web_puts(r->b, "</section><section class=\"card\">");
	section(r, "By receiving domain", "bounce_domains", r->d, NULL);
	if ((st = tab_bounces(r, EA_FMT_HTML, B_DOMAINS, r->d, NULL)) != 0)
		return st;
	ea_web_puts(r->b, "</section></div>");
	section(r, "Per day", "bounce_days", r->d, NULL);
	if ((st = tab_bounces(r, EA_FMT_HTML, B_DAYS, r->d, NULL)) != 0)
		return st;
	section(r, "Bounces", "bounces", r->d, NULL);
	if ((st = tab_bounces(r, EA_FMT_HTML, B_LIST, r->d, NULL)) != 0)
		return st;
	end(r);
	return 200;
}

void
ea_web_page_error(struct ea_req *r, int status, const char *msg)
{
	const char *title = status == 404   ? "Not found"
	                    : status == 400 ? "Bad request"
	                    : status == 401 ? "Unauthorized"
	                    : status == 403 ? "Forbidden"
	                    : status == 405 ? "Method not allowed"
	                                    : "Error";
	/* No links that carry the token on an error page. */
	const char *tok = r->token;
	if (status == 401)
		r->token = NULL;
	begin(r, title, NULL);
	ea_web_printf(r->b, "<h1>%d %s</h1><p class=\"lede\">", status, title);
	ea_web_html(r->b, msg ? msg : "");
	ea_web_puts(r->b, "</p>");
	end(r);
	r->token = tok;
}
