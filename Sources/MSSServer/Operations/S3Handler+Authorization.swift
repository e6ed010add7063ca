import Foundation
import S3Protocol

/// Who may do what, decided in one place before any operation runs, with S3's ACL rules:
///
/// - bucket READ lists objects, versions and multipart uploads (and answers HeadBucket);
/// - bucket WRITE creates, overwrites and deletes objects, and runs multipart uploads;
/// - object READ reads an object (GET, HEAD, the image service);
/// - READ_ACP and WRITE_ACP read and replace an ACL, which its owner may always do;
/// - FULL_CONTROL is all of them;
/// - only a bucket's owner reads its location and versioning, changes versioning, deletes it.
///
/// A denied request gets 403 AccessDenied. A missing bucket is 404 whoever asks, as in S3; a
/// missing object is 404 only for someone who may list the bucket, and 403 for anyone else,
/// so the answer does not tell strangers which keys exist.
extension S3Handler {
    /// Checks that the signer (or an anonymous caller) may make `request`, and returns it with
    /// the signer and, for writes that create something, the ACL it gets.
    @discardableResult
    func authorize(_ request: S3Request, identity: Identity) async throws -> S3Request {
        var request = request
        let user = identity.user
        request.user = user
        guard let bucketName = request.bucket else {
            // ListBuckets shows the caller's buckets; an anonymous caller has none to see.
            guard user != nil else { throw S3ServerError.accessDenied() }
            return request
        }
        let q = request.query
        if request.key == nil, request.method == "PUT", !q.contains("acl"), !q.contains("versioning") {
            return try await authorizeCreateBucket(request, bucketName: bucketName)
        }
        let bucket = try await store.bucket(bucketName)
        let bucketACL = effectiveACL(bucket)
        let ownsBucket = user.map { $0.id == bucketACL.owner } ?? false
        let bucketAllows = { (permission: ACLPermission) in bucketACL.grants(permission, to: user) }

        guard let key = request.key else {
            let allowed: Bool
            switch request.method {
            case "PUT" where q.contains("acl"): allowed = ownsBucket || bucketAllows(.writeACP)
            case "GET" where q.contains("acl"): allowed = ownsBucket || bucketAllows(.readACP)
            case "GET" where q.contains("location") || q.contains("versioning"): allowed = ownsBucket
            case "GET", "HEAD": allowed = bucketAllows(.read)
            case "POST" where q.contains("delete"): allowed = bucketAllows(.write)
            // DeleteBucket, PutBucketVersioning and what no ACL grants.
            default: allowed = ownsBucket
            }
            guard allowed else { throw S3ServerError.accessDenied() }
            return request
        }

        switch request.method {
        case "GET" where q.contains("acl"), "HEAD" where q.contains("acl"):
            try await requireObject(bucket: bucketName, key: key, versionID: try Self.versionIDParameter(request), user: user, bucketACL: bucketACL) {
                $0.owner == user?.id || $0.grants(.readACP, to: user)
            }
        case "PUT" where q.contains("acl"):
            try await requireObject(bucket: bucketName, key: key, versionID: try Self.versionIDParameter(request), user: user, bucketACL: bucketACL) {
                $0.owner == user?.id || $0.grants(.writeACP, to: user)
            }
        case "GET" where q.contains("uploadId"):
            // ListParts: for whoever may upload them.
            guard bucketAllows(.write) else { throw S3ServerError.accessDenied() }
        case "GET", "HEAD":
            if user == nil, q.contains(where: { $0.name.hasPrefix("response-") }) {
                throw S3ServerError(400, .invalidRequest, "Request specific response headers cannot be used for anonymous GET requests.")
            }
            try await requireObject(bucket: bucketName, key: key, versionID: try Self.versionIDParameter(request), user: user, bucketACL: bucketACL) {
                $0.grants(.read, to: user)
            }
        case "PUT", "POST", "DELETE":
            guard bucketAllows(.write) else { throw S3ServerError.accessDenied() }
            if request.method == "PUT", let source = request.header("x-amz-copy-source") {
                try await requireCopySource(source, user: user)
            }
            let createsObject =
                (request.method == "PUT" && !q.contains("uploadId")) || (request.method == "POST" && q.contains("uploads"))
            if createsObject, let bucketOwner = bucketACL.owner {
                // An anonymous writer (into a public-read-write bucket) has no ID to own by; the
                // bucket's owner owns what it writes.
                request.newACL = try RequestedACL(request, keys: authenticator.keys)
                    .acl(owner: user?.id ?? bucketOwner, bucketOwner: bucketOwner)
            }
        default:
            guard ownsBucket else { throw S3ServerError.accessDenied() }
        }
        return request
    }

    /// CreateBucket: any signer, unless someone else has the name.
    private func authorizeCreateBucket(_ request: S3Request, bucketName: String) async throws -> S3Request {
        guard let user = request.user else { throw S3ServerError.accessDenied() }
        if let existing = try? await store.bucket(bucketName), effectiveACL(existing).owner != user.id {
            throw S3ServerError(
                409, .bucketAlreadyExists,
                "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
                resource: "/\(bucketName)")
        }
        var request = request
        request.newACL = try RequestedACL(request, keys: authenticator.keys).acl(owner: user.id, bucketOwner: nil)
        return request
    }

    /// Requires `allows` of the ACL of `key` (the version `versionID` when given). A key
    /// without such an object passes only for a caller who may list the bucket, whom the
    /// operation then answers 404.
    private func requireObject(
        bucket: String, key: String, versionID: String?, user: ServerUser?, bucketACL: StoredACL,
        allows: (StoredACL) -> Bool
    ) async throws {
        if let object = try await store.object(bucket: bucket, key: key, versionID: versionID), !object.isDeleteMarker {
            guard allows(effectiveACL(object)) else { throw S3ServerError.accessDenied() }
        } else {
            guard bucketACL.grants(.read, to: user) else { throw S3ServerError.accessDenied() }
        }
    }

    /// A copy reads its source: the source object needs READ. A header that names no object
    /// is left to the operation, which answers it with the right error.
    private func requireCopySource(_ header: String, user: ServerUser?) async throws {
        var path = Substring(header)
        var versionID: String?
        if let question = path.firstIndex(of: "?") {
            let query = QueryItem.parse(path[path.index(after: question)...]) ?? []
            versionID = query.value(for: "versionId")
            path = path[..<question]
        }
        if path.hasPrefix("/") { path = path.dropFirst() }
        guard let decoded = URIEncoding.decode(String(path)), let slash = decoded.firstIndex(of: "/") else { return }
        let sourceBucket = String(decoded[..<slash])
        let sourceKey = String(decoded[decoded.index(after: slash)...])
        guard !sourceBucket.isEmpty, !sourceKey.isEmpty else { return }
        let bucketACL = effectiveACL(try await store.bucket(sourceBucket))
        try await requireObject(bucket: sourceBucket, key: sourceKey, versionID: versionID, user: user, bucketACL: bucketACL) {
            $0.grants(.read, to: user)
        }
    }

    /// The canonical ID that owns what was stored before the server had users.
    var primaryOwnerID: String { authenticator.keys.primary?.id ?? "" }

    /// A bucket's ACL, with a legacy missing owner filled in.
    func effectiveACL(_ bucket: StoredBucket) -> StoredACL {
        bucket.acl.resolved(primary: primaryOwnerID)
    }

    /// An object version's ACL, with a legacy missing owner filled in.
    func effectiveACL(_ object: StoredObject) -> StoredACL {
        object.acl.resolved(primary: primaryOwnerID)
    }
}
