/*
 * cmd_dmarc.c: "emauth dmarc DOMAIN": the DMARC policy that applies to a
 * domain, how it was found, every tag with its effective value, and what
 * is wrong with the record.
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <emauth/dmarc.h>

#include "cli.h"

static const char help[] =
    "usage: emauth dmarc DOMAIN [--dns SPEC] [--dmarc-mode rfc9989|rfc7489]\n"
    "                    [--json]\n"
    "\n"
    "Shows the DMARC policy that applies to mail from DOMAIN: the DNS\n"
    "queries of the discovery, the policy domain and the Organizational\n"
    "Domain, every tag with its effective value, and diagnostics for the\n"
    "record.\n"
    "\n"
    "  --dns SPEC        system (default), server:IP[@PORT], or\n"
    "                    zone:FILE[,FILE...] (offline, RFC 1035 files)\n"
    "  --dmarc-mode M    rfc9989 (default: DNS Tree Walk, psd, np, t) or\n"
    "                    rfc7489 (Public Suffix List, pct, rf, ri)\n"
    "  --json            print one JSON object\n"
    "\n"
    "Exit status: 0 when a policy applies, 1 when none does (no record,\n"
    "or a record without a policy), 3 for a DNS failure, 2 for bad usage.\n";

int
cli_dmarc_mode(const char *cmd, const char *arg, enum emauth_dmarc_mode *out)
{
	if (strcmp(arg, "rfc9989") == 0)
		*out = EMAUTH_DMARC_RFC9989;
	else if (strcmp(arg, "rfc7489") == 0)
		*out = EMAUTH_DMARC_RFC7489;
	else
		return cli_usage_error(
		    cmd, "--dmarc-mode: '%s' is not rfc9989 or rfc7489", arg);
	return 0;
}

static const char *
kind_name(enum emauth_dmarc_note_kind k)
{
	return k == EMAUTH_DMARC_ERROR     ? "error"
	       : k == EMAUTH_DMARC_WARNING ? "warning"
	                                   : "obsolete";
}

json_object *
cli_dmarc_record_json(const struct emauth_dmarc_record *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "p",
	    r->has_policy
	        ? json_object_new_string(emauth_dmarc_policy_name(r->p))
	        : NULL);
	json_object_object_add(o, "sp",
	    r->has_policy
	        ? json_object_new_string(emauth_dmarc_policy_name(r->sp))
	        : NULL);
	json_object_object_add(o, "np",
	    r->has_policy
	        ? json_object_new_string(emauth_dmarc_policy_name(r->np))
	        : NULL);
	char psd[2] = {r->psd, 0};
	json_object_object_add(o, "psd", json_object_new_string(psd));
	json_object_object_add(
	    o, "t", json_object_new_string(r->testing ? "y" : "n"));
	json_object_object_add(
	    o, "adkim", json_object_new_string(r->adkim_strict ? "s" : "r"));
	json_object_object_add(
	    o, "aspf", json_object_new_string(r->aspf_strict ? "s" : "r"));
	json_object_object_add(o, "rua", json_object_new_string(r->rua));
	json_object_object_add(o, "ruf", json_object_new_string(r->ruf));
	json_object_object_add(o, "fo", json_object_new_string(r->fo));
	json_object_object_add(o, "pct", json_object_new_int((int)r->pct));
	json_object_object_add(o, "rf", json_object_new_string(r->rf));
	json_object_object_add(o, "ri", json_object_new_int64((int64_t)r->ri));
	json_object *notes = json_object_new_array();
	for (unsigned i = 0; i < r->nnotes; i++) {
		json_object *n = json_object_new_object();
		json_object_object_add(n, "kind",
		    json_object_new_string(kind_name(r->notes[i].kind)));
		json_object_object_add(
		    n, "tag", json_object_new_string(r->notes[i].tag));
		json_object_object_add(
		    n, "offset", json_object_new_int((int)r->notes[i].offset));
		json_object_object_add(
		    n, "text", json_object_new_string(r->notes[i].text));
		json_object_array_add(notes, n);
	}
	json_object_object_add(o, "diagnostics", notes);
	return o;
}

void
cli_dmarc_print_notes(const struct emauth_dmarc_record *r, const char *indent)
{
	for (unsigned i = 0; i < r->nnotes; i++)
		printf("%s%s: %s\n", indent, kind_name(r->notes[i].kind),
		    r->notes[i].text);
}

static void
print_text(const struct emauth_dmarc_discovery *d, enum emauth_dmarc_mode mode)
{
	const struct emauth_dmarc_record *r = &d->record;
	printf("dmarc %s (%s)\n", d->domain,
	    mode == EMAUTH_DMARC_RFC7489 ? "RFC 7489 mode" : "RFC 9989");
	printf("  discovery:\n");
	for (unsigned i = 0; i < d->nsteps; i++)
		printf("    %-40s %s\n", d->steps[i].name, d->steps[i].status);
	if (d->result == EMAUTH_RES_TEMPERROR ||
	    d->result == EMAUTH_RES_PERMERROR) {
		printf("  result: %s: %s\n", emauth_result_name(d->result),
		    d->problem);
		return;
	}
	printf("  organizational domain: %s\n", d->org_domain);
	if (d->policy_domain[0] == '\0') {
		printf("  policy: none: no DMARC record for %s%s\n", d->domain,
		    mode == EMAUTH_DMARC_RFC7489
		        ? " or its organizational domain"
		        : " or its parents");
		return;
	}
	printf("  policy domain: %s\n", d->policy_domain);
	if (d->result == EMAUTH_RES_NONE) {
		printf("  policy: none: the record sets no policy\n");
	} else {
		printf("  policy: %s=%s applies to %s%s\n", d->policy_tag,
		    emauth_dmarc_policy_name(d->policy), d->domain,
		    !d->domain_exists ? " (the domain does not exist)" : "");
		printf("  tags: p=%s sp=%s", emauth_dmarc_policy_name(r->p),
		    emauth_dmarc_policy_name(r->sp));
		if (mode == EMAUTH_DMARC_RFC9989)
			printf(" np=%s psd=%c t=%s",
			    emauth_dmarc_policy_name(r->np), r->psd,
			    r->testing ? "y" : "n");
		printf(" adkim=%s aspf=%s fo=%s", r->adkim_strict ? "s" : "r",
		    r->aspf_strict ? "s" : "r", r->fo);
		if (mode == EMAUTH_DMARC_RFC7489)
			printf(" pct=%u rf=%s ri=%lu", r->pct, r->rf, r->ri);
		printf("\n");
		printf("  rua: %s\n", r->rua[0] ? r->rua
		                                : "(none: no aggregate "
		                                  "reports)");
		if (r->ruf[0])
			printf("  ruf: %s\n", r->ruf);
	}
	cli_dmarc_print_notes(r, "  ");
}

int
cmd_dmarc(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dns", required_argument, NULL, 'd'},
	    {"dmarc-mode", required_argument, NULL, 'm'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dns = NULL;
	enum emauth_dmarc_mode mode = EMAUTH_DMARC_RFC9989;
	int json = 0, c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dns = optarg;
			break;
		case 'm':
			if ((rc = cli_dmarc_mode("dmarc", optarg, &mode)) != 0)
				return rc;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("dmarc", c, argv);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("dmarc", "give exactly one DOMAIN");
	const char *domain = argv[optind];

	struct emauth_ctx *ctx;
	if ((rc = cli_ctx_new("dmarc", dns, &ctx)) != 0)
		return rc;
	struct emauth_dmarc_discovery *d = malloc(sizeof(*d));
	if (d == NULL) {
		emauth_ctx_free(ctx);
		return EXIT_USAGE;
	}
	rc = emauth_dmarc_discover(ctx, domain, mode, d);
	if (rc == EMAUTH_EINVAL) {
		free(d);
		emauth_ctx_free(ctx);
		return cli_usage_error(
		    "dmarc", "'%s' is not a domain name", domain);
	}
	if (rc != 0) {
		fprintf(stderr, "emauth dmarc: %s\n", emauth_strerror(rc));
		free(d);
		emauth_ctx_free(ctx);
		return EXIT_USAGE;
	}
	if (json) {
		json_object *o = json_object_new_object();
		json_object_object_add(
		    o, "domain", json_object_new_string(d->domain));
		json_object_object_add(o, "mode",
		    json_object_new_string(
		        mode == EMAUTH_DMARC_RFC7489 ? "rfc7489" : "rfc9989"));
		json_object_object_add(o, "status",
		    json_object_new_string(
		        d->result == EMAUTH_RES_PASS        ? "policy"
		        : d->result == EMAUTH_RES_TEMPERROR ? "temperror"
		        : d->result == EMAUTH_RES_PERMERROR ? "permerror"
		                                            : "none"));
		json_object_object_add(o, "policy_domain",
		    d->policy_domain[0]
		        ? json_object_new_string(d->policy_domain)
		        : NULL);
		json_object_object_add(o, "organizational_domain",
		    d->org_domain[0] ? json_object_new_string(d->org_domain)
		                     : NULL);
		json_object_object_add(o, "policy",
		    d->policy_tag ? json_object_new_string(
		                        emauth_dmarc_policy_name(d->policy))
		                  : NULL);
		json_object_object_add(o, "policy_tag",
		    d->policy_tag ? json_object_new_string(d->policy_tag)
		                  : NULL);
		json_object_object_add(o, "domain_exists",
		    json_object_new_boolean(d->domain_exists));
		json_object *steps = json_object_new_array();
		for (unsigned i = 0; i < d->nsteps; i++) {
			json_object *s = json_object_new_object();
			json_object_object_add(s, "query",
			    json_object_new_string(d->steps[i].name));
			json_object_object_add(s, "answer",
			    json_object_new_string(d->steps[i].status));
			json_object_array_add(steps, s);
		}
		json_object_object_add(o, "discovery", steps);
		json_object_object_add(o, "record",
		    d->policy_domain[0] ? cli_dmarc_record_json(&d->record)
		                        : NULL);
		json_object_object_add(o, "problem",
		    d->problem[0] ? json_object_new_string(d->problem) : NULL);
		puts(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		print_text(d, mode);
	}
	rc = d->result == EMAUTH_RES_PASS        ? 0
	     : d->result == EMAUTH_RES_TEMPERROR ? 3
	                                         : 1;
	free(d);
	emauth_ctx_free(ctx);
	return rc;
}
