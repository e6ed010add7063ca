import Foundation
import HTTPTypes
import Hummingbird
import S3Protocol

extension HTTPField.Name {
    static let amzVersionID = HTTPField.Name("x-amz-version-id")!
    static let amzDeleteMarker = HTTPField.Name("x-amz-delete-marker")!
}

extension S3Handler {
    func bucketVersioning(_ bucket: String) async throws -> Response {
        let stored = try await store.bucket(bucket)
        let status = stored.versioning.map { VersioningConfiguration.Status(rawValue: $0.rawValue) } ?? nil
        return ServerResponse.xml(VersioningConfiguration(status: status))
    }

    func putBucketVersioning(_ request: ServerRequest, bucket: String, authentication: Authentication) async throws -> Response {
        let document = try Self.parse(
            VersioningConfiguration.self, from: try await Self.collectDocument(request, verifyingPayload: authentication))
        if document.mfaDelete == .enabled {
            throw S3ServerError(.notImplemented, .notImplemented, "MFA Delete is not implemented by mss-server.")
        }
        guard let status = document.status, let state = VersioningState(rawValue: status.rawValue) else {
            throw S3ServerError.malformedXML("<Status> must be Enabled or Suspended")
        }
        try await store.setVersioning(bucket, state)
        return ServerResponse.empty()
    }

    /// The `versionId` query parameter, refused when empty as S3 does.
    static func versionIDParameter(_ request: ServerRequest) throws(S3ServerError) -> String? {
        guard let versionID = request.query.value(for: "versionId") else { return nil }
        guard !versionID.isEmpty else { throw S3ServerError.invalidArgument("Version id cannot be the empty string") }
        guard versionID.utf8.count <= 1024 else { throw S3ServerError.invalidArgument("Invalid version id specified") }
        return versionID
    }

    /// The object a read of `key` names: exactly `versionID`, or the current object. Deleted
    /// keys and delete markers are answered as S3 does, with `x-amz-delete-marker`.
    func readableObject(bucket: String, key: String, versionID: String?) async throws -> (object: StoredObject, versioned: Bool) {
        try Self.readableObject(in: try await store.snapshot(bucket: bucket, key: key), key: key, versionID: versionID)
    }

    /// ``readableObject(bucket:key:versionID:)`` from a snapshot already read.
    static func readableObject(in snapshot: KeySnapshot, key: String, versionID: String?) throws(S3ServerError)
        -> (object: StoredObject, versioned: Bool)
    {
        let versioned = snapshot.bucket.versioning != nil
        guard let versionID else {
            guard let newest = snapshot.stored?.newest else { throw S3ServerError.noSuchKey(key) }
            guard !newest.isDeleteMarker else {
                var error = S3ServerError.noSuchKey(key)
                error.headers = ["x-amz-delete-marker": "true", "x-amz-version-id": newest.versionIDText]
                throw error
            }
            return (newest, versioned)
        }
        guard let object = snapshot.object(versionID: versionID) else {
            throw S3ServerError(
                .notFound, "NoSuchVersion", "The specified version does not exist.", resource: key,
                details: ["Key": key, "VersionId": versionID])
        }
        guard !object.isDeleteMarker else {
            var error = S3ServerError(.methodNotAllowed, .methodNotAllowed, "The specified method is not allowed against this resource.", resource: key)
            error.headers = [
                "x-amz-delete-marker": "true", "x-amz-version-id": object.versionIDText, "Allow": "DELETE",
                "Last-Modified": HTTPDate.rfc1123(object.lastModified),
            ]
            throw error
        }
        return (object, versioned)
    }

    func listObjectVersions(_ request: ServerRequest, bucket: String) async throws -> Response {
        let q = request.query
        let parameters = try ListingParameters(q)
        let encode = parameters.encode
        let keyMarker = q.value(for: "key-marker").flatMap { $0.isEmpty ? nil : $0 }
        var versionIDMarker = q.value(for: "version-id-marker").flatMap { $0.isEmpty ? nil : $0 }
        if versionIDMarker != nil && keyMarker == nil {
            throw S3ServerError.invalidArgument("A version-id marker cannot be specified without a key marker.")
        }
        if keyMarker == nil { versionIDMarker = nil }
        let listing = try await store.listVersions(
            bucket: bucket, prefix: parameters.prefix, delimiter: parameters.delimiter, keyMarker: keyMarker,
            versionIDMarker: versionIDMarker, maxKeys: parameters.pageSize)
        let entries = listing.entries.map { entry -> ListVersionsResult.Entry in
            let object = entry.object
            if object.isDeleteMarker {
                return .deleteMarker(
                    key: encode(object.key), versionID: object.versionIDText, isLatest: entry.isLatest,
                    lastModified: object.lastModified, owner: listingOwner(id: object.owner))
            }
            return .version(
                key: encode(object.key), versionID: object.versionIDText, isLatest: entry.isLatest,
                lastModified: object.lastModified, etag: "\"\(object.etag)\"", size: object.size, owner: listingOwner(id: object.owner))
        }
        let result = ListVersionsResult(
            name: bucket, prefix: encode(parameters.prefix), keyMarker: encode(keyMarker ?? ""), versionIDMarker: versionIDMarker ?? "",
            nextKeyMarker: listing.isTruncated ? listing.nextKeyMarker.map(encode) : nil,
            nextVersionIDMarker: listing.isTruncated ? listing.nextVersionIDMarker : nil, maxKeys: parameters.maxKeys,
            delimiter: parameters.delimiter.map(encode), encodingType: parameters.encodingType, isTruncated: listing.isTruncated, entries: entries,
            commonPrefixes: listing.commonPrefixes.map(encode))
        return ServerResponse.xml(result)
    }
}
