/*
 * fuzz_mime.c: the MIME walk of report messages (src/report/mime.c) and
 * ea_mime_header(). The input is walked twice with the default limits
 * (walking into message/rfc822 parts), once with a callback that stops
 * half way, and once with tiny limits; then it is read as a header block.
 * Invariants: a documented status (ESYNTAX only before any leaf, ELIMIT
 * with a text naming the cap); leaves at most max_parts, every depth at
 * most max_depth, header blocks at most max_header, and the bytes of the
 * bodies that are not spans of the input (decoded ones) at most
 * max_decoded; types are lower-case "type/subtype" and file names
 * NUL-terminated inside their arrays; every body and header block can be
 * read whole; the walk is deterministic; a callback's stop value is
 * returned at once. ea_mime_header() writes only inside its buffer and
 * returns strlen(out) (less than the size, with no line feed and no white
 * space at either end), or ENOTFOUND or ETOOBIG with out "", the same
 * value at every size that holds it.
 */
#include "fuzz.h"

#include "common/span.h"
#include "msg/mime.h"
#include "report/inbound.h"

#define STOP 77

struct seen {
	const struct ea_mime_limits *lim;
	const uint8_t *in;
	size_t inlen;
	unsigned leaves, stop_at;
	size_t decoded;
	uint64_t hash;
};

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static int
on_part(void *arg, const struct ea_mime_part *p)
{
	struct seen *s = arg;
	s->leaves++;
	FUZZ_ASSERT(s->leaves <= s->lim->max_parts);
	FUZZ_ASSERT(p->depth <= s->lim->max_depth);
	FUZZ_ASSERT(p->headers.len <= s->lim->max_header);
	size_t tl = strnlen(p->type, sizeof(p->type));
	FUZZ_ASSERT(tl < sizeof(p->type));
	const char *slash = memchr(p->type, '/', tl);
	FUZZ_ASSERT(slash != NULL && slash != p->type && slash[1] != '\0');
	for (size_t i = 0; i < tl; i++)
		FUZZ_ASSERT(!(p->type[i] >= 'A' && p->type[i] <= 'Z'));
	size_t fl = strnlen(p->filename, sizeof(p->filename));
	FUZZ_ASSERT(fl < sizeof(p->filename));
	FUZZ_ASSERT(
	    p->is_message == (strcmp(p->type, "message/rfc822") == 0 ||
	                         strcmp(p->type, "message/global") == 0));
	/* A body outside the input was decoded (or lies in a decoded
	 * message): it counts against max_decoded. */
	uintptr_t b = (uintptr_t)p->body.p, a = (uintptr_t)s->in;
	bool inside = b >= a && b - a <= s->inlen &&
	              p->body.len <= s->inlen - (size_t)(b - a);
	if (p->body.len > 0 && !inside)
		s->decoded += p->body.len;
	FUZZ_ASSERT(s->decoded <= s->lim->max_decoded);
	/* Read everything given, for ASan. */
	s->hash = mix(s->hash, p->type, tl + 1);
	s->hash = mix(s->hash, p->filename, fl + 1);
	s->hash = mix(s->hash, &p->depth, sizeof(p->depth));
	s->hash = mix(s->hash, &p->is_message, sizeof(p->is_message));
	s->hash = mix(s->hash, &p->body.len, sizeof(p->body.len));
	if (p->body.len)
		s->hash = mix(s->hash, p->body.p, p->body.len);
	if (p->headers.len)
		s->hash = mix(s->hash, p->headers.p, p->headers.len);
	if (s->stop_at != 0 && s->leaves == s->stop_at)
		return STOP;
	return p->is_message ? EA_MIME_DESCEND : 0;
}

static int
walk(const uint8_t *p, size_t n, const struct ea_mime_limits *lim,
    unsigned stop_at, struct seen *s, char *err, size_t errsize)
{
	memset(s, 0, sizeof(*s));
	s->lim = lim;
	s->in = p;
	s->inlen = n;
	s->stop_at = stop_at;
	s->hash = 0xcbf29ce484222325ULL;
	int rc = ea_mime_walk(ea_span(p, n), lim, on_part, s, err, errsize);
	FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ELIMIT || rc == EMAUTH_ESYNTAX ||
	            rc == EMAUTH_ENOMEM || (stop_at != 0 && rc == STOP));
	FUZZ_ASSERT(strnlen(err, errsize) < errsize);
	if (rc == EMAUTH_ESYNTAX)
		FUZZ_ASSERT(s->leaves == 0 && err[0] != '\0');
	if (rc == EMAUTH_ELIMIT)
		FUZZ_ASSERT(strstr(err, "more than") != NULL);
	if (rc == STOP)
		FUZZ_ASSERT(s->leaves == stop_at);
	return rc;
}

static void
check_walk(struct emauth_span in)
{
	const uint8_t *p = in.p;
	size_t n = in.len;
	static const struct ea_mime_limits dflt = {
	    8, 1000, 64u << 20, 256u << 10};
	static const struct ea_mime_limits tiny = {2, 4, 256, 512};
	struct seen a, b;
	char ea[256], eb[256];
	int ra = walk(p, n, &dflt, 0, &a, ea, sizeof(ea));
	int rb = walk(p, n, &dflt, 0, &b, eb, sizeof(eb));
	FUZZ_ASSERT(ra == rb && a.leaves == b.leaves && a.hash == b.hash &&
	            a.decoded == b.decoded && strcmp(ea, eb) == 0);
	/* NULL is the defaults: the same walk. */
	{
		struct seen c;
		memset(&c, 0, sizeof(c));
		c.lim = &dflt;
		c.in = p;
		c.inlen = n;
		c.hash = 0xcbf29ce484222325ULL;
		int rc = ea_mime_walk(
		    ea_span(p, n), NULL, on_part, &c, eb, sizeof(eb));
		FUZZ_ASSERT(
		    rc == ra && c.leaves == a.leaves && c.hash == a.hash);
	}
	if (a.leaves > 0) {
		unsigned k = a.leaves / 2 + 1;
		int rs = walk(p, n, &dflt, k, &b, eb, sizeof(eb));
		FUZZ_ASSERT(rs == STOP && b.leaves == k);
	}
	(void)walk(p, n, &tiny, 0, &b, eb, sizeof(eb));
}

static void
check_header(struct emauth_span in, const char *name)
{
	const uint8_t *p = in.p;
	size_t n = in.len;
	/* At most the input's length: the whole value always fits. */
	char *big = malloc(n + 1);
	int full = ea_mime_header(ea_span(p, n), name, big, n + 1);
	FUZZ_ASSERT(full >= 0 || full == EMAUTH_ENOTFOUND);
	if (full >= 0) {
		FUZZ_ASSERT((size_t)full == strlen(big));
		FUZZ_ASSERT(memchr(big, '\n', (size_t)full) == NULL);
		if (full > 0) {
			FUZZ_ASSERT(strchr(" \t\r\n", big[0]) == NULL);
			FUZZ_ASSERT(strchr(" \t\r\n", big[full - 1]) == NULL);
		}
	} else
		FUZZ_ASSERT(big[0] == '\0');
	static const size_t sizes[] = {0, 1, 2, 7, 64, 300};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t size = sizes[i];
		/* Exactly @size bytes (one for 0, with a canary). */
		char *out = malloc(size ? size : 1);
		if (size == 0)
			out[0] = 'X';
		int rc = ea_mime_header(ea_span(p, n), name, out, size);
		if (size == 0) {
			FUZZ_ASSERT(out[0] == 'X');
			FUZZ_ASSERT(
			    rc == EMAUTH_ENOTFOUND || rc == EMAUTH_ETOOBIG);
		} else if (full == EMAUTH_ENOTFOUND) {
			FUZZ_ASSERT(rc == EMAUTH_ENOTFOUND && out[0] == '\0');
		} else if ((size_t)full < size) {
			FUZZ_ASSERT(rc == full && strcmp(out, big) == 0);
		} else {
			FUZZ_ASSERT(rc == EMAUTH_ETOOBIG && out[0] == '\0');
		}
		free(out);
	}
	free(big);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = fuzz_copy(data, size);
	struct emauth_span in = ea_span(p, size);
	check_walk(in);
	check_header(in, "content-type");
	check_header(in, "Subject");
	/* The input's first field name, when it has one. */
	char name[32];
	size_t k = 0;
	while (k < size && k + 1 < sizeof(name) && p[k] != ':' && p[k] != 0 &&
	       p[k] != '\n') {
		name[k] = (char)p[k];
		k++;
	}
	name[k] = '\0';
	if (k > 0 && k < size && p[k] == ':')
		check_header(in, name);
	free(p);
	return 0;
}
