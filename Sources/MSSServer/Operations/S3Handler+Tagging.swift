import HTTPTypes
import Hummingbird
import S3Protocol

/// Put/Get/DeleteObjectTagging and Put/Get/DeleteBucketTagging, and the `x-amz-tagging`
/// headers of writes. Tags are metadata: writing them keeps the bytes, the ETag and
/// Last-Modified of the version.
extension S3Handler {
    func bucketTagging(_ bucket: String) async throws -> Response {
        guard let tags = try await store.bucket(bucket).tags, !tags.isEmpty else {
            throw S3ServerError(.notFound, "NoSuchTagSet", "The TagSet does not exist", resource: "/\(bucket)", details: ["BucketName": bucket])
        }
        return ServerResponse.xml(Tagging(tagSet: tags.map { Tag(key: $0.key, value: $0.value) }))
    }

    func putBucketTagging(_ request: ServerRequest, bucket: String, authentication: Authentication) async throws -> Response {
        let tags = try await Self.taggingDocument(request, authentication: authentication, forBucket: true)
        try await store.updateBucketRecord(bucket) { $0.tags = tags.isEmpty ? nil : tags }
        return ServerResponse.empty(.noContent)
    }

    func deleteBucketTagging(_ bucket: String) async throws -> Response {
        try await store.updateBucketRecord(bucket) { $0.tags = nil }
        return ServerResponse.empty(.noContent)
    }

    func objectTagging(_ request: ServerRequest, bucket: String, key: String) async throws -> Response {
        let versionID = try Self.versionIDParameter(request)
        let (object, versioned) = try await readableObject(bucket: bucket, key: key, versionID: versionID)
        var response = ServerResponse.xml(Tagging(tagSet: (object.tags ?? []).map { Tag(key: $0.key, value: $0.value) }))
        if versioned || versionID != nil { response.headers[.amzVersionID] = object.versionIDText }
        return response
    }

    func putObjectTagging(_ request: ServerRequest, bucket: String, key: String, authentication: Authentication) async throws -> Response {
        let versionID = try Self.versionIDParameter(request)
        let tags = try await Self.taggingDocument(request, authentication: authentication, forBucket: false)
        return try await replaceTags(tags.isEmpty ? nil : tags, bucket: bucket, key: key, versionID: versionID, status: .ok)
    }

    func deleteObjectTagging(_ request: ServerRequest, bucket: String, key: String) async throws -> Response {
        try await replaceTags(nil, bucket: bucket, key: key, versionID: try Self.versionIDParameter(request), status: .noContent)
    }

    private func replaceTags(
        _ tags: [StoredTag]?, bucket: String, key: String, versionID: String?, status: HTTPResponse.Status
    ) async throws -> Response {
        var (object, versioned) = try await readableObject(bucket: bucket, key: key, versionID: versionID)
        object.tags = tags
        try await store.updateMetadata(bucket: bucket, object: object)
        var headers = HTTPFields()
        if versioned || versionID != nil { headers[.amzVersionID] = object.versionIDText }
        return ServerResponse.empty(status, headers: headers)
    }

    /// The tag set of a PutObjectTagging or PutBucketTagging body, checked against S3's rules.
    private static func taggingDocument(
        _ request: ServerRequest, authentication: Authentication, forBucket: Bool
    ) async throws -> [StoredTag] {
        // PutBucketTagging, like PutBucketCors, wants the body's integrity proven; PutObjectTagging does not.
        if forBucket { try requireIntegrityHeader(request) }
        let bytes = try await collectDocument(request, verifyingPayload: authentication)
        try verifyChecksumHeaders(request, bytes)
        let document = try parse(Tagging.self, from: bytes)
        if let problem = TagRules.problem(document.tagSet, forBucket: forBucket) {
            throw S3ServerError(.badRequest, S3ErrorCode(problem.code), problem.message)
        }
        return document.tagSet.map { StoredTag(key: $0.key, value: $0.value) }
    }

    /// The tags of an `x-amz-tagging` header (PutObject, CreateMultipartUpload, a copy with the
    /// REPLACE tagging directive); nil when the header is absent or empty.
    static func headerTags(_ request: ServerRequest) throws(S3ServerError) -> [StoredTag]? {
        guard let header = request.header("x-amz-tagging"), !header.isEmpty else { return nil }
        guard let tags = TagRules.parseHeader(header), Set(tags.map(\.key)).count == tags.count else {
            throw S3ServerError.invalidArgument(
                "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
        }
        if let problem = TagRules.problem(tags, forBucket: false) {
            throw S3ServerError(.badRequest, S3ErrorCode(problem.code), problem.message)
        }
        return tags.isEmpty ? nil : tags.map { StoredTag(key: $0.key, value: $0.value) }
    }

    /// The tags a copy gives its destination: the source's (`x-amz-tagging-directive: COPY`, the
    /// default) or the request's own (`REPLACE`).
    static func copiedTags(_ request: ServerRequest, source: StoredObject) throws(S3ServerError) -> [StoredTag]? {
        switch request.header("x-amz-tagging-directive")?.uppercased() ?? "COPY" {
        case "COPY": return source.tags
        case "REPLACE": return try headerTags(request)
        default: throw S3ServerError.invalidArgument("Unknown tagging directive.")
        }
    }
}

extension S3Handler {
    /// S3's check on bucket configuration bodies: Content-MD5, or the flexible checksum header
    /// current SDKs send instead, must be there.
    static func requireIntegrityHeader(_ request: ServerRequest) throws(S3ServerError) {
        let checksumNames = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"]
        guard request.header("content-md5") != nil || checksumNames.contains(where: { request.header("x-amz-checksum-\($0)") != nil }) else {
            throw S3ServerError(.badRequest, .invalidRequest, "Missing required header for this request: Content-Md5.")
        }
    }
}

extension HTTPField.Name {
    static let amzTaggingCount = HTTPField.Name("x-amz-tagging-count")!
}
