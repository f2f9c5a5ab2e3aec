/*
 * reader.c: the streaming message reader (see include/emauth/msg.h).
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include "../common/alloc.h"
#include "../common/buf.h"
#include "../common/diag.h"
#include "../common/simd.h"
#include "../common/span.h"

#include <emauth/msg.h>

enum rstate { LINE_START, IN_HEADER, IN_BODY };

/* The body chunk a LF-only body is rewritten into. */
#define OUT_SIZE 8192

struct emauth_msg_reader {
	struct emauth_msg_handler h;
	void *arg;
	enum rstate st;
	struct ea_buf field; /* the field being collected */
	struct ea_buf line;  /* the current header line */
	/* Or the field being collected as it lies in the chunk being read
	 * (while its lines are whole there and end in CRLF): copied into
	 * field only when that stops being so, at the latest when the call
	 * that gave the chunk returns. */
	struct emauth_span pend;
	size_t max_field;
	bool cr;      /* last byte was CR (header phase) */
	bool body_cr; /* last body byte was CR */
	bool first_line;
	unsigned lineno;
	uint8_t *out; /* body chunk after LF -> CRLF (OUT_SIZE), made when
	                 a body first needs it */
};

int
emauth_msg_reader_new(const struct emauth_msg_handler *h, void *arg,
    size_t max_field, struct emauth_msg_reader **out)
{
	struct emauth_msg_reader *r = ea_calloc(1, sizeof(*r));
	if (r == NULL)
		return EMAUTH_ENOMEM;
	r->h = *h;
	r->arg = arg;
	if (max_field == 0)
		max_field = 64 * 1024;
	ea_buf_init(&r->field, max_field);
	ea_buf_init(&r->line, max_field);
	r->max_field = max_field;
	r->first_line = true;
	*out = r;
	return 0;
}

void
emauth_msg_reader_free(struct emauth_msg_reader *r)
{
	if (r == NULL)
		return;
	ea_buf_release(&r->field);
	ea_buf_release(&r->line);
	ea_free(r->out);
	ea_free(r);
}

/* Copies the field held in the chunk (r->pend) into r->field. */
static int
keep_pending(struct emauth_msg_reader *r)
{
	if (r->pend.p == NULL)
		return 0;
	int rc = ea_buf_add(&r->field, r->pend.p, r->pend.len);
	r->pend = ea_span(NULL, 0);
	return rc;
}

static int
flush_field(struct emauth_msg_reader *r)
{
	struct emauth_span f =
	    r->pend.p ? r->pend : ea_span(r->field.p, r->field.len);
	if (f.len == 0)
		return 0;
	int rc = r->h.header ? r->h.header(r->arg, f) : 0;
	r->pend = ea_span(NULL, 0);
	ea_buf_reset(&r->field);
	return rc;
}

/*
 * One complete header line @l (without its line ending). @in_chunk: @l
 * lies in the chunk being read and ends there with CRLF, so the field
 * may stay there.
 */
static int
header_line(struct emauth_msg_reader *r, struct emauth_span l, bool in_chunk,
    struct emauth_diag *diag)
{
	int rc;

	r->lineno++;
	if (r->first_line) {
		r->first_line = false;
		/* An mbox separator line ("From sender date"), but not a
		 * From field written with whitespace before its colon
		 * ("From : a@example.com", RFC 5322 §4.5.3), which must not
		 * disappear. */
		if (l.len >= 5 && memcmp(l.p, "From ", 5) == 0) {
			size_t i = 4;
			while (i < l.len && (l.p[i] == ' ' || l.p[i] == '\t'))
				i++;
			if (i < l.len && l.p[i] != ':')
				return 0;
		}
	}
	if (l.len == 0) {
		rc = flush_field(r);
		if (rc)
			return rc;
		r->st = IN_BODY;
		return r->h.eoh ? r->h.eoh(r->arg) : 0;
	}
	if (l.p[0] == ' ' || l.p[0] == '\t') {
		/* A continuation line: RFC 5322 §2.2.3 folding. */
		if (r->field.len == 0 && r->pend.p == NULL) {
			ea_diag_set(diag, EMAUTH_ESYNTAX, "message", l, 0,
			    "continuation line before any header field");
			return EMAUTH_ESYNTAX;
		}
		if (in_chunk && r->pend.p != NULL &&
		    r->pend.p + r->pend.len + 2 == l.p &&
		    r->pend.p[r->pend.len] == '\r') {
			/* The field goes on, CRLF and all, in the chunk. */
			r->pend.len += 2 + l.len;
			rc = r->pend.len > r->max_field ? EMAUTH_ETOOBIG : 0;
			goto check;
		}
		rc = keep_pending(r);
		if (rc == 0)
			rc = ea_buf_add(&r->field, "\r\n", 2);
		if (rc == 0)
			rc = ea_buf_add(&r->field, l.p, l.len);
		goto check;
	}
	/* RFC 5322 §3.6.8: field-name = 1*ftext (printable ASCII but ":").
	 * Bytes over 0x7f are not ftext, but MTAs pass such fields on, so
	 * they are accepted here rather than losing the message (the byte
	 * loop goes on where the quick ASCII run stops); WSP before the
	 * colon is obsolete syntax (§4.5) that we accept too. */
	size_t i = ea_span_print_run(l, 0, ':');
	while (i < l.len && l.p[i] != ':' && l.p[i] > 0x20 && l.p[i] != 0x7f)
		i++;
	size_t k = i;
	while (k < l.len && (l.p[k] == ' ' || l.p[k] == '\t'))
		k++;
	if (i == 0 || k >= l.len || l.p[k] != ':') {
		char where[32];
		snprintf(where, sizeof(where), "message line %u", r->lineno);
		ea_diag_set(diag, EMAUTH_ESYNTAX, where, l, i,
		    "header line without a field name and colon");
		return EMAUTH_ESYNTAX;
	}
	rc = flush_field(r);
	if (rc)
		return rc;
	if (in_chunk) {
		r->pend = l;
		rc = l.len > r->max_field ? EMAUTH_ETOOBIG : 0;
	} else {
		rc = ea_buf_add(&r->field, l.p, l.len);
	}
check:
	if (rc == EMAUTH_ETOOBIG) {
		char where[32];
		snprintf(where, sizeof(where), "message line %u", r->lineno);
		ea_diag_set(
		    diag, EMAUTH_ETOOBIG, where, l, 0, "header field too long");
	}
	return rc;
}

/*
 * From p[j] (j >= 1), the position where the blocks ended, or of a block
 * with a LF whose byte before is not CR. Sixteen bytes at a time with SSE2,
 * thirty-two with AVX2.
 */
#if defined(EA_SIMD_SSE2)
#define BARE_LF_BLOCKS(W, T, LOADU, SET1, CMPEQ, OR, ANDNOT, MOVEMASK, ZERO)   \
	const T lf = SET1('\n'), cr = SET1('\r');                              \
	for (; j + 4 * W <= n; j += 4 * W) {                                   \
		T m = ZERO();                                                  \
		for (size_t q = j; q < j + 4 * W; q += W) {                    \
			T v = LOADU((const T *)(const void *)(p + q));         \
			T pv = LOADU((const T *)(const void *)(p + q - 1));    \
			m = OR(m, ANDNOT(CMPEQ(pv, cr), CMPEQ(v, lf)));        \
		}                                                              \
		if (MOVEMASK(m))                                               \
			break;                                                 \
	}                                                                      \
	return j

static size_t
bare_lf_blocks_sse2(const uint8_t *p, size_t j, size_t n)
{
	BARE_LF_BLOCKS(16, __m128i, _mm_loadu_si128, _mm_set1_epi8,
	    _mm_cmpeq_epi8, _mm_or_si128, _mm_andnot_si128, _mm_movemask_epi8,
	    _mm_setzero_si128);
}

#if defined(EA_SIMD_AVX2)
EA_TARGET_AVX2 static size_t
bare_lf_blocks_avx2(const uint8_t *p, size_t j, size_t n)
{
	BARE_LF_BLOCKS(32, __m256i, _mm256_loadu_si256, _mm256_set1_epi8,
	    _mm256_cmpeq_epi8, _mm256_or_si256, _mm256_andnot_si256,
	    _mm256_movemask_epi8, _mm256_setzero_si256);
}
#endif
#endif

/* The widest of the above that the processor runs. */
static size_t
bare_lf_blocks(const uint8_t *p, size_t j, size_t n)
{
#if defined(EA_SIMD_AVX2)
	if (ea_simd_avx2())
		return bare_lf_blocks_avx2(p, j, n);
#endif
#if defined(EA_SIMD_SSE2)
	return bare_lf_blocks_sse2(p, j, n);
#else
	(void)p;
	(void)n;
	return j;
#endif
}

/* Whether a LF in p[0..n) lacks its CR (the byte before it, or the last
 * byte of the previous chunk). A CRLF body is scanned in blocks. */
static bool
has_bare_lf(const struct emauth_msg_reader *r, const uint8_t *p, size_t n)
{
	size_t j = 1;

	if (n == 0)
		return false;
	if (p[0] == '\n' && !r->body_cr)
		return true;
	j = bare_lf_blocks(p, j, n);
	for (; j < n; j++)
		if (p[j] == '\n' && p[j - 1] != '\r')
			return true;
	return false;
}

/* Appends to the body chunk in r->out, handing it on when full. */
static int
out_add(struct emauth_msg_reader *r, size_t *o, const uint8_t *p, size_t n)
{
	while (n > 0) {
		if (*o == OUT_SIZE) {
			int rc = r->h.body(r->arg, ea_span(r->out, *o));
			if (rc)
				return rc;
			*o = 0;
		}
		size_t k = OUT_SIZE - *o;
		if (k > n)
			k = n;
		memcpy(r->out + *o, p, k);
		*o += k;
		p += k;
		n -= k;
	}
	return 0;
}

static int
body_bytes(struct emauth_msg_reader *r, const uint8_t *p, size_t n)
{
	if (r->h.body == NULL || n == 0)
		return 0;
	if (!has_bare_lf(r, p, n)) {
		/* The usual case (CRLF already): handed on as it came. */
		r->body_cr = p[n - 1] == '\r';
		return r->h.body(r->arg, ea_span(p, n));
	}
	/* Every LF without CR becomes CRLF. */
	if (r->out == NULL && (r->out = ea_malloc(OUT_SIZE)) == NULL)
		return EMAUTH_ENOMEM;
	size_t o = 0, start = 0, pos = 0;
	const uint8_t *lf;
	int rc;
	while (pos < n && (lf = memchr(p + pos, '\n', n - pos)) != NULL) {
		size_t j = (size_t)(lf - p);
		if (j > 0 ? p[j - 1] != '\r' : !r->body_cr) {
			rc = out_add(r, &o, p + start, j - start);
			if (rc == 0)
				rc = out_add(r, &o, (const uint8_t *)"\r", 1);
			if (rc)
				return rc;
			start = j; /* the LF goes with the next run */
		}
		pos = j + 1;
	}
	rc = out_add(r, &o, p + start, n - start);
	if (rc)
		return rc;
	r->body_cr = p[n - 1] == '\r';
	return o ? r->h.body(r->arg, ea_span(r->out, o)) : 0;
}

int
emauth_msg_reader_feed(
    struct emauth_msg_reader *r, struct emauth_span d, struct emauth_diag *diag)
{
	size_t i = 0;
	int rc;

	while (i < d.len) {
		if (r->st == IN_BODY)
			return body_bytes(r, d.p + i, d.len - i);
		/* The rest of this header line, up to its LF (CRLF or a bare
		 * LF both end the line). */
		const uint8_t *lf = memchr(d.p + i, '\n', d.len - i);
		size_t end = lf ? (size_t)(lf - d.p) : d.len;
		if (lf && r->line.len == 0 && !r->cr) {
			/* A whole line in the chunk: read where it lies. */
			bool crlf = end > i && d.p[end - 1] == '\r';
			struct emauth_span l = ea_span(d.p + i, end - i - crlf);
			/* The line buffer's cap, as if it had gone through. */
			if (l.len > r->max_field) {
				rc = EMAUTH_ETOOBIG;
				keep_pending(r);
				goto toobig;
			}
			i = end + 1;
			rc = header_line(r, l, crlf, diag);
			if (rc) {
				/* Nothing may point into the chunk after
				 * this call, an error or not. */
				keep_pending(r);
				return rc;
			}
			continue;
		}
		/* Anything else goes through the line buffer, and the field
		 * through its own. */
		rc = keep_pending(r);
		if (rc)
			goto toobig;
		if (end > i) {
			if (r->cr) {
				/* A CR not followed by LF stays in the line. */
				r->cr = false;
				rc = ea_buf_addc(&r->line, '\r');
				if (rc)
					goto toobig;
			}
			/* A CR at the end may be the first half of CRLF. */
			bool cr = d.p[end - 1] == '\r';
			rc = ea_buf_add(
			    &r->line, d.p + i, end - i - (cr ? 1 : 0));
			if (rc)
				goto toobig;
			r->cr = cr;
		}
		if (lf == NULL)
			break;
		i = end + 1;
		r->cr = false;
		rc = header_line(
		    r, ea_span(r->line.p, r->line.len), false, diag);
		ea_buf_reset(&r->line);
		if (rc)
			return rc;
	}
	/* The chunk is the caller's again: a field still in it is copied. */
	rc = keep_pending(r);
	if (rc == 0)
		return 0;
toobig:
	ea_diag_set(
	    diag, rc, "message", ea_span(NULL, 0), 0, "header line too long");
	return rc;
}

int
emauth_msg_reader_finish(struct emauth_msg_reader *r, struct emauth_diag *diag)
{
	int rc;

	if (r->st == IN_BODY)
		return 0;
	/* The input ended inside the header block. */
	if (r->cr)
		ea_buf_addc(&r->line, '\r');
	if (r->line.len) {
		rc = header_line(
		    r, ea_span(r->line.p, r->line.len), false, diag);
		ea_buf_reset(&r->line);
		if (rc)
			return rc;
	}
	if (r->st == IN_BODY)
		return 0;
	rc = flush_field(r);
	if (rc)
		return rc;
	r->st = IN_BODY;
	return r->h.eoh ? r->h.eoh(r->arg) : 0;
}
