/*
 * t.c: the test harness's runtime.
 */
#include <stdlib.h>

#include "t.h"

int t_failed_case;
int t_pass, t_fail;
const char *t_filter;

__attribute__((constructor)) static void
t_init(void)
{
	t_filter = getenv("T_FILTER");
}

void
t_begin(const char *name)
{
	(void)name;
	t_failed_case = 0;
}

void
t_end(const char *name)
{
	if (t_failed_case) {
		printf("not ok %s\n", name);
		t_fail++;
	} else {
		printf("ok %s\n", name);
		t_pass++;
	}
	fflush(stdout);
}

int
t_summary(void)
{
	printf("%d passed, %d failed\n", t_pass, t_fail);
	return t_fail ? 1 : 0;
}

static void
dump(const char *label, const void *p, size_t n)
{
	const unsigned char *b = p;
	fprintf(stderr, "    %s (%zu): \"", label, n);
	for (size_t i = 0; i < n && i < 200; i++)
		if (b[i] >= 0x20 && b[i] < 0x7f)
			fputc(b[i], stderr);
		else
			fprintf(stderr, "\\x%02x", b[i]);
	fprintf(stderr, "%s\"\n", n > 200 ? "..." : "");
}

void
t_mem_fail(const char *file, int line, const void *a, size_t alen,
    const void *b, size_t blen)
{
	fprintf(stderr, "  %s:%d: memory differs\n", file, line);
	dump("got", a, alen);
	dump("want", b, blen);
	t_failed_case = 1;
}
