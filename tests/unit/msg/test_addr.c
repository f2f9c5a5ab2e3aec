/*
 * test_addr.c: the From address parser, on the cases of the published
 * attack catalogues against DMARC implementations (address-parsing
 * ambiguities) and on ordinary and obsolete forms: every input with the
 * domains that must come out, or the error.
 */
#include "common/internal.h"

#include <string.h>

#include "common/limits.h"
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

/* Each cap of the From parser at its value and one more: a field of
 * EA_FROM_MAX (16384) bytes is read, one more is ETOOBIG; comments nested
 * 8 deep are read, 9 are a syntax error; a local part and a domain of 255
 * bytes are read, 256 are a syntax error ("too long"); the caller's
 * @max addresses are read, one more is ELIMIT. Each error is a From
 * problem in the verdict (DMARC permerror, disposition reject). */
static void
test_limit_edges(void)
{
	struct emauth_address a[2];
	struct emauth_diag d;
	size_t n;
	static char in[EA_FROM_MAX + 2];
	for (size_t len = EA_FROM_MAX; len <= EA_FROM_MAX + 1; len++) {
		/* "a@x.example (ccc...c)" of exactly @len bytes. */
		size_t o = (size_t)snprintf(in, sizeof(in), "a@x.example (");
		memset(in + o, 'c', len - o - 1);
		in[len - 1] = ')';
		in[len] = '\0';
		memset(&d, 0, sizeof(d));
		int rc = emauth_msg_parse_from(ea_span(in, len), a, 2, &n, &d);
		T_EQ_INT(rc, len == EA_FROM_MAX ? 0 : EMAUTH_ETOOBIG);
		if (rc == 0)
			T_EQ_STR(a[0].domain, "x.example");
	}
	for (int depth = 8; depth <= 9; depth++) {
		int o = 0;
		for (int i = 0; i < depth; i++)
			in[o++] = '(';
		in[o++] = 'x';
		for (int i = 0; i < depth; i++)
			in[o++] = ')';
		snprintf(in + o, sizeof(in) - (size_t)o, " a@x.example");
		memset(&d, 0, sizeof(d));
		T_EQ_INT(emauth_msg_parse_from(ea_span_str(in), a, 2, &n, &d),
		    depth == 8 ? 0 : EMAUTH_ESYNTAX);
	}
	for (size_t len = 255; len <= 256; len++) {
		memset(in, 'l', len);
		snprintf(in + len, sizeof(in) - len, "@x.example");
		memset(&d, 0, sizeof(d));
		int rc = emauth_msg_parse_from(ea_span_str(in), a, 2, &n, &d);
		T_EQ_INT(rc, len == 255 ? 0 : EMAUTH_ESYNTAX);
		if (rc == 0)
			T_EQ_INT(strlen(a[0].local), 255);
		else
			T_TRUE(strstr(d.msg, "too long") != NULL);
		/* The domain: labels of 63 (a name over 253 is not one, which
		 * DMARC then says: EINVAL, a From problem). */
		int o = snprintf(in, sizeof(in), "a@");
		memset(in + o, 'd', len);
		for (size_t i = 63; i < len; i += 64)
			in[(size_t)o + i] = '.';
		in[(size_t)o + len] = '\0';
		memset(&d, 0, sizeof(d));
		rc = emauth_msg_parse_from(ea_span_str(in), a, 2, &n, &d);
		T_EQ_INT(rc, len == 255 ? 0 : EMAUTH_ESYNTAX);
		if (rc == 0)
			T_EQ_INT(strlen(a[0].domain), 255);
		else
			T_TRUE(strstr(d.msg, "too long") != NULL);
	}
	for (size_t max = 1; max <= 2; max++) {
		memset(&d, 0, sizeof(d));
		int rc = emauth_msg_parse_from(
		    ea_span_str("a@x.example, b@y.example"), a, max, &n, &d);
		T_EQ_INT(rc, max == 2 ? 0 : EMAUTH_ELIMIT);
	}
}

int
main(void)
{
	T_RUN(test_ordinary_forms);
	T_RUN(test_obsolete_forms);
	T_RUN(test_attacks);
	T_RUN(test_limits);
	T_RUN(test_limit_edges);
	return t_summary();
}
