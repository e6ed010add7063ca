import Foundation
import HTTPTypes
import S3Protocol

/// Reading the bytes of objects kept in their key's document (``StoredObject/isInline``).
extension ObjectStore {
    /// The bytes of `object`, an inline version of its key, read from the key's whole document
    /// (``KeyDocumentSource``) in the key's turn (a change writes the file in place, so a read
    /// outside it could see half).
    ///
    /// A replaced data file stays for ``retiredVersionGrace`` after its version goes; inline
    /// bytes go with the document's next change. A read that finds its version gone (a change
    /// between the caller's lookup and this read, a window of microseconds) is answered 503
    /// SlowDown, which S3 clients retry, rather than with bytes of another version.
    func inlineBytes(bucket: String, object: StoredObject) async throws(S3ServerError) -> Data {
        let hash = Self.keyHash(object.key)
        let source = KeyDocumentSource(
            root: rootPath, bucket: bucket, key: object.key, hash: hash, path: Self.metadataPath(shard: shardDirectory(bucket: bucket, hash: hash), hash: hash),
            index: index, packed: keepsPacks(bucket))
        let read = try await withKeyLock(bucket: bucket, key: object.key) { () async throws(S3ServerError) -> Result<Data?, any Error> in
            do {
                return try await StoreIO.run { Result { try source.read()?.inlineBytes[object.version] } }
            } catch {
                return .failure(error)
            }
        }
        let bytes: Data?
        do {
            bytes = try read.get()
        } catch {
            throw .internalError("cannot read the object's data: \(error)")
        }
        guard let bytes else {
            var error = S3ServerError(.serviceUnavailable, .slowDown, "The object was replaced while it was being read. Please try again.")
            error.retryAfter = 1
            throw error
        }
        return bytes
    }

    /// Runs `body` with the path of a file holding the bytes of `object` as stored (ciphertext for
    /// an encrypted one): its data file, or for an inline version a copy (``copyOfInlineBytes(bucket:object:)``)
    /// removed afterwards. For readers built on files, such as copies.
    nonisolated func withStoredBytesFile<Value>(
        bucket: String, object: StoredObject, _ body: (String) async throws -> Value
    ) async throws -> Value {
        guard object.isInline else { return try await body(dataPath(bucket: bucket, object: object)) }
        let path = try await copyOfInlineBytes(bucket: bucket, object: object)
        let outcome: Result<Value, any Error>
        do {
            outcome = .success(try await body(path))
        } catch {
            outcome = .failure(error)
        }
        _ = try? await StoreIO.run { unlink(path) }
        return try outcome.get()
    }

    /// A private file in `.mss/tmp` holding the bytes of `object`, an inline version, for a reader
    /// that takes a path (libvips); the caller removes it.
    nonisolated func copyOfInlineBytes(bucket: String, object: StoredObject) async throws -> String {
        let bytes = try await inlineBytes(bucket: bucket, object: object)
        let path = temporaryPath()
        try await StoreIO.run { Result { try DurableFiles.createFile(path, contents: bytes, synchronize: false) } }.get()
        return path
    }
}
