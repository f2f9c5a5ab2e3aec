/*
 * spf_rfc7208.c: runs every case of the openspf RFC 7208 suite
 * (tests/data/suites/spf-rfc7208/rfc7208-tests.json, the mechanical JSON
 * copy of the YAML) through the test DNS back end, each case a named test.
 * The driver rules of the suite's SOURCE.md are reproduced here: zone data
 * per scenario, SPF-type records served as TXT when a name has no TXT item,
 * the TIMEOUT marker, NXDOMAIN for names absent from the data, and the
 * literal default explanation "DEFAULT".
 *
 * usage: spf_rfc7208 FILE.json
 */
#include "common/internal.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/ctx.h"
#include "common/span.h"
#include "dns/fake.h"
#include "harness/t.h"

#include <emauth/spf.h>

static int
add_strings(struct ea_store *s, const char *name, uint16_t type, json_object *v)
{
	struct emauth_span parts[64];
	size_t n = 0;

	if (json_object_is_type(v, json_type_string)) {
		if (strcmp(json_object_get_string(v), "NONE") == 0)
			return 0;
		parts[n++] = ea_span(json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v) && n < 64;
		     i++) {
			json_object *e = json_object_array_get_idx(v, i);
			parts[n++] = ea_span(json_object_get_string(e),
			    (size_t)json_object_get_string_len(e));
		}
	}
	if (type == EA_DNS_T_TXT)
		return ea_dns_fake_txt(s, name, parts, n);
	/* Type 99 has the same RDATA layout as TXT. */
	uint8_t rd[4096];
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		rd[o++] = (uint8_t)parts[i].len;
		memcpy(rd + o, parts[i].p, parts[i].len);
		o += parts[i].len;
	}
	return ea_store_add(
	    s, ea_span_str(name), EA_DNS_T_SPF, 300, ea_span(rd, o));
}

static int
load_zone(struct ea_store *s, json_object *zone)
{
	json_object_object_foreach(zone, name, items)
	{
		bool has_txt = false, timeout = false;
		size_t n = json_object_array_length(items);
		for (size_t i = 0; i < n; i++) {
			json_object *it = json_object_array_get_idx(items, i);
			if (json_object_is_type(it, json_type_object) &&
			    json_object_object_get_ex(it, "TXT", NULL))
				has_txt = true;
		}
		for (size_t i = 0; i < n; i++) {
			json_object *it = json_object_array_get_idx(items, i);
			if (json_object_is_type(it, json_type_string)) {
				if (strcmp(json_object_get_string(it),
				        "TIMEOUT") == 0)
					timeout = true;
				continue;
			}
			json_object_object_foreach(it, type, v)
			{
				int rc = 0;
				if (strcmp(type, "TXT") == 0)
					rc = add_strings(
					    s, name, EA_DNS_T_TXT, v);
				else if (strcmp(type, "SPF") == 0) {
					rc = add_strings(
					    s, name, EA_DNS_T_SPF, v);
					if (rc == 0 && !has_txt)
						rc = add_strings(
						    s, name, EA_DNS_T_TXT, v);
				} else if (strcmp(type, "A") == 0 ||
				           strcmp(type, "AAAA") == 0)
					rc = ea_dns_fake_addr(
					    s, name, json_object_get_string(v));
				else if (strcmp(type, "MX") == 0)
					rc = ea_dns_fake_mx(s, name,
					    (uint16_t)json_object_get_int(
					        json_object_array_get_idx(
					            v, 0)),
					    json_object_get_string(
					        json_object_array_get_idx(
					            v, 1)));
				else if (strcmp(type, "PTR") == 0)
					rc = ea_dns_fake_name(s, name,
					    EA_DNS_T_PTR,
					    json_object_get_string(v));
				else if (strcmp(type, "CNAME") == 0)
					rc = ea_dns_fake_name(s, name,
					    EA_DNS_T_CNAME,
					    json_object_get_string(v));
				else {
					fprintf(
					    stderr, "unknown type %s\n", type);
					rc = -1;
				}
				if (rc) {
					fprintf(stderr,
					    "cannot load %s %s: %s\n", name,
					    type, emauth_strerror(rc));
				}
			}
		}
		if (timeout)
			ea_store_fail(
			    s, ea_span_str(name), 0, EA_STORE_TIMEOUT);
	}
	return 0;
}

static bool
result_ok(json_object *want, const char *got)
{
	if (json_object_is_type(want, json_type_string))
		return strcmp(json_object_get_string(want), got) == 0;
	for (size_t i = 0; i < json_object_array_length(want); i++)
		if (strcmp(json_object_get_string(
		               json_object_array_get_idx(want, i)),
		        got) == 0)
			return true;
	return false;
}

static const char *
jget(json_object *o, const char *k)
{
	json_object *v;
	if (!json_object_object_get_ex(o, k, &v))
		return NULL;
	return json_object_get_string(v);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s rfc7208-tests.json\n", argv[0]);
		return 2;
	}
	json_object *all = json_object_from_file(argv[1]);
	if (all == NULL) {
		fprintf(stderr, "cannot read %s\n", argv[1]);
		return 2;
	}
	for (size_t si = 0; si < json_object_array_length(all); si++) {
		json_object *sc = json_object_array_get_idx(all, si);
		json_object *tests, *zone = NULL;
		json_object_object_get_ex(sc, "tests", &tests);
		json_object_object_get_ex(sc, "zonedata", &zone);

		json_object_object_foreach(tests, tname, tc)
		{
			char label[200];
			snprintf(label, sizeof(label), "spf-rfc7208/%s", tname);
			if (t_filter && !strstr(label, t_filter))
				continue;
			struct emauth_ctx *ctx;
			struct ea_resolver r;
			struct ea_store *store;
			emauth_ctx_new(&ctx);
			ea_dns_fake_new(&r, &store);
			if (zone)
				load_zone(store, zone);
			ea_ctx_set_resolver(ctx, &r);

			t_begin(label);
			struct emauth_spf_query q = {0};
			struct emauth_spf_result res;
			q.ip = jget(tc, "host");
			q.mail_from = jget(tc, "mailfrom");
			q.helo = jget(tc, "helo");
			q.default_explanation = "DEFAULT";
			int rc = emauth_spf_check_host(ctx, &q, &res);
			json_object *want, *wexp;
			json_object_object_get_ex(tc, "result", &want);
			const char *got = emauth_result_name(res.result);
			if (rc != 0)
				T_FAILF("status %s", emauth_strerror(rc));
			else if (!result_ok(want, got))
				T_FAILF("result %s, expected %s (problem: %s; "
				        "mechanism: %s)",
				    got, json_object_to_json_string(want),
				    res.problem, res.mechanism);
			else if (json_object_object_get_ex(
			             tc, "explanation", &wexp) &&
			         strcmp(got, "fail") == 0)
				T_EQ_STR(res.explanation,
				    json_object_get_string(wexp));
			t_end(label);
			emauth_ctx_free(ctx);
		}
	}
	json_object_put(all);
	return t_summary();
}
