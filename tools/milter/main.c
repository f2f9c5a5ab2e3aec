/*
 * main.c: emauth-milter's start-up, privilege drop, signals and reload.
 *
 * libmilter's own signal thread stops the milter on SIGHUP. To reload on
 * SIGHUP instead, smfi_main() runs in a second thread (so libmilter blocks
 * the signals there, and in the threads it starts, only) and the main
 * thread waits for SIGHUP, SIGTERM and SIGINT itself: the kernel hands a
 * signal sent to the process to its main thread when that thread takes it.
 *
 * SIGHUP loads the configuration and keys anew; a configuration that does
 * not load is reported and the running one kept. SIGTERM first lets the
 * messages in flight finish (up to a minute), then stops libmilter: its
 * worker pool stops serving open sessions as soon as it is told to stop,
 * so stopping first would cut them off. A message that does not finish in
 * time gets the MTA's milter_default_action (tempfail: retried, not
 * lost).
 *
 * SIGUSR1 (and the stop) logs one statistics line: messages counted since
 * start, and the running configuration's DNS answer cache.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <emauth/emauth.h>

#include "milter.h"

#define KEY_FILE_MAX (64 * 1024)
#define STOP_WAIT_SECONDS 60

static const char usage[] =
    "usage: emauth-milter [-f] [-n] [-c FILE] [-p SOCKET] [-u USER[:GROUP]]\n"
    "                     [-P PIDFILE]\n"
    "\n"
    "Signs outgoing mail with DKIM and verifies incoming mail (iprev, SPF,\n"
    "DKIM, DMARC) for Postfix or Sendmail, configured by an opendkim.conf-\n"
    "style file (see emauth-milter.conf(5)).\n"
    "\n"
    "  -c FILE     the configuration (default /etc/emauth-milter.conf)\n"
    "  -f          stay in the foreground and log to standard error\n"
    "  -n          check the configuration and its keys, then exit\n"
    "  -p SOCKET   inet:PORT@HOST or local:/path (overrides Socket)\n"
    "  -u USER     the user to run as (overrides UserID)\n"
    "  -P PIDFILE  the process-id file (overrides PidFile)\n"
    "\n"
    "Signals: SIGHUP reloads the configuration and keys (a broken one is\n"
    "reported and the running one kept); SIGTERM stops after the messages\n"
    "in flight; SIGUSR1 logs statistics (messages, DNS cache).\n";

/* Logging. In the foreground under systemd, standard error is the journal
 * (JOURNAL_STREAM names its device and inode, see systemd.exec(5)): each
 * line goes there once, with a "<N>" prefix the journal reads as its
 * priority, and not to syslog as well. */
static bool log_stderr = true, log_syslog, log_journal;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	struct stat sb;
	char want[64];
	if (js == NULL || fstat(STDERR_FILENO, &sb) != 0)
		return false;
	snprintf(want, sizeof(want), "%llu:%llu", (unsigned long long)sb.st_dev,
	    (unsigned long long)sb.st_ino);
	return strcmp(js, want) == 0;
}

void
mlog_setup(bool foreground, bool syslog_on)
{
	log_stderr = foreground;
	log_journal = foreground && stderr_is_journal();
	log_syslog = syslog_on && !log_journal;
	if (log_syslog)
		openlog("emauth-milter", LOG_PID, LOG_MAIL);
}

void
mlog(int level, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log_syslog)
		syslog(level, "%s", buf);
	if (log_stderr) {
		pthread_mutex_lock(&log_lock);
		if (log_journal)
			fprintf(stderr, "<%d>%s\n", level, buf);
		else
			fprintf(stderr, "emauth-milter: %s\n", buf);
		fflush(stderr);
		pthread_mutex_unlock(&log_lock);
	}
}

/* The current configuration. */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static struct milter_state *current;
static unsigned generations;

static void
state_free(struct milter_state *st)
{
	for (size_t i = 0; i < st->nkeys; i++)
		emauth_dkim_key_free(st->keys[i].key);
	free(st->keys);
	milter_config_free(&st->cfg);
	emauth_dns_cache_free(st->dns_cache);
	free(st);
}

struct milter_state *
milter_state_get(void)
{
	pthread_mutex_lock(&state_lock);
	struct milter_state *st = current;
	if (st)
		st->refs++;
	pthread_mutex_unlock(&state_lock);
	return st;
}

void
milter_state_put(struct milter_state *st)
{
	if (st == NULL)
		return;
	pthread_mutex_lock(&state_lock);
	bool last = --st->refs == 0;
	pthread_mutex_unlock(&state_lock);
	if (last)
		state_free(st);
}

void
milter_state_install(struct milter_state *st)
{
	pthread_mutex_lock(&state_lock);
	struct milter_state *old = current;
	st->refs = 1;
	st->generation = ++generations;
	current = st;
	pthread_mutex_unlock(&state_lock);
	milter_state_put(old);
}

const struct emauth_dkim_key *
milter_state_key(const struct milter_state *st, const char *path)
{
	for (size_t i = 0; i < st->nkeys; i++)
		if (strcmp(st->keys[i].path, path) == 0)
			return st->keys[i].key;
	return NULL;
}

/* Reads and checks one key file: a regular file (opened without blocking,
 * so that a FIFO or a device named as a key cannot hang start-up or a
 * reload) of at most KEY_FILE_MAX bytes, that others cannot read or
 * change. st->keys grows by doubling: it has room for the next power of
 * two at or above st->nkeys (at least 16). */
static int
load_key(struct milter_state *st, const char *path, const char *who, char *err,
    size_t errsize)
{
	if (milter_state_key(st, path))
		return 0;
	struct stat sb;
	char why[128];
	char *buf = NULL;
	size_t n = 0;
	int rc = -1;
	int fd = milter_file_open(path, KEY_FILE_MAX, &sb, why, sizeof(why));
	if (fd < 0) {
		snprintf(err, errsize, "%s: key file %s: %s", who, path, why);
		return -1;
	}
	if (sb.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) {
		snprintf(err, errsize,
		    "%s: key file %s: mode %03o lets others read or change "
		    "the private key; chmod 600 (or 640 for a group) it",
		    who, path, (unsigned)(sb.st_mode & 0777));
		goto out_close;
	}
	buf = malloc(KEY_FILE_MAX + 1);
	if (buf == NULL) {
		snprintf(err, errsize, "out of memory");
		goto out_close;
	}
	/* One byte more than the cap: a file that grew after fstat() is
	 * refused, not cut short. */
	while (n <= KEY_FILE_MAX) {
		ssize_t got = read(fd, buf + n, KEY_FILE_MAX + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errsize, "%s: key file %s: %s", who, path,
			    strerror(errno));
			goto out_free_buf;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > KEY_FILE_MAX) {
		snprintf(err, errsize,
		    "%s: key file %s: is larger than %d bytes", who, path,
		    KEY_FILE_MAX);
		goto out_free_buf;
	}
	size_t nk = st->nkeys;
	if (nk == 0 || (nk >= 16 && (nk & (nk - 1)) == 0)) {
		struct milter_key *v =
		    realloc(st->keys, (nk ? nk * 2 : 16) * sizeof(*v));
		if (v == NULL) {
			snprintf(err, errsize, "out of memory");
			goto out_free_buf;
		}
		st->keys = v;
	}
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	struct emauth_dkim_key *k = NULL;
	rc = emauth_dkim_key_load(
	    (struct emauth_span){(const uint8_t *)buf, n}, &k, &d);
	if (rc != 0) {
		char dm[600];
		snprintf(err, errsize, "%s: key file %s: %s", who, path,
		    d.msg ? emauth_diag_format(&d, dm, sizeof(dm))
		          : emauth_strerror(rc));
		rc = -1;
		goto out_free_buf;
	}
	snprintf(
	    st->keys[st->nkeys].path, sizeof(st->keys[0].path), "%s", path);
	st->keys[st->nkeys++].key = k;
out_free_buf:
	explicit_bzero(buf, KEY_FILE_MAX + 1);
	free(buf);
out_close:
	close(fd);
	return rc;
}

struct milter_state *
milter_state_load(
    const char *path, char *err, size_t errsize, char *warn, size_t warnsize)
{
	struct milter_state *st = calloc(1, sizeof(*st));
	if (st == NULL) {
		snprintf(err, errsize, "out of memory");
		return NULL;
	}
	if (milter_config_load(path, &st->cfg, err, errsize, warn, warnsize)) {
		free(st);
		return NULL;
	}
	struct milter_config *c = &st->cfg;
	char who[1300];
	int rc = 0;
	for (size_t i = 0; i < c->nkeys && rc == 0; i++) {
		snprintf(who, sizeof(who), "%s: KeyTable entry %s", path,
		    c->keys[i].name);
		rc = load_key(st, c->keys[i].keyfile, who, err, errsize);
	}
	for (size_t i = 0; i < c->nsigning && rc == 0; i++) {
		const char *k = c->signing[i].key, *last = strrchr(k, ':');
		if (last == NULL)
			continue;
		snprintf(who, sizeof(who), "%s:%u", c->signing_path,
		    c->signing[i].line);
		rc = load_key(st, last + 1, who, err, errsize);
	}
	if (rc == 0 && c->keyfile[0]) {
		snprintf(who, sizeof(who), "%s: KeyFile", path);
		rc = load_key(st, c->keyfile, who, err, errsize);
	}
	/* One DNS answer cache for all the contexts of this configuration
	 * (a reload starts a new one: the DNS setting may have changed). */
	if (rc == 0 && emauth_dns_cache_new(0, &st->dns_cache) != 0) {
		snprintf(err, errsize, "out of memory");
		rc = -1;
	}
	if (rc != 0) {
		state_free(st);
		return NULL;
	}
	return st;
}

static void
print_warnings(const char *warn)
{
	const char *p = warn;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		if (len)
			mlog(ML_WARN, "%.*s", len, p);
		p = nl ? nl + 1 : NULL;
	}
}

static int
drop_privileges(const char *spec)
{
	char user[256], *group;
	snprintf(user, sizeof(user), "%s", spec);
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		mlog(ML_ERR, "UserID: no user '%s'", user);
		return -1;
	}
	gid_t gid = pw->pw_gid;
	if (group) {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			mlog(ML_ERR, "UserID: no group '%s'", group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (getuid() != 0 && getuid() == pw->pw_uid)
		return 0;
	if (setgroups(0, NULL) != 0 || setgid(gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		mlog(ML_ERR, "UserID %s: cannot switch user: %s", spec,
		    strerror(errno));
		return -1;
	}
	if (setuid(0) == 0) {
		mlog(ML_ERR, "UserID %s: root could be regained", spec);
		return -1;
	}
	return 0;
}

/* The statistics line: messages since start, and the running
 * configuration's DNS cache (since it was loaded). */
static void
log_stats(void)
{
	struct milter_stats m;
	size_t bytes = 0, entries = 0;
	uint64_t hits = 0, misses = 0;
	milter_stats_get(&m);
	struct milter_state *st = milter_state_get();
	if (st && st->dns_cache)
		emauth_dns_cache_stats(
		    st->dns_cache, &bytes, &entries, &hits, &misses);
	milter_state_put(st);
	mlog(ML_NOTICE,
	    "statistics: messages=%lu signed=%lu verified=%lu rejected=%lu "
	    "tempfailed=%lu dns-cache-bytes=%zu dns-cache-entries=%zu "
	    "dns-cache-hits=%llu dns-cache-misses=%llu",
	    m.messages, m.signed_ok, m.verified, m.rejected, m.tempfailed,
	    bytes, entries, (unsigned long long)hits,
	    (unsigned long long)misses);
}

static void *
run_milter(void *arg)
{
	int *rc = arg;
	*rc = smfi_main();
	/* Wake the main thread if libmilter stopped on its own. */
	kill(getpid(), SIGTERM);
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *conf = "/etc/emauth-milter.conf", *sock = NULL;
	const char *user = NULL, *pidfile = NULL;
	bool foreground = false, check = false;
	int opt;
	char err[2048], warn[8192];

	while ((opt = getopt(argc, argv, "c:fnp:u:P:h")) != -1) {
		switch (opt) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'n':
			check = true;
			break;
		case 'p':
			sock = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'P':
			pidfile = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	emauth_global_init();
	struct milter_state *st =
	    milter_state_load(conf, err, sizeof(err), warn, sizeof(warn));
	if (st == NULL) {
		fprintf(stderr, "emauth-milter: %s\n", err);
		return 1;
	}
	struct milter_config *c = &st->cfg;
	if (sock)
		snprintf(c->socket, sizeof(c->socket), "%s", sock);
	if (user)
		snprintf(c->userid, sizeof(c->userid), "%s", user);
	if (pidfile)
		snprintf(c->pidfile, sizeof(c->pidfile), "%s", pidfile);
	mlog_setup(true, false);
	print_warnings(warn);
	if (check) {
		printf("%s: configuration and %zu key%s good\n", conf,
		    st->nkeys, st->nkeys == 1 ? "" : "s");
		state_free(st);
		return 0;
	}
	if (c->socket[0] == '\0') {
		fprintf(stderr,
		    "emauth-milter: %s: no Socket (inet:PORT@HOST or "
		    "local:/path)\n",
		    conf);
		goto fail;
	}
	if (smfi_setconn(c->socket) == MI_FAILURE ||
	    smfi_register(milter_desc) == MI_FAILURE) {
		fprintf(stderr, "emauth-milter: Socket %s: not usable\n",
		    c->socket);
		goto fail;
	}
	mode_t old = umask((mode_t)c->umask);
	if (smfi_opensocket(true) == MI_FAILURE) {
		fprintf(stderr, "emauth-milter: Socket %s: cannot listen\n",
		    c->socket);
		goto fail;
	}
	umask(old);
	if (!foreground && daemon(0, 0) != 0) {
		fprintf(stderr, "emauth-milter: daemon: %s\n", strerror(errno));
		goto fail;
	}
	mlog_setup(foreground, c->syslog);
	if (c->pidfile[0]) {
		FILE *pf = fopen(c->pidfile, "w");
		if (pf == NULL) {
			mlog(ML_ERR, "PidFile %s: %s", c->pidfile,
			    strerror(errno));
			goto fail;
		}
		fprintf(pf, "%ld\n", (long)getpid());
		fclose(pf);
	}
	if (c->userid[0] && drop_privileges(c->userid) != 0)
		goto fail;
	char pidpath[1024];
	snprintf(pidpath, sizeof(pidpath), "%s", c->pidfile);
	milter_state_install(st);

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_t tid;
	int milter_rc = MI_SUCCESS;
	if (pthread_create(&tid, NULL, run_milter, &milter_rc) != 0) {
		mlog(ML_ERR, "cannot start the milter thread");
		return 1;
	}
	mlog(ML_NOTICE,
	    "started on %s (version %s, configuration %s, mode %s%s, %zu "
	    "key%s)",
	    c->socket, EMAUTH_VERSION, conf, (c->mode & MC_SIGN) ? "s" : "",
	    (c->mode & MC_VERIFY) ? "v" : "", st->nkeys,
	    st->nkeys == 1 ? "" : "s");
	st = NULL; /* installed: freed with its last reference */
	for (;;) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGUSR1) {
			log_stats();
			continue;
		}
		if (sig != SIGHUP)
			break;
		struct milter_state *ns = milter_state_load(
		    conf, err, sizeof(err), warn, sizeof(warn));
		if (ns == NULL) {
			mlog(ML_ERR,
			    "reload: %s; keeping the running configuration",
			    err);
			continue;
		}
		print_warnings(warn);
		/* Where to listen and whom to run as hold until restart. */
		struct milter_state *cur = milter_state_get();
		snprintf(ns->cfg.socket, sizeof(ns->cfg.socket), "%s",
		    cur->cfg.socket);
		milter_state_put(cur);
		milter_state_install(ns);
		mlog(ML_NOTICE, "reloaded %s (%zu keys)", conf, ns->nkeys);
	}
	mlog(ML_NOTICE, "stopping: %d messages in flight", milter_active());
	for (int i = 0; i < STOP_WAIT_SECONDS * 10 && milter_active() > 0; i++)
		nanosleep(&(struct timespec){0, 100000000}, NULL);
	if (milter_active() > 0)
		mlog(ML_WARN,
		    "stopping with %d messages still in flight: the MTA's "
		    "milter_default_action applies to them",
		    milter_active());
	smfi_stop();
	pthread_join(tid, NULL);
	if (pidpath[0])
		unlink(pidpath);
	log_stats();
	pthread_mutex_lock(&state_lock);
	struct milter_state *last = current;
	current = NULL;
	pthread_mutex_unlock(&state_lock);
	milter_state_put(last);
	milter_pool_free();
	mlog(ML_NOTICE, "stopped");
	return milter_rc == MI_SUCCESS ? 0 : 1;
fail:
	state_free(st);
	return 1;
}
