/*
 * xml_in.c: DMARC aggregate reports in, with libxml2's streaming reader
 * (xmlTextReader): one pass, the elements read by their path under
 * <feedback>, whatever their namespace, so that the drafts, RFC 7489 and
 * RFC 9990 read alike. What is odd (an unknown element, an upper-case
 * value, an empty required element, a span over 24 hours, bytes that are
 * not UTF-8) is a warning; what makes a report unusable (not XML, another
 * root, no report id, reporter, date range or policy domain) refuses it
 * with the reason. No DTD is loaded, no entity is substituted, nothing is
 * fetched.
 */
#include "common/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xmlreader.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/span.h"
#include "report/report.h"
#include "report/xml_in.h"

#define DEPTH_MAX 32
#define VALUE_MAX 8192
#define UNKNOWN_MAX 8 /* distinct unknown elements warned about */

struct rd {
	const struct ea_agg_handler *h;
	void *arg;
	struct ea_agg_meta meta;
	struct ea_agg_record rec;
	bool meta_sent, in_record, upper_warned, overflow_warned;
	unsigned long records;
	/* The open elements and their text. */
	char path[DEPTH_MAX][48];
	unsigned depth;
	struct ea_buf text;
	bool text_over;
	/* Auth results and reasons being read. */
	char dk_domain[256], dk_selector[256], dk_result[32];
	char sp_domain[256], sp_scope[16], sp_result[32];
	char rs_type[64], rs_comment[256];
	char unknown[UNKNOWN_MAX][48];
	unsigned nunknown;
	char *err;
	size_t errsize;
	char first_error[190];
	unsigned generic_warnings;
};

static void warn(struct rd *r, const char *fmt, ...) EA_PRINTF(2, 3);

static void
warn(struct rd *r, const char *fmt, ...)
{
	if (r->h->warn == NULL)
		return;
	char m[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	r->h->warn(r->arg, m);
}

/* Whether the open elements, under the root, are @want ("a/b/c"). */
static bool
at(const struct rd *r, const char *want)
{
	unsigned i = 1;
	const char *p = want;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (i >= r->depth || strlen(r->path[i]) != n ||
		    memcmp(r->path[i], p, n) != 0)
			return false;
		i++;
		p += n + (slash ? 1 : 0);
	}
	return i == r->depth;
}

/* Copies @v into @out when it fits; else a warning and "" (never cut). */
static void
keep(struct rd *r, const char *what, const char *v, char *out, size_t size)
{
	size_t n = strlen(v);
	if (n >= size) {
		warn(r, "%s longer than %zu bytes: not kept", what, size - 1);
		out[0] = '\0';
		return;
	}
	memcpy(out, v, n + 1);
}

/* An enumerated value: lower case, with one warning for upper case. */
static void
keep_word(struct rd *r, const char *what, const char *v, char *out, size_t size)
{
	char low[64];
	size_t n = strlen(v);
	if (n >= sizeof(low) || n >= size) {
		warn(r, "%s: value longer than %zu bytes: not kept", what,
		    (size < sizeof(low) ? size : sizeof(low)) - 1);
		out[0] = '\0';
		return;
	}
	bool upper = false;
	for (size_t i = 0; i <= n; i++) {
		low[i] = (char)ea_lower((uint8_t)v[i]);
		upper |= low[i] != v[i];
	}
	if (upper && !r->upper_warned) {
		warn(r, "upper-case values read in lower case (%s \"%.40s\")",
		    what, v);
		r->upper_warned = true;
	}
	memcpy(out, low, n + 1);
}

/* Digits, at most 19: false otherwise. */
static bool
number(const char *v, uint64_t *out)
{
	uint64_t x = 0;
	size_t n = strlen(v);
	if (n == 0 || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!ea_is_digit((uint8_t)v[i]))
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return true;
}

static void
add_line(struct rd *r, char *list, size_t size, const char *a, const char *b,
    const char *c)
{
	size_t used = strlen(list);
	int n = snprintf(list + used, size - used, "%s\t%s\t%s\n", a, b, c);
	if (n < 0 || (size_t)n >= size - used) {
		list[used] = '\0';
		if (!r->overflow_warned)
			warn(r,
			    "record %lu: more authentication results than "
			    "kept (%zu bytes): the rest not kept",
			    r->records + 1, size - 1);
		r->overflow_warned = true;
	}
}

static int
send_meta(struct rd *r)
{
	if (r->meta_sent)
		return 0;
	r->meta_sent = true;
	struct ea_agg_meta *m = &r->meta;
	if (m->org[0] == '\0' && m->email[0]) {
		const char *at_ = strrchr(m->email, '@');
		ea_copy_str(m->org, sizeof(m->org), at_ ? at_ + 1 : m->email);
		warn(r,
		    "no <org_name>: the reporter is taken from <email> (%s)",
		    m->org);
	}
	/* The metadata a report must have, before any record is given. */
	const char *missing = m->report_id[0] == '\0' ? "report_id"
	                      : m->org[0] == '\0'     ? "org_name"
	                      : m->domain[0] == '\0' ? "policy_published domain"
	                      : m->begin == 0 && m->end == 0 ? "date_range"
	                                                     : NULL;
	if (missing) {
		ea_fmt(r->err, r->errsize, "the report has no %s%s", missing,
		    r->records ? "" : " (before its first record)");
		return EMAUTH_ESYNTAX;
	}
	if (m->end && m->begin && m->end > m->begin &&
	    m->end - m->begin > 86400 + 60)
		warn(r,
		    "the date range spans %lld hours (RFC 9990 asks for "
		    "at most 24)",
		    (long long)((m->end - m->begin + 3599) / 3600));
	if (m->end && m->begin > m->end)
		warn(r, "the date range ends before it begins");
	return r->h->meta ? r->h->meta(r->arg, m) : 0;
}

/* An element ends: @v is its text (trimmed). */
static int
end_element(struct rd *r, const char *v)
{
	struct ea_agg_meta *m = &r->meta;
	struct ea_agg_record *c = &r->rec;
	uint64_t n;
	if (at(r, "version"))
		return 0;
	if (at(r, "report_metadata/org_name"))
		keep(r, "org_name", v, m->org, sizeof(m->org));
	else if (at(r, "report_metadata/email"))
		keep(r, "email", v, m->email, sizeof(m->email));
	else if (at(r, "report_metadata/extra_contact_info"))
		keep(r, "extra_contact_info", v, m->extra, sizeof(m->extra));
	else if (at(r, "report_metadata/report_id"))
		keep(r, "report_id", v, m->report_id, sizeof(m->report_id));
	else if (at(r, "report_metadata/generator"))
		keep(r, "generator", v, m->generator, sizeof(m->generator));
	else if (at(r, "report_metadata/error")) {
		if (m->error[0] == '\0')
			keep(r, "error", v, m->error, sizeof(m->error));
	} else if (at(r, "report_metadata/date_range/begin") ||
	           at(r, "report_metadata/date_range/end")) {
		bool begin = strcmp(r->path[r->depth - 1], "begin") == 0;
		if (!number(v, &n) || n > (uint64_t)INT64_MAX / 2)
			warn(r, "date_range %s is not a number: \"%.40s\"",
			    begin ? "begin" : "end", v);
		else if (begin)
			m->begin = (int64_t)n;
		else
			m->end = (int64_t)n;
	} else if (at(r, "policy_published/domain"))
		keep(r, "policy_published domain", v, m->domain,
		    sizeof(m->domain));
	else if (at(r, "policy_published/p"))
		keep_word(r, "p", v, m->p, sizeof(m->p));
	else if (at(r, "policy_published/sp"))
		keep_word(r, "sp", v, m->sp, sizeof(m->sp));
	else if (at(r, "policy_published/np"))
		keep_word(r, "np", v, m->np, sizeof(m->np));
	else if (at(r, "policy_published/pct"))
		keep(r, "pct", v, m->pct, sizeof(m->pct));
	else if (at(r, "policy_published/adkim"))
		keep_word(r, "adkim", v, m->adkim, sizeof(m->adkim));
	else if (at(r, "policy_published/aspf"))
		keep_word(r, "aspf", v, m->aspf, sizeof(m->aspf));
	else if (at(r, "policy_published/fo"))
		keep(r, "fo", v, m->fo, sizeof(m->fo));
	else if (at(r, "policy_published/testing"))
		keep_word(r, "testing", v, m->testing, sizeof(m->testing));
	else if (at(r, "policy_published/discovery_method"))
		keep_word(r, "discovery_method", v, m->discovery,
		    sizeof(m->discovery));
	else if (at(r, "record/row/source_ip"))
		keep(r, "source_ip", v, c->source_ip, sizeof(c->source_ip));
	else if (at(r, "record/row/count")) {
		if (number(v, &n))
			c->count = n;
		else
			warn(r, "record %lu: count is not a number: \"%.40s\"",
			    r->records + 1, v);
	} else if (at(r, "record/row/policy_evaluated/disposition"))
		keep_word(r, "disposition", v, c->disposition,
		    sizeof(c->disposition));
	else if (at(r, "record/row/policy_evaluated/dkim"))
		keep_word(
		    r, "policy_evaluated dkim", v, c->dkim, sizeof(c->dkim));
	else if (at(r, "record/row/policy_evaluated/spf"))
		keep_word(r, "policy_evaluated spf", v, c->spf, sizeof(c->spf));
	else if (at(r, "record/row/policy_evaluated/reason/type"))
		keep_word(r, "reason type", v, r->rs_type, sizeof(r->rs_type));
	else if (at(r, "record/row/policy_evaluated/reason/comment"))
		keep(r, "reason comment", v, r->rs_comment,
		    sizeof(r->rs_comment));
	else if (at(r, "record/row/policy_evaluated/reason")) {
		if (r->rs_type[0]) {
			size_t used = strlen(c->reasons);
			int k = snprintf(c->reasons + used,
			    sizeof(c->reasons) - used, "%s%s%s\n", r->rs_type,
			    r->rs_comment[0] ? ": " : "", r->rs_comment);
			if (k < 0 || (size_t)k >= sizeof(c->reasons) - used) {
				c->reasons[used] = '\0';
				warn(r,
				    "record %lu: more override reasons than "
				    "kept",
				    r->records + 1);
			}
		} else {
			warn(
			    r, "record %lu: an empty <reason>", r->records + 1);
		}
		r->rs_type[0] = r->rs_comment[0] = '\0';
	} else if (at(r, "record/identifiers/header_from") ||
	           at(r, "record/identities/header_from"))
		keep_word(r, "header_from", v, c->header_from,
		    sizeof(c->header_from));
	else if (at(r, "record/identifiers/envelope_from") ||
	         at(r, "record/identities/envelope_from"))
		keep_word(r, "envelope_from", v, c->envelope_from,
		    sizeof(c->envelope_from));
	else if (at(r, "record/identifiers/envelope_to") ||
	         at(r, "record/identities/envelope_to"))
		keep_word(r, "envelope_to", v, c->envelope_to,
		    sizeof(c->envelope_to));
	else if (at(r, "record/auth_results/dkim/domain"))
		keep_word(
		    r, "dkim domain", v, r->dk_domain, sizeof(r->dk_domain));
	else if (at(r, "record/auth_results/dkim/selector"))
		keep(r, "dkim selector", v, r->dk_selector,
		    sizeof(r->dk_selector));
	else if (at(r, "record/auth_results/dkim/result"))
		keep_word(
		    r, "dkim result", v, r->dk_result, sizeof(r->dk_result));
	else if (at(r, "record/auth_results/dkim")) {
		add_line(r, c->dkim_results, sizeof(c->dkim_results),
		    r->dk_domain, r->dk_selector, r->dk_result);
		r->dk_domain[0] = r->dk_selector[0] = r->dk_result[0] = '\0';
	} else if (at(r, "record/auth_results/spf/domain"))
		keep_word(
		    r, "spf domain", v, r->sp_domain, sizeof(r->sp_domain));
	else if (at(r, "record/auth_results/spf/scope"))
		keep_word(r, "spf scope", v, r->sp_scope, sizeof(r->sp_scope));
	else if (at(r, "record/auth_results/spf/result"))
		keep_word(
		    r, "spf result", v, r->sp_result, sizeof(r->sp_result));
	else if (at(r, "record/auth_results/spf")) {
		add_line(r, c->spf_results, sizeof(c->spf_results),
		    r->sp_domain, r->sp_scope, r->sp_result);
		r->sp_domain[0] = r->sp_scope[0] = r->sp_result[0] = '\0';
	} else if (at(r, "record")) {
		r->in_record = false;
		if (c->source_ip[0] == '\0')
			warn(r, "record %lu: no source_ip", r->records + 1);
		if (++r->records > EA_AGG_RECORDS_MAX)
			return EMAUTH_ELIMIT;
		return r->h->record ? r->h->record(r->arg, c) : 0;
	}
	return 0;
}

/* Elements that hold others, or whose text is read by end_element(). */
static bool
known(const struct rd *r, const char *name)
{
	static const char *const names[] = {"version", "report_metadata",
	    "org_name", "email", "extra_contact_info", "report_id",
	    "date_range", "begin", "end", "error", "generator",
	    "policy_published", "domain", "adkim", "aspf", "p", "sp", "np",
	    "pct", "fo", "testing", "discovery_method", "record", "row",
	    "source_ip", "count", "policy_evaluated", "disposition", "dkim",
	    "spf", "reason", "type", "comment", "identifiers", "identities",
	    "header_from", "envelope_from", "envelope_to", "auth_results",
	    "selector", "result", "human_result", "scope", "extension"};
	(void)r;
	for (size_t i = 0; i < EA_ARRAY_LEN(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

static void
errors(void *arg, const char *msg, xmlParserSeverities sev,
    xmlTextReaderLocatorPtr loc)
{
	struct rd *r = arg;
	(void)sev;
	char m[160];
	size_t n = strcspn(msg, "\n");
	snprintf(m, sizeof(m), "%.*s", (int)(n < 150 ? n : 150), msg);
	int line = loc ? xmlTextReaderLocatorLineNumber(loc) : 0;
	if (r->first_error[0] == '\0')
		snprintf(r->first_error, sizeof(r->first_error),
		    "line %d: %.160s", line, m);
	warn(r, "XML, line %d: %s", line, m);
}

/* libxml2's messages that do not go through the reader's handler (an
 * encoding conversion that fails, say): into the warnings, never to
 * standard error. */
static void generic(void *arg, const char *fmt, ...) EA_PRINTF(2, 3);

static void
generic(void *arg, const char *fmt, ...)
{
	struct rd *r = arg;
	char m[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	m[strcspn(m, "\n")] = '\0';
	if (m[0] == '\0' || r->generic_warnings >= 4)
		return;
	r->generic_warnings++;
	if (r->first_error[0] == '\0')
		snprintf(r->first_error, sizeof(r->first_error), "%s", m);
	warn(r, "XML: %s", m);
}

/*
 * The bytes the reader reads: from the source, the first ones peeked (for
 * the XML declaration), every byte that is not part of well-formed UTF-8
 * replaced by '?' on the way unless the declaration names another
 * encoding. A sequence cut at the end of one read is kept for the next.
 */
struct io {
	ea_read_fn read;
	void *ctx;
	uint8_t head[256];
	size_t nhead, pos;
	uint8_t carry[4];
	size_t ncarry;
	bool eof, fix;
	size_t bad;
	int rc; /* the source's failure */
	char err[200];
	uint8_t stage[16384];
	size_t slen, spos;
	bool pad_done;
};

/* More than libxml2's reader parses in one step (512 bytes). */
#define TAIL_PAD 2048

static int
io_fill(struct io *o, uint8_t *buf, size_t len, size_t *got)
{
	*got = 0;
	if (o->eof || len == 0)
		return 0;
	int rc = o->read(o->ctx, buf, len, got, o->err, sizeof(o->err));
	if (rc != 0) {
		o->rc = rc;
		o->eof = true;
		*got = 0;
		return rc;
	}
	if (*got == 0)
		o->eof = true;
	return 0;
}

/* The length of the well-formed UTF-8 sequence at @p (of @n bytes) that
 * is a character XML 1.0 allows (RFC 3629: no overlong form, no
 * surrogate; XML: no C0 control but TAB, LF and CR, not U+FFFE or
 * U+FFFF): 0 when it is not one, SIZE_MAX when it may be one cut
 * short. */
static size_t
utf8_seq(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	if (c < 0x80)
		return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
	size_t len = c >= 0xc2 && c <= 0xdf   ? 2
	             : c >= 0xe0 && c <= 0xef ? 3
	             : c >= 0xf0 && c <= 0xf4 ? 4
	                                      : 0;
	/* The second byte's range (RFC 3629 §4). */
	uint8_t lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
	uint8_t hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
	for (size_t k = 1; len > 0 && k < len; k++) {
		if (k >= n)
			return SIZE_MAX;
		if (k == 1 ? p[k] < lo || p[k] > hi : (p[k] & 0xc0) != 0x80)
			return 0;
	}
	if (len == 3 && c == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
		return 0; /* U+FFFE, U+FFFF */
	return len;
}

/* One read of the source (the peeked bytes first), fixed; a sequence cut
 * short at its end is kept for the next. 0 only at the end. */
static size_t
io_chunk(struct io *o, uint8_t *b, size_t len)
{
	memcpy(b, o->carry, o->ncarry);
	size_t n = o->ncarry;
	o->ncarry = 0;
	if (o->pos < o->nhead) {
		size_t k = o->nhead - o->pos;
		if (k > len - n)
			k = len - n;
		memcpy(b + n, o->head + o->pos, k);
		o->pos += k;
		n += k;
	} else if (n < len) {
		size_t got = 0;
		if (io_fill(o, b + n, len - n, &got) != 0)
			return 0;
		n += got;
	}
	bool end = o->eof && o->pos >= o->nhead;
	for (size_t i = 0; o->fix && i < n;) {
		size_t k = utf8_seq(b + i, n - i);
		if (k == SIZE_MAX && !end) {
			o->ncarry = n - i;
			memcpy(o->carry, b + i, o->ncarry);
			n = i;
			break;
		}
		if (k == 0 || k == SIZE_MAX) {
			b[i++] = '?';
			o->bad++;
			continue;
		}
		i += k;
	}
	return n;
}

/* libxml2's input callback (it asks for a few bytes first, then more):
 * from a staging buffer that io_chunk() fills. -1 on the source's
 * failure. */
static int
io_read(void *ctx, char *out, int outlen)
{
	struct io *o = ctx;
	if (outlen <= 0)
		return 0;
	while (o->spos == o->slen) {
		o->spos = o->slen = 0;
		size_t n = io_chunk(o, o->stage, sizeof(o->stage));
		if (o->rc != 0)
			return -1;
		if (n == 0 && o->eof && o->pos >= o->nhead && o->ncarry == 0) {
			/* At the end, white space (allowed after the root)
			 * before the end itself: libxml2's reader parses
			 * what it holds at the end in one last step, and a
			 * document that is never closed (a report missing
			 * its wrapper's end tag, say) loses the nodes of
			 * that step to the error; so the report's own bytes
			 * are all parsed before it, as they are when the
			 * report is read from memory. */
			if (o->pad_done)
				return 0;
			o->pad_done = true;
			memset(o->stage, '\n', TAIL_PAD);
			n = TAIL_PAD;
		}
		o->slen = n;
	}
	size_t k = o->slen - o->spos;
	if (k > (size_t)outlen)
		k = (size_t)outlen;
	memcpy(out, o->stage + o->spos, k);
	o->spos += k;
	return (int)k;
}

/* Whether the XML declaration names an encoding other than UTF-8 (then
 * libxml2 reads the bytes as declared). */
static bool
other_encoding(struct emauth_span xml)
{
	size_t n = xml.len < 256 ? xml.len : 256, i = 0;
	if (n < 5 || memcmp(xml.p, "<?xml", 5) != 0)
		return false;
	for (; i + 8 < n && !(xml.p[i] == '?' && xml.p[i + 1] == '>'); i++) {
		if (memcmp(xml.p + i, "encoding", 8) != 0)
			continue;
		size_t k = i + 8;
		while (k < n && (xml.p[k] == ' ' || xml.p[k] == '=' ||
		                    xml.p[k] == '"' || xml.p[k] == '\''))
			k++;
		return !(k + 5 <= n &&
		         ea_span_ieq_str(ea_span(xml.p + k, 5), "utf-8"));
	}
	return false;
}

int
ea_agg_read_io(ea_read_fn read, void *ctx, const struct ea_agg_handler *h,
    void *arg, char *err, size_t errsize)
{
	struct rd *r = ea_calloc(1, sizeof(*r));
	struct io *o = ea_calloc(1, sizeof(*o));
	if (r == NULL || o == NULL) {
		ea_free(r);
		ea_free(o);
		return EMAUTH_ENOMEM;
	}
	r->h = h;
	r->arg = arg;
	r->err = err;
	r->errsize = errsize;
	ea_buf_init(&r->text, VALUE_MAX);
	ea_report_xml_init();
	o->read = read;
	o->ctx = ctx;
	/* The first bytes, for the XML declaration. */
	while (o->nhead < sizeof(o->head) && !o->eof) {
		size_t got = 0;
		if (io_fill(o, o->head + o->nhead, sizeof(o->head) - o->nhead,
		        &got) != 0)
			break;
		o->nhead += got;
	}
	o->fix = !other_encoding(ea_span(o->head, o->nhead));
	int rc = 0;
	xmlTextReaderPtr rd = NULL;
	/* This thread's generic error handler, for this reading only. */
	xmlGenericErrorFunc old_func = xmlGenericError;
	void *old_ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(r, generic);
	if (o->rc != 0) {
		ea_fmt(err, errsize, "%s",
		    o->err[0] ? o->err : emauth_strerror(o->rc));
		rc = o->rc;
		goto out;
	}
	rd = xmlReaderForIO(io_read, NULL, o, "report.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOXINCNODE | XML_PARSE_RECOVER |
	        XML_PARSE_NOWARNING);
	if (rd == NULL) {
		rc = o->rc ? o->rc : EMAUTH_ENOMEM;
		goto out;
	}
	xmlTextReaderSetErrorHandler(rd, errors, r);
	bool root_seen = false, done_feedback = false;
	char outer[48] = "";
	int ret;
	while ((ret = xmlTextReaderRead(rd)) == 1) {
		int type = xmlTextReaderNodeType(rd);
		const char *name =
		    (const char *)xmlTextReaderConstLocalName(rd);
		if (type == XML_READER_TYPE_ELEMENT && r->depth == 0) {
			/* Outside <feedback>: the root, or a wrapper some
			 * reporters put around it. */
			bool empty = xmlTextReaderIsEmptyElement(rd);
			if (name == NULL || strcmp(name, "feedback") != 0) {
				if (!root_seen && name)
					ea_copy_str(outer, sizeof(outer), name);
				root_seen = true;
				continue;
			}
			if (done_feedback) {
				warn(r, "a second <feedback> element, ignored");
				continue;
			}
			if (root_seen && outer[0])
				warn(r, "the report is wrapped in <%.40s>",
				    outer);
			root_seen = true;
			const char *ns =
			    (const char *)xmlTextReaderConstNamespaceUri(rd);
			ea_copy_str(r->meta.schema, sizeof(r->meta.schema),
			    ns && strcmp(ns, "urn:ietf:params:xml:ns:"
			                     "dmarc-2.0") == 0
			        ? "rfc9990"
			        : "rfc7489");
			ea_copy_str(r->path[0], sizeof(r->path[0]), "feedback");
			r->depth = empty ? 0 : 1;
			done_feedback = true;
			continue;
		}
		if (r->depth == 0)
			continue; /* outside <feedback> */
		if (type == XML_READER_TYPE_ELEMENT) {
			if (r->depth == DEPTH_MAX) {
				ea_fmt(err, errsize,
				    "elements nested over %d deep", DEPTH_MAX);
				rc = EMAUTH_ESYNTAX;
				goto out;
			}
			ea_copy_str(r->path[r->depth], sizeof(r->path[0]),
			    name ? name : "");
			r->depth++;
			ea_buf_reset(&r->text);
			r->text_over = false;
			if (r->depth == 2 && strcmp(name, "record") == 0) {
				if ((rc = send_meta(r)) != 0)
					goto out;
				memset(&r->rec, 0, sizeof(r->rec));
				r->in_record = true;
			}
			if (name && !known(r, name) && r->depth > 1) {
				bool seen = false;
				for (unsigned i = 0; i < r->nunknown; i++)
					seen |=
					    strcmp(r->unknown[i], name) == 0;
				if (!seen && r->nunknown < UNKNOWN_MAX) {
					ea_copy_str(r->unknown[r->nunknown++],
					    sizeof(r->unknown[0]), name);
					warn(r,
					    "unknown element <%.40s>, ignored",
					    name);
				}
			}
			if (xmlTextReaderIsEmptyElement(rd)) {
				if ((rc = end_element(r, "")) != 0)
					goto out;
				r->depth--;
			}
		} else if (type == XML_READER_TYPE_TEXT ||
		           type == XML_READER_TYPE_CDATA ||
		           type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
			const char *v =
			    (const char *)xmlTextReaderConstValue(rd);
			if (v && ea_buf_adds(&r->text, v) != 0 &&
			    !r->text_over) {
				warn(r, "<%s>: a value over %d bytes: not kept",
				    r->depth ? r->path[r->depth - 1] : "?",
				    VALUE_MAX);
				r->text_over = true;
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (r->depth == 0)
				continue;
			/* Trim the value. */
			const char *t =
			    r->text_over ? "" : ea_buf_str(&r->text);
			char *v = ea_strndup(t, strlen(t));
			if (v == NULL) {
				rc = EMAUTH_ENOMEM;
				goto out;
			}
			char *s = v;
			while (
			    *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
				s++;
			size_t n = strlen(s);
			while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
			                s[n - 1] == '\r' || s[n - 1] == '\n'))
				s[--n] = '\0';
			rc = end_element(r, s);
			ea_free(v);
			if (rc != 0)
				goto out;
			r->depth--;
			ea_buf_reset(&r->text);
			r->text_over = false;
		}
	}
	/* The rest of the source, unread when the document ended before
	 * it: read through to its end, so that its failure (a gzip trailer
	 * that does not check, a cap) refuses the report as it would
	 * have refused it read whole. */
	while (o->rc == 0 && !o->eof) {
		size_t got = 0;
		(void)io_fill(o, o->stage, sizeof(o->stage), &got);
	}
	if (o->rc != 0) {
		/* Never a verdict on a report read part of the way. */
		ea_fmt(err, errsize, "%s",
		    o->err[0] ? o->err : emauth_strerror(o->rc));
		rc = o->rc;
		goto out;
	}
	if (o->bad)
		warn(r,
		    "%zu bytes that are not UTF-8 (or not allowed in XML) "
		    "read as '?'",
		    o->bad);
	if (!root_seen || (ret < 0 && !done_feedback)) {
		if (r->first_error[0])
			ea_fmt(err, errsize, "not well-formed XML: %s",
			    r->first_error);
		else
			ea_fmt(err, errsize, "not XML (or empty)");
		rc = EMAUTH_ESYNTAX;
		goto out;
	}
	if (!done_feedback) {
		ea_fmt(err, errsize,
		    "not a DMARC aggregate report: no <feedback> element "
		    "(the root is <%.40s>)",
		    outer);
		rc = EMAUTH_ESYNTAX;
		goto out;
	}
	if (ret < 0 && r->records == 0 && !r->meta_sent) {
		ea_fmt(err, errsize, "not well-formed XML: %s",
		    r->first_error[0] ? r->first_error : "broken off");
		rc = EMAUTH_ESYNTAX;
		goto out;
	}
	if (ret < 0)
		warn(r,
		    "the XML breaks off after %lu records: what came "
		    "before it is read",
		    r->records);
	rc = send_meta(r);
out:
	if (rd)
		xmlFreeTextReader(rd);
	xmlSetGenericErrorFunc(old_ctx, old_func);
	ea_buf_release(&r->text);
	ea_free(r);
	ea_free(o);
	return rc;
}

struct mem {
	struct emauth_span d;
	size_t off;
};

static int
mem_read(
    void *ctx, uint8_t *buf, size_t len, size_t *got, char *err, size_t errsize)
{
	(void)err;
	(void)errsize;
	struct mem *m = ctx;
	size_t k = m->d.len - m->off;
	if (k > len)
		k = len;
	memcpy(buf, m->d.p + m->off, k);
	m->off += k;
	*got = k;
	return 0;
}

int
ea_agg_read(struct emauth_span xml, const struct ea_agg_handler *h, void *arg,
    char *err, size_t errsize)
{
	struct mem m = {xml, 0};
	return ea_agg_read_io(mem_read, &m, h, arg, err, errsize);
}
