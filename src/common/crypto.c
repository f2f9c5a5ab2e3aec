/*
 * crypto.c: base64 and SHA-256 through OpenSSL.
 */
#include "internal.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "simd.h"
#include "span.h"

/* The value of each base64 character (RFC 4648 §4); -2 for the whitespace
 * that DKIM allows between them (FWS: SP, HTAB, CR, LF), -3 for "=", -1
 * for anything else. */
/* clang-format off */
static const int8_t b64_value[256] = {
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -2, -2, -1, -1, -2, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -3, -1, -1,
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};
/* clang-format on */

#if defined(EA_SIMD_AVX2)
/* The longest value decoded with AVX2 (a copy of it is made on the
 * stack): an RSA-8192 b= has 1,368 characters. */
#define B64_VECTOR_MAX 2048

/*
 * Copies p[0..n) (n >= 32) to out (n bytes of room) without the whitespace
 * the table gives -2 (SP, HTAB, CR, LF); returns the bytes copied. Blocks
 * of 32 are stored whole; one with whitespace is stored up to it, and the
 * whitespace run is skipped.
 */
EA_TARGET_AVX2 static size_t
b64_compact_avx2(const uint8_t *p, size_t n, uint8_t *out)
{
	const __m256i sp = _mm256_set1_epi8(' '), tab = _mm256_set1_epi8('\t');
	const __m256i cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');
	size_t i = 0, m = 0;

	/* m <= i, so a store at out + m ends within n bytes. */
	while (n - i >= 32) {
		__m256i v =
		    _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		__m256i ws =
		    _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, sp),
		                        _mm256_cmpeq_epi8(v, tab)),
		        _mm256_or_si256(_mm256_cmpeq_epi8(v, cr),
		            _mm256_cmpeq_epi8(v, lf)));
		unsigned mask = (unsigned)_mm256_movemask_epi8(ws);
		_mm256_storeu_si256((__m256i *)(void *)(out + m), v);
		if (mask == 0) {
			i += 32;
			m += 32;
			continue;
		}
		unsigned k = (unsigned)__builtin_ctz(mask);
		i += k;
		m += k;
		while (i < n && b64_value[p[i]] == -2)
			i++;
	}
	for (; i < n; i++) {
		out[m] = p[i];
		m += b64_value[p[i]] != -2;
	}
	return m;
}

/*
 * Decodes p[0..n) into out (room bytes) 32 characters (24 bytes) at a time
 * while there are 32 characters and room for 32 bytes (the last eight
 * written each time are overwritten or ignored), stopping at the first
 * block with a character outside the alphabet, of which the whole quanta
 * before that character are decoded too. Returns the characters used and
 * sets *made to the bytes made (three for each four characters).
 *
 * The classification and the translation are table look-ups by nibble
 * (pshufb); "/" is the one character its high nibble does not place. The
 * next block's position does not depend on this one's check (the loop
 * only leaves on it), so the processor overlaps the blocks.
 */
EA_TARGET_AVX2 static size_t
b64_blocks_avx2(
    const uint8_t *p, size_t n, uint8_t *out, size_t room, size_t *made)
{
	/* Bit k of lut_hi[h] & lut_lo[l] is set for a byte hl outside the
	 * alphabet: 0x10 for high nibbles 0, 1 and 8-15, 0x01-0x08 for the
	 * low nibbles each of the rows 2-7 leaves out. */
	const __m256i lut_lo = _mm256_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11,
	    0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a,
	    0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13,
	    0x1a, 0x1b, 0x1b, 0x1b, 0x1a);
	const __m256i lut_hi = _mm256_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04,
	    0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
	    0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10,
	    0x10, 0x10, 0x10, 0x10, 0x10);
	/* What to add to a character to get its value, by high nibble ("/"
	 * moved to row 1): "+" 43->62, "/" 47->63, digits 48->52, A-Z
	 * 65->0, a-z 97->26. */
	const __m256i lut_roll =
	    _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0,
	        0, 0, 0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
	const __m256i m2f = _mm256_set1_epi8(0x2f);
	const __m256i pairs = _mm256_set1_epi32(0x01400140);
	const __m256i quads = _mm256_set1_epi32(0x00011000);
	const __m256i order =
	    _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1,
	        -1, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
	const __m256i join = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
	size_t i = 0, o = 0;

	while (n - i >= 32 && room - o >= 32) {
		__m256i v =
		    _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
		/* pshufb reads bits 0-3 of an index (bit 7 zeroes): 0x2f
		 * keeps bit 7 clear, and bit 5 is ignored. */
		__m256i hi = _mm256_and_si256(_mm256_srli_epi32(v, 4), m2f);
		__m256i lo = _mm256_and_si256(v, m2f);
		__m256i bad = _mm256_and_si256(_mm256_shuffle_epi8(lut_lo, lo),
		    _mm256_shuffle_epi8(lut_hi, hi));
		__m256i roll = _mm256_shuffle_epi8(
		    lut_roll, _mm256_add_epi8(_mm256_cmpeq_epi8(v, m2f), hi));
		v = _mm256_add_epi8(v, roll);
		/* Four 6-bit values to three bytes: pairs merged (maddubs),
		 * then pairs of pairs (madd), then the three bytes of each
		 * 32-bit word put in order and the lanes joined. */
		v = _mm256_madd_epi16(_mm256_maddubs_epi16(v, pairs), quads);
		v = _mm256_permutevar8x32_epi32(
		    _mm256_shuffle_epi8(v, order), join);
		_mm256_storeu_si256((__m256i *)(void *)(out + o), v);
		unsigned good = (unsigned)_mm256_movemask_epi8(
		    _mm256_cmpeq_epi8(bad, _mm256_setzero_si256()));
		if (good != 0xffffffffu) {
			size_t q = (size_t)__builtin_ctz(~good) / 4;
			i += 4 * q;
			o += 3 * q;
			break;
		}
		i += 32;
		o += 24;
	}
	*made = o;
	return i;
}
#endif

/* The decoder itself: see ea_base64_decode. */
static int
b64_decode(struct emauth_span in, uint8_t *out, size_t size)
{
	uint32_t acc = 0;
	unsigned nacc = 0, pad = 0;
	size_t o = 0;

	for (size_t i = 0; i < in.len; i++) {
		/* The usual case first: four characters of the alphabet. */
		while (
		    nacc == 0 && pad == 0 && in.len - i >= 4 && size - o >= 3) {
			/* A negative value (not of the alphabet) keeps its
			 * high bits through the shifts: q's top bit says so. */
			uint32_t q = (uint32_t)b64_value[in.p[i]] << 18 |
			             (uint32_t)b64_value[in.p[i + 1]] << 12 |
			             (uint32_t)b64_value[in.p[i + 2]] << 6 |
			             (uint32_t)b64_value[in.p[i + 3]];
			if (q >> 31)
				break;
			out[o] = (uint8_t)(q >> 16);
			out[o + 1] = (uint8_t)(q >> 8);
			out[o + 2] = (uint8_t)q;
			o += 3;
			i += 4;
		}
		if (i == in.len)
			break;
		int v = b64_value[in.p[i]];
		if (v >= 0) {
			if (pad)
				return EMAUTH_ESYNTAX; /* data after "=" */
			acc = acc << 6 | (uint32_t)v;
			if (++nacc == 4) {
				if (size - o < 3)
					return EMAUTH_ETOOBIG;
				out[o] = (uint8_t)(acc >> 16);
				out[o + 1] = (uint8_t)(acc >> 8);
				out[o + 2] = (uint8_t)acc;
				o += 3;
				nacc = 0;
				acc = 0;
			}
		} else if (v == -3) {
			if (++pad > 2)
				return EMAUTH_ESYNTAX;
		} else if (v == -1) {
			return EMAUTH_ESYNTAX;
		}
	}
	/* The last quantum: four characters, or two or three completed by
	 * as many "=" (required, as in RFC 4648 §3.2; pad is at most 2, so
	 * nacc is then 2 or 3). */
	if (pad ? nacc + pad != 4 : nacc != 0)
		return EMAUTH_ESYNTAX;
	if (nacc > 0) {
		size_t last = nacc - 1;
		if (size - o < last)
			return EMAUTH_ETOOBIG;
		acc <<= 6 * (4 - nacc);
		out[o++] = (uint8_t)(acc >> 16);
		if (last == 2)
			out[o++] = (uint8_t)(acc >> 8);
	}
	if (o > 0x7fffffff)
		return EMAUTH_ETOOBIG;
	return (int)o;
}

/*
 * A table decoder rather than OpenSSL's EVP_DecodeBlock: that one accepts
 * more than RFC 4648 (so the input was checked first in a pass of its
 * own), needs the whitespace removed into a copy first, and the three
 * passes cost some 14,000 instructions for one RSA-2048 b= and bh=, more
 * than a tenth of what a verification spends outside the RSA operation.
 * With AVX2, a value of 64 to 2048 characters (b=, p=) is first copied
 * without its whitespace, 32 characters at a time, then decoded 32 at a
 * time up to the last block; the rest (and the padding, and any character
 * outside the alphabet) goes through the table decoder, so that the
 * result and the error are the same as from the table decoder alone.
 */
int
ea_base64_decode(struct emauth_span in, uint8_t *out, size_t size)
{
#if defined(EA_SIMD_AVX2)
	if (in.len >= 64 && in.len <= B64_VECTOR_MAX && ea_simd_avx2()) {
		uint8_t plain[B64_VECTOR_MAX];
		size_t m = b64_compact_avx2(in.p, in.len, plain), made;
		size_t used = b64_blocks_avx2(plain, m, out, size, &made);
		int rc = b64_decode(
		    ea_span(plain + used, m - used), out + made, size - made);
		/* The copy may be of a secret (a key file tried as an Ed25519
		 * seed): it does not stay on the stack. */
		OPENSSL_cleanse(plain, m);
		/* made is at most 1,536 (3/4 of the copy). */
		return rc < 0 ? rc : rc + (int)made;
	}
#endif
	return b64_decode(in, out, size);
}

int
ea_base64_encode(const uint8_t *in, size_t n, char *out, size_t size)
{
	size_t need = (n + 2) / 3 * 4 + 1;
	if (need > size || n > 0x3fffffff)
		return EMAUTH_ETOOBIG;
	int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	return len;
}

static const EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
fetch_sha256(void)
{
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	sha256_md = md ? md : EVP_sha256();
}

const EVP_MD *
ea_md_sha256(void)
{
	pthread_once(&sha256_once, fetch_sha256);
	return sha256_md;
}

void
ea_sha256(const void *in, size_t n, uint8_t out[32])
{
	ea_sha256_with(NULL, in, n, out);
}

void
ea_sha256_with(EVP_MD_CTX *md, const void *in, size_t n, uint8_t out[32])
{
	const EVP_MD *sha = ea_md_sha256();
	unsigned int len = 32;

	if (md != NULL && EVP_DigestInit_ex(md, sha, NULL) == 1 &&
	    EVP_DigestUpdate(md, in, n) == 1 &&
	    EVP_DigestFinal_ex(md, out, &len) == 1)
		return;
	EVP_Digest(in, n, out, &len, sha, NULL);
}
