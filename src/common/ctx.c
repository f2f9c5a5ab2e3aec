/*
 * ctx.c: the library context.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "ctx.h"
#include "diag.h"
#include "span.h"
#include "../dns/cache.h"
#include "../dns/resolver.h"
#include "limits.h"

int
emauth_global_init(void)
{
	return 0;
}

int
emauth_ctx_new(struct emauth_ctx **out)
{
	struct emauth_ctx *c = ea_calloc(1, sizeof(*c));
	if (c == NULL)
		return EMAUTH_ENOMEM;
	c->query_ms = EA_DNS_QUERY_TIMEOUT_MS;
	c->total_ms = EA_DNS_TOTAL_TIMEOUT_MS;
	*out = c;
	return 0;
}

void
emauth_ctx_free(struct emauth_ctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->res_open)
		ea_resolver_release(&ctx->res);
	ea_dns_cache_free(ctx->dns_cache);
	if (ctx->dkim_keys_free)
		ctx->dkim_keys_free(ctx->dkim_keys);
	if (ctx->dkim_spare != NULL)
		ctx->dkim_spare_free(ctx->dkim_spare);
	/* Objects still alive lose their context, not their memory. */
	for (struct ea_ctx_link *l = ctx->linked, *next; l != NULL; l = next) {
		next = l->next;
		*l = (struct ea_ctx_link){NULL, NULL, NULL};
	}
	ea_free(ctx);
}

void
ea_ctx_link(struct emauth_ctx *ctx, struct ea_ctx_link *l)
{
	*l = (struct ea_ctx_link){ctx, NULL, ctx ? ctx->linked : NULL};
	if (ctx == NULL)
		return;
	if (ctx->linked)
		ctx->linked->prev = l;
	ctx->linked = l;
}

void
ea_ctx_unlink(struct ea_ctx_link *l)
{
	if (l->ctx == NULL)
		return;
	if (l->prev)
		l->prev->next = l->next;
	else
		l->ctx->linked = l->next;
	if (l->next)
		l->next->prev = l->prev;
	*l = (struct ea_ctx_link){NULL, NULL, NULL};
}

void
ea_ctx_set_resolver(struct emauth_ctx *ctx, struct ea_resolver *r)
{
	if (ctx->res_open)
		ea_resolver_release(&ctx->res);
	ctx->res = *r;
	ctx->res.query_ms = ctx->query_ms;
	ctx->res.total_ms = ctx->total_ms;
	ctx->res.deadline_ms = ctx->deadline_ms;
	ctx->res_open = true;
	if (ctx->dns_cache != NULL)
		ea_dns_unbound_set_cache(&ctx->res, ctx->dns_cache);
}

int
emauth_ctx_set_dns(
    struct emauth_ctx *ctx, const char *spec, struct emauth_diag *diag)
{
	struct ea_resolver r;
	int rc = ea_dns_from_spec(spec, &r, diag);
	if (rc)
		return rc;
	ea_ctx_set_resolver(ctx, &r);
	return 0;
}

void
emauth_ctx_set_dns_timeouts(
    struct emauth_ctx *ctx, unsigned query_ms, unsigned total_ms)
{
	ctx->query_ms = query_ms;
	ctx->total_ms = total_ms;
	ctx->res.query_ms = query_ms;
	ctx->res.total_ms = total_ms;
}

EMAUTH_API void
emauth_ctx_set_dns_deadline(struct emauth_ctx *ctx, unsigned ms)
{
	ctx->deadline_ms = ms ? ea_dns_now_ms() + ms : 0;
	ctx->res.deadline_ms = ctx->deadline_ms;
}

struct ea_resolver *
ea_ctx_resolver(struct emauth_ctx *ctx)
{
	if (!ctx->res_open) {
		struct ea_resolver r;
		if (ea_dns_from_spec("system", &r, NULL) != 0)
			return NULL;
		ea_ctx_set_resolver(ctx, &r);
	}
	return &ctx->res;
}

void
emauth_ctx_set_clock(
    struct emauth_ctx *ctx, int64_t (*now)(void *arg), void *arg)
{
	ctx->now = now;
	ctx->now_arg = arg;
}

int64_t
ea_ctx_now(struct emauth_ctx *ctx)
{
	if (ctx->now)
		return ctx->now(ctx->now_arg);
	return (int64_t)time(NULL);
}

void
emauth_ctx_set_log(struct emauth_ctx *ctx,
    void (*log)(void *arg, int level, const char *msg), void *arg)
{
	ctx->log = log;
	ctx->log_arg = arg;
}

void
ea_ctx_log(struct emauth_ctx *ctx, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (ctx->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log(ctx->log_arg, level, msg);
}

int
emauth_ctx_record_dns(struct emauth_ctx *ctx)
{
	if (ea_ctx_resolver(ctx) == NULL)
		return EMAUTH_EDNS;
	return ea_dns_recorder_wrap(&ctx->res);
}

int
emauth_ctx_save_zone(
    struct emauth_ctx *ctx, const char *path, struct emauth_diag *diag)
{
	char tmp[4096];
	if (!ctx->res_open)
		return EMAUTH_EINVAL;
	ea_fmt(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL) {
		ea_diag_set(diag, EMAUTH_EIO, "save-zone", ea_span_str(path), 0,
		    "cannot create the file");
		return EMAUTH_EIO;
	}
	int rc = ea_dns_recorder_save(&ctx->res, f);
	if (fclose(f) != 0 && rc == 0)
		rc = EMAUTH_EIO;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = EMAUTH_EIO;
	if (rc != 0) {
		remove(tmp);
		if (rc == EMAUTH_EIO)
			ea_diag_set(diag, EMAUTH_EIO, "save-zone",
			    ea_span_str(path), 0, "cannot write the file");
		else if (rc == EMAUTH_ELIMIT)
			ea_diag_set(diag, EMAUTH_ELIMIT, "save-zone",
			    ea_span_str(path), 0,
			    "some answers could not be kept (over 4096 "
			    "answers, or one of over 512 records): the "
			    "snapshot "
			    "would replay differently, so none is written");
	}
	return rc;
}

void
emauth_ctx_dns_stats(
    struct emauth_ctx *ctx, unsigned long *asked, unsigned long *sent)
{
	*asked = ctx->res_open ? ctx->res.asked : 0;
	*sent = *asked;
	if (ctx->res_open && ctx->res.ops->sent)
		*sent = ctx->res.ops->sent(ctx->res.impl);
}

int
emauth_dns_cache_new(size_t max_bytes, struct emauth_dns_cache **out)
{
	*out = ea_dns_cache_new(max_bytes);
	return *out == NULL ? EMAUTH_ENOMEM : 0;
}

void
emauth_dns_cache_free(struct emauth_dns_cache *cache)
{
	ea_dns_cache_free(cache);
}

void
emauth_dns_cache_stats(struct emauth_dns_cache *cache, size_t *bytes,
    size_t *entries, uint64_t *hits, uint64_t *misses)
{
	struct ea_dns_cache_stats s;
	ea_dns_cache_stats(cache, &s);
	if (bytes)
		*bytes = s.bytes;
	if (entries)
		*entries = s.entries;
	if (hits)
		*hits = s.hits;
	if (misses)
		*misses = s.misses;
}

void
emauth_ctx_set_dns_cache_shared(
    struct emauth_ctx *ctx, struct emauth_dns_cache *cache)
{
	if (cache != NULL)
		ea_dns_cache_ref(cache);
	ea_dns_cache_free(ctx->dns_cache);
	ctx->dns_cache = cache;
	if (ctx->res_open)
		ea_dns_unbound_set_cache(&ctx->res, cache);
}

void
emauth_ctx_set_dns_cache(struct emauth_ctx *ctx, int on)
{
	struct ea_resolver *r = ea_ctx_resolver(ctx);
	if (r && r->ops->set_cache)
		r->ops->set_cache(r->impl, on);
}
