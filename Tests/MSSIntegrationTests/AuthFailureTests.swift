import Foundation
import MSS
import S3Protocol
import Testing

/// What a strict server must refuse, and how the library reports it.
@Suite struct AuthFailureTests {
    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func wrongSecretIsSignatureDoesNotMatch(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let wrong = try target.connection(secretKey: target.secretKey + "x")
            defer { Task { try? await wrong.shutdown() } }
            let error = await #expect(throws: S3Error.self) { _ = try await wrong.allBuckets() }
            #expect(error?.code == .signatureDoesNotMatch)
            #expect(error?.status == 403)
            let write = await #expect(throws: S3Error.self) {
                try await Bucket(connection: wrong, name: bucket.name).newKey("nope").setContents("x")
            }
            #expect(write?.code == .signatureDoesNotMatch)
            #expect(try await !bucket.contains(key: "nope"))
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func unknownAccessKey(_ target: TestTarget) async throws {
        let stranger = try S3Connection(
            accessKey: "UNKNOWNKEY0000000000", secretKey: "whatever", host: target.host, port: target.port,
            signatureVersion: target.signatureVersion)
        let error = await #expect(throws: S3Error.self) { _ = try await stranger.allBuckets() }
        #expect(error?.code == .invalidAccessKeyId)
        try await stranger.shutdown()
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func anonymousAccessFollowsTheACL(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            try await bucket.newKey("public.txt").setContents("for all", options: PutOptions(acl: .publicRead))
            try await bucket.newKey("private.txt").setContents("for me")
            let anonymous = try target.anonymousConnection()
            let open = Bucket(connection: anonymous, name: bucket.name)
            #expect(try await open.newKey("public.txt").string() == "for all")
            let denied = await #expect(throws: S3Error.self) { _ = try await open.newKey("private.txt").string() }
            #expect(denied?.code == .accessDenied)
            let write = await #expect(throws: S3Error.self) { try await open.newKey("graffiti").setContents("x") }
            #expect(write?.status == 403)
            // Flip the private object to public and back.
            try await bucket.newKey("private.txt").setACL(.publicRead)
            #expect(try await open.newKey("private.txt").string() == "for me")
            try await bucket.newKey("private.txt").setACL(.private)
            await #expect(throws: S3Error.self) { _ = try await open.newKey("private.txt").string() }
            try await anonymous.shutdown()
        }
    }
}
