/*
 * test_span.c: span comparisons: the case-insensitive one (eight bytes at
 * a time) against a byte-by-byte reference, on every pair of bytes and on
 * generated strings with letters, their neighbours and 8-bit bytes; and
 * the lower-casing copy the same way. Then the common caps at their value
 * and one more: the capped buffer, decimal numbers, escaping for display.
 */
#include "common/internal.h"

#include <string.h>

#include "common/buf.h"
#include "common/span.h"
#include "harness/t.h"

static bool
ref_ieq(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return false;
	}
	return true;
}

/* Every pair of byte values at every position of strings of 1 to 11
 * bytes: the byte loop (under 4), the two 4-byte pieces (4 to 7), whole
 * words and the overlapping last word (8 and more). */
static void
test_every_pair(void)
{
	unsigned bad = 0;
	for (size_t len = 1; len <= 11; len++)
		for (size_t pos = 0; pos < len; pos++)
			for (unsigned x = 0; x < 256; x++)
				for (unsigned y = 0; y < 256; y++) {
					uint8_t a[11], b[11];
					memset(a, 'q', sizeof(a));
					memset(b, 'Q', sizeof(b));
					a[pos] = (uint8_t)x;
					b[pos] = (uint8_t)y;
					bool want = ref_ieq(a, b, len);
					bool got = ea_span_ieq(
					    ea_span(a, len), ea_span(b, len));
					if (got != want && bad++ < 5)
						T_FAILF("%zu bytes, 0x%02x vs "
						        "0x%02x at %zu: %d",
						    len, x, y, pos, got);
				}
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
test_generated(void)
{
	static const uint8_t alphabet[] = {'a', 'z', 'A', 'Z', '@', '[', '`',
	    '{', '-', 0x7f, 0x80, 0xc1, 0xe1, 0xff, 0x00, 0x20};
	uint64_t seed = 0x1eee5eed;
	unsigned equal = 0;
	for (unsigned round = 0; round < 20000; round++) {
		uint8_t a[40], b[40];
		size_t n = rnd(&seed) % sizeof(a);
		for (size_t i = 0; i < n; i++) {
			a[i] = alphabet[rnd(&seed) % sizeof(alphabet)];
			/* Mostly the same byte or its other case. */
			unsigned r = (unsigned)(rnd(&seed) % 8);
			b[i] = r < 5 ? a[i]
			       : r < 7
			           ? (uint8_t)(a[i] ^ 0x20)
			           : alphabet[rnd(&seed) % sizeof(alphabet)];
		}
		bool want = ref_ieq(a, b, n);
		equal += want;
		if (ea_span_ieq(ea_span(a, n), ea_span(b, n)) != want)
			T_FAILF(
			    "round %u (%zu bytes): want %d", round, n, want);
	}
	T_TRUE(equal > 1000);
	T_TRUE(!ea_span_ieq(ea_span_str("From"), ea_span_str("Fro")));
	T_TRUE(ea_span_ieq_str(ea_span_str("Content-Transfer-Encoding"),
	    "content-transfer-encoding"));
}

/* ea_lower_copy: every byte value at every position of copies of 0 to 40
 * bytes (the byte loop, the two 4-byte pieces, whole words and the
 * overlapping last word), against a byte loop; nothing written past n. */
static void
test_lower_copy(void)
{
	uint8_t in[40];
	char out[48], want[48];
	unsigned failures = 0;
	for (size_t n = 0; n <= sizeof(in) && failures < 5; n++) {
		for (size_t pos = 0; pos < n || (n == 0 && pos == 0); pos++) {
			for (int v = 0; v < 256; v++) {
				for (size_t i = 0; i < n; i++)
					in[i] =
					    (uint8_t)("AbZ@[`az{\xc1"[i % 10]);
				if (n > 0)
					in[pos] = (uint8_t)v;
				memset(out, '#', sizeof(out));
				memset(want, '#', sizeof(want));
				for (size_t i = 0; i < n; i++)
					want[i] =
					    (char)(in[i] >= 'A' && in[i] <= 'Z'
					               ? in[i] + 32
					               : in[i]);
				ea_lower_copy(out, in, n);
				if (memcmp(out, want, sizeof(out)) != 0 &&
				    failures++ < 5)
					T_FAILF(
					    "%zu bytes, %d at %zu", n, v, pos);
			}
		}
	}
}

/* The capped buffer every parser writes through: @max bytes go in, one
 * more is ETOOBIG, and the error sticks (later appends, even small ones,
 * fail too) while the content stays what fitted. */
static void
test_buf_cap_edges(void)
{
	struct ea_buf b;
	ea_buf_init(&b, 300);
	char s[301];
	memset(s, 'b', sizeof(s));
	T_EQ_INT(ea_buf_add(&b, s, 300), 0);
	T_EQ_INT(b.len, 300);
	T_EQ_INT(ea_buf_addc(&b, 'x'), EMAUTH_ETOOBIG);
	T_EQ_INT(b.len, 300);
	ea_buf_reset(&b);
	T_EQ_INT(ea_buf_add(&b, s, 301), EMAUTH_ETOOBIG);
	T_EQ_INT(b.len, 0);
	T_EQ_INT(ea_buf_add(&b, s, 1), EMAUTH_ETOOBIG);
	T_EQ_STR(ea_buf_str(&b), "");
	ea_buf_release(&b);
}

/* Decimal numbers (ea_span_uint): the caller's digit count, and never
 * more than 9 (a uint32_t without overflow), at the value and one more. */
static void
test_uint_digit_edges(void)
{
	uint32_t v;
	size_t pos = 0;
	T_EQ_INT(ea_span_uint(ea_span_str("255"), &pos, 3, &v), 0);
	T_EQ_INT(v, 255);
	pos = 0;
	T_EQ_INT(
	    ea_span_uint(ea_span_str("0255"), &pos, 3, &v), EMAUTH_ESYNTAX);
	pos = 0;
	T_EQ_INT(ea_span_uint(ea_span_str("999999999"), &pos, 10, &v), 0);
	T_EQ_INT(v, 999999999);
	pos = 0;
	T_EQ_INT(ea_span_uint(ea_span_str("4294967295"), &pos, 10, &v),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(pos, 0);
}

/* ea_escape, for display: @max input bytes are shown, and a longer input
 * ends in "..." (never shown as if it were whole). */
static void
test_escape_edges(void)
{
	char out[64];
	ea_escape(ea_span_str("abcdef"), 6, out, sizeof(out));
	T_EQ_STR(out, "abcdef");
	ea_escape(ea_span_str("abcdefg"), 6, out, sizeof(out));
	T_EQ_STR(out, "abcdef...");
	ea_escape(ea_span_str("a\"b\x01"), 6, out, sizeof(out));
	T_EQ_STR(out, "a\\x22b\\x01");
	/* Escapes that fill the buffer before @max: still "...". */
	char small[12];
	ea_escape(ea_span_str("\x01\x02\x03\x04"), 100, small, sizeof(small));
	T_EQ_STR(small, "\\x01\\x02...");
	ea_escape(ea_span_str("abcdefghijklmn"), 100, small, sizeof(small));
	T_EQ_STR(small, "abcdefgh...");
	/* Exactly fitting input is whole, without "...". */
	ea_escape(ea_span_str("abcdefghijk"), 100, small, sizeof(small));
	T_EQ_STR(small, "abcdefghijk");
	ea_escape(ea_span_str("abcdefghij\x01"), 100, small, sizeof(small));
	T_EQ_STR(small, "abcdefgh...");
}

int
main(void)
{
	T_RUN(test_every_pair);
	T_RUN(test_generated);
	T_RUN(test_lower_copy);
	T_RUN(test_buf_cap_edges);
	T_RUN(test_uint_digit_edges);
	T_RUN(test_escape_edges);
	return t_summary();
}
