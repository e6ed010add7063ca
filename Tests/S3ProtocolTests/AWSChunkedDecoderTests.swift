import Foundation
import S3Protocol
import Testing

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

    static let verification = AWSChunkedDecoder.Verification(signer: signer, date: date, seedSignature: seed)

    func decode(_ body: [UInt8], pieceSize: Int, verifying: Bool = true, signedTrailer: Bool = false) throws -> ([UInt8], AWSChunkedDecoder) {
        var decoder = AWSChunkedDecoder(verifying: verifying ? Self.verification : nil, signedTrailer: signedTrailer)
        var output: [UInt8] = []
        var index = 0
        while index < body.count {
            let end = min(index + pieceSize, body.count)
            output += try decoder.feed(Array(body[index..<end]))
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
        #expect(throws: AWSChunkedDecoder.Failure.self) { _ = try decode(body, pieceSize: 4096) }
        var signatures = Self.signatures
        signatures[1] = String(signatures[1].reversed())
        let error = #expect(throws: AWSChunkedDecoder.Failure.self) { _ = try decode(Self.body(signatures: signatures), pieceSize: 4096) }
        #expect(error?.kind == .signatureMismatch)
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
            #expect(throws: AWSChunkedDecoder.Failure.self, "\(text.prefix(20))") { _ = try decode(Array(text.utf8), pieceSize: 64, verifying: false) }
        }
        // A body that stops early is not finished, which the receiver reports as IncompleteBody.
        let truncated = try? decode(Array("5\r\nhel".utf8), pieceSize: 64, verifying: false)
        #expect(truncated?.1.isFinished == false)
    }

    /// The signed-trailer variant: the trailers are signed, chained to the final chunk's signature.
    func signedTrailerBody(trailers: [(String, String)], signature: String? = nil) -> [UInt8] {
        // The final chunk's header is followed by the trailers themselves, not by a blank line.
        var body = Array(Self.body().dropLast(2))
        let values = Dictionary(trailers, uniquingKeysWith: { first, _ in first })
        let expected = Self.signer.trailerSignature(trailers: values, previousSignature: Self.signatures[2], date: Self.date)
        for (name, value) in trailers { body += Array("\(name):\(value)\r\n".utf8) }
        body += Array("x-amz-trailer-signature:\(signature ?? expected)\r\n\r\n".utf8)
        return body
    }

    @Test func signedTrailerIsVerified() throws {
        let (output, decoder) = try decode(signedTrailerBody(trailers: [("x-amz-checksum-crc32c", "sOO8/Q==")]), pieceSize: 1000, signedTrailer: true)
        #expect(output.count == 66560)
        #expect(decoder.isFinished && decoder.trailers == ["x-amz-checksum-crc32c": "sOO8/Q=="])
        let forged = #expect(throws: AWSChunkedDecoder.Failure.self) {
            _ = try decode(signedTrailerBody(trailers: [("x-amz-checksum-crc32c", "sOO8/Q==")], signature: String(repeating: "0", count: 64)), pieceSize: 1000, signedTrailer: true)
        }
        #expect(forged?.kind == .signatureMismatch)
        // The checksum changed after signing: the signature no longer covers it.
        var altered = signedTrailerBody(trailers: [("x-amz-checksum-crc32c", "sOO8/Q==")])
        let value = Array("sOO8/Q==".utf8)
        let at = try #require((0...(altered.count - value.count)).last { Array(altered[$0..<($0 + value.count)]) == value })
        altered[at] = UInt8(ascii: "X")
        #expect(throws: AWSChunkedDecoder.Failure.self) { _ = try decode(altered, pieceSize: 1000, signedTrailer: true) }
        // No signature line at all.
        var unsigned = Array(Self.body().dropLast(2))
        unsigned += Array("x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n".utf8)
        #expect(throws: AWSChunkedDecoder.Failure.self) { _ = try decode(unsigned, pieceSize: 1000, signedTrailer: true) }
    }

    @Test func trailersAndChunksAreBounded() {
        let many = "0\r\n" + (0..<10_000).map { "x-amz-meta-\($0):v\r\n" }.joined() + "\r\n"
        let error = #expect(throws: AWSChunkedDecoder.Failure.self) { _ = try decode(Array(many.utf8), pieceSize: 4096, verifying: false) }
        #expect(error?.kind == .malformed)
        let long = "0\r\nx-amz-checksum-crc32:" + String(repeating: "A", count: 1 << 20) + "\r\n\r\n"
        #expect(throws: AWSChunkedDecoder.Failure.self) { _ = try decode(Array(long.utf8), pieceSize: 65536, verifying: false) }
        for size in ["FFFFFFFFFFFFFFFFFF", "7FFFFFFFFFFFFFFF", "8000000", "-1", "+5", ""] {
            #expect(throws: AWSChunkedDecoder.Failure.self, "\(size)") {
                _ = try decode(Array("\(size)\r\nhello\r\n".utf8), pieceSize: 64, verifying: false)
            }
        }
        let twice = "0\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-checksum-crc32:BBBBBB==\r\n\r\n"
        #expect(throws: AWSChunkedDecoder.Failure.self) { _ = try decode(Array(twice.utf8), pieceSize: 64, verifying: false) }
    }
}
