/*
 * sig.c: the DKIM-Signature parser (RFC 6376 §3.5), with the checks of
 * §6.1.1 that need no DNS: required tags, v=, a= (RFC 8301 refuses
 * rsa-sha1), c=, h= holding From, i= under d=, q=, t= before x=.
 */
#include "../common/internal.h"

#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "../common/crypto.h"
#include "../common/diag.h"
#include "../common/simd.h"
#include "../common/span.h"
#include "sig.h"
#include "tag.h"

static const char *const reason_text[] = {
    [EMAUTH_DKIM_OK] = "ok",
    [EMAUTH_DKIM_SYNTAX] = "signature syntax error",
    [EMAUTH_DKIM_MISSING_TAG] = "required tag missing",
    [EMAUTH_DKIM_VERSION] = "unsupported version (v= is not 1)",
    [EMAUTH_DKIM_SHA1] = "rsa-sha1 refused (RFC 8301)",
    [EMAUTH_DKIM_ALGORITHM] = "unknown algorithm",
    [EMAUTH_DKIM_NO_FROM] = "h= does not include From",
    [EMAUTH_DKIM_IDENTITY] = "i= is not d= or a subdomain of it",
    [EMAUTH_DKIM_EXPIRED] = "signature expired (x=)",
    [EMAUTH_DKIM_QUERY] = "q= offers no dns/txt",
    [EMAUTH_DKIM_NO_KEY] = "no key record",
    [EMAUTH_DKIM_KEY_SYNTAX] = "key record syntax error",
    [EMAUTH_DKIM_KEY_REVOKED] = "key revoked (empty p=)",
    [EMAUTH_DKIM_KEY_TOO_SHORT] = "key too short (RFC 8301)",
    [EMAUTH_DKIM_KEY_MISMATCH] = "key record does not allow this signature",
    [EMAUTH_DKIM_KEY_STRICT] = "key requires i= domain to equal d= (t=s)",
    [EMAUTH_DKIM_DNS] = "DNS temporary failure fetching the key",
    [EMAUTH_DKIM_BODY_HASH] = "body hash mismatch",
    [EMAUTH_DKIM_SIGNATURE] = "signature mismatch",
    [EMAUTH_DKIM_PARTIAL_BODY] = "l= leaves part of the body unsigned",
    [EMAUTH_DKIM_NOT_CHECKED] = "not checked: too many signatures",
};

const char *
emauth_dkim_reason_text(enum emauth_dkim_reason r)
{
	if ((size_t)r < EA_ARRAY_LEN(reason_text) && reason_text[r])
		return reason_text[r];
	return "unknown reason";
}

bool
ea_dkim_domain_ok(struct emauth_span d)
{
	size_t start = 0, labels = 0;

	if (d.len == 0 || d.len > 253)
		return false;
	for (size_t i = 0; i <= d.len; i++) {
		if (i < d.len && d.p[i] != '.') {
			uint8_t c = d.p[i];
			if (!ea_is_alpha(c) && !ea_is_digit(c) && c != '-' &&
			    c != '_')
				return false;
			continue;
		}
		if (i == start || i - start > 63)
			return false;
		labels++;
		start = i + 1;
	}
	return labels >= 1;
}

static int
bad(enum emauth_dkim_reason *reason, enum emauth_dkim_reason r,
    struct emauth_diag *diag, const char *tag, struct emauth_span in,
    size_t off, const char *msg)
{
	*reason = r;
	ea_diag_set(diag, EMAUTH_ESYNTAX, tag, in, off, msg);
	return EMAUTH_ESYNTAX;
}

/* A decimal number of at most @digits digits (RFC 6376 gives 76 for l=
 * and 12 for t=/x=; we accept at most 18, which fits in 64 bits). */
bool
ea_dkim_number(struct emauth_span v, uint64_t *out)
{
	uint64_t n = 0;
	if (v.len == 0 || v.len > 18)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		if (!ea_is_digit(v.p[i]))
			return false;
		n = n * 10 + (uint64_t)(v.p[i] - '0');
	}
	*out = n;
	return true;
}

static int
hexval(uint8_t c)
{
	if (ea_is_digit(c))
		return c - '0';
	c = ea_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool
canon_word(struct emauth_span w, enum ea_canon *c)
{
	if (ea_span_ieq_str(w, "simple"))
		*c = EA_CANON_SIMPLE;
	else if (ea_span_ieq_str(w, "relaxed"))
		*c = EA_CANON_RELAXED;
	else
		return false;
	return true;
}

bool
ea_dkim_canon_parse(struct emauth_span v, enum ea_canon *hc, enum ea_canon *bc)
{
	size_t slash = 0;
	while (slash < v.len && v.p[slash] != '/')
		slash++;
	*hc = *bc = EA_CANON_SIMPLE;
	bool ok = canon_word(ea_span(v.p, slash), hc);
	if (ok && slash < v.len)
		ok =
		    canon_word(ea_span(v.p + slash + 1, v.len - slash - 1), bc);
	return ok;
}

bool
ea_dkim_copy_domain(struct emauth_span v, char *out, size_t size)
{
	if (!ea_dkim_domain_ok(v) || v.len >= size)
		return false;
	memcpy(out, v.p, v.len);
	out[v.len] = '\0';
	return true;
}

/* Whether @sub equals @dom or ends with "." @dom, ignoring case. */
static bool
under(const char *sub, const char *dom)
{
	size_t a = strlen(sub), b = strlen(dom);
	if (a == b)
		return ea_span_ieq_str(ea_span_str(sub), dom);
	return a > b && sub[a - b - 1] == '.' &&
	       ea_span_ieq_str(ea_span(sub + a - b, b), dom);
}

/* The first required tag (§3.5) that @l lacks, or NULL. Each name is a
 * literal, so that ea_tag_get of a one-letter name is a bit test. */
static const char *
missing_tag(const struct ea_tag_list *l)
{
	if (ea_tag_get(l, "v") == NULL)
		return "v";
	if (ea_tag_get(l, "a") == NULL)
		return "a";
	if (ea_tag_get(l, "b") == NULL)
		return "b";
	if (ea_tag_get(l, "bh") == NULL)
		return "bh";
	if (ea_tag_get(l, "d") == NULL)
		return "d";
	if (ea_tag_get(l, "h") == NULL)
		return "h";
	if (ea_tag_get(l, "s") == NULL)
		return "s";
	return NULL;
}

int
ea_dkim_sig_parse(struct emauth_span field, struct ea_dkim_sig *out,
    enum emauth_dkim_reason *reason, struct emauth_diag *diag)
{
	struct ea_tag_list l;
	const struct ea_tag *t;

	memset(out, 0, offsetof(struct ea_dkim_sig, d));
	out->d[0] = out->s[0] = out->i[0] = out->i_domain[0] = '\0';
	*reason = EMAUTH_DKIM_SYNTAX;
	out->field = field;
	size_t colon = 0;
	while (colon < field.len && field.p[colon] != ':')
		colon++;
	if (colon == field.len)
		return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "dkim-signature",
		    field, 0, "not a header field");
	struct emauth_span v =
	    ea_span(field.p + colon + 1, field.len - colon - 1);
	size_t base = colon + 1;
	int rc = ea_tag_list_parse(v, "dkim-signature", &l, diag);
	if (rc) {
		if (diag)
			diag->offset += base;
		*reason = EMAUTH_DKIM_SYNTAX;
		return EMAUTH_ESYNTAX;
	}
	const char *missing = missing_tag(&l);
	if (missing != NULL) {
		char w[32];
		snprintf(w, sizeof(w), "%s= tag", missing);
		return bad(reason, EMAUTH_DKIM_MISSING_TAG, diag, w, field,
		    base, "required tag missing");
	}
#define AT(tag) (base + (tag)->offset)
	t = ea_tag_get(&l, "v");
	if (!(t->value.len == 1 && t->value.p[0] == '1'))
		return bad(reason, EMAUTH_DKIM_VERSION, diag, "v= tag", field,
		    AT(t), "v= must be 1");
	t = ea_tag_get(&l, "a");
	if (ea_span_ieq_str(t->value, "rsa-sha256"))
		out->alg = EA_ALG_RSA_SHA256;
	else if (ea_span_ieq_str(t->value, "ed25519-sha256"))
		out->alg = EA_ALG_ED25519_SHA256;
	else if (ea_span_ieq_str(t->value, "rsa-sha1"))
		/* RFC 8301 §3.1: "Signers MUST sign using rsa-sha256.
		 * Verifiers MUST NOT consider signatures using rsa-sha1
		 * valid." */
		return bad(reason, EMAUTH_DKIM_SHA1, diag, "a= tag", field,
		    AT(t), "rsa-sha1 is refused (RFC 8301)");
	else
		return bad(reason, EMAUTH_DKIM_ALGORITHM, diag, "a= tag", field,
		    AT(t), "unknown signing algorithm");
	t = ea_tag_get(&l, "c");
	out->hc = out->bc = EA_CANON_SIMPLE;
	if (t) {
		bool ok = ea_dkim_canon_parse(t->value, &out->hc, &out->bc);
		if (!ok)
			return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "c= tag",
			    field, AT(t), "unknown canonicalization");
	}
	t = ea_tag_get(&l, "d");
	if (!ea_dkim_copy_domain(t->value, out->d, sizeof(out->d)))
		return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "d= tag", field,
		    AT(t), "not a domain name");
	t = ea_tag_get(&l, "s");
	if (!ea_dkim_copy_domain(t->value, out->s, sizeof(out->s)))
		return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "s= tag", field,
		    AT(t), "not a selector");
	/* h=: colon-separated names with FWS around each; one pass. */
	t = ea_tag_get(&l, "h");
	bool from = false;
	const uint8_t *hv = t->value.p;
	size_t hn = t->value.len;
	for (size_t i = 0;; i++) {
		size_t a = ea_tag_skip_fws(t->value, i);
		/* RFC 5322 ftext: printable except ":". */
		size_t b = ea_span_print_run(t->value, a, ':');
		i = ea_tag_skip_fws(t->value, b);
		if (a == b)
			return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "h= tag",
			    field, AT(t), "empty header name in h=");
		if (i < hn && hv[i] != ':')
			return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "h= tag",
			    field, AT(t), "invalid header name in h=");
		if (out->nh == EA_DKIM_H_MAX)
			return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "h= tag",
			    field, AT(t), "more than 128 names in h=");
		struct emauth_span name = ea_span(hv + a, b - a);
		out->h[out->nh++] = name;
		from |= ea_span_ieq_str(name, "from");
		if (i == hn)
			break;
	}
	/* §5.4: "The From header field MUST be signed". */
	if (!from)
		return bad(reason, EMAUTH_DKIM_NO_FROM, diag, "h= tag", field,
		    AT(t), "h= does not include From");
	/* bh= and b=: base64 with FWS inside. */
	int n;
	t = ea_tag_get(&l, "bh");
	if ((n = ea_base64_decode(t->value, out->bh, sizeof(out->bh))) <= 0)
		return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "bh= tag", field,
		    AT(t), "bh= is not base64");
	out->bhlen = (size_t)n;
	t = ea_tag_get(&l, "b");
	if ((n = ea_base64_decode(t->value, out->b, sizeof(out->b))) <= 0)
		return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "b= tag", field,
		    AT(t), "b= is not base64");
	out->blen = (size_t)n;
	out->b_start = base + t->raw_start;
	out->b_end = base + t->raw_end;
	/* i=: [local-part] "@" domain, the domain d= or under it. */
	memcpy(out->i_domain, out->d, strlen(out->d) + 1);
	t = ea_tag_get(&l, "i");
	if (t) {
		/* i= is DKIM-quoted-printable (§2.11): "=XX" is a byte. */
		char iv[sizeof(out->i)];
		size_t ilen = 0;
		bool qp_ok = t->value.len < sizeof(iv);
		for (size_t k = 0; qp_ok && k < t->value.len; k++) {
			uint8_t c = t->value.p[k];
			if (c == '=') {
				int hi = k + 2 < t->value.len
				             ? hexval(t->value.p[k + 1])
				             : -1;
				int lo =
				    hi >= 0 ? hexval(t->value.p[k + 2]) : -1;
				if (lo < 0) {
					qp_ok = false;
					break;
				}
				c = (uint8_t)(hi * 16 + lo);
				k += 2;
			}
			iv[ilen++] = (char)c;
		}
		size_t at = ilen;
		for (size_t k = ilen; qp_ok && k > 0; k--)
			if (iv[k - 1] == '@') {
				at = k - 1;
				break;
			}
		if (!qp_ok || at == ilen ||
		    !ea_dkim_copy_domain(ea_span(iv + at + 1, ilen - at - 1),
		        out->i_domain, sizeof(out->i_domain)))
			return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "i= tag",
			    field, AT(t), "i= is not [local-part]@domain");
		memcpy(out->i, iv, ilen);
		out->i[ilen] = '\0';
		/* §6.1.1: "Verifiers MUST confirm that the domain specified
		 * in the "d=" tag is the same as or a parent domain of the
		 * domain part of the "i=" tag." */
		if (!under(out->i_domain, out->d))
			return bad(reason, EMAUTH_DKIM_IDENTITY, diag, "i= tag",
			    field, AT(t), "i= is not d= or a subdomain of it");
	}
	t = ea_tag_get(&l, "l");
	if (t) {
		if (!ea_dkim_number(t->value, &out->l))
			return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "l= tag",
			    field, AT(t), "l= is not a number");
		out->has_l = true;
	}
	t = ea_tag_get(&l, "q");
	if (t) {
		bool ok = false;
		for (size_t i = 0; i <= t->value.len && !ok;) {
			size_t j = i;
			while (j < t->value.len && t->value.p[j] != ':')
				j++;
			struct emauth_span m = ea_span(t->value.p + i, j - i);
			ok = ea_span_ieq_str(m, "dns/txt") ||
			     ea_span_ieq_str(m, "dns");
			i = j + 1;
		}
		if (!ok)
			return bad(reason, EMAUTH_DKIM_QUERY, diag, "q= tag",
			    field, AT(t), "q= does not offer dns/txt");
	}
	uint64_t num;
	t = ea_tag_get(&l, "t");
	if (t) {
		if (!ea_dkim_number(t->value, &num))
			return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "t= tag",
			    field, AT(t), "t= is not a number");
		out->has_t = true;
		out->t = (int64_t)num;
	}
	t = ea_tag_get(&l, "x");
	if (t) {
		if (!ea_dkim_number(t->value, &num))
			return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "x= tag",
			    field, AT(t), "x= is not a number");
		out->has_x = true;
		out->x = (int64_t)num;
		/* §3.5: "the value of the "x=" tag MUST be greater than the
		 * value of the "t=" tag if both are present." */
		if (out->has_t && out->x < out->t)
			return bad(reason, EMAUTH_DKIM_SYNTAX, diag, "x= tag",
			    field, AT(t), "x= is earlier than t=");
	}
#undef AT
	*reason = EMAUTH_DKIM_OK;
	return 0;
}
