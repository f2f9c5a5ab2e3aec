/*
 * span.h: helpers over struct emauth_span, the length-carrying view used for
 * all untrusted input, and the read cursor with a sticky error (after
 * OpenSMTPD's unpack and Knot's wire_ctx): reads past the end set the error
 * and return zero, so a parser checks once at the end.
 */
#ifndef EA_SPAN_H
#define EA_SPAN_H

#include "internal.h"

#include <string.h>

static inline struct emauth_span
ea_span(const void *p, size_t len)
{
	struct emauth_span s = {(const uint8_t *)p, len};
	return s;
}

static inline struct emauth_span
ea_span_str(const char *s)
{
	return ea_span(s, s ? strlen(s) : 0);
}

/* ASCII case-insensitive comparison of two spans. */
bool ea_span_ieq(struct emauth_span a, struct emauth_span b);
/* Copies @n bytes with A-Z made lower-case (other bytes as they are).
 * @out and @in are the same or do not overlap. */
void ea_lower_copy(char *out, const uint8_t *in, size_t n);
/* ASCII case-insensitive comparison with a C string literal (inline: the
 * literal's length is known when compiling, so a span of another length
 * costs one compare). */
static inline bool
ea_span_ieq_str(struct emauth_span a, const char *s)
{
	size_t n = strlen(s);
	return a.len == n && ea_span_ieq(a, ea_span(s, n));
}
/* Whether @a starts with @prefix, ignoring ASCII case. */
bool ea_span_istarts(struct emauth_span a, const char *prefix);

static inline uint8_t
ea_lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static inline bool
ea_is_alpha(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static inline bool
ea_is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads an unsigned decimal number of at most @max_digits digits from
 * @s at *@pos; stores it in @out, advances *@pos.
 * @return 0, EMAUTH_ESYNTAX (no digit, too many digits).
 */
int ea_span_uint(
    struct emauth_span s, size_t *pos, unsigned max_digits, uint32_t *out);

/*
 * Writes @s escaped for display into @out (at most @size bytes with the NUL),
 * printable ASCII as is and everything else as \xNN; at most @max input bytes
 * are shown, then "...". Output that fills @size also ends in "..." (when
 * @size is at least 4): a shortened input is never shown as if whole.
 */
void ea_escape(struct emauth_span s, size_t max, char *out, size_t size);

/* snprintf into a fixed buffer where truncation is acceptable (messages
 * for people built from names that are usually short). */
void ea_fmt(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies the string @s into @out (at most @size bytes with the NUL),
 * truncating; the cheap form of snprintf(out, size, "%s", s). */
static inline void
ea_copy_str(char *out, size_t size, const char *s)
{
	if (size == 0)
		return;
	size_t n = strnlen(s, size - 1);
	memcpy(out, s, n);
	out[n] = '\0';
}

/* The read cursor. */
struct ea_cur {
	const uint8_t *p, *end;
	int err;
};

static inline void
ea_cur_init(struct ea_cur *c, struct emauth_span s)
{
	c->p = s.p;
	c->end = s.p + s.len;
	c->err = 0;
}

static inline size_t
ea_cur_left(const struct ea_cur *c)
{
	return c->err ? 0 : (size_t)(c->end - c->p);
}

static inline uint8_t
ea_cur_u8(struct ea_cur *c)
{
	if (ea_cur_left(c) < 1) {
		c->err = EMAUTH_ESYNTAX;
		return 0;
	}
	return *c->p++;
}

static inline uint16_t
ea_cur_u16(struct ea_cur *c)
{
	if (ea_cur_left(c) < 2) {
		c->err = EMAUTH_ESYNTAX;
		return 0;
	}
	uint16_t v = (uint16_t)((c->p[0] << 8) | c->p[1]);
	c->p += 2;
	return v;
}

/* Returns a span of the next @n bytes and advances, or an empty span and
 * the sticky error when fewer remain. */
static inline struct emauth_span
ea_cur_take(struct ea_cur *c, size_t n)
{
	if (ea_cur_left(c) < n) {
		c->err = EMAUTH_ESYNTAX;
		return ea_span(NULL, 0);
	}
	struct emauth_span s = ea_span(c->p, n);
	c->p += n;
	return s;
}

#endif
