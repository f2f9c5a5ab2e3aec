/*
 * simd.h: the vector instructions the byte scanners may use (the message
 * reader's bare-LF scan, DKIM body canonicalization, the printable-run scan
 * of field names and tag values below). SSE2 is part of x86-64; AVX2 is
 * chosen at run time where the processor has it. Elsewhere the scanners
 * fall back to their byte-wise loops.
 */
#ifndef EA_SIMD_H
#define EA_SIMD_H

#include "internal.h"

#if defined(__SSE2__)
#define EA_SIMD_SSE2 1
#include <emmintrin.h>
#endif
#if defined(EA_SIMD_SSE2) && defined(__x86_64__) &&                            \
    (defined(__GNUC__) || defined(__clang__))
#define EA_SIMD_AVX2 1
#include <immintrin.h>
#define EA_TARGET_AVX2 __attribute__((target("avx2")))
#endif

/* Set by tests so that the SSE2 paths run on a processor with AVX2 too. */
extern bool ea_simd_no_avx2;

/* Whether the processor runs AVX2 (a read of what the compiler's run-time
 * support found at start-up). */
static inline bool
ea_simd_avx2(void)
{
#if defined(EA_SIMD_AVX2)
	return !ea_simd_no_avx2 && __builtin_cpu_supports("avx2");
#else
	return false;
#endif
}

/* Printable ASCII other than @stop. */
static inline bool
ea_printable_not(uint8_t c, uint8_t stop)
{
	return c >= 0x21 && c <= 0x7e && c != stop;
}

/* From s.p[i], the end of the run of printable ASCII bytes (0x21-0x7e)
 * other than @stop: sixteen at a time with SSE2. Inline: it runs on every
 * header field name and tag value, most of them short. */
static inline size_t
ea_span_print_run(struct emauth_span s, size_t i, uint8_t stop)
{
#if defined(EA_SIMD_SSE2)
	const __m128i lo = _mm_set1_epi8(0x20), hi = _mm_set1_epi8(0x7f);
	const __m128i st = _mm_set1_epi8((char)stop);
	while (i + 16 <= s.len) {
		__m128i v =
		    _mm_loadu_si128((const __m128i *)(const void *)(s.p + i));
		/* Signed compares: bytes of 0x80 and up are negative. */
		__m128i ok =
		    _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
		ok = _mm_andnot_si128(_mm_cmpeq_epi8(v, st), ok);
		unsigned m = (unsigned)_mm_movemask_epi8(ok) ^ 0xffffu;
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < s.len && ea_printable_not(s.p[i], stop))
		i++;
	return i;
}

#endif
