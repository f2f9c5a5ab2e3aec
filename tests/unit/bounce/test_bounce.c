/*
 * test_bounce.c: the bounce reader (src/bounce/): the classification
 * table (status codes and reply words to reasons, hard or soft, the
 * authentication causes named), the delivery-status fields' edge cases,
 * the kinds, and the caps at their value and one more.
 */
#include "common/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounce/bounce.h"
#include "common/alloc.h"
#include "common/span.h"
#include "harness/t.h"

#include <emauth/bounce.h>

struct klass {
	const char *status, *reply, *text;
	const char *reason, *auth;
	int hard;
};

static void
test_classify_table(void)
{
	static const struct klass cases[] = {
	    {"5.1.1", "550", "550 5.1.1 <a@example.org>... User unknown",
	        "userunknown", "", 1},
	    {"5.1.2", "550", "550 5.1.2 Host unknown", "hostunknown", "", 1},
	    {"5.2.2", "552", "552 5.2.2 Mailbox full", "mailboxfull", "", 0},
	    {"", "", "User mailbox exceeds allowed size", "mailboxfull", "", 0},
	    {"4.4.7", "", "", "expired", "", 0},
	    {"5.1.6", "550", "550 5.1.6 recipient no longer on server",
	        "hasmoved", "", 1},
	    {"5.7.26", "550",
	        "550-5.7.26 Unauthenticated email from example.jp is not "
	        "accepted due to domain's DMARC policy",
	        "authfailure", "dmarc", 0},
	    {"5.7.1", "550", "550 5.7.1 SPF check failed for 192.0.2.1",
	        "authfailure", "spf", 0},
	    {"5.7.1", "550", "550 5.7.1 DKIM signature did not verify",
	        "authfailure", "dkim", 0},
	    {"5.7.25", "550",
	        "550 5.7.25 The IP address sending this message does not "
	        "have a PTR record setup",
	        "requireptr", "ptr", 0},
	    {"5.7.1", "554", "554 5.7.1 Reverse DNS lookup failed",
	        "requireptr", "ptr", 0},
	    {"5.7.1", "554",
	        "554 5.7.1 Service unavailable; client host "
	        "blocked using zen.spamhaus.org",
	        "blocked", "", 0},
	    {"5.7.1", "550", "550 5.7.1 message content rejected, UBE",
	        "spamdetected", "", 0},
	    {"5.7.27", "550", "550 Host does not accept mail", "notaccept", "",
	        1},
	    {"4.3.2", "452", "452 4.3.2 Connection rate limit exceeded",
	        "toomanyconn", "", 0},
	    {"5.7.1", "554", "554 5.7.1 <a@example.org>: Relay access denied",
	        "norelaying", "", 0},
	    {"5.3.4", "552", "552 5.3.4 Message too big", "mesgtoobig", "", 0},
	    {"5.6.0", "550", "", "contenterror", "", 0},
	    {"5.7.9", "554",
	        "554 5.7.9 Message not accepted for policy "
	        "reasons",
	        "policyviolation", "", 0},
	    {"2.1.5", "250", "250 2.1.5 Ok", "delivered", "", 0},
	    {"5.0.0", "550", "550 Mailbox is frozen", "suspend", "", 0},
	    {"", "", "", "undefined", "", 0},
	    {"", "", "something happened", "onhold", "", 0},
	};
	for (size_t i = 0; i < EA_ARRAY_LEN(cases); i++) {
		char reason[32], auth[8];
		int hard = emauth_bounce_classify(cases[i].status,
		    cases[i].reply, cases[i].text, reason, auth);
		if (strcmp(reason, cases[i].reason) != 0 ||
		    strcmp(auth, cases[i].auth) != 0 || hard != cases[i].hard)
			T_FAILF("case %zu (%s \"%s\"): %s/%s/%d, want %s/%s/%d",
			    i, cases[i].status, cases[i].text, reason, auth,
			    hard, cases[i].reason, cases[i].auth,
			    cases[i].hard);
	}
}

/* The status codes found in texts, and the reply codes. */
static void
test_find_codes(void)
{
	char st[16], rp[4];
	ea_bounce_find_status("550-5.7.26 Unauthenticated", st, 2);
	T_EQ_STR(st, "5.7.26");
	ea_bounce_find_status("host 192.0.2.250 said 5.1.1", st, 0);
	T_EQ_STR(st, "5.1.1");
	ea_bounce_find_status("deferred - 4.16.55.1; see", st, 0);
	T_EQ_STR(st, "");
	ea_bounce_find_status("(#5.1.2)", st, 0);
	T_EQ_STR(st, "5.1.2");
	ea_bounce_find_status("554 5.6.0 spam", st, 2);
	T_EQ_STR(st, "");
	ea_bounce_find_status("554 5.6.0 spam", st, 1);
	T_EQ_STR(st, "5.6.0");
	ea_bounce_find_status("v5.2.1 build", st, 0);
	T_EQ_STR(st, "");
	ea_bounce_find_reply("host mx[203.0.113.2] said: 550 5.1.1", rp);
	T_EQ_STR(rp, "550");
	ea_bounce_find_reply("mailer error 2550x", rp);
	T_EQ_STR(rp, "");
	T_TRUE(ea_bounce_status_ok("5.7.509"));
	T_TRUE(!ea_bounce_status_ok("5.7.5090"));
	T_TRUE(!ea_bounce_status_ok("3.1.1"));
	T_TRUE(!ea_bounce_status_ok("5.1"));
}

static struct emauth_bounce *
parse_ok(const char *msg)
{
	struct emauth_bounce *b = NULL;
	char err[256];
	int rc = emauth_bounce_parse(ea_span_str(msg), &b, err, sizeof(err));
	if (rc != 0)
		T_FAILF("parse: %d %s", rc, err);
	return b;
}

#define DSN_HEAD                                                               \
	"From: MAILER-DAEMON@example.net\r\n"                                  \
	"To: sender@example.org\r\n"                                           \
	"Subject: Undelivered Mail\r\n"                                        \
	"Content-Type: multipart/report; report-type=delivery-status;\r\n"     \
	" boundary=\"B\"\r\n"                                                  \
	"\r\n"                                                                 \
	"--B\r\n"                                                              \
	"Content-Type: text/plain\r\n"                                         \
	"\r\n"                                                                 \
	"Failed.\r\n"                                                          \
	"--B\r\n"                                                              \
	"Content-Type: message/delivery-status\r\n"                            \
	"\r\n"                                                                 \
	"Reporting-MTA: dns; mx.example.net\r\n"                               \
	"Arrival-Date: Thu, 29 Apr 2021 23:34:45 +0000\r\n"                    \
	"\r\n"

#define DSN_TAIL                                                               \
	"\r\n--B\r\n"                                                          \
	"Content-Type: text/rfc822-headers\r\n"                                \
	"\r\n"                                                                 \
	"From: sender@example.org\r\n"                                         \
	"To: user@example.com\r\n"                                             \
	"Subject: Hello\r\n"                                                   \
	"Message-ID: <m1@example.org>\r\n"                                     \
	"\r\n"                                                                 \
	"--B--\r\n"

static void
test_dsn_fields(void)
{
	struct emauth_bounce *b = parse_ok(DSN_HEAD
	    "Final-Recipient: rfc822; <user@example.com>\r\n"
	    "Original-Recipient: rfc822;alias@example.com\r\n"
	    "Action: Failed\r\n"
	    "Status: 5.1.1 (bad destination mailbox)\r\n"
	    "Remote-MTA: dns; mx.example.com\r\n"
	    "Diagnostic-Code: smtp; 550-5.1.1 The account does not\r\n"
	    " 550 5.1.1 exist here\r\n"
	    "Last-Attempt-Date: Thu, 29 Apr 2021 23:34:46 +0000\r\n" DSN_TAIL);
	if (b == NULL)
		return;
	T_EQ_INT(b->kind, EMAUTH_BOUNCE_DSN);
	T_EQ_INT(b->nrcpts, 1);
	T_EQ_STR(b->reporting_mta, "mx.example.net");
	T_EQ_INT(b->arrival, 1619739285);
	T_EQ_STR(b->original_message_id, "<m1@example.org>");
	T_EQ_STR(b->original_subject, "Hello");
	T_EQ_STR(b->original_to, "user@example.com");
	const struct emauth_bounce_rcpt *r = &b->rcpts[0];
	T_EQ_STR(r->recipient, "user@example.com");
	T_EQ_STR(r->original_recipient, "alias@example.com");
	T_EQ_STR(r->action, "failed");
	T_EQ_STR(r->status, "5.1.1");
	T_EQ_STR(r->reply_code, "550");
	T_EQ_STR(r->remote_mta, "mx.example.com");
	T_EQ_STR(r->diagnostic, "550-5.1.1 The account does not exist here");
	T_EQ_STR(r->reason, "userunknown");
	T_EQ_INT(r->hard, 1);
	T_EQ_INT(r->last_attempt, 1619739286);
	emauth_bounce_free(b);
}

/* Two recipients in one group (no empty line between them), and a
 * Diagnostic-Code without a type. */
static void
test_dsn_sloppy(void)
{
	struct emauth_bounce *b =
	    parse_ok(DSN_HEAD "Final-Recipient: rfc822; a@example.com\r\n"
	                      "Action: failed\r\n"
	                      "Status: 5.2.2\r\n"
	                      "Diagnostic-Code: 552 mailbox full\r\n"
	                      "Final-Recipient: rfc822; b@example.com\r\n"
	                      "Action: delayed\r\n"
	                      "Status: 4.4.7\r\n" DSN_TAIL);
	if (b == NULL)
		return;
	T_EQ_INT(b->nrcpts, 2);
	if (b->nrcpts == 2) {
		T_EQ_STR(b->rcpts[0].recipient, "a@example.com");
		T_EQ_STR(b->rcpts[0].reason, "mailboxfull");
		T_EQ_STR(b->rcpts[0].reply_code, "552");
		T_EQ_STR(b->rcpts[1].recipient, "b@example.com");
		T_EQ_STR(b->rcpts[1].reason, "expired");
		T_EQ_STR(b->rcpts[1].action, "delayed");
	}
	emauth_bounce_free(b);
}

/* No status anywhere: Sisimai's inferred code, class 5 or 4. */
static void
test_pseudo_status(void)
{
	struct emauth_bounce *b = parse_ok(
	    DSN_HEAD "Final-Recipient: rfc822; a@example.com\r\n"
	             "Action: failed\r\n"
	             "Diagnostic-Code: smtp; User unknown\r\n" DSN_TAIL);
	if (b == NULL)
		return;
	T_EQ_INT(b->nrcpts, 1);
	if (b->nrcpts == 1) {
		T_EQ_STR(b->rcpts[0].status, "5.0.910");
		T_EQ_STR(b->rcpts[0].reason, "filtered");
	}
	emauth_bounce_free(b);
}

/* A diagnostic longer than its array ends in "..."; an address longer
 * than its array is not given. */
static void
test_long_values(void)
{
	size_t n = 4096;
	char *long_text = malloc(n + 1), *msg = malloc(2 * n + 4096);
	char *addr = malloc(600);
	if (!long_text || !msg || !addr)
		goto out;
	memset(long_text, 'x', n);
	long_text[n] = '\0';
	memset(addr, 'a', 400);
	memcpy(addr + 400, "@example.com", 13);
	snprintf(msg, 2 * n + 4096,
	    DSN_HEAD "Final-Recipient: rfc822; a@example.com\r\n"
	             "Status: 5.0.0\r\n"
	             "Diagnostic-Code: smtp; 550 %s\r\n"
	             "\r\n"
	             "Final-Recipient: rfc822; %s\r\n"
	             "Status: 5.0.0\r\n" DSN_TAIL,
	    long_text, addr);
	struct emauth_bounce *b = parse_ok(msg);
	if (b != NULL) {
		T_EQ_INT(b->nrcpts, 1);
		size_t l = strlen(b->rcpts[0].diagnostic);
		T_EQ_INT(l, 1023);
		T_TRUE(strcmp(b->rcpts[0].diagnostic + l - 3, "...") == 0);
		emauth_bounce_free(b);
	}
out:
	free(long_text);
	free(msg);
	free(addr);
}

/* A bounce of @n recipients. */
static char *
many(size_t n)
{
	size_t cap = n * 64 + 4096;
	char *m = malloc(cap), *p;
	if (m == NULL)
		return NULL;
	p = m + snprintf(m, cap, "%s", DSN_HEAD);
	for (size_t i = 0; i < n; i++)
		p += snprintf(p, cap - (size_t)(p - m),
		    "Final-Recipient: rfc822; u%zu@example.com\r\n"
		    "Status: 5.1.1\r\n\r\n",
		    i);
	snprintf(p, cap - (size_t)(p - m), "%s", DSN_TAIL);
	return m;
}

static void
test_rcpts_cap(void)
{
	char *m = many(EMAUTH_BOUNCE_RCPTS_MAX);
	struct emauth_bounce *b = NULL;
	char err[256];
	if (m == NULL)
		return;
	int rc = emauth_bounce_parse(ea_span_str(m), &b, err, sizeof(err));
	T_EQ_INT(rc, 0);
	if (b != NULL) {
		T_EQ_INT(b->nrcpts, EMAUTH_BOUNCE_RCPTS_MAX);
		emauth_bounce_free(b);
	}
	free(m);
	m = many(EMAUTH_BOUNCE_RCPTS_MAX + 1);
	if (m == NULL)
		return;
	b = NULL;
	rc = emauth_bounce_parse(ea_span_str(m), &b, err, sizeof(err));
	T_EQ_INT(rc, EMAUTH_ELIMIT);
	T_TRUE(b == NULL);
	T_TRUE(err[0] != '\0');
	free(m);
}

static void
test_kinds(void)
{
	struct emauth_bounce *b;
	char err[256];

	b = parse_ok("From: a@example.org\r\nTo: b@example.org\r\n"
	             "Subject: lunch\r\n\r\nSee you at noon.\r\n");
	if (b != NULL) {
		T_EQ_INT(b->kind, EMAUTH_BOUNCE_NOT);
		T_EQ_INT(b->nrcpts, 0);
		emauth_bounce_free(b);
	}
	b = parse_ok("From: Away <away@example.org>\r\nTo: b@example.org\r\n"
	             "Auto-Submitted: auto-replied\r\n"
	             "Subject: Out of office\r\n\r\nBack on Monday.\r\n");
	if (b != NULL) {
		T_EQ_INT(b->kind, EMAUTH_BOUNCE_AUTOREPLY);
		T_EQ_INT(b->nrcpts, 1);
		if (b->nrcpts == 1) {
			T_EQ_STR(b->rcpts[0].recipient, "away@example.org");
			T_EQ_STR(b->rcpts[0].reason, "vacation");
			T_EQ_STR(b->rcpts[0].status, "");
		}
		emauth_bounce_free(b);
	}
	b = parse_ok("From: abuse@example.net\r\n"
	             "Content-Type: multipart/report; "
	             "report-type=feedback-report; boundary=X\r\n\r\n"
	             "--X\r\nContent-Type: text/plain\r\n\r\nabuse\r\n"
	             "--X\r\nContent-Type: message/feedback-report\r\n\r\n"
	             "Feedback-Type: abuse\r\n--X--\r\n");
	if (b != NULL) {
		T_EQ_INT(b->kind, EMAUTH_BOUNCE_FEEDBACK);
		T_EQ_INT(b->nrcpts, 0);
		emauth_bounce_free(b);
	}
	/* qmail's own text. */
	b = parse_ok("From: MAILER-DAEMON@mx.example.net\r\n"
	             "Subject: failure notice\r\n\r\n"
	             "Hi. This is the qmail-send program at mx.example.net.\r\n"
	             "I'm afraid I wasn't able to deliver your message.\r\n\r\n"
	             "<user@example.com>:\r\n"
	             "192.0.2.1 does not like recipient.\r\n"
	             "Remote host said: 550 5.1.1 <user@example.com>... User "
	             "unknown\r\nGiving up on 192.0.2.1.\r\n\r\n"
	             "--- Below this line is a copy of the message.\r\n\r\n"
	             "From: sender@example.org\r\nSubject: Hi\r\n\r\nbody\r\n");
	if (b != NULL) {
		T_EQ_INT(b->kind, EMAUTH_BOUNCE_NONSTANDARD);
		T_EQ_STR(b->system, "qmail");
		T_EQ_STR(b->original_subject, "Hi");
		T_EQ_INT(b->nrcpts, 1);
		if (b->nrcpts == 1) {
			T_EQ_STR(b->rcpts[0].recipient, "user@example.com");
			T_EQ_STR(b->rcpts[0].status, "5.1.1");
			T_EQ_STR(b->rcpts[0].reply_code, "550");
			T_EQ_STR(b->rcpts[0].reason, "userunknown");
		}
		emauth_bounce_free(b);
	}
	/* Not a message. */
	b = NULL;
	T_EQ_INT(emauth_bounce_parse(ea_span_str(""), &b, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_TRUE(b == NULL);
	T_EQ_STR(emauth_bounce_kind_name(EMAUTH_BOUNCE_DSN), "dsn");
	T_EQ_STR(emauth_bounce_kind_name(EMAUTH_BOUNCE_NOT), "not");
	T_EQ_STR(
	    emauth_bounce_kind_name(EMAUTH_BOUNCE_NONSTANDARD), "nonstandard");
	emauth_bounce_free(NULL);
}

static void
test_date(void)
{
	int64_t t = 0;
	T_TRUE(ea_bounce_date("Thu, 29 Apr 2021 23:34:45 +0900", &t));
	T_EQ_INT(t, 1619706885);
	T_TRUE(ea_bounce_date("29 Apr 2021 23:34 GMT", &t));
	T_EQ_INT(t, 1619739240);
	T_TRUE(!ea_bounce_date("yesterday", &t));
	T_TRUE(!ea_bounce_date("31 Feb 2021 00:00:00 +0000", &t));
}

/* Each allocation in turn fails: ENOMEM and nothing given, or success;
 * never a crash or a leak (under ASan). */
static void
test_oom(void)
{
	static const char *const msgs[] = {DSN_HEAD
	    "Final-Recipient: rfc822; a@example.com\r\n"
	    "Status: 5.1.1\r\n"
	    "Diagnostic-Code: smtp; 550 5.1.1 unknown\r\n" DSN_TAIL,
	    "From: MAILER-DAEMON@mx.example.net\r\n"
	    "Subject: failure notice\r\n\r\n"
	    "Hi. This is the qmail-send program at mx.example.net.\r\n\r\n"
	    "<user@example.com>:\r\nRemote host said: 550 5.1.1 unknown\r\n"
	    "\r\n--- Below this line is a copy of the message.\r\n\r\n"
	    "From: s@example.org\r\n\r\nbody\r\n"};
	for (size_t m = 0; m < EA_ARRAY_LEN(msgs); m++) {
		int done = 0;
		for (size_t n = 1; n < 500 && !done; n++) {
			struct emauth_bounce *b = NULL;
			char err[256];
			ea_alloc_fail_at(n, true);
			int rc = emauth_bounce_parse(
			    ea_span_str(msgs[m]), &b, err, sizeof(err));
			size_t made = ea_alloc_fail_at(0, false);
			if (rc == 0) {
				/* No failure is swallowed: success only
				 * when none was injected. */
				T_TRUE(b != NULL && b->nrcpts == 1);
				T_TRUE(made < n);
				done = 1;
			} else {
				T_EQ_INT(rc, EMAUTH_ENOMEM);
				T_TRUE(b == NULL);
			}
			emauth_bounce_free(b);
		}
		T_TRUE(done);
	}
}

int
main(void)
{
	T_RUN(test_oom);
	T_RUN(test_classify_table);
	T_RUN(test_find_codes);
	T_RUN(test_dsn_fields);
	T_RUN(test_dsn_sloppy);
	T_RUN(test_pseudo_status);
	T_RUN(test_long_values);
	T_RUN(test_rcpts_cap);
	T_RUN(test_kinds);
	T_RUN(test_date);
	return t_summary();
}
