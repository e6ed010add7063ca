public import Foundation
public import S3Protocol

/// The HTTP methods a presigned URL can be made for.
public enum PresignMethod: String, Sendable, Hashable {
    case get = "GET"
    case put = "PUT"
    case head = "HEAD"
    case delete = "DELETE"
}

/// When a presigned URL stops working.
public enum Expiry: Sendable, Hashable {
    /// This many seconds from now (`expires_in` in `mssapi`).
    case after(TimeInterval)
    /// At this moment (`expires_in_absolute` in `mssapi`). SigV4 URLs still cannot outlive 7 days.
    case at(Date)

    func date(from now: Date) -> Date {
        switch self {
        case .after(let seconds): now.addingTimeInterval(seconds)
        case .at(let date): date
        }
    }
}

extension S3Connection {
    /// A URL that performs `method` on the bucket or key without credentials until `expiry`.
    ///
    /// - Parameters:
    ///   - headers: headers the user of the URL must send with the same values (for example a
    ///     `Content-Type` for a PUT); they are part of the signature.
    ///   - query: extra query items, such as `response-content-type` overrides, also signed.
    public func presignedURL(
        method: PresignMethod = .get, bucket: String?, key: String?, expiry: Expiry, query: [QueryItem] = [],
        headers: [String: String] = [:], now: Date = Date()
    ) throws -> URL {
        try presignedURL(
            method: method, bucket: bucket, key: key, expiry: expiry, query: query, headers: headers, now: now,
            service: .storage)
    }

    func presignedURL(
        method: PresignMethod, bucket: String?, key: String?, expiry: Expiry, query: [QueryItem],
        headers: [String: String], now: Date, service: S3Request.Service
    ) throws -> URL {
        if let bucket { try Bucket.validateExisting(bucket) }
        if let key { try Key.validate(key) }
        let target = Endpoint(configuration: configuration, service: service).target(bucket: bucket, key: key)
        var signable = SignableRequest(method: method.rawValue, path: target.path, query: query)
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { signable.headers.add(name, value) }
        signable.headers.replace("host", target.hostHeader)
        let signer = RequestSigner(
            credentials: try credentialsCache.heldCredentials(), version: configuration.signatureVersion)
        let signedQuery = try signer.presignedQuery(
            signable, resourcePath: target.resourcePath, expires: expiry.date(from: now), now: now)
        let text = target.baseURL + target.path + Self.querySuffix(signedQuery)
        guard let url = URL(string: text) else {
            throw MSSClientError(.invalidArgument, "cannot form a URL from \(text)")
        }
        return url
    }
}
