/*
 * dsn.c: the fields of a delivery status notification (RFC 3464 §2.2
 * per-message fields, §2.3 per-recipient fields; RFC 6533 §3 for
 * message/global-delivery-status, whose addresses may be UTF-8), and the
 * small readers every part of src/bounce/ uses: the SMTP reply code and
 * the enhanced status code (RFC 3463) in a text, a lenient RFC 5322 date,
 * an address, one line of text.
 *
 * The body is read line by line (LF or CRLF, folded lines joined, RFC 3464
 * §2.1 follows RFC 822's header syntax); groups are separated by empty
 * lines. A group with Final-Recipient (or only Original-Recipient) is one
 * recipient; a second Final-Recipient in the same group, which sloppy
 * writers produce, starts another. The per-message fields are taken from
 * wherever they are. Field values longer than EA_BOUNCE_FIELD_MAX are
 * read up to there.
 */
#include "common/internal.h"

#include <string.h>

#include "bounce/bounce.h"
#include "common/alloc.h"
#include "common/span.h"

/* The fields of one recipient group, as read. */
struct group {
	char final[320];
	char original[320];
	char action[16];
	char status[64];
	char remote[256];
	char diag_type[16];
	char diag[EA_BOUNCE_FIELD_MAX];
	char category[32];
	int64_t last;
	bool any;
};

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

const char *
ea_bounce_ifind(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0 || n > len)
		return n == 0 ? hay : NULL;
	uint8_t first = ea_lower((uint8_t)needle[0]);
	for (size_t i = 0; i + n <= len; i++) {
		if (ea_lower((uint8_t)hay[i]) != first)
			continue;
		size_t j = 1;
		while (j < n && ea_lower((uint8_t)hay[i + j]) ==
		                    ea_lower((uint8_t)needle[j]))
			j++;
		if (j == n)
			return hay + i;
	}
	return NULL;
}

bool
ea_bounce_line(
    char *dst, size_t size, const char *src, size_t len, bool ellipsis)
{
	size_t o = 0;
	bool space = false, cut = false;
	if (size == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)src[i];
		if (c < 0x20 || c == 0x7f || c == ' ') {
			space = o > 0;
			continue;
		}
		size_t need = (space ? 1 : 0) + 1;
		if (o + need > size - 1) {
			cut = true;
			break;
		}
		if (space)
			dst[o++] = ' ';
		space = false;
		dst[o++] = (char)c;
	}
	if (cut) {
		if (!ellipsis || size < 8) {
			dst[0] = '\0';
			return false;
		}
		/* Room for "...": cut back, then not inside a UTF-8
		 * sequence. */
		o = o > size - 4 ? size - 4 : o;
		while (o > 0 && ((uint8_t)dst[o] & 0xc0) == 0x80)
			o--;
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return !cut;
}

bool
ea_bounce_status_ok(const char *s)
{
	size_t i = 0, n;
	if (s[0] != '2' && s[0] != '4' && s[0] != '5')
		return false;
	if (s[1] != '.')
		return false;
	i = 2;
	for (int part = 0; part < 2; part++) {
		n = 0;
		while (ea_is_digit((uint8_t)s[i]) && n < 4) {
			i++;
			n++;
		}
		if (n == 0 || n > 3)
			return false;
		if (part == 0) {
			if (s[i] != '.')
				return false;
			i++;
		}
	}
	return s[i] == '\0';
}

void
ea_bounce_find_status(const char *text, char status[16], int specific)
{
	status[0] = '\0';
	for (const char *p = text; *p; p++) {
		if (*p != '2' && *p != '4' && *p != '5')
			continue;
		if (p > text) {
			uint8_t b = (uint8_t)p[-1];
			/* Not inside a number, an address or a version
			 * ("v4.2.0"); "550-5.7.1" is a reply's continuation
			 * line. */
			bool cont = b == '-' && p - text >= 4 &&
			            ea_is_digit((uint8_t)p[-2]) &&
			            ea_is_digit((uint8_t)p[-3]) &&
			            ea_is_digit((uint8_t)p[-4]);
			if (ea_is_digit(b) || b == '.' || b == 'v' ||
			    b == 'V' || ea_is_alpha(b) || (b == '-' && !cont) ||
			    b == '_')
				continue;
		}
		if (p[1] != '.' || !ea_is_digit((uint8_t)p[2]))
			continue;
		size_t i = 2, n1 = 0, n2 = 0;
		while (ea_is_digit((uint8_t)p[i]) && n1 < 4) {
			i++;
			n1++;
		}
		if (n1 != 1 || p[i] != '.')
			continue;
		/* RFC 3463 §3.1: subjects 0 to 7. */
		if (p[2] > '7')
			continue;
		i++;
		while (ea_is_digit((uint8_t)p[i]) && n2 < 4) {
			i++;
			n2++;
		}
		if (n2 == 0 || n2 > 3)
			continue;
		/* Not the first part of an address or a longer version
		 * number ("4.16.55.1"). */
		if (p[i] == '.' && ea_is_digit((uint8_t)p[i + 1]))
			continue;
		if (ea_is_alpha((uint8_t)p[i]))
			continue;
		if (specific && (p[2] == '0' || (specific > 1 && p[4] == '0')))
			continue;
		memcpy(status, p, i);
		status[i] = '\0';
		return;
	}
}

void
ea_bounce_find_reply(const char *text, char reply[4])
{
	reply[0] = '\0';
	for (const char *p = text; *p; p++) {
		if (*p != '2' && *p != '4' && *p != '5')
			continue;
		if (p > text) {
			uint8_t b = (uint8_t)p[-1];
			if (ea_is_digit(b) || ea_is_alpha(b) || b == '.' ||
			    b == '#' || b == '-' || b == '_' || b == '/' ||
			    b == '=' || b == '+' || b == ':')
				continue;
		}
		if (!ea_is_digit((uint8_t)p[1]) || !ea_is_digit((uint8_t)p[2]))
			continue;
		/* RFC 5321 §4.2: the second digit is 0 to 5. */
		if (p[1] > '5')
			continue;
		uint8_t a = (uint8_t)p[3];
		if (ea_is_digit(a) || ea_is_alpha(a) || a == '.' || a == '@' ||
		    a == ':' || a == '/' || a == ']' || a == ')')
			continue;
		memcpy(reply, p, 3);
		reply[3] = '\0';
		return;
	}
}

size_t
ea_bounce_addr_at(const char *p, const char *end, char *out, size_t size)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~.";
	const char *s = p, *at = NULL, *e;
	bool angle = false;
	if (size == 0)
		return 0;
	out[0] = '\0';
	if (s < end && *s == '<') {
		angle = true;
		s++;
	}
	e = s;
	if (e < end && *e == '"') {
		/* A quoted local part, without folding. */
		e++;
		while (e < end && *e != '"' && *e != '\n') {
			if (*e == '\\' && e + 1 < end)
				e++;
			e++;
		}
		if (e >= end || *e != '"')
			return 0;
		e++;
	} else {
		while (e < end &&
		       (ea_is_alpha((uint8_t)*e) || ea_is_digit((uint8_t)*e) ||
		           ((uint8_t)*e >= 0x80) ||
		           (strchr(atext, *e) && *e != '\0')))
			e++;
	}
	if (e == s || e >= end || *e != '@')
		return 0;
	at = e++;
	const char *d = e;
	while (
	    e < end && (ea_is_alpha((uint8_t)*e) || ea_is_digit((uint8_t)*e) ||
	                   *e == '-' || *e == '.' || (uint8_t)*e >= 0x80 ||
	                   *e == '[' || *e == ']' || *e == ':'))
		e++;
	/* Not the sentence's full stop, nor a bracket that is not a
	 * literal's. */
	while (e > d && (e[-1] == '.' || e[-1] == ':' || e[-1] == ']') &&
	       !(e[-1] == ']' && *d == '['))
		e--;
	if (e == d)
		return 0;
	if (angle && (e >= end || *e != '>'))
		return 0;
	/* A local part that starts or ends with a dot is still kept: mail
	 * systems quote what they were given. */
	size_t n = (size_t)(e - s);
	(void)at;
	if (n + 1 > size)
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return n;
}

/* The days of month @m (1-12) of year @y. */
static unsigned
month_days(int64_t y, unsigned m)
{
	static const unsigned char days[12] = {
	    31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to @y-@m-@d (H. Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Reads at most @max digits at *@p. @return the count read. */
static unsigned
digits(const char **p, unsigned max, unsigned *out)
{
	unsigned n = 0, v = 0;
	while (n < max && ea_is_digit((uint8_t) * *p)) {
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
		n++;
	}
	if (n == max && ea_is_digit((uint8_t) * *p))
		return 0;
	*out = v;
	return n;
}

static void
skip_sp(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == ',')
		(*p)++;
}

bool
ea_bounce_date(const char *v, int64_t *out)
{
	static const char *const months[] = {"jan", "feb", "mar", "apr", "may",
	    "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
	const char *p = v;
	unsigned day, mon = 0, year, hh, mi, ss = 0, ny;
	int zone = 0;

	skip_sp(&p);
	/* An optional day name. */
	if (ea_is_alpha((uint8_t)*p)) {
		while (ea_is_alpha((uint8_t)*p))
			p++;
		skip_sp(&p);
	}
	if (digits(&p, 2, &day) == 0)
		return false;
	skip_sp(&p);
	if (*p == '-')
		p++;
	for (unsigned i = 0; i < 12; i++)
		if (ea_lower((uint8_t)p[0]) == months[i][0] &&
		    ea_lower((uint8_t)p[1]) == months[i][1] &&
		    ea_lower((uint8_t)p[2]) == months[i][2])
			mon = i + 1;
	if (mon == 0)
		return false;
	while (ea_is_alpha((uint8_t)*p))
		p++;
	skip_sp(&p);
	if (*p == '-')
		p++;
	ny = digits(&p, 4, &year);
	if (ny < 2)
		return false;
	/* RFC 5322 §4.3: two-digit years below 50 are 20xx. */
	if (ny == 2)
		year += year < 50 ? 2000 : 1900;
	else if (ny == 3)
		year += 1900;
	if (year < 1900 || day < 1 || day > month_days(year, mon))
		return false;
	skip_sp(&p);
	if (digits(&p, 2, &hh) == 0 || *p != ':')
		return false;
	p++;
	if (digits(&p, 2, &mi) != 2)
		return false;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &ss) != 2)
			return false;
	}
	if (hh > 23 || mi > 59 || ss > 60)
		return false;
	skip_sp(&p);
	if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		unsigned z;
		p++;
		if (digits(&p, 4, &z) != 4 || z % 100 > 59)
			return false;
		zone = sign * (int)((z / 100) * 60 + z % 100);
	} else if (ea_is_alpha((uint8_t)*p)) {
		static const struct {
			const char *name;
			int off;
		} zones[] = {{"ut", 0}, {"gmt", 0}, {"utc", 0}, {"est", -300},
		    {"edt", -240}, {"cst", -360}, {"cdt", -300}, {"mst", -420},
		    {"mdt", -360}, {"pst", -480}, {"pdt", -420}, {"jst", 540}};
		char w[8];
		size_t n = 0;
		while (ea_is_alpha((uint8_t)*p) && n < sizeof(w) - 1)
			w[n++] = (char)ea_lower((uint8_t)*p++);
		w[n] = '\0';
		for (size_t i = 0; i < EA_ARRAY_LEN(zones); i++)
			if (strcmp(w, zones[i].name) == 0)
				zone = zones[i].off;
	}
	*out = days_from_civil(year, mon, day) * 86400 + hh * 3600 + mi * 60 +
	       ss - (int64_t)zone * 60;
	return true;
}

/* Reads "type; value" (RFC 3464 §2.1.2 address-type, diagnostic-type):
 * the type lower case into @type (may be NULL), the value after the
 * semicolon (all of @v when there is none). */
static const char *
typed(const char *v, char *type, size_t tsize)
{
	const char *semi = strchr(v, ';');
	if (type != NULL && tsize > 0)
		type[0] = '\0';
	if (semi == NULL)
		return v;
	/* A type is an atom: no space inside. */
	for (const char *c = v; c < semi; c++)
		if (*c == ' ' || *c == '<' || *c == '@')
			return v;
	if (type != NULL) {
		size_t n = (size_t)(semi - v);
		if (n >= tsize)
			n = tsize - 1;
		ea_lower_copy(type, (const uint8_t *)v, n);
		type[n] = '\0';
	}
	v = semi + 1;
	while (is_wsp(*v))
		v++;
	return v;
}

/* Copies an address value (angle brackets, quotes of the whole and
 * spaces removed) into @out; "" when it does not fit. */
static void
address_value(const char *v, char *out, size_t size)
{
	const char *s = v, *e = v + strlen(v);
	while (s < e && is_wsp(*s))
		s++;
	while (e > s && is_wsp(e[-1]))
		e--;
	if (s < e && *s == '<') {
		const char *gt = memchr(s, '>', (size_t)(e - s));
		s++;
		if (gt != NULL)
			e = gt;
	}
	/* "addr (comment)" */
	const char *sp = memchr(s, ' ', (size_t)(e - s));
	if (sp != NULL && memchr(s, '"', (size_t)(e - s)) == NULL)
		e = sp;
	if (!ea_bounce_line(out, size, s, (size_t)(e - s), false))
		out[0] = '\0';
}

/* Commits the group @g as a recipient. */
static int
commit(struct ea_bread *rd, struct group *g)
{
	const char *addr = g->final[0] ? g->final : g->original;
	if (addr[0] == '\0') {
		memset(g, 0, sizeof(*g));
		return 0;
	}
	struct ea_brcpt *w = ea_bread_add(rd, addr, strlen(addr));
	if (w == NULL)
		return rd->err;
	if (g->final[0] && g->original[0])
		ea_copy_str(w->r.original_recipient,
		    sizeof(w->r.original_recipient), g->original);
	ea_copy_str(w->r.action, sizeof(w->r.action), g->action);
	/* RFC 3464 §2.3.4: status-code, then perhaps a comment. */
	char st[16];
	size_t n = strcspn(g->status, " \t(");
	if (n < sizeof(st)) {
		memcpy(st, g->status, n);
		st[n] = '\0';
		if (ea_bounce_status_ok(st))
			ea_copy_str(w->r.status, sizeof(w->r.status), st);
	}
	if (w->r.status[0] == '\0' && g->status[0] && g->diag[0] == '\0')
		/* "Status: 553 Exceeded maximum inbound message size": words
		 * where the code should be, kept as the diagnostic. */
		ea_copy_str(g->diag, sizeof(g->diag), g->status);
	ea_copy_str(w->r.remote_mta, sizeof(w->r.remote_mta), g->remote);
	ea_copy_str(w->diag_type, sizeof(w->diag_type), g->diag_type);
	ea_copy_str(w->category, sizeof(w->category), g->category);
	ea_bounce_line(w->r.diagnostic, sizeof(w->r.diagnostic), g->diag,
	    strlen(g->diag), true);
	w->r.last_attempt = g->last;
	memset(g, 0, sizeof(*g));
	return 1;
}

/* Whether @line (@len bytes) is "Name:" of a field we read, and which. */
enum field {
	F_NONE,
	F_REPORTING_MTA,
	F_ARRIVAL,
	F_FINAL,
	F_ORIGINAL,
	F_ACTION,
	F_STATUS,
	F_REMOTE,
	F_DIAG,
	F_LAST,
	F_CATEGORY,
	F_OTHER
};

static enum field
field_of(const char *line, size_t len, size_t *vstart)
{
	static const struct {
		const char *name;
		enum field f;
	} names[] = {{"reporting-mta", F_REPORTING_MTA},
	    {"arrival-date", F_ARRIVAL}, {"final-recipient", F_FINAL},
	    {"original-recipient", F_ORIGINAL}, {"action", F_ACTION},
	    {"status", F_STATUS}, {"remote-mta", F_REMOTE},
	    {"diagnostic-code", F_DIAG}, {"last-attempt-date", F_LAST},
	    {"received-from-mta", F_OTHER}, {"x-actual-recipient", F_OTHER},
	    {"will-retry-until", F_OTHER}, {"final-log-id", F_OTHER},
	    {"original-envelope-id", F_OTHER}, {"dsn-gateway", F_OTHER},
	    {"x-postfix-queue-id", F_OTHER}, {"x-postfix-sender", F_OTHER},
	    {"x-powermta-bouncecategory", F_CATEGORY}};
	const char *colon = memchr(line, ':', len);
	if (colon == NULL)
		return F_NONE;
	size_t n = (size_t)(colon - line);
	while (n > 0 && is_wsp(line[n - 1]))
		n--;
	for (size_t i = 0; i < EA_ARRAY_LEN(names); i++)
		if (strlen(names[i].name) == n &&
		    ea_span_ieq_str(ea_span(line, n), names[i].name)) {
			*vstart = (size_t)(colon - line) + 1;
			return names[i].f;
		}
	/* Other field names: a token of letters, digits and hyphens. */
	for (size_t i = 0; i < n; i++)
		if (!ea_is_alpha((uint8_t)line[i]) &&
		    !ea_is_digit((uint8_t)line[i]) && line[i] != '-')
			return F_NONE;
	*vstart = (size_t)(colon - line) + 1;
	return n > 0 ? F_OTHER : F_NONE;
}

/* Applies one unfolded field to the group. */
static int
apply(struct ea_bread *rd, struct group *g, enum field f, const char *v)
{
	char tmp[320];
	int added = 0;
	switch (f) {
	case F_REPORTING_MTA:
		if (rd->reporting_mta[0] == '\0')
			ea_bounce_line(rd->reporting_mta,
			    sizeof(rd->reporting_mta), typed(v, NULL, 0),
			    strlen(typed(v, NULL, 0)), false);
		break;
	case F_ARRIVAL:
		if (rd->arrival == 0)
			(void)ea_bounce_date(v, &rd->arrival);
		break;
	case F_FINAL:
		if (g->final[0]) {
			added = commit(rd, g);
			if (added < 0)
				return added;
		}
		address_value(typed(v, NULL, 0), g->final, sizeof(g->final));
		g->any = true;
		break;
	case F_ORIGINAL:
		if (g->original[0] && g->final[0]) {
			added = commit(rd, g);
			if (added < 0)
				return added;
		}
		address_value(typed(v, NULL, 0), tmp, sizeof(tmp));
		ea_copy_str(g->original, sizeof(g->original), tmp);
		g->any = true;
		break;
	case F_ACTION: {
		/* RFC 3464 §2.3.3: a keyword; lower case, the first word. */
		size_t n = 0;
		while (ea_is_alpha((uint8_t)v[n]) || v[n] == '-')
			n++;
		if (n < sizeof(g->action)) {
			ea_lower_copy(g->action, (const uint8_t *)v, n);
			g->action[n] = '\0';
		}
		break;
	}
	case F_STATUS:
		ea_bounce_line(
		    g->status, sizeof(g->status), v, strlen(v), false);
		break;
	case F_REMOTE:
		ea_bounce_line(g->remote, sizeof(g->remote), typed(v, NULL, 0),
		    strlen(typed(v, NULL, 0)), false);
		break;
	case F_DIAG: {
		const char *t = typed(v, g->diag_type, sizeof(g->diag_type));
		ea_copy_str(g->diag, sizeof(g->diag), t);
		break;
	}
	case F_LAST:
		(void)ea_bounce_date(v, &g->last);
		break;
	case F_CATEGORY: {
		size_t n = 0;
		while (ea_is_alpha((uint8_t)v[n]) || v[n] == '-')
			n++;
		if (n < sizeof(g->category)) {
			ea_lower_copy(g->category, (const uint8_t *)v, n);
			g->category[n] = '\0';
		}
		break;
	}
	default:
		break;
	}
	return added;
}

/* Ends the field being read: applies it. */
static int
flush(struct ea_bread *rd, struct group *g, enum field *cur, char *val,
    size_t *vlen)
{
	int rc = 0;
	if (*cur != F_NONE) {
		val[*vlen] = '\0';
		rc = apply(rd, g, *cur, val);
	}
	*cur = F_NONE;
	*vlen = 0;
	return rc;
}

/* Appends @len bytes of @s to the value (a space between folded lines),
 * up to EA_BOUNCE_FIELD_MAX - 1. */
static void
append(char *val, size_t *vlen, const char *s, size_t len, bool fold)
{
	if (fold && *vlen > 0 && *vlen < EA_BOUNCE_FIELD_MAX - 1)
		val[(*vlen)++] = ' ';
	while (len > 0 && is_wsp(*s)) {
		s++;
		len--;
	}
	if (len > EA_BOUNCE_FIELD_MAX - 1 - *vlen)
		len = EA_BOUNCE_FIELD_MAX - 1 - *vlen;
	memcpy(val + *vlen, s, len);
	*vlen += len;
}

int
ea_bounce_dsn_read(struct ea_bread *rd, struct emauth_span body, bool embedded)
{
	struct group *g = ea_calloc(1, sizeof(*g));
	char *val = ea_malloc(EA_BOUNCE_FIELD_MAX);
	enum field cur = F_NONE;
	size_t vlen = 0;
	int count = 0, r = 0;
	const char *p = (const char *)body.p, *end = p + body.len;

	if (g == NULL || val == NULL) {
		rd->err = EMAUTH_ENOMEM;
		r = rd->err;
		goto out;
	}
	if (body.len > EA_BOUNCE_DSN_MAX)
		end = p + EA_BOUNCE_DSN_MAX;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t len = (size_t)(le - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		size_t blank = 0;
		while (blank < len && is_wsp(p[blank]))
			blank++;
		size_t vstart = 0;
		enum field f = F_NONE;
		bool end_group = false;
		if (blank == len) {
			/* An empty line ends the group. */
			end_group = true;
		} else if (blank > 0 && cur != F_NONE) {
			append(val, &vlen, p, len, true);
			p = nl ? nl + 1 : end;
			continue;
		} else {
			f = field_of(p, len, &vstart);
			/* Not a field: in a text part, prose between the
			 * fields ends the group; in a delivery-status part,
			 * a stray line is skipped. */
			end_group = f == F_NONE && embedded;
		}
		if ((r = flush(rd, g, &cur, val, &vlen)) < 0)
			goto out;
		count += r;
		if (end_group && g->any) {
			if ((r = commit(rd, g)) < 0)
				goto out;
			count += r;
		}
		if (f != F_NONE) {
			cur = f;
			append(val, &vlen, p + vstart, len - vstart, false);
		}
		p = nl ? nl + 1 : end;
	}
	if ((r = flush(rd, g, &cur, val, &vlen)) < 0)
		goto out;
	count += r;
	if (g->any) {
		if ((r = commit(rd, g)) < 0)
			goto out;
		count += r;
	}
out:
	ea_free(g);
	ea_free(val);
	return r < 0 ? r : count;
}

void
ea_bounce_squeeze(char *s, const char *reply, const char *status)
{
	size_t rl = strlen(reply), sl = strlen(status);
	bool first = true;
	size_t o = 0;
	if (rl != 3)
		return;
	for (size_t i = 0; s[i] != '\0';) {
		bool start = i == 0 || s[i - 1] == ' ';
		if (start && memcmp(s + i, reply, 3) == 0 &&
		    (s[i + 3] == '-' || s[i + 3] == ' ')) {
			size_t n = 4;
			if (sl > 0 && strncmp(s + i + 4, status, sl) == 0 &&
			    (s[i + 4 + sl] == ' ' || s[i + 4 + sl] == '\0'))
				n += sl + (s[i + 4 + sl] == ' ');
			else if (s[i + 3] == ' ')
				n = 0; /* "550 " alone is text, not a marker */
			if (n > 0) {
				if (first) {
					first = false;
				} else {
					i += n;
					continue;
				}
			}
		}
		s[o++] = s[i++];
	}
	while (o > 0 && s[o - 1] == ' ')
		o--;
	s[o] = '\0';
}
