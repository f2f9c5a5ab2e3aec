/*
 * rdata.h: decoding RDATA of the types the protocols use, with bounds.
 */
#ifndef EA_DNS_RDATA_H
#define EA_DNS_RDATA_H

#include "../common/buf.h"
#include "../common/ip.h"
#include "resolver.h"

/* TXT: the character-strings of one record joined without separator
 * (RFC 7208 §3.3, RFC 6376 §3.6.2.2), appended to @out (capped).
 * @return 0, EMAUTH_ESYNTAX (malformed RDATA), EMAUTH_ETOOBIG. */
int ea_dns_txt_join(struct emauth_span rd, struct ea_buf *out);
/* The number of character-strings in a TXT record, or -1 if malformed. */
int ea_dns_txt_count(struct emauth_span rd);
/* A / AAAA into an address. @return 0, EMAUTH_ESYNTAX. */
int ea_dns_addr(const struct ea_dns_rr *rr, struct ea_ip *out);
/* PTR, CNAME, NS: the target name as raw text. */
int ea_dns_target(struct emauth_span rd, char *out, size_t size);
/* MX: preference and exchange. */
int ea_dns_mx(struct emauth_span rd, uint16_t *pref, char *out, size_t size);

#endif
