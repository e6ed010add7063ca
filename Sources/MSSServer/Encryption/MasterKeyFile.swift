import Crypto
import Foundation
import Synchronization

/// The SSE-S3 master key: 32 random bytes in `.mss/sse-master.key` of the data directory, 0600,
/// made on first use. It wraps every SSE-S3 object's data key; losing it loses those objects.
enum MasterKeyFile {
    static let relativePath = ".mss/sse-master.key"
    private static let cache = Mutex<[String: SymmetricKey]>([:])

    /// The master key of the data directory at `root`, read or created on the store's I/O threads.
    static func key(root: URL) async throws -> SymmetricKey {
        let path = root.appendingPathComponent(relativePath).path
        if let cached = cache.withLock({ $0[path] }) { return cached }
        let loaded = try await StoreIO.run { Result { try loadOrCreate(path: path) } }.get()
        cache.withLock { $0[path] = loaded }
        return loaded
    }

    /// Reads the key, or makes it: written and fsynced under a temporary name, then linked into
    /// place (so two servers racing on one directory agree on one key) and the folder fsynced.
    private static func loadOrCreate(path: String) throws -> SymmetricKey {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count == 32 else { throw EncryptionFailure.damaged("\(path) does not hold 32 bytes") }
            return SymmetricKey(data: data)
        }
        let temporary = path + ".new-" + UUID.random().uuidString
        try DurableFiles.createFile(temporary, contents: Data(EncryptionLayout.randomBytes(32)))
        defer { unlink(temporary) }
        if link(temporary, path) != 0 && errno != EEXIST {
            throw DurableFiles.Failure(operation: "link", path: path, code: errno)
        }
        try DurableFiles.fsyncDirectory((path as NSString).deletingLastPathComponent)
        guard let data = FileManager.default.contents(atPath: path), data.count == 32 else {
            throw EncryptionFailure.damaged("\(path) does not hold 32 bytes")
        }
        return SymmetricKey(data: data)
    }
}
