import Foundation
import S3Protocol
import Testing

@Suite struct DocumentTests {
    static let date = Date(timeIntervalSince1970: 1_700_000_000.25)

    func roundTrip<D: S3Document>(_ document: D) throws {
        let text = document.serialized()
        let decoded = try D(bytes: Array(text.utf8))
        #expect(decoded == document, "\(D.rootName): \(text)")
    }

    @Test func documentsRoundTrip() throws {
        try roundTrip(ListAllMyBucketsResult(owner: Owner(id: "o1", displayName: "Owner & Co"), buckets: [
            .init(name: "a", creationDate: Self.date), .init(name: "b", creationDate: nil),
        ]))
        try roundTrip(
            ListBucketResult(
                name: "bucket", prefix: "p/", delimiter: "/", maxKeys: 2, isTruncated: true,
                contents: [.init(key: "p/<odd> & \"key\"", lastModified: Self.date, etag: "\"abc\"", size: 12)],
                commonPrefixes: ["p/q/"], marker: "", nextMarker: "p/q/"))
        try roundTrip(
            ListBucketResult(
                name: "bucket", prefix: "", maxKeys: 1000, isTruncated: false, contents: [], continuationToken: "tok",
                nextContinuationToken: nil, startAfter: "x", keyCount: 0))
        try roundTrip(ErrorDocument(code: "NoSuchKey", message: "gone", resource: "/b/k", requestID: "r1", details: ["Key": "k"]))
        try roundTrip(InitiateMultipartUploadResult(bucket: "b", key: "k", uploadID: "u-1"))
        try roundTrip(CompleteMultipartUpload(parts: [.init(partNumber: 1, etag: "\"e1\""), .init(partNumber: 2, etag: "\"e2\"")]))
        try roundTrip(CompleteMultipartUploadResult(location: "http://h/b/k", bucket: "b", key: "k", etag: "\"x-2\""))
        try roundTrip(
            ListPartsResult(
                bucket: "b", key: "k", uploadID: "u", partNumberMarker: 0, nextPartNumberMarker: 2, maxParts: 2,
                isTruncated: true, parts: [.init(partNumber: 1, lastModified: Self.date, etag: "\"e\"", size: 5)]))
        try roundTrip(
            ListMultipartUploadsResult(
                bucket: "b", keyMarker: "", uploadIDMarker: "", nextKeyMarker: "k", nextUploadIDMarker: "u", maxUploads: 1,
                isTruncated: true, uploads: [.init(key: "k", uploadID: "u", initiated: Self.date)]))
        try roundTrip(CopyObjectResult(result: CopyResult(etag: "\"e\"", lastModified: Self.date)))
        try roundTrip(CopyPartResult(result: CopyResult(etag: "\"e\"", lastModified: Self.date)))
        try roundTrip(DeleteRequest(keys: ["a", "b/c"], quiet: true))
        try roundTrip(DeleteResult(deleted: ["a"], errors: [.init(key: "b", code: "AccessDenied", message: "no")]))
        try roundTrip(CreateBucketConfiguration(locationConstraint: "eu-west-1"))
        try roundTrip(LocationConstraint(region: "eu-west-1"))
        try roundTrip(LocationConstraint(region: nil))
    }

    @Test func decodesAWSSample() throws {
        // The ListObjects sample of the S3 API reference.
        let sample = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
                <Name>bucket</Name>
                <Prefix/>
                <Marker/>
                <MaxKeys>1000</MaxKeys>
                <IsTruncated>false</IsTruncated>
                <Contents>
                    <Key>my-image.jpg</Key>
                    <LastModified>2009-10-12T17:50:30.000Z</LastModified>
                    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
                    <Size>434234</Size>
                    <StorageClass>STANDARD</StorageClass>
                    <Owner><ID>8a6925ce4a7f21c32aa379004fef</ID><DisplayName>mtd@amazon.com</DisplayName></Owner>
                </Contents>
            </ListBucketResult>
            """
        let result = try ListBucketResult(bytes: Array(sample.utf8))
        #expect(result.name == "bucket")
        #expect(result.prefix == "")
        #expect(result.contents.count == 1)
        let object = try #require(result.contents.first)
        #expect(object.key == "my-image.jpg")
        #expect(object.etag == "\"fba9dede5f27731c9771645a39863328\"")
        #expect(object.size == 434_234)
        #expect(object.lastModified == HTTPDate.parseISO8601("2009-10-12T17:50:30.000Z"))
        #expect(object.owner?.displayName == "mtd@amazon.com")
    }

    @Test func urlEncodedListingsAreDecoded() throws {
        let encoded = ListBucketResult(
            name: "b", prefix: "a%20b/", encodingType: "url",
            contents: [.init(key: "a%20b/c%2Bd%E2%82%AC", lastModified: nil, etag: nil, size: 1)],
            commonPrefixes: ["a%20b/x%2F/"])
        let decoded = try encoded.urlDecoded()
        #expect(decoded.prefix == "a b/")
        #expect(decoded.contents.first?.key == "a b/c+d€")
        #expect(decoded.commonPrefixes == ["a b/x//"])
        #expect(throws: DocumentError.self) {
            _ = try ListBucketResult(name: "b", encodingType: "url", contents: [.init(key: "%zz", lastModified: nil, etag: nil, size: 0)]).urlDecoded()
        }
    }

    @Test func malformedDocumentsAreRejectedWithAReason() {
        let cases = [
            "", "<", "<a>", "<a></b>", "<a><b></a>", "<a>&bogus;</a>", "<a x=1/>", "text", "<a/><b/>",
            String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100),
        ]
        for text in cases {
            #expect(throws: XML.ParseError.self, "\(text.prefix(20))") { _ = try XML.parse(text) }
        }
        #expect(throws: DocumentError.self) { _ = try ListBucketResult(bytes: Array("<Other/>".utf8)) }
        #expect(throws: DocumentError.self) { _ = try ListBucketResult(bytes: Array("<ListBucketResult/>".utf8)) }
        #expect(throws: DocumentError.self) {
            _ = try CompleteMultipartUpload(bytes: Array("<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>".utf8))
        }
    }

    /// Windows line endings are whitespace too: "\r\n" is one Swift Character (found by FuzzXML).
    @Test func crlfIsWhitespace() throws {
        let text = "<CompleteMultipartUpload>\r\n  <Part>\r\n    <PartNumber>1\r\n</PartNumber>\r\n    <ETag>\"e1\"</ETag>\r\n  </Part>\r\n</CompleteMultipartUpload>\r\n"
        let document = try CompleteMultipartUpload(bytes: Array(text.utf8))
        #expect(document.parts == [.init(partNumber: 1, etag: "\"e1\"")])
        let root = try XML.parse(Array("<a>\r\n  <b>1</b>\r\n</a>".utf8))
        #expect(root.text.isEmpty)
    }

    @Test func xmlParsesEntitiesCDATAAndComments() throws {
        let root = try XML.parse("<?xml version=\"1.0\"?><!-- c --><r a=\"1&amp;2\"><t>&lt;&#65;&#x42;<![CDATA[<raw>]]></t><!-- x --><e/></r>")
        #expect(root.attributes["a"] == "1&2")
        #expect(root.string("t") == "<AB<raw>")
        #expect(root.child("e")?.text == "")
        let element = XML.Element("k", text: "a<b>&\"c\"\u{1}")
        #expect(try XML.parse(element.serialized()).text == "a<b>&\"c\"\u{1}")
    }

    // MARK: hostile input: every case throws or parses, none traps

    @Test func deepNestingIsRefusedWithoutRecursingFar() {
        let depth = 100_000
        let bytes = Array(String(repeating: "<a>", count: depth).utf8) + Array(String(repeating: "</a>", count: depth).utf8)
        let error = #expect(throws: XML.ParseError.self) { _ = try XML.parse(bytes) }
        #expect(error?.message.contains("nested too deeply") == true)
        // Unclosed nesting too.
        #expect(throws: XML.ParseError.self) { _ = try XML.parse(Array(String(repeating: "<a>", count: depth).utf8)) }
        // The limit itself still parses.
        let ok = String(repeating: "<a>", count: XML.maximumDepth) + String(repeating: "</a>", count: XML.maximumDepth)
        #expect((try? XML.parse(ok)) != nil)
    }

    @Test func truncatedDocumentsThrowAtEveryCut() throws {
        let document = ListBucketResult(
            name: "b", isTruncated: true,
            contents: [.init(key: "a&b<c>", lastModified: Date(timeIntervalSince1970: 0), etag: "\"e\"", size: 12)],
            commonPrefixes: ["p/"]
        ).serialized() + "<!-- tail --><?pi x?>"
        let bytes = Array(document.utf8)
        _ = try ListBucketResult(bytes: bytes)
        for cut in 0..<bytes.count {
            // Any prefix either fails to parse or (only after the root closes) parses to the same.
            if let parsed = try? ListBucketResult(bytes: Array(bytes[..<cut])) {
                #expect(parsed.contents.first?.key == "a&b<c>")
            }
        }
        for tail in ["<![CDATA[", "<!--", "<?", "<a x='", "<a x=", "<a &", "&#x", "<a>&#xFFFFFFFFFF;</a>", "<a>&#99999999999;</a>", "<a>&", "<", "</", "<a></b>", "<a/><b/>"] {
            #expect(throws: XML.ParseError.self, "\(tail)") { _ = try XML.parse(Array(tail.utf8)) }
        }
    }

    @Test func invalidUTF8AndBinaryNoiseNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let samples: [[UInt8]] = [
            [0xFF, 0xFE, 0x3C, 0x61, 0x3E, 0xC3, 0x28, 0x3C, 0x2F, 0x61, 0x3E],
            Array("<a>".utf8) + [0xED, 0xA0, 0x80, 0xF8, 0x88, 0x80, 0x80, 0x80] + Array("</a>".utf8),
            Array("<\u{0}a b=\"\u{0}\">".utf8) + [0x80] + Array("</\u{0}a>".utf8),
            [], [0x3C], [0x3C, 0x2F, 0x3E], [0x3C, 0x3E, 0x3C, 0x2F, 0x3E],
        ]
        for sample in samples { _ = try? XML.parse(sample) }
        if let parsed = try? XML.parse(samples[1]) { #expect(parsed.name == "a") }
        let alphabet = Array("<>/=&;#x'\"![CDATA]-? ab\n".utf8) + [0x00, 0x80, 0xFF]
        for _ in 0..<3_000 {
            let length = Int.random(in: 0..<200, using: &generator)
            let noise = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            _ = try? XML.parse(noise)
            _ = try? ListBucketResult(bytes: noise)
            _ = try? ErrorDocument(bytes: noise)
        }
    }

    @Test func oversizedDocumentsAreRefused() {
        let big = Array("<a>".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: XML.maximumInputSize) + Array("</a>".utf8)
        let error = #expect(throws: XML.ParseError.self) { _ = try XML.parse(big) }
        #expect(error?.message.contains("larger than") == true)
    }

    @Test func manyEntitiesAndLongCommentsStayLinear() throws {
        let entities = "<a>" + String(repeating: "&amp;&#x41;&lt;", count: 200_000) + "</a>"
        #expect(try XML.parse(entities).text.utf8.count == 600_000)
        let comment = "<a><!--" + String(repeating: "-", count: 2_000_000) + "--></a>"
        #expect(try XML.parse(comment).text == "")
    }

    @Test func copyAndErrorDocumentsToleratesHostileFields() throws {
        #expect(throws: DocumentError.self) { _ = try CopyObjectResult(bytes: Array("<CopyObjectResult><LastModified>99999999-01-01T00:00:00Z</LastModified><ETag>e</ETag></CopyObjectResult>".utf8)) }
        let error = try ErrorDocument(bytes: Array("<Error><Code>SlowDown</Code><Code>x</Code><RetryAfter>-99999999999999999999</RetryAfter></Error>".utf8))
        #expect(error.code == "SlowDown")
        #expect(error.details["RetryAfter"] == "-99999999999999999999")
    }
}
