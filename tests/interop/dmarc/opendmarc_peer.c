/*
 * opendmarc_peer.c: OpenDMARC (Debian's libopendmarc) evaluates DMARC for
 * the cases on standard input, one per line:
 *   NAME FROM-DOMAIN SPF-DOMAIN SPF-RESULT DKIM
 * where SPF-DOMAIN is "-" for none, SPF-RESULT is pass/fail/none, and DKIM
 * is "-" or comma-separated d=RESULT pairs (example.com=pass). It fetches
 * the record itself (opendmarc_policy_query_dmarc, through the system
 * resolver: the interop test's NSD) and finds Organizational Domains with
 * the Public Suffix List. Prints "NAME VERDICT SPF-ALIGN DKIM-ALIGN" with
 * VERDICT one of pass, reject, quarantine, none (policy none), absent (no
 * record) or error.
 * usage: opendmarc_peer PSL-FILE < cases
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <sys/types.h>

#include <opendmarc/dmarc.h>

int
main(int argc, char **argv)
{
	OPENDMARC_LIB_T lib;
	char line[2048];

	if (argc != 2) {
		fprintf(stderr, "usage: opendmarc_peer PSL-FILE < cases\n");
		return 2;
	}
	memset(&lib, 0, sizeof(lib));
	lib.tld_type = OPENDMARC_TLD_TYPE_MOZILLA;
	snprintf((char *)lib.tld_source_file, sizeof(lib.tld_source_file), "%s",
	    argv[1]);
	if (opendmarc_policy_library_init(&lib) != DMARC_PARSE_OKAY) {
		fprintf(stderr, "opendmarc_peer: library init failed\n");
		return 2;
	}
	while (fgets(line, sizeof(line), stdin)) {
		char name[128], from[256], spfd[256], spfr[32], dkim[1024];
		if (sscanf(line, "%127s %255s %255s %31s %1023s", name, from,
		        spfd, spfr, dkim) != 5)
			continue;
		DMARC_POLICY_T *p =
		    opendmarc_policy_connect_init((u_char *)"192.0.2.1", 0);
		opendmarc_policy_store_from_domain(p, (u_char *)from);
		if (strcmp(spfd, "-") != 0)
			opendmarc_policy_store_spf(p, (u_char *)spfd,
			    strcmp(spfr, "pass") == 0
			        ? DMARC_POLICY_SPF_OUTCOME_PASS
			    : strcmp(spfr, "fail") == 0
			        ? DMARC_POLICY_SPF_OUTCOME_FAIL
			        : DMARC_POLICY_SPF_OUTCOME_NONE,
			    DMARC_POLICY_SPF_ORIGIN_MAILFROM, NULL);
		if (strcmp(dkim, "-") != 0) {
			char *save = NULL;
			for (char *t = strtok_r(dkim, ",", &save); t;
			     t = strtok_r(NULL, ",", &save)) {
				char *eq = strchr(t, '=');
				if (eq == NULL)
					continue;
				*eq = '\0';
				opendmarc_policy_store_dkim(p, (u_char *)t,
				    (u_char *)"s",
				    strcmp(eq + 1, "pass") == 0
				        ? DMARC_POLICY_DKIM_OUTCOME_PASS
				        : DMARC_POLICY_DKIM_OUTCOME_FAIL,
				    NULL);
			}
		}
		OPENDMARC_STATUS_T q = opendmarc_policy_query_dmarc(p, NULL);
		const char *verdict;
		int da = 0, sa = 0;
		if (q == DMARC_DNS_ERROR_NO_RECORD ||
		    q == DMARC_DNS_ERROR_NXDOMAIN) {
			verdict = "absent";
		} else if (q != DMARC_PARSE_OKAY) {
			verdict = "error";
		} else {
			switch (opendmarc_get_policy_to_enforce(p)) {
			case DMARC_POLICY_PASS:
				verdict = "pass";
				break;
			case DMARC_POLICY_REJECT:
				verdict = "reject";
				break;
			case DMARC_POLICY_QUARANTINE:
				verdict = "quarantine";
				break;
			case DMARC_POLICY_NONE:
				verdict = "none";
				break;
			case DMARC_POLICY_ABSENT:
				verdict = "absent";
				break;
			default:
				verdict = "error";
			}
			opendmarc_policy_fetch_alignment(p, &da, &sa);
		}
		printf("%s %s %s %s\n", name, verdict,
		    sa == DMARC_POLICY_SPF_ALIGNMENT_PASS ? "aligned" : "-",
		    da == DMARC_POLICY_DKIM_ALIGNMENT_PASS ? "aligned" : "-");
		opendmarc_policy_connect_shutdown(p);
	}
	opendmarc_policy_library_shutdown(&lib);
	return 0;
}
