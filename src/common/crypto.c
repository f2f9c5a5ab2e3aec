/*
 * crypto.c: base64 and SHA-256 through OpenSSL.
 */
#include "internal.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto.h"

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

/*
 * A table decoder rather than OpenSSL's EVP_DecodeBlock: that one accepts
 * more than RFC 4648 (so the input was checked first in a pass of its
 * own), needs the whitespace removed into a copy first, and the three
 * passes cost some 14,000 instructions for one RSA-2048 b= and bh=, more
 * than a tenth of what a verification spends outside the RSA operation.
 */
int
ea_base64_decode(struct emauth_span in, uint8_t *out, size_t size)
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
