/*
 * cmd_bounce.c: "emauth bounce": reads bounces (non-delivery reports),
 * says per recipient why the mail failed, and "emauth bounce route": the
 * program a bounce address is piped to, which records the bounce in the
 * report store and forwards it unchanged to the address its rules choose.
 */
#define _DEFAULT_SOURCE 1
#define _GNU_SOURCE 1

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <json-c/json.h>

#include <emauth/bounce.h>
#include <emauth/report.h>

#include "cli.h"
#include "config.h"

static const char help[] =
    "usage: emauth bounce [--json] [FILE... | -]\n"
    "       emauth bounce route --rules FILE [-c FILE] [--store STORE]\n"
    "                           [--submit PATH|smtp://HOST:PORT] [-]\n"
    "\n"
    "Reads bounces (RFC 3464 delivery status reports and the plain-text\n"
    "forms of the common mail systems) and says, per recipient, the status,\n"
    "the remote server's reply, the reason (Sisimai's vocabulary) and\n"
    "whether it is hard. Exit status: 0 when every input was a bounce, 1\n"
    "when one was not, 2 on bad input.\n"
    "\n"
    "route: reads one bounce on standard input (a Postfix alias:\n"
    "bounce: \"|emauth bounce route -c FILE --rules FILE\"), records it in\n"
    "the report store, and forwards it unchanged to the address the rules\n"
    "choose. The rules, the first that matches wins:\n"
    "  sender-domain DOMAIN ADDR    the returned message's From domain\n"
    "  header NAME:VALUE ADDR       a field of the returned message\n"
    "  rcpt-domain DOMAIN ADDR      a bounced recipient's domain\n"
    "  region-map FILE              lines \"DOMAIN REGION\": the sender\n"
    "                               domain's region\n"
    "  region NAME ADDR             where a region's bounces go\n"
    "  default ADDR\n"
    "A temporary failure to forward exits 75 (EX_TEMPFAIL): Postfix keeps\n"
    "the bounce and tries again.\n";

/* Ours: the largest bounce read. */
#define BOUNCE_MAX ((size_t)64 * 1024 * 1024)

static void
print_json(const char *file, const struct emauth_bounce *b)
{
	for (size_t i = 0; i < b->nrcpts; i++) {
		const struct emauth_bounce_rcpt *r = &b->rcpts[i];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "kind",
		    json_object_new_string(emauth_bounce_kind_name(b->kind)));
		json_object_object_add(
		    o, "recipient", json_object_new_string(r->recipient));
		json_object_object_add(
		    o, "action", json_object_new_string(r->action));
		json_object_object_add(
		    o, "status", json_object_new_string(r->status));
		json_object_object_add(
		    o, "reply_code", json_object_new_string(r->reply_code));
		json_object_object_add(
		    o, "diagnostic", json_object_new_string(r->diagnostic));
		json_object_object_add(
		    o, "reason", json_object_new_string(r->reason));
		json_object_object_add(o, "auth",
		    r->auth[0] ? json_object_new_string(r->auth) : NULL);
		json_object_object_add(
		    o, "hard", json_object_new_boolean(r->hard));
		json_object_object_add(
		    o, "remote_mta", json_object_new_string(r->remote_mta));
		json_object_object_add(o, "original_message_id",
		    json_object_new_string(b->original_message_id));
		json_object_object_add(o, "original_from",
		    json_object_new_string(b->original_from));
		puts(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
}

static void
print_table(const char *file, const struct emauth_bounce *b)
{
	printf("%s: %s (%s)%s%s\n", file, emauth_bounce_kind_name(b->kind),
	    b->system, b->original_from[0] ? ", original from " : "",
	    b->original_from);
	for (size_t i = 0; i < b->nrcpts; i++) {
		const struct emauth_bounce_rcpt *r = &b->rcpts[i];
		printf("  %s: %s %s %s%s%s, %s: %s\n", r->recipient,
		    r->status[0] ? r->status : "-",
		    r->reply_code[0] ? r->reply_code : "-", r->reason,
		    r->auth[0] ? "/" : "", r->auth, r->hard ? "hard" : "soft",
		    r->diagnostic);
	}
}

static int
bounce_read(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool json = false;
	int c, rc = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("bounce", c, argv);
		}
	}
	int first = optind, last = argc;
	char *dash[] = {(char *)(uintptr_t) "-"};
	char **files = first < last ? argv + first : dash;
	int n = first < last ? last - first : 1;
	for (int i = 0; i < n; i++) {
		const char *path = files[i];
		FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
		if (f == NULL) {
			fprintf(stderr, "emauth bounce: %s: %s\n", path,
			    strerror(errno));
			rc = EXIT_USAGE;
			continue;
		}
		uint8_t *data = NULL;
		size_t len = 0;
		int r = cli_read_all(f, BOUNCE_MAX, &data, &len);
		if (f != stdin)
			fclose(f);
		struct emauth_bounce *b = NULL;
		char err[300] = "";
		if (r == 0)
			r = emauth_bounce_parse((struct emauth_span){data, len},
			    &b, err, sizeof(err));
		free(data);
		if (r != 0) {
			fprintf(stderr, "emauth bounce: %s: %s\n", path,
			    err[0] ? err : emauth_strerror(r));
			rc = EXIT_USAGE;
			continue;
		}
		if (b->kind == EMAUTH_BOUNCE_NOT ||
		    b->kind == EMAUTH_BOUNCE_AUTOREPLY ||
		    b->kind == EMAUTH_BOUNCE_FEEDBACK) {
			if (!json)
				printf("%s: not a bounce (%s)\n", path,
				    emauth_bounce_kind_name(b->kind));
			if (rc == 0)
				rc = 1;
		} else if (json) {
			print_json(path, b);
		} else {
			print_table(path, b);
		}
		emauth_bounce_free(b);
	}
	return rc;
}

/* Routing. */

struct rule {
	char kind[16];
	char match[320];
	char addr[320];
};

#define RULES_MAX 1000
#define REGIONS_MAX 100000

struct rules {
	struct rule *v;
	size_t n;
	char (*region_dom)[256];
	char (*region_name)[64];
	size_t nregions;
};

static void
trim(char *s)
{
	size_t n = strlen(s), i = 0;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	                s[n - 1] == '\n'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, n - i + 1);
}

static int
load_regions(
    struct rules *r, const char *path, const char *rules_path, unsigned line)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return cli_usage_error("bounce route",
		    "%s:%u: region-map %s: %s", rules_path, line, path,
		    strerror(errno));
	char buf[600];
	unsigned ln = 0;
	int rc = 0;
	while (rc == 0 && fgets(buf, sizeof(buf), f)) {
		ln++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			rc = cli_usage_error("bounce route",
			    "%s:%u: a line over %zu bytes", path, ln,
			    sizeof(buf) - 2);
			break;
		}
		char *h = strchr(buf, '#');
		if (h)
			*h = '\0';
		trim(buf);
		if (buf[0] == '\0')
			continue;
		char d[256], reg[64];
		size_t dl = strcspn(buf, " \t");
		const char *rest = buf + dl + strspn(buf + dl, " \t");
		if (dl == 0 || dl >= sizeof(d) || rest[0] == '\0' ||
		    strlen(rest) >= sizeof(reg) || strpbrk(rest, " \t")) {
			rc = cli_usage_error("bounce route",
			    "%s:%u: not \"DOMAIN REGION\"", path, ln);
			break;
		}
		if (r->nregions == REGIONS_MAX) {
			rc = cli_usage_error("bounce route",
			    "%s: more than %d lines", path, REGIONS_MAX);
			break;
		}
		memcpy(d, buf, dl);
		d[dl] = '\0';
		snprintf(reg, sizeof(reg), "%s", rest);
		void *a = realloc(
		    r->region_dom, (r->nregions + 1) * sizeof(*r->region_dom));
		if (a == NULL) {
			rc = EXIT_USAGE;
			break;
		}
		r->region_dom = a;
		a = realloc(r->region_name,
		    (r->nregions + 1) * sizeof(*r->region_name));
		if (a == NULL) {
			rc = EXIT_USAGE;
			break;
		}
		r->region_name = a;
		snprintf(r->region_dom[r->nregions], 256, "%s", d);
		snprintf(r->region_name[r->nregions], 64, "%s", reg);
		r->nregions++;
	}
	fclose(f);
	return rc;
}

static int
load_rules(struct rules *r, const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return cli_usage_error(
		    "bounce route", "--rules %s: %s", path, strerror(errno));
	char buf[1200];
	unsigned ln = 0;
	int rc = 0;
	bool have_default = false;
	while (rc == 0 && fgets(buf, sizeof(buf), f)) {
		ln++;
		if (strchr(buf, '\n') == NULL && !feof(f)) {
			rc = cli_usage_error("bounce route",
			    "%s:%u: a line over %zu bytes", path, ln,
			    sizeof(buf) - 2);
			break;
		}
		char *h = strchr(buf, '#');
		if (h)
			*h = '\0';
		trim(buf);
		if (buf[0] == '\0')
			continue;
		char w[3][400] = {"", "", ""};
		int nw = 0;
		for (char *p = buf; *p && nw < 4;) {
			p += strspn(p, " \t");
			if (*p == '\0')
				break;
			size_t l = strcspn(p, " \t");
			if (nw == 3 || l >= sizeof(w[0])) {
				nw = 4;
				break;
			}
			memcpy(w[nw], p, l);
			w[nw][l] = '\0';
			nw++;
			p += l;
		}
		bool two = strcmp(w[0], "default") == 0 ||
		           strcmp(w[0], "region-map") == 0;
		bool three = strcmp(w[0], "sender-domain") == 0 ||
		             strcmp(w[0], "header") == 0 ||
		             strcmp(w[0], "rcpt-domain") == 0 ||
		             strcmp(w[0], "region") == 0;
		if (!(two && nw == 2) && !(three && nw == 3)) {
			rc = cli_usage_error("bounce route",
			    "%s:%u: not a rule (sender-domain D ADDR, header "
			    "NAME:VALUE ADDR, rcpt-domain D ADDR, region-map "
			    "FILE, region NAME ADDR, default ADDR)",
			    path, ln);
			break;
		}
		const char *addr = two ? w[1] : w[2];
		if (strcmp(w[0], "region-map") == 0) {
			rc = load_regions(r, w[1], path, ln);
			continue;
		}
		if (strchr(addr, '@') == NULL || addr[0] == '-' ||
		    strpbrk(addr, "<>\"\\") || strlen(addr) >= 320) {
			rc = cli_usage_error("bounce route",
			    "%s:%u: '%s' is not an address", path, ln, addr);
			break;
		}
		if (r->n == RULES_MAX) {
			rc = cli_usage_error("bounce route",
			    "%s: more than %d rules", path, RULES_MAX);
			break;
		}
		struct rule *nv = realloc(r->v, (r->n + 1) * sizeof(*nv));
		if (nv == NULL) {
			rc = EXIT_USAGE;
			break;
		}
		r->v = nv;
		struct rule *ru = &r->v[r->n++];
		/* Sizes checked above: a kind is a known word, an address
		 * under 320 bytes; a match longer than 319 bytes is refused. */
		if (strlen(w[1]) >= sizeof(ru->match)) {
			r->n--;
			rc = cli_usage_error("bounce route",
			    "%s:%u: '%.40s...' is longer than %zu bytes", path,
			    ln, w[1], sizeof(ru->match) - 1);
			break;
		}
		memcpy(ru->kind, w[0], strlen(w[0]) + 1);
		memcpy(ru->match, two ? "" : w[1], two ? 1 : strlen(w[1]) + 1);
		memcpy(ru->addr, addr, strlen(addr) + 1);
		have_default |= strcmp(w[0], "default") == 0;
	}
	fclose(f);
	if (rc == 0 && !have_default)
		rc = cli_usage_error("bounce route",
		    "%s: no default rule: a bounce no rule matches would have "
		    "nowhere to go",
		    path);
	return rc;
}

static void
domain_of(const char *addr, char *out, size_t size)
{
	const char *at = strrchr(addr, '@');
	size_t i = 0;
	if (at)
		for (const char *p = at + 1;
		     *p && *p != '>' && *p != ' ' && i + 1 < size; p++)
			out[i++] =
			    (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
	out[i] = '\0';
}

static bool
domain_under(const char *d, const char *want)
{
	size_t n = strlen(d), w = strlen(want);
	return w && n >= w && strcasecmp(d + n - w, want) == 0 &&
	       (n == w || d[n - w - 1] == '.');
}

/* A field of the returned message: its header block in @msg. */
static bool
header_has(const uint8_t *msg, size_t len, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	for (size_t i = 0; i + nl + 1 < len; i++) {
		if ((i == 0 || msg[i - 1] == '\n') &&
		    strncasecmp((const char *)msg + i, name, nl) == 0 &&
		    msg[i + nl] == ':') {
			size_t j = i + nl + 1;
			while (j < len && (msg[j] == ' ' || msg[j] == '\t'))
				j++;
			if (j + vl <= len &&
			    strncasecmp((const char *)msg + j, value, vl) == 0)
				return true;
		}
	}
	return false;
}

static const char *
choose(const struct rules *r, const struct emauth_bounce *b, const uint8_t *msg,
    size_t len)
{
	char from[256] = "";
	if (b)
		domain_of(b->original_from, from, sizeof(from));
	const char *region = NULL;
	for (size_t i = 0; i < r->nregions && from[0] && !region; i++)
		if (domain_under(from, r->region_dom[i]))
			region = r->region_name[i];
	for (size_t i = 0; i < r->n; i++) {
		const struct rule *ru = &r->v[i];
		if (strcmp(ru->kind, "default") == 0)
			return ru->addr;
		if (strcmp(ru->kind, "sender-domain") == 0 && from[0] &&
		    domain_under(from, ru->match))
			return ru->addr;
		if (strcmp(ru->kind, "region") == 0 && region &&
		    strcasecmp(region, ru->match) == 0)
			return ru->addr;
		if (strcmp(ru->kind, "rcpt-domain") == 0 && b)
			for (size_t k = 0; k < b->nrcpts; k++) {
				char d[256];
				domain_of(b->rcpts[k].recipient, d, sizeof(d));
				if (domain_under(d, ru->match))
					return ru->addr;
			}
		if (strcmp(ru->kind, "header") == 0) {
			char name[200];
			const char *colon = strchr(ru->match, ':');
			size_t nl = colon ? (size_t)(colon - ru->match) : 0;
			if (colon && nl < sizeof(name)) {
				memcpy(name, ru->match, nl);
				name[nl] = '\0';
				if (header_has(msg, len, name, colon + 1))
					return ru->addr;
			}
		}
	}
	return NULL;
}

static int
bounce_route(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"config", required_argument, NULL, 'c'},
	    {"store", required_argument, NULL, 's'},
	    {"submit", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *rules_path = NULL, *conf = NULL, *store = NULL,
	           *submit = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rules_path = optarg;
			break;
		case 'c':
			conf = optarg;
			break;
		case 's':
			store = optarg;
			break;
		case 'S':
			submit = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("bounce route", c, argv);
		}
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0)
		return cli_usage_error("bounce route",
		    "the bounce comes on standard input ('-'), not '%s'",
		    argv[optind]);
	if (rules_path == NULL)
		return cli_usage_error(
		    "bounce route", "--rules FILE is needed");
	/* Errors before the bounce is read are configuration errors:
	 * EX_TEMPFAIL, so that the MTA keeps the bounce while they are
	 * fixed. */
	struct rules r = {0};
	int rc = load_rules(&r, rules_path);
	struct milter_config *cfg = calloc(1, sizeof(*cfg));
	char err[1024], warn[2048];
	if (rc == 0 && cfg && conf &&
	    milter_config_load(
	        conf, cfg, err, sizeof(err), warn, sizeof(warn)) != 0) {
		fprintf(stderr, "emauth bounce route: %s\n", err);
		rc = EXIT_USAGE;
	}
	if (cfg == NULL)
		rc = EXIT_USAGE;
	if (rc != 0) {
		free(r.v);
		free(r.region_dom);
		free(r.region_name);
		if (cfg)
			milter_config_free(cfg);
		free(cfg);
		return EX_TEMPFAIL;
	}
	if (store == NULL && cfg->report_store[0])
		store = cfg->report_store;
	if (submit == NULL)
		submit = cfg->report_submit[0] ? cfg->report_submit
		                               : "/usr/sbin/sendmail";
	uint8_t *msg = NULL;
	size_t len = 0;
	int ret = EX_TEMPFAIL;
	if (cli_read_all(stdin, BOUNCE_MAX, &msg, &len) != 0) {
		fprintf(
		    stderr, "emauth bounce route: cannot read the bounce\n");
		goto out;
	}
	struct emauth_bounce *b = NULL;
	char perr[300] = "";
	if (emauth_bounce_parse(
	        (struct emauth_span){msg, len}, &b, perr, sizeof(perr)) != 0)
		b = NULL; /* not readable: still forwarded, by default */
	/* Recorded (when a store is configured): a store that fails does
	 * not keep the bounce from being forwarded; it is said. */
	if (store && b &&
	    (b->kind == EMAUTH_BOUNCE_DSN ||
	        b->kind == EMAUTH_BOUNCE_NONSTANDARD)) {
		struct emauth_store *s = NULL;
		if (emauth_store_open(store, &s, err, sizeof(err)) == 0) {
			if (emauth_report_import(s, "(bounce route)",
			        (struct emauth_span){msg, len}, NULL,
			        NULL) != 0)
				fprintf(stderr,
				    "emauth bounce route: not recorded: %s\n",
				    emauth_store_error(s));
			emauth_store_close(s);
		} else {
			fprintf(stderr,
			    "emauth bounce route: not recorded: %s\n", err);
		}
	}
	const char *to = choose(&r, b, msg, len);
	/* The null reverse-path: a forwarded bounce is never bounced back. */
	const char *from = "";
	if (to == NULL) {
		fprintf(stderr, "emauth bounce route: no rule matched\n");
	} else {
		const char *rcpt[] = {to};
		char serr[600];
		/* The null reverse-path: a bounce is never bounced. */
		if (emauth_report_submit(submit, from, rcpt, 1,
		        (const char *)msg, len, serr, sizeof(serr)) == 0) {
			printf("forwarded to %s\n", to);
			ret = 0;
		} else {
			fprintf(stderr,
			    "emauth bounce route: forwarding to %s: %s\n", to,
			    serr);
		}
	}
	emauth_bounce_free(b);
out:
	free(msg);
	free(r.v);
	free(r.region_dom);
	free(r.region_name);
	milter_config_free(cfg);
	free(cfg);
	return ret;
}

int
cmd_bounce(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "route") == 0)
		return bounce_route(argc - 1, argv + 1);
	return bounce_read(argc, argv);
}
