/*
 * cache.c: the answer cache (see cache.h).
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include "../common/alloc.h"
#include "../common/span.h"
#include "cache.h"

/* Ours: slots (a power of two), and the longest an answer is kept. */
#define SLOTS 4096
#define TTL_MAX 3600

struct entry {
	char *key;
	uint16_t type;
	uint64_t expires_ms;
	enum ea_dns_status status;
	int rcode;
	bool secure;
	uint32_t ttl;
	size_t n;
	uint16_t *types;
	uint32_t *lens;
	uint8_t *data;
	char *canon;
};

struct ea_dns_cache {
	struct entry e[SLOTS];
};

struct ea_dns_cache *
ea_dns_cache_new(void)
{
	return ea_calloc(1, sizeof(struct ea_dns_cache));
}

static void
clear(struct entry *e)
{
	ea_free(e->key);
	ea_free(e->types);
	ea_free(e->lens);
	ea_free(e->data);
	ea_free(e->canon);
	memset(e, 0, sizeof(*e));
}

void
ea_dns_cache_free(struct ea_dns_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < SLOTS; i++)
		clear(&c->e[i]);
	ea_free(c);
}

static struct entry *
slot(struct ea_dns_cache *c, const char *key, uint16_t type)
{
	uint64_t h = 1469598103934665603ull ^ type;
	for (const char *k = key; *k; k++)
		h = (h ^ (uint8_t)*k) * 1099511628211ull;
	return &c->e[h & (SLOTS - 1)];
}

bool
ea_dns_cache_get(struct ea_dns_cache *c, const char *key, uint16_t type,
    struct ea_dns_answer *out)
{
	struct entry *e = slot(c, key, type);
	if (e->key == NULL || e->type != type || strcmp(e->key, key) != 0)
		return false;
	uint64_t now = ea_dns_now_ms();
	if (now >= e->expires_ms) {
		clear(e);
		return false;
	}
	ea_dns_answer_init(out);
	out->status = e->status;
	out->rcode = e->rcode;
	out->secure = e->secure;
	snprintf(
	    out->canon, sizeof(out->canon), "%s", e->canon ? e->canon : "");
	size_t off = 0;
	for (size_t i = 0; i < e->n; i++) {
		if (ea_dns_answer_add(out, e->types[i],
		        (uint32_t)((e->expires_ms - now) / 1000),
		        ea_span(e->data + off, e->lens[i])) != 0) {
			ea_dns_answer_release(out);
			return false;
		}
		off += e->lens[i];
	}
	out->status = e->status;
	return true;
}

void
ea_dns_cache_put(struct ea_dns_cache *c, const char *key, uint16_t type,
    const struct ea_dns_answer *a)
{
	if (a->status == EA_DNS_TEMPFAIL || a->bogus || a->ttl == 0)
		return;
	struct entry *e = slot(c, key, type);
	clear(e);
	size_t total = 0;
	for (size_t i = 0; i < a->n; i++)
		total += a->rr[i].rdata.len;
	e->key = ea_strndup(key, strlen(key));
	e->types = ea_calloc(a->n ? a->n : 1, sizeof(*e->types));
	e->lens = ea_calloc(a->n ? a->n : 1, sizeof(*e->lens));
	e->data = ea_malloc(total ? total : 1);
	e->canon = ea_strndup(a->canon, strlen(a->canon));
	if (!e->key || !e->types || !e->lens || !e->data || !e->canon) {
		clear(e);
		return;
	}
	size_t off = 0;
	for (size_t i = 0; i < a->n; i++) {
		e->types[i] = a->rr[i].type;
		e->lens[i] = (uint32_t)a->rr[i].rdata.len;
		memcpy(e->data + off, a->rr[i].rdata.p, a->rr[i].rdata.len);
		off += a->rr[i].rdata.len;
	}
	e->n = a->n;
	e->type = type;
	e->status = a->status;
	e->rcode = a->rcode;
	e->secure = a->secure;
	uint32_t ttl = a->ttl > TTL_MAX ? TTL_MAX : a->ttl;
	e->expires_ms = ea_dns_now_ms() + (uint64_t)ttl * 1000;
}
