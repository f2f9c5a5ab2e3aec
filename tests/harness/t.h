/*
 * t.h: the one small test harness. Each case is a named function run by
 * T_RUN; assertions print both sides. Every test program prints one line
 * per case ("ok NAME" / "not ok NAME") and a closing "N passed, N failed"
 * line, which tests/run adds up.
 */
#ifndef T_H
#define T_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int t_failed_case;
extern int t_pass, t_fail;
extern const char *t_filter;

void t_begin(const char *name);
void t_end(const char *name);
int t_summary(void);
void t_mem_fail(const char *file, int line, const void *a, size_t alen,
    const void *b, size_t blen);

#define T_RUN(fn)                                                              \
	do {                                                                   \
		if (t_filter && !strstr(#fn, t_filter))                        \
			break;                                                 \
		t_begin(#fn);                                                  \
		fn();                                                          \
		t_end(#fn);                                                    \
	} while (0)

#define T_FAILF(...)                                                           \
	do {                                                                   \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);              \
		fprintf(stderr, __VA_ARGS__);                                  \
		fprintf(stderr, "\n");                                         \
		t_failed_case = 1;                                             \
	} while (0)

#define T_TRUE(c)                                                              \
	do {                                                                   \
		if (!(c))                                                      \
			T_FAILF("expected true: %s", #c);                      \
	} while (0)

#define T_EQ_INT(a, b)                                                         \
	do {                                                                   \
		long long t_a = (long long)(a), t_b = (long long)(b);          \
		if (t_a != t_b)                                                \
			T_FAILF("%s == %s: %lld != %lld", #a, #b, t_a, t_b);   \
	} while (0)

#define T_EQ_STR(a, b)                                                         \
	do {                                                                   \
		const char *t_a = (a), *t_b = (b);                             \
		if (!t_a || !t_b || strcmp(t_a, t_b) != 0)                     \
			T_FAILF("%s == %s: \"%s\" != \"%s\"", #a, #b,          \
			    t_a ? t_a : "(null)", t_b ? t_b : "(null)");       \
	} while (0)

#define T_EQ_MEM(a, alen, b, blen)                                             \
	do {                                                                   \
		if ((size_t)(alen) != (size_t)(blen) ||                        \
		    memcmp((a), (b), (size_t)(alen)) != 0)                     \
			t_mem_fail(                                            \
			    __FILE__, __LINE__, (a), (alen), (b), (blen));     \
	} while (0)

#endif
