/*
 * xml_in.h (internal): the reader of DMARC aggregate reports in every
 * schema seen in the wild: the drafts (the DMARC wiki's, with
 * <identities>), RFC 7489's, and RFC 9990's (urn:ietf:params:xml:ns:
 * dmarc-2.0). libxml2's streaming reader, so that memory stays flat in the
 * report's size; lenient as the reports are sloppy, each oddity a warning.
 */
#ifndef EA_REPORT_XML_IN_H
#define EA_REPORT_XML_IN_H

#include "common/internal.h"

struct ea_agg_meta {
	char schema[16]; /* "draft", "rfc7489", "rfc9990" */
	char org[256], email[320], extra[256], report_id[256];
	char generator[256];
	int64_t begin, end;
	char domain[256];
	char p[16], sp[16], np[16], pct[8], adkim[4], aspf[4], fo[16];
	char testing[4], discovery[16];
	char error[256]; /* report_metadata <error>, the first */
};

struct ea_agg_record {
	char source_ip[64];
	uint64_t count;
	char disposition[16]; /* none, quarantine, reject, pass */
	char dkim[8], spf[8]; /* policy_evaluated: pass or fail */
	char reasons[600];    /* "type: comment" lines */
	char header_from[256], envelope_from[256], envelope_to[256];
	char dkim_results[2400]; /* "domain TAB selector TAB result" lines */
	char spf_results[1200];  /* "domain TAB scope TAB result" lines */
};

struct ea_agg_handler {
	/* The report's metadata and policy: before the first record (or at
	 * the end of a report without records). */
	int (*meta)(void *arg, const struct ea_agg_meta *m);
	int (*record)(void *arg, const struct ea_agg_record *r);
	void (*warn)(void *arg, const char *text);
};

/* Ours: records in one report. */
#define EA_AGG_RECORDS_MAX 10000000u

/*
 * Reads the aggregate report @xml, calling @h as it goes. A nonzero
 * return of a callback stops the reading and is returned.
 * @param err OUT: why the report was refused.
 * @return 0, EMAUTH_ESYNTAX (not XML, not a DMARC aggregate report, or
 *         without the metadata a report must have: report_id, org_name,
 *         date_range, policy_published domain), EMAUTH_ELIMIT (more than
 *         EA_AGG_RECORDS_MAX records), a callback's value.
 */
/*
 * A source of bytes: up to @len into @buf, *@got = 0 at the end.
 * @return 0, or an error (with @err saying what) that stops the reading.
 */
typedef int (*ea_read_fn)(void *ctx, uint8_t *buf, size_t len, size_t *got,
    char *err, size_t errsize);

/*
 * ea_agg_read(), the report read from @read as it comes (memory flat in
 * the report's size). A failure of the source refuses the report with
 * the source's error: never a verdict on a report read part of the way.
 */
int ea_agg_read_io(ea_read_fn read, void *ctx, const struct ea_agg_handler *h,
    void *arg, char *err, size_t errsize);

int ea_agg_read(struct emauth_span xml, const struct ea_agg_handler *h,
    void *arg, char *err, size_t errsize);

#endif
