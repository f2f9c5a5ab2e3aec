/*
 * fuzz_msg_reader.c: the message reader (RFC 5322 fields and body, LF to
 * CRLF). Invariants: fed whole or in chunks, the same fields and body come
 * out; fields are within the cap and have a colon; no bare LF reaches the
 * body.
 */
#include "fuzz.h"

#include "common/buf.h"
#include "common/span.h"

#include <emauth/msg.h>

struct out {
	struct ea_buf fields, body;
	int eoh;
};

static int
on_header(void *arg, struct emauth_span f)
{
	struct out *o = arg;
	FUZZ_ASSERT(f.len > 0 && f.len <= 4096);
	FUZZ_ASSERT(memchr(f.p, ':', f.len) != NULL);
	ea_buf_add(&o->fields, f.p, f.len);
	ea_buf_addc(&o->fields, '\0');
	return 0;
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
	ea_buf_add(&((struct out *)arg)->body, c.p, c.len);
	return 0;
}

static int
run(const uint8_t *p, size_t n, size_t step, struct out *o)
{
	static const struct emauth_msg_handler h = {on_header, on_eoh, on_body};
	struct emauth_msg_reader *r;
	ea_buf_init(&o->fields, 1 << 20);
	ea_buf_init(&o->body, 1 << 20);
	o->eoh = 0;
	emauth_msg_reader_new(&h, o, 4096, &r);
	int rc = 0;
	if (step == 0)
		step = n ? n : 1;
	for (size_t i = 0; i < n && rc == 0; i += step)
		rc = emauth_msg_reader_feed(
		    r, ea_span(p + i, n - i < step ? n - i : step), NULL);
	if (rc == 0)
		rc = emauth_msg_reader_finish(r, NULL);
	emauth_msg_reader_free(r);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	size_t step = (size_t)data[0] + 1;
	uint8_t *p = fuzz_copy(data + 1, size - 1);
	struct out a, b;
	int ra = run(p, size - 1, 0, &a);
	int rb = run(p, size - 1, step, &b);
	FUZZ_ASSERT(ra == rb);
	if (ra == 0) {
		FUZZ_ASSERT(a.eoh == 1 && b.eoh == 1);
		FUZZ_ASSERT(a.fields.len == b.fields.len &&
		            (a.fields.len == 0 || memcmp(a.fields.p, b.fields.p,
		                                      a.fields.len) == 0));
		FUZZ_ASSERT(a.body.len == b.body.len &&
		            (a.body.len == 0 ||
		                memcmp(a.body.p, b.body.p, a.body.len) == 0));
		for (size_t i = 0; i < a.body.len; i++)
			FUZZ_ASSERT(a.body.p[i] != '\n' ||
			            (i > 0 && a.body.p[i - 1] == '\r'));
	}
	ea_buf_release(&a.fields);
	ea_buf_release(&a.body);
	ea_buf_release(&b.fields);
	ea_buf_release(&b.body);
	free(p);
	return 0;
}
