import Foundation
import MSS
import S3Protocol
import Testing

/// GetObjectAttributes through the SDK. mss-server answers it; Ceph RGW 16 does not have the
/// operation (it ignores `?attributes` and sends the object), and the SDK must say so with a typed
/// error rather than hand back nonsense.
@Suite struct ObjectAttributesTests {
    static let supporting = Targets.strict.filter { $0.server != "rgw" }
    static let lacking = Targets.strict.filter { $0.server == "rgw" }

    @Test(.enabled(if: !supporting.isEmpty), arguments: supporting)
    func attributesOfVersionsAndParts(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "attrs") { _, bucket in
            try await bucket.setVersioning(enabled: true)
            let key = bucket.newKey("doc.txt")
            let old = try #require(try await key.setContents("hello").versionID)
            let new = try #require(try await key.setContents("hello, world").versionID)

            let current = try await key.attributes([.etag, .objectSize, .storageClass])
            #expect(current.key == "doc.txt")
            #expect(current.etag == Digests.md5Hex(Data("hello, world".utf8)))
            #expect(current.size == 12)
            #expect(current.storageClass == "STANDARD")
            #expect(current.versionID == new)
            #expect(current.lastModified != nil)
            #expect(!current.isDeleteMarker)
            #expect(current.objectParts == nil && current.checksum == nil)

            // Only what was asked comes back; an old version is addressed by its id.
            let older = try await key.attributes([.objectSize], versionID: old)
            #expect(older.size == 5 && older.etag == nil && older.storageClass == nil)
            #expect(older.versionID == old)

            // A multipart object tells its part count; a single PUT has no parts.
            let upload = try await bucket.initiateMultipartUpload("parts.bin")
            try await upload.uploadPart(partNumber: 1, data: Data(repeating: 7, count: 5 << 20))
            try await upload.uploadPart(partNumber: 2, data: Data("tail".utf8))
            let completed = try await upload.complete()
            let parts = try await bucket.newKey("parts.bin").attributes([.objectParts, .etag, .objectSize], maxParts: 10)
            #expect(parts.objectParts?.totalPartsCount == 2)
            #expect(parts.etag == completed.etag && parts.etag?.hasSuffix("-2") == true)
            #expect(parts.size == Int64(5 << 20) + 4)
            #expect(parts.versionID == completed.versionID)
            #expect(try await key.attributes([.objectParts]).objectParts == nil)

            // A missing key and a hidden one are S3 errors; bad arguments never leave the client.
            await #expect { _ = try await bucket.newKey("missing").attributes([.etag]) } throws: {
                ($0 as? S3Error)?.code == .noSuchKey
            }
            try await key.delete()
            await #expect { _ = try await key.attributes([.etag]) } throws: { ($0 as? S3Error)?.status == 404 }
            #expect(try await key.attributes([.etag], versionID: new).etag == current.etag)
            await #expect { _ = try await key.attributes([]) } throws: { ($0 as? MSSClientError)?.kind == .invalidArgument }
            await #expect { _ = try await key.attributes([.objectParts], maxParts: 0) } throws: {
                ($0 as? MSSClientError)?.kind == .invalidArgument
            }
            await #expect { _ = try await key.attributes([.objectParts], partNumberMarker: 10_001) } throws: {
                ($0 as? MSSClientError)?.kind == .invalidArgument
            }
        }
    }

    /// Ceph RGW 16 takes `GET ?attributes` for a plain GET and sends the object: the SDK reports
    /// an unreadable answer (or, from a server that refuses the operation, its S3 error).
    @Test(.enabled(if: !lacking.isEmpty), arguments: lacking)
    func serversWithoutTheOperationGiveATypedError(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "noattrs") { _, bucket in
            let key = bucket.newKey("doc.txt")
            try await key.setContents("hello")
            await #expect {
                _ = try await key.attributes([.etag, .objectSize])
            } throws: { error in
                if let error = error as? MSSClientError { return error.kind == .invalidResponse }
                if let error = error as? S3Error { return [400, 405, 501].contains(error.status) }
                return false
            }
        }
    }
}
