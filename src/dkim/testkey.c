/*
 * testkey.c: checking a private key against the key record published for
 * it (emauth_dkim_testkey), as opendkim-testkey does. The record is looked
 * up as the verifier looks it up and read by the verifier's own code
 * (ea_dkim_pubkey_pick); the private key's public half is written as a key
 * record (emauth_dkim_key_record) and read back by the same parser, so the
 * two public keys compared have come the same way. Nothing here parses a
 * key record itself.
 */
#include "../common/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "../common/buf.h"
#include "../common/ctx.h"
#include "../common/limits.h"
#include "../common/span.h"
#include "../dns/rdata.h"
#include "../dns/resolver.h"
#include "key.h"
#include "tag.h"

#include <emauth/dkim.h>

/* Appends a "; "-separated part to out->detail (cut when full). */
static void note(struct emauth_dkim_testkey_result *out, const char *fmt, ...)
    EA_PRINTF(2, 3);

static void
note(struct emauth_dkim_testkey_result *out, const char *fmt, ...)
{
	size_t used = strlen(out->detail);
	va_list ap;

	if (used + 3 >= sizeof(out->detail))
		return;
	if (used > 0) {
		memcpy(out->detail + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(out->detail + used, sizeof(out->detail) - used, fmt, ap);
	va_end(ap);
}

static const char *
type_name(enum ea_key_type t)
{
	return t == EA_KEY_RSA ? "rsa" : t == EA_KEY_ED25519 ? "ed25519" : "";
}

/* The public half of @key as the key parser reads it from the record
 * emauth_dkim_key_record writes. @return 0, EMAUTH_EINVAL (the key cannot
 * be written as a record), EMAUTH_ENOMEM. */
static int
own_pubkey(const struct emauth_dkim_key *key, struct ea_dkim_pubkey *own)
{
	/* An RSA 8192 key (the largest loaded) takes about 1,450 bytes. */
	char rec[4096];
	int n = emauth_dkim_key_record(key, 0, rec, sizeof(rec));

	memset(own, 0, sizeof(*own));
	if (n < 0)
		return n == EMAUTH_ENOMEM ? n : EMAUTH_EINVAL;
	int rc = ea_dkim_pubkey_parse(ea_span(rec, (size_t)n), own, NULL);
	if (rc == 0 && own->error != EA_KEY_OK) {
		ea_dkim_pubkey_release(own);
		rc = EMAUTH_EINVAL;
	}
	return rc;
}

/* The tags of TXT record @rd (its strings joined into @txt, which the tags
 * point into), to show values and to read the record without its s=;
 * *@have says whether the record is a valid tag list.
 * @return 0 or EMAUTH_ENOMEM. */
static int
record_tags(struct emauth_span rd, struct ea_buf *txt, struct ea_tag_list *l,
    bool *have)
{
	int rc = ea_dns_txt_join(rd, txt);

	*have = false;
	if (rc == EMAUTH_ENOMEM)
		return rc;
	*have = rc == 0 && ea_tag_list_parse(ea_span(ea_buf_str(txt), txt->len),
	                       "key record", l, NULL) == 0;
	return 0;
}

/*
 * The key parser stops at an s= that excludes email, before t= and p=. To
 * tell the user whether p= would otherwise fit, the record's k=, h=, t= and
 * p= are put in a record of their own and read by the same parser.
 * @return 0 or EMAUTH_ENOMEM; @out is always filled.
 */
static int
without_service(const struct ea_tag_list *l, struct ea_dkim_pubkey *out)
{
	static const char *const keep[] = {"k", "h", "t", "p"};
	struct ea_buf b;
	int rc;

	/* The tags come from a record within the cap; "; " between them adds
	 * at most two bytes for each. */
	ea_buf_init(&b, EA_DKIM_KEY_RECORD_MAX + 16);
	for (size_t i = 0; i < EA_ARRAY_LEN(keep); i++) {
		const struct ea_tag *t = ea_tag_get(l, keep[i]);
		if (t == NULL)
			continue;
		ea_buf_printf(&b, "%s%s=", b.len ? "; " : "", keep[i]);
		ea_buf_add(&b, t->value.p, t->value.len);
	}
	if (b.err == EMAUTH_ENOMEM) {
		memset(out, 0, sizeof(*out));
		rc = EMAUTH_ENOMEM;
		goto out_release;
	}
	rc = ea_dkim_pubkey_parse(ea_span(ea_buf_str(&b), b.len), out, NULL);
out_release:
	ea_buf_release(&b);
	return rc;
}

/* The value of tag @name escaped for display, or "" when absent. */
static void
tag_value(bool have, const struct ea_tag_list *l, const char *name, char *out,
    size_t size)
{
	const struct ea_tag *t = have ? ea_tag_get(l, name) : NULL;

	if (t == NULL) {
		out[0] = '\0';
		return;
	}
	ea_escape(t->value, 48, out, size);
}

/* Judges the key @k read from the record against @own. */
static void
judge(struct emauth_dkim_testkey_result *out, const struct ea_dkim_pubkey *k,
    const struct ea_dkim_pubkey *own, bool *record_error)
{
	switch (k->error) {
	case EA_KEY_SYNTAX:
	case EA_KEY_VERSION:
	case EA_KEY_UNKNOWN_K:
		*record_error = true;
		note(out, "%s", k->why ? k->why : "key record syntax error");
		return;
	case EA_KEY_SERVICE:
		/* Only when the record without s= could not be read. */
		note(out, "p= not compared");
		return;
	case EA_KEY_REVOKED:
		out->problems |= EMAUTH_DKIM_TESTKEY_REVOKED;
		note(out, "the key is revoked (empty p=): every signature "
		          "made with this selector fails");
		return;
	case EA_KEY_OK:
	case EA_KEY_BAD_DATA:
	case EA_KEY_TOO_SHORT:
		break;
	}
	if (k->type != own->type) {
		out->problems |= EMAUTH_DKIM_TESTKEY_KEY_TYPE;
		note(out, "the record is k=%s, the private key is %s",
		    type_name(k->type), type_name(own->type));
	} else if (k->error == EA_KEY_BAD_DATA) {
		*record_error = true;
		note(out, "%s", k->why ? k->why : "p= is not a key");
	} else if (k->error == EA_KEY_TOO_SHORT) {
		out->problems |= EMAUTH_DKIM_TESTKEY_OTHER_KEY;
		note(out,
		    "p= holds another key, an RSA key of %u bits (under "
		    "1024: refused, RFC 8301)",
		    k->bits);
	} else if (EVP_PKEY_eq(k->pkey, own->pkey) != 1) {
		out->problems |= EMAUTH_DKIM_TESTKEY_OTHER_KEY;
		note(out,
		    "p= holds another key (%s, %u bits), not the public half "
		    "of this private key",
		    type_name(k->type), k->bits);
	}
}

int
emauth_dkim_testkey(struct emauth_ctx *ctx, const char *selector,
    const char *domain, const struct emauth_dkim_key *key,
    struct emauth_dkim_testkey_result *out)
{
	struct ea_dkim_pubkey own, pub, alt;
	struct ea_dns_budget budget;
	struct ea_dns_answer ans;
	struct ea_tag_list tags;
	struct ea_buf txt;
	char v[200];
	const struct ea_dkim_pubkey *k = &pub;
	size_t at;
	bool record_error = false, have_alt = false, have_tags, read_k;
	int rc;

	if (out == NULL)
		return EMAUTH_EINVAL;
	memset(out, 0, sizeof(*out));
	if (ctx == NULL || key == NULL || selector == NULL || domain == NULL ||
	    !selector[0] || !domain[0])
		return EMAUTH_EINVAL;
	ea_fmt(
	    out->name, sizeof(out->name), "%s._domainkey.%s", selector, domain);
	if (strlen(out->name) > EA_DNS_NAME_MAX)
		return EMAUTH_EINVAL;
	if ((rc = own_pubkey(key, &own)) != 0)
		return rc;
	ea_copy_str(out->key_type, sizeof(out->key_type), type_name(own.type));
	out->key_bits = emauth_dkim_key_bits(key);

	struct ea_resolver *r = ea_ctx_resolver(ctx);
	if (r == NULL) {
		out->status = EMAUTH_DKIM_TESTKEY_DNS_ERROR;
		note(out, "the DNS resolver could not start");
		goto out_release_own;
	}
	memset(&budget, 0, sizeof(budget));
	budget.max_queries = 2;
	ea_dns_budget_start(&budget, r);
	if ((rc = ea_dns_query(r, &budget, out->name, EA_DNS_T_TXT, &ans)) != 0)
		goto out_release_own;
	if (ans.canon[0] && strcasecmp(ans.canon, out->name) != 0)
		ea_fmt(out->target, sizeof(out->target), "%s", ans.canon);
	if (ans.status == EA_DNS_TEMPFAIL) {
		out->status = EMAUTH_DKIM_TESTKEY_DNS_ERROR;
		note(out, "DNS temporary failure looking up %s: %s", out->name,
		    ans.why ? ans.why : "failure");
		goto out_release_answer;
	}
	if (ans.status != EA_DNS_ANSWER || ans.n == 0) {
		out->status = EMAUTH_DKIM_TESTKEY_NO_RECORD;
		note(out, "no TXT record at %s (%s)", out->name,
		    ea_dns_status_name(ans.status));
		goto out_release_answer;
	}
	out->records = (unsigned)ans.n;
	if ((rc = ea_dkim_pubkey_pick(&ans, &pub, &at)) != 0)
		goto out_release_answer;
	ea_buf_init(&txt, EA_DKIM_KEY_RECORD_MAX);
	if ((rc = record_tags(ans.rr[at].rdata, &txt, &tags, &have_tags)) != 0)
		goto out_release_txt;
	if (pub.error == EA_KEY_SERVICE) {
		out->problems |= EMAUTH_DKIM_TESTKEY_SERVICE;
		tag_value(have_tags, &tags, "s", v, sizeof(v));
		note(out,
		    "s=%s does not allow email (RFC 6376 3.6.1: it must list "
		    "\"email\" or \"*\")",
		    v);
		if (have_tags) {
			if ((rc = without_service(&tags, &alt)) != 0)
				goto out_release_txt;
			have_alt = true;
			k = &alt;
		}
	}
	judge(out, k, &own, &record_error);
	read_k = k->error != EA_KEY_SYNTAX && k->error != EA_KEY_VERSION &&
	         k->error != EA_KEY_UNKNOWN_K;
	if (read_k) {
		ea_copy_str(out->record_type, sizeof(out->record_type),
		    type_name(k->type));
		out->record_bits = k->bits;
	}
	if (read_k && !k->sha256_ok) {
		/* RFC 8301 §3.1: "Signers MUST sign using rsa-sha256", and
		 * RFC 8463 signs with sha256 too: a key whose h= leaves sha256
		 * out verifies none of the signatures emauth makes. */
		out->problems |= EMAUTH_DKIM_TESTKEY_HASH;
		tag_value(have_tags, &tags, "h", v, sizeof(v));
		note(out,
		    "h=%s does not list sha256: rsa-sha256 and ed25519-sha256 "
		    "signatures fail",
		    v);
	}
	out->testing = k->testing;
	out->strict = k->strict;
	out->status = record_error    ? EMAUTH_DKIM_TESTKEY_RECORD_ERROR
	              : out->problems ? EMAUTH_DKIM_TESTKEY_MISMATCH
	                              : EMAUTH_DKIM_TESTKEY_MATCH;
	if (out->status == EMAUTH_DKIM_TESTKEY_MATCH)
		note(out,
		    "the record publishes this key's public half (k=%s, %u "
		    "bits)",
		    out->record_type, out->record_bits);
	if (out->status == EMAUTH_DKIM_TESTKEY_MATCH &&
	    own.type == EA_KEY_RSA && out->key_bits < 2048)
		note(out,
		    "an RSA key of %u bits: receivers such as Gmail "
		    "expect 2048 bits",
		    out->key_bits);
	if (k->testing)
		note(out, "t=y: the domain is testing DKIM, receivers may "
		          "treat failures as unsigned mail");
	if (k->strict)
		note(out,
		    "t=s: signatures whose i= is in a subdomain of %s fail",
		    domain);
	if (ans.n > 1)
		note(out,
		    "%zu TXT records at the selector: receivers may use any "
		    "(RFC 6376 3.6.2.2), record %zu checked",
		    ans.n, at + 1);
	if (have_alt)
		ea_dkim_pubkey_release(&alt);
out_release_txt:
	ea_buf_release(&txt);
	ea_dkim_pubkey_release(&pub);
out_release_answer:
	ea_dns_answer_release(&ans);
out_release_own:
	ea_dkim_pubkey_release(&own);
	return rc;
}
