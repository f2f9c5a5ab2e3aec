/*
 * name.h: domain names in the three forms the library meets: raw text from
 * records and macros, DNS wire format inside RDATA, and the escaped
 * presentation form handed to a back end (RFC 1035 §5.1 \DDD escapes for
 * every byte outside letters, digits, '-' and '_').
 */
#ifndef EA_DNS_NAME_H
#define EA_DNS_NAME_H

#include "../common/internal.h"

/* Largest presentation form: 255 wire octets, each escaped as \DDD. */
#define EA_DNS_PRES_MAX 1024

/* Raw name -> escaped presentation form (lower-cased when @lower).
 * A final '.' is dropped. @return 0, EMAUTH_ESYNTAX (empty label, label
 * over 63 octets, name over 253), EMAUTH_ETOOBIG. */
int ea_dns_name_escape(
    struct emauth_span raw, bool lower, char *out, size_t size);
/* Raw name -> wire format. @return wire length, or a negative status. */
int ea_dns_name_to_wire(struct emauth_span raw, uint8_t *out, size_t size);
/* Wire name at @rd[*pos] (uncompressed; no pointers accepted) -> raw text
 * with labels joined by '.', bytes as they are. Advances *pos.
 * @return 0, EMAUTH_ESYNTAX. */
int ea_dns_name_from_wire(
    struct emauth_span rd, size_t *pos, char *out, size_t size);
/* The same, into the escaped presentation form used as a lookup key. */
int ea_dns_wire_to_key(
    struct emauth_span rd, size_t *pos, char *out, size_t size);

#endif
