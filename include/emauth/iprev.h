/*
 * iprev.h: forward-confirmed reverse DNS of the SMTP client (RFC 8601
 * §3): the PTR names of the address, then the addresses of each name;
 * "pass" when one of them is the client address.
 */
#ifndef EMAUTH_IPREV_H
#define EMAUTH_IPREV_H

#include <emauth/emauth.h>

#ifdef __cplusplus
extern "C" {
#endif

struct emauth_iprev_result {
	enum emauth_result result; /* pass, fail, temperror, permerror */
	char name[256];            /* the confirmed name on pass, else the
	                              first PTR name or "" */
	unsigned names;            /* PTR names found (all of them; only
	                              the first 10 are tried) */
	char reason[512];
};

/**
 * Checks @ip (IPv4 or IPv6 text). At most 10 PTR names are looked up
 * (as RFC 7208 §4.6.4 bounds its ptr mechanism); when none of them maps
 * back, the result is fail even if a later name would have.
 * @return 0 (the verdict is in @out), EMAUTH_EINVAL (not an address),
 *         EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_iprev_check(
    struct emauth_ctx *ctx, const char *ip, struct emauth_iprev_result *out);

#ifdef __cplusplus
}
#endif

#endif
