/*
 * macro.c: the SPF macro language (RFC 7208 §7), validation and expansion.
 *
 *   macro-string  = *( macro-expand / macro-literal )
 *   macro-expand  = ( "%{" macro-letter transformers *delimiter "}" )
 *                   / "%%" / "%_" / "%-"
 *   macro-literal = %x21-24 / %x26-7E
 *   macro-letter  = "s" / "l" / "o" / "d" / "i" / "p" / "h" /
 *                   "c" / "r" / "t" / "v"
 *   transformers  = *DIGIT [ "r" ]
 *   delimiter     = "." / "-" / "+" / "," / "/" / "_" / "="
 *   explain-string = *( macro-string / SP )
 */
#include "../common/internal.h"

#include <stdio.h>
#include <string.h>

#include "../common/limits.h"
#include "../common/span.h"
#include "spf.h"

static bool
is_delim(uint8_t c)
{
	return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' ||
	       c == '_' || c == '=';
}

static bool
letter_ok(uint8_t c, enum ea_spf_macro_ctx mc)
{
	switch (ea_lower(c)) {
	case 's':
	case 'l':
	case 'o':
	case 'd':
	case 'i':
	case 'p':
	case 'h':
	case 'v':
		return true;
	case 'c':
	case 'r':
	case 't':
		/* §7.3: "The following macro letters are allowed only in
		 * "exp" text: c, r, t". */
		return mc == EA_SPF_MACRO_EXP;
	default:
		return false;
	}
}

struct expand {
	uint8_t letter;
	unsigned digits; /* 0: all parts */
	bool reverse;
	struct emauth_span delims;
	size_t end; /* offset after "}" */
};

/* Reads "%{...}" starting at s.p[i] == '%' and s.p[i+1] == '{'. */
static int
read_expand(struct emauth_span s, size_t i, enum ea_spf_macro_ctx mc,
    struct expand *e, size_t *bad)
{
	size_t j = i + 2;

	if (j >= s.len || !letter_ok(s.p[j], mc)) {
		*bad = j;
		return EMAUTH_ESYNTAX;
	}
	e->letter = s.p[j++];
	e->digits = 0;
	e->reverse = false;
	size_t nd = 0;
	uint64_t v = 0;
	while (j < s.len && ea_is_digit(s.p[j])) {
		if (v < 1000000)
			v = v * 10 + (uint64_t)(s.p[j] - '0');
		nd++;
		j++;
	}
	if (nd > 0) {
		/* §7.3: "If a DIGIT is specified, the value MUST be
		 * nonzero." */
		if (v == 0) {
			*bad = j - 1;
			return EMAUTH_ESYNTAX;
		}
		e->digits = v > EA_SPF_MACRO_PARTS_MAX ? EA_SPF_MACRO_PARTS_MAX
		                                       : (unsigned)v;
	}
	if (j < s.len && ea_lower(s.p[j]) == 'r') {
		e->reverse = true;
		j++;
	}
	size_t d0 = j;
	while (j < s.len && is_delim(s.p[j]))
		j++;
	e->delims = ea_span(s.p + d0, j - d0);
	if (j >= s.len || s.p[j] != '}') {
		*bad = j;
		return EMAUTH_ESYNTAX;
	}
	e->end = j + 1;
	return 0;
}

/* Scans a macro-string; *ends_expand tells whether it ends with a
 * macro-expand (for domain-end). */
static int
scan(struct emauth_span s, enum ea_spf_macro_ctx mc, size_t *bad,
    bool *ends_expand)
{
	size_t i = 0;
	bool last_expand = false;
	struct expand e;

	while (i < s.len) {
		uint8_t c = s.p[i];
		if (c == '%') {
			if (i + 1 >= s.len) {
				*bad = i;
				return EMAUTH_ESYNTAX;
			}
			uint8_t n = s.p[i + 1];
			if (n == '%' || n == '_' || n == '-') {
				i += 2;
			} else if (n == '{') {
				int rc = read_expand(s, i, mc, &e, bad);
				if (rc)
					return rc;
				i = e.end;
			} else {
				*bad = i;
				return EMAUTH_ESYNTAX;
			}
			last_expand = true;
			continue;
		}
		if ((c >= 0x21 && c <= 0x7e) ||
		    (c == ' ' && mc == EA_SPF_MACRO_EXP)) {
			i++;
			last_expand = false;
			continue;
		}
		*bad = i;
		return EMAUTH_ESYNTAX;
	}
	if (ends_expand)
		*ends_expand = last_expand;
	return 0;
}

int
ea_spf_macro_check(struct emauth_span s, enum ea_spf_macro_ctx mc, size_t *bad)
{
	size_t b = 0;
	int rc = scan(s, mc, &b, NULL);
	if (bad)
		*bad = b;
	return rc;
}

static bool
is_alnum(uint8_t c)
{
	return ea_is_alpha(c) || ea_is_digit(c);
}

/* toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static bool
toplabel_ok(struct emauth_span l)
{
	bool alpha = false, hyphen = false;

	if (l.len == 0)
		return false;
	for (size_t i = 0; i < l.len; i++) {
		if (ea_is_alpha(l.p[i]))
			alpha = true;
		else if (l.p[i] == '-')
			hyphen = true;
		else if (!ea_is_digit(l.p[i]))
			return false;
	}
	if (!hyphen)
		return alpha;
	return is_alnum(l.p[0]) && is_alnum(l.p[l.len - 1]);
}

int
ea_spf_domain_spec_check(struct emauth_span s, size_t *bad)
{
	bool ends_expand = false;
	size_t b = 0;

	if (s.len == 0) {
		if (bad)
			*bad = 0;
		return EMAUTH_ESYNTAX;
	}
	int rc = scan(s, EA_SPF_MACRO_DOMAIN, &b, &ends_expand);
	if (rc) {
		if (bad)
			*bad = b;
		return rc;
	}
	if (ends_expand)
		return 0;
	/* domain-end = ( "." toplabel [ "." ] ) */
	size_t end = s.len;
	if (s.p[end - 1] == '.')
		end--;
	size_t dot = end;
	while (dot > 0 && s.p[dot - 1] != '.')
		dot--;
	if (dot == 0 || !toplabel_ok(ea_span(s.p + dot, end - dot))) {
		if (bad)
			*bad = dot;
		return EMAUTH_ESYNTAX;
	}
	return 0;
}

bool
ea_spf_macro_uses(struct emauth_span s, char letter)
{
	for (size_t i = 0; i + 2 < s.len; i++)
		if (s.p[i] == '%' && s.p[i + 1] == '{' &&
		    ea_lower(s.p[i + 2]) == (uint8_t)letter)
			return true;
		else if (s.p[i] == '%')
			i++; /* skip the escaped character of "%%" etc. */
	return false;
}

/* RFC 3986 unreserved characters stay; everything else is %XX. */
static int
url_escape(struct emauth_span v, struct ea_buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (size_t i = 0; i < v.len && rc == 0; i++) {
		uint8_t c = v.p[i];
		if (is_alnum(c) || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			rc = ea_buf_addc(out, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			rc = ea_buf_add(out, e, 3);
		}
	}
	return rc;
}

static int
letter_value(uint8_t letter, const struct ea_spf_macro_env *env, char *tmp,
    size_t size, struct emauth_span *v)
{
	int n;

	switch (ea_lower(letter)) {
	case 's':
		n = snprintf(tmp, size, "%.*s@%.*s", (int)env->sender_local.len,
		    (const char *)env->sender_local.p,
		    (int)env->sender_domain.len,
		    (const char *)env->sender_domain.p);
		/* Never a prefix of the sender (it would lose the domain):
		 * a sender that does not fit is an error (permerror). */
		if (n < 0 || (size_t)n >= size)
			return EMAUTH_ETOOBIG;
		*v = ea_span(tmp, (size_t)n);
		return 0;
	case 'l':
		*v = env->sender_local;
		return 0;
	case 'o':
		*v = env->sender_domain;
		return 0;
	case 'd':
		*v = env->domain;
		return 0;
	case 'h':
		*v = env->helo;
		return 0;
	case 'r':
		*v = env->receiver.len ? env->receiver : ea_span_str("unknown");
		return 0;
	case 'i':
		ea_ip_format_dotted(env->ip, tmp, size);
		for (char *c = tmp; env->ip_upper && *c; c++)
			if (*c >= 'a' && *c <= 'f')
				*c = (char)(*c - 32);
		*v = ea_span_str(tmp);
		return 0;
	case 'c':
		ea_ip_format(env->ip, tmp, size);
		*v = ea_span_str(tmp);
		return 0;
	case 'v':
		*v = ea_span_str(env->ip->family == 4 ? "in-addr" : "ip6");
		return 0;
	case 't':
		snprintf(tmp, size, "%lld", (long long)env->now);
		*v = ea_span_str(tmp);
		return 0;
	case 'p':
		if (env->ptr_name == NULL)
			snprintf(tmp, size, "unknown");
		else {
			int rc = env->ptr_name(env->ptr_arg, tmp, size);
			if (rc)
				return rc;
		}
		*v = ea_span_str(tmp);
		return 0;
	}
	return EMAUTH_ESYNTAX;
}

struct part {
	size_t off, len;
};

static int
transform(const struct expand *e, struct emauth_span v, struct ea_buf *out)
{
	struct part parts[EMAUTH_SPF_TEXT_MAX + 2];
	size_t n = 0, start = 0;
	struct emauth_span delims = e->delims.len ? e->delims : ea_span(".", 1);

	for (size_t i = 0; i <= v.len; i++) {
		bool cut = i == v.len;
		for (size_t k = 0; !cut && k < delims.len; k++)
			cut = v.p[i] == delims.p[k];
		if (!cut)
			continue;
		if (n == EA_ARRAY_LEN(parts))
			return EMAUTH_ETOOBIG;
		parts[n++] = (struct part){start, i - start};
		start = i + 1;
	}
	if (e->reverse)
		for (size_t i = 0; i < n / 2; i++) {
			struct part t = parts[i];
			parts[i] = parts[n - 1 - i];
			parts[n - 1 - i] = t;
		}
	size_t first = 0;
	if (e->digits && e->digits < n)
		first = n - e->digits;
	struct ea_buf joined;
	ea_buf_init(&joined, EA_SPF_EXPAND_MAX);
	int rc = 0;
	for (size_t i = first; i < n && rc == 0; i++) {
		if (i > first)
			rc = ea_buf_addc(&joined, '.');
		if (rc == 0)
			rc = ea_buf_add(
			    &joined, v.p + parts[i].off, parts[i].len);
	}
	if (rc == 0) {
		struct emauth_span j = ea_span(joined.p, joined.len);
		if (e->letter >= 'A' && e->letter <= 'Z')
			rc = url_escape(j, out);
		else
			rc = ea_buf_add(out, j.p, j.len);
	}
	ea_buf_release(&joined);
	return rc;
}

int
ea_spf_macro_expand(struct emauth_span s, enum ea_spf_macro_ctx mc,
    const struct ea_spf_macro_env *env, struct ea_buf *out)
{
	size_t i = 0, bad;
	int rc = 0;
	struct expand e;
	char tmp[EMAUTH_SPF_TEXT_MAX * 2 + 8];

	while (i < s.len && rc == 0) {
		uint8_t c = s.p[i];
		if (c != '%') {
			rc = ea_buf_addc(out, (char)c);
			i++;
			continue;
		}
		if (i + 1 >= s.len)
			return EMAUTH_ESYNTAX;
		switch (s.p[i + 1]) {
		case '%':
			rc = ea_buf_addc(out, '%');
			i += 2;
			continue;
		case '_':
			rc = ea_buf_addc(out, ' ');
			i += 2;
			continue;
		case '-':
			rc = ea_buf_add(out, "%20", 3);
			i += 2;
			continue;
		case '{':
			break;
		default:
			return EMAUTH_ESYNTAX;
		}
		rc = read_expand(s, i, mc, &e, &bad);
		if (rc)
			return rc;
		struct emauth_span v;
		rc = letter_value(e.letter, env, tmp, sizeof(tmp), &v);
		if (rc == 0)
			rc = transform(&e, v, out);
		i = e.end;
	}
	return rc;
}
