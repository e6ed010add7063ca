import Foundation
import NIOConcurrencyHelpers
import Synchronization

/// The store's index of keys: every key's document and the columns a listing shows, in a
/// SQLite database (`.mss/index.sqlite`, WAL mode) beside the files.
///
/// The documents in `buckets/` stay the truth; the index is what lets a start skip reading
/// them all, and what keeps a million keys out of memory. It is trusted at start only when the
/// last server closed it cleanly (``markClosed()``): a start marks it in use, durably, before
/// anything changes, so after a crash, a kill or a failed index write the next start reads every
/// document again (``StoreScan``) and rebuilds it (``IndexBuilder``). Between the two, each
/// change of a key is written here right after its document is in place, without an
/// fsync of its own: only a clean close has to make the index durable, and that close fsyncs it.
///
/// Every call blocks: callers run them on ``StoreIO``. One connection writes, behind a lock;
/// readers each take a connection of their own, so listings and reads run beside a write.
final class KeyIndex: Sendable {
    /// The index's own format; an index of another one is rebuilt, but for ``migratableFormat``.
    static let format: Int64 = 3
    /// The format before document packs: the same rows without their pack columns, which for
    /// a store of that time are all NULL (every document a file). Opened, it gets the columns
    /// and their index in place of a rebuild, which reads every document of a large store.
    static let migratableFormat: Int64 = 2

    let path: String
    /// A pthread mutex, not `Mutex`: up to 16 `StoreIO` threads queue here for as long as a
    /// write transaction takes, and `Mutex` spins before it sleeps (2% of the machine's samples
    /// under 32 writers, all of it spinning on this lock).
    private let writer: NIOLockedValueBox<SQLiteConnection>
    private let readers = Mutex<[SQLiteConnection]>([])
    /// Set when a change of a key reached its document but not the index: the index then no
    /// longer matches the files, and must not be marked clean.
    private let diverged = Mutex(false)
    /// Copies SQLite's write-ahead log into the database beside the writer (``checkpointsBeside(_:)``).
    private let checkpoints: SerialBatches<Int32>
    private let checkpointer = NIOLockedValueBox<SQLiteConnection?>(nil)

    /// SQLite's own threshold for a checkpoint, in pages of the write-ahead log.
    static let checkpointPages: Int32 = 1000
    /// Past this the writer checkpoints itself, as SQLite would: a log that a checkpoint beside
    /// busy writes never wholly covers can only start over after one between them.
    static let writerCheckpointPages: Int32 = 8 * checkpointPages

    static func path(root: String) -> String {
        root + "/.mss/index.sqlite"
    }

    /// What a start finds at `path`, without changing it.
    enum Condition: Equatable {
        /// No index, or one of another format or not cleanly closed: rebuilt from the files.
        case untrusted(String)
        /// Closed cleanly by the last server: what it says is what the files say.
        case trusted
    }

    static func inspect(path: String) -> Condition {
        guard FileManager.default.fileExists(atPath: path) else { return .untrusted("there is no index yet") }
        do {
            let connection = try SQLiteConnection(path: path, create: false)
            guard let version = try connection.integer("PRAGMA user_version"), [format, migratableFormat].contains(version) else {
                return .untrusted("the index has another format")
            }
            guard try connection.integer("SELECT value FROM state WHERE name = 'clean'") == 1 else {
                return .untrusted("the last server did not close the index cleanly")
            }
            return .trusted
        } catch {
            return .untrusted("the index cannot be read (\(error))")
        }
    }

    /// Opens the index at `path` (creating an empty one when there is none) and marks it in
    /// use, durably, before returning.
    init(path: String) throws {
        self.path = path
        // Created private before SQLite opens it; SQLite gives its -wal and -shm files the
        // database's own permissions.
        let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
        let connection = try SQLiteConnection(path: path, create: true)
        try connection.execute("PRAGMA journal_mode = WAL")
        switch try connection.integer("PRAGMA user_version") {
        case Self.format?: break
        case Self.migratableFormat?: try connection.execute(Self.migration)
        default: try connection.execute(Self.schema)
        }
        // Durable once: a crash after this point is seen by the next start.
        try connection.execute("PRAGMA synchronous = FULL")
        try connection.execute("INSERT OR REPLACE INTO state(name, value) VALUES ('clean', 0)")
        try connection.execute("PRAGMA synchronous = NORMAL")
        writer = NIOLockedValueBox(connection)
        let (checkpointer, path) = (checkpointer, path)
        checkpoints = SerialBatches(
            on: StoreIO.pool,
            body: { _ in
                // A failed checkpoint leaves the log to the next one, or to the writer's.
                try? checkpointer.withLockedValue { connection in
                    if connection == nil { connection = try SQLiteConnection(path: path, create: false) }
                    try connection?.checkpointPassively()
                }
            }, refuse: { _ in })
        checkpointsBeside(connection)
    }

    /// Moves SQLite's checkpoints off the writer's thread, which is the write-ahead log's batch
    /// thread (``LoggedKeyWriter``): a commit that leaves the log past ``checkpointPages`` has
    /// one run on a ``StoreIO`` thread, through a connection of its own, and only a log past
    /// ``writerCheckpointPages`` is checkpointed by the writer. Run where SQLite ran them, the
    /// checkpoints and their two flushes took about a fifth of each batch's index time.
    private func checkpointsBeside(_ connection: SQLiteConnection) {
        let checkpoints = checkpoints
        // One checkpoint for each further ``checkpointPages`` of log, not one for each commit.
        var next = Self.checkpointPages
        connection.afterEachCommit { [unowned connection] pages in
            if pages >= Self.writerCheckpointPages {
                try? connection.checkpointPassively()
                next = Self.checkpointPages
                return
            }
            // The log started over.
            if pages < next - Self.checkpointPages { next = Self.checkpointPages }
            if pages >= next {
                next = pages + Self.checkpointPages
                checkpoints.add(pages)
            }
        }
    }

    static let schema = """
        BEGIN;
        DROP TABLE IF EXISTS keys;
        DROP TABLE IF EXISTS kept_files;
        DROP TABLE IF EXISTS state;
        CREATE TABLE keys(
            bucket TEXT NOT NULL,
            key BLOB NOT NULL,
            live INTEGER NOT NULL,
            size INTEGER NOT NULL,
            etag TEXT NOT NULL,
            modified INTEGER NOT NULL,
            owner TEXT,
            document BLOB NOT NULL,
            versions BLOB NOT NULL,
            -- Where the key's whole document is in its bucket's packs (DocumentPacks); NULL when
            -- it is in its own file.
            pack INTEGER,
            pack_offset INTEGER,
            pack_size INTEGER,
            PRIMARY KEY (bucket, key)
        ) WITHOUT ROWID;
        -- Covering indexes, so a listing reads neither the documents nor the table's rows: keys
        -- whose newest version is not a delete marker with what ListObjects shows (live included,
        -- or SQLite reads the row to check it), and every key with its versions' summaries.
        CREATE INDEX live_keys ON keys(bucket, key, size, etag, modified, owner, live) WHERE live = 1;
        CREATE INDEX all_keys ON keys(bucket, key, versions);
        -- What compaction of a bucket's packs reads: the bytes each pack still holds for keys,
        -- and the keys of one pack (the table's key is part of every index).
        CREATE INDEX packed_keys ON keys(bucket, pack, pack_size) WHERE pack IS NOT NULL;
        CREATE TABLE kept_files(bucket TEXT PRIMARY KEY, count INTEGER NOT NULL);
        CREATE TABLE state(name TEXT PRIMARY KEY, value) WITHOUT ROWID;
        PRAGMA user_version = \(format);
        COMMIT;
        """

    /// From ``migratableFormat`` to ``format``, in one transaction.
    static let migration = """
        BEGIN;
        ALTER TABLE keys ADD COLUMN pack INTEGER;
        ALTER TABLE keys ADD COLUMN pack_offset INTEGER;
        ALTER TABLE keys ADD COLUMN pack_size INTEGER;
        CREATE INDEX packed_keys ON keys(bucket, pack, pack_size) WHERE pack IS NOT NULL;
        PRAGMA user_version = \(format);
        COMMIT;
        """

    /// Makes everything written durable and marks the index trusted for the next start, unless
    /// a write failed to reach it; says whether it did.
    func markClosed() throws -> Bool {
        guard !diverged.withLock({ $0 }) else { return false }
        try writer.withLockedValue { connection in
            try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            try connection.execute("PRAGMA synchronous = FULL")
            try connection.execute("UPDATE state SET value = 1 WHERE name = 'clean'")
        }
        return true
    }

    // MARK: Writing

    /// A key's new document (`document`, the bytes of its file, and `stored`, what it says),
    /// or with nil, that the key has none.
    struct Change: Sendable {
        var bucket: String
        var key: String
        var stored: StoredKey?
        var document: Data?
        /// Where the key's whole document went in its bucket's packs; nil for its own file.
        var pack: DocumentPackLocation? = nil
    }

    /// Records the key's new document (`document`, the bytes of its file), or with nil, that it
    /// has none. A failure marks the index diverged.
    func put(bucket: String, key: String, stored: StoredKey?, document: Data?) throws {
        try put([Change(bucket: bucket, key: key, stored: stored, document: document)])
    }

    /// Records `changes` in one transaction: a batch of writes pays for one commit. A failure
    /// records none of them and marks the index diverged.
    func put(_ changes: [Change]) throws {
        do {
            try writer.withLockedValue { connection in
                try connection.transaction {
                    for change in changes { try Self.record(change, in: connection) }
                }
            }
        } catch {
            diverged.withLock { $0 = true }
            throw error
        }
    }

    private static func record(_ change: Change, in connection: SQLiteConnection) throws {
        if let stored = change.stored, let document = change.document {
            try put(connection, bucket: change.bucket, stored: stored, document: document, pack: change.pack)
        } else {
            let delete = try connection.statement("DELETE FROM keys WHERE bucket = ?1 AND key = ?2")
            try delete.bind(1, change.bucket)
            try delete.bind(2, bytes: change.key.utf8)
            try delete.run()
        }
    }

    /// Inserts or replaces the row of `stored`'s key, whose whole document is at `pack` in its
    /// bucket's packs, or with nil, in its own file.
    static func put(_ connection: SQLiteConnection, bucket: String, stored: StoredKey, document: Data, pack: DocumentPackLocation? = nil) throws {
        let newest = stored.newest
        let insert = try connection.statement(
            """
            INSERT OR REPLACE INTO keys(bucket, key, live, size, etag, modified, owner, document, versions, pack, pack_offset, pack_size)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
            """)
        try insert.bind(1, bucket)
        try insert.bind(2, bytes: stored.key.utf8)
        try insert.bind(3, newest.isDeleteMarker ? 0 : 1)
        try insert.bind(4, newest.size)
        try insert.bind(5, newest.etag)
        try insert.bind(6, Self.milliseconds(newest.lastModified))
        try insert.bind(7, newest.acl.owner)
        try insert.bind(8, bytes: document)
        try insert.bind(9, bytes: VersionSummary.encode(stored))
        try insert.bind(10, pack?.pack)
        try insert.bind(11, pack?.offset)
        try insert.bind(12, pack?.size)
        try insert.run()
    }

    /// Forgets a deleted bucket.
    func removeBucket(_ bucket: String) throws {
        try writer.withLockedValue { connection in
            try connection.transaction {
                for sql in ["DELETE FROM keys WHERE bucket = ?1", "DELETE FROM kept_files WHERE bucket = ?1"] {
                    let delete = try connection.statement(sql)
                    try delete.bind(1, bucket)
                    try delete.run()
                }
            }
        }
    }

    // MARK: Reading

    /// Runs `body` with a connection of its own, inside one read transaction, so that every
    /// query of it sees the same state.
    func read<Value>(_ body: (SQLiteConnection) throws -> Value) throws -> Value {
        let connection = try readers.withLock { $0.popLast() } ?? SQLiteConnection(path: path, create: false)
        try connection.run("BEGIN")
        let result = Result { try body(connection) }
        connection.finishStatements()
        // A connection whose transaction did not end would keep reading an old state: it is
        // closed instead of going back to the pool.
        if (try? connection.run("COMMIT")) != nil {
            readers.withLock { $0.append(connection) }
        }
        return try result.get()
    }

    /// Every version of `key`, nil when it has none.
    func stored(bucket: String, key: String) throws -> StoredKey? {
        try read { connection in
            let query = try connection.statement("SELECT document FROM keys WHERE bucket = ?1 AND key = ?2")
            try query.bind(1, bucket)
            try query.bind(2, bytes: key.utf8)
            return try query.step() ? try Self.decode(query.bytes(0)) : nil
        }
    }

    /// Where the whole document of `key` is in its bucket's packs; nil when it is in its own
    /// file, or the key has none.
    func packLocation(bucket: String, key: String) throws -> DocumentPackLocation? {
        try read { connection in
            let query = try connection.statement("SELECT pack, pack_offset, pack_size FROM keys WHERE bucket = ?1 AND key = ?2 AND pack IS NOT NULL")
            try query.bind(1, bucket)
            try query.bind(2, bytes: key.utf8)
            return try query.step() ? DocumentPackLocation(pack: query.int64(0), offset: query.int64(1), size: query.int64(2)) : nil
        }
    }

    /// The bytes each of the bucket's packs still holds for keys (their entries' sizes), by pack.
    func livePackBytes(bucket: String) throws -> [Int64: Int64] {
        try read { connection in
            let query = try connection.statement(
                "SELECT pack, SUM(pack_size) FROM keys INDEXED BY packed_keys WHERE bucket = ?1 AND pack IS NOT NULL GROUP BY pack")
            try query.bind(1, bucket)
            var live: [Int64: Int64] = [:]
            while try query.step() { live[query.int64(0)] = query.int64(1) }
            return live
        }
    }

    /// Up to `limit` keys of the bucket whose documents are in pack `pack`.
    func keys(bucket: String, inPack pack: Int64, limit: Int) throws -> [String] {
        try read { connection in
            let query = try connection.statement("SELECT key FROM keys INDEXED BY packed_keys WHERE bucket = ?1 AND pack = ?2 LIMIT ?3")
            try query.bind(1, bucket)
            try query.bind(2, pack)
            try query.bind(3, Int64(limit))
            var keys: [String] = []
            while try query.step() { keys.append(String(decoding: query.bytes(0), as: UTF8.self)) }
            return keys
        }
    }

    /// Whether `bucket` has any key with a version.
    func hasKeys(bucket: String) throws -> Bool {
        try read { connection in
            let query = try connection.statement("SELECT 1 FROM keys WHERE bucket = ?1 LIMIT 1")
            try query.bind(1, bucket)
            return try query.step()
        }
    }

    /// The data files without readable metadata the last full scan found, by bucket.
    func keptFiles() throws -> [String: Int] {
        try read { connection in
            let query = try connection.statement("SELECT bucket, count FROM kept_files")
            var kept: [String: Int] = [:]
            while try query.step() {
                if let bucket = query.text(0) { kept[bucket] = Int(clamping: query.int64(1)) }
            }
            return kept
        }
    }

    /// Up to `limit` keys of `bucket` after `marker`, with every version.
    func keys(bucket: String, after marker: [UInt8], limit: Int) throws -> [StoredKey] {
        try read { connection in
            let query = try connection.statement("SELECT document FROM keys WHERE bucket = ?1 AND key > ?2 ORDER BY key LIMIT ?3")
            try query.bind(1, bucket)
            try query.bind(2, bytes: marker)
            try query.bind(3, Int64(limit))
            var batch: [StoredKey] = []
            while try query.step() { batch.append(try Self.decode(query.bytes(0))) }
            return batch
        }
    }

    /// A cursor over the keys whose newest version is not a delete marker, with what a listing
    /// shows of each.
    static func liveKeys(_ connection: SQLiteConnection, bucket: String) -> IndexCursor<ListedObject> {
        let select = "SELECT key, size, etag, modified, owner FROM keys INDEXED BY live_keys WHERE bucket = ?1 AND live = 1 AND key"
        return IndexCursor(
            connection, bucket: bucket, inclusiveSQL: select + " >= ?2 ORDER BY key", exclusiveSQL: select + " > ?2 ORDER BY key"
        ) { row in
            ListedObject(
                key: String(decoding: row.bytes(0), as: UTF8.self), size: row.int64(1), etag: row.text(2) ?? "",
                lastModified: Date(timeIntervalSince1970: Double(row.int64(3)) / 1000), owner: row.text(4))
        }
    }

    /// A cursor over every key with a version, delete markers included, with what a version
    /// listing shows of each version.
    static func allKeys(_ connection: SQLiteConnection, bucket: String) -> IndexCursor<[ListedVersion]> {
        let select = "SELECT key, versions FROM keys INDEXED BY all_keys WHERE bucket = ?1 AND key"
        return IndexCursor(
            connection, bucket: bucket, inclusiveSQL: select + " >= ?2 ORDER BY key", exclusiveSQL: select + " > ?2 ORDER BY key"
        ) { row in
            try VersionSummary.decode(row.bytes(1), key: String(decoding: row.bytes(0), as: UTF8.self))
        }
    }

    // MARK: Encoding

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    static func decode(_ document: [UInt8]) throws -> StoredKey {
        try decoder.decode(StoredKey.self, from: Data(document))
    }

    /// Milliseconds since 1970, clamped: dates come from documents, which may be damaged.
    /// Rounded to the nearest: stored dates are whole milliseconds already, and a product a hair
    /// below one must not lose it.
    static func milliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        guard value.isFinite else { return 0 }
        return Int64(exactly: value) ?? (value < 0 ? Int64.min : Int64.max)
    }
}
