/*
 * cache.c: the answer cache (see cache.h). A hash table with chains finds
 * an entry; a doubly linked list in order of use (most recent first) says
 * which to evict. Both, and the byte count, are under one mutex.
 *
 * The table's hash is SipHash-2-4 with a random key per cache: the names
 * looked up come from mail (SPF macros, DKIM selectors), so a sender must
 * not be able to choose names that fall into one chain.
 */
#include "../common/internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "../common/alloc.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "cache.h"

/* Ours: the table has one chain per this many bytes of the bound (a small
 * answer costs about 200), between 8 and 2^20 chains. */
#define BYTES_PER_CHAIN 512
#define CHAINS_MIN 8
#define CHAINS_MAX ((size_t)1 << 20)
/* An entry this small is copied out to the stack, a larger one to the
 * heap. */
#define SNAPSHOT_STACK 2048

/*
 * One entry is one allocation: this header, then the record lengths
 * (uint32_t each), the record types (uint16_t each), the RDATA one after
 * the other, the key and the canonical name (each with its NUL). Nothing in
 * it changes after it is linked, so a copy of the allocation is a complete
 * answer.
 */
struct entry {
	struct entry *hnext;       /* hash chain; a free list once unlinked */
	struct entry *prev, *next; /* use order; the head is the newest */
	uint64_t hash;
	uint64_t expires_ms;
	size_t size; /* of the allocation */
	size_t cost; /* charged against the bound */
	size_t n, total, klen, clen;
	enum ea_dns_status status;
	int rcode;
	bool secure;
	uint16_t type;
};

struct emauth_dns_cache {
	pthread_mutex_t lock;
	int refs;
	size_t max_bytes;
	size_t base; /* the cache's own allocations, charged from the start */
	size_t bytes, entries;
	uint64_t hits, misses, evictions;
	struct entry **table;
	size_t mask;
	struct entry *head, *tail;
	uint64_t key[2];
	uint64_t (*now_ms)(void);
};

/* What an allocation of @n bytes costs with glibc's allocator: an 8-byte
 * header, rounded up to 16 bytes, at least 32. */
static size_t
charge(size_t n)
{
	size_t c = (n + sizeof(size_t) + 15) & ~(size_t)15;
	return c < 32 ? 32 : c;
}

static uint32_t *
e_lens(struct entry *e)
{
	return (uint32_t *)(void *)(e + 1);
}

static uint16_t *
e_types(struct entry *e)
{
	return (uint16_t *)(void *)(e_lens(e) + e->n);
}

static uint8_t *
e_data(struct entry *e)
{
	return (uint8_t *)(void *)(e_types(e) + e->n);
}

static char *
e_key(struct entry *e)
{
	return (char *)(e_data(e) + e->total);
}

static char *
e_canon(struct entry *e)
{
	return e_key(e) + e->klen + 1;
}

static uint64_t
rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static void
sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

/* SipHash-2-4 of @p under the key (@k0, @k1). */
static uint64_t
siphash(uint64_t k0, uint64_t k1, const uint8_t *p, size_t len)
{
	uint64_t v[4] = {0x736f6d6570736575ull ^ k0, 0x646f72616e646f6dull ^ k1,
	    0x6c7967656e657261ull ^ k0, 0x7465646279746573ull ^ k1};
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t m = 0;
		for (int j = 7; j >= 0; j--)
			m = (m << 8) | p[i + (size_t)j];
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v[3] ^= b;
	sipround(v);
	sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint64_t
hash_of(const struct emauth_dns_cache *c, const char *key, size_t klen,
    uint16_t type)
{
	return siphash(c->key[0], c->key[1] ^ type, (const uint8_t *)key, klen);
}

static uint64_t
now_of(const struct emauth_dns_cache *c)
{
	return c->now_ms ? c->now_ms() : ea_dns_now_ms();
}

struct emauth_dns_cache *
ea_dns_cache_new(size_t max_bytes)
{
	if (max_bytes == 0)
		max_bytes = EA_DNS_CACHE_BYTES;
	size_t chains = CHAINS_MIN;
	while (chains < CHAINS_MAX && chains * BYTES_PER_CHAIN < max_bytes)
		chains *= 2;
	struct emauth_dns_cache *c = ea_calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->table = ea_calloc(chains, sizeof(*c->table));
	if (c->table == NULL)
		goto out_free_cache;
	if (pthread_mutex_init(&c->lock, NULL) != 0)
		goto out_free_table;
	/* Without the kernel's randomness (never expected), a key from the
	 * clock and an address still differs between runs. */
	if (getrandom(c->key, sizeof(c->key), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(c->key)) {
		c->key[0] = ea_dns_now_ms() * 0x9e3779b97f4a7c15ull;
		c->key[1] = (uint64_t)(uintptr_t)c ^ c->key[0];
	}
	c->refs = 1;
	c->mask = chains - 1;
	c->base = charge(sizeof(*c)) + charge(chains * sizeof(*c->table));
	c->bytes = c->base;
	c->max_bytes = max_bytes < c->base ? c->base : max_bytes;
	return c;
out_free_table:
	ea_free(c->table);
out_free_cache:
	ea_free(c);
	return NULL;
}

struct emauth_dns_cache *
ea_dns_cache_ref(struct emauth_dns_cache *c)
{
	pthread_mutex_lock(&c->lock);
	c->refs++;
	pthread_mutex_unlock(&c->lock);
	return c;
}

void
ea_dns_cache_free(struct emauth_dns_cache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	bool last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (!last)
		return;
	for (struct entry *e = c->head, *next; e != NULL; e = next) {
		next = e->next;
		ea_free(e);
	}
	ea_free(c->table);
	pthread_mutex_destroy(&c->lock);
	ea_free(c);
}

void
ea_dns_cache_set_clock(struct emauth_dns_cache *c, uint64_t (*now_ms)(void))
{
	c->now_ms = now_ms;
}

/* The entry for (@key, @type), or NULL. Under the lock. */
static struct entry *
find(struct emauth_dns_cache *c, uint64_t h, const char *key, size_t klen,
    uint16_t type)
{
	for (struct entry *e = c->table[h & c->mask]; e != NULL; e = e->hnext)
		if (e->hash == h && e->type == type && e->klen == klen &&
		    memcmp(e_key(e), key, klen) == 0)
			return e;
	return NULL;
}

/* Takes @e out of the table and the use order, uncharges it and puts it on
 * *@dead, to be freed once the lock is released. Under the lock. */
static void
unlink_entry(struct emauth_dns_cache *c, struct entry *e, struct entry **dead)
{
	struct entry **pp = &c->table[e->hash & c->mask];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	c->bytes -= e->cost;
	c->entries--;
	e->prev = e->next = NULL;
	e->hnext = *dead;
	*dead = e;
}

/* Puts @e in the table and first in the use order. Under the lock. */
static void
link_entry(struct emauth_dns_cache *c, struct entry *e)
{
	struct entry **chain = &c->table[e->hash & c->mask];
	e->hnext = *chain;
	*chain = e;
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	else
		c->tail = e;
	c->head = e;
	c->bytes += e->cost;
	c->entries++;
}

/* Makes @e the most recently used. Under the lock. */
static void
to_front(struct emauth_dns_cache *c, struct entry *e)
{
	if (c->head == e)
		return;
	e->prev->next = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	e->prev = NULL;
	e->next = c->head;
	c->head->prev = e;
	c->head = e;
}

static void
free_list(struct entry *dead)
{
	while (dead != NULL) {
		struct entry *next = dead->hnext;
		ea_free(dead);
		dead = next;
	}
}

/* Builds the answer from a copy of an entry. */
static bool
answer_from(struct entry *s, uint64_t now, struct ea_dns_answer *out)
{
	uint32_t ttl = (uint32_t)((s->expires_ms - now) / 1000);
	const uint32_t *lens = e_lens(s);
	const uint16_t *types = e_types(s);
	const uint8_t *data = e_data(s);
	size_t off = 0;

	ea_dns_answer_init(out);
	snprintf(out->canon, sizeof(out->canon), "%s", e_canon(s));
	for (size_t i = 0; i < s->n; i++) {
		if (ea_dns_answer_add(out, types[i], ttl,
		        ea_span(data + off, lens[i])) != 0) {
			ea_dns_answer_release(out);
			return false;
		}
		off += lens[i];
	}
	out->status = s->status;
	out->rcode = s->rcode;
	out->secure = s->secure;
	out->ttl = ttl;
	return true;
}

bool
ea_dns_cache_get(struct emauth_dns_cache *c, const char *key, uint16_t type,
    struct ea_dns_answer *out)
{
	union {
		struct entry e;
		unsigned char b[SNAPSHOT_STACK];
	} stack;
	size_t klen = strlen(key);
	uint64_t h = hash_of(c, key, klen, type), now = now_of(c);
	struct entry *s = NULL, *dead = NULL;

	pthread_mutex_lock(&c->lock);
	struct entry *e = find(c, h, key, klen, type);
	if (e != NULL && now >= e->expires_ms) {
		unlink_entry(c, e, &dead);
		e = NULL;
	}
	if (e != NULL) {
		/* A large entry costs one allocation under the lock. */
		s = e->size <= sizeof(stack) ? &stack.e : ea_malloc(e->size);
		if (s != NULL) {
			memcpy(s, e, e->size);
			to_front(c, e);
		}
	}
	if (s != NULL)
		c->hits++;
	else
		c->misses++;
	pthread_mutex_unlock(&c->lock);
	free_list(dead);
	if (s == NULL)
		return false;
	bool ok = answer_from(s, now, out);
	if (s != &stack.e)
		ea_free(s);
	return ok;
}

void
ea_dns_cache_put(struct emauth_dns_cache *c, const char *key, uint16_t type,
    const struct ea_dns_answer *a)
{
	if (a->status == EA_DNS_TEMPFAIL || a->bogus || a->ttl == 0 || a->over)
		return;
	size_t klen = strlen(key), clen = strnlen(a->canon, sizeof(a->canon));
	size_t total = 0;
	for (size_t i = 0; i < a->n; i++)
		total += a->rr[i].rdata.len;
	size_t size = sizeof(struct entry) +
	              a->n * (sizeof(uint32_t) + sizeof(uint16_t)) + total +
	              klen + 1 + clen + 1;
	uint64_t h = hash_of(c, key, klen, type);
	struct entry *e = NULL, *dead = NULL;

	/* An answer larger than the whole bound is not kept (but still
	 * replaces the older answer to the same question). */
	if (charge(size) <= c->max_bytes - c->base)
		e = ea_malloc(size);
	if (e != NULL) {
		memset(e, 0, sizeof(*e));
		e->hash = h;
		e->size = size;
		e->cost = charge(size);
		e->n = a->n;
		e->total = total;
		e->klen = klen;
		e->clen = clen;
		e->status = a->status;
		e->rcode = a->rcode;
		e->secure = a->secure;
		e->type = type;
		uint32_t *lens = e_lens(e);
		uint16_t *types = e_types(e);
		uint8_t *data = e_data(e);
		size_t off = 0;
		for (size_t i = 0; i < a->n; i++) {
			lens[i] = (uint32_t)a->rr[i].rdata.len;
			types[i] = a->rr[i].type;
			if (a->rr[i].rdata.len)
				memcpy(data + off, a->rr[i].rdata.p,
				    a->rr[i].rdata.len);
			off += a->rr[i].rdata.len;
		}
		memcpy(e_key(e), key, klen + 1);
		memcpy(e_canon(e), a->canon, clen);
		e_canon(e)[clen] = '\0';
		uint32_t ttl = a->ttl > EA_DNS_CACHE_TTL_MAX
		                   ? EA_DNS_CACHE_TTL_MAX
		                   : a->ttl;
		e->expires_ms = now_of(c) + (uint64_t)ttl * 1000;
	}

	pthread_mutex_lock(&c->lock);
	struct entry *old = find(c, h, key, klen, type);
	if (old != NULL)
		unlink_entry(c, old, &dead);
	if (e != NULL) {
		while (c->bytes + e->cost > c->max_bytes && c->tail != NULL) {
			unlink_entry(c, c->tail, &dead);
			c->evictions++;
		}
		link_entry(c, e);
	}
	pthread_mutex_unlock(&c->lock);
	free_list(dead);
}

void
ea_dns_cache_stats(struct emauth_dns_cache *c, struct ea_dns_cache_stats *out)
{
	pthread_mutex_lock(&c->lock);
	out->bytes = c->bytes;
	out->max_bytes = c->max_bytes;
	out->entries = c->entries;
	out->hits = c->hits;
	out->misses = c->misses;
	out->evictions = c->evictions;
	pthread_mutex_unlock(&c->lock);
}
