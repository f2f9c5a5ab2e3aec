/*
 * zone_nsd_peer.c: the zone back end (src/dns/zone.c) asked the same
 * questions as NSD serving the same files (tests/interop/zone_nsd.sh).
 *
 *   zone_nsd_peer apex FILE...
 *	prints "APEX FILE" for each file: the owner of its SOA record, or
 *	for a file without one the deepest apex of the other files that
 *	holds its first record, or "-"; "! FILE" when it does not parse.
 *   zone_nsd_peer load FILE...
 *	loads the files into the zone back end and prints "loaded" or
 *	"refused: DIAGNOSTIC" (the script runs it under LeakSanitizer).
 *   zone_nsd_peer gen SEED DIR
 *	writes a random zone set into DIR: a zone with wildcards, empty
 *	non-terminals, delegations with glue and occluded data, CNAMEs
 *	(chains, loops, into cuts, out of the zones), identical records
 *	with other TTLs and cases, records without TTL after ones with; at
 *	times a second file for it and the delegated zone loaded too.
 *   zone_nsd_peer ask PORT NAME TYPE FILE...
 *	asks both one question; prints "emauth=OUTCOME nsd=OUTCOME".
 *   zone_nsd_peer compare GROUP PORT FILE...
 *	asks NSD on 127.0.0.1:PORT, following CNAMEs as a resolver does,
 *	and the zone back end loaded with FILE... (through ea_dns_query)
 *	about every owner name and type in the files, the empty
 *	non-terminals, names that do not exist, names under wildcards and
 *	names at and under delegations. Prints one "ok"/"not ok" line per
 *	zone and kind of question, with the differences under "not ok".
 *
 * What is compared: the outcome (answer, NXDOMAIN, NODATA, referral,
 * CNAME loop) and, for an answer, the final owner name and the records'
 * type, TTL and RDATA (in the canonical form of RFC 4034 §6.2, since NSD
 * may give a name in RDATA the case of another spelling of it). Mapped:
 * NSD's referral is our temporary failure EA_STORE_DELEGATED; NSD's
 * REFUSED (a name in none of its zones) is our NXDOMAIN.
 */
#include "common/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "common/limits.h"
#include "common/span.h"
#include "dns/store.h"

/* ------------------------------------------------------------------ */
/* Reading the files. */

struct rrs {
	ldns_rr **v;
	size_t *file;
	size_t n, cap;
};

static void
rrs_push(struct rrs *l, ldns_rr *rr, size_t file)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		l->file = realloc(l->file, l->cap * sizeof(*l->file));
		if (l->v == NULL || l->file == NULL) {
			fprintf(stderr, "zone_nsd_peer: out of memory\n");
			exit(2);
		}
	}
	l->v[l->n] = rr;
	l->file[l->n++] = file;
}

static void
rrs_free(struct rrs *l)
{
	for (size_t i = 0; i < l->n; i++)
		ldns_rr_free(l->v[i]);
	free(l->v);
	free(l->file);
}

/* Reads one file's records (the files given here load without error). */
static int
read_rrs(const char *path, size_t file, struct rrs *out)
{
	FILE *f = fopen(path, "r");
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = 3600;
	int line = 0, rc = 0;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (!feof(f)) {
		ldns_rr *rr = NULL;
		ldns_status st =
		    ldns_rr_new_frm_fp_l(&rr, f, &ttl, &origin, &prev, &line);
		if (st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN ||
		    st == LDNS_STATUS_SYNTAX_EMPTY)
			continue;
		if (st != LDNS_STATUS_OK) {
			rc = -1;
			break;
		}
		if (origin == NULL && ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
			origin = ldns_rdf_clone(ldns_rr_owner(rr));
		rrs_push(out, rr, file);
	}
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	fclose(f);
	return rc;
}

static bool
at_or_below(const ldns_rdf *name, const ldns_rdf *apex)
{
	return ldns_dname_compare(name, apex) == 0 ||
	       ldns_dname_is_subdomain(name, apex);
}

/* The deepest SOA owner in @l at or above @name (of @file only, unless
 * @file is (size_t)-1), or NULL. */
static const ldns_rdf *
apex_of(const struct rrs *l, const ldns_rdf *name, size_t file)
{
	const ldns_rdf *best = NULL;
	for (size_t i = 0; i < l->n; i++) {
		if (ldns_rr_get_type(l->v[i]) != LDNS_RR_TYPE_SOA)
			continue;
		if (file != (size_t)-1 && l->file[i] != file)
			continue;
		const ldns_rdf *a = ldns_rr_owner(l->v[i]);
		if (at_or_below(name, a) &&
		    (best == NULL || ldns_dname_label_count(a) >
		                         ldns_dname_label_count(best)))
			best = a;
	}
	return best;
}

static int
cmd_apex(int n, char **files)
{
	struct rrs l = {0};
	bool *bad = calloc((size_t)n, sizeof(*bad));
	for (int i = 0; i < n; i++) {
		struct rrs one = {0};
		bad[i] = read_rrs(files[i], (size_t)i, &one) != 0;
		for (size_t k = 0; k < one.n && !bad[i]; k++)
			rrs_push(&l, ldns_rr_clone(one.v[k]), (size_t)i);
		rrs_free(&one);
	}
	for (int i = 0; i < n; i++) {
		const ldns_rdf *apex = NULL, *first = NULL;
		if (bad[i]) {
			printf("! %s\n", files[i]);
			continue;
		}
		for (size_t k = 0; k < l.n && apex == NULL; k++) {
			if (l.file[k] != (size_t)i)
				continue;
			if (first == NULL)
				first = ldns_rr_owner(l.v[k]);
			if (ldns_rr_get_type(l.v[k]) == LDNS_RR_TYPE_SOA)
				apex = ldns_rr_owner(l.v[k]);
		}
		if (apex == NULL && first)
			apex = apex_of(&l, first, (size_t)-1);
		char *s = apex ? ldns_rdf2str(apex) : NULL;
		printf("%s %s\n", s ? s : "-", files[i]);
		free(s);
	}
	rrs_free(&l);
	free(bad);
	return 0;
}

/* Loads @files into the zone back end; on failure @msg says why. */
static int
load_ours(int n, char **files, struct ea_resolver *r, char *msg, size_t size)
{
	size_t len = 1, o = 0;
	for (int i = 0; i < n; i++)
		len += strlen(files[i]) + 1;
	char *spec = malloc(len);
	spec[0] = '\0';
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(
		    spec + o, len - o, "%s%s", i ? "," : "", files[i]);
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	int rc = ea_dns_zone_new(spec, r, &d);
	if (rc)
		emauth_diag_format(&d, msg, size);
	free(spec);
	return rc;
}

static int
cmd_load(int n, char **files)
{
	struct ea_resolver r;
	char msg[600];
	if (load_ours(n, files, &r, msg, sizeof(msg)) == 0) {
		printf("loaded\n");
		ea_resolver_release(&r);
	} else {
		printf("refused: %s\n", msg);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The random zone generator (splitmix64, so a seed gives one zone set). */

struct gen {
	uint64_t s;
	char apex[64];
	char names[48][96]; /* relative owner names, "@" for the apex */
	int kind[48];       /* 0 free, 1 other data, 2 CNAME, 3 cut */
	size_t n;
};

static uint64_t
rnd(struct gen *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned
pick(struct gen *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

static const char *const labels[] = {"a", "b", "c", "www", "mail", "_spf",
    "_dmarc", "_domainkey", "s1", "x", "y", "sub"};

static size_t
add_name(struct gen *g, const char *name, int kind)
{
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->names[i], name) == 0)
			return i;
	if (g->n == 48)
		return 0;
	snprintf(g->names[g->n], sizeof(g->names[0]), "%s", name);
	g->kind[g->n] = kind;
	return g->n++;
}

static void
random_name(struct gen *g, char *out, size_t size)
{
	size_t o = 0;
	unsigned depth = 1 + pick(g, 3);
	out[0] = '\0';
	for (unsigned i = 0; i < depth; i++) {
		const char *l = labels[pick(g, EA_ARRAY_LEN(labels))];
		/* A wildcard only as the first label, sometimes. */
		if (i == 0 && pick(g, 5) == 0)
			l = "*";
		o += (size_t)snprintf(
		    out + o, size - o, "%s%s", i ? "." : "", l);
	}
}

/* A TTL field: mostly none (the $TTL applies), sometimes one. */
static const char *
ttl_field(struct gen *g)
{
	static const char *const t[] = {"", "", "", "", "60 ", "300 ", "3600 "};
	return t[pick(g, EA_ARRAY_LEN(t))];
}

static void
upper_copy(char *out, size_t size, const char *in)
{
	size_t i = 0;
	for (; in[i] && i + 1 < size; i++)
		out[i] =
		    (in[i] >= 'a' && in[i] <= 'z') ? (char)(in[i] - 32) : in[i];
	out[i] = '\0';
}

/* Absolute name of generated name @i. */
static void
abs_name(const struct gen *g, size_t i, char *out, size_t size)
{
	if (strcmp(g->names[i], "@") == 0)
		snprintf(out, size, "%s.", g->apex);
	else
		snprintf(out, size, "%s.%s.", g->names[i], g->apex);
}

/* One record of "other data" at @owner, written to @f (and sometimes
 * again, identical, to @dup or @f with another TTL, or with the MX
 * exchange in capitals). */
static void
random_record(struct gen *g, FILE *f, FILE *dup, const char *owner)
{
	char target[160], upper[160], line[512];
	static const char *const txt[] = {"\"v=spf1 -all\"",
	    "\"v=spf1 a mx ~all\"", "\"hello\"", "\"v=DKIM1; p=\"",
	    "\"two \" \"strings\""};
	unsigned pref = 0;
	size_t t = pick(g, (unsigned)g->n);
	abs_name(g, t, target, sizeof(target));
	upper_copy(upper, sizeof(upper), target);
	switch (pick(g, 6)) {
	case 0:
		snprintf(line, sizeof(line), "A 192.0.2.%u", 1 + pick(g, 4));
		break;
	case 1:
		snprintf(
		    line, sizeof(line), "AAAA 2001:db8::%u", 1 + pick(g, 3));
		break;
	case 2:
		snprintf(line, sizeof(line), "TXT %s",
		    txt[pick(g, EA_ARRAY_LEN(txt))]);
		break;
	case 3:
		pref = 10 * (1 + pick(g, 2));
		snprintf(line, sizeof(line), "MX %u %s", pref, target);
		break;
	case 4:
		snprintf(line, sizeof(line), "SPF \"v=spf1 -all\"");
		break;
	default:
		snprintf(line, sizeof(line), "SRV 0 5 25 %s", target);
		break;
	}
	fprintf(f, "%-24s %sIN %s\n", owner, ttl_field(g), line);
	if (pick(g, 4) == 0) {
		FILE *to = dup && pick(g, 2) ? dup : f;
		unsigned ttl = 60u + pick(g, 3) * 600;
		if (pref && pick(g, 2))
			fprintf(to, "%-24s %u IN MX %u %s\n", owner, ttl, pref,
			    upper);
		else
			fprintf(to, "%-24s %u IN %s\n", owner, ttl, line);
	}
	/* Records without TTL right after one with, in one RRset. */
	if (pick(g, 6) == 0)
		fprintf(f, "%-24s 77 IN TXT \"ttl\"\n%-24s IN TXT \"ttl2\"\n",
		    owner, owner);
}

static int
cmd_gen(const char *seed, const char *dir)
{
	struct gen g;
	char path[512], name[96], abs[256];
	FILE *f, *part2 = NULL, *child = NULL;

	memset(&g, 0, sizeof(g));
	g.s = strtoull(seed, NULL, 10);
	snprintf(g.apex, sizeof(g.apex), "r%s.example", seed);
	snprintf(path, sizeof(path), "%s/%s.zone", dir, g.apex);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		return 2;
	}
	fprintf(f, "$ORIGIN %s.\n$TTL 300\n", g.apex);
	fprintf(f, "@ IN SOA ns hostmaster 1 3600 600 86400 300\n");
	fprintf(f, "@ IN NS ns\nns IN A 192.0.2.53\n");
	add_name(&g, "@", 1);
	add_name(&g, "ns", 1);
	if (pick(&g, 3) == 0) {
		snprintf(path, sizeof(path), "%s/%s.part2.zone", dir, g.apex);
		part2 = fopen(path, "w");
		if (part2)
			fprintf(part2, "$ORIGIN %s.\n$TTL 600\n", g.apex);
	}
	/* Delegations: d1 (its zone sometimes loaded) and d2.a. */
	size_t cuts[2];
	cuts[0] = add_name(&g, "d1", 3);
	cuts[1] = add_name(&g, "d2.a", 3);
	bool loaded = pick(&g, 2) == 0;
	for (size_t i = 0; i < 2; i++) {
		const char *c = g.names[cuts[i]];
		fprintf(f, "%-24s IN NS ns.%s\n", c, c);
		fprintf(f, "ns.%-21s IN A 192.0.2.%u\n", c, 100 + (unsigned)i);
		if (pick(&g, 2))
			fprintf(f, "%-24s IN NS ns.elsewhere.invalid.\n", c);
		if (pick(&g, 2))
			fprintf(f,
			    "%-24s IN DS 12345 13 2 "
			    "0123456789abcdef0123456789abcdef"
			    "0123456789abcdef0123456789abcdef\n",
			    c);
		/* Data below a cut, not below the loaded one: NSD keeps
		 * one tree of names for all its zones, so such a name would
		 * exist in the child zone too (see zone_nsd.sh). */
		if (i == 0 && loaded)
			continue;
		if (pick(&g, 2))
			fprintf(f, "www.%-20s IN TXT \"occluded\"\n", c);
		if (pick(&g, 3) == 0)
			fprintf(f, "*.%-22s IN TXT \"occluded wildcard\"\n", c);
	}
	if (loaded) {
		snprintf(path, sizeof(path), "%s/d1.%s.zone", dir, g.apex);
		child = fopen(path, "w");
		if (child) {
			fprintf(child, "$ORIGIN d1.%s.\n$TTL 300\n", g.apex);
			fprintf(child,
			    "@ IN SOA ns hostmaster 1 3600 600 86400 "
			    "300\n@ IN NS ns\nns IN A 192.0.2.200\n");
			fprintf(child, "@ IN TXT \"v=spf1 -all\"\n");
			fprintf(child, "*.w IN TXT \"child wildcard\"\n");
			fprintf(child, "x.y IN A 192.0.2.201\n");
		}
	}
	/* Names: some with wildcards, some below others (empty
	 * non-terminals appear on their own). */
	unsigned want = 10 + pick(&g, 15);
	for (unsigned i = 0; i < want; i++) {
		random_name(&g, name, sizeof(name));
		add_name(&g, name, 0);
	}
	if (pick(&g, 3) == 0)
		add_name(&g, "*", 0);
	/* Data: a CNAME at a quarter of the names, other data elsewhere. */
	for (size_t i = 0; i < g.n; i++) {
		if (g.kind[i] != 0)
			continue;
		g.kind[i] = pick(&g, 4) == 0 ? 2 : 1;
	}
	for (size_t i = 0; i < g.n; i++) {
		const char *o = g.names[i];
		if (g.kind[i] == 1 && strcmp(o, "@") != 0 &&
		    strcmp(o, "ns") != 0) {
			unsigned k = 1 + pick(&g, 3);
			for (unsigned j = 0; j < k; j++)
				random_record(&g,
				    part2 && pick(&g, 3) == 0 ? part2 : f,
				    part2, o);
		} else if (g.kind[i] == 2) {
			/* Targets: a name here (maybe a CNAME: chains and
			 * loops), a name that does not exist, one under a
			 * wildcard or a cut, one in the child, one outside. */
			switch (pick(&g, 7)) {
			case 0:
			case 1:
			case 2:
				abs_name(&g, pick(&g, (unsigned)g.n), abs,
				    sizeof(abs));
				break;
			case 3:
				snprintf(abs, sizeof(abs), "nx.%s.", g.apex);
				break;
			case 4:
				snprintf(abs, sizeof(abs), "host.%s.%s.",
				    g.names[cuts[pick(&g, 2)]], g.apex);
				break;
			case 5:
				snprintf(
				    abs, sizeof(abs), "q.w.d1.%s.", g.apex);
				break;
			default:
				snprintf(abs, sizeof(abs),
				    "mail.elsewhere.invalid.");
				break;
			}
			/* A wildcard owner's name as a target: a name it
			 * matches instead. */
			if (abs[0] == '*')
				abs[0] = 'q';
			fprintf(
			    f, "%-24s %sIN CNAME %s\n", o, ttl_field(&g), abs);
		}
	}
	fclose(f);
	if (part2)
		fclose(part2);
	if (child)
		fclose(child);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Asking both sides. */

enum outcome { R_ANSWER, R_NXDOMAIN, R_NODATA, R_REFERRAL, R_LOOP, R_OTHER };

static const char *const outcome_name[] = {
    "answer", "NXDOMAIN", "NODATA", "referral", "CNAME loop", "other"};

struct rec {
	uint16_t type;
	uint32_t ttl;
	uint8_t *d;
	size_t len;
	char *text;
};

struct result {
	enum outcome o;
	char canon[EA_DNS_PRES_MAX];
	char why[96];
	struct rec *v;
	size_t n, cap;
};

static void
result_free(struct result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].d);
		free(r->v[i].text);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* Adds @rr (borrowed) in canonical form. */
static void
result_add(struct result *r, const ldns_rr *rr)
{
	ldns_rr *c = ldns_rr_clone(rr);
	ldns_buffer *b = ldns_buffer_new(512);
	ldns_rr2canonical(c);
	ldns_rr_rdata2buffer_wire(b, c);
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		if (r->v == NULL)
			exit(2);
	}
	struct rec *e = &r->v[r->n++];
	e->type = (uint16_t)ldns_rr_get_type(c);
	e->ttl = ldns_rr_ttl(c);
	e->len = ldns_buffer_position(b);
	e->d = malloc(e->len ? e->len : 1);
	memcpy(e->d, ldns_buffer_begin(b), e->len);
	e->text = ldns_rr2str(c);
	if (e->text) {
		size_t l = strlen(e->text);
		if (l && e->text[l - 1] == '\n')
			e->text[l - 1] = '\0';
	}
	ldns_buffer_free(b);
	ldns_rr_free(c);
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	int c = memcmp(x->d, y->d, x->len);
	if (c)
		return c;
	return x->ttl < y->ttl ? -1 : x->ttl > y->ttl;
}

static void
set_canon(struct result *r, const ldns_rdf *name)
{
	size_t pos = 0;
	if (ea_dns_wire_to_key(
	        ea_span(ldns_rdf_data(name), ldns_rdf_size(name)), &pos,
	        r->canon, sizeof(r->canon)) != 0)
		snprintf(r->canon, sizeof(r->canon), "?");
}

static void
ask_nsd(ldns_resolver *res, const char *name, uint16_t type, struct result *r)
{
	ldns_rdf *qn = ldns_dname_new_frm_str(name);
	memset(r, 0, sizeof(*r));
	r->o = R_LOOP;
	for (int hop = 0; hop <= EA_DNS_CNAME_MAX && qn; hop++) {
		ldns_pkt *p = NULL;
		ldns_status st = ldns_resolver_send(
		    &p, res, qn, (ldns_rr_type)type, LDNS_RR_CLASS_IN, 0);
		if (st != LDNS_STATUS_OK || p == NULL) {
			r->o = R_OTHER;
			snprintf(r->why, sizeof(r->why), "%s",
			    ldns_get_errorstr_by_id(st));
			break;
		}
		set_canon(r, qn);
		ldns_rr_list *an = ldns_pkt_answer(p);
		ldns_rdf *next = NULL;
		for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
			ldns_rr *rr = ldns_rr_list_rr(an, i);
			if (ldns_dname_compare(ldns_rr_owner(rr), qn) != 0)
				continue;
			if (ldns_rr_get_type(rr) == type)
				result_add(r, rr);
			else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME &&
			         next == NULL)
				next = ldns_rdf_clone(ldns_rr_rdf(rr, 0));
		}
		ldns_pkt_rcode rc = ldns_pkt_get_rcode(p);
		bool referral = false;
		ldns_rr_list *au = ldns_pkt_authority(p);
		for (size_t i = 0; i < ldns_rr_list_rr_count(au); i++)
			if (ldns_rr_get_type(ldns_rr_list_rr(au, i)) ==
			    LDNS_RR_TYPE_NS)
				referral = true;
		bool aa = ldns_pkt_aa(p);
		ldns_pkt_free(p);
		if (r->n > 0) {
			r->o = R_ANSWER;
			ldns_rdf_deep_free(next);
			break;
		}
		if (next) {
			ldns_rdf_deep_free(qn);
			qn = next;
			continue;
		}
		if (rc == LDNS_RCODE_NXDOMAIN || rc == LDNS_RCODE_REFUSED)
			r->o = R_NXDOMAIN;
		else if (rc == LDNS_RCODE_NOERROR && aa)
			r->o = R_NODATA;
		else if (rc == LDNS_RCODE_NOERROR && referral)
			r->o = R_REFERRAL;
		else {
			r->o = R_OTHER;
			snprintf(r->why, sizeof(r->why), "rcode %d", (int)rc);
		}
		break;
	}
	ldns_rdf_deep_free(qn);
}

static void
ask_ours(
    struct ea_resolver *er, const char *name, uint16_t type, struct result *r)
{
	struct ea_dns_answer a;
	char raw[EA_DNS_PRES_MAX];
	size_t n = strlen(name);
	memset(r, 0, sizeof(*r));
	snprintf(raw, sizeof(raw), "%.*s",
	    (int)(n && name[n - 1] == '.' ? n - 1 : n), name);
	ea_dns_query(er, NULL, raw, type, &a);
	snprintf(r->canon, sizeof(r->canon), "%s", a.canon);
	switch (a.status) {
	case EA_DNS_ANSWER:
		r->o = R_ANSWER;
		break;
	case EA_DNS_NXDOMAIN:
		r->o = R_NXDOMAIN;
		break;
	case EA_DNS_NODATA:
		r->o = R_NODATA;
		break;
	default:
		if (a.why && strcmp(a.why, EA_STORE_DELEGATED) == 0)
			r->o = R_REFERRAL;
		else if (a.why && strstr(a.why, "CNAME loop"))
			r->o = R_LOOP;
		else
			r->o = R_OTHER;
		snprintf(r->why, sizeof(r->why), "%s", a.why ? a.why : "");
		break;
	}
	for (size_t i = 0; i < a.n; i++) {
		ldns_rr *rr = ldns_rr_new();
		size_t len = a.rr[i].rdata.len, pos = 0;
		uint8_t *wire = malloc(len + 2);
		wire[0] = (uint8_t)(len >> 8);
		wire[1] = (uint8_t)len;
		memcpy(wire + 2, a.rr[i].rdata.p, len);
		ldns_rr_set_type(rr, (ldns_rr_type)a.rr[i].type);
		ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
		ldns_rr_set_ttl(rr, a.rr[i].ttl);
		ldns_rr_set_owner(rr, ldns_dname_new_frm_str(a.canon));
		if (ldns_wire2rdf(rr, wire, len + 2, &pos) == LDNS_STATUS_OK)
			result_add(r, rr);
		else
			r->o = R_OTHER;
		free(wire);
		ldns_rr_free(rr);
	}
	ea_dns_answer_release(&a);
}

static bool
same(struct result *a, struct result *b)
{
	if (a->o != b->o)
		return false;
	if (a->o != R_ANSWER)
		return true;
	if (a->n != b->n || strcmp(a->canon, b->canon) != 0)
		return false;
	qsort(a->v, a->n, sizeof(*a->v), rec_cmp);
	qsort(b->v, b->n, sizeof(*b->v), rec_cmp);
	for (size_t i = 0; i < a->n; i++)
		if (rec_cmp(&a->v[i], &b->v[i]) != 0)
			return false;
	return true;
}

static void
describe(const char *who, const struct result *r)
{
	printf("#     %s: %s%s%s%s", who, outcome_name[r->o],
	    r->why[0] ? " (" : "", r->why, r->why[0] ? ")" : "");
	if (r->o == R_ANSWER)
		printf(" at %s", r->canon);
	printf("\n");
	for (size_t i = 0; i < r->n; i++)
		printf("#       %s\n", r->v[i].text ? r->v[i].text : "?");
}

/* The questions, by zone and kind. */
enum kind { K_RECORDS, K_ABSENT, K_WILDCARD, K_DELEGATION, K_COUNT };
static const char *const kind_name[] = {
    "records", "absent-and-empty", "wildcards", "delegations"};

struct question {
	char *name;
	uint16_t type;
	size_t zone; /* index into the apex list, or napex for none */
	enum kind kind;
};

struct qlist {
	struct question *v;
	size_t n, cap;
	const ldns_rdf **apex;
	size_t napex;
};

static void
ask(struct qlist *q, const char *name, uint16_t type, enum kind kind)
{
	/* Only names a raw query can carry: no escapes. */
	if (strchr(name, '\\') || strcmp(name, ".") == 0)
		return;
	ldns_rdf *d = ldns_dname_new_frm_str(name);
	if (d == NULL)
		return;
	size_t zone = q->napex;
	for (size_t i = 0; i < q->napex; i++)
		if (at_or_below(d, q->apex[i]) &&
		    (zone == q->napex ||
		        ldns_dname_label_count(q->apex[i]) >
		            ldns_dname_label_count(q->apex[zone])))
			zone = i;
	ldns_rdf_deep_free(d);
	for (size_t i = 0; i < q->n; i++)
		if (q->v[i].type == type && strcasecmp(q->v[i].name, name) == 0)
			return;
	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 1024;
		q->v = realloc(q->v, q->cap * sizeof(*q->v));
		if (q->v == NULL)
			exit(2);
	}
	q->v[q->n++] = (struct question){strdup(name), type, zone, kind};
}

/* "PREFIX" + @name, when it makes a name. */
static void
ask_under(struct qlist *q, const char *prefix, const char *name, uint16_t type,
    enum kind kind)
{
	char buf[600];
	snprintf(buf, sizeof(buf), "%s%s", prefix, name);
	ask(q, buf, type, kind);
}

static ldns_resolver *
nsd_resolver(const char *port)
{
	ldns_resolver *res = ldns_resolver_new();
	ldns_rdf *ns = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, "127.0.0.1");
	ldns_resolver_push_nameserver(res, ns);
	ldns_rdf_deep_free(ns);
	ldns_resolver_set_port(res, (uint16_t)strtoul(port, NULL, 10));
	ldns_resolver_set_recursive(res, false);
	ldns_resolver_set_edns_udp_size(res, 4096);
	ldns_resolver_set_retry(res, 2);
	ldns_resolver_set_timeout(res, (struct timeval){2, 0});
	return res;
}

/* One question to both: prints "emauth=OUTCOME nsd=OUTCOME". */
static int
cmd_ask(
    const char *port, const char *name, const char *type, int n, char **files)
{
	struct ea_resolver er;
	struct result a, b;
	char msg[600];
	if (load_ours(n, files, &er, msg, sizeof(msg)) != 0) {
		printf("emauth refuses the files: %s\n", msg);
		return 1;
	}
	ldns_resolver *res = nsd_resolver(port);
	uint16_t t = (uint16_t)ldns_get_rr_type_by_name(type);
	ask_ours(&er, name, t, &a);
	ask_nsd(res, name, t, &b);
	printf("emauth=%s nsd=%s\n", outcome_name[a.o], outcome_name[b.o]);
	result_free(&a);
	result_free(&b);
	ldns_resolver_deep_free(res);
	ea_resolver_release(&er);
	return 0;
}

static int
cmd_compare(const char *group, const char *port, int n, char **files)
{
	struct rrs l = {0};
	struct qlist q = {0};
	uint16_t types[64];
	size_t ntypes = 0;
	static const uint16_t always[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_TXT,
	    LDNS_RR_TYPE_MX, LDNS_RR_TYPE_CNAME, LDNS_RR_TYPE_NS,
	    LDNS_RR_TYPE_AAAA};

	for (int i = 0; i < n; i++)
		if (read_rrs(files[i], (size_t)i, &l) != 0) {
			rrs_free(&l);
			return 2;
		}
	q.apex = calloc(l.n + 1, sizeof(*q.apex));
	for (size_t i = 0; i < l.n; i++) {
		uint16_t t = (uint16_t)ldns_rr_get_type(l.v[i]);
		if (t == LDNS_RR_TYPE_SOA)
			q.apex[q.napex++] = ldns_rr_owner(l.v[i]);
		bool seen = false;
		for (size_t k = 0; k < ntypes; k++)
			seen |= types[k] == t;
		if (!seen && ntypes < EA_ARRAY_LEN(types))
			types[ntypes++] = t;
	}
	for (size_t k = 0; k < EA_ARRAY_LEN(always); k++) {
		bool seen = false;
		for (size_t j = 0; j < ntypes; j++)
			seen |= types[j] == always[k];
		if (!seen)
			types[ntypes++] = always[k];
	}
	for (size_t i = 0; i < l.n; i++) {
		const ldns_rdf *o = ldns_rr_owner(l.v[i]);
		char *name = ldns_rdf2str(o);
		const ldns_rdf *apex = apex_of(&l, o, (size_t)-1);
		if (name == NULL)
			continue;
		for (size_t k = 0; k < ntypes; k++)
			ask(&q, name, types[k], K_RECORDS);
		ask(&q, name, LDNS_RR_TYPE_DS, K_RECORDS);
		/* Names that do not exist: below and beside this one. */
		ask_under(&q, "nxd.", name, LDNS_RR_TYPE_TXT, K_ABSENT);
		ask_under(&q, "nxd.", name, LDNS_RR_TYPE_A, K_ABSENT);
		ask_under(&q, "nxd-", name, LDNS_RR_TYPE_TXT, K_ABSENT);
		/* Its ancestors down to the apex (empty non-terminals,
		 * most of them). */
		ldns_rdf *anc = ldns_dname_left_chop(o);
		while (anc && apex && ldns_dname_is_subdomain(anc, apex)) {
			char *a = ldns_rdf2str(anc);
			if (a) {
				ask(&q, a, LDNS_RR_TYPE_TXT, K_ABSENT);
				ask(&q, a, LDNS_RR_TYPE_A, K_ABSENT);
				ask_under(
				    &q, "nxd.", a, LDNS_RR_TYPE_TXT, K_ABSENT);
			}
			free(a);
			ldns_rdf *up = ldns_dname_left_chop(anc);
			ldns_rdf_deep_free(anc);
			anc = up;
		}
		ldns_rdf_deep_free(anc);
		/* Under a wildcard: one and two labels in its place, and a
		 * literal "*" below it. */
		if (ldns_dname_is_wildcard(o)) {
			const char *w = name + 2;
			for (size_t k = 0; k < ntypes; k++) {
				ask_under(&q, "w1.", w, types[k], K_WILDCARD);
				ask_under(
				    &q, "w1.w2.", w, types[k], K_WILDCARD);
			}
			ask_under(&q, "q.", name, LDNS_RR_TYPE_TXT, K_WILDCARD);
		}
		/* At and under a delegation (NS below an apex). */
		if (ldns_rr_get_type(l.v[i]) == LDNS_RR_TYPE_NS && apex &&
		    ldns_dname_compare(o, apex) != 0) {
			static const uint16_t dt[] = {LDNS_RR_TYPE_NS,
			    LDNS_RR_TYPE_DS, LDNS_RR_TYPE_A, LDNS_RR_TYPE_TXT,
			    LDNS_RR_TYPE_SOA};
			for (size_t k = 0; k < EA_ARRAY_LEN(dt); k++) {
				ask(&q, name, dt[k], K_DELEGATION);
				ask_under(&q, "ns.", name, dt[k], K_DELEGATION);
				ask_under(
				    &q, "www.", name, dt[k], K_DELEGATION);
				ask_under(
				    &q, "a.b.", name, dt[k], K_DELEGATION);
			}
		}
		free(name);
	}

	struct ea_resolver er;
	char msg[600];
	int failed = 0;
	if (load_ours(n, files, &er, msg, sizeof(msg)) != 0) {
		printf("not ok zone-nsd/%s/load (%s)\n", group, msg);
		failed = 1;
		goto out;
	}
	ldns_resolver *res = nsd_resolver(port);

	for (size_t z = 0; z <= q.napex; z++) {
		char *zn = z < q.napex ? ldns_rdf2str(q.apex[z]) : NULL;
		for (int k = 0; k < K_COUNT; k++) {
			size_t asked = 0, bad = 0;
			for (size_t i = 0; i < q.n; i++) {
				struct question *x = &q.v[i];
				if (x->zone != z || x->kind != (enum kind)k)
					continue;
				struct result a, b;
				asked++;
				ask_ours(&er, x->name, x->type, &a);
				ask_nsd(res, x->name, x->type, &b);
				if (!same(&a, &b)) {
					if (bad++ == 0)
						printf("not ok "
						       "zone-nsd/%s/%s/%s\n",
						    group, zn ? zn : "outside",
						    kind_name[k]);
					if (bad <= 8) {
						char *t = ldns_rr_type2str(
						    (ldns_rr_type)x->type);
						printf("#   %s %s\n", x->name,
						    t ? t : "?");
						free(t);
						describe("emauth", &a);
						describe("NSD", &b);
					}
				}
				result_free(&a);
				result_free(&b);
			}
			if (asked == 0)
				continue;
			if (bad == 0)
				printf("ok zone-nsd/%s/%s/%s (%zu questions)\n",
				    group, zn ? zn : "outside", kind_name[k],
				    asked);
			else
				printf("#   %zu of %zu answers differ\n", bad,
				    asked);
			failed += bad > 0;
		}
		free(zn);
	}
	ldns_resolver_deep_free(res);
	ea_resolver_release(&er);
out:
	for (size_t i = 0; i < q.n; i++)
		free(q.v[i].name);
	free(q.v);
	free(q.apex);
	rrs_free(&l);
	return failed ? 1 : 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "apex") == 0)
		return cmd_apex(argc - 2, argv + 2);
	if (argc >= 3 && strcmp(argv[1], "load") == 0)
		return cmd_load(argc - 2, argv + 2);
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(argv[2], argv[3]);
	if (argc >= 6 && strcmp(argv[1], "ask") == 0)
		return cmd_ask(argv[2], argv[3], argv[4], argc - 5, argv + 5);
	if (argc >= 5 && strcmp(argv[1], "compare") == 0)
		return cmd_compare(argv[2], argv[3], argc - 4, argv + 4);
	fprintf(stderr, "usage: zone_nsd_peer apex FILE... | load FILE... | "
	                "gen SEED DIR | ask PORT NAME TYPE FILE... | "
	                "compare GROUP PORT FILE...\n");
	return 2;
}
