/*
 * tls.c: the reader of SMTP TLS reports (RFC 8460 §4: JSON, already
 * decompressed) with json-c. The tokener is bounded: input over 64 MiB is
 * refused before it is read, and nesting deeper than 32 is refused by the
 * tokener itself. The members the report must have (organization-name,
 * date-range, report-id, policies) are checked with the reason of a
 * refusal in @err; the others are read leniently, each oddity a warning
 * (a missing summary, a count that is not a non-negative integer, a
 * string too long for its field: never cut, left empty). Dates are RFC
 * 3339 date-times, read by a small bounded parser below.
 */
#include "common/internal.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "common/alloc.h"
#include "common/span.h"
#include "report/inbound.h"

/* Ours: the largest report read, and the JSON nesting allowed (a report
 * nests 4 deep: report, policies, a policy, its failure details). */
#define TLS_JSON_MAX (64u * 1024 * 1024)
#define TLS_JSON_DEPTH 32

#define TLS_WARNINGS_MAX EA_ARRAY_LEN(((struct ea_tls_report *)0)->warnings)

struct tls_ctx {
	struct ea_tls_report *r;
	char *err;
	size_t errsize;
};

static void tls_warn(struct tls_ctx *c, const char *fmt, ...) EA_PRINTF(2, 3);

/* Adds a warning; once they are all used, the last says that more were
 * dropped. */
static void
tls_warn(struct tls_ctx *c, const char *fmt, ...)
{
	struct ea_tls_report *r = c->r;
	va_list ap;
	if (r->nwarnings >= TLS_WARNINGS_MAX) {
		ea_copy_str(r->warnings[TLS_WARNINGS_MAX - 1],
		    sizeof(r->warnings[0]), "more warnings: not kept");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(r->warnings[r->nwarnings], sizeof(r->warnings[0]), fmt, ap);
	va_end(ap);
	r->nwarnings++;
}

/*
 * Reads the string member @key of @obj into @dst (@size bytes with the
 * NUL); @where names the object for messages ("policies[2].policy").
 * Control bytes (NUL included) are replaced with '?' so that the C string
 * is the whole value.
 * A @required member that is missing, not a string, or too long makes the
 * report refused: EMAUTH_ESYNTAX, or EMAUTH_ELIMIT when too long. An
 * optional one is then a warning and stays "".
 */
static int
get_str(struct tls_ctx *c, json_object *obj, const char *where, const char *key,
    char *dst, size_t size, bool required)
{
	json_object *v;
	const char *dot = where[0] ? "." : "";
	dst[0] = '\0';
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL) {
		if (required) {
			ea_fmt(c->err, c->errsize, "%s%s%s: missing", where,
			    dot, key);
			return EMAUTH_ESYNTAX;
		}
		return 0;
	}
	if (!json_object_is_type(v, json_type_string)) {
		if (required) {
			ea_fmt(c->err, c->errsize, "%s%s%s: not a string",
			    where, dot, key);
			return EMAUTH_ESYNTAX;
		}
		tls_warn(c, "%s%s%s: not a string: not kept", where, dot, key);
		return 0;
	}
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);
	if (len > size - 1) {
		if (required) {
			ea_fmt(c->err, c->errsize,
			    "%s%s%s: longer than %zu bytes", where, dot, key,
			    size - 1);
			return EMAUTH_ELIMIT;
		}
		tls_warn(c, "%s%s%s: longer than %zu bytes: not kept", where,
		    dot, key, size - 1);
		return 0;
	}
	bool ctl = false;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)s[i];
		if (b < 0x20 || b == 0x7f) {
			dst[i] = '?';
			ctl = true;
		} else
			dst[i] = (char)b;
	}
	dst[len] = '\0';
	if (ctl)
		tls_warn(
		    c, "%s%s%s: control bytes shown as '?'", where, dot, key);
	return 0;
}

/* Reads the count @key of @obj: a non-negative integer, else a warning
 * and 0. A missing member is 0 with a warning when @required. */
static unsigned long
get_count(struct tls_ctx *c, json_object *obj, const char *where,
    const char *key, bool required)
{
	json_object *v;
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL) {
		if (required)
			tls_warn(c, "%s.%s: missing: 0", where, key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_int)) {
		tls_warn(c, "%s.%s: not an integer: 0", where, key);
		return 0;
	}
	int64_t i = json_object_get_int64(v);
	if (i < 0) {
		tls_warn(c, "%s.%s: negative: 0", where, key);
		return 0;
	}
	uint64_t u = (uint64_t)i;
	/* json-c keeps integers over INT64_MAX as uint64. */
	if (i == INT64_MAX)
		u = json_object_get_uint64(v);
	if (u > ULONG_MAX) {
		tls_warn(c, "%s.%s: too large: 0", where, key);
		return 0;
	}
	return (unsigned long)u;
}

/* Reads @n digits exactly. */
static bool
digits(const char **p, const char *end, unsigned n, unsigned *out)
{
	unsigned v = 0;
	for (unsigned i = 0; i < n; i++) {
		if (*p >= end || !ea_is_digit((uint8_t) * *p))
			return false;
		v = v * 10 + (unsigned)(*(*p)++ - '0');
	}
	*out = v;
	return true;
}

static bool
is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
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

/*
 * Parses the RFC 3339 date-time @s (§5.6: full-date "T" full-time; "T"
 * and "Z" in either case, §5.6 NOTE; a space for "T" allowed as the NOTE
 * does) into epoch seconds.
 * @return 0, or -1 when it is not one.
 */
static int
parse_rfc3339(const char *s, size_t len, int64_t *out)
{
	static const unsigned char mdays[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const char *p = s, *end = s + len;
	unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
	int sign = 0;
	if (!digits(&p, end, 4, &y) || p >= end || *p++ != '-' ||
	    !digits(&p, end, 2, &mo) || p >= end || *p++ != '-' ||
	    !digits(&p, end, 2, &d))
		return -1;
	if (p >= end || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (!digits(&p, end, 2, &h) || p >= end || *p++ != ':' ||
	    !digits(&p, end, 2, &mi) || p >= end || *p++ != ':' ||
	    !digits(&p, end, 2, &sec))
		return -1;
	if (p < end && *p == '.') {
		/* time-secfrac = "." 1*DIGIT, dropped. */
		p++;
		if (p >= end || !ea_is_digit((uint8_t)*p))
			return -1;
		while (p < end && ea_is_digit((uint8_t)*p))
			p++;
	}
	if (p < end && (*p == 'Z' || *p == 'z'))
		p++;
	else if (p < end && (*p == '+' || *p == '-')) {
		sign = *p++ == '-' ? -1 : 1;
		if (!digits(&p, end, 2, &oh) || p >= end || *p++ != ':' ||
		    !digits(&p, end, 2, &om))
			return -1;
	} else
		return -1;
	if (p != end)
		return -1;
	/* RFC 3339 §5.7: month, day, hour, minute, second (60 a leap
	 * second) and offset ranges. */
	if (mo < 1 || mo > 12 || d < 1 ||
	    d > (mo == 2 && is_leap(y) ? 29u : mdays[mo - 1]) || h > 23 ||
	    mi > 59 || sec > 60 || oh > 23 || om > 59)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 +
	       sec - (int64_t)sign * (oh * 3600 + om * 60);
	return 0;
}

/* Reads the date-range object @dr (required, with both dates). */
static int
read_dates(struct tls_ctx *c, json_object *root)
{
	static const char *const keys[2] = {"start-datetime", "end-datetime"};
	int64_t *dst[2] = {&c->r->begin, &c->r->end};
	json_object *dr, *v;
	if (!json_object_object_get_ex(root, "date-range", &dr) || dr == NULL) {
		ea_fmt(c->err, c->errsize, "date-range: missing");
		return EMAUTH_ESYNTAX;
	}
	if (!json_object_is_type(dr, json_type_object)) {
		ea_fmt(c->err, c->errsize, "date-range: not an object");
		return EMAUTH_ESYNTAX;
	}
	for (int i = 0; i < 2; i++) {
		if (!json_object_object_get_ex(dr, keys[i], &v) || v == NULL) {
			ea_fmt(c->err, c->errsize, "date-range.%s: missing",
			    keys[i]);
			return EMAUTH_ESYNTAX;
		}
		if (!json_object_is_type(v, json_type_string) ||
		    parse_rfc3339(json_object_get_string(v),
		        (size_t)json_object_get_string_len(v), dst[i]) != 0) {
			ea_fmt(c->err, c->errsize,
			    "date-range.%s: not an RFC 3339 date-time",
			    keys[i]);
			return EMAUTH_ESYNTAX;
		}
	}
	if (c->r->end < c->r->begin)
		tls_warn(c, "date-range: ends before it starts");
	return 0;
}

/* Reads one failure-details entry. */
static void
read_failure(struct tls_ctx *c, json_object *o, const char *where,
    struct ea_tls_failure *f)
{
	get_str(c, o, where, "result-type", f->result_type,
	    sizeof(f->result_type), false);
	get_str(c, o, where, "sending-mta-ip", f->sending_mta_ip,
	    sizeof(f->sending_mta_ip), false);
	get_str(c, o, where, "receiving-mx-hostname", f->receiving_mx_hostname,
	    sizeof(f->receiving_mx_hostname), false);
	get_str(c, o, where, "receiving-ip", f->receiving_ip,
	    sizeof(f->receiving_ip), false);
	get_str(c, o, where, "failure-reason-code", f->failure_reason_code,
	    sizeof(f->failure_reason_code), false);
	f->failed_session_count =
	    get_count(c, o, where, "failed-session-count", true);
	if (!json_object_object_get_ex(o, "result-type", NULL))
		tls_warn(c, "%s: no result-type", where);
}

/* Reads the policies[@i] object @o into @p. */
static int
read_policy(
    struct tls_ctx *c, json_object *o, size_t i, struct ea_tls_policy *p)
{
	char where[96];
	json_object *v;
	ea_fmt(where, sizeof(where), "policies[%zu]", i);
	if (!json_object_is_type(o, json_type_object)) {
		tls_warn(c, "%s: not an object: skipped", where);
		return 0;
	}
	if (json_object_object_get_ex(o, "policy", &v) &&
	    json_object_is_type(v, json_type_object)) {
		ea_fmt(where, sizeof(where), "policies[%zu].policy", i);
		get_str(c, v, where, "policy-type", p->policy_type,
		    sizeof(p->policy_type), false);
		get_str(c, v, where, "policy-domain", p->policy_domain,
		    sizeof(p->policy_domain), false);
		if (!json_object_object_get_ex(v, "policy-domain", NULL))
			tls_warn(c, "%s: no policy-domain", where);
	} else
		tls_warn(c, "policies[%zu]: no policy object", i);
	ea_fmt(where, sizeof(where), "policies[%zu].summary", i);
	if (json_object_object_get_ex(o, "summary", &v) &&
	    json_object_is_type(v, json_type_object)) {
		p->success = get_count(
		    c, v, where, "total-successful-session-count", true);
		p->failure =
		    get_count(c, v, where, "total-failure-session-count", true);
	} else
		tls_warn(c, "%s: missing: counts 0", where);

	if (!json_object_object_get_ex(o, "failure-details", &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array)) {
		tls_warn(c, "policies[%zu].failure-details: not an array", i);
		return 0;
	}
	size_t n = json_object_array_length(v);
	if (n > EA_TLS_FAILURES_MAX) {
		ea_fmt(c->err, c->errsize,
		    "policies[%zu].failure-details: more than %d entries", i,
		    EA_TLS_FAILURES_MAX);
		return EMAUTH_ELIMIT;
	}
	if (n == 0)
		return 0;
	p->failures = ea_calloc(n, sizeof(*p->failures));
	if (p->failures == NULL)
		return EMAUTH_ENOMEM;
	unsigned long long sum = 0;
	for (size_t k = 0; k < n; k++) {
		json_object *f = json_object_array_get_idx(v, k);
		ea_fmt(where, sizeof(where),
		    "policies[%zu].failure-details[%zu]", i, k);
		if (!json_object_is_type(f, json_type_object)) {
			tls_warn(c, "%s: not an object: skipped", where);
			continue;
		}
		struct ea_tls_failure *fd = &p->failures[p->nfailures++];
		read_failure(c, f, where, fd);
		sum += fd->failed_session_count;
		if (sum < fd->failed_session_count)
			sum = ULLONG_MAX; /* saturated, for the message */
	}
	/* RFC 8460 §4.4: total-failure-session-count is the failed sessions
	 * in all; the details' counts add up to it in a consistent report. */
	if (sum != p->failure)
		tls_warn(c,
		    "policies[%zu]: failure-details add up to %llu sessions, "
		    "the summary says %lu",
		    i, sum, p->failure);
	return 0;
}

/* Reads the parsed report @root. */
static int
read_report(struct tls_ctx *c, json_object *root)
{
	struct ea_tls_report *r = c->r;
	json_object *v;
	int rc;
	if (!json_object_is_type(root, json_type_object)) {
		ea_fmt(c->err, c->errsize, "not a JSON object");
		return EMAUTH_ESYNTAX;
	}
	if ((rc = get_str(c, root, "", "organization-name", r->org,
	         sizeof(r->org), true)) != 0 ||
	    (rc = read_dates(c, root)) != 0 ||
	    (rc = get_str(c, root, "", "report-id", r->report_id,
	         sizeof(r->report_id), true)) != 0)
		return rc;
	get_str(
	    c, root, "", "contact-info", r->contact, sizeof(r->contact), false);
	if (!json_object_object_get_ex(root, "policies", &v) || v == NULL) {
		ea_fmt(c->err, c->errsize, "policies: missing");
		return EMAUTH_ESYNTAX;
	}
	if (!json_object_is_type(v, json_type_array)) {
		ea_fmt(c->err, c->errsize, "policies: not an array");
		return EMAUTH_ESYNTAX;
	}
	size_t n = json_object_array_length(v);
	if (n > EA_TLS_POLICIES_MAX) {
		ea_fmt(c->err, c->errsize, "policies: more than %d entries",
		    EA_TLS_POLICIES_MAX);
		return EMAUTH_ELIMIT;
	}
	if (n == 0)
		return 0;
	r->policies = ea_calloc(n, sizeof(*r->policies));
	if (r->policies == NULL)
		return EMAUTH_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* r->npolicies counts the entries to free, each one read. */
		r->npolicies++;
		if ((rc = read_policy(c, json_object_array_get_idx(v, i), i,
		         &r->policies[i])) != 0)
			return rc;
	}
	return 0;
}

int
ea_tls_parse(struct emauth_span json, struct ea_tls_report **out, char *err,
    size_t errsize)
{
	char errbuf[8];
	struct json_tokener *tok = NULL;
	json_object *root = NULL;
	int rc;
	*out = NULL;
	if (err == NULL || errsize == 0) {
		err = errbuf;
		errsize = sizeof(errbuf);
	}
	err[0] = '\0';
	if (json.len > TLS_JSON_MAX) {
		ea_fmt(err, errsize, "larger than %u bytes", TLS_JSON_MAX);
		return EMAUTH_ELIMIT;
	}
	/* A UTF-8 byte order mark, which some writers put first, is no
	 * JSON (RFC 8259 §8.1: "MUST NOT add a byte order mark"): skipped,
	 * as the RFC lets parsers do. */
	if (json.len >= 3 && memcmp(json.p, "\xef\xbb\xbf", 3) == 0)
		json = ea_span(json.p + 3, json.len - 3);
	/* A NUL byte ends json-c's input early; it is never valid JSON
	 * outside a string (RFC 8259 §2), where it must be escaped. */
	if (json.len == 0 || memchr(json.p, 0, json.len) != NULL) {
		ea_fmt(err, errsize, "not JSON: %s",
		    json.len ? "a NUL byte" : "empty");
		return EMAUTH_ESYNTAX;
	}
	struct ea_tls_report *r = ea_calloc(1, sizeof(*r));
	if (r == NULL)
		return EMAUTH_ENOMEM;
	tok = json_tokener_new_ex(TLS_JSON_DEPTH);
	if (tok == NULL) {
		rc = EMAUTH_ENOMEM;
		goto out_free;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, (const char *)json.p, (int)json.len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	if (root == NULL || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			ea_fmt(err, errsize, "not JSON: truncated");
		else if (jerr == json_tokener_error_depth)
			ea_fmt(err, errsize, "JSON nested deeper than %d",
			    TLS_JSON_DEPTH);
		else
			ea_fmt(err, errsize, "not JSON: %s at byte %zu",
			    json_tokener_error_desc(jerr),
			    json_tokener_get_parse_end(tok));
		rc = jerr == json_tokener_error_depth ? EMAUTH_ELIMIT
		                                      : EMAUTH_ESYNTAX;
		goto out_free;
	}
	/* Nothing but white space after the value. */
	for (size_t i = json_tokener_get_parse_end(tok); i < json.len; i++) {
		uint8_t b = json.p[i];
		if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
			ea_fmt(err, errsize,
			    "not JSON: data after the value "
			    "at byte %zu",
			    i);
			rc = EMAUTH_ESYNTAX;
			goto out_free;
		}
	}
	struct tls_ctx c = {r, err, errsize};
	rc = read_report(&c, root);
	if (rc == EMAUTH_ENOMEM)
		ea_fmt(err, errsize, "out of memory");
	if (rc != 0)
		goto out_free;
	*out = r;
	r = NULL;
out_free:
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	ea_tls_report_free(r);
	return rc;
}

void
ea_tls_report_free(struct ea_tls_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->npolicies; i++)
		ea_free(r->policies[i].failures);
	ea_free(r->policies);
	ea_free(r);
}
