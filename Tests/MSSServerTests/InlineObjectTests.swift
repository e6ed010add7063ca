import Foundation
import HTTPTypes
import MSSStoreFormat
import NIOCore
import S3Protocol
import Testing

@testable import MSSServer

/// Small objects keep their bytes in their key's document (an entry of the bucket's packs, or a
/// file of its own): read back whole whatever changes the key goes through, never in the index,
/// and a document that lies about them is damage, not an object.
@Suite struct InlineObjectTests {
    static func put(_ store: ObjectStore, bucket: String, key: String, bytes: [UInt8]) async throws -> StoredObject {
        try await store.commit(
            bucket: bucket, object: StoreFixture.object(key, size: Int64(bytes.count)),
            source: .memory(ByteBuffer(bytes: bytes), staging: store.temporaryPath()))
    }

    static func bytes(_ count: Int, _ seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(seed)) }
    }

    /// The files in the shard folder of `key`.
    static func shardFiles(_ store: ObjectStore, bucket: String, key: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: store.shardDirectory(bucket: bucket, hash: ObjectStore.keyHash(key)))
    }

    @Test func aSmallObjectIsOnePackEntryAndReadsBackWhole() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("box", acl: .private)
        let limit = IncomingData.Source.inlineLimit
        for (index, size) in [0, 1, 2, 3, 4096, limit, limit + 1].enumerated() {
            let key = "k\(index)"
            let body = Self.bytes(size, UInt8(index))
            let stored = try await Self.put(store, bucket: "box", key: key, bytes: body)
            #expect(stored.isInline == (size <= limit), "\(size)")
            // An inline object's document is an entry in the bucket's packs: no file of its own.
            let files = try Self.shardFiles(store, bucket: "box", key: key).filter { $0.hasPrefix(ObjectStore.keyHash(key)) }
            #expect(files.count == (stored.isInline ? 0 : 2), "\(size): \(files)")
            #expect(try (store.index.packLocation(bucket: "box", key: key) != nil) == stored.isInline, "\(size)")
            #expect(try StoreFixture.storedBytes(store, bucket: "box", object: stored) == Data(body), "\(size)")
            if stored.isInline { #expect(try await store.inlineBytes(bucket: "box", object: stored) == Data(body)) }
            // The index and caches hold the key without its bytes.
            let indexed = try #require(try await store.storedKey(bucket: "box", key: key))
            #expect(indexed.inlineBytes.isEmpty)
            #expect(indexed.newest.isInline == stored.isInline)
        }
        // A body received into a file, and an encrypted one, keep a data file whatever their size.
        var sealed = StoreFixture.object("sealed", size: 3)
        sealed.encryption = StoredEncryption(kind: .s3, wrappedKey: "")
        #expect(IncomingData.Source.memory(ByteBuffer(bytes: [1, 2, 3]), staging: "").inlineBytes(for: sealed) == nil)
        let received = try await StoreFixture.put(store, bucket: "box", key: "received", body: "abc")
        #expect(!received.isInline)
    }

    @Test func versionsKeepTheirBytesThroughEveryChangeAndARebuild() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var bodies: [String: [UInt8]] = [:]
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("box", acl: .private)
            // Inline before versioning; while it is enabled, every version gets a data file, so a
            // document never carries the bytes of a long history.
            for round in 0..<4 {
                if round == 1 { try await store.setVersioning("box", .enabled) }
                let body = Self.bytes(100 + round, UInt8(round))
                let stored = try await Self.put(store, bucket: "box", key: "k", bytes: body)
                #expect(stored.isInline == (round == 0))
                bodies[stored.version] = body
            }
            // A change of one version's metadata rewrites the document: the others' bytes stay.
            var oldest = try #require(try await store.storedKey(bucket: "box", key: "k")).versions.last!
            #expect(oldest.isInline)
            oldest.acl = .publicRead
            try await store.updateMetadata(bucket: "box", object: oldest)
            try await store.deleteObject(bucket: "box", key: "k")
            let second = try #require(try await store.storedKey(bucket: "box", key: "k")).versions[3]
            try await store.deleteObject(bucket: "box", key: "k", versionID: second.versionID)
            bodies[second.version] = nil
            var stored = try #require(try await store.storedKey(bucket: "box", key: "k"))
            #expect(stored.versions.count == 4)
            #expect(stored.versions.last?.acl == .publicRead)
            for object in stored.versions where !object.isDeleteMarker {
                #expect(try StoreFixture.storedBytes(store, bucket: "box", object: object) == bodies[object.version].map { Data($0) })
            }
            // Suspended: the null version is replaced by an inline one, and removing the inline
            // version takes its bytes with it.
            try await store.setVersioning("box", .suspended)
            let null = try await Self.put(store, bucket: "box", key: "k", bytes: Self.bytes(7, 9))
            #expect(null.isInline)
            bodies[oldest.version] = nil
            bodies[null.version] = Self.bytes(7, 9)
            stored = try #require(try await store.storedKey(bucket: "box", key: "k"))
            #expect(stored.versions.filter(\.isInline).map(\.version) == [null.version])
            try await store.deleteObject(bucket: "box", key: "k", versionID: "null")
            bodies[null.version] = nil
            await #expect(throws: S3ServerError.self) { _ = try await store.inlineBytes(bucket: "box", object: null) }
            let null2 = try await Self.put(store, bucket: "box", key: "k", bytes: Self.bytes(8, 10))
            bodies[null2.version] = Self.bytes(8, 10)
            stored = try #require(try await store.storedKey(bucket: "box", key: "k"))
            for object in stored.versions where !object.isDeleteMarker {
                #expect(try StoreFixture.storedBytes(store, bucket: "box", object: object) == bodies[object.version].map { Data($0) })
            }
            try await store.close()
        }
        // Rebuilt from nothing but the documents: the index again holds no bytes.
        try FileManager.default.removeItem(atPath: KeyIndex.path(root: root))
        let reopened = try await ObjectStore(path: root)
        let stored = try #require(try await reopened.storedKey(bucket: "box", key: "k"))
        #expect(stored.inlineBytes.isEmpty)
        #expect(Set(stored.versions.filter { !$0.isDeleteMarker }.map(\.version)) == Set(bodies.keys))
        for object in stored.versions where !object.isDeleteMarker {
            #expect(try StoreFixture.storedBytes(reopened, bucket: "box", object: object) == bodies[object.version].map { Data($0) })
        }
        let check = try StoreCheckReport(dataDirectory: root)
        #expect(check.isClean, "\(check)")
    }

    @Test func aReplacedInlineVersionIsAnsweredSlowDownNotAnotherVersionsBytes() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("box", acl: .private)
        let first = try await Self.put(store, bucket: "box", key: "k", bytes: Self.bytes(10, 1))
        let second = try await Self.put(store, bucket: "box", key: "k", bytes: Self.bytes(10, 2))
        let error = await #expect(throws: S3ServerError.self) { _ = try await store.inlineBytes(bucket: "box", object: first) }
        #expect(error?.code == .slowDown)
        #expect(error?.status == .serviceUnavailable)
        #expect(try await store.inlineBytes(bucket: "box", object: second) == Data(Self.bytes(10, 2)))
        // Only the pack entries: no data file or document file was made or left behind.
        #expect(try Self.shardFiles(store, bucket: "box", key: "k") == [])
    }

    /// Documents that say a version is inline and hold no bytes, bytes of another size, bytes
    /// that are not base64, or inline bytes of an encrypted version, are damage: as the key's own
    /// file, set aside; as its latest pack entry, reported and kept in place, and the key's older
    /// entry does not stand in for it.
    @Test(arguments: ["missing", "short", "long", "notBase64", "encrypted"], ["file", "pack"])
    func documentsThatLieAboutInlineBytesAreDamage(_ lie: String, _ home: String) async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path: String
        var stored: StoredKey
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("box", acl: .private)
            _ = try await Self.put(store, bucket: "box", key: "victim", bytes: Self.bytes(50, 3))
            _ = try await Self.put(store, bucket: "box", key: "bystander", bytes: Self.bytes(50, 4))
            path = StoreFixture.metadataPath(store, bucket: "box", key: "victim")
            stored = try #require(try StoreFixture.document(store, bucket: "box", key: "victim"))
            try await store.close()
        }
        let version = stored.newest.version
        var document: Data
        switch lie {
        case "missing": stored.inlineBytes = [:]
        case "short": stored.inlineBytes[version] = Data(Self.bytes(49, 3))
        case "long": stored.inlineBytes[version] = Data(Self.bytes(51, 3))
        default: break
        }
        if lie == "encrypted" {
            var object = stored.newest
            object.encryption = StoredEncryption(kind: .s3, wrappedKey: "")
            let replaced = stored.replace(object)
            #expect(replaced)
        }
        document = try ObjectStore.documentEncoder().encode(stored)
        if lie == "notBase64" {
            let text = String(decoding: document, as: UTF8.self)
            let start = try #require(text.range(of: "\"inlineBytes\":{\"\(version)\":\"")).upperBound
            document = Data(text.replacingCharacters(in: start..<text.index(start, offsetBy: 3), with: "%%%").utf8)
        }
        if home == "file" {
            try document.write(to: URL(fileURLWithPath: path))
        } else {
            // A later pack, as a start after this one would append to.
            let packs = DocumentPacks(root: root)
            _ = try packs.append([.document(hash: ObjectStore.keyHash("victim"), Array(document))], bucket: "box")
            try packs.synchronize(bucket: "box")
        }
        try FileManager.default.removeItem(atPath: KeyIndex.path(root: root))
        let reopened = try await ObjectStore(path: root)
        #expect(try await reopened.object(bucket: "box", key: "victim") == nil, "\(lie)")
        let bystander = try #require(try await reopened.object(bucket: "box", key: "bystander"))
        #expect(try await reopened.inlineBytes(bucket: "box", object: bystander) == Data(Self.bytes(50, 4)))
        let setAside = (try? FileManager.default.contentsOfDirectory(atPath: root + "/.mss/damaged")) ?? []
        #expect(setAside.count == (home == "file" ? 1 : 0))
        let check = try StoreCheckReport(dataDirectory: root)
        #expect(check.scan.damagedPackEntries.count == (home == "pack" ? 1 : 0), "\(check)")
    }
}
