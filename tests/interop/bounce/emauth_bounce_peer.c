/*
 * emauth_bounce_peer.c: emauth's side of the Sisimai comparison
 * (tests/interop/bounce_sisimai_peer.sh). Reads each bounce named on the
 * command line with emauth_bounce_parse() and prints one tab-separated
 * line per recipient: file, status, reply code, reason, hard (1/0),
 * recipient, kind, system, auth; a message without recipients prints its
 * kind with "-" in the other columns. A file holding several messages (an
 * mbox: "From " lines after an empty line) is read message by message.
 * With -d, the diagnostic is printed too, as a last column.
 *
 * usage: emauth_bounce_peer [-d] FILE...
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emauth/bounce.h>

/* The whole file @path; NULL when it cannot be read. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p = NULL;
	size_t cap = 0, n = 0;
	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			unsigned char *q = realloc(p, cap);
			if (q == NULL) {
				free(p);
				fclose(f);
				return NULL;
			}
			p = q;
		}
		size_t r = fread(p + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	*len = n;
	return p;
}

int
main(int argc, char **argv)
{
	int rc = 0, diag = 0, first = 1;
	if (argc > 1 && strcmp(argv[1], "-d") == 0) {
		diag = 1;
		first = 2;
	}
	for (int i = first; i < argc; i++) {
		size_t len = 0;
		unsigned char *p = slurp(argv[i], &len);
		const char *base = strrchr(argv[i], '/');
		base = base ? base + 1 : argv[i];
		if (p == NULL) {
			fprintf(stderr, "%s: cannot read\n", argv[i]);
			rc = 1;
			continue;
		}
		/* RFC 4155: messages start at "From " lines. */
		size_t at[64], nm = 0;
		at[nm++] = 0;
		for (size_t j = 2; j + 5 <= len && nm < 64; j++)
			if (p[j - 1] == '\n' && p[j - 2] == '\n' &&
			    memcmp(p + j, "From ", 5) == 0)
				at[nm++] = j;
		for (size_t m = 0; m < nm; m++) {
			size_t end = m + 1 < nm ? at[m + 1] : len;
			struct emauth_span s = {p + at[m], end - at[m]};
			struct emauth_bounce *b = NULL;
			char err[256];
			int r = emauth_bounce_parse(s, &b, err, sizeof(err));
			if (r != 0) {
				printf("%s\t-\t-\t-\t-\t-\terror\t%s\t\n", base,
				    err);
				continue;
			}
			if (b->nrcpts == 0)
				printf("%s\t-\t-\t-\t-\t-\t%s\t%s\t\n", base,
				    emauth_bounce_kind_name(b->kind),
				    b->system);
			for (size_t k = 0; k < b->nrcpts; k++) {
				const struct emauth_bounce_rcpt *x =
				    &b->rcpts[k];
				printf("%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s",
				    base, x->status, x->reply_code, x->reason,
				    x->hard, x->recipient,
				    emauth_bounce_kind_name(b->kind), b->system,
				    x->auth);
				if (diag)
					printf("\t%s", x->diagnostic);
				printf("\n");
			}
			emauth_bounce_free(b);
		}
		free(p);
	}
	return rc;
}
