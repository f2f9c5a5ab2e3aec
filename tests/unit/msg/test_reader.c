/*
 * test_reader.c: the streaming message reader. Each case gives the input
 * and the fields and body that must come out, and is fed whole, split at
 * every position into two pieces, and one byte at a time: LF-only files
 * (LF to CRLF, also when a CR and its LF arrive in different pieces), CR
 * without LF inside header lines and body lines, folded fields, an mbox
 * "From " line, a message without a body, and the errors (a continuation
 * line first, a line without a colon, a field over the cap).
 */
#include "common/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/simd.h"
#include "common/span.h"
#include "harness/t.h"

#include <emauth/msg.h>

struct out {
	struct ea_buf fields; /* each field followed by "|" */
	struct ea_buf body;
	int eoh;
	int body_after_eoh; /* 0 when body bytes came before eoh */
};

static int
on_header(void *arg, struct emauth_span f)
{
	struct out *o = arg;
	ea_buf_add(&o->fields, f.p, f.len);
	return ea_buf_addc(&o->fields, '|');
}

static int
on_eoh(void *arg)
{
	((struct out *)arg)->eoh++;
	return 0;
}

static int
on_body(void *arg, struct emauth_span c)
{
	struct out *o = arg;
	if (o->eoh == 0)
		o->body_after_eoh = 0;
	return ea_buf_add(&o->body, c.p, c.len);
}

/* Feeds @in split at @cut (0: whole), or one byte at a time when @cut is
 * SIZE_MAX. Returns the reader's status. */
static int
run(const char *in, size_t len, size_t cut, size_t max_field, struct out *o)
{
	static const struct emauth_msg_handler h = {on_header, on_eoh, on_body};
	struct emauth_msg_reader *r;
	const uint8_t *p = (const uint8_t *)in;
	int rc;

	ea_buf_init(&o->fields, 1 << 20);
	ea_buf_init(&o->body, 1 << 20);
	o->eoh = 0;
	o->body_after_eoh = 1;
	if (emauth_msg_reader_new(&h, o, max_field, &r) != 0)
		return EMAUTH_ENOMEM;
	if (cut == SIZE_MAX) {
		rc = 0;
		for (size_t i = 0; i < len && rc == 0; i++)
			rc = emauth_msg_reader_feed(r, ea_span(p + i, 1), NULL);
	} else if (cut == 0 || cut >= len) {
		rc = emauth_msg_reader_feed(r, ea_span(p, len), NULL);
	} else {
		rc = emauth_msg_reader_feed(r, ea_span(p, cut), NULL);
		if (rc == 0)
			rc = emauth_msg_reader_feed(
			    r, ea_span(p + cut, len - cut), NULL);
	}
	if (rc == 0)
		rc = emauth_msg_reader_finish(r, NULL);
	emauth_msg_reader_free(r);
	return rc;
}

/* Checks one case in every way of feeding it. */
static void
check(const char *in, const char *fields, const char *body)
{
	size_t len = strlen(in);
	for (size_t cut = 0; cut <= len + 1; cut++) {
		size_t c = cut == len + 1 ? SIZE_MAX : cut;
		struct out o;
		int rc = run(in, len, c, 0, &o);
		if (rc != 0 || o.eoh != 1 || !o.body_after_eoh ||
		    o.fields.len != strlen(fields) ||
		    memcmp(o.fields.p, fields, o.fields.len) != 0 ||
		    o.body.len != strlen(body) ||
		    (o.body.len && memcmp(o.body.p, body, o.body.len) != 0)) {
			T_FAILF("input \"%s\" cut at %zu: rc %d, eoh %d, "
			        "fields \"%s\", body \"%s\"",
			    in, cut, rc, o.eoh, ea_buf_str(&o.fields),
			    ea_buf_str(&o.body));
			cut = len + 2; /* one report per case */
		}
		ea_buf_release(&o.fields);
		ea_buf_release(&o.body);
	}
}

/* Checks that every way of feeding @in fails with @want. */
static void
check_error(const char *in, size_t max_field, int want)
{
	size_t len = strlen(in);
	for (size_t cut = 0; cut <= len + 1; cut++) {
		size_t c = cut == len + 1 ? SIZE_MAX : cut;
		struct out o;
		int rc = run(in, len, c, max_field, &o);
		if (rc != want) {
			T_FAILF("input \"%s\" cut at %zu: status %d, want %d",
			    in, cut, rc, want);
			cut = len + 2;
		}
		ea_buf_release(&o.fields);
		ea_buf_release(&o.body);
	}
}

static void
test_crlf_message(void)
{
	check("From: a@example.com\r\nSubject: hi\r\n\r\nline 1\r\nline 2\r\n",
	    "From: a@example.com|Subject: hi|", "line 1\r\nline 2\r\n");
}

static void
test_lf_only_file(void)
{
	check("From: a@example.com\nSubject: hi\n\nline 1\nline 2\n",
	    "From: a@example.com|Subject: hi|", "line 1\r\nline 2\r\n");
	/* Mixed endings: only the bare LFs change. */
	check("A: 1\n\r\nx\r\ny\nz\r\n\n", "A: 1|", "x\r\ny\r\nz\r\n\r\n");
	/* Empty lines only. */
	check("A: 1\n\n\n\n", "A: 1|", "\r\n\r\n");
}

static void
test_cr_without_lf(void)
{
	/* In a header line the CR stays; CR CR LF keeps one CR. */
	check(
	    "A: x\ry\r\nB: z\r\r\n\r\nb\rc\r\n", "A: x\ry|B: z\r|", "b\rc\r\n");
	/* In the body a lone CR stays, and a final one too. */
	check("A: 1\r\n\r\n\r\r\n\r", "A: 1|", "\r\r\n\r");
}

static void
test_folded_fields(void)
{
	check("Subject: a\r\n b\r\n\tc\r\nTo: d\r\n\r\n",
	    "Subject: a\r\n b\r\n\tc|To: d|", "");
	check("Subject: a\n b\n\nx", "Subject: a\r\n b|", "x");
}

static void
test_mbox_and_no_body(void)
{
	check("From sender@example.com Mon Nov 30 09:12:40 2026\nA: 1\n\nx\n",
	    "A: 1|", "x\r\n");
	/* A From field with whitespace before its colon is a field, not an
	 * mbox line: it once vanished, and a second From field then made
	 * DMARC pass (found by fuzz_verdict). */
	check("From : ceo@bank.example\nFrom: a@example.com\n\nx\n",
	    "From : ceo@bank.example|From: a@example.com|", "x\r\n");
	check("From \t: ceo@bank.example\n\nx\n", "From \t: ceo@bank.example|",
	    "x\r\n");
	/* No empty line: the fields, then eoh, and no body. */
	check("A: 1\r\nB: 2\r\n", "A: 1|B: 2|", "");
	check("A: 1\r\nB: 2", "A: 1|B: 2|", "");
	/* 8-bit field names are passed on, as MTAs do. */
	check("X-\xc3\xa9: 1\r\n\r\n", "X-\xc3\xa9: 1|", "");
}

static void
test_errors(void)
{
	check_error(" folded first\r\nA: 1\r\n\r\n", 0, EMAUTH_ESYNTAX);
	check_error("A: 1\r\nno colon here\r\n\r\n", 0, EMAUTH_ESYNTAX);
	check_error("A: 1\r\n: empty name\r\n\r\n", 0, EMAUTH_ESYNTAX);
	/* A field over the cap, in one line and by folding. */
	check_error("Subject: 0123456789abcdef\r\n\r\n", 16, EMAUTH_ETOOBIG);
	check_error(
	    "Subject: 0123\r\n 456789\r\n abcdef\r\n\r\n", 16, EMAUTH_ETOOBIG);
	/* A line over the cap is an error however the input is split, and
	 * before anything else is said about it: an mbox line, a line
	 * without a colon, a continuation first. */
	check_error("From someone@example.com Mon Nov 30 09:12:44 2026\r\n"
	            "A: b\r\n\r\nbody",
	    16, EMAUTH_ETOOBIG);
	check_error(
	    "no colon in this long line\r\nA: b\r\n\r\n", 16, EMAUTH_ETOOBIG);
	check_error(
	    " folded first and long\r\nA: b\r\n\r\n", 16, EMAUTH_ETOOBIG);
}

/* After an error the fields read before it are still there: a caller
 * that goes on to finish gets them, however the input was split. */
static void
test_fields_kept_after_error(void)
{
	static const char in[] = "A: b\r\nbad\r\n";
	static const struct emauth_msg_handler h = {on_header, on_eoh, on_body};
	size_t steps[] = {sizeof(in) - 1, 1, 3, 7};
	for (size_t k = 0; k < EA_ARRAY_LEN(steps); k++) {
		struct out o;
		struct emauth_msg_reader *r;
		ea_buf_init(&o.fields, 1 << 20);
		ea_buf_init(&o.body, 1 << 20);
		o.eoh = 0;
		o.body_after_eoh = 1;
		T_EQ_INT(emauth_msg_reader_new(&h, &o, 0, &r), 0);
		int rc = 0;
		for (size_t i = 0; i < sizeof(in) - 1 && rc == 0; i += steps[k])
			rc = emauth_msg_reader_feed(r,
			    ea_span(in + i, sizeof(in) - 1 - i < steps[k]
			                        ? sizeof(in) - 1 - i
			                        : steps[k]),
			    NULL);
		T_EQ_INT(rc, EMAUTH_ESYNTAX);
		T_EQ_INT(emauth_msg_reader_finish(r, NULL), 0);
		T_EQ_STR(ea_buf_str(&o.fields), "A: b|");
		emauth_msg_reader_free(r);
		ea_buf_release(&o.fields);
		ea_buf_release(&o.body);
	}
}

static void
test_large_body_passes_through(void)
{
	/* A body larger than the reader's chunk, with bare LFs throughout,
	 * comes out whole with every LF turned into CRLF. */
	size_t lines = 5000;
	char *in = malloc(16 + lines * 10);
	char *want = malloc(lines * 11 + 1);
	T_TRUE(in && want);
	if (!in || !want)
		goto out;
	size_t n = (size_t)sprintf(in, "A: 1\n\n"), w = 0;
	for (size_t i = 0; i < lines; i++) {
		n += (size_t)sprintf(in + n, "%08zu\n", i);
		w += (size_t)sprintf(want + w, "%08zu\r\n", i);
	}
	struct out o;
	T_EQ_INT(run(in, n, 0, 0, &o), 0);
	T_EQ_MEM(o.body.p, o.body.len, want, w);
	ea_buf_release(&o.fields);
	ea_buf_release(&o.body);
out:
	free(in);
	free(want);
}

/* One bare LF at each position of a CRLF body long enough for the block
 * scans (16, 32 bytes a step, four steps at a time), or none: only that LF
 * gains a CR. Again with the scans held to SSE2. */
static void
test_bare_lf_anywhere(void)
{
	enum { LEN = 400 };
	static char in[LEN + 16], want[LEN + 20];
	unsigned failures = 0;
	for (int sse2 = 0; sse2 < 2; sse2++) {
		ea_simd_no_avx2 = sse2 == 1;
		for (size_t at = 0; at <= LEN && failures < 5; at++) {
			size_t n = (size_t)sprintf(in, "A: 1\r\n\r\n"), h = n,
			       w = 0;
			for (size_t i = 0; i < LEN; i++)
				in[n++] = i % 40 == 39   ? '\n'
				          : i % 40 == 38 ? '\r'
				                         : (char)('a' + i % 26);
			/* at == LEN: none. Else a LF (no CR before it),
			 * where a letter or a CR was. */
			if (at < LEN && in[h + at] != '\n')
				in[h + at] = '\n';
			else if (at < LEN)
				continue; /* a CRLF's LF already */
			for (size_t i = h; i < n; i++) {
				if (in[i] == '\n' && in[i - 1] != '\r')
					want[w++] = '\r';
				want[w++] = in[i];
			}
			struct out o;
			T_EQ_INT(run(in, n, 0, 0, &o), 0);
			if (o.body.len != w || memcmp(o.body.p, want, w) != 0) {
				failures++;
				T_FAILF("%s: bare LF at %zu",
				    sse2 ? "SSE2" : "widest", at);
			}
			ea_buf_release(&o.fields);
			ea_buf_release(&o.body);
		}
	}
	ea_simd_no_avx2 = false;
}

/* Ours, max_field (default 64 KiB): a field of 65,536 bytes (its inner
 * CRLFs counted, its last CRLF not) is read whole; of 65,537 it is
 * ETOOBIG, in one line or folded, whole or split anywhere near the edge,
 * and never handed on in part. */
static void
test_field_cap_edges(void)
{
	const size_t cap = 64 * 1024;
	static char in[64 * 1024 + 64];
	for (int folded = 0; folded < 2; folded++) {
		for (size_t len = cap; len <= cap + 1; len++) {
			size_t o =
			    (size_t)snprintf(in, sizeof(in), "Subject: ");
			memset(in + o, 's', len - o);
			if (folded)
				memcpy(in + len / 2, "\r\n ", 3);
			o = len;
			o += (size_t)snprintf(
			    in + o, sizeof(in) - o, "\r\nA: b\r\n\r\nbody");
			size_t cuts[] = {
			    0, 1, len / 2, len - 1, len, len + 1, len + 2};
			for (size_t k = 0; k < EA_ARRAY_LEN(cuts); k++) {
				struct out out;
				int rc = run(in, o, cuts[k], 0, &out);
				if (len == cap) {
					T_EQ_INT(rc, 0);
					T_EQ_INT(out.fields.len, len + 1 + 5);
				} else {
					T_EQ_INT(rc, EMAUTH_ETOOBIG);
					T_EQ_INT(out.fields.len, 0);
				}
				ea_buf_release(&out.fields);
				ea_buf_release(&out.body);
			}
		}
	}
}

int
main(void)
{
	T_RUN(test_crlf_message);
	T_RUN(test_lf_only_file);
	T_RUN(test_cr_without_lf);
	T_RUN(test_folded_fields);
	T_RUN(test_mbox_and_no_body);
	T_RUN(test_errors);
	T_RUN(test_fields_kept_after_error);
	T_RUN(test_large_body_passes_through);
	T_RUN(test_bare_lf_anywhere);
	T_RUN(test_field_cap_edges);
	return t_summary();
}
