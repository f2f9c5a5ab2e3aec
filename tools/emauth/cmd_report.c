/*
 * cmd_report.c: "emauth report send": the DMARC aggregate reports of one
 * UTC day from the verdict store, each sent once to the rua= addresses of
 * its policy domain (or written into a folder with --dry-run), then the
 * rows past ReportKeepDays pruned. It reads emauth-milter's configuration
 * (-c) for the store, the reporter's name and address, how to submit, and
 * the DKIM key that signs the reports (the SigningTable's key for the
 * ReportEmail address). Also the helpers "emauth verify --record" uses.
 */
#define _DEFAULT_SOURCE 1
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <emauth/dkim.h>
#include <emauth/dmarc.h>
#include <emauth/msg.h>
#include <emauth/report.h>
#include <emauth/web.h>

#include <json-c/json.h>

#include "cli.h"
#include "config.h"

static const char help[] =
    "usage: emauth report send [-c FILE] [--store STORE] [--dns SPEC]\n"
    "                          [--day YYYY-MM-DD] [--dry-run DIR]\n"
    "       emauth report import [-c FILE] [--store STORE] [PATH... | -]\n"
    "       emauth report import [-c FILE] [--store STORE] --imap URL\n"
    "                          [--password-file FILE] [--archive FOLDER]\n"
    "                          [--ca-file FILE]\n"
    "       emauth report list [-c FILE] [--store STORE] [--json]\n"
    "       emauth report summary [-c FILE] [--store STORE] [--domain D]\n"
    "                          [--since DATE] [--senders FILE] [--dns SPEC]\n"
    "                          [--no-lookup] [--json]\n"
    "       emauth report serve [-c FILE] [--store STORE] [--listen IP:PORT]\n"
    "                          [--senders FILE] [--dns SPEC] [--no-lookup]\n"
    "                          [--token-file FILE]\n"
    "\n"
    "Sends the DMARC aggregate reports (RFC 9990) of one UTC day from the\n"
    "verdict store to the rua= addresses of each policy domain, signed\n"
    "with DKIM by the reporting domain's key; a report is sent once to\n"
    "each address, a failed one again on the next run. Then deletes the\n"
    "reported rows older than ReportKeepDays.\n"
    "\n"
    "  -c FILE         emauth-milter's configuration: ReportStore,\n"
    "                  ReportOrgName, ReportEmail, ReportSubmit,\n"
    "                  ReportKeepDays, and the KeyTable/SigningTable key\n"
    "                  for ReportEmail's domain\n"
    "  --store STORE   sqlite:PATH or postgresql://... (over ReportStore)\n"
    "  --dns SPEC      system (default), server:IP[@PORT], zone:FILE\n"
    "  --day DAY       the UTC day to report (default: yesterday)\n"
    "  --dry-run DIR   write each report as DIR/FILE.xml.gz instead of\n"
    "                  mailing it; nothing is marked sent\n"
    "\n"
    "serve: a read-only dashboard of the imported reports (charts, sources,\n"
    "readiness, failure and TLS reports; every table as CSV and JSON) on\n"
    "http://127.0.0.1:8080/ until SIGINT or SIGTERM. --listen IP:PORT or\n"
    "[IPV6]:PORT elsewhere: an address that is not loopback needs\n"
    "--token-file FILE (its first line, 16 characters or more), which every\n"
    "request then carries (Authorization: Bearer TOKEN, or ?token=).\n"
    "\n"
    "Exit status: 0 every report sent (or written), 1 some submission\n"
    "failed (it is retried on the next run), 2 on bad input or a store\n"
    "error.\n";

int
cli_epoch(const char *s, int64_t *out)
{
	int64_t v = 0;
	size_t n = strlen(s);
	if (n == 0 || n > 12)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
cli_record_verdict(const char *store, const struct emauth_verdict *v,
    const struct emauth_report_env *env)
{
	struct emauth_report_row *row = calloc(1, sizeof(*row));
	struct emauth_store *s = NULL;
	char err[512];
	int rc = 0;
	if (row == NULL)
		return EXIT_USAGE;
	if (emauth_report_row_from_verdict(v, env, row) != 0) {
		fprintf(stderr,
		    "emauth verify: --record: no DMARC evaluation to record\n");
		rc = EXIT_USAGE;
	} else if (emauth_store_open(store, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "emauth verify: --record %s: %s\n",
		    strncmp(store, "postgres", 8) ? store : "(postgresql)",
		    err);
		rc = EXIT_USAGE;
	} else if (emauth_store_add(s, row, 1) != 0) {
		fprintf(stderr, "emauth verify: --record: %s\n",
		    emauth_store_error(s));
		rc = EXIT_USAGE;
	}
	emauth_store_close(s);
	free(row);
	return rc;
}

/* YYYY-MM-DD as the epoch of its 00:00 UTC. */
static int
parse_day(const char *s, int64_t *out)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	int v[3] = {0, 0, 0}, at[3] = {0, 5, 8}, len[3] = {4, 2, 2};
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < len[k]; i++) {
			char c = s[at[k] + i];
			if (c < '0' || c > '9')
				return -1;
			v[k] = v[k] * 10 + (c - '0');
		}
	if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31)
		return -1;
	struct tm tm = {0};
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	time_t t = timegm(&tm);
	struct tm back;
	gmtime_r(&t, &back);
	if (back.tm_mday != v[2]) /* 2026-02-30 */
		return -1;
	*out = (int64_t)t;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct sender {
	struct emauth_ctx *ctx;
	struct emauth_store *store;
	const struct emauth_report_opts *o;
	const struct milter_config *cfg;
	const char *dry_run;
	struct emauth_dkim_key *key;
	const char *key_domain, *key_selector;
	enum emauth_dmarc_mode mode;
	unsigned sent, failed, skipped, written, already;
};

/* Writes @r into DIR/filename, whole or not at all. */
static int
write_file(struct sender *x, const struct emauth_report *r)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof(path), "%s/%s", x->dry_run, r->filename);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "emauth report send: %s: %s\n", tmp,
		    strerror(errno));
		return EXIT_USAGE;
	}
	size_t off = 0;
	while (off < r->gz_len) {
		ssize_t w = write(fd, r->gz + off, r->gz_len - off);
		if (w <= 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off != r->gz_len || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		fprintf(stderr, "emauth report send: %s: %s\n", path,
		    strerror(errno));
		unlink(tmp);
		return EXIT_USAGE;
	}
	printf("wrote %s: %lu messages in %u records\n", path, r->messages,
	    r->records);
	x->written++;
	return 0;
}

/* Puts a DKIM-Signature above @msg; *@out is a new message. */
static int
sign(struct sender *x, const char *msg, size_t len, char **out, size_t *olen)
{
	struct emauth_dkim_sign_spec spec;
	emauth_dkim_sign_spec_init(&spec);
	spec.domain = x->key_domain;
	spec.selector = x->key_selector;
	spec.key = x->key;
	struct emauth_dkim_signer *s = NULL;
	struct emauth_msg_reader *rd = NULL;
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	int rc = emauth_dkim_signer_new(x->ctx, &spec, 1, &s, &d);
	if (rc == 0)
		rc = emauth_msg_reader_new(&cli_signer_handler, s, 0, &rd);
	if (rc == 0)
		rc = emauth_msg_reader_feed(
		    rd, (struct emauth_span){(const uint8_t *)msg, len}, &d);
	if (rc == 0)
		rc = emauth_msg_reader_finish(rd, &d);
	if (rc == 0)
		rc = emauth_dkim_signer_finish(s, &d);
	if (rc == 0) {
		const char *f = emauth_dkim_signer_field(s, 0);
		size_t fl = strlen(f);
		*out = malloc(fl + 2 + len);
		if (*out == NULL) {
			rc = EMAUTH_ENOMEM;
		} else {
			memcpy(*out, f, fl);
			memcpy(*out + fl, "\r\n", 2);
			memcpy(*out + fl + 2, msg, len);
			*olen = fl + 2 + len;
		}
	}
	emauth_msg_reader_free(rd);
	emauth_dkim_signer_free(s);
	return rc;
}

/* Whether @a and @b have the same Organizational Domain: 1, 0, or -1
 * (DNS failure). */
static int
same_org(struct sender *x, const char *a, const char *b)
{
	char oa[256], ob[256];
	if (emauth_dmarc_org_domain(x->ctx, a, x->mode, oa, sizeof(oa)) != 0 ||
	    emauth_dmarc_org_domain(x->ctx, b, x->mode, ob, sizeof(ob)) != 0)
		return -1;
	return strcasecmp(oa, ob) == 0;
}

static void
mark(struct sender *x, const struct emauth_report *r, const char *dest,
    enum emauth_report_state st, const char *note)
{
	if (emauth_store_mark_sent(x->store, r, dest, st, note) != 0)
		fprintf(stderr, "emauth report send: the store: %s\n",
		    emauth_store_error(x->store));
}

static int
each_report(void *arg, const struct emauth_report *r)
{
	struct sender *x = arg;
	if (x->dry_run)
		return write_file(x, r);
	struct emauth_report_uri uris[16];
	int n = emauth_report_uris(r->rua, uris, 16);
	if (n <= 0) {
		printf("%s: no usable rua= address in '%s'\n", r->policy_domain,
		    r->rua);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const struct emauth_report_uri *u = &uris[i];
		int st = emauth_store_sent_state(
		    x->store, r->policy_domain, r->begin, u->address);
		if (st < 0) {
			fprintf(stderr, "emauth report send: the store: %s\n",
			    emauth_store_error(x->store));
			return EXIT_USAGE;
		}
		if (st == EMAUTH_REPORT_SENT || st == EMAUTH_REPORT_SKIPPED) {
			printf("%s -> %s: already %s\n", r->policy_domain,
			    u->address,
			    st == EMAUTH_REPORT_SENT ? "sent" : "given up");
			x->already++;
			continue;
		}
		/* RFC 9990 §3: a destination outside the policy domain's
		 * Organizational Domain must consent in DNS. */
		int same = same_org(x, r->policy_domain, u->domain);
		if (same == 0) {
			int a = emauth_dmarc_report_authorized(
			    x->ctx, r->policy_domain, u->domain);
			if (a == 0) {
				char note[700];
				snprintf(note, sizeof(note),
				    "%s does not publish "
				    "%s._report._dmarc.%s: not authorized to "
				    "receive reports for %s",
				    u->domain, r->policy_domain, u->domain,
				    r->policy_domain);
				printf("%s -> %s: skipped: %s\n",
				    r->policy_domain, u->address, note);
				mark(x, r, u->address, EMAUTH_REPORT_SKIPPED,
				    note);
				x->skipped++;
				continue;
			}
			if (a < 0)
				same = -1;
		}
		if (same < 0) {
			printf("%s -> %s: DNS failure checking the "
			       "destination; retried next run\n",
			    r->policy_domain, u->address);
			mark(x, r, u->address, EMAUTH_REPORT_FAILED,
			    "DNS failure checking the destination");
			x->failed++;
			continue;
		}
		char *msg = NULL, *signed_msg = NULL;
		size_t len = 0, slen = 0;
		if (emauth_report_message(r, x->o, u->address,
		        (int64_t)time(NULL), &msg, &len) != 0) {
			fprintf(stderr, "emauth report send: out of memory\n");
			return EXIT_USAGE;
		}
		if (x->key) {
			int sr = sign(x, msg, len, &signed_msg, &slen);
			if (sr != 0) {
				fprintf(stderr,
				    "emauth report send: signing the report "
				    "with d=%s s=%s: %s\n",
				    x->key_domain, x->key_selector,
				    emauth_strerror(sr));
				free(msg);
				return EXIT_USAGE;
			}
			free(msg);
			msg = signed_msg;
			len = slen;
		}
		if (u->max_size && len > u->max_size) {
			char note[200];
			snprintf(note, sizeof(note),
			    "the report message is %zu bytes, over the "
			    "destination's limit of %llu (!size)",
			    len, (unsigned long long)u->max_size);
			printf("%s -> %s: not sent: %s\n", r->policy_domain,
			    u->address, note);
			mark(x, r, u->address, EMAUTH_REPORT_SKIPPED, note);
			x->skipped++;
			free(msg);
			continue;
		}
		char err[600];
		const char *rcpt[] = {u->address};
		int sr = emauth_report_submit(x->cfg->report_submit,
		    x->o->email, rcpt, 1, msg, len, err, sizeof(err));
		free(msg);
		if (sr == 0) {
			printf("%s -> %s: sent %s (%lu messages in %u "
			       "records)\n",
			    r->policy_domain, u->address, r->filename,
			    r->messages, r->records);
			mark(x, r, u->address, EMAUTH_REPORT_SENT, "");
			x->sent++;
		} else {
			printf("%s -> %s: failed: %s; retried next run\n",
			    r->policy_domain, u->address, err);
			mark(x, r, u->address, EMAUTH_REPORT_FAILED, err);
			x->failed++;
		}
	}
	return 0;
}

static int
report_send(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"store", required_argument, NULL, 's'},
	    {"dns", required_argument, NULL, 'd'},
	    {"day", required_argument, NULL, 'D'},
	    {"dry-run", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *conf = NULL, *store = NULL, *dns = NULL, *day = NULL,
	           *dry = NULL;
	int c, rc = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			store = optarg;
			break;
		case 'd':
			dns = optarg;
			break;
		case 'D':
			day = optarg;
			break;
		case 'n':
			dry = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("report send", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    "report send", "unexpected argument '%s'", argv[optind]);
	struct milter_config *cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return EXIT_USAGE;
	char err[1024], warn[2048];
	if (conf) {
		if (milter_config_load(
		        conf, cfg, err, sizeof(err), warn, sizeof(warn)) != 0) {
			fprintf(stderr, "emauth report send: %s\n", err);
			free(cfg);
			return EXIT_USAGE;
		}
	} else {
		/* The defaults of the configuration. */
		FILE *f = fmemopen((void *)(uintptr_t) "", 0, "r");
		if (f == NULL || milter_config_parse(f, "(defaults)", cfg, err,
		                     sizeof(err), NULL, 0) != 0) {
			if (f)
				fclose(f);
			free(cfg);
			return EXIT_USAGE;
		}
		fclose(f);
	}
	if (dns == NULL && conf && cfg->dns[0])
		dns = cfg->dns;
	if (store == NULL)
		store = cfg->report_store[0] ? cfg->report_store : NULL;
	int64_t begin = 0;
	if (day && parse_day(day, &begin) != 0)
		rc = cli_usage_error("report send",
		    "--day: '%s' is not a day (YYYY-MM-DD)", day);
	else if (day == NULL)
		begin = ((int64_t)time(NULL) / 86400 - 1) * 86400;
	if (rc == 0 && store == NULL)
		rc = cli_usage_error("report send",
		    "no store: give --store STORE or ReportStore in -c FILE");
	if (rc == 0 && cfg->report_email[0] == '\0')
		rc = cli_usage_error("report send",
		    "no ReportEmail in the configuration (-c FILE): the "
		    "reports' contact and From address");
	struct stat sb;
	if (rc == 0 && dry && (stat(dry, &sb) != 0 || !S_ISDIR(sb.st_mode)))
		rc = cli_usage_error(
		    "report send", "--dry-run: '%s' is not a folder", dry);
	if (rc) {
		milter_config_free(cfg);
		free(cfg);
		return rc;
	}
	char host[256] = "";
	if (cfg->report_org[0] == '\0' && gethostname(host, sizeof(host)) == 0)
		host[sizeof(host) - 1] = '\0';
	struct emauth_report_opts o = {0};
	o.org_name = cfg->report_org[0] ? cfg->report_org : host;
	o.email = cfg->report_email;
	o.begin = begin;
	o.end = begin + 86400;

	struct sender x = {0};
	x.o = &o;
	x.cfg = cfg;
	x.dry_run = dry;
	x.mode = cfg->dmarc_mode ? EMAUTH_DMARC_RFC7489 : EMAUTH_DMARC_RFC9989;
	if ((rc = cli_ctx_new("report send", dns, &x.ctx)) != 0)
		goto out;
	/* The key that signs: the SigningTable's for ReportEmail. */
	struct mc_key k;
	if (!dry &&
	    milter_config_keys_for(cfg, cfg->report_email, &k, 1) == 1) {
		if ((rc = cli_load_key(
		         "report send", "KeyTable", k.keyfile, &x.key)) != 0)
			goto out;
		x.key_domain = k.domain;
		x.key_selector = k.selector;
	} else if (!dry) {
		fprintf(stderr,
		    "emauth report send: warning: no key signs mail from %s "
		    "(SigningTable/KeyFile): the reports go unsigned\n",
		    cfg->report_email);
	}
	if (emauth_store_open(store, &x.store, err, sizeof(err)) != 0) {
		fprintf(stderr, "emauth report send: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}
	int br = emauth_report_build(x.store, &o, each_report, &x);
	if (br != 0) {
		if (br != EXIT_USAGE)
			fprintf(stderr, "emauth report send: %s\n",
			    br == EMAUTH_EIO || br == EMAUTH_ETOOBIG
			        ? emauth_store_error(x.store)
			        : emauth_strerror(br));
		rc = EXIT_USAGE;
		goto out;
	}
	if (dry) {
		printf("%u report%s written, nothing marked sent\n", x.written,
		    x.written == 1 ? "" : "s");
	} else {
		unsigned long pruned = 0;
		int64_t before = (int64_t)time(NULL) -
		                 (int64_t)cfg->report_keep_days * 86400;
		if (emauth_store_prune(x.store, before, &pruned) != 0)
			fprintf(stderr, "emauth report send: pruning: %s\n",
			    emauth_store_error(x.store));
		printf("%u sent, %u failed, %u not sent, %u sent before; "
		       "%lu old rows pruned\n",
		    x.sent, x.failed, x.skipped, x.already, pruned);
		rc = x.failed ? 1 : 0;
	}
out:
	emauth_store_close(x.store);
	emauth_dkim_key_free(x.key);
	emauth_ctx_free(x.ctx);
	milter_config_free(cfg);
	free(cfg);
	return rc;
}

/* The store: --store, else the configuration's ReportStore. */
static int
open_store(const char *cmd, const char *conf, const char *store,
    struct emauth_store **out)
{
	char err[1024], warn[2048];
	*out = NULL;
	struct milter_config *cfg = NULL;
	if (store == NULL && conf) {
		cfg = calloc(1, sizeof(*cfg));
		if (cfg == NULL)
			return EXIT_USAGE;
		if (milter_config_load(
		        conf, cfg, err, sizeof(err), warn, sizeof(warn)) != 0) {
			fprintf(stderr, "emauth %s: %s\n", cmd, err);
			free(cfg);
			return EXIT_USAGE;
		}
		if (cfg->report_store[0])
			store = cfg->report_store;
	}
	int rc = 0;
	if (store == NULL)
		rc = cli_usage_error(cmd,
		    "no store: give --store STORE or ReportStore in -c FILE");
	else if (emauth_store_open(store, out, err, sizeof(err)) != 0) {
		fprintf(stderr, "emauth %s: %s\n", cmd, err);
		rc = EXIT_USAGE;
	}
	if (cfg) {
		milter_config_free(cfg);
		free(cfg);
	}
	return rc;
}

struct importer {
	struct emauth_store *s;
	bool json;
	struct emauth_import_stats st;
	int io;
};

static void
print_item(void *arg, const struct emauth_import_item *it)
{
	(void)arg;
	if (it->status == EMAUTH_IMPORT_REJECTED)
		printf("rejected %s: %s\n", it->source, it->reason);
	else
		printf("%s %s %s %s (%s): %lu rows, %lu messages%s%s\n",
		    emauth_import_status_name(it->status),
		    emauth_import_kind_name(it->kind), it->org,
		    it->policy_domain, it->report_id, it->rows, it->messages,
		    it->warnings_total ? ", warnings: " : "",
		    it->warnings_total ? it->warnings[0] : "");
}

static int
import_bytes(
    struct importer *im, const char *source, const uint8_t *p, size_t n)
{
	struct emauth_import_opts o = {0};
	o.each = print_item;
	int rc = emauth_report_import(
	    im->s, source, (struct emauth_span){p, n}, &o, &im->st);
	if (rc != 0) {
		fprintf(stderr, "emauth report import: %s: %s\n", source,
		    rc == EMAUTH_EIO ? emauth_store_error(im->s)
		                     : emauth_strerror(rc));
		im->io = rc;
	}
	return rc;
}

static int
file_read(void *ctx, uint8_t *buf, size_t len, size_t *got)
{
	FILE *f = ctx;
	*got = fread(buf, 1, len, f);
	return *got == 0 && ferror(f) ? -1 : 0;
}

/* A file (or standard input), read as it comes: a large aggregate report
 * is never held whole in memory. */
static int
import_file(struct importer *im, const char *path)
{
	bool in = strcmp(path, "-") == 0;
	FILE *f = in ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "emauth report import: %s: %s\n", path,
		    strerror(errno));
		im->st.rejected++;
		return 0;
	}
	struct emauth_import_opts o = {0};
	o.each = print_item;
	const char *source = in ? "(stdin)" : path;
	int rc =
	    emauth_report_import_read(im->s, source, file_read, f, &o, &im->st);
	if (!in)
		fclose(f);
	if (rc != 0) {
		fprintf(stderr, "emauth report import: %s: %s\n", source,
		    rc == EMAUTH_EIO ? emauth_store_error(im->s)
		                     : emauth_strerror(rc));
		im->io = rc;
	}
	return rc;
}

/* A folder: a Maildir (its new/ and cur/), or every file in it. */
static int
import_dir(struct importer *im, const char *path, int depth)
{
	char sub[4096];
	struct stat sb;
	snprintf(sub, sizeof(sub), "%s/cur", path);
	bool maildir = stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode);
	if (maildir && depth == 0) {
		static const char *const parts[] = {"new", "cur"};
		for (int i = 0; i < 2; i++) {
			snprintf(sub, sizeof(sub), "%s/%s", path, parts[i]);
			if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode)) {
				int rc = import_dir(im, sub, depth + 1);
				if (rc)
					return rc;
			}
		}
		return 0;
	}
	DIR *d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "emauth report import: %s: %s\n", path,
		    strerror(errno));
		im->st.rejected++;
		return 0;
	}
	/* In name order, so that runs are repeatable. */
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof(*nn));
			if (nn == NULL) {
				rc = EMAUTH_ENOMEM;
				break;
			}
			names = nn;
		}
		if ((names[n] = strdup(e->d_name)) == NULL) {
			rc = EMAUTH_ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (rc == 0 && n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, names[i]);
		if (stat(sub, &sb) != 0)
			continue;
		if (S_ISREG(sb.st_mode))
			rc = import_file(im, sub);
		else if (S_ISDIR(sb.st_mode) && depth < 4)
			rc = import_dir(im, sub, depth + 1);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int
imap_each(void *arg, const char *source, struct emauth_span msg)
{
	struct importer *im = arg;
	return import_bytes(im, source, msg.p, msg.len);
}

/* The first line of @path (a password file), without its line end; -1
 * when it cannot be read or is longer than @size - 1 bytes (never cut). */
static int
read_secret(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	bool ok = fgets(out, (int)size, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	size_t n = strcspn(out, "\r\n");
	if (out[n] == '\0' && n == size - 1) {
		explicit_bzero(out, size);
		return -1;
	}
	out[n] = '\0';
	return 0;
}

/* @url without its user information ("imaps://host/INBOX"), for
 * messages: a password written into it by mistake is never printed. */
static void
url_shown(const char *url, char *out, size_t size)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	const char *slash = strchr(host, '/');
	const char *at = NULL;
	for (const char *p = host; *p && (slash == NULL || p < slash); p++)
		if (*p == '@')
			at = p;
	if (at)
		snprintf(out, size, "%.*s%s", (int)(host - url), url, at + 1);
	else
		snprintf(out, size, "%s", url);
}

static int
report_import(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"store", required_argument, NULL, 's'},
	    {"imap", required_argument, NULL, 'I'},
	    {"password-file", required_argument, NULL, 'P'},
	    {"archive", required_argument, NULL, 'A'},
	    {"ca-file", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *conf = NULL, *store = NULL, *imap = NULL, *pwfile = NULL,
	           *archive = NULL, *cafile = NULL;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			store = optarg;
			break;
		case 'I':
			imap = optarg;
			break;
		case 'P':
			pwfile = optarg;
			break;
		case 'A':
			archive = optarg;
			break;
		case 'C':
			cafile = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("report import", c, argv);
		}
	}
	if (imap && optind < argc)
		return cli_usage_error("report import",
		    "--imap reads the mailbox: no PATH with it");
	if (!imap && (pwfile || archive || cafile))
		return cli_usage_error("report import",
		    "--password-file, --archive and --ca-file go with --imap");
	char password[1024] = "";
	if (imap) {
		const char *env = getenv("EMAUTH_IMAP_PASSWORD");
		if (pwfile && read_secret(pwfile, password, sizeof(password)))
			return cli_usage_error("report import",
			    "--password-file %s: cannot read it (or its first "
			    "line is over %zu bytes)",
			    pwfile, sizeof(password) - 1);
		if (!pwfile && env)
			snprintf(password, sizeof(password), "%s", env);
		if (password[0] == '\0')
			return cli_usage_error("report import",
			    "--imap needs a password: --password-file FILE or "
			    "EMAUTH_IMAP_PASSWORD (never on the command line)");
	}
	struct importer im = {0};
	int rc = open_store("report import", conf, store, &im.s);
	if (rc)
		return rc;
	if (imap) {
		struct emauth_imap_opts io = {
		    imap, password, archive, cafile, 0};
		char err[600] = "";
		int r =
		    emauth_report_imap(&io, imap_each, &im, err, sizeof(err));
		explicit_bzero(password, sizeof(password));
		if (r != 0 && im.io == 0) {
			char shown[1024];
			url_shown(imap, shown, sizeof(shown));
			fprintf(stderr, "emauth report import: %s: %s\n", shown,
			    err[0] ? err : emauth_strerror(r));
			rc = EXIT_USAGE;
		}
	} else if (optind == argc) {
		import_file(&im, "-");
	} else {
		for (int i = optind; i < argc && im.io == 0; i++) {
			struct stat sb;
			if (strcmp(argv[i], "-") != 0 &&
			    stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
				import_dir(&im, argv[i], 0);
			else
				import_file(&im, argv[i]);
		}
	}
	printf("%lu imported, %lu duplicates, %lu rejected\n", im.st.imported,
	    im.st.duplicates, im.st.rejected);
	emauth_store_close(im.s);
	if (rc == 0 && im.io)
		rc = EXIT_USAGE;
	return rc ? rc : im.st.rejected ? 1 : 0;
}

static int
list_each(void *arg, const struct emauth_import_item *it)
{
	bool json = *(bool *)arg;
	if (!json) {
		printf("%s\t%s\t%s\t%s\t%s\t%" PRId64 "\t%" PRId64
		       "\t%lu\t%lu\t%s%s%s\n",
		    emauth_import_kind_name(it->kind),
		    emauth_import_status_name(it->status), it->org,
		    it->report_id, it->policy_domain, it->begin, it->end,
		    it->rows, it->messages, it->source,
		    it->reason[0] ? "\t" : "", it->reason);
		return 0;
	}
	json_object *o = json_object_new_object();
	json_object_object_add(o, "kind",
	    json_object_new_string(emauth_import_kind_name(it->kind)));
	json_object_object_add(o, "source", json_object_new_string(it->source));
	json_object_object_add(o, "status",
	    json_object_new_string(emauth_import_status_name(it->status)));
	json_object_object_add(o, "reason",
	    it->reason[0] ? json_object_new_string(it->reason) : NULL);
	json_object_object_add(o, "org", json_object_new_string(it->org));
	json_object_object_add(
	    o, "report_id", json_object_new_string(it->report_id));
	json_object_object_add(
	    o, "policy_domain", json_object_new_string(it->policy_domain));
	json_object_object_add(o, "begin", json_object_new_int64(it->begin));
	json_object_object_add(o, "end", json_object_new_int64(it->end));
	json_object_object_add(
	    o, "rows", json_object_new_int64((int64_t)it->rows));
	json_object_object_add(
	    o, "messages", json_object_new_int64((int64_t)it->messages));
	json_object *w = json_object_new_array();
	for (unsigned i = 0; i < it->nwarnings; i++)
		json_object_array_add(
		    w, json_object_new_string(it->warnings[i]));
	if (it->warnings_total > it->nwarnings) {
		char more[64];
		snprintf(more, sizeof(more), "... %u more",
		    it->warnings_total - it->nwarnings);
		json_object_array_add(w, json_object_new_string(more));
	}
	json_object_object_add(o, "warnings", w);
	puts(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}

static int
report_list(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"store", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *conf = NULL, *store = NULL;
	bool json = false;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			store = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("report list", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    "report list", "unexpected argument '%s'", argv[optind]);
	struct emauth_store *s;
	int rc = open_store("report list", conf, store, &s);
	if (rc)
		return rc;
	if (emauth_report_list(s, list_each, &json) != 0) {
		fprintf(
		    stderr, "emauth report list: %s\n", emauth_store_error(s));
		rc = EXIT_USAGE;
	}
	emauth_store_close(s);
	return rc;
}

static json_object *
source_json(const struct emauth_summary_source *x)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(x->name));
	json_object_object_add(o, "kind", json_object_new_string(x->kind));
	json_object_object_add(o, "ips", json_object_new_int((int)x->ips));
	json_object_object_add(
	    o, "messages", json_object_new_int64((int64_t)x->messages));
	json_object_object_add(
	    o, "dmarc_pass", json_object_new_int64((int64_t)x->dmarc_pass));
	json_object_object_add(
	    o, "spf_pass", json_object_new_int64((int64_t)x->spf_pass));
	json_object_object_add(
	    o, "spf_aligned", json_object_new_int64((int64_t)x->spf_aligned));
	json_object_object_add(
	    o, "dkim_pass", json_object_new_int64((int64_t)x->dkim_pass));
	json_object_object_add(
	    o, "dkim_aligned", json_object_new_int64((int64_t)x->dkim_aligned));
	json_object_object_add(
	    o, "fix", x->fix[0] ? json_object_new_string(x->fix) : NULL);
	json_object_object_add(o, "advice", json_object_new_string(x->advice));
	return o;
}

static double
rate(unsigned long a, unsigned long b)
{
	return b ? (double)a / (double)b : 0.0;
}

static json_object *
domain_json(const struct emauth_summary_domain *d)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "domain", json_object_new_string(d->domain));
	json_object_object_add(o, "policy", json_object_new_string(d->policy));
	json_object_object_add(o, "begin", json_object_new_int64(d->begin));
	json_object_object_add(o, "end", json_object_new_int64(d->end));
	json_object_object_add(
	    o, "reports", json_object_new_int((int)d->reports));
	json_object_object_add(
	    o, "messages", json_object_new_int64((int64_t)d->messages));
	json_object_object_add(
	    o, "dmarc_pass", json_object_new_int64((int64_t)d->dmarc_pass));
	json_object_object_add(o, "dmarc_pass_rate",
	    json_object_new_double(rate(d->dmarc_pass, d->messages)));
	json_object_object_add(o, "spf_aligned_rate",
	    json_object_new_double(rate(d->spf_aligned, d->messages)));
	json_object_object_add(o, "dkim_aligned_rate",
	    json_object_new_double(rate(d->dkim_aligned, d->messages)));
	json_object *disp = json_object_new_object();
	json_object_object_add(
	    disp, "none", json_object_new_int64((int64_t)d->disp_none));
	json_object_object_add(disp, "quarantine",
	    json_object_new_int64((int64_t)d->disp_quarantine));
	json_object_object_add(
	    disp, "reject", json_object_new_int64((int64_t)d->disp_reject));
	json_object_object_add(o, "dispositions", disp);
	json_object *src = json_object_new_array();
	for (size_t i = 0; i < d->nsources; i++)
		json_object_array_add(src, source_json(&d->sources[i]));
	json_object_object_add(o, "sources", src);
	json_object *r = json_object_new_object();
	json_object_object_add(
	    r, "would_reject", json_object_new_int64((int64_t)d->would_reject));
	json_object_object_add(r, "would_reject_rate",
	    json_object_new_double(rate(d->would_reject, d->messages)));
	json_object_object_add(r, "known_senders_to_fix",
	    json_object_new_int64((int64_t)d->reject_known));
	json_object_object_add(r, "unknown_sources",
	    json_object_new_int64((int64_t)d->reject_unknown));
	json_object_object_add(
	    r, "next_step", json_object_new_string(d->next_step));
	json_object_object_add(r, "why", json_object_new_string(d->why));
	json_object_object_add(o, "readiness", r);
	return o;
}

static void
print_domain(const struct emauth_summary_domain *d)
{
	char b[32] = "", e[32] = "";
	time_t tb = (time_t)d->begin, te = (time_t)d->end;
	struct tm tm;
	if (gmtime_r(&tb, &tm))
		strftime(b, sizeof(b), "%Y-%m-%d", &tm);
	if (gmtime_r(&te, &tm))
		strftime(e, sizeof(e), "%Y-%m-%d", &tm);
	printf("%s (p=%s): %lu messages in %u reports, %s to %s\n", d->domain,
	    d->policy[0] ? d->policy : "?", d->messages, d->reports, b, e);
	printf("  DMARC pass %.1f%%, SPF aligned %.1f%%, DKIM aligned %.1f%%; "
	       "receivers applied none %lu, quarantine %lu, reject %lu\n",
	    100 * rate(d->dmarc_pass, d->messages),
	    100 * rate(d->spf_aligned, d->messages),
	    100 * rate(d->dkim_aligned, d->messages), d->disp_none,
	    d->disp_quarantine, d->disp_reject);
	printf("  sources:\n");
	for (size_t i = 0; i < d->nsources; i++) {
		const struct emauth_summary_source *x = &d->sources[i];
		printf("  - %s%s: %lu messages from %u address%s: %s\n",
		    x->name, strcmp(x->kind, "known") == 0 ? "" : " (unknown)",
		    x->messages, x->ips, x->ips == 1 ? "" : "es", x->advice);
	}
	printf("  readiness: %lu messages (%.1f%%) would be rejected at "
	       "p=reject: %lu from known senders to fix, %lu from unknown "
	       "sources\n",
	    d->would_reject, 100 * rate(d->would_reject, d->messages),
	    d->reject_known, d->reject_unknown);
	printf("  next step: %s: %s\n\n", d->next_step, d->why);
}

static int
report_summary(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"store", required_argument, NULL, 's'},
	    {"domain", required_argument, NULL, 'D'},
	    {"since", required_argument, NULL, 'S'},
	    {"senders", required_argument, NULL, 'm'},
	    {"dns", required_argument, NULL, 'd'},
	    {"no-lookup", no_argument, NULL, 'n'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *conf = NULL, *store = NULL, *domain = NULL, *since = NULL,
	           *senders = NULL, *dns = NULL;
	bool json = false, lookup = true;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			store = optarg;
			break;
		case 'D':
			domain = optarg;
			break;
		case 'S':
			since = optarg;
			break;
		case 'm':
			senders = optarg;
			break;
		case 'd':
			dns = optarg;
			break;
		case 'n':
			lookup = false;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("report summary", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    "report summary", "unexpected argument '%s'", argv[optind]);
	int64_t from = 0;
	if (since && parse_day(since, &from) != 0)
		return cli_usage_error("report summary",
		    "--since: '%s' is not a day (YYYY-MM-DD)", since);
	if (domain && !cli_name_ok(domain))
		return cli_usage_error(
		    "report summary", "--domain: '%s' is not a domain", domain);
	/* The senders map: --senders, else the installed one. */
	uint8_t *map = NULL;
	size_t maplen = 0;
	int mr = cli_senders_map("report summary", senders, &map, &maplen);
	if (mr != 0)
		return mr;
	struct emauth_store *s = NULL;
	struct emauth_ctx *ctx = NULL;
	struct emauth_summary *sum = NULL;
	int rc = open_store("report summary", conf, store, &s);
	if (rc == 0)
		rc = cli_ctx_new("report summary", dns, &ctx);
	if (rc)
		goto out;
	struct emauth_summary_opts o = {
	    domain, from, 0, {map, map ? maplen : 0}, ctx, !lookup};
	char err[600] = "";
	int r = emauth_report_summary(s, &o, &sum, err, sizeof(err));
	if (r != 0) {
		fprintf(stderr, "emauth report summary: %s\n",
		    err[0]            ? err
		    : r == EMAUTH_EIO ? emauth_store_error(s)
		                      : emauth_strerror(r));
		rc = EXIT_USAGE;
		goto out;
	}
	if (json) {
		json_object *arr = json_object_new_array();
		for (size_t i = 0; i < sum->ndomains; i++)
			json_object_array_add(
			    arr, domain_json(&sum->domains[i]));
		json_object *top = json_object_new_object();
		json_object_object_add(top, "domains", arr);
		puts(json_object_to_json_string_ext(top,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(top);
	} else {
		if (sum->ndomains == 0)
			printf("no aggregate reports imported%s%s\n",
			    domain ? " for " : "", domain ? domain : "");
		for (size_t i = 0; i < sum->ndomains; i++)
			print_domain(&sum->domains[i]);
	}
out:
	emauth_summary_free(sum);
	emauth_ctx_free(ctx);
	emauth_store_close(s);
	free(map);
	return rc;
}

/* "report serve": the dashboard (src/web/, include/emauth/web.h). */

int
cli_report_store(const char *cmd, const char *conf, const char *store,
    struct emauth_store **out)
{
	return open_store(cmd, conf, store, out);
}

int
cli_senders_map(const char *cmd, const char *path, uint8_t **map, size_t *len)
{
	const char *mpath = path ? path : EMAUTH_SENDERS_MAP;
	*map = NULL;
	*len = 0;
	FILE *mf = fopen(mpath, "rb");
	if (mf == NULL && path)
		return cli_usage_error(
		    cmd, "--senders %s: %s", path, strerror(errno));
	if (mf == NULL)
		return 0;
	int r = cli_read_all(mf, 1024 * 1024, map, len);
	fclose(mf);
	if (r != 0) {
		free(*map);
		*map = NULL;
		*len = 0;
		return cli_usage_error(
		    cmd, "%s: cannot read it (at most 1 MiB)", mpath);
	}
	return 0;
}

static volatile sig_atomic_t serve_stop;

static void
serve_signal(int sig)
{
	(void)sig;
	serve_stop = 1;
}

static void
serve_log(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "emauth report serve: %s\n", line);
}

static int
report_serve(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"store", required_argument, NULL, 's'},
	    {"listen", required_argument, NULL, 'l'},
	    {"senders", required_argument, NULL, 'm'},
	    {"dns", required_argument, NULL, 'd'},
	    {"no-lookup", no_argument, NULL, 'n'},
	    {"token-file", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *conf = NULL, *store = NULL, *listen = NULL, *senders = NULL,
	           *dns = NULL, *tokfile = NULL;
	bool lookup = true;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 's':
			store = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'm':
			senders = optarg;
			break;
		case 'd':
			dns = optarg;
			break;
		case 'n':
			lookup = false;
			break;
		case 't':
			tokfile = optarg;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("report serve", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    "report serve", "unexpected argument '%s'", argv[optind]);
	char token[1024] = "";
	if (tokfile) {
		if (read_secret(tokfile, token, sizeof(token)) != 0)
			return cli_usage_error("report serve",
			    "--token-file %s: cannot read it", tokfile);
		size_t tl = strlen(token);
		if (tl < EMAUTH_WEB_TOKEN_MIN || tl > EMAUTH_WEB_TOKEN_MAX) {
			explicit_bzero(token, sizeof(token));
			return cli_usage_error("report serve",
			    "--token-file %s: the token must be %d to %d "
			    "characters",
			    tokfile, EMAUTH_WEB_TOKEN_MIN,
			    EMAUTH_WEB_TOKEN_MAX);
		}
	}
	uint8_t *map = NULL;
	size_t maplen = 0;
	struct emauth_store *s = NULL;
	struct emauth_ctx *ctx = NULL;
	int rc = cli_senders_map("report serve", senders, &map, &maplen);
	if (rc == 0)
		rc = cli_report_store("report serve", conf, store, &s);
	if (rc == 0)
		rc = cli_ctx_new("report serve", dns, &ctx);
	if (rc)
		goto out;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = serve_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct emauth_web_opts wo = {0};
	wo.store = s;
	wo.listen = listen;
	wo.token = token[0] ? token : NULL;
	wo.senders = (struct emauth_span){map, map ? maplen : 0};
	wo.ctx = ctx;
	wo.no_lookup = !lookup;
	wo.stop = &serve_stop;
	wo.log = serve_log;
	char err[600] = "";
	int r = emauth_web_serve(&wo, err, sizeof(err));
	if (r == EMAUTH_EINVAL)
		rc = cli_usage_error("report serve", "%s%s", err,
		    wo.token ? "" : " (--token-file FILE)");
	else if (r != 0) {
		fprintf(stderr, "emauth report serve: %s\n",
		    err[0] ? err : emauth_strerror(r));
		rc = EXIT_USAGE;
	}
out:
	explicit_bzero(token, sizeof(token));
	emauth_ctx_free(ctx);
	emauth_store_close(s);
	free(map);
	return rc;
}

int
cmd_report(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (strcmp(argv[1], "send") == 0)
		return report_send(argc - 1, argv + 1);
	if (strcmp(argv[1], "import") == 0)
		return report_import(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return report_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "summary") == 0)
		return report_summary(argc - 1, argv + 1);
	if (strcmp(argv[1], "serve") == 0)
		return report_serve(argc - 1, argv + 1);
	return cli_usage_error("report",
	    "unknown command '%s' (send, import, list, summary, serve)",
	    argv[1]);
}
