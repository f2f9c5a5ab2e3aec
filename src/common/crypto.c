/*
 * crypto.c: base64 and SHA-256 through OpenSSL.
 */
#include "internal.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto.h"

static bool
b64_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int
ea_base64_decode(struct emauth_span in, uint8_t *out, size_t size)
{
	/* EVP_DecodeBlock accepts more than RFC 4648 (and pads with
	 * zeros), so the alphabet and padding are checked here first. */
	size_t pad = 0;
	if (in.len % 4 != 0)
		return EMAUTH_ESYNTAX;
	for (size_t i = 0; i < in.len; i++) {
		uint8_t c = in.p[i];
		if (c == '=') {
			if (i < in.len - 2)
				return EMAUTH_ESYNTAX;
			pad++;
		} else if (!b64_char(c) || pad) {
			return EMAUTH_ESYNTAX;
		}
	}
	size_t n = in.len / 4 * 3;
	if (n > size + 2 || in.len > 0x7fffffff)
		return EMAUTH_ETOOBIG;
	uint8_t tmp[3];
	size_t whole = in.len >= 4 ? in.len - 4 : 0;
	/* Decode all but the last quantum into @out, and the last into tmp,
	 * so that padding never writes past @size. */
	if (whole && EVP_DecodeBlock(out, in.p, (int)whole) < 0)
		return EMAUTH_ESYNTAX;
	if (in.len) {
		if (EVP_DecodeBlock(tmp, in.p + whole, 4) < 0)
			return EMAUTH_ESYNTAX;
		size_t last = 3 - pad;
		if (whole / 4 * 3 + last > size)
			return EMAUTH_ETOOBIG;
		memcpy(out + whole / 4 * 3, tmp, last);
	}
	return (int)(n - pad);
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
	unsigned int len = 32;
	EVP_Digest(in, n, out, &len, ea_md_sha256(), NULL);
}
