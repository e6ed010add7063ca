import HTTPTypes
import S3Protocol

/// An S3 error the server answers with: status, code and a message for the XML body.
struct S3ServerError: Error, Sendable, Hashable {
    var status: HTTPResponse.Status
    var code: S3ErrorCode
    var message: String
    var resource: String?
    /// Extra fields of the body, such as `StringToSign` on SignatureDoesNotMatch.
    var details: [String: String] = [:]
    /// Seconds a client should wait before retrying, sent as `Retry-After` (503 SlowDown).
    var retryAfter: Int? = nil
    /// Headers the error answer carries, such as `x-amz-delete-marker` on a GET of a deleted key.
    var headers: [String: String] = [:]

    init(_ status: HTTPResponse.Status, _ code: S3ErrorCode, _ message: String, resource: String? = nil, details: [String: String] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.resource = resource
        self.details = details
    }

    static func noSuchBucket(_ bucket: String) -> S3ServerError {
        S3ServerError(.notFound, .noSuchBucket, "The specified bucket does not exist", resource: "/\(bucket)")
    }

    static func noSuchKey(_ key: String) -> S3ServerError {
        S3ServerError(.notFound, .noSuchKey, "The specified key does not exist.", resource: key)
    }

    static func noSuchUpload(_ id: String) -> S3ServerError {
        S3ServerError(.notFound, .noSuchUpload, "The specified multipart upload does not exist.", resource: id)
    }

    static func invalidArgument(_ message: String) -> S3ServerError {
        S3ServerError(.badRequest, .invalidArgument, message)
    }

    static func accessDenied(_ message: String = "Access Denied") -> S3ServerError {
        S3ServerError(.forbidden, .accessDenied, message)
    }

    static func malformedXML(_ detail: String) -> S3ServerError {
        S3ServerError(
            .badRequest, .malformedXML,
            "The XML you provided was not well-formed or did not validate against our published schema: \(detail)")
    }

    /// AWS's answer to a copy whose source (or source range) is over 5 GiB.
    static func copySourceTooLarge() -> S3ServerError {
        S3ServerError(
            .badRequest, .invalidRequest,
            "The specified copy source is larger than the maximum allowable size for a copy source: \(S3Limits.maximumPutSize)")
    }

    static func internalError(_ message: String) -> S3ServerError {
        S3ServerError(.internalServerError, .internalError, "We encountered an internal error. Please try again. (\(message))")
    }
}
