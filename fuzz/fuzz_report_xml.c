/*
 * fuzz_report_xml.c: the aggregate report reader (src/report/xml_in.c) on
 * any input. Invariants: it returns 0, ESYNTAX or ELIMIT; the metadata
 * comes once, before any record, and has the fields a report must have;
 * every string is NUL-terminated inside its array; a refused report says
 * why; reading twice gives the same records (count and sum).
 */
#include "fuzz.h"

#include "common/span.h"
#include "report/xml_in.h"

struct seen {
	int metas;
	unsigned long records;
	uint64_t sum;
	unsigned warnings;
};

static bool
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static int
meta(void *arg, const struct ea_agg_meta *m)
{
	struct seen *s = arg;
	FUZZ_ASSERT(s->metas == 0 && s->records == 0);
	s->metas++;
	FUZZ_ASSERT(terminated(m->org, sizeof(m->org)) && m->org[0]);
	FUZZ_ASSERT(
	    terminated(m->report_id, sizeof(m->report_id)) && m->report_id[0]);
	FUZZ_ASSERT(terminated(m->domain, sizeof(m->domain)) && m->domain[0]);
	FUZZ_ASSERT(terminated(m->email, sizeof(m->email)));
	FUZZ_ASSERT(terminated(m->p, sizeof(m->p)));
	return 0;
}

static int
record(void *arg, const struct ea_agg_record *r)
{
	struct seen *s = arg;
	FUZZ_ASSERT(s->metas == 1);
	FUZZ_ASSERT(terminated(r->source_ip, sizeof(r->source_ip)));
	FUZZ_ASSERT(terminated(r->dkim_results, sizeof(r->dkim_results)));
	FUZZ_ASSERT(terminated(r->spf_results, sizeof(r->spf_results)));
	FUZZ_ASSERT(terminated(r->reasons, sizeof(r->reasons)));
	s->records++;
	s->sum += r->count;
	return 0;
}

static void
warn(void *arg, const char *text)
{
	struct seen *s = arg;
	FUZZ_ASSERT(text && text[0]);
	s->warnings++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ea_agg_handler h = {meta, record, warn};
	uint8_t *p = fuzz_copy(data, size);
	struct seen a = {0}, b = {0};
	char err[400] = "", err2[400] = "";
	int rc = ea_agg_read(ea_span(p, size), &h, &a, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ESYNTAX || rc == EMAUTH_ELIMIT);
	if (rc == 0)
		FUZZ_ASSERT(a.metas == 1);
	else
		FUZZ_ASSERT(err[0] != '\0');
	int rc2 = ea_agg_read(ea_span(p, size), &h, &b, err2, sizeof(err2));
	FUZZ_ASSERT(rc2 == rc && a.records == b.records && a.sum == b.sum);
	free(p);
	return 0;
}
