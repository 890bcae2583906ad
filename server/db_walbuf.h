/*
 * The writer connection's VFS: SQLite's default one, with the writes to a
 * -wal file gathered in memory until the next sync, read, size or truncate
 * of that file (db_walbuf.c).  Readers keep the default VFS.
 */
#ifndef PACTA_SRV_DB_WALBUF_H
#define PACTA_SRV_DB_WALBUF_H

/* Registers the VFS once per process (not as the default) and returns its
 * name for sqlite3_open_v2; NULL (the default VFS) when there is no default
 * VFS to wrap or PACTA_WAL_WRITE_BUFFER=0 is set (a benchmark knob). */
const char *srv__walbuf_vfs(void);

#endif
