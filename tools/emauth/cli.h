/*
 * cli.h: what the emauth subcommands share: usage errors (exit 2) and the
 * DNS option. The CLI uses the public API only.
 */
#ifndef EMAUTH_CLI_H
#define EMAUTH_CLI_H

#include <emauth/emauth.h>

#define EXIT_USAGE 2

/* Prints "emauth CMD: message" to stderr and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The getopt_long error cases (':' missing value, '?' unknown option). */
int cli_bad_option(const char *cmd, int c, char **argv);
/* Applies --dns SPEC to @ctx; on error prints why and returns EXIT_USAGE. */
int cli_set_dns(const char *cmd, struct emauth_ctx *ctx, const char *spec);

int cmd_spf(int argc, char **argv);
int cmd_dkim(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_dmarc(int argc, char **argv);

/* DMARC helpers shared by "dmarc" and "verify". */
#include <emauth/dmarc.h>
#include <json-c/json.h>
/* Parses --dmarc-mode; on error prints why and returns EXIT_USAGE. */
int cli_dmarc_mode(const char *cmd, const char *arg, enum emauth_dmarc_mode *out);
json_object *cli_dmarc_record_json(const struct emauth_dmarc_record *r);
void cli_dmarc_print_notes(const struct emauth_dmarc_record *r, const char *indent);

#endif
