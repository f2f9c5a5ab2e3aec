/*
 * fuzz_report.c: the DMARC report writers with hostile data. The input is
 * "URIS \0 FIELDS \0 MESSAGE": URIS is a rua=/ruf= list for
 * emauth_report_uris(); FIELDS fills a verdict row (domains, selector, IP,
 * override comment: every string a receiver records from a stranger);
 * MESSAGE is the failed message for a failure report. Invariants: every URI
 * kept is one address with one '@' and no control or space bytes, and a
 * lower-case domain; the failure report has CRLF line ends only, no header
 * line made of the row's bytes breaks (the report has as many lines as
 * with plain fields), and it is at most 1 MiB; the aggregate report built from
 * the row (in an in-memory SQLite store) is well-formed XML that reads back the
 * row's count.
 */
#include "fuzz.h"

#include <libxml/parser.h>

#include <emauth/report.h>

static const uint8_t *
part(const uint8_t **p, const uint8_t *end, size_t *len)
{
	const uint8_t *s = *p;
	const uint8_t *z = memchr(s, 0, (size_t)(end - s));
	*len = z ? (size_t)(z - s) : (size_t)(end - s);
	*p = z ? z + 1 : end;
	return s;
}

/* Copies up to size-1 bytes of @s, NUL-free (a C string field). */
static void
field(char *out, size_t size, const uint8_t *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < size; i++)
		if (s[i])
			out[k++] = (char)s[i];
	out[k] = '\0';
}

/* The lines of the failure report, or -1 when it could not be written.
 * Two rows that differ only in their fields, about the same message, give
 * reports of as many lines when no field adds one. */
static long
report_lines(const struct emauth_report_row *row, const uint8_t *m, size_t ml,
    const struct emauth_failure_opts *fo)
{
	char *msg = NULL;
	size_t len = 0;
	int rc = emauth_report_failure_message(row, (struct emauth_span){m, ml},
	    fo, "ruf@example.com", 0, &msg, &len);
	FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ETOOBIG);
	if (rc != 0)
		return -1;
	FUZZ_ASSERT(len <= 1024 * 1024);
	/* Every LF follows a CR. */
	for (size_t i = 0; i < len; i++)
		if (msg[i] == '\n')
			FUZZ_ASSERT(i > 0 && msg[i - 1] == '\r');
	long lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += msg[i] == '\n';
	free(msg);
	return lines;
}

static int
each(void *arg, const struct emauth_report *r)
{
	unsigned long *seen = arg;
	xmlDocPtr d = xmlReadMemory(r->xml, (int)r->xml_len, "r.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	FUZZ_ASSERT(d != NULL);
	xmlFreeDoc(d);
	*seen += r->messages;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	const uint8_t *p = buf, *end = buf + size;
	size_t ul, fl, ml;
	const uint8_t *u = part(&p, end, &ul);
	const uint8_t *f = part(&p, end, &fl);
	const uint8_t *m = part(&p, end, &ml);

	char list[2048];
	field(list, sizeof(list), u, ul);
	struct emauth_report_uri uris[8];
	int n = emauth_report_uris(list, uris, 8);
	FUZZ_ASSERT(n == EMAUTH_ESYNTAX || (n >= 1 && n <= 8));
	for (int i = 0; i < n; i++) {
		const char *a = uris[i].address, *at = strchr(a, '@');
		FUZZ_ASSERT(at && at != a && strchr(at + 1, '@') == NULL);
		for (const char *c = a; *c; c++)
			FUZZ_ASSERT((unsigned char)*c > ' ' &&
			            (unsigned char)*c < 0x7f);
		for (const char *c = uris[i].domain; *c; c++)
			FUZZ_ASSERT(!(*c >= 'A' && *c <= 'Z'));
	}

	/* The row: the fields split at '\n'. */
	struct emauth_report_row *row = calloc(1, sizeof(*row));
	if (row == NULL)
		goto out;
	char *slots[] = {row->header_from, row->policy_domain, row->ip,
	    row->envelope_from, row->envelope_to, row->spf_domain,
	    row->dkim[0].domain, row->dkim[0].selector, row->override_comment,
	    row->rua, row->ruf};
	size_t sizes[] = {sizeof(row->header_from), sizeof(row->policy_domain),
	    sizeof(row->ip), sizeof(row->envelope_from),
	    sizeof(row->envelope_to), sizeof(row->spf_domain),
	    sizeof(row->dkim[0].domain), sizeof(row->dkim[0].selector),
	    sizeof(row->override_comment), sizeof(row->rua), sizeof(row->ruf)};
	const uint8_t *fp = f, *fend = f + fl;
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		const uint8_t *nl = memchr(fp, '\n', (size_t)(fend - fp));
		size_t len = nl ? (size_t)(nl - fp) : (size_t)(fend - fp);
		field(slots[i], sizes[i], fp, len);
		fp = nl ? nl + 1 : fend;
	}
	if (row->policy_domain[0] == '\0')
		memcpy(row->policy_domain, "example.com", 12);
	if (row->rua[0] == '\0')
		memcpy(row->rua, "mailto:a@example.com", 21);
	row->time = 86400 * 20000 + 5;
	row->ndkim = row->dkim_total = 1;
	row->dkim[0].result = EMAUTH_RES_FAIL;
	row->dmarc = EMAUTH_RES_FAIL;
	row->spf_result = EMAUTH_RES_SOFTFAIL;
	memcpy(row->spf_scope, "mfrom", 6);
	memcpy(row->discovery, "treewalk", 9);
	row->p = EMAUTH_DMARC_REJECT;
	row->disposition = EMAUTH_DMARC_REJECT;
	memcpy(row->override_type, "other", 6);

	struct emauth_failure_opts fo = {"dmarc@receiver.example",
	    "mx.receiver.example", (int)(size & 1), (int)(size & 2),
	    row->envelope_from};
	/* The row's bytes never add a line to the report: the same count
	 * as with a plain row of the same shape. */
	long lines = report_lines(row, m, ml, &fo);
	struct emauth_report_row *plain = malloc(sizeof(*plain));
	if (plain && lines >= 0) {
		*plain = *row;
		char *pslots[] = {plain->header_from, plain->policy_domain,
		    plain->ip, plain->envelope_from, plain->envelope_to,
		    plain->spf_domain, plain->dkim[0].domain,
		    plain->dkim[0].selector, plain->override_comment};
		for (size_t i = 0; i < sizeof(pslots) / sizeof(pslots[0]); i++)
			if (pslots[i][0])
				memcpy(pslots[i], "x", 2);
		struct emauth_failure_opts pfo = fo;
		pfo.mail_from = plain->envelope_from;
		FUZZ_ASSERT(report_lines(plain, m, ml, &pfo) == lines);
	}
	free(plain);

	struct emauth_store *s = NULL;
	if (emauth_store_open("sqlite::memory:", &s, NULL, 0) == 0) {
		FUZZ_ASSERT(emauth_store_add(s, row, 1) == 0);
		struct emauth_report_opts o = {0};
		o.org_name = "Receiver <&> Example";
		o.email = "dmarc@receiver.example";
		o.begin = 86400 * 20000;
		o.end = o.begin + 86400;
		unsigned long seen = 0;
		FUZZ_ASSERT(emauth_report_build(s, &o, each, &seen) == 0);
		FUZZ_ASSERT(seen == 1);
		emauth_store_close(s);
	}
	free(row);
out:
	free(buf);
	return 0;
}
