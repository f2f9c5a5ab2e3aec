/*
 * fuzz_zone.h: the DNS answers of a fuzz input, served by the test back end
 * (src/dns/fake.h). Shared by the targets that run a whole evaluation
 * (verdict, milter). One record a line, "NAME TYPE VALUE":
 *
 *   NAME TXT text          "\xHH" is the byte HH; split into strings of
 *                          255 bytes, joined again by the reader (RFC 7208
 *                          §3.3, RFC 6376 §3.6.2.2); SPF the same as type
 *                          99
 *   NAME A 192.0.2.1       NAME AAAA 2001:db8::1
 *   NAME MX 10 mx.example  NAME PTR|CNAME|NS target.example
 *   NAME TIMEOUT [TYPE]    NAME SERVFAIL [TYPE]    NAME REFUSED [TYPE]
 *                          a scripted failure, for TYPE or for every type
 *                          without records there
 *   NAME EMPTY             the name exists without records
 *
 * Empty lines and lines starting with "#" are skipped; names are raw (no
 * escapes, no final dot).
 */
#ifndef FUZZ_ZONE_H
#define FUZZ_ZONE_H

#include "fuzz.h"

#include <emauth/emauth.h>

struct emauth_ctx;

/* A fixed clock, so that x= and key cache lifetimes do not depend on the
 * day the corpus is replayed: 2027-01-15. */
#define FUZZ_NOW 1800000000

int64_t fuzz_clock(void *arg);

/*
 * Gives @ctx a fake resolver holding the records of @text (@len bytes, the
 * lines above; read-only), and the fixed clock.
 * @return 0, or a negative EMAUTH_E* status (the context keeps its
 *         resolver then).
 */
int fuzz_zone_install(struct emauth_ctx *ctx, const char *text, size_t len);

/* The three parts of a whole-path input: the first line, the records,
 * and after a line "%%" the rest (a message, an expectations file). */
struct fuzz_parts {
	const char *zone; /* in the returned copy */
	size_t zone_len;
	const uint8_t *rest; /* in @data */
	size_t rest_len;
};

/* Splits @data; returns a NUL-terminated copy whose first line is cut at
 * its line feed (free it). */
char *fuzz_split(const uint8_t *data, size_t size, struct fuzz_parts *out);

/* A decimal number of at most 9 digits from @s, or @dflt. */
unsigned fuzz_number(const char *s, unsigned dflt);

#endif
