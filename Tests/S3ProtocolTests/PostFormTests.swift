import Foundation
import S3Protocol
import Testing

/// The POST Object form reader and policy documents, on their own: every way of cutting a body
/// into pieces reads the same, boundary look-alikes stay content, and policies are read with
/// bounds and checked as S3 documents them.
@Suite struct PostFormTests {
    struct Reading: Equatable {
        var fields: [String] = []
        var file: [UInt8] = []
        var filename: String?
        var closed = false
    }

    static func read(_ body: [UInt8], piece: Int, boundary: String = "B", limit: Int = 20 * 1024) throws -> Reading {
        var parser = FormDataParser(boundary: boundary, maximumPreFileBytes: limit)
        var reading = Reading()
        var offset = 0
        while offset < body.count {
            let chunk = Array(body[offset..<min(body.count, offset + piece)])
            for event in try chunk.withUnsafeBytes({ bytes in try parser.feed(bytes) }) {
                switch event {
                case .field(let name, let value): reading.fields.append("\(name)=\(value)")
                case .fileStart(let filename, _): reading.filename = filename
                case .fileBytes(.input(let range)): reading.file += chunk[range]
                case .fileBytes(.held(let bytes)): reading.file += bytes
                case .fileEnd: break
                }
            }
            offset += piece
        }
        try parser.finish()
        reading.closed = parser.isClosed
        return reading
    }

    static let content: [UInt8] = Array("\r\n--\r\n--B-\r\n--Bx\r\n-\r\r\n--".utf8) + (0..<200).map { UInt8($0 % 251) } + Array("\r\n--B".utf8.dropLast())
    static let body: [UInt8] = Array("preamble\r\n--B\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuploads/${filename}\r\n".utf8)
        + Array("--B  \r\ncontent-disposition: form-data; name=\"X-Amz-Meta-A\"\r\n\r\nvalue with\r\n--Bnot a boundary\r\n".utf8)
        + Array("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".txt\"\r\nContent-Type: text/plain\r\n\r\n".utf8)
        + content + Array("\r\n--B\r\nContent-Disposition: form-data; name=\"after\"\r\n\r\nignored\r\n--B--\r\nepilogue".utf8)

    @Test func everySplitReadsTheSame() throws {
        let whole = try Self.read(Self.body, piece: Self.body.count)
        #expect(whole.fields == ["key=uploads/${filename}", "X-Amz-Meta-A=value with\r\n--Bnot a boundary"])
        #expect(whole.file == Self.content)
        #expect(whole.filename == "a \"b\".txt")
        #expect(whole.closed)
        for piece in 1..<80 {
            #expect(try Self.read(Self.body, piece: piece) == whole, "pieces of \(piece)")
        }
    }

    @Test func hostileFormsFailCleanly() {
        let head = Array("--B\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\n".utf8)
        #expect(throws: FormDataParser.Failure.preFileDataTooLarge) {
            _ = try Self.read(head + [UInt8](repeating: 0x61, count: 30_000) + Array("\r\n--B--".utf8), piece: 4096)
        }
        #expect(throws: FormDataParser.Failure.malformed("the body ended inside a part")) { _ = try Self.read(head + [1, 2, 3], piece: 2) }
        #expect(throws: FormDataParser.Failure.secondFile) {
            let file = Array("--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n".utf8)
            _ = try Self.read(file + file + Array("--B--".utf8), piece: 3)
        }
        #expect(throws: (any Error).self) { _ = try Self.read(Array("--B\r\nno colon\r\n\r\nx\r\n--B--".utf8), piece: 5) }
        #expect(throws: (any Error).self) { _ = try Self.read(Array("--B\r\nContent-Type: a\r\n\r\nx\r\n--B--".utf8), piece: 5) }
        #expect(throws: (any Error).self) {
            _ = try Self.read(Array("--B\r\n".utf8) + [UInt8](repeating: 0x41, count: 9000), piece: 512)
        }
    }

    @Test func contentTypeBoundary() {
        #expect(FormDataContentType.boundary("multipart/form-data; boundary=----abc") == "----abc")
        #expect(FormDataContentType.boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"") == "a b")
        #expect(FormDataContentType.boundary("multipart/form-data") == nil)
        #expect(FormDataContentType.boundary("multipart/form-data; boundary=") == nil)
        #expect(FormDataContentType.boundary("multipart/form-data; boundary=" + String(repeating: "x", count: 71)) == nil)
        #expect(FormDataContentType.boundary("multipart/mixed; boundary=x") == nil)
        #expect(!FormDataContentType.isFormData("application/x-www-form-urlencoded"))
    }

    static func policy(_ json: String) throws(PostPolicy.Invalid) -> PostPolicy { try PostPolicy(json: Data(json.utf8)) }

    @Test func policiesAreReadWithBounds() throws {
        let policy = try Self.policy(
            #"{"expiration": "2030-01-01T00:00:00.000Z", "conditions": [{"bucket": "b"}, ["starts-with", "$key", "up/"], ["eq", "$Content-Type", "text/plain"], ["content-length-range", 1, "1048576"]]}"#)
        #expect(policy.conditions == [
            .exact(field: "bucket", value: "b"), .startsWith(field: "key", prefix: "up/"), .exact(field: "Content-Type", value: "text/plain"),
            .contentLengthRange(minimum: 1, maximum: 1_048_576),
        ])
        #expect(try PostPolicy(base64: policy.base64()) == policy)
        for bad in [
            #"{"conditions": []}"#, #"{"expiration": "tomorrow", "conditions": []}"#, #"{"expiration": "2030-01-01T00:00:00Z"}"#,
            #"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", -1, 5]]}"#,
            #"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", 1.5, 5]]}"#,
            #"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["content-length-range", 1, 1e300]]}"#,
            #"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["eq", "key", "x"]]}"#,
            #"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["in", "$key", "x"]]}"#,
            #"{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"key": 5}]}"#,
            "{\"expiration\": \"2030-01-01T00:00:00Z\", \"conditions\": " + String(repeating: "[", count: 100_000) + "}",
            "[1]", "", "{",
        ] {
            #expect(throws: PostPolicy.Invalid.self, "\(bad.prefix(80))") { _ = try Self.policy(bad) }
        }
        #expect(throws: PostPolicy.Invalid.self) { _ = try PostPolicy(base64: "not base64 at all!") }
    }

    @Test func conditionsAreCheckedAsS3Does() throws {
        let policy = try Self.policy(
            #"{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"bucket": "b"}, ["starts-with", "$key", "up/"], ["starts-with", "$Content-Type", "image/"], {"acl": "private"}, ["content-length-range", 2, 4]]}"#)
        let good: [(name: String, value: String)] = [
            ("key", "up/a"), ("Content-Type", "image/png, image/gif"), ("ACL", "private"), ("policy", "p"), ("x-amz-signature", "s"),
            ("X-Ignore-Me", "1"),
        ]
        try policy.check(fields: good, bucket: "b", now: Date(timeIntervalSince1970: 0))
        #expect(throws: PostPolicy.Violation.expired) { try policy.check(fields: good, bucket: "b", now: Date(timeIntervalSince1970: 2e9)) }
        #expect(throws: PostPolicy.Violation.conditionFailed(.exact(field: "bucket", value: "b"))) {
            try policy.check(fields: good, bucket: "c", now: Date(timeIntervalSince1970: 0))
        }
        #expect(throws: PostPolicy.Violation.conditionFailed(.startsWith(field: "Content-Type", prefix: "image/"))) {
            try policy.check(fields: good.map { $0.name == "Content-Type" ? ($0.name, "image/png, text/html") : $0 }, bucket: "b", now: Date(timeIntervalSince1970: 0))
        }
        #expect(throws: PostPolicy.Violation.extraField("x-amz-meta-x")) {
            try policy.check(fields: good + [("x-amz-meta-x", "1")], bucket: "b", now: Date(timeIntervalSince1970: 0))
        }
        #expect(throws: PostPolicy.Violation.conditionFailed(.startsWith(field: "key", prefix: "up/"))) {
            try policy.check(fields: good + [("KEY", "up/b")], bucket: "b", now: Date(timeIntervalSince1970: 0))
        }
        let loose = try Self.policy(#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["starts-with", "$bucket", ""]]}"#)
        #expect(throws: PostPolicy.Violation.conditionFailed(.startsWith(field: "bucket", prefix: ""))) {
            try loose.check(fields: [], bucket: "b", now: Date(timeIntervalSince1970: 0))
        }
        #expect(throws: PostPolicy.Violation.tooSmall) { try policy.checkSize(1) }
        #expect(throws: PostPolicy.Violation.tooLarge) { try policy.checkSize(5) }
        try policy.checkSize(2)
        try policy.checkSize(4)
        #expect(policy.allowedSizes == 2...4)
        #expect(PostPolicy.Violation.conditionFailed(.exact(field: "key", value: "a\"b")).message
            == #"Invalid according to Policy: Policy Condition failed: ["eq", "$key", "a\"b"]"#)
    }

    @Test func signaturesAndCredentials() throws {
        let credentials = Credentials(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        let credential = try #require(PostPolicySignature.Credential(parsing: "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"))
        #expect(credential.region == "us-east-1")
        let day = try #require(credential.date)
        let v4 = PostPolicySignature.v4(policy: "cG9saWN5", credentials: credentials, region: "us-east-1", date: day)
        #expect(v4.count == 64 && v4 != PostPolicySignature.v4(policy: "cG9saWN6", credentials: credentials, region: "us-east-1", date: day))
        #expect(PostPolicySignature.v2(policy: "cG9saWN5", credentials: credentials).count == 28)
        for bad in ["AK/2015122/us-east-1/s3/aws4_request", "AK/20151229/us-east-1/ec2/aws4_request", "/20151229/r/s3/aws4_request", "AK/20151229/r/s3"] {
            #expect(PostPolicySignature.Credential(parsing: bad) == nil)
        }
        #expect(PostPolicySignature.Credential(parsing: "AK/20151399/r/s3/aws4_request")?.date == nil)
    }
}
