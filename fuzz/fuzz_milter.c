/*
 * fuzz_milter.c: emauth-milter's callbacks (tools/milter/callbacks.c), as
 * libmilter calls them for an SMTP session, with libmilter itself replaced
 * by a recording shim (milter_shim.c) and the DNS answers taken from the
 * input through the test back end (fuzz_zone.h): the link wraps
 * emauth_ctx_set_dns(), so each context the milter opens gets the input's
 * zone. Four configurations are loaded once, from files written to a
 * temporary folder with the example keys: sign and verify with tables and
 * Ed25519 keys, enforcing reject; sign with one RSA key and verify,
 * simple/simple, quarantine, RFC 7489; verify only with a RejectMessage,
 * a small header cap, trusted ARC sealers and DMARC reporting (the verdict
 * of each message made
 * a store row, the header block and body kept for failure reports; no
 * recorder runs here); sign only, without Authentication-Results; a relay
 * that signs only example.com, rewrites the From of other domains that
 * publish quarantine or reject (RewriteFrom dmarc, to example.com) and
 * seals with ARC (ARCSign).
 *
 * Input:
 *   line 1   the configuration, 0 to 4
 *   then     DNS lines (fuzz_zone.h) up to a line "%%"
 *   then     the session, one event a line:
 *              negotiate F0 F1     the actions and steps the MTA offers
 *                                  (hexadecimal; before connect)
 *              connect IP [HOST]   the client ("-" or a bad address: none)
 *              macro NAME VALUE    e.g. "macro {auth_authen} alice"
 *              helo NAME | mail ADDR | rcpt ADDR | eoh | eom | abort
 *              | close
 *              header NAME:VALUE   with escapes \r \n \t \\ \xHH; the
 *                                  name without trailing blanks (Postfix)
 *              body TEXT           the same escapes
 *            Events come in libmilter's order: one that cannot come in the
 *            current state aborts the message first, as libmilter does, or
 *            is dropped; the end of the header block is sent before the
 *            body if need be. The session is closed at the end.
 *
 * Invariants, besides the shim's: each callback returns a status libmilter
 * knows, NOREPLY exactly for the steps negotiated without a reply, and a
 * reply code that matches it (a reject has a 5xx reply); negotiation asks
 * only for what was offered; a signed message gets only DKIM-Signature
 * fields, and each verifies against the message as the MTA will send it
 * (with every change the milter asked for), besides, when configured: a
 * rewritten From (the first From field of a message that has exactly one,
 * now an address at RewriteFromDomain) with X-Original-From and, when the
 * message had none, Reply-To added; and one ARC set on top (ARC-Seal,
 * ARC-Message-Signature, ARC-Authentication-Results) whose instance follows
 * the message's own sets, and whose chain passes when it is the first; a
 * verified message gets no DKIM-Signature, one Authentication-Results
 * field (when configured) that parses back complete with our authserv-id
 * and, when the MTA passes fields exactly, the DKIM results of the
 * message as the MTA holds it; when delivered, every field claiming our
 * authserv-id is removed and no other; DMARC pass in that field needs
 * exactly one From field, and means delivery without quarantine; a DMARC fail
 * of a reject policy is rejected under DMARCEnforce reject; a client on
 * ExternalIgnoreList is never quarantined; after close no message is in flight
 * and every configuration reference is back.
 */
#include "fuzz.h"
#include "fuzz_zone.h"
#include "milter_shim.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/span.h"
#include "dkim/sig.h"

#include <emauth/arc.h>
#include <emauth/authres.h>
#include <emauth/dkim.h>
#include <emauth/msg.h>
#include <emauth/verdict.h>

#define CONFIGS 5
#define HEADERS_MAX 256
#define LINE_BYTES 8192
/* Key records for every signature of a message (MC_SIGS_PER_MESSAGE). */
#define ZONE_BYTES (MC_SIGS_PER_MESSAGE * 1536)

/* The example keys (examples/keys): public, for tests only. */
static const char ed_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIBSan5mdwrlt7knp3XsRblLPvLJP03zCqNaxoykfXmYg\n"
    "-----END PRIVATE KEY-----\n";
static const char ed_record[] =
    "v=DKIM1; k=ed25519; p=4SomWD3VrUPYy+bQy/iOoGaxgSD0mdujg1t1Tjwo5Iw=";
static const char rsa_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCvc2PFBQvSTvCg\n"
    "AcKk4zNV1uRT2hWfbvhuizBXBlWWo+WMyh6+3oD4qHHFcDr4QAtGkaU7FU53hXcK\n"
    "jNXGrwv04r4PLtOeD4fR2eKzmElLDaqGELFj95um/xTizKlk7dTAfQZ0xW9uOsJY\n"
    "72qhB0Y2G5DKQ8EjgDPRTA5R+q10ur1PCyYZC16oR88o3MHU/y1Z+tjJMLVXqmrx\n"
    "0i+XwNbBjrpsOwAOCdIjkIUVg+w6PI0LVv3NKZkO+zB+AAXBHg2He8x9bkcVsO48\n"
    "tTzf1xZdvnJJlMEKKxD6j7DJMVeuwKZMwuAp7uowbQxEMGpc8RIBDGPJwl0zER5a\n"
    "Z1IyITPtAgMBAAECggEAA3k73O80JDZG4kwWn/AVmJn4DEbxjaYDSiD8VIS+Fgzp\n"
    "owdvY2UBVar0Ea4epMKT1pJUnJ5X3troF+/g3Z2ilXcVvzQ0oVj6Xee76sVVkiRT\n"
    "n3LeKDYDQWOkdLcLlYF16FexVIeCJMMKDPu0dzqvI6wZCkAcJ0lG/VpNoEbfv0NY\n"
    "zNGohJBZT02Xfe29yi+sNNzR/OJh4hY6W9SlzwJUfwY0iRMIbH3DV8Mv5Tp37hfY\n"
    "bqyTQM9ZuQKz4W6V3E7LpUHcM+rn3mow5bXTKLXTWP8a+2JkTCvyZdixeruE8M1A\n"
    "DKUXDRgr63KTVZ1ybsVF4Seyflb+5beGTwHXc0iTAQKBgQDdUkrPuAwdDsV8Gg5B\n"
    "vsxBTZ9u2Jl2ffjAYxwpYsoLSZnSZHwb7CHXvrIWTW5ZRp/TlC/UWlLngPq1G7UZ\n"
    "Aq2Nr03scLFW6wqNfHeja5Ta2MoTypTrUNLXtfB+aa2DizbJunH4/vF5e5S3S0fS\n"
    "ERVCCfDiVNBvDjNWk4hN57lQbQKBgQDK8R5iXtpit2t6USclC7/RNUrFcqOGLmnb\n"
    "3xxMUSajvanSLFTwqAj12d0FPc1UfkLyYiOGsll/qiHY+jjpm670cJghZpaBnSwW\n"
    "YystbJEkXxTtpB38ez6oyOUsw76wdl4wP55nehB6J0gMU887bCz5BLTHybBHxqt2\n"
    "lKDGtSRBgQKBgEO8nfz5HWv/S13yM47XsHgEI9mvHTjw0SNAsivQenn96sBD1OBO\n"
    "4wS+7o544F8eiGgfIIxjoKAOD61Cb6jZ8vg8QSMuUniBs1ceUxeHI6XfV+m6xN1I\n"
    "fV9b5eEqwtpRz1DqaVuF264MrrVyquaWJ+VwWXNL9gcnV3sV6E+/ri35AoGBAJnY\n"
    "ZCJKqd+AENgvQS+SUp20erRoDZMhCFsILhmkw1gJ5f1QYiv2FqTZvfXFPi05cmLx\n"
    "BuGLvtFLFlG4jwB5Zw4jdRCNBrfHgK6QCyFqVjVuZx0n9xt6CqxFb4aZ9asscIa/\n"
    "E8R6Ape3w6SkvErd3NICQVHbkek3sLA6SA+bLpsBAoGARnS9Oe/uQV3pS4eOiQbp\n"
    "znoWuBkKdCAApU9qwC3n5ZJJDJdmrPdw+RVn0D6o/daFOm7uA/9V6bVQ3C7BOvl/\n"
    "32Nu+YxzAhGjHV0Cbq94qXfmpqUiUvM22ML3822rRH5wjK7tTw7r6sMkErL+DJmy\n"
    "iLG+2MSDlZU3UAB8S8E1xuk=\n"
    "-----END PRIVATE KEY-----\n";
static const char rsa_record[] =
    "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr3"
    "NjxQUL0k7woAHCpOMzVdbkU9oVn274boswVwZVlqPljMoevt6A+KhxxXA6+EALRp"
    "GlOxVOd4V3CozVxq8L9OK+Dy7Tng+H0dnis5hJSw2qhhCxY/ebpv8U4sypZO3UwH"
    "0GdMVvbjrCWO9qoQdGNhuQykPBI4Az0UwOUfqtdLq9TwsmGQteqEfPKNzB1P8tWf"
    "rYyTC1V6pq8dIvl8DWwY66bDsADgnSI5CFFYPsOjyNC1b9zSmZDvswfgAFwR4Nh3"
    "vMfW5HFbDuPLU839cWXb5ySZTBCisQ+o+wyTFXrsCmTMLgKe7qMG0MRDBqXPESAQ"
    "xjycJdMxEeWmdSMiEz7QIDAQAB";

static const char *const configs[CONFIGS] = {
    "Mode sv\n"
    "AuthservID mx.fuzz.example\n"
    "KeyTable $D/KeyTable\n"
    "SigningTable refile:$D/SigningTable\n"
    "InternalHosts csl:10.0.0.0/8,127.0.0.1,::1,relay.fuzz.example\n"
    "ExternalIgnoreList csl:192.0.2.99,2001:db8:99::/48\n"
    "Canonicalization relaxed/relaxed\n"
    "OversignHeaders From,Subject\n"
    "DMARCEnforce reject\n"
    "TempFailOnDNSError yes\n"
    "SyslogSuccess yes\n"
    "LogWhy yes\n"
    "DNS zone:$D/empty.zone\n",
    "Mode sv\n"
    "AuthservID mx.fuzz.example\n"
    "Domain example.com,example.org\n"
    "Selector rsa1\n"
    "KeyFile $D/rsa.private\n"
    "Canonicalization simple/simple\n"
    "DMARCEnforce quarantine\n"
    "DMARCMode rfc7489\n"
    "TempFailOnDNSError no\n"
    "DNS zone:$D/empty.zone\n",
    "Mode v\n"
    "AuthservID fuzz.example\n"
    "Canonicalization relaxed/simple\n"
    "DMARCEnforce reject\n"
    "RejectMessage Mail from %d is not accepted here (100% sure)\n"
    "MaximumHeaderBytes 2048\n"
    "ExternalIgnoreList csl:192.0.2.99\n"
    "LogWhy yes\n"
    "ARCTrustedSealers fuzz.example, lists.example.org\n"
    "ReportStore sqlite:$D/reports.db\n"
    "FailureReports yes\n"
    "FailureReportsBody yes\n"
    "FailureReportsRedact yes\n"
    "DNS zone:$D/empty.zone\n",
    "Mode s\n"
    "KeyTable $D/KeyTable\n"
    "SigningTable refile:$D/SigningTable\n"
    "InternalHosts csl:10.0.0.0/8,relay.fuzz.example\n"
    "Canonicalization simple/relaxed\n"
    "AddAuthenticationResults no\n"
    "MaximumHeaderBytes 4096\n"
    "DNS zone:$D/empty.zone\n",
    "Mode sv\n"
    "AuthservID relay.fuzz.example\n"
    "KeyTable $D/KeyTable\n"
    "SigningTable refile:$D/SigningTable2\n"
    "InternalHosts csl:10.0.0.0/8,127.0.0.1\n"
    "RewriteFrom dmarc\n"
    "RewriteFromDomain example.com\n"
    "RewriteFromOrganization Fuzz Lists\n"
    "ARCSign ed2\n"
    "DMARCEnforce reject\n"
    "DNS zone:$D/empty.zone\n",
};

static const char keytable[] = "ed %:fz:$D/ed.private\n"
                               "ed2 example.com:fz2:$D/ed.private\n";
static const char signingtable[] = "*@example.com ed2\n"
                                   "* ed\n";
/* Configuration 4: only example.com is signed (every other From is for
 * RewriteFrom), and ARCSign ed2 seals with this key. */
static const char signingtable2[] = "*@example.com ed2\n";
static char arc_zone[256]; /* its key record, made by init() */

static char tmpdir[256];
static struct milter_state *states[CONFIGS];

/* The zone of the input being run, for every context the milter opens. */
static const char *zone_text;
static size_t zone_len;

int __wrap_emauth_ctx_set_dns(
    struct emauth_ctx *ctx, const char *spec, struct emauth_diag *diag);

int
__wrap_emauth_ctx_set_dns(
    struct emauth_ctx *ctx, const char *spec, struct emauth_diag *diag)
{
	(void)spec;
	(void)diag;
	return fuzz_zone_install(ctx, zone_text ? zone_text : "", zone_len);
}

/* Writes @text to tmpdir/@name with "$D" replaced by tmpdir. */
static void
write_file(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	FUZZ_ASSERT(f != NULL);
	for (const char *p = text; *p; p++) {
		if (p[0] == '$' && p[1] == 'D') {
			fputs(tmpdir, f);
			p++;
		} else {
			fputc(*p, f);
		}
	}
	FUZZ_ASSERT(fclose(f) == 0);
	FUZZ_ASSERT(chmod(path, 0600) == 0);
}

/* What main.c's milter_state_load() does, without its checks of the key
 * files' owners and modes. */
static struct milter_state *
load_state(const char *path)
{
	struct milter_state *st = calloc(1, sizeof(*st));
	char err[1024], warn[2048];
	if (milter_config_load(
	        path, &st->cfg, err, sizeof(err), warn, sizeof(warn)) != 0) {
		fprintf(stderr, "fuzz_milter: %s\n", err);
		abort();
	}
	const char *files[2] = {"ed.private", "rsa.private"};
	const char *pems[2] = {ed_key, rsa_key};
	st->keys = calloc(2, sizeof(*st->keys));
	for (size_t i = 0; i < 2; i++) {
		struct emauth_dkim_key *k = NULL;
		FUZZ_ASSERT(emauth_dkim_key_load(
		                (struct emauth_span){
		                    (const uint8_t *)pems[i], strlen(pems[i])},
		                &k, NULL) == 0);
		snprintf(st->keys[i].path, sizeof(st->keys[i].path), "%s/%s",
		    tmpdir, files[i]);
		st->keys[i].key = k;
	}
	st->nkeys = 2;
	return st;
}

static void
cleanup(void)
{
	static const char *const names[] = {"KeyTable", "SigningTable",
	    "SigningTable2", "ed.private", "rsa.private", "empty.zone",
	    "c0.conf", "c1.conf", "c2.conf", "c3.conf", "c4.conf", "reports.db",
	    "reports.db-wal", "reports.db-shm"};
	char path[512];
	milter_pool_free();
	for (size_t i = 0; i < CONFIGS; i++) {
		if (states[i] == NULL)
			continue;
		for (size_t k = 0; k < states[i]->nkeys; k++)
			emauth_dkim_key_free(states[i]->keys[k].key);
		free(states[i]->keys);
		milter_config_free(&states[i]->cfg);
		free(states[i]);
		states[i] = NULL;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

static void
init(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/fuzz_milter.XXXXXX",
	    t && t[0] ? t : "/tmp");
	FUZZ_ASSERT(mkdtemp(tmpdir) != NULL);
	emauth_global_init();
	write_file("KeyTable", keytable);
	write_file("SigningTable", signingtable);
	write_file("SigningTable2", signingtable2);
	snprintf(arc_zone, sizeof(arc_zone),
	    "fz2._domainkey.example.com TXT %s\n", ed_record);
	write_file("ed.private", ed_key);
	write_file("rsa.private", rsa_key);
	write_file("empty.zone", "");
	for (size_t i = 0; i < CONFIGS; i++) {
		char name[16], path[512];
		snprintf(name, sizeof(name), "c%zu.conf", i);
		write_file(name, configs[i]);
		snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
		states[i] = load_state(path);
	}
	atexit(cleanup);
}

/* The session. */

enum phase { P_NONE, P_MAIL, P_HDRS, P_EOH, P_BODY };

struct field {
	char *name, *value;
};

struct session {
	SMFICTX ctx;
	struct milter_state *st;
	bool open, refused, negotiated;
	bool nr_hdr, nr_body;
	char ip[64], host[256];
	/* The message. */
	enum phase phase;
	bool over; /* a callback ended it for the milter */
	bool sign, verify, ignored;
	struct field h[HEADERS_MAX];
	size_t nh;
	bool plausible; /* as an MTA would pass it (see roundtrip) */
	uint8_t *body;  /* as passed to the milter */
	size_t blen, bcap;
};

static void
message_clear(struct session *s)
{
	for (size_t i = 0; i < s->nh; i++) {
		free(s->h[i].name);
		free(s->h[i].value);
	}
	s->nh = 0;
	free(s->body);
	s->body = NULL;
	s->blen = s->bcap = 0;
	s->phase = P_NONE;
	s->over = false;
	s->plausible = true;
}

static bool
final(sfsistat r)
{
	return r == SMFIS_REJECT || r == SMFIS_DISCARD || r == SMFIS_ACCEPT ||
	       r == SMFIS_TEMPFAIL;
}

/* Checks a callback's status and its reply; @nr: the step was negotiated
 * without a reply. */
static void
check_status(struct session *s, sfsistat r, bool nr)
{
	FUZZ_ASSERT(r == SMFIS_CONTINUE || final(r) || r == SMFIS_NOREPLY);
	/* libmilter sends no reply for NOREPLY: the MTA would wait for ever
	 * if it expects one, and read a reply it did not ask for as the
	 * next one otherwise. */
	FUZZ_ASSERT((r == SMFIS_NOREPLY) == nr);
	if (s->ctx.replied) {
		FUZZ_ASSERT(s->ctx.rcode[0] == '5' ? r == SMFIS_REJECT
		                                   : r == SMFIS_TEMPFAIL);
	}
	if (r == SMFIS_REJECT)
		FUZZ_ASSERT(!s->ctx.replied || s->ctx.rcode[0] == '5');
	s->ctx.replied = false;
}

static void
cb_abort(struct session *s)
{
	check_status(s, milter_desc.xxfi_abort(&s->ctx), false);
	message_clear(s);
}

static void
cb_close(struct session *s)
{
	/* libmilter calls xxfi_close at the end of every session, once
	 * negotiated. */
	if (s->open || s->refused || s->negotiated) {
		if (s->open && s->phase != P_NONE)
			cb_abort(s);
		check_status(s, milter_desc.xxfi_close(&s->ctx), false);
	}
	FUZZ_ASSERT(s->ctx.priv == NULL);
	FUZZ_ASSERT(milter_active() == 0);
	FUZZ_ASSERT(shim_state_refs() == 0);
	shim_release(&s->ctx);
	message_clear(s);
	struct milter_state *st = s->st;
	memset(s, 0, sizeof(*s));
	s->st = st;
	s->plausible = true;
}

/* Decodes the escapes \r \n \t \\ \xHH of @in into @out (NUL-terminated);
 * returns the length. */
static size_t
unescape(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; in[i] && o + 1 < size; i++) {
		char c = in[i];
		if (c == '\\' && in[i + 1]) {
			char e = in[++i];
			if (e == 'r')
				c = '\r';
			else if (e == 'n')
				c = '\n';
			else if (e == 't')
				c = '\t';
			else if (e == 'x' && fuzz_hex(in[i + 1]) >= 0 &&
			         fuzz_hex(in[i + 2]) >= 0) {
				c = (char)(fuzz_hex(in[i + 1]) * 16 +
				           fuzz_hex(in[i + 2]));
				i += 2;
			} else {
				c = e;
			}
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return o;
}

static unsigned long
hexnum(const char *s)
{
	unsigned long v = 0;
	for (size_t i = 0; s && i < 8 && fuzz_hex(s[i]) >= 0; i++)
		v = v * 16 + (unsigned long)fuzz_hex(s[i]);
	return v;
}

static void
ev_negotiate(struct session *s, char *args)
{
	if (s->open || s->refused || s->negotiated ||
	    milter_desc.xxfi_negotiate == NULL)
		return;
	char *f1s = strchr(args, ' ');
	unsigned long f0 = hexnum(args), f1 = hexnum(f1s ? f1s + 1 : NULL);
	unsigned long p0 = 0, p1 = 0, p2 = 0, p3 = 0;
	sfsistat r = milter_desc.xxfi_negotiate(
	    &s->ctx, f0, f1, 0, 0, &p0, &p1, &p2, &p3);
	FUZZ_ASSERT(
	    r == SMFIS_CONTINUE || r == SMFIS_ALL_OPTS || r == SMFIS_REJECT);
	s->negotiated = true;
	if (r == SMFIS_ALL_OPTS) {
		p0 = f0;
		p1 = f1;
	}
	/* Only what the MTA offered. */
	FUZZ_ASSERT((p0 & ~f0) == 0 && (p1 & ~f1) == 0);
	s->ctx.actions = p0;
	s->ctx.leadspc = (p1 & SMFIP_HDR_LEADSPC) != 0;
	s->nr_hdr = (p1 & SMFIP_NR_HDR) != 0;
	s->nr_body = (p1 & SMFIP_NR_BODY) != 0;
	/* Steps the milter asked the MTA to skip are not sent. */
	FUZZ_ASSERT((p1 & (SMFIP_NOHDRS | SMFIP_NOBODY | SMFIP_NOEOH |
	                      SMFIP_NOCONNECT | SMFIP_NOMAIL)) == 0);
	if (r == SMFIS_REJECT)
		s->refused = true;
}

/* Whether @v is printable ASCII: what the MTA's own values (queue id,
 * SASL login, host name) hold. */
static bool
printable(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e)
			return false;
	return true;
}

static void
ev_connect(struct session *s, char *args)
{
	if (s->open || s->refused)
		return;
	if (!s->negotiated)
		s->ctx.actions = milter_desc.xxfi_flags;
	char *host = strchr(args, ' ');
	if (host)
		*host++ = '\0';
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} a;
	memset(&a, 0, sizeof(a));
	struct sockaddr *sa = NULL;
	if (inet_pton(AF_INET, args, &a.in.sin_addr) == 1) {
		a.in.sin_family = AF_INET;
		sa = &a.sa;
	} else if (inet_pton(AF_INET6, args, &a.in6.sin6_addr) == 1) {
		a.in6.sin6_family = AF_INET6;
		sa = &a.sa;
	}
	if (sa)
		inet_ntop(sa->sa_family,
		    sa->sa_family == AF_INET ? (void *)&a.in.sin_addr
		                             : (void *)&a.in6.sin6_addr,
		    s->ip, sizeof(s->ip));
	/* Postfix passes a verified host name, or the address in brackets
	 * when there is none. */
	snprintf(s->host, sizeof(s->host), "%s",
	    host && printable(host) ? host
	    : sa                    ? "[unknown]"
	                            : "localhost");
	sfsistat r = milter_desc.xxfi_connect(&s->ctx, s->host, sa);
	check_status(s, r, false);
	if (r == SMFIS_CONTINUE)
		s->open = true;
	else
		s->refused = true;
}

static void
ev_helo(struct session *s, char *args)
{
	if (!s->open)
		return;
	if (s->phase != P_NONE)
		cb_abort(s);
	check_status(s, milter_desc.xxfi_helo(&s->ctx, args), false);
}

static void
ev_mail(struct session *s, char *args)
{
	if (!s->open)
		return;
	if (s->phase != P_NONE)
		cb_abort(s);
	/* What the callbacks will decide, from the same configuration. */
	const struct milter_config *cfg = &s->st->cfg;
	const char *h = s->host[0] == '[' ? NULL : s->host;
	const char *auth = smfi_getsymval(&s->ctx, "{auth_authen}");
	bool internal = milter_config_internal(cfg, s->ip, h);
	s->sign = (cfg->mode & MC_SIGN) && (internal || (auth && auth[0]));
	s->verify = (cfg->mode & MC_VERIFY) && !s->sign && s->ip[0];
	s->ignored = milter_nets_match(&cfg->external_ignore, s->ip, h);
	char *argv[2] = {args, NULL};
	sfsistat r = milter_desc.xxfi_envfrom(&s->ctx, argv);
	check_status(s, r, false);
	message_clear(s);
	s->phase = P_MAIL;
	s->over = final(r);
}

/* RCPT TO: after MAIL FROM, before the header block (dropped elsewhere). */
static void
ev_rcpt(struct session *s, char *args)
{
	if (!s->open || s->phase != P_MAIL || s->over ||
	    milter_desc.xxfi_envrcpt == NULL)
		return;
	char *argv[2] = {args, NULL};
	sfsistat r = milter_desc.xxfi_envrcpt(&s->ctx, argv);
	check_status(s, r, false);
	s->over = final(r);
}

static bool
name_ok(const char *n)
{
	if (n[0] == '\0')
		return false;
	for (const char *p = n; *p; p++)
		if ((unsigned char)*p < 33 || (unsigned char)*p > 126 ||
		    *p == ':')
			return false;
	return true;
}

/* Whether the MTA could pass this field: a name of printable characters,
 * a value without CR whose line breaks are folds, and without the leading
 * blanks the MTA strips when SMFIP_HDR_LEADSPC is off. */
static bool
value_ok(const struct session *s, const char *v)
{
	size_t n = strlen(v);
	if (strchr(v, '\r') || (n && v[n - 1] == '\n'))
		return false;
	for (const char *p = strchr(v, '\n'); p; p = strchr(p + 1, '\n'))
		if (p[1] != ' ' && p[1] != '\t')
			return false;
	return s->ctx.leadspc || (v[0] != ' ' && v[0] != '\t');
}

static void
ev_header(struct session *s, char *args)
{
	if (!s->open || s->phase == P_NONE)
		return;
	if (s->phase > P_HDRS) {
		/* libmilter: not reachable from here; abort, and from
		 * HELO a header is not reachable either. */
		cb_abort(s);
		return;
	}
	if (s->over || s->nh == HEADERS_MAX)
		return;
	char *buf = malloc(LINE_BYTES);
	unescape(args, buf, LINE_BYTES);
	char *colon = strchr(buf, ':');
	char *name = buf, *value = colon ? colon + 1 : buf + strlen(buf);
	if (colon)
		*colon = '\0';
	/* Postfix passes the name without the blanks before the colon. */
	for (size_t l = strlen(name);
	     l > 0 && (name[l - 1] == ' ' || name[l - 1] == '\t'); l--)
		name[l - 1] = '\0';
	s->phase = P_HDRS;
	if (!name_ok(name) || !value_ok(s, value))
		s->plausible = false;
	s->h[s->nh].name = strdup(name);
	s->h[s->nh].value = strdup(value);
	s->nh++;
	sfsistat r = milter_desc.xxfi_header(&s->ctx, name, value);
	check_status(s, r, s->nr_hdr);
	s->over = final(r);
	free(buf);
}

static void
ev_eoh(struct session *s)
{
	if (!s->open || s->phase == P_NONE)
		return;
	if (s->phase > P_HDRS) {
		cb_abort(s);
		return;
	}
	s->phase = P_EOH;
	if (s->over)
		return;
	sfsistat r = milter_desc.xxfi_eoh(&s->ctx);
	check_status(s, r, false);
	s->over = final(r);
}

static void
ev_body(struct session *s, char *args)
{
	if (!s->open || s->phase == P_NONE)
		return;
	/* The MTA sends the end of the header block before the body. */
	if (s->phase < P_EOH)
		ev_eoh(s);
	s->phase = P_BODY;
	if (s->over)
		return;
	char *buf = malloc(LINE_BYTES);
	size_t n = unescape(args, buf, LINE_BYTES);
	if (s->blen + n > s->bcap) {
		s->bcap = (s->blen + n) * 2;
		s->body = realloc(s->body, s->bcap);
	}
	if (n)
		memcpy(s->body + s->blen, buf, n);
	s->blen += n;
	/* A copy of exactly the chunk, so that ASan sees any over-read. */
	uint8_t *chunk = fuzz_copy((const uint8_t *)buf, n);
	free(buf);
	sfsistat r = milter_desc.xxfi_body(&s->ctx, chunk, n);
	free(chunk);
	check_status(s, r, s->nr_body);
	s->over = final(r);
}

/* "Name:" and the value as the MTA holds the field, with CRLF. */
static size_t
wire_field(const struct session *s, const char *name, const char *value,
    char *out, size_t size)
{
	size_t o = (size_t)snprintf(
	    out, size, "%s:%s", name, !s->ctx.leadspc && value[0] ? " " : "");
	for (const char *p = value; *p && o + 2 < size; p++) {
		if (*p == '\n')
			out[o++] = '\r';
		out[o++] = *p;
	}
	out[o] = '\0';
	return o;
}

static bool
named(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* The most fields a header block can have here: the message's and the
 * milter's. */
#define WIRE_FIELDS (HEADERS_MAX + SHIM_EDITS_MAX)

/* A header block as the MTA holds or sends it: each field as
 * "Name: value" with CRLF folds. */
struct wire {
	char *f[WIRE_FIELDS];
	size_t len[WIRE_FIELDS];
	size_t n;
};

static void
wire_add(struct wire *w, const struct session *s, const char *name,
    const char *value)
{
	char *f = malloc(LINE_BYTES * 2);
	FUZZ_ASSERT(w->n < WIRE_FIELDS);
	w->len[w->n] = wire_field(s, name, value, f, LINE_BYTES * 2);
	w->f[w->n++] = f;
}

static void
wire_free(struct wire *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->f[i]);
	w->n = 0;
}

/*
 * The header block: with @edited false, the fields the milter was given;
 * otherwise as the MTA sends it on after the milter's changes: the
 * inserted fields on top (each at index 0, so the last one first), the
 * fields it was given with a changed field's new value (Postfix's index:
 * the Nth field of that name; a deleted one left out), then the added
 * fields in order.
 */
static void
wire_header(const struct session *s, bool edited, struct wire *w)
{
	const SMFICTX *ctx = &s->ctx;
	w->n = 0;
	for (size_t k = ctx->nedits; edited && k-- > 0;) {
		const struct shim_edit *e = &ctx->edits[k];
		if (e->kind == SHIM_INSHEADER)
			wire_add(w, s, e->name, e->value);
	}
	for (size_t i = 0; i < s->nh; i++) {
		const char *v = s->h[i].value;
		int nth = 0;
		for (size_t j = 0; j <= i; j++)
			nth += named(s->h[j].name, s->h[i].name);
		for (size_t k = 0; edited && k < ctx->nedits; k++) {
			const struct shim_edit *e = &ctx->edits[k];
			if (e->kind == SHIM_CHGHEADER && e->index == nth &&
			    named(e->name, s->h[i].name))
				v = e->value;
		}
		if (v)
			wire_add(w, s, s->h[i].name, v);
	}
	for (size_t k = 0; edited && k < ctx->nedits; k++) {
		const struct shim_edit *e = &ctx->edits[k];
		if (e->kind == SHIM_ADDHEADER)
			wire_add(w, s, e->name, e->value);
	}
}

/* The body as Postfix writes it: a bare LF made CRLF. */
static uint8_t *
wire_body(const struct session *s, size_t *len)
{
	uint8_t *b = malloc(s->blen * 2 + 1);
	size_t o = 0;
	for (size_t i = 0; i < s->blen; i++) {
		if (s->body[i] == '\n' && (i == 0 || s->body[i - 1] != '\r'))
			b[o++] = '\r';
		b[o++] = s->body[i];
	}
	*len = o;
	return b;
}

/*
 * Verifies the header block @w and the message's body through a context
 * with the zone @zone (@zl bytes). Returns the finished verifier (free it
 * and its context).
 */
static struct emauth_dkim_verifier *
verify_wire(const struct session *s, const struct wire *w, const char *zone,
    size_t zl, const struct emauth_dkim_verify_opts *o, struct emauth_ctx **ec)
{
	struct emauth_dkim_verifier *v;
	FUZZ_ASSERT(emauth_ctx_new(ec) == 0);
	FUZZ_ASSERT(fuzz_zone_install(*ec, zone, zl) == 0);
	FUZZ_ASSERT(emauth_dkim_verifier_new(*ec, o, &v) == 0);
	for (size_t i = 0; i < w->n; i++)
		emauth_dkim_verifier_header(v, ea_span(w->f[i], w->len[i]));
	FUZZ_ASSERT(emauth_dkim_verifier_eoh(v) == 0);
	size_t bl;
	uint8_t *b = wire_body(s, &bl);
	emauth_dkim_verifier_body(v, ea_span(b, bl));
	free(b);
	FUZZ_ASSERT(emauth_dkim_verifier_finish(v) == 0);
	return v;
}

/*
 * Verifies the signatures the milter inserted against the message as the
 * MTA will send it on (wire_header). Each inserted DKIM-Signature must
 * pass with the key its d= and s= name.
 */
static void
roundtrip(const struct session *s, const size_t *ins, size_t nins)
{
	struct emauth_ctx *ec;
	struct emauth_dkim_verifier *v;
	char *zone = malloc(ZONE_BYTES), *f = malloc(LINE_BYTES * 2);
	struct ea_dkim_sig *sig = malloc(sizeof(*sig));
	struct wire *w = malloc(sizeof(*w));
	size_t zl = 0;

	for (size_t k = 0; k < nins; k++) {
		const struct shim_edit *e = &s->ctx.edits[ins[nins - 1 - k]];
		size_t fl = wire_field(s, e->name, e->value, f, LINE_BYTES * 2);
		enum emauth_dkim_reason why;
		FUZZ_ASSERT(
		    ea_dkim_sig_parse(ea_span(f, fl), sig, &why, NULL) == 0);
		zl += (size_t)snprintf(zone + zl, ZONE_BYTES - zl,
		    "%s._domainkey.%s TXT %s\n", sig->s, sig->d,
		    sig->alg == EA_ALG_ED25519_SHA256 ? ed_record : rsa_record);
		FUZZ_ASSERT(zl < ZONE_BYTES);
	}
	struct emauth_dkim_verify_opts o = {0};
	o.max_header_bytes = 64 << 20;
	o.max_header_fields = 100000;
	o.max_signatures = SHIM_EDITS_MAX;
	wire_header(s, true, w);
	v = verify_wire(s, w, zone, zl, &o, &ec);
	/* The inserted DKIM-Signature fields are the first ones the
	 * verifier saw after any ARC set on top. */
	size_t first = 0;
	while (first < w->n && strncasecmp(w->f[first], "ARC-", 4) == 0)
		first++;
	for (size_t k = 0; k < nins; k++) {
		struct emauth_dkim_result res;
		FUZZ_ASSERT(emauth_dkim_verifier_result(v, k, &res) == 0);
		FUZZ_ASSERT(
		    strncasecmp(w->f[first + k], "DKIM-Signature:", 15) == 0);
		if (res.result != EMAUTH_RES_PASS) {
			fprintf(stderr, "signature %zu: %s: %s\n", k,
			    emauth_result_name(res.result), res.detail);
			FUZZ_ASSERT(res.result == EMAUTH_RES_PASS);
		}
	}
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "roundtrip: %zu signatures verified\n", nins);
	emauth_dkim_verifier_free(v);
	emauth_ctx_free(ec);
	wire_free(w);
	free(w);
	free(sig);
	free(f);
	free(zone);
}

/*
 * The ARC set the milter added (ARCSign), on the message as the MTA will
 * send it: the instance after the message's own sets; when it is the first
 * set, a chain that passes with the ARCSign key; after others (their keys
 * from the input's zone), an ARC-Message-Signature that verifies whenever
 * the verifier gets as far as checking it.
 */
static void
check_sealed(const struct session *s)
{
	const SMFICTX *ctx = &s->ctx;
	unsigned inst = 0, nas = 0, nams = 0, naar = 0;
	bool had_arc = false;
	for (size_t i = 0; i < s->nh; i++)
		had_arc |= named(s->h[i].name, "ARC-Seal") ||
		           named(s->h[i].name, "ARC-Message-Signature") ||
		           named(s->h[i].name, "ARC-Authentication-Results");
	for (size_t k = 0; k < ctx->nedits; k++) {
		const struct shim_edit *e = &ctx->edits[k];
		if (e->kind != SHIM_INSHEADER)
			continue;
		nas += named(e->name, "ARC-Seal");
		nams += named(e->name, "ARC-Message-Signature");
		if (named(e->name, "ARC-Authentication-Results")) {
			naar++;
			FUZZ_ASSERT(sscanf(e->value + (e->value[0] == ' '),
			                "i=%u;", &inst) == 1);
		}
	}
	if (naar == 0) {
		FUZZ_ASSERT(nas == 0 && nams == 0);
		return;
	}
	FUZZ_ASSERT(nas == 1 && nams == 1 && naar == 1);
	FUZZ_ASSERT(inst >= 1 && inst <= EMAUTH_ARC_MAX);
	/* After sets of the message's own, the instance follows the
	 * highest one that parses (our Authentication-Results vouch for
	 * them); without any, it is 1. */
	if (!had_arc)
		FUZZ_ASSERT(inst == 1);
	struct wire *w = malloc(sizeof(*w));
	wire_header(s, true, w);
	struct emauth_ctx *ec;
	struct emauth_arc_verifier *v;
	struct emauth_arc_result *r = malloc(sizeof(*r));
	/* The input's zone with the ARCSign key, unless it has a name of
	 * its own for that key. */
	size_t al = strlen(arc_zone);
	char *zone = malloc(zone_len + al + 2);
	bool own_key = false;
	static const char kn[] = "fz2._domainkey.example.com";
	for (size_t i = 0; !own_key && i + sizeof(kn) - 1 <= zone_len; i++)
		own_key = strncasecmp(zone_text + i, kn, sizeof(kn) - 1) == 0;
	size_t zl = 0;
	if (inst > 1 && !own_key) {
		memcpy(zone, zone_text, zone_len);
		zl = zone_len;
		zone[zl++] = '\n';
	}
	memcpy(zone + zl, arc_zone, al + 1);
	zl += al;
	FUZZ_ASSERT(emauth_ctx_new(&ec) == 0);
	FUZZ_ASSERT(fuzz_zone_install(ec, zone, zl) == 0);
	struct emauth_arc_verify_opts o;
	emauth_arc_verify_opts_init(&o);
	o.max_header_bytes = 64 << 20;
	o.max_header_fields = 100000;
	FUZZ_ASSERT(emauth_arc_verifier_new(ec, &o, &v) == 0);
	for (size_t i = 0; i < w->n; i++)
		emauth_arc_verifier_header(v, ea_span(w->f[i], w->len[i]));
	FUZZ_ASSERT(emauth_arc_verifier_eoh(v) == 0);
	size_t bl;
	uint8_t *b = wire_body(s, &bl);
	emauth_arc_verifier_body(v, ea_span(b, bl));
	free(b);
	FUZZ_ASSERT(emauth_arc_verifier_finish(v) == 0);
	FUZZ_ASSERT(emauth_arc_verifier_result(v, r) == 0);
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "sealed: i=%u, chain %s (%s)\n", inst,
		    emauth_arc_cv_name(r->cv), r->reason);
	if (!had_arc && r->cv != EMAUTH_ARC_PASS) {
		fprintf(stderr, "sealed i=1: chain %s: %s\n",
		    emauth_arc_cv_name(r->cv), r->reason);
		abort();
	}
	if (inst > 1 && !own_key && r->instances == inst &&
	    r->inst[inst - 1].ams != EMAUTH_RES_NONE &&
	    r->inst[inst - 1].ams != EMAUTH_RES_PASS) {
		fprintf(stderr, "sealed i=%u: its AMS %s: %s\n", inst,
		    emauth_result_name(r->inst[inst - 1].ams),
		    r->inst[inst - 1].ams_detail);
		abort();
	}
	emauth_arc_verifier_free(v);
	emauth_ctx_free(ec);
	free(zone);
	free(r);
	wire_free(w);
	free(w);
}

/* From fields as the DKIM verifier counts them: the name up to the colon
 * without trailing blanks. */
static unsigned
from_fields(const struct session *s, const char **first)
{
	unsigned n = 0;
	for (size_t i = 0; i < s->nh; i++) {
		size_t l = strlen(s->h[i].name);
		while (l && (s->h[i].name[l - 1] == ' ' ||
		                s->h[i].name[l - 1] == '\t'))
			l--;
		if (l == 4 && strncasecmp(s->h[i].name, "From", 4) == 0) {
			if (n++ == 0)
				*first = s->h[i].value;
		}
	}
	return n;
}

/*
 * The DKIM results the milter wrote are those of the message as the MTA
 * holds it (when the MTA passes fields exactly: SMFIP_HDR_LEADSPC, and
 * fields it could pass): its reading of header fields and body chunks
 * loses or adds nothing.
 */
static void
crosscheck_dkim(const struct session *s, const struct emauth_authres_parsed *p)
{
	struct emauth_ctx *ec;
	struct emauth_dkim_verify_opts o = {0};
	o.max_header_bytes = (size_t)s->st->cfg.max_header_kb * 1024;
	struct wire *w = malloc(sizeof(*w));
	wire_header(s, false, w);
	struct emauth_dkim_verifier *v =
	    verify_wire(s, w, zone_text, zone_len, &o, &ec);
	wire_free(w);
	free(w);
	size_t n = emauth_dkim_verifier_count(v), k = 0;
	for (unsigned i = 0; i < p->nresults; i++) {
		if (strcmp(p->results[i].method, "dkim") != 0)
			continue;
		struct emauth_dkim_result res;
		if (n == 0) {
			FUZZ_ASSERT(strcmp(p->results[i].result, "none") == 0);
			continue;
		}
		FUZZ_ASSERT(emauth_dkim_verifier_result(v, k++, &res) == 0);
		if (strcmp(p->results[i].result,
		        emauth_result_name(res.result)) != 0) {
			fprintf(stderr,
			    "dkim %zu: milter %s, message %s (%s)\n", k - 1,
			    p->results[i].result,
			    emauth_result_name(res.result), res.detail);
			abort();
		}
	}
	FUZZ_ASSERT(
	    k == (n < EMAUTH_VERDICT_DKIM_MAX ? n : EMAUTH_VERDICT_DKIM_MAX));
	emauth_dkim_verifier_free(v);
	emauth_ctx_free(ec);
}

static void
check_verified(const struct session *s, sfsistat r, size_t ar_at)
{
	const struct milter_config *cfg = &s->st->cfg;
	const SMFICTX *ctx = &s->ctx;
	bool delivered = r == SMFIS_ACCEPT || r == SMFIS_CONTINUE;
	const char *id = cfg->authserv_id;

	/* Fields claiming our results: removed exactly when delivered. */
	if (delivered && (ctx->actions & SMFIF_CHGHDRS)) {
		unsigned nar = 0;
		for (size_t i = 0; i < s->nh; i++) {
			if (!named(s->h[i].name, "Authentication-Results"))
				continue;
			nar++;
			const char *v = s->h[i].value;
			bool claims = emauth_authres_claims(
			    (struct emauth_span){(const uint8_t *)v, strlen(v)},
			    id);
			bool removed = false;
			for (size_t k = 0; k < ctx->nedits; k++)
				removed |=
				    ctx->edits[k].kind == SHIM_CHGHEADER &&
				    ctx->edits[k].index == (int)nar;
			FUZZ_ASSERT(claims == removed);
		}
		for (size_t k = 0; k < ctx->nedits; k++)
			if (ctx->edits[k].kind == SHIM_CHGHEADER)
				FUZZ_ASSERT(ctx->edits[k].value == NULL &&
				            named(ctx->edits[k].name,
				                "Authentication-Results") &&
				            ctx->edits[k].index >= 1 &&
				            ctx->edits[k].index <= (int)nar);
	}
	if (ctx->quarantine) {
		FUZZ_ASSERT(r == SMFIS_ACCEPT && cfg->dmarc_enforce >= 1);
		FUZZ_ASSERT(!s->ignored);
	}
	if (ar_at == SIZE_MAX)
		return;
	const struct shim_edit *e = &ctx->edits[ar_at];
	struct emauth_authres_parsed *p = malloc(sizeof(*p));
	FUZZ_ASSERT(
	    emauth_authres_parse((struct emauth_span){(const uint8_t *)e->value,
	                             strlen(e->value)},
	        p) == 0);
	/* Read to the end, or cut at the parser's cap on results (the
	 * field can hold 16 DKIM results and four others). */
	FUZZ_ASSERT(
	    p->complete || (p->nresults == EMAUTH_AUTHRES_RESULTS_MAX &&
	                       strcmp(p->problem, "too many results") == 0));
	FUZZ_ASSERT(p->has_authserv_id);
	FUZZ_ASSERT(strcmp(p->authserv_id, id) == 0);
	FUZZ_ASSERT(p->nresults >= 2);
	FUZZ_ASSERT(strcmp(p->results[0].method, "iprev") == 0);
	if (ctx->leadspc && s->plausible && p->complete)
		crosscheck_dkim(s, p);
	for (unsigned i = 0; i < p->nresults; i++) {
		const struct emauth_authres_entry *x = &p->results[i];
		if (strcmp(x->method, "dmarc") != 0)
			continue;
		const char *from = NULL;
		unsigned nfrom = from_fields(s, &from);
		if (strcmp(x->result, "pass") == 0) {
			/* One From field, that parses, and delivery. */
			struct emauth_address a[8];
			size_t na = 0;
			FUZZ_ASSERT(nfrom == 1);
			FUZZ_ASSERT(
			    emauth_msg_parse_from(
			        (struct emauth_span){
			            (const uint8_t *)from, strlen(from)},
			        a, 8, &na, NULL) == 0);
			FUZZ_ASSERT(r == SMFIS_ACCEPT && !ctx->quarantine);
		}
		bool reject_policy = false;
		for (unsigned k = 0; k < x->nprops; k++)
			reject_policy |=
			    strcmp(x->props[k].ptype, "policy") == 0 &&
			    strcmp(x->props[k].property, "dmarc") == 0 &&
			    strcmp(x->props[k].value, "reject") == 0;
		if (strcmp(x->result, "fail") == 0 && reject_policy &&
		    cfg->dmarc_enforce == 2 && !s->ignored)
			FUZZ_ASSERT(r == SMFIS_REJECT);
	}
	free(p);
}

/* What the end of a message did, for people (FUZZ_VERBOSE). */
static void
show(const struct session *s, sfsistat r)
{
	fprintf(stderr, "eom: %s%s status %d%s%s%s\n", s->sign ? "sign" : "",
	    s->verify ? "verify" : "", r, s->ctx.replied ? " reply " : "",
	    s->ctx.replied ? s->ctx.rcode : "",
	    s->ctx.quarantine ? " quarantined" : "");
	for (size_t k = 0; k < s->ctx.nedits; k++) {
		const struct shim_edit *e = &s->ctx.edits[k];
		fprintf(stderr, "  %s %d %s:%s\n",
		    e->kind == SHIM_INSHEADER   ? "insert"
		    : e->kind == SHIM_ADDHEADER ? "add"
		                                : "change",
		    e->index, e->name, e->value ? e->value : "(deleted)");
	}
}

static void
ev_eom(struct session *s)
{
	if (!s->open || s->phase == P_NONE)
		return;
	if (s->phase < P_EOH)
		ev_eoh(s);
	if (s->over) {
		/* The milter ended the message: the MTA goes on without it
		 * and libmilter aborts it at the next MAIL. */
		s->phase = P_BODY;
		return;
	}
	shim_clear_edits(&s->ctx);
	s->ctx.in_eom = true;
	sfsistat r = milter_desc.xxfi_eom(&s->ctx);
	s->ctx.in_eom = false;
	FUZZ_ASSERT(r != SMFIS_CONTINUE || !s->verify);
	if (getenv("FUZZ_VERBOSE"))
		show(s, r);
	check_status(s, r, false);

	const SMFICTX *ctx = &s->ctx;
	const struct milter_config *cfg = &s->st->cfg;
	size_t ins[SHIM_EDITS_MAX], nins = 0, ar_at = SIZE_MAX;
	bool rewritten = false, original = false, reply_to = false;
	for (size_t k = 0; k < ctx->nedits; k++) {
		const struct shim_edit *e = &ctx->edits[k];
		if (e->kind == SHIM_INSHEADER &&
		    named(e->name, "DKIM-Signature")) {
			FUZZ_ASSERT(s->sign && e->index == 0);
			ins[nins++] = k;
		} else if (e->kind == SHIM_INSHEADER &&
		           strncasecmp(e->name, "ARC-", 4) == 0) {
			FUZZ_ASSERT(
			    s->sign && cfg->arc_sign[0] && e->index == 0);
		} else if (e->kind == SHIM_INSHEADER &&
		           named(e->name, "Authentication-Results")) {
			FUZZ_ASSERT(s->verify && e->index == 0);
			FUZZ_ASSERT(ar_at == SIZE_MAX);
			ar_at = k;
		} else if (e->kind == SHIM_CHGHEADER && s->sign) {
			/* RewriteFrom: the one From, now at its domain. */
			const char *first = NULL;
			FUZZ_ASSERT(cfg->rewrite_from > 0 && !rewritten);
			FUZZ_ASSERT(named(e->name, "From") && e->index == 1);
			FUZZ_ASSERT(from_fields(s, &first) == 1);
			FUZZ_ASSERT(e->value != NULL);
			char tail[300];
			snprintf(
			    tail, sizeof(tail), "@%s>", cfg->rewrite_domain);
			size_t vl = strlen(e->value), tl = strlen(tail);
			FUZZ_ASSERT(
			    vl > tl && strcmp(e->value + vl - tl, tail) == 0);
			rewritten = true;
		} else if (e->kind == SHIM_CHGHEADER) {
			FUZZ_ASSERT(s->verify);
		} else if (e->kind == SHIM_ADDHEADER && s->sign) {
			FUZZ_ASSERT(cfg->rewrite_from > 0);
			if (named(e->name, "Reply-To")) {
				FUZZ_ASSERT(!reply_to);
				reply_to = true;
			} else {
				FUZZ_ASSERT(named(e->name, "X-Original-From"));
				FUZZ_ASSERT(!original);
				original = true;
			}
		} else {
			FUZZ_ASSERT(e->kind == SHIM_ADDHEADER && s->verify &&
			            named(e->name, "X-Emauth-Quarantine"));
		}
	}
	if (s->sign) {
		FUZZ_ASSERT(ctx->quarantine == NULL);
		FUZZ_ASSERT(r == SMFIS_ACCEPT || r == SMFIS_TEMPFAIL);
		if (r == SMFIS_ACCEPT) {
			/* A rewritten From comes with the old one kept, and
			 * with Reply-To when the message had none. */
			bool had_reply_to = false;
			for (size_t i = 0; i < s->nh; i++)
				had_reply_to |= named(s->h[i].name, "Reply-To");
			FUZZ_ASSERT(original == rewritten);
			FUZZ_ASSERT(reply_to == (rewritten && !had_reply_to));
		}
		if (nins && s->plausible)
			roundtrip(s, ins, nins);
		if (r == SMFIS_ACCEPT && s->plausible)
			check_sealed(s);
	}
	if (s->verify) {
		bool delivered = r == SMFIS_ACCEPT;
		if (delivered && s->st->cfg.add_authres &&
		    (ctx->actions & SMFIF_ADDHDRS))
			FUZZ_ASSERT(ar_at != SIZE_MAX);
		check_verified(s, r, ar_at);
	}
	if (!s->sign && !s->verify)
		FUZZ_ASSERT(ctx->nedits == 0 && r == SMFIS_ACCEPT);
	shim_clear_edits(&s->ctx);
	message_clear(s);
}

static void
ev_macro(struct session *s, char *args)
{
	char *v = strchr(args, ' ');
	if (v)
		*v++ = '\0';
	if (printable(args) && (v == NULL || printable(v)))
		shim_set_macro(&s->ctx, args, v ? v : "");
}

static void
event(struct session *s, char *line)
{
	char *args = strchr(line, ' ');
	if (args)
		*args++ = '\0';
	else
		args = line + strlen(line);
	if (strcmp(line, "negotiate") == 0)
		ev_negotiate(s, args);
	else if (strcmp(line, "connect") == 0)
		ev_connect(s, args);
	else if (strcmp(line, "macro") == 0)
		ev_macro(s, args);
	else if (strcmp(line, "helo") == 0)
		ev_helo(s, args);
	else if (strcmp(line, "mail") == 0)
		ev_mail(s, args);
	else if (strcmp(line, "rcpt") == 0)
		ev_rcpt(s, args);
	else if (strcmp(line, "header") == 0)
		ev_header(s, args);
	else if (strcmp(line, "eoh") == 0)
		ev_eoh(s);
	else if (strcmp(line, "body") == 0)
		ev_body(s, args);
	else if (strcmp(line, "eom") == 0)
		ev_eom(s);
	else if (strcmp(line, "abort") == 0) {
		if (s->open && s->phase != P_NONE)
			cb_abort(s);
	} else if (strcmp(line, "close") == 0)
		cb_close(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	if (!ready) {
		init();
		ready = true;
	}
	if (size > 65536)
		return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	/* Line 1, the zone, the session. */
	char *nl = strchr(text, '\n');
	unsigned cfg = fuzz_number(text, 0) % CONFIGS;
	char *zone = nl ? nl + 1 : text + size;
	char *script =
	    strstr(zone, "%%\n") == zone ? zone : strstr(zone, "\n%%\n");
	if (script) {
		*script = '\0';
		script += script == zone ? 3 : 4;
	}
	zone_text = zone;
	zone_len = strlen(zone);

	struct session *s = calloc(1, sizeof(*s));
	s->st = states[cfg];
	s->plausible = true;
	shim_state_set(s->st);
	/* Contexts pooled by an earlier input hold its zone: a new
	 * generation makes the pool drop them. */
	s->st->generation++;
	for (char *l = script; l && *l;) {
		char *e = strchr(l, '\n');
		if (e)
			*e = '\0';
		event(s, l);
		l = e ? e + 1 : NULL;
	}
	cb_close(s);
	milter_pool_free();
	free(s);
	free(text);
	zone_text = NULL;
	zone_len = 0;
	return 0;
}
