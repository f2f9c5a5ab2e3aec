/*
 * store.c: the in-memory authoritative data set (see store.h). Names are
 * keyed by their lower-cased escaped presentation form in an open-addressing
 * hash table.
 */
#include "../common/internal.h"

#include <string.h>

#include "../common/alloc.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "store.h"

struct srr {
	uint16_t type;
	uint32_t ttl;
	uint8_t *rdata;
	size_t len;
};

struct sfail {
	uint16_t type;
	uint8_t how;
};

struct node {
	char *key;
	struct srr *rr;
	size_t n, cap;
	struct sfail fail[4];
	size_t nfail;
};

struct ea_store {
	struct node **tab;
	size_t cap, count;
};

static uint64_t
hash(const char *k)
{
	uint64_t h = 1469598103934665603ull;
	for (; *k; k++)
		h = (h ^ (uint8_t)*k) * 1099511628211ull;
	return h;
}

struct ea_store *
ea_store_new(void)
{
	struct ea_store *s = ea_calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->cap = 64;
	s->tab = ea_calloc(s->cap, sizeof(*s->tab));
	if (s->tab == NULL) {
		ea_free(s);
		return NULL;
	}
	return s;
}

static void
node_free(struct node *n)
{
	for (size_t i = 0; i < n->n; i++)
		ea_free(n->rr[i].rdata);
	ea_free(n->rr);
	ea_free(n->key);
	ea_free(n);
}

void
ea_store_free(struct ea_store *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->cap; i++)
		if (s->tab[i])
			node_free(s->tab[i]);
	ea_free(s->tab);
	ea_free(s);
}

static struct node *
find(const struct ea_store *s, const char *key)
{
	size_t mask = s->cap - 1;
	for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
		struct node *n = s->tab[i];
		if (n == NULL)
			return NULL;
		if (strcmp(n->key, key) == 0)
			return n;
	}
}

static int
grow(struct ea_store *s)
{
	size_t cap = s->cap * 2;
	struct node **tab = ea_calloc(cap, sizeof(*tab));
	if (tab == NULL)
		return EMAUTH_ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		struct node *n = s->tab[i];
		if (n == NULL)
			continue;
		size_t j = hash(n->key) & (cap - 1);
		while (tab[j])
			j = (j + 1) & (cap - 1);
		tab[j] = n;
	}
	ea_free(s->tab);
	s->tab = tab;
	s->cap = cap;
	return 0;
}

static int
get(struct ea_store *s, const char *key, struct node **out)
{
	struct node *n = find(s, key);
	if (n) {
		*out = n;
		return 0;
	}
	if ((s->count + 1) * 2 > s->cap && grow(s) != 0)
		return EMAUTH_ENOMEM;
	n = ea_calloc(1, sizeof(*n));
	if (n == NULL)
		return EMAUTH_ENOMEM;
	n->key = ea_strndup(key, strlen(key));
	if (n->key == NULL) {
		ea_free(n);
		return EMAUTH_ENOMEM;
	}
	size_t j = hash(key) & (s->cap - 1);
	while (s->tab[j])
		j = (j + 1) & (s->cap - 1);
	s->tab[j] = n;
	s->count++;
	*out = n;
	return 0;
}

static int
add_key(struct ea_store *s, const char *key, uint16_t type, uint32_t ttl,
    struct emauth_span rdata)
{
	struct node *n;
	int rc = get(s, key, &n);
	if (rc)
		return rc;
	if (n->n == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 2;
		struct srr *rr = ea_realloc(n->rr, cap * sizeof(*rr));
		if (rr == NULL)
			return EMAUTH_ENOMEM;
		n->rr = rr;
		n->cap = cap;
	}
	uint8_t *p = ea_malloc(rdata.len);
	if (p == NULL)
		return EMAUTH_ENOMEM;
	memcpy(p, rdata.p, rdata.len);
	n->rr[n->n++] = (struct srr){type, ttl, p, rdata.len};
	return 0;
}

int
ea_store_add(struct ea_store *s, struct emauth_span owner, uint16_t type,
    uint32_t ttl, struct emauth_span rdata)
{
	char key[EA_DNS_PRES_MAX];
	int rc = ea_dns_name_escape(owner, true, key, sizeof(key));
	if (rc)
		return rc;
	return add_key(s, key, type, ttl, rdata);
}

int
ea_store_add_wire(struct ea_store *s, struct emauth_span owner_wire,
    uint16_t type, uint32_t ttl, struct emauth_span rdata)
{
	char key[EA_DNS_PRES_MAX];
	size_t pos = 0;
	int rc = ea_dns_wire_to_key(owner_wire, &pos, key, sizeof(key));
	if (rc)
		return rc;
	return add_key(s, key, type, ttl, rdata);
}

int
ea_store_touch(struct ea_store *s, struct emauth_span owner)
{
	char key[EA_DNS_PRES_MAX];
	struct node *n;
	int rc = ea_dns_name_escape(owner, true, key, sizeof(key));
	if (rc)
		return rc;
	return get(s, key, &n);
}

int
ea_store_fail(struct ea_store *s, struct emauth_span owner, uint16_t type,
    enum ea_store_fail how)
{
	char key[EA_DNS_PRES_MAX];
	struct node *n;
	int rc = ea_dns_name_escape(owner, true, key, sizeof(key));
	if (rc)
		return rc;
	rc = get(s, key, &n);
	if (rc)
		return rc;
	if (n->nfail == EA_ARRAY_LEN(n->fail))
		return EMAUTH_ELIMIT;
	n->fail[n->nfail++] = (struct sfail){type, (uint8_t)how};
	return 0;
}

static const char *
fail_text(uint8_t how)
{
	switch (how) {
	case EA_STORE_TIMEOUT:
		return "timeout";
	case EA_STORE_SERVFAIL:
		return "SERVFAIL";
	default:
		return "REFUSED";
	}
}

static bool
has_type(const struct node *n, uint16_t type)
{
	for (size_t i = 0; i < n->n; i++)
		if (n->rr[i].type == type)
			return true;
	return false;
}

int
ea_store_lookup(struct ea_store *s, const char *name, uint16_t type,
    struct ea_dns_answer *out)
{
	char key[EA_DNS_PRES_MAX];
	int rc;

	ea_dns_answer_init(out);
	out->borrowed = true;
	rc = ea_dns_name_escape(ea_span_str(name), true, key, sizeof(key));
	if (rc) {
		/* A name that cannot be put on the wire cannot exist. */
		out->status = EA_DNS_NXDOMAIN;
		out->rcode = 3;
		return 0;
	}
	for (int hop = 0; hop <= EA_DNS_CNAME_MAX; hop++) {
		struct node *n = find(s, key);
		if (n == NULL) {
			out->status = EA_DNS_NXDOMAIN;
			out->rcode = 3;
			return 0;
		}
		memcpy(out->canon, key, strlen(key) + 1);
		for (size_t i = 0; i < n->nfail; i++) {
			const struct sfail *f = &n->fail[i];
			if (f->type == type ||
			    (f->type == 0 && !has_type(n, type))) {
				out->rcode = f->how == EA_STORE_REFUSED ? 5 : 2;
				ea_dns_answer_fail(out, fail_text(f->how));
				return 0;
			}
		}
		const struct srr *cname = NULL;
		for (size_t i = 0; i < n->n; i++) {
			const struct srr *r = &n->rr[i];
			if (r->type == type) {
				rc = ea_dns_answer_add(out, r->type, r->ttl,
				    ea_span(r->rdata, r->len));
				if (rc)
					return rc;
			} else if (r->type == EA_DNS_T_CNAME) {
				cname = r;
			}
		}
		if (out->n > 0)
			return 0;
		if (cname == NULL) {
			out->status = EA_DNS_NODATA;
			return 0;
		}
		size_t pos = 0;
		if (ea_dns_wire_to_key(ea_span(cname->rdata, cname->len), &pos,
		        key, sizeof(key)) != 0) {
			ea_dns_answer_fail(out, "malformed CNAME");
			return 0;
		}
	}
	/* RFC 1034 §3.6.2: a CNAME chain that does not end is an error. */
	ea_dns_answer_fail(out, "CNAME loop or chain too long");
	out->rcode = 2;
	return 0;
}

/* The resolver over a store, with an async queue run by process(). */
struct pending {
	char *name;
	uint16_t type;
	ea_dns_cb cb;
	void *arg;
};

struct sres {
	struct ea_store *store;
	struct pending *q;
	size_t n, cap;
};

static int
s_query(void *impl, const char *name, uint16_t type, unsigned timeout_ms,
    struct ea_dns_answer *out)
{
	(void)timeout_ms;
	return ea_store_lookup(((struct sres *)impl)->store, name, type, out);
}

static int
s_submit(void *impl, const char *name, uint16_t type, ea_dns_cb cb, void *arg)
{
	struct sres *r = impl;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct pending *q = ea_realloc(r->q, cap * sizeof(*q));
		if (q == NULL)
			return EMAUTH_ENOMEM;
		r->q = q;
		r->cap = cap;
	}
	char *copy = ea_strndup(name, strlen(name));
	if (copy == NULL)
		return EMAUTH_ENOMEM;
	r->q[r->n++] = (struct pending){copy, type, cb, arg};
	return 0;
}

static int
s_fd(void *impl)
{
	(void)impl;
	return -1;
}

static int
s_process(void *impl)
{
	struct sres *r = impl;
	/* Callbacks may submit more; run until the queue is empty. */
	while (r->n > 0) {
		struct pending p = r->q[0];
		memmove(r->q, r->q + 1, (r->n - 1) * sizeof(*r->q));
		r->n--;
		struct ea_dns_answer ans;
		int rc = ea_store_lookup(r->store, p.name, p.type, &ans);
		ea_free(p.name);
		if (rc) {
			ea_dns_answer_release(&ans);
			ea_dns_answer_fail(&ans, "out of memory");
		}
		p.cb(p.arg, &ans);
	}
	return 0;
}

static void
s_free(void *impl)
{
	struct sres *r = impl;
	for (size_t i = 0; i < r->n; i++)
		ea_free(r->q[i].name);
	ea_free(r->q);
	ea_store_free(r->store);
	ea_free(r);
}

static const struct ea_resolver_ops store_ops = {
    "zone", s_query, s_submit, s_fd, s_process, s_free, NULL, NULL};

int
ea_store_resolver(struct ea_store *s, struct ea_resolver *out)
{
	struct sres *r = ea_calloc(1, sizeof(*r));
	if (r == NULL)
		return EMAUTH_ENOMEM;
	r->store = s;
	memset(out, 0, sizeof(*out));
	out->ops = &store_ops;
	out->impl = r;
	return 0;
}
