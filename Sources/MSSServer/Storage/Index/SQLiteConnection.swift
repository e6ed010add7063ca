import CSQLite

/// A failed SQLite call: the result code and SQLite's own message.
struct SQLiteError: Error, CustomStringConvertible {
    var code: Int32
    var message: String

    var description: String { "SQLite error \(code): \(message)" }
}

/// One connection to a SQLite database file. Used by one thread at a time, which ``KeyIndex``
/// ensures by handing each out behind a lock: hence `@unchecked Sendable`, as SQLite's own
/// per-connection lock is off. Every call blocks, so they run on ``StoreIO``.
final class SQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]
    /// What ``afterEachCommit(_:)`` installed, kept alive as long as the connection.
    private var commitHook: CommitHook?

    /// Opens (creating with `create`) the database at `path`, private to its owner.
    init(path: String, create: Bool) throws(SQLiteError) {
        var opened: OpaquePointer?
        // NOMUTEX: a connection is never shared between threads at once, so SQLite's own lock
        // on it would only cost time.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0)
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            sqlite3_close_v2(opened)
            throw SQLiteError(code: code, message: message)
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 1)
        // A writer busy in another connection is waited for rather than failed.
        sqlite3_busy_timeout(handle, 10_000)
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs SQL without results (several statements allowed).
    func execute(_ sql: String) throws(SQLiteError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code) }
    }

    /// Runs one statement without results through its prepared statement: for those a
    /// connection runs again and again (`BEGIN`, `COMMIT`), which ``execute(_:)`` would parse
    /// each time (a read of one key paid for two parses beside its query).
    func run(_ sql: String) throws(SQLiteError) {
        let prepared = try statement(sql)
        defer { prepared.reset() }
        try prepared.run()
    }

    /// Calls `hook` after each commit of this connection with the number of pages its database's
    /// write-ahead log holds, instead of SQLite's own checkpoint there (`wal_autocheckpoint`,
    /// which copies the log into the database, and flushes both, on the committing thread).
    func afterEachCommit(_ hook: @escaping (Int32) -> Void) {
        let box = CommitHook(hook)
        commitHook = box
        sqlite3_wal_hook(
            handle,
            { context, _, _, pages in
                if let context { Unmanaged<CommitHook>.fromOpaque(context).takeUnretainedValue().hook(pages) }
                return SQLITE_OK
            }, Unmanaged.passUnretained(box).toOpaque())
    }

    /// Copies what it can of the write-ahead log into the database, without waiting for
    /// readers or the writer (`SQLITE_CHECKPOINT_PASSIVE`).
    func checkpointPassively() throws(SQLiteError) {
        let code = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        guard code == SQLITE_OK || code == SQLITE_BUSY else { throw error(code) }
    }

    private final class CommitHook {
        let hook: (Int32) -> Void

        init(_ hook: @escaping (Int32) -> Void) {
            self.hook = hook
        }
    }

    /// The prepared statement for `sql`, prepared once per connection and reset for reuse.
    func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let prepared = statements[sql] {
            prepared.reset()
            return prepared
        }
        var raw: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard code == SQLITE_OK, let raw else { throw error(code) }
        let prepared = SQLiteStatement(raw, connection: self)
        statements[sql] = prepared
        return prepared
    }

    /// Resets every statement still between rows: a read transaction cannot end while one is,
    /// and would keep its old view of the database.
    func finishStatements() {
        for statement in statements.values { statement.reset() }
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        try run("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            try? run("ROLLBACK")
            throw error
        }
    }

    /// The first column of the first row of `sql`, as an integer; nil without a row.
    func integer(_ sql: String) throws(SQLiteError) -> Int64? {
        let query = try statement(sql)
        defer { query.reset() }
        return try query.step() ? query.int64(0) : nil
    }

    func error(_ code: Int32) -> SQLiteError {
        SQLiteError(code: code, message: String(cString: sqlite3_errmsg(handle)))
    }
}
