/*
 * report.h (internal): what the files of src/report/ share.
 */
#ifndef EA_REPORT_REPORT_H
#define EA_REPORT_REPORT_H

#include "common/internal.h"

#include <emauth/report.h>

#include "common/buf.h"

/* Appends the DKIM column of @r (store.c). @return b->err. */
int ea_report_dkim_encode(const struct emauth_report_row *r, struct ea_buf *b);

/* Appends @s to @b made safe for XML text and mail headers: valid UTF-8
 * kept, other bytes and controls as '?'. */
void ea_report_clean(struct ea_buf *b, const char *s, size_t max);

/* An RFC 5322 date of @t (UTC). */
void ea_report_date(int64_t t, char *out, size_t size);

/* Adds @n bytes as base64 lines of 76 characters with CRLF. */
int ea_report_base64(struct ea_buf *b, const uint8_t *p, size_t n);

/* libxml2's one-time setup, before any thread uses it (aggregate.c). */
void ea_report_xml_init(void);

#endif
