/*
 * zone.c: the offline back end. RFC 1035 master files are read one record
 * at a time by ldns (ldns_rr_new_frm_fp_l handles $ORIGIN, $TTL, relative
 * names, quoting and parentheses) and loaded into a store (store.h) that
 * answers as an authoritative server loaded with the same files would.
 *
 * Every SOA record declares a zone at its owner. A record belongs to the
 * deepest zone of its own file that holds it. The records of a file
 * without SOA join the deepest zone of any file that holds them. Data
 * outside its own file's zones, and records no zone holds, are kept
 * outside every zone and answer their exact name only, when no zone holds
 * the name. Files are read whole before any record is stored, so the
 * order of the files does not matter, except that of two identical
 * records the first one read is kept. docs/internals/dns.md has the rest.
 */
#include "../common/internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <ldns/ldns.h>

#include "../common/alloc.h"
#include "../common/diag.h"
#include "../common/span.h"
#include "store.h"

/* The records of one file, with the line each ends on, and the owners
 * of its SOA records (borrowed from rr). */
struct zfile {
	char *path;
	ldns_rr **rr;
	int *line;
	size_t n, cap;
	const ldns_rdf **soa;
	size_t nsoa;
};

/* The end of a long path: the file name is what the reader needs. */
static const char *
short_path(const char *path)
{
	size_t n = strlen(path);
	return n > 36 ? path + n - 36 : path;
}

static int
fail_at(struct emauth_diag *diag, int code, const char *path, int line,
    const char *msg)
{
	char where[48];
	snprintf(where, sizeof(where), "%s:%d", short_path(path), line);
	ea_diag_set(diag, code, where, ea_span(NULL, 0), 0, msg);
	return code;
}

static void
zfile_release(struct zfile *zf)
{
	for (size_t i = 0; i < zf->n; i++)
		ldns_rr_free(zf->rr[i]);
	ea_free(zf->rr);
	ea_free(zf->line);
	ea_free(zf->soa);
	zf->rr = NULL;
	zf->line = NULL;
	zf->soa = NULL;
	zf->n = zf->cap = zf->nsoa = 0;
}

static int
zfile_push(struct zfile *zf, ldns_rr *rr, int line)
{
	if (zf->n == zf->cap) {
		size_t cap = zf->cap ? zf->cap * 2 : 64;
		ldns_rr **v = ea_realloc(zf->rr, cap * sizeof(*v));
		if (v == NULL)
			return EMAUTH_ENOMEM;
		zf->rr = v;
		int *l = ea_realloc(zf->line, cap * sizeof(*l));
		if (l == NULL)
			return EMAUTH_ENOMEM;
		zf->line = l;
		zf->cap = cap;
	}
	zf->rr[zf->n] = rr;
	zf->line[zf->n] = line;
	zf->n++;
	return 0;
}

/*
 * RFC 1035 §5.1: a quoted string ends at its closing quote, which may be
 * on a later line. ldns takes a string still open at the end of the file
 * as ending there, and so swallows the records after the stray quote;
 * NSD refuses the file ("EOF inside quoted string"), and so do we.
 * Returns the line where the open string starts, or 0.
 */
static int
open_quote(FILE *f)
{
	bool quoted = false, comment = false;
	int line = 1, start = 0, c;

	while ((c = getc(f)) != EOF) {
		if (c == '\n') {
			line++;
			comment = false;
		} else if (comment) {
			continue;
		} else if (c == '\\') {
			if ((c = getc(f)) == '\n')
				line++;
			else if (c == EOF)
				break;
		} else if (c == '"') {
			quoted = !quoted;
			start = line;
		} else if (c == ';' && !quoted) {
			comment = true;
		}
	}
	rewind(f);
	return quoted ? start : 0;
}

/*
 * Reads every record of @zf->path. ldns_zone_new_frm_fp_l would do it in
 * one call, but it leaks the records read so far when a later one does
 * not parse (ldns 1.8.3 frees the list, not its records), and it gives a
 * record without a TTL the TTL of the record before it when both are in
 * one RRset, which NSD does not. Here each record is ours as soon as it is
 * read, and freed on every path.
 */
static int
read_file(struct zfile *zf, struct emauth_diag *diag)
{
	ldns_rdf *origin = NULL, *prev = NULL;
	/* The TTL of a record without one: $TTL (RFC 2308 §4), or before
	 * any $TTL the last one stated (RFC 1035 §5.1), or 3600 as NSD. */
	uint32_t dflt = 3600;
	bool from_ttl = false;
	int line = 0, rc = 0;

	FILE *f = fopen(zf->path, "r");
	if (f == NULL) {
		ea_diag_set(diag, EMAUTH_EZONE, short_path(zf->path),
		    ea_span(NULL, 0), 0, strerror(errno));
		return EMAUTH_EZONE;
	}
	int q = open_quote(f);
	if (q)
		rc = fail_at(diag, EMAUTH_EZONE, zf->path, q,
		    "a quoted string is not closed before the end of the file");
	while (rc == 0 && !feof(f)) {
		ldns_rr *rr = NULL;
		/* ldns reads a default of 0 as "none" and uses 3600: pass
		 * the largest TTL instead and take it back as 0 (a value
		 * with the top bit set counts as 0 anyway, RFC 2181 §8). */
		uint32_t t = dflt ? dflt : UINT32_MAX;
		ldns_status st =
		    ldns_rr_new_frm_fp_l(&rr, f, &t, &origin, &prev, &line);
		if (st == LDNS_STATUS_SYNTAX_TTL) {
			dflt = t;
			from_ttl = true;
			continue;
		}
		if (st == LDNS_STATUS_SYNTAX_ORIGIN ||
		    st == LDNS_STATUS_SYNTAX_EMPTY)
			continue;
		if (st == LDNS_STATUS_SYNTAX_INCLUDE) {
			rc = fail_at(diag, EMAUTH_EZONE, zf->path, line,
			    "$INCLUDE is not supported");
			break;
		}
		if (st != LDNS_STATUS_OK) {
			rc = fail_at(diag, EMAUTH_EZONE, zf->path, line,
			    ldns_get_errorstr_by_id(st));
			break;
		}
		if (dflt == 0 && ldns_rr_ttl(rr) == UINT32_MAX)
			ldns_rr_set_ttl(rr, 0);
		if (!from_ttl)
			dflt = ldns_rr_ttl(rr);
		/* Relative names before any $ORIGIN are relative to the
		 * first SOA's owner, as ldns's zone reader has it. */
		if (origin == NULL &&
		    ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
			origin = ldns_rdf_clone(ldns_rr_owner(rr));
			if (origin == NULL)
				rc = EMAUTH_ENOMEM;
		}
		if (rc == 0)
			rc = zfile_push(zf, rr, line);
		if (rc) {
			ldns_rr_free(rr);
			ea_diag_set(diag, rc, short_path(zf->path),
			    ea_span(NULL, 0), 0, "could not load the records");
		}
	}
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	fclose(f);
	if (rc)
		return rc;
	/* The file's zones. */
	for (size_t i = 0; i < zf->n; i++) {
		if (ldns_rr_get_type(zf->rr[i]) != LDNS_RR_TYPE_SOA)
			continue;
		const ldns_rdf **v =
		    ea_realloc(zf->soa, (zf->nsoa + 1) * sizeof(*v));
		if (v == NULL)
			return EMAUTH_ENOMEM;
		zf->soa = v;
		zf->soa[zf->nsoa++] = ldns_rr_owner(zf->rr[i]);
	}
	return 0;
}

static bool
at_or_below(const ldns_rdf *name, const ldns_rdf *apex)
{
	return ldns_dname_compare(name, apex) == 0 ||
	       ldns_dname_is_subdomain(name, apex);
}

/* The owner of the deepest SOA record in @zf at or above @owner. */
static const ldns_rdf *
own_apex(const struct zfile *zf, const ldns_rdf *owner)
{
	const ldns_rdf *best = NULL;
	for (size_t i = 0; i < zf->nsoa; i++) {
		const ldns_rdf *apex = zf->soa[i];
		if (at_or_below(owner, apex) &&
		    (best == NULL || ldns_dname_label_count(apex) >
		                         ldns_dname_label_count(best)))
			best = apex;
	}
	return best;
}

static bool
in_any_zone(const struct zfile *zf, size_t nf, const ldns_rdf *owner)
{
	for (size_t i = 0; i < nf; i++)
		if (own_apex(&zf[i], owner))
			return true;
	return false;
}

static int
store_file(struct ea_store *s, const struct zfile *all, size_t nf,
    const struct zfile *zf, ldns_buffer *buf, struct emauth_diag *diag)
{
	for (size_t i = 0; i < zf->n; i++) {
		ldns_rr *rr = zf->rr[i];
		const ldns_rdf *owner = ldns_rr_owner(rr);
		const ldns_rdf *apex = own_apex(zf, owner);
		const uint8_t *w = ldns_rdf_data(owner);
		/* Data outside the zone of its own file (NSD refuses such a
		 * file, BIND ignores the record) is kept outside every zone:
		 * it answers only names no loaded zone holds. A file without
		 * SOA holds no zone: its records join the zone that holds
		 * them. */
		enum ea_store_place where = apex           ? EA_STORE_IN_ZONE
		                            : zf->nsoa > 0 ? EA_STORE_OUTSIDE
		                                           : EA_STORE_DEEPEST;
		bool outside =
		    where == EA_STORE_OUTSIDE ||
		    (where == EA_STORE_DEEPEST && !in_any_zone(all, nf, owner));
		/* RFC 4592 §2.1.1: a wildcard is found from its closest
		 * encloser, which only a zone defines. */
		if (outside && ldns_rdf_size(owner) > 2 && w[0] == 1 &&
		    w[1] == '*')
			return fail_at(diag, EMAUTH_EZONE, zf->path,
			    zf->line[i],
			    "a wildcard outside every zone: load the zone's "
			    "SOA record too");
		ldns_buffer_clear(buf);
		if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK) {
			ea_diag_set(diag, EMAUTH_ENOMEM, short_path(zf->path),
			    ea_span(NULL, 0), 0, "could not load the records");
			return EMAUTH_ENOMEM;
		}
		int rc = ea_store_add_wire(s, where,
		    apex ? ea_span(ldns_rdf_data(apex), ldns_rdf_size(apex))
		         : ea_span(NULL, 0),
		    ea_span(w, ldns_rdf_size(owner)),
		    (uint16_t)ldns_rr_get_type(rr), ldns_rr_ttl(rr),
		    ea_span(ldns_buffer_begin(buf), ldns_buffer_position(buf)));
		if (rc == EMAUTH_EZONE)
			return fail_at(diag, rc, zf->path, zf->line[i],
			    "a second, different SOA record for this zone "
			    "(RFC 1035 §5.2: one SOA at the top of a zone)");
		if (rc)
			return fail_at(diag, rc, zf->path, zf->line[i],
			    "could not load the record");
	}
	return 0;
}

static int
load(struct ea_store *s, struct zfile *zf, size_t nf, struct emauth_diag *diag)
{
	int rc = 0;
	for (size_t i = 0; i < nf && rc == 0; i++)
		rc = read_file(&zf[i], diag);
	/* Every zone is declared before any record is stored. */
	for (size_t i = 0; i < nf && rc == 0; i++)
		for (size_t k = 0; k < zf[i].nsoa && rc == 0; k++) {
			const ldns_rdf *o = zf[i].soa[k];
			rc = ea_store_zone(
			    s, ea_span(ldns_rdf_data(o), ldns_rdf_size(o)));
			if (rc)
				ea_diag_set(diag, rc, short_path(zf[i].path),
				    ea_span(NULL, 0), 0,
				    "could not load the zone");
		}
	if (rc)
		return rc;
	ldns_buffer *buf = ldns_buffer_new(512);
	if (buf == NULL)
		return EMAUTH_ENOMEM;
	for (size_t i = 0; i < nf && rc == 0; i++)
		rc = store_file(s, zf, nf, &zf[i], buf, diag);
	ldns_buffer_free(buf);
	return rc;
}

int
ea_dns_zone_new(
    const char *files, struct ea_resolver *out, struct emauth_diag *diag)
{
	struct zfile *zf = NULL;
	size_t nf = 1;
	int rc = 0;

	for (const char *c = files; *c; c++)
		if (*c == ',')
			nf++;
	zf = ea_calloc(nf, sizeof(*zf));
	if (zf == NULL)
		return EMAUTH_ENOMEM;
	const char *p = files;
	for (size_t i = 0; i < nf && rc == 0; i++) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 0) {
			ea_diag_set(diag, EMAUTH_EINVAL, "dns",
			    ea_span_str(files), (size_t)(p - files),
			    "empty zone file name");
			rc = EMAUTH_EINVAL;
			break;
		}
		zf[i].path = ea_strndup(p, n);
		if (zf[i].path == NULL)
			rc = EMAUTH_ENOMEM;
		p = comma ? comma + 1 : p + n;
	}
	struct ea_store *s = rc == 0 ? ea_store_new() : NULL;
	if (rc == 0 && s == NULL)
		rc = EMAUTH_ENOMEM;
	if (rc == 0)
		rc = load(s, zf, nf, diag);
	for (size_t i = 0; i < nf; i++) {
		zfile_release(&zf[i]);
		ea_free(zf[i].path);
	}
	ea_free(zf);
	if (rc == 0)
		rc = ea_store_resolver(s, out);
	if (rc)
		ea_store_free(s);
	return rc;
}
