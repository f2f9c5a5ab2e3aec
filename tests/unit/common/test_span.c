/*
 * test_span.c: span comparisons: the case-insensitive one (eight bytes at
 * a time) against a byte-by-byte reference, on every pair of bytes and on
 * generated strings with letters, their neighbours and 8-bit bytes; and
 * the lower-casing copy the same way.
 */
#include "common/internal.h"

#include <string.h>

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

int
main(void)
{
	T_RUN(test_every_pair);
	T_RUN(test_generated);
	T_RUN(test_lower_copy);
	return t_summary();
}
