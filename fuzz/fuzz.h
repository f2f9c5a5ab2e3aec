/*
 * fuzz.h: what the fuzz targets share. Each target is built two ways: for
 * libFuzzer (make fuzz) and, with replay.c, as a program that replays its
 * corpus in the normal test run.
 */
#ifndef FUZZ_H
#define FUZZ_H

/* The same feature level as src/common/internal.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant that does not hold is a bug: abort, so that the fuzzer
 * keeps the input. */
#define FUZZ_ASSERT(c)                                                         \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #c,  \
			    __FILE__, __LINE__);                               \
			abort();                                               \
		}                                                              \
	} while (0)

/* A heap copy of exactly @size bytes, so that ASan sees any over-read. */
static inline uint8_t *
fuzz_copy(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	if (size)
		memcpy(p, data, size);
	return p;
}

/* The value of hex digit @c, or -1 (for the harnesses' own escapes). */
static inline int
fuzz_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
