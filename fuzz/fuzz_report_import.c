/*
 * fuzz_report_import.c: the whole import path (detection, gzip and zip,
 * MIME, mbox, the aggregate, ARF and TLS readers, the store) on any input,
 * into an in-memory SQLite store. Invariants: the import never fails but
 * for the store; every item it announces is in the store's list, with the
 * same status; an item is imported, a duplicate or rejected with a reason;
 * importing the same input again imports nothing new; read as it comes
 * (emauth_report_import_read(), a few bytes at a time), into a new
 * store, it gives what the whole input gives.
 */
#include "fuzz.h"

#include <emauth/report.h>

struct count {
	unsigned long items, imported;
};

static void
each(void *arg, const struct emauth_import_item *it)
{
	struct count *c = arg;
	c->items++;
	if (it->status == EMAUTH_IMPORT_IMPORTED)
		c->imported++;
	if (it->status == EMAUTH_IMPORT_REJECTED)
		FUZZ_ASSERT(it->reason[0] != '\0');
	FUZZ_ASSERT(memchr(it->source, '\0', sizeof(it->source)) != NULL);
}

struct trickle {
	const uint8_t *p;
	size_t len, off, step;
};

static int
trickle(void *ctx, uint8_t *buf, size_t len, size_t *got)
{
	struct trickle *t = ctx;
	size_t k = t->len - t->off;
	k = k < t->step ? k : t->step;
	k = k < len ? k : len;
	memcpy(buf, t->p + t->off, k);
	t->off += k;
	*got = k;
	return 0;
}

static int
listed(void *arg, const struct emauth_import_item *it)
{
	unsigned long *n = arg;
	(void)it;
	(*n)++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct emauth_store *s = NULL;
	if (emauth_store_open("sqlite::memory:", &s, NULL, 0) != 0)
		return 0;
	struct emauth_import_opts o = {0};
	/* Small caps, so that the fuzzer meets them. */
	o.max_bytes = 4 * 1024 * 1024;
	o.max_depth = 4;
	o.now = 1700000000;
	struct count c = {0, 0}, c2 = {0, 0};
	o.each = each;
	o.arg = &c;
	struct emauth_import_stats st = {0};
	FUZZ_ASSERT(emauth_report_import(s, "fuzz",
	                (struct emauth_span){data, size}, &o, &st) == 0);
	FUZZ_ASSERT(st.imported + st.duplicates + st.rejected == c.items);
	unsigned long n = 0;
	FUZZ_ASSERT(emauth_report_list(s, listed, &n) == 0);
	FUZZ_ASSERT(n == c.items);
	o.arg = &c2;
	FUZZ_ASSERT(emauth_report_import(s, "fuzz",
	                (struct emauth_span){data, size}, &o, NULL) == 0);
	FUZZ_ASSERT(c2.imported == 0);
	emauth_store_close(s);

	if (emauth_store_open("sqlite::memory:", &s, NULL, 0) != 0)
		return 0;
	struct count c3 = {0, 0};
	struct emauth_import_stats st3 = {0};
	o.arg = &c3;
	struct trickle t = {data, size, 0, size ? 1 + data[size - 1] % 61 : 1};
	FUZZ_ASSERT(
	    emauth_report_import_read(s, "fuzz", trickle, &t, &o, &st3) == 0);
	FUZZ_ASSERT(st3.imported == st.imported &&
	            st3.duplicates == st.duplicates &&
	            st3.rejected == st.rejected);
	emauth_store_close(s);
	return 0;
}
