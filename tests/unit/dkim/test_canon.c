/*
 * test_canon.c: DKIM tag lists and canonicalization: RFC 6376's examples and
 * empty-body hashes, and the corpus of cases that well-known
 * implementations got wrong (whitespace-only lines, a body of blank lines,
 * an empty body, CR without LF and LF without CR inside lines), each fed
 * whole, split at every position, and one byte at a time.
 */
#include "common/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/crypto.h"
#include "common/simd.h"
#include "common/span.h"
#include "dkim/canon.h"
#include "dkim/hash.h"
#include "dkim/sig.h"
#include "dkim/tag.h"
#include "harness/canon_ref.h"
#include "harness/t.h"

struct collect {
	struct ea_buf b;
};

static void
sink(void *arg, const uint8_t *p, size_t n)
{
	ea_buf_add(&((struct collect *)arg)->b, p, n);
}

/* Canonicalizes @body fed in pieces of @step bytes (0: whole). */
static void
canon_body(enum ea_canon c, const char *body, size_t len, size_t step,
    struct ea_buf *out)
{
	struct collect col;
	struct ea_body_canon bc;
	ea_buf_init(&col.b, 1 << 20);
	ea_body_canon_init(&bc, c, sink, &col);
	if (step == 0)
		step = len ? len : 1;
	for (size_t i = 0; i < len; i += step)
		ea_body_canon_feed(&bc, (const uint8_t *)body + i,
		    len - i < step ? len - i : step);
	ea_body_canon_finish(&bc);
	T_EQ_INT(bc.total, col.b.len);
	*out = col.b;
}

static void
body_is(enum ea_canon c, const char *in, const char *want)
{
	size_t len = strlen(in);
	struct ea_buf whole;
	canon_body(c, in, len, 0, &whole);
	T_EQ_MEM(whole.p ? whole.p : "", whole.len, want, strlen(want));
	/* Every chunking gives the same bytes. */
	for (size_t step = 1; step <= len; step++) {
		struct ea_buf part;
		canon_body(c, in, len, step, &part);
		T_EQ_MEM(part.p ? part.p : "", part.len, want, strlen(want));
		ea_buf_release(&part);
	}
	/* And every split into two pieces at any position. */
	for (size_t cut = 0; cut <= len; cut++) {
		struct collect col;
		struct ea_body_canon bc;
		ea_buf_init(&col.b, 1 << 20);
		ea_body_canon_init(&bc, c, sink, &col);
		ea_body_canon_feed(&bc, (const uint8_t *)in, cut);
		ea_body_canon_feed(&bc, (const uint8_t *)in + cut, len - cut);
		ea_body_canon_finish(&bc);
		T_EQ_MEM(col.b.p ? col.b.p : "", col.b.len, want, strlen(want));
		ea_buf_release(&col.b);
	}
	ea_buf_release(&whole);
}

static void
header_is(enum ea_canon c, const char *in, const char *want)
{
	struct ea_buf b;
	ea_buf_init(&b, 4096);
	T_EQ_INT(ea_canon_header(c, ea_span_str(in), true, &b), 0);
	T_EQ_STR(ea_buf_str(&b), want);
	ea_buf_release(&b);
}

static void
test_rfc6376_3_4_5_example(void)
{
	/* RFC 6376 §3.4.5. */
	header_is(EA_CANON_RELAXED, "A: X", "a:X\r\n");
	header_is(EA_CANON_RELAXED, "B : Y\t\r\n\tZ  ", "b:Y Z\r\n");
	header_is(EA_CANON_SIMPLE, "B : Y\t\r\n\tZ  ", "B : Y\t\r\n\tZ  \r\n");
	body_is(EA_CANON_RELAXED, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n");
	body_is(
	    EA_CANON_SIMPLE, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n");
}

static void
test_empty_body_hashes(void)
{
	/* RFC 6376 §3.4.3 and §3.4.4 with errata 1384: the SHA-256 of an
	 * empty body is frXgRB... (simple: CRLF) and 47DEQp... (relaxed:
	 * nothing). */
	static const struct {
		enum ea_canon c;
		const char *body, *hash;
	} cases[] = {
	    {EA_CANON_SIMPLE, "",
	        "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY="},
	    {EA_CANON_RELAXED, "",
	        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
	    {EA_CANON_SIMPLE, "\r\n\r\n",
	        "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY="},
	    {EA_CANON_RELAXED, " \r\n\t\r\n",
	        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},
	};
	for (size_t i = 0; i < EA_ARRAY_LEN(cases); i++) {
		struct ea_buf b;
		uint8_t h[32];
		char b64[64];
		canon_body(
		    cases[i].c, cases[i].body, strlen(cases[i].body), 0, &b);
		ea_sha256(b.p ? b.p : "", b.len, h);
		ea_base64_encode(h, 32, b64, sizeof(b64));
		T_EQ_STR(b64, cases[i].hash);
		ea_buf_release(&b);
	}
}

static void
test_hard_bodies(void)
{
	/* Whitespace-only lines inside the body. */
	body_is(EA_CANON_RELAXED, "a\r\n \t \r\nb\r\n", "a\r\n\r\nb\r\n");
	body_is(EA_CANON_SIMPLE, "a\r\n \t \r\nb\r\n", "a\r\n \t \r\nb\r\n");
	/* A body that is only blank lines. */
	body_is(EA_CANON_SIMPLE, "\r\n\r\n\r\n", "\r\n");
	body_is(EA_CANON_RELAXED, "\r\n  \r\n\r\n", "");
	/* No final CRLF. */
	body_is(EA_CANON_SIMPLE, "abc", "abc\r\n");
	body_is(EA_CANON_RELAXED, "abc  ", "abc\r\n");
	/* CR without LF, LF without CR, inside lines. */
	body_is(EA_CANON_SIMPLE, "a\rb\r\nc\nd\r\n", "a\rb\r\nc\nd\r\n");
	body_is(EA_CANON_RELAXED, "a \rb\r\nc \n d\r\n", "a \rb\r\nc \n d\r\n");
	/* A lone CR at the very end. */
	body_is(EA_CANON_SIMPLE, "a\r", "a\r\r\n");
	body_is(EA_CANON_RELAXED, "a \r", "a \r\r\n");
	/* Trailing whitespace before CRLF, runs inside lines. */
	body_is(EA_CANON_RELAXED, "a  b\t\tc \t\r\n", "a b c\r\n");
	/* Blank lines in the middle are kept, at the end dropped. */
	body_is(
	    EA_CANON_SIMPLE, "a\r\n\r\n\r\nb\r\n\r\n", "a\r\n\r\n\r\nb\r\n");
	body_is(EA_CANON_RELAXED, "\r\n\r\na\r\n", "\r\n\r\na\r\n");
	/* Many trailing blank lines: held as a count, not bytes. */
	{
		size_t n = 20000;
		char *big = malloc(n * 2 + 4);
		memcpy(big, "x\r\n", 3);
		for (size_t i = 0; i < n; i++)
			memcpy(big + 3 + 2 * i, "\r\n", 2);
		big[3 + 2 * n] = '\0';
		struct ea_buf b;
		canon_body(EA_CANON_SIMPLE, big, 3 + 2 * n, 0, &b);
		T_EQ_MEM(b.p, b.len, "x\r\n", 3);
		ea_buf_release(&b);
		free(big);
	}
}

static void
test_tag_list(void)
{
	struct ea_tag_list l;
	struct emauth_diag d;
	const char *sig = "v=1; a=rsa-sha256; d=example.net; s=brisbane;\r\n"
	                  "  c=simple; q=dns/txt; i=@eng.example.net;\r\n"
	                  "  h=from:to:subject; bh=MTIz\r\n  NDU2; b= ";
	T_EQ_INT(ea_tag_list_parse(ea_span_str(sig), "sig", &l, &d), 0);
	T_EQ_INT(l.n, 10);
	const struct ea_tag *t = ea_tag_get(&l, "bh");
	T_TRUE(t != NULL);
	uint8_t v[64];
	/* Base64 with FWS inside, as DKIM allows (RFC 6376 §2.10). */
	T_EQ_INT(ea_base64_decode(t->value, v, sizeof(v)), 6);
	T_EQ_MEM(v, 6, "123456", 6);
	t = ea_tag_get(&l, "b");
	T_EQ_INT(t->value.len, 0);
	T_TRUE(ea_tag_get(&l, "B") == NULL); /* case-sensitive */
	/* Trailing ";" and empty list. */
	T_EQ_INT(ea_tag_list_parse(ea_span_str("k=rsa;"), "k", &l, &d), 0);
	T_EQ_INT(l.n, 1);
	T_EQ_INT(ea_tag_list_parse(ea_span_str(""), "k", &l, &d), 0);
	T_EQ_INT(l.n, 0);
	/* Errors, with offsets. */
	T_EQ_INT(ea_tag_list_parse(ea_span_str("a=1; a=2"), "x", &l, &d),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(d.offset, 5);
	T_EQ_STR(d.msg, "duplicate tag");
	/* Names are case-sensitive; longer names are compared whole. */
	T_EQ_INT(ea_tag_list_parse(ea_span_str("A=1; a=2; Z=3; z=4; ab=5; "
	                                       "ba=6; b=7"),
	             "x", &l, &d),
	    0);
	T_EQ_INT(l.n, 7);
	T_EQ_INT(ea_tag_list_parse(ea_span_str("ab=1; b=2; ab=3"), "x", &l, &d),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(ea_tag_list_parse(ea_span_str("Z=1; b=2; Z=3"), "x", &l, &d),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(ea_tag_list_parse(ea_span_str("1a=1"), "x", &l, &d),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(
	    ea_tag_list_parse(ea_span_str("a 1"), "x", &l, &d), EMAUTH_ESYNTAX);
	T_EQ_INT(ea_tag_list_parse(ea_span_str("a=\xc3\xa9"), "x", &l, &d),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(d.offset, 2);
	/* A bare CRLF (not folding) is not FWS. */
	T_EQ_INT(ea_tag_list_parse(ea_span_str("a=1\r\nb=2"), "x", &l, &d),
	    EMAUTH_ESYNTAX);
	/* Values with inner whitespace are one value. */
	T_EQ_INT(ea_tag_list_parse(ea_span_str("n=a b  c ;"), "x", &l, &d), 0);
	T_EQ_MEM(l.tags[0].value.p, l.tags[0].value.len, "a b  c", 6);
	/* The tag cap. */
	char many[1000] = "";
	for (int i = 0; i < 65; i++) {
		char t1[16];
		snprintf(t1, sizeof(t1), "t%d=1;", i);
		strcat(many, t1);
	}
	T_EQ_INT(
	    ea_tag_list_parse(ea_span_str(many), "x", &l, &d), EMAUTH_ELIMIT);
}

/* A fixed-seed generator (xorshift64): the same bodies on every run. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
test_base64(void)
{
	/* Input, output size, result (length or error). */
	static const struct {
		const char *in;
		size_t size;
		int want;
	} cases[] = {
	    {"aGVsbG8=", 16, 5},
	    {"aGVsbG8h", 16, 6},
	    {"", 16, 0},
	    {"aGU=", 16, 2},
	    {"aA==", 16, 1},
	    /* FWS anywhere between characters, "=" included (RFC 6376
	     * §2.10). */
	    {" aGVs\r\n\tbG8 = ", 16, 5},
	    {"aGVsbG8", 16, EMAUTH_ESYNTAX},
	    {"aG=sbG8=", 16, EMAUTH_ESYNTAX},
	    {"aGVs*G8=", 16, EMAUTH_ESYNTAX},
	    {"a===", 16, EMAUTH_ESYNTAX},
	    {"aA=", 16, EMAUTH_ESYNTAX},
	    {"====", 16, EMAUTH_ESYNTAX},
	    {"aA==aA==", 16, EMAUTH_ESYNTAX},
	    {"aGVs\vbG8=", 16, EMAUTH_ESYNTAX},
	    {"aGVsbG8h", 5, EMAUTH_ETOOBIG},
	    {"aGVsbG8=", 4, EMAUTH_ETOOBIG},
	    {"aGVsbG8=", 5, 5},
	};
	for (size_t k = 0; k < EA_ARRAY_LEN(cases); k++) {
		uint8_t out[16];
		int got = ea_base64_decode(
		    ea_span_str(cases[k].in), out, cases[k].size);
		if (got != cases[k].want)
			T_FAILF("case %zu: %d, want %d", k, got, cases[k].want);
		else if (got >= 5 && memcmp(out, "hello", 5) != 0)
			T_FAILF("case %zu: wrong bytes", k);
	}
}

/* The h= list of a DKIM-Signature: names with FWS around them, each
 * checked, From required, at most 128. */
static void
test_sig_h(void)
{
	static const struct {
		const char *h;
		enum emauth_dkim_reason why;
		size_t n;        /* names, when it parses */
		const char *msg; /* the diagnostic, when it does not */
	} cases[] = {
	    {"from:to", EMAUTH_DKIM_OK, 2, NULL},
	    {" from \r\n\t: To\t:subject ", EMAUTH_DKIM_OK, 3, NULL},
	    {"To:FROM", EMAUTH_DKIM_OK, 2, NULL},
	    {"x-a.b_c:from", EMAUTH_DKIM_OK, 2, NULL},
	    {"to:subject", EMAUTH_DKIM_NO_FROM, 0, "h= does not include From"},
	    {"from::to", EMAUTH_DKIM_SYNTAX, 0, "empty header name in h="},
	    {"from:", EMAUTH_DKIM_SYNTAX, 0, "empty header name in h="},
	    {"", EMAUTH_DKIM_SYNTAX, 0, "empty header name in h="},
	    {"fr om:to", EMAUTH_DKIM_SYNTAX, 0, "invalid header name in h="},
	    {"from:t\r\n o", EMAUTH_DKIM_SYNTAX, 0,
	        "invalid header name in h="},
	};
	for (size_t k = 0; k < EA_ARRAY_LEN(cases); k++) {
		char f[512];
		snprintf(f, sizeof(f),
		    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s; "
		    "h=%s; bh=MTIz; b=MTIz",
		    cases[k].h);
		struct ea_dkim_sig *sig = malloc(sizeof(*sig));
		enum emauth_dkim_reason why;
		struct emauth_diag d = {0};
		int rc = ea_dkim_sig_parse(ea_span_str(f), sig, &why, &d);
		if (why != cases[k].why)
			T_FAILF("h=%s: reason %d, want %d (%s)", cases[k].h,
			    why, cases[k].why, d.msg);
		else if (rc == 0 && sig->nh != cases[k].n)
			T_FAILF("h=%s: %zu names", cases[k].h, sig->nh);
		else if (rc != 0 && strcmp(d.msg, cases[k].msg) != 0)
			T_FAILF("h=%s: \"%s\"", cases[k].h, d.msg);
		free(sig);
	}
	/* 128 names, then one more. */
	char f[2048] = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s; "
	               "bh=MTIz; b=MTIz; h=from";
	for (int i = 1; i < 128; i++)
		strcat(f, ":to");
	struct ea_dkim_sig *sig = malloc(sizeof(*sig));
	enum emauth_dkim_reason why;
	T_EQ_INT(ea_dkim_sig_parse(ea_span_str(f), sig, &why, NULL), 0);
	T_EQ_INT(sig->nh, 128);
	strcat(f, ":cc");
	T_EQ_INT(
	    ea_dkim_sig_parse(ea_span_str(f), sig, &why, NULL), EMAUTH_ESYNTAX);
	free(sig);
}

/* Whether @s (whitespace removed, @n bytes) is base64 as RFC 4648 writes
 * it: whole quanta, at most two "=" and only at the end. */
static bool
base64_ok(const char *s, size_t n)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                            "abcdefghijklmnopqrstuvwxyz0123456789+/";
	if (n % 4)
		return false;
	size_t pad = 0;
	while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < n - pad; i++)
		if (s[i] == '\0' || strchr(alpha, s[i]) == NULL)
			return false;
	return true;
}

/* Each required tag left out in turn, or written in upper case (tag names
 * are case-sensitive): MISSING_TAG naming it. And every one-letter name,
 * lower and upper case, found by ea_tag_get where it is and nowhere else. */
static void
test_sig_required(void)
{
	static const char *const tags[] = {"v=1", "a=rsa-sha256", "b=MTIz",
	    "bh=MTIz", "d=example.com", "h=from", "s=s"};
	for (size_t drop = 0; drop < EA_ARRAY_LEN(tags); drop++) {
		for (int upper = 0; upper < 2; upper++) {
			char f[512] = "DKIM-Signature: ";
			for (size_t k = 0; k < EA_ARRAY_LEN(tags); k++) {
				char t[64];
				snprintf(t, sizeof(t), "%s; ", tags[k]);
				if (k == drop && !upper)
					continue;
				if (k == drop)
					for (char *c = t; *c != '='; c++)
						*c = (char)(*c - 'a' + 'A');
				strcat(f, t);
			}
			struct ea_dkim_sig *sig = malloc(sizeof(*sig));
			enum emauth_dkim_reason why;
			struct emauth_diag d = {0};
			char want[16];
			snprintf(want, sizeof(want), "%.*s= tag",
			    (int)(strchr(tags[drop], '=') - tags[drop]),
			    tags[drop]);
			int rc =
			    ea_dkim_sig_parse(ea_span_str(f), sig, &why, &d);
			if (rc == 0 || why != EMAUTH_DKIM_MISSING_TAG ||
			    strcmp(d.where, want) != 0)
				T_FAILF("%s: rc %d, reason %d, where \"%s\"", f,
				    rc, why, d.where);
			free(sig);
		}
	}
	char list[52 * 5 + 1] = "", name[2] = "x";
	for (int k = 0; k < 52; k++) {
		char t[8];
		snprintf(
		    t, sizeof(t), "%c=%d;", k < 26 ? 'a' + k : 'A' + k - 26, k);
		strcat(list, t);
	}
	struct ea_tag_list *l = malloc(sizeof(*l));
	T_EQ_INT(ea_tag_list_parse(ea_span_str(list), "t", l, NULL), 0);
	for (int k = 0; k < 52; k++) {
		name[0] = (char)(k < 26 ? 'a' + k : 'A' + k - 26);
		const struct ea_tag *t = ea_tag_get(l, name);
		char v[4];
		snprintf(v, sizeof(v), "%d", k);
		T_TRUE(t != NULL && ea_span_ieq_str(t->value, v));
	}
	/* Only the odd ones. */
	list[0] = '\0';
	for (int k = 1; k < 52; k += 2) {
		char t[8];
		snprintf(
		    t, sizeof(t), "%c=%d;", k < 26 ? 'a' + k : 'A' + k - 26, k);
		strcat(list, t);
	}
	T_EQ_INT(ea_tag_list_parse(ea_span_str(list), "t", l, NULL), 0);
	for (int k = 0; k < 52; k++) {
		name[0] = (char)(k < 26 ? 'a' + k : 'A' + k - 26);
		T_TRUE((ea_tag_get(l, name) != NULL) == (k % 2 == 1));
	}
	free(l);
}

/* The decoder against OpenSSL's, on encodings of random bytes with
 * whitespace inserted and on random strings from a small alphabet (so
 * that some of them are valid). */
static void
test_base64_against_openssl(void)
{
	static const char mix[] = "QUJDZGVmMTIz+/= \t\r\n*";
	uint64_t seed = 0x5eed0b64;
	unsigned valid = 0;
	for (unsigned round = 0; round < 4000; round++) {
		uint8_t raw[300], got[300], want[400];
		char enc[500], in[1000], stripped[1000];
		size_t n = 0, m = 0;
		if (round % 2 == 0) {
			size_t len = round % 4 == 0 ? 30 + rnd(&seed) % 170
			                            : rnd(&seed) % 200;
			for (size_t i = 0; i < len; i++)
				raw[i] = (uint8_t)rnd(&seed);
			int e = EVP_EncodeBlock(
			    (unsigned char *)enc, raw, (int)len);
			for (int i = 0; i < e; i++) {
				/* No whitespace, some, or a little. */
				if (round % 6 != 0 && round % 4 != 0 &&
				    rnd(&seed) % (round % 6 == 2 ? 8 : 64) == 0)
					in[n++] = " \t\r\n"[rnd(&seed) % 4];
				in[n++] = enc[i];
			}
			/* Every byte value in turn, somewhere in a long
			 * encoding. */
			if (round % 4 == 0)
				in[rnd(&seed) % n] = (char)(round / 4 % 256);
		} else {
			size_t len = rnd(&seed) % 13;
			for (size_t i = 0; i < len; i++)
				in[n++] = mix[rnd(&seed) % (sizeof(mix) - 1)];
		}
		for (size_t i = 0; i < n; i++)
			if (in[i] == '\0' || !strchr(" \t\r\n", in[i]))
				stripped[m++] = in[i];
		int r = ea_base64_decode(
		    ea_span((const uint8_t *)in, n), got, sizeof(got));
		if (!base64_ok(stripped, m)) {
			if (r != EMAUTH_ESYNTAX)
				T_FAILF("round %u: invalid input decoded (%d)",
				    round, r);
			continue;
		}
		valid++;
		int w = EVP_DecodeBlock(
		    want, (const unsigned char *)stripped, (int)m);
		size_t pad = (m && stripped[m - 1] == '=') +
		             (m > 1 && stripped[m - 2] == '=');
		if (w < 0 || r != w - (int)pad ||
		    memcmp(got, want, (size_t)r) != 0)
			T_FAILF("round %u: decoded %d bytes, OpenSSL %d - %zu",
			    round, r, w, pad);
	}
	T_TRUE(valid > 1200);
}

/* One decoding with the vector path allowed and one held to the scalar
 * loop must agree on the result and on the bytes. */
static bool
base64_paths_agree(const char *in, size_t n, size_t size)
{
	uint8_t a[400], b[400];
	ea_simd_no_avx2 = false;
	int ra = ea_base64_decode(ea_span((const uint8_t *)in, n), a, size);
	ea_simd_no_avx2 = true;
	int rb = ea_base64_decode(ea_span((const uint8_t *)in, n), b, size);
	ea_simd_no_avx2 = false;
	if (ra != rb || (ra > 0 && memcmp(a, b, (size_t)ra) != 0)) {
		T_FAILF("%zu chars, room %zu: %d (vector), %d (scalar), "
		        "or the bytes differ",
		    n, size, ra, rb);
		return false;
	}
	return true;
}

/* The vector path (AVX2: whitespace taken out 32 characters at a time,
 * then 32 decoded at a time) against the table decoder alone:
 * - every byte value in place of each of the first 70 characters of a
 *   208-character encoding (every lane of the first two blocks and the
 *   edge of the rest), with and without padding and a fold, in output
 *   buffers that are large, exact, one byte short and small;
 * - whitespace runs (SP, HTAB, folds, a long run) put in at each of the
 *   first 100 positions, which must still decode to the bytes;
 * - encodings of 48 to 299 bytes folded at random, which must decode to
 *   their bytes. */
static void
test_base64_vector(void)
{
	static const char *const runs[] = {
	    " ", "\t", "\r\n ", "\r\n\t  ", " \t \r\n\t\t\t\t\t\t\t\t\t\t\t\t"};
	uint64_t seed = 0xb64b10c;
	uint8_t raw[300], got[400];
	char enc[404], in[1200];
	unsigned failures = 0;
	for (int variant = 0; variant < 3; variant++) {
		size_t len = variant == 1 ? 155 : 156; /* 155: "=" */
		for (size_t i = 0; i < len; i++)
			raw[i] = (uint8_t)rnd(&seed);
		int e = EVP_EncodeBlock((unsigned char *)enc, raw, (int)len);
		size_t n = 0;
		for (int i = 0; i < e; i++) {
			/* Variant 2: folded after 70 characters, as a b=
			 * value is (a quantum split by the fold). */
			if (variant == 2 && i == 70) {
				memcpy(in + n, "\r\n\t  ", 5);
				n += 5;
			}
			in[n++] = enc[i];
		}
		T_EQ_INT(ea_base64_decode(
		             ea_span((const uint8_t *)in, n), got, sizeof(got)),
		    (int)len);
		T_TRUE(memcmp(got, raw, len) == 0);
		size_t sizes[] = {sizeof(got), len, len - 1, 40};
		for (size_t pos = 0; pos < 70 && failures < 5; pos++) {
			for (int v = 0; v < 256 && failures < 5; v++) {
				char keep = in[pos];
				in[pos] = (char)v;
				for (size_t k = 0; k < EA_ARRAY_LEN(sizes); k++)
					failures += !base64_paths_agree(
					    in, n, sizes[k]);
				in[pos] = keep;
			}
		}
		for (size_t pos = 0; pos < 100 && failures < 5; pos++) {
			for (size_t r = 0; r < EA_ARRAY_LEN(runs); r++) {
				char w[460];
				size_t rl = strlen(runs[r]);
				memcpy(w, in, pos);
				memcpy(w + pos, runs[r], rl);
				memcpy(w + pos + rl, in + pos, n - pos);
				failures += !base64_paths_agree(w, n + rl, len);
				int got_n = ea_base64_decode(
				    ea_span((const uint8_t *)w, n + rl), got,
				    sizeof(got));
				if (got_n != (int)len ||
				    memcmp(got, raw, len) != 0) {
					failures++;
					T_FAILF("run %zu at %zu: %d", r, pos,
					    got_n);
				}
			}
		}
	}
	for (size_t len = 48; len < 300 && failures < 5; len++) {
		for (size_t i = 0; i < len; i++)
			raw[i] = (uint8_t)rnd(&seed);
		int e = EVP_EncodeBlock((unsigned char *)enc, raw, (int)len);
		size_t n = 0, next = 20 + rnd(&seed) % 60;
		for (int i = 0; i < e; i++) {
			if ((size_t)i == next) {
				const char *run = runs[rnd(&seed) % 5];
				memcpy(in + n, run, strlen(run));
				n += strlen(run);
				next += 1 + rnd(&seed) % 80;
			}
			in[n++] = enc[i];
		}
		int got_n = ea_base64_decode(
		    ea_span((const uint8_t *)in, n), got, sizeof(got));
		if (got_n != (int)len || memcmp(got, raw, len) != 0) {
			failures++;
			T_FAILF("%zu bytes: %d", len, got_n);
		}
		failures += !base64_paths_agree(in, n, len);
	}
	T_EQ_INT(failures, 0);
}

/* A field's name: the bytes before the first colon less the WSP before
 * it, whatever the bytes (a block scan finds most colons, memchr the
 * rest); against that rule on random fields too. */
static void
test_field_name(void)
{
	static const struct {
		const char *f, *name;
	} cases[] = {
	    {"From: a@b.c", "From"},
	    {"From : a", "From"},
	    {"From \t:a", "From"},
	    {"X-\xe9t\xe9: y", "X-\xe9t\xe9"},
	    {"Na me: v", "Na me"},
	    {"A-Header-Name-Longer-Than-Sixteen-Bytes: v",
	        "A-Header-Name-Longer-Than-Sixteen-Bytes"},
	    {"A:b:c", "A"},
	    {":", ""},
	    {"", ""},
	    {"NoColonAtAllInThisLongLine", ""},
	};
	for (size_t k = 0; k < EA_ARRAY_LEN(cases); k++) {
		struct emauth_span n = ea_field_name(ea_span_str(cases[k].f));
		if (n.len != strlen(cases[k].name) ||
		    memcmp(n.p, cases[k].name, n.len) != 0)
			T_FAILF("\"%s\": \"%.*s\"", cases[k].f, (int)n.len,
			    (const char *)n.p);
	}
	static const uint8_t alphabet[] = {
	    'a', 'Z', '-', ':', ' ', '\t', '\r', '\n', 0x01, 0xe9, 0x7f};
	uint64_t seed = 0xf1e1d;
	for (unsigned round = 0; round < 3000; round++) {
		uint8_t f[60];
		size_t n = rnd(&seed) % sizeof(f);
		for (size_t i = 0; i < n; i++)
			f[i] = rnd(&seed) % 3
			           ? 'a' + rnd(&seed) % 26
			           : alphabet[rnd(&seed) % sizeof(alphabet)];
		const uint8_t *colon = memchr(f, ':', n);
		size_t want = colon ? (size_t)(colon - f) : 0;
		while (want > 0 && (f[want - 1] == ' ' || f[want - 1] == '\t'))
			want--;
		struct emauth_span got = ea_field_name(ea_span(f, n));
		if (got.p != f || got.len != want) {
			T_FAILF(
			    "round %u: %zu, want %zu", round, got.len, want);
			break;
		}
	}
}

/* A body of @n bytes: mostly text (so the block scans see long clean
 * runs) with, at rate @special/64, the bytes canonicalization acts on. */
static void
random_body(uint64_t *seed, uint8_t *p, size_t n, unsigned special)
{
	static const uint8_t hard[] = {
	    ' ', ' ', '\t', '\r', '\n', '\r', '\n', '\r'};
	for (size_t i = 0; i < n; i++) {
		uint64_t r = rnd(seed);
		if ((r & 63) < special)
			p[i] = hard[(r >> 6) % sizeof(hard)];
		else if ((r & 63) < special + 8)
			p[i] = ' ';
		else if ((r & 63) < special + 10 && i + 1 < n) {
			p[i++] = '\r';
			p[i] = '\n';
		} else
			p[i] = (uint8_t)('a' + (r >> 8) % 26);
	}
	/* Half of the bodies end in a run of blank lines (CRLF, SP, TAB),
	 * long enough to fill the 16- and 32-byte blocks. */
	if (rnd(seed) & 1) {
		size_t tail = (size_t)(rnd(seed) % 64);
		for (size_t i = tail < n ? n - tail : 0; i < n; i++) {
			uint64_t r = rnd(seed) % 5;
			if (r < 3 && i + 1 < n) {
				p[i++] = '\r';
				p[i] = '\n';
			} else
				p[i] = r == 4 ? '\t' : ' ';
		}
	}
}

static void
test_against_reference(void)
{
	/* The streaming canonicalizer (with its fast path over clean runs,
	 * 16 or 32 bytes at a time) against the reference written straight
	 * from the RFC, on 6,000 generated bodies of 0 to 700 bytes, fed
	 * whole, in pieces of a random size, and one byte at a time. */
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	static uint8_t body[700], want[704];
	unsigned failures = 0;
	for (unsigned round = 0; round < 6000 && failures < 5; round++) {
		size_t n = (size_t)(rnd(&seed) % sizeof(body));
		unsigned special = (unsigned)(rnd(&seed) % 12);
		random_body(&seed, body, n, special);
		for (int c = 0; c < 2; c++) {
			enum ea_canon cn =
			    c ? EA_CANON_RELAXED : EA_CANON_SIMPLE;
			size_t wlen = canon_ref(c == 1, body, n, want);
			size_t steps[] = {0, 1 + (size_t)(rnd(&seed) % 80), 1};
			for (size_t k = 0; k < EA_ARRAY_LEN(steps); k++) {
				if (steps[k] == 1 && round % 8 != 0)
					continue; /* byte by byte: 1 in 8 */
				struct ea_buf got;
				canon_body(
				    cn, (const char *)body, n, steps[k], &got);
				if (got.len != wlen ||
				    (wlen && memcmp(got.p, want, wlen) != 0)) {
					failures++;
					T_FAILF("round %u, %s, %zu bytes, "
					        "pieces of %zu: got %zu bytes, "
					        "want %zu",
					    round, c ? "relaxed" : "simple", n,
					    steps[k], got.len, wlen);
				}
				ea_buf_release(&got);
			}
		}
	}
}

/* Every hard sequence at every position of a long clean body: the block
 * scanners look at the bytes before and after each block, and each
 * position puts the sequence somewhere else against the blocks' edges
 * (16, 32 or 64 bytes, counted from where the scan starts). Empty lines to
 * the end of the body are the case where a CR at a block's first byte is
 * held back only for the LF before the block. */
static void
test_block_edges(void)
{
	static const char *const hard[] = {
	    "\r\n\r\n", "  ", " \t", "\t", " \r\n", "\rx", "\r\r\n", "x\r\n\r"};
	static uint8_t body[320], want[330];
	unsigned failures = 0;
	for (size_t h = 0; h < EA_ARRAY_LEN(hard); h++) {
		size_t hl = strlen(hard[h]);
		for (size_t at = 0; at + hl + 2 <= sizeof(body) && failures < 5;
		     at++) {
			/* Words and single spaces, a CRLF every 70 bytes. */
			for (size_t i = 0; i < sizeof(body); i++)
				body[i] =
				    (uint8_t)(i % 70 == 68   ? '\r'
				              : i % 70 == 69 ? '\n'
				              : i % 6 == 5   ? ' '
				                             : 'a' + i % 26);
			memcpy(body + at, hard[h], hl);
			/* The first sequence also as the start of empty lines
			 * to the end (all of them dropped). */
			size_t n = sizeof(body);
			if (h == 0 && (at & 1))
				for (n = at; n + 2 <= sizeof(body); n += 2)
					memcpy(body + n, "\r\n", 2);
			for (int c = 0; c < 2; c++) {
				size_t wlen = canon_ref(c == 1, body, n, want);
				struct ea_buf got;
				canon_body(
				    c ? EA_CANON_RELAXED : EA_CANON_SIMPLE,
				    (const char *)body, n, 0, &got);
				if (got.len != wlen ||
				    memcmp(got.p, want, wlen) != 0) {
					failures++;
					T_FAILF("%s: sequence %zu at %zu",
					    c ? "relaxed" : "simple", h, at);
				}
				ea_buf_release(&got);
			}
		}
	}
}

/* Counts the canonical bytes without keeping them. */
static void
count_sink(void *arg, const uint8_t *p, size_t n)
{
	(void)p;
	*(uint64_t *)arg += n;
}

static void
test_linear_work(void)
{
	/* Bodies built to make the fast path look at the same bytes again
	 * and again (once: a body of CRs in simple mode made it rescan the
	 * rest of the chunk after every CR). The bytes it looks at stay
	 * within twice the body, fed whole or in 64 KB pieces, and the
	 * output matches the reference. */
	static const char *const unit[] = {
	    "\r", "\r\r\n", " \r", "a\r", "\n\r", "  ", "\t", " ", "\r\n"};
	size_t n = 1 << 20;
	uint8_t *body = malloc(n), *want = malloc(n + 2);
	T_TRUE(body != NULL && want != NULL);
	if (body == NULL || want == NULL) {
		free(body);
		free(want);
		return;
	}
	for (size_t u = 0; u < EA_ARRAY_LEN(unit); u++) {
		size_t ul = strlen(unit[u]);
		body[0] = 'a';
		for (size_t i = 1; i < n; i++)
			body[i] = (uint8_t)unit[u][(i - 1) % ul];
		for (int c = 0; c < 2; c++) {
			size_t wlen = canon_ref(c == 1, body, n, want);
			for (size_t step = 65536; step <= n; step *= 16) {
				struct ea_body_canon bc;
				uint64_t got = 0;
				ea_body_canon_init(&bc,
				    c ? EA_CANON_RELAXED : EA_CANON_SIMPLE,
				    count_sink, &got);
				for (size_t i = 0; i < n; i += step)
					ea_body_canon_feed(&bc, body + i,
					    n - i < step ? n - i : step);
				ea_body_canon_finish(&bc);
				T_EQ_INT(got, wlen);
				if (bc.scanned > 2 * (uint64_t)n)
					T_FAILF("unit %zu, %s, pieces of %zu: "
					        "scanned %llu bytes of %zu",
					    u, c ? "relaxed" : "simple", step,
					    (unsigned long long)bc.scanned, n);
			}
		}
	}
	free(body);
	free(want);
}

static void
test_header_against_reference(void)
{
	/* Relaxed header canonicalization against the step-by-step
	 * reference, on 5,000 generated fields (letters of both cases, WSP,
	 * folding, stray CR and LF, colons, control and 8-bit bytes). Every
	 * other field is mostly text (words and single spaces, the special
	 * bytes rare), so that the block scan sees runs longer than a
	 * block. */
	static const uint8_t alphabet[] = {'a', 'B', 'x', 'Y', ' ', ' ', '\t',
	    '\r', '\n', ':', ':', 0x01, 0xe9, '-'};
	static const uint8_t text[] = "Lorem ipsum dolor sit amet <a@b.c>";
	uint64_t seed = 0x2545f4914f6cdd1dULL;
	uint8_t field[200], want[204];
	unsigned failures = 0;
	for (unsigned round = 0; round < 5000 && failures < 5; round++) {
		size_t n = (size_t)(rnd(&seed) % sizeof(field));
		for (size_t i = 0; i < n; i++)
			field[i] = round % 2 == 0 || rnd(&seed) % 24 == 0
			               ? alphabet[rnd(&seed) % sizeof(alphabet)]
			               : text[rnd(&seed) % (sizeof(text) - 1)];
		size_t wlen = canon_ref_header(field, n, want);
		struct ea_buf got;
		ea_buf_init(&got, 4096);
		T_EQ_INT(ea_canon_header(
		             EA_CANON_RELAXED, ea_span(field, n), true, &got),
		    0);
		if (got.len != wlen || memcmp(got.p, want, wlen) != 0) {
			failures++;
			T_FAILF("round %u, %zu bytes: got %zu bytes, want %zu",
			    round, n, got.len, wlen);
		}
		ea_buf_release(&got);
	}
}

/* The same comparisons with the scanners held to SSE2 (this processor
 * may have AVX2, which they would choose). */
static void
test_sse2_paths(void)
{
	ea_simd_no_avx2 = true;
	test_against_reference();
	test_block_edges();
	test_linear_work();
	ea_simd_no_avx2 = false;
}

/* Parses a DKIM-Signature with @d, @s and @rest (more tags, ";"-led);
 * returns the status, with the diagnostic's message in @msg. */
static int
sig_with(const char *d, const char *s, const char *rest, const char **msg)
{
	static char f[8192];
	snprintf(f, sizeof(f),
	    "DKIM-Signature: v=1; a=rsa-sha256; d=%s; s=%s; h=from; "
	    "bh=MTIz; b=MTIz%s",
	    d, s, rest);
	struct ea_dkim_sig *sig = malloc(sizeof(*sig));
	enum emauth_dkim_reason why;
	struct emauth_diag diag = {0};
	int rc = ea_dkim_sig_parse(ea_span_str(f), sig, &why, &diag);
	*msg = rc ? diag.msg : "";
	if (rc && why != EMAUTH_DKIM_SYNTAX)
		T_FAILF("reason %d, not a syntax error (%s)", why, diag.msg);
	free(sig);
	return rc;
}

/* A name of @len characters in labels of 63. */
static void
long_domain(char *out, size_t len)
{
	memset(out, 'd', len);
	for (size_t i = 63; i < len; i += 64)
		out[i] = '.';
	out[len] = '\0';
}

/*
 * The caps of a DKIM-Signature's values, each at its value and one more
 * (the one more is a syntax error, a permerror for that signature, never
 * a value read in part): d= and s= of 253 characters (RFC 1035), i= under
 * 512 bytes, l=, t= and x= of 18 digits, b= of 1024 bytes (EA_DKIM_B_MAX,
 * an RSA 8192 signature), bh= of 64 bytes, 64 tags (EA_DKIM_TAGS_MAX).
 */
static void
test_sig_value_edges(void)
{
	char name[300], rest[2400];
	const char *msg;

	long_domain(name, 253);
	T_EQ_INT(sig_with(name, "s", "", &msg), 0);
	T_EQ_INT(sig_with("example.com", name, "", &msg), 0);
	long_domain(name, 254);
	T_EQ_INT(sig_with(name, "s", "", &msg), EMAUTH_ESYNTAX);
	T_EQ_STR(msg, "not a domain name");
	T_EQ_INT(sig_with("example.com", name, "", &msg), EMAUTH_ESYNTAX);
	T_EQ_STR(msg, "not a selector");
	/* A label of 63, then 64. */
	memset(name, 'e', 64);
	memcpy(name + 63, ".com", 5);
	T_EQ_INT(sig_with(name, "s", "", &msg), 0);
	memset(name, 'e', 64);
	memcpy(name + 64, ".com", 5);
	T_EQ_INT(sig_with(name, "s", "", &msg), EMAUTH_ESYNTAX);
	/* i= of 511 bytes, then 512. */
	for (size_t len = 511; len <= 512; len++) {
		int o = snprintf(rest, sizeof(rest), "; i=");
		memset(rest + o, 'i', len - 12);
		snprintf(rest + o + len - 12,
		    sizeof(rest) - (size_t)o - len + 12, "@example.com");
		int rc = sig_with("example.com", "s", rest, &msg);
		T_EQ_INT(rc, len == 511 ? 0 : EMAUTH_ESYNTAX);
		if (rc)
			T_EQ_STR(msg, "i= is not [local-part]@domain");
	}
	/* 18 digits, then 19, for each number. */
	static const char *const tags[] = {"l", "t", "x"};
	for (size_t k = 0; k < EA_ARRAY_LEN(tags); k++) {
		snprintf(
		    rest, sizeof(rest), "; %s=999999999999999999", tags[k]);
		T_EQ_INT(sig_with("example.com", "s", rest, &msg), 0);
		snprintf(
		    rest, sizeof(rest), "; %s=1000000000000000000", tags[k]);
		T_EQ_INT(
		    sig_with("example.com", "s", rest, &msg), EMAUTH_ESYNTAX);
		char want[32];
		snprintf(want, sizeof(want), "%s= is not a number", tags[k]);
		T_EQ_STR(msg, want);
	}
	/* b= of 1024 bytes, then 1025; bh= of 64, then 65 (in fields of
	 * their own: sig_with gives b= and bh= already). */
	static uint8_t bytes[EA_DKIM_B_MAX + 1];
	memset(bytes, 0xb5, sizeof(bytes));
	for (size_t n = EA_DKIM_B_MAX; n <= EA_DKIM_B_MAX + 1; n++) {
		char b64[1500];
		T_TRUE(ea_base64_encode(bytes, n, b64, sizeof(b64)) > 0);
		static char f[2000];
		snprintf(f, sizeof(f),
		    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s; "
		    "h=from; bh=MTIz; b=%s",
		    b64);
		struct ea_dkim_sig *sig = malloc(sizeof(*sig));
		enum emauth_dkim_reason why;
		struct emauth_diag diag = {0};
		int rc = ea_dkim_sig_parse(ea_span_str(f), sig, &why, &diag);
		if (n == EA_DKIM_B_MAX) {
			T_EQ_INT(rc, 0);
			T_EQ_INT(sig->blen, n);
		} else {
			T_EQ_INT(rc, EMAUTH_ESYNTAX);
			T_EQ_STR(diag.msg, "b= is not base64");
		}
		free(sig);
	}
	for (size_t n = 64; n <= 65; n++) {
		char b64[100];
		T_TRUE(ea_base64_encode(bytes, n, b64, sizeof(b64)) > 0);
		static char f[400];
		snprintf(f, sizeof(f),
		    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s; "
		    "h=from; b=MTIz; bh=%s",
		    b64);
		struct ea_dkim_sig *sig = malloc(sizeof(*sig));
		enum emauth_dkim_reason why;
		struct emauth_diag diag = {0};
		int rc = ea_dkim_sig_parse(ea_span_str(f), sig, &why, &diag);
		T_EQ_INT(rc, n == 64 ? 0 : EMAUTH_ESYNTAX);
		if (rc)
			T_EQ_STR(diag.msg, "bh= is not base64");
		free(sig);
	}
	/* 64 tags (the 7 of sig_with and 57 more), then 65. */
	for (int total = 64; total <= 65; total++) {
		int o = 0;
		for (int i = 7; i < total; i++)
			o += snprintf(
			    rest + o, sizeof(rest) - (size_t)o, "; z%d=1", i);
		int rc = sig_with("example.com", "s", rest, &msg);
		T_EQ_INT(rc, total == 64 ? 0 : EMAUTH_ESYNTAX);
	}
	struct ea_tag_list *l = malloc(sizeof(*l));
	for (int total = 64; total <= 65; total++) {
		int o = 0;
		for (int i = 0; i < total; i++)
			o += snprintf(
			    rest + o, sizeof(rest) - (size_t)o, "t%d=1;", i);
		T_EQ_INT(ea_tag_list_parse(ea_span_str(rest), "x", l, NULL),
		    total == 64 ? 0 : EMAUTH_ELIMIT);
	}
	free(l);
}

int
main(void)
{
	T_RUN(test_rfc6376_3_4_5_example);
	T_RUN(test_empty_body_hashes);
	T_RUN(test_hard_bodies);
	T_RUN(test_against_reference);
	T_RUN(test_block_edges);
	T_RUN(test_linear_work);
	T_RUN(test_header_against_reference);
	T_RUN(test_sse2_paths);
	T_RUN(test_tag_list);
	T_RUN(test_sig_h);
	T_RUN(test_sig_value_edges);
	T_RUN(test_sig_required);
	T_RUN(test_base64);
	T_RUN(test_base64_against_openssl);
	T_RUN(test_base64_vector);
	T_RUN(test_field_name);
	return t_summary();
}
