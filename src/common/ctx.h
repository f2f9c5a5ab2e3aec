/*
 * ctx.h: the library context as the protocols see it: the resolver, the
 * clock and the log callback.
 */
#ifndef EA_CTX_H
#define EA_CTX_H

#include "internal.h"
#include "../dns/resolver.h"

/* An object that points back to its context (a DKIM verifier): the
 * context lists them and clears their pointer if it is freed first, so
 * they may still be freed after it. */
struct ea_ctx_link {
	struct emauth_ctx *ctx;
	struct ea_ctx_link *prev, *next;
};

struct emauth_ctx {
	struct ea_resolver res;
	bool res_open;
	/* A reference to the answer cache the system back end is to use
	 * (emauth_ctx_set_dns_cache_shared), or NULL: its own. */
	struct emauth_dns_cache *dns_cache;
	unsigned query_ms, total_ms;
	uint64_t deadline_ms; /* emauth_ctx_set_dns_deadline, or 0 */
	int64_t (*now)(void *arg);
	void *now_arg;
	void (*log)(void *arg, int level, const char *msg);
	void *log_arg;
	/* Protocol caches that live as long as the context (DKIM keys),
	 * opaque here; each protocol owns its slot and its free function. */
	void *dkim_keys;
	void (*dkim_keys_free)(void *);
	/* A freed DKIM verifier kept for the next message (its buffers and
	 * hashing contexts), and how to free it. */
	void *dkim_spare;
	void (*dkim_spare_free)(void *);
	struct ea_ctx_link *linked;
};

/* Puts @l on @ctx's list (@ctx may be NULL: then l->ctx is NULL). */
void ea_ctx_link(struct emauth_ctx *ctx, struct ea_ctx_link *l);
/* Takes @l off its context's list; l->ctx becomes NULL. */
void ea_ctx_unlink(struct ea_ctx_link *l);

/* The context's resolver, opening the system one on first use.
 * @return NULL when it cannot be opened. */
struct ea_resolver *ea_ctx_resolver(struct emauth_ctx *ctx);
/* Replaces the resolver (the context takes ownership). */
void ea_ctx_set_resolver(struct emauth_ctx *ctx, struct ea_resolver *r);
int64_t ea_ctx_now(struct emauth_ctx *ctx);
void ea_ctx_log(struct emauth_ctx *ctx, int level, const char *fmt, ...)
    EA_PRINTF(3, 4);

#endif
