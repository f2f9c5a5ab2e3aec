/*
 * span.c: comparisons, bounded number parsing and escaping over spans.
 */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "span.h"

/* Eight bytes with each of A-Z made lower-case, other bytes (8-bit ones
 * included) as they are. Adding to the low seven bits of each byte sets
 * its top bit exactly when the byte is at least 'A' (+0x3f) or past 'Z'
 * (+0x25); no sum carries into the next byte. */
static uint64_t
lower8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL, top = 0x80 * ones;
	uint64_t low7 = x & (0x7f * ones);
	uint64_t upper =
	    (low7 + 0x3f * ones) & ~(low7 + 0x25 * ones) & ~x & top;
	return x | upper >> 2;
}

void
ea_lower_copy(char *out, const uint8_t *in, size_t n)
{
	uint64_t x;
	if (n >= 8) {
		/* Eight at a time, the last eight (which may overlap the ones
		 * before) at the end. */
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&x, in + i, 8);
			x = lower8(x);
			memcpy(out + i, &x, 8);
		}
		memcpy(&x, in + n - 8, 8);
		x = lower8(x);
		memcpy(out + n - 8, &x, 8);
		return;
	}
	if (n >= 4) {
		/* The first four and the last four (overlapping when n < 8). */
		uint32_t a, b;
		memcpy(&a, in, 4);
		memcpy(&b, in + n - 4, 4);
		a = (uint32_t)lower8(a);
		b = (uint32_t)lower8(b);
		memcpy(out, &a, 4);
		memcpy(out + n - 4, &b, 4);
		return;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (char)ea_lower(in[i]);
}

bool
ea_span_ieq(struct emauth_span a, struct emauth_span b)
{
	if (a.len != b.len)
		return false;
	size_t n = a.len;
	uint64_t x, y;
	if (n >= 8) {
		/* Eight bytes at a time; the last eight (which may overlap
		 * the ones before) end it. */
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&x, a.p + i, 8);
			memcpy(&y, b.p + i, 8);
			if (x != y && lower8(x) != lower8(y))
				return false;
		}
		memcpy(&x, a.p + n - 8, 8);
		memcpy(&y, b.p + n - 8, 8);
		return x == y || lower8(x) == lower8(y);
	}
	if (n >= 4) {
		/* Two four-byte pieces, the first and the last (overlapping
		 * when n < 8), as one word. */
		uint32_t a0, a1, b0, b1;
		memcpy(&a0, a.p, 4);
		memcpy(&a1, a.p + n - 4, 4);
		memcpy(&b0, b.p, 4);
		memcpy(&b1, b.p + n - 4, 4);
		x = (uint64_t)a1 << 32 | a0;
		y = (uint64_t)b1 << 32 | b0;
		return x == y || lower8(x) == lower8(y);
	}
	for (size_t i = 0; i < n; i++)
		if (ea_lower(a.p[i]) != ea_lower(b.p[i]))
			return false;
	return true;
}

bool
ea_span_istarts(struct emauth_span a, const char *prefix)
{
	struct emauth_span p = ea_span_str(prefix);
	if (a.len < p.len)
		return false;
	return ea_span_ieq(ea_span(a.p, p.len), p);
}

int
ea_span_uint(
    struct emauth_span s, size_t *pos, unsigned max_digits, uint32_t *out)
{
	size_t i = *pos;
	uint64_t v = 0;
	unsigned n = 0;

	while (i < s.len && ea_is_digit(s.p[i])) {
		if (++n > max_digits || n > 9)
			return EMAUTH_ESYNTAX;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
		i++;
	}
	if (n == 0)
		return EMAUTH_ESYNTAX;
	*out = (uint32_t)v;
	*pos = i;
	return 0;
}

static bool
escape_plain(uint8_t c)
{
	return c >= 0x20 && c < 0x7f && c != '\\' && c != '"';
}

void
ea_escape(struct emauth_span s, size_t max, char *out, size_t size)
{
	size_t o = 0, shown = s.len < max ? s.len : max, width = 0;

	if (size == 0)
		return;
	for (size_t i = 0; i < shown; i++)
		width += escape_plain(s.p[i]) ? 1 : 4;
	bool cut = shown < s.len;
	/* All that is shown fits (with "..." when over @max), or the output
	 * stops where "..." still fits after it. */
	size_t room = width + (cut ? 3 : 0) + 1 <= size ? size : size - 3;
	if (size < 4)
		room = size;
	for (size_t i = 0; i < shown; i++) {
		uint8_t c = s.p[i];
		size_t w = escape_plain(c) ? 1 : 4;
		if (o + w + 1 > room) {
			cut = true;
			break;
		}
		if (w == 1)
			out[o++] = (char)c;
		else
			snprintf(out + o, 5, "\\x%02x", c), o += 4;
	}
	if (cut && o + 4 <= size)
		memcpy(out + o, "...", 3), o += 3;
	out[o] = '\0';
}

void
ea_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	if (size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}
