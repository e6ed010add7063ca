import Foundation
import MSS
import S3Protocol
import Testing
import NIOCore

/// The behaviour the Python `mssapi` SDK's own tests check (mss-protocol.md, "The Python SDK's own
/// tests"), one test per test module of theirs.
@Suite struct PythonSDKChecklistTests {
    /// connection: three buckets listed in order, get, delete then lookup finds nothing, HEAD of a
    /// missing bucket fails, get without validation, `name in conn`.
    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func connection(_ target: TestTarget) async throws {
        try await target.withConnection { conn in
            let names = ["a", "b", "c"].map { target.uniqueBucketName("conn-\($0)") }.sorted()
            for name in names.reversed() { try await conn.createBucket(name) }
            let listed = try await conn.allBuckets().map(\.name).filter(names.contains)
            // S3 and RGW list buckets by name; moto lists them in creation order.
            #expect(target.server == "moto" ? Set(listed) == Set(names) : listed == names)
            #expect(try await conn.bucket(names[0]).name == names[0])
            #expect(try await conn.contains(bucket: names[1]))
            for name in names { try await conn.deleteBucket(name) }
            #expect(try await conn.lookup(bucket: names[0]) == nil)
            await #expect(throws: S3Error.self) { try await conn.headBucket(names[0]) }
            let unvalidated = try await conn.bucket(names[0], validate: false)
            #expect(unvalidated.name == names[0])
        }
    }

    /// bucket: keys listed in order, copy, list with prefix, prefix and delimiter giving common
    /// prefixes, get, contains, delete; presigned URL answers 200.
    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func bucket(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            for name in ["foo/bar/1", "foo/bar/2", "foo/baz", "quux", "alpha"] {
                try await bucket.newKey(name).setContents(name)
            }
            #expect(try await bucket.allKeys().map(\.key) == ["alpha", "foo/bar/1", "foo/bar/2", "foo/baz", "quux"])
            try await bucket.newKey("quux").copy(key: "quux-copy")
            #expect(try await bucket.newKey("quux-copy").string() == "quux")
            #expect(try await bucket.allKeys(prefix: "foo/").count == 3)
            #expect(try await bucket.commonPrefixes(prefix: "foo/") == ["foo/bar/"])
            #expect(try await bucket.key("foo/baz")?.info?.size == 7)
            #expect(try await bucket.contains(key: "alpha"))
            try await bucket.deleteKey("alpha")
            #expect(try await !bucket.contains(key: "alpha"))
            #expect(try await PlainHTTP.request(try bucket.newKey("quux").generateURL(expiresIn: 60)).status == 200)
        }
    }

    /// key: set/get string and overwrite, metadata round trip, streamed read, delete/exists,
    /// contents from file with MD5 checked, copy across buckets, get to file, presigned URL.
    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func key(_ target: TestTarget) async throws {
        try await target.withBucket { conn, bucket in
            let key = bucket.newKey("k")
            try await key.setContents("first")
            try await key.setContents("second")
            #expect(try await key.string() == "second")
            try await key.setContents("with meta", options: PutOptions(metadata: ["color": "blue"]))
            #expect(try await key.info()?.metadata["color"] == "blue")

            // Streamed read, chunk by chunk.
            let big = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            try await bucket.newKey("big").setContents(big)
            let (chunks, total, size) = try await bucket.newKey("big").read { info, bytes in
                var chunks = 0
                var total = 0
                for try await chunk in bytes {
                    chunks += 1
                    total += chunk.readableBytes
                }
                return (chunks, total, info.size)
            }
            #expect(total == big.count && size == Int64(big.count))
            #expect(chunks > 1)

            let files = try TemporaryDirectory()
            let source = try files.makeFile("src", size: 1_000_003)
            let put = try await bucket.newKey("from-file").setContents(fromFile: source)
            #expect(put.etag == (try md5Hex(ofFile: source)))

            let other = try await conn.createBucket(target.uniqueBucketName("other"))
            do {
                try await bucket.newKey("from-file").copy(toBucket: other.name, key: "copied")
                try await Key(bucket: other, name: "copied").contents(toFile: files.file("copied"))
                #expect(try md5Hex(ofFile: files.file("copied")) == (try md5Hex(ofFile: source)))
                #expect(try await PlainHTTP.request(try Key(bucket: other, name: "copied").generateURL(expiresIn: 60)).status == 200)
            } catch {
                await target.cleanUp(other)
                throw error
            }
            await target.cleanUp(other)

            try await key.delete()
            #expect(try await !key.exists())
        }
    }
}
