import Foundation
import S3Protocol
import Testing

/// The byte-level shortcuts of signing (header values already canonical, whitespace trimmed in
/// an `Authorization` header) against the Character- and Foundation-based forms they stand in
/// for, on random text built from the characters where those could disagree.
@Suite struct SigningFastPathTests {
    /// Text that tells bytes from Characters apart: CR LF is one Character, a combining accent
    /// joins the space before it, U+00A0 and U+2003 are whitespace to Foundation but not ASCII.
    static let pieces = [
        " ", "  ", "\t", "\r", "\n", "\r\n", "a", "Z", "0", "=", ",", ";", "/", "-", "é", "\u{301}", "\u{a0}", "\u{2003}",
        "\u{7f}", "\u{1}", "日",
    ]

    static func randomText(_ generator: inout some RandomNumberGenerator, maximumPieces: Int = 12) -> String {
        let count = Int.random(in: 0...maximumPieces, using: &generator)
        return (0..<count).map { _ in pieces.randomElement(using: &generator) ?? "" }.joined()
    }

    /// How values were canonicalised before the shortcut: Character by Character.
    static func referenceNormalized(_ value: String) -> String {
        var out = ""
        var pendingSpace = false
        for char in value {
            if char == " " || char == "\t" || char == "\n" || char == "\r" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(char)
            }
        }
        return out
    }

    @Test func canonicalValuesMatchTheCharacterWalk() {
        var generator = SystemRandomNumberGenerator()
        var checked: [String] = ["", " ", "a b", "a  b", " a", "a ", "20261201T000000Z", "bytes=0-4095", "a\r\nb", "a \u{301}b"]
        for _ in 0..<20_000 { checked.append(Self.randomText(&generator)) }
        for value in checked {
            let headers = SignableHeaders([("X-Test", value)])
            #expect(headers.canonicalized().first?.value == Self.referenceNormalized(value), "value \(Array(value.unicodeScalars))")
        }
    }

    @Test func canonicalizedOnlyKeepsTheNamedFieldsInOrder() {
        let headers = SignableHeaders([("Host", "h"), ("X-Amz-Date", " d "), ("User-Agent", "ua  1"), ("x-amz-date", "e")])
        #expect(headers.canonicalized(only: ["x-amz-date", "host"]).map(\.name) == ["host", "x-amz-date"])
        #expect(headers.canonicalized(only: ["x-amz-date"]).first?.value == "d,e")
        #expect(headers.canonicalized(only: []).isEmpty)
        #expect(headers.canonicalized(only: nil).map(\.value) == headers.canonicalized().map(\.value))
    }

    /// The fields an `Authorization` header gave before the shortcut: split at commas, trimmed
    /// with Foundation, a name given twice refused.
    static func referenceFields(_ header: String) -> [String: String]? {
        let prefix = "AWS4-HMAC-SHA256 "
        guard header.hasPrefix(prefix) else { return nil }
        var fields: [String: String] = [:]
        for part in header.dropFirst(prefix.count).split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let equals = trimmed.firstIndex(of: "=") else { continue }
            let name = String(trimmed[..<equals])
            guard fields[name] == nil else { return nil }
            fields[name] = String(trimmed[trimmed.index(after: equals)...])
        }
        return fields
    }

    @Test func authorizationHeadersParseAsWithFoundationTrimming() {
        var generator = SystemRandomNumberGenerator()
        let signature = String(repeating: "ab", count: 32)
        for _ in 0..<10_000 {
            let pad = { (generator: inout SystemRandomNumberGenerator) in Self.randomText(&generator, maximumPieces: 3) }
            let header = "AWS4-HMAC-SHA256 " + pad(&generator) + "Credential=AKID/20261201/us-east-1/s3/aws4_request" + pad(&generator)
                + "," + pad(&generator) + "SignedHeaders=host;x-amz-date" + pad(&generator) + "," + pad(&generator) + "Signature="
                + signature + pad(&generator)
            let parsed = try? SigV4Authorization(parsingHeader: header)
            let reference = Self.referenceFields(header)
            let expected: SigV4Authorization? = reference.flatMap { fields in
                guard let credential = fields["Credential"], let names = fields["SignedHeaders"], let signature = fields["Signature"]
                else { return nil }
                return try? SigV4Authorization(
                    parsingHeader: "AWS4-HMAC-SHA256 Credential=\(credential),SignedHeaders=\(names),Signature=\(signature)")
            }
            #expect(parsed == expected, "header \(Array(header.unicodeScalars))")
        }
    }

    @Test func aConnectionsCachedSigningKeyIsTheDerivedOne() {
        let signer = SigV4Signer(credentials: Credentials(accessKey: "AKID", secretKey: "secret"), region: "us-east-1")
        let cache = SigningKeyCache(capacity: 2)
        let day = Date(timeIntervalSince1970: 1_764_547_200)
        for date in [day, day.addingTimeInterval(3600), day.addingTimeInterval(86_400), day.addingTimeInterval(3 * 86_400)] {
            #expect(cache.key(for: signer, date: date) == signer.signingKey(date: date))
            #expect(cache.key(for: signer, date: date) == signer.signingKey(date: date))
        }
        // Another service, region or secret of the same day is another key.
        let others = [
            SigV4Signer(credentials: signer.credentials, region: "us-east-1", service: "sts"),
            SigV4Signer(credentials: signer.credentials, region: "eu-west-1"),
            SigV4Signer(credentials: Credentials(accessKey: "AKID", secretKey: "other"), region: "us-east-1"),
        ]
        for other in others {
            #expect(cache.key(for: other, date: day) == other.signingKey(date: day))
            #expect(other.signingKey(date: day) != signer.signingKey(date: day))
        }
        var request = SignableRequest(method: "GET", path: "/b/k", query: [], headers: SignableHeaders([("Host", "h")]))
        var cached = request
        signer.sign(&request, payloadHash: Digests.emptySHA256Hex, date: day)
        signer.sign(&cached, payloadHash: Digests.emptySHA256Hex, date: day, signingKeys: cache)
        #expect(request.headers["Authorization"] == cached.headers["Authorization"])
    }
    /// The canonical request as it was built before it became one string: header lines from
    /// ``SignableHeaders/canonicalized(only:)`` sorted by name, every part joined by line breaks,
    /// and each path segment decoded and encoded again.
    static func referenceCanonicalRequest(_ request: SignableRequest, signedHeaders: [String], payloadHash: String, signer: SigV4Signer) -> String {
        let headerLines = request.headers.canonicalized(only: Set(signedHeaders))
            .sorted { $0.name < $1.name }
            .map { "\($0.name):\($0.value)\n" }
            .joined()
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let uri = segments.map { URIEncoding.encode(URIEncoding.decode($0) ?? $0) }.joined(separator: "/")
        return [
            request.method, uri.isEmpty ? "/" : uri, signer.canonicalQuery(request.query), headerLines,
            signedHeaders.sorted().joined(separator: ";"), payloadHash,
        ].joined(separator: "\n")
    }

    @Test func canonicalRequestsMatchTheJoinedForm() {
        var generator = SystemRandomNumberGenerator()
        let signer = SigV4Signer(credentials: Credentials(accessKey: "AKID", secretKey: "secret"), region: "us-east-1")
        let pathPieces = ["/", "//", "a", "Z9", "-._~", "%2F", "%41", "%e6%97%a5", "%zz", "%", " ", "+", "日", "é", "?", "="]
        let names = ["Host", "host", "X-Amz-Date", "x-amz-meta-a", "X-AMZ-META-A", "Range", "content-md5", "User-Agent"]
        for round in 0..<5_000 {
            let path = (0..<Int.random(in: 0...8, using: &generator)).map { _ in pathPieces.randomElement(using: &generator) ?? "" }.joined()
            var fields: [(String, String)] = []
            for _ in 0..<Int.random(in: 0...6, using: &generator) {
                fields.append((names.randomElement(using: &generator) ?? "Host", Self.randomText(&generator, maximumPieces: 4)))
            }
            let headers = SignableHeaders(fields)
            // Signed names: the usual ones, and some that name no field or repeat a name.
            var signed = SigV4Signer.headersToSign(headers)
            if round % 3 == 0 { signed.append("x-absent") }
            if round % 5 == 0, let name = signed.first { signed.append(name) }
            let request = SignableRequest(method: "GET", path: path, query: [QueryItem("a", "b c")], headers: headers)
            #expect(
                signer.canonicalRequest(request, signedHeaders: signed, payloadHash: "UNSIGNED-PAYLOAD")
                    == Self.referenceCanonicalRequest(request, signedHeaders: signed, payloadHash: "UNSIGNED-PAYLOAD", signer: signer),
                "path \(path), headers \(fields), signed \(signed)")
            #expect(
                SigV4Signer.headersToSign(headers)
                    == Array(Set(fields.map { $0.0.lowercased() }).subtracting(["authorization", "user-agent"])).sorted())
        }
    }
}
