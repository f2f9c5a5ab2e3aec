/*
 * callbacks.c: emauth-milter's milter callbacks.
 *
 * Mail from InternalHosts or from an SMTP-authenticated sender is signed
 * (Mode s); other mail is verified (Mode v): iprev, SPF, DKIM and DMARC,
 * an Authentication-Results field, forged ones removed, DMARC enforced up
 * to DMARCEnforce. Body chunks go to the signer or the verifier as they
 * arrive; a message holds only its header block (bounded by
 * MaximumHeaderBytes), whatever its size.
 *
 * Libmilter serves connections from worker threads. A library context (with its
 * DNS resolver) is used by one message at a time, taken from a pool and put
 * back; the contexts of one configuration share its DNS answer cache.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <emauth/arc.h>
#include <emauth/authres.h>
#include <emauth/dkim.h>
#include <emauth/msg.h>
#include <emauth/report.h>
#include <emauth/verdict.h>

#include "milter.h"

#define HEADER_FIELDS_MAX 1000
#define FROM_FIELDS_MAX 4
#define POOL_MAX 64
#define FORGED_MAX 1000
/* Ours: the body bytes kept for a failure report (FailureReportsBody);
 * a longer body is reported by its header block only. */
#define FAILURE_BODY_MAX (64 * 1024)

/* The context pool. */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pooled {
	struct emauth_ctx *ctx;
	unsigned generation;
} pool[POOL_MAX];
static size_t npool;
static unsigned pool_generation; /* the newest configuration seen */
static int active;               /* messages between MAIL FROM and their end */
static int stopping; /* milter_stop_new() was called (under pool_lock) */

/* Statistics (milter_stats_get), updated atomically. */
static struct milter_stats counts;

static void
count(unsigned long *n)
{
	__atomic_add_fetch(n, 1, __ATOMIC_RELAXED);
}

void
milter_stats_get(struct milter_stats *out)
{
	out->messages = __atomic_load_n(&counts.messages, __ATOMIC_RELAXED);
	out->signed_ok = __atomic_load_n(&counts.signed_ok, __ATOMIC_RELAXED);
	out->verified = __atomic_load_n(&counts.verified, __ATOMIC_RELAXED);
	out->rejected = __atomic_load_n(&counts.rejected, __ATOMIC_RELAXED);
	out->tempfailed = __atomic_load_n(&counts.tempfailed, __ATOMIC_RELAXED);
}

/* Counts a message at its end: @r the reply, @s its signer (NULL when not
 * signing), @verified whether it went through verification. */
static void
count_end(sfsistat r, const struct emauth_dkim_signer *s, bool verified)
{
	if (r == SMFIS_ACCEPT && s != NULL &&
	    emauth_dkim_signer_field(s, 0) != NULL)
		count(&counts.signed_ok);
	if (verified)
		count(&counts.verified);
	if (r == SMFIS_REJECT)
		count(&counts.rejected);
	else if (r == SMFIS_TEMPFAIL)
		count(&counts.tempfailed);
}

int
milter_active(void)
{
	pthread_mutex_lock(&pool_lock);
	int n = active;
	pthread_mutex_unlock(&pool_lock);
	return n;
}

void
milter_stop_new(void)
{
	pthread_mutex_lock(&pool_lock);
	stopping = 1;
	pthread_mutex_unlock(&pool_lock);
}

static bool
is_stopping(void)
{
	pthread_mutex_lock(&pool_lock);
	bool s = stopping != 0;
	pthread_mutex_unlock(&pool_lock);
	return s;
}

void
milter_pool_free(void)
{
	pthread_mutex_lock(&pool_lock);
	for (size_t i = 0; i < npool; i++)
		emauth_ctx_free(pool[i].ctx);
	npool = 0;
	pthread_mutex_unlock(&pool_lock);
}

/* Whether configuration @g is older than the newest the pool has seen.
 * Under pool_lock. */
static bool
stale(unsigned g)
{
	return (int)(g - pool_generation) < 0;
}

/* A context for a message of @st: the most recently pooled one of the same
 * configuration, or a new one attached to its DNS cache. Pooled contexts of
 * an older configuration than the newest are freed as soon as a newer one
 * is seen (they hold their configuration's cache), and outside the lock
 * (freeing a resolver joins libunbound's thread). */
static struct emauth_ctx *
ctx_get(const struct milter_state *st)
{
	struct emauth_ctx *ctx = NULL, *old[POOL_MAX];
	size_t nold = 0, keep = 0;
	pthread_mutex_lock(&pool_lock);
	if ((int)(st->generation - pool_generation) > 0)
		pool_generation = st->generation;
	for (size_t i = 0; i < npool; i++) {
		if (stale(pool[i].generation))
			old[nold++] = pool[i].ctx;
		else
			pool[keep++] = pool[i];
	}
	npool = keep;
	for (size_t i = npool; i-- > 0 && ctx == NULL;) {
		if (pool[i].generation != st->generation)
			continue;
		ctx = pool[i].ctx;
		memmove(
		    &pool[i], &pool[i + 1], (npool - i - 1) * sizeof(*pool));
		npool--;
	}
	pthread_mutex_unlock(&pool_lock);
	for (size_t i = 0; i < nold; i++)
		emauth_ctx_free(old[i]);
	if (ctx)
		return ctx;
	if (emauth_ctx_new(&ctx) != 0)
		return NULL;
	/* Before the resolver is made, so that it never makes a cache of its
	 * own. */
	emauth_ctx_set_dns_cache_shared(ctx, st->dns_cache);
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	if (emauth_ctx_set_dns(ctx, st->cfg.dns, &d) != 0) {
		char m[600];
		mlog(ML_ERR, "DNS %s: %s", st->cfg.dns,
		    d.msg ? emauth_diag_format(&d, m, sizeof(m))
		          : "cannot be set up");
		emauth_ctx_free(ctx);
		return NULL;
	}
	emauth_ctx_set_dns_timeouts(
	    ctx, st->cfg.dns_timeout * 1000, st->cfg.dns_budget * 1000);
	return ctx;
}

static void
ctx_put(const struct milter_state *st, struct emauth_ctx *ctx)
{
	if (ctx == NULL)
		return;
	pthread_mutex_lock(&pool_lock);
	if (npool < POOL_MAX && !stale(st->generation)) {
		pool[npool].ctx = ctx;
		pool[npool++].generation = st->generation;
		ctx = NULL;
	}
	pthread_mutex_unlock(&pool_lock);
	emauth_ctx_free(ctx);
}

/* One message. */
struct msg {
	bool sign, verify, failed;
	bool tempfail;  /* a header or body step failed without a reply */
	bool in_flight; /* counted in active */
	/* The reverse-path without its <>, whole (a cut copy could name
	 * another domain for SPF). */
	char *mail_from;
	char *hdr; /* the header block kept for the signer: "field\0"... */
	size_t hlen, hcap;
	unsigned nfields;
	char *from[FROM_FIELDS_MAX];
	unsigned nfrom;
	unsigned ar_seen, *forged, nforged; /* forged: at most FORGED_MAX */
	bool forged_over; /* more than FORGED_MAX: cannot all be removed */
	bool last_cr;     /* the previous body chunk ended in CR */
	struct emauth_dkim_verifier *v;
	struct emauth_arc_verifier *arc;
	struct emauth_dkim_signer *s;
	/* ARCSign: relayed mail that carries our Authentication-Results
	 * (we verified it on the way in) gets the next ARC set. */
	struct emauth_arc_sealer *seal;
	bool our_ar;
	/* RewriteFrom: the new From value, the author's address (for
	 * Reply-To, unless there is one) and the old value, applied at the
	 * end of the message. */
	char *new_from, *old_from;
	char author[600];
	bool has_reply_to;
	struct emauth_ctx *ctx; /* from the pool, for this message */
	char *rcpt;             /* the first envelope recipient */
	bool keep_hdr;          /* verify: header block kept for a failure
	                           report (m->hdr; m->failed: over the cap) */
	char *body;             /* FailureReportsBody: the body, bounded */
	size_t blen;
	bool body_over, body_keep;
	char signed_by[1024]; /* for the log: "d=D s=S, ..." */
};

/* One SMTP connection. The host name and the HELO name are kept whole
 * (freed at its close): a cut name could end in an InternalHosts suffix,
 * or be reported as a HELO that was not sent. */
struct conn {
	struct milter_state *st;
	char ip[64];
	char *host, *helo; /* "" when not given */
	bool internal, ignored, leadspc, nr_hdr, nr_body;
	struct msg m;
};

static void
msg_reset(struct conn *c)
{
	struct msg *m = &c->m;
	free(m->mail_from);
	free(m->hdr);
	free(m->rcpt);
	free(m->body);
	free(m->forged);
	for (unsigned i = 0; i < m->nfrom && i < FROM_FIELDS_MAX; i++)
		free(m->from[i]);
	emauth_dkim_verifier_free(m->v);
	emauth_arc_verifier_free(m->arc);
	emauth_dkim_signer_free(m->s);
	emauth_arc_sealer_free(m->seal);
	free(m->new_from);
	free(m->old_from);
	ctx_put(c->st, m->ctx);
	if (m->in_flight) {
		pthread_mutex_lock(&pool_lock);
		active--;
		pthread_mutex_unlock(&pool_lock);
	}
	memset(m, 0, sizeof(*m));
}

/* Lists for the log: an entry is added whole or not at all, with room
 * kept for " (+N more)", so that a list that does not fit says how much
 * it leaves out. */
#define LIST_MORE_ROOM 24

static bool list_add(char *buf, size_t size, size_t *o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends to the list in @buf (@size bytes, *@o used); returns false (and
 * adds nothing) when the entry does not fit. */
static bool
list_add(char *buf, size_t size, size_t *o, const char *fmt, ...)
{
	va_list ap;
	if (*o + LIST_MORE_ROOM >= size)
		return false;
	size_t room = size - *o - LIST_MORE_ROOM;
	va_start(ap, fmt);
	int w = vsnprintf(buf + *o, room, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= room) {
		buf[*o] = '\0';
		return false;
	}
	*o += (size_t)w;
	return true;
}

/* Ends the list: " (+N more)" when @more entries were left out. */
static void
list_end(char *buf, size_t size, size_t o, size_t more)
{
	if (more)
		snprintf(
		    buf + o, size - o, "%s(+%zu more)", o ? " " : "", more);
}

static const char *
qid(SMFICTX *ctx)
{
	const char *q = smfi_getsymval(ctx, "i");
	return q ? q : "NOQUEUE";
}

static sfsistat
x_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	(void)f2;
	(void)f3;
	unsigned long want = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE;
	/* Header values with their leading space (exactly as in the
	 * message), and no reply to each header field and body chunk, which
	 * saves a round trip per field (a failure then answers at the end of
	 * the message). Asking Postfix to skip RCPT, DATA and unknown
	 * commands as well made it slower (bench/run-milter.sh), so we do
	 * not. */
	unsigned long steps = SMFIP_HDR_LEADSPC | SMFIP_NR_HDR | SMFIP_NR_BODY;
	*pf0 = f0 & want;
	*pf1 = f1 & steps;
	*pf2 = 0;
	*pf3 = 0;
	struct conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	c->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
	c->nr_hdr = (*pf1 & SMFIP_NR_HDR) != 0;
	c->nr_body = (*pf1 & SMFIP_NR_BODY) != 0;
	smfi_setpriv(ctx, c);
	return SMFIS_CONTINUE;
}

static struct conn *
conn_of(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL)
		smfi_setpriv(ctx, c);
	return c;
}

static sfsistat
x_connect(SMFICTX *ctx, char *host, struct sockaddr *sa)
{
	struct conn *c = conn_of(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	/* A session accepted just before the listening socket closed. */
	if (is_stopping())
		return SMFIS_TEMPFAIL;
	c->st = milter_state_get();
	if (c->st == NULL)
		return SMFIS_TEMPFAIL;
	free(c->host);
	if ((c->host = strdup(host ? host : "")) == NULL)
		return SMFIS_TEMPFAIL;
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
		    &((struct sockaddr_in *)(void *)sa)->sin_addr, c->ip,
		    sizeof(c->ip));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, c->ip,
		    sizeof(c->ip));
	/* A host name in brackets is Postfix's "unknown". */
	const char *h = c->host[0] == '[' ? NULL : c->host;
	c->internal = milter_config_internal(&c->st->cfg, c->ip, h);
	c->ignored = milter_nets_match(&c->st->cfg.external_ignore, c->ip, h);
	return SMFIS_CONTINUE;
}

static sfsistat
x_helo(SMFICTX *ctx, char *helo)
{
	struct conn *c = conn_of(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	/* EHLO may be sent again (after STARTTLS): the last one holds. */
	free(c->helo);
	if ((c->helo = strdup(helo ? helo : "")) == NULL)
		return SMFIS_TEMPFAIL;
	return SMFIS_CONTINUE;
}

static sfsistat
x_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_of(ctx);
	if (c == NULL || c->st == NULL)
		return SMFIS_TEMPFAIL;
	msg_reset(c);
	struct msg *m = &c->m;
	/* A new message during the stop: only those in flight finish. The
	 * check and the count are one step under the lock, so that the stop
	 * (which sets the flag under it too) waits for every message that
	 * passed. */
	pthread_mutex_lock(&pool_lock);
	bool refuse = stopping != 0;
	if (!refuse)
		active++;
	pthread_mutex_unlock(&pool_lock);
	if (refuse)
		return SMFIS_TEMPFAIL;
	m->in_flight = true;
	count(&counts.messages);
	const char *a = argv && argv[0] ? argv[0] : "";
	size_t l = strlen(a);
	if (l >= 2 && a[0] == '<' && a[l - 1] == '>')
		m->mail_from = strndup(a + 1, l - 2);
	else
		m->mail_from = strdup(a);
	if (m->mail_from == NULL)
		return SMFIS_TEMPFAIL;
	const char *auth = smfi_getsymval(ctx, "{auth_authen}");
	bool outgoing = c->internal || (auth && auth[0]);
	m->sign = (c->st->cfg.mode & MC_SIGN) && outgoing;
	/* Mode v verifies all mail; Mode sv what it does not sign. */
	m->verify = (c->st->cfg.mode & MC_VERIFY) && !m->sign && c->ip[0];
	if ((m->sign || m->verify) && (m->ctx = ctx_get(c->st)) == NULL)
		return SMFIS_TEMPFAIL;
	m->keep_hdr = m->verify && c->st->cfg.failure_reports;
	m->body_keep = m->keep_hdr && c->st->cfg.failure_body;
	if (m->verify) {
		struct emauth_dkim_verify_opts o = {0};
		o.max_header_bytes = (size_t)c->st->cfg.max_header_kb * 1024;
		if (emauth_dkim_verifier_new(m->ctx, &o, &m->v) != 0)
			return SMFIS_TEMPFAIL;
		struct emauth_arc_verify_opts ao;
		emauth_arc_verify_opts_init(&ao);
		ao.max_header_bytes = o.max_header_bytes;
		if (emauth_arc_verifier_new(m->ctx, &ao, &m->arc) != 0)
			return SMFIS_TEMPFAIL;
	}
	return SMFIS_CONTINUE;
}

/*
 * Whether the field name @name (as the MTA passed it) is @want, ASCII
 * case ignored. RFC 5322 §4.5: in the obsolete syntax "any amount of
 * whitespace is allowed before the ":" at the end of the field name"
 * (obs-from = "From" *WSP ":" mailbox-list CRLF). Postfix strips that
 * white space from the name it passes; libmilter and other MTAs may
 * leave it ("From "), so it is ignored here. The field given to the DKIM
 * signer and verifier keeps the name as passed: the library reads its
 * name the same way.
 */
static bool
field_is(const char *name, const char *want)
{
	size_t n = strlen(name);
	while (n && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	return n == strlen(want) && strncasecmp(name, want, n) == 0;
}

/* "Name:value" with bare LFs made CRLF, into a new string. */
static char *
make_field(const char *name, const char *value, bool leadspc, size_t *len)
{
	size_t nl = strlen(name), vl = strlen(value), extra = 0;
	for (size_t i = 0; i < vl; i++)
		extra += value[i] == '\n' && (i == 0 || value[i - 1] != '\r');
	char *f = malloc(nl + vl + extra + 3);
	if (f == NULL)
		return NULL;
	size_t n = 0;
	memcpy(f, name, nl);
	n = nl;
	f[n++] = ':';
	if (!leadspc && vl)
		f[n++] = ' ';
	for (size_t i = 0; i < vl; i++) {
		if (value[i] == '\n' && (i == 0 || value[i - 1] != '\r'))
			f[n++] = '\r';
		f[n++] = value[i];
	}
	f[n] = '\0';
	*len = n;
	return f;
}

static sfsistat
header_step(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_of(ctx);
	if (c == NULL || c->st == NULL)
		return SMFIS_TEMPFAIL;
	struct msg *m = &c->m;
	if (!m->sign && !m->verify)
		return SMFIS_CONTINUE;
	size_t flen;
	char *f = make_field(name, value, c->leadspc, &flen);
	if (f == NULL)
		return SMFIS_TEMPFAIL;
	if (field_is(name, "From")) {
		if (m->nfrom < FROM_FIELDS_MAX &&
		    (m->from[m->nfrom] = strdup(value)) == NULL) {
			free(f);
			return SMFIS_TEMPFAIL;
		}
		m->nfrom++;
	}
	if (m->sign && field_is(name, "Reply-To"))
		m->has_reply_to = true;
	if (m->sign && c->st->cfg.arc_sign[0] &&
	    field_is(name, "Authentication-Results") &&
	    emauth_authres_claims(
	        (struct emauth_span){(const uint8_t *)value, strlen(value)},
	        c->st->cfg.authserv_id))
		m->our_ar = true;
	if (m->verify) {
		if (field_is(name, "Authentication-Results")) {
			m->ar_seen++;
			/* The id our own field carries: AuthservID, or the
			 * host name (config.c sets it once per
			 * configuration). */
			if (emauth_authres_claims(
			        (struct emauth_span){
			            (const uint8_t *)value, strlen(value)},
			        c->st->cfg.authserv_id)) {
				if (m->nforged == FORGED_MAX) {
					m->forged_over = true;
				} else {
					unsigned *nf = realloc(m->forged,
					    (m->nforged + 1) * sizeof(*nf));
					if (nf == NULL) {
						free(f);
						return SMFIS_TEMPFAIL;
					}
					m->forged = nf;
					m->forged[m->nforged++] = m->ar_seen;
				}
			}
		}
		/* ETOOBIG is the verifier's header cap: it then gives every
		 * signature permerror. Anything else (ENOMEM) would lose the
		 * field: the message is refused for now. */
		int vr = emauth_dkim_verifier_header(
		    m->v, (struct emauth_span){(const uint8_t *)f, flen});
		/* The ARC verifier's cap fails the chain, with the
		 * reason. */
		int ar = emauth_arc_verifier_header(
		    m->arc, (struct emauth_span){(const uint8_t *)f, flen});
		if (vr == 0 || vr == EMAUTH_ETOOBIG)
			vr = ar;
		if (vr != 0 && vr != EMAUTH_ETOOBIG) {
			mlog(ML_ERR, "%s: DKIM verifier: %s", qid(ctx),
			    emauth_strerror(vr));
			free(f);
			return SMFIS_TEMPFAIL;
		}
	}
	if ((m->sign || m->keep_hdr) && !m->failed) {
		size_t cap = (size_t)c->st->cfg.max_header_kb * 1024;
		if (m->hlen + flen + 1 > cap ||
		    m->nfields >= HEADER_FIELDS_MAX) {
			if (m->sign)
				mlog(ML_WARN,
				    "%s: header block over %zu bytes or %d "
				    "fields: not signed",
				    qid(ctx), cap, HEADER_FIELDS_MAX);
			m->failed = true;
		} else {
			if (m->hlen + flen + 1 > m->hcap) {
				size_t nc = (m->hcap ? m->hcap * 2 : 8192);
				while (nc < m->hlen + flen + 1)
					nc *= 2;
				char *nh = realloc(m->hdr, nc);
				if (nh == NULL) {
					free(f);
					return SMFIS_TEMPFAIL;
				}
				m->hdr = nh;
				m->hcap = nc;
			}
			memcpy(m->hdr + m->hlen, f, flen + 1);
			m->hlen += flen + 1;
			m->nfields++;
		}
	}
	free(f);
	return SMFIS_CONTINUE;
}

/* The From address of the message, for the SigningTable. */
static bool
from_address(const struct msg *m, char *out, size_t size)
{
	if (m->nfrom != 1 || m->from[0] == NULL)
		return false;
	struct emauth_address a[4];
	size_t n = 0;
	if (emauth_msg_parse_from(
	        (struct emauth_span){
	            (const uint8_t *)m->from[0], strlen(m->from[0])},
	        a, 4, &n, NULL) != 0 ||
	    n == 0)
		return false;
	snprintf(out, size, "%s@%s", a[0].local, a[0].domain);
	return true;
}

static void
start_signer(SMFICTX *ctx, struct conn *c)
{
	struct msg *m = &c->m;
	const struct milter_config *cfg = &c->st->cfg;
	char from[600];
	if (!from_address(m, from, sizeof(from))) {
		mlog(ML_NOTICE, "%s: not signed: no single From address",
		    qid(ctx));
		m->failed = true;
		return;
	}
	/* One more than may sign, to tell when some do not. */
	struct mc_key keys[MC_SIGS_PER_MESSAGE + 1];
	size_t n =
	    milter_config_keys_for(cfg, from, keys, MC_SIGS_PER_MESSAGE + 1);
	if (n > MC_SIGS_PER_MESSAGE) {
		mlog(ML_WARN,
		    "%s: more than %d SigningTable entries match %s: only the "
		    "first %d sign",
		    qid(ctx), MC_SIGS_PER_MESSAGE, from, MC_SIGS_PER_MESSAGE);
		n = MC_SIGS_PER_MESSAGE;
	}
	if (n == 0) {
		if (cfg->log_why)
			mlog(ML_INFO, "%s: not signed: no key for %s", qid(ctx),
			    from);
		m->failed = true;
		return;
	}
	struct emauth_dkim_sign_spec specs[MC_SIGS_PER_MESSAGE];
	size_t ns = 0;
	for (size_t i = 0; i < n; i++) {
		const struct emauth_dkim_key *k =
		    milter_state_key(c->st, keys[i].keyfile);
		if (k == NULL)
			continue;
		emauth_dkim_sign_spec_init(&specs[ns]);
		specs[ns].domain = keys[i].domain;
		specs[ns].selector = keys[i].selector;
		specs[ns].key = k;
		specs[ns].header_canon = cfg->header_canon ? EMAUTH_DKIM_RELAXED
		                                           : EMAUTH_DKIM_SIMPLE;
		specs[ns].body_canon =
		    cfg->body_canon ? EMAUTH_DKIM_RELAXED : EMAUTH_DKIM_SIMPLE;
		specs[ns].oversign = cfg->oversign[0] ? cfg->oversign : NULL;
		ns++;
	}
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	if (emauth_dkim_signer_new(m->ctx, specs, ns, &m->s, &d) != 0) {
		char dm[600];
		mlog(ML_ERR, "%s: not signed: %s", qid(ctx),
		    d.msg ? emauth_diag_format(&d, dm, sizeof(dm))
		          : "cannot start a signer");
		m->failed = true;
		return;
	}
	size_t off = 0, shown = 0;
	while (shown < ns && list_add(m->signed_by, sizeof(m->signed_by), &off,
	                         "%sd=%s s=%s", shown ? ", " : "",
	                         specs[shown].domain, specs[shown].selector))
		shown++;
	list_end(m->signed_by, sizeof(m->signed_by), off, ns - shown);
	for (size_t p = 0; p < m->hlen;) {
		size_t l = strlen(m->hdr + p);
		emauth_dkim_signer_header(
		    m->s, (struct emauth_span){(const uint8_t *)m->hdr + p, l});
		p += l + 1;
	}
	emauth_dkim_signer_eoh(m->s);
	free(m->hdr);
	m->hdr = NULL;
	m->hlen = m->hcap = 0;
}

/* RFC 5322 §2.1.1: the longest line of a header field. */
#define LINE_MAX_OCTETS 998

/* Whether the lines of the field value @v (LF between folded lines), the
 * first after @first octets of name, are of at most 998 octets. */
static bool
lines_fit(const char *v, size_t first)
{
	size_t line = first;
	for (; *v; v++) {
		if (*v == '\n')
			line = 0;
		else if (*v != '\r' && ++line > LINE_MAX_OCTETS)
			return false;
	}
	return true;
}

/* Appends @s to @b (of @size, at *@o) as a quoted-string's content:
 * '"' and '\\' escaped, controls dropped. False when it does not fit. */
static bool
quoted_add(char *b, size_t size, size_t *o, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || ch == 0x7f)
			continue;
		if (*o + 3 >= size)
			return false;
		if (ch == '"' || ch == '\\')
			b[(*o)++] = '\\';
		b[(*o)++] = (char)ch;
	}
	return true;
}

/* The display name of a From value (before "<"), its quotes and escapes
 * taken out and white space trimmed; "" when there is none. */
static void
display_name(const char *v, char *out, size_t size)
{
	const char *lt = strrchr(v, '<');
	size_t n = 0;
	out[0] = '\0';
	if (lt == NULL)
		return;
	bool q = false;
	for (const char *p = v; p < lt && n + 1 < size; p++) {
		if (*p == '"') {
			q = !q;
			continue;
		}
		if (q && *p == '\\' && p + 1 < lt)
			p++;
		if (*p == '\r' || *p == '\n')
			continue;
		out[n++] = *p == '\t' ? ' ' : *p;
	}
	out[n] = '\0';
	while (n > 0 && out[n - 1] == ' ')
		out[--n] = '\0';
	size_t k = strspn(out, " ");
	memmove(out, out + k, n - k + 1);
}

/*
 * RewriteFrom: mail whose From domain the milter has no key for (and, in
 * dmarc mode, whose domain publishes p=quarantine or p=reject) is sent as
 * the platform: From becomes RewriteFromFormat's display name (%n the
 * author's name, or the local part; %o RewriteFromOrganization; %a the
 * author's address; %d its domain) with the address local=domain@
 * RewriteFromDomain; the author's address goes into Reply-To unless there
 * is one; the old From is kept in X-Original-From. The header kept for
 * the signer is changed the same way (From in place; Reply-To and
 * X-Original-From added at the end, where the MTA adds them), so that the
 * signature, for RewriteFromDomain's key, covers what is sent.
 * @return 0, or -1 to try again later (the DMARC policy could not be
 * read).
 */
static int
rewrite_from(SMFICTX *ctx, struct conn *c)
{
	struct msg *m = &c->m;
	const struct milter_config *cfg = &c->st->cfg;
	char from[600];
	if (m->nfrom != 1 || !from_address(m, from, sizeof(from)))
		return 0; /* not signed either: start_signer says why */
	struct mc_key k;
	if (milter_config_keys_for(cfg, from, &k, 1) > 0)
		return 0; /* we can sign for it */
	const char *at = strrchr(from, '@');
	const char *dom = at ? at + 1 : "";
	if (strcasecmp(dom, cfg->rewrite_domain) == 0)
		return 0;
	if (cfg->rewrite_from == 1) {
		struct emauth_dmarc_discovery *d = malloc(sizeof(*d));
		if (d == NULL)
			return -1;
		int rc = emauth_dmarc_discover(m->ctx, dom,
		    cfg->dmarc_mode ? EMAUTH_DMARC_RFC7489
		                    : EMAUTH_DMARC_RFC9989,
		    d);
		bool strict = rc == 0 && d->result == EMAUTH_RES_PASS &&
		              (d->policy == EMAUTH_DMARC_QUARANTINE ||
		                  d->policy == EMAUTH_DMARC_REJECT);
		bool temp = rc != 0 || d->result == EMAUTH_RES_TEMPERROR;
		free(d);
		if (temp) {
			mlog(ML_NOTICE,
			    "%s: RewriteFrom: the DMARC policy of %s could not "
			    "be read: try again later",
			    qid(ctx), dom);
			smfi_setreply(ctx, "451", "4.4.3",
			    "Temporary DNS failure reading the sender's DMARC "
			    "policy");
			return -1;
		}
		if (!strict)
			return 0;
	}
	/* The new value. */
	char name[512], nv[1400];
	display_name(m->from[0], name, sizeof(name));
	if (name[0] == '\0') {
		size_t l = (size_t)(at - from);
		snprintf(
		    name, sizeof(name), "%.*s", (int)(l < 500 ? l : 500), from);
	}
	size_t o = 0;
	nv[o++] = '"';
	bool ok = true;
	for (const char *p = cfg->rewrite_format; *p && ok; p++) {
		if (p[0] == '%' && p[1]) {
			const char *sub = p[1] == 'n'   ? name
			                  : p[1] == 'o' ? cfg->rewrite_org
			                  : p[1] == 'a' ? from
			                  : p[1] == 'd' ? dom
			                  : p[1] == '%' ? "%"
			                                : "";
			ok = quoted_add(nv, sizeof(nv), &o, sub);
			p++;
		} else {
			char one[2] = {*p, '\0'};
			ok = quoted_add(nv, sizeof(nv), &o, one);
		}
	}
	int w = ok ? snprintf(nv + o, sizeof(nv) - o, "\" <%.*s=%s@%s>",
	                 (int)(at - from), from, dom, cfg->rewrite_domain)
	           : -1;
	/* "From: " and the value on one line, of at most 998 octets; the
	 * old value keeps its folds in X-Original-From. */
	const char *ov = m->from[0][0] == ' ' ? m->from[0] + 1 : m->from[0];
	if (w < 0 || (size_t)w >= sizeof(nv) - o ||
	    o + (size_t)w + 6 > LINE_MAX_OCTETS ||
	    !lines_fit(ov, strlen("X-Original-From: "))) {
		mlog(ML_NOTICE,
		    "%s: RewriteFrom: %s: a line of the new From or of "
		    "X-Original-From would be over 998 octets: "
		    "not rewritten",
		    qid(ctx), from);
		return 0;
	}
	/* The kept header: From replaced, the new fields at the end. */
	size_t cap =
	    m->hlen + strlen(nv) + 2 * strlen(m->from[0]) + strlen(from) + 64;
	char *nh = malloc(cap);
	if (nh == NULL)
		return -1;
	size_t n = 0;
	for (size_t p = 0; p < m->hlen;) {
		size_t l = strlen(m->hdr + p);
		const char *colon = memchr(m->hdr + p, ':', l);
		bool is_from = colon && (size_t)(colon - (m->hdr + p)) == 4 &&
		               strncasecmp(m->hdr + p, "From", 4) == 0;
		if (is_from)
			n += (size_t)snprintf(nh + n, cap - n, "From: %s", nv) +
			     1;
		else {
			memcpy(nh + n, m->hdr + p, l + 1);
			n += l + 1;
		}
		p += l + 1;
	}
	if (!m->has_reply_to)
		n +=
		    (size_t)snprintf(nh + n, cap - n, "Reply-To: %s", from) + 1;
	/* The old value as it came, folds and all: unfolded, a long one
	 * would make a line over 998 octets. The kept header has the MTA's
	 * CRLF in the folds. */
	char *old1 = strdup(ov);
	if (old1 == NULL) {
		free(nh);
		return -1;
	}
	n += (size_t)snprintf(nh + n, cap - n, "X-Original-From: ");
	for (const char *p = old1; *p; p++) {
		if (*p == '\n' && (p == old1 || p[-1] != '\r'))
			nh[n++] = '\r';
		nh[n++] = *p;
	}
	nh[n++] = '\0';
	free(m->hdr);
	m->hdr = nh;
	m->hlen = n;
	m->hcap = cap;
	free(m->from[0]);
	m->old_from = old1;
	m->from[0] = strdup(nv);
	m->new_from = strdup(nv);
	snprintf(m->author, sizeof(m->author), "%s", from);
	if (m->from[0] == NULL || m->new_from == NULL)
		return -1;
	mlog(ML_INFO, "%s: RewriteFrom: %s sent as %s", qid(ctx), from, nv);
	return 0;
}

/* The rewritten From, Reply-To and X-Original-From into the message. */
static sfsistat
eom_rewrite(SMFICTX *ctx, struct conn *c)
{
	struct msg *m = &c->m;
	const char *sp = c->leadspc ? " " : "";
	char v[1500];
	snprintf(v, sizeof(v), "%s%s", sp, m->new_from);
	if (smfi_chgheader(ctx, "From", 1, v) != MI_SUCCESS)
		return SMFIS_TEMPFAIL;
	if (!m->has_reply_to) {
		snprintf(v, sizeof(v), "%s%s", sp, m->author);
		if (smfi_addheader(ctx, "Reply-To", v) != MI_SUCCESS)
			return SMFIS_TEMPFAIL;
	}
	const char *old = m->old_from ? m->old_from : "";
	size_t ovl = strlen(old) + 2;
	char *ov = malloc(ovl);
	if (ov == NULL)
		return SMFIS_TEMPFAIL;
	snprintf(ov, ovl, "%s%s", sp, old);
	int rc = smfi_addheader(ctx, "X-Original-From", ov);
	free(ov);
	return rc == MI_SUCCESS ? SMFIS_ACCEPT : SMFIS_TEMPFAIL;
}

/* ARCSign: the sealer of relayed mail, fed the header block kept so far.
 * Only mail that carries our own Authentication-Results is sealed: the
 * set vouches for what we found when it came in. */
static void
start_sealer(SMFICTX *ctx, struct conn *c)
{
	struct msg *m = &c->m;
	const struct milter_config *cfg = &c->st->cfg;
	if (!m->our_ar) {
		if (cfg->log_why)
			mlog(ML_INFO,
			    "%s: not sealed (ARCSign): no "
			    "Authentication-Results of %s",
			    qid(ctx), cfg->authserv_id);
		return;
	}
	struct mc_key key;
	const struct emauth_dkim_key *k = NULL;
	if (milter_config_arc_key(cfg, &key))
		k = milter_state_key(c->st, key.keyfile);
	if (k == NULL) {
		mlog(ML_ERR, "%s: not sealed: the ARCSign key is not loaded",
		    qid(ctx));
		return;
	}
	struct emauth_arc_seal_spec sp;
	emauth_arc_seal_spec_init(&sp);
	sp.domain = key.domain;
	sp.selector = key.selector;
	sp.key = k;
	sp.authserv_id = cfg->authserv_id;
	sp.fold = 1; /* no line over 998 octets, whatever the results */
	/* The chain's status comes from the arc= of our own
	 * Authentication-Results; without one the chain was none. */
	sp.cv = EMAUTH_ARC_NONE;
	if (emauth_arc_sealer_new(m->ctx, &sp, &m->seal) != 0) {
		mlog(ML_ERR, "%s: not sealed: cannot start a sealer", qid(ctx));
		m->seal = NULL;
		return;
	}
	for (size_t p = 0; p < m->hlen;) {
		size_t l = strlen(m->hdr + p);
		emauth_arc_sealer_header(m->seal,
		    (struct emauth_span){(const uint8_t *)m->hdr + p, l});
		p += l + 1;
	}
	emauth_arc_sealer_eoh(m->seal);
}

/* A step the MTA expects no reply to: a failure is kept for the end. */
static sfsistat
noreply(SMFICTX *ctx, sfsistat r, bool nr)
{
	struct conn *c = smfi_getpriv(ctx);
	if (!nr || c == NULL)
		return r;
	if (r == SMFIS_TEMPFAIL)
		c->m.tempfail = true;
	return SMFIS_NOREPLY;
}

static sfsistat
x_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = smfi_getpriv(ctx);
	return noreply(ctx, header_step(ctx, name, value), c && c->nr_hdr);
}

static sfsistat
x_eoh(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);
	if (c == NULL || c->st == NULL)
		return SMFIS_TEMPFAIL;
	struct msg *m = &c->m;
	if (m->tempfail)
		return SMFIS_TEMPFAIL;
	if (m->verify) {
		int vr = emauth_dkim_verifier_eoh(m->v);
		if (vr == 0)
			vr = emauth_arc_verifier_eoh(m->arc);
		if (vr != 0) {
			mlog(ML_ERR, "%s: DKIM verifier: %s", qid(ctx),
			    emauth_strerror(vr));
			return SMFIS_TEMPFAIL;
		}
	}
	if (m->sign && !m->failed && c->st->cfg.rewrite_from > 0 &&
	    rewrite_from(ctx, c) != 0)
		return SMFIS_TEMPFAIL;
	if (m->sign && !m->failed && c->st->cfg.arc_sign[0])
		start_sealer(ctx, c);
	if (m->sign && !m->failed)
		start_signer(ctx, c);
	if (!m->verify && (!m->sign || m->failed) && m->seal == NULL &&
	    m->new_from == NULL)
		return SMFIS_ACCEPT;
	return SMFIS_CONTINUE;
}

static void
feed(struct msg *m, const uint8_t *p, size_t n)
{
	struct emauth_span s = {p, n};
	if (m->keep_hdr && m->body_keep && !m->body_over) {
		if (m->blen + n > FAILURE_BODY_MAX) {
			m->body_over = true;
		} else {
			if (m->body == NULL &&
			    (m->body = malloc(FAILURE_BODY_MAX)) == NULL)
				m->body_over = true;
			else {
				memcpy(m->body + m->blen, p, n);
				m->blen += n;
			}
		}
	}
	if (m->v)
		emauth_dkim_verifier_body(m->v, s);
	if (m->arc)
		emauth_arc_verifier_body(m->arc, s);
	if (m->s && !m->failed)
		emauth_dkim_signer_body(m->s, s);
	if (m->seal)
		emauth_arc_sealer_body(m->seal, s);
}

static sfsistat
body_step(SMFICTX *ctx, unsigned char *p, size_t len)
{
	struct conn *c = conn_of(ctx);
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	struct msg *m = &c->m;
	/* The body should come with CRLF; a bare LF is made CRLF. */
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		bool cr_before = i ? p[i - 1] == '\r' : m->last_cr;
		if (p[i] == '\n' && !cr_before) {
			feed(m, p + start, i - start);
			feed(m, (const uint8_t *)"\r", 1);
			start = i;
		}
	}
	feed(m, p + start, len - start);
	if (len)
		m->last_cr = p[len - 1] == '\r';
	return SMFIS_CONTINUE;
}

static sfsistat
x_body(SMFICTX *ctx, unsigned char *p, size_t len)
{
	struct conn *c = smfi_getpriv(ctx);
	return noreply(ctx, body_step(ctx, p, len), c && c->nr_body);
}

/* The value of a field we made ("Name: value", folded with CRLF) as the
 * MTA takes it: after the colon, with LF line breaks (Postfix and
 * Sendmail want them so). NULL when out of memory. */
static char *
mta_value(const char *field)
{
	char *v = strdup(strchr(field, ':') + 1);
	if (v == NULL)
		return NULL;
	size_t o = 0;
	for (size_t k = 0; v[k]; k++)
		if (v[k] != '\r')
			v[o++] = v[k];
	v[o] = '\0';
	return v;
}

static sfsistat
eom_dkim(SMFICTX *ctx, struct conn *c)
{
	struct msg *m = &c->m;
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	if (emauth_dkim_signer_finish(m->s, &d) != 0) {
		char dm[600];
		mlog(ML_ERR, "%s: not signed: %s", qid(ctx),
		    d.msg ? emauth_diag_format(&d, dm, sizeof(dm)) : "error");
		return SMFIS_ACCEPT;
	}
	for (size_t i = 0;; i++) {
		const char *f = emauth_dkim_signer_field(m->s, i);
		if (f == NULL)
			break;
		char *v = mta_value(f);
		if (v == NULL)
			return SMFIS_TEMPFAIL;
		int rc = smfi_insheader(ctx, 0, "DKIM-Signature",
		    c->leadspc ? v : v + (v[0] == ' '));
		free(v);
		if (rc != MI_SUCCESS) {
			mlog(ML_ERR, "%s: the MTA refused the DKIM-Signature",
			    qid(ctx));
			return SMFIS_TEMPFAIL;
		}
	}
	if (c->st->cfg.syslog_success)
		mlog(ML_INFO, "%s: signed (%s)", qid(ctx), m->signed_by);
	return SMFIS_ACCEPT;
}

/* ARCSign: the new set on top, ARC-Seal first. */
static sfsistat
eom_seal(SMFICTX *ctx, struct conn *c)
{
	struct msg *m = &c->m;
	struct emauth_diag d;
	memset(&d, 0, sizeof(d));
	int rc = emauth_arc_sealer_finish(m->seal, &d);
	if (rc != 0) {
		char dm[600];
		mlog(ML_ERR, "%s: not sealed: %s", qid(ctx),
		    d.msg ? emauth_diag_format(&d, dm, sizeof(dm))
		          : emauth_strerror(rc));
		return SMFIS_ACCEPT;
	}
	if (emauth_arc_sealer_instance(m->seal) == 0) {
		if (c->st->cfg.log_why)
			mlog(ML_INFO,
			    "%s: not sealed: the chain has failed (cv=fail)",
			    qid(ctx));
		return SMFIS_ACCEPT;
	}
	static const char *const names[3] = {
	    "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results"};
	for (int w = 2; w >= 0; w--) {
		const char *f = emauth_arc_sealer_field(m->seal, (unsigned)w);
		if (f == NULL || strchr(f, ':') == NULL)
			return SMFIS_ACCEPT;
		char *v = mta_value(f);
		if (v == NULL)
			return SMFIS_TEMPFAIL;
		int ir = smfi_insheader(ctx, 0, (char *)(uintptr_t)names[w],
		    c->leadspc ? v : v + (v[0] == ' '));
		free(v);
		if (ir != MI_SUCCESS) {
			mlog(ML_ERR, "%s: the MTA refused the %s", qid(ctx),
			    names[w]);
			return SMFIS_TEMPFAIL;
		}
	}
	if (c->st->cfg.syslog_success)
		mlog(ML_INFO, "%s: sealed (ARC i=%u)", qid(ctx),
		    emauth_arc_sealer_instance(m->seal));
	return SMFIS_ACCEPT;
}

static sfsistat
eom_sign(SMFICTX *ctx, struct conn *c)
{
	sfsistat r = SMFIS_ACCEPT;
	if (c->m.new_from)
		r = eom_rewrite(ctx, c);
	if (r == SMFIS_ACCEPT && c->m.s && !c->m.failed)
		r = eom_dkim(ctx, c);
	if (r == SMFIS_ACCEPT && c->m.seal)
		r = eom_seal(ctx, c);
	return r;
}

static void
reply(SMFICTX *ctx, const char *rcode, const char *xcode, const char *text)
{
	/* A reply line may not hold a bare % or CR/LF. */
	char safe[600];
	size_t o = 0;
	for (size_t i = 0; text[i] && o + 2 < sizeof(safe); i++) {
		char ch = text[i];
		if (ch == '\r' || ch == '\n')
			ch = ' ';
		if (ch == '%')
			safe[o++] = '%';
		safe[o++] = ch;
	}
	safe[o] = '\0';
	char rc[8], xc[16];
	snprintf(rc, sizeof(rc), "%s", rcode);
	snprintf(xc, sizeof(xc), "%s", xcode);
	smfi_setreply(ctx, rc, xc, safe);
}

/* The DMARC evaluation of the message to the report store, with the
 * disposition applied (@action) and why it differs from the policy's; and
 * the message's header block (and kept body) for failure reports. */
static void
record(struct conn *c, const struct emauth_verdict *vd, const char *action,
    const char *arc_override)
{
	struct msg *m = &c->m;
	const struct milter_config *cfg = &c->st->cfg;
	enum emauth_dmarc_policy applied =
	    strcmp(action, "reject") == 0       ? EMAUTH_DMARC_REJECT
	    : strcmp(action, "quarantine") == 0 ? EMAUTH_DMARC_QUARANTINE
	                                        : EMAUTH_DMARC_NONE;
	static const char *const levels[] = {"none", "quarantine", "reject"};
	char why[128];
	snprintf(why, sizeof(why), "%s",
	    c->ignored ? "the client is in ExternalIgnoreList"
	               : "DMARCEnforce");
	if (!c->ignored && cfg->dmarc_enforce >= 0 && cfg->dmarc_enforce <= 2)
		snprintf(why, sizeof(why), "DMARCEnforce %s",
		    levels[cfg->dmarc_enforce]);
	struct emauth_report_env env = {(int64_t)time(NULL), c->ip,
	    cfg->dmarc_mode ? EMAUTH_DMARC_RFC7489 : EMAUTH_DMARC_RFC9989,
	    m->mail_from, m->rcpt, applied,
	    arc_override ? "trusted_forwarder" : NULL,
	    arc_override ? arc_override : why};
	struct emauth_report_row *row = malloc(sizeof(*row));
	if (row == NULL)
		return;
	if (emauth_report_row_from_verdict(vd, &env, row) != 0) {
		free(row);
		return;
	}
	if (row->override_type[0] == '\0')
		row->override_comment[0] = '\0';
	char *text = NULL;
	size_t tl = 0;
	/* The body when it was kept whole (FailureReportsBody, at most
	 * FAILURE_BODY_MAX bytes); else the header block alone. */
	bool with_body = m->body_keep && !m->body_over;
	if (m->keep_hdr && !m->failed && m->hdr) {
		/* "field\0field\0..." as the header block, then the body. */
		size_t bl = with_body ? m->blen : 0;
		text = malloc(m->hlen + m->nfields + 4 + bl);
		if (text) {
			for (size_t o = 0; o < m->hlen;) {
				size_t fl = strlen(m->hdr + o);
				memcpy(text + tl, m->hdr + o, fl);
				tl += fl;
				memcpy(text + tl, "\r\n", 2);
				tl += 2;
				o += fl + 1;
			}
			memcpy(text + tl, "\r\n", 2);
			tl += 2;
			if (bl) {
				memcpy(text + tl, m->body, bl);
				tl += bl;
			}
		}
	}
	milter_report_verdict(cfg, row, m->mail_from, text, tl, with_body);
	free(text);
	free(row);
}

static sfsistat
eom_verify(SMFICTX *ctx, struct conn *c)
{
	struct msg *m = &c->m;
	const struct milter_config *cfg = &c->st->cfg;
	struct emauth_ctx *ec = m->ctx;
	struct emauth_verdict *vd = calloc(1, sizeof(*vd));
	/* The library's cap: the field always fits. */
	char *ar = malloc(EMAUTH_AUTHRES_MAX + 1);
	struct emauth_arc_result *arc = NULL;
	struct emauth_dmarc_result *ar_dmarc = NULL;
	char arc_why[300] = "";
	bool arc_override = false;
	sfsistat ret = SMFIS_CONTINUE;
	if (vd == NULL || ar == NULL) {
		ret = SMFIS_TEMPFAIL;
		goto out;
	}
	if (m->forged_over) {
		/* Not every forged field could be removed: refuse rather than
		 * deliver one that claims our results. */
		reply(ctx, "550", "5.7.1",
		    "Too many Authentication-Results fields claiming this "
		    "receiver's results");
		mlog(ML_NOTICE,
		    "%s: ip=%s action=reject: over %d forged "
		    "Authentication-Results fields",
		    qid(ctx), c->ip, FORGED_MAX);
		ret = SMFIS_REJECT;
		goto out;
	}
	/* DNSBudget: the whole message's lookups (DKIM keys, iprev, SPF,
	 * DMARC) share it. */
	emauth_ctx_set_dns_deadline(ec, cfg->dns_budget * 1000);
	int vr = emauth_dkim_verifier_finish(m->v);
	if (vr == 0)
		vr = emauth_arc_verifier_finish(m->arc);
	arc = malloc(sizeof(*arc));
	if (vr == 0 && arc == NULL)
		vr = EMAUTH_ENOMEM;
	if (vr == 0)
		vr = emauth_arc_verifier_result(m->arc, arc);
	if (vr != 0) {
		mlog(ML_ERR, "%s: DKIM verifier: %s", qid(ctx),
		    emauth_strerror(vr));
		ret = SMFIS_TEMPFAIL;
		goto out;
	}
	struct emauth_verdict_query q = {c->ip, m->mail_from, c->helo,
	    cfg->dmarc_mode ? EMAUTH_DMARC_RFC7489 : EMAUTH_DMARC_RFC9989,
	    (const char *const *)m->from, m->nfrom, m->v, NULL};
	if (emauth_verdict_evaluate(ec, &q, vd) != 0) {
		ret = SMFIS_TEMPFAIL;
		goto out;
	}
	enum emauth_result dr = emauth_verdict_dmarc(vd);
	const char *dom = vd->from_domain[0] ? vd->from_domain : "(none)";
	bool failed = dr == EMAUTH_RES_FAIL || vd->from_problem;
	/* ARCTrustedSealers: a forwarder's passing chain overrides a DMARC
	 * failure (never a From problem); the Authentication-Results then
	 * say the disposition applied (dis=none), the report store why. */
	const char *trusted[MC_ARC_TRUSTED_MAX];
	for (size_t i = 0; i < cfg->arc_ntrusted; i++)
		trusted[i] = cfg->arc_trusted[i];
	arc_override = failed && !vd->from_problem && cfg->arc_ntrusted > 0 &&
	               emauth_arc_trusted(arc, trusted, cfg->arc_ntrusted,
	                   arc_why, sizeof(arc_why));
	ar_dmarc = vd->have_dmarc ? &vd->dmarc : NULL;
	if (arc_override) {
		mlog(ML_INFO,
		    "%s: ip=%s from=%s dmarc=fail overridden: %s "
		    "(ARCTrustedSealers)",
		    qid(ctx), c->ip, dom, arc_why);
		failed = false;
		ar_dmarc = malloc(sizeof(*ar_dmarc));
		if (ar_dmarc == NULL) {
			ret = SMFIS_TEMPFAIL;
			goto out;
		}
		*ar_dmarc = vd->dmarc;
		ar_dmarc->disposition = EMAUTH_DMARC_NONE;
	}
	/* AuthservID, or the host name: the id forged fields were matched
	 * against (config.c). */
	const char *id = cfg->authserv_id;
	struct emauth_authres_input in = {id, c->ip, &vd->iprev,
	    vd->have_spf ? &vd->spf : NULL, vd->have_helo ? &vd->helo : NULL,
	    vd->dkim, vd->ndkim, ar_dmarc,
	    vd->from_domain[0] ? vd->from_domain : NULL, vd->from_problem, arc};
	int arl = emauth_authres_format(&in, "\n", ar, EMAUTH_AUTHRES_MAX + 1);
	if (arl == EMAUTH_ETOOBIG) {
		/* Over the library's cap (the verdict's bounds keep the field
		 * well under it): the DMARC result alone, so that filters
		 * after us still see it. */
		struct emauth_authres_input d = {id, NULL, NULL, NULL, NULL,
		    NULL, 0, in.dmarc, in.from_domain, in.dmarc_problem, NULL};
		arl =
		    emauth_authres_format(&d, "\n", ar, EMAUTH_AUTHRES_MAX + 1);
		mlog(ML_WARN,
		    "%s: Authentication-Results over %d bytes: only the "
		    "DMARC result written",
		    qid(ctx), EMAUTH_AUTHRES_MAX);
	}
	if (arl < 0)
		mlog(ML_ERR,
		    "%s: no Authentication-Results: %s (AuthservID %s)",
		    qid(ctx), emauth_strerror(arl), id);
	enum emauth_dmarc_policy disp =
	    vd->have_dmarc ? vd->dmarc.disposition : EMAUTH_DMARC_NONE;
	const char *action = "accept";

	if (cfg->tempfail_dns && emauth_verdict_dns_trouble(vd)) {
		char t[400];
		snprintf(t, sizeof(t),
		    "Temporary DNS failure authenticating mail from %s; "
		    "try again later",
		    dom);
		reply(ctx, "451", "4.7.26", t);
		ret = SMFIS_TEMPFAIL;
		action = "tempfail";
		goto log;
	}
	/* Remove forged results, the last first so indexes hold. */
	for (unsigned i = m->nforged; i > 0; i--)
		smfi_chgheader(
		    ctx, "Authentication-Results", (int)m->forged[i - 1], NULL);
	if (cfg->add_authres && arl > 0) {
		char *v = ar + strlen("Authentication-Results:");
		smfi_insheader(
		    ctx, 0, "Authentication-Results", c->leadspc ? v : v + 1);
	}
	if (c->ignored || !failed) {
		ret = SMFIS_ACCEPT;
	} else if (cfg->dmarc_enforce >= 2 &&
	           (vd->from_problem || disp == EMAUTH_DMARC_REJECT)) {
		char t[800];
		if (cfg->reject_message[0]) {
			size_t o = 0;
			for (const char *p = cfg->reject_message;
			     *p && o + 256 < sizeof(t); p++) {
				if (p[0] == '%' && p[1] == 'd') {
					o += (size_t)snprintf(
					    t + o, sizeof(t) - o, "%s", dom);
					p++;
				} else {
					t[o++] = *p;
				}
			}
			t[o] = '\0';
		} else if (vd->from_problem) {
			snprintf(t, sizeof(t),
			    "This message cannot be authenticated: %s",
			    vd->from_problem);
		} else {
			snprintf(t, sizeof(t),
			    "This message does not pass authentication checks "
			    "(SPF and DKIM both do not pass and align with "
			    "%.255s), and %.255s's DMARC policy is reject",
			    dom,
			    vd->dmarc.d.policy_domain[0]
			        ? vd->dmarc.d.policy_domain
			        : dom);
		}
		reply(ctx, "550", "5.7.26", t);
		ret = SMFIS_REJECT;
		action = "reject";
	} else if (cfg->dmarc_enforce >= 1 &&
	           (disp == EMAUTH_DMARC_QUARANTINE ||
	               disp == EMAUTH_DMARC_REJECT || vd->from_problem)) {
		char t[400];
		snprintf(t, sizeof(t), "DMARC %s for %s",
		    vd->from_problem ? "permerror" : "fail", dom);
		char yes[] = " yes";
		smfi_addheader(
		    ctx, "X-Emauth-Quarantine", c->leadspc ? yes : yes + 1);
		smfi_quarantine(ctx, t);
		ret = SMFIS_ACCEPT;
		action = "quarantine";
	} else {
		ret = SMFIS_ACCEPT;
	}
log:
	if (c->st->cfg.syslog_success || strcmp(action, "accept") != 0) {
		/* Every signature, or as many as fit and how many more
		 * (also those past the verdict's EMAUTH_VERDICT_DKIM_MAX). */
		char dk[800] = "none";
		size_t o = 0, shown = 0;
		while (
		    shown < vd->ndkim &&
		    list_add(dk, sizeof(dk), &o, "%s%s(%s)", shown ? "," : "",
		        emauth_result_name(vd->dkim[shown].result),
		        vd->dkim[shown].domain))
			shown++;
		if (vd->dkim_total > shown)
			list_end(dk, sizeof(dk), o, vd->dkim_total - shown);
		mlog(strcmp(action, "accept") ? ML_NOTICE : ML_INFO,
		    "%s: ip=%s from=%s iprev=%s spf=%s dkim=%s dmarc=%s "
		    "action=%s%s%s",
		    qid(ctx), c->ip, dom, emauth_result_name(vd->iprev.result),
		    vd->have_spf ? emauth_result_name(vd->spf.result) : "none",
		    dk, emauth_result_name(dr), action,
		    cfg->log_why && (vd->have_dmarc || vd->from_problem) ? ": "
		                                                         : "",
		    !cfg->log_why      ? ""
		    : vd->from_problem ? vd->from_problem
		    : vd->have_dmarc   ? vd->dmarc.reason
		                       : "");
	}
	if (strcmp(action, "tempfail") != 0 && cfg->report_store[0] &&
	    (vd->have_dmarc || vd->from_problem))
		record(c, vd, action, arc_override ? arc_why : NULL);
out:
	emauth_ctx_set_dns_deadline(ec, 0);
	if (arc_override)
		free(ar_dmarc);
	free(vd);
	free(ar);
	free(arc);
	return ret;
}

/* The first envelope recipient: the report's envelope_to. */
static sfsistat
x_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	if (c == NULL || c->m.rcpt || argv == NULL || argv[0] == NULL)
		return SMFIS_CONTINUE;
	const char *a = argv[0];
	size_t l = strlen(a);
	if (l >= 2 && a[0] == '<' && a[l - 1] == '>')
		c->m.rcpt = strndup(a + 1, l - 2);
	else
		c->m.rcpt = strdup(a);
	return c->m.rcpt ? SMFIS_CONTINUE : SMFIS_TEMPFAIL;
}

static sfsistat
x_eom(SMFICTX *ctx)
{
	struct conn *c = conn_of(ctx);
	if (c == NULL || c->st == NULL)
		return SMFIS_TEMPFAIL;
	sfsistat r = SMFIS_ACCEPT;
	if (c->m.tempfail)
		r = SMFIS_TEMPFAIL;
	else if (c->m.sign &&
	         ((c->m.s && !c->m.failed) || c->m.seal || c->m.new_from))
		r = eom_sign(ctx, c);
	else if (c->m.verify)
		r = eom_verify(ctx, c);
	count_end(r, c->m.s, c->m.verify && !c->m.tempfail);
	msg_reset(c);
	return r;
}

static sfsistat
x_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	if (c)
		msg_reset(c);
	return SMFIS_CONTINUE;
}

static sfsistat
x_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);
	if (c == NULL)
		return SMFIS_CONTINUE;
	msg_reset(c);
	milter_state_put(c->st);
	free(c->host);
	free(c->helo);
	free(c);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
    .xxfi_name = "emauth-milter",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
    .xxfi_connect = x_connect,
    .xxfi_helo = x_helo,
    .xxfi_envfrom = x_envfrom,
    .xxfi_envrcpt = x_envrcpt,
    .xxfi_header = x_header,
    .xxfi_eoh = x_eoh,
    .xxfi_body = x_body,
    .xxfi_eom = x_eom,
    .xxfi_abort = x_abort,
    .xxfi_close = x_close,
    .xxfi_negotiate = x_negotiate,
};
