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
	unsigned naddrs; /* addresses kept in addrs (the first 4) */
	char addrs[EMAUTH_MX_ADDRS_MAX][64];
	int is_cname;          /* the exchange name is an alias */
	int is_ip_literal;     /* the exchange is written as an address */
	int dns_error;         /* an address lookup failed: what it would have
	                          found is unknown, so the host is not a pass */
	unsigned naddrs_total; /* every A and AAAA of the exchange */
};

struct emauth_mx_info {
	int null_mx;   /* a single "MX 0 ." (RFC 7505): no mail accepted */
	int dns_error; /* the MX lookup failed */
	int nxdomain;  /* the domain does not exist */
	/* Exchanges kept in hosts: the EMAUTH_MX_HOSTS_MAX most preferred,
	 * by preference then name. */
	unsigned n;
	struct emauth_mx_host hosts[EMAUTH_MX_HOSTS_MAX];
	unsigned n_total; /* every exchange of the answer (n_total >= n) */
	/* Of the exchanges not kept (n_total - n), each examined as the
	 * kept ones are: how many are CNAMEs, IP literals, have no
	 * address or a DNS error, and the most preferred of those. */
	unsigned more_bad;
	struct emauth_mx_host first_more_bad;
};

/**
 * Looks up the MX records of @domain and the A/AAAA of every exchange.
 * @param out OUT: the most preferred exchanges, and what is wrong with
 *        the others.
 * @return 0 (see @out), EMAUTH_EINVAL, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_mx_lookup(
    struct emauth_ctx *ctx, const char *domain, struct emauth_mx_info *out);

#ifdef __cplusplus
}
#endif

#endif
