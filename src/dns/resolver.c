/*
 * resolver.c: the parts of the DNS interface shared by all back ends:
 * answers, the per-evaluation budget, and choosing a back end from a spec.
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../common/alloc.h"
#include "../common/diag.h"
#include "../common/ip.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "resolver.h"

uint64_t
ea_dns_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
ea_dns_budget_start(struct ea_dns_budget *b, const struct ea_resolver *r)
{
	b->queries = 0;
	if (b->max_queries == 0)
		b->max_queries = EA_DNS_QUERIES_MAX;
	b->deadline_ms =
	    ea_dns_now_ms() +
	    (r && r->total_ms ? r->total_ms : EA_DNS_TOTAL_TIMEOUT_MS);
	if (r && r->deadline_ms && r->deadline_ms < b->deadline_ms)
		b->deadline_ms = r->deadline_ms;
}

void
ea_dns_answer_init(struct ea_dns_answer *a)
{
	a->status = EA_DNS_NODATA;
	a->rcode = 0;
	a->secure = a->bogus = false;
	a->ttl = 0;
	a->n = 0;
	a->cap = EA_ARRAY_LEN(a->inl);
	a->rr = a->inl;
	a->why = NULL;
	a->borrowed = false;
	a->over = false;
	a->canon[0] = '\0';
}

void
ea_dns_answer_release(struct ea_dns_answer *a)
{
	if (!a->borrowed)
		for (size_t i = 0; i < a->n; i++)
			ea_free((void *)(uintptr_t)a->rr[i].rdata.p);
	if (a->rr != a->inl)
		ea_free(a->rr);
	bool borrowed = a->borrowed;
	ea_dns_answer_init(a);
	a->borrowed = borrowed;
}

int
ea_dns_answer_add(struct ea_dns_answer *a, uint16_t type, uint32_t ttl,
    struct emauth_span rdata)
{
	if (a->n >= EA_DNS_RRS_MAX) {
		/* Ours: not kept, but marked; ea_dns_query turns the answer
		 * into a failure rather than hand out part of an RRset. */
		a->over = true;
		return 0;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap * 2;
		struct ea_dns_rr *rr = ea_malloc(cap * sizeof(*rr));
		if (rr == NULL)
			return EMAUTH_ENOMEM;
		memcpy(rr, a->rr, a->n * sizeof(*rr));
		if (a->rr != a->inl)
			ea_free(a->rr);
		a->rr = rr;
		a->cap = cap;
	}
	struct ea_dns_rr *r = &a->rr[a->n];
	r->type = type;
	r->ttl = ttl;
	if (a->borrowed) {
		r->rdata = rdata;
	} else {
		uint8_t *p = ea_malloc(rdata.len);
		if (p == NULL)
			return EMAUTH_ENOMEM;
		memcpy(p, rdata.p, rdata.len);
		r->rdata = ea_span(p, rdata.len);
	}
	if (a->n == 0 || ttl < a->ttl)
		a->ttl = ttl;
	a->n++;
	a->status = EA_DNS_ANSWER;
	return 0;
}

void
ea_dns_answer_fail(struct ea_dns_answer *a, const char *why)
{
	a->status = EA_DNS_TEMPFAIL;
	a->why = why;
}

const char *
ea_dns_status_name(enum ea_dns_status s)
{
	switch (s) {
	case EA_DNS_ANSWER:
		return "answer";
	case EA_DNS_NXDOMAIN:
		return "NXDOMAIN";
	case EA_DNS_NODATA:
		return "NODATA";
	case EA_DNS_TEMPFAIL:
		return "temporary failure";
	}
	return "?";
}

/* An answer that had more records than it could keep is a failure. */
static int
checked(int rc, struct ea_dns_answer *out)
{
	if (rc == 0 && out->over) {
		ea_dns_answer_release(out);
		ea_dns_answer_fail(out, "more than 512 records in one answer");
	}
	return rc;
}

int
ea_dns_query(struct ea_resolver *r, struct ea_dns_budget *b, const char *name,
    uint16_t type, struct ea_dns_answer *out)
{
	ea_dns_answer_init(out);
	r->asked++;
	if (b) {
		uint64_t now = ea_dns_now_ms();
		if (b->queries >= b->max_queries) {
			ea_dns_answer_fail(out, "DNS query budget exhausted");
			return 0;
		}
		if (now >= b->deadline_ms) {
			ea_dns_answer_fail(out, "DNS time budget exhausted");
			return 0;
		}
		b->queries++;
		unsigned left = (unsigned)(b->deadline_ms - now);
		unsigned t =
		    r->query_ms ? r->query_ms : EA_DNS_QUERY_TIMEOUT_MS;
		return checked(r->ops->query(r->impl, name, type,
		                   t < left ? t : left, out),
		    out);
	}
	unsigned t = r->query_ms ? r->query_ms : EA_DNS_QUERY_TIMEOUT_MS;
	if (r->deadline_ms) {
		uint64_t now = ea_dns_now_ms();
		if (now >= r->deadline_ms) {
			ea_dns_answer_fail(out, "DNS time budget exhausted");
			return 0;
		}
		if (r->deadline_ms - now < t)
			t = (unsigned)(r->deadline_ms - now);
	}
	return checked(r->ops->query(r->impl, name, type, t, out), out);
}

void
ea_resolver_release(struct ea_resolver *r)
{
	if (r->ops && r->ops->free)
		r->ops->free(r->impl);
	r->ops = NULL;
	r->impl = NULL;
}

/* "IP" or "IP@PORT" with a numeric port; IPv6 addresses as they are. */
static int
check_server(const char *s, struct emauth_diag *diag)
{
	struct emauth_span sp = ea_span_str(s);
	size_t at = sp.len;
	struct ea_ip ip;

	for (size_t i = 0; i < sp.len; i++)
		if (sp.p[i] == '@')
			at = i;
	if (ea_ip_parse(ea_span(sp.p, at), false, &ip) != 0) {
		ea_diag_set(diag, EMAUTH_EINVAL, "dns server", sp, 0,
		    "not an IP address");
		return EMAUTH_EINVAL;
	}
	if (at < sp.len) {
		size_t pos = at + 1;
		uint32_t port;
		if (ea_span_uint(sp, &pos, 5, &port) != 0 || pos != sp.len ||
		    port == 0 || port > 65535) {
			ea_diag_set(diag, EMAUTH_EINVAL, "dns server", sp,
			    at + 1, "not a port number (1-65535)");
			return EMAUTH_EINVAL;
		}
	}
	return 0;
}

int
ea_dns_from_spec(
    const char *spec, struct ea_resolver *out, struct emauth_diag *diag)
{
	memset(out, 0, sizeof(*out));
	if (spec == NULL || strcmp(spec, "system") == 0)
		return ea_dns_unbound_new(NULL, out, diag);
	if (strncmp(spec, "server:", 7) == 0) {
		int rc = check_server(spec + 7, diag);
		if (rc)
			return rc;
		return ea_dns_unbound_new(spec + 7, out, diag);
	}
	if (strncmp(spec, "zone:", 5) == 0) {
		if (spec[5] == '\0') {
			ea_diag_set(diag, EMAUTH_EINVAL, "dns",
			    ea_span_str(spec), 5,
			    "zone: needs at least one file");
			return EMAUTH_EINVAL;
		}
		return ea_dns_zone_new(spec + 5, out, diag);
	}
	ea_diag_set(diag, EMAUTH_EINVAL, "dns", ea_span_str(spec), 0,
	    "expected system, server:IP[@PORT] or zone:FILE[,FILE...]");
	return EMAUTH_EINVAL;
}
