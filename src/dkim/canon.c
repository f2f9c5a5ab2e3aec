/*
 * canon.c: DKIM canonicalization (RFC 6376 §3.4).
 */
#include "../common/internal.h"

#include <string.h>

#include "../common/simd.h"
#include "../common/span.h"
#include "canon.h"

static bool
is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t';
}

#if defined(EA_SIMD_SSE2)
/* Bit k set where byte k of @v ends a kept run (see below): it is SP or
 * under and not a single space before a byte over SP (@n: the bytes after
 * those of @v). */
static inline unsigned
run_ends(__m128i v, __m128i n)
{
	const __m128i over_sp = _mm_set1_epi8(0x21), sp = _mm_set1_epi8(' ');
	__m128i v_ok = _mm_cmpeq_epi8(_mm_max_epu8(v, over_sp), v);
	__m128i n_ok = _mm_cmpeq_epi8(_mm_max_epu8(n, over_sp), n);
	__m128i ok =
	    _mm_or_si128(v_ok, _mm_and_si128(_mm_cmpeq_epi8(v, sp), n_ok));
	return (unsigned)_mm_movemask_epi8(ok) ^ 0xffffu;
}
#endif

/*
 * From f.p[i] (a byte over SP), the run that relaxed header
 * canonicalization keeps as it is: bytes over SP (8-bit ones too) and
 * single spaces between them. It is copied to @o and its end returned.
 * Sixteen bytes at a time with SSE2: each block is stored whole before its
 * end is known, so @o has room for as many bytes as f has from i on.
 */
static size_t
kept_run_copy(struct emauth_span f, size_t i, char *o)
{
	const size_t i0 = i;
#if defined(EA_SIMD_SSE2)
	while (i + 17 <= f.len) {
		__m128i v =
		    _mm_loadu_si128((const __m128i *)(const void *)(f.p + i));
		__m128i n = _mm_loadu_si128(
		    (const __m128i *)(const void *)(f.p + i + 1));
		_mm_storeu_si128((__m128i *)(void *)(o + (i - i0)), v);
		unsigned m = run_ends(v, n);
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
	/* The rest, fewer than 17 bytes, from the field's last 16 (the byte
	 * after the last read as 0: a space there ends the run), stored
	 * whole when they start within the run. */
	if (i < f.len && f.len >= 16 && f.len - 16 >= i0) {
		size_t base = f.len - 16;
		__m128i v = _mm_loadu_si128(
		    (const __m128i *)(const void *)(f.p + base));
		_mm_storeu_si128((__m128i *)(void *)(o + (base - i0)), v);
		unsigned m =
		    run_ends(v, _mm_srli_si128(v, 1)) & (0xffffu << (i - base));
		return m ? base + (size_t)__builtin_ctz(m) : f.len;
	}
#endif
	while (i < f.len && (f.p[i] > ' ' || (f.p[i] == ' ' && i + 1 < f.len &&
	                                         f.p[i + 1] > ' '))) {
		o[i - i0] = (char)f.p[i];
		i++;
	}
	return i;
}

int
ea_canon_header(
    enum ea_canon c, struct emauth_span f, bool crlf, struct ea_buf *out)
{
	int rc = 0;

	if (c == EA_CANON_SIMPLE) {
		/* §3.4.1: "The "simple" header canonicalization algorithm
		 * does not change header fields in any way." */
		rc = ea_buf_add(out, f.p, f.len);
		return rc ? rc : crlf ? ea_buf_add(out, "\r\n", 2) : 0;
	}
	/* §3.4.2: lower-case the name; unfold; reduce WSP runs to one SP;
	 * delete WSP at the end of the value and around the colon. The
	 * result is never longer than the field plus ":" and CRLF, so it is
	 * written in place after one reservation. Each byte written stands
	 * for a byte read, so the output never runs ahead of the input (k <=
	 * i below), and a run's 16-byte stores end within f.len bytes. */
	rc = ea_buf_reserve(out, f.len + 3);
	if (rc)
		return rc;
	char *o = out->p + out->len;
	/* The name is most often one run of printable bytes up to the
	 * colon, lower-cased eight bytes at a time. */
	size_t k = ea_span_print_run(f, 0, ':'), colon = k;
	ea_lower_copy(o, f.p, k);
	if (colon < f.len && f.p[colon] != ':') {
		const uint8_t *cp = memchr(f.p + colon, ':', f.len - colon);
		colon = cp ? (size_t)(cp - f.p) : f.len;
	}
	/* Unfolding applies to the whole field: a CR or LF before the colon
	 * (only possible in a malformed field) is dropped too, and then the
	 * whitespace before the colon. */
	for (size_t i = k; i < colon; i++)
		if (f.p[i] != '\r' && f.p[i] != '\n')
			o[k++] = (char)ea_lower(f.p[i]);
	while (k > 0 && is_wsp((uint8_t)o[k - 1]))
		k--;
	o[k++] = ':';
	bool pending = false, started = false;
	size_t i = colon + 1;
	while (i < f.len) {
		uint8_t ch = f.p[i];
		if (ch > ' ') {
			if (pending)
				o[k++] = ' ';
			pending = false;
			started = true;
			size_t e = kept_run_copy(f, i, o + k);
			k += e - i;
			i = e;
			continue;
		}
		i++;
		if (ch == '\r' || ch == '\n')
			continue; /* unfold */
		if (is_wsp(ch)) {
			pending = started;
			continue;
		}
		if (pending)
			o[k++] = ' ';
		pending = false;
		started = true;
		o[k++] = (char)ch;
	}
	if (crlf) {
		o[k++] = '\r';
		o[k++] = '\n';
	}
	out->len += k;
	out->p[out->len] = '\0';
	return 0;
}

void
ea_body_canon_init(
    struct ea_body_canon *b, enum ea_canon c, ea_canon_sink sink, void *arg)
{
	memset(b, 0, sizeof(*b));
	b->c = c;
	b->sink = sink;
	b->arg = arg;
}

static void
emit(struct ea_body_canon *b, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	b->total += n;
	b->sink(b->arg, p, n);
}

static void
emit_empty_lines(struct ea_body_canon *b)
{
	static const uint8_t crlfs[] = "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";
	while (b->empty_lines > 0) {
		uint64_t k = b->empty_lines > 8 ? 8 : b->empty_lines;
		emit(b, crlfs, (size_t)k * 2);
		b->empty_lines -= k;
	}
}

/* Starts (or continues) the content of a line. */
static void
content(struct ea_body_canon *b)
{
	if (!b->in_line) {
		emit_empty_lines(b);
		b->in_line = true;
	}
}

static void
end_line(struct ea_body_canon *b)
{
	if (b->in_line)
		emit(b, (const uint8_t *)"\r\n", 2);
	else
		b->empty_lines++;
	b->in_line = false;
	b->wsp = false;
}

/*
 * Whether canonicalization changes p[k] or must look at it closely, given
 * the byte after it. Relaxed: a TAB, a space before WSP or CR, a CR not
 * followed by LF; both: a CR right after a LF (an empty line, held back in
 * case it is trailing, or a lone CR at the start of a line).
 */
static bool
not_clean(enum ea_canon c, uint8_t prev, uint8_t ch, uint8_t next)
{
	if (prev == '\n' && ch == '\r')
		return true;
	if (c == EA_CANON_SIMPLE)
		return false;
	return ch == '\t' ||
	       (ch == ' ' && (next == ' ' || next == '\t' || next == '\r')) ||
	       (ch == '\r' && next != '\n');
}

/*
 * The same test for whole blocks: from p[k], the position of the first
 * byte that is not clean, or where the blocks ended (at most n - 1: the
 * last byte waits for what follows). p[k - 1] exists. Sixteen bytes at a
 * time with SSE2, thirty-two with AVX2 where the processor has it.
 */
#if defined(EA_SIMD_SSE2)
/* The bytes of q[0..16) that are not clean (q[-1] and q[16] exist). */
static inline __m128i
bad_sse2(enum ea_canon c, const uint8_t *q)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
	__m128i prev = _mm_loadu_si128((const __m128i *)(const void *)(q - 1));
	__m128i cr = _mm_set1_epi8('\r');
	__m128i v_cr = _mm_cmpeq_epi8(v, cr);
	__m128i bad =
	    _mm_and_si128(v_cr, _mm_cmpeq_epi8(prev, _mm_set1_epi8('\n')));
	if (c == EA_CANON_RELAXED) {
		__m128i next =
		    _mm_loadu_si128((const __m128i *)(const void *)(q + 1));
		__m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');
		__m128i n_wsp_cr =
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(next, sp),
		                     _mm_cmpeq_epi8(next, tab)),
		        _mm_cmpeq_epi8(next, cr));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, tab));
		bad = _mm_or_si128(
		    bad, _mm_and_si128(_mm_cmpeq_epi8(v, sp), n_wsp_cr));
		bad = _mm_or_si128(
		    bad, _mm_andnot_si128(
		             _mm_cmpeq_epi8(next, _mm_set1_epi8('\n')), v_cr));
	}
	return bad;
}

static size_t
clean_blocks_sse2(enum ea_canon c, const uint8_t *p, size_t k, size_t n)
{
	for (; k + 17 <= n; k += 16) {
		unsigned m = (unsigned)_mm_movemask_epi8(bad_sse2(c, p + k));
		if (m)
			return k + (size_t)__builtin_ctz(m);
	}
	return k;
}

#if defined(EA_SIMD_AVX2)
/*
 * The same with AVX2, the constants set once and each canonicalization in
 * its own loop. Relaxed tests two blocks at a time. Whether the next byte
 * is SP, TAB or CR is one table look-up by its low nibble (0, 9, D:
 * distinct) and a compare: the look-up gives 0 for bytes of 0x80 and up,
 * and 0x80 for nibbles that name none of the three, which no byte with
 * that nibble equals.
 */
EA_TARGET_AVX2 static size_t
clean_blocks_avx2(enum ea_canon c, const uint8_t *p, size_t k, size_t n)
{
	const __m256i cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');
	const __m256i sp = _mm256_set1_epi8(' '), tab = _mm256_set1_epi8('\t');
	const __m256i wsp_cr = _mm256_setr_epi8(' ', -128, -128, -128, -128,
	    -128, -128, -128, -128, '\t', -128, -128, -128, '\r', -128, -128,
	    ' ', -128, -128, -128, -128, -128, -128, -128, -128, '\t', -128,
	    -128, -128, '\r', -128, -128);
#define LOAD(q) _mm256_loadu_si256((const __m256i *)(const void *)(q))
	/* An empty line, or a lone CR at the start of a line. */
#define CR_AFTER_LF(v, q)                                                      \
	_mm256_and_si256(                                                      \
	    _mm256_cmpeq_epi8(v, cr), _mm256_cmpeq_epi8(LOAD(q - 1), lf))
#define RELAXED_BAD(v, q)                                                      \
	_mm256_or_si256(                                                       \
	    _mm256_or_si256(CR_AFTER_LF(v, q), _mm256_cmpeq_epi8(v, tab)),     \
	    _mm256_or_si256(_mm256_and_si256(_mm256_cmpeq_epi8(v, sp),         \
	                        _mm256_cmpeq_epi8(                             \
	                            _mm256_shuffle_epi8(wsp_cr, LOAD(q + 1)),  \
	                            LOAD(q + 1))),                             \
	        _mm256_andnot_si256(_mm256_cmpeq_epi8(LOAD(q + 1), lf),        \
	            _mm256_cmpeq_epi8(v, cr))))
	if (c == EA_CANON_SIMPLE) {
		for (; k + 33 <= n; k += 32) {
			__m256i v = LOAD(p + k);
			unsigned m = (unsigned)_mm256_movemask_epi8(
			    CR_AFTER_LF(v, p + k));
			if (m)
				return k + (size_t)__builtin_ctz(m);
		}
		return k;
	}
	for (; k + 65 <= n; k += 64) {
		__m256i v0 = LOAD(p + k), v1 = LOAD(p + k + 32);
		__m256i b0 = RELAXED_BAD(v0, p + k);
		__m256i b1 = RELAXED_BAD(v1, p + k + 32);
		if (_mm256_testz_si256(
		        _mm256_or_si256(b0, b1), _mm256_or_si256(b0, b1)))
			continue;
		unsigned m = (unsigned)_mm256_movemask_epi8(b0);
		if (m)
			return k + (size_t)__builtin_ctz(m);
		return k + 32 +
		       (size_t)__builtin_ctz(
		           (unsigned)_mm256_movemask_epi8(b1));
	}
	for (; k + 33 <= n; k += 32) {
		__m256i v = LOAD(p + k);
		unsigned m =
		    (unsigned)_mm256_movemask_epi8(RELAXED_BAD(v, p + k));
		if (m)
			return k + (size_t)__builtin_ctz(m);
	}
	return k;
#undef RELAXED_BAD
#undef CR_AFTER_LF
#undef LOAD
}
#endif
#endif

static size_t
clean_blocks(enum ea_canon c, const uint8_t *p, size_t k, size_t n)
{
#if defined(EA_SIMD_AVX2)
	if (ea_simd_avx2())
		return clean_blocks_avx2(c, p, k, n);
#endif
#if defined(EA_SIMD_SSE2)
	return clean_blocks_sse2(c, p, k, n);
#else
	(void)c;
	(void)p;
	(void)n;
	return k;
#endif
}

/*
 * The length of the run at p[i..n) that canonicalization gives back
 * unchanged and after which the state is plain again (no CR, whitespace or
 * empty lines pending), so it can be emitted as it is. The canonicalizer's
 * state at p[i] is plain. The chunk's last byte is left to the byte-wise
 * path (what follows it decides), and so is a final CR that may start a
 * CRLF (relaxed: a final SP that may start a run of whitespace).
 */
static size_t
clean_run(struct ea_body_canon *b, const uint8_t *p, size_t i, size_t n)
{
	if (n - i < 2)
		return 0;
	/* An empty line (or a lone CR) at the start of a line. */
	if (!b->in_line && p[i] == '\r')
		return 0;
	if (not_clean(b->c, 0, p[i], p[i + 1]))
		return 0;
	size_t k = clean_blocks(b->c, p, i + 1, n);
	while (k + 1 < n && !not_clean(b->c, p[k - 1], p[k], p[k + 1]))
		k++;
	b->scanned += k - i;
	/* One byte at most is given back: a CR whose LF is the chunk's last
	 * byte (relaxed also a space, which cannot follow a space or precede
	 * a CR in a clean run). A whole run given back would be scanned again
	 * after each of its bytes: quadratic on a body of CRs (simple). */
	if (k > i && (p[k - 1] == '\r' ||
	                 (b->c == EA_CANON_RELAXED && is_wsp(p[k - 1]))))
		k--;
	return k - i;
}

void
ea_body_canon_feed(struct ea_body_canon *b, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		if (b->empty_lines && !b->cr && !b->wsp && c != '\r' &&
		    (b->c == EA_CANON_SIMPLE || !is_wsp(c)))
			content(b); /* a line after empty lines */
		if (!b->cr && !b->wsp && !b->empty_lines) {
			/* The fast path: most text needs no change. */
			size_t k = clean_run(b, p, i, n);
			if (k > 0) {
				emit(b, p + i, k);
				i += k;
				b->in_line = !(k >= 2 && p[i - 2] == '\r' &&
				               p[i - 1] == '\n');
				continue;
			}
		}
		if (b->cr) {
			b->cr = false;
			if (c == '\n') {
				end_line(b);
				i++;
				continue;
			}
			/* A CR without LF is an ordinary byte of the line. */
			content(b);
			if (b->c == EA_CANON_RELAXED && b->wsp)
				emit(b, (const uint8_t *)" ", 1);
			b->wsp = false;
			emit(b, (const uint8_t *)"\r", 1);
			continue; /* look at c again */
		}
		if (c == '\r') {
			b->cr = true;
			i++;
			continue;
		}
		if (b->c == EA_CANON_RELAXED) {
			if (is_wsp(c)) {
				/* §3.4.4: "Reduce all sequences of WSP within
				 * a line to a single SP character" and "Ignore
				 * all whitespace at the end of lines". */
				b->wsp = true;
				i++;
				continue;
			}
			content(b);
			if (b->wsp)
				emit(b, (const uint8_t *)" ", 1);
			b->wsp = false;
		} else {
			/* simple: every byte of a line is content. */
			content(b);
		}
		/* One byte; the fast path above takes the run after it. */
		emit(b, p + i, 1);
		i++;
	}
}

void
ea_body_canon_finish(struct ea_body_canon *b)
{
	if (b->cr) {
		/* A final lone CR is content. */
		b->cr = false;
		content(b);
		if (b->c == EA_CANON_RELAXED && b->wsp)
			emit(b, (const uint8_t *)" ", 1);
		b->wsp = false;
		emit(b, (const uint8_t *)"\r", 1);
	}
	if (b->in_line) {
		/* A body that does not end with CRLF gets one (§3.4.3,
		 * §3.4.4). */
		emit(b, (const uint8_t *)"\r\n", 2);
		b->in_line = false;
	} else if (b->c == EA_CANON_SIMPLE && b->total == 0) {
		/* §3.4.3: "If there is no body or no trailing CRLF on the
		 * message body, a CRLF is added." An empty body is CRLF;
		 * relaxed leaves it empty (§3.4.4, errata 1384). */
		emit(b, (const uint8_t *)"\r\n", 2);
	}
	/* Trailing empty lines (held in empty_lines) are dropped. */
	b->empty_lines = 0;
}
