/*
 * mx.h: a domain's MX records as an audit sees them: a null MX (RFC
 * 7505), each exchange's addresses, and exchanges that are CNAMEs or IP
 * literals (RFC 5321 §5.1 and RFC 2181 §10.3 forbid both).
 */
#ifndef EMAUTH_MX_H
#define EMAUTH_MX_H

#include <emauth/emauth.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EMAUTH_MX_HOSTS_MAX 16
#define EMAUTH_MX_ADDRS_MAX 4

struct emauth_mx_host {
	char name[256];
	unsigned preference;
	unsigned naddrs;
	char addrs[EMAUTH_MX_ADDRS_MAX][64];
	int is_cname;      /* the exchange name is an alias */
	int is_ip_literal; /* the exchange is written as an address */
	int dns_error;
};

struct emauth_mx_info {
	int null_mx;   /* a single "MX 0 ." (RFC 7505): no mail accepted */
	int dns_error; /* the MX lookup failed */
	int nxdomain;  /* the domain does not exist */
	unsigned n;    /* exchanges (at most EMAUTH_MX_HOSTS_MAX kept) */
	struct emauth_mx_host hosts[EMAUTH_MX_HOSTS_MAX];
};

/**
 * Looks up the MX records of @domain and the A/AAAA of each exchange.
 * @return 0 (see @out), EMAUTH_EINVAL, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_mx_lookup(
    struct emauth_ctx *ctx, const char *domain, struct emauth_mx_info *out);

#ifdef __cplusplus
}
#endif

#endif
