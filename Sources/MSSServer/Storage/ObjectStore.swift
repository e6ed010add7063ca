import Crypto
import Foundation
import S3Protocol

/// The objects and buckets under the data directory, and the in-memory index that answers
/// listings.
///
/// Layout, all under `root`:
/// - `buckets/NAME/bucket.json`: the bucket (names are checked by ``NameRules`` before use).
/// - `buckets/NAME/objects/HH/HASH.json`: an object's metadata, HASH being the SHA-256 of its key,
///   so no key, however odd, ever becomes a path.
/// - `buckets/NAME/objects/HH/HASH.VERSION`: its bytes, one file per write.
/// - `.mss/tmp/`: bodies being received; `.mss/uploads/ID/`: multipart uploads.
///
/// A write lands in `.mss/tmp`, is fsynced, renamed to its version file, and becomes visible when
/// its metadata file is renamed into place: a crash leaves either the old object or the new one.
/// Commits go through this actor one at a time, so the last complete write of a key wins.
actor ObjectStore {
    let root: URL
    private var buckets: [String: StoredBucket] = [:]
    private var objects: [String: [String: StoredObject]] = [:]
    private var sortedKeys: [String: SortedKeys] = [:]
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
    private let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    /// Opens (creating if needed) the store at `path` and loads its index.
    init(path: String) async throws {
        root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        let fileManager = FileManager.default
        for directory in ["buckets", ".mss/tmp", ".mss/uploads"] {
            try fileManager.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        // Bodies of writes that never committed.
        for leftover in (try? fileManager.contentsOfDirectory(atPath: root.appendingPathComponent(".mss/tmp").path)) ?? [] {
            try? fileManager.removeItem(at: root.appendingPathComponent(".mss/tmp/\(leftover)"))
        }
        try loadIndex()
        loadUploads()
    }

    private func loadIndex() throws {
        let fileManager = FileManager.default
        let bucketsDirectory = root.appendingPathComponent("buckets")
        for name in try fileManager.contentsOfDirectory(atPath: bucketsDirectory.path) {
            guard NameRules.bucketNameProblem(name) == nil,
                let data = fileManager.contents(atPath: bucketsDirectory.appendingPathComponent("\(name)/bucket.json").path),
                let bucket = try? decoder.decode(StoredBucket.self, from: data)
            else { continue }
            buckets[name] = bucket
            var entries: [String: StoredObject] = [:]
            var keys = SortedKeys()
            let objectsDirectory = bucketsDirectory.appendingPathComponent("\(name)/objects")
            for shard in (try? fileManager.contentsOfDirectory(atPath: objectsDirectory.path)) ?? [] {
                let shardURL = objectsDirectory.appendingPathComponent(shard)
                let files = (try? fileManager.contentsOfDirectory(atPath: shardURL.path)) ?? []
                var live = Set<String>()
                for file in files where file.hasSuffix(".json") {
                    guard let data = fileManager.contents(atPath: shardURL.appendingPathComponent(file).path),
                        let object = try? decoder.decode(StoredObject.self, from: data)
                    else { continue }
                    entries[object.key] = object
                    keys.insert(Array(object.key.utf8))
                    live.insert(Self.dataFileName(key: object.key, version: object.version))
                }
                // Data files no metadata points to: superseded versions or interrupted commits.
                for file in files where !file.hasSuffix(".json") && !live.contains(file) {
                    try? fileManager.removeItem(at: shardURL.appendingPathComponent(file))
                }
            }
            objects[name] = entries
            sortedKeys[name] = keys
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
            try FileManager.default.createDirectory(
                at: bucketDirectory(name).appendingPathComponent("objects"), withIntermediateDirectories: true)
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
            try writeJSON(bucket, to: bucketDirectory(name).appendingPathComponent("bucket.json"))
        } catch {
            throw .internalError("cannot write bucket: \(error)")
        }
        buckets[name] = bucket
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
        do {
            try FileManager.default.removeItem(at: bucketDirectory(name))
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
        _ = try self.bucket(bucket)
        var object = object
        object.version = UUID().uuidString.lowercased()
        object.lastModified = Self.now()
        let shard = shardDirectory(bucket: bucket, key: object.key)
        let metadataURL = shard.appendingPathComponent("\(Self.keyHash(object.key)).json")
        do {
            try FileManager.default.createDirectory(at: shard, withIntermediateDirectories: true)
            try Self.rename(temporaryPath, to: dataPath(bucket: bucket, object: object))
            try writeJSON(object, to: metadataURL)
        } catch {
            try? FileManager.default.removeItem(atPath: temporaryPath)
            try? FileManager.default.removeItem(atPath: dataPath(bucket: bucket, object: object))
            throw .internalError("cannot store the object: \(error)")
        }
        if let previous = objects[bucket]?[object.key] {
            removeLater(dataPath(bucket: bucket, object: previous))
        }
        objects[bucket, default: [:]][object.key] = object
        sortedKeys[bucket, default: SortedKeys()].insert(Array(object.key.utf8))
        return object
    }

    /// Replaces the metadata of an existing object without touching its bytes.
    func updateMetadata(bucket: String, object: StoredObject) throws(S3ServerError) {
        guard objects[bucket]?[object.key]?.version == object.version else {
            throw S3ServerError(409, "OperationAborted", "The object changed while its metadata was being updated.")
        }
        var updated = object
        updated.lastModified = Self.now()
        let metadataURL = shardDirectory(bucket: bucket, key: object.key).appendingPathComponent("\(Self.keyHash(object.key)).json")
        do {
            try writeJSON(updated, to: metadataURL)
        } catch {
            throw .internalError("cannot write metadata: \(error)")
        }
        objects[bucket, default: [:]][object.key] = updated
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

    func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        let data = try encoder.encode(value)
        let temporary = temporaryPath()
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw S3ServerError.internalError("cannot write \(temporary)")
        }
        try Self.fsync(temporary)
        try Self.rename(temporary, to: url.path)
    }

    func readJSON<T: Decodable>(_ type: T.Type, at url: URL) -> T? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return try? decoder.decode(type, from: data)
    }

    /// Milliseconds, as S3 reports them.
    static func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    static func rename(_ source: String, to destination: String) throws {
        guard Foundation.rename(source, destination) == 0 else {
            throw S3ServerError.internalError("rename failed with errno \(errno)")
        }
    }

    static func fsync(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw S3ServerError.internalError("cannot open \(path) for fsync") }
        defer { close(descriptor) }
        guard Foundation.fsync(descriptor) == 0 else { throw S3ServerError.internalError("fsync failed") }
    }
}
