import Foundation
import Testing

@testable import MSSServer

/// Versions on disk: what a restart keeps, what it may delete, and which documents need the
/// versioning format.
@Suite struct StoreVersioningTests {
    @Test func everyVersionAndDeleteMarkerSurvivesARestart() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var ids: [String] = []
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("bucket", acl: .private)
            try await store.setVersioning("bucket", .enabled)
            for body in ["one", "two", "three"] {
                ids.append(try await StoreFixture.put(store, bucket: "bucket", key: "k", body: body).versionIDText)
            }
            let outcome = try await store.deleteObject(bucket: "bucket", key: "k")
            #expect(outcome.deleteMarker)
            ids.append(try #require(outcome.versionID))
        }
        let reopened = try await ObjectStore(path: root)
        #expect(try await reopened.object(bucket: "bucket", key: "k") == nil)
        let versions = try #require(await reopened.storedKey(bucket: "bucket", key: "k")).versions
        #expect(versions.map(\.versionIDText) == ids.reversed())
        #expect(versions.map(\.isDeleteMarker) == [true, false, false, false])
        for (index, body) in ["one", "two", "three"].enumerated() {
            let object = try #require(try await reopened.object(bucket: "bucket", key: "k", versionID: ids[index]))
            // The start must not take noncurrent versions' bytes for superseded garbage.
            #expect(try String(contentsOfFile: reopened.dataPath(bucket: "bucket", object: object), encoding: .utf8) == body)
        }
        #expect(try await reopened.bucket("bucket").versioning == .enabled)
        #expect(!FileManager.default.fileExists(atPath: root + "/.mss/damaged"))
    }

    @Test func aRestartRemovesOnlyTheBytesOfVersionsNoDocumentNames() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let shard: String
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("bucket", acl: .private)
            try await store.setVersioning("bucket", .suspended)
            try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "replaced")
            try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "current")
            shard = store.shardDirectory(bucket: "bucket", hash: ObjectStore.keyHash("k"))
        }
        // The replaced null version's bytes wait out their grace period in a running server;
        // after a restart they are provably garbage.
        #expect(try FileManager.default.contentsOfDirectory(atPath: shard).count == 3)
        let reopened = try await ObjectStore(path: root)
        #expect(try FileManager.default.contentsOfDirectory(atPath: shard).count == 2)
        #expect(try await StoreFixture.read(reopened, bucket: "bucket", key: "k") == "current")
        #expect(try await reopened.storedKey(bucket: "bucket", key: "k")?.versions.count == 1)
    }

    /// Without a write-ahead log, buckets keep every document in its own file; with one, they
    /// keep small documents in packs, which a server from before packs would not see.
    @Test(arguments: [false, true])
    func onlyDocumentsAnOlderServerWouldMisreadNeedTheNewFormat(withLog: Bool) async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root, writeLog: withLog ? WriteAheadLog.Settings() : nil)
        try await store.createBucket("plain", acl: .private)
        try await store.createBucket("versioned", acl: .private)
        try await store.setVersioning("versioned", .enabled)
        try await StoreFixture.put(store, bucket: "plain", key: "k", body: "x")
        try await StoreFixture.put(store, bucket: "versioned", key: "k", body: "x")
        // What the server writes for a signed-in user: an ACL with an owner, which a server from
        // before users would take for damage.
        let owned = StoredACL(owner: "owner-id", grants: [StoredGrant(.user("owner-id"), .fullControl)])
        try await store.createBucket("owned", acl: owned)
        var object = StoreFixture.object("k", size: 1)
        object.acl = owned
        let temporary = store.temporaryPath()
        #expect(FileManager.default.createFile(atPath: temporary, contents: Data("x".utf8)))
        try await store.commit(bucket: "owned", object: object, temporaryPath: temporary)
        func format(_ path: String) throws -> Int? {
            let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            return document?["formatVersion"] as? Int
        }
        // A store that never used versioning or packs stays readable by a server from before them.
        #expect(try format(root + "/buckets/plain/bucket.json") == (withLog ? 5 : 1))
        #expect(try format(StoreFixture.metadataPath(store, bucket: "plain", key: "k")) == 1)
        #expect(try format(root + "/buckets/versioned/bucket.json") == (withLog ? 5 : 2))
        #expect(try format(StoreFixture.metadataPath(store, bucket: "versioned", key: "k")) == 2)
        #expect(try format(root + "/buckets/owned/bucket.json") == (withLog ? 5 : 2))
        #expect(try format(StoreFixture.metadataPath(store, bucket: "owned", key: "k")) == 2)
        #expect(DocumentPacks.holdsPacks(root: root, bucket: "plain") == withLog)
    }

    @Test func aDocumentListingOneVersionTwiceIsDamageNotAnIndexCorruption() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path: String
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("bucket", acl: .private)
            try await store.setVersioning("bucket", .enabled)
            try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "x")
            path = StoreFixture.metadataPath(store, bucket: "bucket", key: "k")
            try StoreFixture.checkpoint(store)
        }
        try StoreFixture.editJSON(path) { document in
            var copy = document
            copy["formatVersion"] = nil
            document["noncurrent"] = [copy]
        }
        let reopened = try await ObjectStore(path: root)
        #expect(try await reopened.storedKey(bucket: "bucket", key: "k") == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/.mss/damaged").count == 1)
    }

    @Test func versionListingPagesThroughAKeysHistory() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        try await StoreFixture.put(store, bucket: "bucket", key: "a", body: "null version")
        try await store.setVersioning("bucket", .enabled)
        for _ in 0..<3 { try await StoreFixture.put(store, bucket: "bucket", key: "a", body: "v") }
        try await StoreFixture.put(store, bucket: "bucket", key: "b", body: "v")
        var seen: [String] = []
        var keyMarker: String?
        var versionMarker: String?
        var pages = 0
        repeat {
            let page = try await store.listVersions(
                bucket: "bucket", prefix: "", delimiter: nil, keyMarker: keyMarker, versionIDMarker: versionMarker, maxKeys: 2)
            seen += page.entries.map { "\($0.object.key)@\($0.object.versionIDText)\($0.isLatest ? "*" : "")" }
            pages += 1
            guard page.isTruncated else { break }
            keyMarker = page.nextKeyMarker
            versionMarker = page.nextVersionIDMarker
        } while pages < 10
        #expect(pages == 3)
        #expect(seen.count == 5)
        #expect(seen.filter { $0.hasSuffix("*") }.count == 2)
        #expect(seen[3] == "a@null")
        #expect(seen[4].hasPrefix("b@") && seen[4].hasSuffix("*"))
    }
}
