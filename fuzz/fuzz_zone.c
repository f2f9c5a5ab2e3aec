/*
 * fuzz_zone.c: the DNS answers of a fuzz input (see fuzz_zone.h).
 */
#define _GNU_SOURCE 1 /* memmem */
#include "fuzz_zone.h"

#include "common/ctx.h"
#include "common/span.h"
#include "dns/fake.h"

int64_t
fuzz_clock(void *arg)
{
	(void)arg;
	return FUZZ_NOW;
}

unsigned
fuzz_number(const char *s, unsigned dflt)
{
	unsigned v = 0;
	size_t i = 0;
	if (s == NULL)
		return dflt;
	for (; s[i] >= '0' && s[i] <= '9' && i < 9; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return i ? v : dflt;
}

static uint16_t
type_code(const char *t)
{
	static const struct {
		const char *name;
		uint16_t code;
	} types[] = {{"A", EA_DNS_T_A}, {"NS", EA_DNS_T_NS},
	    {"CNAME", EA_DNS_T_CNAME}, {"SOA", EA_DNS_T_SOA},
	    {"PTR", EA_DNS_T_PTR}, {"MX", EA_DNS_T_MX}, {"TXT", EA_DNS_T_TXT},
	    {"AAAA", EA_DNS_T_AAAA}, {"SPF", EA_DNS_T_SPF}};
	if (t == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(t, types[i].name) == 0)
			return types[i].code;
	return 0;
}

/* The next word of @*p (split at spaces), NUL-terminated in place. */
static char *
word(char **p)
{
	char *s = *p;
	while (*s == ' ')
		s++;
	if (*s == '\0')
		return NULL;
	char *e = s;
	while (*e && *e != ' ')
		e++;
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

/* Decodes "\xHH" in place; returns the new length. */
static size_t
unescape(char *v)
{
	size_t o = 0;
	for (size_t i = 0; v[i]; i++) {
		if (v[i] == '\\' && v[i + 1] == 'x' &&
		    fuzz_hex(v[i + 2]) >= 0 && fuzz_hex(v[i + 3]) >= 0) {
			v[o++] = (char)(fuzz_hex(v[i + 2]) * 16 +
			                fuzz_hex(v[i + 3]));
			i += 3;
		} else {
			v[o++] = v[i];
		}
	}
	return o;
}

static void
add_line(struct ea_store *s, char *line)
{
	char *rest = line;
	char *name = word(&rest);
	char *type = word(&rest);
	if (name == NULL || type == NULL || name[0] == '#')
		return;
	/* The value is the rest of the line, spaces included. */
	char *value = rest;
	static const struct {
		const char *word;
		enum ea_store_fail how;
	} fails[] = {{"TIMEOUT", EA_STORE_TIMEOUT},
	    {"SERVFAIL", EA_STORE_SERVFAIL}, {"REFUSED", EA_STORE_REFUSED}};
	for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++)
		if (strcmp(type, fails[i].word) == 0) {
			ea_store_fail(s, ea_span_str(name),
			    type_code(word(&rest)), fails[i].how);
			return;
		}
	if (strcmp(type, "EMPTY") == 0) {
		ea_store_touch(s, ea_span_str(name));
		return;
	}
	switch (type_code(type)) {
	case EA_DNS_T_TXT:
	case EA_DNS_T_SPF: {
		struct emauth_span parts[64];
		size_t n = 0, len = unescape(value);
		for (size_t o = 0; o < len && n < 64; o += 255)
			parts[n++] =
			    ea_span(value + o, len - o > 255 ? 255 : len - o);
		if (type_code(type) == EA_DNS_T_TXT) {
			ea_dns_fake_txt(s, name, parts, n);
		} else {
			/* The legacy SPF type: TXT RDATA under type 99. */
			uint8_t rd[64 * 256];
			size_t o = 0;
			for (size_t i = 0; i < n; i++) {
				rd[o++] = (uint8_t)parts[i].len;
				memcpy(rd + o, parts[i].p, parts[i].len);
				o += parts[i].len;
			}
			ea_store_add(s, ea_span_str(name), EA_DNS_T_SPF, 300,
			    ea_span(rd, o));
		}
		break;
	}
	case EA_DNS_T_A:
	case EA_DNS_T_AAAA: {
		char *ip = word(&rest);
		if (ip)
			ea_dns_fake_addr(s, name, ip);
		break;
	}
	case EA_DNS_T_MX: {
		char *pref = word(&rest);
		char *host = word(&rest);
		if (pref && host)
			ea_dns_fake_mx(
			    s, name, (uint16_t)fuzz_number(pref, 0), host);
		break;
	}
	case EA_DNS_T_PTR:
	case EA_DNS_T_CNAME:
	case EA_DNS_T_NS: {
		char *target = word(&rest);
		if (target)
			ea_dns_fake_name(s, name, type_code(type), target);
		break;
	}
	default:
		break;
	}
}

int
fuzz_zone_install(struct emauth_ctx *ctx, const char *text, size_t len)
{
	struct ea_resolver r;
	struct ea_store *s;
	int rc = ea_dns_fake_new(&r, &s);
	if (rc)
		return rc;
	char *copy = malloc(len + 1);
	if (copy == NULL) {
		r.ops->free(r.impl);
		return EMAUTH_ENOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	for (char *l = copy; l != NULL;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		add_line(s, l);
		l = nl ? nl + 1 : NULL;
	}
	free(copy);
	ea_ctx_set_resolver(ctx, &r);
	emauth_ctx_set_clock(ctx, fuzz_clock, NULL);
	return 0;
}

char *
fuzz_split(const uint8_t *data, size_t size, struct fuzz_parts *out)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	char *nl = memchr(text, '\n', size);
	size_t first_len = nl ? (size_t)(nl - text) : size;
	text[first_len] = '\0';
	out->zone = nl ? nl + 1 : text + size;
	out->zone_len = size - (size_t)(out->zone - text);
	out->rest = data + size;
	out->rest_len = 0;
	const char *sep = NULL;
	if (out->zone_len >= 3 && memcmp(out->zone, "%%\n", 3) == 0)
		sep = out->zone;
	else
		sep = memmem(out->zone, out->zone_len, "\n%%\n", 4);
	if (sep) {
		size_t at =
		    (size_t)(sep - out->zone) + (sep == out->zone ? 3 : 4);
		out->rest = data + (size_t)(out->zone - text) + at;
		out->rest_len = out->zone_len - at;
		out->zone_len = (size_t)(sep - out->zone);
	}
	return text;
}
