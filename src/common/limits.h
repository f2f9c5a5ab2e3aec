/*
 * limits.h: every limit the library enforces, with its source. Limits set by
 * an RFC are exact; our own defensive limits are marked "ours".
 */
#ifndef EA_LIMITS_H
#define EA_LIMITS_H

/* RFC 1035 §2.3.4: names are at most 255 octets on the wire, which leaves
 * 253 characters in presentation form without the final dot; labels are at
 * most 63 octets. */
#define EA_DNS_NAME_MAX 253
#define EA_DNS_LABEL_MAX 63

/* RFC 7208 §4.6.4: at most 10 DNS-querying terms, at most 2 void lookups,
 * at most 10 names from one MX answer and 10 from one PTR answer. */
#define EA_SPF_DNS_TERMS_MAX 10
#define EA_SPF_VOID_MAX 2
#define EA_SPF_MX_NAMES_MAX 10
#define EA_SPF_PTR_NAMES_MAX 10

/* Ours: the largest SPF record we accept (joined TXT strings). A record must
 * fit a DNS message; 4096 is twice the common EDNS buffer. */
#define EA_SPF_RECORD_MAX 4096
/* Ours: terms in one record (a 4096-byte record holds at most ~2048). */
#define EA_SPF_TERMS_MAX 1024
/* Ours: the length of one macro expansion before domain truncation. */
#define EA_SPF_EXPAND_MAX 8192
/* Ours: an explanation string after expansion. */
#define EA_SPF_EXPLANATION_MAX 1024
/* Ours: include/redirect nesting. The 10-term limit already bounds it;
 * this is a second guard, counted in the evaluation context. */
#define EA_SPF_DEPTH_MAX 12
/* Ours: the macro digit transformer is clamped to this many parts
 * (a name has at most 127 labels). */
#define EA_SPF_MACRO_PARTS_MAX 128

/* Ours: total bytes of one TXT RRset after joining, and records per RRset. */
#define EA_DNS_TXT_MAX 65535
#define EA_DNS_RRS_MAX 512
/* Ours: CNAME chain length followed by the zone back end (unbound applies
 * its own, similar bound). */
#define EA_DNS_CNAME_MAX 8
/* Ours: DNS queries issued for one evaluation, and default timeouts. The
 * 20-second total follows RFC 7208 §4.6.4 ("at least 20 seconds"). */
#define EA_DNS_QUERIES_MAX 160
#define EA_DNS_QUERY_TIMEOUT_MS 5000
#define EA_DNS_TOTAL_TIMEOUT_MS 20000
/* Ours: the answer cache's default bound in bytes (keys, records and
 * bookkeeping together; emauth_dns_cache_new() sets another), and the
 * longest an answer is kept whatever its TTL. */
#define EA_DNS_CACHE_BYTES (8u * 1024 * 1024)
#define EA_DNS_CACHE_TTL_MAX 3600
/* Ours: the size of each of libunbound's own caches (message and RRset)
 * per resolver. emauth's answer cache is in front of them, and the milter
 * has a resolver per message in flight, so its default of 4 MB each would
 * allow 64 x 8 MB. */
#define EA_DNS_UNBOUND_CACHE_BYTES (256u * 1024)

/* Ours: a DKIM key record after joining its strings. An RSA 8192 key in
 * p= is about 1,400 characters; a record over this is refused as a key
 * syntax error (permerror), never read in part. */
#define EA_DKIM_KEY_RECORD_MAX 16384

/* Ours: the From field value the address parser reads (over it:
 * EMAUTH_ETOOBIG, a From problem in the verdict). */
#define EA_FROM_MAX 16384

/* Ours: the addresses of a From field that DMARC evaluates. Every distinct
 * domain among them is evaluated and the strictest outcome holds; a field
 * with more addresses is not evaluated on a subset: it is a From problem
 * (DMARC permerror, disposition reject). */
#define EA_VERDICT_FROM_ADDRS_MAX 8

/* Ours: when a caller set one deadline over a whole message
 * (emauth_ctx_set_dns_deadline, the milter's DNSBudget), the DMARC stage
 * of the verdict still gets at least this many query timeouts: a sender
 * whose DKIM keys, PTR or SPF lookups are slow (its own DNS) cannot spend
 * the time the From domain's policy lookup needs and turn a reject into a
 * temperror. The message may then take this much longer than the budget. */
#define EA_VERDICT_DMARC_RESERVE_QUERIES 2

/* Ours: PTR names iprev confirms (as RFC 7208 bounds its ptr mechanism). */
#define EA_IPREV_NAMES_MAX 10

/* RFC 9989: a DNS Tree Walk makes at most 8 queries. */
#define EA_DMARC_WALK_MAX 8
/* Ours: a DMARC record's length, and its reporting URIs per tag. A record
 * over the length is an invalid record at its name (permerror). Every tag
 * of a record is read (no tag cap: it could drop p=). URIs past the
 * eighth are ignored with a warning (reports only, never the verdict). */
#define EA_DMARC_RECORD_MAX 4096
#define EA_DMARC_URIS_MAX 8

#endif
