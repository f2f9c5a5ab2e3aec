/*
 * test_arf_tls.c: the readers of ARF failure reports (ea_arf_parse(), RFC
 * 5965, RFC 6591) and of SMTP TLS reports (ea_tls_parse(), RFC 8460).
 * The real samples are read from the repository's copies of two suites
 * (tests/data/suites/, found through EMAUTH_TOP, next to the zones folder
 * given as argv[1], or by this file's path):
 * - dmarc-reports-stalwart/arf/00N.eml against Stalwart's expected parse
 *   00N.json, field by field through a small mapping of its enum names;
 * - dmarc-reports-parsedmarc/failure/ (LinkedIn, Netease, domain.de) and
 *   smtp_tls/ (checked against the JSON by hand below).
 * Then hand-made edge cases: not ARF, the lenient forms, values too long,
 * dates, the TLS report's required members, counts, nesting and size caps,
 * and allocation failures.
 */
#include "common/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/alloc.h"
#include "common/span.h"
#include "harness/t.h"
#include "report/inbound.h"

static char suites[4096];

/* The file @rel of the suites folder, NUL-terminated; free with free(). */
static uint8_t *
slurp(const char *rel, size_t *len)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", suites, rel);
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		T_FAILF("cannot open %s", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)(n > 0 ? n : 0) + 1);
	*len = fread(p, 1, (size_t)(n > 0 ? n : 0), f);
	p[*len] = '\0';
	fclose(f);
	return p;
}

/* Parses the suite file @rel as ARF; the status is returned. */
static int
arf_file(const char *rel, struct ea_arf *a)
{
	size_t n = 0;
	char err[256];
	uint8_t *p = slurp(rel, &n);
	if (p == NULL) {
		memset(a, 0, sizeof(*a));
		return EMAUTH_EIO;
	}
	int rc = ea_arf_parse(ea_span(p, n), a, err, sizeof(err));
	if (rc != 0 && rc != EMAUTH_ENOTFOUND)
		fprintf(stderr, "  %s: %s\n", rel, err);
	free(p);
	return rc;
}

static int
arf_str(const char *msg, struct ea_arf *a, char *err, size_t errsize)
{
	return ea_arf_parse(ea_span_str(msg), a, err, errsize);
}

/* Whether a warning of @a contains @text. */
static bool
arf_warned(const struct ea_arf *a, const char *text)
{
	for (unsigned i = 0; i < a->nwarnings && i < EA_ARF_WARNINGS_MAX; i++)
		if (strstr(a->warnings[i], text))
			return true;
	return false;
}

static bool
tls_warned(const struct ea_tls_report *r, const char *text)
{
	for (unsigned i = 0; i < r->nwarnings && i < EA_ARRAY_LEN(r->warnings);
	     i++)
		if (strstr(r->warnings[i], text))
			return true;
	return false;
}

/* Prints the warnings of @a when there are not @want of them. */
static void
dump_warnings(const struct ea_arf *a, unsigned want)
{
	if (a->nwarnings == want)
		return;
	for (unsigned i = 0; i < a->nwarnings; i++)
		fprintf(stderr, "    warning: %s\n", a->warnings[i]);
}

/*
 * Stalwart's model (mail-auth's report::Feedback, serialized by serde):
 * enum names to our lower-case words.
 */
static const struct {
	const char *stalwart, *ours;
} enum_map[] = {
    /* FeedbackType */
    {"Abuse", "abuse"},
    {"AuthFailure", "auth-failure"},
    {"Fraud", "fraud"},
    {"NotSpam", "not-spam"},
    {"Other", "other"},
    {"Virus", "virus"},
    /* AuthFailureType */
    {"Adsp", "adsp"},
    {"BodyHash", "bodyhash"},
    {"Revoked", "revoked"},
    {"Signature", "signature"},
    {"Spf", "spf"},
    {"Dmarc", "dmarc"},
    /* DeliveryResult */
    {"Delivered", "delivered"},
    {"Spam", "spam"},
    {"Policy", "policy"},
    {"Reject", "reject"},
    /* IdentityAlignment */
    {"None", "none"},
    {"Dkim", "dkim"},
    {"DkimSpf", "dkim,spf"},
    /* Absent */
    {"Unspecified", ""},
};

static const char *
map_enum(const char *s)
{
	for (size_t i = 0; i < EA_ARRAY_LEN(enum_map); i++)
		if (strcmp(enum_map[i].stalwart, s) == 0)
			return enum_map[i].ours;
	return "(unmapped)";
}

/* A string member of @o, "" for null; the first element of an array. */
static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return "";
	if (json_object_is_type(v, json_type_array))
		v = json_object_array_length(v)
		        ? json_object_array_get_idx(v, 0)
		        : NULL;
	return v ? json_object_get_string(v) : "";
}

/* @s unfolded (a line break before white space removed), as
 * ea_mime_header() gives a field. */
static void
unfold(const char *s, char *out, size_t size)
{
	size_t k = 0;
	for (size_t i = 0; s[i] && k + 1 < size; i++) {
		if (s[i] == '\r' && s[i + 1] == '\n' &&
		    (s[i + 2] == ' ' || s[i + 2] == '\t')) {
			i++;
			continue;
		}
		if (s[i] == '\n' && (s[i + 1] == ' ' || s[i + 1] == '\t'))
			continue;
		out[k++] = s[i];
	}
	out[k] = '\0';
}

/* Compares the parse of arf/@name.eml with Stalwart's arf/@name.json. */
static void
stalwart_case(const char *name)
{
	char rel[128], buf[2048];
	struct ea_arf a;
	size_t n;
	snprintf(rel, sizeof(rel), "dmarc-reports-stalwart/arf/%s.eml", name);
	T_EQ_INT(arf_file(rel, &a), 0);
	snprintf(rel, sizeof(rel), "dmarc-reports-stalwart/arf/%s.json", name);
	uint8_t *js = slurp(rel, &n);
	if (js == NULL)
		return;
	json_object *j = json_tokener_parse((const char *)js);
	free(js);
	if (j == NULL) {
		T_FAILF("%s: not JSON", rel);
		return;
	}
	T_EQ_STR(a.feedback_type, map_enum(jstr(j, "feedback_type")));
	T_EQ_STR(a.auth_failure, map_enum(jstr(j, "auth_failure")));
	T_EQ_STR(a.delivery_result, map_enum(jstr(j, "delivery_result")));
	T_EQ_STR(a.identity_alignment, map_enum(jstr(j, "identity_alignment")));
	T_EQ_STR(a.user_agent, jstr(j, "user_agent"));
	T_EQ_STR(a.version, jstr(j, "version")); /* 1 -> "1" */
	T_EQ_STR(a.source_ip, jstr(j, "source_ip"));
	T_EQ_STR(a.reported_domain, jstr(j, "reported_domain"));
	T_EQ_STR(a.reporting_mta, jstr(j, "reporting_mta"));
	T_EQ_STR(a.original_mail_from, jstr(j, "original_mail_from"));
	T_EQ_STR(a.original_rcpt_to, jstr(j, "original_rcpt_to"));
	T_EQ_STR(a.dkim_domain, jstr(j, "dkim_domain"));
	T_EQ_STR(a.dkim_identity, jstr(j, "dkim_identity"));
	T_EQ_STR(a.dkim_selector, jstr(j, "dkim_selector"));
	T_EQ_STR(a.spf_dns, jstr(j, "spf_dns"));
	unfold(jstr(j, "authentication_results"), buf, sizeof(buf));
	T_EQ_STR(a.authentication_results, buf);
	json_object *v;
	int64_t arrival = 0;
	if (json_object_object_get_ex(j, "arrival_date", &v) && v)
		arrival = json_object_get_int64(v);
	T_EQ_INT(a.arrival, arrival);
	/* Every sample carries the failed message; where Stalwart kept its
	 * header block, the fields read from it are ours. */
	T_EQ_INT(a.has_original, 1);
	const char *h = jstr(j, "headers");
	if (h[0]) {
		static const struct {
			const char *name;
			size_t off;
		} hf[] = {{"From", offsetof(struct ea_arf, from)},
		    {"To", offsetof(struct ea_arf, to)},
		    {"Subject", offsetof(struct ea_arf, subject)},
		    {"Message-ID", offsetof(struct ea_arf, message_id)},
		    {"Date", offsetof(struct ea_arf, date)}};
		for (size_t i = 0; i < EA_ARRAY_LEN(hf); i++) {
			int got = ea_mime_header(
			    ea_span_str(h), hf[i].name, buf, sizeof(buf));
			T_EQ_STR(
			    (const char *)&a + hf[i].off, got < 0 ? "" : buf);
		}
	}
	/* Each of Stalwart's samples is a clean multipart/report. */
	T_EQ_INT(a.nwarnings, 0);
	dump_warnings(&a, 0);
	json_object_put(j);
}

static void
test_stalwart_001_abuse(void)
{
	stalwart_case("001");
	struct ea_arf a;
	arf_file("dmarc-reports-stalwart/arf/001.eml", &a);
	/* The failed message as message/rfc822. */
	T_EQ_STR(a.from, "<somespammer@example.net>");
	T_EQ_STR(a.to, "<Undisclosed Recipients>");
	T_EQ_STR(a.subject, "Earn money");
	T_EQ_STR(a.message_id, "8787KJKJ3K4J3K4J3K4J3.mail@example.net");
	T_EQ_STR(a.date, "Thu, 02 Sep 2004 12:31:03 -0500");
}

static void
test_stalwart_002_abuse_fields(void)
{
	stalwart_case("002");
	struct ea_arf a;
	arf_file("dmarc-reports-stalwart/arf/002.eml", &a);
	/* "Reporting-MTA: dns; mail.example.com"; EDT is -0400. */
	T_EQ_STR(a.reporting_mta, "mail.example.com");
	T_EQ_INT(a.arrival, 1110304800);
	/* The failed message's header block ends at its empty line, after
	 * Received: To and Subject are in its body. */
	T_EQ_STR(a.from, "<somespammer@example.net>");
	T_EQ_STR(a.subject, "");
}

static void
test_stalwart_003_received_date(void)
{
	stalwart_case("003");
	struct ea_arf a;
	arf_file("dmarc-reports-stalwart/arf/003.eml", &a);
	/* RFC 6591 B.1's Received-Date, with a "(PDT)" comment. */
	T_EQ_INT(a.arrival, 1271272531);
	T_EQ_STR(a.subject, "This is a test");
}

static void
test_stalwart_004_opendmarc(void)
{
	stalwart_case("004");
	struct ea_arf a;
	arf_file("dmarc-reports-stalwart/arf/004.eml", &a);
	/* "Source-IP: 148.163.85.135 (sainay.interpublication.org)" */
	T_EQ_STR(a.source_ip, "148.163.85.135");
	T_EQ_STR(a.from, "\"Rolf Bader\" <info@interpublication.org>");
}

static void
test_stalwart_005_rfc6591(void)
{
	stalwart_case("005");
	struct ea_arf a;
	arf_file("dmarc-reports-stalwart/arf/005.eml", &a);
	T_EQ_STR(a.message_id, "<87913910.1318094604546@out.sender.example>");
}

static void
test_parsedmarc_linkedin(void)
{
	struct ea_arf a;
	T_EQ_INT(arf_file("dmarc-reports-parsedmarc/failure/"
	                  "dmarc_ruf_report_linkedin.eml",
	             &a),
	    0);
	T_EQ_STR(a.feedback_type, "auth-failure");
	T_EQ_STR(a.user_agent, "Lua/1.0");
	T_EQ_STR(a.version, "1.0");
	T_EQ_STR(a.original_mail_from, ""); /* "Original-Mail-From:" */
	T_EQ_STR(a.original_rcpt_to, "recipient@linkedin.com");
	T_EQ_INT(a.arrival, 1556590140);
	T_EQ_STR(a.authentication_results,
	    "dmarc=fail (p=none; dis=none) header.from=example.com");
	T_EQ_STR(a.source_ip, "10.10.10.10");
	T_EQ_STR(a.delivery_result, "delivered");
	T_EQ_STR(a.auth_failure, "dmarc");
	T_EQ_STR(a.reported_domain, "example.com");
	T_EQ_INT(a.has_original, 1);
	T_EQ_STR(a.from, "Sender <sender@example.com>");
	T_EQ_STR(a.to, "LinkedIn <recipient@linkedin.com>");
	T_EQ_STR(a.subject, "Subject line, could be UTF8 encoded");
	T_EQ_STR(a.message_id,
	    "<01010101010101010101010101010101@ABAB01MS0016.someserver.loc>");
	T_EQ_STR(a.date, "Tue, 30 Apr 2019 02:09:09 +0000");
	T_EQ_INT(a.nwarnings, 0);
	dump_warnings(&a, 0);
}

static void
test_parsedmarc_netease(void)
{
	struct ea_arf a;
	T_EQ_INT(arf_file("dmarc-reports-parsedmarc/failure/"
	                  "[Netease DMARC Failure Report] Rent Reminder.eml",
	             &a),
	    0);
	/* multipart/mixed, the feedback part in base64, CRLF inside. */
	T_TRUE(arf_warned(&a, "multipart/mixed, not multipart/report"));
	T_EQ_STR(a.feedback_type, "auth-failure");
	T_EQ_STR(a.user_agent, "NtesDmarcReporter/1.0");
	T_EQ_STR(a.version, "1");
	T_EQ_STR(a.original_mail_from,
	    "<bounces+1137616-c1ad-xsj399=163.com@email.entrata.com>");
	T_EQ_INT(a.arrival, 1538124522);
	T_EQ_STR(a.source_ip, "167.89.69.24");
	T_EQ_STR(a.reported_domain, "cardinal.com");
	T_EQ_STR(a.dkim_domain, "entrata.com");
	T_EQ_STR(a.delivery_result, "delivered");
	/* "Identity-Alignment: spf,dkim", made canonical. */
	T_EQ_STR(a.identity_alignment, "dkim,spf");
	T_TRUE(
	    strncmp(a.authentication_results, "163.com; dkim=pass", 18) == 0);
	T_EQ_INT(a.has_original, 1);
	T_EQ_STR(a.from, "700 on Washington <info@cardinal.com>");
	T_EQ_STR(a.subject, "Rent Reminder");
	T_EQ_INT(a.nwarnings, 1);
	dump_warnings(&a, 1);
}

static void
test_parsedmarc_domain_de(void)
{
	struct ea_arf a;
	T_EQ_INT(arf_file("dmarc-reports-parsedmarc/failure/DMARC Failure "
	                  "Report for domain.de (mail-from=sharepoint@"
	                  "domain.de, ip=10.10.10.10).eml",
	             &a),
	    0);
	T_EQ_STR(a.feedback_type, "auth-failure");
	T_EQ_STR(a.user_agent, "Lua/1.0");
	T_EQ_STR(a.version, "1.0");
	T_EQ_STR(a.original_mail_from, "sharepoint@domain.de");
	T_EQ_STR(a.original_rcpt_to, "peter.pan@domain.de");
	T_EQ_INT(a.arrival, 1538385627);
	T_EQ_STR(a.source_ip, "10.10.10.10");
	T_EQ_STR(a.delivery_result, "smg-policy-action");
	T_EQ_STR(a.auth_failure, "dmarc");
	T_EQ_STR(a.reported_domain, "domain.de");
	/* The failed message writes "from:". */
	T_EQ_STR(a.from, "\"=?utf-8?B?SW50ZXJha3RpdmUgV2V0dGJld2VyYmVyLcOcYmVy"
	                 "c2ljaHQ=?=\" <sharepoint@domain.de>");
	T_EQ_STR(a.to, "<peter.pan@domain.de>");
	T_EQ_STR(a.date, "01 Oct 2018 11:20:27 +0200");
	T_EQ_INT(a.nwarnings, 0);
	dump_warnings(&a, 0);
}

/* Real messages that are not ARF reports: aggregate reports. */
static void
test_not_arf_samples(void)
{
	struct ea_arf a;
	static const char *const names[] = {
	    "dmarc-reports-stalwart/aggregate/100.eml",
	    "dmarc-reports-stalwart/aggregate/103.eml",
	    "dmarc-reports-parsedmarc/aggregate/twilight.eml",
	};
	for (size_t i = 0; i < EA_ARRAY_LEN(names); i++)
		T_EQ_INT(arf_file(names[i], &a), EMAUTH_ENOTFOUND);
}

static void
test_not_arf(void)
{
	struct ea_arf a;
	char err[128];
	T_EQ_INT(arf_str("From: a@example.com\r\nSubject: hi\r\n\r\nHello\r\n",
	             &a, err, sizeof(err)),
	    EMAUTH_ENOTFOUND);
	T_TRUE(strstr(err, "feedback-report") != NULL);
	/* A delivery status notification. */
	T_EQ_INT(arf_str("Content-Type: multipart/report; "
	                 "report-type=delivery-status; boundary=b\n\n"
	                 "--b\nContent-Type: text/plain\n\nfailed\n"
	                 "--b\nContent-Type: message/delivery-status\n\n"
	                 "Reporting-MTA: dns; x\n\nStatus: 5.0.0\n--b--\n",
	             &a, err, sizeof(err)),
	    EMAUTH_ENOTFOUND);
	/* A message that is all text is not a report, even with the
	 * fields; nor is text that mentions them. */
	T_EQ_INT(arf_str("From: a@example.com\n\nFeedback-Type: abuse\n"
	                 "User-Agent: x/1\nVersion: 1\n",
	             &a, err, sizeof(err)),
	    EMAUTH_ENOTFOUND);
	T_EQ_INT(arf_str("Content-Type: text/plain\n\nHello,\n"
	                 "Feedback-Type: abuse\n",
	             &a, err, sizeof(err)),
	    EMAUTH_ENOTFOUND);
	/* Not a message at all: no header block. */
	int rc = arf_str("", &a, err, sizeof(err));
	T_TRUE(rc == EMAUTH_ESYNTAX || rc == EMAUTH_ENOTFOUND);
	T_EQ_INT(ea_arf_parse(ea_span_str("x"), &a, NULL, 0) < 0, 1);
}

/* A minimal ARF report with @fields as the feedback part and @top as the
 * top-level Content-Type. */
static int
arf_with(
    const char *top, const char *ftype, const char *fields, struct ea_arf *a)
{
	static char msg[65536];
	char err[256];
	snprintf(msg, sizeof(msg),
	    "From: r@example.com\r\n"
	    "Content-Type: %s\r\n"
	    "\r\n"
	    "--b\r\n"
	    "Content-Type: text/plain\r\n"
	    "\r\n"
	    "A report.\r\n"
	    "--b\r\n"
	    "Content-Type: %s\r\n"
	    "\r\n"
	    "%s"
	    "\r\n"
	    "--b\r\n"
	    "Content-Type: text/rfc822-headers\r\n"
	    "\r\n"
	    "From: x@example.net\r\n"
	    "Subject: s\r\n"
	    "--b--\r\n",
	    top, ftype, fields);
	int rc = arf_str(msg, a, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "  arf_with: %s\n", err);
	return rc;
}

#define TOP "multipart/report; report-type=feedback-report; boundary=b"
#define MIN "Feedback-Type: auth-failure\r\nUser-Agent: t/1\r\nVersion: 1\r\n"

static void
test_lenient_forms(void)
{
	struct ea_arf a;
	/* No report-type. */
	T_EQ_INT(arf_with("multipart/report; boundary=b",
	             "message/feedback-report", MIN, &a),
	    0);
	T_TRUE(arf_warned(&a, "without report-type"));
	T_EQ_STR(a.feedback_type, "auth-failure");
	/* Another report-type. */
	T_EQ_INT(arf_with("multipart/report; report-type=\"x-arf\"; "
	                  "boundary=b",
	             "message/feedback-report", MIN, &a),
	    0);
	T_TRUE(arf_warned(&a, "report-type=x-arf"));
	/* The fields in text/plain (the first text/plain is prose). */
	T_EQ_INT(
	    arf_with(TOP, "text/plain", MIN "Source-IP: 192.0.2.9\r\n", &a), 0);
	T_TRUE(arf_warned(&a, "text/plain part"));
	T_EQ_STR(a.source_ip, "192.0.2.9");
	T_EQ_STR(a.user_agent, "t/1");
	T_EQ_INT(a.nwarnings, 1);
	/* A clean one: no warning, the original read. */
	T_EQ_INT(arf_with(TOP, "message/feedback-report", MIN, &a), 0);
	T_EQ_INT(a.nwarnings, 0);
	T_EQ_INT(a.has_original, 1);
	T_EQ_STR(a.from, "x@example.net");
	/* Required fields missing; upper-case words lowered. */
	T_EQ_INT(arf_with(TOP, "message/feedback-report",
	             "Feedback-Type: ABUSE (user said)\r\n"
	             "Auth-Failure: BodyHash\r\n",
	             &a),
	    0);
	T_EQ_STR(a.feedback_type, "abuse");
	T_EQ_STR(a.auth_failure, "bodyhash");
	T_TRUE(arf_warned(&a, "no User-Agent"));
	T_TRUE(arf_warned(&a, "no Version"));
	/* An empty feedback part: every required field reported. */
	T_EQ_INT(arf_with(TOP, "message/feedback-report", "", &a), 0);
	T_TRUE(arf_warned(&a, "no Feedback-Type"));
}

static void
test_field_values(void)
{
	struct ea_arf a;
	T_EQ_INT(arf_with(TOP, "message/feedback-report",
	             MIN "Reporting-MTA: dns;mx.example.org\r\n"
	                 "Source-IP: [2001:db8::1]\r\n"
	                 "Identity-Alignment: None\r\n"
	                 "Delivery-Result: Reject\r\n"
	                 "DKIM-Selector: sel\r\n"
	                 "DKIM-Identity: @d.example\r\n"
	                 "SPF-DNS: txt : d.example : \"v=spf1 -all\"\r\n"
	                 "DKIM-Canonicalized-Header: aGVhZGVy\r\n",
	             &a),
	    0);
	T_EQ_STR(a.reporting_mta, "mx.example.org");
	T_EQ_STR(a.source_ip, "2001:db8::1");
	T_EQ_STR(a.identity_alignment, "none");
	T_EQ_STR(a.delivery_result, "reject");
	T_EQ_STR(a.dkim_selector, "sel");
	T_EQ_STR(a.dkim_identity, "@d.example");
	T_EQ_STR(a.spf_dns, "txt : d.example : \"v=spf1 -all\"");
	T_EQ_INT(a.nwarnings, 0);
	dump_warnings(&a, 0);
	/* An alignment that is not one, a Source-IP that is not one. */
	T_EQ_INT(arf_with(TOP, "message/feedback-report",
	             MIN "Identity-Alignment: dkim, arc\r\n"
	                 "Source-IP: mail.example.com\r\n",
	             &a),
	    0);
	T_EQ_STR(a.identity_alignment, "dkim, arc");
	T_TRUE(arf_warned(&a, "Identity-Alignment"));
	T_EQ_STR(a.source_ip, "");
	T_TRUE(arf_warned(&a, "Source-IP is not an IP address"));
	/* Control bytes are never kept as such. */
	T_EQ_INT(arf_with(TOP, "message/feedback-report",
	             MIN "Reported-Domain: a\x01"
	                 "b.example\r\n",
	             &a),
	    0);
	T_EQ_STR(a.reported_domain, "a?b.example");
	T_TRUE(arf_warned(&a, "control bytes"));
}

/* A value longer than its field is not kept, never cut. */
static void
test_too_long(void)
{
	struct ea_arf a;
	char fields[4096], ua[200];
	memset(ua, 'u', sizeof(ua) - 1);
	ua[sizeof(ua) - 1] = '\0';
	snprintf(fields, sizeof(fields),
	    "Feedback-Type: abuse\r\nUser-Agent: %s\r\nVersion: 1\r\n"
	    "Reported-Domain: %s\r\n",
	    ua, "d.example");
	T_EQ_INT(arf_with(TOP, "message/feedback-report", fields, &a), 0);
	T_EQ_STR(a.user_agent, "");
	T_TRUE(arf_warned(&a, "User-Agent longer than 127 bytes: not kept"));
	T_EQ_STR(a.reported_domain, "d.example");
	/* Exactly 127 bytes fit. */
	ua[127] = '\0';
	snprintf(fields, sizeof(fields),
	    "Feedback-Type: abuse\r\nUser-Agent: %s\r\nVersion: 1\r\n", ua);
	T_EQ_INT(arf_with(TOP, "message/feedback-report", fields, &a), 0);
	T_EQ_INT(strlen(a.user_agent), 127);
	T_EQ_INT(a.nwarnings, 0);
	/* Longer than any field: still a warning with the field's size. */
	static char big[12000], msg[20000];
	memset(big, 'a', sizeof(big) - 1);
	snprintf(msg, sizeof(msg), MIN "Authentication-Results: %s\r\n", big);
	T_EQ_INT(arf_with(TOP, "message/feedback-report", msg, &a), 0);
	T_TRUE(arf_warned(&a, "Authentication-Results longer than 1023"));
	T_EQ_STR(a.authentication_results, "");
	/* More warnings than there is room for: the last says so. */
	T_EQ_INT(arf_with(TOP, "message/feedback-report",
	             "Source-IP: x\r\nIdentity-Alignment: q\r\n"
	             "Arrival-Date: never\r\nDKIM-Domain: \x02\r\n"
	             "DKIM-Selector: \x02\r\nSPF-DNS: \x02\r\n",
	             &a),
	    0);
	T_EQ_INT(a.nwarnings, EA_ARF_WARNINGS_MAX);
	T_EQ_STR(
	    a.warnings[EA_ARF_WARNINGS_MAX - 1], "more warnings: not kept");
}

/* Arrival-Date @date read as @want (0 and a warning when @want is 0). */
static void
date_case(const char *date, int64_t want)
{
	struct ea_arf a;
	char fields[512];
	snprintf(fields, sizeof(fields), MIN "Arrival-Date: %s\r\n", date);
	T_EQ_INT(arf_with(TOP, "message/feedback-report", fields, &a), 0);
	if (a.arrival != want)
		fprintf(stderr, "  date \"%s\"\n", date);
	T_EQ_INT(a.arrival, want);
	T_EQ_INT(
	    arf_warned(&a, "Arrival-Date is not an RFC 5322 date"), want == 0);
}

static void
test_dates(void)
{
	date_case("Thu, 8 Mar 2005 14:00:00 EDT", 1110304800);
	date_case("Thu, 08 Mar 2005 18:00:00 +0000", 1110304800);
	date_case("8 Oct 2011 20:15:58 +0000 (GMT)", 1318104958);
	date_case("Wed, 14 Apr 2010 12:15:31 -0700 (PDT)", 1271272531);
	date_case("Tue,  5 Oct 2021 17:37:02 +1300 (NZDT)", 1633408622);
	date_case("Sat, 29 Feb 2020 23:59:59 -1130", 1583062199);
	date_case("1 Jan 1970 00:01 GMT", 60); /* no seconds */
	date_case("1 Jan 1970 00:00:01 UT", 1);
	date_case("Thu, 8 Mar 05 14:00:00 EDT", 1110304800);  /* obs-year */
	date_case("Thu, 8 Mar 105 14:00:00 EDT", 1110304800); /* 1900+105 */
	date_case("thu, 8 mar 2005 18:00:00 z", 1110304800);  /* military */
	date_case(
	    "Thu (x), 8 (y) Mar 2005 18 : 00 : 00 (z) GMT (end)", 1110304800);
	date_case("31 Dec 1999 23:59:60 +0000", 946684800); /* leap second */
	/* Not dates. */
	date_case("Thu, 29 Feb 2005 14:00:00 +0000", 0);
	date_case("Thu, 8 Mar 2005 14:00:00 CEST", 0);
	date_case("Thu, 8 Mar 2005 14:00:00", 0);
	date_case("Thu, 8 Mar 2005 24:00:00 +0000", 0);
	date_case("Thu, 8 Mar 2005 14:60:00 +0000", 0);
	date_case("Thu, 8 Mar 2005 14:00:00 +0060", 0);
	date_case("Thu, 8 Mar 2005 14:00:00 +000", 0);
	date_case("Thu, 8 Mar 1899 14:00:00 +0000", 0);
	date_case("Thu, 8 Mar 20055 14:00:00 +0000", 0);
	date_case("Thx, 8 Mar 2005 14:00:00 +0000", 0);
	date_case("Thu, 8 Mrz 2005 14:00:00 +0000", 0);
	date_case("Thu, 0 Mar 2005 14:00:00 +0000", 0);
	date_case("Thu, 8 Mar 2005 14:00:00 +0000 junk", 0);
	date_case("Thu, 8 Mar 2005 14:00:00 +0000 (open", 0);
	date_case("2005-03-08T14:00:00Z", 0);
	date_case("Thu, 8 Mar 2005 14:00:00 J", 0);
	date_case("((((((((((((((((((((x))))))))))))))))))))"
	          " 8 Mar 2005 14:00:00 +0000",
	    0);
}

static void
test_arf_oom(void)
{
	size_t n = 0;
	uint8_t *p = slurp("dmarc-reports-stalwart/arf/005.eml", &n);
	if (p == NULL)
		return;
	struct ea_arf a;
	char err[256];
	/* Fail each allocation in turn: ENOMEM or success, nothing else,
	 * and no leak (under ASan). */
	for (size_t k = 1; k < 200; k++) {
		ea_alloc_fail_at(k, false);
		int rc = ea_arf_parse(ea_span(p, n), &a, err, sizeof(err));
		size_t made = ea_alloc_fail_at(0, false);
		T_TRUE(rc == 0 || rc == EMAUTH_ENOMEM);
		if (rc == 0 && made < k)
			break;
	}
	T_EQ_INT(ea_arf_parse(ea_span(p, n), &a, err, sizeof(err)), 0);
	free(p);
}

/* TLS reports. */

static struct ea_tls_report *
tls_file(const char *rel)
{
	size_t n = 0;
	char err[256];
	struct ea_tls_report *r = NULL;
	uint8_t *p = slurp(rel, &n);
	if (p == NULL)
		return NULL;
	int rc = ea_tls_parse(ea_span(p, n), &r, err, sizeof(err));
	if (rc != 0)
		T_FAILF("%s: %s", rel, err);
	free(p);
	return r;
}

static void
test_tls_rfc8460_sample(void)
{
	struct ea_tls_report *r =
	    tls_file("dmarc-reports-parsedmarc/smtp_tls/rfc8460.json");
	if (r == NULL)
		return;
	T_EQ_STR(r->org, "Company-X");
	T_EQ_STR(r->contact, "sts-reporting@company-x.example");
	T_EQ_STR(r->report_id, "5065427c-23d3-47ca-b6e0-946ea0e8c4be");
	T_EQ_INT(r->begin, 1459468800); /* 2016-04-01T00:00:00Z */
	T_EQ_INT(r->end, 1459555199);   /* 2016-04-01T23:59:59Z */
	T_EQ_INT(r->npolicies, 1);
	T_EQ_INT(r->nwarnings, 0);
	if (r->npolicies == 1) {
		const struct ea_tls_policy *p = &r->policies[0];
		T_EQ_STR(p->policy_type, "sts");
		T_EQ_STR(p->policy_domain, "company-y.example");
		T_EQ_INT(p->success, 5326);
		T_EQ_INT(p->failure, 303);
		T_EQ_INT(p->nfailures, 3);
		if (p->nfailures == 3) {
			const struct ea_tls_failure *f = p->failures;
			T_EQ_STR(f[0].result_type, "certificate-expired");
			T_EQ_STR(f[0].sending_mta_ip, "2001:db8:abcd:0012::1");
			T_EQ_STR(f[0].receiving_mx_hostname,
			    "mx1.mail.company-y.example");
			T_EQ_STR(f[0].receiving_ip, "");
			T_EQ_INT(f[0].failed_session_count, 100);
			T_EQ_STR(f[1].result_type, "starttls-not-supported");
			T_EQ_STR(f[1].receiving_ip, "203.0.113.56");
			T_EQ_INT(f[1].failed_session_count, 200);
			T_EQ_STR(f[2].result_type, "validation-failure");
			T_EQ_STR(f[2].sending_mta_ip, "198.51.100.62");
			T_EQ_STR(f[2].receiving_mx_hostname,
			    "mx-backup.mail.company-y.example");
			T_EQ_INT(f[2].failed_session_count, 3);
			T_EQ_STR(f[2].failure_reason_code,
			    "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED");
		}
	}
	ea_tls_report_free(r);
}

static void
test_tls_parsedmarc_sample(void)
{
	struct ea_tls_report *r =
	    tls_file("dmarc-reports-parsedmarc/smtp_tls/smtp_tls.json");
	if (r == NULL)
		return;
	T_EQ_STR(r->org, "Example Inc.");
	T_EQ_STR(r->contact, "smtp-tls-reporting@example.com");
	T_EQ_STR(r->report_id, "2024-01-09T00:00:00Z_example.com");
	T_EQ_INT(r->begin, 1704758400); /* 2024-01-09T00:00:00Z */
	T_EQ_INT(r->end, 1704844799);   /* 2024-01-09T23:59:59Z */
	T_EQ_INT(r->npolicies, 1);
	T_EQ_INT(r->nwarnings, 0);
	if (r->npolicies == 1) {
		const struct ea_tls_policy *p = &r->policies[0];
		T_EQ_STR(p->policy_type, "sts");
		T_EQ_STR(p->policy_domain, "example.com");
		T_EQ_INT(p->success, 0);
		T_EQ_INT(p->failure, 3);
		T_EQ_INT(p->nfailures, 2);
		if (p->nfailures == 2) {
			T_EQ_STR(
			    p->failures[0].sending_mta_ip, "209.85.222.201");
			T_EQ_STR(p->failures[0].receiving_ip, "173.212.201.41");
			T_EQ_INT(p->failures[0].failed_session_count, 2);
			T_EQ_STR(
			    p->failures[1].sending_mta_ip, "209.85.208.176");
			T_EQ_INT(p->failures[1].failed_session_count, 1);
		}
	}
	ea_tls_report_free(r);
}

/* Parses @json; the status, with @err. */
static int
tls_str(const char *json, struct ea_tls_report **r, char *err, size_t size)
{
	return ea_tls_parse(ea_span_str(json), r, err, size);
}

#define HEAD                                                                   \
	"{\"organization-name\":\"o\",\"date-range\":{\"start-datetime\":"     \
	"\"2016-04-01T00:00:00Z\",\"end-datetime\":\"2016-04-01T23:59:59Z\"}," \
	"\"report-id\":\"r\""

static void
test_tls_required(void)
{
	struct ea_tls_report *r;
	char err[256];
	T_EQ_INT(tls_str(HEAD "}", &r, err, sizeof(err)), EMAUTH_ESYNTAX);
	T_EQ_STR(err, "policies: missing");
	T_TRUE(r == NULL);
	T_EQ_INT(tls_str(HEAD ",\"policies\":{}}", &r, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_EQ_STR(err, "policies: not an array");
	T_EQ_INT(tls_str("{\"date-range\":{},\"report-id\":\"r\","
	                 "\"policies\":[]}",
	             &r, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_EQ_STR(err, "organization-name: missing");
	T_EQ_INT(tls_str("{\"organization-name\":7}", &r, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_EQ_STR(err, "organization-name: not a string");
	T_EQ_INT(tls_str("{\"organization-name\":\"o\",\"report-id\":\"r\","
	                 "\"policies\":[]}",
	             &r, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_EQ_STR(err, "date-range: missing");
	T_EQ_INT(tls_str("{\"organization-name\":\"o\",\"date-range\":{"
	                 "\"start-datetime\":\"2016-04-01T00:00:00Z\"},"
	                 "\"report-id\":\"r\",\"policies\":[]}",
	             &r, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_EQ_STR(err, "date-range.end-datetime: missing");
	T_EQ_INT(tls_str("{\"organization-name\":\"o\",\"date-range\":{"
	                 "\"start-datetime\":\"2016-04-01\",\"end-datetime\":"
	                 "\"2016-04-01T00:00:00Z\"},\"report-id\":\"r\","
	                 "\"policies\":[]}",
	             &r, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_EQ_STR(err, "date-range.start-datetime: not an RFC 3339 date-time");
	T_EQ_INT(tls_str("{\"organization-name\":\"o\",\"date-range\":{"
	                 "\"start-datetime\":\"2016-04-01T00:00:00Z\","
	                 "\"end-datetime\":\"2016-04-01T00:00:00Z\"},"
	                 "\"policies\":[]}",
	             &r, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_EQ_STR(err, "report-id: missing");
	/* Not a report, not JSON. */
	T_EQ_INT(tls_str("[]", &r, err, sizeof(err)), EMAUTH_ESYNTAX);
	T_EQ_INT(tls_str("", &r, err, sizeof(err)), EMAUTH_ESYNTAX);
	T_EQ_INT(tls_str("{\"a\":", &r, err, sizeof(err)), EMAUTH_ESYNTAX);
	T_EQ_STR(err, "not JSON: truncated");
	T_EQ_INT(tls_str(HEAD ",\"policies\":[]} {}", &r, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(tls_str(HEAD ",\"policies\":[],}", &r, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	T_EQ_INT(ea_tls_parse(
	             ea_span(HEAD "\0", sizeof(HEAD)), &r, err, sizeof(err)),
	    EMAUTH_ESYNTAX);
	/* A byte order mark first is skipped (RFC 8259 §8.1). */
	T_EQ_INT(
	    tls_str("\xef\xbb\xbf" HEAD ",\"policies\":[]}", &r, NULL, 0), 0);
	ea_tls_report_free(r);
	/* The minimal report, and white space after it. */
	T_EQ_INT(tls_str(HEAD ",\"policies\":[]}\r\n", &r, NULL, 0), 0);
	T_TRUE(r != NULL && r->npolicies == 0 && r->policies == NULL);
	ea_tls_report_free(r);
	ea_tls_report_free(NULL);
}

static void
test_tls_lenient(void)
{
	struct ea_tls_report *r;
	char err[256];
	/* Unknown members, a missing contact-info and summary, counts that
	 * are not non-negative integers, a policy that is not an object. */
	T_EQ_INT(tls_str(HEAD ",\"x-vendor\":{\"a\":[1,2]},\"policies\":[{"
	                      "\"policy\":{\"policy-type\":\"tlsa\","
	                      "\"policy-domain\":\"d.example\",\"mx-host\":"
	                      "[\"a\"],\"policy-string\":[\"x\"]},"
	                      "\"summary\":{\"total-successful-session-"
	                      "count\":-5,\"total-failure-session-count\":"
	                      "\"2\"}},{\"policy\":{\"policy-type\":"
	                      "\"no-policy-found\",\"policy-domain\":"
	                      "\"e.example\"}},3]}",
	             &r, err, sizeof(err)),
	    0);
	if (r == NULL)
		return;
	T_EQ_STR(r->contact, "");
	T_EQ_INT(r->npolicies, 3);
	T_EQ_STR(r->policies[0].policy_type, "tlsa");
	T_EQ_INT(r->policies[0].success, 0);
	T_EQ_INT(r->policies[0].failure, 0);
	T_TRUE(tls_warned(r, "total-successful-session-count: negative"));
	T_TRUE(tls_warned(r, "total-failure-session-count: not an integer"));
	T_EQ_STR(r->policies[1].policy_domain, "e.example");
	T_TRUE(tls_warned(r, "policies[1].summary: missing"));
	T_TRUE(tls_warned(r, "policies[2]: not an object"));
	ea_tls_report_free(r);

	/* Failure details: a count that is a float; a string too long is
	 * not kept; the details disagree with the summary. */
	char json[2048], host[300];
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	snprintf(json, sizeof(json),
	    HEAD ",\"policies\":[{\"policy\":{\"policy-type\":\"sts\","
	         "\"policy-domain\":\"d\"},\"summary\":{"
	         "\"total-successful-session-count\":18446744073709551615,"
	         "\"total-failure-session-count\":4},\"failure-details\":["
	         "{\"result-type\":\"a\",\"failed-session-count\":1.0},"
	         "{\"result-type\":\"b\",\"receiving-mx-hostname\":\"%s\","
	         "\"failed-session-count\":2}]}]}",
	    host);
	T_EQ_INT(tls_str(json, &r, err, sizeof(err)), 0);
	if (r == NULL)
		return;
	const struct ea_tls_policy *p = &r->policies[0];
	T_EQ_INT(p->success == 18446744073709551615ul, 1);
	T_EQ_INT(p->nfailures, 2);
	T_EQ_INT(p->failures[0].failed_session_count, 0);
	T_TRUE(tls_warned(r, "failed-session-count: not an integer"));
	T_EQ_STR(p->failures[1].receiving_mx_hostname, "");
	T_TRUE(tls_warned(r, "receiving-mx-hostname: longer than 255 bytes"));
	T_TRUE(tls_warned(r, "add up to 2 sessions, the summary says 4"));
	ea_tls_report_free(r);

	/* The report-id is the report's key: too long is refused. */
	char id[300];
	memset(id, 'i', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	snprintf(json, sizeof(json),
	    "{\"organization-name\":\"o\",\"date-range\":{\"start-datetime\":"
	    "\"2016-04-01T00:00:00+02:00\",\"end-datetime\":"
	    "\"2016-04-01T00:00:00.5z\"},\"report-id\":\"%s\","
	    "\"policies\":[]}",
	    id);
	T_EQ_INT(tls_str(json, &r, err, sizeof(err)), EMAUTH_ELIMIT);
	T_EQ_STR(err, "report-id: longer than 255 bytes");
	id[255] = '\0';
	snprintf(json, sizeof(json),
	    "{\"organization-name\":\"o\",\"date-range\":{\"start-datetime\":"
	    "\"2016-04-01T00:00:00+02:00\",\"end-datetime\":"
	    "\"2016-04-01 00:00:00.5z\"},\"report-id\":\"%s\","
	    "\"policies\":[]}",
	    id);
	T_EQ_INT(tls_str(json, &r, err, sizeof(err)), 0);
	if (r) {
		T_EQ_INT(strlen(r->report_id), 255);
		T_EQ_INT(r->begin, 1459461600);
		T_EQ_INT(r->end, 1459468800);
	}
	ea_tls_report_free(r);
}

static void
test_tls_dates(void)
{
	static const struct {
		const char *s;
		int64_t want; /* -1: refused */
	} cases[] = {
	    {"1970-01-01T00:00:00Z", 0},
	    {"2016-02-29T23:59:60Z", 1456790400},
	    {"2016-04-01T00:00:00-00:30", 1459470600},
	    {"2016-04-01T00:00:00.000000001Z", 1459468800},
	    {"2015-02-29T00:00:00Z", -1},
	    {"2016-13-01T00:00:00Z", -1},
	    {"2016-04-01T24:00:00Z", -1},
	    {"2016-04-01T00:00:00", -1},
	    {"2016-04-01T00:00:00+0200", -1},
	    {"2016-04-01T00:00:00.Z", -1},
	    {"2016-4-01T00:00:00Z", -1},
	    {"2016-04-01T00:00:00Zx", -1},
	    {"", -1},
	};
	for (size_t i = 0; i < EA_ARRAY_LEN(cases); i++) {
		char json[512], err[256];
		struct ea_tls_report *r = NULL;
		snprintf(json, sizeof(json),
		    "{\"organization-name\":\"o\",\"date-range\":{"
		    "\"start-datetime\":\"%s\",\"end-datetime\":"
		    "\"2099-01-01T00:00:00Z\"},\"report-id\":\"r\","
		    "\"policies\":[]}",
		    cases[i].s);
		int rc = tls_str(json, &r, err, sizeof(err));
		if (cases[i].want < 0)
			T_EQ_INT(rc, EMAUTH_ESYNTAX);
		else {
			T_EQ_INT(rc, 0);
			T_EQ_INT(r ? r->begin : -1, cases[i].want);
		}
		if ((rc == 0) != (cases[i].want >= 0))
			fprintf(stderr, "  date \"%s\": %s\n", cases[i].s, err);
		ea_tls_report_free(r);
	}
}

static void
test_tls_limits(void)
{
	struct ea_tls_report *r;
	char err[256];
	/* Nesting deeper than the tokener's depth is refused. */
	static char deep[256];
	size_t k = 0;
	memcpy(deep, HEAD ",\"policies\":[", sizeof(HEAD) - 1 + 13);
	k = sizeof(HEAD) - 1 + 13;
	for (int i = 0; i < 40; i++)
		deep[k++] = '[';
	for (int i = 0; i < 40; i++)
		deep[k++] = ']';
	deep[k++] = ']';
	deep[k++] = '}';
	deep[k] = '\0';
	T_EQ_INT(tls_str(deep, &r, err, sizeof(err)), EMAUTH_ELIMIT);
	T_EQ_STR(err, "JSON nested deeper than 32");
	T_TRUE(r == NULL);
	/* Over 64 MiB: refused before it is read. */
	size_t big = 64u * 1024 * 1024 + 1;
	char *b = malloc(big);
	if (b) {
		memset(b, ' ', big);
		b[0] = '{';
		b[big - 1] = '}';
		T_EQ_INT(ea_tls_parse(ea_span(b, big), &r, err, sizeof(err)),
		    EMAUTH_ELIMIT);
		T_EQ_STR(err, "larger than 67108864 bytes");
		free(b);
	}
	/* More than EA_TLS_POLICIES_MAX policies, more than
	 * EA_TLS_FAILURES_MAX failure details. */
	size_t cap = 64 * 1024;
	char *j = malloc(cap);
	if (j == NULL)
		return;
	size_t n = (size_t)snprintf(j, cap, "%s", HEAD ",\"policies\":[");
	for (int i = 0; i <= EA_TLS_POLICIES_MAX; i++)
		n += (size_t)snprintf(j + n, cap - n, "%s{}", i ? "," : "");
	snprintf(j + n, cap - n, "]}");
	T_EQ_INT(tls_str(j, &r, err, sizeof(err)), EMAUTH_ELIMIT);
	T_EQ_STR(err, "policies: more than 1000 entries");
	n = (size_t)snprintf(
	    j, cap, "%s", HEAD ",\"policies\":[{\"failure-details\":[");
	for (int i = 0; i <= EA_TLS_FAILURES_MAX; i++)
		n += (size_t)snprintf(j + n, cap - n, "%s{}", i ? "," : "");
	snprintf(j + n, cap - n, "]}]}");
	T_EQ_INT(tls_str(j, &r, err, sizeof(err)), EMAUTH_ELIMIT);
	T_EQ_STR(err, "policies[0].failure-details: more than 1000 entries");
	free(j);
}

static void
test_tls_oom(void)
{
	size_t n = 0;
	uint8_t *p =
	    slurp("dmarc-reports-parsedmarc/smtp_tls/rfc8460.json", &n);
	if (p == NULL)
		return;
	char err[256];
	for (size_t k = 1; k < 50; k++) {
		struct ea_tls_report *r = NULL;
		ea_alloc_fail_at(k, false);
		int rc = ea_tls_parse(ea_span(p, n), &r, err, sizeof(err));
		size_t made = ea_alloc_fail_at(0, false);
		T_TRUE(rc == 0 || rc == EMAUTH_ENOMEM);
		T_TRUE((rc == 0) == (r != NULL));
		ea_tls_report_free(r);
		if (rc == 0 && made < k)
			break;
	}
	free(p);
}

/* The suites folder: EMAUTH_TOP, next to the zones folder, or by this
 * file's path. */
static void
find_suites(const char *zones)
{
	const char *top = getenv("EMAUTH_TOP");
	if (top && top[0]) {
		snprintf(suites, sizeof(suites), "%s/tests/data/suites", top);
		if (access(suites, R_OK) == 0)
			return;
	}
	if (zones) {
		snprintf(suites, sizeof(suites), "%s/../suites", zones);
		if (access(suites, R_OK) == 0)
			return;
	}
	/* __FILE__ is .../tests/unit/report/test_arf_tls.c */
	const char *file = __FILE__;
	const char *end = strstr(file, "tests/unit/report/");
	if (end) {
		snprintf(suites, sizeof(suites), "%.*stests/data/suites",
		    (int)(end - file), file);
		if (access(suites, R_OK) == 0)
			return;
	}
	snprintf(suites, sizeof(suites), "tests/data/suites");
}

int
main(int argc, char **argv)
{
	emauth_global_init();
	find_suites(argc > 1 ? argv[1] : NULL);
	T_RUN(test_stalwart_001_abuse);
	T_RUN(test_stalwart_002_abuse_fields);
	T_RUN(test_stalwart_003_received_date);
	T_RUN(test_stalwart_004_opendmarc);
	T_RUN(test_stalwart_005_rfc6591);
	T_RUN(test_parsedmarc_linkedin);
	T_RUN(test_parsedmarc_netease);
	T_RUN(test_parsedmarc_domain_de);
	T_RUN(test_not_arf_samples);
	T_RUN(test_not_arf);
	T_RUN(test_lenient_forms);
	T_RUN(test_field_values);
	T_RUN(test_too_long);
	T_RUN(test_dates);
	T_RUN(test_arf_oom);
	T_RUN(test_tls_rfc8460_sample);
	T_RUN(test_tls_parsedmarc_sample);
	T_RUN(test_tls_required);
	T_RUN(test_tls_lenient);
	T_RUN(test_tls_dates);
	T_RUN(test_tls_limits);
	T_RUN(test_tls_oom);
	return t_summary();
}
