#include "stationdb.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

struct stationdb {
	sqlite3 *db;
	sqlite3_stmt *upsert;
};

static const char schema_sql[] =
	"CREATE TABLE station ("
	" ip TEXT NOT NULL,"
	" vlan INTEGER NOT NULL,"          /* -1 untagged */
	" interface TEXT NOT NULL,"
	" mac TEXT NOT NULL,"
	" prev_mac TEXT,"                  /* NULL when none */
	" first_seen INTEGER NOT NULL,"    /* unix seconds */
	" last_seen INTEGER NOT NULL,"
	" mac_since_ns INTEGER NOT NULL,"
	" PRIMARY KEY (ip, vlan, interface)) WITHOUT ROWID;";

static const char upsert_sql[] =
	"INSERT INTO station (ip, vlan, interface, mac, prev_mac, first_seen, last_seen,"
	" mac_since_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	" ON CONFLICT (ip, vlan, interface) DO UPDATE SET mac = ?4, prev_mac = ?5,"
	" first_seen = ?6, last_seen = ?7, mac_since_ns = ?8";

/* SQLite's words, on one line: integrity reports come as several lines. */
static void set_why(char *why, size_t why_len, const char *text)
{
	size_t n = 0;
	bool space = false;

	if (!why || !why_len)
		return;
	for (const char *p = text ? text : ""; *p && n + 1 < why_len; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch < 0x20 || ch == 0x7f || ch == ' ') {
			space = n > 0;
			continue;
		}
		if (space && n + 2 < why_len)
			why[n++] = ' ';
		space = false;
		why[n++] = (char)ch;
	}
	why[n] = '\0';
}

static int errno_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return 0;
	case SQLITE_NOTADB:
		return STATIONDB_FOREIGN;
	case SQLITE_CORRUPT:
		return STATIONDB_CORRUPT;
	case SQLITE_PERM:
	case SQLITE_READONLY:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	default:
		return -EIO;
	}
}

/* One integer from a single-row query (PRAGMA application_id, counts, ...). */
static int query_int(sqlite3 *db, const char *sql, long long *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return errno_of(rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : errno_of(rc == SQLITE_DONE ? SQLITE_ERROR : rc);
}

/* quick_check reads every page (the integrity check without the slow index
 * cross-checks); anything but "ok" means the file is damaged. */
static int check_integrity(sqlite3 *db, char *why, size_t why_len)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
	int err = 0;

	if (rc != SQLITE_OK)
		return errno_of(rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *verdict = (const char *)sqlite3_column_text(st, 0);

		if (!verdict || strcmp(verdict, "ok")) {
			set_why(why, why_len, verdict);
			err = STATIONDB_CORRUPT;
		}
	} else {
		set_why(why, why_len, sqlite3_errmsg(db));
		err = errno_of(rc) == STATIONDB_FOREIGN ? STATIONDB_FOREIGN : STATIONDB_CORRUPT;
	}
	sqlite3_finalize(st);
	return err;
}

static int create_schema(sqlite3 *db, char *why, size_t why_len)
{
	char sql[256];
	int rc;

	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		 STATIONDB_APPLICATION_ID, STATIONDB_SCHEMA_VERSION);
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, schema_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		set_why(why, why_len, sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	return errno_of(rc);
}

/* Ours, empty (then made ours), or refused. */
static int claim_database(sqlite3 *db, char *why, size_t why_len)
{
	long long app_id = 0, version = 0, objects = 0;
	int err = query_int(db, "PRAGMA application_id", &app_id);

	if (err) {
		set_why(why, why_len, sqlite3_errmsg(db));
		return err == -EIO ? STATIONDB_FOREIGN : err;
	}
	if (app_id == 0) {
		err = query_int(db, "SELECT count(*) FROM sqlite_master", &objects);
		if (err) {
			set_why(why, why_len, sqlite3_errmsg(db));
			return err;
		}
		if (objects != 0) {
			set_why(why, why_len, "it holds tables but no arpkit application_id");
			return STATIONDB_FOREIGN;
		}
		return create_schema(db, why, why_len);
	}
	if (app_id != STATIONDB_APPLICATION_ID) {
		set_why(why, why_len, "its application_id belongs to another program");
		return STATIONDB_FOREIGN;
	}
	err = query_int(db, "PRAGMA user_version", &version);
	if (err)
		return err;
	if (version > STATIONDB_SCHEMA_VERSION) {
		set_why(why, why_len, "written by a newer arpkit");
		return STATIONDB_NEWER;
	}
	return check_integrity(db, why, why_len);
}

static int set_durability(sqlite3 *db, char *why, size_t why_len)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return errno_of(rc);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(st, 0), "wal")) {
		set_why(why, why_len, "cannot switch the database to WAL mode");
		err = rc == SQLITE_ROW ? -EIO : errno_of(rc);
	}
	sqlite3_finalize(st);
	if (!err) {
		rc = sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
		err = errno_of(rc);
	}
	return err;
}

/* A write lock opens the -wal and -shm files: a directory or mount that refuses them
 * is found now rather than at the first flush. */
static int check_writable(sqlite3 *db, char *why, size_t why_len)
{
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		return errno_of(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL));
	set_why(why, why_len, sqlite3_errmsg(db));
	switch (rc & 0xff) {
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_IOERR:
		return STATIONDB_READONLY;
	default:
		return errno_of(rc);
	}
}

int stationdb_open(struct stationdb **out, const char *path, char *why, size_t why_len)
{
	struct stationdb *s = calloc(1, sizeof(*s));
	int rc, err;

	*out = NULL;
	set_why(why, why_len, "");
	if (!s)
		return -ENOMEM;
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		set_why(why, why_len, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		err = errno_of(rc);
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 0);
	sqlite3_busy_timeout(s->db, 2000);
	/* SQLite quietly opens a file it cannot write read-only; watch must write. */
	if (sqlite3_db_readonly(s->db, "main") == 1) {
		set_why(why, why_len, "the file cannot be written");
		err = STATIONDB_READONLY;
		goto fail;
	}
	err = claim_database(s->db, why, why_len);
	if (!err)
		err = set_durability(s->db, why, why_len);
	if (!err)
		err = check_writable(s->db, why, why_len);
	if (!err) {
		rc = sqlite3_prepare_v3(s->db, upsert_sql, -1, SQLITE_PREPARE_PERSISTENT, &s->upsert,
					NULL);
		if (rc != SQLITE_OK) {
			set_why(why, why_len, sqlite3_errmsg(s->db));
			/* Our id but not our table: damaged by hand, not safe to write. */
			err = STATIONDB_CORRUPT;
		}
	}
	if (err)
		goto fail;
	*out = s;
	return 0;
fail:
	stationdb_close(s);
	return err;
}

void stationdb_close(struct stationdb *db)
{
	if (!db)
		return;
	sqlite3_finalize(db->upsert);
	sqlite3_close(db->db);
	free(db);
}

static bool column_mac(sqlite3_stmt *st, int col, struct mac *out)
{
	const char *text = (const char *)sqlite3_column_text(st, col);

	return text && mac_parse(text, out) == 0;
}

long stationdb_load(struct stationdb *db, stationdb_row_fn fn, void *ctx, size_t *skipped)
{
	sqlite3_stmt *st;
	long rows = 0;
	int rc = sqlite3_prepare_v2(db->db,
				    "SELECT ip, vlan, interface, mac, prev_mac, first_seen, last_seen,"
				    " mac_since_ns FROM station", -1, &st, NULL);

	*skipped = 0;
	if (rc != SQLITE_OK)
		return errno_of(rc);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct watch_station_record rec;
		const char *ip = (const char *)sqlite3_column_text(st, 0);
		const char *iface = (const char *)sqlite3_column_text(st, 2);
		long long vlan = sqlite3_column_int64(st, 1);

		memset(&rec, 0, sizeof(rec));
		if (!ip || ipv4_parse(ip, &rec.ip) < 0 || !iface || vlan < -1 || vlan > 4095 ||
		    !column_mac(st, 3, &rec.mac)) {
			(*skipped)++;
			continue;
		}
		rec.vlan = (int)vlan;
		if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
			if (!column_mac(st, 4, &rec.prev_mac)) {
				(*skipped)++;
				continue;
			}
			rec.has_prev = true;
		}
		rec.first_seen = (uint32_t)sqlite3_column_int64(st, 5);
		rec.last_seen = (uint32_t)sqlite3_column_int64(st, 6);
		rec.mac_since_ns = (uint64_t)sqlite3_column_int64(st, 7);
		rc = fn(&rec, iface, ctx);
		if (rc < 0)
			(*skipped)++;
		else if (rc == 0)
			rows++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? rows : errno_of(rc);
}

int stationdb_begin(struct stationdb *db)
{
	return errno_of(sqlite3_exec(db->db, "BEGIN", NULL, NULL, NULL));
}

int stationdb_put(struct stationdb *db, const struct watch_station_record *rec,
		  const char *iface)
{
	char ip[IPV4_STRLEN], mac[MAC_STRLEN], prev[MAC_STRLEN];
	sqlite3_stmt *st = db->upsert;
	int rc;

	sqlite3_bind_text(st, 1, ipv4_format(rec->ip, ip), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, rec->vlan < 0 ? -1 : rec->vlan);
	sqlite3_bind_text(st, 3, iface, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, mac_format(&rec->mac, mac), -1, SQLITE_TRANSIENT);
	if (rec->has_prev)
		sqlite3_bind_text(st, 5, mac_format(&rec->prev_mac, prev), -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_int64(st, 6, rec->first_seen);
	sqlite3_bind_int64(st, 7, rec->last_seen);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)rec->mac_since_ns);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : errno_of(rc);
}

int stationdb_commit(struct stationdb *db)
{
	return errno_of(sqlite3_exec(db->db, "COMMIT", NULL, NULL, NULL));
}

void stationdb_rollback(struct stationdb *db)
{
	sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}
