import Foundation
import Testing

@testable import MSSServer

/// Stored data is private to the server's user: folders 0700, files 0600, whatever the umask.
@Suite struct StorePermissionsTests {
    @Test func everythingTheStoreCreatesIsPrivate() async throws {
        let parent = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let root = parent + "/data/nested"
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .publicRead)
        // A body written the way other code may write it: with the default mode.
        let object = try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "secret")
        let upload = try await store.createUpload(bucket: "bucket", template: StoreFixture.object("m", size: 0))
        let temporary = store.temporaryPath()
        #expect(FileManager.default.createFile(atPath: temporary, contents: Data("p".utf8)))
        let part = try await store.commitPart(
            PartRecord(number: 1, size: 1, etag: "e", lastModified: Date()), upload: upload.id, temporaryPath: temporary)

        let shard = store.shardDirectory(bucket: "bucket", hash: ObjectStore.keyHash("k"))
        let directories = [
            parent + "/data", root, root + "/buckets", root + "/.mss", root + "/.mss/tmp", root + "/.mss/uploads",
            root + "/buckets/bucket", root + "/buckets/bucket/objects", shard, store.uploadDirectory(upload.id).path,
        ]
        for directory in directories {
            #expect(StoreFixture.mode(directory) == 0o700, "\(directory): \(String(StoreFixture.mode(directory), radix: 8))")
        }
        let files = [
            store.dataPath(bucket: "bucket", object: object), StoreFixture.metadataPath(store, bucket: "bucket", key: "k"),
            root + "/buckets/bucket/bucket.json", store.uploadDirectory(upload.id).appendingPathComponent("upload.json").path,
            store.partDataPath(upload: upload.id, part: part),
            store.uploadDirectory(upload.id).appendingPathComponent("part-00001.json").path,
        ]
        for file in files {
            #expect(StoreFixture.mode(file) == 0o600, "\(file): \(String(StoreFixture.mode(file), radix: 8))")
        }
    }

    @Test func anExistingOpenDataDirectoryIsTightened() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(chmod(root, 0o755) == 0)
        let log = CapturedLog()
        _ = try await ObjectStore(path: root, logger: log.logger)
        #expect(StoreFixture.mode(root) == 0o700)
        #expect(log.all.contains { $0.contains("made private") && $0.contains(root) })
    }

    @Test func damagedFilesSetAsideStayPrivate() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("bucket", acl: .private)
            try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "x")
            try StoreFixture.checkpoint(store)
            try Data("broken".utf8).write(to: URL(fileURLWithPath: StoreFixture.metadataPath(store, bucket: "bucket", key: "k")))
        }
        _ = try await ObjectStore(path: root)
        #expect(StoreFixture.mode(root + "/.mss/damaged") == 0o700)
    }
}
