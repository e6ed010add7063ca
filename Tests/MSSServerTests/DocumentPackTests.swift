import Foundation
import HTTPTypes
import MSSStoreFormat
import NIOCore
import Testing

@testable import MSSServer

/// Document packs: an entry reads back only whole and as written, a walk finds every whole entry
/// and says where damage and a torn end are, and a store keeping small keys in packs agrees with
/// a plain model of its keys through overwrites, deletes, versioning, restarts, rebuilds from
/// the files alone, crashes and compaction.
@Suite struct DocumentPackTests {
    static let hash = String(repeating: "ab", count: 32)

    // MARK: Entries

    @Test func entriesReadBackAsWritten() throws {
        for entry in [DocumentPackEntry.document(hash: Self.hash, Array("{\"a\":1}".utf8)), .removed(hash: Self.hash)] {
            let bytes = entry.encoded()
            #expect(bytes.count == entry.size)
            #expect(DocumentPackEntry.payloadSize(header: bytes) == bytes.count - DocumentPackEntry.headerSize)
            #expect(DocumentPackEntry.decode(bytes) == entry)
        }
    }

    /// Every byte flipped, every length cut short or grown, and headers that lie about their
    /// sizes, kind or reserved bytes: never an entry.
    @Test func anythingButAWholeEntryIsRefused() throws {
        let bytes = DocumentPackEntry.document(hash: Self.hash, Array(repeating: 7, count: 300)).encoded()
        for index in bytes.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var damaged = bytes
                damaged[index] ^= flip
                #expect(DocumentPackEntry.decode(damaged) == nil, "byte \(index) ^ \(flip)")
            }
        }
        for count in 0..<bytes.count { #expect(DocumentPackEntry.decode(Array(bytes.prefix(count))) == nil) }
        #expect(DocumentPackEntry.decode(bytes + [0]) == nil)
        // Headers announcing too little (no room for the hash) or too much.
        for size: UInt32 in [0, 63, UInt32(DocumentPackEntry.maximumPayloadSize + 1), .max] {
            var header = bytes
            withUnsafeBytes(of: size.littleEndian) { header.replaceSubrange(4..<8, with: $0) }
            #expect(DocumentPackEntry.payloadSize(header: header) == nil)
        }
        // A removal with a document, and a document without one, even with a matching checksum.
        var lying = DocumentPackEntry.removed(hash: Self.hash)
        lying.document = [1]
        #expect(DocumentPackEntry.decode(Self.encodedIgnoringRules(lying)) == nil)
        let empty = DocumentPackEntry.document(hash: Self.hash, [])
        #expect(DocumentPackEntry.decode(Self.encodedIgnoringRules(empty)) == nil)
        // A hash that is not 64 lowercase hex digits.
        let upper = DocumentPackEntry.document(hash: String(repeating: "AB", count: 32), [1])
        #expect(DocumentPackEntry.decode(Self.encodedIgnoringRules(upper)) == nil)
    }

    /// `entry` as a writer that ignored the rules would put it, with a checksum that holds.
    static func encodedIgnoringRules(_ entry: DocumentPackEntry) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: DocumentPackEntry.magic.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(entry.hash.utf8.count + entry.document.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += [entry.kind.rawValue, 0, 0, 0, 0, 0, 0, 0]
        bytes += Array(entry.hash.utf8) + entry.document
        let crc = WriteLogRecord.checksum(bytes)
        withUnsafeBytes(of: crc.littleEndian) { bytes.replaceSubrange(12..<16, with: $0) }
        return bytes
    }

    @Test func aWalkFindsEveryWholeEntryAndSaysWhereDamageAndATornEndAre() throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: DocumentPacks.directory(root: root, bucket: "b"), withIntermediateDirectories: true)
        let packs = DocumentPacks(root: root)
        let entries = (0..<20).map { DocumentPackEntry.document(hash: Self.hash, Array(repeating: UInt8($0), count: 10 + $0)) }
        let locations = try packs.append(entries, bucket: "b")
        #expect(locations.map(\.pack) == Array(repeating: 1, count: 20))
        for (entry, location) in zip(entries, locations) {
            #expect(try DocumentPacks.read(root: root, bucket: "b", at: location) == entry)
            #expect(location.size == Int64(entry.size))
        }
        let path = DocumentPacks.path(root: root, bucket: "b", number: 1)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // Entry 5's document damaged, and half of one more entry at the end.
        bytes[Int(locations[5].offset) + DocumentPackEntry.headerSize + DocumentPackEntry.hashSize] ^= 1
        bytes += Array(entries[0].encoded().prefix(30))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var found: [Int64] = []
        let walk = DocumentPacks.walk(path) { offset, _ in found.append(offset) }
        #expect(found == locations.map(\.offset).filter { $0 != locations[5].offset })
        #expect(walk.damagedAt == [locations[5].offset])
        #expect(walk.tornTailAt == locations[19].offset + locations[19].size)
        #expect(throws: DocumentPacks.Damaged.self) { _ = try DocumentPacks.read(root: root, bucket: "b", at: locations[5]) }
        // A new instance, as after a restart, starts a new pack.
        #expect(try DocumentPacks(root: root).append([entries[0]], bucket: "b").first?.pack == 2)
        #expect(DocumentPacks.numbers(root: root, bucket: "b") == [1, 2])
    }

    /// Whole entries among random bytes, and among bytes that look like headers (the magic, sizes
    /// past the end): a walk finds each of them, in order, and never traps.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func aWalkFindsWholeEntriesAmongAnyBytes(seed: UInt64) throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var generator = SeededGenerator(seed: seed)
        var bytes: [UInt8] = []
        var offsets: [Int64] = []
        let magic = withUnsafeBytes(of: DocumentPackEntry.magic.littleEndian) { Array($0) }
        for _ in 0..<40 {
            switch Int.random(in: 0..<4, using: &generator) {
            case 0:
                bytes += (0..<Int.random(in: 1..<64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            case 1:
                // A header's start that announces more than there is, or less than a hash.
                bytes += magic + [0xFF, 0xFF, 0, 0, 1] + magic + [3, 0, 0, 0]
            default:
                let entry = DocumentPackEntry.document(hash: Self.hash, (0..<Int.random(in: 1..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
                offsets.append(Int64(bytes.count))
                bytes += entry.encoded()
            }
        }
        let path = root + "/" + DocumentPacks.fileName(1)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var found: [Int64] = []
        _ = DocumentPacks.walk(path) { offset, _ in found.append(offset) }
        #expect(found == offsets)
    }

    @Test func packsAreSealedAtTheirSize() throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: DocumentPacks.directory(root: root, bucket: "b"), withIntermediateDirectories: true)
        let packs = DocumentPacks(root: root, sealSize: 1000)
        let entry = DocumentPackEntry.document(hash: Self.hash, Array(repeating: 1, count: 400))
        var numbers: [Int64] = []
        for _ in 0..<5 { numbers += try packs.append([entry], bucket: "b").map(\.pack) }
        #expect(numbers == [1, 1, 2, 2, 3])
        #expect(packs.activeNumber(bucket: "b") == 3)
        // A batch larger than a pack still goes whole into one.
        #expect(try packs.append([entry, entry, entry], bucket: "b").map(\.pack) == [4, 4, 4])
        #expect(DocumentPacks.number(fileName: "0000000004.pack") == 4)
        for name in ["0000000000.pack", "000000004.pack", "000000000a.pack", "0000000004.json", "-000000004.pack"] {
            #expect(DocumentPacks.number(fileName: name) == nil, "\(name)")
        }
    }

    // MARK: A store

    static func put(_ store: ObjectStore, bucket: String, key: String, bytes: [UInt8]) async throws -> StoredObject {
        try await store.commit(
            bucket: bucket, object: StoreFixture.object(key, size: Int64(bytes.count)),
            source: .memory(ByteBuffer(bytes: bytes), staging: store.temporaryPath()))
    }

    /// Expects `store`'s bucket to hold exactly `model`'s keys, each with its bytes.
    static func expect(_ store: ObjectStore, bucket: String, _ model: [String: [UInt8]], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let listing = try await store.list(bucket: bucket, prefix: "", delimiter: nil, marker: nil, maxKeys: 1000)
        #expect(listing.objects.map(\.key) == model.keys.sorted(), sourceLocation: sourceLocation)
        for (key, bytes) in model {
            let object = try #require(try await store.object(bucket: bucket, key: key), "\(key)", sourceLocation: sourceLocation)
            #expect(try StoreFixture.storedBytes(store, bucket: bucket, object: object) == Data(bytes), "\(key)", sourceLocation: sourceLocation)
        }
    }

    /// Random writes of small (packed) and larger (a data file and a document file) bodies,
    /// overwrites between the two, and deletes, against a model; then the same keys after a
    /// clean restart, after a rebuild from the files alone, and after a crash (no clean close,
    /// the log replayed).
    @Test(arguments: [1, 2, 3])
    func aStoreWithPacksAgreesWithAModelThroughRestartsRebuildsAndCrashes(seed: UInt64) async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var generator = SeededGenerator(seed: seed)
        var model: [String: [UInt8]] = [:]
        func step(_ store: ObjectStore) async throws {
            let key = "k/\(Int.random(in: 0..<40, using: &generator))"
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<2:
                try await store.deleteObject(bucket: "box", key: key)
                model[key] = nil
            default:
                let large = Int.random(in: 0..<4, using: &generator) == 0
                let size = large ? IncomingData.Source.inlineLimit + Int.random(in: 1..<500, using: &generator) : Int.random(in: 0..<3000, using: &generator)
                let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
                _ = try await Self.put(store, bucket: "box", key: key, bytes: bytes)
                model[key] = bytes
            }
        }
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("box", acl: .private)
            for _ in 0..<300 { try await step(store) }
            try await Self.expect(store, bucket: "box", model)
            try await store.close()
        }
        do {
            let store = try await ObjectStore(path: root)
            try await Self.expect(store, bucket: "box", model)
            for _ in 0..<200 { try await step(store) }
            try await store.close()
        }
        try FileManager.default.removeItem(atPath: KeyIndex.path(root: root))
        do {
            let store = try await ObjectStore(path: root)
            try await Self.expect(store, bucket: "box", model)
            for _ in 0..<200 { try await step(store) }
            // No close: the next start replays the log and rebuilds the index.
        }
        let store = try await ObjectStore(path: root)
        try await Self.expect(store, bucket: "box", model)
        let check = try StoreCheckReport(dataDirectory: root)
        #expect(check.isClean, "\(check)")
        try await store.close()
    }

    /// A small document replacing a file of its own removes the file (which would win over the
    /// pack); a larger one replacing a pack entry is a file again; a delete leaves a removal
    /// entry, so a rebuild does not find the older entry.
    @Test func aKeyMovesBetweenItsFileAndThePacksAndADeleteStaysDeleted() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let large = Array(repeating: UInt8(1), count: IncomingData.Source.inlineLimit + 1)
        let small = Array(repeating: UInt8(2), count: 10)
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("box", acl: .private)
            let path = StoreFixture.metadataPath(store, bucket: "box", key: "k")
            _ = try await Self.put(store, bucket: "box", key: "k", bytes: large)
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(try store.index.packLocation(bucket: "box", key: "k") == nil)
            _ = try await Self.put(store, bucket: "box", key: "k", bytes: small)
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(try store.index.packLocation(bucket: "box", key: "k") != nil)
            _ = try await Self.put(store, bucket: "box", key: "gone", bytes: small)
            try await store.deleteObject(bucket: "box", key: "gone")
            try await store.close()
        }
        try FileManager.default.removeItem(atPath: KeyIndex.path(root: root))
        let store = try await ObjectStore(path: root)
        try await Self.expect(store, bucket: "box", ["k": small])
    }

    /// A key whose document moved from a pack to a file of its own (a larger version, with a data
    /// file) and whose file is then damaged: its older pack entry does not come back, and the data
    /// file the damaged document named is kept, not taken for a version the entry dropped.
    @Test func aDamagedFileOverAnOlderPackEntryLosesNoDataFile() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dataPath: String
        let documentPath: String
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("box", acl: .private)
            _ = try await Self.put(store, bucket: "box", key: "k", bytes: [1, 2, 3])
            let large = try await Self.put(store, bucket: "box", key: "k", bytes: Array(repeating: 7, count: IncomingData.Source.inlineLimit + 1))
            dataPath = store.dataPath(bucket: "box", object: large)
            documentPath = StoreFixture.metadataPath(store, bucket: "box", key: "k")
            try await store.close()
        }
        try Data("not a document".utf8).write(to: URL(fileURLWithPath: documentPath))
        try FileManager.default.removeItem(atPath: KeyIndex.path(root: root))
        let store = try await ObjectStore(path: root)
        #expect(try await store.object(bucket: "box", key: "k") == nil)
        let kept = FileManager.default.fileExists(atPath: dataPath)
            || ((try? FileManager.default.contentsOfDirectory(atPath: root + "/.mss/damaged")) ?? []).contains { $0.hasPrefix(ObjectStore.keyHash("k")) }
        #expect(kept, "the data file of the damaged document is gone")
    }

    /// A pack cut short, or overwritten with a header that announces more than any entry holds,
    /// under an index that still trusts it: a read of the lost entries is an error the client
    /// sees (500), never other bytes or a trap, and the store goes on serving and writing.
    @Test(arguments: ["truncated", "huge header"])
    func aPackDamagedUnderATrustedIndexFailsOnlyItsReads(_ how: String) async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("box", acl: .private)
            for key in ["a", "b"] { _ = try await Self.put(store, bucket: "box", key: key, bytes: Array(key.utf8)) }
            try await store.close()
        }
        let pack = DocumentPacks.path(root: root, bucket: "box", number: 1)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: pack))
        if how == "truncated" {
            try handle.truncate(atOffset: 20)
        } else {
            // Entry "a": its payload length becomes 0xFFFFFFFF.
            try handle.seek(toOffset: 4)
            try handle.write(contentsOf: Data([0xFF, 0xFF, 0xFF, 0xFF]))
        }
        try handle.close()
        let store = try await ObjectStore(path: root)
        let object = try #require(try await store.object(bucket: "box", key: "a"))
        let error = await #expect(throws: S3ServerError.self) { _ = try await store.inlineBytes(bucket: "box", object: object) }
        #expect(error?.status == .internalServerError)
        // The entry after the damaged one is read where the index says it is.
        if how == "huge header" {
            let b = try #require(try await store.object(bucket: "box", key: "b"))
            #expect(try await store.inlineBytes(bucket: "box", object: b) == Data("b".utf8))
        }
        let c = try await Self.put(store, bucket: "box", key: "c", bytes: [9])
        #expect(try await store.inlineBytes(bucket: "box", object: c) == Data([9]))
    }

    /// Overwrites leave most of the sealed packs unused; compaction moves what is still used
    /// into the active pack and removes the old packs, and every key reads back, then and after
    /// a rebuild from the files alone.
    @Test func compactionKeepsEveryKeyAndFreesThePacksNoKeyUses() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var model: [String: [UInt8]] = [:]
        do {
            let store = try await ObjectStore(path: root, packSealSize: 16 << 10)
            try await store.createBucket("box", acl: .private)
            for round in 0..<6 {
                for index in 0..<30 {
                    let bytes = Array(repeating: UInt8(truncatingIfNeeded: round * 31 + index), count: 600)
                    _ = try await Self.put(store, bucket: "box", key: "k/\(index)", bytes: bytes)
                    model["k/\(index)"] = bytes
                }
            }
            for index in 0..<5 {
                try await store.deleteObject(bucket: "box", key: "k/\(index)")
                model["k/\(index)"] = nil
            }
            let before = DocumentPacks.numbers(root: root, bucket: "box")
            #expect(before.count > 4)
            let done = try await store.compactPacks(bucket: "box")
            #expect(!done.removed.isEmpty)
            #expect(done.removed == Array(before.prefix(done.removed.count)))
            let after = DocumentPacks.numbers(root: root, bucket: "box")
            #expect(Set(after).isDisjoint(with: done.removed))
            let bytes = after.reduce(0) { total, number in
                total + ((try? FileManager.default.attributesOfItem(atPath: DocumentPacks.path(root: root, bucket: "box", number: number))[.size] as? Int) ?? 0)
            }
            // Within twice what the live documents need, and a pack's worth.
            let live = try store.index.livePackBytes(bucket: "box").values.reduce(0, +)
            #expect(Int64(bytes) <= 2 * live + (16 << 10), "\(bytes) bytes for \(live) live")
            try await Self.expect(store, bucket: "box", model)
            // Nothing more to do, and a forced pass over the oldest pack keeps every key too.
            #expect(try await store.compactPacks(bucket: "box").removed.isEmpty)
            let forced = try await store.compactPacks(bucket: "box", force: true)
            #expect(forced.removed.count <= 1)
            try await Self.expect(store, bucket: "box", model)
            try await store.close()
        }
        try FileManager.default.removeItem(atPath: KeyIndex.path(root: root))
        let store = try await ObjectStore(path: root)
        try await Self.expect(store, bucket: "box", model)
        let check = try StoreCheckReport(dataDirectory: root)
        #expect(check.isClean, "\(check)")
    }

    /// A bucket emptied and deleted takes its packs; one of the same name made later starts
    /// from nothing, and no entry of the old one comes back.
    @Test func aDeletedBucketTakesItsPacks() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("box", acl: .private)
            _ = try await Self.put(store, bucket: "box", key: "k", bytes: [1, 2, 3])
            try await store.deleteObject(bucket: "box", key: "k")
            try await store.deleteBucket("box")
            #expect(!FileManager.default.fileExists(atPath: DocumentPacks.directory(root: root, bucket: "box")))
            try await store.createBucket("box", acl: .private)
            _ = try await Self.put(store, bucket: "box", key: "other", bytes: [4])
            #expect(DocumentPacks.numbers(root: root, bucket: "box") == [1])
            try await store.close()
        }
        try FileManager.default.removeItem(atPath: KeyIndex.path(root: root))
        let store = try await ObjectStore(path: root)
        try await Self.expect(store, bucket: "box", ["other": [4]])
    }

    /// Opened without a log (where the filesystem cannot be flushed as a whole), a bucket with
    /// packs writes documents to files, which win over its entries, and makes a removal entry
    /// durable before the key's file goes.
    @Test func withoutALogDeletesOfPackedKeysStayDeleted() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            let store = try await ObjectStore(path: root)
            try await store.createBucket("box", acl: .private)
            for key in ["a", "b", "c"] { _ = try await Self.put(store, bucket: "box", key: key, bytes: Array(key.utf8)) }
            try await store.close()
        }
        do {
            let store = try await ObjectStore(path: root, writeLog: nil)
            try await store.deleteObject(bucket: "box", key: "a")
            _ = try await Self.put(store, bucket: "box", key: "b", bytes: [9])
            try await store.close()
        }
        try FileManager.default.removeItem(atPath: KeyIndex.path(root: root))
        let store = try await ObjectStore(path: root)
        try await Self.expect(store, bucket: "box", ["b": [9], "c": Array("c".utf8)])
    }
}

/// A small deterministic generator (SplitMix64), so a failing seed fails again.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
