/*
 * addr.c: the RFC 5322 address parser for the From field (see
 * include/emauth/msg.h). Strict: mailbox-list only (§3.6.2: From is a
 * mailbox-list; groups are refused), with the obsolete forms that real mail
 * still carries (§4.4: obs-phrase with ".", obs-local-part, CFWS around
 * dots). A display name is a phrase of atoms and quoted strings: "@", "<"
 * and ">" outside quotes are syntax errors there, so a display name can
 * never be taken for the address. Encoded words (RFC 2047) are atoms and
 * are never decoded. Bytes over 0x7f are accepted in atoms, quoted strings
 * and domains (RFC 6532).
 */
#include "../common/internal.h"

#include <string.h>

#include "../common/diag.h"
#include "../common/limits.h"
#include "../common/span.h"

#include <emauth/msg.h>

/* Ours: nested comments deeper than this are refused. */
#define ADDR_COMMENT_DEPTH 8

struct p {
	const uint8_t *s;
	size_t n, i;
	struct emauth_diag *diag;
	int err;
};

static int
fail(struct p *p, const char *msg)
{
	if (p->err == 0) {
		p->err = EMAUTH_ESYNTAX;
		ea_diag_set(p->diag, EMAUTH_ESYNTAX, "from",
		    ea_span(p->s, p->n), p->i, msg);
	}
	return p->err;
}

static bool
is_atext(uint8_t c)
{
	if (ea_is_alpha(c) || ea_is_digit(c) || c >= 0x80)
		return true;
	return strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL && c != 0;
}

static bool
at_end(const struct p *p)
{
	return p->i >= p->n;
}

static uint8_t
peek(const struct p *p)
{
	return p->i < p->n ? p->s[p->i] : 0;
}

/* CFWS: whitespace, folding (CRLF followed by WSP) and nested comments. */
static int
cfws(struct p *p)
{
	while (!at_end(p) && p->err == 0) {
		uint8_t c = peek(p);
		if (c == ' ' || c == '\t') {
			p->i++;
		} else if (c == '\r' || c == '\n') {
			/* Only as part of a fold: CRLF then WSP. */
			size_t j = p->i;
			if (c == '\r' && j + 1 < p->n && p->s[j + 1] == '\n')
				j++;
			j++;
			if (j >= p->n || (p->s[j] != ' ' && p->s[j] != '\t'))
				return fail(p, "line break not followed by "
				               "whitespace");
			p->i = j;
		} else if (c == '(') {
			int depth = 0;
			do {
				c = peek(p);
				if (at_end(p))
					return fail(p, "unterminated comment");
				if (c == '\\') {
					p->i += 2;
					continue;
				}
				if (c == '(' && ++depth > ADDR_COMMENT_DEPTH)
					return fail(p, "comments nested too "
					               "deeply");
				if (c == ')')
					depth--;
				p->i++;
			} while (depth > 0);
		} else {
			break;
		}
	}
	return p->err;
}

/* quoted-string: the content is copied (without the quotes, with quoted
 * pairs resolved) into @out when it is not NULL. */
static int
quoted_string(struct p *p, char *out, size_t size, size_t *len)
{
	p->i++; /* the opening DQUOTE */
	for (;;) {
		if (at_end(p))
			return fail(p, "unterminated quoted string");
		uint8_t c = p->s[p->i];
		if (c == '"') {
			p->i++;
			return 0;
		}
		if (c == '\\') {
			if (p->i + 1 >= p->n)
				return fail(p, "unterminated quoted string");
			c = p->s[++p->i];
			/* quoted-pair = "\" (VCHAR / WSP): no control
			 * characters, NUL above all. */
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return fail(p, "control character in a quoted "
				               "string");
		} else if (c == '\r' || c == '\n') {
			/* Folding inside a quoted string is allowed. */
			p->i++;
			continue;
		} else if (c < 0x20 && c != '\t') {
			return fail(p, "control character in a quoted string");
		}
		if (out) {
			if (*len + 1 >= size)
				return fail(p, "local part too long");
			out[(*len)++] = (char)c;
		}
		p->i++;
	}
}

/* A run of atext; copied to @out when not NULL. */
static size_t
atom(struct p *p, char *out, size_t size, size_t *len)
{
	size_t start = p->i;
	while (!at_end(p) && is_atext(p->s[p->i])) {
		if (out) {
			if (*len + 1 >= size) {
				fail(p, "address part too long");
				return 0;
			}
			out[(*len)++] = (char)p->s[p->i];
		}
		p->i++;
	}
	return p->i - start;
}

/* local-part = dot-atom / quoted-string / obs-local-part. */
static int
local_part(struct p *p, char *out, size_t size)
{
	size_t len = 0;
	for (;;) {
		if (cfws(p))
			return p->err;
		if (peek(p) == '"') {
			if (quoted_string(p, out, size, &len))
				return p->err;
		} else if (atom(p, out, size, &len) == 0) {
			return p->err ? p->err
			              : fail(p, "expected a local part");
		}
		if (cfws(p))
			return p->err;
		if (peek(p) != '.')
			break;
		if (len + 1 >= size)
			return fail(p, "local part too long");
		out[len++] = '.';
		p->i++;
	}
	/* "" is a quoted-string, but no mailbox has an empty name. */
	if (len == 0)
		return fail(p, "empty local part");
	out[len] = '\0';
	return p->err;
}

/* domain = dot-atom / domain-literal; the name is lower-cased. */
static int
domain(struct p *p, char *out, size_t size)
{
	size_t len = 0;
	if (cfws(p))
		return p->err;
	if (peek(p) == '[')
		return fail(p, "an address literal is not a domain name");
	for (;;) {
		size_t start = len;
		if (atom(p, out, size, &len) == 0)
			return p->err ? p->err : fail(p, "expected a domain");
		for (size_t k = start; k < len; k++)
			out[k] = (char)ea_lower((uint8_t)out[k]);
		if (cfws(p))
			return p->err;
		if (peek(p) != '.')
			break;
		if (len + 1 >= size)
			return fail(p, "domain too long");
		out[len++] = '.';
		p->i++;
		if (cfws(p))
			return p->err;
	}
	out[len] = '\0';
	return p->err;
}

static int
addr_spec(struct p *p, struct emauth_address *a)
{
	if (local_part(p, a->local, sizeof(a->local)))
		return p->err;
	if (peek(p) != '@')
		return fail(p, "expected \"@\" after the local part");
	p->i++;
	return domain(p, a->domain, sizeof(a->domain));
}

/*
 * mailbox = name-addr / addr-spec. Looks ahead: a phrase (words and dots)
 * followed by "<" is a display name; otherwise the words are an addr-spec.
 */
static int
mailbox(struct p *p, struct emauth_address *a)
{
	size_t start = p->i;
	unsigned words = 0;

	memset(a, 0, sizeof(*a));
	for (;;) {
		if (cfws(p))
			return p->err;
		uint8_t c = peek(p);
		if (c == '"') {
			if (quoted_string(p, NULL, 0, NULL))
				return p->err;
			words++;
		} else if (is_atext(c)) {
			atom(p, NULL, 0, NULL);
			words++;
		} else if (c == '.' && words > 0) {
			p->i++; /* obs-phrase */
		} else {
			break;
		}
	}
	if (peek(p) == '<') {
		a->has_display_name = words > 0;
		p->i++;
		if (addr_spec(p, a))
			return p->err;
		if (cfws(p))
			return p->err;
		if (peek(p) != '>')
			return fail(p, "expected \">\" after the address");
		p->i++;
		return cfws(p);
	}
	/* No angle brackets: the whole mailbox is an addr-spec. */
	p->i = start;
	if (addr_spec(p, a))
		return p->err;
	if (cfws(p))
		return p->err;
	if (peek(p) == '<')
		return fail(p, "an address where a display name belongs "
		               "(quote it)");
	return 0;
}

int
emauth_msg_parse_from(struct emauth_span value, struct emauth_address *out,
    size_t max, size_t *n, struct emauth_diag *diag)
{
	struct p p = {value.p, value.len, 0, diag, 0};

	*n = 0;
	if (value.len > EA_FROM_MAX) {
		ea_diag_set(diag, EMAUTH_ETOOBIG, "from", value, 0,
		    "From field too long");
		return EMAUTH_ETOOBIG;
	}
	if (cfws(&p))
		return p.err;
	if (at_end(&p))
		return fail(&p, "no address");
	for (;;) {
		struct emauth_address a;
		if (mailbox(&p, &a))
			return p.err;
		if (*n >= max) {
			ea_diag_set(diag, EMAUTH_ELIMIT, "from", value, p.i,
			    "too many addresses");
			return EMAUTH_ELIMIT;
		}
		out[(*n)++] = a;
		if (at_end(&p))
			return 0;
		if (peek(&p) == ':' || peek(&p) == ';')
			return fail(&p, "a group is not allowed in From");
		if (peek(&p) != ',')
			return fail(
			    &p, "unexpected character after an address");
		p.i++;
		/* obs-mbox-list: empty elements between commas. */
		while (cfws(&p) == 0 && peek(&p) == ',')
			p.i++;
		if (p.err)
			return p.err;
		if (at_end(&p))
			return 0;
	}
}
