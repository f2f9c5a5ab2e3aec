/*
 * zone.c: the offline back end. RFC 1035 master files are parsed by ldns
 * (ldns_zone_new_frm_fp_l handles $ORIGIN, $TTL, relative names, quoting and
 * parentheses) and loaded into a store. Every ancestor of an owner name
 * inside the zone is an empty non-terminal (NODATA, RFC 8020), and names
 * outside the loaded zones answer NXDOMAIN.
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

/* Marks the ancestors of @owner strictly below or at @origin as existing. */
static int
touch_ancestors(
    struct ea_store *s, const ldns_rdf *owner, const ldns_rdf *origin)
{
	const uint8_t *w = ldns_rdf_data(owner);
	size_t len = ldns_rdf_size(owner);
	size_t pos = 0;
	int rc;

	if (origin == NULL)
		return 0;
	size_t olen = ldns_rdf_size(origin);
	/* Walk the labels of the wire name; each suffix is an ancestor. */
	while (pos < len && w[pos] != 0) {
		pos += (size_t)w[pos] + 1;
		if (pos >= len || len - pos < olen)
			break;
		ldns_rdf *anc = ldns_rdf_new_frm_data(
		    LDNS_RDF_TYPE_DNAME, len - pos, w + pos);
		if (anc == NULL)
			return EMAUTH_ENOMEM;
		bool inside = ldns_dname_is_subdomain(anc, origin) ||
		              ldns_dname_compare(anc, origin) == 0;
		if (inside) {
			char key[EA_DNS_PRES_MAX];
			size_t p = 0;
			rc = ea_dns_wire_to_key(
			    ea_span(w + pos, len - pos), &p, key, sizeof(key));
			if (rc == 0)
				rc = ea_store_touch(s, ea_span_str(key));
			if (rc) {
				ldns_rdf_deep_free(anc);
				return rc;
			}
		}
		ldns_rdf_deep_free(anc);
		if (!inside)
			break;
	}
	return 0;
}

/* The end of a long path: the file name is what the reader needs. */
static const char *
short_path(const char *path)
{
	size_t n = strlen(path);
	return n > 36 ? path + n - 36 : path;
}

static int
load_file(struct ea_store *s, const char *path, struct emauth_diag *diag)
{
	FILE *f = fopen(path, "r");
	ldns_zone *z = NULL;
	int line = 0, rc = 0;

	if (f == NULL) {
		ea_diag_set(diag, EMAUTH_EZONE, short_path(path),
		    ea_span(NULL, 0), 0, strerror(errno));
		return EMAUTH_EZONE;
	}
	ldns_status st =
	    ldns_zone_new_frm_fp_l(&z, f, NULL, 3600, LDNS_RR_CLASS_IN, &line);
	fclose(f);
	if (st != LDNS_STATUS_OK) {
		char where[48];
		snprintf(where, sizeof(where), "%s:%d", short_path(path), line);
		ea_diag_set(diag, EMAUTH_EZONE, where, ea_span(NULL, 0), 0,
		    ldns_get_errorstr_by_id(st));
		return EMAUTH_EZONE;
	}
	const ldns_rdf *origin = NULL;
	ldns_buffer *buf = ldns_buffer_new(512);
	if (buf == NULL) {
		rc = EMAUTH_ENOMEM;
		goto out_free_zone;
	}
	ldns_rr_list *rrs = ldns_zone_rrs(z);
	size_t total = ldns_rr_list_rr_count(rrs) + (ldns_zone_soa(z) ? 1 : 0);
	if (ldns_zone_soa(z))
		origin = ldns_rr_owner(ldns_zone_soa(z));
	for (size_t i = 0; i < total && rc == 0; i++) {
		ldns_rr *rr = i < ldns_rr_list_rr_count(rrs)
		                  ? ldns_rr_list_rr(rrs, i)
		                  : ldns_zone_soa(z);
		const ldns_rdf *owner = ldns_rr_owner(rr);
		ldns_buffer_clear(buf);
		if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK) {
			rc = EMAUTH_ENOMEM;
			break;
		}
		rc = ea_store_add_wire(s,
		    ea_span(ldns_rdf_data(owner), ldns_rdf_size(owner)),
		    (uint16_t)ldns_rr_get_type(rr), ldns_rr_ttl(rr),
		    ea_span(ldns_buffer_begin(buf), ldns_buffer_position(buf)));
		if (rc == 0)
			rc = touch_ancestors(s, owner, origin);
	}
	if (rc)
		ea_diag_set(diag, rc, path, ea_span(NULL, 0), 0,
		    "could not load the records");
	ldns_buffer_free(buf);
out_free_zone:
	ldns_zone_deep_free(z);
	return rc;
}

int
ea_dns_zone_new(
    const char *files, struct ea_resolver *out, struct emauth_diag *diag)
{
	struct ea_store *s = ea_store_new();
	int rc = 0;

	if (s == NULL)
		return EMAUTH_ENOMEM;
	const char *p = files;
	while (rc == 0) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char *path = ea_strndup(p, n);
		if (path == NULL) {
			rc = EMAUTH_ENOMEM;
			break;
		}
		if (n == 0) {
			ea_diag_set(diag, EMAUTH_EINVAL, "dns",
			    ea_span_str(files), (size_t)(p - files),
			    "empty zone file name");
			rc = EMAUTH_EINVAL;
		} else {
			rc = load_file(s, path, diag);
		}
		ea_free(path);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	if (rc == 0)
		rc = ea_store_resolver(s, out);
	if (rc)
		ea_store_free(s);
	return rc;
}
