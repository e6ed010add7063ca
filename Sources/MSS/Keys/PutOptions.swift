import S3Protocol

/// S3's canned ACLs: named grant sets sent as `x-amz-acl`. MSS itself knows `private` and
/// `public-read`; the others are for other S3 servers (and mss-server).
public enum CannedACL: String, Sendable, Hashable, CaseIterable {
    case `private` = "private"
    case publicRead = "public-read"
    case publicReadWrite = "public-read-write"
    case authenticatedRead = "authenticated-read"
    case bucketOwnerRead = "bucket-owner-read"
    case bucketOwnerFullControl = "bucket-owner-full-control"
}

/// How an object is stored: its content headers, user metadata and ACL.
public struct PutOptions: Sendable, Hashable {
    public var contentType: String?
    /// User metadata, sent as `x-amz-meta-NAME`. Names are case-insensitive (S3 lower-cases them).
    public var metadata: [String: String]
    public var acl: CannedACL?
    /// Send `Content-MD5` so the server refuses a body damaged in transit. On by default; for
    /// files this reads the file once more before sending it.
    public var sendContentMD5: Bool
    public var cacheControl: String?
    public var contentDisposition: String?
    public var contentEncoding: String?
    public var contentLanguage: String?
    /// Write only if the key's current state allows it: ``ObjectConditions/ifAbsent`` for
    /// create-only, ``ObjectConditions/ifMatch(_:)`` to replace a known version. Used by single
    /// PUTs and copies; a failed condition throws ``S3Error`` 412 `PreconditionFailed`.
    public var conditions: ObjectConditions?
    /// Encryption at rest: ``ServerSideEncryption/s3`` or ``ServerSideEncryption/customer(key:)``.
    /// For SSE-C, the parts of a multipart upload started with these options carry the key too.
    public var serverSideEncryption: ServerSideEncryption?
    /// The object's tags, sent as `x-amz-tagging` by single PUTs and multipart uploads. A copy
    /// sets them only with ``TaggingDirective/replace(_:)``.
    public var tags: TagSet?

    public init(
        contentType: String? = nil, metadata: [String: String] = [:], acl: CannedACL? = nil,
        sendContentMD5: Bool = true, cacheControl: String? = nil, contentDisposition: String? = nil,
        contentEncoding: String? = nil, contentLanguage: String? = nil, conditions: ObjectConditions? = nil,
        serverSideEncryption: ServerSideEncryption? = nil, tags: TagSet? = nil
    ) {
        self.tags = tags
        self.conditions = conditions
        self.serverSideEncryption = serverSideEncryption
        self.contentType = contentType
        self.metadata = metadata
        self.acl = acl
        self.sendContentMD5 = sendContentMD5
        self.cacheControl = cacheControl
        self.contentDisposition = contentDisposition
        self.contentEncoding = contentEncoding
        self.contentLanguage = contentLanguage
    }

    /// The headers these options stand for (without Content-MD5).
    var headers: SignableHeaders {
        var headers = SignableHeaders()
        if let contentType { headers.add("Content-Type", contentType) }
        if let cacheControl { headers.add("Cache-Control", cacheControl) }
        if let contentDisposition { headers.add("Content-Disposition", contentDisposition) }
        if let contentEncoding { headers.add("Content-Encoding", contentEncoding) }
        if let contentLanguage { headers.add("Content-Language", contentLanguage) }
        if let acl { headers.add("x-amz-acl", acl.rawValue) }
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) {
            headers.add("x-amz-meta-\(name.lowercased())", value)
        }
        serverSideEncryption?.addHeaders(to: &headers)
        if let tags, !tags.isEmpty { headers.add("x-amz-tagging", tags.headerValue) }
        return headers
    }
}

/// What a successful write returns.
public struct PutResult: Sendable, Hashable {
    /// The ETag without quotes.
    public var etag: String?
    /// The version written (`x-amz-version-id`): nil from servers or buckets without versioning.
    public var versionID: String?
    /// For a copy, the version of the source that was copied (`x-amz-copy-source-version-id`),
    /// so a copy of "the current version" still says which one it was; nil for other writes and
    /// from unversioned sources.
    public var sourceVersionID: String?

    public init(etag: String?, versionID: String? = nil, sourceVersionID: String? = nil) {
        self.etag = etag
        self.versionID = versionID
        self.sourceVersionID = sourceVersionID
    }
}
