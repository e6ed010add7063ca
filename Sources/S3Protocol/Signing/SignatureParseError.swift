/// Why the signature parameters of a request (an `Authorization` header or a presigned query)
/// could not be read: the S3 status, code and message a server answers with.
public struct SignatureParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var status: Int
    public var code: S3ErrorCode
    public var message: String

    public init(_ status: Int, _ code: S3ErrorCode, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    static func malformedHeader(_ detail: String) -> SignatureParseError {
        SignatureParseError(400, .authorizationHeaderMalformed, "The authorization header is malformed; \(detail)")
    }
}
