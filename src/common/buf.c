/*
 * buf.c: the capped output buffer.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"

void
ea_buf_init(struct ea_buf *b, size_t max)
{
	b->p = NULL;
	b->len = b->cap = 0;
	b->max = max;
	b->err = 0;
}

void
ea_buf_release(struct ea_buf *b)
{
	ea_free(b->p);
	ea_buf_init(b, b->max);
}

void
ea_buf_reset(struct ea_buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->p)
		b->p[0] = '\0';
}

static int
grow(struct ea_buf *b, size_t need)
{
	if (b->err)
		return b->err;
	if (need > b->max) {
		b->err = EMAUTH_ETOOBIG;
		return b->err;
	}
	if (need + 1 <= b->cap)
		return 0;
	/* The first allocation takes 256 bytes at least: most buffers hold
	 * a header field or a record, and each doubling is a realloc. */
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need + 1)
		cap *= 2;
	char *p = ea_realloc(b->p, cap);
	if (p == NULL) {
		b->err = EMAUTH_ENOMEM;
		return b->err;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

int
ea_buf_add(struct ea_buf *b, const void *p, size_t n)
{
	int rc = grow(b, b->len + n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int
ea_buf_reserve(struct ea_buf *b, size_t n)
{
	return grow(b, b->len + n);
}

int
ea_buf_addc(struct ea_buf *b, char c)
{
	return ea_buf_add(b, &c, 1);
}

int
ea_buf_adds(struct ea_buf *b, const char *s)
{
	return ea_buf_add(b, s, strlen(s));
}

int
ea_buf_printf(struct ea_buf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[512];

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return EMAUTH_EINVAL;
	if ((size_t)n < sizeof(tmp))
		return ea_buf_add(b, tmp, (size_t)n);
	int rc = grow(b, b->len + (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *
ea_buf_str(const struct ea_buf *b)
{
	return b->p ? b->p : "";
}

char *
ea_buf_steal(struct ea_buf *b)
{
	char *p = b->p;
	if (p == NULL)
		p = ea_strndup("", 0);
	ea_buf_init(b, b->max);
	return p;
}
