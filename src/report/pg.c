/*
 * pg.c: the PostgreSQL back end of the verdict store (libpq), for sites
 * where several mail servers write into one database. Statements are sent
 * with PQexecParams (text parameters, never pasted into the SQL). A lost
 * connection is reset once before a statement fails.
 */
#include "common/internal.h"

#include <libpq-fe.h>
#include <string.h>

#include "common/alloc.h"
#include "common/span.h"
#include "report/store.h"

struct pg {
	PGconn *c;
};

/* The first line of libpq's message, without its newline. */
static void
pg_err(char *err, size_t errsize, const char *what, PGconn *c)
{
	const char *m = PQerrorMessage(c);
	size_t n = strcspn(m, "\n");
	ea_fmt(err, errsize, "postgresql: %s%.*s", what, (int)n, m);
}

static int
pg_exec(void *impl, const char *sql, const char *const *params, int n,
    ea_store_row_fn row, void *arg, char *err, size_t errsize)
{
	struct pg *p = impl;
	if (PQstatus(p->c) != CONNECTION_OK)
		PQreset(p->c);
	if (PQstatus(p->c) != CONNECTION_OK) {
		pg_err(err, errsize, "", p->c);
		return EMAUTH_EIO;
	}
	PGresult *r = PQexecParams(p->c, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);
	int rc = 0;
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		const char *m = PQresultErrorMessage(r);
		size_t l = strcspn(m, "\n");
		ea_fmt(err, errsize, "postgresql: %.*s", (int)l, m);
		rc = EMAUTH_EIO;
		goto out;
	}
	if (row == NULL || s != PGRES_TUPLES_OK)
		goto out;
	int nr = PQntuples(r), nc = PQnfields(r);
	if (nc > 64)
		nc = 64;
	for (int i = 0; i < nr && rc == 0; i++) {
		const char *cols[64];
		for (int j = 0; j < nc; j++)
			cols[j] =
			    PQgetisnull(r, i, j) ? NULL : PQgetvalue(r, i, j);
		rc = row(arg, nc, cols);
	}
out:
	PQclear(r);
	return rc;
}

static void
pg_close(void *impl)
{
	struct pg *p = impl;
	if (p == NULL)
		return;
	PQfinish(p->c);
	ea_free(p);
}

static const struct ea_store_ops pg_ops = {"postgresql", pg_exec,
    "SELECT pg_advisory_xact_lock(7208637698)", "BEGIN",
    "BIGSERIAL PRIMARY KEY", pg_close};

static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int
ea_store_pg_open(const char *conninfo, const struct ea_store_ops **ops,
    void **impl, char *err, size_t errsize)
{
	/* libpq's parse errors quote the connection string (or a token of
	 * it), password and all: say only that it does not parse. */
	char *perr = NULL;
	PQconninfoOption *popts = PQconninfoParse(conninfo, &perr);
	if (popts == NULL) {
		ea_fmt(err, errsize,
		    "postgresql: the connection string does not parse%s",
		    perr ? "" : " (out of memory)");
		PQfreemem(perr);
		return EMAUTH_EIO;
	}
	PQconninfoFree(popts);
	struct pg *p = ea_calloc(1, sizeof(*p));
	if (p == NULL)
		return EMAUTH_ENOMEM;
	p->c = PQconnectdb(conninfo);
	if (p->c == NULL || PQstatus(p->c) != CONNECTION_OK) {
		if (p->c)
			pg_err(err, errsize, "", p->c);
		else
			ea_fmt(err, errsize, "postgresql: out of memory");
		pg_close(p);
		return EMAUTH_EIO;
	}
	/* Notices (an existing table, say) are not for the log. */
	PQsetNoticeProcessor(p->c, quiet, NULL);
	*ops = &pg_ops;
	*impl = p;
	return 0;
}
