/*
 * keycache.c: the parsed-key cache (see keycache.h). A small table with
 * round-robin replacement; the clock is the context's.
 */
#include "../common/internal.h"

#include <string.h>

#include <openssl/rsa.h>

#include "../common/alloc.h"
#include "../common/crypto.h"
#include "../common/ctx.h"
#include "keycache.h"

/* Ours: keys kept per context. */
#define CACHE_SLOTS 128

struct slot {
	char name[256];
	uint32_t hash; /* of name, looked at first */
	struct ea_dkim_pubkey key;
	int64_t expires;
};

struct keycache {
	struct slot s[CACHE_SLOTS];
	size_t next;
};

static uint32_t
name_hash(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h;
}

static void
slot_clear(struct slot *s)
{
	EVP_PKEY_CTX_free(s->key.vctx);
	EVP_PKEY_free(s->key.pkey);
	memset(s, 0, sizeof(*s));
}

static void
cache_free(void *p)
{
	struct keycache *c = p;
	if (c == NULL)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		slot_clear(&c->s[i]);
	ea_free(c);
}

/* An RSA verification context for @pkey, set up for EVP_PKEY_verify on a
 * SHA-256 digest with PKCS#1 v1.5 padding (what rsa-sha256 is). */
static EVP_PKEY_CTX *
rsa_verify_ctx(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *v = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (v == NULL || EVP_PKEY_verify_init(v) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(v, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(v, ea_md_sha256()) != 1) {
		EVP_PKEY_CTX_free(v);
		return NULL;
	}
	return v;
}

bool
ea_keycache_get(
    struct emauth_ctx *ctx, const char *name, struct ea_dkim_pubkey *out)
{
	struct keycache *c = ctx->dkim_keys;
	if (c == NULL)
		return false;
	int64_t now = ea_ctx_now(ctx);
	uint32_t h = name_hash(name);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		struct slot *s = &c->s[i];
		if (s->key.pkey == NULL || s->hash != h ||
		    strcmp(s->name, name) != 0)
			continue;
		if (now >= s->expires)
			return false;
		if (EVP_PKEY_up_ref(s->key.pkey) != 1)
			return false;
		*out = s->key;
		return true;
	}
	return false;
}

void
ea_keycache_put(struct emauth_ctx *ctx, const char *name,
    struct ea_dkim_pubkey *k, uint32_t ttl)
{
	struct keycache *c = ctx->dkim_keys;
	/* The record's TTL is honoured: a key published with TTL 0 (being
	 * revoked or rotated) is not kept at all. */
	if (strlen(name) >= sizeof(c->s[0].name) || k->pkey == NULL || ttl == 0)
		return;
	if (c == NULL) {
		c = ea_calloc(1, sizeof(*c));
		if (c == NULL)
			return;
		ctx->dkim_keys = c;
		ctx->dkim_keys_free = cache_free;
	}
	if (ttl > 3600)
		ttl = 3600;
	/* Replace the entry of the same name, else the next slot. */
	size_t i;
	for (i = 0; i < CACHE_SLOTS; i++)
		if (c->s[i].key.pkey && strcmp(c->s[i].name, name) == 0)
			break;
	if (i == CACHE_SLOTS) {
		i = c->next;
		c->next = (c->next + 1) % CACHE_SLOTS;
	}
	if (EVP_PKEY_up_ref(k->pkey) != 1)
		return;
	struct slot *s = &c->s[i];
	slot_clear(s);
	memcpy(s->name, name, strlen(name) + 1);
	s->hash = name_hash(name);
	s->key = *k;
	s->key.vctx = k->type == EA_KEY_RSA ? rsa_verify_ctx(k->pkey) : NULL;
	s->expires = ea_ctx_now(ctx) + ttl;
	k->vctx = s->key.vctx;
}
