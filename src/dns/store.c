/*
 * store.c: the in-memory authoritative data set (see store.h). Names are
 * keyed by their lower-cased escaped presentation form (name.h: a '.' in
 * a key always separates labels, since a dot inside a label is escaped),
 * in open-addressing hash tables: one per zone, and one for the records
 * outside every zone. A zone's table also holds its empty non-terminals:
 * every ancestor of an owner name down to the apex.
 */
#include "../common/internal.h"

#include <string.h>

#include "../common/alloc.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "store.h"

/* RR types the lookup treats specially, beyond those in resolver.h. */
#define T_DS 43

/* The most labels a name can have: 255 octets, two per label. */
#define LABELS_MAX 128

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

struct table {
	struct node **tab;
	size_t cap, count;
};

struct zone {
	char *apex; /* key of the apex; "" for the root */
	struct table names;
};

struct ea_store {
	struct table outside; /* records outside every zone */
	struct zone *zones;
	size_t nzones, zcap;
};

static uint64_t
hash(const char *k)
{
	uint64_t h = 1469598103934665603ull;
	for (; *k; k++)
		h = (h ^ (uint8_t)*k) * 1099511628211ull;
	return h;
}

static int
table_init(struct table *t)
{
	t->cap = 64;
	t->count = 0;
	t->tab = ea_calloc(t->cap, sizeof(*t->tab));
	return t->tab ? 0 : EMAUTH_ENOMEM;
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

static void
table_release(struct table *t)
{
	if (t->tab == NULL)
		return;
	for (size_t i = 0; i < t->cap; i++)
		if (t->tab[i])
			node_free(t->tab[i]);
	ea_free(t->tab);
	t->tab = NULL;
}

struct ea_store *
ea_store_new(void)
{
	struct ea_store *s = ea_calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	if (table_init(&s->outside) != 0) {
		ea_free(s);
		return NULL;
	}
	return s;
}

void
ea_store_free(struct ea_store *s)
{
	if (s == NULL)
		return;
	table_release(&s->outside);
	for (size_t i = 0; i < s->nzones; i++) {
		table_release(&s->zones[i].names);
		ea_free(s->zones[i].apex);
	}
	ea_free(s->zones);
	ea_free(s);
}

static struct node *
find(const struct table *t, const char *key)
{
	size_t mask = t->cap - 1;
	for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
		struct node *n = t->tab[i];
		if (n == NULL)
			return NULL;
		if (strcmp(n->key, key) == 0)
			return n;
	}
}

static int
grow(struct table *t)
{
	size_t cap = t->cap * 2;
	struct node **tab = ea_calloc(cap, sizeof(*tab));
	if (tab == NULL)
		return EMAUTH_ENOMEM;
	for (size_t i = 0; i < t->cap; i++) {
		struct node *n = t->tab[i];
		if (n == NULL)
			continue;
		size_t j = hash(n->key) & (cap - 1);
		while (tab[j])
			j = (j + 1) & (cap - 1);
		tab[j] = n;
	}
	ea_free(t->tab);
	t->tab = tab;
	t->cap = cap;
	return 0;
}

static int
get(struct table *t, const char *key, struct node **out)
{
	struct node *n = find(t, key);
	if (n) {
		*out = n;
		return 0;
	}
	if ((t->count + 1) * 2 > t->cap && grow(t) != 0)
		return EMAUTH_ENOMEM;
	n = ea_calloc(1, sizeof(*n));
	if (n == NULL)
		return EMAUTH_ENOMEM;
	n->key = ea_strndup(key, strlen(key));
	if (n->key == NULL) {
		ea_free(n);
		return EMAUTH_ENOMEM;
	}
	size_t j = hash(key) & (t->cap - 1);
	while (t->tab[j])
		j = (j + 1) & (t->cap - 1);
	t->tab[j] = n;
	t->count++;
	*out = n;
	return 0;
}

/* The key of the parent of @key: past the first label ("" for a TLD). */
static const char *
parent(const char *key)
{
	const char *dot = strchr(key, '.');
	return dot ? dot + 1 : key + strlen(key);
}

/* Whether the name @key is at or below @apex. */
static bool
encloses(const char *apex, const char *key)
{
	size_t alen = strlen(apex), klen = strlen(key);
	if (alen == 0)
		return true;
	if (klen < alen || strcmp(key + klen - alen, apex) != 0)
		return false;
	return klen == alen || key[klen - alen - 1] == '.';
}

/* The deepest zone whose apex is at or above @key, or NULL. */
static struct zone *
deepest(const struct ea_store *s, const char *key)
{
	struct zone *best = NULL;
	for (size_t i = 0; i < s->nzones; i++) {
		struct zone *z = &s->zones[i];
		if (encloses(z->apex, key) &&
		    (best == NULL || strlen(z->apex) > strlen(best->apex)))
			best = z;
	}
	return best;
}

static struct zone *
zone_by_apex(const struct ea_store *s, const char *apex)
{
	for (size_t i = 0; i < s->nzones; i++)
		if (strcmp(s->zones[i].apex, apex) == 0)
			return &s->zones[i];
	return NULL;
}

int
ea_store_zone(struct ea_store *s, struct emauth_span apex_wire)
{
	char key[EA_DNS_PRES_MAX];
	size_t pos = 0;
	int rc = ea_dns_wire_to_key(apex_wire, &pos, key, sizeof(key));
	if (rc)
		return rc;
	if (zone_by_apex(s, key))
		return 0;
	if (s->nzones == s->zcap) {
		size_t cap = s->zcap ? s->zcap * 2 : 4;
		struct zone *z = ea_realloc(s->zones, cap * sizeof(*z));
		if (z == NULL)
			return EMAUTH_ENOMEM;
		s->zones = z;
		s->zcap = cap;
	}
	struct zone *z = &s->zones[s->nzones];
	z->apex = ea_strndup(key, strlen(key));
	if (z->apex == NULL)
		return EMAUTH_ENOMEM;
	rc = table_init(&z->names);
	if (rc) {
		ea_free(z->apex);
		return rc;
	}
	s->nzones++;
	/* The apex exists even before its SOA record is added. */
	struct node *n;
	return get(&z->names, key, &n);
}

/* Compares a wire name at a[*ia] with one at b[*ib], letters without
 * case, and moves both past it. */
static bool
name_same(struct emauth_span a, size_t *ia, struct emauth_span b, size_t *ib)
{
	for (;;) {
		if (*ia >= a.len || *ib >= b.len)
			return false;
		uint8_t la = a.p[*ia], lb = b.p[*ib];
		if (la != lb || la > EA_DNS_LABEL_MAX || *ia + 1 + la > a.len ||
		    *ib + 1 + lb > b.len)
			return false;
		for (size_t i = 1; i <= la; i++)
			if (ea_lower(a.p[*ia + i]) != ea_lower(b.p[*ib + i]))
				return false;
		*ia += 1u + la;
		*ib += 1u + lb;
		if (la == 0)
			return true;
	}
}

/*
 * Where the RDATA of @type holds domain names: a string of fixed-length
 * octet runs (a digit) and names ('N'), the rest compared exactly. These
 * are the types of RFC 4034 §6.2 whose names are compared without case
 * (NSD, like that canonical form, keeps one of two MX records that differ
 * only in the case of the exchange).
 */
static const char *
rdata_layout(uint16_t type)
{
	switch (type) {
	case 2:  /* NS */
	case 3:  /* MD */
	case 4:  /* MF */
	case 5:  /* CNAME */
	case 7:  /* MB */
	case 8:  /* MG */
	case 9:  /* MR */
	case 12: /* PTR */
	case 39: /* DNAME */
		return "N";
	case 6:  /* SOA */
	case 14: /* MINFO */
	case 17: /* RP */
		return "NN";
	case 15: /* MX */
	case 18: /* AFSDB */
	case 21: /* RT */
	case 36: /* KX */
		return "2N";
	case 26: /* PX */
		return "2NN";
	case 33: /* SRV */
		return "6N";
	default:
		return "";
	}
}

/* RFC 2181 §5: identical records (same RDATA, names without case). */
static bool
rdata_same(uint16_t type, struct emauth_span a, struct emauth_span b)
{
	size_t ia = 0, ib = 0;
	for (const char *l = rdata_layout(type); *l; l++) {
		if (*l == 'N') {
			if (!name_same(a, &ia, b, &ib))
				return a.len == b.len &&
				       memcmp(a.p, b.p, a.len) == 0;
			continue;
		}
		size_t n = (size_t)(*l - '0');
		if (a.len - ia < n || b.len - ib < n ||
		    memcmp(a.p + ia, b.p + ib, n) != 0)
			return false;
		ia += n;
		ib += n;
	}
	return a.len - ia == b.len - ib &&
	       memcmp(a.p + ia, b.p + ib, a.len - ia) == 0;
}

static int
add_rr(struct node *n, bool apex, uint16_t type, uint32_t ttl,
    struct emauth_span rdata)
{
	for (size_t i = 0; i < n->n; i++) {
		const struct srr *r = &n->rr[i];
		if (r->type != type)
			continue;
		/* RFC 2181 §5: an RRset holds each record once; NSD keeps the
		 * first one loaded, with its TTL. */
		if (rdata_same(type, ea_span(r->rdata, r->len), rdata))
			return 0;
		/* RFC 1035 §5.2: exactly one SOA at the top of a zone. */
		if (type == EA_DNS_T_SOA && apex)
			return EMAUTH_EZONE;
	}
	if (n->n == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 2;
		struct srr *rr = ea_realloc(n->rr, cap * sizeof(*rr));
		if (rr == NULL)
			return EMAUTH_ENOMEM;
		n->rr = rr;
		n->cap = cap;
	}
	uint8_t *p = ea_malloc(rdata.len ? rdata.len : 1);
	if (p == NULL)
		return EMAUTH_ENOMEM;
	if (rdata.len)
		memcpy(p, rdata.p, rdata.len);
	n->rr[n->n++] = (struct srr){type, ttl, p, rdata.len};
	return 0;
}

/* The node for @key in @z (with its empty non-terminals down to the
 * apex), or for EA_STORE_DEEPEST in the deepest zone that holds it, or
 * outside every zone. */
static int
get_node(struct ea_store *s, enum ea_store_place where, struct zone *z,
    const char *key, struct node **out)
{
	if (where == EA_STORE_DEEPEST)
		z = deepest(s, key);
	if (where == EA_STORE_OUTSIDE || z == NULL)
		return get(&s->outside, key, out);
	int rc = get(&z->names, key, out);
	/* RFC 8020: every ancestor of a name, down to the apex, exists. */
	for (const char *p = key; rc == 0 && *p && strcmp(p, z->apex) != 0;) {
		struct node *anc;
		p = parent(p);
		rc = get(&z->names, p, &anc);
	}
	return rc;
}

static int
add_key(struct ea_store *s, enum ea_store_place where, struct zone *z,
    const char *key, uint16_t type, uint32_t ttl, struct emauth_span rdata)
{
	struct node *n;
	int rc = get_node(s, where, z, key, &n);
	if (rc)
		return rc;
	if (where == EA_STORE_DEEPEST)
		z = deepest(s, key);
	bool apex = where != EA_STORE_OUTSIDE && z && strcmp(z->apex, key) == 0;
	return add_rr(n, apex, type, ttl, rdata);
}

int
ea_store_add(struct ea_store *s, struct emauth_span owner, uint16_t type,
    uint32_t ttl, struct emauth_span rdata)
{
	char key[EA_DNS_PRES_MAX];
	int rc = ea_dns_name_escape(owner, true, key, sizeof(key));
	if (rc)
		return rc;
	return add_key(s, EA_STORE_DEEPEST, NULL, key, type, ttl, rdata);
}

int
ea_store_add_wire(struct ea_store *s, enum ea_store_place where,
    struct emauth_span apex_wire, struct emauth_span owner_wire, uint16_t type,
    uint32_t ttl, struct emauth_span rdata)
{
	char key[EA_DNS_PRES_MAX], apex[EA_DNS_PRES_MAX];
	struct zone *z = NULL;
	size_t pos = 0;
	int rc = ea_dns_wire_to_key(owner_wire, &pos, key, sizeof(key));
	if (rc)
		return rc;
	if (where == EA_STORE_IN_ZONE) {
		pos = 0;
		rc = ea_dns_wire_to_key(apex_wire, &pos, apex, sizeof(apex));
		if (rc)
			return rc;
		z = zone_by_apex(s, apex);
		if (z == NULL || !encloses(apex, key))
			return EMAUTH_EINVAL;
	}
	return add_key(s, where, z, key, type, ttl, rdata);
}

int
ea_store_touch(struct ea_store *s, struct emauth_span owner)
{
	char key[EA_DNS_PRES_MAX];
	struct node *n;
	int rc = ea_dns_name_escape(owner, true, key, sizeof(key));
	if (rc)
		return rc;
	return get_node(s, EA_STORE_DEEPEST, NULL, key, &n);
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
	rc = get_node(s, EA_STORE_DEEPEST, NULL, key, &n);
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

enum found {
	FOUND,     /* *out is the node that answers */
	NOT_FOUND, /* NXDOMAIN */
	REFERRAL   /* at or below a delegation */
};

/*
 * Finds the node that answers @key (at or below @z's apex) in @z: the
 * name's own node, or the source of synthesis of a wildcard (RFC 4592
 * §3.3.1). Walks down from the apex one label at a time, so that a zone
 * cut on the way turns the answer into a referral (RFC 1034 §4.3.2 step
 * 3b): data at or below a cut (glue, occluded names) is not the zone's
 * to answer.
 */
static enum found
zone_find(const struct zone *z, const char *key, uint16_t type,
    const struct node **out)
{
	size_t start[LABELS_MAX], k = 0;
	size_t klen = strlen(key), alen = strlen(z->apex);
	/* The offset where the apex begins; past the end for the root
	 * (unless the name is the root). */
	size_t stop = alen || klen == 0 ? klen - alen : klen + 1;

	if (stop > 0) {
		start[k++] = 0;
		for (size_t i = 0; i + 1 < stop && k < LABELS_MAX; i++)
			if (key[i] == '.')
				start[k++] = i + 1;
	}
	const char *ce = z->apex; /* the closest encloser so far */
	while (k > 0) {
		const char *name = key + start[--k];
		const struct node *n = find(&z->names, name);
		if (n == NULL)
			goto wildcard;
		/* RFC 4035 §3.1.4.1: DS records live on the parent side of
		 * the cut, so a DS query at the cut is answered here. */
		if (has_type(n, EA_DNS_T_NS) && !(k == 0 && type == T_DS))
			return REFERRAL;
		ce = name;
	}
	*out = find(&z->names, key);
	return *out ? FOUND : NOT_FOUND;

wildcard:;
	/* RFC 4592 §3.3.1: the source of synthesis is "*" prefixed to the
	 * closest encloser, the deepest existing ancestor (empty
	 * non-terminals included); there, and only there. */
	char src[EA_DNS_PRES_MAX + 2];
	size_t celen = strlen(ce);
	if (celen + 3 > sizeof(src))
		return NOT_FOUND;
	src[0] = '*';
	src[1] = '.';
	memcpy(src + 2, ce, celen + 1);
	if (celen == 0)
		src[1] = '\0';
	const struct node *w = find(&z->names, src);
	if (w == NULL)
		return NOT_FOUND;
	/* A wildcard that owns NS records is a delegation point (RFC 4592
	 * §4.2 advises against it): the names it would match lie below
	 * that cut. */
	if (has_type(w, EA_DNS_T_NS))
		return REFERRAL;
	*out = w;
	return FOUND;
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
		const struct node *n = NULL;
		struct zone *z = deepest(s, key);
		/* RFC 4035 §3.1.4.1: the DS records of a zone's apex are in
		 * its parent, when that is loaded too. */
		if (z && type == T_DS && key[0] != '\0' &&
		    strcmp(key, z->apex) == 0) {
			struct zone *up = deepest(s, parent(key));
			if (up)
				z = up;
		}
		enum found f = FOUND;
		if (z == NULL) {
			n = find(&s->outside, key);
			if (n == NULL)
				f = NOT_FOUND;
		} else {
			f = zone_find(z, key, type, &n);
		}
		if (f == NOT_FOUND) {
			out->status = EA_DNS_NXDOMAIN;
			out->rcode = 3;
			return 0;
		}
		memcpy(out->canon, key, strlen(key) + 1);
		if (f == REFERRAL) {
			/* The server would refer us to the child zone's
			 * servers, which an offline resolver cannot ask. */
			ea_dns_answer_fail(out, EA_STORE_DELEGATED);
			return 0;
		}
		for (size_t i = 0; i < n->nfail; i++) {
			const struct sfail *fl = &n->fail[i];
			if (fl->type == type ||
			    (fl->type == 0 && !has_type(n, type))) {
				out->rcode =
				    fl->how == EA_STORE_REFUSED ? 5 : 2;
				ea_dns_answer_fail(out, fail_text(fl->how));
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
		/* RFC 4592 §4.3: a wildcard CNAME is followed like any
		 * other, from the synthesized owner. */
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
