// The SQLite C library, as the store's index uses it. SQLITE_TRANSIENT is a cast macro Swift
// cannot import, so it is spelled here as a function.
#ifndef MSS_CSQLITE_SHIM_H
#define MSS_CSQLITE_SHIM_H

#include <sqlite3.h>

/// Binds a copy of `bytes`: the caller's buffer may go away before the statement runs.
static inline int mss_sqlite3_bind_blob_copy(sqlite3_stmt *statement, int index, const void *bytes, int count) {
    return sqlite3_bind_blob(statement, index, bytes, count, SQLITE_TRANSIENT);
}

static inline int mss_sqlite3_bind_text_copy(sqlite3_stmt *statement, int index, const char *text, int count) {
    return sqlite3_bind_text(statement, index, text, count, SQLITE_TRANSIENT);
}

#endif
