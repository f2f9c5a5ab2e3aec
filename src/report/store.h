/*
 * store.h: the verdict store behind one interface, as the resolver is
 * behind src/dns/resolver.h. A back end runs SQL with text parameters
 * written $1, $2, ... (PostgreSQL's form, which SQLite accepts too) and
 * hands each result row to a callback as text. store.c holds the schema,
 * its migrations and every statement; sqlite.c and pg.c only run them.
 */
#ifndef EA_REPORT_STORE_H
#define EA_REPORT_STORE_H

#include "common/internal.h"

#include <emauth/report.h>

/* A result row: @n columns as text (NULL for SQL NULL). */
typedef int (*ea_store_row_fn)(void *arg, int n, const char *const *cols);

struct ea_store_ops {
	const char *name; /* "sqlite", "postgresql" */
	/* Runs @sql with @n parameters; @row (may be NULL) gets each
	 * result row, and a nonzero return from it stops the statement and
	 * is returned. On failure returns EMAUTH_EIO with the reason in
	 * @err. */
	int (*exec)(void *impl, const char *sql, const char *const *params,
	    int n, ea_store_row_fn row, void *arg, char *err, size_t errsize);
	/* The statement that serialises schema creation between processes
	 * (inside the transaction), or NULL. */
	const char *schema_lock_sql;
	/* The statement that starts a write transaction. */
	const char *begin_sql;
	/* The column type of an auto-numbered key. */
	const char *serial_type;
	void (*close)(void *impl);
};

struct emauth_store {
	const struct ea_store_ops *ops;
	void *impl;
	char err[512];
};

/* The back ends: each returns 0 and sets @impl, or EMAUTH_EIO with the
 * reason in @err. */
int ea_store_sqlite_open(const char *path, const struct ea_store_ops **ops,
    void **impl, char *err, size_t errsize);
int ea_store_pg_open(const char *conninfo, const struct ea_store_ops **ops,
    void **impl, char *err, size_t errsize);

/* A row as the parameters of its INSERT: EA_STORE_COLS NUL-terminated
 * strings one after the other, in one allocation (free with ea_free()). */
#define EA_STORE_COLS 28
int ea_store_pack(const struct emauth_report_row *r, char **out);
/* Inserts @n packed rows in one transaction: all or none. */
int ea_store_add_packed(struct emauth_store *s, char *const *rows, size_t n);

/* Transactions (the error in s->err). */
int ea_store_begin(struct emauth_store *s);
int ea_store_commit(struct emauth_store *s);
void ea_store_rollback(struct emauth_store *s);
/* A row callback: the first column as an integer into *(int64_t *)arg. */
int ea_store_get_int(void *arg, int n, const char *const *cols);

/* A row callback: the first column as text into *(struct ea_store_text *). */
struct ea_store_text {
	char v[256];
	bool found;
};
int ea_store_get_text(void *arg, int n, const char *const *cols);

/* Runs @sql on @s, the error kept in s->err. */
int ea_store_exec(struct emauth_store *s, const char *sql,
    const char *const *params, int n, ea_store_row_fn row, void *arg);

#endif
