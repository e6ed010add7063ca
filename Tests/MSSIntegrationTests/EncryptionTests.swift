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
