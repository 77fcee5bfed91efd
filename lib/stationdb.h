/*
 * The watcher's station table on disk: SQLite in WAL mode with synchronous=NORMAL, so a
 * crash (kill -9) loses at most the transaction in flight and never corrupts the file.
 * The caller batches: one transaction per flush (watch flushes once a second).
 * A database is ours when its application_id says so; any other database, or one
 * that fails the integrity check on open, is refused untouched. So is one this process
 * cannot write (a read-only file, directory or mount): refused at open, not at the
 * first flush, and without leaving -wal or -shm files behind.
 */
#ifndef ARPKIT_STATIONDB_H
#define ARPKIT_STATIONDB_H

#include <errno.h>
#include <stddef.h>

#include "watch_events.h"

#define STATIONDB_APPLICATION_ID 0x61726b77 /* "arkw" */
#define STATIONDB_SCHEMA_VERSION 1

enum stationdb_error {
	STATIONDB_FOREIGN = -EMEDIUMTYPE,  /* not SQLite, or another program's database */
	STATIONDB_CORRUPT = -EUCLEAN,      /* ours, but the integrity check failed */
	STATIONDB_NEWER = -EPROTONOSUPPORT, /* ours, from a newer schema version */
	STATIONDB_READONLY = -EROFS,       /* cannot be written by this process */
};

struct stationdb;

/*
 * Open (creating when missing or empty). Returns 0, a stationdb_error, or -errno
 * (-EACCES, -ENOENT for a missing directory, -EIO). On failure `why` (may be NULL)
 * gets SQLite's own words, for the message, on one line.
 */
int stationdb_open(struct stationdb **out, const char *path, char *why, size_t why_len);
void stationdb_close(struct stationdb *db);

/* What a row callback returns for a row it does not want (not an error). */
#define STATIONDB_ROW_LEFT_OUT 1

/* Calls fn for every stored station; returns rows taken or a negative error. fn returns
 * 0 (taken), STATIONDB_ROW_LEFT_OUT, or < 0 (the row is counted in *skipped, as are rows
 * that cannot be parsed). */
typedef int (*stationdb_row_fn)(const struct watch_station_record *rec, const char *iface,
				void *ctx);
long stationdb_load(struct stationdb *db, stationdb_row_fn fn, void *ctx, size_t *skipped);

/* One batch: begin, put each changed station, commit. 0 or -errno (-EIO, -ENOSPC). */
int stationdb_begin(struct stationdb *db);
int stationdb_put(struct stationdb *db, const struct watch_station_record *rec,
		  const char *iface);
int stationdb_commit(struct stationdb *db);
/* Abandon a batch after a failed put. */
void stationdb_rollback(struct stationdb *db);

#endif
