/*
 * main.c: the emauth command line: dispatch to one cmd_<verb>.c per
 * subcommand.
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: emauth COMMAND [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  spf      evaluate SPF (RFC 7208) for a client IP and sender\n"
    "  dkim     sign and verify messages, test keys (RFC 6376, 8463)\n"
    "  arc      verify and seal ARC chains (RFC 8617)\n"
    "  keygen   generate a DKIM key pair and its DNS record\n"
    "  dmarc    show the DMARC policy that applies to a domain\n"
    "  verify   the whole verdict on a message: iprev, SPF, DKIM, DMARC\n"
    "  record   write SPF, DMARC, DKIM or PTR records, validated\n"
    "  check    audit a domain: SPF, DMARC, DKIM, MX, reverse DNS\n"
    "  report   DMARC reports: send (a receiver's), import, list,\n"
    "           summary, serve (a domain owner's)\n"
    "  bounce   read bounces (why the mail failed), route them\n"
    "\n"
    "Run 'emauth COMMAND --help' for a command's options.\n"
    "Exit status: 2 for bad usage or unreadable input; otherwise see each\n"
    "command.\n";

void
cli_fmt(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

bool
cli_name_ok(const char *s)
{
	size_t n = strlen(s), lab = 0;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (lab == 0)
				return false;
			lab = 0;
		} else if (++lab > 63 ||
		           !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		               (c >= '0' && c <= '9') || c == '-' ||
		               c == '_')) {
			return false;
		}
	}
	return true;
}

int
cli_read_all(FILE *f, size_t max, uint8_t **out, size_t *len)
{
	size_t cap = max < 65536 ? max + 1 : 65536, n = 0;
	uint8_t *b = malloc(cap);
	*out = NULL;
	*len = 0;
	if (b == NULL)
		return EMAUTH_ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				/* One byte past the cap was read: refused,
				 * never used cut short. */
				free(b);
				return EMAUTH_ETOOBIG;
			}
			size_t nc = cap <= (max + 1) / 2 ? cap * 2 : max + 1;
			uint8_t *nb = realloc(b, nc);
			if (nb == NULL) {
				free(b);
				return EMAUTH_ENOMEM;
			}
			b = nb;
			cap = nc;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(b);
		return EMAUTH_EIO;
	}
	*out = b;
	*len = n;
	return 0;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "emauth %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'emauth %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int
cli_bad_option(const char *cmd, int c, char **argv)
{
	if (c == ':')
		return cli_usage_error(
		    cmd, "%s needs a value", argv[optind - 1]);
	return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

int
cli_ctx_new(const char *cmd, const char *dns, struct emauth_ctx **out)
{
	struct emauth_diag d;
	char msg[512];

	*out = NULL;
	if (emauth_ctx_new(out) != 0) {
		fprintf(stderr, "emauth %s: out of memory\n", cmd);
		return EXIT_USAGE;
	}
	memset(&d, 0, sizeof(d));
	if (dns == NULL || emauth_ctx_set_dns(*out, dns, &d) == 0)
		return 0;
	fprintf(stderr, "emauth %s: --dns %s: %s\n", cmd, dns,
	    emauth_diag_format(&d, msg, sizeof(msg)));
	emauth_ctx_free(*out);
	*out = NULL;
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("emauth %s\n", emauth_version());
		return 0;
	}
	emauth_global_init();
	if (strcmp(cmd, "spf") == 0)
		return cmd_spf(argc - 1, argv + 1);
	if (strcmp(cmd, "dkim") == 0)
		return cmd_dkim(argc - 1, argv + 1);
	if (strcmp(cmd, "arc") == 0)
		return cmd_arc(argc - 1, argv + 1);
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(argc - 1, argv + 1);
	if (strcmp(cmd, "dmarc") == 0)
		return cmd_dmarc(argc - 1, argv + 1);
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(cmd, "record") == 0)
		return cmd_record(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "bounce") == 0)
		return cmd_bounce(argc - 1, argv + 1);
	if (strcmp(cmd, "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	fprintf(stderr, "emauth: unknown command '%s'\n\n%s", cmd, usage);
	return EXIT_USAGE;
}
