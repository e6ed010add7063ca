import Foundation
import NIOCore
import S3Protocol
import Testing

@testable import MSSServer

/// The streaming upload example of the S3 API reference ("Signature Calculations for the
/// Authorization Header: Transferring Payload in Multiple Chunks"), whose seed and chunk
/// signatures are published; the same values are in Tests/S3ProtocolTests/Fixtures/vectors.
@Suite struct AWSChunkedDecoderTests {
    static let signer = SigV4Signer(
        credentials: Credentials(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    static let date = HTTPDate.parseISO8601Basic("20130524T000000Z") ?? Date()
    static let seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    static let signatures = [
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ]

    static func body(signatures: [String] = signatures) -> [UInt8] {
        var body: [UInt8] = []
        for (size, signature) in zip([65536, 1024, 0], signatures) {
            body += Array("\(String(size, radix: 16));chunk-signature=\(signature)\r\n".utf8)
            body += [UInt8](repeating: UInt8(ascii: "a"), count: size)
            body += Array("\r\n".utf8)
        }
        return body
    }

    func decode(_ body: [UInt8], pieceSize: Int, verifying: Bool = true) throws -> ([UInt8], AWSChunkedDecoder) {
        let context = SigV4Context(signer: Self.signer, date: Self.date, seedSignature: Self.seed)
        var decoder = AWSChunkedDecoder(verifying: verifying ? context : nil)
        var output: [UInt8] = []
        var index = 0
        while index < body.count {
            let end = min(index + pieceSize, body.count)
            for piece in try decoder.feed(ByteBuffer(bytes: body[index..<end])) { output += piece.readableBytesView }
            index = end
        }
        return (output, decoder)
    }

    @Test(arguments: [1, 7, 4096, 1 << 20])
    func publishedExampleDecodes(pieceSize: Int) throws {
        let (output, decoder) = try decode(Self.body(), pieceSize: pieceSize)
        #expect(output.count == 66560)
        #expect(output.allSatisfy { $0 == UInt8(ascii: "a") })
        #expect(decoder.isFinished)
        #expect(decoder.decodedLength == 66560)
    }

    @Test func alteredChunkIsRefused() throws {
        var body = Self.body()
        body[200] = UInt8(ascii: "b")
        #expect(throws: S3ServerError.self) { _ = try decode(body, pieceSize: 4096) }
        var signatures = Self.signatures
        signatures[1] = String(signatures[1].reversed())
        let error = #expect(throws: S3ServerError.self) { _ = try decode(Self.body(signatures: signatures), pieceSize: 4096) }
        #expect(error?.code == .signatureDoesNotMatch)
    }

    @Test func unsignedChunksWithTrailers() throws {
        let text = "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"
        let (output, decoder) = try decode(Array(text.utf8), pieceSize: 3, verifying: false)
        #expect(String(decoding: output, as: UTF8.self) == "hello world")
        #expect(decoder.trailers["x-amz-checksum-crc32"] == "DUoRhQ==")
        #expect(decoder.isFinished)
    }

    @Test func malformedFramingIsRefused() {
        for text in ["zz\r\nhello\r\n", "5\r\nhello-too-long\r\n", "5;unknown=x\r\nhello\r\n", String(repeating: "1", count: 5000)] {
            #expect(throws: S3ServerError.self, "\(text.prefix(20))") { _ = try decode(Array(text.utf8), pieceSize: 64, verifying: false) }
        }
        // A body that stops early is not finished, which the receiver reports as IncompleteBody.
        let truncated = try? decode(Array("5\r\nhel".utf8), pieceSize: 64, verifying: false)
        #expect(truncated?.1.isFinished == false)
    }
}
