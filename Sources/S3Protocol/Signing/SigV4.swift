public import Crypto
public import Foundation

/// AWS Signature Version 4: canonical request, string to sign, signing key, header and query
/// (presigned) signatures, and the per-chunk signatures of `aws-chunked` uploads.
///
/// Pure functions of their inputs, including the date, so the published test vectors pin them
/// down and the server verifies with exactly the code the client signs with.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    public static let streamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    /// The longest validity S3 accepts for a presigned URL: seven days.
    public static let maximumPresignExpiry = 7 * 24 * 3600

    public var credentials: Credentials
    public var region: String
    public var service: String
    /// Remove `.`/`..` segments and repeated slashes before encoding. S3 must never do this (a key
    /// may contain `//`); the generic AWS test suite does.
    public var normalizePath: Bool

    public init(credentials: Credentials, region: String, service: String = "s3", normalizePath: Bool = false) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizePath = normalizePath
    }

    // MARK: Canonical forms

    /// The canonical URI: each segment of the wire path decoded, then encoded the AWS way.
    public func canonicalURI(_ path: String) -> String {
        // Most paths are already canonical (unreserved bytes and slashes): decoding and encoding
        // each segment would give them back unchanged.
        if !normalizePath, !path.isEmpty, path.utf8.allSatisfy({ URIEncoding.isUnreserved($0) || $0 == UInt8(ascii: "/") }) {
            return path
        }
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if normalizePath { segments = Self.removeDotSegments(segments) }
        let encoded = segments.map { URIEncoding.encode(URIEncoding.decode($0) ?? $0) }.joined(separator: "/")
        return encoded.isEmpty ? "/" : encoded
    }

    public func canonicalQuery(_ query: [QueryItem]) -> String {
        let pairs: [(name: String, value: String)] = query.map { item in
            (URIEncoding.encode(item.name), URIEncoding.encode(item.value ?? ""))
        }
        let sorted = pairs.sorted { lhs, rhs in lhs.name == rhs.name ? lhs.value < rhs.value : lhs.name < rhs.name }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// The canonical request over the named headers (lower-case names).
    public func canonicalRequest(_ request: SignableRequest, signedHeaders: [String], payloadHash: String) -> String {
        // Built in one string: every request signed or verified passes here, and the arrays,
        // dictionary and joins of the plain form were a measurable part of a small GET's cost.
        let names = signedHeaders.sorted()
        let fields = request.headers.fields
        let lowered = fields.map { $0.name.lowercased() }
        var canonical = ""
        canonical.reserveCapacity(256 + request.path.utf8.count + fields.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count })
        canonical += request.method
        canonical += "\n"
        canonical += canonicalURI(request.path)
        canonical += "\n"
        canonical += canonicalQuery(request.query)
        canonical += "\n"
        var previous: String?
        for name in names where name != previous {
            previous = name
            // Repeated fields are one line, their values joined by `,` in arrival order.
            var first = true
            for index in fields.indices where lowered[index] == name {
                canonical += first ? name + ":" : ","
                canonical += SignableHeaders.normalizeValue(fields[index].value)
                first = false
            }
            if !first { canonical += "\n" }
        }
        canonical += "\n"
        canonical += names.joined(separator: ";")
        canonical += "\n"
        canonical += payloadHash
        return canonical
    }

    public func scope(date: Date) -> String {
        scope(stamp: HTTPDate.iso8601Basic(date))
    }

    /// The scope of the day of `stamp`, an `x-amz-date` value (``HTTPDate/iso8601Basic(_:)``).
    func scope(stamp: String) -> String {
        "\(stamp.prefix(8))/\(region)/\(service)/aws4_request"
    }

    public func stringToSign(canonicalRequest: String, date: Date) -> String {
        stringToSign(canonicalRequest: canonicalRequest, stamp: HTTPDate.iso8601Basic(date))
    }

    /// ``stringToSign(canonicalRequest:date:)`` at the time `stamp` (``HTTPDate/iso8601Basic(_:)``),
    /// formatted once by a caller that needs it elsewhere too.
    func stringToSign(canonicalRequest: String, stamp: String) -> String {
        Self.algorithm + "\n" + stamp + "\n" + scope(stamp: stamp) + "\n" + Self.sha256Hex(canonicalRequest)
    }

    /// SHA-256 of a string's UTF-8, hashed where it lies rather than copied into `Data` first.
    static func sha256Hex(_ string: String) -> String {
        var string = string
        return string.withUTF8 { Digests.hex(SHA256.hash(data: UnsafeRawBufferPointer($0))) }
    }

    public func signingKey(date: Date) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretKey)".utf8))
        for part in [HTTPDate.yyyymmdd(date), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    public func signature(stringToSign: String, date: Date) -> String {
        Self.signature(stringToSign: stringToSign, signingKey: signingKey(date: date))
    }

    /// The signature of `stringToSign` with a signing key already derived (``signingKey(date:)``),
    /// for a verifier that keeps the day's key instead of deriving it with four HMACs each time.
    public static func signature(stringToSign: String, signingKey: SymmetricKey) -> String {
        var text = stringToSign
        return text.withUTF8 { Digests.hex(HMAC<SHA256>.authenticationCode(for: UnsafeRawBufferPointer($0), using: signingKey)) }
    }

    // MARK: Signing

    /// Signs `request` with an `Authorization` header. Adds `x-amz-date`, and for S3 the
    /// `x-amz-content-sha256` header carrying `payloadHash`, plus the session token if any.
    /// Every header present is signed except the hop-by-hop ones a proxy may rewrite.
    /// `signingKeys` keeps the day's signing key between requests (four HMACs fewer each).
    public func sign(_ request: inout SignableRequest, payloadHash: String, date: Date, signingKeys: SigningKeyCache? = nil) {
        let stamp = HTTPDate.iso8601Basic(date)
        request.headers.replace("x-amz-date", stamp)
        if service == "s3" { request.headers.replace("x-amz-content-sha256", payloadHash) }
        if let token = credentials.sessionToken { request.headers.replace("x-amz-security-token", token) }
        let signedHeaders = Self.headersToSign(request.headers)
        let authorization = authorizationValue(
            request, signedHeaders: signedHeaders, payloadHash: payloadHash, date: date, stamp: stamp, signingKeys: signingKeys)
        request.headers.replace("Authorization", authorization)
    }

    /// The `Authorization` value for a request whose headers are final.
    public func authorizationValue(
        _ request: SignableRequest, signedHeaders: [String], payloadHash: String, date: Date, signingKeys: SigningKeyCache? = nil
    ) -> String {
        authorizationValue(
            request, signedHeaders: signedHeaders, payloadHash: payloadHash, date: date, stamp: HTTPDate.iso8601Basic(date),
            signingKeys: signingKeys)
    }

    private func authorizationValue(
        _ request: SignableRequest, signedHeaders: [String], payloadHash: String, date: Date, stamp: String, signingKeys: SigningKeyCache?
    ) -> String {
        let canonical = canonicalRequest(request, signedHeaders: signedHeaders, payloadHash: payloadHash)
        let key = signingKeys?.key(for: self, date: date) ?? signingKey(date: date)
        let signature = Self.signature(stringToSign: stringToSign(canonicalRequest: canonical, stamp: stamp), signingKey: key)
        return "\(Self.algorithm) Credential=\(credentials.accessKey)/\(scope(stamp: stamp)), "
            + "SignedHeaders=\(signedHeaders.sorted().joined(separator: ";")), Signature=\(signature)"
    }

    /// The query items of a presigned URL for `request` (whose `host` header must be set), valid
    /// for `expires` seconds from `date`; `X-Amz-Signature` is last.
    public func presignedQuery(
        _ request: SignableRequest, expires: Int, date: Date, payloadHash: String = unsignedPayload
    ) -> [QueryItem] {
        let signedHeaders = Self.headersToSign(request.headers)
        var query = request.query
        query.append(QueryItem("X-Amz-Algorithm", Self.algorithm))
        query.append(QueryItem("X-Amz-Credential", "\(credentials.accessKey)/\(scope(date: date))"))
        query.append(QueryItem("X-Amz-Date", HTTPDate.iso8601Basic(date)))
        query.append(QueryItem("X-Amz-Expires", String(expires)))
        if let token = credentials.sessionToken { query.append(QueryItem("X-Amz-Security-Token", token)) }
        query.append(QueryItem("X-Amz-SignedHeaders", signedHeaders.sorted().joined(separator: ";")))
        var unsigned = request
        unsigned.query = query
        let canonical = canonicalRequest(unsigned, signedHeaders: signedHeaders, payloadHash: payloadHash)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: canonical, date: date), date: date)
        query.append(QueryItem("X-Amz-Signature", signature))
        return query
    }

    /// The signature of one `aws-chunked` chunk, chained to the previous chunk's (or the seed's).
    public func chunkSignature(chunkSHA256Hex: String, previousSignature: String, date: Date) -> String {
        let stringToSign = [
            "AWS4-HMAC-SHA256-PAYLOAD", HTTPDate.iso8601Basic(date), scope(date: date), previousSignature,
            Digests.emptySHA256Hex, chunkSHA256Hex,
        ].joined(separator: "\n")
        return signature(stringToSign: stringToSign, date: date)
    }

    /// The signature of the trailers of a `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER` body,
    /// chained to the final chunk's signature: it covers each trailer as `name:value\n`, sorted.
    public func trailerSignature(trailers: [String: String], previousSignature: String, date: Date) -> String {
        let canonical = trailers.map { (name: $0.key.lowercased(), value: $0.value.trimmingCharacters(in: .whitespaces)) }
            .sorted { $0.name < $1.name }
            .map { "\($0.name):\($0.value)\n" }
            .joined()
        let stringToSign = [
            "AWS4-HMAC-SHA256-TRAILER", HTTPDate.iso8601Basic(date), scope(date: date), previousSignature,
            Digests.sha256Hex(Data(canonical.utf8)),
        ].joined(separator: "\n")
        return signature(stringToSign: stringToSign, date: date)
    }

    /// Lower-case names of the headers a client signs: all but those that proxies and HTTP stacks
    /// are free to add or rewrite.
    public static func headersToSign(_ headers: SignableHeaders) -> [String] {
        var names = headers.fields.map { $0.name.lowercased() }.filter { !unsignedHeaders.contains($0) }
        names.sort()
        var unique: [String] = []
        unique.reserveCapacity(names.count)
        for name in names where unique.last != name { unique.append(name) }
        return unique
    }

    private static let unsignedHeaders: Set<String> = [
        "authorization", "user-agent", "expect", "connection", "transfer-encoding", "x-amzn-trace-id", "keep-alive", "te", "upgrade",
    ]

    static func removeDotSegments(_ segments: [String]) -> [String] {
        // segments[0] is the empty string before the leading slash.
        var out: [String] = []
        let trailingSlash = segments.count > 1 && (segments.last == "" || segments.last == "." || segments.last == "..")
        for segment in segments.dropFirst() {
            switch segment {
            case "", ".": continue
            case "..": if !out.isEmpty { out.removeLast() }
            default: out.append(segment)
            }
        }
        return [""] + out + (trailingSlash && !out.isEmpty ? [""] : [])
    }
}
