import NIOCore
import S3Protocol
import NIOHTTP1

/// What a copy does with the source's metadata.
public enum MetadataDirective: Sendable, Hashable {
    /// Keep the source's content type and user metadata.
    case copy
    /// Replace them with these.
    case replace(PutOptions)
}

extension Key {
    /// Copies this object server-side to `destinationKey` in `destinationBucket` (this bucket
    /// when nil), keeping or replacing its metadata. Returns the new key, whose
    /// ``Key/copyResult`` holds the new ETag, the new version id and the source version copied.
    ///
    /// - Parameters:
    ///   - destinationBucket: the bucket to copy into; this key's bucket when nil.
    ///   - destinationKey: the new object's key.
    ///   - metadata: keep the source's content type and user metadata, or replace them.
    ///   - acl: the new object's canned ACL; the server's default (private) when nil.
    ///   - versionID: the version of this object to copy; the current one when nil.
    ///   - sourceConditions: preconditions on this object (`x-amz-copy-source-if-*`); a failed
    ///     one throws ``S3Error`` 412 `PreconditionFailed`.
    ///   - conditions: preconditions on the destination, as for a PUT (``ObjectConditions/ifAbsent``
    ///     to copy only onto a free key); when nil, those of a `.replace` directive's options.
    ///   - encryption: how the copy is encrypted at rest, whatever the source was; when nil, that
    ///     of a `.replace` directive's options, else none (S3 does not carry it over).
    ///   - sourceCustomerKey: the SSE-C key of this object, when it is stored with one.
    ///   - tagging: keep the source's tags (the default) or give the copy others
    ///     (`x-amz-tagging-directive`); the tags of a `.replace` metadata directive's options
    ///     are not used.
    @discardableResult
    public func copy(
        toBucket destinationBucket: String? = nil, key destinationKey: String, metadata: MetadataDirective = .copy,
        acl: CannedACL? = nil, versionID: String? = nil, sourceConditions: ObjectConditions? = nil,
        conditions: ObjectConditions? = nil, encryption: ServerSideEncryption? = nil, sourceCustomerKey: CustomerKey? = nil,
        tagging: TaggingDirective = .copy
    ) async throws -> Key {
        try Self.validate(name)
        try Self.validate(destinationKey)
        if let versionID { try Self.validate(versionID: versionID) }
        let target = Bucket(connection: connection, name: destinationBucket ?? bucket.name)
        var request = try Key(bucket: target, name: destinationKey).request("PUT")
        switch metadata {
        case .copy:
            request.headers.add("x-amz-metadata-directive", "COPY")
        case .replace(let options):
            request.headers = options.headers
            request.headers.add("x-amz-metadata-directive", "REPLACE")
        }
        if let acl { request.headers.replace("x-amz-acl", acl.rawValue) }
        request.headers.remove("x-amz-tagging")
        if case .replace(let tags) = tagging {
            request.headers.add("x-amz-tagging-directive", "REPLACE")
            if !tags.isEmpty { request.headers.add("x-amz-tagging", tags.headerValue) }
        }
        if let encryption {
            for name in ["x-amz-server-side-encryption", "x-amz-server-side-encryption-customer-algorithm",
                         "x-amz-server-side-encryption-customer-key", "x-amz-server-side-encryption-customer-key-MD5"] {
                request.headers.remove(name)
            }
            encryption.addHeaders(to: &request.headers)
        }
        sourceCustomerKey?.addCopySourceHeaders(to: &request.headers)
        var source = "/\(bucket.name)/" + URIEncoding.encode(name, keepSlash: true)
        if let versionID { source += "?versionId=" + URIEncoding.encode(versionID) }
        request.headers.add("x-amz-copy-source", source)
        sourceConditions?.apply(to: &request.headers, prefix: "x-amz-copy-source-")
        var destinationConditions = conditions
        if destinationConditions == nil, case .replace(let options) = metadata { destinationConditions = options.conditions }
        try destinationConditions?.applyToWrite(&request.headers)
        let response = try await connection.send(request)
        try response.throwIfErrorBody()
        let document: CopyObjectResult
        do {
            document = try CopyObjectResult(bytes: response.bodyBytes)
        } catch {
            throw MSSClientError(.invalidResponse, "copy of \(name) answered with an unreadable body: \(error)")
        }
        var copied = Key(bucket: target, name: destinationKey)
        copied.copyResult = PutResult(
            etag: ObjectInfo.unquoted(document.result.etag), versionID: response.headers.first(name: "x-amz-version-id"),
            sourceVersionID: response.headers.first(name: "x-amz-copy-source-version-id"))
        return copied
    }

    /// Replaces the user metadata (and optionally content type) in place, with a self-copy. Other
    /// content headers are kept.
    public func updateMetadata(_ metadata: [String: String], contentType: String? = nil) async throws {
        guard let current = try await info() else {
            throw S3Error(status: 404, code: .noSuchKey, message: "\(name) does not exist", resource: name)
        }
        let options = PutOptions(
            contentType: contentType ?? current.contentType, metadata: metadata, cacheControl: current.cacheControl,
            contentDisposition: current.contentDisposition, contentEncoding: current.contentEncoding,
            contentLanguage: current.contentLanguage)
        try await copy(key: name, metadata: .replace(options))
    }

    /// Sets the object's canned ACL.
    public func setACL(_ acl: CannedACL) async throws {
        var request = try request("PUT", query: [QueryItem("acl")])
        request.headers.add("x-amz-acl", acl.rawValue)
        _ = try await connection.send(request)
    }
}
