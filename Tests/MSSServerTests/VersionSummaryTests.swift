import Foundation
import Testing

@testable import MSSServer

/// The compact form of a key's versions kept in the index for version listings.
@Suite struct VersionSummaryTests {
    @Test func everyVersionReadsBackAsItsListing() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<200 {
            let key = "k/\(round)/é😀"
            let versions = (0...Int(generator.next() % 5)).map { index -> StoredObject in
                var object = StoreFixture.object(key, size: Int64(bitPattern: generator.next()) & 0x3FF_FFFF_FFFF)
                object.etag = index % 2 == 0 ? "" : String(repeating: "ab", count: Int(generator.next() % 40))
                object.versionID = index % 3 == 0 ? nil : "v\(generator.next())"
                object.isDeleteMarker = generator.next() % 4 == 0
                object.lastModified = Date(timeIntervalSince1970: Double(generator.next() % 4_000_000_000_000) / 1000)
                object.acl = generator.next() % 2 == 0 ? .private : StoredACL(owner: "user-\(index)", grants: [])
                return object
            }
            let stored = try #require(StoredKey(versions: versions))
            #expect(try VersionSummary.decode(VersionSummary.encode(stored), key: key) == versions.map(ListedVersion.init))
        }
    }

    /// A damaged index answers an error, never a trap or a version made of stray bytes.
    @Test func truncatedOrLyingBytesAreRefused() throws {
        var object = StoreFixture.object("k")
        object.versionID = "v1"
        object.acl = StoredACL(owner: "owner", grants: [])
        let bytes = VersionSummary.encode(try #require(StoredKey(versions: [object])))
        for length in 1..<bytes.count {
            #expect(throws: VersionSummary.Damaged.self) { try VersionSummary.decode(Array(bytes[..<length]), key: "k") }
        }
        var lying = bytes
        lying[17] = 0xFF  // the ETag's length, now past the end
        lying[18] = 0xFF
        lying[19] = 0xFF
        lying[20] = 0x7F
        #expect(throws: VersionSummary.Damaged.self) { try VersionSummary.decode(lying, key: "k") }
        #expect(try VersionSummary.decode([], key: "k").isEmpty)
    }
}
