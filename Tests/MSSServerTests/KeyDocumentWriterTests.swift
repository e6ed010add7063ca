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
        object.formatVersion = FormatVersion(rawValue: Int.random(in: 1...3, using: &generator))
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
            let stored = try #require(StoredKey(versions: versions))
            let written = try #require(KeyDocumentWriter.encode(stored))
            let expected = try encoder.encode(stored)
            let same = zip(written, expected).prefix { $0 == $1 }.count
            #expect(
                written == expected,
                "after \(String(decoding: written.prefix(same).suffix(80), as: UTF8.self).debugDescription), written \(String(decoding: written.dropFirst(same).prefix(60), as: UTF8.self).debugDescription) against JSONEncoder's \(String(decoding: expected.dropFirst(same).prefix(60), as: UTF8.self).debugDescription)")
            if written != expected { return }
            #expect(try JSONDecoder.documents.decode(StoredKey.self, from: written) == JSONDecoder.documents.decode(StoredKey.self, from: expected))
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

extension JSONDecoder {
    /// How the store reads documents.
    fileprivate static var documents: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }
}
