/*
 * sig.h: the DKIM-Signature header field (RFC 6376 §3.5): parsed and
 * validated as a whole before anything is computed.
 */
#ifndef EA_DKIM_SIG_H
#define EA_DKIM_SIG_H

#include "../common/internal.h"
#include "canon.h"

#include <emauth/dkim.h>

/* Ours: header names listed in h=; the largest signature (RSA 8192). */
#define EA_DKIM_H_MAX 128
#define EA_DKIM_B_MAX 1024

enum ea_dkim_alg { EA_ALG_RSA_SHA256 = 1, EA_ALG_ED25519_SHA256 = 2 };

struct ea_dkim_sig {
	enum ea_dkim_alg alg;
	enum ea_canon hc, bc;
	size_t nh;
	size_t bhlen;
	size_t blen;
	bool has_l, has_t, has_x;
	uint64_t l;
	int64_t t, x;
	/* The field as received, and where b='s value lies in it, for
	 * hashing the field with b= emptied (§3.7). */
	struct emauth_span field;
	size_t b_start, b_end;
	/* From here on not cleared by the parser (4.5 KB): the strings are
	 * valid up to their NUL, the arrays up to nh, bhlen and blen. */
	char d[256], s[256];
	char i[512];        /* "" when absent */
	char i_domain[256]; /* the domain of i=, or d= */
	uint8_t bh[64];
	struct emauth_span h[EA_DKIM_H_MAX];
	uint8_t b[EA_DKIM_B_MAX];
};

/*
 * Parses a DKIM-Signature field (@field: "DKIM-Signature: ..." without the
 * final CRLF; it must outlive @out). On failure sets *@reason and @diag.
 * @return 0, EMAUTH_ESYNTAX.
 */
int ea_dkim_sig_parse(struct emauth_span field, struct ea_dkim_sig *out,
    enum emauth_dkim_reason *reason, struct emauth_diag *diag);

/* Pieces of the parser that ARC's parser shares (src/arc/set.c). */
/* A decimal number of 1 to 18 digits. */
bool ea_dkim_number(struct emauth_span v, uint64_t *out);
/* A c= value: "simple" or "relaxed", optionally "/" and the body's. */
bool ea_dkim_canon_parse(
    struct emauth_span v, enum ea_canon *hc, enum ea_canon *bc);
/* @v into @out when it is a domain name (ea_dkim_domain_ok) that fits. */
bool ea_dkim_copy_domain(struct emauth_span v, char *out, size_t size);

/* Whether @name is a valid domain name (letters, digits, hyphens,
 * underscores; labels of 1-63; at most 253). */
bool ea_dkim_domain_ok(struct emauth_span name);

#endif
