/*
 * recorder.c: a resolver that keeps every answer the resolver under it
 * gives, and writes them as an RFC 1035 master file (what
 * "emauth check --save-zone" saves, to replay a live run offline with
 * --dns zone:FILE). Records are formatted by ldns. An answer reached through
 * CNAMEs is written as one CNAME from the name asked to the final name, and
 * the records there. NXDOMAIN and NODATA answers leave nothing to write:
 * the replay answers NXDOMAIN for names absent from the file, and NODATA
 * for other types at names that are there. Bounded: 4096 answers.
 */
#include "../common/internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "../common/alloc.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "resolver.h"

/* Ours: answers one recorder keeps. Past it, or when memory fails, the
 * recording is incomplete and ea_dns_recorder_save refuses to write a
 * snapshot that would replay differently. */
#define REC_MAX 4096

struct rec_rr {
	uint16_t type;
	uint32_t ttl;
	uint8_t *rdata;
	size_t len;
};

struct rec_entry {
	char name[EA_DNS_PRES_MAX];
	char canon[EA_DNS_PRES_MAX];
	uint16_t type;
	struct rec_rr *rr;
	size_t n;
};

struct recorder {
	struct ea_resolver inner;
	struct rec_entry *v;
	size_t n, cap;
	size_t lost; /* answers not kept: the snapshot would be incomplete */
};

static const struct ea_resolver_ops rec_ops;

static void
keep(struct recorder *r, const char *name, uint16_t type,
    const struct ea_dns_answer *a)
{
	if (a->status != EA_DNS_ANSWER || a->n == 0)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].type == type && strcasecmp(r->v[i].name, name) == 0)
			return;
	if (r->n >= REC_MAX || a->over) {
		r->lost++;
		return;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		struct rec_entry *v = ea_realloc(r->v, cap * sizeof(*v));
		if (v == NULL) {
			r->lost++;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	struct rec_entry *e = &r->v[r->n];
	memset(e, 0, sizeof(*e));
	e->rr = ea_calloc(a->n, sizeof(*e->rr));
	if (e->rr == NULL) {
		r->lost++;
		return;
	}
	ea_fmt(e->name, sizeof(e->name), "%s", name);
	ea_fmt(e->canon, sizeof(e->canon), "%s", a->canon[0] ? a->canon : name);
	e->type = type;
	for (size_t i = 0; i < a->n; i++) {
		struct rec_rr *rr = &e->rr[e->n];
		rr->rdata =
		    ea_malloc(a->rr[i].rdata.len ? a->rr[i].rdata.len : 1);
		if (rr->rdata == NULL) {
			r->lost++; /* a part of the RRset: not replayable */
			continue;
		}
		memcpy(rr->rdata, a->rr[i].rdata.p, a->rr[i].rdata.len);
		rr->len = a->rr[i].rdata.len;
		rr->type = a->rr[i].type;
		rr->ttl = a->rr[i].ttl;
		e->n++;
	}
	r->n++;
}

static int
rec_query(void *impl, const char *name, uint16_t type, unsigned timeout_ms,
    struct ea_dns_answer *out)
{
	struct recorder *r = impl;
	int rc =
	    r->inner.ops->query(r->inner.impl, name, type, timeout_ms, out);
	if (rc == 0)
		keep(r, name, type, out);
	return rc;
}

struct pending {
	struct recorder *r;
	char name[EA_DNS_PRES_MAX];
	uint16_t type;
	ea_dns_cb cb;
	void *arg;
};

static void
rec_done(void *arg, struct ea_dns_answer *ans)
{
	struct pending *p = arg;
	keep(p->r, p->name, p->type, ans);
	ea_dns_cb cb = p->cb;
	void *uarg = p->arg;
	ea_free(p);
	cb(uarg, ans);
}

static int
rec_submit(void *impl, const char *name, uint16_t type, ea_dns_cb cb, void *arg)
{
	struct recorder *r = impl;
	struct pending *p = ea_calloc(1, sizeof(*p));
	if (p == NULL)
		return EMAUTH_ENOMEM;
	p->r = r;
	ea_fmt(p->name, sizeof(p->name), "%s", name);
	p->type = type;
	p->cb = cb;
	p->arg = arg;
	int rc = r->inner.ops->submit(r->inner.impl, name, type, rec_done, p);
	if (rc)
		ea_free(p);
	return rc;
}

static int
rec_fd(void *impl)
{
	struct recorder *r = impl;
	return r->inner.ops->fd(r->inner.impl);
}

static int
rec_process(void *impl)
{
	struct recorder *r = impl;
	return r->inner.ops->process(r->inner.impl);
}

static void
rec_free(void *impl)
{
	struct recorder *r = impl;
	for (size_t i = 0; i < r->n; i++) {
		for (size_t k = 0; k < r->v[i].n; k++)
			ea_free(r->v[i].rr[k].rdata);
		ea_free(r->v[i].rr);
	}
	ea_free(r->v);
	ea_resolver_release(&r->inner);
	ea_free(r);
}

static unsigned long
rec_sent(void *impl)
{
	struct recorder *r = impl;
	return r->inner.ops->sent ? r->inner.ops->sent(r->inner.impl) : 0;
}

static void
rec_set_cache(void *impl, int on)
{
	struct recorder *r = impl;
	if (r->inner.ops->set_cache)
		r->inner.ops->set_cache(r->inner.impl, on);
}

static const struct ea_resolver_ops rec_ops = {"recorder", rec_query,
    rec_submit, rec_fd, rec_process, rec_free, rec_sent, rec_set_cache};

int
ea_dns_recorder_wrap(struct ea_resolver *res)
{
	if (res->ops == &rec_ops)
		return 0;
	struct recorder *r = ea_calloc(1, sizeof(*r));
	if (r == NULL)
		return EMAUTH_ENOMEM;
	r->inner = *res;
	res->ops = &rec_ops;
	res->impl = r;
	return 0;
}

/* Writes one record; returns 0 or EMAUTH_EIO. */
static int
write_rr(FILE *f, const char *owner, uint16_t type, uint32_t ttl,
    const uint8_t *rdata, size_t len)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *dn = NULL;
	char fq[EA_DNS_PRES_MAX + 2];
	int rc = 0;
	if (rr == NULL)
		return EMAUTH_ENOMEM;
	ea_fmt(fq, sizeof(fq), "%s.", owner);
	if (ldns_str2rdf_dname(&dn, fq) != LDNS_STATUS_OK) {
		ldns_rr_free(rr);
		return 0; /* a name ldns cannot write: skipped */
	}
	ldns_rr_set_owner(rr, dn);
	ldns_rr_set_type(rr, (ldns_rr_type)type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, ttl);
	/* ldns reads RDATA as it comes on the wire: RDLENGTH first. */
	uint8_t *wire = ea_malloc(len + 2);
	if (wire == NULL) {
		ldns_rr_free(rr);
		return EMAUTH_ENOMEM;
	}
	wire[0] = (uint8_t)(len >> 8);
	wire[1] = (uint8_t)len;
	memcpy(wire + 2, rdata, len);
	size_t pos = 0;
	if (ldns_wire2rdf(rr, wire, len + 2, &pos) == LDNS_STATUS_OK) {
		char *s = ldns_rr2str(rr);
		if (s) {
			if (fputs(s, f) == EOF)
				rc = EMAUTH_EIO;
			free(s);
		}
	}
	ea_free(wire);
	ldns_rr_free(rr);
	return rc;
}

int
ea_dns_recorder_save(struct ea_resolver *res, FILE *f)
{
	if (res->ops != &rec_ops)
		return EMAUTH_EINVAL;
	struct recorder *r = res->impl;
	int rc = 0;
	if (r->lost)
		return EMAUTH_ELIMIT;
	if (fprintf(f, "; DNS answers saved by emauth (replay with --dns "
	               "zone:FILE)\n$TTL 300\n") < 0)
		return EMAUTH_EIO;
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		const struct rec_entry *e = &r->v[i];
		if (strcasecmp(e->canon, e->name) != 0) {
			/* One CNAME stands for the whole chain. */
			uint8_t wire[EA_DNS_PRES_MAX + 2];
			int wl = ea_dns_name_to_wire(
			    ea_span_str(e->canon), wire, sizeof(wire));
			if (wl > 0)
				rc = write_rr(f, e->name, EA_DNS_T_CNAME, 300,
				    wire, (size_t)wl);
		}
		for (size_t k = 0; k < e->n && rc == 0; k++)
			rc = write_rr(f, e->canon, e->rr[k].type, e->rr[k].ttl,
			    e->rr[k].rdata, e->rr[k].len);
	}
	return rc;
}
