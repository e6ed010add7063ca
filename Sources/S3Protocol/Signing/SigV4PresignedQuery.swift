public import Foundation

/// The `X-Amz-*` parameters of a SigV4 presigned URL, read with bounds.
public struct SigV4PresignedQuery: Sendable, Hashable {
    public var authorization: SigV4Authorization
    /// `X-Amz-Date`, checked to be on the credential's day.
    public var date: Date
    /// `X-Amz-Expires`, 0 to 604,800 seconds.
    public var expires: Int
    /// `X-Amz-Content-Sha256` when the URL signs its body's hash.
    public var contentSHA256: String?

    /// Whether `query` is a SigV4 presigned request at all.
    public static func isPresigned(_ query: [QueryItem]) -> Bool {
        query.contains("X-Amz-Signature") || query.contains("X-Amz-Algorithm") || query.contains("X-Amz-Credential")
    }

    public init(parsing query: [QueryItem]) throws(SignatureParseError) {
        guard query.value(for: "X-Amz-Algorithm") == SigV4Signer.algorithm else {
            throw SignatureParseError(400, .invalidArgument, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        }
        guard let credential = query.value(for: "X-Amz-Credential"), let amzDate = query.value(for: "X-Amz-Date"),
            let expiresText = query.value(for: "X-Amz-Expires"), let signedHeaders = query.value(for: "X-Amz-SignedHeaders"),
            let signature = query.value(for: "X-Amz-Signature")
        else {
            throw SignatureParseError(
                400, .invalidArgument,
                "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
        }
        let scope = try SigV4Authorization.Scope(parsing: credential)
        guard let date = HTTPDate.parseISO8601Basic(amzDate), HTTPDate.yyyymmdd(date) == scope.day else {
            throw SignatureParseError(
                400, .invalidArgument,
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\" and match the credential date")
        }
        guard expiresText.utf8.count <= 7, let expires = Int(expiresText), expires >= 0,
            expires <= SigV4Signer.maximumPresignExpiry
        else {
            throw SignatureParseError(400, .invalidArgument, "X-Amz-Expires must be between 0 and 604800 seconds")
        }
        let names = try SigV4Authorization.parseSignedHeaders(signedHeaders)
        // Without the host, a URL signed for one server would be good on every other.
        guard names.contains("host") else {
            throw SignatureParseError(400, "AuthorizationQueryParametersError", "X-Amz-SignedHeaders must include the host header.")
        }
        authorization = SigV4Authorization(
            scope: scope, signedHeaders: names, signature: try SigV4Authorization.parseSignature(signature))
        self.date = date
        self.expires = expires
        if let hash = query.value(for: "X-Amz-Content-Sha256") {
            guard hash == SigV4Signer.unsignedPayload || Digests.isSHA256Hex(hash) else {
                throw SignatureParseError(400, .invalidArgument, "X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or a SHA-256 in lower-case hex.")
            }
            contentSHA256 = hash
        }
    }
}
