/*
 * fake.h: the test back end. Records are added by code (or from master-file
 * text), and any name and type can be scripted to time out, SERVFAIL or
 * REFUSE. Used by the unit tests, the conformance runners and the fuzz
 * target that evaluates SPF against a zone taken from the fuzz input.
 */
#ifndef EA_DNS_FAKE_H
#define EA_DNS_FAKE_H

#include "store.h"

/* Creates an empty fake resolver; @store receives the data set to fill
 * (owned by the resolver). */
int ea_dns_fake_new(struct ea_resolver *out, struct ea_store **store);

int ea_dns_fake_txt(struct ea_store *s, const char *name,
    const struct emauth_span *strings, size_t n);
int ea_dns_fake_addr(struct ea_store *s, const char *name, const char *ip);
int ea_dns_fake_mx(
    struct ea_store *s, const char *name, uint16_t pref, const char *exchange);
/* PTR, CNAME or NS with a target name. */
int ea_dns_fake_name(
    struct ea_store *s, const char *name, uint16_t type, const char *target);

#endif
