import Foundation
import Testing

@testable import MSSServer

/// Writes whose disk work overlaps (``StoreIO``) still take turns per key (``KeyLocks``): no
/// version is lost to two writes reading the same versions, the index and the disk agree, and a
/// bucket is not deleted under a write that is landing in it.
@Suite struct ConcurrentWriteTests {
    @Test func concurrentWritesOfOneVersionedKeyEachKeepTheirVersion() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        try await store.setVersioning("bucket", .enabled)
        let bodies = (0..<40).map { "body \($0)" }
        let written = try await withThrowingTaskGroup(of: StoredObject?.self) { group in
            for body in bodies {
                group.addTask { try await StoreFixture.put(store, bucket: "bucket", key: "k", body: body) }
            }
            // Delete markers among the writes, which read and rewrite the same document.
            for _ in 0..<10 {
                group.addTask {
                    try await store.deleteObject(bucket: "bucket", key: "k")
                    return nil
                }
            }
            return try await group.reduce(into: [StoredObject]()) { if let object = $1 { $0.append(object) } }
        }
        let versions = try #require(await store.storedKey(bucket: "bucket", key: "k")).versions
        #expect(versions.count == 50, "a version was lost between concurrent writes")
        #expect(Set(versions.map(\.versionIDText)).count == 50)
        #expect(versions.filter(\.isDeleteMarker).count == 10)
        #expect(written.count == 40)
        for object in written {
            let found = try #require(try await store.object(bucket: "bucket", key: "k", versionID: object.versionIDText))
            #expect(FileManager.default.fileExists(atPath: store.dataPath(bucket: "bucket", object: found)))
        }
        // What a restart reads is what the index said.
        let reopened = try await ObjectStore(path: root)
        #expect(try #require(await reopened.storedKey(bucket: "bucket", key: "k")).versions.map(\.version) == versions.map(\.version))
    }

    @Test func theLastWriteOfAnUnversionedKeyWinsOnDiskAndInTheIndex() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<60 {
                group.addTask { try await StoreFixture.put(store, bucket: "bucket", key: index % 3 == 0 ? "shared" : "key-\(index)", body: "body \(index)") }
            }
            try await group.waitForAll()
        }
        let listing = try await store.list(bucket: "bucket", prefix: "", delimiter: nil, marker: nil, maxKeys: 1000)
        #expect(listing.objects.count == 41)
        let shared = try #require(try await StoreFixture.read(store, bucket: "bucket", key: "shared"))
        let reopened = try await ObjectStore(path: root)
        #expect(try await StoreFixture.read(reopened, bucket: "bucket", key: "shared") == shared)
        #expect(try await reopened.list(bucket: "bucket", prefix: "", delimiter: nil, marker: nil, maxKeys: 1000).objects.map(\.key)
            == listing.objects.map(\.key))
    }

    @Test func aBucketIsNotDeletedUnderALandingWrite() async throws {
        for _ in 0..<5 {
            let root = try StoreFixture.directory()
            defer { try? FileManager.default.removeItem(atPath: root) }
            let store = try await ObjectStore(path: root)
            try await store.createBucket("bucket", acl: .private)
            let writes = Task {
                await withTaskGroup(of: Bool.self) { group in
                    for index in 0..<20 {
                        group.addTask { (try? await StoreFixture.put(store, bucket: "bucket", key: "k\(index)", body: "x")) != nil }
                    }
                    return await group.reduce(into: [Bool]()) { $0.append($1) }
                }
            }
            let deleted = (try? await store.deleteBucket("bucket")) != nil
            let outcomes = await writes.value
            if deleted {
                // Deleted first: nothing was acknowledged into a bucket that is gone.
                #expect(outcomes.allSatisfy { !$0 })
                await #expect(throws: S3ServerError.self) { try await store.bucket("bucket") }
            } else {
                #expect(outcomes.allSatisfy { $0 })
                let listing = try await store.list(bucket: "bucket", prefix: "", delimiter: nil, marker: nil, maxKeys: 100)
                #expect(listing.objects.count == 20)
            }
        }
    }

    /// The batch writer records a batch in the index before it writes the keys' documents, and
    /// answers each change once its own document is written. A reader that finds a version in
    /// the index, while its write is still landing, must still get exactly its bytes: a data file
    /// is written before the index names it, and inline bytes are read in the key's turn.
    @Test func aVersionFoundWhileItsWriteLandsReadsBackWhole() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("bucket", acl: .private)
        let limit = IncomingData.Source.inlineLimit
        // Inline bodies and bodies held in memory but kept in a data file, each key new.
        let bodies = (0..<96).map { InlineObjectTests.bytes($0 % 2 == 0 ? 4096 : limit + 4096, UInt8($0)) }
        let keys = bodies.indices.map { "key-\($0)" }
        let (found, mismatches) = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
            for (key, body) in zip(keys, bodies) {
                group.addTask {
                    _ = try await InlineObjectTests.put(store, bucket: "bucket", key: key, bytes: body)
                    return (0, [])
                }
            }
            // Readers that ask for every key until each has been found and read back.
            for reader in 0..<4 {
                group.addTask {
                    var pending = Set(keys.indices.filter { $0 % 4 == reader })
                    var mismatches: [String] = []
                    var found = 0
                    let deadline = ContinuousClock.now + .seconds(60)
                    while !pending.isEmpty && ContinuousClock.now < deadline {
                        for index in pending {
                            // From the index itself, as a GET does when the key is not cached.
                            let key = keys[index]
                            guard let object = try await store.readingIndex({ try $0.stored(bucket: "bucket", key: key) })?.newest else { continue }
                            let bytes: Data?
                            if object.isInline {
                                bytes = try await store.inlineBytes(bucket: "bucket", object: object)
                            } else {
                                bytes = FileManager.default.contents(atPath: store.dataPath(bucket: "bucket", object: object))
                            }
                            if bytes != Data(bodies[index]) { mismatches.append("\(keys[index]): \(bytes?.count ?? -1) bytes") }
                            pending.remove(index)
                            found += 1
                        }
                        await Task.yield()
                    }
                    if !pending.isEmpty { mismatches.append("never found: \(pending.sorted())") }
                    return (found, mismatches)
                }
            }
            return try await group.reduce(into: (0, [String]())) { $0.0 += $1.0; $0.1 += $1.1 }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        #expect(found == bodies.count)
    }
}
