/*
 * server.c: the dashboard's HTTP server, on libmicrohttpd with its one
 * internal thread (so the store and the context are used by one thread at
 * a time). Per request, in this order:
 *   1. the method: GET and HEAD only (405 with Allow otherwise);
 *   2. the token, when there is one: "Authorization: Bearer TOKEN" or
 *      "?token=TOKEN", compared in constant time (401 otherwise); without
 *      one (on loopback), the Host header must name a loopback address or
 *      localhost, so that a web page whose name an attacker points at
 *      127.0.0.1 (DNS rebinding) cannot read the dashboard (403);
 *   3. the path: one of the pages (404 otherwise);
 *   4. the query: only the parameters the page takes, each once, each
 *      checked (a domain name, a source name of at most 127 bytes of
 *      UTF-8 text, format html/csv/json, a table name; 400 otherwise).
 * Every response carries a Content-Security-Policy that allows nothing
 * but inline style and data: images, and X-Content-Type-Options nosniff;
 * exports carry a Content-Disposition file name. One log line per
 * request goes to the log callback.
 */
#define _DEFAULT_SOURCE 1

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "web.h"

static const char csp[] = "default-src 'none'; style-src 'unsafe-inline'; "
                          "img-src data:; frame-ancestors 'none'; "
                          "base-uri 'none'; form-action 'none'";

struct server {
	const struct emauth_web_opts *o;
	size_t token_len;
};

static void say(const struct emauth_web_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(const struct emauth_web_opts *o, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	if (o->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->log(o->log_arg, line);
}

/* @s (@n bytes) for a log line: printable ASCII as is, the rest \xHH. */
static void
log_escape(char *out, size_t size, const char *s, size_t n)
{
	size_t j = 0;
	for (size_t i = 0; i < n && j + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c > 0x20 && c < 0x7f && c != '\\') {
			out[j++] = (char)c;
		} else {
			snprintf(out + j, size - j, "\\x%02x", c);
			j += 4;
		}
	}
	out[j] = '\0';
}

/* Whether @a (@alen bytes) equals the secret @b (@blen bytes), in a time
 * that depends only on @blen. */
static bool
token_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	volatile unsigned char d = (unsigned char)(alen != blen);
	for (size_t i = 0; i < blen; i++) {
		unsigned char x = i < alen ? (unsigned char)a[i] : 0;
		d |= (unsigned char)(x ^ (unsigned char)b[i]);
	}
	return d == 0;
}

enum page_id {
	P_OVERVIEW,
	P_DOMAIN,
	P_SOURCE,
	P_REPORTS,
	P_FAILURES,
	P_TLS,
	P_BOUNCES
};

static const struct route {
	const char *path;
	enum page_id id;
	bool d, d_required, name;
} routes[] = {
    {"/", P_OVERVIEW, false, false, false},
    {"/domain", P_DOMAIN, true, true, false},
    {"/source", P_SOURCE, true, true, true},
    {"/reports", P_REPORTS, false, false, false},
    {"/failures", P_FAILURES, true, false, false},
    {"/tls", P_TLS, true, false, false},
    {"/bounces", P_BOUNCES, true, false, false},
};

/* The query, checked as the iterator walks it. */
struct query {
	const struct route *rt;
	const char *d, *name, *format, *table, *token;
	size_t token_len;
	const char *bad; /* why the query is refused */
	char shown[600]; /* for the log line (no token) */
	size_t shown_len;
};

static void
shown_add(
    struct query *q, const char *k, size_t klen, const char *v, size_t vlen)
{
	char ek[64], ev[300];
	log_escape(ek, sizeof(ek), k, klen);
	if (strcmp(k, "token") == 0)
		snprintf(ev, sizeof(ev), "(hidden)");
	else
		log_escape(ev, sizeof(ev), v ? v : "", v ? vlen : 0);
	if (q->shown_len < sizeof(q->shown)) {
		int n = snprintf(q->shown + q->shown_len,
		    sizeof(q->shown) - q->shown_len, "%c%s=%s",
		    q->shown_len ? '&' : '?', ek, ev);
		if (n > 0)
			q->shown_len += (size_t)n;
	}
}

static bool
table_ok(const char *v, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || v[i] == '_'))
			return false;
	return true;
}

static enum MHD_Result
query_each(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
    const char *value, size_t value_size)
{
	struct query *q = cls;
	(void)kind;
	shown_add(q, key, key_size, value, value_size);
	if (q->bad)
		return MHD_YES;
	if (key_size != strlen(key) || (value && value_size != strlen(value))) {
		q->bad = "a NUL byte in the query";
		return MHD_YES;
	}
	if (value == NULL) {
		q->bad = "a query parameter without a value";
		return MHD_YES;
	}
	const char **slot = NULL;
	if (strcmp(key, "d") == 0 && q->rt->d) {
		slot = &q->d;
		if (!ea_web_domain_ok(value, value_size))
			q->bad = "d: not a domain name";
	} else if (strcmp(key, "name") == 0 && q->rt->name) {
		slot = &q->name;
		if (value_size == 0 || value_size > EA_WEB_NAME_MAX ||
		    !ea_web_text_ok(value, value_size))
			q->bad = "name: not a source name (1 to 127 bytes of "
			         "text)";
	} else if (strcmp(key, "format") == 0) {
		slot = &q->format;
		if (strcmp(value, "html") != 0 && strcmp(value, "csv") != 0 &&
		    strcmp(value, "json") != 0)
			q->bad = "format: html, csv or json";
	} else if (strcmp(key, "table") == 0) {
		slot = &q->table;
		if (!table_ok(value, value_size))
			q->bad = "table: not a table name";
	} else if (strcmp(key, "token") == 0) {
		slot = &q->token;
		q->token_len = value_size;
	} else {
		q->bad = "an unknown query parameter";
		return MHD_YES;
	}
	if (*slot != NULL)
		q->bad = "a query parameter given twice";
	*slot = value;
	return MHD_YES;
}

/* Whether the Host header @h names loopback: localhost, 127.0.0.0/8 or
 * [::1], with or without a port. */
static bool
host_loopback(const char *h)
{
	char host[64];
	size_t n = strlen(h);
	if (n == 0 || n >= sizeof(host))
		return false;
	if (h[0] == '[') {
		const char *close = strchr(h, ']');
		if (close == NULL ||
		    (close[1] != '\0' &&
		        (close[1] != ':' || strspn(close + 2, "0123456789") !=
		                                strlen(close + 2))))
			return false;
		return (size_t)(close - h) == 4 && memcmp(h, "[::1", 4) == 0;
	}
	const char *colon = strchr(h, ':');
	size_t hl = colon ? (size_t)(colon - h) : n;
	if (colon && (colon[1] == '\0' ||
	                 strspn(colon + 1, "0123456789") != strlen(colon + 1)))
		return false;
	memcpy(host, h, hl);
	host[hl] = '\0';
	struct in_addr a;
	if (strcasecmp(host, "localhost") == 0)
		return true;
	return inet_pton(AF_INET, host, &a) == 1 &&
	       (ntohl(a.s_addr) >> 24) == 127;
}

static void
add_headers(struct MHD_Response *resp, const char *ctype)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, "Content-Security-Policy", csp);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
}

static void
client(struct MHD_Connection *c, char *out, size_t size)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, size, "-");
	if (ci == NULL || ci->client_addr == NULL)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    out, (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    out, (socklen_t)size);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size,
    void **con_cls)
{
	struct server *srv = cls;
	const struct emauth_web_opts *o = srv->o;
	struct timespec t0, t1;
	struct ea_wbuf b;
	struct ea_req r;
	struct query q;
	int status = 200;
	const char *why = NULL;
	(void)version;
	(void)upload_data;
	(void)con_cls;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ea_web_buf_init(&b, EA_WEB_RESPONSE_MAX);
	memset(&r, 0, sizeof(r));
	memset(&q, 0, sizeof(q));
	r.o = o;
	r.b = &b;
	r.path = "/";
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	           strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	/* The path first, for the query's rules (a 404 waits for the
	 * token check). */
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (strcmp(url, routes[i].path) == 0)
			q.rt = &routes[i];
	static const struct route none = {"", P_OVERVIEW, false, false, false};
	const struct route *rt = q.rt;
	if (q.rt == NULL)
		q.rt = &none;
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, query_each, &q);
	if (!get) {
		status = 405;
		why = "only GET and HEAD";
		/* A body is not read. */
		if (upload_data_size)
			*upload_data_size = 0;
	} else if (o->token) {
		const char *auth = MHD_lookup_connection_value(
		    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
		bool ok = false;
		if (auth && strncmp(auth, "Bearer ", 7) == 0)
			ok = token_eq(auth + 7, strlen(auth + 7), o->token,
			    srv->token_len);
		if (!ok && q.token) {
			ok = token_eq(
			    q.token, q.token_len, o->token, srv->token_len);
			if (ok)
				r.token = o->token;
		}
		if (!ok) {
			status = 401;
			why = "this dashboard needs its token: an "
			      "\"Authorization: Bearer TOKEN\" header or "
			      "?token=TOKEN";
		}
	} else {
		const char *host = MHD_lookup_connection_value(
		    c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
		if (host == NULL || !host_loopback(host)) {
			status = 403;
			why = "without a token, the dashboard answers only "
			      "requests for a loopback address or localhost "
			      "(the Host header)";
		}
	}
	if (status == 200 && rt == NULL) {
		status = 404;
		why = "no such page";
	} else if (status == 200 && q.bad) {
		status = 400;
		why = q.bad;
	} else if (status == 200 && rt->d_required && q.d == NULL) {
		status = 400;
		why = "d: a domain is required";
	} else if (status == 200 && rt->name && q.name == NULL) {
		status = 400;
		why = "name: a source name is required";
	}
	if (status == 200) {
		r.path = rt->path;
		r.d = q.d;
		r.name = q.name;
		r.table = q.table;
		r.fmt = q.format == NULL || strcmp(q.format, "html") == 0
		            ? EA_FMT_HTML
		        : strcmp(q.format, "csv") == 0 ? EA_FMT_CSV
		                                       : EA_FMT_JSON;
		switch (rt->id) {
		case P_OVERVIEW:
			status = ea_web_page_overview(&r);
			break;
		case P_DOMAIN:
			status = ea_web_page_domain(&r);
			break;
		case P_SOURCE:
			status = ea_web_page_source(&r);
			break;
		case P_REPORTS:
			status = ea_web_page_reports(&r);
			break;
		case P_FAILURES:
			status = ea_web_page_failures(&r);
			break;
		case P_TLS:
			status = ea_web_page_tls(&r);
			break;
		case P_BOUNCES:
			status = ea_web_page_bounces(&r);
			break;
		}
		if (status == 200 && b.err) {
			status = 500;
			r.error = b.err == EMAUTH_ETOOBIG
			              ? "the response would be too large"
			              : "out of memory";
		}
		why = r.error;
	}
	const char *ctype = "text/html; charset=utf-8";
	if (status != 200) {
		/* The page's partial output goes; an error page comes. */
		ea_web_buf_release(&b);
		ea_web_buf_init(&b, EA_WEB_RESPONSE_MAX);
		r.fmt = EA_FMT_HTML;
		ea_web_page_error(&r, status, why);
	} else if (r.fmt == EA_FMT_CSV) {
		ctype = "text/csv; charset=utf-8";
	} else if (r.fmt == EA_FMT_JSON) {
		ctype = "application/json";
	}
	size_t len = b.err ? 0 : b.len;
	char *body = b.err ? NULL : b.p;
	if (body == NULL) {
		free(b.p);
		body = NULL;
		len = 0;
	}
	struct MHD_Response *resp = MHD_create_response_from_buffer(len,
	    body ? body : (void *)(uintptr_t) "",
	    body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	add_headers(resp, ctype);
	if (status == 405)
		MHD_add_response_header(
		    resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (status == 401)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer realm=\"emauth\"");
	if (status == 200 && r.fmt != EA_FMT_HTML && r.filename[0]) {
		char disp[200];
		snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"",
		    r.filename);
		MHD_add_response_header(
		    resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	}
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	char ip[64], path[300];
	client(c, ip, sizeof(ip));
	log_escape(path, sizeof(path), url, strlen(url));
	char m[16];
	log_escape(m, sizeof(m), method, strlen(method));
	say(o, "%s %s %s%s %d %zu %.1fms%s%s", ip, m, path, q.shown, status,
	    len,
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	        (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	    why ? ": " : "", why ? why : "");
	return ret;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	const struct emauth_web_opts *o = cls;
	char line[512];
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\r\n")] = '\0';
	if (o->log)
		o->log(o->log_arg, line);
}

/* "IPV4:PORT", "[IPV6]:PORT" or "localhost:PORT" into @sa. */
static int
parse_listen(
    const char *s, struct sockaddr_storage *sa, socklen_t *len, bool *loopback)
{
	char host[64];
	const char *colon;
	memset(sa, 0, sizeof(*sa));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':' ||
		    (size_t)(close - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || (size_t)(colon - s) >= sizeof(host) ||
		    memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	const char *p = colon + 1;
	unsigned long port = 0;
	size_t digits = strspn(p, "0123456789");
	if (digits == 0 || digits > 5 || p[digits] != '\0')
		return -1;
	for (size_t i = 0; i < digits; i++)
		port = port * 10 + (unsigned long)(p[i] - '0');
	if (port > 65535)
		return -1;
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	struct sockaddr_in *v4 = (struct sockaddr_in *)(void *)sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)sa;
	if (s[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof(*v4);
		*loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
		return 0;
	}
	if (s[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*v6);
		const uint8_t *a = v6->sin6_addr.s6_addr;
		static const uint8_t one[16] = {[15] = 1};
		static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
		*loopback = memcmp(a, one, 16) == 0 ||
		            (memcmp(a, mapped, 12) == 0 && a[12] == 127);
		return 0;
	}
	return -1;
}

static void seterr(char *err, size_t errsize, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || errsize == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
}

EMAUTH_API int
emauth_web_serve(const struct emauth_web_opts *o, char *err, size_t errsize)
{
	struct sockaddr_storage sa;
	socklen_t salen = 0;
	bool loopback = false;
	const char *listen = o->listen ? o->listen : EMAUTH_WEB_LISTEN_DEFAULT;
	if (o->store == NULL || o->stop == NULL) {
		seterr(err, errsize, "no store or no stop flag");
		return EMAUTH_EINVAL;
	}
	if (parse_listen(listen, &sa, &salen, &loopback) != 0) {
		seterr(err, errsize,
		    "'%s' is not an address to listen on (IPV4:PORT, "
		    "[IPV6]:PORT or localhost:PORT)",
		    listen);
		return EMAUTH_EINVAL;
	}
	struct server srv = {o, 0};
	if (o->token) {
		srv.token_len = strlen(o->token);
		bool visible = true;
		for (size_t i = 0; i < srv.token_len; i++)
			if (o->token[i] <= 0x20 || o->token[i] >= 0x7f)
				visible = false;
		if (srv.token_len < EMAUTH_WEB_TOKEN_MIN ||
		    srv.token_len > EMAUTH_WEB_TOKEN_MAX || !visible) {
			seterr(err, errsize,
			    "the token must be %d to %d visible ASCII "
			    "characters",
			    EMAUTH_WEB_TOKEN_MIN, EMAUTH_WEB_TOKEN_MAX);
			return EMAUTH_EINVAL;
		}
	} else if (!loopback) {
		seterr(err, errsize,
		    "%s is not a loopback address: the dashboard listens "
		    "there only with a token",
		    listen);
		return EMAUTH_EINVAL;
	}
	unsigned flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
	if (sa.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	struct MHD_Daemon *d = MHD_start_daemon(flags, 0, NULL, NULL, handle,
	    &srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)(uintptr_t)o,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)32,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	if (d == NULL) {
		seterr(err, errsize,
		    "cannot listen on %s (in use, or not an address of this "
		    "host)",
		    listen);
		return EMAUTH_EIO;
	}
	/* The port, when 0 asked for any. */
	char shown[80];
	const union MHD_DaemonInfo *di =
	    MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	unsigned port = 0;
	if (di &&
	    getsockname(di->listen_fd, (struct sockaddr *)&bound, &blen) == 0)
		port = ntohs(
		    bound.ss_family == AF_INET6
		        ? ((struct sockaddr_in6 *)(void *)&bound)->sin6_port
		        : ((struct sockaddr_in *)(void *)&bound)->sin_port);
	char host[64] = "";
	if (sa.ss_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((struct sockaddr_in6 *)(void *)&sa)->sin6_addr, host,
		    sizeof(host));
	else
		inet_ntop(AF_INET,
		    &((struct sockaddr_in *)(void *)&sa)->sin_addr, host,
		    sizeof(host));
	snprintf(shown, sizeof(shown),
	    sa.ss_family == AF_INET6 ? "http://[%s]:%u/" : "http://%s:%u/",
	    host, port);
	say(o, "listening on %s%s", shown,
	    o->token ? " (requests need the token)" : "");
	while (!*o->stop) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	MHD_stop_daemon(d);
	say(o, "stopped");
	return 0;
}
