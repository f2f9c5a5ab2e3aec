/*
 * cmd_record.c: "emauth record": writing DNS records right. Each
 * subcommand builds the record from options, validates it with the same
 * parser that evaluates it, and prints it in master-file form.
 *
 *   emauth record spf   SPF from mechanisms (syntax and length checked)
 *   emauth record dmarc a _dmarc record (every tag validated)
 *   emauth record dkim  the TXT record of an existing key file
 *   emauth record ptr   the PTR record of an address
 */
#define _DEFAULT_SOURCE /* explicit_bzero */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <emauth/audit.h>
#include <emauth/dkim.h>
#include <emauth/dmarc.h>
#include <emauth/spf.h>

#include "cli.h"

static const char help[] =
    "usage: emauth record spf [--domain D] [--ip4 ADDR[/CIDR]]... "
    "[--ip6 ADDR[/CIDR]]...\n"
    "                         [--include HOST]... [--mx] [--a]\n"
    "                         [--all fail|softfail|neutral] [--dns SPEC]\n"
    "                         [--no-dns] [--force]\n"
    "       emauth record spf --flatten DOMAIN [--keep HOST]... [--dns SPEC]\n"
    "       emauth record dmarc --policy none|quarantine|reject [--domain D]\n"
    "                         [--subdomain-policy P] [--nonexistent-policy P]\n"
    "                         [--rua mailto:ADDR]... [--ruf mailto:ADDR]...\n"
    "                         [--adkim r|s] [--aspf r|s] [--fo OPTS] "
    "[--testing]\n"
    "                         [--pct N] [--dns SPEC] [--no-dns]\n"
    "       emauth record dkim --key FILE --selector S [--domain D] "
    "[--testing]\n"
    "       emauth record ptr --ip IP --name HOST\n"
    "\n"
    "Prints the record in master-file form, validated by the parser that\n"
    "evaluates it. Notes for people go to standard error. For SPF, the\n"
    "records of the included hosts are looked up (--dns, default the\n"
    "system resolver; --no-dns to skip) to count the DNS lookups of the\n"
    "whole record: over 10 is refused unless --force. For DMARC with\n"
    "--domain and an enforcing policy, the record published now is looked\n"
    "up (--dns, --no-dns as for SPF): a domain without one is told that\n"
    "the usual path starts at p=none with --rua.\n"
    "\n"
    "Exit status: 0 printed; 2 for bad usage or a record that would not be\n"
    "valid (the message says why).\n";

static bool append(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends to the string in @buf (@size bytes in all). Returns false, the
 * string unchanged, when the result does not fit: a record is never
 * printed cut short. */
static bool
append(char *buf, size_t size, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + l, size - l, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - l) {
		buf[l] = '\0';
		return false;
	}
	return true;
}

/* Prints "OWNER IN TXT ( "..." "..." )" with strings of at most 255
 * bytes. */
static void
print_txt(const char *owner, const char *rec)
{
	size_t n = strlen(rec);
	printf("%s\tIN\tTXT\t", owner);
	if (n <= 255) {
		printf("\"%s\"\n", rec);
		return;
	}
	printf("(");
	for (size_t i = 0; i < n; i += 255)
		printf(" \"%.*s\"", (int)(n - i > 255 ? 255 : n - i), rec + i);
	printf(" )\n");
}

/* emauth record spf --flatten DOMAIN [--keep HOST]... */
static int
flatten_spf(const char *domain, const char *const *keep, size_t nkeep,
    const char *dns, bool force)
{
	struct emauth_ctx *ctx;
	struct emauth_spf_flat *f = malloc(sizeof(*f));
	int rc = f ? cli_ctx_new("record spf", dns, &ctx) : EXIT_USAGE;

	if (rc != 0) {
		free(f);
		return rc;
	}
	rc = emauth_spf_flatten(ctx, domain, keep, nkeep, f);
	emauth_ctx_free(ctx);
	if (rc != 0) {
		fprintf(stderr, "emauth record spf: --flatten %s: %s%s%s\n",
		    domain, emauth_strerror(rc), f->problem[0] ? ": " : "",
		    f->problem);
		free(f);
		return EXIT_USAGE;
	}
	if (f->problem[0])
		fprintf(stderr, "emauth record spf: note: %s\n", f->problem);
	fprintf(stderr,
	    "emauth record spf: %u address terms, %u DNS lookup%s left; "
	    "note: a flattened record is a snapshot: make it again whenever "
	    "an included platform changes its addresses\n",
	    f->networks, f->lookups, f->lookups == 1 ? "" : "s");
	size_t len = strlen(f->record);
	if (len > 450)
		fprintf(stderr,
		    "emauth record spf: note: %zu bytes: answers over 512 "
		    "bytes need TCP or EDNS at some receivers\n",
		    len);
	if (f->lookups > 10 && !force) {
		free(f);
		return cli_usage_error("record spf",
		    "still over 10 DNS lookups after flattening (--force "
		    "prints it anyway)");
	}
	char owner[300] = "";
	if (!append(owner, sizeof(owner), "%s.", domain)) {
		free(f);
		return cli_usage_error(
		    "record spf", "--flatten: the domain is too long");
	}
	print_txt(owner, f->record);
	free(f);
	return 0;
}

static int
record_spf(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"domain", required_argument, NULL, 'd'},
	    {"ip4", required_argument, NULL, '4'},
	    {"ip6", required_argument, NULL, '6'},
	    {"include", required_argument, NULL, 'i'},
	    {"mx", no_argument, NULL, 'm'}, {"a", no_argument, NULL, 'a'},
	    {"all", required_argument, NULL, 'l'},
	    {"dns", required_argument, NULL, 'D'},
	    {"no-dns", no_argument, NULL, 'N'},
	    {"force", no_argument, NULL, 'f'},
	    {"flatten", required_argument, NULL, 'F'},
	    {"keep", required_argument, NULL, 'K'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *flatten = NULL, *keep[32];
	size_t nkeep = 0;
	const char *domain = NULL, *all = "-all", *dns = NULL;
	const char *hosts[64];
	size_t nhosts = 0;
	bool mx = false, a = false, force = false, no_dns = false;
	/* The networks as "ip4:..." terms, in order: as many as a record of
	 * 4,095 bytes can hold. */
	static char netbuf[4096];
	const char *nets[EMAUTH_SPF_RECORD_MAX / 8];
	size_t nnets = 0, netlen = 0;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			domain = optarg;
			break;
		case '4':
		case '6': {
			int w = snprintf(netbuf + netlen,
			    sizeof(netbuf) - netlen, "ip%c:%s", c, optarg);
			if (w < 0 || (size_t)w >= sizeof(netbuf) - netlen ||
			    nnets == sizeof(nets) / sizeof(nets[0]))
				return cli_usage_error("record spf",
				    "the record is too long (over %d bytes)",
				    EMAUTH_SPF_RECORD_MAX - 1);
			nets[nnets++] = netbuf + netlen;
			netlen += (size_t)w + 1;
			break;
		}
		case 'i':
			/* Each include's cost is looked up: all of them or
			 * the record is refused (65 are over 10 lookups in
			 * any case). */
			if (nhosts == 64)
				return cli_usage_error(
				    "record spf", "at most 64 --include");
			hosts[nhosts++] = optarg;
			break;
		case 'D':
			dns = optarg;
			break;
		case 'N':
			no_dns = true;
			break;
		case 'f':
			force = true;
			break;
		case 'F':
			flatten = optarg;
			break;
		case 'K':
			if (nkeep == 32)
				return cli_usage_error(
				    "record spf", "at most 32 --keep");
			keep[nkeep++] = optarg;
			break;
		case 'm':
			mx = true;
			break;
		case 'a':
			a = true;
			break;
		case 'l':
			if (strcmp(optarg, "fail") == 0)
				all = "-all";
			else if (strcmp(optarg, "softfail") == 0)
				all = "~all";
			else if (strcmp(optarg, "neutral") == 0)
				all = "?all";
			else
				return cli_usage_error("record spf",
				    "--all: '%s' is not fail, softfail or "
				    "neutral (+all authorizes everyone and is "
				    "never written)",
				    optarg);
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("record spf", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    "record spf", "unexpected argument '%s'", argv[optind]);
	if (flatten)
		return flatten_spf(flatten, keep, nkeep, dns, force);
	if (domain && !cli_name_ok(domain))
		return cli_usage_error(
		    "record spf", "--domain: '%s' is not a DNS name", domain);
	struct emauth_record_spf_opts ro = {.domain = domain,
	    .mx = mx,
	    .a = a,
	    .networks = nets,
	    .nnetworks = nnets,
	    .includes = hosts,
	    .nincludes = nhosts,
	    .all = all,
	    .force = force};
	struct emauth_ctx *ctx = NULL;
	int rc;
	if (nhosts && !no_dns) {
		if ((rc = cli_ctx_new("record spf", dns, &ctx)) != 0)
			return rc;
	}
	struct emauth_record *out = malloc(sizeof(*out));
	rc = out ? emauth_record_spf(ctx, &ro, out) : EMAUTH_ENOMEM;
	emauth_ctx_free(ctx);
	for (unsigned i = 0; out && i < out->nnotes; i++)
		fprintf(stderr, "emauth record spf: %s\n", out->notes[i]);
	if (rc == 0)
		printf("%s\n", out->line);
	else if (rc == EMAUTH_ESYNTAX || rc == EMAUTH_ELIMIT)
		rc = cli_usage_error("record spf", "%s%s", out->error,
		    rc == EMAUTH_ELIMIT ? " (--force prints it anyway)" : "");
	else if (rc == EMAUTH_ETOOBIG)
		rc = cli_usage_error("record spf",
		    "the record is too long (over %d bytes)",
		    EMAUTH_SPF_RECORD_MAX - 1);
	else
		rc = cli_usage_error("record spf", "%s", emauth_strerror(rc));
	free(out);
	return rc;
}

static int
parse_policy(const char *opt, const char *v, const char **out)
{
	if (strcmp(v, "none") && strcmp(v, "quarantine") && strcmp(v, "reject"))
		return cli_usage_error("record dmarc",
		    "%s: '%s' is not none, quarantine or reject", opt, v);
	*out = v;
	return 0;
}

static int
record_dmarc(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"domain", required_argument, NULL, 'd'},
	    {"policy", required_argument, NULL, 'p'},
	    {"subdomain-policy", required_argument, NULL, 's'},
	    {"nonexistent-policy", required_argument, NULL, 'n'},
	    {"rua", required_argument, NULL, 'r'},
	    {"ruf", required_argument, NULL, 'f'},
	    {"adkim", required_argument, NULL, 'k'},
	    {"aspf", required_argument, NULL, 'S'},
	    {"fo", required_argument, NULL, 'o'},
	    {"pct", required_argument, NULL, 'c'},
	    {"testing", no_argument, NULL, 't'},
	    {"dns", required_argument, NULL, 'D'},
	    {"no-dns", no_argument, NULL, 'N'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *domain = NULL, *p = NULL, *sp = NULL, *np = NULL;
	const char *dns = NULL;
	bool no_dns = false;
	const char *adkim = NULL, *aspf = NULL, *fo = NULL, *pct = NULL;
	char rua[1024] = "", ruf[1024] = "";
	bool testing = false;
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			domain = optarg;
			break;
		case 'p':
			if ((rc = parse_policy("--policy", optarg, &p)) != 0)
				return rc;
			break;
		case 's':
			if ((rc = parse_policy(
			         "--subdomain-policy", optarg, &sp)) != 0)
				return rc;
			break;
		case 'n':
			if ((rc = parse_policy(
			         "--nonexistent-policy", optarg, &np)) != 0)
				return rc;
			break;
		case 'r':
		case 'f': {
			char *list = c == 'r' ? rua : ruf;
			if (!append(list, sizeof(rua), "%s%s",
			        list[0] ? "," : "", optarg))
				return cli_usage_error("record dmarc",
				    "--%s: the list is longer than %zu bytes",
				    c == 'r' ? "rua" : "ruf", sizeof(rua) - 1);
			break;
		}
		case 'k':
			adkim = optarg;
			break;
		case 'S':
			aspf = optarg;
			break;
		case 'o':
			fo = optarg;
			break;
		case 'c':
			pct = optarg;
			break;
		case 't':
			testing = true;
			break;
		case 'D':
			dns = optarg;
			break;
		case 'N':
			no_dns = true;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("record dmarc", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    "record dmarc", "unexpected argument '%s'", argv[optind]);
	if (p == NULL)
		return cli_usage_error("record dmarc", "--policy is required");
	if (domain && !cli_name_ok(domain))
		return cli_usage_error(
		    "record dmarc", "--domain: '%s' is not a DNS name", domain);
	struct emauth_record_dmarc_opts ro = {.domain = domain,
	    .p = p,
	    .sp = sp,
	    .np = np,
	    .rua = rua,
	    .ruf = ruf,
	    .adkim = adkim,
	    .aspf = aspf,
	    .fo = fo,
	    .pct = pct,
	    .testing = testing};
	struct emauth_ctx *ctx = NULL;
	if (domain && strcmp(p, "none") != 0 && !no_dns) {
		if ((rc = cli_ctx_new("record dmarc", dns, &ctx)) != 0)
			return rc;
	}
	struct emauth_record *out = malloc(sizeof(*out));
	rc = out ? emauth_record_dmarc(ctx, &ro, out) : EMAUTH_ENOMEM;
	emauth_ctx_free(ctx);
	if (rc == 0 || rc == EMAUTH_ESYNTAX)
		for (unsigned i = 0; out && i < out->nnotes; i++)
			fprintf(stderr, "emauth record dmarc: %s%s\n",
			    strncmp(out->notes[i], "warning: ", 9) ? "note: "
			                                           : "",
			    out->notes[i]);
	if (rc == EMAUTH_ESYNTAX)
		fprintf(stderr, "emauth record dmarc: %s\n", out->error);
	else if (rc == EMAUTH_ETOOBIG)
		fprintf(
		    stderr, "emauth record dmarc: the record is too long\n");
	else if (rc != 0)
		fprintf(
		    stderr, "emauth record dmarc: %s\n", emauth_strerror(rc));
	else
		printf("%s\n", out->line);
	free(out);
	return rc ? EXIT_USAGE : 0;
}

static int
record_dkim(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"key", required_argument, NULL, 'k'},
	    {"selector", required_argument, NULL, 's'},
	    {"domain", required_argument, NULL, 'd'},
	    {"testing", no_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *keyfile = NULL, *selector = NULL, *domain = "your domain";
	bool testing = false;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			keyfile = optarg;
			break;
		case 's':
			selector = optarg;
			break;
		case 'd':
			domain = optarg;
			break;
		case 't':
			testing = true;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("record dkim", c, argv);
		}
	}
	if (keyfile == NULL || selector == NULL)
		return cli_usage_error(
		    "record dkim", "--key and --selector are required");
	if (!cli_name_ok(selector))
		return cli_usage_error("record dkim",
		    "--selector: '%s' is not a DNS label", selector);
	struct emauth_dkim_key *k;
	int rc = cli_load_key("record dkim", "", keyfile, &k);
	if (rc)
		return rc;
	char rec[4096], txt[8192];
	rc = emauth_dkim_key_record(k, testing, rec, sizeof(rec));
	emauth_dkim_key_free(k);
	if (rc < 0) {
		fprintf(
		    stderr, "emauth record dkim: %s\n", emauth_strerror(rc));
		return EXIT_USAGE;
	}
	cli_dkim_txt(selector, domain, rec, txt, sizeof(txt));
	fputs(txt, stdout);
	return 0;
}

static int
record_ptr(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"ip", required_argument, NULL, 'i'},
	    {"name", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *ip = NULL, *name = NULL;
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			ip = optarg;
			break;
		case 'n':
			name = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("record ptr", c, argv);
		}
	}
	if (ip == NULL || name == NULL)
		return cli_usage_error(
		    "record ptr", "--ip and --name are required");
	char host[256] = "";
	if (!append(host, sizeof(host), "%s", name))
		return cli_usage_error("record ptr",
		    "--name: '%.64s...' is not a host name", name);
	size_t hl = strlen(host);
	if (hl && host[hl - 1] == '.')
		host[--hl] = '\0';
	if (!cli_name_ok(host))
		return cli_usage_error(
		    "record ptr", "--name: '%s' is not a host name", name);
	unsigned char a[16];
	char owner[128];
	size_t o = 0;
	if (inet_pton(AF_INET, ip, a) == 1) {
		snprintf(owner, sizeof(owner), "%u.%u.%u.%u.in-addr.arpa.",
		    a[3], a[2], a[1], a[0]);
	} else if (inet_pton(AF_INET6, ip, a) == 1) {
		static const char hex[] = "0123456789abcdef";
		for (int i = 15; i >= 0; i--) {
			owner[o++] = hex[a[i] & 15];
			owner[o++] = '.';
			owner[o++] = hex[a[i] >> 4];
			owner[o++] = '.';
		}
		snprintf(owner + o, sizeof(owner) - o, "ip6.arpa.");
	} else {
		return cli_usage_error(
		    "record ptr", "--ip: not an IP address: '%s'", ip);
	}
	printf("%s\tIN\tPTR\t%s.\n", owner, host);
	fprintf(stderr,
	    "emauth record ptr: note: the reverse zone belongs to whoever "
	    "holds the address (your hosting or ISP); %s must also have an "
	    "A/AAAA record for %s (forward-confirmed reverse DNS)\n",
	    host, ip);
	return 0;
}

int
cmd_record(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "spf") == 0)
		return record_spf(argc - 1, argv + 1);
	if (strcmp(argv[1], "dmarc") == 0)
		return record_dmarc(argc - 1, argv + 1);
	if (strcmp(argv[1], "dkim") == 0)
		return record_dkim(argc - 1, argv + 1);
	if (strcmp(argv[1], "ptr") == 0)
		return record_ptr(argc - 1, argv + 1);
	return cli_usage_error("record",
	    "unknown record type '%s' (spf, dmarc, dkim or ptr)", argv[1]);
}
