import Foundation
import Synchronization
import Testing

@testable import MSSServer

/// The index of keys (`.mss/index.sqlite`): trusted by a start only after a clean close, rebuilt
/// from the documents after anything else, private, and never the only copy of anything.
@Suite struct StoreIndexTests {
    /// A store with a versioned bucket `ver` holding `a` (two versions), `d/1` and a deleted
    /// `gone` (a delete marker), and a plain bucket `plain` holding `k`.
    static func filled(_ root: String) async throws -> ObjectStore {
        let store = try await ObjectStore(path: root)
        try await store.createBucket("ver", acl: .private)
        try await store.setVersioning("ver", .enabled)
        try await StoreFixture.put(store, bucket: "ver", key: "a", body: "one")
        try await StoreFixture.put(store, bucket: "ver", key: "a", body: "two")
        try await StoreFixture.put(store, bucket: "ver", key: "d/1", body: "d")
        try await StoreFixture.put(store, bucket: "ver", key: "gone", body: "g")
        try await store.deleteObject(bucket: "ver", key: "gone")
        try await store.createBucket("plain", acl: .private)
        try await StoreFixture.put(store, bucket: "plain", key: "k", body: "k")
        return store
    }

    /// What the store shows of `filled`'s contents, through every kind of read.
    static func view(_ store: ObjectStore) async throws -> [String] {
        let live = try await store.list(bucket: "ver", prefix: "", delimiter: nil, marker: nil, maxKeys: 100)
        let rolled = try await store.list(bucket: "ver", prefix: "", delimiter: "/", marker: nil, maxKeys: 100)
        let versions = try await store.listVersions(
            bucket: "ver", prefix: "", delimiter: nil, keyMarker: nil, versionIDMarker: nil, maxKeys: 100)
        return live.objects.map { "live \($0.key) \($0.size)" } + rolled.commonPrefixes.map { "prefix \($0)" }
            + versions.entries.map { "version \($0.object.key) \($0.object.isDeleteMarker ? "marker" : "\($0.object.size)") \($0.isLatest)" }
            + [
                "a=\(try await StoreFixture.read(store, bucket: "ver", key: "a") ?? "none")",
                "gone=\(try await StoreFixture.read(store, bucket: "ver", key: "gone") ?? "none")",
                "k=\(try await StoreFixture.read(store, bucket: "plain", key: "k") ?? "none")",
            ]
    }

    static let expected = [
        "live a 3", "live d/1 1", "prefix d/",
        "version a 3 true", "version a 3 false", "version d/1 1 true", "version gone marker true", "version gone 1 false",
        "a=two", "gone=none", "k=k",
    ]

    @Test func aCleanCloseIsTrustedAndAStartMarksTheIndexInUse() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = KeyIndex.path(root: root)
        let store = try await Self.filled(root)
        #expect(try await Self.view(store) == Self.expected)
        #expect(KeyIndex.inspect(path: path) != .trusted, "an index in use must not be trusted by another start")
        try await store.close()
        #expect(KeyIndex.inspect(path: path) == .trusted)
        let reopened = try await ObjectStore(path: root)
        #expect(KeyIndex.inspect(path: path) != .trusted)
        #expect(try await Self.view(reopened) == Self.expected)
    }

    /// An index from before document packs, closed cleanly, is taken as it is: its keys' documents
    /// are all files, which its rows say once the pack columns are added (no rebuild, which reads
    /// every document of a large store).
    @Test func anIndexFromBeforePacksGetsItsColumnsInsteadOfARebuild() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = KeyIndex.path(root: root)
        do {
            // Without a log, as a store of that time was laid out: documents in files.
            let store = try await ObjectStore(path: root, writeLog: nil)
            try await store.createBucket("old", acl: .private)
            for key in ["a", "b/c", "d"] { try await StoreFixture.put(store, bucket: "old", key: key, body: key) }
            try await store.close()
        }
        do {
            let connection = try SQLiteConnection(path: path, create: false)
            try connection.execute(
                """
                DROP INDEX packed_keys; ALTER TABLE keys DROP COLUMN pack_size; ALTER TABLE keys DROP COLUMN pack_offset;
                ALTER TABLE keys DROP COLUMN pack; PRAGMA user_version = \(KeyIndex.migratableFormat);
                """)
        }
        #expect(KeyIndex.inspect(path: path) == .trusted)
        let log = CapturedLog()
        let store = try await ObjectStore(path: root, logger: log.logger)
        #expect(!log.all.contains { $0.contains("rebuilt") }, "\(log.all)")
        for key in ["a", "b/c", "d"] { #expect(try await StoreFixture.read(store, bucket: "old", key: key) == key) }
        try await StoreFixture.put(store, bucket: "old", key: "e", body: "e")
        try await store.deleteObject(bucket: "old", key: "a")
        try await store.close()
        let connection = try SQLiteConnection(path: path, create: false)
        #expect(try connection.integer("PRAGMA user_version") == KeyIndex.format)
        // And the index agrees with the files: a rebuild lists the same.
        try FileManager.default.removeItem(atPath: path)
        let rebuilt = try await ObjectStore(path: root)
        let listing = try await rebuilt.list(bucket: "old", prefix: "", delimiter: nil, marker: nil, maxKeys: 10)
        #expect(listing.objects.map(\.key) == ["b/c", "d", "e"])
    }

    /// What a crash leaves (a store that never closed, with changes after a clean start) is read
    /// back from the documents.
    @Test func changesAfterACleanStartSurviveACrash() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try await Self.filled(root).close()
        let crashed = try await ObjectStore(path: root)
        try await StoreFixture.put(crashed, bucket: "plain", key: "new", body: "n")
        try await crashed.deleteObject(bucket: "plain", key: "k")
        let reopened = try await ObjectStore(path: root)
        #expect(try await StoreFixture.read(reopened, bucket: "plain", key: "new") == "n")
        #expect(try await StoreFixture.read(reopened, bucket: "plain", key: "k") == nil)
        #expect(try await reopened.list(bucket: "plain", prefix: "", delimiter: nil, marker: nil, maxKeys: 10).objects.map(\.key) == ["new"])
    }

    @Test(arguments: ["garbage", "empty", "other format", "missing", "cut rebuild"])
    func aDamagedOrForeignIndexIsRebuiltFromTheDocuments(_ damage: String) async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = KeyIndex.path(root: root)
        try await Self.filled(root).close()
        switch damage {
        case "garbage":
            #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x5A, count: 8192)))
        case "empty":
            #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        case "other format":
            try SQLiteConnection(path: path, create: false).execute("PRAGMA user_version = 99")
        case "cut rebuild":
            // What a start killed while rebuilding leaves: no index, half a new one beside it.
            try FileManager.default.removeItem(atPath: path)
            #expect(FileManager.default.createFile(atPath: path + ".rebuild", contents: Data(repeating: 0x5A, count: 8192)))
        default:
            try FileManager.default.removeItem(atPath: path)
        }
        #expect(KeyIndex.inspect(path: path) != .trusted)
        let reopened = try await ObjectStore(path: root)
        #expect(try await Self.view(reopened) == Self.expected)
        #expect(!FileManager.default.fileExists(atPath: path + ".rebuild"))
        try await reopened.close()
        #expect(KeyIndex.inspect(path: path) == .trusted)
    }

    /// SQLite's own log is copied into the database beside the writer, whose thread is the
    /// write-ahead log's batch thread: under a stream of commits it stays within the writer's
    /// threshold, the database grows, and every key reads back.
    @Test func theIndexLogIsCheckpointedBesideItsWriterAndStaysBounded() throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/.mss", withIntermediateDirectories: true)
        let path = KeyIndex.path(root: root)
        let index = try KeyIndex(path: path)
        let encoder = ObjectStore.documentEncoder()
        func size(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        var largestLog = 0
        for batch in 0..<3000 {
            let changes = try (0..<10).map { item -> KeyIndex.Change in
                let key = "k/\(batch)/\(item)"
                let object = StoredObject(
                    key: key, size: 100, etag: "e", lastModified: Date(), contentType: nil, contentHeaders: ["content-type": "text/plain"],
                    metadata: ["m": String(repeating: "v", count: 200)], acl: .private, checksums: [:], version: "v\(batch)-\(item)")
                let stored = StoredKey(object)
                return KeyIndex.Change(bucket: "b", key: key, stored: stored, document: try KeyDocumentWriter.document(stored, fallback: encoder))
            }
            try index.put(changes)
            largestLog = max(largestLog, size(path + "-wal"))
        }
        // A commit adds a few pages past the threshold at most; 4 KiB pages and their headers.
        #expect(largestLog <= Int(KeyIndex.writerCheckpointPages + 200) * (4096 + 24) + 32)
        #expect(size(path) > 4 << 20, "the checkpoints copied the log into the database")
        for batch in stride(from: 0, to: 3000, by: 37) {
            #expect(try index.stored(bucket: "b", key: "k/\(batch)/\(batch % 10)")?.current?.version == "v\(batch)-\(batch % 10)")
        }
    }

    /// A bucket whose bucket.json is gone cannot be told from its index alone: the start reads
    /// the documents and restores the bucket with its objects.
    @Test func aLostBucketRecordIsRestoredFromItsObjects() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await Self.filled(root)
        try await store.close()
        try FileManager.default.removeItem(atPath: store.bucketDirectory("plain").appendingPathComponent("bucket.json").path)
        let reopened = try await ObjectStore(path: root)
        #expect(try await StoreFixture.read(reopened, bucket: "plain", key: "k") == "k")
    }

    /// The bytes of a replaced version wait out the grace period for reads in flight, but a
    /// close removes them: the next start, which trusts the index, would not look for them.
    @Test func aCloseRemovesTheBytesOfReplacedVersions() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("plain", acl: .private)
        let first = try await StoreFixture.put(store, bucket: "plain", key: "k", body: "old")
        try await StoreFixture.put(store, bucket: "plain", key: "k", body: "new")
        let replaced = store.dataPath(bucket: "plain", object: first)
        #expect(FileManager.default.fileExists(atPath: replaced), "gone before the grace period")
        try await store.close()
        #expect(!FileManager.default.fileExists(atPath: replaced))
        #expect(try await StoreFixture.read(ObjectStore(path: root), bucket: "plain", key: "k") == "new")
    }

    @Test func theIndexIsPrivate() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await Self.filled(root)
        let path = KeyIndex.path(root: root)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            #expect(StoreFixture.mode(file) == 0o600, "\(file)")
        }
        try await store.close()
        #expect(StoreFixture.mode(path) == 0o600)
    }

    /// A listing's columns come from the index, a GET's object from the document: they agree to
    /// the millisecond, for the current object and for every version.
    @Test func listingsShowWhatTheObjectsSay() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await Self.filled(root)
        for _ in 0..<20 {
            try await StoreFixture.put(store, bucket: "ver", key: "a", body: String(repeating: "x", count: Int.random(in: 0...99)))
        }
        let listing = try await store.list(bucket: "ver", prefix: "", delimiter: nil, marker: nil, maxKeys: 100)
        for listed in listing.objects {
            let object = try #require(try await store.object(bucket: "ver", key: listed.key))
            #expect(listed == ListedObject(key: object.key, size: object.size, etag: object.etag, lastModified: object.lastModified, owner: object.acl.owner))
        }
        let versions = try await store.listVersions(bucket: "ver", prefix: "", delimiter: nil, keyMarker: nil, versionIDMarker: nil, maxKeys: 100)
        #expect(versions.entries.count == 25)  // a: 22, d/1: 1, gone: 2
        for entry in versions.entries {
            let object = try #require(try await store.object(bucket: "ver", key: entry.object.key, versionID: entry.object.versionIDText))
            #expect(entry.object == ListedVersion(object))
        }
    }

    /// Writes in other buckets never hold up the delete of an empty bucket (a server shared by
    /// parallel tests answered OperationAborted when the check counted every bucket's writes).
    @Test func writesElsewhereDoNotHoldUpDeletingAnEmptyBucket() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("busy", acl: .private)
        final class Stop: Sendable { let requested = Mutex(false) }
        let stop = Stop()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var count = 0
                    while !stop.requested.withLock({ $0 }) {
                        try await StoreFixture.put(store, bucket: "busy", key: "w\(writer)/\(count)", body: "x")
                        count += 1
                    }
                }
            }
            defer { stop.requested.withLock { $0 = true } }
            for round in 0..<20 {
                try await store.createBucket("quiet-\(round)", acl: .private)
                try await store.deleteBucket("quiet-\(round)")
            }
        }
    }

    /// Keys of every shape sort in the index as S3 sorts them: by UTF-8 bytes.
    @Test func keysSortByTheirBytes() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("plain", acl: .private)
        let keys = ["a", "a/b", "a0", "A", "é", "z", "\u{7F}", "\u{80}", "😀", "a b", "a\tb", "a%2F", String(repeating: "k", count: 1024)]
        for key in keys { try await StoreFixture.put(store, bucket: "plain", key: key, body: key) }
        let listed = try await store.list(bucket: "plain", prefix: "", delimiter: nil, marker: nil, maxKeys: 100).objects.map(\.key)
        #expect(listed == keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        for key in keys { #expect(try await StoreFixture.read(store, bucket: "plain", key: key) == key) }
    }
}
