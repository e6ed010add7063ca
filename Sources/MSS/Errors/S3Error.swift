public import S3Protocol

/// An error answered by the S3 server: the HTTP status and S3's code, message, request id and
/// resource.
///
/// ```swift
/// do {
///     try await connection.headBucket("photos")
/// } catch let error as S3Error where error.code == .noSuchBucket {
///     // create it
/// }
/// ```
public struct S3Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status code of the response.
    public var status: Int
    /// S3's error code, such as `NoSuchKey` or `SignatureDoesNotMatch`.
    public var code: S3ErrorCode
    public var message: String?
    public var requestID: String?
    public var resource: String?
    public var hostID: String?
    /// Extra fields of the error body, for example `StringToSign` on a signature mismatch.
    public var details: [String: String]

    public init(
        status: Int, code: S3ErrorCode, message: String? = nil, requestID: String? = nil, resource: String? = nil,
        hostID: String? = nil, details: [String: String] = [:]
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
        self.resource = resource
        self.hostID = hostID
        self.details = details
    }

    /// The error an S3 `<Error>` document describes.
    init(status: Int, document: ErrorDocument, requestID: String? = nil) {
        self.init(
            status: status, code: S3ErrorCode(document.code), message: document.message,
            requestID: document.requestID ?? requestID, resource: document.resource, hostID: document.hostID,
            details: document.details)
    }

    public var description: String {
        var text = "S3 error \(status) \(code)"
        if let message, !message.isEmpty { text += ": \(message)" }
        if let resource { text += " (resource \(resource))" }
        if let requestID { text += " [request id \(requestID)]" }
        return text
    }
}
