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
 * Submits @msg from @from to the @n addresses @rcpt through @via: the path
 * of a sendmail program (run as "sendmail -i -f FROM -- RCPT...", the
 * message on its standard input) or "smtp://host[:port]".
 * @param err OUT: why the submission failed.
 * @return 0, EMAUTH_EIO (failed: retry later), EMAUTH_EINVAL.
 */
EMAUTH_API int emauth_report_submit(const char *via, const char *from,
    const char *const *rcpt, size_t n, const char *msg, size_t len, char *err,
    size_t errsize);

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
