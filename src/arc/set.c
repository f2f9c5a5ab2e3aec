/*
 * set.c: the ARC header fields (RFC 8617 §4.1) parsed, and the sets of a
 * header block gathered by instance with the structure rules of §5.2
 * step 3.
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include "../common/alloc.h"
#include "../common/crypto.h"
#include "../common/simd.h"
#include "../common/span.h"
#include "../dkim/tag.h"
#include "set.h"

static const struct emauth_span name_seal = {(const uint8_t *)"ARC-Seal", 8};
static const struct emauth_span name_ams = {
    (const uint8_t *)"ARC-Message-Signature", 21};
static const struct emauth_span name_aar = {
    (const uint8_t *)"ARC-Authentication-Results", 26};

static bool
name_is(struct emauth_span n, struct emauth_span want)
{
	return ea_span_ieq(n, want);
}

bool
ea_arc_is_seal(struct emauth_span name)
{
	return name_is(name, name_seal);
}

bool
ea_arc_is_ams(struct emauth_span name)
{
	return name_is(name, name_ams);
}

bool
ea_arc_is_aar(struct emauth_span name)
{
	return name_is(name, name_aar);
}

static int
bad(char *why, size_t whysize, const char *fmt, const char *arg)
{
	snprintf(why, whysize, fmt, arg);
	return EMAUTH_ESYNTAX;
}

/* The value of "Name: value". */
static bool
value_of(struct emauth_span field, struct emauth_span *v, size_t *base)
{
	size_t colon = 0;
	while (colon < field.len && field.p[colon] != ':')
		colon++;
	if (colon == field.len)
		return false;
	*base = colon + 1;
	*v = ea_span(field.p + colon + 1, field.len - colon - 1);
	return true;
}

/* inst-num = 1*2DIGIT, 1 to 50 (§4.2.1). */
static bool
inst_num(struct emauth_span v, unsigned *i)
{
	if (v.len == 0 || v.len > 2)
		return false;
	unsigned n = 0;
	for (size_t k = 0; k < v.len; k++) {
		if (!ea_is_digit(v.p[k]))
			return false;
		n = n * 10 + (unsigned)(v.p[k] - '0');
	}
	if (n < 1 || n > EMAUTH_ARC_MAX)
		return false;
	*i = n;
	return true;
}

int
ea_arc_aar_parse(struct emauth_span field, unsigned *i,
    struct emauth_span *results, char *why, size_t whysize)
{
	struct emauth_span v;
	size_t base;
	if (!value_of(field, &v, &base))
		return bad(why, whysize, "%snot a header field", "");
	/* §4.1.1: arc-info = instance [CFWS] ";" authres-payload, instance
	 * = [FWS] "i" [FWS] "=" [FWS] inst-num [FWS]. */
	size_t k = ea_tag_skip_fws(v, 0);
	if (k >= v.len || v.p[k] != 'i')
		return bad(why, whysize,
		    "ARC-Authentication-Results: %sdoes not start with i=", "");
	k = ea_tag_skip_fws(v, k + 1);
	if (k >= v.len || v.p[k] != '=')
		return bad(why, whysize,
		    "ARC-Authentication-Results: %sno = after i", "");
	k = ea_tag_skip_fws(v, k + 1);
	size_t d = k;
	while (k < v.len && ea_is_digit(v.p[k]))
		k++;
	if (!inst_num(ea_span(v.p + d, k - d), i))
		return bad(why, whysize,
		    "ARC-Authentication-Results: %si= is not 1 to 50", "");
	k = ea_tag_skip_fws(v, k);
	if (k >= v.len || v.p[k] != ';')
		return bad(why, whysize,
		    "ARC-Authentication-Results: %sno ; after i=", "");
	*results = ea_span(v.p + k + 1, v.len - k - 1);
	return 0;
}

int
ea_arc_instance(
    struct emauth_span field, unsigned *i, char *why, size_t whysize)
{
	struct emauth_span name = ea_field_name(field), v, rest;
	size_t base;
	if (ea_arc_is_aar(name))
		return ea_arc_aar_parse(field, i, &rest, why, whysize);
	if (!value_of(field, &v, &base))
		return bad(why, whysize, "%snot a header field", "");
	struct ea_tag_list l;
	if (ea_tag_list_parse(v, "arc", &l, NULL) != 0)
		return bad(why, whysize, "%.60s: not a valid tag list",
		    ea_arc_is_seal(name) ? "ARC-Seal"
		                         : "ARC-Message-Signature");
	const struct ea_tag *t = ea_tag_get(&l, "i");
	if (t == NULL || !inst_num(t->value, i))
		return bad(why, whysize, "%.60s: i= is missing or not 1 to 50",
		    ea_arc_is_seal(name) ? "ARC-Seal"
		                         : "ARC-Message-Signature");
	return 0;
}

static bool
alg_of(struct emauth_span v, enum ea_dkim_alg *alg)
{
	if (ea_span_ieq_str(v, "rsa-sha256"))
		*alg = EA_ALG_RSA_SHA256;
	else if (ea_span_ieq_str(v, "ed25519-sha256"))
		*alg = EA_ALG_ED25519_SHA256;
	else
		return false;
	return true;
}

int
ea_arc_seal_parse(
    struct emauth_span field, struct ea_arc_seal *out, char *why, size_t ws)
{
	struct emauth_span v;
	size_t base;
	memset(out, 0, offsetof(struct ea_arc_seal, d));
	out->d[0] = out->s[0] = '\0';
	out->field = field;
	if (!value_of(field, &v, &base))
		return bad(why, ws, "ARC-Seal: %snot a header field", "");
	struct ea_tag_list l;
	if (ea_tag_list_parse(v, "arc-seal", &l, NULL) != 0)
		return bad(why, ws, "ARC-Seal: %snot a valid tag list", "");
	static const char *const req[] = {"a", "b", "cv", "d", "i", "s"};
	for (size_t k = 0; k < EA_ARRAY_LEN(req); k++)
		if (ea_tag_get(&l, req[k]) == NULL)
			return bad(why, ws, "ARC-Seal: the %s= tag is missing",
			    req[k]);
	/* §4.1.3: "The ARC-Seal header field does not use h=". */
	if (ea_tag_get(&l, "h") != NULL)
		return bad(why, ws, "ARC-Seal: %san h= tag (not allowed)", "");
	const struct ea_tag *t = ea_tag_get(&l, "i");
	if (!inst_num(t->value, &out->i))
		return bad(why, ws, "ARC-Seal: %si= is not 1 to 50", "");
	t = ea_tag_get(&l, "a");
	if (!alg_of(t->value, &out->alg))
		return bad(why, ws, "ARC-Seal: %sa= is not rsa-sha256",
		    ea_span_ieq_str(t->value, "rsa-sha1") ? "rsa-sha1 refused: "
		                                          : "");
	t = ea_tag_get(&l, "cv");
	if (ea_span_ieq_str(t->value, "none"))
		out->cv = EMAUTH_ARC_NONE;
	else if (ea_span_ieq_str(t->value, "pass"))
		out->cv = EMAUTH_ARC_PASS;
	else if (ea_span_ieq_str(t->value, "fail"))
		out->cv = EMAUTH_ARC_FAIL;
	else
		return bad(
		    why, ws, "ARC-Seal: %scv= is not none, pass or fail", "");
	t = ea_tag_get(&l, "d");
	if (!ea_dkim_copy_domain(t->value, out->d, sizeof(out->d)))
		return bad(why, ws, "ARC-Seal: %sd= is not a domain name", "");
	t = ea_tag_get(&l, "s");
	if (!ea_dkim_copy_domain(t->value, out->s, sizeof(out->s)))
		return bad(why, ws, "ARC-Seal: %ss= is not a selector", "");
	t = ea_tag_get(&l, "t");
	if (t != NULL) {
		uint64_t n;
		if (!ea_dkim_number(t->value, &n))
			return bad(
			    why, ws, "ARC-Seal: %st= is not a number", "");
		out->has_t = true;
		out->t = (int64_t)n;
	}
	t = ea_tag_get(&l, "b");
	int n = ea_base64_decode(t->value, out->b, sizeof(out->b));
	if (n <= 0)
		return bad(why, ws, "ARC-Seal: %sb= is not base64", "");
	out->blen = (size_t)n;
	out->b_start = base + t->raw_start;
	out->b_end = base + t->raw_end;
	return 0;
}

int
ea_arc_ams_parse(struct emauth_span field, struct ea_dkim_sig *out, unsigned *i,
    char *why, size_t ws)
{
	struct emauth_span v;
	size_t base;
	memset(out, 0, offsetof(struct ea_dkim_sig, d));
	out->d[0] = out->s[0] = out->i[0] = out->i_domain[0] = '\0';
	out->field = field;
	if (!value_of(field, &v, &base))
		return bad(
		    why, ws, "ARC-Message-Signature: %snot a header field", "");
	struct ea_tag_list l;
	if (ea_tag_list_parse(v, "arc-message-signature", &l, NULL) != 0)
		return bad(why, ws,
		    "ARC-Message-Signature: %snot a valid tag list", "");
	static const char *const req[] = {"a", "b", "bh", "d", "h", "i", "s"};
	for (size_t k = 0; k < EA_ARRAY_LEN(req); k++)
		if (ea_tag_get(&l, req[k]) == NULL)
			return bad(why, ws,
			    "ARC-Message-Signature: the %s= tag is missing",
			    req[k]);
	const struct ea_tag *t = ea_tag_get(&l, "i");
	if (!inst_num(t->value, i))
		return bad(
		    why, ws, "ARC-Message-Signature: %si= is not 1 to 50", "");
	t = ea_tag_get(&l, "a");
	if (!alg_of(t->value, &out->alg))
		return bad(why, ws,
		    "ARC-Message-Signature: %sa= is not rsa-sha256",
		    ea_span_ieq_str(t->value, "rsa-sha1") ? "rsa-sha1 refused: "
		                                          : "");
	out->hc = out->bc = EA_CANON_SIMPLE;
	t = ea_tag_get(&l, "c");
	if (t != NULL && !ea_dkim_canon_parse(t->value, &out->hc, &out->bc))
		return bad(why, ws,
		    "ARC-Message-Signature: %sunknown canonicalization", "");
	t = ea_tag_get(&l, "d");
	if (!ea_dkim_copy_domain(t->value, out->d, sizeof(out->d)))
		return bad(why, ws,
		    "ARC-Message-Signature: %sd= is not a domain name", "");
	memcpy(out->i_domain, out->d, strlen(out->d) + 1);
	t = ea_tag_get(&l, "s");
	if (!ea_dkim_copy_domain(t->value, out->s, sizeof(out->s)))
		return bad(why, ws,
		    "ARC-Message-Signature: %ss= is not a selector", "");
	/* h=: colon-separated names, FWS around each; may be empty. */
	t = ea_tag_get(&l, "h");
	const uint8_t *hv = t->value.p;
	size_t hn = t->value.len;
	for (size_t k = 0; hn > 0;) {
		size_t a = ea_tag_skip_fws(t->value, k);
		size_t b = ea_span_print_run(t->value, a, ':');
		k = ea_tag_skip_fws(t->value, b);
		if (k < hn && hv[k] != ':')
			return bad(why, ws,
			    "ARC-Message-Signature: %sinvalid header name in "
			    "h=",
			    "");
		if (a == b) {
			/* An empty name ("from::to"): it names no field,
			 * so it adds nothing to the signed data (as the
			 * ValiMail suite's ams_fields_h_mis_hdr has it). */
			if (k == hn)
				break;
			k++;
			continue;
		}
		if (out->nh == EA_DKIM_H_MAX)
			return bad(why, ws,
			    "ARC-Message-Signature: %smore than 128 names in "
			    "h=",
			    "");
		struct emauth_span name = ea_span(hv + a, b - a);
		/* §4.1.2: "The AMS header field MUST NOT include the
		 * ARC-Seal header field in its h= list". */
		if (ea_arc_is_seal(name))
			return bad(why, ws,
			    "ARC-Message-Signature: %sh= names ARC-Seal", "");
		out->h[out->nh++] = name;
		if (k == hn)
			break;
		k++;
	}
	int n;
	t = ea_tag_get(&l, "bh");
	if ((n = ea_base64_decode(t->value, out->bh, sizeof(out->bh))) <= 0)
		return bad(
		    why, ws, "ARC-Message-Signature: %sbh= is not base64", "");
	out->bhlen = (size_t)n;
	t = ea_tag_get(&l, "b");
	if ((n = ea_base64_decode(t->value, out->b, sizeof(out->b))) <= 0)
		return bad(
		    why, ws, "ARC-Message-Signature: %sb= is not base64", "");
	out->blen = (size_t)n;
	out->b_start = base + t->raw_start;
	out->b_end = base + t->raw_end;
	uint64_t num;
	t = ea_tag_get(&l, "l");
	if (t != NULL) {
		if (!ea_dkim_number(t->value, &out->l))
			return bad(why, ws,
			    "ARC-Message-Signature: %sl= is not a number", "");
		out->has_l = true;
	}
	t = ea_tag_get(&l, "t");
	if (t != NULL) {
		if (!ea_dkim_number(t->value, &num))
			return bad(why, ws,
			    "ARC-Message-Signature: %st= is not a number", "");
		out->has_t = true;
		out->t = (int64_t)num;
	}
	t = ea_tag_get(&l, "x");
	if (t != NULL) {
		if (!ea_dkim_number(t->value, &num))
			return bad(why, ws,
			    "ARC-Message-Signature: %sx= is not a number", "");
		out->has_x = true;
		out->x = (int64_t)num;
	}
	return 0;
}

void
ea_arc_chain_scan(const struct ea_hdrs *h, struct ea_arc_chain *c)
{
	memset(c, 0, sizeof(*c));
	for (unsigned k = 0; k <= EMAUTH_ARC_MAX; k++)
		c->aar[k] = c->ams[k] = c->as[k] = SIZE_MAX;
	unsigned fields = 0;
	for (size_t k = 0; k < h->n; k++) {
		struct emauth_span name = ea_hdrs_name(h, k);
		size_t *slot;
		const char *what;
		if (ea_arc_is_seal(name)) {
			slot = c->as;
			what = "ARC-Seal";
		} else if (ea_arc_is_ams(name)) {
			slot = c->ams;
			what = "ARC-Message-Signature";
		} else if (ea_arc_is_aar(name)) {
			slot = c->aar;
			what = "ARC-Authentication-Results";
		} else {
			continue;
		}
		fields++;
		if (c->broken)
			continue;
		unsigned i = 0;
		char why[200];
		if (ea_arc_instance(ea_hdrs_get(h, k), &i, why, sizeof(why)) !=
		    0) {
			c->broken = true;
			snprintf(c->why, sizeof(c->why), "%s", why);
			if (c->n == 0)
				c->n = 1; /* there is a chain: a broken one */
			continue;
		}
		if (slot[i] != SIZE_MAX) {
			c->broken = true;
			snprintf(c->why, sizeof(c->why),
			    "two %s fields with i=%u", what, i);
		}
		slot[i] = k;
		if (i > c->n)
			c->n = i;
	}
	if (fields == 0 || c->broken)
		return;
	for (unsigned i = 1; i <= c->n; i++) {
		const char *missing = c->as[i] == SIZE_MAX    ? "ARC-Seal"
		                      : c->ams[i] == SIZE_MAX ? "ARC-Message-"
		                                                "Signature"
		                      : c->aar[i] == SIZE_MAX
		                          ? "ARC-Authentication-Results"
		                          : NULL;
		if (missing != NULL) {
			c->broken = true;
			snprintf(c->why, sizeof(c->why),
			    "instance %u has no %s (the sets must run from 1 "
			    "to %u)",
			    i, missing, c->n);
			return;
		}
	}
	struct ea_arc_seal *last = ea_malloc(sizeof(*last));
	if (last != NULL) {
		char why[200];
		if (ea_arc_seal_parse(ea_hdrs_get(h, c->as[c->n]), last, why,
		        sizeof(why)) == 0) {
			c->last_cv = last->cv;
			c->last_cv_known = true;
		}
		ea_free(last);
	}
}
