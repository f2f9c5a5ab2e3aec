/*
 * dmarc.h (internal): the discovery walk shared by discover.c and eval.c.
 * One walk serves one evaluation: it remembers every _dmarc answer, so the
 * author's policy walk, its Organizational Domain walk and the identifiers'
 * walks ask DNS once per name.
 */
#ifndef EA_DMARC_DMARC_H
#define EA_DMARC_DMARC_H

#include "../common/internal.h"
#include "../dns/resolver.h"

#include <emauth/dmarc.h>

struct ea_dmarc_seen {
	char name[256];
	int found; /* 1, 0, -1 as ea_dmarc_fetch returns */
	struct emauth_dmarc_record *rec; /* when found is 1 */
};

struct ea_dmarc_walk {
	struct emauth_ctx *ctx;
	enum emauth_dmarc_mode mode;
	struct emauth_dmarc_discovery *out; /* steps go here; may be NULL */
	struct ea_resolver *res;
	struct ea_dns_budget budget;
	struct ea_dmarc_seen seen[24];
	size_t nseen;
	char problem[256];
};

int ea_dmarc_domain(const char *in, char *out, size_t size);
void ea_dmarc_walk_init(struct ea_dmarc_walk *w, struct emauth_ctx *ctx,
    enum emauth_dmarc_mode mode, struct emauth_dmarc_discovery *out);
void ea_dmarc_walk_release(struct ea_dmarc_walk *w);
int ea_dmarc_fetch(
    struct ea_dmarc_walk *w, const char *name, struct emauth_dmarc_record *rec);
int ea_dmarc_tree_walk(struct ea_dmarc_walk *w, const char *d, int labels,
    char *found_at, size_t size, struct emauth_dmarc_record *rec);
/* Discovery with @w (for emauth_dmarc_discover and the evaluation). */
int ea_dmarc_discover_walk(struct ea_dmarc_walk *w, const char *d, int labels,
    struct emauth_dmarc_discovery *out);
/* @return 0, EMAUTH_EDNS. */
int ea_dmarc_org_domain(
    struct ea_dmarc_walk *w, const char *d, int labels, char *out, size_t size);

#endif
