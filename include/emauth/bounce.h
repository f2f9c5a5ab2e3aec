/*
 * bounce.h: reading non-delivery reports (bounces): the standard ones
 * (RFC 3464 / RFC 6522 multipart/report; report-type=delivery-status, RFC
 * 6533 message/global-delivery-status) and the plain-text forms of the
 * common mail systems; auto-replies (RFC 3834) and feedback reports (RFC
 * 5965) recognised as such. Each recipient gets its status (RFC 3463), the
 * SMTP reply, the diagnostic text and a reason in Sisimai's published
 * vocabulary (https://libsisimai.org/en/reason/), hard or soft; the
 * authentication causes (DMARC, DKIM, SPF, PTR) named precisely.
 */
#ifndef EMAUTH_BOUNCE_H
#define EMAUTH_BOUNCE_H

#include <emauth/emauth.h>

#ifdef __cplusplus
extern "C" {
#endif

enum emauth_bounce_kind {
	EMAUTH_BOUNCE_NOT = 0,     /* not a bounce */
	EMAUTH_BOUNCE_DSN,         /* a standard delivery status report */
	EMAUTH_BOUNCE_NONSTANDARD, /* a mail system's own text */
	EMAUTH_BOUNCE_AUTOREPLY,   /* an auto-reply (RFC 3834, vacation) */
	EMAUTH_BOUNCE_FEEDBACK     /* an ARF feedback report (RFC 5965) */
};

/** "not", "dsn", "nonstandard", "autoreply", "feedback". */
EMAUTH_API const char *emauth_bounce_kind_name(enum emauth_bounce_kind k);

/* Caps: recipients of one bounce; the text kept of a diagnostic. Any
 * other string longer than its array is left "" (never cut). */
#define EMAUTH_BOUNCE_RCPTS_MAX 1000

struct emauth_bounce_rcpt {
	char recipient[320];          /* Final-Recipient's address */
	char original_recipient[320]; /* Original-Recipient's, or "" */
	char action[16];              /* failed, delayed, delivered, relayed,
	                                 expanded ("" when not said) */
	char status[16];              /* "5.1.1" (RFC 3463); when the bounce
	                                 has none, Sisimai's inferred code:
	                                 class.0.9xx with a detail per reason
	                                 (5.0.911 userunknown, 4.0.947
	                                 expired, ...), class 4 when the
	                                 failure was temporary; "" for
	                                 auto-replies */
	char reply_code[4];           /* "550"; "" when there is none */
	char diagnostic[1024];        /* the remote server's words, one line
	                                 (white space runs made one space);
	                                 longer words are cut to end in
	                                 "..." */
	char reason[32];              /* Sisimai's vocabulary: "userunknown",
	                                 "authfailure", "requireptr", ... */
	char auth[8];                 /* for authentication causes: "dmarc",
	                                 "dkim", "spf", "ptr"; else "" */
	int hard;                     /* the address will not work again */
	char remote_mta[256];
	int64_t last_attempt; /* epoch seconds, 0 when not said */
};

struct emauth_bounce {
	enum emauth_bounce_kind kind;
	char system[32]; /* who wrote it: "postfix", "exim", "rfc3464",
	                    ... (for people and statistics) */
	char reporting_mta[256];
	int64_t arrival; /* Arrival-Date, or the Date field, or 0 */
	/* The returned original message, when attached or quoted. */
	char original_message_id[320], original_from[320], original_to[320];
	char original_subject[512], original_return_path[320];
	struct emauth_bounce_rcpt *rcpts; /* valid until emauth_bounce_free() */
	size_t nrcpts;
};

/**
 * Reads the message @msg.
 * @param out OUT: free with emauth_bounce_free(); (*out)->kind says whether
 *        it is a bounce.
 * @param err OUT: why @msg could not be read, for people.
 * @return 0, EMAUTH_ESYNTAX (not a message: no header block), EMAUTH_ELIMIT
 *         (a cap of the MIME walk or more than EMAUTH_BOUNCE_RCPTS_MAX
 *         recipients: refused, nothing given), EMAUTH_ENOMEM,
 *         EMAUTH_EINVAL (@out NULL).
 */
EMAUTH_API int emauth_bounce_parse(struct emauth_span msg,
    struct emauth_bounce **out, char *err, size_t errsize);
EMAUTH_API void emauth_bounce_free(struct emauth_bounce *b);

/**
 * The reason and hardness of a status code and diagnostic text, as the
 * parser gives them (for bounces read elsewhere).
 * @param reason OUT: at least 32 bytes.
 * @param auth OUT: at least 8 bytes.
 * @return 1 hard, 0 soft.
 */
EMAUTH_API int emauth_bounce_classify(const char *status,
    const char *reply_code, const char *diagnostic, char *reason, char *auth);

#ifdef __cplusplus
}
#endif

#endif
