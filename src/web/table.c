/*
 * table.c: one table model, written as an HTML table (the page), a CSV
 * file (a header line of column keys, CRLF line ends, every cell quoted)
 * or a JSON document ({"table": NAME, "rows": [{KEY: VALUE, ...}]}). The
 * page shows at most EA_WEB_HTML_ROWS rows and says how many more the
 * exports hold. In HTML every cell carries its column's key
 * (<td data-k="messages">), which the browser test reads.
 */
#define _DEFAULT_SOURCE 1

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "web.h"

void
ea_web_table_begin(struct ea_table *t, struct ea_wbuf *b, enum ea_fmt fmt,
    const char *name, const struct ea_col *cols, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->b = b;
	t->fmt = fmt;
	t->name = name;
	t->cols = cols;
	t->ncols = ncols;
	if (fmt == EA_FMT_CSV) {
		bool first = true;
		for (size_t i = 0; i < ncols; i++) {
			if (cols[i].flags & EA_COL_PAGE_ONLY)
				continue;
			if (!first)
				ea_web_puts(b, ",");
			first = false;
			ea_web_csv(b, cols[i].key);
		}
		ea_web_puts(b, "\r\n");
	} else if (fmt == EA_FMT_JSON) {
		ea_web_puts(b, "{\"table\":");
		ea_web_json(b, name);
		ea_web_puts(b, ",\"rows\":[");
	} else {
		ea_web_puts(b, "<div class=\"tw\"><table id=\"t-");
		ea_web_html(b, name);
		ea_web_puts(b, "\"><thead><tr>");
		for (size_t i = 0; i < ncols; i++) {
			if (cols[i].flags & EA_COL_EXPORT_ONLY)
				continue;
			bool num = cols[i].kind == EA_COL_NUM ||
			           cols[i].kind == EA_COL_RATE;
			ea_web_puts(b, num ? "<th class=\"n\">" : "<th>");
			ea_web_html(b, cols[i].title);
			ea_web_puts(b, "</th>");
		}
		ea_web_puts(b, "</tr></thead><tbody>");
	}
}

/* A rate as a percentage with one decimal, "-" for none. */
static void
pct(char *out, size_t size, double r)
{
	if (r < 0)
		snprintf(out, size, "-");
	else
		snprintf(out, size, "%.1f%%", 100.0 * r);
}

static void
html_lines(struct ea_wbuf *b, const char *s)
{
	char line[2048];
	bool first = true;
	while (*s) {
		size_t l = strcspn(s, "\n");
		size_t k = l < sizeof(line) - 1 ? l : sizeof(line) - 1;
		memcpy(line, s, k);
		line[k] = '\0';
		if (!first)
			ea_web_puts(b, "<br>");
		first = false;
		/* Fields separated by tabs: shown with a middle dot; empty
		 * ones are left out. */
		char *f = line;
		bool shown = false;
		while (f) {
			char *tab = strchr(f, '\t');
			if (tab)
				*tab = '\0';
			if (*f) {
				if (shown)
					ea_web_puts(b,
					    " <span "
					    "class=\"sep\">&middot;</span> ");
				ea_web_html(b, f);
				shown = true;
			}
			f = tab ? tab + 1 : NULL;
		}
		s += l + (s[l] == '\n');
	}
}

static void
json_lines(struct ea_wbuf *b, const char *s)
{
	char line[2048];
	bool first = true;
	ea_web_puts(b, "[");
	while (*s) {
		size_t l = strcspn(s, "\n");
		size_t k = l < sizeof(line) - 1 ? l : sizeof(line) - 1;
		memcpy(line, s, k);
		line[k] = '\0';
		if (!first)
			ea_web_puts(b, ",");
		first = false;
		ea_web_json(b, line);
		s += l + (s[l] == '\n');
	}
	ea_web_puts(b, "]");
}

static void
html_cell(struct ea_wbuf *b, const struct ea_col *c, const struct ea_val *v)
{
	char tmp[64];
	bool num = c->kind == EA_COL_NUM || c->kind == EA_COL_RATE;
	bool when = c->kind == EA_COL_TIME || c->kind == EA_COL_DATE;
	ea_web_puts(b, "<td data-k=\"");
	ea_web_html(b, c->key);
	ea_web_puts(b, "\"");
	if (num || when || v->cls || (c->flags & EA_COL_WIDE)) {
		ea_web_puts(b, " class=\"");
		if (num)
			ea_web_puts(b, "n ");
		if (when)
			ea_web_puts(b, "t ");
		if (c->flags & EA_COL_WIDE)
			ea_web_puts(b, "w ");
		if (v->cls)
			ea_web_html(b, v->cls);
		ea_web_puts(b, "\"");
	}
	if (v->title) {
		ea_web_puts(b, " title=\"");
		ea_web_html(b, v->title);
		ea_web_puts(b, "\"");
	}
	ea_web_puts(b, ">");
	if (v->href) {
		ea_web_puts(b, "<a href=\"");
		ea_web_html(b, v->href);
		ea_web_puts(b, "\">");
	}
	switch (c->kind) {
	case EA_COL_TEXT:
		ea_web_html(b, v->s ? v->s : "");
		break;
	case EA_COL_LINES:
		html_lines(b, v->s ? v->s : "");
		break;
	case EA_COL_NUM:
		ea_web_printf(b, "%" PRId64, v->n);
		break;
	case EA_COL_RATE:
		pct(tmp, sizeof(tmp), v->r);
		ea_web_puts(b, tmp);
		break;
	case EA_COL_TIME:
	case EA_COL_DATE:
		if (!v->blank) {
			ea_web_time(tmp, sizeof(tmp), v->n, false,
			    c->kind == EA_COL_DATE);
			ea_web_puts(b, tmp);
		}
		break;
	}
	if (v->href)
		ea_web_puts(b, "</a>");
	ea_web_puts(b, "</td>");
}

void
ea_web_table_row(struct ea_table *t, const struct ea_val *v)
{
	struct ea_wbuf *b = t->b;
	char tmp[64];
	t->rows++;
	if (t->fmt == EA_FMT_HTML) {
		if (t->rows > EA_WEB_HTML_ROWS)
			return;
		ea_web_puts(b, "<tr>");
		for (size_t i = 0; i < t->ncols; i++)
			if (!(t->cols[i].flags & EA_COL_EXPORT_ONLY))
				html_cell(b, &t->cols[i], &v[i]);
		ea_web_puts(b, "</tr>");
		return;
	}
	if (t->fmt == EA_FMT_JSON)
		ea_web_puts(b, t->rows > 1 ? ",{" : "{");
	bool first = true;
	for (size_t i = 0; i < t->ncols; i++) {
		const struct ea_col *c = &t->cols[i];
		if (c->flags & EA_COL_PAGE_ONLY)
			continue;
		if (!first)
			ea_web_puts(b, ",");
		first = false;
		if (t->fmt == EA_FMT_JSON) {
			ea_web_json(b, c->key);
			ea_web_puts(b, ":");
		}
		switch (c->kind) {
		case EA_COL_TEXT:
			if (t->fmt == EA_FMT_CSV)
				ea_web_csv(b, v[i].s ? v[i].s : "");
			else
				ea_web_json(b, v[i].s ? v[i].s : "");
			break;
		case EA_COL_LINES:
			if (t->fmt == EA_FMT_CSV)
				ea_web_csv(b, v[i].s ? v[i].s : "");
			else
				json_lines(b, v[i].s ? v[i].s : "");
			break;
		case EA_COL_NUM:
			ea_web_printf(b, "%" PRId64, v[i].n);
			break;
		case EA_COL_RATE:
			if (v[i].r < 0)
				ea_web_puts(
				    b, t->fmt == EA_FMT_CSV ? "" : "null");
			else
				ea_web_printf(b, "%.4f", v[i].r);
			break;
		case EA_COL_TIME:
		case EA_COL_DATE:
			ea_web_time(tmp, sizeof(tmp), v[i].n, true,
			    c->kind == EA_COL_DATE);
			if (v[i].blank)
				ea_web_puts(
				    b, t->fmt == EA_FMT_CSV ? "" : "null");
			else if (t->fmt == EA_FMT_CSV)
				ea_web_csv(b, tmp);
			else
				ea_web_json(b, tmp);
			break;
		}
	}
	ea_web_puts(b, t->fmt == EA_FMT_CSV ? "\r\n" : "}");
}

void
ea_web_table_end(struct ea_table *t)
{
	struct ea_wbuf *b = t->b;
	if (t->fmt == EA_FMT_JSON) {
		ea_web_puts(b, "]}\n");
		return;
	}
	if (t->fmt == EA_FMT_CSV)
		return;
	size_t shown = 0;
	for (size_t i = 0; i < t->ncols; i++)
		if (!(t->cols[i].flags & EA_COL_EXPORT_ONLY))
			shown++;
	if (t->rows == 0)
		ea_web_printf(b,
		    "<tr><td class=\"empty\" colspan=\"%zu\">Nothing "
		    "here.</td></tr>",
		    shown);
	ea_web_puts(b, "</tbody></table></div>");
	if (t->rows > EA_WEB_HTML_ROWS)
		ea_web_printf(b,
		    "<p class=\"note\">%lu more rows are not shown here: the "
		    "CSV and JSON exports hold all %lu.</p>",
		    t->rows - EA_WEB_HTML_ROWS, t->rows);
}
