/*
 * fuzz_arc.c: ARC (RFC 8617) on one message with the DNS answers of the
 * input (fuzz_zone.h): the three field parsers on every ARC field, chain
 * validation, and sealing.
 *
 * Input:
 *   line 1   a comment; when its first byte is odd ("#" is), the new set
 *            is folded (emauth_arc_seal_spec.fold)
 *   then     DNS lines (fuzz_zone.h) up to a line "%%"
 *   then     the message (CRLF or LF)
 *
 * Invariants: the parsers accept only what they promise (instances 1 to
 * 50); the chain is none exactly when the header has no ARC field; a
 * passing chain has 1 to 50 sets, every seal verified, oldest-pass at most
 * the newest instance; a failing one says why. Sealing then adds set N+1
 * (or nothing after a cv=fail seal); folded, no line of the new fields is
 * over 998 octets and each new line starts with a blank; when the chain
 * was none, the message with the new set, verified with the sealing key
 * published, passes.
 */
#include "fuzz.h"
#include "fuzz_zone.h"

#include <stdbool.h>
#include <strings.h>

#include <emauth/arc.h>
#include <emauth/dkim.h>
#include <emauth/msg.h>

#include "arc/set.h"

struct feed {
	struct emauth_arc_verifier *v;
	struct emauth_arc_sealer *s;
	unsigned arc_fields;
};

static int
on_header(void *arg, struct emauth_span f)
{
	struct feed *x = arg;
	struct emauth_span name = ea_field_name(f);
	if (ea_arc_is_seal(name) || ea_arc_is_ams(name) ||
	    ea_arc_is_aar(name)) {
		x->arc_fields++;
		/* Each parser on its own, on a heap copy. */
		uint8_t *c = fuzz_copy(f.p, f.len);
		struct emauth_span cf = {c, f.len};
		unsigned i = 0;
		char why[300];
		if (ea_arc_instance(cf, &i, why, sizeof(why)) == 0)
			FUZZ_ASSERT(i >= 1 && i <= EMAUTH_ARC_MAX);
		struct ea_arc_seal *seal = malloc(sizeof(*seal));
		if (ea_arc_seal_parse(cf, seal, why, sizeof(why)) == 0)
			FUZZ_ASSERT(seal->i >= 1 && seal->i <= EMAUTH_ARC_MAX &&
			            seal->blen > 0 &&
			            seal->b_start <= seal->b_end &&
			            seal->b_end <= f.len);
		free(seal);
		struct ea_dkim_sig *sig = malloc(sizeof(*sig));
		if (ea_arc_ams_parse(cf, sig, &i, why, sizeof(why)) == 0)
			FUZZ_ASSERT(i >= 1 && i <= EMAUTH_ARC_MAX &&
			            sig->nh <= EA_DKIM_H_MAX &&
			            sig->b_end <= f.len);
		free(sig);
		struct emauth_span rest;
		if (ea_arc_aar_parse(cf, &i, &rest, why, sizeof(why)) == 0)
			FUZZ_ASSERT(i >= 1 && i <= EMAUTH_ARC_MAX &&
			            rest.p >= c &&
			            rest.p + rest.len <= c + f.len);
		free(c);
	}
	int rc = 0;
	if (x->v &&
	    (rc = emauth_arc_verifier_header(x->v, f)) == EMAUTH_ETOOBIG)
		rc = 0;
	if (rc == 0 && x->s &&
	    (rc = emauth_arc_sealer_header(x->s, f)) == EMAUTH_ETOOBIG)
		rc = 0;
	return rc;
}

static int
on_eoh(void *arg)
{
	struct feed *x = arg;
	int rc = x->v ? emauth_arc_verifier_eoh(x->v) : 0;
	if (rc == 0 && x->s)
		rc = emauth_arc_sealer_eoh(x->s);
	return rc;
}

static int
on_body(void *arg, struct emauth_span c)
{
	struct feed *x = arg;
	int rc = x->v ? emauth_arc_verifier_body(x->v, c) : 0;
	if (rc == 0 && x->s)
		rc = emauth_arc_sealer_body(x->s, c);
	return rc;
}

static int
read_msg(struct feed *x, const uint8_t *p, size_t n)
{
	static const struct emauth_msg_handler h = {on_header, on_eoh, on_body};
	struct emauth_msg_reader *r;
	if (emauth_msg_reader_new(&h, x, 0, &r) != 0)
		return -1;
	int rc = emauth_msg_reader_feed(r, (struct emauth_span){p, n}, NULL);
	if (rc == 0)
		rc = emauth_msg_reader_finish(r, NULL);
	emauth_msg_reader_free(r);
	return rc;
}

/* The sealing key (Ed25519: quick), made once. */
static struct emauth_dkim_key *key;
static char key_record[256];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (key == NULL) {
		FUZZ_ASSERT(emauth_dkim_key_generate(
		                EMAUTH_DKIM_ED25519_SHA256, 0, &key) == 0);
		FUZZ_ASSERT(emauth_dkim_key_record(
		                key, 0, key_record, sizeof(key_record)) > 0);
	}
	struct fuzz_parts fp;
	char *text = fuzz_split(data, size, &fp);
	struct emauth_ctx *ctx;
	FUZZ_ASSERT(emauth_ctx_new(&ctx) == 0);
	FUZZ_ASSERT(fuzz_zone_install(ctx, fp.zone, fp.zone_len) == 0);

	struct feed x = {0};
	FUZZ_ASSERT(emauth_arc_verifier_new(ctx, NULL, &x.v) == 0);
	struct emauth_arc_seal_spec sp;
	emauth_arc_seal_spec_init(&sp);
	sp.domain = "seal.fuzz.example";
	sp.selector = "s";
	sp.key = key;
	sp.authserv_id = "mx.fuzz.example";
	sp.timestamp = FUZZ_NOW;
	sp.fold = size > 0 && (data[0] & 1);
	FUZZ_ASSERT(emauth_arc_sealer_new(ctx, &sp, &x.s) == 0);
	int rc = read_msg(&x, fp.rest, fp.rest_len);
	struct emauth_arc_result *res = malloc(sizeof(*res));
	if (rc == 0) {
		FUZZ_ASSERT(emauth_arc_verifier_finish(x.v) == 0);
		FUZZ_ASSERT(emauth_arc_verifier_result(x.v, res) == 0);
		FUZZ_ASSERT(
		    (res->cv == EMAUTH_ARC_NONE) == (x.arc_fields == 0));
		FUZZ_ASSERT(res->reason[0] != '\0');
		if (res->cv == EMAUTH_ARC_PASS) {
			FUZZ_ASSERT(res->instances >= 1 &&
			            res->instances <= EMAUTH_ARC_MAX);
			FUZZ_ASSERT(res->oldest_pass <= res->instances);
			for (unsigned i = 0; i < res->instances; i++)
				FUZZ_ASSERT(res->inst[i].as == EMAUTH_RES_PASS);
		}
		struct emauth_diag d = {0};
		int s = emauth_arc_sealer_finish(x.s, &d);
		FUZZ_ASSERT(s == 0 || s == EMAUTH_ETOOBIG ||
		            s == EMAUTH_ELIMIT || s == EMAUTH_ESYNTAX ||
		            s == EMAUTH_EINVAL);
		unsigned inst = s == 0 ? emauth_arc_sealer_instance(x.s) : 0;
		for (unsigned w = 0; inst && w < 3; w++) {
			const char *f = emauth_arc_sealer_field(x.s, w);
			size_t line = 0;
			for (const char *p = f; *p; p++) {
				if (*p == '\r') {
					FUZZ_ASSERT(
					    sp.fold && p[1] == '\n' &&
					    (p[2] == ' ' || p[2] == '\t'));
					line = 0;
					p++;
					continue;
				}
				FUZZ_ASSERT(*p != '\n');
				FUZZ_ASSERT(++line <= 998 || !sp.fold);
			}
		}
		/* A message without ARC, sealed: it passes with our key. */
		if (s == 0 && res->cv == EMAUTH_ARC_NONE && inst == 1 &&
		    memchr(fp.rest, '\0', fp.rest_len) == NULL) {
			FUZZ_ASSERT(emauth_arc_sealer_field(x.s, 0) != NULL);
			bool crlf = true;
			for (size_t i = 0; i < fp.rest_len; i++)
				if (fp.rest[i] == '\n' &&
				    (i == 0 || fp.rest[i - 1] != '\r'))
					crlf = false;
			size_t n = fp.rest_len + 6;
			for (unsigned w = 0; w < 3; w++)
				n += strlen(emauth_arc_sealer_field(x.s, w));
			uint8_t *m = malloc(n);
			size_t k = 0;
			for (unsigned w = 0; w < 3; w++) {
				const char *f = emauth_arc_sealer_field(x.s, w);
				size_t fl = strlen(f);
				FUZZ_ASSERT(k + fl + 2 <= n);
				/* A folded field's CRLF as the message has
				 * its line ends. */
				for (size_t i = 0; i < fl; i++)
					if (crlf || f[i] != '\r')
						m[k++] = (uint8_t)f[i];
				memcpy(
				    m + k, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
				k += crlf ? 2 : 1;
			}
			memcpy(m + k, fp.rest, fp.rest_len);
			k += fp.rest_len;
			char zone[400];
			int zl = snprintf(zone, sizeof(zone),
			    "s._domainkey.seal.fuzz.example TXT %s\n",
			    key_record);
			struct emauth_ctx *c2;
			FUZZ_ASSERT(emauth_ctx_new(&c2) == 0);
			FUZZ_ASSERT(
			    fuzz_zone_install(c2, zone, (size_t)zl) == 0);
			struct feed y = {0};
			FUZZ_ASSERT(
			    emauth_arc_verifier_new(c2, NULL, &y.v) == 0);
			struct emauth_arc_result *r2 = malloc(sizeof(*r2));
			if (read_msg(&y, m, k) == 0) {
				FUZZ_ASSERT(
				    emauth_arc_verifier_finish(y.v) == 0);
				FUZZ_ASSERT(
				    emauth_arc_verifier_result(y.v, r2) == 0);
				/* Over the header caps the chain cannot be
				 * read whole: fail, never pass. */
				if (r2->cv != EMAUTH_ARC_PASS)
					FUZZ_ASSERT(
					    strstr(r2->reason, "caps") != NULL);
			}
			free(r2);
			emauth_arc_verifier_free(y.v);
			emauth_ctx_free(c2);
			free(m);
		}
	}
	free(res);
	emauth_arc_verifier_free(x.v);
	emauth_arc_sealer_free(x.s);
	emauth_ctx_free(ctx);
	free(text);
	return 0;
}
