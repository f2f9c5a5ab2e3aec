/*
 * fuzz_msg_received.c: the trace field readers, on the same input. The
 * Received reader: a status it documents; an address exactly on success,
 * in standard text (parse then format gives it back); names of printable
 * ASCII without spaces, comments or quotes, at most 255 bytes; everything
 * empty on an error, which has a diagnostic; the same result twice. The
 * Return-Path reader: "" (the null path) or an address with "@" taken
 * from the input as written, which reads back the same between angle
 * brackets.
 */
#include "fuzz.h"

#include "common/internal.h"
#include "common/ip.h"
#include "common/span.h"

#include <emauth/msg.h>

static void
check_name(const char *s, size_t size, bool strip_dot)
{
	size_t n = strnlen(s, size);
	FUZZ_ASSERT(n < size && n <= 255);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		FUZZ_ASSERT(c >= 0x21 && c <= 0x7e);
		FUZZ_ASSERT(strchr("()\"\\;", c) == NULL);
	}
	if (strip_dot && n > 1)
		FUZZ_ASSERT(s[n - 1] != '.');
}

static void
received(const uint8_t *p, size_t size)
{
	struct emauth_received r, again;
	struct emauth_diag d;

	memset(&d, 0, sizeof(d));
	int rc = emauth_msg_parse_received(ea_span(p, size), &r, &d);
	FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ENOTFOUND || rc == EMAUTH_ESYNTAX ||
	            rc == EMAUTH_ETOOBIG);
	check_name(r.from, sizeof(r.from), false);
	check_name(r.helo, sizeof(r.helo), false);
	check_name(r.rdns, sizeof(r.rdns), true);
	check_name(r.by, sizeof(r.by), true);
	FUZZ_ASSERT(strnlen(r.ip, sizeof(r.ip)) < sizeof(r.ip));
	FUZZ_ASSERT((rc == 0) == (r.ip[0] != '\0'));
	if (rc == 0) {
		struct ea_ip ip;
		char text[64];
		FUZZ_ASSERT(ea_ip_parse(ea_span_str(r.ip), true, &ip) == 0);
		ea_ip_format(&ip, text, sizeof(text));
		FUZZ_ASSERT(strcmp(text, r.ip) == 0);
	} else {
		FUZZ_ASSERT(r.rdns[0] == '\0');
	}
	if (rc == EMAUTH_ESYNTAX || rc == EMAUTH_ETOOBIG) {
		FUZZ_ASSERT(d.msg != NULL && d.code == rc);
		FUZZ_ASSERT(
		    r.from[0] == '\0' && r.helo[0] == '\0' && r.by[0] == '\0');
	}
	FUZZ_ASSERT(
	    emauth_msg_parse_received(ea_span(p, size), &again, NULL) == rc);
	FUZZ_ASSERT(memcmp(&r, &again, sizeof(r)) == 0);
}

static void
return_path(const uint8_t *p, size_t size)
{
	char out[600], back[600], wrapped[604];
	struct emauth_diag d;

	memset(&d, 0, sizeof(d));
	int rc = emauth_msg_parse_return_path(
	    ea_span(p, size), out, sizeof(out), &d);
	FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ESYNTAX || rc == EMAUTH_ETOOBIG);
	size_t n = strnlen(out, sizeof(out));
	FUZZ_ASSERT(n < sizeof(out));
	if (rc != 0) {
		FUZZ_ASSERT(n == 0 && d.msg != NULL && d.code == rc);
		return;
	}
	if (n == 0)
		return;
	FUZZ_ASSERT(strchr(out, '@') != NULL && n <= size);
	bool inside = false;
	for (size_t i = 0; !inside && i + n <= size; i++)
		inside = memcmp(p + i, out, n) == 0;
	FUZZ_ASSERT(inside);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];
		FUZZ_ASSERT(c != 0x7f && c >= 0x20);
	}
	memcpy(wrapped, "<", 1);
	memcpy(wrapped + 1, out, n);
	memcpy(wrapped + 1 + n, ">", 1);
	FUZZ_ASSERT(emauth_msg_parse_return_path(ea_span(wrapped, n + 2), back,
	                sizeof(back), NULL) == 0);
	FUZZ_ASSERT(strcmp(back, out) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = fuzz_copy(data, size);
	received(p, size);
	return_path(p, size);
	free(p);
	return 0;
}
