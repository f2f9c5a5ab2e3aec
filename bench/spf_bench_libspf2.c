/*
 * spf_bench_libspf2.c: the same benchmark as spf_bench.c, with libspf2. The
 * zone files of bench/spf-scenarios are read with ldns and loaded into
 * libspf2's own zone layer (SPF_dns_zone_new, SPF_dns_zone_add_str); one
 * SPF_server then answers every scenario, round after round, each time with
 * a new SPF_request, as a milter would. With -d resolv or -d cache, libspf2
 * uses its resolver layer (the servers of /etc/resolv.conf), without or
 * with its cache. A first pass compares each answer with the expected one;
 * differences a scenario line marks as known for libspf2 (it does not
 * count void lookups) are reported but not counted.
 *
 * libspf2 asks for the SPF record type (99) before TXT, and its zone layer
 * answers "host not found" for any name and type it holds nothing for; so
 * each name in the zone files also gets an explicit NO_DATA for type 99,
 * which is what a real server says.
 *
 * usage: spf_bench_libspf2 [-t SECONDS | -n ROUNDS] [-d zone|resolv|cache]
 *                          [-v] [DIR]
 */
#define _DEFAULT_SOURCE 1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/types.h>

#include <ldns/ldns.h>
#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#include "bench.h"

#ifndef BENCH_SCENARIO_DIR
#define BENCH_SCENARIO_DIR "bench/spf-scenarios"
#endif

#define RECEIVER "mx.receiver.example"

struct state {
	struct scenario_set set;
	SPF_server_t *server;
};

static const char *
result_name(SPF_result_t r)
{
	switch (r) {
	case SPF_RESULT_NEUTRAL:
		return "neutral";
	case SPF_RESULT_PASS:
		return "pass";
	case SPF_RESULT_FAIL:
		return "fail";
	case SPF_RESULT_SOFTFAIL:
		return "softfail";
	case SPF_RESULT_NONE:
		return "none";
	case SPF_RESULT_TEMPERROR:
		return "temperror";
	case SPF_RESULT_PERMERROR:
		return "permerror";
	default:
		return "(invalid)"; /* as SPF_strresult() and spfquery say */
	}
}

/* The presentation form of a name, without the final dot; free() it. */
static char *
name_str(const ldns_rdf *rdf)
{
	char *s = ldns_rdf2str(rdf);
	size_t len = s ? strlen(s) : 0;
	if (s == NULL)
		bench_die("spf_bench_libspf2: out of memory");
	if (len > 1 && s[len - 1] == '.')
		s[len - 1] = '\0';
	return s;
}

/* A TXT record's character-strings joined (RFC 7208 §3.3). */
static char *
txt_str(const ldns_rr *rr)
{
	size_t total = 1, pos = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
		total += ldns_rdf_size(ldns_rr_rdf(rr, i));
	char *s = malloc(total);
	if (s == NULL)
		bench_die("spf_bench_libspf2: out of memory");
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		const uint8_t *d = ldns_rdf_data(f);
		size_t n = ldns_rdf_size(f);
		if (n == 0 || (size_t)d[0] + 1 > n)
			continue;
		memcpy(s + pos, d + 1, d[0]);
		pos += d[0];
	}
	s[pos] = '\0';
	return s;
}

/* The names that already have their type-99 NO_DATA. */
static char **nodata;
static size_t nnodata;

static void
add(SPF_dns_server_t *dns, const char *owner, ns_type type, const char *data)
{
	SPF_errcode_t e = SPF_dns_zone_add_str(
	    dns, owner, type, data ? NETDB_SUCCESS : NO_DATA, data);
	if (e != SPF_E_SUCCESS)
		bench_die("spf_bench_libspf2: %s: %s", owner, SPF_strerror(e));
}

/* What a server says for type 99 at a name with TXT records: NODATA. */
static void
add_spf_nodata(SPF_dns_server_t *dns, const char *owner)
{
	for (size_t i = 0; i < nnodata; i++)
		if (strcasecmp(nodata[i], owner) == 0)
			return;
	char **v = realloc(nodata, (nnodata + 1) * sizeof(*v));
	if (v == NULL || (v[nnodata] = strdup(owner)) == NULL)
		bench_die("spf_bench_libspf2: out of memory");
	nodata = v;
	nnodata++;
	add(dns, owner, ns_t_spf, NULL);
}

/* Loads one RFC 1035 master file into libspf2's zone layer. */
static unsigned
load_zone(SPF_dns_server_t *dns, const char *path)
{
	FILE *fp = fopen(path, "r");
	ldns_zone *z = NULL;
	int line = 0;
	unsigned n = 0;

	if (fp == NULL)
		bench_die("spf_bench_libspf2: %s: cannot open", path);
	ldns_status st =
	    ldns_zone_new_frm_fp_l(&z, fp, NULL, 3600, LDNS_RR_CLASS_IN, &line);
	fclose(fp);
	if (st != LDNS_STATUS_OK)
		bench_die("spf_bench_libspf2: %s:%d: %s", path, line,
		    ldns_get_errorstr_by_id(st));
	ldns_rr_list *rrs = ldns_zone_rrs(z);
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		char *owner = name_str(ldns_rr_owner(rr));
		char *data = NULL;
		ns_type type;

		switch (ldns_rr_get_type(rr)) {
		case LDNS_RR_TYPE_A:
			type = ns_t_a;
			data = ldns_rdf2str(ldns_rr_rdf(rr, 0));
			break;
		case LDNS_RR_TYPE_AAAA:
			type = ns_t_aaaa;
			data = ldns_rdf2str(ldns_rr_rdf(rr, 0));
			break;
		case LDNS_RR_TYPE_MX:
			/* libspf2 takes "PREFERENCE NAME" and drops the
			 * preference; the name alone will do. */
			type = ns_t_mx;
			data = name_str(ldns_rr_rdf(rr, 1));
			break;
		case LDNS_RR_TYPE_PTR:
			type = ns_t_ptr;
			data = name_str(ldns_rr_rdf(rr, 0));
			break;
		case LDNS_RR_TYPE_TXT:
			type = ns_t_txt;
			data = txt_str(rr);
			add_spf_nodata(dns, owner);
			break;
		default:
			free(owner);
			continue;
		}
		if (data == NULL)
			bench_die("spf_bench_libspf2: out of memory");
		add(dns, owner, type, data);
		n++;
		free(data);
		free(owner);
	}
	ldns_zone_deep_free(z);
	return n;
}

static SPF_result_t
evaluate(struct state *st, const struct scenario *s, char *why, size_t size)
{
	SPF_request_t *req = SPF_request_new(st->server);
	SPF_response_t *resp = NULL;
	SPF_errcode_t e;

	if (req == NULL)
		bench_die("spf_bench_libspf2: out of memory");
	if (strchr(s->ip, ':'))
		e = SPF_request_set_ipv6_str(req, s->ip);
	else
		e = SPF_request_set_ipv4_str(req, s->ip);
	if (e != SPF_E_SUCCESS)
		bench_die("spf_bench_libspf2: line %d: bad address", s->line);
	SPF_request_set_helo_dom(req, s->helo);
	if (s->mail_from[0])
		SPF_request_set_env_from(req, s->mail_from);
	SPF_request_query_mailfrom(req, &resp);
	SPF_result_t r = SPF_response_result(resp);
	if (why) {
		why[0] = '\0';
		if (SPF_response_messages(resp) > 0) {
			SPF_error_t *m = SPF_response_message(resp, 0);
			snprintf(why, size, "%s", SPF_error_message(m));
		}
	}
	SPF_response_free(resp);
	SPF_request_free(req);
	return r;
}

static unsigned long
one_round(void *arg)
{
	struct state *st = arg;
	for (size_t i = 0; i < st->set.n; i++)
		evaluate(st, &st->set.v[i], NULL, 0);
	return st->set.n;
}

static unsigned
check(struct state *st, bool verbose)
{
	unsigned bad = 0;
	char why[512];

	for (size_t i = 0; i < st->set.n; i++) {
		const struct scenario *s = &st->set.v[i];
		bool known;
		const char *want = scenario_expect(s, "libspf2", &known);
		const char *got =
		    result_name(evaluate(st, s, why, sizeof(why)));
		bool ok = strcmp(got, want) == 0;
		if (!ok)
			bad++;
		if (verbose || !ok || known) {
			printf("%s line %d: %s %s -> %s",
			    ok ? (known ? "KNOWN" : "ok") : "MISMATCH", s->line,
			    s->ip, s->mail_from[0] ? s->mail_from : "<>", got);
			if (!ok)
				printf(" (expected %s)", want);
			if (known)
				printf(" (RFC 7208: %s)", s->expected);
			if (why[0] && (verbose || !ok))
				printf(": %s", why);
			putchar('\n');
		}
	}
	return bad;
}

int
main(int argc, char **argv)
{
	struct bench_opts opts = {3.0, 0, false};
	struct state st;
	const char *mode = "zone";
	int c;

	memset(&st, 0, sizeof(st));
	while ((c = getopt(argc, argv, "t:n:d:v")) != -1) {
		switch (c) {
		case 't':
			opts.seconds =
			    bench_parse_seconds("spf_bench_libspf2", optarg);
			break;
		case 'n':
			opts.rounds =
			    bench_parse_count("spf_bench_libspf2", optarg);
			break;
		case 'd':
			mode = optarg;
			break;
		case 'v':
			opts.verbose = true;
			break;
		default:
			fprintf(stderr,
			    "usage: spf_bench_libspf2 [-t SECONDS | "
			    "-n ROUNDS] [-d zone|resolv|cache] [-v] "
			    "[DIR]\n");
			return 2;
		}
	}
	if (argc - optind > 1)
		bench_die("spf_bench_libspf2: one scenario directory at most");
	scenarios_load(
	    optind < argc ? argv[optind] : BENCH_SCENARIO_DIR, &st.set);

	if (strcmp(mode, "zone") == 0) {
		SPF_dns_server_t *dns = SPF_dns_zone_new(NULL, "bench", 0);
		if (dns == NULL)
			bench_die("spf_bench_libspf2: out of memory");
		for (size_t i = 0; i < st.set.nzones; i++)
			load_zone(dns, st.set.zones[i]);
		st.server = SPF_server_new_dns(dns, 0);
	} else if (strcmp(mode, "resolv") == 0) {
		st.server = SPF_server_new(SPF_DNS_RESOLV, 0);
	} else if (strcmp(mode, "cache") == 0) {
		st.server = SPF_server_new(SPF_DNS_CACHE, 0);
	} else {
		bench_die("spf_bench_libspf2: -d wants zone, resolv or cache");
	}
	if (st.server == NULL)
		bench_die("spf_bench_libspf2: out of memory");
	SPF_server_set_rec_dom(st.server, RECEIVER);

	unsigned bad = check(&st, opts.verbose);
	double secs;
	unsigned long evals = bench_run(&opts, one_round, &st, &secs);
	char name[64];
	snprintf(name, sizeof(name), "libspf2-%s", mode);
	bench_report(name, evals, secs, bench_maxrss_kib(false), bad);

	SPF_server_free(st.server);
	for (size_t i = 0; i < nnodata; i++)
		free(nodata[i]);
	free(nodata);
	scenarios_free(&st.set);
	return 0;
}
