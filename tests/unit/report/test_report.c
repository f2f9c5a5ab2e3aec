/*
 * test_report.c: DMARC reports from the receiving side (include/emauth/
 * report.h): the verdict store in SQLite (rows in, the schema version, the
 * sent state of reports, retention), aggregate reports built from it
 * (grouping and counting, record order, the file name, subject and report
 * id, the XML checked with XPath and against RFC 9990's schema, the gzip
 * copy), rua=/ruf= URIs, failure reports (when one is due under fo=, and
 * the ARF message), the recorder (a bounded backlog while the store is
 * down, written once it returns) and rows made from a verdict.
 *
 * Every report built here is validated against
 * tests/data/suites/dmarc-report-schema/dmarc-2.0.xsd (found from
 * EMAUTH_TOP, the zones folder given as argv[1], or this file's path).
 * Stores live in a folder made with mkdtemp() under /tmp, removed at the
 * end.
 */
#include "common/internal.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <sqlite3.h>
#define ZLIB_CONST
#include <zlib.h>

#include "harness/t.h"

#include <emauth/report.h>

#define NS "urn:ietf:params:xml:ns:dmarc-2.0"

/* A UTC day: 2023-11-15 00:00:00. */
#define DAY ((int64_t)19676 * 86400)

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

static char tmpdir[256];
static char xsd_path[1024];
static xmlSchemaPtr schema;
static unsigned reports_checked;

/* Helpers: files and stores. */

static void
rm_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *e;
			while ((e = readdir(d)) != NULL) {
				if (strcmp(e->d_name, ".") == 0 ||
				    strcmp(e->d_name, "..") == 0)
					continue;
				char sub[1024];
				snprintf(
				    sub, sizeof(sub), "%s/%s", path, e->d_name);
				rm_tree(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void
db_path(const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

static struct emauth_store *
open_store(const char *name)
{
	char spec[600], err[512] = "";
	struct emauth_store *s = NULL;
	snprintf(spec, sizeof(spec), "sqlite:%s/%s", tmpdir, name);
	int rc = emauth_store_open(spec, &s, err, sizeof(err));
	if (rc != 0)
		T_FAILF("emauth_store_open(%s): %d %s", spec, rc, err);
	return s;
}

/* One number from @sql run directly on the SQLite file @name (-1 when it
 * cannot be read). */
static long long
sql_num(const char *name, const char *sql)
{
	char path[600];
	db_path(name, path, sizeof(path));
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) ==
	        SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else
		T_FAILF("sqlite: %s: %s", sql, db ? sqlite3_errmsg(db) : "");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
sql_run(const char *name, const char *sql)
{
	char path[600];
	db_path(name, path, sizeof(path));
	sqlite3 *db = NULL;
	char *msg = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	        SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		T_FAILF("sqlite: %s: %s", sql,
		    msg  ? msg
		    : db ? sqlite3_errmsg(db)
		         : "");
	sqlite3_free(msg);
	sqlite3_close(db);
}

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {
	    (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Helpers: rows. */

/* A passing row of @domain: aligned SPF and DKIM, p=reject. */
static void
row_init(
    struct emauth_report_row *r, const char *domain, int64_t t, const char *ip)
{
	memset(r, 0, sizeof(*r));
	r->time = t;
	COPY(r->ip, ip);
	COPY(r->header_from, domain);
	COPY(r->envelope_from, domain);
	COPY(r->envelope_to, "rcpt.example");
	COPY(r->spf_domain, domain);
	COPY(r->spf_scope, "mfrom");
	r->spf_result = EMAUTH_RES_PASS;
	r->ndkim = r->dkim_total = 1;
	COPY(r->dkim[0].domain, domain);
	COPY(r->dkim[0].selector, "sel1");
	r->dkim[0].result = EMAUTH_RES_PASS;
	COPY(r->policy_domain, domain);
	r->p = EMAUTH_DMARC_REJECT;
	r->sp = EMAUTH_DMARC_QUARANTINE;
	r->np = EMAUTH_DMARC_REJECT;
	r->adkim = 'r';
	r->aspf = 's';
	r->psd = 'u';
	COPY(r->discovery, "treewalk");
	snprintf(r->rua, sizeof(r->rua), "mailto:agg@%s", domain);
	COPY(r->fo, "0");
	r->dmarc = EMAUTH_RES_PASS;
	r->dkim_aligned = r->spf_aligned = 1;
	r->disposition = EMAUTH_DMARC_NONE;
}

/* Makes @r a DMARC failure with the policy's disposition. */
static void
row_fail(struct emauth_report_row *r)
{
	r->dmarc = EMAUTH_RES_FAIL;
	r->dkim[0].result = EMAUTH_RES_FAIL;
	r->spf_result = EMAUTH_RES_FAIL;
	r->dkim_aligned = r->spf_aligned = 0;
	r->disposition = r->p;
}

static void
add_rows(struct emauth_store *s, const struct emauth_report_row *rows, size_t n)
{
	if (s == NULL)
		return;
	int rc = emauth_store_add(s, rows, n);
	if (rc != 0)
		T_FAILF("emauth_store_add: %d %s", rc, emauth_store_error(s));
}

/* Helpers: XML. */

#if LIBXML_VERSION >= 21200
static void
quiet_errors(void *arg, const xmlError *e)
#else
static void
quiet_errors(void *arg, xmlErrorPtr e)
#endif
{
	(void)arg;
	(void)e;
}

/* Whether @xml validates against the schema; @quiet keeps libxml2's
 * messages for itself. */
static bool
schema_valid(const char *xml, size_t len, bool quiet)
{
	if (schema == NULL) {
		T_FAILF("the schema %s could not be loaded", xsd_path);
		return false;
	}
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, "report.xml", NULL,
	    XML_PARSE_NONET | (quiet ? XML_PARSE_NOERROR : 0));
	if (doc == NULL)
		return false;
	xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(schema);
	if (v && quiet)
		xmlSchemaSetValidStructuredErrors(v, quiet_errors, NULL);
	int rc = v ? xmlSchemaValidateDoc(v, doc) : -1;
	xmlSchemaFreeValidCtxt(v);
	xmlFreeDoc(doc);
	return rc == 0;
}

/* Inflates the gzip @gz. @return the bytes (free()) or NULL. */
static unsigned char *
gunzip(const unsigned char *gz, size_t n, size_t *outlen)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return NULL;
	size_t cap = 4096 + n * 4, len = 0;
	unsigned char *out = malloc(cap);
	z.next_in = gz;
	z.avail_in = (uInt)n;
	int rc = Z_OK;
	while (out && rc == Z_OK) {
		if (len == cap) {
			unsigned char *o = realloc(out, cap * 2);
			if (o == NULL) {
				free(out);
				out = NULL;
				break;
			}
			out = o;
			cap *= 2;
		}
		z.next_out = out + len;
		z.avail_out = (uInt)(cap - len);
		rc = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
	}
	inflateEnd(&z);
	if (rc != Z_STREAM_END || z.avail_in != 0) {
		free(out);
		return NULL;
	}
	*outlen = len;
	return out;
}

static bool
all_alnum(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		        (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/* What every report must be: valid against the schema, its gzip copy the
 * same XML, its id, file name and subject in RFC 9990's forms. */
static void
check_report(const struct emauth_report *r, const char *receiver)
{
	reports_checked++;
	if (!schema_valid(r->xml, r->xml_len, false))
		T_FAILF("%s: the report does not validate against %s",
		    r->policy_domain, xsd_path);
	T_EQ_INT(strlen(r->xml), r->xml_len);
	T_TRUE(r->gz_len > 18 && r->gz[0] == 0x1f && r->gz[1] == 0x8b);
	size_t ulen = 0;
	unsigned char *u = gunzip(r->gz, r->gz_len, &ulen);
	T_TRUE(u != NULL);
	if (u)
		T_EQ_MEM(u, ulen, r->xml, r->xml_len);
	free(u);
	if (!all_alnum(r->report_id))
		T_FAILF(
		    "report_id \"%s\" is not letters and digits", r->report_id);
	T_EQ_INT(r->end, r->begin + 86399);
	char want[1200];
	snprintf(want, sizeof(want), "%s!%s!%" PRId64 "!%" PRId64 "!%s.xml.gz",
	    receiver, r->policy_domain, r->begin, r->end, r->report_id);
	T_EQ_STR(r->filename, want);
	snprintf(want, sizeof(want),
	    "Report Domain: %s Submitter: %s Report-ID: <%s@%s>",
	    r->policy_domain, receiver, r->report_id, receiver);
	T_EQ_STR(r->subject, want);
}

/* A copy of a report, kept past the callback. */
struct saved {
	char domain[256], rua[1024], id[64], filename[1024], subject[1024];
	int64_t begin, end;
	char *xml;
	size_t xml_len;
	unsigned char *gz;
	size_t gz_len;
	unsigned records;
	unsigned long messages;
};

struct saved_list {
	struct saved v[8];
	int n;
	const char *receiver;
};

static int
save_report(void *arg, const struct emauth_report *r)
{
	struct saved_list *l = arg;
	check_report(r, l->receiver);
	if (l->n < (int)EA_ARRAY_LEN(l->v)) {
		struct saved *s = &l->v[l->n];
		COPY(s->domain, r->policy_domain);
		COPY(s->rua, r->rua);
		COPY(s->id, r->report_id);
		COPY(s->filename, r->filename);
		COPY(s->subject, r->subject);
		s->begin = r->begin;
		s->end = r->end;
		s->xml = malloc(r->xml_len + 1);
		if (s->xml) {
			memcpy(s->xml, r->xml, r->xml_len);
			s->xml[r->xml_len] = '\0';
		}
		s->xml_len = r->xml_len;
		s->gz = malloc(r->gz_len ? r->gz_len : 1);
		if (s->gz)
			memcpy(s->gz, r->gz, r->gz_len);
		s->gz_len = r->gz_len;
		s->records = r->records;
		s->messages = r->messages;
	}
	l->n++;
	return 0;
}

static void
saved_free(struct saved_list *l)
{
	for (int i = 0; i < l->n && i < (int)EA_ARRAY_LEN(l->v); i++) {
		free(l->v[i].xml);
		free(l->v[i].gz);
	}
	memset(l, 0, sizeof(*l));
}

static struct emauth_report_opts
day_opts(int64_t day)
{
	struct emauth_report_opts o;
	memset(&o, 0, sizeof(o));
	o.org_name = "Receiver Org";
	o.email = "dmarc-reports@receiver.example";
	o.begin = day;
	o.end = day + 86400;
	return o;
}

/* Builds the reports of @o from @s into @l. @return the build's status. */
static int
build(struct emauth_store *s, const struct emauth_report_opts *o,
    struct saved_list *l)
{
	memset(l, 0, sizeof(*l));
	/* The receiver: given, or the domain of the email address. */
	const char *at = o->email ? strrchr(o->email, '@') : NULL;
	l->receiver = o->receiver ? o->receiver : at ? at + 1 : "";
	if (s == NULL)
		return EMAUTH_EIO;
	return emauth_report_build(s, o, save_report, l);
}

/* XPath over a report, in the dmarc-2.0 namespace as "d". */
struct xp {
	xmlDocPtr doc;
	xmlXPathContextPtr ctx;
};

static bool
xp_open(struct xp *x, const struct saved *s)
{
	memset(x, 0, sizeof(*x));
	if (s->xml == NULL)
		return false;
	x->doc = xmlReadMemory(
	    s->xml, (int)s->xml_len, "report.xml", NULL, XML_PARSE_NONET);
	if (x->doc == NULL) {
		T_FAILF("%s: the report does not parse", s->domain);
		return false;
	}
	x->ctx = xmlXPathNewContext(x->doc);
	if (x->ctx == NULL || xmlXPathRegisterNs(x->ctx, (const xmlChar *)"d",
	                          (const xmlChar *)NS) != 0) {
		T_FAILF("xpath context");
		return false;
	}
	return true;
}

static void
xp_close(struct xp *x)
{
	if (x->ctx)
		xmlXPathFreeContext(x->ctx);
	if (x->doc)
		xmlFreeDoc(x->doc);
	memset(x, 0, sizeof(*x));
}

/* The number @expr gives (count(), sum()); -1 on error. */
static double
xp_num(struct xp *x, const char *expr)
{
	if (x->ctx == NULL)
		return -1;
	xmlXPathObjectPtr o =
	    xmlXPathEvalExpression((const xmlChar *)expr, x->ctx);
	double v = -1;
	if (o && o->type == XPATH_NUMBER)
		v = o->floatval;
	else
		T_FAILF("xpath %s: not a number", expr);
	xmlXPathFreeObject(o);
	return v;
}

/* The string value of @expr ("" when it selects nothing). */
static const char *
xp_str(struct xp *x, const char *expr)
{
	static char out[1024];
	out[0] = '\0';
	if (x->ctx == NULL)
		return "(no document)";
	char e[600];
	snprintf(e, sizeof(e), "string(%s)", expr);
	xmlXPathObjectPtr o =
	    xmlXPathEvalExpression((const xmlChar *)e, x->ctx);
	if (o && o->type == XPATH_STRING && o->stringval)
		COPY(out, (const char *)o->stringval);
	else
		T_FAILF("xpath %s: not a string", e);
	xmlXPathFreeObject(o);
	return out;
}

#define PP "/d:feedback/d:policy_published/d:"
#define MD "/d:feedback/d:report_metadata/d:"
#define REC(ip) "/d:feedback/d:record[d:row/d:source_ip='" ip "']"

/* 1. Grouping and counting. */

static void
test_grouping_and_counting(void)
{
	struct emauth_store *s = open_store("group.db");
	struct emauth_report_row rows[24];
	size_t n = 0;
	/* example.com: 5 identical passes from A, 2 failures from B, one
	 * pass from A with another selector, and two rows outside the
	 * day. */
	for (int i = 0; i < 5; i++) {
		row_init(&rows[n], "example.com", DAY + 100 + i, "192.0.2.1");
		COPY(rows[n].discovery, "psl");
		n++;
	}
	for (int i = 0; i < 2; i++) {
		row_init(
		    &rows[n], "example.com", DAY + 2000 + i, "198.51.100.7");
		COPY(rows[n].discovery, "psl");
		row_fail(&rows[n++]);
	}
	row_init(&rows[n], "example.com", DAY + 3000, "192.0.2.1");
	COPY(rows[n].discovery, "psl");
	COPY(rows[n++].dkim[0].selector, "sel2");
	row_init(&rows[n++], "example.com", DAY - 1, "203.0.113.99");
	row_init(&rows[n++], "example.com", DAY + 86400, "203.0.113.99");
	/* other.example: p=quarantine, t=y, no np. */
	for (int i = 0; i < 4; i++) {
		row_init(&rows[n], "other.example", DAY + 5000 + i,
		    i == 0   ? "203.0.113.6"
		    : i == 3 ? "203.0.113.7"
		             : "203.0.113.5");
		rows[n].p = EMAUTH_DMARC_QUARANTINE;
		rows[n].sp = EMAUTH_DMARC_UNSET;
		rows[n].np = EMAUTH_DMARC_UNSET;
		rows[n].testing = 1;
		if (i > 0)
			row_fail(&rows[n]);
		if (i == 3) {
			rows[n].disposition = EMAUTH_DMARC_NONE;
			COPY(rows[n].override_type, "local_policy");
			COPY(rows[n].override_comment, "forwarded <&> list");
		}
		n++;
	}
	/* nonepolicy.example: p=none; one row checked by HELO. */
	row_init(&rows[n], "nonepolicy.example", DAY + 7000, "192.0.2.50");
	rows[n++].p = EMAUTH_DMARC_NONE;
	row_init(&rows[n], "nonepolicy.example", DAY + 7001, "192.0.2.51");
	rows[n].p = EMAUTH_DMARC_NONE;
	COPY(rows[n++].spf_scope, "helo");
	/* norua.example: nothing to report. */
	for (int i = 0; i < 3; i++) {
		row_init(
		    &rows[n], "norua.example", DAY + 8000 + i, "192.0.2.9");
		rows[n++].rua[0] = '\0';
	}
	add_rows(s, rows, n);

	struct emauth_report_opts o = day_opts(DAY);
	o.receiver = "receiver.example";
	struct saved_list l;
	T_EQ_INT(build(s, &o, &l), 0);
	T_EQ_INT(l.n, 3);
	if (l.n != 3) {
		saved_free(&l);
		emauth_store_close(s);
		return;
	}
	T_EQ_STR(l.v[0].domain, "example.com");
	T_EQ_STR(l.v[1].domain, "nonepolicy.example");
	T_EQ_STR(l.v[2].domain, "other.example");

	/* example.com */
	struct saved *e = &l.v[0];
	T_EQ_STR(e->rua, "mailto:agg@example.com");
	T_EQ_INT(e->records, 3);
	T_EQ_INT(e->messages, 8);
	T_EQ_INT(e->begin, DAY);
	T_EQ_INT(e->end, DAY + 86399);
	struct xp x;
	if (xp_open(&x, e)) {
		T_EQ_INT(xp_num(&x, "count(/d:feedback/d:record)"), 3);
		T_EQ_INT(
		    xp_num(&x, "sum(/d:feedback/d:record/d:row/d:count)"), 8);
		T_EQ_STR(xp_str(&x, "/d:feedback/d:version"), "1.0");
		T_EQ_STR(xp_str(&x, MD "org_name"), "Receiver Org");
		T_EQ_STR(
		    xp_str(&x, MD "email"), "dmarc-reports@receiver.example");
		T_EQ_STR(xp_str(&x, MD "report_id"), e->id);
		char num[32];
		snprintf(num, sizeof(num), "%" PRId64, DAY);
		T_EQ_STR(xp_str(&x, MD "date_range/d:begin"), num);
		snprintf(num, sizeof(num), "%" PRId64, DAY + 86399);
		T_EQ_STR(xp_str(&x, MD "date_range/d:end"), num);
		T_EQ_STR(xp_str(&x, PP "domain"), "example.com");
		T_EQ_STR(xp_str(&x, PP "p"), "reject");
		T_EQ_STR(xp_str(&x, PP "sp"), "quarantine");
		T_EQ_STR(xp_str(&x, PP "np"), "reject");
		T_EQ_STR(xp_str(&x, PP "adkim"), "r");
		T_EQ_STR(xp_str(&x, PP "aspf"), "s");
		T_EQ_STR(xp_str(&x, PP "testing"), "n");
		T_EQ_STR(xp_str(&x, PP "discovery_method"), "psl");
		T_EQ_STR(xp_str(&x, PP "fo"), "0");
		/* The most messages first. */
		const char *r1 = "/d:feedback/d:record[1]";
		char q[300];
		snprintf(q, sizeof(q), "%s/d:row/d:source_ip", r1);
		T_EQ_STR(xp_str(&x, q), "192.0.2.1");
		snprintf(q, sizeof(q), "%s/d:row/d:count", r1);
		T_EQ_STR(xp_str(&x, q), "5");
		snprintf(q, sizeof(q),
		    "%s/d:row/d:policy_evaluated/d:disposition", r1);
		T_EQ_STR(xp_str(&x, q), "pass");
		snprintf(
		    q, sizeof(q), "%s/d:row/d:policy_evaluated/d:dkim", r1);
		T_EQ_STR(xp_str(&x, q), "pass");
		snprintf(
		    q, sizeof(q), "%s/d:auth_results/d:dkim/d:selector", r1);
		T_EQ_STR(xp_str(&x, q), "sel1");
		snprintf(q, sizeof(q), "%s/d:auth_results/d:spf/d:scope", r1);
		T_EQ_STR(xp_str(&x, q), "mfrom");
		snprintf(q, sizeof(q), "%s/d:auth_results/d:spf/d:domain", r1);
		T_EQ_STR(xp_str(&x, q), "example.com");
		snprintf(q, sizeof(q), "%s/d:identifiers/d:envelope_to", r1);
		T_EQ_STR(xp_str(&x, q), "rcpt.example");
		snprintf(q, sizeof(q), "%s/d:identifiers/d:header_from", r1);
		T_EQ_STR(xp_str(&x, q), "example.com");
		const char *r2 = "/d:feedback/d:record[2]";
		snprintf(q, sizeof(q), "%s/d:row/d:source_ip", r2);
		T_EQ_STR(xp_str(&x, q), "198.51.100.7");
		snprintf(q, sizeof(q), "%s/d:row/d:count", r2);
		T_EQ_STR(xp_str(&x, q), "2");
		snprintf(q, sizeof(q),
		    "%s/d:row/d:policy_evaluated/d:disposition", r2);
		T_EQ_STR(xp_str(&x, q), "reject");
		snprintf(q, sizeof(q), "%s/d:row/d:policy_evaluated/d:spf", r2);
		T_EQ_STR(xp_str(&x, q), "fail");
		snprintf(q, sizeof(q), "%s/d:auth_results/d:dkim/d:result", r2);
		T_EQ_STR(xp_str(&x, q), "fail");
		snprintf(q, sizeof(q), "%s/d:auth_results/d:spf/d:result", r2);
		T_EQ_STR(xp_str(&x, q), "fail");
		const char *r3 = "/d:feedback/d:record[3]";
		snprintf(q, sizeof(q), "%s/d:row/d:source_ip", r3);
		T_EQ_STR(xp_str(&x, q), "192.0.2.1");
		snprintf(q, sizeof(q), "%s/d:row/d:count", r3);
		T_EQ_STR(xp_str(&x, q), "1");
		snprintf(
		    q, sizeof(q), "%s/d:auth_results/d:dkim/d:selector", r3);
		T_EQ_STR(xp_str(&x, q), "sel2");
		T_EQ_INT(xp_num(&x, "count(" REC("192.0.2.1") ")"), 2);
		T_EQ_INT(xp_num(&x, "count(" REC("203.0.113.99") ")"), 0);
	}
	xp_close(&x);

	/* nonepolicy.example: a pass under p=none is "none". */
	e = &l.v[1];
	T_EQ_INT(e->records, 2);
	T_EQ_INT(e->messages, 2);
	if (xp_open(&x, e)) {
		T_EQ_STR(xp_str(&x, PP "p"), "none");
		T_EQ_STR(
		    xp_str(&x, REC("192.0.2.50") "/d:row/d:policy_evaluated/"
		                                 "d:disposition"),
		    "none");
		T_EQ_STR(xp_str(&x,
		             REC("192.0.2.50") "/d:auth_results/d:spf/d:scope"),
		    "mfrom");
		/* The schema knows only mfrom: no scope for HELO. */
		T_EQ_INT(
		    xp_num(
		        &x, "count(" REC(
		                "192.0.2.51") "/d:auth_results/d:spf/d:scope)"),
		    0);
		T_EQ_INT(
		    xp_num(&x,
		        "count(" REC(
		            "192.0.2.51") "/d:auth_results/d:spf/d:result)"),
		    1);
	}
	xp_close(&x);

	/* other.example */
	e = &l.v[2];
	T_EQ_STR(e->rua, "mailto:agg@other.example");
	T_EQ_INT(e->records, 3);
	T_EQ_INT(e->messages, 4);
	if (xp_open(&x, e)) {
		T_EQ_STR(xp_str(&x, PP "p"), "quarantine");
		T_EQ_INT(xp_num(&x, "count(" PP "np)"), 0);
		T_EQ_INT(xp_num(&x, "count(" PP "sp)"), 0);
		T_EQ_STR(xp_str(&x, PP "testing"), "y");
		T_EQ_STR(xp_str(&x, PP "discovery_method"), "treewalk");
		T_EQ_STR(xp_str(&x, REC("203.0.113.5") "/d:row/d:count"), "2");
		T_EQ_STR(
		    xp_str(&x, REC("203.0.113.5") "/d:row/d:policy_evaluated/"
		                                  "d:disposition"),
		    "quarantine");
		T_EQ_STR(
		    xp_str(&x, REC("203.0.113.6") "/d:row/d:policy_evaluated/"
		                                  "d:disposition"),
		    "pass");
		T_EQ_STR(
		    xp_str(&x, REC("203.0.113.7") "/d:row/d:policy_evaluated/"
		                                  "d:disposition"),
		    "none");
		T_EQ_STR(
		    xp_str(&x, REC("203.0.113.7") "/d:row/d:policy_evaluated/"
		                                  "d:reason/d:type"),
		    "local_policy");
		T_EQ_STR(
		    xp_str(&x, REC("203.0.113.7") "/d:row/d:policy_evaluated/"
		                                  "d:reason/d:comment"),
		    "forwarded <&> list");
		T_EQ_INT(
		    xp_num(&x,
		        "count(" REC("203.0.113.5") "/d:row/d:policy_evaluated/"
		                                    "d:reason)"),
		    0);
	}
	xp_close(&x);
	saved_free(&l);

	/* The receiver defaults to the domain of the email address. */
	o.receiver = NULL;
	o.email = "reports@mx.receiver.example";
	T_EQ_INT(build(s, &o, &l), 0);
	T_EQ_STR(l.receiver, "mx.receiver.example");
	T_EQ_INT(l.n, 3);
	if (l.n > 0)
		T_TRUE(
		    strncmp(l.v[0].filename, "mx.receiver.example!", 20) == 0);
	saved_free(&l);

	/* What a build needs. */
	o = day_opts(DAY);
	o.receiver = "receiver.example";
	T_EQ_INT(emauth_report_build(
	             s, &(struct emauth_report_opts){0}, save_report, &l),
	    EMAUTH_EINVAL);
	struct emauth_report_opts bad = o;
	bad.org_name = "";
	T_EQ_INT(emauth_report_build(s, &bad, save_report, &l), EMAUTH_EINVAL);
	bad = o;
	bad.email = NULL;
	T_EQ_INT(emauth_report_build(s, &bad, save_report, &l), EMAUTH_EINVAL);
	bad = o;
	bad.end = bad.begin;
	T_EQ_INT(emauth_report_build(s, &bad, save_report, &l), EMAUTH_EINVAL);
	T_EQ_INT(l.n, 0);
	emauth_store_close(s);
}

static int
want_other(void *arg, const char *domain)
{
	(*(int *)arg)++;
	return strcmp(domain, "other.example") == 0;
}

static int
stop_at_first(void *arg, const struct emauth_report *r)
{
	(void)r;
	(*(int *)arg)++;
	return 42;
}

static void
test_want_and_stop(void)
{
	struct emauth_store *s = open_store("want.db");
	struct emauth_report_row rows[3];
	row_init(&rows[0], "example.com", DAY + 1, "192.0.2.1");
	row_init(&rows[1], "other.example", DAY + 2, "192.0.2.2");
	row_init(&rows[2], "third.example", DAY + 3, "192.0.2.3");
	add_rows(s, rows, 3);
	struct emauth_report_opts o = day_opts(DAY);
	o.receiver = "receiver.example";
	int asked = 0;
	o.want = want_other;
	o.want_arg = &asked;
	struct saved_list l;
	T_EQ_INT(build(s, &o, &l), 0);
	T_EQ_INT(asked, 3);
	T_EQ_INT(l.n, 1);
	if (l.n == 1)
		T_EQ_STR(l.v[0].domain, "other.example");
	saved_free(&l);
	/* A nonzero return stops the walk and is returned. */
	o.want = NULL;
	int calls = 0;
	if (s)
		T_EQ_INT(emauth_report_build(s, &o, stop_at_first, &calls), 42);
	T_EQ_INT(calls, 1);
	emauth_store_close(s);
}

/* 2. Schema validation of a report with everything in it. */

static void
test_schema_validation(void)
{
	T_TRUE(schema != NULL);
	struct emauth_store *s = open_store("schema.db");
	struct emauth_report_row rows[8];
	size_t n = 0;
	/* Eight signatures, an override with a comment. */
	row_init(&rows[n], "example.com", DAY + 10, "2001:db8::25");
	rows[n].ndkim = rows[n].dkim_total = EMAUTH_REPORT_DKIM_MAX;
	static const enum emauth_result res[] = {EMAUTH_RES_PASS,
	    EMAUTH_RES_FAIL, EMAUTH_RES_NEUTRAL, EMAUTH_RES_TEMPERROR,
	    EMAUTH_RES_PERMERROR, EMAUTH_RES_POLICY, EMAUTH_RES_NONE,
	    EMAUTH_RES_PASS};
	for (unsigned i = 0; i < EMAUTH_REPORT_DKIM_MAX; i++) {
		snprintf(rows[n].dkim[i].domain, sizeof(rows[n].dkim[i].domain),
		    "d%u.example", i);
		snprintf(rows[n].dkim[i].selector,
		    sizeof(rows[n].dkim[i].selector), "s%u", i);
		rows[n].dkim[i].result = res[i % EA_ARRAY_LEN(res)];
	}
	row_fail(&rows[n]);
	rows[n].dkim[0].result = EMAUTH_RES_PASS;
	rows[n].disposition = EMAUTH_DMARC_QUARANTINE;
	COPY(rows[n].override_type, "mailing_list");
	COPY(rows[n].override_comment, "list <l@example.net> & \"co\"");
	n++;
	/* No SPF, no DKIM, no envelope: only the required identifiers;
	 * bytes that are not UTF-8 and controls in names. */
	row_init(&rows[n], "example.com", DAY + 20, "192.0.2.30");
	rows[n].spf_domain[0] = '\0';
	rows[n].spf_scope[0] = '\0';
	rows[n].ndkim = rows[n].dkim_total = 0;
	rows[n].envelope_from[0] = '\0';
	rows[n].envelope_to[0] = '\0';
	COPY(rows[n].header_from, "bad\xff\x01name\x7f.example");
	row_fail(&rows[n]);
	n++;
	/* Temporary and permanent errors, SPF softfail, HELO scope. */
	row_init(&rows[n], "example.com", DAY + 30, "192.0.2.31");
	rows[n].dmarc = EMAUTH_RES_TEMPERROR;
	rows[n].spf_result = EMAUTH_RES_SOFTFAIL;
	COPY(rows[n].spf_scope, "helo");
	rows[n].dkim_aligned = rows[n].spf_aligned = 0;
	n++;
	row_init(&rows[n], "example.com", DAY + 40, "192.0.2.32");
	rows[n].dmarc = EMAUTH_RES_PERMERROR;
	rows[n].disposition = EMAUTH_DMARC_REJECT;
	rows[n].spf_result = EMAUTH_RES_PERMERROR;
	rows[n].dkim[0].result = EMAUTH_RES_TEMPERROR;
	COPY(rows[n].override_type, "policy_test_mode");
	n++;
	/* The policy in force is the latest row's: strict, np=none. */
	row_init(&rows[n], "example.com", DAY + 50, "192.0.2.33");
	rows[n].adkim = rows[n].aspf = 's';
	rows[n].np = EMAUTH_DMARC_NONE;
	COPY(rows[n].fo, "d:s");
	n++;
	add_rows(s, rows, n);

	struct emauth_report_opts o = day_opts(DAY);
	o.receiver = "receiver.example";
	o.extra_contact = "+1 555 0100 <&>";
	struct saved_list l;
	unsigned before = reports_checked;
	T_EQ_INT(build(s, &o, &l), 0);
	T_EQ_INT(l.n, 1);
	T_EQ_INT(reports_checked, before + 1);
	if (l.n == 1 && l.v[0].xml) {
		struct saved *e = &l.v[0];
		T_EQ_INT(e->records, 5);
		T_EQ_INT(e->messages, 5);
		T_TRUE(schema_valid(e->xml, e->xml_len, false));
		struct xp x;
		if (xp_open(&x, e)) {
			T_EQ_INT(
			    xp_num(&x,
			        "count(" REC(
			            "2001:db8::25") "/d:auth_results/d:dkim)"),
			    EMAUTH_REPORT_DKIM_MAX);
			T_EQ_STR(
			    xp_str(&x,
			        REC("2001:db8::25") "/d:row/d:policy_evaluated/"
			                            "d:reason/"
			                            "d:comment"),
			    "list <l@example.net> & \"co\"");
			T_EQ_STR(xp_str(&x, MD "extra_contact_info"),
			    "+1 555 0100 <&>");
			T_EQ_STR(xp_str(&x, REC("192.0.2.30") "/d:identifiers/"
			                                      "d:header_from"),
			    "bad??name?.example");
			T_EQ_INT(
			    xp_num(&x, "count(" REC(
			                   "192.0.2.30") "/d:auth_results/*)"),
			    0);
			T_EQ_STR(xp_str(&x, PP "adkim"), "s");
			T_EQ_STR(xp_str(&x, PP "np"), "none");
			T_EQ_STR(xp_str(&x, PP "fo"), "d:s");
			T_EQ_STR(xp_str(&x, "namespace-uri(/*)"), NS);
		}
		xp_close(&x);
		/* The validator does catch a bad report. */
		char *bad = malloc(e->xml_len + 1);
		if (bad) {
			memcpy(bad, e->xml, e->xml_len + 1);
			char *d = strstr(bad, "<disposition>");
			T_TRUE(d != NULL);
			if (d)
				memcpy(d + 13, "XXXX", 4);
			T_TRUE(!schema_valid(bad, e->xml_len, true));
			memcpy(bad, e->xml, e->xml_len + 1);
			d = strstr(bad, "<version>1.0</version>");
			T_TRUE(d != NULL);
			if (d)
				memcpy(d + 9, "abc", 3);
			T_TRUE(!schema_valid(bad, e->xml_len, true));
			free(bad);
		}
		/* The gzip copy holds the XML. */
		size_t ulen = 0;
		unsigned char *u = gunzip(e->gz, e->gz_len, &ulen);
		T_TRUE(u != NULL);
		if (u)
			T_EQ_MEM(u, ulen, e->xml, e->xml_len);
		free(u);
	}
	saved_free(&l);
	emauth_store_close(s);
}

/* 3. A day without traffic makes no report. */

static int
count_calls(void *arg, const struct emauth_report *r)
{
	(*(int *)arg)++;
	check_report(r, "receiver.example");
	return 0;
}

static void
test_no_traffic(void)
{
	struct emauth_store *s = open_store("quiet.db");
	struct emauth_report_row rows[3];
	row_init(&rows[0], "example.com", DAY + 10, "192.0.2.1");
	/* Rows that are never reported: no rua, no policy domain. */
	row_init(&rows[1], "norua.example", DAY + 86400 + 10, "192.0.2.1");
	rows[1].rua[0] = '\0';
	row_init(&rows[2], "", DAY + 86400 + 20, "192.0.2.1");
	add_rows(s, rows, 3);
	struct emauth_report_opts o = day_opts(DAY);
	o.receiver = "receiver.example";
	int calls = 0;
	if (s == NULL)
		return;
	T_EQ_INT(emauth_report_build(s, &o, count_calls, &calls), 0);
	T_EQ_INT(calls, 1);
	calls = 0;
	o = day_opts(DAY + 86400);
	o.receiver = "receiver.example";
	T_EQ_INT(emauth_report_build(s, &o, count_calls, &calls), 0);
	T_EQ_INT(calls, 0);
	o = day_opts(DAY - 86400);
	o.receiver = "receiver.example";
	T_EQ_INT(emauth_report_build(s, &o, count_calls, &calls), 0);
	T_EQ_INT(calls, 0);
	o = day_opts(DAY + 30 * 86400);
	o.receiver = "receiver.example";
	T_EQ_INT(emauth_report_build(s, &o, count_calls, &calls), 0);
	T_EQ_INT(calls, 0);
	emauth_store_close(s);
	/* An empty store. */
	s = open_store("empty.db");
	if (s) {
		o = day_opts(DAY);
		T_EQ_INT(emauth_report_build(s, &o, count_calls, &calls), 0);
		T_EQ_INT(calls, 0);
	}
	emauth_store_close(s);
}

/* 4. The order of records does not depend on the order of rows. */

static void
test_deterministic_order(void)
{
	struct emauth_report_row rows[8];
	size_t n = 0;
	for (int i = 0; i < 3; i++)
		row_init(&rows[n++], "example.com", DAY + 10 + i, "10.0.0.9");
	row_init(&rows[n++], "example.com", DAY + 20, "10.0.0.1");
	row_init(&rows[n], "example.com", DAY + 21, "10.0.0.5");
	row_fail(&rows[n++]);
	row_init(&rows[n], "example.com", DAY + 22, "10.0.0.1");
	COPY(rows[n++].dkim[0].selector, "b");
	for (int i = 0; i < 2; i++)
		row_init(&rows[n++], "example.com", DAY + 30 + i, "10.0.0.3");
	struct emauth_report_row rev[8];
	for (size_t i = 0; i < n; i++)
		rev[i] = rows[n - 1 - i];
	struct emauth_store *a = open_store("order-a.db");
	struct emauth_store *b = open_store("order-b.db");
	add_rows(a, rows, n);
	/* The other store gets them one at a time, backwards. */
	for (size_t i = 0; i < n; i++)
		add_rows(b, &rev[i], 1);
	struct emauth_report_opts o = day_opts(DAY);
	o.receiver = "receiver.example";
	struct saved_list la, lb;
	T_EQ_INT(build(a, &o, &la), 0);
	T_EQ_INT(build(b, &o, &lb), 0);
	T_EQ_INT(la.n, 1);
	T_EQ_INT(lb.n, 1);
	if (la.n == 1 && lb.n == 1 && la.v[0].xml && lb.v[0].xml) {
		T_EQ_MEM(
		    la.v[0].xml, la.v[0].xml_len, lb.v[0].xml, lb.v[0].xml_len);
		T_EQ_STR(la.v[0].filename, lb.v[0].filename);
		/* Most messages first, then by every column. */
		static const char *const ip[] = {
		    "10.0.0.9", "10.0.0.3", "10.0.0.1", "10.0.0.1", "10.0.0.5"};
		static const char *const count[] = {"3", "2", "1", "1", "1"};
		struct xp x;
		if (xp_open(&x, &la.v[0])) {
			T_EQ_INT(xp_num(&x, "count(/d:feedback/d:record)"), 5);
			for (int i = 0; i < 5; i++) {
				char q[200];
				snprintf(q, sizeof(q),
				    "/d:feedback/d:record[%d]/d:row/"
				    "d:source_ip",
				    i + 1);
				T_EQ_STR(xp_str(&x, q), ip[i]);
				snprintf(q, sizeof(q),
				    "/d:feedback/d:record[%d]/d:row/d:count",
				    i + 1);
				T_EQ_STR(xp_str(&x, q), count[i]);
			}
			T_EQ_STR(xp_str(&x, "/d:feedback/d:record[3]/"
			                    "d:auth_results/d:dkim/d:selector"),
			    "b");
			T_EQ_STR(xp_str(&x, "/d:feedback/d:record[4]/"
			                    "d:auth_results/d:dkim/d:selector"),
			    "sel1");
		}
		xp_close(&x);
	}
	/* The same report twice from one store. */
	struct saved_list lc;
	T_EQ_INT(build(a, &o, &lc), 0);
	if (lc.n == 1 && la.n == 1 && lc.v[0].xml && la.v[0].xml) {
		T_EQ_MEM(
		    lc.v[0].xml, lc.v[0].xml_len, la.v[0].xml, la.v[0].xml_len);
		T_EQ_STR(lc.v[0].id, la.v[0].id);
	}
	saved_free(&la);
	saved_free(&lb);
	saved_free(&lc);
	emauth_store_close(a);
	emauth_store_close(b);
}

/* The message that carries a report. */

static int
b64val(char c)
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

/* Decodes base64 from @p up to the first empty line. */
static size_t
b64_decode(const char *p, unsigned char *out, size_t max)
{
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	for (; *p && strncmp(p, "\r\n\r\n", 4) != 0; p++) {
		int v = b64val(*p);
		if (v < 0)
			continue;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < max)
				out[o] = (unsigned char)(acc >> bits);
			o++;
		}
	}
	return o;
}

/* Whether every line of @p ends in CRLF (no bare CR or LF). */
static bool
crlf_only(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			return false;
		if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
			return false;
	}
	return n >= 2 && p[n - 2] == '\r' && p[n - 1] == '\n';
}

struct msg_check {
	int calls;
};

static int
check_message(void *arg, const struct emauth_report *r)
{
	struct msg_check *c = arg;
	c->calls++;
	check_report(r, "receiver.example");
	struct emauth_report_opts o = day_opts(DAY);
	o.receiver = "receiver.example";
	char *m = NULL;
	size_t len = 0;
	T_EQ_INT(emauth_report_message(
	             r, &o, "agg@example.com", DAY + 86400 + 3600, &m, &len),
	    0);
	if (m == NULL)
		return 0;
	T_EQ_INT(strlen(m), len);
	T_TRUE(crlf_only(m, len));
	char want[1200];
	snprintf(want, sizeof(want), "\r\nSubject: %s\r\n", r->subject);
	T_TRUE(strstr(m, want) != NULL);
	static const char from[] =
	    "From: Receiver Org <dmarc-reports@receiver.example>\r\n";
	T_TRUE(strncmp(m, from, sizeof(from) - 1) == 0);
	T_TRUE(strstr(m, "\r\nTo: <agg@example.com>\r\n") != NULL);
	T_TRUE(strstr(m, "\r\nMIME-Version: 1.0\r\n") != NULL);
	T_TRUE(strstr(m, "Content-Type: multipart/mixed;") != NULL);
	T_TRUE(strstr(m, "Content-Type: application/gzip") != NULL);
	snprintf(want, sizeof(want), "filename=\"%s\"", r->filename);
	T_TRUE(strstr(m, want) != NULL);
	const char *att = strstr(m, "Content-Disposition: attachment");
	const char *body = att ? strstr(att, "\r\n\r\n") : NULL;
	T_TRUE(body != NULL);
	if (body) {
		unsigned char *gz = malloc(r->gz_len + 16);
		if (gz) {
			size_t n = b64_decode(body + 4, gz, r->gz_len + 16);
			T_EQ_MEM(gz, n, r->gz, r->gz_len);
			free(gz);
		}
	}
	free(m);
	T_EQ_INT(
	    emauth_report_message(r, &o, NULL, 0, &m, &len), EMAUTH_EINVAL);
	return 0;
}

static void
test_report_message(void)
{
	struct emauth_store *s = open_store("message.db");
	struct emauth_report_row rows[40];
	for (int i = 0; i < 40; i++) {
		char ip[32];
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		row_init(&rows[i], "example.com", DAY + 100 + i, ip);
	}
	add_rows(s, rows, 40);
	struct emauth_report_opts o = day_opts(DAY);
	o.receiver = "receiver.example";
	struct msg_check c = {0};
	if (s)
		T_EQ_INT(emauth_report_build(s, &o, check_message, &c), 0);
	T_EQ_INT(c.calls, 1);
	emauth_store_close(s);
}

/* 5. rua= and ruf= URIs. */

static void
test_report_uris(void)
{
	struct emauth_report_uri u[4];
	memset(u, 0, sizeof(u));
	T_EQ_INT(emauth_report_uris(
	             "mailto:a@x.example,mailto:b@y.example!10m", u, 4),
	    2);
	T_EQ_STR(u[0].address, "a@x.example");
	T_EQ_STR(u[0].domain, "x.example");
	T_EQ_INT(u[0].max_size, 0);
	T_EQ_STR(u[1].address, "b@y.example");
	T_EQ_STR(u[1].domain, "y.example");
	T_EQ_INT(u[1].max_size, 10ull * 1024 * 1024);

	T_EQ_INT(emauth_report_uris("mailto:a@x.example!5k", u, 4), 1);
	T_EQ_INT(u[0].max_size, 5ull * 1024);
	T_EQ_INT(emauth_report_uris("mailto:a@x.example!2g", u, 4), 1);
	T_EQ_INT(u[0].max_size, 2ull * 1024 * 1024 * 1024);
	T_EQ_INT(emauth_report_uris("mailto:a@x.example!1T", u, 4), 1);
	T_EQ_INT(u[0].max_size, 1ull << 40);
	T_EQ_INT(emauth_report_uris("mailto:a@x.example!12345", u, 4), 1);
	T_EQ_INT(u[0].max_size, 12345);
	T_EQ_STR(u[0].address, "a@x.example");

	/* %-decoding; the domain is lower-cased; spaces around. */
	T_EQ_INT(emauth_report_uris("mailto:reports%40X.Example", u, 4), 1);
	T_EQ_STR(u[0].address, "reports@X.Example");
	T_EQ_STR(u[0].domain, "x.example");
	T_EQ_INT(emauth_report_uris(" MAILTO:a%2Bb@x.example , ", u, 4), 1);
	T_EQ_STR(u[0].address, "a+b@x.example");

	/* Other schemes and addresses without a domain are skipped. */
	T_EQ_INT(
	    emauth_report_uris("http://x.example/r,mailto:c@z.example", u, 4),
	    1);
	T_EQ_STR(u[0].address, "c@z.example");
	T_EQ_INT(emauth_report_uris("http://x", u, 4), EMAUTH_ESYNTAX);
	T_EQ_INT(emauth_report_uris("mailto:nobody", u, 4), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    emauth_report_uris("mailto:nobody,mailto:d@w.example", u, 4), 1);
	T_EQ_STR(u[0].address, "d@w.example");
	T_EQ_INT(emauth_report_uris("garbage", u, 4), EMAUTH_ESYNTAX);
	T_EQ_INT(emauth_report_uris("", u, 4), EMAUTH_ESYNTAX);
	T_EQ_INT(emauth_report_uris(NULL, u, 4), EMAUTH_ESYNTAX);
	T_EQ_INT(emauth_report_uris("mailto:", u, 4), EMAUTH_ESYNTAX);
	T_EQ_INT(emauth_report_uris("mailto:@x.example", u, 4), EMAUTH_ESYNTAX);
	T_EQ_INT(emauth_report_uris("mailto:a@", u, 4), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    emauth_report_uris("mailto:a@b@x.example", u, 4), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    emauth_report_uris("mailto:a%4@x.example", u, 4), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    emauth_report_uris("mailto:a b@x.example", u, 4), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    emauth_report_uris("mailto:a@x.example!10x", u, 4), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    emauth_report_uris("mailto:a@x.example!", u, 4), EMAUTH_ESYNTAX);

	/* At most @max. */
	memset(u, 0, sizeof(u));
	COPY(u[2].address, "untouched");
	T_EQ_INT(emauth_report_uris(
	             "mailto:a@x.example,mailto:b@x.example,mailto:c@x.example",
	             u, 2),
	    2);
	T_EQ_STR(u[0].address, "a@x.example");
	T_EQ_STR(u[1].address, "b@x.example");
	T_EQ_STR(u[2].address, "untouched");
	T_EQ_INT(
	    emauth_report_uris("mailto:a@x.example", u, 0), EMAUTH_ESYNTAX);
}

/* 6. When a failure report is due. */

static void
test_failure_due(void)
{
	struct emauth_report_row r;
	row_init(&r, "example.com", DAY, "192.0.2.1");
	COPY(r.ruf, "mailto:ruf@example.com");
	/* A full pass: never due. */
	T_EQ_INT(emauth_report_failure_due(&r, "0"), 0);
	T_EQ_INT(emauth_report_failure_due(&r, "1"), 0);
	T_EQ_INT(emauth_report_failure_due(&r, "d"), 0);
	T_EQ_INT(emauth_report_failure_due(&r, "s"), 0);
	T_EQ_INT(emauth_report_failure_due(&r, "0:1:d:s"), 0);

	/* DMARC fails: 0 and 1 (and the default). */
	struct emauth_report_row f = r;
	f.dmarc = EMAUTH_RES_FAIL;
	f.dkim_aligned = f.spf_aligned = 0;
	T_EQ_INT(emauth_report_failure_due(&f, "0"), 1);
	T_EQ_INT(emauth_report_failure_due(&f, ""), 1);
	T_EQ_INT(emauth_report_failure_due(&f, NULL), 1);
	T_EQ_INT(emauth_report_failure_due(&f, "1"), 1);
	T_EQ_INT(emauth_report_failure_due(&f, "d"), 0); /* DKIM passed */
	T_EQ_INT(emauth_report_failure_due(&f, "s"), 0); /* SPF passed */
	T_EQ_INT(emauth_report_failure_due(&f, "0:d"), 1);

	/* DMARC passes by DKIM, SPF not aligned: only 1. */
	struct emauth_report_row one = r;
	one.spf_aligned = 0;
	T_EQ_INT(emauth_report_failure_due(&one, "0"), 0);
	T_EQ_INT(emauth_report_failure_due(&one, "1"), 1);
	T_EQ_INT(emauth_report_failure_due(&one, "d"), 0);

	/* A DKIM signature failed (DMARC still passes): d. */
	struct emauth_report_row d = r;
	d.ndkim = d.dkim_total = 2;
	COPY(d.dkim[1].domain, "other.example");
	COPY(d.dkim[1].selector, "x");
	d.dkim[1].result = EMAUTH_RES_FAIL;
	T_EQ_INT(emauth_report_failure_due(&d, "0"), 0);
	T_EQ_INT(emauth_report_failure_due(&d, "d"), 1);
	T_EQ_INT(emauth_report_failure_due(&d, "s"), 0);
	T_EQ_INT(emauth_report_failure_due(&d, "0:d"), 1);
	T_EQ_INT(emauth_report_failure_due(&d, "s:d"), 1);
	T_EQ_INT(emauth_report_failure_due(&d, "0:s"), 0);

	/* SPF failed (DMARC passes by DKIM): s. */
	struct emauth_report_row sp = r;
	sp.spf_result = EMAUTH_RES_FAIL;
	sp.spf_aligned = 0;
	T_EQ_INT(emauth_report_failure_due(&sp, "0"), 0);
	T_EQ_INT(emauth_report_failure_due(&sp, "s"), 1);
	T_EQ_INT(emauth_report_failure_due(&sp, "d"), 0);
	T_EQ_INT(emauth_report_failure_due(&sp, "0:d"), 0);
	sp.spf_result = EMAUTH_RES_SOFTFAIL;
	T_EQ_INT(emauth_report_failure_due(&sp, "s"), 1);

	/* Options are whole: "ds" is neither d nor s. */
	T_EQ_INT(emauth_report_failure_due(&d, "ds"), 0);

	/* No ruf=: never due. */
	struct emauth_report_row cases[] = {f, one, d, sp};
	static const char *const fos[] = {"0", "1", "d", "s", "0:d", "0:1:d:s"};
	for (size_t i = 0; i < EA_ARRAY_LEN(cases); i++) {
		cases[i].ruf[0] = '\0';
		for (size_t k = 0; k < EA_ARRAY_LEN(fos); k++)
			T_EQ_INT(
			    emauth_report_failure_due(&cases[i], fos[k]), 0);
	}
	/* Nor without a policy domain. */
	f.policy_domain[0] = '\0';
	T_EQ_INT(emauth_report_failure_due(&f, "0"), 0);
}

/* 7. The failure report message. */

static void
test_failure_message(void)
{
	struct emauth_report_row r;
	row_init(&r, "example.com", DAY + 600, "192.0.2.77");
	row_fail(&r);
	COPY(r.ruf, "mailto:ruf@example.com");
	COPY(r.dkim[0].selector, "brokensel");
	static const char crlf_msg[] = "From: Alice <alice@example.com>\r\n"
	                               "To: bob@rcpt.example\r\n"
	                               "Subject: quarterly numbers\r\n"
	                               "\r\n"
	                               "BODY-SECRET line one\r\n"
	                               "second line\r\n";
	static const char lf_msg[] = "From: Alice <alice@example.com>\n"
	                             "To: bob@rcpt.example\n"
	                             "Subject: quarterly numbers\n"
	                             "\n"
	                             "BODY-SECRET line one\n";
	struct emauth_failure_opts o;
	memset(&o, 0, sizeof(o));
	o.from = "dmarc-failures@receiver.example";
	o.reporter = "mx.receiver.example";
	o.mail_from = "bounce@example.com";
	for (int variant = 0; variant < 2; variant++) {
		const char *text = variant ? lf_msg : crlf_msg;
		struct emauth_span msg = {(const uint8_t *)text, strlen(text)};
		char *m = NULL;
		size_t len = 0;
		T_EQ_INT(emauth_report_failure_message(&r, msg, &o,
		             "ruf@example.com", DAY + 700, &m, &len),
		    0);
		if (m == NULL)
			continue;
		T_EQ_INT(strlen(m), len);
		T_TRUE(crlf_only(m, len));
		T_TRUE(strstr(m, "Content-Type: multipart/report; "
		                 "report-type=feedback-report") != NULL);
		T_TRUE(strstr(m, "Content-Type: message/feedback-report\r\n") !=
		       NULL);
		T_TRUE(
		    strstr(m, "\r\nFeedback-Type: auth-failure\r\n") != NULL);
		T_TRUE(strstr(m, "\r\nAuth-Failure: dmarc\r\n") != NULL);
		T_TRUE(strstr(m, "\r\nVersion: 1\r\n") != NULL);
		T_TRUE(strstr(m, "\r\nSource-IP: 192.0.2.77\r\n") != NULL);
		T_TRUE(
		    strstr(m, "\r\nReported-Domain: example.com\r\n") != NULL);
		T_TRUE(strstr(m, "\r\nReporting-MTA: dns; mx.receiver.example"
		                 "\r\n") != NULL);
		T_TRUE(strstr(m, "\r\nOriginal-Mail-From: <bounce@example.com>"
		                 "\r\n") != NULL);
		T_TRUE(strstr(m, "\r\nDKIM-Selector: brokensel\r\n") != NULL);
		T_TRUE(strstr(m, "\r\nDelivery-Result: reject\r\n") != NULL);
		T_TRUE(strstr(m, "\r\nTo: <ruf@example.com>\r\n") != NULL);
		static const char from[] =
		    "From: <dmarc-failures@receiver.example>\r\n";
		T_TRUE(strncmp(m, from, sizeof(from) - 1) == 0);
		T_TRUE(
		    strstr(m, "Content-Type: text/rfc822-headers\r\n") != NULL);
		T_TRUE(strstr(m, "message/rfc822") == NULL);
		T_TRUE(strstr(m, "\r\nFrom: Alice <alice@example.com>\r\n"
		                 "To: bob@rcpt.example\r\n"
		                 "Subject: quarterly numbers\r\n") != NULL);
		T_TRUE(strstr(m, "BODY-SECRET") == NULL);
		/* The last part is closed. */
		T_TRUE(len > 4 && strcmp(m + len - 4, "--\r\n") == 0);
		free(m);

		/* With the body. */
		o.include_body = 1;
		T_EQ_INT(emauth_report_failure_message(&r, msg, &o,
		             "ruf@example.com", DAY + 700, &m, &len),
		    0);
		if (m) {
			T_TRUE(crlf_only(m, len));
			T_TRUE(strstr(m, "Content-Type: message/rfc822\r\n") !=
			       NULL);
			T_TRUE(strstr(m, "\r\n\r\nBODY-SECRET line one\r\n") !=
			       NULL);
			T_TRUE(strstr(m, "text/rfc822-headers") == NULL);
		}
		free(m);
		o.include_body = 0;

		/* Redacted local parts. */
		o.redact = 1;
		T_EQ_INT(emauth_report_failure_message(&r, msg, &o,
		             "ruf@example.com", DAY + 700, &m, &len),
		    0);
		if (m) {
			T_TRUE(crlf_only(m, len));
			T_TRUE(strstr(m, "alice@") == NULL);
			T_TRUE(strstr(m, "bob@") == NULL);
			T_TRUE(strstr(m, "bounce@") == NULL);
			T_TRUE(strstr(m, "From: Alice <redacted@example.com>"
			                 "\r\n") != NULL);
			T_TRUE(
			    strstr(m, "To: redacted@rcpt.example\r\n") != NULL);
			T_TRUE(strstr(m, "Original-Mail-From: "
			                 "<redacted@example.com>\r\n") != NULL);
			/* The report's own addresses stay. */
			T_TRUE(
			    strstr(m, "\r\nTo: <ruf@example.com>\r\n") != NULL);
			T_TRUE(strstr(m, "BODY-SECRET") == NULL);
		}
		free(m);
		o.redact = 0;
	}
	/* Over 1 MiB. */
	size_t big = 1100 * 1024;
	char *huge = malloc(big);
	if (huge) {
		memset(huge, 'x', big);
		memcpy(huge, "Subject: big\r\n\r\n", 16);
		char *m = NULL;
		size_t len = 0;
		o.include_body = 1;
		T_EQ_INT(emauth_report_failure_message(&r,
		             (struct emauth_span){(const uint8_t *)huge, big},
		             &o, "ruf@example.com", DAY + 700, &m, &len),
		    EMAUTH_ETOOBIG);
		T_TRUE(m == NULL);
		o.include_body = 0;
		/* Only the header block: fits. */
		T_EQ_INT(emauth_report_failure_message(&r,
		             (struct emauth_span){(const uint8_t *)huge, big},
		             &o, "ruf@example.com", DAY + 700, &m, &len),
		    0);
		free(m);
		free(huge);
	}
}

/* 8. The sent state of a report. */

static void
test_sent_state(void)
{
	struct emauth_store *s = open_store("sent.db");
	if (s == NULL)
		return;
	struct emauth_report r;
	memset(&r, 0, sizeof(r));
	r.policy_domain = "example.com";
	r.report_id = "20231115abcdef0123456789";
	r.begin = DAY;
	r.end = DAY + 86399;
	const char *a = "agg@example.com", *b = "agg@other.example";
	T_EQ_INT(emauth_store_sent_state(s, "example.com", DAY, a),
	    EMAUTH_REPORT_NEW);
	T_EQ_INT(
	    emauth_store_mark_sent(s, &r, a, EMAUTH_REPORT_SENT, "250 ok"), 0);
	T_EQ_INT(emauth_store_sent_state(s, "example.com", DAY, a),
	    EMAUTH_REPORT_SENT);
	/* Per destination, domain and day. */
	T_EQ_INT(emauth_store_sent_state(s, "example.com", DAY, b),
	    EMAUTH_REPORT_NEW);
	T_EQ_INT(emauth_store_sent_state(s, "other.example", DAY, a),
	    EMAUTH_REPORT_NEW);
	T_EQ_INT(emauth_store_sent_state(s, "example.com", DAY + 86400, a),
	    EMAUTH_REPORT_NEW);
	/* Failed, then sent. */
	T_EQ_INT(emauth_store_mark_sent(
	             s, &r, b, EMAUTH_REPORT_FAILED, "451 try later"),
	    0);
	T_EQ_INT(emauth_store_sent_state(s, "example.com", DAY, b),
	    EMAUTH_REPORT_FAILED);
	T_EQ_INT(emauth_store_mark_sent(s, &r, b, EMAUTH_REPORT_SENT, NULL), 0);
	T_EQ_INT(emauth_store_sent_state(s, "example.com", DAY, b),
	    EMAUTH_REPORT_SENT);
	T_EQ_INT(
	    emauth_store_mark_sent(s, &r, b, EMAUTH_REPORT_SKIPPED, "too big"),
	    0);
	T_EQ_INT(emauth_store_sent_state(s, "example.com", DAY, b),
	    EMAUTH_REPORT_SKIPPED);
	T_EQ_INT(emauth_store_sent_state(s, "example.com", DAY, a),
	    EMAUTH_REPORT_SENT);
	emauth_store_close(s);
	/* Kept across opening again; one row per destination, with its
	 * tries. */
	s = open_store("sent.db");
	if (s)
		T_EQ_INT(emauth_store_sent_state(s, "example.com", DAY, b),
		    EMAUTH_REPORT_SKIPPED);
	emauth_store_close(s);
	T_EQ_INT(sql_num("sent.db", "SELECT COUNT(*) FROM emauth_reports"), 2);
	T_EQ_INT(sql_num("sent.db", "SELECT tries FROM emauth_reports WHERE "
	                            "dest = 'agg@other.example'"),
	    3);
}

/* 9. Retention. */

static int
mark_cb(void *arg, const struct emauth_report *r)
{
	struct emauth_store *s = arg;
	check_report(r, "receiver.example");
	int st = strcmp(r->policy_domain, "sent.example") == 0
	             ? EMAUTH_REPORT_SENT
	             : EMAUTH_REPORT_FAILED;
	if (strcmp(r->policy_domain, "new.example") == 0)
		return 0;
	T_EQ_INT(emauth_store_mark_sent(
	             s, r, "a@dest.example", EMAUTH_REPORT_SENT, NULL),
	    0);
	T_EQ_INT(emauth_store_mark_sent(s, r, "b@dest.example",
	             st == EMAUTH_REPORT_SENT ? EMAUTH_REPORT_SKIPPED
	                                      : EMAUTH_REPORT_FAILED,
	             "note"),
	    0);
	return 0;
}

static int
mark_failed_sent(void *arg, const struct emauth_report *r)
{
	struct emauth_store *s = arg;
	if (strcmp(r->policy_domain, "failed.example") == 0)
		T_EQ_INT(emauth_store_mark_sent(
		             s, r, "b@dest.example", EMAUTH_REPORT_SENT, NULL),
		    0);
	return 0;
}

static long long
rows_of(const char *db, const char *domain)
{
	char q[300];
	snprintf(q, sizeof(q),
	    "SELECT COUNT(*) FROM emauth_verdicts WHERE policy_domain = '%s'",
	    domain);
	return sql_num(db, q);
}

static void
test_prune(void)
{
	struct emauth_store *s = open_store("prune.db");
	if (s == NULL)
		return;
	struct emauth_report_row rows[16];
	size_t n = 0;
	/* sent.example: reported (sent and skipped) for DAY. */
	for (int i = 0; i < 3; i++)
		row_init(
		    &rows[n++], "sent.example", DAY + 100 + i, "192.0.2.1");
	/* ... and a row of the same day after the cutoff. */
	row_init(&rows[n++], "sent.example", DAY + 50000, "192.0.2.1");
	/* ... and one of the next day (its report not marked). */
	row_init(&rows[n++], "sent.example", DAY + 86400 + 10, "192.0.2.1");
	/* failed.example: sent to one destination, failed to the other. */
	for (int i = 0; i < 2; i++)
		row_init(
		    &rows[n++], "failed.example", DAY + 200 + i, "192.0.2.2");
	/* new.example: never tried. */
	for (int i = 0; i < 2; i++)
		row_init(&rows[n++], "new.example", DAY + 300 + i, "192.0.2.3");
	/* norua.example: nothing to report, before and after the cutoff. */
	row_init(&rows[n], "norua.example", DAY + 400, "192.0.2.4");
	rows[n++].rua[0] = '\0';
	row_init(&rows[n], "norua.example", DAY + 50000, "192.0.2.4");
	rows[n++].rua[0] = '\0';
	add_rows(s, rows, n);
	T_EQ_INT(n, 11);

	struct emauth_report_opts o = day_opts(DAY);
	o.receiver = "receiver.example";
	T_EQ_INT(emauth_report_build(s, &o, mark_cb, s), 0);
	T_EQ_INT(
	    emauth_store_sent_state(s, "sent.example", DAY, "b@dest.example"),
	    EMAUTH_REPORT_SKIPPED);
	T_EQ_INT(
	    emauth_store_sent_state(s, "failed.example", DAY, "b@dest.example"),
	    EMAUTH_REPORT_FAILED);

	int64_t cutoff = DAY + 43200;
	unsigned long deleted = 99;
	T_EQ_INT(emauth_store_prune(s, cutoff, &deleted), 0);
	T_EQ_INT(deleted, 4);
	T_EQ_INT(rows_of("prune.db", "sent.example"), 2);
	T_EQ_INT(rows_of("prune.db", "failed.example"), 2);
	T_EQ_INT(rows_of("prune.db", "new.example"), 2);
	T_EQ_INT(rows_of("prune.db", "norua.example"), 1);
	T_EQ_INT(sql_num("prune.db", "SELECT COUNT(*) FROM emauth_verdicts "
	                             "WHERE t < 1700049600 AND policy_domain "
	                             "= 'sent.example'"),
	    0);
	/* Nothing more to go. */
	T_EQ_INT(emauth_store_prune(s, cutoff, &deleted), 0);
	T_EQ_INT(deleted, 0);
	T_EQ_INT(emauth_store_prune(s, cutoff, NULL), 0);
	/* Once the failed destination is sent, that report's rows go. */
	T_EQ_INT(emauth_report_build(s, &o, mark_failed_sent, s), 0);
	T_EQ_INT(emauth_store_prune(s, cutoff, &deleted), 0);
	T_EQ_INT(deleted, 2);
	T_EQ_INT(rows_of("prune.db", "failed.example"), 0);
	T_EQ_INT(rows_of("prune.db", "new.example"), 2);
	/* A later cutoff takes the rest of sent.example's reported day,
	 * not its next day's. */
	T_EQ_INT(emauth_store_prune(s, DAY + 3 * 86400, &deleted), 0);
	T_EQ_INT(deleted, 2); /* sent.example DAY+50000, norua DAY+50000 */
	T_EQ_INT(rows_of("prune.db", "sent.example"), 1);
	T_EQ_INT(rows_of("prune.db", "new.example"), 2);
	T_EQ_INT(rows_of("prune.db", "norua.example"), 0);
	emauth_store_close(s);
}

/* 10. The schema's version. */

static void
test_schema_version(void)
{
	T_TRUE(emauth_store_schema_version() >= 1);
	struct emauth_store *s = open_store("version.db");
	emauth_store_close(s);
	T_EQ_INT(sql_num("version.db", "SELECT CAST(v AS INTEGER) FROM "
	                               "emauth_meta WHERE k = "
	                               "'schema_version'"),
	    emauth_store_schema_version());
	/* Opening again changes nothing. */
	s = open_store("version.db");
	emauth_store_close(s);
	T_EQ_INT(sql_num("version.db", "SELECT COUNT(*) FROM emauth_meta"), 1);
	T_EQ_INT(sql_num("version.db", "SELECT CAST(v AS INTEGER) FROM "
	                               "emauth_meta WHERE k = "
	                               "'schema_version'"),
	    emauth_store_schema_version());
	/* A newer schema is refused, and the message says so. */
	sql_run("version.db",
	    "UPDATE emauth_meta SET v='999' WHERE k='schema_version'");
	char spec[600], err[512] = "";
	snprintf(spec, sizeof(spec), "sqlite:%s/version.db", tmpdir);
	s = (struct emauth_store *)(uintptr_t)1;
	T_EQ_INT(emauth_store_open(spec, &s, err, sizeof(err)), EMAUTH_ESTATE);
	T_TRUE(s == NULL);
	if (strstr(err, "999") == NULL)
		T_FAILF("the error does not name the version: \"%s\"", err);
	/* And left as it was. */
	T_EQ_INT(sql_num("version.db", "SELECT CAST(v AS INTEGER) FROM "
	                               "emauth_meta WHERE k = "
	                               "'schema_version'"),
	    999);
}

/* 11. Store names that do not open. */

static void
test_bad_store_names(void)
{
	static const char *const bad[] = {
	    "mysql://x", "sqlite:", "", "/tmp/x.db"};
	for (size_t i = 0; i < EA_ARRAY_LEN(bad); i++) {
		char err[512] = "";
		struct emauth_store *s = (struct emauth_store *)(uintptr_t)1;
		T_EQ_INT(emauth_store_open(bad[i], &s, err, sizeof(err)),
		    EMAUTH_EINVAL);
		T_TRUE(s == NULL);
		if (err[0] == '\0')
			T_FAILF("no error text for \"%s\"", bad[i]);
	}
	char err[512] = "";
	struct emauth_store *s = NULL;
	T_EQ_INT(emauth_store_open(NULL, &s, err, sizeof(err)), EMAUTH_EINVAL);
	T_TRUE(err[0] != '\0');
	/* A NULL @err is allowed. */
	T_EQ_INT(emauth_store_open("mysql://x", &s, NULL, 0), EMAUTH_EINVAL);

	/* A file in a missing folder. */
	char spec[700];
	snprintf(spec, sizeof(spec), "sqlite:%s/no-such-folder/s.db", tmpdir);
	err[0] = '\0';
	s = (struct emauth_store *)(uintptr_t)1;
	T_EQ_INT(emauth_store_open(spec, &s, err, sizeof(err)), EMAUTH_EIO);
	T_TRUE(s == NULL);
	if (err[0] == '\0')
		T_FAILF("no error text for %s", spec);
	/* A file that is not a database. */
	char path[600];
	db_path("not-a-db", path, sizeof(path));
	FILE *f = fopen(path, "w");
	if (f) {
		for (int i = 0; i < 200; i++)
			fputs("this is not an SQLite database\n", f);
		fclose(f);
	}
	snprintf(spec, sizeof(spec), "sqlite:%s", path);
	err[0] = '\0';
	T_EQ_INT(emauth_store_open(spec, &s, err, sizeof(err)), EMAUTH_EIO);
	T_TRUE(err[0] != '\0');

	/* A PostgreSQL server that is not there: the error never holds the
	 * password. */
	static const char *const pg[] = {
	    "postgresql://u:hunter2@127.0.0.1:1/db?connect_timeout=3",
	    "postgres://u:hunter2@[::1/db",
	    "postgresql://u:hunter2@127.0.0.1:1/db?nosuchoption=1",
	};
	for (size_t i = 0; i < EA_ARRAY_LEN(pg); i++) {
		err[0] = '\0';
		s = (struct emauth_store *)(uintptr_t)1;
		T_EQ_INT(
		    emauth_store_open(pg[i], &s, err, sizeof(err)), EMAUTH_EIO);
		T_TRUE(s == NULL);
		T_TRUE(err[0] != '\0');
		if (strstr(err, "hunter2"))
			T_FAILF("the error shows the password: %s", err);
	}
	err[0] = '\0';
	T_EQ_INT(emauth_store_open(
	             "postgresX://u:hunter2@h/db", &s, err, sizeof(err)),
	    EMAUTH_EINVAL);
	if (strstr(err, "hunter2"))
		T_FAILF("the error shows the password: %s", err);
}

/* 12. The recorder. */

struct log_count {
	pthread_mutex_t lock;
	int n;
	int bad_level;
	char last[700];
};

static void
count_log(void *arg, int level, const char *msg)
{
	struct log_count *c = arg;
	pthread_mutex_lock(&c->lock);
	c->n++;
	if (level < 0 || level > 7)
		c->bad_level = 1;
	COPY(c->last, msg);
	pthread_mutex_unlock(&c->lock);
}

static int
logs_of(struct log_count *c)
{
	pthread_mutex_lock(&c->lock);
	int n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static void
test_recorder(void)
{
	char dir[600], spec[700];
	snprintf(dir, sizeof(dir), "%s/missing", tmpdir);
	snprintf(spec, sizeof(spec), "sqlite:%s/s.db", dir);
	struct log_count lc;
	memset(&lc, 0, sizeof(lc));
	pthread_mutex_init(&lc.lock, NULL);
	struct emauth_recorder_opts o;
	memset(&o, 0, sizeof(o));
	o.spec = spec;
	o.backlog_max = 10;
	o.batch_ms = 50;
	o.retry_ms = 50;
	o.log = count_log;
	o.log_arg = &lc;
	struct emauth_recorder *r = NULL;
	T_EQ_INT(emauth_recorder_new(&o, &r), 0);
	if (r == NULL) {
		pthread_mutex_destroy(&lc.lock);
		return;
	}
	int accepted = 0, limited = 0;
	for (int i = 0; i < 15; i++) {
		struct emauth_report_row row;
		char ip[32];
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		row_init(&row, "example.com", DAY + 100 + i, ip);
		int rc = emauth_recorder_add(r, &row);
		if (rc == 0)
			accepted++;
		else if (rc == EMAUTH_ELIMIT)
			limited++;
		else
			T_FAILF("emauth_recorder_add: %d", rc);
	}
	T_EQ_INT(accepted, 10);
	T_EQ_INT(limited, 5);
	struct emauth_recorder_stats st;
	emauth_recorder_stats(r, &st);
	T_EQ_INT(st.dropped, 5);
	T_EQ_INT(st.pending, 10);
	T_EQ_INT(st.queued, 10);
	T_EQ_INT(st.written, 0);
	/* Down once, full once; then many retries say nothing more. */
	for (int i = 0; i < 100 && logs_of(&lc) < 2; i++)
		sleep_ms(50);
	sleep_ms(400);
	T_EQ_INT(logs_of(&lc), 2);
	emauth_recorder_stats(r, &st);
	T_EQ_INT(st.pending, 10);
	T_EQ_INT(st.written, 0);
	T_EQ_INT(st.dropped, 5);

	/* The store comes back: the backlog is written. */
	T_EQ_INT(mkdir(dir, 0700), 0);
	for (int i = 0; i < 100; i++) {
		emauth_recorder_stats(r, &st);
		if (st.written == 10 && st.pending == 0)
			break;
		sleep_ms(50);
	}
	T_EQ_INT(st.written, 10);
	T_EQ_INT(st.pending, 0);
	T_EQ_INT(st.dropped, 5);
	int after = logs_of(&lc);
	T_TRUE(after >= 2 && after <= 4);
	T_TRUE(!lc.bad_level);
	T_EQ_INT(
	    sql_num("missing/s.db", "SELECT COUNT(*) FROM emauth_verdicts"),
	    10);

	/* Rows added just before the stop are written by it. */
	for (int i = 0; i < 3; i++) {
		struct emauth_report_row row;
		row_init(&row, "example.com", DAY + 200 + i, "198.51.100.1");
		T_EQ_INT(emauth_recorder_add(r, &row), 0);
	}
	emauth_recorder_free(r, 1000);
	T_EQ_INT(
	    sql_num("missing/s.db", "SELECT COUNT(*) FROM emauth_verdicts"),
	    13);
	struct emauth_store *s = open_store("missing/s.db");
	struct emauth_report_opts ro = day_opts(DAY);
	ro.receiver = "receiver.example";
	struct saved_list l;
	T_EQ_INT(build(s, &ro, &l), 0);
	T_EQ_INT(l.n, 1);
	if (l.n == 1) {
		T_EQ_INT(l.v[0].messages, 13);
		T_EQ_INT(l.v[0].records, 11);
	}
	saved_free(&l);
	emauth_store_close(s);
	pthread_mutex_destroy(&lc.lock);

	/* A recorder whose store never comes: the stop gives up after its
	 * wait, counting what it could not write. */
	memset(&lc, 0, sizeof(lc));
	pthread_mutex_init(&lc.lock, NULL);
	snprintf(spec, sizeof(spec), "sqlite:%s/never/s.db", tmpdir);
	o.spec = spec;
	T_EQ_INT(emauth_recorder_new(&o, &r), 0);
	if (r) {
		struct emauth_report_row row;
		row_init(&row, "example.com", DAY, "192.0.2.1");
		T_EQ_INT(emauth_recorder_add(r, &row), 0);
		emauth_recorder_free(r, 100);
	}
	T_TRUE(logs_of(&lc) >= 1);
	pthread_mutex_destroy(&lc.lock);

	struct emauth_recorder_opts none;
	memset(&none, 0, sizeof(none));
	T_EQ_INT(emauth_recorder_new(&none, &r), EMAUTH_EINVAL);
	emauth_recorder_free(NULL, 0);
}

/* 13. Rows from a verdict. */

static struct emauth_verdict *
failing_verdict(void)
{
	struct emauth_verdict *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return NULL;
	COPY(v->from_domain, "example.com");
	v->have_spf = 1;
	v->spf.result = EMAUTH_RES_FAIL;
	v->spf.identity = EMAUTH_SPF_MAILFROM;
	COPY(v->spf.domain, "bounce.other.example");
	v->ndkim = v->dkim_total = 2;
	v->dkim[0].result = EMAUTH_RES_PASS;
	COPY(v->dkim[0].domain, "other.example");
	COPY(v->dkim[0].selector, "s1");
	v->dkim[1].result = EMAUTH_RES_FAIL;
	COPY(v->dkim[1].domain, "example.com");
	COPY(v->dkim[1].selector, "s2");
	v->have_dmarc = 1;
	v->dmarc.result = EMAUTH_RES_FAIL;
	v->dmarc.disposition = EMAUTH_DMARC_REJECT;
	v->dmarc.dkim_aligned = v->dmarc.spf_aligned = 0;
	struct emauth_dmarc_discovery *d = &v->dmarc.d;
	d->result = EMAUTH_RES_PASS;
	COPY(d->domain, "example.com");
	COPY(d->policy_domain, "example.com");
	COPY(d->org_domain, "example.com");
	d->policy_tag = "p";
	d->policy = EMAUTH_DMARC_REJECT;
	d->domain_exists = 1;
	d->record.valid = 1;
	d->record.has_policy = 1;
	d->record.p = EMAUTH_DMARC_REJECT;
	d->record.sp = EMAUTH_DMARC_QUARANTINE;
	d->record.np = EMAUTH_DMARC_REJECT;
	d->record.adkim_strict = 1;
	d->record.psd = 'n';
	COPY(d->record.rua, "mailto:agg@example.com");
	COPY(d->record.ruf, "mailto:ruf@example.com");
	COPY(d->record.fo, "1");
	return v;
}

static void
test_row_from_verdict(void)
{
	struct emauth_verdict *v = failing_verdict();
	struct emauth_report_row *row = calloc(1, sizeof(*row));
	if (v == NULL || row == NULL) {
		T_FAILF("out of memory");
		free(v);
		free(row);
		return;
	}
	struct emauth_report_env env;
	memset(&env, 0, sizeof(env));
	env.time = DAY + 100;
	env.ip = "203.0.113.5";
	env.mode = EMAUTH_DMARC_RFC7489;
	env.mail_from = "<Bounce@Bounce.Other.Example>";
	env.rcpt_to = "user@Rcpt.Example";
	env.applied = EMAUTH_DMARC_NONE;
	T_EQ_INT(emauth_report_row_from_verdict(v, &env, row), 0);
	T_EQ_INT(row->time, DAY + 100);
	T_EQ_STR(row->ip, "203.0.113.5");
	T_EQ_STR(row->header_from, "example.com");
	T_EQ_STR(row->envelope_from, "bounce.other.example");
	T_EQ_STR(row->envelope_to, "rcpt.example");
	T_EQ_STR(row->spf_domain, "bounce.other.example");
	T_EQ_STR(row->spf_scope, "mfrom");
	T_EQ_INT(row->spf_result, EMAUTH_RES_FAIL);
	T_EQ_INT(row->ndkim, 2);
	T_EQ_INT(row->dkim_total, 2);
	T_EQ_STR(row->dkim[0].domain, "other.example");
	T_EQ_STR(row->dkim[0].selector, "s1");
	T_EQ_INT(row->dkim[0].result, EMAUTH_RES_PASS);
	T_EQ_STR(row->dkim[1].selector, "s2");
	T_EQ_INT(row->dkim[1].result, EMAUTH_RES_FAIL);
	T_EQ_STR(row->policy_domain, "example.com");
	T_EQ_INT(row->p, EMAUTH_DMARC_REJECT);
	T_EQ_INT(row->sp, EMAUTH_DMARC_QUARANTINE);
	T_EQ_INT(row->np, EMAUTH_DMARC_REJECT);
	T_EQ_INT(row->adkim, 's');
	T_EQ_INT(row->aspf, 'r');
	T_EQ_INT(row->psd, 'n');
	T_EQ_INT(row->testing, 0);
	T_EQ_STR(row->discovery, "psl");
	T_EQ_STR(row->rua, "mailto:agg@example.com");
	T_EQ_STR(row->ruf, "mailto:ruf@example.com");
	T_EQ_STR(row->fo, "1");
	T_EQ_INT(row->dmarc, EMAUTH_RES_FAIL);
	T_EQ_INT(row->dkim_aligned, 0);
	T_EQ_INT(row->spf_aligned, 0);
	/* The receiver applied none: a local policy override. */
	T_EQ_INT(row->disposition, EMAUTH_DMARC_NONE);
	T_EQ_STR(row->override_type, "local_policy");
	T_EQ_STR(row->override_comment, "");
	T_EQ_INT(emauth_report_failure_due(row, row->fo), 1);

	/* The policy's disposition. */
	env.applied = EMAUTH_DMARC_UNSET;
	env.mode = EMAUTH_DMARC_RFC9989;
	T_EQ_INT(emauth_report_row_from_verdict(v, &env, row), 0);
	T_EQ_INT(row->disposition, EMAUTH_DMARC_REJECT);
	T_EQ_STR(row->override_type, "");
	T_EQ_STR(row->discovery, "treewalk");
	/* Applying what the policy asked is no override. */
	env.applied = EMAUTH_DMARC_REJECT;
	T_EQ_INT(emauth_report_row_from_verdict(v, &env, row), 0);
	T_EQ_INT(row->disposition, EMAUTH_DMARC_REJECT);
	T_EQ_STR(row->override_type, "");
	/* A named override with a comment. */
	env.applied = EMAUTH_DMARC_QUARANTINE;
	env.override_type = "mailing_list";
	env.override_comment = "list.example";
	T_EQ_INT(emauth_report_row_from_verdict(v, &env, row), 0);
	T_EQ_INT(row->disposition, EMAUTH_DMARC_QUARANTINE);
	T_EQ_STR(row->override_type, "mailing_list");
	T_EQ_STR(row->override_comment, "list.example");
	env.override_type = env.override_comment = NULL;
	/* The null reverse-path, no recipient, SPF by HELO. */
	env.applied = EMAUTH_DMARC_UNSET;
	env.mail_from = "";
	env.rcpt_to = NULL;
	v->spf.identity = EMAUTH_SPF_HELO;
	COPY(v->spf.domain, "mx.other.example");
	T_EQ_INT(emauth_report_row_from_verdict(v, &env, row), 0);
	T_EQ_STR(row->envelope_from, "");
	T_EQ_STR(row->envelope_to, "");
	T_EQ_STR(row->spf_scope, "helo");
	T_EQ_STR(row->spf_domain, "mx.other.example");
	env.mail_from = "bounce@other.example";
	v->spf.identity = EMAUTH_SPF_MAILFROM;

	/* t=y lowered reject to quarantine: policy_test_mode. */
	v->dmarc.d.record.testing = 1;
	v->dmarc.disposition = EMAUTH_DMARC_QUARANTINE;
	T_EQ_INT(emauth_report_row_from_verdict(v, &env, row), 0);
	T_EQ_INT(row->testing, 1);
	T_EQ_INT(row->disposition, EMAUTH_DMARC_QUARANTINE);
	T_EQ_STR(row->override_type, "policy_test_mode");
	v->dmarc.d.record.testing = 0;
	v->dmarc.disposition = EMAUTH_DMARC_REJECT;

	/* A pass: disposition none, no override. */
	v->dmarc.result = EMAUTH_RES_PASS;
	v->dmarc.dkim_aligned = 1;
	T_EQ_INT(emauth_report_row_from_verdict(v, &env, row), 0);
	T_EQ_INT(row->dmarc, EMAUTH_RES_PASS);
	T_EQ_INT(row->disposition, EMAUTH_DMARC_NONE);
	T_EQ_INT(row->dkim_aligned, 1);
	T_EQ_STR(row->override_type, "");
	T_EQ_INT(emauth_report_failure_due(row, "0"), 0);

	/* The rows go through the store into a valid report. */
	struct emauth_report_row rows[3];
	env.applied = EMAUTH_DMARC_UNSET;
	T_EQ_INT(emauth_report_row_from_verdict(v, &env, &rows[0]), 0);
	v->dmarc.result = EMAUTH_RES_FAIL;
	v->dmarc.dkim_aligned = 0;
	T_EQ_INT(emauth_report_row_from_verdict(v, &env, &rows[1]), 0);
	env.applied = EMAUTH_DMARC_NONE;
	T_EQ_INT(emauth_report_row_from_verdict(v, &env, &rows[2]), 0);
	struct emauth_store *s = open_store("verdict.db");
	add_rows(s, rows, 3);
	struct emauth_report_opts o = day_opts(DAY);
	o.receiver = "receiver.example";
	struct saved_list l;
	T_EQ_INT(build(s, &o, &l), 0);
	T_EQ_INT(l.n, 1);
	if (l.n == 1) {
		T_EQ_INT(l.v[0].records, 3);
		struct xp x;
		if (xp_open(&x, &l.v[0])) {
			T_EQ_INT(xp_num(&x, "count(//d:reason[d:type="
			                    "'local_policy'])"),
			    1);
			T_EQ_INT(xp_num(&x, "count(//d:disposition[.="
			                    "'reject'])"),
			    1);
			T_EQ_INT(
			    xp_num(&x, "count(//d:disposition[.='pass'])"), 1);
			T_EQ_STR(xp_str(&x, PP "p"), "reject");
			T_EQ_STR(xp_str(&x, PP "adkim"), "s");
		}
		xp_close(&x);
	}
	saved_free(&l);
	emauth_store_close(s);

	/* A From problem: permerror, rejected. */
	struct emauth_verdict *w = calloc(1, sizeof(*w));
	if (w) {
		w->from_problem = "no From field";
		env.applied = EMAUTH_DMARC_UNSET;
		T_EQ_INT(emauth_report_row_from_verdict(w, &env, row), 0);
		T_EQ_INT(row->dmarc, EMAUTH_RES_PERMERROR);
		T_EQ_INT(row->disposition, EMAUTH_DMARC_REJECT);
		T_EQ_STR(row->override_type, "");
		T_EQ_STR(row->policy_domain, "");
		T_EQ_STR(row->rua, "");
		T_EQ_STR(row->ip, "203.0.113.5");
		/* Nothing at all to record. */
		w->from_problem = NULL;
		T_EQ_INT(emauth_report_row_from_verdict(w, &env, row),
		    EMAUTH_EINVAL);
		free(w);
	}
	free(v);
	free(row);
}

/* Where the schema is: EMAUTH_TOP, next to the zones folder, or by this
 * file's path. */
static void
find_schema(const char *zones)
{
	static const char rel[] =
	    "tests/data/suites/dmarc-report-schema/dmarc-2.0.xsd";
	const char *top = getenv("EMAUTH_TOP");
	if (top && top[0]) {
		snprintf(xsd_path, sizeof(xsd_path), "%s/%s", top, rel);
		if (access(xsd_path, R_OK) == 0)
			return;
	}
	if (zones) {
		snprintf(xsd_path, sizeof(xsd_path),
		    "%s/../suites/dmarc-report-schema/dmarc-2.0.xsd", zones);
		if (access(xsd_path, R_OK) == 0)
			return;
	}
	/* __FILE__ is .../tests/unit/report/test_report.c */
	const char *file = __FILE__;
	const char *end = strstr(file, "tests/unit/report/");
	if (end) {
		snprintf(xsd_path, sizeof(xsd_path), "%.*s%s",
		    (int)(end - file), file, rel);
		if (access(xsd_path, R_OK) == 0)
			return;
	}
	snprintf(xsd_path, sizeof(xsd_path), "%s", rel);
}

/* emauth_report_import_read(): a report read as it comes, from a source
 * that gives a few bytes at a time; a cap exceeded or a source that fails
 * half-way rejects it whole. */

struct src {
	const uint8_t *p;
	size_t len, off, step, fail_at;
};

static int
src_read(void *ctx, uint8_t *buf, size_t len, size_t *got)
{
	struct src *t = ctx;
	*got = 0;
	if (t->fail_at && t->off >= t->fail_at)
		return -1;
	size_t k = t->len - t->off;
	k = k < t->step ? k : t->step;
	k = k < len ? k : len;
	memcpy(buf, t->p + t->off, k);
	t->off += k;
	*got = k;
	return 0;
}

static uint8_t *
gz_of(const char *d, size_t n, size_t *out)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	        Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&z, (uLong)n) + 64;
	uint8_t *b = malloc(cap);
	z.next_in = (Bytef *)(uintptr_t)d;
	z.avail_in = (uInt)n;
	z.next_out = b;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	*out = cap - z.avail_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(b);
		return NULL;
	}
	return b;
}

struct last_item {
	char reason[512];
	int status;
	unsigned long rows;
};

static void
keep_last(void *arg, const struct emauth_import_item *it)
{
	struct last_item *l = arg;
	snprintf(l->reason, sizeof(l->reason), "%s", it->reason);
	l->status = (int)it->status;
	l->rows = it->rows;
}

static char *
big_report(const char *id, unsigned records, size_t *len)
{
	size_t cap = 400 + (size_t)records * 200;
	char *x = malloc(cap);
	size_t n = (size_t)snprintf(x, cap,
	    "<?xml version=\"1.0\"?>\n<feedback><report_metadata><org_name>"
	    "stream.example</org_name><report_id>%s</report_id><date_range>"
	    "<begin>1764633600</begin><end>1764719999</end></date_range>"
	    "</report_metadata><policy_published><domain>shop.example"
	    "</domain><p>none</p></policy_published>\n",
	    id);
	for (unsigned i = 0; i < records; i++)
		n += (size_t)snprintf(x + n, cap - n,
		    "<record><row><source_ip>10.%u.%u.%u</source_ip><count>2"
		    "</count></row><identifiers><header_from>shop.example"
		    "</header_from></identifiers></record>\n",
		    i >> 16 & 255, i >> 8 & 255, i & 255);
	n += (size_t)snprintf(x + n, cap - n, "</feedback>\n");
	*len = n;
	return x;
}

static void
test_import_read(void)
{
	struct emauth_store *s = open_store("stream.db");
	if (s == NULL)
		return;
	struct last_item last;
	struct emauth_import_opts o = {0};
	o.each = keep_last;
	o.arg = &last;
	struct emauth_import_stats st = {0};
	size_t xl, gl;
	/* Plain XML, 1000 bytes a read. */
	char *x = big_report("s-1", 5000, &xl);
	struct src t = {(const uint8_t *)x, xl, 0, 1000, 0};
	T_EQ_INT(
	    emauth_report_import_read(s, "s-1.xml", src_read, &t, &o, &st), 0);
	T_EQ_INT(last.status, EMAUTH_IMPORT_IMPORTED);
	T_EQ_INT(last.rows, 5000);
	free(x);
	/* Gzipped, 7 bytes a read; then the same over a cap under its
	 * size. */
	x = big_report("s-2", 5000, &xl);
	uint8_t *gz = gz_of(x, xl, &gl);
	T_TRUE(gz != NULL);
	t = (struct src){gz, gl, 0, 7, 0};
	T_EQ_INT(
	    emauth_report_import_read(s, "s-2.xml.gz", src_read, &t, &o, &st),
	    0);
	T_EQ_INT(last.status, EMAUTH_IMPORT_IMPORTED);
	T_EQ_INT(last.rows, 5000);
	free(x);
	free(gz);
	x = big_report("s-3", 5000, &xl);
	gz = gz_of(x, xl, &gl);
	t = (struct src){gz, gl, 0, 4096, 0};
	o.max_bytes = xl - 1;
	T_EQ_INT(
	    emauth_report_import_read(s, "s-3.xml.gz", src_read, &t, &o, &st),
	    0);
	o.max_bytes = 0;
	T_EQ_INT(last.status, EMAUTH_IMPORT_REJECTED);
	T_TRUE(strstr(last.reason,
	           "gzip: refused, over the size cap: more than") != NULL);
	/* Cut short. */
	t = (struct src){gz, gl / 2, 0, 4096, 0};
	T_EQ_INT(
	    emauth_report_import_read(s, "s-3.xml.gz", src_read, &t, &o, &st),
	    0);
	T_EQ_INT(last.status, EMAUTH_IMPORT_REJECTED);
	T_TRUE(strstr(last.reason, "gzip: truncated gzip data") != NULL);
	free(gz);
	/* The source fails half-way. */
	t = (struct src){(const uint8_t *)x, xl, 0, 1000, xl / 2};
	T_EQ_INT(
	    emauth_report_import_read(s, "s-3.xml", src_read, &t, &o, &st), 0);
	T_EQ_INT(last.status, EMAUTH_IMPORT_REJECTED);
	T_EQ_STR(last.reason, "reading the input failed");
	free(x);
	/* Not XML: read whole, then opened (a message with the report). */
	x = big_report("s-4", 3, &xl);
	char *m = malloc(xl + 200);
	int ml = snprintf(m, xl + 200,
	    "From: r@stream.example\r\nSubject: report\r\nContent-Type: "
	    "text/xml\r\n\r\n%s",
	    x);
	t = (struct src){(const uint8_t *)m, (size_t)ml, 0, 5, 0};
	T_EQ_INT(
	    emauth_report_import_read(s, "s-4.eml", src_read, &t, &o, &st), 0);
	T_EQ_INT(last.status, EMAUTH_IMPORT_IMPORTED);
	T_EQ_INT(last.rows, 3);
	free(x);
	free(m);
	T_EQ_INT(st.imported, 3);
	T_EQ_INT(st.rejected, 3);
	emauth_store_close(s);
	/* Nothing of the rejected ones stayed. */
	T_EQ_INT(
	    sql_num("stream.db", "SELECT COUNT(*) FROM emauth_agg_records"),
	    10003);
}

int
main(int argc, char **argv)
{
	emauth_global_init();
	xmlInitParser();
	find_schema(argc > 1 ? argv[1] : NULL);
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd_path);
	if (pc) {
		schema = xmlSchemaParse(pc);
		xmlSchemaFreeParserCtxt(pc);
	}
	if (schema == NULL)
		fprintf(stderr, "cannot load the schema %s\n", xsd_path);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/emauth-report-test.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 2;
	}
	T_RUN(test_grouping_and_counting);
	T_RUN(test_want_and_stop);
	T_RUN(test_schema_validation);
	T_RUN(test_no_traffic);
	T_RUN(test_deterministic_order);
	T_RUN(test_report_message);
	T_RUN(test_report_uris);
	T_RUN(test_failure_due);
	T_RUN(test_failure_message);
	T_RUN(test_sent_state);
	T_RUN(test_prune);
	T_RUN(test_schema_version);
	T_RUN(test_bad_store_names);
	T_RUN(test_recorder);
	T_RUN(test_row_from_verdict);
	T_RUN(test_import_read);
	rm_tree(tmpdir);
	if (schema)
		xmlSchemaFree(schema);
	xmlCleanupParser();
	return t_summary();
}
