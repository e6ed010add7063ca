import Foundation
import S3Protocol
import Testing

/// The lifecycle document: the API reference's examples, what is malformed, and S3's rules.
@Suite struct LifecycleConfigurationTests {
    static func decode(_ text: String) throws -> LifecycleConfiguration {
        try LifecycleConfiguration(bytes: Array(text.utf8))
    }

    static func rules(_ body: String) -> String {
        "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\(body)</LifecycleConfiguration>"
    }

    @Test func theReferenceExampleDecodesAndSurvivesARoundTrip() throws {
        let document = try Self.decode(Self.rules("""
            <Rule><ID>id1</ID><Filter><And><Prefix>documents/</Prefix><Tag><Key>key1</Key><Value>value1</Value></Tag>\
            <ObjectSizeGreaterThan>100</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status>\
            <Expiration><Days>365</Days></Expiration></Rule>
            <Rule><ID>id2</ID><Prefix>logs/</Prefix><Status>Disabled</Status>\
            <NoncurrentVersionExpiration><NoncurrentDays>30</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>\
            <AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>
            <Rule><ID>id3</ID><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration></Rule>
            """))
        #expect(document.rules.count == 3)
        let first = document.rules[0]
        #expect(first.filter == .init(prefix: "documents/", tags: [.init(key: "key1", value: "value1")], objectSizeGreaterThan: 100, usesAnd: true))
        #expect(first.expiration == .init(days: 365))
        #expect(document.rules[1].prefix == "logs/" && document.rules[1].filter == nil && document.rules[1].status == .disabled)
        #expect(document.rules[1].noncurrentVersionExpiration == .init(noncurrentDays: 30, newerNoncurrentVersions: 2))
        #expect(document.rules[1].abortIncompleteMultipartUploadDays == 7)
        #expect(document.rules[2].expiration?.date == HTTPDate.parseISO8601("2030-01-01T00:00:00.000Z"))
        #expect(document.problem() == nil)
        #expect(try Self.decode(document.serialized()) == document)
    }

    @Test(arguments: [
        "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>",
        "<Rule><Filter/><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule>",
        "<Rule><Filter><Prefix>a</Prefix><Prefix>b</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
        "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>2147483648</Days></Expiration></Rule>",
        "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>99999999999999999999999999</Days></Expiration></Rule>",
        "<Rule><Filter/><Status>Enabled</Status><Expiration/></Rule>",
        "<Rule><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration/></Rule>",
        "<Rule><Filter><Unknown/></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
    ])
    func malformedRulesAreRefusedWhileDecoding(_ rule: String) {
        #expect(throws: DocumentError.self) { try Self.decode(Self.rules(rule)) }
    }

    /// What S3 refuses as MalformedXML but Ceph RGW answers GET with (a Prefix and a Tag
    /// without <And>) decodes, and ``LifecycleConfiguration/problem()`` refuses.
    @Test(arguments: [
        "<Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
        "<Rule><Prefix/><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
        "<Rule><Filter><And><Prefix>a</Prefix></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
        "<Rule><Filter><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>",
    ])
    func shapesS3RefusesDecodeButAreProblems(_ rule: String) throws {
        #expect(try Self.decode(Self.rules(rule)).problem()?.code == .malformedXML)
    }

    @Test func rgwsPrefixBesideAndReadsAsOneFilterButIsAProblemToPut() throws {
        let document = try Self.decode(Self.rules(
            "<Rule><ID>s</ID><Filter><Prefix>tmp/</Prefix><And><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>2</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>"))
        #expect(document.rules[0].effectivePrefix == "tmp/" && document.rules[0].effectiveTags.map(\.key) == ["a", "b"])
        #expect(document.problem()?.code == .malformedXML)
    }

    @Test func rgwsFilterWithoutAndReadsAsBothConditions() throws {
        let document = try Self.decode(Self.rules(
            "<Rule><ID>s</ID><Filter><Prefix>tmp/</Prefix><Tag><Key>kind</Key><Value>s</Value></Tag></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>"))
        #expect(document.rules[0].effectivePrefix == "tmp/" && document.rules[0].effectiveTags == [.init(key: "kind", value: "s")])
    }

    /// FuzzXML's property on the shapes decoding is lenient about: what is written reads back
    /// and writes the same text again.
    @Test(arguments: [
        "<Rule><ID>a</ID><Filter><Prefix>p/</Prefix><And><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>-3</Days></Expiration><Transition/></Rule>",
        "<Rule><Prefix>x</Prefix><Filter><And/></Filter><Status>Disabled</Status><Expiration><ExpiredObjectDeleteMarker> true </ExpiredObjectDeleteMarker></Expiration></Rule>",
        "<Rule><Status>Enabled</Status><Expiration><Date>2030-01-01T00:00:00.0005Z</Date></Expiration></Rule>",
        "<Rule><Filter><ObjectSizeLessThan>9</ObjectSizeLessThan><Tag><Key>k</Key><Value/></Tag><Prefix>z</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>-0</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>",
    ])
    func whatIsWrittenReadsBackAndWritesTheSame(_ rule: String) throws {
        let text = try Self.decode(Self.rules(rule)).serialized()
        #expect(try Self.decode(text).serialized() == text)
    }

    @Test func moreThanAThousandRulesAreRefusedBeforeDecodingThem() {
        let rule = "<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>"
        #expect(throws: DocumentError.self) { try Self.decode(Self.rules(String(repeating: rule, count: 1001))) }
        #expect((try? Self.decode(Self.rules(String(repeating: rule, count: 1000))))?.rules.count == 1000)
    }

    @Test func s3sRulesGiveS3sCodes() throws {
        func problem(_ rules: [LifecycleRule]) -> S3ErrorCode? { LifecycleConfiguration(rules: rules).problem()?.code }
        let expire = LifecycleRule.Expiration(days: 1)
        #expect(problem([]) == .malformedXML)
        #expect(problem([LifecycleRule(id: "a", expiration: expire)]) == nil)
        #expect(problem([LifecycleRule(id: "a", expiration: expire), LifecycleRule(id: "a", expiration: expire)]) == .invalidArgument)
        #expect(problem([LifecycleRule(id: String(repeating: "x", count: 256), expiration: expire)]) == .invalidArgument)
        #expect(problem([LifecycleRule(id: "a")]) == .invalidRequest)
        #expect(problem([LifecycleRule(id: "a", expiration: .init(days: 0))]) == .invalidArgument)
        #expect(problem([LifecycleRule(id: "a", expiration: .init(date: Date(timeIntervalSince1970: 86_400 + 1)))]) == .invalidArgument)
        #expect(problem([LifecycleRule(id: "a", expiration: .init(date: Date(timeIntervalSince1970: 86_400)))]) == nil)
        #expect(problem([LifecycleRule(id: "a", transitionCount: 1)]) == .notImplemented)
        #expect(
            problem([LifecycleRule(id: "a", filter: .init(tags: [.init(key: "k", value: "v")]), abortIncompleteMultipartUploadDays: 1)])
                == .invalidRequest)
        #expect(problem([LifecycleRule(id: "a", noncurrentVersionExpiration: .init(noncurrentDays: 1, newerNoncurrentVersions: 101))]) == .invalidArgument)
        #expect(problem([LifecycleRule(id: "a", filter: .init(objectSizeGreaterThan: 5, objectSizeLessThan: 5), expiration: expire)]) == .invalidArgument)
    }
}
