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
        self.connection = connection
        return connection
    }
}
