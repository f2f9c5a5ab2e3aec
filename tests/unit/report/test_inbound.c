/*
 * test_inbound.c: the MIME walk (src/report/mime.c) and the gzip and zip
 * extraction (src/report/archive.c) of inbound reports. The real report
 * mails of tests/data/suites/dmarc-reports-parsedmarc/ and
 * dmarc-reports-stalwart/ give up their attachments, which decompress to
 * the XML report; parsedmarc's extract_report/ files decompress to exactly
 * nice-input.xml. Written inputs check every cap (depth, parts, decoded
 * bytes, header bytes, a gzip and a zip bomb, zip entries), both transfer
 * encodings, LF-only messages, a missing close delimiter, the parameter
 * forms (quoted, RFC 2231, RFC 2047), message/rfc822 walked into, and
 * ea_mime_header's unfolding and ETOOBIG. The suites folder is
 * $EMAUTH_TOP/tests/data/suites, or ARGV[1]/../suites (ARGV[1] being
 * tests/data/zones).
 */
#include "common/internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "common/alloc.h"
#include "common/span.h"
#include "harness/t.h"
#include "msg/mime.h"
#include "report/inbound.h"
#include "report/xml_in.h"

static char suites[4096];

/* Helpers. */

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		T_FAILF("cannot open %s", path);
		*len = 0;
		return NULL;
	}
	size_t cap = 4096, n = 0;
	uint8_t *p = malloc(cap);
	size_t k;
	while ((k = fread(p + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap)
			p = realloc(p, cap *= 2);
	}
	fclose(f);
	*len = n;
	return p;
}

static uint8_t *
read_suite(const char *rel, size_t *len)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", suites, rel);
	return read_file(path, len);
}

#define PARTS_MAX 64

struct got {
	unsigned n;
	struct {
		char type[128], filename[256];
		unsigned depth;
		int is_message;
		char *body; /* a NUL-terminated copy */
		size_t len;
		char *headers;
	} p[PARTS_MAX];
	bool descend;
	unsigned stop_at;
};

static int
collect(void *arg, const struct ea_mime_part *part)
{
	struct got *g = arg;
	if (g->n < PARTS_MAX) {
		unsigned i = g->n;
		memcpy(g->p[i].type, part->type, sizeof(part->type));
		memcpy(
		    g->p[i].filename, part->filename, sizeof(part->filename));
		g->p[i].depth = part->depth;
		g->p[i].is_message = part->is_message;
		g->p[i].body = malloc(part->body.len + 1);
		if (part->body.len)
			memcpy(g->p[i].body, part->body.p, part->body.len);
		g->p[i].body[part->body.len] = '\0';
		g->p[i].len = part->body.len;
		g->p[i].headers = malloc(part->headers.len + 1);
		if (part->headers.len)
			memcpy(g->p[i].headers, part->headers.p,
			    part->headers.len);
		g->p[i].headers[part->headers.len] = '\0';
	}
	g->n++;
	if (g->stop_at != 0 && g->n == g->stop_at)
		return 42;
	return g->descend && part->is_message ? EA_MIME_DESCEND : 0;
}

static void
got_free(struct got *g)
{
	for (unsigned i = 0; i < g->n && i < PARTS_MAX; i++) {
		free(g->p[i].body);
		free(g->p[i].headers);
	}
	memset(g, 0, sizeof(*g));
}

static int
walk_str(const char *msg, const struct ea_mime_limits *lim, struct got *g,
    char *err, size_t errsize)
{
	return ea_mime_walk(ea_span_str(msg), lim, collect, g, err, errsize);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Whether @p starts like an XML report (after a BOM and white space). */
static bool
looks_like_report(const uint8_t *p, size_t n)
{
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		p += 3;
		n -= 3;
	}
	while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
		p++;
		n--;
	}
	return (n >= 5 && memcmp(p, "<?xml", 5) == 0) ||
	       (n >= 9 && memcmp(p, "<feedback", 9) == 0);
}

/* Gzip of @n bytes @in (zlib's gzip wrapper). */
static uint8_t *
gzip_make(const uint8_t *in, size_t n, size_t *len)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	        Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&z, (uLong)n);
	uint8_t *out = malloc(cap);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	*len = (size_t)z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

/* A zip of @n entries ("NAME" and "DATA" pairs), with libarchive's
 * writer; @size_each, when not 0, makes entry data of that many zeros. */
static uint8_t *
zip_make(const char *const *names, const char *const *data, unsigned n,
    size_t size_each, size_t *len)
{
	size_t cap = 1 << 20;
	uint8_t *buf = malloc(cap);
	struct archive *a = archive_write_new();
	archive_write_set_format_zip(a);
	if (archive_write_open_memory(a, buf, cap, len) != ARCHIVE_OK) {
		T_FAILF(
		    "archive_write_open_memory: %s", archive_error_string(a));
		archive_write_free(a);
		free(buf);
		return NULL;
	}
	uint8_t *zeros = size_each ? calloc(1, size_each) : NULL;
	for (unsigned i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		const void *d = size_each ? (const void *)zeros : data[i];
		size_t dn = size_each ? size_each : strlen(data[i]);
		archive_entry_set_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)dn);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    archive_write_data(a, d, dn) != (la_ssize_t)dn)
			T_FAILF("archive write: %s", archive_error_string(a));
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	free(zeros);
	return buf;
}

struct zipped {
	unsigned n;
	char names[16][256];
	uint8_t *data[16];
	size_t len[16];
};

static int
zip_collect(void *arg, const char *name, struct emauth_span data)
{
	struct zipped *z = arg;
	if (z->n < 16) {
		ea_copy_str(z->names[z->n], sizeof(z->names[0]), name);
		z->data[z->n] = malloc(data.len + 1);
		if (data.len)
			memcpy(z->data[z->n], data.p, data.len);
		z->len[z->n] = data.len;
	}
	z->n++;
	return 0;
}

static void
zipped_free(struct zipped *z)
{
	for (unsigned i = 0; i < z->n && i < 16; i++)
		free(z->data[i]);
	memset(z, 0, sizeof(*z));
}

/* The suites' report mails. */

static const struct {
	const char *file, *type, *filename;
} aggregate_emls[] = {
    {"dmarc-reports-parsedmarc/aggregate/Report domain- borschow.com "
     "Submitter- google.com Report-ID- 949348866075514174.eml",
        "application/zip", "google.com!borschow.com!1549929600!1550015999.zip"},
    {"dmarc-reports-parsedmarc/aggregate/twilight.eml", "application/zip",
        "google.com!twlnet.com!1549756800!1549843199.zip"},
    {"dmarc-reports-stalwart/aggregate/100.eml", "application/zip",
        "google.com!stalw.art!1669507200!1669593599.zip"},
    {"dmarc-reports-stalwart/aggregate/101.eml", "application/gzip",
        "backschues.net!stalw.art!1667948400!1668034800.xml.gz"},
    {"dmarc-reports-stalwart/aggregate/102.eml", "application/gzip",
        "mail.ru!stalw.art!1667865600!1667952000.xml.gz"},
    {"dmarc-reports-stalwart/aggregate/103.eml", "application/gzip",
        "protection.outlook.com!stalw.art!1666483200!1666569600.xml.gz"},
    {"dmarc-reports-stalwart/aggregate/104.eml", "application/octet-stream",
        "amazonses.com!stalw.art!1663545600!1663632000.xml.gz"},
};

/* The attachment @data named @name, decompressed by its name, is an XML
 * report. */
static void
check_report_attachment(
    const char *file, const char *name, const uint8_t *data, size_t len)
{
	char err[256];
	if (ends_with(name, ".gz")) {
		uint8_t *xml;
		size_t xlen;
		int rc = ea_gunzip(ea_span(data, len), 64u << 20, &xml, &xlen,
		    err, sizeof(err));
		T_EQ_INT(rc, 0);
		if (rc != 0) {
			T_FAILF("%s: %s", file, err);
			return;
		}
		if (!looks_like_report(xml, xlen))
			T_FAILF("%s: %s is not an XML report", file, name);
		ea_free(xml);
	} else if (ends_with(name, ".zip")) {
		struct zipped z;
		memset(&z, 0, sizeof(z));
		int rc = ea_unzip(ea_span(data, len), 64u << 20, 16,
		    zip_collect, &z, err, sizeof(err));
		T_EQ_INT(rc, 0);
		T_EQ_INT(z.n, 1);
		if (rc != 0)
			T_FAILF("%s: %s", file, err);
		else if (z.n == 1) {
			T_TRUE(ends_with(z.names[0], ".xml"));
			if (!looks_like_report(z.data[0], z.len[0]))
				T_FAILF("%s: %s/%s is not an XML report", file,
				    name, z.names[0]);
		}
		zipped_free(&z);
	} else if (!looks_like_report(data, len))
		T_FAILF("%s: %s is not an XML report", file, name);
}

static void
test_suite_aggregate_emls(void)
{
	for (size_t i = 0; i < EA_ARRAY_LEN(aggregate_emls); i++) {
		size_t len;
		uint8_t *msg = read_suite(aggregate_emls[i].file, &len);
		if (msg == NULL)
			continue;
		struct got g;
		char err[256];
		memset(&g, 0, sizeof(g));
		int rc = ea_mime_walk(
		    ea_span(msg, len), NULL, collect, &g, err, sizeof(err));
		if (rc != 0)
			T_FAILF("%s: %d %s", aggregate_emls[i].file, rc, err);
		unsigned found = 0;
		for (unsigned k = 0; k < g.n && k < PARTS_MAX; k++) {
			if (!ends_with(g.p[k].filename, ".zip") &&
			    !ends_with(g.p[k].filename, ".gz") &&
			    !ends_with(g.p[k].filename, ".xml"))
				continue;
			found++;
			T_EQ_STR(g.p[k].type, aggregate_emls[i].type);
			T_EQ_STR(g.p[k].filename, aggregate_emls[i].filename);
			check_report_attachment(aggregate_emls[i].file,
			    g.p[k].filename, (const uint8_t *)g.p[k].body,
			    g.p[k].len);
		}
		if (found != 1)
			T_FAILF("%s: %u attachments", aggregate_emls[i].file,
			    found);
		got_free(&g);
		free(msg);
	}
}

/* Every .eml of both suites: one list of the folders, read with
 * readdir, so that a mail added to a suite is walked too. */
static void
test_suite_every_eml(void)
{
	static const char *const dirs[] = {"dmarc-reports-parsedmarc/aggregate",
	    "dmarc-reports-parsedmarc/failure",
	    "dmarc-reports-stalwart/aggregate", "dmarc-reports-stalwart/arf"};
	unsigned total = 0;
	for (size_t d = 0; d < EA_ARRAY_LEN(dirs); d++) {
		char path[8192];
		snprintf(path, sizeof(path), "%s/%s", suites, dirs[d]);
		DIR *dir = opendir(path);
		if (dir == NULL) {
			T_FAILF("cannot open %s", path);
			continue;
		}
		struct dirent *de;
		while ((de = readdir(dir)) != NULL) {
			if (!ends_with(de->d_name, ".eml"))
				continue;
			char rel[8192];
			snprintf(
			    rel, sizeof(rel), "%s/%s", dirs[d], de->d_name);
			size_t len;
			uint8_t *msg = read_suite(rel, &len);
			if (msg == NULL)
				continue;
			total++;
			struct got g;
			char err[256];
			memset(&g, 0, sizeof(g));
			g.descend = true;
			int rc = ea_mime_walk(ea_span(msg, len), NULL, collect,
			    &g, err, sizeof(err));
			if (rc != 0 || g.n == 0)
				T_FAILF(
				    "%s: %d %s (%u parts)", rel, rc, err, g.n);
			bool aggregate = strstr(dirs[d], "aggregate") != NULL;
			unsigned reports = 0, attached = 0, messages = 0;
			for (unsigned k = 0; k < g.n && k < PARTS_MAX; k++) {
				if (strcmp(g.p[k].type,
				        "message/feedback-report") == 0) {
					reports++;
					/* Netease's is base64-encoded. */
					if (strstr(g.p[k].body,
					        "Feedback-Type") == NULL)
						T_FAILF("%s: no Feedback-Type",
						    rel);
				}
				if (g.p[k].is_message)
					messages++;
				if (ends_with(g.p[k].filename, ".zip") ||
				    ends_with(g.p[k].filename, ".gz")) {
					attached++;
					check_report_attachment(rel,
					    g.p[k].filename,
					    (const uint8_t *)g.p[k].body,
					    g.p[k].len);
				}
			}
			if (aggregate && attached != 1)
				T_FAILF("%s: %u attachments", rel, attached);
			if (!aggregate && reports != 1)
				T_FAILF(
				    "%s: %u feedback reports", rel, reports);
			/* The failed message, walked into: a leaf after. */
			for (unsigned k = 0; k + 1 < g.n && k < PARTS_MAX; k++)
				if (g.p[k].is_message)
					T_TRUE(g.p[k + 1].depth > g.p[k].depth);
			(void)messages;
			got_free(&g);
			free(msg);
		}
		closedir(dir);
	}
	T_EQ_INT(total, 7 + 3 + 5);
}

static void
test_extract_report(void)
{
	size_t xl, gl, zl;
	uint8_t *xml = read_suite(
	    "dmarc-reports-parsedmarc/extract_report/nice-input.xml", &xl);
	uint8_t *gz = read_suite(
	    "dmarc-reports-parsedmarc/extract_report/nice-input.xml.gz", &gl);
	uint8_t *zip = read_suite(
	    "dmarc-reports-parsedmarc/extract_report/nice-input.xml.zip", &zl);
	if (xml == NULL || gz == NULL || zip == NULL)
		goto out;
	char err[256];
	uint8_t *out;
	size_t n;
	T_EQ_INT(
	    ea_gunzip(ea_span(gz, gl), 1 << 20, &out, &n, err, sizeof(err)), 0);
	T_EQ_MEM(out, n, xml, xl);
	ea_free(out);
	/* The cap is exact: the size itself passes, one less is refused. */
	T_EQ_INT(ea_gunzip(ea_span(gz, gl), xl, &out, &n, err, sizeof(err)), 0);
	ea_free(out);
	T_EQ_INT(ea_gunzip(ea_span(gz, gl), xl - 1, &out, &n, err, sizeof(err)),
	    EMAUTH_ELIMIT);
	T_TRUE(out == NULL && n == 0);

	struct zipped z;
	memset(&z, 0, sizeof(z));
	T_EQ_INT(ea_unzip(ea_span(zip, zl), 1 << 20, 4, zip_collect, &z, err,
	             sizeof(err)),
	    0);
	T_EQ_INT(z.n, 1);
	if (z.n == 1) {
		T_EQ_STR(z.names[0], "nice-input.xml");
		T_EQ_MEM(z.data[0], z.len[0], xml, xl);
	}
	zipped_free(&z);
	T_EQ_INT(ea_unzip(ea_span(zip, zl), xl - 1, 4, zip_collect, &z, err,
	             sizeof(err)),
	    EMAUTH_ELIMIT);
	T_EQ_INT(z.n, 0);
	/* The one gzip of the aggregate folder. */
	free(gz);
	gz = read_suite("dmarc-reports-parsedmarc/aggregate/"
	                "fastmail.com!example.com!1516060800!1516147199!"
	                "102675056.xml.gz",
	    &gl);
	if (gz != NULL) {
		T_EQ_INT(ea_gunzip(ea_span(gz, gl), 1 << 20, &out, &n, err,
		             sizeof(err)),
		    0);
		T_TRUE(out != NULL && looks_like_report(out, n));
		ea_free(out);
	}
out:
	free(xml);
	free(gz);
	free(zip);
}

/* Archives. */

static void
test_gzip_bomb(void)
{
	size_t n = (size_t)20 << 20, gl;
	uint8_t *zeros = calloc(1, n);
	uint8_t *gz = gzip_make(zeros, n, &gl);
	T_TRUE(gz != NULL && gl < n / 100);
	char err[256];
	uint8_t *out = (uint8_t *)zeros;
	size_t len = 1;
	T_EQ_INT(
	    ea_gunzip(ea_span(gz, gl), 1 << 20, &out, &len, err, sizeof(err)),
	    EMAUTH_ELIMIT);
	T_TRUE(out == NULL && len == 0);
	T_TRUE(strstr(err, "more than 1048576 bytes") != NULL);
	/* Under a cap that holds it, it is 20 MiB of zeros. */
	T_EQ_INT(
	    ea_gunzip(ea_span(gz, gl), 32u << 20, &out, &len, err, sizeof(err)),
	    0);
	T_EQ_INT(len, n);
	T_TRUE(out != NULL && memcmp(out, zeros, n) == 0);
	ea_free(out);
	free(gz);
	free(zeros);
}

static void
test_gzip_members_and_errors(void)
{
	size_t l1, l2, n;
	uint8_t *a = gzip_make((const uint8_t *)"hello, ", 7, &l1);
	uint8_t *b = gzip_make((const uint8_t *)"world", 5, &l2);
	uint8_t *both = malloc(l1 + l2 + 4);
	memcpy(both, a, l1);
	memcpy(both + l1, b, l2);
	memset(both + l1 + l2, 0, 4); /* zero padding after the members */
	char err[256];
	uint8_t *out;
	/* RFC 1952 §2.2: members one after another. */
	T_EQ_INT(ea_gunzip(ea_span(both, l1 + l2 + 4), 100, &out, &n, err,
	             sizeof(err)),
	    0);
	T_EQ_MEM(out, n, "hello, world", 12);
	ea_free(out);
	T_EQ_INT(
	    ea_gunzip(ea_span(both, l1 + l2), 11, &out, &n, err, sizeof(err)),
	    EMAUTH_ELIMIT);
	/* Not gzip, truncated, corrupt. */
	T_EQ_INT(ea_gunzip(ea_span_str("<?xml version='1.0'?>"), 100, &out, &n,
	             err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_TRUE(out == NULL && strstr(err, "not gzip") != NULL);
	T_EQ_INT(ea_gunzip(ea_span(a, l1 - 6), 100, &out, &n, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(ea_gunzip(ea_span(a, 2), 100, &out, &n, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	memcpy(both, a, l1);
	both[l1 - 5] ^= 0xff; /* the CRC-32 and length trailer */
	T_EQ_INT(ea_gunzip(ea_span(both, l1), 100, &out, &n, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_TRUE(out == NULL && n == 0);
	/* An empty member is an empty output, not an error. */
	free(b);
	b = gzip_make((const uint8_t *)"", 0, &l2);
	T_EQ_INT(ea_gunzip(ea_span(b, l2), 0, &out, &n, err, sizeof(err)), 0);
	T_TRUE(out != NULL && n == 0);
	ea_free(out);
	free(a);
	free(b);
	free(both);
}

static void
test_zip_entries_limit(void)
{
	static const char *const names[] = {
	    "a.xml", "b.xml", "sub/c.xml", "d.xml", "e.xml"};
	static const char *const data[] = {
	    "<feedback>a</feedback>", "bb", "", "dddd", "eeeee"};
	size_t zl;
	uint8_t *zip = zip_make(names, data, 5, 0, &zl);
	if (zip == NULL)
		return;
	char err[256];
	struct zipped z;
	memset(&z, 0, sizeof(z));
	T_EQ_INT(ea_unzip(ea_span(zip, zl), 1 << 20, 4, zip_collect, &z, err,
	             sizeof(err)),
	    EMAUTH_ELIMIT);
	T_TRUE(strstr(err, "more than 4 entries") != NULL);
	T_EQ_INT(z.n, 0); /* refused: nothing given */
	T_EQ_INT(ea_unzip(ea_span(zip, zl), 1 << 20, 5, zip_collect, &z, err,
	             sizeof(err)),
	    0);
	T_EQ_INT(z.n, 5);
	for (unsigned i = 0; i < 5 && i < z.n; i++) {
		T_EQ_STR(z.names[i], names[i]);
		T_EQ_MEM(z.data[i], z.len[i], data[i], strlen(data[i]));
	}
	zipped_free(&z);
	/* The bytes in all: 33 pass, 32 are refused. */
	T_EQ_INT(ea_unzip(ea_span(zip, zl), 33, 5, zip_collect, &z, err,
	             sizeof(err)),
	    0);
	zipped_free(&z);
	T_EQ_INT(ea_unzip(ea_span(zip, zl), 32, 5, zip_collect, &z, err,
	             sizeof(err)),
	    EMAUTH_ELIMIT);
	T_EQ_INT(z.n, 0);
	/* Not a zip. */
	T_EQ_INT(ea_unzip(ea_span_str("PK but not a zip archive at all"),
	             1 << 20, 5, zip_collect, &z, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_TRUE(err[0] != '\0');
	T_EQ_INT(ea_unzip(ea_span(zip, 0), 1 << 20, 5, zip_collect, &z, err,
	             sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(z.n, 0);
	free(zip);
}

static int
stop_second(void *arg, const char *name, struct emauth_span data)
{
	(void)name;
	(void)data;
	return ++*(unsigned *)arg == 2 ? 9 : 0;
}

static void
test_zip_bomb_and_stop(void)
{
	static const char *const names[] = {"one.xml", "two.xml", "three.xml"};
	size_t zl;
	uint8_t *zip = zip_make(names, NULL, 3, (size_t)8 << 20, &zl);
	if (zip == NULL)
		return;
	T_TRUE(zl < (size_t)1 << 20); /* 24 MiB of zeros, deflated */
	char err[256];
	struct zipped z;
	memset(&z, 0, sizeof(z));
	T_EQ_INT(ea_unzip(ea_span(zip, zl), 1 << 20, 8, zip_collect, &z, err,
	             sizeof(err)),
	    EMAUTH_ELIMIT);
	T_TRUE(strstr(err, "decompression bomb") != NULL);
	T_EQ_INT(z.n, 0);
	/* A callback's value stops the walk and is returned. */
	unsigned calls = 0;
	T_EQ_INT(ea_unzip(ea_span(zip, zl), 32u << 20, 8, stop_second, &calls,
	             err, sizeof(err)),
	    9);
	T_EQ_INT(calls, 2);
	free(zip);
}

/* The MIME walk's caps. */

/* A message of @levels nested multiparts around one text part. */
static char *
nested(unsigned levels)
{
	size_t cap = 200 + levels * 200;
	char *m = malloc(cap);
	size_t n = 0;
	n += (size_t)snprintf(m + n, cap - n, "From: a@example.com\r\n");
	for (unsigned i = 0; i < levels; i++)
		n += (size_t)snprintf(m + n, cap - n,
		    "Content-Type: multipart/mixed; boundary=\"b%u\"\r\n"
		    "\r\n--b%u\r\n",
		    i, i);
	n += (size_t)snprintf(
	    m + n, cap - n, "Content-Type: text/plain\r\n\r\ndeep\r\n");
	for (unsigned i = levels; i-- > 0;)
		n += (size_t)snprintf(m + n, cap - n, "--b%u--\r\n", i);
	return m;
}

static void
test_depth_limit(void)
{
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	char *m = nested(8);
	T_EQ_INT(walk_str(m, NULL, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 1);
	T_EQ_INT(g.p[0].depth, 8);
	T_EQ_STR(g.p[0].body, "deep");
	got_free(&g);
	free(m);
	m = nested(9);
	T_EQ_INT(walk_str(m, NULL, &g, err, sizeof(err)), EMAUTH_ELIMIT);
	T_EQ_INT(g.n, 0);
	T_TRUE(strstr(err, "more than 8 nested parts") != NULL);
	got_free(&g);
	struct ea_mime_limits lim = {9, 1000, 1 << 20, 1 << 16};
	T_EQ_INT(walk_str(m, &lim, &g, err, sizeof(err)), 0);
	got_free(&g);
	free(m);
	/* Deep nesting the caller asks for is held to the ceiling. */
	m = nested(70);
	lim.max_depth = 1000;
	T_EQ_INT(walk_str(m, &lim, &g, err, sizeof(err)), EMAUTH_ELIMIT);
	T_TRUE(strstr(err, "more than 64 nested parts") != NULL);
	got_free(&g);
	free(m);
	/* A message/rfc822 walked into is a level too. */
	const char *msg = "Content-Type: message/rfc822\r\n\r\n"
	                  "Content-Type: message/rfc822\r\n\r\n"
	                  "Subject: inner\r\n\r\nbody\r\n";
	lim.max_depth = 1;
	g.descend = true;
	T_EQ_INT(walk_str(msg, &lim, &g, err, sizeof(err)), EMAUTH_ELIMIT);
	T_EQ_INT(g.n, 2);
	T_TRUE(strstr(err, "more than 1 nested parts") != NULL);
	got_free(&g);
}

static void
test_parts_limit(void)
{
	char m[8192];
	size_t n = 0;
	n += (size_t)snprintf(m + n, sizeof(m) - n,
	    "Content-Type: multipart/mixed; boundary=x\n\n");
	for (int i = 0; i < 10; i++)
		n += (size_t)snprintf(
		    m + n, sizeof(m) - n, "--x\n\npart %d\n", i);
	snprintf(m + n, sizeof(m) - n, "--x--\n");
	struct ea_mime_limits lim = {8, 11, 1 << 20, 1 << 16};
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	/* The message and its ten parts. */
	T_EQ_INT(walk_str(m, &lim, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 10);
	T_EQ_STR(g.p[9].body, "part 9");
	got_free(&g);
	lim.max_parts = 10;
	T_EQ_INT(walk_str(m, &lim, &g, err, sizeof(err)), EMAUTH_ELIMIT);
	T_EQ_INT(g.n, 9); /* the walk stops: nothing after the cap */
	T_TRUE(strstr(err, "more than 10 parts") != NULL);
	got_free(&g);
}

static void
test_decoded_and_header_limits(void)
{
	const char *msg = "Content-Type: multipart/mixed; boundary=x\n\n"
	                  "--x\nContent-Transfer-Encoding: base64\n\n"
	                  "MDEyMzQ1Njc4OQ==\n" /* 10 bytes */
	                  "--x\nContent-Transfer-Encoding: quoted-printable\n\n"
	                  "abc=3D=\n\n" /* 4 bytes */
	                  "--x--\n";
	struct ea_mime_limits lim = {8, 100, 14, 1 << 16};
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	T_EQ_INT(walk_str(msg, &lim, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 2);
	T_EQ_STR(g.p[0].body, "0123456789");
	T_EQ_STR(g.p[1].body, "abc=");
	got_free(&g);
	lim.max_decoded = 13;
	T_EQ_INT(walk_str(msg, &lim, &g, err, sizeof(err)), EMAUTH_ELIMIT);
	T_EQ_INT(g.n, 1);
	T_TRUE(strstr(err, "more than 13 decoded bytes") != NULL);
	got_free(&g);
	lim.max_decoded = 9;
	T_EQ_INT(walk_str(msg, &lim, &g, err, sizeof(err)), EMAUTH_ELIMIT);
	T_EQ_INT(g.n, 0);
	got_free(&g);

	/* Header blocks: the message's (42 bytes) and each part's (the
	 * largest is 44). */
	lim.max_decoded = 1 << 20;
	lim.max_header = 44;
	T_EQ_INT(walk_str(msg, &lim, &g, err, sizeof(err)), 0);
	got_free(&g);
	lim.max_header = 43;
	T_EQ_INT(walk_str(msg, &lim, &g, err, sizeof(err)), EMAUTH_ELIMIT);
	T_EQ_INT(g.n, 1);
	T_TRUE(strstr(err, "header block of more than 43 bytes") != NULL);
	T_TRUE(strstr(err, "at byte 103") != NULL);
	got_free(&g);
	const char *m2 = "Subject: x\n\nbody";
	lim.max_header = 11;
	T_EQ_INT(walk_str(m2, &lim, &g, err, sizeof(err)), 0);
	got_free(&g);
	lim.max_header = 10;
	T_EQ_INT(walk_str(m2, &lim, &g, err, sizeof(err)), EMAUTH_ELIMIT);
	T_TRUE(strstr(err, "at byte 0") != NULL);
	got_free(&g);
}

/* Transfer encodings and line ends. */

static void
test_quoted_printable(void)
{
	const char *msg = "Content-Type: text/plain; charset=utf-8\r\n"
	                  "Content-Transfer-Encoding: Quoted-Printable\r\n\r\n"
	                  "caf=C3=A9 =3d soft=\r\n"
	                  "break, trailing   \r\n"
	                  "tab=09end=  \r\n"
	                  "= stays, =ZZ stays, =4\r\n"
	                  "last line=";
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	T_EQ_INT(walk_str(msg, NULL, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 1);
	T_EQ_INT(g.p[0].depth, 0);
	T_EQ_STR(g.p[0].body, "caf\xc3\xa9 = softbreak, trailing\r\n"
	                      "tab\tend= stays, =ZZ stays, =4\r\n"
	                      "last line");
	got_free(&g);
}

static void
test_base64_lenient(void)
{
	const char *msg =
	    "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding:  BASE64 (a comment)\n\n"
	    "aGVs\n"
	    "bG8s\t IHdv*!\r\n" /* white space and stray characters */
	    "cmxk\n"
	    "IQ\n"; /* "!" without its "==" */
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	T_EQ_INT(walk_str(msg, NULL, &g, err, sizeof(err)), 0);
	T_EQ_STR(g.p[0].body, "hello, world!");
	T_EQ_INT(g.p[0].len, 13);
	got_free(&g);
	/* Two encodings joined: "=" ends a quantum. */
	const char *m2 = "Content-Transfer-Encoding: base64\n\nYQ==Yg==YWJj\n";
	T_EQ_INT(walk_str(m2, NULL, &g, err, sizeof(err)), 0);
	T_EQ_STR(g.p[0].body, "ababc");
	got_free(&g);
	/* 7bit, 8bit, binary and unknown encodings: as they are, and
	 * the body is then a span of the input. */
	const char *m3 = "Content-Transfer-Encoding: x-uuencode\n\nYWJj\n";
	T_EQ_INT(walk_str(m3, NULL, &g, err, sizeof(err)), 0);
	T_EQ_STR(g.p[0].body, "YWJj\n");
	got_free(&g);
}

static void
test_lf_only(void)
{
	const char *msg = "From: r@example.net\n"
	                  "Subject: Report\n"
	                  "Content-Type: multipart/mixed;\n"
	                  "\tboundary=\"==LF==\"\n"
	                  "\n"
	                  "preamble\n"
	                  "--==LF==\n"
	                  "Content-Type: text/plain\n"
	                  "\n"
	                  "text\n"
	                  "line 2\n"
	                  "--==LF==\n"
	                  "Content-Type: application/gzip\n"
	                  "Content-Disposition: attachment;\n"
	                  " filename=\"r.xml.gz\"\n"
	                  "Content-Transfer-Encoding: base64\n"
	                  "\n"
	                  "H4sI\n"
	                  "--==LF==--\n"
	                  "epilogue\n";
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	T_EQ_INT(walk_str(msg, NULL, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 2);
	T_EQ_STR(g.p[0].type, "text/plain");
	T_EQ_STR(g.p[0].body, "text\nline 2");
	T_EQ_INT(g.p[0].depth, 1);
	T_EQ_STR(g.p[1].type, "application/gzip");
	T_EQ_STR(g.p[1].filename, "r.xml.gz");
	T_EQ_MEM(g.p[1].body, g.p[1].len, "\x1f\x8b\x08", 3);
	T_EQ_STR(g.p[1].headers, "Content-Type: application/gzip\n"
	                         "Content-Disposition: attachment;\n"
	                         " filename=\"r.xml.gz\"\n"
	                         "Content-Transfer-Encoding: base64\n");
	got_free(&g);
}

static void
test_missing_close_boundary(void)
{
	const char *msg = "Content-Type: multipart/mixed; boundary=\"b 1\"\r\n"
	                  "\r\n"
	                  "--b 1\r\n"
	                  "\r\n"
	                  "first\r\n"
	                  "--b 1   \r\n" /* transport padding */
	                  "Content-Type: text/xml; name=r.xml\r\n"
	                  "\r\n"
	                  "<feedback/>\r\n"
	                  "--b 1x is not a delimiter\r\n"
	                  "--b 1-- neither\r\n";
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	T_EQ_INT(walk_str(msg, NULL, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 2);
	T_EQ_STR(g.p[0].body, "first");
	T_EQ_STR(g.p[1].type, "text/xml");
	T_EQ_STR(g.p[1].filename, "r.xml");
	/* The last part runs to the end. */
	T_EQ_STR(g.p[1].body, "<feedback/>\r\n--b 1x is not a delimiter\r\n"
	                      "--b 1-- neither\r\n");
	got_free(&g);
	/* No delimiter at all: no part. A multipart without a boundary is a
	 * leaf as it is. */
	T_EQ_INT(walk_str("Content-Type: multipart/mixed; boundary=z\n\nx\n",
	             NULL, &g, err, sizeof(err)),
	    0);
	T_EQ_INT(g.n, 0);
	T_EQ_INT(walk_str("Content-Type: multipart/mixed\n\nx\n", NULL, &g, err,
	             sizeof(err)),
	    0);
	T_EQ_INT(g.n, 1);
	T_EQ_STR(g.p[0].type, "multipart/mixed");
	got_free(&g);
	/* Empty parts and a part without a header block. */
	T_EQ_INT(walk_str("Content-Type: multipart/mixed; boundary=z\n\n"
	                  "--z\n--z\nno header here\n--z--\n",
	             NULL, &g, err, sizeof(err)),
	    0);
	T_EQ_INT(g.n, 2);
	T_EQ_STR(g.p[0].body, "");
	T_EQ_STR(g.p[1].body, "no header here");
	T_EQ_STR(g.p[1].type, "text/plain");
	got_free(&g);
}

/* Types and parameters. */

static void
test_content_type_params(void)
{
	const char *msg =
	    "CONTENT-TYPE: (comment) Multipart/Mixed (c) ; charset=x;\r\n"
	    "  BOUNDARY = \"a\\\"q;b\" ; other=1\r\n"
	    "\r\n"
	    "--a\"q;b\r\n"
	    "content-type: APPLICATION/ZIP; NAME=\"report one.zip\"\r\n"
	    "\r\n"
	    "z\r\n"
	    "--a\"q;b\r\n"
	    "Content-Type: application/gzip; name=ignored.gz\r\n"
	    "Content-Disposition: attachment; FileName=\"dispo.gz\"\r\n"
	    "\r\n"
	    "g\r\n"
	    "--a\"q;b\r\n"
	    "Content-Type: application/octet-stream; name=amazonses.com!x"
	    "!1663545600!1663632000.xml.gz\r\n"
	    "\r\n"
	    "o\r\n"
	    "--a\"q;b\r\n"
	    "Content-Type: /nonsense\r\n"
	    "\r\n"
	    "t\r\n"
	    "--a\"q;b--\r\n";
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	T_EQ_INT(walk_str(msg, NULL, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 4);
	T_EQ_STR(g.p[0].type, "application/zip");
	T_EQ_STR(g.p[0].filename, "report one.zip");
	T_EQ_STR(g.p[1].type, "application/gzip");
	T_EQ_STR(g.p[1].filename, "dispo.gz");
	T_EQ_STR(
	    g.p[2].filename, "amazonses.com!x!1663545600!1663632000.xml.gz");
	/* RFC 2045 §5.2: a type that does not parse is text/plain. */
	T_EQ_STR(g.p[3].type, "text/plain");
	got_free(&g);
}

static void
test_filename_forms(void)
{
	const char *msg =
	    "Content-Type: multipart/mixed; boundary=B\n\n"
	    "--B\n"
	    "Content-Disposition: attachment;\n"
	    " filename*=UTF-8''r%C3%A9port%20a.xml.gz; filename=plain.gz\n\n"
	    "--B\n"
	    "Content-Disposition: attachment; filename*0=\"long-\";\n"
	    " filename*1*=%41%42; filename*2=\"-end.zip\"\n\n"
	    "--B\n"
	    "Content-Disposition: attachment;\n"
	    " filename*0*=iso-8859-1'fr'caf%E9; filename*1=.zip\n\n"
	    "--B\n"
	    "Content-Type: application/zip;\n"
	    " name=\"=?UTF-8?B?csOpcG9ydA==?= =?utf-8?q?_b=2Ezip?=\"\n\n"
	    "--B\n"
	    "Content-Type: application/zip;\n"
	    " name=\"=?koi8-r?B?5M/L1c3FztQ=?=\"\n\n"
	    "--B\n"
	    "Content-Disposition: attachment; filename*=koi8-r''%E4.zip\n\n"
	    "--B\n"
	    "Content-Disposition: attachment; filename*1=\"gap\"\n\n"
	    "--B--\n";
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	T_EQ_INT(walk_str(msg, NULL, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 7);
	/* RFC 2231 §4: the extended form wins. */
	T_EQ_STR(g.p[0].filename, "r\xc3\xa9port a.xml.gz");
	/* §3 continuations, plain and extended mixed. */
	T_EQ_STR(g.p[1].filename, "long-AB-end.zip");
	T_EQ_STR(g.p[2].filename, "caf\xc3\xa9.zip");
	/* RFC 2047 words, white space between them dropped. */
	T_EQ_STR(g.p[3].filename, "r\xc3\xa9port b.zip");
	/* Other charsets: kept as written. */
	T_EQ_STR(g.p[4].filename, "=?koi8-r?B?5M/L1c3FztQ=?=");
	T_EQ_STR(g.p[5].filename, "koi8-r''%E4.zip");
	/* Continuations that do not start at 0: none. */
	T_EQ_STR(g.p[6].filename, "");
	got_free(&g);
}

static void
test_defaults_and_digest(void)
{
	const char *msg = "Subject: no type\n\nplain body\n";
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	T_EQ_INT(walk_str(msg, NULL, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 1);
	T_EQ_STR(g.p[0].type, "text/plain");
	T_EQ_STR(g.p[0].filename, "");
	T_EQ_INT(g.p[0].depth, 0);
	T_EQ_STR(g.p[0].body, "plain body\n");
	T_EQ_STR(g.p[0].headers, "Subject: no type\n");
	got_free(&g);
	/* RFC 2046 §5.1.5: a digest's parts are message/rfc822. */
	const char *d = "Content-Type: multipart/digest; boundary=d\n\n"
	                "--d\n\nSubject: one\n\n1\n"
	                "--d\nContent-Type: text/plain\n\n2\n"
	                "--d--\n";
	g.descend = true;
	T_EQ_INT(walk_str(d, NULL, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 3);
	T_EQ_STR(g.p[0].type, "message/rfc822");
	T_TRUE(g.p[0].is_message);
	T_EQ_STR(g.p[1].body, "1");
	T_EQ_INT(g.p[1].depth, 2);
	T_EQ_STR(g.p[2].type, "text/plain");
	got_free(&g);
}

static void
test_descend(void)
{
	const char *msg =
	    "Content-Type: multipart/report; report-type=feedback-report;\r\n"
	    "\tboundary=\"r\"\r\n\r\n"
	    "--r\r\nContent-Type: message/feedback-report\r\n\r\n"
	    "Feedback-Type: auth-failure\r\n"
	    "--r\r\nContent-Type: message/rfc822\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n"
	    /* "Subject: x\r\nContent-Type: multipart/alternative;
	     * boundary=i\r\n\r\n--i\r\n\r\nin\r\n--i--\r\n" */
	    "U3ViamVjdDogeA0KQ29udGVudC1UeXBlOiBtdWx0aXBhcnQvYWx0ZXJuYXRp\r\n"
	    "dmU7IGJvdW5kYXJ5PWkNCg0KLS1pDQoNCmluDQotLWktLQ0K\r\n"
	    "--r\r\nContent-Type: message/global\r\n\r\n"
	    "Subject: g\r\n\r\nglobal\r\n"
	    "--r--\r\n";
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	T_EQ_INT(walk_str(msg, NULL, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 3);
	T_EQ_STR(g.p[0].type, "message/feedback-report");
	T_TRUE(!g.p[0].is_message);
	T_TRUE(g.p[1].is_message && g.p[2].is_message);
	T_TRUE(strncmp(g.p[1].body, "Subject: x\r\n", 12) == 0);
	got_free(&g);
	g.descend = true;
	T_EQ_INT(walk_str(msg, NULL, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 5);
	T_EQ_STR(g.p[2].body, "in");
	T_EQ_INT(g.p[2].depth, 3);
	T_EQ_STR(g.p[4].body, "global");
	T_EQ_INT(g.p[4].depth, 2);
	got_free(&g);
	/* Counted against max_decoded: the decoded message (81 bytes) and
	 * the part read out of it (2). */
	struct ea_mime_limits lim = {8, 100, 82, 1 << 16};
	g.descend = true;
	T_EQ_INT(walk_str(msg, &lim, &g, err, sizeof(err)), EMAUTH_ELIMIT);
	T_TRUE(strstr(err, "in a decoded part") != NULL);
	got_free(&g);
	lim.max_decoded = 83;
	g.descend = true;
	T_EQ_INT(walk_str(msg, &lim, &g, err, sizeof(err)), 0);
	got_free(&g);
}

static void
test_not_a_message_and_stop(void)
{
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	T_EQ_INT(walk_str("", NULL, &g, err, sizeof(err)), EMAUTH_ESYNTAX);
	T_EQ_INT(
	    walk_str("\r\nbody", NULL, &g, err, sizeof(err)), EMAUTH_ESYNTAX);
	T_EQ_INT(walk_str("just text, no header\n", NULL, &g, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_TRUE(strstr(err, "not a message") != NULL);
	T_EQ_INT(g.n, 0);
	/* A header block alone is a message with an empty body. */
	T_EQ_INT(walk_str("Subject: x", NULL, &g, err, sizeof(err)), 0);
	T_EQ_INT(g.n, 1);
	T_EQ_STR(g.p[0].body, "");
	got_free(&g);
	/* RFC 4155: an mbox "From " line first is skipped. */
	T_EQ_INT(walk_str("From r@example.net Tue Apr 30 02:09:16 2019\n"
	                  "Subject: x\n\nbody",
	             NULL, &g, err, sizeof(err)),
	    0);
	T_EQ_STR(g.p[0].body, "body");
	T_EQ_STR(g.p[0].headers, "Subject: x\n");
	got_free(&g);
	T_EQ_INT(walk_str("From r@example.net\n", NULL, &g, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	/* NULL err is allowed. */
	T_EQ_INT(walk_str("", NULL, &g, NULL, 0), EMAUTH_ESYNTAX);
	/* A callback's value stops the walk and is returned. */
	const char *three = "Content-Type: multipart/mixed; boundary=x\n\n"
	                    "--x\n\n1\n--x\n\n2\n--x\n\n3\n--x--\n";
	g.stop_at = 2;
	T_EQ_INT(walk_str(three, NULL, &g, err, sizeof(err)), 42);
	T_EQ_INT(g.n, 2);
	got_free(&g);
}

static void
test_out_of_memory(void)
{
	const char *msg = "Content-Transfer-Encoding: base64\n\nYWJj\n";
	struct got g;
	char err[256];
	memset(&g, 0, sizeof(g));
	ea_alloc_fail_at(1, true);
	int rc = walk_str(msg, NULL, &g, err, sizeof(err));
	ea_alloc_fail_at(0, false);
	T_EQ_INT(rc, EMAUTH_ENOMEM);
	T_EQ_INT(g.n, 0);
	size_t gl;
	uint8_t *gz = gzip_make((const uint8_t *)"abc", 3, &gl), *out;
	size_t n;
	ea_alloc_fail_at(1, true);
	rc = ea_gunzip(ea_span(gz, gl), 100, &out, &n, err, sizeof(err));
	ea_alloc_fail_at(0, false);
	T_EQ_INT(rc, EMAUTH_ENOMEM);
	T_TRUE(out == NULL);
	free(gz);
}

/* ea_mime_header. */

static void
test_header_unfold(void)
{
	const char *h = "Received: from a\r\n"
	                "Subject:   folded\r\n"
	                " \tover three\r\n"
	                "  lines  \r\n"
	                "X-LF: one\n\ttwo\n"
	                "Empty:\r\n"
	                "Sp : obsolete\r\n"
	                "subject: second\r\n"
	                "\r\n"
	                "Body-Field: not a header\r\n";
	char out[64];
	struct emauth_span hs = ea_span_str(h);
	T_EQ_INT(ea_mime_header(hs, "SUBJECT", out, sizeof(out)), 25);
	T_EQ_STR(out, "folded \tover three  lines");
	T_EQ_INT(ea_mime_header(hs, "x-lf", out, sizeof(out)), 7);
	T_EQ_STR(out, "one\ttwo");
	T_EQ_INT(ea_mime_header(hs, "Empty", out, sizeof(out)), 0);
	T_EQ_STR(out, "");
	T_EQ_INT(ea_mime_header(hs, "sp", out, sizeof(out)), 8);
	T_EQ_STR(out, "obsolete");
	T_EQ_INT(ea_mime_header(hs, "Body-Field", out, sizeof(out)),
	    EMAUTH_ENOTFOUND);
	T_EQ_STR(out, "");
	T_EQ_INT(
	    ea_mime_header(hs, "Receive", out, sizeof(out)), EMAUTH_ENOTFOUND);
	T_EQ_INT(ea_mime_header(ea_span(NULL, 0), "Subject", out, sizeof(out)),
	    EMAUTH_ENOTFOUND);
}

static void
test_header_toobig(void)
{
	struct emauth_span hs = ea_span_str("Subject: 0123456789\r\n");
	char out[16];
	memset(out, 'X', sizeof(out));
	T_EQ_INT(ea_mime_header(hs, "Subject", out, 10), EMAUTH_ETOOBIG);
	T_EQ_STR(out, "");
	T_EQ_INT(out[1], 'X'); /* nothing else written */
	T_EQ_INT(ea_mime_header(hs, "Subject", out, 11), 10);
	T_EQ_STR(out, "0123456789");
	memset(out, 'X', sizeof(out));
	T_EQ_INT(ea_mime_header(hs, "Subject", out, 0), EMAUTH_ETOOBIG);
	T_EQ_INT(out[0], 'X');
	/* NUL bytes are dropped: the length is strlen(out). */
	hs = ea_span("Subject: a\0b\r\n", 14);
	T_EQ_INT(ea_mime_header(hs, "Subject", out, sizeof(out)), 2);
	T_EQ_STR(out, "ab");
	/* Also at either end, before the white space is trimmed (found by
	 * fuzz_mime: fuzz/corpus/mime/regress-header-nul-before-space). */
	hs = ea_span("Subject: \0 x \0\r\n", 16);
	T_EQ_INT(ea_mime_header(hs, "Subject", out, sizeof(out)), 1);
	T_EQ_STR(out, "x");
}

/* Streams: the gzip stream and the aggregate reader fed as the data
 * comes, a byte at a time, give what the whole-buffer readers give. */

struct trickle {
	const uint8_t *p;
	size_t len, off, step, fail_at;
};

static int
trickle_read(
    void *ctx, uint8_t *buf, size_t len, size_t *got, char *err, size_t errsize)
{
	struct trickle *t = ctx;
	*got = 0;
	if (t->fail_at && t->off >= t->fail_at) {
		snprintf(err, errsize, "the source broke");
		return EMAUTH_EIO;
	}
	size_t k = t->len - t->off;
	if (k > t->step)
		k = t->step;
	if (k > len)
		k = len;
	memcpy(buf, t->p + t->off, k);
	t->off += k;
	*got = k;
	return 0;
}

/* All of @gz through ea_gz_read() in @outstep reads, as ea_gunzip(). */
static int
gz_stream_all(const uint8_t *gz, size_t gl, size_t max, size_t step,
    size_t outstep, uint8_t **out, size_t *n, char *err, size_t errsize)
{
	struct trickle t = {gz, gl, 0, step, 0};
	struct ea_gz *g = ea_gz_open(trickle_read, &t, max);
	*out = malloc(max + outstep + 16);
	*n = 0;
	int rc = 0;
	for (;;) {
		size_t got = 0;
		rc = ea_gz_read(g, *out + *n, outstep, &got, err, errsize);
		if (rc != 0 || got == 0)
			break;
		*n += got;
	}
	T_EQ_INT(ea_gz_total(g), *n);
	ea_gz_close(g);
	return rc;
}

static void
test_gz_stream(void)
{
	size_t l1, l2, n;
	uint8_t *a = gzip_make((const uint8_t *)"hello, ", 7, &l1);
	uint8_t *b = gzip_make((const uint8_t *)"world", 5, &l2);
	uint8_t *both = malloc(l1 + l2 + 4);
	memcpy(both, a, l1);
	memcpy(both + l1, b, l2);
	memset(both + l1 + l2, 0, 4);
	char err[256];
	uint8_t *out;
	static const size_t steps[] = {1, 2, 3, 7, 4096};
	for (size_t i = 0; i < EA_ARRAY_LEN(steps); i++) {
		/* Members one after another, zero padding after them. */
		T_EQ_INT(gz_stream_all(both, l1 + l2 + 4, 100, steps[i],
		             steps[i] + 4, &out, &n, err, sizeof(err)),
		    0);
		T_EQ_MEM(out, n, "hello, world", 12);
		free(out);
		/* The cap is exact. */
		T_EQ_INT(gz_stream_all(both, l1 + l2, 12, steps[i], 5, &out, &n,
		             err, sizeof(err)),
		    0);
		free(out);
		T_EQ_INT(gz_stream_all(both, l1 + l2, 11, steps[i], 5, &out, &n,
		             err, sizeof(err)),
		    EMAUTH_ELIMIT);
		T_TRUE(strstr(err, "decompression bomb") != NULL);
		free(out);
		/* Truncated, and its trailer corrupt. */
		T_EQ_INT(gz_stream_all(a, l1 - 6, 100, steps[i], 3, &out, &n,
		             err, sizeof(err)),
		    EMAUTH_ESYNTAX);
		T_TRUE(strstr(err, "truncated") != NULL);
		free(out);
		memcpy(both, a, l1);
		both[l1 - 5] ^= 0xff;
		T_EQ_INT(gz_stream_all(both, l1, 100, steps[i], 64, &out, &n,
		             err, sizeof(err)),
		    EMAUTH_ESYNTAX);
		free(out);
		memcpy(both, a, l1);
	}
	/* After the members, a byte of the magic number and another: not a
	 * member, ignored as a whole read ignores it. */
	memcpy(both + l1, b, l2);
	both[l1 + l2] = 0x1f;
	both[l1 + l2 + 1] = 0x00;
	for (size_t i = 0; i < EA_ARRAY_LEN(steps); i++) {
		T_EQ_INT(gz_stream_all(both, l1 + l2 + 2, 100, steps[i], 64,
		             &out, &n, err, sizeof(err)),
		    0);
		T_EQ_MEM(out, n, "hello, world", 12);
		free(out);
	}
	T_EQ_INT(ea_gunzip(ea_span(both, l1 + l2 + 2), 100, &out, &n, err,
	             sizeof(err)),
	    0);
	T_EQ_MEM(out, n, "hello, world", 12);
	ea_free(out);
	/* 20 MiB of zeros: refused at 1 MiB, read whole under 32 MiB. */
	size_t zn = (size_t)20 << 20, gl;
	uint8_t *zeros = calloc(1, zn);
	uint8_t *gz = gzip_make(zeros, zn, &gl);
	T_EQ_INT(gz_stream_all(
	             gz, gl, 1 << 20, 65536, 65536, &out, &n, err, sizeof(err)),
	    EMAUTH_ELIMIT);
	T_TRUE(n <= (1u << 20));
	free(out);
	T_EQ_INT(gz_stream_all(gz, gl, 32u << 20, 65536, 1 << 20, &out, &n, err,
	             sizeof(err)),
	    0);
	T_EQ_INT(n, zn);
	free(out);
	free(gz);
	free(zeros);
	free(a);
	free(b);
	free(both);
}

struct agg_seen {
	char text[8192];
	size_t len;
	int records;
};

static void
seen_add(struct agg_seen *a, const char *what, const char *v)
{
	int k = snprintf(
	    a->text + a->len, sizeof(a->text) - a->len, "%s=%s\n", what, v);
	if (k > 0 && (size_t)k < sizeof(a->text) - a->len)
		a->len += (size_t)k;
}

static int
seen_meta(void *arg, const struct ea_agg_meta *m)
{
	seen_add(arg, "org", m->org);
	seen_add(arg, "domain", m->domain);
	return 0;
}

static int
seen_record(void *arg, const struct ea_agg_record *r)
{
	struct agg_seen *a = arg;
	a->records++;
	seen_add(a, "ip", r->source_ip);
	seen_add(a, "from", r->header_from);
	return 0;
}

static void
seen_warn(void *arg, const char *text)
{
	seen_add(arg, "warning", text);
}

static const struct ea_agg_handler seen_h = {seen_meta, seen_record, seen_warn};

static void
test_agg_stream(void)
{
	/* Multi-byte characters and bytes that are not UTF-8 where the
	 * reads are cut: at 256 (the peeked head), in every place for the
	 * one-byte source. */
	char xml[40000];
	size_t n = 0;
	n += (size_t)snprintf(xml + n, sizeof(xml) - n,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>"
	    "<report_metadata><org_name>R\xc3\xa9\xe2\x82\xac\xf0\x9f\x93"
	    "\xa7 \xff\xc3 org</org_name><report_id>r1</report_id>"
	    "<date_range><begin>1764633600</begin><end>1764719999</end>"
	    "</date_range></report_metadata><policy_published><domain>"
	    "shop.example</domain><p>none</p></policy_published>");
	while (n < 253)
		xml[n++] = ' ';
	for (int i = 0; i < 120; i++)
		n += (size_t)snprintf(xml + n, sizeof(xml) - n,
		    "<record><row><source_ip>192.0.2.%d</source_ip><count>1"
		    "</count></row><identifiers><header_from>\xe2\x82\xac"
		    "%d\xf0\x9f\x93\xa7\xed\xa0\x80.example</header_from>"
		    "</identifiers></record>",
		    i, i);
	n += (size_t)snprintf(xml + n, sizeof(xml) - n, "</feedback>\n");
	T_TRUE(n < sizeof(xml) - 1);
	char err[256] = "";
	struct agg_seen whole = {0};
	T_EQ_INT(
	    ea_agg_read(ea_span(xml, n), &seen_h, &whole, err, sizeof(err)), 0);
	T_EQ_INT(whole.records, 120);
	T_TRUE(
	    strstr(whole.text, "org=R\xc3\xa9\xe2\x82\xac\xf0\x9f\x93\xa7 ?? "
	                       "org\n") != NULL);
	T_TRUE(strstr(whole.text, "from=\xe2\x82\xac"
	                          "7\xf0\x9f\x93\xa7???."
	                          "example\n") != NULL);
	/* 2 in the name, 3 (a surrogate) in each of 120 records. */
	T_TRUE(
	    strstr(whole.text, "warning=362 bytes that are not UTF-8") != NULL);
	static const size_t steps[] = {1, 2, 3, 5, 255, 257};
	for (size_t i = 0; i < EA_ARRAY_LEN(steps); i++) {
		struct trickle t = {(const uint8_t *)xml, n, 0, steps[i], 0};
		struct agg_seen part = {0};
		T_EQ_INT(ea_agg_read_io(trickle_read, &t, &seen_h, &part, err,
		             sizeof(err)),
		    0);
		T_EQ_STR(part.text, whole.text);
	}
	/* The source breaks off after 60 records: the reading fails with
	 * its error, never "what came before it is read". */
	struct trickle t = {(const uint8_t *)xml, n, 0, 7, n / 2};
	struct agg_seen part = {0};
	T_EQ_INT(
	    ea_agg_read_io(trickle_read, &t, &seen_h, &part, err, sizeof(err)),
	    EMAUTH_EIO);
	T_EQ_STR(err, "the source broke");
	T_TRUE(part.records > 0 && part.records < 120);
	/* Another encoding declared: its bytes are left to libxml2. */
	static const char latin[] =
	    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><feedback>"
	    "<report_metadata><org_name>R\xe9seau</org_name><report_id>r2"
	    "</report_id><date_range><begin>1</begin><end>2</end>"
	    "</date_range></report_metadata><policy_published><domain>"
	    "x.example</domain></policy_published></feedback>";
	struct trickle tl = {
	    (const uint8_t *)latin, sizeof(latin) - 1, 0, 3, 0};
	struct agg_seen l = {0};
	T_EQ_INT(
	    ea_agg_read_io(trickle_read, &tl, &seen_h, &l, err, sizeof(err)),
	    0);
	T_TRUE(strstr(l.text, "org=R\xc3\xa9seau\n") != NULL);
}

int
main(int argc, char **argv)
{
	const char *top = getenv("EMAUTH_TOP");
	if (top != NULL && *top != '\0')
		snprintf(suites, sizeof(suites), "%s/tests/data/suites", top);
	else
		snprintf(suites, sizeof(suites), "%s/../suites",
		    argc > 1 ? argv[1] : "tests/data/zones");
	T_RUN(test_suite_aggregate_emls);
	T_RUN(test_suite_every_eml);
	T_RUN(test_extract_report);
	T_RUN(test_gzip_bomb);
	T_RUN(test_gzip_members_and_errors);
	T_RUN(test_gz_stream);
	T_RUN(test_agg_stream);
	T_RUN(test_zip_entries_limit);
	T_RUN(test_zip_bomb_and_stop);
	T_RUN(test_depth_limit);
	T_RUN(test_parts_limit);
	T_RUN(test_decoded_and_header_limits);
	T_RUN(test_quoted_printable);
	T_RUN(test_base64_lenient);
	T_RUN(test_lf_only);
	T_RUN(test_missing_close_boundary);
	T_RUN(test_content_type_params);
	T_RUN(test_filename_forms);
	T_RUN(test_defaults_and_digest);
	T_RUN(test_descend);
	T_RUN(test_not_a_message_and_stop);
	T_RUN(test_out_of_memory);
	T_RUN(test_header_unfold);
	T_RUN(test_header_toobig);
	return t_summary();
}
