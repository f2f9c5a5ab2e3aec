/*
 * test_received.c: the trace field readers. Received fields as Postfix,
 * Sendmail, Exim, qmail, Gmail, Microsoft, Courier, OpenSMTPD and Dovecot
 * write them (client address, HELO name, reverse DNS name, receiving
 * host), hostile ones (unbalanced, nested, ambiguous, oversized, binary),
 * and Return-Path values.
 */
#include "common/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/span.h"
#include "harness/t.h"

#include <emauth/msg.h>

struct rcase {
	const char *name;
	const char *in;
	int rc;
	const char *ip, *helo, *rdns, *by;
};

static void
run(const struct rcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct emauth_received r;
		struct emauth_diag d;
		memset(&d, 0, sizeof(d));
		int rc =
		    emauth_msg_parse_received(ea_span_str(c[i].in), &r, &d);
		if (rc != c[i].rc) {
			T_FAILF("%s: rc %d (%s), want %d", c[i].name, rc,
			    d.msg ? d.msg : "", c[i].rc);
			continue;
		}
		if (rc == EMAUTH_ESYNTAX || rc == EMAUTH_ETOOBIG) {
			if (d.msg == NULL || d.code != rc)
				T_FAILF("%s: an error without a diagnostic",
				    c[i].name);
			continue;
		}
		const char *got[] = {r.ip, r.helo, r.rdns, r.by};
		const char *want[] = {c[i].ip, c[i].helo, c[i].rdns, c[i].by};
		const char *what[] = {"ip", "helo", "rdns", "by"};
		for (size_t k = 0; k < 4; k++)
			if (strcmp(got[k], want[k]) != 0)
				T_FAILF("%s: %s \"%s\", want \"%s\"", c[i].name,
				    what[k], got[k], want[k]);
	}
}

static void
test_postfix(void)
{
	static const struct rcase c[] = {
	    {"plain",
	        "from mail.example.com (mail.example.com [192.0.2.1])\r\n"
	        "\tby mx.example.org (Postfix) with ESMTPS id 4XyZ1b2c3d\r\n"
	        "\tfor <user@example.org>; Mon, 1 Jan 2024 10:00:00 +0000 "
	        "(UTC)",
	        0, "192.0.2.1", "mail.example.com", "mail.example.com",
	        "mx.example.org"},
	    {"no-rdns",
	        "from helo.example.net (unknown [198.51.100.7]) by "
	        "mx.example.org (Postfix) with ESMTP id ABC; Mon, 1 Jan 2024 "
	        "10:00:00 +0000",
	        0, "198.51.100.7", "helo.example.net", "", "mx.example.org"},
	    {"ipv6",
	        "from mail.example.com (mail.example.com "
	        "[IPv6:2001:DB8:0:0::25])\r\n\tby mx.example.org (Postfix) "
	        "with ESMTPS id 1; Mon, 1 Jan 2024 10:00:00 +0000",
	        0, "2001:db8::25", "mail.example.com", "mail.example.com",
	        "mx.example.org"},
	    {"tls-comments",
	        "from mail.example.com (mail.example.com [192.0.2.1])\r\n"
	        "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 "
	        "(256/256 bits)\r\n\t key-exchange X25519 server-signature "
	        "RSA-PSS (2048 bits) server-digest SHA256)\r\n\t(No client "
	        "certificate requested)\r\n\tby mx.example.org (Postfix) with "
	        "ESMTPS id 4Xab; Tue, 2 Jan 2024 08:00:00 +0100 (CET)",
	        0, "192.0.2.1", "mail.example.com", "mail.example.com",
	        "mx.example.org"},
	    {"authenticated",
	        "from [192.168.1.20] (dsl-7.example.net [203.0.113.77])\r\n"
	        "\t(Authenticated sender: user@example.com)\r\n\tby "
	        "smtp.example.com (Postfix) with ESMTPSA id 9; Wed, 3 Jan "
	        "2024 12:00:00 +0000",
	        0, "203.0.113.77", "[192.168.1.20]", "dsl-7.example.net",
	        "smtp.example.com"},
	    {"localhost",
	        "from localhost (localhost [127.0.0.1]) by mx.example.org "
	        "(Postfix) with ESMTP id 5; Mon, 1 Jan 2024 10:00:01 +0000",
	        0, "127.0.0.1", "localhost", "localhost", "mx.example.org"},
	    {"local-pickup",
	        "by mail.example.com (Postfix, from userid 1000)\r\n\tid "
	        "3F2A1B; Mon, 1 Jan 2024 10:00:00 +0000 (UTC)",
	        EMAUTH_ENOTFOUND, "", "", "", "mail.example.com"},
	    {"upper-case",
	        "FROM Mail.Example.COM (mail.example.com [192.0.2.1]) BY "
	        "MX.Example.ORG; Mon, 1 Jan 2024 10:00:00 +0000",
	        0, "192.0.2.1", "Mail.Example.COM", "mail.example.com",
	        "MX.Example.ORG"},
	};
	run(c, EA_ARRAY_LEN(c));
}

static void
test_sendmail(void)
{
	static const struct rcase c[] = {
	    {"may-be-forged",
	        "from helo.example.net (rdns.example.net [192.0.2.9] (may "
	        "be forged))\r\n\tby mx.example.org (8.15.2/8.15.2) with "
	        "ESMTP id 0123456789; Mon, 1 Jan 2024 10:00:00 GMT",
	        0, "192.0.2.9", "helo.example.net", "rdns.example.net",
	        "mx.example.org"},
	    {"ident",
	        "from localhost.localdomain (root@localhost [127.0.0.1])\r\n"
	        "\tby host.example.org (8.14.7/8.14.7) with ESMTP id "
	        "v8C5U2fA002539; Tue, 12 Sep 2017 10:30:02 +0500",
	        0, "127.0.0.1", "localhost.localdomain", "localhost",
	        "host.example.org"},
	    {"no-rdns",
	        "from helo.example.net ([192.0.2.10]) by mx.example.org "
	        "(8.17.1/8.17.1) with ESMTP id x; Mon, 1 Jan 2024 10:00:00 "
	        "GMT",
	        0, "192.0.2.10", "helo.example.net", "", "mx.example.org"},
	    {"ipv6-authenticated",
	        "from laptop.example.net (laptop.example.net "
	        "[IPv6:2001:db8:1::5])\r\n\t(authenticated bits=0)\r\n\tby "
	        "smtp.example.org (8.17.1/8.17.1) with ESMTPSA id y; Mon, 1 "
	        "Jan 2024 10:00:00 GMT",
	        0, "2001:db8:1::5", "laptop.example.net", "laptop.example.net",
	        "smtp.example.org"},
	    {"local-submission",
	        "(from root@localhost)\r\n\tby shell.example.org "
	        "(8.14.4/8.14.4/Submit) id v3JBZmt103031; Wed, 19 Apr 2017 "
	        "07:35:48 -0400",
	        EMAUTH_ENOTFOUND, "", "", "", "shell.example.org"},
	};
	run(c, EA_ARRAY_LEN(c));
}

static void
test_exim(void)
{
	static const struct rcase c[] = {
	    {"helo-differs",
	        "from mail.example.com ([192.0.2.1] helo=smtp.example.com)\r\n"
	        "\tby mx.example.org with esmtps  (TLS1.3) tls "
	        "TLS_AES_256_GCM_SHA384\r\n\t(Exim 4.96)\r\n\t(envelope-from "
	        "<a@example.com>)\r\n\tid 1rAbCd-000123-4E\r\n\tfor "
	        "b@example.org; Mon, 01 Jan 2024 10:00:00 +0000",
	        0, "192.0.2.1", "smtp.example.com", "mail.example.com",
	        "mx.example.org"},
	    {"helo-same-port",
	        "from mail.example.com ([192.0.2.1]:54321)\r\n\tby "
	        "mx.example.org with esmtp (Exim 4.94.2)\r\n\t(envelope-from "
	        "<a@example.com>) id 1; Mon, 01 Jan 2024 10:00:00 +0000",
	        0, "192.0.2.1", "mail.example.com", "mail.example.com",
	        "mx.example.org"},
	    {"no-rdns",
	        "from [192.0.2.44] (port=40022 helo=client.example.net)\r\n"
	        "\tby mx.example.org with esmtp (Exim 4.96) id 1rX; Mon, 01 "
	        "Jan 2024 10:00:00 +0000",
	        0, "192.0.2.44", "client.example.net", "", "mx.example.org"},
	    {"no-rdns-no-helo",
	        "from [192.0.2.45] by mx.example.org with esmtp (Exim 4.96) "
	        "id 1rY; Mon, 01 Jan 2024 10:00:00 +0000",
	        0, "192.0.2.45", "[192.0.2.45]", "", "mx.example.org"},
	    {"ipv6",
	        "from host.example.net ([2001:db8::1]:1234 "
	        "helo=x.example.net)\r\n\tby mx.example.org with esmtps "
	        "(Exim 4.96) id 1; Mon, 01 Jan 2024 10:00:00 +0000",
	        0, "2001:db8::1", "x.example.net", "host.example.net",
	        "mx.example.org"},
	    {"local",
	        "from exim by alarmpi with local (Exim 4.86)\r\n\tid "
	        "1Zg3sl-0001mg-Ny\r\n\tfor archpi@alarmpi; Sun, 27 Sep 2015 "
	        "06:48:15 +0200",
	        EMAUTH_ENOTFOUND, "", "exim", "", "alarmpi"},
	};
	run(c, EA_ARRAY_LEN(c));
}

static void
test_others(void)
{
	static const struct rcase c[] = {
	    {"gmail",
	        "from mail-sor-f41.google.com (mail-sor-f41.google.com. "
	        "[209.85.220.41])\r\n        by mx.google.com with SMTPS id "
	        "a1sor123.2019.12.31.23.59.59\r\n        for "
	        "<user@gmail.com>\r\n        (Google Transport Security);\r\n"
	        "        Tue, 31 Dec 2019 23:59:59 -0800 (PST)",
	        0, "209.85.220.41", "mail-sor-f41.google.com",
	        "mail-sor-f41.google.com", "mx.google.com"},
	    {"gmail-ipv6",
	        "from mail.example.com (mail.example.com. [2001:db8::25])\r\n"
	        "        by mx.google.com with ESMTPS id x\r\n        for "
	        "<user@gmail.com>\r\n        (version=TLS1_3 "
	        "cipher=TLS_AES_256_GCM_SHA384 bits=256/256);\r\n        Mon, "
	        "01 Jan 2024 02:00:00 -0800 (PST)",
	        0, "2001:db8::25", "mail.example.com", "mail.example.com",
	        "mx.google.com"},
	    {"gmail-internal",
	        "by 2002:a05:6a10:a0d4:0:0:0:0 with SMTP id "
	        "z20csp1234pxa;\r\n        Mon, 1 Jan 2024 02:00:01 -0800 "
	        "(PST)",
	        EMAUTH_ENOTFOUND, "", "", "", "2002:a05:6a10:a0d4:0:0:0:0"},
	    {"qmail",
	        "from unknown (HELO p3plibsmtp01-01.prod.phx3.secureserver."
	        "net) ([72.167.238.33])\r\n          (envelope-sender "
	        "<srs0=0y0/=sc=example.com=me@bounce.secureserver.net>)\r\n"
	        "          by p3plsmtp01-04.prod.phx3.secureserver.net "
	        "(qmail-1.03) with SMTP\r\n          for <person@example.com>; "
	        "31 Mar 2019 00:01:28 -0000",
	        0, "72.167.238.33",
	        "p3plibsmtp01-01.prod.phx3.secureserver.net", "",
	        "p3plsmtp01-04.prod.phx3.secureserver.net"},
	    {"qmail-bare",
	        "from mail.example.com (HELO smtp.example.com) (192.0.2.7)\r\n"
	        "  by mx.example.org with SMTP; 1 Jan 2024 10:00:00 -0000",
	        0, "192.0.2.7", "smtp.example.com", "mail.example.com",
	        "mx.example.org"},
	    {"qmail-invoked",
	        "(qmail 80391 invoked from network); 31 Mar 2019 00:01:28 "
	        "-0000",
	        EMAUTH_ENOTFOUND, "", "", "", ""},
	    {"microsoft",
	        "from EUR05-DB8-obe.outbound.protection.outlook.com "
	        "(mail-db8eur05on2091.outbound.protection.outlook.com "
	        "[40.107.20.91])\r\n by mx.example.org (Postfix) with ESMTPS; "
	        "Mon, 1 Jan 2024 10:00:00 +0000",
	        0, "40.107.20.91",
	        "EUR05-DB8-obe.outbound.protection.outlook.com",
	        "mail-db8eur05on2091.outbound.protection.outlook.com",
	        "mx.example.org"},
	    {"microsoft-internal",
	        "from AM6PR04MB1234.eurprd04.prod.outlook.com "
	        "(2603:10a6:20b:d0::14) by AM0PR04MB5678.eurprd04.prod."
	        "outlook.com (2603:10a6:208:1::2) with Microsoft SMTP Server "
	        "(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_"
	        "SHA384) id 15.20.7228.29; Mon, 1 Jan 2024 10:00:00 +0000",
	        0, "2603:10a6:20b:d0::14",
	        "AM6PR04MB1234.eurprd04.prod.outlook.com", "",
	        "AM0PR04MB5678.eurprd04.prod.outlook.com"},
	    {"courier-mapped",
	        "from mail.example.com (mail.example.com "
	        "[::ffff:192.0.2.1])\r\n"
	        "  (AUTH: LOGIN user, TLS: TLSv1.2,256bits,ECDHE-RSA-AES256-"
	        "GCM-SHA384)\r\n  by mx.example.org with ESMTPSA; Mon, 01 Jan "
	        "2024 10:00:00 +0000\r\n  id 0000ABCD.65920000.00001234",
	        0, "192.0.2.1", "mail.example.com", "mail.example.com",
	        "mx.example.org"},
	    {"opensmtpd",
	        "from db5.example.com (db5.example.com [127.0.0.1])\r\n\tby "
	        "db5.example.com (OpenSMTPD) with ESMTP id e92f6af7\r\n\tfor "
	        "<kevin@example.com>;\r\n\tThu, 23 Aug 2018 00:08:16 +0000 "
	        "(UTC)",
	        0, "127.0.0.1", "db5.example.com", "db5.example.com",
	        "db5.example.com"},
	    {"dovecot-lmtp",
	        "from mx.example.org\r\n\tby mx.example.org with LMTP\r\n\tid "
	        "8GpSEfH6fVuyJQAA0tYsBQ\r\n\t(envelope-from "
	        "<a@example.com>)\r\n\tfor <b@example.org>; Mon, 01 Jan 2024 "
	        "10:00:02 +0000",
	        EMAUTH_ENOTFOUND, "", "mx.example.org", "", "mx.example.org"},
	    {"quoted-for",
	        "from a.example (a.example [192.0.2.3]) by b.example with "
	        "ESMTP for <\"john doe\"@b.example>; Mon, 1 Jan 2024 10:00:00 "
	        "+0000",
	        0, "192.0.2.3", "a.example", "a.example", "b.example"},
	    {"no-date", "from a.example (a.example [192.0.2.3]) by b.example",
	        0, "192.0.2.3", "a.example", "a.example", "b.example"},
	};
	run(c, EA_ARRAY_LEN(c));
}

static void
test_hostile(void)
{
	static const struct rcase c[] = {
	    {"empty", "", EMAUTH_ENOTFOUND, "", "", "", ""},
	    {"spaces", " \t\r\n ", EMAUTH_ENOTFOUND, "", "", "", ""},
	    {"from-alone", "from", EMAUTH_ENOTFOUND, "", "", "", ""},
	    {"from-semicolon", "from ; date", EMAUTH_ENOTFOUND, "", "", "", ""},
	    {"unterminated-comment",
	        "from a.example (a.example [192.0.2.1] by b.example",
	        EMAUTH_ESYNTAX, NULL, NULL, NULL, NULL},
	    {"stray-paren", "from a.example ) by b.example", EMAUTH_ESYNTAX,
	        NULL, NULL, NULL, NULL},
	    {"too-deep", "from a ((((((((([192.0.2.1]))))))))) by b",
	        EMAUTH_ESYNTAX, NULL, NULL, NULL, NULL},
	    {"deep-enough", "from a (b [192.0.2.1] ((((((()))))))) by c", 0,
	        "192.0.2.1", "a", "b", "c"},
	    {"unterminated-quote", "from a (b [192.0.2.1]) by c for <\"x@c>",
	        EMAUTH_ESYNTAX, NULL, NULL, NULL, NULL},
	    /* A HELO name with a comment in it, claiming another address
	     * before the receiver's own: refused, not guessed. */
	    {"two-addresses",
	        "from x(fake.example [198.51.100.1]) (real.example "
	        "[192.0.2.1]) by mx.example.org",
	        EMAUTH_ESYNTAX, NULL, NULL, NULL, NULL},
	    {"two-addresses-auth",
	        "from a (b [192.0.2.1]) (Authenticated sender: "
	        "u@198.51.100.1) by c",
	        EMAUTH_ESYNTAX, NULL, NULL, NULL, NULL},
	    {"same-address-twice", "from a (b [192.0.2.1]) (192.0.2.1) by c", 0,
	        "192.0.2.1", "a", "b", "c"},
	    {"not-an-address", "from a (b [192.0.2.256]) by c",
	        EMAUTH_ENOTFOUND, "", "a", "", "c"},
	    {"five-parts", "from a (b [192.0.2.1.5]) by c", EMAUTH_ENOTFOUND,
	        "", "a", "", "c"},
	    {"unclosed-bracket", "from a (b [192.0.2.1) by c", EMAUTH_ENOTFOUND,
	        "", "a", "", "c"},
	    {"junk-after-bracket", "from a (b [192.0.2.1]x) by c",
	        EMAUTH_ENOTFOUND, "", "a", "", "c"},
	    {"port-digits-only", "from a (b [192.0.2.1]:80) by c", 0,
	        "192.0.2.1", "a", "b", "c"},
	    /* The address is only read in the comments right after the
	     * From-domain: not in the by clause's, not in the for clause. */
	    {"address-after-by", "from a by b (c [192.0.2.1]) with ESMTP",
	        EMAUTH_ENOTFOUND, "", "a", "", "b"},
	    {"address-literal-after-word", "from a with (b [192.0.2.1]) by c",
	        EMAUTH_ENOTFOUND, "", "a", "", "c"},
	    {"by-first-from-later", "by b from a (c [192.0.2.1])",
	        EMAUTH_ENOTFOUND, "", "", "", "b"},
	    {"control-bytes-in-helo", "from a\x1b[31m (b [192.0.2.1]) by c\x7f",
	        0, "192.0.2.1", "", "b", ""},
	    {"high-bytes-in-helo", "from \xc3\xa9.example (b [192.0.2.1]) by c",
	        0, "192.0.2.1", "", "b", "c"},
	    {"escaped-paren", "from a (b\\) [192.0.2.1]) by c", 0, "192.0.2.1",
	        "a", "", "c"},
	    {"backslash-at-end", "from a (b [192.0.2.1]\\", EMAUTH_ESYNTAX,
	        NULL, NULL, NULL, NULL},
	    {"two-dots", "from a.. (b.. [192.0.2.1]) by c..", 0, "192.0.2.1",
	        "a..", "", ""},
	    {"dot-only", "from . (. [192.0.2.1]) by .", 0, "192.0.2.1", ".",
	        ".", "."},
	    {"helo-empty", "from a ([192.0.2.1] helo=) by c", 0, "192.0.2.1",
	        "", "a", "c"},
	    {"helo-keyword-last", "from a (HELO) (192.0.2.1) by c", 0,
	        "192.0.2.1", "a", "", "c"},
	    {"mapped-v6-literal", "from a (b [IPv6:::ffff:192.0.2.1]) by c", 0,
	        "192.0.2.1", "a", "b", "c"},
	};
	run(c, EA_ARRAY_LEN(c));
}

/* Sizes: names over 255 bytes are not kept; a field over the cap is
 * refused whole; a field of many comments is read in one pass. */
static void
test_limits(void)
{
	struct emauth_received r;
	struct emauth_diag d;
	char *in = malloc(EMAUTH_RECEIVED_MAX + 2);
	T_TRUE(in != NULL);
	if (in == NULL)
		return;

	char name[300];
	for (size_t len = 254; len <= 257; len++) {
		memset(name, 'h', len);
		name[len] = '\0';
		snprintf(in, EMAUTH_RECEIVED_MAX,
		    "from %s (%s [192.0.2.1]) by %s", name, name, name);
		int rc = emauth_msg_parse_received(ea_span_str(in), &r, NULL);
		T_EQ_INT(rc, 0);
		T_EQ_INT(strlen(r.helo), len <= 255 ? len : 0);
		T_EQ_INT(strlen(r.rdns), len <= 255 ? len : 0);
		T_EQ_INT(strlen(r.by), len <= 255 ? len : 0);
		T_EQ_STR(r.ip, "192.0.2.1");
	}

	/* Exactly at the cap: read; one byte over: refused. */
	memset(in, ' ', EMAUTH_RECEIVED_MAX + 1);
	memcpy(in, "from a (b [192.0.2.1]) by c", 27);
	memset(&d, 0, sizeof(d));
	T_EQ_INT(
	    emauth_msg_parse_received(ea_span(in, EMAUTH_RECEIVED_MAX), &r, &d),
	    0);
	T_EQ_INT(emauth_msg_parse_received(
	             ea_span(in, EMAUTH_RECEIVED_MAX + 1), &r, &d),
	    EMAUTH_ETOOBIG);
	T_EQ_INT(d.code, EMAUTH_ETOOBIG);
	T_EQ_STR(r.ip, "");

	/* Thousands of empty comments after the From-domain. */
	size_t o = (size_t)snprintf(in, 64, "from a ");
	while (o + 2 < EMAUTH_RECEIVED_MAX - 32) {
		memcpy(in + o, "()", 2);
		o += 2;
	}
	memcpy(in + o, " (b [192.0.2.1]) by c", 22);
	T_EQ_INT(emauth_msg_parse_received(ea_span_str(in), &r, NULL), 0);
	T_EQ_STR(r.ip, "192.0.2.1");

	/* Binary: NUL bytes in the field are data, never an end. */
	static const char nul[] = "from a\0b (c [192.0.2.1]) by d\0e";
	T_EQ_INT(
	    emauth_msg_parse_received(ea_span(nul, sizeof(nul) - 1), &r, NULL),
	    0);
	T_EQ_STR(r.helo, "");
	T_EQ_STR(r.ip, "192.0.2.1");
	T_EQ_STR(r.by, "");
	free(in);
}

struct pcase {
	const char *in;
	int rc;
	const char *want;
};

static void
test_return_path(void)
{
	static const struct pcase c[] = {
	    {"<bounce@example.com>", 0, "bounce@example.com"},
	    {" <bounce@example.com> ", 0, "bounce@example.com"},
	    {"<>", 0, ""},
	    {" < > ", 0, ""},
	    {"(comment) <a@b.example> (trailing)", 0, "a@b.example"},
	    {"< a@b.example >", 0, "a@b.example"},
	    {"bounce@example.com", 0, "bounce@example.com"},
	    {"<\"john doe\"@example.com>", 0, "\"john doe\"@example.com"},
	    {"<\"a@b\"@example.com>", 0, "\"a@b\"@example.com"},
	    {"<@relay.example,@other.example:user@example.com>", 0,
	        "user@example.com"},
	    {"<SRS0=abcd=XY=example.com=me@bounce.example.net>", 0,
	        "SRS0=abcd=XY=example.com=me@bounce.example.net"},
	    {"<user@[192.0.2.1]>", 0, "user@[192.0.2.1]"},
	    {"<us\xc3\xa9r@\xc3\xa9xample.com>", 0,
	        "us\xc3\xa9r@\xc3\xa9xample.com"},
	    {"", EMAUTH_ESYNTAX, NULL},
	    {"   ", EMAUTH_ESYNTAX, NULL},
	    {"<MAILER-DAEMON>", EMAUTH_ESYNTAX, NULL},
	    {"<a@b@c.example>", EMAUTH_ESYNTAX, NULL},
	    {"@exampl@example.com", EMAUTH_ESYNTAX, NULL},
	    {"<@example.com>", EMAUTH_ESYNTAX, NULL},
	    {"<a@>", EMAUTH_ESYNTAX, NULL},
	    {"<a@b..example>", EMAUTH_ESYNTAX, NULL},
	    {"<a@.example>", EMAUTH_ESYNTAX, NULL},
	    {"<a@b.example", EMAUTH_ESYNTAX, NULL},
	    {"<a@b.example> x", EMAUTH_ESYNTAX, NULL},
	    {"<a b@example.com>", EMAUTH_ESYNTAX, NULL},
	    {"<a@b.example><c@d.example>", EMAUTH_ESYNTAX, NULL},
	    {"<<a@b.example>>", EMAUTH_ESYNTAX, NULL},
	    {"<a\x01@b.example>", EMAUTH_ESYNTAX, NULL},
	    {"<\"a@b.example>", EMAUTH_ESYNTAX, NULL},
	    {"<\"a\tb\"@b.example>", EMAUTH_ESYNTAX, NULL},
	    {"<\"a\r\n b\"@b.example>", EMAUTH_ESYNTAX, NULL},
	    {"<\"a\\\x1b\"@b.example>", EMAUTH_ESYNTAX, NULL},
	    {"(unterminated <a@b.example>", EMAUTH_ESYNTAX, NULL},
	    {"<@relay.example a@b.example>", EMAUTH_ESYNTAX, NULL},
	};
	for (size_t i = 0; i < EA_ARRAY_LEN(c); i++) {
		char out[300];
		struct emauth_diag d;
		memset(&d, 0, sizeof(d));
		int rc = emauth_msg_parse_return_path(
		    ea_span_str(c[i].in), out, sizeof(out), &d);
		if (rc != c[i].rc)
			T_FAILF("\"%s\": rc %d (%s), want %d", c[i].in, rc,
			    d.msg ? d.msg : "", c[i].rc);
		else if (rc == 0 && strcmp(out, c[i].want) != 0)
			T_FAILF("\"%s\": \"%s\", want \"%s\"", c[i].in, out,
			    c[i].want);
		else if (rc != 0 && (d.msg == NULL || out[0] != '\0'))
			T_FAILF(
			    "\"%s\": no diagnostic or output left", c[i].in);
	}

	/* The output size: one byte short is ETOOBIG, never truncated. */
	char small[12];
	T_EQ_INT(emauth_msg_parse_return_path(
	             ea_span_str("<a@b.example>"), small, 12, NULL),
	    0);
	T_EQ_STR(small, "a@b.example");
	T_EQ_INT(emauth_msg_parse_return_path(
	             ea_span_str("<ab@b.example>"), small, 12, NULL),
	    EMAUTH_ETOOBIG);
	T_EQ_STR(small, "");
	char big[1100];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[500] = '@';
	T_EQ_INT(emauth_msg_parse_return_path(
	             ea_span_str(big), small, sizeof(small), NULL),
	    EMAUTH_ETOOBIG);
}

int
main(void)
{
	T_RUN(test_postfix);
	T_RUN(test_sendmail);
	T_RUN(test_exim);
	T_RUN(test_others);
	T_RUN(test_hostile);
	T_RUN(test_limits);
	T_RUN(test_return_path);
	return t_summary();
}
