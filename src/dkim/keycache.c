/*
 * keycache.c: the parsed-key cache (see keycache.h). A small table with
 * round-robin replacement; the clock is the context's.
 */
#include "../common/internal.h"

#include <string.h>

#include "../common/alloc.h"
#include "../common/ctx.h"
#include "keycache.h"

/* Ours: keys kept per context. */
#define CACHE_SLOTS 128

struct slot {
	char name[256];
	struct ea_dkim_pubkey key;
	int64_t expires;
};

struct keycache {
	struct slot s[CACHE_SLOTS];
	size_t next;
};

static void
cache_free(void *p)
{
	struct keycache *c = p;
	if (c == NULL)
		return;
	for (size_t i = 0; i < CACHE_SLOTS; i++)
		EVP_PKEY_free(c->s[i].key.pkey);
	ea_free(c);
}

bool
ea_keycache_get(
    struct emauth_ctx *ctx, const char *name, struct ea_dkim_pubkey *out)
{
	struct keycache *c = ctx->dkim_keys;
	if (c == NULL)
		return false;
	int64_t now = ea_ctx_now(ctx);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		struct slot *s = &c->s[i];
		if (s->key.pkey == NULL || strcmp(s->name, name) != 0)
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
    const struct ea_dkim_pubkey *k, uint32_t ttl)
{
	struct keycache *c = ctx->dkim_keys;
	if (strlen(name) >= sizeof(c->s[0].name) || k->pkey == NULL)
		return;
	if (c == NULL) {
		c = ea_calloc(1, sizeof(*c));
		if (c == NULL)
			return;
		ctx->dkim_keys = c;
		ctx->dkim_keys_free = cache_free;
	}
	if (ttl < 60)
		ttl = 60;
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
	EVP_PKEY_free(c->s[i].key.pkey);
	memcpy(c->s[i].name, name, strlen(name) + 1);
	c->s[i].key = *k;
	c->s[i].expires = ea_ctx_now(ctx) + ttl;
}
