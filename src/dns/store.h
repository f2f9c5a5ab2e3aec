/*
 * store.h: an in-memory authoritative data set, the engine behind the zone
 * back end (master files) and the test fake (records added by code, with
 * scripted failures). It answers as an authoritative server would: records,
 * NODATA for a name that exists (or is an empty non-terminal) without that
 * type, NXDOMAIN otherwise, CNAMEs followed up to EA_DNS_CNAME_MAX, a CNAME
 * loop a temporary failure.
 */
#ifndef EA_DNS_STORE_H
#define EA_DNS_STORE_H

#include "resolver.h"

struct ea_store;

enum ea_store_fail {
	EA_STORE_TIMEOUT = 1,
	EA_STORE_SERVFAIL,
	EA_STORE_REFUSED
};

struct ea_store *ea_store_new(void);
void ea_store_free(struct ea_store *s);
/* Adds a record at a raw owner name. */
int ea_store_add(struct ea_store *s, struct emauth_span owner, uint16_t type,
    uint32_t ttl, struct emauth_span rdata);
/* Adds a record at an owner given in wire format. */
int ea_store_add_wire(struct ea_store *s, struct emauth_span owner_wire,
    uint16_t type, uint32_t ttl, struct emauth_span rdata);
/* Marks @owner (raw) as existing with no records (an empty non-terminal). */
int ea_store_touch(struct ea_store *s, struct emauth_span owner);
/* Scripts a failure for queries of @type at @owner; type 0 means every type
 * that has no records there (the test suites' TIMEOUT marker). */
int ea_store_fail(struct ea_store *s, struct emauth_span owner, uint16_t type,
    enum ea_store_fail how);
/* Answers a query; records are borrowed from the store. */
int ea_store_lookup(struct ea_store *s, const char *name, uint16_t type,
    struct ea_dns_answer *out);

/* The ops of a resolver over a store, with the async queue; the store is
 * freed with the resolver. */
int ea_store_resolver(struct ea_store *s, struct ea_resolver *out);

#endif
