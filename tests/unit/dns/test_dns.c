/*
 * test_dns.c: the DNS layer: zone files through ldns into the store, the
 * answers' four kinds (records, NXDOMAIN, NODATA, temporary failure), CNAME
 * chains and loops, TXT strings kept apart, wildcards (RFC 4592), identical
 * records (RFC 2181 §5) and TTLs, delegations, files refused, the test
 * fake's scripted failures (and its exact-name answers), the
 * per-evaluation budget, the async interface, names, RDATA decoding and
 * the resolver spec.
 */
#include "common/internal.h"

#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/span.h"
#include "dns/cache.h"
#include "dns/fake.h"
#include "dns/rdata.h"
#include "dns/store.h"
#include "harness/t.h"

static const char *zone_dir;
static char zpath[512];

static void
open_zone(struct ea_resolver *r)
{
	struct emauth_diag d;
	int rc = ea_dns_zone_new(zpath, r, &d);
	T_EQ_INT(rc, 0);
}

static void
test_zone_answer_kinds(void)
{
	struct ea_resolver r;
	struct ea_dns_answer a;
	open_zone(&r);
	r.ops->query(r.impl, "mx.unit.example", EA_DNS_T_A, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_ANSWER);
	T_EQ_INT(a.n, 1);
	ea_dns_answer_release(&a);
	/* Exists, but no TXT: NODATA. */
	r.ops->query(r.impl, "mx.unit.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_NODATA);
	ea_dns_answer_release(&a);
	/* Does not exist: NXDOMAIN, in the zone and outside all zones. */
	r.ops->query(r.impl, "nope.unit.example", EA_DNS_T_A, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_NXDOMAIN);
	ea_dns_answer_release(&a);
	r.ops->query(r.impl, "www.elsewhere.example", EA_DNS_T_A, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_NXDOMAIN);
	ea_dns_answer_release(&a);
	/* Case does not matter; a final dot does not either. */
	r.ops->query(r.impl, "MX.Unit.Example.", EA_DNS_T_AAAA, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_ANSWER);
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
}

static void
test_zone_empty_non_terminal(void)
{
	struct ea_resolver r;
	struct ea_dns_answer a;
	open_zone(&r);
	/* RFC 8020: a name with children exists (NODATA, not NXDOMAIN). */
	r.ops->query(r.impl, "_domainkey.unit.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_NODATA);
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
}

static void
test_zone_txt_strings_apart(void)
{
	struct ea_resolver r;
	struct ea_dns_answer a;
	struct ea_buf b;
	open_zone(&r);
	r.ops->query(r.impl, "unit.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(a.n, 2);
	ea_buf_init(&b, 1000);
	int two = 0;
	for (size_t i = 0; i < a.n; i++) {
		if (ea_dns_txt_count(a.rr[i].rdata) == 2) {
			two++;
			ea_buf_reset(&b);
			T_EQ_INT(ea_dns_txt_join(a.rr[i].rdata, &b), 0);
			/* Joined without a separator (RFC 7208 §3.3). */
			T_EQ_STR(
			    ea_buf_str(&b), "v=spf1 ip4:192.0.2.0/24 -all");
		}
	}
	T_EQ_INT(two, 1);
	ea_buf_release(&b);
	ea_dns_answer_release(&a);
	r.ops->query(r.impl, "spf99.unit.example", EA_DNS_T_SPF, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_ANSWER);
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
}

static void
test_zone_cname(void)
{
	struct ea_resolver r;
	struct ea_dns_answer a;
	open_zone(&r);
	r.ops->query(r.impl, "alias2.unit.example", EA_DNS_T_A, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_ANSWER);
	T_EQ_STR(a.canon, "mx.unit.example");
	ea_dns_answer_release(&a);
	/* Asking for the CNAME itself does not follow it. */
	r.ops->query(r.impl, "alias.unit.example", EA_DNS_T_CNAME, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_ANSWER);
	char target[256];
	T_EQ_INT(ea_dns_target(a.rr[0].rdata, target, sizeof(target)), 0);
	T_EQ_STR(target, "mx.unit.example");
	ea_dns_answer_release(&a);
	r.ops->query(r.impl, "loop1.unit.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_TEMPFAIL);
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
}

static void
test_zone_ptr_and_mx(void)
{
	struct ea_resolver r;
	struct ea_dns_answer a;
	char name[256];
	uint16_t pref = 0;
	open_zone(&r);
	r.ops->query(r.impl, "4.3.2.1.in-addr.arpa", EA_DNS_T_PTR, 1000, &a);
	T_EQ_INT(a.n, 1);
	T_EQ_INT(ea_dns_target(a.rr[0].rdata, name, sizeof(name)), 0);
	T_EQ_STR(name, "mx.unit.example");
	ea_dns_answer_release(&a);
	r.ops->query(r.impl, "unit.example", EA_DNS_T_MX, 1000, &a);
	T_EQ_INT(a.n, 1);
	T_EQ_INT(ea_dns_mx(a.rr[0].rdata, &pref, name, sizeof(name)), 0);
	T_EQ_INT(pref, 10);
	T_EQ_STR(name, "mx.unit.example");
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
}

static void
test_zone_errors_named(void)
{
	struct ea_resolver r;
	struct emauth_diag d;
	char path[600], msg[600];

	memset(&d, 0, sizeof(d));
	T_EQ_INT(
	    ea_dns_zone_new("/nonexistent/zone.file", &r, &d), EMAUTH_EZONE);
	T_TRUE(strstr(d.where, "/nonexistent/zone.file") != NULL);
	snprintf(path, sizeof(path), "%s/bad.zone", zone_dir);
	memset(&d, 0, sizeof(d));
	T_EQ_INT(ea_dns_zone_new(path, &r, &d), EMAUTH_EZONE);
	emauth_diag_format(&d, msg, sizeof(msg));
	/* The message names the file and the line. */
	T_TRUE(strstr(msg, "bad.zone:4") != NULL);
	/* Specs. */
	T_EQ_INT(ea_dns_from_spec("zone:", &r, &d), EMAUTH_EINVAL);
	T_EQ_INT(ea_dns_from_spec("server:not-an-ip", &r, &d), EMAUTH_EINVAL);
	T_EQ_INT(
	    ea_dns_from_spec("server:127.0.0.1@99999", &r, &d), EMAUTH_EINVAL);
	T_EQ_INT(ea_dns_from_spec("server:127.0.0.1@", &r, &d), EMAUTH_EINVAL);
	T_EQ_INT(ea_dns_from_spec("bogus", &r, &d), EMAUTH_EINVAL);
	T_EQ_INT(ea_dns_from_spec("server:127.0.0.1@5353", &r, &d), 0);
	ea_resolver_release(&r);
	T_EQ_INT(ea_dns_from_spec("server:::1", &r, &d), 0);
	ea_resolver_release(&r);
}

/* Opens the zone files named (comma-separated, in the zone directory). */
static int
open_files(struct ea_resolver *r, const char *names, struct emauth_diag *d)
{
	char spec[2048];
	size_t o = 0;
	const char *p = names;
	for (;;) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		o += (size_t)snprintf(spec + o, sizeof(spec) - o, "%s%s/%.*s",
		    o ? "," : "", zone_dir, (int)n, p);
		if (c == NULL || o >= sizeof(spec))
			break;
		p = c + 1;
	}
	memset(d, 0, sizeof(*d));
	return ea_dns_zone_new(spec, r, d);
}

/* A zone file from @text in a temporary file; @path receives its name. */
static void
temp_zone(char *path, size_t size, const char *text)
{
	snprintf(path, size, "/tmp/emauth-test-zone-XXXXXX");
	int fd = mkstemp(path);
	T_TRUE(fd >= 0);
	if (fd < 0)
		return;
	size_t n = strlen(text);
	T_EQ_INT(write(fd, text, n), (long long)n);
	close(fd);
}

static enum ea_dns_status
status_of(struct ea_resolver *r, const char *name, uint16_t type)
{
	struct ea_dns_answer a;
	r->ops->query(r->impl, name, type, 1000, &a);
	enum ea_dns_status st = a.status;
	ea_dns_answer_release(&a);
	return st;
}

/* How many TXT records of @a join to @text with TTL @ttl (0: any). */
static int
count_txt(const struct ea_dns_answer *a, const char *text, uint32_t ttl)
{
	struct ea_buf b;
	int n = 0;
	ea_buf_init(&b, 4096);
	for (size_t i = 0; i < a->n; i++) {
		ea_buf_reset(&b);
		if (a->rr[i].type == EA_DNS_T_TXT &&
		    ea_dns_txt_join(a->rr[i].rdata, &b) == 0 &&
		    strcmp(ea_buf_str(&b), text) == 0 &&
		    (ttl == 0 || a->rr[i].ttl == ttl))
			n++;
	}
	ea_buf_release(&b);
	return n;
}

static void
test_zone_wildcard(void)
{
	struct ea_resolver r;
	struct ea_dns_answer a;
	struct emauth_diag d;
	T_EQ_INT(open_files(&r, "wild.example.zone", &d), 0);
	/* RFC 4592 §3.3.1: synthesized from *.sub, owned by the query
	 * name, for one label or more in the wildcard's place. */
	r.ops->query(r.impl, "x.sub.wild.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_ANSWER);
	T_EQ_INT(a.n, 1);
	T_EQ_INT(count_txt(&a, "v=spf1 -all", 300), 1);
	T_EQ_STR(a.canon, "x.sub.wild.example");
	ea_dns_answer_release(&a);
	T_EQ_INT(
	    status_of(&r, "a.b.sub.wild.example", EA_DNS_T_MX), EA_DNS_ANSWER);
	T_EQ_INT(
	    status_of(&r, "*.sub.wild.example", EA_DNS_T_TXT), EA_DNS_ANSWER);
	/* The wildcard owns TXT and MX only: NODATA for A. */
	T_EQ_INT(
	    status_of(&r, "x.sub.wild.example", EA_DNS_T_A), EA_DNS_NODATA);
	/* A name that exists is not matched, nor an empty non-terminal
	 * (RFC 4592 §2.2.2). */
	T_EQ_INT(status_of(&r, "host.sub.wild.example", EA_DNS_T_TXT),
	    EA_DNS_NODATA);
	T_EQ_INT(
	    status_of(&r, "ent.sub.wild.example", EA_DNS_T_TXT), EA_DNS_NODATA);
	/* Only the closest encloser's wildcard counts: below host.sub and
	 * ent.sub there is none, though *.sub and * exist higher up. */
	T_EQ_INT(status_of(&r, "x.host.sub.wild.example", EA_DNS_T_TXT),
	    EA_DNS_NXDOMAIN);
	T_EQ_INT(status_of(&r, "x.ent.sub.wild.example", EA_DNS_T_TXT),
	    EA_DNS_NXDOMAIN);
	/* The apex wildcard. */
	r.ops->query(r.impl, "nothing.wild.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(count_txt(&a, "apex wildcard", 0), 1);
	ea_dns_answer_release(&a);
	/* A wildcard CNAME is followed from the query name. */
	r.ops->query(r.impl, "x.alias.wild.example", EA_DNS_T_A, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_ANSWER);
	T_EQ_STR(a.canon, "mx.wild.example");
	ea_dns_answer_release(&a);
	r.ops->query(r.impl, "x.alias.wild.example", EA_DNS_T_CNAME, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_ANSWER);
	T_EQ_STR(a.canon, "x.alias.wild.example");
	ea_dns_answer_release(&a);
	/* A wildcard with a child: the child is a name like any other, and
	 * a "*" label below the wildcard is no wildcard. */
	r.ops->query(r.impl, "x.kids.wild.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(count_txt(&a, "kids", 0), 1);
	ea_dns_answer_release(&a);
	r.ops->query(r.impl, "a.*.kids.wild.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(count_txt(&a, "below the wildcard", 0), 1);
	ea_dns_answer_release(&a);
	T_EQ_INT(status_of(&r, "b.*.kids.wild.example", EA_DNS_T_TXT),
	    EA_DNS_NXDOMAIN);
	ea_resolver_release(&r);
}

static void
test_zone_identical_records(void)
{
	struct ea_resolver r;
	struct ea_dns_answer a;
	struct emauth_diag d;
	T_EQ_INT(
	    open_files(&r, "wild.example.zone,wild.example.more.zone", &d), 0);
	/* RFC 2181 §5: "same" three times (two files, three TTLs) is one
	 * record, with the TTL read first; "other" keeps its own TTL. */
	r.ops->query(r.impl, "dup.wild.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(a.n, 2);
	T_EQ_INT(count_txt(&a, "same", 300), 1);
	T_EQ_INT(count_txt(&a, "other", 100), 1);
	T_EQ_INT(a.ttl, 100);
	ea_dns_answer_release(&a);
	/* MX exchanges that differ in case only are the same record. */
	r.ops->query(r.impl, "dup.wild.example", EA_DNS_T_MX, 1000, &a);
	T_EQ_INT(a.n, 1);
	ea_dns_answer_release(&a);
	/* A record without a TTL takes $TTL, not its RRset's first TTL. */
	r.ops->query(r.impl, "ttl.wild.example", EA_DNS_T_A, 1000, &a);
	T_EQ_INT(a.n, 2);
	T_TRUE(a.rr[0].ttl + a.rr[1].ttl == 60 + 300);
	ea_dns_answer_release(&a);
	/* The second file, without SOA, joined the zone. */
	r.ops->query(r.impl, "more.wild.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(count_txt(&a, "from the second file", 900), 1);
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
	/* The other order: the second file's copy is read first. */
	T_EQ_INT(
	    open_files(&r, "wild.example.more.zone,wild.example.zone", &d), 0);
	r.ops->query(r.impl, "dup.wild.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(a.n, 2);
	T_EQ_INT(count_txt(&a, "same", 900), 1);
	ea_dns_answer_release(&a);
	T_EQ_INT(
	    status_of(&r, "x.sub.wild.example", EA_DNS_T_TXT), EA_DNS_ANSWER);
	ea_resolver_release(&r);
}

static void
test_zone_delegation(void)
{
	struct ea_resolver r;
	struct ea_dns_answer a;
	struct emauth_diag d;
	T_EQ_INT(open_files(&r, "wild.example.zone", &d), 0);
	/* RFC 1034 §4.3.2: at and below a cut the zone refers elsewhere;
	 * glue and occluded names (and wildcards) are not answers. */
	static const char *const below[] = {"child.wild.example",
	    "ns.child.wild.example", "www.child.wild.example",
	    "x.child.wild.example", "tochild.wild.example",
	    "loaded.wild.example", "ns.loaded.wild.example"};
	for (size_t i = 0; i < EA_ARRAY_LEN(below); i++) {
		r.ops->query(r.impl, below[i], EA_DNS_T_A, 1000, &a);
		T_EQ_INT(a.status, EA_DNS_TEMPFAIL);
		T_EQ_STR(a.why, EA_STORE_DELEGATED);
		ea_dns_answer_release(&a);
	}
	T_EQ_INT(
	    status_of(&r, "child.wild.example", EA_DNS_T_NS), EA_DNS_TEMPFAIL);
	/* RFC 4035 §3.1.4.1: DS records are the parent's. */
	T_EQ_INT(status_of(&r, "child.wild.example", 43), EA_DNS_NODATA);
	T_EQ_INT(status_of(&r, "loaded.wild.example", 43), EA_DNS_ANSWER);
	ea_resolver_release(&r);
	/* With the child zone loaded, its names come from it. */
	T_EQ_INT(
	    open_files(&r, "loaded.wild.example.zone,wild.example.zone", &d),
	    0);
	r.ops->query(r.impl, "ns.loaded.wild.example", EA_DNS_T_A, 1000, &a);
	T_EQ_INT(a.n, 1);
	static const uint8_t child_ns[4] = {192, 0, 2, 55};
	T_EQ_MEM(a.rr[0].rdata.p, a.rr[0].rdata.len, child_ns, 4);
	ea_dns_answer_release(&a);
	r.ops->query(r.impl, "loaded.wild.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(count_txt(&a, "v=spf1 ip4:192.0.2.0/24 -all", 0), 1);
	ea_dns_answer_release(&a);
	r.ops->query(
	    r.impl, "y.any.loaded.wild.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(count_txt(&a, "from the child", 0), 1);
	ea_dns_answer_release(&a);
	T_EQ_INT(
	    status_of(&r, "loaded.wild.example", EA_DNS_T_NS), EA_DNS_ANSWER);
	T_EQ_INT(status_of(&r, "loaded.wild.example", 43), EA_DNS_ANSWER);
	T_EQ_INT(
	    status_of(&r, "child.wild.example", EA_DNS_T_TXT), EA_DNS_TEMPFAIL);
	ea_resolver_release(&r);
}

static void
test_zone_occluded_not_in_child(void)
{
	char parent[64], child[64];
	struct ea_resolver r;
	struct emauth_diag d;
	temp_zone(parent, sizeof(parent),
	    "$ORIGIN p.example.\n$TTL 300\n@ IN SOA ns h 1 1 1 1 1\n"
	    "c IN NS ns.c\nns.c IN A 192.0.2.2\nwww.c IN TXT \"occluded\"\n"
	    "*.c IN TXT \"occluded wildcard\"\n");
	temp_zone(child, sizeof(child),
	    "$ORIGIN c.p.example.\n$TTL 300\n@ IN SOA ns h 1 1 1 1 1\n"
	    "@ IN NS ns\nns IN A 192.0.2.2\n");
	char spec[200];
	snprintf(spec, sizeof(spec), "%s,%s", parent, child);
	T_EQ_INT(ea_dns_zone_new(spec, &r, &d), 0);
	/* The child zone alone answers below its apex: the parent's
	 * occluded names are not its names (NSD differs, see
	 * docs/internals/dns.md). */
	T_EQ_INT(
	    status_of(&r, "www.c.p.example", EA_DNS_T_TXT), EA_DNS_NXDOMAIN);
	T_EQ_INT(
	    status_of(&r, "other.c.p.example", EA_DNS_T_TXT), EA_DNS_NXDOMAIN);
	T_EQ_INT(status_of(&r, "ns.c.p.example", EA_DNS_T_A), EA_DNS_ANSWER);
	ea_resolver_release(&r);
	unlink(parent);
	unlink(child);
}

static void
test_zone_ttl_defaults(void)
{
	char path[64];
	struct ea_resolver r;
	struct ea_dns_answer a;
	struct emauth_diag d;
	/* RFC 1035 §5.1: without $TTL, the last TTL stated; $TTL 0 is 0. */
	temp_zone(path, sizeof(path),
	    "$ORIGIN t.example.\n@ IN SOA ns h 1 1 1 1 1\na 100 IN A "
	    "192.0.2.1\nb IN A 192.0.2.2\n$TTL 0\nc IN A 192.0.2.3\n");
	T_EQ_INT(ea_dns_zone_new(path, &r, &d), 0);
	r.ops->query(r.impl, "b.t.example", EA_DNS_T_A, 1000, &a);
	T_EQ_INT(a.n, 1);
	T_EQ_INT(a.rr[0].ttl, 100);
	ea_dns_answer_release(&a);
	r.ops->query(r.impl, "c.t.example", EA_DNS_T_A, 1000, &a);
	T_EQ_INT(a.n, 1);
	T_EQ_INT(a.rr[0].ttl, 0);
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
	unlink(path);
}

static void
test_zone_refused(void)
{
	static const struct {
		const char *text, *where, *msg;
	} bad[] = {
	    /* Records after the stray quote would vanish into it. */
	    {"$ORIGIN q.example.\n@ 300 IN SOA ns h 1 1 1 1 1\n"
	     "a 300 IN TXT \"open\nb 300 IN TXT \"v=spf1 -all\"\n",
	        ":4", "quoted string"},
	    {"$ORIGIN q.example.\n@ 300 IN SOA ns h 1 1 1 1 1\n"
	     "@ 300 IN SOA ns h 2 1 1 1 1\n",
	        ":3", "SOA"},
	    /* A wildcard needs its zone. */
	    {"$ORIGIN q.example.\n*.w 300 IN TXT \"v=spf1 -all\"\n", ":2",
	        "wildcard"},
	    {"$ORIGIN q.example.\n@ 300 IN SOA ns h 1 1 1 1 1\n"
	     "$INCLUDE other.zone\n",
	        ":3", "$INCLUDE"},
	    /* Records read before the bad one are freed (the leak check is
	     * tests/interop/zone_nsd.sh under the sanitizer build). */
	    {"$ORIGIN q.example.\n@ 300 IN SOA ns h 1 1 1 1 1\n"
	     "a 300 IN TXT \"x\"\nb 300 IN A 192.0.2.300\n",
	        ":4", "rdata"},
	};
	for (size_t i = 0; i < EA_ARRAY_LEN(bad); i++) {
		char path[64], msg[600];
		struct ea_resolver r;
		struct emauth_diag d;
		temp_zone(path, sizeof(path), bad[i].text);
		memset(&d, 0, sizeof(d));
		T_EQ_INT(ea_dns_zone_new(path, &r, &d), EMAUTH_EZONE);
		emauth_diag_format(&d, msg, sizeof(msg));
		if (!strstr(msg, bad[i].where) || !strstr(msg, bad[i].msg))
			T_FAILF("case %zu: %s", i, msg);
		unlink(path);
	}
}

static void
test_zone_outside_data(void)
{
	char a[64], b[64], spec[200];
	struct ea_resolver r;
	struct emauth_diag d;
	/* A file without SOA, alone: exact names only, as before. */
	temp_zone(a, sizeof(a),
	    "$ORIGIN n.example.\n$TTL 300\na.b IN TXT \"v=spf1 -all\"\n");
	T_EQ_INT(ea_dns_zone_new(a, &r, &d), 0);
	T_EQ_INT(status_of(&r, "a.b.n.example", EA_DNS_T_TXT), EA_DNS_ANSWER);
	T_EQ_INT(status_of(&r, "b.n.example", EA_DNS_T_TXT), EA_DNS_NXDOMAIN);
	ea_resolver_release(&r);
	unlink(a);
	/* Data outside its file's zone answers names no loaded zone holds;
	 * where a zone holds the name, the zone's own data answers (BIND
	 * ignores such a record; NSD refuses the file). */
	temp_zone(a, sizeof(a),
	    "$ORIGIN a.example.\n$TTL 300\n@ IN SOA ns h 1 1 1 1 1\n"
	    "x.b.example. IN TXT \"foreign\"\n"
	    "y.c.example. IN TXT \"foreign\"\n");
	temp_zone(b, sizeof(b),
	    "$ORIGIN b.example.\n$TTL 300\n@ IN SOA ns h 1 1 1 1 1\n"
	    "@ IN TXT \"v=spf1 -all\"\n");
	snprintf(spec, sizeof(spec), "%s,%s", a, b);
	T_EQ_INT(ea_dns_zone_new(spec, &r, &d), 0);
	T_EQ_INT(status_of(&r, "x.b.example", EA_DNS_T_TXT), EA_DNS_NXDOMAIN);
	T_EQ_INT(status_of(&r, "y.c.example", EA_DNS_T_TXT), EA_DNS_ANSWER);
	T_EQ_INT(status_of(&r, "c.example", EA_DNS_T_TXT), EA_DNS_NXDOMAIN);
	ea_resolver_release(&r);
	unlink(a);
	unlink(b);
}

static void
test_fake_exact_names(void)
{
	struct ea_resolver r;
	struct ea_store *s;
	struct emauth_span txt = ea_span_str("v=spf1 -all");
	/* The fake has no zones: names are answered as added, a "*" label
	 * included, and their ancestors do not exist (the test suites'
	 * data assume this). */
	T_EQ_INT(ea_dns_fake_new(&r, &s), 0);
	ea_dns_fake_txt(s, "*.w.example", &txt, 1);
	ea_dns_fake_txt(s, "a.b.example", &txt, 1);
	ea_dns_fake_txt(s, "a.b.example", &txt, 1);
	T_EQ_INT(status_of(&r, "*.w.example", EA_DNS_T_TXT), EA_DNS_ANSWER);
	T_EQ_INT(status_of(&r, "x.w.example", EA_DNS_T_TXT), EA_DNS_NXDOMAIN);
	T_EQ_INT(status_of(&r, "b.example", EA_DNS_T_TXT), EA_DNS_NXDOMAIN);
	struct ea_dns_answer a;
	r.ops->query(r.impl, "a.b.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(a.n, 1);
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
}

static void
test_fake_failures(void)
{
	struct ea_resolver r;
	struct ea_store *s;
	struct ea_dns_answer a;
	struct emauth_span txt = ea_span_str("v=spf1 -all");

	T_EQ_INT(ea_dns_fake_new(&r, &s), 0);
	ea_dns_fake_txt(s, "t.example", &txt, 1);
	/* TIMEOUT for every type without records there. */
	ea_store_fail(s, ea_span_str("t.example"), 0, EA_STORE_TIMEOUT);
	ea_store_fail(
	    s, ea_span_str("sf.example"), EA_DNS_T_A, EA_STORE_SERVFAIL);
	r.ops->query(r.impl, "t.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_ANSWER);
	ea_dns_answer_release(&a);
	r.ops->query(r.impl, "t.example", EA_DNS_T_MX, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_TEMPFAIL);
	T_EQ_STR(a.why, "timeout");
	ea_dns_answer_release(&a);
	r.ops->query(r.impl, "sf.example", EA_DNS_T_A, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_TEMPFAIL);
	T_EQ_INT(a.rcode, 2);
	ea_dns_answer_release(&a);
	/* Only the scripted type fails. */
	r.ops->query(r.impl, "sf.example", EA_DNS_T_TXT, 1000, &a);
	T_EQ_INT(a.status, EA_DNS_NODATA);
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
}

/* An RRset of EA_DNS_RRS_MAX records is answered whole; one more record
 * makes the answer a failure, never its first 512 records. */
static void
test_rrset_cap(void)
{
	struct ea_resolver r;
	struct ea_store *s;
	struct ea_dns_answer a;
	char ip[32];
	T_EQ_INT(ea_dns_fake_new(&r, &s), 0);
	for (int i = 0; i < EA_DNS_RRS_MAX + 1; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 256, i % 256);
		if (i < EA_DNS_RRS_MAX)
			ea_dns_fake_addr(s, "cap.example", ip);
		ea_dns_fake_addr(s, "over.example", ip);
	}
	T_EQ_INT(ea_dns_query(&r, NULL, "cap.example", EA_DNS_T_A, &a), 0);
	T_EQ_INT(a.status, EA_DNS_ANSWER);
	T_EQ_INT(a.n, EA_DNS_RRS_MAX);
	ea_dns_answer_release(&a);
	T_EQ_INT(ea_dns_query(&r, NULL, "over.example", EA_DNS_T_A, &a), 0);
	T_EQ_INT(a.status, EA_DNS_TEMPFAIL);
	T_EQ_INT(a.n, 0);
	T_EQ_STR(a.why, "more than 512 records in one answer");
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
}

/* A recording that could not keep every answer is not saved: past 4,096
 * answers, or an answer over 512 records. */
static void
test_recorder_complete_or_nothing(void)
{
	for (int over = 0; over < 3; over++) {
		struct ea_resolver r;
		struct ea_store *s;
		struct ea_dns_answer a;
		char name[64];
		T_EQ_INT(ea_dns_fake_new(&r, &s), 0);
		int names = over == 1 ? 4097 : 4096;
		for (int i = 0; i < names; i++) {
			snprintf(name, sizeof(name), "n%d.example", i);
			ea_dns_fake_addr(s, name, "192.0.2.1");
		}
		for (int i = 0; over == 2 && i <= EA_DNS_RRS_MAX; i++) {
			snprintf(
			    name, sizeof(name), "10.1.%d.%d", i / 256, i % 256);
			ea_dns_fake_addr(s, "n0.example", name);
		}
		T_EQ_INT(ea_dns_recorder_wrap(&r), 0);
		for (int i = 0; i < names; i++) {
			snprintf(name, sizeof(name), "n%d.example", i);
			ea_dns_query(&r, NULL, name, EA_DNS_T_A, &a);
			ea_dns_answer_release(&a);
		}
		FILE *f = tmpfile();
		T_EQ_INT(ea_dns_recorder_save(&r, f), over ? EMAUTH_ELIMIT : 0);
		T_TRUE(over ? ftell(f) == 0 : ftell(f) > 0);
		fclose(f);
		ea_resolver_release(&r);
	}
}

static void
test_budget(void)
{
	struct ea_resolver r;
	struct ea_store *s;
	struct ea_dns_answer a;
	struct ea_dns_budget b = {0};

	ea_dns_fake_new(&r, &s);
	b.max_queries = 2;
	ea_dns_budget_start(&b, &r);
	ea_dns_query(&r, &b, "a.example", EA_DNS_T_A, &a);
	T_EQ_INT(a.status, EA_DNS_NXDOMAIN);
	ea_dns_answer_release(&a);
	ea_dns_query(&r, &b, "a.example", EA_DNS_T_A, &a);
	ea_dns_answer_release(&a);
	ea_dns_query(&r, &b, "a.example", EA_DNS_T_A, &a);
	T_EQ_INT(a.status, EA_DNS_TEMPFAIL);
	T_EQ_STR(a.why, "DNS query budget exhausted");
	ea_dns_answer_release(&a);
	/* The deadline. */
	b.max_queries = 100;
	b.deadline_ms = ea_dns_now_ms() - 1;
	ea_dns_query(&r, &b, "a.example", EA_DNS_T_A, &a);
	T_EQ_INT(a.status, EA_DNS_TEMPFAIL);
	T_EQ_STR(a.why, "DNS time budget exhausted");
	ea_dns_answer_release(&a);
	/* The resolver-wide deadline (a message's budget) bounds every
	 * evaluation's, and queries without a budget too. */
	r.deadline_ms = ea_dns_now_ms() - 1;
	struct ea_dns_budget b2 = {0};
	ea_dns_budget_start(&b2, &r);
	T_TRUE(b2.deadline_ms == r.deadline_ms);
	ea_dns_query(&r, &b2, "a.example", EA_DNS_T_A, &a);
	T_EQ_STR(a.why, "DNS time budget exhausted");
	ea_dns_answer_release(&a);
	ea_dns_query(&r, NULL, "a.example", EA_DNS_T_A, &a);
	T_EQ_INT(a.status, EA_DNS_TEMPFAIL);
	T_EQ_STR(a.why, "DNS time budget exhausted");
	ea_dns_answer_release(&a);
	r.deadline_ms = ea_dns_now_ms() + 60000;
	ea_dns_query(&r, NULL, "a.example", EA_DNS_T_A, &a);
	T_EQ_INT(a.status, EA_DNS_NXDOMAIN);
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
}

struct got {
	int n;
	enum ea_dns_status last;
};

static void
on_answer(void *arg, struct ea_dns_answer *ans)
{
	struct got *g = arg;
	g->n++;
	g->last = ans->status;
	ea_dns_answer_release(ans);
}

static void
test_async(void)
{
	struct ea_resolver r;
	struct got g = {0, EA_DNS_ANSWER};
	open_zone(&r);
	T_EQ_INT(
	    r.ops->submit(r.impl, "mx.unit.example", EA_DNS_T_A, on_answer, &g),
	    0);
	T_EQ_INT(
	    r.ops->submit(r.impl, "zz.unit.example", EA_DNS_T_A, on_answer, &g),
	    0);
	/* Nothing runs before process(). */
	T_EQ_INT(g.n, 0);
	T_EQ_INT(r.ops->fd(r.impl), -1);
	T_EQ_INT(r.ops->process(r.impl), 0);
	T_EQ_INT(g.n, 2);
	T_EQ_INT(g.last, EA_DNS_NXDOMAIN);
	ea_resolver_release(&r);
}

static void
test_names(void)
{
	char out[EA_DNS_PRES_MAX];
	uint8_t wire[300];
	char label64[70];

	T_EQ_INT(ea_dns_name_escape(
	             ea_span_str("A b.Example."), true, out, sizeof(out)),
	    0);
	T_EQ_STR(out, "a\\032b.example");
	T_EQ_INT(
	    ea_dns_name_escape(ea_span_str("a..b"), true, out, sizeof(out)),
	    EMAUTH_ESYNTAX);
	memset(label64, 'a', 64);
	memcpy(label64 + 64, ".com", 5);
	T_EQ_INT(
	    ea_dns_name_escape(ea_span_str(label64), true, out, sizeof(out)),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(
	    ea_dns_name_to_wire(ea_span_str("ab.c"), wire, sizeof(wire)), 6);
	T_EQ_MEM(wire, 6, "\002ab\001c\000", 6);
	/* A compression pointer is refused in RDATA. */
	static const uint8_t ptr[] = {0xc0, 0x0c};
	size_t pos = 0;
	T_EQ_INT(ea_dns_name_from_wire(ea_span(ptr, 2), &pos, out, sizeof(out)),
	    EMAUTH_ESYNTAX);
	/* A label running past the end. */
	static const uint8_t trunc[] = {5, 'a', 'b'};
	pos = 0;
	T_EQ_INT(
	    ea_dns_name_from_wire(ea_span(trunc, 3), &pos, out, sizeof(out)),
	    EMAUTH_ESYNTAX);
	/* RFC 1035 §2.3.4: 255 octets on the wire with the root label
	 * (253 characters) are a name, 256 octets (254 characters) are not.
	 * Labels of 63, 63, 63 and then 61 or 62 octets. */
	for (int last = 61; last <= 62; last++) {
		uint8_t w[300];
		char big[EA_DNS_PRES_MAX];
		size_t n = 0;
		for (int l = 0; l < 4; l++) {
			int len = l < 3 ? 63 : last;
			w[n++] = (uint8_t)len;
			memset(w + n, 'a' + l, (size_t)len);
			n += (size_t)len;
		}
		w[n++] = 0;
		T_EQ_INT((int)n, last == 61 ? 255 : 256);
		pos = 0;
		int want = last == 61 ? 0 : EMAUTH_ESYNTAX;
		T_EQ_INT(ea_dns_name_from_wire(
		             ea_span(w, n), &pos, big, sizeof(big)),
		    want);
		pos = 0;
		T_EQ_INT(
		    ea_dns_wire_to_key(ea_span(w, n), &pos, big, sizeof(big)),
		    want);
		if (want == 0)
			T_EQ_INT((int)strlen(big), 253);
	}
}

static void
test_rdata_malformed(void)
{
	struct ea_buf b;
	static const uint8_t txt_bad[] = {10, 'a', 'b'};
	static const uint8_t mx_short[] = {0, 1};
	static const uint8_t mx_trailing[] = {0, 1, 0, 0xff};
	char name[256];
	uint16_t pref;

	ea_buf_init(&b, 100);
	T_EQ_INT(ea_dns_txt_join(ea_span(txt_bad, 3), &b), EMAUTH_ESYNTAX);
	T_EQ_INT(ea_dns_txt_count(ea_span(txt_bad, 3)), -1);
	T_EQ_INT(ea_dns_txt_count(ea_span(NULL, 0)), 0);
	T_EQ_INT(ea_dns_mx(ea_span(mx_short, 2), &pref, name, sizeof(name)),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(ea_dns_mx(ea_span(mx_trailing, 4), &pref, name, sizeof(name)),
	    EMAUTH_ESYNTAX);
	ea_buf_release(&b);
	/* The TXT join is capped. */
	uint8_t big[256];
	big[0] = 255;
	memset(big + 1, 'x', 255);
	ea_buf_init(&b, 100);
	T_EQ_INT(ea_dns_txt_join(ea_span(big, 256), &b), EMAUTH_ETOOBIG);
	ea_buf_release(&b);
}

static void
test_answer_cache(void)
{
	struct emauth_dns_cache *c = ea_dns_cache_new(0);
	struct ea_dns_answer a, got;
	static const uint8_t ip[4] = {192, 0, 2, 1};

	ea_dns_answer_init(&a);
	ea_dns_answer_add(&a, EA_DNS_T_A, 300, ea_span(ip, 4));
	snprintf(a.canon, sizeof(a.canon), "www.example.com");
	ea_dns_cache_put(c, "www.example.com", EA_DNS_T_A, &a);
	T_TRUE(ea_dns_cache_get(c, "www.example.com", EA_DNS_T_A, &got));
	T_EQ_INT(got.status, EA_DNS_ANSWER);
	T_EQ_INT(got.n, 1);
	T_EQ_MEM(got.rr[0].rdata.p, got.rr[0].rdata.len, ip, 4);
	T_EQ_STR(got.canon, "www.example.com");
	T_TRUE(got.ttl <= 300 && got.ttl >= 299);
	ea_dns_answer_release(&got);
	/* Another type is another question. */
	T_TRUE(!ea_dns_cache_get(c, "www.example.com", EA_DNS_T_AAAA, &got));
	ea_dns_answer_release(&a);
	/* Negative answers with a TTL are kept; temporary failures and
	 * TTL 0 are not. */
	ea_dns_answer_init(&a);
	a.status = EA_DNS_NXDOMAIN;
	a.ttl = 60;
	ea_dns_cache_put(c, "nx.example.com", EA_DNS_T_TXT, &a);
	T_TRUE(ea_dns_cache_get(c, "nx.example.com", EA_DNS_T_TXT, &got));
	T_EQ_INT(got.status, EA_DNS_NXDOMAIN);
	ea_dns_answer_release(&got);
	a.status = EA_DNS_TEMPFAIL;
	ea_dns_cache_put(c, "tf.example.com", EA_DNS_T_TXT, &a);
	T_TRUE(!ea_dns_cache_get(c, "tf.example.com", EA_DNS_T_TXT, &got));
	a.status = EA_DNS_NODATA;
	a.ttl = 0;
	ea_dns_cache_put(c, "zero.example.com", EA_DNS_T_TXT, &a);
	T_TRUE(!ea_dns_cache_get(c, "zero.example.com", EA_DNS_T_TXT, &got));
	/* Entries expire with their TTL. */
	a.ttl = 1;
	ea_dns_cache_put(c, "short.example.com", EA_DNS_T_TXT, &a);
	T_TRUE(ea_dns_cache_get(c, "short.example.com", EA_DNS_T_TXT, &got));
	ea_dns_answer_release(&got);
	struct timespec ts = {1, 100000000};
	nanosleep(&ts, NULL);
	T_TRUE(!ea_dns_cache_get(c, "short.example.com", EA_DNS_T_TXT, &got));
	ea_dns_cache_free(c);
}

/* RFC 1035 §2.3.4: 253 characters (255 octets on the wire) and labels of
 * 63 go to a back end; 254 characters or a label of 64 never do: a name
 * that cannot exist is NXDOMAIN, asked of no server. The longest name
 * escaped byte by byte still fits EA_DNS_PRES_MAX. */
static void
test_name_length_edges(void)
{
	char name[300], out[EA_DNS_PRES_MAX];
	uint8_t wire[300];
	struct ea_resolver r;
	struct ea_store *s;
	struct ea_dns_answer a;

	T_EQ_INT(ea_dns_fake_new(&r, &s), 0);
	for (size_t len = EA_DNS_NAME_MAX; len <= EA_DNS_NAME_MAX + 1; len++) {
		/* Labels of 63, 63, 63 and 61 or 62. */
		memset(name, 'n', len);
		name[63] = name[127] = name[191] = '.';
		name[len] = '\0';
		int esc = ea_dns_name_escape(
		    ea_span(name, len), true, out, sizeof(out));
		int w =
		    ea_dns_name_to_wire(ea_span(name, len), wire, sizeof(wire));
		int add = ea_dns_fake_addr(s, name, "192.0.2.1");
		T_EQ_INT(ea_dns_query(&r, NULL, name, EA_DNS_T_A, &a), 0);
		if (len == EA_DNS_NAME_MAX) {
			T_EQ_INT(esc, 0);
			T_EQ_INT(w, 255);
			T_EQ_INT(add, 0);
			T_EQ_INT(a.status, EA_DNS_ANSWER);
		} else {
			T_EQ_INT(esc, EMAUTH_ESYNTAX);
			T_EQ_INT(w, EMAUTH_ESYNTAX);
			T_TRUE(add != 0);
			T_EQ_INT(a.status, EA_DNS_NXDOMAIN);
		}
		ea_dns_answer_release(&a);
	}
	for (size_t lab = EA_DNS_LABEL_MAX; lab <= EA_DNS_LABEL_MAX + 1;
	     lab++) {
		memset(name, 'l', lab);
		memcpy(name + lab, ".example", 9);
		int esc = ea_dns_name_escape(
		    ea_span_str(name), true, out, sizeof(out));
		T_EQ_INT(esc, lab == EA_DNS_LABEL_MAX ? 0 : EMAUTH_ESYNTAX);
		T_EQ_INT(ea_dns_query(&r, NULL, name, EA_DNS_T_A, &a), 0);
		T_EQ_INT(a.status, EA_DNS_NXDOMAIN);
		ea_dns_answer_release(&a);
	}
	/* 253 bytes that all need \DDD: 4 characters each, within the
	 * presentation buffer (its cap is never what refuses a name). */
	memset(name, 1, EA_DNS_NAME_MAX);
	name[63] = name[127] = name[191] = '.';
	T_EQ_INT(ea_dns_name_escape(
	             ea_span(name, EA_DNS_NAME_MAX), true, out, sizeof(out)),
	    0);
	T_EQ_INT(strlen(out), 4 * (EA_DNS_NAME_MAX - 3) + 3);
	/* 127 labels (the most a 253-character name has) are walked by the
	 * zone lookup (LABELS_MAX 128). */
	size_t o = 0;
	for (int i = 0; i < 127; i++) {
		if (i)
			name[o++] = '.';
		name[o++] = 'k';
	}
	name[o] = '\0';
	T_EQ_INT(o, EA_DNS_NAME_MAX);
	T_EQ_INT(ea_dns_fake_addr(s, name, "192.0.2.2"), 0);
	T_EQ_INT(ea_dns_query(&r, NULL, name, EA_DNS_T_A, &a), 0);
	T_EQ_INT(a.status, EA_DNS_ANSWER);
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
}

/* Ours, EA_DNS_QUERIES_MAX: an evaluation's budget (when its caller sets
 * none) answers 160 queries; the 161st is a temporary failure. */
static void
test_default_query_budget(void)
{
	struct ea_resolver r;
	struct ea_store *s;
	struct ea_dns_answer a;
	struct ea_dns_budget b = {0};

	T_EQ_INT(ea_dns_fake_new(&r, &s), 0);
	ea_dns_fake_addr(s, "q.example", "192.0.2.1");
	ea_dns_budget_start(&b, &r);
	T_EQ_INT(b.max_queries, EA_DNS_QUERIES_MAX);
	for (int i = 0; i < EA_DNS_QUERIES_MAX; i++) {
		ea_dns_query(&r, &b, "q.example", EA_DNS_T_A, &a);
		if (a.status != EA_DNS_ANSWER)
			T_FAILF("query %d: %s", i + 1,
			    ea_dns_status_name(a.status));
		ea_dns_answer_release(&a);
	}
	ea_dns_query(&r, &b, "q.example", EA_DNS_T_A, &a);
	T_EQ_INT(a.status, EA_DNS_TEMPFAIL);
	T_EQ_STR(a.why, "DNS query budget exhausted");
	ea_dns_answer_release(&a);
	T_EQ_INT(b.queries, EA_DNS_QUERIES_MAX);
	ea_resolver_release(&r);
}

/* Ours, EA_DNS_CNAME_MAX: a chain of 8 CNAMEs is followed to its end; a
 * chain of 9 is a temporary failure (SERVFAIL), as a loop is. */
static void
test_cname_chain_edges(void)
{
	struct ea_resolver r;
	struct ea_store *s;
	struct ea_dns_answer a;
	char from[32], to[32];

	T_EQ_INT(ea_dns_fake_new(&r, &s), 0);
	/* c0 -> c1 -> ... -> c9, with an address at c8 and at c9. */
	for (int i = 0; i < 9; i++) {
		snprintf(from, sizeof(from), "c%d.example", i);
		snprintf(to, sizeof(to), "c%d.example", i + 1);
		T_EQ_INT(ea_dns_fake_name(s, from, EA_DNS_T_CNAME, to), 0);
	}
	ea_dns_fake_addr(s, "c9.example", "192.0.2.9");
	/* c1: 8 CNAMEs to c9. */
	T_EQ_INT(ea_dns_query(&r, NULL, "c1.example", EA_DNS_T_A, &a), 0);
	T_EQ_INT(a.status, EA_DNS_ANSWER);
	T_EQ_STR(a.canon, "c9.example");
	ea_dns_answer_release(&a);
	/* c0: 9 CNAMEs. */
	T_EQ_INT(ea_dns_query(&r, NULL, "c0.example", EA_DNS_T_A, &a), 0);
	T_EQ_INT(a.status, EA_DNS_TEMPFAIL);
	T_EQ_INT(a.rcode, 2);
	T_EQ_STR(a.why, "CNAME loop or chain too long");
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
}

/* EA_DNS_TXT_MAX (65535): a TXT record's RDATA is at most 65,535 bytes,
 * so its joined strings (65,535 less one length byte per string) always
 * fit; an RDATA of 65,536 bytes cannot be stored, so the cap is never
 * what cuts a record. */
static void
test_txt_rdata_edges(void)
{
	static char text[255];
	static struct emauth_span parts[257];
	struct ea_resolver r;
	struct ea_store *s;
	struct ea_dns_answer a;
	struct ea_buf b;

	memset(text, 't', sizeof(text));
	T_EQ_INT(ea_dns_fake_new(&r, &s), 0);
	/* 255 strings of 255 and one of 254: 65,535 bytes of RDATA. */
	for (int i = 0; i < 256; i++)
		parts[i] = ea_span(text, i < 255 ? 255 : 254);
	T_EQ_INT(ea_dns_fake_txt(s, "max.example", parts, 256), 0);
	parts[255] = ea_span(text, 255);
	T_EQ_INT(
	    ea_dns_fake_txt(s, "over.example", parts, 256), EMAUTH_ETOOBIG);
	T_EQ_INT(ea_dns_query(&r, NULL, "max.example", EA_DNS_T_TXT, &a), 0);
	T_EQ_INT(a.n, 1);
	T_EQ_INT(a.rr[0].rdata.len, 65535);
	ea_buf_init(&b, EA_DNS_TXT_MAX);
	T_EQ_INT(ea_dns_txt_join(a.rr[0].rdata, &b), 0);
	T_EQ_INT(b.len, 65535 - 256);
	ea_buf_release(&b);
	ea_dns_answer_release(&a);
	ea_resolver_release(&r);
}

/* The test back end's scripted failures (4 per name, ours; test hooks
 * only, no input reaches them): a fifth is refused (ELIMIT), never
 * dropped in silence. */
static void
test_scripted_failure_slots(void)
{
	struct ea_resolver r;
	struct ea_store *s;
	T_EQ_INT(ea_dns_fake_new(&r, &s), 0);
	static const uint16_t types[] = {
	    EA_DNS_T_A, EA_DNS_T_AAAA, EA_DNS_T_MX, EA_DNS_T_TXT, EA_DNS_T_PTR};
	for (size_t i = 0; i < 5; i++)
		T_EQ_INT(ea_store_fail(s, ea_span_str("f.example"), types[i],
		             EA_STORE_SERVFAIL),
		    i < 4 ? 0 : EMAUTH_ELIMIT);
	ea_resolver_release(&r);
}

int
main(int argc, char **argv)
{
	zone_dir = argc > 1 ? argv[1] : "tests/data/zones";
	snprintf(zpath, sizeof(zpath), "%s/unit.example.zone", zone_dir);
	T_RUN(test_zone_answer_kinds);
	T_RUN(test_zone_empty_non_terminal);
	T_RUN(test_zone_txt_strings_apart);
	T_RUN(test_zone_cname);
	T_RUN(test_zone_ptr_and_mx);
	T_RUN(test_zone_errors_named);
	T_RUN(test_zone_wildcard);
	T_RUN(test_zone_identical_records);
	T_RUN(test_zone_delegation);
	T_RUN(test_zone_occluded_not_in_child);
	T_RUN(test_zone_ttl_defaults);
	T_RUN(test_zone_refused);
	T_RUN(test_zone_outside_data);
	T_RUN(test_fake_exact_names);
	T_RUN(test_fake_failures);
	T_RUN(test_rrset_cap);
	T_RUN(test_recorder_complete_or_nothing);
	T_RUN(test_budget);
	T_RUN(test_async);
	T_RUN(test_names);
	T_RUN(test_rdata_malformed);
	T_RUN(test_answer_cache);
	T_RUN(test_name_length_edges);
	T_RUN(test_default_query_budget);
	T_RUN(test_cname_chain_edges);
	T_RUN(test_txt_rdata_edges);
	T_RUN(test_scripted_failure_slots);
	return t_summary();
}
