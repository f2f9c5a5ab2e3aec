/*
 * fuzz_verdict.c: the whole receiver verdict on one message, as "emauth
 * verify" reaches it (tools/emauth/cmd_verify.c): the message reader fed
 * in chunks, the DKIM verifier, emauth_verdict_evaluate() (iprev, SPF,
 * DKIM, DMARC) and emauth_authres_format(), with the DNS answers taken
 * from the input through the test back end (fuzz_zone.h).
 *
 * Input:
 *   line 1   IP MAILFROM HELO MODE [OPTION...]
 *            MAILFROM "-" is "" (the null reverse-path, as is "<>");
 *            HELO "-" is none; MODE "rfc7489" or anything else for
 *            RFC 9989; options: chunks=N,N,... (the reader is fed in
 *            chunks of these sizes, in turn), field=N (the reader's field
 *            cap), hbytes=N hfields=N sigs=N (the verifier's caps),
 *            partial (l= may leave body bytes unsigned)
 *   then     DNS lines (fuzz_zone.h) up to a line "%%"
 *   then     the message
 *
 * Invariants: every result is an RFC 8601 word of its method; counts stay
 * within their caps, and every DKIM-Signature field is counted; a From
 * problem (no From field, several, or one that does not parse) or a header
 * block that cannot be read gives DMARC permerror; DMARC never passes
 * unless the raw message has exactly one From field (counted here without
 * the reader); DMARC passes only when SPF or a DKIM signature passed and,
 * by the verdict's own fields, aligned, and then every domain of the From
 * field is aligned with a passing identifier; the Authentication-Results
 * field fits the tools' EMAUTH_AUTHRES_MAX + 1 bytes, parses back
 * complete with our authserv-id,
 * holds exactly one result per check in order, with the same words, and
 * the DMARC result with header.from.
 */
#define _GNU_SOURCE 1 /* memmem */
#include "fuzz.h"
#include "fuzz_zone.h"

#include <stdbool.h>
#include <strings.h>

#include <emauth/authres.h>
#include <emauth/dkim.h>
#include <emauth/dmarc.h>
#include <emauth/msg.h>
#include <emauth/verdict.h>

/* As in cmd_verify.c. */
#define FROM_FIELDS_MAX 4
#define AUTHRES_SIZE (EMAUTH_AUTHRES_MAX + 1)
#define AUTHSERV_ID "mx.fuzz.example"
#define CHUNKS_MAX 16
/* More than the verdict's own address cap, to see what it leaves out. */
#define ADDRS_MAX 64

struct params {
	const char *ip, *mail_from, *helo;
	enum emauth_dmarc_mode mode;
	size_t chunks[CHUNKS_MAX], nchunks;
	size_t field_max;
	struct emauth_dkim_verify_opts o;
};

struct msgstate {
	struct emauth_dkim_verifier *v;
	char *from[FROM_FIELDS_MAX];
	unsigned nfrom;
	unsigned nsig; /* DKIM-Signature fields given to the verifier */
	unsigned eoh;
};

/* The name of field @f: up to the colon, without trailing blanks (as the
 * DKIM verifier reads it). */
static bool
field_is(struct emauth_span f, const char *name)
{
	const uint8_t *colon = memchr(f.p, ':', f.len);
	size_t len = colon ? (size_t)(colon - f.p) : 0;
	while (len > 0 && (f.p[len - 1] == ' ' || f.p[len - 1] == '\t'))
		len--;
	return len == strlen(name) &&
	       strncasecmp((const char *)f.p, name, len) == 0;
}

static int
m_header(void *arg, struct emauth_span f)
{
	struct msgstate *m = arg;
	FUZZ_ASSERT(m->eoh == 0);
	/* The From fields, as cmd_verify.c collects them. */
	if (f.len >= 5 && strncasecmp((const char *)f.p, "from", 4) == 0) {
		size_t i = 4;
		while (i < f.len && (f.p[i] == ' ' || f.p[i] == '\t'))
			i++;
		if (i < f.len && f.p[i] == ':') {
			if (m->nfrom < FROM_FIELDS_MAX) {
				char *v = malloc(f.len - i);
				memcpy(v, f.p + i + 1, f.len - i - 1);
				v[f.len - i - 1] = '\0';
				m->from[m->nfrom] = v;
			}
			m->nfrom++;
		}
	}
	int rc = emauth_dkim_verifier_header(m->v, f);
	FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ETOOBIG || rc == EMAUTH_ENOMEM);
	if (field_is(f, "DKIM-Signature"))
		m->nsig++;
	return rc == EMAUTH_ETOOBIG ? 0 : rc;
}

static int
m_eoh(void *arg)
{
	struct msgstate *m = arg;
	m->eoh++;
	return emauth_dkim_verifier_eoh(m->v);
}

static int
m_body(void *arg, struct emauth_span c)
{
	struct msgstate *m = arg;
	FUZZ_ASSERT(m->eoh == 1);
	return emauth_dkim_verifier_body(m->v, c);
}

/* The From fields of the raw message, read here without the reader: lines
 * up to the first empty one that are not continuations and start with
 * "From" and a colon, blanks allowed between. A first line starting with
 * "From " and not followed by a colon is an mbox separator. */
static unsigned
raw_from_fields(const uint8_t *p, size_t n)
{
	unsigned count = 0;
	size_t i = 0;
	if (n >= 5 && memcmp(p, "From ", 5) == 0) {
		size_t k = 4;
		while (k < n && (p[k] == ' ' || p[k] == '\t'))
			k++;
		if (k < n && p[k] != ':') {
			const uint8_t *nl = memchr(p, '\n', n);
			i = nl ? (size_t)(nl - p) + 1 : n;
		}
	}
	while (i < n) {
		const uint8_t *nl = memchr(p + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - p) : n, len = e - i;
		if (len && p[e - 1] == '\r')
			len--;
		if (len == 0)
			break;
		size_t k = 4;
		if (len > 4 &&
		    strncasecmp((const char *)p + i, "from", 4) == 0) {
			while (k < len && (p[i + k] == ' ' || p[i + k] == '\t'))
				k++;
			count += k < len && p[i + k] == ':';
		}
		i = e + 1;
	}
	return count;
}

/* Line 1. @line is modified and must outlive @p. */
static void
parse_params(char *line, struct params *p)
{
	char *words[24];
	size_t n = 0;
	memset(p, 0, sizeof(*p));
	for (char *s = line; *s && n < 24;) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		words[n++] = s;
		while (*s && *s != ' ')
			s++;
		if (*s)
			*s++ = '\0';
	}
	p->ip = n > 0 ? words[0] : "192.0.2.1";
	p->mail_from = n > 1 ? words[1] : "";
	if (strcmp(p->mail_from, "-") == 0)
		p->mail_from = "";
	p->helo = n > 2 && strcmp(words[2], "-") != 0 ? words[2] : NULL;
	p->mode = n > 3 && strcmp(words[3], "rfc7489") == 0
	              ? EMAUTH_DMARC_RFC7489
	              : EMAUTH_DMARC_RFC9989;
	for (size_t i = 4; i < n; i++) {
		char *w = words[i];
		if (strncmp(w, "chunks=", 7) == 0) {
			for (char *c = w + 7; *c && p->nchunks < CHUNKS_MAX;) {
				size_t sz = fuzz_number(c, 0);
				p->chunks[p->nchunks++] = sz ? sz : 1;
				while (*c && *c != ',')
					c++;
				if (*c)
					c++;
			}
		} else if (strncmp(w, "field=", 6) == 0) {
			p->field_max = fuzz_number(w + 6, 0);
		} else if (strncmp(w, "hbytes=", 7) == 0) {
			p->o.max_header_bytes = fuzz_number(w + 7, 0);
		} else if (strncmp(w, "hfields=", 8) == 0) {
			p->o.max_header_fields = fuzz_number(w + 8, 0);
		} else if (strncmp(w, "sigs=", 5) == 0) {
			p->o.max_signatures = fuzz_number(w + 5, 0);
		} else if (strcmp(w, "partial") == 0) {
			p->o.allow_partial_body = 1;
		}
	}
}

static bool
spf_word(enum emauth_result r)
{
	return r <= EMAUTH_RES_PERMERROR;
}

static void
check_spf(const struct emauth_spf_result *s)
{
	FUZZ_ASSERT(spf_word(s->result));
	FUZZ_ASSERT(s->dns_lookups <= 10 + 1);
	FUZZ_ASSERT(s->void_lookups <= 2 + 1);
	bool error = s->result == EMAUTH_RES_TEMPERROR ||
	             s->result == EMAUTH_RES_PERMERROR;
	FUZZ_ASSERT(error == (s->problem[0] != '\0'));
	FUZZ_ASSERT(memchr(s->domain, 0, sizeof(s->domain)) != NULL);
}

/* The words RFC 8601 §2.7 registers for each method. */
static bool
authres_word(const char *method, const char *result)
{
	static const struct {
		const char *method, *words;
	} m[] = {{"iprev", " pass fail temperror permerror "},
	    {"spf", " none neutral pass fail softfail temperror permerror "},
	    {"dkim", " none pass fail policy neutral temperror permerror "},
	    {"dmarc", " none pass fail temperror permerror "}};
	char w[40];
	snprintf(w, sizeof(w), " %s ", result);
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(method, m[i].method) == 0)
			return strstr(m[i].words, w) != NULL;
	return false;
}

static const struct emauth_authres_prop *
prop(const struct emauth_authres_entry *e, const char *ptype,
    const char *property)
{
	for (unsigned i = 0; i < e->nprops; i++)
		if (strcmp(e->props[i].ptype, ptype) == 0 &&
		    strcmp(e->props[i].property, property) == 0)
			return &e->props[i];
	return NULL;
}

/* Whether some identifier that passed is aligned with @domain (relaxed:
 * what a strict check needs too). */
static bool
passing_aligned(struct emauth_ctx *ctx, const struct emauth_verdict *v,
    const char *domain, enum emauth_dmarc_mode mode)
{
	if (v->have_spf && v->spf.result == EMAUTH_RES_PASS &&
	    emauth_dmarc_aligned(ctx, domain, v->spf.domain, 0, mode) == 1)
		return true;
	for (size_t i = 0; i < v->ndkim; i++)
		if (v->dkim[i].result == EMAUTH_RES_PASS &&
		    emauth_dmarc_aligned(
		        ctx, domain, v->dkim[i].domain, 0, mode) == 1)
			return true;
	return false;
}

static void
check_dmarc(struct emauth_ctx *ctx, const struct msgstate *m,
    const struct params *p, const struct emauth_verdict *v)
{
	enum emauth_result r = emauth_verdict_dmarc(v);
	FUZZ_ASSERT(r == EMAUTH_RES_NONE || r == EMAUTH_RES_PASS ||
	            r == EMAUTH_RES_FAIL || r == EMAUTH_RES_TEMPERROR ||
	            r == EMAUTH_RES_PERMERROR);

	/* The From field, read here by the same strict parser. */
	struct emauth_address *a = calloc(ADDRS_MAX, sizeof(*a));
	size_t na = 0;
	bool problem = m->nfrom != 1;
	if (!problem) {
		int rc = emauth_msg_parse_from(
		    (struct emauth_span){
		        (const uint8_t *)m->from[0], strlen(m->from[0])},
		    a, ADDRS_MAX, &na, NULL);
		problem = rc != 0 || na == 0;
	}
	if (problem)
		FUZZ_ASSERT(v->from_problem != NULL &&
		            r == EMAUTH_RES_PERMERROR && !v->have_dmarc);
	if (v->from_problem)
		FUZZ_ASSERT(r == EMAUTH_RES_PERMERROR);
	if (v->have_dmarc) {
		FUZZ_ASSERT(v->from_domain[0] != '\0');
		bool listed = false;
		for (size_t i = 0; i < na; i++)
			listed |= strcasecmp(a[i].domain, v->from_domain) == 0;
		FUZZ_ASSERT(listed);
		FUZZ_ASSERT(v->dmarc.d.nsteps <= EMAUTH_DMARC_STEPS_MAX);
		FUZZ_ASSERT(v->dmarc.d.record.nnotes <= EMAUTH_DMARC_NOTES_MAX);
	}
	if (r == EMAUTH_RES_PASS) {
		const struct emauth_dmarc_result *d = &v->dmarc;
		FUZZ_ASSERT(v->have_dmarc && v->from_problem == NULL);
		FUZZ_ASSERT(d->disposition == EMAUTH_DMARC_NONE);
		bool spf_ok = d->spf_aligned && v->have_spf &&
		              v->spf.result == EMAUTH_RES_PASS;
		bool dkim_ok = false;
		for (size_t i = 0; i < v->ndkim && d->dkim_aligned; i++)
			dkim_ok |= v->dkim[i].result == EMAUTH_RES_PASS &&
			           strcasecmp(v->dkim[i].domain,
			               d->aligned_dkim_domain) == 0;
		FUZZ_ASSERT(spf_ok || dkim_ok);
		/* Every author domain, not only those the verdict chose to
		 * evaluate, is aligned with an identifier that passed. */
		for (size_t i = 0; i < na; i++)
			FUZZ_ASSERT(
			    passing_aligned(ctx, v, a[i].domain, p->mode));
	}
	free(a);
}

static void
check_verdict(struct emauth_ctx *ctx, const struct msgstate *m,
    const struct params *p, const struct emauth_verdict *v, bool malformed)
{
	FUZZ_ASSERT(v->iprev.result == EMAUTH_RES_PASS ||
	            v->iprev.result == EMAUTH_RES_FAIL ||
	            v->iprev.result == EMAUTH_RES_TEMPERROR ||
	            v->iprev.result == EMAUTH_RES_PERMERROR);
	/* Every PTR name is counted (at most a whole RRset); only the first
	 * 10 are tried. */
	FUZZ_ASSERT(v->iprev.names <= 512);
	bool null_sender =
	    p->mail_from[0] == '\0' || strcmp(p->mail_from, "<>") == 0;
	bool helo = p->helo && p->helo[0];
	FUZZ_ASSERT(v->have_spf == (!null_sender || helo));
	if (v->have_spf)
		check_spf(&v->spf);
	if (v->have_helo) {
		FUZZ_ASSERT(!null_sender && helo);
		check_spf(&v->helo);
	}
	/* Every DKIM-Signature field is counted, those past the header caps
	 * too (unless the header block could not be read: no end of it); the
	 * results kept are the first ones, within the cap. */
	FUZZ_ASSERT(v->dkim_total <= m->nsig);
	if (!malformed)
		FUZZ_ASSERT(v->dkim_total == m->nsig);
	FUZZ_ASSERT(v->ndkim == (v->dkim_total < EMAUTH_VERDICT_DKIM_MAX
	                                ? v->dkim_total
	                                : EMAUTH_VERDICT_DKIM_MAX));
	for (size_t i = 0; i < v->ndkim; i++) {
		const struct emauth_dkim_result *k = &v->dkim[i];
		FUZZ_ASSERT(k->result != EMAUTH_RES_NONE &&
		            k->result != EMAUTH_RES_SOFTFAIL &&
		            k->result <= EMAUTH_RES_POLICY);
		FUZZ_ASSERT((k->result == EMAUTH_RES_PASS) ==
		            (k->reason == EMAUTH_DKIM_OK));
		FUZZ_ASSERT(memchr(k->domain, 0, sizeof(k->domain)) != NULL);
	}
	check_dmarc(ctx, m, p, v);
}

/* Formats the field as cmd_verify.c does and reads it back. */
static void
check_authres(const struct params *p, const struct emauth_verdict *v)
{
	char *ar = malloc(AUTHRES_SIZE);
	struct emauth_authres_parsed *pr = malloc(sizeof(*pr));
	const struct emauth_dmarc_result *dm = v->have_dmarc ? &v->dmarc : NULL;
	struct emauth_authres_input in = {AUTHSERV_ID, p->ip, &v->iprev,
	    v->have_spf ? &v->spf : NULL, v->have_helo ? &v->helo : NULL,
	    v->dkim, v->ndkim, dm, v->from_domain[0] ? v->from_domain : NULL,
	    v->from_problem, NULL};
	int len = emauth_authres_format(&in, "\r\n", ar, AUTHRES_SIZE);
	/* Both tools write into EMAUTH_AUTHRES_MAX + 1 bytes and the
	 * verdict's bounds keep the field under it: it is always written. */
	FUZZ_ASSERT(len > 0);
	FUZZ_ASSERT((size_t)len == strlen(ar));
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "%s\n", ar);
	static const char head[] = "Authentication-Results:";
	FUZZ_ASSERT(strncmp(ar, head, sizeof(head) - 1) == 0);
	const char *val = ar + sizeof(head) - 1;
	FUZZ_ASSERT(emauth_authres_parse(
	                (struct emauth_span){(const uint8_t *)val, strlen(val)},
	                pr) == 0);
	FUZZ_ASSERT(
	    pr->has_authserv_id && strcmp(pr->authserv_id, AUTHSERV_ID) == 0);

	/* The results in the order written: what no input may change. */
	const char *method[64];
	enum emauth_result want[64];
	size_t n = 0;
	method[n] = "iprev";
	want[n++] = v->iprev.result;
	if (v->have_spf) {
		method[n] = "spf";
		want[n++] = v->spf.result;
	}
	if (v->have_helo) {
		method[n] = "spf";
		want[n++] = v->helo.result;
	}
	if (v->ndkim == 0) {
		method[n] = "dkim";
		want[n++] = EMAUTH_RES_NONE;
	}
	for (size_t i = 0; i < v->ndkim; i++) {
		method[n] = "dkim";
		want[n++] = v->dkim[i].result;
	}
	if (dm || v->from_problem) {
		method[n] = "dmarc";
		want[n++] = emauth_verdict_dmarc(v);
	}
	if (n <= EMAUTH_AUTHRES_RESULTS_MAX) {
		FUZZ_ASSERT(pr->complete);
		FUZZ_ASSERT(pr->nresults == n);
	} else {
		FUZZ_ASSERT(pr->nresults == EMAUTH_AUTHRES_RESULTS_MAX);
	}
	for (size_t i = 0; i < pr->nresults; i++) {
		const struct emauth_authres_entry *e = &pr->results[i];
		FUZZ_ASSERT(strcmp(e->method, method[i]) == 0);
		FUZZ_ASSERT(
		    strcmp(e->result, emauth_result_name(want[i])) == 0);
		FUZZ_ASSERT(authres_word(e->method, e->result));
		if (strcmp(e->method, "dmarc") == 0 && dm &&
		    strlen(v->from_domain) < sizeof(e->props[0].value)) {
			/* The From domain, with control and 8-bit bytes
			 * written as "?" (format.c). */
			char want_from[256];
			size_t k = 0;
			for (; v->from_domain[k]; k++) {
				unsigned char c =
				    (unsigned char)v->from_domain[k];
				want_from[k] =
				    c < 0x20 || c >= 0x7f ? '?' : (char)c;
			}
			want_from[k] = '\0';
			const struct emauth_authres_prop *f =
			    prop(e, "header", "from");
			FUZZ_ASSERT(f && strcmp(f->value, want_from) == 0);
		}
	}
	free(pr);
	free(ar);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 65536)
		return 0;
	/* Line 1, the zone and the message. */
	struct fuzz_parts fp;
	char *text = fuzz_split(data, size, &fp);
	const char *zone = fp.zone;
	size_t zone_len = fp.zone_len;
	const uint8_t *msg = fp.rest;
	size_t msg_len = fp.rest_len;
	struct params p;
	parse_params(text, &p);

	struct emauth_ctx *ctx;
	FUZZ_ASSERT(emauth_ctx_new(&ctx) == 0);
	FUZZ_ASSERT(fuzz_zone_install(ctx, zone, zone_len) == 0);

	/* The message, in chunks, from a copy of exactly its size. */
	uint8_t *body = fuzz_copy(msg, msg_len);
	struct msgstate m;
	memset(&m, 0, sizeof(m));
	static const struct emauth_msg_handler h = {m_header, m_eoh, m_body};
	struct emauth_msg_reader *r = NULL;
	struct emauth_verdict *v = NULL;
	int rc = emauth_dkim_verifier_new(ctx, &p.o, &m.v);
	if (rc == 0)
		rc = emauth_msg_reader_new(&h, &m, p.field_max, &r);
	for (size_t o = 0, k = 0; rc == 0 && o < msg_len; k++) {
		size_t c = p.nchunks ? p.chunks[k % p.nchunks] : msg_len;
		if (c > msg_len - o)
			c = msg_len - o;
		rc = emauth_msg_reader_feed(
		    r, (struct emauth_span){body + o, c}, NULL);
		o += c;
	}
	if (rc == 0)
		rc = emauth_msg_reader_finish(r, NULL);
	/* As emauth verify: a header block that cannot be read still gets a
	 * verdict, DMARC permerror; the verifier is not finished then. */
	const char *malformed = NULL;
	if (rc == EMAUTH_ESYNTAX || rc == EMAUTH_ETOOBIG) {
		malformed = emauth_strerror(rc);
	} else {
		FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ENOMEM);
		if (rc != 0)
			goto out;
		FUZZ_ASSERT(m.eoh == 1);
		FUZZ_ASSERT(emauth_dkim_verifier_finish(m.v) == 0);
	}

	v = calloc(1, sizeof(*v));
	struct emauth_verdict_query q = {.ip = p.ip,
	    .mail_from = p.mail_from,
	    .helo = p.helo,
	    .mode = p.mode,
	    .from = (const char *const *)m.from,
	    .nfrom = m.nfrom,
	    .dkim = m.v,
	    .malformed = malformed};
	rc = emauth_verdict_evaluate(ctx, &q, v);
	if (rc != 0) {
		/* Only an IP address that does not parse, or no memory. */
		FUZZ_ASSERT(rc == EMAUTH_EINVAL || rc == EMAUTH_ENOMEM);
		goto out;
	}
	if (malformed)
		FUZZ_ASSERT(v->from_problem != NULL &&
		            emauth_verdict_dmarc(v) == EMAUTH_RES_PERMERROR);
	check_verdict(ctx, &m, &p, v, malformed != NULL);
	/* Whatever the reader makes of the message, DMARC does not pass
	 * unless it has exactly one From field. */
	if (raw_from_fields(body, msg_len) != 1)
		FUZZ_ASSERT(emauth_verdict_dmarc(v) != EMAUTH_RES_PASS);
	check_authres(&p, v);
	(void)emauth_verdict_dns_trouble(v);
out:
	free(v);
	emauth_msg_reader_free(r);
	for (unsigned i = 0; i < m.nfrom && i < FROM_FIELDS_MAX; i++)
		free(m.from[i]);
	emauth_dkim_verifier_free(m.v);
	emauth_ctx_free(ctx);
	free(body);
	free(text);
	return 0;
}
