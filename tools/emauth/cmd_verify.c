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
 * The score: iprev pass 2, SPF pass (MAIL FROM) 2, a passing DKIM
 * signature 2, a DMARC record with a policy for the From domain 1, DMARC
 * pass 3.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include <emauth/authres.h>
#include <emauth/dkim.h>
#include <emauth/dmarc.h>
#include <emauth/iprev.h>
#include <emauth/msg.h>
#include <emauth/spf.h>
#include <emauth/verdict.h>

#include "cli.h"

static const char help[] =
    "usage: emauth verify --ip IP --mail-from ADDR [--helo NAME] [--dns SPEC]\n"
    "                     [--authserv-id ID] [--dmarc-mode rfc9989|rfc7489]\n"
    "                     [--json] [FILE|-]\n"
    "\n"
    "Runs iprev, SPF (MAIL FROM and HELO), DKIM and DMARC on a message as a\n"
    "receiver would, prints the Authentication-Results field it would add,\n"
    "then a diagnosis for the sender: what passed, what failed, why, and\n"
    "what to change, with a score out of 10 (iprev 2, SPF 2, DKIM 2, a\n"
    "DMARC policy 1, DMARC pass 3).\n"
    "\n"
    "  --ip IP            the SMTP client's address\n"
    "  --mail-from ADDR   the SMTP MAIL FROM ('' for the null reverse-path)\n"
    "  --helo NAME        the HELO/EHLO name\n"
    "  --dns SPEC         system (default), server:IP[@PORT], or\n"
    "                     zone:FILE[,FILE...] (offline, RFC 1035 files)\n"
    "  --authserv-id ID   the receiver's name in Authentication-Results\n"
    "                     (default: this host's name)\n"
    "  --dmarc-mode M     rfc9989 (default) or rfc7489\n"
    "  --json             print one JSON object\n"
    "\n"
    "Exit status: 0 when DMARC passes, 1 when it does not (fail, none or an\n"
    "error), 2 for bad usage or unreadable input.\n";

#define FROM_FIELDS_MAX 4

struct msgstate {
	struct emauth_dkim_verifier *v;
	char *from[FROM_FIELDS_MAX];
	unsigned nfrom; /* From fields seen (may exceed the kept ones) */
};

static int
m_header(void *arg, struct emauth_span f)
{
	struct msgstate *m = arg;
	if (f.len >= 5 && strncasecmp((const char *)f.p, "from", 4) == 0) {
		size_t i = 4;
		while (i < f.len && (f.p[i] == ' ' || f.p[i] == '\t'))
			i++;
		if (i < f.len && f.p[i] == ':') {
			if (m->nfrom < FROM_FIELDS_MAX) {
				char *v = malloc(f.len - i);
				if (v == NULL)
					return EMAUTH_ENOMEM;
				memcpy(v, f.p + i + 1, f.len - i - 1);
				v[f.len - i - 1] = '\0';
				m->from[m->nfrom] = v;
			}
			m->nfrom++;
		}
	}
	int rc = emauth_dkim_verifier_header(m->v, f);
	return rc == EMAUTH_ETOOBIG ? 0 : rc;
}

static int
m_eoh(void *arg)
{
	return emauth_dkim_verifier_eoh(((struct msgstate *)arg)->v);
}

static int
m_body(void *arg, struct emauth_span c)
{
	return emauth_dkim_verifier_body(((struct msgstate *)arg)->v, c);
}

/* The advice list: grown as needed, each line whole (the final DMARC
 * diagnosis comes last and must not be the one left out). */
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

struct verdict {
	struct emauth_verdict v;
	const struct emauth_dmarc_result *dmarc; /* the deciding evaluation */
	int score;
	struct advice adv;
	char authres[AUTHRES_ROOM];
};

static void
spf_advice(struct verdict *vd, const char *ip)
{
	const struct emauth_spf_result *s = &vd->v.spf;
	switch (s->result) {
	case EMAUTH_RES_NONE:
		advise(&vd->adv,
		    "SPF: %s publishes no SPF record. Publish one listing the "
		    "servers that send for it, e.g. \"v=spf1 ip4:%s -all\", "
		    "or the include: your platform documents.",
		    s->domain, ip);
		break;
	case EMAUTH_RES_FAIL:
	case EMAUTH_RES_SOFTFAIL:
	case EMAUTH_RES_NEUTRAL:
		advise(&vd->adv,
		    "SPF %s: %s is not authorized by the SPF record of %s "
		    "(%s). Add it (ip4:/ip6:) or the include: of the platform "
		    "that sends from it.",
		    emauth_result_name(s->result), ip, s->domain,
		    s->mechanism[0] ? s->mechanism : "no term matched");
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
		advise(&vd->adv, "DKIM %s for d=%s s=%s: %s.",
		    emauth_result_name(k->result), k->domain, k->selector,
		    k->detail);
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
	if (d->result != EMAUTH_RES_FAIL)
		return;
	/* The diagnosis: why neither identifier is aligned, and the fix. */
	char spf_part[600], dkim_part[600];
	if (vd->v.have_spf && vd->v.spf.result == EMAUTH_RES_PASS)
		cli_fmt(spf_part, sizeof(spf_part),
		    "SPF passes for %s, which is not aligned with the From "
		    "domain %s",
		    vd->v.spf.domain, from);
	else
		cli_fmt(spf_part, sizeof(spf_part), "SPF does not pass (%s)",
		    vd->v.have_spf ? emauth_result_name(vd->v.spf.result)
		                   : "none");
	const struct emauth_dkim_result *other = NULL;
	unsigned passing = 0;
	for (size_t i = 0; i < vd->v.ndkim; i++)
		if (vd->v.dkim[i].result == EMAUTH_RES_PASS) {
			passing++;
			other = &vd->v.dkim[i];
		}
	if (passing == 1)
		cli_fmt(dkim_part, sizeof(dkim_part),
		    "the only passing DKIM signature is d=%s, also not aligned",
		    other->domain);
	else if (passing > 1)
		cli_fmt(dkim_part, sizeof(dkim_part),
		    "none of the %u passing DKIM signatures is aligned",
		    passing);
	else
		cli_fmt(
		    dkim_part, sizeof(dkim_part), "no DKIM signature passes");
	const char *fate =
	    d->disposition == EMAUTH_DMARC_REJECT ? "reject this: 550 5.7.26"
	    : d->disposition == EMAUTH_DMARC_QUARANTINE
	        ? "put this in spam (quarantine)"
	        : "deliver this for now (the policy is none), but "
	          "Gmail and Yahoo require DMARC to pass for bulk mail";
	char fix[700];
	if (other)
		cli_fmt(fix, sizeof(fix),
		    "publish the DKIM selector of %s for %s (usually a CNAME "
		    "such as %s._domainkey.%s pointing to the platform), or "
		    "use "
		    "a return path under %s",
		    other->domain, from, other->selector, from, from);
	else
		cli_fmt(fix, sizeof(fix),
		    "sign with a DKIM key of %s, or send with a return path "
		    "under %s from a server that its SPF record lists",
		    from, from);
	advise(&vd->adv,
	    "DMARC fails: %s; %s. Receivers that enforce DMARC (Gmail, "
	    "Yahoo) %s. Fix: %s.",
	    spf_part, dkim_part, fate, fix);
}

static int
run_verify(struct emauth_ctx *ctx, FILE *in, const char *path, const char *ip,
    const char *mail_from, const char *helo, enum emauth_dmarc_mode mode,
    struct verdict *vd)
{
	struct msgstate m;
	struct emauth_diag d;
	static const struct emauth_msg_handler h = {m_header, m_eoh, m_body};
	char msg[600];

	memset(&m, 0, sizeof(m));
	memset(&d, 0, sizeof(d));
	int rc = emauth_dkim_verifier_new(ctx, NULL, &m.v);
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
	} else if (rc == 0) {
		rc = emauth_dkim_verifier_finish(m.v);
	}
	if (rc != 0) {
		fprintf(stderr, "emauth verify: %s: %s\n", path,
		    d.msg ? emauth_diag_format(&d, msg, sizeof(msg))
		          : emauth_strerror(rc));
		goto out;
	}
	struct emauth_verdict_query q = {ip, mail_from, helo, mode,
	    (const char *const *)m.from, m.nfrom, m.v, malformed};
	rc = emauth_verdict_evaluate(ctx, &q, &vd->v);
	vd->dmarc = vd->v.have_dmarc ? &vd->v.dmarc : NULL;
out:
	for (unsigned i = 0; i < m.nfrom && i < FROM_FIELDS_MAX; i++)
		free(m.from[i]);
	emauth_dkim_verifier_free(m.v);
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

static void
print_json(const struct verdict *vd)
{
	json_object *o = json_object_new_object();
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
	    {"dns", required_argument, NULL, 'd'},
	    {"authserv-id", required_argument, NULL, 'a'},
	    {"dmarc-mode", required_argument, NULL, 'M'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *ip = NULL, *from = NULL, *helo = NULL, *dns = NULL;
	const char *authserv = NULL;
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
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("verify", c, argv);
		}
	}
	if (ip == NULL)
		return cli_usage_error("verify", "--ip is required");
	if (from == NULL)
		return cli_usage_error("verify",
		    "--mail-from is required ('' for the null reverse-path)");
	if ((from[0] == '\0' || strcmp(from, "<>") == 0) &&
	    (helo == NULL || helo[0] == '\0'))
		return cli_usage_error(
		    "verify", "the null reverse-path needs --helo");
	if (argc - optind > 1)
		return cli_usage_error("verify", "one message at a time");
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
	if (emauth_ctx_new(&ctx) != 0) {
		if (in != stdin)
			fclose(in);
		return EXIT_USAGE;
	}
	if (dns && (rc = cli_set_dns("verify", ctx, dns)) != 0) {
		if (in != stdin)
			fclose(in);
		emauth_ctx_free(ctx);
		return rc;
	}
	struct verdict *vd = calloc(1, sizeof(*vd));
	if (vd == NULL) {
		emauth_ctx_free(ctx);
		return EXIT_USAGE;
	}
	rc = run_verify(ctx, in, path, ip, from, helo, mode, vd);
	if (in != stdin)
		fclose(in);
	if (rc == EMAUTH_EINVAL) {
		rc = cli_usage_error(
		    "verify", "--ip: not an IP address: '%s'", ip);
		goto out;
	}
	if (rc != 0) {
		rc = EXIT_USAGE;
		goto out;
	}

	struct emauth_authres_input ar = {authserv, ip, &vd->v.iprev,
	    vd->v.have_spf ? &vd->v.spf : NULL,
	    vd->v.have_helo ? &vd->v.helo : NULL, vd->v.dkim, vd->v.ndkim,
	    vd->dmarc, vd->v.from_domain[0] ? vd->v.from_domain : NULL,
	    vd->v.from_problem};
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
		    NULL, NULL, 0, ar.dmarc, ar.from_domain, ar.dmarc_problem};
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

	if (json)
		print_json(vd);
	else
		print_text(vd);
	rc = dmarc_result(vd) == EMAUTH_RES_PASS ? 0 : 1;
out:
	for (size_t i = 0; i < vd->adv.n; i++)
		free(vd->adv.v[i]);
	free(vd->adv.v);
	free(vd);
	emauth_ctx_free(ctx);
	return rc;
}
