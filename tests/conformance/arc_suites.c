/*
 * arc_suites.c: the ARC conformance suites, each case a named test.
 *
 *   arc_suites valimail DIR DIFFER   ValiMail's arc_test_suite (DIR holds
 *       arc-draft-validation-tests.json and arc-draft-sign-tests.json):
 *       every validation case (cv compared case-insensitively, an empty
 *       cv read as fail: see the suite's SOURCE.md) and every signing case
 *       (the new AS, AMS and AAR compared as the suite's own harness does:
 *       all white space removed, split at ";", compared as sets). Cases
 *       where RFC 8617 decides otherwise are listed in DIFFER with the
 *       RFC's answer, which is then what the test asserts.
 *   arc_suites stalwart DIR          Stalwart's two chains: cv=pass.
 *
 * The DNS is the test back end holding each scenario's TXT records;
 * messages have their LF line endings made CRLF.
 */
#include "common/internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/ctx.h"
#include "common/span.h"
#include "dns/fake.h"
#include "harness/t.h"

#include <emauth/arc.h>
#include <emauth/msg.h>

/* Adds a TXT record, its value split into 255-byte strings; newlines in
 * it (the signing suite's YAML blocks) are taken out. */
static void
add_txt(struct ea_store *s, const char *name, const char *value)
{
	size_t n = strlen(value), k = 0;
	char *v = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		if (value[i] != '\n' && value[i] != '\r')
			v[k++] = value[i];
	while (k > 0 && v[k - 1] == ' ')
		k--;
	struct emauth_span parts[64];
	size_t np = 0;
	for (size_t o = 0; o < k && np < 64; o += 255)
		parts[np++] = ea_span(v + o, k - o > 255 ? 255 : k - o);
	ea_dns_fake_txt(s, name, parts, np);
	free(v);
}

static struct emauth_ctx *
ctx_with(json_object *txt)
{
	struct emauth_ctx *ctx;
	struct ea_resolver r;
	struct ea_store *store;
	emauth_ctx_new(&ctx);
	ea_dns_fake_new(&r, &store);
	if (txt != NULL) {
		json_object_object_foreach(txt, name, val)
		{
			add_txt(store, name, json_object_get_string(val));
		}
	}
	ea_ctx_set_resolver(ctx, &r);
	return ctx;
}

/* @msg with each LF made CRLF (a CRLF stays). */
static char *
crlf(const char *msg, size_t *len)
{
	size_t n = strlen(msg);
	char *o = malloc(2 * n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			o[k++] = '\r';
		o[k++] = msg[i];
	}
	o[k] = '\0';
	*len = k;
	return o;
}

struct feed {
	struct emauth_arc_verifier *v;
	struct emauth_arc_sealer *s;
};

static int
f_header(void *arg, struct emauth_span f)
{
	struct feed *x = arg;
	return x->v ? emauth_arc_verifier_header(x->v, f)
	            : emauth_arc_sealer_header(x->s, f);
}

static int
f_eoh(void *arg)
{
	struct feed *x = arg;
	return x->v ? emauth_arc_verifier_eoh(x->v)
	            : emauth_arc_sealer_eoh(x->s);
}

static int
f_body(void *arg, struct emauth_span c)
{
	struct feed *x = arg;
	return x->v ? emauth_arc_verifier_body(x->v, c)
	            : emauth_arc_sealer_body(x->s, c);
}

static int
feed_msg(struct feed *x, const char *msg, size_t len)
{
	static const struct emauth_msg_handler h = {f_header, f_eoh, f_body};
	struct emauth_msg_reader *r;
	int rc = emauth_msg_reader_new(&h, x, 0, &r);
	if (rc)
		return rc;
	rc = emauth_msg_reader_feed(r, ea_span(msg, len), NULL);
	if (rc == 0)
		rc = emauth_msg_reader_finish(r, NULL);
	emauth_msg_reader_free(r);
	return rc;
}

/* Validates @raw (LF endings); the result in @res. */
static int
validate(struct emauth_ctx *ctx, const char *raw, struct emauth_arc_result *res)
{
	size_t len;
	char *msg = crlf(raw, &len);
	struct feed x = {NULL, NULL};
	int rc = emauth_arc_verifier_new(ctx, NULL, &x.v);
	if (rc == 0 && len > 0)
		rc = feed_msg(&x, msg, len);
	else if (rc == 0)
		rc = emauth_arc_verifier_eoh(x.v);
	if (rc == 0)
		rc = emauth_arc_verifier_finish(x.v);
	if (rc == 0)
		rc = emauth_arc_verifier_result(x.v, res);
	emauth_arc_verifier_free(x.v);
	free(msg);
	return rc;
}

struct differ {
	char label[160], want[16];
};
static struct differ differs[16];
static size_t ndiffer;

static void
load_differ(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[600];
	if (f == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f) && ndiffer < 16) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char *tab = strchr(line, '\t');
		if (tab == NULL)
			continue;
		*tab = '\0';
		char *tab2 = strchr(tab + 1, '\t');
		if (tab2)
			*tab2 = '\0';
		snprintf(differs[ndiffer].label, sizeof(differs[0].label),
		    "%.159s", line);
		snprintf(differs[ndiffer].want, sizeof(differs[0].want),
		    "%.15s", tab + 1);
		ndiffer++;
	}
	fclose(f);
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static void
run_validation(const char *path)
{
	json_object *all = json_object_from_file(path);
	if (all == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	for (size_t si = 0; si < json_object_array_length(all); si++) {
		json_object *sc = json_object_array_get_idx(all, si), *tests,
		            *txt = NULL;
		json_object_object_get_ex(sc, "tests", &tests);
		json_object_object_get_ex(sc, "txt-records", &txt);
		json_object_object_foreach(tests, tname, tc)
		{
			char label[200], want[32] = "fail";
			snprintf(label, sizeof(label),
			    "arc-valimail/validation/%s", tname);
			if (t_filter && !strstr(label, t_filter))
				continue;
			json_object *jm, *jcv;
			json_object_object_get_ex(tc, "message", &jm);
			json_object_object_get_ex(tc, "cv", &jcv);
			const char *cv = json_object_get_string(jcv);
			/* An empty cv: the chain's newest seal says
			 * cv=fail (SOURCE.md). */
			size_t k = 0;
			for (const char *p = cv;
			     p && *p && k + 1 < sizeof(want); p++)
				if (!isspace((unsigned char)*p))
					want[k++] = *p;
			if (k > 0)
				want[k] = '\0';
			lower(want);
			for (size_t d = 0; d < ndiffer; d++)
				if (strcmp(differs[d].label, label) == 0)
					snprintf(want, sizeof(want), "%s",
					    differs[d].want);
			struct emauth_ctx *ctx = ctx_with(txt);
			t_begin(label);
			struct emauth_arc_result res;
			int rc =
			    validate(ctx, json_object_get_string(jm), &res);
			if (rc != 0)
				T_FAILF("status %s", emauth_strerror(rc));
			else if (strcmp(emauth_arc_cv_name(res.cv), want) != 0)
				T_FAILF("cv=%s, expected %s (%s)",
				    emauth_arc_cv_name(res.cv), want,
				    res.reason);
			t_end(label);
			emauth_ctx_free(ctx);
		}
	}
	json_object_put(all);
}

/* The suite's comparison: white space removed, split at ";", as sets. */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
same_tags(const char *got, const char *want)
{
	char *g = malloc(strlen(got) + 1), *w = malloc(strlen(want) + 1);
	size_t gk = 0, wk = 0;
	for (const char *p = got; *p; p++)
		if (!isspace((unsigned char)*p))
			g[gk++] = *p;
	for (const char *p = want; *p; p++)
		if (!isspace((unsigned char)*p))
			w[wk++] = *p;
	g[gk] = w[wk] = '\0';
	char *gp[64], *wp[64];
	size_t gn = 0, wn = 0;
	for (char *t = strtok(g, ";"); t && gn < 64; t = strtok(NULL, ";"))
		gp[gn++] = t;
	for (char *t = strtok(w, ";"); t && wn < 64; t = strtok(NULL, ";"))
		wp[wn++] = t;
	bool same = gn == wn;
	qsort(gp, gn, sizeof(*gp), cmp_str);
	qsort(wp, wn, sizeof(*wp), cmp_str);
	for (size_t i = 0; same && i < gn; i++)
		same = strcmp(gp[i], wp[i]) == 0;
	free(g);
	free(w);
	return same;
}

static const char *
value_of(const char *field)
{
	const char *c = field ? strchr(field, ':') : NULL;
	return c ? c + 1 : "";
}

static void
run_signing(const char *path)
{
	json_object *all = json_object_from_file(path);
	if (all == NULL) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	for (size_t si = 0; si < json_object_array_length(all); si++) {
		json_object *sc = json_object_array_get_idx(all, si), *tests,
		            *txt = NULL, *jd, *js, *jk;
		json_object_object_get_ex(sc, "tests", &tests);
		json_object_object_get_ex(sc, "txt-records", &txt);
		json_object_object_get_ex(sc, "domain", &jd);
		json_object_object_get_ex(sc, "sel", &js);
		json_object_object_get_ex(sc, "privatekey", &jk);
		const char *pem = json_object_get_string(jk);
		struct emauth_dkim_key *key = NULL;
		if (emauth_dkim_key_load(ea_span_str(pem), &key, NULL) != 0) {
			fprintf(stderr, "%s: the private key does not load\n",
			    path);
			exit(2);
		}
		json_object_object_foreach(tests, tname, tc)
		{
			char label[200];
			snprintf(label, sizeof(label),
			    "arc-valimail/signing/%s", tname);
			if (t_filter && !strstr(label, t_filter))
				continue;
			json_object *jm, *jt, *jh, *jsrv, *jas, *jams, *jaar;
			json_object_object_get_ex(tc, "message", &jm);
			json_object_object_get_ex(tc, "t", &jt);
			json_object_object_get_ex(tc, "sig-headers", &jh);
			json_object_object_get_ex(tc, "srv-id", &jsrv);
			json_object_object_get_ex(tc, "AS", &jas);
			json_object_object_get_ex(tc, "AMS", &jams);
			json_object_object_get_ex(tc, "AAR", &jaar);
			struct emauth_ctx *ctx = ctx_with(txt);
			t_begin(label);
			struct emauth_arc_seal_spec sp;
			emauth_arc_seal_spec_init(&sp);
			sp.domain = json_object_get_string(jd);
			sp.selector = json_object_get_string(js);
			sp.key = key;
			sp.authserv_id = json_object_get_string(jsrv);
			sp.headers = json_object_get_string(jh);
			sp.timestamp = json_object_get_int64(jt);
			struct feed x = {NULL, NULL};
			size_t len;
			char *msg = crlf(json_object_get_string(jm), &len);
			int rc = emauth_arc_sealer_new(ctx, &sp, &x.s);
			if (rc == 0)
				rc = feed_msg(&x, msg, len);
			struct emauth_diag diag = {0};
			if (rc == 0)
				rc = emauth_arc_sealer_finish(x.s, &diag);
			const char *was = json_object_get_string(jas);
			bool none = was == NULL ||
			            strspn(was, " \t\r\n") == strlen(was);
			if (rc != 0) {
				T_FAILF("status %s (%s)", emauth_strerror(rc),
				    diag.msg ? diag.msg : "");
			} else if (none) {
				T_TRUE(emauth_arc_sealer_field(x.s, 0) == NULL);
			} else if (emauth_arc_sealer_field(x.s, 0) == NULL) {
				T_FAILF("no set added");
			} else {
				const char *got[3],
				    *want[3] = {was,
				        json_object_get_string(jams),
				        json_object_get_string(jaar)};
				static const char *const what[3] = {"ARC-Seal",
				    "ARC-Message-Signature",
				    "ARC-Authentication-Results"};
				for (unsigned w = 0; w < 3; w++) {
					got[w] = value_of(
					    emauth_arc_sealer_field(x.s, w));
					if (!same_tags(got[w], want[w]))
						T_FAILF("%s:\n    got  %s\n    "
						        "want "
						        "%s",
						    what[w], got[w], want[w]);
				}
			}
			t_end(label);
			emauth_arc_sealer_free(x.s);
			free(msg);
			emauth_ctx_free(ctx);
		}
		emauth_dkim_key_free(key);
	}
	json_object_put(all);
}

static void
run_stalwart(const char *dir)
{
	static const char *const files[] = {"001.txt", "002.txt"};
	for (size_t i = 0; i < 2; i++) {
		char path[4096], label[100];
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		snprintf(label, sizeof(label), "arc-stalwart/%s", files[i]);
		FILE *f = fopen(path, "rb");
		if (f == NULL) {
			fprintf(stderr, "cannot read %s\n", path);
			exit(2);
		}
		char *text = malloc(1 << 20);
		size_t n = fread(text, 1, (1 << 20) - 1, f);
		fclose(f);
		text[n] = '\0';
		/* "<name> <TXT value>" lines, an empty line, the message. */
		char *sep = strstr(text, "\n\n");
		struct emauth_ctx *ctx;
		struct ea_resolver r;
		struct ea_store *store;
		emauth_ctx_new(&ctx);
		ea_dns_fake_new(&r, &store);
		ea_ctx_set_resolver(ctx, &r);
		t_begin(label);
		if (sep == NULL) {
			T_FAILF("no empty line after the records");
		} else {
			*sep = '\0';
			for (char *line = strtok(text, "\n"); line;
			     line = strtok(NULL, "\n")) {
				char *sp = strchr(line, ' ');
				if (sp == NULL)
					continue;
				*sp = '\0';
				add_txt(store, line, sp + 1);
			}
			struct emauth_arc_result res;
			int rc = validate(ctx, sep + 2, &res);
			if (rc != 0)
				T_FAILF("status %s", emauth_strerror(rc));
			else if (res.cv != EMAUTH_ARC_PASS)
				T_FAILF("cv=%s, expected pass (%s)",
				    emauth_arc_cv_name(res.cv), res.reason);
		}
		t_end(label);
		emauth_ctx_free(ctx);
		free(text);
	}
}

int
main(int argc, char **argv)
{
	char path[4096];
	if (argc == 4 && strcmp(argv[1], "valimail") == 0) {
		load_differ(argv[3]);
		snprintf(path, sizeof(path),
		    "%s/arc-draft-validation-tests.json", argv[2]);
		run_validation(path);
		snprintf(path, sizeof(path), "%s/arc-draft-sign-tests.json",
		    argv[2]);
		run_signing(path);
	} else if (argc == 3 && strcmp(argv[1], "stalwart") == 0) {
		run_stalwart(argv[2]);
	} else {
		fprintf(stderr,
		    "usage: %s valimail DIR DIFFER | stalwart DIR\n", argv[0]);
		return 2;
	}
	return t_summary();
}
