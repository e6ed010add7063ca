import Foundation
import Testing

@testable import MSSServer
import S3Protocol

/// A data directory damaged the ways disks and crashes damage them: the store must keep every
/// byte it cannot prove is garbage, and serve everything that is still intact.
@Suite struct StoreDamageTests {
    enum Damage: String, CaseIterable, Sendable {
        case truncated, flippedBytes, garbage, empty

        func apply(to path: String) throws {
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            switch self {
            case .truncated:
                data = data.prefix(data.count / 2)
            case .flippedBytes:
                for index in stride(from: data.startIndex + 10, to: data.startIndex + 18, by: 1) { data[index] ^= 0xFF }
            case .garbage:
                data = Data((0..<200).map { _ in UInt8.random(in: 0...255) })
            case .empty:
                data = Data()
            }
            try data.write(to: URL(fileURLWithPath: path))
        }
    }

    @Test(arguments: Damage.allCases) func damagedObjectMetadataIsSetAsideAndEverythingElseServes(_ damage: Damage) async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let victim = "photos/3.jpg"
        let keys = (0..<10).map { "photos/\($0).jpg" }
        var dataPath = ""
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("bucket", acl: .private)
            for key in keys { try await StoreFixture.put(store, bucket: "bucket", key: key, body: "body of \(key)") }
            let object = try #require(try await store.object(bucket: "bucket", key: victim))
            dataPath = store.dataPath(bucket: "bucket", object: object)
            try StoreFixture.checkpoint(store)
            try damage.apply(to: StoreFixture.metadataPath(store, bucket: "bucket", key: victim))
        }
        let log = CapturedLog()
        let reopened = try await ObjectStore(path: root, logger: log.logger)
        for key in keys where key != victim {
            #expect(try await StoreFixture.read(reopened, bucket: "bucket", key: key) == "body of \(key)")
        }
        #expect(try await reopened.object(bucket: "bucket", key: victim) == nil)
        #expect(FileManager.default.fileExists(atPath: dataPath), "the data of the damaged object was deleted")
        #expect(try String(contentsOfFile: dataPath, encoding: .utf8) == "body of \(victim)")

        let metadataPath = StoreFixture.metadataPath(reopened, bucket: "bucket", key: victim)
        #expect(!FileManager.default.fileExists(atPath: metadataPath))
        let relative = "buckets/bucket/objects/\(ObjectStore.keyHash(victim).prefix(2))/\(ObjectStore.keyHash(victim)).json"
        let setAside = try FileManager.default.contentsOfDirectory(atPath: root + "/.mss/damaged")
        #expect(setAside == [ObjectStore.setAsideName(relativePath: relative)])
        #expect(setAside.first?.contains(ObjectStore.keyHash(victim)) == true)
        #expect(log.all.contains { $0.hasPrefix("error damaged metadata moved aside") && $0.contains(metadataPath) })
        #expect(log.all.contains { $0.contains("data file without readable metadata kept") && $0.contains(dataPath) })

        // The key can be written again, and the store then opens cleanly but for the kept file.
        try await StoreFixture.put(reopened, bucket: "bucket", key: victim, body: "rewritten")
        let third = try await ObjectStore(path: root)
        #expect(try await StoreFixture.read(third, bucket: "bucket", key: victim) == "rewritten")
    }

    /// A file the scan saw can be gone by the time it is set aside (the bytes of a replaced
    /// version, removed when their grace ended): nothing to move, and the start goes on.
    @Test func aFileGoneBeforeItIsSetAsideIsSkipped() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("box", acl: .private)
        #expect(try await store.setAside(root + "/buckets/box/objects/0c/gone.0000") == nil)
        let present = root + "/buckets/box/present"
        try Data("kept".utf8).write(to: URL(fileURLWithPath: present))
        let moved = try #require(try await store.setAside(present))
        #expect(FileManager.default.contents(atPath: moved) == Data("kept".utf8))
        #expect(!FileManager.default.fileExists(atPath: present))
        try await store.close()
    }

    @Test func damagedBucketMetadataKeepsTheBucketPrivateAndItsObjectsReachable() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("shared", acl: .publicRead)
            try await store.createBucket("other", acl: .publicRead)
            try await StoreFixture.put(store, bucket: "shared", key: "a", body: "alpha")
            try await StoreFixture.put(store, bucket: "shared", key: "b/c", body: "gamma")
        }
        let bucketJSON = root + "/buckets/shared/bucket.json"
        try Data("{\"name\":\"shared\",\"acl\":\"public-re".utf8).write(to: URL(fileURLWithPath: bucketJSON))

        let log = CapturedLog()
        let reopened = try await ObjectStore(path: root, logger: log.logger)
        #expect(await reopened.allBuckets().map(\.name) == ["other", "shared"])
        let bucket = try await reopened.bucket("shared")
        #expect(bucket.acl == .private)
        #expect(try await reopened.bucket("other").acl == .publicRead)
        #expect(try await StoreFixture.read(reopened, bucket: "shared", key: "a") == "alpha")
        #expect(try await StoreFixture.read(reopened, bucket: "shared", key: "b/c") == "gamma")
        #expect(try await reopened.list(bucket: "shared", prefix: "", delimiter: nil, marker: nil, maxKeys: 10).objects.map(\.key) == ["a", "b/c"])
        #expect(FileManager.default.fileExists(atPath: root + "/.mss/damaged/buckets%2Fshared%2Fbucket.json"))
        #expect(log.all.contains { $0.contains(bucketJSON) })

        // A fresh bucket.json was written, so the next start finds nothing wrong.
        let data = try Data(contentsOf: URL(fileURLWithPath: bucketJSON))
        #expect(String(decoding: data, as: UTF8.self).contains("\"acl\":\"private\""))
        let report = try StoreCheckReport(dataDirectory: root)
        #expect(report.isClean, "\(report)")
        let third = try await ObjectStore(path: root)
        #expect(try await third.bucket("shared").created == bucket.created)
    }

    @Test func aNewerFormatVersionRefusesToOpenAndChangesNothing() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let metadataPath: String
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("bucket", acl: .private)
            try await StoreFixture.put(store, bucket: "bucket", key: "old", body: "v1")
            try await StoreFixture.put(store, bucket: "bucket", key: "old", body: "v2")  // v1's bytes: superseded
            try await StoreFixture.put(store, bucket: "bucket", key: "new", body: "from the future")
            metadataPath = StoreFixture.metadataPath(store, bucket: "bucket", key: "new")
            #expect(FileManager.default.createFile(atPath: store.temporaryPath(), contents: Data("half".utf8)))
            try StoreFixture.checkpoint(store)
            try Data("garbage".utf8).write(to: URL(fileURLWithPath: StoreFixture.metadataPath(store, bucket: "bucket", key: "old")))
        }
        // A future layout may change any field; only the version tells it from damage.
        try StoreFixture.editJSON(metadataPath) { document in
            document["formatVersion"] = 7
            document["size"] = "no longer a number"
        }
        let before = StoreFixture.tree(root)
        let error = await #expect(throws: FutureFormatError.self) { _ = try await ObjectStore(path: root) }
        #expect(error?.path == metadataPath)
        #expect(error?.version == 7)
        #expect(error.map { "\($0)" }?.contains(metadataPath) == true)
        #expect(error.map { "\($0)" }?.contains("7") == true)
        #expect(StoreFixture.tree(root) == before, "opening a newer store moved or deleted files")

        let report = try StoreCheckReport(dataDirectory: root)
        #expect(!report.isClean)
        #expect(report.description.contains("format version 7"))
    }

    @Test func newerBucketAndUploadRecordsAlsoRefuse() async throws {
        for target in ["bucket", "upload", "part"] {
            let root = try StoreFixture.directory()
            defer { try? FileManager.default.removeItem(atPath: root) }
            let path: String
            do {
                let store = try await ObjectStore(path: root)
                try await store.createBucket("bucket", acl: .private)
                let upload = try await store.createUpload(bucket: "bucket", template: StoreFixture.object("k", size: 0))
                let temporary = store.temporaryPath()
                #expect(FileManager.default.createFile(atPath: temporary, contents: Data("part".utf8)))
                try await store.commitPart(
                    PartRecord(number: 1, size: 4, etag: "x", lastModified: Date()), upload: upload.id, temporaryPath: temporary)
                path = switch target {
                case "bucket": root + "/buckets/bucket/bucket.json"
                case "upload": store.uploadDirectory(upload.id).appendingPathComponent("upload.json").path
                default: store.uploadDirectory(upload.id).appendingPathComponent("part-00001.json").path
                }
            }
            try StoreFixture.editJSON(path) { $0["formatVersion"] = 99 }
            let error = await #expect(throws: FutureFormatError.self, "\(target)") { _ = try await ObjectStore(path: root) }
            #expect(error?.path == path)
        }
    }

    @Test func unknownFieldsAndMissingVersionsAreNotDamage() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let metadataPath = try await StoreFixture.oneObject(at: root, acl: .publicRead, body: "kept")
        // As written before versions existed, plus a field some later version added.
        try StoreFixture.editJSON(metadataPath) { document in
            document["formatVersion"] = nil
            document["storageClass"] = "GLACIER"
        }
        try StoreFixture.editJSON(root + "/buckets/bucket/bucket.json") { document in
            document["formatVersion"] = nil
            document["objectLock"] = ["enabled": true]
        }
        let reopened = try await ObjectStore(path: root)
        #expect(try await StoreFixture.read(reopened, bucket: "bucket", key: "k") == "kept")
        #expect(try await reopened.bucket("bucket").acl == .publicRead)
        #expect(try await reopened.object(bucket: "bucket", key: "k")?.formatVersion == .initial)
        #expect(!FileManager.default.fileExists(atPath: root + "/.mss/damaged"))
    }

    @Test func onlySupersededDataIsDeletedAndDataWithoutMetadataIsKeptOrSetAside() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let firstPath: String
        let secondPath: String
        let orphanPath: String
        let misplacedPath: String
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("bucket", acl: .private)
            let first = try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "first")
            let second = try await StoreFixture.put(store, bucket: "bucket", key: "k", body: "second")
            firstPath = store.dataPath(bucket: "bucket", object: first)
            secondPath = store.dataPath(bucket: "bucket", object: second)
            // A write that crashed between its data and its metadata, for a key never stored.
            var lost = StoreFixture.object("never-committed")
            lost.version = "0123"
            orphanPath = store.dataPath(bucket: "bucket", object: lost)
            try FileManager.default.createDirectory(
                atPath: (orphanPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: orphanPath, contents: Data("only copy".utf8)))
            // A file in k's shard that is not named after k's hash: not provably k's.
            misplacedPath = (secondPath as NSString).deletingLastPathComponent + "/stray-file"
            #expect(FileManager.default.createFile(atPath: misplacedPath, contents: Data("?".utf8)))
        }
        #expect(FileManager.default.fileExists(atPath: firstPath))
        let reopened = try await ObjectStore(path: root)
        #expect(!FileManager.default.fileExists(atPath: firstPath))
        #expect(FileManager.default.fileExists(atPath: secondPath))
        #expect(FileManager.default.fileExists(atPath: misplacedPath))
        #expect(try await StoreFixture.read(reopened, bucket: "bucket", key: "k") == "second")
        // The cut write's bytes leave the bucket for .mss/damaged, whole.
        #expect(!FileManager.default.fileExists(atPath: orphanPath))
        let relative = String(orphanPath.dropFirst(reopened.root.path.count + 1))
        let setAside = root + "/.mss/damaged/" + ObjectStore.setAsideName(relativePath: relative)
        #expect(try String(contentsOfFile: setAside, encoding: .utf8) == "only copy")
        // Deleting the bucket would take the stray file, which is not provably anyone's, with it.
        try await reopened.deleteObject(bucket: "bucket", key: "k")
        let refused = await #expect(throws: S3ServerError.self) { try await reopened.deleteBucket("bucket") }
        #expect(refused?.code == .bucketNotEmpty)
        #expect(FileManager.default.fileExists(atPath: misplacedPath))
    }

    @Test func aWriteCutBeforeItsFirstMetadataLeavesTheBucketDeletable() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let orphanPath: String
        let damagedDataPath: String
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("bucket", acl: .private)
            // The state a kill between the data's rename and the first metadata leaves.
            var cut = StoreFixture.object("first write")
            cut.version = "5a3c"
            orphanPath = store.dataPath(bucket: "bucket", object: cut)
            try FileManager.default.createDirectory(
                atPath: (orphanPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: orphanPath, contents: Data("cut".utf8)))
            // And an object whose metadata is damaged: its data must stay where it is.
            let victim = try await StoreFixture.put(store, bucket: "bucket", key: "victim", body: "kept in place")
            damagedDataPath = store.dataPath(bucket: "bucket", object: victim)
            try StoreFixture.checkpoint(store)
            try Data("{".utf8).write(to: URL(fileURLWithPath: StoreFixture.metadataPath(store, bucket: "bucket", key: "victim")))
        }
        let report = try StoreCheckReport(dataDirectory: root)
        #expect(report.scan.interruptedWrites == [orphanPath])
        #expect(report.scan.unreferencedData == [damagedDataPath])
        #expect(report.description.contains("move 1 data file(s) of interrupted writes to .mss/damaged/"))

        let reopened = try await ObjectStore(path: root)
        #expect(!FileManager.default.fileExists(atPath: orphanPath))
        #expect(FileManager.default.fileExists(atPath: damagedDataPath))
        // A second start: the damaged object's data is still not taken for a cut write, since its
        // metadata now lies in .mss/damaged.
        let again = try StoreCheckReport(dataDirectory: root)
        #expect(again.scan.interruptedWrites.isEmpty)
        #expect(again.scan.unreferencedData == [damagedDataPath])
        _ = reopened
        try FileManager.default.removeItem(atPath: damagedDataPath)
        let third = try await ObjectStore(path: root)
        try await third.deleteBucket("bucket")
        await #expect(throws: S3ServerError.self) { try await third.bucket("bucket") }
    }

    @Test func metadataPointingOutsideItsShardIsDamage() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let metadataPath = try await StoreFixture.oneObject(at: root, acl: .private, body: "x")
        try StoreFixture.editJSON(metadataPath) { $0["version"] = "../../../../../etc/passwd" }
        let reopened = try await ObjectStore(path: root)
        #expect(try await reopened.object(bucket: "bucket", key: "k") == nil)
        #expect(!FileManager.default.fileExists(atPath: metadataPath))
    }
}
