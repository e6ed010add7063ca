import Foundation
import MSS
import S3Protocol
import Testing

/// The seed README's quick start, step by step, in Swift, against each server.
@Suite(.serialized) struct QuickStartTests {
    @Test func serversAreConfigured() {
        if TestTarget.required {
            #expect(!TestTarget.all.isEmpty, "MSS_TEST_SERVERS names no server")
            #expect(!TestTarget.strict.isEmpty, "no strict (signature-verifying) server configured")
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func quickStart(_ target: TestTarget) async throws {
        let files = try TemporaryDirectory()
        // conn = S3Connection(aws_access_key_id=..., aws_secret_access_key=..., port=..., host=...)
        let conn = try S3Connection(
            accessKey: target.accessKey, secretKey: target.secretKey, host: target.host, port: target.port,
            signatureVersion: target.signatureVersion)
        let name0 = target.uniqueBucketName("qs0")
        let name1 = target.uniqueBucketName("qs1")
        do {
            // create bucket
            let b0 = try await conn.createBucket(name0)
            let b1 = try await conn.createBucket(name1)
            #expect(b0.name == name0 && b1.name == name1)
            // get buckets
            let names = try await conn.allBuckets().map(\.name)
            #expect(names.contains(name0) && names.contains(name1))
            // get bucket
            let got = try await conn.bucket(name1)
            #expect(got == b1)
            // delete bucket
            try await conn.deleteBucket(got)
            #expect(try await conn.lookup(bucket: name1) == nil)
            // head bucket
            try await conn.headBucket(name0)
            // bucket in
            #expect(try await conn.contains(bucket: name0))
            #expect(try await !conn.contains(bucket: name1))
            // get bucket keys
            #expect(try await b0.allKeys().isEmpty)

            // handle key
            let bucket = try await conn.bucket(name0)
            let k0 = bucket.newKey("key0")
            try await k0.setContents("hello key0")
            let fileW1 = try files.makeFile("file_w1", size: 100_000)
            let k1 = Key(bucket: bucket, name: "key1")
            try await k1.setContents(fromFile: fileW1)
            #expect(try await bucket.allKeys().map(\.key) == ["key0", "key1"])

            // get key
            let fetched = try #require(try await bucket.key("key0"))
            #expect(try await fetched.string() == "hello key0")
            #expect(fetched.info?.size == 10)
            let fileR1 = files.file("file_r1")
            try await Key(bucket: bucket, name: "key1").contents(toFile: fileR1)
            #expect(try md5Hex(ofFile: fileR1) == (try md5Hex(ofFile: fileW1)))

            // delete key, lookup key
            try await bucket.deleteKey("key0")
            #expect(try await bucket.lookup("key0") == nil)

            // tmp url
            let url = try k1.generateURL(expiresIn: 300)
            let answer = try await PlainHTTP.request(url)
            #expect(answer.status == 200)
            #expect(Digests.md5Hex(answer.body) == (try md5Hex(ofFile: fileW1)))

            // handle multipart: chunk files uploaded as parts 1...n
            var chunks = Data()
            let upload = try await bucket.initiateMultipartUpload("multipartkey")
            for index in 0..<3 {
                let path = try files.makeFile("chunk\(index)", size: index == 2 ? 1234 : 5 << 20, seed: UInt64(index + 10))
                try await upload.uploadPart(partNumber: index + 1, fromFile: path)
                chunks += try Data(contentsOf: URL(fileURLWithPath: path))
            }
            let result = try await upload.complete()
            #expect(result.etag?.hasSuffix("-3") == true)
            let assembled = try await bucket.newKey("multipartkey").data()
            #expect(Digests.md5Hex(assembled) == Digests.md5Hex(chunks))

            await target.cleanUp(bucket)
        } catch {
            await target.cleanUp(Bucket(connection: conn, name: name0))
            await target.cleanUp(Bucket(connection: conn, name: name1))
            try? await conn.shutdown()
            throw error
        }
        try await conn.shutdown()
    }
}
