/*
 * alloc.h: the library's one allocator hook. Tests replace it to make the
 * Nth allocation fail (curl's torture mode, libuv's uv_replace_allocator).
 */
#ifndef EA_ALLOC_H
#define EA_ALLOC_H

#include "internal.h"

void *ea_malloc(size_t n);
void *ea_calloc(size_t n, size_t size);
void *ea_realloc(void *p, size_t n);
void ea_free(void *p);
char *ea_strndup(const char *s, size_t n);

/* For tests: fail allocation number @n (1-based) and every later one when
 * @sticky; 0 turns failure injection off. Returns the allocations made. */
size_t ea_alloc_fail_at(size_t n, bool sticky);

#endif
