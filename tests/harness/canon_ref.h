/*
 * canon_ref.h: reference DKIM canonicalizers for tests and fuzzing,
 * written straight from RFC 6376 §3.4, with none of the streaming or fast
 * paths of src/dkim/canon.c, to check it against.
 *
 * canon_ref(): the body (§3.4.3, §3.4.4) over the whole body. Lines end
 * at CRLF; a lone CR or LF is an ordinary byte of its line, as in
 * src/dkim/canon.c. Writes at most n + 2 bytes to @out and returns the
 * length.
 */
#ifndef EA_TEST_CANON_REF_H
#define EA_TEST_CANON_REF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

static inline size_t
canon_ref(bool relaxed, const uint8_t *p, size_t n, uint8_t *out)
{
	size_t o = 0;    /* bytes written */
	size_t keep = 0; /* out[0..keep) ends with a non-empty line */

	size_t i = 0;
	while (i < n) {
		/* One line: p[i..e), ended by CRLF at e or by the end. */
		size_t e = i;
		while (
		    e < n && !(p[e] == '\r' && e + 1 < n && p[e + 1] == '\n'))
			e++;
		size_t start = o;
		for (size_t k = i; k < e; k++) {
			bool wsp = p[k] == ' ' || p[k] == '\t';
			if (!relaxed || !wsp) {
				out[o++] = p[k];
				continue;
			}
			/* "Reduce all sequences of WSP within a line to a
			 * single SP character", "Ignore all whitespace at the
			 * end of lines". */
			size_t r = k;
			while (r < e && (p[r] == ' ' || p[r] == '\t'))
				r++;
			if (r < e)
				out[o++] = ' ';
			k = r - 1;
		}
		bool empty = o == start;
		if (e == n && empty)
			break; /* nothing after the last CRLF */
		/* A last line without CRLF gets one. */
		out[o++] = '\r';
		out[o++] = '\n';
		if (!empty)
			keep = o;
		i = e + 2;
	}
	/* "Ignore all empty lines at the end of the message body." */
	o = keep;
	/* Simple: an empty body is one CRLF. */
	if (!relaxed && o == 0) {
		out[0] = '\r';
		out[1] = '\n';
		o = 2;
	}
	return o;
}

/*
 * Relaxed header canonicalization (§3.4.2) of one field (without its final
 * CRLF), step by step as the RFC lists them: unfold (drop every CR and
 * LF), lower-case the name, reduce WSP runs to one SP, delete WSP at the
 * end of the value, delete WSP before and after the colon; then CRLF.
 * Writes at most n + 3 bytes to @out and returns the length.
 */
static inline size_t
canon_ref_header(const uint8_t *p, size_t n, uint8_t *out)
{
	uint8_t *u = malloc(n + 1); /* unfolded */
	size_t un = 0, o = 0;
	if (u == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\r' && p[i] != '\n')
			u[un++] = p[i];
	size_t colon = 0;
	while (colon < un && u[colon] != ':')
		colon++;
	for (size_t i = 0; i < colon; i++)
		out[o++] =
		    u[i] >= 'A' && u[i] <= 'Z' ? (uint8_t)(u[i] + 32) : u[i];
	while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
		o--;
	out[o++] = ':';
	size_t start = o;
	for (size_t i = colon + 1; i < un; i++) {
		if (u[i] != ' ' && u[i] != '\t') {
			out[o++] = u[i];
			continue;
		}
		while (i + 1 < un && (u[i + 1] == ' ' || u[i + 1] == '\t'))
			i++;
		if (o > start && i + 1 < un)
			out[o++] = ' ';
	}
	out[o++] = '\r';
	out[o++] = '\n';
	free(u);
	return o;
}

#endif
