/*
 * crypto.h: the few primitives shared across protocols, on OpenSSL 3:
 * base64 (RFC 4648, as DKIM and ARC carry keys and signatures) and SHA-256.
 */
#ifndef EA_CRYPTO_H
#define EA_CRYPTO_H

#include "internal.h"

#include <openssl/types.h>

/* Decodes base64 (RFC 4648; padding required) into @out, skipping the
 * whitespace DKIM allows inside base64 values (SP, HTAB, CR, LF; RFC 6376
 * §2.10 FWS). @return the length, or EMAUTH_ESYNTAX, EMAUTH_ETOOBIG. */
int ea_base64_decode(struct emauth_span in, uint8_t *out, size_t size);
/* Encodes @in into @out with a NUL. @return the length or EMAUTH_ETOOBIG. */
int ea_base64_encode(const uint8_t *in, size_t n, char *out, size_t size);
/* SHA-256, fetched from the provider once per process: OpenSSL 3 looks
 * EVP_sha256() up again on every use, which costs more than hashing a
 * short header block. */
const EVP_MD *ea_md_sha256(void);
/* SHA-256 of @in into @out (32 bytes). */
void ea_sha256(const void *in, size_t n, uint8_t out[32]);
/* The same in @md, a context kept by the caller for the next use (a new
 * one per call is an allocation, a set-up and a cleansing free: more than
 * hashing a 1 KB header block); NULL makes one. */
void ea_sha256_with(EVP_MD_CTX *md, const void *in, size_t n, uint8_t out[32]);

#endif
