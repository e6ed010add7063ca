import Foundation
import HTTPTypes
import Hummingbird
import S3Protocol

/// GetBucketAcl, PutBucketAcl, GetObjectAcl and PutObjectAcl. Authorisation has already
/// checked READ_ACP or WRITE_ACP (or ownership); these read and replace the ACL itself.
extension S3Handler {
    func bucketACL(_ bucket: String) async throws -> Response {
        let stored = try await store.bucket(bucket)
        return ServerResponse.xml(accessControlPolicy(effectiveACL(stored)))
    }

    func putBucketACL(_ request: ServerRequest, bucket: String) async throws -> Response {
        let current = effectiveACL(try await store.bucket(bucket))
        let acl = try await replacementACL(request, current: current, bucketOwner: nil)
        try await store.setBucketACL(bucket, acl: acl)
        return ServerResponse.empty()
    }

    func objectACL(_ request: ServerRequest, bucket: String, key: String) async throws -> Response {
        let (object, _) = try await readableObject(bucket: bucket, key: key, versionID: try Self.versionIDParameter(request))
        return ServerResponse.xml(accessControlPolicy(effectiveACL(object)))
    }

    func putObjectACL(_ request: ServerRequest, bucket: String, key: String) async throws -> Response {
        let bucketOwner = effectiveACL(try await store.bucket(bucket)).owner
        var (object, _) = try await readableObject(bucket: bucket, key: key, versionID: try Self.versionIDParameter(request))
        object.acl = try await replacementACL(request, current: effectiveACL(object), bucketOwner: bucketOwner)
        try await store.updateMetadata(bucket: bucket, object: object)
        return ServerResponse.empty()
    }

    /// The ACL a PutXxxAcl request sets: from `x-amz-acl` or `x-amz-grant-*`, or else from an
    /// AccessControlPolicy body, never both. The owner stays: a body must name the current one.
    private func replacementACL(_ request: ServerRequest, current: StoredACL, bucketOwner: String?) async throws -> StoredACL {
        let owner = current.owner ?? primaryOwnerID
        let headers = try RequestedACL(request, keys: authenticator.keys)
        let body = try await Self.collectDocument(request)
        if headers.isSpecified {
            guard body.isEmpty else {
                throw S3ServerError.invalidArgument("An ACL may be given in headers or in the request body, not both.")
            }
            return headers.acl(owner: owner, bucketOwner: bucketOwner)
        }
        guard !body.isEmpty else {
            throw S3ServerError(.badRequest, .missingSecurityHeader, "Your request was missing a required header", details: ["MissingHeaderName": "x-amz-acl"])
        }
        let policy: AccessControlPolicy
        do {
            policy = try AccessControlPolicy(bytes: body)
        } catch {
            throw Self.malformedACL
        }
        guard let policyOwner = policy.owner else { throw Self.malformedACL }
        // Ownership does not change through an ACL.
        guard policyOwner.id == owner else { throw S3ServerError.accessDenied() }
        guard policy.grants.count <= StoredACL.maximumGrants else { throw Self.malformedACL }
        var grants: [StoredGrant] = []
        for grant in policy.grants {
            let grantee: ACLGrantee
            switch grant.grantee {
            case .canonicalUser(let id, _): grantee = try RequestedACL.user(id: id, keys: authenticator.keys)
            case .group(let uri): grantee = try RequestedACL.group(uri: uri)
            case .email: throw RequestedACL.unresolvableEmail
            }
            grants.append(StoredGrant(grantee, ACLPermission(grant.permission)))
        }
        return StoredACL(owner: owner, grants: grants)
    }

    static let malformedACL = S3ServerError(
        .badRequest, "MalformedACLError", "The XML you provided was not well-formed or did not validate against our published schema")

    /// The AccessControlPolicy document of `acl`, with the display names of the users it names.
    func accessControlPolicy(_ acl: StoredACL) -> AccessControlPolicy {
        let keys = authenticator.keys
        let ownerID = acl.owner ?? primaryOwnerID
        let grants = acl.grants.map { grant in
            let grantee: AccessControlPolicy.Grantee
            switch grant.grantee {
            case .user(let id): grantee = .canonicalUser(id: id, displayName: keys.user(id: id)?.displayName)
            case .group(let group): grantee = .group(uri: group.uri)
            }
            return AccessControlPolicy.Grant(grantee: grantee, permission: grant.permission.document)
        }
        return AccessControlPolicy(owner: Owner(id: ownerID, displayName: keys.user(id: ownerID)?.displayName), grants: grants)
    }
}

extension S3Handler {
    /// The `Owner` a listing shows for an object version: the user who wrote it.
    /// The owner shown for an object whose ACL names `id` (nil, written before objects had
    /// owners: the primary user).
    func listingOwner(id: String?) -> Owner {
        let id = id ?? primaryOwnerID
        return Owner(id: id, displayName: authenticator.keys.user(id: id)?.displayName)
    }
}
