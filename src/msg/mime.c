/*
 * mime.c: the MIME walk of a report message (RFC 2045, RFC 2046): header
 * blocks (CRLF or LF line ends, folded fields), Content-Type and
 * Content-Disposition with their parameters (RFC 2045 §5.1, the simple
 * extended forms of RFC 2231, RFC 2047 encoded words in file names as
 * mailers write them), the transfer encodings base64 and quoted-printable
 * (RFC 2045 §6.7, §6.8; decoded leniently, as reporters' mailers vary),
 * multipart bodies split at their boundary (RFC 2046 §5.1.1), and
 * message/rfc822 or message/global parts walked into when the caller asks.
 *
 * Every cap of struct ea_mime_limits is counted here, in the walk, never by
 * the C stack: exceeding one stops the walk with EMAUTH_ELIMIT and a text
 * naming the cap. Decoded bodies are allocated for the callback and freed
 * after it; bodies that need no decoding are spans into the input.
 */
#include "common/internal.h"

#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/span.h"
#include "msg/mime.h"

/* Ours: the defaults of struct ea_mime_limits (see inbound.h). */
#define DEPTH_DEFAULT 8
#define PARTS_DEFAULT 1000
#define DECODED_DEFAULT ((size_t)64 << 20)
#define HEADER_DEFAULT ((size_t)256 << 10)
/* Ours: each level of nesting is a C stack frame of about 1 KiB, so a
 * caller's max_depth is held to this whatever it asks. */
#define DEPTH_CEILING 64
/* RFC 2046 §5.1.1: a boundary is 1 to 70 characters. Ours: longer ones
 * (up to this) are read too; a longer one makes the part a leaf. */
#define BOUNDARY_MAX 200
/* Ours: RFC 2231 continuations read (name*0 ... name*31). */
#define SEGMENTS_MAX 32
/* Ours: a parameter value read for a file name, before decoding. */
#define VALUE_MAX 1024

struct walk {
	unsigned max_depth, max_parts;
	size_t max_decoded, max_header;
	int (*each)(void *arg, const struct ea_mime_part *p);
	void *arg;
	unsigned parts;
	size_t decoded;
	struct emauth_span input;
	char *err;
	size_t errsize;
};

/* Lines. */

/* The start of the line after the one at @p (past its LF), or @end. */
static const uint8_t *
line_next(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *lf = memchr(p, '\n', (size_t)(end - p));
	return lf ? lf + 1 : end;
}

/* Whether the line [@p, @e) is empty: its line end only. */
static bool
line_blank(const uint8_t *p, const uint8_t *e)
{
	size_t n = (size_t)(e - p);
	return (n == 1 && p[0] == '\n') ||
	       (n == 2 && p[0] == '\r' && p[1] == '\n');
}

static bool
is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool
is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * The length of the field name when the line [@p, @e) starts a field,
 * else 0. RFC 5322 §3.6.8: field-name = 1*ftext, ftext = %d33-57 /
 * %d59-126; §4.5.3 (obsolete syntax) allows white space before the colon.
 */
static size_t
field_name_len(const uint8_t *p, const uint8_t *e)
{
	const uint8_t *q = p;
	while (q < e && *q >= 33 && *q <= 126 && *q != ':')
		q++;
	size_t n = (size_t)(q - p);
	while (q < e && is_wsp(*q))
		q++;
	return n > 0 && q < e && *q == ':' ? n : 0;
}

/*
 * Splits the entity @s after its header block: fields and their
 * continuation lines, up to an empty line (which belongs to neither), or
 * up to the first line that is neither a field nor a continuation (the
 * body starts there, as lenient readers do).
 */
static void
split_entity(
    struct emauth_span s, struct emauth_span *hdr, struct emauth_span *body)
{
	const uint8_t *p = s.p, *end = s.p + s.len;
	bool any = false;
	while (p < end) {
		const uint8_t *e = line_next(p, end);
		if (line_blank(p, e)) {
			*hdr = ea_span(s.p, (size_t)(p - s.p));
			*body = ea_span(e, (size_t)(end - e));
			return;
		}
		if (field_name_len(p, e) == 0 && !(any && is_wsp(*p)))
			break;
		any = true;
		p = e;
	}
	*hdr = ea_span(s.p, (size_t)(p - s.p));
	*body = ea_span(p, (size_t)(end - p));
}

/*
 * The raw value of the first field @name (case-insensitive) of the header
 * block @hdr: from after the colon through its continuation lines, line
 * ends included. False when there is none.
 */
static bool
field_find(struct emauth_span hdr, const char *name, struct emauth_span *val)
{
	size_t nlen = strlen(name);
	const uint8_t *p = hdr.p, *end = hdr.p + hdr.len;
	while (p < end) {
		const uint8_t *e = line_next(p, end);
		if (line_blank(p, e))
			break;
		size_t n = field_name_len(p, e);
		if (n == nlen && ea_span_ieq(ea_span(p, n), ea_span(name, n))) {
			const uint8_t *v =
			    memchr(p + n, ':', (size_t)(e - p) - n);
			v++;
			while (e < end && is_wsp(*e))
				e = line_next(e, end);
			*val = ea_span(v, (size_t)(e - v));
			return true;
		}
		p = e;
	}
	return false;
}

int
ea_mime_header(
    struct emauth_span headers, const char *name, char *out, size_t size)
{
	struct emauth_span v;
	if (size > 0)
		out[0] = '\0';
	if (!field_find(headers, name, &v))
		return EMAUTH_ENOTFOUND;
	const uint8_t *p = v.p, *e = v.p + v.len;
	while (p < e && (is_ws(*p) || *p == '\0'))
		p++;
	while (e > p && (is_ws(e[-1]) || e[-1] == '\0'))
		e--;
	/* RFC 5322 §2.2.3: unfolding removes each CRLF that is followed by
	 * white space; inside the trimmed value every line end is. Bare LF
	 * line ends are taken as CRLF; NUL bytes are dropped, so that the
	 * value is one C string. */
	size_t n = 0;
	for (const uint8_t *q = p; q < e; q++)
		if (*q != '\n' && *q != '\0' &&
		    !(*q == '\r' && q + 1 < e && q[1] == '\n'))
			n++;
	if (n >= size || n > (size_t)INT32_MAX)
		return EMAUTH_ETOOBIG;
	n = 0;
	for (const uint8_t *q = p; q < e; q++)
		if (*q != '\n' && *q != '\0' &&
		    !(*q == '\r' && q + 1 < e && q[1] == '\n'))
			out[n++] = (char)*q;
	out[n] = '\0';
	return (int)n;
}

/* Field values: RFC 2045 §5.1 tokens and parameters. */

struct lex {
	const uint8_t *p, *end;
};

/* Skips white space (folding included) and comments (RFC 5322 §3.2.2
 * CFWS, nested, quoted-pairs inside). */
static void
skip_cfws(struct lex *l)
{
	while (l->p < l->end) {
		if (is_ws(*l->p)) {
			l->p++;
			continue;
		}
		if (*l->p != '(')
			return;
		size_t depth = 0;
		while (l->p < l->end) {
			uint8_t c = *l->p++;
			if (c == '\\' && l->p < l->end)
				l->p++;
			else if (c == '(')
				depth++;
			else if (c == ')' && --depth == 0)
				break;
		}
	}
}

/* RFC 2045 §5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or
 * tspecials>. */
static bool
is_tchar(uint8_t c)
{
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static struct emauth_span
read_token(struct lex *l)
{
	const uint8_t *t = l->p;
	while (l->p < l->end && is_tchar(*l->p))
		l->p++;
	return ea_span(t, (size_t)(l->p - t));
}

/* Reads "type/subtype" into @type, lower case; false when the value is
 * not one or does not fit. */
static bool
parse_type(struct lex *l, char *type, size_t size)
{
	skip_cfws(l);
	struct emauth_span t = read_token(l);
	skip_cfws(l);
	if (t.len == 0 || l->p >= l->end || *l->p != '/')
		return false;
	l->p++;
	skip_cfws(l);
	struct emauth_span s = read_token(l);
	if (s.len == 0 || t.len + 1 + s.len >= size)
		return false;
	ea_lower_copy(type, t.p, t.len);
	type[t.len] = '/';
	ea_lower_copy(type + t.len + 1, s.p, s.len);
	type[t.len + 1 + s.len] = '\0';
	return true;
}

struct param {
	struct emauth_span attr, val; /* val: inside the quotes, if any */
	bool quoted;
};

/*
 * Reads the next parameter (";" attribute "=" value) after the field's
 * main value. Lenient: what is not a parameter is skipped to the next
 * ";", and an unquoted value runs to the next ";" (file names with spaces
 * are written so), less its trailing white space. False at the end.
 */
static bool
next_param(struct lex *l, struct param *pm)
{
	for (;;) {
		skip_cfws(l);
		if (l->p >= l->end)
			return false;
		if (*l->p != ';') {
			while (l->p < l->end && *l->p != ';')
				l->p++;
			continue;
		}
		l->p++;
		skip_cfws(l);
		pm->attr = read_token(l);
		skip_cfws(l);
		if (pm->attr.len == 0 || l->p >= l->end || *l->p != '=')
			continue;
		l->p++;
		skip_cfws(l);
		const uint8_t *v = l->p;
		if (l->p < l->end && *l->p == '"') {
			v = ++l->p;
			while (l->p < l->end && *l->p != '"') {
				if (*l->p == '\\' && l->p + 1 < l->end)
					l->p++;
				l->p++;
			}
			pm->val = ea_span(v, (size_t)(l->p - v));
			pm->quoted = true;
			if (l->p < l->end)
				l->p++;
		} else {
			while (l->p < l->end && *l->p != ';')
				l->p++;
			const uint8_t *e = l->p;
			while (e > v && is_ws(e[-1]))
				e--;
			pm->val = ea_span(v, (size_t)(e - v));
			pm->quoted = false;
		}
		return true;
	}
}

/* A bounded C string being written: what does not fit is dropped (and
 * noted), NUL bytes too. */
struct out {
	char *p;
	size_t n, size;
	bool over;
};

static void
out_init(struct out *o, char *p, size_t size)
{
	o->p = p;
	o->n = 0;
	o->size = size;
	o->over = false;
	p[0] = '\0';
}

static void
out_c(struct out *o, uint8_t c)
{
	if (c == '\0')
		return;
	if (o->n + 1 >= o->size) {
		o->over = true;
		return;
	}
	o->p[o->n++] = (char)c;
	o->p[o->n] = '\0';
}

/* Charsets this walk converts: the rest are kept as written. */
enum { CS_BYTES, CS_LATIN1, CS_OTHER };

static int
charset_kind(struct emauth_span cs)
{
	if (cs.len == 0 || ea_span_ieq_str(cs, "utf-8") ||
	    ea_span_ieq_str(cs, "utf8") || ea_span_ieq_str(cs, "us-ascii"))
		return CS_BYTES;
	if (ea_span_ieq_str(cs, "iso-8859-1") || ea_span_ieq_str(cs, "latin1"))
		return CS_LATIN1;
	return CS_OTHER;
}

/* Writes byte @c of charset @cs as UTF-8. */
static void
out_cs(struct out *o, uint8_t c, int cs)
{
	if (cs == CS_LATIN1 && c >= 0x80) {
		out_c(o, (uint8_t)(0xc0 | c >> 6));
		out_c(o, (uint8_t)(0x80 | (c & 0x3f)));
	} else
		out_c(o, c);
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A parameter's value as written: quoted-pairs unescaped, line ends of
 * folding dropped. */
static void
out_value(struct out *o, const struct param *pm)
{
	const uint8_t *p = pm->val.p, *e = p + pm->val.len;
	for (; p < e; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (pm->quoted && *p == '\\' && p + 1 < e)
			p++;
		out_c(o, *p);
	}
}

/* RFC 2231 §4: %-escapes of an extended value decoded in charset @cs. */
static void
out_pct(struct out *o, struct emauth_span v, int cs)
{
	for (size_t i = 0; i < v.len; i++) {
		int h, lo;
		if (v.p[i] == '%' && i + 2 < v.len &&
		    (h = hexval(v.p[i + 1])) >= 0 &&
		    (lo = hexval(v.p[i + 2])) >= 0) {
			out_cs(o, (uint8_t)(h << 4 | lo), cs);
			i += 2;
		} else if (v.p[i] != '\r' && v.p[i] != '\n')
			out_cs(o, v.p[i], cs);
	}
}

/* Splits an RFC 2231 extended initial value charset'language'text;
 * without the two quotes the whole is text in no named charset. */
static struct emauth_span
ext_split(struct emauth_span v, int *cs)
{
	const uint8_t *q1 = memchr(v.p, '\'', v.len);
	const uint8_t *q2 =
	    q1 ? memchr(q1 + 1, '\'', (size_t)(v.p + v.len - q1 - 1)) : NULL;
	if (q2 == NULL) {
		*cs = CS_BYTES;
		return v;
	}
	*cs = charset_kind(ea_span(v.p, (size_t)(q1 - v.p)));
	return ea_span(q2 + 1, (size_t)(v.p + v.len - q2 - 1));
}

/* Base64 (RFC 2045 §6.8, leniently): see b64_decode() below. */
static int
b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * RFC 2045 §6.8: "Any characters outside of the base64 alphabet are to be
 * ignored in base64-encoded data." Leniently also: missing "=" padding is
 * accepted, and "=" ends a quantum wherever it is, so that encodings
 * joined one after another decode too. Writes at most @cap bytes into
 * @out; false when the data holds more.
 */
static bool
b64_decode(struct emauth_span in, uint8_t *out, size_t cap, size_t *len)
{
	uint32_t acc = 0;
	unsigned k = 0;
	size_t n = 0;
	for (size_t i = 0; i <= in.len; i++) {
		int v = i < in.len ? b64val(in.p[i]) : -1;
		if (v >= 0) {
			acc = acc << 6 | (uint32_t)v;
			if (++k < 4)
				continue;
			if (cap - n < 3)
				return false;
			out[n++] = (uint8_t)(acc >> 16);
			out[n++] = (uint8_t)(acc >> 8);
			out[n++] = (uint8_t)acc;
			acc = 0;
			k = 0;
			continue;
		}
		if (i < in.len && in.p[i] != '=')
			continue;
		/* Padding or the end: what is left of the quantum (two or
		 * three characters give one or two bytes; one gives none). */
		if (k >= 2) {
			if (cap - n < k - 1)
				return false;
			if (k == 2)
				out[n++] = (uint8_t)(acc >> 4);
			else {
				out[n++] = (uint8_t)(acc >> 10);
				out[n++] = (uint8_t)(acc >> 2);
			}
		}
		acc = 0;
		k = 0;
	}
	*len = n;
	return true;
}

/*
 * RFC 2045 §6.7: "=" and two hexadecimal digits is an octet (lower case
 * accepted, as rule 1 lets "robust implementations" do); "=" at the end of
 * a line (white space after it allowed) is a soft line break, dropped with
 * the line end; white space at the end of a line is dropped (rule 3); an
 * "=" followed by neither stays as it is. Hard line ends are kept as
 * written. Writes at most @cap bytes; false when the data holds more.
 */
static bool
qp_decode(struct emauth_span in, uint8_t *out, size_t cap, size_t *len)
{
	const uint8_t *p = in.p, *end = in.p + in.len;
	size_t n = 0;
	while (p < end) {
		const uint8_t *q;
		if (*p == '=' || is_wsp(*p)) {
			q = *p == '=' ? p + 1 : p;
			while (q < end && is_wsp(*q))
				q++;
			bool eol = q == end || *q == '\n' ||
			           (*q == '\r' && q + 1 < end && q[1] == '\n');
			if (*p == '=' && eol) {
				/* A soft line break. */
				p = q == end ? q : line_next(q, end);
				continue;
			}
			if (*p != '=' && eol) {
				/* Trailing white space. */
				p = q;
				continue;
			}
			if (*p == '=' && end - p >= 3 && hexval(p[1]) >= 0 &&
			    hexval(p[2]) >= 0) {
				if (n == cap)
					return false;
				out[n++] =
				    (uint8_t)(hexval(p[1]) << 4 | hexval(p[2]));
				p += 3;
				continue;
			}
			q = *p == '=' ? p + 1 : q;
		} else {
			q = p + 1;
			while (q < end && *q != '=' && !is_wsp(*q))
				q++;
		}
		/* Bytes as they are. */
		if ((size_t)(q - p) > cap - n)
			return false;
		memcpy(out + n, p, (size_t)(q - p));
		n += (size_t)(q - p);
		p = q;
	}
	*len = n;
	return true;
}

/*
 * RFC 2047 encoded words in a parameter value, as mailers write file
 * names ("=?utf-8?B?...?=", against RFC 2047 §5 but common): each word
 * decoded, white space between two words dropped (§6.2), other text kept.
 * False (with @o left as it was) when a word is malformed or in a charset
 * that is not converted: the value is then kept as written.
 */
static bool
out_words(struct out *o, const char *s)
{
	struct out save = *o;
	const char *p = s;
	while (*p) {
		if (!(p[0] == '=' && p[1] == '?')) {
			out_c(o, (uint8_t)*p++);
			continue;
		}
		const char *cs = p + 2, *q1 = strchr(cs, '?');
		if (q1 == NULL || q1[1] == '\0' || q1[2] != '?')
			goto out_restore;
		const char *text = q1 + 3, *stop = strstr(text, "?=");
		if (stop == NULL)
			goto out_restore;
		/* RFC 2231 §5: the charset may carry "*language". */
		const char *star = memchr(cs, '*', (size_t)(q1 - cs));
		int kind = charset_kind(
		    ea_span(cs, (size_t)((star ? star : q1) - cs)));
		if (kind == CS_OTHER)
			goto out_restore;
		struct emauth_span t = ea_span(text, (size_t)(stop - text));
		if (q1[1] == 'B' || q1[1] == 'b') {
			uint8_t buf[VALUE_MAX];
			size_t n;
			if (!b64_decode(t, buf, sizeof(buf), &n))
				goto out_restore;
			for (size_t i = 0; i < n; i++)
				out_cs(o, buf[i], kind);
		} else if (q1[1] == 'Q' || q1[1] == 'q') {
			/* RFC 2047 §4.2: "_" is a space, "=XX" an octet. */
			for (size_t i = 0; i < t.len; i++) {
				int h, lo;
				if (t.p[i] == '_')
					out_c(o, ' ');
				else if (t.p[i] == '=' && i + 2 < t.len &&
				         (h = hexval(t.p[i + 1])) >= 0 &&
				         (lo = hexval(t.p[i + 2])) >= 0) {
					out_cs(o, (uint8_t)(h << 4 | lo), kind);
					i += 2;
				} else
					out_cs(o, t.p[i], kind);
			}
		} else
			goto out_restore;
		p = stop + 2;
		/* §6.2: white space between adjacent encoded words is not
		 * displayed. */
		const char *w = p;
		while (*w == ' ' || *w == '\t')
			w++;
		if (w[0] == '=' && w[1] == '?')
			p = w;
	}
	return true;
out_restore:
	*o = save;
	o->p[o->n] = '\0';
	return false;
}

/*
 * The value of the parameter @want of the field value after @start (its
 * main value read): first the RFC 2231 forms (want*, else want*0, want*1,
 * ... from 0 without a gap), decoded when their charset is one this file
 * converts, else as written; then the plain form, with RFC 2047 encoded
 * words decoded when @words. Writes into @out (at most @size bytes with
 * the NUL); @over: it did not fit. False when there is no such parameter.
 */
static bool
param_get(struct lex start, const char *want, bool words, char *out,
    size_t size, bool *over)
{
	struct param pm, plain, ext, seg[SEGMENTS_MAX];
	bool has_plain = false, has_ext = false, seg_ext[SEGMENTS_MAX];
	uint32_t have = 0;
	size_t wn = strlen(want);
	struct lex l = start;
	struct out o;
	out_init(&o, out, size);
	*over = false;
	while (next_param(&l, &pm)) {
		if (pm.attr.len < wn ||
		    !ea_span_ieq(ea_span(pm.attr.p, wn), ea_span(want, wn)))
			continue;
		struct emauth_span r =
		    ea_span(pm.attr.p + wn, pm.attr.len - wn);
		if (r.len == 0 && !has_plain) {
			plain = pm;
			has_plain = true;
		} else if (r.len == 1 && r.p[0] == '*' && !has_ext) {
			ext = pm;
			has_ext = true;
		} else if (r.len >= 2 && r.p[0] == '*' && ea_is_digit(r.p[1])) {
			/* RFC 2231 §3: name*N or name*N* (N without leading
			 * zeros, up to two digits read here). */
			size_t i = 1;
			unsigned idx = 0;
			while (i < r.len && i <= 2 && ea_is_digit(r.p[i]))
				idx = idx * 10 + (unsigned)(r.p[i++] - '0');
			bool star = i < r.len && r.p[i] == '*';
			if (i + (star ? 1 : 0) != r.len ||
			    idx >= SEGMENTS_MAX ||
			    (have & (UINT32_C(1) << idx)))
				continue;
			seg[idx] = pm;
			seg_ext[idx] = star;
			have |= UINT32_C(1) << idx;
		}
	}
	if (has_ext) {
		int cs;
		struct emauth_span text = ext_split(ext.val, &cs);
		if (cs != CS_OTHER)
			out_pct(&o, text, cs);
		else
			out_value(&o, &ext);
	} else if (have & 1) {
		unsigned k = 0;
		while (k < SEGMENTS_MAX && (have & (UINT32_C(1) << k)))
			k++;
		int cs = CS_BYTES;
		struct emauth_span first = seg[0].val;
		if (seg_ext[0])
			first = ext_split(seg[0].val, &cs);
		for (unsigned i = 0; i < k; i++) {
			if (cs == CS_OTHER || !seg_ext[i])
				out_value(&o, &seg[i]);
			else
				out_pct(&o, i == 0 ? first : seg[i].val, cs);
		}
	} else if (has_plain) {
		char tmp[VALUE_MAX];
		struct out t;
		out_init(&t, tmp, sizeof(tmp));
		out_value(&t, &plain);
		if (!(words && strstr(tmp, "=?") != NULL && out_words(&o, tmp)))
			for (const char *c = tmp; *c; c++)
				out_c(&o, (uint8_t)*c);
		o.over |= t.over;
	} else
		return false;
	*over = o.over;
	return true;
}

/* The walk. */

static int
fail(struct walk *w, int rc, const uint8_t *at, const char *what)
{
	if (w->err == NULL || w->errsize == 0)
		return rc;
	uintptr_t a = (uintptr_t)at, s = (uintptr_t)w->input.p;
	if (a >= s && a - s <= w->input.len)
		ea_fmt(w->err, w->errsize, "%s (at byte %zu)", what,
		    (size_t)(a - s));
	else
		ea_fmt(w->err, w->errsize, "%s (in a decoded part)", what);
	return rc;
}

static int
fail_decoded(struct walk *w, const uint8_t *at)
{
	char m[96];
	ea_fmt(m, sizeof(m), "more than %zu decoded bytes", w->max_decoded);
	return fail(w, EMAUTH_ELIMIT, at, m);
}

enum { CTE_AS_IS, CTE_BASE64, CTE_QP };

/*
 * The body @raw decoded by its transfer encoding @cte into a new buffer
 * (*@owned, free with ea_free()), or @raw itself. Decoded bytes, and
 * those of parts read out of a decoded message (@in_input false), count
 * against max_decoded; nothing larger than what is left of it is
 * allocated.
 */
static int
decode_body(struct walk *w, struct emauth_span raw, int cte, bool in_input,
    struct emauth_span *body, uint8_t **owned)
{
	size_t left = w->max_decoded - w->decoded;
	*owned = NULL;
	*body = raw;
	if (cte == CTE_AS_IS) {
		if (in_input)
			return 0;
		if (raw.len > left)
			return fail_decoded(w, raw.p);
		w->decoded += raw.len;
		return 0;
	}
	size_t bound = cte == CTE_BASE64 ? raw.len / 4 * 3 + 2 : raw.len;
	size_t cap = bound < left ? bound : left;
	uint8_t *buf = ea_malloc(cap ? cap : 1);
	if (buf == NULL)
		return fail(w, EMAUTH_ENOMEM, raw.p, "out of memory");
	size_t n = 0;
	bool ok = cte == CTE_BASE64 ? b64_decode(raw, buf, cap, &n)
	                            : qp_decode(raw, buf, cap, &n);
	if (!ok) {
		ea_free(buf);
		return fail_decoded(w, raw.p);
	}
	w->decoded += n;
	*body = ea_span(buf, n);
	*owned = buf;
	return 0;
}

static int walk_entity(struct walk *w, struct emauth_span s, unsigned depth,
    bool in_input, bool top, bool digest);

/* RFC 2046 §5.1.1: a delimiter line is "--" boundary, "--" more for the
 * close delimiter, then optional white space (transport padding) and the
 * line end. Returns 0 (not one), 1 (delimiter) or 2 (close delimiter). */
static int
delimiter(const uint8_t *p, const uint8_t *e, const char *bnd, size_t bl)
{
	if ((size_t)(e - p) < 2 + bl || p[0] != '-' || p[1] != '-' ||
	    memcmp(p + 2, bnd, bl) != 0)
		return 0;
	const uint8_t *q = p + 2 + bl;
	int kind = 1;
	if (e - q >= 2 && q[0] == '-' && q[1] == '-') {
		kind = 2;
		q += 2;
	}
	while (q < e && is_ws(*q))
		q++;
	return q == e ? kind : 0;
}

/*
 * The parts of the multipart body @body, split at @bnd and walked at
 * @depth + 1. RFC 2046 §5.1.1: the preamble before the first delimiter
 * and the epilogue after the close delimiter are ignored, and "the CRLF
 * preceding the boundary delimiter line is conceptually attached to the
 * boundary". A missing close delimiter is tolerated: the last part runs
 * to the end.
 */
static int
walk_multipart(struct walk *w, struct emauth_span body, const char *bnd,
    unsigned depth, bool in_input, bool digest)
{
	size_t bl = strlen(bnd);
	const uint8_t *p = body.p, *end = body.p + body.len;
	const uint8_t *start = NULL; /* the part being read; NULL: preamble */
	int rc;
	while (p < end) {
		const uint8_t *e = line_next(p, end);
		int d = delimiter(p, e, bnd, bl);
		if (d != 0) {
			if (start != NULL) {
				const uint8_t *pe = p;
				if (pe > start && pe[-1] == '\n')
					pe--;
				if (pe > start && pe[-1] == '\r')
					pe--;
				rc = walk_entity(w,
				    ea_span(start, (size_t)(pe - start)),
				    depth + 1, in_input, false, digest);
				if (rc != 0)
					return rc;
			}
			if (d == 2)
				return 0;
			start = e;
		}
		p = e;
	}
	if (start == NULL)
		return 0;
	return walk_entity(w, ea_span(start, (size_t)(end - start)), depth + 1,
	    in_input, false, digest);
}

/*
 * One entity (a message or a part) at @depth: its header block read, then
 * split if multipart, else given to the callback as a leaf. @in_input:
 * @s lies in the walked message, not in a decoded buffer; @top: the
 * message itself, which must have a header block; @digest: a part of a
 * multipart/digest, whose default type is message/rfc822 (RFC 2046
 * §5.1.5).
 */
static int
walk_entity(struct walk *w, struct emauth_span s, unsigned depth, bool in_input,
    bool top, bool digest)
{
	char m[96];
	if (depth > w->max_depth) {
		ea_fmt(m, sizeof(m), "more than %u nested parts", w->max_depth);
		return fail(w, EMAUTH_ELIMIT, s.p, m);
	}
	if (w->parts >= w->max_parts) {
		ea_fmt(m, sizeof(m), "more than %u parts", w->max_parts);
		return fail(w, EMAUTH_ELIMIT, s.p, m);
	}
	w->parts++;

	struct emauth_span hdr, raw, v;
	split_entity(s, &hdr, &raw);
	if (top && hdr.len == 0)
		return fail(
		    w, EMAUTH_ESYNTAX, s.p, "no header block: not a message");
	if (hdr.len > w->max_header) {
		ea_fmt(m, sizeof(m), "a header block of more than %zu bytes",
		    w->max_header);
		return fail(w, EMAUTH_ELIMIT, s.p, m);
	}

	struct ea_mime_part part;
	memset(&part, 0, sizeof(part));
	struct lex ct = {NULL, NULL};
	/* RFC 2045 §5.2: no Content-Type, or one that does not parse, is
	 * text/plain (message/rfc822 in a digest). */
	bool typed = field_find(hdr, "content-type", &v);
	if (typed) {
		ct.p = v.p;
		ct.end = v.p + v.len;
		typed = parse_type(&ct, part.type, sizeof(part.type));
	}
	if (!typed) {
		ea_copy_str(part.type, sizeof(part.type),
		    digest ? "message/rfc822" : "text/plain");
		ct.p = ct.end = NULL;
	}
	bool over;
	if (strncmp(part.type, "multipart/", 10) == 0) {
		char bnd[BOUNDARY_MAX + 1];
		if (param_get(ct, "boundary", false, bnd, sizeof(bnd), &over) &&
		    !over && bnd[0] != '\0')
			return walk_multipart(w, raw, bnd, depth, in_input,
			    strcmp(part.type, "multipart/digest") == 0);
		/* No usable boundary: the body is given as it is. */
	}

	/* The file name: Content-Disposition's filename, else
	 * Content-Type's name. */
	if (field_find(hdr, "content-disposition", &v)) {
		struct lex cd = {v.p, v.p + v.len};
		skip_cfws(&cd);
		(void)read_token(&cd);
		(void)param_get(cd, "filename", true, part.filename,
		    sizeof(part.filename), &over);
	}
	if (part.filename[0] == '\0' && ct.p != NULL)
		(void)param_get(ct, "name", true, part.filename,
		    sizeof(part.filename), &over);

	int cte = CTE_AS_IS;
	if (field_find(hdr, "content-transfer-encoding", &v)) {
		struct lex l = {v.p, v.p + v.len};
		skip_cfws(&l);
		struct emauth_span t = read_token(&l);
		if (ea_span_ieq_str(t, "base64"))
			cte = CTE_BASE64;
		else if (ea_span_ieq_str(t, "quoted-printable"))
			cte = CTE_QP;
	}

	uint8_t *owned;
	int rc = decode_body(w, raw, cte, in_input, &part.body, &owned);
	if (rc != 0)
		return rc;
	part.headers = hdr;
	part.depth = depth;
	part.is_message = strcmp(part.type, "message/rfc822") == 0 ||
	                  strcmp(part.type, "message/global") == 0;
	rc = w->each(w->arg, &part);
	if (rc == EA_MIME_DESCEND)
		rc = part.is_message
		         ? walk_entity(w, part.body, depth + 1,
		               in_input && owned == NULL, false, false)
		         : 0;
	ea_free(owned);
	return rc;
}

int
ea_mime_walk(struct emauth_span msg, const struct ea_mime_limits *lim,
    int (*each)(void *arg, const struct ea_mime_part *p), void *arg, char *err,
    size_t errsize)
{
	struct walk w;
	memset(&w, 0, sizeof(w));
	w.max_depth = lim ? lim->max_depth : DEPTH_DEFAULT;
	w.max_parts = lim ? lim->max_parts : PARTS_DEFAULT;
	w.max_decoded = lim ? lim->max_decoded : DECODED_DEFAULT;
	w.max_header = lim ? lim->max_header : HEADER_DEFAULT;
	if (w.max_depth > DEPTH_CEILING)
		w.max_depth = DEPTH_CEILING;
	w.each = each;
	w.arg = arg;
	w.input = msg;
	w.err = err;
	w.errsize = errsize;
	if (err != NULL && errsize > 0)
		err[0] = '\0';
	/* RFC 4155: a message from an mbox file may start with its "From "
	 * line, which is not a header field. */
	if (msg.len >= 5 && memcmp(msg.p, "From ", 5) == 0) {
		const uint8_t *e = line_next(msg.p, msg.p + msg.len);
		msg = ea_span(e, (size_t)(msg.p + msg.len - e));
	}
	if (msg.len == 0)
		return fail(&w, EMAUTH_ESYNTAX, msg.p,
		    "no header block: not a message");
	return walk_entity(&w, msg, 0, true, true, false);
}
