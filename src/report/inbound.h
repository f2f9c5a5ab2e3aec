/*
 * inbound.h (internal): the readers of what receivers send back, for
 * "emauth report import": gzip and zip extraction (the MIME walk of a
 * report message is src/msg/mime.h's), the ARF failure report (RFC 5965, RFC
 * 6591), the SMTP TLS report (RFC 8460 JSON). Each is bounded, fails closed (a
 * cap that is exceeded is an error naming the cap, never a silently shortened
 * result) and has a fuzz target. The aggregate XML reader is in xml_in.c.
 */
#ifndef EA_REPORT_INBOUND_H
#define EA_REPORT_INBOUND_H

#include "common/internal.h"

#include "msg/mime.h"

/* Archives (archive.c). */

/*
 * Decompresses the gzip data @in (one or more members) into a new buffer.
 * @param out OUT: free with ea_free().
 * @return 0, EMAUTH_ELIMIT (more than @max bytes: a decompression bomb,
 *         refused; nothing given), EMAUTH_ESYNTAX (not gzip, or corrupt),
 *         EMAUTH_ENOMEM.
 */
int ea_gunzip(struct emauth_span in, size_t max, uint8_t **out, size_t *len,
    char *err, size_t errsize);

/*
 * A gzip stream: the data of @raw (an ea_read_fn of xml_in.h, one or more
 * members) decompressed as it is read, through ea_gz_read(). Past @max
 * bytes out, ea_gz_read() fails with EMAUTH_ELIMIT (a decompression
 * bomb, refused); corrupt or truncated data fails with EMAUTH_ESYNTAX.
 * @return a new stream (ea_gz_close()), NULL when out of memory.
 */
struct ea_gz;
struct ea_gz *ea_gz_open(int (*raw)(void *ctx, uint8_t *buf, size_t len,
                             size_t *got, char *err, size_t errsize),
    void *rawctx, size_t max);
int ea_gz_read(
    void *gz, uint8_t *buf, size_t len, size_t *got, char *err, size_t errsize);
size_t ea_gz_total(const struct ea_gz *gz);
void ea_gz_close(struct ea_gz *gz);

/*
 * Calls @each for every regular file of the zip archive @in (libarchive),
 * in archive order, with its name and its bytes (valid during the call).
 * @return 0, the callback's nonzero value, EMAUTH_ELIMIT (more than
 *         @max_entries files, or more than @max bytes in all: refused),
 *         EMAUTH_ESYNTAX (not a zip, or corrupt), EMAUTH_ENOMEM.
 */
int ea_unzip(struct emauth_span in, size_t max, unsigned max_entries,
    int (*each)(void *arg, const char *name, struct emauth_span data),
    void *arg, char *err, size_t errsize);

/* ARF failure reports (arf.c). */

#define EA_ARF_WARNINGS_MAX 8

struct ea_arf {
	char feedback_type[32]; /* "auth-failure", "abuse", ... lower case */
	char user_agent[128], version[16];
	char source_ip[64];
	int64_t arrival; /* Arrival-Date as epoch seconds, 0 when none */
	char reported_domain[256];
	char auth_failure[32];       /* "dmarc", "dkim", "spf", ... */
	char identity_alignment[64]; /* "none", "dkim", "spf", "dkim,spf" */
	char delivery_result[32];
	char reporting_mta[256];
	char original_mail_from[320], original_rcpt_to[320];
	char dkim_domain[256], dkim_selector[256], dkim_identity[320];
	char spf_dns[256];
	char authentication_results[1024];
	/* From the failed message (text/rfc822-headers or message/rfc822). */
	char from[320], to[320], subject[512], message_id[320], date[128];
	int has_original; /* the failed message's headers were there */
	char warnings[EA_ARF_WARNINGS_MAX][160];
	unsigned nwarnings;
};

/*
 * Reads the ARF report @msg: a multipart/report; report-type=
 * feedback-report message with a message/feedback-report part (RFC 5965
 * §3, RFC 6591 for auth-failure). Lenient like the reports are: unknown
 * fields ignored, a missing required field (Feedback-Type, User-Agent,
 * Version) or an Arrival-Date that does not parse is a warning.
 * @return 0, EMAUTH_ENOTFOUND (not an ARF report), EMAUTH_ELIMIT and
 *         EMAUTH_ESYNTAX from the MIME walk, EMAUTH_ENOMEM.
 */
int ea_arf_parse(
    struct emauth_span msg, struct ea_arf *out, char *err, size_t errsize);

/* SMTP TLS reports (tls.c). */

#define EA_TLS_POLICIES_MAX 1000
#define EA_TLS_FAILURES_MAX 1000

struct ea_tls_failure {
	char result_type[64];
	char sending_mta_ip[64];
	char receiving_mx_hostname[256];
	char receiving_ip[64];
	unsigned long failed_session_count;
	char failure_reason_code[256];
};

struct ea_tls_policy {
	char policy_type[16]; /* "sts", "tlsa", "no-policy-found" */
	char policy_domain[256];
	unsigned long success, failure; /* total-*-session-count */
	struct ea_tls_failure *failures;
	size_t nfailures;
};

struct ea_tls_report {
	char org[256], contact[320], report_id[256];
	int64_t begin, end; /* date-range, epoch seconds */
	struct ea_tls_policy *policies;
	size_t npolicies;
	char warnings[8][160];
	unsigned nwarnings;
};

/*
 * Reads an RFC 8460 report (JSON, already decompressed) with json-c.
 * Dates are RFC 3339 ("2016-04-01T00:00:00Z"). A required member missing
 * or of the wrong type makes the report rejected with the reason in @err;
 * more than EA_TLS_POLICIES_MAX policies or EA_TLS_FAILURES_MAX failure
 * details of one policy: EMAUTH_ELIMIT.
 * @param out OUT: free with ea_tls_report_free().
 * @return 0, EMAUTH_ESYNTAX, EMAUTH_ELIMIT, EMAUTH_ENOMEM.
 */
int ea_tls_parse(struct emauth_span json, struct ea_tls_report **out, char *err,
    size_t errsize);
void ea_tls_report_free(struct ea_tls_report *r);

#endif
