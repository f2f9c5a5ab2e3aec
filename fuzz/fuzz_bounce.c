/*
 * fuzz_bounce.c: the bounce reader (emauth_bounce_parse(): the MIME walk,
 * the delivery-status fields, the mail systems' own texts, the
 * classification) and emauth_bounce_classify(). Invariants: a documented
 * status, with a message unless 0 and no result then; the kind agrees with
 * the recipients (not a bounce and feedback: none; a report: at least
 * one; an auto-reply: one), at most EMAUTH_BOUNCE_RCPTS_MAX; every string
 * NUL-terminated within its array, without control bytes; a reason of
 * Sisimai's vocabulary, hard 0 or 1, a status "" or class.subject.detail
 * (2, 4 or 5; one to three digits each), a reply code "" or three digits,
 * auth one of "", dmarc, dkim, spf, ptr; deterministic.
 */
#include "fuzz.h"

#include <emauth/bounce.h>

static const char *const reasons[] = {"authfailure", "badreputation", "blocked",
    "contenterror", "delivered", "exceedlimit", "expired", "filtered",
    "hasmoved", "hostunknown", "mailboxfull", "mailererror", "mesgtoobig",
    "networkerror", "norelaying", "notaccept", "notcompliantrfc", "onhold",
    "policyviolation", "rejected", "requireptr", "securityerror",
    "spamdetected", "speeding", "suspend", "syntaxerror", "systemerror",
    "systemfull", "toomanyconn", "undefined", "userunknown", "vacation",
    "virusdetected", NULL};

/* Whether the field @s of @size bytes is a C string of printable bytes
 * (UTF-8 bytes allowed). */
static void
check_str(const char *s, size_t size)
{
	const char *z = memchr(s, 0, size);
	FUZZ_ASSERT(z != NULL);
	for (const char *c = s; c < z; c++)
		FUZZ_ASSERT(
		    (unsigned char)*c >= 0x20 && (unsigned char)*c != 0x7f);
}

#define CHECK(o, f) check_str((o)->f, sizeof((o)->f))

static int
digits(const char *s, size_t min, size_t max, char stop)
{
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n >= min && n <= max && s[n] == stop ? (int)n : -1;
}

static void
check_status(const char *s)
{
	if (s[0] == '\0')
		return;
	FUZZ_ASSERT(s[0] == '2' || s[0] == '4' || s[0] == '5');
	FUZZ_ASSERT(s[1] == '.');
	int a = digits(s + 2, 1, 3, '.');
	FUZZ_ASSERT(a > 0);
	FUZZ_ASSERT(digits(s + 2 + a + 1, 1, 3, '\0') > 0);
}

static void
check_reason(const char *r)
{
	int found = 0;
	for (size_t i = 0; reasons[i]; i++)
		found |= strcmp(r, reasons[i]) == 0;
	FUZZ_ASSERT(found);
}

static void
check_auth(const char *a)
{
	FUZZ_ASSERT(a[0] == '\0' || strcmp(a, "dmarc") == 0 ||
	            strcmp(a, "dkim") == 0 || strcmp(a, "spf") == 0 ||
	            strcmp(a, "ptr") == 0);
}

static void
check(const struct emauth_bounce *b)
{
	FUZZ_ASSERT(emauth_bounce_kind_name(b->kind) != NULL);
	FUZZ_ASSERT(b->nrcpts <= EMAUTH_BOUNCE_RCPTS_MAX);
	switch (b->kind) {
	case EMAUTH_BOUNCE_NOT:
	case EMAUTH_BOUNCE_FEEDBACK:
		FUZZ_ASSERT(b->nrcpts == 0);
		break;
	case EMAUTH_BOUNCE_AUTOREPLY:
		FUZZ_ASSERT(b->nrcpts == 1);
		break;
	case EMAUTH_BOUNCE_DSN:
	case EMAUTH_BOUNCE_NONSTANDARD:
		FUZZ_ASSERT(b->nrcpts >= 1);
		break;
	default:
		FUZZ_ASSERT(0);
	}
	FUZZ_ASSERT(b->nrcpts == 0 || b->rcpts != NULL);
	CHECK(b, system);
	CHECK(b, reporting_mta);
	CHECK(b, original_message_id);
	CHECK(b, original_from);
	CHECK(b, original_to);
	CHECK(b, original_subject);
	CHECK(b, original_return_path);
	for (size_t i = 0; i < b->nrcpts; i++) {
		const struct emauth_bounce_rcpt *r = &b->rcpts[i];
		CHECK(r, recipient);
		CHECK(r, original_recipient);
		CHECK(r, action);
		CHECK(r, status);
		CHECK(r, reply_code);
		CHECK(r, diagnostic);
		CHECK(r, reason);
		CHECK(r, auth);
		CHECK(r, remote_mta);
		FUZZ_ASSERT(r->recipient[0] != '\0');
		FUZZ_ASSERT(r->hard == 0 || r->hard == 1);
		check_status(r->status);
		check_reason(r->reason);
		check_auth(r->auth);
		FUZZ_ASSERT(r->reply_code[0] == '\0' ||
		            digits(r->reply_code, 3, 3, '\0') == 3);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *p = fuzz_copy(data, size);
	struct emauth_bounce *a = NULL, *b = NULL;
	char err[256], err2[256];
	struct emauth_span s = {p, size};

	int rc = emauth_bounce_parse(s, &a, err, sizeof(err));
	FUZZ_ASSERT(rc == 0 || rc == EMAUTH_ESYNTAX || rc == EMAUTH_ELIMIT ||
	            rc == EMAUTH_ENOMEM);
	FUZZ_ASSERT(memchr(err, 0, sizeof(err)) != NULL);
	if (rc != 0) {
		FUZZ_ASSERT(a == NULL);
		FUZZ_ASSERT(err[0] != '\0');
	} else {
		FUZZ_ASSERT(a != NULL);
		check(a);
	}
	int rc2 = emauth_bounce_parse(s, &b, err2, sizeof(err2));
	FUZZ_ASSERT(rc2 == rc);
	FUZZ_ASSERT(strcmp(err, err2) == 0);
	if (rc == 0) {
		FUZZ_ASSERT(a->kind == b->kind && a->nrcpts == b->nrcpts);
		FUZZ_ASSERT(strcmp(a->system, b->system) == 0);
		FUZZ_ASSERT(
		    strcmp(a->original_subject, b->original_subject) == 0);
		for (size_t i = 0; i < a->nrcpts; i++)
			FUZZ_ASSERT(memcmp(&a->rcpts[i], &b->rcpts[i],
			                sizeof(a->rcpts[i])) == 0);
	}
	emauth_bounce_free(a);
	emauth_bounce_free(b);

	/* The classifier on the input's first bytes as a reply. */
	char text[512], reason[32], auth[8];
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	int hard = emauth_bounce_classify("", "", text, reason, auth);
	FUZZ_ASSERT(hard == 0 || hard == 1);
	FUZZ_ASSERT(memchr(reason, 0, sizeof(reason)) != NULL);
	check_reason(reason);
	check_auth(auth);
	free(p);
	return 0;
}
