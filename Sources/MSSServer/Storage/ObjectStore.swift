import Crypto
import Foundation
import Logging
import S3Protocol

/// The objects and buckets under the data directory, and the in-memory index that answers
/// listings.
///
/// Layout, all under `root`:
/// - `buckets/NAME/bucket.json`: the bucket (names are checked by ``NameRules`` before use).
/// - `buckets/NAME/objects/HH/HASH.json`: an object's metadata, HASH being the SHA-256 of its key,
///   so no key, however odd, ever becomes a path.
/// - `buckets/NAME/objects/HH/HASH.VERSION`: its bytes, one file per write.
/// - `.mss/tmp/`: bodies being received; `.mss/uploads/ID/`: multipart uploads;
///   `.mss/damaged/`: metadata files that did not decode, moved aside at start (``StoreScan``).
///
/// A write lands in `.mss/tmp`, is fsynced, renamed to its version file, and becomes visible when
/// its metadata file is renamed into place: a crash leaves either the old object or the new one,
/// and the folder is fsynced before the write is acknowledged. Commits go through this actor one
/// at a time, so the last complete write of a key wins. Folders are 0700 and files 0600.
actor ObjectStore {
    nonisolated let root: URL
    let logger: Logger
    private var buckets: [String: StoredBucket] = [:]
    private var objects: [String: [String: StoredObject]] = [:]
    private var sortedKeys: [String: SortedKeys] = [:]
    /// Data files found without readable metadata, per bucket: deleting the bucket would take them.
    private var keptFiles: [String: Int] = [:]
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    /// Opens (creating if needed) the store at `path`, repairs what a crash or damage left, and
    /// loads its index. Throws ``FutureFormatError``, before changing anything, when a newer
    /// server wrote some of it.
    init(path: String, logger: Logger = Logger(label: "mss-server.store")) async throws {
        root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        self.logger = logger
        let scan = StoreScan(root: root)
        if let future = scan.futureFormat.first { throw future }
        for directory in ["", "buckets", ".mss/tmp", ".mss/uploads"] {
            try DurableFiles.ensureDirectory(root.appendingPathComponent(directory).path)
        }
        if DurableFiles.makePrivate(root.path) {
            logger.notice("data directory made private to its owner (0700)", metadata: ["path": "\(root.path)"])
        }
        try repair(scan)
        for (name, bucket) in scan.buckets {
            buckets[name] = bucket.stored
            objects[name] = bucket.objects
            var keys = SortedKeys()
            for key in bucket.objects.keys { keys.insert(Array(key.utf8)) }
            sortedKeys[name] = keys
            if bucket.keptFiles > 0 { keptFiles[name] = bucket.keptFiles }
        }
        for (id, upload) in scan.uploads {
            uploadsByID[id] = upload.record
            partsByUpload[id] = upload.parts
        }
    }

    // MARK: Paths

    static func keyHash(_ key: String) -> String {
        Digests.hex(SHA256.hash(data: Data(key.utf8)))
    }

    static func dataFileName(key: String, version: String) -> String {
        "\(keyHash(key)).\(version)"
    }

    nonisolated func bucketDirectory(_ bucket: String) -> URL {
        root.appendingPathComponent("buckets/\(bucket)", isDirectory: true)
    }

    nonisolated func shardDirectory(bucket: String, key: String) -> URL {
        bucketDirectory(bucket).appendingPathComponent("objects/\(Self.keyHash(key).prefix(2))", isDirectory: true)
    }

    /// Where the bytes of `object` are.
    nonisolated func dataPath(bucket: String, object: StoredObject) -> String {
        shardDirectory(bucket: bucket, key: object.key)
            .appendingPathComponent(Self.dataFileName(key: object.key, version: object.version)).path
    }

    /// A fresh path for a body being received.
    nonisolated func temporaryPath() -> String {
        root.appendingPathComponent(".mss/tmp/\(UUID().uuidString)").path
    }

    nonisolated func uploadDirectory(_ id: String) -> URL {
        root.appendingPathComponent(".mss/uploads/\(id)", isDirectory: true)
    }

    // MARK: Buckets

    func allBuckets() -> [StoredBucket] {
        buckets.values.sorted { $0.name < $1.name }
    }

    func bucket(_ name: String) throws(S3ServerError) -> StoredBucket {
        guard let bucket = buckets[name] else { throw .noSuchBucket(name) }
        return bucket
    }

    func createBucket(_ name: String, acl: StoredACL) throws(S3ServerError) {
        if let problem = NameRules.bucketNameProblem(name) {
            throw S3ServerError(400, .invalidBucketName, "The specified bucket is not valid: \(problem)", resource: "/\(name)")
        }
        guard buckets[name] == nil else {
            throw S3ServerError(
                409, .bucketAlreadyOwnedByYou,
                "Your previous request to create the named bucket succeeded and you already own it.", resource: "/\(name)")
        }
        let bucket = StoredBucket(name: name, created: Self.now(), acl: acl)
        do {
            try DurableFiles.ensureDirectory(bucketDirectory(name).appendingPathComponent("objects").path)
            try writeJSON(bucket, to: bucketDirectory(name).appendingPathComponent("bucket.json"))
        } catch {
            throw .internalError("cannot create bucket: \(error)")
        }
        buckets[name] = bucket
        objects[name] = [:]
        sortedKeys[name] = SortedKeys()
    }

    func setBucketACL(_ name: String, acl: StoredACL) throws(S3ServerError) {
        var bucket = try bucket(name)
        bucket.acl = acl
        do {
            try writeJSON(bucket, to: bucketDirectory(name).appendingPathComponent("bucket.json")) {
                buckets[name] = bucket
            }
        } catch {
            throw .internalError("cannot write bucket: \(error)")
        }
    }

    func deleteBucket(_ name: String) throws(S3ServerError) {
        _ = try bucket(name)
        guard objects[name]?.isEmpty ?? true else {
            throw S3ServerError(409, .bucketNotEmpty, "The bucket you tried to delete is not empty", resource: "/\(name)")
        }
        guard !uploadsByID.values.contains(where: { $0.bucket == name }) else {
            throw S3ServerError(
                409, .bucketNotEmpty, "The bucket you tried to delete has multipart uploads in progress", resource: "/\(name)")
        }
        guard keptFiles[name] == nil else {
            throw S3ServerError(
                409, .bucketNotEmpty,
                "The bucket you tried to delete holds data files without readable metadata; see mss-server --check",
                resource: "/\(name)")
        }
        do {
            try removeDirectory(bucketDirectory(name))
        } catch {
            throw .internalError("cannot delete bucket: \(error)")
        }
        buckets[name] = nil
        objects[name] = nil
        sortedKeys[name] = nil
    }

    // MARK: Objects

    func object(bucket: String, key: String) throws(S3ServerError) -> StoredObject? {
        _ = try self.bucket(bucket)
        return objects[bucket]?[key]
    }

    /// Makes the body at `temporaryPath` the new content of `object.key`, and returns what was
    /// stored. The previous version's bytes are removed.
    @discardableResult
    func commit(bucket: String, object: StoredObject, temporaryPath: String) throws(S3ServerError) -> StoredObject {
        do {
            _ = try self.bucket(bucket)
        } catch {
            try? FileManager.default.removeItem(atPath: temporaryPath)
            throw error
        }
        var object = object
        object.version = UUID().uuidString.lowercased()
        object.lastModified = Self.now()
        object.formatVersion = .current
        let shard = shardDirectory(bucket: bucket, key: object.key)
        let metadataURL = shard.appendingPathComponent("\(Self.keyHash(object.key)).json")
        let path = dataPath(bucket: bucket, object: object)
        var visible = false
        do {
            try DurableFiles.ensureDirectory(shard.path)
            DurableFiles.makePrivate(temporaryPath)
            try DurableFiles.rename(temporaryPath, to: path)
            // The data's name must be on disk before the metadata naming it: otherwise a crash
            // could keep metadata that points at a file still in .mss/tmp, which a start removes.
            try DurableFiles.fsyncDirectory(shard.path)
            try writeJSON(object, to: metadataURL) {
                visible = true
                if let previous = objects[bucket]?[object.key] {
                    removeLater(dataPath(bucket: bucket, object: previous))
                }
                objects[bucket, default: [:]][object.key] = object
                sortedKeys[bucket, default: SortedKeys()].insert(Array(object.key.utf8))
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporaryPath)
            // Once the metadata is in place its data file is the object, acknowledged or not.
            if !visible { try? FileManager.default.removeItem(atPath: path) }
            throw .internalError("cannot store the object: \(error)")
        }
        return object
    }

    /// Replaces the metadata of an existing object without touching its bytes.
    func updateMetadata(bucket: String, object: StoredObject) throws(S3ServerError) {
        guard objects[bucket]?[object.key]?.version == object.version else {
            throw S3ServerError(409, "OperationAborted", "The object changed while its metadata was being updated.")
        }
        var updated = object
        updated.lastModified = Self.now()
        updated.formatVersion = .current
        let metadataURL = shardDirectory(bucket: bucket, key: object.key).appendingPathComponent("\(Self.keyHash(object.key)).json")
        do {
            try writeJSON(updated, to: metadataURL) {
                objects[bucket, default: [:]][object.key] = updated
            }
        } catch {
            throw .internalError("cannot write metadata: \(error)")
        }
    }

    /// Deletes the object if it exists; true when something was deleted.
    @discardableResult
    func deleteObject(bucket: String, key: String) throws(S3ServerError) -> Bool {
        _ = try self.bucket(bucket)
        guard let object = objects[bucket]?[key] else { return false }
        let shard = shardDirectory(bucket: bucket, key: key)
        do {
            try FileManager.default.removeItem(at: shard.appendingPathComponent("\(Self.keyHash(key)).json"))
        } catch {
            throw .internalError("cannot delete the object: \(error)")
        }
        removeLater(dataPath(bucket: bucket, object: object))
        objects[bucket]?[key] = nil
        sortedKeys[bucket]?.remove(Array(key.utf8))
        do {
            try DurableFiles.fsyncDirectory(shard.path)
        } catch {
            throw .internalError("cannot make the delete durable: \(error)")
        }
        return true
    }

    // MARK: Listing

    struct Listing: Sendable {
        var objects: [StoredObject] = []
        var commonPrefixes: [String] = []
        var isTruncated = false
        /// The last key or prefix returned, where the next page starts.
        var last: String?
    }

    /// Up to `maxKeys` keys and common prefixes after `marker`, in S3's order.
    func list(bucket: String, prefix: String, delimiter: String?, marker: String?, maxKeys: Int) throws(S3ServerError)
        -> Listing
    {
        _ = try self.bucket(bucket)
        let keys = sortedKeys[bucket] ?? SortedKeys()
        let entries = objects[bucket] ?? [:]
        let prefixBytes = Array(prefix.utf8)
        let markerBytes = marker.map { Array($0.utf8) } ?? []
        let delimiterBytes = delimiter.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        var index = max(keys.lowerBound(prefixBytes), keys.upperBound(markerBytes))
        var listing = Listing()
        var count = 0
        while index < keys.count {
            let key = keys[index]
            guard key.starts(with: prefixBytes) else { break }
            var rolledUp: [UInt8]?
            if let delimiterBytes, let range = key[prefixBytes.count...].firstRange(of: delimiterBytes) {
                rolledUp = Array(key[..<range.upperBound])
            }
            if let rolledUp {
                // Every key under a common prefix is skipped at once; one at or before the
                // marker was returned by an earlier page.
                let next = keys.lowerBound(Self.successor(of: rolledUp))
                if !markerBytes.isEmpty && !markerBytes.lexicographicallyPrecedes(rolledUp) {
                    index = next
                    continue
                }
                if count == maxKeys {
                    listing.isTruncated = true
                    break
                }
                let text = String(decoding: rolledUp, as: UTF8.self)
                listing.commonPrefixes.append(text)
                listing.last = text
                count += 1
                index = next
            } else {
                if count == maxKeys {
                    listing.isTruncated = true
                    break
                }
                let text = String(decoding: key, as: UTF8.self)
                if let object = entries[text] { listing.objects.append(object) }
                listing.last = text
                count += 1
                index += 1
            }
        }
        return listing
    }

    /// The smallest byte string greater than every string starting with `prefix`.
    static func successor(of prefix: [UInt8]) -> [UInt8] {
        var bytes = prefix
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return [0xFF, 0xFF, 0xFF, 0xFF]
    }

    // MARK: Multipart uploads

    var uploadsByID: [String: MultipartUploadRecord] = [:]
    var partsByUpload: [String: [Int: PartRecord]] = [:]
    /// Completions reading parts of an upload, by upload id.
    var completionsInProgress: [String: Int] = [:]
    /// Bytes of replaced parts a running completion may still be reading.
    var retiredPartFiles: [String: [String]] = [:]

    // MARK: Helpers

    /// How long the bytes of a replaced or deleted version stay, so that a GET which looked the
    /// object up just before can still stream them. A restart removes them at once.
    static let retiredVersionGrace: Duration = .seconds(60)

    nonisolated func removeLater(_ path: String) {
        Task {
            try? await Task.sleep(for: Self.retiredVersionGrace)
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Replaces `url` with `value` through a fsynced temporary file, then fsyncs the folder.
    /// `replaced` runs right after the rename, from which point the new document is what is on
    /// disk, so the caller's index agrees with the disk even if the final fsync fails.
    func writeJSON<T: Encodable>(_ value: T, to url: URL, replaced: () -> Void = {}) throws {
        let data = try encoder.encode(value)
        let temporary = temporaryPath()
        try DurableFiles.createFile(temporary, contents: data)
        do {
            try DurableFiles.rename(temporary, to: url.path)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        replaced()
        try DurableFiles.fsyncDirectory(url.deletingLastPathComponent().path)
    }

    /// Removes a folder as one step that a crash cannot leave half done: it is renamed into
    /// `.mss/tmp`, which every start empties, then removed.
    func removeDirectory(_ url: URL) throws {
        let doomed = temporaryPath()
        try DurableFiles.rename(url.path, to: doomed)
        try? DurableFiles.fsyncDirectory(url.deletingLastPathComponent().path)
        try? FileManager.default.removeItem(atPath: doomed)
    }

    /// Milliseconds, as S3 reports them.
    static func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
