import Foundation
import Testing

@testable import MSSServer
import S3Protocol

@Suite struct ObjectStoreTests {
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "mss-store-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func object(_ key: String) -> StoredObject {
        StoredObject(
            key: key, size: 1, etag: "e", lastModified: Date(), contentType: nil, contentHeaders: [:], metadata: [:],
            acl: .private, checksums: [:], version: "")
    }

    func put(_ store: ObjectStore, bucket: String, key: String, body: String = "x") async throws {
        let path = store.temporaryPath()
        #expect(FileManager.default.createFile(atPath: path, contents: Data(body.utf8)))
        var object = Self.object(key)
        object.size = Int64(body.utf8.count)
        try await store.commit(bucket: bucket, object: object, temporaryPath: path)
    }

    /// What S3 returns for a listing, computed the slow, obvious way.
    static func referenceListing(keys: [String], prefix: String, delimiter: String?, marker: String?, maxKeys: Int)
        -> (entries: [String], truncated: Bool)
    {
        let sorted = keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var entries: [String] = []
        for key in sorted where key.hasPrefix(prefix) {
            var entry = key
            if let delimiter, let range = key.dropFirst(prefix.count).range(of: delimiter) {
                entry = String(key[..<range.upperBound])
            }
            if let marker, !Array(marker.utf8).lexicographicallyPrecedes(Array(entry.utf8)) { continue }
            if entries.last != entry { entries.append(entry) }
        }
        // max-keys=0 asks for nothing: AWS answers an empty page that is not truncated, so
        // clients looping on IsTruncated without a marker stop.
        return (Array(entries.prefix(maxKeys)), maxKeys > 0 && entries.count > maxKeys)
    }

    @Test func listingMatchesTheReference() async throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        var generator = SystemRandomNumberGenerator()
        let alphabet = ["a", "b", "/", "é", "z", "-", "~"]
        var keys = Set<String>()
        while keys.count < 300 {
            keys.insert((0..<Int.random(in: 1...6, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? "a" }.joined())
        }
        for key in keys { try await put(store, bucket: "bucket", key: key) }
        for _ in 0..<300 {
            let prefix = ["", "a", "b/", "/", "é"].randomElement() ?? ""
            let delimiter = [nil, "/", "-", "é"].randomElement() ?? nil
            let marker = [nil, "a", "b/", "b/a", "z", "é"].randomElement() ?? nil
            let maxKeys = Int.random(in: 0...40)
            let listing = try await store.list(bucket: "bucket", prefix: prefix, delimiter: delimiter, marker: marker, maxKeys: maxKeys)
            let merged = (listing.objects.map(\.key) + listing.commonPrefixes)
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            let expected = Self.referenceListing(keys: Array(keys), prefix: prefix, delimiter: delimiter, marker: marker, maxKeys: maxKeys)
            #expect(merged == expected.entries, "prefix \(prefix) delimiter \(delimiter ?? "-") marker \(marker ?? "-") max \(maxKeys)")
            #expect(listing.isTruncated == expected.truncated)
            if listing.isTruncated { #expect(listing.last == expected.entries.last) }
        }
    }

    @Test func writesSurviveARestartAndLeftoversAreCleaned() async throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("bucket", acl: .publicRead)
            try await put(store, bucket: "bucket", key: "../../outside", body: "first")
            try await put(store, bucket: "bucket", key: "../../outside", body: "second")
            // An upload interrupted before its commit, and a data file no metadata points to.
            let tmp = store.temporaryPath()
            #expect(FileManager.default.createFile(atPath: tmp, contents: Data("half".utf8)))
            let shard = URL(fileURLWithPath: store.shardDirectory(bucket: "bucket", hash: ObjectStore.keyHash("../../outside")))
            #expect(FileManager.default.createFile(atPath: shard.appendingPathComponent("orphan.version").path, contents: Data()))
        }
        // The first version's bytes are superseded garbage; the orphan may be all that is left of
        // an object, so it stays.
        let reopened = try await ObjectStore(path: root)
        #expect(try await reopened.bucket("bucket").acl == .publicRead)
        let object = try #require(try await reopened.object(bucket: "bucket", key: "../../outside"))
        #expect(try String(contentsOfFile: reopened.dataPath(bucket: "bucket", object: object), encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/.mss/tmp").isEmpty)
        let shard = URL(fileURLWithPath: reopened.shardDirectory(bucket: "bucket", hash: ObjectStore.keyHash("../../outside")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: shard.path).count == 3)  // metadata, one version, the orphan
        #expect(FileManager.default.fileExists(atPath: shard.appendingPathComponent("orphan.version").path))
        #expect(!FileManager.default.fileExists(atPath: (root as NSString).deletingLastPathComponent + "/outside"))
    }

    @Test func bucketRules() async throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        await #expect(throws: S3ServerError.self) { try await store.createBucket("../up", acl: .private) }
        try await store.createBucket("full", acl: .private)
        let again = await #expect(throws: S3ServerError.self) { try await store.createBucket("full", acl: .private) }
        #expect(again?.code == .bucketAlreadyOwnedByYou)
        try await put(store, bucket: "full", key: "k")
        let notEmpty = await #expect(throws: S3ServerError.self) { try await store.deleteBucket("full") }
        #expect(notEmpty?.code == .bucketNotEmpty)
        try await store.deleteObject(bucket: "full", key: "k")
        try await store.deleteBucket("full")
        let gone = await #expect(throws: S3ServerError.self) { _ = try await store.bucket("full") }
        #expect(gone?.code == .noSuchBucket)
    }

    /// A new bucket has every shard folder its keys go to, so no write makes (and flushes) one;
    /// two creations of one name at once make one bucket, and the other is refused.
    @Test func aNewBucketHasItsShardFoldersAndIsCreatedOnce() async throws {
        let root = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("sharded", acl: .private)
        let objects = root + "/buckets/sharded/objects"
        #expect(try FileManager.default.contentsOfDirectory(atPath: objects).sorted() == ObjectStore.shardNames)
        for key in ["a", "b/c", "日本", String(repeating: "z", count: 900)] {
            var isDirectory: ObjCBool = false
            let shard = store.shardDirectory(bucket: "sharded", hash: ObjectStore.keyHash(key))
            #expect(FileManager.default.fileExists(atPath: shard, isDirectory: &isDirectory) && isDirectory.boolValue, "\(key)")
        }
        let outcomes = await withTaskGroup(of: S3ServerError?.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    do throws(S3ServerError) {
                        try await store.createBucket("raced", acl: .private)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        let refusals: [S3ErrorCode] = outcomes.compactMap { $0?.code }
        #expect(refusals.count == 3)
        #expect(refusals.allSatisfy { code in code == .operationAborted || code == .bucketAlreadyOwnedByYou })
        try await put(store, bucket: "raced", key: "k")
        #expect(try await store.object(bucket: "raced", key: "k") != nil)
    }

    @Test func successorAndMultipartETag() throws {
        #expect(KeyOrder.successor(of: Array("a/".utf8)) == Array("a0".utf8))
        #expect(ObjectStore.multipartETag([
            PartRecord(number: 1, size: 1, etag: "0cc175b9c0f1b6a831c399e269772661", lastModified: Date()),
        ]).hasSuffix("-1"))
    }
}
