/// The parts of a SigV2 `Authorization: AWS AKID:signature` header or presigned query
/// (`AWSAccessKeyId`, `Expires`, `Signature`), read with bounds.
public struct SigV2Authorization: Sendable, Hashable {
    public var accessKey: String
    /// Base64 of an HMAC-SHA1, as sent.
    public var signature: String
    /// The presigned URL's `Expires`, seconds since 1970 (years 1970 through 9999).
    public var expires: Int64?

    /// Parses an `Authorization` header value that starts with `AWS `.
    public init(parsingHeader header: String) throws(SignatureParseError) {
        guard header.hasPrefix("AWS "), header.utf8.count <= 1024, let colon = header.lastIndex(of: ":") else {
            throw SignatureParseError(400, .invalidArgument, "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature")
        }
        accessKey = String(header[header.index(header.startIndex, offsetBy: 4)..<colon])
        signature = String(header[header.index(after: colon)...])
        guard !accessKey.isEmpty, !signature.isEmpty else {
            throw SignatureParseError(400, .invalidArgument, "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature")
        }
        expires = nil
    }

    /// Whether `query` is a SigV2 presigned request at all.
    public static func isPresigned(_ query: [QueryItem]) -> Bool {
        query.contains("Signature") || query.contains("AWSAccessKeyId")
    }

    /// The latest `Expires` accepted: 9999-12-31T23:59:59Z.
    public static let latestExpiry: Int64 = 253_402_300_799

    /// Parses the parameters of a presigned SigV2 URL.
    public init(parsingQuery query: [QueryItem]) throws(SignatureParseError) {
        guard let accessKey = query.value(for: "AWSAccessKeyId"), let signature = query.value(for: "Signature"),
            let expiresText = query.value(for: "Expires"), !accessKey.isEmpty, !signature.isEmpty
        else {
            throw SignatureParseError(403, .accessDenied, "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
        }
        guard let expires = S3Limits.decimal(expiresText), expires <= Self.latestExpiry
        else {
            throw SignatureParseError(403, .accessDenied, "Invalid date (should be seconds since epoch): \(expiresText.prefix(64))")
        }
        self.accessKey = accessKey
        self.signature = signature
        self.expires = expires
    }
}
