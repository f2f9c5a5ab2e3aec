/*
 * chart.c: the chart of a domain's days, drawn by the server as inline
 * SVG (nothing to load, no script): a bar per day for the messages
 * reported (the left axis), and a line for the share of them that passed
 * DMARC (the right axis, 0 to 100%). Each bar has a title, which browsers
 * show as a tooltip. Days without messages break the line.
 */
#define _DEFAULT_SOURCE 1

#include <stdio.h>
#include <string.h>

#include "web.h"

struct geo {
	double w, h, left, right, top, bottom;
	int font;
};

static const struct geo big = {1140, 280, 52, 48, 14, 30, 12};
static const struct geo little = {380, 120, 42, 38, 8, 22, 10};

/* The top of the left axis: four steps of 1, 2 or 5 times a power of
 * ten, at or above @v. */
static unsigned long
nice_max(unsigned long v)
{
	unsigned long p = 1;
	for (;;) {
		if (4 * p >= v)
			return 4 * p;
		if (8 * p >= v)
			return 8 * p;
		if (20 * p >= v)
			return 20 * p;
		if (p > 1000000000000ul)
			return 4 * v;
		p *= 10;
	}
}

static void
count_label(char *out, size_t size, unsigned long v)
{
	if (v >= 10000000)
		snprintf(out, size, "%luM", v / 1000000);
	else if (v >= 10000)
		snprintf(out, size, "%luk", v / 1000);
	else
		snprintf(out, size, "%lu", v);
}

void
ea_web_chart(struct ea_wbuf *b, const struct ea_day *d, size_t n, bool small,
    const char *label)
{
	const struct geo *g = small ? &little : &big;
	double pw = g->w - g->left - g->right, ph = g->h - g->top - g->bottom;
	unsigned long maxv = 0;
	char tmp[64], day[32];
	for (size_t i = 0; i < n; i++)
		if (d[i].messages > maxv)
			maxv = d[i].messages;
	unsigned long top = nice_max(maxv);

	ea_web_printf(b,
	    "<svg class=\"chart%s\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
	    "aria-label=\"",
	    small ? " small" : "", g->w, g->h);
	ea_web_html(b, label);
	ea_web_printf(b,
	    "\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"%d\" "
	    "font-family=\"system-ui, sans-serif\">",
	    g->font);
	if (n == 0) {
		ea_web_printf(b,
		    "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" "
		    "fill=\"#6b7280\">No aggregate reports.</text></svg>",
		    g->w / 2, g->h / 2);
		return;
	}
	/* The grid and both axes' labels: four steps. */
	for (int k = 0; k <= 4; k++) {
		double y = g->top + ph - ph * k / 4.0;
		ea_web_printf(b,
		    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
		    "stroke=\"%s\" stroke-width=\"1\"/>",
		    g->left, g->left + pw, y, y, k ? "#e5e7eb" : "#9ca3af");
		if (small && k % 2)
			continue;
		count_label(tmp, sizeof(tmp), top / 4 * (unsigned long)k);
		ea_web_printf(b,
		    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
		    "fill=\"#4b5563\">%s</text>",
		    g->left - 6, y + g->font / 3.0, tmp);
		ea_web_printf(b,
		    "<text x=\"%.1f\" y=\"%.1f\" fill=\"#1a7f37\">%d%%</text>",
		    g->left + pw + 6, y + g->font / 3.0, k * 25);
	}
	double slot = pw / (double)n;
	double bw = slot * 0.72 > 1 ? slot * 0.72 : 1;
	if (bw > (small ? 28 : 48))
		bw = small ? 28 : 48;
	/* The bars. */
	for (size_t i = 0; i < n; i++) {
		double h = top ? ph * (double)d[i].messages / (double)top : 0;
		double x = g->left + slot * (double)i + (slot - bw) / 2;
		ea_web_time(day, sizeof(day), d[i].day, false, true);
		ea_web_printf(b,
		    "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
		    "height=\"%.2f\" fill=\"#8fb3e3\"><title>%s: %lu "
		    "messages, ",
		    x, g->top + ph - h, bw, h, day, d[i].messages);
		if (d[i].messages)
			ea_web_printf(b, "%.1f%% passed DMARC",
			    100.0 * (double)d[i].pass / (double)d[i].messages);
		else
			ea_web_puts(b, "no messages");
		ea_web_puts(b, "</title></rect>");
	}
	/* The pass rate line, broken where a day has no messages. */
	ea_web_puts(b, "<path fill=\"none\" stroke=\"#1a7f37\" "
	               "stroke-width=\"2\" stroke-linejoin=\"round\" d=\"");
	bool pen = false;
	for (size_t i = 0; i < n; i++) {
		if (d[i].messages == 0) {
			pen = false;
			continue;
		}
		double r = (double)d[i].pass / (double)d[i].messages;
		double x = g->left + slot * ((double)i + 0.5);
		double y = g->top + ph * (1 - r);
		ea_web_printf(b, "%s%.2f %.2f ", pen ? "L" : "M", x, y);
		pen = true;
	}
	ea_web_puts(b, "\"/>");
	/* Dots: on every day when there are few, else where a day stands
	 * alone (no line to show it). */
	size_t full = 0;
	for (size_t i = 0; i < n; i++)
		full += d[i].messages != 0;
	for (size_t i = 0; i < n; i++) {
		if (d[i].messages == 0)
			continue;
		bool alone = (i == 0 || d[i - 1].messages == 0) &&
		             (i + 1 == n || d[i + 1].messages == 0);
		if (full <= 62 || alone) {
			double r = (double)d[i].pass / (double)d[i].messages;
			ea_web_printf(b,
			    "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"%s\" "
			    "fill=\"#1a7f37\"/>",
			    g->left + slot * ((double)i + 0.5),
			    g->top + ph * (1 - r), small ? "2.5" : "3.5");
		}
	}
	/* Dates under the axis: the first, the last, a few between. */
	size_t want = small ? 2 : 6;
	if (want > n)
		want = n;
	size_t last_i = (size_t)-1;
	for (size_t k = 0; k < want; k++) {
		size_t i = want == 1 ? 0 : k * (n - 1) / (want - 1);
		if (i == last_i)
			continue;
		last_i = i;
		ea_web_time(day, sizeof(day), d[i].day, false, true);
		const char *anchor = "middle";
		if (want > 1 && k == 0 && slot < 60)
			anchor = "start";
		else if (want > 1 && k == want - 1 && slot < 60)
			anchor = "end";
		double x = g->left + slot * ((double)i + 0.5);
		if (strcmp(anchor, "start") == 0)
			x = g->left + slot * (double)i;
		else if (strcmp(anchor, "end") == 0)
			x = g->left + slot * (double)(i + 1);
		ea_web_printf(b,
		    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" "
		    "fill=\"#4b5563\">%s</text>",
		    x, g->top + ph + g->font + 6, anchor, day);
	}
	ea_web_puts(b, "</svg>");
}
