import Foundation
@testable import S3Protocol
import Testing

@Suite struct ProtocolPrimitivesTests {
    @Test func uriEncoding() {
        #expect(URIEncoding.encode("a b/c+d~e_f.g-h") == "a%20b%2Fc%2Bd~e_f.g-h")
        #expect(URIEncoding.encode("a b/c", keepSlash: true) == "a%20b/c")
        #expect(URIEncoding.encode("日本") == "%E6%97%A5%E6%9C%AC")
        #expect(URIEncoding.decode("%E6%97%A5+x%2f") == "日+x/")
        #expect(URIEncoding.decode("%zz") == nil)
        #expect(URIEncoding.decode("%4") == nil)
        #expect(URIEncoding.decode("%FF") == nil)
        #expect(QueryItem.parse("uploads&prefix=a%20b&x=") == [QueryItem("uploads"), QueryItem("prefix", "a b"), QueryItem("x", "")])
        #expect(QueryItem.render([QueryItem("uploads"), QueryItem("prefix", "a b/")]) == "uploads&prefix=a%20b%2F")
    }

    /// Listing values (`encoding-type=url`): `+` is a space and `%2B` a plus, as the former
    /// form (replace `+` with `%20`, then decode) gave, over random strings of the bytes that
    /// matter; a value with neither is returned as it is.
    @Test func listingValuesDecodeAsBefore() {
        #expect(URIEncoding.decodeListingValue("a+b%2Bc%20d") == "a b+c d")
        #expect(URIEncoding.decodeListingValue("photos/2024/IMG_0001.jpg") == "photos/2024/IMG_0001.jpg")
        #expect(URIEncoding.decodeListingValue("+%") == nil)
        #expect(URIEncoding.decodeListingValue("%E6%97%A5+") == "日 ")
        let pieces = ["+", "%", "%2B", "%20", "%2", "%zz", "%E6", "%97%A5", "a", "/", " ", "é", "%FF", "%2b"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let value = (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let former = URIEncoding.decode(value.replacingOccurrences(of: "+", with: "%20"))
            #expect(URIEncoding.decodeListingValue(value) == former, "\(value)")
        }
    }

    /// `x-amz-date` written digit by digit: the same text as the padded fields of
    /// `rfc1123`/`iso8601` (formatted separately) for random instants across the years every
    /// formatter writes, their first and last seconds, and dates beyond them (clamped).
    @Test func basicTimestampsMatchTheOtherFormats() {
        var instants: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -62_135_596_800),
            Date(timeIntervalSince1970: 253_402_300_799), .distantPast, .distantFuture,
            Date(timeIntervalSince1970: -1e15), Date(timeIntervalSince1970: 1e15),
        ]
        for _ in 0..<5_000 { instants.append(Date(timeIntervalSince1970: .random(in: -62_135_596_800...253_402_300_799))) }
        for instant in instants {
            // 2007-03-27T19:36:42.000Z → 20070327T193642Z
            let extended = HTTPDate.iso8601(instant)
            let expected = extended.prefix(19).filter { $0 != "-" && $0 != ":" } + "Z"
            #expect(HTTPDate.iso8601Basic(instant) == expected, "\(instant.timeIntervalSince1970)")
            #expect(HTTPDate.yyyymmdd(instant) == String(expected.prefix(8)))
        }
    }

    @Test func dates() throws {
        let date = Date(timeIntervalSince1970: 1_175_024_202)  // Tue, 27 Mar 2007 19:36:42 GMT
        #expect(HTTPDate.rfc1123(date) == "Tue, 27 Mar 2007 19:36:42 GMT")
        #expect(HTTPDate.iso8601Basic(date) == "20070327T193642Z")
        #expect(HTTPDate.iso8601(date) == "2007-03-27T19:36:42.000Z")
        #expect(HTTPDate.parseRFC1123("Tue, 27 Mar 2007 19:36:42 GMT") == date)
        #expect(HTTPDate.parseRFC1123("Tue, 27 Mar 2007 19:36:42 +0000") == date)
        #expect(HTTPDate.parseISO8601Basic("20070327T193642Z") == date)
        #expect(HTTPDate.parseISO8601("2007-03-27T19:36:42Z") == date)
        #expect(HTTPDate.parseISO8601("2007-03-27T19:36:42.500Z") == date.addingTimeInterval(0.5))
        for bad in ["", "2007-13-27T19:36:42Z", "Tue, 32 Mar 2007 19:36:42 GMT", "20070327193642Z"] {
            #expect(HTTPDate.parseISO8601(bad) == nil && HTTPDate.parseRFC1123(bad) == nil && HTTPDate.parseISO8601Basic(bad) == nil)
        }
    }

    @Test func bucketNameRules() {
        for good in ["abc", "my-bucket.v2", "a1b", String(repeating: "a", count: 63), "tmpbucket0"] {
            #expect(NameRules.bucketNameProblem(good) == nil, "\(good)")
        }
        for bad in ["ab", "ABC", "a_b", ".ab", "ab-", "a..b", "a.-b", "10.0.0.1", String(repeating: "a", count: 64), "xn--ab", "ab-s3alias", "a b"] {
            #expect(NameRules.bucketNameProblem(bad) != nil, "\(bad)")
        }
        #expect(NameRules.keyProblem("") != nil)
        #expect(NameRules.keyProblem(String(repeating: "é", count: 512)) == nil)  // 1,024 bytes
        #expect(NameRules.keyProblem(String(repeating: "é", count: 512) + "x") != nil)
    }

    @Test func headersCanonicalise() {
        var headers = SignableHeaders()
        headers.add("X-Amz-Meta-A", "  one   two ")
        headers.add("x-amz-meta-a", "three")
        headers.add("Content-Type", "text/plain")
        #expect(headers["X-AMZ-META-A"] == "  one   two ,three")
        #expect(headers.canonicalized().map(\.name) == ["x-amz-meta-a", "content-type"])
        #expect(headers.canonicalized().first?.value == "one two,three")
        headers.replace("content-type", "x")
        #expect(headers["Content-Type"] == "x")
        // Names compare by their ASCII letters' case only: a prefix, a longer name or a name
        // that differs in a non-letter byte is another header.
        #expect(headers["x-amz-meta-"] == nil)
        #expect(headers["x-amz-meta-ab"] == nil)
        #expect(headers["content_type"] == nil)
        headers.add("X-Amz-Meta-É", "accented")
        #expect(headers["x-amz-meta-É"] == "accented")
        #expect(headers["x-amz-meta-é"] == nil)
        headers.add("x-amz-meta-a", "four")
        #expect(headers["x-amz-meta-a"] == "  one   two ,three,four")
        headers.remove("X-AMZ-META-A")
        #expect(headers["x-amz-meta-a"] == nil)
        #expect(headers.canonicalized().map(\.name) == ["content-type", "x-amz-meta-é"])
        #expect(Digests.constantTimeEquals("abc", "abc"))
        #expect(!Digests.constantTimeEquals("abc", "abd"))
        #expect(!Digests.constantTimeEquals("abc", "abcd"))
    }

    @Test func hexOfAnyByteSequence() {
        let bytes: [UInt8] = [0x00, 0x0f, 0x10, 0x9a, 0xff]
        #expect(Digests.hex(bytes) == "000f109aff")
        #expect(Digests.hex(bytes.lazy.map { $0 }) == "000f109aff")
        #expect(Digests.hex([UInt8]()) == "")
        #expect(Digests.hex(Data(bytes)) == "000f109aff")
        #expect(Digests.sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Digests.md5Hex(Data()) == "d41d8cd98f00b204e9800998ecf8427e")
    }

    @Test func signingIsDeterministicAndKeyed() {
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let request = SignableRequest(method: "GET", path: "/b/k", headers: SignableHeaders([("host", "h")]))
        var a = request
        var b = request
        let signer = SigV4Signer(credentials: Credentials(accessKey: "A", secretKey: "S"), region: "us-east-1")
        signer.sign(&a, payloadHash: Digests.emptySHA256Hex, date: date)
        signer.sign(&b, payloadHash: Digests.emptySHA256Hex, date: date)
        #expect(a == b)
        var c = request
        SigV4Signer(credentials: Credentials(accessKey: "A", secretKey: "T"), region: "us-east-1")
            .sign(&c, payloadHash: Digests.emptySHA256Hex, date: date)
        #expect(a.headers["Authorization"] != c.headers["Authorization"])
        #expect(!Credentials(accessKey: "A", secretKey: "very-secret").description.contains("very-secret"))
    }
}

@Suite struct ChecksumTests {
    /// The check values of the CRC catalogue for "123456789", and S3's base64 form.
    @Test func crcCheckValues() {
        var ieee = CRC32(.ieee)
        ieee.update(Array("123456789".utf8))
        #expect(ieee.value == 0xCBF4_3926)
        var castagnoli = CRC32(.castagnoli)
        castagnoli.update(Array("123456789".utf8))
        #expect(castagnoli.value == 0xE306_9283)
        #expect(CRC32(.ieee).base64 == "AAAAAA==")
        var hello = CRC32(.ieee)
        hello.update(Array("hello".utf8))
        #expect(hello.base64 == "NhCmhg==")  // 0x3610a686, as botocore computes for b"hello"
        #expect(Base64.encode(Array("hello".utf8)) == "aGVsbG8=")
    }

    /// A CRC a byte at a time, straight from the definition (reflected, initial and final
    /// value all ones).
    static func referenceCRC(_ bytes: [UInt8], polynomial: UInt32) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    /// Eight bytes a step, by the tables or (CRC-32C, where the processor has it) by its
    /// instruction, gives the definition's value for every length, every alignment of the bytes
    /// in memory, and any split of them into updates.
    @Test(arguments: [(CRC32.Polynomial.ieee, false), (.castagnoli, false), (.castagnoli, true)])
    func slicedCRCsMatchTheDefinition(polynomial: CRC32.Polynomial, inHardware: Bool) {
        #if arch(x86_64)
        // Every x86-64 processor since 2008 has SSE 4.2: here the instruction's way is the one in use.
        #expect(CRC32.hardwareCastagnoli)
        #endif
        guard !inHardware || CRC32.hardwareCastagnoli else { return }
        let reversed: UInt32 = polynomial == .ieee ? 0xEDB8_8320 : 0x82F6_3B78
        var generator = SystemRandomNumberGenerator()
        do {
            for length in Array(0...40) + [63, 64, 65, 1000, 4096, 4099] {
                let bytes = (0..<length + 7).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let offset = Int.random(in: 0...7, using: &generator)
                let slice = Array(bytes[offset..<offset + length])
                let expected = Self.referenceCRC(slice, polynomial: reversed)
                var whole = CRC32(polynomial, inHardware: inHardware)
                bytes.withUnsafeBytes { whole.update(UnsafeRawBufferPointer(rebasing: $0[offset..<offset + length])) }
                #expect(whole.value == expected, "length \(length) at offset \(offset)")
                let cut = Int.random(in: 0...length, using: &generator)
                var split = CRC32(polynomial, inHardware: inHardware)
                split.update(slice[..<cut])
                split.update(slice[cut...])
                #expect(split.value == expected, "length \(length) cut at \(cut)")
            }
        }
    }
}
