/*
 * cache.h: an answer cache in front of a network back end. libunbound keeps
 * its own cache, but each query, even a hit, crosses its worker thread
 * (about 22 system calls); this cache answers repeated questions in the
 * caller's thread. Entries live for their TTL (at most an hour); temporary
 * failures are never cached. Direct-mapped and bounded: a colliding entry
 * replaces the old one.
 */
#ifndef EA_DNS_CACHE_H
#define EA_DNS_CACHE_H

#include "resolver.h"

struct ea_dns_cache;

struct ea_dns_cache *ea_dns_cache_new(void);
void ea_dns_cache_free(struct ea_dns_cache *c);
/* On a hit, fills @out (a copy it owns) and returns true. */
bool ea_dns_cache_get(struct ea_dns_cache *c, const char *key, uint16_t type,
    struct ea_dns_answer *out);
void ea_dns_cache_put(struct ea_dns_cache *c, const char *key, uint16_t type,
    const struct ea_dns_answer *a);

#endif
