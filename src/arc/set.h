/*
 * set.h (internal): the three header fields of an ARC set (RFC 8617 §4.1)
 * parsed, and the sets of a header block gathered by instance, for the
 * verifier and the sealer. Tag lists are DKIM's (src/dkim/tag.c): a
 * duplicate tag or a malformed list refuses the field.
 */
#ifndef EA_ARC_SET_H
#define EA_ARC_SET_H

#include "../common/internal.h"
#include "../dkim/hash.h"
#include "../dkim/sig.h"

#include <emauth/arc.h>

/* ARC-Seal (§4.1.3). */
struct ea_arc_seal {
	unsigned i;
	enum ea_dkim_alg alg;
	enum emauth_arc_cv cv;
	bool has_t;
	int64_t t;
	char d[256], s[256];
	struct emauth_span field; /* "ARC-Seal: ..." as received */
	size_t b_start, b_end;    /* b='s value in it */
	size_t blen;
	uint8_t b[EA_DKIM_B_MAX];
};

/* The instance tag i= of an ARC field's value: 1 to EMAUTH_ARC_MAX.
 * @return 0, EMAUTH_ESYNTAX (absent, not a number, out of range). */
int ea_arc_instance(
    struct emauth_span field, unsigned *i, char *why, size_t whysize);

int ea_arc_seal_parse(struct emauth_span field, struct ea_arc_seal *out,
    char *why, size_t whysize);
/* ARC-Message-Signature (§4.1.2) into a DKIM signature: the same tags but
 * v= (none), i= (the instance) and h= (may be empty, may not name
 * ARC-Seal; From not required). */
int ea_arc_ams_parse(struct emauth_span field, struct ea_dkim_sig *out,
    unsigned *i, char *why, size_t whysize);
/* ARC-Authentication-Results (§4.1.1): "i=N;" then the results.
 * @param results OUT: what follows "i=N;" (authserv-id and results). */
int ea_arc_aar_parse(struct emauth_span field, unsigned *i,
    struct emauth_span *results, char *why, size_t whysize);

/* The sets of a header block, by instance. */
struct ea_arc_chain {
	unsigned n; /* the highest instance seen, 0 when there is no field */
	/* Header indexes (SIZE_MAX: missing) per instance, 1-based. */
	size_t aar[EMAUTH_ARC_MAX + 1], ams[EMAUTH_ARC_MAX + 1],
	    as[EMAUTH_ARC_MAX + 1];
	bool broken; /* the structure is not valid: why says why */
	char why[300];
	enum emauth_arc_cv last_cv; /* the newest seal's cv= (parsed) */
	bool last_cv_known;
};

/* Gathers the ARC fields of @h. Structure (§5.2 step 3): instances 1..n,
 * exactly one field of each kind per instance, i= readable. */
void ea_arc_chain_scan(const struct ea_hdrs *h, struct ea_arc_chain *c);

bool ea_arc_is_seal(struct emauth_span name);
bool ea_arc_is_ams(struct emauth_span name);
bool ea_arc_is_aar(struct emauth_span name);

#endif
