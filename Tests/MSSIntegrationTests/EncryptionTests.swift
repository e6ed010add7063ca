import Foundation
import NIOCore
import S3Protocol
import Testing

@testable import MSS

/// Server-side encryption through the SDK. SSE-C runs against mss-server and Ceph RGW (which
/// takes SSE-C over plain HTTP with `rgw crypt require ssl = false`); SSE-S3 against mss-server
/// only, since RGW needs a KMS backend for it. moto accepts the headers without encrypting or
/// checking keys, so it is left out.
@Suite struct EncryptionTests {
    static let sseC = Targets.strict
    static let sseS3 = Targets.strict.filter { $0.server != "rgw" }
    static let keyA = try! CustomerKey(Data((0..<32).map { UInt8($0) }))
    static let keyB = try! CustomerKey(Data((0..<32).map { UInt8(200 - $0) }))
    static let transfers = TransferConfiguration(multipartThreshold: 5 << 20, partSize: 5 << 20, concurrency: 2)

    static func randomData(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    @Test func customerKeysAreCheckedAndNeverPrinted() throws {
        let short = #expect(throws: MSSClientError.self) { try CustomerKey(Data(count: 16)) }
        #expect(short?.kind == .invalidArgument)
        #expect(short?.message.contains("32 bytes") == true)
        #expect(throws: MSSClientError.self) { try CustomerKey(base64: "not base64!") }
        #expect(throws: MSSClientError.self) { try CustomerKey(base64: Data(count: 33).base64EncodedString()) }
        let key = try CustomerKey(base64: Self.keyA.bytes.base64EncodedString())
        #expect(key == Self.keyA)
        #expect(key.md5Base64 == Digests.md5Base64(Self.keyA.bytes))
        #expect(!"\(key)".contains(Self.keyA.bytes.base64EncodedString()))
        #expect("\(ServerSideEncryption.customer(key: key))".contains("MD5"))
    }

    @Test(.enabled(if: !sseC.isEmpty), arguments: sseC)
    func customerKeyRoundTripRangesAndRefusals(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "ssec") { _, bucket in
            let body = Self.randomData(150_001)
            let key = bucket.newKey("secret.bin")
            try await key.setContents(body, options: PutOptions(serverSideEncryption: .customer(key: Self.keyA)))
            #expect(try await key.data(customerKey: Self.keyA) == body)
            let slice = try await key.data(range: .bounded(65_530...131_080), customerKey: Self.keyA)
            #expect(slice == body[65_530...131_080])
            let info = try #require(try await key.info(customerKey: Self.keyA))
            #expect(info.size == Int64(body.count))
            #expect(info.customerKeyMD5 == Self.keyA.md5Base64)
            let streamed = try await key.read(customerKey: Self.keyA) { _, bytes in
                var total = Data()
                for try await chunk in bytes { total.append(contentsOf: chunk.readableBytesView) }
                return total
            }
            #expect(streamed == body)
            let files = try TemporaryDirectory()
            try await key.contents(toFile: files.file("back"), customerKey: Self.keyA)
            #expect(try Data(contentsOf: URL(fileURLWithPath: files.file("back"))) == body)

            let withoutKey = await #expect(throws: S3Error.self) { try await key.data() }
            #expect(withoutKey?.status == 400)
            let wrongKey = await #expect(throws: S3Error.self) { try await key.data(customerKey: Self.keyB) }
            #expect(wrongKey.map { [400, 403].contains($0.status) } == true)
            if target.server == "mss" {
                #expect(withoutKey?.code == .invalidRequest)
                #expect(wrongKey?.status == 403 && wrongKey?.code == .accessDenied)
            }
            // Ceph RGW 16 answers NotImplemented to copies of SSE-C objects.
            if target.server == "rgw" {
                let refused = await #expect(throws: S3Error.self) {
                    try await key.copy(key: "copy.bin", encryption: .customer(key: Self.keyB), sourceCustomerKey: Self.keyA)
                }
                #expect(refused?.status == 501)
                return
            }
            // Copied under another key, then read with that one only.
            let copied = try await key.copy(key: "copy.bin", encryption: .customer(key: Self.keyB), sourceCustomerKey: Self.keyA)
            #expect(try await copied.data(customerKey: Self.keyB) == body)
            await #expect(throws: S3Error.self) { try await copied.data(customerKey: Self.keyA) }
            await #expect(throws: S3Error.self) { try await key.copy(key: "nokey.bin", encryption: .customer(key: Self.keyB)) }
        }
    }

    @Test(.enabled(if: !sseC.isEmpty), arguments: sseC)
    func customerKeyMultipartThroughTheTransferManager(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "ssecmp") { conn, bucket in
            let transfers = TransferManager(connection: conn, configuration: Self.transfers)
            let files = try TemporaryDirectory()
            let body = Self.randomData((11 << 20) + 17)
            let source = files.file("big")
            try body.write(to: URL(fileURLWithPath: source))
            let key = bucket.newKey("big.bin")
            let put = try await transfers.upload(
                file: source, to: key, options: PutOptions(serverSideEncryption: .customer(key: Self.keyA)))
            #expect(put.etag?.hasSuffix("-3") == true)
            await #expect(throws: S3Error.self) { try await key.data(range: .bounded(0...9)) }
            let info = try await transfers.download(key, toFile: files.file("big.back"), customerKey: Self.keyA)
            #expect(info.size == Int64(body.count))
            #expect(try Data(contentsOf: URL(fileURLWithPath: files.file("big.back"))) == body)
            let seam = 5 << 20
            #expect(try await key.data(range: .bounded(Int64(seam - 5)...Int64(seam + 5)), customerKey: Self.keyA) == body[(seam - 5)...(seam + 5)])
            if target.server == "rgw" { return }  // no copies of SSE-C objects on RGW (see above)
            // Above the single-copy limit the copy goes in UploadPartCopy parts, each with both keys.
            _ = try await transfers.copy(
                key, to: bucket.newKey("big.copy"), singleCopyLimit: 6 << 20, encryption: .customer(key: Self.keyB),
                sourceCustomerKey: Self.keyA)
            #expect(try await bucket.newKey("big.copy").data(customerKey: Self.keyB) == body)
            #expect(try await bucket.multipartUploads().isEmpty)
        }
    }

    @Test(.enabled(if: !sseS3.isEmpty), arguments: sseS3)
    func serverKeyEverywhere(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "sses3") { conn, bucket in
            let body = Self.randomData(70_000)
            let key = bucket.newKey("s3.bin")
            let put = try await key.setContents(body, options: PutOptions(serverSideEncryption: .s3))
            #expect(put.etag == Digests.md5Hex(body))
            #expect(try await key.data() == body)
            #expect(try await key.info()?.serverSideEncryption == "AES256")
            #expect(try await key.data(range: .bounded(65_535...65_537)) == body[65_535...65_537])
            // Copies take the encryption the request asks for, not the source's.
            let plain = try await key.copy(key: "plain.bin")
            #expect(try await plain.info()?.serverSideEncryption == nil)
            let toCustomer = try await key.copy(key: "c.bin", encryption: .customer(key: Self.keyA))
            #expect(try await toCustomer.info(customerKey: Self.keyA)?.customerKeyMD5 == Self.keyA.md5Base64)
            let back = try await toCustomer.copy(key: "back.bin", encryption: .s3, sourceCustomerKey: Self.keyA)
            #expect(try await back.data() == body)

            let transfers = TransferManager(connection: conn, configuration: Self.transfers)
            let files = try TemporaryDirectory()
            let big = Self.randomData((10 << 20) + 3)
            try big.write(to: URL(fileURLWithPath: files.file("big")))
            try await transfers.upload(file: files.file("big"), to: bucket.newKey("big"), options: PutOptions(serverSideEncryption: .s3))
            #expect(try await bucket.newKey("big").info()?.serverSideEncryption == "AES256")
            try await transfers.download(bucket.newKey("big"), toFile: files.file("big.back"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: files.file("big.back"))) == big)

            let upload = try await bucket.initiateMultipartUpload("parts", options: PutOptions(serverSideEncryption: .customer(key: Self.keyA)))
            #expect(upload.customerKey == Self.keyA)
            let part = try await upload.uploadPart(partNumber: 1, data: Data("tiny".utf8))
            let copiedPart = try await upload.uploadPartCopy(partNumber: 2, source: key, range: 0...9)
            #expect(!copiedPart.etag.isEmpty)
            let one = try await upload.complete(parts: [part])
            #expect(one.etag?.hasSuffix("-1") == true)
            #expect(try await bucket.newKey("parts").string(customerKey: Self.keyA) == "tiny")
        }
    }

    @Test(.enabled(if: !sseS3.isEmpty), arguments: sseS3)
    func metadataUpdatesAttributesAndPrefixCopiesKeepTheEncryption(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "ssekeep") { conn, bucket in
            let body = Self.randomData(70_000)
            let serverKeyed = bucket.newKey("s3.bin")
            try await serverKeyed.setContents(body, options: PutOptions(contentType: "application/x-a", serverSideEncryption: .s3))
            try await serverKeyed.updateMetadata(["reviewed": "yes"])
            let afterS3 = try #require(try await serverKeyed.info())
            #expect(afterS3.serverSideEncryption == "AES256")
            #expect(afterS3.metadata == ["reviewed": "yes"] && afterS3.contentType == "application/x-a")
            #expect(try await serverKeyed.data() == body)

            let customerKeyed = bucket.newKey("c.bin")
            try await customerKeyed.setContents(body, options: PutOptions(serverSideEncryption: .customer(key: Self.keyA)))
            // Without the key nothing can be read, so nothing is changed.
            await #expect(throws: S3Error.self) { try await customerKeyed.updateMetadata(["reviewed": "no"]) }
            try await customerKeyed.updateMetadata(["reviewed": "yes"], customerKey: Self.keyA)
            let afterC = try #require(try await customerKeyed.info(customerKey: Self.keyA))
            #expect(afterC.customerKeyMD5 == Self.keyA.md5Base64 && afterC.metadata == ["reviewed": "yes"])
            #expect(try await customerKeyed.data(customerKey: Self.keyA) == body)
            await #expect(throws: S3Error.self) { try await customerKeyed.data() }

            // A plain object stays plain.
            let plain = bucket.newKey("plain.bin")
            try await plain.setContents(body)
            try await plain.updateMetadata(["reviewed": "yes"])
            #expect(try await plain.info()?.serverSideEncryption == nil)

            // What the object's info says decides; an encryption this library cannot ask for again refuses.
            var kms = afterS3
            kms.serverSideEncryption = "aws:kms"
            let refused = #expect(throws: MSSClientError.self) { _ = try Key.encryptionToKeep(of: kms, name: "k", customerKey: nil) }
            #expect(refused?.kind == .invalidArgument)
            #expect(throws: MSSClientError.self) { _ = try Key.encryptionToKeep(of: afterC, name: "k", customerKey: nil) }

            // GetObjectAttributes of an SSE-C object takes its key.
            let attributes = try await customerKeyed.attributes([.objectSize, .etag], customerKey: Self.keyA)
            #expect(attributes.size == Int64(body.count))
            await #expect(throws: S3Error.self) { _ = try await customerKeyed.attributes([.objectSize]) }

            // A prefix copied on the server from one customer key to another, and to SSE-S3.
            for index in 0..<3 {
                try await bucket.newKey("p/\(index)").setContents(body, options: PutOptions(serverSideEncryption: .customer(key: Self.keyA)))
            }
            let transfers = TransferManager(connection: conn, configuration: Self.transfers)
            let toB = try await transfers.copyPrefix(
                "p/", from: bucket, to: bucket, destinationPrefix: "q/", encryption: .customer(key: Self.keyB), sourceCustomerKey: Self.keyA)
            #expect(toB.failures.isEmpty && toB.transferred.count == 3)
            #expect(try await bucket.newKey("q/2").data(customerKey: Self.keyB) == body)
            let toS3 = try await transfers.copyPrefix("p/", from: bucket, to: bucket, destinationPrefix: "r/", encryption: .s3, sourceCustomerKey: Self.keyA)
            #expect(toS3.failures.isEmpty)
            #expect(try await bucket.newKey("r/0").info()?.serverSideEncryption == "AES256")
            let withoutKey = try await transfers.copyPrefix("p/", from: bucket, to: bucket, destinationPrefix: "s/")
            #expect(withoutKey.failures.count == 3)
        }
    }

    /// What the SDK's encrypted uploads leave on the server's disk: no slice of the plaintext in any
    /// file written meanwhile, whether sent in one PUT, in parts, from a stream or by a copy.
    @Test(.enabled(if: !sseS3.isEmpty && TestTarget.mssDataDirectory != nil), arguments: sseS3)
    func encryptedUploadsLeaveNoPlaintextOnDisk(_ target: TestTarget) async throws {
        let dataDirectory = try #require(TestTarget.mssDataDirectory)
        let started = Date().addingTimeInterval(-2)
        try await target.withBucket(tag: "sseondisk") { conn, bucket in
            let transfers = TransferManager(connection: conn, configuration: Self.transfers)
            let files = try TemporaryDirectory()
            var texts: [Data] = []
            for (name, encryption) in [("one-s3", ServerSideEncryption.s3), ("one-c", .customer(key: Self.keyA))] {
                let text = Self.randomData(200_000)
                try await bucket.newKey(name).setContents(text, options: PutOptions(serverSideEncryption: encryption))
                texts.append(text)
            }
            let big = Self.randomData((10 << 20) + 99)
            try big.write(to: URL(fileURLWithPath: files.file("big")))
            try await transfers.upload(
                file: files.file("big"), to: bucket.newKey("multi-c"), options: PutOptions(serverSideEncryption: .customer(key: Self.keyA)))
            texts.append(big)
            let streamed = Self.randomData((6 << 20) + 1)
            let stream = AsyncStream<ByteBuffer> { continuation in
                for start in stride(from: 0, to: streamed.count, by: 1 << 20) {
                    continuation.yield(ByteBuffer(bytes: streamed[start..<min(start + (1 << 20), streamed.count)]))
                }
                continuation.finish()
            }
            try await transfers.upload(stream: stream, to: bucket.newKey("stream-s3"), options: PutOptions(serverSideEncryption: .s3))
            texts.append(streamed)
            try await bucket.newKey("one-c").copy(key: "copy-b", encryption: .customer(key: Self.keyB), sourceCustomerKey: Self.keyA)
            #expect(try await bucket.newKey("multi-c").data(customerKey: Self.keyA) == big)
            #expect(try await bucket.newKey("stream-s3").data() == streamed)
            #expect(try DiskSearch.filesHolding(slicesOf: texts, under: dataDirectory, changedSince: started).isEmpty)
            // Control: the same search finds an object stored in clear, so it can fail.
            let control = Self.randomData(200_000)
            try await bucket.newKey("control").setContents(control)
            #expect(try !DiskSearch.filesHolding(slicesOf: [control], under: dataDirectory, changedSince: started).isEmpty)
        }
    }

    @Test(.enabled(if: !sseS3.isEmpty), arguments: sseS3)
    func kmsIsRefusedAsNotImplemented(_ target: TestTarget) async throws {
        try await target.withBucket(tag: "kms") { conn, bucket in
            var request = try bucket.newKey("kms").request("PUT")
            request.headers.add("x-amz-server-side-encryption", "aws:kms")
            request.body = .bytes(ByteBuffer(string: "x"))
            let error = await #expect(throws: S3Error.self) { try await conn.send(request) }
            #expect(error?.status == 501 && error?.code == .notImplemented)
        }
    }
}
