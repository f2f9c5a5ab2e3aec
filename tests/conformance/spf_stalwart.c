/*
 * spf_stalwart.c: runs the Stalwart mail-auth SPF scenarios
 * (the .yml files of tests/data/suites/spf-stalwart, RFC 7208 Appendix A
 * included),
 * each expect: line a named test. The files are not real YAML; they are read
 * line by line as their SOURCE.md describes: records accumulate over a file
 * (a later record for the same name and type replaces the earlier one),
 * client state resets at each "---", names holding "_dns_error." answer
 * SERVFAIL, and each check is Stalwart's combined verifier (HELO identity
 * first; when it passes, the MAIL FROM identity decides).
 *
 * Where RFC 7208 decides differently from the scenarios, the case is listed
 * in spf-stalwart.differ with the RFC's result, which is what the test then
 * asserts (docs/conformance.md gives the reasons).
 *
 * usage: spf_stalwart DIFFER-FILE FILE.yml...
 */
#include "common/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/ctx.h"
#include "common/ip.h"
#include "common/span.h"
#include "dns/fake.h"
#include "harness/t.h"

#include <emauth/spf.h>

struct rec {
	char kind[8]; /* spf, exp, a, aaaa, mx, ptr */
	char name[300];
	char value[2048];
};

struct differ {
	char label[1024];
	char result[16];
};
static struct differ differs[32];
static size_t ndiffer;

static void
load_differ(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	if (f == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f) && ndiffer < 32) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		char *tab = strchr(line, '\t');
		if (tab == NULL)
			continue;
		*tab = '\0';
		char *res = tab + 1, *tab2 = strchr(res, '\t');
		if (tab2)
			*tab2 = '\0';
		snprintf(differs[ndiffer].label, sizeof(differs[0].label), "%s",
		    line);
		snprintf(differs[ndiffer].result, sizeof(differs[0].result),
		    "%s", res);
		ndiffer++;
	}
	fclose(f);
}

static const char *
rfc_result(const char *label, const char *want)
{
	for (size_t i = 0; i < ndiffer; i++)
		if (strcmp(differs[i].label, label) == 0)
			return differs[i].result;
	return want;
}

static struct rec recs[512];
static size_t nrecs;

static void
trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
	                s[n - 1] == '\r'))
		s[--n] = '\0';
	size_t i = 0;
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	memmove(s, s + i, strlen(s + i) + 1);
}

static void
put_rec(const char *kind, const char *rest)
{
	char name[300];
	const char *sp = strchr(rest, ' ');
	size_t n = sp ? (size_t)(sp - rest) : strlen(rest);
	snprintf(name, sizeof(name), "%.*s", (int)n, rest);
	/* spf and exp are both TXT at the name: one replaces the other. */
	const char *k = strcmp(kind, "exp") == 0 ? "spf" : kind;
	size_t i;
	for (i = 0; i < nrecs; i++)
		if (strcmp(recs[i].kind, k) == 0 &&
		    strcasecmp(recs[i].name, name) == 0)
			break;
	if (i == nrecs) {
		if (nrecs == EA_ARRAY_LEN(recs))
			return;
		nrecs++;
	}
	snprintf(recs[i].kind, sizeof(recs[i].kind), "%s", k);
	snprintf(recs[i].name, sizeof(recs[i].name), "%s", name);
	snprintf(recs[i].value, sizeof(recs[i].value), "%s", sp ? sp + 1 : "");
	trim(recs[i].value);
}

/* Splits "a, b, c" in place. */
static size_t
split_list(char *v, char **out, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(v, ",", &save); tok && n < max;
	     tok = strtok_r(NULL, ",", &save)) {
		trim(tok);
		if (*tok)
			out[n++] = tok;
	}
	return n;
}

static void
mark_errors(struct ea_store *s, const char *text)
{
	/* Every name that holds "_dns_error." answers SERVFAIL. */
	for (const char *p = strstr(text, "_dns_error."); p;
	     p = strstr(p + 1, "_dns_error.")) {
		const char *b = p, *e = p;
		while (b > text &&
		       (ea_is_alpha((uint8_t)b[-1]) ||
		           ea_is_digit((uint8_t)b[-1]) || b[-1] == '.' ||
		           b[-1] == '-' || b[-1] == '_'))
			b--;
		while (*e &&
		       (ea_is_alpha((uint8_t)*e) || ea_is_digit((uint8_t)*e) ||
		           *e == '.' || *e == '-' || *e == '_'))
			e++;
		ea_store_fail(
		    s, ea_span(b, (size_t)(e - b)), 0, EA_STORE_SERVFAIL);
	}
}

static void
build_zone(struct ea_store *s, const char *alltext)
{
	for (size_t i = 0; i < nrecs; i++) {
		struct rec *r = &recs[i];
		char v[2048], *items[64];
		snprintf(v, sizeof(v), "%s", r->value);
		if (strcmp(r->kind, "spf") == 0) {
			struct emauth_span parts[16];
			size_t n = 0, len = strlen(r->value);
			for (size_t o = 0; o < len && n < 16; o += 255)
				parts[n++] = ea_span(r->value + o,
				    len - o > 255 ? 255 : len - o);
			ea_dns_fake_txt(s, r->name, parts, n);
		} else if (strcmp(r->kind, "a") == 0 ||
		           strcmp(r->kind, "aaaa") == 0) {
			size_t n = split_list(v, items, 64);
			for (size_t k = 0; k < n; k++)
				ea_dns_fake_addr(s, r->name, items[k]);
		} else if (strcmp(r->kind, "mx") == 0) {
			size_t n = split_list(v, items, 64);
			for (size_t k = 0; k < n; k++) {
				char host[128];
				snprintf(host, sizeof(host), "mx.%s.%zu",
				    items[k], k);
				ea_dns_fake_mx(
				    s, r->name, (uint16_t)(k + 1), host);
				ea_dns_fake_addr(s, host, items[k]);
			}
		} else if (strcmp(r->kind, "ptr") == 0) {
			struct ea_ip ip;
			char rname[80];
			if (ea_ip_parse(ea_span_str(r->name), false, &ip) != 0)
				continue;
			ea_ip_reverse_name(&ip, rname, sizeof(rname));
			size_t n = split_list(v, items, 64);
			for (size_t k = 0; k < n; k++)
				ea_dns_fake_name(
				    s, rname, EA_DNS_T_PTR, items[k]);
		}
	}
	mark_errors(s, alltext);
}

static enum emauth_result
check(struct emauth_ctx *ctx, const char *ip, const char *helo,
    const char *sender, enum emauth_spf_identity id, char *expl, size_t n,
    char *why, size_t wn)
{
	struct emauth_spf_query q = {0};
	struct emauth_spf_result r;
	q.ip = ip;
	q.helo = helo;
	q.mail_from = sender;
	q.receiver = "localdomain.org";
	q.identity = id;
	if (emauth_spf_check_host(ctx, &q, &r) != 0)
		return EMAUTH_RES_NONE;
	snprintf(expl, n, "%s", r.explanation);
	snprintf(why, wn, "%s", r.problem);
	return r.result;
}

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		return 2;
	}
	static char all[1 << 20];
	size_t alen = fread(all, 1, sizeof(all) - 1, f);
	all[alen] = '\0';
	rewind(f);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char line[4096], section[256] = "", helo[300] = "", sender[600] = "",
	                 ip[64] = "127.0.0.1";
	int nexp = 0;
	nrecs = 0;
	while (fgets(line, sizeof(line), f)) {
		char *l = line;
		trim(l);
		if (strcmp(l, "---") == 0) {
			helo[0] = sender[0] = '\0';
			snprintf(ip, sizeof(ip), "127.0.0.1");
			nexp = 0;
			continue;
		}
		if (l[0] == '-') {
			l++;
			trim(l);
		}
		if (strncmp(l, "name:", 5) == 0) {
			snprintf(section, sizeof(section), "%s", l + 5);
			trim(section);
		} else if (!strncmp(l, "spf:", 4) || !strncmp(l, "exp:", 4)) {
			char kind[4] = {l[0], l[1], l[2], 0};
			char *rest = l + 4;
			trim(rest);
			put_rec(kind, rest);
		} else if (!strncmp(l, "aaaa:", 5)) {
			char *rest = l + 5;
			trim(rest);
			put_rec("aaaa", rest);
		} else if (!strncmp(l, "a:", 2) || !strncmp(l, "mx:", 3) ||
		           !strncmp(l, "ptr:", 4)) {
			char kind[8];
			size_t k = (size_t)(strchr(l, ':') - l);
			snprintf(kind, sizeof(kind), "%.*s", (int)k, l);
			char *rest = l + k + 1;
			trim(rest);
			put_rec(kind, rest);
		} else if (!strncmp(l, "domain:", 7)) {
			snprintf(helo, sizeof(helo), "%s", l + 7);
			trim(helo);
		} else if (!strncmp(l, "sender:", 7)) {
			snprintf(sender, sizeof(sender), "%s", l + 7);
			trim(sender);
		} else if (!strncmp(l, "ip:", 3)) {
			snprintf(ip, sizeof(ip), "%s", l + 3);
			trim(ip);
		} else if (!strncmp(l, "expect:", 7)) {
			char *want = l + 7, label[400];
			trim(want);
			char *wexp = strchr(want, ' ');
			if (wexp) {
				*wexp++ = '\0';
				trim(wexp);
			}
			snprintf(label, sizeof(label), "spf-stalwart/%s/%s/%d",
			    base, section, ++nexp);
			if (t_filter && !strstr(label, t_filter))
				continue;
			struct emauth_ctx *ctx;
			struct ea_resolver r;
			struct ea_store *store;
			emauth_ctx_new(&ctx);
			ea_dns_fake_new(&r, &store);
			build_zone(store, all);
			ea_ctx_set_resolver(ctx, &r);
			t_begin(label);
			char expl[1024] = "", why[1024] = "";
			enum emauth_result res = EMAUTH_RES_NONE;
			if (helo[0])
				res = check(ctx, ip, helo, "", EMAUTH_SPF_HELO,
				    expl, sizeof(expl), why, sizeof(why));
			if (res == EMAUTH_RES_PASS) {
				/* A sender without "@" is a local part at
				 * the HELO domain in Stalwart's harness. */
				char s[1000];
				if (sender[0] && !strchr(sender, '@'))
					snprintf(s, sizeof(s), "%s@%s", sender,
					    helo);
				else
					snprintf(s, sizeof(s), "%s", sender);
				res =
				    check(ctx, ip, helo, s, EMAUTH_SPF_MAILFROM,
				        expl, sizeof(expl), why, sizeof(why));
			}
			want = (char *)(uintptr_t)rfc_result(label, want);
			if (strcmp(emauth_result_name(res), want) != 0)
				T_FAILF("result %s, expected %s (%s)",
				    emauth_result_name(res), want, why);
			else if (wexp && *wexp)
				T_EQ_STR(expl, wexp);
			t_end(label);
			emauth_ctx_free(ctx);
		}
	}
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s DIFFER-FILE FILE.yml...\n", argv[0]);
		return 2;
	}
	load_differ(argv[1]);
	for (int i = 2; i < argc; i++)
		if (run_file(argv[i]) != 0)
			return 2;
	return t_summary();
}
