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
#include <getopt.h>
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

#include "cli.h"
#include "config.h"

static const char help[] =
    "usage: emauth report send [-c FILE] [--store STORE] [--dns SPEC]\n"
    "                          [--day YYYY-MM-DD] [--dry-run DIR]\n"
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
	return cli_usage_error(
	    "report", "unknown command '%s' (send)", argv[1]);
}
