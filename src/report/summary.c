/*
 * summary.c: what the imported aggregate reports say, per policy domain:
 * volume, DMARC pass rate, SPF and DKIM alignment, the dispositions
 * receivers applied, and the sources that send as the domain, grouped by a
 * map of known senders (DKIM and SPF domains, reverse DNS, addresses), else
 * by the reverse-DNS base domain of the address, else the address; with
 * what each passes and fails, and the readiness for p=reject.
 */
#include "common/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <emauth/dmarc.h>
#include <emauth/iprev.h>

#include "common/alloc.h"
#include "common/ip.h"
#include "common/span.h"
#include "report/report.h"
#include "report/store.h"

#define MAP_LINES_MAX 2000
#define MAP_RULES_MAX 32

enum rule_kind { R_DKIM, R_SPF, R_RDNS, R_IP };

struct rule {
	enum rule_kind kind;
	char value[256];
	struct ea_ip net;
	unsigned bits;
};

struct sender {
	char name[128];
	char fix[256];
	struct rule rules[MAP_RULES_MAX];
	unsigned nrules;
};

struct map {
	struct sender *v;
	size_t n;
};

static void
trim(char *s)
{
	size_t n = strlen(s), i = 0;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
}

/* "ADDR" or "ADDR/BITS". */
static int
parse_cidr(const char *v, struct ea_ip *net, unsigned *bits)
{
	const char *slash = strchr(v, '/');
	size_t al = slash ? (size_t)(slash - v) : strlen(v);
	if (ea_ip_parse(ea_span(v, al), true, net) != 0)
		return EMAUTH_ESYNTAX;
	unsigned max = net->family == 4 ? 32 : 128, b = 0;
	if (slash == NULL) {
		*bits = max;
		return 0;
	}
	const char *d = slash + 1;
	size_t n = strlen(d);
	if (n == 0 || n > 3)
		return EMAUTH_ESYNTAX;
	for (size_t i = 0; i < n; i++) {
		if (!ea_is_digit((uint8_t)d[i]))
			return EMAUTH_ESYNTAX;
		b = b * 10 + (unsigned)(d[i] - '0');
	}
	if (b > max)
		return EMAUTH_ESYNTAX;
	*bits = b;
	return 0;
}

static int
map_parse(struct emauth_span text, struct map *m, char *err, size_t errsize)
{
	size_t pos = 0;
	unsigned lineno = 0;
	while (pos < text.len) {
		const uint8_t *nl = memchr(text.p + pos, '\n', text.len - pos);
		size_t len =
		    nl ? (size_t)(nl - (text.p + pos)) : text.len - pos;
		lineno++;
		char line[1024];
		if (len >= sizeof(line)) {
			ea_fmt(err, errsize,
			    "senders map line %u: longer than %zu bytes",
			    lineno, sizeof(line) - 1);
			return EMAUTH_ESYNTAX;
		}
		memcpy(line, text.p + pos, len);
		line[len] = '\0';
		pos += len + 1;
		if (memchr(line, '\0', len)) {
			ea_fmt(err, errsize, "senders map line %u: a NUL byte",
			    lineno);
			return EMAUTH_ESYNTAX;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		trim(line);
		if (line[0] == '\0')
			continue;
		char *bar1 = strchr(line, '|');
		char *bar2 = bar1 ? strchr(bar1 + 1, '|') : NULL;
		if (bar1 == NULL || bar2 == NULL) {
			ea_fmt(err, errsize,
			    "senders map line %u: not NAME|RULES|FIX", lineno);
			return EMAUTH_ESYNTAX;
		}
		*bar1 = *bar2 = '\0';
		if (m->n == MAP_LINES_MAX) {
			ea_fmt(err, errsize,
			    "senders map: more than %d senders", MAP_LINES_MAX);
			return EMAUTH_ELIMIT;
		}
		struct sender *sd = &m->v[m->n];
		memset(sd, 0, sizeof(*sd));
		trim(line);
		trim(bar1 + 1);
		trim(bar2 + 1);
		size_t namelen = strlen(line); /* after the trim: may be 0 */
		if (namelen == 0 || namelen >= sizeof(sd->name) ||
		    strlen(bar2 + 1) >= sizeof(sd->fix)) {
			ea_fmt(err, errsize,
			    "senders map line %u: an empty or too long name or "
			    "fix",
			    lineno);
			return EMAUTH_ESYNTAX;
		}
		ea_copy_str(sd->name, sizeof(sd->name), line);
		ea_copy_str(sd->fix, sizeof(sd->fix), bar2 + 1);
		char *r = bar1 + 1;
		while (*r) {
			size_t rl = strcspn(r, ", \t");
			if (rl == 0) {
				r++;
				continue;
			}
			char one[300];
			if (rl >= sizeof(one) || sd->nrules == MAP_RULES_MAX) {
				ea_fmt(err, errsize,
				    "senders map line %u: a rule too long, or "
				    "more than %d rules",
				    lineno, MAP_RULES_MAX);
				return EMAUTH_ESYNTAX;
			}
			memcpy(one, r, rl);
			one[rl] = '\0';
			r += rl;
			struct rule *ru = &sd->rules[sd->nrules];
			char *colon = strchr(one, ':');
			if (colon == NULL || colon[1] == '\0') {
				ea_fmt(err, errsize,
				    "senders map line %u: rule \"%.60s\" is "
				    "not "
				    "KIND:VALUE",
				    lineno, one);
				return EMAUTH_ESYNTAX;
			}
			*colon = '\0';
			const char *v = colon + 1;
			if (strcmp(one, "dkim") == 0)
				ru->kind = R_DKIM;
			else if (strcmp(one, "spf") == 0)
				ru->kind = R_SPF;
			else if (strcmp(one, "rdns") == 0)
				ru->kind = R_RDNS;
			else if (strcmp(one, "ip") == 0) {
				ru->kind = R_IP;
				if (parse_cidr(v, &ru->net, &ru->bits) != 0) {
					ea_fmt(err, errsize,
					    "senders map line %u: \"%.60s\" is "
					    "not an address or network",
					    lineno, v);
					return EMAUTH_ESYNTAX;
				}
			} else {
				ea_fmt(err, errsize,
				    "senders map line %u: unknown rule kind "
				    "\"%.20s\" (dkim, spf, rdns, ip)",
				    lineno, one);
				return EMAUTH_ESYNTAX;
			}
			for (size_t i = 0; v[i] && i + 1 < sizeof(ru->value);
			     i++)
				ru->value[i] = (char)ea_lower((uint8_t)v[i]);
			sd->nrules++;
		}
		if (sd->nrules == 0) {
			ea_fmt(err, errsize, "senders map line %u: no rule",
			    lineno);
			return EMAUTH_ESYNTAX;
		}
		m->n++;
	}
	return 0;
}

/* Whether @name is @dom or a name under it. */
static bool
under(const char *name, const char *dom)
{
	size_t n = strlen(name), d = strlen(dom);
	if (d == 0 || n < d || strcasecmp(name + n - d, dom) != 0)
		return false;
	return n == d || name[n - d - 1] == '.';
}

/* The first field of each line of @lines ("a TAB b TAB c" lines). */
static bool
any_domain_under(const char *lines, const char *dom)
{
	for (const char *p = lines; *p;) {
		size_t l = strcspn(p, "\t\n");
		char d[256];
		if (l < sizeof(d)) {
			memcpy(d, p, l);
			d[l] = '\0';
			if (under(d, dom))
				return true;
		}
		p = strchr(p, '\n');
		if (p == NULL)
			break;
		p++;
	}
	return false;
}

/* Whether some line's third field is "pass". */
static bool
any_pass(const char *lines)
{
	for (const char *p = lines; *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		const char *t = NULL;
		for (size_t k = l; k > 0 && t == NULL; k--)
			if (p[k - 1] == '\t')
				t = p + k - 1;
		if (t && (size_t)(p + l - (t + 1)) == 4 &&
		    memcmp(t + 1, "pass", 4) == 0)
			return true;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return false;
}

/* A grouped record. */
struct rec {
	char *domain, *ip, *dkim_results, *spf_results;
	unsigned long count;
	bool dkim_al, spf_al, dmarc, dkim_pass, spf_pass;
	char disp;  /* 'n', 'q', 'r' */
	int source; /* index into the sources of its domain */
};

struct rows {
	struct rec *v;
	size_t n, cap;
	int err;
};

static char *
dup(const char *s)
{
	return ea_strndup(s ? s : "", strlen(s ? s : ""));
}

static int
take(void *arg, int n, const char *const *c)
{
	struct rows *r = arg;
	if (n < 8)
		return EMAUTH_EIO;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct rec *v = ea_realloc(r->v, cap * sizeof(*v));
		if (v == NULL)
			return r->err = EMAUTH_ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	struct rec *e = &r->v[r->n];
	memset(e, 0, sizeof(*e));
	e->domain = dup(c[0]);
	e->ip = dup(c[1]);
	e->dkim_results = dup(c[6]);
	e->spf_results = dup(c[7]);
	if (!e->domain || !e->ip || !e->dkim_results || !e->spf_results) {
		ea_free(e->domain);
		ea_free(e->ip);
		ea_free(e->dkim_results);
		ea_free(e->spf_results);
		return r->err = EMAUTH_ENOMEM;
	}
	int64_t cnt = 0;
	const char *one[1] = {c[2]};
	ea_store_get_int(&cnt, 1, one);
	e->count = cnt > 0 ? (unsigned long)cnt : 0;
	e->dkim_al = c[3] && strcmp(c[3], "pass") == 0;
	e->spf_al = c[4] && strcmp(c[4], "pass") == 0;
	e->dmarc = e->dkim_al || e->spf_al;
	const char *d = c[5] ? c[5] : "";
	e->disp = strcmp(d, "reject") == 0       ? 'r'
	          : strcmp(d, "quarantine") == 0 ? 'q'
	                                         : 'n';
	e->dkim_pass = any_pass(e->dkim_results);
	e->spf_pass = any_pass(e->spf_results);
	r->n++;
	return 0;
}

/* Reverse DNS of @ip: the store's cache, else a lookup (cached). */
static void
rdns(struct emauth_store *s, struct emauth_ctx *ctx, const char *ip, char *out,
    size_t size)
{
	out[0] = '\0';
	const char *p[] = {ip};
	struct ea_store_text name = {"", false};
	if (ea_store_exec(s, "SELECT name FROM emauth_rdns WHERE ip = $1", p, 1,
	        ea_store_get_text, &name) == 0 &&
	    name.found) {
		ea_copy_str(out, size, name.v);
		return;
	}
	if (ctx == NULL)
		return;
	struct emauth_iprev_result r;
	if (emauth_iprev_check(ctx, ip, &r) != 0)
		return;
	const char *n = r.result == EMAUTH_RES_PASS ? r.name : "";
	/* A temporary failure is not kept: asked again next time. */
	if (r.result == EMAUTH_RES_TEMPERROR)
		return;
	ea_copy_str(out, size, n);
	char now[24];
	snprintf(now, sizeof(now), "%" PRId64, (int64_t)time(NULL));
	const char *q[] = {ip, n, now};
	(void)ea_store_exec(s,
	    "INSERT INTO emauth_rdns (ip, name, looked_up) VALUES ($1, $2, $3)"
	    " ON CONFLICT (ip) DO UPDATE SET name = excluded.name,"
	    " looked_up = excluded.looked_up",
	    q, 3, NULL, NULL);
}

static bool
rule_match(const struct rule *ru, const struct rec *e, const char *name)
{
	switch (ru->kind) {
	case R_DKIM:
		return any_domain_under(e->dkim_results, ru->value);
	case R_SPF:
		return any_domain_under(e->spf_results, ru->value);
	case R_RDNS:
		return name && name[0] && under(name, ru->value);
	case R_IP: {
		struct ea_ip a;
		if (ea_ip_parse(ea_span_str(e->ip), true, &a) != 0 ||
		    a.family != ru->net.family)
			return false;
		return ea_ip_match(&a, &ru->net, ru->bits);
	}
	}
	return false;
}

static int
cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	int c = strcmp(x->domain, y->domain);
	return c ? c : strcmp(x->ip, y->ip);
}

static int
cmp_source(const void *a, const void *b)
{
	const struct emauth_summary_source *x = a, *y = b;
	if (x->messages != y->messages)
		return x->messages > y->messages ? -1 : 1;
	return strcmp(x->name, y->name);
}

static unsigned
pct(unsigned long part, unsigned long whole)
{
	return whole ? (unsigned)((part * 100 + whole / 2) / whole) : 0;
}

static void
advise(struct emauth_summary_source *src)
{
	unsigned long m = src->messages;
	if (m == 0)
		return;
	unsigned pass = pct(src->dmarc_pass, m);
	if (pass >= 98) {
		ea_fmt(src->advice, sizeof(src->advice),
		    "passes DMARC (%u%%): SPF aligned %u%%, DKIM aligned %u%%",
		    pass, pct(src->spf_aligned, m), pct(src->dkim_aligned, m));
		return;
	}
	const char *spf = src->spf_aligned * 2 >= m ? "SPF passes aligned"
	                  : src->spf_pass * 2 >= m  ? "SPF passes but unaligned"
	                                            : "SPF fails";
	const char *dkim = src->dkim_aligned * 2 >= m ? "DKIM passes aligned"
	                   : src->dkim_pass * 2 >= m
	                       ? "DKIM passes but unaligned (signed by "
	                         "another domain)"
	                       : "DKIM fails or is missing";
	if (strcmp(src->kind, "known") == 0)
		ea_fmt(src->advice, sizeof(src->advice),
		    "DMARC passes for %u%%: %s, %s: %s", pass, spf, dkim,
		    src->fix[0] ? src->fix
		                : "set up DKIM signing with your domain there");
	else
		ea_fmt(src->advice, sizeof(src->advice),
		    "DMARC passes for %u%%: %s, %s: an unknown source; if it "
		    "sends for you, authorize it (SPF include or DKIM with "
		    "your "
		    "domain), else it is forgery that p=reject stops",
		    pass, spf, dkim);
}

static void
readiness(struct emauth_summary_domain *d)
{
	d->would_reject = d->messages - d->dmarc_pass;
	for (size_t i = 0; i < d->nsources; i++) {
		const struct emauth_summary_source *s = &d->sources[i];
		unsigned long fail = s->messages - s->dmarc_pass;
		if (strcmp(s->kind, "known") == 0)
			d->reject_known += fail;
		else
			d->reject_unknown += fail;
	}
	const char *p = d->policy[0] ? d->policy : "none";
	unsigned fail_pct = pct(d->would_reject, d->messages);
	/* Known senders failing for more than 0.1% of the volume hold the
	 * next step back. */
	bool known_ok = d->reject_known * 1000 <= d->messages;
	char names[400] = "";
	size_t o = 0;
	for (size_t i = 0; i < d->nsources && o + 140 < sizeof(names); i++) {
		const struct emauth_summary_source *s = &d->sources[i];
		if (strcmp(s->kind, "known") != 0 ||
		    s->messages == s->dmarc_pass)
			continue;
		o +=
		    (size_t)snprintf(names + o, sizeof(names) - o, "%s%s (%lu)",
		        o ? ", " : "", s->name, s->messages - s->dmarc_pass);
	}
	if (d->messages == 0) {
		ea_copy_str(d->next_step, sizeof(d->next_step), "stay");
		ea_fmt(d->why, sizeof(d->why), "no messages reported yet");
		return;
	}
	if (strcmp(p, "reject") == 0) {
		ea_copy_str(d->next_step, sizeof(d->next_step), "stay");
		ea_fmt(d->why, sizeof(d->why),
		    "p=reject is in force; %u%% of the reported messages fail "
		    "DMARC and are rejected%s%s",
		    fail_pct,
		    known_ok ? ""
		             : ", among them mail of known "
		               "senders that need a fix: ",
		    known_ok ? "" : names);
		return;
	}
	if (!known_ok) {
		ea_copy_str(d->next_step, sizeof(d->next_step), "fix senders");
		ea_fmt(d->why, sizeof(d->why),
		    "%lu of %lu messages (%u%%) would be rejected at p=reject, "
		    "%lu of them from known senders that need a fix first: %s",
		    d->would_reject, d->messages, fail_pct, d->reject_known,
		    names);
		return;
	}
	ea_copy_str(d->next_step, sizeof(d->next_step),
	    strcmp(p, "quarantine") == 0 ? "p=reject" : "p=quarantine");
	ea_fmt(d->why, sizeof(d->why),
	    "%lu of %lu messages (%u%%) fail DMARC, %s from sources not "
	    "known as senders for the domain (forgeries, or forgotten "
	    "senders: check the sources list); every known sender passes, so "
	    "%s can come next%s",
	    d->would_reject, d->messages, fail_pct,
	    d->reject_known ? "nearly all" : "all", d->next_step,
	    strcmp(p, "quarantine") == 0 ? "" : ", then p=reject");
}

EMAUTH_API void
emauth_summary_free(struct emauth_summary *sum)
{
	if (sum == NULL)
		return;
	for (size_t i = 0; i < sum->ndomains; i++) {
		for (size_t k = 0; k < sum->domains[i].nsources; k++)
			ea_free(sum->domains[i].sources[k].addresses);
		ea_free(sum->domains[i].sources);
	}
	ea_free(sum->domains);
	ea_free(sum);
}

struct dominfo {
	struct emauth_summary *sum;
	int err;
};

static int
take_domain(void *arg, int n, const char *const *c)
{
	struct dominfo *di = arg;
	struct emauth_summary *sum = di->sum;
	if (n < 4)
		return di->err = EMAUTH_EIO;
	struct emauth_summary_domain *v = ea_realloc(
	    sum->domains, (sum->ndomains + 1) * sizeof(*sum->domains));
	if (v == NULL)
		return di->err = EMAUTH_ENOMEM;
	sum->domains = v;
	struct emauth_summary_domain *d = &v[sum->ndomains++];
	memset(d, 0, sizeof(*d));
	ea_copy_str(d->domain, sizeof(d->domain), c[0] ? c[0] : "");
	int64_t x = 0;
	const char *one[1] = {c[1]};
	ea_store_get_int(&x, 1, one);
	d->reports = (unsigned)x;
	one[0] = c[2];
	ea_store_get_int(&d->begin, 1, one);
	one[0] = c[3];
	ea_store_get_int(&d->end, 1, one);
	return 0;
}

static int
take_policy(void *arg, int n, const char *const *c)
{
	struct emauth_summary_domain *d = arg;
	if (n >= 1 && c[0] && d->policy[0] == '\0')
		ea_copy_str(d->policy, sizeof(d->policy), c[0]);
	return 0;
}

EMAUTH_API int
emauth_report_summary(struct emauth_store *s,
    const struct emauth_summary_opts *o, struct emauth_summary **out, char *err,
    size_t errsize)
{
	char dummy[8];
	if (err == NULL) {
		err = dummy;
		errsize = sizeof(dummy);
	}
	*out = NULL;
	struct map m = {ea_calloc(MAP_LINES_MAX, sizeof(struct sender)), 0};
	struct emauth_summary *sum = ea_calloc(1, sizeof(*sum));
	struct rows rs = {0};
	int rc = 0;
	if (m.v == NULL || sum == NULL) {
		rc = EMAUTH_ENOMEM;
		goto out;
	}
	if (o && o->senders.p &&
	    (rc = map_parse(o->senders, &m, err, errsize)) != 0)
		goto out;
	char since[24], until[24];
	snprintf(
	    since, sizeof(since), "%" PRId64, o && o->since ? o->since : 0);
	snprintf(until, sizeof(until), "%" PRId64,
	    o && o->until ? o->until : INT64_MAX);
	const char *p[] = {o && o->domain ? o->domain : "", since, until};
	struct dominfo di = {sum, 0};
	if ((rc = ea_store_exec(s,
	         "SELECT policy_domain, COUNT(*), MIN(begin_t), MAX(end_t)"
	         " FROM emauth_imports WHERE kind = 'aggregate' AND"
	         " status = 'imported' AND ($1 = '' OR policy_domain = $1)"
	         " AND end_t >= $2 AND end_t < $3 GROUP BY policy_domain"
	         " ORDER BY policy_domain",
	         p, 3, take_domain, &di)) != 0 ||
	    di.err) {
		rc = di.err ? di.err : EMAUTH_EIO;
		goto out;
	}
	for (size_t i = 0; i < sum->ndomains; i++) {
		const char *q[] = {sum->domains[i].domain, since, until};
		if (ea_store_exec(s,
		        "SELECT p FROM emauth_imports WHERE kind = 'aggregate'"
		        " AND status = 'imported' AND policy_domain = $1 AND"
		        " end_t >= $2 AND end_t < $3 ORDER BY end_t DESC, id "
		        "DESC",
		        q, 3, take_policy, &sum->domains[i]) != 0) {
			rc = EMAUTH_EIO;
			goto out;
		}
	}
	rc = ea_store_exec(s,
	    "SELECT i.policy_domain, r.source_ip, SUM(r.count), r.dkim, r.spf,"
	    " r.disposition, r.dkim_results, r.spf_results"
	    " FROM emauth_agg_records r JOIN emauth_imports i"
	    " ON r.import_id = i.id WHERE i.kind = 'aggregate' AND"
	    " i.status = 'imported' AND ($1 = '' OR i.policy_domain = $1)"
	    " AND i.end_t >= $2 AND i.end_t < $3 GROUP BY i.policy_domain,"
	    " r.source_ip, r.dkim, r.spf, r.disposition, r.dkim_results,"
	    " r.spf_results",
	    p, 3, take, &rs);
	if (rs.err)
		rc = rs.err;
	if (rc != 0)
		goto out;
	if (rs.n)
		qsort(rs.v, rs.n, sizeof(*rs.v), cmp_rec);
	/* Each record to its domain and source. */
	size_t di_at = 0;
	for (size_t i = 0; i < rs.n; i++) {
		struct rec *e = &rs.v[i];
		while (di_at < sum->ndomains &&
		       strcmp(sum->domains[di_at].domain, e->domain) < 0)
			di_at++;
		if (di_at == sum->ndomains ||
		    strcmp(sum->domains[di_at].domain, e->domain) != 0)
			continue;
		struct emauth_summary_domain *d = &sum->domains[di_at];
		/* The source: a known sender, else the reverse-DNS base
		 * domain, else the address. */
		char name[256] = "", label[128] = "", kind[8] = "ip";
		const struct sender *known = NULL;
		for (size_t k = 0; k < m.n && !known; k++)
			for (unsigned j = 0; j < m.v[k].nrules && !known; j++)
				if (m.v[k].rules[j].kind != R_RDNS &&
				    rule_match(&m.v[k].rules[j], e, NULL))
					known = &m.v[k];
		if (!known) {
			rdns(s, o && !o->no_lookup ? o->ctx : NULL, e->ip, name,
			    sizeof(name));
			for (size_t k = 0; k < m.n && !known && name[0]; k++)
				for (unsigned j = 0;
				     j < m.v[k].nrules && !known; j++)
					if (m.v[k].rules[j].kind == R_RDNS &&
					    rule_match(
					        &m.v[k].rules[j], e, name))
						known = &m.v[k];
		}
		if (known) {
			ea_copy_str(label, sizeof(label), known->name);
			ea_copy_str(kind, sizeof(kind), "known");
		} else if (name[0]) {
			char org[256] = "";
			if (o && o->ctx &&
			    emauth_dmarc_org_domain(o->ctx, name,
			        EMAUTH_DMARC_RFC7489, org, sizeof(org)) == 0)
				ea_copy_str(label, sizeof(label), org);
			else
				ea_copy_str(label, sizeof(label), name);
			ea_copy_str(kind, sizeof(kind), "rdns");
		} else {
			ea_copy_str(label, sizeof(label), e->ip);
		}
		struct emauth_summary_source *src = NULL;
		for (size_t k = 0; k < d->nsources; k++)
			if (strcmp(d->sources[k].name, label) == 0 &&
			    strcmp(d->sources[k].kind, kind) == 0)
				src = &d->sources[k];
		if (src == NULL) {
			struct emauth_summary_source *v = ea_realloc(d->sources,
			    (d->nsources + 1) * sizeof(*d->sources));
			if (v == NULL) {
				rc = EMAUTH_ENOMEM;
				goto out;
			}
			d->sources = v;
			src = &v[d->nsources++];
			memset(src, 0, sizeof(*src));
			ea_copy_str(src->name, sizeof(src->name), label);
			ea_copy_str(src->kind, sizeof(src->kind), kind);
			if (known)
				ea_copy_str(
				    src->fix, sizeof(src->fix), known->fix);
		}
		/* Distinct addresses: records come sorted by address. */
		if (i == 0 || strcmp(rs.v[i - 1].ip, e->ip) != 0 ||
		    strcmp(rs.v[i - 1].domain, e->domain) != 0) {
			char(*a)[64] = ea_realloc(
			    src->addresses, (src->ips + 1) * sizeof(*a));
			if (a == NULL) {
				rc = EMAUTH_ENOMEM;
				goto out;
			}
			src->addresses = a;
			ea_copy_str(a[src->ips], sizeof(a[0]), e->ip);
			src->ips++;
		}
		unsigned long c = e->count;
		src->messages += c;
		src->dmarc_pass += e->dmarc ? c : 0;
		src->spf_pass += e->spf_pass ? c : 0;
		src->spf_aligned += e->spf_al ? c : 0;
		src->dkim_pass += e->dkim_pass ? c : 0;
		src->dkim_aligned += e->dkim_al ? c : 0;
		d->messages += c;
		d->dmarc_pass += e->dmarc ? c : 0;
		d->spf_aligned += e->spf_al ? c : 0;
		d->dkim_aligned += e->dkim_al ? c : 0;
		if (e->disp == 'r')
			d->disp_reject += c;
		else if (e->disp == 'q')
			d->disp_quarantine += c;
		else
			d->disp_none += c;
	}
	for (size_t i = 0; i < sum->ndomains; i++) {
		struct emauth_summary_domain *d = &sum->domains[i];
		if (d->nsources)
			qsort(d->sources, d->nsources, sizeof(*d->sources),
			    cmp_source);
		for (size_t k = 0; k < d->nsources; k++)
			advise(&d->sources[k]);
		readiness(d);
	}
	*out = sum;
	sum = NULL;
out:
	for (size_t i = 0; i < rs.n; i++) {
		ea_free(rs.v[i].domain);
		ea_free(rs.v[i].ip);
		ea_free(rs.v[i].dkim_results);
		ea_free(rs.v[i].spf_results);
	}
	ea_free(rs.v);
	ea_free(m.v);
	emauth_summary_free(sum);
	return rc;
}
