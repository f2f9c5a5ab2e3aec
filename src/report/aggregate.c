/*
 * aggregate.c: DMARC aggregate reports (RFC 9990) from the verdict store:
 * the rows of a period grouped by source, identifiers and results, written
 * as XML in the urn:ietf:params:xml:ns:dmarc-2.0 namespace with libxml2's
 * writer, gzipped with zlib, and put in the message RFC 9990 asks for.
 */
#include "common/internal.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlwriter.h>
#include <zlib.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/crypto.h"
#include "common/span.h"
#include "report/report.h"
#include "report/store.h"

/* A report holds at most this many <record> elements (ours: a day of a
 * domain's traffic from a million distinct sources is still reported). */
#define RECORDS_MAX 2000000u

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void
xml_setup(void)
{
	xmlInitParser();
}

void
ea_report_xml_init(void)
{
	pthread_once(&xml_once, xml_setup);
}

/* The length of the well-formed UTF-8 sequence at @p (RFC 3629 §4:
 * no overlong forms, no surrogates, nothing over U+10FFFF) that XML 1.0
 * takes as a character (not U+FFFE or U+FFFF), or 0. */
static size_t
utf8_char(const uint8_t *p, size_t left)
{
	uint8_t c = p[0];
	if (c < 0x80)
		return c >= 0x20 && c != 0x7f ? 1 : 0;
	size_t len = c >= 0xc2 && c <= 0xdf   ? 2
	             : c >= 0xe0 && c <= 0xef ? 3
	             : c >= 0xf0 && c <= 0xf4 ? 4
	                                      : 0;
	if (len == 0 || len > left)
		return 0;
	uint8_t lo = 0x80, hi = 0xbf;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	if (c == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
		return 0;
	return len;
}

void
ea_report_clean(struct ea_buf *b, const char *s, size_t max)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = strnlen(s, max);
	for (size_t i = 0; i < n;) {
		/* A run of printable ASCII in one go. */
		size_t run = 0;
		while (i + run < n && p[i + run] >= 0x20 && p[i + run] < 0x7f)
			run++;
		if (run) {
			ea_buf_add(b, p + i, run);
			i += run;
			continue;
		}
		size_t len = utf8_char(p + i, n - i);
		if (len == 0) {
			ea_buf_addc(b, '?');
			i++;
			continue;
		}
		ea_buf_add(b, p + i, len);
		i += len;
	}
}

void
ea_report_date(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, size, "%a, %d %b %Y %H:%M:%S +0000", &tm);
}

int
ea_report_base64(struct ea_buf *b, const uint8_t *p, size_t n)
{
	char line[80];
	for (size_t i = 0; i < n; i += 57) {
		size_t k = n - i < 57 ? n - i : 57;
		int l = ea_base64_encode(p + i, k, line, sizeof(line));
		if (l < 0)
			return EMAUTH_EINVAL;
		ea_buf_add(b, line, (size_t)l);
		ea_buf_adds(b, "\r\n");
	}
	return b->err;
}

/* Digits only, at most 19 of them. @return 0 or EMAUTH_ESYNTAX. */
static int
u64_of(struct emauth_span s, uint64_t *out)
{
	uint64_t v = 0;
	if (s.len == 0 || s.len > 19)
		return EMAUTH_ESYNTAX;
	for (size_t i = 0; i < s.len; i++) {
		if (!ea_is_digit(s.p[i]))
			return EMAUTH_ESYNTAX;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	*out = v;
	return 0;
}

/* One grouped row of the report. */
struct rec {
	char *col[15]; /* see group_sql */
	unsigned long count;
};

struct recs {
	struct rec *v;
	size_t n, cap;
	int err;
};

/* The columns of a record, in this order, then the count. */
enum {
	C_IP,
	C_HFROM,
	C_EFROM,
	C_ETO,
	C_SPFD,
	C_SPFS,
	C_SPFR,
	C_DKIM,
	C_DMARC,
	C_DKIMA,
	C_SPFA,
	C_DISP,
	C_OTYPE,
	C_OCOMM,
	C_N
};

static const char group_sql[] =
    "SELECT ip, header_from, envelope_from, envelope_to, spf_domain,"
    " spf_scope, spf_result, dkim, dmarc, dkim_aligned, spf_aligned,"
    " disposition, override_type, override_comment, COUNT(*)"
    " FROM emauth_verdicts WHERE policy_domain = $1 AND t >= $2 AND t < $3"
    " GROUP BY ip, header_from, envelope_from, envelope_to, spf_domain,"
    " spf_scope, spf_result, dkim, dmarc, dkim_aligned, spf_aligned,"
    " disposition, override_type, override_comment";

static int
take_rec(void *arg, int n, const char *const *cols)
{
	struct recs *r = arg;
	if (n != C_N + 1)
		return EMAUTH_EIO;
	if (r->n == RECORDS_MAX)
		return r->err = EMAUTH_ETOOBIG;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct rec *v = ea_realloc(r->v, cap * sizeof(*v));
		if (v == NULL)
			return r->err = EMAUTH_ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	struct rec *e = &r->v[r->n];
	memset(e, 0, sizeof(*e));
	for (int i = 0; i < C_N; i++) {
		const char *c = cols[i] ? cols[i] : "";
		if ((e->col[i] = ea_strndup(c, strlen(c))) == NULL) {
			for (int k = 0; k < i; k++)
				ea_free(e->col[k]);
			return r->err = EMAUTH_ENOMEM;
		}
	}
	uint64_t cnt = 0;
	if (u64_of(ea_span_str(cols[C_N] ? cols[C_N] : ""), &cnt) != 0)
		return r->err = EMAUTH_EIO;
	e->count = (unsigned long)cnt;
	r->n++;
	return 0;
}

static void
recs_free(struct recs *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (int k = 0; k < C_N; k++)
			ea_free(r->v[i].col[k]);
	ea_free(r->v);
	memset(r, 0, sizeof(*r));
}

/* The order of records: by count, most first, then by every column, byte
 * by byte: the same report from any back end. */
static int
rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	for (int i = 0; i < C_N; i++) {
		int c = strcmp(x->col[i], y->col[i]);
		if (c)
			return c;
	}
	return 0;
}

/* The policy in force: the latest row's. */
struct policy {
	char v[10][1100]; /* p sp np adkim aspf testing psd discovery fo rua */
	bool found;
};

static int
take_policy(void *arg, int n, const char *const *cols)
{
	struct policy *p = arg;
	for (int i = 0; i < n && i < 10; i++)
		ea_copy_str(p->v[i], sizeof(p->v[i]), cols[i] ? cols[i] : "");
	p->found = true;
	return 0;
}

struct names {
	char **v;
	size_t n, cap;
	int err;
};

static int
take_name(void *arg, int n, const char *const *cols)
{
	struct names *d = arg;
	if (n < 1 || cols[0] == NULL)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		char **v = ea_realloc(d->v, cap * sizeof(*v));
		if (v == NULL)
			return d->err = EMAUTH_ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	if ((d->v[d->n] = ea_strndup(cols[0], strlen(cols[0]))) == NULL)
		return d->err = EMAUTH_ENOMEM;
	d->n++;
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* libxml2 takes unsigned char strings. */
static const xmlChar *
X(const char *s)
{
	return (const xmlChar *)s;
}

/* XML output through libxml2's writer; a failed call is sticky. */
struct xw {
	xmlTextWriterPtr w;
	struct ea_buf tmp;
	int err;
};

static void
el(struct xw *x, const char *name, const char *text)
{
	if (x->err)
		return;
	ea_buf_reset(&x->tmp);
	ea_buf_adds(&x->tmp, "");
	ea_report_clean(&x->tmp, text, 8192);
	if (xmlTextWriterWriteElement(x->w, X(name), X(ea_buf_str(&x->tmp))) <
	    0)
		x->err = EMAUTH_ENOMEM;
}

static void
open_el(struct xw *x, const char *name)
{
	if (!x->err && xmlTextWriterStartElement(x->w, X(name)) < 0)
		x->err = EMAUTH_ENOMEM;
}

static void
close_el(struct xw *x)
{
	if (!x->err && xmlTextWriterEndElement(x->w) < 0)
		x->err = EMAUTH_ENOMEM;
}

static const char *
disposition_word(const struct rec *r, const struct policy *pol)
{
	/* RFC 9990: "pass" is no action for mail that passed DMARC under an
	 * enforcing policy. */
	if (strcmp(r->col[C_DMARC], "pass") == 0 &&
	    strcmp(pol->v[0], "none") != 0 && pol->v[0][0])
		return "pass";
	const char *d = r->col[C_DISP];
	return strcmp(d, "quarantine") == 0 || strcmp(d, "reject") == 0
	           ? d
	           : "none";
}

/* The DKIM results of a record: "domain TAB selector TAB result" lines. */
static void
dkim_els(struct xw *x, const char *col)
{
	const char *p = col;
	while (*p && !x->err) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[600];
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		char *t1 = strchr(line, '\t'),
		     *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (t1 && t2) {
			*t1 = *t2 = '\0';
			open_el(x, "dkim");
			el(x, "domain", line);
			el(x, "selector", t1 + 1);
			el(x, "result", t2 + 1);
			close_el(x);
		}
		p = nl ? nl + 1 : p + strlen(p);
	}
}

static const char *
spf_word(const char *r)
{
	static const char *const ok[] = {"none", "pass", "fail", "softfail",
	    "policy", "neutral", "temperror", "permerror"};
	for (size_t i = 0; i < EA_ARRAY_LEN(ok); i++)
		if (strcmp(r, ok[i]) == 0)
			return r;
	return "none";
}

static int
write_xml(struct xw *x, const char *domain, const struct policy *pol,
    const struct recs *rs, const struct emauth_report_opts *o,
    const char *report_id, int64_t begin, int64_t end)
{
	char b[24], e[24];
	snprintf(b, sizeof(b), "%" PRId64, begin);
	snprintf(e, sizeof(e), "%" PRId64, end);
	xmlTextWriterSetIndent(x->w, 1);
	xmlTextWriterSetIndentString(x->w, X("  "));
	if (xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL) < 0)
		return EMAUTH_ENOMEM;
	open_el(x, "feedback");
	if (!x->err && xmlTextWriterWriteAttribute(x->w, X("xmlns"),
	                   X("urn:ietf:params:xml:ns:dmarc-2.0")) < 0)
		x->err = EMAUTH_ENOMEM;
	el(x, "version", "1.0");
	open_el(x, "report_metadata");
	el(x, "org_name", o->org_name);
	el(x, "email", o->email);
	if (o->extra_contact && o->extra_contact[0])
		el(x, "extra_contact_info", o->extra_contact);
	el(x, "report_id", report_id);
	open_el(x, "date_range");
	el(x, "begin", b);
	el(x, "end", e);
	close_el(x);
	el(x, "generator", "emauth " EMAUTH_VERSION);
	close_el(x);

	open_el(x, "policy_published");
	el(x, "domain", domain);
	/* p, sp, np, adkim, aspf, testing, psd, discovery, fo */
	el(x, "p", pol->v[0][0] ? pol->v[0] : "none");
	if (pol->v[1][0])
		el(x, "sp", pol->v[1]);
	if (pol->v[2][0])
		el(x, "np", pol->v[2]);
	el(x, "adkim", strcmp(pol->v[3], "s") == 0 ? "s" : "r");
	el(x, "aspf", strcmp(pol->v[4], "s") == 0 ? "s" : "r");
	el(x, "discovery_method",
	    strcmp(pol->v[7], "psl") == 0 ? "psl" : "treewalk");
	el(x, "fo", pol->v[8][0] ? pol->v[8] : "0");
	el(x, "testing", strcmp(pol->v[5], "y") == 0 ? "y" : "n");
	close_el(x);

	for (size_t i = 0; i < rs->n && !x->err; i++) {
		const struct rec *r = &rs->v[i];
		char cnt[24];
		snprintf(cnt, sizeof(cnt), "%lu", r->count);
		open_el(x, "record");
		open_el(x, "row");
		el(x, "source_ip", r->col[C_IP]);
		el(x, "count", cnt);
		open_el(x, "policy_evaluated");
		el(x, "disposition", disposition_word(r, pol));
		el(x, "dkim",
		    strcmp(r->col[C_DKIMA], "pass") == 0 ? "pass" : "fail");
		el(x, "spf",
		    strcmp(r->col[C_SPFA], "pass") == 0 ? "pass" : "fail");
		if (r->col[C_OTYPE][0]) {
			open_el(x, "reason");
			el(x, "type", r->col[C_OTYPE]);
			if (r->col[C_OCOMM][0])
				el(x, "comment", r->col[C_OCOMM]);
			close_el(x);
		}
		close_el(x);
		close_el(x);
		open_el(x, "identifiers");
		el(x, "header_from", r->col[C_HFROM]);
		if (r->col[C_EFROM][0])
			el(x, "envelope_from", r->col[C_EFROM]);
		if (r->col[C_ETO][0])
			el(x, "envelope_to", r->col[C_ETO]);
		close_el(x);
		open_el(x, "auth_results");
		dkim_els(x, r->col[C_DKIM]);
		if (r->col[C_SPFD][0]) {
			open_el(x, "spf");
			el(x, "domain", r->col[C_SPFD]);
			/* The schema knows only mfrom; a HELO check has no
			 * scope element. */
			if (strcmp(r->col[C_SPFS], "mfrom") == 0)
				el(x, "scope", "mfrom");
			el(x, "result", spf_word(r->col[C_SPFR]));
			close_el(x);
		}
		close_el(x);
		close_el(x);
	}
	close_el(x);
	if (!x->err && xmlTextWriterEndDocument(x->w) < 0)
		x->err = EMAUTH_ENOMEM;
	return x->err;
}

static int
gzip_bytes(const char *in, size_t n, unsigned char **out, size_t *outlen)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return EMAUTH_ENOMEM;
	size_t cap = deflateBound(&z, (uLong)n) + 64;
	unsigned char *buf = ea_malloc(cap);
	if (buf == NULL) {
		deflateEnd(&z);
		return EMAUTH_ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	int r = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	deflateEnd(&z);
	if (r != Z_STREAM_END) {
		ea_free(buf);
		return EMAUTH_ENOMEM;
	}
	*out = buf;
	return 0;
}

/* A report id of letters and digits, the same for the same report: the
 * day and 16 hex digits of SHA-256 over receiver and policy domain. */
static void
make_id(const char *receiver, const char *domain, int64_t begin, char *out,
    size_t size)
{
	char in[600];
	int n =
	    snprintf(in, sizeof(in), "%s!%s!%" PRId64, receiver, domain, begin);
	uint8_t h[32];
	ea_sha256(in, n > 0 ? (size_t)n : 0, h);
	time_t t = (time_t)begin;
	struct tm tm;
	gmtime_r(&t, &tm);
	char day[16];
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	snprintf(out, size, "%s%02x%02x%02x%02x%02x%02x%02x%02x", day, h[0],
	    h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
}

static const char *
receiver_of(const struct emauth_report_opts *o)
{
	if (o->receiver && o->receiver[0])
		return o->receiver;
	const char *at = strrchr(o->email, '@');
	return at ? at + 1 : o->email;
}

static int
one_report(struct emauth_store *s, const struct emauth_report_opts *o,
    const char *domain, int (*each)(void *, const struct emauth_report *),
    void *arg)
{
	char b[24], e[24];
	snprintf(b, sizeof(b), "%" PRId64, o->begin);
	snprintf(e, sizeof(e), "%" PRId64, o->end);
	const char *p[] = {domain, b, e};
	struct policy *pol = ea_calloc(1, sizeof(*pol));
	struct recs rs = {0};
	struct xw x = {0};
	xmlBufferPtr xb = NULL;
	unsigned char *gz = NULL;
	size_t gzlen = 0;
	int rc;
	if (pol == NULL)
		return EMAUTH_ENOMEM;
	if ((rc = ea_store_exec(s,
	         "SELECT p, sp, np, adkim, aspf, testing, psd, discovery, fo,"
	         " rua FROM emauth_verdicts WHERE policy_domain = $1 AND"
	         " t >= $2 AND t < $3 AND rua <> '' ORDER BY t DESC, id DESC"
	         " LIMIT 1",
	         p, 3, take_policy, pol)) != 0)
		goto out;
	rc = ea_store_exec(s, group_sql, p, 3, take_rec, &rs);
	if (rs.err) {
		rc = rs.err;
		if (rc == EMAUTH_ETOOBIG)
			ea_fmt(s->err, sizeof(s->err),
			    "%s: over %u records in one report", domain,
			    RECORDS_MAX);
	}
	if (rc != 0)
		goto out;
	if (!pol->found || rs.n == 0)
		goto out; /* no traffic: no report */
	qsort(rs.v, rs.n, sizeof(*rs.v), rec_cmp);

	char id[64], fname[700], subject[800];
	const char *recv = receiver_of(o);
	make_id(recv, domain, o->begin, id, sizeof(id));
	int64_t end_incl = o->end - 1;
	snprintf(fname, sizeof(fname),
	    "%s!%s!%" PRId64 "!%" PRId64 "!%s.xml.gz", recv, domain, o->begin,
	    end_incl, id);
	snprintf(subject, sizeof(subject),
	    "Report Domain: %s Submitter: %s Report-ID: <%s@%s>", domain, recv,
	    id, recv);

	ea_report_xml_init();
	if ((xb = xmlBufferCreate()) == NULL ||
	    (x.w = xmlNewTextWriterMemory(xb, 0)) == NULL) {
		rc = EMAUTH_ENOMEM;
		goto out;
	}
	ea_buf_init(&x.tmp, 16384);
	rc = write_xml(&x, domain, pol, &rs, o, id, o->begin, end_incl);
	xmlFreeTextWriter(x.w);
	x.w = NULL;
	ea_buf_release(&x.tmp);
	if (rc != 0)
		goto out;
	size_t xlen = (size_t)xmlBufferLength(xb);
	if (xlen > EMAUTH_REPORT_XML_MAX) {
		ea_fmt(s->err, sizeof(s->err), "%s: report over %u bytes",
		    domain, EMAUTH_REPORT_XML_MAX);
		rc = EMAUTH_ETOOBIG;
		goto out;
	}
	const char *xml = (const char *)xmlBufferContent(xb);
	if ((rc = gzip_bytes(xml, xlen, &gz, &gzlen)) != 0)
		goto out;
	unsigned long msgs = 0;
	for (size_t i = 0; i < rs.n; i++)
		msgs += rs.v[i].count;
	struct emauth_report r = {domain, pol->v[9], id, o->begin, end_incl,
	    fname, subject, xml, xlen, gz, gzlen, (unsigned)rs.n, msgs};
	rc = each(arg, &r);
out:
	if (x.w)
		xmlFreeTextWriter(x.w);
	if (xb)
		xmlBufferFree(xb);
	ea_free(gz);
	recs_free(&rs);
	ea_free(pol);
	return rc;
}

EMAUTH_API int
emauth_report_build(struct emauth_store *s, const struct emauth_report_opts *o,
    int (*each)(void *arg, const struct emauth_report *r), void *arg)
{
	if (o == NULL || o->org_name == NULL || o->email == NULL ||
	    !o->org_name[0] || !o->email[0] || o->end <= o->begin)
		return EMAUTH_EINVAL;
	char b[24], e[24];
	snprintf(b, sizeof(b), "%" PRId64, o->begin);
	snprintf(e, sizeof(e), "%" PRId64, o->end);
	const char *p[] = {b, e};
	struct names d = {0};
	int rc = ea_store_exec(s,
	    "SELECT DISTINCT policy_domain FROM emauth_verdicts WHERE"
	    " t >= $1 AND t < $2 AND rua <> '' AND policy_domain <> ''",
	    p, 2, take_name, &d);
	if (d.err)
		rc = d.err;
	if (rc == 0 && d.n)
		qsort(d.v, d.n, sizeof(*d.v), str_cmp);
	for (size_t i = 0; rc == 0 && i < d.n; i++)
		if (o->want == NULL || o->want(o->want_arg, d.v[i]))
			rc = one_report(s, o, d.v[i], each, arg);
	for (size_t i = 0; i < d.n; i++)
		ea_free(d.v[i]);
	ea_free(d.v);
	return rc;
}

/* rua= and ruf= URIs. */

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ea_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

EMAUTH_API int
emauth_report_uris(const char *list, struct emauth_report_uri *out, size_t max)
{
	size_t kept = 0;
	const char *p = list ? list : "";
	while (*p && kept < max) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct emauth_span u = ea_span(p, len);
		while (u.len && (u.p[0] == ' ' || u.p[0] == '\t')) {
			u.p++;
			u.len--;
		}
		while (
		    u.len && (u.p[u.len - 1] == ' ' || u.p[u.len - 1] == '\t'))
			u.len--;
		p = end ? end + 1 : p + len;
		if (!ea_span_istarts(u, "mailto:"))
			continue;
		u.p += 7;
		u.len -= 7;
		struct emauth_report_uri r;
		memset(&r, 0, sizeof(r));
		/* !size: digits and an optional unit (RFC 9990 §...:
		 * k, m, g or t). */
		const uint8_t *bang = memchr(u.p, '!', u.len);
		size_t alen = bang ? (size_t)(bang - u.p) : u.len;
		bool ok = alen > 0;
		if (bang) {
			struct emauth_span sz =
			    ea_span(bang + 1, u.len - alen - 1);
			uint64_t mult = 1;
			if (sz.len) {
				switch (ea_lower(sz.p[sz.len - 1])) {
				case 'k':
					mult = 1ull << 10;
					sz.len--;
					break;
				case 'm':
					mult = 1ull << 20;
					sz.len--;
					break;
				case 'g':
					mult = 1ull << 30;
					sz.len--;
					break;
				case 't':
					mult = 1ull << 40;
					sz.len--;
					break;
				default:
					break;
				}
			}
			uint64_t v = 0;
			if (sz.len > 12 || u64_of(sz, &v) != 0)
				ok = false;
			r.max_size = v * mult;
		}
		size_t o = 0;
		for (size_t i = 0; ok && i < alen; i++) {
			uint8_t c = u.p[i];
			if (c == '%') {
				int h1 = i + 2 < alen ? hexval(u.p[i + 1]) : -1,
				    h2 = i + 2 < alen ? hexval(u.p[i + 2]) : -1;
				if (h1 < 0 || h2 < 0) {
					ok = false;
					break;
				}
				c = (uint8_t)(h1 * 16 + h2);
				i += 2;
			}
			if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' ||
			    c == '"' || c == '(' || c == ')' || c == ',' ||
			    c == ';' || c == '\\' || o + 1 >= sizeof(r.address))
				ok = false;
			else
				r.address[o++] = (char)c;
		}
		r.address[o] = '\0';
		const char *at = ok ? strrchr(r.address, '@') : NULL;
		if (at == NULL || at == r.address || at[1] == '\0' ||
		    strchr(r.address, '@') != at)
			continue;
		for (size_t i = 0; at[1 + i] && i + 1 < sizeof(r.domain); i++)
			r.domain[i] = (char)ea_lower((uint8_t)at[1 + i]);
		out[kept++] = r;
	}
	return kept ? (int)kept : EMAUTH_ESYNTAX;
}

/* The message. */

EMAUTH_API int
emauth_report_message(const struct emauth_report *r,
    const struct emauth_report_opts *o, const char *to, int64_t now, char **out,
    size_t *len)
{
	if (r == NULL || o == NULL || to == NULL || o->email == NULL)
		return EMAUTH_EINVAL;
	struct ea_buf b;
	ea_buf_init(&b, (size_t)r->gz_len * 2 + 65536);
	char date[64], from[64], till[64];
	ea_report_date(now, date, sizeof(date));
	ea_report_date(r->begin, from, sizeof(from));
	ea_report_date(r->end, till, sizeof(till));
	const char *recv = receiver_of(o);
	char boundary[96];
	snprintf(boundary, sizeof(boundary), "=_emauth_%s", r->report_id);
	uint8_t h[32];
	ea_sha256(to, strlen(to), h);

	ea_buf_adds(&b, "From: ");
	ea_report_clean(&b, o->org_name, 200);
	ea_buf_adds(&b, " <");
	ea_report_clean(&b, o->email, 320);
	ea_buf_adds(&b, ">\r\nTo: <");
	ea_report_clean(&b, to, 320);
	ea_buf_printf(&b, ">\r\nDate: %s\r\nSubject: ", date);
	ea_report_clean(&b, r->subject, 800);
	ea_buf_printf(&b, "\r\nMessage-ID: <%s.%02x%02x%02x%02x@", r->report_id,
	    h[0], h[1], h[2], h[3]);
	ea_report_clean(&b, recv, 255);
	ea_buf_printf(&b,
	    ">\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
	    "\r\n"
	    "This is a DMARC aggregate report (RFC 9990) in MIME format.\r\n"
	    "\r\n--%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n"
	    "DMARC aggregate report for ",
	    boundary, boundary);
	ea_report_clean(&b, r->policy_domain, 255);
	ea_buf_adds(&b, " from ");
	ea_report_clean(&b, recv, 255);
	ea_buf_printf(&b,
	    "\r\nPeriod: %s to %s\r\nMessages: %lu in %u records\r\n"
	    "Report-ID: %s\r\n\r\n--%s\r\n"
	    "Content-Type: application/gzip; name=\"",
	    from, till, r->messages, r->records, r->report_id, boundary);
	ea_report_clean(&b, r->filename, 700);
	ea_buf_adds(&b, "\"\r\nContent-Transfer-Encoding: base64\r\n"
	                "Content-Disposition: attachment; filename=\"");
	ea_report_clean(&b, r->filename, 700);
	ea_buf_adds(&b, "\"\r\n\r\n");
	ea_report_base64(&b, r->gz, r->gz_len);
	ea_buf_printf(&b, "\r\n--%s--\r\n", boundary);
	if (b.err) {
		int e = b.err;
		ea_buf_release(&b);
		return e == EMAUTH_ETOOBIG ? EMAUTH_ENOMEM : e;
	}
	*len = b.len;
	*out = ea_buf_steal(&b);
	return 0;
}
