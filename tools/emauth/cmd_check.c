/*
 * cmd_check.c: "emauth check DOMAIN": the domain audit. SPF (the whole
 * include tree with its lookup counts), DMARC (RFC 9989 discovery, each
 * tag, report destinations, what a Public Suffix List receiver would find),
 * DKIM (the given selectors, or a probe of common ones), MX (null MX,
 * exchanges that do not resolve, CNAMEs, IP literals) and reverse DNS (for
 * the given sending addresses, with their SPF authorization, and for the MX
 * hosts). Each check has an area, a status (pass, warn, fail, info), a
 * one-line finding, and, when something is wrong, the record to publish.
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include <emauth/dkim.h>
#include <emauth/dmarc.h>
#include <emauth/iprev.h>
#include <emauth/mx.h>
#include <emauth/spf.h>

#include "cli.h"

static const char help[] =
    "usage: emauth check DOMAIN [--selector S]... [--ip IP]... [--dns SPEC]\n"
    "                    [--expect FILE] [--save-zone FILE] [--json]\n"
    "                    [--no-color]\n"
    "\n"
    "Audits the mail authentication records of DOMAIN: SPF (the include\n"
    "tree and its DNS lookup count), DMARC, DKIM (the selectors given, or a\n"
    "probe of common ones), MX, and reverse DNS of the sending addresses\n"
    "given with --ip (and whether SPF authorizes them) and of the MX hosts.\n"
    "Every finding has a status (pass, warn, fail, info) and, when something\n"
    "is wrong, the record to publish. Use --dns zone:FILE,... to check a\n"
    "planned change offline before publishing it. --expect FILE checks\n"
    "what a sending platform requires (docs/expect.md). --save-zone FILE\n"
    "writes every DNS answer the run used as a master file, to replay it\n"
    "offline (--dns zone:FILE), attach it to a ticket, or edit it to try a\n"
    "fix. --dns-stats prints the DNS queries made; --no-dns-cache turns\n"
    "emauth's answer cache off (the system back end).\n"
    "\n"
    "Exit status: 0 when nothing fails (warnings allowed), 1 when something\n"
    "fails, 2 for bad usage or when DNS could not be reached at all.\n";

static const char *const probe_selectors[] = {"default", "selector1",
    "selector2", "google", "k1", "s1", "s2", "mail", "dkim", NULL};

/* Room for a whole SPF record (4,096 bytes) in a message, and for the
 * record to publish made from it in a fix. */
#define CHECK_MESSAGE_MAX 4608
#define CHECK_FIX_MAX 5120

struct check {
	const char *area, *status;
	char message[CHECK_MESSAGE_MAX];
	char fix[CHECK_FIX_MAX];
	json_object *extra; /* the SPF lookup tree */
};

/* The checks of one report, grown as they come, so none is dropped. The
 * ones that could not be kept (out of memory) are counted in lost, and a
 * report that lost any fails ("report truncated"). */
struct report {
	struct check *v;
	size_t n, cap;
	size_t lost;
};

static struct check *add(struct report *r, const char *area, const char *status,
    const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Adds a check; returns it (valid until the next add), or NULL when it
 * could not be kept (counted in r->lost). */
static struct check *
add(struct report *r, const char *area, const char *status, const char *fix,
    const char *fmt, ...)
{
	va_list ap;
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct check *v = realloc(r->v, cap * sizeof(*v));
		if (v == NULL) {
			r->lost++;
			return NULL;
		}
		r->v = v;
		r->cap = cap;
	}
	struct check *c = &r->v[r->n++];
	memset(c, 0, sizeof(*c));
	c->area = area;
	c->status = status;
	va_start(ap, fmt);
	int len = vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	/* A message cut for room says so; a fix is never cut (a partial
	 * record to publish would be worse than none). */
	if (len < 0 || (size_t)len >= sizeof(c->message))
		memcpy(c->message + sizeof(c->message) - 4, "...", 4);
	if (fix && strlen(fix) < sizeof(c->fix))
		memcpy(c->fix, fix, strlen(fix) + 1);
	else if (fix)
		cli_fmt(c->fix, sizeof(c->fix), "(too long to show)");
	return c;
}

static const char *
sev_status(enum emauth_spf_severity s)
{
	return s == EMAUTH_SPF_FAIL   ? "fail"
	       : s == EMAUTH_SPF_WARN ? "warn"
	                              : "info";
}

static json_object *
tree_json(const struct emauth_spf_audit *a)
{
	json_object *arr = json_object_new_array();
	for (unsigned i = 0; i < a->nnodes; i++) {
		const struct emauth_spf_node *n = &a->nodes[i];
		json_object *o = json_object_new_object();
		json_object_object_add(
		    o, "domain", json_object_new_string(n->domain));
		json_object_object_add(o, "via",
		    n->via[0] ? json_object_new_string(n->via) : NULL);
		json_object_object_add(
		    o, "depth", json_object_new_int((int)n->depth));
		json_object_object_add(o, "record",
		    n->record[0] ? json_object_new_string(n->record) : NULL);
		json_object_object_add(
		    o, "lookups", json_object_new_int((int)n->own_lookups));
		json_object_object_add(o, "total_lookups",
		    json_object_new_int((int)n->total_lookups));
		json_object_object_add(o, "problem",
		    n->problem[0] ? json_object_new_string(n->problem) : NULL);
		json_object_array_add(arr, o);
	}
	return arr;
}

static void
check_spf(struct emauth_ctx *ctx, const char *domain, char **ips, size_t nip,
    struct report *r, struct emauth_spf_audit *a, bool *dns_down)
{
	char fix[1200];
	emauth_spf_audit(ctx, domain, a);
	const struct emauth_spf_node *root = &a->nodes[0];
	if (strncmp(root->problem, "DNS ", 4) == 0)
		*dns_down = true;
	if (a->has_record) {
		bool bad = false;
		for (unsigned i = 0; i < a->nfindings; i++)
			bad |= a->findings[i].severity == EMAUTH_SPF_FAIL;
		/* Past EMAUTH_SPF_AUDIT_NODES records the count is a lower
		 * bound (the audit says so with a failure too). */
		struct check *c = add(r, "spf",
		    a->total_lookups > 10 || a->truncated ? "fail"
		    : bad                                 ? "info"
		                                          : "pass",
		    NULL,
		    "SPF record: \"%s\" (%s%u of 10 DNS lookups across the "
		    "include tree)",
		    root->record, a->truncated ? "at least " : "",
		    a->total_lookups);
		if (c)
			c->extra = tree_json(a);
	}
	if (!a->has_record && strcmp(root->problem, "no SPF record") == 0) {
		/* A record cut short would leave addresses out: no fix
		 * rather than that. */
		char terms[900] = "";
		size_t l = 0;
		int w = 0;
		for (size_t i = 0; i < nip && w >= 0; i++) {
			w = snprintf(terms + l, sizeof(terms) - l, " ip%c:%s",
			    strchr(ips[i], ':') ? '6' : '4', ips[i]);
			if (w < 0 || (size_t)w >= sizeof(terms) - l)
				w = -1;
			else
				l += (size_t)w;
		}
		w = w < 0 ? -1
		          : snprintf(fix, sizeof(fix),
		                "%s.\tIN\tTXT\t\"v=spf1 mx%s -all\"", domain,
		                terms);
		if (w < 0 || (size_t)w >= sizeof(fix))
			fix[0] = '\0';
	} else {
		fix[0] = '\0';
	}
	for (unsigned i = 0; i < a->nfindings; i++) {
		const struct emauth_spf_finding *f = &a->findings[i];
		add(r, "spf", sev_status(f->severity),
		    i == 0 && fix[0] ? fix : NULL, "%s", f->text);
	}
}

static void
check_dmarc(struct emauth_ctx *ctx, const char *domain, struct report *r,
    bool *dns_down)
{
	struct emauth_dmarc_discovery *d = malloc(sizeof(*d));
	struct emauth_dmarc_discovery *l = malloc(sizeof(*l));
	char fix[1200];
	if (d == NULL || l == NULL)
		goto out;
	if (emauth_dmarc_discover(ctx, domain, EMAUTH_DMARC_RFC9989, d) != 0) {
		add(r, "dmarc", "fail", NULL, "%s is not a domain name",
		    domain);
		goto out;
	}
	if (d->result == EMAUTH_RES_TEMPERROR) {
		*dns_down = true;
		add(r, "dmarc", "fail", NULL, "DMARC discovery failed: %s",
		    d->problem);
		goto out;
	}
	if (d->result == EMAUTH_RES_PERMERROR) {
		add(r, "dmarc", "fail", NULL,
		    "%s: receivers treat it as invalid (permerror) and apply "
		    "no policy; shorten it (p=, sp=, rua= and a few report "
		    "addresses fit easily)",
		    d->problem);
		goto out;
	}
	const struct emauth_dmarc_record *rec = &d->record;
	if (d->policy_domain[0] == '\0') {
		cli_fmt(fix, sizeof(fix),
		    "_dmarc.%s.\tIN\tTXT\t\"v=DMARC1; p=none; "
		    "rua=mailto:dmarc-reports@%s\"",
		    domain, domain);
		add(r, "dmarc", "fail", fix,
		    "no DMARC record for %s or its parents: Gmail and Yahoo "
		    "require one from bulk senders",
		    domain);
		goto out;
	}
	if (strcasecmp(d->policy_domain, domain) != 0)
		add(r, "dmarc", "info", NULL,
		    "no DMARC record of its own: the record of %s applies "
		    "(%s=%s)",
		    d->policy_domain, d->policy_tag ? d->policy_tag : "p",
		    emauth_dmarc_policy_name(d->policy));
	for (unsigned i = 0; i < rec->nnotes; i++) {
		const struct emauth_dmarc_note *n = &rec->notes[i];
		add(r, "dmarc", n->kind == EMAUTH_DMARC_ERROR ? "fail" : "warn",
		    NULL, "%s", n->text);
	}
	if (d->result == EMAUTH_RES_NONE) {
		cli_fmt(fix, sizeof(fix),
		    "_dmarc.%s.\tIN\tTXT\t\"v=DMARC1; p=none; "
		    "rua=mailto:dmarc-reports@%s\"",
		    d->policy_domain, d->policy_domain);
		add(r, "dmarc", "fail", fix,
		    "the DMARC record of %s sets no policy", d->policy_domain);
		goto out;
	}
	if (d->policy == EMAUTH_DMARC_NONE)
		add(r, "dmarc", "warn", NULL,
		    "%s=none: monitoring only, forged mail is still delivered; "
		    "move to quarantine or reject once the reports show only "
		    "your own mail",
		    d->policy_tag);
	else
		add(r, "dmarc", "pass", NULL, "DMARC policy %s=%s for %s%s",
		    d->policy_tag, emauth_dmarc_policy_name(d->policy), domain,
		    rec->testing ? " (t=y: receivers apply one step less)"
		                 : "");
	if (rec->sp_given && strcasecmp(d->policy_domain, domain) == 0)
		add(r, "dmarc", "info", NULL, "subdomains get sp=%s",
		    emauth_dmarc_policy_name(rec->sp));
	if (rec->rua[0] == '\0')
		add(r, "dmarc", "warn", NULL,
		    "no rua=: you receive no aggregate reports, so you cannot "
		    "see who sends as %s",
		    domain);
	/* External report destinations need consent (RFC 9990). */
	char list[2100];
	cli_fmt(list, sizeof(list), "%s,%s", rec->rua, rec->ruf);
	char *save = NULL;
	for (char *u = strtok_r(list, ",", &save); u;
	     u = strtok_r(NULL, ",", &save)) {
		char *at = strrchr(u, '@');
		if (at == NULL)
			continue;
		const char *dest = at + 1;
		/* RFC 9990: a destination in another organization must
		 * consent; the same Organizational Domain needs nothing. */
		char dorg[256];
		if (emauth_dmarc_org_domain(ctx, dest, EMAUTH_DMARC_RFC9989,
		        dorg, sizeof(dorg)) == 0 &&
		    strcasecmp(dorg, d->org_domain) == 0)
			continue;
		int ok =
		    emauth_dmarc_report_authorized(ctx, d->policy_domain, dest);
		cli_fmt(fix, sizeof(fix),
		    "%s._report._dmarc.%s.\tIN\tTXT\t\"v=DMARC1\"",
		    d->policy_domain, dest);
		if (ok == 1)
			add(r, "dmarc", "pass", NULL,
			    "%s accepts reports for %s", dest,
			    d->policy_domain);
		else
			add(r, "dmarc", "warn", fix,
			    "reports go to %s, which has not authorized them "
			    "(RFC 9990): receivers will not send them there",
			    dest);
	}
	/* What a receiver still on RFC 7489 (the Public Suffix List) finds. */
	if (emauth_dmarc_discover(ctx, domain, EMAUTH_DMARC_RFC7489, l) == 0 &&
	    l->result != EMAUTH_RES_TEMPERROR &&
	    (strcasecmp(l->policy_domain, d->policy_domain) != 0 ||
	        l->policy != d->policy))
		add(r, "dmarc", "info", NULL,
		    "a receiver using the Public Suffix List (RFC 7489) finds "
		    "%s "
		    "instead",
		    l->policy_domain[0] ? l->policy_domain : "no policy");
out:
	free(d);
	free(l);
}

static void
check_dkim(struct emauth_ctx *ctx, const char *domain, char **sels, size_t nsel,
    struct report *r)
{
	bool probe = nsel == 0;
	unsigned found = 0;
	size_t n =
	    probe ? sizeof(probe_selectors) / sizeof(probe_selectors[0]) - 1
	          : nsel;
	char fix[1200];
	for (size_t i = 0; i < n; i++) {
		struct emauth_dkim_key_info k;
		const char *sel = probe ? probe_selectors[i] : sels[i];
		if (emauth_dkim_key_lookup(ctx, sel, domain, &k) != 0) {
			add(r, "dkim", "fail", NULL,
			    "selector '%s' is not a valid name", sel);
			continue;
		}
		if (!k.found) {
			if (probe)
				continue;
			cli_fmt(fix, sizeof(fix),
			    "emauth keygen --domain %s --selector %s   (then "
			    "publish %s.txt), or the CNAME your platform gives",
			    domain, sel, sel);
			add(r, "dkim", "fail", fix, "%s: %s", k.name,
			    k.dns_error ? k.problem : "no key record");
			continue;
		}
		found++;
		char where[400] = "";
		if (k.target[0])
			cli_fmt(where, sizeof(where),
			    " (delegated by CNAME to %s)", k.target);
		if (k.revoked) {
			add(r, "dkim", "warn", NULL,
			    "%s%s: key revoked (empty p=); signatures with it "
			    "fail",
			    k.name, where);
		} else if (!k.usable) {
			add(r, "dkim", "fail", NULL, "%s%s: %s", k.name, where,
			    k.problem);
		} else if (strcmp(k.type, "rsa") == 0 && k.bits < 2048) {
			add(r, "dkim", "warn", NULL,
			    "%s%s: RSA %u bits; use 2048 (emauth keygen)",
			    k.name, where, k.bits);
		} else {
			add(r, "dkim", "pass", NULL, "%s%s: %s key, %u bits",
			    k.name, where, k.type, k.bits);
		}
		if (k.usable && k.testing)
			add(r, "dkim", "warn", NULL,
			    "%s: t=y (testing): receivers may treat failures "
			    "as if unsigned; remove it once signing works",
			    k.name);
		if (k.usable && !k.sha256_ok)
			add(r, "dkim", "fail", NULL,
			    "%s: h= does not allow sha256", k.name);
		if (k.problem[0] && k.usable)
			add(r, "dkim", "warn", NULL, "%s: %s", k.name,
			    k.problem);
	}
	if (probe && found)
		add(r, "dkim", "info", NULL,
		    "probed common selectors: %u found (give --selector for "
		    "the ones you use)",
		    found);
	else if (probe)
		add(r, "dkim", "warn", NULL,
		    "probed common selectors: none found (give --selector: a "
		    "DKIM key cannot be discovered)");
}

/* One MX host; @more is added to a problem. */
static void
mx_host(struct report *r, const struct emauth_mx_host *h, const char *more)
{
	if (h->is_ip_literal)
		add(r, "mx", "fail", NULL,
		    "MX %u %s is an IP address: an MX must name a host%s",
		    h->preference, h->name, more);
	else if (h->is_cname)
		add(r, "mx", "fail", NULL,
		    "MX %u %s is a CNAME: an MX must name the host itself "
		    "(RFC 2181 §10.3)%s",
		    h->preference, h->name, more);
	else if (h->dns_error)
		add(r, "mx", "warn", NULL,
		    "MX %u %s: looking up its addresses failed (DNS error); "
		    "check again%s",
		    h->preference, h->name, more);
	else if (h->naddrs == 0)
		add(r, "mx", "fail", NULL,
		    "MX %u %s does not resolve to an address%s", h->preference,
		    h->name, more);
	else if (h->naddrs_total > 1)
		add(r, "mx", "pass", NULL, "MX %u %s (%s, ... %u addresses)",
		    h->preference, h->name, h->addrs[0], h->naddrs_total);
	else
		add(r, "mx", "pass", NULL, "MX %u %s (%s)", h->preference,
		    h->name, h->addrs[0]);
}

static void
check_mx(struct emauth_ctx *ctx, const char *domain, struct report *r,
    struct emauth_mx_info *mx)
{
	emauth_mx_lookup(ctx, domain, mx);
	if (mx->dns_error) {
		add(r, "mx", "fail", NULL, "the MX lookup for %s failed",
		    domain);
		return;
	}
	if (mx->null_mx) {
		add(r, "mx", "info", NULL,
		    "null MX (RFC 7505): %s accepts no mail", domain);
		return;
	}
	if (mx->n == 0) {
		add(r, "mx", "warn", NULL,
		    "no MX record: mail to %s goes to its address record, and "
		    "bounces and replies to it may be lost; publish an MX, or "
		    "\"%s. IN MX 0 .\" if it takes no mail",
		    domain, domain);
		return;
	}
	for (unsigned i = 0; i < mx->n; i++)
		mx_host(r, &mx->hosts[i], "");
	/* Only the most preferred are listed; every one was examined. */
	if (mx->n_total > mx->n)
		add(r, "mx", "info", NULL,
		    "%u MX hosts, more than %d: the %u most preferred are "
		    "listed, and every one was checked",
		    mx->n_total, EMAUTH_MX_HOSTS_MAX, mx->n);
	if (mx->more_bad) {
		char more[160];
		cli_fmt(more, sizeof(more),
		    " (not listed above: %u of the MX hosts not listed have "
		    "problems, this is the most preferred)",
		    mx->more_bad);
		mx_host(r, &mx->first_more_bad, more);
	}
}

static void
check_ptr(struct emauth_ctx *ctx, const char *domain, char **ips, size_t nip,
    const struct emauth_mx_info *mx, struct report *r)
{
	char fix[1200];
	for (size_t i = 0; i < nip; i++) {
		struct emauth_iprev_result ip;
		if (emauth_iprev_check(ctx, ips[i], &ip) != 0) {
			add(r, "ptr", "fail", NULL, "'%s' is not an IP address",
			    ips[i]);
			continue;
		}
		add(r, "ptr", ip.result == EMAUTH_RES_PASS ? "pass" : "fail",
		    NULL, "%s: %s", ips[i], ip.reason);
		struct emauth_spf_query q;
		struct emauth_spf_result s;
		char sender[300];
		cli_fmt(sender, sizeof(sender), "postmaster@%s", domain);
		memset(&q, 0, sizeof(q));
		q.ip = ips[i];
		q.mail_from = sender;
		if (emauth_spf_check_host(ctx, &q, &s) != 0)
			continue;
		cli_fmt(fix, sizeof(fix), "add ip%c:%s to the SPF record of %s",
		    strchr(ips[i], ':') ? '6' : '4', ips[i], domain);
		add(r, "ptr", s.result == EMAUTH_RES_PASS ? "pass" : "fail",
		    s.result == EMAUTH_RES_PASS ? NULL : fix,
		    "SPF for %s from %s: %s", domain, ips[i],
		    emauth_result_name(s.result));
	}
	for (unsigned i = 0; i < mx->n; i++) {
		const struct emauth_mx_host *h = &mx->hosts[i];
		for (unsigned k = 0; k < h->naddrs && k < 2; k++) {
			struct emauth_iprev_result ip;
			if (emauth_iprev_check(ctx, h->addrs[k], &ip) != 0)
				continue;
			add(r, "ptr",
			    ip.result == EMAUTH_RES_PASS ? "pass" : "warn",
			    NULL, "MX host %s (%s): %s", h->name, h->addrs[k],
			    ip.reason);
		}
		if (h->naddrs_total > 2)
			add(r, "ptr", "info", NULL,
			    "MX host %s: reverse DNS checked for the first 2 "
			    "of its %u addresses",
			    h->name, h->naddrs_total);
	}
}

/*
 * Expectations (--expect FILE): what a sending platform requires of a
 * customer domain, one expectation a line (docs/expect.md):
 *   spf-include HOST          the SPF tree includes HOST
 *   dkim-cname SELECTOR TARGET  SELECTOR._domainkey.DOMAIN is a CNAME to
 *                             TARGET (and a usable key is there)
 *   dmarc [none|quarantine|reject]  a DMARC policy, at least this strict
 *   dmarc-rua mailto:ADDR     the DMARC record sends aggregate reports
 *                             to ADDR
 *   return-path NAME          NAME has an SPF record or an MX
 * "{domain}" in a value stands for the domain checked; "#" starts a
 * comment. Bounded: 64 expectations, lines of 1,000 bytes.
 */
struct expect {
	char kind[16];
	char a[300], b[300];
	unsigned line;
};

/* Replaces "{domain}" in @in; false when the result does not fit (a cut
 * value would name something else). */
static bool
subst(const char *in, const char *domain, char *out, size_t size)
{
	size_t o = 0, dl = strlen(domain);
	for (size_t i = 0; in[i]; i++) {
		const char *p = in + i;
		size_t n = 1;
		if (strncmp(in + i, "{domain}", 8) == 0) {
			p = domain;
			n = dl;
			i += 7;
		}
		if (o + n >= size)
			return false;
		memcpy(out + o, p, n);
		o += n;
	}
	out[o] = '\0';
	return true;
}

/* Where the all term of @rec starts (with its qualifier), or -1: a whole
 * term, never "all" inside a name (include:_spf.smallmail.example). */
static long
all_term(const char *rec)
{
	size_t i = 0;
	while (rec[i]) {
		while (rec[i] == ' ')
			i++;
		size_t start = i, s = i;
		while (rec[i] && rec[i] != ' ')
			i++;
		if (s < i && strchr("+-~?", rec[s]))
			s++;
		if (i - s == 3 && strncasecmp(rec + s, "all", 3) == 0)
			return (long)start;
	}
	return -1;
}

/* Whether the SPF tree reaches the record of node @k through pass
 * includes and redirects only (a "-include:" authorizes nobody). */
static bool
reached_by_pass(const struct emauth_spf_audit *spf, unsigned k)
{
	for (int n = (int)k; n > 0; n = spf->nodes[n].parent) {
		const char *via = spf->nodes[n].via;
		if (via[0] == '+')
			via++;
		if (strncasecmp(via, "include:", 8) != 0 &&
		    strncasecmp(via, "redirect=", 9) != 0)
			return false;
	}
	return true;
}

/* Whether the URI list @list ("a,b", as the DMARC parser keeps it) holds
 * the mailto: URI @want exactly: the scheme and the domain in any case,
 * the local part as written. */
static bool
uri_listed(const char *list, const char *want)
{
	size_t wl = strlen(want);
	const char *wat = strrchr(want, '@');
	if (wat == NULL || wl < 7)
		return false;
	size_t local = (size_t)(wat - want);
	for (const char *p = list; *p;) {
		const char *c = strchr(p, ',');
		size_t l = c ? (size_t)(c - p) : strlen(p);
		if (l == wl && strncasecmp(p, want, 7) == 0 &&
		    memcmp(p + 7, want + 7, local - 7) == 0 &&
		    p[local] == '@' &&
		    memchr(p + local + 1, '@', l - local - 1) == NULL &&
		    strncasecmp(p + local + 1, wat + 1, l - local - 1) == 0)
			return true;
		p += l + (c ? 1 : 0);
	}
	return false;
}

/* Writes "OWNER.<TAB>IN<TAB>TXT<TAB>" and @rec as strings of at most 255
 * bytes (a longer one is not a valid character-string, RFC 1035 §3.3).
 * Returns false when it does not fit in @size: no fix then, never a cut
 * one. */
static bool
txt_fix(char *out, size_t size, const char *owner, const char *rec)
{
	size_t n = strlen(rec), o = 0;
	int w =
	    snprintf(out, size, "%s.\tIN\tTXT\t%s", owner, n > 255 ? "(" : "");
	if (w < 0 || (size_t)w >= size)
		return false;
	o = (size_t)w;
	for (size_t i = 0; i < n || i == 0; i += 255) {
		size_t k = n - i > 255 ? 255 : n - i;
		w = snprintf(out + o, size - o, "%s\"%.*s\"",
		    n > 255 ? " " : "", (int)k, rec + i);
		if (w < 0 || (size_t)w >= size - o)
			return false;
		o += (size_t)w;
	}
	if (n > 255) {
		w = snprintf(out + o, size - o, " )");
		if (w < 0 || (size_t)w >= size - o)
			return false;
	}
	return true;
}

static int
load_expect(const char *path, struct expect *e, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned no = 0;
	if (f == NULL) {
		fprintf(
		    stderr, "emauth check: --expect %s: cannot open\n", path);
		return EXIT_USAGE;
	}
	*n = 0;
	while (fgets(line, sizeof(line), f)) {
		no++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "emauth check: %s:%u: line too long\n",
			    path, no);
			fclose(f);
			return EXIT_USAGE;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		/* Up to four words, each whole: a word longer than its
		 * field is refused, never split or cut. */
		char kind[32] = "", a[300] = "", b[300] = "";
		char *w[4];
		int k = 0;
		for (char *p = line; *p && k < 4;) {
			p += strspn(p, " \t\r\n");
			if (*p == '\0')
				break;
			w[k++] = p;
			p += strcspn(p, " \t\r\n");
			if (*p)
				*p++ = '\0';
		}
		if (k == 0)
			continue;
		size_t cap[3] = {sizeof(kind), sizeof(a), sizeof(b)};
		for (int i = 0; i < k && i < 3; i++)
			if (strlen(w[i]) >= cap[i]) {
				fprintf(stderr,
				    "emauth check: %s:%u: word %d is longer "
				    "than %zu bytes\n",
				    path, no, i + 1, cap[i] - 1);
				fclose(f);
				return EXIT_USAGE;
			}
		cli_fmt(kind, sizeof(kind), "%s", w[0]);
		if (k > 1)
			cli_fmt(a, sizeof(a), "%s", w[1]);
		if (k > 2)
			cli_fmt(b, sizeof(b), "%s", w[2]);
		bool ok = (strcmp(kind, "spf-include") == 0 && k == 2) ||
		          (strcmp(kind, "dkim-cname") == 0 && k == 3) ||
		          (strcmp(kind, "dmarc") == 0 && k <= 2 &&
		              (k == 1 || strcmp(a, "none") == 0 ||
		                  strcmp(a, "quarantine") == 0 ||
		                  strcmp(a, "reject") == 0)) ||
		          (strcmp(kind, "dmarc-rua") == 0 && k == 2 &&
		              strncmp(a, "mailto:", 7) == 0) ||
		          (strcmp(kind, "return-path") == 0 && k == 2);
		if (!ok) {
			fprintf(stderr,
			    "emauth check: %s:%u: not an expectation: '%s' "
			    "(see "
			    "docs/expect.md)\n",
			    path, no, kind);
			fclose(f);
			return EXIT_USAGE;
		}
		if (*n >= 64) {
			fprintf(stderr,
			    "emauth check: %s: more than 64 expectations\n",
			    path);
			fclose(f);
			return EXIT_USAGE;
		}
		struct expect *x = &e[(*n)++];
		cli_fmt(x->kind, sizeof(x->kind), "%s", kind);
		cli_fmt(x->a, sizeof(x->a), "%s", a);
		cli_fmt(x->b, sizeof(x->b), "%s", b);
		x->line = no;
	}
	fclose(f);
	return 0;
}

static int
policy_rank(const char *p)
{
	return strcmp(p, "reject") == 0       ? 3
	       : strcmp(p, "quarantine") == 0 ? 2
	       : strcmp(p, "none") == 0       ? 1
	                                      : 0;
}

static void
check_expect(struct emauth_ctx *ctx, const char *domain, const struct expect *e,
    size_t ne, const struct emauth_spf_audit *spf, struct report *r)
{
	char a[600], b[600], fix[1200];
	struct emauth_dmarc_discovery *d = malloc(sizeof(*d));
	if (d == NULL)
		return;
	if (emauth_dmarc_discover(ctx, domain, EMAUTH_DMARC_RFC9989, d) != 0)
		d->result = EMAUTH_RES_NONE;
	for (size_t i = 0; i < ne; i++) {
		if (!subst(e[i].a, domain, a, sizeof(a)) ||
		    !subst(e[i].b, domain, b, sizeof(b))) {
			add(r, "expect", "fail", NULL,
			    "the expectation of line %u is too long once "
			    "{domain} is replaced",
			    e[i].line);
			continue;
		}
		if (strcmp(e[i].kind, "spf-include") == 0) {
			bool found = false;
			for (unsigned k = 1; k < spf->nnodes; k++) {
				const char *via = spf->nodes[k].via;
				via += via[0] == '+';
				found |= strncasecmp(via, "include:", 8) == 0 &&
				         strcasecmp(via + 8, a) == 0 &&
				         reached_by_pass(spf, k);
			}
			if (found) {
				add(r, "expect", "pass", NULL,
				    "the SPF record includes %s", a);
				continue;
			}
			/* The record (kept whole by the audit) with the
			 * include added before its all term, or at the end. */
			const char *rec = spf->nodes[0].record;
			char nrec[EMAUTH_SPF_RECORD_MAX + 700];
			long at = rec[0] ? all_term(rec) : -1;
			if (!rec[0])
				cli_fmt(nrec, sizeof(nrec),
				    "v=spf1 include:%s -all", a);
			else if (at >= 0)
				cli_fmt(nrec, sizeof(nrec), "%.*sinclude:%s %s",
				    (int)at, rec, a, rec + at);
			else
				cli_fmt(nrec, sizeof(nrec), "%s include:%s",
				    rec, a);
			char sfix[CHECK_FIX_MAX];
			bool fits = strlen(nrec) <= EMAUTH_SPF_RECORD_MAX &&
			            txt_fix(sfix, sizeof(sfix), domain, nrec);
			add(r, "expect", "fail", fits ? sfix : NULL,
			    "the SPF record must include %s%s", a,
			    fits ? ""
			         : " (with it the record is longer than "
			           "receivers read: make room first)");
		} else if (strcmp(e[i].kind, "dkim-cname") == 0) {
			struct emauth_dkim_key_info k;
			emauth_dkim_key_lookup(ctx, a, domain, &k);
			cli_fmt(fix, sizeof(fix),
			    "%s._domainkey.%s.\tIN\tCNAME\t%s.", a, domain, b);
			if (strcasecmp(k.target, b) == 0 && k.usable)
				add(r, "expect", "pass", NULL,
				    "%s is delegated to %s", k.name, b);
			else if (strcasecmp(k.target, b) == 0)
				add(r, "expect", "fail", NULL,
				    "%s points to %s, which holds no usable "
				    "key: %s",
				    k.name, b, k.problem);
			else
				add(r, "expect", "fail", fix,
				    "%s must be a CNAME to %s%s%s", k.name, b,
				    k.target[0] ? "; it points to " : "",
				    k.target);
		} else if (strcmp(e[i].kind, "dmarc") == 0) {
			int want = a[0] ? policy_rank(a) : 1;
			int have = d->result == EMAUTH_RES_PASS
			               ? policy_rank(emauth_dmarc_policy_name(
			                     d->policy))
			               : 0;
			cli_fmt(fix, sizeof(fix),
			    "_dmarc.%s.\tIN\tTXT\t\"v=DMARC1; p=%s\"", domain,
			    a[0] ? a : "none");
			if (have >= want)
				add(r, "expect", "pass", NULL,
				    "a DMARC policy applies (%s)",
				    emauth_dmarc_policy_name(d->policy));
			else
				add(r, "expect", "fail", fix,
				    "a DMARC policy of at least %s is "
				    "required%s%s",
				    a[0] ? a : "none", have ? "; it is " : "",
				    have ? emauth_dmarc_policy_name(d->policy)
				         : "");
		} else if (strcmp(e[i].kind, "dmarc-rua") == 0) {
			bool found =
			    d->policy_domain[0] && uri_listed(d->record.rua, a);
			if (found)
				add(r, "expect", "pass", NULL,
				    "aggregate reports go to %s", a);
			else
				add(r, "expect", "fail", NULL,
				    "the DMARC record must send aggregate "
				    "reports "
				    "to %s (add it to rua=)",
				    a);
		} else if (strcmp(e[i].kind, "return-path") == 0) {
			struct emauth_spf_audit *ra = malloc(sizeof(*ra));
			struct emauth_mx_info *mx = malloc(sizeof(*mx));
			bool ok = false;
			if (ra && mx) {
				emauth_spf_audit(ctx, a, ra);
				emauth_mx_lookup(ctx, a, mx);
				ok = ra->has_record || mx->n > 0;
			}
			cli_fmt(fix, sizeof(fix),
			    "%s.\tIN\tTXT\t\"v=spf1 include:... -all\"  (the "
			    "platform's SPF host), or the CNAME the platform "
			    "gives",
			    a);
			if (ok)
				add(r, "expect", "pass", NULL,
				    "the return path %s has %s", a,
				    ra->has_record ? "an SPF record" : "an MX");
			else
				add(r, "expect", "fail", fix,
				    "the return path %s needs an SPF record or "
				    "an MX",
				    a);
			free(ra);
			free(mx);
		}
	}
	free(d);
}

static void
print_text(const char *domain, const struct report *r, bool color,
    const char *verdict, const char *provider)
{
	const char *areas[] = {
	    "spf", "dmarc", "dkim", "mx", "ptr", "expect", NULL};
	printf("emauth check %s\n", domain);
	for (int a = 0; areas[a]; a++) {
		bool head = false;
		for (size_t i = 0; i < r->n; i++) {
			const struct check *c = &r->v[i];
			if (strcmp(c->area, areas[a]) != 0)
				continue;
			if (!head) {
				printf("\n%s\n", areas[a]);
				head = true;
			}
			const char *col = "";
			if (color)
				col = strcmp(c->status, "fail") == 0
				          ? "\033[31m"
				      : strcmp(c->status, "warn") == 0
				          ? "\033[33m"
				      : strcmp(c->status, "pass") == 0
				          ? "\033[32m"
				          : "";
			printf("  %s%-4s%s  %s\n", col, c->status,
			    color && col[0] ? "\033[0m" : "", c->message);
			if (c->fix[0])
				printf("        fix: %s\n", c->fix);
		}
	}
	if (r->lost)
		printf("\nreport truncated: %zu more checks could not be kept "
		       "(out of memory), counted as failures\n",
		    r->lost);
	printf("\nverdict: %s\n%s\n", verdict, provider);
}

int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"selector", required_argument, NULL, 's'},
	    {"ip", required_argument, NULL, 'i'},
	    {"dns", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"no-color", no_argument, NULL, 'C'},
	    {"expect", required_argument, NULL, 'e'},
	    {"save-zone", required_argument, NULL, 'z'},
	    {"dns-stats", no_argument, NULL, 'S'},
	    {"no-dns-cache", no_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	char *sels[16], *ips[16];
	size_t nsel = 0, nip = 0;
	const char *dns = NULL, *expect_file = NULL, *save_zone = NULL;
	bool json = false, nocolor = false, stats = false, nocache = false;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (nsel == 16)
				return cli_usage_error(
				    "check", "at most 16 selectors");
			sels[nsel++] = optarg;
			break;
		case 'i':
			if (nip == 16)
				return cli_usage_error(
				    "check", "at most 16 addresses");
			ips[nip++] = optarg;
			break;
		case 'd':
			dns = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'C':
			nocolor = true;
			break;
		case 'e':
			expect_file = optarg;
			break;
		case 'z':
			save_zone = optarg;
			break;
		case 'S':
			stats = true;
			break;
		case 'c':
			nocache = true;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("check", c, argv);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("check", "give exactly one DOMAIN");
	/* RFC 1035 §2.3.4: at most 253 characters (without the final dot);
	 * a longer argument is refused, never cut into another name. */
	char domain[256];
	size_t dl = strlen(argv[optind]);
	if (dl && argv[optind][dl - 1] == '.')
		dl--;
	if (dl > 253)
		return cli_usage_error("check",
		    "'%.64s...' is not a domain name (%zu characters; at most "
		    "253)",
		    argv[optind], dl);
	memcpy(domain, argv[optind], dl);
	domain[dl] = '\0';
	if (dl == 0 || strchr(domain, ' ') || strchr(domain, '@'))
		return cli_usage_error(
		    "check", "'%s' is not a domain name", argv[optind]);

	static struct expect expects[64];
	size_t nexpect = 0;
	if (expect_file &&
	    (rc = load_expect(expect_file, expects, &nexpect)) != 0)
		return rc;

	struct emauth_ctx *ctx;
	if (emauth_ctx_new(&ctx) != 0)
		return EXIT_USAGE;
	if (dns && (rc = cli_set_dns("check", ctx, dns)) != 0) {
		emauth_ctx_free(ctx);
		return rc;
	}
	if (nocache)
		emauth_ctx_set_dns_cache(ctx, 0);
	if (save_zone && emauth_ctx_record_dns(ctx) != 0) {
		fprintf(stderr, "emauth check: DNS could not be reached\n");
		emauth_ctx_free(ctx);
		return EXIT_USAGE;
	}
	struct report *r = calloc(1, sizeof(*r));
	struct emauth_spf_audit *a = malloc(sizeof(*a));
	struct emauth_mx_info *mx = malloc(sizeof(*mx));
	if (r == NULL || a == NULL || mx == NULL) {
		emauth_ctx_free(ctx);
		return EXIT_USAGE;
	}
	bool spf_down = false, dmarc_down = false;
	check_spf(ctx, domain, ips, nip, r, a, &spf_down);
	check_dmarc(ctx, domain, r, &dmarc_down);
	check_dkim(ctx, domain, sels, nsel, r);
	check_mx(ctx, domain, r, mx);
	check_ptr(ctx, domain, ips, nip, mx, r);
	check_expect(ctx, domain, expects, nexpect, a, r);

	/* Checks that could not be kept count as failures: a truncated
	 * report never passes. */
	unsigned counts[4] = {0, 0, (unsigned)r->lost, 0}; /* pass warn fail
	                                                      info */
	bool spf_ok = a->has_record && a->total_lookups <= 10 &&
	              !a->truncated && r->lost == 0;
	for (size_t i = 0; i < r->n; i++) {
		const char *s = r->v[i].status;
		counts[strcmp(s, "pass") == 0   ? 0
		       : strcmp(s, "warn") == 0 ? 1
		       : strcmp(s, "fail") == 0 ? 2
		                                : 3]++;
		if (strcmp(r->v[i].area, "spf") == 0 && strcmp(s, "fail") == 0)
			spf_ok = false;
	}
	const char *verdict = counts[2] ? "fail" : counts[1] ? "warn" : "pass";
	char provider[600];
	bool has_dmarc = false, enforcing = false;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->v[i].area, "dmarc") == 0 &&
		    strncmp(r->v[i].message, "DMARC policy ", 13) == 0) {
			has_dmarc = true;
			enforcing = true;
		} else if (strcmp(r->v[i].area, "dmarc") == 0 &&
		           strstr(r->v[i].message, "=none: monitoring only")) {
			has_dmarc = true;
		}
	if (!spf_ok && !has_dmarc)
		cli_fmt(provider, sizeof(provider),
		    "A major mailbox provider would treat mail from %s as "
		    "unauthenticated: without working SPF and a DMARC record, "
		    "bulk mail is rejected (550 5.7.26) and forgeries are not "
		    "stopped.",
		    domain);
	else if (!has_dmarc)
		cli_fmt(provider, sizeof(provider),
		    "A major mailbox provider would accept signed or "
		    "SPF-passing "
		    "mail from %s but reject bulk mail for want of a DMARC "
		    "record, and forgeries are not stopped.",
		    domain);
	else if (!spf_ok)
		cli_fmt(provider, sizeof(provider),
		    "A major mailbox provider would rely on DKIM alone for %s: "
		    "its SPF does not work, so mail that is not signed fails "
		    "DMARC.",
		    domain);
	else if (enforcing)
		cli_fmt(provider, sizeof(provider),
		    "A major mailbox provider would deliver authenticated mail "
		    "from %s and refuse forgeries under its DMARC policy.",
		    domain);
	else
		cli_fmt(provider, sizeof(provider),
		    "A major mailbox provider would deliver authenticated mail "
		    "from %s, and forgeries too: the DMARC policy is none.",
		    domain);

	if (json) {
		json_object *o = json_object_new_object();
		json_object_object_add(
		    o, "domain", json_object_new_string(domain));
		json_object *arr = json_object_new_array();
		for (size_t i = 0; i < r->n; i++) {
			json_object *e = json_object_new_object();
			json_object_object_add(
			    e, "area", json_object_new_string(r->v[i].area));
			json_object_object_add(e, "status",
			    json_object_new_string(r->v[i].status));
			json_object_object_add(e, "message",
			    json_object_new_string(r->v[i].message));
			json_object_object_add(e, "fix",
			    r->v[i].fix[0] ? json_object_new_string(r->v[i].fix)
			                   : NULL);
			if (r->v[i].extra)
				json_object_object_add(
				    e, "lookup_tree", r->v[i].extra);
			json_object_array_add(arr, e);
		}
		json_object_object_add(o, "checks", arr);
		json_object *s = json_object_new_object();
		json_object_object_add(
		    s, "pass", json_object_new_int((int)counts[0]));
		json_object_object_add(
		    s, "warn", json_object_new_int((int)counts[1]));
		json_object_object_add(
		    s, "fail", json_object_new_int((int)counts[2]));
		json_object_object_add(
		    s, "info", json_object_new_int((int)counts[3]));
		json_object_object_add(
		    s, "verdict", json_object_new_string(verdict));
		if (r->lost)
			json_object_object_add(s, "report_truncated",
			    json_object_new_int64((int64_t)r->lost));
		json_object_object_add(
		    s, "mailbox_providers", json_object_new_string(provider));
		json_object_object_add(o, "summary", s);
		puts(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		for (size_t i = 0; i < r->n; i++)
			if (r->v[i].extra) {
				json_object_put(r->v[i].extra);
				r->v[i].extra = NULL;
			}
		print_text(domain, r, !nocolor && isatty(STDOUT_FILENO),
		    verdict, provider);
		/* The lookup tree, indented by depth. */
		if (a->nnodes > 1) {
			printf("\nSPF lookup tree (DNS-querying terms: own / "
			       "with branches)\n");
			for (unsigned i = 0; i < a->nnodes; i++) {
				const struct emauth_spf_node *n = &a->nodes[i];
				printf("  %*s%s%s%s  %u / %u%s%s\n",
				    (int)(2 * n->depth), "",
				    n->via[0] ? n->via : n->domain,
				    n->via[0] ? " -> " : "",
				    n->via[0] ? n->domain : "", n->own_lookups,
				    n->total_lookups, n->problem[0] ? "  " : "",
				    n->problem);
			}
		}
	}
	rc = spf_down && dmarc_down ? EXIT_USAGE : counts[2] ? 1 : 0;
	if (stats) {
		unsigned long asked, sent;
		emauth_ctx_dns_stats(ctx, &asked, &sent);
		fprintf(stderr,
		    "emauth check: DNS: %lu queries asked, %lu past the answer "
		    "cache\n",
		    asked, sent);
	}
	if (save_zone) {
		struct emauth_diag zd;
		char msg[600];
		memset(&zd, 0, sizeof(zd));
		if (emauth_ctx_save_zone(ctx, save_zone, &zd) != 0) {
			fprintf(stderr, "emauth check: --save-zone %s: %s\n",
			    save_zone,
			    zd.msg ? emauth_diag_format(&zd, msg, sizeof(msg))
			           : "cannot write");
			rc = EXIT_USAGE;
		}
	}
	if (rc == EXIT_USAGE)
		fprintf(stderr, "emauth check: DNS could not be reached\n");
	free(r->v);
	free(r);
	free(a);
	free(mx);
	emauth_ctx_free(ctx);
	return rc;
}
