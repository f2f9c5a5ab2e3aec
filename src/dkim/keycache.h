/*
 * keycache.h: parsed DKIM public keys, kept in the library context for the
 * TTL of their DNS record (bounded to 1 minute .. 1 hour), so that a
 * selector seen again is not fetched and decoded again: on this class of
 * machine decoding an RSA key costs more than verifying with it. An RSA
 * key also keeps a verification context set up once (OpenSSL's set-up
 * costs a fifth of the RSA operation).
 */
#ifndef EA_DKIM_KEYCACHE_H
#define EA_DKIM_KEYCACHE_H

#include "../common/internal.h"
#include "key.h"

/* Looks up @name; on a hit fills @out with its own reference to the key. */
bool ea_keycache_get(
    struct emauth_ctx *ctx, const char *name, struct ea_dkim_pubkey *out);
/* Stores a usable key under @name for @ttl seconds; sets k->vctx to the
 * cache's verification context for it (when one could be made). */
void ea_keycache_put(struct emauth_ctx *ctx, const char *name,
    struct ea_dkim_pubkey *k, uint32_t ttl);

#endif
