/*
 * cmd_verify.c: "emauth verify": the whole verdict on one message as a
 * receiver reaches it: iprev, SPF (MAIL FROM and HELO), DKIM, DMARC; the
 * Authentication-Results field it would add; a diagnosis for the sender
 * with what to change; and a score out of 10.
 *
 * DMARC's inputs are only this program's own SPF and DKIM results and the
 * From field parsed by the strict address parser; Authentication-Results
 * or Received-SPF fields already in the message are ignored. A message
 * without exactly one From field, or with one that does not parse, is not
 * evaluated against any domain: DMARC is permerror with disposition
 * reject (fail safe). Several addresses with different domains are each
 * evaluated, and the strictest outcome holds.
 *
 * The SMTP envelope (--ip, --helo, --mail-from) may come from the message
 * instead: the client address and HELO name from the topmost Received
 * field that names a client (or the topmost one added by
 * --trusted-received HOST), passing over fields without a client address
 * or with a loopback one (local delivery, content filters); MAIL FROM from
 * the topmost Return-Path field. Standard error and the JSON say where
 * each value came from. A Received field is only as true as the host that
 * added it: the one your own receiver wrote is the one to trust.
 *
 * The score: iprev pass 2, SPF pass (MAIL FROM) 2, a passing DKIM
 * signature 2, a DMARC record with a policy for the From domain 1, DMARC
 * pass 3.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <time.h>

#include <emauth/report.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include <emauth/arc.h>
#include <emauth/authres.h>
#include <emauth/dkim.h>
#include <emauth/dmarc.h>
#include <emauth/iprev.h>
#include <emauth/msg.h>
#include <emauth/spf.h>
#include <emauth/verdict.h>

#include "cli.h"

static const char help[] =
    "usage: emauth verify [--ip IP] [--mail-from ADDR] [--helo NAME]\n"
    "                     [--trusted-received HOST] [--dns SPEC]\n"
    "                     [--authserv-id ID] [--dmarc-mode rfc9989|rfc7489]\n"
    "                     [--record STORE [--time EPOCH] [--rcpt-to ADDR]]\n"
    "                     [--arc-trusted-sealers D,D...]\n"
    "                     [--json] [FILE|-]\n"
    "\n"
    "Runs iprev, SPF (MAIL FROM and HELO), DKIM and DMARC on a message as a\n"
    "receiver would, prints the Authentication-Results field it would add,\n"
    "then a diagnosis for the sender: what passed, what failed, why, and\n"
    "what to change, with a score out of 10 (iprev 2, SPF 2, DKIM 2, a\n"
    "DMARC policy 1, DMARC pass 3).\n"
    "\n"
    "  --ip IP            the SMTP client's address (default: from the\n"
    "                     message's Received fields)\n"
    "  --mail-from ADDR   the SMTP MAIL FROM ('' for the null reverse-path;\n"
    "                     default: the message's Return-Path)\n"
    "  --helo NAME        the HELO/EHLO name (default: from the Received\n"
    "                     field that gave the address)\n"
    "  --trusted-received HOST\n"
    "                     take the address and HELO from the topmost\n"
    "                     Received field added by HOST (your receiver), not\n"
    "                     the topmost that names a client\n"
    "  --dns SPEC         system (default), server:IP[@PORT], or\n"
    "                     zone:FILE[,FILE...] (offline, RFC 1035 files)\n"
    "  --authserv-id ID   the receiver's name in Authentication-Results\n"
    "                     (default: this host's name)\n"
    "  --dmarc-mode M     rfc9989 (default) or rfc7489\n"
    "  --json             print one JSON object\n"
    "  --record STORE     add the DMARC evaluation to the report store\n"
    "                     (sqlite:PATH or postgresql://...), as the milter\n"
    "                     does: for replaying saved mail into reports\n"
    "  --time EPOCH       when the message was received (default: now)\n"
    "  --rcpt-to ADDR     its envelope recipient (the report's envelope_to)\n"
    "  --arc-trusted-sealers D,D...\n"
    "                     forwarders whose ARC seal is trusted: when DMARC\n"
    "                     fails and the chain passes with its newest seal by\n"
    "                     one of them, the disposition is overridden\n"
    "                     (trusted_forwarder in the report store)\n"
    "\n"
    "Without --ip, --helo or --mail-from, the message says them: the\n"
    "topmost Received field naming a client (not loopback) and the\n"
    "topmost Return-Path field; standard error says which.\n"
    "\n"
    "Exit status: 0 when DMARC passes, 1 when it does not (fail, none or an\n"
    "error), 2 for bad usage or unreadable input, or when the client\n"
    "address or MAIL FROM is neither given nor readable from the message.\n";

#define FROM_FIELDS_MAX 4

/* The SMTP envelope as the message's trace fields tell it. */
struct trace {
	const char *trusted; /* --trusted-received HOST, or NULL */
	unsigned nreceived;  /* Received fields seen */
	int rcv_done;        /* a field was chosen, or reading stopped */
	int rcv_rc;          /* 0: chosen; else why none was */
	unsigned rcv_index;  /* the chosen (or unreadable) field, from 1 */
	unsigned rcv_passed; /* fields above it passed over */
	struct emauth_received rcv;
	char rcv_problem[400]; /* why the field that stopped reading did */
	unsigned nreturn_path; /* Return-Path fields seen */
	int rp_rc;             /* the topmost one's status */
	char return_path[600]; /* its address ("" for "<>") */
	char rp_problem[400];
};

struct msgstate {
	struct emauth_dkim_verifier *v;
	struct emauth_arc_verifier *arc;
	char *from[FROM_FIELDS_MAX];
	unsigned nfrom; /* From fields seen (may exceed the kept ones) */
	struct trace *t;
};

/* The value of @f when it is a @name field (after the colon), else a
 * span with a NULL pointer. */
static struct emauth_span
field_value(struct emauth_span f, const char *name)
{
	size_t n = strlen(name), i = n;
	struct emauth_span none = {NULL, 0};
	if (f.len <= n || strncasecmp((const char *)f.p, name, n) != 0)
		return none;
	while (i < f.len && (f.p[i] == ' ' || f.p[i] == '\t'))
		i++;
	if (i >= f.len || f.p[i] != ':')
		return none;
	return (struct emauth_span){f.p + i + 1, f.len - i - 1};
}

static bool
loopback(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0;
}

/* Whether the "by" host @by is @host (case and a final dot aside). */
static bool
same_host(const char *by, const char *host)
{
	size_t bl = strlen(by), hl = strlen(host);
	if (hl && host[hl - 1] == '.')
		hl--;
	return bl == hl && bl > 0 && strncasecmp(by, host, hl) == 0;
}

/* One Received field, top to bottom, until one is chosen: the topmost
 * that names a client address that is not loopback, added by the trusted
 * host when there is one. An unreadable field stops the search: the
 * fields below it are further from the receiver, not more trustworthy. */
static void
t_received(struct trace *t, struct emauth_span v)
{
	struct emauth_received r;
	struct emauth_diag d;

	t->nreceived++;
	if (t->rcv_done)
		return;
	memset(&d, 0, sizeof(d));
	int rc = emauth_msg_parse_received(v, &r, &d);
	if (rc == EMAUTH_ESYNTAX || rc == EMAUTH_ETOOBIG) {
		t->rcv_done = 1;
		t->rcv_rc = rc;
		t->rcv_index = t->nreceived;
		if (d.msg)
			emauth_diag_format(
			    &d, t->rcv_problem, sizeof(t->rcv_problem));
		else
			cli_fmt(t->rcv_problem, sizeof(t->rcv_problem), "%s",
			    emauth_strerror(rc));
		return;
	}
	if ((t->trusted && !same_host(r.by, t->trusted)) || rc != 0 ||
	    loopback(r.ip)) {
		t->rcv_passed++;
		return;
	}
	t->rcv_done = 1;
	t->rcv_rc = 0;
	t->rcv_index = t->nreceived;
	t->rcv = r;
}

static void
t_return_path(struct trace *t, struct emauth_span v)
{
	struct emauth_diag d;

	if (t->nreturn_path++ > 0)
		return; /* the topmost is the one delivery added */
	memset(&d, 0, sizeof(d));
	t->rp_rc = emauth_msg_parse_return_path(
	    v, t->return_path, sizeof(t->return_path), &d);
	if (t->rp_rc != 0 && d.msg)
		emauth_diag_format(&d, t->rp_problem, sizeof(t->rp_problem));
	else if (t->rp_rc != 0)
		cli_fmt(t->rp_problem, sizeof(t->rp_problem), "%s",
		    emauth_strerror(t->rp_rc));
}

static int
m_header(void *arg, struct emauth_span f)
{
	struct msgstate *m = arg;
	struct emauth_span v;
	if (m->t && (v = field_value(f, "received")).p)
		t_received(m->t, v);
	else if (m->t && (v = field_value(f, "return-path")).p)
		t_return_path(m->t, v);
	else if ((v = field_value(f, "from")).p) {
		if (m->nfrom < FROM_FIELDS_MAX) {
			char *c = malloc(v.len + 1);
			if (c == NULL)
				return EMAUTH_ENOMEM;
			memcpy(c, v.p, v.len);
			c[v.len] = '\0';
			m->from[m->nfrom] = c;
		}
		m->nfrom++;
	}
	int rc = emauth_dkim_verifier_header(m->v, f);
	if (rc == 0 || rc == EMAUTH_ETOOBIG) {
		/* Over the caps the chain fails, with the reason. */
		int ra = emauth_arc_verifier_header(m->arc, f);
		if (ra != 0 && ra != EMAUTH_ETOOBIG)
			rc = ra;
	}
	return rc == EMAUTH_ETOOBIG ? 0 : rc;
}

static int
m_eoh(void *arg)
{
	struct msgstate *m = arg;
	int rc = emauth_dkim_verifier_eoh(m->v);
	return rc ? rc : emauth_arc_verifier_eoh(m->arc);
}

static int
m_body(void *arg, struct emauth_span c)
{
	struct msgstate *m = arg;
	int rc = emauth_dkim_verifier_body(m->v, c);
	return rc ? rc : emauth_arc_verifier_body(m->arc, c);
}

/* The advice list: grown as needed, each line whole (the DMARC diagnosis
 * and what Gmail and Yahoo make of the message come last and must not be
 * the ones left out). */
struct advice {
	char **v;
	size_t n, cap;
	size_t lost; /* lines that could not be kept (out of memory) */
};

static void advise(struct advice *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
advise(struct advice *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *line = len < 0 ? NULL : malloc((size_t)len + 1);
	if (line)
		vsnprintf(line, (size_t)len + 1, fmt, ap2);
	va_end(ap2);
	if (line && a->n == a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 16;
		char **nv = realloc(a->v, nc * sizeof(*nv));
		if (nv == NULL) {
			free(line);
			line = NULL;
		} else {
			a->v = nv;
			a->cap = nc;
		}
	}
	if (line == NULL) {
		a->lost++;
		return;
	}
	a->v[a->n++] = line;
}

/* Room for the field at the library's cap, and for the dmarc=permerror
 * result added after it for a From problem. */
#define AUTHRES_ROOM (EMAUTH_AUTHRES_MAX + 1 + 512)

/* The SMTP envelope: each value from its option, or from the message
 * (@*_src says which: "option", "received", "return-path"). */
struct envelope {
	const char *ip, *helo, *mail_from; /* NULL: not given (yet) */
	const char *ip_src, *helo_src, *mail_from_src;
};

struct verdict {
	struct emauth_ctx *ctx; /* for alignment checks in the advice */
	enum emauth_dmarc_mode mode;
	struct emauth_verdict v;
	const struct emauth_dmarc_result *dmarc; /* the deciding evaluation */
	int score;
	struct advice adv;
	struct envelope env;
	struct trace t;
	char authres[AUTHRES_ROOM];
	struct emauth_arc_result arc;
	int have_arc;
	/* --arc-trusted-sealers: a DMARC failure overridden (its comment). */
	int arc_override;
	char arc_comment[300];
};

/* The SPF term that authorizes @ip, "ip4:192.0.2.1" or "ip6:2001:db8::25"
 * (IPv4-mapped IPv6 is IPv4 to SPF, RFC 7208 §5), into @out. */
static const char *
spf_term(const char *ip, char *out, size_t size)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN];
	if (inet_pton(AF_INET, ip, a) == 1) {
		cli_fmt(out, size, "ip4:%s", ip);
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char mapped[12] = {
		    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(a, mapped, 12) == 0)
			cli_fmt(out, size, "ip4:%u.%u.%u.%u", a[12], a[13],
			    a[14], a[15]);
		else
			cli_fmt(out, size, "ip6:%s",
			    inet_ntop(AF_INET6, a, text, sizeof(text)) ? text
			                                               : ip);
	} else {
		cli_fmt(out, size, "ip4:/ip6:%s", ip);
	}
	return out;
}

static void
spf_advice(struct verdict *vd, const char *ip)
{
	const struct emauth_spf_result *s = &vd->v.spf;
	char term[64];
	switch (s->result) {
	case EMAUTH_RES_NONE:
		advise(&vd->adv,
		    "SPF: %s publishes no SPF record. Publish one listing the "
		    "servers that send for it, e.g. \"v=spf1 %s -all\", "
		    "or the include: your platform documents.",
		    s->domain, spf_term(ip, term, sizeof(term)));
		break;
	case EMAUTH_RES_FAIL:
	case EMAUTH_RES_SOFTFAIL:
	case EMAUTH_RES_NEUTRAL:
		advise(&vd->adv,
		    "SPF %s: %s is not authorized by the SPF record of %s "
		    "(%s). Add \"%s\" to it, or the include: of the platform "
		    "that sends from it.",
		    emauth_result_name(s->result), ip, s->domain,
		    s->mechanism[0] ? s->mechanism : "no term matched",
		    spf_term(ip, term, sizeof(term)));
		break;
	case EMAUTH_RES_PERMERROR:
		advise(&vd->adv,
		    "SPF permerror: the SPF record of %s is broken: %s. "
		    "Receivers treat this like no SPF at all.",
		    s->domain, s->problem);
		break;
	case EMAUTH_RES_TEMPERROR:
		advise(&vd->adv,
		    "SPF temperror: %s. Receivers will defer (4xx) and retry.",
		    s->problem);
		break;
	default:
		break;
	}
}

/* Whether a signature failed for its key record: what publishing the
 * selector's record fixes. */
static bool
key_problem(const struct emauth_dkim_result *k)
{
	switch (k->reason) {
	case EMAUTH_DKIM_NO_KEY:
	case EMAUTH_DKIM_KEY_SYNTAX:
	case EMAUTH_DKIM_KEY_REVOKED:
	case EMAUTH_DKIM_KEY_TOO_SHORT:
	case EMAUTH_DKIM_KEY_MISMATCH:
		return true;
	default:
		return false;
	}
}

static void
dkim_advice(struct verdict *vd)
{
	if (vd->v.dkim_total == 0) {
		advise(&vd->adv,
		    "DKIM: the message is not signed. Sign it with a key for "
		    "%s (\"emauth keygen --domain %s --selector NAME\" writes "
		    "the key and the DNS record to publish).",
		    vd->v.from_domain[0] ? vd->v.from_domain : "your domain",
		    vd->v.from_domain[0] ? vd->v.from_domain : "DOMAIN");
		return;
	}
	for (size_t i = 0; i < vd->v.ndkim; i++) {
		const struct emauth_dkim_result *k = &vd->v.dkim[i];
		if (k->result == EMAUTH_RES_PASS)
			continue;
		/* No key record: say which name to publish and how (a
		 * name over 253 bytes cannot be published at all). */
		if (k->reason == EMAUTH_DKIM_NO_KEY &&
		    strlen(k->selector) + 12 + strlen(k->domain) <= 253) {
			advise(&vd->adv,
			    "DKIM %s for d=%s s=%s: %s. Publish the key as a "
			    "TXT record at %s._domainkey.%s: \"emauth record "
			    "dkim --key FILE --selector %s --domain %s\" "
			    "prints it from the private key FILE that signed "
			    "(for a platform's key, publish the CNAME the "
			    "platform documents there).",
			    emauth_result_name(k->result), k->domain,
			    k->selector, k->detail, k->selector, k->domain,
			    k->selector, k->domain);
			continue;
		}
		advise(&vd->adv, "DKIM %s for d=%s s=%s: %s.",
		    emauth_result_name(k->result), k->domain, k->selector,
		    k->detail);
	}
}

/* Whether @id would be aligned with the From domain under relaxed
 * alignment but is not exactly it: what strict alignment (aspf=s,
 * adkim=s) refuses and relaxing would accept. */
static bool
strict_only(struct verdict *vd, const char *id)
{
	const char *from = vd->v.from_domain;
	return id[0] && strcasecmp(id, from) != 0 &&
	       emauth_dmarc_aligned(vd->ctx, from, id, 0, vd->mode) == 1;
}

/* An SPF or DKIM pass that strict alignment refuses is not "in order",
 * even when DMARC passes through the other identifier: say which
 * identifier and the two fixes. */
static void
strict_advice(struct verdict *vd)
{
	const struct emauth_dmarc_result *d = vd->dmarc;
	const struct emauth_dmarc_record *rec = &d->d.record;
	const char *from = vd->v.from_domain;
	const struct emauth_spf_result *s = &vd->v.spf;

	if (rec->aspf_strict && vd->v.have_spf &&
	    s->result == EMAUTH_RES_PASS && !d->spf_aligned &&
	    strict_only(vd, s->domain))
		advise(&vd->adv,
		    "SPF passes for %s but fails strict alignment: the "
		    "DMARC record of %s sets aspf=s, so the %s must be "
		    "exactly %s. %s, or relax the record to aspf=r.",
		    s->domain, d->d.policy_domain,
		    s->identity == EMAUTH_SPF_HELO
		        ? "HELO name (the SPF identity of the null "
		          "reverse-path)"
		        : "MAIL FROM domain",
		    from,
		    s->identity == EMAUTH_SPF_HELO
		        ? "Send with that HELO name"
		        : "Send with a MAIL FROM address at that domain");
	if (!rec->adkim_strict)
		return;
	for (size_t i = 0; i < vd->v.ndkim; i++) {
		const struct emauth_dkim_result *k = &vd->v.dkim[i];
		if (k->result != EMAUTH_RES_PASS || !strict_only(vd, k->domain))
			continue;
		advise(&vd->adv,
		    "DKIM passes for d=%s s=%s but fails strict alignment: "
		    "the DMARC record of %s sets adkim=s, so d= must be "
		    "exactly %s. Sign with d=%s, or relax the record to "
		    "adkim=r.",
		    k->domain, k->selector, d->d.policy_domain, from, from);
	}
}

/* What Gmail and Yahoo answer when they refuse a message for its
 * authentication: Gmail's SMTP error reference (5.7.26) and Yahoo's
 * help article on 554 5.7.9. */
#define GMAIL_REFUSAL                                                          \
	"550 5.7.26 This message does not have authentication information "    \
	"or fails to pass authentication checks"
#define YAHOO_REFUSAL "554 5.7.9 Message not accepted for policy reasons"
/* Gmail's bulk senders (its sender guidelines); Yahoo sets no number. */
#define BULK_SENDER                                                            \
	"a bulk sender (for Gmail: close to 5,000 or more messages a day "     \
	"to personal Gmail accounts)"

/*
 * Whether Gmail and Yahoo would refuse the message, and why, by their
 * published sender requirements: every sender must pass SPF or DKIM and
 * send RFC 5322 messages (one From address); a DMARC policy of the From
 * domain is enforced; bulk senders must also publish DMARC and pass it.
 */
static void
provider_advice(struct verdict *vd)
{
	const struct emauth_dmarc_result *d = vd->dmarc;
	enum emauth_result dr = emauth_verdict_dmarc(&vd->v);
	const char *from = vd->v.from_domain;
	bool authenticated =
	    vd->v.have_spf && vd->v.spf.result == EMAUTH_RES_PASS;
	for (size_t i = 0; i < vd->v.ndkim; i++)
		authenticated |= vd->v.dkim[i].result == EMAUTH_RES_PASS;

	if (dr == EMAUTH_RES_PASS || dr == EMAUTH_RES_TEMPERROR)
		return; /* pass, or a deferral and a retry */
	if (vd->v.from_problem) {
		advise(&vd->adv,
		    "Gmail and Yahoo refuse this message: it has no single "
		    "From address to authenticate, and they require RFC 5322 "
		    "messages of every sender. Gmail answers \"%s\" (or, for "
		    "the From field, a 5.7.1 reply about RFC 5322), Yahoo "
		    "\"%s\".",
		    GMAIL_REFUSAL, YAHOO_REFUSAL);
	} else if (dr == EMAUTH_RES_FAIL &&
	           d->disposition == EMAUTH_DMARC_REJECT) {
		advise(&vd->adv,
		    "Gmail and Yahoo refuse this message: DMARC fails and "
		    "they enforce the p=reject policy of %s. Gmail answers "
		    "\"%s\" or, naming the policy, \"550 5.7.26 "
		    "Unauthenticated email from %s is not accepted due to "
		    "domain's DMARC policy\"; Yahoo \"%s\".",
		    d->d.policy_domain, GMAIL_REFUSAL, from, YAHOO_REFUSAL);
	} else if (!authenticated) {
		advise(&vd->adv,
		    "Gmail and Yahoo refuse this message: neither SPF nor "
		    "DKIM passes, and every sender must pass at least one of "
		    "them. Gmail answers \"%s\", Yahoo \"%s\".",
		    GMAIL_REFUSAL, YAHOO_REFUSAL);
	} else if (dr == EMAUTH_RES_FAIL &&
	           d->disposition == EMAUTH_DMARC_QUARANTINE) {
		advise(&vd->adv,
		    "Gmail and Yahoo put this message in spam (p=quarantine "
		    "of %s), and refuse it from %s, who must pass DMARC: "
		    "Gmail answers \"%s\", Yahoo \"%s\".",
		    d->d.policy_domain, BULK_SENDER, GMAIL_REFUSAL,
		    YAHOO_REFUSAL);
	} else {
		char why[400];
		if (dr == EMAUTH_RES_FAIL)
			cli_fmt(why, sizeof(why),
			    "neither SPF nor DKIM passes aligned with the From "
			    "domain %s (DMARC fails)",
			    from);
		else if (dr == EMAUTH_RES_NONE)
			cli_fmt(why, sizeof(why),
			    "%s publishes no DMARC record", from);
		else
			cli_fmt(why, sizeof(why),
			    "the DMARC record of %s cannot be read", from);
		advise(&vd->adv,
		    "Gmail and Yahoo refuse this message from %s: %s, and "
		    "bulk senders must authenticate with SPF and DKIM, "
		    "publish DMARC and pass it. Gmail answers \"%s\", Yahoo "
		    "\"%s\".",
		    BULK_SENDER, why, GMAIL_REFUSAL, YAHOO_REFUSAL);
	}
}

static void
dmarc_advice(struct verdict *vd)
{
	const struct emauth_dmarc_result *d = vd->dmarc;
	const char *from = vd->v.from_domain;
	if (vd->v.from_problem) {
		advise(&vd->adv,
		    "DMARC cannot be evaluated: %s%s%s. Receivers reject such "
		    "messages; %s.",
		    vd->v.from_problem, vd->v.from_detail[0] ? ": " : "",
		    vd->v.from_detail,
		    vd->v.header_malformed
		        ? "every header line must be a field (\"Name: value\") "
		          "or its continuation, and no field over 64 KiB"
		        : "send exactly one From field with one address");
		return;
	}
	if (d == NULL)
		return;
	for (unsigned i = 0; i < d->d.record.nnotes; i++)
		advise(&vd->adv, "DMARC record of %s: %s", d->d.policy_domain,
		    d->d.record.notes[i].text);
	if (d->result == EMAUTH_RES_NONE) {
		advise(&vd->adv,
		    "DMARC: %s publishes no DMARC policy. Gmail and Yahoo "
		    "require one from bulk senders: publish a TXT record at "
		    "_dmarc.%s, e.g. \"v=DMARC1; p=none; "
		    "rua=mailto:dmarc-reports@%s\", then move to quarantine or "
		    "reject once the reports show only your own mail.",
		    from, from, from);
		return;
	}
	if (d->result == EMAUTH_RES_TEMPERROR) {
		advise(&vd->adv, "DMARC temperror: %s.", d->reason);
		return;
	}
	if (d->result == EMAUTH_RES_PERMERROR) {
		advise(&vd->adv,
		    "DMARC permerror: %s. Receivers apply no policy to such "
		    "a domain; publish a valid record (emauth record dmarc).",
		    d->reason);
		return;
	}
	strict_advice(vd);
	if (d->result != EMAUTH_RES_FAIL)
		return;
	/* The diagnosis: why neither identifier is aligned, and the fix. */
	const struct emauth_dmarc_record *rec = &d->d.record;
	char spf_part[600], dkim_part[600];
	if (vd->v.have_spf && vd->v.spf.result == EMAUTH_RES_PASS)
		cli_fmt(spf_part, sizeof(spf_part),
		    "SPF passes for %s, which is not aligned with the From "
		    "domain %s%s",
		    vd->v.spf.domain, from,
		    rec->aspf_strict && strict_only(vd, vd->v.spf.domain)
		        ? " under strict alignment (aspf=s)"
		        : "");
	else
		cli_fmt(spf_part, sizeof(spf_part), "SPF does not pass (%s)",
		    vd->v.have_spf ? emauth_result_name(vd->v.spf.result)
		                   : "none");
	/* The passing signatures (not aligned, or DMARC would pass), and
	 * the failing one that would have aligned: the selector to fix,
	 * preferring one whose key record is the problem. */
	const struct emauth_dkim_result *other = NULL, *failed = NULL;
	unsigned passing = 0;
	for (size_t i = 0; i < vd->v.ndkim; i++) {
		const struct emauth_dkim_result *k = &vd->v.dkim[i];
		if (k->result == EMAUTH_RES_PASS) {
			passing++;
			other = k;
		} else if ((failed == NULL ||
		               (key_problem(k) && !key_problem(failed))) &&
		           emauth_dmarc_aligned(vd->ctx, from, k->domain,
		               rec->adkim_strict, vd->mode) == 1) {
			failed = k;
		}
	}
	if (passing == 1)
		cli_fmt(dkim_part, sizeof(dkim_part),
		    "the only passing DKIM signature is d=%s, also not "
		    "aligned%s",
		    other->domain,
		    rec->adkim_strict && strict_only(vd, other->domain)
		        ? " under strict alignment (adkim=s)"
		        : "");
	else if (passing > 1)
		cli_fmt(dkim_part, sizeof(dkim_part),
		    "none of the %u passing DKIM signatures is aligned",
		    passing);
	else
		cli_fmt(
		    dkim_part, sizeof(dkim_part), "no DKIM signature passes");
	const char *fate = d->disposition == EMAUTH_DMARC_REJECT
	                       ? "reject this (p=reject)"
	                   : d->disposition == EMAUTH_DMARC_QUARANTINE
	                       ? "put this in spam (p=quarantine)"
	                       : "deliver this for now (disposition none)";
	char rp[300], fix[900];
	if (rec->aspf_strict)
		cli_fmt(rp, sizeof(rp),
		    "use a return path at exactly %s (aspf=s; or relax the "
		    "record to aspf=r)",
		    from);
	else
		cli_fmt(rp, sizeof(rp), "use a return path under %s", from);
	if (failed && key_problem(failed))
		cli_fmt(fix, sizeof(fix),
		    "publish the key of the selector that failed, "
		    "%s._domainkey.%s (for a platform's key, the CNAME it "
		    "documents), or %s",
		    failed->selector, failed->domain, rp);
	else if (failed)
		cli_fmt(fix, sizeof(fix),
		    "make the signature d=%s s=%s verify (%s), or %s",
		    failed->domain, failed->selector, failed->detail, rp);
	else if (other && passing == 1 && rec->adkim_strict &&
	         strict_only(vd, other->domain))
		cli_fmt(fix, sizeof(fix),
		    "sign with d=%s instead of d=%s, or relax the record to "
		    "adkim=r, or %s",
		    from, other->domain, rp);
	else if (other)
		cli_fmt(fix, sizeof(fix),
		    "publish the DKIM selector of %s for %s (the record it "
		    "documents, usually a CNAME under _domainkey.%s pointing "
		    "to it) and have it sign with d=%s, or %s",
		    other->domain, from, from, from, rp);
	else
		cli_fmt(fix, sizeof(fix),
		    "sign with a DKIM key of %s, or send with a return path "
		    "%s %s from a server that its SPF record lists",
		    from, rec->aspf_strict ? "at exactly" : "under", from);
	advise(&vd->adv,
	    "DMARC fails: %s; %s. Receivers that enforce DMARC %s. Fix: "
	    "%s.",
	    spf_part, dkim_part, fate, fix);
}

/* Whether @a and @b are the same address, however written. */
static bool
same_ip(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	if (inet_pton(AF_INET, a, x) == 1)
		return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
	return inet_pton(AF_INET6, a, x) == 1 &&
	       inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
}

/* Fills what the options left out of the envelope from the trace fields,
 * and says so on standard error; or says what is missing and why.
 * @return 0, or EXIT_USAGE (said). */
static int
resolve_envelope(struct verdict *vd)
{
	struct envelope *e = &vd->env;
	const struct trace *t = &vd->t;
	const struct emauth_received *r = &t->rcv;
	bool have_rcv = t->rcv_done && t->rcv_rc == 0;

	if (e->ip == NULL) {
		if (have_rcv) {
			e->ip = r->ip;
			e->ip_src = "received";
		} else if (t->rcv_done) {
			return cli_usage_error("verify",
			    "--ip is required: Received field %u cannot be "
			    "read: %s",
			    t->rcv_index, t->rcv_problem);
		} else if (t->trusted) {
			return cli_usage_error("verify",
			    "--ip is required: no Received field added by %s "
			    "names a client address (the message has %u "
			    "Received field%s)",
			    t->trusted, t->nreceived,
			    t->nreceived == 1 ? "" : "s");
		} else if (t->nreceived) {
			return cli_usage_error("verify",
			    "--ip is required: none of the %u Received "
			    "field%s names a client address other than "
			    "loopback",
			    t->nreceived, t->nreceived == 1 ? "" : "s");
		} else {
			return cli_usage_error("verify",
			    "--ip is required: the message has no Received "
			    "field");
		}
	}
	/* The HELO name only from the field whose client is the one
	 * checked: never another host's. */
	if (e->helo == NULL && have_rcv && r->helo[0] &&
	    same_ip(e->ip, r->ip)) {
		e->helo = r->helo;
		e->helo_src = "received";
	}
	if (e->mail_from == NULL) {
		if (t->nreturn_path && t->rp_rc == 0) {
			e->mail_from = t->return_path;
			e->mail_from_src = "return-path";
		} else if (t->nreturn_path) {
			return cli_usage_error("verify",
			    "--mail-from is required: the Return-Path field "
			    "cannot be read: %s",
			    t->rp_problem);
		} else {
			return cli_usage_error("verify",
			    "--mail-from is required ('' for the null "
			    "reverse-path): the message has no Return-Path "
			    "field");
		}
	}
	if ((e->mail_from[0] == '\0' || strcmp(e->mail_from, "<>") == 0) &&
	    (e->helo == NULL || e->helo[0] == '\0'))
		return cli_usage_error("verify",
		    "the null reverse-path needs --helo%s",
		    e->mail_from_src
		        ? " (the Return-Path is <>, and no Received field "
		          "gave a HELO name)"
		        : "");
	if (e->ip_src)
		fprintf(stderr,
		    "emauth verify: --ip %s from Received field %u of %u "
		    "(added by %s; from %s%s%s)%s\n",
		    e->ip, t->rcv_index, t->nreceived, r->by[0] ? r->by : "?",
		    r->from[0] ? r->from : "?",
		    r->rdns[0] ? ", reverse DNS " : "", r->rdns,
		    t->rcv_passed == 0 ? ""
		    : t->trusted       ? "; the fields above it are another "
		                         "host's, or name no client address "
		                         "or a loopback one"
		                       : "; the fields above it name no client "
		                         "address or a loopback one");
	if (e->helo_src)
		fprintf(stderr,
		    "emauth verify: --helo %s from Received field %u\n",
		    e->helo, t->rcv_index);
	if (e->mail_from_src)
		fprintf(stderr,
		    "emauth verify: --mail-from '%s' from Return-Path\n",
		    e->mail_from);
	return 0;
}

static int
run_verify(struct emauth_ctx *ctx, FILE *in, const char *path,
    enum emauth_dmarc_mode mode, struct verdict *vd)
{
	struct msgstate m;
	struct emauth_diag d;
	static const struct emauth_msg_handler h = {m_header, m_eoh, m_body};
	char msg[600];

	memset(&m, 0, sizeof(m));
	memset(&d, 0, sizeof(d));
	m.t = &vd->t;
	int rc = emauth_dkim_verifier_new(ctx, NULL, &m.v);
	if (rc == 0)
		rc = emauth_arc_verifier_new(ctx, NULL, &m.arc);
	if (rc == 0)
		rc = cli_feed_file(in, &h, &m, NULL, &d);
	const char *malformed = NULL;
	if (rc == EMAUTH_ESYNTAX || rc == EMAUTH_ETOOBIG) {
		/* A header line without a colon, a field over the cap: the
		 * message still gets a verdict (DMARC permerror), as a
		 * receiver would give it, not an error exit. */
		malformed = d.msg ? emauth_diag_format(&d, msg, sizeof(msg))
		                  : emauth_strerror(rc);
		fprintf(stderr, "emauth verify: %s: %s\n", path, malformed);
		rc = 0;
		if (resolve_envelope(vd) != 0) {
			rc = EMAUTH_ENOTFOUND;
			goto out;
		}
	} else if (rc == 0) {
		/* Before any DNS: the envelope is complete. */
		if (resolve_envelope(vd) != 0) {
			rc = EMAUTH_ENOTFOUND;
			goto out;
		}
		rc = emauth_dkim_verifier_finish(m.v);
		if (rc == 0)
			rc = emauth_arc_verifier_finish(m.arc);
		if (rc == 0 && emauth_arc_verifier_result(m.arc, &vd->arc) == 0)
			vd->have_arc = 1;
	}
	if (rc != 0) {
		fprintf(stderr, "emauth verify: %s: %s\n", path,
		    d.msg ? emauth_diag_format(&d, msg, sizeof(msg))
		          : emauth_strerror(rc));
		goto out;
	}
	struct emauth_verdict_query q = {vd->env.ip, vd->env.mail_from,
	    vd->env.helo, mode, (const char *const *)m.from, m.nfrom, m.v,
	    malformed};
	rc = emauth_verdict_evaluate(ctx, &q, &vd->v);
	vd->dmarc = vd->v.have_dmarc ? &vd->v.dmarc : NULL;
out:
	for (unsigned i = 0; i < m.nfrom && i < FROM_FIELDS_MAX; i++)
		free(m.from[i]);
	emauth_dkim_verifier_free(m.v);
	emauth_arc_verifier_free(m.arc);
	return rc;
}

static enum emauth_result
dmarc_result(const struct verdict *vd)
{
	return emauth_verdict_dmarc(&vd->v);
}

static json_object *
jstr(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

static json_object *
jsrc(const char *value, const char *src)
{
	json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "value", value ? json_object_new_string(value) : NULL);
	json_object_object_add(o, "source",
	    value ? json_object_new_string(src ? src : "option") : NULL);
	return o;
}

/* Each envelope value and where it came from; the Received field read,
 * when one gave a value. */
static json_object *
envelope_json(const struct verdict *vd)
{
	const struct envelope *e = &vd->env;
	const struct trace *t = &vd->t;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ip", jsrc(e->ip, e->ip_src));
	json_object_object_add(o, "helo", jsrc(e->helo, e->helo_src));
	json_object_object_add(
	    o, "mail_from", jsrc(e->mail_from, e->mail_from_src));
	json_object *r = NULL;
	if (e->ip_src || e->helo_src) {
		r = json_object_new_object();
		json_object_object_add(
		    r, "index", json_object_new_int((int)t->rcv_index));
		json_object_object_add(
		    r, "count", json_object_new_int((int)t->nreceived));
		json_object_object_add(r, "trusted_host", jstr(t->trusted));
		json_object_object_add(r, "from", jstr(t->rcv.from));
		json_object_object_add(r, "helo", jstr(t->rcv.helo));
		json_object_object_add(r, "rdns", jstr(t->rcv.rdns));
		json_object_object_add(r, "ip", jstr(t->rcv.ip));
		json_object_object_add(r, "by", jstr(t->rcv.by));
	}
	json_object_object_add(o, "received", r);
	return o;
}

static void
print_json(const struct verdict *vd)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "envelope", envelope_json(vd));
	json_object *ip = json_object_new_object();
	json_object_object_add(ip, "result",
	    json_object_new_string(emauth_result_name(vd->v.iprev.result)));
	json_object_object_add(ip, "name", jstr(vd->v.iprev.name));
	json_object_object_add(ip, "reason", jstr(vd->v.iprev.reason));
	json_object_object_add(o, "iprev", ip);
	json_object_object_add(
	    o, "spf", vd->v.have_spf ? cli_spf_json(&vd->v.spf) : NULL);
	json_object_object_add(
	    o, "spf_helo", vd->v.have_helo ? cli_spf_json(&vd->v.helo) : NULL);
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < vd->v.ndkim; i++)
		json_object_array_add(
		    arr, cli_dkim_result_json(&vd->v.dkim[i]));
	json_object_object_add(o, "dkim", arr);
	json_object *dm = json_object_new_object();
	const struct emauth_dmarc_result *d = vd->dmarc;
	json_object_object_add(dm, "result",
	    json_object_new_string(emauth_result_name(dmarc_result(vd))));
	json_object_object_add(dm, "policy",
	    d && d->d.policy_tag
	        ? json_object_new_string(emauth_dmarc_policy_name(d->d.policy))
	        : NULL);
	json_object_object_add(dm, "disposition",
	    json_object_new_string(
	        vd->v.from_problem    ? "reject"
	        : d && d->disposition ? emauth_dmarc_policy_name(d->disposition)
	                              : "none"));
	json_object_object_add(dm, "from_domain", jstr(vd->v.from_domain));
	json_object_object_add(
	    dm, "policy_domain", d ? jstr(d->d.policy_domain) : NULL);
	json_object_object_add(
	    dm, "organizational_domain", d ? jstr(d->d.org_domain) : NULL);
	json_object_object_add(
	    dm, "spf_aligned", json_object_new_boolean(d && d->spf_aligned));
	json_object_object_add(
	    dm, "dkim_aligned", json_object_new_boolean(d && d->dkim_aligned));
	char reason[900];
	if (vd->v.from_problem)
		cli_fmt(reason, sizeof(reason), "%s%s%s", vd->v.from_problem,
		    vd->v.from_detail[0] ? ": " : "", vd->v.from_detail);
	json_object_object_add(dm, "reason",
	    json_object_new_string(vd->v.from_problem ? reason
	                           : d                ? d->reason
	                                              : ""));
	json_object_object_add(o, "dmarc", dm);
	json_object *ao = NULL;
	if (vd->have_arc) {
		ao = json_object_new_object();
		json_object_object_add(ao, "cv",
		    json_object_new_string(emauth_arc_cv_name(vd->arc.cv)));
		json_object_object_add(ao, "reason", jstr(vd->arc.reason));
		json_object_object_add(ao, "instances",
		    json_object_new_int((int)vd->arc.instances));
		json_object_object_add(ao, "oldest_pass",
		    json_object_new_int((int)vd->arc.oldest_pass));
		json_object_object_add(ao, "trusted_override",
		    vd->arc_override ? jstr(vd->arc_comment) : NULL);
	}
	json_object_object_add(o, "arc", ao);
	json_object_object_add(
	    o, "authentication_results", json_object_new_string(vd->authres));
	json_object_object_add(o, "score", json_object_new_int(vd->score));
	json_object *adv = json_object_new_array();
	for (size_t i = 0; i < vd->adv.n; i++)
		json_object_array_add(
		    adv, json_object_new_string(vd->adv.v[i]));
	if (vd->adv.lost) {
		char more[96];
		cli_fmt(more, sizeof(more),
		    "... %zu more (out of memory: not kept)", vd->adv.lost);
		json_object_array_add(adv, json_object_new_string(more));
	}
	json_object_object_add(o, "advice", adv);
	puts(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void
print_text(const struct verdict *vd)
{
	printf("%s\n\n", vd->authres);
	if (vd->arc_override)
		printf("ARC: DMARC fails, but the chain passes and its newest "
		       "seal is a trusted forwarder's (%s): the disposition is "
		       "overridden to none (trusted_forwarder)\n\n",
		    vd->arc_comment);
	enum emauth_result dr = dmarc_result(vd);
	printf("verdict: DMARC %s", emauth_result_name(dr));
	if (vd->v.from_problem)
		printf(", disposition reject");
	else if (vd->dmarc && vd->dmarc->d.policy_tag)
		printf(", disposition %s (policy %s=%s of %s)",
		    vd->dmarc->disposition
		        ? emauth_dmarc_policy_name(vd->dmarc->disposition)
		        : "none",
		    vd->dmarc->d.policy_tag,
		    emauth_dmarc_policy_name(vd->dmarc->d.policy),
		    vd->dmarc->d.policy_domain);
	printf("\nscore: %d/10\n", vd->score);
	if (vd->adv.n == 0 && vd->adv.lost == 0) {
		printf("\nEverything is in order: iprev, SPF, DKIM and DMARC "
		       "pass.\n");
		return;
	}
	printf("\nwhat to change:\n");
	for (size_t i = 0; i < vd->adv.n; i++)
		printf("- %s\n", vd->adv.v[i]);
	if (vd->adv.lost)
		printf(
		    "- ... %zu more (out of memory: not kept)\n", vd->adv.lost);
}

int
cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ip", required_argument, NULL, 'i'},
	    {"mail-from", required_argument, NULL, 'm'},
	    {"helo", required_argument, NULL, 'H'},
	    {"trusted-received", required_argument, NULL, 'T'},
	    {"dns", required_argument, NULL, 'd'},
	    {"authserv-id", required_argument, NULL, 'a'},
	    {"dmarc-mode", required_argument, NULL, 'M'},
	    {"json", no_argument, NULL, 'j'},
	    {"record", required_argument, NULL, 'R'},
	    {"time", required_argument, NULL, 't'},
	    {"rcpt-to", required_argument, NULL, 'r'},
	    {"arc-trusted-sealers", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *ip = NULL, *from = NULL, *helo = NULL, *dns = NULL;
	const char *authserv = NULL, *trusted = NULL;
	const char *record = NULL, *rcpt_to = NULL;
	char *sealers_buf = NULL;
	const char *sealers[32];
	size_t nsealers = 0;
	int64_t when = (int64_t)time(NULL);
	bool when_given = false;
	enum emauth_dmarc_mode mode = EMAUTH_DMARC_RFC9989;
	int json = 0, c, rc;
	char host[256];

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			ip = optarg;
			break;
		case 'm':
			from = optarg;
			break;
		case 'H':
			helo = optarg;
			break;
		case 'T':
			trusted = optarg;
			break;
		case 'd':
			dns = optarg;
			break;
		case 'a':
			authserv = optarg;
			break;
		case 'M':
			if ((rc = cli_dmarc_mode("verify", optarg, &mode)) != 0)
				return rc;
			break;
		case 'j':
			json = 1;
			break;
		case 'R':
			record = optarg;
			break;
		case 'r':
			rcpt_to = optarg;
			break;
		case 't':
			if (cli_epoch(optarg, &when) != 0)
				return cli_usage_error("verify",
				    "--time: not seconds since 1970: '%s'",
				    optarg);
			when_given = true;
			break;
		case 'S': {
			free(sealers_buf);
			sealers_buf = strdup(optarg);
			nsealers = 0;
			for (char *sv = NULL,
			          *tok = strtok_r(sealers_buf, ", ", &sv);
			     tok; tok = strtok_r(NULL, ", ", &sv)) {
				if (!cli_name_ok(tok) || nsealers == 32) {
					int r = cli_usage_error("verify",
					    "--arc-trusted-sealers: '%s' is "
					    "not a "
					    "domain (at most 32)",
					    tok);
					free(sealers_buf);
					return r;
				}
				sealers[nsealers++] = tok;
			}
			break;
		}
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("verify", c, argv);
		}
	}
	/* Without --ip, --helo or --mail-from, the message's trace fields
	 * give them (resolve_envelope()), before any DNS. */
	if (trusted && !cli_name_ok(trusted))
		return cli_usage_error("verify",
		    "--trusted-received: '%s' is not a host name", trusted);
	if (argc - optind > 1)
		return cli_usage_error("verify", "one message at a time");
	if (record == NULL && (when_given || rcpt_to))
		return cli_usage_error(
		    "verify", "--time and --rcpt-to go with --record STORE");
	if (authserv == NULL) {
		if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
			cli_fmt(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		authserv = host;
	}
	const char *path = optind < argc ? argv[optind] : "-";
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (in == NULL) {
		fprintf(
		    stderr, "emauth verify: %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}

	struct emauth_ctx *ctx;
	if ((rc = cli_ctx_new("verify", dns, &ctx)) != 0) {
		if (in != stdin)
			fclose(in);
		return rc;
	}
	struct verdict *vd = calloc(1, sizeof(*vd));
	if (vd == NULL) {
		if (in != stdin)
			fclose(in);
		emauth_ctx_free(ctx);
		return EXIT_USAGE;
	}
	vd->ctx = ctx;
	vd->mode = mode;
	vd->env = (struct envelope){ip, helo, from, NULL, NULL, NULL};
	vd->t.trusted = trusted;
	rc = run_verify(ctx, in, path, mode, vd);
	if (in != stdin)
		fclose(in);
	ip = vd->env.ip;
	if (rc == EMAUTH_EINVAL) {
		rc = cli_usage_error(
		    "verify", "--ip: not an IP address: '%s'", ip);
		goto out;
	}
	if (rc != 0) {
		rc = EXIT_USAGE;
		goto out;
	}

	/* A trusted forwarder's passing chain overrides a DMARC failure:
	 * the field then says the disposition applied (dis=none). */
	if (dmarc_result(vd) == EMAUTH_RES_FAIL && !vd->v.from_problem &&
	    vd->have_arc)
		vd->arc_override = emauth_arc_trusted(&vd->arc, sealers,
		    nsealers, vd->arc_comment, sizeof(vd->arc_comment));
	struct emauth_dmarc_result shown;
	if (vd->arc_override && vd->dmarc) {
		shown = *vd->dmarc;
		shown.disposition = EMAUTH_DMARC_NONE;
	}
	struct emauth_authres_input ar = {authserv, ip, &vd->v.iprev,
	    vd->v.have_spf ? &vd->v.spf : NULL,
	    vd->v.have_helo ? &vd->v.helo : NULL, vd->v.dkim, vd->v.ndkim,
	    vd->arc_override && vd->dmarc ? &shown : vd->dmarc,
	    vd->v.from_domain[0] ? vd->v.from_domain : NULL, vd->v.from_problem,
	    vd->have_arc ? &vd->arc : NULL};
	int arl = emauth_authres_format(
	    &ar, "\n", vd->authres, EMAUTH_AUTHRES_MAX + 1);
	if (arl == EMAUTH_ETOOBIG) {
		/* Over the library's cap (the verdict's bounds keep the field
		 * well under it): the DMARC result alone, and say so. */
		fprintf(stderr,
		    "emauth verify: the Authentication-Results field would "
		    "be over %d bytes: only the DMARC result is written\n",
		    EMAUTH_AUTHRES_MAX);
		struct emauth_authres_input d = {authserv, NULL, NULL, NULL,
		    NULL, NULL, 0, ar.dmarc, ar.from_domain, ar.dmarc_problem,
		    NULL};
		arl = emauth_authres_format(
		    &d, "\n", vd->authres, EMAUTH_AUTHRES_MAX + 1);
	}
	if (arl == EMAUTH_EINVAL) {
		rc = cli_usage_error("verify",
		    "--authserv-id: '%s' is not a host name", authserv);
		goto out;
	}
	if (arl < 0) {
		fprintf(stderr,
		    "emauth verify: the Authentication-Results field: %s\n",
		    emauth_strerror(arl));
		rc = EXIT_USAGE;
		goto out;
	}

	/* Score and advice. */
	bool dkim_pass = false;
	for (size_t i = 0; i < vd->v.ndkim; i++)
		dkim_pass |= vd->v.dkim[i].result == EMAUTH_RES_PASS;
	vd->score =
	    (vd->v.iprev.result == EMAUTH_RES_PASS ? 2 : 0) +
	    (vd->v.have_spf && vd->v.spf.result == EMAUTH_RES_PASS ? 2 : 0) +
	    (dkim_pass ? 2 : 0) +
	    (vd->dmarc && vd->dmarc->d.policy_tag ? 1 : 0) +
	    (dmarc_result(vd) == EMAUTH_RES_PASS ? 3 : 0);
	if (vd->v.iprev.result != EMAUTH_RES_PASS)
		advise(&vd->adv,
		    "iprev %s: %s. Ask whoever runs %s to set its PTR record "
		    "to a name whose A/AAAA record is %s; Gmail and Yahoo "
		    "require it.",
		    emauth_result_name(vd->v.iprev.result), vd->v.iprev.reason,
		    ip, ip);
	if (vd->v.have_spf)
		spf_advice(vd, ip);
	dkim_advice(vd);
	dmarc_advice(vd);
	provider_advice(vd);

	if (json)
		print_json(vd);
	else
		print_text(vd);
	rc = dmarc_result(vd) == EMAUTH_RES_PASS ? 0 : 1;
	if (record) {
		struct emauth_report_env env = {when, ip, mode,
		    vd->env.mail_from, rcpt_to,
		    vd->arc_override ? EMAUTH_DMARC_NONE : EMAUTH_DMARC_UNSET,
		    vd->arc_override ? "trusted_forwarder" : NULL,
		    vd->arc_override ? vd->arc_comment : NULL};
		if (cli_record_verdict(record, &vd->v, &env) != 0)
			rc = EXIT_USAGE;
	}
out:
	for (size_t i = 0; i < vd->adv.n; i++)
		free(vd->adv.v[i]);
	free(vd->adv.v);
	free(vd);
	emauth_ctx_free(ctx);
	free(sealers_buf);
	return rc;
}
