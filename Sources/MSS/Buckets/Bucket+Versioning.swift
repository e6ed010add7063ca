import NIOCore
import S3Protocol

/// A bucket's versioning state. Versioning can be suspended but never turned off again: a
/// bucket once versioned keeps its versions.
public enum BucketVersioning: Sendable, Hashable {
    /// Versioning was never enabled; every object is version `null`.
    case unversioned
    /// Every write makes a new version; deletes make delete markers.
    case enabled
    /// Writes replace the `null` version; older versions are kept.
    case suspended
}

extension Bucket {
    /// The bucket's versioning state (GetBucketVersioning).
    public func versioning() async throws -> BucketVersioning {
        try Bucket.validateExisting(name)
        let response = try await connection.send(S3Request(method: "GET", bucket: name, query: [QueryItem("versioning")]))
        let document = try connection.decode(VersioningConfiguration.self, from: response)
        switch document.status {
        case nil: return .unversioned
        case .enabled: return .enabled
        case .suspended: return .suspended
        }
    }

    /// Turns versioning on (`true`) or suspends it (`false`) (PutBucketVersioning).
    public func setVersioning(enabled: Bool) async throws {
        try Bucket.validateExisting(name)
        let document = VersioningConfiguration(status: enabled ? .enabled : .suspended)
        let body = Array(document.serialized().utf8)
        var request = S3Request(method: "PUT", bucket: name, query: [QueryItem("versioning")])
        request.headers.add("Content-Type", "application/xml")
        request.headers.add("Content-MD5", Digests.md5Base64(body))
        request.body = .bytes(ByteBuffer(bytes: body))
        _ = try await connection.send(request)
    }
}
