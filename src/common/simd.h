/*
 * simd.h: the vector instructions the byte scanners may use (the message
 * reader's bare-LF scan, DKIM body canonicalization). SSE2 is part of
 * x86-64; AVX2 is chosen at run time where the processor has it. Elsewhere
 * the scanners fall back to their byte-wise loops.
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

#endif
