/*
 * spf.h (internal): the parsed form of an SPF record and the macro
 * language, shared by the parser, the evaluator and the fuzz targets.
 */
#ifndef EA_SPF_SPF_H
#define EA_SPF_SPF_H

#include "../common/buf.h"
#include "../common/internal.h"
#include "../common/ip.h"

#include <emauth/spf.h>

enum spf_kind {
	SPF_ALL,
	SPF_INCLUDE,
	SPF_A,
	SPF_MX,
	SPF_PTR,
	SPF_IP4,
	SPF_IP6,
	SPF_EXISTS,
	SPF_REDIRECT,
	SPF_EXP,
	SPF_UNKNOWN_MOD
};

struct spf_term {
	enum spf_kind kind;
	enum emauth_result qualifier; /* pass, fail, softfail, neutral */
	struct emauth_span text;      /* the whole term as written */
	struct emauth_span domain;    /* domain-spec or macro-string; may
	                                 be empty (use <domain>) */
	uint8_t cidr4, cidr6;         /* prefix lengths (32/128 when absent) */
	struct ea_ip ip;              /* ip4/ip6 network */
	size_t offset;                /* of the term in the record */
	unsigned index;               /* 1-based position */
};

struct ea_spf_record {
	struct spf_term *terms;
	size_t n;
	int redirect, exp; /* term index, or -1 */
};

/* Whether @txt is an SPF record: "v=spf1" then SP or the end (§4.5). */
bool ea_spf_is_record(struct emauth_span txt);

/*
 * Parses and validates a whole record (§4.6: any syntax error anywhere makes
 * the record a permerror before any evaluation). Terms point into @txt,
 * which must outlive the record.
 * @return 0, EMAUTH_ESYNTAX (with @diag), EMAUTH_ENOTFOUND, EMAUTH_ENOMEM.
 */
int ea_spf_record_parse(struct emauth_span txt, struct ea_spf_record *out,
    struct emauth_diag *diag);
void ea_spf_record_release(struct ea_spf_record *r);

/* The values the macro letters expand to (§7.3). */
struct ea_spf_macro_env {
	struct emauth_span sender_local, sender_domain; /* l, o; s = l@o */
	struct emauth_span domain;                      /* d */
	struct emauth_span helo;                        /* h */
	struct emauth_span receiver;                    /* r */
	const struct ea_ip *ip;                         /* i, c, v */
	bool
	    ip_upper; /* %{i} nibbles in upper case, as the address was given */
	int64_t now;  /* t */
	/* p: called only when the macro uses it; writes the validated
	 * name into @out. */
	int (*ptr_name)(void *arg, char *out, size_t size);
	void *ptr_arg;
};

enum ea_spf_macro_ctx {
	EA_SPF_MACRO_DOMAIN, /* domain-spec: c, r, t not allowed */
	EA_SPF_MACRO_EXP     /* explain-string: SP and c, r, t allowed */
};

/* Validates macro syntax; @return 0 or EMAUTH_ESYNTAX, *bad = offset. */
int ea_spf_macro_check(
    struct emauth_span s, enum ea_spf_macro_ctx mc, size_t *bad);
/* Expands @s (already validated) into @out. */
int ea_spf_macro_expand(struct emauth_span s, enum ea_spf_macro_ctx mc,
    const struct ea_spf_macro_env *env, struct ea_buf *out);
/* Whether @s (validated) uses the given letter, case-insensitively. */
bool ea_spf_macro_uses(struct emauth_span s, char letter);
/* Validates a domain-spec: macro-string then domain-end (§4.8, §12). */
int ea_spf_domain_spec_check(struct emauth_span s, size_t *bad);

#endif
