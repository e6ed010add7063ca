import Foundation
import MSS
import S3Protocol
import Testing

@Suite struct MultipartTests {
    /// The Python SDK's multipart test: four 5 MiB parts, complete, MD5 of the download equals
    /// the MD5 of the parts joined.
    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func fourPartsFromData(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let upload = try await bucket.initiateMultipartUpload(
                "big/object.bin", options: PutOptions(contentType: "application/x-big", metadata: ["parts": "4"]))
            var generator = SeededGenerator(seed: 42)
            var whole = Data()
            var parts: [CompletedPart] = []
            for number in 1...4 {
                let part = Data((0..<(5 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
                whole += part
                parts.append(try await upload.uploadPart(partNumber: number, data: part))
            }
            let listed = try await upload.listParts()
            #expect(listed.map(\.partNumber) == [1, 2, 3, 4])
            #expect(listed.allSatisfy { $0.size == 5 << 20 })
            #expect(listed.map { ObjectInfo.unquotedForTests($0.etag) } == parts.map { ObjectInfo.unquotedForTests($0.etag) })

            let result = try await upload.complete(parts: parts.reversed())
            #expect(result.etag?.hasSuffix("-4") == true)
            let key = bucket.newKey("big/object.bin")
            let info = try #require(try await key.info())
            #expect(info.size == Int64(whole.count))
            #expect(info.contentType == "application/x-big")
            #expect(info.metadata["parts"] == "4")
            let files = try TemporaryDirectory()
            try await key.contents(toFile: files.file("back"))
            #expect(try md5Hex(ofFile: files.file("back")) == Digests.md5Hex(whole))
            #expect(try await bucket.multipartUploads(prefix: "big/").isEmpty)
        }
    }

    @Test(.enabled(if: !TestTarget.all.isEmpty), arguments: Targets.all)
    func filePartsListingAndCancel(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let files = try TemporaryDirectory()
            let source = try files.makeFile("source", size: (5 << 20) * 2 + 100, seed: 7)
            let upload = try await bucket.initiateMultipartUpload("cancelled")
            try await upload.uploadPart(partNumber: 1, fromFile: source, offset: 0, length: 5 << 20)
            try await upload.uploadPart(partNumber: 2, fromFile: source, offset: 5 << 20, length: 5 << 20)
            let inProgress = try await bucket.multipartUploads()
            #expect(inProgress.contains { $0.uploadID == upload.uploadID && $0.key == "cancelled" })
            try await upload.cancel()
            #expect(try await !bucket.multipartUploads().contains { $0.uploadID == upload.uploadID })
            #expect(try await !bucket.contains(key: "cancelled"))

            // Region reads: three parts from one file, completed from the server's list of parts.
            let second = try await bucket.initiateMultipartUpload("assembled")
            try await second.uploadPart(partNumber: 1, fromFile: source, offset: 0, length: 5 << 20)
            try await second.uploadPart(partNumber: 2, fromFile: source, offset: 5 << 20, length: 5 << 20)
            try await second.uploadPart(partNumber: 3, fromFile: source, offset: 10 << 20)
            try await second.complete()
            try await bucket.newKey("assembled").contents(toFile: files.file("assembled"))
            #expect(try md5Hex(ofFile: files.file("assembled")) == (try md5Hex(ofFile: source)))

            let beyond = await #expect(throws: MSSClientError.self) {
                try await second.uploadPart(partNumber: 10_001, data: Data())
            }
            #expect(beyond?.kind == .invalidArgument)
        }
    }

    @Test(.enabled(if: !TestTarget.strict.isEmpty), arguments: Targets.strict)
    func tooSmallPartsAreRefused(_ target: TestTarget) async throws {
        try await target.withBucket { _, bucket in
            let upload = try await bucket.initiateMultipartUpload("small-parts")
            let first = try await upload.uploadPart(partNumber: 1, data: Data(repeating: 1, count: 1024))
            let second = try await upload.uploadPart(partNumber: 2, data: Data(repeating: 2, count: 1024))
            let error = await #expect(throws: S3Error.self) { try await upload.complete(parts: [first, second]) }
            #expect(error?.code == .entityTooSmall)
            try await upload.cancel()
        }
    }
}

extension ObjectInfo {
    static func unquotedForTests(_ etag: String) -> String {
        etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }
}
