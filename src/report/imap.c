/*
 * imap.c: reports read from an IMAP mailbox (RFC 9051, RFC 3501) through
 * libcurl's IMAP, on one handle and so one connection. The run: the
 * mailbox's size (STATUS), the UIDs to read (UID SEARCH, in windows of
 * message numbers so that no answer line grows long), then for each UID
 * its size and flags, the message itself (UID FETCH BODY[] by libcurl's
 * ";UID=" URL), the caller's callback, and the message moved to the
 * archive folder (UID MOVE, RFC 6851, or UID COPY, \Deleted and EXPUNGE)
 * or marked \Seen. The password goes to libcurl alone: it is never in a
 * URL, a source name or an error text.
 */
#include "common/internal.h"

#include <curl/curl.h>
#include <emauth/report.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/buf.h"
#include "common/span.h"

/* Ours: the default cap on one message (emauth_imap_opts.max_message). */
#define IMAP_MESSAGE_MAX ((size_t)64 * 1024 * 1024)
/* Ours: the most UIDs one run reads; later runs take the rest. */
#define IMAP_UIDS_MAX 100000
/* Ours: message numbers per UID SEARCH. libcurl 7.88 keeps only the first
 * 40 bytes of a server line longer than half its receive buffer (16 KiB
 * by default); 500 UIDs of at most 10 digits stay well under that. */
#define IMAP_SEARCH_WINDOW 500
/* Ours: the untagged answers of one command (a SEARCH window, a FETCH of
 * sizes and flags, the capabilities). */
#define IMAP_REPLY_MAX ((size_t)1024 * 1024)

struct imap {
	CURL *c;
	const struct emauth_imap_opts *o;
	char *err;
	size_t errsize;
	char url[2048];     /* scheme://host[:port]/MAILBOX, without the user */
	char mailbox[1024]; /* the mailbox name, %-decoded */
	char archive[1100]; /* the archive folder as an IMAP quoted string */
	char last[300];     /* the server's last NO or BAD, escaped, untagged */
	char cerr[CURL_ERROR_SIZE];
	struct ea_buf reply; /* the untagged answers of a command */
	struct ea_buf msg;   /* the message being fetched */
	struct ea_buf *sink; /* where libcurl's body data goes */
	bool move, uidplus, folder_ok;
	bool quiet; /* failures leave im->err as it is */
};

/* What the server says about one message before it is fetched. */
struct msginfo {
	bool found, seen;
	uint32_t size;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct imap *im = arg;
	/* libcurl: a count other than the one given stops the transfer. */
	if (ea_buf_add(im->sink, p, size * n) != 0)
		return 0;
	return size * n;
}

/* Every line from the server (libcurl hands them over as "headers"): a
 * tagged NO or BAD answer is kept for the error text (libcurl logs out
 * after a failure, and that OK must not hide it). */
static size_t
on_line(char *p, size_t size, size_t n, void *arg)
{
	struct imap *im = arg;
	size_t len = size * n;
	struct emauth_span s = ea_span(p, len);
	while (s.len && (s.p[s.len - 1] == '\n' || s.p[s.len - 1] == '\r'))
		s.len--;
	/* Untagged data and continuation requests are not answers. */
	if (s.len == 0 || s.p[0] == '*' || s.p[0] == '+')
		return len;
	const uint8_t *sp = memchr(s.p, ' ', s.len);
	if (sp == NULL)
		return len;
	s.len -= (size_t)(sp + 1 - s.p);
	s.p = sp + 1;
	if (ea_span_istarts(s, "NO ") || ea_span_istarts(s, "BAD ") ||
	    ea_span_ieq_str(s, "NO") || ea_span_ieq_str(s, "BAD"))
		ea_escape(s, 200, im->last, sizeof(im->last));
	return len;
}

/* Replaces every copy of the password in @s by asterisks: the error texts
 * come partly from libcurl and the server. */
static void
scrub(char *s, const char *password)
{
	size_t n = password ? strlen(password) : 0;
	if (n == 0)
		return;
	char *p;
	while ((p = strstr(s, password)) != NULL)
		memset(p, '*', n);
}

static int
fail(struct imap *im, const char *what, CURLcode cr)
{
	if (im->quiet)
		return EMAUTH_EIO;
	const char *why = im->cerr[0] ? im->cerr : curl_easy_strerror(cr);
	if (im->last[0])
		ea_fmt(im->err, im->errsize, "%s: %s (the server: %s)", what,
		    why, im->last);
	else
		ea_fmt(im->err, im->errsize, "%s: %s", what, why);
	return EMAUTH_EIO;
}

/* Runs the command @cmd on the mailbox; its untagged answers are in
 * im->reply. libcurl logs in and selects the mailbox first when needed. */
static int
run(struct imap *im, const char *what, const char *cmd)
{
	ea_buf_reset(&im->reply);
	im->sink = &im->reply;
	im->last[0] = '\0';
	im->cerr[0] = '\0';
	curl_easy_setopt(im->c, CURLOPT_URL, im->url);
	curl_easy_setopt(im->c, CURLOPT_CUSTOMREQUEST, cmd);
	CURLcode cr = curl_easy_perform(im->c);
	if (cr == CURLE_OK)
		return 0;
	if (im->reply.err == EMAUTH_ETOOBIG) {
		if (!im->quiet)
			ea_fmt(im->err, im->errsize,
			    "%s: the answer is over %zu bytes", what,
			    (size_t)IMAP_REPLY_MAX);
		return EMAUTH_EIO;
	}
	if (im->reply.err == EMAUTH_ENOMEM)
		return EMAUTH_ENOMEM;
	return fail(im, what, cr);
}

/* The next line of @s from *@pos (without its CRLF); false at the end. */
static bool
next_line(struct emauth_span s, size_t *pos, struct emauth_span *line)
{
	if (*pos >= s.len)
		return false;
	const uint8_t *start = s.p + *pos;
	const uint8_t *nl = memchr(start, '\n', s.len - *pos);
	size_t n = nl ? (size_t)(nl - start) : s.len - *pos;
	*pos += nl ? n + 1 : n;
	if (n && start[n - 1] == '\r')
		n--;
	*line = ea_span(start, n);
	return true;
}

/* Whether @line starts with the untagged response "* NAME " (or is
 * "* NAME"); *@pos is then past it. */
static bool
untagged(struct emauth_span line, const char *name, size_t *pos)
{
	size_t n = strlen(name);
	if (line.len < 2 + n || line.p[0] != '*' || line.p[1] != ' ' ||
	    !ea_span_ieq(ea_span(line.p + 2, n), ea_span(name, n)))
		return false;
	if (line.len > 2 + n && line.p[2 + n] != ' ')
		return false;
	*pos = 2 + n;
	return true;
}

/* A number (RFC 9051 number, nz-number: at most 4294967295). */
static int
number(struct emauth_span s, size_t *pos, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = *pos, digits = 0;
	while (i < s.len && ea_is_digit(s.p[i])) {
		if (++digits > 10)
			return EMAUTH_ESYNTAX;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
		i++;
	}
	if (digits == 0 || v > UINT32_MAX)
		return EMAUTH_ESYNTAX;
	*out = (uint32_t)v;
	*pos = i;
	return 0;
}

/* Writes @name as an IMAP quoted string (RFC 9051 quoted: DQUOTE and
 * backslash escaped; CR, LF and NUL cannot be in one). */
static int
quote(const char *name, char *out, size_t size)
{
	size_t o = 0;
	if (size < 3 || name[0] == '\0')
		return EMAUTH_EINVAL;
	out[o++] = '"';
	for (const char *p = name; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch < 0x20 || ch == 0x7f)
			return EMAUTH_EINVAL;
		if (o + 4 > size)
			return EMAUTH_EINVAL;
		if (ch == '"' || ch == '\\')
			out[o++] = '\\';
		out[o++] = (char)ch;
	}
	out[o++] = '"';
	out[o] = '\0';
	return 0;
}

/* Copies a part of the URL; false when it is not there (or too long). */
static bool
url_part(CURLU *u, CURLUPart what, unsigned flags, char *out, size_t size)
{
	char *v = NULL;
	if (curl_url_get(u, what, &v, flags) != CURLUE_OK || v == NULL)
		return false;
	bool fits = strlen(v) < size;
	if (fits)
		ea_copy_str(out, size, v);
	curl_free(v);
	return fits;
}

/* Whether the URL has a part (empty or not). */
static bool
url_has(CURLU *u, CURLUPart what)
{
	char *v = NULL;
	if (curl_url_get(u, what, &v, 0) != CURLUE_OK || v == NULL)
		return false;
	curl_free(v);
	return true;
}

/* Splits the URL: the user and login options go to libcurl, the rest
 * (without them) makes im->url, which names the messages. */
static int
parse_url(struct imap *im, char *user, size_t usize, char *lopts, size_t lsize)
{
	int rc = EMAUTH_EINVAL;
	char scheme[8], host[300], port[8] = "", path[1024];
	char mailbox[sizeof(im->mailbox) + 1];
	CURLU *u = curl_url();
	if (u == NULL)
		return EMAUTH_ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, im->o->url, 0) != CURLUE_OK ||
	    !url_part(u, CURLUPART_SCHEME, 0, scheme, sizeof(scheme)) ||
	    (strcmp(scheme, "imap") != 0 && strcmp(scheme, "imaps") != 0)) {
		ea_fmt(im->err, im->errsize,
		    "not an IMAP URL (imaps://USER@HOST[:PORT]/MAILBOX)");
		goto out;
	}
	/* The URL is shown in messages and may sit on a command line. */
	if (url_has(u, CURLUPART_PASSWORD)) {
		ea_fmt(im->err, im->errsize,
		    "the URL holds a password: give it apart from the URL");
		goto out;
	}
	if (!url_part(u, CURLUPART_USER, CURLU_URLDECODE, user, usize) ||
	    user[0] == '\0') {
		ea_fmt(im->err, im->errsize,
		    "no user in the URL (imaps://USER@HOST[:PORT]/MAILBOX)");
		goto out;
	}
	lopts[0] = '\0';
	if (url_has(u, CURLUPART_OPTIONS) &&
	    !url_part(u, CURLUPART_OPTIONS, 0, lopts, lsize)) {
		ea_fmt(im->err, im->errsize,
		    "the URL's login options are too long");
		goto out;
	}
	if (!url_part(u, CURLUPART_HOST, 0, host, sizeof(host)) ||
	    host[0] == '\0') {
		ea_fmt(im->err, im->errsize, "no host in the URL");
		goto out;
	}
	if (url_has(u, CURLUPART_PORT) &&
	    !url_part(u, CURLUPART_PORT, 0, port, sizeof(port))) {
		ea_fmt(im->err, im->errsize, "not a port in the URL");
		goto out;
	}
	if (url_has(u, CURLUPART_QUERY) || url_has(u, CURLUPART_FRAGMENT)) {
		ea_fmt(im->err, im->errsize,
		    "the URL has a query or fragment: only a mailbox path");
		goto out;
	}
	/* The path is the mailbox (RFC 5092's ";UID=" and the like are
	 * added here, per message, not taken from the caller). */
	if (!url_part(u, CURLUPART_PATH, 0, path, sizeof(path)) ||
	    path[0] != '/' || path[1] == '\0' ||
	    path[strlen(path) - 1] == '/' || strchr(path, ';') != NULL ||
	    !url_part(
	        u, CURLUPART_PATH, CURLU_URLDECODE, mailbox, sizeof(mailbox)) ||
	    mailbox[0] != '/' || mailbox[1] == '\0') {
		ea_fmt(im->err, im->errsize,
		    "no mailbox in the URL (imaps://USER@HOST[:PORT]/MAILBOX)");
		goto out;
	}
	ea_copy_str(im->mailbox, sizeof(im->mailbox), mailbox + 1);
	char q[sizeof(im->mailbox) * 2 + 3];
	if (quote(im->mailbox, q, sizeof(q)) != 0) {
		ea_fmt(im->err, im->errsize,
		    "the mailbox name holds control characters");
		goto out;
	}
	int n = snprintf(im->url, sizeof(im->url), "%s://%s%s%s%s", scheme,
	    host, port[0] ? ":" : "", port, path);
	if (n < 0 || (size_t)n >= sizeof(im->url) - 20) {
		ea_fmt(im->err, im->errsize, "the URL is too long");
		goto out;
	}
	rc = 0;
out:
	curl_url_cleanup(u);
	return rc;
}

static void
capabilities(struct imap *im)
{
	struct emauth_span r = ea_span(im->reply.p, im->reply.len), line;
	size_t pos = 0, i;
	while (next_line(r, &pos, &line)) {
		if (!untagged(line, "CAPABILITY", &i))
			continue;
		while (i < line.len) {
			while (i < line.len && line.p[i] == ' ')
				i++;
			size_t start = i;
			while (i < line.len && line.p[i] != ' ')
				i++;
			struct emauth_span w =
			    ea_span(line.p + start, i - start);
			if (ea_span_ieq_str(w, "MOVE"))
				im->move = true;
			else if (ea_span_ieq_str(w, "UIDPLUS"))
				im->uidplus = true;
		}
	}
}

/* The number of messages in the mailbox (STATUS MESSAGES). */
static int
count(struct imap *im, uint32_t *out)
{
	char cmd[sizeof(im->mailbox) * 2 + 40];
	char q[sizeof(im->mailbox) * 2 + 3];
	quote(im->mailbox, q, sizeof(q));
	snprintf(cmd, sizeof(cmd), "STATUS %s (MESSAGES)", q);
	int rc = run(im, "STATUS", cmd);
	if (rc)
		return rc;
	struct emauth_span r = ea_span(im->reply.p, im->reply.len), line;
	size_t pos = 0, i;
	while (next_line(r, &pos, &line)) {
		if (!untagged(line, "STATUS", &i))
			continue;
		/* The attribute list is last (after a mailbox name that may
		 * hold parentheses itself). */
		const uint8_t *open = NULL;
		for (size_t k = i; k < line.len; k++)
			if (line.p[k] == '(')
				open = line.p + k;
		if (open == NULL)
			continue;
		i = (size_t)(open - line.p) + 1;
		while (i < line.len && line.p[i] != ')') {
			size_t start = i;
			while (i < line.len && line.p[i] != ' ' &&
			       line.p[i] != ')')
				i++;
			struct emauth_span name =
			    ea_span(line.p + start, i - start);
			if (i < line.len && line.p[i] == ' ')
				i++;
			uint32_t v;
			if (number(line, &i, &v) != 0)
				break;
			if (ea_span_ieq_str(name, "MESSAGES")) {
				*out = v;
				return 0;
			}
			if (i < line.len && line.p[i] == ' ')
				i++;
		}
	}
	ea_fmt(im->err, im->errsize, "STATUS: no message count in the answer");
	return EMAUTH_EIO;
}

static int
cmp_uid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The UIDs to read, oldest first: all of them when there is an archive
 * folder, else the unseen ones (neither marked \Deleted); at most
 * IMAP_UIDS_MAX.
 * @param out OUT: free with ea_free(). */
static int
search(struct imap *im, uint32_t **out, size_t *nout)
{
	uint32_t total = 0;
	int rc = count(im, &total);
	if (rc)
		return rc;
	uint32_t *uids = NULL;
	size_t n = 0, cap = 0;
	for (uint64_t first = 1; first <= total && n < IMAP_UIDS_MAX;
	     first += IMAP_SEARCH_WINDOW) {
		uint64_t last = first + IMAP_SEARCH_WINDOW - 1;
		if (last > total)
			last = total;
		char cmd[80];
		/* Not what is marked \Deleted: a copy left by a run that
		 * stopped before its EXPUNGE, or what the user deleted. */
		snprintf(cmd, sizeof(cmd), "UID SEARCH %lu:%lu UNDELETED%s",
		    (unsigned long)first, (unsigned long)last,
		    im->o->archive ? "" : " UNSEEN");
		rc = run(im, "UID SEARCH", cmd);
		if (rc)
			goto out;
		struct emauth_span r = ea_span(im->reply.p, im->reply.len);
		struct emauth_span line;
		size_t pos = 0, i;
		while (next_line(r, &pos, &line)) {
			if (!untagged(line, "SEARCH", &i))
				continue;
			while (i < line.len && line.p[i] == ' ' &&
			       n < IMAP_UIDS_MAX) {
				i++;
				uint32_t uid;
				/* RFC 7162 adds "(MODSEQ n)" at the end. */
				if (number(line, &i, &uid) != 0 || uid == 0)
					break;
				if (n == cap) {
					size_t nc = cap ? cap * 2 : 64;
					uint32_t *nu =
					    ea_realloc(uids, nc * sizeof(*nu));
					if (nu == NULL) {
						rc = EMAUTH_ENOMEM;
						goto out;
					}
					uids = nu;
					cap = nc;
				}
				uids[n++] = uid;
			}
		}
	}
	if (n > 1) {
		qsort(uids, n, sizeof(*uids), cmp_uid);
		size_t k = 1;
		for (size_t j = 1; j < n; j++)
			if (uids[j] != uids[k - 1])
				uids[k++] = uids[j];
		n = k;
	}
out:
	if (rc) {
		ea_free(uids);
		uids = NULL;
		n = 0;
	}
	*out = uids;
	*nout = n;
	return rc;
}

/* Skips one value of a FETCH response from line.p[*i]: an atom, a number
 * or a parenthesized list. False for what this does not read (quoted
 * strings, literals). */
static bool
skip_value(struct emauth_span line, size_t *i)
{
	size_t k = *i;
	if (k < line.len && (line.p[k] == '"' || line.p[k] == '{'))
		return false;
	if (k < line.len && line.p[k] == '(') {
		unsigned depth = 0;
		for (; k < line.len; k++) {
			if (line.p[k] == '"' || line.p[k] == '{')
				return false;
			if (line.p[k] == '(')
				depth++;
			else if (line.p[k] == ')' && --depth == 0)
				break;
		}
		if (k == line.len)
			return false;
		*i = k + 1;
		return true;
	}
	while (k < line.len && line.p[k] != ' ' && line.p[k] != ')')
		k++;
	*i = k;
	return true;
}

/* Reads one "* n FETCH (UID u RFC822.SIZE s FLAGS (...))" line for @uid. */
static void
fetch_line(struct emauth_span line, uint32_t uid, struct msginfo *mi)
{
	size_t i = 2;
	uint32_t seq, v;
	if (line.len < 2 || line.p[0] != '*' || line.p[1] != ' ' ||
	    number(line, &i, &seq) != 0 || i + 8 > line.len ||
	    !ea_span_ieq_str(ea_span(line.p + i, 8), " FETCH ("))
		return;
	i += 8;
	struct msginfo got = {false, false, 0};
	bool uid_seen = false, size_seen = false;
	while (i < line.len && line.p[i] != ')') {
		size_t start = i;
		while (i < line.len && line.p[i] != ' ')
			i++;
		struct emauth_span name = ea_span(line.p + start, i - start);
		if (i >= line.len)
			return;
		i++;
		if (ea_span_ieq_str(name, "UID")) {
			if (number(line, &i, &v) != 0)
				return;
			uid_seen = v == uid;
		} else if (ea_span_ieq_str(name, "RFC822.SIZE")) {
			if (number(line, &i, &got.size) != 0)
				return;
			size_seen = true;
		} else if (ea_span_ieq_str(name, "FLAGS")) {
			size_t fs = i;
			if (!skip_value(line, &i))
				return;
			for (size_t k = fs; k + 5 <= i; k++)
				if (ea_span_ieq_str(
				        ea_span(line.p + k, 5), "\\Seen") &&
				    (k + 5 == i || line.p[k + 5] == ' ' ||
				        line.p[k + 5] == ')'))
					got.seen = true;
		} else if (!skip_value(line, &i)) {
			return;
		}
		if (i < line.len && line.p[i] == ' ')
			i++;
	}
	if (uid_seen && size_seen) {
		got.found = true;
		*mi = got;
	}
}

/* The size and flags of message @uid; mi->found is false when it is gone
 * (taken by another client since the search). */
static int
info(struct imap *im, uint32_t uid, struct msginfo *mi)
{
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "UID FETCH %lu (RFC822.SIZE FLAGS)",
	    (unsigned long)uid);
	mi->found = mi->seen = false;
	mi->size = 0;
	int rc = run(im, "UID FETCH", cmd);
	if (rc)
		return rc;
	struct emauth_span r = ea_span(im->reply.p, im->reply.len), line;
	size_t pos = 0;
	while (next_line(r, &pos, &line))
		fetch_line(line, uid, mi);
	return 0;
}

/* The message @uid into im->msg (libcurl's ";UID=" URL: UID FETCH
 * BODY[], which also sets \Seen). */
static int
fetch(struct imap *im, uint32_t uid, uint32_t size)
{
	char url[sizeof(im->url) + 20];
	snprintf(url, sizeof(url), "%s;UID=%lu", im->url, (unsigned long)uid);
	ea_buf_reset(&im->msg);
	if (ea_buf_reserve(&im->msg, size) == EMAUTH_ENOMEM)
		return EMAUTH_ENOMEM;
	ea_buf_reset(&im->msg);
	im->sink = &im->msg;
	im->last[0] = '\0';
	im->cerr[0] = '\0';
	curl_easy_setopt(im->c, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(im->c, CURLOPT_URL, url);
	CURLcode cr = curl_easy_perform(im->c);
	if (im->msg.err == EMAUTH_ETOOBIG) {
		ea_fmt(im->err, im->errsize,
		    "UID %lu: over %zu bytes: left in the mailbox",
		    (unsigned long)uid,
		    im->o->max_message ? im->o->max_message : IMAP_MESSAGE_MAX);
		return EMAUTH_ETOOBIG;
	}
	if (im->msg.err == EMAUTH_ENOMEM)
		return EMAUTH_ENOMEM;
	if (cr != CURLE_OK) {
		char what[40];
		snprintf(
		    what, sizeof(what), "UID FETCH %lu", (unsigned long)uid);
		return fail(im, what, cr);
	}
	return 0;
}

/* Makes sure the archive folder exists, once a run: LIST, and CREATE when
 * it is not there (an "already exists" answer is fine: a race). */
static int
folder(struct imap *im)
{
	char cmd[sizeof(im->archive) + 20];
	if (im->folder_ok)
		return 0;
	snprintf(cmd, sizeof(cmd), "LIST \"\" %s", im->archive);
	int rc = run(im, "LIST", cmd);
	if (rc)
		return rc;
	struct emauth_span r = ea_span(im->reply.p, im->reply.len), line;
	size_t pos = 0, i;
	bool found = false;
	while (next_line(r, &pos, &line))
		if (untagged(line, "LIST", &i))
			found = true;
	if (!found) {
		snprintf(cmd, sizeof(cmd), "CREATE %s", im->archive);
		rc = run(im, "CREATE", cmd);
		/* RFC 5530 ALREADYEXISTS; older servers only say so. */
		if (rc == EMAUTH_EIO && (strstr(im->last, "ALREADYEXISTS") ||
		                            strstr(im->last, "already exists")))
			rc = 0;
		if (rc)
			return rc;
	}
	im->folder_ok = true;
	return 0;
}

/* Moves message @uid to the archive folder: UID MOVE (RFC 6851), or UID
 * COPY, \Deleted and UID EXPUNGE (RFC 4315) or EXPUNGE. */
static int
archive(struct imap *im, uint32_t uid)
{
	char cmd[sizeof(im->archive) + 40];
	unsigned long u = uid;
	int rc = folder(im);
	if (rc)
		return rc;
	if (im->move) {
		snprintf(cmd, sizeof(cmd), "UID MOVE %lu %s", u, im->archive);
		return run(im, "UID MOVE", cmd);
	}
	snprintf(cmd, sizeof(cmd), "UID COPY %lu %s", u, im->archive);
	if ((rc = run(im, "UID COPY", cmd)) != 0)
		return rc;
	snprintf(
	    cmd, sizeof(cmd), "UID STORE %lu +FLAGS.SILENT (\\Deleted)", u);
	if ((rc = run(im, "UID STORE", cmd)) != 0)
		return rc;
	if (im->uidplus) {
		snprintf(cmd, sizeof(cmd), "UID EXPUNGE %lu", u);
		return run(im, "UID EXPUNGE", cmd);
	}
	return run(im, "EXPUNGE", "EXPUNGE");
}

static int
set_seen(struct imap *im, uint32_t uid, bool on)
{
	char cmd[80];
	snprintf(cmd, sizeof(cmd), "UID STORE %lu %cFLAGS.SILENT (\\Seen)",
	    (unsigned long)uid, on ? '+' : '-');
	return run(im, "UID STORE", cmd);
}

/* One message: its size and flags, the message, the callback, then
 * archived or marked seen. A message that goes wrong is left as it was:
 * unseen again if it was (fetching BODY[] sets \Seen). */
static int
one(struct imap *im, uint32_t uid,
    int (*each)(void *, const char *, struct emauth_span), void *arg)
{
	size_t max = im->o->max_message ? im->o->max_message : IMAP_MESSAGE_MAX;
	struct msginfo mi;
	int rc = info(im, uid, &mi);
	if (rc || !mi.found)
		return rc;
	if (mi.size > max) {
		ea_fmt(im->err, im->errsize,
		    "UID %lu: %lu bytes, over %zu: left in the mailbox",
		    (unsigned long)uid, (unsigned long)mi.size, max);
		return EMAUTH_ETOOBIG;
	}
	rc = fetch(im, uid, mi.size);
	if (rc == 0) {
		char source[sizeof(im->url) + 20];
		snprintf(source, sizeof(source), "%s;UID=%lu", im->url,
		    (unsigned long)uid);
		rc = each(arg, source, ea_span(im->msg.p, im->msg.len));
		if (rc == 0)
			return im->o->archive ? archive(im, uid)
			                      : set_seen(im, uid, true);
	}
	/* Left where it was, with the error text of @rc. */
	if (!mi.seen) {
		im->quiet = true;
		set_seen(im, uid, false);
		im->quiet = false;
	}
	return rc;
}

EMAUTH_API int
emauth_report_imap(const struct emauth_imap_opts *o,
    int (*each)(void *arg, const char *source, struct emauth_span msg),
    void *arg, char *err, size_t errsize)
{
	char dummy[8];
	if (err == NULL || errsize == 0) {
		err = dummy;
		errsize = sizeof(dummy);
	}
	err[0] = '\0';
	if (o == NULL || o->url == NULL || each == NULL) {
		ea_fmt(err, errsize, "no IMAP URL");
		return EMAUTH_EINVAL;
	}
	if (o->password == NULL || o->password[0] == '\0') {
		ea_fmt(err, errsize, "no IMAP password");
		return EMAUTH_EINVAL;
	}
	struct imap *im = ea_calloc(1, sizeof(*im));
	if (im == NULL)
		return EMAUTH_ENOMEM;
	im->o = o;
	im->err = err;
	im->errsize = errsize;
	ea_buf_init(&im->reply, IMAP_REPLY_MAX);
	ea_buf_init(
	    &im->msg, o->max_message ? o->max_message : IMAP_MESSAGE_MAX);
	uint32_t *uids = NULL;
	size_t n = 0;
	char user[512], lopts[256];
	int rc = parse_url(im, user, sizeof(user), lopts, sizeof(lopts));
	if (rc)
		goto out_free;
	if (o->archive != NULL &&
	    (quote(o->archive, im->archive, sizeof(im->archive)) != 0 ||
	        strcmp(o->archive, im->mailbox) == 0 ||
	        (ea_span_ieq_str(ea_span_str(o->archive), "INBOX") &&
	            ea_span_ieq_str(ea_span_str(im->mailbox), "INBOX")))) {
		ea_fmt(err, errsize,
		    "not an archive folder: empty, with control characters, "
		    "or the mailbox itself");
		rc = EMAUTH_EINVAL;
		goto out_free;
	}
	if ((im->c = curl_easy_init()) == NULL) {
		ea_fmt(err, errsize, "libcurl: cannot start");
		rc = EMAUTH_EIO;
		goto out_free;
	}
	CURL *c = im->c;
	curl_easy_setopt(c, CURLOPT_USERNAME, user);
	curl_easy_setopt(c, CURLOPT_PASSWORD, o->password);
	if (lopts[0])
		curl_easy_setopt(c, CURLOPT_LOGIN_OPTIONS, lopts);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "imap,imaps");
#endif
	/* imap://: STARTTLS or nothing (RFC 9051 §11.1: the password only
	 * over TLS); imaps:// is TLS from the start. */
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (o->ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
#if LIBCURL_VERSION_NUM >= 0x080600
	curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT_MS, 60000L);
#else
	curl_easy_setopt(c, CURLOPT_SERVER_RESPONSE_TIMEOUT, 60L);
#endif
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 600L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, im);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_line);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, im);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, im->cerr);

	/* Logs in, selects the mailbox; what the server can do. */
	if ((rc = run(im, "opening the mailbox", "CAPABILITY")) != 0)
		goto out_free;
	capabilities(im);
	if ((rc = search(im, &uids, &n)) != 0)
		goto out_free;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = one(im, uids[i], each, arg);
out_free:
	if (rc == 0)
		err[0] = '\0';
	scrub(err, o->password);
	ea_free(uids);
	if (im->c != NULL)
		curl_easy_cleanup(im->c);
	ea_buf_release(&im->reply);
	ea_buf_release(&im->msg);
	ea_free(im);
	return rc;
}
