/*
 * emauth_dmarc_peer.c: libemauth evaluates the same cases as
 * opendmarc_peer (see there for the input), in the mode and with the DNS
 * spec given, and prints the same line. pct is drawn as 0, so a sampled
 * policy always applies.
 * usage: emauth_dmarc_peer rfc7489|rfc9989 DNS-SPEC < cases
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <emauth/dmarc.h>

int
main(int argc, char **argv)
{
	struct emauth_ctx *ctx;
	struct emauth_diag d;
	char line[2048];

	if (argc != 3)
		return 2;
	emauth_global_init();
	memset(&d, 0, sizeof(d));
	if (emauth_ctx_new(&ctx) != 0 ||
	    emauth_ctx_set_dns(ctx, argv[2], &d) != 0) {
		fprintf(stderr, "emauth_dmarc_peer: %s: %s\n", argv[2],
		    d.msg ? d.msg : "cannot set up DNS");
		return 2;
	}
	enum emauth_dmarc_mode mode = strcmp(argv[1], "rfc7489") == 0
	                                  ? EMAUTH_DMARC_RFC7489
	                                  : EMAUTH_DMARC_RFC9989;
	struct emauth_dmarc_result *r = malloc(sizeof(*r));
	while (fgets(line, sizeof(line), stdin)) {
		char name[128], from[256], spfd[256], spfr[32], dkim[1024];
		struct emauth_dmarc_dkim k[16];
		size_t nk = 0;
		if (sscanf(line, "%127s %255s %255s %31s %1023s", name, from,
		        spfd, spfr, dkim) != 5)
			continue;
		if (strcmp(dkim, "-") != 0) {
			char *save = NULL;
			for (char *t = strtok_r(dkim, ",", &save); t && nk < 16;
			     t = strtok_r(NULL, ",", &save)) {
				char *eq = strchr(t, '=');
				if (eq == NULL)
					continue;
				*eq = '\0';
				k[nk].domain = t;
				k[nk++].result = strcmp(eq + 1, "pass") == 0
				                     ? EMAUTH_RES_PASS
				                     : EMAUTH_RES_FAIL;
			}
		}
		struct emauth_dmarc_query q = {from,
		    strcmp(spfd, "-") ? spfd : NULL,
		    strcmp(spfr, "pass") == 0   ? EMAUTH_RES_PASS
		    : strcmp(spfr, "fail") == 0 ? EMAUTH_RES_FAIL
		                                : EMAUTH_RES_NONE,
		    k, nk, mode, 0};
		const char *verdict = "error";
		if (emauth_dmarc_evaluate(ctx, &q, r) == 0) {
			if (r->result == EMAUTH_RES_PASS)
				verdict = "pass";
			else if (r->result == EMAUTH_RES_NONE)
				verdict = "absent";
			else if (r->result == EMAUTH_RES_FAIL)
				verdict =
				    emauth_dmarc_policy_name(r->disposition);
		}
		printf("%s %s %s %s\n", name, verdict,
		    r->spf_aligned ? "aligned" : "-",
		    r->dkim_aligned ? "aligned" : "-");
	}
	free(r);
	emauth_ctx_free(ctx);
	return 0;
}
