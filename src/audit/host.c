/*
 * host.c: the checks of the sending servers: for each address given,
 * reverse DNS (forward-confirmed, RFC 8601 iprev) with the records that
 * fix it, SPF authorization for the domain, and DNS blocklists; the name
 * the server gives in HELO (resolves to the addresses, matches their
 * reverse DNS, not an address literal); reverse DNS of the MX hosts.
 */
#include "common/internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "common/alloc.h"
#include "common/ctx.h"
#include "common/ip.h"
#include "common/span.h"
#include "dns/rdata.h"
#include "dns/resolver.h"

#include <emauth/iprev.h>
#include <emauth/spf.h>

static const char *const dnsbl_default[] = {EMAUTH_AUDIT_DNSBL_DEFAULT};

/* Whether @name resolves to @ip (A or AAAA); -1 on a DNS failure. */
static int
resolves_to(struct ea_resolver *res, const char *name, const struct ea_ip *ip)
{
	struct ea_dns_budget b;
	struct ea_dns_answer ans;
	memset(&b, 0, sizeof(b));
	b.max_queries = 1;
	ea_dns_budget_start(&b, res);
	uint16_t type = ip->family == 4 ? EA_DNS_T_A : EA_DNS_T_AAAA;
	if (ea_dns_query(res, &b, name, type, &ans) != 0)
		return -1;
	int found = ans.status == EA_DNS_TEMPFAIL ? -1 : 0;
	for (size_t i = 0; i < ans.n && found == 0; i++) {
		struct ea_ip a;
		if (ea_dns_addr(&ans.rr[i], &a) == 0 &&
		    ea_ip_match(&a, ip, ip->family == 4 ? 32 : 128))
			found = 1;
	}
	ea_dns_answer_release(&ans);
	return found;
}

/* Reverse DNS of @ipt, with the records that fix a failure: the PTR to
 * ask the address's owner for and the A/AAAA record that must match. */
static void
host_ptr(const char *domain, const char *ipt, const char *helo,
    struct emauth_audit_report *r, struct emauth_iprev_result *ip)
{
	struct ea_ip addr;
	char fix[1200], rev[128], text[64];
	if (ea_ip_parse(ea_span_str(ipt), true, &addr) != 0)
		return;
	ea_ip_format(&addr, text, sizeof(text));
	ea_ip_reverse_name(&addr, rev, sizeof(rev));
	bool pass = ip->result == EMAUTH_RES_PASS;
	fix[0] = '\0';
	if (!pass && ip->result != EMAUTH_RES_TEMPERROR) {
		/* The name: the HELO name when given, else the PTR name that
		 * does not resolve back, else mail.DOMAIN. */
		char name[300];
		struct ea_ip lit;
		if (helo && helo[0] && helo[0] != '[' &&
		    ea_ip_parse(ea_span_str(helo), true, &lit) != 0)
			ea_fmt(name, sizeof(name), "%s", helo);
		else if (ip->name[0])
			ea_fmt(name, sizeof(name), "%s", ip->name);
		else
			ea_fmt(name, sizeof(name), "mail.%s", domain);
		ea_fmt(fix, sizeof(fix), "%s.\tIN\tPTR\t%s.\n%s.\tIN\t%s\t%s",
		    rev, name, name, addr.family == 4 ? "A" : "AAAA", text);
	}
	ea_audit_add(r, "ptr", pass ? EMAUTH_AUDIT_PASS : EMAUTH_AUDIT_FAIL,
	    pass ? "ptr.confirmed" : "ptr.not-confirmed", fix, NULL, "%s: %s%s",
	    ipt, ip->reason,
	    fix[0] ? "; the PTR record is published by the owner of the "
	             "address (ask your hosting or network provider), the "
	             "address record by you"
	           : "");
}

/* The HELO name: not an address literal, resolves to the addresses, and
 * is their reverse DNS name (what receivers such as Gmail compare). */
static void
host_helo(struct emauth_ctx *ctx, const char *helo, const char *const *ips,
    const struct emauth_iprev_result *ptrs, size_t nip,
    struct emauth_audit_report *r)
{
	struct ea_ip lit;
	size_t hl = strlen(helo);
	bool bracket = hl > 2 && helo[0] == '[' && helo[hl - 1] == ']';
	if (bracket || ea_ip_parse(ea_span_str(helo), true, &lit) == 0) {
		ea_audit_add(r, "ptr", EMAUTH_AUDIT_FAIL, "ptr.helo-ip-literal",
		    NULL, NULL,
		    "HELO %s is an address, not a host name: many receivers "
		    "refuse it; give the server's name (the one its reverse "
		    "DNS "
		    "names)",
		    helo);
		return;
	}
	struct ea_resolver *res = ea_ctx_resolver(ctx);
	for (size_t i = 0; res && i < nip; i++) {
		struct ea_ip addr;
		char text[64], fix[600];
		if (ea_ip_parse(ea_span_str(ips[i]), true, &addr) != 0)
			continue;
		ea_ip_format(&addr, text, sizeof(text));
		int to = resolves_to(res, helo, &addr);
		ea_fmt(fix, sizeof(fix), "%s.\tIN\t%s\t%s", helo,
		    addr.family == 4 ? "A" : "AAAA", text);
		if (to < 0)
			ea_audit_add(r, "ptr", EMAUTH_AUDIT_WARN,
			    "ptr.helo-dns-error", NULL, NULL,
			    "HELO %s: looking up its addresses failed (DNS "
			    "error); check again",
			    helo);
		else if (to == 0)
			ea_audit_add(r, "ptr", EMAUTH_AUDIT_FAIL,
			    "ptr.helo-not-resolving", fix, NULL,
			    "HELO %s does not resolve to %s", helo, text);
		else if (ptrs[i].result == EMAUTH_RES_PASS &&
		         strcasecmp(ptrs[i].name, helo) != 0)
			ea_audit_add(r, "ptr", EMAUTH_AUDIT_WARN,
			    "ptr.helo-not-ptr", NULL, NULL,
			    "HELO %s resolves to %s, whose reverse DNS names "
			    "%s: "
			    "give the same name in both",
			    helo, text, ptrs[i].name);
		else
			ea_audit_add(r, "ptr", EMAUTH_AUDIT_PASS, "ptr.helo",
			    NULL, NULL, "HELO %s resolves to %s", helo, text);
	}
}

/* @ipt in each blocklist zone. */
static void
host_dnsbl(struct emauth_ctx *ctx, const char *ipt,
    const struct emauth_audit_opts *o, struct emauth_audit_report *r)
{
	const char *const *zones = o->dnsbl ? o->dnsbl : dnsbl_default;
	size_t nz = o->dnsbl ? o->ndnsbl : EA_ARRAY_LEN(dnsbl_default);
	struct ea_resolver *res = ea_ctx_resolver(ctx);
	struct ea_ip addr;
	char rev[128], name[400];
	if (res == NULL || ea_ip_parse(ea_span_str(ipt), true, &addr) != 0)
		return;
	ea_ip_reverse_name(&addr, rev, sizeof(rev));
	/* "4.3.2.1.in-addr.arpa" -> "4.3.2.1", nibbles likewise. */
	size_t rl = strlen(rev);
	const char *suffix = addr.family == 4 ? ".in-addr.arpa" : ".ip6.arpa";
	size_t sl = strlen(suffix);
	if (rl <= sl)
		return;
	for (size_t z = 0; z < nz; z++) {
		struct ea_dns_budget b;
		struct ea_dns_answer ans;
		int w = snprintf(name, sizeof(name), "%.*s.%s", (int)(rl - sl),
		    rev, zones[z]);
		if (w < 0 || (size_t)w >= sizeof(name))
			continue; /* not a name: nothing to ask */
		memset(&b, 0, sizeof(b));
		b.max_queries = 1;
		ea_dns_budget_start(&b, res);
		if (ea_dns_query(res, &b, name, EA_DNS_T_A, &ans) != 0) {
			r->lost++;
			continue;
		}
		/* 127.0.0.0/8 is a listing; 127.255.255.x is the list's
		 * refusal (queries through a public resolver, over quota). */
		bool listed = false, refused = false;
		for (size_t i = 0; i < ans.n; i++) {
			struct ea_ip a;
			if (ea_dns_addr(&ans.rr[i], &a) != 0 || a.family != 4)
				continue;
			if (a.a[0] == 127 && a.a[1] == 255 && a.a[2] == 255)
				refused = true;
			else if (a.a[0] == 127)
				listed = true;
		}
		if (ans.status == EA_DNS_TEMPFAIL)
			ea_audit_add(r, "ptr", EMAUTH_AUDIT_WARN,
			    "ptr.dnsbl-error", NULL, NULL,
			    "%s: the blocklist %s could not be asked (DNS "
			    "error)",
			    ipt, zones[z]);
		else if (listed)
			ea_audit_add(r, "ptr", EMAUTH_AUDIT_FAIL,
			    "ptr.dnsbl-listed", NULL, NULL,
			    "%s is listed on %s: receivers that use it refuse "
			    "mail from it; ask the list for removal (its web "
			    "site says how) once the cause is gone",
			    ipt, zones[z]);
		else if (refused)
			ea_audit_add(r, "ptr", EMAUTH_AUDIT_INFO,
			    "ptr.dnsbl-refused", NULL, NULL,
			    "%s: the blocklist %s refused the query (it does "
			    "not "
			    "answer queries through public resolvers): not "
			    "known",
			    ipt, zones[z]);
		else
			ea_audit_add(r, "ptr", EMAUTH_AUDIT_PASS,
			    "ptr.dnsbl-clean", NULL, NULL,
			    "%s is not listed on %s", ipt, zones[z]);
		ea_dns_answer_release(&ans);
	}
}

void
ea_audit_ptr(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *o, const struct emauth_mx_info *mx,
    struct emauth_audit_report *r)
{
	struct emauth_iprev_result *ptrs =
	    ea_calloc(o->nips ? o->nips : 1, sizeof(*ptrs));
	if (ptrs == NULL) {
		r->lost++;
		return;
	}
	for (size_t i = 0; i < o->nips; i++) {
		const char *ipt = o->ips[i];
		if (emauth_iprev_check(ctx, ipt, &ptrs[i]) != 0) {
			ea_audit_add(r, "ptr", EMAUTH_AUDIT_FAIL,
			    "ptr.not-an-ip", NULL, NULL,
			    "'%s' is not an IP address", ipt);
			continue;
		}
		host_ptr(domain, ipt, o->helo, r, &ptrs[i]);
		struct emauth_spf_query q;
		struct emauth_spf_result s;
		char sender[300];
		ea_fmt(sender, sizeof(sender), "postmaster@%s", domain);
		memset(&q, 0, sizeof(q));
		q.ip = ipt;
		q.mail_from = sender;
		if (emauth_spf_check_host(ctx, &q, &s) == 0) {
			bool pass = s.result == EMAUTH_RES_PASS;
			/* The record with the address added, and the one it
			 * replaces; none when the record cannot be read. */
			struct ea_ip addr;
			char term[80], *fix = ea_malloc(EA_AUDIT_FIX_MAX),
			               *del = ea_malloc(EA_AUDIT_FIX_MAX);
			const struct emauth_spf_node *root = &r->spf.nodes[0];
			bool made = false;
			if (!pass && fix && del &&
			    ea_ip_parse(ea_span_str(ipt), true, &addr) == 0 &&
			    (r->spf.has_record ||
			        strcmp(root->problem, "no SPF record") == 0)) {
				char text[64];
				ea_ip_format(&addr, text, sizeof(text));
				ea_fmt(term, sizeof(term), "ip%c:%s",
				    addr.family == 4 ? '4' : '6', text);
				made = ea_audit_spf_with(domain, root->record,
				    term, fix, del, EA_AUDIT_FIX_MAX);
			}
			ea_audit_add(r, "ptr",
			    pass ? EMAUTH_AUDIT_PASS : EMAUTH_AUDIT_FAIL,
			    pass ? "ptr.spf-pass" : "ptr.spf-not-pass",
			    made ? fix : NULL, made && del[0] ? del : NULL,
			    "SPF for %s from %s: %s", domain, ipt,
			    emauth_result_name(s.result));
			ea_free(fix);
			ea_free(del);
		}
		host_dnsbl(ctx, ipt, o, r);
	}
	if (o->helo && o->helo[0])
		host_helo(ctx, o->helo, o->ips, ptrs, o->nips, r);
	ea_free(ptrs);
	for (unsigned i = 0; i < mx->n; i++) {
		const struct emauth_mx_host *h = &mx->hosts[i];
		for (unsigned k = 0; k < h->naddrs && k < 2; k++) {
			struct emauth_iprev_result ip;
			if (emauth_iprev_check(ctx, h->addrs[k], &ip) != 0)
				continue;
			bool pass = ip.result == EMAUTH_RES_PASS;
			ea_audit_add(r, "ptr",
			    pass ? EMAUTH_AUDIT_PASS : EMAUTH_AUDIT_WARN,
			    pass ? "ptr.mx-confirmed" : "ptr.mx-not-confirmed",
			    NULL, NULL, "MX host %s (%s): %s", h->name,
			    h->addrs[k], ip.reason);
		}
		if (h->naddrs_total > 2)
			ea_audit_add(r, "ptr", EMAUTH_AUDIT_INFO,
			    "ptr.mx-addresses-skipped", NULL, NULL,
			    "MX host %s: reverse DNS checked for the first 2 "
			    "of its %u addresses",
			    h->name, h->naddrs_total);
	}
}
