/*
 * cmd_check.c: "emauth check DOMAIN": the domain audit of the library
 * (include/emauth/audit.h, src/audit/) as text or JSON: each finding with
 * its area, status, code, message and fix, the verdict, and the SPF lookup
 * tree. The options, the expectations file and the DNS set-up are here;
 * every check is in the library.
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <json-c/json.h>

#include <emauth/audit.h>
#include <emauth/spf.h>

#include "cli.h"

static const char help[] =
    "usage: emauth check DOMAIN [--selector S]... [--ip IP]... [--dns SPEC]\n"
    "                    [--helo NAME] [--dnsbl ZONE]... [--no-dnsbl]\n"
    "                    [--expect FILE] [--save-zone FILE] [--json]\n"
    "                    [--no-color]\n"
    "\n"
    "Audits the mail authentication records of DOMAIN: SPF (the include\n"
    "tree and its DNS lookup count), DMARC, DKIM (the selectors given, or a\n"
    "probe of common ones), MX, and reverse DNS of the sending addresses\n"
    "given with --ip (and whether SPF authorizes them, and whether DNS\n"
    "blocklists list them: --dnsbl ZONE instead of the default lists,\n"
    "--no-dnsbl for none) and of the MX hosts; --helo NAME checks the name\n"
    "the server gives in HELO against them.\n"
    "Every finding has a status (pass, warn, fail, info) and, when something\n"
    "is wrong, the record to publish. Use --dns zone:FILE,... to check a\n"
    "planned change offline before publishing it. --expect FILE checks\n"
    "what a sending platform requires (docs/expect.md). --save-zone FILE\n"
    "writes every DNS answer the run used as a master file, to replay it\n"
    "offline (--dns zone:FILE), attach it to a ticket, or edit it to try a\n"
    "fix. --dns-stats prints the DNS queries made; --no-dns-cache turns\n"
    "emauth's answer cache off (the system back end).\n"
    "\n"
    "Exit status: 0 when nothing fails (warnings allowed), 1 when something\n"
    "fails, 2 for bad usage or when DNS could not be reached at all.\n";

/* The lookup tree of the SPF audit, for --json. */
static json_object *
tree_json(const struct emauth_spf_audit *a)
{
	json_object *arr = json_object_new_array();
	for (unsigned i = 0; i < a->nnodes; i++) {
		const struct emauth_spf_node *n = &a->nodes[i];
		json_object *o = json_object_new_object();
		json_object_object_add(
		    o, "domain", json_object_new_string(n->domain));
		json_object_object_add(o, "via",
		    n->via[0] ? json_object_new_string(n->via) : NULL);
		json_object_object_add(
		    o, "depth", json_object_new_int((int)n->depth));
		json_object_object_add(o, "record",
		    n->record[0] ? json_object_new_string(n->record) : NULL);
		json_object_object_add(
		    o, "lookups", json_object_new_int((int)n->own_lookups));
		json_object_object_add(o, "total_lookups",
		    json_object_new_int((int)n->total_lookups));
		json_object_object_add(o, "problem",
		    n->problem[0] ? json_object_new_string(n->problem) : NULL);
		json_object_array_add(arr, o);
	}
	return arr;
}

/* Ours: an expectations file of 64 lines of 1 KiB, and comments. */
#define EXPECT_FILE_MAX (1024 * 1024)

/* Reads and parses --expect FILE; on error prints "FILE:LINE: why". */
static int
load_expect(const char *path, struct emauth_audit_expect *e, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(
		    stderr, "emauth check: --expect %s: cannot open\n", path);
		return EXIT_USAGE;
	}
	char *buf = malloc(EXPECT_FILE_MAX + 1);
	size_t len = buf ? fread(buf, 1, EXPECT_FILE_MAX + 1, f) : 0;
	int err = buf == NULL || ferror(f);
	fclose(f);
	if (err || len > EXPECT_FILE_MAX) {
		fprintf(stderr, "emauth check: --expect %s: %s\n", path,
		    err ? "cannot read" : "longer than 1 MiB");
		free(buf);
		return EXIT_USAGE;
	}
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	int rc = emauth_audit_expect_parse(
	    (struct emauth_span){(const uint8_t *)buf, len}, e, n, &d);
	free(buf);
	if (rc != 0) {
		fprintf(stderr, "emauth check: %s:%s: %s%s%s%s\n", path,
		    d.where, d.msg ? d.msg : emauth_strerror(rc),
		    d.excerpt[0] ? ": '" : "", d.excerpt,
		    d.excerpt[0] ? "'" : "");
		return EXIT_USAGE;
	}
	return 0;
}

static void
print_text(const struct emauth_audit_report *r, bool color)
{
	const char *areas[] = {
	    "spf", "dmarc", "dkim", "mx", "ptr", "expect", "report", NULL};
	printf("emauth check %s\n", r->domain);
	for (int a = 0; areas[a]; a++) {
		bool head = false;
		for (size_t i = 0; i < r->n; i++) {
			const struct emauth_audit_finding *c = &r->findings[i];
			if (strcmp(c->area, areas[a]) != 0)
				continue;
			if (!head) {
				printf("\n%s\n", areas[a]);
				head = true;
			}
			const char *col = "";
			if (color)
				col = c->status == EMAUTH_AUDIT_FAIL
				          ? "\033[31m"
				      : c->status == EMAUTH_AUDIT_WARN
				          ? "\033[33m"
				      : c->status == EMAUTH_AUDIT_PASS
				          ? "\033[32m"
				          : "";
			printf("  %s%-4s%s  %s\n", col,
			    emauth_audit_status_name(c->status),
			    color && col[0] ? "\033[0m" : "", c->message);
			if (c->fix)
				printf("        fix: %s\n", c->fix);
			if (c->remove)
				printf("        delete: %s\n", c->remove);
		}
	}
	printf("\nverdict: %s\n%s\n", emauth_audit_status_name(r->verdict),
	    r->providers);
	/* The lookup tree, indented by depth. */
	const struct emauth_spf_audit *t = &r->spf;
	if (t->nnodes > 1) {
		printf("\nSPF lookup tree (DNS-querying terms: own / with "
		       "branches)\n");
		for (unsigned i = 0; i < t->nnodes; i++) {
			const struct emauth_spf_node *n = &t->nodes[i];
			printf("  %*s%s%s%s  %u / %u%s%s\n",
			    (int)(2 * n->depth), "",
			    n->via[0] ? n->via : n->domain,
			    n->via[0] ? " -> " : "", n->via[0] ? n->domain : "",
			    n->own_lookups, n->total_lookups,
			    n->problem[0] ? "  " : "", n->problem);
		}
	}
}

static void
print_json(const struct emauth_audit_report *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "domain", json_object_new_string(r->domain));
	json_object *arr = json_object_new_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct emauth_audit_finding *f = &r->findings[i];
		json_object *e = json_object_new_object();
		json_object_object_add(
		    e, "area", json_object_new_string(f->area));
		json_object_object_add(e, "status",
		    json_object_new_string(
		        emauth_audit_status_name(f->status)));
		json_object_object_add(
		    e, "code", json_object_new_string(f->code));
		json_object_object_add(
		    e, "message", json_object_new_string(f->message));
		json_object_object_add(
		    e, "fix", f->fix ? json_object_new_string(f->fix) : NULL);
		json_object_object_add(e, "delete",
		    f->remove ? json_object_new_string(f->remove) : NULL);
		if (strcmp(f->code, "spf.record") == 0)
			json_object_object_add(
			    e, "lookup_tree", tree_json(&r->spf));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "checks", arr);
	json_object *s = json_object_new_object();
	json_object_object_add(s, "pass", json_object_new_int((int)r->pass));
	json_object_object_add(s, "warn", json_object_new_int((int)r->warn));
	json_object_object_add(s, "fail", json_object_new_int((int)r->fail));
	json_object_object_add(s, "info", json_object_new_int((int)r->info));
	json_object_object_add(s, "verdict",
	    json_object_new_string(emauth_audit_status_name(r->verdict)));
	if (r->lost)
		json_object_object_add(s, "report_truncated",
		    json_object_new_int64((int64_t)r->lost));
	json_object_object_add(
	    s, "mailbox_providers", json_object_new_string(r->providers));
	json_object_object_add(o, "summary", s);
	puts(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"selector", required_argument, NULL, 's'},
	    {"ip", required_argument, NULL, 'i'},
	    {"helo", required_argument, NULL, 'H'},
	    {"dnsbl", required_argument, NULL, 'b'},
	    {"no-dnsbl", no_argument, NULL, 'B'},
	    {"dns", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"no-color", no_argument, NULL, 'C'},
	    {"expect", required_argument, NULL, 'e'},
	    {"save-zone", required_argument, NULL, 'z'},
	    {"dns-stats", no_argument, NULL, 'S'},
	    {"no-dns-cache", no_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	char *sels[16], *ips[16], *bls[16];
	size_t nsel = 0, nip = 0, nbl = 0;
	bool no_dnsbl = false;
	const char *helo = NULL;
	const char *dns = NULL, *expect_file = NULL, *save_zone = NULL;
	bool json = false, nocolor = false, stats = false, nocache = false;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (nsel == 16)
				return cli_usage_error(
				    "check", "at most 16 selectors");
			sels[nsel++] = optarg;
			break;
		case 'H':
			helo = optarg;
			break;
		case 'b':
			if (nbl == 16)
				return cli_usage_error(
				    "check", "at most 16 --dnsbl zones");
			bls[nbl++] = optarg;
			break;
		case 'B':
			no_dnsbl = true;
			break;
		case 'i':
			if (nip == 16)
				return cli_usage_error(
				    "check", "at most 16 addresses");
			ips[nip++] = optarg;
			break;
		case 'd':
			dns = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'C':
			nocolor = true;
			break;
		case 'e':
			expect_file = optarg;
			break;
		case 'z':
			save_zone = optarg;
			break;
		case 'S':
			stats = true;
			break;
		case 'c':
			nocache = true;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("check", c, argv);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("check", "give exactly one DOMAIN");
	/* RFC 1035 §2.3.4: at most 253 characters (without the final dot);
	 * a longer argument is refused, never cut into another name. */
	char domain[256];
	size_t dl = strlen(argv[optind]);
	if (dl && argv[optind][dl - 1] == '.')
		dl--;
	if (dl > 253)
		return cli_usage_error("check",
		    "'%.64s...' is not a domain name (%zu characters; at most "
		    "253)",
		    argv[optind], dl);
	memcpy(domain, argv[optind], dl);
	domain[dl] = '\0';
	if (dl == 0 || strchr(domain, ' ') || strchr(domain, '@'))
		return cli_usage_error(
		    "check", "'%s' is not a domain name", argv[optind]);

	static struct emauth_audit_expect expects[EMAUTH_AUDIT_EXPECT_MAX];
	size_t nexpect = 0;
	if (expect_file &&
	    (rc = load_expect(expect_file, expects, &nexpect)) != 0)
		return rc;

	struct emauth_ctx *ctx;
	if ((rc = cli_ctx_new("check", dns, &ctx)) != 0)
		return rc;
	if (nocache)
		emauth_ctx_set_dns_cache(ctx, 0);
	if (save_zone && emauth_ctx_record_dns(ctx) != 0) {
		fprintf(stderr, "emauth check: DNS could not be reached\n");
		emauth_ctx_free(ctx);
		return EXIT_USAGE;
	}
	struct emauth_audit_opts ao = {.selectors = (const char *const *)sels,
	    .nselectors = nsel,
	    .ips = (const char *const *)ips,
	    .nips = nip,
	    .expect = expects,
	    .nexpect = nexpect,
	    .helo = helo,
	    .dnsbl = nbl || no_dnsbl ? (const char *const *)bls : NULL,
	    .ndnsbl = no_dnsbl ? 0 : nbl};
	struct emauth_audit_report *r;
	if ((rc = emauth_audit_domain(ctx, domain, &ao, &r)) != 0) {
		emauth_ctx_free(ctx);
		if (rc == EMAUTH_EINVAL)
			return cli_usage_error(
			    "check", "'%s' is not a domain name", argv[optind]);
		fprintf(stderr, "emauth check: %s\n", emauth_strerror(rc));
		return EXIT_USAGE;
	}
	if (json)
		print_json(r);
	else
		print_text(r, !nocolor && isatty(STDOUT_FILENO));
	rc = r->dns_down ? EXIT_USAGE : r->fail ? 1 : 0;
	if (stats) {
		unsigned long asked, sent;
		emauth_ctx_dns_stats(ctx, &asked, &sent);
		fprintf(stderr,
		    "emauth check: DNS: %lu queries asked, %lu past the answer "
		    "cache\n",
		    asked, sent);
	}
	if (save_zone) {
		struct emauth_diag zd;
		char msg[600];
		memset(&zd, 0, sizeof(zd));
		if (emauth_ctx_save_zone(ctx, save_zone, &zd) != 0) {
			fprintf(stderr, "emauth check: --save-zone %s: %s\n",
			    save_zone,
			    zd.msg ? emauth_diag_format(&zd, msg, sizeof(msg))
			           : "cannot write");
			rc = EXIT_USAGE;
		}
	}
	if (rc == EXIT_USAGE)
		fprintf(stderr, "emauth check: DNS could not be reached\n");
	emauth_audit_report_free(r);
	emauth_ctx_free(ctx);
	return rc;
}
