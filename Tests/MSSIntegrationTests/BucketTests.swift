import Foundation
import MSS
import S3Protocol
import Testing

@Suite struct BucketTests {
    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func lifecycle(_ target: TestTarget) async throws {
        try await target.withConnection { conn in
            let names = (0..<3).map { target.uniqueBucketName("life\($0)") }
            for name in names { try await conn.createBucket(name) }
            // ListBuckets returns them in name order.
            let listed = try await conn.allBuckets().map(\.name).filter { names.contains($0) }
            #expect(listed == names.sorted())
            let info = try await conn.allBuckets().first { $0.name == names[0] }
            #expect(info?.creationDate != nil)
            // get with and without validation
            #expect(try await conn.bucket(names[0]).name == names[0])
            #expect(try await conn.bucket("mss-missing-\(UInt32.random(in: 0...UInt32.max))", validate: false).name.hasPrefix("mss-missing-"))
            // delete, then lookup finds nothing and HEAD fails with a typed NoSuchBucket
            for name in names { try await conn.deleteBucket(name) }
            #expect(try await conn.lookup(bucket: names[1]) == nil)
            #expect(try await !conn.contains(bucket: names[1]))
            let error = await #expect(throws: S3Error.self) { try await conn.headBucket(names[1]) }
            #expect(error?.code == .noSuchBucket)
            #expect(error?.status == 404)
            let validated = await #expect(throws: S3Error.self) { try await conn.bucket(names[2]) }
            #expect(validated?.code == .noSuchBucket)
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func deleteNonEmptyAndMissing(_ target: TestTarget) async throws {
        try await target.withBucket { conn, bucket in
            try await bucket.newKey("x").setContents("x")
            let notEmpty = await #expect(throws: S3Error.self) { try await bucket.delete() }
            #expect(notEmpty?.code == .bucketNotEmpty)
            #expect(notEmpty?.status == 409)
            #expect(try await conn.contains(bucket: bucket.name))
            let missing = await #expect(throws: S3Error.self) {
                try await conn.deleteBucket(target.uniqueBucketName("gone"))
            }
            #expect(missing?.code == .noSuchBucket)
            let missingList = await #expect(throws: S3Error.self) {
                _ = try await Bucket(connection: conn, name: target.uniqueBucketName("gone")).allKeys()
            }
            #expect(missingList?.code == .noSuchBucket)
            #expect(missingList?.requestID?.isEmpty == false || target.server == "moto")
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func createExistingBucket(_ target: TestTarget) async throws {
        try await target.withBucket { conn, bucket in
            // S3 in us-east-1 (and RGW) answer success or BucketAlreadyOwnedByYou/Exists: never silent data loss.
            do {
                try await conn.createBucket(bucket.name)
            } catch let error as S3Error {
                #expect([S3ErrorCode.bucketAlreadyOwnedByYou, .bucketAlreadyExists].contains(error.code))
            }
            try await bucket.newKey("still-here").setContents("yes")
            #expect(try await bucket.newKey("still-here").string() == "yes")
        }
    }

    @Test func invalidBucketNamesAreRejectedBeforeAnyRequest() async throws {
        // Port 9 (discard) on an unroutable setup: were a request sent, a TransportError would follow.
        let conn = try S3Connection(accessKey: "a", secretKey: "b", host: "127.0.0.1", port: 9, retry: .none)
        for name in ["ab", "Upper", "under_score", "-lead", "trail-", "a..b", "192.168.1.1", String(repeating: "a", count: 64), "xn--abc"] {
            let error = await #expect(throws: MSSClientError.self) { try await conn.createBucket(name) }
            #expect(error?.kind == .invalidArgument, "\(name)")
        }
        let emptyKey = await #expect(throws: MSSClientError.self) {
            try await Bucket(connection: conn, name: "fine").newKey("").setContents("x")
        }
        #expect(emptyKey?.kind == .invalidArgument)
        let longKey = await #expect(throws: MSSClientError.self) {
            try await Bucket(connection: conn, name: "fine").newKey(String(repeating: "k", count: 1025)).setContents("x")
        }
        #expect(longKey?.message.contains("1025") == true)
        try await conn.shutdown()
    }

    @Test func unreachableServerIsATransportError() async throws {
        let conn = try S3Connection(
            accessKey: "a", secretKey: "b", host: "127.0.0.1", port: 9,
            retry: RetryPolicy(maxAttempts: 2, baseDelay: .milliseconds(1)))
        let error = await #expect(throws: TransportError.self) { _ = try await conn.allBuckets() }
        #expect(error?.attempts == 2)
        try await conn.shutdown()
    }
}
