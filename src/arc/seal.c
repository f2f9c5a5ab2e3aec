/*
 * seal.c: adding an ARC set (RFC 8617 §5.1). The sealer keeps the header
 * block (bounded) and hashes the body as it comes; at the end it builds,
 * for instance N+1:
 *   ARC-Authentication-Results: i=N+1; <authserv-id>; <results>
 *   ARC-Message-Signature: a=; b=; bh=; c=relaxed/relaxed; d=; h=; i=; s=; t=
 *   ARC-Seal: a=; b=; cv=; d=; i=; s=; t=
 * the tags in that order, one space after each ";" and no folding inside
 * a value (what the interoperability suites compare byte for byte). The
 * AMS signs the fields of h= and itself (relaxed); the seal signs the sets
 * 1..N+1 as AAR, AMS, AS, relaxed, itself last without b= (only the new
 * set when it says cv=fail). Nothing is added after a seal that says
 * cv=fail (§5.1.2).
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include <emauth/authres.h>

#include "../common/alloc.h"
#include "../common/buf.h"
#include "../common/crypto.h"
#include "../common/ctx.h"
#include "../common/diag.h"
#include "../common/span.h"
#include "../dkim/canon.h"
#include "../dkim/hash.h"
#include "../dkim/key.h"
#include "../dkim/tag.h"
#include "set.h"

enum state { HEADERS, BODY, DONE };

struct emauth_arc_sealer {
	struct ea_ctx_link link;
	enum state st;
	struct emauth_arc_seal_spec spec;
	char domain[256], selector[256], srvid[256];
	char *results, *headers;
	struct ea_hdrs hdrs;
	struct ea_bodies bodies;
	int body;
	unsigned instance;
	char *field[3];
};

EMAUTH_API void
emauth_arc_seal_spec_init(struct emauth_arc_seal_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->cv = EMAUTH_ARC_NONE;
}

static char *
dup_str(const char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s);
	char *d = ea_malloc(n + 1);
	if (d != NULL)
		memcpy(d, s, n + 1);
	return d;
}

/* Lines of the folded fields: RFC 5322 §2.1.1's SHOULD and MUST. */
#define FOLD_WIDTH 78
#define LINE_MAX_OCTETS 998

/*
 * @f (one line, "Name: value") folded: a run of blanks becomes CRLF SP
 * where the line would grow past FOLD_WIDTH, which relaxed
 * canonicalization reads as the original; with @split_b (the seal and
 * the message signature, never the results, whose words are not base64)
 * the base64 of b= is broken likewise (RFC 6376 §3.5 allows blanks in it,
 * and a signature empties its own b= before hashing). A field the seal signs
 * (the AAR, the AMS) is folded before the seal is computed, since relaxed
 * canonicalization reads a blank inside the AMS's b= as a space. A space, not a
 * TAB, starts each new line: dkimpy finds the ARC-Message-Signature of an
 * instance by the text " i=N;" in it (1.1.4, Debian 12). Sets *@over when a
 * line is still over LINE_MAX_OCTETS.
 * @return the new field, or NULL (no memory).
 */
static char *
fold_field(const char *f, bool split_b, bool *over)
{
	struct ea_buf b;
	size_t n = strlen(f), col = 0, i = 0;
	/* A fold adds 3 octets and comes after 8 at least. */
	ea_buf_init(&b, n * 2 + 64);
	*over = false;
	while (i < n) {
		/* A word: the blanks before it, then up to the next blank. */
		size_t ws = i;
		while (i < n && (f[i] == ' ' || f[i] == '\t'))
			i++;
		size_t w0 = i;
		while (i < n && f[i] != ' ' && f[i] != '\t')
			i++;
		size_t wl = i - w0, bl = w0 - ws;
		if (col > 0 && bl > 0 && col + bl + wl > FOLD_WIDTH) {
			ea_buf_add(&b, "\r\n ", 3);
			col = 1;
		} else {
			ea_buf_add(&b, f + ws, bl);
			col += bl;
		}
		/* b= (not bh=): its base64 broken to fit. */
		bool sig =
		    split_b && wl > 2 && f[w0] == 'b' && f[w0 + 1] == '=';
		size_t k = 0;
		while (sig && col + (wl - k) > FOLD_WIDTH && wl - k > 8) {
			size_t room =
			    col < FOLD_WIDTH - 8 ? FOLD_WIDTH - col : 8;
			ea_buf_add(&b, f + w0 + k, room);
			ea_buf_add(&b, "\r\n ", 3);
			k += room;
			col = 1;
		}
		ea_buf_add(&b, f + w0 + k, wl - k);
		col += wl - k;
		if (col > LINE_MAX_OCTETS)
			*over = true;
	}
	return b.err ? (ea_buf_release(&b), NULL) : ea_buf_steal(&b);
}

/* *@f folded (fold_field, @split_b as there), replacing it. @return 0,
 * EMAUTH_ENOMEM, or EMAUTH_ETOOBIG with @diag when a line is still over 998
 * octets. */
static int
fold_in_place(char **f, bool split_b, struct emauth_diag *diag)
{
	bool over;
	char *folded = fold_field(*f, split_b, &over);
	if (folded == NULL)
		return EMAUTH_ENOMEM;
	ea_free(*f);
	*f = folded;
	if (!over)
		return 0;
	char name[32];
	size_t n = strcspn(folded, ":");
	snprintf(name, sizeof(name), "%.*s", (int)(n < 31 ? n : 31), folded);
	ea_diag_set(diag, EMAUTH_ETOOBIG, name, ea_span(NULL, 0), 0,
	    "the new field would have a line over 998 octets (a word too "
	    "long to fold)");
	return EMAUTH_ETOOBIG;
}

EMAUTH_API void
emauth_arc_sealer_free(struct emauth_arc_sealer *s)
{
	if (s == NULL)
		return;
	ea_ctx_unlink(&s->link);
	ea_hdrs_release(&s->hdrs);
	ea_bodies_release(&s->bodies);
	ea_free(s->results);
	ea_free(s->headers);
	for (int i = 0; i < 3; i++)
		ea_free(s->field[i]);
	ea_free(s);
}

EMAUTH_API int
emauth_arc_sealer_new(struct emauth_ctx *ctx,
    const struct emauth_arc_seal_spec *spec, struct emauth_arc_sealer **out)
{
	if (spec == NULL || spec->key == NULL || spec->domain == NULL ||
	    spec->selector == NULL || spec->authserv_id == NULL ||
	    !ea_dkim_domain_ok(ea_span_str(spec->domain)) ||
	    !ea_dkim_domain_ok(ea_span_str(spec->selector)) ||
	    spec->authserv_id[0] == '\0' || strlen(spec->authserv_id) > 255 ||
	    strpbrk(spec->authserv_id, " \t\r\n;()\"") != NULL)
		return EMAUTH_EINVAL;
	if (spec->results != NULL && strpbrk(spec->results, "\r\n") != NULL)
		return EMAUTH_EINVAL;
	struct emauth_arc_sealer *s = ea_calloc(1, sizeof(*s));
	if (s == NULL)
		return EMAUTH_ENOMEM;
	ea_ctx_link(ctx, &s->link);
	s->spec = *spec;
	ea_copy_str(s->domain, sizeof(s->domain), spec->domain);
	ea_copy_str(s->selector, sizeof(s->selector), spec->selector);
	ea_copy_str(s->srvid, sizeof(s->srvid), spec->authserv_id);
	s->results = dup_str(spec->results);
	s->headers = dup_str(spec->headers);
	ea_hdrs_init(&s->hdrs, 1 << 20, 1000);
	s->body = ea_bodies_get(&s->bodies, EA_CANON_RELAXED, false, 0);
	if ((spec->results && s->results == NULL) ||
	    (spec->headers && s->headers == NULL) || s->body < 0) {
		emauth_arc_sealer_free(s);
		return EMAUTH_ENOMEM;
	}
	*out = s;
	return 0;
}

EMAUTH_API int
emauth_arc_sealer_header(struct emauth_arc_sealer *s, struct emauth_span field)
{
	if (s->st != HEADERS)
		return EMAUTH_ESTATE;
	return ea_hdrs_add(&s->hdrs, field);
}

EMAUTH_API int
emauth_arc_sealer_eoh(struct emauth_arc_sealer *s)
{
	if (s->st != HEADERS)
		return EMAUTH_ESTATE;
	s->st = BODY;
	return 0;
}

EMAUTH_API int
emauth_arc_sealer_body(struct emauth_arc_sealer *s, struct emauth_span chunk)
{
	if (s->st != BODY)
		return EMAUTH_ESTATE;
	ea_bodies_feed(&s->bodies, chunk.p, chunk.len);
	return 0;
}

/* The results after the authserv-id of an Authentication-Results value
 * (past the first ";" outside comments and quoted strings), unfolded and
 * trimmed, appended to @out with "; " between; false when it has none. */
static bool
results_of(struct emauth_span v, struct ea_buf *out)
{
	size_t k = 0;
	int depth = 0;
	bool quoted = false;
	for (; k < v.len; k++) {
		uint8_t c = v.p[k];
		if (quoted) {
			if (c == '\\')
				k++;
			else if (c == '"')
				quoted = false;
		} else if (c == '"' && depth == 0) {
			quoted = true;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && depth > 0) {
			depth--;
		} else if (c == '\\' && depth > 0) {
			k++;
		} else if (c == ';' && depth == 0) {
			break;
		}
	}
	if (k >= v.len)
		return false;
	size_t a = k + 1, b = v.len;
	while (a < b && (v.p[a] == ' ' || v.p[a] == '\t' || v.p[a] == '\r' ||
	                    v.p[a] == '\n'))
		a++;
	while (b > a &&
	       (v.p[b - 1] == ' ' || v.p[b - 1] == '\t' || v.p[b - 1] == '\r' ||
	           v.p[b - 1] == '\n' || v.p[b - 1] == ';'))
		b--;
	if (a == b)
		return false;
	if (out->len > 0)
		ea_buf_add(out, "; ", 2);
	for (size_t q = a; q < b; q++) {
		uint8_t c = v.p[q];
		if (c == '\r' || c == '\n')
			continue;
		ea_buf_addc(out, c == '\t' ? ' ' : c);
	}
	return true;
}

/* The arc= result in @results, or -1. */
static int
arc_result_in(const char *results, const char *srvid)
{
	/* Parsed as an Authentication-Results value with our id. */
	struct ea_buf v;
	ea_buf_init(&v, 70000);
	ea_buf_adds(&v, srvid);
	ea_buf_add(&v, "; ", 2);
	ea_buf_adds(&v, results);
	struct emauth_authres_parsed *p = ea_malloc(sizeof(*p));
	int cv = -1;
	if (p != NULL && v.len > 0 &&
	    emauth_authres_parse(ea_span(v.p, v.len), p) == 0) {
		for (unsigned i = 0; i < p->nresults; i++) {
			if (strcmp(p->results[i].method, "arc") != 0)
				continue;
			cv = strcmp(p->results[i].result, "pass") == 0
			         ? EMAUTH_ARC_PASS
			     : strcmp(p->results[i].result, "fail") == 0
			         ? EMAUTH_ARC_FAIL
			         : EMAUTH_ARC_NONE;
			break;
		}
	}
	ea_free(p);
	ea_buf_release(&v);
	return cv;
}

static int
add_field_tag(struct ea_buf *f, const char *name, const char *value, bool first)
{
	int rc = 0;
	if (!first)
		rc = ea_buf_add(f, "; ", 2);
	if (rc == 0)
		rc = ea_buf_adds(f, name);
	if (rc == 0)
		rc = ea_buf_addc(f, '=');
	if (rc == 0)
		rc = ea_buf_adds(f, value);
	return rc;
}

/* The default h= of the AMS: the DKIM set (RFC 6376 §5.4.1) and
 * DKIM-Signature, each name as often as it occurs. */
static const char *const default_names[] = {"from", "to", "cc", "subject",
    "date", "message-id", "reply-to", "in-reply-to", "references",
    "mime-version", "content-type", "content-transfer-encoding", "content-id",
    "content-description", "resent-date", "resent-from", "resent-sender",
    "resent-to", "resent-cc", "resent-message-id", "list-id", "list-help",
    "list-unsubscribe", "list-subscribe", "list-post", "list-owner",
    "list-archive", "dkim-signature"};

static int
names_of(struct emauth_arc_sealer *s, struct ea_buf *list,
    struct emauth_span *names, size_t *nn)
{
	*nn = 0;
	if (s->headers != NULL) {
		if (ea_buf_adds(list, s->headers) != 0)
			return EMAUTH_ENOMEM;
	} else {
		for (size_t k = 0; k < EA_ARRAY_LEN(default_names); k++) {
			size_t c = ea_hdrs_count(
			    &s->hdrs, ea_span_str(default_names[k]));
			for (size_t j = 0; j < c; j++) {
				if (list->len)
					ea_buf_addc(list, ':');
				ea_buf_adds(list, default_names[k]);
			}
		}
	}
	if (list->err != 0)
		return EMAUTH_ETOOBIG; /* never an h= cut short */
	const char *p = list->len ? (const char *)list->p : "";
	size_t n = list->len;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && p[j] != ':')
			j++;
		struct emauth_span name = ea_span(p + i, j - i);
		if (name.len == 0 || ea_arc_is_seal(name) ||
		    *nn == EA_DKIM_H_MAX)
			return EMAUTH_EINVAL;
		names[(*nn)++] = name;
		i = j + 1;
	}
	return 0;
}

static const char *
decimal(char *buf, size_t size, int64_t v)
{
	snprintf(buf, size, "%lld", (long long)v);
	return buf;
}

/* Signs @data with the sealing key into base64 in @b64. */
static int
sign_b64(struct emauth_arc_sealer *s, const struct ea_buf *data,
    enum ea_dkim_alg alg, char *b64, size_t size)
{
	uint8_t sig[EA_DKIM_B_MAX];
	int n = ea_dkim_sign(
	    s->spec.key->pkey, s->spec.key->tmpl, alg, data, sig, sizeof(sig));
	if (n < 0)
		return n;
	ea_base64_encode(sig, (size_t)n, b64, size);
	return 0;
}

/* Inserts @b64 after "b=" in the field @f (where b= is empty). */
static char *
with_b(const struct ea_buf *f, size_t b_at, const char *b64)
{
	size_t bl = strlen(b64);
	char *out = ea_malloc(f->len + bl + 1);
	if (out == NULL)
		return NULL;
	memcpy(out, f->p, b_at);
	memcpy(out + b_at, b64, bl);
	memcpy(out + b_at + bl, f->p + b_at, f->len - b_at);
	out[f->len + bl] = '\0';
	return out;
}

EMAUTH_API int
emauth_arc_sealer_finish(struct emauth_arc_sealer *s, struct emauth_diag *diag)
{
	if (s->st != BODY)
		return EMAUTH_ESTATE;
	s->st = DONE;
	if (s->hdrs.overflow) {
		ea_diag_set(diag, EMAUTH_ETOOBIG, "message", ea_span(NULL, 0),
		    0, "header block over 1 MiB or 1000 fields");
		return EMAUTH_ETOOBIG;
	}
	ea_bodies_finish(&s->bodies);
	struct ea_arc_chain c;
	ea_arc_chain_scan(&s->hdrs, &c);
	/* §5.1.2: nothing after a seal that says the chain failed. */
	if (!c.broken && c.n > 0 && c.last_cv_known &&
	    c.last_cv == EMAUTH_ARC_FAIL)
		return 0;
	if (c.n >= EMAUTH_ARC_MAX) {
		ea_diag_set(diag, EMAUTH_ELIMIT, "message", ea_span(NULL, 0), 0,
		    "the message already has 50 ARC sets");
		return EMAUTH_ELIMIT;
	}
	unsigned inst = c.n + 1;
	int rc = 0;
	struct ea_buf res, list, aar, ams, as, data;
	ea_buf_init(&res, 65536);
	ea_buf_init(&list, 8192);
	ea_buf_init(&aar, 70000);
	ea_buf_init(&ams, 16384);
	ea_buf_init(&as, 16384);
	ea_buf_init(&data, 4 << 20);
	/* The results: given, or those of our Authentication-Results. */
	if (s->results != NULL) {
		ea_buf_adds(&res, s->results);
	} else {
		for (size_t k = 0; k < s->hdrs.n; k++) {
			if (!ea_hdrs_is(&s->hdrs, k,
			        ea_span_str("Authentication-Results")))
				continue;
			struct emauth_span f = ea_hdrs_get(&s->hdrs, k);
			size_t colon = 0;
			while (colon < f.len && f.p[colon] != ':')
				colon++;
			struct emauth_span v = ea_span(f.p + colon + 1,
			    f.len - (colon < f.len ? colon + 1 : f.len));
			if (colon < f.len && emauth_authres_claims(v, s->srvid))
				results_of(v, &res);
		}
	}
	if (res.len == 0)
		ea_buf_adds(&res, "none");
	if (res.err != 0) {
		/* Never an AAR with results cut short. */
		ea_diag_set(diag, EMAUTH_ETOOBIG, "message", ea_span(NULL, 0),
		    0, "the Authentication-Results to seal are over 64 KiB");
		rc = EMAUTH_ETOOBIG;
		goto done;
	}
	const char *rtext = ea_buf_str(&res);
	int from_ar = rtext ? arc_result_in(rtext, s->srvid) : -1;
	enum emauth_arc_cv cv = inst == 1      ? EMAUTH_ARC_NONE
	                        : from_ar >= 0 ? (enum emauth_arc_cv)from_ar
	                                       : s->spec.cv;
	if (inst > 1 && cv == EMAUTH_ARC_NONE)
		cv = EMAUTH_ARC_FAIL; /* a chain there, and not passing */
	enum ea_dkim_alg alg = s->spec.key->type == EA_KEY_ED25519
	                           ? EA_ALG_ED25519_SHA256
	                           : EA_ALG_RSA_SHA256;
	const char *aname =
	    alg == EA_ALG_ED25519_SHA256 ? "ed25519-sha256" : "rsa-sha256";
	char num[32], tnum[32], b64[EA_DKIM_B_MAX * 2], bh[64];
	int64_t t = s->spec.timestamp == 0
	                ? (s->link.ctx ? ea_ctx_now(s->link.ctx) : 0)
	                : s->spec.timestamp;
	/* The AAR. */
	rc = ea_buf_adds(&aar, "ARC-Authentication-Results: i=");
	if (rc == 0)
		rc = ea_buf_adds(&aar, decimal(num, sizeof(num), inst));
	if (rc == 0)
		rc = ea_buf_add(&aar, "; ", 2);
	if (rc == 0)
		rc = ea_buf_adds(&aar, s->srvid);
	if (rc == 0)
		rc = ea_buf_add(&aar, "; ", 2);
	if (rc == 0)
		rc = ea_buf_adds(&aar, rtext ? rtext : "none");
	/* The AMS over the message as it is. */
	struct emauth_span names[EA_DKIM_H_MAX];
	size_t nn = 0;
	if (rc == 0)
		rc = names_of(s, &list, names, &nn);
	if (rc == EMAUTH_ETOOBIG)
		ea_diag_set(diag, EMAUTH_ETOOBIG, "headers", ea_span(NULL, 0),
		    0, "the names of the fields to sign are over 8 KiB");
	if (rc == EMAUTH_EINVAL)
		ea_diag_set(diag, EMAUTH_EINVAL, "headers", ea_span(NULL, 0), 0,
		    "an empty name, ARC-Seal or more than 128 names in the "
		    "headers to sign");
	ea_base64_encode(s->bodies.b[s->body].digest, 32, bh, sizeof(bh));
	if (rc == 0)
		rc = ea_buf_adds(&ams, "ARC-Message-Signature: ");
	if (rc == 0)
		rc = add_field_tag(&ams, "a", aname, true);
	if (rc == 0)
		rc = add_field_tag(&ams, "b", "", false);
	size_t ams_b = ams.len;
	if (rc == 0)
		rc = add_field_tag(&ams, "bh", bh, false);
	if (rc == 0)
		rc = add_field_tag(&ams, "c", "relaxed/relaxed", false);
	if (rc == 0)
		rc = add_field_tag(&ams, "d", s->domain, false);
	if (rc == 0)
		rc = add_field_tag(
		    &ams, "h", list.len ? ea_buf_str(&list) : "", false);
	if (rc == 0)
		rc = add_field_tag(
		    &ams, "i", decimal(num, sizeof(num), inst), false);
	if (rc == 0)
		rc = add_field_tag(&ams, "s", s->selector, false);
	if (rc == 0 && t >= 0)
		rc = add_field_tag(
		    &ams, "t", decimal(tnum, sizeof(tnum), t), false);
	if (rc == 0)
		rc = ea_dkim_header_data(&s->hdrs, names, nn, EA_CANON_RELAXED,
		    ea_span(ams.p, ams.len), &data);
	if (rc == 0)
		rc = sign_b64(s, &data, alg, b64, sizeof(b64));
	char *ams_final = rc == 0 ? with_b(&ams, ams_b, b64) : NULL;
	char *aar_final = rc == 0 ? dup_str(ea_buf_str(&aar)) : NULL;
	if (rc == 0 && (ams_final == NULL || aar_final == NULL))
		rc = EMAUTH_ENOMEM;
	/* Folded before the seal hashes them, as they will be read. */
	if (rc == 0 && s->spec.fold)
		rc = fold_in_place(&aar_final, false, diag);
	if (rc == 0 && s->spec.fold)
		rc = fold_in_place(&ams_final, true, diag);
	/* The seal over the sets. */
	if (rc == 0)
		rc = ea_buf_adds(&as, "ARC-Seal: ");
	if (rc == 0)
		rc = add_field_tag(&as, "a", aname, true);
	if (rc == 0)
		rc = add_field_tag(&as, "b", "", false);
	size_t as_b = as.len;
	if (rc == 0)
		rc = add_field_tag(&as, "cv", emauth_arc_cv_name(cv), false);
	if (rc == 0)
		rc = add_field_tag(&as, "d", s->domain, false);
	if (rc == 0)
		rc = add_field_tag(
		    &as, "i", decimal(num, sizeof(num), inst), false);
	if (rc == 0)
		rc = add_field_tag(&as, "s", s->selector, false);
	if (rc == 0 && t >= 0)
		rc = add_field_tag(
		    &as, "t", decimal(tnum, sizeof(tnum), t), false);
	ea_buf_reset(&data);
	unsigned from = cv == EMAUTH_ARC_FAIL ? inst : 1;
	for (unsigned j = from; j < inst && rc == 0; j++) {
		if (c.broken) {
			rc = EMAUTH_ESYNTAX;
			break;
		}
		rc = ea_canon_header(EA_CANON_RELAXED,
		    ea_hdrs_get(&s->hdrs, c.aar[j]), true, &data);
		if (rc == 0)
			rc = ea_canon_header(EA_CANON_RELAXED,
			    ea_hdrs_get(&s->hdrs, c.ams[j]), true, &data);
		if (rc == 0)
			rc = ea_canon_header(EA_CANON_RELAXED,
			    ea_hdrs_get(&s->hdrs, c.as[j]), true, &data);
	}
	if (rc == EMAUTH_ESYNTAX)
		ea_diag_set(diag, EMAUTH_ESYNTAX, "message", ea_span(NULL, 0),
		    0,
		    "the message's ARC sets are broken and the chain was "
		    "given as passing");
	if (rc == 0)
		rc = ea_canon_header(
		    EA_CANON_RELAXED, ea_span_str(aar_final), true, &data);
	if (rc == 0)
		rc = ea_canon_header(
		    EA_CANON_RELAXED, ea_span_str(ams_final), true, &data);
	if (rc == 0)
		rc = ea_canon_header(
		    EA_CANON_RELAXED, ea_span(as.p, as.len), false, &data);
	if (rc == 0)
		rc = sign_b64(s, &data, alg, b64, sizeof(b64));
	char *as_final = rc == 0 ? with_b(&as, as_b, b64) : NULL;
	if (rc == 0 && as_final == NULL)
		rc = EMAUTH_ENOMEM;
	if (rc == 0 && s->spec.fold)
		rc = fold_in_place(&as_final, true, diag);
	if (rc == 0) {
		s->field[0] = as_final;
		s->field[1] = ams_final;
		s->field[2] = aar_final;
		s->instance = inst;
	} else {
		ea_free(as_final);
		ea_free(ams_final);
		ea_free(aar_final);
	}
done:
	ea_buf_release(&res);
	ea_buf_release(&list);
	ea_buf_release(&aar);
	ea_buf_release(&ams);
	ea_buf_release(&as);
	ea_buf_release(&data);
	return rc;
}

EMAUTH_API const char *
emauth_arc_sealer_field(const struct emauth_arc_sealer *s, unsigned which)
{
	return which < 3 ? s->field[which] : NULL;
}

EMAUTH_API unsigned
emauth_arc_sealer_instance(const struct emauth_arc_sealer *s)
{
	return s->instance;
}
