/*
 * archive.c: the compressed attachments of aggregate reports: gzip
 * (RFC 1952) with zlib, zip with libarchive. Both fail closed: output past
 * the caller's cap is refused as a decompression bomb, never shortened,
 * and nothing is handed out before the whole input has been read within
 * the caps.
 */
#include "common/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ZLIB_CONST 1
#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "common/alloc.h"
#include "common/span.h"
#include "report/inbound.h"

/* Ours: the first output allocation; it doubles up to the cap. */
#define CHUNK_FIRST ((size_t)64 << 10)
/* zlib counts input and output in uInt: fed in slices of at most this. */
#define SLICE_MAX ((size_t)1 << 30)

static int fail(char *err, size_t errsize, int rc, const char *fmt, ...)
    EA_PRINTF(4, 5);

static int
fail(char *err, size_t errsize, int rc, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || errsize == 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
	return rc;
}

/* zlib's allocations through the library's hook (tests make them fail). */
static voidpf
z_alloc(voidpf opaque, uInt items, uInt size)
{
	(void)opaque;
	return ea_calloc(items, size);
}

static void
z_free(voidpf opaque, voidpf p)
{
	(void)opaque;
	ea_free(p);
}

/*
 * Grows the output buffer *@buf of *@cap bytes towards @limit (the cap
 * plus one byte, so that going over the cap shows). False on ENOMEM.
 */
static bool
grow(uint8_t **buf, size_t *cap, size_t limit)
{
	size_t c = *cap ? *cap : CHUNK_FIRST / 2;
	c = c <= limit / 2 ? c * 2 : limit;
	uint8_t *p = ea_realloc(*buf, c ? c : 1);
	if (p == NULL)
		return false;
	*buf = p;
	*cap = c;
	return true;
}

int
ea_gunzip(struct emauth_span in, size_t max, uint8_t **out, size_t *len,
    char *err, size_t errsize)
{
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	size_t limit = max < SIZE_MAX - 1 ? max + 1 : max;
	int rc = 0, zr;
	*out = NULL;
	*len = 0;
	if (err != NULL && errsize > 0)
		err[0] = '\0';
	/* RFC 1952 §2.3.1: ID1 = 31, ID2 = 139. */
	if (in.len < 2 || in.p[0] != 0x1f || in.p[1] != 0x8b)
		return fail(err, errsize, EMAUTH_ESYNTAX,
		    "not gzip data (no 1f 8b magic number)");

	z_stream z;
	memset(&z, 0, sizeof(z));
	z.zalloc = z_alloc;
	z.zfree = z_free;
	/* 16 + MAX_WBITS: the gzip wrapper only (not zlib, not raw). */
	zr = inflateInit2(&z, 16 + MAX_WBITS);
	if (zr != Z_OK)
		return fail(err, errsize,
		    zr == Z_MEM_ERROR ? EMAUTH_ENOMEM : EMAUTH_ESYNTAX,
		    "cannot start zlib: %s", zError(zr));

	const uint8_t *end = in.p + in.len;
	z.next_in = in.p;
	z.avail_in = (uInt)(in.len < SLICE_MAX ? in.len : SLICE_MAX);
	for (;;) {
		if (z.avail_in == 0 && z.next_in < end) {
			size_t k = (size_t)(end - z.next_in);
			z.avail_in = (uInt)(k < SLICE_MAX ? k : SLICE_MAX);
		}
		if (n == cap && !grow(&buf, &cap, limit)) {
			rc = fail(err, errsize, EMAUTH_ENOMEM, "out of memory");
			goto out_free;
		}
		if (n == cap)
			goto out_bomb;
		size_t room = cap - n;
		z.next_out = buf + n;
		z.avail_out = (uInt)(room < SLICE_MAX ? room : SLICE_MAX);
		zr = inflate(&z, Z_NO_FLUSH);
		n = (size_t)(z.next_out - buf);
		if (n > max)
			goto out_bomb;
		if (zr == Z_STREAM_END) {
			/* RFC 1952 §2.2: "A gzip file consists of a series
			 * of members". Bytes after the last member that do
			 * not start another are ignored, as gzip(1) does
			 * (zero padding is common). */
			size_t rest = (size_t)(end - z.next_in);
			if (rest < 2 || z.next_in[0] != 0x1f ||
			    z.next_in[1] != 0x8b)
				break;
			zr = inflateReset(&z);
			if (zr != Z_OK) {
				rc = fail(err, errsize, EMAUTH_ESYNTAX,
				    "zlib: %s", zError(zr));
				goto out_free;
			}
			z.avail_in =
			    (uInt)(rest < SLICE_MAX ? rest : SLICE_MAX);
			continue;
		}
		if (zr == Z_OK)
			continue;
		if (zr == Z_BUF_ERROR && z.avail_in == 0 && z.next_in >= end) {
			rc = fail(err, errsize, EMAUTH_ESYNTAX,
			    "truncated gzip data (after %zu bytes out)", n);
			goto out_free;
		}
		if (zr == Z_BUF_ERROR)
			continue;
		rc = fail(err, errsize,
		    zr == Z_MEM_ERROR ? EMAUTH_ENOMEM : EMAUTH_ESYNTAX,
		    "corrupt gzip data: %s", z.msg ? z.msg : zError(zr));
		goto out_free;
	}
	/* The output, NUL-terminated for convenience (not counted). */
	uint8_t *p = ea_realloc(buf, n + 1);
	if (p == NULL) {
		rc = fail(err, errsize, EMAUTH_ENOMEM, "out of memory");
		goto out_free;
	}
	p[n] = '\0';
	inflateEnd(&z);
	*out = p;
	*len = n;
	return 0;

out_bomb:
	rc = fail(err, errsize, EMAUTH_ELIMIT,
	    "more than %zu bytes decompressed: refused as a decompression "
	    "bomb",
	    max);
out_free:
	inflateEnd(&z);
	ea_free(buf);
	return rc;
}

/* Streams. */

struct ea_gz {
	int (*raw)(void *ctx, uint8_t *buf, size_t len, size_t *got, char *err,
	    size_t errsize);
	void *rawctx;
	z_stream z;
	bool started, eof_in, member_end, done;
	size_t max, total;
	uint8_t in[CHUNK_FIRST];
};

struct ea_gz *
ea_gz_open(int (*raw)(void *ctx, uint8_t *buf, size_t len, size_t *got,
               char *err, size_t errsize),
    void *rawctx, size_t max)
{
	struct ea_gz *g = ea_calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->raw = raw;
	g->rawctx = rawctx;
	g->max = max;
	g->z.zalloc = z_alloc;
	g->z.zfree = z_free;
	/* 16 + MAX_WBITS: the gzip wrapper only (not zlib, not raw). */
	if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
		ea_free(g);
		return NULL;
	}
	g->started = true;
	return g;
}

/* More input: false at its end (or on the source's failure, in *@rc). */
static bool
gz_more(struct ea_gz *g, int *rc, char *err, size_t errsize)
{
	if (g->z.avail_in > 0)
		return true;
	if (g->eof_in)
		return false;
	size_t got = 0;
	*rc = g->raw(g->rawctx, g->in, sizeof(g->in), &got, err, errsize);
	if (*rc != 0 || got == 0) {
		g->eof_in = true;
		return false;
	}
	g->z.next_in = g->in;
	g->z.avail_in = (uInt)got;
	return true;
}

int
ea_gz_read(
    void *arg, uint8_t *buf, size_t len, size_t *got, char *err, size_t errsize)
{
	struct ea_gz *g = arg;
	*got = 0;
	if (err != NULL && errsize > 0)
		err[0] = '\0';
	if (g->done || len == 0)
		return 0;
	if (len > SLICE_MAX)
		len = SLICE_MAX;
	g->z.next_out = buf;
	g->z.avail_out = (uInt)len;
	while (g->z.avail_out == len) {
		int rc = 0;
		bool more = gz_more(g, &rc, err, errsize);
		if (rc != 0)
			return rc;
		if (g->member_end) {
			/* RFC 1952 §2.2: "A gzip file consists of a series
			 * of members". Bytes after the last member that do
			 * not start another are ignored, as gzip(1) does. */
			if (more && g->z.avail_in < 2 && !g->eof_in) {
				/* The magic number's second byte. */
				g->in[0] = g->z.next_in[0];
				size_t k = 0;
				rc = g->raw(g->rawctx, g->in + 1,
				    sizeof(g->in) - 1, &k, err, errsize);
				if (rc != 0)
					return rc;
				if (k == 0)
					g->eof_in = true;
				g->z.next_in = g->in;
				g->z.avail_in = (uInt)(1 + k);
			}
			if (!more || g->z.avail_in < 2 ||
			    g->z.next_in[0] != 0x1f ||
			    g->z.next_in[1] != 0x8b) {
				g->done = true;
				return 0;
			}
			if (inflateReset(&g->z) != Z_OK)
				return fail(err, errsize, EMAUTH_ESYNTAX,
				    "zlib: cannot start the next member");
			g->member_end = false;
		}
		if (!more)
			return fail(err, errsize, EMAUTH_ESYNTAX,
			    "truncated gzip data (after %zu bytes out)",
			    g->total);
		int zr = inflate(&g->z, Z_NO_FLUSH);
		size_t n = len - g->z.avail_out;
		if (n > g->max - g->total)
			return fail(err, errsize, EMAUTH_ELIMIT,
			    "more than %zu bytes decompressed: refused as a "
			    "decompression bomb",
			    g->max);
		if (zr == Z_STREAM_END) {
			g->member_end = true;
			continue;
		}
		if (zr == Z_OK || zr == Z_BUF_ERROR)
			continue;
		return fail(err, errsize,
		    zr == Z_MEM_ERROR ? EMAUTH_ENOMEM : EMAUTH_ESYNTAX,
		    "corrupt gzip data: %s", g->z.msg ? g->z.msg : zError(zr));
	}
	*got = len - g->z.avail_out;
	g->total += *got;
	return 0;
}

size_t
ea_gz_total(const struct ea_gz *g)
{
	return g->total;
}

void
ea_gz_close(struct ea_gz *g)
{
	if (g == NULL)
		return;
	if (g->started)
		inflateEnd(&g->z);
	ea_free(g);
}

struct entry {
	char *name;
	uint8_t *data;
	size_t len;
};

static void
entries_free(struct entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ea_free(v[i].name);
		ea_free(v[i].data);
	}
	ea_free(v);
}

/* An error of libarchive's as ours: ENOMEM, else corrupt data. */
static int
archive_fail(struct archive *a, char *err, size_t errsize, const char *what)
{
	const char *m = archive_error_string(a);
	int rc = archive_errno(a) == ENOMEM ? EMAUTH_ENOMEM : EMAUTH_ESYNTAX;
	return fail(err, errsize, rc, "%s: %s", what, m ? m : "unknown error");
}

/*
 * The data of the entry at hand, read whole into *@data, at most @left
 * bytes (a longer one is refused).
 */
static int
read_entry(struct archive *a, size_t left, uint8_t **data, size_t *len,
    char *err, size_t errsize, size_t max)
{
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;
	size_t limit = left < SIZE_MAX - 1 ? left + 1 : left;
	int rc;
	for (;;) {
		if (n == cap && !grow(&buf, &cap, limit)) {
			rc = fail(err, errsize, EMAUTH_ENOMEM, "out of memory");
			goto out_free;
		}
		if (n == cap)
			goto out_bomb;
		la_ssize_t k = archive_read_data(a, buf + n, cap - n);
		if (k < 0) {
			rc = archive_fail(a, err, errsize, "corrupt zip entry");
			goto out_free;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > left)
			goto out_bomb;
	}
	*data = buf;
	*len = n;
	return 0;
out_bomb:
	rc = fail(err, errsize, EMAUTH_ELIMIT,
	    "more than %zu bytes in the zip archive: refused as a "
	    "decompression bomb",
	    max);
out_free:
	ea_free(buf);
	return rc;
}

int
ea_unzip(struct emauth_span in, size_t max, unsigned max_entries,
    int (*each)(void *arg, const char *name, struct emauth_span data),
    void *arg, char *err, size_t errsize)
{
	struct entry *v = NULL;
	size_t nv = 0, total = 0;
	unsigned seen = 0;
	int rc = 0;
	if (err != NULL && errsize > 0)
		err[0] = '\0';
	if (in.len == 0)
		return fail(
		    err, errsize, EMAUTH_ESYNTAX, "not a zip archive (empty)");
	struct archive *a = archive_read_new();
	if (a == NULL)
		return fail(err, errsize, EMAUTH_ENOMEM, "out of memory");
	if (archive_read_support_format_zip(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, in.p, in.len) != ARCHIVE_OK) {
		rc = archive_fail(a, err, errsize, "not a zip archive");
		goto out_free;
	}
	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			rc = archive_fail(
			    a, err, errsize, "not a zip archive, or corrupt");
			goto out_free;
		}
		/* Every entry counts, directories too, so that a million
		 * empty ones are refused as well. */
		if (++seen > max_entries) {
			rc = fail(err, errsize, EMAUTH_ELIMIT,
			    "more than %u entries in the zip archive",
			    max_entries);
			goto out_free;
		}
		if (archive_entry_filetype(e) != AE_IFREG)
			continue;
		/* The size the archive claims, when it says: refused before
		 * anything is inflated. */
		if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
		    (uint64_t)archive_entry_size(e) > (uint64_t)(max - total)) {
			rc = fail(err, errsize, EMAUTH_ELIMIT,
			    "more than %zu bytes in the zip archive: refused "
			    "as a decompression bomb",
			    max);
			goto out_free;
		}
		struct entry *nvp = ea_realloc(v, (nv + 1) * sizeof(*v));
		if (nvp == NULL) {
			rc = fail(err, errsize, EMAUTH_ENOMEM, "out of memory");
			goto out_free;
		}
		v = nvp;
		const char *name = archive_entry_pathname(e);
		if (name == NULL)
			name = "";
		v[nv].name = ea_strndup(name, strlen(name));
		v[nv].data = NULL;
		v[nv].len = 0;
		nv++;
		if (v[nv - 1].name == NULL) {
			rc = fail(err, errsize, EMAUTH_ENOMEM, "out of memory");
			goto out_free;
		}
		rc = read_entry(a, max - total, &v[nv - 1].data, &v[nv - 1].len,
		    err, errsize, max);
		if (rc != 0)
			goto out_free;
		total += v[nv - 1].len;
	}
	/* All read within the caps: now given, in archive order. */
	for (size_t i = 0; i < nv && rc == 0; i++)
		rc = each(arg, v[i].name, ea_span(v[i].data, v[i].len));
out_free:
	archive_read_free(a);
	entries_free(v, nv);
	return rc;
}
