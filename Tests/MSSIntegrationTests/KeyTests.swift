import Foundation
import MSS
import S3Protocol
import Testing

@Suite struct KeyTests {
    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func stringDataAndOverwrite(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let key = bucket.newKey("greeting")
            let first = try await key.setContents("hello")
            #expect(first.etag == Digests.md5Hex(Data("hello".utf8)))
            #expect(try await key.string() == "hello")
            try await key.setContents("goodbye, and a longer text")
            #expect(try await key.string() == "goodbye, and a longer text")
            let bytes = Data((0..<1000).map { UInt8($0 % 251) })
            try await key.setContents(bytes, options: PutOptions(contentType: "application/octet-stream"))
            #expect(try await key.data() == bytes)
            let info = try #require(try await key.info())
            #expect(info.size == 1000)
            #expect(info.contentType == "application/octet-stream")
            #expect(info.etag == Digests.md5Hex(bytes))
            #expect(info.lastModified.map { abs($0.timeIntervalSinceNow) < 600 } == true)
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func metadataRoundTripAndUpdate(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let key = bucket.newKey("meta.txt")
            try await key.setContents(
                "m",
                options: PutOptions(
                    contentType: "text/plain", metadata: ["Author": "ada", "project": "mss"], cacheControl: "max-age=60",
                    contentDisposition: "attachment; filename=meta.txt"))
            let info = try #require(try await bucket.key("meta.txt")?.info)
            #expect(info.metadata == ["author": "ada", "project": "mss"])
            #expect(info.contentType == "text/plain")
            #expect(info.cacheControl == "max-age=60")
            #expect(info.contentDisposition == "attachment; filename=meta.txt")

            try await key.updateMetadata(["reviewed": "yes"])
            let updated = try #require(try await key.info())
            #expect(updated.metadata == ["reviewed": "yes"])
            #expect(updated.contentType == "text/plain")
            #expect(try await key.string() == "m")
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func rangeReads(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let key = bucket.newKey("digits")
            try await key.setContents("0123456789")
            #expect(try await key.string(range: .bounded(2...4)) == "234")
            #expect(try await key.string(range: .from(7)) == "789")
            #expect(try await key.string(range: .suffix(3)) == "789")
            let files = try TemporaryDirectory()
            let info = try await key.contents(toFile: files.file("part"), range: .bounded(0...1))
            #expect(try String(contentsOfFile: files.file("part"), encoding: .utf8) == "01")
            #expect(info.size == 10)
            let error = await #expect(throws: S3Error.self) { _ = try await key.data(range: .from(100)) }
            #expect(error?.status == 416)
            #expect(error?.code == .invalidRange)
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func lookupExistsDelete(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            #expect(try await bucket.key("nothing") == nil)
            #expect(try await !bucket.contains(key: "nothing"))
            let missing = await #expect(throws: S3Error.self) { _ = try await bucket.newKey("nothing").data() }
            #expect(missing?.code == .noSuchKey)
            #expect(missing?.status == 404)
            try await bucket.newKey("here").setContents("1")
            #expect(try await bucket.contains(key: "here"))
            #expect(try await bucket.newKey("here").exists())
            try await bucket.deleteKey("here")
            #expect(try await !bucket.newKey("here").exists())
            // Deleting what is not there succeeds, as in S3.
            try await bucket.deleteKey("here")
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func fileRoundTripsIncludingEmptyAndLarge(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let files = try TemporaryDirectory()
            for (name, size) in [("empty", 0), ("one", 1), ("large", 50 << 20)] {
                let source = try files.makeFile(name, size: size, seed: UInt64(size))
                let put = try await bucket.newKey("file/\(name)").setContents(fromFile: source)
                #expect(put.etag == (try md5Hex(ofFile: source)), "\(name)")
                let destination = files.file("\(name).back")
                let info = try await bucket.newKey("file/\(name)").contents(toFile: destination)
                #expect(info.size == Int64(size))
                #expect(try md5Hex(ofFile: destination) == (try md5Hex(ofFile: source)), "\(name)")
            }
            #expect(try await bucket.newKey("file/empty").data().isEmpty)
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func missingLocalFileIsAClientError(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let error = await #expect(throws: MSSClientError.self) {
                try await bucket.newKey("k").setContents(fromFile: "/nonexistent/\(UUID().uuidString)")
            }
            #expect(error?.kind == .fileError)
            let stored = try await bucket.contains(key: "k")
            #expect(!stored)
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func copyWithinAndAcrossBuckets(_ target: TestTarget) async throws {
        try await target.withBucket { conn, bucket in
            let source = bucket.newKey("src/a.txt")
            try await source.setContents("copy me", options: PutOptions(contentType: "text/plain", metadata: ["k": "v"]))
            let same = try await source.copy(key: "dst/a.txt")
            #expect(try await same.string() == "copy me")
            #expect(same.copyResult?.etag == Digests.md5Hex(Data("copy me".utf8)))
            #expect(try await same.info()?.metadata == ["k": "v"])

            let other = try await conn.createBucket(target.uniqueBucketName("copy"))
            do {
                let across = try await source.copy(
                    toBucket: other.name, key: "b.txt",
                    metadata: .replace(PutOptions(contentType: "text/markdown", metadata: ["new": "1"])))
                #expect(across.bucket.name == other.name)
                let info = try #require(try await across.info())
                #expect(info.metadata == ["new": "1"])
                #expect(info.contentType == "text/markdown")
                #expect(try await across.string() == "copy me")
                let missing = await #expect(throws: S3Error.self) {
                    try await bucket.newKey("nope").copy(toBucket: other.name, key: "c")
                }
                #expect(missing?.code == .noSuchKey)
            } catch {
                await target.cleanUp(other)
                throw error
            }
            await target.cleanUp(other)
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func oddKeysRoundTrip(_ target: TestTarget) async throws {
        let names = [
            "with space", "plus+sign", "tilde~", "equals=sign", "percent%20literal", "question?mark", "hash#tag",
            "deep/nested/path.txt", "unicodé/日本語/ключ", "emoji 😀", "semi;colon,comma", "quote'\"", "amp&and",
            "brackets[]{}", "star*", "dollar$@!", "a//double", "trailing/",
        ]
        try await target.withBucket { _, bucket in
            for (index, name) in names.enumerated() {
                try await bucket.newKey(name).setContents("value \(index)")
            }
            for (index, name) in names.enumerated() {
                #expect(try await bucket.newKey(name).string() == "value \(index)", "\(name)")
                #expect(try await bucket.key(name)?.info?.size == Int64("value \(index)".utf8.count), "\(name)")
            }
            let listed = Set(try await bucket.allKeys().map(\.key))
            #expect(listed == Set(names))
            let url = try bucket.newKey("unicodé/日本語/ключ").generateURL(expiresIn: 60)
            let answer = try await PlainHTTP.request(url)
            #expect(answer.status == 200)
            #expect(String(decoding: answer.body, as: UTF8.self) == "value 8")
            for name in names { try await bucket.deleteKey(name) }
            #expect(try await bucket.allKeys().isEmpty)
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func multiObjectDelete(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let names = (0..<25).map { "batch/\($0)" }
            for name in names { try await bucket.newKey(name).setContents(name) }
            let failures = try await bucket.deleteKeys(names + ["batch/never-existed"])
            #expect(failures.isEmpty)
            #expect(try await bucket.allKeys(prefix: "batch/").isEmpty)
        }
    }
}
