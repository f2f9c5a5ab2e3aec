/*
 * sqlite.c: the SQLite back end of the verdict store: one file, in WAL
 * mode (readers do not block the writer), with a busy timeout so that the
 * milter and "emauth report send" can use it at once. Prepared statements
 * are kept by their SQL text's address (every statement is a constant of
 * store.c).
 */
#include "common/internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/span.h"
#include "report/store.h"

#define STMT_CACHE 24

/* Ours: parameters of one statement ($1 to $64). */
#define PARAMS_MAX 64

struct lite {
	sqlite3 *db;
	struct {
		const char *sql;
		sqlite3_stmt *st;
		/* Where "$N" is bound: found once per statement (the name
		 * lookup is most of a row's insert otherwise). */
		int at[PARAMS_MAX];
	} cache[STMT_CACHE];
};

/* Fills @at: the bind index of each "$N", 0 when the statement has no
 * such parameter. */
static void
param_map(sqlite3_stmt *st, int *at)
{
	memset(at, 0, PARAMS_MAX * sizeof(*at));
	int n = sqlite3_bind_parameter_count(st);
	for (int k = 1; k <= n; k++) {
		const char *name = sqlite3_bind_parameter_name(st, k);
		if (name == NULL || name[0] != '$')
			continue;
		int v = 0;
		for (const char *p = name + 1;
		     *p >= '0' && *p <= '9' && v < 1000; p++)
			v = v * 10 + (*p - '0');
		if (v >= 1 && v <= PARAMS_MAX && at[v - 1] == 0)
			at[v - 1] = k;
	}
}

static sqlite3_stmt *
prepare(struct lite *l, const char *sql, int **at, int *tmp, char *err,
    size_t errsize)
{
	size_t i;
	/* By address, then by text: a statement built at run time in a
	 * reused buffer has the address of another. */
	for (i = 0; i < STMT_CACHE && l->cache[i].sql; i++)
		if (l->cache[i].sql == sql &&
		    strcmp(sqlite3_sql(l->cache[i].st), sql) == 0) {
			*at = l->cache[i].at;
			return l->cache[i].st;
		}
	for (size_t k = 0; k < i; k++)
		if (l->cache[k].sql == sql) {
			/* The buffer now holds another statement. */
			sqlite3_finalize(l->cache[k].st);
			l->cache[k] = l->cache[i - 1];
			l->cache[i - 1].sql = NULL;
			l->cache[i - 1].st = NULL;
			i--;
			break;
		}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(l->db, sql, -1, &st, NULL) != SQLITE_OK) {
		ea_fmt(err, errsize, "sqlite: %s", sqlite3_errmsg(l->db));
		return NULL;
	}
	if (i < STMT_CACHE) {
		l->cache[i].sql = sql;
		l->cache[i].st = st;
		*at = l->cache[i].at;
	} else {
		*at = tmp;
	}
	param_map(st, *at);
	return st;
}

static bool
cached(const struct lite *l, const sqlite3_stmt *st)
{
	for (size_t i = 0; i < STMT_CACHE && l->cache[i].sql; i++)
		if (l->cache[i].st == st)
			return true;
	return false;
}

static int
lite_exec(void *impl, const char *sql, const char *const *params, int n,
    ea_store_row_fn row, void *arg, char *err, size_t errsize)
{
	struct lite *l = impl;
	int tmp[PARAMS_MAX], *map = NULL;
	if (n > PARAMS_MAX) {
		ea_fmt(err, errsize, "sqlite: more than %d parameters",
		    PARAMS_MAX);
		return EMAUTH_EIO;
	}
	sqlite3_stmt *st = prepare(l, sql, &map, tmp, err, errsize);
	if (st == NULL)
		return EMAUTH_EIO;
	int rc = 0;
	for (int i = 0; i < n; i++) {
		int at = map[i];
		if (at > 0 &&
		    sqlite3_bind_text(st, at, params[i] ? params[i] : NULL, -1,
		        SQLITE_TRANSIENT) != SQLITE_OK) {
			ea_fmt(
			    err, errsize, "sqlite: %s", sqlite3_errmsg(l->db));
			rc = EMAUTH_EIO;
			goto out;
		}
	}
	for (;;) {
		int s = sqlite3_step(st);
		if (s == SQLITE_DONE)
			break;
		if (s != SQLITE_ROW) {
			ea_fmt(
			    err, errsize, "sqlite: %s", sqlite3_errmsg(l->db));
			rc = EMAUTH_EIO;
			break;
		}
		if (row == NULL)
			continue;
		int nc = sqlite3_column_count(st);
		const char *cols[64];
		if (nc > 64)
			nc = 64;
		for (int i = 0; i < nc; i++)
			cols[i] = (const char *)sqlite3_column_text(st, i);
		if ((rc = row(arg, nc, cols)) != 0)
			break;
	}
out:
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (!cached(l, st))
		sqlite3_finalize(st);
	return rc;
}

static void
lite_close(void *impl)
{
	struct lite *l = impl;
	if (l == NULL)
		return;
	for (size_t i = 0; i < STMT_CACHE && l->cache[i].sql; i++)
		sqlite3_finalize(l->cache[i].st);
	sqlite3_close(l->db);
	ea_free(l);
}

static const struct ea_store_ops lite_ops = {"sqlite", lite_exec, NULL,
    "BEGIN IMMEDIATE", "INTEGER PRIMARY KEY", lite_close};

int
ea_store_sqlite_open(const char *path, const struct ea_store_ops **ops,
    void **impl, char *err, size_t errsize)
{
	struct lite *l = ea_calloc(1, sizeof(*l));
	if (l == NULL)
		return EMAUTH_ENOMEM;
	if (sqlite3_open_v2(path, &l->db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	            SQLITE_OPEN_FULLMUTEX,
	        NULL) != SQLITE_OK) {
		ea_fmt(err, errsize, "sqlite: %s: %s", path,
		    l->db ? sqlite3_errmsg(l->db) : "cannot open");
		lite_close(l);
		return EMAUTH_EIO;
	}
	sqlite3_busy_timeout(l->db, 10000);
	char *msg = NULL;
	/* WAL: the milter writes while a report is built. synchronous
	 * NORMAL in WAL mode loses at most the last transactions on a power
	 * cut, never the database. */
	if (sqlite3_exec(l->db,
	        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL,
	        NULL, &msg) != SQLITE_OK) {
		ea_fmt(err, errsize, "sqlite: %s: %s", path,
		    msg ? msg : sqlite3_errmsg(l->db));
		sqlite3_free(msg);
		lite_close(l);
		return EMAUTH_EIO;
	}
	*ops = &lite_ops;
	*impl = l;
	return 0;
}
