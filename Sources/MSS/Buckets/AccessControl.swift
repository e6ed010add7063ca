import NIOCore
public import S3Protocol

/// ACL grants on buckets and objects: read the policy, replace it with a grant list, or grant
/// through `x-amz-grant-*` headers.
///
/// ```swift
/// var policy = try await bucket.acl()
/// policy.grants.append(.init(grantee: .canonicalUser(id: otherUserID, displayName: nil), permission: .read))
/// try await bucket.setACL(policy)
/// ```
extension Bucket {
    /// The bucket's owner and grants (GetBucketAcl).
    public func acl() async throws -> AccessControlPolicy {
        try Bucket.validateExisting(name)
        return try await AccessControlRequests.get(S3Request(method: "GET", bucket: name, query: [QueryItem("acl")]), connection)
    }

    /// Replaces the bucket's grants with `policy` (PutBucketAcl with a body). S3 wants the owner
    /// in the document: start from ``acl()``.
    public func setACL(_ policy: AccessControlPolicy) async throws {
        try Bucket.validateExisting(name)
        try await AccessControlRequests.put(policy, S3Request(method: "PUT", bucket: name, query: [QueryItem("acl")]), connection)
    }

    /// Replaces the bucket's grants with `grants`, sent as `x-amz-grant-*` headers (the owner keeps
    /// nothing it is not granted here).
    public func setACL(grants: [AccessControlPolicy.Grant]) async throws {
        try Bucket.validateExisting(name)
        try await AccessControlRequests.put(grants: grants, S3Request(method: "PUT", bucket: name, query: [QueryItem("acl")]), connection)
    }
}

extension Key {
    /// The object's owner and grants (GetObjectAcl), of `versionID` or the current version.
    public func acl(versionID: String? = nil) async throws -> AccessControlPolicy {
        try await AccessControlRequests.get(try request("GET", query: [QueryItem("acl")], versionID: versionID), connection)
    }

    /// Replaces the object's grants with `policy` (PutObjectAcl with a body).
    public func setACL(_ policy: AccessControlPolicy, versionID: String? = nil) async throws {
        try await AccessControlRequests.put(policy, try request("PUT", query: [QueryItem("acl")], versionID: versionID), connection)
    }

    /// Replaces the object's grants with `grants`, sent as `x-amz-grant-*` headers.
    public func setACL(grants: [AccessControlPolicy.Grant], versionID: String? = nil) async throws {
        try await AccessControlRequests.put(
            grants: grants, try request("PUT", query: [QueryItem("acl")], versionID: versionID), connection)
    }
}

/// The requests behind both sets of ACL methods.
enum AccessControlRequests {
    static func get(_ request: S3Request, _ connection: S3Connection) async throws -> AccessControlPolicy {
        try connection.decode(AccessControlPolicy.self, from: try await connection.send(request))
    }

    static func put(_ policy: AccessControlPolicy, _ request: S3Request, _ connection: S3Connection) async throws {
        var request = request
        let body = Array(policy.serialized().utf8)
        request.headers.add("Content-Type", "application/xml")
        request.headers.add("Content-MD5", Digests.md5Base64(body))
        request.body = .bytes(ByteBuffer(bytes: body))
        _ = try await connection.send(request)
    }

    static func put(grants: [AccessControlPolicy.Grant], _ request: S3Request, _ connection: S3Connection) async throws {
        var request = request
        for (name, value) in headers(for: grants) { request.headers.add(name, value) }
        _ = try await connection.send(request)
    }

    /// `x-amz-grant-read: id="…", uri="…"`: one header per permission, grantees comma-separated.
    static func headers(for grants: [AccessControlPolicy.Grant]) -> [(String, String)] {
        var byPermission: [AccessControlPolicy.Permission: [String]] = [:]
        for grant in grants {
            let grantee =
                switch grant.grantee {
                case .canonicalUser(let id, _): "id=\"\(id)\""
                case .group(let uri): "uri=\"\(uri)\""
                case .email(let address): "emailAddress=\"\(address)\""
                }
            byPermission[grant.permission, default: []].append(grantee)
        }
        return AccessControlPolicy.Permission.allCases.compactMap { permission in
            guard let grantees = byPermission[permission] else { return nil }
            let suffix =
                switch permission {
                case .fullControl: "full-control"
                case .read: "read"
                case .write: "write"
                case .readACP: "read-acp"
                case .writeACP: "write-acp"
                }
            return ("x-amz-grant-" + suffix, grantees.joined(separator: ", "))
        }
    }
}
