/*
 * cache.h: an answer cache in front of a network back end. libunbound keeps
 * its own cache, but each query, even a hit, crosses its worker thread
 * (about 22 system calls); this cache answers repeated questions in the
 * caller's thread.
 *
 * Entries live for their TTL (at most EA_DNS_CACHE_TTL_MAX seconds);
 * temporary failures and bogus answers are never cached. The cache is
 * bounded by bytes, not entries: each entry is charged for its key, its
 * records, its canonical name and its bookkeeping (rounded as the allocator
 * rounds), and the hash table is charged too. To make room the least
 * recently used entries go; an answer larger than the whole bound is not
 * cached.
 *
 * One mutex makes a cache safe to share between threads (the milter's
 * contexts share one): a lookup copies the entry out under it, and memory
 * is allocated and freed outside it where it can be. A cache is
 * reference-counted; each resolver using it holds a reference.
 */
#ifndef EA_DNS_CACHE_H
#define EA_DNS_CACHE_H

#include "resolver.h"

/* The public opaque type (emauth.h) is the cache itself. */
struct emauth_dns_cache;

struct ea_dns_cache_stats {
	size_t bytes, max_bytes, entries;
	uint64_t hits, misses, evictions;
};

/* A cache bounded to @max_bytes (0: EA_DNS_CACHE_BYTES; a bound below the
 * table's own size is raised to it), with one reference, the caller's.
 * NULL when out of memory. */
struct emauth_dns_cache *ea_dns_cache_new(size_t max_bytes);
/* Takes another reference to @c; returns @c. */
struct emauth_dns_cache *ea_dns_cache_ref(struct emauth_dns_cache *c);
/* Drops a reference; the last one frees the cache. NULL does nothing. */
void ea_dns_cache_free(struct emauth_dns_cache *c);
/* On a hit, fills @out (a copy it owns, TTL counted down) and returns
 * true. */
bool ea_dns_cache_get(struct emauth_dns_cache *c, const char *key,
    uint16_t type, struct ea_dns_answer *out);
/* Keeps a copy of @a under (@key, @type), replacing what was there. */
void ea_dns_cache_put(struct emauth_dns_cache *c, const char *key,
    uint16_t type, const struct ea_dns_answer *a);
void ea_dns_cache_stats(
    struct emauth_dns_cache *c, struct ea_dns_cache_stats *out);
/* For tests: the clock the cache reads (milliseconds, monotonic); NULL
 * restores ea_dns_now_ms(). Set it before the cache is shared. */
void ea_dns_cache_set_clock(
    struct emauth_dns_cache *c, uint64_t (*now_ms)(void));

/* Makes the system back end @r answer from @c (it takes a reference)
 * instead of a cache of its own; NULL gives it back its own, created on
 * first use. Other back ends have no answer cache: nothing happens. */
void ea_dns_unbound_set_cache(
    struct ea_resolver *r, struct emauth_dns_cache *c);

#endif
