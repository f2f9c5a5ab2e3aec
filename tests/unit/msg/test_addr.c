/*
 * test_addr.c: the From address parser, on the cases of the published
 * attack catalogues against DMARC implementations (address-parsing
 * ambiguities) and on ordinary and obsolete forms: every input with the
 * domains that must come out, or the error.
 */
#include "common/internal.h"

#include <string.h>

#include "common/span.h"
#include "harness/t.h"

#include <emauth/msg.h>

struct acase {
	const char *in;
	const char *want; /* "local@domain,..." or NULL for a syntax error */
};

static void
run(const struct acase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct emauth_address a[3];
		struct emauth_diag d;
		size_t got = 0;
		char buf[4096] = "";
		memset(&d, 0, sizeof(d));
		int rc =
		    emauth_msg_parse_from(ea_span_str(c[i].in), a, 3, &got, &d);
		for (size_t k = 0; rc == 0 && k < got; k++) {
			size_t l = strlen(buf);
			snprintf(buf + l, sizeof(buf) - l, "%s%s@%s",
			    k ? "," : "", a[k].local, a[k].domain);
		}
		if (c[i].want == NULL) {
			if (rc != EMAUTH_ESYNTAX)
				T_FAILF("%s: parsed as \"%s\" (rc %d), want an "
				        "error",
				    c[i].in, buf, rc);
			else if (d.msg == NULL)
				T_FAILF(
				    "%s: an error without a message", c[i].in);
		} else if (rc != 0 || strcmp(buf, c[i].want) != 0) {
			T_FAILF("%s: rc %d \"%s\" (%s), want \"%s\"", c[i].in,
			    rc, buf, d.msg ? d.msg : "", c[i].want);
		}
	}
}

static void
test_ordinary_forms(void)
{
	static const struct acase c[] = {
	    {"user@example.com", "user@example.com"},
	    {" User@Example.COM ", "User@example.com"},
	    {"<user@example.com>", "user@example.com"},
	    {"Jane Doe <jane@example.com>", "jane@example.com"},
	    {"\"Doe, Jane\" <jane@example.com>", "jane@example.com"},
	    {"jane@example.com (Jane Doe)", "jane@example.com"},
	    {"Jane (the (nested) comment) <jane@example.com>",
	        "jane@example.com"},
	    {"a@example.com, b@example.org", "a@example.com,b@example.org"},
	    {"Jane\r\n Doe <jane@example.com>", "jane@example.com"},
	    {"=?utf-8?q?Jos=C3=A9?= <jose@example.com>", "jose@example.com"},
	    {"\"first.last\"@example.com", "first.last@example.com"},
	    {"first.last@sub.example.com", "first.last@sub.example.com"},
	    {"J\xc3\xa9r\xc3\xb4me <j@ex\xc3\xa4mple.com>",
	        "j@ex\xc3\xa4mple.com"},
	};
	run(c, sizeof(c) / sizeof(c[0]));
}

static void
test_obsolete_forms(void)
{
	static const struct acase c[] = {
	    /* obs-phrase: a dot in a display name. */
	    {"John Q. Public <jqp@example.com>", "jqp@example.com"},
	    /* obs-local-part and CFWS around dots. */
	    {"john . q . public@example.com", "john.q.public@example.com"},
	    {"jqp@example . com", "jqp@example.com"},
	    /* obs-mbox-list: empty elements. */
	    {"a@example.com,,b@example.com", "a@example.com,b@example.com"},
	};
	run(c, sizeof(c) / sizeof(c[0]));
}

static void
test_attacks(void)
{
	static const struct acase c[] = {
	    /* A display name that looks like an address: quoted, it is
	     * only a name; the address is the one in brackets. */
	    {"\"ceo@bank.example\" <attacker@evil.example>",
	        "attacker@evil.example"},
	    /* Unquoted, it is not a phrase: refused, never guessed. */
	    {"ceo@bank.example <attacker@evil.example>", NULL},
	    {"attacker@evil.example <ceo@bank.example>", NULL},
	    /* A quoted local part holding "@": the domain is after the
	     * last, unquoted "@". */
	    {"\"ceo@bank.example\"@evil.example",
	        "ceo@bank.example@evil.example"},
	    /* Two addresses in brackets, brackets unbalanced. */
	    {"<a@bank.example> <b@evil.example>", NULL},
	    {"Jane <jane@bank.example", NULL},
	    {"Jane jane@bank.example>", NULL},
	    {"<<jane@bank.example>>", NULL},
	    /* A comment hiding an address; the address outside counts. */
	    {"(ceo@bank.example) attacker@evil.example",
	        "attacker@evil.example"},
	    /* Unterminated quotes and comments. */
	    {"\"Jane <jane@bank.example>", NULL},
	    {"Jane (comment <jane@bank.example>", NULL},
	    /* No domain, an empty domain, a literal. */
	    {"jane", NULL},
	    {"jane@", NULL},
	    {"@bank.example", NULL},
	    {"\"\"@bank.example", NULL},        /* empty quoted local part */
	    {"\"\\\x01a\"@bank.example", NULL}, /* quoted control byte */
	    {"jane@[192.0.2.1]", NULL},
	    {"jane@bank.example.", NULL},
	    /* Groups, and empty input. */
	    {"Undisclosed:;", NULL},
	    {"friends: a@bank.example;", NULL},
	    {"", NULL},
	    {"   ", NULL},
	    /* Bare line breaks (header injection). */
	    {"a@bank.example\r\nBcc: b@evil.example", NULL},
	    /* Encoded words are not decoded: the address stays the one in
	     * brackets. */
	    {"=?utf-8?q?ceo=40bank.example_=3Cceo=40bank.example=3E?= "
	     "<attacker@evil.example>",
	        "attacker@evil.example"},
	};
	run(c, sizeof(c) / sizeof(c[0]));
}

static void
test_limits(void)
{
	struct emauth_address a[2];
	size_t n;
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	T_EQ_INT(emauth_msg_parse_from(
	             ea_span_str("a@x.example, b@x.example, c@x.example"), a, 2,
	             &n, &d),
	    EMAUTH_ELIMIT);
	/* Deeply nested comments are refused. */
	T_EQ_INT(
	    emauth_msg_parse_from(
	        ea_span_str("((((((((((x))))))))) a@x.example"), a, 2, &n, &d),
	    EMAUTH_ESYNTAX);
	/* A local part over 255 bytes. */
	char big[400];
	memset(big, 'a', 300);
	strcpy(big + 300, "@x.example");
	T_EQ_INT(emauth_msg_parse_from(ea_span_str(big), a, 2, &n, &d),
	    EMAUTH_ESYNTAX);
}

int
main(void)
{
	T_RUN(test_ordinary_forms);
	T_RUN(test_obsolete_forms);
	T_RUN(test_attacks);
	T_RUN(test_limits);
	return t_summary();
}
