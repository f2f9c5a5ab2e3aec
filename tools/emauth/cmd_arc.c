/*
 * cmd_arc.c: "emauth arc verify" and "emauth arc seal" (RFC 8617).
 */
#define _DEFAULT_SOURCE 1
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <emauth/arc.h>
#include <emauth/authres.h>
#include <emauth/dkim.h>
#include <emauth/msg.h>

#include "cli.h"

static const char verify_help[] =
    "usage: emauth arc verify [--dns SPEC] [--json] [FILE...|-]\n"
    "\n"
    "Validates the ARC chain of each message (RFC 8617 5.2): the structure\n"
    "of its sets (instances 1 to 50, one ARC-Seal, ARC-Message-Signature\n"
    "and ARC-Authentication-Results each, cv= none then pass), the newest\n"
    "ARC-Message-Signature and every ARC-Seal; prints the chain status\n"
    "(cv), the reason, the oldest instance whose message signature still\n"
    "verifies (oldest-pass, 0 when all do) and each instance's sealer.\n"
    "Files with LF line endings are read as CRLF.\n"
    "\n"
    "  --dns SPEC  system (default), server:IP[@PORT], zone:FILE,...\n"
    "  --json      one JSON object per file: file, cv, reason, instances,\n"
    "              oldest_pass, temporary, and per instance i, the seal's\n"
    "              and the message signature's domain, selector and result\n"
    "\n"
    "Exit status: 0 when every chain passes, 1 when one does not (none or\n"
    "fail), 2 for bad usage or unreadable input.\n";

static const char seal_help[] =
    "usage: emauth arc seal --domain D --selector S --key FILE\n"
    "                       --authserv-id ID [--algorithm A] [--dns SPEC]\n"
    "                       [--headers a:b:c] [--timestamp T] [FILE|-]\n"
    "\n"
    "Adds the next ARC set to a message and writes it, the new\n"
    "ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results\n"
    "first, to standard output. The ARC-Authentication-Results carry the\n"
    "results of the message's Authentication-Results fields with the\n"
    "authserv-id ID; when there is none, the message is verified first\n"
    "(its ARC chain and DKIM signatures) and those results are sealed.\n"
    "Nothing is added after a seal that says cv=fail.\n"
    "\n"
    "  --algorithm   rsa-sha256 or ed25519-sha256 (must fit the key)\n"
    "  --headers     the fields the ARC-Message-Signature signs (default:\n"
    "                the DKIM set as present, with DKIM-Signature)\n"
    "  --timestamp   t= (default: now)\n"
    "\n"
    "Exit status: 0 sealed (or nothing to add); 2 bad usage, unreadable\n"
    "input or key, or a message that cannot be sealed.\n";

/* Feeding several consumers from one reading. */
struct arc_feed {
	struct emauth_arc_verifier *v;
	struct emauth_dkim_verifier *dk;
	struct emauth_arc_sealer *s;
	const char *srvid;
	bool has_ar; /* an Authentication-Results field with srvid */
};

static int
a_header(void *arg, struct emauth_span f)
{
	struct arc_feed *x = arg;
	int rc = 0;
	if (x->v &&
	    (rc = emauth_arc_verifier_header(x->v, f)) == EMAUTH_ETOOBIG)
		rc = 0; /* the chain fails, with the reason */
	if (rc == 0 && x->dk &&
	    (rc = emauth_dkim_verifier_header(x->dk, f)) == EMAUTH_ETOOBIG)
		rc = 0;
	if (rc == 0 && x->s)
		rc = emauth_arc_sealer_header(x->s, f);
	if (rc == 0 && x->srvid && f.len > 23 &&
	    strncasecmp((const char *)f.p, "Authentication-Results:", 23) ==
	        0 &&
	    emauth_authres_claims(
	        (struct emauth_span){f.p + 23, f.len - 23}, x->srvid))
		x->has_ar = true;
	return rc;
}

static int
a_eoh(void *arg)
{
	struct arc_feed *x = arg;
	int rc = 0;
	if (x->v)
		rc = emauth_arc_verifier_eoh(x->v);
	if (rc == 0 && x->dk)
		rc = emauth_dkim_verifier_eoh(x->dk);
	if (rc == 0 && x->s)
		rc = emauth_arc_sealer_eoh(x->s);
	return rc;
}

static int
a_body(void *arg, struct emauth_span c)
{
	struct arc_feed *x = arg;
	int rc = 0;
	if (x->v)
		rc = emauth_arc_verifier_body(x->v, c);
	if (rc == 0 && x->dk)
		rc = emauth_dkim_verifier_body(x->dk, c);
	if (rc == 0 && x->s)
		rc = emauth_arc_sealer_body(x->s, c);
	return rc;
}

static const struct emauth_msg_handler arc_handler = {a_header, a_eoh, a_body};

static json_object *
result_json(const char *path, const struct emauth_arc_result *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "file", json_object_new_string(path));
	json_object_object_add(
	    o, "cv", json_object_new_string(emauth_arc_cv_name(r->cv)));
	json_object_object_add(o, "reason", json_object_new_string(r->reason));
	json_object_object_add(
	    o, "instances", json_object_new_int((int)r->instances));
	json_object_object_add(
	    o, "oldest_pass", json_object_new_int((int)r->oldest_pass));
	json_object_object_add(
	    o, "temporary", json_object_new_boolean(r->temporary));
	json_object *arr = json_object_new_array();
	for (unsigned i = 0; i < r->instances && i < EMAUTH_ARC_MAX; i++) {
		const struct emauth_arc_instance *in = &r->inst[i];
		if (in->i == 0)
			continue;
		json_object *e = json_object_new_object();
		json_object_object_add(e, "i", json_object_new_int((int)in->i));
		json_object_object_add(
		    e, "seal_domain", json_object_new_string(in->as_domain));
		json_object_object_add(e, "seal_selector",
		    json_object_new_string(in->as_selector));
		json_object_object_add(e, "cv", json_object_new_string(in->cv));
		json_object_object_add(e, "seal",
		    json_object_new_string(emauth_result_name(in->as)));
		json_object_object_add(
		    e, "seal_detail", json_object_new_string(in->as_detail));
		json_object_object_add(
		    e, "ams_domain", json_object_new_string(in->ams_domain));
		json_object_object_add(e, "ams_selector",
		    json_object_new_string(in->ams_selector));
		json_object_object_add(e, "ams",
		    json_object_new_string(emauth_result_name(in->ams)));
		json_object_object_add(
		    e, "ams_detail", json_object_new_string(in->ams_detail));
		json_object_object_add(
		    e, "aar", json_object_new_string(in->aar));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "sets", arr);
	return o;
}

/* Verifies one message: 0 pass, 1 not, 2 unreadable. */
static int
verify_one(struct emauth_ctx *ctx, const char *path, bool json)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "emauth arc verify: %s: %s\n", path,
		    strerror(errno));
		return EXIT_USAGE;
	}
	struct arc_feed x = {0};
	struct emauth_diag d = {0};
	char msg[600];
	int rc = emauth_arc_verifier_new(ctx, NULL, &x.v);
	if (rc == 0)
		rc = cli_feed_file(f, &arc_handler, &x, NULL, &d);
	if (f != stdin)
		fclose(f);
	if (rc == 0)
		rc = emauth_arc_verifier_finish(x.v);
	struct emauth_arc_result *r = malloc(sizeof(*r));
	if (rc == 0 && r == NULL)
		rc = EMAUTH_ENOMEM;
	if (rc == 0)
		rc = emauth_arc_verifier_result(x.v, r);
	emauth_arc_verifier_free(x.v);
	if (rc != 0) {
		fprintf(stderr, "emauth arc verify: %s: %s\n", path,
		    d.msg ? emauth_diag_format(&d, msg, sizeof(msg))
		          : emauth_strerror(rc));
		free(r);
		return EXIT_USAGE;
	}
	if (json) {
		json_object *o = result_json(path, r);
		puts(json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("%s: arc=%s (%s)", path, emauth_arc_cv_name(r->cv),
		    r->reason);
		if (r->cv == EMAUTH_ARC_PASS && r->oldest_pass)
			printf(" header.oldest-pass=%u", r->oldest_pass);
		putchar('\n');
		for (unsigned i = 0; i < r->instances && i < EMAUTH_ARC_MAX;
		     i++) {
			const struct emauth_arc_instance *in = &r->inst[i];
			if (in->i == 0)
				continue;
			printf("  i=%u sealed by d=%s s=%s cv=%s: seal %s, "
			       "message signature %s\n",
			    in->i, in->as_domain, in->as_selector, in->cv,
			    emauth_result_name(in->as),
			    emauth_result_name(in->ams));
		}
	}
	int out = r->cv == EMAUTH_ARC_PASS ? 0 : 1;
	free(r);
	return out;
}

static int
arc_verify_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dns", required_argument, NULL, 'd'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dns = NULL;
	bool json = false;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dns = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(verify_help, stdout);
			return 0;
		default:
			return cli_bad_option("arc verify", c, argv);
		}
	}
	struct emauth_ctx *ctx;
	int rc = cli_ctx_new("arc verify", dns, &ctx);
	if (rc != 0)
		return rc;
	char *stdin_only[] = {"-"};
	char **files = optind < argc ? argv + optind : stdin_only;
	int nf = optind < argc ? argc - optind : 1, worst = 0;
	for (int i = 0; i < nf; i++) {
		int r = verify_one(ctx, files[i], json);
		if (r > worst)
			worst = r;
	}
	emauth_ctx_free(ctx);
	return worst;
}

/* The results to seal when the message has none of ours: its ARC chain
 * and DKIM signatures, verified now. */
static bool
computed_results(const struct arc_feed *x, char *out, size_t size)
{
	struct emauth_arc_result *r = malloc(sizeof(*r));
	size_t n = 0;
	out[0] = '\0';
	if (r != NULL && emauth_arc_verifier_result(x->v, r) == 0) {
		n += (size_t)snprintf(
		    out + n, size - n, "arc=%s", emauth_arc_cv_name(r->cv));
		if (r->cv == EMAUTH_ARC_PASS && r->oldest_pass && n < size)
			n += (size_t)snprintf(out + n, size - n,
			    " header.oldest-pass=%u", r->oldest_pass);
	}
	free(r);
	size_t nd = emauth_dkim_verifier_count(x->dk);
	for (size_t i = 0; i < nd && n < size; i++) {
		struct emauth_dkim_result d;
		if (emauth_dkim_verifier_result(x->dk, i, &d) != 0)
			continue;
		n += (size_t)snprintf(out + n, size - n,
		    "; dkim=%s header.d=%s header.s=%s",
		    emauth_result_name(d.result), d.domain, d.selector);
	}
	if (nd == 0 && n < size)
		n += (size_t)snprintf(out + n, size - n, "; dkim=none");
	return n < size; /* never results cut short */
}

static int
arc_seal_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"domain", required_argument, NULL, 'd'},
	    {"selector", required_argument, NULL, 's'},
	    {"key", required_argument, NULL, 'k'},
	    {"authserv-id", required_argument, NULL, 'A'},
	    {"algorithm", required_argument, NULL, 'a'},
	    {"dns", required_argument, NULL, 'D'},
	    {"headers", required_argument, NULL, 'H'},
	    {"timestamp", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct emauth_arc_seal_spec sp;
	emauth_arc_seal_spec_init(&sp);
	sp.fold = 1; /* into a message: lines of at most 78 where they can */
	const char *keyfile = NULL, *dns = NULL, *alg = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			sp.domain = optarg;
			break;
		case 's':
			sp.selector = optarg;
			break;
		case 'k':
			keyfile = optarg;
			break;
		case 'A':
			sp.authserv_id = optarg;
			break;
		case 'a':
			alg = optarg;
			if (strcmp(alg, "rsa-sha256") != 0 &&
			    strcmp(alg, "ed25519-sha256") != 0)
				return cli_usage_error("arc seal",
				    "--algorithm: '%s' is not rsa-sha256 or "
				    "ed25519-sha256",
				    optarg);
			break;
		case 'D':
			dns = optarg;
			break;
		case 'H':
			sp.headers = optarg;
			break;
		case 't': {
			int64_t t;
			if (cli_epoch(optarg, &t) != 0)
				return cli_usage_error("arc seal",
				    "--timestamp: '%s' is not seconds since "
				    "1970",
				    optarg);
			sp.timestamp = t;
			break;
		}
		case 'h':
			fputs(seal_help, stdout);
			return 0;
		default:
			return cli_bad_option("arc seal", c, argv);
		}
	}
	if (sp.domain == NULL || sp.selector == NULL || keyfile == NULL ||
	    sp.authserv_id == NULL)
		return cli_usage_error("arc seal",
		    "--domain, --selector, --key and --authserv-id are "
		    "required");
	if (!cli_name_ok(sp.domain) || !cli_name_ok(sp.selector))
		return cli_usage_error(
		    "arc seal", "--domain and --selector must be DNS names");
	if (argc - optind > 1)
		return cli_usage_error("arc seal", "one message at a time");
	const char *path = optind < argc ? argv[optind] : "-";
	struct emauth_dkim_key *key = NULL;
	int rc = cli_load_key("arc seal", "--key ", keyfile, &key);
	if (rc != 0)
		return rc;
	sp.key = key;
	if (alg &&
	    (strcmp(alg, "ed25519-sha256") == 0) !=
	        (emauth_dkim_key_alg(key) == EMAUTH_DKIM_ED25519_SHA256)) {
		emauth_dkim_key_free(key);
		return cli_usage_error("arc seal",
		    "--algorithm does not fit the key in %s", keyfile);
	}
	struct emauth_ctx *ctx = NULL;
	rc = cli_ctx_new("arc seal", dns, &ctx);
	FILE *in = NULL, *spool = NULL;
	struct arc_feed x = {0};
	struct emauth_diag d = {0};
	char msg[600], results[16384];
	if (rc == 0) {
		in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
		if (in == NULL) {
			fprintf(stderr, "emauth arc seal: %s: %s\n", path,
			    strerror(errno));
			rc = EXIT_USAGE;
		}
	}
	/* First reading: is there an Authentication-Results of ours, and
	 * what do the message's chain and signatures say. */
	if (rc == 0) {
		if (in == stdin)
			spool = tmpfile();
		x.srvid = sp.authserv_id;
		int r = emauth_arc_verifier_new(ctx, NULL, &x.v);
		if (r == 0)
			r = emauth_dkim_verifier_new(ctx, NULL, &x.dk);
		if (r == 0)
			r = (in == stdin && spool == NULL)
			        ? EMAUTH_EIO
			        : cli_feed_file(
			              in, &arc_handler, &x, spool, &d);
		if (r == 0)
			r = emauth_arc_verifier_finish(x.v);
		if (r == 0)
			r = emauth_dkim_verifier_finish(x.dk);
		if (r != 0) {
			fprintf(stderr, "emauth arc seal: %s: %s\n", path,
			    d.msg ? emauth_diag_format(&d, msg, sizeof(msg))
			          : emauth_strerror(r));
			rc = EXIT_USAGE;
		}
	}
	if (rc == 0) {
		struct emauth_arc_result *ar = malloc(sizeof(*ar));
		if (ar != NULL && emauth_arc_verifier_result(x.v, ar) == 0)
			sp.cv = ar->cv;
		free(ar);
		if (!x.has_ar) {
			if (!computed_results(&x, results, sizeof(results))) {
				fprintf(stderr,
				    "emauth arc seal: %s: the results to seal "
				    "are over %zu bytes\n",
				    path, sizeof(results));
				rc = EXIT_USAGE;
			}
			sp.results = results;
		}
	}
	emauth_arc_verifier_free(x.v);
	emauth_dkim_verifier_free(x.dk);
	x.v = NULL;
	x.dk = NULL;
	x.srvid = NULL;
	/* Second reading: the seal. */
	FILE *src = spool ? spool : in;
	if (rc == 0) {
		rewind(src);
		int r = emauth_arc_sealer_new(ctx, &sp, &x.s);
		if (r == EMAUTH_EINVAL) {
			fprintf(stderr,
			    "emauth arc seal: --authserv-id '%s' is "
			    "not a name\n",
			    sp.authserv_id);
			rc = EXIT_USAGE;
		} else {
			if (r == 0)
				r = cli_feed_file(
				    src, &arc_handler, &x, NULL, &d);
			if (r == 0)
				r = emauth_arc_sealer_finish(x.s, &d);
			if (r != 0) {
				fprintf(stderr, "emauth arc seal: %s: %s\n",
				    path,
				    d.msg ? emauth_diag_format(
				                &d, msg, sizeof(msg))
				          : emauth_strerror(r));
				rc = EXIT_USAGE;
			}
		}
	}
	if (rc == 0) {
		const char *fields[3];
		for (unsigned w = 0; w < 3; w++)
			fields[w] = emauth_arc_sealer_field(x.s, w);
		rc = cli_write_message(src, fields, 3);
		if (emauth_arc_sealer_instance(x.s) == 0)
			fprintf(stderr,
			    "emauth arc seal: %s: the chain has failed "
			    "(cv=fail): nothing added\n",
			    path);
	}
	emauth_arc_sealer_free(x.s);
	if (spool)
		fclose(spool);
	if (in && in != stdin)
		fclose(in);
	emauth_ctx_free(ctx);
	emauth_dkim_key_free(key);
	return rc;
}

int
cmd_arc(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("arc", "expected 'verify' or 'seal'");
	if (strcmp(argv[1], "verify") == 0)
		return arc_verify_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "seal") == 0)
		return arc_seal_cmd(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(verify_help, stdout);
		fputs("\n", stdout);
		fputs(seal_help, stdout);
		return 0;
	}
	return cli_usage_error("arc", "unknown subcommand '%s'", argv[1]);
}
