/*
 * audit.h (internal): what the parts of the domain audit share: the report
 * being built and the checks of each area (domain.c, expect.c).
 */
#ifndef EA_AUDIT_H
#define EA_AUDIT_H

#include <stdbool.h>

#include <emauth/audit.h>
#include <emauth/mx.h>

#include "common/internal.h"

/* Room for a whole SPF record (4,096 bytes) in a message, and for the
 * record to publish made from it in a fix. */
#define EA_AUDIT_MESSAGE_MAX 4608
#define EA_AUDIT_FIX_MAX 5120

/* Adds a finding to @r with @code (one of emauth_audit_codes()). @fix
 * and @remove are copied whole (NULL for none). Returns false when it
 * could not be kept (out of memory: counted in r->lost). */
bool ea_audit_add(struct emauth_audit_report *r, const char *area,
    enum emauth_audit_status status, const char *code, const char *fix,
    const char *remove, const char *fmt, ...) EA_PRINTF(7, 8);

/* Writes "OWNER.<TAB>IN<TAB>TXT<TAB>" and @rec as strings of at most 255
 * bytes (RFC 1035 §3.3). False when it does not fit in @size: no fix
 * then, never a cut one. */
bool ea_audit_txt_fix(
    char *out, size_t size, const char *owner, const char *rec);

/* The TXT records at a name, each joined and NUL-terminated. */
#define EA_AUDIT_TXT_RECORDS 8
#define EA_AUDIT_TXT_MAX 4096
struct ea_audit_txt_set {
	char text[EA_AUDIT_TXT_RECORDS][EA_AUDIT_TXT_MAX + 1];
	size_t n;
	size_t skipped; /* not kept: over 4 KiB, a NUL byte, past 8 */
};

/* Reads the TXT records at @name (one query). @return 0, EMAUTH_EDNS (a
 * DNS failure: nothing read), EMAUTH_ENOMEM. */
int ea_audit_txt(
    struct emauth_ctx *ctx, const char *name, struct ea_audit_txt_set *out);

/* Replaces "{domain}" in @in (an expectation's value); false when the
 * result does not fit (a cut value would name something else). */
bool ea_audit_subst(const char *in, const char *domain, char *out, size_t size);

/* The SPF record @rec of @domain (or a new one when "") with @term added
 * before its all term, in @fix, and @rec to delete in @del ("" for none);
 * false when it would be over 4,096 bytes or does not fit @size. */
bool ea_audit_spf_with(const char *domain, const char *rec, const char *term,
    char *fix, char *del, size_t size);

struct emauth_dmarc_discovery;
/* The DMARC record of @domain with TAG=VALUE set, in @fix, and the record
 * it replaces in *@del (free it); @fix empty when it cannot be made. */
void ea_audit_dmarc_set(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_dmarc_discovery *d, const char *tag, const char *value,
    char *fix, size_t size, char **del);

void ea_audit_spf(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *o, struct emauth_audit_report *r,
    bool *dns_down);
void ea_audit_dmarc(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *o, struct emauth_audit_report *r,
    bool *dns_down);
void ea_audit_dkim(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *o, struct emauth_audit_report *r);
void ea_audit_mx(struct emauth_ctx *ctx, const char *domain,
    struct emauth_audit_report *r, struct emauth_mx_info *mx);
void ea_audit_ptr(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *o, const struct emauth_mx_info *mx,
    struct emauth_audit_report *r);
void ea_audit_expect(struct emauth_ctx *ctx, const char *domain,
    const struct emauth_audit_opts *o, struct emauth_audit_report *r);

#endif
