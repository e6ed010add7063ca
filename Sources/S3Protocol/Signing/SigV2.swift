import Crypto
public import Foundation

/// AWS Signature Version 2 for S3 (HMAC-SHA1), MSS's default: header signatures
/// (`Authorization: AWS key:signature`) and query-string authentication (presigned URLs with
/// `AWSAccessKeyId`, `Expires`, `Signature`).
public struct SigV2Signer: Sendable {
    /// The sub-resources that take part in the canonical resource, in S3's list.
    public static let signedSubresources: Set<String> = [
        "acl", "cors", "delete", "lifecycle", "location", "logging", "notification", "partNumber", "policy",
        "requestPayment", "restore", "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning",
        "versions", "website", "response-cache-control", "response-content-disposition",
        "response-content-encoding", "response-content-language", "response-content-type", "response-expires",
    ]

    public var credentials: Credentials

    public init(credentials: Credentials) {
        self.credentials = credentials
    }

    /// `/bucket/key` as sent on the wire plus the sorted signed sub-resources; their values are
    /// not encoded. `resourcePath` must already include the bucket for virtual-host requests.
    public func canonicalResource(resourcePath: String, query: [QueryItem]) -> String {
        let subresources = query.filter { Self.signedSubresources.contains($0.name) }
            .sorted { $0.name < $1.name }
            .map { item in item.value.map { "\(item.name)=\($0)" } ?? item.name }
        return subresources.isEmpty ? resourcePath : resourcePath + "?" + subresources.joined(separator: "&")
    }

    /// The `x-amz-*` headers, lower-cased, sorted, repeated values joined with `,`, one per line.
    public func canonicalAmzHeaders(_ headers: SignableHeaders) -> String {
        headers.canonicalized()
            .filter { $0.name.hasPrefix("x-amz-") }
            .sorted { $0.name < $1.name }
            .map { "\($0.name):\($0.value)\n" }
            .joined()
    }

    /// The string to sign. `dateOrExpires` is the `Date` header, or the `Expires` value of a
    /// presigned URL; it is empty when `x-amz-date` is sent instead.
    public func stringToSign(
        method: String, headers: SignableHeaders, dateOrExpires: String, resourcePath: String, query: [QueryItem]
    ) -> String {
        method + "\n" + (headers["content-md5"] ?? "") + "\n" + (headers["content-type"] ?? "") + "\n"
            + dateOrExpires + "\n" + canonicalAmzHeaders(headers)
            + canonicalResource(resourcePath: resourcePath, query: query)
    }

    public func signature(stringToSign: String) -> String {
        let key = SymmetricKey(data: Array(credentials.secretKey.utf8))
        // Hashed where the string's bytes are, not copied into a `Data` first.
        var text = stringToSign
        let code = text.withUTF8 { HMAC<Insecure.SHA1>.authenticationCode(for: UnsafeRawBufferPointer($0), using: key) }
        return Data(code).base64EncodedString()
    }

    /// Adds `Date` (or keeps an `x-amz-date` already present), the session token, and the
    /// `Authorization` header. `resourcePath` is `request.path` for path-style requests and
    /// `/bucket` + path for virtual-host ones.
    public func sign(_ request: inout SignableRequest, resourcePath: String? = nil, date: Date) {
        if let token = credentials.sessionToken { request.headers.replace("x-amz-security-token", token) }
        let dateLine: String
        if request.headers["x-amz-date"] != nil {
            dateLine = ""
        } else {
            dateLine = HTTPDate.rfc1123(date)
            request.headers.replace("Date", dateLine)
        }
        let toSign = stringToSign(
            method: request.method, headers: request.headers, dateOrExpires: dateLine,
            resourcePath: resourcePath ?? request.path, query: request.query)
        request.headers.replace("Authorization", "AWS \(credentials.accessKey):\(signature(stringToSign: toSign))")
    }

    /// The query items of a presigned URL valid until `expires` (Unix seconds).
    public func presignedQuery(_ request: SignableRequest, resourcePath: String? = nil, expires: Int) -> [QueryItem] {
        var headers = request.headers
        var query = request.query
        if let token = credentials.sessionToken {
            headers.replace("x-amz-security-token", token)
            query.append(QueryItem("x-amz-security-token", token))
        }
        let toSign = stringToSign(
            method: request.method, headers: headers, dateOrExpires: String(expires),
            resourcePath: resourcePath ?? request.path, query: request.query)
        query.append(QueryItem("AWSAccessKeyId", credentials.accessKey))
        query.append(QueryItem("Expires", String(expires)))
        query.append(QueryItem("Signature", signature(stringToSign: toSign)))
        return query
    }
}
