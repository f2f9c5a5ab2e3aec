/*
 * test_dns.c: the DNS layer: zone files through ldns into the store, the
 * answers' four kinds (records, NXDOMAIN, NODATA, temporary failure), CNAME
 * chains and loops, TXT strings kept apart, the test fake's scripted
 * failures, the per-evaluation budget, the async interface, names, RDATA
 * decoding and the resolver spec.
 */
#include "common/internal.h"

#include <stdlib.h>
#include <time.h>
#include <string.h>

#include "common/buf.h"
#include "common/span.h"
#include "dns/cache.h"
#include "dns/fake.h"
#include "dns/rdata.h"
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
	struct ea_dns_cache *c = ea_dns_cache_new();
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
	T_RUN(test_fake_failures);
	T_RUN(test_budget);
	T_RUN(test_async);
	T_RUN(test_names);
	T_RUN(test_rdata_malformed);
	T_RUN(test_answer_cache);
	return t_summary();
}
