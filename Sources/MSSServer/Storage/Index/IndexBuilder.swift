import Foundation

/// A new index of keys, written while a full scan reads the documents, a shard at a time, so a
/// rebuild never holds every key in memory (a million keys held 1.2 GiB). It is built beside the
/// index (`index.sqlite.rebuild`) and moved into place only once the scan found nothing of a
/// newer format, so a start that refuses to run leaves the index as it was.
///
/// Used by one thread at a time: the scan's, then the start's on ``StoreIO``.
final class IndexBuilder: @unchecked Sendable {
    let path: String
    private let encoder: JSONEncoder
    private var connection: SQLiteConnection?
    /// The first failure; the scan goes on without the index, and ``finish(keptFiles:replacing:)``
    /// throws it.
    private var failure: (any Error)?

    init(path: String, encoder: JSONEncoder) {
        self.path = path
        self.encoder = encoder
    }

    /// Records the keys of one shard.
    func add(bucket: String, keys: [StoredKey]) {
        guard failure == nil else { return }
        do {
            let connection = try connect()
            for stored in keys {
                try KeyIndex.put(connection, bucket: bucket, stored: stored, document: KeyDocumentWriter.document(stored, fallback: encoder))
            }
        } catch {
            failure = error
        }
    }

    /// Records a document entry of a key's in its bucket's packs, at `location`: a walk goes
    /// through them in order, before the bucket's document files, the newer state, so each
    /// replaces what came before. Removal entries name only the key's hash
    /// (``removePacked(bucket:hash:)``), so the build keeps which key each hash stood for, in a
    /// table of its own dropped at the end.
    func addPacked(bucket: String, hash: String, stored: StoredKey, at location: DocumentPackLocation) {
        guard failure == nil else { return }
        do {
            let connection = try connect()
            try KeyIndex.put(connection, bucket: bucket, stored: stored, document: KeyDocumentWriter.document(stored, fallback: encoder), pack: location)
            let remember = try connection.statement("INSERT OR REPLACE INTO pack_hashes(bucket, hash, key) VALUES (?1, ?2, ?3)")
            try remember.bind(1, bucket)
            try remember.bind(2, hash)
            try remember.bind(3, bytes: stored.key.utf8)
            try remember.run()
        } catch {
            failure = error
        }
    }

    /// Forgets the key whose hash is `hash`, if its document so far was a pack entry: a removal
    /// entry, or a document file of the key that cannot be read (its latest state, lost).
    func removePacked(bucket: String, hash: String) {
        guard failure == nil else { return }
        do {
            let connection = try connect()
            let find = try connection.statement("SELECT key FROM pack_hashes WHERE bucket = ?1 AND hash = ?2")
            try find.bind(1, bucket)
            try find.bind(2, hash)
            guard try find.step() else { return }
            let key = find.bytes(0)
            find.reset()
            for sql in ["DELETE FROM keys WHERE bucket = ?1 AND key = ?2 AND pack IS NOT NULL", "DELETE FROM pack_hashes WHERE bucket = ?1 AND key = ?2"] {
                let delete = try connection.statement(sql)
                try delete.bind(1, bucket)
                try delete.bind(2, bytes: key)
                try delete.run()
            }
        } catch {
            failure = error
        }
    }

    /// How many keys of `bucket` have their latest entry so far in its packs.
    func packedKeyCount(bucket: String) -> Int {
        guard failure == nil, let connection = try? connect(), let count = try? connection.statement("SELECT COUNT(*) FROM pack_hashes WHERE bucket = ?1")
        else { return 0 }
        defer { count.reset() }
        guard (try? count.bind(1, bucket)) != nil, (try? count.step()) == true else { return 0 }
        return Int(clamping: count.int64(0))
    }

    /// Whether the key whose hash is `hash` has its latest entry so far in the bucket's packs.
    func isPacked(bucket: String, hash: String) -> Bool {
        guard failure == nil, let connection = try? connect(), let find = try? connection.statement("SELECT 1 FROM pack_hashes WHERE bucket = ?1 AND hash = ?2")
        else { return false }
        defer { find.reset() }
        guard (try? find.bind(1, bucket)) != nil, (try? find.bind(2, hash)) != nil else { return false }
        return (try? find.step()) == true
    }

    /// Commits what was added and the kept files' counts, makes the file durable, and puts it in
    /// place of the index at `destination`.
    func finish(keptFiles: [String: Int], replacing destination: String) throws {
        if let failure { throw failure }
        let connection = try connect()
        for (bucket, count) in keptFiles where count > 0 {
            let insert = try connection.statement("INSERT INTO kept_files(bucket, count) VALUES (?1, ?2)")
            try insert.bind(1, bucket)
            try insert.bind(2, Int64(count))
            try insert.run()
        }
        try connection.execute("DROP TABLE pack_hashes")
        try connection.execute("COMMIT")
        self.connection = nil
        try DurableFiles.fsyncFile(path)
        // The old index's journal must not outlive it: SQLite would apply it to the new file.
        for suffix in ["", "-wal", "-shm"] { unlink(destination + suffix) }
        try DurableFiles.rename(path, to: destination)
        try DurableFiles.fsyncDirectory((destination as NSString).deletingLastPathComponent)
    }

    /// Removes what was built.
    func discard() {
        connection = nil
        unlink(path)
    }

    /// The connection, opened on first use: a fresh file, private, without a journal (a crash
    /// leaves a file the next rebuild removes), inside one transaction.
    private func connect() throws -> SQLiteConnection {
        if let connection { return connection }
        try DurableFiles.ensureDirectory((path as NSString).deletingLastPathComponent)
        unlink(path)
        let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
        let connection = try SQLiteConnection(path: path, create: true)
        try connection.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
        try connection.execute(KeyIndex.schema)
        try connection.execute("BEGIN")
        try connection.execute("CREATE TABLE pack_hashes(bucket TEXT NOT NULL, hash TEXT NOT NULL, key BLOB NOT NULL, PRIMARY KEY (bucket, hash)) WITHOUT ROWID")
        self.connection = connection
        return connection
    }
}
