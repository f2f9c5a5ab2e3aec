/*
 * test_mx.c: emauth_mx_lookup's bounds with the test DNS back end, each
 * at its value and one past it: EMAUTH_MX_HOSTS_MAX exchanges kept (the
 * most preferred, whatever the answer order) while every one is examined
 * and counted, the problems of those not kept counted with the most
 * preferred of them; EMAUTH_MX_ADDRS_MAX addresses kept per exchange and
 * every one counted; and the query budget, which grows with the answer so
 * that no exchange goes unexamined.
 */
#include "common/internal.h"

#include <stdio.h>
#include <string.h>

#include "common/ctx.h"
#include "common/span.h"
#include "dns/fake.h"
#include "dns/resolver.h"
#include "dns/store.h"
#include "harness/t.h"

#include <emauth/mx.h>

static struct emauth_ctx *ctx;
static struct ea_store *store;

/* @n exchanges x1.<domain> .. xN.<domain>, preference 10 + i, added
 * least preferred first; each has one address unless it is @bad (no
 * address at all, 0 for none). */
static void
exchanges(const char *domain, int n, int bad)
{
	char host[128], ip[32];
	for (int i = n; i >= 1; i--) {
		snprintf(host, sizeof(host), "x%d.%s", i, domain);
		ea_dns_fake_mx(store, domain, (uint16_t)(10 + i), host);
		if (i == bad)
			continue;
		snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		ea_dns_fake_addr(store, host, ip);
	}
}

/* Queries asked through the context's resolver so far. */
static unsigned long
asked(void)
{
	return ea_ctx_resolver(ctx)->asked;
}

/* 16 exchanges are all kept; a 17th is counted, and examined: when it is
 * the only one with a problem, that problem is reported through
 * more_bad and first_more_bad, never dropped. */
static void
test_hosts_cap_edges(void)
{
	T_EQ_INT(EMAUTH_MX_HOSTS_MAX, 16);
	struct emauth_mx_info mx;
	exchanges("m16.example", 16, 0);
	unsigned long before = asked();
	T_EQ_INT(emauth_mx_lookup(ctx, "m16.example", &mx), 0);
	T_EQ_INT(mx.n, 16);
	T_EQ_INT(mx.n_total, 16);
	T_EQ_INT(mx.more_bad, 0);
	/* The MX query, then A and AAAA for each exchange. */
	T_EQ_INT(asked() - before, 1 + 2 * 16);
	for (unsigned i = 0; i < mx.n; i++)
		T_EQ_INT(mx.hosts[i].preference, 11 + i);

	/* The 17th (least preferred, first in the answer) has no address. */
	exchanges("m17.example", 17, 17);
	before = asked();
	T_EQ_INT(emauth_mx_lookup(ctx, "m17.example", &mx), 0);
	T_EQ_INT(mx.n, 16);
	T_EQ_INT(mx.n_total, 17);
	T_EQ_INT(asked() - before, 1 + 2 * 17);
	T_EQ_INT(mx.hosts[15].preference, 26);
	T_EQ_INT(mx.more_bad, 1);
	T_EQ_STR(mx.first_more_bad.name, "x17.m17.example");
	T_EQ_INT(mx.first_more_bad.naddrs_total, 0);

	/* 17 good ones: one not kept, and nothing wrong with it. */
	exchanges("g17.example", 17, 0);
	T_EQ_INT(emauth_mx_lookup(ctx, "g17.example", &mx), 0);
	T_EQ_INT(mx.n, 16);
	T_EQ_INT(mx.n_total, 17);
	T_EQ_INT(mx.more_bad, 0);

	/* The most preferred exchange with a problem comes last in the
	 * answer: it is kept, and the one it pushes out is counted. */
	exchanges("late.example", 17, 0);
	ea_dns_fake_mx(store, "late.example", 1, "first.late.example");
	T_EQ_INT(emauth_mx_lookup(ctx, "late.example", &mx), 0);
	T_EQ_INT(mx.n, 16);
	T_EQ_INT(mx.n_total, 18);
	T_EQ_STR(mx.hosts[0].name, "first.late.example");
	T_EQ_INT(mx.hosts[0].naddrs_total, 0);
	T_EQ_INT(mx.hosts[15].preference, 25);
	T_EQ_INT(mx.more_bad, 0);
}

/* Far past the cap, every exchange is still examined (the budget is one
 * MX query and two address queries per exchange of the answer), and
 * every problem among those not kept is counted. */
static void
test_every_exchange_examined(void)
{
	char host[128];
	struct emauth_mx_info mx;
	exchanges("m40.example", 40, 0);
	for (int i = 41; i <= 43; i++) {
		snprintf(host, sizeof(host), "x%d.m40.example", i);
		ea_dns_fake_mx(store, "m40.example", (uint16_t)(10 + i), host);
	}
	unsigned long before = asked();
	T_EQ_INT(emauth_mx_lookup(ctx, "m40.example", &mx), 0);
	T_EQ_INT(asked() - before, 1 + 2 * 43);
	T_EQ_INT(mx.n, 16);
	T_EQ_INT(mx.n_total, 43);
	T_EQ_INT(mx.more_bad, 3);
	T_EQ_STR(mx.first_more_bad.name, "x41.m40.example");
}

/* 4 addresses are kept; a 5th is counted (naddrs_total), never lost. */
static void
test_addrs_cap_edges(void)
{
	T_EQ_INT(EMAUTH_MX_ADDRS_MAX, 4);
	struct emauth_mx_info mx;
	ea_dns_fake_mx(store, "a4.example", 10, "mx.a4.example");
	ea_dns_fake_mx(store, "a5.example", 10, "mx.a5.example");
	static const char *const ips[] = {"192.0.2.1", "192.0.2.2", "192.0.2.3",
	    "2001:db8::4", "2001:db8::5"};
	for (int i = 0; i < 5; i++) {
		if (i < 4)
			ea_dns_fake_addr(store, "mx.a4.example", ips[i]);
		ea_dns_fake_addr(store, "mx.a5.example", ips[i]);
	}
	T_EQ_INT(emauth_mx_lookup(ctx, "a4.example", &mx), 0);
	T_EQ_INT(mx.hosts[0].naddrs, 4);
	T_EQ_INT(mx.hosts[0].naddrs_total, 4);
	T_EQ_STR(mx.hosts[0].addrs[3], "2001:db8::4");
	T_EQ_INT(emauth_mx_lookup(ctx, "a5.example", &mx), 0);
	T_EQ_INT(mx.hosts[0].naddrs, 4);
	T_EQ_INT(mx.hosts[0].naddrs_total, 5);
	T_EQ_STR(mx.hosts[0].addrs[0], "192.0.2.1");
	T_EQ_STR(mx.hosts[0].addrs[3], "2001:db8::4");
}

/* An exchange whose A lookup fails but which has an AAAA is not a pass:
 * kept, it carries dns_error; past the 16 kept, it is counted in
 * more_bad. */
static void
test_dns_error_counted(void)
{
	struct emauth_mx_info mx;
	ea_dns_fake_mx(store, "tf.example", 10, "mx.tf.example");
	ea_dns_fake_addr(store, "mx.tf.example", "2001:db8::1");
	ea_store_fail(
	    store, ea_span_str("mx.tf.example"), EA_DNS_T_A, EA_STORE_TIMEOUT);
	T_EQ_INT(emauth_mx_lookup(ctx, "tf.example", &mx), 0);
	T_EQ_INT(mx.n, 1);
	T_EQ_INT(mx.hosts[0].dns_error, 1);
	T_EQ_INT(mx.hosts[0].naddrs_total, 1);

	exchanges("tf17.example", 16, 0);
	ea_dns_fake_mx(store, "tf17.example", 90, "late.tf17.example");
	ea_dns_fake_addr(store, "late.tf17.example", "2001:db8::2");
	ea_store_fail(store, ea_span_str("late.tf17.example"), EA_DNS_T_A,
	    EA_STORE_TIMEOUT);
	T_EQ_INT(emauth_mx_lookup(ctx, "tf17.example", &mx), 0);
	T_EQ_INT(mx.n, 16);
	T_EQ_INT(mx.n_total, 17);
	T_EQ_INT(mx.more_bad, 1);
	T_EQ_STR(mx.first_more_bad.name, "late.tf17.example");
	T_EQ_INT(mx.first_more_bad.dns_error, 1);
}

int
main(void)
{
	struct ea_resolver r;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, &store);
	ea_ctx_set_resolver(ctx, &r);
	T_RUN(test_hosts_cap_edges);
	T_RUN(test_every_exchange_examined);
	T_RUN(test_addrs_cap_edges);
	T_RUN(test_dns_error_counted);
	emauth_ctx_free(ctx);
	return t_summary();
}
