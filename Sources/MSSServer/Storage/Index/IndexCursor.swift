/// A ``KeyCursor`` over one bucket's rows of the index: a query ordered by key, restarted at a
/// new lower bound for each seek. SQLite steps its B-tree lazily, so a seek costs one descent and
/// each step one row, however large the bucket.
struct IndexCursor<Row>: KeyCursor {
    private let connection: SQLiteConnection
    private let bucket: String
    /// The query from a bound, with `?1` the bucket and `?2` the bound; the key is column 0.
    private let inclusiveSQL: String
    private let exclusiveSQL: String
    private let read: (SQLiteStatement) throws -> Row
    private var statement: SQLiteStatement?
    private(set) var current: (key: [UInt8], row: Row)?

    init(
        _ connection: SQLiteConnection, bucket: String, inclusiveSQL: String, exclusiveSQL: String,
        read: @escaping (SQLiteStatement) throws -> Row
    ) {
        self.connection = connection
        self.bucket = bucket
        self.inclusiveSQL = inclusiveSQL
        self.exclusiveSQL = exclusiveSQL
        self.read = read
    }

    mutating func seek(_ bound: [UInt8], inclusive: Bool) throws {
        let query = try connection.statement(inclusive ? inclusiveSQL : exclusiveSQL)
        try query.bind(1, bucket)
        try query.bind(2, bytes: bound)
        statement = query
        try load()
    }

    mutating func advance() throws {
        try load()
    }

    private mutating func load() throws {
        guard let statement, try statement.step() else {
            current = nil
            return
        }
        current = (statement.bytes(0), try read(statement))
    }
}
