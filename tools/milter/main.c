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
 * not load is reported and the running one kept. SIGTERM first stops
 * taking connections (the listening socket is closed under libmilter,
 * stop_listening()) and new messages, then lets the messages in flight
 * finish (up to a minute), then stops libmilter: its worker pool stops
 * serving open sessions as soon as it is told to stop, so stopping first
 * would cut them off. A message that does not finish in time gets the
 * MTA's milter_default_action (tempfail: retried, not lost).
 *
 * Keys are read as root at start-up and again as UserID on SIGHUP, so
 * start-up (and -n) checks that UserID can read them: a child process
 * takes that user's ids and opens each one (check_user_reads()). No
 * message ever quotes a key file's bytes: the library's diagnostic for a
 * key carries an excerpt of them, so only its message is used.
 *
 * SIGUSR1 (and the stop) logs one statistics line: messages counted since
 * start, and the running configuration's DNS answer cache.
 */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <emauth/emauth.h>

#include "milter.h"

#define KEY_FILE_MAX (64 * 1024)
#define STOP_WAIT_SECONDS 60
/* RFC 8301 §3.2: "Signers MUST use RSA keys of at least 1024 bits for all
 * keys. Signers SHOULD use RSA keys of at least 2048 bits." */
#define RSA_BITS_MIN 1024
#define RSA_BITS_SHOULD 2048

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
    "  -n          check the configuration and its keys (each tested\n"
    "              against its published record), then exit\n"
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
 * change, holding an unencrypted private key (RSA of at least 1024 bits,
 * with a warning under 2048, or Ed25519). Every message starts with @who
 * (the file and line naming the key) and the key file's name, and never
 * holds the file's bytes. st->keys grows by doubling: it has room for the
 * next power of two at or above st->nkeys (at least 16). */
static int
load_key(struct milter_state *st, const char *path, const char *who, char *err,
    size_t errsize, char *warn, size_t warnsize)
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
	/* What is wrong, in words: an encrypted key would make OpenSSL ask
	 * for a passphrase on the terminal, if there is one. */
	const char *bad = NULL;
	if (n == 0)
		bad = "is empty";
	else if (memmem(buf, n, "ENCRYPTED", 9) != NULL)
		bad = "is an encrypted private key: emauth-milter cannot ask "
		      "for its passphrase; store it unencrypted (mode 600)";
	else if (memmem(buf, n, "PUBLIC KEY-----", 15) != NULL &&
	         memmem(buf, n, "PRIVATE KEY-----", 16) == NULL)
		bad = "holds a public key: the KeyTable names the private key";
	if (bad) {
		snprintf(err, errsize, "%s: key file %s: %s", who, path, bad);
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
		/* The diagnostic's message only: its excerpt is the key. */
		snprintf(err, errsize, "%s: key file %s: %s", who, path,
		    d.msg ? d.msg : emauth_strerror(rc));
		rc = -1;
		goto out_free_buf;
	}
	unsigned bits = emauth_dkim_key_bits(k);
	if (emauth_dkim_key_alg(k) == EMAUTH_DKIM_RSA_SHA256) {
		if (bits < RSA_BITS_MIN) {
			snprintf(err, errsize,
			    "%s: key file %s: an RSA key of %u bits; RFC 8301 "
			    "forbids signing with less than %d",
			    who, path, bits, RSA_BITS_MIN);
			emauth_dkim_key_free(k);
			rc = -1;
			goto out_free_buf;
		}
		if (bits < RSA_BITS_SHOULD)
			milter_config_warn(warn, warnsize,
			    "%s: key file %s: an RSA key of %u bits; RFC 8301 "
			    "asks for at least %d (make a new key: emauth "
			    "keygen)",
			    who, path, bits, RSA_BITS_SHOULD);
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

/*
 * The key files configuration @c (read from @conf) names, in the order
 * they are loaded: each KeyTable entry, each SigningTable entry written as
 * DOMAIN:SELECTOR:KEYFILE, then KeyFile. For reference @i (from 0),
 * writes what names it ("KEYTABLE:LINE: key NAME", "SIGNINGTABLE:LINE" or
 * "CONF:LINE: KeyFile") into @who and returns the key file: "" for a
 * SigningTable entry naming a KeyTable key, NULL after the last.
 */
static const char *
key_ref(const struct milter_config *c, const char *conf, size_t i, char *who,
    size_t whosize)
{
	if (i < c->nkeys) {
		const struct mc_key *k = &c->keys[i];
		snprintf(who, whosize, "%s:%u: key %s",
		    k->table < c->nkeytables ? c->keytables[k->table] : conf,
		    k->line, k->name);
		return k->keyfile;
	}
	i -= c->nkeys;
	if (i < c->nsigning) {
		/* DOMAIN:SELECTOR:KEYFILE: the file after the second colon
		 * (as config.c reads it; the file name may hold colons). */
		const char *k = c->signing[i].key, *c1 = strchr(k, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL)
			return "";
		snprintf(
		    who, whosize, "%s:%u", c->signing_path, c->signing[i].line);
		return c2 + 1;
	}
	i -= c->nsigning;
	if (i == 0 && c->keyfile[0]) {
		snprintf(who, whosize, "%s:%u: KeyFile", conf, c->keyfile_line);
		return c->keyfile;
	}
	return NULL;
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
	char who[1400];
	const char *kf;
	int rc = 0;
	for (size_t i = 0;
	     rc == 0 && (kf = key_ref(c, path, i, who, sizeof(who))) != NULL;
	     i++)
		if (kf[0])
			rc =
			    load_key(st, kf, who, err, errsize, warn, warnsize);
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

/* The ids @spec ("USER" or "USER:GROUP") names: the user's own group when
 * none is named. Returns 0, or -1 with what is wrong in @err. */
static int
resolve_user(
    const char *spec, uid_t *uid, gid_t *gid, char *err, size_t errsize)
{
	char user[256], *group;
	snprintf(user, sizeof(user), "%s", spec);
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, errsize, "UserID: no user '%s'", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group) {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			snprintf(err, errsize, "UserID: no group '%s'", group);
			return -1;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

static int
drop_privileges(const char *spec)
{
	char err[600];
	uid_t uid;
	gid_t gid;
	if (resolve_user(spec, &uid, &gid, err, sizeof(err)) != 0) {
		mlog(ML_ERR, "%s", err);
		return -1;
	}
	if (getuid() != 0 && getuid() == uid)
		return 0;
	if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
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

/* What the child of check_user_reads() found: @err (an errno) opening
 * file @idx of @kind (0: a key file, in key_ref() order; 1: the
 * configuration, then each KeyTable, then the SigningTable), or kind -1
 * when it could not switch user. */
struct read_check {
	int kind;
	unsigned idx;
	int err;
};

/* The files a reload reads but the keys and host lists, by index: the
 * configuration @conf (0), each KeyTable (1 to nkeytables), the
 * SigningTable (nkeytables + 1); NULL for none. */
static const char *
config_file(const struct milter_config *c, const char *conf, size_t i)
{
	if (i == 0)
		return conf;
	if (i <= c->nkeytables)
		return c->keytables[i - 1];
	if (i == c->nkeytables + 1 && c->signing_path[0])
		return c->signing_path;
	return NULL;
}

/* In the child: opens each file as the user, and reports the first key
 * file and every configuration file that does not open. Exits. */
static void
read_check_child(const struct milter_config *c, const char *conf, uid_t uid,
    gid_t gid, int out)
{
	char who[1400];
	const char *kf;
	struct read_check rec;
	/* As drop_privileges() will run: no supplementary groups. */
	if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
		rec = (struct read_check){-1, 0, errno};
		(void)!write(out, &rec, sizeof(rec));
		_exit(1);
	}
	for (size_t i = 0; i <= c->nkeytables + 1; i++) {
		const char *f = config_file(c, conf, i);
		if (f == NULL)
			continue;
		int fd = open(f, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			rec = (struct read_check){1, (unsigned)i, errno};
			(void)!write(out, &rec, sizeof(rec));
		} else {
			close(fd);
		}
	}
	for (size_t i = 0; (kf = key_ref(c, conf, i, who, sizeof(who))); i++) {
		if (kf[0] == '\0')
			continue;
		int fd = open(kf, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			rec = (struct read_check){0, (unsigned)i, errno};
			(void)!write(out, &rec, sizeof(rec));
			_exit(1);
		}
		close(fd);
	}
	_exit(0);
}

/*
 * Checks, before privileges are dropped, that the user of @spec (UserID)
 * can read what SIGHUP reads again as that user: every key file (an
 * error, since the next reload would fail) and the configuration and its
 * tables (a warning). The kernel judges: a child process takes that
 * user's ids, without supplementary groups as drop_privileges() does, and
 * opens each file, so that modes, ACLs and every directory on the way
 * count. Only as root, for a user other than root. Returns 0, or -1 with
 * "KEYTABLE:LINE: key NAME: key file PATH: ..." in @err.
 */
static int
check_user_reads(const struct milter_state *st, const char *conf,
    const char *spec, char *err, size_t errsize, char *warn, size_t warnsize)
{
	const struct milter_config *c = &st->cfg;
	uid_t uid;
	gid_t gid;
	int p[2], rc = 0, status;
	if (geteuid() != 0 || spec[0] == '\0')
		return 0;
	if (resolve_user(spec, &uid, &gid, err, errsize) != 0)
		return -1;
	if (uid == 0)
		return 0;
	if (pipe(p) != 0) {
		snprintf(err, errsize, "UserID %s: cannot check its reads: %s",
		    spec, strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errsize, "UserID %s: cannot check its reads: %s",
		    spec, strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		read_check_child(c, conf, uid, gid, p[1]);
	}
	close(p[1]);
	struct read_check rec;
	ssize_t got;
	while ((got = read(p[0], &rec, sizeof(rec))) == sizeof(rec) ||
	       (got < 0 && errno == EINTR)) {
		if (got < 0)
			continue;
		if (rec.kind == -1) {
			snprintf(err, errsize,
			    "UserID %s: cannot check its reads (switching "
			    "user: %s)",
			    spec, strerror(rec.err));
			rc = -1;
		} else if (rec.kind == 0) {
			char who[1400];
			const char *kf =
			    key_ref(c, conf, rec.idx, who, sizeof(who));
			snprintf(err, errsize,
			    "%s: key file %s: UserID %s cannot read it (%s); "
			    "keys are read again as that user on SIGHUP",
			    who, kf ? kf : "?", spec, strerror(rec.err));
			rc = -1;
		} else {
			const char *f = config_file(c, conf, rec.idx);
			milter_config_warn(warn, warnsize,
			    "%s: UserID %s cannot read it (%s): a reload "
			    "(SIGHUP) will fail",
			    f ? f : "?", spec, strerror(rec.err));
		}
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* A child that ended otherwise checked nothing: fail closed. */
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		snprintf(err, errsize,
		    "UserID %s: the check that it can read the keys did not "
		    "finish",
		    spec);
		rc = -1;
	}
	return rc;
}

/* The socket libmilter listens on: libmilter does not say which
 * descriptor it is, so it is the one that listens (SO_ACCEPTCONN), found
 * among the open descriptors. -1 when there is none, or several. */
static int
find_listener(void)
{
	int found = -1, n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL)
		return -1;
	int self = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		int fd = 0;
		for (const char *p = e->d_name;
		     *p >= '0' && *p <= '9' && fd < 100000000; p++)
			fd = fd * 10 + (*p - '0');
		int on = 0;
		socklen_t len = sizeof(on);
		if (fd != self &&
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
		    on) {
			found = fd;
			n++;
		}
	}
	closedir(d);
	return n == 1 ? found : -1;
}

/*
 * Stops taking connections on libmilter's listening socket @lfd while
 * libmilter goes on serving the sessions it has (smfi_stop() would end
 * them, messages in flight too). dup2() makes @lfd a listening socket
 * nobody reaches (an AF_UNIX address the kernel picks), which never
 * blocks in accept(), so that libmilter's listener polls it until
 * smfi_stop(); the real socket is then shut down, so that a client is
 * refused from now on. Closing it would not do: libmilter's poll() may
 * hold it (and it would go on listening) until its timeout. The shutdown
 * wakes that poll(), which looks at @lfd again and finds the other
 * socket, quiet: shutting the real socket down while it is still @lfd
 * would make poll() report an error there, and libmilter abort every
 * session.
 */
static void
stop_listening(int lfd)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	int old = -1;
	int other =
	    socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* Bound to an address of the kernel's choosing (autobind). */
	if (other < 0 ||
	    bind(other, (struct sockaddr *)&un, sizeof(sa_family_t)) != 0 ||
	    listen(other, 1) != 0 || (old = dup(lfd)) < 0 ||
	    dup2(other, lfd) < 0) {
		mlog(ML_WARN,
		    "cannot close the listening socket (%s): new sessions are "
		    "refused at connect instead",
		    strerror(errno));
		if (old >= 0)
			close(old);
		if (other >= 0)
			close(other);
		return;
	}
	close(other);
	if (shutdown(old, SHUT_RDWR) != 0)
		mlog(ML_WARN,
		    "cannot shut the listening socket down (%s): new sessions "
		    "are refused at connect instead",
		    strerror(errno));
	close(old);
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
	char rep[400];
	milter_report_stats(rep, sizeof(rep));
	mlog(ML_NOTICE,
	    "statistics: messages=%lu signed=%lu verified=%lu rejected=%lu "
	    "tempfailed=%lu dns-cache-bytes=%zu dns-cache-entries=%zu "
	    "dns-cache-hits=%llu dns-cache-misses=%llu %s",
	    m.messages, m.signed_ok, m.verified, m.rejected, m.tempfailed,
	    bytes, entries, (unsigned long long)hits,
	    (unsigned long long)misses, rep);
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

/*
 * -n: each KeyTable key against the record published for it (emauth dkim
 * testkey), through the configured DNS. A mismatch, a missing record or
 * one that forbids signing is a warning (the configuration itself is
 * good); when DNS cannot be reached the keys are not tested, and that is
 * said once.
 */
static void
test_keys(const struct milter_state *st)
{
	const struct milter_config *c = &st->cfg;
	struct emauth_ctx *ctx;
	struct emauth_diag d;
	if (c->nkeys == 0 || emauth_ctx_new(&ctx) != 0)
		return;
	memset(&d, 0, sizeof(d));
	if (c->dns[0] && emauth_ctx_set_dns(ctx, c->dns, &d) != 0) {
		emauth_ctx_free(ctx);
		return; /* the configuration check said why */
	}
	for (size_t i = 0; i < c->nkeys; i++) {
		const struct mc_key *k = &c->keys[i];
		const struct emauth_dkim_key *key =
		    milter_state_key(st, k->keyfile);
		char where[1200];
		snprintf(where, sizeof(where), "%s:%u: key %s",
		    k->line ? c->keytables[k->table] : "KeyFile", k->line,
		    k->name);
		if (key == NULL || strcmp(k->domain, "%") == 0)
			continue; /* d= is the From domain: nothing to test */
		struct emauth_dkim_testkey_result r;
		if (emauth_dkim_testkey(ctx, k->selector, k->domain, key, &r) !=
		    0)
			continue;
		if (r.status == EMAUTH_DKIM_TESTKEY_DNS_ERROR) {
			fprintf(stderr,
			    "emauth-milter: warning: DNS could not be reached: "
			    "the keys were not tested against their records "
			    "(%s)\n",
			    r.detail);
			break;
		}
		if (r.status != EMAUTH_DKIM_TESTKEY_MATCH)
			fprintf(stderr,
			    "emauth-milter: warning: %s: %s._domainkey.%s: "
			    "%s\n",
			    where, k->selector, k->domain, r.detail);
	}
	emauth_ctx_free(ctx);
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
	/* Running, and -n, which checks what running needs. */
	if (c->socket[0] == '\0') {
		print_warnings(warn);
		fprintf(stderr,
		    "emauth-milter: %s: no Socket (inet:PORT@HOST or "
		    "local:/path)\n",
		    conf);
		goto fail;
	}
	if (check_user_reads(st, conf, c->userid, err, sizeof(err), warn,
	        sizeof(warn)) != 0) {
		print_warnings(warn);
		fprintf(stderr, "emauth-milter: %s\n", err);
		goto fail;
	}
	print_warnings(warn);
	if (check) {
		test_keys(st);
		printf("%s: configuration and %zu key%s good\n", conf,
		    st->nkeys, st->nkeys == 1 ? "" : "s");
		state_free(st);
		return 0;
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
	/* Found now, closed first on SIGTERM. */
	int lfd = find_listener();
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
	milter_report_setup(&st->cfg);

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
		milter_report_setup(&ns->cfg);
		mlog(ML_NOTICE, "reloaded %s (%zu keys)", conf, ns->nkeys);
	}
	/* No new connection, no new message; those in flight finish. */
	milter_stop_new();
	if (lfd >= 0)
		stop_listening(lfd);
	else
		mlog(ML_WARN, "the listening socket is unknown: new sessions "
		              "are refused at connect instead");
	mlog(ML_NOTICE,
	    "stopping: no new connections or messages; %d messages in flight",
	    milter_active());
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
	milter_report_stop();
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
