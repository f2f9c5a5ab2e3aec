/*
 * failure.c: DMARC failure reports (RFC 9991): when one is due under the
 * policy's fo= tag, and the ARF message (RFC 5965, with RFC 6591's
 * auth-failure type) that carries the failed message's header block.
 */
#include "common/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/span.h"
#include "report/report.h"

#define FAILURE_MSG_MAX (1024 * 1024)

static bool
fo_has(const char *fo, char opt)
{
	for (const char *p = fo; *p; p++)
		if (*p == opt && (p == fo || p[-1] == ':') &&
		    (p[1] == '\0' || p[1] == ':'))
			return true;
	return false;
}

EMAUTH_API int
emauth_report_failure_due(const struct emauth_report_row *r, const char *fo)
{
	if (r->policy_domain[0] == '\0' || r->ruf[0] == '\0')
		return 0;
	const char *f = fo && fo[0] ? fo : "0";
	/* 0: no underlying mechanism gave an aligned pass. */
	if (fo_has(f, '0') && r->dmarc == EMAUTH_RES_FAIL)
		return 1;
	/* 1: any of them did not. */
	if (fo_has(f, '1') && (!r->dkim_aligned || !r->spf_aligned) &&
	    r->dmarc != EMAUTH_RES_NONE)
		return 1;
	/* d: a DKIM signature failed, aligned or not. */
	if (fo_has(f, 'd'))
		for (unsigned i = 0; i < r->ndkim; i++)
			if (r->dkim[i].result == EMAUTH_RES_FAIL ||
			    r->dkim[i].result == EMAUTH_RES_PERMERROR)
				return 1;
	/* s: SPF failed, aligned or not. */
	if (fo_has(f, 's') && r->spf_domain[0] &&
	    (r->spf_result == EMAUTH_RES_FAIL ||
	        r->spf_result == EMAUTH_RES_SOFTFAIL ||
	        r->spf_result == EMAUTH_RES_PERMERROR))
		return 1;
	return 0;
}

static bool
is_local_char(uint8_t c)
{
	return ea_is_alpha(c) || ea_is_digit(c) ||
	       strchr("!#$%&'*+-/=?^_`{|}~.", c);
}

/* Copies @s to @b with CRLF line ends; with @redact, every local part
 * (the atoms before an '@') is replaced by "redacted". */
static void
copy_lines(struct ea_buf *b, struct emauth_span s, bool redact)
{
	size_t start = b->len;
	for (size_t i = 0; i < s.len; i++) {
		uint8_t c = s.p[i];
		if (c == '\n' && (i == 0 || s.p[i - 1] != '\r')) {
			ea_buf_adds(b, "\r\n");
			continue;
		}
		if (redact && c == '@' && b->err == 0) {
			size_t k = b->len;
			while (k > start && is_local_char((uint8_t)b->p[k - 1]))
				k--;
			if (k < b->len) {
				b->len = k;
				b->p[k] = '\0';
				ea_buf_adds(b, "redacted");
			}
		}
		ea_buf_addc(b, (char)c);
	}
}

EMAUTH_API int
emauth_report_failure_message(const struct emauth_report_row *r,
    struct emauth_span msg, const struct emauth_failure_opts *o, const char *to,
    int64_t now, char **out, size_t *len)
{
	if (r == NULL || o == NULL || o->from == NULL || to == NULL)
		return EMAUTH_EINVAL;
	/* The header block: up to the first empty line. */
	size_t hlen = msg.len;
	for (size_t i = 0; i + 1 < msg.len; i++) {
		if (msg.p[i] == '\n' &&
		    (msg.p[i + 1] == '\n' ||
		        (msg.p[i + 1] == '\r' && i + 2 < msg.len &&
		            msg.p[i + 2] == '\n'))) {
			hlen = i + 1;
			break;
		}
	}
	struct ea_buf b;
	ea_buf_init(&b, FAILURE_MSG_MAX);
	char date[64], arrival[64];
	ea_report_date(now, date, sizeof(date));
	ea_report_date(r->time, arrival, sizeof(arrival));
	const char *reporter = o->reporter && o->reporter[0] ? o->reporter
	                       : strrchr(o->from, '@')
	                           ? strrchr(o->from, '@') + 1
	                           : o->from;
	uint8_t h[32];
	char seed[400];
	int sl = snprintf(seed, sizeof(seed), "%s|%s|%" PRId64 "|%s", r->ip,
	    r->header_from, r->time, to);
	ea_sha256(seed, sl > 0 ? (size_t)sl : 0, h);
	char id[40];
	snprintf(id, sizeof(id), "%02x%02x%02x%02x%02x%02x%02x%02x", h[0], h[1],
	    h[2], h[3], h[4], h[5], h[6], h[7]);
	const char *boundary = id;

	ea_buf_adds(&b, "From: <");
	ea_report_clean(&b, o->from, 320);
	ea_buf_adds(&b, ">\r\nTo: <");
	ea_report_clean(&b, to, 320);
	ea_buf_printf(
	    &b, ">\r\nDate: %s\r\nSubject: DMARC failure report for ", date);
	ea_report_clean(&b, r->header_from, 255);
	ea_buf_adds(&b, " from ");
	ea_report_clean(&b, r->ip, 64);
	ea_buf_printf(&b, "\r\nMessage-ID: <ruf.%s@", id);
	ea_report_clean(&b, reporter, 255);
	ea_buf_printf(&b,
	    ">\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=feedback-report;\r\n"
	    "\tboundary=\"=_emauth_ruf_%s\"\r\n\r\n"
	    "--=_emauth_ruf_%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
	    "A message claiming to be from ",
	    boundary, boundary);
	ea_report_clean(&b, r->header_from, 255);
	ea_buf_adds(&b, " failed DMARC authentication at ");
	ea_report_clean(&b, reporter, 255);
	ea_buf_adds(&b, ".\r\nSource IP: ");
	ea_report_clean(&b, r->ip, 64);
	ea_buf_printf(&b,
	    "\r\nSPF: %s (%s); DKIM signatures: %u; DMARC: %s; "
	    "disposition: %s\r\n\r\n--=_emauth_ruf_%s\r\n"
	    "Content-Type: message/feedback-report\r\n\r\n"
	    "Feedback-Type: auth-failure\r\n"
	    "User-Agent: emauth/" EMAUTH_VERSION "\r\n"
	    "Version: 1\r\n",
	    emauth_result_name(r->spf_result),
	    r->spf_aligned ? "aligned" : "not aligned", r->dkim_total,
	    emauth_result_name(r->dmarc),
	    emauth_dmarc_policy_name(r->disposition), boundary);
	if (o->mail_from && o->mail_from[0]) {
		struct ea_buf mf;
		ea_buf_init(&mf, 1024);
		ea_report_clean(&mf, o->mail_from, 320);
		ea_buf_adds(&b, "Original-Mail-From: <");
		copy_lines(
		    &b, ea_span(ea_buf_str(&mf), mf.len), o->redact != 0);
		ea_buf_adds(&b, ">\r\n");
		ea_buf_release(&mf);
	}
	ea_buf_printf(&b, "Arrival-Date: %s\r\nReporting-MTA: dns; ", arrival);
	ea_report_clean(&b, reporter, 255);
	ea_buf_adds(&b, "\r\nSource-IP: ");
	ea_report_clean(&b, r->ip, 64);
	ea_buf_adds(&b, "\r\nReported-Domain: ");
	ea_report_clean(&b, r->header_from, 255);
	ea_buf_printf(&b,
	    "\r\nAuth-Failure: dmarc\r\nIdentity-Alignment: %s\r\n",
	    r->dkim_aligned && r->spf_aligned ? "dkim, spf"
	    : r->dkim_aligned                 ? "dkim"
	    : r->spf_aligned                  ? "spf"
	                                      : "none");
	for (unsigned i = 0; i < r->ndkim; i++) {
		if (r->dkim[i].result == EMAUTH_RES_PASS)
			continue;
		ea_buf_adds(&b, "DKIM-Domain: ");
		ea_report_clean(&b, r->dkim[i].domain, 255);
		ea_buf_adds(&b, "\r\nDKIM-Selector: ");
		ea_report_clean(&b, r->dkim[i].selector, 255);
		ea_buf_adds(&b, "\r\n");
		break;
	}
	ea_buf_adds(&b, "Authentication-Results: ");
	ea_report_clean(&b, reporter, 255);
	ea_buf_printf(
	    &b, "; dmarc=%s header.from=", emauth_result_name(r->dmarc));
	ea_report_clean(&b, r->header_from, 255);
	if (r->spf_domain[0]) {
		ea_buf_printf(&b,
		    ";\r\n\tspf=%s smtp.%s=", emauth_result_name(r->spf_result),
		    strcmp(r->spf_scope, "helo") == 0 ? "helo" : "mailfrom");
		ea_report_clean(&b, r->spf_domain, 255);
	}
	for (unsigned i = 0; i < r->ndkim; i++) {
		ea_buf_printf(&b, ";\r\n\tdkim=%s header.d=",
		    emauth_result_name(r->dkim[i].result));
		ea_report_clean(&b, r->dkim[i].domain, 255);
		ea_buf_adds(&b, " header.s=");
		ea_report_clean(&b, r->dkim[i].selector, 255);
	}
	ea_buf_printf(&b, "\r\nDelivery-Result: %s\r\n\r\n",
	    r->disposition == EMAUTH_DMARC_REJECT       ? "reject"
	    : r->disposition == EMAUTH_DMARC_QUARANTINE ? "spam"
	                                                : "delivered");
	ea_buf_printf(&b, "--=_emauth_ruf_%s\r\nContent-Type: %s\r\n\r\n",
	    boundary,
	    o->include_body ? "message/rfc822" : "text/rfc822-headers");
	copy_lines(&b, ea_span(msg.p, o->include_body ? msg.len : hlen),
	    o->redact != 0);
	if (b.len < 2 || b.p[b.len - 1] != '\n')
		ea_buf_adds(&b, "\r\n");
	ea_buf_printf(&b, "\r\n--=_emauth_ruf_%s--\r\n", boundary);
	if (b.err) {
		int e = b.err;
		ea_buf_release(&b);
		return e;
	}
	*len = b.len;
	*out = ea_buf_steal(&b);
	return 0;
}
