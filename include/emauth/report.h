/*
 * report.h: DMARC reports from the receiving side (RFC 9990, RFC 9991).
 *
 * The verdict store keeps one row per DMARC evaluation (struct
 * emauth_report_row), in SQLite (a file, "sqlite:PATH") or PostgreSQL (a
 * connection string, "postgresql://..." or "postgres://..."), behind one
 * interface; the schema is created and migrated by the library and carries
 * its version. A recorder (emauth_recorder_*) batches rows to the store on
 * a thread of its own, so that a mail server never waits for it: when the
 * store is down it keeps a bounded backlog in memory and counts what it had
 * to drop.
 *
 * From the store, emauth_report_build() makes the aggregate reports of a
 * period: one per policy domain that published rua=, in the RFC 9990
 * format (urn:ietf:params:xml:ns:dmarc-2.0), gzipped, with the file name,
 * subject and message RFC 9990 §5 asks for. The store remembers, per report
 * and destination, what was sent (emauth_store_mark_sent()), so that a
 * rerun sends nothing twice and a failed submission is retried.
 * emauth_report_failure_message() writes an RFC 9991 failure report (an ARF
 * message, RFC 5965 and RFC 6591). emauth_report_submit() hands a message
 * to sendmail or an SMTP server.
 */
#ifndef EMAUTH_REPORT_H
#define EMAUTH_REPORT_H

#include <emauth/dmarc.h>
#include <emauth/emauth.h>
#include <emauth/verdict.h>

#ifdef __cplusplus
extern "C" {
#endif

/* At most this many DKIM signatures of one message are recorded; a row
 * says how many there were (dkim_total). */
#define EMAUTH_REPORT_DKIM_MAX 16

struct emauth_report_dkim {
	char domain[256];   /* d= */
	char selector[256]; /* s= */
	enum emauth_result result;
};

/* One DMARC evaluation, as recorded. Strings are "" when not known. */
struct emauth_report_row {
	int64_t time;            /* when the message was received (epoch) */
	char ip[64];             /* the SMTP client */
	char header_from[256];   /* the RFC5322.From domain */
	char envelope_from[256]; /* the RFC5321.MailFrom domain */
	char envelope_to[256];   /* the recipient's domain */
	char spf_domain[256];    /* the domain SPF checked */
	char spf_scope[8];       /* "mfrom" or "helo" */
	enum emauth_result spf_result;
	struct emauth_report_dkim dkim[EMAUTH_REPORT_DKIM_MAX];
	unsigned ndkim, dkim_total;
	/* The policy record in force. */
	char policy_domain[256];
	enum emauth_dmarc_policy p, sp, np;
	char adkim, aspf;   /* 'r' or 's' */
	int testing;        /* t=y */
	char psd;           /* 'y', 'n' or 'u' */
	char discovery[12]; /* "treewalk" or "psl" */
	char rua[1024], ruf[1024], fo[16];
	/* The outcome. */
	enum emauth_result dmarc; /* pass, fail, none, temperror, permerror */
	int dkim_aligned, spf_aligned;        /* an aligned pass */
	enum emauth_dmarc_policy disposition; /* applied (none when unset) */
	/* An override of the policy, RFC 9990's words ("local_policy",
	 * "mailing_list", "other", "policy_test_mode", "trusted_forwarder"),
	 * and a comment; "" when none. */
	char override_type[24];
	char override_comment[256];
};

/* What a receiver knows besides the verdict. */
struct emauth_report_env {
	int64_t time;
	const char *ip;              /* the SMTP client's address */
	enum emauth_dmarc_mode mode; /* how the policy was found */
	const char *mail_from; /* the reverse-path ("" for the null one) */
	const char *rcpt_to;   /* the (first) recipient, or NULL */
	/* The disposition applied; EMAUTH_DMARC_UNSET means the one the
	 * policy asked for. */
	enum emauth_dmarc_policy applied;
	const char *override_type, *override_comment; /* or NULL */
};

/**
 * Fills @out from the verdict @v of one message.
 * @return 0; EMAUTH_EINVAL when @v has no DMARC evaluation and no From
 *         problem (nothing to record).
 */
EMAUTH_API int emauth_report_row_from_verdict(const struct emauth_verdict *v,
    const struct emauth_report_env *env, struct emauth_report_row *out);

struct emauth_store;

/**
 * Opens the store named by @spec ("sqlite:PATH", "postgresql://...",
 * "postgres://..."), creating or migrating its schema.
 * @param err OUT: on failure, what is wrong (never holds a password).
 * @param out OUT: close with emauth_store_close().
 * @return 0, EMAUTH_EINVAL (not a store name), EMAUTH_EIO (cannot open or
 *         migrate; see @err), EMAUTH_ESTATE (the schema is newer than
 *         this library), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_store_open(
    const char *spec, struct emauth_store **out, char *err, size_t errsize);
/** Closes @s; NULL does nothing. */
EMAUTH_API void emauth_store_close(struct emauth_store *s);
/** The last error of @s, for people (never a password). */
EMAUTH_API const char *emauth_store_error(const struct emauth_store *s);
/** The schema version this library writes. */
EMAUTH_API int emauth_store_schema_version(void);

/**
 * Adds @n rows in one transaction: all or none.
 * @return 0, EMAUTH_EIO (the store failed; nothing was added).
 */
EMAUTH_API int emauth_store_add(
    struct emauth_store *s, const struct emauth_report_row *rows, size_t n);

/**
 * Deletes rows received before @before that are reported (the report of
 * their policy domain and day is marked sent or given up) or have nothing
 * to report (no rua).
 * @param deleted OUT, may be NULL: how many rows went.
 * @return 0, EMAUTH_EIO.
 */
EMAUTH_API int emauth_store_prune(
    struct emauth_store *s, int64_t before, unsigned long *deleted);

/* Reports. */

struct emauth_report_opts {
	const char *org_name;      /* report_metadata org_name */
	const char *email;         /* the contact and the From address */
	const char *extra_contact; /* or NULL */
	/* The receiver's domain in file names and subjects; NULL: the
	 * domain of @email. */
	const char *receiver;
	int64_t begin, end; /* the period: [begin, end) */
	/* Whether the report of a policy domain is wanted: NULL for all. */
	int (*want)(void *arg, const char *policy_domain);
	void *want_arg;
};

/* One aggregate report; valid during the callback. */
struct emauth_report {
	const char *policy_domain;
	const char *rua;       /* the rua= in force (comma-separated URIs) */
	const char *report_id; /* letters and digits */
	int64_t begin, end;    /* the date range (end inclusive) */
	const char *filename;  /* receiver!domain!begin!end!id.xml.gz */
	const char *subject;
	const char *xml;
	size_t xml_len;
	const unsigned char *gz;
	size_t gz_len;
	unsigned records;       /* <record> elements */
	unsigned long messages; /* the sum of their counts */
};

/**
 * Builds the aggregate reports of the period in @o from @s: one per policy
 * domain with a rua= among its rows and at least one row; calls @each for
 * each (a nonzero return stops the walk and is returned).
 * @return 0, the callback's value, EMAUTH_EIO, EMAUTH_ETOOBIG (a report
 *         over EMAUTH_REPORT_XML_MAX: none of it is given), EMAUTH_EINVAL
 *         (no org_name or email), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_report_build(struct emauth_store *s,
    const struct emauth_report_opts *o,
    int (*each)(void *arg, const struct emauth_report *r), void *arg);

#define EMAUTH_REPORT_XML_MAX (256u * 1024 * 1024)

/* A report destination from rua= or ruf=. */
struct emauth_report_uri {
	char address[320]; /* the mailto: address, %-decoded */
	char domain[256];  /* its domain */
	uint64_t max_size; /* the !size limit in bytes, 0 for none */
};

/**
 * Parses the comma-separated URIs @list (rua= or ruf=) into @out; only
 * mailto: URIs are kept (RFC 9990 has no other scheme).
 * @return the number kept (at most @max), EMAUTH_ESYNTAX (none usable).
 */
EMAUTH_API int emauth_report_uris(
    const char *list, struct emauth_report_uri *out, size_t max);

/**
 * Writes the message that carries report @r to @to: multipart/mixed, a
 * text part and the gzipped report (RFC 9990 §5). No DKIM signature.
 * @param out OUT: the message with CRLF line ends; free with free().
 * @return 0, EMAUTH_ENOMEM, EMAUTH_EINVAL.
 */
EMAUTH_API int emauth_report_message(const struct emauth_report *r,
    const struct emauth_report_opts *o, const char *to, int64_t now, char **out,
    size_t *len);

/* What a destination's sent state is. */
enum emauth_report_state {
	EMAUTH_REPORT_NEW = 0, /* never tried */
	EMAUTH_REPORT_SENT,    /* submitted */
	EMAUTH_REPORT_FAILED,  /* tried, to be retried */
	EMAUTH_REPORT_SKIPPED  /* given up for good (unauthorized, size) */
};

/** The state of report (@policy_domain, @begin) for @dest.
 * @return the state (>= 0), EMAUTH_EIO. */
EMAUTH_API int emauth_store_sent_state(struct emauth_store *s,
    const char *policy_domain, int64_t begin, const char *dest);
/** Records the state of report @r for @dest, with a note for people.
 * @return 0, EMAUTH_EIO. */
EMAUTH_API int emauth_store_mark_sent(struct emauth_store *s,
    const struct emauth_report *r, const char *dest,
    enum emauth_report_state state, const char *note);

/* Failure reports (RFC 9991). */

/**
 * Whether a failure report is due under fo= @fo for row @r: "0" (the
 * default): DMARC failed; "1": SPF or DKIM gave no aligned pass; "d": a
 * DKIM signature failed; "s": SPF failed. Several options are
 * colon-separated.
 */
EMAUTH_API int emauth_report_failure_due(
    const struct emauth_report_row *r, const char *fo);

struct emauth_failure_opts {
	const char *from;      /* the reporter's address */
	const char *reporter;  /* Reporting-MTA / the receiver's name */
	int include_body;      /* add the body of the failed message */
	int redact;            /* replace local parts by "redacted" */
	const char *mail_from; /* the reverse-path, or NULL */
};

/**
 * Writes an RFC 9991 failure report about row @r and the failed message
 * @msg (its header block and, with include_body, its body): an ARF message
 * (RFC 5965 multipart/report; report-type=feedback-report, RFC 6591
 * Feedback-Type: auth-failure) to @to.
 * @param out OUT: free with free().
 * @return 0, EMAUTH_ENOMEM, EMAUTH_ETOOBIG (over 1 MiB).
 */
EMAUTH_API int emauth_report_failure_message(const struct emauth_report_row *r,
    struct emauth_span msg, const struct emauth_failure_opts *o, const char *to,
    int64_t now, char **out, size_t *len);

/**
 * Submits @msg from @from ("" for the null reverse-path) to the @n
 * addresses @rcpt through @via: the path
 * of a sendmail program (run as "sendmail -i -f FROM -- RCPT...", the
 * message on its standard input) or "smtp://host[:port]".
 * @param err OUT: why the submission failed.
 * @return 0, EMAUTH_EIO (failed: retry later), EMAUTH_EINVAL.
 */
EMAUTH_API int emauth_report_submit(const char *via, const char *from,
    const char *const *rcpt, size_t n, const char *msg, size_t len, char *err,
    size_t errsize);

/* Reading reports: import (aggregate, failure, SMTP TLS), list, summary. */

enum emauth_import_kind {
	EMAUTH_IMPORT_AGGREGATE = 0,
	EMAUTH_IMPORT_FAILURE,
	EMAUTH_IMPORT_TLS,
	EMAUTH_IMPORT_BOUNCE
};
/** "aggregate", "failure", "tls", "bounce". */
EMAUTH_API const char *emauth_import_kind_name(enum emauth_import_kind k);

enum emauth_import_status {
	EMAUTH_IMPORT_IMPORTED = 0,
	EMAUTH_IMPORT_DUPLICATE, /* same reporter and report id: kept once */
	EMAUTH_IMPORT_REJECTED   /* could not be read: see reason */
};
/** "imported", "duplicate", "rejected". */
EMAUTH_API const char *emauth_import_status_name(enum emauth_import_status s);

#define EMAUTH_IMPORT_WARNINGS_MAX 16

/* One imported item (a report, or what could not be read). */
struct emauth_import_item {
	int64_t id; /* in the store; 0 when not stored */
	enum emauth_import_kind kind;
	enum emauth_import_status status;
	char source[1024]; /* the file, and the part of it: "a.eml#2
	                      x.zip/r.xml" */
	char reason[512];  /* why it was rejected */
	char org[256];     /* the reporter */
	char report_id[256];
	char policy_domain[256];
	int64_t begin, end;
	unsigned long rows, messages;
	int64_t imported_at;
	char warnings[EMAUTH_IMPORT_WARNINGS_MAX][200];
	unsigned nwarnings, warnings_total;
};

struct emauth_import_opts {
	size_t max_bytes;   /* decompressed bytes of one input (256 MiB) */
	unsigned max_depth; /* containers in containers (8) */
	int64_t now;        /* the import time (0: now) */
	/* Called for each item, after it is stored; may be NULL. */
	void (*each)(void *arg, const struct emauth_import_item *it);
	void *arg;
};

struct emauth_import_stats {
	unsigned long imported, duplicates, rejected;
};

/**
 * Imports what @data holds (@source names it in the store and in
 * messages): an aggregate report (XML in any schema seen in the wild, gzip
 * or zip), a failure report (ARF), an SMTP TLS report (JSON, gzip), a
 * message carrying any of these (in any MIME nesting), or an mbox of such
 * messages. Each item is recorded with where it came from; a duplicate
 * (same kind, reporter and report id) is recorded as such and its data not
 * again; what cannot be read is recorded as rejected with the reason, and
 * the rest goes on.
 * @param stats OUT, may be NULL: added to.
 * @return 0 (see @stats for what was rejected), EMAUTH_EIO (the store),
 *         EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_report_import(struct emauth_store *s, const char *source,
    struct emauth_span data, const struct emauth_import_opts *o,
    struct emauth_import_stats *stats);

/**
 * A source of bytes for emauth_report_import_read(): up to @len bytes into
 * @buf, *@got = 0 at the end.
 * @return 0, nonzero when the reading failed.
 */
typedef int (*emauth_read_fn)(void *ctx, uint8_t *buf, size_t len, size_t *got);

/**
 * emauth_report_import() on what @read gives (a file, a pipe): an
 * aggregate report in XML, or gzipped XML, is read as it comes, memory
 * flat in its size (at most 512 MiB of XML, @o's max_bytes decompressed);
 * anything else is read whole first (at most 512 MiB). A failure of @read
 * or a cap that is exceeded rejects the input with the reason, never
 * imports part of a report.
 * @return as emauth_report_import().
 */
EMAUTH_API int emauth_report_import_read(struct emauth_store *s,
    const char *source, emauth_read_fn read, void *ctx,
    const struct emauth_import_opts *o, struct emauth_import_stats *stats);

/**
 * Calls @each for every imported item in the store, oldest first.
 * @return 0, the callback's nonzero value, EMAUTH_EIO.
 */
EMAUTH_API int emauth_report_list(struct emauth_store *s,
    int (*each)(void *arg, const struct emauth_import_item *it), void *arg);

/* What the imported aggregate reports say, per policy domain. */

struct emauth_summary_source {
	char name[128]; /* a known sender, a reverse-DNS base domain, or the
	                   address itself */
	char kind[8];   /* "known", "rdns" or "ip" */
	unsigned ips;   /* distinct source addresses */
	unsigned long messages, dmarc_pass, spf_pass, spf_aligned, dkim_pass,
	    dkim_aligned;
	char fix[256];         /* from the senders map, for a known sender */
	char advice[512];      /* what it passes and fails, and what to do */
	char (*addresses)[64]; /* its @ips addresses, valid until
	                          emauth_summary_free() */
};

struct emauth_summary_domain {
	char domain[256];
	char policy[16]; /* p= of the latest report */
	int64_t begin, end;
	unsigned reports;
	unsigned long messages, dmarc_pass, spf_aligned, dkim_aligned;
	unsigned long disp_none, disp_quarantine, disp_reject;
	struct emauth_summary_source *sources; /* most messages first */
	size_t nsources;
	/* Readiness: what p=reject would reject, and from whom. */
	unsigned long would_reject, reject_known, reject_unknown;
	char next_step[32]; /* "p=quarantine", "p=reject", "fix senders",
	                       "stay", "publish rua" */
	char why[1024];
};

struct emauth_summary {
	struct emauth_summary_domain *domains;
	size_t ndomains;
};

struct emauth_summary_opts {
	const char *domain;   /* one policy domain, or NULL for all */
	int64_t since, until; /* report periods ending in [since, until);
	                         0 for no bound */
	/* The senders map: lines "Name|rule,rule,...|fix" where a rule is
	 * dkim:DOMAIN, spf:DOMAIN (the SPF / envelope domain), rdns:DOMAIN
	 * (the confirmed reverse-DNS name under DOMAIN) or ip:CIDR; "#"
	 * starts a comment. NULL: none. */
	struct emauth_span senders;
	/* Reverse DNS of the source addresses through @ctx (cached in the
	 * store), and their base domains (the Public Suffix List); NULL:
	 * neither (the cache is still read). */
	struct emauth_ctx *ctx;
	int no_lookup; /* read the cache only, look nothing up */
};

/**
 * Sums the imported aggregate reports up.
 * @param out OUT: free with emauth_summary_free().
 * @return 0, EMAUTH_EIO, EMAUTH_ESYNTAX (a line of the senders map does not
 *         parse; @err names it), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_report_summary(struct emauth_store *s,
    const struct emauth_summary_opts *o, struct emauth_summary **out, char *err,
    size_t errsize);
EMAUTH_API void emauth_summary_free(struct emauth_summary *sum);

/* The imported data, for the dashboard and exports. Strings hold what
 * the reporters wrote (cleaned to UTF-8): escape them before showing. */

struct emauth_day_stat {
	int64_t day; /* 00:00 UTC of the report period's start */
	unsigned long messages, dmarc_pass;
};

/**
 * Messages and DMARC passes per day for @domain (report periods ending in
 * [@since, @until); 0 for no bound).
 * @return 0, the callback's value, EMAUTH_EIO.
 */
EMAUTH_API int emauth_report_timeline(struct emauth_store *s,
    const char *domain, int64_t since, int64_t until,
    int (*each)(void *arg, const struct emauth_day_stat *d), void *arg);

struct emauth_agg_row {
	int64_t import_id;
	char org[256], report_id[256];
	int64_t begin, end;
	char source_ip[64];
	unsigned long count;
	char disposition[16], dkim[8], spf[8]; /* as reported */
	char header_from[256], envelope_from[256], envelope_to[256];
	char reasons[600];       /* "type: comment" lines */
	char dkim_results[2400]; /* "domain TAB selector TAB result" lines */
	char spf_results[1200];  /* "domain TAB scope TAB result" lines */
};

/**
 * The aggregate report records of @domain (NULL: all), of the source
 * address @ip (NULL: all), newest report first.
 * @return 0, the callback's value, EMAUTH_EIO.
 */
EMAUTH_API int emauth_report_rows(struct emauth_store *s, const char *domain,
    const char *ip, int64_t since, int64_t until,
    int (*each)(void *arg, const struct emauth_agg_row *r), void *arg);

struct emauth_failure_item {
	int64_t import_id;
	char source[1024];
	char feedback_type[32], reported_domain[256], source_ip[64];
	int64_t arrival;
	char auth_failure[32], identity_alignment[64], delivery_result[32];
	char original_mail_from[320], original_rcpt_to[320];
	char dkim_domain[256], dkim_selector[256];
	char msg_from[320], msg_subject[512], msg_id[320];
};

/** The failure reports of @domain (NULL: all), newest first.
 * @return 0, the callback's value, EMAUTH_EIO. */
EMAUTH_API int emauth_report_failures(struct emauth_store *s,
    const char *domain,
    int (*each)(void *arg, const struct emauth_failure_item *f), void *arg);

struct emauth_tls_item {
	int64_t import_id;
	char org[256], report_id[256];
	int64_t begin, end;
	char policy_type[16], policy_domain[256];
	unsigned long success, failure;
	/* "result-type TAB sending-ip TAB receiving-mx TAB count" lines */
	char failures[4096];
	unsigned long failures_total; /* lines, kept or not */
};

/** The SMTP TLS report policies of @domain (NULL: all), newest first.
 * @return 0, the callback's value, EMAUTH_EIO. */
EMAUTH_API int emauth_report_tls(struct emauth_store *s, const char *domain,
    int (*each)(void *arg, const struct emauth_tls_item *t), void *arg);

/* A bounce recipient as `report import` or `bounce route` recorded it
 * (issue #20; <emauth/bounce.h> says what the fields hold). */
struct emauth_bounce_item {
	int64_t import_id;
	char source[1024]; /* the import's source (a file, a mailbox) */
	char org[256];     /* the reporting MTA, or the bounce's writer */
	char recipient[320], rcpt_domain[256];
	char action[32], status[32], reply_code[8];
	char reason[64];
	char auth[16]; /* "dmarc", "dkim", "spf", "ptr" or "" */
	int hard;
	char diagnostic[1100], remote_mta[256];
	char original_from[320], from_domain[256], original_message_id[320];
	int64_t arrival;
};

/** The bounces of mail from @from_domain (the original sender's domain;
 * NULL: all), newest first.
 * @return 0, the callback's value, EMAUTH_EIO, EMAUTH_ENOMEM. */
EMAUTH_API int emauth_report_bounces(struct emauth_store *s,
    const char *from_domain,
    int (*each)(void *arg, const struct emauth_bounce_item *b), void *arg);

/* Reports from an IMAP mailbox (libcurl's IMAP). */

struct emauth_imap_opts {
	/* imaps://USER@HOST[:PORT]/MAILBOX (or imap:// with STARTTLS
	 * required). */
	const char *url;
	const char *password; /* never from the command line */
	/* Where a message goes once imported (MOVE, or COPY and delete), or
	 * NULL: the message is marked \Seen and later runs skip it. */
	const char *archive;
	const char *ca_file; /* a CA bundle to trust, or NULL for the
	                        system's */
	size_t max_message;  /* bytes of one message (64 MiB) */
};

/**
 * Fetches the messages of the mailbox (the unseen ones when there is no
 * archive folder) and calls @each for each, with a source name
 * ("imaps://host/MAILBOX;UID=N"); when @each returns 0 the message is
 * moved to the archive folder (or marked seen). A nonzero return stops the
 * run, the message staying where it was.
 * @return 0, the callback's value, EMAUTH_EIO (the server: see @err),
 *         EMAUTH_EINVAL (not an imap(s):// URL with a mailbox),
 *         EMAUTH_ETOOBIG (a message over max_message: left in place, the
 *         run stops), EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_report_imap(const struct emauth_imap_opts *o,
    int (*each)(void *arg, const char *source, struct emauth_span msg),
    void *arg, char *err, size_t errsize);

/* The recorder: rows to the store, off the caller's path. */

struct emauth_recorder_opts {
	const char *spec;   /* the store */
	size_t backlog_max; /* rows kept while the store is down (10000) */
	unsigned batch_ms;  /* the longest a row waits (1000) */
	unsigned retry_ms;  /* between attempts to reach the store (5000) */
	/* Where the recorder's few messages go (level as syslog's), or
	 * NULL. Called on the recorder's thread; "backlog full" on the
	 * thread of the emauth_recorder_add() that found it full. */
	void (*log)(void *arg, int level, const char *msg);
	void *log_arg;
};

struct emauth_recorder;

/**
 * Starts a recorder; the store is opened on its thread (a store that is
 * down now is tried again later).
 * @return 0, EMAUTH_EINVAL, EMAUTH_ENOMEM.
 */
EMAUTH_API int emauth_recorder_new(
    const struct emauth_recorder_opts *o, struct emauth_recorder **out);
/**
 * Queues a copy of @row; never waits for the store.
 * @return 0, EMAUTH_ELIMIT (the backlog is full: the row is dropped and
 *         counted).
 */
EMAUTH_API int emauth_recorder_add(
    struct emauth_recorder *r, const struct emauth_report_row *row);

struct emauth_recorder_stats {
	unsigned long queued, written, dropped, pending, failures;
};
EMAUTH_API void emauth_recorder_stats(
    struct emauth_recorder *r, struct emauth_recorder_stats *out);
/**
 * Writes what is queued (waiting at most @wait_ms for the store) and
 * stops; NULL does nothing.
 */
EMAUTH_API void emauth_recorder_free(
    struct emauth_recorder *r, unsigned wait_ms);

#ifdef __cplusplus
}
#endif

#endif
