import Foundation
import NIOCore
import Testing

@testable import MSSServer

/// A body held in memory (a PUT of up to 64 KiB) is committed like one received into a file:
/// the same bytes in a private file (its key's document in a pack when it is small), nothing left in
/// `.mss/tmp`, and nothing written at all when the commit is refused.
@Suite struct HeldBodyCommitTests {
    @Test func heldBytesBecomeTheVersionsBytesAndLeaveNoStagingFile() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("held", acl: .private)
        for (index, size) in [0, 1, 4096, 65536].enumerated() {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            let staging = store.temporaryPath()
            let stored = try await store.commit(
                bucket: "held", object: StoreFixture.object("k\(index)", size: Int64(size)),
                source: .memory(ByteBuffer(bytes: bytes), staging: staging))
            // Small bodies are kept in their key's document, an entry of the bucket's packs;
            // larger ones in a data file.
            #expect(stored.isInline == (size <= IncomingData.Source.inlineLimit))
            let pack = try store.index.packLocation(bucket: "held", key: "k\(index)")
            #expect((pack != nil) == stored.isInline)
            let path = pack.map { DocumentPacks.path(root: root, bucket: "held", number: $0.pack) } ?? store.dataPath(bucket: "held", object: stored)
            #expect(try StoreFixture.storedBytes(store, bucket: "held", object: stored) == Data(bytes))
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode.map { $0 & 0o077 } == 0)
            #expect(!FileManager.default.fileExists(atPath: staging))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/.mss/tmp").isEmpty)
    }

    @Test func aRefusedCommitWritesNothing() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("held", acl: .private)
        let first = try await StoreFixture.put(store, bucket: "held", key: "k", body: "first")
        let staging = store.temporaryPath()
        var onlyIfAbsent = WritePrecondition()
        onlyIfAbsent.ifNoneMatch = true
        await #expect(throws: S3ServerError.self) {
            try await store.commit(
                bucket: "held", object: StoreFixture.object("k", size: 6), source: .memory(ByteBuffer(string: "second"), staging: staging),
                precondition: onlyIfAbsent)
        }
        #expect(!FileManager.default.fileExists(atPath: staging))
        #expect(try await StoreFixture.read(store, bucket: "held", key: "k") == "first")
        let shard = (store.dataPath(bucket: "held", object: first) as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: shard).count == 2)
    }
}
