/*
 * config.h: emauth-milter's configuration, read from an opendkim.conf-style
 * file (one "Key value" a line, "#" comments, keys case-insensitive) so
 * that an OpenDKIM user can point emauth-milter at the files they have:
 * KeyTable, SigningTable (with refile: patterns), InternalHosts,
 * TrustedHosts, ExternalIgnoreList. Every file is bounded (lines, entries)
 * and every error names the file, the line and what is wrong.
 *
 * Every file read (the configuration, its tables and host lists, and the
 * key files main.c reads) must be a regular file: it is opened without
 * blocking and refused when it is a directory, a FIFO, a device or a
 * socket, or larger than its cap. A NUL byte, a line longer than
 * MC_LINE_MAX or a table of more than MC_ENTRIES_MAX entries is an error
 * naming FILE:LINE, never a cut line or a dropped entry.
 */
#ifndef EMAUTH_MILTER_CONFIG_H
#define EMAUTH_MILTER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

/* Ours: bounds on what the configuration may hold. */
#define MC_LINE_MAX 4096               /* bytes a line, without its line feed */
#define MC_ENTRIES_MAX 10000           /* entries a table or host list */
#define MC_FILE_MAX (16 * 1024 * 1024) /* bytes a configuration file */
#define MC_SIGS_PER_MESSAGE 8 /* more matches: the first sign (logged) */
/* Ours: the ranges of DNSTimeout and DNSBudget (seconds) and of
 * MaximumHeaderBytes; a value outside is an error, never clamped. */
#define MC_DNS_SECONDS_MAX 3600
#define MC_HEADER_BYTES_MIN 1024
#define MC_HEADER_BYTES_MAX (64UL * 1024 * 1024)

enum mc_mode { MC_SIGN = 1, MC_VERIFY = 2 };

struct mc_key {
	char name[128];     /* the KeyTable name */
	char domain[256];   /* d= ("%" = the From domain) */
	char selector[64];  /* s= */
	char keyfile[1024]; /* PEM or base64 Ed25519 seed */
	unsigned table;     /* KeyTable: its file, c->keytables[table] */
	unsigned line;      /* and its line there (0: not from a KeyTable) */
};

struct mc_sign {
	char pattern[320]; /* address, domain or refile: pattern */
	char key[128];     /* KeyTable name, or "domain:selector:file" */
	unsigned line;     /* in the SigningTable file */
};

struct mc_net {
	int family; /* 4, 6, or 0 for a host name */
	uint8_t addr[16];
	unsigned bits;
	char host[256];
};

struct mc_nets {
	struct mc_net *v;
	size_t n, cap; /* cap: room in v, grown by doubling */
};

/* Ours: domains in ARCTrustedSealers. */
#define MC_ARC_TRUSTED_MAX 32

struct milter_config {
	unsigned mode; /* MC_SIGN | MC_VERIFY */
	char socket[1024];
	char userid[256];
	char pidfile[1024];
	char authserv_id[256]; /* AuthservID, or the host name when unset */
	unsigned umask;
	bool syslog, syslog_success, log_why;
	int header_canon, body_canon; /* 0 simple, 1 relaxed */
	int algorithm;                /* 0 rsa-sha256, 1 ed25519-sha256 */
	char oversign[1024];          /* colon-separated header names */
	int dmarc_enforce;            /* 0 none, 1 quarantine, 2 reject */
	/* ARCTrustedSealers: forwarders whose passing ARC chain overrides a
	 * DMARC failure (the newest seal's d=). */
	char arc_trusted[MC_ARC_TRUSTED_MAX][254];
	size_t arc_ntrusted;
	/* ARCSign: the KeyTable key that seals relayed mail, or "". */
	char arc_sign[128];
	unsigned arc_sign_line;
	/* RewriteFrom: 0 never, 1 dmarc (From domains with p=quarantine or
	 * reject), 2 always; for mail whose From domain has no key. */
	int rewrite_from;
	char rewrite_domain[254]; /* RewriteFromDomain */
	char rewrite_org[256];    /* RewriteFromOrganization (the domain) */
	char rewrite_format[256]; /* RewriteFromFormat: "%n via %o" */
	int dmarc_mode;           /* 0 RFC 9989, 1 RFC 7489 (DMARCMode) */
	char reject_message[512]; /* RejectMessage; "%d" = From domain */
	bool tempfail_dns;        /* TempFailOnDNSError (default yes) */
	bool add_authres;         /* AddAuthenticationResults (default yes) */
	char dns[1024];           /* DNS spec: system, server:IP@PORT, zone: */
	unsigned dns_timeout;     /* DNSTimeout: seconds per query (5) */
	unsigned dns_budget;      /* DNSBudget: seconds per message (20) */
	unsigned max_header_kb;   /* MaximumHeaderBytes / 1024 (1024) */
	/* MultipleSignatures (OpenDKIM's, default no): every matching
	 * SigningTable line signs (at most MC_SIGS_PER_MESSAGE), or only
	 * the first. */
	bool multiple_sigs;
	/* Single-key mode (Domain, Selector, KeyFile). */
	char domain[1024]; /* comma-separated domains */
	char selector[64];
	char keyfile[1024];
	unsigned keyfile_line; /* the KeyFile line of the configuration */
	/* Tables. */
	struct mc_key *keys;
	size_t nkeys, keys_cap; /* keys_cap: room in keys */
	/* The KeyTable files read (a KeyTable line may come more than
	 * once), for messages naming a key's file and line. */
	char **keytables;
	size_t nkeytables;
	struct mc_sign *signing;
	size_t nsigning, signing_cap;
	bool signing_refile; /* SigningTable given as refile: */
	char signing_path[1024];
	struct mc_nets internal, external_ignore;
	/* DMARC reports (emauth-milter.conf(5)): the verdict store, who
	 * reports, how long rows are kept, how reports are submitted, the
	 * recorder's backlog, and failure reports. */
	char report_store[1024];   /* ReportStore: sqlite:PATH, postgresql:// */
	char report_org[256];      /* ReportOrgName */
	char report_email[320];    /* ReportEmail */
	char report_submit[1024];  /* ReportSubmit: sendmail path or smtp:// */
	unsigned report_keep_days; /* ReportKeepDays (30) */
	unsigned report_backlog;   /* ReportBacklog (10000) */
	bool failure_reports;      /* FailureReports (no) */
	unsigned failure_per_hour; /* FailureReportsPerHour (5) a domain */
	bool failure_body;         /* FailureReportsBody (no) */
	bool failure_redact;       /* FailureReportsRedact (no) */
};

/*
 * Loads @path into @c (zeroed first). On error returns -1 and writes
 * "FILE:LINE: what is wrong" into @err: a line that is not "Key value"
 * (a value of more words than its key takes, such as several keys on one
 * line), a key neither emauth-milter nor OpenDKIM knows (with the closest
 * known key suggested), a value its key does not take, a table or host
 * list that does not read. Warnings (OpenDKIM keys not used here, a host
 * list covering every client, a MaximumHeaderBytes rounded down to a
 * whole KiB, a host name that cannot be the default authserv-id) go to
 * @warn (may be NULL), one a line, as long as it has room. Without
 * AuthservID, @c->authserv_id is the host name, read here once.
 */
int milter_config_load(const char *path, struct milter_config *c, char *err,
    size_t errsize, char *warn, size_t warnsize);
/* The same from an open file (@path names it in messages). */
int milter_config_parse(FILE *f, const char *path, struct milter_config *c,
    char *err, size_t errsize, char *warn, size_t warnsize);
void milter_config_free(struct milter_config *c);

/* Appends one line to the warnings in @warn (@size bytes; NULL: none),
 * as long as it has room. */
void milter_config_warn(char *warn, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Whether @key is a key of emauth-milter (1), one of OpenDKIM's that
 * emauth-milter does not use (2), or neither (0). For 0, @near (may be
 * NULL) receives the known key closest to @key by edit distance when it
 * is close enough to be a typing error, or NULL (OUT; a static string).
 */
int milter_config_key_known(const char *key, const char **near);

/*
 * The keys that sign mail from @from (an address): the SigningTable's
 * matches (every refile: pattern that matches, in file order; otherwise
 * the lines naming the address, then its domain, then each parent
 * domain), or the single-key configuration when @from's domain is one of
 * Domain. Without MultipleSignatures only the first match; with it, every
 * match. Writes at most @max keys into @out with their domain resolved;
 * returns the count.
 */
size_t milter_config_keys_for(const struct milter_config *c, const char *from,
    struct mc_key *out, size_t max);

/* The ARCSign key into @out; false when ARCSign is not set. */
bool milter_config_arc_key(const struct milter_config *c, struct mc_key *out);

/*
 * Whether @subject matches the refile: pattern @pattern as a whole: "*"
 * matches any run of characters (the empty one too), every other byte
 * itself with ASCII case ignored; there are no other metacharacters. Takes
 * at most (strlen(pattern) + 1) * (strlen(subject) + 1) steps, whatever
 * the pattern; @steps (may be NULL) receives how many it took (OUT).
 */
bool milter_glob_match(const char *pattern, const char *subject, size_t *steps);

/*
 * Opens @path for reading without blocking (a FIFO or a device must not
 * hang the caller) and checks that it is a regular file of at most @max
 * bytes. Returns the descriptor, which the caller closes, or -1 with what
 * is wrong in @why (the path left out): the open or fstat error, "is a
 * directory", "is not a regular file (a FIFO)" and the like, or "is
 * larger than N bytes". @sb (may be NULL) receives the file's status (OUT).
 */
int milter_file_open(
    const char *path, size_t max, struct stat *sb, char *why, size_t whysize);

/* Whether the client (@ip text, and @host name when known) is in @n. */
bool milter_nets_match(
    const struct mc_nets *n, const char *ip, const char *host);

/* Whether the client (@ip text, and @host name when known) is internal:
 * InternalHosts, TrustedHosts, or the loopback when neither is set. */
bool milter_config_internal(
    const struct milter_config *c, const char *ip, const char *host);

#endif
