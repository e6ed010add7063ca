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

    /// Replaces the user metadata (and optionally the content type) in place, with a copy of the
    /// object onto itself.
    ///
    /// The other content headers, the tags and the encryption at rest are kept: an SSE-S3 object
    /// stays SSE-S3, an SSE-C object is stored again with `customerKey` (S3 itself would store the
    /// copy in clear, since a copy does not carry encryption over). The ACL becomes `acl`, or the
    /// server's default (private) when nil, as with any copy. The copy is made only if the object
    /// still has the ETag read first, so a write that lands in between is not undone: that case
    /// throws ``S3Error`` 412 `PreconditionFailed` on servers that check it (S3, mss-server).
    ///
    /// - Parameters:
    ///   - metadata: the new user metadata, replacing all of the old.
    ///   - contentType: the new content type; the current one when nil.
    ///   - acl: the object's canned ACL after the copy.
    ///   - customerKey: the SSE-C key of an object stored with one.
    /// - Throws: ``MSSClientError`` `invalidArgument`, with nothing changed, for an SSE-C object
    ///   without `customerKey` or an object encrypted with a KMS key, whose encryption this
    ///   library cannot ask for again.
    public func updateMetadata(
        _ metadata: [String: String], contentType: String? = nil, acl: CannedACL? = nil, customerKey: CustomerKey? = nil
    ) async throws {
        guard let current = try await info(customerKey: customerKey) else {
            throw S3Error(status: 404, code: .noSuchKey, message: "\(name) does not exist", resource: name)
        }
        let encryption = try Self.encryptionToKeep(of: current, name: name, customerKey: customerKey)
        var options = PutOptions(
            contentType: contentType ?? current.contentType, metadata: metadata, cacheControl: current.cacheControl,
            contentDisposition: current.contentDisposition, contentEncoding: current.contentEncoding,
            contentLanguage: current.contentLanguage)
        options.serverSideEncryption = encryption
        try await copy(
            key: name, metadata: .replace(options), acl: acl, sourceConditions: current.etag.map { .ifMatch($0) },
            encryption: encryption, sourceCustomerKey: encryption?.customerKey)
    }

    /// How an object read as `current` must be encrypted when it is written again.
    static func encryptionToKeep(of current: ObjectInfo, name: String, customerKey: CustomerKey?) throws -> ServerSideEncryption? {
        if current.customerKeyMD5 != nil {
            guard let customerKey else {
                throw MSSClientError.invalidArgument("\(name) is stored with an SSE-C key: pass it as customerKey")
            }
            return .customer(key: customerKey)
        }
        switch current.serverSideEncryption {
        case nil: return nil
        case "AES256": return .s3
        case let other?:
            throw MSSClientError.invalidArgument(
                "\(name) is encrypted with \(other), which this library cannot ask for again; its metadata was left unchanged")
        }
    }

    /// Sets the object's canned ACL.
    public func setACL(_ acl: CannedACL) async throws {
        var request = try request("PUT", query: [QueryItem("acl")])
        request.headers.add("x-amz-acl", acl.rawValue)
        _ = try await connection.send(request)
    }
}
