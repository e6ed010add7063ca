import Foundation
import MSS
import S3Protocol
import Testing

/// If-Match, If-None-Match and the date conditions on reads, writes and copies, against every
/// server that verifies signatures.
@Suite struct ConditionalRequestTests {
    /// Ceph RGW ignores `x-amz-copy-source-if-*` and has no conditional CopyObject or
    /// CompleteMultipartUpload (checked with boto3 too: a copy with a wrong
    /// CopySourceIfMatch succeeds), so those tests run on the other strict servers.
    static let conditionalCopyServers = Targets.strict.filter { $0.server != "rgw" }

    static func status(_ error: any Error) -> (Int, S3ErrorCode)? {
        (error as? S3Error).map { ($0.status, $0.code) }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func conditionalReads(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "condget") { _, bucket in
            let key = bucket.newKey("k")
            let etag = try #require(try await key.setContents("payload").etag)
            let info = try #require(try await key.info())
            let modified = try #require(info.lastModified)

            #expect(try await key.string(conditions: .ifMatch(etag)) == "payload")
            #expect(try await key.string(conditions: .ifMatch("\"\(etag)\"")) == "payload")
            #expect(try await key.string(conditions: .ifNoneMatch("0123456789abcdef0123456789abcdef")) == "payload")
            #expect(try await key.string(conditions: .ifModifiedSince(modified.addingTimeInterval(-3600))) == "payload")
            #expect(try await key.string(conditions: .ifUnmodifiedSince(modified.addingTimeInterval(3600))) == "payload")

            await #expect { _ = try await key.string(conditions: .ifMatch("0123456789abcdef0123456789abcdef")) } throws: {
                Self.status($0)! == (412, .preconditionFailed)
            }
            await #expect { _ = try await key.string(conditions: .ifUnmodifiedSince(modified.addingTimeInterval(-3600))) } throws: {
                Self.status($0)! == (412, .preconditionFailed)
            }
            await #expect { _ = try await key.data(conditions: .ifNoneMatch(etag)) } throws: {
                Self.status($0)! == (304, .notModified)
            }
            await #expect { _ = try await key.data(conditions: .ifModifiedSince(modified.addingTimeInterval(3600))) } throws: {
                Self.status($0)! == (304, .notModified)
            }
            // HEAD answers the same statuses, without a body.
            #expect(try await key.info(conditions: .ifMatch(etag))?.etag == etag)
            await #expect { _ = try await key.info(conditions: .ifMatch("0123456789abcdef0123456789abcdef")) } throws: {
                Self.status($0)?.0 == 412
            }
            await #expect { _ = try await key.info(conditions: .ifNoneMatch(etag)) } throws: { Self.status($0)?.0 == 304 }
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func conditionalWrites(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "condput") { _, bucket in
            let key = bucket.newKey("once")
            let first = try #require(try await key.setContents("first", options: PutOptions(conditions: .ifAbsent)).etag)
            await #expect {
                try await key.setContents("second", options: PutOptions(conditions: .ifAbsent))
            } throws: { Self.status($0)! == (412, .preconditionFailed) }
            #expect(try await key.string() == "first")

            await #expect {
                try await key.setContents("stale", options: PutOptions(conditions: .ifMatch("0123456789abcdef0123456789abcdef")))
            } throws: { Self.status($0)?.0 == 412 }
            // Quoted as S3 sends it or bare, the ETag matches.
            try await key.setContents("again", options: PutOptions(conditions: .ifMatch("\"\(first)\"")))
            let again = try #require(try await key.info()?.etag)
            let replaced = try await key.setContents("replaced", options: PutOptions(conditions: .ifMatch(again)))
            #expect(try await key.string() == "replaced")
            #expect(replaced.etag == Digests.md5Hex(Data("replaced".utf8)))

            // Conditions S3 does not take on writes are refused before anything is sent.
            await #expect {
                try await key.setContents("x", options: PutOptions(conditions: .ifModifiedSince(Date())))
            } throws: { ($0 as? MSSClientError)?.kind == .invalidArgument }
            #expect(try await key.string() == "replaced")
        }
    }

    @Test(.enabled(if: !conditionalCopyServers.isEmpty), arguments: conditionalCopyServers)
    func conditionalCopies(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "condcopy") { _, bucket in
            let source = bucket.newKey("source")
            let etag = try #require(try await source.setContents("source text").etag)
            try await source.copy(key: "copy1", sourceConditions: .ifMatch(etag))
            #expect(try await bucket.newKey("copy1").string() == "source text")
            await #expect {
                try await source.copy(key: "copy2", sourceConditions: .ifMatch("0123456789abcdef0123456789abcdef"))
            } throws: { Self.status($0)! == (412, .preconditionFailed) }
            await #expect {
                try await source.copy(key: "copy2", sourceConditions: .ifNoneMatch(etag))
            } throws: { Self.status($0)?.0 == 412 }
            #expect(try await bucket.newKey("copy2").info() == nil)
        }
    }

    /// Create-only copies and multipart completions (`If-None-Match: *` on CopyObject and
    /// CompleteMultipartUpload) are newer S3 features; mss-server implements them.
    @Test(.enabled(if: !conditionalCopyServers.isEmpty), arguments: conditionalCopyServers)
    func createOnlyCopyAndCompletion(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "condmpu") { _, bucket in
            try await bucket.newKey("taken").setContents("already here")
            try await bucket.newKey("source").setContents("source text")
            await #expect {
                try await bucket.newKey("source").copy(key: "taken", conditions: .ifAbsent)
            } throws: { Self.status($0)?.0 == 412 }
            #expect(try await bucket.newKey("taken").string() == "already here")
            try await bucket.newKey("source").copy(key: "free", conditions: .ifAbsent)
            #expect(try await bucket.newKey("free").string() == "source text")

            let upload = try await bucket.initiateMultipartUpload("taken")
            try await upload.uploadPart(partNumber: 1, data: Data("part".utf8))
            await #expect { try await upload.complete(conditions: .ifAbsent) } throws: { Self.status($0)?.0 == 412 }
            #expect(try await bucket.newKey("taken").string() == "already here")
            try await upload.cancel()
        }
    }
}
