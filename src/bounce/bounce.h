/*
 * bounce.h (internal): what the readers of src/bounce/ share. bounce.c
 * walks the message (src/msg/mime.h) and gathers its parts into a struct
 * ea_bread; dsn.c reads the RFC 3464 fields, text.c the mail systems' own
 * text, classify.c gives each recipient its reason, hardness and, when the
 * bounce has none, a status code. Recipients are built as struct ea_brcpt
 * (the public record plus what the reading needs) and copied out at the
 * end. Every cap here is ours, a defensive bound, not an RFC's.
 */
#ifndef EA_BOUNCE_BOUNCE_H
#define EA_BOUNCE_BOUNCE_H

#include "common/internal.h"

#include <emauth/bounce.h>

/* Ours: bytes of notice text kept (the human-readable parts before the
 * returned message), of one delivery-status part read, lines of the notice
 * read, and the bytes of one line looked at. */
#define EA_BOUNCE_NOTICE_MAX (512u * 1024u)
#define EA_BOUNCE_DSN_MAX (1024u * 1024u)
#define EA_BOUNCE_LINES_MAX 20000u
#define EA_BOUNCE_LINE_MAX 4096u
/* Ours: bytes of one field value of a delivery-status part read (longer
 * values are cut there; the diagnostic keeps EMAUTH_BOUNCE_RCPTS_MAX's
 * neighbour, 1023 bytes, and says "..." when cut). */
#define EA_BOUNCE_FIELD_MAX 8192u
/* Ours: the header block of the returned message looked at. */
#define EA_BOUNCE_ORIG_MAX (256u * 1024u)

/* One recipient while reading. */
struct ea_brcpt {
	struct emauth_bounce_rcpt r;
	/* The SMTP command the remote server answered: "CONN" (the
	 * greeting), "EHLO", "MAIL", "RCPT", "DATA", or "" when not said. */
	char command[8];
	/* Diagnostic-Code's type, lower case ("smtp", "x-unix", ...). */
	char diag_type[16];
	/* A category the sending system put in its report (PowerMTA's
	 * X-PowerMTA-BounceCategory), lower case, or "". */
	char category[32];
	/* A reason the system's own words decide (text.c), or "". */
	char preset[32];
	/* The reason to give when nothing else decides (the system's
	 * words are a refusal without a cause), or "". */
	char fallback[32];
	/* The system says it gave up after temporary failures, or will
	 * try again: a status it lacks is of class 4. */
	bool temporary;
};

/* What the walk gathered, and the recipients read from it. */
struct ea_bread {
	struct ea_brcpt *rc;
	size_t n, cap;
	int err; /* sticky: EMAUTH_ELIMIT, EMAUTH_ENOMEM */

	/* The message's own header fields. */
	char from[320], to[320], subject[512];
	char content_type[128];  /* lower case, without parameters */
	char report_type[64];    /* multipart/report's report-type */
	char auto_submitted[64]; /* lower case */
	bool list_header;        /* List-Id / List-Unsubscribe present */
	bool autoreply_header;   /* X-Autoreply, X-Autorespond, ... */
	char failed_rcpts[1024]; /* X-Failed-Recipients (Exim) */
	int64_t date;

	/* The notice: text parts before the returned message, LF line ends,
	 * NUL-free (a NUL becomes a space), at most EA_BOUNCE_NOTICE_MAX. */
	char *notice;
	size_t notice_len;
	bool notice_html; /* a part of it was HTML, tags removed */

	/* Parts seen. */
	bool has_dsn;      /* a message/(global-)delivery-status part */
	bool has_feedback; /* a message/feedback-report part */
	bool has_original; /* message/rfc822 or text/rfc822-headers */

	/* The returned message's header fields. */
	char o_message_id[320], o_from[320], o_to[320], o_subject[512];
	char o_return_path[320];

	char system[32];
	char reporting_mta[256];
	int64_t arrival;
	/* The line that marked where the returned message starts. */
	char marker[96];
};

/* Adds a recipient @addr (@len bytes, trimmed of <> and spaces by the
 * caller). @return the record, or NULL with rd->err set (ELIMIT past
 * EMAUTH_BOUNCE_RCPTS_MAX, ENOMEM). */
struct ea_brcpt *ea_bread_add(
    struct ea_bread *rd, const char *addr, size_t len);
/* The recipient whose address is @addr (case-insensitive), or NULL. */
struct ea_brcpt *ea_bread_find(
    struct ea_bread *rd, const char *addr, size_t len);

/*
 * dsn.c: reads the fields of a delivery-status body (RFC 3464 §2.2 and
 * §2.3; RFC 6533 §3 for message/global-delivery-status), or DSN fields
 * written into a text part (@embedded: other lines between them are
 * skipped). Adds one recipient per recipient group.
 * @return the number of recipients added, or rd->err.
 */
int ea_bounce_dsn_read(
    struct ea_bread *rd, struct emauth_span body, bool embedded);

/* Finds the SMTP reply code (RFC 5321 §4.2: 3 digits, 2xx/4xx/5xx) and
 * the enhanced status code (RFC 3463: class.subject.detail) in @text;
 * either stays "" when absent. @specific: 0 any status; 1 one whose
 * subject is not 0 (5.6.0, not 5.0.0); 2 one whose subject and detail do
 * not start with 0 (5.1.1, not 5.1.0). */
void ea_bounce_find_reply(const char *text, char reply[4]);
void ea_bounce_find_status(const char *text, char status[16], int specific);
/* Removes from the one-line reply @s the codes that repeat at the start
 * of each line of a multi-line reply ("550-5.7.1 ... 550 5.7.1 ..."),
 * the first kept. */
void ea_bounce_squeeze(char *s, const char *reply, const char *status);
/* Whether @s is a status code: class 2, 4 or 5, subject and detail of 1
 * to 3 digits. */
bool ea_bounce_status_ok(const char *s);

/* An RFC 5322 date-time (leniently: without the day name, with one- or
 * two-digit fields, an obsolete zone or none) as epoch seconds.
 * @return true when read. */
bool ea_bounce_date(const char *v, int64_t *out);

/* Copies @len bytes of @src into @dst as one line: control bytes and runs
 * of white space become one space, the ends trimmed. A text longer than
 * @size - 1 ends in "..." when @ellipsis, else @dst is left "".
 * @return false when it did not fit. */
bool ea_bounce_line(
    char *dst, size_t size, const char *src, size_t len, bool ellipsis);

/* Case-insensitive search of @needle in @hay (@len bytes).
 * @return the position, or NULL. */
const char *ea_bounce_ifind(const char *hay, size_t len, const char *needle);

/* Reads an address at @p (at most @end): "<a@b>", "a@b", quoted local
 * parts; @return its length in @out (NUL-terminated, at most @size - 1),
 * 0 when there is none there. */
size_t ea_bounce_addr_at(
    const char *p, const char *end, char *out, size_t size);

/*
 * text.c: the mail systems' own words. ea_bounce_text_read() recognises
 * the system that wrote the notice and reads its recipients;
 * ea_bounce_text_enrich() reads, for recipients already known from a
 * delivery-status part, what the notice adds (the SMTP command, a reply
 * the fields lack). Both set rd->system.
 * @return the number of recipients added, or rd->err.
 */
int ea_bounce_text_read(struct ea_bread *rd);
void ea_bounce_text_enrich(struct ea_bread *rd);

/* classify.c: fills reply code, status, reason, auth and hard of one
 * recipient from what was read. */
void ea_bounce_finish(struct ea_brcpt *w);

#endif
