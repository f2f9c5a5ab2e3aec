/*
 * cmd_keygen.c: "emauth keygen": a DKIM key pair, the private key as PEM
 * (mode 0600, never overwriting unless --force) and the DNS record in
 * master-file form, as opendkim-genkey writes them.
 */
#define _DEFAULT_SOURCE 1
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <emauth/dkim.h>

#include "cli.h"

static const char help[] =
    "usage: emauth keygen --domain D --selector S [--algorithm rsa|ed25519]\n"
    "                     [--bits N] [--directory DIR] [--testing] "
    "[--force]\n"
    "\n"
    "Writes DIR/S.private, the private key (PKCS#8 PEM, mode 0600), and\n"
    "DIR/S.txt, the record to publish:\n"
    "  S._domainkey IN TXT ( \"v=DKIM1; k=rsa; \" \"p=...\" )  ; D\n"
    "with strings of at most 255 bytes. Default: RSA 2048 bits (1024 to\n"
    "4096; a key under 2048 bits is written with a warning, as receivers\n"
    "such as Gmail expect 2048). Large mailbox providers do not verify\n"
    "Ed25519 yet: sign with RSA always and add an Ed25519 signature beside\n"
    "it, never alone.\n"
    "\n"
    "  --testing   add t=y (receivers treat failures leniently)\n"
    "  --force     overwrite existing files\n"
    "\n"
    "Exit status: 0 written; 2 bad usage, or a file exists or cannot be\n"
    "written.\n";

/* Writes @data to @path created with @mode (O_EXCL unless @force). */
static int
write_file(const char *path, const char *data, mode_t mode, bool force)
{
	int flags = O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL);
	int fd = open(path, flags, mode);
	if (fd < 0) {
		fprintf(stderr, "emauth keygen: %s: %s%s\n", path,
		    strerror(errno),
		    errno == EEXIST ? " (use --force to overwrite)" : "");
		return EXIT_USAGE;
	}
	/* An existing file keeps its mode under O_TRUNC: set it. */
	if (fchmod(fd, mode) != 0) {
		close(fd);
		return EXIT_USAGE;
	}
	size_t n = strlen(data), off = 0;
	while (off < n) {
		ssize_t w = write(fd, data + off, n - off);
		if (w <= 0) {
			fprintf(stderr, "emauth keygen: %s: %s\n", path,
			    strerror(errno));
			close(fd);
			unlink(path);
			return EXIT_USAGE;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0) {
		unlink(path);
		return EXIT_USAGE;
	}
	return 0;
}

void
cli_dkim_txt(const char *selector, const char *domain, const char *rec,
    char *txt, size_t size)
{
	/* The record in master-file form, strings of at most 255 bytes:
	 * the tags first, then p= split. */
	size_t o =
	    (size_t)snprintf(txt, size, "%s._domainkey\tIN\tTXT\t( ", selector);
	const char *p = strstr(rec, "p=");
	if (p == NULL)
		p = rec + strlen(rec);
	o += (size_t)snprintf(
	    txt + o, size - o, "\"%.*s\"", (int)(p - rec), rec);
	for (size_t i = 0, n = strlen(p); i < n && o < size; i += 250)
		o += (size_t)snprintf(txt + o, size - o, "\n\t\"%.*s\"",
		    (int)(n - i > 250 ? 250 : n - i), p + i);
	if (o < size)
		snprintf(txt + o, size - o, " )  ; ----- DKIM key %s for %s\n",
		    selector, domain);
}

int
cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"domain", required_argument, NULL, 'd'},
	    {"selector", required_argument, NULL, 's'},
	    {"algorithm", required_argument, NULL, 'a'},
	    {"bits", required_argument, NULL, 'b'},
	    {"directory", required_argument, NULL, 'D'},
	    {"testing", no_argument, NULL, 't'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *domain = NULL, *selector = NULL, *dir = ".";
	enum emauth_dkim_alg alg = EMAUTH_DKIM_RSA_SHA256;
	unsigned bits = 2048;
	bool testing = false, force = false, bits_set = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			domain = optarg;
			break;
		case 's':
			selector = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "rsa") == 0)
				alg = EMAUTH_DKIM_RSA_SHA256;
			else if (strcmp(optarg, "ed25519") == 0)
				alg = EMAUTH_DKIM_ED25519_SHA256;
			else
				return cli_usage_error("keygen",
				    "--algorithm: '%s' is not rsa or ed25519",
				    optarg);
			break;
		case 'b': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1024 || v > 4096)
				return cli_usage_error("keygen",
				    "--bits: '%s' is not 1024 to 4096", optarg);
			bits = (unsigned)v;
			bits_set = true;
			break;
		}
		case 'D':
			dir = optarg;
			break;
		case 't':
			testing = true;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(help, stdout);
			return 0;
		default:
			return cli_bad_option("keygen", c, argv);
		}
	}
	if (optind < argc)
		return cli_usage_error(
		    "keygen", "unexpected argument '%s'", argv[optind]);
	if (domain == NULL || selector == NULL)
		return cli_usage_error(
		    "keygen", "--domain and --selector are required");
	if (!cli_name_ok(domain) || !cli_name_ok(selector))
		return cli_usage_error(
		    "keygen", "the domain and selector must be DNS names");
	if (bits_set && alg == EMAUTH_DKIM_ED25519_SHA256)
		return cli_usage_error("keygen", "--bits is for RSA keys");

	/* Both names whole, or nothing written (a cut name could be the
	 * other file's, or another file altogether). */
	char path[4096], tpath[4096];
	int pl = snprintf(path, sizeof(path), "%s/%s.private", dir, selector);
	int tl = snprintf(tpath, sizeof(tpath), "%s/%s.txt", dir, selector);
	if (pl < 0 || tl < 0 || (size_t)pl >= sizeof(path) ||
	    (size_t)tl >= sizeof(tpath))
		return cli_usage_error("keygen",
		    "--directory: the key file's path would be longer than %zu "
		    "bytes",
		    sizeof(path) - 1);

	struct emauth_dkim_key *k;
	if (emauth_dkim_key_generate(alg, bits, &k) != 0) {
		fprintf(stderr, "emauth keygen: key generation failed\n");
		return EXIT_USAGE;
	}
	char pem[8192], rec[4096], txt[8192];
	int rc =
	    emauth_dkim_key_pem(k, pem, sizeof(pem)) < 0 ||
	            emauth_dkim_key_record(k, testing, rec, sizeof(rec)) < 0
	        ? EXIT_USAGE
	        : 0;
	emauth_dkim_key_free(k);
	if (rc)
		return rc;
	cli_dkim_txt(selector, domain, rec, txt, sizeof(txt));
	rc = write_file(path, pem, 0600, force);
	explicit_bzero(pem, sizeof(pem));
	if (rc)
		return rc;
	rc = write_file(tpath, txt, 0644, force);
	if (rc) {
		/* Nothing half-written: the key without its record goes. */
		unlink(path);
		return rc;
	}
	printf("wrote %s and %s\n", path, tpath);
	/* RFC 8301 §3.2: signers "MUST use RSA keys of at least 1024 bits"
	 * and "SHOULD use RSA keys of at least 2048 bits"; large receivers
	 * hold them to the SHOULD. The key is written all the same. */
	if (alg == EMAUTH_DKIM_RSA_SHA256 && bits < 2048)
		fprintf(stderr,
		    "emauth keygen: warning: a %u-bit RSA key: receivers such "
		    "as Gmail expect 2048-bit RSA keys (RFC 8301 makes 1024 "
		    "the minimum and asks for 2048); use --bits 2048 or "
		    "more\n",
		    bits);
	return 0;
}
