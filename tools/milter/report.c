/*
 * report.c: emauth-milter's side of DMARC reporting. Every DMARC
 * evaluation goes to the verdict store through a recorder (the library's:
 * batched on its own thread, a bounded backlog while the store is down), so
 * that the mail path never waits for the store. Failure reports (RFC 9991,
 * FailureReports yes) are queued and sent by a thread of their own: the
 * destination checked (its consent in DNS when it is outside the policy
 * domain's Organizational Domain), at most FailureReportsPerHour reports an
 * hour to each destination domain, submitted through ReportSubmit.
 *
 * The recorder and the sender live as long as the process; a reload that
 * changes ReportStore starts a new recorder (the old one writes what it
 * holds first).
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <emauth/dmarc.h>
#include <emauth/report.h>

#include "milter.h"

#define FAILURE_QUEUE_MAX 64
#define RATE_DOMAINS_MAX 1024

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct emauth_recorder *rec;
static char rec_spec[1024];

/* Failure reports waiting to be sent. */
struct failure {
	char *msg;
	size_t len;
	char to[320], to_domain[256], policy_domain[256];
};
static struct failure queue[FAILURE_QUEUE_MAX];
static size_t qhead, qn;
static unsigned long failures_dropped, failures_limited, failures_sent;
static pthread_cond_t qwake = PTHREAD_COND_INITIALIZER;
static pthread_t sender;
static bool sender_on, sender_stop;
static char sender_dns[1024], sender_submit[1024], sender_from[320];
static unsigned per_hour;
static enum emauth_dmarc_mode sender_mode;

/* Reports sent this hour, per destination domain. */
static struct {
	char domain[256];
	unsigned n;
} rate[RATE_DOMAINS_MAX];
static size_t nrate;
static int64_t rate_hour;

static void
rec_log(void *arg, int level, const char *msg)
{
	(void)arg;
	mlog(level <= 3 ? ML_ERR : level == 4 ? ML_WARN : ML_NOTICE, "%s", msg);
}

/* Whether one more report may go to @domain this hour (counts it). */
static bool
rate_take(const char *domain)
{
	int64_t hour = (int64_t)time(NULL) / 3600;
	if (hour != rate_hour) {
		nrate = 0;
		rate_hour = hour;
	}
	for (size_t i = 0; i < nrate; i++)
		if (strcasecmp(rate[i].domain, domain) == 0) {
			if (rate[i].n >= per_hour)
				return false;
			rate[i].n++;
			return true;
		}
	if (nrate == RATE_DOMAINS_MAX || per_hour == 0)
		return false;
	snprintf(rate[nrate].domain, sizeof(rate[nrate].domain), "%s", domain);
	rate[nrate++].n = 1;
	return true;
}

static bool
same_org(struct emauth_ctx *ctx, const char *a, const char *b, bool *dns)
{
	char oa[256], ob[256];
	if (emauth_dmarc_org_domain(ctx, a, sender_mode, oa, sizeof(oa)) != 0 ||
	    emauth_dmarc_org_domain(ctx, b, sender_mode, ob, sizeof(ob)) != 0) {
		*dns = true;
		return false;
	}
	return strcasecmp(oa, ob) == 0;
}

static void *
send_loop(void *arg)
{
	(void)arg;
	struct emauth_ctx *ctx = NULL;
	if (emauth_ctx_new(&ctx) == 0 && sender_dns[0])
		emauth_ctx_set_dns(ctx, sender_dns, NULL);
	pthread_mutex_lock(&lock);
	for (;;) {
		while (qn == 0 && !sender_stop)
			pthread_cond_wait(&qwake, &lock);
		if (qn == 0 && sender_stop)
			break;
		struct failure f = queue[qhead];
		memset(&queue[qhead], 0, sizeof(queue[qhead]));
		qhead = (qhead + 1) % FAILURE_QUEUE_MAX;
		qn--;
		pthread_mutex_unlock(&lock);
		bool dns = false, ok = true;
		if (ctx && !same_org(ctx, f.policy_domain, f.to_domain, &dns)) {
			int a = dns ? -1
			            : emauth_dmarc_report_authorized(
			                  ctx, f.policy_domain, f.to_domain);
			if (a != 1) {
				mlog(ML_NOTICE,
				    "failure report for %s to %s not sent: %s",
				    f.policy_domain, f.to,
				    a == 0 ? "the destination does not consent "
				             "(no _report._dmarc record)"
				           : "DNS failure checking the "
				             "destination");
				ok = false;
			}
		}
		if (ok) {
			char err[600];
			const char *rcpt[] = {f.to};
			if (emauth_report_submit(sender_submit, sender_from,
			        rcpt, 1, f.msg, f.len, err, sizeof(err)) != 0)
				mlog(ML_WARN,
				    "failure report for %s to %s not sent: %s",
				    f.policy_domain, f.to, err);
			else {
				mlog(ML_INFO,
				    "failure report for %s sent to %s",
				    f.policy_domain, f.to);
				pthread_mutex_lock(&lock);
				failures_sent++;
				pthread_mutex_unlock(&lock);
			}
		}
		free(f.msg);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	emauth_ctx_free(ctx);
	return NULL;
}

void
milter_report_setup(const struct milter_config *c)
{
	struct emauth_recorder *old = NULL, *fresh = NULL;
	/* The threads started here (the recorder's, the sender) take none
	 * of the signals main() waits for with sigwait(): one handed to
	 * them (SIGTERM, SIGHUP, SIGUSR1) would end the process. They
	 * inherit this mask. */
	sigset_t block, saved;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, &saved);
	pthread_mutex_lock(&lock);
	bool same = strcmp(rec_spec, c->report_store) == 0;
	pthread_mutex_unlock(&lock);
	if (!same && c->report_store[0]) {
		struct emauth_recorder_opts o = {0};
		o.spec = c->report_store;
		o.backlog_max = c->report_backlog;
		o.log = rec_log;
		if (emauth_recorder_new(&o, &fresh) != 0)
			mlog(ML_ERR, "ReportStore: cannot start the recorder");
	}
	pthread_mutex_lock(&lock);
	if (!same) {
		old = rec;
		rec = fresh;
		snprintf(rec_spec, sizeof(rec_spec), "%s", c->report_store);
	}
	snprintf(sender_dns, sizeof(sender_dns), "%s", c->dns);
	snprintf(sender_submit, sizeof(sender_submit), "%s", c->report_submit);
	snprintf(sender_from, sizeof(sender_from), "%s", c->report_email);
	per_hour = c->failure_per_hour;
	sender_mode =
	    c->dmarc_mode ? EMAUTH_DMARC_RFC7489 : EMAUTH_DMARC_RFC9989;
	bool start = c->failure_reports && !sender_on;
	if (start)
		sender_on = true;
	pthread_mutex_unlock(&lock);
	if (start && pthread_create(&sender, NULL, send_loop, NULL) != 0) {
		mlog(ML_ERR, "FailureReports: cannot start the sender");
		pthread_mutex_lock(&lock);
		sender_on = false;
		pthread_mutex_unlock(&lock);
	}
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	/* The old recorder writes what it holds (up to 10 s). */
	emauth_recorder_free(old, 10000);
}

void
milter_report_stop(void)
{
	pthread_mutex_lock(&lock);
	struct emauth_recorder *r = rec;
	rec = NULL;
	rec_spec[0] = '\0';
	bool join = sender_on;
	sender_stop = true;
	pthread_cond_broadcast(&qwake);
	pthread_mutex_unlock(&lock);
	if (join)
		pthread_join(sender, NULL);
	emauth_recorder_free(r, 10000);
}

void
milter_report_verdict(const struct milter_config *c,
    const struct emauth_report_row *row, const char *mail_from, const char *hdr,
    size_t hlen, bool with_body)
{
	pthread_mutex_lock(&lock);
	if (rec)
		emauth_recorder_add(rec, row);
	bool failures = sender_on && !sender_stop && c->failure_reports;
	pthread_mutex_unlock(&lock);
	if (!failures || hdr == NULL ||
	    !emauth_report_failure_due(row, row->fo))
		return;
	struct emauth_report_uri u[4];
	int n = emauth_report_uris(row->ruf, u, 4);
	struct emauth_failure_opts fo = {0};
	fo.from = c->report_email[0] ? c->report_email : "postmaster";
	fo.reporter = c->authserv_id;
	fo.redact = c->failure_redact;
	fo.include_body = with_body;
	fo.mail_from = mail_from;
	for (int i = 0; i < n; i++) {
		pthread_mutex_lock(&lock);
		bool allowed = rate_take(u[i].domain);
		if (!allowed)
			failures_limited++;
		bool full = qn == FAILURE_QUEUE_MAX;
		pthread_mutex_unlock(&lock);
		if (!allowed)
			continue;
		char *msg = NULL;
		size_t len = 0;
		if (emauth_report_failure_message(row,
		        (struct emauth_span){(const uint8_t *)hdr, hlen}, &fo,
		        u[i].address, (int64_t)time(NULL), &msg, &len) != 0)
			continue;
		if (u[i].max_size && len > u[i].max_size) {
			free(msg);
			continue;
		}
		pthread_mutex_lock(&lock);
		if (full || qn == FAILURE_QUEUE_MAX) {
			failures_dropped++;
			free(msg);
		} else {
			struct failure *f =
			    &queue[(qhead + qn) % FAILURE_QUEUE_MAX];
			f->msg = msg;
			f->len = len;
			_Static_assert(
			    sizeof(f->to) == sizeof(u[i].address) &&
			        sizeof(f->to_domain) == sizeof(u[i].domain) &&
			        sizeof(f->policy_domain) ==
			            sizeof(row->policy_domain),
			    "the same sizes");
			memcpy(f->to, u[i].address, sizeof(f->to));
			memcpy(f->to_domain, u[i].domain, sizeof(f->to_domain));
			memcpy(f->policy_domain, row->policy_domain,
			    sizeof(f->policy_domain));
			qn++;
			pthread_cond_signal(&qwake);
		}
		pthread_mutex_unlock(&lock);
	}
}

void
milter_report_stats(char *out, size_t size)
{
	struct emauth_recorder_stats s = {0};
	pthread_mutex_lock(&lock);
	if (rec)
		emauth_recorder_stats(rec, &s);
	snprintf(out, size,
	    "report-store=%s recorded=%lu written=%lu pending=%lu dropped=%lu "
	    "failure-reports-sent=%lu failure-reports-limited=%lu "
	    "failure-reports-dropped=%lu",
	    rec ? "on" : "off", s.queued, s.written, s.pending, s.dropped,
	    failures_sent, failures_limited, failures_dropped);
	pthread_mutex_unlock(&lock);
}
