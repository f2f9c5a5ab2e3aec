/*
 * submit.c: hands a report message to the mail system: to a sendmail
 * program (Postfix's, which queues it) or to an SMTP server through
 * libcurl. A failure says why; the caller retries on its next run.
 */
#include "common/internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/span.h"
#include "report/report.h"

#define RCPT_MAX 64

static int
via_sendmail(const char *path, const char *from, const char *const *rcpt,
    size_t n, const char *msg, size_t len, char *err, size_t errsize)
{
	const char *argv[RCPT_MAX + 8];
	size_t a = 0;
	argv[a++] = "sendmail";
	argv[a++] = "-i";
	argv[a++] = "-f";
	argv[a++] = from[0] ? from : "<>"; /* "": the null reverse-path */
	argv[a++] = "--";
	for (size_t i = 0; i < n; i++)
		argv[a++] = rcpt[i];
	argv[a] = NULL;
	int fd[2];
	if (pipe(fd) != 0) {
		ea_fmt(err, errsize, "pipe: %s", strerror(errno));
		return EMAUTH_EIO;
	}
	pid_t pid = fork();
	if (pid < 0) {
		ea_fmt(err, errsize, "fork: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return EMAUTH_EIO;
	}
	if (pid == 0) {
		/* Not the caller's blocked signals (a milter's threads block
		 * those its main thread waits for). */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(fd[0], 0);
		close(fd[0]);
		close(fd[1]);
		execv(path, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(fd[0]);
	/* A sendmail that exits early must not kill us with SIGPIPE. */
	struct sigaction ign, old;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	size_t off = 0;
	bool wrote = true;
	while (off < len) {
		ssize_t w = write(fd[1], msg + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			wrote = false;
			break;
		}
		off += (size_t)w;
	}
	close(fd[1]);
	sigaction(SIGPIPE, &old, NULL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && wrote)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		ea_fmt(err, errsize, "%s: cannot run it", path);
	else if (WIFEXITED(status))
		ea_fmt(err, errsize, "%s exited with status %d", path,
		    WEXITSTATUS(status));
	else
		ea_fmt(err, errsize, "%s was killed", path);
	return EMAUTH_EIO;
}

struct upload {
	const char *p;
	size_t left;
};

static size_t
read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nitems;
	if (n > u->left)
		n = u->left;
	memcpy(buf, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

static int
via_smtp(const char *url, const char *from, const char *const *rcpt, size_t n,
    const char *msg, size_t len, char *err, size_t errsize)
{
	CURL *c = curl_easy_init();
	if (c == NULL) {
		ea_fmt(err, errsize, "libcurl: cannot start");
		return EMAUTH_EIO;
	}
	struct curl_slist *to = NULL;
	char ebuf[CURL_ERROR_SIZE] = "";
	char mf[400];
	snprintf(mf, sizeof(mf), "<%s>", from); /* "<>" for "" */
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char r[400];
		snprintf(r, sizeof(r), "<%s>", rcpt[i]);
		struct curl_slist *t = curl_slist_append(to, r);
		if (t == NULL) {
			rc = EMAUTH_ENOMEM;
			goto out;
		}
		to = t;
	}
	struct upload u = {msg, len};
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, mf);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* STARTTLS when the server offers it (RFC 9990 §5: SHOULD). */
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	CURLcode cr = curl_easy_perform(c);
	if (cr != CURLE_OK) {
		ea_fmt(err, errsize, "SMTP %s: %s", url,
		    ebuf[0] ? ebuf : curl_easy_strerror(cr));
		rc = EMAUTH_EIO;
	}
out:
	curl_slist_free_all(to);
	curl_easy_cleanup(c);
	return rc;
}

EMAUTH_API int
emauth_report_submit(const char *via, const char *from, const char *const *rcpt,
    size_t n, const char *msg, size_t len, char *err, size_t errsize)
{
	char dummy[8];
	if (err == NULL) {
		err = dummy;
		errsize = sizeof(dummy);
	}
	if (via == NULL || from == NULL || n == 0 || n > RCPT_MAX ||
	    msg == NULL) {
		ea_fmt(err, errsize, "nothing to submit");
		return EMAUTH_EINVAL;
	}
	for (size_t i = 0; i < n; i++)
		if (rcpt[i] == NULL || rcpt[i][0] == '-' ||
		    strpbrk(rcpt[i], "\r\n<> ") != NULL) {
			ea_fmt(err, errsize, "not an address: %.80s",
			    rcpt[i] ? rcpt[i] : "(null)");
			return EMAUTH_EINVAL;
		}
	/* "" is the null reverse-path (a bounce forwarded is never bounced
	 * back). */
	if (from[0] == '-' || strpbrk(from, "\r\n<> ") != NULL) {
		ea_fmt(err, errsize, "not an address: %.80s", from);
		return EMAUTH_EINVAL;
	}
	if (strncmp(via, "smtp://", 7) == 0 || strncmp(via, "smtps://", 8) == 0)
		return via_smtp(via, from, rcpt, n, msg, len, err, errsize);
	if (via[0] != '/') {
		ea_fmt(err, errsize,
		    "not a way to send: \"%.80s\" (a sendmail path or "
		    "smtp://host:port)",
		    via);
		return EMAUTH_EINVAL;
	}
	return via_sendmail(via, from, rcpt, n, msg, len, err, errsize);
}
