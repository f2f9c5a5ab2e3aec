/*
 * text.c: the bounces mail systems write in their own words, which are
 * most of what arrives (Postfix, Sendmail, Exim and qmail without a
 * delivery-status part, Exchange 2003, Lotus Notes and Domino, Google
 * Groups, the mobile carriers' gateways, ...). The notice (the text before
 * the returned message) is cut into lines; a line that names a recipient
 * is an anchor, the lines after it up to the next anchor are what the
 * system said about that recipient (or, when nothing follows, the
 * paragraph just above it: Notes and some gateways put the reason
 * first). The shapes of anchor lines:
 *
 *   <user@example.org>:               qmail, Postfix, and their kin
 *   <user@example.org>: host ... said: 550 ...
 *     user@example.org                Exim (two spaces), Sendmail's list
 *   user@example.org on DATE          Exchange 2003
 *   Recipient: <user@example.org>     and the like: "Could not be
 *                                     delivered to:", "RCPT TO:", ...
 *   Unknown user: user@example.org    IMail: the reason first
 *   554 <user@example.org>... text    Sendmail's transcript
 *
 * Sendmail's transcript is read for what it adds: the command each reply
 * answered (">>> RCPT To:<...>", "<<< 550 ..."). The SMTP command is taken
 * from the systems' phrases ("in reply to RCPT TO command", "after MAIL
 * FROM", "does not like recipient", ...). A few systems decide the reason
 * in their own words (a Google Groups refusal, an Exim pipe or a malformed
 * address, a mailing list's refusal); those set it directly.
 *
 * Bounded: EA_BOUNCE_LINES_MAX lines, EA_BOUNCE_LINE_MAX bytes of a line
 * looked at, the recipients' cap of bounce.c.
 */
#include "common/internal.h"

#include <string.h>

#include "bounce/bounce.h"
#include "common/alloc.h"
#include "common/span.h"

struct tline {
	const char *p;
	size_t len;
	int anchor;  /* the recipient it names + 1, or 0 */
	size_t rest; /* an anchor's text after the address */
	bool before; /* an anchor whose reason is before the address */
};

struct text {
	struct ea_bread *rd;
	char *buf; /* the notice, unquoted */
	size_t len;
	struct tline *ln;
	size_t n;
	/* Addresses that are the sender's, not recipients. */
	char skip[3][320];
};

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether line @i holds @needle (case-insensitive). */
static const char *
line_has(const struct text *t, size_t i, const char *needle)
{
	if (i >= t->n)
		return NULL;
	size_t len = t->ln[i].len;
	if (len > EA_BOUNCE_LINE_MAX)
		len = EA_BOUNCE_LINE_MAX;
	return ea_bounce_ifind(t->ln[i].p, len, needle);
}

/* Whether the notice holds @needle. */
static bool
text_has(const struct text *t, const char *needle)
{
	return ea_bounce_ifind(t->buf, t->len, needle) != NULL;
}

static bool
blank(const struct text *t, size_t i)
{
	for (size_t k = 0; k < t->ln[i].len; k++)
		if (!is_wsp(t->ln[i].p[k]))
			return false;
	return true;
}

/* Leading white space of line @i. */
static size_t
indent(const struct text *t, size_t i)
{
	size_t k = 0;
	while (k < t->ln[i].len && is_wsp(t->ln[i].p[k]))
		k++;
	return k;
}

/* Splits the notice into lines; a forwarded bounce quoted with "> " is
 * unquoted first. */
static int
split(struct text *t, const char *s, size_t len)
{
	size_t quoted = 0, lines = 0;
	t->buf = ea_malloc(len + 1);
	if (t->buf == NULL)
		return EMAUTH_ENOMEM;
	for (size_t i = 0; i < len; i++)
		if (i == 0 || s[i - 1] == '\n') {
			lines++;
			quoted += s[i] == '>';
		}
	bool unquote = lines > 4 && quoted * 2 > lines;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (unquote && (i == 0 || s[i - 1] == '\n') && s[i] == '>') {
			if (i + 1 < len && s[i + 1] == ' ')
				i++;
			continue;
		}
		t->buf[o++] = s[i];
	}
	t->buf[o] = '\0';
	t->len = o;

	size_t cap = 0;
	for (size_t i = 0; i < o; i++)
		cap += t->buf[i] == '\n';
	cap++;
	if (cap > EA_BOUNCE_LINES_MAX)
		cap = EA_BOUNCE_LINES_MAX;
	t->ln = ea_calloc(cap, sizeof(*t->ln));
	if (t->ln == NULL)
		return EMAUTH_ENOMEM;
	const char *p = t->buf, *end = t->buf + o;
	while (p < end && t->n < cap) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		t->ln[t->n].p = p;
		t->ln[t->n].len = (size_t)(le - p);
		t->n++;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* Whether @addr is one of the sender's. */
static bool
skipped(const struct text *t, const char *addr)
{
	for (size_t i = 0; i < EA_ARRAY_LEN(t->skip); i++)
		if (t->skip[i][0] && strlen(t->skip[i]) == strlen(addr) &&
		    ea_span_ieq(ea_span_str(t->skip[i]), ea_span_str(addr)))
			return true;
	return false;
}

/* The first address in a field value @v into @out. */
static void
first_address(const char *v, char *out, size_t size)
{
	const char *end = v + strlen(v);
	out[0] = '\0';
	const char *lt = strchr(v, '<');
	if (lt != NULL && ea_bounce_addr_at(lt, end, out, size) > 0)
		return;
	for (const char *p = v; p < end; p++)
		if ((p == v || !ea_is_alpha((uint8_t)p[-1])) &&
		    ea_bounce_addr_at(p, end, out, size) > 0)
			return;
}

/* The address at the start of @p (after "<"), with its length in the
 * line. */
static size_t
addr_start(const char *p, const char *end, char *out, size_t size)
{
	size_t n = ea_bounce_addr_at(p, end, out, size);
	if (n == 0)
		return 0;
	/* The consumed bytes: the address and its brackets. */
	return *p == '<' ? n + 2 : n;
}

/* Prefixes after which a recipient's address follows. */
static const char *const prefixes[] = {
    "recipient:", "recipient address:", "could not be delivered to:",
    "unable to deliver message to:", "undeliverable to ",
    "did not reach the following recipient:", ">>> rcpt to:", "rcpt to:",
    "failed recipient:", "to the following address:",
    "delivery to the following recipient failed permanently:",
    "returned permanent errors:", "rejected recipient ",
    "error delivering your mail to", "* ", "- ", ">>> ", NULL};

/*
 * Whether line @i names a recipient; its address into @addr. @rest: where
 * the text after the address starts; @before: the reason precedes the
 * address on the line ("Unknown user: user@example.org").
 */
static bool
anchor(const struct text *t, size_t i, char *addr, size_t size, size_t *rest,
    bool *before)
{
	const char *p = t->ln[i].p, *end = p + t->ln[i].len;
	const char *s = p;
	size_t n;
	*before = false;
	while (s < end && is_wsp(*s))
		s++;
	/* Header fields of a quoted message and envelope senders. */
	static const char *const not_rcpt[] = {"from:", "to:", "cc:", "bcc:",
	    "reply-to:", "return-path:", "sender:", "mail from:", ">>> mail",
	    "message-id:", "in-reply-to:", "references:", "received:", "x-",
	    "envelope-from", "by ", "for ", "(envelope", "delivered-to", NULL};
	for (size_t k = 0; not_rcpt[k]; k++)
		if (ea_span_istarts(ea_span(s, (size_t)(end - s)), not_rcpt[k]))
			return false;
	/* "554 <user@example.org>... text" (Sendmail's transcript). */
	if (end - s > 5 && ea_is_digit((uint8_t)s[0]) &&
	    ea_is_digit((uint8_t)s[1]) && ea_is_digit((uint8_t)s[2]) &&
	    s[3] == ' ' && s[4] == '<' &&
	    (n = addr_start(s + 4, end, addr, size)) > 0) {
		const char *r = s + 4 + n;
		if (end - r >= 3 && memcmp(r, "...", 3) == 0) {
			*rest = (size_t)(r + 3 - p);
			return true;
		}
		return false;
	}
	if (*s == '<' || ea_is_alpha((uint8_t)*s) || ea_is_digit((uint8_t)*s) ||
	    *s == '"') {
		n = addr_start(s, end, addr, size);
		if (n > 0) {
			const char *r = s + n;
			/* What may follow an address that is a line's
			 * subject. */
			if (r == end || *r == ':' || *r == ',' ||
			    (r + 3 <= end && memcmp(r, "...", 3) == 0) ||
			    ea_span_istarts(
			        ea_span(r, (size_t)(end - r)), " on ") ||
			    ea_span_istarts(
			        ea_span(r, (size_t)(end - r)), " [") ||
			    ea_span_istarts(
			        ea_span(r, (size_t)(end - r)), " (") ||
			    ea_span_istarts(
			        ea_span(r, (size_t)(end - r)), " <") ||
			    ea_span_istarts(
			        ea_span(r, (size_t)(end - r)), " ...") ||
			    ea_span_istarts(
			        ea_span(r, (size_t)(end - r)), "  ") ||
			    (r + 1 == end && (*r == '.' || *r == ' '))) {
				while (r < end &&
				       (*r == ':' || *r == '.' || *r == ','))
					r++;
				*rest = (size_t)(r - p);
				return true;
			}
		}
	}
	for (size_t k = 0; prefixes[k]; k++) {
		const char *at =
		    ea_bounce_ifind(s, (size_t)(end - s), prefixes[k]);
		if (at == NULL)
			continue;
		/* The short prefixes only at the line's start. */
		if (strlen(prefixes[k]) <= 9 && at != s)
			continue;
		const char *a = at + strlen(prefixes[k]);
		while (a < end && is_wsp(*a))
			a++;
		n = addr_start(a, end, addr, size);
		if (n > 0) {
			*rest = (size_t)(a + n - p);
			return true;
		}
	}
	/* "Reason words: user@example.org" at the line's end. */
	if (end - s > 4) {
		const char *e = end;
		while (e > s && is_wsp(e[-1]))
			e--;
		const char *a = e;
		while (a > s && !is_wsp(a[-1]))
			a--;
		if (a > s + 1 && a[-2] == ':' &&
		    addr_start(a, e, addr, size) == (size_t)(e - a) &&
		    !ea_bounce_ifind(s, (size_t)(a - s), "address:")) {
			*rest = (size_t)(a - 2 - p);
			*before = true;
			return true;
		}
	}
	return false;
}

/* Appends line text to the diagnostic being built. */
struct dbuf {
	char b[2048];
	size_t n;
};

static void
dadd(struct dbuf *d, const char *p, size_t len)
{
	while (len > 0 && is_wsp(*p)) {
		p++;
		len--;
	}
	while (len > 0 && is_wsp(p[len - 1]))
		len--;
	bool words = false;
	for (size_t k = 0; k < len && !words; k++)
		words = ea_is_alpha((uint8_t)p[k]) ||
		        ea_is_digit((uint8_t)p[k]) || (uint8_t)p[k] >= 0x80;
	if (!words)
		return;
	if (d->n > 0 && d->n < sizeof(d->b) - 1)
		d->b[d->n++] = ' ';
	if (len > sizeof(d->b) - 1 - d->n)
		len = sizeof(d->b) - 1 - d->n;
	memcpy(d->b + d->n, p, len);
	d->n += len;
	d->b[d->n] = '\0';
}

/* Lines that are layout or the system's boilerplate, not the reason. */
static bool
noise(const struct text *t, size_t i)
{
	static const char *const words[] = {"-----", "=====", "_____",
	    "for the following reason", "this has been a permanent failure",
	    "no further delivery attempts", "the following recipient",
	    "the following address", "technical details", "please contact",
	    "giving up on", "if you do so", "the mail system", "your message",
	    "did not reach", "this is the", "for further assistance", "----",
	    "it responded as follows", NULL};
	for (size_t k = 0; words[k]; k++) {
		const char *at = line_has(t, i, words[k]);
		if (at != NULL && (size_t)(at - t->ln[i].p) <= indent(t, i))
			return true;
	}
	return false;
}

/* The SMTP command the words of @s name. */
static void
command_of(const char *s, size_t len, char cmd[8])
{
	static const struct {
		const char *words;
		const char *cmd;
	} table[] = {{"in reply to rcpt to", "RCPT"}, {"after rcpt to", "RCPT"},
	    {">>> rcpt", "RCPT"}, {"does not like recipient", "RCPT"},
	    {"smtp:rcpt", "RCPT"}, {"following rcpt command", "RCPT"},
	    {"rcpt to response", "RCPT"}, {"in reply to mail from", "MAIL"},
	    {"after mail from", "MAIL"}, {">>> mail from", "MAIL"},
	    {"sender was rejected", "MAIL"},
	    {"in reply to end of data", "DATA"}, {"in reply to data", "DATA"},
	    {"after end of data", "DATA"}, {"after data", "DATA"},
	    {">>> data", "DATA"}, {"final data", "DATA"},
	    {"failed after i sent the message", "DATA"},
	    {"command for text", "DATA"}, {"(data)", "DATA"},
	    {"smtp command\ndata", "DATA"}, {"did not like our rcpt", "RCPT"},
	    {"did not like our mail", "MAIL"},
	    {"did not like our final data", "DATA"},
	    {"did not like our data", "DATA"},
	    {"after initial connection", "CONN"},
	    {"refused to talk to me", "CONN"}, {"greeting", "CONN"},
	    {"in reply to ehlo", "EHLO"}, {"in reply to helo", "EHLO"},
	    {"after ehlo", "EHLO"}, {"after helo", "EHLO"},
	    {"my name was rejected", "EHLO"}, {">>> ehlo", "EHLO"},
	    {">>> helo", "EHLO"}};
	const char *best = NULL;
	for (size_t k = 0; k < EA_ARRAY_LEN(table); k++) {
		const char *at = ea_bounce_ifind(s, len, table[k].words);
		if (at != NULL && (best == NULL || at < best)) {
			best = at;
			ea_copy_str(cmd, 8, table[k].cmd);
		}
	}
}

/* The command that is the first word of @s ("DATA", "RCPT TO:..."). */
static void
command_of_word(const char *s, size_t len, char cmd[8])
{
	static const char *const words[] = {
	    "RCPT", "MAIL", "DATA", "EHLO", "HELO"};
	while (len > 0 && is_wsp(*s)) {
		s++;
		len--;
	}
	for (size_t k = 0; k < EA_ARRAY_LEN(words); k++)
		if (ea_span_istarts(ea_span(s, len), words[k]))
			ea_copy_str(cmd, 8,
			    strcmp(words[k], "HELO") == 0 ? "EHLO" : words[k]);
}

/* Sets the command of @w from the text @s when it is not known. */
static void
command_set(struct ea_brcpt *w, const char *s, size_t len)
{
	if (w->command[0] == '\0')
		command_of(s, len, w->command);
}

/* The remote host a Postfix or qmail line names ("host mx[ip] said",
 * "Remote host said", "SMTP error from remote mail server ... host X"). */
static void
remote_of(struct ea_brcpt *w, const char *s)
{
	const char *h = strstr(s, "host ");
	if (w->r.remote_mta[0] || h == NULL)
		return;
	h += 5;
	size_t n = 0;
	while ((ea_is_alpha((uint8_t)h[n]) || ea_is_digit((uint8_t)h[n]) ||
	           h[n] == '.' || h[n] == '-') &&
	       n < 255)
		n++;
	if (n > 3 && memchr(h, '.', n) != NULL) {
		memcpy(w->r.remote_mta, h, n);
		w->r.remote_mta[n] = '\0';
	}
}

/* The paragraph just above line @i (blank lines skipped, at most 6
 * lines, rules and boilerplate left out), into @d. */
static void
above(const struct text *t, size_t i, size_t floor, struct dbuf *d)
{
	size_t k = i;
	while (k > floor && blank(t, k - 1))
		k--;
	size_t top = k;
	while (top > floor && !blank(t, top - 1) && k - top < 6 &&
	       !t->ln[top - 1].anchor)
		top--;
	for (size_t j = top; j < k; j++)
		if (!noise(t, j))
			dadd(d, t->ln[j].p, t->ln[j].len);
}

/* Words that end a recipient's block: what follows is about the message,
 * not the recipient. */
static bool
block_end(const struct text *t, size_t i)
{
	static const char *const words[] = {"original message",
	    "message follows", "--- below this line", "included is a copy",
	    "the original message was received",
	    "reporting-mta:", "no action is required",
	    "message details:", "the attachment contains", "please verify",
	    NULL};
	static const char *const fields[] = {
	    "received:", "subject:", "date:", "message-id:", "return-path:",
	    "mime-version:", "content-type:", NULL};
	for (size_t k = 0; words[k]; k++)
		if (line_has(t, i, words[k]))
			return true;
	/* The returned message's header block, quoted without a marker. */
	for (size_t k = 0; fields[k]; k++)
		if (ea_span_istarts(
		        ea_span(t->ln[i].p, t->ln[i].len), fields[k]))
			return true;
	return false;
}

/* Reads the anchors' blocks. @return recipients added, or rd->err. */
static int
read_anchors(struct text *t, size_t from, size_t to)
{
	struct ea_bread *rd = t->rd;
	char addr[320];
	size_t rest;
	bool before;
	int added = 0;
	struct dbuf *d = ea_malloc(sizeof(*d));
	if (d == NULL) {
		rd->err = EMAUTH_ENOMEM;
		return rd->err;
	}
	size_t first = rd->n;
	for (size_t pass = 0; pass < 2 && added == 0; pass++) {
		for (size_t i = from; i < to; i++) {
			t->ln[i].anchor = 0;
			if (!anchor(t, i, addr, sizeof(addr), &rest, &before))
				continue;
			/* The first pass leaves the sender's addresses out;
			 * when nothing else is named, the second takes
			 * them. */
			if (pass == 0 && skipped(t, addr))
				continue;
			struct ea_brcpt *w = NULL;
			for (size_t k = first; k < rd->n; k++)
				if (strlen(rd->rc[k].r.recipient) ==
				        strlen(addr) &&
				    ea_span_ieq(
				        ea_span_str(rd->rc[k].r.recipient),
				        ea_span_str(addr)))
					w = &rd->rc[k];
			if (w != NULL)
				continue;
			w = ea_bread_add(rd, addr, strlen(addr));
			if (w == NULL) {
				ea_free(d);
				return rd->err;
			}
			t->ln[i].anchor = (int)(w - rd->rc) + 1;
			t->ln[i].rest = rest;
			t->ln[i].before = before;
			added++;
		}
	}
	/* Each anchor's block. */
	for (size_t i = from; i < t->n; i++) {
		if (!t->ln[i].anchor)
			continue;
		struct ea_brcpt *w = &rd->rc[t->ln[i].anchor - 1];
		size_t j;
		d->n = 0;
		d->b[0] = '\0';
		if (t->ln[i].before)
			dadd(d, t->ln[i].p, t->ln[i].rest);
		else
			dadd(d, t->ln[i].p + t->ln[i].rest,
			    t->ln[i].len - t->ln[i].rest);
		bool seen = d->n > 0;
		for (j = i + 1; j < t->n && !t->ln[j].anchor; j++) {
			if (block_end(t, j))
				break;
			if (blank(t, j)) {
				/* A blank line ends the block once something
				 * was said, unless indented text goes on. */
				size_t k = j;
				while (k < t->n && blank(t, k))
					k++;
				if (seen && (k >= t->n || indent(t, k) == 0))
					break;
				continue;
			}
			if (noise(t, j))
				continue;
			dadd(d, t->ln[j].p, t->ln[j].len);
			seen = true;
		}
		if (!seen)
			above(t, i, from, d);
		/* "Error: ... Message details: ... RCPT TO: addr" (Verizon,
		 * Apache James): the error is above the details. */
		for (size_t k = from; k < i; k++)
			if (line_has(t, k, "message details:")) {
				d->n = 0;
				d->b[0] = '\0';
				for (size_t m = from; m < k; m++)
					if (!noise(t, m))
						dadd(d, t->ln[m].p,
						    t->ln[m].len);
				break;
			}
		command_set(w, d->b, d->n);
		remote_of(w, d->b);
		if (w->r.diagnostic[0] == '\0')
			ea_bounce_line(w->r.diagnostic, sizeof(w->r.diagnostic),
			    d->b, d->n, true);
	}
	ea_free(d);
	return added;
}

/* A reply read whole: a recipient whose diagnostic is its first line
 * only (Sendmail's DSN keeps one line) gets all of it. */
static void
full_reply(struct text *t, const struct dbuf *reply)
{
	struct ea_bread *rd = t->rd;
	char tmp[sizeof(((struct emauth_bounce_rcpt *)0)->diagnostic)];
	if (reply->n == 0)
		return;
	ea_bounce_line(tmp, sizeof(tmp), reply->b, reply->n, true);
	for (size_t k = 0; k < rd->n; k++) {
		char *d = rd->rc[k].r.diagnostic;
		size_t n = strlen(d);
		if (n > 8 && n < strlen(tmp) && strncmp(tmp, d, n) == 0)
			ea_copy_str(d, sizeof(rd->rc[k].r.diagnostic), tmp);
	}
}

static void
dreset(struct dbuf *d)
{
	d->n = 0;
	d->b[0] = '\0';
}

/* Whether the diagnostic @d says nothing a reply would: no reply code
 * ("77", "255", "" from an X-Unix field). */
static bool
wordless(const char *d)
{
	char code[4];
	ea_bounce_find_reply(d, code);
	return code[0] == '\0';
}

/* Whether the fields of @w say nothing a reply would (an X-Unix exit
 * status is a number, not a reply). */
static bool
rcpt_wordless(const struct ea_brcpt *w)
{
	return strcmp(w->diag_type, "x-unix") == 0 || wordless(w->r.diagnostic);
}

/*
 * Sendmail's transcript: ">>> CMD" lines, "<<< reply" lines, and
 * "NNN <addr>... text" lines for each recipient, other lines a local
 * program's words. For each recipient already known (or added here when
 * @add), the command and the reply the remote server gave it; the local
 * words when the fields have no reply.
 */
static int
transcript(struct text *t, bool add)
{
	struct ea_bread *rd = t->rd;
	char cmd[8] = "", addr[320];
	struct dbuf *reply = ea_malloc(sizeof(*reply));
	struct dbuf *other = ea_malloc(sizeof(*other));
	struct dbuf *last = ea_malloc(sizeof(*last));
	struct dbuf *d = ea_malloc(sizeof(*d));
	int added = 0;
	size_t start = 0;
	bool replying = false;
	if (reply == NULL || other == NULL || last == NULL || d == NULL) {
		rd->err = EMAUTH_ENOMEM;
		added = rd->err;
		goto out;
	}
	dreset(reply);
	dreset(other);
	dreset(last);
	for (size_t i = 0; i < t->n; i++)
		if (line_has(t, i, "transcript of session follows")) {
			start = i + 1;
			break;
		}
	for (size_t i = start; i < t->n; i++) {
		const char *p = t->ln[i].p;
		size_t len = t->ln[i].len, k = indent(t, i);
		bool is_reply = len - k > 3 && memcmp(p + k, "<<<", 3) == 0;
		if (replying && !is_reply) {
			full_reply(t, reply);
			replying = false;
		}
		if (blank(t, i) || block_end(t, i) || line_has(t, i, "----- "))
			continue;
		if (line_has(t, i, "while talking to")) {
			cmd[0] = '\0';
			dreset(reply);
			continue;
		}
		if (len - k > 4 && memcmp(p + k, ">>> ", 4) == 0) {
			const char *c = p + k + 4;
			size_t cl = len - k - 4;
			cmd[0] = '\0';
			if (ea_span_istarts(ea_span(c, cl), "rcpt"))
				ea_copy_str(cmd, sizeof(cmd), "RCPT");
			else if (ea_span_istarts(ea_span(c, cl), "mail"))
				ea_copy_str(cmd, sizeof(cmd), "MAIL");
			else if (ea_span_istarts(ea_span(c, cl), "data") ||
			         ea_span_istarts(ea_span(c, cl), "."))
				ea_copy_str(cmd, sizeof(cmd), "DATA");
			else if (ea_span_istarts(ea_span(c, cl), "ehlo") ||
			         ea_span_istarts(ea_span(c, cl), "helo"))
				ea_copy_str(cmd, sizeof(cmd), "EHLO");
			dreset(reply);
			/* The reply to this recipient's RCPT. */
			const char *lt = memchr(c, '<', cl);
			if (lt != NULL && strcmp(cmd, "RCPT") == 0 &&
			    ea_bounce_addr_at(lt, p + len, addr, sizeof(addr)) >
			        0) {
				struct ea_brcpt *w =
				    ea_bread_find(rd, addr, strlen(addr));
				if (w != NULL && w->command[0] == '\0')
					ea_copy_str(w->command,
					    sizeof(w->command), cmd);
			}
			continue;
		}
		if (is_reply) {
			size_t o = k + 3;
			while (o < len && p[o] == ' ')
				o++;
			if (!replying)
				dreset(reply);
			replying = true;
			dadd(reply, p + o, len - o);
			/* A reply naming a known recipient is about it (looked
			 * for among the first 64: bounded work per line). */
			for (size_t r = 0; r < rd->n && r < 64 && cmd[0]; r++) {
				const char *a = rd->rc[r].r.recipient;
				if (a[0] && ea_bounce_ifind(p, len, a) &&
				    rd->rc[r].command[0] == '\0')
					ea_copy_str(rd->rc[r].command,
					    sizeof(rd->rc[r].command), cmd);
			}
			continue;
		}
		size_t rest;
		bool before;
		if (len - k > 5 && ea_is_digit((uint8_t)p[k]) &&
		    anchor(t, i, addr, sizeof(addr), &rest, &before)) {
			struct ea_brcpt *w =
			    ea_bread_find(rd, addr, strlen(addr));
			if (w == NULL && add && !skipped(t, addr)) {
				w = ea_bread_add(rd, addr, strlen(addr));
				if (w == NULL) {
					added = rd->err;
					goto out;
				}
				added++;
			}
			if (w == NULL)
				continue;
			const char *r = p + rest;
			size_t rl = len - rest;
			char code[4], tmp[256];
			ea_bounce_line(tmp, sizeof(tmp), r, rl, true);
			ea_bounce_find_reply(tmp, code);
			dreset(d);
			/* The line's own words when they hold a reply; else
			 * the remote server's, or the local program's. */
			if (code[0] == '\0') {
				if (reply->n > 0)
					dadd(d, reply->b, reply->n);
				else if (other->n > 0) {
					dadd(d, other->b, other->n);
					/* The local delivery agent refused the
					 * user, as RCPT would have. */
					if (w->command[0] == '\0')
						ea_copy_str(w->command,
						    sizeof(w->command), "RCPT");
				}
				if (w->command[0] == '\0' && reply->n > 0)
					ea_copy_str(w->command,
					    sizeof(w->command), cmd);
			}
			dadd(d, r, rl);
			if (w->r.diagnostic[0] == '\0' ||
			    (rcpt_wordless(w) && !wordless(d->b)) ||
			    (rcpt_wordless(w) && other->n > 0)) {
				ea_bounce_line(w->r.diagnostic,
				    sizeof(w->r.diagnostic), d->b, d->n, true);
				if (!wordless(d->b))
					ea_copy_str(w->diag_type,
					    sizeof(w->diag_type), "smtp");
			}
			dreset(other);
			continue;
		}
		/* A status line without an address ("554 5.3.0 unknown
		 * mailer error 255"), or a local program's words. */
		if (len - k > 4 && ea_is_digit((uint8_t)p[k]) &&
		    ea_is_digit((uint8_t)p[k + 1]) &&
		    ea_is_digit((uint8_t)p[k + 2]) && p[k + 3] == ' ') {
			if (!ea_bounce_ifind(p, len, "service unavailable") ||
			    ea_bounce_ifind(p, len, "|")) {
				dreset(last);
				dadd(last, p + k, len - k);
			}
		} else {
			dadd(other, p + k, len - k);
		}
	}
	if (replying)
		full_reply(t, reply);
	/* One recipient whose fields say nothing: the transcript's last
	 * status line. */
	if (rd->n == 1 && last->n > 0 && rcpt_wordless(&rd->rc[0])) {
		ea_bounce_line(rd->rc[0].r.diagnostic,
		    sizeof(rd->rc[0].r.diagnostic), last->b, last->n, true);
		ea_copy_str(
		    rd->rc[0].diag_type, sizeof(rd->rc[0].diag_type), "smtp");
	}
out:
	ea_free(reply);
	ea_free(other);
	ea_free(last);
	ea_free(d);
	return added;
}

/* Recognises the system from its words (for people and statistics). */
static void
system_of(struct text *t)
{
	static const struct {
		const char *where; /* "f" From, "s" Subject, "t" text */
		const char *words;
		const char *name;
	} table[] = {{"t", "qmail-send program", "qmail"},
	    {"t", "this is the postfix program", "postfix"},
	    {"t", "this is the mail system at host", "postfix"},
	    {"t", "dragonfly mail agent", "dragonfly"},
	    {"t", "transcript of session follows", "sendmail"},
	    {"t", "while talking to", "sendmail"},
	    {"f", "googlemail.com", "googlegroups"},
	    {"t", "google groups", "googlegroups"},
	    {"t", "created automatically by mail delivery software", "exim"},
	    {"t", "did not reach the following recipient", "exchange2003"},
	    {"t", "could not be reached", "exchange2003"},
	    {"t", "failure reasons", "notes"},
	    {"t", "domino directory", "domino"},
	    {"t", "-------server message", "mfilter"},
	    {"f", "mxlogic", "mxlogic"}, {"t", "mailfoundry", "mailfoundry"},
	    {"f", "ezweb.ne.jp", "ezweb"}, {"f", "dion.ne.jp", "kddi"},
	    {"m", "original message follows.", "imailserver"},
	    {"t", "following addresses had delivery problems", "mcafee"},
	    {"f", "biglobe.ne.jp", "biglobe"},
	    {"f", "kundenserver", "einsundeins"},
	    {"f", "vzwpix.com", "verizon"}, {"f", "@vtext.com", "verizon"},
	    {"s", "there was an error sending your mail", "x6"},
	    {"t", "mcafee", "mcafee"}, {"f", "mcafee", "mcafee"},
	    {"t", "because:", "domino"},
	    {"t", "message log follows", "rfc3464"},
	    {"t", "mail delivery software", "exim"}};
	for (size_t k = 0; k < EA_ARRAY_LEN(table); k++) {
		const char *hay = table[k].where[0] == 'f'   ? t->rd->from
		                  : table[k].where[0] == 's' ? t->rd->subject
		                                             : NULL;
		bool hit;
		if (table[k].where[0] == 'm')
			/* The marker line, from its start. */
			hit = ea_span_istarts(
			    ea_span_str(t->rd->marker), table[k].words);
		else
			hit = hay ? ea_bounce_ifind(hay, strlen(hay),
			                table[k].words) != NULL
			          : text_has(t, table[k].words);
		if (hit) {
			ea_copy_str(t->rd->system, sizeof(t->rd->system),
			    table[k].name);
			return;
		}
	}
}

/* Whether the message says it is a bounce at all: who sent it, its
 * subject, the words of its notice. */
static bool
bounce_like(const struct text *t)
{
	static const char *const from[] = {"mailer-daemon", "postmaster",
	    "mail delivery", "mmsc", "post_master", "mail.delivery",
	    "no-reply@", "-admin@", "mailer daemon", NULL};
	static const char *const subj[] = {"undeliver", "delivery",
	    "returned mail", "failure notice", "failed", "failure",
	    "mail system error", "not member", "loop alert", "error", "mail",
	    "nondeliverable", "returned", NULL};
	const struct ea_bread *rd = t->rd;
	for (size_t k = 0; from[k]; k++)
		if (ea_bounce_ifind(rd->from, strlen(rd->from), from[k]))
			return true;
	for (size_t k = 0; subj[k]; k++)
		if (ea_bounce_ifind(rd->subject, strlen(rd->subject), subj[k]))
			return true;
	return false;
}

/* Exim: two-space lines after "failed:" that name no address ("pipe to
 * |...", a bare local part) are recipients too, with the address from
 * X-Failed-Recipients when there is one. */
static int
exim_extra(struct text *t)
{
	struct ea_bread *rd = t->rd;
	int added = 0;
	size_t start = t->n;
	for (size_t i = 0; i < t->n; i++)
		if (line_has(t, i, "address(es) failed") ||
		    line_has(t, i, "address failed") ||
		    line_has(t, i, "has not yet been delivered is:") ||
		    line_has(t, i, "incorrectly constructed")) {
			start = i + 1;
			break;
		}
	for (size_t i = start; i < t->n; i++) {
		if (t->ln[i].anchor || blank(t, i) || indent(t, i) != 2)
			continue;
		if (block_end(t, i))
			break;
		const char *p = t->ln[i].p + 2;
		size_t len = t->ln[i].len - 2;
		char addr[320] = "";
		/* The address in X-Failed-Recipients, in order. */
		const char *f = rd->failed_rcpts;
		size_t nth = (size_t)added + rd->n;
		for (size_t k = 0; *f && k <= nth; k++) {
			const char *comma = strchr(f, ',');
			size_t n = comma ? (size_t)(comma - f) : strlen(f);
			while (n > 0 && is_wsp(*f)) {
				f++;
				n--;
			}
			if (k == nth && n < sizeof(addr)) {
				memcpy(addr, f, n);
				addr[n] = '\0';
			}
			f += n + (comma ? 1 : 0);
		}
		if (addr[0] == '\0')
			ea_bounce_line(addr, sizeof(addr), p, len, true);
		struct ea_brcpt *w = ea_bread_add(rd, addr, strlen(addr));
		if (w == NULL)
			return rd->err;
		added++;
		struct dbuf *d = ea_malloc(sizeof(*d));
		if (d == NULL) {
			rd->err = EMAUTH_ENOMEM;
			return rd->err;
		}
		d->n = 0;
		d->b[0] = '\0';
		dadd(d, p, len);
		for (size_t j = i + 1; j < t->n && indent(t, j) > 2; j++)
			dadd(d, t->ln[j].p, t->ln[j].len);
		ea_bounce_line(
		    w->r.diagnostic, sizeof(w->r.diagnostic), d->b, d->n, true);
		command_set(w, d->b, d->n);
		if (ea_bounce_ifind(d->b, d->n, "pipe to |") ||
		    ea_bounce_ifind(d->b, d->n, "save to "))
			ea_copy_str(
			    w->diag_type, sizeof(w->diag_type), "x-unix");
		ea_free(d);
	}
	return added;
}

/* What the systems' own words decide, and what they imply. */
static void
system_rules(struct text *t, size_t first)
{
	struct ea_bread *rd = t->rd;
	/* What the notice says, read once for all recipients. */
	bool delayed = text_has(t, "has not yet been delivered");
	bool member = text_has(t, "you are not a member of this mailing list");
	bool loop = text_has(t, "duplicated message-id");
	bool aborted = text_has(t, "was aborted after");
	bool disabled = text_has(t, "account is disabled");
	bool exim = strcmp(rd->system, "exim") == 0;
	bool exchange = strcmp(rd->system, "exchange2003") == 0;
	bool ezweb = strcmp(rd->system, "ezweb") == 0;
	bool groups = strcmp(rd->system, "googlegroups") == 0;
	/* Systems that say "unknown user" only when a recipient was
	 * refused as such (their own words, no SMTP stage). */
	static const char *const own[] = {
	    "imailserver", "mcafee", "notes", "domino", "verizon", NULL};
	bool own_words = false;
	for (size_t i = 0; own[i]; i++)
		own_words |= strcmp(rd->system, own[i]) == 0;
	/* m-FILTER names the command on the line after its marker. */
	char mfilter[8] = "";
	for (size_t i = 0; i + 1 < t->n; i++)
		if (line_has(t, i, "-------smtp command")) {
			command_of_word(
			    t->ln[i + 1].p, t->ln[i + 1].len, mfilter);
			break;
		}

	for (size_t k = first; k < rd->n; k++) {
		struct ea_brcpt *w = &rd->rc[k];
		const char *d = w->r.diagnostic;
		size_t n = strlen(d);
		if (groups)
			ea_copy_str(w->preset, sizeof(w->preset), "rejected");
		if (exim) {
			if (ea_bounce_ifind(d, n, "retry timeout exceeded") ||
			    ea_bounce_ifind(d, n, "failing for a long time") ||
			    delayed)
				w->temporary = true;
			if (delayed)
				ea_copy_str(w->r.action, sizeof(w->r.action),
				    "delayed");
			if (ea_bounce_ifind(d, n, "pipe to |"))
				ea_copy_str(w->preset, sizeof(w->preset),
				    "mailererror");
			if (ea_bounce_ifind(d, n, "malformed address"))
				ea_copy_str(w->preset, sizeof(w->preset),
				    "syntaxerror");
		}
		if (member)
			ea_copy_str(w->preset, sizeof(w->preset), "rejected");
		if (loop)
			ea_copy_str(
			    w->preset, sizeof(w->preset), "systemerror");
		if (exchange) {
			if (ea_bounce_ifind(d, n, "recipient not found") ||
			    ea_bounce_ifind(d, n, "msexch:imc"))
				ea_copy_str(
				    w->preset, sizeof(w->preset), "filtered");
			else if (ea_bounce_ifind(d, n, "not recognized") ||
			         ea_bounce_ifind(d, n, "unknown recipient") ||
			         ea_bounce_ifind(d, n, "000c05a6"))
				ea_copy_str(w->preset, sizeof(w->preset),
				    "userunknown");
		}
		/* A delivery that ran out of time, when nothing better is
		 * said. */
		if (aborted)
			ea_copy_str(
			    w->fallback, sizeof(w->fallback), "expired");
		/* The mobile carrier's gateway (au, EZweb): its own
		 * sentences. */
		if (ezweb) {
			if (disabled)
				ea_copy_str(
				    w->preset, sizeof(w->preset), "suspend");
			else
				ea_copy_str(w->fallback, sizeof(w->fallback),
				    "filtered");
		}
		if (mfilter[0])
			ea_copy_str(w->command, sizeof(w->command), mfilter);
		if (own_words && w->command[0] == '\0')
			ea_copy_str(w->command, sizeof(w->command), "RCPT");
	}
}

/* Whether line @i starts with a header field name ("Message-ID:"). */
static bool
header_line(const struct text *t, size_t i)
{
	const char *p = t->ln[i].p;
	size_t k = 0;
	while (
	    k < t->ln[i].len && (ea_is_alpha((uint8_t)p[k]) ||
	                            ea_is_digit((uint8_t)p[k]) || p[k] == '-'))
		k++;
	return k > 0 && k < t->ln[i].len && p[k] == ':';
}

/*
 * When no line names a recipient the usual ways: the first address in
 * angle brackets of a line that is not a header field (a mailing list's
 * refusal, a loop alert), with its paragraph; else, for a bounce whose
 * only words are about a host ("421 example.com (smtp)... Deferred"), the
 * returned message's first To address, with the notice's words.
 */
static int
loose(struct text *t)
{
	struct ea_bread *rd = t->rd;
	char addr[320];
	struct dbuf *d;
	struct ea_brcpt *w = NULL;
	size_t at = t->n;
	for (size_t i = 0; i < t->n && at == t->n; i++) {
		if (header_line(t, i))
			continue;
		const char *p = t->ln[i].p, *end = p + t->ln[i].len;
		for (const char *q = p; q < end; q++)
			if (*q == '<' &&
			    ea_bounce_addr_at(q, end, addr, sizeof(addr)) > 0 &&
			    !skipped(t, addr)) {
				at = i;
				break;
			}
	}
	if (at == t->n) {
		/* The last resort: a notice with a reply code or a
		 * status, and the returned message's To. */
		char code[4] = "", st[16] = "";
		first_address(rd->o_to, addr, sizeof(addr));
		if (addr[0] == '\0')
			return 0;
		bool error = false;
		for (size_t i = 0; i < t->n && !code[0] && !st[0]; i++) {
			char tmp[256];
			ea_bounce_line(
			    tmp, sizeof(tmp), t->ln[i].p, t->ln[i].len, true);
			if (tmp[0] >= '2' && tmp[0] <= '5')
				ea_bounce_find_reply(tmp, code);
			ea_bounce_find_status(tmp, st, 0);
			error |= ea_span_istarts(ea_span_str(tmp), "error:");
		}
		if (!code[0] && !st[0] && !error && !rd->has_dsn)
			return 0;
	}
	if ((d = ea_malloc(sizeof(*d))) == NULL) {
		rd->err = EMAUTH_ENOMEM;
		return rd->err;
	}
	d->n = 0;
	d->b[0] = '\0';
	w = ea_bread_add(rd, addr, strlen(addr));
	if (w == NULL) {
		ea_free(d);
		return rd->err;
	}
	size_t from = at == t->n ? 0 : at;
	for (size_t i = from; i < t->n; i++) {
		if (blank(t, i) && d->n > 0 && at != t->n)
			break;
		if (noise(t, i) ||
		    (header_line(t, i) && !line_has(t, i, "error:")))
			continue;
		if (at == t->n) {
			/* The returned message's To: only the lines with a
			 * reply or a status are about it. */
			char tmp[256], c1[4], c2[16];
			ea_bounce_line(
			    tmp, sizeof(tmp), t->ln[i].p, t->ln[i].len, true);
			ea_bounce_find_reply(tmp, c1);
			ea_bounce_find_status(tmp, c2, 0);
			if (!(tmp[0] >= '2' && tmp[0] <= '5' && c1[0]) &&
			    !c2[0] &&
			    !ea_span_istarts(ea_span_str(tmp), "error:"))
				continue;
		}
		dadd(d, t->ln[i].p, t->ln[i].len);
	}
	command_set(w, d->b, d->n);
	ea_bounce_line(
	    w->r.diagnostic, sizeof(w->r.diagnostic), d->b, d->n, true);
	ea_free(d);
	return 1;
}

/* The addresses not to take as recipients: the bounce's To, the returned
 * message's sender. */
static void
senders(struct text *t)
{
	first_address(t->rd->to, t->skip[0], sizeof(t->skip[0]));
	first_address(t->rd->o_from, t->skip[1], sizeof(t->skip[1]));
	first_address(t->rd->o_return_path, t->skip[2], sizeof(t->skip[2]));
}

static void
text_release(struct text *t)
{
	ea_free(t->buf);
	ea_free(t->ln);
}

int
ea_bounce_text_read(struct ea_bread *rd)
{
	struct text t;
	int rc = 0, added = 0;
	size_t first = rd->n;
	memset(&t, 0, sizeof(t));
	t.rd = rd;
	if (rd->notice == NULL)
		goto failed_rcpts;
	if ((rc = split(&t, rd->notice, rd->notice_len)) != 0) {
		rd->err = rc;
		goto out;
	}
	senders(&t);
	if (!bounce_like(&t))
		goto out;
	system_of(&t);
	bool sendmail = text_has(&t, "transcript of session follows") ||
	                text_has(&t, "while talking to");
	size_t to = t.n;
	if (sendmail)
		for (size_t i = 0; i < t.n; i++)
			if (line_has(&t, i, "transcript of session follows")) {
				to = i;
				break;
			}
	rc = read_anchors(&t, 0, to);
	if (rc < 0)
		goto out;
	added += rc;
	if (sendmail) {
		rc = transcript(&t, added == 0);
		if (rc < 0)
			goto out;
		added += rc;
	}
	if (strcmp(rd->system, "exim") == 0 || rd->failed_rcpts[0]) {
		rc = exim_extra(&t);
		if (rc < 0)
			goto out;
		added += rc;
	}
	if (added == 0) {
		rc = loose(&t);
		if (rc < 0)
			goto out;
		added += rc;
	}
failed_rcpts:
	if (added == 0 && rd->failed_rcpts[0]) {
		/* X-Failed-Recipients only (Google Groups, Exim). */
		const char *f = rd->failed_rcpts;
		while (*f) {
			const char *comma = strchr(f, ',');
			size_t n = comma ? (size_t)(comma - f) : strlen(f);
			while (n > 0 && is_wsp(*f)) {
				f++;
				n--;
			}
			if (n > 0) {
				struct ea_brcpt *w = ea_bread_add(rd, f, n);
				if (w == NULL) {
					rc = rd->err;
					goto out;
				}
				if (rd->notice != NULL)
					ea_bounce_line(w->r.diagnostic,
					    sizeof(w->r.diagnostic), rd->notice,
					    rd->notice_len, true);
				added++;
			}
			f += n + (comma ? 1 : 0);
		}
		if (t.n == 0 && rd->notice != NULL)
			goto out;
	}
	if (t.n > 0)
		system_rules(&t, first);
	else if (added > 0) {
		for (size_t k = 0; k < rd->n; k++)
			if (ea_bounce_ifind(
			        rd->from, strlen(rd->from), "googlemail.com"))
				ea_copy_str(rd->rc[k].preset,
				    sizeof(rd->rc[k].preset), "rejected");
	}
	rc = added;
out:
	text_release(&t);
	return rc < 0 ? rc : added;
}

void
ea_bounce_text_enrich(struct ea_bread *rd)
{
	struct text t;
	memset(&t, 0, sizeof(t));
	t.rd = rd;
	if (rd->notice == NULL)
		goto out;
	if (split(&t, rd->notice, rd->notice_len) != 0) {
		rd->err = EMAUTH_ENOMEM;
		goto out;
	}
	senders(&t);
	system_of(&t);
	if (text_has(&t, "transcript of session follows") ||
	    text_has(&t, "while talking to"))
		(void)transcript(&t, false);
	/* Each recipient's block in the notice: its command, and its words
	 * when the fields had none. */
	for (size_t i = 0; i < t.n; i++) {
		char addr[320];
		size_t rest;
		bool before;
		if (!anchor(&t, i, addr, sizeof(addr), &rest, &before))
			continue;
		struct ea_brcpt *w = ea_bread_find(rd, addr, strlen(addr));
		if (w == NULL)
			continue;
		struct dbuf *d = ea_malloc(sizeof(*d));
		if (d == NULL) {
			rd->err = EMAUTH_ENOMEM;
			goto out;
		}
		d->n = 0;
		d->b[0] = '\0';
		dadd(d, t.ln[i].p + rest, t.ln[i].len - rest);
		for (size_t j = i + 1;
		     j < t.n && !blank(&t, j) && indent(&t, j) > 0; j++)
			dadd(d, t.ln[j].p, t.ln[j].len);
		command_set(w, d->b, d->n);
		if (w->r.diagnostic[0] == '\0')
			ea_bounce_line(w->r.diagnostic, sizeof(w->r.diagnostic),
			    d->b, d->n, true);
		ea_free(d);
	}
	if (rd->n == 1 && rd->rc[0].command[0] == '\0')
		command_of(t.buf, t.len, rd->rc[0].command);
	if (rd->n == 1 && rd->rc[0].r.diagnostic[0] == '\0') {
		/* One recipient the fields say nothing about (Exim's pipe):
		 * the notice after its "failed:" line. */
		struct dbuf *d = ea_malloc(sizeof(*d));
		size_t from = t.n;
		if (d == NULL) {
			rd->err = EMAUTH_ENOMEM;
			goto out;
		}
		d->n = 0;
		d->b[0] = '\0';
		for (size_t i = 0; i < t.n; i++)
			if (line_has(&t, i, "failed:")) {
				from = i + 1;
				break;
			}
		for (size_t i = from; i < t.n; i++)
			if (!noise(&t, i))
				dadd(d, t.ln[i].p, t.ln[i].len);
		ea_bounce_line(rd->rc[0].r.diagnostic,
		    sizeof(rd->rc[0].r.diagnostic), d->b, d->n, true);
		ea_free(d);
	}
	system_rules(&t, 0);
out:
	text_release(&t);
}
