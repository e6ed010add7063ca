import Foundation
import Testing

@testable import MSSServer

/// Documents written without `JSONEncoder` are the bytes `JSONEncoder` writes.
@Suite struct KeyDocumentWriterTests {
    /// Characters a key, a value or a header may hold that JSON escapes or orders differently.
    private static let pieces: [String] = [
        "a", "B", "z", "0", "9", "10", "x9", "x10", "_", "-", " ", "\"", "\\", "/", "é", "É", "😀", "ﬁ", "ａ", "\u{7F}", "\u{80}",
        "\u{2028}", "\u{FEFF}",
    ] + (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }

    private static func text(_ generator: inout some RandomNumberGenerator, maximum: Int = 12) -> String {
        (0..<Int.random(in: 0...maximum, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    private static func names(_ generator: inout some RandomNumberGenerator) -> [String: String] {
        let pool = ["x9", "x10", "x1", "a", "A", "b", "B2", "b10", "cache-control", "content-disposition", "crc32", "sha256", "z-1", "z_1", "é"]
        var values: [String: String] = [:]
        for _ in 0..<Int.random(in: 0...5, using: &generator) {
            values[pool.randomElement(using: &generator)!] = text(&generator)
        }
        return values
    }

    private static func acl(_ generator: inout some RandomNumberGenerator) -> StoredACL {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: return .private
        case 1: return .publicRead
        default:
            let grants = (0..<Int.random(in: 0...3, using: &generator)).map { _ in
                StoredGrant(
                    Bool.random(using: &generator) ? .user(text(&generator)) : .group(ACLGroup.allCases.randomElement(using: &generator)!),
                    ACLPermission.allCases.randomElement(using: &generator)!)
            }
            return StoredACL(owner: Bool.random(using: &generator) ? text(&generator) : nil, grants: grants)
        }
    }

    private static func version(_ key: String, _ generator: inout some RandomNumberGenerator) -> StoredObject {
        var object = StoreFixture.object(key, size: Int64.random(in: 0...Int64.max, using: &generator))
        object.etag = text(&generator)
        object.contentType = Bool.random(using: &generator) ? text(&generator) : nil
        object.contentHeaders = names(&generator)
        object.metadata = names(&generator)
        object.checksums = names(&generator)
        object.acl = acl(&generator)
        object.version = text(&generator)
        object.versionID = Bool.random(using: &generator) ? text(&generator) : nil
        object.deleteMarker = [nil, true, false].randomElement(using: &generator)!
        object.inline = [nil, true, false].randomElement(using: &generator)!
        object.formatVersion = FormatVersion(rawValue: Int.random(in: 1...4, using: &generator))
        // Whole milliseconds, as the store makes them, and arbitrary instants, as documents of
        // other writers may hold.
        let seconds = Double.random(in: -1e10...1e10, using: &generator)
        object.lastModified = Date(timeIntervalSince1970: Bool.random(using: &generator) ? (seconds * 1000).rounded(.down) / 1000 : seconds)
        return object
    }

    @Test func randomDocumentsAreJSONEncodersBytes() throws {
        var generator = SystemRandomNumberGenerator()
        let encoder = ObjectStore.documentEncoder()
        for _ in 0..<3000 {
            let key = Self.text(&generator, maximum: 20)
            let versions = (0...Int.random(in: 0...3, using: &generator)).map { _ in Self.version(key, &generator) }
            var stored = try #require(StoredKey(versions: versions))
            // Bytes of any length and value, base64 with its slashes escaped, under any version name.
            for version in versions where version.isInline && Bool.random(using: &generator) {
                stored.inlineBytes[version.version] = Data((0..<Int.random(in: 0...700, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            }
            let written = try #require(KeyDocumentWriter.encode(stored))
            let expected = try encoder.encode(stored)
            let same = zip(written, expected).prefix { $0 == $1 }.count
            #expect(
                written == expected,
                "after \(String(decoding: written.prefix(same).suffix(80), as: UTF8.self).debugDescription), written \(String(decoding: written.dropFirst(same).prefix(60), as: UTF8.self).debugDescription) against JSONEncoder's \(String(decoding: expected.dropFirst(same).prefix(60), as: UTF8.self).debugDescription)")
            if written != expected { return }
            #expect(try KeyIndex.decode([UInt8](written)) == KeyIndex.decode([UInt8](expected)))
            // The index's copy, cut out of the same bytes, is what the key without its bytes encodes to.
            let pair = try #require(KeyDocumentWriter.encodeWithoutInlineBytes(stored))
            #expect(pair.document == written)
            #expect(pair.withoutInlineBytes == (try encoder.encode(stored.withoutInlineBytes)))
        }
    }

    /// Hostile keys, values and versions written through the store, read back by a start that
    /// rebuilds the index from nothing but the documents the writer made.
    @Test func hostileDocumentsSurviveARebuildFromTheFiles() async throws {
        let root = try StoreFixture.directory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await ObjectStore(path: root)
        try await store.createBucket("hostile", acl: .private)
        try await store.setVersioning("hostile", .enabled)
        let keys = [
            "\u{0}\u{1}\u{1F}\u{7F}\"\\/\u{2028}\u{FEFF}😀", String(repeating: "é\\", count: 300), "x10/x9/..//./%00",
        ]
        var written: [String: StoredKey] = [:]
        for (number, key) in keys.enumerated() {
            for round in 0..<3 {
                let path = store.temporaryPath()
                #expect(FileManager.default.createFile(atPath: path, contents: Data("\(round)".utf8)))
                var object = StoreFixture.object(key, size: 1)
                object.metadata = ["x10": "\u{0}\"\\", "x9": String(repeating: "/", count: 2048), "A": "\u{2028}"]
                object.contentHeaders = ["content-disposition": "attachment; filename=\"\u{1}.txt\""]
                object.checksums = ["crc32": "AAAAAA=="]
                object.contentType = "text/plain; charset=\"utf-8\""
                object.acl = StoredACL(owner: "o\u{0}", grants: [StoredGrant(.user("o\u{0}"), .fullControl), StoredGrant(.group(.allUsers), .read)])
                // The last key's document goes through JSONEncoder, the others' through the writer.
                if number == keys.count - 1, round == 1 { object.tags = [StoredTag(key: "t\u{1}", value: "/")] }
                try await store.commit(bucket: "hostile", object: object, temporaryPath: path)
            }
            try await store.deleteObject(bucket: "hostile", key: key)
            // As a document holds it: dates in whole milliseconds.
            let stored = try #require(try await store.storedKey(bucket: "hostile", key: key))
            written[key] = try KeyIndex.decode([UInt8](KeyDocumentWriter.document(stored, fallback: ObjectStore.documentEncoder())))
        }
        try await store.close()
        try FileManager.default.removeItem(atPath: KeyIndex.path(root: root))
        let reopened = try await ObjectStore(path: root)
        for key in keys {
            let read = try await reopened.storedKey(bucket: "hostile", key: key)
            #expect(read?.versions.count == 4)
            #expect(read == written[key])
        }
    }

    @Test func documentsWithTagsEncryptionOrEndlessDatesAreLeftToJSONEncoder() throws {
        var object = StoreFixture.object("k")
        object.tags = [StoredTag(key: "a", value: "b")]
        #expect(KeyDocumentWriter.encode(StoredKey(object)) == nil)
        var plain = StoreFixture.object("k")
        plain.versionID = "v2"
        #expect(KeyDocumentWriter.encode(StoredKey(plain, noncurrent: [object])) == nil)
        plain.lastModified = Date(timeIntervalSince1970: .infinity)
        #expect(KeyDocumentWriter.encode(StoredKey(plain)) == nil)
        #expect(throws: (any Error).self) { try KeyDocumentWriter.document(StoredKey(plain), fallback: ObjectStore.documentEncoder()) }
    }
}
