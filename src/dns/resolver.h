/*
 * resolver.h: the one interface through which every protocol reaches DNS.
 *
 * A back end is an ops table (libunbound, zone files, the test fake). A query
 * yields an answer that tells callers apart: records, NXDOMAIN, NODATA, or a
 * temporary failure (timeout, SERVFAIL, REFUSED, budget exhausted). Records
 * are raw RDATA with names uncompressed; rdata.c decodes them with bounded
 * cursors. Each evaluation (one SPF check, one DKIM key fetch) carries a
 * budget: a query count and a deadline.
 */
#ifndef EA_DNS_RESOLVER_H
#define EA_DNS_RESOLVER_H

#include "../common/internal.h"
#include "name.h"

#include <stdio.h>

enum {
	EA_DNS_T_A = 1,
	EA_DNS_T_NS = 2,
	EA_DNS_T_CNAME = 5,
	EA_DNS_T_SOA = 6,
	EA_DNS_T_PTR = 12,
	EA_DNS_T_MX = 15,
	EA_DNS_T_TXT = 16,
	EA_DNS_T_AAAA = 28,
	EA_DNS_T_SPF = 99
};

enum ea_dns_status {
	EA_DNS_ANSWER = 0, /* records of the asked type */
	EA_DNS_NXDOMAIN,   /* the name does not exist (RCODE 3) */
	EA_DNS_NODATA,     /* the name exists, no records of that type */
	EA_DNS_TEMPFAIL    /* timeout, SERVFAIL, REFUSED, budget, ... */
};

struct ea_dns_rr {
	uint16_t type;
	uint32_t ttl;
	struct emauth_span rdata;
};

/* An answer owns its records; release with ea_dns_answer_release(). */
struct ea_dns_answer {
	enum ea_dns_status status;
	int rcode;
	bool secure, bogus;
	uint32_t ttl;
	size_t n, cap;
	struct ea_dns_rr *rr; /* inl, or a heap array when n > 8 */
	const char *why;      /* static text for TEMPFAIL, else NULL */
	bool borrowed;        /* rdata points into the back end's store */
	bool over;            /* records were offered past EA_DNS_RRS_MAX */
	struct ea_dns_rr inl[8];
	char canon[EA_DNS_PRES_MAX];
};

/* The budget of one evaluation. Zero-initialise, then ea_dns_budget_start. */
struct ea_dns_budget {
	unsigned queries, max_queries;
	uint64_t deadline_ms;
};

typedef void (*ea_dns_cb)(void *arg, struct ea_dns_answer *ans);

struct ea_resolver_ops {
	const char *name;
	/* Synchronous query; fills @out (status in out->status).
	 * Returns 0 or EMAUTH_ENOMEM. */
	int (*query)(void *impl, const char *name, uint16_t type,
	    unsigned timeout_ms, struct ea_dns_answer *out);
	/* Asynchronous query: @cb runs from process() with an answer it
	 * must release. Returns 0 or a negative status. */
	int (*submit)(void *impl, const char *name, uint16_t type, ea_dns_cb cb,
	    void *arg);
	/* The descriptor to poll for readability, or -1 when process()
	 * should simply be called. */
	int (*fd)(void *impl);
	/* Runs the callbacks of completed queries. */
	int (*process)(void *impl);
	void (*free)(void *impl);
	/* Optional (NULL in back ends without a cache or a network): the
	 * queries that went past the answer cache, and switching that cache
	 * on or off. */
	unsigned long (*sent)(void *impl);
	void (*set_cache)(void *impl, int on);
};

struct ea_resolver {
	const struct ea_resolver_ops *ops;
	void *impl;
	unsigned query_ms, total_ms;
	/* A deadline over every evaluation (ea_dns_now_ms() time), or 0:
	 * a message's whole budget. */
	uint64_t deadline_ms;
	unsigned long asked; /* queries through ea_dns_query */
};

uint64_t ea_dns_now_ms(void);
void ea_dns_budget_start(struct ea_dns_budget *b, const struct ea_resolver *r);

/*
 * Runs one query within the budget. When the budget is spent, the answer is
 * a TEMPFAIL ("DNS budget exhausted") without asking the back end. An
 * answer of more than EA_DNS_RRS_MAX records is a TEMPFAIL too ("more
 * than 512 records"), never its first 512 (fail closed). Names are
 * raw (no escapes), without the final dot.
 * @return 0, EMAUTH_ENOMEM.
 */
int ea_dns_query(struct ea_resolver *r, struct ea_dns_budget *b,
    const char *name, uint16_t type, struct ea_dns_answer *out);

void ea_dns_answer_init(struct ea_dns_answer *a);
void ea_dns_answer_release(struct ea_dns_answer *a);
/* Adds a record: copied into the answer's own storage, or, when
 * a->borrowed, referenced (the back end guarantees it outlives the
 * answer). */
int ea_dns_answer_add(struct ea_dns_answer *a, uint16_t type, uint32_t ttl,
    struct emauth_span rdata);
void ea_dns_answer_fail(struct ea_dns_answer *a, const char *why);
const char *ea_dns_status_name(enum ea_dns_status s);

/* Back ends. Each returns 0 or a negative status and fills @out. */
int ea_dns_unbound_new(
    const char *server, struct ea_resolver *out, struct emauth_diag *diag);
int ea_dns_zone_new(
    const char *files, struct ea_resolver *out, struct emauth_diag *diag);

/* Builds a resolver from a "system" / "server:" / "zone:" spec. */
int ea_dns_from_spec(
    const char *spec, struct ea_resolver *out, struct emauth_diag *diag);
void ea_resolver_release(struct ea_resolver *r);

/* Wraps @r so that it keeps every answer (recorder.c), and writes them as
 * a master file. ea_dns_recorder_save returns 0, EMAUTH_EINVAL (not a
 * recorder), EMAUTH_ELIMIT (answers were not kept: past 4096 answers, an
 * answer over 512 records, or memory; nothing is written), EMAUTH_EIO,
 * EMAUTH_ENOMEM. */
int ea_dns_recorder_wrap(struct ea_resolver *r);
int ea_dns_recorder_save(struct ea_resolver *r, FILE *f);

#endif
