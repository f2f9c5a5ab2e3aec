/*
 * milter_shim.c: libmilter's smfi_* calls and main.c's configuration and
 * log, for the fuzz target fuzz_milter.c (see milter_shim.h).
 *
 * Each call is checked as libmilter checks it (a refused call returns
 * MI_FAILURE, as libmilter's would), and beyond that for what the MTA
 * would be handed: a reply has a 4xx or 5xx code with a matching enhanced
 * code and one printable line; header changes come only at the end of the
 * message and only when granted; an inserted field has a valid name and a
 * value folded into lines of at most 998 octets, each continuation line
 * starting with a blank; a quarantine reason is one line; a log line is one
 * line.
 */
#include "milter_shim.h"

#include <stdarg.h>

/* libmilter's limit on a reply (MAXREPLYLEN in libmilter/smfi.c). */
#define REPLY_MAX 980
/* RFC 5322 §2.1.1: "Each line of characters MUST be no more than 998
 * characters, and SHOULD be no more than 78 characters, excluding the
 * CRLF." */
#define LINE_MAX_OCTETS 998

static struct milter_state *current;
static int refs;

void
shim_state_set(struct milter_state *st)
{
	current = st;
}

int
shim_state_refs(void)
{
	return refs;
}

struct milter_state *
milter_state_get(void)
{
	if (current)
		refs++;
	return current;
}

void
milter_state_put(struct milter_state *st)
{
	if (st == NULL)
		return;
	FUZZ_ASSERT(st == current && refs > 0);
	refs--;
}

void
milter_state_install(struct milter_state *st)
{
	current = st;
}

const struct emauth_dkim_key *
milter_state_key(const struct milter_state *st, const char *path)
{
	for (size_t i = 0; i < st->nkeys; i++)
		if (strcmp(st->keys[i].path, path) == 0)
			return st->keys[i].key;
	return NULL;
}

void
mlog_setup(bool foreground, bool syslog_on)
{
	(void)foreground;
	(void)syslog_on;
}

void
mlog(int level, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	FUZZ_ASSERT(level >= ML_ERR && level <= ML_INFO);
	/* In the foreground a line break would start a forged log line. */
	FUZZ_ASSERT(strpbrk(buf, "\r\n") == NULL);
}

/* The shim's own copies. */
static char *
dup_str(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	memcpy(p, s, n + 1);
	return p;
}

void
shim_set_macro(SMFICTX *ctx, const char *name, const char *value)
{
	size_t i = 0;
	while (i < ctx->nmacros && strcmp(ctx->macro_name[i], name) != 0)
		i++;
	if (i == SHIM_MACROS_MAX)
		return;
	if (i == ctx->nmacros) {
		ctx->macro_name[i] = dup_str(name);
		ctx->nmacros++;
	} else {
		free(ctx->macro_value[i]);
	}
	ctx->macro_value[i] = dup_str(value);
}

void
shim_clear_edits(SMFICTX *ctx)
{
	for (size_t i = 0; i < ctx->nedits; i++) {
		free(ctx->edits[i].name);
		free(ctx->edits[i].value);
	}
	ctx->nedits = 0;
	free(ctx->quarantine);
	ctx->quarantine = NULL;
}

void
shim_release(SMFICTX *ctx)
{
	shim_clear_edits(ctx);
	for (size_t i = 0; i < ctx->nmacros; i++) {
		free(ctx->macro_name[i]);
		free(ctx->macro_value[i]);
	}
	ctx->nmacros = 0;
}

char *
smfi_getsymval(SMFICTX *ctx, char *name)
{
	for (size_t i = 0; ctx && name && i < ctx->nmacros; i++)
		if (strcmp(ctx->macro_name[i], name) == 0)
			return ctx->macro_value[i];
	return NULL;
}

int
smfi_setpriv(SMFICTX *ctx, void *priv)
{
	if (ctx == NULL)
		return MI_FAILURE;
	ctx->priv = priv;
	return MI_SUCCESS;
}

void *
smfi_getpriv(SMFICTX *ctx)
{
	return ctx ? ctx->priv : NULL;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 3463 status-code: class "." subject "." detail, as libmilter's
 * myisenhsc() reads it. */
static bool
enhanced_code(const char *x)
{
	if (x[0] != '2' && x[0] != '4' && x[0] != '5')
		return false;
	size_t i = 1;
	for (int part = 0; part < 2; part++) {
		if (x[i++] != '.')
			return false;
		size_t d = 0;
		while (is_digit(x[i]) && d < 4) {
			i++;
			d++;
		}
		if (d == 0 || d > 3)
			return false;
	}
	return x[i] == '\0';
}

int
smfi_setreply(SMFICTX *ctx, char *rcode, char *xcode, char *message)
{
	FUZZ_ASSERT(ctx != NULL && rcode != NULL);
	/* What libmilter refuses would lose the reply: a bug here. */
	FUZZ_ASSERT(strlen(rcode) == 3 &&
	            (rcode[0] == '4' || rcode[0] == '5') &&
	            is_digit(rcode[1]) && is_digit(rcode[2]));
	size_t len = 5;
	if (xcode) {
		FUZZ_ASSERT(enhanced_code(xcode) && xcode[0] == rcode[0]);
		len += strlen(xcode) + 1;
	}
	if (message) {
		FUZZ_ASSERT(strpbrk(message, "\r\n") == NULL);
		len += strlen(message) + 1;
		/* The MTA reads "%" as the start of an escape: a literal one
		 * must be doubled. */
		for (const char *p = message; *p; p++) {
			FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
			if (*p == '%') {
				FUZZ_ASSERT(p[1] == '%');
				p++;
			}
		}
	}
	FUZZ_ASSERT(len <= REPLY_MAX);
	/* One reply per callback. */
	FUZZ_ASSERT(!ctx->replied);
	ctx->replied = true;
	memcpy(ctx->rcode, rcode, 4);
	return MI_SUCCESS;
}

static bool
field_name_ok(const char *n)
{
	if (n == NULL || n[0] == '\0')
		return false;
	/* RFC 5322 §2.2: printable US-ASCII except colon. */
	for (const char *p = n; *p; p++)
		if ((unsigned char)*p < 33 || (unsigned char)*p > 126 ||
		    *p == ':')
			return false;
	return true;
}

/* A field as the MTA writes it: "Name:" then the value, lines broken by
 * LF (the MTA writes CRLF), each further line starting with a blank, no
 * CR, no empty line, lines of at most 998 octets. */
static void
check_field(SMFICTX *ctx, const char *name, const char *value)
{
	FUZZ_ASSERT(field_name_ok(name));
	FUZZ_ASSERT(value != NULL);
	FUZZ_ASSERT(strchr(value, '\r') == NULL);
	/* With SMFIP_HDR_LEADSPC the value is written as it is after the
	 * colon; without, the MTA adds the space. */
	if (ctx->leadspc)
		FUZZ_ASSERT(value[0] == ' ' || value[0] == '\t');
	size_t line = strlen(name) + 1 + (ctx->leadspc ? 0 : 1);
	bool first = true, blank_only = true;
	for (const char *p = value;; p++) {
		if (*p == '\n' || *p == '\0') {
			FUZZ_ASSERT(line <= LINE_MAX_OCTETS);
			/* A continuation line of blanks only is obsolete
			 * syntax (RFC 5322 §4.2), and an empty one would end
			 * the header block. */
			FUZZ_ASSERT(first || !blank_only);
			if (*p == '\0')
				break;
			FUZZ_ASSERT(p[1] == ' ' || p[1] == '\t');
			line = 0;
			first = false;
			blank_only = true;
			continue;
		}
		line++;
		if (*p != ' ' && *p != '\t')
			blank_only = false;
	}
}

static int
add_edit(SMFICTX *ctx, enum shim_edit_kind kind, int index, const char *name,
    const char *value)
{
	FUZZ_ASSERT(ctx->nedits < SHIM_EDITS_MAX);
	struct shim_edit *e = &ctx->edits[ctx->nedits++];
	e->kind = kind;
	e->index = index;
	e->name = dup_str(name);
	e->value = value ? dup_str(value) : NULL;
	return MI_SUCCESS;
}

int
smfi_insheader(SMFICTX *ctx, int index, char *name, char *value)
{
	/* "smfi_insheader may only be called from xxfi_eom." */
	FUZZ_ASSERT(ctx && ctx->in_eom);
	if (name == NULL || name[0] == '\0' || value == NULL ||
	    !(ctx->actions & SMFIF_ADDHDRS))
		return MI_FAILURE;
	FUZZ_ASSERT(index >= 0);
	check_field(ctx, name, value);
	return add_edit(ctx, SHIM_INSHEADER, index, name, value);
}

int
smfi_addheader(SMFICTX *ctx, char *name, char *value)
{
	FUZZ_ASSERT(ctx && ctx->in_eom);
	if (name == NULL || name[0] == '\0' || value == NULL ||
	    !(ctx->actions & SMFIF_ADDHDRS))
		return MI_FAILURE;
	check_field(ctx, name, value);
	return add_edit(ctx, SHIM_ADDHEADER, 0, name, value);
}

int
smfi_chgheader(SMFICTX *ctx, char *name, int index, char *value)
{
	FUZZ_ASSERT(ctx && ctx->in_eom);
	if (name == NULL || name[0] == '\0' || index < 0 ||
	    !(ctx->actions & SMFIF_CHGHDRS))
		return MI_FAILURE;
	FUZZ_ASSERT(field_name_ok(name));
	if (value)
		check_field(ctx, name, value);
	return add_edit(ctx, SHIM_CHGHEADER, index, name, value);
}

int
smfi_quarantine(SMFICTX *ctx, char *reason)
{
	FUZZ_ASSERT(ctx && ctx->in_eom);
	if (reason == NULL || reason[0] == '\0' ||
	    !(ctx->actions & SMFIF_QUARANTINE))
		return MI_FAILURE;
	FUZZ_ASSERT(strpbrk(reason, "\r\n") == NULL);
	FUZZ_ASSERT(ctx->quarantine == NULL);
	ctx->quarantine = dup_str(reason);
	return MI_SUCCESS;
}
