/*
 * fuzz_archive.c: gzip and zip extraction (src/report/archive.c). The
 * first byte chooses: even, ea_gunzip() of the rest; odd, ea_unzip() of
 * the rest. Each runs with a cap of 1 MiB (and 8 entries) and with a tiny
 * one (64 bytes, 1 entry). Invariants: a documented status with a message
 * on error; on success the output is at most the cap (gzip), the entries
 * at most max_entries and their bytes at most the cap in all (zip); on
 * failure nothing is given (gzip: NULL and 0; zip: no callback); the cap
 * holds: what succeeded with N bytes is refused (ELIMIT) with N - 1, never
 * shortened, and gzip succeeds with exactly N (a zip may not, when an
 * entry claims a size larger than its data); a callback's nonzero value stops
 * the walk and is returned; deterministic (the same status and bytes).
 */
#include "fuzz.h"

#include "common/alloc.h"
#include "common/span.h"
#include "report/inbound.h"

#define CAP ((size_t)1 << 20)
#define ENTRIES 8
#define STOP 55

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static void
gzip_once(
    struct emauth_span in, size_t max, int *rc, uint64_t *hash, size_t *len)
{
	uint8_t *out = (uint8_t *)1;
	char err[256];
	*len = 7;
	*rc = ea_gunzip(in, max, &out, len, err, sizeof(err));
	FUZZ_ASSERT(*rc == 0 || *rc == EMAUTH_ELIMIT || *rc == EMAUTH_ESYNTAX ||
	            *rc == EMAUTH_ENOMEM);
	if (*rc != 0) {
		FUZZ_ASSERT(out == NULL && *len == 0 && err[0] != '\0');
		*hash = 0;
		return;
	}
	FUZZ_ASSERT(out != NULL && *len <= max);
	*hash = mix(0xcbf29ce484222325ULL, out, *len);
	ea_free(out);
}

static void
check_gzip(struct emauth_span in)
{
	int ra, rb;
	uint64_t ha, hb;
	size_t la, lb;
	gzip_once(in, CAP, &ra, &ha, &la);
	gzip_once(in, CAP, &rb, &hb, &lb);
	FUZZ_ASSERT(ra == rb && ha == hb && la == lb);
	if (ra == 0) {
		gzip_once(in, la, &rb, &hb, &lb);
		FUZZ_ASSERT(rb == 0 && hb == ha && lb == la);
		if (la > 0) {
			gzip_once(in, la - 1, &rb, &hb, &lb);
			FUZZ_ASSERT(rb == EMAUTH_ELIMIT);
		}
	}
	gzip_once(in, 64, &rb, &hb, &lb);
	if (ra == 0)
		FUZZ_ASSERT(la <= 64 ? rb == 0 : rb == EMAUTH_ELIMIT);
}

struct seen {
	unsigned entries, stop_at;
	size_t bytes;
	uint64_t hash;
};

static int
on_entry(void *arg, const char *name, struct emauth_span data)
{
	struct seen *s = arg;
	s->entries++;
	s->bytes += data.len;
	s->hash = mix(s->hash, name, strlen(name) + 1);
	s->hash = mix(s->hash, &data.len, sizeof(data.len));
	if (data.len)
		s->hash = mix(s->hash, data.p, data.len);
	return s->entries == s->stop_at ? STOP : 0;
}

static int
zip_once(struct emauth_span in, size_t max, unsigned max_entries,
    unsigned stop_at, struct seen *s)
{
	char err[256];
	memset(s, 0, sizeof(*s));
	s->stop_at = stop_at;
	s->hash = 0xcbf29ce484222325ULL;
	int rc = ea_unzip(in, max, max_entries, on_entry, s, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ELIMIT || rc == EMAUTH_ESYNTAX ||
	            rc == EMAUTH_ENOMEM || (stop_at != 0 && rc == STOP));
	if (rc != 0 && rc != STOP)
		FUZZ_ASSERT(s->entries == 0 && err[0] != '\0');
	if (rc == STOP)
		FUZZ_ASSERT(s->entries == stop_at);
	FUZZ_ASSERT(s->entries <= max_entries && s->bytes <= max);
	return rc;
}

static void
check_zip(struct emauth_span in)
{
	struct seen a, b;
	int ra = zip_once(in, CAP, ENTRIES, 0, &a);
	int rb = zip_once(in, CAP, ENTRIES, 0, &b);
	FUZZ_ASSERT(ra == rb && a.entries == b.entries && a.bytes == b.bytes &&
	            a.hash == b.hash);
	if (ra == 0) {
		/* The bytes themselves pass, unless an entry claims more
		 * than it holds (refused before it is read). */
		rb = zip_once(in, a.bytes, ENTRIES, 0, &b);
		FUZZ_ASSERT(
		    rb == EMAUTH_ELIMIT || (rb == 0 && b.hash == a.hash));
		if (a.bytes > 0)
			FUZZ_ASSERT(zip_once(in, a.bytes - 1, ENTRIES, 0, &b) ==
			            EMAUTH_ELIMIT);
		if (a.entries > 0)
			FUZZ_ASSERT(zip_once(in, CAP, ENTRIES, 1, &b) == STOP);
	}
	(void)zip_once(in, 64, 1, 0, &b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t *p = fuzz_copy(data + 1, size - 1);
	struct emauth_span in = ea_span(p, size - 1);
	if (data[0] & 1)
		check_zip(in);
	else
		check_gzip(in);
	free(p);
	return 0;
}
