/*
 * store.h: an in-memory authoritative data set, the engine behind the zone
 * back end (master files) and the test fake (records added by code, with
 * scripted failures).
 *
 * The store holds zones, each declared by its apex (the owner of its SOA
 * record), and records outside every zone. Inside a zone it answers as an
 * authoritative server does (RFC 1034 §4.3.2): records; NODATA for a name
 * that exists (or is an empty non-terminal, RFC 8020) without that type;
 * wildcard synthesis from the closest encloser (RFC 4592); a temporary
 * failure for names at or below a delegation whose zone is not loaded (the
 * referral an offline resolver cannot follow); NXDOMAIN otherwise. Records
 * outside every zone (the test fake's, data no loaded zone holds) answer
 * their exact name only, when no zone holds that name. CNAMEs are followed up
 * to EA_DNS_CNAME_MAX across zones; a loop is a temporary failure. Identical
 * records in one RRset are kept once (RFC 2181 §5), with the TTL of the first.
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

/* The temporary failure's reason for a name below a delegation. */
#define EA_STORE_DELEGATED "delegated to a zone that is not loaded"

struct ea_store *ea_store_new(void);
void ea_store_free(struct ea_store *s);
/*
 * Declares a zone by its apex (wire format). Declaring it again does
 * nothing. Declare zones before adding their records.
 * @return 0, EMAUTH_ESYNTAX (not a wire name), EMAUTH_ENOMEM.
 */
int ea_store_zone(struct ea_store *s, struct emauth_span apex_wire);
/* Where ea_store_add_wire puts a record. */
enum ea_store_place {
	EA_STORE_IN_ZONE, /* the declared zone whose apex is given */
	EA_STORE_DEEPEST, /* the deepest declared zone that holds the owner,
	                     or outside every zone when none does */
	EA_STORE_OUTSIDE  /* outside every zone: answered by exact name, and
	                     only when no zone holds the name */
};

/*
 * Adds a record (owner in wire format; @apex_wire is used with
 * EA_STORE_IN_ZONE only, and must hold the owner). A record identical to
 * one already in its RRset (names in RDATA compared without case) is
 * dropped, so the first TTL stays.
 * @return 0, EMAUTH_EINVAL (@apex_wire not declared or not holding the
 *         owner), EMAUTH_EZONE (a second, different SOA record at an
 *         apex), EMAUTH_ESYNTAX, EMAUTH_ENOMEM.
 */
int ea_store_add_wire(struct ea_store *s, enum ea_store_place where,
    struct emauth_span apex_wire, struct emauth_span owner_wire, uint16_t type,
    uint32_t ttl, struct emauth_span rdata);
/* Adds a record at a raw owner name, EA_STORE_DEEPEST. */
int ea_store_add(struct ea_store *s, struct emauth_span owner, uint16_t type,
    uint32_t ttl, struct emauth_span rdata);
/* Marks @owner (raw) as existing with no records (an empty non-terminal). */
int ea_store_touch(struct ea_store *s, struct emauth_span owner);
/* Scripts a failure for queries of @type at @owner; type 0 means every type
 * that has no records there (the test suites' TIMEOUT marker). */
int ea_store_fail(struct ea_store *s, struct emauth_span owner, uint16_t type,
    enum ea_store_fail how);
/* Answers a query; records are borrowed from the store. For a wildcard
 * answer out->canon is the query name (the synthesized owner). */
int ea_store_lookup(struct ea_store *s, const char *name, uint16_t type,
    struct ea_dns_answer *out);

/* The ops of a resolver over a store, with the async queue; the store is
 * freed with the resolver. */
int ea_store_resolver(struct ea_store *s, struct ea_resolver *out);

#endif
