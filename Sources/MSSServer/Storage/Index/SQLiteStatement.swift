import CSQLite

/// A prepared statement of one ``SQLiteConnection``: parameters bound by position (from 1),
/// rows read column by column (from 0).
final class SQLiteStatement {
    private let handle: OpaquePointer
    /// Keeps the connection open while the statement lives.
    private unowned let connection: SQLiteConnection

    init(_ handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Back to before the first row, with no parameters bound.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func bind(_ index: Int32, _ value: String) throws(SQLiteError) {
        guard value.utf8.count <= Int32.max else { throw SQLiteError(code: SQLITE_TOOBIG, message: "a text of \(value.utf8.count) bytes") }
        let code = value.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.withMemoryRebound(to: CChar.self) { mss_sqlite3_bind_text_copy(handle, index, $0.baseAddress, Int32($0.count)) }
        } ?? mss_sqlite3_bind_text_copy(handle, index, value, -1)
        try check(code)
    }

    func bind(_ index: Int32, _ value: String?) throws(SQLiteError) {
        guard let value else { return try check(sqlite3_bind_null(handle, index)) }
        try bind(index, value)
    }

    /// A byte string: keys are bound as blobs, which SQLite orders bytewise, as S3 does.
    func bind(_ index: Int32, bytes: some Collection<UInt8>) throws(SQLiteError) {
        let copy = Array(bytes)
        guard copy.count <= Int32.max else { throw SQLiteError(code: SQLITE_TOOBIG, message: "a blob of \(copy.count) bytes") }
        // An empty one is a zero-length blob, not NULL (which a null pointer would bind).
        guard !copy.isEmpty else { return try check(sqlite3_bind_zeroblob(handle, index, 0)) }
        let code = copy.withUnsafeBytes { mss_sqlite3_bind_blob_copy(handle, index, $0.baseAddress, Int32(copy.count)) }
        try check(code)
    }

    func bind(_ index: Int32, _ value: Int64) throws(SQLiteError) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ index: Int32, _ value: Int64?) throws(SQLiteError) {
        guard let value else { return try check(sqlite3_bind_null(handle, index)) }
        try bind(index, value)
    }

    /// The next row: true when there is one, false when the statement is done.
    func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(code)
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws(SQLiteError) {
        while try step() {}
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func bytes(_ column: Int32) -> [UInt8] {
        // The pointer is read before the length, as SQLite asks.
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    private func check(_ code: Int32) throws(SQLiteError) {
        guard code == SQLITE_OK else { throw connection.error(code) }
    }
}
