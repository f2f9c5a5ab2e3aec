/*
 * config.c: reading emauth-milter's configuration (see config.h). The
 * formats are OpenDKIM's: opendkim.conf(5) keys, a KeyTable of "NAME
 * DOMAIN:SELECTOR:KEYFILE" lines, a SigningTable of "PATTERN NAME" lines
 * (refile: makes the patterns wildcards, "*" matching any run of
 * characters), and host lists of addresses, networks and names (".name"
 * for a whole domain), one a line in a file or comma-separated.
 */
#define _POSIX_C_SOURCE 200809L

#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct reader {
	const char *path;
	unsigned line;
	char *err;
	size_t errsize;
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

static void warnf(char *warn, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warnf(char *warn, size_t size, const char *fmt, ...)
{
	va_list ap;
	if (warn == NULL)
		return;
	size_t l = strlen(warn);
	if (l + 2 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(warn + l, size - l, fmt, ap);
	va_end(ap);
	l = strlen(warn);
	if (l + 1 < size) {
		warn[l] = '\n';
		warn[l + 1] = '\0';
	}
}

/* Reads the next non-empty, non-comment line of @f into @buf, trimmed.
 * Returns 1, 0 at the end, -1 for a line too long or a NUL byte. */
static int
next_line(FILE *f, struct reader *r, char *buf, size_t size)
{
	while (fgets(buf, (int)size, f)) {
		r->line++;
		size_t n = strlen(buf);
		if (n + 1 == size && buf[n - 1] != '\n' && !feof(f))
			return fail(r, "line longer than %zu bytes", size - 2);
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
	}
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
	if (strlen(s) >= sizeof(buf))
		return fail(r, "host entry too long");
	memcpy(buf, s, strlen(s) + 1);
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash) {
		char *end;
		*slash = '\0';
		bits = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1)
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

/* Calls @fn on each line of the file @path (named @what in messages),
 * with a reader that names that file and line. */
typedef int (*line_fn)(struct reader *r, char *line, void *arg);

static int
read_lines(
    struct reader *r, const char *what, const char *path, line_fn fn, void *arg)
{
	FILE *f = fopen(path, "r");
	char line[MC_LINE_MAX + 2];
	struct reader sub = {path, 0, r->err, r->errsize};
	int rc;
	if (f == NULL)
		return fail(r, "%s %s: %s", what, path, strerror(errno));
	while ((rc = next_line(f, &sub, line, sizeof(line))) == 1 &&
	       (rc = fn(&sub, line, arg)) == 0)
		;
	fclose(f);
	return rc < 0 ? -1 : 0;
}

/* Makes room for one more element of @size in *@v (holding @n), within
 * MC_ENTRIES_MAX. Returns the new element, zeroed, or NULL after fail(). */
static void *
grow(struct reader *r, void **v, size_t n, size_t size)
{
	if (n >= MC_ENTRIES_MAX) {
		fail(r, "more than %d entries", MC_ENTRIES_MAX);
		return NULL;
	}
	char *nv = realloc(*v, (n + 1) * size);
	if (nv == NULL) {
		fail(r, "out of memory");
		return NULL;
	}
	*v = nv;
	memset(nv + n * size, 0, size);
	return nv + n * size;
}

static int
add_net(struct reader *r, struct mc_nets *l, const char *s)
{
	struct mc_net *n = grow(r, (void **)&l->v, l->n, sizeof(*n));
	if (n == NULL || parse_net(r, s, n) != 0)
		return -1;
	l->n++;
	return 0;
}

static int
net_line(struct reader *r, char *line, void *arg)
{
	split(line); /* the first word of the line */
	return add_net(r, arg, line);
}

/* A host list: "csl:a,b", "a,b", a file of entries ("file:" or a path),
 * or one entry. "!" before an entry makes it an exception. */
static int
load_nets(struct reader *r, const char *v, struct mc_nets *l)
{
	if (strncmp(v, "refile:", 7) == 0 || strncmp(v, "file:", 5) == 0)
		v = strchr(v, ':') + 1;
	else if (strncmp(v, "csl:", 4) == 0)
		v += 4;
	if (v[0] == '/' && strchr(v, ',') == NULL)
		return read_lines(r, "host list", v, net_line, l);
	char buf[MC_LINE_MAX + 1];
	snprintf(buf, sizeof(buf), "%s", v);
	char *save = NULL;
	for (char *t = strtok_r(buf, ", \t", &save); t;
	     t = strtok_r(NULL, ", \t", &save))
		if (add_net(r, l, t) != 0)
			return -1;
	return 0;
}

static int
key_line(struct reader *r, char *line, void *arg)
{
	struct milter_config *c = arg;
	char *d = split(line), *sel = strchr(d, ':');
	char *k = sel ? strchr(sel + 1, ':') : NULL;
	if (!sel || !k || sel == d || k == sel + 1 || !k[1])
		return fail(r, "expected NAME DOMAIN:SELECTOR:KEYFILE");
	*sel++ = '\0';
	*k++ = '\0';
	struct mc_key *key = grow(r, (void **)&c->keys, c->nkeys, sizeof(*key));
	if (key == NULL ||
	    copy(r, "key name", line, key->name, sizeof(key->name)) ||
	    copy(r, "domain", d, key->domain, sizeof(key->domain)) ||
	    copy(r, "selector", sel, key->selector, sizeof(key->selector)) ||
	    copy(r, "key file", k, key->keyfile, sizeof(key->keyfile)))
		return -1;
	c->nkeys++;
	return 0;
}

static int
load_keytable(struct reader *r, const char *v, struct milter_config *c)
{
	if (strncmp(v, "file:", 5) == 0)
		v += 5;
	return read_lines(r, "KeyTable", v, key_line, c);
}

static int
sign_line(struct reader *r, char *line, void *arg)
{
	struct milter_config *c = arg;
	char *key = split(line);
	if (!key[0] || strpbrk(key, " \t"))
		return fail(r, "expected PATTERN KEYNAME");
	struct mc_sign *e =
	    grow(r, (void **)&c->signing, c->nsigning, sizeof(*e));
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
	if (strncmp(v, "refile:", 7) == 0) {
		c->signing_refile = true;
		v += 7;
	} else if (strncmp(v, "file:", 5) == 0) {
		v += 5;
	}
	snprintf(c->signing_path, sizeof(c->signing_path), "%s", v);
	return read_lines(r, "SigningTable", v, sign_line, c);
}

int
milter_config_load(const char *path, struct milter_config *c, char *err,
    size_t errsize, char *warn, size_t warnsize)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		memset(c, 0, sizeof(*c));
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
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
	struct reader r = {path, 0, err, errsize};
	char line[MC_LINE_MAX + 2];
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
	c->max_header_kb = 1024;
	if (warn && warnsize)
		warn[0] = '\0';
	static const char *const ignored[] = {"AutoRestart", "AutoRestartRate",
	    "Background", "SoftwareHeader", "RequireSafeKeys", "Statistics",
	    "SendReports", NULL};
	while (rc == 0 && (rc = next_line(f, &r, line, sizeof(line))) == 1) {
		rc = 0;
		char *v = split(line);
		const char *k = line;
		if (v[0] == '\0') {
			rc = fail(&r, "%s has no value", k);
			break;
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
		} else if (!strcasecmp(k, "Domain")) {
			rc = copy(&r, k, v, c->domain, sizeof(c->domain));
		} else if (!strcasecmp(k, "Selector")) {
			rc = copy(&r, k, v, c->selector, sizeof(c->selector));
		} else if (!strcasecmp(k, "KeyFile")) {
			rc = copy(&r, k, v, c->keyfile, sizeof(c->keyfile));
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
		           !strcasecmp(k, "DNSBudget") ||
		           !strcasecmp(k, "MaximumHeaderBytes")) {
			char *end = NULL;
			errno = 0;
			unsigned long n = strtoul(v, &end, 10);
			if (errno || end == v || *end || n == 0 ||
			    n > 86400 * 1024UL)
				rc = fail(&r,
				    "%s: '%s' is not a positive number", k, v);
			else if (!strcasecmp(k, "DNSTimeout"))
				c->dns_timeout = n > 3600 ? 3600 : (unsigned)n;
			else if (!strcasecmp(k, "DNSBudget"))
				c->dns_budget = n > 3600 ? 3600 : (unsigned)n;
			else
				c->max_header_kb = n < 1024 ? 1
				                   : n > 64UL << 20
				                       ? 64 * 1024
				                       : (unsigned)(n / 1024);
		} else if (!strcasecmp(k, "KeyTable")) {
			rc = load_keytable(&r, v, c);
		} else if (!strcasecmp(k, "SigningTable")) {
			rc = load_signingtable(&r, v, c);
		} else if (!strcasecmp(k, "InternalHosts") ||
		           !strcasecmp(k, "TrustedHosts")) {
			rc = load_nets(&r, v, &c->internal);
		} else if (!strcasecmp(k, "ExternalIgnoreList")) {
			rc = load_nets(&r, v, &c->external_ignore);
		} else {
			bool known = false;
			for (size_t i = 0; ignored[i]; i++)
				known |= !strcasecmp(k, ignored[i]);
			warnf(warn, warnsize, "%s:%u: %s %s", path, r.line, k,
			    known
			        ? "is accepted and ignored"
			        : "is not a key emauth-milter knows; ignored");
		}
	}
	if (rc < 0) {
		milter_config_free(c);
		return -1;
	}
	if ((c->mode & MC_SIGN) && c->nsigning == 0 && c->keyfile[0] == '\0')
		warnf(warn, warnsize,
		    "%s: signing is on but there is no SigningTable and no "
		    "KeyFile: nothing will be signed",
		    path);
	/* Every SigningTable entry names a key that exists. */
	for (size_t i = 0; i < c->nsigning; i++) {
		const char *name = c->signing[i].key;
		bool found = strchr(name, ':') != NULL;
		for (size_t k = 0; k < c->nkeys && !found; k++)
			found = strcmp(c->keys[k].name, name) == 0;
		if (!found) {
			snprintf(err, errsize,
			    "%s:%u: the SigningTable names key '%s', which the "
			    "KeyTable does not have",
			    c->signing_path, c->signing[i].line, name);
			milter_config_free(c);
			return -1;
		}
	}
	return 0;
}

void
milter_config_free(struct milter_config *c)
{
	free(c->keys);
	free(c->signing);
	free(c->internal.v);
	free(c->external_ignore.v);
	memset(c, 0, sizeof(*c));
}

/* "*" matches any run of characters; case is ignored. */
static bool
wildmatch(const char *p, const char *s)
{
	if (*p == '\0')
		return *s == '\0';
	if (*p == '*') {
		for (const char *t = s;; t++) {
			if (wildmatch(p + 1, t))
				return true;
			if (*t == '\0')
				return false;
		}
	}
	return *s && tolower((unsigned char)*p) == tolower((unsigned char)*s) &&
	       wildmatch(p + 1, s + 1);
}

static bool
resolve_key(const struct milter_config *c, const char *name,
    const char *from_domain, struct mc_key *out)
{
	const struct mc_key *k = NULL;
	struct mc_key inline_key;
	if (strchr(name, ':')) {
		/* "domain:selector:keyfile" written in the SigningTable. */
		memset(&inline_key, 0, sizeof(inline_key));
		if (sscanf(name, "%255[^:]:%63[^:]:%1023s", inline_key.domain,
		        inline_key.selector, inline_key.keyfile) != 3)
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
	if (c->nsigning) {
		for (size_t i = 0; i < c->nsigning && n < max; i++) {
			const char *p = c->signing[i].pattern;
			bool match;
			if (c->signing_refile) {
				match = wildmatch(p, from ? from : "");
			} else {
				/* The address, the domain, then parents. */
				match = from && !strcasecmp(p, from);
				for (const char *d = dom; !match && d && *d;) {
					match = !strcasecmp(p, d);
					d = strchr(d, '.');
					d = d ? d + 1 : NULL;
				}
			}
			if (match &&
			    resolve_key(c, c->signing[i].key, dom, &out[n]))
				n++;
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
