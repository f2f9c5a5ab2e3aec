/*
 * buf.c: the dashboard's output buffer and its escapers. Reports are
 * written by strangers, so every string from the store goes out through
 * one of these: HTML (text and attribute values), CSV cells (quoted, and
 * kept from being read as a spreadsheet formula), JSON strings and query
 * values in links. Bytes that are not UTF-8 become U+FFFD everywhere.
 */
#define _DEFAULT_SOURCE 1

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web.h"

void
ea_web_buf_init(struct ea_wbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
ea_web_buf_release(struct ea_wbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Room for @n more bytes and a NUL. */
static bool
reserve(struct ea_wbuf *b, size_t n)
{
	if (b->err)
		return false;
	if (n > b->max || b->len > b->max - n) {
		b->err = EMAUTH_ETOOBIG;
		return false;
	}
	if (b->len + n + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 16384;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (p == NULL) {
		b->err = EMAUTH_ENOMEM;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void
ea_web_put(struct ea_wbuf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
ea_web_puts(struct ea_wbuf *b, const char *s)
{
	ea_web_put(b, s, strlen(s));
}

void
ea_web_printf(struct ea_wbuf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		ea_web_put(b, small, (size_t)n);
		return;
	}
	if (!reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* The length of the UTF-8 sequence at @s (at most @n bytes), or 0 when it
 * is not one (overlong forms, surrogates and values past U+10FFFF are
 * not). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static const char replacement[] = "\xef\xbf\xbd";

bool
ea_web_text_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
		size_t l = utf8_len(p + i, len - i);
		if (l == 0)
			return false;
		i += l;
	}
	return true;
}

void
ea_web_html(struct ea_wbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, run = 0;
	while (i < n) {
		const char *rep = NULL;
		size_t l = 1;
		switch (p[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n') ||
			    p[i] == 0x7f)
				rep = replacement;
			else if ((l = utf8_len(p + i, n - i)) == 0) {
				rep = replacement;
				l = 1;
			}
		}
		if (rep == NULL) {
			i += l;
			run += l;
			continue;
		}
		ea_web_put(b, s + i - run, run);
		ea_web_puts(b, rep);
		run = 0;
		i += l;
	}
	ea_web_put(b, s + i - run, run);
}

void
ea_web_csv(struct ea_wbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	ea_web_put(b, "\"", 1);
	/* A cell starting with one of these is a formula to Excel and
	 * LibreOffice (OWASP's "CSV injection"); a quote keeps it text. */
	if (n && strchr("=+-@\t\r", s[0]) != NULL)
		ea_web_put(b, "'", 1);
	while (i < n) {
		size_t l = utf8_len(p + i, n - i);
		if (p[i] == '"') {
			ea_web_put(b, "\"\"", 2);
			i++;
		} else if (l == 0) {
			ea_web_puts(b, replacement);
			i++;
		} else {
			ea_web_put(b, s + i, l);
			i += l;
		}
	}
	ea_web_put(b, "\"", 1);
}

void
ea_web_json(struct ea_wbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0;
	ea_web_put(b, "\"", 1);
	while (i < n) {
		unsigned char c = p[i];
		size_t l = utf8_len(p + i, n - i);
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			ea_web_put(b, e, 2);
			i++;
		} else if (c == '\n') {
			ea_web_puts(b, "\\n");
			i++;
		} else if (c == '\t') {
			ea_web_puts(b, "\\t");
			i++;
		} else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' ||
		           c == '&') {
			ea_web_printf(b, "\\u%04x", c);
			i++;
		} else if (l == 0) {
			ea_web_puts(b, "\\ufffd");
			i++;
		} else if (l == 3 && c == 0xe2 && p[i + 1] == 0x80 &&
		           (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			/* U+2028 and U+2029 end lines in JavaScript. */
			ea_web_printf(b, "\\u%04x", 0x2000 + (p[i + 2] - 0x80));
			i += 3;
		} else {
			ea_web_put(b, s + i, l);
			i += l;
		}
	}
	ea_web_put(b, "\"", 1);
}

void
ea_web_url(struct ea_wbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			ea_web_put(b, (const char *)p, 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			ea_web_put(b, e, 3);
		}
	}
}

void
ea_web_time(char *out, size_t size, int64_t t, bool iso, bool date_only)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (size == 0)
		return;
	out[0] = '\0';
	if (gmtime_r(&tt, &tm) == NULL)
		return;
	strftime(out, size,
	    date_only ? "%Y-%m-%d"
	    : iso     ? "%Y-%m-%dT%H:%M:%SZ"
	              : "%Y-%m-%d %H:%M",
	    &tm);
}

bool
ea_web_domain_ok(const char *s, size_t len)
{
	size_t lab = 0;
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (lab == 0)
				return false;
			lab = 0;
		} else if (++lab > 63 ||
		           !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		               (c >= '0' && c <= '9') || c == '-' ||
		               c == '_')) {
			return false;
		}
	}
	return true;
}
