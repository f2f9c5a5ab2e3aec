/*
 * cli.h: what the emauth subcommands share: usage errors (exit 2) and the
 * DNS option. The CLI uses the public API only.
 */
#ifndef EMAUTH_CLI_H
#define EMAUTH_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <emauth/emauth.h>

#define EXIT_USAGE 2

/* Prints "emauth CMD: message" to stderr and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* snprintf where truncating a message for people is acceptable. */
void cli_fmt(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reads @f to its end into a new buffer (free()). More than @max bytes
 * is EMAUTH_ETOOBIG (nothing given: never a cut copy); EMAUTH_EIO,
 * EMAUTH_ENOMEM. */
int cli_read_all(FILE *f, size_t max, uint8_t **out, size_t *len);
/* Writes @fields (NULL ones skipped; each "Name: value", folded with CRLF)
 * then the message in @src (rewound) to standard output, in the message's
 * own line ending. @return 0, EXIT_USAGE (a write or read error). */
int cli_write_message(FILE *src, const char *const *fields, size_t n);
/* The getopt_long error cases (':' missing value, '?' unknown option). */
int cli_bad_option(const char *cmd, int c, char **argv);
/* A context with --dns SPEC applied (@dns NULL: the system back end); on
 * error prints why, leaves *@out NULL and returns EXIT_USAGE. */
int cli_ctx_new(const char *cmd, const char *dns, struct emauth_ctx **out);

int cmd_spf(int argc, char **argv);
int cmd_dkim(int argc, char **argv);
int cmd_arc(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_dmarc(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_bounce(int argc, char **argv);
#include <stdint.h>
/* Seconds since 1970, digits only; -1 when @s is not. */
int cli_epoch(const char *s, int64_t *out);
/* Adds the DMARC evaluation @v to the store @spec ("verify --record");
 * prints why and returns EXIT_USAGE on failure. */
#include <emauth/report.h>
int cli_record_verdict(const char *spec, const struct emauth_verdict *v,
    const struct emauth_report_env *env);
/* The report store: @store, else the ReportStore of the configuration
 * @conf; on error prints why and returns EXIT_USAGE. */
int cli_report_store(const char *cmd, const char *conf, const char *store,
    struct emauth_store **out);
/* The senders map: @path, else the installed one if it is there (*@map
 * NULL when neither); free *@map with free(). On error prints why and
 * returns EXIT_USAGE. */
int cli_senders_map(
    const char *cmd, const char *path, uint8_t **map, size_t *len);
/* A DKIM key record @rec in master-file form, 255-byte strings. */
void cli_dkim_txt(const char *selector, const char *domain, const char *rec,
    char *txt, size_t size);

/* DMARC helpers shared by "dmarc" and "verify". */
#include <emauth/dmarc.h>
#include <json-c/json.h>
/* Parses --dmarc-mode; on error prints why and returns EXIT_USAGE. */
int cli_dmarc_mode(
    const char *cmd, const char *arg, enum emauth_dmarc_mode *out);
#include <emauth/dkim.h>
#include <emauth/msg.h>
#include <stdio.h>
/* Streams @f into a message reader (and into @copy when not NULL). */
int cli_feed_file(FILE *f, const struct emauth_msg_handler *h, void *arg,
    FILE *copy, struct emauth_diag *d);
/* One SPF result as "emauth spf --json" prints it. */
#include <emauth/spf.h>
json_object *cli_spf_json(const struct emauth_spf_result *r);
/* Whether @s is a DNS name of letters, digits, "-" and "_" labels (1 to
 * 63 bytes each, 253 in all): for names the user writes into records. */
bool cli_name_ok(const char *s);
/* Loads the private key file @path (at most 64 KiB, read whole or
 * refused); on error prints "emauth CMD: OPTPATH: why" and returns
 * EXIT_USAGE. */
int cli_load_key(const char *cmd, const char *opt, const char *path,
    struct emauth_dkim_key **k);
/* A message reader's handler feeding a DKIM signer (its @arg). */
extern const struct emauth_msg_handler cli_signer_handler;
/* One signature as "emauth dkim verify --json" prints it. */
json_object *cli_dkim_result_json(const struct emauth_dkim_result *r);
json_object *cli_dmarc_record_json(const struct emauth_dmarc_record *r);
void cli_dmarc_print_notes(
    const struct emauth_dmarc_record *r, const char *indent);

#endif
