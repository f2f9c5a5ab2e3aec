/*
 * classify.c: the reason a recipient bounced, in the vocabulary Sisimai
 * publishes (https://libsisimai.org/en/reason/), whether it is hard (the
 * address will not work again), and, when the bounce gives no status code,
 * one inferred the way Sisimai does (class.0.9xx, a detail per reason).
 *
 * The reason comes from, in this order: what the system's own words
 * decided (text.c: a Google Groups refusal, a vacation notice); a 2.x.x
 * status (delivered); then the causes named precisely whatever the code:
 * authentication (DMARC, SPF, DKIM, with the receiver's words), missing
 * reverse DNS (requireptr), a message not RFC 5322 compliant, a sender's
 * bad reputation, sending too fast; then the reasons a status code or the
 * reply text states, each tried in turn (mailbox full, too big, suspended,
 * moved, relaying denied, sender rejected, unknown user or filtered, unknown
 * host, spam, virus, too many connections, blocked, policy); then the
 * status code's own meaning (RFC 3463 §3.x, as Sisimai maps it); then the
 * looser text patterns (system error, network error, expired, content,
 * system full, not accepting mail, a local mailer's error, security,
 * syntax); last the class of the code, the action (delayed: expired) and
 * the SMTP command (refused at the greeting: blocked). A bounce that says
 * something but nothing known is onhold; one that says nothing is
 * undefined.
 *
 * The text patterns are lower case substrings of the diagnostic; "a*b"
 * means a, then b later. They were written from the words of the mail
 * systems in tests/data/suites/bounces-sisimai/ and the published meanings
 * of the codes; docs/conformance.md lists where we differ from Sisimai.
 */
#include "common/internal.h"

#include <string.h>

#include "bounce/bounce.h"
#include "common/span.h"

/* Bytes of the diagnostic looked at (all of it: the field is 1024). */
#define DIAG_MAX sizeof(((struct emauth_bounce_rcpt *)0)->diagnostic)

/* Whether the lower-case @text holds the pattern @pat ("a*b": a, then
 * b). */
static bool
has(const char *text, const char *pat)
{
	const char *star = strchr(pat, '*');
	if (star == NULL)
		return strstr(text, pat) != NULL;
	char first[64];
	size_t n = (size_t)(star - pat);
	if (n >= sizeof(first))
		return false;
	memcpy(first, pat, n);
	first[n] = '\0';
	const char *at = strstr(text, first);
	return at != NULL && has(at + n, star + 1);
}

static bool
any(const char *text, const char *const *pats)
{
	for (size_t i = 0; pats[i] != NULL; i++)
		if (has(text, pats[i]))
			return true;
	return false;
}

/* The reasons, with the words that say them. */
static const char *const p_dmarc[] = {"dmarc", NULL};
static const char *const p_spf[] = {" spf", "spf ", "(spf",
    "spf:", "spf=", "spf-", "sender policy framework", "spf.", NULL};
static const char *const p_dkim[] = {"dkim", "domainkeys", NULL};
static const char *const p_auth_other[] = {"unauthenticated email",
    "sender is unauthenticated", "fails to pass authentication checks",
    "does not have authentication information",
    "requires all senders to authenticate", NULL};
static const char *const p_requireptr[] = {"ptr record", "no ptr",
    "reverse dns", "reverse-dns", "rdns", "reverse lookup",
    "ip name lookup failed", "reverse dns lookup", "unverifyable sending ip",
    "unverifiable sending ip", "without a valid sender hostname",
    "valid reverse", "ptr lookup", "does not have a ptr",
    "cannot find your hostname", "client host*reverse", "no reverse", NULL};
static const char *const p_notcompliant[] = {"not rfc 5322 compliant",
    "not rfc5322 compliant", "multiple addresses in from: header",
    "multiple from headers", "multiple subject headers",
    "multiple date headers", "not rfc compliant", "rfc 5322*headers",
    "not in compliance with rfc", NULL};
static const char *const p_badreputation[] = {"low reputation",
    "bad reputation", "poor reputation", "reputation of the sending",
    "sender reputation", "ip reputation", NULL};
static const char *const p_speeding[] = {
    "receiving mail at a rate that prevents", "too many recipients this hour",
    "sent to too many recipients", "rate that prevents additional messages",
    "sending rate", NULL};
static const char *const p_mailboxfull[] = {"mailbox full", "mailbox is full",
    "mailbox is over quota", "over quota", "quota exceeded", "exceeded*quota",
    "disk quota", "mailfolder is full", "mail folder is full",
    "mailbox exceeds", "exceeds allowed size", "not enough disk space",
    "mailbox size limit", "mailbox exceeded", "recipient's mailbox",
    "insufficient storage", "storage space", "user is over", "account is full",
    "box is full", "full mailbox", "mailbox*full", NULL};
static const char *const p_mesgtoobig[] = {"message too big",
    "message too large", "message is too big", "message is too large",
    "message size exceeds", "size limit exceeded", "exceeds size limit",
    "line limit exceeded", "exceeded maximum inbound message size",
    "message length exceeds", "message exceeds", "mail too large",
    "too large for", NULL};
static const char *const p_exceedlimit[] = {
    "message length exceeds administrative limit",
    "exceeds fixed maximum message size", NULL};
static const char *const p_suspend[] = {"account is disabled",
    "account has been disabled", "account disabled", "is disabled",
    "mailbox is frozen", "is inactive", "account is inactive",
    "account*suspended", "mailbox*suspended", "user*suspended",
    "has been suspended", "discontinued", "mailbox disabled",
    "mailbox is disabled", "account has been suspended", "not active",
    "deactivated", NULL};
static const char *const p_hasmoved[] = {"no longer on server", "has moved",
    "address has changed", "no longer with", "mailbox owner has changed", NULL};
static const char *const p_norelaying[] = {"relay access denied",
    "relaying denied", "not configured to relay", "insecure mail relay",
    "relay not permitted", "unable to relay", "relaying not allowed",
    "relaying mail to", "not allowed to relay", "no relaying", "relay denied",
    "email address is not verified", "we do not relay", NULL};
static const char *const p_rejected[] = {"sender rejected",
    "sender address rejected", "domain of sender address", "unroutable sender",
    "sender was rejected", "sender verify failed", "sender unknown",
    "you are not a member", "not a member of", "has been blacklisted",
    "purported responsible address", "all recipient addresses rejected",
    "sender domain", "invalid sender", "bad sender", "sender denied",
    "from address", "envelope sender", "sender not", NULL};
static const char *const p_userunknown[] = {"user unknown", "unknown user",
    "no such user", "user not found", "no mailbox here by that name",
    "invalid recipient", "recipient not found", "mailbox unavailable",
    "unknown recipient", "not listed in", "recipient address rejected: user",
    "recipient address rejected: unknown",
    "recipient address rejected: invalid", "recipient address rejected.",
    "address rejected: access denied", "no such recipient",
    "unknown or illegal alias", "invalid user address",
    "invalid final delivery userid", "doesn't have a", "does not have a",
    "account that you tried to reach does not exist", "user doesn't exist",
    "user does not exist", "mailbox not found", "no such mailbox",
    "invalid mailbox", "destinataire invalide",
    "recipient name is not recognized", "not our user",
    "no valid recipients for this", "recipient unknown", "address unknown",
    "mailbox does not exist", "no such address", "unknown address",
    "is not a valid mailbox", "bad recipient", "unknown local part",
    "user not listed",
    /* Lotus Notes and Domino in Japanese (ISO-2022-JP, lower case):
     * "not in the directory". */
    "%g%#%l%/%h%j", NULL};
static const char *const p_hostunknown[] = {"host unknown", "no such domain",
    "domain not found", "unknown host", "couldn't find any host named",
    "host or domain name not found", "domain does not exist",
    "domain may not exist", "domain name not found",
    "name or service not known", "dns lookup failure", "unrouteable address",
    "no mx record", NULL};
static const char *const p_spam[] = {"spam", " ube", "ube,", "unsolicited",
    "blacklisted url", "message content rejected", "content rejected",
    "bulk mail", NULL};
static const char *const p_virus[] = {
    "virus", "malware", "rejected due to security policies", "infected", NULL};
static const char *const p_toomanyconn[] = {"too many connections",
    "connection rate limit", "too many recipients", "too many simultaneous",
    "too many sessions", "aup#in-1310", "connection limit", NULL};
static const char *const p_blocked[] = {"blocked", "blacklist", "blocklist",
    "block list", "black list", "dnsbl", "spamhaus", " rbl", "rbl ",
    "aup#cdrbl", "banned sending ip", "weren't sent", "smtp server of your isp",
    "client host rejected", "not accepting connections", "connection refused",
    "refused to talk to me", "open relay", "relay quota", "(bl)",
    "not allowed to send", "your ip", "listed at", NULL};
/* Block lists named: blocked whatever the code says. */
static const char *const p_blocked_strong[] = {"spamhaus", "dnsbl",
    "blacklisted by", "blocklisted", "aup#cdrbl", "banned sending ip",
    "rbl:", NULL};
/* Content the receiver could not take, named whatever else is said. */
static const char *const p_content_strong[] = {"duplicate header",
    "improper use of 8-bit data", "headers too large", NULL};
static const char *const p_policy[] = {"policy violation", "denied by policy",
    "protocol violation", "policy reasons", "message not allowed",
    "potential security issue", "header error", "network not allowed",
    "local policy", "policy restriction", "violates", "violation", NULL};
static const char *const p_systemerror[] = {"internal system error",
    "system error", "transaction failed", "service currently unavailable",
    "insufficient permission", "server configuration", "local error",
    "internal error", "temporary local problem", NULL};
static const char *const p_networkerror[] = {"host not found, try again",
    "name server reply", "lost connection", "no route to host",
    "host name lookup failure", "routing loop", "hop count exceeded",
    "too many hops", "unable to establish", "wasn't able to establish",
    "network is unreachable", "could not connect", NULL};
static const char *const p_expired[] = {"retry timeout exceeded",
    "failing for a long time", "message expired", "delivery time expired",
    "timed out", "timeout", "queue too long", "too long in queue",
    "delivery failed*attempts", "unable to deliver this message after",
    "could not deliver for the last", "could not be delivered within",
    "given up", NULL};
static const char *const p_content[] = {"improper use of 8-bit data",
    "headers too large", "duplicate header", "invalid mime", "message header",
    "mime", "8-bit", NULL};
static const char *const p_systemfull[] = {
    "mail system full", "insufficient system storage", NULL};
static const char *const p_notaccept[] = {"does not accept mail",
    "couldn't find a mail exchanger", "null mx", "not accept any mail",
    "does not accept e-mail", NULL};
static const char *const p_mailer[] = {"procmail", "pipe to |", "mailer error",
    "unknown mailer", "exit code", "command output", "couldn't create", NULL};
static const char *const p_security[] = {"unauthenticated senders",
    "authentication required", "tls required", "encryption required",
    "must issue a starttls", NULL};
static const char *const p_syntax[] = {"syntax error",
    "improper sequence of commands", "parameter not implemented",
    "command unrecognized", "malformed address", "bad sequence",
    "command not implemented", "unrecognized command", NULL};
/* The reason of a status code (RFC 3463 §3; the choice of reason for each
 * follows Sisimai's published table). "" for the codes that say too
 * little (X.0.0, 5.7.1, ...): the text decides. */
static const char *
status_reason(const char *st)
{
	static const struct {
		const char *code;
		const char *reason;
	} table[] = {{"2.1.5", "delivered"}, {"4.1.6", "hasmoved"},
	    {"4.1.7", "rejected"}, {"4.1.8", "rejected"},
	    {"4.1.9", "systemerror"}, {"4.2.1", "suspend"},
	    {"4.2.2", "mailboxfull"}, {"4.2.3", "exceedlimit"},
	    {"4.2.4", "filtered"}, {"4.3.1", "systemfull"},
	    {"4.3.2", "notaccept"}, {"4.3.3", "systemerror"},
	    {"4.3.5", "systemerror"}, {"4.4.1", "expired"},
	    {"4.4.2", "networkerror"}, {"4.4.3", "systemerror"},
	    {"4.4.4", "networkerror"}, {"4.4.5", "systemfull"},
	    {"4.4.6", "networkerror"}, {"4.4.7", "expired"},
	    {"4.4.8", "networkerror"}, {"4.5.3", "systemerror"},
	    {"4.5.5", "systemerror"}, {"4.6.0", "contenterror"},
	    {"4.6.2", "contenterror"}, {"4.6.5", "contenterror"},
	    {"4.7.1", "blocked"}, {"4.7.2", "blocked"},
	    {"4.7.5", "securityerror"}, {"4.7.6", "securityerror"},
	    {"4.7.7", "securityerror"}, {"4.7.12", "securityerror"},
	    {"4.7.15", "securityerror"}, {"4.7.16", "mesgtoobig"},
	    {"4.7.24", "authfailure"}, {"4.7.25", "requireptr"},
	    {"4.7.26", "authfailure"}, {"5.1.0", "userunknown"},
	    {"5.1.1", "userunknown"}, {"5.1.2", "hostunknown"},
	    {"5.1.3", "userunknown"}, {"5.1.4", "filtered"},
	    {"5.1.6", "hasmoved"}, {"5.1.7", "rejected"}, {"5.1.8", "rejected"},
	    {"5.1.9", "systemerror"}, {"5.1.10", "notaccept"},
	    {"5.2.0", "filtered"}, {"5.2.1", "filtered"},
	    {"5.2.2", "mailboxfull"}, {"5.2.3", "exceedlimit"},
	    {"5.2.4", "filtered"}, {"5.3.0", "systemerror"},
	    {"5.3.1", "systemfull"}, {"5.3.2", "notaccept"},
	    {"5.3.3", "systemerror"}, {"5.3.4", "mesgtoobig"},
	    {"5.3.5", "systemerror"}, {"5.4.0", "networkerror"},
	    {"5.4.3", "systemerror"}, {"5.4.4", "hostunknown"},
	    {"5.4.6", "networkerror"}, {"5.5.2", "syntaxerror"},
	    {"5.5.3", "toomanyconn"}, {"5.5.4", "systemerror"},
	    {"5.5.5", "systemerror"}, {"5.5.6", "syntaxerror"},
	    {"5.6.0", "contenterror"}, {"5.6.1", "contenterror"},
	    {"5.6.2", "contenterror"}, {"5.6.3", "contenterror"},
	    {"5.6.5", "contenterror"}, {"5.6.6", "contenterror"},
	    {"5.6.7", "contenterror"}, {"5.6.8", "contenterror"},
	    {"5.6.9", "contenterror"}, {"5.7.2", "securityerror"},
	    {"5.7.3", "securityerror"}, {"5.7.4", "securityerror"},
	    {"5.7.5", "securityerror"}, {"5.7.6", "securityerror"},
	    {"5.7.7", "securityerror"}, {"5.7.8", "securityerror"},
	    {"5.7.9", "securityerror"}, {"5.7.10", "securityerror"},
	    {"5.7.11", "securityerror"}, {"5.7.13", "suspend"},
	    {"5.7.14", "securityerror"}, {"5.7.15", "securityerror"},
	    {"5.7.16", "mesgtoobig"}, {"5.7.17", "hasmoved"},
	    {"5.7.18", "hasmoved"}, {"5.7.19", "securityerror"},
	    {"5.7.20", "authfailure"}, {"5.7.21", "authfailure"},
	    {"5.7.22", "authfailure"}, {"5.7.23", "authfailure"},
	    {"5.7.24", "authfailure"}, {"5.7.25", "requireptr"},
	    {"5.7.26", "authfailure"}, {"5.7.27", "notaccept"}};
	for (size_t i = 0; i < EA_ARRAY_LEN(table); i++)
		if (strcmp(st, table[i].code) == 0)
			return table[i].reason;
	return "";
}

/* Sisimai's inferred codes: class.0.9xx, a detail per reason. */
static const char *
pseudo_detail(const char *reason)
{
	static const struct {
		const char *reason;
		const char *detail;
	} table[] = {{"authfailure", "972"}, {"badreputation", "975"},
	    {"blocked", "971"}, {"contenterror", "960"}, {"exceedlimit", "923"},
	    {"expired", "947"}, {"filtered", "910"}, {"hasmoved", "916"},
	    {"hostunknown", "912"}, {"mailboxfull", "922"},
	    {"mailererror", "939"}, {"mesgtoobig", "934"},
	    {"networkerror", "944"}, {"norelaying", "909"},
	    {"notaccept", "932"}, {"notcompliantrfc", "974"}, {"onhold", "901"},
	    {"policyviolation", "972"}, {"rejected", "918"},
	    {"requireptr", "973"}, {"securityerror", "970"},
	    {"spamdetected", "980"}, {"speeding", "946"}, {"suspend", "921"},
	    {"syntaxerror", "902"}, {"systemerror", "930"},
	    {"systemfull", "931"}, {"toomanyconn", "945"}, {"undefined", "900"},
	    {"userunknown", "911"}, {"virusdetected", "980"}};
	for (size_t i = 0; i < EA_ARRAY_LEN(table); i++)
		if (strcmp(reason, table[i].reason) == 0)
			return table[i].detail;
	return NULL;
}

/* What the decision looks at. */
struct facts {
	const char *status;  /* "" when none */
	const char *reply;   /* "" when none */
	const char *text;    /* the diagnostic, lower case */
	const char *command; /* "" when not said */
	const char *diag_type;
	const char *action;
	const char *preset;
	const char *fallback;
	const char *category;
	const char *remote; /* the remote MTA, lower case */
	bool temporary;
};

/* The authentication mechanism the receiver's words name first. */
static const char *
auth_of(const char *t)
{
	const char *best = NULL, *name = "";
	static const struct {
		const char *const *pats;
		const char *name;
	} mech[] = {{p_dmarc, "dmarc"}, {p_spf, "spf"}, {p_dkim, "dkim"}};
	/* DMARC is the policy over the other two: when it is named, it is
	 * why the message was refused. */
	if (any(t, p_dmarc))
		return "dmarc";
	for (size_t i = 1; i < EA_ARRAY_LEN(mech); i++)
		for (size_t j = 0; mech[i].pats[j] != NULL; j++) {
			const char *at = strstr(t, mech[i].pats[j]);
			if (at != NULL && (best == NULL || at < best)) {
				best = at;
				name = mech[i].name;
			}
		}
	return name;
}

static bool
is_auth(const struct facts *f)
{
	const char *sr = status_reason(f->status);
	if (strcmp(sr, "authfailure") == 0)
		return true;
	/* Microsoft's 5.7.509: "does not pass DMARC verification" (the
	 * words say it too). */
	if (any(f->text, p_dmarc) || any(f->text, p_dkim) ||
	    any(f->text, p_auth_other))
		return true;
	/* SPF named in a refusal; "spf" inside a URL path alone is not. */
	return any(f->text, p_spf);
}

/* Whether the unknown-user words mean the user is unknown (a refusal of
 * RCPT, or a code that says so) or that a filter refused (the same words
 * after DATA, or a 5.2.x code). */
static const char *
user_or_filtered(const struct facts *f, const char *sr)
{
	bool words = any(f->text, p_userunknown);
	if (strcmp(f->command, "MAIL") == 0)
		return NULL;
	/* KDDI's (au) servers say "User unknown" of a user unknown, at
	 * any stage. */
	if (words && has(f->text, ">: user unknown") &&
	    (strstr(f->remote, "ezweb.ne.jp") != NULL ||
	        strstr(f->remote, ".au.com") != NULL))
		return "userunknown";
	/* Yahoo's "dd" error: the address does not exist, whenever it is
	 * said. */
	if (has(f->text, "delivery error: dd*doesn't have a"))
		return "userunknown";
	if (strcmp(sr, "userunknown") == 0)
		return "userunknown";
	if (strcmp(sr, "filtered") == 0)
		return words && strcmp(f->command, "RCPT") == 0 ? "userunknown"
		                                                : "filtered";
	(void)0;
	if (!words)
		return NULL;
	/* Refused at RCPT: the user is unknown. Later (after DATA, or
	 * when the bounce does not say when) Sisimai takes the words as a
	 * filter's: the recipient had been accepted. */
	if (strcmp(f->command, "RCPT") == 0)
		return "userunknown";
	return "filtered";
}

/* The reason of a category PowerMTA writes (X-PowerMTA-BounceCategory,
 * its documented bounce categories), or NULL. */
static const char *
category_reason(const char *c)
{
	static const struct {
		const char *cat;
		const char *reason;
	} table[] = {{"bad-mailbox", "userunknown"},
	    {"bad-domain", "hostunknown"}, {"inactive-mailbox", "suspend"},
	    {"quota-issues", "mailboxfull"}, {"message-expired", "expired"},
	    {"spam-related", "spamdetected"},
	    {"virus-related", "virusdetected"},
	    {"policy-related", "policyviolation"},
	    {"routing-errors", "systemerror"},
	    {"relaying-issues", "norelaying"},
	    {"content-related", "contenterror"},
	    {"bad-connection", "networkerror"},
	    {"no-answer-from-host", "networkerror"},
	    {"protocol-errors", "systemerror"}};
	for (size_t i = 0; c[0] && i < EA_ARRAY_LEN(table); i++)
		if (strcmp(c, table[i].cat) == 0)
			return table[i].reason;
	return NULL;
}

/* "mx.example.org does not exist": a host name, not a user. */
static bool
host_does_not_exist(const char *t)
{
	const char *at = strstr(t, " does not exist");
	if (at == NULL)
		return false;
	const char *w = at;
	while (w > t && w[-1] != ' ')
		w--;
	bool dot = false;
	for (const char *c = w; c < at; c++) {
		if (*c == '@' || *c == '<' || *c == '>')
			return false;
		dot |= *c == '.';
	}
	return dot;
}

static const char *
decide(const struct facts *f)
{
	const char *t = f->text;
	const char *sr = status_reason(f->status);
	const char *r;
	bool mail = strcmp(f->command, "MAIL") == 0;
	bool greeting =
	    strcmp(f->command, "CONN") == 0 || strcmp(f->command, "EHLO") == 0;

	if (f->preset[0])
		return f->preset;
	if ((r = category_reason(f->category)) != NULL)
		return r;
	if (f->status[0] == '2' || strcmp(f->action, "delivered") == 0 ||
	    strcmp(f->action, "relayed") == 0 ||
	    strcmp(f->action, "expanded") == 0)
		return "delivered";

	/* The causes named precisely, whatever the code. A header the
	 * receiver refused names DKIM without being about it. */
	if (any(t, p_content_strong))
		return "contenterror";
	if (is_auth(f))
		return "authfailure";
	if (strcmp(sr, "requireptr") == 0 || any(t, p_requireptr))
		return "requireptr";
	if (any(t, p_notcompliant))
		return "notcompliantrfc";
	if (any(t, p_badreputation))
		return "badreputation";
	if (any(t, p_speeding))
		return "speeding";
	if (any(t, p_mailer))
		return "mailererror";

	/* What a code or the words state. */
	if (strcmp(sr, "mailboxfull") == 0 || any(t, p_mailboxfull))
		return "mailboxfull";
	if (any(t, p_exceedlimit))
		return "exceedlimit";
	if (strcmp(sr, "mesgtoobig") == 0 || any(t, p_mesgtoobig))
		return strcmp(sr, "exceedlimit") == 0 ? "exceedlimit"
		                                      : "mesgtoobig";
	if (strcmp(sr, "exceedlimit") == 0)
		return "exceedlimit";
	if (strcmp(sr, "suspend") == 0 || any(t, p_suspend))
		return "suspend";
	if (strcmp(sr, "hasmoved") == 0 || any(t, p_hasmoved))
		return "hasmoved";
	if (any(t, p_norelaying) && !greeting)
		return "norelaying";
	if (any(t, p_notaccept))
		return "notaccept";
	if (any(t, p_blocked_strong))
		return "blocked";
	if (strcmp(sr, "rejected") == 0)
		return "rejected";
	if (any(t, p_rejected) && !greeting)
		return "rejected";
	if ((r = user_or_filtered(f, sr)) != NULL)
		return r;
	if (!mail && (strcmp(sr, "hostunknown") == 0 || any(t, p_hostunknown) ||
	                 host_does_not_exist(t)))
		return any(t, p_networkerror) ? "networkerror" : "hostunknown";
	if (any(t, p_virus))
		return "virusdetected";
	if (any(t, p_spam))
		return "spamdetected";
	if (strcmp(sr, "toomanyconn") == 0 || any(t, p_toomanyconn))
		return "toomanyconn";
	if (any(t, p_policy))
		return "policyviolation";
	if (any(t, p_blocked))
		return "blocked";
	if (any(t, p_networkerror))
		return "networkerror";

	/* The code's meaning (at MAIL FROM, not about the recipient). */
	if (sr[0] && strcmp(sr, "systemerror") != 0 &&
	    strcmp(sr, "networkerror") != 0 &&
	    strcmp(sr, "securityerror") != 0 &&
	    !(mail && (strcmp(sr, "userunknown") == 0 ||
	                  strcmp(sr, "hostunknown") == 0 ||
	                  strcmp(sr, "filtered") == 0)))
		return sr;
	if (greeting)
		return "blocked";

	/* Looser words. */
	if (any(t, p_systemerror))
		return "systemerror";
	if (any(t, p_security))
		return "securityerror";
	/* Refused at MAIL FROM for no cause named: the sender was. */
	if (mail)
		return "rejected";
	if (strcmp(f->diag_type, "x-unix") == 0)
		return "mailererror";
	if (any(t, p_expired))
		return "expired";
	if (any(t, p_content))
		return "contenterror";
	if (any(t, p_systemfull))
		return "systemfull";
	if (any(t, p_security))
		return "securityerror";
	if (any(t, p_syntax))
		return "syntaxerror";
	if (sr[0])
		return sr;

	/* The class of the code, the action. */
	if (f->status[0] && f->status[2] == '6' && f->status[3] == '.')
		return "contenterror";
	if (f->status[0] && f->status[2] == '7' && f->status[3] == '.')
		return "securityerror";
	if (strcmp(f->diag_type, "x-postfix") == 0 && f->reply[0] == '\0' &&
	    f->status[0] && f->status[2] == '3')
		return "mailererror";
	if (strcmp(f->action, "delayed") == 0)
		return "expired";
	if (f->fallback[0])
		return f->fallback;
	if (t[0] != '\0')
		return "onhold";
	return "undefined";
}

/* Whether the reason @r is a hard bounce: the address will not work
 * again (Sisimai's notion: an unknown user or host, a mailbox that moved;
 * a destination that accepts no mail at all, when permanent). */
static bool
hard_of(const char *r, const char *status, const char *reply, bool temp)
{
	if (strcmp(r, "userunknown") == 0 || strcmp(r, "hostunknown") == 0 ||
	    strcmp(r, "hasmoved") == 0)
		return true;
	if (strcmp(r, "notaccept") != 0)
		return false;
	if (status[0])
		return status[0] == '5';
	if (reply[0])
		return reply[0] == '5';
	return !temp;
}

/* Lower-case copy of @s into @out (at most DIAG_MAX). */
static void
lower(char *out, const char *s)
{
	size_t n = strnlen(s, DIAG_MAX - 1);
	ea_lower_copy(out, (const uint8_t *)s, n);
	out[n] = '\0';
}

void
ea_bounce_finish(struct ea_brcpt *w)
{
	struct emauth_bounce_rcpt *r = &w->r;
	char text[DIAG_MAX], spec[16] = "";

	/* An X-Unix diagnostic is a program's exit status, not a reply. */
	if (r->reply_code[0] == '\0' && strcmp(w->diag_type, "x-unix") != 0)
		ea_bounce_find_reply(r->diagnostic, r->reply_code);
	/* The remote server's own specific code is the most precise one:
	 * it wins over a generic or relayed Status field. */
	if (strcmp(w->preset, "vacation") != 0) {
		bool generic = r->status[0] == '\0' ||
		               (r->status[1] == '.' && r->status[2] == '0' &&
		                   strcmp(r->status + 3, ".0") == 0);
		ea_bounce_find_status(r->diagnostic, spec, 2);
		if (spec[0] == '\0' && generic)
			ea_bounce_find_status(r->diagnostic, spec, 1);
		if (spec[0] == '\0' && r->status[0] == '\0')
			ea_bounce_find_status(r->diagnostic, spec, 0);
		if (spec[0])
			ea_copy_str(r->status, sizeof(r->status), spec);
	}
	ea_bounce_squeeze(
	    r->diagnostic, r->reply_code, spec[0] ? spec : r->status);
	lower(text, r->diagnostic);

	char remote[sizeof(r->remote_mta)];
	size_t rn = strnlen(r->remote_mta, sizeof(remote) - 1);
	ea_lower_copy(remote, (const uint8_t *)r->remote_mta, rn);
	remote[rn] = '\0';
	struct facts f = {r->status, r->reply_code, text, w->command,
	    w->diag_type, r->action, w->preset, w->fallback, w->category,
	    remote, w->temporary};
	const char *reason = decide(&f);
	ea_copy_str(r->reason, sizeof(r->reason), reason);
	r->auth[0] = '\0';
	if (strcmp(reason, "authfailure") == 0)
		ea_copy_str(r->auth, sizeof(r->auth), auth_of(text));
	else if (strcmp(reason, "requireptr") == 0)
		ea_copy_str(r->auth, sizeof(r->auth), "ptr");

	/* No code in the bounce: Sisimai's inferred one. Class 4 when the
	 * system was still trying or the reply was temporary. */
	const char *detail = pseudo_detail(reason);
	if (r->status[0] == '\0' && detail != NULL &&
	    strcmp(reason, "vacation") != 0 &&
	    strcmp(reason, "delivered") != 0) {
		bool temp = w->temporary || r->reply_code[0] == '4';
		ea_fmt(r->status, sizeof(r->status), "%c.0.%s",
		    temp ? '4' : '5', detail);
	}
	r->hard = hard_of(reason, r->status, r->reply_code, w->temporary);
}

int
emauth_bounce_classify(const char *status, const char *reply_code,
    const char *diagnostic, char *reason, char *auth)
{
	struct ea_brcpt w;
	memset(&w, 0, sizeof(w));
	if (status != NULL && ea_bounce_status_ok(status))
		ea_copy_str(w.r.status, sizeof(w.r.status), status);
	if (reply_code != NULL && strlen(reply_code) == 3)
		ea_copy_str(w.r.reply_code, sizeof(w.r.reply_code), reply_code);
	if (diagnostic != NULL)
		ea_bounce_line(w.r.diagnostic, sizeof(w.r.diagnostic),
		    diagnostic, strlen(diagnostic), true);
	ea_bounce_finish(&w);
	if (reason != NULL)
		ea_copy_str(reason, 32, w.r.reason);
	if (auth != NULL)
		ea_copy_str(auth, 8, w.r.auth);
	return w.r.hard;
}
