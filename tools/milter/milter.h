/*
 * milter.h: what emauth-milter's start-up (main.c) and its milter
 * callbacks (callbacks.c) share: the loaded configuration with its keys,
 * swapped whole on SIGHUP and reference-counted so that a message in flight
 * keeps the one it started with, and the log.
 */
#ifndef EMAUTH_MILTER_MILTER_H
#define EMAUTH_MILTER_MILTER_H

#include <stdbool.h>
#include <stddef.h>

#include <libmilter/mfapi.h>

#include <emauth/dkim.h>

#include "config.h"

/* A private key, loaded once per configuration. */
struct milter_key {
	char path[1024];
	struct emauth_dkim_key *key;
};

struct milter_state {
	struct milter_config cfg;
	struct milter_key *keys;
	size_t nkeys;
	unsigned generation; /* changes on every reload */
	int refs;            /* under the state lock */
	/* The DNS answer cache all this configuration's library contexts
	 * share (one reference, this state's). */
	struct emauth_dns_cache *dns_cache;
};

/*
 * Loads the configuration at @path and every key it names. Refuses a key
 * file that is missing, unreadable, empty, encrypted, not a private key,
 * an RSA key under 1024 bits (one under 2048 is a warning in @warn), or
 * readable or writable by others. On error returns NULL with
 * "FILE[:LINE]: what is wrong" in @err, where FILE:LINE is the KeyTable
 * line (or SigningTable line, or KeyFile line) naming the key file; no
 * message holds a key file's bytes.
 */
struct milter_state *milter_state_load(
    const char *path, char *err, size_t errsize, char *warn, size_t warnsize);
/* The key loaded from @path, or NULL. */
const struct emauth_dkim_key *milter_state_key(
    const struct milter_state *st, const char *path);

/* The current configuration, with a reference; give it back with
 * milter_state_put(). */
struct milter_state *milter_state_get(void);
void milter_state_put(struct milter_state *st);
/* Makes @st current; the old one goes when its last message ends. */
void milter_state_install(struct milter_state *st);

/* Logging: syslog, or standard error in the foreground. */
enum { ML_ERR = 3, ML_WARN = 4, ML_NOTICE = 5, ML_INFO = 6 };
void mlog(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mlog_setup(bool foreground, bool syslog_on);

/* The libmilter description of emauth-milter (callbacks.c). */
extern struct smfiDesc milter_desc;
/* Messages in flight now (callbacks.c), for a clean stop. */
int milter_active(void);
/* From now on, a new session (at connect) and a new message (at MAIL
 * FROM) get a temporary failure: the stop lets only the messages in
 * flight finish (callbacks.c). */
void milter_stop_new(void);
/* Frees the pooled DNS contexts (callbacks.c). */
void milter_pool_free(void);

/* Messages counted since start (callbacks.c): every MAIL FROM; those
 * signed (with at least one signature inserted); those verified; and the
 * ones answered at their end with a reject or a temporary failure. */
struct milter_stats {
	unsigned long messages, signed_ok, verified, rejected, tempfailed;
};
void milter_stats_get(struct milter_stats *out);

/* DMARC reporting (report.c): the recorder and the failure report
 * sender, started or changed for configuration @c (after the privilege
 * drop, and on every reload), stopped at the end. */
struct emauth_report_row;
void milter_report_setup(const struct milter_config *c);
void milter_report_stop(void);
/* Records @row; queues failure reports about it (with the message's header
 * block @hdr of @hlen bytes, NULL when not kept, followed by its body when
 * @with_body; @mail_from is the reverse-path). Never waits. */
void milter_report_verdict(const struct milter_config *c,
    const struct emauth_report_row *row, const char *mail_from, const char *hdr,
    size_t hlen, bool with_body);
/* The statistics line's report part. */
void milter_report_stats(char *out, size_t size);

#endif
