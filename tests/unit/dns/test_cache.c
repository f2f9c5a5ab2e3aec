/*
 * test_cache.c: the DNS answer cache: its byte bound (never exceeded, and
 * bytes given back exactly when an entry goes), eviction of the least
 * recently used, an answer larger than the bound, TTLs on an injected
 * clock, several threads on one cache, and two contexts sharing one cache
 * through the public API, in front of a one-record DNS server on loopback.
 */
#include "common/internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/ctx.h"
#include "common/limits.h"
#include "common/span.h"
#include "dns/cache.h"
#include "harness/t.h"

static uint64_t fake_ms;

static uint64_t
fake_clock(void)
{
	return fake_ms;
}

/* Fills @a with @n records of @len bytes each, the bytes derived from
 * @seed, so that a copy can be checked. */
static void
make_answer(
    struct ea_dns_answer *a, unsigned seed, size_t n, size_t len, uint32_t ttl)
{
	uint8_t buf[65536];
	ea_dns_answer_init(a);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)(seed * 31u + i * 7u + j);
		ea_dns_answer_add(a, EA_DNS_T_TXT, ttl, ea_span(buf, len));
	}
	snprintf(a->canon, sizeof(a->canon), "c%u.example", seed);
}

/* Whether @a is what make_answer(seed, n, len) made. */
static bool
same_answer(const struct ea_dns_answer *a, unsigned seed, size_t n, size_t len)
{
	char canon[64];
	if (a->status != EA_DNS_ANSWER || a->n != n)
		return false;
	snprintf(canon, sizeof(canon), "c%u.example", seed);
	if (strcmp(a->canon, canon) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (a->rr[i].type != EA_DNS_T_TXT || a->rr[i].rdata.len != len)
			return false;
		for (size_t j = 0; j < len; j++)
			if (a->rr[i].rdata.p[j] !=
			    (uint8_t)(seed * 31u + i * 7u + j))
				return false;
	}
	return true;
}

static struct ea_dns_cache_stats
stats(struct emauth_dns_cache *c)
{
	struct ea_dns_cache_stats s;
	ea_dns_cache_stats(c, &s);
	return s;
}

static void
test_cache_never_over_bound(void)
{
	const size_t max = 256 * 1024;
	struct emauth_dns_cache *c = ea_dns_cache_new(max);
	struct ea_dns_answer a, got;
	char key[64];
	size_t over = 0, kept_newest = 0, puts = 0;

	T_EQ_INT(stats(c).max_bytes, max);
	/* Answers from 1 byte to 60 KB (15 records of 4 KB), many of them
	 * large: the bound holds after every one. */
	for (unsigned i = 0; i < 600; i++) {
		size_t n = 1 + i % 15, len = 1 + (i * 2654435761u) % 4096;
		snprintf(key, sizeof(key), "k%u.example", i);
		make_answer(&a, i, n, len, 300);
		ea_dns_cache_put(c, key, EA_DNS_T_TXT, &a);
		ea_dns_answer_release(&a);
		puts++;
		struct ea_dns_cache_stats s = stats(c);
		if (s.bytes > max)
			over++;
		/* Each entry costs at least its records: the newest one is
		 * there and the count is honest about it. */
		if (ea_dns_cache_get(c, key, EA_DNS_T_TXT, &got)) {
			if (same_answer(&got, i, n, len) && s.bytes >= n * len)
				kept_newest++;
			ea_dns_answer_release(&got);
		}
	}
	T_EQ_INT(over, 0);
	T_EQ_INT(kept_newest, puts);
	struct ea_dns_cache_stats s = stats(c);
	T_TRUE(s.evictions > 0);
	T_TRUE(s.entries > 0 && s.entries < 600);
	ea_dns_cache_free(c);
}

static void
test_cache_bytes_given_back(void)
{
	struct emauth_dns_cache *c = ea_dns_cache_new(1024 * 1024);
	struct ea_dns_answer a;
	size_t empty = stats(c).bytes;

	ea_dns_answer_init(&a);
	a.status = EA_DNS_NXDOMAIN;
	a.ttl = 60;
	ea_dns_cache_put(c, "x.example", EA_DNS_T_TXT, &a);
	size_t small = stats(c).bytes;
	T_TRUE(small > empty);
	/* A 40 KB answer replaces it, and is charged at least that. */
	make_answer(&a, 1, 10, 4000, 60);
	ea_dns_cache_put(c, "x.example", EA_DNS_T_TXT, &a);
	ea_dns_answer_release(&a);
	T_TRUE(stats(c).bytes >= small + 40000);
	T_EQ_INT(stats(c).entries, 1);
	/* Replaced by the small one again: exactly the small cost. */
	ea_dns_answer_init(&a);
	a.status = EA_DNS_NXDOMAIN;
	a.ttl = 60;
	ea_dns_cache_put(c, "x.example", EA_DNS_T_TXT, &a);
	T_EQ_INT(stats(c).bytes, small);
	T_EQ_INT(stats(c).entries, 1);
	ea_dns_cache_free(c);
}

static void
test_cache_evicts_least_recent(void)
{
	struct emauth_dns_cache *c = ea_dns_cache_new(64 * 1024);
	struct ea_dns_answer a, got;
	char key[64];
	unsigned i;

	/* Ten 2 KB answers fit. */
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%u.example", i);
		make_answer(&a, i, 1, 2000, 300);
		ea_dns_cache_put(c, key, EA_DNS_T_TXT, &a);
		ea_dns_answer_release(&a);
	}
	T_EQ_INT(stats(c).evictions, 0);
	T_EQ_INT(stats(c).entries, 10);
	/* k0 is used, so k1 is now the least recently used. */
	T_TRUE(ea_dns_cache_get(c, "k0.example", EA_DNS_T_TXT, &got));
	ea_dns_answer_release(&got);
	/* More until the first eviction. */
	for (; stats(c).evictions == 0 && i < 1000; i++) {
		snprintf(key, sizeof(key), "k%u.example", i);
		make_answer(&a, i, 1, 2000, 300);
		ea_dns_cache_put(c, key, EA_DNS_T_TXT, &a);
		ea_dns_answer_release(&a);
	}
	T_EQ_INT(stats(c).evictions, 1);
	T_TRUE(!ea_dns_cache_get(c, "k1.example", EA_DNS_T_TXT, &got));
	T_TRUE(ea_dns_cache_get(c, "k0.example", EA_DNS_T_TXT, &got));
	T_TRUE(same_answer(&got, 0, 1, 2000));
	ea_dns_answer_release(&got);
	T_TRUE(ea_dns_cache_get(c, "k2.example", EA_DNS_T_TXT, &got));
	ea_dns_answer_release(&got);
	/* The newest is there. */
	snprintf(key, sizeof(key), "k%u.example", i - 1);
	T_TRUE(ea_dns_cache_get(c, key, EA_DNS_T_TXT, &got));
	T_TRUE(same_answer(&got, i - 1, 1, 2000));
	ea_dns_answer_release(&got);
	T_TRUE(stats(c).bytes <= 64 * 1024);
	ea_dns_cache_free(c);
}

static void
test_cache_over_bound_not_cached(void)
{
	struct emauth_dns_cache *c = ea_dns_cache_new(64 * 1024);
	struct ea_dns_answer a, got;
	size_t empty = stats(c).bytes;

	make_answer(&a, 1, 1, 100, 300);
	ea_dns_cache_put(c, "big.example", EA_DNS_T_TXT, &a);
	ea_dns_answer_release(&a);
	make_answer(&a, 2, 1, 100, 300);
	ea_dns_cache_put(c, "other.example", EA_DNS_T_TXT, &a);
	ea_dns_answer_release(&a);
	T_EQ_INT(stats(c).entries, 2);
	/* 80 KB over a 64 KB bound: not cached, and it neither evicts the
	 * other answers nor leaves the older answer to the same question. */
	make_answer(&a, 3, 2, 40000, 300);
	ea_dns_cache_put(c, "big.example", EA_DNS_T_TXT, &a);
	ea_dns_answer_release(&a);
	T_TRUE(!ea_dns_cache_get(c, "big.example", EA_DNS_T_TXT, &got));
	T_EQ_INT(stats(c).entries, 1);
	T_EQ_INT(stats(c).evictions, 0);
	T_TRUE(ea_dns_cache_get(c, "other.example", EA_DNS_T_TXT, &got));
	ea_dns_answer_release(&got);
	/* Just under the bound less the table is kept. */
	size_t room = 64 * 1024 - empty;
	make_answer(&a, 4, 1, room - 400, 300);
	ea_dns_cache_put(c, "fits.example", EA_DNS_T_TXT, &a);
	ea_dns_answer_release(&a);
	T_TRUE(ea_dns_cache_get(c, "fits.example", EA_DNS_T_TXT, &got));
	T_TRUE(same_answer(&got, 4, 1, room - 400));
	ea_dns_answer_release(&got);
	T_TRUE(stats(c).bytes <= 64 * 1024);
	ea_dns_cache_free(c);
}

static void
test_cache_ttl(void)
{
	struct emauth_dns_cache *c = ea_dns_cache_new(0);
	struct ea_dns_answer a, got;

	ea_dns_cache_set_clock(c, fake_clock);
	T_EQ_INT(stats(c).max_bytes, EA_DNS_CACHE_BYTES);
	fake_ms = 1000000;
	make_answer(&a, 1, 1, 10, 60);
	ea_dns_cache_put(c, "a.example", EA_DNS_T_TXT, &a);
	ea_dns_answer_release(&a);
	/* The TTL counts down; an entry is gone at its expiry. */
	fake_ms += 30000;
	T_TRUE(ea_dns_cache_get(c, "a.example", EA_DNS_T_TXT, &got));
	T_EQ_INT(got.ttl, 30);
	T_EQ_INT(got.rr[0].ttl, 30);
	ea_dns_answer_release(&got);
	fake_ms += 29999;
	T_TRUE(ea_dns_cache_get(c, "a.example", EA_DNS_T_TXT, &got));
	T_EQ_INT(got.ttl, 0);
	ea_dns_answer_release(&got);
	fake_ms += 1;
	T_TRUE(!ea_dns_cache_get(c, "a.example", EA_DNS_T_TXT, &got));
	T_EQ_INT(stats(c).entries, 0);
	/* A day's TTL is kept an hour at most. */
	make_answer(&a, 2, 1, 10, 86400);
	ea_dns_cache_put(c, "day.example", EA_DNS_T_TXT, &a);
	ea_dns_answer_release(&a);
	T_TRUE(ea_dns_cache_get(c, "day.example", EA_DNS_T_TXT, &got));
	T_EQ_INT(got.ttl, EA_DNS_CACHE_TTL_MAX);
	ea_dns_answer_release(&got);
	fake_ms += (uint64_t)EA_DNS_CACHE_TTL_MAX * 1000;
	T_TRUE(!ea_dns_cache_get(c, "day.example", EA_DNS_T_TXT, &got));
	/* Negative answers keep their TTL too. */
	ea_dns_answer_init(&a);
	a.status = EA_DNS_NODATA;
	a.ttl = 10;
	ea_dns_cache_put(c, "nodata.example", EA_DNS_T_TXT, &a);
	fake_ms += 4000;
	T_TRUE(ea_dns_cache_get(c, "nodata.example", EA_DNS_T_TXT, &got));
	T_EQ_INT(got.status, EA_DNS_NODATA);
	T_EQ_INT(got.ttl, 6);
	ea_dns_answer_release(&got);
	/* Hits and misses were counted: 4 hits, 2 misses. */
	T_EQ_INT(stats(c).hits, 4);
	T_EQ_INT(stats(c).misses, 2);
	ea_dns_cache_free(c);
}

/* Several threads on one small cache: each puts and gets answers whose
 * bytes derive from their key, some keys private to a thread and some
 * common to all, and checks every answer it gets back. */
#define THREADS 4
#define ROUNDS 4000

struct worker {
	struct emauth_dns_cache *c;
	unsigned id;
	unsigned gets, bad;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct emauth_dns_cache *c = ea_dns_cache_ref(w->c);
	uint32_t r = 2463534242u + w->id;
	char key[64];
	for (unsigned i = 0; i < ROUNDS; i++) {
		r ^= r << 13;
		r ^= r >> 17;
		r ^= r << 5;
		unsigned k = r % 64;
		bool common = (r >> 8) & 1;
		unsigned seed = common ? k : 1000 * (w->id + 1) + k;
		size_t n = 1 + seed % 4, len = 50 + (seed * 97) % 3000;
		snprintf(key, sizeof(key), "%s%u.example",
		    common ? "all" : "own", seed);
		struct ea_dns_answer a;
		if ((r >> 9) & 1) {
			make_answer(&a, seed, n, len, 300);
			ea_dns_cache_put(c, key, EA_DNS_T_TXT, &a);
			ea_dns_answer_release(&a);
		} else {
			w->gets++;
			if (ea_dns_cache_get(c, key, EA_DNS_T_TXT, &a)) {
				if (!same_answer(&a, seed, n, len))
					w->bad++;
				ea_dns_answer_release(&a);
			}
		}
		if (i % 500 == 0) {
			struct ea_dns_cache_stats s;
			ea_dns_cache_stats(c, &s);
			if (s.bytes > s.max_bytes)
				w->bad++;
		}
	}
	ea_dns_cache_free(c);
	return NULL;
}

static void
test_cache_threads(void)
{
	struct emauth_dns_cache *c = ea_dns_cache_new(128 * 1024);
	struct worker w[THREADS];
	pthread_t t[THREADS];
	unsigned gets = 0, bad = 0;

	for (unsigned i = 0; i < THREADS; i++) {
		w[i] = (struct worker){c, i, 0, 0};
		T_EQ_INT(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		gets += w[i].gets;
		bad += w[i].bad;
	}
	struct ea_dns_cache_stats s = stats(c);
	T_EQ_INT(bad, 0);
	T_EQ_INT(s.hits + s.misses, gets);
	T_TRUE(s.hits > 0 && s.evictions > 0);
	T_TRUE(s.bytes <= s.max_bytes);
	ea_dns_cache_free(c);
}

/* A DNS server on loopback that answers every A query with 192.0.2.1
 * (TTL 300) and counts the queries. */
struct server {
	int fd;
	unsigned short port;
	unsigned queries;
	bool stop;
	pthread_mutex_t lock;
	pthread_t thread;
};

static void *
serve(void *arg)
{
	struct server *sv = arg;
	for (;;) {
		pthread_mutex_lock(&sv->lock);
		bool stop = sv->stop;
		pthread_mutex_unlock(&sv->lock);
		if (stop)
			break;
		struct pollfd p = {sv->fd, POLLIN, 0};
		if (poll(&p, 1, 50) <= 0)
			continue;
		uint8_t q[512], r[600];
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(
		    sv->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &flen);
		if (n < 12)
			continue;
		/* The question: the name's labels, then type and class. */
		size_t end = 12;
		while (end < (size_t)n && q[end] != 0)
			end += (size_t)q[end] + 1;
		end += 5;
		if (end > (size_t)n)
			continue;
		pthread_mutex_lock(&sv->lock);
		sv->queries++;
		pthread_mutex_unlock(&sv->lock);
		static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01,
		    0x2c, 0, 4, 192, 0, 2, 1};
		memcpy(r, q, end);
		r[2] = 0x81; /* QR, RD */
		r[3] = 0x80; /* RA, NOERROR */
		r[6] = 0;
		r[7] = 1; /* one answer */
		memset(r + 8, 0, 4);
		memcpy(r + end, rr, sizeof(rr));
		sendto(sv->fd, r, end + sizeof(rr), 0, (struct sockaddr *)&from,
		    flen);
	}
	return NULL;
}

static bool
server_start(struct server *sv)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	memset(sv, 0, sizeof(*sv));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sv->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (sv->fd < 0 || bind(sv->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    getsockname(sv->fd, (struct sockaddr *)&a, &alen) != 0)
		return false;
	sv->port = ntohs(a.sin_port);
	pthread_mutex_init(&sv->lock, NULL);
	return pthread_create(&sv->thread, NULL, serve, sv) == 0;
}

static unsigned
server_queries(struct server *sv)
{
	pthread_mutex_lock(&sv->lock);
	unsigned n = sv->queries;
	pthread_mutex_unlock(&sv->lock);
	return n;
}

static void
server_stop(struct server *sv)
{
	pthread_mutex_lock(&sv->lock);
	sv->stop = true;
	pthread_mutex_unlock(&sv->lock);
	pthread_join(sv->thread, NULL);
	pthread_mutex_destroy(&sv->lock);
	close(sv->fd);
}

/* Asks @ctx for www.shared.example's A record: whether 192.0.2.1 came. */
static bool
ask(struct emauth_ctx *ctx)
{
	static const uint8_t want[4] = {192, 0, 2, 1};
	struct ea_dns_answer a;
	struct ea_resolver *r = ea_ctx_resolver(ctx);
	if (r == NULL ||
	    ea_dns_query(r, NULL, "www.shared.example", EA_DNS_T_A, &a) != 0)
		return false;
	bool ok = a.status == EA_DNS_ANSWER && a.n == 1 &&
	          a.rr[0].rdata.len == 4 &&
	          memcmp(a.rr[0].rdata.p, want, 4) == 0;
	ea_dns_answer_release(&a);
	return ok;
}

static void
test_ctx_shared_cache(void)
{
	struct server sv;
	struct emauth_dns_cache *cache;
	struct emauth_ctx *c1, *c2, *c3;
	char spec[64];
	size_t bytes, entries;
	uint64_t hits, misses;
	unsigned long asked, sent;

	T_TRUE(server_start(&sv));
	snprintf(spec, sizeof(spec), "server:127.0.0.1@%u", sv.port);
	T_EQ_INT(emauth_dns_cache_new(0, &cache), 0);
	T_EQ_INT(emauth_ctx_new(&c1), 0);
	T_EQ_INT(emauth_ctx_new(&c2), 0);
	T_EQ_INT(emauth_ctx_new(&c3), 0);
	/* Shared before and after the resolver is chosen: both work. */
	emauth_ctx_set_dns_cache_shared(c1, cache);
	T_EQ_INT(emauth_ctx_set_dns(c1, spec, NULL), 0);
	T_EQ_INT(emauth_ctx_set_dns(c2, spec, NULL), 0);
	emauth_ctx_set_dns_cache_shared(c2, cache);
	T_EQ_INT(emauth_ctx_set_dns(c3, spec, NULL), 0);
	/* The creator's reference may go first. */
	emauth_dns_cache_free(cache);

	T_TRUE(ask(c1));
	T_EQ_INT(server_queries(&sv), 1);
	/* The other context finds the answer in the shared cache. */
	T_TRUE(ask(c2));
	emauth_ctx_dns_stats(c2, &asked, &sent);
	T_EQ_INT(asked, 1);
	T_EQ_INT(sent, 0);
	T_EQ_INT(server_queries(&sv), 1);
	emauth_dns_cache_stats(c1->dns_cache, &bytes, &entries, &hits, &misses);
	T_EQ_INT(entries, 1);
	T_EQ_INT(hits, 1);
	T_EQ_INT(misses, 1);
	T_TRUE(bytes > 0 && bytes <= EA_DNS_CACHE_BYTES);
	/* A context without it has its own cache, and asks. */
	T_TRUE(ask(c3));
	emauth_ctx_dns_stats(c3, &asked, &sent);
	T_EQ_INT(sent, 1);
	T_EQ_INT(server_queries(&sv), 2);
	/* Detached, c2 goes back to a cache of its own. */
	emauth_ctx_set_dns_cache_shared(c2, NULL);
	T_TRUE(ask(c2));
	T_EQ_INT(server_queries(&sv), 3);
	emauth_ctx_free(c1);
	emauth_ctx_free(c2);
	emauth_ctx_free(c3);
	server_stop(&sv);
}

int
main(void)
{
	T_RUN(test_cache_never_over_bound);
	T_RUN(test_cache_bytes_given_back);
	T_RUN(test_cache_evicts_least_recent);
	T_RUN(test_cache_over_bound_not_cached);
	T_RUN(test_cache_ttl);
	T_RUN(test_cache_threads);
	T_RUN(test_ctx_shared_cache);
	return t_summary();
}
