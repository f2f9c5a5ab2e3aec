/*
 * arf.c: the reader of ARF failure and abuse reports (RFC 5965, RFC 6591
 * for auth-failure, RFC 7489 §7.3 for Identity-Alignment). The MIME walk
 * (mime.c) finds the message/feedback-report part and the failed message
 * (text/rfc822-headers or message/rfc822); the feedback fields are read
 * from the first as a header block, the failed message's From, To,
 * Subject, Message-ID and Date from the second. Reporters are sloppy, so
 * the reader is lenient and says so: a report that is not
 * multipart/report, has no report-type, or carries its fields in a
 * text/plain part is read with a warning. A value longer than its field is
 * never cut: the field stays empty and a warning names it. Arrival-Date is
 * an RFC 5322 date-time read by a small bounded parser below.
 */
#include "common/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/ip.h"
#include "common/span.h"
#include "report/inbound.h"

/* Ours: the longest feedback field value read (the longest field kept is
 * Authentication-Results, 1023 bytes; DKIM-Canonicalized-* are not read). */
#define ARF_VALUE_MAX 4096
/* Ours: the feedback fields of a text/plain part are copied (they cannot
 * be read in place: a message/feedback-report part after it wins). */
#define ARF_LENIENT_MAX (256 * 1024)
/* Ours: nested comments in a date. */
#define ARF_COMMENT_DEPTH_MAX 16

/* Returned by the walk's callback to stop once everything is found. */
#define ARF_STOP 2

static void arf_warn(struct ea_arf *a, const char *fmt, ...) EA_PRINTF(2, 3);

/* Adds a warning; once they are all used, the last says that more were
 * dropped. */
static void
arf_warn(struct ea_arf *a, const char *fmt, ...)
{
	va_list ap;
	if (a->nwarnings >= EA_ARF_WARNINGS_MAX) {
		ea_copy_str(a->warnings[EA_ARF_WARNINGS_MAX - 1],
		    sizeof(a->warnings[0]), "more warnings: not kept");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(a->warnings[a->nwarnings], sizeof(a->warnings[0]), fmt, ap);
	va_end(ap);
	a->nwarnings++;
}

static bool
is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/*
 * The header block at the start of @s: up to (not including) the first
 * empty line, or all of @s. With @skip_blank, empty lines before it are
 * skipped first (a feedback part's body sometimes starts with one).
 */
static struct emauth_span
header_block(struct emauth_span s, bool skip_blank)
{
	size_t i = 0;
	if (skip_blank) {
		for (;;) {
			if (i < s.len && s.p[i] == '\n')
				i++;
			else if (i + 1 < s.len && s.p[i] == '\r' &&
			         s.p[i + 1] == '\n')
				i += 2;
			else
				break;
		}
	}
	size_t start = i;
	while (i < s.len) {
		/* @i is at the start of a line. */
		if (s.p[i] == '\n' ||
		    (s.p[i] == '\r' && i + 1 < s.len && s.p[i + 1] == '\n'))
			break;
		const uint8_t *nl = memchr(s.p + i, '\n', s.len - i);
		i = nl ? (size_t)(nl - s.p) + 1 : s.len;
	}
	return ea_span(s.p + start, i - start);
}

/*
 * Stores @len bytes of @v into @dst (@size bytes with the NUL). A value
 * that does not fit is not cut: @dst stays empty and a warning names
 * @name. Control bytes (NUL included) other than tab are replaced with '?',
 * with a warning, so that the C string is the whole value.
 */
static void
keep(struct ea_arf *a, const char *name, char *dst, size_t size, const char *v,
    size_t len)
{
	dst[0] = '\0';
	if (len > size - 1) {
		arf_warn(
		    a, "%s longer than %zu bytes: not kept", name, size - 1);
		return;
	}
	bool ctl = false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)v[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			dst[i] = '?';
			ctl = true;
		} else
			dst[i] = (char)c;
	}
	dst[len] = '\0';
	if (ctl)
		arf_warn(a, "%s has control bytes: shown as '?'", name);
}

/*
 * Reads the field @name of the block @h into @tmp (ARF_VALUE_MAX bytes).
 * @return the value's length, or -1 when absent or too long for any field
 *         (then with a warning naming the field's own cap @cap).
 */
static int
field_get(struct ea_arf *a, struct emauth_span h, const char *name, char *tmp,
    size_t cap)
{
	int n = ea_mime_header(h, name, tmp, ARF_VALUE_MAX);
	if (n == EMAUTH_ETOOBIG) {
		arf_warn(a, "%s longer than %zu bytes: not kept", name, cap);
		return -1;
	}
	if (n < 0)
		return -1;
	return n;
}

/* The first token of @v: up to white space, '(' or ';'. */
static size_t
first_token(const char *v, size_t len)
{
	size_t i = 0;
	while (i < len && !is_wsp((uint8_t)v[i]) && v[i] != '(' && v[i] != ';')
		i++;
	return i;
}

/*
 * Dates (RFC 5322 §3.3, with the obsolete forms of §4.3): [day-of-week
 * ","] day month year hour ":" minute [":" second] zone, with CFWS
 * between the tokens.
 */
struct dcur {
	const char *p, *end;
};

/* Skips white space and comments (nested, with quoted-pairs). */
static bool
skip_cfws(struct dcur *c)
{
	for (;;) {
		while (c->p < c->end && (is_wsp((uint8_t)*c->p) ||
		                            *c->p == '\r' || *c->p == '\n'))
			c->p++;
		if (c->p >= c->end || *c->p != '(')
			return true;
		unsigned depth = 0;
		do {
			if (c->p >= c->end)
				return false; /* unterminated comment */
			char ch = *c->p++;
			if (ch == '\\' && c->p < c->end)
				c->p++;
			else if (ch == '(') {
				if (++depth > ARF_COMMENT_DEPTH_MAX)
					return false;
			} else if (ch == ')')
				depth--;
		} while (depth > 0);
	}
}

/* Reads 1 to @max digits; their count in *@ndigits. */
static bool
date_num(struct dcur *c, unsigned max, unsigned *out, unsigned *ndigits)
{
	unsigned v = 0, n = 0;
	while (c->p < c->end && ea_is_digit((uint8_t)*c->p)) {
		if (++n > max)
			return false;
		v = v * 10 + (unsigned)(*c->p++ - '0');
	}
	*out = v;
	if (ndigits)
		*ndigits = n;
	return n > 0;
}

/* Reads a run of letters (at most @size - 1) into @out, lower case. */
static size_t
date_word(struct dcur *c, char *out, size_t size)
{
	size_t n = 0;
	while (c->p < c->end && ea_is_alpha((uint8_t)*c->p)) {
		if (n + 1 >= size)
			return 0;
		out[n++] = (char)ea_lower((uint8_t)*c->p++);
	}
	out[n] = '\0';
	return n;
}

static bool
is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
month_days(unsigned y, unsigned m)
{
	static const unsigned char days[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to @y-@m-@d (proleptic Gregorian; H. Hinnant's
 * days_from_civil). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The obsolete zone names of RFC 5322 §4.3, in minutes east of UTC. */
static bool
obs_zone(const char *w, int *minutes)
{
	static const struct {
		const char *name;
		int off;
	} zones[] = {{"ut", 0}, {"gmt", 0}, {"est", -300}, {"edt", -240},
	    {"cst", -360}, {"cdt", -300}, {"mst", -420}, {"mdt", -360},
	    {"pst", -480}, {"pdt", -420}};
	for (size_t i = 0; i < EA_ARRAY_LEN(zones); i++)
		if (strcmp(w, zones[i].name) == 0) {
			*minutes = zones[i].off;
			return true;
		}
	/* RFC 5322 §4.3: the military zones "SHOULD all be considered
	 * equivalent to "-0000"" (j is not one of them). */
	if (w[0] && !w[1] && w[0] != 'j') {
		*minutes = 0;
		return true;
	}
	return false;
}

/*
 * Parses the RFC 5322 date-time @v (@len bytes) into epoch seconds.
 * @return 0, or -1 when it is not one.
 */
static int
parse_date(const char *v, size_t len, int64_t *out)
{
	static const char *const wdays[] = {
	    "mon", "tue", "wed", "thu", "fri", "sat", "sun"};
	static const char *const months[] = {"jan", "feb", "mar", "apr", "may",
	    "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
	struct dcur c = {v, v + len};
	char w[8];
	unsigned day, mon = 0, year, ny, hh, mi, ss = 0;
	int zone = 0;

	if (!skip_cfws(&c))
		return -1;
	if (c.p < c.end && ea_is_alpha((uint8_t)*c.p)) {
		/* day-of-week "," */
		bool ok = false;
		if (date_word(&c, w, sizeof(w)) == 3)
			for (size_t i = 0; i < EA_ARRAY_LEN(wdays); i++)
				ok |= strcmp(w, wdays[i]) == 0;
		if (!ok || !skip_cfws(&c) || c.p >= c.end || *c.p != ',')
			return -1;
		c.p++;
		if (!skip_cfws(&c))
			return -1;
	}
	if (!date_num(&c, 2, &day, NULL) || !skip_cfws(&c))
		return -1;
	if (date_word(&c, w, sizeof(w)) != 3)
		return -1;
	for (unsigned i = 0; i < EA_ARRAY_LEN(months); i++)
		if (strcmp(w, months[i]) == 0)
			mon = i + 1;
	if (mon == 0 || !skip_cfws(&c))
		return -1;
	if (!date_num(&c, 4, &year, &ny) || ny < 2)
		return -1;
	/* RFC 5322 §4.3: a two-digit year below 50 is 20xx, other two- and
	 * three-digit years are 1900 + the value. */
	if (ny == 2)
		year += year < 50 ? 2000 : 1900;
	else if (ny == 3)
		year += 1900;
	/* RFC 5322 §3.3: "The year is any numeric year 1900 or later". */
	if (year < 1900 || day < 1 || day > month_days(year, mon))
		return -1;
	if (!skip_cfws(&c) || !date_num(&c, 2, &hh, NULL) || !skip_cfws(&c) ||
	    c.p >= c.end || *c.p != ':')
		return -1;
	c.p++;
	if (!skip_cfws(&c) || !date_num(&c, 2, &mi, NULL) || !skip_cfws(&c))
		return -1;
	if (c.p < c.end && *c.p == ':') {
		c.p++;
		if (!skip_cfws(&c) || !date_num(&c, 2, &ss, NULL) ||
		    !skip_cfws(&c))
			return -1;
	}
	/* Second 60 is a leap second. */
	if (hh > 23 || mi > 59 || ss > 60)
		return -1;
	if (c.p < c.end && (*c.p == '+' || *c.p == '-')) {
		int sign = *c.p++ == '-' ? -1 : 1;
		unsigned z, nz;
		if (!date_num(&c, 4, &z, &nz) || nz != 4 || z % 100 > 59)
			return -1;
		zone = sign * (int)((z / 100) * 60 + z % 100);
	} else if (date_word(&c, w, sizeof(w)) == 0 || !obs_zone(w, &zone))
		return -1;
	if (!skip_cfws(&c) || c.p != c.end)
		return -1;
	*out = days_from_civil(year, mon, day) * 86400 + (int64_t)hh * 3600 +
	       mi * 60 + ss - (int64_t)zone * 60;
	return 0;
}

/* Identity-Alignment (RFC 7489 §7.3): "none" or dkim and spf separated by
 * commas; made canonical ("dkim,spf" in that order). Anything else is
 * kept as written, lower case, with a warning. */
static size_t
fix_alignment(struct ea_arf *a, char *v, size_t len)
{
	bool dkim = false, spf = false, none = false, other = false;
	size_t i = 0;
	for (size_t k = 0; k < len; k++)
		v[k] = (char)ea_lower((uint8_t)v[k]);
	while (i < len) {
		while (i < len && (is_wsp((uint8_t)v[i]) || v[i] == ','))
			i++;
		size_t s = i;
		while (i < len && !is_wsp((uint8_t)v[i]) && v[i] != ',')
			i++;
		struct emauth_span t = ea_span(v + s, i - s);
		if (t.len == 0)
			break;
		if (ea_span_ieq_str(t, "dkim"))
			dkim = true;
		else if (ea_span_ieq_str(t, "spf"))
			spf = true;
		else if (ea_span_ieq_str(t, "none"))
			none = true;
		else
			other = true;
	}
	if (other || (none && (dkim || spf))) {
		arf_warn(a, "Identity-Alignment is not none or dkim/spf");
		return len;
	}
	const char *canon = dkim && spf ? "dkim,spf"
	                    : dkim      ? "dkim"
	                    : spf       ? "spf"
	                    : none      ? "none"
	                                : "";
	size_t n = strlen(canon);
	memcpy(v, canon, n + 1);
	return n;
}

enum fix {
	FIX_ASIS,  /* as written */
	FIX_TOKEN, /* the first token, lower case */
	FIX_MTA,   /* "dns; name": the name */
	FIX_IP,    /* an IP address, without a comment after it */
	FIX_ALIGN, /* Identity-Alignment */
};

struct field {
	const char *name;
	size_t off, size;
	enum fix fix;
};

#define FIELD(n, m, f)                                                         \
	{                                                                      \
		n, offsetof(struct ea_arf, m),                                 \
		    sizeof(((struct ea_arf *)0)->m), f                         \
	}

/* RFC 5965 §3.1, §3.2; RFC 6591 §3.1; RFC 7489 §7.3. */
static const struct field feedback_fields[] = {
    FIELD("Feedback-Type", feedback_type, FIX_TOKEN),
    FIELD("User-Agent", user_agent, FIX_ASIS),
    FIELD("Version", version, FIX_ASIS),
    FIELD("Source-IP", source_ip, FIX_IP),
    FIELD("Reported-Domain", reported_domain, FIX_ASIS),
    FIELD("Auth-Failure", auth_failure, FIX_TOKEN),
    FIELD("Identity-Alignment", identity_alignment, FIX_ALIGN),
    FIELD("Delivery-Result", delivery_result, FIX_TOKEN),
    FIELD("Reporting-MTA", reporting_mta, FIX_MTA),
    FIELD("Original-Mail-From", original_mail_from, FIX_ASIS),
    FIELD("Original-Rcpt-To", original_rcpt_to, FIX_ASIS),
    FIELD("DKIM-Domain", dkim_domain, FIX_ASIS),
    FIELD("DKIM-Selector", dkim_selector, FIX_ASIS),
    FIELD("DKIM-Identity", dkim_identity, FIX_ASIS),
    FIELD("SPF-DNS", spf_dns, FIX_ASIS),
    FIELD("Authentication-Results", authentication_results, FIX_ASIS),
};

/* The failed message's fields. */
static const struct field original_fields[] = {
    FIELD("From", from, FIX_ASIS),
    FIELD("To", to, FIX_ASIS),
    FIELD("Subject", subject, FIX_ASIS),
    FIELD("Message-ID", message_id, FIX_ASIS),
    FIELD("Date", date, FIX_ASIS),
};

/* Reads the fields @fs of the block @h into @a. */
static void
read_fields(struct ea_arf *a, struct emauth_span h, const struct field *fs,
    size_t nfs, char *tmp)
{
	for (size_t i = 0; i < nfs; i++) {
		const struct field *f = &fs[i];
		char *dst = (char *)a + f->off;
		int got = field_get(a, h, f->name, tmp, f->size - 1);
		if (got < 0)
			continue;
		char *v = tmp;
		size_t len = (size_t)got;
		switch (f->fix) {
		case FIX_ASIS:
			break;
		case FIX_TOKEN:
			len = first_token(v, len);
			for (size_t k = 0; k < len; k++)
				v[k] = (char)ea_lower((uint8_t)v[k]);
			break;
		case FIX_MTA: {
			/* RFC 5965 §3.2, after RFC 3464 §2.2.2:
			 * mta-name-type ";" mta-name. */
			char *semi = memchr(v, ';', len);
			if (semi) {
				len -= (size_t)(semi + 1 - v);
				v = semi + 1;
			}
			while (len > 0 && is_wsp((uint8_t)v[0]))
				v++, len--;
			while (len > 0 && is_wsp((uint8_t)v[len - 1]))
				len--;
			break;
		}
		case FIX_IP: {
			/* RFC 5965 §3.2: "Source-IP:" [CFWS] ( IPv4address /
			 * IPv6address ) [CFWS]; some write [brackets]. */
			len = first_token(v, len);
			if (len >= 2 && v[0] == '[' && v[len - 1] == ']')
				v++, len -= 2;
			struct ea_ip ip;
			if (ea_ip_parse(ea_span(v, len), false, &ip) != 0) {
				arf_warn(a, "%s is not an IP address: not kept",
				    f->name);
				continue;
			}
			break;
		}
		case FIX_ALIGN:
			len = fix_alignment(a, v, len);
			break;
		}
		keep(a, f->name, dst, f->size, v, len);
	}
}

/* Reads the feedback fields of the block @h. */
static void
read_feedback(struct ea_arf *a, struct emauth_span h, char *tmp)
{
	read_fields(a, h, feedback_fields, EA_ARRAY_LEN(feedback_fields), tmp);
	/* RFC 5965 §3.1: Feedback-Type, User-Agent and Version are
	 * required. */
	if (a->feedback_type[0] == '\0')
		arf_warn(a, "no Feedback-Type");
	if (a->user_agent[0] == '\0')
		arf_warn(a, "no User-Agent");
	if (a->version[0] == '\0')
		arf_warn(a, "no Version");
	/* Arrival-Date; the example of RFC 6591 Appendix B.1 names it
	 * Received-Date, as some reporters do. */
	const char *name = "Arrival-Date";
	int got = field_get(a, h, name, tmp, ARF_VALUE_MAX - 1);
	if (got < 0) {
		name = "Received-Date";
		got = field_get(a, h, name, tmp, ARF_VALUE_MAX - 1);
	}
	if (got >= 0 && parse_date(tmp, (size_t)got, &a->arrival) != 0) {
		a->arrival = 0;
		arf_warn(a, "%s is not an RFC 5322 date: not kept", name);
	}
}

/* Whether the block @h is a header block with a Feedback-Type field: the
 * fields of a text/plain part that should have been a
 * message/feedback-report. */
static bool
looks_like_feedback(struct emauth_span h)
{
	/* The first line is a field: a name, then ':'. */
	size_t i = 0;
	while (i < h.len && h.p[i] > ' ' && h.p[i] < 0x7f && h.p[i] != ':')
		i++;
	if (i == 0 || i >= h.len || h.p[i] != ':')
		return false;
	static const char ft[] = "feedback-type:";
	for (size_t at = 0; at < h.len;) {
		if (ea_span_istarts(ea_span(h.p + at, h.len - at), ft))
			return true;
		const uint8_t *nl = memchr(h.p + at, '\n', h.len - at);
		if (nl == NULL)
			break;
		at = (size_t)(nl - h.p) + 1;
	}
	return false;
}

struct arf_walk {
	struct ea_arf *a;
	char *tmp;
	bool found;     /* a message/feedback-report part was read */
	uint8_t *plain; /* the fields of a text/plain part, copied */
	size_t plain_len;
	bool plain_seen; /* a text/plain part with fields was seen */
};

static int
each_part(void *arg, const struct ea_mime_part *p)
{
	struct arf_walk *w = arg;
	struct ea_arf *a = w->a;
	if (!w->found && strcmp(p->type, "message/feedback-report") == 0) {
		read_feedback(a, header_block(p->body, true), w->tmp);
		w->found = true;
	} else if (!a->has_original &&
	           (p->is_message ||
	               strcmp(p->type, "text/rfc822-headers") == 0)) {
		read_fields(a, header_block(p->body, true), original_fields,
		    EA_ARRAY_LEN(original_fields), w->tmp);
		a->has_original = 1;
	} else if (!w->found && !w->plain_seen && p->depth > 0 &&
	           strcmp(p->type, "text/plain") == 0) {
		/* A part of a multipart only: a message that is all text is
		 * not a report however its text starts. */
		struct emauth_span h = header_block(p->body, true);
		if (looks_like_feedback(h)) {
			w->plain_seen = true;
			if (h.len > ARF_LENIENT_MAX) {
				arf_warn(a,
				    "feedback fields in text/plain longer "
				    "than %d bytes: not read",
				    ARF_LENIENT_MAX);
				return 0;
			}
			w->plain = ea_malloc(h.len ? h.len : 1);
			if (w->plain == NULL)
				return EMAUTH_ENOMEM;
			memcpy(w->plain, h.p, h.len);
			w->plain_len = h.len;
		}
	}
	return w->found && a->has_original ? ARF_STOP : 0;
}

/* The media type of the Content-Type value @v, lower case, into @out; and
 * its report-type parameter into @rt ("" when none). */
static void
content_type(
    const char *v, size_t len, char *out, size_t size, char *rt, size_t rtsize)
{
	size_t n = first_token(v, len);
	if (n >= size)
		n = size - 1;
	ea_lower_copy(out, (const uint8_t *)v, n);
	out[n] = '\0';
	rt[0] = '\0';
	/* The parameters: ";" name "=" (token / quoted-string). */
	size_t i = 0;
	while (i < len) {
		if (v[i] == '"') {
			for (i++; i < len && v[i] != '"'; i++)
				if (v[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (v[i++] != ';')
			continue;
		while (i < len && is_wsp((uint8_t)v[i]))
			i++;
		static const char name[] = "report-type";
		size_t nl = sizeof(name) - 1;
		if (!ea_span_istarts(ea_span(v + i, len - i), name))
			continue;
		i += nl;
		while (i < len && is_wsp((uint8_t)v[i]))
			i++;
		if (i >= len || v[i] != '=')
			continue;
		i++;
		while (i < len && is_wsp((uint8_t)v[i]))
			i++;
		size_t k = 0;
		bool q = i < len && v[i] == '"';
		i += q;
		while (i < len && (q ? v[i] != '"'
		                     : !is_wsp((uint8_t)v[i]) && v[i] != ';')) {
			if (q && v[i] == '\\' && i + 1 < len)
				i++;
			if (k + 1 < rtsize)
				rt[k++] = (char)ea_lower((uint8_t)v[i]);
			i++;
		}
		rt[k] = '\0';
		break;
	}
}

/* Warns about the top-level Content-Type when it is not
 * multipart/report; report-type=feedback-report. */
static void
check_top(struct ea_arf *a, struct emauth_span msg, char *tmp)
{
	char type[64], rt[64];
	int n = ea_mime_header(
	    header_block(msg, false), "Content-Type", tmp, ARF_VALUE_MAX);
	if (n < 0) {
		arf_warn(a, "no Content-Type: not multipart/report");
		return;
	}
	content_type(tmp, (size_t)n, type, sizeof(type), rt, sizeof(rt));
	if (strcmp(type, "multipart/report") != 0) {
		ea_escape(ea_span_str(type), 48, tmp, 64);
		arf_warn(a, "the report is %s, not multipart/report", tmp);
	} else if (rt[0] == '\0')
		arf_warn(a, "multipart/report without report-type");
	else if (strcmp(rt, "feedback-report") != 0) {
		ea_escape(ea_span_str(rt), 48, tmp, 64);
		arf_warn(a, "report-type=%s, not feedback-report", tmp);
	}
}

int
ea_arf_parse(
    struct emauth_span msg, struct ea_arf *out, char *err, size_t errsize)
{
	char errbuf[8];
	int rc;
	memset(out, 0, sizeof(*out));
	if (err == NULL || errsize == 0) {
		err = errbuf;
		errsize = sizeof(errbuf);
	}
	err[0] = '\0';
	char *tmp = ea_malloc(ARF_VALUE_MAX);
	if (tmp == NULL)
		return EMAUTH_ENOMEM;
	struct arf_walk w = {out, tmp, false, NULL, 0, false};

	/* A report saved from an mbox file starts with its "From " line
	 * (RFC 4155), which is no header field: skipped. */
	if (msg.len >= 5 && memcmp(msg.p, "From ", 5) == 0) {
		const uint8_t *nl = memchr(msg.p, '\n', msg.len);
		size_t skip = nl ? (size_t)(nl - msg.p) + 1 : msg.len;
		msg = ea_span(msg.p + skip, msg.len - skip);
	}
	rc = ea_mime_walk(msg, NULL, each_part, &w, err, errsize);
	if (rc == ARF_STOP)
		rc = 0;
	if (rc != 0)
		goto out_free;
	if (!w.found && w.plain != NULL) {
		/* RFC 5965 §2 (c): the second part "MUST be of type
		 * message/feedback-report"; read the fields anyway. */
		arf_warn(out, "feedback fields in a text/plain part, not "
		              "message/feedback-report");
		read_feedback(out, ea_span(w.plain, w.plain_len), tmp);
		w.found = true;
	}
	if (!w.found) {
		ea_fmt(err, errsize,
		    "no message/feedback-report part: not an ARF report");
		rc = EMAUTH_ENOTFOUND;
		goto out_free;
	}
	check_top(out, msg, tmp);
out_free:
	ea_free(w.plain);
	ea_free(tmp);
	return rc;
}
