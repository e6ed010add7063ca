import Foundation
import Testing

@testable import MSS

/// A key is its bucket and name: what a key last learned about its object (HEAD, copy) does not
/// change which object it names.
@Suite("Key identity")
struct KeyIdentityTests {
    @Test func keysWithAndWithoutInfoAreEqualAndHashAlike() async throws {
        let connection = try S3Connection(credentials: .anonymous, configuration: .init(host: "127.0.0.1", port: 1))
        let bucket = Bucket(connection: connection, name: "photos")
        let fresh = bucket.newKey("a.jpg")
        var fetched = bucket.newKey("a.jpg")
        fetched.info = ObjectInfo(key: "a.jpg", size: 3, etag: "\"abc\"")
        #expect(fresh == fetched)
        #expect(fresh.hashValue == fetched.hashValue)
        #expect(Set([fresh, fetched]).count == 1)
        #expect(fresh != bucket.newKey("b.jpg"))
        #expect(fresh != Bucket(connection: connection, name: "other").newKey("a.jpg"))
        try await connection.shutdown()
    }
}
