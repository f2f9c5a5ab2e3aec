/*
 * cmd_spf.c: "emauth spf": evaluate SPF for one client and sender.
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include <emauth/spf.h>

#include "cli.h"

static const char help[] =
    "usage: emauth spf --ip IP --mail-from ADDR [--helo NAME] [--dns SPEC]\n"
    "                  [--receiver NAME] [--json]\n"
    "\n"
    "Evaluates SPF (RFC 7208 check_host) for a message from client IP with\n"
    "the given MAIL FROM. An empty MAIL FROM ('' or '<>') is the null\n"
    "reverse-path: the HELO identity is checked as postmaster@HELO. When\n"
    "both are given, the HELO identity is also checked and shown.\n"
    "\n"
    "  --ip IP           client address, IPv4 or IPv6\n"
    "  --mail-from ADDR  the SMTP MAIL FROM address ('' for null)\n"
    "  --helo NAME       the HELO/EHLO name\n"
    "  --dns SPEC        system (default), server:IP[@PORT], or\n"
    "                    zone:FILE[,FILE...] (offline, RFC 1035 files)\n"
    "  --receiver NAME   this host's name, for the %{r} macro\n"
    "  --json            print one JSON object\n"
    "\n"
    "Prints the result (none, neutral, pass, fail, softfail, temperror,\n"
    "permerror), the term that decided it, the explanation on fail, the\n"
    "problem on an error, and the DNS-querying terms and void lookups used.\n"
    "\n"
    "Exit status: 0 whatever the SPF result; 2 for bad usage.\n";

static json_object *
jstr_or_null(const char *s)
{
	return s && s[0] ? json_object_new_string(s) : NULL;
}

json_object *
cli_spf_json(const struct emauth_spf_result *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(
	    o, "result", json_object_new_string(emauth_result_name(r->result)));
	json_object_object_add(o, "identity",
	    json_object_new_string(
	        r->identity == EMAUTH_SPF_HELO ? "helo" : "mailfrom"));
	json_object_object_add(o, "sender", json_object_new_string(r->sender));
	json_object_object_add(o, "domain", json_object_new_string(r->domain));
	json_object_object_add(o, "mechanism", jstr_or_null(r->mechanism));
	json_object_object_add(
	    o, "mechanism_domain", jstr_or_null(r->mechanism_domain));
	json_object_object_add(o, "explanation", jstr_or_null(r->explanation));
	json_object_object_add(
	    o, "dns_lookups", json_object_new_int((int)r->dns_lookups));
	json_object_object_add(
	    o, "void_lookups", json_object_new_int((int)r->void_lookups));
	json_object_object_add(
	    o, "dns_queries", json_object_new_int((int)r->dns_queries));
	json_object_object_add(o, "problem", jstr_or_null(r->problem));
	return o;
}

static void
print_text(const char *label, const struct emauth_spf_result *r)
{
	printf("%s: %s\n", label, emauth_result_name(r->result));
	printf("  identity:    %s <%s>\n",
	    r->identity == EMAUTH_SPF_HELO ? "HELO" : "MAIL FROM", r->sender);
	if (r->mechanism[0])
		printf("  decided by:  %s (record of %s)\n", r->mechanism,
		    r->mechanism_domain);
	else if (r->result == EMAUTH_RES_NEUTRAL)
		printf("  decided by:  no term matched (default neutral)\n");
	else if (r->result == EMAUTH_RES_NONE)
		printf("  decided by:  no SPF record at %s\n", r->domain);
	if (r->explanation[0])
		printf("  explanation: %s\n", r->explanation);
	if (r->problem[0])
		printf("  problem:     %s\n", r->problem);
	printf("  lookups:     %u of 10 DNS-querying terms, %u of 2 void "
	       "lookups\n",
	    r->dns_lookups, r->void_lookups);
}

int
cmd_spf(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ip", required_argument, NULL, 'i'},
	    {"mail-from", required_argument, NULL, 'm'},
	    {"helo", required_argument, NULL, 'H'},
	    {"dns", required_argument, NULL, 'd'},
	    {"receiver", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *ip = NULL, *from = NULL, *helo = NULL, *dns = NULL;
	const char *receiver = NULL;
	int json = 0, c, rc;

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
		case 'r':
			receiver = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("spf", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    "spf", "unexpected argument '%s'", argv[optind]);
	if (ip == NULL)
		return cli_usage_error("spf", "--ip is required");
	if (from == NULL)
		return cli_usage_error("spf",
		    "--mail-from is required ('' for the null reverse-path)");

	struct emauth_spf_query q = {0};
	q.ip = ip;
	q.mail_from = from;
	q.helo = helo;
	q.receiver = receiver;
	bool null_sender = from[0] == '\0' || strcmp(from, "<>") == 0;
	if (null_sender && (helo == NULL || helo[0] == '\0'))
		return cli_usage_error("spf",
		    "the null reverse-path needs --helo (the HELO identity is "
		    "checked)");

	struct emauth_ctx *ctx;
	if ((rc = cli_ctx_new("spf", dns, &ctx)) != 0)
		return rc;
	struct emauth_spf_result r, h;
	rc = emauth_spf_check_host(ctx, &q, &r);
	if (rc == EMAUTH_EINVAL) {
		emauth_ctx_free(ctx);
		return cli_usage_error(
		    "spf", "--ip: not an IP address: '%s'", ip);
	}
	if (rc != 0) {
		fprintf(stderr, "emauth spf: %s\n", emauth_strerror(rc));
		emauth_ctx_free(ctx);
		return EXIT_USAGE;
	}
	bool also_helo = !null_sender && helo && helo[0];
	if (also_helo) {
		q.identity = EMAUTH_SPF_HELO;
		if (emauth_spf_check_host(ctx, &q, &h) != 0)
			also_helo = false;
	}
	if (json) {
		json_object *o = cli_spf_json(&r);
		if (also_helo)
			json_object_object_add(o, "helo", cli_spf_json(&h));
		puts(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		print_text("spf", &r);
		if (also_helo)
			print_text("spf (HELO identity)", &h);
	}
	emauth_ctx_free(ctx);
	return 0;
}
