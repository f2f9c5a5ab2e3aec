/*
 * received.c: the trace fields of a saved message (RFC 5322 §3.6.7), read
 * for what they say about the SMTP session: the client address, HELO name
 * and reverse DNS name from a Received field (RFC 5321 §4.4 Stamp, in the
 * shapes real MTAs write), and the reverse-path from Return-Path. See
 * include/emauth/msg.h.
 *
 * RFC 5321 §4.4:
 *   From-domain     = "FROM" FWS Extended-Domain
 *   By-domain       = CFWS "BY" FWS Extended-Domain
 *   Extended-Domain = Domain /
 *                     ( Domain FWS "(" TCP-info ")" ) /
 *                     ( address-literal FWS "(" TCP-info ")" )
 *   TCP-info        = address-literal / ( Domain FWS address-literal )
 * MTAs fill this in their own ways (Exim: "from RDNS ([IP]:PORT helo=H)",
 * qmail: "from RDNS (HELO H) (IP)", Microsoft: "from H (IP)"), so the
 * field is read as words and comments: the word after "from", the comments
 * up to the next word (the TCP-info and its variants), the word after
 * "by". A field is one header value: bounded by EMAUTH_RECEIVED_MAX, read
 * once, left to right, with comment nesting bounded.
 */
#include "../common/internal.h"

#include <string.h>
#include <strings.h>

#include "../common/diag.h"
#include "../common/ip.h"
#include "../common/span.h"

#include <emauth/msg.h>

/* Ours: comments nested deeper than this are refused (as in addr.c). */
#define RCV_COMMENT_DEPTH 8
/* Ours: the longest Return-Path value read. RFC 5321 §4.5.3.1.3 bounds a
 * path to 256 octets; values well past it are refused, not read. */
#define RCV_PATH_MAX 1000

struct rx {
	struct emauth_span v;
	size_t i;
	struct emauth_diag *diag;
	const char *where; /* the field, for diagnostics */
	int err;
};

enum tok_kind { T_END, T_WORD, T_COMMENT, T_SEMI };

struct tok {
	enum tok_kind kind;
	size_t start, len; /* a comment: its content, without the parens */
};

static int
fail(struct rx *r, size_t at, const char *msg)
{
	if (r->err == 0) {
		r->err = EMAUTH_ESYNTAX;
		ea_diag_set(r->diag, EMAUTH_ESYNTAX, r->where, r->v, at, msg);
	}
	return r->err;
}

static bool
is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skips a quoted string starting at *@i (on the DQUOTE), honouring
 * quoted-pairs. @return false when it does not end in @s. */
static bool
skip_quoted(struct emauth_span s, size_t *i)
{
	size_t k = *i + 1;
	while (k < s.len && s.p[k] != '"')
		k += s.p[k] == '\\' ? 2 : 1;
	if (k >= s.len)
		return false;
	*i = k + 1;
	return true;
}

/* Skips a comment starting at *@i (on the "("), nested at most
 * RCV_COMMENT_DEPTH deep, honouring quoted-pairs.
 * @return 0, or the message for an error (with *@i where it is). */
static const char *
skip_comment(struct emauth_span s, size_t *i)
{
	size_t k = *i;
	unsigned depth = 0;
	do {
		if (k >= s.len)
			return "unterminated comment";
		uint8_t c = s.p[k];
		if (c == '\\') {
			k += 2;
			continue;
		}
		if (c == '(' && ++depth > RCV_COMMENT_DEPTH) {
			*i = k;
			return "comments nested too deeply";
		}
		if (c == ')')
			depth--;
		k++;
	} while (depth > 0);
	if (k > s.len)
		return "unterminated comment";
	*i = k;
	return NULL;
}

/* The next word, comment or ";" of the field. */
static int
next(struct rx *r, struct tok *t)
{
	const struct emauth_span s = r->v;
	while (r->i < s.len && is_wsp(s.p[r->i]))
		r->i++;
	t->start = r->i;
	t->len = 0;
	if (r->i >= s.len) {
		t->kind = T_END;
		return 0;
	}
	uint8_t c = s.p[r->i];
	if (c == ';') {
		t->kind = T_SEMI;
		r->i++;
		return 0;
	}
	if (c == ')')
		return fail(r, r->i, "\")\" without \"(\"");
	if (c == '(') {
		size_t k = r->i;
		const char *why = skip_comment(s, &k);
		if (why)
			return fail(r, k, why);
		t->kind = T_COMMENT;
		t->start = r->i + 1;
		t->len = k - r->i - 2;
		r->i = k;
		return 0;
	}
	/* A word: up to whitespace, a comment or ";", quoted strings (a
	 * quoted local part in "for <...>") taken whole. */
	t->kind = T_WORD;
	while (r->i < s.len) {
		c = s.p[r->i];
		if (is_wsp(c) || c == '(' || c == ')' || c == ';')
			break;
		if (c == '"') {
			size_t k = r->i;
			if (!skip_quoted(s, &k))
				return fail(
				    r, r->i, "unterminated quoted string");
			r->i = k;
			continue;
		}
		r->i++;
	}
	t->len = r->i - t->start;
	return 0;
}

/* Copies @w into @out (256 bytes) when it is a name worth keeping:
 * 1 to 255 bytes of printable ASCII without spaces, comments or quotes;
 * else leaves @out empty. A trailing dot (Gmail's "name.") goes when
 * @strip_dot (and two are no name). */
static void
keep(char out[256], struct emauth_span w, bool strip_dot)
{
	out[0] = '\0';
	if (strip_dot && w.len > 1 && w.p[w.len - 1] == '.') {
		w.len--;
		if (w.p[w.len - 1] == '.')
			return; /* "name..": not a name */
	}
	if (w.len == 0 || w.len > 255)
		return;
	for (size_t i = 0; i < w.len; i++) {
		uint8_t c = w.p[i];
		if (c < 0x21 || c > 0x7e || strchr("()\"\\;", c))
			return;
	}
	memcpy(out, w.p, w.len);
	out[w.len] = '\0';
}

/* Whether @w is an address literal "[...]" (an optional ":PORT" after it,
 * as Exim writes) holding an IP address, "IPv6:" prefixed or not. */
static bool
literal_ip(struct emauth_span w, struct ea_ip *ip)
{
	if (w.len < 3 || w.p[0] != '[')
		return false;
	size_t close = 1;
	while (close < w.len && w.p[close] != ']')
		close++;
	if (close >= w.len)
		return false;
	for (size_t k = close + 1; k < w.len; k++)
		if (!(k == close + 1 ? w.p[k] == ':' : ea_is_digit(w.p[k])))
			return false;
	struct emauth_span in = ea_span(w.p + 1, close - 1);
	if (ea_span_istarts(in, "ipv6:"))
		in = ea_span(in.p + 5, in.len - 5);
	return ea_ip_parse(in, true, ip) == 0;
}

/* A bare address (qmail's and Microsoft's "(IP)"), maybe after qmail's
 * "remoteinfo@". */
static bool
bare_ip(struct emauth_span w, struct ea_ip *ip)
{
	size_t at = w.len;
	while (at > 0 && w.p[at - 1] != '@')
		at--;
	return ea_ip_parse(ea_span(w.p + at, w.len - at), true, ip) == 0;
}

/* What the from clause's comments said. */
struct info {
	bool have_ip;
	struct ea_ip ip;
	bool named;              /* "NAME [IP]": the From-domain is HELO */
	bool port;               /* "[IP]:PORT" (Exim) */
	struct emauth_span rdns; /* the NAME of "NAME [IP]" */
	struct emauth_span helo; /* "helo=H" or "HELO H" */
	bool have_helo;
};

static int
found_ip(struct rx *r, struct info *in, const struct ea_ip *ip, size_t at)
{
	if (in->have_ip) {
		if (in->ip.family != ip->family ||
		    memcmp(in->ip.a, ip->a, sizeof(ip->a)) != 0)
			return fail(r, at,
			    "the from clause names two different client "
			    "addresses");
		return 0;
	}
	in->have_ip = true;
	in->ip = *ip;
	return 0;
}

/* One comment after the From-domain: its words in order; comments nested
 * in it ("(may be forged)") are passed over. */
static int
tcp_info(struct rx *r, const struct tok *c, struct info *in)
{
	const struct emauth_span s = ea_span(r->v.p + c->start, c->len);
	size_t i = 0;
	struct emauth_span name = {NULL, 0};
	bool want_helo = false;

	while (i < s.len) {
		if (is_wsp(s.p[i])) {
			i++;
			continue;
		}
		if (s.p[i] == '(') {
			/* Balanced and bounded: next() checked the whole. */
			if (skip_comment(s, &i) != NULL)
				return fail(
				    r, c->start + i, "unterminated comment");
			name.len = 0;
			continue;
		}
		size_t st = i;
		while (i < s.len && !is_wsp(s.p[i]) && s.p[i] != '(')
			i += s.p[i] == '\\' && i + 1 < s.len ? 2 : 1;
		struct emauth_span w = ea_span(s.p + st, i - st);
		struct ea_ip ip;
		if (want_helo) {
			in->helo = w;
			in->have_helo = true;
			want_helo = false;
			name.len = 0;
		} else if (literal_ip(w, &ip)) {
			bool first = !in->have_ip;
			if (found_ip(r, in, &ip, c->start + st))
				return r->err;
			if (first) {
				in->port = w.p[w.len - 1] != ']';
				in->named = name.len > 0;
				in->rdns = name;
			}
			name.len = 0;
		} else if (ea_span_istarts(w, "helo=")) {
			if (!in->have_helo) {
				in->helo = ea_span(w.p + 5, w.len - 5);
				in->have_helo = true;
			}
			name.len = 0;
		} else if (ea_span_ieq_str(w, "helo")) {
			want_helo = !in->have_helo;
			name.len = 0;
		} else if (memchr(w.p, '=', w.len)) {
			name.len = 0; /* port=, ident=, bits= */
		} else if (bare_ip(w, &ip)) {
			if (found_ip(r, in, &ip, c->start + st))
				return r->err;
			name.len = 0;
		} else {
			/* A name; Sendmail writes "ident@name". */
			size_t at = w.len;
			while (at > 0 && w.p[at - 1] != '@')
				at--;
			name = ea_span(w.p + at, w.len - at);
		}
	}
	return 0;
}

EMAUTH_API int
emauth_msg_parse_received(struct emauth_span value, struct emauth_received *out,
    struct emauth_diag *diag)
{
	struct rx r = {value, 0, diag, "received", 0};
	struct info in;
	struct tok t;
	struct emauth_span from = {NULL, 0};
	enum { START, FROM_VALUE, FROM_INFO, BY_VALUE, REST } st = START;
	bool have_from = false, have_by = false;

	memset(out, 0, sizeof(*out));
	memset(&in, 0, sizeof(in));
	if (value.len > EMAUTH_RECEIVED_MAX) {
		ea_diag_set(diag, EMAUTH_ETOOBIG, "received", value, 0,
		    "Received field too long");
		return EMAUTH_ETOOBIG;
	}
	for (;;) {
		if (next(&r, &t) != 0)
			goto out_error;
		if (t.kind == T_END || t.kind == T_SEMI)
			break; /* the date-time follows ";" */
		if (t.kind == T_COMMENT) {
			if (st == FROM_INFO && tcp_info(&r, &t, &in) != 0)
				goto out_error;
			continue;
		}
		struct emauth_span w = ea_span(value.p + t.start, t.len);
		switch (st) {
		case START:
			/* Only a field that starts with "from" (comments may
			 * come first) names a client. */
			if (ea_span_ieq_str(w, "from")) {
				st = FROM_VALUE;
				have_from = true;
			} else {
				st = ea_span_ieq_str(w, "by") ? BY_VALUE : REST;
			}
			break;
		case FROM_VALUE:
			from = w;
			st = FROM_INFO;
			break;
		case BY_VALUE:
			keep(out->by, w, true);
			have_by = true;
			st = REST;
			break;
		case FROM_INFO:
		case REST:
			if (!have_by && ea_span_ieq_str(w, "by"))
				st = BY_VALUE;
			else
				st = REST;
			break;
		}
	}

	keep(out->from, from, false);
	struct ea_ip ip;
	if (!in.have_ip && have_from && literal_ip(from, &ip)) {
		/* Exim's "from [IP] (helo=...)": no verified name, the
		 * address first. */
		in.have_ip = true;
		in.ip = ip;
	}
	if (in.have_helo)
		keep(out->helo, in.helo, false);
	else
		keep(out->helo, from, false);
	if (in.have_ip) {
		ea_ip_format(&in.ip, out->ip, sizeof(out->ip));
		/* "HELO (RDNS [IP])": the name in the comment. Exim's
		 * "RDNS ([IP]:PORT)" and "RDNS ([IP] helo=H)" and qmail's
		 * "RDNS (HELO H) (IP)": the From-domain, when it is a name.
		 * "NAME ([IP])" is Exim's RDNS or Sendmail's HELO: no name
		 * is claimed. */
		if (in.named)
			keep(out->rdns, in.rdns, true);
		else if ((in.port || in.have_helo) && from.len &&
		         from.p[0] != '[')
			keep(out->rdns, from, true);
		if (strcasecmp(out->rdns, "unknown") == 0)
			out->rdns[0] = '\0';
	}
	return in.have_ip ? 0 : EMAUTH_ENOTFOUND;
out_error:
	memset(out, 0, sizeof(*out));
	return r.err;
}

/* Comments and whitespace around a path. */
static int
path_cfws(struct rx *r)
{
	const struct emauth_span s = r->v;
	while (r->i < s.len) {
		if (is_wsp(s.p[r->i])) {
			r->i++;
		} else if (s.p[r->i] == '(') {
			size_t k = r->i;
			const char *why = skip_comment(s, &k);
			if (why)
				return fail(r, k, why);
			r->i = k;
		} else {
			break;
		}
	}
	return 0;
}

/* Whether @d is a domain as a reverse-path can hold it: a dot-atom of
 * letters, digits, "-", "_" and UTF-8 (RFC 6531), or an address literal. */
static bool
path_domain(struct emauth_span d)
{
	if (d.len == 0)
		return false;
	if (d.p[0] == '[')
		return d.len > 2 && d.p[d.len - 1] == ']';
	if (d.p[0] == '.' || d.p[d.len - 1] == '.')
		return false;
	for (size_t i = 0; i < d.len; i++) {
		uint8_t c = d.p[i];
		if (!(ea_is_alpha(c) || ea_is_digit(c) || c == '-' ||
		        c == '_' || c >= 0x80 ||
		        (c == '.' && d.p[i - 1] != '.')))
			return false;
	}
	return true;
}

EMAUTH_API int
emauth_msg_parse_return_path(
    struct emauth_span value, char *out, size_t size, struct emauth_diag *diag)
{
	struct rx r = {value, 0, diag, "return-path", 0};
	const struct emauth_span s = value;

	if (size > 0)
		out[0] = '\0';
	if (value.len > RCV_PATH_MAX) {
		ea_diag_set(diag, EMAUTH_ETOOBIG, "return-path", value, 0,
		    "Return-Path field too long");
		return EMAUTH_ETOOBIG;
	}
	if (path_cfws(&r))
		return r.err;
	bool angle = r.i < s.len && s.p[r.i] == '<';
	if (angle) {
		r.i++;
		if (path_cfws(&r))
			return r.err;
		if (r.i < s.len && s.p[r.i] == '@') {
			/* RFC 5322 §4.4 obs-route: "@a,@b:" before the
			 * address, dropped. */
			while (
			    r.i < s.len && s.p[r.i] != ':' && s.p[r.i] != '>')
				r.i++;
			if (r.i >= s.len || s.p[r.i] != ':')
				return fail(
				    &r, r.i, "source route without \":\"");
			r.i++;
		}
	}
	size_t st = r.i, at = 0;
	bool have_at = false;
	while (r.i < s.len) {
		uint8_t c = s.p[r.i];
		if ((angle && c == '>') || is_wsp(c) || c == '(')
			break;
		if (c == '"') {
			/* RFC 5321 §4.1.2: qtextSMTP and quoted-pairSMTP
			 * are printable ASCII and space (UTF-8 beyond it,
			 * RFC 6531): no control characters, quoted or not. */
			size_t k = r.i;
			if (!skip_quoted(s, &k))
				return fail(
				    &r, r.i, "unterminated quoted string");
			for (; r.i < k; r.i++)
				if (s.p[r.i] < 0x20 || s.p[r.i] == 0x7f)
					return fail(&r, r.i,
					    "control character in a quoted "
					    "string");
			continue;
		}
		if (c < 0x21 || c == 0x7f)
			return fail(&r, r.i,
			    "control character or space in the address");
		if (c == '<' || c == '>')
			return fail(&r, r.i, "unbalanced angle brackets");
		if (c == '@') {
			if (have_at)
				return fail(&r, r.i, "more than one \"@\"");
			have_at = true;
			at = r.i;
		}
		r.i++;
	}
	size_t end = r.i;
	if (path_cfws(&r))
		return r.err;
	if (angle) {
		if (r.i >= s.len || s.p[r.i] != '>')
			return fail(&r, r.i, "no closing \">\"");
		r.i++;
		if (path_cfws(&r))
			return r.err;
	}
	if (r.i < s.len)
		return fail(&r, r.i, "text after the path");
	if (end == st) {
		if (!angle)
			return fail(&r, st, "no path");
		return 0; /* "<>": the null reverse-path */
	}
	if (!have_at || at == st)
		return fail(&r, st,
		    "the address has no local part and "
		    "\"@\" domain");
	if (!path_domain(ea_span(s.p + at + 1, end - at - 1)))
		return fail(&r, at + 1, "not a domain after \"@\"");
	if (end - st >= size) {
		ea_diag_set(diag, EMAUTH_ETOOBIG, "return-path", value, st,
		    "address too long");
		return EMAUTH_ETOOBIG;
	}
	memcpy(out, s.p + st, end - st);
	out[end - st] = '\0';
	return 0;
}
