/*
 * format.c: writing Authentication-Results (RFC 8601 §2.2). Values come
 * from the envelope and the message, so each is written as a token when it
 * is plainly one (letters, digits, ".-_+" and one "@" between non-empty
 * parts) and as a quoted-string otherwise, with '"' and '\' escaped and
 * control and 8-bit bytes replaced by '?'; comments escape "(", ")" and
 * "\" the same way. Nothing from the input can end a result, start one, or
 * break a line.
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include "../common/buf.h"
#include "../common/span.h"

#include <emauth/arc.h>
#include <emauth/authres.h>

static bool
plain_char(unsigned char c)
{
	return ea_is_alpha(c) || ea_is_digit(c) || c == '.' || c == '-' ||
	       c == '_' || c == '+';
}

static void
put_value(struct ea_buf *b, const char *s)
{
	size_t n = strlen(s), at = 0;
	unsigned ats = 0;
	bool plain = n > 0;
	for (size_t i = 0; i < n && plain; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '@') {
			ats++;
			at = i;
		} else if (!plain_char(c)) {
			plain = false;
		}
	}
	if (plain && ats == 1 && (at == 0 || at == n - 1))
		plain = false;
	if (plain && ats <= 1) {
		ea_buf_add(b, s, n);
		return;
	}
	ea_buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			ea_buf_addc(b, '\\');
		ea_buf_addc(b, (c < 0x20 || c >= 0x7f) ? '?' : (char)c);
	}
	ea_buf_addc(b, '"');
}

static void
put_comment(struct ea_buf *b, const char *s)
{
	ea_buf_adds(b, " (");
	for (size_t i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '(' || c == ')' || c == '\\')
			ea_buf_addc(b, '\\');
		ea_buf_addc(b, (c < 0x20 || c >= 0x7f) ? ' ' : (char)c);
	}
	ea_buf_addc(b, ')');
}

static void
put_prop(struct ea_buf *b, const char *name, const char *value)
{
	ea_buf_addc(b, ' ');
	ea_buf_adds(b, name);
	ea_buf_addc(b, '=');
	put_value(b, value);
}

static void
start(
    struct ea_buf *b, const char *eol, const char *method, enum emauth_result r)
{
	ea_buf_addc(b, ';');
	ea_buf_adds(b, eol);
	ea_buf_addc(b, '\t');
	ea_buf_adds(b, method);
	ea_buf_addc(b, '=');
	ea_buf_adds(b, emauth_result_name(r));
}

static void
spf_entry(struct ea_buf *b, const char *eol, const struct emauth_spf_result *s,
    bool helo)
{
	start(b, eol, "spf", s->result);
	if (s->problem[0])
		put_comment(b, s->problem);
	else if (s->mechanism[0])
		put_comment(b, s->mechanism);
	if (helo)
		put_prop(b, "smtp.helo", s->domain);
	else
		put_prop(
		    b, "smtp.mailfrom", s->sender[0] ? s->sender : s->domain);
}

int
emauth_authres_format(const struct emauth_authres_input *in, const char *eol,
    char *out, size_t size)
{
	struct ea_buf b;
	char tmp[128];

	if (in == NULL || in->authserv_id == NULL || in->authserv_id[0] == '\0')
		return EMAUTH_EINVAL;
	for (size_t i = 0; in->authserv_id[i]; i++)
		if (!plain_char((unsigned char)in->authserv_id[i]))
			return EMAUTH_EINVAL;
	/* No more results than emauth_authres_parse() reads back. */
	size_t n =
	    (in->iprev != NULL) + (in->spf != NULL) + (in->spf_helo != NULL) +
	    (in->dmarc != NULL || in->dmarc_problem != NULL) +
	    (in->dkim ? (in->ndkim ? in->ndkim : 1) : 0) + (in->arc != NULL);
	if (n > EMAUTH_AUTHRES_RESULTS_MAX)
		return EMAUTH_ETOOBIG;
	if (eol == NULL)
		eol = "\r\n";
	ea_buf_init(&b, EMAUTH_AUTHRES_MAX);
	ea_buf_adds(&b, "Authentication-Results: ");
	ea_buf_adds(&b, in->authserv_id);
	size_t empty = b.len;
	if (in->iprev) {
		start(&b, eol, "iprev", in->iprev->result);
		if (in->iprev->name[0])
			put_comment(&b, in->iprev->name);
		if (in->ip)
			put_prop(&b, "policy.iprev", in->ip);
	}
	if (in->spf)
		spf_entry(&b, eol, in->spf, false);
	if (in->spf_helo)
		spf_entry(&b, eol, in->spf_helo, true);
	if (in->dkim && in->ndkim == 0) {
		start(&b, eol, "dkim", EMAUTH_RES_NONE);
		put_comment(&b, "no signature");
	}
	for (size_t i = 0; in->dkim && i < in->ndkim; i++) {
		const struct emauth_dkim_result *k = &in->dkim[i];
		start(&b, eol, "dkim", k->result);
		if (k->result == EMAUTH_RES_PASS && k->key_bits) {
			snprintf(tmp, sizeof(tmp), "%u-bit key", k->key_bits);
			put_comment(&b, tmp);
		} else if (k->result != EMAUTH_RES_PASS) {
			put_comment(&b, emauth_dkim_reason_text(k->reason));
		}
		if (k->domain[0])
			put_prop(&b, "header.d", k->domain);
		if (k->selector[0])
			put_prop(&b, "header.s", k->selector);
		if (k->algorithm[0])
			put_prop(&b, "header.a", k->algorithm);
		if (k->b_prefix[0])
			put_prop(&b, "header.b", k->b_prefix);
	}
	/* A message without ARC sets gets no arc= (as the large receivers
	 * write it): "none" would be every message's noise. */
	if (in->arc && in->arc->cv != EMAUTH_ARC_NONE) {
		const struct emauth_arc_result *a = in->arc;
		start(&b, eol, "arc",
		    a->cv == EMAUTH_ARC_PASS   ? EMAUTH_RES_PASS
		    : a->cv == EMAUTH_ARC_FAIL ? EMAUTH_RES_FAIL
		                               : EMAUTH_RES_NONE);
		if (a->cv != EMAUTH_ARC_NONE)
			put_comment(&b, a->reason);
		if (in->ip && a->cv != EMAUTH_ARC_NONE)
			put_prop(&b, "smtp.remote-ip", in->ip);
		if (a->cv == EMAUTH_ARC_PASS && a->oldest_pass) {
			snprintf(tmp, sizeof(tmp), "%u", a->oldest_pass);
			put_prop(&b, "header.oldest-pass", tmp);
		}
	}
	if (in->dmarc_problem) {
		start(&b, eol, "dmarc", EMAUTH_RES_PERMERROR);
		/* No header.from: the From field is what is wrong. */
		put_comment(&b, in->dmarc_problem);
	} else if (in->dmarc) {
		const struct emauth_dmarc_result *d = in->dmarc;
		start(&b, eol, "dmarc", d->result);
		if (d->d.policy_tag) {
			snprintf(tmp, sizeof(tmp), "p=%s sp=%s dis=%s",
			    emauth_dmarc_policy_name(d->d.record.p),
			    emauth_dmarc_policy_name(d->d.record.sp),
			    d->disposition
			        ? emauth_dmarc_policy_name(d->disposition)
			        : "none");
			put_comment(&b, tmp);
		}
		const char *from =
		    in->from_domain ? in->from_domain : d->d.domain;
		if (from && from[0])
			put_prop(&b, "header.from", from);
		if (d->d.policy_tag)
			put_prop(&b, "policy.dmarc",
			    d->disposition
			        ? emauth_dmarc_policy_name(d->disposition)
			        : "none");
	}
	if (b.len == empty)
		ea_buf_adds(&b, "; none");
	int rc = b.err;
	if (rc == 0 && b.len + 1 > size)
		rc = EMAUTH_ETOOBIG;
	if (rc == 0) {
		memcpy(out, b.p, b.len + 1);
		rc = (int)b.len;
	}
	ea_buf_release(&b);
	return rc;
}
