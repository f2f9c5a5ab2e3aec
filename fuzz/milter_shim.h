/*
 * milter_shim.h: what emauth-milter's callbacks (tools/milter/callbacks.c)
 * need from libmilter and from the milter's main.c, provided for the fuzz
 * target fuzz_milter.c: the smfi_* calls of a message, recorded and checked
 * as libmilter would check them (and more: what the MTA is given must be
 * well-formed), the current configuration with its reference count, and
 * the log.
 */
#ifndef FUZZ_MILTER_SHIM_H
#define FUZZ_MILTER_SHIM_H

#include "fuzz.h"

#include <stdbool.h>

#include "milter.h"

#define SHIM_MACROS_MAX 8
#define SHIM_EDITS_MAX 64

enum shim_edit_kind { SHIM_INSHEADER, SHIM_ADDHEADER, SHIM_CHGHEADER };

/* A header change asked for at the end of a message. */
struct shim_edit {
	enum shim_edit_kind kind;
	int index;
	char *name;
	char *value; /* NULL: the field is deleted */
};

/* libmilter's per-connection context, as the shim keeps it. */
struct smfi_str {
	void *priv;
	unsigned long actions; /* SMFIF_* the MTA granted */
	bool leadspc;          /* SMFIP_HDR_LEADSPC was negotiated */
	bool in_eom;           /* inside xxfi_eom: changes are allowed */
	char *macro_name[SHIM_MACROS_MAX], *macro_value[SHIM_MACROS_MAX];
	size_t nmacros;
	/* What the callback running now asked for. */
	bool replied;
	char rcode[4];
	/* What the message's end asked for. */
	struct shim_edit edits[SHIM_EDITS_MAX];
	size_t nedits;
	char *quarantine;
};

/* Sets a macro of the connection (copied; replaces one of that name). */
void shim_set_macro(SMFICTX *ctx, const char *name, const char *value);
/* Forgets the changes a message's end asked for. */
void shim_clear_edits(SMFICTX *ctx);
/* Frees what @ctx holds (not priv, which the callbacks own). */
void shim_release(SMFICTX *ctx);

/* Makes @st the configuration milter_state_get() hands out. */
void shim_state_set(struct milter_state *st);
/* References to the current configuration handed out and not put back. */
int shim_state_refs(void);

#endif
