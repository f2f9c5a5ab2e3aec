/*
 * parse.c: reading Authentication-Results fields written by others
 * (RFC 8601 §2.2), leniently: comments and folding anywhere, no
 * authserv-id (what some large providers send), a version after the
 * authserv-id, "none". A token is a run of bytes that are not whitespace,
 * ";", "=", '"' or "("; values may be quoted strings. Whatever cannot be
 * read, or kept whole (a value, name or reason longer than its field, a
 * property past EMAUTH_AUTHRES_PROPS_MAX), stops the parse and marks it
 * incomplete: the results read so far stay, and nothing unread or cut
 * turns into a result. emauth_authres_claims() fails closed: a field whose
 * authserv-id cannot be read counts as ours.
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include "../common/span.h"

#include <emauth/authres.h>

/* Ours: nested comments deeper than this stop the parse; a field longer
 * than 64 KiB is refused. */
#define AR_COMMENT_DEPTH 8
#define AR_VALUE_MAX 65536

struct ar {
	const uint8_t *s;
	size_t n, i;
	struct emauth_authres_parsed *out; /* NULL: only the stop matters */
	bool stop;
};

static void
stop(struct ar *p, const char *why)
{
	if (p->stop)
		return;
	p->stop = true;
	if (p->out == NULL)
		return;
	p->out->complete = 0;
	ea_fmt(p->out->problem, sizeof(p->out->problem), "%s", why);
	p->out->problem_offset = p->i;
}

/* stop() with a count in the reason (@fmt has one %zu). */
static void
stop_n(struct ar *p, const char *fmt, size_t n)
{
	char why[96];
	ea_fmt(why, sizeof(why), fmt, n);
	stop(p, why);
}

static void
cfws(struct ar *p)
{
	while (p->i < p->n && !p->stop) {
		uint8_t c = p->s[p->i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			p->i++;
		} else if (c == '(') {
			int depth = 0;
			do {
				if (p->i >= p->n) {
					stop(p, "unterminated comment");
					return;
				}
				c = p->s[p->i];
				if (c == '\\') {
					p->i += 2;
					continue;
				}
				if (c == '(' && ++depth > AR_COMMENT_DEPTH) {
					stop(p, "comments nested too deeply");
					return;
				}
				if (c == ')')
					depth--;
				p->i++;
			} while (depth > 0);
		} else {
			return;
		}
	}
}

static bool
tok_char(uint8_t c)
{
	return c > 0x20 && c != 0x7f && c != ';' && c != '=' && c != '"' &&
	       c != '(';
}

/* A token or a quoted string, copied into @out (of @size bytes, at least
 * 1), or only skipped when @out is NULL. Returns false when there is
 * neither, and when it does not fit in @out: that stops the parse ("a
 * value longer than N bytes"), since a cut value is not the one written. */
static bool
word(struct ar *p, char *out, size_t size, bool lower)
{
	size_t o = 0;
	bool cut = false;
	cfws(p);
	if (p->stop || p->i >= p->n)
		return false;
	if (p->s[p->i] == '"') {
		p->i++;
		for (;;) {
			if (p->i >= p->n) {
				stop(p, "unterminated quoted string");
				return false;
			}
			uint8_t c = p->s[p->i++];
			if (c == '"')
				break;
			if (c == '\\' && p->i < p->n)
				c = p->s[p->i++];
			if (out == NULL)
				continue;
			if (o + 1 < size)
				out[o++] = (char)c;
			else
				cut = true;
		}
	} else {
		size_t st = p->i;
		while (p->i < p->n && tok_char(p->s[p->i])) {
			uint8_t c = p->s[p->i++];
			if (out == NULL)
				continue;
			if (o + 1 < size)
				out[o++] = (char)(lower ? ea_lower(c) : c);
			else
				cut = true;
		}
		if (p->i == st)
			return false;
	}
	if (out == NULL)
		return true;
	out[o] = '\0';
	if (cut) {
		stop_n(p, "a value longer than %zu bytes", size - 1);
		return false;
	}
	return true;
}

static bool
peek_is(struct ar *p, char c)
{
	cfws(p);
	return !p->stop && p->i < p->n && p->s[p->i] == (uint8_t)c;
}

/* methodspec [reasonspec] *propspec, after its ";". */
static void
resinfo(struct ar *p)
{
	struct emauth_authres_parsed *o = p->out;
	struct emauth_authres_entry e;
	char name[64];

	memset(&e, 0, sizeof(e));
	if (!word(p, name, sizeof(name), true)) {
		if (!p->stop)
			stop(p, "expected method=result");
		return;
	}
	/* method [ "/" version ]: keep the method. */
	char *slash = strchr(name, '/');
	if (slash)
		*slash = '\0';
	if (name[0] == '\0') {
		stop(p, "a method version without a method");
		return;
	}
	if (strlen(name) >= sizeof(e.method)) {
		stop_n(p, "a method name longer than %zu bytes",
		    sizeof(e.method) - 1);
		return;
	}
	ea_fmt(e.method, sizeof(e.method), "%s", name);
	if (!peek_is(p, '=')) {
		if (strcmp(e.method, "none") == 0 && o->nresults == 0)
			return; /* no-result */
		stop(p, "expected \"=\" after the method");
		return;
	}
	p->i++;
	if (!word(p, e.result, sizeof(e.result), true)) {
		stop(p, "expected a result after \"=\"");
		return;
	}
	/* Properties up to the next ";". */
	for (;;) {
		cfws(p);
		if (p->stop || p->i >= p->n || p->s[p->i] == ';')
			break;
		char key[64], val[sizeof(e.props[0].value)];
		if (!word(p, key, sizeof(key), true) || !peek_is(p, '=')) {
			stop(p, "expected ptype.property=value");
			break;
		}
		p->i++;
		if (!word(p, val, sizeof(val), false)) {
			if (!p->stop)
				stop(p, "expected a value after \"=\"");
			break;
		}
		if (strcmp(key, "reason") == 0) {
			if (strlen(val) >= sizeof(e.reason)) {
				stop_n(p, "a reason longer than %zu bytes",
				    sizeof(e.reason) - 1);
				break;
			}
			ea_fmt(e.reason, sizeof(e.reason), "%s", val);
			continue;
		}
		/* ptype.property; a bare name ("action=none", as one large
		 * provider writes) is kept with an empty ptype. A property
		 * that cannot be kept whole stops the parse, so that the
		 * result it belongs to is dropped, never reported without
		 * it. */
		char *dot = strchr(key, '.');
		if (dot)
			*dot = '\0';
		const char *ptype = dot ? key : "", *prop = dot ? dot + 1 : key;
		if (e.nprops == EMAUTH_AUTHRES_PROPS_MAX) {
			stop_n(p, "more than %zu properties in a result",
			    (size_t)EMAUTH_AUTHRES_PROPS_MAX);
			break;
		}
		struct emauth_authres_prop *pr = &e.props[e.nprops];
		if (strlen(ptype) >= sizeof(pr->ptype) ||
		    strlen(prop) >= sizeof(pr->property)) {
			stop(p, "a ptype over 15 or a property over 31 bytes");
			break;
		}
		ea_fmt(pr->ptype, sizeof(pr->ptype), "%s", ptype);
		ea_fmt(pr->property, sizeof(pr->property), "%s", prop);
		ea_fmt(pr->value, sizeof(pr->value), "%s", val);
		e.nprops++;
	}
	/* A result whose properties could not all be read is dropped: its
	 * header.d or smtp.mailfrom is unknown. */
	if (p->stop)
		return;
	if (o->nresults >= EMAUTH_AUTHRES_RESULTS_MAX) {
		stop(p, "too many results");
		return;
	}
	o->results[o->nresults++] = e;
}

int
emauth_authres_parse(
    struct emauth_span value, struct emauth_authres_parsed *out)
{
	struct ar p = {value.p, value.len, 0, out, false};
	char first[256];

	memset(out, 0, sizeof(*out));
	if (value.len > AR_VALUE_MAX)
		return EMAUTH_ETOOBIG;
	out->complete = 1;
	size_t save = p.i;
	if (!word(&p, first, sizeof(first), false)) {
		if (!p.stop)
			stop(&p, "empty field");
		return 0;
	}
	if (peek_is(&p, '=')) {
		/* No authserv-id: the field starts with method=result. */
		p.i = save;
	} else {
		out->has_authserv_id = 1;
		ea_fmt(out->authserv_id, sizeof(out->authserv_id), "%s", first);
		/* An optional version: digits before the ";". */
		cfws(&p);
		if (!p.stop && p.i < p.n && ea_is_digit(p.s[p.i])) {
			word(&p, NULL, 0, false);
		}
		if (!peek_is(&p, ';')) {
			if (!p.stop && p.i < p.n)
				stop(
				    &p, "expected \";\" after the authserv-id");
			return 0;
		}
	}
	for (;;) {
		cfws(&p);
		if (p.stop || p.i >= p.n)
			break;
		if (p.s[p.i] == ';') {
			p.i++;
			continue;
		}
		resinfo(&p);
	}
	return 0;
}

int
emauth_authres_claims(struct emauth_span value, const char *authserv_id)
{
	struct ar p;
	char first[256];

	if (authserv_id == NULL)
		return 0;
	memset(&p, 0, sizeof(p));
	p.s = value.p;
	p.n = value.len > AR_VALUE_MAX ? AR_VALUE_MAX : value.len;
	p.out = NULL; /* no parse result is kept (it is 100 KiB) */
	if (!word(&p, first, sizeof(first), false)) {
		/* Fail closed: a field whose authserv-id cannot be read
		 * (comments nested deeper than AR_COMMENT_DEPTH, an
		 * unterminated comment or quoted string, an id longer than
		 * 255 bytes) may still be read as ours by a reader without
		 * our bounds, so it counts as claiming it. A field with
		 * nothing in it claims nothing. */
		return p.stop;
	}
	if (peek_is(&p, '='))
		return 0; /* no authserv-id: method=result first */
	return ea_span_ieq_str(ea_span_str(first), authserv_id);
}
