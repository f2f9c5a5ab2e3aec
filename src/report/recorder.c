/*
 * recorder.c: rows to the store on a thread of its own. The caller's path
 * (a milter callback) only packs the row and appends it to a ring of at
 * most backlog_max rows; the thread writes what is queued every batch_ms in
 * one transaction and removes it from the ring only once it is committed,
 * so that a crash loses at most what was queued since the last batch. When
 * the store cannot be reached the ring keeps filling; when it is full, new
 * rows are dropped and counted. Each change between "up" and "down" is
 * logged once.
 */
#include "common/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/span.h"
#include "report/report.h"
#include "report/store.h"

#define BATCH_MAX 2000

struct emauth_recorder {
	char *spec;
	size_t cap;
	unsigned batch_ms, retry_ms;
	void (*log)(void *, int, const char *);
	void *log_arg;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	char **ring;
	size_t head, n;
	bool stop;
	unsigned stop_wait_ms;
	struct emauth_recorder_stats st;
	bool dropping; /* logged that rows are dropped */

	struct emauth_store *s; /* the thread's own */
	bool down;              /* logged that the store is down */
};

static void say(struct emauth_recorder *r, int level, const char *fmt, ...)
    EA_PRINTF(3, 4);

static void
say(struct emauth_recorder *r, int level, const char *fmt, ...)
{
	if (r->log == NULL)
		return;
	char m[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	r->log(r->log_arg, level, m);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
deadline(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* Opens the store when it is not; logs the change once. */
static bool
connect_store(struct emauth_recorder *r)
{
	if (r->s)
		return true;
	char err[512];
	if (emauth_store_open(r->spec, &r->s, err, sizeof(err)) != 0) {
		r->s = NULL;
		if (!r->down) {
			pthread_mutex_lock(&r->lock);
			size_t cap = r->cap;
			pthread_mutex_unlock(&r->lock);
			say(r, 3,
			    "report store unavailable: %s; keeping up to %zu "
			    "verdicts in memory until it returns",
			    err, cap);
			r->down = true;
		}
		return false;
	}
	return true;
}

/* Writes up to BATCH_MAX queued rows; false when the store failed. */
static bool
write_batch(struct emauth_recorder *r)
{
	char *batch[BATCH_MAX];
	pthread_mutex_lock(&r->lock);
	size_t k = r->n < BATCH_MAX ? r->n : BATCH_MAX;
	for (size_t i = 0; i < k; i++)
		batch[i] = r->ring[(r->head + i) % r->cap];
	pthread_mutex_unlock(&r->lock);
	if (k == 0)
		return true;
	if (!connect_store(r))
		return false;
	if (ea_store_add_packed(r->s, batch, k) != 0) {
		if (!r->down) {
			say(r, 3,
			    "report store write failed: %s; keeping verdicts "
			    "in memory until it returns",
			    emauth_store_error(r->s));
			r->down = true;
		}
		emauth_store_close(r->s);
		r->s = NULL;
		pthread_mutex_lock(&r->lock);
		r->st.failures++;
		pthread_mutex_unlock(&r->lock);
		return false;
	}
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < k; i++) {
		ea_free(r->ring[r->head]);
		r->ring[r->head] = NULL;
		r->head = (r->head + 1) % r->cap;
	}
	r->n -= k;
	r->st.written += k;
	unsigned long dropped = r->st.dropped;
	bool was_dropping = r->dropping;
	r->dropping = false;
	pthread_mutex_unlock(&r->lock);
	if (r->down) {
		say(r, 5,
		    "report store available again; the backlog is being "
		    "written (%lu verdicts dropped so far)",
		    dropped);
		r->down = false;
	} else if (was_dropping) {
		say(r, 5, "report store: backlog below its limit again");
	}
	return true;
}

static void *
run(void *arg)
{
	struct emauth_recorder *r = arg;
	/* The store at once: its schema made (or a problem logged) before
	 * the first row, not when the first batch is due. */
	(void)connect_store(r);
	pthread_mutex_lock(&r->lock);
	for (;;) {
		bool stop = r->stop;
		if (!stop) {
			struct timespec ts;
			deadline(&ts, r->down ? r->retry_ms : r->batch_ms);
			pthread_cond_timedwait(&r->wake, &r->lock, &ts);
			stop = r->stop;
		}
		pthread_mutex_unlock(&r->lock);
		if (stop)
			break;
		/* Everything queued, a batch at a time. */
		while (write_batch(r)) {
			pthread_mutex_lock(&r->lock);
			size_t n = r->n;
			pthread_mutex_unlock(&r->lock);
			if (n == 0)
				break;
		}
		pthread_mutex_lock(&r->lock);
	}
	/* The stop: write what is left, trying for stop_wait_ms. */
	uint64_t until = now_ms() + r->stop_wait_ms;
	for (;;) {
		pthread_mutex_lock(&r->lock);
		size_t n = r->n;
		pthread_mutex_unlock(&r->lock);
		if (n == 0)
			break;
		if (!write_batch(r)) {
			if (now_ms() >= until)
				break;
			struct timespec ts = {0, 200 * 1000000L};
			nanosleep(&ts, NULL);
		}
	}
	pthread_mutex_lock(&r->lock);
	if (r->n) {
		say(r, 3,
		    "report store: %zu verdicts not written at the stop "
		    "(the store is unavailable)",
		    r->n);
		r->st.dropped += r->n;
	}
	pthread_mutex_unlock(&r->lock);
	emauth_store_close(r->s);
	r->s = NULL;
	return NULL;
}

EMAUTH_API int
emauth_recorder_new(
    const struct emauth_recorder_opts *o, struct emauth_recorder **out)
{
	*out = NULL;
	if (o == NULL || o->spec == NULL || o->spec[0] == '\0')
		return EMAUTH_EINVAL;
	struct emauth_recorder *r = ea_calloc(1, sizeof(*r));
	if (r == NULL)
		return EMAUTH_ENOMEM;
	r->cap = o->backlog_max ? o->backlog_max : 10000;
	r->batch_ms = o->batch_ms ? o->batch_ms : 1000;
	r->retry_ms = o->retry_ms ? o->retry_ms : 5000;
	r->log = o->log;
	r->log_arg = o->log_arg;
	r->spec = ea_strndup(o->spec, strlen(o->spec));
	r->ring = ea_calloc(r->cap, sizeof(*r->ring));
	if (r->spec == NULL || r->ring == NULL) {
		ea_free(r->spec);
		ea_free(r->ring);
		ea_free(r);
		return EMAUTH_ENOMEM;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_cond_init(&r->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&r->thread, NULL, run, r) != 0) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->wake);
		ea_free(r->spec);
		ea_free(r->ring);
		ea_free(r);
		return EMAUTH_ENOMEM;
	}
	*out = r;
	return 0;
}

EMAUTH_API int
emauth_recorder_add(
    struct emauth_recorder *r, const struct emauth_report_row *row)
{
	char *packed = NULL;
	int rc = ea_store_pack(row, &packed);
	pthread_mutex_lock(&r->lock);
	if (rc != 0 || r->n == r->cap) {
		r->st.dropped++;
		bool first = !r->dropping && rc == 0;
		if (rc == 0)
			r->dropping = true;
		pthread_mutex_unlock(&r->lock);
		if (first)
			say(r, 3,
			    "report store backlog full (%zu verdicts): new "
			    "verdicts are dropped until the store returns",
			    r->cap);
		ea_free(packed);
		return rc ? rc : EMAUTH_ELIMIT;
	}
	r->ring[(r->head + r->n) % r->cap] = packed;
	r->n++;
	r->st.queued++;
	pthread_mutex_unlock(&r->lock);
	return 0;
}

EMAUTH_API void
emauth_recorder_stats(
    struct emauth_recorder *r, struct emauth_recorder_stats *out)
{
	pthread_mutex_lock(&r->lock);
	*out = r->st;
	out->pending = r->n;
	pthread_mutex_unlock(&r->lock);
}

EMAUTH_API void
emauth_recorder_free(struct emauth_recorder *r, unsigned wait_ms)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	r->stop_wait_ms = wait_ms;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	for (size_t i = 0; i < r->n; i++)
		ea_free(r->ring[(r->head + i) % r->cap]);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->wake);
	ea_free(r->ring);
	ea_free(r->spec);
	ea_free(r);
}
