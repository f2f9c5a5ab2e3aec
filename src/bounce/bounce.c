/*
 * bounce.c: emauth_bounce_parse(), the reading of a bounce. The MIME walk
 * (src/msg/mime.h) gives the parts in order: the human-readable notice
 * (text parts before the returned message; HTML with its tags removed when
 * there is no plain text), the delivery-status parts (read as they come,
 * dsn.c), the returned message or its headers (message/rfc822,
 * message/global, text/rfc822-headers), a feedback report. Then the kind
 * is decided: a feedback report (RFC 5965); a standard report when a
 * delivery-status part names recipients (the notice then adds what the
 * fields lack, text.c); a mail system's own text (text.c, the DSN fields
 * some write into a text part first); an auto-reply (RFC 3834 §5, and the
 * headers and subjects the common systems use); else not a bounce. Each
 * recipient is then classified (classify.c).
 *
 * Bounded: the walk's own caps (depth, parts, decoded bytes, header
 * size), EA_BOUNCE_NOTICE_MAX bytes of notice, EMAUTH_BOUNCE_RCPTS_MAX
 * recipients (one more refuses the whole bounce with EMAUTH_ELIMIT, never a
 * shortened list).
 */
#include "common/internal.h"

#include <stdio.h>
#include <string.h>

#include "bounce/bounce.h"
#include "common/alloc.h"
#include "common/span.h"
#include "msg/mime.h"

const char *
emauth_bounce_kind_name(enum emauth_bounce_kind k)
{
	switch (k) {
	case EMAUTH_BOUNCE_NOT:
		return "not";
	case EMAUTH_BOUNCE_DSN:
		return "dsn";
	case EMAUTH_BOUNCE_NONSTANDARD:
		return "nonstandard";
	case EMAUTH_BOUNCE_AUTOREPLY:
		return "autoreply";
	case EMAUTH_BOUNCE_FEEDBACK:
		return "feedback";
	}
	return "not";
}

struct ea_brcpt *
ea_bread_add(struct ea_bread *rd, const char *addr, size_t len)
{
	if (rd->err)
		return NULL;
	if (rd->n >= EMAUTH_BOUNCE_RCPTS_MAX) {
		rd->err = EMAUTH_ELIMIT;
		return NULL;
	}
	if (rd->n == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 8;
		if (cap > EMAUTH_BOUNCE_RCPTS_MAX)
			cap = EMAUTH_BOUNCE_RCPTS_MAX;
		struct ea_brcpt *p = ea_realloc(rd->rc, cap * sizeof(*p));
		if (p == NULL) {
			rd->err = EMAUTH_ENOMEM;
			return NULL;
		}
		rd->rc = p;
		rd->cap = cap;
	}
	struct ea_brcpt *w = &rd->rc[rd->n++];
	memset(w, 0, sizeof(*w));
	if (!ea_bounce_line(
	        w->r.recipient, sizeof(w->r.recipient), addr, len, false))
		w->r.recipient[0] = '\0';
	return w;
}

struct ea_brcpt *
ea_bread_find(struct ea_bread *rd, const char *addr, size_t len)
{
	for (size_t i = 0; i < rd->n; i++)
		if (strlen(rd->rc[i].r.recipient) == len &&
		    ea_span_ieq(ea_span(rd->rc[i].r.recipient, len),
		        ea_span(addr, len)))
			return &rd->rc[i];
	return NULL;
}

/* The walk's state. */
struct walk {
	struct ea_bread *rd;
	struct ea_buf_lite {
		char *p;
		size_t len, cap;
	} plain, html;
	bool after_original; /* a returned message was seen */
	/* A copy of the first attached message: a bounce forwarded as an
	 * attachment is read from it when the message itself says
	 * nothing. */
	uint8_t *attached;
	size_t attached_len;
};

/* Appends @len bytes to @b (LF line ends, NUL as space), up to
 * EA_BOUNCE_NOTICE_MAX; what does not fit is dropped. */
static int
lite_add(struct ea_buf_lite *b, const uint8_t *p, size_t len)
{
	if (b->len >= EA_BOUNCE_NOTICE_MAX)
		return 0;
	if (len > EA_BOUNCE_NOTICE_MAX - b->len)
		len = EA_BOUNCE_NOTICE_MAX - b->len;
	if (b->len + len + 2 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len + 2)
			cap *= 2;
		char *q = ea_realloc(b->p, cap);
		if (q == NULL)
			return EMAUTH_ENOMEM;
		b->p = q;
		b->cap = cap;
	}
	for (size_t i = 0; i < len; i++) {
		uint8_t c = p[i];
		if (c == '\r' && i + 1 < len && p[i + 1] == '\n')
			continue;
		b->p[b->len++] = c == '\0' ? ' ' : (c == '\r' ? '\n' : (char)c);
	}
	if (b->len > 0 && b->p[b->len - 1] != '\n')
		b->p[b->len++] = '\n';
	b->p[b->len] = '\0';
	return 0;
}

/* HTML to text, roughly: tags removed (a line end for those that break
 * lines), the common entities decoded, scripts and styles dropped. */
static int
html_add(struct ea_buf_lite *b, const uint8_t *p, size_t len)
{
	uint8_t out[1024];
	size_t o = 0;
	int rc = 0;
	for (size_t i = 0; i < len && rc == 0; i++) {
		if (o + 8 >= sizeof(out)) {
			rc = lite_add(b, out, o);
			o = 0;
			if (b->len >= EA_BOUNCE_NOTICE_MAX)
				break;
		}
		if (p[i] == '<') {
			size_t j = i + 1;
			bool brk = false;
			if (j < len && p[j] == '/')
				j++;
			const char *brks[] = {
			    "br", "p", "div", "tr", "li", "h", "table", "pre"};
			for (size_t k = 0; k < EA_ARRAY_LEN(brks); k++) {
				size_t n = strlen(brks[k]);
				if (j + n <= len &&
				    ea_span_istarts(
				        ea_span(p + j, len - j), brks[k]) &&
				    (j + n == len || !ea_is_alpha(p[j + n]) ||
				        brks[k][0] == 'h'))
					brk = true;
			}
			bool skip =
			    ea_span_istarts(
			        ea_span(p + i, len - i), "<style") ||
			    ea_span_istarts(ea_span(p + i, len - i), "<script");
			const uint8_t *gt = memchr(p + i, '>', len - i);
			if (gt == NULL)
				break;
			i = (size_t)(gt - p);
			if (skip) {
				const char *close = ea_bounce_ifind(
				    (const char *)p + i, len - i, "</s");
				if (close == NULL)
					break;
				const uint8_t *g2 = memchr(close, '>',
				    len - (size_t)((const uint8_t *)close - p));
				if (g2 == NULL)
					break;
				i = (size_t)(g2 - p);
			}
			out[o++] = brk ? '\n' : ' ';
			continue;
		}
		if (p[i] == '&') {
			static const struct {
				const char *ent;
				char c;
			} ents[] = {{"&nbsp;", ' '}, {"&lt;", '<'},
			    {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'},
			    {"&#39;", '\''}};
			bool done = false;
			for (size_t k = 0; k < EA_ARRAY_LEN(ents) && !done; k++)
				if (ea_span_istarts(
				        ea_span(p + i, len - i), ents[k].ent)) {
					out[o++] = (uint8_t)ents[k].c;
					i += strlen(ents[k].ent) - 1;
					done = true;
				}
			if (done)
				continue;
		}
		if (p[i] == '\r' || p[i] == '\n') {
			out[o++] = ' ';
			continue;
		}
		out[o++] = p[i];
	}
	if (rc == 0 && o > 0)
		rc = lite_add(b, out, o);
	return rc;
}

/* The header block of @msg (after an mbox "From " line). */
static struct emauth_span
header_block(struct emauth_span msg)
{
	const uint8_t *p = msg.p, *end = msg.p + msg.len;
	if (msg.len >= 5 && memcmp(p, "From ", 5) == 0) {
		const uint8_t *nl = memchr(p, '\n', msg.len);
		p = nl ? nl + 1 : end;
	}
	const uint8_t *s = p;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *le = nl ? nl : end;
		if (le == p || (le == p + 1 && *p == '\r'))
			return ea_span(s, (size_t)(p - s));
		p = nl ? nl + 1 : end;
	}
	return ea_span(s, (size_t)(end - s));
}

/* A header field's value as one line into @out; "" when absent or too
 * long for @size. */
static void
field(struct emauth_span hdr, const char *name, char *out, size_t size)
{
	char tmp[EA_BOUNCE_LINE_MAX];
	out[0] = '\0';
	int n = ea_mime_header(hdr, name, tmp, sizeof(tmp));
	if (n > 0)
		ea_bounce_line(out, size, tmp, (size_t)n, false);
}

/* The returned message's fields, from its header block @hdr. */
static void
original_fields(struct ea_bread *rd, struct emauth_span hdr)
{
	if (hdr.len > EA_BOUNCE_ORIG_MAX)
		hdr.len = EA_BOUNCE_ORIG_MAX;
	field(hdr, "message-id", rd->o_message_id, sizeof(rd->o_message_id));
	field(hdr, "from", rd->o_from, sizeof(rd->o_from));
	field(hdr, "to", rd->o_to, sizeof(rd->o_to));
	field(hdr, "subject", rd->o_subject, sizeof(rd->o_subject));
	field(hdr, "return-path", rd->o_return_path, sizeof(rd->o_return_path));
	rd->has_original = rd->o_message_id[0] || rd->o_from[0] ||
	                   rd->o_to[0] || rd->o_subject[0] ||
	                   rd->o_return_path[0];
}

static int
each_part(void *arg, const struct ea_mime_part *p)
{
	struct walk *w = arg;
	struct ea_bread *rd = w->rd;
	int rc = 0;

	if (strcmp(p->type, "message/delivery-status") == 0 ||
	    strcmp(p->type, "message/global-delivery-status") == 0) {
		rd->has_dsn = true;
		rc = ea_bounce_dsn_read(rd, p->body, false);
		return rc < 0 ? rc : 0;
	}
	if (strcmp(p->type, "message/feedback-report") == 0) {
		rd->has_feedback = true;
		return 0;
	}
	if (p->is_message || strcmp(p->type, "text/rfc822-headers") == 0 ||
	    strcmp(p->type, "message/rfc822-headers") == 0 ||
	    strcmp(p->type, "message/global-headers") == 0) {
		if (!w->after_original) {
			original_fields(rd, header_block(p->body));
			if (p->is_message && p->body.len > 0) {
				size_t n = p->body.len < EA_BOUNCE_DSN_MAX
				               ? p->body.len
				               : EA_BOUNCE_DSN_MAX;
				w->attached = ea_malloc(n);
				if (w->attached == NULL)
					return EMAUTH_ENOMEM;
				memcpy(w->attached, p->body.p, n);
				w->attached_len = n;
			}
		}
		w->after_original = true;
		return 0;
	}
	if (w->after_original || p->depth > 3)
		return 0;
	if (strcmp(p->type, "text/plain") == 0 ||
	    strcmp(p->type, "text/enriched") == 0)
		rc = lite_add(&w->plain, p->body.p, p->body.len);
	else if (strcmp(p->type, "text/html") == 0)
		rc = html_add(&w->html, p->body.p, p->body.len);
	return rc;
}

/* Words of a subject or sender that say a message is a bounce, not an
 * auto-reply. */
static bool
bouncy(const struct ea_bread *rd)
{
	static const char *const words[] = {"mailer-daemon", "postmaster",
	    "mail delivery", "undeliver", "delivery fail", "failure notice",
	    "returned mail", "bounce", "delivery status", "non-delivery",
	    "not delivered", "could not be delivered", NULL};
	for (size_t i = 0; words[i]; i++)
		if (ea_bounce_ifind(rd->from, strlen(rd->from), words[i]) ||
		    ea_bounce_ifind(rd->subject, strlen(rd->subject), words[i]))
			return true;
	return false;
}

/* RFC 3834 §5: Auto-Submitted: auto-replied; and what the common systems
 * write instead (Microsoft's and Apple's headers, the subjects). */
static bool
autoreply(const struct ea_bread *rd)
{
	static const char *const subjects[] = {"auto:", "automatic reply",
	    "auto reply", "auto-reply", "autoreply", "auto response",
	    "autoresponse", "out of office", "out of the office", "vacation",
	    "away from", "away until", "abwesenheit", "absence", NULL};
	if (bouncy(rd))
		return false;
	if (strncmp(rd->auto_submitted, "auto-replied", 12) == 0 ||
	    rd->autoreply_header)
		return true;
	for (size_t i = 0; subjects[i]; i++) {
		const char *at = ea_bounce_ifind(
		    rd->subject, strlen(rd->subject), subjects[i]);
		if (at != NULL && at - rd->subject < 4)
			return true;
	}
	return false;
}

/* The address in a From field's value. */
static void
from_address(const char *v, char *out, size_t size)
{
	const char *lt = strrchr(v, '<');
	const char *p = lt ? lt : v, *end = v + strlen(v);
	out[0] = '\0';
	for (; p < end; p++) {
		if (ea_bounce_addr_at(p, end, out, size) > 0)
			return;
	}
}

/* Finds the returned message's header block quoted in the notice, after
 * a marker line, and cuts the notice there. */
static void
inline_original(struct ea_bread *rd)
{
	static const char *const markers[] = {"this is a copy of the message",
	    "this is a copy of your message",
	    "below this line is a copy of the message",
	    "original headers of the message", "unsent message follows",
	    "original message follows", "header of the original message",
	    "returned message --", "copy of the message header",
	    "-------original message", "-------original mail info",
	    "message headers follow", "message text follows",
	    "original message:", "undelivered message follows",
	    "original message --", "message follows",
	    "original mail as follows", "returned message follows",
	    "headers of your message follow", "content-type: message/rfc822",
	    "content-type: text/rfc822-headers", "bounced e-mail:", NULL};
	if (rd->notice == NULL)
		return;
	const char *best = NULL;
	for (size_t i = 0; markers[i]; i++) {
		const char *at =
		    ea_bounce_ifind(rd->notice, rd->notice_len, markers[i]);
		if (at != NULL && (best == NULL || at < best))
			best = at;
	}
	if (best == NULL)
		return;
	/* The marker's line. */
	while (best > rd->notice && best[-1] != '\n')
		best--;
	const char *nl =
	    memchr(best, '\n', rd->notice_len - (size_t)(best - rd->notice));
	const char *hs = nl ? nl + 1 : rd->notice + rd->notice_len;
	const char *end = rd->notice + rd->notice_len;
	/* Skip blank lines and rules, and quoting ("   Return-Path:"). */
	while (hs < end && (*hs == '\n' || *hs == '-' || *hs == '=')) {
		const char *n2 = memchr(hs, '\n', (size_t)(end - hs));
		hs = n2 ? n2 + 1 : end;
	}
	if (!rd->has_original) {
		/* Lines quoted by indentation are taken as they are: the
		 * field reader looks for "Name:" at a line's start only. */
		struct emauth_span hdr =
		    header_block(ea_span(hs, (size_t)(end - hs)));
		original_fields(rd, hdr);
		if (!rd->has_original) {
			/* Indented headers (FML): unindent a copy. */
			size_t n = hdr.len < 65536 ? hdr.len : 65536;
			char *copy = ea_malloc(n + 1);
			size_t o = 0;
			if (copy == NULL)
				rd->err = EMAUTH_ENOMEM;
			if (copy != NULL) {
				bool bol = true;
				for (size_t i = 0; i < n; i++) {
					char c = (char)hdr.p[i];
					if (bol && (c == ' ') && i + 1 < n &&
					    hdr.p[i + 1] != ' ' &&
					    hdr.p[i + 1] != '\t' && o > 0 &&
					    copy[o - 1] == '\n')
						continue;
					if (bol && c == ' ')
						continue;
					bol = c == '\n';
					copy[o++] = c;
				}
				original_fields(rd, ea_span(copy, o));
				ea_free(copy);
			}
		}
	}
	{
		const char *me = memchr(
		    best, '\n', rd->notice_len - (size_t)(best - rd->notice));
		size_t ml = me ? (size_t)(me - best) : strlen(best);
		ea_bounce_line(rd->marker, sizeof(rd->marker), best, ml, true);
	}
	/* The notice ends where the returned message begins. */
	rd->notice_len = (size_t)(best - rd->notice);
	rd->notice[rd->notice_len] = '\0';
}

/* Copies the recipients out. */
static int
make_result(struct ea_bread *rd, enum emauth_bounce_kind kind,
    struct emauth_bounce **out)
{
	struct emauth_bounce *b = ea_calloc(1, sizeof(*b));
	if (b == NULL)
		return EMAUTH_ENOMEM;
	b->kind = kind;
	ea_copy_str(b->system, sizeof(b->system), rd->system);
	ea_copy_str(
	    b->reporting_mta, sizeof(b->reporting_mta), rd->reporting_mta);
	b->arrival = rd->arrival ? rd->arrival : rd->date;
	ea_copy_str(b->original_message_id, sizeof(b->original_message_id),
	    rd->o_message_id);
	ea_copy_str(b->original_from, sizeof(b->original_from), rd->o_from);
	ea_copy_str(b->original_to, sizeof(b->original_to), rd->o_to);
	ea_copy_str(
	    b->original_subject, sizeof(b->original_subject), rd->o_subject);
	ea_copy_str(b->original_return_path, sizeof(b->original_return_path),
	    rd->o_return_path);
	if (kind != EMAUTH_BOUNCE_NOT && rd->n > 0) {
		b->rcpts = ea_calloc(rd->n, sizeof(*b->rcpts));
		if (b->rcpts == NULL) {
			ea_free(b);
			return EMAUTH_ENOMEM;
		}
		for (size_t i = 0; i < rd->n; i++)
			b->rcpts[i] = rd->rc[i].r;
		b->nrcpts = rd->n;
	}
	*out = b;
	return 0;
}

/* Drops recipients without an address (a group that named none). */
static void
compact(struct ea_bread *rd)
{
	size_t o = 0;
	for (size_t i = 0; i < rd->n; i++)
		if (rd->rc[i].r.recipient[0] != '\0')
			rd->rc[o++] = rd->rc[i];
	rd->n = o;
}

/* Ours: how deep a bounce forwarded as an attachment is looked for. */
#define ATTACHED_DEPTH_MAX 2

static int parse(struct emauth_span msg, struct emauth_bounce **out, char *err,
    size_t errsize, unsigned depth);

int
emauth_bounce_parse(struct emauth_span msg, struct emauth_bounce **out,
    char *err, size_t errsize)
{
	return parse(msg, out, err, errsize, 0);
}

/* The body of @msg after its header block, as notice text (the MIME
 * structure could not be followed: a boundary that never comes). */
static int
raw_notice(struct ea_bread *rd, struct emauth_span msg, struct emauth_span top)
{
	const uint8_t *b = top.p + top.len, *end = msg.p + msg.len;
	struct ea_buf_lite lb;
	memset(&lb, 0, sizeof(lb));
	while (b < end && (*b == '\r' || *b == '\n'))
		b++;
	if (b >= end)
		return 0;
	if (lite_add(&lb, b, (size_t)(end - b)) != 0) {
		ea_free(lb.p);
		return EMAUTH_ENOMEM;
	}
	ea_free(rd->notice);
	rd->notice = lb.p;
	rd->notice_len = lb.len;
	return 0;
}

static int
parse(struct emauth_span msg, struct emauth_bounce **out, char *err,
    size_t errsize, unsigned depth)
{
	struct ea_bread *rd = NULL;
	struct walk w;
	enum emauth_bounce_kind kind = EMAUTH_BOUNCE_NOT;
	char tmp[320];
	int rc;

	memset(&w, 0, sizeof(w));
	if (err != NULL && errsize > 0)
		err[0] = '\0';
	if (out == NULL)
		return EMAUTH_EINVAL;
	*out = NULL;
	if (msg.p == NULL && msg.len > 0)
		return EMAUTH_EINVAL;
	rd = ea_calloc(1, sizeof(*rd));
	if (rd == NULL)
		return EMAUTH_ENOMEM;
	w.rd = rd;

	struct emauth_span top = header_block(msg);
	field(top, "from", rd->from, sizeof(rd->from));
	field(top, "to", rd->to, sizeof(rd->to));
	field(top, "subject", rd->subject, sizeof(rd->subject));
	field(top, "x-failed-recipients", rd->failed_rcpts,
	    sizeof(rd->failed_rcpts));
	field(top, "auto-submitted", tmp, sizeof(tmp));
	ea_lower_copy(rd->auto_submitted, (const uint8_t *)tmp,
	    strnlen(tmp, sizeof(rd->auto_submitted) - 1));
	rd->auto_submitted[strnlen(tmp, sizeof(rd->auto_submitted) - 1)] = '\0';
	field(top, "date", tmp, sizeof(tmp));
	if (tmp[0])
		(void)ea_bounce_date(tmp, &rd->date);
	field(top, "content-type", tmp, sizeof(tmp));
	{
		size_t n = strcspn(tmp, "; \t");
		if (n >= sizeof(rd->content_type))
			n = sizeof(rd->content_type) - 1;
		ea_lower_copy(rd->content_type, (const uint8_t *)tmp, n);
		rd->content_type[n] = '\0';
		const char *rt =
		    ea_bounce_ifind(tmp, strlen(tmp), "report-type=");
		if (rt != NULL) {
			rt += 12;
			if (*rt == '"')
				rt++;
			n = strcspn(rt, "\"; \t");
			if (n >= sizeof(rd->report_type))
				n = sizeof(rd->report_type) - 1;
			ea_lower_copy(rd->report_type, (const uint8_t *)rt, n);
			rd->report_type[n] = '\0';
		}
	}
	{
		static const char *const names[] = {"x-autoreply",
		    "x-autorespond", "x-apple-action", "x-autoresponse",
		    "x-auto-response", NULL};
		for (size_t i = 0; names[i]; i++) {
			field(top, names[i], tmp, sizeof(tmp));
			if (tmp[0] &&
			    (strcmp(names[i], "x-apple-action") != 0 ||
			        ea_bounce_ifind(tmp, strlen(tmp), "vacation")))
				rd->autoreply_header = true;
		}
		field(top, "precedence", tmp, sizeof(tmp));
		if (ea_bounce_ifind(tmp, strlen(tmp), "auto_reply"))
			rd->autoreply_header = true;
	}

	rc = ea_mime_walk(msg, NULL, each_part, &w, err, errsize);
	if (rc == 0 && rd->err)
		rc = rd->err;
	if (rc != 0) {
		if (rc == EMAUTH_ELIMIT && err != NULL && err[0] == '\0')
			ea_fmt(err, errsize, "more than %u recipients",
			    EMAUTH_BOUNCE_RCPTS_MAX);
		goto out;
	}
	/* The notice: the plain text, else the HTML's text. */
	if (w.plain.len > 0) {
		rd->notice = w.plain.p;
		rd->notice_len = w.plain.len;
		w.plain.p = NULL;
	} else if (w.html.len > 0) {
		rd->notice = w.html.p;
		rd->notice_len = w.html.len;
		rd->notice_html = true;
		w.html.p = NULL;
	}
	if (rd->notice == NULL && !rd->has_dsn &&
	    strncmp(rd->content_type, "multipart/", 10) == 0) {
		if ((rc = raw_notice(rd, msg, top)) != 0)
			goto out;
		if (ea_bounce_ifind(rd->notice, rd->notice_len,
		        "message/delivery-status") != NULL)
			rd->has_dsn = true;
	}
	inline_original(rd);

	if (rd->has_feedback ||
	    strcmp(rd->report_type, "feedback-report") == 0) {
		kind = EMAUTH_BOUNCE_FEEDBACK;
		rd->n = 0;
		ea_copy_str(rd->system, sizeof(rd->system), "arf");
		goto done;
	}
	compact(rd);
	if (rd->n > 0) {
		kind = EMAUTH_BOUNCE_DSN;
		ea_copy_str(rd->system, sizeof(rd->system), "rfc3464");
		ea_bounce_text_enrich(rd);
	} else {
		rc = 0;
		if (rd->notice != NULL &&
		    ea_bounce_ifind(
		        rd->notice, rd->notice_len, "final-recipient:") != NULL)
			rc = ea_bounce_dsn_read(
			    rd, ea_span(rd->notice, rd->notice_len), true);
		if (rc < 0)
			goto out;
		compact(rd);
		if (rd->n > 0) {
			kind = rd->has_dsn ? EMAUTH_BOUNCE_DSN
			                   : EMAUTH_BOUNCE_NONSTANDARD;
			ea_bounce_text_enrich(rd);
			if (rd->system[0] == '\0')
				ea_copy_str(
				    rd->system, sizeof(rd->system), "rfc3464");
		} else if (autoreply(rd)) {
			struct ea_brcpt *r;
			kind = EMAUTH_BOUNCE_AUTOREPLY;
			from_address(rd->from, tmp, sizeof(tmp));
			r = ea_bread_add(rd, tmp, strlen(tmp));
			if (r == NULL) {
				rc = rd->err;
				goto out;
			}
			ea_copy_str(r->preset, sizeof(r->preset), "vacation");
			if (rd->notice != NULL)
				ea_bounce_line(r->r.diagnostic,
				    sizeof(r->r.diagnostic), rd->notice,
				    rd->notice_len, true);
			ea_copy_str(rd->system, sizeof(rd->system), "rfc3834");
		} else {
			rc = ea_bounce_text_read(rd);
			if (rc < 0)
				goto out;
			compact(rd);
			if (rd->n > 0)
				kind = EMAUTH_BOUNCE_NONSTANDARD;
			else
				rd->system[0] = '\0';
		}
	}
	if (rd->err) {
		rc = rd->err;
		goto out;
	}
	/* A recipient whose address could not be kept (too long for its
	 * array) is not given; a report left without any is not one. */
	compact(rd);
	if (rd->n == 0 && kind != EMAUTH_BOUNCE_FEEDBACK) {
		kind = EMAUTH_BOUNCE_NOT;
		rd->system[0] = '\0';
	}
	if (kind == EMAUTH_BOUNCE_NOT && w.attached != NULL &&
	    depth < ATTACHED_DEPTH_MAX) {
		/* A bounce forwarded as an attachment. */
		struct emauth_bounce *inner = NULL;
		rc = parse(ea_span(w.attached, w.attached_len), &inner, err,
		    errsize, depth + 1);
		if (rc == 0 && inner->kind != EMAUTH_BOUNCE_NOT &&
		    inner->kind != EMAUTH_BOUNCE_AUTOREPLY) {
			*out = inner;
			goto out;
		}
		emauth_bounce_free(inner);
		if (rc == EMAUTH_ENOMEM || rc == EMAUTH_ELIMIT)
			goto out;
		rc = 0;
		if (err != NULL && errsize > 0)
			err[0] = '\0';
	}
	for (size_t i = 0; i < rd->n; i++)
		ea_bounce_finish(&rd->rc[i]);
done:
	rc = make_result(rd, kind, out);
out:
	if (rc == EMAUTH_ENOMEM && err != NULL && errsize > 0 && !err[0])
		ea_fmt(err, errsize, "out of memory");
	ea_free(w.plain.p);
	ea_free(w.html.p);
	ea_free(w.attached);
	ea_free(rd->notice);
	ea_free(rd->rc);
	ea_free(rd);
	return rc;
}

void
emauth_bounce_free(struct emauth_bounce *b)
{
	if (b == NULL)
		return;
	ea_free(b->rcpts);
	ea_free(b);
}
