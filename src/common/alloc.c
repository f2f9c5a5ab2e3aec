/*
 * alloc.c: the allocator hook. Every library allocation goes through here so
 * that tests can make the Nth allocation fail. The counter is process-wide
 * and atomic; it is a testing aid only and off by default.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"

static size_t fail_at;
static bool fail_sticky;
static size_t count;

static bool
should_fail(void)
{
	if (fail_at == 0)
		return false;
	size_t n = __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED);
	return fail_sticky ? n >= fail_at : n == fail_at;
}

size_t
ea_alloc_fail_at(size_t n, bool sticky)
{
	size_t made = __atomic_load_n(&count, __ATOMIC_RELAXED);
	fail_at = n;
	fail_sticky = sticky;
	__atomic_store_n(&count, 0, __ATOMIC_RELAXED);
	return made;
}

void *
ea_malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *
ea_calloc(size_t n, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *
ea_realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

void
ea_free(void *p)
{
	free(p);
}

char *
ea_strndup(const char *s, size_t n)
{
	char *d = ea_malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}
