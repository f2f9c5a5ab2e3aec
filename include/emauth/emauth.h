/*
 * emauth.h: the core of libemauth's public API.
 *
 * It holds what every protocol shares: the library context (allocator,
 * logging, clock and resolver), the status codes, the length-carrying span
 * used for all input, the verdict values of RFC 8601, and the diagnostic
 * structure that says what was wrong with an input and where.
 *
 * Status, verdict and diagnostic are kept apart: a call returns 0 or a
 * negative EMAUTH_E* status; the verdict a message gets (pass, fail, ...) is
 * data in the result structure; a diagnostic explains a bad input.
 */
#ifndef EMAUTH_EMAUTH_H
#define EMAUTH_EMAUTH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(EMAUTH_BUILDING) && defined(__GNUC__)
#define EMAUTH_API __attribute__((visibility("default")))
#else
#define EMAUTH_API
#endif

/* Status codes: 0 or one of these negative values. */
enum emauth_status {
#define EMAUTH_ERR(name, value, text) EMAUTH_E##name = (value),
#include <emauth/errors.def>
#undef EMAUTH_ERR
};

/** A borrowed, length-carrying view of bytes; never NUL-terminated. */
struct emauth_span {
	const uint8_t *p;
	size_t len;
};

/* Verdicts, in the words of RFC 8601 (and RFC 7208 for SPF). */
enum emauth_result {
	EMAUTH_RES_NONE = 0,
	EMAUTH_RES_PASS,
	EMAUTH_RES_FAIL,
	EMAUTH_RES_SOFTFAIL,
	EMAUTH_RES_NEUTRAL,
	EMAUTH_RES_TEMPERROR,
	EMAUTH_RES_PERMERROR,
	EMAUTH_RES_POLICY
};

/** A diagnostic: what was wrong with an input, and where. */
struct emauth_diag {
	int code;          /* an EMAUTH_E* status */
	size_t offset;     /* byte offset in the input named by @where */
	char where[48];    /* the field, tag or term, e.g. "ip4" */
	const char *msg;   /* static text */
	char excerpt[260]; /* escaped excerpt of at most 64 input bytes */
};

struct emauth_ctx;

/**
 * Performs process-wide setup once; safe to call again.
 * @return 0.
 */
EMAUTH_API int emauth_global_init(void);

/**
 * Creates a library context with the system resolver not yet opened; the
 * first DNS use opens it, unless emauth_ctx_set_dns() chose another.
 * @param out OUT: the context; free with emauth_ctx_free().
 * @return 0, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_ctx_new(struct emauth_ctx **out);

/** Frees a context and its resolver. NULL does nothing. */
EMAUTH_API void emauth_ctx_free(struct emauth_ctx *ctx);

/**
 * Chooses the DNS back end from a specification:
 *   "system"                 libunbound, forwarding to /etc/resolv.conf;
 *   "server:IP[@PORT]"       libunbound, forwarding to that server;
 *   "zone:FILE[,FILE...]"    offline, from RFC 1035 master files.
 * @param diag OUT, may be NULL: what was wrong with @spec.
 * @return 0, EMAUTH_EINVAL (bad spec), EMAUTH_EZONE (a zone file could not
 *         be read or parsed), EMAUTH_EDNS (resolver set-up failed),
 *         EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_ctx_set_dns(
    struct emauth_ctx *ctx, const char *spec, struct emauth_diag *diag);

/**
 * DNS use so far: @asked, the queries the protocols made; @sent, those
 * that went past emauth's answer cache to the resolver (libunbound, which
 * caches too) — equal to @asked for the zone back end.
 */
EMAUTH_API void emauth_ctx_dns_stats(
    struct emauth_ctx *ctx, unsigned long *asked, unsigned long *sent);
/** Switches emauth's answer cache (system back end) on or off. */
EMAUTH_API void emauth_ctx_set_dns_cache(struct emauth_ctx *ctx, int on);

/*
 * An answer cache that several contexts share, for example one per
 * process for all of a multi-threaded program's contexts. It is bounded by
 * bytes (keys, records and bookkeeping), evicts the least recently used
 * answers to stay within the bound, keeps answers for their TTL (at most
 * an hour) and never keeps temporary failures. It is safe to use from
 * several threads at once. It is reference-counted: each context it is
 * attached to holds a reference, so the creator may free it at any time.
 * Without one, each context's system resolver has a cache of its own
 * (8 MiB).
 */
struct emauth_dns_cache;

/**
 * Creates a shared answer cache.
 * @param max_bytes the bound in bytes; 0 for the default, 8 MiB. An
 *        answer larger than the whole bound is not cached.
 * @param out OUT: the cache, with one reference (the caller's); give it
 *        up with emauth_dns_cache_free().
 * @return 0, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_dns_cache_new(
    size_t max_bytes, struct emauth_dns_cache **out);

/**
 * Gives up the caller's reference to @cache. The cache itself is freed
 * when no context uses it any more. NULL does nothing.
 */
EMAUTH_API void emauth_dns_cache_free(struct emauth_dns_cache *cache);

/**
 * Makes @ctx's system resolver (emauth_ctx_set_dns() "system" or
 * "server:"), now or later set, answer from @cache instead of a cache of
 * its own. The context takes a reference, given up when it is freed or
 * another cache (or NULL, for its own again) is set. The zone back end
 * has no answer cache and ignores it. emauth_ctx_set_dns_cache() still
 * switches caching off and on for this context.
 * @param cache the cache, or NULL.
 */
EMAUTH_API void emauth_ctx_set_dns_cache_shared(
    struct emauth_ctx *ctx, struct emauth_dns_cache *cache);

/**
 * What @cache holds and how it has served, at one moment.
 * @param bytes OUT, may be NULL: the bytes it is charged, its table
 *        included; never more than its bound.
 * @param entries OUT, may be NULL: answers held (some may have expired
 *        and not yet been dropped).
 * @param hits OUT, may be NULL: lookups answered.
 * @param misses OUT, may be NULL: lookups not answered (absent or
 *        expired).
 */
EMAUTH_API void emauth_dns_cache_stats(struct emauth_dns_cache *cache,
    size_t *bytes, size_t *entries, uint64_t *hits, uint64_t *misses);

/**
 * Keeps every DNS answer this context receives from now on, for
 * emauth_ctx_save_zone() (opens the resolver first if need be).
 * @return 0, EMAUTH_ENOMEM, EMAUTH_EDNS (no resolver could be opened).
 */
EMAUTH_API int emauth_ctx_record_dns(struct emauth_ctx *ctx);

/**
 * Writes the answers kept since emauth_ctx_record_dns() to @path as an
 * RFC 1035 master file that --dns zone:PATH replays. The file is written
 * whole or not at all (a temporary file renamed into place).
 * @return 0, EMAUTH_EINVAL (not recording), EMAUTH_EIO (with @diag),
 *         EMAUTH_ELIMIT (with @diag: some answers could not be kept, so a
 *         snapshot would replay differently; nothing is written).
 */
EMAUTH_API int emauth_ctx_save_zone(
    struct emauth_ctx *ctx, const char *path, struct emauth_diag *diag);

/**
 * Sets the per-query timeout and the total time budget, in milliseconds, of
 * one evaluation (for example one SPF check_host() with all its recursion).
 * Defaults: 5000 and 20000 (RFC 7208 §4.6.4 suggests at least 20 seconds).
 */
EMAUTH_API void emauth_ctx_set_dns_timeouts(
    struct emauth_ctx *ctx, unsigned query_ms, unsigned total_ms);

/**
 * Sets a DNS time budget, in milliseconds from now, shared by every
 * evaluation until it is removed (0): a message's, over all its DKIM key,
 * iprev, SPF and DMARC lookups. A query once it is spent fails as a
 * temporary error ("DNS time budget exhausted").
 */
EMAUTH_API void emauth_ctx_set_dns_deadline(
    struct emauth_ctx *ctx, unsigned ms);

/**
 * Sets the clock used for time-dependent checks and macros; NULL restores
 * the system clock. The function returns seconds since the epoch.
 */
EMAUTH_API void emauth_ctx_set_clock(
    struct emauth_ctx *ctx, int64_t (*now)(void *arg), void *arg);

/** Sets a log callback for library messages; NULL silences them. */
EMAUTH_API void emauth_ctx_set_log(struct emauth_ctx *ctx,
    void (*log)(void *arg, int level, const char *msg), void *arg);

/** The text for a status code; never NULL. */
EMAUTH_API const char *emauth_strerror(int status);

/** The name of a status code ("EMAUTH_EINVAL"); never NULL. */
EMAUTH_API const char *emauth_errname(int status);

/** The lower-case word for a verdict ("pass", "permerror"); never NULL. */
EMAUTH_API const char *emauth_result_name(enum emauth_result r);

/**
 * Formats a diagnostic as "where:offset: message: \"excerpt\"" into @buf.
 * @return @buf.
 */
EMAUTH_API const char *emauth_diag_format(
    const struct emauth_diag *d, char *buf, size_t size);

/** The library version string. */
EMAUTH_API const char *emauth_version(void);

#ifdef __cplusplus
}
#endif

#endif
