import Foundation
import S3Protocol
import HTTPTypes

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
    /// Checks that the signer (or an anonymous caller) may make `request`, which asks for
    /// `operation`, and returns it with the signer and, for writes that create something, the
    /// ACL it gets.
    @discardableResult
    func authorize(_ request: ServerRequest, operation: S3Operation, identity: Identity) async throws -> ServerRequest {
        var request = request
        let user = identity.user
        request.user = user
        guard let bucketName = request.bucket else {
            // ListBuckets shows the caller's buckets; an anonymous caller has none to see.
            guard user != nil else { throw S3ServerError.accessDenied() }
            return request
        }
        if operation == .createBucket { return try await authorizeCreateBucket(request, bucketName: bucketName) }
        // A GET or HEAD of an object reads the bucket and the key in one visit to the store, and
        // the operation answers from the same snapshot.
        var snapshot: KeySnapshot? = nil
        let bucket: StoredBucket
        if operation == .getObject || operation == .headObject, let key = request.key {
            if store.answers.isEnabled, PlainObjectRead.isPlain(request) { request.answerToken = store.answers.token() }
            let read = try await store.snapshot(bucket: bucketName, key: key)
            snapshot = read
            bucket = read.bucket
        } else {
            bucket = try await store.bucket(bucketName)
        }
        let bucketACL = effectiveACL(bucket)
        let ownsBucket = user.map { $0.id == bucketACL.owner } ?? false
        let bucketAllows = { (permission: ACLPermission) in bucketACL.grants(permission, to: user) }
        func require(_ allowed: Bool) throws {
            guard allowed else { throw S3ServerError.accessDenied() }
        }
        func requireObject(_ allows: (StoredACL) -> Bool) async throws {
            try await self.requireObject(
                bucket: bucketName, key: request.key ?? "", versionID: try Self.versionIDParameter(request), user: user,
                bucketACL: bucketACL, allows: allows)
        }
        switch operation {
        case .listBuckets, .createBucket:
            break
        case .putBucketACL: try require(ownsBucket || bucketAllows(.writeACP))
        case .bucketACL: try require(ownsBucket || bucketAllows(.readACP))
        case .bucketLocation, .bucketVersioning, .putBucketVersioning, .deleteBucket: try require(ownsBucket)
        // Configurations are the owner's, as S3's default bucket policy has them.
        case .bucketCORS, .putBucketCORS, .deleteBucketCORS, .bucketTagging, .putBucketTagging, .deleteBucketTagging,
            .bucketLifecycle, .putBucketLifecycle, .deleteBucketLifecycle:
            try require(ownsBucket)
        // A preflight is unsigned by design; a POST form is signed inside its body, and the
        // upload checks the policy's signer itself.
        case .preflight, .postObject: break
        case .objectTagging: try await requireObject { $0.owner == user?.id || $0.grants(.read, to: user) }
        case .putObjectTagging, .deleteObjectTagging:
            try require(ownsBucket || bucketAllows(.write))
        case .headBucket, .listObjects, .listObjectVersions, .listUploads: try require(bucketAllows(.read))
        case .deleteObjects: try require(bucketAllows(.write))
        case .objectACL: try await requireObject { $0.owner == user?.id || $0.grants(.readACP, to: user) }
        case .putObjectACL: try await requireObject { $0.owner == user?.id || $0.grants(.writeACP, to: user) }
        // ListParts: for whoever may upload them.
        case .listParts: try require(bucketAllows(.write))
        case .getObject, .headObject, .objectAttributes:
            if user == nil, request.query.contains(where: { $0.name.hasPrefix("response-") }) {
                throw S3ServerError(.badRequest, .invalidRequest, "Request specific response headers cannot be used for anonymous GET requests.")
            }
            if let snapshot {
                let object = snapshot.object(versionID: try Self.versionIDParameter(request))
                try self.requireObject(object, user: user, bucketACL: bucketACL) { $0.grants(.read, to: user) }
                request.snapshot = snapshot
            } else {
                try await requireObject { $0.grants(.read, to: user) }
            }
        // A copy's source is checked by the copy itself, on the version it reads.
        case .putObject, .copyObject, .deleteObject, .createUpload, .uploadPart, .uploadPartCopy, .completeUpload, .abortUpload:
            try require(bucketAllows(.write))
            if operation == .putObject || operation == .copyObject || operation == .createUpload,
                let bucketOwner = bucketACL.owner
            {
                // An anonymous writer (into a public-read-write bucket) has no ID to own by; the
                // bucket's owner owns what it writes.
                request.newACL = try RequestedACL(request, keys: authenticator.keys)
                    .acl(owner: user?.id ?? bucketOwner, bucketOwner: bucketOwner)
            }
        }
        return request
    }

    /// CreateBucket: any signer, unless someone else has the name.
    private func authorizeCreateBucket(_ request: ServerRequest, bucketName: String) async throws -> ServerRequest {
        guard let user = request.user else { throw S3ServerError.accessDenied() }
        if let existing = try? await store.bucket(bucketName), effectiveACL(existing).owner != user.id {
            throw S3ServerError(
                .conflict, .bucketAlreadyExists,
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
        let object = try await store.object(bucket: bucket, key: key, versionID: versionID)
        try requireObject(object, user: user, bucketACL: bucketACL, allows: allows)
    }

    /// Requires `allows` of the ACL of `object`, the version a request names; without one (or
    /// with a delete marker), requires that the caller may list the bucket.
    private func requireObject(
        _ object: StoredObject?, user: ServerUser?, bucketACL: StoredACL, allows: (StoredACL) -> Bool
    ) throws(S3ServerError) {
        if let object, !object.isDeleteMarker {
            guard allows(effectiveACL(object)) else { throw S3ServerError.accessDenied() }
        } else {
            guard bucketACL.grants(.read, to: user) else { throw S3ServerError.accessDenied() }
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
