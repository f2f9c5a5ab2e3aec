/*
 * unbound.c: the system back end, on libunbound. It forwards either to the
 * nameservers of /etc/resolv.conf or to one named server, caches answers in
 * an answer cache (its own, or one shared with other resolvers: cache.h),
 * and enforces a per-query timeout by running every query asynchronously
 * and cancelling it at the deadline. This file is the only one that
 * includes <unbound.h>.
 *
 * A resolver, and its ub_ctx, is used by one thread at a time: the query
 * loop below runs ub_process(), which runs the callbacks of every query of
 * the ub_ctx that has completed, whoever asked it (see
 * docs/internals/dns.md on why the milter keeps one per context).
 */
#include "../common/internal.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

#include <unbound.h>

#include "../common/alloc.h"
#include "../common/diag.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "cache.h"
#include "resolver.h"

struct ubres {
	struct ub_ctx *ctx;
	/* A reference to the answer cache (NULL: none yet; our own is made
	 * on first use). */
	struct emauth_dns_cache *cache;
	bool cache_off;
	unsigned long sent; /* queries given to libunbound */
};

/* Turns a ub_result into an answer; @err is libunbound's error code. */
static void
convert(int err, struct ub_result *res, struct ea_dns_answer *out)
{
	ea_dns_answer_init(out);
	if (err != 0 || res == NULL) {
		ea_dns_answer_fail(out, "resolver error");
		return;
	}
	out->rcode = res->rcode;
	out->ttl = res->ttl > 0 ? (uint32_t)res->ttl : 0;
	out->secure = res->secure != 0;
	out->bogus = res->bogus != 0;
	if (res->canonname)
		snprintf(out->canon, sizeof(out->canon), "%s", res->canonname);
	if (res->bogus) {
		ea_dns_answer_fail(out, "DNSSEC validation failed (bogus)");
		return;
	}
	switch (res->rcode) {
	case 0:
		break;
	case 3:
		out->status = EA_DNS_NXDOMAIN;
		return;
	case 2:
		ea_dns_answer_fail(out, "SERVFAIL");
		return;
	case 5:
		ea_dns_answer_fail(out, "REFUSED");
		return;
	default:
		ea_dns_answer_fail(out, "DNS error");
		return;
	}
	if (!res->havedata) {
		out->status = EA_DNS_NODATA;
		return;
	}
	for (int i = 0; res->data[i] != NULL; i++) {
		if (res->len[i] < 0)
			continue;
		if (ea_dns_answer_add(out, (uint16_t)res->qtype,
		        (uint32_t)(res->ttl < 0 ? 0 : res->ttl),
		        ea_span(res->data[i], (size_t)res->len[i])) != 0) {
			ea_dns_answer_release(out);
			ea_dns_answer_fail(out, "out of memory");
			return;
		}
	}
	if (out->n == 0)
		out->status = EA_DNS_NODATA;
}

struct waiter {
	bool done;
	struct ea_dns_answer *out;
};

static void
sync_cb(void *arg, int err, struct ub_result *res)
{
	struct waiter *w = arg;
	convert(err, res, w->out);
	w->done = true;
	if (res)
		ub_resolve_free(res);
}

static int
u_query(void *impl, const char *name, uint16_t type, unsigned timeout_ms,
    struct ea_dns_answer *out)
{
	struct ubres *u = impl;
	char q[EA_DNS_PRES_MAX];
	struct waiter w = {false, out};
	int id;

	ea_dns_answer_init(out);
	if (ea_dns_name_escape(ea_span_str(name), false, q, sizeof(q)) != 0) {
		out->status = EA_DNS_NXDOMAIN;
		out->rcode = 3;
		return 0;
	}
	/* The cache key is the name in lower case. */
	char key[EA_DNS_PRES_MAX];
	ea_dns_name_escape(ea_span_str(name), true, key, sizeof(key));
	if (u->cache == NULL && !u->cache_off)
		u->cache = ea_dns_cache_new(0);
	if (u->cache && !u->cache_off &&
	    ea_dns_cache_get(u->cache, key, type, out))
		return 0;
	u->sent++;
	if (ub_resolve_async(u->ctx, q, type, 1, &w, sync_cb, &id) != 0) {
		ea_dns_answer_fail(out, "resolver error");
		return 0;
	}
	uint64_t deadline = ea_dns_now_ms() + timeout_ms;
	while (!w.done) {
		uint64_t now = ea_dns_now_ms();
		if (now >= deadline) {
			ub_cancel(u->ctx, id);
			ea_dns_answer_fail(out, "timeout");
			return 0;
		}
		struct pollfd pfd = {ub_fd(u->ctx), POLLIN, 0};
		int n = poll(&pfd, 1, (int)(deadline - now));
		if (n > 0 && ub_process(u->ctx) != 0) {
			ub_cancel(u->ctx, id);
			ea_dns_answer_fail(out, "resolver error");
			return 0;
		}
	}
	if (u->cache && !u->cache_off)
		ea_dns_cache_put(u->cache, key, type, out);
	return 0;
}

struct async {
	ea_dns_cb cb;
	void *arg;
};

static void
async_cb(void *arg, int err, struct ub_result *res)
{
	struct async a = *(struct async *)arg;
	struct ea_dns_answer ans;
	ea_free(arg);
	convert(err, res, &ans);
	if (res)
		ub_resolve_free(res);
	a.cb(a.arg, &ans);
}

static int
u_submit(void *impl, const char *name, uint16_t type, ea_dns_cb cb, void *arg)
{
	struct ubres *u = impl;
	char q[EA_DNS_PRES_MAX];
	int id;

	if (ea_dns_name_escape(ea_span_str(name), false, q, sizeof(q)) != 0)
		return EMAUTH_EINVAL;
	struct async *a = ea_malloc(sizeof(*a));
	if (a == NULL)
		return EMAUTH_ENOMEM;
	a->cb = cb;
	a->arg = arg;
	if (ub_resolve_async(u->ctx, q, type, 1, a, async_cb, &id) != 0) {
		ea_free(a);
		return EMAUTH_EDNS;
	}
	return 0;
}

static int
u_fd(void *impl)
{
	return ub_fd(((struct ubres *)impl)->ctx);
}

static int
u_process(void *impl)
{
	return ub_process(((struct ubres *)impl)->ctx) == 0 ? 0 : EMAUTH_EDNS;
}

static void
u_free(void *impl)
{
	struct ubres *u = impl;
	if (u == NULL)
		return;
	ub_ctx_delete(u->ctx);
	ea_dns_cache_free(u->cache);
	ea_free(u);
}

static unsigned long
u_sent(void *impl)
{
	return ((struct ubres *)impl)->sent;
}

static void
u_set_cache(void *impl, int on)
{
	((struct ubres *)impl)->cache_off = !on;
}

static const struct ea_resolver_ops unbound_ops = {
    "system", u_query, u_submit, u_fd, u_process, u_free, u_sent, u_set_cache};

void
ea_dns_unbound_set_cache(struct ea_resolver *r, struct emauth_dns_cache *c)
{
	if (r->ops != &unbound_ops)
		return;
	struct ubres *u = r->impl;
	if (c != NULL)
		ea_dns_cache_ref(c);
	ea_dns_cache_free(u->cache);
	u->cache = c;
}

int
ea_dns_unbound_new(
    const char *server, struct ea_resolver *out, struct emauth_diag *diag)
{
	struct ubres *u = ea_calloc(1, sizeof(*u));
	int err;

	if (u == NULL)
		return EMAUTH_ENOMEM;
	u->ctx = ub_ctx_create();
	if (u->ctx == NULL) {
		ea_free(u);
		return EMAUTH_ENOMEM;
	}
	/* Threads, not a forked process: the milter runs many lookups. */
	ub_ctx_async(u->ctx, 1);
	/* Local resolvers (127.0.0.53, a test server on loopback) are
	 * legitimate forwarders here. */
	ub_ctx_set_option(u->ctx, "do-not-query-localhost:", "no");
	/* We are a stub in front of the resolver the operator chose, which
	 * applies RFC 6303 itself and may serve the private and documentation
	 * reverse zones for real (the PTRs of an internal relay on 10/8, for
	 * iprev); libunbound would otherwise answer them NXDOMAIN locally
	 * without asking. (Setting those zones to "nodefault" one by one does
	 * not take through ub_ctx_set_option on libunbound 1.17.) */
	ub_ctx_set_option(u->ctx, "unblock-lan-zones:", "yes");
	ub_ctx_set_option(u->ctx, "insecure-lan-zones:", "yes");
	/* libunbound's caches sit behind ours; bounded small, since the
	 * milter has one resolver per message in flight (limits.h). */
	char cache_size[32];
	snprintf(cache_size, sizeof(cache_size), "%u",
	    (unsigned)EA_DNS_UNBOUND_CACHE_BYTES);
	ub_ctx_set_option(u->ctx, "msg-cache-size:", cache_size);
	ub_ctx_set_option(u->ctx, "rrset-cache-size:", cache_size);
	if (server)
		err = ub_ctx_set_fwd(u->ctx, server);
	else
		err = ub_ctx_resolvconf(u->ctx, NULL);
	if (err != 0) {
		ea_diag_set(diag, EMAUTH_EDNS,
		    server ? "dns server" : "resolv.conf", ea_span_str(server),
		    0, ub_strerror(err));
		ub_ctx_delete(u->ctx);
		ea_free(u);
		return EMAUTH_EDNS;
	}
	/* Likewise the special-use names of RFC 6761 that libunbound answers
	 * NXDOMAIN itself: "test." is where test and staging setups live,
	 * and the server we forward to decides. (Adding a zone finalizes
	 * the context, so this comes after the forwarders.) */
	ub_ctx_zone_add(u->ctx, "test.", "transparent");
	ub_ctx_zone_add(u->ctx, "invalid.", "transparent");
	/* And the loopback reverse zone, which the resolver answers (a local
	 * relay's 127.0.0.1, a test setup on 127.0.0.0/8). */
	ub_ctx_zone_add(u->ctx, "127.in-addr.arpa.", "transparent");
	/* The answer cache is made on first use, unless one is shared
	 * first (ea_dns_unbound_set_cache); without memory for it, queries
	 * simply go to libunbound. */
	memset(out, 0, sizeof(*out));
	out->ops = &unbound_ops;
	out->impl = u;
	return 0;
}
