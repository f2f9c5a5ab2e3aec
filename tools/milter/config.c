/*
 * config.c: reading emauth-milter's configuration (see config.h). The
 * formats are OpenDKIM's: opendkim.conf(5) keys, a KeyTable of "NAME
 * DOMAIN:SELECTOR:KEYFILE" lines, a SigningTable of "PATTERN NAME" lines
 * (refile: makes the patterns wildcards, "*" matching any run of
 * characters), and host lists of addresses, networks and names (".name"
 * for a whole domain), one a line in a file or comma-separated.
 *
 * Files are read a byte at a time into a line buffer of MC_LINE_MAX bytes:
 * the line, the file size and the entry count are each checked where they
 * would be exceeded, so a hostile file costs at most its cap to read.
 * Arrays grow by doubling, and the check that every SigningTable entry
 * names a key sorts the KeyTable's names, so loading is O(n log n).
 *
 * Nothing is ignored silently: a key that neither emauth-milter nor
 * OpenDKIM knows is an error suggesting the closest known key (a
 * misspelt DMARCEnforce must not turn enforcement off), OpenDKIM's keys
 * that are not used here get a notice, a value of more words than its key
 * takes is an error (several keys on one line), and so is anything after
 * an entry on a table or host-list line.
 */
#define _POSIX_C_SOURCE 200809L

#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct reader {
	const char *path;
	unsigned line;
	char *err;
	size_t errsize;
	size_t bytes; /* read from the file so far, within MC_FILE_MAX */
	char *warn;   /* warnings (may be NULL) */
	size_t warnsize;
};

static int fail(struct reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, r->errsize, "%s:%u: ", r->path, r->line);
	if (n < 0 || (size_t)n >= r->errsize)
		return -1;
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->errsize - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void vwarnf(char *warn, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
vwarnf(char *warn, size_t size, const char *fmt, va_list ap)
{
	if (warn == NULL)
		return;
	size_t l = strlen(warn);
	if (l + 2 >= size)
		return;
	vsnprintf(warn + l, size - l, fmt, ap);
	l = strlen(warn);
	if (l + 1 < size) {
		warn[l] = '\n';
		warn[l + 1] = '\0';
	}
}

void
milter_config_warn(char *warn, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarnf(warn, size, fmt, ap);
	va_end(ap);
}

/* A warning naming the reader's file and line. */
static void rwarn(struct reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
rwarn(struct reader *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	milter_config_warn(
	    r->warn, r->warnsize, "%s:%u: %s", r->path, r->line, msg);
}

/* Reads the next non-empty, non-comment line of @f into @buf (of
 * MC_LINE_MAX + 1 bytes), trimmed. Returns 1, 0 at the end, or -1 after
 * fail() for a line longer than MC_LINE_MAX bytes, a NUL byte, a file
 * longer than MC_FILE_MAX bytes or a read error. */
static int
next_line(FILE *f, struct reader *r, char *buf)
{
	int ch;
	while ((ch = getc_unlocked(f)) != EOF) {
		size_t n = 0;
		r->line++;
		for (;; ch = getc_unlocked(f)) {
			if (ch == EOF || ch == '\n')
				break;
			if (++r->bytes > MC_FILE_MAX)
				return fail(r,
				    "the file is longer than %d bytes",
				    MC_FILE_MAX);
			if (ch == '\0')
				return fail(r, "NUL byte in the line");
			if (n == MC_LINE_MAX)
				return fail(r, "line longer than %d bytes",
				    MC_LINE_MAX);
			buf[n++] = (char)ch;
		}
		if (ch == '\n' && ++r->bytes > MC_FILE_MAX)
			return fail(
			    r, "the file is longer than %d bytes", MC_FILE_MAX);
		buf[n] = '\0';
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		n = strlen(buf);
		while (n && isspace((unsigned char)buf[n - 1]))
			buf[--n] = '\0';
		size_t s = 0;
		while (buf[s] && isspace((unsigned char)buf[s]))
			s++;
		if (s)
			memmove(buf, buf + s, n - s + 1);
		if (buf[0])
			return 1;
		if (ch == EOF)
			break;
	}
	if (ferror(f))
		return fail(r, "read error: %s", strerror(errno));
	return 0;
}

/* Splits "first rest" at the first run of whitespace. */
static char *
split(char *line)
{
	char *p = line;
	while (*p && !isspace((unsigned char)*p))
		p++;
	if (*p == '\0')
		return p;
	*p++ = '\0';
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

static int
copy(struct reader *r, const char *key, const char *v, char *out, size_t size)
{
	if (strlen(v) >= size)
		return fail(
		    r, "%s: value longer than %zu bytes", key, size - 1);
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* A whole number from @lo to @hi (@hi at most ULONG_MAX / 10) for @key:
 * digits only. Zero, anything not a number and anything out of range is an
 * error naming the line, never clamped to the range. */
static int
number(struct reader *r, const char *key, const char *v, unsigned long lo,
    unsigned long hi, unsigned long *out)
{
	unsigned long n = 0;
	bool over = false;
	for (const char *p = v; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return fail(
			    r, "%s: '%s' is not a positive number", key, v);
		if (n > hi)
			over = true;
		else
			n = n * 10 + (unsigned long)(*p - '0');
	}
	if (!over && n == 0)
		return fail(r, "%s: '%s' is not a positive number", key, v);
	if (over || n < lo || n > hi)
		return fail(
		    r, "%s: %s is out of range (%lu to %lu)", key, v, lo, hi);
	*out = n;
	return 0;
}

/* AuthservID: what emauth_authres_format() accepts (letters, digits and
 * ".-_+"), so that a field is always written. */
static bool
authserv_id_ok(const char *v)
{
	if (v[0] == '\0')
		return false;
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_+", *p))
			return false;
	return true;
}

/* When AuthservID is not set: the host name, read once per configuration,
 * so that the field added and the forged fields removed carry the same id.
 * A host name that cannot be an authserv-id gives "localhost", with a
 * warning. */
static void
default_authserv_id(
    struct milter_config *c, const char *path, char *warn, size_t warnsize)
{
	char h[256];
	if (gethostname(h, sizeof(h)) != 0)
		h[0] = '\0';
	h[sizeof(h) - 1] = '\0';
	if (!authserv_id_ok(h)) {
		milter_config_warn(warn, warnsize,
		    "%s: AuthservID is not set and the host name '%s' cannot "
		    "be one: using 'localhost'",
		    path, h);
		snprintf(h, sizeof(h), "localhost");
	}
	snprintf(c->authserv_id, sizeof(c->authserv_id), "%s", h);
}

static int
boolean(struct reader *r, const char *key, const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcasecmp(v, "1") || !strcasecmp(v, "on"))
		*out = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
	         !strcasecmp(v, "0") || !strcasecmp(v, "off"))
		*out = false;
	else
		return fail(r, "%s: '%s' is not yes or no", key, v);
	return 0;
}

/* One host-list entry: an address, a network, or a host name. */
static int
parse_net(struct reader *r, const char *s, struct mc_net *n)
{
	char buf[300];
	memset(n, 0, sizeof(*n));
	if (s[0] == '!')
		return fail(r,
		    "'%s': exceptions (\"!\") are not supported; list only the "
		    "hosts to include",
		    s);
	if (strlen(s) >= sizeof(buf))
		return fail(r, "host entry too long");
	memcpy(buf, s, strlen(s) + 1);
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash) {
		char *end;
		*slash = '\0';
		bits = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || bits < 0)
			return fail(r, "'%s': bad prefix length", s);
	}
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = 4;
		n->bits = bits < 0 ? 32 : (unsigned)bits;
		if (bits > 32)
			return fail(
			    r, "'%s': an IPv4 prefix is at most /32", s);
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->family = 6;
		n->bits = bits < 0 ? 128 : (unsigned)bits;
		if (bits > 128)
			return fail(
			    r, "'%s': an IPv6 prefix is at most /128", s);
	} else {
		if (slash)
			return fail(
			    r, "'%s' is not an address or a network", s);
		for (const char *p = buf; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-' && *p != '_')
				return fail(r, "'%s' is not a host name", s);
		if (strlen(buf) >= sizeof(n->host))
			return fail(r, "'%s': host name too long", s);
		memcpy(n->host, buf, strlen(buf) + 1);
	}
	return 0;
}

int
milter_file_open(
    const char *path, size_t max, struct stat *sb, char *why, size_t whysize)
{
	struct stat st;
	const char *kind = NULL;
	int fl, fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		snprintf(why, whysize, "%s", strerror(e));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		kind = "is a directory";
	else if (S_ISFIFO(st.st_mode))
		kind = "is not a regular file (a FIFO)";
	else if (S_ISCHR(st.st_mode))
		kind = "is not a regular file (a character device)";
	else if (S_ISBLK(st.st_mode))
		kind = "is not a regular file (a block device)";
	else if (S_ISSOCK(st.st_mode))
		kind = "is not a regular file (a socket)";
	else if (!S_ISREG(st.st_mode))
		kind = "is not a regular file";
	if (kind) {
		snprintf(why, whysize, "%s", kind);
		goto out_close;
	}
	if (st.st_size < 0 || (unsigned long long)st.st_size > max) {
		snprintf(why, whysize, "is larger than %zu bytes", max);
		goto out_close;
	}
	/* A regular file never blocks; reads go on in the usual mode. */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		snprintf(why, whysize, "%s", strerror(errno));
		goto out_close;
	}
	if (sb)
		*sb = st;
	return fd;
out_close:
	close(fd);
	return -1;
}

/* Opens @path as a configuration file (a regular file of at most
 * MC_FILE_MAX bytes). Returns the stream, or NULL with what is wrong in
 * @why. */
static FILE *
open_config_file(const char *path, char *why, size_t whysize)
{
	int fd = milter_file_open(path, MC_FILE_MAX, NULL, why, whysize);
	if (fd < 0)
		return NULL;
	FILE *f = fdopen(fd, "r");
	if (f == NULL) {
		snprintf(why, whysize, "%s", strerror(errno));
		close(fd);
	}
	return f;
}

/* Calls @fn on each line of the file @path (named @what in messages),
 * with a reader that names that file and line. */
typedef int (*line_fn)(struct reader *r, char *line, void *arg);

static int
read_lines(
    struct reader *r, const char *what, const char *path, line_fn fn, void *arg)
{
	char why[128];
	FILE *f = open_config_file(path, why, sizeof(why));
	char line[MC_LINE_MAX + 1];
	struct reader sub = {
	    path, 0, r->err, r->errsize, 0, r->warn, r->warnsize};
	int rc;
	if (f == NULL)
		return fail(r, "%s %s: %s", what, path, why);
	while ((rc = next_line(f, &sub, line)) == 1 &&
	       (rc = fn(&sub, line, arg)) == 0)
		;
	fclose(f);
	return rc < 0 ? -1 : 0;
}

/* Makes room for one more element of @size in *@v (holding @n, with room
 * for *@cap), within MC_ENTRIES_MAX: the room doubles when it runs out, so
 * loading n entries copies O(n) of them. Returns the new element, zeroed,
 * or NULL after fail(). */
static void *
grow(struct reader *r, void **v, size_t n, size_t *cap, size_t size)
{
	if (n >= MC_ENTRIES_MAX) {
		fail(r, "more than %d entries", MC_ENTRIES_MAX);
		return NULL;
	}
	if (n >= *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		if (ncap > MC_ENTRIES_MAX)
			ncap = MC_ENTRIES_MAX;
		char *nv = realloc(*v, ncap * size);
		if (nv == NULL) {
			fail(r, "out of memory");
			return NULL;
		}
		*v = nv;
		*cap = ncap;
	}
	char *e = (char *)*v + n * size;
	memset(e, 0, size);
	return e;
}

/* A host list being read: the key that names it (for messages) and
 * whether it is the ExternalIgnoreList (else InternalHosts). */
struct nets_arg {
	struct mc_nets *l;
	const char *key;
	bool ignore;
};

/* A network of a large share of all addresses (every one, for /0) in a
 * host list is a warning that names what it does: every client there is
 * signed for (an open signer), or never refused for DMARC. */
static void
wide_net_warn(struct reader *r, const struct nets_arg *x, const char *s,
    const struct mc_net *n)
{
	unsigned shortest = n->family == 4 ? 8 : 16;
	char share[64];
	if (n->family == 0 || n->bits >= shortest)
		return;
	if (n->bits == 0)
		snprintf(share, sizeof(share), "every IPv%d client", n->family);
	else
		snprintf(share, sizeof(share), "1/%lu of all IPv%d clients",
		    1UL << n->bits, n->family);
	if (x->ignore)
		rwarn(r,
		    "%s %s covers %s: their mail is never rejected or "
		    "quarantined for failing DMARC (DMARCEnforce is off for "
		    "them)",
		    x->key, s, share);
	else
		rwarn(r,
		    "%s %s covers %s: their mail is signed with your keys, "
		    "so anyone there can send mail signed as your domains "
		    "(an open signer)",
		    x->key, s, share);
}

static int
add_net(struct reader *r, const struct nets_arg *x, const char *s)
{
	struct mc_nets *l = x->l;
	struct mc_net *n = grow(r, (void **)&l->v, l->n, &l->cap, sizeof(*n));
	if (n == NULL || parse_net(r, s, n) != 0)
		return -1;
	wide_net_warn(r, x, s, n);
	l->n++;
	return 0;
}

/* One entry a line: anything after it (but a comment) is an error, never
 * ignored. */
static int
net_line(struct reader *r, char *line, void *arg)
{
	char *rest = split(line);
	if (rest[0])
		return fail(r,
		    "'%s' follows the entry '%s': one address, network or host "
		    "name a line",
		    rest, line);
	return add_net(r, arg, line);
}

/* OpenDKIM's data set types other than files (opendkim.conf(5), "DATA
 * SETS"): a table or list of one of these cannot be read here. Returns
 * the type @v starts with, or NULL. */
static const char *
dataset_type(const char *v)
{
	static const char *const types[] = {
	    "db:", "dsn:", "ldap:", "ldaps:", "ldapi:", "lua:", "memcache:",
	    "mdb:", "erlang:", "redis:", "rest:", "repute:", NULL};
	for (size_t i = 0; types[i]; i++)
		if (strncasecmp(v, types[i], strlen(types[i])) == 0)
			return types[i];
	return NULL;
}

/* A host list for @key: "csl:a,b", "a,b", a file of entries ("file:",
 * "refile:" or an absolute path), or one entry. Entries of a list are
 * separated by commas (the value's shape is checked before, so none holds
 * white space). */
static int
load_nets(struct reader *r, const char *key, const char *v, struct mc_nets *l,
    bool ignore)
{
	struct nets_arg x = {l, key, ignore};
	bool file = false;
	const char *t = dataset_type(v);
	if (t)
		return fail(r,
		    "%s: %s data sets are not supported (a list, a file, "
		    "file: or refile:)",
		    key, t);
	if (strncmp(v, "refile:", 7) == 0 || strncmp(v, "file:", 5) == 0) {
		v = strchr(v, ':') + 1;
		file = true;
	} else if (strncmp(v, "csl:", 4) == 0) {
		v += 4;
	} else {
		file = v[0] == '/' && strchr(v, ',') == NULL;
	}
	if (file)
		return read_lines(r, "host list", v, net_line, &x);
	char buf[MC_LINE_MAX + 1];
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *e = buf, *next; e; e = next) {
		next = strchr(e, ',');
		if (next)
			*next++ = '\0';
		while (isspace((unsigned char)*e))
			e++;
		size_t n = strlen(e);
		while (n && isspace((unsigned char)e[n - 1]))
			e[--n] = '\0';
		if (n && add_net(r, &x, e) != 0)
			return -1;
	}
	return 0;
}

static int
key_line(struct reader *r, char *line, void *arg)
{
	struct milter_config *c = arg;
	char *d = split(line), *sel = strchr(d, ':');
	char *k = sel ? strchr(sel + 1, ':') : NULL;
	if (strpbrk(d, " \t"))
		return fail(r,
		    "'%s' is more than DOMAIN:SELECTOR:KEYFILE: one NAME "
		    "DOMAIN:SELECTOR:KEYFILE a line",
		    d);
	if (!sel || !k || sel == d || k == sel + 1 || !k[1])
		return fail(r, "expected NAME DOMAIN:SELECTOR:KEYFILE");
	*sel++ = '\0';
	*k++ = '\0';
	struct mc_key *key =
	    grow(r, (void **)&c->keys, c->nkeys, &c->keys_cap, sizeof(*key));
	if (key == NULL ||
	    copy(r, "key name", line, key->name, sizeof(key->name)) ||
	    copy(r, "domain", d, key->domain, sizeof(key->domain)) ||
	    copy(r, "selector", sel, key->selector, sizeof(key->selector)) ||
	    copy(r, "key file", k, key->keyfile, sizeof(key->keyfile)))
		return -1;
	key->table = (unsigned)(c->nkeytables - 1);
	key->line = r->line;
	c->nkeys++;
	return 0;
}

/* A KeyTable: a file, "file:" and a file, or "refile:" and a file.
 * OpenDKIM takes a refile: KeyTable too; its entries are looked up by
 * key name, so it is read as the same file. Each KeyTable file is kept
 * by name, so that a key's messages name its file and line. */
static int
load_keytable(struct reader *r, const char *v, struct milter_config *c)
{
	const char *t = dataset_type(v);
	if (t)
		return fail(r,
		    "KeyTable: %s data sets are not supported (a file, file: "
		    "or refile:)",
		    t);
	if (strncmp(v, "file:", 5) == 0)
		v += 5;
	else if (strncmp(v, "refile:", 7) == 0)
		v += 7;
	char **nt = realloc(c->keytables, (c->nkeytables + 1) * sizeof(*nt));
	if (nt == NULL)
		return fail(r, "out of memory");
	c->keytables = nt;
	if ((nt[c->nkeytables] = strdup(v)) == NULL)
		return fail(r, "out of memory");
	c->nkeytables++;
	return read_lines(r, "KeyTable", v, key_line, c);
}

static int
sign_line(struct reader *r, char *line, void *arg)
{
	struct milter_config *c = arg;
	char *key = split(line);
	if (!key[0] || strpbrk(key, " \t"))
		return fail(r, "expected PATTERN KEYNAME");
	struct mc_sign *e = grow(
	    r, (void **)&c->signing, c->nsigning, &c->signing_cap, sizeof(*e));
	if (e == NULL ||
	    copy(r, "pattern", line, e->pattern, sizeof(e->pattern)) ||
	    copy(r, "key name", key, e->key, sizeof(e->key)))
		return -1;
	e->line = r->line;
	c->nsigning++;
	return 0;
}

static int
load_signingtable(struct reader *r, const char *v, struct milter_config *c)
{
	const char *t = dataset_type(v);
	if (t)
		return fail(r,
		    "SigningTable: %s data sets are not supported (a file, "
		    "file: or refile:)",
		    t);
	if (strncmp(v, "refile:", 7) == 0) {
		c->signing_refile = true;
		v += 7;
	} else if (strncmp(v, "file:", 5) == 0) {
		v += 5;
	}
	if (copy(r, "SigningTable", v, c->signing_path,
	        sizeof(c->signing_path)) != 0)
		return -1;
	return read_lines(r, "SigningTable", v, sign_line, c);
}

static int
cmp_keys(const void *a, const void *b)
{
	const struct mc_key *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

static int
cmp_name_key(const void *name, const void *k)
{
	const struct mc_key *const *y = k;
	return strcmp(*(const char *const *)name, (*y)->name);
}

/* "domain:selector:keyfile" written in the SigningTable: each part whole
 * (never a cut key file name, which would be another file) or false. */
static bool
inline_key_parse(const char *name, struct mc_key *out)
{
	memset(out, 0, sizeof(*out));
	const char *c1 = strchr(name, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (c2 == NULL)
		return false;
	size_t dl = (size_t)(c1 - name), sl = (size_t)(c2 - c1 - 1),
	       kl = strlen(c2 + 1);
	if (dl == 0 || sl == 0 || kl == 0 || dl >= sizeof(out->domain) ||
	    sl >= sizeof(out->selector) || kl >= sizeof(out->keyfile))
		return false;
	memcpy(out->domain, name, dl);
	memcpy(out->selector, c1 + 1, sl);
	memcpy(out->keyfile, c2 + 1, kl);
	return true;
}

/* Every SigningTable entry names a key that exists ("domain:selector:file"
 * is a key in itself). The KeyTable's names are sorted once, so that the
 * check costs O(n log n) for tables of MC_ENTRIES_MAX entries. Returns 0,
 * or -1 with "SIGNINGTABLE:LINE: ..." in @err. */
static int
check_key_names(const struct milter_config *c, char *err, size_t errsize)
{
	int rc = 0;
	const struct mc_key **sorted = NULL;
	if (c->nsigning == 0)
		return 0;
	if (c->nkeys) {
		sorted = malloc(c->nkeys * sizeof(*sorted));
		if (sorted == NULL) {
			snprintf(
			    err, errsize, "%s: out of memory", c->signing_path);
			return -1;
		}
		for (size_t i = 0; i < c->nkeys; i++)
			sorted[i] = &c->keys[i];
		qsort(sorted, c->nkeys, sizeof(*sorted), cmp_keys);
	}
	for (size_t i = 0; i < c->nsigning; i++) {
		const char *name = c->signing[i].key;
		struct mc_key k;
		if (strchr(name, ':') != NULL) {
			if (inline_key_parse(name, &k))
				continue;
			snprintf(err, errsize,
			    "%s:%u: '%s' is not DOMAIN:SELECTOR:KEYFILE (at "
			    "most %zu, %zu and %zu bytes)",
			    c->signing_path, c->signing[i].line, name,
			    sizeof(k.domain) - 1, sizeof(k.selector) - 1,
			    sizeof(k.keyfile) - 1);
			rc = -1;
			break;
		}
		if (sorted && bsearch(&name, sorted, c->nkeys, sizeof(*sorted),
		                  cmp_name_key) != NULL)
			continue;
		snprintf(err, errsize,
		    "%s:%u: the SigningTable names key '%s', which the "
		    "KeyTable does not have",
		    c->signing_path, c->signing[i].line, name);
		rc = -1;
		break;
	}
	free(sorted);
	return rc;
}

/* What a key's value is: one word, a list of words separated by commas
 * (white space around the commas allowed), free text, or the value of an
 * OpenDKIM key not used here (any words, never quoted: it may be a
 * password, as LDAPBindPassword's). */
enum vkind { V_WORD, V_LIST, V_TEXT, V_OPENDKIM };

/* emauth-milter's keys (emauth-milter.conf(5)), sorted. */
static const struct {
	const char *name;
	enum vkind kind;
} own_keys[] = {
    {"ARCSign", V_WORD},
    {"ARCTrustedSealers", V_LIST},
    {"RewriteFrom", V_WORD},
    {"RewriteFromDomain", V_WORD},
    {"RewriteFromFormat", V_TEXT},
    {"RewriteFromOrganization", V_TEXT},
    {"AddAuthenticationResults", V_WORD},
    {"AuthservID", V_WORD},
    {"Canonicalization", V_WORD},
    {"DMARCEnforce", V_WORD},
    {"DMARCMode", V_WORD},
    {"DNS", V_WORD},
    {"DNSBudget", V_WORD},
    {"DNSTimeout", V_WORD},
    {"FailureReports", V_WORD},
    {"FailureReportsBody", V_WORD},
    {"FailureReportsPerHour", V_WORD},
    {"FailureReportsRedact", V_WORD},
    {"Domain", V_LIST},
    {"ExternalIgnoreList", V_LIST},
    {"InternalHosts", V_LIST},
    {"KeyFile", V_WORD},
    {"KeyTable", V_WORD},
    {"LogWhy", V_WORD},
    {"MaximumHeaderBytes", V_WORD},
    {"Mode", V_WORD},
    {"MultipleSignatures", V_WORD},
    {"Nameservers", V_LIST},
    {"OversignHeaders", V_LIST}, /* OpenDKIM's OverSignHeaders */
    {"PidFile", V_WORD},
    {"RejectMessage", V_TEXT},
    {"ReportBacklog", V_WORD},
    {"ReportEmail", V_WORD},
    {"ReportKeepDays", V_WORD},
    {"ReportOrgName", V_TEXT},
    {"ReportStore", V_WORD},
    {"ReportSubmit", V_WORD},
    {"Selector", V_WORD},
    {"SignatureAlgorithm", V_WORD},
    {"SigningTable", V_WORD},
    {"Socket", V_WORD},
    {"Syslog", V_WORD},
    {"SyslogSuccess", V_WORD},
    {"TempFailOnDNSError", V_WORD},
    {"TrustedHosts", V_LIST},
    {"UMask", V_WORD},
    {"UserID", V_WORD},
};

/*
 * Every other key of opendkim.conf(5): OpenDKIM's own table of keys
 * (opendkim/opendkim-config.h, dkimf_config[]) in releases 2.10 and 2.11,
 * with every build option (LDAP, Lua, the _FFR_ features), and the ADSP,
 * reputation and other keys older releases had. emauth-milter takes them
 * with a notice and does nothing with them. "Include" is one of them, but
 * an error: the settings of the file it names would be lost.
 */
static const char *const opendkim_keys[] = {"ADSPAction", "ADSPNoSuchDomain",
    "ATPSDomains", "ATPSHashAlgorithm", "AddAllSignatureResults",
    "AllowSHA1Only", "AlwaysAddARHeader", "AuthservIDWithJobID", "AutoRestart",
    "AutoRestartCount", "AutoRestartRate", "Background", "BaseDirectory",
    "BodyLengthDB", "BogusKey", "BogusPolicy", "CaptureUnknownErrors",
    "ChangeRootDirectory", "ClockDrift", "ConditionalSignatures",
    "DKIMReputationFail", "DKIMReputationPass", "DKIMReputationReject",
    "DKIMReputationRoot", "DNSConnect", "DefaultSender", "DiagnosticDirectory",
    "Diagnostics", "DisableADSP", "DisableCryptoInit", "DomainKeysCompat",
    "DontSignMailTo", "EnableCoredumps", "ExemptDomains", "FinalPolicyScript",
    "FixCRLF", "FlowData", "FlowDataFactor", "FlowDataTTL", "IdentityHeader",
    "IdentityHeaderRemove", "IgnoreMalformedMail", "Include", "KeepAuthResults",
    "KeepTemporaryFiles", "LDAPAuthMechanism", "LDAPAuthName", "LDAPAuthRealm",
    "LDAPAuthUser", "LDAPBindPassword", "LDAPBindUser", "LDAPDisableCache",
    "LDAPKeepaliveIdle", "LDAPKeepaliveInterval", "LDAPKeepaliveProbes",
    "LDAPSoftStart", "LDAPTimeout", "LDAPUseTLS", "LocalADSP", "LogResults",
    "LuaOnlySigning", "MTA", "MTACommand", "MacroList", "MaximumHeaders",
    "MaximumSignaturesToVerify", "MaximumSignedBytes", "MilterDebug", "Minimum",
    "MinimumKeyBits", "MustBeSigned", "NoDiscardableMailTo", "NoHeaderB",
    "OmitHeaders", "On-BadSignature", "On-DNSError", "On-Default",
    "On-InternalError", "On-KeyNotFound", "On-NoSignature", "On-PolicyError",
    "On-ReputationError", "On-Security", "On-SignatureError", "POPDBFile",
    "PeerList", "Quarantine", "QueryCache", "RateLimits", "RedirectFailuresTo",
    "RemoveARAll", "RemoveARFrom", "RemoveOldSignatures", "ReplaceRules",
    "ReportAddress", "ReportBccAddress", "ReputationCache",
    "ReputationCacheTTL", "ReputationDuplicates", "ReputationLimitModifiers",
    "ReputationLimits", "ReputationLowTime", "ReputationMinimum",
    "ReputationRRDHashDepth", "ReputationRRDRoot", "ReputationRatios",
    "ReputationSpamCheck", "ReputationTest", "ReputationTimeFactor",
    "ReputationTimeout", "ReputationVerbose", "RequestReports",
    "RequireSafeKeys", "RequiredHeaders", "ResignAll", "ResignMailTo",
    "ResolverConfiguration", "ResolverTracing", "SMTPURI", "ScreenPolicyScript",
    "SelectCanonicalizationHeader", "SendADSPReports", "SendReports",
    "SenderHeaders", "SenderMacro", "SetupPolicyScript", "SignHeaders",
    "SignatureTTL", "SoftStart", "SoftwareHeader", "Statistics",
    "StatisticsName", "StatisticsPolicyScript", "StatisticsPrefix",
    "StrictHeaders", "StrictTestMode", "SubDomains", "SyslogFacility",
    "SyslogName", "TemporaryDirectory", "TestDNSData", "TestPublicKeys",
    "TrustAnchorFile", "TrustSignaturesFrom", "UnprotectedKey",
    "UnprotectedPolicy", "VBR-Certifiers", "VBR-PurgeFields",
    "VBR-TrustedCertifiers", "VBR-TrustedCertifiersOnly", "VBR-Type",
    "WeakSyntaxChecks", "X-Header", NULL};

/* Ours: the longest key compared by edit distance (the longest known
 * key has 28 bytes). */
#define KEY_DISTANCE_MAX_LEN 64

/* The optimal string alignment distance between @a and @b, ASCII case
 * ignored: insertions, deletions, substitutions and transpositions of two
 * adjacent letters each cost 1. Both at most KEY_DISTANCE_MAX_LEN bytes. */
static unsigned
distance(const char *a, const char *b)
{
	unsigned rows[3][KEY_DISTANCE_MAX_LEN + 1];
	size_t la = strlen(a), lb = strlen(b);
	unsigned *pp = rows[0], *p = rows[1], *cur = rows[2];
	for (size_t j = 0; j <= lb; j++)
		p[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			int ca = tolower((unsigned char)a[i - 1]);
			int cb = tolower((unsigned char)b[j - 1]);
			unsigned best = p[j - 1] + (ca != cb);
			if (p[j] + 1 < best)
				best = p[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (i > 1 && j > 1 &&
			    ca == tolower((unsigned char)b[j - 2]) &&
			    cb == tolower((unsigned char)a[i - 2]) &&
			    pp[j - 2] + 1 < best)
				best = pp[j - 2] + 1;
			cur[j] = best;
		}
		unsigned *t = pp;
		pp = p;
		p = cur;
		cur = t;
	}
	return p[lb];
}

/* Keeps @cand in *@best when it is closer to @key than the one there. */
static void
closer(const char *key, const char *cand, const char **best, unsigned *bestd)
{
	if (strlen(cand) > KEY_DISTANCE_MAX_LEN)
		return;
	unsigned d = distance(key, cand);
	if (d < *bestd) {
		*bestd = d;
		*best = cand;
	}
}

int
milter_config_key_known(const char *key, const char **near)
{
	const char *best = NULL;
	unsigned bestd = ~0u;
	if (near)
		*near = NULL;
	for (size_t i = 0; i < sizeof(own_keys) / sizeof(own_keys[0]); i++)
		if (!strcasecmp(key, own_keys[i].name))
			return 1;
	for (size_t i = 0; opendkim_keys[i]; i++)
		if (!strcasecmp(key, opendkim_keys[i]))
			return 2;
	if (near == NULL || strlen(key) > KEY_DISTANCE_MAX_LEN)
		return 0;
	for (size_t i = 0; i < sizeof(own_keys) / sizeof(own_keys[0]); i++)
		closer(key, own_keys[i].name, &best, &bestd);
	for (size_t i = 0; opendkim_keys[i]; i++)
		closer(key, opendkim_keys[i], &best, &bestd);
	/* Close enough to be a typing error: a third of the letters (at
	 * least 2) changed, so that a made-up name suggests nothing. */
	size_t l = strlen(key), most = (l + 2) / 3 < 2 ? 2 : (l + 2) / 3;
	if (best && bestd <= most)
		*near = best;
	return 0;
}

static enum vkind
value_kind(const char *key)
{
	for (size_t i = 0; i < sizeof(own_keys) / sizeof(own_keys[0]); i++)
		if (!strcasecmp(key, own_keys[i].name))
			return own_keys[i].kind;
	/* OpenDKIM's report addresses may have a display name. */
	if (!strcasecmp(key, "ReportAddress") ||
	    !strcasecmp(key, "ReportBccAddress"))
		return V_TEXT;
	return V_OPENDKIM;
}

/*
 * Whether "@k @v" is one "Key value": a value of one word for a key that
 * takes one, of words separated by commas for a list. A later word that
 * is itself a key (ours or OpenDKIM's) means several keys on one line,
 * whatever the key takes, but free text. Returns 0 or -1 after fail().
 */
static int
check_value(struct reader *r, const char *k, const char *v)
{
	enum vkind kind = value_kind(k);
	if (kind == V_TEXT)
		return 0;
	char word[128];
	for (const char *p = v + strcspn(v, " \t"); *p;) {
		p += strspn(p, " \t");
		size_t n = strcspn(p, " \t,");
		if (n && n < sizeof(word)) {
			memcpy(word, p, n);
			word[n] = '\0';
			bool key = milter_config_key_known(word, NULL) != 0;
			if (key && kind == V_OPENDKIM)
				return fail(r,
				    "%s is followed by another key on its line "
				    "(%s): write one \"Key value\" a line",
				    k, word);
			if (key)
				return fail(r,
				    "'%s %s' is several keys on one line (%s "
				    "after the value of %s): write one "
				    "\"Key value\" a line",
				    k, v, word, k);
		}
		p += n;
		p += strcspn(p, " \t");
	}
	if (kind == V_OPENDKIM)
		return 0;
	if (kind == V_WORD && strpbrk(v, " \t"))
		return fail(r,
		    "%s: '%s' is more than one value: write one \"Key value\" "
		    "a line",
		    k, v);
	/* A list: no white space inside an entry. */
	for (const char *e = v; *e;) {
		e += strspn(e, " \t,");
		size_t n = strcspn(e, ",");
		while (n && (e[n - 1] == ' ' || e[n - 1] == '\t'))
			n--;
		const char *sp = memchr(e, ' ', n);
		if (sp == NULL)
			sp = memchr(e, '\t', n);
		if (sp)
			return fail(r,
			    "%s: '%.*s' is two entries without a comma between "
			    "them",
			    k, (int)n, e);
		e += n;
	}
	return 0;
}

int
milter_config_load(const char *path, struct milter_config *c, char *err,
    size_t errsize, char *warn, size_t warnsize)
{
	char why[128];
	FILE *f = open_config_file(path, why, sizeof(why));
	if (f == NULL) {
		memset(c, 0, sizeof(*c));
		snprintf(err, errsize, "%s: %s", path, why);
		return -1;
	}
	int rc = milter_config_parse(f, path, c, err, errsize, warn, warnsize);
	fclose(f);
	return rc;
}

int
milter_config_parse(FILE *f, const char *path, struct milter_config *c,
    char *err, size_t errsize, char *warn, size_t warnsize)
{
	struct reader r = {path, 0, err, errsize, 0, warn, warnsize};
	char line[MC_LINE_MAX + 1];
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->mode = MC_SIGN | MC_VERIFY;
	c->header_canon = c->body_canon = 1;
	c->umask = 077;
	c->syslog = true;
	c->tempfail_dns = true;
	c->add_authres = true;
	snprintf(c->dns, sizeof(c->dns), "system");
	c->dns_timeout = 5;
	c->dns_budget = 20;
	c->report_keep_days = 30;
	c->report_backlog = 10000;
	c->failure_per_hour = 5;
	snprintf(c->report_submit, sizeof(c->report_submit), "%s",
	    "/usr/sbin/sendmail");
	c->max_header_kb = 1024;
	if (warn && warnsize)
		warn[0] = '\0';
	while (rc == 0 && (rc = next_line(f, &r, line)) == 1) {
		rc = 0;
		char *v = split(line);
		const char *k = line, *near;
		int known = milter_config_key_known(k, &near);
		/* A key neither program knows is most likely a typing error,
		 * and ignoring it could turn off what it was meant to set
		 * (DMARCEnforcment: no enforcement). */
		if (known == 0) {
			rc = near ? fail(&r,
			                "%s is not a key of emauth-milter or "
			                "OpenDKIM; did you mean %s?",
			                k, near)
			          : fail(&r,
			                "%s is not a key of emauth-milter or "
			                "OpenDKIM",
			                k);
			break;
		}
		if (v[0] == '\0') {
			rc = fail(&r, "%s has no value", k);
			break;
		}
		if (!strcasecmp(k, "Include")) {
			rc = fail(&r,
			    "Include: emauth-milter reads no other "
			    "configuration file; copy the lines of %s here",
			    v);
			break;
		}
		if ((rc = check_value(&r, k, v)) != 0)
			break;
		if (known == 2) {
			rwarn(&r, "%s: an OpenDKIM key, not used here", k);
			continue;
		}
		if (!strcasecmp(k, "Mode")) {
			c->mode = 0;
			for (const char *p = v; *p; p++)
				if (*p == 's')
					c->mode |= MC_SIGN;
				else if (*p == 'v')
					c->mode |= MC_VERIFY;
				else
					rc = fail(&r,
					    "Mode: '%s' is not s, v "
					    "or sv",
					    v);
		} else if (!strcasecmp(k, "Socket")) {
			rc = copy(&r, k, v, c->socket, sizeof(c->socket));
		} else if (!strcasecmp(k, "UserID")) {
			rc = copy(&r, k, v, c->userid, sizeof(c->userid));
		} else if (!strcasecmp(k, "PidFile")) {
			rc = copy(&r, k, v, c->pidfile, sizeof(c->pidfile));
		} else if (!strcasecmp(k, "AuthservID")) {
			rc = copy(
			    &r, k, v, c->authserv_id, sizeof(c->authserv_id));
			if (rc == 0 && !authserv_id_ok(v))
				rc = fail(&r,
				    "AuthservID: '%s' is not a host name "
				    "(letters, digits and .-_+)",
				    v);
		} else if (!strcasecmp(k, "ARCSign")) {
			if (!strcasecmp(v, "no"))
				c->arc_sign[0] = '\0';
			else
				rc = copy(
				    &r, k, v, c->arc_sign, sizeof(c->arc_sign));
			c->arc_sign_line = r.line;
		} else if (!strcasecmp(k, "RewriteFrom")) {
			c->rewrite_from = !strcasecmp(v, "never")    ? 0
			                  : !strcasecmp(v, "dmarc")  ? 1
			                  : !strcasecmp(v, "always") ? 2
			                                             : -1;
			if (c->rewrite_from < 0)
				rc = fail(&r,
				    "RewriteFrom: '%s' is not never, dmarc or "
				    "always",
				    v);
		} else if (!strcasecmp(k, "RewriteFromDomain")) {
			rc = copy(&r, k, v, c->rewrite_domain,
			    sizeof(c->rewrite_domain));
			if (rc == 0 && !authserv_id_ok(v))
				rc = fail(&r,
				    "RewriteFromDomain: '%s' is not a domain",
				    v);
		} else if (!strcasecmp(k, "RewriteFromOrganization")) {
			rc = copy(
			    &r, k, v, c->rewrite_org, sizeof(c->rewrite_org));
			if (rc == 0 && strpbrk(v, "\"\\\r\n") != NULL)
				rc = fail(&r,
				    "RewriteFromOrganization: no quotes or "
				    "backslashes");
		} else if (!strcasecmp(k, "RewriteFromFormat")) {
			rc = copy(&r, k, v, c->rewrite_format,
			    sizeof(c->rewrite_format));
			if (rc == 0 && strstr(v, "%n") == NULL)
				rc = fail(&r,
				    "RewriteFromFormat: '%s' has no %%n (the "
				    "author's name)",
				    v);
		} else if (!strcasecmp(k, "ARCTrustedSealers")) {
			c->arc_ntrusted = 0;
			for (const char *p = v; *p && rc == 0;) {
				size_t l = strcspn(p, ", \t");
				if (l == 0) {
					p++;
					continue;
				}
				char d[256];
				if (l >= sizeof(c->arc_trusted[0]) ||
				    c->arc_ntrusted == MC_ARC_TRUSTED_MAX) {
					rc = fail(&r,
					    "ARCTrustedSealers: more than %d "
					    "domains, or one over 253 bytes",
					    MC_ARC_TRUSTED_MAX);
					break;
				}
				memcpy(d, p, l);
				d[l] = '\0';
				if (!authserv_id_ok(d)) {
					rc = fail(&r,
					    "ARCTrustedSealers: '%s' is not a "
					    "domain",
					    d);
					break;
				}
				memcpy(c->arc_trusted[c->arc_ntrusted++], d,
				    l + 1);
				p += l;
			}
		} else if (!strcasecmp(k, "Domain")) {
			rc = copy(&r, k, v, c->domain, sizeof(c->domain));
		} else if (!strcasecmp(k, "Selector")) {
			rc = copy(&r, k, v, c->selector, sizeof(c->selector));
		} else if (!strcasecmp(k, "KeyFile")) {
			rc = copy(&r, k, v, c->keyfile, sizeof(c->keyfile));
			c->keyfile_line = r.line;
		} else if (!strcasecmp(k, "MultipleSignatures")) {
			rc = boolean(&r, k, v, &c->multiple_sigs);
		} else if (!strcasecmp(k, "OversignHeaders")) {
			rc = copy(&r, k, v, c->oversign, sizeof(c->oversign));
			for (char *p = c->oversign; *p; p++)
				if (*p == ',')
					*p = ':';
		} else if (!strcasecmp(k, "Syslog")) {
			rc = boolean(&r, k, v, &c->syslog);
		} else if (!strcasecmp(k, "SyslogSuccess")) {
			rc = boolean(&r, k, v, &c->syslog_success);
		} else if (!strcasecmp(k, "LogWhy")) {
			rc = boolean(&r, k, v, &c->log_why);
		} else if (!strcasecmp(k, "UMask")) {
			char *end;
			unsigned long m = strtoul(v, &end, 8);
			if (*end || m > 0777)
				rc = fail(
				    &r, "UMask: '%s' is not an octal mask", v);
			c->umask = (unsigned)m;
		} else if (!strcasecmp(k, "Canonicalization")) {
			char h[16] = "", b[16] = "simple";
			const char *sl = strchr(v, '/');
			snprintf(h, sizeof(h), "%.*s",
			    (int)(sl ? (size_t)(sl - v) : strlen(v)), v);
			if (sl)
				snprintf(b, sizeof(b), "%s", sl + 1);
			int hc = !strcasecmp(h, "relaxed")  ? 1
			         : !strcasecmp(h, "simple") ? 0
			                                    : -1;
			int bc = !strcasecmp(b, "relaxed")  ? 1
			         : !strcasecmp(b, "simple") ? 0
			                                    : -1;
			if (hc < 0 || bc < 0)
				rc = fail(&r,
				    "Canonicalization: '%s' is not "
				    "HEADER/BODY of simple or relaxed",
				    v);
			c->header_canon = hc;
			c->body_canon = bc;
		} else if (!strcasecmp(k, "SignatureAlgorithm")) {
			if (!strcasecmp(v, "rsa-sha256"))
				c->algorithm = 0;
			else if (!strcasecmp(v, "ed25519-sha256"))
				c->algorithm = 1;
			else
				rc = fail(&r,
				    "SignatureAlgorithm: '%s' is not "
				    "rsa-sha256 or ed25519-sha256%s",
				    v,
				    !strcasecmp(v, "rsa-sha1")
				        ? " (RFC 8301 forbids rsa-sha1)"
				        : "");
		} else if (!strcasecmp(k, "DMARCEnforce")) {
			c->dmarc_enforce = !strcasecmp(v, "reject")       ? 2
			                   : !strcasecmp(v, "quarantine") ? 1
			                   : !strcasecmp(v, "none")       ? 0
			                                                  : -1;
			if (c->dmarc_enforce < 0)
				rc = fail(&r,
				    "DMARCEnforce: '%s' is not none, "
				    "quarantine or reject",
				    v);
		} else if (!strcasecmp(k, "DMARCMode")) {
			c->dmarc_mode = !strcasecmp(v, "rfc9989")   ? 0
			                : !strcasecmp(v, "rfc7489") ? 1
			                                            : -1;
			if (c->dmarc_mode < 0)
				rc = fail(&r,
				    "DMARCMode: '%s' is not rfc9989 or rfc7489",
				    v);
		} else if (!strcasecmp(k, "RejectMessage")) {
			rc = copy(&r, k, v, c->reject_message,
			    sizeof(c->reject_message));
		} else if (!strcasecmp(k, "TempFailOnDNSError")) {
			rc = boolean(&r, k, v, &c->tempfail_dns);
		} else if (!strcasecmp(k, "AddAuthenticationResults")) {
			rc = boolean(&r, k, v, &c->add_authres);
		} else if (!strcasecmp(k, "DNS")) {
			rc = copy(&r, k, v, c->dns, sizeof(c->dns));
		} else if (!strcasecmp(k, "Nameservers")) {
			/* OpenDKIM's list of resolvers: the first one. */
			char first[256];
			size_t l = strcspn(v, ", \t");
			if (l >= sizeof(first))
				rc = fail(
				    &r, "Nameservers: '%s' is too long", v);
			else {
				memcpy(first, v, l);
				first[l] = '\0';
				snprintf(
				    c->dns, sizeof(c->dns), "server:%s", first);
			}
		} else if (!strcasecmp(k, "DNSTimeout") ||
		           !strcasecmp(k, "DNSBudget")) {
			unsigned long n;
			rc = number(&r, k, v, 1, MC_DNS_SECONDS_MAX, &n);
			if (rc == 0 && !strcasecmp(k, "DNSTimeout"))
				c->dns_timeout = (unsigned)n;
			else if (rc == 0)
				c->dns_budget = (unsigned)n;
		} else if (!strcasecmp(k, "MaximumHeaderBytes")) {
			unsigned long n;
			rc = number(&r, k, v, MC_HEADER_BYTES_MIN,
			    MC_HEADER_BYTES_MAX, &n);
			if (rc == 0) {
				c->max_header_kb = (unsigned)(n / 1024);
				if (n % 1024)
					milter_config_warn(warn, warnsize,
					    "%s:%u: MaximumHeaderBytes %lu is "
					    "used as %lu (whole KiB, rounded "
					    "down)",
					    path, r.line, n, n / 1024 * 1024);
			}
		} else if (!strcasecmp(k, "ReportStore")) {
			rc = copy(
			    &r, k, v, c->report_store, sizeof(c->report_store));
			if (rc == 0 && strncmp(v, "sqlite:", 7) != 0 &&
			    strncmp(v, "postgresql://", 13) != 0 &&
			    strncmp(v, "postgres://", 11) != 0)
				rc = fail(&r,
				    "ReportStore: '%s' is not sqlite:PATH or "
				    "postgresql://...",
				    strncmp(v, "postgres", 8) ? v
				                              : "postgres...");
		} else if (!strcasecmp(k, "ReportOrgName")) {
			rc = copy(
			    &r, k, v, c->report_org, sizeof(c->report_org));
		} else if (!strcasecmp(k, "ReportEmail")) {
			rc = copy(
			    &r, k, v, c->report_email, sizeof(c->report_email));
			const char *at = rc == 0 ? strchr(v, '@') : NULL;
			if (rc == 0 &&
			    (at == NULL || at == v || !at[1] ||
			        strchr(at + 1, '@') || strpbrk(v, "<>\"(),;")))
				rc = fail(&r,
				    "ReportEmail: '%s' is not an address "
				    "(local@domain)",
				    v);
		} else if (!strcasecmp(k, "ReportSubmit")) {
			rc = copy(&r, k, v, c->report_submit,
			    sizeof(c->report_submit));
			if (rc == 0 && v[0] != '/' &&
			    strncmp(v, "smtp://", 7) != 0 &&
			    strncmp(v, "smtps://", 8) != 0)
				rc = fail(&r,
				    "ReportSubmit: '%s' is neither the path "
				    "of a sendmail program nor "
				    "smtp://HOST:PORT",
				    v);
		} else if (!strcasecmp(k, "ReportKeepDays") ||
		           !strcasecmp(k, "ReportBacklog") ||
		           !strcasecmp(k, "FailureReportsPerHour")) {
			unsigned long n;
			bool keep = !strcasecmp(k, "ReportKeepDays"),
			     backlog = !strcasecmp(k, "ReportBacklog");
			rc = number(&r, k, v,
			    keep      ? 1
			    : backlog ? 100
			              : 0,
			    keep      ? 3650
			    : backlog ? 10000000
			              : 100000,
			    &n);
			if (rc == 0 && keep)
				c->report_keep_days = (unsigned)n;
			else if (rc == 0 && backlog)
				c->report_backlog = (unsigned)n;
			else if (rc == 0)
				c->failure_per_hour = (unsigned)n;
		} else if (!strcasecmp(k, "FailureReports")) {
			rc = boolean(&r, k, v, &c->failure_reports);
		} else if (!strcasecmp(k, "FailureReportsBody")) {
			rc = boolean(&r, k, v, &c->failure_body);
		} else if (!strcasecmp(k, "FailureReportsRedact")) {
			rc = boolean(&r, k, v, &c->failure_redact);
		} else if (!strcasecmp(k, "KeyTable")) {
			rc = load_keytable(&r, v, c);
		} else if (!strcasecmp(k, "SigningTable")) {
			rc = load_signingtable(&r, v, c);
		} else if (!strcasecmp(k, "InternalHosts") ||
		           !strcasecmp(k, "TrustedHosts")) {
			rc = load_nets(&r, k, v, &c->internal, false);
		} else if (!strcasecmp(k, "ExternalIgnoreList")) {
			rc = load_nets(&r, k, v, &c->external_ignore, true);
		} else {
			/* A key of own_keys without its case here. */
			rc = fail(&r, "%s: not handled", k);
		}
	}
	if (rc < 0) {
		milter_config_free(c);
		return -1;
	}
	if (c->authserv_id[0] == '\0')
		default_authserv_id(c, path, warn, warnsize);
	if ((c->mode & MC_SIGN) && c->nsigning == 0 && c->keyfile[0] == '\0' &&
	    c->arc_sign[0] == '\0')
		milter_config_warn(warn, warnsize,
		    "%s: signing is on but there is no SigningTable and no "
		    "KeyFile: nothing will be signed",
		    path);
	if (check_key_names(c, err, errsize) != 0) {
		milter_config_free(c);
		return -1;
	}
	if (c->rewrite_from > 0 && c->rewrite_domain[0] == '\0') {
		snprintf(err, errsize,
		    "%s: RewriteFrom is on but RewriteFromDomain is not set",
		    path);
		milter_config_free(c);
		return -1;
	}
	if (c->rewrite_from > 0) {
		char probe[300];
		struct mc_key pk;
		snprintf(probe, sizeof(probe), "author@%s", c->rewrite_domain);
		if (milter_config_keys_for(c, probe, &pk, 1) == 0)
			milter_config_warn(warn, warnsize,
			    "%s: RewriteFromDomain %s has no key in the "
			    "SigningTable: rewritten mail will not be signed",
			    path, c->rewrite_domain);
	}
	if (c->rewrite_org[0] == '\0')
		snprintf(c->rewrite_org, sizeof(c->rewrite_org), "%s",
		    c->rewrite_domain);
	if (c->rewrite_format[0] == '\0')
		snprintf(c->rewrite_format, sizeof(c->rewrite_format),
		    "%%n via %%o");
	struct mc_key ak;
	if (c->arc_sign[0] && !milter_config_arc_key(c, &ak)) {
		snprintf(err, errsize,
		    "%s:%u: ARCSign: the KeyTable has no key '%s' with a "
		    "domain of its own (ARCSign names a KeyTable key, or "
		    "no)",
		    path, c->arc_sign_line, c->arc_sign);
		milter_config_free(c);
		return -1;
	}
	if (c->arc_sign[0] && !(c->mode & MC_SIGN))
		milter_config_warn(warn, warnsize,
		    "%s:%u: ARCSign is set but Mode does not sign: nothing "
		    "will be sealed",
		    path, c->arc_sign_line);
	return 0;
}

static bool resolve_key(const struct milter_config *c, const char *name,
    const char *from_domain, struct mc_key *out);

bool
milter_config_arc_key(const struct milter_config *c, struct mc_key *out)
{
	if (c->arc_sign[0] == '\0' || strchr(c->arc_sign, ':') != NULL)
		return false;
	return resolve_key(c, c->arc_sign, "", out) &&
	       strcmp(out->domain, "") != 0;
}

void
milter_config_free(struct milter_config *c)
{
	for (size_t i = 0; i < c->nkeytables; i++)
		free(c->keytables[i]);
	free(c->keytables);
	free(c->keys);
	free(c->signing);
	free(c->internal.v);
	free(c->external_ignore.v);
	memset(c, 0, sizeof(*c));
}

/*
 * "*" matches any run of characters; case is ignored. Greedy, with one
 * backtracking point: the last "*" seen and where in @s it started. When
 * a later literal fails, that "*" takes one more character and the rest
 * of the pattern is tried from there. An earlier "*" never needs to be
 * revisited: whatever it could match differently, the last one can absorb,
 * since "*" matches any run. The backtracking point only moves forward in
 * @s, so each character of @s is tried against at most every byte of @p:
 * O(strlen(p) * strlen(s)) steps, where the recursive matcher this
 * replaces took exponential time on "*a*a*a...*b".
 */
bool
milter_glob_match(const char *p, const char *s, size_t *steps)
{
	const char *star = NULL, *retry = NULL;
	size_t n = 0;
	bool match;
	for (;;) {
		n++;
		if (*p == '*') {
			star = ++p;
			retry = s;
		} else if (*s && *p &&
		           tolower((unsigned char)*p) ==
		               tolower((unsigned char)*s)) {
			p++;
			s++;
		} else if (*s == '\0' && *p == '\0') {
			match = true;
			break;
		} else if (star && *s) {
			p = star;
			s = ++retry;
		} else {
			match = false;
			break;
		}
	}
	if (steps)
		*steps = n;
	return match;
}

static bool
resolve_key(const struct milter_config *c, const char *name,
    const char *from_domain, struct mc_key *out)
{
	const struct mc_key *k = NULL;
	struct mc_key inline_key;
	if (strchr(name, ':')) {
		/* "domain:selector:keyfile" written in the SigningTable. */
		if (!inline_key_parse(name, &inline_key))
			return false;
		k = &inline_key;
	}
	for (size_t i = 0; i < c->nkeys && k == NULL; i++)
		if (strcmp(c->keys[i].name, name) == 0)
			k = &c->keys[i];
	if (k == NULL)
		return false;
	*out = *k;
	if (strcmp(out->domain, "%") == 0)
		snprintf(out->domain, sizeof(out->domain), "%s", from_domain);
	return true;
}

size_t
milter_config_keys_for(const struct milter_config *c, const char *from,
    struct mc_key *out, size_t max)
{
	size_t n = 0;
	const char *at = from ? strrchr(from, '@') : NULL;
	const char *dom = at ? at + 1 : from ? from : "";
	/* OpenDKIM's MultipleSignatures: without it, the first match only. */
	if (!c->multiple_sigs && max > 1)
		max = 1;
	if (c->nsigning && c->signing_refile) {
		for (size_t i = 0; i < c->nsigning && n < max; i++)
			if (milter_glob_match(c->signing[i].pattern,
			        from ? from : "", NULL) &&
			    resolve_key(c, c->signing[i].key, dom, &out[n]))
				n++;
		return n;
	}
	if (c->nsigning) {
		/* The lines naming the address, then those naming its
		 * domain, then each parent domain: the most specific first,
		 * in file order within each. */
		bool address = at != NULL;
		const char *d = address ? from : dom;
		while (d && *d && n < max) {
			for (size_t i = 0; i < c->nsigning && n < max; i++)
				if (!strcasecmp(c->signing[i].pattern, d) &&
				    resolve_key(
				        c, c->signing[i].key, dom, &out[n]))
					n++;
			if (address) {
				address = false;
				d = dom;
			} else if ((d = strchr(d, '.')) != NULL) {
				d++;
			}
		}
		return n;
	}
	if (c->keyfile[0] && c->selector[0]) {
		char list[1024];
		snprintf(list, sizeof(list), "%s", c->domain);
		char *save = NULL;
		for (char *d = strtok_r(list, ", \t", &save); d && n < max;
		     d = strtok_r(NULL, ", \t", &save))
			if (!strcasecmp(d, dom) || !strcmp(d, "*")) {
				memset(&out[n], 0, sizeof(out[n]));
				snprintf(out[n].domain, sizeof(out[n].domain),
				    "%s", dom);
				snprintf(out[n].selector,
				    sizeof(out[n].selector), "%s", c->selector);
				snprintf(out[n].keyfile, sizeof(out[n].keyfile),
				    "%s", c->keyfile);
				n++;
			}
	}
	return n;
}

static bool
net_match(
    const struct mc_net *n, int family, const uint8_t *a, const char *host)
{
	if (n->family == 0) {
		if (host == NULL || !host[0])
			return false;
		size_t hl = strlen(host), nl = strlen(n->host);
		if (n->host[0] == '.')
			return hl > nl && !strcasecmp(host + hl - nl, n->host);
		return !strcasecmp(host, n->host);
	}
	if (n->family != family)
		return false;
	unsigned full = n->bits / 8, rest = n->bits % 8;
	if (memcmp(n->addr, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (n->addr[full] & mask) == (a[full] & mask);
}

/* @ip as 4 or 16 bytes in @a; returns 4, 6, or 0 when it is not one. */
static int
parse_ip(const char *ip, uint8_t a[16])
{
	if (ip && inet_pton(AF_INET, ip, a) == 1)
		return 4;
	if (ip && inet_pton(AF_INET6, ip, a) == 1)
		return 6;
	return 0;
}

bool
milter_nets_match(const struct mc_nets *n, const char *ip, const char *host)
{
	uint8_t a[16];
	int family = parse_ip(ip, a);
	for (size_t i = 0; i < n->n; i++)
		if ((family || n->v[i].family == 0) &&
		    net_match(&n->v[i], family, a, host))
			return true;
	return false;
}

bool
milter_config_internal(
    const struct milter_config *c, const char *ip, const char *host)
{
	if (c->internal.n == 0) {
		static const uint8_t v6lo[16] = {[15] = 1};
		uint8_t a[16];
		int family = parse_ip(ip, a);
		return (family == 4 && a[0] == 127) ||
		       (family == 6 && memcmp(a, v6lo, 16) == 0);
	}
	return milter_nets_match(&c->internal, ip, host);
}
