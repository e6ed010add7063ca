/// An S3 error code. A struct over the string rather than an enum, so codes a server invents
/// (RGW and MSS add their own) survive, and new well-known ones can be added without breaking users.
public struct S3ErrorCode: Sendable, Hashable, RawRepresentable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let accessDenied: S3ErrorCode = "AccessDenied"
    public static let badDigest: S3ErrorCode = "BadDigest"
    public static let bucketAlreadyExists: S3ErrorCode = "BucketAlreadyExists"
    public static let bucketAlreadyOwnedByYou: S3ErrorCode = "BucketAlreadyOwnedByYou"
    public static let bucketNotEmpty: S3ErrorCode = "BucketNotEmpty"
    public static let entityTooLarge: S3ErrorCode = "EntityTooLarge"
    public static let entityTooSmall: S3ErrorCode = "EntityTooSmall"
    public static let incompleteBody: S3ErrorCode = "IncompleteBody"
    public static let internalError: S3ErrorCode = "InternalError"
    public static let invalidAccessKeyId: S3ErrorCode = "InvalidAccessKeyId"
    public static let invalidArgument: S3ErrorCode = "InvalidArgument"
    public static let invalidBucketName: S3ErrorCode = "InvalidBucketName"
    public static let invalidDigest: S3ErrorCode = "InvalidDigest"
    public static let invalidPart: S3ErrorCode = "InvalidPart"
    public static let invalidPartOrder: S3ErrorCode = "InvalidPartOrder"
    public static let invalidRange: S3ErrorCode = "InvalidRange"
    public static let invalidRequest: S3ErrorCode = "InvalidRequest"
    public static let keyTooLong: S3ErrorCode = "KeyTooLongError"
    public static let malformedXML: S3ErrorCode = "MalformedXML"
    public static let methodNotAllowed: S3ErrorCode = "MethodNotAllowed"
    public static let missingContentLength: S3ErrorCode = "MissingContentLength"
    public static let noSuchBucket: S3ErrorCode = "NoSuchBucket"
    public static let noSuchKey: S3ErrorCode = "NoSuchKey"
    public static let noSuchUpload: S3ErrorCode = "NoSuchUpload"
    public static let notImplemented: S3ErrorCode = "NotImplemented"
    public static let notModified: S3ErrorCode = "NotModified"
    public static let preconditionFailed: S3ErrorCode = "PreconditionFailed"
    public static let requestTimeTooSkewed: S3ErrorCode = "RequestTimeTooSkewed"
    public static let serviceUnavailable: S3ErrorCode = "ServiceUnavailable"
    public static let signatureDoesNotMatch: S3ErrorCode = "SignatureDoesNotMatch"
    public static let slowDown: S3ErrorCode = "SlowDown"
    public static let xAmzContentSHA256Mismatch: S3ErrorCode = "XAmzContentSHA256Mismatch"
    public static let authorizationHeaderMalformed: S3ErrorCode = "AuthorizationHeaderMalformed"
    public static let invalidURI: S3ErrorCode = "InvalidURI"
    public static let malformedACLError: S3ErrorCode = "MalformedACLError"
    public static let maxMessageLengthExceeded: S3ErrorCode = "MaxMessageLengthExceeded"
    public static let metadataTooLarge: S3ErrorCode = "MetadataTooLarge"
    public static let missingSecurityHeader: S3ErrorCode = "MissingSecurityHeader"
    public static let noSuchVersion: S3ErrorCode = "NoSuchVersion"
    public static let operationAborted: S3ErrorCode = "OperationAborted"
    public static let requestTimeout: S3ErrorCode = "RequestTimeout"
    public static let conditionalRequestConflict: S3ErrorCode = "ConditionalRequestConflict"

    /// The code S3 implies by a status alone, for responses without a body (HEAD).
    public static func implied(byStatus status: Int, isBucketLevel: Bool) -> S3ErrorCode {
        switch status {
        case 301: "PermanentRedirect"
        case 304: .notModified
        case 400: "BadRequest"
        case 403: .accessDenied
        case 404: isBucketLevel ? .noSuchBucket : .noSuchKey
        case 405: .methodNotAllowed
        case 409: "Conflict"
        case 412: .preconditionFailed
        case 416: .invalidRange
        case 500: .internalError
        case 503: .serviceUnavailable
        default: S3ErrorCode("HTTP\(status)")
        }
    }
}
