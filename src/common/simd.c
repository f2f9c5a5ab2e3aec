/*
 * simd.c: the switch that keeps the byte scanners on SSE2 (see simd.h).
 */
#include "simd.h"

bool ea_simd_no_avx2;
