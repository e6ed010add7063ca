import Foundation
import S3Protocol
import Testing

/// The AWS SigV4 test suite, in botocore's copy (`sigv4/`) and aws-c-auth's (`sigv4-aws-c-auth/`).
@Suite struct SigV4SuiteTests {
    static let credentials = Credentials(
        accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

    static var botocoreCases: [String] {
        (try? Fixtures.caseDirectories("sigv4", containing: ".req").map(\.path)) ?? []
    }

    static var awsCAuthCases: [String] {
        (try? Fixtures.caseDirectories("sigv4-aws-c-auth", containing: "context.json").map(\.path)) ?? []
    }

    @Test func suitesArePresent() {
        #expect(Self.botocoreCases.count == 34)
        #expect(Self.awsCAuthCases.count == 38)
    }

    @Test(arguments: botocoreCases)
    func botocoreCase(_ directory: String) throws {
        let name = URL(fileURLWithPath: directory).lastPathComponent
        func file(_ suffix: String) throws -> String {
            try String(contentsOfFile: "\(directory)/\(name).\(suffix)", encoding: .utf8)
        }
        let raw = try RawRequest(try file("req"))
        var credentials = Self.credentials
        if name == "get-vanilla-with-session-token" {
            credentials.sessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
        }
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service", normalizePath: true)
        let payload = Digests.sha256Hex(Data(raw.body.utf8))
        var request = raw.signable
        signer.sign(&request, payloadHash: payload, date: Self.date)

        let signed = SigV4Signer.headersToSign(request.headers)
        let canonical = signer.canonicalRequest(request, signedHeaders: signed, payloadHash: payload)
        #expect(canonical == (try file("creq")), "\(name)")
        #expect(signer.stringToSign(canonicalRequest: canonical, date: Self.date) == (try file("sts")), "\(name)")
        #expect(request.headers["Authorization"] == (try file("authz")), "\(name)")
    }

    @Test(arguments: awsCAuthCases)
    func awsCAuthCase(_ directory: String) throws {
        func file(_ name: String) throws -> String {
            try String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)
        }
        let contextData = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/context.json"))
        let context = try #require(try JSONSerialization.jsonObject(with: contextData) as? [String: Any])
        let keys = try #require(context["credentials"] as? [String: String])
        let omitToken = context["omit_session_token"] as? Bool ?? false
        let token = omitToken ? nil : keys["token"]
        let credentials = Credentials(
            accessKey: keys["access_key_id"] ?? "", secretKey: keys["secret_access_key"] ?? "", sessionToken: token)
        let signer = SigV4Signer(
            credentials: credentials, region: context["region"] as? String ?? "", service: context["service"] as? String ?? "",
            normalizePath: context["normalize"] as? Bool ?? true)
        let raw = try RawRequest(try file("request.txt"))
        let payload = Digests.sha256Hex(Data(raw.body.utf8))

        // Header signing.
        var request = raw.signable
        if context["sign_body"] as? Bool == true { request.headers.add("x-amz-content-sha256", payload) }
        signer.sign(&request, payloadHash: payload, date: Self.date)
        let signed = SigV4Signer.headersToSign(request.headers)
        let canonical = signer.canonicalRequest(request, signedHeaders: signed, payloadHash: payload)
        #expect(canonical == (try file("header-canonical-request.txt")), "\(directory)")
        let stringToSign = signer.stringToSign(canonicalRequest: canonical, date: Self.date)
        #expect(stringToSign == (try file("header-string-to-sign.txt")), "\(directory)")
        #expect(signer.signature(stringToSign: stringToSign, date: Self.date) == (try file("header-signature.txt")))

        // Query (presigned) signing.
        let expires = context["expiration_in_seconds"] as? Int ?? 3600
        let query = signer.presignedQuery(raw.signable, expires: expires, date: Self.date, payloadHash: payload)
        let querySignature = try #require(query.last)
        #expect(querySignature.name == "X-Amz-Signature")
        #expect(querySignature.value == (try file("query-signature.txt")), "\(directory)")
        var unsigned = raw.signable
        unsigned.query = Array(query.dropLast())
        let queryCanonical = signer.canonicalRequest(
            unsigned, signedHeaders: SigV4Signer.headersToSign(raw.headers), payloadHash: payload)
        #expect(queryCanonical == (try file("query-canonical-request.txt")), "\(directory)")
    }
}
