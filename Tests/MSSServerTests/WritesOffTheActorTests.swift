import Crypto
import Foundation
import Synchronization
import Testing

@testable import MSSServer

/// The store's flushes run off its actor: while a PUT's or a part's flush has not ended, the store
/// still answers reads and lets other writes reach their own flush; nothing is acknowledged before
/// its flush; and an upload aborted while its part was being flushed loses that part entirely.
@Suite struct WritesOffTheActorTests {
    /// A store whose first flush is held until the test releases it.
    static func storeWithHeldFlush() async throws -> (ObjectStore, TestFlushes, String) {
        let root = try StoreFixture.directory()
        let flushes = TestFlushes()
        let store = try await ObjectStore(path: root, barrier: DurabilityBarrier(path: root, flush: flushes.run))
        try await store.createBucket("bucket", acl: .private)
        _ = try await StoreFixture.put(store, bucket: "bucket", key: "before", body: "written before")
        flushes.state.withLock { $0.held = [$0.started + 1] }
        return (store, flushes, root)
    }

    /// A store with an upload, and UploadPart of its part 1 waiting on the held flush.
    static func partWaitingOnItsFlush() async throws
        -> (ObjectStore, TestFlushes, String, MultipartUploadRecord, Task<PartRecord, any Error>)
    {
        let (store, flushes, root) = try await storeWithHeldFlush()
        let upload = try await store.createUpload(bucket: "bucket", template: StoreFixture.object("joined", size: 0))
        let held = flushes.started + 1
        let part = Task { try await MultipartCompletionTests.uploadPart(store, upload: upload.id, number: 1, body: Data("part one".utf8)) }
        try await StoreFixture.waitUntil { flushes.started == held }
        return (store, flushes, root, upload, part)
    }

    static func withTimeout<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return nil
            }
            guard let value = try await group.next() ?? nil else {
                throw CancellationError()
            }
            group.cancelAll()
            return value
        }
    }

    @Test func aPutWaitingOnItsFlushHoldsNothingElseUp() async throws {
        let (store, flushes, root) = try await Self.storeWithHeldFlush()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let held = flushes.started + 1
        let put = Task { try await StoreFixture.put(store, bucket: "bucket", key: "held", body: "held body") }
        try await StoreFixture.waitUntil { flushes.started == held }
        // The actor answers, and a write of another key gets as far as its own flush.
        let read = try await Self.withTimeout { try await StoreFixture.read(store, bucket: "bucket", key: "before") }
        #expect(read == "written before")
        let other = Task { try await StoreFixture.put(store, bucket: "bucket", key: "other", body: "other body") }
        try await Task.sleep(for: .milliseconds(300))
        // Neither is acknowledged while the flush that must cover it has not ended.
        #expect(try await StoreFixture.read(store, bucket: "bucket", key: "held") == nil)
        flushes.released.signal()
        _ = try await put.value
        _ = try await other.value
        #expect(try await StoreFixture.read(store, bucket: "bucket", key: "held") == "held body")
        #expect(try await StoreFixture.read(store, bucket: "bucket", key: "other") == "other body")
    }

    @Test func aPartWaitingOnItsFlushHoldsNothingElseUp() async throws {
        let (store, flushes, root, upload, part) = try await Self.partWaitingOnItsFlush()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let read = try await Self.withTimeout { try await StoreFixture.read(store, bucket: "bucket", key: "before") }
        #expect(read == "written before")
        #expect(await store.parts(of: upload.id).isEmpty, "a part is listed before its flush ended")
        flushes.released.signal()
        let stored = try await part.value
        #expect(await store.parts(of: upload.id) == [stored])
        #expect(FileManager.default.contents(atPath: store.partDataPath(upload: upload.id, part: stored)) == Data("part one".utf8))
    }

    @Test func anUploadAbortedWhileItsPartIsFlushedKeepsNothingOfIt() async throws {
        let (store, flushes, root, upload, part) = try await Self.partWaitingOnItsFlush()
        defer { try? FileManager.default.removeItem(atPath: root) }
        await store.abortUpload(upload.id)
        flushes.released.signal()
        await #expect(throws: S3ServerError.noSuchUpload(upload.id)) { try await part.value }
        #expect(!FileManager.default.fileExists(atPath: store.uploadDirectory(upload.id).path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root + "/.mss/tmp")
        #expect(leftovers.isEmpty, "left in .mss/tmp: \(leftovers)")
        #expect(await store.parts(of: upload.id).isEmpty)
    }
}
