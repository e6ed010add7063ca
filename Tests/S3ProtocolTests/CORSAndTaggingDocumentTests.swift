import S3Protocol
import Testing

/// The CORS and Tagging documents and rules, without a server: matching as S3 does it, and
/// documents that must be refused rather than half-read.
@Suite struct CORSAndTaggingDocumentTests {
    static let configuration = CORSConfiguration(rules: [
        .init(id: "a", allowedMethods: ["PUT"], allowedOrigins: ["https://*.example.com"], allowedHeaders: ["x-amz-*", "Content-Type"]),
        .init(allowedMethods: ["GET"], allowedOrigins: ["*"]),
    ])

    @Test func wildcardsAndOrderDecideTheRule() {
        let c = Self.configuration
        #expect(c.firstRule(origin: "https://a.example.com", method: "PUT", requestHeaders: ["X-Amz-Date", "content-type"])?.id == "a")
        #expect(c.firstRule(origin: "https://example.com", method: "PUT") == nil)  // the wildcard needs its dot
        #expect(c.firstRule(origin: "https://a.example.com", method: "PUT", requestHeaders: ["authorization"]) == nil)
        #expect(c.firstRule(origin: "https://a.example.com", method: "GET")?.allowsAnyOrigin == true)
        #expect(c.firstRule(origin: "https://a.example.com", method: "get") == nil)  // methods are case-sensitive
        #expect(c.firstRule(origin: "HTTPS://A.EXAMPLE.COM", method: "PUT") == nil)  // so are origins
        let empty = CORSConfiguration(rules: [.init(allowedMethods: ["GET"], allowedOrigins: ["http://a*b"])])
        #expect(empty.firstRule(origin: "http://ab", method: "GET") != nil)  // `*` may match nothing
        #expect(empty.firstRule(origin: "http://a", method: "GET") == nil)  // but the halves may not overlap
    }

    @Test func problemsAreAWSs() {
        func problem(_ rule: CORSConfiguration.Rule) -> String? { CORSConfiguration(rules: [rule]).problem()?.message }
        #expect(problem(.init(allowedMethods: ["PATCH"], allowedOrigins: ["*"])) == "Found unsupported HTTP method in CORS config. Unsupported method is PATCH")
        #expect(problem(.init(allowedMethods: ["GET"], allowedOrigins: ["*a*"])) == "AllowedOrigin \"*a*\" can not have more than one wildcard.")
        #expect(problem(.init(allowedMethods: ["GET"], allowedOrigins: ["*"], allowedHeaders: ["**"])) == "AllowedHeader \"**\" can not have more than one wildcard.")
        #expect(problem(.init(allowedMethods: ["GET", "HEAD", "PUT", "POST", "DELETE"], allowedOrigins: [""])) == nil)
        #expect(CORSConfiguration(rules: []).problem()?.code == "MalformedXML")
        #expect(CORSConfiguration(rules: Array(repeating: .init(allowedMethods: ["GET"], allowedOrigins: ["*"]), count: 101)).problem()?.code == "MalformedXML")
    }

    @Test func corsDocumentsRoundTripAndRefuseHalfRules() throws {
        let text = Self.configuration.serialized()
        #expect(try CORSConfiguration(bytes: Array(text.utf8)) == Self.configuration)
        for bad in [
            "<CORSConfiguration/>", "<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
            "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>",
            "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule></CORSConfiguration>",
            "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>99999999999999999999</MaxAgeSeconds></CORSRule></CORSConfiguration>",
            "<Tagging><TagSet/></Tagging>",
        ] {
            #expect(throws: DocumentError.self) { try CORSConfiguration(bytes: Array(bad.utf8)) }
        }
    }

    @Test func tagRulesAndHeader() throws {
        #expect(TagRules.problem((0..<10).map { Tag(key: "k\($0)", value: "") }, forBucket: false) == nil)
        #expect(TagRules.problem((0..<11).map { Tag(key: "k\($0)", value: "") }, forBucket: false)?.code == "BadRequest")
        #expect(TagRules.problem((0..<50).map { Tag(key: "k\($0)", value: "") }, forBucket: true) == nil)
        #expect(TagRules.problem((0..<51).map { Tag(key: "k\($0)", value: "") }, forBucket: true)?.code == "InvalidTag")
        #expect(TagRules.problem([Tag(key: "AWS:x", value: "")], forBucket: false)?.message == "Your TagKey cannot be prefixed with aws:")
        #expect(TagRules.problem([Tag(key: "a", value: "1"), Tag(key: "a", value: "2")], forBucket: false)?.code == "InvalidTag")
        #expect(TagRules.problem([Tag(key: "a", value: "line\nbreak")], forBucket: false)?.message == "The TagValue you have provided is invalid")
        let tags = [Tag(key: "a b", value: "c&d=e"), Tag(key: "ü", value: "")]
        #expect(TagRules.parseHeader(TagRules.headerValue(tags)) == tags)
        #expect(TagRules.parseHeader("a=%zz") == nil)
        #expect(TagRules.parseHeader(Array(repeating: "k=v", count: 1001).joined(separator: "&")) == nil)
        let document = Tagging(tagSet: tags)
        #expect(try Tagging(bytes: Array(document.serialized().utf8)) == document)
        #expect(throws: DocumentError.self) { try Tagging(bytes: Array("<Tagging/>".utf8)) }
        #expect(throws: DocumentError.self) { try Tagging(bytes: Array("<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>".utf8)) }
    }
}
