/*
 * cmd_dkim.c: "emauth dkim sign", "emauth dkim verify" and "emauth dkim
 * testkey" (a private key against the record published for it).
 */
#define _DEFAULT_SOURCE 1
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include <emauth/dkim.h>
#include <emauth/msg.h>

#include "cli.h"

static const char sign_help[] =
    "usage: emauth dkim sign --domain D --selector S --key FILE\n"
    "                        [--selector S --key FILE]... [--domain D2 ...]\n"
    "                        [--algorithm rsa-sha256|ed25519-sha256]\n"
    "                        [--canon HEADER/BODY] [--headers a:b:c]\n"
    "                        [--body-length] [--expire SECONDS]\n"
    "                        [--identity I] [FILE|-]\n"
    "\n"
    "Signs a message and writes it, with the DKIM-Signature fields first,\n"
    "to standard output; the message itself is written byte for byte as it\n"
    "came. Each --key adds a signature with the --selector and --domain\n"
    "given before it (RSA and Ed25519 together, or the author's domain and\n"
    "a platform's, in one pass).\n"
    "\n"
    "  --canon          relaxed/relaxed (default), simple/simple, ...\n"
    "  --headers        sign exactly these fields (default: RFC 6376\n"
    "                   5.4.1's set as present, From, To, Subject, Date,\n"
    "                   Reply-To, Cc, Message-ID, Content-Type over-signed)\n"
    "  --body-length    add l= (not recommended: content appended after\n"
    "                   signing is not covered)\n"
    "  --expire N       add x= N seconds after t=\n"
    "\n"
    "Exit status: 0 signed; 2 bad usage, unreadable input or key, or a\n"
    "message without From.\n";

static const char verify_help[] =
    "usage: emauth dkim verify [--dns SPEC] [--json] [--allow-partial-body]\n"
    "                          [FILE...|-]\n"
    "\n"
    "Verifies every DKIM-Signature of each message (up to 10 per message)\n"
    "(a FILE that is a folder means each regular file in it)\n"
    "and prints domain, selector, algorithm, result and reason for each.\n"
    "Files with LF line endings are read as CRLF. Several files share one\n"
    "DNS cache.\n"
    "\n"
    "  --dns SPEC            system (default), server:IP[@PORT], "
    "zone:FILE,...\n"
    "  --json                one JSON object per file, each with \"file\"\n"
    "                        and \"signatures\"\n"
    "  --allow-partial-body  the plain RFC 6376 reading of l=: a signature\n"
    "                        that leaves appended body bytes unsigned can\n"
    "                        pass (default: result \"policy\")\n"
    "\n"
    "Exit status: 0 when at least one signature passes in every file, 1 when\n"
    "a file has none that passes, 2 for bad usage or unreadable input.\n";

static const char testkey_help[] =
    "usage: emauth dkim testkey --domain D --selector S --key FILE\n"
    "                           [--dns SPEC] [--json]\n"
    "\n"
    "Checks a private key against the key record published at\n"
    "S._domainkey.D: that the record is there and parses, that its k= is\n"
    "the key's algorithm and its p= the key's public half, and that s=, h=\n"
    "and an empty p= (revoked) do not stop the signatures from verifying.\n"
    "t=y and t=s are noted. When something does not fit, prints what and\n"
    "the record to publish (as \"emauth record dkim\" writes it).\n"
    "\n"
    "  --dns SPEC  system (default), server:IP[@PORT], zone:FILE,...\n"
    "  --json      one JSON object with \"status\", \"problems\", \"detail\"\n"
    "              and \"expected_record\"\n"
    "\n"
    "Exit status: 0 the key matches the record; 1 it does not, there is no\n"
    "record, or the record is not a usable key record; 2 bad usage, an\n"
    "unreadable key file, or a DNS failure (try again).\n";

/* Streams @f into a message reader. */
int
cli_feed_file(FILE *f, const struct emauth_msg_handler *h, void *arg,
    FILE *copy, struct emauth_diag *d)
{
	struct emauth_msg_reader *r;
	uint8_t buf[65536];
	size_t n;
	int rc = emauth_msg_reader_new(h, arg, 0, &r);
	if (rc)
		return rc;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (copy && fwrite(buf, 1, n, copy) != n)
			rc = EMAUTH_EIO;
		if (rc == 0)
			rc = emauth_msg_reader_feed(
			    r, (struct emauth_span){buf, n}, d);
	}
	if (rc == 0 && ferror(f))
		rc = EMAUTH_EIO;
	if (rc == 0)
		rc = emauth_msg_reader_finish(r, d);
	emauth_msg_reader_free(r);
	return rc;
}

static int
v_header(void *arg, struct emauth_span f)
{
	int rc = emauth_dkim_verifier_header(arg, f);
	/* Over the header caps: keep reading; every signature gets
	 * permerror with the reason. */
	return rc == EMAUTH_ETOOBIG ? 0 : rc;
}

static int
v_eoh(void *arg)
{
	return emauth_dkim_verifier_eoh(arg);
}

static int
v_body(void *arg, struct emauth_span c)
{
	return emauth_dkim_verifier_body(arg, c);
}

json_object *
cli_dkim_result_json(const struct emauth_dkim_result *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "domain", json_object_new_string(r->domain));
	json_object_object_add(
	    o, "selector", json_object_new_string(r->selector));
	json_object_object_add(
	    o, "algorithm", json_object_new_string(r->algorithm));
	json_object_object_add(
	    o, "result", json_object_new_string(emauth_result_name(r->result)));
	json_object_object_add(o, "reason", json_object_new_string(r->detail));
	json_object_object_add(o, "reason_code",
	    json_object_new_string(emauth_dkim_reason_text(r->reason)));
	json_object_object_add(
	    o, "canonicalization", json_object_new_string(r->canon));
	json_object_object_add(o, "identity",
	    r->identity[0] ? json_object_new_string(r->identity) : NULL);
	json_object_object_add(o, "body_length",
	    r->has_length ? json_object_new_int64((int64_t)r->length) : NULL);
	json_object_object_add(o, "unsigned_bytes",
	    json_object_new_int64((int64_t)r->unsigned_bytes));
	json_object_object_add(
	    o, "testing", json_object_new_boolean(r->testing));
	json_object_object_add(o, "key_bits",
	    r->key_bits ? json_object_new_int((int)r->key_bits) : NULL);
	json_object_object_add(o, "b", json_object_new_string(r->b_prefix));
	return o;
}

/* Verifies one message; returns 0 (a signature passed), 1, or 2. */
static int
verify_one(struct emauth_ctx *ctx, const char *path, bool json,
    const struct emauth_dkim_verify_opts *opts)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct emauth_dkim_verifier *v;
	struct emauth_diag d;
	static const struct emauth_msg_handler h = {v_header, v_eoh, v_body};
	char msg[600];

	if (f == NULL) {
		fprintf(stderr, "emauth dkim verify: %s: %s\n", path,
		    strerror(errno));
		return EXIT_USAGE;
	}
	memset(&d, 0, sizeof(d));
	int rc = emauth_dkim_verifier_new(ctx, opts, &v);
	if (rc == 0)
		rc = cli_feed_file(f, &h, v, NULL, &d);
	if (f != stdin)
		fclose(f);
	if (rc == 0)
		rc = emauth_dkim_verifier_finish(v);
	if (rc != 0) {
		fprintf(stderr, "emauth dkim verify: %s: %s\n", path,
		    d.msg ? emauth_diag_format(&d, msg, sizeof(msg))
		          : emauth_strerror(rc));
		emauth_dkim_verifier_free(v);
		return EXIT_USAGE;
	}
	size_t n = emauth_dkim_verifier_count(v);
	bool pass = false;
	json_object *o = json ? json_object_new_object() : NULL;
	json_object *arr = json ? json_object_new_array() : NULL;
	if (!json)
		printf(
		    "%s: %zu DKIM signature%s\n", path, n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		struct emauth_dkim_result r;
		emauth_dkim_verifier_result(v, i, &r);
		pass |= r.result == EMAUTH_RES_PASS;
		if (json) {
			json_object_array_add(arr, cli_dkim_result_json(&r));
			continue;
		}
		printf("  dkim=%s d=%s s=%s a=%s c=%s%s\n    %s\n",
		    emauth_result_name(r.result), r.domain, r.selector,
		    r.algorithm, r.canon,
		    r.testing ? " (key in testing, t=y)" : "", r.detail);
		if (r.has_length)
			printf("    l=%llu, %llu body bytes unsigned\n",
			    (unsigned long long)r.length,
			    (unsigned long long)r.unsigned_bytes);
	}
	if (json) {
		json_object_object_add(o, "file", json_object_new_string(path));
		json_object_object_add(o, "signatures", arr);
		json_object_object_add(
		    o, "pass", json_object_new_boolean(pass));
		puts(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	emauth_dkim_verifier_free(v);
	return pass ? 0 : 1;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* A file, or every regular file of a folder (a maildir's cur/, saved
 * messages), in name order. */
static int
verify_path(struct emauth_ctx *ctx, const char *path, bool json,
    const struct emauth_dkim_verify_opts *opts)
{
	struct stat st;
	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 ||
	    !S_ISDIR(st.st_mode))
		return verify_one(ctx, path, json, opts);
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, by_name), worst = 0;
	if (n < 0) {
		fprintf(stderr, "emauth dkim verify: %s: %s\n", path,
		    strerror(errno));
		return EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		char full[4096];
		int fl = snprintf(
		    full, sizeof(full), "%s/%s", path, ents[i]->d_name);
		bool fits = fl >= 0 && (size_t)fl < sizeof(full);
		if (ents[i]->d_name[0] == '.') {
			/* hidden: skipped */
		} else if (!fits) {
			/* Never skipped (only folders are): a file left out
			 * would let the exit status speak for files it never
			 * read. */
			if (ents[i]->d_type != DT_DIR) {
				fprintf(stderr,
				    "emauth dkim verify: %s/%s: cannot read: "
				    "the path is longer than %zu bytes\n",
				    path, ents[i]->d_name, sizeof(full) - 1);
				worst = EXIT_USAGE;
			}
		} else if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			int r = verify_one(ctx, full, json, opts);
			if (r > worst)
				worst = r;
		}
		free(ents[i]);
	}
	free(ents);
	return worst;
}

static int
dkim_verify_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dns", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"allow-partial-body", no_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct emauth_dkim_verify_opts vo;
	const char *dns = NULL;
	bool json = false;
	int c;

	memset(&vo, 0, sizeof(vo));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dns = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'p':
			vo.allow_partial_body = 1;
			break;
		case 'h':
			fputs(verify_help, stdout);
			return 0;
		default:
			return cli_bad_option("dkim verify", c, argv);
		}
	}
	struct emauth_ctx *ctx;
	int rc = cli_ctx_new("dkim verify", dns, &ctx);
	if (rc != 0)
		return rc;
	int worst = 0;
	if (rc == 0) {
		char *stdin_only[] = {"-"};
		char **files = optind < argc ? argv + optind : stdin_only;
		int nf = optind < argc ? argc - optind : 1;
		for (int i = 0; i < nf; i++) {
			int r = verify_path(ctx, files[i], json, &vo);
			if (r > worst)
				worst = r;
		}
		rc = worst;
	}
	emauth_ctx_free(ctx);
	return rc;
}

/* Signing. */

struct group {
	const char *domain, *selector, *keyfile;
};

static int
s_header(void *arg, struct emauth_span f)
{
	return emauth_dkim_signer_header(arg, f);
}

static int
s_eoh(void *arg)
{
	return emauth_dkim_signer_eoh(arg);
}

static int
s_body(void *arg, struct emauth_span c)
{
	return emauth_dkim_signer_body(arg, c);
}

const struct emauth_msg_handler cli_signer_handler = {s_header, s_eoh, s_body};

int
cli_load_key(const char *cmd, const char *opt, const char *path,
    struct emauth_dkim_key **k)
{
	/* One byte more than the library takes, to tell a longer file from
	 * one of exactly 64 KiB: never a key read from part of a file. */
	enum { KEY_FILE_MAX = 65536 };
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "emauth %s: %s%s: %s\n", cmd, opt, path,
		    strerror(errno));
		return EXIT_USAGE;
	}
	uint8_t *buf = malloc(KEY_FILE_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		fprintf(stderr, "emauth %s: out of memory\n", cmd);
		return EXIT_USAGE;
	}
	size_t n = fread(buf, 1, KEY_FILE_MAX + 1, f);
	int err = ferror(f);
	fclose(f);
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	int rc = 0;
	if (err)
		fprintf(stderr, "emauth %s: %s%s: cannot read the file\n", cmd,
		    opt, path);
	else if (n > KEY_FILE_MAX)
		fprintf(stderr,
		    "emauth %s: %s%s: the key file is longer than %d bytes "
		    "(refused)\n",
		    cmd, opt, path, KEY_FILE_MAX);
	else if ((rc = emauth_dkim_key_load(
	              (struct emauth_span){buf, n}, k, &d)) != 0)
		fprintf(stderr, "emauth %s: %s%s: %s\n", cmd, opt, path,
		    d.msg ? d.msg : emauth_strerror(rc));
	explicit_bzero(buf, n);
	free(buf);
	return err || n > KEY_FILE_MAX || rc ? EXIT_USAGE : 0;
}

/* Writes @field with the message's own line ending. */
static void
put_field(const char *field, bool lf)
{
	for (const char *p = field; *p; p++) {
		if (lf && p[0] == '\r' && p[1] == '\n')
			continue;
		putchar(*p);
	}
	fputs(lf ? "\n" : "\r\n", stdout);
}

int
cli_write_message(FILE *src, const char *const *fields, size_t n)
{
	uint8_t buf[65536];
	rewind(src);
	size_t got = fread(buf, 1, sizeof(buf), src);
	/* Match the message's line ending: LF-only files stay so. */
	const uint8_t *nl = memchr(buf, '\n', got);
	bool lf = nl && (nl == buf || nl[-1] != '\r');
	for (size_t i = 0; i < n; i++)
		if (fields[i] != NULL)
			put_field(fields[i], lf);
	do
		fwrite(buf, 1, got, stdout);
	while ((got = fread(buf, 1, sizeof(buf), src)) > 0);
	return fflush(stdout) == 0 && !ferror(src) ? 0 : EXIT_USAGE;
}

static int
dkim_sign_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"domain", required_argument, NULL, 'd'},
	    {"selector", required_argument, NULL, 's'},
	    {"key", required_argument, NULL, 'k'},
	    {"algorithm", required_argument, NULL, 'a'},
	    {"canon", required_argument, NULL, 'c'},
	    {"headers", required_argument, NULL, 'H'},
	    {"body-length", no_argument, NULL, 'l'},
	    {"expire", required_argument, NULL, 'x'},
	    {"identity", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct group groups[16];
	size_t ng = 0;
	const char *domain = NULL, *selector = NULL;
	struct emauth_dkim_sign_spec base;
	int c, rc = 0;

	emauth_dkim_sign_spec_init(&base);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			domain = optarg;
			break;
		case 's':
			selector = optarg;
			break;
		case 'k':
			if (domain == NULL || selector == NULL)
				return cli_usage_error("dkim sign",
				    "--key %s needs a --domain and a "
				    "--selector "
				    "before it",
				    optarg);
			if (ng == 16)
				return cli_usage_error(
				    "dkim sign", "at most 16 signatures");
			groups[ng++] = (struct group){domain, selector, optarg};
			selector = NULL;
			break;
		case 'a':
			if (strcmp(optarg, "rsa-sha256") == 0)
				base.alg = EMAUTH_DKIM_RSA_SHA256;
			else if (strcmp(optarg, "ed25519-sha256") == 0)
				base.alg = EMAUTH_DKIM_ED25519_SHA256;
			else
				return cli_usage_error("dkim sign",
				    "--algorithm: '%s' is not rsa-sha256 or "
				    "ed25519-sha256",
				    optarg);
			break;
		case 'c': {
			const char *sl = strchr(optarg, '/');
			size_t hl = sl ? (size_t)(sl - optarg) : strlen(optarg);
			const char *b = sl ? sl + 1 : "simple";
			int hc = -1, bc = -1;
			if (hl == 6 && strncmp(optarg, "simple", 6) == 0)
				hc = EMAUTH_DKIM_SIMPLE;
			if (hl == 7 && strncmp(optarg, "relaxed", 7) == 0)
				hc = EMAUTH_DKIM_RELAXED;
			if (strcmp(b, "simple") == 0)
				bc = EMAUTH_DKIM_SIMPLE;
			if (strcmp(b, "relaxed") == 0)
				bc = EMAUTH_DKIM_RELAXED;
			if (hc < 0 || bc < 0)
				return cli_usage_error("dkim sign",
				    "--canon: '%s' is not HEADER/BODY with "
				    "simple or relaxed",
				    optarg);
			base.header_canon = (enum emauth_dkim_canon)hc;
			base.body_canon = (enum emauth_dkim_canon)bc;
			break;
		}
		case 'H':
			base.headers = optarg;
			break;
		case 'l':
			base.body_length = 1;
			break;
		case 'x': {
			char *end;
			errno = 0;
			long long v = strtoll(optarg, &end, 10);
			if (errno || *end || v <= 0 || v > 100LL * 365 * 86400)
				return cli_usage_error("dkim sign",
				    "--expire: '%s' is not a number of seconds",
				    optarg);
			base.expire = v;
			break;
		}
		case 'i':
			base.identity = optarg;
			break;
		case 'h':
			fputs(sign_help, stdout);
			return 0;
		default:
			return cli_bad_option("dkim sign", c, argv);
		}
	}
	if (ng == 0)
		return cli_usage_error(
		    "dkim sign", "--domain, --selector and --key are required");
	if (selector)
		return cli_usage_error("dkim sign",
		    "--selector %s has no --key after it", selector);
	if (argc - optind > 1)
		return cli_usage_error("dkim sign", "one message at a time");
	const char *path = optind < argc ? argv[optind] : "-";

	struct emauth_dkim_key *keys[16] = {0};
	struct emauth_dkim_sign_spec specs[16];
	for (size_t i = 0; i < ng && rc == 0; i++) {
		rc = cli_load_key(
		    "dkim sign", "--key ", groups[i].keyfile, &keys[i]);
		specs[i] = base;
		specs[i].domain = groups[i].domain;
		specs[i].selector = groups[i].selector;
		specs[i].key = keys[i];
		if (rc == 0 && base.alg &&
		    base.alg != emauth_dkim_key_alg(keys[i]))
			rc = cli_usage_error("dkim sign",
			    "--algorithm does not fit the key in %s",
			    groups[i].keyfile);
	}
	struct emauth_ctx *ctx = NULL;
	struct emauth_dkim_signer *s = NULL;
	struct emauth_diag d;
	char msg[600];
	FILE *in = NULL, *spool = NULL;
	memset(&d, 0, sizeof(d));
	if (rc == 0 && emauth_ctx_new(&ctx) != 0)
		rc = EXIT_USAGE;
	if (rc == 0 && emauth_dkim_signer_new(ctx, specs, ng, &s, &d) != 0) {
		fprintf(stderr, "emauth dkim sign: %s\n",
		    emauth_diag_format(&d, msg, sizeof(msg)));
		rc = EXIT_USAGE;
	}
	if (rc == 0) {
		in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
		if (in == NULL) {
			fprintf(stderr, "emauth dkim sign: %s: %s\n", path,
			    strerror(errno));
			rc = EXIT_USAGE;
		}
	}
	if (rc == 0) {
		/* The message is written after the signatures: keep a copy
		 * of standard input in a temporary file. */
		if (in == stdin)
			spool = tmpfile();
		int r =
		    (in == stdin && spool == NULL)
		        ? EMAUTH_EIO
		        : cli_feed_file(in, &cli_signer_handler, s, spool, &d);
		if (r == 0)
			r = emauth_dkim_signer_finish(s, &d);
		if (r != 0) {
			fprintf(stderr, "emauth dkim sign: %s: %s\n", path,
			    d.msg ? emauth_diag_format(&d, msg, sizeof(msg))
			          : emauth_strerror(r));
			rc = EXIT_USAGE;
		}
	}
	if (rc == 0) {
		/* In the order given: the first signature on top. */
		const char *fields[16];
		for (size_t i = 0; i < ng; i++)
			fields[i] = emauth_dkim_signer_field(s, i);
		rc = cli_write_message(spool ? spool : in, fields, ng);
	}
	if (spool)
		fclose(spool);
	if (in && in != stdin)
		fclose(in);
	emauth_dkim_signer_free(s);
	for (size_t i = 0; i < ng; i++)
		emauth_dkim_key_free(keys[i]);
	emauth_ctx_free(ctx);
	return rc;
}

/* Testing a key against its record. */

static const char *
testkey_status_name(enum emauth_dkim_testkey_status s)
{
	switch (s) {
	case EMAUTH_DKIM_TESTKEY_MATCH:
		return "match";
	case EMAUTH_DKIM_TESTKEY_MISMATCH:
		return "mismatch";
	case EMAUTH_DKIM_TESTKEY_NO_RECORD:
		return "no-record";
	case EMAUTH_DKIM_TESTKEY_DNS_ERROR:
		return "dns-error";
	case EMAUTH_DKIM_TESTKEY_RECORD_ERROR:
		return "record-error";
	}
	return "unknown";
}

static const struct {
	unsigned bit;
	const char *name;
} testkey_problems[] = {
    {EMAUTH_DKIM_TESTKEY_OTHER_KEY, "other-key"},
    {EMAUTH_DKIM_TESTKEY_KEY_TYPE, "key-type"},
    {EMAUTH_DKIM_TESTKEY_SERVICE, "service"},
    {EMAUTH_DKIM_TESTKEY_HASH, "hash"},
    {EMAUTH_DKIM_TESTKEY_REVOKED, "revoked"},
};

/* Prints @detail, parts separated by "; ", one a line after @indent. */
static void
print_parts(const char *detail, const char *indent)
{
	const char *p = detail;
	while (*p) {
		const char *e = strstr(p, "; ");
		size_t n = e ? (size_t)(e - p) : strlen(p);
		printf("%s%.*s\n", indent, (int)n, p);
		p += n + (e ? 2 : 0);
	}
}

/* How to fix what emauth_dkim_testkey found, for people. */
static void
print_fix(const struct emauth_dkim_testkey_result *r, const char *domain,
    const char *selector, const char *keyfile, const char *txt)
{
	unsigned whole = EMAUTH_DKIM_TESTKEY_OTHER_KEY |
	                 EMAUTH_DKIM_TESTKEY_KEY_TYPE |
	                 EMAUTH_DKIM_TESTKEY_REVOKED;

	if (r->status == EMAUTH_DKIM_TESTKEY_MATCH)
		return;
	if (r->status == EMAUTH_DKIM_TESTKEY_DNS_ERROR) {
		printf("fix: the lookup failed, not the key: check that the "
		       "name servers of %s answer, then try again\n",
		    domain);
		return;
	}
	if (r->status == EMAUTH_DKIM_TESTKEY_MISMATCH &&
	    !(r->problems & whole)) {
		if (r->problems & EMAUTH_DKIM_TESTKEY_SERVICE)
			printf("fix: remove s= from the record, or make it "
			       "s=email\n");
		if (r->problems & EMAUTH_DKIM_TESTKEY_HASH)
			printf("fix: remove h= from the record, or make it "
			       "h=sha256\n");
		printf("or publish this record instead");
	} else if (r->problems & EMAUTH_DKIM_TESTKEY_OTHER_KEY) {
		printf("fix: sign with the private key whose public half is "
		       "published, or publish this key's record");
	} else {
		printf("fix: publish this key's record");
	}
	printf(" (emauth record dkim --key %s --selector %s --domain %s%s)",
	    keyfile, selector, domain, r->testing ? " --testing" : "");
	if (r->target[0])
		printf(" at %s, where the CNAME leads", r->target);
	printf(":\n%s", txt);
}

static int
dkim_testkey_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"domain", required_argument, NULL, 'd'},
	    {"selector", required_argument, NULL, 's'},
	    {"key", required_argument, NULL, 'k'},
	    {"dns", required_argument, NULL, 'D'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *domain = NULL, *selector = NULL, *keyfile = NULL;
	const char *dns = NULL;
	bool json = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			domain = optarg;
			break;
		case 's':
			selector = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'D':
			dns = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(testkey_help, stdout);
			return 0;
		default:
			return cli_bad_option("dkim testkey", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    "dkim testkey", "unexpected argument '%s'", argv[optind]);
	if (domain == NULL || selector == NULL || keyfile == NULL)
		return cli_usage_error("dkim testkey",
		    "--domain, --selector and --key are required");
	if (!cli_name_ok(domain))
		return cli_usage_error(
		    "dkim testkey", "--domain: '%s' is not a DNS name", domain);
	if (!cli_name_ok(selector))
		return cli_usage_error("dkim testkey",
		    "--selector: '%s' is not a DNS name", selector);

	struct emauth_dkim_key *k = NULL;
	struct emauth_ctx *ctx = NULL;
	struct emauth_dkim_testkey_result r;
	char rec[4096], txt[8192];
	int rc = cli_load_key("dkim testkey", "--key ", keyfile, &k);
	if (rc == 0)
		rc = cli_ctx_new("dkim testkey", dns, &ctx);
	if (rc == 0) {
		int st = emauth_dkim_testkey(ctx, selector, domain, k, &r);
		if (st != 0) {
			fprintf(stderr, "emauth dkim testkey: %s\n",
			    emauth_strerror(st));
			rc = EXIT_USAGE;
		}
	}
	if (rc == 0) {
		/* The record this key needs, t=y kept when published. */
		int n = emauth_dkim_key_record(k, r.testing, rec, sizeof(rec));
		if (n < 0) {
			fprintf(stderr, "emauth dkim testkey: %s\n",
			    emauth_strerror(n));
			rc = EXIT_USAGE;
		}
	}
	if (rc != 0)
		goto out;
	cli_dkim_txt(selector, domain, rec, txt, sizeof(txt));
	if (json) {
		json_object *o = json_object_new_object();
		json_object *arr = json_object_new_array();
		for (size_t i = 0;
		     i < sizeof(testkey_problems) / sizeof(testkey_problems[0]);
		     i++)
			if (r.problems & testkey_problems[i].bit)
				json_object_array_add(
				    arr, json_object_new_string(
				             testkey_problems[i].name));
		json_object_object_add(
		    o, "name", json_object_new_string(r.name));
		json_object_object_add(o, "target",
		    r.target[0] ? json_object_new_string(r.target) : NULL);
		json_object_object_add(o, "status",
		    json_object_new_string(testkey_status_name(r.status)));
		json_object_object_add(o, "problems", arr);
		json_object_object_add(
		    o, "detail", json_object_new_string(r.detail));
		json_object_object_add(
		    o, "records", json_object_new_int((int)r.records));
		json_object_object_add(
		    o, "key_type", json_object_new_string(r.key_type));
		json_object_object_add(
		    o, "key_bits", json_object_new_int((int)r.key_bits));
		json_object_object_add(o, "record_type",
		    r.record_type[0] ? json_object_new_string(r.record_type)
		                     : NULL);
		json_object_object_add(o, "record_bits",
		    r.record_bits ? json_object_new_int((int)r.record_bits)
		                  : NULL);
		json_object_object_add(
		    o, "testing", json_object_new_boolean(r.testing));
		json_object_object_add(
		    o, "strict", json_object_new_boolean(r.strict));
		json_object_object_add(
		    o, "expected_record", json_object_new_string(rec));
		puts(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("%s: %s\n", r.name, testkey_status_name(r.status));
		if (r.target[0])
			printf("  a CNAME to %s\n", r.target);
		print_parts(r.detail, "  ");
		print_fix(&r, domain, selector, keyfile, txt);
	}
	rc = r.status == EMAUTH_DKIM_TESTKEY_MATCH       ? 0
	     : r.status == EMAUTH_DKIM_TESTKEY_DNS_ERROR ? EXIT_USAGE
	                                                 : 1;
out:
	emauth_ctx_free(ctx);
	emauth_dkim_key_free(k);
	return rc;
}

int
cmd_dkim(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(
		    "dkim", "expected 'sign', 'verify' or 'testkey'");
	if (strcmp(argv[1], "sign") == 0)
		return dkim_sign_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return dkim_verify_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "testkey") == 0)
		return dkim_testkey_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(sign_help, stdout);
		fputs("\n", stdout);
		fputs(verify_help, stdout);
		fputs("\n", stdout);
		fputs(testkey_help, stdout);
		return 0;
	}
	return cli_usage_error("dkim", "unknown subcommand '%s'", argv[1]);
}
