/*
 * record.c: the DMARC record (RFC 9989, RFC 7489 §6.3). A record is a
 * list of tag=value pairs separated by ";", starting with v=DMARC1. Every
 * tag is validated on its own: an invalid value is noted (naming the tag,
 * the offset and the fix) and the tag is treated as absent, so the
 * defaults apply; unknown tags are noted and ignored. Tag names and
 * keyword values are case-insensitive (ABNF literals); "DMARC1" is not.
 */
#include "../common/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../common/limits.h"
#include "../common/span.h"

#include <emauth/dmarc.h>

const char *
emauth_dmarc_policy_name(enum emauth_dmarc_policy p)
{
	switch (p) {
	case EMAUTH_DMARC_NONE:
		return "none";
	case EMAUTH_DMARC_QUARANTINE:
		return "quarantine";
	case EMAUTH_DMARC_REJECT:
		return "reject";
	default:
		return "";
	}
}

static void note(struct emauth_dmarc_record *r,
    enum emauth_dmarc_note_kind kind, const char *tag, size_t offset,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
note(struct emauth_dmarc_record *r, enum emauth_dmarc_note_kind kind,
    const char *tag, size_t offset, const char *fmt, ...)
{
	if (r->nnotes >= EMAUTH_DMARC_NOTES_MAX) {
		/* The list is full: its last note says so (never a silent
		 * cut), and is an error if any note left out is one. */
		struct emauth_dmarc_note *last =
		    &r->notes[EMAUTH_DMARC_NOTES_MAX - 1];
		if (kind == EMAUTH_DMARC_ERROR)
			last->kind = EMAUTH_DMARC_ERROR;
		last->tag[0] = '\0';
		snprintf(last->text, sizeof(last->text),
		    "more problems than the %d listed here: fix these, then "
		    "check the record again",
		    EMAUTH_DMARC_NOTES_MAX - 1);
		return;
	}
	struct emauth_dmarc_note *n = &r->notes[r->nnotes++];
	va_list ap;
	n->kind = kind;
	snprintf(n->tag, sizeof(n->tag), "%s", tag);
	n->offset = offset;
	va_start(ap, fmt);
	vsnprintf(n->text, sizeof(n->text), fmt, ap);
	va_end(ap);
}

static bool
is_wsp(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct emauth_span
trim(struct emauth_span s, size_t *off)
{
	while (s.len && is_wsp(s.p[0])) {
		s.p++;
		s.len--;
		(*off)++;
	}
	while (s.len && is_wsp(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* Levenshtein distance, capped: small words only. */
static unsigned
distance(struct emauth_span a, const char *b)
{
	size_t bl = strlen(b);
	unsigned row[32], prev;
	if (a.len >= 31 || bl >= 31)
		return 99;
	for (size_t j = 0; j <= bl; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= a.len; i++) {
		prev = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= bl; j++) {
			unsigned cur = row[j];
			unsigned cost =
			    ea_lower(a.p[i - 1]) == (uint8_t)b[j - 1] ? 0 : 1;
			unsigned best = prev + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[bl];
}

/* The candidate closest to @s (distance at most 2), or NULL. */
static const char *
closest(struct emauth_span s, const char *const *cands)
{
	const char *best = NULL;
	unsigned bd = 3;
	for (size_t i = 0; cands[i]; i++) {
		unsigned d = distance(s, cands[i]);
		if (d < bd) {
			bd = d;
			best = cands[i];
		}
	}
	return best;
}

static void
show(struct emauth_span s, char *out, size_t size)
{
	ea_escape(s, 48, out, size);
}

static const char *const policies[] = {"none", "quarantine", "reject", NULL};

static int
parse_policy(struct emauth_dmarc_record *r, const char *tag,
    struct emauth_span v, size_t off, enum emauth_dmarc_policy *out)
{
	for (int i = 0; policies[i]; i++)
		if (ea_span_ieq_str(v, policies[i])) {
			*out = (enum emauth_dmarc_policy)(i + 1);
			return 0;
		}
	char shown[260];
	const char *near = closest(v, policies);
	show(v, shown, sizeof(shown));
	if (near)
		note(r, EMAUTH_DMARC_ERROR, tag, off,
		    "%s=%s is not a policy; did you mean %s=%s? (the tag is "
		    "ignored)",
		    tag, shown, tag, near);
	else
		note(r, EMAUTH_DMARC_ERROR, tag, off,
		    "%s=%s is not a policy: use none, quarantine or reject "
		    "(the tag is ignored)",
		    tag, shown);
	return -1;
}

/* One reporting URI (a mailto: URI; RFC 7489 allowed a
 * "!size" suffix, which is accepted). Appends it to @out when valid. */
static bool
parse_uri(struct emauth_dmarc_record *r, const char *tag, struct emauth_span u,
    size_t off, char *out, size_t size, unsigned *n)
{
	char shown[260];
	show(u, shown, sizeof(shown));
	if (u.len == 0) {
		note(r, EMAUTH_DMARC_ERROR, tag, off, "%s has an empty URI",
		    tag);
		return false;
	}
	/* Strip a size limit "!10m" (RFC 7489 §6.2). */
	struct emauth_span uri = u;
	const uint8_t *bang = memchr(u.p, '!', u.len);
	if (bang)
		uri.len = (size_t)(bang - u.p);
	size_t k = 0;
	while (k < uri.len &&
	       (ea_is_alpha(uri.p[k]) ||
	           (k > 0 && (ea_is_digit(uri.p[k]) || uri.p[k] == '+' ||
	                         uri.p[k] == '-' || uri.p[k] == '.'))))
		k++;
	if (k == 0 || k >= uri.len || uri.p[k] != ':') {
		if (memchr(uri.p, '@', uri.len))
			note(r, EMAUTH_DMARC_ERROR, tag, off,
			    "%s=%s has no URI scheme: write mailto:%s", tag,
			    shown, shown);
		else
			note(r, EMAUTH_DMARC_ERROR, tag, off,
			    "%s=%s is not a URI (expected "
			    "mailto:reports@example.com)",
			    tag, shown);
		return false;
	}
	struct emauth_span scheme = ea_span(uri.p, k);
	if (!ea_span_ieq_str(scheme, "mailto")) {
		char sch[64];
		show(scheme, sch, sizeof(sch));
		note(r, EMAUTH_DMARC_ERROR, tag, off,
		    "%s: unknown URI scheme \"%s:\"; reports go to mailto: "
		    "addresses%s",
		    tag, sch,
		    distance(scheme, "mailto") <= 2 ? " (did you mean mailto:?)"
		                                    : "");
		return false;
	}
	struct emauth_span addr = ea_span(uri.p + k + 1, uri.len - k - 1);
	const uint8_t *at = addr.len ? memchr(addr.p, '@', addr.len) : NULL;
	if (at == NULL || at == addr.p || at == addr.p + addr.len - 1) {
		note(r, EMAUTH_DMARC_ERROR, tag, off,
		    "%s=%s: the mailto: address needs a local part and a "
		    "domain",
		    tag, shown);
		return false;
	}
	for (size_t i = 0; i < addr.len; i++)
		if (addr.p[i] <= 0x20 || addr.p[i] >= 0x7f) {
			note(r, EMAUTH_DMARC_ERROR, tag, off,
			    "%s=%s: a URI cannot hold spaces or 8-bit bytes",
			    tag, shown);
			return false;
		}
	if (*n >= EA_DMARC_URIS_MAX) {
		note(r, EMAUTH_DMARC_WARNING, tag, off,
		    "%s: more than %d URIs; the rest are ignored", tag,
		    EA_DMARC_URIS_MAX);
		return false;
	}
	/* Keep a well-formed size limit ("!" 1*DIGIT [k/m/g/t]) with the
	 * URI: a report sender honours it (RFC 7489 §6.2). */
	if (bang) {
		size_t sl = u.len - uri.len - 1, d = 0;
		const uint8_t *sz = bang + 1;
		while (d < sl && ea_is_digit(sz[d]))
			d++;
		bool unit = d + 1 == sl && strchr("kmgtKMGT", sz[d]) != NULL;
		if (d > 0 && d <= 12 && (d == sl || unit))
			uri.len = u.len;
		else
			note(r, EMAUTH_DMARC_WARNING, tag, off,
			    "%s=%s: the size limit after \"!\" is not digits "
			    "and a unit (k, m, g, t); it is ignored",
			    tag, shown);
	}
	size_t len = strlen(out);
	if (len + uri.len + 2 > size) {
		note(r, EMAUTH_DMARC_WARNING, tag, off,
		    "%s: the URI list is too long; the rest is ignored", tag);
		return false;
	}
	if (len)
		out[len++] = ',';
	memcpy(out + len, uri.p, uri.len);
	out[len + uri.len] = '\0';
	(*n)++;
	return true;
}

static void
parse_uris(struct emauth_dmarc_record *r, const char *tag, struct emauth_span v,
    size_t off, char *out, size_t size, unsigned *n)
{
	size_t i = 0;
	out[0] = '\0';
	while (i <= v.len) {
		const uint8_t *c =
		    i < v.len ? memchr(v.p + i, ',', v.len - i) : NULL;
		size_t end = c ? (size_t)(c - v.p) : v.len;
		size_t o = off + i;
		struct emauth_span u = trim(ea_span(v.p + i, end - i), &o);
		parse_uri(r, tag, u, o, out, size, n);
		if (c == NULL)
			break;
		i = end + 1;
	}
}

static bool
parse_flag(struct emauth_dmarc_record *r, const char *tag, struct emauth_span v,
    size_t off, const char *allowed, char *out)
{
	if (v.len == 1 && strchr(allowed, ea_lower(v.p[0])) && v.p[0]) {
		*out = (char)ea_lower(v.p[0]);
		return true;
	}
	char shown[260];
	show(v, shown, sizeof(shown));
	char list[32] = "";
	for (size_t i = 0; allowed[i]; i++) {
		size_t l = strlen(list);
		snprintf(list + l, sizeof(list) - l, "%s%c",
		    i == 0 ? "" : (allowed[i + 1] ? ", " : " or "), allowed[i]);
	}
	note(r, EMAUTH_DMARC_ERROR, tag, off,
	    "%s=%s is not valid: use %s (the tag is ignored)", tag, shown,
	    list);
	return false;
}

static const char *const known_tags[] = {"v", "p", "sp", "np", "psd", "t",
    "rua", "ruf", "adkim", "aspf", "fo", "pct", "rf", "ri", NULL};

int
emauth_dmarc_record_parse(struct emauth_span rec, enum emauth_dmarc_mode mode,
    struct emauth_dmarc_record *r)
{
	bool seen[16] = {false};
	unsigned nrua = 0, nruf = 0, ntags = 0;
	size_t i = 0;

	memset(r, 0, sizeof(*r));
	r->psd = 'u';
	r->pct = 100;
	snprintf(r->fo, sizeof(r->fo), "0");
	snprintf(r->rf, sizeof(r->rf), "afrf");
	r->ri = 86400;
	if (rec.len > EA_DMARC_RECORD_MAX)
		return EMAUTH_ETOOBIG;
	if (rec.len == 0)
		return 0; /* not a DMARC record (and p may be NULL) */

	while (i <= rec.len) {
		const uint8_t *semi =
		    i < rec.len ? memchr(rec.p + i, ';', rec.len - i) : NULL;
		size_t end = semi ? (size_t)(semi - rec.p) : rec.len;
		size_t off = i;
		struct emauth_span part =
		    trim(ea_span(rec.p + i, end - i), &off);
		i = end + 1;
		if (part.len == 0) {
			if (semi == NULL)
				break;
			continue;
		}
		const uint8_t *eq = memchr(part.p, '=', part.len);
		size_t voff = off;
		struct emauth_span name =
		    trim(ea_span(part.p, eq ? (size_t)(eq - part.p) : part.len),
		        &voff);
		voff = eq ? off + (size_t)(eq - part.p) + 1 : off + part.len;
		struct emauth_span v =
		    eq ? trim(ea_span(
		                  eq + 1, part.len - (size_t)(eq - part.p) - 1),
		             &voff)
		       : ea_span(NULL, 0);
		char nm[16];
		show(name, nm, sizeof(nm));

		if (ntags == 0) {
			/* v=DMARC1 first, exactly. */
			if (!eq || !ea_span_ieq_str(name, "v") || v.len != 6 ||
			    memcmp(v.p, "DMARC1", 6) != 0)
				return 0; /* not a DMARC record */
			r->valid = 1;
			ntags++;
			continue;
		}
		/* Every tag is read: the 4 KiB cap on the record bounds the
		 * work, and a tag cap that ignored the rest could drop p=. */
		ntags++;
		if (!eq) {
			note(r, EMAUTH_DMARC_ERROR, nm, off,
			    "\"%s\" has no \"=\": expected tag=value", nm);
			continue;
		}
		int t = -1;
		for (int k = 0; known_tags[k]; k++)
			if (ea_span_ieq_str(name, known_tags[k]))
				t = k;
		if (t < 0) {
			const char *near = closest(name, known_tags);
			if (near)
				note(r, EMAUTH_DMARC_WARNING, nm, off,
				    "unknown tag \"%s\" is ignored; did you "
				    "mean %s=?",
				    nm, near);
			else
				note(r, EMAUTH_DMARC_WARNING, nm, off,
				    "unknown tag \"%s\" is ignored", nm);
			continue;
		}
		const char *tag = known_tags[t];
		if (seen[t]) {
			note(r, EMAUTH_DMARC_ERROR, tag, off,
			    "%s appears twice; the first one is used", tag);
			continue;
		}
		seen[t] = true;
		char shown[260];
		show(v, shown, sizeof(shown));
		char flag;
		if (strcmp(tag, "v") == 0) {
			note(r, EMAUTH_DMARC_ERROR, tag, off,
			    "v= must come first, once");
		} else if (strcmp(tag, "p") == 0) {
			r->p_given = parse_policy(r, tag, v, off, &r->p) == 0;
		} else if (strcmp(tag, "sp") == 0) {
			r->sp_given = parse_policy(r, tag, v, off, &r->sp) == 0;
		} else if (strcmp(tag, "np") == 0) {
			r->np_given = parse_policy(r, tag, v, off, &r->np) == 0;
			if (r->np_given && mode == EMAUTH_DMARC_RFC7489) {
				note(r, EMAUTH_DMARC_WARNING, tag, off,
				    "np is not part of RFC 7489; ignored in "
				    "that mode");
				r->np_given = 0;
			}
		} else if (strcmp(tag, "psd") == 0) {
			if (parse_flag(r, tag, v, off, "ynu", &flag))
				r->psd = flag;
		} else if (strcmp(tag, "t") == 0) {
			if (parse_flag(r, tag, v, off, "yn", &flag))
				r->testing = flag == 'y';
		} else if (strcmp(tag, "adkim") == 0) {
			if (parse_flag(r, tag, v, off, "rs", &flag))
				r->adkim_strict = flag == 's';
		} else if (strcmp(tag, "aspf") == 0) {
			if (parse_flag(r, tag, v, off, "rs", &flag))
				r->aspf_strict = flag == 's';
		} else if (strcmp(tag, "rua") == 0) {
			parse_uris(
			    r, tag, v, voff, r->rua, sizeof(r->rua), &nrua);
		} else if (strcmp(tag, "ruf") == 0) {
			parse_uris(
			    r, tag, v, voff, r->ruf, sizeof(r->ruf), &nruf);
		} else if (strcmp(tag, "fo") == 0) {
			/* fo = 0 / 1 / d / s, colon-separated. */
			bool ok = v.len > 0 && v.len < sizeof(r->fo);
			for (size_t k = 0; ok && k < v.len; k++)
				ok = k % 2 == 0
				         ? strchr("01ds", ea_lower(v.p[k])) &&
				               v.p[k]
				         : v.p[k] == ':';
			if (ok && v.len % 2 == 1) {
				for (size_t k = 0; k < v.len; k++)
					r->fo[k] = (char)ea_lower(v.p[k]);
				r->fo[v.len] = '\0';
			} else {
				note(r, EMAUTH_DMARC_ERROR, tag, off,
				    "fo=%s is not valid: use 0, 1, d or s, "
				    "separated by \":\" (the tag is ignored)",
				    shown);
			}
		} else {
			/* pct, rf, ri: RFC 7489 only. */
			if (mode == EMAUTH_DMARC_RFC9989)
				note(r, EMAUTH_DMARC_OBSOLETE, tag, off,
				    "%s was removed by RFC 9989 and is "
				    "ignored%s",
				    tag,
				    strcmp(tag, "pct") == 0
				        ? "; to test a policy use t=y"
				        : "");
			uint32_t n = 0;
			size_t pos = 0;
			if (strcmp(tag, "rf") == 0) {
				if (v.len == 0 || v.len >= sizeof(r->rf)) {
					note(r, EMAUTH_DMARC_ERROR, tag, off,
					    "rf is empty or too long");
				} else {
					for (size_t k = 0; k < v.len; k++)
						r->rf[k] =
						    (char)ea_lower(v.p[k]);
					r->rf[v.len] = '\0';
				}
			} else if (ea_span_uint(v, &pos, 10, &n) != 0 ||
			           pos != v.len ||
			           (strcmp(tag, "pct") == 0 && n > 100)) {
				note(r, EMAUTH_DMARC_ERROR, tag, off,
				    "%s=%s is not valid: %s (the tag is "
				    "ignored)",
				    tag, shown,
				    strcmp(tag, "pct") == 0
				        ? "a whole number from 0 to 100"
				        : "a number of seconds");
			} else if (strcmp(tag, "pct") == 0) {
				r->pct = n;
			} else {
				r->ri = n;
			}
		}
	}
	if (!r->valid)
		return 0;

	/* RFC 9989: np -> sp -> p; without a valid p, a valid rua means
	 * p=none, and otherwise this is not a policy record. */
	if (r->p_given) {
		r->has_policy = 1;
	} else if (nrua > 0) {
		r->has_policy = 1;
		r->p = EMAUTH_DMARC_NONE;
		note(r, EMAUTH_DMARC_WARNING, "p", 0,
		    "no valid p=: treated as p=none because rua= is valid; "
		    "publish p=none, quarantine or reject");
	} else {
		note(r, EMAUTH_DMARC_ERROR, "p", 0,
		    "no valid p= and no valid rua=: this record sets no "
		    "policy");
	}
	if (!r->sp_given)
		r->sp = r->p;
	if (!r->np_given)
		r->np = r->sp;
	if (mode == EMAUTH_DMARC_RFC7489 && (seen[4] || seen[5]))
		note(r, EMAUTH_DMARC_WARNING, seen[4] ? "psd" : "t", 0,
		    "psd and t are not part of RFC 7489; ignored in that "
		    "mode");
	if (mode == EMAUTH_DMARC_RFC7489) {
		r->testing = 0;
		r->psd = 'u';
	}
	return 0;
}
